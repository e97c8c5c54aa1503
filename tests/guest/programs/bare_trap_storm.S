/*
 * A trap storm: the stack pointer is outside DRAM, so the trap handler's
 * first store faults and re-enters the handler, forever (each pass retires
 * an instruction, so it is not a plain trap loop). vp_run must stop with one
 * "trap storm" line and exit status 3 instead of running until
 * --max-cycles. vp_run only.
 */
    .section .text.init.enter, "ax", @progbits
    .globl _start
_start:
    la      t0, handler
    csrw    mtvec, t0
    li      sp, 0x00001000              /* no memory here */
    addi    sp, sp, -16
    sw      ra, 0(sp)                   /* store access fault */
1:  j       1b

    .balign 4
handler:
    addi    sp, sp, -16
    sw      ra, 0(sp)                   /* faults again: nested trap */
    lw      ra, 0(sp)
    addi    sp, sp, 16
    mret
