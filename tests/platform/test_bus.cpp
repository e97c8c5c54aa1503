// Router + memories end to end: decode, timing, counters, errors, debug, DMI.
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bench.h"
#include "vp/stats.h"

using namespace vp_test;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {
double stat(const std::string& path) {
    return vp::stats().read(path);
}

void elaborate() {
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
}
}  // namespace

TEST(Bus, ReadsBackWhatWasWrittenThroughTheRouter) {
    SocBench b;
    elaborate();
    std::uint8_t out[64], in[64] = {};
    for (int i = 0; i < 64; ++i)
        out[i] = static_cast<std::uint8_t>(3 * i + 1);
    EXPECT_TRUE(b.cpu.transport(tlm::TLM_WRITE_COMMAND, VP_DRAM_BASE + 0x1000, out, 64).ok());
    EXPECT_TRUE(b.dma.transport(tlm::TLM_READ_COMMAND, VP_DRAM_BASE + 0x1000, in, 64).ok());
    EXPECT_EQ(std::memcmp(in, out, 64), 0);
    EXPECT_EQ(std::memcmp(b.dram.data() + 0x1000, out, 64), 0);  // local address 0x1000
    b.cpu.poke(VP_SRAM_BASE + 0xFFFC, 0xCAFEF00D);
    EXPECT_EQ(b.cpu.peek(VP_SRAM_BASE + 0xFFFC), 0xCAFEF00Du);
    std::uint32_t v;
    std::memcpy(&v, b.sram.data() + 0xFFFC, 4);
    EXPECT_EQ(v, 0xCAFEF00Du);
}

TEST(Bus, DramTimingIsLatencyPlusSharedBandwidth) {
    SocBench b;  // DRAM: 100 cycles latency, 16 B/cycle, 1 ns cycle
    elaborate();
    std::uint8_t buf[64] = {};
    // t=0: 64 B occupy cycles 0..3, complete at 4 + 100.
    EXPECT_EQ(b.cpu.transport(tlm::TLM_READ_COMMAND, VP_DRAM_BASE, buf, 64).delay,
              sc_time(104, SC_NS));
    // A second initiator at the same time waits for the beats, not the latency.
    EXPECT_EQ(b.dma.transport(tlm::TLM_READ_COMMAND, VP_DRAM_BASE, buf, 64).delay,
              sc_time(108, SC_NS));
    // Annotated delay is the request time: 10 ns -> cycle 10, free since 8.
    EXPECT_EQ(
        b.cpu.transport(tlm::TLM_WRITE_COMMAND, VP_DRAM_BASE, buf, 4, sc_time(10, SC_NS)).delay,
        sc_time(111, SC_NS));
    // A request between cycle edges is sampled at the next edge (10.5 -> 11),
    // where the channel is busy until 11.
    EXPECT_EQ(
        b.cpu.transport(tlm::TLM_WRITE_COMMAND, VP_DRAM_BASE, buf, 17, sc_time(10.5, SC_NS)).delay,
        sc_time(11 + 2 + 100, SC_NS));
    // Later in simulated time the returned delay is relative to now.
    sc_core::sc_start(50, SC_NS);
    EXPECT_EQ(b.cpu.transport(tlm::TLM_READ_COMMAND, VP_DRAM_BASE, buf, 64).delay,
              sc_time(104, SC_NS));
    EXPECT_EQ(stat("dram.busy_cycles"), 4 + 4 + 1 + 2 + 4);
    // SRAM: 1 cycle, no bandwidth limit.
    EXPECT_EQ(b.cpu.transport(tlm::TLM_READ_COMMAND, VP_SRAM_BASE, buf, 64).delay,
              sc_time(1, SC_NS));
    EXPECT_EQ(
        b.dma.transport(tlm::TLM_READ_COMMAND, VP_SRAM_BASE, buf, 64, sc_time(3, SC_NS)).delay,
        sc_time(4, SC_NS));
}

