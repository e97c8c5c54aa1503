// SystemC tests of rv::Cpu on a tiny bench: one target with RAM (DMI with
// latencies, invalidation on demand) and an MMIO window that records what
// the CPU writes and when. Each TEST builds its own bench (own process).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <tlm_utils/simple_target_socket.h>
#include <unistd.h>
#include <systemc>
#include <tlm>

#include "rv/cpu.h"
#include "rv_asm.h"
#include "sc_bench.h"
#include "vp/sim_control.h"
#include "vp/stats.h"
#include "vp/tlm_ext.h"

using namespace rv_asm;
using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_US;

namespace {

constexpr u32 kRam = 0x80000000u;
constexpr u32 kRamSize = 1u << 20;
constexpr u32 kMmio = 0x10000000u;  // +0: record, +4: read value

struct TestTarget : sc_core::sc_module {
    tlm_utils::simple_target_socket<TestTarget> socket{"socket"};
    std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(kRamSize, 0);
    bool dmi_enabled = true;
    sc_time ram_latency = sc_time(2, SC_NS);
    sc_time mmio_latency = sc_time(0, SC_NS);
    int transports = 0;
    int dmi_requests = 0;
    int untagged = 0;
    std::vector<std::pair<sc_time, u32>> writes;  // MMIO writes: (time, value)
    u32 read_value = 0;
    sc_core::sc_signal<bool>* irq = nullptr;  // kMmio + 8: write drives it

    explicit TestTarget(sc_core::sc_module_name n) : sc_module(n) {
        socket.register_b_transport(this, &TestTarget::b_transport);
        socket.register_get_direct_mem_ptr(this, &TestTarget::get_dmi);
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
        ++transports;
        if (vp::initiator_of(gp) != vp::InitiatorTag::cpu) ++untagged;
        const auto a = static_cast<u32>(gp.get_address());
        const unsigned n = gp.get_data_length();
        if (a >= kRam && a - kRam + n <= kRamSize) {
            if (gp.is_read())
                std::memcpy(gp.get_data_ptr(), &ram[a - kRam], n);
            else
                std::memcpy(&ram[a - kRam], gp.get_data_ptr(), n);
            delay += ram_latency;
            gp.set_dmi_allowed(dmi_enabled);
            gp.set_response_status(tlm::TLM_OK_RESPONSE);
            return;
        }
        if (a >= kMmio && a < kMmio + 0x100 && n <= 4) {
            u32 v = 0;
            if (gp.is_write()) {
                std::memcpy(&v, gp.get_data_ptr(), n);
                writes.emplace_back(sc_core::sc_time_stamp() + delay, v);
                if (a == kMmio + 8 && irq) irq->write(v != 0);
                if (a == kMmio + 12) vp::SimControl::request_exit(static_cast<int>(v), "finisher");
            } else {
                v = read_value;
                std::memcpy(gp.get_data_ptr(), &v, n);
            }
            delay += mmio_latency;
            gp.set_response_status(tlm::TLM_OK_RESPONSE);
            return;
        }
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    }
    bool get_dmi(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
        ++dmi_requests;
        const auto a = static_cast<u32>(gp.get_address());
        if (!dmi_enabled || a < kRam || a - kRam >= kRamSize) {
            if (a >= kMmio && a < kMmio + 0x100) {
                dmi.set_start_address(kMmio);
                dmi.set_end_address(kMmio + 0xff);
            }
            return false;
        }
        dmi.set_dmi_ptr(ram.data());
        dmi.set_start_address(kRam);
        dmi.set_end_address(kRam + kRamSize - 1);
        dmi.allow_read_write();
        dmi.set_read_latency(ram_latency);
        dmi.set_write_latency(ram_latency);
        return true;
    }
    void invalidate() { socket->invalidate_direct_mem_ptr(0, ~sc_dt::uint64{0}); }
};

struct CpuBench : vp_test::ScBench {
    sc_core::sc_signal<bool> ext{"ext"}, tim{"tim"}, sw{"sw"};
    TestTarget mem{"mem"};
    rv::Cpu cpu;

