/*
 * Machine timer interrupt (CLINT mtimecmp) and machine software interrupt
 * (CLINT msip): pending bits in mip follow the sources, nothing is taken
 * while mstatus.MIE is clear, the handler sees the right mcause, a one-shot
 * and a periodic timer fire the expected number of times, never early.
 */
#include <stdint.h>

#include "guest_check.h"
#include "npu_abi/memory_map.h"
#include "vprt/rt.h"

#define DELTA (VP_CLINT_MTIME_HZ / 10000u) /* 100 us */
#define SPIN_LIMIT 20000000u

static volatile uint32_t s_mti, s_msi, s_cause, s_early, s_mstatus;
static volatile uint64_t s_deadline;
static volatile uint32_t s_periodic_left;

static void on_timer(uint32_t irq) {
    (void)irq;
    s_mti++;
    s_cause = VP_CSR_READ(mcause);
    s_mstatus = VP_CSR_READ(mstatus);
    if (vp_clint_mtime() < s_deadline) s_early++;
    if (s_periodic_left > 0u) {
        s_periodic_left--;
        s_deadline += DELTA;
        vp_clint_set_mtimecmp(s_periodic_left > 0u ? s_deadline : UINT64_MAX);
    } else {
        vp_clint_set_mtimecmp(UINT64_MAX);
    }
}

static void on_soft(uint32_t irq) {
    (void)irq;
    s_msi++;
    s_cause = VP_CSR_READ(mcause);
    vp_clint_set_msip(0);
}

static int spin_until(volatile uint32_t* counter, uint32_t value) {
    for (uint32_t i = 0; i < SPIN_LIMIT; ++i)
        if (*counter >= value) return 1;
    return 0;
}

int main(void) {
    vp_irq_register(VP_IRQ_MTI, on_timer);
    vp_irq_register(VP_IRQ_MSI, on_soft);
    vp_clint_set_mtimecmp(UINT64_MAX);
    CHECK(1, guest_wait_mip(VP_MIE_MTIE, 0));

    /* pending without the global enable: mip.MTIP set, nothing taken */
    VP_CSR_SET(mie, VP_MIE_MTIE);
    vp_clint_set_mtimecmp(0);
    CHECK(2, guest_wait_mip(VP_MIE_MTIE, 1));
    CHECK(3, s_mti == 0u);
    vp_clint_set_mtimecmp(UINT64_MAX);
    CHECK(4, guest_wait_mip(VP_MIE_MTIE, 0));

    /* one shot */
    s_deadline = vp_clint_mtime() + DELTA;
    vp_clint_set_mtimecmp(s_deadline);
    vp_irq_global_enable();
    CHECK(5, spin_until(&s_mti, 1u));
    CHECK(6, s_cause == (VP_MCAUSE_INTERRUPT | VP_IRQ_MTI));
    CHECK(7, s_early == 0u);
    /* in the handler: MIE cleared, MPIE = the old MIE, MPP = M; mret restored MIE */
    CHECK(19, (s_mstatus & (VP_MSTATUS_MIE | VP_MSTATUS_MPIE | VP_MSTATUS_MPP)) ==
                  (VP_MSTATUS_MPIE | VP_MSTATUS_MPP));
    CHECK(20, (VP_CSR_READ(mstatus) & VP_MSTATUS_MIE) != 0u);
    CHECK(8, guest_wait_mip(VP_MIE_MTIE, 0));
    for (volatile uint32_t i = 0; i < 10000u; ++i) {
    }
    CHECK(9, s_mti == 1u);

    /* periodic: 5 more */
    s_periodic_left = 5u;
    s_deadline = vp_clint_mtime() + DELTA;
    vp_clint_set_mtimecmp(s_deadline);
    CHECK(10, spin_until(&s_mti, 6u));
    CHECK(11, s_early == 0u);
    for (volatile uint32_t i = 0; i < 10000u; ++i) {
    }
    CHECK(12, s_mti == 6u);

    /* a pending interrupt masked by mie.MTIE is not taken */
    VP_CSR_CLEAR(mie, VP_MIE_MTIE);
    vp_clint_set_mtimecmp(0);
    for (volatile uint32_t i = 0; i < 1000u; ++i) {
    }
    CHECK(13, s_mti == 6u);
    s_deadline = 0;
    VP_CSR_SET(mie, VP_MIE_MTIE); /* taken right away */
    CHECK(14, spin_until(&s_mti, 7u));
    VP_CSR_CLEAR(mie, VP_MIE_MTIE);

    /* software interrupt through CLINT msip */
    VP_CSR_SET(mie, VP_MIE_MSIE);
    vp_clint_set_msip(1);
    CHECK(15, spin_until(&s_msi, 1u));
    CHECK(16, s_cause == (VP_MCAUSE_INTERRUPT | VP_IRQ_MSI));
    CHECK(17, guest_wait_mip(VP_MIE_MSIE, 0));
    VP_CSR_CLEAR(mie, VP_MIE_MSIE);
    vp_irq_global_disable();
    CHECK(18, vp_rt_interrupts_taken == 8u);
    return guest_pass();
}
