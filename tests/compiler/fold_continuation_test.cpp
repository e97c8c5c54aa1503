// Fold continuation and fold overlap (npu/systolic.h) in the NPU's walk and in
// the compiler's analytic estimate, and ragged array-aligned tiles:
//   - the run formula by hand (continuing GEMMs, overlap below and above R);
//   - tilings that split only the streamed loops (os: c, k, l; ws: y, x;
//     is: m) cost exactly the untiled layer's formula, computed here on its
//     own, for every dataflow, plain, grouped and depthwise convs and a gemm,
//     with and without fold overlap; the estimate's compute cycles equal the
//     walk's;
//   - tilings that change the stationary operand: hand-computed cycles;
//   - the continuation policies (run, array, off) on stationary tiles of one
//     and of several folds: hand-computed cycles, walk and estimate;
//   - a conv with a ragged last tile in each of m, c, y, x under os, ws, is:
//     bit-exact output against the reference, hand-computed compute cycles,
//     timing mode equal to functional mode.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>

#include "../npu/npu_test_util.h"
#include "npu/core.h"
#include "npu/systolic.h"
#include "npu_abi/npu_regs.h"
#include "npu_compiler/kernel_schedule.h"

using namespace npu_test;
using npu::Dataflow;

namespace {

constexpr std::array<unsigned, 6> kMYXCKL = {0, 2, 3, 1, 4, 5};  // os: reduction innermost
constexpr std::array<unsigned, 6> kCYXMKL = {1, 2, 3, 0, 4, 5};  // is: filters innermost
constexpr std::array<unsigned, 6> kYXMCKL = {2, 3, 0, 1, 4, 5};  // ws: pixels outermost

std::uint64_t cdiv(std::uint64_t a, std::uint64_t b) {
    return (a + b - 1) / b;
}

// The untiled layer's compute cycles, written here independently of
// systolic.cpp: one GEMM per group, F folds of T streamed each.
std::uint64_t untiled_formula(const Layer& L, Dataflow df, unsigned R, unsigned C, bool overlap) {
    const std::uint64_t G = L.groups, mg = L.M / G, red = std::uint64_t{L.C / G} * L.R * L.S,
                        pix = std::uint64_t{L.E()} * L.F();
    std::uint64_t sr = 0, sc = 0, t = 0;
    if (df == Dataflow::os) sr = pix, sc = mg, t = red;
    if (df == Dataflow::ws) sr = red, sc = mg, t = pix;
    if (df == Dataflow::is) sr = red, sc = pix, t = mg;
    const std::uint64_t folds = cdiv(sr, R) * cdiv(sc, C);
    const std::uint64_t fold = df == Dataflow::os ? t + R + C - 2 : 2 * R + C + t - 2;
    const std::uint64_t gemm =
        overlap ? fold + (folds - 1) * std::max<std::uint64_t>(t, R) : folds * fold;
    return G * gemm;
}

struct KernelRun {
    npu::KernelStats st;
    std::vector<std::int32_t> out;
    npu_desc_t desc{};
};

KernelRun run(const Layer& L, std::array<unsigned, 6> tile, std::array<unsigned, 6> order,
              Dataflow df, bool functional, bool overlap = false,
              npu::FoldContinuation policy = npu::FoldContinuation::run) {
    TestDram dram(1 << 20);
    const Tensors t = make_tensors(L, 3);
    const Addrs a = place(L, t, dram.mem);
    npu::CoreConfig cfg = small_config(functional);
    cfg.fold_overlap = overlap;
    cfg.fold_continuation = policy;
    npu::Core core(cfg);
    KernelRun r;
    r.desc = make_desc(L, a, tile, order, df);
    r.st = core.run(r.desc, dram);
    r.out = read_output(L, a, dram.mem);
    return r;
}

// The compiler's analytic estimate of the same descriptor (same core config).
std::uint64_t estimated_compute(const npu_desc_t& d, bool overlap,
                                npu::FoldContinuation policy = npu::FoldContinuation::run) {
    npu::compiler::ArchConfig arch;
    arch.core = small_config(false);
    arch.core.fold_overlap = overlap;
    arch.core.fold_continuation = policy;
    return npu::compiler::estimate_kernel(d, arch).compute_cycles;
}

}  // namespace

