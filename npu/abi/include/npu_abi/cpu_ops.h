/*
 * The CPU steps of a CNN: the integer arithmetic of the work the NPU cannot
 * do (softmax, LRN across channels) and the data moves (copy, transpose), and
 * the meaning of addr[] / param[] of their npu_cpu_step_t records
 * (model_image.h). Freestanding C99 (stdint only, no float: the firmware runs
 * on rv32imc without an FPU); the firmware runs these functions on DRAM and
 * the graph reference executor runs the very same functions on host buffers,
 * so both give the same bytes. Tables (softmax exp, LRN multipliers) are
 * computed on the host (workloads/quant_params.h) and stored in the image's
 * data section; the functions take pointers to them (4-byte aligned).
 *
 * Step layouts (A_ = index into addr[], P_ = index into param[]; every other
 * entry is zero):
 *
 *   NPU_STEP_COPY       addr[0] dst, addr[1] src            param[0] bytes
 *                       dst[i] = src[i]; the ranges must not overlap.
 *
 *   NPU_STEP_TRANSPOSE  addr[0] dst, addr[1] src            param[0] rows, param[1] cols
 *                       int8 src[rows][cols] -> dst[cols][rows]; not in place.
 *
 *   NPU_STEP_SOFTMAX    addr[0] dst, addr[1] src,           param[0] rows, param[1] cols,
 *                       addr[2] exp table (uint32[256])     param[2] mult, param[3] shift,
 *                                                           param[4] zp_y
 *                       Over each row of cols int8 values (the last axis):
 *                         mx = max x, e = table[mx - x]   (table[d] = round(2^16 exp(-s_x d)))
 *                         sum = sum of e over the row,  p = round(e * 2^15 / sum)
 *                         y = requantize(p, mult, shift, zp_y)   (npu_abi/arith.h)
 *                       table[0] is 2^16 and table[d] <= 2^16; cols <= NPU_SOFTMAX_MAX_COLS
 *                       (the sum stays below 2^31). In place allowed (dst == src).
 *
 *   NPU_STEP_LRN        addr[0] dst, addr[1] src,           param[0] channels C,
 *                       addr[2] multiplier table            param[1] pixels (H*W),
 *                              (int32[table_len])           param[2] size, param[3] zp_x,
 *                                                           param[4] zp_y, param[5] sq_shift,
 *                                                           param[6] table_len,
 *                                                           param[7] mult_shift
 *                       int8 [C][pixels]; for channel c the window is channels
 *                       [c - (size-1)/2, c + size/2] inside [0, C) (ONNX LRN):
 *                         sq = sum over the window of (x - zp_x)^2
 *                         m  = table[min(sq >> sq_shift, table_len - 1)]
 *                         y  = sat8(zp_y + rshift_round((x - zp_x) * m, mult_shift))
 *                       Not in place (dst != src).
 *
 * Every function returns NPU_CPU_OK or a negative NPU_CPU_ERR_* code and
 * writes nothing on a parameter error.
 */
#ifndef NPU_ABI_CPU_OPS_H
#define NPU_ABI_CPU_OPS_H

#include <stdint.h>

#include "arith.h"
#include "model_image.h"

#define NPU_CPU_OK 0
#define NPU_CPU_ERR_PARAM (-1) /* a size, shift or table out of range */
#define NPU_CPU_ERR_ADDR (-2)  /* an address range outside the memory given, or misaligned */
#define NPU_CPU_ERR_KIND (-3)  /* a step kind this header does not run */

/* addr[] / param[] indices by kind */
#define NPU_COPY_A_DST 0
#define NPU_COPY_A_SRC 1
#define NPU_COPY_P_BYTES 0

#define NPU_TRANSPOSE_A_DST 0
#define NPU_TRANSPOSE_A_SRC 1
#define NPU_TRANSPOSE_P_ROWS 0
#define NPU_TRANSPOSE_P_COLS 1

#define NPU_SOFTMAX_A_DST 0
#define NPU_SOFTMAX_A_SRC 1
#define NPU_SOFTMAX_A_TABLE 2
#define NPU_SOFTMAX_P_ROWS 0
#define NPU_SOFTMAX_P_COLS 1
#define NPU_SOFTMAX_P_MULT 2
#define NPU_SOFTMAX_P_SHIFT 3
#define NPU_SOFTMAX_P_ZP_Y 4
#define NPU_SOFTMAX_TABLE_LEN 256u
#define NPU_SOFTMAX_ONE 65536u      /* table[0]: exp(0) in Q16 */
#define NPU_SOFTMAX_P_BITS 15u      /* p = e / sum in Q15 */
#define NPU_SOFTMAX_MAX_COLS 32767u /* cols * 2^16 < 2^31 */

