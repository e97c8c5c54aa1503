/* Volatile MMIO accessors for the platform's devices (addresses from npu_abi/memory_map.h). */
#ifndef VPRT_MMIO_H
#define VPRT_MMIO_H

#include <stdint.h>

static inline void vp_mmio_write8(uint32_t addr, uint8_t v) {
    *(volatile uint8_t*)(uintptr_t)addr = v;
}
static inline uint8_t vp_mmio_read8(uint32_t addr) {
    return *(volatile uint8_t*)(uintptr_t)addr;
}
static inline void vp_mmio_write32(uint32_t addr, uint32_t v) {
    *(volatile uint32_t*)(uintptr_t)addr = v;
}
static inline uint32_t vp_mmio_read32(uint32_t addr) {
    return *(volatile uint32_t*)(uintptr_t)addr;
}

#endif /* VPRT_MMIO_H */