    explicit CpuBench(const rv::CpuConfig& cfg) : cpu("cpu", cfg, sc_time(1, SC_NS)) {
        vp::SimControl::reset();
        cpu.bus_out.bind(mem.socket);
        cpu.irq_external_in(ext);
        cpu.irq_timer_in(tim);
        cpu.irq_software_in(sw);
        cpu.set_reset_pc(kRam);
    }
    void load(const std::vector<u32>& words, u32 at = kRam) {
        std::memcpy(&mem.ram[at - kRam], words.data(), 4 * words.size());
    }
    static double stat(const char* name) { return vp::stats().read(name); }
};

rv::CpuConfig config(std::uint64_t quantum = 1000, std::uint64_t max_cycles = 0) {
    rv::CpuConfig c;
    c.quantum_cycles = quantum;
    c.max_cycles = max_cycles;
    c.timing = rv::CpuTiming{};
    c.timing.alu = 1;
    c.timing.load_store = 1;
    c.timing.branch_taken = 1;
    return c;
}

// Semihosting SYS_EXIT_EXTENDED with status in a register: needs a 2-word
// block at `block` (RAM). Clobbers a0, a1, t0.
std::vector<u32> exit_with(u32 status_reg, u32 block = kRam + 0x8000) {
    return {lui(5, block >> 12), lui(11, 0x20),        addi(11, 11, 0x26),  // a1 = 0x20026
            sw(11, 5, 0),        sw(status_reg, 5, 4), addi(11, 5, 0),
            addi(10, 0, 0x20),   0x01f01013u,          ebreak(),
            0x40705013u};
}

}  // namespace

TEST(RvCpu, RunsFromDmiAndExitsBySemihosting) {
    CpuBench b(config());
    // sum 1..100 in a loop, then exit with status (sum & 0xff) = 5050 & 0xff = 186
    std::vector<u32> prog = {addi(6, 0, 100), add(7, 7, 6), addi(6, 6, -1), bne(6, 0, -8),
                             andi(8, 7, 0xff)};
    for (u32 w : exit_with(8))
        prog.push_back(w);
    b.load(prog);
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    EXPECT_TRUE(vp::SimControl::finished());
    EXPECT_FALSE(vp::SimControl::failed()) << vp::SimControl::message();
    EXPECT_EQ(vp::SimControl::exit_status(), 186);
    EXPECT_EQ(vp::SimControl::message(), "semihosting exit");
    EXPECT_EQ(b.mem.transports, 0);  // everything through DMI
    EXPECT_GE(b.mem.dmi_requests, 1);
    EXPECT_EQ(CpuBench::stat("cpu.instructions"), 1 + 300 + 1 + 9);  // srai not reached
    EXPECT_EQ(CpuBench::stat("cpu.dmi_bytes"), 8);  // the two stores of the exit block
    EXPECT_EQ(CpuBench::stat("cpu.mmio_accesses"), 0);
    EXPECT_EQ(CpuBench::stat("cpu.sleep_cycles"), 0);
    EXPECT_EQ(CpuBench::stat("cpu.busy_cycles"), CpuBench::stat("cpu.cycles"));
    // 2 ns DMI latency on each of the 2 stores
    EXPECT_EQ(CpuBench::stat("cpu.cycles"), 1 + 300 + 1 + 9 + 2 * 2);
    // The run ends at the CPU's time (synced before the exit), without the
    // exit call's own cycle.
    EXPECT_EQ(sc_core::sc_time_stamp(), sc_time(1 + 300 + 1 + 8 + 2 * 2, SC_NS));
}

