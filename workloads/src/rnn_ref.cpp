// Reference lstm / gru / attention (rnn_ref.h): the NPU GEMMs (wl::ref::gemm,
// requantize) and the CPU steps (npu_abi/rnn.h, cpu_ops.h) in the order the
// compiled program runs them (npu/compiler/src/lower_rnn.cpp), with the
// parameters of rnn_quant.h.
#include "workloads/rnn_ref.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "npu_abi/cpu_ops.h"
#include "npu_abi/rnn.h"
#include "workloads/reference.h"
#include "workloads/rnn_quant.h"

namespace wl::ref {

namespace {

void check_sequence(const Graph& g, const Node& n, const Tensor8& x, std::int64_t features) {
    const Shape& gs = g.input_of(n, 0).shape;
    if (x.shape.n != 1 || x.shape.c != 1 || x.shape.w != features || x.shape.h < 1 ||
        x.shape.h > gs.h)
        throw GraphError("node '" + n.name + "': input " + x.shape.str() + " is not [1,1,T," +
                         std::to_string(features) + "] with 1 <= T <= " + std::to_string(gs.h));
}

// One recurrent node: per time step the GEMM over [x_t ; h_{t-1}] and the cell.
Tensor8 recurrent(const Graph& g, const Node& n, const Tensor8& x, bool is_lstm) {
    const CellParams p = is_lstm ? lstm_params(g, n) : gru_params(g, n);
    check_sequence(g, n, x, p.input);
    const std::int64_t T = x.shape.h, H = p.hidden, I = p.input, K = p.cols();
    const Tensor8 w(Shape{1, 1, p.rows(), K}, 0, p.weight);
    Tensor8 xh(Shape{1, 1, K, 1}, p.zp_x, static_cast<std::int8_t>(p.zp_x));  // h_0 = 0
    std::vector<std::int32_t> c(static_cast<std::size_t>(H), 0);              // c_0 = 0
    Tensor8 y(Shape{1, 1, T, H}, p.zp_x);
    for (std::int64_t t = 0; t < T; ++t) {
        for (std::int64_t i = 0; i < I; ++i)  // NPU_STEP_COPY of x_t
            xh.data[static_cast<std::size_t>(i)] = x.data[static_cast<std::size_t>(t * I + i)];
        const Tensor32 acc = gemm(w, xh, p.bias);  // the step's GEMM (NPU_OUT_INT32)
        std::int8_t* h_out = &y.data[static_cast<std::size_t>(t * H)];
        std::int8_t* h_next = &xh.data[static_cast<std::size_t>(I)];
        if (is_lstm)
            npu_lstm_cell(acc.data.data(), c.data(), h_out, h_next, p.sigmoid.data(), p.tanh.data(),
                          static_cast<std::int32_t>(H), p.gate_mult, p.gate_shift, p.out_mult,
                          p.out_shift, p.zp_x);
        else
            npu_gru_cell(acc.data.data(), h_next, h_out, h_next, p.sigmoid.data(), p.tanh.data(),
                         static_cast<std::int32_t>(H), p.gate_mult, p.gate_shift, p.out_mult,
                         p.out_shift, p.zp_x);
    }
    return y;
}

// rows x cols int8 matrix with zero point zp from `data`.
Tensor8 matrix(std::int64_t rows, std::int64_t cols, std::int32_t zp,
               std::vector<std::int8_t> data) {
    return Tensor8(Shape{1, 1, rows, cols}, zp, std::move(data));
}

Tensor8 transposed(const Tensor8& m) {  // NPU_STEP_TRANSPOSE
    Tensor8 t(Shape{1, 1, m.shape.w, m.shape.h}, m.zero_point);
    npu_cpu_transpose(t.data.data(), m.data.data(), static_cast<std::uint32_t>(m.shape.h),
                      static_cast<std::uint32_t>(m.shape.w));
    return t;
}

// Rows [r0, r0 + n) of a matrix.
Tensor8 rows_of(const Tensor8& m, std::int64_t r0, std::int64_t n) {
    const std::int64_t w = m.shape.w;
    return matrix(
        n, w, m.zero_point,
        std::vector<std::int8_t>(m.data.begin() + static_cast<std::ptrdiff_t>(r0 * w),
                                 m.data.begin() + static_cast<std::ptrdiff_t>((r0 + n) * w)));
}

}  // namespace

Tensor8 lstm(const Graph& g, const Node& n, const Tensor8& x) {
    return recurrent(g, n, x, true);
}

Tensor8 gru(const Graph& g, const Node& n, const Tensor8& x) {
    return recurrent(g, n, x, false);
}

Tensor8 attention(const Graph& g, const Node& n, const Tensor8& x) {
    const AttentionParams p = attention_params(g, n);
    check_sequence(g, n, x, p.dim);
    const std::int64_t T = x.shape.h, D = p.dim, dk = p.head_dim, heads = p.heads;
    const Tensor8 xt = transposed(x);  // X^T [D][T]
    auto project = [&](const AttentionParams::Projection& pr, const Tensor8& in) {
        return requantize(gemm(matrix(D, D, 0, pr.weight), in, pr.bias), pr.requant);
    };
    const Tensor8 qt = project(p.q, xt), kt = project(p.k, xt), vt = project(p.v, xt);
    const Tensor8 q = transposed(qt);                                       // Q [T][D]
    Tensor8 ct(Shape{1, 1, D, T}, p.context.zp);                            // context^T [D][T]
    std::vector<std::int32_t> scores(static_cast<std::size_t>(heads * T));  // [heads][T]
    std::vector<std::int8_t> probs(scores.size());                          // [heads][T]
    for (std::int64_t t = 0; t < T; ++t) {  // query t: the program's loop
        const Tensor8 q_t = rows_of(q, t, 1);
        for (std::int64_t h = 0; h < heads; ++h) {  // scores: q_t,h K_h^T (one grouped launch)
            const Tensor8 q_th =
                matrix(1, dk, 0,
                       std::vector<std::int8_t>(
                           q_t.data.begin() + static_cast<std::ptrdiff_t>(h * dk),
                           q_t.data.begin() + static_cast<std::ptrdiff_t>(h * dk + dk)));
            const Tensor32 s = gemm(q_th, rows_of(kt, h * dk, dk), {});  // [1][T]
            std::copy(s.data.begin(), s.data.end(),
                      scores.begin() + static_cast<std::ptrdiff_t>(h * T));
        }
        npu_attn_softmax(scores.data(), probs.data(), p.exp_table.data(),
                         static_cast<std::int32_t>(heads), static_cast<std::int32_t>(T),
                         static_cast<std::int32_t>(T), static_cast<std::int32_t>(T), p.softmax_mult,
                         p.softmax_shift);
        for (std::int64_t h = 0; h < heads; ++h) {  // context: V_h^T p_h (one grouped launch)
            const Tensor8 p_h = matrix(
                T, 1, NPU_ATTN_PROB_ZP,
                std::vector<std::int8_t>(probs.begin() + static_cast<std::ptrdiff_t>(h * T),
                                         probs.begin() + static_cast<std::ptrdiff_t>(h * T + T)));
            const Tensor8 c = requantize(gemm(rows_of(vt, h * dk, dk), p_h, {}), p.context);
            for (std::int64_t j = 0; j < dk; ++j)  // column t of C^T
                ct.data[static_cast<std::size_t>((h * dk + j) * T + t)] =
                    c.data[static_cast<std::size_t>(j)];
        }
    }
    Tensor8 y = transposed(project(p.o, ct));  // Y [T][D]
    y.shape = Shape{1, 1, T, D};
    return y;
}

}  // namespace wl::ref
