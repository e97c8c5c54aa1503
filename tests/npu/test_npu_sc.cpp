// SystemC bench of npu::Npu: register walk through b_transport, call-mode
// launch, irq-mode descriptor list with interrupt, a bad descriptor, and the
// DMA's bytes seen by a DRAM target with bandwidth and latency.
#include <unistd.h>

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
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
#include "vp/stats.h"
#include "vp/tlm_ext.h"

using namespace npu_test;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

constexpr std::size_t kDramSize = 1 << 20;

// DRAM target with the vp::Memory timing (see npu_test_util.h TestDram).
struct DramTarget : sc_core::sc_module {
    tlm_utils::simple_target_socket<DramTarget> socket{"socket"};
    std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(kDramSize, 0);
    sc_time cycle{1, SC_NS};
    unsigned bw = 16, latency = 100;
    sc_time busy_until = sc_core::SC_ZERO_TIME;
    std::uint64_t npu_bytes = 0;
    // Fault injection: the NPU's fail_burst-th transfer (1-based, counted
    // from the last reset of npu_bursts) gets an error response; 0 = never.
    std::uint64_t npu_bursts = 0, fail_burst = 0;

    explicit DramTarget(sc_core::sc_module_name n) : sc_module(n) {
        socket.register_b_transport(this, &DramTarget::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
        const std::uint64_t a = gp.get_address();
        const unsigned len = gp.get_data_length();
        if (a < kDramBase || a - kDramBase + len > mem.size()) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (vp::initiator_of(gp) == vp::InitiatorTag::npu_dma && ++npu_bursts == fail_burst) {
            gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
            return;
        }
        std::uint8_t* p = mem.data() + (a - kDramBase);
        if (gp.is_read())
            std::memcpy(gp.get_data_ptr(), p, len);
        else
            std::memcpy(p, gp.get_data_ptr(), len);
        if (vp::initiator_of(gp) == vp::InitiatorTag::npu_dma) npu_bytes += len;
        const sc_time t = sc_core::sc_time_stamp() + delay;
        const sc_time start = std::max(t, busy_until);
        busy_until = start + cycle * double((len + bw - 1) / bw);
        delay = busy_until + cycle * double(latency) - sc_core::sc_time_stamp();
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

struct Bench : vp_test::ScBench, sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Bench> cpu{"cpu"};
    DramTarget dram{"dram"};
    npu::Npu npu_;
    sc_core::sc_signal<bool> irq{"irq"};
    std::function<void()> body;

    static npu::NpuConfig config() {
        npu::NpuConfig c;
        c.array_rows = 4;
        c.array_cols = 8;
        c.ifmap_bytes = c.weight_bytes = c.ofmap_bytes = 4096;
        c.dma_burst_bytes = 16;
        c.functional = true;
        c.dram_base = kDramBase;
        c.dram_size = kDramSize;
        return c;
    }
    explicit Bench(sc_core::sc_module_name n = "bench")
        : sc_module(n), npu_("npu", config(), sc_time(1, SC_NS)) {
        cpu.bind(npu_.bus_in);
        npu_.dma_out.bind(dram.socket);
        npu_.irq_out.bind(irq);
        SC_HAS_PROCESS(Bench);
        SC_THREAD(run);
    }
    // Set when the body returned (a fatal assertion returns early): checked
    // after sc_start, so a body that never ran or stopped half way fails.
    bool body_done = false;
    void run() {
        if (body) body();
        body_done = true;
        sc_core::sc_stop();
    }
    tlm::tlm_response_status access(bool write, std::uint32_t off, std::uint32_t& v,
                                    unsigned len = 4) {
        tlm::tlm_generic_payload gp;
        std::uint8_t buf[8] = {};
        std::memcpy(buf, &v, 4);
        gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        gp.set_address(VP_NPU_BASE + off);
        gp.set_data_ptr(buf);
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        sc_time d = sc_core::SC_ZERO_TIME;
        cpu->b_transport(gp, d);
        std::memcpy(&v, buf, 4);
        return gp.get_response_status();
    }
    // Polls STATUS until BUSY clears (for runs without the interrupt line).
    void wait_idle(sc_time limit = sc_time(10, sc_core::SC_MS)) {
        const sc_time deadline = sc_core::sc_time_stamp() + limit;
        while ((rd(NPU_REG_STATUS) & NPU_STATUS_BUSY) && sc_core::sc_time_stamp() < deadline)
            wait(sc_time(100, SC_NS));
        ASSERT_FALSE(rd(NPU_REG_STATUS) & NPU_STATUS_BUSY) << "NPU still busy after " << limit;
    }
    std::uint64_t rd64(std::uint32_t lo) {
        return std::uint64_t{rd(lo)} | std::uint64_t{rd(lo + 4)} << 32;
    }
    std::uint32_t rd(std::uint32_t off) {
        std::uint32_t v = 0;
        EXPECT_EQ(access(false, off, v), tlm::TLM_OK_RESPONSE) << "read " << off;
        return v;
    }
    void wr(std::uint32_t off, std::uint32_t v) {
        EXPECT_EQ(access(true, off, v), tlm::TLM_OK_RESPONSE) << "write " << off;
    }
    void write_launch(const npu_desc_t& d) {
        std::uint32_t words[NPU_DESC_SIZE / 4];
        std::memcpy(words, &d, NPU_DESC_SIZE);
        for (unsigned i = 0; i < NPU_DESC_SIZE / 4; ++i)
            wr(NPU_REG_LAUNCH_WORD(i), words[i]);
    }
    // Waits for the interrupt line to rise, at most `limit`; a line that never
    // rises fails the test (no hang, no silent pass when the line is tied low).
    void wait_irq(sc_time limit = sc_time(10, sc_core::SC_MS)) {
        wait(sc_time(1, SC_NS));  // let register side effects on the line settle
        const sc_time deadline = sc_core::sc_time_stamp() + limit;
        while (!irq.read() && sc_core::sc_time_stamp() < deadline)
            wait(deadline - sc_core::sc_time_stamp(), irq.value_changed_event());
        ASSERT_TRUE(irq.read()) << "interrupt line did not rise within " << limit;
        ++irq_rises;
    }
    unsigned irq_rises = 0;
};

// Runs `f` as the bench's thread; fails unless it ran to its end (a fatal
// failure inside f, e.g. in wait_irq, returns early) and, when `irqs` > 0,
// saw the interrupt line rise that many times.
void run_bench(const std::function<void(Bench&)>& f, unsigned irqs = 0) {
    Bench b;
    bool reached_end = false;
    b.body = [&] {
        f(b);
        reached_end = !::testing::Test::HasFatalFailure();
    };
    sc_core::sc_start();
    EXPECT_TRUE(b.body_done) << "the bench thread did not finish";
    EXPECT_TRUE(reached_end) << "the test body stopped early";
    EXPECT_EQ(b.irq_rises, irqs) << "interrupt line rises seen";
}

Layer conv_layer() {
    Layer L;
    L.C = 4, L.H = 6, L.W = 6, L.M = 5, L.R = 3, L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    L.zp_in = 2, L.zp_w = -1, L.bias = true;
    return L;
}

}  // namespace

TEST(NpuSc, RegisterWalk) {
    run_bench([](Bench& b) {
        // The register map typed in from the specification (npu_regs.h
        // comments, npu/model/README.md), not built from NPU_REG_LIST: a wrong
        // offset, reset value or mask in that list must fail here.
        enum Access { RO, RW, W1C };
        struct R {
            std::uint32_t off, reset;
            Access access;
            std::uint32_t mask;
        };
        const R regs[] = {
            {0x000, 0x4E505531u, RO, 0},                     // ID "NPU1"
            {0x004, 0x00010000u, RO, 0},                     // VERSION 1.0
            {0x008, 0, RW, 0xFu},                            // CTRL
            {0x00C, 0, RO, 0},                               // STATUS
            {0x010, 0, W1C, 0x7u},                           // IRQ_STATUS
            {0x014, 0, RW, 0xFFFFFFFFu},                     // DESC_BASE
            {0x018, 0, RW, 0xFFFFFFFFu},                     // DESC_COUNT
            {0x01C, 0, RO, 0},                               // KERNEL_INDEX
            {0x020, 0, RO, 0},                               // KERNELS_DONE
            {0x030, 0, RO, 0},           {0x034, 0, RO, 0},  // CYCLES
            {0x038, 0, RO, 0},           {0x03C, 0, RO, 0},  // MACS
            {0x040, 0, RO, 0},           {0x044, 0, RO, 0},  // DRAM_RD
            {0x048, 0, RO, 0},           {0x04C, 0, RO, 0},  // DRAM_WR
            {0x050, 0, RO, 0},           {0x054, 0, RO, 0},  // STALL
        };
        EXPECT_EQ(sizeof(regs) / sizeof(regs[0]), std::size_t{NPU_REG_COUNT});
        EXPECT_EQ(NPU_REG_CTRL, 0x008u);
        EXPECT_EQ(NPU_REG_LAUNCH, 0x100u);
        for (const R& r : regs) {
            SCOPED_TRACE(r.off);
            EXPECT_EQ(b.rd(r.off), r.reset);
            if (r.off == NPU_REG_CTRL) continue;  // START/RESET have side effects: below
            b.wr(r.off, 0xFFFFFFFFu);
            const std::uint32_t expect = r.access == RW ? r.mask : r.reset;
            EXPECT_EQ(b.rd(r.off), expect);
            b.wr(r.off, r.reset);
        }
        // CTRL: IRQ_EN and SRC_CALL stick, START/RESET read back 0
        b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL);
        EXPECT_EQ(b.rd(NPU_REG_CTRL), NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL);
        b.wr(NPU_REG_CTRL, NPU_CTRL_RESET);
        EXPECT_EQ(b.rd(NPU_REG_CTRL), 0u);
        // launch window: every word read/write
        for (unsigned i = 0; i < NPU_DESC_SIZE / 4; ++i) {
            b.wr(NPU_REG_LAUNCH_WORD(i), 0xA5000000u + i);
            EXPECT_EQ(b.rd(NPU_REG_LAUNCH_WORD(i)), 0xA5000000u + i);
        }
        // unmapped, misaligned and wrong-size accesses are errors
        std::uint32_t v = 0;
        for (std::uint32_t hole : {0x024u, 0x028u, 0x02Cu, 0x058u, 0x0FCu, 0x180u})
            EXPECT_EQ(b.access(false, hole, v), tlm::TLM_ADDRESS_ERROR_RESPONSE) << hole;
        EXPECT_EQ(b.access(false, 0x006, v), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        EXPECT_EQ(b.access(false, 0x200, v), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        EXPECT_EQ(b.access(true, 0x004, v, 2), tlm::TLM_BURST_ERROR_RESPONSE);
        EXPECT_EQ(b.access(false, 0x000, v, 8), tlm::TLM_BURST_ERROR_RESPONSE);
        // configuration checks
        EXPECT_EQ(Bench::config().validate(), "");
        npu::NpuConfig bad = Bench::config();
        bad.dma_burst_bytes = 6;
        EXPECT_NE(bad.validate(), "");
        bad = Bench::config();
        bad.array_rows = 0;
        EXPECT_NE(bad.validate(), "");
    });
}

TEST(NpuSc, CallModeLaunchWithInterrupt) {
    run_bench(
        [](Bench& b) {
            const Layer L = conv_layer();
            const Tensors t = make_tensors(L, 5);
            const Addrs a = place(L, t, b.dram.mem);
            const npu_desc_t d =
                make_desc(L, a, {2, 3, 4, 3, 2, 3}, {1, 4, 5, 0, 2, 3}, npu::Dataflow::ws);
            b.write_launch(d);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
            EXPECT_TRUE(b.rd(NPU_REG_STATUS) & NPU_STATUS_BUSY);
            const sc_time t0 = sc_core::sc_time_stamp();
            b.wait_irq();
            const std::uint32_t status = b.rd(NPU_REG_STATUS);
            EXPECT_EQ(status, NPU_STATUS_DONE);
            EXPECT_EQ(b.rd(NPU_REG_IRQ_STATUS), NPU_IRQ_DONE);
            EXPECT_EQ(read_output(L, a, b.dram.mem), reference(L, t));
            ASSERT_EQ(b.npu_.kernel_stats().size(), 1u);
            const npu::KernelStats& st = b.npu_.kernel_stats()[0];
            EXPECT_EQ(st.error, NPU_ERR_NONE);
            // the interrupt comes when the kernel's cycles have elapsed
            EXPECT_EQ(sc_core::sc_time_stamp() - t0, sc_time(double(st.cycles), SC_NS));
            // bytes really crossed the bus, and match the counters
            EXPECT_EQ(b.dram.npu_bytes, st.dram_read_bytes.total() + st.dram_write_bytes.total());
            const Traffic tr = brute_force_traffic(L, {2, 3, 4, 3, 2, 3}, {1, 4, 5, 0, 2, 3});
            EXPECT_EQ(st.dram_read_bytes.ifmap, tr.ifmap);
            EXPECT_EQ(st.dram_read_bytes.psum, tr.psum_rd * 4);
            EXPECT_GT(st.dram_read_bytes.psum, 0u);
            // performance counters
            EXPECT_EQ(b.rd(NPU_REG_CYCLES_LO), st.cycles);
            EXPECT_EQ(b.rd(NPU_REG_MACS_LO), st.macs);
            EXPECT_EQ(b.rd(NPU_REG_DRAM_RD_LO), st.dram_read_bytes.total());
            EXPECT_EQ(b.rd(NPU_REG_DRAM_WR_LO), st.dram_write_bytes.total());
            EXPECT_EQ(b.rd(NPU_REG_STALL_LO), st.stall_cycles);
            EXPECT_EQ(b.rd(NPU_REG_KERNELS_DONE), 1u);
            EXPECT_EQ(vp::stats().read("npu.macs"), double(st.macs));
            EXPECT_EQ(vp::stats().read("npu.dram_read_bytes.psum"),
                      double(st.dram_read_bytes.psum));
            // W1C clears the interrupt
            b.wr(NPU_REG_IRQ_STATUS, NPU_IRQ_DONE);
            EXPECT_EQ(b.rd(NPU_REG_IRQ_STATUS), 0u);
            sc_core::wait(sc_time(1, SC_NS));
            EXPECT_FALSE(b.irq.read());
        },
        1);
}

TEST(NpuSc, IrqModeDescriptorList) {
    run_bench(
        [](Bench& b) {
            // conv -> relu on its output -> maxpool, as a list in DRAM
            Layer L = conv_layer();
            const Tensors t = make_tensors(L, 9);
            const Addrs a = place(L, t, b.dram.mem);
            const npu_desc_t conv =
                make_desc(L, a, {5, 4, 3, 6, 3, 3}, {2, 0, 1, 3, 4, 5}, npu::Dataflow::os);
            Layer P;
            P.op = NPU_OP_MAXPOOL, P.C = L.M, P.H = L.E(), P.W = L.F(), P.R = 2, P.S = 2,
            P.stride_h = 2, P.stride_w = 2;
            Addrs pa;
            pa.in = a.out;
            pa.out = static_cast<std::uint32_t>(kDramBase + 0x40000);
            npu_desc_t pool =
                make_desc(P, pa, {3, 1, 2, 3, 2, 2}, {0, 1, 2, 3, 4, 5}, npu::Dataflow::os);
            pool.flags |= NPU_DESC_F_LAST | NPU_DESC_F_IRQ;
            pool.kernel_id = 2;
            npu_desc_t never = pool;  // after LAST: not run
            never.op = 0;
            const std::uint32_t list = static_cast<std::uint32_t>(kDramBase + 0x80000);
            std::memcpy(b.dram.mem.data() + 0x80000, &conv, NPU_DESC_SIZE);
            std::memcpy(b.dram.mem.data() + 0x80000 + NPU_DESC_SIZE, &pool, NPU_DESC_SIZE);
            std::memcpy(b.dram.mem.data() + 0x80000 + 2 * NPU_DESC_SIZE, &never, NPU_DESC_SIZE);
            b.wr(NPU_REG_DESC_BASE, list);
            b.wr(NPU_REG_DESC_COUNT, 3);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_START);
            b.wait_irq();
            EXPECT_EQ(b.rd(NPU_REG_STATUS), NPU_STATUS_DONE);
            EXPECT_EQ(b.rd(NPU_REG_IRQ_STATUS), NPU_IRQ_DONE | NPU_IRQ_KERNEL);
            EXPECT_EQ(b.rd(NPU_REG_KERNELS_DONE), 2u);
            ASSERT_EQ(b.npu_.kernel_stats().size(), 2u);
            // the pool's output from the conv's output
            Tensors pt;
            const auto conv_out = reference(L, t);
            for (auto v : conv_out)
                pt.in.push_back(static_cast<std::int8_t>(v));
            std::vector<std::int32_t> got(std::size_t{P.C} * P.E() * P.F());
            for (std::size_t i = 0; i < got.size(); ++i)
                got[i] = static_cast<std::int8_t>(b.dram.mem[0x40000 + i]);
            EXPECT_EQ(got, reference(P, pt));
            EXPECT_EQ(vp::stats().read("npu.kernels"), 2.0);
            EXPECT_EQ(vp::stats().read("npu.desc_fetch_bytes"), 2.0 * NPU_DESC_SIZE);
        },
        1);
}

// Strided views through the bus: a descriptor list (fetched by DMA, so the
// stride words travel in DRAM) of two convs on one ifmap window writing the two
// channel halves of a concat buffer whose rows are wider than the ofmap.
TEST(NpuSc, IrqModeListFillsAConcatBuffer) {
    run_bench(
        [](Bench& b) {
            Layer A = conv_layer();  // 4x6x6 -> 5x6x6
            Layer B = A;
            B.M = 3, B.R = B.S = 1, B.pt = B.pl = B.pb = B.pr = 0, B.bias = false;
            const Tensors ta = make_tensors(A, 31);
            Tensors tb = make_tensors(B, 32);
            tb.in = ta.in;
            const Addrs aa = place(A, ta, b.dram.mem);
            // the ifmap as the interior of a [4][8][8] buffer; B's weights apart
            const Window in{4, 8, 8, 0, 1, 1}, concat{8, 6, 9, 0, 0, 0};
            scatter(b.dram.mem.data() + 0x30000, in, ta.in.data(), 4, 6, 6, 1);
            std::memcpy(b.dram.mem.data() + 0x34000, tb.w.data(), tb.w.size());
            std::fill_n(b.dram.mem.begin() + 0x40000, concat.buffer_elems(), std::uint8_t{0xA5});
            Addrs ab = aa;
            ab.w = static_cast<std::uint32_t>(kDramBase + 0x34000);
            npu_desc_t da =
                make_desc(A, aa, {5, 2, 3, 6, 3, 3}, {1, 0, 2, 3, 4, 5}, npu::Dataflow::os);
            npu_desc_t db =
                make_desc(B, ab, {3, 4, 6, 3, 1, 1}, {0, 1, 2, 3, 4, 5}, npu::Dataflow::ws);
            for (npu_desc_t* d : {&da, &db}) {
                d->ifmap_addr = static_cast<std::uint32_t>(kDramBase + 0x30000 + in.at(0, 0, 0));
                d->ifmap_ch_stride = in.ch_stride();
                d->ifmap_row_stride = in.row_stride();
                d->ofmap_ch_stride = concat.ch_stride();
                d->ofmap_row_stride = concat.row_stride();
            }
            da.ofmap_addr = static_cast<std::uint32_t>(kDramBase + 0x40000 + concat.at(0, 0, 0));
            db.ofmap_addr = static_cast<std::uint32_t>(kDramBase + 0x40000 + concat.at(5, 0, 0));
            db.flags |= NPU_DESC_F_LAST;
            std::memcpy(b.dram.mem.data() + 0x80000, &da, NPU_DESC_SIZE);
            std::memcpy(b.dram.mem.data() + 0x80000 + NPU_DESC_SIZE, &db, NPU_DESC_SIZE);
            b.wr(NPU_REG_DESC_BASE, static_cast<std::uint32_t>(kDramBase + 0x80000));
            b.wr(NPU_REG_DESC_COUNT, 2);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_START);
            b.wait_irq();
            EXPECT_EQ(b.rd(NPU_REG_STATUS), NPU_STATUS_DONE);
            ASSERT_EQ(b.npu_.kernel_stats().size(), 2u);
            auto expect = reference(A, ta);
            const auto rb = reference(B, tb);
            expect.insert(expect.end(), rb.begin(), rb.end());
            EXPECT_EQ(gather(b.dram.mem.data() + 0x40000, concat, 8, 6, 6, 1), expect);
            const auto mask = window_mask(concat, 8, 6, 6, 1);
            std::size_t outside = 0;
            for (std::size_t i = 0; i < mask.size(); ++i)
                outside += !mask[i] && b.dram.mem[0x40000 + i] != 0xA5;
            EXPECT_EQ(outside, 0u);
            const auto& st = b.npu_.kernel_stats();
            EXPECT_EQ(st[0].dram_write_bytes.ofmap, 5u * 36);
            EXPECT_EQ(st[1].dram_write_bytes.ofmap, 3u * 36);
            EXPECT_EQ(b.dram.npu_bytes, 2 * NPU_DESC_SIZE + st[0].dram_read_bytes.total() +
                                            st[0].dram_write_bytes.total() +
                                            st[1].dram_read_bytes.total() +
                                            st[1].dram_write_bytes.total());
        },
        1);
}

