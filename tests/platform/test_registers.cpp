// A table-driven walk over every register of the PLIC, CLINT, UART and syscon
// through the router at their memory-map addresses: reset values, write masks,
// read-only bits, then every access the blocks must refuse.
#include <gtest/gtest.h>

#include "bench.h"
#include "vp/sim_control.h"

using namespace vp_test;

namespace {

struct RegCase {
    const char* name;
    std::uint64_t addr;
    unsigned len;
    std::uint64_t reset;  // value read first
    bool do_write;
    std::uint64_t write;
    std::uint64_t after;  // value read after the write
};

constexpr std::uint64_t P = VP_PLIC_BASE, C = VP_CLINT_BASE, U = VP_UART_BASE;

// In order: later rows see the effects of earlier ones (IER before IIR).
const RegCase kRegs[] = {
    {"plic.priority0", P + VP_PLIC_PRIORITY(0), 4, 0, true, 7, 0},
    {"plic.priority1", P + VP_PLIC_PRIORITY(1), 4, 0, true, 0xFFFFFFFF, 7},
    {"plic.priority10", P + VP_PLIC_PRIORITY(10), 4, 0, true, 0x12, 2},
    {"plic.priority63", P + VP_PLIC_PRIORITY(63), 4, 0, true, 5, 5},
    {"plic.pending0", P + VP_PLIC_PENDING, 4, 0, true, 0xFFFFFFFF, 0},
    {"plic.pending1", P + VP_PLIC_PENDING + 4, 4, 0, true, 0xFFFFFFFF, 0},
    {"plic.enable0", P + VP_PLIC_ENABLE, 4, 0, true, 0xFFFFFFFF, 0xFFFFFFFE},
    {"plic.enable1", P + VP_PLIC_ENABLE + 4, 4, 0, true, 0x80000001, 0x80000001},
    {"plic.threshold", P + VP_PLIC_THRESHOLD, 4, 0, true, 0xFFFFFFF9, 1},
    {"plic.claim", P + VP_PLIC_CLAIM, 4, 0, true, 0, 0},
    {"clint.msip", C + VP_CLINT_MSIP, 4, 0, true, 0xFFFFFFFF, 1},
    {"clint.mtimecmp_lo", C + VP_CLINT_MTIMECMP, 4, 0xFFFFFFFF, true, 0x12345678, 0x12345678},
    {"clint.mtimecmp_hi", C + VP_CLINT_MTIMECMP + 4, 4, 0xFFFFFFFF, true, 0x9ABCDEF0, 0x9ABCDEF0},
    {"clint.mtimecmp", C + VP_CLINT_MTIMECMP, 8, 0x9ABCDEF012345678, true, 0x0000000100000002,
     0x0000000100000002},
    {"clint.mtime_lo", C + VP_CLINT_MTIME, 4, 0, true, 1000, 1000},
    {"clint.mtime_hi", C + VP_CLINT_MTIME + 4, 4, 0, true, 2, 2},
    {"clint.mtime", C + VP_CLINT_MTIME, 8, 0x2000003E8, true, 0x0000000500000006,
     0x0000000500000006},
    {"uart.rbr", U + VP_UART_THR, 1, 0, false, 0, 0},
    {"uart.iir_reset", U + VP_UART_IIR, 1, 0xC1, true, 0xFF /* FCR */, 0xC1},
    {"uart.ier", U + VP_UART_IER, 1, 0, true, 0xFF, 0x0F},
    {"uart.iir_etbei", U + VP_UART_IIR, 1, 0xC2, false, 0, 0xC2},
    {"uart.lcr", U + VP_UART_LCR, 1, 0, true, 0x03, 0x03},
    {"uart.mcr", U + VP_UART_MCR, 1, 0, true, 0xFF, 0x1F},
    {"uart.lsr", U + VP_UART_LSR, 1, 0x60, true, 0x00, 0x60},
    {"uart.msr", U + VP_UART_MSR, 1, 0, true, 0xFF, 0},
    {"uart.scr", U + VP_UART_SCR, 1, 0, true, 0x5A, 0x5A},
    {"uart.word4", U + 4, 4, 0x5A00601F, false, 0, 0x5A00601F},  // MCR, LSR, MSR, SCR
    {"uart.word0", U + 0, 4, 0x03C20F00, false, 0, 0x03C20F00},  // RBR, IER, IIR, LCR
    {"syscon.finisher", VP_SYSCON_BASE + VP_SYSCON_FINISHER, 4, 0, false, 0, 0},
    {"syscon.fw_step", VP_SYSCON_BASE + VP_SYSCON_FW_STEP, 4, 0, true, 0x02000007, 0x02000007},
};

struct ErrCase {
    const char* name;
    std::uint64_t addr;
    unsigned len;
    tlm::tlm_response_status want;
};

constexpr auto kAddr = tlm::TLM_ADDRESS_ERROR_RESPONSE;
constexpr auto kBurst = tlm::TLM_BURST_ERROR_RESPONSE;

const ErrCase kErrors[] = {
    {"plic.byte", P + VP_PLIC_PRIORITY(1), 1, kBurst},
    {"plic.half", P + VP_PLIC_PRIORITY(1), 2, kBurst},
    {"plic.double", P + VP_PLIC_PRIORITY(2), 8, kBurst},
    {"plic.misaligned", P + VP_PLIC_PRIORITY(1) + 2, 4, kAddr},
    {"plic.priority64", P + VP_PLIC_PRIORITY(64), 4, kAddr},
    {"plic.pending2", P + VP_PLIC_PENDING + 8, 4, kAddr},
    {"plic.enable2", P + VP_PLIC_ENABLE + 8, 4, kAddr},
    {"plic.context1", P + VP_PLIC_ENABLE + 0x80, 4, kAddr},
    {"plic.below_threshold", P + VP_PLIC_THRESHOLD - 4, 4, kAddr},
    {"plic.after_claim", P + VP_PLIC_CLAIM + 4, 4, kAddr},
    {"plic.last_word", P + VP_PLIC_SIZE - 4, 4, kAddr},
    {"clint.msip_byte", C + VP_CLINT_MSIP, 1, kBurst},
    {"clint.msip_half", C + VP_CLINT_MSIP, 2, kBurst},
    {"clint.msip_double", C + VP_CLINT_MSIP, 8, kAddr},
    {"clint.msip_hart1", C + VP_CLINT_MSIP + 4, 4, kAddr},
    {"clint.mtimecmp_misaligned", C + VP_CLINT_MTIMECMP + 4, 8, kAddr},
    {"clint.mtimecmp_hart1", C + VP_CLINT_MTIMECMP + 8, 4, kAddr},
    {"clint.mtime_byte", C + VP_CLINT_MTIME, 1, kBurst},
    {"clint.before_mtime", C + VP_CLINT_MTIME - 8, 8, kAddr},
    {"clint.last_word", C + VP_CLINT_SIZE - 4, 4, kAddr},
    {"uart.half", U + VP_UART_THR, 2, kBurst},
    {"uart.double", U + VP_UART_THR, 8, kBurst},
    {"uart.word_misaligned", U + VP_UART_LSR, 4, kAddr},
    {"uart.beyond_regs", U + 8, 1, kAddr},
    {"uart.last_byte", U + VP_UART_SIZE - 1, 1, kAddr},
    {"uart.word_beyond", U + 8, 4, kAddr},
    {"syscon.byte", VP_SYSCON_BASE, 1, kBurst},
    {"syscon.half", VP_SYSCON_BASE, 2, kBurst},
    {"syscon.double", VP_SYSCON_BASE, 8, kBurst},
    {"syscon.offset4", VP_SYSCON_BASE + 4, 4, kAddr},
    {"syscon.last_word", VP_SYSCON_BASE + VP_SYSCON_SIZE - 4, 4, kAddr},
};

}  // namespace

