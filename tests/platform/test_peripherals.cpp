// Behaviour of the SystemC shells over time: PLIC wiring, CLINT timer at the
// exact crossing time, UART to the console, syscon ending the run.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bench.h"
#include "vp/console.h"
#include "vp/log.h"
#include "vp/sim_control.h"
#include "vp/stats.h"

using namespace vp_test;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {
// Runs the delta cycles pending at the current time.
void settle() {
    do {
        sc_core::sc_start(sc_core::SC_ZERO_TIME);
    } while (sc_core::sc_pending_activity_at_current_time());
}

// Records the times at which a signal changes.
struct Edges {
    std::vector<std::pair<sc_time, bool>> log;
    explicit Edges(sc_core::sc_signal<bool>& sig) {
        sc_core::sc_spawn_options o;
        o.spawn_method();
        o.set_sensitivity(&sig.value_changed_event());
        o.dont_initialize();
        sc_core::sc_spawn([this, &sig] { log.emplace_back(sc_core::sc_time_stamp(), sig.read()); },
                          sc_core::sc_gen_unique_name("edges"), &o);
    }
};

constexpr std::uint64_t P = VP_PLIC_BASE, C = VP_CLINT_BASE, U = VP_UART_BASE;
}  // namespace

TEST(PlicModel, LinesReachTheOutputThroughPriorityEnableAndClaim) {
    SocBench b;
    settle();
    b.line5.write(true);
    settle();
    EXPECT_TRUE(b.plic.core().pending(5));
    EXPECT_FALSE(b.meip.read());  // not enabled
    b.cpu.poke(P + VP_PLIC_PRIORITY(5), 2);
    b.cpu.poke(P + VP_PLIC_ENABLE, 1u << 5);
    settle();
    EXPECT_TRUE(b.meip.read());
    b.cpu.poke(P + VP_PLIC_THRESHOLD, 2);
    settle();
    EXPECT_FALSE(b.meip.read());
    b.cpu.poke(P + VP_PLIC_THRESHOLD, 1);
    settle();
    EXPECT_TRUE(b.meip.read());
    EXPECT_EQ(b.cpu.peek(P + VP_PLIC_CLAIM), 5u);
    settle();
    EXPECT_FALSE(b.meip.read());       // claimed
    b.cpu.poke(P + VP_PLIC_CLAIM, 5);  // line still high: pending again
    settle();
    EXPECT_TRUE(b.meip.read());
    EXPECT_EQ(b.cpu.peek(P + VP_PLIC_CLAIM), 5u);
    b.line5.write(false);
    settle();
    b.cpu.poke(P + VP_PLIC_CLAIM, 5);
    settle();
    EXPECT_FALSE(b.meip.read());
    EXPECT_EQ(b.cpu.peek(P + VP_PLIC_PENDING), 0u);
    EXPECT_EQ(vp::stats().read("plic.claims"), 2);
    EXPECT_EQ(vp::stats().read("plic.completes"), 2);
}

TEST(PlicModel, UartThrEmptyInterruptIsSource10) {
    SocBench b;
    settle();
    b.cpu.poke(P + VP_PLIC_PRIORITY(VP_IRQ_UART), 1);
    b.cpu.poke(P + VP_PLIC_ENABLE, 1u << VP_IRQ_UART);
    settle();
    EXPECT_FALSE(b.uart_irq.read());
    EXPECT_FALSE(b.meip.read());
    b.cpu.poke(U + VP_UART_IER, VP_UART_IER_ETBEI, 1);
    settle();
    EXPECT_TRUE(b.uart_irq.read());
    EXPECT_TRUE(b.meip.read());
    EXPECT_EQ(b.cpu.peek(U + VP_UART_IIR, 1), VP_UART_IIR_THRI);
    EXPECT_EQ(b.cpu.peek(P + VP_PLIC_CLAIM), VP_IRQ_UART);
    b.cpu.poke(U + VP_UART_IER, 0, 1);  // the handler disables ETBEI
    settle();                           // the line drops a delta later: complete after it did
    b.cpu.poke(P + VP_PLIC_CLAIM, VP_IRQ_UART);
    settle();
    EXPECT_FALSE(b.uart_irq.read());
    EXPECT_FALSE(b.meip.read());
    EXPECT_EQ(b.cpu.peek(U + VP_UART_IIR, 1), VP_UART_IIR_NONE);
}

