// Naive reference kernels; see reference.h for the conventions.
#include "workloads/reference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "npu_abi/arith.h"

namespace wl::ref {

namespace {

void require(bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
}

}  // namespace

Requant requant_from_scale(double real_scale, int32_t zp_y) {
    require(real_scale > 0.0 && real_scale < 2147483648.0,
            "requant_from_scale: scale out of range");
    int exp = 0;
    const double frac = std::frexp(real_scale, &exp);  // real_scale = frac * 2^exp, frac in [0.5,1)
    int64_t mult = static_cast<int64_t>(std::llround(frac * 2147483648.0));  // frac * 2^31
    int64_t shift = 31 - exp;
    if (mult == (int64_t{1} << 31)) {
        mult /= 2;
        --shift;
    }
    // Very small scales: fewer mantissa bits rather than a shift beyond the limit.
    while (shift > static_cast<int64_t>(NPU_REQUANT_MAX_SHIFT)) {
        mult = (mult + 1) / 2;
        --shift;
    }
    require(shift >= 0, "requant_from_scale: scale too large");
    return Requant{static_cast<int32_t>(mult), static_cast<uint32_t>(shift), zp_y};
}

int64_t out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t pad_a, int64_t pad_b) {
    require(stride >= 1 && kernel >= 1, "out_extent: stride and kernel must be >= 1");
    const int64_t span = in + pad_a + pad_b - kernel;
    require(span >= 0, "out_extent: window larger than padded input");
    return span / stride + 1;
}

Tensor32 conv2d(const Tensor8& x, const Tensor8& w, const std::vector<int32_t>& bias,
                const ConvParams& p) {
    const int64_t C = x.shape.c, H = x.shape.h, W = x.shape.w;
    const int64_t M = w.shape.n, Cg = w.shape.c, R = w.shape.h, S = w.shape.w;
    require(x.shape.n == 1, "conv2d: batch must be 1");
    require(p.groups >= 1 && C % p.groups == 0 && M % p.groups == 0,
            "conv2d: groups must divide C and M");
    require(Cg == C / p.groups,
            "conv2d: weight shape " + w.shape.str() + " does not match C/groups");
    require(bias.empty() || static_cast<int64_t>(bias.size()) == M, "conv2d: bias needs M values");
    const int64_t E = out_extent(H, R, p.stride_h, p.pad_top, p.pad_bottom);
    const int64_t F = out_extent(W, S, p.stride_w, p.pad_left, p.pad_right);
    const int64_t m_per_group = M / p.groups;

    Tensor32 y(Shape{1, M, E, F});
    for (int64_t m = 0; m < M; ++m) {
        const int64_t g = m / m_per_group;
        for (int64_t e = 0; e < E; ++e) {
            for (int64_t f = 0; f < F; ++f) {
                int32_t acc = bias.empty() ? 0 : bias[static_cast<size_t>(m)];
                for (int64_t cg = 0; cg < Cg; ++cg) {
                    const int64_t c = g * Cg + cg;
                    for (int64_t r = 0; r < R; ++r) {
                        const int64_t h = e * p.stride_h + r - p.pad_top;
                        if (h < 0 || h >= H) continue;  // padding: contributes zero
                        for (int64_t s = 0; s < S; ++s) {
                            const int64_t col = f * p.stride_w + s - p.pad_left;
                            if (col < 0 || col >= W) continue;
                            const int32_t xv = x.at(c, h, col) - x.zero_point;
                            const int32_t wv = w.at(m, cg, r, s) - w.zero_point;
                            acc = npu_acc_add(acc, xv * wv);
                        }
                    }
                }
                y.at(m, e, f) = acc;
            }
        }
    }
    return y;
}

Tensor8 conv2d_requant(const Tensor8& x, const Tensor8& w, const std::vector<int32_t>& bias,
                       const ConvParams& p, const Requant& q) {
    return requantize(conv2d(x, w, bias, p), q);
}