TEST(Registers, WalkResetValuesMasksAndReadOnlyBits) {
    SocBench b;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    for (const RegCase& r : kRegs) {
        SCOPED_TRACE(r.name);
        std::uint64_t v = 0;
        ASSERT_TRUE(b.cpu.read(r.addr, v, r.len).ok());
        EXPECT_EQ(v, r.reset) << std::hex << "reset 0x" << v;
        if (r.do_write) {
            ASSERT_TRUE(b.cpu.write(r.addr, r.write, r.len).ok());
        }
        ASSERT_TRUE(b.cpu.read(r.addr, v, r.len).ok());
        EXPECT_EQ(v, r.after) << std::hex << "after 0x" << v;
    }
    EXPECT_EQ(b.uart.tx_bytes(), 0u);
    EXPECT_FALSE(vp::SimControl::finished());
}

TEST(Registers, RefusedAccessesGetErrorsAndChangeNothing) {
    SocBench b;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    for (const ErrCase& e : kErrors) {
        SCOPED_TRACE(e.name);
        std::uint64_t v = 0;
        EXPECT_EQ(b.cpu.read(e.addr, v, e.len).status, e.want);
        EXPECT_EQ(b.cpu.write(e.addr, ~std::uint64_t{0}, e.len).status, e.want);
    }
    // Byte enables are refused by every register block.
    const std::uint64_t regs[] = {P + VP_PLIC_THRESHOLD, C + VP_CLINT_MTIMECMP, U + VP_UART_SCR,
                                  VP_SYSCON_BASE};
    for (std::uint64_t addr : regs) {
        SCOPED_TRACE(addr);
        const unsigned len = addr == U + VP_UART_SCR ? 1 : 4;
        unsigned char be[4] = {0xFF, 0xFF, 0xFF, 0xFF};
        std::uint32_t v = 0xFFFFFFFF;
        EXPECT_EQ(
            b.cpu.transport(tlm::TLM_WRITE_COMMAND, addr, &v, len, sc_core::SC_ZERO_TIME, be, len)
                .status,
            tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    }
    // Nothing moved: the registers still hold their reset values.
    EXPECT_EQ(b.cpu.peek(P + VP_PLIC_PRIORITY(1)), 0u);
    EXPECT_EQ(b.cpu.peek(P + VP_PLIC_THRESHOLD), 0u);
    EXPECT_EQ(b.cpu.peek(C + VP_CLINT_MTIMECMP, 8), ~std::uint64_t{0});
    EXPECT_EQ(b.cpu.peek(C + VP_CLINT_MSIP), 0u);
    EXPECT_EQ(b.cpu.peek(U + VP_UART_SCR, 1), 0u);
    EXPECT_EQ(b.uart.tx_bytes(), 0u);
    EXPECT_FALSE(vp::SimControl::finished());
}
