/*
 * crt0: the first instructions the hart runs (ELF entry _start).
 * Sets gp and sp, parks harts other than 0, installs the trap entry, copies
 * .data from its load address when that differs (ROM-style images), zeroes
 * .bss (including .tbss), points tp at the TLS block (picolibc keeps errno
 * there), runs constructors, then exit(main(0, 0)).
 */
    .section .text.init.enter, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack
    csrr    t0, mhartid
    bnez    t0, .Lpark

    la      t0, vp_trap_entry
    csrw    mtvec, t0

    /* .data (+ .tdata): copy word by word, skipped when loaded in place. */
    la      a0, __data_start
    la      a1, __data_source
    la      a2, __data_end
    beq     a0, a1, .Lcopy_done
.Lcopy:
    bgeu    a0, a2, .Lcopy_done
    lw      t0, 0(a1)
    sw      t0, 0(a0)
    addi    a0, a0, 4
    addi    a1, a1, 4
    j       .Lcopy
.Lcopy_done:

    /* .tbss + .bss */
    la      a0, __bss_start
    la      a1, __bss_end
.Lzero:
    bgeu    a0, a1, .Lzero_done
    sw      zero, 0(a0)
    addi    a0, a0, 4
    j       .Lzero
.Lzero_done:

    la      tp, __tls_base

    call    __libc_init_array
    li      a0, 0
    li      a1, 0
    call    main
    call    exit
.Lpark:
    wfi
    j       .Lpark
    .size _start, . - _start
