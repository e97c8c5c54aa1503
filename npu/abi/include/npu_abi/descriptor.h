/*
 * NPU kernel descriptor (C99; shared by firmware, the model and the compiler).
 * One descriptor = one kernel. NPU_DESC_SIZE bytes, little-endian, fixed-width
 * fields at fixed offsets (asserted below); no bit-fields.
 *
 * Tensors in DRAM are batch 1, channel-major (C x H x W, row-major):
 *   ifmap  int8  [C][H][W]            (NPU_OP_REQUANT: int32)        strided
 *   weight int8  [M][C/groups][R][S]  (eltwise: operand B, int8 [C][H][W], strided)
 *   bias   int32 [M]                  (with NPU_DESC_F_BIAS)
 *   qtable {int32 mult, int32 shift} [M] per-output-channel requantization
 *                                     (with NPU_DESC_F_QTABLE, at qtable_addr)
 *   ofmap  int8 or int32 [M][E][F]                                    strided
 *   psum   int32 [M][E][F]            scratch for spilled partial sums
 *   lut    int8  [256]                y = lut[x + 128]
 * Weights, bias, psum and the LUT are always dense. The ifmap, the ofmap and
 * eltwise operand B are strided views (ifmap_*, ofmap_*, opb_* ch_stride and
 * row_stride): element (c, y, x) lies at
 *     addr + (c * ch_stride + y * row_stride + x) * element bytes,
 * strides counted in elements of that tensor (not bytes). 0 means dense
 * (NPU_STRIDE_DENSE): ch_stride = H*W and row_stride = W (ofmap: E*F and F).
 * A kernel can so read a channel/row window of a larger tensor (addr = the
 * window's first element) and write its ofmap into a slice of a larger one:
 * channels [k, k+M) of a channel concat (ofmap_addr = base + k * ch_stride *
 * bytes), or the interior of a padded buffer (row_stride = padded width). The
 * DMA moves exactly the elements of the dense case, one burst sequence per
 * contiguous run (a 2-D DMA), and never touches the gaps. Checked at decode,
 * before any transfer (width/height/channels: W/H/C, ofmap F/E/M):
 *   - row_stride >= width and ch_stride >= (height - 1) * row_stride + width,
 *     i.e. rows and channel planes do not overlap (x innermost, then y, then
 *     c; interleaved layouts such as [H][C][W] are not expressible), else
 *     NPU_ERR_BAD_SHAPE;
 *   - the span, (channels-1)*ch_stride + (height-1)*row_stride + width
 *     elements from addr, lies in DRAM, else NPU_ERR_ADDR_RANGE.
 * GEMM/FC is a 1x1 convolution: Y[M][P] = W[M][C] * X[C][P] (P = H*W pixels;
 * FC has H = W = 1), so a row-major A[M][K] * B[K][N] maps to W = A, X = B.
 *
 * The loop nest (docs/dataflow-model.md, "The loop nest") has six dimensions,
 * in this index order:
 *   0 m  output channels (pool/eltwise/activation: the channel)
 *   1 c  input channels per group (1 for non-conv ops)
 *   2 y  output rows (E)        3 x  output columns (F)
 *   4 k  filter rows (R)        5 l  filter columns (S)
 * tile[d] is the tile size of dimension d; loop_order lists the six dimension
 * indices of the inter-tile loops, outermost first. Buffers are tile level and
 * transfers whole footprints (the 'tile' policy of docs/dataflow-model.md).
 */
#ifndef NPU_ABI_DESCRIPTOR_H
#define NPU_ABI_DESCRIPTOR_H

#include <stddef.h>
#include <stdint.h>

/* _Static_assert in C (a C11 keyword that gcc accepts in C99 mode as an
 * extension, marked so for -Wpedantic), static_assert in C++. */
#if defined(__cplusplus)
#define NPU_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#elif defined(__GNUC__)
#define NPU_STATIC_ASSERT(cond, msg) __extension__ _Static_assert(cond, msg)
#else
#define NPU_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#define NPU_DESC_SIZE 128u

