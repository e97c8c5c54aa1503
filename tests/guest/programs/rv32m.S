/*
 * RV32M: mul, mulh, mulhsu, mulhu, div, divu, rem, remu, including the
 * spec's special cases: division by zero (quotient all ones, remainder =
 * dividend) and signed overflow INT_MIN / -1 (quotient INT_MIN, remainder 0).
 */
#include "guest_asm.h"

    .option push
    .option norvc
    TEST_BEGIN
    li      a1, 0x12345678
    li      a2, 0x9abcdef0
    mul     a3, a1, a2
    CHECK_EQ 1, a3, 0x242d2080
    mulhu   a3, a1, a2
    CHECK_EQ 2, a3, 0x0b00ea4e
    mulh    a3, a1, a2                  /* signed x signed: 0x9abcdef0 < 0 */
    CHECK_EQ 3, a3, 0xf8cc93d6
    mulhsu  a3, a1, a2                  /* signed a1 x unsigned a2 */
    CHECK_EQ 4, a3, 0x0b00ea4e
    mulhsu  a3, a2, a1                  /* signed a2 (< 0) x unsigned a1 */
    CHECK_EQ 5, a3, 0xf8cc93d6
    li      a1, -1
    li      a2, -1
    mul     a3, a1, a2
    CHECK_EQ 6, a3, 1
    mulh    a3, a1, a2
    CHECK_EQ 7, a3, 0
    mulhu   a3, a1, a2
    CHECK_EQ 8, a3, 0xfffffffe
    mulhsu  a3, a1, a2                  /* -1 * 0xffffffff = -0xffffffff */
    CHECK_EQ 9, a3, 0xffffffff
    li      a1, 0x80000000
    mulh    a3, a1, a1                  /* 2^62 */
    CHECK_EQ 10, a3, 0x40000000

    /* division, signs rounded toward zero */
    li      a1, -7
    li      a2, 2
    div     a3, a1, a2
    CHECK_EQ 11, a3, -3
    rem     a3, a1, a2
    CHECK_EQ 12, a3, -1
    divu    a3, a1, a2
    CHECK_EQ 13, a3, 0x7ffffffc
    remu    a3, a1, a2
    CHECK_EQ 14, a3, 1
    li      a1, 7
    li      a2, -2
    div     a3, a1, a2
    CHECK_EQ 15, a3, -3
    rem     a3, a1, a2
    CHECK_EQ 16, a3, 1

    /* divide by zero */
    li      a1, 1234
    div     a3, a1, zero
    CHECK_EQ 17, a3, -1
    divu    a3, a1, zero
    CHECK_EQ 18, a3, 0xffffffff
    rem     a3, a1, zero
    CHECK_EQ 19, a3, 1234
    remu    a3, a1, zero
    CHECK_EQ 20, a3, 1234
    li      a1, -1234
    rem     a3, a1, zero
    CHECK_EQ 21, a3, -1234

    /* INT_MIN / -1 overflow */
    li      a1, 0x80000000
    li      a2, -1
    div     a3, a1, a2
    CHECK_EQ 22, a3, 0x80000000
    rem     a3, a1, a2
    CHECK_EQ 23, a3, 0
    divu    a3, a1, a2
    CHECK_EQ 24, a3, 0
    remu    a3, a1, a2
    CHECK_EQ 25, a3, 0x80000000

    /* large unsigned */
    li      a1, 0xfffffffe
    li      a2, 0x10
    divu    a3, a1, a2
    CHECK_EQ 26, a3, 0x0fffffff
    remu    a3, a1, a2
    CHECK_EQ 27, a3, 0xe
    /* rd aliasing a source */
    li      a1, 100
    li      a2, 7
    rem     a1, a1, a2
    CHECK_EQ 28, a1, 2
    TEST_END
    .option pop