TEST(FoldModel, RunCyclesByHand) {
    // ws on a 4x8 array: m 5, reduction 9, 10 pixels -> Sr 9, Sc 5, T 10:
    // 3 x 1 folds of 2*4 + 8 + 10 - 2 = 24 -> 72 (a new run).
    const npu::GemmShape g = npu::tile_gemm(Dataflow::ws, 5, 9, 10);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::ws, 4, 8, g), 72u);
    // Continuing a run that streamed 10 already: 3 folds x 10 = 30, and the
    // run of both costs one GEMM of T 20: 3 x (14 + 20) = 102 = 72 + 30.
    EXPECT_EQ(npu::gemm_cycles(Dataflow::ws, 4, 8, g, 10), 30u);
    EXPECT_EQ(npu::run_cycles(Dataflow::ws, 4, 8, 3, 20), 102u);
    // Overlap, os on 4x4: 8 folds of T 27: 33 + 7 x max(27, 4) = 222 (264 without).
    const npu::GemmShape o = npu::tile_gemm(Dataflow::os, 8, 27, 16);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::os, 4, 4, o, 0, false), 264u);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::os, 4, 4, o, 0, true), 222u);
    // T 2 below R 4: each further fold waits for the rows: 8 + 7 x 4 = 36 (64 without).
    EXPECT_EQ(npu::run_cycles(Dataflow::os, 4, 4, 8, 2, true), 36u);
    EXPECT_EQ(npu::run_cycles(Dataflow::os, 4, 4, 8, 2, false), 64u);
    // is on 4x8: 6 folds of T 5: 19 + 5 x 5 = 44; continuing with 5 more:
    // run of T 10 = 24 + 5 x 10 = 74, so the continuing GEMM adds 30 = 6 x 5.
    const npu::GemmShape i = npu::tile_gemm(Dataflow::is, 5, 9, 10);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::is, 4, 8, i, 0, true), 44u);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::is, 4, 8, i, 5, true), 30u);
    // Below R the increments follow the run: ws 3 folds, T 1 then 2 more:
    // run(1) = 15 + 2 x 4 = 23, run(3) = 17 + 2 x 4 = 25 -> adds 2.
    EXPECT_EQ(npu::run_cycles(Dataflow::ws, 4, 8, 3, 1, true), 23u);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::ws, 4, 8, {9, 2, 5}, 1, true), 2u);
    // Streamed loop dimensions.
    EXPECT_TRUE(npu::is_streamed_dim(Dataflow::os, NPU_DIM_C));
    EXPECT_FALSE(npu::is_streamed_dim(Dataflow::os, NPU_DIM_Y));
    EXPECT_TRUE(npu::is_streamed_dim(Dataflow::ws, NPU_DIM_X));
    EXPECT_FALSE(npu::is_streamed_dim(Dataflow::ws, NPU_DIM_M));
    EXPECT_TRUE(npu::is_streamed_dim(Dataflow::is, NPU_DIM_M));
    EXPECT_FALSE(npu::is_streamed_dim(Dataflow::is, NPU_DIM_K));
}

// Tilings that split only the streamed loops (ragged last tiles, several
// orders) cost exactly the untiled layer, in the walk and in the estimate.
TEST(FoldContinuation, StreamedSplitEqualsUntiledFormula) {
    struct Shape {
        const char* what;
        Layer L;
    };
    std::vector<Shape> shapes;
    {
        Layer L;  // plain 3x3, pad 1: 6x6 outputs
        L.C = 8, L.M = 12, L.H = L.W = 6, L.R = L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
        shapes.push_back({"conv", L});
        L.groups = 4;  // 4 groups of 3 filters, 2 channels
        shapes.push_back({"grouped", L});
        L.C = L.M = L.groups = 8;  // depthwise
        shapes.push_back({"depthwise", L});
    }
    {
        Layer L;  // 1x1 stride 2 on 9x9: 5x5 outputs
        L.C = 10, L.M = 11, L.H = L.W = 9, L.stride_h = L.stride_w = 2;
        shapes.push_back({"1x1 stride 2", L});
    }
    {
        Layer L;  // gemm: 10 rows of 20 against 12 outputs
        L.op = NPU_OP_GEMM, L.C = 20, L.M = 12, L.H = 1, L.W = 10;
        shapes.push_back({"gemm", L});
    }
    const std::array<std::array<unsigned, 6>, 3> orders = {kMCYXKL, kCKLMYX, kYXKMLC};
    for (const Shape& s : shapes)
        for (Dataflow df : {Dataflow::os, Dataflow::ws, Dataflow::is})
            for (bool overlap : {false, true}) {
                const Layer& L = s.L;
                std::array<unsigned, 6> tile = L.extents();
                // Split only the streamed loops, with a ragged last tile.
                if (df == Dataflow::os) {
                    tile[1] = std::max(1u, tile[1] * 2 / 3);
                    tile[4] = std::max(1u, tile[4] - 1);
                } else if (df == Dataflow::ws) {
                    tile[2] = std::max(1u, tile[2] * 2 / 3);
                    tile[3] = std::max(1u, tile[3] / 2);
                } else {
                    tile[0] = std::max(1u, tile[0] * 2 / 5);  // crosses group boundaries
                }
                const std::uint64_t want = untiled_formula(L, df, 4, 8, overlap);
                for (const auto& order : orders) {
                    SCOPED_TRACE(std::string(s.what) + " " + npu::to_string(df) +
                                 (overlap ? " overlap" : "") + " order " +
                                 std::to_string(order[0]) + std::to_string(order[1]) +
                                 std::to_string(order[2]));
                    const KernelRun r = run(L, tile, order, df, false, overlap);
                    ASSERT_EQ(r.st.error, NPU_ERR_NONE);
                    EXPECT_GT(r.st.tiles, 1u);
                    EXPECT_EQ(r.st.compute_cycles, want);
                    EXPECT_EQ(estimated_compute(r.desc, overlap), want);
                }
            }
}

