// Lowering of lstm, gru and attention: NPU GEMM kernels, the CPU steps of
// npu_abi/rnn.h and cpu_ops.h, and a call program whose loop runs once per
// time step of the run-time sequence length (docs/recurrent.md).
//
// lstm / gru (per node; T = the run-time length, I inputs, H units):
//   before the loop  COPY h_0 (H bytes of zp_x) next to x in the step vector
//                    xh = [x_t ; h_{t-1}]; lstm also COPY c_0 = 0
//   loop T times     COPY x_t -> xh[0:I]         (src patched: + t * I)
//                    GEMM [4H][I+H] * xh -> acc int32 [4H], bias; weights
//                    resident from the second step on (RESIDENT_AFTER_FIRST)
//                    LSTM_CELL / GRU_CELL: h_t -> y[t] (patched: + t * H)
//                    and -> xh[I:] for the next step
//   launches = T; CPU steps = 2 T + 2 (lstm) or 2 T + 1 (gru).
// attention (D, heads, d_k = D / heads; Tm = the longest sequence): compiled
// once at Tm, the run-time length masks the keys; launches = 2 heads + 4 at
// every length:
//   TRANSPOSE x [Tm][D] -> X^T [D][Tm]
//   GEMM x3   Q^T, K^T, V^T [D][Tm] = W X^T + b (int8)
//   per head  TRANSPOSE K^T rows of the head -> K_h [Tm][d_k]
//             GEMM S^T [Tm keys][Tm queries] = K_h Q_h^T (int32)
//             ATTN_SOFTMAX over the first T keys (queries, keys patched to T);
//             key rows T..Tm get probability 0
//             GEMM C_h^T [d_k][Tm] = V_h^T P^T (int8, P's zero point -128)
//   GEMM      Y^T [D][Tm] = Wo C^T + bo (int8, the output's quantization)
//   TRANSPOSE Y^T -> y [Tm][D]
// Columns (queries) beyond T hold whatever the padding rows of x give; they
// land in y's rows beyond T, which are not part of the output.
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>

#include "npu_abi/cpu_ops.h"
#include "npu_abi/rnn.h"
#include "npu_compiler/lowering.h"
#include "workloads/rnn_quant.h"

