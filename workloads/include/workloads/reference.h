// The reference (golden) executor: naive int8 kernels written for clarity, not
// speed. It is the oracle the NPU's functional mode is checked against, so it
// shares nothing with the NPU model but npu_abi/arith.h (the one definition of
// the integer arithmetic: requantize, rounding, saturation, wrapping adds).
//
// Conventions (all tensors batch 1, NCHW):
//   - an int8 tensor carries its zero point; a value v means (v - zero_point);
//   - padding contributes nothing to a conv sum (it stands for the zero point),
//     is never the max of a max pool and is not counted by an average pool;
//   - int32 accumulations wrap modulo 2^32 like the hardware adders.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "workloads/tensor.h"

namespace wl::ref {

// Per-tensor requantization: y = sat8(zp + rshift_round(acc * mult, shift)).
struct Requant {
    int32_t mult = 1;
    uint32_t shift = 0;
    int32_t zp = 0;
};

// mult/shift for a real multiplier (e.g. s_x * s_w / s_y): mult in [2^30, 2^31)
// and shift chosen so that mult / 2^shift approximates real_scale. Throws for
// real_scale <= 0 or >= 2^31.
Requant requant_from_scale(double real_scale, int32_t zp_y);

struct ConvParams {
    int64_t stride_h = 1, stride_w = 1;
    int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    int64_t groups = 1;  // groups == C == M is depthwise
};

// Output extent of a window op: floor((in + pad_a + pad_b - kernel) / stride) + 1.
int64_t out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t pad_a, int64_t pad_b);

// x: [1,C,H,W]; w: [M, C/groups, R, S] (w.zero_point is zp_w); bias: empty or M
// values. Returns the raw int32 accumulators [1,M,E,F]:
//   acc[m][e][f] = bias[m] + sum (x - zp_x) * (w - zp_w)   (wrapping int32)
Tensor32 conv2d(const Tensor8& x, const Tensor8& w, const std::vector<int32_t>& bias,
                const ConvParams& p);
// conv2d followed by requantize.
Tensor8 conv2d_requant(const Tensor8& x, const Tensor8& w, const std::vector<int32_t>& bias,
                       const ConvParams& p, const Requant& q);

// Matrix product of a [1,1,M,K] and b [1,1,K,N] (each with its zero point):
//   y[m][n] = bias[m] + sum_k (a[m][k] - zp_a) * (b[k][n] - zp_b)   -> [1,1,M,N]
// This is ONNX MatMulInteger (plus a per-row bias) and, with a = W, b = x, a gemm.
Tensor32 gemm(const Tensor8& a, const Tensor8& b, const std::vector<int32_t>& bias);

// Fully connected: w [M,K,1,1], x any shape with K elements (flattened CHW),
// y[m] = bias[m] + sum_k (w[m][k] - zp_w) * (x[k] - zp_x)   -> [1,M,1,1]
Tensor32 fc(const Tensor8& w, const Tensor8& x, const std::vector<int32_t>& bias);

// y = requantize(acc) element by element; y.zero_point = q.zp.
Tensor8 requantize(const Tensor32& acc, const Requant& q);

struct PoolParams {
    int64_t kernel_h = 1, kernel_w = 1;
    int64_t stride_h = 1, stride_w = 1;
    int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
};
// Max over the window's elements inside the input; output zero point = input's.
// Throws if a window lies entirely in the padding.
Tensor8 max_pool(const Tensor8& x, const PoolParams& p);
// y = sat8(zp_y + div_round(sum (x - zp_x), count)), count = elements inside the input.
Tensor8 avg_pool(const Tensor8& x, const PoolParams& p, int32_t zp_y);
// avg_pool with one window covering each whole channel -> [1,C,1,1].
Tensor8 global_avg_pool(const Tensor8& x, int32_t zp_y);

// acc = (a - zp_a) * mult_a + (b - zp_b) * mult_b (int32, wrapping);
// y = sat8(zp_y + rshift_round(acc, shift)). Shapes must match.
Tensor8 eltwise_add(const Tensor8& a, const Tensor8& b, int32_t mult_a, int32_t mult_b,
                    uint32_t shift, int32_t zp_y);
// acc = (a - zp_a) * (b - zp_b); y = requantize(acc, q).
Tensor8 eltwise_mul(const Tensor8& a, const Tensor8& b, const Requant& q);

// y = max(x, zp_x); output zero point = input's.
Tensor8 relu(const Tensor8& x);

// 256-entry int8 activation table: y = table[x + 128].
using Lut = std::array<int8_t, 256>;
Tensor8 apply_lut(const Tensor8& x, const Lut& table, int32_t zp_y);

// Affine quantization of a real tensor: real = scale * (q - zero_point).
struct QuantParams {
    double scale = 1.0;
    int32_t zero_point = 0;
};
// table[q + 128] = sat8(round(f(in.scale * (q - in.zero_point)) / out.scale) + out.zero_point),
// round half away from zero (std::round), for q in -128..127.
Lut make_lut(const std::function<double(double)>& f, const QuantParams& in, const QuantParams& out);
Lut sigmoid_lut(const QuantParams& in, const QuantParams& out);
Lut tanh_lut(const QuantParams& in, const QuantParams& out);

}  // namespace wl::ref
