// The integer parameters of lstm, gru and attention nodes: the one place that
// turns such a node's quantization (graph.h) into the GEMM operands the NPU
// multiplies and the multipliers, shifts and tables the CPU steps of
// npu_abi/rnn.h apply. The reference executor (rnn_ref.cpp) and the compiler's
// lowering (npu/compiler/src/lower_rnn.cpp) both call these, so the numbers
// in the model image are the numbers the reference computes with.
//
// lstm / gru: one GEMM per time step over the int8 vector [x_t ; h_{t-1}]
// (I + H values, zero point zp_x), weight `weight` [4H][I+H] row-major,
// bias [4H], NPU_OUT_INT32:
//   lstm: rows i, o, f, c of [W | R]; bias B.
//   gru:  rows z = [Wz | Rz], r = [Wr | Rr], xn = [Wh | 0], hn = [0 | Rh];
//         bias bWz+bRz, bWr+bRr, bWh, bRh (linear_before_reset needs Wh x
//         and Rh h apart: 4H rows, H*(I+H) of them zero).
// Gate multiplier: s_x * s_wr * 2^5 (tanh LUT input Q5; sigmoid: shift + 1).
// Output multiplier: lstm 1 / (2^14 s_x), gru 1 / (2^7 s_x) (npu_abi/rnn.h).
//
// attention (D = dim, heads, d_k = D / heads; weights y = W x, W [out][in]):
//   Q^T, K^T, V^T [D][T] = requant(W{q,k,v} X^T + b), int8, zero point 0, at
//       s_{q,k,v} = attention_projection_scale(s_x, s_w, D): an input and
//       weights of full-range int8 spread (RMS 73.6) land at RMS 32;
//   per query t and head h: s [T] = q_t,h K_h^T (int32), p = softmax over
//       the T keys (npu_attn_softmax; mult / 2^shift = 256 s_q s_k / sqrt(d_k)),
//       c_t,h [d_k] = requant(V_h^T p) at s_v (p: scale 1/256, zero point
//       -128; multiplier 1/256), column t of C^T;
//   Y^T [D][T] = requant(Wo C^T + bo) at the node's output quantization.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "npu_abi/rnn.h"
#include "workloads/graph.h"
#include "workloads/reference.h"

namespace wl {

struct CellParams {
    std::int64_t hidden = 0, input = 0;  // H, I
    std::vector<std::int8_t> weight;     // [4H][I+H] row-major (symmetric, zero point 0)
    std::vector<std::int32_t> bias;      // [4H] accumulator units
    std::int32_t gate_mult = 0;
    std::uint32_t gate_shift = 0;
    std::int32_t out_mult = 0;
    std::uint32_t out_shift = 0;
    std::int32_t zp_x = 0;  // x, h and the output
    ref::Lut sigmoid{}, tanh{};
    std::int64_t rows() const { return 4 * hidden; }
    std::int64_t cols() const { return input + hidden; }
};
CellParams lstm_params(const Graph& g, const Node& n);
CellParams gru_params(const Graph& g, const Node& n);

struct AttentionParams {
    std::int64_t dim = 0, heads = 0, head_dim = 0;
    struct Projection {
        std::vector<std::int8_t> weight;  // [D][D] row-major, y = W x
        std::vector<std::int32_t> bias;   // [D] (zeros when the node has none)
        ref::Requant requant;             // accumulators -> the result's scale
        double scale = 0.0;               // the result's scale
    };
    Projection q, k, v, o;
    ref::Requant context;  // P V accumulators (units s_v / 256) -> s_v
    std::int32_t softmax_mult = 0;
    std::uint32_t softmax_shift = 0;
    std::array<std::uint32_t, NPU_RNN_EXP_TABLE_LEN> exp_table{};
};
AttentionParams attention_params(const Graph& g, const Node& n);

// Scale of Q, K and V: s_x * s_w * sqrt(D) * 73.6^2 / 32.
constexpr double kAttnFullRangeRms = 73.6;  // uniform int8 over [-127, 127]
constexpr double kAttnTargetRms = 32.0;
double attention_projection_scale(double s_x, double s_w, std::int64_t dim);

// The exp table of npu_attn_softmax (npu_abi/rnn.h).
std::array<std::uint32_t, NPU_RNN_EXP_TABLE_LEN> attention_exp_table();

}  // namespace wl
