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
// attention (D, heads, d_k = D / heads; T = the run-time length, every
// buffer sized for the longest, Tm): every dimension that is T is patched
// with the run-time length (a whole tile), so the NPU does the work of T;
// launches = 2 T + 4, CPU steps = T + 3:
//   TRANSPOSE x [T][D] -> X^T [D][T]
//   GEMM x3   Q^T, K^T, V^T [D][T] = W X^T + b (int8; T columns)
//   TRANSPOSE Q^T -> Q [T][D]
//   loop T times (query t):
//     CONV, groups = heads: S [heads][T] = q_t,h K_h^T (int32; weight q_t =
//          row t of Q, patched: + t * D; ifmap K^T)
//     ATTN_SOFTMAX over the T keys of each head's row
//     CONV, groups = heads: c_t [D] = V_h^T p_h (int8; weight V^T [D][T],
//          ifmap P [heads][T] at zero point -128) -> column t of C^T
//          (patched: + t; channel stride T)
//   GEMM      Y^T [D][T] = Wo C^T + bo (int8, the output's quantization)
//   TRANSPOSE Y^T -> y [T][D]
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

// The tiling of `d` is valid, fits the scratchpads and spills no partial sums.
bool tiling_fits(LoweringContext& ctx, npu_desc_t d) {
    const auto base = static_cast<std::uint32_t>(ctx.options().arch.core.dram_base);
    d.dataflow = ctx.options().dataflow;
    d.ifmap_addr = d.weight_addr = d.bias_addr = d.ofmap_addr = d.psum_addr = base;
    try {
        const KernelPrediction p = predict_kernel(d, ctx.options().arch);
        return !p.rd_psum && !p.wr_psum;
    } catch (const std::invalid_argument&) {
        return false;
    }
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
    return tiling_fits(ctx, d) ? ctx.add_kernel_tiled(d, ka) : ctx.add_kernel(d, ka);
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

// ---- attention

std::uint16_t desc_field(std::size_t offset) {
    return static_cast<std::uint16_t>(offset);
}
constexpr std::size_t kTileField = offsetof(npu_desc_t, tile);

// A patch of the 16-bit descriptor field at `offset` (dimensions, tiles).
npu_patch_t patch16(std::size_t offset, std::uint8_t source, std::int64_t scale) {
    npu_patch_t p = patch(desc_field(offset), source, scale);
    p.width = 2;
    return p;
}

// The record a launch patches: built at the longest length Tm, every length
// patch undone (field -= scale * Tm), so that the launch's adding scale * T
// gives the record at T.
template <class Record>
Record length_base(Record r, const std::vector<npu_patch_t>& seq, std::int64_t Tm) {
    for (const npu_patch_t& p : seq)
        npu_patch_apply(&r, &p, static_cast<std::uint32_t>(-Tm));
    return r;
}

// Tiles of a kernel `d` given at the longest length, whose column (x) or
// reduction (c) dimension is the sequence length: that dimension is one
// whole tile (patched with the length, it fits at every shorter one), the
// others whole too where they fit, else m, then c, halved until the
// footprints fit half their scratchpads. The reduction loop is innermost, so
// partial sums never spill.
npu_desc_t seq_tiling(LoweringContext& ctx, npu_desc_t d, bool c_is_length) {
    const std::uint16_t ext[NPU_DIMS] = {
        d.m, static_cast<std::uint16_t>(d.c / d.groups), d.e, d.f, d.r, d.s};
    const std::uint8_t order[NPU_DIMS] = {NPU_DIM_M, NPU_DIM_Y, NPU_DIM_X,
                                          NPU_DIM_K, NPU_DIM_L, NPU_DIM_C};
    for (unsigned i = 0; i < NPU_DIMS; ++i) {
        d.tile[i] = ext[i];
        d.loop_order[i] = order[i];
    }
    for (;;) {
        for (;;) {
            if (tiling_fits(ctx, d)) return d;
            if (d.tile[NPU_DIM_M] == 1) break;
            d.tile[NPU_DIM_M] = static_cast<std::uint16_t>((d.tile[NPU_DIM_M] + 1) / 2);
        }
        if (c_is_length || d.tile[NPU_DIM_C] == 1)
            ctx.fail(std::string(npu::op_name(d.op)) + " kernel " + std::to_string(d.m) + "x" +
                     std::to_string(d.c) + "x" + std::to_string(d.f) +
                     ": no tiling with a whole sequence-length tile fits the scratchpads");
        d.tile[NPU_DIM_M] = ext[NPU_DIM_M];
        d.tile[NPU_DIM_C] = static_cast<std::uint16_t>((d.tile[NPU_DIM_C] + 1) / 2);
    }
}

std::vector<npu_patch_t> joined(std::vector<npu_patch_t> a, const std::vector<npu_patch_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Launches `d` (built at the longest length Tm) with its length patches
// `seq` and per-iteration patches `per_step`.
void call_seq_kernel(LoweringContext& ctx, const npu_desc_t& d, const KernelAddrs& a,
                     const std::vector<npu_patch_t>& seq,
                     const std::vector<npu_patch_t>& per_step = {}) {
    const std::int64_t Tm = ctx.seq_len_max();
    ctx.call_kernel(ctx.add_kernel_seq_len(length_base(d, seq, Tm), a, seq), 0,
                    joined(seq, per_step));
}

// A CPU step built at the longest length, its length patches `seq`.
void call_seq_step(LoweringContext& ctx, const npu_cpu_step_t& s,
                   const std::array<Addr, NPU_STEP_ADDRS>& addrs,
                   const std::vector<npu_patch_t>& seq) {
    ctx.call_step(ctx.add_step(length_base(s, seq, ctx.seq_len_max()), addrs), seq);
}

// TRANSPOSE src [rows][cols] -> dst [cols][rows], one of them the length.
void call_seq_transpose(LoweringContext& ctx, Addr dst, Addr src, std::int64_t rows,
                        std::int64_t cols, bool rows_are_length) {
    npu_cpu_step_t s{};
    npu_cpu_transpose_step(&s, 0, 0, static_cast<std::uint32_t>(rows),
                           static_cast<std::uint32_t>(cols));
    std::array<Addr, NPU_STEP_ADDRS> a = no_addrs();
    a[NPU_TRANSPOSE_A_DST] = dst;
    a[NPU_TRANSPOSE_A_SRC] = src;
    const unsigned field = rows_are_length ? NPU_TRANSPOSE_P_ROWS : NPU_TRANSPOSE_P_COLS;
    call_seq_step(ctx, s, a, {patch(step_param_field(field), NPU_PATCH_SEQ_LEN, 1)});
}

// The length patches of a kernel whose columns (w = f, one whole x tile) are the length.
std::vector<npu_patch_t> column_patches() {
    return {patch16(offsetof(npu_desc_t, w), NPU_PATCH_SEQ_LEN, 1),
            patch16(offsetof(npu_desc_t, f), NPU_PATCH_SEQ_LEN, 1),
            patch16(kTileField + 2 * NPU_DIM_X, NPU_PATCH_SEQ_LEN, 1)};
}

void lower_attention(LoweringContext& ctx, const wl::Node& n) {
    const wl::Graph& g = ctx.graph();
    wl::AttentionParams p;
    try {
        p = wl::attention_params(g, n);
    } catch (const std::exception& e) {
        ctx.fail(e.what());
    }
    const std::int64_t D = p.dim, heads = p.heads;
    const std::int64_t Tm = ctx.seq_len_max();
    const std::string& nm = n.name;
    const bool has_bias = n.inputs.size() == 9;
    const int zp_x = g.input_of(n, 0).quant.zero_point;

    // Everything is sized at Tm and laid out densely at the run-time T.
    const int xt = ctx.scratch(nm + ".xT", wl::Shape{1, 1, D, Tm}, wl::DType::int8);
    const int proj[3] = {ctx.scratch(nm + ".qT", wl::Shape{1, 1, D, Tm}, wl::DType::int8),
                         ctx.scratch(nm + ".kT", wl::Shape{1, 1, D, Tm}, wl::DType::int8),
                         ctx.scratch(nm + ".vT", wl::Shape{1, 1, D, Tm}, wl::DType::int8)};
    const int q = ctx.scratch(nm + ".q", wl::Shape{1, 1, Tm, D}, wl::DType::int8);
    const int sc = ctx.scratch(nm + ".scores", wl::Shape{1, 1, heads, Tm}, wl::DType::int32);
    const int pr = ctx.scratch(nm + ".probs", wl::Shape{1, 1, heads, Tm}, wl::DType::int8);
    const int ct = ctx.scratch(nm + ".contextT", wl::Shape{1, 1, D, Tm}, wl::DType::int8);
    const int yt = ctx.scratch(nm + ".yT", wl::Shape{1, 1, D, Tm}, wl::DType::int8);
    const int exp_table =
        ctx.constant(nm + ".exp_table", wl::Shape{1, 1, 1, NPU_RNN_EXP_TABLE_LEN}, wl::DType::int32,
                     bytes_of(p.exp_table.data(), 4 * p.exp_table.size()));

    // A projection: out [D][T] = W [D][D] in [D][T] + b, requantized; T columns.
    auto projection = [&](const wl::AttentionParams::Projection& pj, int w_input, Addr in,
                          std::int32_t zp_in, Addr out) {
        npu_desc_t d = gemm_desc(ctx, D, D, Tm);
        d.out_type = NPU_OUT_INT8;
        d.zp_in = static_cast<std::int16_t>(zp_in);
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
        call_seq_kernel(ctx, seq_tiling(ctx, d, false), a, column_patches());
    };
    const wl::AttentionParams::Projection* pjs[3] = {&p.q, &p.k, &p.v};

    call_seq_transpose(ctx, Addr(xt), ctx.addr_of(n.inputs.at(0)), Tm, D, true);
    for (int i = 0; i < 3; ++i)
        projection(*pjs[i], 1 + i, Addr(xt), zp_x, Addr(proj[i]));
    call_seq_transpose(ctx, Addr(q), Addr(proj[0]), D, Tm, false);  // Q [T][D]

    ctx.loop_seq_len();  // query t
    {
        // S [heads][T] = per head q_t,h K_h^T: a grouped 1x1 convolution, the
        // weight q_t [heads][d_k] (row t of Q), the ifmap K^T [D][T].
        npu_desc_t sd = gemm_desc(ctx, heads, D, Tm);
        sd.op = NPU_OP_CONV;
        sd.groups = dim16(ctx, heads, "heads");
        sd.out_type = NPU_OUT_INT32;
        KernelAddrs sa;
        sa.weight = Addr(q);
        sa.ifmap = Addr(proj[1]);
        sa.ofmap = Addr(sc);
        call_seq_kernel(
            ctx, seq_tiling(ctx, sd, false), sa, column_patches(),
            {patch(desc_field(offsetof(npu_desc_t, weight_addr)), NPU_PATCH_LOOP(0), D)});

        npu_cpu_step_t s{};
        s.kind = NPU_STEP_ATTN_SOFTMAX;
        s.param[NPU_ATTN_P_ROWS] = static_cast<std::int32_t>(heads);
        s.param[NPU_ATTN_P_KEYS] = static_cast<std::int32_t>(Tm);
        s.param[NPU_ATTN_P_SCORES_LD] = static_cast<std::int32_t>(Tm);
        s.param[NPU_ATTN_P_PROBS_LD] = static_cast<std::int32_t>(Tm);
        s.param[NPU_ATTN_P_MULT] = p.softmax_mult;
        s.param[NPU_ATTN_P_SHIFT] = static_cast<std::int32_t>(p.softmax_shift);
        std::array<Addr, NPU_STEP_ADDRS> a = no_addrs();
        a[NPU_ATTN_A_SCORES] = Addr(sc);
        a[NPU_ATTN_A_PROBS] = Addr(pr);
        a[NPU_ATTN_A_EXP] = Addr(exp_table);
        call_seq_step(ctx, s, a,
                      {patch(step_param_field(NPU_ATTN_P_KEYS), NPU_PATCH_SEQ_LEN, 1),
                       patch(step_param_field(NPU_ATTN_P_SCORES_LD), NPU_PATCH_SEQ_LEN, 1),
                       patch(step_param_field(NPU_ATTN_P_PROBS_LD), NPU_PATCH_SEQ_LEN, 1)});

        // c_t [D] = per head V_h^T p_h: a grouped 1x1 convolution, the weight
        // V^T [D][T], the ifmap P [heads * T] (zero point -128); the result
        // is column t of C^T [D][T].
        npu_desc_t cd = gemm_desc(ctx, D, heads * Tm, 1);
        cd.op = NPU_OP_CONV;
        cd.groups = dim16(ctx, heads, "heads");
        cd.out_type = NPU_OUT_INT8;
        cd.zp_in = NPU_ATTN_PROB_ZP;
        cd.mult = p.context.mult;
        cd.shift = static_cast<std::uint8_t>(p.context.shift);
        cd.zp_out = static_cast<std::int16_t>(p.context.zp);
        cd.ofmap_ch_stride = static_cast<std::uint32_t>(Tm);
        KernelAddrs ca;
        ca.weight = Addr(proj[2]);
        ca.ifmap = Addr(pr);
        ca.ofmap = Addr(ct);
        call_seq_kernel(
            ctx, seq_tiling(ctx, cd, true), ca,
            {patch16(offsetof(npu_desc_t, c), NPU_PATCH_SEQ_LEN, heads),
             patch16(kTileField + 2 * NPU_DIM_C, NPU_PATCH_SEQ_LEN, 1),
             patch(desc_field(offsetof(npu_desc_t, ofmap_ch_stride)), NPU_PATCH_SEQ_LEN, 1)},
            {patch(desc_field(offsetof(npu_desc_t, ofmap_addr)), NPU_PATCH_LOOP(0), 1)});
    }
    ctx.end_loop();
    projection(p.o, 4, Addr(ct), p.context.zp, Addr(yt));
    call_seq_transpose(ctx, ctx.addr_of(n.outputs.at(0)), Addr(yt), D, Tm, false);
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