namespace npu::compiler {

namespace {

constexpr std::uint16_t step_addr_field(unsigned i) {
    return static_cast<std::uint16_t>(offsetof(npu_cpu_step_t, addr) + 4 * i);
}
constexpr std::uint16_t step_param_field(unsigned i) {
    return static_cast<std::uint16_t>(offsetof(npu_cpu_step_t, param) + 4 * i);
}

npu_patch_t patch(std::uint16_t offset, std::uint8_t source, std::int64_t scale) {
    npu_patch_t p{};
    p.offset = offset;
    p.width = 4;
    p.source = source;
    p.scale = static_cast<std::int32_t>(scale);
    return p;
}

std::uint16_t dim16(LoweringContext& ctx, std::int64_t v, const char* what) {
    if (v < 1 || v > 0xFFFF)
        ctx.fail(std::string(what) + " " + std::to_string(v) +
                 " does not fit a descriptor field (1..65535)");
    return static_cast<std::uint16_t>(v);
}

// A GEMM descriptor Y[m][n] = W[m][k] X[k][n] (X: c = k channels of one row of n).
npu_desc_t gemm_desc(LoweringContext& ctx, std::int64_t m, std::int64_t k, std::int64_t n) {
    npu_desc_t d{};
    d.op = NPU_OP_GEMM;
    d.stride_h = d.stride_w = 1;
    d.groups = 1;
    d.r = d.s = 1;
    d.h = d.e = 1;
    d.m = dim16(ctx, m, "rows");
    d.c = dim16(ctx, k, "reduction");
    d.w = d.f = dim16(ctx, n, "columns");
    return d;
}

std::vector<std::uint8_t> bytes_of(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    return std::vector<std::uint8_t>(b, b + n);
}

std::array<Addr, NPU_STEP_ADDRS> no_addrs() {
    return {};
}

// A COPY step of `bytes` from src to dst.
int copy_step(LoweringContext& ctx, Addr dst, Addr src, std::int64_t bytes) {
    npu_cpu_step_t s{};
    npu_cpu_copy_step(&s, 0, 0, static_cast<std::uint32_t>(bytes));
    std::array<Addr, NPU_STEP_ADDRS> a = no_addrs();
    a[NPU_COPY_A_DST] = dst;
    a[NPU_COPY_A_SRC] = src;
    return ctx.add_step(s, a);
}

int transpose_step(LoweringContext& ctx, Addr dst, Addr src, std::int64_t rows, std::int64_t cols) {
    npu_cpu_step_t s{};
    npu_cpu_transpose_step(&s, 0, 0, static_cast<std::uint32_t>(rows),
                           static_cast<std::uint32_t>(cols));
    std::array<Addr, NPU_STEP_ADDRS> a = no_addrs();
    a[NPU_TRANSPOSE_A_DST] = dst;
    a[NPU_TRANSPOSE_A_SRC] = src;
    return ctx.add_step(s, a);
}

// The step GEMM: the whole weight matrix as one tile when it fits half the
// weight scratchpad (then it stays there from one time step to the next:
// RESIDENT), else the searched schedule (the weights are streamed every step).
int add_step_gemm(LoweringContext& ctx, npu_desc_t d, const KernelAddrs& ka) {
    const std::uint16_t full[NPU_DIMS] = {d.m, d.c, 1, 1, 1, 1};
    for (unsigned i = 0; i < NPU_DIMS; ++i) {
        d.tile[i] = full[i];
        d.loop_order[i] = static_cast<std::uint8_t>(i);
    }
    npu_desc_t trial = d;  // in-DRAM placeholder addresses for the check
    const auto base = static_cast<std::uint32_t>(ctx.options().arch.core.dram_base);
    trial.ifmap_addr = trial.weight_addr = trial.bias_addr = trial.ofmap_addr = base;
    try {
        predict_kernel(trial, ctx.options().arch);
    } catch (const std::invalid_argument&) {
        return ctx.add_kernel(d, ka);
    }
    return ctx.add_kernel_tiled(d, ka);
}

void lower_cell(LoweringContext& ctx, const wl::Node& n) {
    const wl::Graph& g = ctx.graph();
    const bool lstm = n.op == wl::OpType::lstm;
    wl::CellParams p;
    try {
        p = lstm ? wl::lstm_params(g, n) : wl::gru_params(g, n);
    } catch (const std::exception& e) {
        ctx.fail(e.what());
    }
    const std::int64_t H = p.hidden, I = p.input, K = p.cols(), M = p.rows();
    const std::string& nm = n.name;

    // Constants: the step's weight matrix, its bias, the LUTs, h_0 and c_0.
    const int wr = ctx.constant_i8(nm + ".step_weight", wl::Shape{1, 1, M, K}, p.weight);
    const int bias = ctx.constant_i32(nm + ".step_bias", wl::Shape{1, M, 1, 1}, p.bias);
    const std::vector<std::int8_t> sig(p.sigmoid.begin(), p.sigmoid.end());
    const std::vector<std::int8_t> th(p.tanh.begin(), p.tanh.end());
    const int sig_lut = ctx.constant_i8(nm + ".sigmoid_lut", wl::Shape{1, 1, 1, 256}, sig);
    const int tanh_lut = ctx.constant_i8(nm + ".tanh_lut", wl::Shape{1, 1, 1, 256}, th);
    const int h0 = ctx.constant_i8(
        nm + ".h0", wl::Shape{1, 1, 1, H},
        std::vector<std::int8_t>(static_cast<std::size_t>(H), static_cast<std::int8_t>(p.zp_x)));
    // Scratch: the step vector, the accumulators, the cell state.
    const int xh = ctx.scratch(nm + ".xh", wl::Shape{1, 1, 1, K}, wl::DType::int8);
    const int acc = ctx.scratch(nm + ".acc", wl::Shape{1, M, 1, 1}, wl::DType::int32);
    const Addr x = ctx.addr_of(n.inputs.at(0)), y = ctx.addr_of(n.outputs.at(0));

    npu_desc_t d = gemm_desc(ctx, M, K, 1);
    d.out_type = NPU_OUT_INT32;
    d.flags = NPU_DESC_F_BIAS;
    d.zp_in = static_cast<std::int16_t>(p.zp_x);
    KernelAddrs ka;
    ka.ifmap = Addr(xh);
    ka.weight = Addr(wr);
    ka.bias = Addr(bias);
    ka.ofmap = Addr(acc);
    const int gemm = add_step_gemm(ctx, d, ka);

    npu_cpu_step_t cs{};
    cs.kind = static_cast<std::uint16_t>(lstm ? NPU_STEP_LSTM_CELL : NPU_STEP_GRU_CELL);
    cs.param[NPU_RNN_P_HIDDEN] = static_cast<std::int32_t>(H);
    cs.param[NPU_RNN_P_GATE_MULT] = p.gate_mult;
    cs.param[NPU_RNN_P_GATE_SHIFT] = static_cast<std::int32_t>(p.gate_shift);
    cs.param[NPU_RNN_P_OUT_MULT] = p.out_mult;
    cs.param[NPU_RNN_P_OUT_SHIFT] = static_cast<std::int32_t>(p.out_shift);
    cs.param[NPU_RNN_P_ZP] = p.zp_x;
    std::array<Addr, NPU_STEP_ADDRS> ca = no_addrs();
    ca[NPU_RNN_A_ACC] = Addr(acc);
    ca[NPU_RNN_A_H] = y;
    ca[NPU_RNN_A_H_COPY] = Addr(xh, I);
    ca[NPU_RNN_A_SIGMOID] = Addr(sig_lut);
    ca[NPU_RNN_A_TANH] = Addr(tanh_lut);
    int init_c = -1;
    if (lstm) {
        const int c = ctx.scratch(nm + ".c", wl::Shape{1, H, 1, 1}, wl::DType::int32);
        const int c0 = ctx.constant_i32(nm + ".c0", wl::Shape{1, H, 1, 1},
                                        std::vector<std::int32_t>(static_cast<std::size_t>(H), 0));
        ca[NPU_RNN_A_STATE] = Addr(c);
        init_c = copy_step(ctx, Addr(c), Addr(c0), 4 * H);
    } else {
        ca[NPU_RNN_A_STATE] = Addr(xh, I);  // h_{t-1}, updated in place
    }
    const int cell = ctx.add_step(cs, ca);
    const int init_h = copy_step(ctx, Addr(xh, I), Addr(h0), H);
    const int copy_x = copy_step(ctx, Addr(xh), x, I);

    ctx.call_step(init_h);
    if (init_c >= 0) ctx.call_step(init_c);
    ctx.loop_seq_len();
    ctx.call_step(copy_x, {patch(step_addr_field(NPU_COPY_A_SRC), NPU_PATCH_LOOP(0), I)});
    ctx.call_kernel(gemm, NPU_PROG_F_RESIDENT_AFTER_FIRST);
    ctx.call_step(cell, {patch(step_addr_field(NPU_RNN_A_H), NPU_PATCH_LOOP(0), H)});
    ctx.end_loop();
}

void lower_attention(LoweringContext& ctx, const wl::Node& n) {
    const wl::Graph& g = ctx.graph();
    wl::AttentionParams p;
    try {
        p = wl::attention_params(g, n);
    } catch (const std::exception& e) {
        ctx.fail(e.what());
    }
    const std::int64_t D = p.dim, heads = p.heads, dk = p.head_dim;
    const std::int64_t Tm = ctx.seq_len_max();
    const std::string& nm = n.name;
    const bool has_bias = n.inputs.size() == 9;

    const int xt = ctx.scratch(nm + ".xT", wl::Shape{1, 1, D, Tm}, wl::DType::int8);
    const int proj[3] = {ctx.scratch(nm + ".qT", wl::Shape{1, 1, D, Tm}, wl::DType::int8),
                         ctx.scratch(nm + ".kT", wl::Shape{1, 1, D, Tm}, wl::DType::int8),
                         ctx.scratch(nm + ".vT", wl::Shape{1, 1, D, Tm}, wl::DType::int8)};
    const int kh = ctx.scratch(nm + ".k_head", wl::Shape{1, 1, Tm, dk}, wl::DType::int8);
    const int sc = ctx.scratch(nm + ".scoresT", wl::Shape{1, 1, Tm, Tm}, wl::DType::int32);
    const int pr = ctx.scratch(nm + ".probsT", wl::Shape{1, 1, Tm, Tm}, wl::DType::int8);
    const int ct = ctx.scratch(nm + ".contextT", wl::Shape{1, 1, D, Tm}, wl::DType::int8);
    const int yt = ctx.scratch(nm + ".yT", wl::Shape{1, 1, D, Tm}, wl::DType::int8);
    const int exp_table =
        ctx.constant(nm + ".exp_table", wl::Shape{1, 1, 1, NPU_RNN_EXP_TABLE_LEN}, wl::DType::int32,
                     bytes_of(p.exp_table.data(), 4 * p.exp_table.size()));

    // A projection GEMM: out [D][Tm] = W [D][D] in [D][Tm] + b, requantized.
    auto projection = [&](const wl::AttentionParams::Projection& pj, int w_input, Addr in,
                          Addr out) {
        npu_desc_t d = gemm_desc(ctx, D, D, Tm);
        d.out_type = NPU_OUT_INT8;
        d.mult = pj.requant.mult;
        d.shift = static_cast<std::uint8_t>(pj.requant.shift);
        d.zp_out = static_cast<std::int16_t>(pj.requant.zp);
        KernelAddrs a;
        a.ifmap = in;
        a.weight = ctx.addr_of(n.inputs.at(static_cast<std::size_t>(w_input)));
        a.ofmap = out;
        if (has_bias) {
            d.flags = NPU_DESC_F_BIAS;
            a.bias = ctx.addr_of(n.inputs.at(static_cast<std::size_t>(w_input + 4)));
        }
        return ctx.add_kernel(d, a);
    };
    const wl::AttentionParams::Projection* pjs[3] = {&p.q, &p.k, &p.v};

    ctx.call_step(transpose_step(ctx, Addr(xt), ctx.addr_of(n.inputs.at(0)), Tm, D));
    for (int i = 0; i < 3; ++i)
        ctx.call_kernel(projection(*pjs[i], 1 + i, Addr(xt), Addr(proj[i])));
    for (std::int64_t h = 0; h < heads; ++h) {
        const std::int64_t rows = h * dk * Tm;  // the head's first row of a [D][Tm] matrix
        ctx.call_step(transpose_step(ctx, Addr(kh), Addr(proj[1], rows), dk, Tm));
        npu_desc_t sd = gemm_desc(ctx, Tm, dk, Tm);  // S^T = K_h Q_h^T
        sd.out_type = NPU_OUT_INT32;
        KernelAddrs sa;
        sa.weight = Addr(kh);
        sa.ifmap = Addr(proj[0], rows);
        sa.ofmap = Addr(sc);
        ctx.call_kernel(ctx.add_kernel(sd, sa));

        npu_cpu_step_t s{};
        s.kind = NPU_STEP_ATTN_SOFTMAX;
        s.param[NPU_ATTN_P_PADDED_KEYS] = static_cast<std::int32_t>(Tm);
        s.param[NPU_ATTN_P_SCORES_LD] = static_cast<std::int32_t>(Tm);
        s.param[NPU_ATTN_P_PROBS_LD] = static_cast<std::int32_t>(Tm);
        s.param[NPU_ATTN_P_MULT] = p.softmax_mult;
        s.param[NPU_ATTN_P_SHIFT] = static_cast<std::int32_t>(p.softmax_shift);
        std::array<Addr, NPU_STEP_ADDRS> a = no_addrs();
        a[NPU_ATTN_A_SCORES] = Addr(sc);
        a[NPU_ATTN_A_PROBS] = Addr(pr);
        a[NPU_ATTN_A_EXP] = Addr(exp_table);
        ctx.call_step(ctx.add_step(s, a),
                      {patch(step_param_field(NPU_ATTN_P_QUERIES), NPU_PATCH_SEQ_LEN, 1),
                       patch(step_param_field(NPU_ATTN_P_KEYS), NPU_PATCH_SEQ_LEN, 1)});

        npu_desc_t cd = gemm_desc(ctx, dk, Tm, Tm);  // C_h^T = V_h^T P^T
        cd.out_type = NPU_OUT_INT8;
        cd.zp_in = NPU_ATTN_PROB_ZP;
        cd.mult = p.context.mult;
        cd.shift = static_cast<std::uint8_t>(p.context.shift);
        cd.zp_out = static_cast<std::int16_t>(p.context.zp);
        KernelAddrs ca;
        ca.weight = Addr(proj[2], rows);
        ca.ifmap = Addr(pr);
        ca.ofmap = Addr(ct, rows);
        ctx.call_kernel(ctx.add_kernel(cd, ca));
    }
    ctx.call_kernel(projection(p.o, 4, Addr(ct), Addr(yt)));
    ctx.call_step(transpose_step(ctx, ctx.addr_of(n.outputs.at(0)), Addr(yt), D, Tm));
}

}  // namespace

void lower_recurrent(LoweringContext& ctx, const wl::Node& node) {
    switch (node.op) {
        case wl::OpType::lstm:
        case wl::OpType::gru:
            lower_cell(ctx, node);
            break;
        case wl::OpType::attention:
            lower_attention(ctx, node);
            break;
        default:
            ctx.fail(std::string(wl::to_string(node.op)) + " is not a recurrent op");
    }
}

}  // namespace npu::compiler
