/*
 * RV32C: every compressed form of RV32C without floating point, written
 * with explicit c.* mnemonics so each one really is a 16-bit encoding
 * (the build's .lst shows them; c.ebreak is in the traps test).
 *   C0: c.addi4spn c.lw c.sw
 *   C1: c.nop c.addi c.jal c.li c.addi16sp c.lui c.srli c.srai c.andi
 *       c.sub c.xor c.or c.and c.j c.beqz c.bnez
 *   C2: c.slli c.lwsp c.jr c.mv c.jalr c.add c.swsp
 */
#include "guest_asm.h"

    .option push
    .option rvc
    TEST_BEGIN
    c.nop
    c.li    a0, -32
    CHECK_EQ 1, a0, -32
    c.li    a1, 31
    CHECK_EQ 2, a1, 31
    c.addi  a0, 31
    CHECK_EQ 3, a0, -1
    c.addi  a0, -32
    CHECK_EQ 4, a0, -33
    c.lui   a2, 1
    CHECK_EQ 5, a2, 0x1000
    c.lui   a2, 0xfffe0
    CHECK_EQ 6, a2, 0xfffe0000
    c.lui   a2, 0x1f
    CHECK_EQ 7, a2, 0x1f000
    c.mv    a3, a2
    CHECK_EQ 8, a3, 0x1f000
    c.add   a3, a1
    CHECK_EQ 9, a3, 0x1f01f

    /* shifts and immediate and */
    c.li    s0, -16
    c.slli  s0, 4
    CHECK_EQ 10, s0, -256
    c.srai  s0, 2
    CHECK_EQ 11, s0, -64
    c.srli  s0, 28
    CHECK_EQ 12, s0, 0xf
    c.li    s1, -1
    c.andi  s1, -8
    CHECK_EQ 13, s1, -8
    c.andi  s1, 13
    CHECK_EQ 14, s1, 8
    c.slli  s1, 28
    CHECK_EQ 15, s1, 0x80000000

    /* CA format on x8..x15 */
    li      a4, 0x0ff0
    li      a5, 0x00ff
    mv      s0, a4
    c.sub   s0, a5
    CHECK_EQ 16, s0, 0x0ef1
    mv      s0, a4
    c.xor   s0, a5
    CHECK_EQ 17, s0, 0x0f0f
    mv      s0, a4
    c.or    s0, a5
    CHECK_EQ 18, s0, 0x0fff
    mv      s0, a4
    c.and   s0, a5
    CHECK_EQ 19, s0, 0x00f0

    /* stack-relative and register-relative loads/stores */
    mv      s2, sp
    c.addi16sp sp, -64
    addi    t0, s2, -64
    CHECK_REQ 20, sp, t0
    c.addi4spn a0, sp, 16
    addi    t0, sp, 16
    CHECK_REQ 21, a0, t0
    li      a1, 0x13579bdf
    c.swsp  a1, 12(sp)
    c.lwsp  a2, 12(sp)
    CHECK_EQ 22, a2, 0x13579bdf
    lw      a3, 12(sp)
    CHECK_EQ 23, a3, 0x13579bdf
    li      a1, 0x2468ace0
    c.sw    a1, 4(a0)                   /* sp + 20 */
    c.lw    a2, 4(a0)
    CHECK_EQ 24, a2, 0x2468ace0
    lw      a3, 20(sp)
    CHECK_EQ 25, a3, 0x2468ace0
    c.addi16sp sp, 64
    CHECK_REQ 26, sp, s2

    /* control transfer */
    c.j     1f
    FAIL    27
1:  c.li    a0, 0
    c.beqz  a0, 1f
    FAIL    28
1:  c.bnez  a0, 2f
    j       3f
2:  FAIL    29
3:  c.li    a0, 1
    c.bnez  a0, 1f
    FAIL    30
1:  c.beqz  a0, 2f
    j       3f
2:  FAIL    31
3:  c.jal   .Lcjal_target
.Lcjal_ret:
    FAIL    32
.Lcjal_target:
    la      t0, .Lcjal_ret
    CHECK_REQ 33, ra, t0
    la      a0, .Lcjr_target
    c.jr    a0
    FAIL    34
.Lcjr_target:
    la      a0, .Lcjalr_target
    c.jalr  a0
.Lcjalr_ret:
    FAIL    35
.Lcjalr_target:
    la      t0, .Lcjalr_ret
    CHECK_REQ 36, ra, t0
    /* a compressed call/return pair: c.jal to a leaf that returns with c.jr ra */
    c.li    a0, 5
    c.jal   .Lleaf
    CHECK_EQ 37, a0, 10
    TEST_END

.Lleaf:
    c.add   a0, a0
    c.jr    ra
    .option pop
