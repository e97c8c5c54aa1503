// Hardening of the NPU's plain C++ core against hostile descriptors: the bound
// on one kernel's work (NPU_ERR_TOO_MUCH_WORK, refused identically by the
// compiler's traffic predictor), a tile-1 walk whose bookkeeping follows the
// footprints, and the statistics registry's group removal the shell relies on.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "npu/core.h"
#include "npu_abi/npu_regs.h"
#include "npu_compiler/kernel_traffic.h"
#include "npu_test_util.h"
#include "vp/stats.h"

using namespace npu_test;

namespace {

// An in-place RELU of one channel of h x w with every tile 1: h * w inter-tile
// iterations.
npu_desc_t relu_tile1(unsigned h, unsigned w) {
    Layer L;
    L.op = NPU_OP_RELU;
    L.C = 1;
    L.H = h;
    L.W = w;
    L.M = 1;
    const Addrs a{static_cast<std::uint32_t>(kDramBase), 0, 0,
                  static_cast<std::uint32_t>(kDramBase), 0, 0};
    return make_desc(L, a, {1, 1, 1, 1, 1, 1}, {0, 1, 2, 3, 4, 5}, npu::Dataflow::os);
}

npu::CoreConfig big_dram() {
    npu::CoreConfig cfg;
    cfg.dram_base = kDramBase;
    cfg.dram_size = 1u << 30;
    return cfg;
}

bool predictor_refuses(const npu_desc_t& d) {
    try {
        npu::compiler::predict_traffic(d);
    } catch (const std::invalid_argument&) {
        return true;
    }
    return false;
}

}  // namespace

// 4096 x 4096 tile-1 RELU: 2^24 iterations (the hours-long kernel), refused before any byte
// moves, by the NPU and by the compiler's predictor alike.
TEST(NpuWorkBound, RefusesTooManyTilesWithoutTransferring) {
    const npu_desc_t d = relu_tile1(4096, 4096);
    npu::Kernel k;
    EXPECT_EQ(npu::decode_kernel(d, big_dram(), k), NPU_ERR_TOO_MUCH_WORK);
    EXPECT_STREQ(npu::error_name(NPU_ERR_TOO_MUCH_WORK), "too_much_work");
    EXPECT_TRUE(predictor_refuses(d));

    TestDram dram(64);  // no room needed: nothing may be transferred
    CountingDma dma(dram);
    npu::CoreConfig cfg = big_dram();
    npu::Core core(cfg);
    const npu::KernelStats st = core.run(d, dma);
    EXPECT_EQ(st.error, NPU_ERR_TOO_MUCH_WORK);
    EXPECT_EQ(dma.calls, 0u);
    EXPECT_EQ(st.tiles, 0u);
}

// The limit itself: exactly NPU_MAX_KERNEL_TILES iterations are accepted, one
// row more is refused; the predictor agrees on both sides.
TEST(NpuWorkBound, LastLegalTileCount) {
    const unsigned w = 1024, h_ok = NPU_MAX_KERNEL_TILES / w;
    ASSERT_EQ(std::uint64_t{h_ok} * w, NPU_MAX_KERNEL_TILES);
    npu::Kernel k;
    const npu_desc_t ok = relu_tile1(h_ok, w);
    EXPECT_EQ(npu::decode_kernel(ok, big_dram(), k), NPU_ERR_NONE);
    EXPECT_EQ(k.trips[NPU_DIM_Y] * k.trips[NPU_DIM_X], NPU_MAX_KERNEL_TILES);
    EXPECT_FALSE(predictor_refuses(ok));
    const npu_desc_t over = relu_tile1(h_ok + 1, w);
    EXPECT_EQ(npu::decode_kernel(over, big_dram(), k), NPU_ERR_TOO_MUCH_WORK);
    EXPECT_TRUE(predictor_refuses(over));
}

// The trip counts multiply past 32 bits (65535^6) without wrapping into a
// small product.
TEST(NpuWorkBound, ProductDoesNotWrap) {
    const std::uint32_t trips[NPU_DIMS] = {65535, 65535, 65535, 65535, 65535, 65535};
    EXPECT_FALSE(npu_tiles_within_limit(trips, NPU_DIMS));
    const std::uint32_t one[NPU_DIMS] = {1, 1, 1, 1, 1, 1};
    EXPECT_TRUE(npu_tiles_within_limit(one, NPU_DIMS));
}

// A tile-1 kernel of 2^20 iterations runs through the whole walk in about a
// second: every iteration moves exactly one element each way, and the result
// is the RELU of the input. Its bookkeeping per iteration follows the
// one-element footprint (before, every load sized maps by the whole
// 1024-wide tensor and this took 10 s).
TEST(NpuWorkBound, MillionTileOneKernelRuns) {
    const unsigned w = 1024, h = 1024;
    npu_desc_t d = relu_tile1(h, w);
    d.zp_out = 0;
    npu::CoreConfig cfg;
    cfg.dram_base = kDramBase;
    cfg.dram_size = std::uint64_t{h} * w;
    TestDram dram(cfg.dram_size, 16, 1);
    for (std::size_t i = 0; i < dram.mem.size(); ++i)
        dram.mem[i] = static_cast<std::uint8_t>(i * 37);
    const std::vector<std::uint8_t> in = dram.mem;
    npu::Core core(cfg);
    const auto t0 = std::chrono::steady_clock::now();
    const npu::KernelStats st = core.run(d, dram);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(st.error, NPU_ERR_NONE);
    EXPECT_EQ(st.tiles, std::uint64_t{h} * w);
    EXPECT_EQ(st.dram_read_bytes.ifmap, std::uint64_t{h} * w);
    EXPECT_EQ(st.dram_write_bytes.ofmap, std::uint64_t{h} * w);
    for (std::size_t i = 0; i < in.size(); i += 4099) {
        const int x = static_cast<std::int8_t>(in[i]);
        EXPECT_EQ(static_cast<std::int8_t>(dram.mem[i]), x < 0 ? 0 : x) << "element " << i;
    }
    RecordProperty("seconds", std::to_string(secs));
}

// remove_prefix("npu.") removes the group "npu" (the NPU's destructor used to
// pass the trailing dot and removed nothing), and nothing outside it.
TEST(NpuStats, RemovePrefixWithTrailingDot) {
    vp::StatsRegistry reg;
    std::uint64_t a = 1, b = 2, c = 3;
    reg.add_counter("npu.kernels", &a);
    reg.add_counter("npu.dram_read_bytes.ifmap", &b);
    reg.add_counter("npux.kernels", &c);
    reg.remove_prefix("npu.");
    EXPECT_EQ(reg.to_text().find("npu."), std::string::npos) << reg.to_text();
    EXPECT_EQ(reg.read("npux.kernels"), 3.0);
}