TEST(NpuSc, BadDescriptorRaisesErrorInterrupt) {
    run_bench(
        [](Bench& b) {
            const Layer L = conv_layer();
            const Tensors t = make_tensors(L, 5);
            const Addrs a = place(L, t, b.dram.mem);
            npu_desc_t d =
                make_desc(L, a, {2, 3, 4, 3, 2, 3}, {0, 1, 2, 3, 4, 5}, npu::Dataflow::os);
            d.ofmap_addr = 0x10000000u;  // the UART, not DRAM
            b.write_launch(d);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
            b.wait_irq();
            const std::uint32_t status = b.rd(NPU_REG_STATUS);
            EXPECT_TRUE(status & NPU_STATUS_ERROR);
            EXPECT_EQ(NPU_STATUS_ERR(status), NPU_ERR_ADDR_RANGE);
            EXPECT_EQ(b.rd(NPU_REG_IRQ_STATUS), NPU_IRQ_ERROR);
            EXPECT_EQ(b.dram.npu_bytes, 0u);
            // a list outside DRAM
            b.wr(NPU_REG_IRQ_STATUS, 0x7);
            b.wr(NPU_REG_DESC_BASE, 0x1000);
            b.wr(NPU_REG_DESC_COUNT, 1);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_START);
            b.wait_irq();
            EXPECT_EQ(NPU_STATUS_ERR(b.rd(NPU_REG_STATUS)), NPU_ERR_ADDR_RANGE);
            // a tile too large for the scratchpad (4096 B buffers)
            b.wr(NPU_REG_IRQ_STATUS, 0x7);
            Layer big = L;
            big.H = big.W = 24, big.M = 8;
            const Addrs ab = place(big, make_tensors(big, 1), b.dram.mem);
            b.write_launch(
                make_desc(big, ab, {8, 4, 24, 24, 3, 3}, {0, 1, 2, 3, 4, 5}, npu::Dataflow::os));
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
            b.wait_irq();
            EXPECT_EQ(NPU_STATUS_ERR(b.rd(NPU_REG_STATUS)), NPU_ERR_TILE_TOO_LARGE);
        },
        3);
}