TEST(RvCpu, MmioSeesTheCpusLocalTime) {
    CpuBench b(config(1000));
    // lui t1, MMIO ; sw x0 ; 100 x addi ; sw ; ebreak-exit
    std::vector<u32> prog = {lui(6, kMmio >> 12), addi(7, 0, 1), sw(7, 6, 0)};
    for (int i = 0; i < 100; ++i)
        prog.push_back(addi(8, 8, 1));
    prog.push_back(addi(7, 0, 2));
    prog.push_back(sw(7, 6, 0));
    prog.push_back(lw(9, 6, 4));
    for (u32 w : exit_with(9))
        prog.push_back(w);
    b.mem.read_value = 9;
    b.mem.mmio_latency = sc_time(5, SC_NS);
    b.load(prog);
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    ASSERT_EQ(b.mem.writes.size(), 2u);
    // 2 instructions before the first store: it happens at 2 ns.
    EXPECT_EQ(b.mem.writes[0].first, sc_time(2, SC_NS));
    EXPECT_EQ(b.mem.writes[0].second, 1u);
    // store (1 + 5 latency) + 100 addi + 1 addi
    EXPECT_EQ(b.mem.writes[1].first, sc_time(2 + 6 + 101, SC_NS));
    EXPECT_EQ(vp::SimControl::exit_status(), 9);
    EXPECT_EQ(CpuBench::stat("cpu.mmio_accesses"), 3);
    EXPECT_EQ(b.mem.untagged, 0);
}

TEST(RvCpu, WfiSleepsUntilTheInterruptLine) {
    CpuBench b(config(1000));
    // mtvec = handler (kRam + 0x200); mie.MEIE; mstatus.MIE; wfi; loop.
    // handler: a0 = mcause & 0xff -> exit status 11.
    std::vector<u32> prog = {
        lui(5, kRam >> 12), addi(5, 5, 0x200), csrrw(0, kMtvec, 5),    lui(6, 1),
        addi(6, 6, -0x800), csrrw(0, kMie, 6), csrrsi(0, kMstatus, 8), wfi(),
        jal(0, -4)};
    b.load(prog);
    std::vector<u32> handler = {csrrs(9, kMcause, 0), andi(9, 9, 0xff)};
    for (u32 w : exit_with(9))
        handler.push_back(w);
    b.load(handler, kRam + 0x200);
    // A per-process file: parallel runs must not share (or clobber) one path.
    const std::string vcd_stem =
        ::testing::TempDir() + "test_rv_cpu_wfi_" + std::to_string(::getpid());
    sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file(vcd_stem.c_str());
    b.cpu.trace(tf);
    sc_core::sc_start(sc_time(5, SC_US));
    EXPECT_FALSE(vp::SimControl::finished());
    EXPECT_TRUE(b.cpu.sleeping());
    b.ext.write(true);
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    sc_core::sc_close_vcd_trace_file(tf);
    EXPECT_TRUE(vp::SimControl::finished());
    EXPECT_EQ(vp::SimControl::exit_status(), 11) << vp::SimControl::message();
    EXPECT_EQ(CpuBench::stat("cpu.interrupts"), 1);
    const double sleep = CpuBench::stat("cpu.sleep_cycles");
    EXPECT_GE(sleep, 4980);
    EXPECT_LE(sleep, 5000);
    EXPECT_EQ(CpuBench::stat("cpu.busy_cycles") + sleep, CpuBench::stat("cpu.cycles"));
    std::ifstream vcd(vcd_stem + ".vcd");
    std::stringstream text;
    text << vcd.rdbuf();
    EXPECT_NE(text.str().find("sleep"), std::string::npos);
    EXPECT_NE(text.str().find("irq"), std::string::npos);
    std::remove((vcd_stem + ".vcd").c_str());
}

TEST(RvCpu, MaxCyclesFailsTheRun) {
    CpuBench b(config(1000, 5000));
    b.load({addi(6, 6, 1), jal(0, -4)});
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    EXPECT_TRUE(vp::SimControl::failed());
    EXPECT_EQ(vp::SimControl::message().rfind("--max-cycles 5000 reached at pc=0x8000000", 0), 0u)
        << vp::SimControl::message();
    EXPECT_GE(sc_core::sc_time_stamp(), sc_time(5, SC_US));  // synced to the CPU's time
    EXPECT_LE(sc_core::sc_time_stamp(), sc_time(5002, SC_NS));
}

