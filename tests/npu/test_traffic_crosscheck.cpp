// Cross-check of two independent computations (DESIGN.md "Facts to build on",
// dataflow-model.md §6): the NPU core's DMA counts the bytes it really moves
// tile by tile; the compiler predicts them in closed form (§4). For every
// layer and schedule they must agree byte for byte.
//
// Conventions the two sides share: int8 ifmap/weight/ofmap (int32 when the
// output is raw), int32 psums; the NPU reports the bias under its own key
// while the compiler counts it with the weights.
#include <algorithm>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

#include "npu_abi/npu_regs.h"
#include "npu_compiler/traffic.h"
#include "npu_test_util.h"

namespace {

namespace nc = npu::compiler;

struct Case {
    npu_test::Layer layer;
    std::array<unsigned, 6> tile{};
    std::array<unsigned, 6> order{};
};

npu::KernelStats run_npu(const Case& c) {
    npu::CoreConfig cfg;
    cfg.functional = false;  // timing mode moves the same bytes (tested elsewhere)
    cfg.ifmap_bytes = cfg.weight_bytes = cfg.ofmap_bytes = 4u << 20;
    npu_test::TestDram dram(8u << 20);
    const npu_test::Tensors t = npu_test::make_tensors(c.layer, 7);
    const npu_test::Addrs a = npu_test::place(c.layer, t, dram.mem);
    npu::Core core(cfg);
    return core.run(npu_test::make_desc(c.layer, a, c.tile, c.order, npu::Dataflow::os), dram);
}

nc::TrafficBytes predict(const Case& c) {
    const npu_test::Layer& L = c.layer;
    nc::ConvLayer cl = nc::ConvLayer::conv(L.C, L.M, L.H, L.W, L.R, L.stride_h, L.pt, L.bias);
    if (L.int32_out) cl.w_ofmap = 4;
    nc::Schedule s;
    for (int i = 0; i < 6; ++i) {
        s.tile[i] = c.tile[i];
        s.order[i] = static_cast<nc::Dim>(c.order[i]);
    }
    return nc::to_bytes(cl, nc::closed_form(cl, s));
}

void expect_agree(const Case& c, const std::string& what) {
    const npu::KernelStats st = run_npu(c);
    ASSERT_EQ(st.error, NPU_ERR_NONE) << what;
    const nc::TrafficBytes p = predict(c);
    EXPECT_EQ(st.dram_read_bytes.ifmap, static_cast<std::uint64_t>(p.dram_read_bytes.ifmap))
        << what;
    EXPECT_EQ(st.dram_read_bytes.weight + st.dram_read_bytes.bias,
              static_cast<std::uint64_t>(p.dram_read_bytes.weight))
        << what;
    EXPECT_EQ(st.dram_read_bytes.psum, static_cast<std::uint64_t>(p.dram_read_bytes.psum)) << what;
    EXPECT_EQ(st.dram_write_bytes.ofmap, static_cast<std::uint64_t>(p.dram_write_bytes.ofmap))
        << what;
    EXPECT_EQ(st.dram_write_bytes.psum, static_cast<std::uint64_t>(p.dram_write_bytes.psum))
        << what;
}

std::string describe(const Case& c) {
    const auto& L = c.layer;
    std::string s = "C=" + std::to_string(L.C) + " M=" + std::to_string(L.M) +
                    " H=" + std::to_string(L.H) + " R=" + std::to_string(L.R) +
                    " S=" + std::to_string(L.stride_h) + " pad=" + std::to_string(L.pt) +
                    (L.bias ? " bias" : "") + (L.int32_out ? " int32" : "") + " T=";
    for (unsigned t : c.tile)
        s += std::to_string(t) + ",";
    s += " order=";
    for (unsigned o : c.order)
        s += std::to_string(o);
    return s;
}

}  // namespace

TEST(TrafficCrossCheck, ResNet50Conv3) {
    // C = M = 128, 28x28, 3x3, stride 1, pad 1 with the tiling the NPU
    // README reports for os, and a psum-spilling order.
    Case c;
    c.layer.C = c.layer.M = 128;
    c.layer.H = c.layer.W = 28;
    c.layer.R = c.layer.S = 3;
    c.layer.pt = c.layer.pl = c.layer.pb = c.layer.pr = 1;
    c.tile = {32, 64, 4, 28, 3, 3};
    c.order = {0, 2, 1, 3, 4, 5};
    expect_agree(c, describe(c));
    c.order = {1, 0, 2, 3, 4, 5};  // c outermost: partial sums go out and come back
    expect_agree(c, describe(c));
}

TEST(TrafficCrossCheck, RandomLayersAndSchedules) {
    std::mt19937 rng(20261121);
    auto pick = [&rng](unsigned lo, unsigned hi) {
        return std::uniform_int_distribution<unsigned>(lo, hi)(rng);
    };
    int psum_cases = 0, padded = 0, split_filter = 0;
    for (int n = 0; n < 300; ++n) {
        Case c;
        npu_test::Layer& L = c.layer;
        L.C = pick(1, 12);
        L.M = pick(1, 12);
        L.R = L.S = std::vector<unsigned>{1, 2, 3, 5}[pick(0, 3)];
        L.stride_h = L.stride_w = pick(1, 3);
        const unsigned pad = pick(0, L.R - 1);
        L.pt = L.pl = L.pb = L.pr = pad;
        L.H = L.W = pick(std::max(L.R, 3u), 13);
        L.bias = pick(0, 3) == 0;
        L.int32_out = pick(0, 3) == 0;
        const auto ext = L.extents();
        for (int d = 0; d < 6; ++d)
            c.tile[d] = pick(1, ext[d]);
        std::iota(c.order.begin(), c.order.end(), 0u);
        std::shuffle(c.order.begin(), c.order.end(), rng);
        psum_cases += c.tile[1] < ext[1] || c.tile[4] < ext[4] || c.tile[5] < ext[5];
        padded += pad > 0;
        split_filter += c.tile[4] < L.R;
        expect_agree(c, describe(c));
        if (HasFailure()) break;
    }
    // The sample covers what matters (reduction split, padding, split filter).
    EXPECT_GT(psum_cases, 100);
    EXPECT_GT(padded, 50);
    EXPECT_GT(split_filter, 50);
}