TEST(NpuSc, WaveformSignals) {
    Bench b;
    // A per-test file (SystemC appends ".vcd" to the stem).
    const std::string stem = ::testing::TempDir() + "npu_sc_trace_" + std::to_string(::getpid());
    sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file(stem.c_str());
    tf->set_time_unit(1, SC_NS);
    b.npu_.trace(tf);
    b.body = [&] {
        const Layer L = conv_layer();
        const Tensors t = make_tensors(L, 5);
        const Addrs a = place(L, t, b.dram.mem);
        b.write_launch(make_desc(L, a, {2, 3, 4, 3, 2, 3}, {0, 1, 2, 3, 4, 5}, npu::Dataflow::is));
        b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
        b.wait_irq();
        EXPECT_EQ(read_output(L, a, b.dram.mem), reference(L, t));
    };
    sc_core::sc_start();
    sc_core::sc_close_vcd_trace_file(tf);
    EXPECT_TRUE(b.body_done);
    EXPECT_EQ(b.irq_rises, 1u);
    std::FILE* f = std::fopen((stem + ".vcd").c_str(), "r");
    ASSERT_NE(f, nullptr);
    std::string text;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        text.append(buf, n);
    std::fclose(f);
    std::remove((stem + ".vcd").c_str());
    // VCD writes "npu.busy" as scope npu, variable busy
    EXPECT_NE(text.find("$scope module npu $end"), std::string::npos);
    for (const char* s : {" busy ", " kernel ", " dma_rd_busy ", " dma_wr_busy ", " mac_busy "})
        EXPECT_NE(text.find(s), std::string::npos) << s;
    // the MAC array toggled more than once (several tiles)
    EXPECT_GT(text.size(), 2000u);
}

