/*
 * Vector table for vectored mtvec mode: exceptions enter at base, interrupt
 * n at base + 4 * n. Each used entry saves the caller-saved registers and
 * calls vec_handler(entry, mcause); unused entries report entry | 0x100.
 */
    .section .text.vec_table, "ax", @progbits
    .option push
    .option norvc
    .globl vec_table
    .balign 64
vec_table:
    j       vec_entry_0                 /* exceptions */
    j       vec_entry_bad
    j       vec_entry_bad
    j       vec_entry_3                 /* MSI */
    j       vec_entry_bad
    j       vec_entry_bad
    j       vec_entry_bad
    j       vec_entry_7                 /* MTI */
    j       vec_entry_bad
    j       vec_entry_bad
    j       vec_entry_bad
    j       vec_entry_11                /* MEI */
    j       vec_entry_bad
    j       vec_entry_bad
    j       vec_entry_bad
    j       vec_entry_bad

    .macro VEC_ENTRY name, index
\name:
    addi    sp, sp, -64
    sw      ra, 0(sp)
    sw      t0, 4(sp)
    sw      t1, 8(sp)
    sw      t2, 12(sp)
    sw      a0, 16(sp)
    sw      a1, 20(sp)
    sw      a2, 24(sp)
    sw      a3, 28(sp)
    sw      a4, 32(sp)
    sw      a5, 36(sp)
    sw      a6, 40(sp)
    sw      a7, 44(sp)
    sw      t3, 48(sp)
    sw      t4, 52(sp)
    sw      t5, 56(sp)
    sw      t6, 60(sp)
    li      a0, \index
    csrr    a1, mcause
    call    vec_handler
    lw      ra, 0(sp)
    lw      t0, 4(sp)
    lw      t1, 8(sp)
    lw      t2, 12(sp)
    lw      a0, 16(sp)
    lw      a1, 20(sp)
    lw      a2, 24(sp)
    lw      a3, 28(sp)
    lw      a4, 32(sp)
    lw      a5, 36(sp)
    lw      a6, 40(sp)
    lw      a7, 44(sp)
    lw      t3, 48(sp)
    lw      t4, 52(sp)
    lw      t5, 56(sp)
    lw      t6, 60(sp)
    addi    sp, sp, 64
    mret
    .endm

    VEC_ENTRY vec_entry_0, 0
    VEC_ENTRY vec_entry_3, 3
    VEC_ENTRY vec_entry_7, 7
    VEC_ENTRY vec_entry_11, 11
    VEC_ENTRY vec_entry_bad, 0x100
    .option pop
