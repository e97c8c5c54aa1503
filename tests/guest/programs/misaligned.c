/*
 * Misaligned loads and stores (lh, lhu, lw, sh, sw at odd offsets). The
 * spec lets an implementation either perform them or raise an
 * address-misaligned exception. npu-vp traps (mcause 4/6, mepc = the
 * instruction, mtval = the address, memory and rd untouched); QEMU 7.2
 * performs them. This test checks whichever happens and says which on a
 * line of its own ("misaligned: trap" / "misaligned: performed"), so the
 * vp_run test can require "trap".
 */
#include <stdint.h>

#include "guest_check.h"
#include "vprt/rt.h"

uint32_t trap_load_half(uint32_t addr);
uint32_t trap_load_half_u(uint32_t addr);
uint32_t trap_load_word(uint32_t addr);
void trap_store_half(uint32_t addr, uint32_t v);
void trap_store_word(uint32_t addr, uint32_t v);

static volatile uint32_t s_count, s_cause, s_epc, s_tval;

static int on_exception(struct vp_trap_frame* f) {
    s_count++;
    s_cause = f->mcause;
    s_epc = f->mepc;
    s_tval = f->mtval;
    const uint16_t low = *(const volatile uint16_t*)(uintptr_t)f->mepc;
    f->mepc += (low & 3u) == 3u ? 4u : 2u;
    return 1;
}

static uint32_t s_mem[2];

static void reset_mem(void) {
    s_mem[0] = 0x44332211u;
    s_mem[1] = 0x887766f5u;
}

/* A trap must report exactly this access and leave memory alone. */
static void expect_trap(int id, uint32_t cause, const void* site, uint32_t addr) {
    CHECK(id, s_count == 1u);
    CHECK(id + 1, s_cause == cause);
    CHECK(id + 2, s_epc == (uint32_t)(uintptr_t)site);
    CHECK(id + 3, s_tval == addr);
    CHECK(id + 4, s_mem[0] == 0x44332211u && s_mem[1] == 0x887766f5u);
    s_count = 0;
}

int main(void) {
    vp_exception_register(on_exception);
    const uint32_t base = (uint32_t)(uintptr_t)s_mem;
    reset_mem();

    const uint32_t r = trap_load_half(base + 1u);
    const int trapping = s_count != 0u;
    printf("misaligned: %s\n", trapping ? "trap" : "performed");
    if (trapping) {
        CHECK(1, r == base + 1u); /* rd (a0) not written */
        expect_trap(2, VP_EXC_LOAD_MISALIGNED, trap_load_half, base + 1u);
        trap_load_half_u(base + 3u);
        expect_trap(7, VP_EXC_LOAD_MISALIGNED, trap_load_half_u, base + 3u);
        trap_load_word(base + 2u);
        expect_trap(12, VP_EXC_LOAD_MISALIGNED, trap_load_word, base + 2u);
        trap_load_word(base + 1u);
        expect_trap(17, VP_EXC_LOAD_MISALIGNED, trap_load_word, base + 1u);
        trap_store_half(base + 1u, 0xdeadu);
        expect_trap(22, VP_EXC_STORE_MISALIGNED, trap_store_half, base + 1u);
        trap_store_word(base + 3u, 0xdeadbeefu);
        expect_trap(27, VP_EXC_STORE_MISALIGNED, trap_store_word, base + 3u);
    } else {
        CHECK(40, r == 0x3322u);
        CHECK(41, trap_load_half(base + 3u) == 0xfffff544u);
        CHECK(42, trap_load_half_u(base + 3u) == 0xf544u);
        CHECK(43, trap_load_word(base + 2u) == 0x66f54433u);
        trap_store_half(base + 1u, 0xbeefu);
        CHECK(44, s_mem[0] == 0x44beef11u);
        trap_store_word(base + 3u, 0xa1b2c3d4u);
        CHECK(45, s_mem[0] == 0xd4beef11u && s_mem[1] == 0x88a1b2c3u);
        CHECK(46, s_count == 0u);
    }
    vp_exception_register(NULL);
    return guest_pass();
}
