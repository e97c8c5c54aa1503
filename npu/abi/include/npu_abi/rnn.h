/*
 * The CPU steps of lstm, gru and attention, defined once (C99, integer only:
 * the firmware runs them on rv32imc without an FPU; the host's reference
 * executor calls the very same functions, so "bit-exact" has one meaning).
 *
 * The NPU computes every matrix product (a GEMM with NPU_OUT_INT32 gives raw
 * accumulators, bias included: npu_abi/arith.h); the CPU does what is left:
 * the gate nonlinearities and the cell update of a recurrent step, and the
 * softmax of attention. Nonlinear functions are tables made on the host
 * (workloads/rnn_ref.h computes them) and stored in the model image.
 *
 * Fixed-point formats (Qn: real = q / 2^n):
 *   gate accumulators  int32, units s_x * s_wr (x, h share scale s_x and zero
 *                      point zp_x; W and R share one symmetric scale s_wr)
 *   tanh input         int8, Q5 (1/32, range [-4, 4)):  q = requantize(acc, gate_mult, gate_shift)
 *   sigmoid input      int8, Q4 (1/16, range [-8, 8)):  the same multiplier, shift + 1
 *   gate values        int8, Q7 (sigmoid in [0, 127/128], tanh in [-1, 127/128]):
 *                      the LUT outputs, y = lut[q + 128] (as the NPU's LUT op)
 *   lstm cell state c  int32, Q12 (1/4096), saturated to +-NPU_RNN_CELL_MAX
 *   h (output)         int8 at (s_x, zp_x): the node's output quantization is x's
 * The caller derives gate_mult/gate_shift from s_x * s_wr * 32 and
 * out_mult/out_shift from the scale named in each function; both are the
 * NPU's requantize multiplier (mult / 2^shift).
 *
 * CPU step layouts (npu_cpu_step_t of npu_abi/model_image.h; addresses are
 * DRAM addresses, the fields a program patches per time step are marked *):
 *
 *   NPU_STEP_LSTM_CELL               NPU_STEP_GRU_CELL
 *   addr[0] acc int32 [4H] i,o,f,c   addr[0] acc int32 [4H] z, r, Wx_h, Rh_h
 *   addr[1] c int32 [H] (in place)   addr[1] h_{t-1} int8 [H]
 *   addr[2] h_t int8 [H] *           addr[2] h_t int8 [H] *
 *   addr[3] h_t copy (0: none)       addr[3] h_t copy (0: none)
 *   addr[4] sigmoid LUT int8 [256]   addr[4] sigmoid LUT int8 [256]
 *   addr[5] tanh LUT int8 [256]      addr[5] tanh LUT int8 [256]
 *   param[0] H   param[1] gate_mult   param[2] gate_shift
 *   param[3] out_mult   param[4] out_shift   param[5] zp_x   (both cells)
 *
 *   NPU_STEP_ATTN_SOFTMAX (the heads of one query: a row of scores per head)
 *   addr[0] scores int32 [rows][keys], row r at r * param[2] elements
 *   addr[1] probabilities int8 (scale 1/256, zero point -128), row r at r * param[3]
 *   addr[2] exp table uint32 [NPU_RNN_EXP_TABLE_LEN] (npu_attn_softmax)
 *   param[0] rows (heads)  param[1] keys *  param[2] scores row stride *
 *   param[3] probabilities row stride *  param[4] mult  param[5] shift
 *   (mult / 2^shift = 256 * s_q * s_k / sqrt(d_k): an accumulator difference
 *   to a Q8 logit; the compiled program patches keys and strides with the
 *   run-time length)
 */
#ifndef NPU_ABI_RNN_H
#define NPU_ABI_RNN_H

#include <stdint.h>

#include "arith.h"
#include "cpu_ops.h"
#include "model_image.h"

