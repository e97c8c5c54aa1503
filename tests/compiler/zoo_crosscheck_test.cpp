// The key cross-check: for every kernel of the zoo networks, compiled at the
// default NPU (32x32 array, 64 KiB scratchpads) with their chosen schedules,
// the NPU core (npu::Core in timing mode behind a DRAM that only counts and
// times) moves exactly the DRAM bytes per tensor the compiler predicted.
// Two independent computations: the compiler's closed form never walks the
// tiles; the NPU walks them and moves the bytes.
// Bytes on the DRAM bus (whole atoms of the default --dram-atom, 32): the
// compiler's prediction (its walk against its DRAM channel), the core's own
// counters and this port's count of every transaction it receives (the
// rule of vp/dram_atom.h applied to each burst) agree per kernel and tensor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "npu/core.h"
#include "npu_abi/npu_regs.h"
#include "npu_compiler/compile.h"
#include "vp/dram_atom.h"
#include "workloads/zoo.h"

namespace {

namespace nc = npu::compiler;

// A DRAM port that counts bytes and keeps time (bandwidth and latency as the
// compiler assumes) but stores nothing: timing mode needs no data.
class CountingDram : public npu::DmaPort {
  public:
    CountingDram(double bw, std::uint64_t latency, std::uint64_t atom)
        : m_bw(bw), m_latency(latency), m_atom(atom) {}
    bool read(std::uint64_t addr, std::uint8_t*, std::uint32_t len, std::uint64_t request,
              std::uint64_t& done) override {
        done = timing(len, request);
        bus += vp::dram_bus_bytes(addr, len, m_atom);
        return true;
    }
    bool write(std::uint64_t addr, const std::uint8_t*, std::uint32_t len, std::uint64_t request,
               std::uint64_t& done) override {
        done = timing(len, request);
        bus += vp::dram_bus_bytes(addr, len, m_atom);
        return true;
    }
    void reset() { m_busy = 0, bus = 0; }
    std::uint64_t bus = 0;  // bytes on the DRAM bus of every transaction since reset()

