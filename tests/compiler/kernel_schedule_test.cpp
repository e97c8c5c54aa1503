// schedule_kernel / predict_kernel (kernel_schedule.h): the search against an
// exhaustive enumeration written here (every tile vector, every loop order,
// each predicted with predict_kernel) for each objective; every NPU op
// schedules and its predicted bytes equal what the NPU's DMA moves; the fixed
// tiling; ResNet-50 at the defaults reaches >= 50% mean MAC utilisation over
// its conv layers under the cycles objective; the objectives order bytes and
// cycles the way they promise.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "npu_abi/npu_regs.h"
#include "npu_compiler/kernel_schedule.h"
#include "npu_compiler/reference_kernels.h"

namespace {

using namespace npu::compiler;

constexpr std::uint32_t kBase = 0x80000000u;

npu_desc_t desc_of(std::uint8_t op, unsigned C, unsigned M, unsigned H, unsigned W, unsigned R,
                   unsigned S, unsigned stride, unsigned pad, unsigned df = NPU_DF_OS) {
    npu_desc_t d{};
    d.op = op;
    d.dataflow = static_cast<std::uint8_t>(df);
    d.ifmap_addr = d.weight_addr = d.bias_addr = d.ofmap_addr = d.psum_addr = d.lut_addr =
        d.qtable_addr = kBase;
    d.c = static_cast<std::uint16_t>(C), d.m = static_cast<std::uint16_t>(M);
    d.h = static_cast<std::uint16_t>(H), d.w = static_cast<std::uint16_t>(W);
    d.r = static_cast<std::uint16_t>(R), d.s = static_cast<std::uint16_t>(S);
    d.stride_h = d.stride_w = static_cast<std::uint8_t>(stride);
    d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = static_cast<std::uint8_t>(pad);
    if (op == NPU_OP_GAVGPOOL) {
        d.e = d.f = 1;
    } else if (op >= NPU_OP_ADD) {
        d.e = d.h, d.f = d.w;
    } else {
        d.e = static_cast<std::uint16_t>((H + 2 * pad - R) / stride + 1);
        d.f = static_cast<std::uint16_t>((W + 2 * pad - S) / stride + 1);
    }
    d.groups = 1;
    d.mult = 1 << 20, d.shift = 20;
    for (unsigned i = 0; i < NPU_DIMS; ++i)
        d.loop_order[i] = static_cast<std::uint8_t>(i), d.tile[i] = 1;
    return d;
}

ArchConfig small_arch(std::uint32_t buf_bytes) {
    ArchConfig a;
    a.core.array_rows = 4;
    a.core.array_cols = 4;
    a.core.ifmap_bytes = a.core.weight_bytes = a.core.ofmap_bytes = buf_bytes;
    a.core.dma_burst_bytes = 16;
    a.dram_bw = 4;
    a.dram_latency = 10;
    return a;
}

std::array<unsigned, NPU_DIMS> extents(const npu_desc_t& d) {
    if (d.op == NPU_OP_CONV || d.op == NPU_OP_GEMM)
        return {d.m, static_cast<unsigned>(d.c / d.groups), d.e, d.f, d.r, d.s};
    if (d.op == NPU_OP_GAVGPOOL) return {d.c, 1, 1, 1, d.h, d.w};
    if (d.op >= NPU_OP_ADD) return {d.c, 1, d.h, d.w, 1, 1};
    return {d.c, 1, d.e, d.f, d.r, d.s};
}

using Key = std::pair<std::uint64_t, std::uint64_t>;
Key key(Objective o, const KernelPrediction& p) {
    return o == Objective::cycles ? Key{p.cycles, p.dram_bytes()} : Key{p.dram_bytes(), p.cycles};
}

// Every tile vector and every loop order, each predicted on its own; tilings the NPU refuses
// (capacity) are skipped.
Key exhaustive_best(const npu_desc_t& d0, const ArchConfig& a, Objective o, int* feasible,
                    int* refused) {
    const auto N = extents(d0);
    Key best{~0ull, ~0ull};
    *feasible = 0;
    *refused = 0;
    std::array<unsigned, NPU_DIMS> t{1, 1, 1, 1, 1, 1};
    for (;;) {
        std::array<std::uint8_t, NPU_DIMS> order{0, 1, 2, 3, 4, 5};
        do {
            // A loop with one trip changes nothing wherever it sits: of the
            // orders that differ only there, predict the one with those loops
            // innermost in index order.
            bool canonical = true;
            int last_inactive = -1;
            for (int j = 0; j < int(NPU_DIMS); ++j) {
                const unsigned dim = order[static_cast<size_t>(j)];
                const bool inactive = t[dim] == N[dim];
                if (inactive) {
                    if (int(dim) < last_inactive) canonical = false;
                    last_inactive = int(dim);
                } else if (last_inactive >= 0) {
                    canonical = false;
                }
            }
            if (!canonical) continue;
            npu_desc_t d = d0;
            for (unsigned i = 0; i < NPU_DIMS; ++i)
                d.tile[i] = static_cast<std::uint16_t>(t[i]), d.loop_order[i] = order[i];
            npu::Kernel k;
            if (npu::decode_kernel(d, a.core, k) != NPU_ERR_NONE) {
                ++*refused;
                continue;
            }
            ++*feasible;
            best = std::min(best, key(o, predict_kernel(d, a)));
        } while (std::next_permutation(order.begin(), order.end()));
        int i = NPU_DIMS - 1;
        while (i >= 0 && ++t[static_cast<size_t>(i)] > N[static_cast<size_t>(i)])
            t[static_cast<size_t>(i--)] = 1;
        if (i < 0) break;
    }
    return best;
}

void expect_search_matches_exhaustive(const npu_desc_t& d0, const ArchConfig& a, const char* what) {
    ScheduleOptions opt;
    opt.exhaustive = true;
    opt.confirm_all = true;
    for (Objective o : {Objective::cycles, Objective::dram}) {
        int feasible = 0, refused = 0;
        const Key want = exhaustive_best(d0, a, o, &feasible, &refused);
        ASSERT_GT(feasible, 0) << what;
        EXPECT_GT(refused, 0) << what << ": the scratchpads must bind";
        npu_desc_t d = d0;
        const KernelPrediction p = schedule_kernel(d, a, o, ScheduleMode::best, opt);
        EXPECT_EQ(key(o, p), want) << what << " objective " << to_string(o);
        // The returned prediction is the one of the returned tiling.
        const KernelPrediction again = predict_kernel(d, a);
        EXPECT_EQ(again.cycles, p.cycles) << what;
        EXPECT_EQ(again.dram_bytes(), p.dram_bytes()) << what;
    }
}

// A DMA port that completes every transfer at once, moving nothing: timing
// mode needs no data.
struct NullDma : npu::DmaPort {
    bool read(std::uint64_t, std::uint8_t*, std::uint32_t, std::uint64_t r,
              std::uint64_t& done) override {
        done = r;
        return true;
    }
    bool write(std::uint64_t, const std::uint8_t*, std::uint32_t, std::uint64_t r,
               std::uint64_t& done) override {
        done = r;
        return true;
    }
};

}  // namespace

