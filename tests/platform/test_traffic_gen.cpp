// The platform demo on a small bench: the traffic generator drives the UART,
// the PLIC and the DRAM through the bus and ends the run through the syscon.
#include <string>

#include <gtest/gtest.h>

#include "bench.h"
#include "vp/console.h"
#include "vp/sim_control.h"
#include "vp/stats.h"
#include "vp/traffic_gen.h"

using namespace vp_test;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {
struct DemoBench : ScBench {
    sc_time cycle{1, SC_NS};
    vp::Router bus{"bus"};
    vp::Memory dram;
    vp::Plic plic{"plic"};
    vp::Uart uart{"uart", cycle};
    vp::Syscon syscon{"syscon"};
    vp::TrafficGen tgen;
    sc_core::sc_signal<bool> meip{"meip"}, tgen_irq{"tgen_irq"}, uart_irq{"uart_irq"};
    sc_core::sc_signal<bool> dead{"dead"};  // for the failure case

    explicit DemoBench(bool wire_irq, vp::TrafficGenConfig cfg = {})
        : dram("dram", 1u << 20, vp::MemoryTiming{100, 16.0, true}, cycle),
          tgen("tgen", cycle, cfg) {
        tgen.bus_out.bind(bus.bus_in);
        bus.attach(syscon.bus_in, VP_SYSCON_BASE, VP_SYSCON_SIZE, "syscon");
        bus.attach(plic.bus_in, VP_PLIC_BASE, VP_PLIC_SIZE, "plic");
        bus.attach(uart.bus_in, VP_UART_BASE, VP_UART_SIZE, "uart");
        bus.attach(dram.bus_in, VP_DRAM_BASE, dram.size(), "dram");
        plic.irq_out(meip);
        uart.irq_out(uart_irq);
        plic.irq_in[VP_IRQ_UART](uart_irq);
        tgen.irq_out(tgen_irq);
        if (wire_irq) {
            plic.irq_in[VP_IRQ_TGEN](tgen_irq);
            tgen.cpu_irq_in(meip);
        } else {
            tgen.cpu_irq_in(dead);  // the PLIC's output never reaches it
        }
    }
};
}  // namespace

TEST(TrafficGen, DemoPassesAndCountsExactly) {
    DemoBench b(true);
    vp::console().clear();
    sc_core::sc_start();
    EXPECT_TRUE(vp::SimControl::finished());
    EXPECT_FALSE(vp::SimControl::failed());
    EXPECT_EQ(vp::SimControl::exit_status(), 0);
    const auto& r = b.tgen.result();
    EXPECT_TRUE(r.finished);
    EXPECT_EQ(r.failed, vp::TrafficGen::none);
    EXPECT_EQ(r.bytes_written, 65536u);
    EXPECT_EQ(r.bytes_read, 65536u);
    EXPECT_EQ(r.mismatches, 0u);
    // The DRAM counted exactly the bytes the generator moved, all as tgen.
    EXPECT_EQ(vp::stats().read("dram.write_bytes.tgen"), 65536);
    EXPECT_EQ(vp::stats().read("dram.read_bytes.tgen"), 65536);
    EXPECT_EQ(vp::stats().read("dram.writes.tgen"), 1024);
    EXPECT_EQ(vp::stats().read("dram.reads.tgen"), 1024);
    EXPECT_EQ(vp::stats().read("dram.read_bytes.cpu"), 0);
    EXPECT_EQ(vp::stats().read("dram.busy_cycles"), 2 * 1024 * 4);
    // One blocking 64-byte burst at a time: 4 beats + 100 latency each.
    EXPECT_EQ(r.dram_write_cycles, 1024u * 104u);
    EXPECT_EQ(r.dram_read_cycles, 1024u * 104u);
    // The pattern really is in DRAM.
    EXPECT_EQ(b.dram.data()[0], 0xA5);
    EXPECT_EQ(b.dram.data()[1], 7 ^ 0xA5);
    EXPECT_EQ(b.dram.data()[65536], 0);
    // The interrupt went through the PLIC once.
    EXPECT_EQ(vp::stats().read("plic.claims"), 1);
    EXPECT_EQ(vp::stats().read("plic.completes"), 1);
    // What the console shows.
    const std::string& out = vp::console().transcript();
    EXPECT_EQ(out.rfind("tgen: hello", 0), 0u) << out;
    EXPECT_NE(
        out.find("tgen: dram write: 65536 bytes in 1024 bursts, 106496 cycles (0.62 B/cycle)"),
        std::string::npos)
        << out;
    EXPECT_NE(out.find("tgen: dram read:  65536 bytes in 1024 bursts, 106496 cycles"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("tgen: PASS\n"), std::string::npos) << out;
    EXPECT_EQ(b.uart.tx_bytes(), out.size());
    EXPECT_EQ(r.uart_bytes, out.size());
    // Simulated time: both DRAM phases plus the one cycle the generator lets
    // its lowered line reach the PLIC; UART and PLIC accesses take no time.
    EXPECT_EQ(sc_core::sc_time_stamp(), sc_time(2 * 106496 + 1, SC_NS));
}

TEST(TrafficGen, MissingInterruptFailsWithItsStepCode) {
    DemoBench b(false, vp::TrafficGenConfig{0, 4096, 64, 500});
    vp::console().clear();
    sc_core::sc_start();
    EXPECT_TRUE(vp::SimControl::finished());
    // Step 3 would collide with vp_run's own status 3 (vp::guest_failure_status).
    EXPECT_EQ(vp::SimControl::exit_status(), vp::guest_failure_status(vp::TrafficGen::irq_raise));
    EXPECT_EQ(vp::SimControl::exit_status(), 1);
    EXPECT_EQ(b.tgen.result().failed, vp::TrafficGen::irq_raise);
    EXPECT_EQ(sc_core::sc_time_stamp(), sc_time(500, SC_NS));  // the timeout
    const std::string& out = vp::console().transcript();
    EXPECT_NE(out.find("tgen: FAIL step 3 (irq_raise): no PLIC interrupt within 500 cycles\n"),
              std::string::npos)
        << out;
    EXPECT_EQ(vp::stats().read("dram.write_bytes.tgen"), 0);
    EXPECT_FALSE(b.tgen_irq.read());  // the line is released on failure
}

TEST(TrafficGen, BusErrorInDramFailsTheWriteStep) {
    // Pattern placed so that it runs past the end of the 1 MiB DRAM.
    DemoBench b(true, vp::TrafficGenConfig{(1u << 20) - 1024, 4096, 64, 1000});
    vp::console().clear();
    sc_core::sc_start();
    EXPECT_EQ(vp::SimControl::exit_status(), static_cast<int>(vp::TrafficGen::dram_write));
    EXPECT_EQ(b.tgen.result().bytes_written, 1024u);
    EXPECT_EQ(vp::stats().read("dram.write_bytes.tgen"), 1024);
    const std::string& out = vp::console().transcript();
    EXPECT_NE(out.find("tgen: FAIL step 6 (dram_write): write of 64 bytes at 0x80100000: "
                       "TLM_ADDRESS_ERROR_RESPONSE"),
              std::string::npos)
        << out;
}