namespace {
// A one-tile gemm (C=8, M=8, 4 pixels, int32 out) under ws: 64 weight bytes,
// 32 ifmap bytes (two 16-byte bursts, after the weight's four), 128 ofmap bytes.
struct SmallGemm {
    Layer L;
    Tensors t;
    Addrs a;
    npu_desc_t d{};
    explicit SmallGemm(std::vector<std::uint8_t>& mem) {
        L.op = NPU_OP_GEMM;
        L.C = 8, L.H = 1, L.W = 4, L.M = 8, L.int32_out = true;
        t = make_tensors(L, 3);
        a = place(L, t, mem);
        d = make_desc(L, a, {8, 8, 1, 4, 1, 1}, kMCYXKL, npu::Dataflow::ws);
    }
};
}  // namespace

// CTRL.RESET: every register back to its reset value (IRQ_EN as written with
// RESET), the line drops, and resident weights are forgotten.
TEST(NpuScControl, ResetRestoresRegistersAndForgetsResidentWeights) {
    run_bench(
        [](Bench& b) {
            SmallGemm g(b.dram.mem);
            b.write_launch(g.d);
            b.wr(NPU_REG_DESC_BASE, 0x80001234u);
            b.wr(NPU_REG_DESC_COUNT, 7);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
            b.wait_irq();
            ASSERT_EQ(b.rd(NPU_REG_STATUS), NPU_STATUS_DONE);
            ASSERT_NE(b.rd(NPU_REG_CYCLES_LO), 0u);
            b.wr(NPU_REG_CTRL, NPU_CTRL_RESET | NPU_CTRL_IRQ_EN);
            EXPECT_EQ(b.rd(NPU_REG_CTRL), NPU_CTRL_IRQ_EN);
            for (std::uint32_t off :
                 {0x00Cu, 0x010u, 0x014u, 0x018u, 0x01Cu, 0x020u, 0x030u, 0x034u, 0x038u, 0x03Cu,
                  0x040u, 0x044u, 0x048u, 0x04Cu, 0x050u, 0x054u})
                EXPECT_EQ(b.rd(off), 0u) << "offset " << off;
            sc_core::wait(sc_time(1, SC_NS));
            EXPECT_FALSE(b.irq.read());
            // the same weights with RESIDENT after the reset: loaded again
            npu_desc_t d = g.d;
            d.flags |= NPU_DESC_F_RESIDENT;
            b.write_launch(d);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
            b.wait_irq();
            ASSERT_EQ(b.npu_.kernel_stats().size(), 2u);
            EXPECT_EQ(b.npu_.kernel_stats()[1].dram_read_bytes.weight, 64u);
            EXPECT_EQ(b.npu_.kernel_stats()[1].resident_weight_bytes, 0u);
        },
        2);
}