TEST(Bus, CountersPerInitiator) {
    SocBench b;
    elaborate();
    std::uint8_t buf[256] = {};
    b.cpu.transport(tlm::TLM_READ_COMMAND, VP_DRAM_BASE, buf, 256);
    b.cpu.transport(tlm::TLM_READ_COMMAND, VP_DRAM_BASE, buf, 4);
    b.cpu.transport(tlm::TLM_WRITE_COMMAND, VP_DRAM_BASE, buf, 8);
    b.dma.transport(tlm::TLM_WRITE_COMMAND, VP_DRAM_BASE, buf, 128);
    b.dma.transport(tlm::TLM_READ_COMMAND, VP_SRAM_BASE, buf, 16);
    EXPECT_EQ(stat("dram.read_bytes.cpu"), 260);
    EXPECT_EQ(stat("dram.reads.cpu"), 2);
    EXPECT_EQ(stat("dram.write_bytes.cpu"), 8);
    EXPECT_EQ(stat("dram.writes.cpu"), 1);
    EXPECT_EQ(stat("dram.write_bytes.npu_dma"), 128);
    EXPECT_EQ(stat("dram.read_bytes.npu_dma"), 0);
    EXPECT_EQ(stat("dram.read_bytes.tgen"), 0);
    EXPECT_EQ(stat("dram.read_bytes.unknown"), 0);
    EXPECT_EQ(stat("sram.read_bytes.npu_dma"), 16);
    EXPECT_EQ(b.dram.read_bytes(vp::InitiatorTag::cpu), 260u);
    EXPECT_EQ(b.dram.writes(vp::InitiatorTag::npu_dma), 1u);
    EXPECT_EQ(b.bus.transactions(), 5u);
    EXPECT_EQ(stat("bus.transactions"), 5);
    EXPECT_EQ(stat("bus.targets.dram.transactions"), 4);
    EXPECT_EQ(stat("bus.targets.dram.bytes"), 256 + 4 + 8 + 128);
    EXPECT_EQ(stat("bus.targets.sram.bytes"), 16);
    EXPECT_EQ(stat("bus.targets.uart.transactions"), 0);
    EXPECT_EQ(b.bus.target_bytes(5), 396u);  // attach order: dram is the sixth
    EXPECT_EQ(b.bus.target_transactions(2), 1u);
    // Debug accesses are not counted.
    b.cpu.debug(tlm::TLM_READ_COMMAND, VP_DRAM_BASE, buf, 64);
    EXPECT_EQ(stat("dram.read_bytes.cpu"), 260);
    EXPECT_EQ(b.bus.transactions(), 5u);
}

