/*
 * A bare-metal program with no runtime and no trap handler (mtvec is never
 * written): its first instruction is illegal. vp_run must stop with one
 * clear error line and exit status 3 (not hang, not crash). vp_run only:
 * on QEMU the hart would jump to mtvec = 0.
 */
    .section .text.init.enter, "ax", @progbits
    .globl _start
_start:
    .4byte  0xc0001073                  /* csrrw x0, cycle, x0: illegal */
1:  j       1b
