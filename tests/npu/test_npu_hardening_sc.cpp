// SystemC bench of npu::Npu for the hardening fixes: kernel cycles that do
// not depend on the clock period, DMA writes visible no earlier than their
// completion, a second DRAM initiator sharing the bandwidth, statistics
// removed with the NPU, a bounded kernel history, the work bound's error
// code, and debug logs at NPU events. One bench per process (sc_bench.h).
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "npu/npu.h"
#include "npu_abi/memory_map.h"
#include "npu_abi/npu_regs.h"
#include "npu_test_util.h"
#include "sc_bench.h"
#include "vp/bandwidth_channel.h"
#include "vp/log.h"
#include "vp/stats.h"
#include "vp/tlm_ext.h"

using namespace npu_test;
using sc_core::SC_NS;
using sc_core::SC_PS;
using sc_core::sc_time;

namespace {

constexpr unsigned kBw = 16, kLatency = 100;

// DRAM with vp::Memory's timing (vp::BandwidthChannel in whole cycles: the
// request rounds up to the next edge) and a debug interface.
struct DramTarget : sc_core::sc_module {
    tlm_utils::simple_target_socket<DramTarget> socket{"socket"};
    std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(kDramBytes, 0);
    sc_time cycle;
    vp::BandwidthChannel channel{double(kBw), kLatency};

    DramTarget(sc_core::sc_module_name n, sc_time cyc) : sc_module(n), cycle(cyc) {
        socket.register_b_transport(this, &DramTarget::b_transport);
        socket.register_transport_dbg(this, &DramTarget::transport_dbg);
    }
    std::uint8_t* at(tlm::tlm_generic_payload& gp) {
        const std::uint64_t a = gp.get_address();
        if (a < kDramBase || a - kDramBase + gp.get_data_length() > mem.size()) return nullptr;
        return mem.data() + (a - kDramBase);
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
        std::uint8_t* p = at(gp);
        if (!p) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        const unsigned len = gp.get_data_length();
        if (gp.is_read())
            std::memcpy(gp.get_data_ptr(), p, len);
        else
            std::memcpy(p, gp.get_data_ptr(), len);
        const auto cyc = cycle.value();
        const auto now = sc_core::sc_time_stamp().value();
        const std::uint64_t t_req = (now + delay.value() + cyc - 1) / cyc;
        delay = sc_time::from_value(channel.request(t_req, len).complete * cyc - now);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    unsigned transport_dbg(tlm::tlm_generic_payload& gp) {
        std::uint8_t* p = at(gp);
        if (!p) return 0;
        if (gp.is_read())
            std::memcpy(gp.get_data_ptr(), p, gp.get_data_length());
        else
            std::memcpy(p, gp.get_data_ptr(), gp.get_data_length());
        return gp.get_data_length();
    }
};

struct Bench : vp_test::ScBench, sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Bench> cpu{"cpu"};
    DramTarget dram;
    npu::Npu npu_;
    sc_core::sc_signal<bool> irq{"irq"};
    std::function<void()> body;
    bool body_done = false;
    sc_time cycle;

