/*
 * NPU driver for both control modes (docs/architecture.md, "One run, from the
 * command line to the report", step 4):
 *   - irq mode: point the NPU at a descriptor list in DRAM, start it, sleep
 *     in WFI until it interrupts at the end of the list;
 *   - call mode: write one descriptor into the launch window and start it;
 *     wait by interrupt + WFI or by polling STATUS.
 * Registers and descriptors: npu_abi/npu_regs.h and npu_abi/descriptor.h.
 */
#ifndef VPRT_NPU_H
#define VPRT_NPU_H

#include <stdint.h>

#include "npu_abi/descriptor.h"

/* Registers the interrupt handler (PLIC source VP_IRQ_NPU), enables machine
 * external interrupts, and enables the NPU's interrupt output. */
void vp_npu_init(void);

/* irq mode: run `count` descriptors at `list` (in DRAM) back to back. */
void vp_npu_start_list(const npu_desc_t* list, uint32_t count);

/* call mode: copy `desc` into the launch window and start it. */
void vp_npu_launch(const npu_desc_t* desc);

/* call mode, completion by polling: as vp_npu_launch, with the NPU's
 * interrupt output disabled (CTRL.IRQ_EN clear), so no interrupt is taken. */
void vp_npu_launch_polled(const npu_desc_t* desc);

/* Clears every IRQ_STATUS bit (write 1 to clear): after polled launches left
 * DONE set, before a launch that waits by interrupt again. */
void vp_npu_clear_irq_status(void);

/* Sleeps (WFI) until the NPU has signalled DONE or ERROR; returns STATUS. */
uint32_t vp_npu_wait_irq(void);

/* Polls STATUS until the NPU is no longer busy; returns STATUS. */
uint32_t vp_npu_wait_poll(void);

/* One 32-bit NPU register at offset `off` (npu_regs.h). */
uint32_t vp_npu_read(uint32_t off);

/* 64-bit performance counter whose low word is at register offset `lo`. */
uint64_t vp_npu_counter(uint32_t lo);

/* Interrupts the driver has taken, and the IRQ_STATUS bits they carried. */
extern volatile uint32_t vp_npu_irqs;
extern volatile uint32_t vp_npu_irq_bits;

#endif /* VPRT_NPU_H */
