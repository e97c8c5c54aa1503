/*
 * SoC memory map: the one place every address of the platform is defined.
 * Included by the firmware (C, rv32), the SystemC models and the host tools.
 *
 * The layout follows QEMU's riscv32 "virt" machine wherever a block exists
 * there (test finisher, CLINT, PLIC, 16550 UART, DRAM at 0x80000000), so a
 * bare-metal ELF linked for QEMU virt runs here unchanged and our guest tests
 * can be cross-checked on QEMU. Blocks QEMU virt lacks (on-chip SRAM, NPU)
 * sit in holes of its map.
 *
 *   base         size        block                    notes
 *   0x0010_0000  0x1000      syscon (sifive_test)     guest ends the run; FW_STEP
 *   0x0200_0000  0x1_0000    CLINT                    msip, mtimecmp, mtime
 *   0x0800_0000  --sram-kb   on-chip SRAM             firmware code/data
 *   0x0C00_0000  0x400_0000  PLIC                     level IRQs, claim/complete
 *   0x1000_0000  0x100       UART (16550 subset)      THR/LSR; lines to stdout
 *   0x1100_0000  0x1_0000    NPU registers            see npu_regs.h
 *   0x8000_0000  --dram-mb   DRAM                     shared by CPU and NPU DMA
 */
#ifndef NPU_ABI_MEMORY_MAP_H
#define NPU_ABI_MEMORY_MAP_H

#define VP_SYSCON_BASE 0x00100000u
#define VP_SYSCON_SIZE 0x00001000u
#define VP_CLINT_BASE 0x02000000u
#define VP_CLINT_SIZE 0x00010000u
#define VP_SRAM_BASE 0x08000000u
#define VP_SRAM_MAX_SIZE 0x04000000u /* the window; the populated size is --sram-kb */
#define VP_PLIC_BASE 0x0C000000u
#define VP_PLIC_SIZE 0x04000000u
#define VP_UART_BASE 0x10000000u
#define VP_UART_SIZE 0x00000100u
#define VP_NPU_BASE 0x11000000u
#define VP_NPU_SIZE 0x00010000u
#define VP_DRAM_BASE 0x80000000u
#define VP_DRAM_MAX_SIZE 0x80000000u /* the window; the populated size is --dram-mb */

/* syscon: sifive_test compatible finisher. Write FINISHER to end the run. */
#define VP_SYSCON_FINISHER 0x0u
#define VP_SYSCON_FINISHER_FAIL 0x3333u  /* status = value >> 16 */
#define VP_SYSCON_FINISHER_PASS 0x5555u  /* status 0 */
#define VP_SYSCON_FINISHER_RESET 0x7777u /* ends the run with status 0, as a reset would */
/* FW_STEP (RW, 32 bits, reset 0): the firmware writes its current step here so
 * waveforms show it (traced as "fw.step"); no other effect. Not in sifive_test:
 * QEMU virt ignores the write. Encoding: firmware/README.md. */
#define VP_SYSCON_FW_STEP 0x8u

/* CLINT (SiFive layout, hart 0). mtime ticks at VP_CLINT_MTIME_HZ. */
#define VP_CLINT_MSIP 0x0000u
#define VP_CLINT_MTIMECMP 0x4000u   /* 64-bit: lo at +0, hi at +4 */
#define VP_CLINT_MTIME 0xBFF8u      /* 64-bit: lo at +0, hi at +4 */
#define VP_CLINT_MTIME_HZ 10000000u /* 10 MHz, as QEMU virt's timebase-frequency */

/* PLIC (SiFive layout, one context: hart 0 M-mode). Sources 1..VP_PLIC_NUM_SOURCES-1. */
#define VP_PLIC_NUM_SOURCES 64u
#define VP_PLIC_PRIORITY(src) (0x000000u + 4u * (src)) /* 0 = never interrupts */
#define VP_PLIC_PENDING 0x001000u                      /* bit per source, 32 per word */
#define VP_PLIC_ENABLE 0x002000u                       /* bit per source, context 0 */
#define VP_PLIC_THRESHOLD 0x200000u
#define VP_PLIC_CLAIM 0x200004u /* read: claim highest pending; write: complete */
#define VP_PLIC_MAX_PRIORITY 7u

/* PLIC source numbers */
#define VP_IRQ_UART 10u
#define VP_IRQ_NPU 12u
#define VP_IRQ_TGEN 13u /* the platform demo's traffic generator */

/* UART: 16550 register subset (byte registers). */
#define VP_UART_THR 0x0u /* write: transmit byte; read: RBR (always 0, no input) */
#define VP_UART_IER 0x1u
#define VP_UART_IER_ETBEI 0x02u /* THR-empty interrupt enable */
#define VP_UART_IIR 0x2u        /* read: interrupt identification; write: FCR (ignored) */
#define VP_UART_IIR_THRI 0xC2u  /* FIFOs-enabled bits | THR-empty interrupt pending */
#define VP_UART_IIR_NONE 0xC1u  /* FIFOs-enabled bits | no interrupt pending */
#define VP_UART_LCR 0x3u
#define VP_UART_LCR_DLAB 0x80u /* offsets 0/1 become the divisor latch DLL/DLM */
#define VP_UART_MCR 0x4u
#define VP_UART_LSR 0x5u
#define VP_UART_LSR_THRE 0x20u /* transmit holding register empty: always set */
#define VP_UART_LSR_TEMT 0x40u
#define VP_UART_MSR 0x6u
#define VP_UART_SCR 0x7u

#endif /* NPU_ABI_MEMORY_MAP_H */
