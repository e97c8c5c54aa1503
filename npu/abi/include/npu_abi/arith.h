/*
 * The NPU's integer arithmetic, defined once. The NPU model, the reference
 * executor and the firmware use these functions, so "bit-exact" has one
 * meaning. Data are int8 with a zero point; products accumulate in int32
 * (psums); results are requantized back to int8, or kept as int32.
 *
 *   conv/gemm:   acc = bias[m] + sum (x - zp_x) * (w - zp_w)          (int32, wraps mod 2^32)
 *   requantize:  y = sat8(zp_y + rshift_round((int64)acc * mult, shift))
 *   eltwise add: acc = (a - zp_a) * mult_a + (b - zp_b) * mult_b   (int32, wraps), then
 *                y = sat8(zp_y + rshift_round(acc, shift))
 *   eltwise mul: acc = (a - zp_a) * (b - zp_b), then requantize(acc, mult, shift, zp_y)
 *   avg pool:    y = sat8(zp_y + div_round(sum (x - zp_x), count)), count = window
 *                elements inside the input (padding excluded, as ONNX's default)
 *   max pool:    y = max over the window's elements inside the input
 *   activation:  y = lut[x + 128] (256-entry int8 table made by the compiler for
 *                sigmoid/tanh/any function of one input); relu: y = max(x, zp_x)
 *
 * Rounding: rshift_round rounds half away from zero; div_round likewise.
 */
#ifndef NPU_ABI_ARITH_H
#define NPU_ABI_ARITH_H

#include <stdint.h>

#define NPU_REQUANT_MAX_SHIFT 62u

static inline int8_t npu_sat8(int64_t v) {
    return (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v));
}

/* v / 2^shift, rounded half away from zero; shift 0 returns v. */
static inline int64_t npu_rshift_round(int64_t v, uint32_t shift) {
    if (shift == 0u) return v;
    if (shift > NPU_REQUANT_MAX_SHIFT) shift = NPU_REQUANT_MAX_SHIFT;
    const int64_t half = (int64_t)1 << (shift - 1u);
    return v >= 0 ? (v + half) >> shift : -((-v + half) >> shift);
}

/* num / den (den > 0), rounded half away from zero. */
static inline int64_t npu_div_round(int64_t num, int64_t den) {
    return num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
}

static inline int8_t npu_requantize(int32_t acc, int32_t mult, uint32_t shift, int32_t zp_y) {
    return npu_sat8((int64_t)zp_y + npu_rshift_round((int64_t)acc * (int64_t)mult, shift));
}

/* int32 accumulation that wraps like the hardware's adders (no UB in C/C++). */
static inline int32_t npu_acc_add(int32_t acc, int32_t v) {
    return (int32_t)((uint32_t)acc + (uint32_t)v);
}

/* v modulo 2^32 as int32 (two's complement), without undefined behaviour. */
static inline int32_t npu_wrap32(int64_t v) {
    const uint32_t u = (uint32_t)(uint64_t)v;
    return u <= 0x7FFFFFFFu ? (int32_t)u : (int32_t)(u - 0x80000000u) - 0x7FFFFFFF - 1;
}

/* eltwise add accumulator: (a - zp_a) * mult_a + (b - zp_b) * mult_b in the
 * int32 adder (wraps mod 2^32, as the conv accumulator does). */
static inline int32_t npu_eltwise_add_acc(int32_t a, int32_t zp_a, int32_t mult_a, int32_t b,
                                          int32_t zp_b, int32_t mult_b) {
    return npu_wrap32((int64_t)(a - zp_a) * mult_a + (int64_t)(b - zp_b) * mult_b);
}

/* eltwise mul accumulator: (a - zp_a) * (b - zp_b); int8 operands cannot overflow. */
static inline int32_t npu_eltwise_mul_acc(int32_t a, int32_t zp_a, int32_t b, int32_t zp_b) {
    return (a - zp_a) * (b - zp_b);
}

#endif /* NPU_ABI_ARITH_H */
