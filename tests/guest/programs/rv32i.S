/*
 * RV32I, every instruction class with 32-bit encodings (.option norvc):
 * register and immediate ALU, shifts, slt*, lui/auipc, loads and stores of
 * every width (signed/unsigned), branches taken and not taken, jal/jalr link
 * values, x0 hard-wired to zero. Check numbers are the exit status on failure.
 */
#include "guest_asm.h"

    .data
    .balign 4
rv32i_data:
    .word   0x8081f2f3      /* bytes 0xf3 0xf2 0x81 0x80 (little endian) */
    .word   0x12345678
rv32i_store:
    .word   0
    .word   0

    .option push
    .option norvc
    TEST_BEGIN
    /* --- register ALU --- */
    li      a1, 0x7fffffff
    li      a2, 1
    add     a3, a1, a2
    CHECK_EQ 1, a3, 0x80000000          /* wraps */
    sub     a3, a2, a1
    CHECK_EQ 2, a3, 0x80000002
    li      a1, 0xff00ff00
    li      a2, 0x0ff00ff0
    and     a3, a1, a2
    CHECK_EQ 3, a3, 0x0f000f00
    or      a3, a1, a2
    CHECK_EQ 4, a3, 0xfff0fff0
    xor     a3, a1, a2
    CHECK_EQ 5, a3, 0xf0f0f0f0
    li      a2, 36                      /* shift amount uses the low 5 bits: 4 */
    sll     a3, a1, a2
    CHECK_EQ 6, a3, 0xf00ff000
    srl     a3, a1, a2
    CHECK_EQ 7, a3, 0x0ff00ff0
    sra     a3, a1, a2
    CHECK_EQ 8, a3, 0xfff00ff0
    li      a1, -5
    li      a2, 3
    slt     a3, a1, a2
    CHECK_EQ 9, a3, 1
    sltu    a3, a1, a2
    CHECK_EQ 10, a3, 0
    slt     a3, a2, a1
    CHECK_EQ 11, a3, 0
    sltu    a3, a2, a1
    CHECK_EQ 12, a3, 1
    slt     a3, a1, a1
    CHECK_EQ 13, a3, 0

    /* --- immediate ALU (12-bit sign-extended immediates) --- */
    li      a1, 100
    addi    a3, a1, -2048
    CHECK_EQ 14, a3, -1948
    addi    a3, a1, 2047
    CHECK_EQ 15, a3, 2147
    li      a1, 0x12345678
    andi    a3, a1, -16                 /* 0xfffffff0 */
    CHECK_EQ 16, a3, 0x12345670
    ori     a3, a1, 0x7ff
    CHECK_EQ 17, a3, 0x123457ff
    xori    a3, a1, -1                  /* not */
    CHECK_EQ 18, a3, 0xedcba987
    li      a1, 0x80000001
    slli    a3, a1, 31
    CHECK_EQ 19, a3, 0x80000000
    srli    a3, a1, 31
    CHECK_EQ 20, a3, 1
    srai    a3, a1, 31
    CHECK_EQ 21, a3, 0xffffffff
    srai    a3, a1, 0
    CHECK_EQ 22, a3, 0x80000001
    li      a1, -1
    slti    a3, a1, 0
    CHECK_EQ 23, a3, 1
    sltiu   a3, a1, -1                  /* 0xffffffff < 0xffffffff: no */
    CHECK_EQ 24, a3, 0
    li      a1, 5
    sltiu   a3, a1, -1                  /* 5 < 0xffffffff */
    CHECK_EQ 25, a3, 1
    slti    a3, a1, -2048
    CHECK_EQ 26, a3, 0
    sltiu   a3, zero, 1                 /* seqz */
    CHECK_EQ 27, a3, 1

    /* --- lui / auipc --- */
    lui     a3, 0xfffff
    CHECK_EQ 28, a3, 0xfffff000
    lui     a3, 0x80000
    CHECK_EQ 29, a3, 0x80000000
.Lauipc0:
    auipc   a3, 0
    la      a4, .Lauipc0
    CHECK_REQ 30, a3, a4