TEST(ClintModel, TimerFiresAtTheExactCrossingTime) {
    SocBench b;
    Edges mtip(b.mtip);
    settle();
    EXPECT_FALSE(b.mtip.read());  // reset mtimecmp = all ones
    // 10 MHz: mtime 50 is reached at 5000 ns.
    b.cpu.poke(C + VP_CLINT_MTIMECMP + 4, 0);
    b.cpu.poke(C + VP_CLINT_MTIMECMP, 50);
    sc_core::sc_start(20, sc_core::SC_US);
    ASSERT_EQ(mtip.log.size(), 1u);
    EXPECT_EQ(mtip.log[0].first, sc_time(5000, SC_NS));
    EXPECT_TRUE(mtip.log[0].second);
    EXPECT_EQ(b.clint.mtime(), 200u);  // at 20 us
    // Moving mtimecmp ahead drops the line at once and re-arms it.
    b.cpu.poke(C + VP_CLINT_MTIMECMP, 250, 8);
    sc_core::sc_start(10, sc_core::SC_US);
    ASSERT_EQ(mtip.log.size(), 3u);
    EXPECT_EQ(mtip.log[1].first, sc_time(20, sc_core::SC_US));
    EXPECT_FALSE(mtip.log[1].second);
    EXPECT_EQ(mtip.log[2].first, sc_time(25, sc_core::SC_US));
    EXPECT_TRUE(mtip.log[2].second);
    // Writing mtime back re-times the crossing: at 30 us mtime := 240, so
    // mtime 250 is reached 1 us later; a stale event must not fire early.
    b.cpu.poke(C + VP_CLINT_MTIME, 240, 8);
    sc_core::sc_start(10, sc_core::SC_US);
    ASSERT_EQ(mtip.log.size(), 5u);
    EXPECT_EQ(mtip.log[3].first, sc_time(30, sc_core::SC_US));
    EXPECT_FALSE(mtip.log[3].second);
    EXPECT_EQ(mtip.log[4].first, sc_time(31, sc_core::SC_US));
    EXPECT_TRUE(mtip.log[4].second);
    // All ones: never again.
    b.cpu.poke(C + VP_CLINT_MTIMECMP, ~std::uint64_t{0}, 8);
    sc_core::sc_start(10, sc_core::SC_US);
    ASSERT_EQ(mtip.log.size(), 6u);
    EXPECT_FALSE(mtip.log[5].second);
    EXPECT_FALSE(sc_core::sc_pending_activity());  // no polling, nothing scheduled
}

TEST(ClintModel, CrossingBetweenTicksAndLocalTimeReads) {
    SocBench b;
    Edges mtip(b.mtip);
    sc_core::sc_start(1234, SC_NS);  // mtime 12
    EXPECT_EQ(b.cpu.peek(C + VP_CLINT_MTIME, 8), 12u);
    // The initiator's local time counts: 1234 + 266 = 1500 ns -> 15.
    std::uint64_t v = 0;
    ASSERT_TRUE(b.cpu.read(C + VP_CLINT_MTIME, v, 4, sc_time(266, SC_NS)).ok());
    EXPECT_EQ(v, 15u);
    b.cpu.poke(C + VP_CLINT_MTIMECMP, 13, 8);  // tick 13 at 1300 ns
    sc_core::sc_start(1, sc_core::SC_US);
    ASSERT_EQ(mtip.log.size(), 1u);
    EXPECT_EQ(mtip.log[0].first, sc_time(1300, SC_NS));
    // mtimecmp already reached when written: high after the write's delta.
    b.cpu.poke(C + VP_CLINT_MTIMECMP, ~std::uint64_t{0}, 8);
    settle();
    b.cpu.poke(C + VP_CLINT_MTIMECMP, 5, 8);
    settle();
    ASSERT_EQ(mtip.log.size(), 3u);
    EXPECT_EQ(mtip.log[2].first, sc_time(2234, SC_NS));
    EXPECT_TRUE(b.mtip.read());
}

TEST(ClintModel, SoftwareInterrupt) {
    SocBench b;
    settle();
    b.cpu.poke(C + VP_CLINT_MSIP, 1);
    settle();
    EXPECT_TRUE(b.msip.read());
    b.cpu.poke(C + VP_CLINT_MSIP, 2);  // bit 0 only
    settle();
    EXPECT_FALSE(b.msip.read());
    EXPECT_EQ(b.cpu.peek(C + VP_CLINT_MSIP), 0u);
}

