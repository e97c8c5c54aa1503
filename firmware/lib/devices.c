/* Small drivers for the QEMU-virt-compatible devices: 16550 UART, CLINT, PLIC, syscon. */
#include <stdint.h>

#include "npu_abi/memory_map.h"
#include "vprt/mmio.h"
#include "vprt/rt.h"

void vp_uart_putc(char c) {
    while ((vp_mmio_read8(VP_UART_BASE + VP_UART_LSR) & VP_UART_LSR_THRE) == 0u) {
    }
    vp_mmio_write8(VP_UART_BASE + VP_UART_THR, (uint8_t)c);
}

void vp_uart_puts(const char* s) {
    while (*s)
        vp_uart_putc(*s++);
}

void vp_uart_put_hex32(uint32_t v) {
    static const char digits[] = "0123456789abcdef";
    vp_uart_puts("0x");
    for (int i = 28; i >= 0; i -= 4)
        vp_uart_putc(digits[(v >> i) & 0xfu]);
}

void vp_uart_put_dec(uint32_t v) {
    char buf[11];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    while (n > 0)
        vp_uart_putc(buf[--n]);
}

void vp_uart_set_ier(uint8_t ier) {
    vp_mmio_write8(VP_UART_BASE + VP_UART_IER, ier);
}

uint64_t vp_clint_mtime(void) {
    uint32_t hi, lo;
    do {
        hi = vp_mmio_read32(VP_CLINT_BASE + VP_CLINT_MTIME + 4u);
        lo = vp_mmio_read32(VP_CLINT_BASE + VP_CLINT_MTIME);
    } while (hi != vp_mmio_read32(VP_CLINT_BASE + VP_CLINT_MTIME + 4u));
    return ((uint64_t)hi << 32) | lo;
}

void vp_clint_set_mtimecmp(uint64_t t) {
    /* lo = max first so no transient (new hi, old lo) value fires early */
    vp_mmio_write32(VP_CLINT_BASE + VP_CLINT_MTIMECMP, 0xffffffffu);
    vp_mmio_write32(VP_CLINT_BASE + VP_CLINT_MTIMECMP + 4u, (uint32_t)(t >> 32));
    vp_mmio_write32(VP_CLINT_BASE + VP_CLINT_MTIMECMP, (uint32_t)t);
}

void vp_clint_set_msip(int on) {
    vp_mmio_write32(VP_CLINT_BASE + VP_CLINT_MSIP, on ? 1u : 0u);
}

void vp_plic_set_priority(uint32_t src, uint32_t prio) {
    vp_mmio_write32(VP_PLIC_BASE + VP_PLIC_PRIORITY(src), prio);
}

void vp_plic_enable(uint32_t src, int on) {
    const uint32_t addr = VP_PLIC_BASE + VP_PLIC_ENABLE + 4u * (src / 32u);
    const uint32_t bit = 1u << (src % 32u);
    uint32_t v = vp_mmio_read32(addr);
    vp_mmio_write32(addr, on ? (v | bit) : (v & ~bit));
}

void vp_plic_set_threshold(uint32_t t) {
    vp_mmio_write32(VP_PLIC_BASE + VP_PLIC_THRESHOLD, t);
}
uint32_t vp_plic_claim(void) {
    return vp_mmio_read32(VP_PLIC_BASE + VP_PLIC_CLAIM);
}
void vp_plic_complete(uint32_t src) {
    vp_mmio_write32(VP_PLIC_BASE + VP_PLIC_CLAIM, src);
}

void vp_syscon_exit(int status) {
    const uint32_t code = (uint32_t)status & 0xffffu;
    vp_mmio_write32(
        VP_SYSCON_BASE + VP_SYSCON_FINISHER,
        code == 0u ? VP_SYSCON_FINISHER_PASS : (VP_SYSCON_FINISHER_FAIL | (code << 16)));
    for (;;)
        __asm__ volatile("wfi");
}
