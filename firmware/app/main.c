/*
 * The platform firmware: the runtime vp_run loads when no --firmware is
 * given. When the platform has put a model image in DRAM at
 * NPU_IMG_DEFAULT_LOAD_ADDR (vp_run --workload/--setup), it runs that model
 * (vprt/runtime.h) and ends with its status. Otherwise it reports what it
 * finds (misa, mhartid, a running mtime), checks the machine timer interrupt
 * with WFI, then runs one ResNet-50 layer on the
 * NPU under both control modes and reports what each cost:
 *   call mode: the CPU launches the kernel and sleeps until it interrupts;
 *   irq mode:  the NPU walks a two-descriptor list by itself (the layer under
 *              os, then under ws) and interrupts once at the end.
 * The tiling is fixed here (m32 c64 y4 x28, loops m y c x k l) until the
 * compiler chooses tilings. Tensor contents do not change cycles or traffic,
 * so the layer runs on whatever DRAM holds. On a machine without the NPU
 * (QEMU virt runs the DRAM-linked build) it says so and skips that part.
 */
#include <stdint.h>
#include <stdio.h>

#include "npu_abi/memory_map.h"
#include "npu_abi/npu_regs.h"
#include "vprt/mmio.h"
#include "vprt/npu.h"
#include "vprt/rt.h"
#include "vprt/runtime.h"

#define FW_TIMER_DELTA (VP_CLINT_MTIME_HZ / 1000u) /* 1 ms */
#define FW_MTIME_SPIN_LIMIT 1000000u

static volatile uint32_t s_timer_ticks;

static void on_timer(uint32_t irq) {
    (void)irq;
    s_timer_ticks++;
    vp_clint_set_mtimecmp(UINT64_MAX); /* one shot: lowers MTIP */
}

static void print_misa(uint32_t misa) {
    const uint32_t mxl = misa >> 30;
    printf("misa: 0x%08lx rv%s", (unsigned long)misa, mxl == 1u ? "32" : (mxl == 2u ? "64" : "??"));
    for (uint32_t bit = 0; bit < 26u; ++bit)
        if (misa & (1u << bit)) putchar('a' + (int)bit);
    putchar('\n');
}

static int check_mtime(void) {
    const uint64_t t0 = vp_clint_mtime();
    for (uint32_t i = 0; i < FW_MTIME_SPIN_LIMIT; ++i)
        if (vp_clint_mtime() != t0) return 1;
    return 0;
}

static int check_timer_irq(void) {
    vp_irq_register(VP_IRQ_MTI, on_timer);
    const uint64_t start = vp_clint_mtime();
    vp_clint_set_mtimecmp(start + FW_TIMER_DELTA);
    VP_CSR_SET(mie, VP_MIE_MTIE);
    vp_irq_global_enable();
    while (s_timer_ticks == 0u)
        vp_wfi();
    vp_irq_global_disable();
    VP_CSR_CLEAR(mie, VP_MIE_MTIE);
    return vp_clint_mtime() >= start + FW_TIMER_DELTA;
}

/* ---- NPU ---- */

/* Tensors live in DRAM, where the NPU's DMA reaches them, 16 MiB in: clear of
 * the DRAM-linked build's own image. */
#define FW_TENSORS (VP_DRAM_BASE + 0x01000000u)
#define FW_IFMAP (FW_TENSORS + 0x000000u)
#define FW_WEIGHT (FW_TENSORS + 0x040000u)
#define FW_OFMAP (FW_TENSORS + 0x080000u)
#define FW_PSUM (FW_TENSORS + 0x0C0000u)
#define FW_DESCS (FW_TENSORS + 0x180000u)

static volatile int s_probe_faulted;

/* A load access fault while probing: the NPU is not there. */
static int on_probe_fault(struct vp_trap_frame* f) {
    if (f->mcause != VP_EXC_LOAD_ACCESS || f->mtval != VP_NPU_BASE + NPU_REG_ID) return 0;
    s_probe_faulted = 1;
    f->mepc += 4; /* the probe load below is a 4-byte instruction */
    return 1;
}

static int npu_present(void) {
    uint32_t id = 0;
    vp_exception_register(on_probe_fault);
    __asm__ volatile(".option push\n.option norvc\nlw %0, 0(%1)\n.option pop"
                     : "=r"(id)
                     : "r"(VP_NPU_BASE + NPU_REG_ID)
                     : "memory");
    vp_exception_register(0);
    return !s_probe_faulted && id == NPU_REG_ID_RESET;
}