TEST(RvCpu, SleepWithNoPossibleWakeupLeavesNoActivity) {
    // Nothing can wake the core: it schedules nothing, so the kernel starves
    // and the platform reports a stall (vp_run's end-to-end test checks the
    // message) instead of simulating idle time until --max-cycles.
    CpuBench b(config(1000, 5000));
    b.load({wfi(), jal(0, -4)});
    sc_core::sc_start(sc_time(1, sc_core::SC_MS), sc_core::SC_EXIT_ON_STARVATION);
    EXPECT_FALSE(vp::SimControl::finished());
    EXPECT_TRUE(b.cpu.sleeping());
    EXPECT_FALSE(sc_core::sc_pending_activity());
    EXPECT_LT(sc_core::sc_time_stamp(), sc_time(1, SC_US));
}

TEST(RvCpu, TrapWithNoHandlerFailsWithOneLine) {
    CpuBench b(config());
    b.load({nop(), 0xffffffffu});
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    EXPECT_TRUE(vp::SimControl::failed());
    EXPECT_EQ(vp::SimControl::message(),
              "firmware trap: illegal instruction at pc=0x80000004 (mcause=2, mtval=0xffffffff) "
              "with no handler");
}

TEST(RvCpu, RunsAtMostOneQuantumAhead) {
    CpuBench b(config(1000));
    b.load({addi(6, 6, 1), jal(0, -4)});  // 2 cycles per iteration
    std::uint64_t seen = 0;
    struct Probe : sc_core::sc_module {
        SC_HAS_PROCESS(Probe);
        rv::Cpu& cpu;
        std::uint64_t& seen;
        Probe(sc_core::sc_module_name n, rv::Cpu& c, std::uint64_t& s)
            : sc_module(n), cpu(c), seen(s) {
            SC_THREAD(run);
        }
        void run() {
            wait(sc_time(10500, SC_NS));
            seen = cpu.core().stats().cycles;
        }
    } probe("probe", b.cpu, seen);
    sc_core::sc_start(sc_time(20, SC_US));
    // At 10.5 us the CPU has run to the 11 us quantum boundary, not further.
    EXPECT_GE(seen, 10500u);
    EXPECT_LE(seen, 11001u);
    EXPECT_GE(b.cpu.core().stats().cycles, 20000u);
}

TEST(RvCpu, DmiInvalidationIsHonoured) {
    CpuBench b(config(1000));
    // Count to 20000 in memory (load/add/store), then exit with 0.
    std::vector<u32> prog = {lui(5, (kRam + 0x8000) >> 12),
                             lui(6, 5),
                             addi(6, 6, -0x1e0),  // 20000
                             lw(7, 5, 0x10),
                             addi(7, 7, 1),
                             sw(7, 5, 0x10),
                             bne(7, 6, -12),
                             addi(9, 0, 0)};
    for (u32 w : exit_with(9))
        prog.push_back(w);
    b.load(prog);
    struct Poker : sc_core::sc_module {
        SC_HAS_PROCESS(Poker);
        TestTarget& mem;
        Poker(sc_core::sc_module_name n, TestTarget& m) : sc_module(n), mem(m) { SC_THREAD(run); }
        void run() {
            wait(sc_time(20, SC_US));
            mem.invalidate();
        }
    } poker("poker", b.mem);
    sc_core::sc_start(sc_time(10, sc_core::SC_MS));
    EXPECT_EQ(vp::SimControl::exit_status(), 0) << vp::SimControl::message();
    u32 count = 0;
    std::memcpy(&count, &b.mem.ram[0x8010], 4);
    EXPECT_EQ(count, 20000u);
    EXPECT_GE(b.mem.dmi_requests, 2);  // asked again after the invalidation
}