// START (and RESET) while BUSY are ignored: one kernel runs, registers intact.
TEST(NpuScControl, StartAndResetWhileBusyAreIgnored) {
    run_bench(
        [](Bench& b) {
            SmallGemm g(b.dram.mem);
            b.write_launch(g.d);
            b.wr(NPU_REG_DESC_COUNT, 5);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
            sc_core::wait(sc_time(10, SC_NS));
            ASSERT_EQ(b.rd(NPU_REG_STATUS), NPU_STATUS_BUSY);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_RESET);
            EXPECT_EQ(b.rd(NPU_REG_STATUS), NPU_STATUS_BUSY);
            EXPECT_EQ(b.rd(NPU_REG_DESC_COUNT), 5u);
            b.wait_irq();
            sc_core::wait(sc_time(1, sc_core::SC_MS));  // a second run would have ended by now
            EXPECT_EQ(b.rd(NPU_REG_STATUS), NPU_STATUS_DONE);
            EXPECT_EQ(b.rd(NPU_REG_KERNELS_DONE), 1u);
            EXPECT_EQ(b.npu_.kernel_stats().size(), 1u);
            // the ignored START left nothing pending: the next one runs
            b.wr(NPU_REG_IRQ_STATUS, 0x7);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
            b.wait_irq();
            EXPECT_EQ(b.rd(NPU_REG_KERNELS_DONE), 2u);
        },
        2);
}