/* op */
#define NPU_OP_INVALID 0u
#define NPU_OP_CONV 1u     /* stride, padding, groups (depthwise: groups = C = M) */
#define NPU_OP_GEMM 2u     /* gemm / fc: conv with R = S = 1, stride 1, no padding */
#define NPU_OP_MAXPOOL 3u  /* padding excluded from the window */
#define NPU_OP_AVGPOOL 4u  /* count = window elements inside the input */
#define NPU_OP_GAVGPOOL 5u /* global average pool: R = H, S = W, E = F = 1 */
#define NPU_OP_ADD \
    6u /* eltwise: y = sat8(zp_out + rshift_round((a-zp_in)*mult + (b-zp_w)*mult_b, shift)) */
#define NPU_OP_MUL 7u      /* eltwise: y = requantize((a-zp_in)*(b-zp_w), mult, shift, zp_out) */
#define NPU_OP_RELU 8u     /* y = max(x, zp_in) */
#define NPU_OP_LUT 9u      /* y = lut[x + 128] (sigmoid, tanh, ... tabulated by the compiler) */
#define NPU_OP_REQUANT 10u /* int32 ifmap: y = requantize(x, mult, shift, zp_out) */
#define NPU_OP_COUNT 11u

/* dataflow */
#define NPU_DF_OS 0u
#define NPU_DF_WS 1u
#define NPU_DF_IS 2u

/* out_type (conv/gemm only; other ops write int8; add/mul then apply act) */
#define NPU_OUT_INT8 0u  /* requantized with mult/shift/zp_out, then act */
#define NPU_OUT_INT32 1u /* raw accumulators (bias included) */

/* act: fused after requantization, on conv/gemm with NPU_OUT_INT8 and on the
 * eltwise ops (add, mul: after their requantization, so a residual add with
 * its relu is one kernel). Any other op with act != NPU_ACT_NONE is
 * NPU_ERR_BAD_OP. NPU_ACT_LUT loads the 256-byte table at lut_addr once per
 * kernel (dram_read_bytes.lut), as NPU_OP_LUT does. */
#define NPU_ACT_NONE 0u
#define NPU_ACT_RELU 1u /* y = max(y, zp_out) */
#define NPU_ACT_LUT 2u  /* y = lut[y + 128] */

/* flags */
#define NPU_DESC_F_IRQ (1u << 0) /* raise IRQ_STATUS.KERNEL when this kernel completes */
#define NPU_DESC_F_RESIDENT \
    (1u << 1)                     /* weights already in the weight scratchpad (checked by tag) */
#define NPU_DESC_F_LAST (1u << 2) /* last descriptor of the list */
#define NPU_DESC_F_BIAS (1u << 3) /* add bias[m] (int32 at bias_addr) */
/* Per-channel requantization (conv/gemm with NPU_OUT_INT8 only): output
 * channel m is requantized with qtable[m] = {int32 mult, int32 shift} read
 * from qtable_addr (M pairs, 8 bytes each, little-endian) instead of the
 * descriptor's mult/shift; a shift above 62 counts as 62 (npu_rshift_round),
 * a negative one as 0. The table is loaded like the bias (relevant to m
 * only) and its bytes are counted with the bias. */
#define NPU_DESC_F_QTABLE (1u << 4)
/* Ifmap fetch by rows: where the ifmap footprint's columns leave gaps (a
 * filter tile narrower than the horizontal stride, e.g. a stride-2 1x1 conv),
 * the DMA reads each footprint row's whole column span [first, last touched
 * column] as one run and drops the columns it does not need before the
 * scratchpad, instead of gathering every touched column as its own run. The
 * scratchpad content, its capacity and the useful byte counts are the same;
 * only the DRAM transactions (and so the bus bytes and cycles) differ. The
 * compiler sets it when it predicts fewer bytes on the DRAM bus. Without gaps
 * it changes nothing. */
#define NPU_DESC_F_IFMAP_ROWS (1u << 5)

/* tensor strides (ifmap_/ofmap_/opb_*_stride): 0 selects the dense layout */
#define NPU_STRIDE_DENSE 0u

/* loop dimension indices */
#define NPU_DIM_M 0u
#define NPU_DIM_C 1u
#define NPU_DIM_Y 2u
#define NPU_DIM_X 3u
#define NPU_DIM_K 4u
#define NPU_DIM_L 5u
#define NPU_DIMS 6u

