/*
 * The model image ("setup.bin"): everything the firmware needs to run one
 * compiled network, in one versioned little-endian blob (C99; the compiler
 * writes it, the platform loads it, the firmware reads it with these very
 * structs).
 *
 * The platform copies the whole image to DRAM at header.load_addr
 * (NPU_IMG_DEFAULT_LOAD_ADDR unless the compiler chose otherwise); every
 * address inside it (descriptors, tensor table, CPU steps) is absolute and
 * assumes that placement. Activations, psum scratch and the input header lie
 * in DRAM above the image, up to header.dram_end.
 *
 *   offset              what                               count field
 *   0                   npu_img_header_t                   -
 *   tensor_offset       npu_img_tensor_t[]                 tensor_count
 *   layer_offset        npu_img_layer_t[]                  layer_count
 *   desc_offset         npu_desc_t[]  (NPU_DESC_SIZE each) desc_count
 *   op_offset           npu_prog_op_t[]                    op_count
 *   step_offset         npu_cpu_step_t[]                   step_count
 *   patch_offset        npu_patch_t[]                      patch_count
 *   data_offset         weights, biases, LUTs (raw bytes)  data_bytes
 * Every section starts 64-byte aligned; sections may be empty (count 0).
 * total_bytes covers the whole image. Two CRC-32s (IEEE 802.3, reflected, as
 * zlib's crc32): crc32 over all total_bytes with the crc32 field read as zero
 * (the host checks it when it loads a file), and meta_crc32 over the tables,
 * bytes [header_bytes, data_offset) (the firmware checks it: tens of
 * megabytes of weights would cost the CPU seconds).
 *
 * Programs. op_count ops form two programs in one array:
 *   - call program: ops [call_first, call_first + call_count): the firmware
 *     launches kernels one at a time (NPU_PROG_KERNEL), runs CPU steps
 *     (NPU_PROG_CPU) and loops (NPU_PROG_LOOP ... NPU_PROG_ENDLOOP) whose trip
 *     count may come from the input header at run time;
 *   - irq program: ops [irq_first, irq_first + irq_count): descriptor lists
 *     the NPU walks by itself (NPU_PROG_LIST), separated only by CPU steps
 *     the NPU cannot do; no loops. irq_count == 0 means the model needs
 *     run-time control (lstm, gru, attention) and cannot run in irq mode.
 * Patches: an op with patch_count > 0 runs on a copy of its descriptor (or
 * CPU step) to which each patch adds scale * value to the 16- or 32-bit field
 * at byte `offset`, value being the index of the enclosing loop at depth
 * `source` (0 = outermost) or, for NPU_PATCH_SEQ_LEN, the run-time sequence
 * length. Per-iteration address offsets and run-time dimensions are patches.
 *
 * The input header (npu_input_header_t at header.input_header_addr in DRAM,
 * outside the image) is written by the platform before the run: how to run
 * (control mode, completion, per-layer interrupts) and the run-time sequence
 * length (1..seq_len_max) of lstm, gru and attention models.
 */
#ifndef NPU_ABI_MODEL_IMAGE_H
#define NPU_ABI_MODEL_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "descriptor.h"
#include "memory_map.h"

#define NPU_IMG_MAGIC 0x494D504Eu /* bytes "NPMI" */
#define NPU_IMG_VERSION 1u
#define NPU_IMG_ALIGN 64u
#define NPU_IMG_DEFAULT_LOAD_ADDR VP_DRAM_BASE
#define NPU_IMG_NAME_LEN 48u

#define NPU_INPUT_MAGIC 0x4E49504Eu /* bytes "NPIN" */

