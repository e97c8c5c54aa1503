/*
 * Zicsr: csrrw/csrrs/csrrc and the immediate forms (old value returned,
 * rd = x0 and rs1 = x0 variants), mscratch as a plain read/write register,
 * misa (MXL = 32 bit, I, M and C present), mhartid = 0, mcycle/minstret and
 * the user aliases cycle/instret/time advancing, minstreth/mcycleh readable.
 */
#include "guest_asm.h"

    .option push
    .option norvc
    TEST_BEGIN
    li      a1, 0x12345678
    csrrw   a2, mscratch, a1            /* old value unknown: just read back */
    csrrw   a3, mscratch, zero
    CHECK_EQ 1, a3, 0x12345678
    csrr    a3, mscratch
    CHECK_EQ 2, a3, 0
    li      a1, 0x0f0f0000
    csrrs   a3, mscratch, a1
    CHECK_EQ 3, a3, 0
    li      a1, 0x000000ff
    csrrs   a3, mscratch, a1
    CHECK_EQ 4, a3, 0x0f0f0000
    li      a1, 0x0f000f0f
    csrrc   a3, mscratch, a1
    CHECK_EQ 5, a3, 0x0f0f00ff
    csrr    a3, mscratch
    CHECK_EQ 6, a3, 0x000f00f0
    csrrs   a3, mscratch, zero          /* read only, no write */
    CHECK_EQ 7, a3, 0x000f00f0
    csrrc   a3, mscratch, zero
    CHECK_EQ 8, a3, 0x000f00f0
    /* immediate forms (5-bit zero-extended) */
    csrrwi  a3, mscratch, 31
    CHECK_EQ 9, a3, 0x000f00f0
    csrrsi  a3, mscratch, 0
    CHECK_EQ 10, a3, 31
    csrrci  a3, mscratch, 5
    CHECK_EQ 11, a3, 31
    csrrsi  a3, mscratch, 0x10
    CHECK_EQ 12, a3, 26
    csrr    a3, mscratch
    CHECK_EQ 13, a3, 26
    csrwi   mscratch, 7                 /* rd = x0 */
    csrsi   mscratch, 8
    csrci   mscratch, 1
    csrr    a3, mscratch
    CHECK_EQ 14, a3, 14
    li      a1, -1
    csrw    mscratch, a1
    csrr    a3, mscratch
    CHECK_EQ 15, a3, -1
    /* rd == rs1 */
    li      a1, 0x55
    csrrw   a1, mscratch, a1
    CHECK_EQ 16, a1, -1
    csrr    a3, mscratch
    CHECK_EQ 17, a3, 0x55

    /* misa: MXL = 1, I (8), M (12), C (2) */
    csrr    a1, misa
    srli    a3, a1, 30
    CHECK_EQ 18, a3, 1
    andi    a3, a1, (1 << 8)
    CHECK_EQ 19, a3, (1 << 8)
    li      t0, (1 << 12)
    and     a3, a1, t0
    CHECK_EQ 20, a3, (1 << 12)
    andi    a3, a1, (1 << 2)
    CHECK_EQ 21, a3, (1 << 2)
    csrr    a3, mhartid
    CHECK_EQ 22, a3, 0

    /* counters advance */
    csrr    s0, mcycle
    csrr    s1, minstret
    li      a1, 100
1:  addi    a1, a1, -1
    bnez    a1, 1b
    csrr    s2, mcycle
    csrr    s3, minstret
    sub     a3, s3, s1
    sltiu   a3, a3, 200                 /* >= 200 instructions retired */
    CHECK_EQ 23, a3, 0
    bne     s0, s2, 3f                  /* mcycle moved */
    FAIL    24
3:  csrr    s0, cycle
    csrr    s1, instret
    csrr    s4, time
    csrr    t0, mcycleh
    csrr    t0, minstreth
    csrr    t0, cycleh
    csrr    t0, instreth
    csrr    t0, timeh
    li      a1, 1000
1:  addi    a1, a1, -1
    bnez    a1, 1b
    csrr    s2, cycle
    csrr    s3, instret
    sub     a3, s3, s1
    sltiu   a3, a3, 2000
    CHECK_EQ 26, a3, 0
    beq     s0, s2, .Lcycle_stuck
    j       1f
.Lcycle_stuck:
    FAIL    27
    /* time ticks at 10 MHz: spin until it changes (bounded) */
1:  li      a1, 1000000
2:  csrr    s5, time
    bne     s5, s4, 3f
    addi    a1, a1, -1
    bnez    a1, 2b
    FAIL    28
3:
    TEST_END
    .option pop
