/* Access sites for misaligned.c: the first instruction of each function is the access. */
    .section .text.misaligned_sites, "ax", @progbits
    .option push
    .option norvc
    .balign 4
    .macro SITE name
    .globl \name
    .type \name, @function
\name:
    .endm
SITE trap_load_half
    lh      a0, 0(a0)
    ret
SITE trap_load_half_u
    lhu     a0, 0(a0)
    ret
SITE trap_load_word
    lw      a0, 0(a0)
    ret
SITE trap_store_half
    sh      a1, 0(a0)
    ret
SITE trap_store_word
    sw      a1, 0(a0)
    ret
    .option pop
