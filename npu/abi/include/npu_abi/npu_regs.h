/*
 * NPU register map (C99; shared by firmware, the SystemC model and host tools).
 * The block sits at VP_NPU_BASE (memory_map.h); its interrupt is PLIC source
 * VP_IRQ_NPU. All registers are 32 bits wide and must be accessed as aligned
 * 32-bit words; anything else gets a TLM error response.
 *
 *   offset  name          reset       access  meaning
 *   0x000   ID            0x4E505531  RO      "NPU1"
 *   0x004   VERSION       0x00010000  RO      major.minor (16.16)
 *   0x008   CTRL          0           RW      START(0, self-clearing), RESET(1, self-clearing),
 *                                             IRQ_EN(2), SRC_CALL(3): START runs the launch
 *                                             window (call mode) instead of the descriptor list
 *   0x00C   STATUS        0           RO      BUSY(0), DONE(1), ERROR(2), ERR_CODE[15:8]
 *   0x010   IRQ_STATUS    0           W1C     DONE(0): list/launch finished, KERNEL(1): a kernel
 *                                             with NPU_DESC_F_IRQ finished, ERROR(2)
 *   0x014   DESC_BASE     0           RW      DRAM address of the descriptor list (irq mode)
 *   0x018   DESC_COUNT    0           RW      number of descriptors in the list
 *   0x01C   KERNEL_INDEX  0           RO      list index of the running (or failing) kernel
 *   0x020   KERNELS_DONE  0           RO      kernels completed since RESET
 *   0x030   CYCLES_LO/HI  0           RO      performance counters, 64 bits as LO/HI pairs,
 *   0x038   MACS_LO/HI                        cumulative since RESET, updated at the end of
 *   0x040   DRAM_RD_LO/HI                     each kernel (so LO/HI read while idle agree)
 *   0x048   DRAM_WR_LO/HI
 *   0x050   STALL_LO/HI
 *   0x100   LAUNCH        0           RW      NPU_DESC_SIZE bytes: one descriptor (call mode)
 *
 * The interrupt line is (IRQ_STATUS != 0) && CTRL.IRQ_EN. A descriptor with a
 * bad field stops the run with STATUS.ERROR, ERR_CODE and IRQ_STATUS.ERROR
 * before any of its data moves; KERNEL_INDEX then names it.
 *
 * irq mode: write DESC_BASE, DESC_COUNT, then CTRL = IRQ_EN | START. The NPU
 * fetches descriptor i from DESC_BASE + i * NPU_DESC_SIZE and runs it, up to
 * DESC_COUNT or a descriptor flagged NPU_DESC_F_LAST, then sets STATUS.DONE
 * and IRQ_STATUS.DONE. call mode: write the descriptor's words to LAUNCH,
 * then CTRL = IRQ_EN | SRC_CALL | START; completion as above (or poll STATUS).
 */
#ifndef NPU_ABI_NPU_REGS_H
#define NPU_ABI_NPU_REGS_H

#include <stdint.h>

#include "descriptor.h"

/* Access rules of the register table. */
#define NPU_ACCESS_RO 0u  /* writes ignored */
#define NPU_ACCESS_RW 1u  /* written value masked by the register's write mask */
#define NPU_ACCESS_W1C 2u /* writing 1 clears that bit */

/* The one register list: X(NAME, offset, reset, access, write_mask). */
#define NPU_REG_LIST(X)                                            \
    X(ID, 0x000u, 0x4E505531u, NPU_ACCESS_RO, 0x00000000u)         \
    X(VERSION, 0x004u, 0x00010000u, NPU_ACCESS_RO, 0x00000000u)    \
    X(CTRL, 0x008u, 0x00000000u, NPU_ACCESS_RW, 0x0000000Fu)       \
    X(STATUS, 0x00Cu, 0x00000000u, NPU_ACCESS_RO, 0x00000000u)     \
    X(IRQ_STATUS, 0x010u, 0x00000000u, NPU_ACCESS_W1C, 0x7u)       \
    X(DESC_BASE, 0x014u, 0x00000000u, NPU_ACCESS_RW, 0xFFFFFFFFu)  \
    X(DESC_COUNT, 0x018u, 0x00000000u, NPU_ACCESS_RW, 0xFFFFFFFFu) \
    X(KERNEL_INDEX, 0x01Cu, 0x00000000u, NPU_ACCESS_RO, 0x0u)      \
    X(KERNELS_DONE, 0x020u, 0x00000000u, NPU_ACCESS_RO, 0x0u)      \
    X(CYCLES_LO, 0x030u, 0x00000000u, NPU_ACCESS_RO, 0x0u)         \
    X(CYCLES_HI, 0x034u, 0x00000000u, NPU_ACCESS_RO, 0x0u)         \
    X(MACS_LO, 0x038u, 0x00000000u, NPU_ACCESS_RO, 0x0u)           \
    X(MACS_HI, 0x03Cu, 0x00000000u, NPU_ACCESS_RO, 0x0u)           \
    X(DRAM_RD_LO, 0x040u, 0x00000000u, NPU_ACCESS_RO, 0x0u)        \
    X(DRAM_RD_HI, 0x044u, 0x00000000u, NPU_ACCESS_RO, 0x0u)        \
    X(DRAM_WR_LO, 0x048u, 0x00000000u, NPU_ACCESS_RO, 0x0u)        \
    X(DRAM_WR_HI, 0x04Cu, 0x00000000u, NPU_ACCESS_RO, 0x0u)        \
    X(STALL_LO, 0x050u, 0x00000000u, NPU_ACCESS_RO, 0x0u)          \
    X(STALL_HI, 0x054u, 0x00000000u, NPU_ACCESS_RO, 0x0u)