TEST(UartModel, TransmittedBytesReachTheConsole) {
    SocBench b;
    settle();
    vp::console().clear();
    for (char ch : std::string("hi\n"))
        b.cpu.poke(U + VP_UART_THR, static_cast<unsigned char>(ch), 1);
    // A 4-byte write is four byte writes: THR, IER, FCR, LCR.
    b.cpu.poke(U + VP_UART_THR, 0x0300'00'21, 4);  // '!', IER 0, FCR 0, LCR 3
    EXPECT_EQ(vp::console().transcript(), "hi\n!");
    EXPECT_EQ(b.uart.tx_bytes(), 4u);
    EXPECT_EQ(vp::stats().read("uart.tx_bytes"), 4);
    EXPECT_EQ(b.cpu.peek(U + VP_UART_LCR, 1), 3u);
    EXPECT_EQ(b.cpu.peek(U + VP_UART_LSR, 1), VP_UART_LSR_THRE | VP_UART_LSR_TEMT);
}

TEST(UartModel, DivisorLatchDoesNotPrint) {
    SocBench b;
    settle();
    vp::console().clear();
    // The usual 16550 init: DLAB, divisor 3, 8N1.
    b.cpu.poke(U + VP_UART_LCR, VP_UART_LCR_DLAB, 1);
    b.cpu.poke(U + VP_UART_THR, 3, 1);  // DLL
    b.cpu.poke(U + VP_UART_IER, 0, 1);  // DLM
    EXPECT_EQ(b.cpu.peek(U + VP_UART_THR, 1), 3u);
    EXPECT_EQ(b.cpu.peek(U + VP_UART_IER, 1), 0u);
    b.cpu.poke(U + VP_UART_LCR, 0x03, 1);
    EXPECT_EQ(b.cpu.peek(U + VP_UART_THR, 1), 0u);  // RBR again
    b.cpu.poke(U + VP_UART_THR, 'x', 1);
    EXPECT_EQ(vp::console().transcript(), "x");
    EXPECT_EQ(b.uart.tx_bytes(), 1u);
}

TEST(SysconModel, PassEndsTheRunWithZero) {
    SocBench b;
    settle();
    b.cpu.poke(VP_SYSCON_BASE, VP_SYSCON_FINISHER_PASS);
    EXPECT_TRUE(vp::SimControl::finished());
    EXPECT_FALSE(vp::SimControl::failed());
    EXPECT_EQ(vp::SimControl::exit_status(), 0);
}

TEST(SysconModel, FailEndsTheRunWithTheCode) {
    SocBench b;
    settle();
    b.cpu.poke(VP_SYSCON_BASE, VP_SYSCON_FINISHER_FAIL | (42u << 16));
    EXPECT_TRUE(vp::SimControl::finished());
    EXPECT_FALSE(vp::SimControl::failed());
    EXPECT_EQ(vp::SimControl::exit_status(), 42);
    EXPECT_NE(vp::SimControl::message().find("42"), std::string::npos);
    // The first outcome is kept.
    b.cpu.poke(VP_SYSCON_BASE, VP_SYSCON_FINISHER_PASS);
    EXPECT_EQ(vp::SimControl::exit_status(), 42);
}

TEST(SysconModel, ResetEndsTheRunWithZero) {
    SocBench b;
    settle();
    b.cpu.poke(VP_SYSCON_BASE, VP_SYSCON_FINISHER_RESET);
    EXPECT_TRUE(vp::SimControl::finished());
    EXPECT_EQ(vp::SimControl::exit_status(), 0);
}

namespace {
int g_warnings = 0;
void count_warnings(const sc_core::sc_report& rep, const sc_core::sc_actions&) {
    if (rep.get_severity() == sc_core::SC_WARNING && std::string(rep.get_msg_type()) == "syscon")
        ++g_warnings;
    else if (rep.get_severity() >= sc_core::SC_WARNING)
        ADD_FAILURE() << rep.get_msg_type() << ": " << rep.get_msg();
}
}  // namespace

TEST(SysconModel, OtherValuesAreIgnoredWithAWarning) {
    SocBench b;
    settle();
    sc_core::sc_report_handler::set_handler(count_warnings);
    b.cpu.poke(VP_SYSCON_BASE, 0x1234);
    b.cpu.poke(VP_SYSCON_BASE, 0);
    EXPECT_EQ(g_warnings, 2);
    EXPECT_FALSE(vp::SimControl::finished());
    EXPECT_EQ(b.cpu.peek(VP_SYSCON_BASE), 0u);
}

