#include "vprt/npu.h"

#include "npu_abi/memory_map.h"
#include "npu_abi/npu_regs.h"
#include "vprt/csr.h"
#include "vprt/mmio.h"
#include "vprt/rt.h"

volatile uint32_t vp_npu_irqs;
volatile uint32_t vp_npu_irq_bits;

static uint32_t npu_read(uint32_t off) {
    return vp_mmio_read32(VP_NPU_BASE + off);
}
static void npu_write(uint32_t off, uint32_t v) {
    vp_mmio_write32(VP_NPU_BASE + off, v);
}

/* Acknowledge everything the NPU raised (write 1 to clear) and remember it. */
static void npu_irq(uint32_t src) {
    (void)src;
    const uint32_t bits = npu_read(NPU_REG_IRQ_STATUS);
    npu_write(NPU_REG_IRQ_STATUS, bits);
    vp_npu_irq_bits |= bits;
    ++vp_npu_irqs;
}

void vp_npu_init(void) {
    vp_plic_register(VP_IRQ_NPU, npu_irq);
    vp_plic_set_threshold(0);
    VP_CSR_SET(mie, VP_MIE_MEIE);
    vp_irq_global_enable();
    npu_write(NPU_REG_CTRL, NPU_CTRL_IRQ_EN);
}

void vp_npu_start_list(const npu_desc_t* list, uint32_t count) {
    vp_npu_irq_bits = 0;
    npu_write(NPU_REG_DESC_BASE, (uint32_t)(uintptr_t)list);
    npu_write(NPU_REG_DESC_COUNT, count);
    npu_write(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_START);
}

void vp_npu_launch(const npu_desc_t* desc) {
    vp_npu_irq_bits = 0;
    const uint32_t* words = (const uint32_t*)desc;
    for (uint32_t i = 0; i < NPU_DESC_SIZE / 4u; ++i)
        npu_write(NPU_REG_LAUNCH_WORD(i), words[i]);
    npu_write(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
}

void vp_npu_launch_polled(const npu_desc_t* desc) {
    const uint32_t* words = (const uint32_t*)desc;
    for (uint32_t i = 0; i < NPU_DESC_SIZE / 4u; ++i)
        npu_write(NPU_REG_LAUNCH_WORD(i), words[i]);
    npu_write(NPU_REG_CTRL, NPU_CTRL_SRC_CALL | NPU_CTRL_START);
}

void vp_npu_clear_irq_status(void) {
    npu_write(NPU_REG_IRQ_STATUS, NPU_IRQ_DONE | NPU_IRQ_KERNEL | NPU_IRQ_ERROR);
}

uint32_t vp_npu_wait_irq(void) {
    /* Check and sleep with interrupts masked: WFI still wakes on a pending
     * interrupt, and the handler runs once MIE is set again, so an interrupt
     * between the check and the WFI cannot be lost. */
    for (;;) {
        vp_irq_global_disable();
        if (vp_npu_irq_bits & (NPU_IRQ_DONE | NPU_IRQ_ERROR)) break;
        __asm__ volatile("wfi");
        vp_irq_global_enable();
    }
    vp_irq_global_enable();
    return npu_read(NPU_REG_STATUS);
}

uint32_t vp_npu_wait_poll(void) {
    uint32_t status;
    do {
        status = npu_read(NPU_REG_STATUS);
    } while (status & NPU_STATUS_BUSY);
    return status;
}

uint32_t vp_npu_read(uint32_t off) {
    return npu_read(off);
}

uint64_t vp_npu_counter(uint32_t lo) {
    uint32_t hi, low;
    do { /* counters change only at kernel boundaries; read hi twice anyway */
        hi = npu_read(lo + 4u);
        low = npu_read(lo);
    } while (npu_read(lo + 4u) != hi);
    return ((uint64_t)hi << 32) | low;
}
