// Cross-check of two independent computations, at the NPU's real 64 KiB
// scratchpads where the capacity binds: the NPU core's DMA counts the bytes
// it really moves tile by tile; the compiler predicts them in closed form
// (kernel_traffic.h). For every layer and schedule they must agree byte for
// byte, and both sides must take the same capacity decision: the NPU refuses
// a tiling (NPU_ERR_TILE_TOO_LARGE) exactly when the compiler's footprints,
// charged by the one capacity rule (npu/core.h: ping-pong halves, element
// widths, bias and requantization table next to the accumulators), do not fit;
// and that is exactly when the compiler's own double-buffered buffer needs
// (traffic.h) exceed the scratchpads.
//
// The sample: random dataflow, non-square inputs and filters, separate row
// and column strides, asymmetric padding, groups, bias, the per-channel
// table, int32 output, random tiles and loop orders.
#include <algorithm>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

#include "npu_abi/npu_regs.h"
#include "npu_compiler/kernel_traffic.h"
#include "npu_compiler/traffic.h"
#include "npu_test_util.h"

namespace {

namespace nc = npu::compiler;

constexpr std::size_t kDram = 16u << 20;

npu::CoreConfig real_config() {
    npu::CoreConfig cfg;     // 32x32, 64 KiB scratchpads
    cfg.functional = false;  // timing mode moves the same bytes (tested elsewhere)
    cfg.dram_base = npu_test::kDramBase;
    cfg.dram_size = kDram;
    return cfg;
}

struct Outcome {
    bool npu_refused = false, rule_refused = false, needs_refused = false;
};

// Runs the NPU and compares; returns what each side decided about capacity.
Outcome check(const npu_test::Layer& L, const std::array<unsigned, 6>& tile,
              const std::array<unsigned, 6>& order, npu::Dataflow df, bool qtable,
              const std::string& what) {
    const npu::CoreConfig cfg = real_config();
    npu_test::TestDram dram(kDram);
    const npu_test::Tensors t = npu_test::make_tensors(L, 7);
    const npu_test::Addrs a = npu_test::place(L, t, dram.mem);
    npu_desc_t d = npu_test::make_desc(L, a, tile, order, df);
    if (qtable) {
        d.flags |= NPU_DESC_F_QTABLE;
        d.qtable_addr = a.psum;  // any M * 8 bytes inside DRAM
    }
    npu::Core core(cfg);
    const npu::KernelStats st = core.run(d, dram);

    Outcome o;
    o.npu_refused = st.error == NPU_ERR_TILE_TOO_LARGE;
    EXPECT_TRUE(st.error == NPU_ERR_NONE || o.npu_refused)
        << what << ": " << npu::error_name(st.error);

    const nc::KernelTraffic p = nc::predict_traffic(d);
    npu::FootprintElems fe;
    fe.ifmap = static_cast<std::uint64_t>(p.max_footprint_elems.ifmap);
    fe.weight = static_cast<std::uint64_t>(p.max_footprint_elems.weight);
    fe.ofmap = static_cast<std::uint64_t>(p.max_footprint_elems.ofmap);
    fe.channels = static_cast<std::uint64_t>(p.max_footprint_elems.channels);
    npu::ElementBytes w;
    w.channel_params = (L.bias ? npu::kBiasBytes : 0) + (qtable ? npu::kQtableEntryBytes : 0);
    o.rule_refused = !npu::fits(npu::footprint_bytes(fe, w), cfg);

    const nc::ConvLayer cl = nc::kernel_layer(d);
    nc::Schedule s = nc::kernel_schedule_of(d);
    s.double_buffer = true;
    nc::BufferConfig caps;
    caps.ifmap_bytes = cfg.ifmap_bytes, caps.weight_bytes = cfg.weight_bytes,
    caps.ofmap_bytes = cfg.ofmap_bytes;
    o.needs_refused = !nc::fits(nc::buffer_needs(cl, s), caps);

    EXPECT_EQ(o.npu_refused, o.rule_refused) << what;
    EXPECT_EQ(o.npu_refused, o.needs_refused) << what;
    if (st.error != NPU_ERR_NONE) return o;
    auto u = [](int64_t v) { return static_cast<std::uint64_t>(v); };
    EXPECT_EQ(st.dram_read_bytes.ifmap, u(p.dram_read_bytes.ifmap)) << what;
    EXPECT_EQ(st.dram_read_bytes.weight, u(p.dram_read_bytes.weight)) << what;
    EXPECT_EQ(st.dram_read_bytes.bias, u(p.dram_read_bytes.bias)) << what;
    EXPECT_EQ(st.dram_read_bytes.psum, u(p.dram_read_bytes.psum)) << what;
    EXPECT_EQ(st.dram_write_bytes.ofmap, u(p.dram_write_bytes.ofmap)) << what;
    EXPECT_EQ(st.dram_write_bytes.psum, u(p.dram_write_bytes.psum)) << what;
    EXPECT_EQ(st.tiles, u(p.tiles)) << what;
    // The NPU's own largest footprints equal the compiler's, byte for byte.
    npu::Kernel k;
    EXPECT_EQ(npu::decode_kernel(d, cfg, k), NPU_ERR_NONE) << what;
    const npu::FootprintBytes mine = npu::max_footprints(k), theirs = npu::footprint_bytes(fe, w);
    EXPECT_EQ(mine.ifmap, theirs.ifmap) << what;
    EXPECT_EQ(mine.weight, theirs.weight) << what;
    EXPECT_EQ(mine.ofmap, theirs.ofmap) << what;
    return o;
}

std::string describe(const npu_test::Layer& L, const std::array<unsigned, 6>& tile,
                     const std::array<unsigned, 6>& order, npu::Dataflow df, bool qtable) {
    std::string s =
        "C=" + std::to_string(L.C) + " M=" + std::to_string(L.M) + " H=" + std::to_string(L.H) +
        " W=" + std::to_string(L.W) + " R=" + std::to_string(L.R) + " S=" + std::to_string(L.S) +
        " stride=" + std::to_string(L.stride_h) + "," + std::to_string(L.stride_w) +
        " pad=" + std::to_string(L.pt) + "," + std::to_string(L.pl) + "," + std::to_string(L.pb) +
        "," + std::to_string(L.pr) + " groups=" + std::to_string(L.groups) +
        (L.bias ? " bias" : "") + (qtable ? " qtable" : "") + (L.int32_out ? " int32" : "") + " " +
        npu::to_string(df) + " T=";
    for (unsigned t : tile)
        s += std::to_string(t) + ",";
    s += " order=";
    for (unsigned o : order)
        s += std::to_string(o);
    return s;
}

}  // namespace

