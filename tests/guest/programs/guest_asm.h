/*
 * Helpers for the assembly guest tests. A test defines test_main between
 * TEST_BEGIN and TEST_END; asm_harness.c calls it and turns the returned
 * value into the verdict: 0 = PASS, N = the number of the failed check
 * (also the exit status). Checks use t6 as scratch: tests must not rely on it.
 */
/* Assembler macros (included by .S files), not C: */
/* clang-format off */
    .macro TEST_BEGIN
    .section .text.test_main, "ax", @progbits
    .globl test_main
    .type test_main, @function
    .balign 4
test_main:
    addi    sp, sp, -64
    sw      ra, 0(sp)
    sw      s0, 4(sp)
    sw      s1, 8(sp)
    sw      s2, 12(sp)
    sw      s3, 16(sp)
    sw      s4, 20(sp)
    sw      s5, 24(sp)
    sw      s6, 28(sp)
    sw      s7, 32(sp)
    sw      s8, 36(sp)
    sw      s9, 40(sp)
    sw      s10, 44(sp)
    sw      s11, 48(sp)
    .endm

    .macro TEST_END
    li      a0, 0
test_return:
    lw      ra, 0(sp)
    lw      s0, 4(sp)
    lw      s1, 8(sp)
    lw      s2, 12(sp)
    lw      s3, 16(sp)
    lw      s4, 20(sp)
    lw      s5, 24(sp)
    lw      s6, 28(sp)
    lw      s7, 32(sp)
    lw      s8, 36(sp)
    lw      s9, 40(sp)
    lw      s10, 44(sp)
    lw      s11, 48(sp)
    addi    sp, sp, 64
    ret
    .size test_main, . - test_main
    .endm

    /* fail with check number \id (1..99) */
    .macro FAIL id
    li      a0, \id
    j       test_return
    .endm

    /* check \reg == \val (any 32-bit constant) */
    .macro CHECK_EQ id, reg, val
    li      t6, \val
    beq     \reg, t6, .Lok\@
    FAIL    \id
.Lok\@:
    .endm

    /* check \ra == \rb */
    .macro CHECK_REQ id, ra, rb
    beq     \ra, \rb, .Lok\@
    FAIL    \id
.Lok\@:
    .endm