Tensor32 gemm(const Tensor8& a, const Tensor8& b, const std::vector<int32_t>& bias) {
    require(a.shape.n == 1 && a.shape.c == 1 && b.shape.n == 1 && b.shape.c == 1,
            "gemm: operands must be [1,1,rows,cols] matrices");
    const int64_t M = a.shape.h, K = a.shape.w, N = b.shape.w;
    require(b.shape.h == K, "gemm: inner dimensions differ");
    require(bias.empty() || static_cast<int64_t>(bias.size()) == M, "gemm: bias needs M values");
    Tensor32 y(Shape{1, 1, M, N});
    for (int64_t m = 0; m < M; ++m) {
        for (int64_t n = 0; n < N; ++n) {
            int32_t acc = bias.empty() ? 0 : bias[static_cast<size_t>(m)];
            for (int64_t k = 0; k < K; ++k) {
                const int32_t av = a.at(0, m, k) - a.zero_point;
                const int32_t bv = b.at(0, k, n) - b.zero_point;
                acc = npu_acc_add(acc, av * bv);
            }
            y.at(0, m, n) = acc;
        }
    }
    return y;
}

Tensor32 fc(const Tensor8& w, const Tensor8& x, const std::vector<int32_t>& bias) {
    const int64_t M = w.shape.n, K = w.shape.c * w.shape.h * w.shape.w;
    require(x.shape.size() == K, "fc: input has " + std::to_string(x.shape.size()) +
                                     " elements, weights expect " + std::to_string(K));
    require(bias.empty() || static_cast<int64_t>(bias.size()) == M, "fc: bias needs M values");
    Tensor32 y(Shape{1, M, 1, 1});
    for (int64_t m = 0; m < M; ++m) {
        int32_t acc = bias.empty() ? 0 : bias[static_cast<size_t>(m)];
        for (int64_t k = 0; k < K; ++k) {
            const int32_t wv = w.data[static_cast<size_t>(m * K + k)] - w.zero_point;
            const int32_t xv = x.data[static_cast<size_t>(k)] - x.zero_point;
            acc = npu_acc_add(acc, wv * xv);
        }
        y.at(m, 0, 0) = acc;
    }
    return y;
}

Tensor8 requantize(const Tensor32& acc, const Requant& q) {
    Tensor8 y(acc.shape, q.zp);
    for (size_t i = 0; i < acc.data.size(); ++i)
        y.data[i] = npu_requantize(acc.data[i], q.mult, q.shift, q.zp);
    return y;
}

namespace {

// Calls visit(h, w) for every window element inside the input; returns the count.
template <typename Visit>
int64_t for_window(const Tensor8& x, const PoolParams& p, int64_t e, int64_t f, Visit visit) {
    int64_t count = 0;
    for (int64_t r = 0; r < p.kernel_h; ++r) {
        const int64_t h = e * p.stride_h + r - p.pad_top;
        if (h < 0 || h >= x.shape.h) continue;
        for (int64_t s = 0; s < p.kernel_w; ++s) {
            const int64_t w = f * p.stride_w + s - p.pad_left;
            if (w < 0 || w >= x.shape.w) continue;
            visit(h, w);
            ++count;
        }
    }
    return count;
}

Shape pool_out_shape(const Tensor8& x, const PoolParams& p) {
    require(x.shape.n == 1, "pool: batch must be 1");
    return Shape{1, x.shape.c,
                 out_extent(x.shape.h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom),
                 out_extent(x.shape.w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right)};
}

}  // namespace

Tensor8 max_pool(const Tensor8& x, const PoolParams& p) {
    Tensor8 y(pool_out_shape(x, p), x.zero_point);
    for (int64_t c = 0; c < y.shape.c; ++c) {
        for (int64_t e = 0; e < y.shape.h; ++e) {
            for (int64_t f = 0; f < y.shape.w; ++f) {
                int32_t best = -129;
                const int64_t n = for_window(x, p, e, f, [&](int64_t h, int64_t w) {
                    best = std::max<int32_t>(best, x.at(c, h, w));
                });
                require(n > 0, "max_pool: window entirely in padding");
                y.at(c, e, f) = static_cast<int8_t>(best);
            }
        }
    }
    return y;
}

