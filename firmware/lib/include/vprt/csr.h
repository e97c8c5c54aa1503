/*
 * Machine-mode CSR access for the firmware runtime (RV32, Zicsr).
 * Numbers and bits are the privileged spec's; the platform implements M-mode only.
 */
#ifndef VPRT_CSR_H
#define VPRT_CSR_H

#include <stdint.h>

/* Each access enables Zicsr for its own instruction, so this header also
 * works in programs compiled with a plain -march=rv32imc (binutils 2.40
 * treats Zicsr as a separate extension). */
#define VP_ZICSR(insn) ".option push\n.option arch, +zicsr\n" insn "\n.option pop"
#define VP_CSR_READ(csr)                                                \
    ({                                                                  \
        uint32_t vp_csr_v_;                                             \
        __asm__ volatile(VP_ZICSR("csrr %0, " #csr) : "=r"(vp_csr_v_)); \
        vp_csr_v_;                                                      \
    })
#define VP_CSR_WRITE(csr, v) \
    __asm__ volatile(VP_ZICSR("csrw " #csr ", %0")::"r"((uint32_t)(v)) : "memory")
#define VP_CSR_SET(csr, v) \
    __asm__ volatile(VP_ZICSR("csrs " #csr ", %0")::"r"((uint32_t)(v)) : "memory")
#define VP_CSR_CLEAR(csr, v) \
    __asm__ volatile(VP_ZICSR("csrc " #csr ", %0")::"r"((uint32_t)(v)) : "memory")

#define VP_MSTATUS_MIE (1u << 3)
#define VP_MSTATUS_MPIE (1u << 7)
#define VP_MSTATUS_MPP (3u << 11)

/* Interrupt numbers (mcause code with bit 31 set; bit positions in mie/mip). */
#define VP_IRQ_MSI 3u
#define VP_IRQ_MTI 7u
#define VP_IRQ_MEI 11u
#define VP_MIE_MSIE (1u << VP_IRQ_MSI)
#define VP_MIE_MTIE (1u << VP_IRQ_MTI)
#define VP_MIE_MEIE (1u << VP_IRQ_MEI)

#define VP_MCAUSE_INTERRUPT 0x80000000u
/* Exception codes (mcause with bit 31 clear). */
#define VP_EXC_INSN_MISALIGNED 0u
#define VP_EXC_INSN_ACCESS 1u
#define VP_EXC_ILLEGAL_INSN 2u
#define VP_EXC_BREAKPOINT 3u
#define VP_EXC_LOAD_MISALIGNED 4u
#define VP_EXC_LOAD_ACCESS 5u
#define VP_EXC_STORE_MISALIGNED 6u
#define VP_EXC_STORE_ACCESS 7u
#define VP_EXC_ECALL_M 11u

#define VP_MTVEC_VECTORED 1u

static inline uint64_t vp_read_mcycle(void) {
    uint32_t hi, lo, hi2;
    do {
        hi = VP_CSR_READ(mcycleh);
        lo = VP_CSR_READ(mcycle);
        hi2 = VP_CSR_READ(mcycleh);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t vp_read_minstret(void) {
    uint32_t hi, lo, hi2;
    do {
        hi = VP_CSR_READ(minstreth);
        lo = VP_CSR_READ(minstret);
        hi2 = VP_CSR_READ(minstreth);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

static inline void vp_irq_global_enable(void) {
    VP_CSR_SET(mstatus, VP_MSTATUS_MIE);
}
static inline void vp_irq_global_disable(void) {
    VP_CSR_CLEAR(mstatus, VP_MSTATUS_MIE);
}
static inline void vp_wfi(void) {
    __asm__ volatile("wfi" ::: "memory");
}

#endif /* VPRT_CSR_H */