// DESC_COUNT = 0 in list mode: done at once, no kernel, no DMA.
TEST(NpuScControl, EmptyListIsDoneWithoutTraffic) {
    run_bench(
        [](Bench& b) {
            b.wr(NPU_REG_DESC_BASE, static_cast<std::uint32_t>(kDramBase + 0x80000));
            b.wr(NPU_REG_DESC_COUNT, 0);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_START);
            b.wait_irq();
            EXPECT_EQ(b.rd(NPU_REG_STATUS), NPU_STATUS_DONE);
            EXPECT_EQ(b.rd(NPU_REG_IRQ_STATUS), NPU_IRQ_DONE);
            EXPECT_EQ(b.rd(NPU_REG_KERNELS_DONE), 0u);
            EXPECT_EQ(b.npu_.kernel_stats().size(), 0u);
            EXPECT_EQ(b.dram.npu_bytes, 0u);
        },
        1);
}

// IRQ_EN = 0: IRQ_STATUS records DONE but the line stays low until IRQ_EN is set.
TEST(NpuScControl, IrqDisabledKeepsTheLineLow) {
    run_bench(
        [](Bench& b) {
            SmallGemm g(b.dram.mem);
            b.write_launch(g.d);
            bool rose = false;
            sc_core::sc_spawn([&] {
                sc_core::wait(b.irq.posedge_event());
                rose = true;
            });
            b.wr(NPU_REG_CTRL, NPU_CTRL_SRC_CALL | NPU_CTRL_START);
            b.wait_idle();
            sc_core::wait(sc_time(1, SC_NS));
            EXPECT_EQ(b.rd(NPU_REG_STATUS), NPU_STATUS_DONE);
            EXPECT_EQ(b.rd(NPU_REG_IRQ_STATUS), NPU_IRQ_DONE);
            EXPECT_FALSE(rose);
            EXPECT_FALSE(b.irq.read());
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN);
            b.wait_irq();  // the pending DONE now drives the line
        },
        1);
}