TEST(TrafficCrossCheck, ResNet50Conv3AtTheRealBuffers) {
    // C = M = 128, 28x28, 3x3, stride 1, pad 1 with the tiling the NPU
    // README reports for os, and a psum-spilling order.
    npu_test::Layer L;
    L.C = L.M = 128;
    L.H = L.W = 28;
    L.R = L.S = 3;
    L.pt = L.pl = L.pb = L.pr = 1;
    L.bias = true;
    const std::array<unsigned, 6> tile{32, 64, 4, 28, 3, 3};
    for (auto order : {std::array<unsigned, 6>{0, 2, 1, 3, 4, 5}, {1, 0, 2, 3, 4, 5}})
        EXPECT_FALSE(check(L, tile, order, npu::Dataflow::os, false,
                           describe(L, tile, order, npu::Dataflow::os, false))
                         .npu_refused);
    // One more m: 64 x 64 x 9 weights + 64 biases = 37120 B > 32 KiB.
    const std::array<unsigned, 6> big{64, 64, 4, 28, 3, 3};
    EXPECT_TRUE(check(L, big, {0, 2, 1, 3, 4, 5}, npu::Dataflow::os, false, "m64").npu_refused);
}

TEST(TrafficCrossCheck, RandomLayersAndSchedulesAtTheRealBuffers) {
    std::mt19937 rng(20261129);
    auto pick = [&rng](unsigned lo, unsigned hi) {
        return std::uniform_int_distribution<unsigned>(lo, hi)(rng);
    };
    int accepted = 0, refused = 0, psum = 0, asym = 0, nonsquare = 0, grouped = 0, strides = 0;
    for (int n = 0; n < 250 && !HasFailure(); ++n) {
        npu_test::Layer L;
        const std::vector<unsigned> filters{1, 2, 3, 5, 7};
        L.R = filters[pick(0, 4)];
        L.S = pick(0, 3) ? L.R : filters[pick(0, 4)];
        L.stride_h = pick(1, 3);
        L.stride_w = pick(0, 2) ? L.stride_h : pick(1, 3);
        L.pt = pick(0, L.R - 1), L.pb = pick(0, L.R - 1);
        L.pl = pick(0, L.S - 1), L.pr = pick(0, L.S - 1);
        L.groups = pick(0, 4) ? 1 : std::vector<unsigned>{2, 4}[pick(0, 1)];
        L.C = L.groups * pick(1, 96 / L.groups);
        L.M = L.groups * pick(1, 96 / L.groups);
        L.H = pick(std::max(L.R, 4u), 40);
        L.W = pick(0, 2) ? L.H : pick(std::max(L.S, 4u), 40);
        L.bias = pick(0, 2) == 0;
        L.int32_out = pick(0, 4) == 0;
        const bool qtable = !L.int32_out && pick(0, 3) == 0;
        const npu::Dataflow df = static_cast<npu::Dataflow>(pick(0, 2));
        const auto ext = L.extents();
        std::array<unsigned, 6> tile{};
        std::uint64_t iters = 0;
        do {  // random tiles, at most 3000 inter-tile iterations (test time)
            iters = 1;
            for (int d = 0; d < 6; ++d) {
                tile[d] = pick(0, 2) ? ext[d] - pick(0, ext[d] - 1) / pick(1, 8) : pick(1, ext[d]);
                iters *= (ext[d] + tile[d] - 1) / tile[d];
            }
        } while (iters > 3000);
        std::array<unsigned, 6> order{};
        std::iota(order.begin(), order.end(), 0u);
        std::shuffle(order.begin(), order.end(), rng);
        const Outcome o = check(L, tile, order, df, qtable, describe(L, tile, order, df, qtable));
        (o.npu_refused ? refused : accepted) += 1;
        if (!o.npu_refused) {
            psum += tile[1] < ext[1] || tile[4] < ext[4] || tile[5] < ext[5];
            asym += L.pt != L.pb || L.pl != L.pr;
            nonsquare += L.H != L.W || L.R != L.S;
            grouped += L.groups > 1;
            strides += L.stride_h != L.stride_w;
        }
    }
    // The capacity binds both ways, and the accepted sample covers what matters.
    EXPECT_GT(accepted, 60);
    EXPECT_GT(refused, 30);
    EXPECT_GT(psum, 20);
    EXPECT_GT(asym, 20);
    EXPECT_GT(nonsquare, 20);
    EXPECT_GT(grouped, 5);
    EXPECT_GT(strides, 10);
}
