/*
 * Model runtime: runs a compiled network from the model image the platform
 * put in DRAM (npu_abi/model_image.h), as the input header asks:
 *   - control irq: the NPU walks the irq program's descriptor lists by itself
 *     and interrupts at the end of each (and after every kernel with
 *     NPU_RUN_F_IRQ_PER_LAYER); the CPU sleeps in WFI and runs CPU steps
 *     between lists;
 *   - control call: the firmware interprets the call program, launching one
 *     kernel at a time through the launch window (patched per loop iteration,
 *     RESIDENT set where the program says), waiting by interrupt + WFI or by
 *     polling STATUS, running CPU steps and loops (constant or run-time
 *     sequence length).
 * Everything the image says is checked before the first kernel starts (header,
 * section bounds, meta_crc32, input header, the program to run), so a bad
 * image ends the run with one line and a status, never a hang; the loop that
 * runs the program then has no checks left but the NPU's status. The header
 * and tables are copied to SRAM first when the heap has room (the CPU pays the
 * DRAM's latency on every DRAM access); lists the NPU walks stay in DRAM.
 * Exit statuses (VP_MODEL_EXIT_*) and the FW_STEP encoding: firmware/README.md.
 */
#ifndef VPRT_RUNTIME_H
#define VPRT_RUNTIME_H

#include <stdint.h>

#include "npu_abi/model_image.h"

/* Exit statuses of a model run (the runtime's own are >= 100, see rt.h). */
#define VP_MODEL_EXIT_OK 0
#define VP_MODEL_EXIT_BAD_IMAGE 10   /* version, header size, section bounds, addresses */
#define VP_MODEL_EXIT_BAD_CRC 11     /* meta_crc32 does not match the tables */
#define VP_MODEL_EXIT_BAD_INPUT 12   /* input header: magic, control, completion, flags, seq_len */
#define VP_MODEL_EXIT_BAD_PROGRAM 13 /* malformed program: opcode, index, loop, patch */
#define VP_MODEL_EXIT_NEEDS_CALL 14  /* control irq on a model without an irq program */
#define VP_MODEL_EXIT_NPU_ERROR 15   /* the NPU stopped with STATUS.ERROR */
#define VP_MODEL_EXIT_CPU_STEP 16    /* a CPU step of a kind this firmware cannot run */

/* FW_STEP values (syscon register, traced as fw.step): phase in bits 31..24. */
#define VP_FW_STEP_CHECK 0x01000000u /* checking the image and the input header */
#define VP_FW_STEP_OP 0x02000000u    /* | op index (image op table): running that op */
#define VP_FW_STEP_DONE 0x03000000u  /* printing the summary */
#define VP_FW_STEP_FAIL 0x0F000000u  /* | exit status: the run failed */

/* The image at `addr` if its first word is NPU_IMG_MAGIC, else NULL. */
const npu_img_header_t* vp_model_find(uint32_t addr);

/* Checks and runs the image found at `img`; prints progress and a summary on
 * the UART; returns the exit status (VP_MODEL_EXIT_*), 0 on success. */
int vp_model_run(const npu_img_header_t* img);

#endif /* VPRT_RUNTIME_H */
