/*
 * The firmware runtime: crt0, trap handling, UART stdio, exit to the syscon
 * finisher, and small drivers for the UART, CLINT and PLIC. Every program
 * linked with vprt (firmware, guest tests, benchmarks) gets:
 *   - stdout/stderr on the UART (picolibc tinystdio hooks), stdin empty;
 *   - exit(status) / return from main -> syscon finisher: status 0 writes PASS,
 *     anything else FAIL | status << 16, which ends the run (QEMU virt alike);
 *   - mtvec pointing at vp_trap_entry (direct mode) before main runs.
 */
#ifndef VPRT_RT_H
#define VPRT_RT_H

#include <stdint.h>

#include "npu_abi/memory_map.h"
#include "vprt/csr.h"

/* Exit statuses the runtime itself uses. Programs use small numbers (< 100). */
#define VP_RT_EXIT_UNHANDLED_EXCEPTION 100
#define VP_RT_EXIT_UNHANDLED_INTERRUPT 101
#define VP_RT_EXIT_SPURIOUS_PLIC 102

/* End the run through the syscon finisher. Never returns. */
__attribute__((noreturn)) void vp_syscon_exit(int status);

/* ---- UART (16550 subset) ---- */
/* Register offsets and bits: npu_abi/memory_map.h. */
void vp_uart_putc(char c);
void vp_uart_puts(const char* s);   /* no newline added */
void vp_uart_put_hex32(uint32_t v); /* "0x%08x" without printf: usable in trap context */
void vp_uart_put_dec(uint32_t v);
void vp_uart_set_ier(uint8_t ier);

/* ---- CLINT: mtime (10 MHz on QEMU virt and here), mtimecmp, msip ---- */
uint64_t vp_clint_mtime(void);
void vp_clint_set_mtimecmp(uint64_t t); /* written hi-first with a guard, race free */
void vp_clint_set_msip(int on);

/* ---- PLIC (context 0 = hart 0 M-mode) ---- */
void vp_plic_set_priority(uint32_t src, uint32_t prio);
void vp_plic_enable(uint32_t src, int on);
void vp_plic_set_threshold(uint32_t t);
uint32_t vp_plic_claim(void);
void vp_plic_complete(uint32_t src);

/* ---- Traps ---- */
/* Register frame saved by vp_trap_entry; handlers may change mepc (and GPRs). */
struct vp_trap_frame {
    uint32_t x[32]; /* x[0] unused (always 0) */
    uint32_t mepc;
    uint32_t mcause;
    uint32_t mtval;
    uint32_t mstatus;
};

/* The direct-mode entry crt0 installs; exported so a program can reinstall it. */
void vp_trap_entry(void);

/* Interrupt handler for a local interrupt (VP_IRQ_MSI/MTI/MEI): called with
 * the interrupt number. Registering VP_IRQ_MEI replaces the PLIC dispatch. */
typedef void (*vp_irq_handler)(uint32_t irq);
void vp_irq_register(uint32_t irq, vp_irq_handler handler);

/* Handler for PLIC source src (1..VP_PLIC_NUM_SOURCES-1). The runtime claims,
 * calls it and completes. vp_plic_register also enables the source with
 * priority 1; the caller still enables mie.MEIE and mstatus.MIE. */
typedef void (*vp_plic_handler)(uint32_t src);
void vp_plic_register(uint32_t src, vp_plic_handler handler);

/* Exception hook: return nonzero if handled (adjust f->mepc to skip the
 * instruction); zero falls through to the runtime's report-and-exit. */
typedef int (*vp_exception_handler)(struct vp_trap_frame* f);
void vp_exception_register(vp_exception_handler handler);

/* Counters the runtime keeps (for banners and tests). */
extern volatile uint32_t vp_rt_interrupts_taken;

#endif /* VPRT_RT_H */