// 64-bit counters: a DRAM latency of 2^32 cycles makes one kernel's cycles and
// stall cycles exceed 32 bits; HI:LO read back the whole value.
TEST(NpuScControl, CountersCarryIntoTheHighWord) {
    run_bench(
        [](Bench& b) {
            b.dram.latency = UINT32_MAX;
            SmallGemm g(b.dram.mem);
            b.write_launch(g.d);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
            b.wait_irq(sc_time(100, sc_core::SC_SEC));
            ASSERT_EQ(b.npu_.kernel_stats().size(), 1u);
            const npu::KernelStats& st = b.npu_.kernel_stats()[0];
            ASSERT_GT(st.cycles, std::uint64_t{UINT32_MAX});
            EXPECT_NE(b.rd(NPU_REG_CYCLES_HI), 0u);
            EXPECT_EQ(b.rd64(NPU_REG_CYCLES_LO), st.cycles);
            EXPECT_EQ(b.rd64(NPU_REG_STALL_LO), st.stall_cycles);
            EXPECT_EQ(b.rd64(NPU_REG_MACS_LO), 256u);
        },
        1);
}

// DMA error: the list's second kernel gets an error response on its first
// burst. STATUS, IRQ_STATUS, the line and KERNEL_INDEX say so, and a later
// RESIDENT kernel reloads its weights (the scratchpad is not trusted).
TEST(NpuScDmaError, FailingBurstStopsTheListAndInvalidatesResidentWeights) {
    run_bench(
        [](Bench& b) {
            SmallGemm g(b.dram.mem);
            npu_desc_t first = g.d, second = g.d;
            second.flags |= NPU_DESC_F_RESIDENT | NPU_DESC_F_LAST;
            const std::uint32_t list = static_cast<std::uint32_t>(kDramBase + 0x80000);
            std::memcpy(b.dram.mem.data() + 0x80000, &first, NPU_DESC_SIZE);
            std::memcpy(b.dram.mem.data() + 0x80000 + NPU_DESC_SIZE, &second, NPU_DESC_SIZE);
            // bursts: fetch 1, first kernel 4 weight + 2 ifmap + 8 ofmap, fetch 2;
            // the second kernel's weights are resident, so its 16th burst is an ifmap read
            b.dram.fail_burst = 17;
            b.wr(NPU_REG_DESC_BASE, list);
            b.wr(NPU_REG_DESC_COUNT, 2);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_START);
            b.wait_irq();
            EXPECT_EQ(b.dram.npu_bursts, 17u);
            EXPECT_EQ(b.rd(NPU_REG_STATUS),
                      NPU_STATUS_DONE | NPU_STATUS_ERROR | (NPU_ERR_DMA << NPU_STATUS_ERR_SHIFT));
            EXPECT_EQ(b.rd(NPU_REG_IRQ_STATUS), NPU_IRQ_ERROR);
            EXPECT_EQ(b.rd(NPU_REG_KERNEL_INDEX), 1u);
            EXPECT_EQ(b.rd(NPU_REG_KERNELS_DONE), 1u);
            ASSERT_EQ(b.npu_.kernel_stats().size(), 2u);
            EXPECT_EQ(b.npu_.kernel_stats()[1].error, NPU_ERR_DMA);
            EXPECT_EQ(b.npu_.kernel_stats()[1].resident_weight_bytes, 64u);
            // the same RESIDENT kernel again, from the launch window: weights reloaded
            b.wr(NPU_REG_IRQ_STATUS, 0x7);
            b.dram.fail_burst = 0;
            b.write_launch(second);
            b.wr(NPU_REG_CTRL, NPU_CTRL_IRQ_EN | NPU_CTRL_SRC_CALL | NPU_CTRL_START);
            b.wait_irq();
            EXPECT_EQ(b.rd(NPU_REG_STATUS), NPU_STATUS_DONE);
            ASSERT_EQ(b.npu_.kernel_stats().size(), 3u);
            EXPECT_EQ(b.npu_.kernel_stats()[2].dram_read_bytes.weight, 64u);
            EXPECT_EQ(b.npu_.kernel_stats()[2].resident_weight_bytes, 0u);
            EXPECT_EQ(read_output(g.L, g.a, b.dram.mem), reference(g.L, g.t));
        },
        2);
}
