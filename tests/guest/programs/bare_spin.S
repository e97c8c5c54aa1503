/*
 * A bare-metal program that never ends: vp_run --max-cycles must stop it
 * with one clear error line and exit status 3. vp_run only.
 */
    .section .text.init.enter, "ax", @progbits
    .globl _start
_start:
    addi    a0, a0, 1
    j       _start