#define NPU_LRN_A_DST 0
#define NPU_LRN_A_SRC 1
#define NPU_LRN_A_TABLE 2
#define NPU_LRN_P_CHANNELS 0
#define NPU_LRN_P_PIXELS 1
#define NPU_LRN_P_SIZE 2
#define NPU_LRN_P_ZP_X 3
#define NPU_LRN_P_ZP_Y 4
#define NPU_LRN_P_SQ_SHIFT 5
#define NPU_LRN_P_TABLE_LEN 6
#define NPU_LRN_P_MULT_SHIFT 7
#define NPU_LRN_MAX_SIZE 65535u /* size * 255^2 < 2^32 */

/* ---- the operations on pointers ---------------------------------------- */

static inline int npu_cpu_copy(uint8_t* dst, const uint8_t* src, uint32_t bytes) {
    for (uint32_t i = 0; i < bytes; ++i)
        dst[i] = src[i];
    return NPU_CPU_OK;
}

static inline int npu_cpu_transpose(int8_t* dst, const int8_t* src, uint32_t rows, uint32_t cols) {
    if (dst == src && rows > 1u && cols > 1u) return NPU_CPU_ERR_PARAM;
    for (uint32_t r = 0; r < rows; ++r)
        for (uint32_t c = 0; c < cols; ++c)
            dst[c * rows + r] = src[r * cols + c];
    return NPU_CPU_OK;
}

static inline int npu_cpu_softmax(int8_t* dst, const int8_t* src, const uint32_t* exp_table,
                                  uint32_t rows, uint32_t cols, int32_t mult, uint32_t shift,
                                  int32_t zp_y) {
    if (cols == 0u || cols > NPU_SOFTMAX_MAX_COLS || shift > NPU_REQUANT_MAX_SHIFT)
        return NPU_CPU_ERR_PARAM;
    for (uint32_t d = 0; d < NPU_SOFTMAX_TABLE_LEN; ++d)
        if (exp_table[d] > NPU_SOFTMAX_ONE) return NPU_CPU_ERR_PARAM;
    if (exp_table[0] != NPU_SOFTMAX_ONE) return NPU_CPU_ERR_PARAM;
    for (uint32_t r = 0; r < rows; ++r) {
        const int8_t* x = src + r * cols;
        int8_t* y = dst + r * cols;
        int32_t mx = -128;
        for (uint32_t c = 0; c < cols; ++c)
            if (x[c] > mx) mx = x[c];
        uint32_t sum = 0; /* >= table[0] = 2^16, < 2^31 */
        for (uint32_t c = 0; c < cols; ++c)
            sum += exp_table[mx - x[c]];
        for (uint32_t c = 0; c < cols; ++c) {
            const uint32_t e = exp_table[mx - x[c]];
            const uint32_t p = ((e << NPU_SOFTMAX_P_BITS) + (sum >> 1)) / sum;
            y[c] = npu_requantize((int32_t)p, mult, shift, zp_y);
        }
    }
    return NPU_CPU_OK;
}

static inline int npu_cpu_lrn(int8_t* dst, const int8_t* src, const int32_t* table,
                              uint32_t channels, uint32_t pixels, uint32_t size, int32_t zp_x,
                              int32_t zp_y, uint32_t sq_shift, uint32_t table_len,
                              uint32_t mult_shift) {
    if (dst == src || size == 0u || size > NPU_LRN_MAX_SIZE || table_len == 0u || sq_shift > 31u ||
        mult_shift > NPU_REQUANT_MAX_SHIFT || zp_x < -128 || zp_x > 127)
        return NPU_CPU_ERR_PARAM;
    const uint32_t before = (size - 1u) / 2u, after = size / 2u;
    for (uint32_t p = 0; p < pixels; ++p) {
        for (uint32_t c = 0; c < channels; ++c) {
            const uint32_t lo = c > before ? c - before : 0u;
            const uint32_t hi = c + after < channels ? c + after : channels - 1u;
            uint32_t sq = 0;
            for (uint32_t k = lo; k <= hi; ++k) {
                const int32_t d = (int32_t)src[k * pixels + p] - zp_x;
                sq += (uint32_t)(d * d);
            }
            uint32_t idx = sq >> sq_shift;
            if (idx >= table_len) idx = table_len - 1u;
            const int64_t d = (int64_t)src[c * pixels + p] - zp_x;
            dst[c * pixels + p] =
                npu_sat8((int64_t)zp_y + npu_rshift_round(d * table[idx], mult_shift));
        }
    }
    return NPU_CPU_OK;
}

/* ---- steps: filling (compiler) and running (firmware, executor) ---------- */

/* Pointer to `bytes` bytes at DRAM address addr, inside the memory `base`
 * that holds DRAM addresses [base_addr, base_addr + span); NULL outside it or
 * when addr is not a multiple of `align`. */