TEST(Bus, DecodeErrors) {
    SocBench b;
    elaborate();
    std::uint64_t v = 0;
    const std::uint64_t dram_end = VP_DRAM_BASE + b.dram.size();
    EXPECT_EQ(b.cpu.read(0x0, v, 4).status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(b.cpu.read(0x20000000, v, 4).status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(b.cpu.read(dram_end, v, 4).status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(b.cpu.read(dram_end - 2, v, 4).status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_TRUE(b.cpu.read(dram_end - 4, v, 4).ok());
    EXPECT_EQ(b.cpu.read(VP_SRAM_BASE + b.sram.size() - 4, v, 8).status,
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(b.cpu.read(VP_DRAM_BASE, v, 0).status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(b.bus.decode_errors(), 6u);
    EXPECT_EQ(b.bus.transactions(), 7u);
    EXPECT_EQ(stat("dram.errors"), 0);  // the decoder answered, not the DRAM
    EXPECT_EQ(stat("dram.read_bytes.cpu"), 4);
}

TEST(Bus, AttachRejectsOverlapsAndEmptyWindows) {
    ScBench guard;
    const sc_time cycle(1, SC_NS);
    vp::Router bus("bus");
    vp::Memory a("a", 0x1000, {}, cycle), c("c", 0x1000, {}, cycle), d("d", 0x1000, {}, cycle);
    bus.attach(a.bus_in, 0x1000, 0x1000, "a");
    try {
        bus.attach(c.bus_in, 0x1800, 0x1000, "c");
        ADD_FAILURE() << "overlap accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("'c'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("'a'"), std::string::npos) << e.what();
    }
    EXPECT_THROW(bus.attach(d.bus_in, 0x3000, 0, "d"), std::invalid_argument);
    EXPECT_EQ(bus.address_map().size(), 1u);
}

TEST(Bus, DebugTransportTranslatesAndClips) {
    SocBench b;
    elaborate();
    const char msg[] = "debug";
    EXPECT_EQ(b.cpu.debug(tlm::TLM_WRITE_COMMAND, VP_DRAM_BASE + 0x40, const_cast<char*>(msg), 6),
              6u);
    EXPECT_STREQ(reinterpret_cast<const char*>(b.dram.data() + 0x40), "debug");
    char back[6] = {};
    EXPECT_EQ(b.cpu.debug(tlm::TLM_READ_COMMAND, VP_DRAM_BASE + 0x40, back, 6), 6u);
    EXPECT_STREQ(back, "debug");
    std::uint8_t buf[16];
    const std::uint64_t dram_end = VP_DRAM_BASE + b.dram.size();
    EXPECT_EQ(b.cpu.debug(tlm::TLM_READ_COMMAND, dram_end - 4, buf, 16), 4u);
    EXPECT_EQ(b.cpu.debug(tlm::TLM_READ_COMMAND, 0x20000000, buf, 16), 0u);
    std::uint64_t lsr = 0;
    EXPECT_EQ(b.cpu.debug(tlm::TLM_READ_COMMAND, VP_UART_BASE + VP_UART_LSR, &lsr, 1), 1u);
    EXPECT_EQ(lsr, VP_UART_LSR_THRE | VP_UART_LSR_TEMT);
    EXPECT_EQ(b.uart.tx_bytes(), 0u);
}

TEST(Bus, DmiGrantIsTranslatedToGlobalAddresses) {
    SocBench b;
    elaborate();
    tlm::tlm_dmi dmi;
    ASSERT_TRUE(b.cpu.dmi(VP_DRAM_BASE + 0x100, dmi));
    EXPECT_EQ(dmi.get_dmi_ptr(), b.dram.data());
    EXPECT_EQ(dmi.get_start_address(), VP_DRAM_BASE);
    EXPECT_EQ(dmi.get_end_address(), VP_DRAM_BASE + b.dram.size() - 1);
    EXPECT_TRUE(dmi.is_read_write_allowed());
    EXPECT_EQ(dmi.get_read_latency(), sc_time(100, SC_NS));
    EXPECT_EQ(dmi.get_write_latency(), sc_time(100, SC_NS));
    // A write through the pointer is what the bus reads; DMI is not counted.
    const std::uint32_t v = 0x12345678;
    std::memcpy(dmi.get_dmi_ptr() + (VP_DRAM_BASE + 0x200 - dmi.get_start_address()), &v, 4);
    EXPECT_EQ(b.cpu.peek(VP_DRAM_BASE + 0x200), 0x12345678u);
    EXPECT_EQ(stat("dram.read_bytes.cpu"), 4);

    ASSERT_TRUE(b.dma.dmi(VP_SRAM_BASE, dmi));
    EXPECT_EQ(dmi.get_start_address(), VP_SRAM_BASE);
    EXPECT_EQ(dmi.get_end_address(), VP_SRAM_BASE + b.sram.size() - 1);
    EXPECT_EQ(dmi.get_read_latency(), sc_time(1, SC_NS));

    // Unmapped: refused, and the answer covers the whole gap.
    EXPECT_FALSE(b.cpu.dmi(0x20000000, dmi));
    EXPECT_EQ(dmi.get_start_address(), VP_UART_BASE + VP_UART_SIZE);
    EXPECT_EQ(dmi.get_end_address(), VP_DRAM_BASE - 1u);
    EXPECT_EQ(dmi.get_granted_access(), tlm::tlm_dmi::DMI_ACCESS_NONE);
    // A register block offers no DMI.
    EXPECT_FALSE(b.cpu.dmi(VP_UART_BASE, dmi));
}

TEST(Bus, DmiRefusedWhenTheMemoryDisallowsIt) {
    ScBench guard;
    const sc_time cycle(2, SC_NS);
    TestInitiator cpu("cpu", vp::InitiatorTag::cpu);
    vp::Router bus("bus");
    vp::Memory mem("mem", 0x1000, vp::MemoryTiming{3, 4.0, false}, cycle);
    cpu.bus_out.bind(bus.bus_in);
    bus.attach(mem.bus_in, 0x8000, 0x1000, "mem");
    elaborate();
    tlm::tlm_dmi dmi;
    EXPECT_FALSE(cpu.dmi(0x8000, dmi));
    EXPECT_EQ(dmi.get_start_address(), 0x8000u);
    EXPECT_EQ(dmi.get_end_address(), 0x8FFFu);
    // 2 ns cycle: 16 B at 4 B/cycle = 4 cycles + 3 latency = 14 ns.
    std::uint8_t buf[16] = {};
    EXPECT_EQ(cpu.transport(tlm::TLM_READ_COMMAND, 0x8000, buf, 16).delay, sc_time(14, SC_NS));
    // A request at 3 ns is sampled at the cycle edge at 4 ns: channel free at
    // cycle 4 (8 ns), so 8 + 8 + 6 = 22 ns from now.
    EXPECT_EQ(cpu.transport(tlm::TLM_READ_COMMAND, 0x8000, buf, 16, sc_time(3, SC_NS)).delay,
              sc_time(22, SC_NS));
}

TEST(Bus, InvalidationIsTranslatedAndSentToAllInitiators) {
    ScBench guard;
    TestInitiator cpu("cpu", vp::InitiatorTag::cpu), dma("dma", vp::InitiatorTag::npu_dma);
    vp::Router bus("bus");
    DmiTarget t0("t0", 0x2000), t1("t1", 0x100);
    cpu.bus_out.bind(bus.bus_in);
    dma.bus_out.bind(bus.bus_in);
    bus.attach(t1.bus_in, 0x50000000, 0x100, "t1");
    bus.attach(t0.bus_in, 0x40000000, 0x1000, "t0");  // maps half of t0
    elaborate();
    tlm::tlm_dmi dmi;
    ASSERT_TRUE(cpu.dmi(0x40000800, dmi));
    EXPECT_EQ(dmi.get_start_address(), 0x40000000u);
    EXPECT_EQ(dmi.get_end_address(), 0x40000FFFu);  // clipped to the window
    EXPECT_EQ(dmi.get_dmi_ptr(), t0.mem.data());

    t0.revoke(0x10, 0x20);
    t1.revoke(0, ~std::uint64_t{0});
    t0.revoke(0x1800, 0x1900);  // outside the window: nobody sees it
    t0.revoke(0xF00, 0x1FFF);
    const std::vector<std::pair<std::uint64_t, std::uint64_t>> want = {
        {0x40000010, 0x40000020}, {0x50000000, 0x500000FF}, {0x40000F00, 0x40000FFF}};
    EXPECT_EQ(cpu.invalidations, want);
    EXPECT_EQ(dma.invalidations, want);
}

TEST(Memory, RangeLengthStreamingAndByteEnables) {
    ScBench guard;
    TestInitiator cpu("cpu", vp::InitiatorTag::cpu);
    vp::Memory mem("mem", 0x100, vp::MemoryTiming{2, 0.0, true}, sc_time(1, SC_NS));
    cpu.bus_out.bind(mem.bus_in);
    elaborate();
    std::uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    EXPECT_EQ(cpu.transport(tlm::TLM_WRITE_COMMAND, 0x100, buf, 1).status,
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(cpu.transport(tlm::TLM_WRITE_COMMAND, 0xFC, buf, 8).status,
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(cpu.transport(tlm::TLM_WRITE_COMMAND, 0x0, buf, 0).status,
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(cpu.transport(tlm::TLM_WRITE_COMMAND, ~std::uint64_t{0}, buf, 2).status,
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(
        cpu.transport(tlm::TLM_WRITE_COMMAND, 0x0, buf, 8, sc_core::SC_ZERO_TIME, nullptr, 0, 4)
            .status,
        tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(vp::stats().read("mem.errors"), 5);
    EXPECT_EQ(vp::stats().read("mem.write_bytes.cpu"), 0);

    // Byte enables (pattern repeats over the length): bytes 0, 2, 4, 6 only.
    unsigned char be[2] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};
    const Access w =
        cpu.transport(tlm::TLM_WRITE_COMMAND, 0x10, buf, 8, sc_core::SC_ZERO_TIME, be, 2);
    EXPECT_TRUE(w.ok());
    EXPECT_EQ(w.delay, sc_time(2, SC_NS));
    const std::uint8_t want[8] = {1, 0, 3, 0, 5, 0, 7, 0};
    EXPECT_EQ(std::memcmp(mem.data() + 0x10, want, 8), 0);
    std::uint8_t in[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    unsigned char be_read[8] = {0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF};
    EXPECT_TRUE(
        cpu.transport(tlm::TLM_READ_COMMAND, 0x10, in, 8, sc_core::SC_ZERO_TIME, be_read, 8).ok());
    const std::uint8_t want_in[8] = {9, 9, 9, 9, 5, 0, 7, 0};
    EXPECT_EQ(std::memcmp(in, want_in, 8), 0);
    EXPECT_EQ(vp::stats().read("mem.write_bytes.cpu"), 8);
    EXPECT_EQ(vp::stats().read("mem.read_bytes.cpu"), 8);
}

TEST(Memory, LargeDramCostsNothingUntilTouched) {
    ScBench guard;
    // 2 GiB, the whole DRAM window: an anonymous mapping, backed on first touch.
    vp::Memory dram("dram", VP_DRAM_MAX_SIZE, vp::MemoryTiming{100, 16.0, true}, sc_time(1, SC_NS));
    EXPECT_EQ(dram.size(), std::uint64_t{VP_DRAM_MAX_SIZE});
    EXPECT_EQ(dram.data()[VP_DRAM_MAX_SIZE - 1], 0);
    dram.data()[VP_DRAM_MAX_SIZE - 1] = 42;
    EXPECT_EQ(dram.data()[VP_DRAM_MAX_SIZE - 1], 42);
    EXPECT_THROW(vp::Memory("empty", 0, {}, sc_time(1, SC_NS)), std::invalid_argument);
    EXPECT_THROW(vp::Memory("nocycle", 16, {}, sc_core::SC_ZERO_TIME), std::invalid_argument);
}

namespace {
// Pages of [p, p + len) resident in host memory (mincore): what a loader
// that touched them would have made resident.
std::size_t resident_pages(const std::uint8_t* p, std::size_t len) {
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> vec((len + page - 1) / page);
    if (::mincore(const_cast<std::uint8_t*>(p), len, vec.data()) != 0) return ~std::size_t{0};
    std::size_t n = 0;
    for (unsigned char v : vec)
        n += v & 1u;
    return n;
}
}  // namespace

TEST(Memory, ZeroingABigBssLeavesItsPagesUntouched) {
    // A 1 GiB .bss in a fresh DRAM: zero() must not write (and so back) the
    // pages that are zero already; the few it was given dirty are zero after.
    ScBench guard;
    vp::Memory dram("dram", VP_DRAM_MAX_SIZE, vp::MemoryTiming{100, 16.0, true}, sc_time(1, SC_NS));
    const std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t start = 0x1234;  // not page aligned: a partial first page
    const std::uint64_t len = (std::uint64_t{1} << 30) + 0x567;
    std::uint8_t* d = dram.data();
    d[start - 1] = 0x11;  // just before: kept
    d[start] = 0x22;      // first byte, in a partial page
    d[start + len / 2] = 0x33;
    d[start + len - 1] = 0x44;  // last byte, in a partial page
    d[start + len] = 0x55;      // just after: kept
    dram.zero(start, len);
    // At most the two partial edge pages stay resident (the middle page was
    // released, not written over). Checked before reading anything back: a
    // read maps the host's zero page, which counts as resident.
    const std::uint64_t first_full = (start + page - 1) / page * page;
    const std::uint64_t end_full = (start + len) / page * page;
    EXPECT_EQ(resident_pages(d + first_full, end_full - first_full), 0u);
    EXPECT_EQ(d[start - 1], 0x11);
    EXPECT_EQ(d[start], 0);
    EXPECT_EQ(d[start + len / 2], 0);
    EXPECT_EQ(d[start + len - 1], 0);
    EXPECT_EQ(d[start + len], 0x55);
    EXPECT_THROW(dram.zero(VP_DRAM_MAX_SIZE - 1, 2), std::out_of_range);
}

TEST(Bus, RoutersCascadeWithDmiAndInvalidation) {
    // A top-level bus with a sub-bus behind one window: decode, DMI and
    // invalidation compose through both translations.
    ScBench guard;
    TestInitiator cpu("cpu", vp::InitiatorTag::cpu);
    vp::Router top("top"), sub("sub");
    vp::Memory mem("mem", 0x1000, vp::MemoryTiming{2, 0.0, true}, sc_time(1, SC_NS));
    DmiTarget dev("dev", 0x1000);
    cpu.bus_out.bind(top.bus_in);
    top.attach(sub.bus_in, 0x40000000, 0x10000, "sub");
    sub.attach(mem.bus_in, 0x0000, 0x1000, "mem");
    sub.attach(dev.bus_in, 0x8000, 0x1000, "dev");
    elaborate();
    cpu.poke(0x40000010, 0xA5A5A5A5);
    std::uint32_t v;
    std::memcpy(&v, mem.data() + 0x10, 4);
    EXPECT_EQ(v, 0xA5A5A5A5u);
    std::uint64_t r = 0;
    EXPECT_EQ(cpu.read(0x40001000, r, 4).status, tlm::TLM_ADDRESS_ERROR_RESPONSE);  // sub's gap
    EXPECT_EQ(top.decode_errors(), 0u);
    EXPECT_EQ(sub.decode_errors(), 1u);
    tlm::tlm_dmi dmi;
    ASSERT_TRUE(cpu.dmi(0x40008004, dmi));
    EXPECT_EQ(dmi.get_start_address(), 0x40008000u);
    EXPECT_EQ(dmi.get_end_address(), 0x40008FFFu);
    EXPECT_EQ(dmi.get_dmi_ptr(), dev.mem.data());
    EXPECT_FALSE(cpu.dmi(0x40004000, dmi));  // the gap inside sub, in global terms
    EXPECT_EQ(dmi.get_start_address(), 0x40001000u);
    EXPECT_EQ(dmi.get_end_address(), 0x40007FFFu);
    dev.revoke(0x100, 0x1FF);
    const std::vector<std::pair<std::uint64_t, std::uint64_t>> want = {{0x40008100, 0x400081FF}};
    EXPECT_EQ(cpu.invalidations, want);
}

TEST(Memory, IgnoreCommandMovesNothingAndCountsNothing) {
    ScBench guard;
    TestInitiator cpu("cpu", vp::InitiatorTag::cpu);
    vp::Memory mem("mem", 0x100, vp::MemoryTiming{5, 1.0, true}, sc_time(1, SC_NS));
    cpu.bus_out.bind(mem.bus_in);
    elaborate();
    std::uint8_t buf[4] = {1, 2, 3, 4};
    const Access a = cpu.transport(tlm::TLM_IGNORE_COMMAND, 0x0, buf, 4);
    EXPECT_TRUE(a.ok());
    EXPECT_EQ(a.delay, sc_core::SC_ZERO_TIME);
    EXPECT_EQ(mem.data()[0], 0);
    EXPECT_EQ(mem.channel().busy_cycles(), 0u);
    EXPECT_EQ(vp::stats().read("mem.reads.cpu") + vp::stats().read("mem.writes.cpu"), 0);
}
