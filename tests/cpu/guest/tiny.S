/* A minimal bare-metal ELF for the loader tests: text, data, bss, symbols. */
    .section .text
    .globl _start
_start:
    la a0, counter
    lw a1, 0(a0)
    addi a1, a1, 1
    sw a1, 0(a0)
    ebreak
    .globl helper
helper:
    ret

    .section .data
    .globl magic
magic:
    .word 0x12345678

    .section .bss
    .globl counter
counter:
    .space 256
