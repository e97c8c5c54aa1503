/*
 * Trap dispatch: local interrupts to registered handlers, machine external
 * interrupts through PLIC claim/complete to per-source handlers, exceptions
 * to an optional hook. Anything unhandled is reported on the UART (without
 * printf: this may run in any context) and ends the run with a distinct
 * status (VP_RT_EXIT_*).
 */
#include <stddef.h>
#include <stdint.h>

#include "npu_abi/memory_map.h"
#include "vprt/rt.h"

void vp_trap_dispatch(struct vp_trap_frame* f);

static vp_irq_handler s_irq_handlers[32];
static vp_plic_handler s_plic_handlers[VP_PLIC_NUM_SOURCES];
static vp_exception_handler s_exception_handler;
volatile uint32_t vp_rt_interrupts_taken;

void vp_irq_register(uint32_t irq, vp_irq_handler handler) {
    if (irq < 32u) s_irq_handlers[irq] = handler;
}

void vp_plic_register(uint32_t src, vp_plic_handler handler) {
    if (src == 0u || src >= VP_PLIC_NUM_SOURCES) return;
    s_plic_handlers[src] = handler;
    vp_plic_set_priority(src, handler ? 1u : 0u);
    vp_plic_enable(src, handler != NULL);
}

void vp_exception_register(vp_exception_handler handler) {
    s_exception_handler = handler;
}

static const char* exception_name(uint32_t code) {
    switch (code) {
        case VP_EXC_INSN_MISALIGNED:
            return "instruction address misaligned";
        case VP_EXC_INSN_ACCESS:
            return "instruction access fault";
        case VP_EXC_ILLEGAL_INSN:
            return "illegal instruction";
        case VP_EXC_BREAKPOINT:
            return "breakpoint";
        case VP_EXC_LOAD_MISALIGNED:
            return "load address misaligned";
        case VP_EXC_LOAD_ACCESS:
            return "load access fault";
        case VP_EXC_STORE_MISALIGNED:
            return "store address misaligned";
        case VP_EXC_STORE_ACCESS:
            return "store access fault";
        case VP_EXC_ECALL_M:
            return "environment call from M-mode";
        default:
            return "unknown";
    }
}

/* One line: "*** unhandled exception (illegal instruction): mcause=... mepc=... mtval=..." */
static void report(const char* what, const char* detail, const struct vp_trap_frame* f) {
    vp_uart_puts("\n*** ");
    vp_uart_puts(what);
    vp_uart_puts(" (");
    vp_uart_puts(detail);
    vp_uart_puts("): mcause=");
    vp_uart_put_hex32(f->mcause);
    vp_uart_puts(" mepc=");
    vp_uart_put_hex32(f->mepc);
    vp_uart_puts(" mtval=");
    vp_uart_put_hex32(f->mtval);
    vp_uart_puts("\n");
}

static void dispatch_external(void) {
    uint32_t src;
    while ((src = vp_plic_claim()) != 0u) {
        vp_plic_handler h = src < VP_PLIC_NUM_SOURCES ? s_plic_handlers[src] : NULL;
        if (h == NULL) {
            /* Mask it so a stuck level line cannot livelock the hart. */
            vp_uart_puts("\n*** spurious PLIC source ");
            vp_uart_put_dec(src);
            vp_uart_puts("\n");
            vp_plic_enable(src, 0);
            vp_plic_complete(src);
            vp_syscon_exit(VP_RT_EXIT_SPURIOUS_PLIC);
        }
        h(src);
        vp_plic_complete(src);
    }
}

void vp_trap_dispatch(struct vp_trap_frame* f) {
    const uint32_t cause = f->mcause;
    if (cause & VP_MCAUSE_INTERRUPT) {
        const uint32_t irq = cause & ~VP_MCAUSE_INTERRUPT;
        vp_rt_interrupts_taken++;
        if (irq < 32u && s_irq_handlers[irq] != NULL) {
            s_irq_handlers[irq](irq);
            return;
        }
        if (irq == VP_IRQ_MEI) {
            dispatch_external();
            return;
        }
        report("unhandled interrupt",
               irq == VP_IRQ_MTI ? "timer" : (irq == VP_IRQ_MSI ? "software" : "other"), f);
        vp_syscon_exit(VP_RT_EXIT_UNHANDLED_INTERRUPT);
    }
    if (s_exception_handler != NULL && s_exception_handler(f)) return;
    report("unhandled exception", exception_name(cause), f);
    vp_syscon_exit(VP_RT_EXIT_UNHANDLED_EXCEPTION);
}
