// The integer parameters of lstm, gru and attention nodes (rnn_quant.h).
#include "workloads/rnn_quant.h"

#include <cmath>
#include <string>

#include "npu_abi/arith.h"

namespace wl {

namespace {

[[noreturn]] void fail(const Node& n, const std::string& what) {
    throw GraphError("node '" + n.name + "': " + what);
}

const TensorDef& weight_of(const Graph& g, const Node& n, std::size_t i, const char* what) {
    if (i >= n.inputs.size() || n.inputs[i] < 0) fail(n, std::string("missing ") + what);
    const TensorDef& t = g.input_of(n, i);
    if (!t.is_const || t.dtype != DType::int8 ||
        static_cast<std::int64_t>(t.i8.size()) != t.elems())
        fail(n, std::string(what) + " must be a constant int8 tensor with data");
    if (t.quant.zero_point != 0 || !t.quant.channel_scales.empty() || !(t.quant.scale > 0.0))
        fail(n, std::string(what) + " must be symmetric per-tensor (zero point 0, one scale)");
    return t;
}

// Optional int32 bias of `count` values (zeros when absent).
std::vector<std::int32_t> bias_of(const Graph& g, const Node& n, std::size_t i, std::int64_t count,
                                  const char* what) {
    if (i >= n.inputs.size() || n.inputs[i] < 0)
        return std::vector<std::int32_t>(static_cast<std::size_t>(count), 0);
    const TensorDef& t = g.input_of(n, i);
    if (!t.is_const || t.dtype != DType::int32 || static_cast<std::int64_t>(t.i32.size()) != count)
        fail(n, std::string(what) + " must be a constant int32 tensor of " + std::to_string(count) +
                    " values");
    return t.i32;
}

ref::Requant requant_of(const Node& n, double real, std::int32_t zp, const char* what) {
    if (!(real > 0.0) || real >= 2147483648.0)
        fail(n, std::string(what) + " scale " + std::to_string(real) + " out of range");
    return ref::requant_from_scale(real, zp);
}

// What lstm and gru share: shapes, x's quantization, gate/output multipliers, LUTs.
CellParams cell_common(const Graph& g, const Node& n, double out_real_per_sx) {
    if (n.inputs.size() < 3) fail(n, "needs inputs x, W, R");
    const TensorDef& x = g.input_of(n, 0);
    const TensorDef& W = weight_of(g, n, 1, "W");
    const TensorDef& R = weight_of(g, n, 2, "R");
    const TensorDef& y = g.output_of(n);
    if (W.quant.scale != R.quant.scale) fail(n, "W and R must share one scale");
    if (!(y.quant.scale == x.quant.scale && y.quant.zero_point == x.quant.zero_point))
        fail(n, "output quantization must equal the input's (h is fed back next to x)");
    if (x.quant.zero_point < -128 || x.quant.zero_point > 127 || !(x.quant.scale > 0.0))
        fail(n, "input quantization out of range");
    CellParams p;
    p.hidden = n.attrs.hidden;
    p.input = x.shape.w;
    if (p.hidden < 1) fail(n, "hidden size must be >= 1");
    p.zp_x = x.quant.zero_point;
    const double s_x = x.quant.scale, s_wr = W.quant.scale;
    const ref::Requant gate = requant_of(n, s_x * s_wr * double(1 << NPU_RNN_TANH_IN_Q), 0, "gate");
    if (gate.shift + 1u > NPU_REQUANT_MAX_SHIFT)
        fail(n, "gate scale too small for the sigmoid input shift");
    p.gate_mult = gate.mult;
    p.gate_shift = gate.shift;
    const ref::Requant out = requant_of(n, out_real_per_sx / s_x, 0, "output");
    p.out_mult = out.mult;
    p.out_shift = out.shift;
    const double q7 = 1.0 / double(1 << NPU_RNN_GATE_Q);
    p.sigmoid = ref::sigmoid_lut({1.0 / double(1 << NPU_RNN_SIGMOID_IN_Q), 0}, {q7, 0});
    p.tanh = ref::tanh_lut({1.0 / double(1 << NPU_RNN_TANH_IN_Q), 0}, {q7, 0});
    const std::int64_t H = p.hidden, I = p.input, K = I + H;
    p.weight.assign(static_cast<std::size_t>(4 * H * K), 0);
    p.bias.assign(static_cast<std::size_t>(4 * H), 0);
    (void)R;
    return p;
}

// Copies gate block `gate` (rows [gate*H, gate*H + H)) of W and/or R into
// weight rows starting at `row`.
void put_block(CellParams& p, const TensorDef& W, const TensorDef& R, std::int64_t gate,
               std::int64_t row, bool with_w, bool with_r) {
    const std::int64_t H = p.hidden, I = p.input, K = I + H;
    for (std::int64_t j = 0; j < H; ++j) {
        std::int8_t* dst = &p.weight[static_cast<std::size_t>((row + j) * K)];
        if (with_w)
            for (std::int64_t i = 0; i < I; ++i)
                dst[i] = W.i8[static_cast<std::size_t>((gate * H + j) * I + i)];
        if (with_r)
            for (std::int64_t i = 0; i < H; ++i)
                dst[I + i] = R.i8[static_cast<std::size_t>((gate * H + j) * H + i)];
    }
}

}  // namespace

double attention_projection_scale(double s_x, double s_w, std::int64_t dim) {
    return s_x * s_w * std::sqrt(double(dim)) * kAttnFullRangeRms * kAttnFullRangeRms /
           kAttnTargetRms;
}

CellParams lstm_params(const Graph& g, const Node& n) {
    if (n.op != OpType::lstm) fail(n, "not an lstm node");
    CellParams p = cell_common(g, n, 1.0 / double(1 << (2 * NPU_RNN_GATE_Q)));
    const TensorDef& W = g.input_of(n, 1);
    const TensorDef& R = g.input_of(n, 2);
    for (std::int64_t gate = 0; gate < 4; ++gate)
        put_block(p, W, R, gate, gate * p.hidden, true, true);
    p.bias = bias_of(g, n, 3, 4 * p.hidden, "B");
    return p;
}

CellParams gru_params(const Graph& g, const Node& n) {
    if (n.op != OpType::gru) fail(n, "not a gru node");
    CellParams p = cell_common(g, n, 1.0 / double(1 << NPU_RNN_GATE_Q));
    const TensorDef& W = g.input_of(n, 1);
    const TensorDef& R = g.input_of(n, 2);
    const std::int64_t H = p.hidden;
    put_block(p, W, R, 0, 0, true, true);       // z
    put_block(p, W, R, 1, H, true, true);       // r
    put_block(p, W, R, 2, 2 * H, true, false);  // Wh x
    put_block(p, W, R, 2, 3 * H, false, true);  // Rh h
    const std::vector<std::int32_t> b = bias_of(g, n, 3, 6 * H, "B");
    for (std::int64_t j = 0; j < H; ++j) {
        const auto u = static_cast<std::size_t>(j), h = static_cast<std::size_t>(H);
        p.bias[u] = npu_acc_add(b[u], b[3 * h + u]);          // bWz + bRz
        p.bias[h + u] = npu_acc_add(b[h + u], b[4 * h + u]);  // bWr + bRr
        p.bias[2 * h + u] = b[2 * h + u];                     // bWh
        p.bias[3 * h + u] = b[5 * h + u];                     // bRh
    }
    return p;
}

std::array<std::uint32_t, NPU_RNN_EXP_TABLE_LEN> attention_exp_table() {
    std::array<std::uint32_t, NPU_RNN_EXP_TABLE_LEN> t{};
    for (int i = 0; i < NPU_RNN_EXP_HI; ++i)
        t[static_cast<std::size_t>(i)] =
            static_cast<std::uint32_t>(std::llround(65536.0 * std::exp(-i / 8.0)));
    for (int j = 0; j < NPU_RNN_EXP_LO; ++j)
        t[static_cast<std::size_t>(NPU_RNN_EXP_HI + j)] =
            static_cast<std::uint32_t>(std::llround(65536.0 * std::exp(-j / 256.0)));
    return t;
}

AttentionParams attention_params(const Graph& g, const Node& n) {
    if (n.op != OpType::attention) fail(n, "not an attention node");
    if (n.inputs.size() != 5 && n.inputs.size() != 9)
        fail(n, "expects inputs x, Wq, Wk, Wv, Wo and optionally bq, bk, bv, bo");
    const TensorDef& x = g.input_of(n, 0);
    const TensorDef& y = g.output_of(n);
    AttentionParams p;
    p.dim = x.shape.w;
    p.heads = n.attrs.heads;
    if (p.heads < 1 || p.dim % p.heads != 0) fail(n, "heads must divide the width");
    p.head_dim = p.dim / p.heads;
    const double s_x = x.quant.scale;
    static const char* const kW[] = {"Wq", "Wk", "Wv", "Wo"};
    static const char* const kB[] = {"bq", "bk", "bv", "bo"};
    AttentionParams::Projection* proj[] = {&p.q, &p.k, &p.v, &p.o};
    for (std::size_t i = 0; i < 4; ++i) {
        const TensorDef& w = weight_of(g, n, 1 + i, kW[i]);
        AttentionParams::Projection& pr = *proj[i];
        pr.weight = w.i8;
        pr.bias = bias_of(g, n, 5 + i, p.dim, kB[i]);
        const double s_in = i < 3 ? s_x : p.v.scale;  // Wo reads the context (scale s_v)
        pr.scale = i < 3 ? attention_projection_scale(s_x, w.quant.scale, p.dim) : y.quant.scale;
        const std::int32_t zp = i < 3 ? 0 : y.quant.zero_point;
        pr.requant = requant_of(n, s_in * w.quant.scale / pr.scale, zp, kW[i]);
    }
    p.context = requant_of(n, 1.0 / 256.0, 0, "context");
    const ref::Requant sm =
        requant_of(n, 256.0 * p.q.scale * p.k.scale / std::sqrt(double(p.head_dim)), 0, "softmax");
    p.softmax_mult = sm.mult;
    p.softmax_shift = sm.shift;
    p.exp_table = attention_exp_table();
    return p;
}

}  // namespace wl