// Small layers (each test well under a second in a release build; the
// sanitizer build is some 30 times slower) with scratchpads that bind.
TEST(KernelSchedule, SearchMatchesExhaustiveConvOs) {
    // 64 tile vectors; 32-byte scratchpads (16 B per half: 4 accumulators,
    // and the whole 2x3x3 ifmap does not fit either).
    npu_desc_t d = desc_of(NPU_OP_CONV, 2, 2, 3, 3, 2, 2, 1, 0);
    d.flags = NPU_DESC_F_BIAS;
    expect_search_matches_exhaustive(d, small_arch(32), "conv C2 M2 3x3 R2, os");
}

TEST(KernelSchedule, SearchMatchesExhaustiveConvWs) {
    npu_desc_t d = desc_of(NPU_OP_CONV, 2, 2, 3, 3, 2, 2, 1, 0, NPU_DF_WS);
    expect_search_matches_exhaustive(d, small_arch(48), "conv ws, 48-byte scratchpads");
}

TEST(KernelSchedule, SearchMatchesExhaustivePaddedStrided) {
    // 3x2 filter, stride 2, asymmetric padding: E = (5 + 1 + 0 - 3) / 2 + 1 = 2,
    // F = (4 + 1 + 0 - 2) / 2 + 1 = 2.
    npu_desc_t d = desc_of(NPU_OP_CONV, 2, 2, 5, 4, 3, 2, 2, 1, NPU_DF_IS);
    d.pad_bottom = d.pad_right = 0;
    d.e = 2, d.f = 2;
    expect_search_matches_exhaustive(d, small_arch(32), "conv stride 2, asymmetric pad, is");
}

TEST(KernelSchedule, SearchMatchesExhaustiveGemm) {
    expect_search_matches_exhaustive(desc_of(NPU_OP_GEMM, 6, 5, 1, 3, 1, 1, 1, 0), small_arch(64),
                                     "gemm");
}

