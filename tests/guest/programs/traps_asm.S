/*
 * Trap sites for traps.c: each function's first instruction traps (its
 * address is the expected mepc). Loads and stores take the address in a0
 * (and the value in a1); after the handler skips the instruction they return.
 */
    .section .text.trap_sites, "ax", @progbits
    .option push
    .option norvc
    .balign 4

    .macro SITE name
    .globl \name
    .type \name, @function
\name:
    .endm

SITE trap_illegal_csr
    .4byte  0xc0001073                  /* csrrw x0, cycle, x0: write to a read-only CSR */
    ret
SITE trap_illegal_csr_unknown
    .4byte  0x7c002573                  /* csrrs a0, 0x7c0, x0: a CSR that does not exist */
    ret
SITE trap_illegal_opcode
    .4byte  0x0000006b                  /* reserved major opcode */
    ret
SITE trap_load_byte
    lbu     a0, 0(a0)
    ret
SITE trap_load_word
    lw      a0, 0(a0)
    ret
SITE trap_store_byte
    sb      a1, 0(a0)
    ret
SITE trap_store_word
    sw      a1, 0(a0)
    ret
SITE trap_ecall
    ecall
    ret
SITE trap_ebreak
    ebreak
    ret
SITE trap_jump                          /* jump to a0; a fetch fault returns to ra */
    jr      a0
    .option rvc
    .balign 4
SITE trap_cebreak
    c.ebreak
    c.jr    ra
SITE trap_illegal_c
    .2byte  0x0000                      /* the defined-illegal 16-bit encoding */
    c.jr    ra
    .option pop
