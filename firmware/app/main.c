/*
 * The platform firmware: the runtime vp_run loads when no --firmware is
 * given. For now it reports what it finds (misa, mhartid, a running mtime),
 * checks the machine timer interrupt with WFI, and exits 0. Later issues add
 * the NPU driver and the control modes (irq/call).
 */
#include <stdint.h>
#include <stdio.h>

#include "npu_abi/memory_map.h"
#include "vprt/rt.h"

#define FW_TIMER_DELTA (VP_CLINT_MTIME_HZ / 1000u) /* 1 ms */
#define FW_MTIME_SPIN_LIMIT 1000000u

static volatile uint32_t s_timer_ticks;

static void on_timer(uint32_t irq) {
    (void)irq;
    s_timer_ticks++;
    vp_clint_set_mtimecmp(UINT64_MAX); /* one shot: lowers MTIP */
}

static void print_misa(uint32_t misa) {
    const uint32_t mxl = misa >> 30;
    printf("misa: 0x%08lx rv%s", (unsigned long)misa, mxl == 1u ? "32" : (mxl == 2u ? "64" : "??"));
    for (uint32_t bit = 0; bit < 26u; ++bit)
        if (misa & (1u << bit)) putchar('a' + (int)bit);
    putchar('\n');
}

static int check_mtime(void) {
    const uint64_t t0 = vp_clint_mtime();
    for (uint32_t i = 0; i < FW_MTIME_SPIN_LIMIT; ++i)
        if (vp_clint_mtime() != t0) return 1;
    return 0;
}

static int check_timer_irq(void) {
    vp_irq_register(VP_IRQ_MTI, on_timer);
    const uint64_t start = vp_clint_mtime();
    vp_clint_set_mtimecmp(start + FW_TIMER_DELTA);
    VP_CSR_SET(mie, VP_MIE_MTIE);
    vp_irq_global_enable();
    while (s_timer_ticks == 0u)
        vp_wfi();
    vp_irq_global_disable();
    VP_CSR_CLEAR(mie, VP_MIE_MTIE);
    return vp_clint_mtime() >= start + FW_TIMER_DELTA;
}

int main(void) {
    printf("npu-vp firmware (rv32imc, M-mode)\n");
    print_misa(VP_CSR_READ(misa));
    printf("mhartid: %lu\n", (unsigned long)VP_CSR_READ(mhartid));
    if (!check_mtime()) {
        printf("mtime: stopped\n");
        return 1;
    }
    printf("mtime: running\n");
    if (!check_timer_irq()) {
        printf("timer interrupt: woke too early\n");
        return 2;
    }
    printf("timer interrupt: ok\n");
    printf("firmware: done\n");
    return 0;
}