#define NPU_RNN_GATE_Q 7       /* gate values (LUT outputs): Q7 */
#define NPU_RNN_TANH_IN_Q 5    /* tanh LUT input: Q5 */
#define NPU_RNN_SIGMOID_IN_Q 4 /* sigmoid LUT input: Q4 */
#define NPU_RNN_CELL_Q 12      /* lstm cell state: Q12 */
/* |c| <= 4096.0. With Q7 gates the state never gets there (f <= 127/128 and
 * i*g <= 127*127 bound it by 128 * 4032 = 126.0); the clamp keeps a state
 * written from outside from overflowing. */
#define NPU_RNN_CELL_MAX (1 << 24)

/* step field indices (see above) */
#define NPU_RNN_A_ACC 0
#define NPU_RNN_A_STATE 1 /* lstm: c; gru: h_{t-1} */
#define NPU_RNN_A_H 2
#define NPU_RNN_A_H_COPY 3
#define NPU_RNN_A_SIGMOID 4
#define NPU_RNN_A_TANH 5
#define NPU_RNN_P_HIDDEN 0
#define NPU_RNN_P_GATE_MULT 1
#define NPU_RNN_P_GATE_SHIFT 2
#define NPU_RNN_P_OUT_MULT 3
#define NPU_RNN_P_OUT_SHIFT 4
#define NPU_RNN_P_ZP 5

#define NPU_ATTN_A_SCORES 0
#define NPU_ATTN_A_PROBS 1
#define NPU_ATTN_A_EXP 2
#define NPU_ATTN_P_ROWS 0
#define NPU_ATTN_P_KEYS 1
#define NPU_ATTN_P_SCORES_LD 2
#define NPU_ATTN_P_PROBS_LD 3
#define NPU_ATTN_P_MULT 4
#define NPU_ATTN_P_SHIFT 5

/* Softmax probabilities: real = (q + 128) / 256. */
#define NPU_ATTN_PROB_ZP (-128)
#define NPU_ATTN_PROB_Q 8

/* The exp table: exp(-x) for a Q8 logit difference x in [0, 2048) is
 * hi[x >> 5] * lo[x & 31] >> 16 with hi[i] = round(65536 exp(-i / 8)) (64
 * entries) and lo[j] = round(65536 exp(-j / 256)) (32 entries), stored hi
 * then lo; a difference of 8.0 or more gives 0 (exp(-8) < 1/2980). */
#define NPU_RNN_EXP_HI 64
#define NPU_RNN_EXP_LO 32
#define NPU_RNN_EXP_TABLE_LEN (NPU_RNN_EXP_HI + NPU_RNN_EXP_LO)
#define NPU_RNN_EXP_RANGE (NPU_RNN_EXP_HI * NPU_RNN_EXP_LO) /* 2048 = 8.0 in Q8 */

/* A gate value: lut[requantize(acc) + 128] with the input scale of that LUT. */
static inline int32_t npu_rnn_gate(int32_t acc, int32_t gate_mult, uint32_t shift,
                                   const int8_t* lut) {
    return lut[npu_requantize(acc, gate_mult, shift, 0) + 128];
}

static inline int32_t npu_rnn_sat32(int64_t v) {
    return (int32_t)(v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : v));
}

/*
 * One LSTM time step for H units (ONNX gate order i, o, f, c; no peepholes):
 *   i, o, f = sigmoid(acc)  g = tanh(acc)                      (Q7)
 *   c' = rshift_round(f * c, 7) + rshift_round(i * g, 2)       (Q12, saturated)
 *   h  = requantize(o * tanh(c'), out_mult, out_shift, zp_x)   (o * tanh: Q14)
 * tanh(c') reads the tanh LUT at sat8(rshift_round(c', 12 - 5)).
 * out_mult / 2^out_shift = 1 / (2^14 * s_x). h goes to h_out and, if given,
 * h_copy (the next step's GEMM input next to x_{t+1}).
 */