typedef struct npu_img_header {
    uint32_t magic;              /* 0x00 NPU_IMG_MAGIC */
    uint32_t version;            /* 0x04 NPU_IMG_VERSION */
    uint32_t header_bytes;       /* 0x08 sizeof(npu_img_header_t) */
    uint32_t total_bytes;        /* 0x0C the whole image */
    uint32_t crc32;              /* 0x10 see above */
    uint32_t load_addr;          /* 0x14 DRAM address the image is built for */
    uint32_t dram_end;           /* 0x18 one past the last DRAM byte the model uses */
    uint32_t input_header_addr;  /* 0x1C npu_input_header_t */
    uint32_t tensor_count;       /* 0x20 */
    uint32_t tensor_offset;      /* 0x24 */
    uint32_t layer_count;        /* 0x28 */
    uint32_t layer_offset;       /* 0x2C */
    uint32_t desc_count;         /* 0x30 */
    uint32_t desc_offset;        /* 0x34 */
    uint32_t op_count;           /* 0x38 */
    uint32_t op_offset;          /* 0x3C */
    uint32_t step_count;         /* 0x40 */
    uint32_t step_offset;        /* 0x44 */
    uint32_t patch_count;        /* 0x48 */
    uint32_t patch_offset;       /* 0x4C */
    uint32_t data_bytes;         /* 0x50 */
    uint32_t data_offset;        /* 0x54 */
    uint32_t call_first;         /* 0x58 call program: first op */
    uint32_t call_count;         /* 0x5C */
    uint32_t irq_first;          /* 0x60 irq program: first op */
    uint32_t irq_count;          /* 0x64 0: the model cannot run in irq mode */
    uint32_t input_tensor;       /* 0x68 tensor table index of the graph input */
    uint32_t output_tensor;      /* 0x6C tensor table index of the graph output */
    uint32_t seq_len_max;        /* 0x70 largest run-time sequence length (0: none) */
    uint32_t seq_len_default;    /* 0x74 the length the graph was built with */
    uint32_t activation_bytes;   /* 0x78 peak bytes of live activations (after reuse) */
    uint32_t dataflow;           /* 0x7C NPU_DF_* the schedules were chosen for */
    char name[NPU_IMG_NAME_LEN]; /* 0x80 workload name, NUL-padded */
    uint32_t array_rows;         /* 0xB0 the NPU configuration compiled for */
    uint32_t array_cols;         /* 0xB4 */
    uint32_t ifmap_bytes;        /* 0xB8 scratchpad sizes */
    uint32_t weight_bytes;       /* 0xBC */
    uint32_t ofmap_bytes;        /* 0xC0 */
    uint32_t meta_crc32;         /* 0xC4 CRC-32 of bytes [header_bytes, data_offset) */
    uint32_t reserved[14];       /* 0xC8..0xFF zero */
} npu_img_header_t;

/* npu_img_tensor_t.dtype */
#define NPU_DTYPE_INT8 0u
#define NPU_DTYPE_INT32 1u
/* npu_img_tensor_t.flags */
#define NPU_TENSOR_F_CONST (1u << 0)  /* in the image's data section */
#define NPU_TENSOR_F_INPUT (1u << 1)  /* graph input: written before the run */
#define NPU_TENSOR_F_OUTPUT (1u << 2) /* graph output */

typedef struct npu_img_tensor {
    char name[NPU_IMG_NAME_LEN]; /* 0x00 NUL-padded (truncated if longer) */
    uint32_t addr;               /* 0x30 DRAM address */
    uint32_t bytes;              /* 0x34 size at the largest shape */
    uint32_t dims[4];            /* 0x38 n, c, h, w */
    uint8_t dtype;               /* 0x48 NPU_DTYPE_* */
    uint8_t flags;               /* 0x49 NPU_TENSOR_F_* */
    uint16_t reserved0;          /* 0x4A */
    int32_t zero_point;          /* 0x4C */
    uint32_t scale_bits;         /* 0x50 IEEE-754 binary32 bits of the scale */
    uint32_t reserved1[3];       /* 0x54..0x5F */
} npu_img_tensor_t;

/* One row of the report: a layer of the graph. A descriptor's kernel_id is
 * the index of its layer here (several kernels may belong to one layer). */
typedef struct npu_img_layer {
    char name[NPU_IMG_NAME_LEN]; /* 0x00 */
    char op[16];                 /* 0x30 "conv", "fc", "lstm", ... */
    uint64_t macs;               /* 0x40 at seq_len_default */
    uint64_t pred_cycles;        /* 0x48 predicted NPU cycles of its kernels */
    uint64_t pred_rd_ifmap;      /* 0x50 predicted DRAM bytes by tensor */
    uint64_t pred_rd_weight;     /* 0x58 (bias included) */
    uint64_t pred_rd_psum;       /* 0x60 */
    uint64_t pred_wr_ofmap;      /* 0x68 */
    uint64_t pred_wr_psum;       /* 0x70 */
    uint32_t first_desc;         /* 0x78 its descriptors */
    uint32_t desc_count;         /* 0x7C */
} npu_img_layer_t;