/* NPU_REG_<NAME> = offset, NPU_REG_<NAME>_RESET, NPU_REG_<NAME>_ACCESS, NPU_REG_<NAME>_MASK */
enum {
#define NPU_X_OFFSET(name, off, reset, acc, mask) NPU_REG_##name = off,
    NPU_REG_LIST(NPU_X_OFFSET)
#undef NPU_X_OFFSET
        NPU_REG_LAUNCH = 0x100
};
#define NPU_X_CONSTS(name, off, reset, acc, mask)           \
    static const uint32_t NPU_REG_##name##_RESET = (reset); \
    static const uint32_t NPU_REG_##name##_ACCESS = (acc);  \
    static const uint32_t NPU_REG_##name##_MASK = (mask);
NPU_REG_LIST(NPU_X_CONSTS)
#undef NPU_X_CONSTS

/* Number of registers in the list (the launch window not included). */
enum {
#define NPU_X_INDEX(name, off, reset, acc, mask) NPU_REG_INDEX_##name,
    NPU_REG_LIST(NPU_X_INDEX)
#undef NPU_X_INDEX
        NPU_REG_COUNT
};
#define NPU_REG_LAUNCH_SIZE NPU_DESC_SIZE
/* Word offset of descriptor word i inside the launch window. */
#define NPU_REG_LAUNCH_WORD(i) (NPU_REG_LAUNCH + 4u * (uint32_t)(i))

/* CTRL bits */
#define NPU_CTRL_START (1u << 0) /* self-clearing: begin (ignored while BUSY) */
/* self-clearing, ignored while BUSY: every register back to its reset value
 * (IRQ_EN as written with RESET), counters cleared, resident weights forgotten */
#define NPU_CTRL_RESET (1u << 1)
#define NPU_CTRL_IRQ_EN (1u << 2)   /* drive the interrupt line from IRQ_STATUS */
#define NPU_CTRL_SRC_CALL (1u << 3) /* START runs the launch window, not the list */

/* STATUS bits */
#define NPU_STATUS_BUSY (1u << 0)
#define NPU_STATUS_DONE (1u << 1)
#define NPU_STATUS_ERROR (1u << 2)
#define NPU_STATUS_ERR_SHIFT 8u
#define NPU_STATUS_ERR_MASK (0xFFu << NPU_STATUS_ERR_SHIFT)
#define NPU_STATUS_ERR(status) (((status)&NPU_STATUS_ERR_MASK) >> NPU_STATUS_ERR_SHIFT)

/* IRQ_STATUS bits (write 1 to clear) */
#define NPU_IRQ_DONE (1u << 0)
#define NPU_IRQ_KERNEL (1u << 1)
#define NPU_IRQ_ERROR (1u << 2)

/* Error codes in STATUS.ERR_CODE */
#define NPU_ERR_NONE 0u
#define NPU_ERR_BAD_OP 1u         /* unknown op, dataflow, output type or activation */
#define NPU_ERR_TILE_TOO_LARGE 2u /* a tile footprint exceeds half of its scratchpad */
#define NPU_ERR_ADDR_RANGE 3u     /* a tensor (or the descriptor list) lies outside DRAM */
#define NPU_ERR_BAD_SHAPE 4u      /* shapes inconsistent with the op or with each other */
#define NPU_ERR_BAD_TILING 5u    /* tile size 0 or above its extent, loop order not a permutation */
#define NPU_ERR_DMA 6u           /* a DMA transfer got an error response */
#define NPU_ERR_NO_PSUM 7u       /* the tiling spills partial sums but psum_addr is unset */
#define NPU_ERR_TOO_MUCH_WORK 8u /* more inter-tile iterations than NPU_MAX_KERNEL_TILES */

/* The bound on one kernel's work. The command processor walks a kernel's
 * inter-tile iterations (the product of the six loops' trip counts) without
 * returning to the rest of the system; a descriptor with more than
 * NPU_MAX_KERNEL_TILES of them is refused with NPU_ERR_TOO_MUCH_WORK before
 * any data moves. 2^23 iterations is above what the schedule search
 * produces for the zoo's networks (the largest, VGG-16's fc6, has 3.2 M) and
 * keeps one kernel's host work bounded (about a microsecond per iteration:
 * every iteration's bookkeeping is proportional to its footprints, which the
 * scratchpads bound). The NPU's decode and the compiler's traffic
 * predictor both ask npu_tiles_within_limit, so they refuse the same
 * descriptors. */
#define NPU_MAX_KERNEL_TILES (1u << 23)

/* Nonzero when the product of the `n` trip counts is at most
 * NPU_MAX_KERNEL_TILES (a zero trip count counts as one: tiling errors are
 * reported by their own check). */
static inline int npu_tiles_within_limit(const uint32_t* trips, unsigned n) {
    uint64_t tiles = 1;
    unsigned i;
    for (i = 0; i < n; ++i) {
        tiles *= trips[i] ? trips[i] : 1u;
        if (tiles > NPU_MAX_KERNEL_TILES) return 0;
    }
    return 1;
}

NPU_STATIC_ASSERT(NPU_REG_STALL_HI < NPU_REG_LAUNCH, "registers overlap the launch window");
NPU_STATIC_ASSERT(NPU_REG_LAUNCH + NPU_DESC_SIZE <= 0x10000u, "launch window outside the block");

#endif /* NPU_ABI_NPU_REGS_H */