    Bench(sc_core::sc_module_name n, sc_time cyc)
        : sc_module(n), dram("dram", cyc), npu_("npu", small_config(true), cyc), cycle(cyc) {
        cpu.bind(npu_.bus_in);
        npu_.dma_out.bind(dram.socket);
        npu_.irq_out.bind(irq);
        SC_HAS_PROCESS(Bench);
        SC_THREAD(run);
    }
    void run() {
        if (body) body();
        body_done = true;
        sc_core::sc_stop();
    }
    void wr(std::uint32_t off, std::uint32_t v) {
        tlm::tlm_generic_payload gp;
        gp.set_command(tlm::TLM_WRITE_COMMAND);
        gp.set_address(VP_NPU_BASE + off);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        sc_time d = sc_core::SC_ZERO_TIME;
        cpu->b_transport(gp, d);
        EXPECT_EQ(gp.get_response_status(), tlm::TLM_OK_RESPONSE) << "write " << off;
    }
    std::uint32_t rd(std::uint32_t off) {
        std::uint32_t v = 0;
        tlm::tlm_generic_payload gp;
        gp.set_command(tlm::TLM_READ_COMMAND);
        gp.set_address(VP_NPU_BASE + off);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        sc_time d = sc_core::SC_ZERO_TIME;
        cpu->b_transport(gp, d);
        EXPECT_EQ(gp.get_response_status(), tlm::TLM_OK_RESPONSE) << "read " << off;
        return v;
    }
    void launch(const npu_desc_t& d) {
        std::uint32_t words[NPU_DESC_SIZE / 4];
        std::memcpy(words, &d, NPU_DESC_SIZE);
        for (unsigned i = 0; i < NPU_DESC_SIZE / 4; ++i)
            wr(NPU_REG_LAUNCH_WORD(i), words[i]);
        wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
    }
    // Waits for STATUS.DONE, polling every cycle, at most `limit`.
    void wait_done(sc_time limit = sc_time(10, sc_core::SC_MS)) {
        const sc_time deadline = sc_core::sc_time_stamp() + limit;
        while (!(rd(NPU_REG_STATUS) & NPU_STATUS_DONE) && sc_core::sc_time_stamp() < deadline)
            sc_core::wait(cycle);
        ASSERT_TRUE(rd(NPU_REG_STATUS) & NPU_STATUS_DONE) << "kernel did not finish";
    }
};

void run_bench(sc_time cycle, const std::function<void(Bench&)>& f) {
    Bench b("bench", cycle);
    bool reached_end = false;
    b.body = [&] {
        f(b);
        reached_end = !::testing::Test::HasFatalFailure();
    };
    sc_core::sc_start();
    EXPECT_TRUE(b.body_done) << "the bench thread did not finish";
    EXPECT_TRUE(reached_end) << "the test body stopped early";
}

Layer conv_layer() {
    Layer L;
    L.C = 4, L.H = 6, L.W = 6, L.M = 5, L.R = 3, L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    L.zp_in = 2, L.zp_w = -1, L.bias = true;
    return L;
}
const std::array<unsigned, 6> kTile = {2, 3, 4, 3, 2, 3}, kOrder = {1, 4, 5, 0, 2, 3};

// The kernel's cycles in pure cycle arithmetic: the core on a cycle-level
// DRAM with the same bandwidth and latency (npu_test_util.h TestDram).
std::uint64_t core_cycles(const npu_desc_t& d, const std::vector<std::uint8_t>& mem) {
    TestDram dram(kDramBytes, kBw, kLatency);
    dram.mem = mem;
    npu::Core core(small_config(true));
    const npu::KernelStats st = core.run(d, dram);
    EXPECT_EQ(st.error, NPU_ERR_NONE);
    return st.cycles;
}

// The conv kernel launched at a time that is not a clock edge (the launch
// write lands between edges): its cycles equal the core's own count whatever
// the period. Before, the shell rounded each DMA completion from sc_time
// separately and 600 MHz (a 1667 ps cycle) gave more cycles than 1000 MHz.
void check_cycles_at(sc_time cycle) {
    run_bench(cycle, [](Bench& b) {
        const Layer L = conv_layer();
        const Tensors t = make_tensors(L, 5);
        const Addrs a = place(L, t, b.dram.mem);
        const npu_desc_t d = make_desc(L, a, kTile, kOrder, npu::Dataflow::ws);
        const std::uint64_t expect = core_cycles(d, b.dram.mem);
        sc_core::wait(b.cycle * 3.0 + sc_time(700, SC_PS));
        b.launch(d);
        ASSERT_NO_FATAL_FAILURE(b.wait_done());
        EXPECT_EQ(b.rd(NPU_REG_CYCLES_LO), expect);
        ASSERT_EQ(b.npu_.kernel_stats().size(), 1u);
        EXPECT_EQ(b.npu_.kernel_stats()[0].cycles, expect);
        EXPECT_EQ(read_output(L, a, b.dram.mem), reference(L, t));
    });
}

}  // namespace

TEST(NpuHardeningSc, CyclesAt1000MHzEqualTheCoreCount) {
    check_cycles_at(sc_time(1000, SC_PS));
}

TEST(NpuHardeningSc, CyclesAt600MHzEqualTheCoreCount) {
    check_cycles_at(sc_time(1000.0 / 600.0, SC_NS));
}

