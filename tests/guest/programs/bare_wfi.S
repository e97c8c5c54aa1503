/*
 * A bare-metal program that sleeps with every interrupt disabled: nothing can
 * ever wake it. vp_run must notice that the platform has stalled and stop with
 * one clear error line and exit status 3, never hang. vp_run only.
 */
    .section .text.init.enter, "ax", @progbits
    .globl _start
_start:
    csrw    mie, zero
    wfi
    j       _start
