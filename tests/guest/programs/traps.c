/*
 * Every synchronous trap cause the platform raises, with mcause, mepc and
 * mtval checked: illegal instruction (32- and 16-bit; mtval = the
 * instruction bits, as QEMU reports them, also for CSR accesses), load/store/fetch
 * access fault on an unmapped address, ecall, ebreak and c.ebreak
 * (misaligned accesses: misaligned.c). The handler skips the faulting instruction (or
 * returns to ra after a fetch fault) and records what it saw.
 */
#include <stdint.h>

#include "guest_check.h"
#include "vprt/rt.h"

/* Unmapped on our platform and on QEMU virt. (Not 0x40000000: that is QEMU
 * virt's PCIe MMIO window, where reads return all ones without a fault.) */
#define UNMAPPED_ADDR 0x00010000u

void trap_illegal_csr(void);
void trap_illegal_csr_unknown(void);
void trap_illegal_opcode(void);
void trap_illegal_c(void);
uint32_t trap_load_byte(uint32_t addr);
uint32_t trap_load_word(uint32_t addr);
void trap_store_byte(uint32_t addr, uint32_t v);
void trap_store_word(uint32_t addr, uint32_t v);
void trap_ecall(void);
void trap_ebreak(void);
void trap_cebreak(void);
void trap_jump(uint32_t addr);

static volatile uint32_t s_count, s_cause, s_epc, s_tval, s_mpp;

static int on_exception(struct vp_trap_frame* f) {
    s_count++;
    s_cause = f->mcause;
    s_epc = f->mepc;
    s_tval = f->mtval;
    s_mpp = (f->mstatus & VP_MSTATUS_MPP) >> 11;
    if (f->mcause == VP_EXC_INSN_ACCESS) {
        f->mepc = f->x[1]; /* came by jr from trap_jump: go back to its caller */
        return 1;
    }
    const uint16_t low = *(const volatile uint16_t*)(uintptr_t)f->mepc;
    f->mepc += (low & 3u) == 3u ? 4u : 2u;
    return 1;
}

/* Check one trap: count went up by one, cause, epc, tval as expected. */
static void expect(int id, uint32_t cause, const void* epc, uint32_t tval, int tval_may_be_zero) {
    CHECK(id, s_count == 1u);
    CHECK(id + 1, s_cause == cause);
    CHECK(id + 2, s_epc == (uint32_t)(uintptr_t)epc);
    CHECK(id + 3, s_tval == tval || (tval_may_be_zero && s_tval == 0u));
    CHECK(id + 4, s_mpp == 3u);
    s_count = 0;
}

int main(void) {
    vp_exception_register(on_exception);

    trap_illegal_csr();
    expect(1, VP_EXC_ILLEGAL_INSN, trap_illegal_csr, 0xc0001073u, 0);
    trap_illegal_csr_unknown();
    expect(16, VP_EXC_ILLEGAL_INSN, trap_illegal_csr_unknown, 0x7c002573u, 0);
    trap_illegal_opcode();
    expect(6, VP_EXC_ILLEGAL_INSN, trap_illegal_opcode, 0x0000006bu, 0);
    trap_illegal_c();
    expect(11, VP_EXC_ILLEGAL_INSN, trap_illegal_c, 0u, 0);

    trap_load_word(UNMAPPED_ADDR);
    expect(38, VP_EXC_LOAD_ACCESS, trap_load_word, UNMAPPED_ADDR, 0);
    trap_load_byte(UNMAPPED_ADDR + 3u);
    expect(43, VP_EXC_LOAD_ACCESS, trap_load_byte, UNMAPPED_ADDR + 3u, 0);
    trap_store_word(UNMAPPED_ADDR, 1u);
    expect(48, VP_EXC_STORE_ACCESS, trap_store_word, UNMAPPED_ADDR, 0);
    trap_store_byte(UNMAPPED_ADDR + 1u, 1u);
    expect(53, VP_EXC_STORE_ACCESS, trap_store_byte, UNMAPPED_ADDR + 1u, 0);
    trap_jump(UNMAPPED_ADDR);
    expect(58, VP_EXC_INSN_ACCESS, (const void*)(uintptr_t)UNMAPPED_ADDR, UNMAPPED_ADDR, 0);

    trap_ecall();
    expect(63, VP_EXC_ECALL_M, trap_ecall, 0u, 0);
    trap_ebreak();
    /* ebreak: mtval may be 0 (QEMU 7.2) or the pc (the spec allows both) */
    expect(68, VP_EXC_BREAKPOINT, trap_ebreak, (uint32_t)(uintptr_t)trap_ebreak, 1);
    trap_cebreak();
    expect(73, VP_EXC_BREAKPOINT, trap_cebreak, (uint32_t)(uintptr_t)trap_cebreak, 1);

    vp_exception_register(NULL);
    return guest_pass();
}