// A second initiator reads the output buffer while the kernel runs: it sees
// the old bytes until the kernel's end (every write of the kernel completes by
// then), and the results after DONE. Before, the DMA wrote the whole output at
// the kernel's start.
TEST(NpuHardeningSc, WritesNotVisibleBeforeCompletion) {
    run_bench(sc_time(1, SC_NS), [](Bench& b) {
        const Layer L = conv_layer();
        const Tensors t = make_tensors(L, 5);
        const Addrs a = place(L, t, b.dram.mem);
        const npu_desc_t d = make_desc(L, a, kTile, kOrder, npu::Dataflow::ws);
        const std::uint64_t cycles = core_cycles(d, b.dram.mem);
        const std::size_t out_bytes = std::size_t{L.M} * L.E() * L.F();
        const std::size_t out = a.out - kDramBase;
        std::fill_n(b.dram.mem.begin() + static_cast<std::ptrdiff_t>(out), out_bytes, 0xA5);
        const std::vector<std::uint8_t> before(out_bytes, 0xA5);
        auto snapshot = [&] {
            // The second initiator's view: a debug read through the target.
            std::vector<std::uint8_t> v(out_bytes);
            tlm::tlm_generic_payload gp;
            gp.set_command(tlm::TLM_READ_COMMAND);
            gp.set_address(a.out);
            gp.set_data_ptr(v.data());
            gp.set_data_length(static_cast<unsigned>(out_bytes));
            gp.set_streaming_width(static_cast<unsigned>(out_bytes));
            EXPECT_EQ(b.dram.transport_dbg(gp), out_bytes);
            return v;
        };
        const sc_time t0 = sc_core::sc_time_stamp();
        b.launch(d);
        sc_core::wait(sc_time(double(cycles) / 2, SC_NS));
        EXPECT_TRUE(b.rd(NPU_REG_STATUS) & NPU_STATUS_BUSY);
        EXPECT_EQ(snapshot(), before) << "output visible half way through the kernel";
        sc_core::wait(t0 + sc_time(double(cycles) - 1, SC_NS) - sc_core::sc_time_stamp());
        EXPECT_EQ(snapshot(), before) << "output visible before the kernel's last cycle";
        ASSERT_NO_FATAL_FAILURE(b.wait_done());
        EXPECT_EQ(read_output(L, a, b.dram.mem), reference(L, t));
    });
}

// A second initiator streams DRAM (b_transport, as the platform's traffic
// generator does; a CPU through DMI bypasses the channel, vp/memory.h) during
// the kernel: the shared channel serves both, so the kernel takes longer than
// alone, the stream finishes later than alone, and the channel's occupancy
// is the sum of both (the BandwidthChannel rule: no cycle used twice).
TEST(NpuHardeningSc, SecondInitiatorSharesTheBandwidth) {
    run_bench(sc_time(1, SC_NS), [](Bench& b) {
        const Layer L = conv_layer();
        const Tensors t = make_tensors(L, 5);
        const Addrs a = place(L, t, b.dram.mem);
        const npu_desc_t d = make_desc(L, a, kTile, kOrder, npu::Dataflow::ws);
        const std::uint64_t alone = core_cycles(d, b.dram.mem);
        const unsigned bursts = 200, burst = 64;
        // The stream alone: back to back, one burst per completion.
        const std::uint64_t stream_alone = std::uint64_t{bursts} * (burst / kBw) + kLatency;
        b.launch(d);
        const std::uint64_t start = sc_core::sc_time_stamp().value() / b.cycle.value();
        std::vector<std::uint8_t> buf(burst);
        sc_time local = sc_core::SC_ZERO_TIME;
        std::uint64_t stream_bytes = 0;
        for (unsigned i = 0; i < bursts; ++i) {
            tlm::tlm_generic_payload gp;
            gp.set_command(tlm::TLM_READ_COMMAND);
            gp.set_address(kDramBase + 0x80000 + std::uint64_t{i} * burst);
            gp.set_data_ptr(buf.data());
            gp.set_data_length(burst);
            gp.set_streaming_width(burst);
            b.dram.b_transport(gp, local);
            ASSERT_EQ(gp.get_response_status(), tlm::TLM_OK_RESPONSE);
            stream_bytes += burst;
            sc_core::wait(local);
            local = sc_core::SC_ZERO_TIME;
        }
        const std::uint64_t stream_end = sc_core::sc_time_stamp().value() / b.cycle.value();
        ASSERT_NO_FATAL_FAILURE(b.wait_done());
        const npu::KernelStats& st = b.npu_.kernel_stats().at(0);
        EXPECT_GT(st.cycles, alone);
        EXPECT_GT(stream_end - start, stream_alone);
        const std::uint64_t npu_bytes = st.dram_read_bytes.total() + st.dram_write_bytes.total();
        const std::uint64_t npu_bursts_min = (npu_bytes + 15) / 16;
        EXPECT_GE(b.dram.channel.busy_cycles(), stream_bytes / kBw + npu_bursts_min);
        EXPECT_EQ(read_output(L, a, b.dram.mem), reference(L, t));
    });
}

