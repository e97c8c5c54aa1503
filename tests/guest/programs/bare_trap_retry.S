/*
 * A trap storm through mret: the handler returns to the faulting
 * instruction without fixing anything (mepc unchanged), which faults again
 * with the same cause, forever. vp_run must stop with one "trap storm" line
 * and exit status 3. vp_run only.
 */
    .section .text.init.enter, "ax", @progbits
    .globl _start
_start:
    la      t0, handler
    csrw    mtvec, t0
    li      a0, 0
fault:
    .4byte  0xc0001073                  /* csrrw x0, cycle, x0: illegal */
1:  j       1b

    .balign 4
handler:
    addi    a0, a0, 1                   /* counts, but never moves mepc */
    mret