Tensor8 avg_pool(const Tensor8& x, const PoolParams& p, int32_t zp_y) {
    Tensor8 y(pool_out_shape(x, p), zp_y);
    for (int64_t c = 0; c < y.shape.c; ++c) {
        for (int64_t e = 0; e < y.shape.h; ++e) {
            for (int64_t f = 0; f < y.shape.w; ++f) {
                int64_t sum = 0;
                const int64_t n = for_window(
                    x, p, e, f, [&](int64_t h, int64_t w) { sum += x.at(c, h, w) - x.zero_point; });
                require(n > 0, "avg_pool: window entirely in padding");
                y.at(c, e, f) = npu_sat8(zp_y + npu_div_round(sum, n));
            }
        }
    }
    return y;
}

Tensor8 global_avg_pool(const Tensor8& x, int32_t zp_y) {
    PoolParams p;
    p.kernel_h = p.stride_h = x.shape.h;
    p.kernel_w = p.stride_w = x.shape.w;
    return avg_pool(x, p, zp_y);
}

Tensor8 eltwise_add(const Tensor8& a, const Tensor8& b, int32_t mult_a, int32_t mult_b,
                    uint32_t shift, int32_t zp_y) {
    require(a.shape == b.shape, "eltwise_add: shapes differ");
    Tensor8 y(a.shape, zp_y);
    for (size_t i = 0; i < a.data.size(); ++i) {
        const int32_t acc =
            npu_eltwise_add_acc(a.data[i], a.zero_point, mult_a, b.data[i], b.zero_point, mult_b);
        y.data[i] = npu_sat8(int64_t{zp_y} + npu_rshift_round(acc, shift));
    }
    return y;
}

Tensor8 eltwise_mul(const Tensor8& a, const Tensor8& b, const Requant& q) {
    require(a.shape == b.shape, "eltwise_mul: shapes differ");
    Tensor8 y(a.shape, q.zp);
    for (size_t i = 0; i < a.data.size(); ++i) {
        const int32_t acc = npu_eltwise_mul_acc(a.data[i], a.zero_point, b.data[i], b.zero_point);
        y.data[i] = npu_requantize(acc, q.mult, q.shift, q.zp);
    }
    return y;
}

Tensor8 relu(const Tensor8& x) {
    Tensor8 y(x.shape, x.zero_point);
    for (size_t i = 0; i < x.data.size(); ++i)
        y.data[i] = static_cast<int8_t>(std::max<int32_t>(x.data[i], x.zero_point));
    return y;
}

Tensor8 apply_lut(const Tensor8& x, const Lut& table, int32_t zp_y) {
    Tensor8 y(x.shape, zp_y);
    for (size_t i = 0; i < x.data.size(); ++i)
        y.data[i] = table[static_cast<size_t>(x.data[i] + 128)];
    return y;
}

Lut make_lut(const std::function<double(double)>& f, const QuantParams& in,
             const QuantParams& out) {
    require(in.scale > 0.0 && out.scale > 0.0, "make_lut: scales must be positive");
    Lut t{};
    for (int q = -128; q <= 127; ++q) {
        const double real = in.scale * static_cast<double>(q - in.zero_point);
        const double yq = std::round(f(real) / out.scale) + static_cast<double>(out.zero_point);
        const double clamped = yq > 127.0 ? 127.0 : (yq < -128.0 ? -128.0 : yq);
        t[static_cast<size_t>(q + 128)] = static_cast<int8_t>(clamped);
    }
    return t;
}

Lut sigmoid_lut(const QuantParams& in, const QuantParams& out) {
    return make_lut([](double v) { return 1.0 / (1.0 + std::exp(-v)); }, in, out);
}

Lut tanh_lut(const QuantParams& in, const QuantParams& out) {
    return make_lut([](double v) { return std::tanh(v); }, in, out);
}

}  // namespace wl::ref
