/*
 * A 1.75 GiB .bss (run with --dram-mb 2048): the loader must map it lazily
 * (it is zero already), not fill it page by page. The program checks that
 * both ends of the .bss read zero, writes the last word, and passes through
 * the syscon finisher. vp_run only.
 */
    .section .text.init.enter, "ax", @progbits
    .globl _start
_start:
    la      t0, big_bss
    lw      t1, 0(t0)
    bnez    t1, fail
    la      t0, big_bss_end
    lw      t1, -4(t0)
    bnez    t1, fail
    li      t1, 42
    sw      t1, -4(t0)
    lw      t2, -4(t0)
    bne     t1, t2, fail
    li      t0, 0x00100000              /* VP_SYSCON_BASE */
    li      t1, 0x5555                  /* VP_SYSCON_FINISHER_PASS */
    sw      t1, 0(t0)
1:  j       1b
fail:
    li      t0, 0x00100000
    li      t1, 0x00013333              /* VP_SYSCON_FINISHER_FAIL, code 1 */
    sw      t1, 0(t0)
2:  j       2b

    .section .bss
    .balign 4096
big_bss:
    .space  0x70000000
big_bss_end:
