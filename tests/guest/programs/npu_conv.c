/*
 * The NPU driven by real firmware, in both control modes, checked against a
 * reference the CPU computes itself (npu_abi/arith.h):
 *   1. call mode, interrupt + WFI: one conv whose reduction is split across
 *      tiles (partial sums leave and re-enter the NPU);
 *   2. irq mode: a descriptor list (conv, then 2x2 max pool of its output);
 *   3. call mode, polling, another dataflow and tiling: same conv result;
 *   4. a bad descriptor: STATUS.ERROR with the error code, error interrupt.
 * Needs --mode functional (timing mode skips the arithmetic).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "guest_check.h"
#include "npu_abi/arith.h"
#include "npu_abi/npu_regs.h"
#include "vprt/mmio.h"
#include "vprt/npu.h"
#include "vprt/rt.h"

#define C 8
#define H 10
#define W 10
#define M 16
#define R 3
#define E 10 /* (H + 2 - R) / 1 + 1 */
#define P 5  /* pooled: E / 2 */

static int8_t ifmap[C * H * W] __attribute__((aligned(64)));
static int8_t weight[M * C * R * R] __attribute__((aligned(64)));
static int32_t bias[M] __attribute__((aligned(64)));
static int8_t ofmap[M * E * E] __attribute__((aligned(64)));
static int8_t pooled[M * P * P] __attribute__((aligned(64)));
static int32_t psum[M * E * E] __attribute__((aligned(64)));
static int8_t expect_conv[M * E * E];
static int8_t expect_pool[M * P * P];
static npu_desc_t list[2] __attribute__((aligned(64)));

enum { ZP_IN = 3, ZP_W = -2, ZP_OUT = -5, MULT = 1 << 22, SHIFT = 30 };

static uint32_t lcg = 12345u;
static int8_t rnd8(void) {
    lcg = lcg * 1664525u + 1013904223u;
    return (int8_t)(lcg >> 24);
}

static void reference(void) {
    for (int m = 0; m < M; ++m)
        for (int y = 0; y < E; ++y)
            for (int x = 0; x < E; ++x) {
                int32_t acc = bias[m];
                for (int c = 0; c < C; ++c)
                    for (int k = 0; k < R; ++k)
                        for (int l = 0; l < R; ++l) {
                            const int r = y + k - 1, q = x + l - 1; /* pad 1 */
                            if (r < 0 || r >= H || q < 0 || q >= W) continue;
                            acc = npu_acc_add(acc,
                                              (ifmap[(c * H + r) * W + q] - ZP_IN) *
                                                  (weight[((m * C + c) * R + k) * R + l] - ZP_W));
                        }
                expect_conv[(m * E + y) * E + x] = npu_requantize(acc, MULT, SHIFT, ZP_OUT);
            }
    for (int m = 0; m < M; ++m)
        for (int y = 0; y < P; ++y)
            for (int x = 0; x < P; ++x) {
                int8_t v = -128;
                for (int k = 0; k < 2; ++k)
                    for (int l = 0; l < 2; ++l) {
                        const int8_t o = expect_conv[(m * E + 2 * y + k) * E + 2 * x + l];
                        if (o > v) v = o;
                    }
                expect_pool[(m * P + y) * P + x] = v;
            }
}

static void conv_desc(npu_desc_t* d, uint8_t dataflow, const uint16_t tile[6],
                      const uint8_t order[6]) {
    memset(d, 0, sizeof *d);
    d->op = NPU_OP_CONV;
    d->dataflow = dataflow;
    d->out_type = NPU_OUT_INT8;
    d->flags = NPU_DESC_F_BIAS;
    d->kernel_id = 1;
    d->ifmap_addr = (uint32_t)(uintptr_t)ifmap;
    d->weight_addr = (uint32_t)(uintptr_t)weight;
    d->bias_addr = (uint32_t)(uintptr_t)bias;
    d->ofmap_addr = (uint32_t)(uintptr_t)ofmap;
    d->psum_addr = (uint32_t)(uintptr_t)psum;
    d->c = C, d->h = H, d->w = W, d->m = M, d->e = E, d->f = E, d->r = R, d->s = R;
    d->stride_h = d->stride_w = 1;
    d->pad_top = d->pad_left = d->pad_bottom = d->pad_right = 1;
    d->groups = 1;
    d->zp_in = ZP_IN, d->zp_w = ZP_W, d->zp_out = ZP_OUT;
    d->mult = MULT, d->shift = SHIFT;
    memcpy(d->tile, tile, sizeof d->tile);
    memcpy(d->loop_order, order, sizeof d->loop_order);
}