TEST(KernelSchedule, SearchMatchesExhaustivePoolAndAdd) {
    expect_search_matches_exhaustive(desc_of(NPU_OP_MAXPOOL, 2, 2, 5, 5, 3, 3, 2, 1),
                                     small_arch(64), "maxpool");
    expect_search_matches_exhaustive(desc_of(NPU_OP_ADD, 3, 3, 3, 4, 1, 1, 1, 0), small_arch(64),
                                     "add");
}

TEST(KernelSchedule, EveryOpSchedulesAndTheNpuMovesThePredictedBytes) {
    ArchConfig a;  // the defaults: 32x32, 64 KiB scratchpads
    struct Op {
        npu_desc_t d;
        const char* what;
    };
    std::vector<Op> ops;
    ops.push_back({desc_of(NPU_OP_CONV, 64, 128, 28, 28, 3, 3, 1, 1), "conv 3x3"});
    npu_desc_t g = desc_of(NPU_OP_CONV, 64, 64, 28, 20, 3, 3, 2, 1);
    g.groups = 4;
    ops.push_back({g, "grouped conv, non-square"});
    npu_desc_t dw = desc_of(NPU_OP_CONV, 96, 96, 56, 56, 3, 3, 1, 1);
    dw.groups = 96;
    ops.push_back({dw, "depthwise"});
    npu_desc_t q = desc_of(NPU_OP_CONV, 256, 512, 14, 14, 1, 1, 1, 0);
    q.flags = NPU_DESC_F_BIAS | NPU_DESC_F_QTABLE;
    q.act = NPU_ACT_LUT;
    ops.push_back({q, "1x1 with bias, qtable and lut"});
    ops.push_back({desc_of(NPU_OP_GEMM, 2048, 1000, 1, 1, 1, 1, 1, 0), "fc"});
    ops.push_back({desc_of(NPU_OP_GEMM, 512, 256, 1, 64, 1, 1, 1, 0), "gemm"});
    ops.push_back({desc_of(NPU_OP_MAXPOOL, 64, 64, 112, 112, 3, 3, 2, 1), "maxpool"});
    ops.push_back({desc_of(NPU_OP_AVGPOOL, 32, 32, 30, 30, 2, 2, 2, 0), "avgpool"});
    ops.push_back({desc_of(NPU_OP_GAVGPOOL, 2048, 2048, 7, 7, 7, 7, 1, 0), "global pool"});
    for (std::uint8_t op : {NPU_OP_ADD, NPU_OP_MUL, NPU_OP_RELU, NPU_OP_LUT, NPU_OP_REQUANT})
        ops.push_back({desc_of(op, 256, 256, 28, 28, 1, 1, 1, 0), npu::op_name(op)});
    for (const Op& o : ops)
        for (Objective obj : {Objective::cycles, Objective::dram})
            for (ScheduleMode mode : {ScheduleMode::best, ScheduleMode::fixed}) {
                npu_desc_t d = o.d;
                const KernelPrediction p = schedule_kernel(d, a, obj, mode);
                // The NPU's own run of the chosen descriptor (timing mode).
                NullDma port;
                npu::CoreConfig cfg = a.core;
                cfg.functional = false;
                npu::Core core(cfg);
                const npu::KernelStats st = core.run(d, port);
                ASSERT_EQ(st.error, NPU_ERR_NONE) << o.what;
                EXPECT_EQ(p.rd_ifmap, st.dram_read_bytes.ifmap) << o.what;
                EXPECT_EQ(p.rd_weight, st.dram_read_bytes.weight + st.dram_read_bytes.bias +
                                           st.dram_read_bytes.lut)
                    << o.what;
                EXPECT_EQ(p.rd_psum, st.dram_read_bytes.psum) << o.what;
                EXPECT_EQ(p.wr_ofmap, st.dram_write_bytes.ofmap) << o.what;
                EXPECT_EQ(p.wr_psum, st.dram_write_bytes.psum) << o.what;
                EXPECT_EQ(p.macs, st.macs) << o.what;
                EXPECT_EQ(p.tiles, st.tiles) << o.what;
                EXPECT_EQ(p.compute_cycles, st.compute_cycles) << o.what;
                // The footprints fit one ping-pong half of each scratchpad.
                EXPECT_LE(p.buf_ifmap, a.core.ifmap_bytes / 2) << o.what;
                EXPECT_LE(p.buf_weight, a.core.weight_bytes / 2) << o.what;
                EXPECT_LE(p.buf_ofmap, a.core.ofmap_bytes / 2) << o.what;
            }
}

