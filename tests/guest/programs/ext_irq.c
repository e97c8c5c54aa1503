/*
 * Machine external interrupt through the PLIC: the UART's THR-empty
 * interrupt (IER.ETBEI, PLIC source VP_IRQ_UART) is raised as soon as it is
 * enabled (the transmitter is idle). Checks: mip.MEIP with mie.MEIE clear
 * and nothing taken, the PLIC threshold masks it, the handler runs once
 * with the claimed source, clears ETBEI, and the runtime completes it.
 */
#include <stdint.h>

#include "guest_check.h"
#include "npu_abi/memory_map.h"
#include "vprt/mmio.h"
#include "vprt/rt.h"

#define SPIN_LIMIT 1000000u

static volatile uint32_t s_count, s_src, s_cause;

static void on_uart(uint32_t src) {
    s_count++;
    s_src = src;
    s_cause = VP_CSR_READ(mcause);
    vp_uart_set_ier(0); /* the line drops; the runtime then completes */
}

static void delay(void) {
    for (volatile uint32_t i = 0; i < 2000u; ++i) {
    }
}

static int plic_pending(uint32_t src) {
    return (vp_mmio_read32(VP_PLIC_BASE + VP_PLIC_PENDING + 4u * (src / 32u)) >> (src % 32u)) & 1u;
}

int main(void) {
    vp_plic_set_threshold(0);
    vp_plic_register(VP_IRQ_UART, on_uart);
    CHECK(1, guest_wait_mip(VP_MIE_MEIE, 0));

    /* raised but not enabled in mie: visible in mip, not taken */
    vp_irq_global_enable();
    vp_uart_set_ier(VP_UART_IER_ETBEI);
    CHECK(2, guest_wait_mip(VP_MIE_MEIE, 1));
    CHECK(3, plic_pending(VP_IRQ_UART));
    CHECK(4, s_count == 0u);

    /* threshold >= priority masks the source */
    vp_plic_set_threshold(1);
    CHECK(5, guest_wait_mip(VP_MIE_MEIE, 0));
    VP_CSR_SET(mie, VP_MIE_MEIE);
    delay();
    CHECK(6, s_count == 0u);

    /* threshold 0: taken once */
    vp_plic_set_threshold(0);
    for (uint32_t i = 0; i < SPIN_LIMIT && s_count == 0u; ++i) {
    }
    CHECK(7, s_count == 1u);
    CHECK(8, s_src == VP_IRQ_UART);
    CHECK(9, s_cause == (VP_MCAUSE_INTERRUPT | VP_IRQ_MEI));
    delay();
    CHECK(10, s_count == 1u);
    CHECK(11, guest_wait_mip(VP_MIE_MEIE, 0));
    CHECK(12, !plic_pending(VP_IRQ_UART));
    CHECK(13, vp_plic_claim() == 0u); /* nothing left to claim */

    /* again, to see complete re-arms the gateway */
    vp_uart_set_ier(VP_UART_IER_ETBEI);
    for (uint32_t i = 0; i < SPIN_LIMIT && s_count == 1u; ++i) {
    }
    CHECK(14, s_count == 2u);
    vp_irq_global_disable();
    VP_CSR_CLEAR(mie, VP_MIE_MEIE);
    vp_plic_register(VP_IRQ_UART, NULL);
    return guest_pass();
}