static void pool_desc(npu_desc_t* d) {
    memset(d, 0, sizeof *d);
    d->op = NPU_OP_MAXPOOL;
    d->kernel_id = 2;
    d->ifmap_addr = (uint32_t)(uintptr_t)ofmap;
    d->ofmap_addr = (uint32_t)(uintptr_t)pooled;
    d->c = M, d->h = E, d->w = E, d->m = M, d->e = P, d->f = P, d->r = 2, d->s = 2;
    d->stride_h = d->stride_w = 2;
    d->groups = 1;
    const uint16_t tile[6] = {M, 1, P, P, 2, 2};
    const uint8_t order[6] = {0, 1, 2, 3, 4, 5};
    memcpy(d->tile, tile, sizeof d->tile);
    memcpy(d->loop_order, order, sizeof d->loop_order);
}

static int same(const int8_t* a, const int8_t* b, int n) {
    return memcmp(a, b, (size_t)n) == 0;
}

int main(void) {
    for (int i = 0; i < C * H * W; ++i)
        ifmap[i] = rnd8();
    for (int i = 0; i < M * C * R * R; ++i)
        weight[i] = rnd8();
    for (int i = 0; i < M; ++i)
        bias[i] = rnd8() * 64;
    reference();
    vp_npu_init();
    CHECK(1, vp_mmio_read32(VP_NPU_BASE + NPU_REG_ID) == NPU_REG_ID_RESET);

    /* 1. call mode, interrupt: c split in two, outermost (psum spill). */
    const uint16_t tile_a[6] = {8, 4, 5, E, R, R};
    const uint8_t order_a[6] = {NPU_DIM_C, NPU_DIM_M, NPU_DIM_Y, NPU_DIM_X, NPU_DIM_K, NPU_DIM_L};
    npu_desc_t d;
    conv_desc(&d, NPU_DF_OS, tile_a, order_a);
    vp_npu_launch(&d);
    uint32_t status = vp_npu_wait_irq();
    CHECK(2, (status & NPU_STATUS_DONE) && !(status & NPU_STATUS_ERROR));
    CHECK(3, same(ofmap, expect_conv, M * E * E));
    const uint64_t macs = vp_npu_counter(NPU_REG_MACS_LO);
    CHECK(4, macs == (uint64_t)M * C * E * E * R * R); /* counters are cumulative since RESET */
    printf("npu call/irq: conv ok, %u MACs in %u cycles\n", (unsigned)macs,
           (unsigned)vp_npu_counter(NPU_REG_CYCLES_LO));

    /* 2. irq mode: the NPU walks a two-kernel list and interrupts at the end. */
    memset(ofmap, 0, sizeof ofmap);
    conv_desc(&list[0], NPU_DF_WS, tile_a, order_a);
    list[0].flags |= NPU_DESC_F_IRQ;
    pool_desc(&list[1]);
    list[1].flags |= NPU_DESC_F_LAST;
    const uint32_t irqs_before = vp_npu_irqs;
    const uint32_t done_before = vp_mmio_read32(VP_NPU_BASE + NPU_REG_KERNELS_DONE);
    vp_npu_start_list(list, 2);
    status = vp_npu_wait_irq();
    CHECK(5, (status & NPU_STATUS_DONE) && !(status & NPU_STATUS_ERROR));
    CHECK(6, vp_mmio_read32(VP_NPU_BASE + NPU_REG_KERNELS_DONE) - done_before == 2u);
    CHECK(7, same(ofmap, expect_conv, M * E * E));
    CHECK(8, same(pooled, expect_pool, M * P * P));
    CHECK(9, vp_npu_irq_bits & NPU_IRQ_KERNEL);
    printf("npu list: conv + maxpool ok, %u interrupts\n", (unsigned)(vp_npu_irqs - irqs_before));

    /* 3. call mode, polling; input-stationary with another tiling. */
    memset(ofmap, 0, sizeof ofmap);
    const uint16_t tile_b[6] = {M, C, 2, 5, R, R};
    const uint8_t order_b[6] = {NPU_DIM_Y, NPU_DIM_X, NPU_DIM_M, NPU_DIM_C, NPU_DIM_K, NPU_DIM_L};
    conv_desc(&d, NPU_DF_IS, tile_b, order_b);
    vp_npu_launch(&d);
    status = vp_npu_wait_poll();
    CHECK(10, (status & NPU_STATUS_DONE) && !(status & NPU_STATUS_ERROR));
    CHECK(11, same(ofmap, expect_conv, M * E * E));
    printf("npu call/poll: conv ok\n");

    /* 4. a bad descriptor: the NPU reports it and interrupts. */
    d.op = 99;
    vp_npu_launch(&d);
    status = vp_npu_wait_irq();
    CHECK(12, status & NPU_STATUS_ERROR);
    CHECK(13, NPU_STATUS_ERR(status) == NPU_ERR_BAD_OP);
    CHECK(14, vp_npu_irq_bits & NPU_IRQ_ERROR);
    printf("npu bad descriptor: error %u reported\n", (unsigned)NPU_STATUS_ERR(status));
    return guest_pass();
}
