/*
 * WFI wake-up by the machine timer: with interrupts enabled (the handler
 * runs, then execution continues after wfi) and with mstatus.MIE clear
 * (wfi returns once MTIP is pending, no trap is taken). Never wakes early.
 */
#include <stdint.h>

#include "guest_check.h"
#include "npu_abi/memory_map.h"
#include "vprt/rt.h"

#define DELTA (VP_CLINT_MTIME_HZ / 1000u) /* 1 ms */

static volatile uint32_t s_mti;

static void on_timer(uint32_t irq) {
    (void)irq;
    s_mti++;
    vp_clint_set_mtimecmp(UINT64_MAX);
}

int main(void) {
    vp_irq_register(VP_IRQ_MTI, on_timer);
    vp_clint_set_mtimecmp(UINT64_MAX);
    VP_CSR_SET(mie, VP_MIE_MTIE);

    /* 1: interrupts on */
    uint64_t deadline = vp_clint_mtime() + DELTA;
    vp_clint_set_mtimecmp(deadline);
    vp_irq_global_enable();
    uint32_t wakes = 0;
    while (s_mti == 0u && wakes < 1000u) {
        vp_wfi();
        wakes++;
    }
    vp_irq_global_disable();
    CHECK(1, s_mti == 1u);
    CHECK(2, vp_clint_mtime() >= deadline);

    /* 2: interrupts off: wfi still wakes on a pending, enabled interrupt */
    deadline = vp_clint_mtime() + DELTA;
    vp_clint_set_mtimecmp(deadline);
    wakes = 0;
    while ((VP_CSR_READ(mip) & VP_MIE_MTIE) == 0u && wakes < 1000u) {
        vp_wfi();
        wakes++;
    }
    CHECK(3, (VP_CSR_READ(mip) & VP_MIE_MTIE) != 0u);
    CHECK(4, vp_clint_mtime() >= deadline);
    CHECK(5, s_mti == 1u); /* not taken */
    vp_clint_set_mtimecmp(UINT64_MAX);
    CHECK(6, guest_wait_mip(VP_MIE_MTIE, 0));

    /* 3: an already pending interrupt: wfi returns at once */
    vp_clint_set_mtimecmp(0);
    vp_wfi();
    CHECK(7, guest_wait_mip(VP_MIE_MTIE, 1)); /* wfi may also return early */
    vp_clint_set_mtimecmp(UINT64_MAX);
    VP_CSR_CLEAR(mie, VP_MIE_MTIE);
    return guest_pass();
}