// Destroying the NPU removes every "npu." statistic (before, remove_prefix was
// given "npu." and removed none: 21 counters pointed into a destroyed object).
TEST(NpuHardeningSc, StatisticsRemovedWithTheNpu) {
    {
        auto npu = std::make_unique<npu::Npu>("npu", small_config(true), sc_time(1, SC_NS));
        EXPECT_EQ(vp::stats().read("npu.kernels"), 0.0);
        EXPECT_NE(vp::stats().to_text().find("npu.macs"), std::string::npos);
    }
    EXPECT_EQ(vp::stats().to_text().find("npu."), std::string::npos) << vp::stats().to_text();
}

// Launches past kKernelHistoryCap are folded into one sum; totals and
// per-kernel_id records still count every launch.
TEST(NpuHardeningSc, KernelHistoryIsCapped) {
    run_bench(sc_time(1, SC_NS), [](Bench& b) {
        npu_desc_t bad{};  // op 0: refused at once, no DMA
        bad.kernel_id = 9;
        const std::size_t n = npu::Npu::kKernelHistoryCap + 3;
        for (std::size_t i = 0; i < n; ++i) {
            b.launch(bad);
            ASSERT_NO_FATAL_FAILURE(b.wait_done());
            ASSERT_EQ(NPU_STATUS_ERR(b.rd(NPU_REG_STATUS)), NPU_ERR_BAD_OP);
        }
        EXPECT_EQ(b.npu_.kernel_stats().size(), npu::Npu::kKernelHistoryCap);
        EXPECT_EQ(b.npu_.folded_kernel_count(), 3u);
        EXPECT_EQ(b.npu_.folded_kernels().error, NPU_ERR_BAD_OP);
        ASSERT_EQ(b.npu_.kernel_records().size(), 1u);
        EXPECT_EQ(b.npu_.kernel_records()[0].runs, n);
        EXPECT_EQ(vp::stats().read("npu.kernels"), double(n));
    });
}

// A descriptor over the work bound stops with NPU_ERR_TOO_MUCH_WORK before any
// DMA; --log-level debug shows the kernel's start and end and the interrupt.
TEST(NpuHardeningSc, TooMuchWorkIsRefusedAndLogged) {
    run_bench(sc_time(1, SC_NS), [](Bench& b) {
        Layer L;
        L.op = NPU_OP_RELU;
        L.C = L.M = 1;
        L.H = 4096, L.W = 4096;  // 2^24 tile-1 iterations
        const Addrs a{static_cast<std::uint32_t>(kDramBase), 0, 0,
                      static_cast<std::uint32_t>(kDramBase), 0, 0};
        npu_desc_t d = make_desc(L, a, {1, 1, 1, 1, 1, 1}, {0, 1, 2, 3, 4, 5}, npu::Dataflow::os);
        d.kernel_id = 7;
        const vp::LogLevel old = vp::log_level();
        vp::set_log_level(vp::LogLevel::debug);
        ::testing::internal::CaptureStderr();
        b.launch(d);
        ASSERT_NO_FATAL_FAILURE(b.wait_done());
        sc_core::wait(b.cycle);
        const std::string log = ::testing::internal::GetCapturedStderr();
        vp::set_log_level(old);
        EXPECT_EQ(NPU_STATUS_ERR(b.rd(NPU_REG_STATUS)), NPU_ERR_TOO_MUCH_WORK);
        EXPECT_EQ(b.npu_.kernel_stats().at(0).dram_read_bytes.total(), 0u);
        EXPECT_EQ(b.dram.channel.busy_cycles(), 0u);
        EXPECT_NE(log.find("kernel 0 (id 7, relu) starts at cycle"), std::string::npos) << log;
        EXPECT_NE(log.find("too_much_work"), std::string::npos) << log;
        EXPECT_NE(log.find("interrupt ERROR raised"), std::string::npos) << log;
    });
}