  private:
    std::uint64_t timing(std::uint32_t len, std::uint64_t request) {
        const std::uint64_t start = std::max(request, m_busy);
        m_busy = start + static_cast<std::uint64_t>(std::ceil(len / m_bw));
        return m_busy + m_latency;
    }
    double m_bw;
    std::uint64_t m_latency, m_atom, m_busy = 0;
};

bool in_zoo(const std::string& spec) {
    bool known = false;
    for (const auto& e : wl::zoo::entries())
        known |= e.name == spec.substr(0, spec.find(':'));
    return known;
}

// Runs every kernel of the compiled network on the core and compares.
void cross_check(const std::string& spec, const nc::CompileOptions& opt) {
    const nc::CompiledModel m = nc::compile(wl::zoo::build(spec), opt);
    npu::CoreConfig cfg = opt.arch.core;
    cfg.functional = false;
    npu::Core core(cfg);
    CountingDram dram(opt.arch.dram_bw, opt.arch.dram_latency, cfg.dram_atom_bytes);
    std::uint64_t predicted = 0, moved = 0, spilling = 0, bus = 0, by_rows = 0;
    for (std::size_t i = 0; i < m.image.descs.size(); ++i) {
        const npu_desc_t& d = m.image.descs[i];
        const nc::KernelPrediction& p = m.predictions[i];
        dram.reset();
        const npu::KernelStats st = core.run(d, dram);
        const std::string what = spec + " kernel " + std::to_string(i) + " (" +
                                 m.image.layers[d.kernel_id].name + ", " + npu::op_name(d.op) + ")";
        ASSERT_EQ(st.error, NPU_ERR_NONE) << what << ": " << npu::error_name(st.error);
        EXPECT_EQ(st.dram_read_bytes.ifmap, p.rd_ifmap) << what;
        // bias, the per-channel table and the LUT count under weight in the prediction
        EXPECT_EQ(st.dram_read_bytes.weight + st.dram_read_bytes.bias + st.dram_read_bytes.lut,
                  p.rd_weight)
            << what;
        EXPECT_EQ(st.dram_read_bytes.psum, p.rd_psum) << what;
        EXPECT_EQ(st.dram_write_bytes.ofmap, p.wr_ofmap) << what;
        EXPECT_EQ(st.dram_write_bytes.psum, p.wr_psum) << what;
        EXPECT_EQ(st.macs, p.macs) << what;
        // Bus bytes: the core's counters, the port's count, the prediction.
        EXPECT_EQ(st.dram_bus_read_bytes.total() + st.dram_bus_write_bytes.total(), dram.bus)
            << what;
        EXPECT_EQ(st.dram_bus_read_bytes.ifmap, p.bus_rd_ifmap) << what;
        EXPECT_EQ(st.dram_bus_read_bytes.weight + st.dram_bus_read_bytes.bias +
                      st.dram_bus_read_bytes.lut,
                  p.bus_rd_weight)
            << what;
        EXPECT_EQ(st.dram_bus_read_bytes.psum, p.bus_rd_psum) << what;
        EXPECT_EQ(st.dram_bus_write_bytes.ofmap, p.bus_wr_ofmap) << what;
        EXPECT_EQ(st.dram_bus_write_bytes.psum, p.bus_wr_psum) << what;
        EXPECT_GE(p.dram_bus_bytes(), p.dram_bytes()) << what;
        if (::testing::Test::HasFailure()) return;
        bus += dram.bus;
        by_rows += (d.flags & NPU_DESC_F_IFMAP_ROWS) != 0;
        predicted += p.dram_bytes();
        moved += st.dram_read_bytes.total() + st.dram_write_bytes.total();
        spilling += p.wr_psum > 0;
    }
    EXPECT_EQ(moved, predicted);
    std::printf(
        "%s (%s, %s, dataflow %u): %zu kernels, %llu DRAM bytes moved = predicted, %llu on the "
        "bus = predicted, %llu spill psums, %llu fetch ifmap rows\n",
        spec.c_str(), nc::to_string(opt.objective), nc::to_string(opt.mode), unsigned{opt.dataflow},
        m.image.descs.size(), static_cast<unsigned long long>(moved),
        static_cast<unsigned long long>(bus), static_cast<unsigned long long>(spilling),
        static_cast<unsigned long long>(by_rows));
}

class ZooCrossCheck : public ::testing::TestWithParam<const char*> {};

TEST_P(ZooCrossCheck, NpuMovesThePredictedBytes) {
    if (!in_zoo(GetParam())) GTEST_SKIP() << GetParam() << " is not in the zoo yet";
    cross_check(GetParam(), nc::CompileOptions{});  // 32x32, 64 KiB buffers, os, cycles, best
}

// The other objective, the fixed schedule and the other dataflows.
TEST(ZooCrossCheckOptions, ObjectivesModesAndDataflows) {
    nc::CompileOptions dram;
    dram.objective = nc::Objective::dram;
    cross_check("resnet50", dram);
    cross_check("googlenet", dram);
    nc::CompileOptions fixed;
    fixed.mode = nc::ScheduleMode::fixed;
    cross_check("resnet50", fixed);
    for (std::uint8_t df : {NPU_DF_WS, NPU_DF_IS}) {
        nc::CompileOptions o;
        o.dataflow = df;
        cross_check("resnet_small", o);
        cross_check("mobilenet_v2", o);
    }
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooCrossCheck,
                         ::testing::Values("lenet5", "alexnet", "vgg16", "googlenet", "resnet50",
                                           "resnet50-v1.5", "mobilenet_v2", "resnet_small", "mlp",
                                           "gemm"),
                         [](const ::testing::TestParamInfo<const char*>& i) {
                             std::string s = i.param;
                             for (char& c : s)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return s;
                         });

}  // namespace