static inline uint8_t* npu_cpu_ptr(uint8_t* base, uint32_t base_addr, uint32_t span, uint32_t addr,
                                   uint64_t bytes, uint32_t align) {
    if (addr < base_addr || (addr % align) != 0u) return 0;
    const uint64_t off = (uint64_t)(addr - base_addr);
    if (off + bytes > (uint64_t)span) return 0;
    return base + off;
}

static inline void npu_cpu_step_clear(npu_cpu_step_t* s, uint16_t kind) {
    s->kind = kind;
    for (unsigned i = 0; i < NPU_STEP_ADDRS; ++i)
        s->addr[i] = 0u;
    for (unsigned i = 0; i < NPU_STEP_PARAMS; ++i)
        s->param[i] = 0;
}

static inline void npu_cpu_copy_step(npu_cpu_step_t* s, uint32_t dst, uint32_t src,
                                     uint32_t bytes) {
    npu_cpu_step_clear(s, NPU_STEP_COPY);
    s->addr[NPU_COPY_A_DST] = dst;
    s->addr[NPU_COPY_A_SRC] = src;
    s->param[NPU_COPY_P_BYTES] = (int32_t)bytes;
}

static inline void npu_cpu_transpose_step(npu_cpu_step_t* s, uint32_t dst, uint32_t src,
                                          uint32_t rows, uint32_t cols) {
    npu_cpu_step_clear(s, NPU_STEP_TRANSPOSE);
    s->addr[NPU_TRANSPOSE_A_DST] = dst;
    s->addr[NPU_TRANSPOSE_A_SRC] = src;
    s->param[NPU_TRANSPOSE_P_ROWS] = (int32_t)rows;
    s->param[NPU_TRANSPOSE_P_COLS] = (int32_t)cols;
}

static inline void npu_cpu_softmax_step(npu_cpu_step_t* s, uint32_t dst, uint32_t src,
                                        uint32_t table, uint32_t rows, uint32_t cols, int32_t mult,
                                        uint32_t shift, int32_t zp_y) {
    npu_cpu_step_clear(s, NPU_STEP_SOFTMAX);
    s->addr[NPU_SOFTMAX_A_DST] = dst;
    s->addr[NPU_SOFTMAX_A_SRC] = src;
    s->addr[NPU_SOFTMAX_A_TABLE] = table;
    s->param[NPU_SOFTMAX_P_ROWS] = (int32_t)rows;
    s->param[NPU_SOFTMAX_P_COLS] = (int32_t)cols;
    s->param[NPU_SOFTMAX_P_MULT] = mult;
    s->param[NPU_SOFTMAX_P_SHIFT] = (int32_t)shift;
    s->param[NPU_SOFTMAX_P_ZP_Y] = zp_y;
}

static inline void npu_cpu_lrn_step(npu_cpu_step_t* s, uint32_t dst, uint32_t src, uint32_t table,
                                    uint32_t channels, uint32_t pixels, uint32_t size, int32_t zp_x,
                                    int32_t zp_y, uint32_t sq_shift, uint32_t table_len,
                                    uint32_t mult_shift) {
    npu_cpu_step_clear(s, NPU_STEP_LRN);
    s->addr[NPU_LRN_A_DST] = dst;
    s->addr[NPU_LRN_A_SRC] = src;
    s->addr[NPU_LRN_A_TABLE] = table;
    s->param[NPU_LRN_P_CHANNELS] = (int32_t)channels;
    s->param[NPU_LRN_P_PIXELS] = (int32_t)pixels;
    s->param[NPU_LRN_P_SIZE] = (int32_t)size;
    s->param[NPU_LRN_P_ZP_X] = zp_x;
    s->param[NPU_LRN_P_ZP_Y] = zp_y;
    s->param[NPU_LRN_P_SQ_SHIFT] = (int32_t)sq_shift;
    s->param[NPU_LRN_P_TABLE_LEN] = (int32_t)table_len;
    s->param[NPU_LRN_P_MULT_SHIFT] = (int32_t)mult_shift;
}

/* Runs a COPY, TRANSPOSE, SOFTMAX or LRN step on the memory `base` holding DRAM
 * addresses [base_addr, base_addr + span) (the firmware passes DRAM itself).
 * Every range is checked against that memory first; a negative param is
 * NPU_CPU_ERR_PARAM. Other kinds (LSTM/GRU cells, attention) are
 * NPU_CPU_ERR_KIND: npu_abi/rnn.h runs them. */