TEST(SysconModel, AFloodOfWritesIsRateLimited) {
    // A guest writing junk to the finisher in a loop: the first
    // kLogRepeatLimit warnings are shown, the rest counted in one line.
    SocBench b;
    settle();
    vp::reset_log_limits();
    sc_core::sc_report_handler::set_handler(count_warnings);
    for (std::uint32_t i = 0; i < 1000; ++i)
        b.cpu.poke(VP_SYSCON_BASE, 0x1000 + i);
    EXPECT_EQ(g_warnings, static_cast<int>(vp::kLogRepeatLimit));
    const std::vector<std::string> summary = vp::log_suppressed_summary();
    ASSERT_EQ(summary.size(), 1u);
    EXPECT_EQ(summary[0], std::string(b.syscon.name()) + ": " +
                              std::to_string(1000 - vp::kLogRepeatLimit) +
                              " more like 'ignored write of 0x%08x to the finisher' not shown");
    EXPECT_FALSE(vp::SimControl::finished());
    vp::reset_log_limits();
    EXPECT_TRUE(vp::log_suppressed_summary().empty());
}

namespace {
std::vector<std::string> g_debug_lines;  // "<where>: <text>" of info-severity reports
void collect_debug(const sc_core::sc_report& rep, const sc_core::sc_actions&) {
    if (rep.get_severity() == sc_core::SC_INFO)
        g_debug_lines.push_back(std::string(rep.get_msg_type()) + ": " + rep.get_msg());
}
}  // namespace

TEST(PlicModel, DebugLogShowsInterruptsAndUnmappedAccesses) {
    SocBench b;
    settle();
    vp::set_log_level(vp::LogLevel::debug);
    sc_core::sc_report_handler::set_handler(collect_debug);
    b.cpu.poke(P + VP_PLIC_PRIORITY(5), 2);
    b.cpu.poke(P + VP_PLIC_ENABLE, 1u << 5);
    b.line5.write(true);
    settle();
    EXPECT_EQ(b.cpu.peek(P + VP_PLIC_CLAIM), 5u);
    settle();
    b.line5.write(false);
    settle();
    b.cpu.poke(P + VP_PLIC_CLAIM, 5);
    settle();
    std::uint64_t v = 0;
    EXPECT_FALSE(b.cpu.read(0x00000100, v, 4).ok());  // nothing mapped there
    const std::vector<std::string> expected = {
        "plic: source 5 raised",
        "plic: interrupt to the hart raised",
        "plic: claim: source 5",
        "plic: interrupt to the hart lowered",
        "plic: source 5 lowered",
        "plic: complete: source 5",
        std::string(b.bus.name()) + ": read of 4 bytes at unmapped 0x100: address error",
    };
    EXPECT_EQ(g_debug_lines, expected);
    // At the default level they cost a branch and print nothing.
    vp::set_log_level(vp::LogLevel::warn);
    g_debug_lines.clear();
    EXPECT_FALSE(b.cpu.read(0x00000100, v, 4).ok());
    EXPECT_TRUE(g_debug_lines.empty());
}

TEST(PlicModel, DebugReadsHaveNoSideEffects) {
    SocBench b;
    settle();
    b.line5.write(true);
    settle();
    b.cpu.poke(P + VP_PLIC_PRIORITY(5), 1);
    b.cpu.poke(P + VP_PLIC_ENABLE, 1u << 5);
    std::uint32_t v = 0;
    EXPECT_EQ(b.cpu.debug(tlm::TLM_READ_COMMAND, P + VP_PLIC_CLAIM, &v, 4), 0u);  // would claim
    EXPECT_EQ(b.cpu.debug(tlm::TLM_READ_COMMAND, P + VP_PLIC_PENDING, &v, 4), 4u);
    EXPECT_EQ(v, 1u << 5);
    EXPECT_EQ(b.cpu.debug(tlm::TLM_WRITE_COMMAND, P + VP_PLIC_THRESHOLD, &v, 4), 0u);
    EXPECT_EQ(b.cpu.debug(tlm::TLM_READ_COMMAND, C + VP_CLINT_MTIMECMP, &v, 4), 4u);
    EXPECT_EQ(v, 0xFFFFFFFFu);
    EXPECT_TRUE(b.plic.core().pending(5));
    EXPECT_EQ(b.cpu.peek(P + VP_PLIC_CLAIM), 5u);
}