typedef struct npu_desc {
    uint8_t op;                   /* 0x00 NPU_OP_* */
    uint8_t dataflow;             /* 0x01 NPU_DF_* */
    uint8_t out_type;             /* 0x02 NPU_OUT_* */
    uint8_t act;                  /* 0x03 NPU_ACT_* */
    uint16_t flags;               /* 0x04 NPU_DESC_F_* */
    uint16_t kernel_id;           /* 0x06 shown on the npu.kernel trace and in stats */
    uint32_t ifmap_addr;          /* 0x08 */
    uint32_t weight_addr;         /* 0x0C eltwise: operand B */
    uint32_t bias_addr;           /* 0x10 */
    uint32_t ofmap_addr;          /* 0x14 */
    uint32_t psum_addr;           /* 0x18 */
    uint32_t lut_addr;            /* 0x1C */
    uint16_t c;                   /* 0x20 input channels (all groups) */
    uint16_t h;                   /* 0x22 input height */
    uint16_t w;                   /* 0x24 input width */
    uint16_t m;                   /* 0x26 output channels */
    uint16_t e;                   /* 0x28 output height */
    uint16_t f;                   /* 0x2A output width */
    uint16_t r;                   /* 0x2C filter / window height */
    uint16_t s;                   /* 0x2E filter / window width */
    uint8_t stride_h;             /* 0x30 */
    uint8_t stride_w;             /* 0x31 */
    uint8_t pad_top;              /* 0x32 */
    uint8_t pad_left;             /* 0x33 */
    uint8_t pad_bottom;           /* 0x34 */
    uint8_t pad_right;            /* 0x35 */
    uint16_t groups;              /* 0x36 conv: 1..C, divides C and M */
    int16_t zp_in;                /* 0x38 ifmap (eltwise: operand A) zero point */
    int16_t zp_w;                 /* 0x3A weight (eltwise: operand B) zero point */
    int16_t zp_out;               /* 0x3C ofmap zero point */
    uint16_t reserved0;           /* 0x3E */
    int32_t mult;                 /* 0x40 requantize multiplier (eltwise add: of A) */
    int32_t mult_b;               /* 0x44 eltwise add: multiplier of B */
    uint8_t shift;                /* 0x48 requantize right shift (0..62) */
    uint8_t loop_order[NPU_DIMS]; /* 0x49 dimension indices, outermost first */
    uint8_t reserved1;            /* 0x4F */
    uint16_t tile[NPU_DIMS];      /* 0x50 tile sizes of m, c, y, x, k, l */
    uint32_t ifmap_ch_stride;     /* 0x5C ifmap elements between channels (0: H*W) */
    uint32_t ifmap_row_stride;    /* 0x60 ifmap elements between rows (0: W) */
    uint32_t ofmap_ch_stride;     /* 0x64 ofmap elements between channels (0: E*F) */
    uint32_t ofmap_row_stride;    /* 0x68 ofmap elements between rows (0: F) */
    uint32_t opb_ch_stride;       /* 0x6C eltwise operand B elements between channels (0: H*W) */
    uint32_t opb_row_stride;      /* 0x70 eltwise operand B elements between rows (0: W) */
    uint32_t qtable_addr;         /* 0x74 per-channel requantization table (NPU_DESC_F_QTABLE) */
    uint32_t reserved2[2];        /* 0x78..0x7F zero */
} npu_desc_t;

NPU_STATIC_ASSERT(sizeof(npu_desc_t) == NPU_DESC_SIZE, "descriptor size");
NPU_STATIC_ASSERT(NPU_DESC_SIZE % 4u == 0u, "descriptor is whole words");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, ifmap_addr) == 0x08, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, c) == 0x20, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, stride_h) == 0x30, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, zp_in) == 0x38, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, mult) == 0x40, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, shift) == 0x48, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, loop_order) == 0x49, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, tile) == 0x50, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, ifmap_ch_stride) == 0x5C, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, ifmap_row_stride) == 0x60, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, ofmap_ch_stride) == 0x64, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, ofmap_row_stride) == 0x68, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, opb_ch_stride) == 0x6C, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, opb_row_stride) == 0x70, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, qtable_addr) == 0x74, "descriptor layout");
NPU_STATIC_ASSERT(offsetof(npu_desc_t, reserved2) == 0x78, "descriptor layout");

#endif /* NPU_ABI_DESCRIPTOR_H */