// Under every fold continuation policy and dataflow, the searched schedule's
// predicted compute cycles are the NPU walk's, and so is the estimate of the
// same tiling under other loop orders (rotated and reversed: runs of one and
// of several folds); `array` never costs less than `run` (it continues fewer
// runs), and `off` never less than `array`.
TEST(KernelSchedule, PredictedComputeCyclesAreTheNpusUnderEveryPolicy) {
    NullDma port;
    using P = npu::FoldContinuation;
    for (unsigned df : {NPU_DF_OS, NPU_DF_WS, NPU_DF_IS}) {
        const npu_desc_t layers[] = {desc_of(NPU_OP_CONV, 64, 128, 28, 28, 3, 3, 1, 1, df),
                                     desc_of(NPU_OP_CONV, 256, 512, 28, 28, 1, 1, 2, 0, df),
                                     desc_of(NPU_OP_GEMM, 512, 256, 1, 64, 1, 1, 1, 0, df)};
        for (const npu_desc_t& layer : layers) {
            std::uint64_t walked[3] = {};
            for (P policy : {P::run, P::array, P::off}) {
                SCOPED_TRACE("df " + std::to_string(df) + " policy " + npu::to_string(policy) +
                             " c " + std::to_string(layer.c) + " r " + std::to_string(layer.r));
                ArchConfig a;
                a.core.fold_continuation = policy;
                a.core.functional = false;
                npu_desc_t d = layer;
                const KernelPrediction p =
                    schedule_kernel(d, a, Objective::cycles, ScheduleMode::best);
                npu::Core core(a.core);
                const npu::KernelStats st = core.run(d, port);
                ASSERT_EQ(st.error, NPU_ERR_NONE);
                EXPECT_EQ(p.compute_cycles, st.compute_cycles);
                for (unsigned variant = 0; variant < 2 * NPU_DIMS; ++variant) {
                    npu_desc_t o = d;
                    for (unsigned j = 0; j < NPU_DIMS; ++j) {
                        const unsigned r = (j + variant) % NPU_DIMS;
                        o.loop_order[j] = d.loop_order[variant < NPU_DIMS ? r : NPU_DIMS - 1 - r];
                    }
                    // The same descriptor under the three policies.
                    for (P q : {P::run, P::array, P::off}) {
                        ArchConfig aq = a;
                        aq.core.fold_continuation = q;
                        npu::Core other(aq.core);
                        const npu::KernelStats sq = other.run(o, port);
                        ASSERT_EQ(sq.error, NPU_ERR_NONE);
                        walked[static_cast<int>(q)] = sq.compute_cycles;
                        EXPECT_EQ(estimate_kernel(o, aq).compute_cycles, sq.compute_cycles)
                            << "order variant " << variant << " under " << npu::to_string(q);
                    }
                    EXPECT_LE(walked[0], walked[1]);
                    EXPECT_LE(walked[1], walked[2]);
                }
            }
        }
    }
}

TEST(KernelSchedule, FixedTilingIsTheDocumentedDefault) {
    ArchConfig a;
    // 1x1, C=256, M=64, 56x56: m 32, y = ceil(32 / 56) = 1, x 56, c 256 fits
    // (ifmap 256 x 56 = 14336 B, weights 32 x 256 = 8192 B, ofmap 32 x 56 x 4 = 7168 B).
    npu_desc_t d = desc_of(NPU_OP_CONV, 256, 64, 56, 56, 1, 1, 1, 0);
    schedule_kernel(d, a, Objective::cycles, ScheduleMode::fixed);
    EXPECT_EQ(
        (std::array<unsigned, 6>{d.tile[0], d.tile[1], d.tile[2], d.tile[3], d.tile[4], d.tile[5]}),
        (std::array<unsigned, 6>{32, 256, 1, 56, 1, 1}));
    EXPECT_EQ((std::array<unsigned, 6>{d.loop_order[0], d.loop_order[1], d.loop_order[2],
                                       d.loop_order[3], d.loop_order[4], d.loop_order[5]}),
              (std::array<unsigned, 6>{NPU_DIM_M, NPU_DIM_Y, NPU_DIM_X, NPU_DIM_C, NPU_DIM_K,
                                       NPU_DIM_L}));
    // 3x3, C=512, 7x7: y = ceil(32 / 7) = 5; c halves 512 -> 256 -> 128 -> 64
    // until 32 x c x 9 <= 32 KiB (c = 64: 18432 B; c = 128: 36864 B).
    d = desc_of(NPU_OP_CONV, 512, 512, 7, 7, 3, 3, 1, 1);
    schedule_kernel(d, a, Objective::cycles, ScheduleMode::fixed);
    EXPECT_EQ(
        (std::array<unsigned, 6>{d.tile[0], d.tile[1], d.tile[2], d.tile[3], d.tile[4], d.tile[5]}),
        (std::array<unsigned, 6>{32, 64, 5, 7, 3, 3}));
}