TEST(RvCpu, WithoutDmiEverythingGoesThroughTheBus) {
    CpuBench b(config(1000));
    b.mem.dmi_enabled = false;
    // Status 5: guest codes 2-4 are mapped away from vp_run's own statuses.
    std::vector<u32> prog = {addi(6, 0, 10), addi(6, 6, -1), bne(6, 0, -4), addi(9, 0, 5)};
    for (u32 w : exit_with(9))
        prog.push_back(w);
    b.load(prog);
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    EXPECT_EQ(vp::SimControl::exit_status(), 5) << vp::SimControl::message();
    EXPECT_GT(b.mem.transports, 10);
    EXPECT_EQ(CpuBench::stat("cpu.dmi_bytes"), 0);
}

TEST(RvCpu, InterruptRaisedByTheCpusOwnStoreIsTakenRightAfterIt) {
    CpuBench b(config(10000));
    b.mem.irq = &b.ext;
    // mtvec = handler; mie.MEIE; MIE; store 1 to the device's irq register;
    // then a long loop. The handler exits with (mepc - kRam) as the status.
    std::vector<u32> prog = {
        lui(5, kRam >> 12), addi(5, 5, 0x200), csrrw(0, kMtvec, 5),    lui(6, 1),
        addi(6, 6, -0x800), csrrw(0, kMie, 6), csrrsi(0, kMstatus, 8), lui(7, kMmio >> 12),
        addi(8, 0, 1),      sw(8, 7, 8),       addi(9, 9, 1),          jal(0, -4)};
    b.load(prog);
    std::vector<u32> handler = {csrrs(9, kMepc, 0), lui(10, kRam >> 12), sub(9, 9, 10)};
    for (u32 w : exit_with(9))
        handler.push_back(w);
    b.load(handler, kRam + 0x200);
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    EXPECT_EQ(vp::SimControl::exit_status(), 40)
        << vp::SimControl::message();  // after the sw at +36
    EXPECT_EQ(CpuBench::stat("cpu.interrupts"), 1);
}

TEST(RvCpu, CyclesMatchSimulatedTimeWhenAnMmioWriteEndsTheRun) {
    CpuBench b(config(10000));
    b.mem.mmio_latency = sc_time(3, SC_NS);
    // some work, an MMIO read (settled in SystemC time), a wfi woken by the
    // test at 2 us, more work, then the finisher register ends the run.
    std::vector<u32> prog = {
        lui(6, kMmio >> 12), addi(7, 0, 50),    addi(7, 7, -1), bne(7, 0, -4),  lw(8, 6, 4),
        addi(9, 0, 1 << 7),  csrrw(0, kMie, 9), wfi(),          addi(7, 0, 30), addi(7, 7, -1),
        bne(7, 0, -4),       addi(8, 0, 5),     sw(8, 6, 12),   jal(0, 0)};
    b.load(prog);
    struct Waker : sc_core::sc_module {
        SC_HAS_PROCESS(Waker);
        sc_core::sc_signal<bool>& line;
        Waker(sc_core::sc_module_name n, sc_core::sc_signal<bool>& l) : sc_module(n), line(l) {
            SC_THREAD(run);
        }
        void run() {
            wait(sc_time(2, SC_US));
            line.write(true);
        }
    } waker("waker", b.tim);
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    EXPECT_EQ(vp::SimControl::exit_status(), 5) << vp::SimControl::message();
    const double now_cycles = sc_core::sc_time_stamp() / sc_time(1, SC_NS);
    EXPECT_EQ(CpuBench::stat("cpu.cycles"), now_cycles);
    EXPECT_EQ(CpuBench::stat("cpu.busy_cycles") + CpuBench::stat("cpu.sleep_cycles"), now_cycles);
    EXPECT_GT(CpuBench::stat("cpu.sleep_cycles"), 1000);
    EXPECT_EQ(CpuBench::stat("cpu.mmio_accesses"), 2);
}