/* ResNet-50 conv3_x: 3x3 conv, C = M = 128, 28 x 28, stride 1, pad 1. */
static void resnet_conv3(npu_desc_t* d, uint8_t dataflow, uint16_t id, uint16_t flags) {
    static const uint16_t tile[6] = {32, 64, 4, 28, 3, 3};
    static const uint8_t order[6] = {NPU_DIM_M, NPU_DIM_Y, NPU_DIM_C,
                                     NPU_DIM_X, NPU_DIM_K, NPU_DIM_L};
    uint8_t* bytes = (uint8_t*)d;
    for (uint32_t i = 0; i < sizeof *d; ++i)
        bytes[i] = 0;
    d->op = NPU_OP_CONV;
    d->dataflow = dataflow;
    d->out_type = NPU_OUT_INT8;
    d->flags = flags;
    d->kernel_id = id;
    d->ifmap_addr = FW_IFMAP;
    d->weight_addr = FW_WEIGHT;
    d->ofmap_addr = FW_OFMAP;
    d->psum_addr = FW_PSUM;
    d->c = 128, d->h = 28, d->w = 28, d->m = 128, d->e = 28, d->f = 28, d->r = 3, d->s = 3;
    d->stride_h = d->stride_w = 1;
    d->pad_top = d->pad_left = d->pad_bottom = d->pad_right = 1;
    d->groups = 1;
    d->mult = 1 << 20, d->shift = 28;
    for (int i = 0; i < 6; ++i)
        d->tile[i] = tile[i], d->loop_order[i] = order[i];
}

static uint32_t npu_cycles(void) {
    return (uint32_t)vp_npu_counter(NPU_REG_CYCLES_LO);
}

static int run_npu(void) {
    vp_npu_init();
    /* call mode */
    npu_desc_t desc;
    resnet_conv3(&desc, NPU_DF_OS, 1, 0);
    uint32_t npu0 = npu_cycles();
    uint64_t cpu0 = vp_read_mcycle();
    vp_npu_launch(&desc);
    uint32_t status = vp_npu_wait_irq();
    uint64_t cpu1 = vp_read_mcycle();
    if (!(status & NPU_STATUS_DONE) || (status & NPU_STATUS_ERROR)) {
        printf("npu call mode: error %lu\n", (unsigned long)NPU_STATUS_ERR(status));
        return 0;
    }
    printf("npu call mode: conv3_x os, %lu NPU cycles, %lu CPU cycles from launch to wake-up\n",
           (unsigned long)(npu_cycles() - npu0), (unsigned long)(cpu1 - cpu0));
    /* irq mode: the same layer under os, then ws, from a list in DRAM */
    npu_desc_t* list = (npu_desc_t*)FW_DESCS;
    resnet_conv3(&list[0], NPU_DF_OS, 2, 0);
    resnet_conv3(&list[1], NPU_DF_WS, 3, NPU_DESC_F_LAST);
    npu0 = npu_cycles();
    cpu0 = vp_read_mcycle();
    vp_npu_start_list(list, 2);
    status = vp_npu_wait_irq();
    cpu1 = vp_read_mcycle();
    if (!(status & NPU_STATUS_DONE) || (status & NPU_STATUS_ERROR)) {
        printf("npu irq mode: error %lu\n", (unsigned long)NPU_STATUS_ERR(status));
        return 0;
    }
    printf("npu irq mode: conv3_x os + ws, %lu NPU cycles, %lu CPU cycles from start to wake-up\n",
           (unsigned long)(npu_cycles() - npu0), (unsigned long)(cpu1 - cpu0));
    return 1;
}

int main(void) {
    /* The DRAM-linked build's own code sits at the load address: never an image's magic. */
    const npu_img_header_t* model = vp_model_find(NPU_IMG_DEFAULT_LOAD_ADDR);
    if (model) return vp_model_run(model);
    printf("npu-vp firmware (rv32imc, M-mode)\n");
    print_misa(VP_CSR_READ(misa));
    printf("mhartid: %lu\n", (unsigned long)VP_CSR_READ(mhartid));
    if (!check_mtime()) {
        printf("mtime: stopped\n");
        return 1;
    }
    printf("mtime: running\n");
    if (!check_timer_irq()) {
        printf("timer interrupt: woke too early\n");
        return 2;
    }
    printf("timer interrupt: ok\n");
    if (!npu_present()) {
        printf("npu: not present\n");
    } else if (!run_npu()) {
        return 3;
    }
    printf("firmware: done\n");
    return 0;
}