// A conv with a ragged last tile in each of m (4, 4, 2), c (4, 2), y and x
// (4, 4, 1) on the 4x8 array: C 6, M 10, 9x9, 3x3, pad 1. Exact output,
// timing equal to functional, and compute cycles by hand; R = 4, C = 8.
TEST(FoldContinuation, RaggedTilesPerDataflowByHand) {
    Layer L;
    L.C = 6, L.M = 10, L.H = L.W = 9, L.R = L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    L.zp_in = 2, L.zp_w = -3, L.zp_out = 1, L.bias = true;
    const std::array<unsigned, 6> tile = {4, 4, 4, 4, 3, 3};
    const auto ref = reference(L, make_tensors(L, 3));
    // Pixel tiles (ey, ex): 4 of 4x4, 2 of 4x1, 2 of 1x4, 1 of 1x1 (81 pixels).
    struct Case {
        Dataflow df;
        std::array<unsigned, 6> order;
        bool overlap;
        std::uint64_t compute;
    };
    const Case cases[] = {
        // os, order m y x c: each (m, y, x) tile one run over c, T = 6 * 9 = 54,
        // folds ceil(pixels / 4) x 1: 4*4 + 2*1 + 2*1 + 1 = 21 per m tile, 3 m
        // tiles -> 63 folds x (54 + 4 + 8 - 2) = 4032.
        {Dataflow::os, kMYXCKL, false, 63u * 64u},
        // os, order m c y x: c outside the pixel loops, every tile a new run:
        // per m tile 21 folds x (36 + 10) + 21 x (18 + 10) = 1554, x 3 = 4662.
        {Dataflow::os, kMCYXKL, false, 3u * (21u * 46u + 21u * 28u)},
        // ws, order m c y x: each (m, c) tile one run over the 81 pixels;
        // folds ceil(c*9 / 4): 9 (c 4) and 5 (c 2) x 1 column fold;
        // per m tile 14 x (8 + 8 + 81 - 2) = 1330, x 3 = 3990.
        {Dataflow::ws, kMCYXKL, false, 3u * 14u * 95u},
        // Overlap: a run of F folds is 95 + (F - 1) x 81: (95 + 8*81) + (95 + 4*81) = 1162, x 3.
        {Dataflow::ws, kMCYXKL, true, 3u * 1162u},
        // ws, order y x m c: the weights change every tile: 9 pixel tiles x
        // 6 weight tiles, each folds x (14 + pixels): per m tile
        // 14 x (9*14 + 81) = 2898, x 3 = 8694.
        {Dataflow::ws, kYXMCKL, false, 3u * 14u * (9u * 14u + 81u)},
        // is, order c y x m: each (c, y, x) tile one run over the 10 filters,
        // T 10; folds (9 or 5) x ceil(pixels / 8): 4*2 + 2 + 2 + 1 = 13 ->
        // 14 x 13 = 182 folds x (8 + 8 + 10 - 2) = 4368.
        {Dataflow::is, kCYXMKL, false, 182u * 24u},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(npu::to_string(c.df)) + " order " + std::to_string(c.order[0]) +
                     std::to_string(c.order[1]) + std::to_string(c.order[2]) +
                     (c.overlap ? " overlap" : ""));
        const KernelRun f = run(L, tile, c.order, c.df, true, c.overlap);
        ASSERT_EQ(f.st.error, NPU_ERR_NONE);
        EXPECT_EQ(f.st.tiles, 3u * 2u * 3u * 3u);
        EXPECT_EQ(f.out, ref);
        EXPECT_EQ(f.st.compute_cycles, c.compute);
        EXPECT_EQ(estimated_compute(f.desc, c.overlap), c.compute);
        const KernelRun t = run(L, tile, c.order, c.df, false, c.overlap);
        EXPECT_EQ(t.st.compute_cycles, f.st.compute_cycles);
        EXPECT_EQ(t.st.cycles, f.st.cycles);
        EXPECT_EQ(t.st.sram_reads.weight, f.st.sram_reads.weight);
    }
}