.Lauipc1:
    auipc   a3, 0x1
    la      a4, .Lauipc1
    li      a5, 0x1000
    add     a4, a4, a5
    CHECK_REQ 31, a3, a4

    /* --- loads: every width, signed and unsigned --- */
    la      s0, rv32i_data
    lb      a3, 0(s0)
    CHECK_EQ 32, a3, 0xfffffff3
    lbu     a3, 0(s0)
    CHECK_EQ 33, a3, 0xf3
    lb      a3, 2(s0)
    CHECK_EQ 34, a3, 0xffffff81
    lb      a3, 4(s0)
    CHECK_EQ 35, a3, 0x78
    lh      a3, 0(s0)
    CHECK_EQ 36, a3, 0xfffff2f3
    lhu     a3, 0(s0)
    CHECK_EQ 37, a3, 0xf2f3
    lh      a3, 2(s0)
    CHECK_EQ 38, a3, 0xffff8081
    lhu     a3, 2(s0)
    CHECK_EQ 39, a3, 0x8081
    lh      a3, 6(s0)
    CHECK_EQ 40, a3, 0x1234
    lw      a3, 0(s0)
    CHECK_EQ 41, a3, 0x8081f2f3
    lw      a3, 4(s0)
    CHECK_EQ 42, a3, 0x12345678
    addi    s1, s0, 8
    lw      a3, -4(s1)                  /* negative offset */
    CHECK_EQ 43, a3, 0x12345678

    /* --- stores: every width, read back --- */
    la      s1, rv32i_store
    sw      zero, 0(s1)
    sw      zero, 4(s1)
    li      a1, 0xaabbccdd
    sb      a1, 1(s1)
    lw      a3, 0(s1)
    CHECK_EQ 44, a3, 0x0000dd00
    sh      a1, 2(s1)
    lw      a3, 0(s1)
    CHECK_EQ 45, a3, 0xccdddd00
    sw      a1, 4(s1)
    lw      a3, 4(s1)
    CHECK_EQ 46, a3, 0xaabbccdd
    sb      a1, 7(s1)
    lhu     a3, 6(s1)
    CHECK_EQ 47, a3, 0xddbb
    addi    s2, s1, 8
    sh      zero, -4(s2)
    lw      a3, 4(s1)
    CHECK_EQ 48, a3, 0xddbb0000

    /* --- branches: both outcomes of each --- */
    li      a1, -1
    li      a2, 1
    beq     a1, a1, 1f
    FAIL    49
1:  beq     a1, a2, 2f
    j       3f
2:  FAIL    50
3:  bne     a1, a2, 1f
    FAIL    51
1:  bne     a1, a1, 2f
    j       3f
2:  FAIL    52
3:  blt     a1, a2, 1f                  /* -1 < 1 signed */
    FAIL    53
1:  blt     a2, a1, 2f
    j       3f
2:  FAIL    54
3:  bltu    a2, a1, 1f                  /* 1 < 0xffffffff unsigned */
    FAIL    55
1:  bltu    a1, a2, 2f
    j       3f
2:  FAIL    56
3:  bge     a2, a1, 1f
    FAIL    57
1:  bge     a1, a1, 2f                  /* equal: taken */
    FAIL    58
2:  bge     a1, a2, 3f
    j       4f
3:  FAIL    59
4:  bgeu    a1, a2, 1f
    FAIL    60
1:  bgeu    a2, a1, 2f
    j       3f
2:  FAIL    61
3:
    /* backward branch loop: sum 1..10 */
    li      a3, 0
    li      a4, 10
1:  add     a3, a3, a4
    addi    a4, a4, -1
    bnez    a4, 1b
    CHECK_EQ 62, a3, 55

    /* --- jal / jalr link values --- */
    jal     a5, .Ljal_target
.Ljal_ret:
    FAIL    63                          /* jal must not fall through */
.Ljal_target:
    la      a4, .Ljal_ret
    CHECK_REQ 64, a5, a4
    la      a1, .Ljalr_target
    jalr    a5, 0(a1)
.Ljalr_ret:
    FAIL    65
.Ljalr_target:
    la      a4, .Ljalr_ret
    CHECK_REQ 66, a5, a4
    la      a1, .Ljalr_odd - 3          /* target = (a1 + 4) & ~1 */
    jalr    a5, 4(a1)
.Ljalr_odd_ret:
    FAIL    67
.Ljalr_odd:
    la      a4, .Ljalr_odd_ret
    CHECK_REQ 68, a5, a4
    la      a1, .Ljalr_same
    jalr    a1, 0(a1)                   /* rd == rs1: target uses the old value */
.Ljalr_same_ret:
    FAIL    69
.Ljalr_same:
    la      a4, .Ljalr_same_ret
    CHECK_REQ 70, a1, a4

    /* --- x0 stays zero --- */
    li      a1, 123
    addi    zero, a1, 1
    add     a3, zero, zero
    CHECK_EQ 71, a3, 0
    lui     zero, 0x12345
    CHECK_EQ 72, zero, 0
    TEST_END
    .option pop