/* npu_prog_op_t.opcode */
#define NPU_PROG_END 0u    /* end of the program */
#define NPU_PROG_KERNEL 1u /* launch descriptor arg0 (call mode) */
#define NPU_PROG_LIST 2u   /* run descriptors [arg0, arg0 + arg1) as a list (irq mode) */
#define NPU_PROG_CPU 3u    /* run CPU step arg0 */
#define NPU_PROG_LOOP                                                                        \
    4u                      /* loop: trip count arg1 (arg0 = NPU_LOOP_CONST) or the run-time \
                               sequence length (arg0 = NPU_LOOP_SEQ_LEN, arg1 = its maximum) */
#define NPU_PROG_ENDLOOP 5u /* end of the innermost loop */
#define NPU_LOOP_CONST 0u
#define NPU_LOOP_SEQ_LEN 1u
#define NPU_LOOP_MAX_DEPTH 4u
/* npu_prog_op_t.flags */
#define NPU_PROG_F_RESIDENT_AFTER_FIRST \
    (1u << 0) /* KERNEL in a loop: set NPU_DESC_F_RESIDENT from the loop's second iteration on */
#define NPU_PROG_F_IRQ (1u << 1) /* KERNEL/LIST: wait by interrupt even when polling */

typedef struct npu_prog_op {
    uint8_t opcode;       /* 0x00 NPU_PROG_* */
    uint8_t flags;        /* 0x01 NPU_PROG_F_* */
    uint16_t patch_count; /* 0x02 */
    uint32_t arg0;        /* 0x04 */
    uint32_t arg1;        /* 0x08 */
    uint32_t patch_first; /* 0x0C index into the patch table */
} npu_prog_op_t;

/* npu_patch_t.source */
#define NPU_PATCH_LOOP(depth) ((uint8_t)(depth)) /* index of the loop at that depth */
#define NPU_PATCH_SEQ_LEN 0xFFu                  /* the run-time sequence length */

typedef struct npu_patch {
    uint16_t offset; /* 0x00 byte offset of the field in the descriptor / CPU step */
    uint8_t width;   /* 0x02 2 or 4 bytes */
    uint8_t source;  /* 0x03 NPU_PATCH_* */
    int32_t scale;   /* 0x04 field += scale * value */
} npu_patch_t;

/* Applies one patch to a descriptor or CPU step `obj` (little-endian): the
 * field of p->width bytes at p->offset += p->scale * value, modulo 2^16 or
 * 2^32; value is the loop index or the sequence length p->source names. */
static inline void npu_patch_apply(void* obj, const npu_patch_t* p, uint32_t value) {
    uint8_t* f = (uint8_t*)obj + p->offset;
    uint32_t v = 0;
    for (unsigned i = 0; i < p->width; ++i)
        v |= (uint32_t)f[i] << (8u * i);
    v += (uint32_t)p->scale * value;
    for (unsigned i = 0; i < p->width; ++i)
        f[i] = (uint8_t)(v >> (8u * i));
}

/* CPU steps: work the NPU cannot do, run by the firmware. The meaning of
 * addr[] and param[] per kind, and the arithmetic (shared with the reference
 * executor), are in npu_abi/cpu_ops.h. */
#define NPU_STEP_COPY 1u /* memcpy: addr[0] dst, addr[1] src, param[0] bytes */
#define NPU_STEP_SOFTMAX 2u
#define NPU_STEP_LRN 3u
#define NPU_STEP_LSTM_CELL 4u
#define NPU_STEP_GRU_CELL 5u
#define NPU_STEP_ATTN_SOFTMAX 6u
#define NPU_STEP_TRANSPOSE 7u
#define NPU_STEP_KIND_COUNT 8u

/* A CPU step kind's name for listings and timelines ("?" when unknown). */
static inline const char* npu_step_kind_name(unsigned kind) {
    switch (kind) {
        case NPU_STEP_COPY:
            return "copy";
        case NPU_STEP_SOFTMAX:
            return "softmax";
        case NPU_STEP_LRN:
            return "lrn";
        case NPU_STEP_LSTM_CELL:
            return "lstm_cell";
        case NPU_STEP_GRU_CELL:
            return "gru_cell";
        case NPU_STEP_ATTN_SOFTMAX:
            return "attn_softmax";
        case NPU_STEP_TRANSPOSE:
            return "transpose";
        default:
            return "?";
    }
}
#define NPU_STEP_ADDRS 6u
#define NPU_STEP_PARAMS 9u

