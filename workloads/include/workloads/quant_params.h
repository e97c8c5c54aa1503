// The one place that turns a graph node's quantization (real scales and zero
// points, see graph.h) into the integer parameters the NPU and the CPU apply.
// The compiler calls these functions to fill descriptors and CPU steps; the
// graph reference executor calls the same functions to compute, so both use
// the same multipliers, shifts, zero points and tables by construction.
//
//   conv / fc / matmul:  per output channel m, requantize with
//                        requant_from_scale(s_x * s_w[m] / s_y, zp_y)
//   add:                 acc = (a - zp_a) * mult_a + (b - zp_b) * mult_b,
//                        y = sat8(zp_y + rshift_round(acc, shift)),
//                        mult_a / 2^shift ~ s_a / s_y, mult_b / 2^shift ~ s_b / s_y
//   mul:                 requantize((a - zp_a) * (b - zp_b)) with s_a * s_b / s_y
//   relu (fused):        y = max(y, zp_y)          (NPU_ACT_RELU)
//   relu6, clip, sigmoid, tanh, relu with a new quantization:
//                        y = lut[x + 128]          (NPU_ACT_LUT / NPU_OP_LUT)
//   softmax, lrn:        the CPU steps of npu_abi/cpu_ops.h and their tables
// Throws GraphError naming the node when a scale is missing or out of range.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "workloads/graph.h"
#include "workloads/reference.h"

namespace wl {

// Requantization of an accumulating op's int32 results, per output channel.
// Per-tensor weights give M equal entries; uniform() tells the compiler that
// one mult/shift per kernel suffices.
struct ChannelRequant {
    std::vector<ref::Requant> channels;  // one per output channel m (conv/fc: M; matmul: 1)
    const ref::Requant& at(std::int64_t m) const {
        return channels.size() == 1 ? channels[0] : channels.at(static_cast<std::size_t>(m));
    }
    bool uniform() const;
};

// conv and fc: s_x * s_w[m] / s_y per output channel (s_w[m] = channel_scales[m]
// when present, else the weight's scale); matmul: s_a * s_b / s_y (one entry).
ChannelRequant accum_requant(const Graph& g, const Node& n);

// An activation as the NPU applies it after requantization (fused) or as a
// kernel of its own.
enum class ActKind : std::uint8_t {
    none,
    relu,  // y = max(y, zp)          NPU_ACT_RELU / NPU_OP_RELU
    lut,   // y = lut[y + 128]        NPU_ACT_LUT / NPU_OP_LUT
};
struct ActParams {
    ActKind kind = ActKind::none;
    std::int32_t zp = 0;  // relu: the floor (the output zero point)
    ref::Lut lut{};       // lut: the table (input and output quantization: the node's output)
};
// The node's fused activation (attrs.act of conv, fc, add, mul): none; relu ->
// max with the output zero point; relu6 -> a LUT of clamp(v, 0, 6) on the
// output quantization.
ActParams fused_act(const Graph& g, const Node& n);
// A standalone activation node (relu, sigmoid, tanh, clip): relu keeping its
// input's quantization is max(x, zp); everything else is a LUT from the
// input's to the output's quantization.
ActParams unary_act(const Graph& g, const Node& n);
// Applies an activation to one int8 value (what the NPU's post-processing does).
std::int8_t apply_act(const ActParams& a, std::int8_t y);

// Eltwise add (NPU_OP_ADD): mult_a / 2^shift ~ s_a / s_y and mult_b / 2^shift
// ~ s_b / s_y with |mult| < 2^22, so the accumulator of two int8 differences
// (|a - zp| <= 255) cannot wrap.
struct AddParams {
    std::int32_t mult_a = 0, mult_b = 0;
    std::uint32_t shift = 0;
    std::int32_t zp_a = 0, zp_b = 0, zp_y = 0;
};
AddParams add_params(const Graph& g, const Node& n);
// Eltwise mul (NPU_OP_MUL): requantization with s_a * s_b / s_y.
ref::Requant mul_params(const Graph& g, const Node& n);

// Softmax CPU step (npu_cpu_softmax in npu_abi/cpu_ops.h) over the last axis.
struct SoftmaxParams {
    std::array<std::uint32_t, 256> exp_table{};  // round(2^16 * exp(-s_x * d)), d = max - x
    std::int32_t mult = 0;                       // requantization of p * 2^15 to the output
    std::uint32_t shift = 0;
    std::int32_t zp_y = 0;
    std::int64_t rows = 0, cols = 0;  // the graph's shape: rows vectors of cols values
};
SoftmaxParams softmax_params(const Graph& g, const Node& n);
// The table and output requantization alone (attention's score softmax uses them too).
SoftmaxParams softmax_params(double s_x, double s_y, std::int32_t zp_y);
// rows x cols of a softmax over the last axis of `s`: a {1,C,1,1} vector is
// one row of C; otherwise rows = C*H, cols = W.
void softmax_extent(const Shape& s, std::int64_t& rows, std::int64_t& cols);

// LRN across channels CPU step (npu_cpu_lrn in npu_abi/cpu_ops.h):
//   sq = sum over the window of (x - zp_x)^2, idx = min(sq >> sq_shift, len - 1),
//   y = sat8(zp_y + rshift_round((x - zp_x) * table[idx], mult_shift)),
//   table[i] = round(2^mult_shift * s_x / s_y * (bias + alpha / size * s_x^2 * sq_i)^-beta),
// sq_i the middle of bin i (clamped to the largest possible sum).
struct LrnParams {
    std::vector<std::int32_t> table;
    std::uint32_t sq_shift = 0, mult_shift = 0;
    std::int32_t size = 0, zp_x = 0, zp_y = 0;
    std::int64_t channels = 0, pixels = 0;  // C and H*W of the graph's shape
};
constexpr std::int64_t kLrnTableLen = 1024;
LrnParams lrn_params(const Graph& g, const Node& n);

}  // namespace wl