static inline void npu_lstm_cell(const int32_t* acc, int32_t* c, int8_t* h_out, int8_t* h_copy,
                                 const int8_t* sigmoid_lut, const int8_t* tanh_lut, int32_t hidden,
                                 int32_t gate_mult, uint32_t gate_shift, int32_t out_mult,
                                 uint32_t out_shift, int32_t zp_x) {
    for (int32_t j = 0; j < hidden; ++j) {
        const int32_t i = npu_rnn_gate(acc[j], gate_mult, gate_shift + 1u, sigmoid_lut);
        const int32_t o = npu_rnn_gate(acc[hidden + j], gate_mult, gate_shift + 1u, sigmoid_lut);
        const int32_t f =
            npu_rnn_gate(acc[2 * hidden + j], gate_mult, gate_shift + 1u, sigmoid_lut);
        const int32_t g = npu_rnn_gate(acc[3 * hidden + j], gate_mult, gate_shift, tanh_lut);
        int64_t cn = npu_rshift_round((int64_t)f * c[j], NPU_RNN_GATE_Q) +
                     npu_rshift_round((int64_t)i * g, 2 * NPU_RNN_GATE_Q - NPU_RNN_CELL_Q);
        if (cn > NPU_RNN_CELL_MAX) cn = NPU_RNN_CELL_MAX;
        if (cn < -NPU_RNN_CELL_MAX) cn = -NPU_RNN_CELL_MAX;
        c[j] = (int32_t)cn;
        const int32_t tq = npu_sat8(npu_rshift_round(cn, NPU_RNN_CELL_Q - NPU_RNN_TANH_IN_Q));
        const int32_t t = tanh_lut[tq + 128];
        const int8_t h = npu_requantize(o * t, out_mult, out_shift, zp_x);
        h_out[j] = h;
        if (h_copy) h_copy[j] = h;
    }
}

/*
 * One GRU time step for H units (ONNX gate order z, r, h; linear_before_reset
 * = 1). The accumulators are the four blocks of one GEMM over [x_t ; h_{t-1}]:
 *   acc[0:H]   z  = Wz x + Rz h + bWz + bRz
 *   acc[H:2H]  r  = Wr x + Rr h + bWr + bRr
 *   acc[2H:3H] xn = Wh x + bWh
 *   acc[3H:4H] hn = Rh h + bRh
 * then
 *   z, r = sigmoid (Q7)
 *   n    = tanh(xn + rshift_round(r * hn, 7))                     (Q7)
 *   n_x  = rshift_round(n * out_mult, out_shift)                  (n in s_x units)
 *   h    = sat8(zp_x + rshift_round((128 - z) * n_x + z * (h_{t-1} - zp_x), 7))
 * out_mult / 2^out_shift = 1 / (2^7 * s_x). h_prev may alias h_out or h_copy
 * (each unit reads its own h_{t-1} before writing).
 */
static inline void npu_gru_cell(const int32_t* acc, const int8_t* h_prev, int8_t* h_out,
                                int8_t* h_copy, const int8_t* sigmoid_lut, const int8_t* tanh_lut,
                                int32_t hidden, int32_t gate_mult, uint32_t gate_shift,
                                int32_t out_mult, uint32_t out_shift, int32_t zp_x) {
    for (int32_t j = 0; j < hidden; ++j) {
        const int32_t z = npu_rnn_gate(acc[j], gate_mult, gate_shift + 1u, sigmoid_lut);
        const int32_t r = npu_rnn_gate(acc[hidden + j], gate_mult, gate_shift + 1u, sigmoid_lut);
        const int64_t pre = (int64_t)acc[2 * hidden + j] +
                            npu_rshift_round((int64_t)r * acc[3 * hidden + j], NPU_RNN_GATE_Q);
        const int32_t n = npu_rnn_gate(npu_rnn_sat32(pre), gate_mult, gate_shift, tanh_lut);
        const int64_t n_x = npu_rshift_round((int64_t)n * out_mult, out_shift);
        const int32_t hp = h_prev[j] - zp_x;
        const int64_t mix = ((1 << NPU_RNN_GATE_Q) - z) * n_x + (int64_t)z * hp;
        const int8_t h = npu_sat8(zp_x + npu_rshift_round(mix, NPU_RNN_GATE_Q));
        h_out[j] = h;
        if (h_copy) h_copy[j] = h;
    }
}