typedef struct npu_cpu_step {
    uint16_t kind;                  /* 0x00 NPU_STEP_* */
    uint16_t layer;                 /* 0x02 the layer it belongs to (report) */
    uint32_t addr[NPU_STEP_ADDRS];  /* 0x04 DRAM addresses */
    int32_t param[NPU_STEP_PARAMS]; /* 0x1C sizes, multipliers, shifts, zero points */
} npu_cpu_step_t;

/* npu_input_header_t.control / completion / flags */
#define NPU_RUN_CONTROL_IRQ 0u  /* the NPU walks descriptor lists, interrupts the CPU */
#define NPU_RUN_CONTROL_CALL 1u /* the firmware launches one kernel at a time */
#define NPU_RUN_COMPLETION_IRQ 0u
#define NPU_RUN_COMPLETION_POLL 1u
#define NPU_RUN_F_IRQ_PER_LAYER (1u << 0) /* irq mode: interrupt after every kernel */

/* Written by the platform at header.input_header_addr before the run. */
typedef struct npu_input_header {
    uint32_t magic;      /* 0x00 NPU_INPUT_MAGIC */
    uint32_t seq_len;    /* 0x04 run-time sequence length (0: the image's default) */
    uint32_t control;    /* 0x08 NPU_RUN_CONTROL_* */
    uint32_t completion; /* 0x0C NPU_RUN_COMPLETION_* (call mode) */
    uint32_t flags;      /* 0x10 NPU_RUN_F_* */
    uint32_t reserved[3];
} npu_input_header_t;

NPU_STATIC_ASSERT(sizeof(npu_img_header_t) == 256, "image header size");
NPU_STATIC_ASSERT(offsetof(npu_img_header_t, name) == 0x80, "image header layout");
NPU_STATIC_ASSERT(offsetof(npu_img_header_t, array_rows) == 0xB0, "image header layout");
NPU_STATIC_ASSERT(sizeof(npu_img_tensor_t) == 96, "tensor entry size");
NPU_STATIC_ASSERT(offsetof(npu_img_tensor_t, addr) == 0x30, "tensor entry layout");
NPU_STATIC_ASSERT(offsetof(npu_img_tensor_t, scale_bits) == 0x50, "tensor entry layout");
NPU_STATIC_ASSERT(sizeof(npu_img_layer_t) == 128, "layer entry size");
NPU_STATIC_ASSERT(offsetof(npu_img_layer_t, macs) == 0x40, "layer entry layout");
NPU_STATIC_ASSERT(sizeof(npu_prog_op_t) == 16, "program op size");
NPU_STATIC_ASSERT(sizeof(npu_patch_t) == 8, "patch size");
NPU_STATIC_ASSERT(sizeof(npu_cpu_step_t) == 64, "CPU step size");
NPU_STATIC_ASSERT(sizeof(npu_input_header_t) == 32, "input header size");
NPU_STATIC_ASSERT(offsetof(npu_img_header_t, meta_crc32) == 0xC4, "image header layout");

/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init and final xor
 * 0xFFFFFFFF): crc = npu_crc32_update(0, p, n) gives zlib's crc32(p, n); a
 * running crc continues over more bytes. Bitwise: small, for host and firmware. */
static inline uint32_t npu_crc32_update(uint32_t crc, const void* data, size_t n) {
    const uint8_t* p = (const uint8_t*)data;
    crc = ~crc;
    for (size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (unsigned b = 0; b < 8u; ++b)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* CRC of a whole image of `n` bytes, with the header's crc32 field read as zero. */
static inline uint32_t npu_img_crc32(const void* image, size_t n) {
    static const uint8_t zero[4] = {0, 0, 0, 0};
    const uint8_t* p = (const uint8_t*)image;
    const size_t at = offsetof(npu_img_header_t, crc32);
    if (n < at + 4u) return npu_crc32_update(0, p, n);
    uint32_t crc = npu_crc32_update(0, p, at);
    crc = npu_crc32_update(crc, zero, 4u);
    return npu_crc32_update(crc, p + at + 4u, n - at - 4u);
}

#endif /* NPU_ABI_MODEL_IMAGE_H */