static inline int npu_cpu_step_run(const npu_cpu_step_t* s, uint8_t* base, uint32_t base_addr,
                                   uint32_t span) {
    const int32_t* p = s->param;
    const uint32_t* a = s->addr;
    switch (s->kind) {
        case NPU_STEP_COPY: {
            if (p[NPU_COPY_P_BYTES] < 0) return NPU_CPU_ERR_PARAM;
            const uint32_t n = (uint32_t)p[NPU_COPY_P_BYTES];
            uint8_t* dst = npu_cpu_ptr(base, base_addr, span, a[NPU_COPY_A_DST], n, 1u);
            uint8_t* src = npu_cpu_ptr(base, base_addr, span, a[NPU_COPY_A_SRC], n, 1u);
            if (!dst || !src) return NPU_CPU_ERR_ADDR;
            return npu_cpu_copy(dst, src, n);
        }
        case NPU_STEP_TRANSPOSE: {
            if (p[NPU_TRANSPOSE_P_ROWS] < 0 || p[NPU_TRANSPOSE_P_COLS] < 0)
                return NPU_CPU_ERR_PARAM;
            const uint32_t rows = (uint32_t)p[NPU_TRANSPOSE_P_ROWS];
            const uint32_t cols = (uint32_t)p[NPU_TRANSPOSE_P_COLS];
            const uint64_t n = (uint64_t)rows * cols;
            uint8_t* dst = npu_cpu_ptr(base, base_addr, span, a[NPU_TRANSPOSE_A_DST], n, 1u);
            uint8_t* src = npu_cpu_ptr(base, base_addr, span, a[NPU_TRANSPOSE_A_SRC], n, 1u);
            if (!dst || !src) return NPU_CPU_ERR_ADDR;
            return npu_cpu_transpose((int8_t*)dst, (const int8_t*)src, rows, cols);
        }
        case NPU_STEP_SOFTMAX: {
            if (p[NPU_SOFTMAX_P_ROWS] < 0 || p[NPU_SOFTMAX_P_COLS] < 0 ||
                p[NPU_SOFTMAX_P_SHIFT] < 0)
                return NPU_CPU_ERR_PARAM;
            const uint32_t rows = (uint32_t)p[NPU_SOFTMAX_P_ROWS];
            const uint32_t cols = (uint32_t)p[NPU_SOFTMAX_P_COLS];
            const uint64_t n = (uint64_t)rows * cols;
            uint8_t* dst = npu_cpu_ptr(base, base_addr, span, a[NPU_SOFTMAX_A_DST], n, 1u);
            uint8_t* src = npu_cpu_ptr(base, base_addr, span, a[NPU_SOFTMAX_A_SRC], n, 1u);
            uint8_t* tab = npu_cpu_ptr(base, base_addr, span, a[NPU_SOFTMAX_A_TABLE],
                                       4u * NPU_SOFTMAX_TABLE_LEN, 4u);
            if (!dst || !src || !tab) return NPU_CPU_ERR_ADDR;
            return npu_cpu_softmax((int8_t*)dst, (const int8_t*)src, (const uint32_t*)(void*)tab,
                                   rows, cols, p[NPU_SOFTMAX_P_MULT],
                                   (uint32_t)p[NPU_SOFTMAX_P_SHIFT], p[NPU_SOFTMAX_P_ZP_Y]);
        }
        case NPU_STEP_LRN: {
            for (unsigned i = 0; i <= NPU_LRN_P_MULT_SHIFT; ++i)
                if (i != NPU_LRN_P_ZP_X && i != NPU_LRN_P_ZP_Y && p[i] < 0)
                    return NPU_CPU_ERR_PARAM;
            const uint32_t channels = (uint32_t)p[NPU_LRN_P_CHANNELS];
            const uint32_t pixels = (uint32_t)p[NPU_LRN_P_PIXELS];
            const uint32_t table_len = (uint32_t)p[NPU_LRN_P_TABLE_LEN];
            const uint64_t n = (uint64_t)channels * pixels;
            uint8_t* dst = npu_cpu_ptr(base, base_addr, span, a[NPU_LRN_A_DST], n, 1u);
            uint8_t* src = npu_cpu_ptr(base, base_addr, span, a[NPU_LRN_A_SRC], n, 1u);
            uint8_t* tab = npu_cpu_ptr(base, base_addr, span, a[NPU_LRN_A_TABLE],
                                       4u * (uint64_t)table_len, 4u);
            if (!dst || !src || !tab) return NPU_CPU_ERR_ADDR;
            return npu_cpu_lrn((int8_t*)dst, (const int8_t*)src, (const int32_t*)(void*)tab,
                               channels, pixels, (uint32_t)p[NPU_LRN_P_SIZE], p[NPU_LRN_P_ZP_X],
                               p[NPU_LRN_P_ZP_Y], (uint32_t)p[NPU_LRN_P_SQ_SHIFT], table_len,
                               (uint32_t)p[NPU_LRN_P_MULT_SHIFT]);
        }
        default:
            return NPU_CPU_ERR_KIND;
    }
}

#endif /* NPU_ABI_CPU_OPS_H */