TEST(KernelSchedule, ResNet50AtTheDefaults) {
    ArchConfig a;
    const auto net = zoo_kernels("resnet50", a.core, NPU_DF_OS);
    ASSERT_EQ(std::count_if(net.begin(), net.end(),
                            [](const NamedKernel& k) { return k.desc.op == NPU_OP_CONV; }),
              53);
    struct Total {
        std::uint64_t bytes = 0, cycles = 0;
        double util = 0;
    };
    auto run = [&](Objective o, ScheduleMode m) {
        Total t;
        for (const NamedKernel& k : net) {
            npu_desc_t d = k.desc;
            const KernelPrediction p = schedule_kernel(d, a, o, m);
            t.bytes += p.dram_bytes();
            t.cycles += p.cycles;
            if (d.op == NPU_OP_CONV) {
                t.util += p.utilization / 53.0;
                // No 1-pixel tiles: the pixel tile covers the array's rows or the whole output.
                EXPECT_GE(unsigned(d.tile[NPU_DIM_Y]) * d.tile[NPU_DIM_X],
                          std::min<unsigned>(32, unsigned(d.e) * d.f))
                    << k.name;
                EXPECT_GE(d.tile[NPU_DIM_M], std::min<unsigned>(32, d.m)) << k.name;
            }
        }
        return t;
    };
    const Total cyc = run(Objective::cycles, ScheduleMode::best);
    const Total dram = run(Objective::dram, ScheduleMode::best);
    const Total fixed = run(Objective::cycles, ScheduleMode::fixed);
    EXPECT_GE(cyc.util, 0.5);
    EXPECT_LE(cyc.cycles, dram.cycles);
    EXPECT_LE(dram.bytes, cyc.bytes);
    EXPECT_LT(cyc.cycles, fixed.cycles);
    EXPECT_LT(dram.bytes, fixed.bytes);
}

// A 64x64 array with 16 KiB scratchpads cannot hold one array-wide tile of
// ResNet-50's conv1 (64 filters x 64 pixels of int32 psums > the 8 KiB
// ofmap half): the search takes tiles narrower than the array, keeps the
// 7x7 window whole, and never offers a tiling the NPU would refuse
// (1-element tiles of conv1 are 118,013,952 iterations, NPU_ERR_TOO_MUCH_WORK).
TEST(KernelSchedule, ScratchpadsSmallerThanOneArrayTileStillSchedule) {
    ArchConfig a;
    a.core.array_rows = a.core.array_cols = 64;
    a.core.ifmap_bytes = a.core.weight_bytes = a.core.ofmap_bytes = 16 * 1024;
    npu_desc_t d = desc_of(NPU_OP_CONV, 3, 64, 224, 224, 7, 7, 2, 3);
    const KernelPrediction p = schedule_kernel(d, a, Objective::cycles, ScheduleMode::best);
    EXPECT_LT(d.tile[NPU_DIM_M], 64u);
    EXPECT_EQ(d.tile[NPU_DIM_K], 7u);
    EXPECT_EQ(d.tile[NPU_DIM_L], 7u);
    EXPECT_LE(p.tiles, std::uint64_t(NPU_MAX_KERNEL_TILES));
    const KernelPrediction walked = predict_kernel(d, a);
    EXPECT_EQ(walked.cycles, p.cycles);
    EXPECT_EQ(walked.dram_bytes(), p.dram_bytes());
}

TEST(KernelSchedule, BadDescriptorsAreOneLine) {
    ArchConfig a;
    npu_desc_t d = desc_of(NPU_OP_CONV, 8, 8, 8, 8, 3, 3, 1, 1);
    d.e = 9;  // does not follow from h, r, stride, padding
    EXPECT_THROW(schedule_kernel(d, a, Objective::cycles, ScheduleMode::best),
                 std::invalid_argument);
    d = desc_of(NPU_OP_CONV, 8, 8, 8, 8, 3, 3, 1, 1);
    d.tile[0] = 8, d.tile[1] = 8, d.tile[2] = 8, d.tile[3] = 8, d.tile[4] = 3, d.tile[5] = 3;
    a.core.ofmap_bytes = 1024;  // 8 x 8 x 8 x 4 B = 2048 B > 512 B
    try {
        predict_kernel(d, a);
        FAIL() << "accepted a tile over capacity";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("tile_too_large"), std::string::npos) << e.what();
    }
}