/* exp(-x) in Q16 for a Q8 x >= 0 (the table above). */
static inline uint32_t npu_rnn_exp_neg(const uint32_t* table, int64_t x) {
    if (x >= NPU_RNN_EXP_RANGE) return 0u;
    const uint64_t hi = table[x >> 5];
    const uint64_t lo = table[NPU_RNN_EXP_HI + (x & 31)];
    return (uint32_t)((hi * lo + 32768u) >> 16);
}

/*
 * Attention softmax over the keys of each row (one row per head of a query):
 *   x_k = rshift_round((m - s[k]) * mult, shift)            (Q8, m = max over k; >= 0)
 *   e_k = exp(-x_k)                                         (Q16, npu_rnn_exp_neg)
 *   p_k = sat8(-128 + div_round(e_k * 256, sum_k e_k))      (scale 1/256, zp -128)
 * Row r of scores starts at scores + r * scores_ld, of probs at probs + r * probs_ld.
 * The key with the largest score has e = 65536, so the sum is never zero.
 * Differences are clamped to int32 before the multiply (exp(-2^31) is 0 anyway).
 */
static inline void npu_attn_softmax(const int32_t* scores, int8_t* probs, const uint32_t* exp_table,
                                    int32_t rows, int32_t keys, int32_t scores_ld, int32_t probs_ld,
                                    int32_t mult, uint32_t shift) {
    for (int32_t r = 0; r < rows; ++r) {
        const int32_t* s = scores + r * scores_ld;
        int8_t* p = probs + r * probs_ld;
        int32_t m = s[0];
        for (int32_t k = 1; k < keys; ++k)
            if (s[k] > m) m = s[k];
        uint64_t sum = 0;
        for (int32_t k = 0; k < keys; ++k) {
            const int32_t d = npu_rnn_sat32((int64_t)m - s[k]);
            sum += npu_rnn_exp_neg(exp_table, npu_rshift_round((int64_t)d * mult, shift));
        }
        for (int32_t k = 0; k < keys; ++k) {
            const int32_t d = npu_rnn_sat32((int64_t)m - s[k]);
            const uint64_t e =
                npu_rnn_exp_neg(exp_table, npu_rshift_round((int64_t)d * mult, shift));
            p[k] = npu_sat8(NPU_ATTN_PROB_ZP +
                            npu_div_round((int64_t)(e << NPU_ATTN_PROB_Q), (int64_t)sum));
        }
    }
}

/* Runs an LSTM_CELL, GRU_CELL or ATTN_SOFTMAX step on the memory `base`
 * holding DRAM addresses [base_addr, base_addr + span), as npu_cpu_step_run
 * (npu_abi/cpu_ops.h) does for the other kinds: every range is checked first;
 * returns NPU_CPU_OK, NPU_CPU_ERR_PARAM, NPU_CPU_ERR_ADDR or NPU_CPU_ERR_KIND. */