// The continuation policies by hand. gemm C 8 (reduction), M 16 filters, 10
// pixels in x tiles of 4, 4, 2, ws on the 4x8 array: fold(T) = 2*4 + 8 + T - 2
// = 14 + T.
//   - The whole weight matrix as one stationary tile: 2 x 2 = 4 folds.
//     run: one run of T 10: 4 x 24 = 96 (the untiled formula). array and off:
//     the array holds one block of four, so every pixel tile restarts:
//     4 x (18 + 18 + 16) = 208. With overlap: run 24 + 3 x 10 = 54; array
//     and off per tile 14 + T + 3 x max(T, 4): 30 + 30 + 28 = 88.
//   - Stationary tiles of 4 x 8 (m 8, c 4): one fold each, 4 of them, the
//     pixel loop innermost. run and array: each one run of T 10: 4 x 24 = 96;
//     off: 4 x (18 + 18 + 16) = 208.
// The walk and the compiler's estimate agree on each; the output is exact.
TEST(FoldContinuation, PoliciesByHand) {
    Layer L;
    L.op = NPU_OP_GEMM, L.C = 8, L.M = 16, L.H = 1, L.W = 10;
    const auto ref = reference(L, make_tensors(L, 3));
    using P = npu::FoldContinuation;
    struct Case {
        std::array<unsigned, 6> tile;
        P policy;
        bool overlap;
        std::uint64_t compute;
    };
    const std::array<unsigned, 6> whole = {16, 8, 1, 4, 1, 1}, block = {8, 4, 1, 4, 1, 1};
    const Case cases[] = {
        {whole, P::run, false, 96}, {whole, P::array, false, 208}, {whole, P::off, false, 208},
        {whole, P::run, true, 54},  {whole, P::array, true, 88},   {whole, P::off, true, 88},
        {block, P::run, false, 96}, {block, P::array, false, 96},  {block, P::off, false, 208},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(npu::to_string(c.policy)) + " m tile " +
                     std::to_string(c.tile[0]) + (c.overlap ? " overlap" : ""));
        const KernelRun f = run(L, c.tile, kMCYXKL, Dataflow::ws, true, c.overlap, c.policy);
        ASSERT_EQ(f.st.error, NPU_ERR_NONE);
        EXPECT_EQ(f.out, ref);
        EXPECT_EQ(f.st.compute_cycles, c.compute);
        EXPECT_EQ(estimated_compute(f.desc, c.overlap, c.policy), c.compute);
    }
    EXPECT_TRUE(npu::continues_run(P::run, 4));
    EXPECT_TRUE(npu::continues_run(P::array, 1));
    EXPECT_FALSE(npu::continues_run(P::array, 2));
    EXPECT_FALSE(npu::continues_run(P::off, 1));
    for (P p : {P::run, P::array, P::off}) {
        P back = P::off == p ? P::run : P::off;
        EXPECT_TRUE(npu::parse_fold_continuation(npu::to_string(p), back));
        EXPECT_EQ(back, p);
    }
    P unchanged = P::array;
    EXPECT_FALSE(npu::parse_fold_continuation("fold-major", unchanged));
    EXPECT_EQ(unchanged, P::array);
}

// The stationary operand is read from the scratchpad once per run: ws,
// gemm C 8, 12 pixels in x tiles of 4, M 8: one weight block of 8 x 8 read
// once (64), not per tile (192).
TEST(FoldContinuation, StationaryReadOncePerRun) {
    Layer L;
    L.op = NPU_OP_GEMM, L.C = 8, L.M = 8, L.H = 1, L.W = 12;
    const KernelRun r = run(L, {8, 8, 1, 4, 1, 1}, kMCYXKL, Dataflow::ws, false);
    ASSERT_EQ(r.st.error, NPU_ERR_NONE);
    EXPECT_EQ(r.st.tiles, 3u);
    EXPECT_EQ(r.st.sram_reads.weight, 64u);
    // 2 x 1 folds, one run of T 12: 2 x (8 + 8 + 12 - 2) = 52.
    EXPECT_EQ(r.st.compute_cycles, 52u);
}
