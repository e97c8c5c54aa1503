/*
 * Vectored mtvec mode (mtvec.MODE = 1): the timer interrupt enters at
 * base + 4*7, the software interrupt at base + 4*3, the external interrupt
 * at base + 4*11 and exceptions (ecall) at base. mtvec reads back as written.
 */
#include <stdint.h>

#include "guest_check.h"
#include "npu_abi/memory_map.h"
#include "vprt/rt.h"

#define SPIN_LIMIT 10000000u

extern const char vec_table[];
void vec_handler(uint32_t entry, uint32_t cause);

static volatile uint32_t s_hits[12], s_bad, s_last_cause;

void vec_handler(uint32_t entry, uint32_t cause) {
    s_last_cause = cause;
    if (entry >= 12u) {
        s_bad++;
        vp_clint_set_mtimecmp(UINT64_MAX);
        vp_clint_set_msip(0);
        vp_uart_set_ier(0);
        return;
    }
    s_hits[entry]++;
    switch (entry) {
        case 0:
            VP_CSR_WRITE(mepc, VP_CSR_READ(mepc) + 4u);
            break; /* ecall */
        case VP_IRQ_MSI:
            vp_clint_set_msip(0);
            break;
        case VP_IRQ_MTI:
            vp_clint_set_mtimecmp(UINT64_MAX);
            break;
        case VP_IRQ_MEI: {
            const uint32_t src = vp_plic_claim();
            if (src == VP_IRQ_UART) vp_uart_set_ier(0);
            vp_plic_complete(src);
            break;
        }
        default:
            break;
    }
}

static int spin_until(volatile uint32_t* counter, uint32_t value) {
    for (uint32_t i = 0; i < SPIN_LIMIT; ++i)
        if (*counter >= value) return 1;
    return 0;
}

int main(void) {
    const uint32_t base = (uint32_t)(uintptr_t)vec_table;
    vp_clint_set_mtimecmp(UINT64_MAX);
    VP_CSR_WRITE(mtvec, base | VP_MTVEC_VECTORED);
    CHECK(1, VP_CSR_READ(mtvec) == (base | VP_MTVEC_VECTORED));

    __asm__ volatile(".option push\n.option norvc\necall\n.option pop" ::: "memory");
    CHECK(2, s_hits[0] == 1u);
    CHECK(3, s_last_cause == VP_EXC_ECALL_M);

    VP_CSR_SET(mie, VP_MIE_MTIE | VP_MIE_MSIE | VP_MIE_MEIE);
    vp_irq_global_enable();
    vp_clint_set_mtimecmp(vp_clint_mtime() + 100u);
    CHECK(4, spin_until(&s_hits[VP_IRQ_MTI], 1u));
    CHECK(5, s_last_cause == (VP_MCAUSE_INTERRUPT | VP_IRQ_MTI));

    vp_clint_set_msip(1);
    CHECK(6, spin_until(&s_hits[VP_IRQ_MSI], 1u));
    CHECK(7, s_last_cause == (VP_MCAUSE_INTERRUPT | VP_IRQ_MSI));

    vp_plic_set_threshold(0);
    vp_plic_set_priority(VP_IRQ_UART, 1);
    vp_plic_enable(VP_IRQ_UART, 1);
    vp_uart_set_ier(VP_UART_IER_ETBEI);
    CHECK(8, spin_until(&s_hits[VP_IRQ_MEI], 1u));
    CHECK(9, s_last_cause == (VP_MCAUSE_INTERRUPT | VP_IRQ_MEI));
    vp_irq_global_disable();
    VP_CSR_CLEAR(mie, VP_MIE_MTIE | VP_MIE_MSIE | VP_MIE_MEIE);
    vp_plic_enable(VP_IRQ_UART, 0);

    CHECK(10, s_bad == 0u);
    CHECK(11, s_hits[0] == 1u && s_hits[VP_IRQ_MTI] == 1u && s_hits[VP_IRQ_MSI] == 1u &&
                  s_hits[VP_IRQ_MEI] == 1u);
    VP_CSR_WRITE(mtvec, (uint32_t)(uintptr_t)vp_trap_entry);
    return guest_pass();
}