static inline int npu_rnn_step_run(const npu_cpu_step_t* s, uint8_t* base, uint32_t base_addr,
                                   uint32_t span) {
    const int32_t* p = s->param;
    const uint32_t* a = s->addr;
    switch (s->kind) {
        case NPU_STEP_LSTM_CELL:
        case NPU_STEP_GRU_CELL: {
            const int lstm = s->kind == NPU_STEP_LSTM_CELL;
            if (p[NPU_RNN_P_HIDDEN] <= 0 || p[NPU_RNN_P_GATE_SHIFT] < 0 ||
                p[NPU_RNN_P_GATE_SHIFT] >= (int32_t)NPU_REQUANT_MAX_SHIFT ||
                p[NPU_RNN_P_OUT_SHIFT] < 0 ||
                p[NPU_RNN_P_OUT_SHIFT] > (int32_t)NPU_REQUANT_MAX_SHIFT || p[NPU_RNN_P_ZP] < -128 ||
                p[NPU_RNN_P_ZP] > 127)
                return NPU_CPU_ERR_PARAM;
            const uint32_t h = (uint32_t)p[NPU_RNN_P_HIDDEN];
            uint8_t* acc =
                npu_cpu_ptr(base, base_addr, span, a[NPU_RNN_A_ACC], 16u * (uint64_t)h, 4u);
            uint8_t* st = npu_cpu_ptr(base, base_addr, span, a[NPU_RNN_A_STATE],
                                      (lstm ? 4u : 1u) * (uint64_t)h, lstm ? 4u : 1u);
            uint8_t* ho = npu_cpu_ptr(base, base_addr, span, a[NPU_RNN_A_H], h, 1u);
            uint8_t* hc = a[NPU_RNN_A_H_COPY]
                              ? npu_cpu_ptr(base, base_addr, span, a[NPU_RNN_A_H_COPY], h, 1u)
                              : 0;
            uint8_t* sg = npu_cpu_ptr(base, base_addr, span, a[NPU_RNN_A_SIGMOID], 256u, 1u);
            uint8_t* th = npu_cpu_ptr(base, base_addr, span, a[NPU_RNN_A_TANH], 256u, 1u);
            if (!acc || !st || !ho || !sg || !th || (a[NPU_RNN_A_H_COPY] && !hc))
                return NPU_CPU_ERR_ADDR;
            if (lstm)
                npu_lstm_cell((const int32_t*)(void*)acc, (int32_t*)(void*)st, (int8_t*)ho,
                              (int8_t*)hc, (const int8_t*)sg, (const int8_t*)th, (int32_t)h,
                              p[NPU_RNN_P_GATE_MULT], (uint32_t)p[NPU_RNN_P_GATE_SHIFT],
                              p[NPU_RNN_P_OUT_MULT], (uint32_t)p[NPU_RNN_P_OUT_SHIFT],
                              p[NPU_RNN_P_ZP]);
            else
                npu_gru_cell((const int32_t*)(void*)acc, (const int8_t*)st, (int8_t*)ho,
                             (int8_t*)hc, (const int8_t*)sg, (const int8_t*)th, (int32_t)h,
                             p[NPU_RNN_P_GATE_MULT], (uint32_t)p[NPU_RNN_P_GATE_SHIFT],
                             p[NPU_RNN_P_OUT_MULT], (uint32_t)p[NPU_RNN_P_OUT_SHIFT],
                             p[NPU_RNN_P_ZP]);
            return NPU_CPU_OK;
        }
        case NPU_STEP_ATTN_SOFTMAX: {
            const int32_t rows = p[NPU_ATTN_P_ROWS], nk = p[NPU_ATTN_P_KEYS];
            const int32_t sld = p[NPU_ATTN_P_SCORES_LD], pld = p[NPU_ATTN_P_PROBS_LD];
            if (rows < 0 || nk <= 0 || sld < nk || pld < nk || p[NPU_ATTN_P_SHIFT] < 0 ||
                p[NPU_ATTN_P_SHIFT] > (int32_t)NPU_REQUANT_MAX_SHIFT)
                return NPU_CPU_ERR_PARAM;
            /* the last row ends (rows - 1) * ld + keys elements in */
            const uint64_t span_rows = rows ? (uint64_t)(rows - 1) : 0u;
            uint8_t* sc = npu_cpu_ptr(base, base_addr, span, a[NPU_ATTN_A_SCORES],
                                      4u * (span_rows * (uint64_t)sld + (uint64_t)nk), 4u);
            uint8_t* pr = npu_cpu_ptr(base, base_addr, span, a[NPU_ATTN_A_PROBS],
                                      span_rows * (uint64_t)pld + (uint64_t)nk, 1u);
            uint8_t* ex = npu_cpu_ptr(base, base_addr, span, a[NPU_ATTN_A_EXP],
                                      4u * NPU_RNN_EXP_TABLE_LEN, 4u);
            if (!sc || !pr || !ex) return NPU_CPU_ERR_ADDR;
            npu_attn_softmax((const int32_t*)(void*)sc, (int8_t*)pr, (const uint32_t*)(void*)ex,
                             rows, nk, sld, pld, p[NPU_ATTN_P_MULT], (uint32_t)p[NPU_ATTN_P_SHIFT]);
            return NPU_CPU_OK;
        }
        default:
            return NPU_CPU_ERR_KIND;
    }
}

#endif /* NPU_ABI_RNN_H */
