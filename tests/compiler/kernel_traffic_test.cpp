// predict_traffic(desc), the compiler's closed form, against the NPU core's
// own DMA counts (npu::Core in timing mode behind a counting DRAM) on random
// descriptors of every op kind: random shapes, groups, row/column strides,
// asymmetric padding, strided views, bias / qtable / LUT (also fused on
// add and mul), tilings and loop
// orders, with scratchpads small enough that the capacity rule binds. Every
// byte counter must agree exactly. Two independent computations: the NPU
// walks the tiles and moves the bytes; the compiler never walks.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>

#include "../npu/npu_test_util.h"  // the NPU tests' DRAM, layer and descriptor helpers
#include "npu_abi/npu_regs.h"
#include "npu_compiler/kernel_traffic.h"

namespace {

namespace nc = npu::compiler;

constexpr std::size_t kDram = 8u << 20;      // small layers: tensors 1 MiB apart
constexpr std::size_t kBigDram = 64u << 20;  // real layers: tensors 8 MiB apart

struct Case {
    npu_test::Layer layer;
    npu_desc_t desc{};
};

npu::CoreConfig config(std::uint32_t buf_bytes, std::size_t dram = kDram) {
    npu::CoreConfig cfg;
    cfg.functional = false;  // timing mode moves the same bytes
    cfg.array_rows = 4;
    cfg.array_cols = 8;
    cfg.ifmap_bytes = cfg.weight_bytes = cfg.ofmap_bytes = buf_bytes;
    cfg.dma_burst_bytes = 16;
    cfg.dram_base = npu_test::kDramBase;
    cfg.dram_size = dram;
    return cfg;
}

npu::KernelStats run_npu(const npu_desc_t& d, const npu::CoreConfig& cfg) {
    npu_test::TestDram dram(cfg.dram_size);
    npu::Core core(cfg);  // a fresh core: cold weight scratchpad
    npu::KernelStats st = core.run(d, dram);
    // The DRAM saw exactly what the core reports.
    EXPECT_EQ(dram.read_bytes, st.dram_read_bytes.total());
    EXPECT_EQ(dram.write_bytes, st.dram_write_bytes.total());
    return st;
}

std::string describe(const npu_desc_t& d) {
    std::string s = std::string("op ") + npu::op_name(d.op) + " c" + std::to_string(d.c) + " h" +
                    std::to_string(d.h) + " w" + std::to_string(d.w) + " m" + std::to_string(d.m) +
                    " e" + std::to_string(d.e) + " f" + std::to_string(d.f) + " r" +
                    std::to_string(d.r) + " s" + std::to_string(d.s) + " stride " +
                    std::to_string(d.stride_h) + "," + std::to_string(d.stride_w) + " pad " +
                    std::to_string(d.pad_top) + "," + std::to_string(d.pad_left) + "," +
                    std::to_string(d.pad_bottom) + "," + std::to_string(d.pad_right) + " groups " +
                    std::to_string(d.groups) + " flags " + std::to_string(d.flags) + " act " +
                    std::to_string(d.act) + " out " + std::to_string(d.out_type) + " tile ";
    for (int i = 0; i < 6; ++i)
        s += std::to_string(d.tile[i]) + (i < 5 ? "," : "");
    s += " order ";
    for (int i = 0; i < 6; ++i)
        s += std::to_string(d.loop_order[i]);
    return s;
}

void expect_agree(const npu_desc_t& d, const npu::CoreConfig& cfg) {
    SCOPED_TRACE(describe(d));
    const npu::KernelStats st = run_npu(d, cfg);
    ASSERT_EQ(st.error, NPU_ERR_NONE) << npu::error_name(st.error);
    const nc::KernelTraffic p = nc::predict_traffic(d);
    auto u = [](int64_t v) { return static_cast<std::uint64_t>(v); };
    EXPECT_EQ(st.dram_read_bytes.ifmap, u(p.dram_read_bytes.ifmap));
    EXPECT_EQ(st.dram_read_bytes.weight, u(p.dram_read_bytes.weight));
    EXPECT_EQ(st.dram_read_bytes.psum, u(p.dram_read_bytes.psum));
    EXPECT_EQ(st.dram_read_bytes.bias, u(p.dram_read_bytes.bias));
    EXPECT_EQ(st.dram_read_bytes.lut, u(p.dram_read_bytes.lut));
    EXPECT_EQ(st.dram_write_bytes.ofmap, u(p.dram_write_bytes.ofmap));
    EXPECT_EQ(st.dram_write_bytes.psum, u(p.dram_write_bytes.psum));
    EXPECT_EQ(st.tiles, u(p.tiles));
    // The footprint maxima against the NPU's own (its capacity rule's input).
    npu::Kernel k;
    ASSERT_EQ(npu::decode_kernel(d, cfg, k), NPU_ERR_NONE);
    const npu::FootprintElems fe = npu::max_footprint_elems(k);
    EXPECT_EQ(fe.ifmap, u(p.max_footprint_elems.ifmap));
    EXPECT_EQ(fe.weight, u(p.max_footprint_elems.weight));
    EXPECT_EQ(fe.ofmap, u(p.max_footprint_elems.ofmap));
    EXPECT_EQ(fe.channels, u(p.max_footprint_elems.channels));
    EXPECT_EQ(k.spills_psum, p.spills_psum);
}

class Rng {
  public:
    explicit Rng(unsigned seed) : m_rng(seed) {}
    unsigned pick(unsigned lo, unsigned hi) {
        return std::uniform_int_distribution<unsigned>(lo, hi)(m_rng);
    }
    bool chance(unsigned one_in) { return pick(1, one_in) == 1; }
    std::mt19937& engine() { return m_rng; }

  private:
    std::mt19937 m_rng;
};

const std::uint8_t kOps[] = {NPU_OP_CONV,     NPU_OP_GEMM,   NPU_OP_MAXPOOL, NPU_OP_AVGPOOL,
                             NPU_OP_GAVGPOOL, NPU_OP_ADD,    NPU_OP_MUL,     NPU_OP_RELU,
                             NPU_OP_LUT,      NPU_OP_REQUANT};

// A random layer of the given op (the shapes the NPU accepts).
npu_test::Layer random_layer(Rng& r, std::uint8_t op) {
    npu_test::Layer L;
    L.op = op;
    L.C = r.pick(1, 12);
    L.H = r.pick(1, 14);
    L.W = r.pick(1, 14);
    if (op == NPU_OP_CONV) {
        const unsigned kind = r.pick(0, 3);  // plain, grouped, depthwise, plain
        L.M = r.pick(1, 12);
        if (kind == 1) {
            L.groups = r.pick(2, 4);
            L.C = L.groups * r.pick(1, 4);
            L.M = L.groups * r.pick(1, 4);
        } else if (kind == 2) {
            L.groups = L.C;
            L.M = L.C * r.pick(1, 2);  // depthwise, multiplier 1 or 2
        }
        L.R = r.pick(1, 5);
        L.S = r.chance(3) ? r.pick(1, 5) : L.R;
        L.stride_h = r.pick(1, 3);
        L.stride_w = r.chance(2) ? L.stride_h : r.pick(1, 3);
        L.pt = r.pick(0, L.R - 1);
        L.pb = r.chance(2) ? L.pt : r.pick(0, L.R - 1);
        L.pl = r.pick(0, L.S - 1);
        L.pr = r.chance(2) ? L.pl : r.pick(0, L.S - 1);
        L.H = std::max(L.H, L.R);
        L.W = std::max(L.W, L.S);
        L.bias = r.chance(2);
        L.int32_out = r.chance(4);
        if (!L.int32_out) L.act = static_cast<std::uint8_t>(r.pick(0, 2));
    } else if (op == NPU_OP_GEMM) {
        L.M = r.pick(1, 24);
        L.C = r.pick(1, 24);
        L.H = r.chance(2) ? 1 : r.pick(1, 4);
        L.W = r.pick(1, 12);
        L.bias = r.chance(2);
        L.int32_out = r.chance(4);
        if (!L.int32_out) L.act = static_cast<std::uint8_t>(r.pick(0, 2));
    } else if (op == NPU_OP_MAXPOOL || op == NPU_OP_AVGPOOL) {
        L.R = r.pick(1, 4);
        L.S = r.chance(3) ? r.pick(1, 4) : L.R;
        L.stride_h = r.pick(1, 3);
        L.stride_w = r.chance(2) ? L.stride_h : r.pick(1, 3);
        L.pt = r.pick(0, L.R - 1);
        L.pb = r.pick(0, L.R - 1);
        L.pl = r.pick(0, L.S - 1);
        L.pr = r.pick(0, L.S - 1);
        L.H = std::max(L.H, L.R);
        L.W = std::max(L.W, L.S);
    } else if (op == NPU_OP_ADD || op == NPU_OP_MUL) {
        L.act = static_cast<std::uint8_t>(r.pick(0, 2));  // none, fused relu or LUT
    }
    return L;
}

// A descriptor for the layer with random tiles and order, tiles shrunk until
// the footprints fit the scratchpads (the NPU's capacity rule decides).
// Returns false if even unit tiles do not fit.
bool make_case(Rng& r, const npu_test::Layer& L, const npu::CoreConfig& cfg, npu_desc_t& d,
               bool& shrunk) {
    npu_test::Addrs a;
    // Tensors anywhere in DRAM (timing mode: contents do not matter), apart
    // by an eighth of it.
    const std::uint32_t base = static_cast<std::uint32_t>(npu_test::kDramBase);
    const std::uint32_t step = static_cast<std::uint32_t>(cfg.dram_size / 8);
    a.in = base;
    a.w = base + step;
    a.bias = base + 2 * step;
    a.lut = base + 2 * step + step / 2;
    a.out = base + 3 * step;
    a.psum = base + 5 * step;
    const auto ext = L.extents();
    std::array<unsigned, 6> tile{}, order{};
    for (int i = 0; i < 6; ++i)
        tile[i] = r.chance(3) ? ext[i] : r.pick(1, ext[i]);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), r.engine());
    d = npu_test::make_desc(L, a, tile, order, npu::Dataflow::os);
    if (L.mac() && r.chance(3)) {
        d.flags |= NPU_DESC_F_QTABLE;
        if (L.int32_out) d.flags &= static_cast<std::uint16_t>(~NPU_DESC_F_QTABLE);
        d.qtable_addr = base + 2 * step + step / 4;
    }
    if (L.mac() && r.chance(4)) d.flags |= NPU_DESC_F_RESIDENT;
    // Strided views: the tensor as a window of a larger buffer.
    if (r.chance(3)) {
        d.ifmap_row_stride = d.w + r.pick(0, 5);
        d.ifmap_ch_stride = d.h * d.ifmap_row_stride + r.pick(0, 9);
    }
    if (r.chance(3)) {
        d.ofmap_row_stride = d.f + r.pick(0, 5);
        d.ofmap_ch_stride = d.e * d.ofmap_row_stride + r.pick(0, 9);
    }
    if (L.eltwise() && r.chance(2)) {
        d.opb_row_stride = d.w + r.pick(1, 3);
        d.opb_ch_stride = 0;
        d.opb_ch_stride = d.h * d.opb_row_stride;
    }
    shrunk = false;
    for (;;) {
        npu::Kernel k;
        const std::uint32_t err = npu::decode_kernel(d, cfg, k);
        if (err == NPU_ERR_NONE) return true;
        if (err != NPU_ERR_TILE_TOO_LARGE) {
            ADD_FAILURE() << "decode: " << npu::error_name(err) << " " << describe(d);
            return false;
        }
        // Halve a random tile larger than 1.
        std::vector<int> big;
        for (int i = 0; i < 6; ++i)
            if (d.tile[i] > 1) big.push_back(i);
        if (big.empty()) return false;
        const int i = big[r.pick(0, static_cast<unsigned>(big.size() - 1))];
        d.tile[i] = static_cast<std::uint16_t>((d.tile[i] + 1) / 2);
        shrunk = true;
    }
}

TEST(KernelTraffic, EveryOpKindAgainstTheNpu) {
    Rng r(20261129);
    const int kPerOp = 400;
    int total = 0, shrunk_n = 0, psum = 0, resident = 0, grouped = 0, asym = 0, strided = 0,
        qtable = 0, lut = 0, eltwise_lut = 0, eltwise_relu = 0;
    for (std::uint8_t op : kOps) {
        int done = 0;
        while (done < kPerOp && !::testing::Test::HasFailure()) {
            const npu_test::Layer L = random_layer(r, op);
            // Small scratchpads so that the capacity rule binds.
            const npu::CoreConfig cfg =
                config(std::vector<std::uint32_t>{256, 512, 1024, 4096}[r.pick(0, 3)]);
            npu_desc_t d;
            bool shrunk = false;
            if (!make_case(r, L, cfg, d, shrunk)) continue;
            expect_agree(d, cfg);
            ++done;
            ++total;
            shrunk_n += shrunk;
            npu::Kernel k;
            npu::decode_kernel(d, cfg, k);
            psum += k.spills_psum;
            resident += (d.flags & NPU_DESC_F_RESIDENT) != 0;
            grouped += d.groups > 1;
            asym += d.pad_top != d.pad_bottom || d.pad_left != d.pad_right ||
                    d.stride_h != d.stride_w || d.h != d.w;
            strided += d.ifmap_row_stride != 0 || d.ofmap_row_stride != 0;
            qtable += (d.flags & NPU_DESC_F_QTABLE) != 0;
            lut += d.act == NPU_ACT_LUT || d.op == NPU_OP_LUT;
            const bool eltwise = d.op == NPU_OP_ADD || d.op == NPU_OP_MUL;
            eltwise_lut += eltwise && d.act == NPU_ACT_LUT;
            eltwise_relu += eltwise && d.act == NPU_ACT_RELU;
        }
    }
    std::printf(
        "descriptors %d: capacity bound %d, psum spill %d, resident %d, grouped %d, "
        "asymmetric %d, strided %d, qtable %d, lut %d (add/mul with a fused LUT %d, relu %d)\n",
        total, shrunk_n, psum, resident, grouped, asym, strided, qtable, lut, eltwise_lut,
        eltwise_relu);
    EXPECT_EQ(total, kPerOp * static_cast<int>(sizeof(kOps)));
    // The sample covers what matters.
    EXPECT_GT(shrunk_n, total / 5);
    EXPECT_GT(psum, total / 10);
    EXPECT_GT(resident, 100);
    EXPECT_GT(grouped, 100);
    EXPECT_GT(asym, total / 3);
    EXPECT_GT(strided, total / 5);
    EXPECT_GT(qtable, 50);
    EXPECT_GT(lut, 200);
    EXPECT_GT(eltwise_lut, 150);
    EXPECT_GT(eltwise_relu, 150);
}

}  // namespace

namespace {

// Random, mostly malformed descriptors: predict_traffic refuses exactly those
// the NPU refuses for their op, shape, strides or tiling (addresses and
// capacity are the NPU's business, so the NPU here has room for everything).
TEST(KernelTraffic, RefusesWhatTheNpuRefuses) {
    Rng r(5150);
    npu::CoreConfig cfg = config(1u << 30, 8u << 20);
    npu_test::TestDram dram(cfg.dram_size);
    int refused = 0, accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        npu_desc_t d{};
        d.op = static_cast<std::uint8_t>(r.pick(0, NPU_OP_COUNT));
        d.dataflow = static_cast<std::uint8_t>(r.chance(20) ? 3 : r.pick(0, 2));
        d.out_type = static_cast<std::uint8_t>(r.chance(3) ? r.pick(0, 2) : 0);
        d.act = static_cast<std::uint8_t>(r.chance(3) ? r.pick(0, 3) : 0);
        d.flags = static_cast<std::uint16_t>(r.chance(3) ? r.pick(0, 31) : 0);
        d.c = static_cast<std::uint16_t>(r.pick(0, 6));
        d.h = static_cast<std::uint16_t>(r.pick(0, 6));
        d.w = static_cast<std::uint16_t>(r.pick(0, 6));
        d.m = r.chance(2) ? d.c : static_cast<std::uint16_t>(r.pick(0, 6));
        d.r = static_cast<std::uint16_t>(r.pick(0, 4));
        d.s = r.chance(2) ? d.r : static_cast<std::uint16_t>(r.pick(0, 4));
        d.stride_h = static_cast<std::uint8_t>(r.pick(0, 3));
        d.stride_w = static_cast<std::uint8_t>(r.pick(0, 3));
        d.pad_top = static_cast<std::uint8_t>(r.chance(2) ? 0 : r.pick(0, 3));
        d.pad_bottom = static_cast<std::uint8_t>(r.chance(2) ? 0 : r.pick(0, 3));
        d.pad_left = static_cast<std::uint8_t>(r.chance(2) ? 0 : r.pick(0, 3));
        d.pad_right = static_cast<std::uint8_t>(r.chance(2) ? 0 : r.pick(0, 3));
        d.groups = static_cast<std::uint16_t>(r.pick(0, 3));
        d.shift = static_cast<std::uint8_t>(r.chance(10) ? 63 : 8);
        // Mostly consistent output sizes, so that later checks are reached.
        const long E =
            d.stride_h ? (long(d.h) + d.pad_top + d.pad_bottom - d.r) / d.stride_h + 1 : 1;
        const long F =
            d.stride_w ? (long(d.w) + d.pad_left + d.pad_right - d.s) / d.stride_w + 1 : 1;
        d.e = static_cast<std::uint16_t>(r.chance(5) ? r.pick(0, 6) : std::max(0L, E));
        d.f = static_cast<std::uint16_t>(r.chance(5) ? r.pick(0, 6) : std::max(0L, F));
        std::uint8_t order[6] = {0, 1, 2, 3, 4, 5};
        std::shuffle(std::begin(order), std::end(order), r.engine());
        if (r.chance(10)) order[r.pick(0, 5)] = static_cast<std::uint8_t>(r.pick(0, 7));
        for (int k = 0; k < 6; ++k) {
            d.loop_order[k] = order[k];
            d.tile[k] = static_cast<std::uint16_t>(r.chance(10) ? r.pick(0, 8) : 1);
        }
        if (r.chance(10)) d.ifmap_row_stride = r.pick(1, 8);
        if (r.chance(10)) d.ofmap_ch_stride = r.pick(1, 40);
        if (r.chance(2)) {  // half of them well-formed but for at most one field
            const npu_test::Layer L = random_layer(r, kOps[r.pick(0, 9)]);
            const auto ext = L.extents();
            std::array<unsigned, 6> tile{}, ord = {0, 1, 2, 3, 4, 5};
            for (int k = 0; k < 6; ++k)
                tile[k] = r.pick(1, ext[k]);
            std::shuffle(ord.begin(), ord.end(), r.engine());
            d = npu_test::make_desc(L, {}, tile, ord, npu::Dataflow::os);
            switch (r.pick(0, 9)) {
                case 0:
                    d.tile[r.pick(0, 5)] += 1;
                    break;
                case 1:
                    d.groups = static_cast<std::uint16_t>(d.groups + 1);
                    break;
                case 2:
                    d.e = static_cast<std::uint16_t>(d.e + 1);
                    break;
                case 3:
                    d.pad_right = static_cast<std::uint8_t>(d.pad_right + r.pick(1, 4));
                    break;
                case 4:
                    d.ofmap_row_stride = d.f > 1 ? d.f - 1 : 0;
                    break;
                default:
                    break;
            }
        }
        const std::uint32_t base = static_cast<std::uint32_t>(npu_test::kDramBase);
        d.ifmap_addr = d.weight_addr = d.bias_addr = d.ofmap_addr = d.lut_addr = d.qtable_addr =
            base;
        d.psum_addr = base + (4u << 20);
        npu::Kernel k;
        const std::uint32_t err = npu::decode_kernel(d, cfg, k);
        ASSERT_NE(err, NPU_ERR_ADDR_RANGE) << describe(d);
        ASSERT_NE(err, NPU_ERR_TILE_TOO_LARGE) << describe(d);
        bool threw = false;
        try {
            nc::predict_traffic(d);
        } catch (const std::invalid_argument&) {
            threw = true;
        }
        EXPECT_EQ(threw, err != NPU_ERR_NONE) << npu::error_name(err) << " " << describe(d);
        if (!threw &&
            err == NPU_ERR_NONE) {  // and the odd ones it accepts move the predicted bytes
            npu::Core core(cfg);
            const npu::KernelStats st = core.run(d, dram);
            const nc::KernelTraffic p = nc::predict_traffic(d);
            EXPECT_EQ(st.dram_read_bytes.total(),
                      static_cast<std::uint64_t>(p.dram_read_bytes.total()))
                << describe(d);
            EXPECT_EQ(st.dram_write_bytes.total(),
                      static_cast<std::uint64_t>(p.dram_write_bytes.total()))
                << describe(d);
        }
        if (HasFailure()) break;
        (threw ? refused : accepted) += 1;
    }
    std::printf("random descriptors: %d refused by both, %d accepted by both\n", refused, accepted);
    EXPECT_GT(accepted, 500);
}

// Per tiling once, then per order: the same numbers as the whole prediction.
TEST(KernelTraffic, TilingThenOrderEqualsWhole) {
    Rng r(31337);
    int n = 0;
    for (std::uint8_t op : kOps)
        for (int i = 0; i < 40; ++i) {
            const npu::CoreConfig cfg = config(1024);
            npu_desc_t d;
            bool shrunk = false;
            if (!make_case(r, random_layer(r, op), cfg, d, shrunk)) continue;
            npu_desc_t scrambled = d;
            scrambled.loop_order[0] = 9;  // not read by tiling_traffic
            const nc::TilingTraffic t = nc::tiling_traffic(scrambled);
            for (int k = 0; k < 6; ++k) {
                std::shuffle(std::begin(d.loop_order), std::end(d.loop_order), r.engine());
                const nc::KernelTraffic a = nc::predict_traffic(d),
                                        b = nc::predict_traffic(t, d.loop_order);
                EXPECT_EQ(a.str(), b.str()) << describe(d);
                EXPECT_EQ(a.max_footprint_elems.ifmap, b.max_footprint_elems.ifmap);
                EXPECT_EQ(a.spills_psum, b.spills_psum);
                ++n;
            }
        }
    EXPECT_GT(n, 1500);
    const uint8_t bad[NPU_DIMS] = {0, 1, 2, 3, 4, 4};
    npu_test::Layer L;
    L.C = L.M = L.H = L.W = 2;
    const nc::TilingTraffic t = nc::tiling_traffic(
        npu_test::make_desc(L, {}, {1, 1, 1, 1, 1, 1}, {0, 1, 2, 3, 4, 5}, npu::Dataflow::os));
    EXPECT_THROW(nc::predict_traffic(t, bad), std::invalid_argument);
}

// Kernel sequences on ONE NPU: weight tiles stay in the two halves from one
// kernel to the next, and NPU_DESC_F_RESIDENT kernels find them. The
// prediction carries the halves along (predict_traffic(desc, halves)).
TEST(KernelTraffic, SequencesKeepWeightsResident) {
    Rng r(99);
    int kernels = 0, warm_saves = 0, resident_kernels = 0;
    for (int seq = 0; seq < 150 && !HasFailure(); ++seq) {
        const npu::CoreConfig cfg =
            config(std::vector<std::uint32_t>{256, 1024, 4096}[r.pick(0, 2)]);
        npu_test::TestDram dram(cfg.dram_size);
        npu::Core core(cfg);
        nc::WeightHalves halves;
        // One weight tensor, two tilings of it, and kernels that disturb the halves.
        const npu_test::Layer L = random_layer(r, r.chance(2) ? NPU_OP_CONV : NPU_OP_GEMM);
        npu_desc_t tilings[2];
        bool shrunk = false;
        if (!make_case(r, L, cfg, tilings[0], shrunk) || !make_case(r, L, cfg, tilings[1], shrunk))
            continue;
        tilings[1] = r.chance(2) ? tilings[0] : tilings[1];
        for (int n = 0; n < 8 && !HasFailure(); ++n) {
            npu_desc_t d;
            const unsigned what = r.pick(0, 9);
            if (what < 7) {
                d = tilings[what % 2];
                d.flags = static_cast<std::uint16_t>(d.flags & ~NPU_DESC_F_RESIDENT);
                if (r.pick(0, 3)) d.flags |= NPU_DESC_F_RESIDENT;
            } else {
                const std::uint8_t op = what == 7 ? NPU_OP_ADD : NPU_OP_MAXPOOL;
                if (!make_case(r, random_layer(r, op), cfg, d, shrunk)) continue;
            }
            SCOPED_TRACE("sequence " + std::to_string(seq) + " kernel " + std::to_string(n) + ": " +
                         describe(d));
            const npu::KernelStats st = core.run(d, dram);
            ASSERT_EQ(st.error, NPU_ERR_NONE) << npu::error_name(st.error);
            const nc::KernelTraffic cold = nc::predict_traffic(d);
            const nc::KernelTraffic warm = nc::predict_traffic(d, halves);
            EXPECT_EQ(st.dram_read_bytes.weight,
                      static_cast<std::uint64_t>(warm.dram_read_bytes.weight));
            EXPECT_EQ(st.dram_read_bytes.total(),
                      static_cast<std::uint64_t>(warm.dram_read_bytes.total()));
            EXPECT_EQ(st.dram_write_bytes.total(),
                      static_cast<std::uint64_t>(warm.dram_write_bytes.total()));
            warm_saves += warm.dram_read_bytes.weight < cold.dram_read_bytes.weight;
            resident_kernels += (d.flags & NPU_DESC_F_RESIDENT) != 0;
            ++kernels;
        }
    }
    std::printf("sequences: %d kernels, %d resident, %d find weights of an earlier kernel\n",
                kernels, resident_kernels, warm_saves);
    EXPECT_GT(warm_saves, 100);
}

// Two places where the NPU, keyed on tile indices, moves more than its
// content needs; the model counts it the NPU's way. Shown here with the
// numbers a group-keyed / first-touch DMA would move instead.
TEST(KernelTraffic, KeyedReloadsTheNpuCouldAvoid) {
    const npu::CoreConfig cfg = config(1 << 20);
    // Grouped 1x1 conv, C = 4, M = 8, 2 groups (4 outputs per group), 6x6,
    // T_m = 2: m tiles {0,1} and {2,3} read the same group (channels 0,1).
    npu_test::Layer g;
    g.op = NPU_OP_CONV;
    g.C = 4, g.M = 8, g.H = g.W = 6, g.groups = 2;
    npu_test::Addrs a;
    const std::uint32_t base = static_cast<std::uint32_t>(npu_test::kDramBase);
    a.in = base, a.w = base + 0x10000, a.out = base + 0x20000, a.psum = base + 0x30000,
    a.bias = base + 0x40000;
    npu_desc_t d =
        npu_test::make_desc(g, a, {2, 2, 6, 6, 1, 1}, {0, 1, 2, 3, 4, 5}, npu::Dataflow::os);
    expect_agree(d, cfg);
    const int64_t per_group = 2 * 36;                                        // 2 channels of 6x6
    EXPECT_EQ(nc::predict_traffic(d).dram_read_bytes.ifmap, 4 * per_group);  // per m tile
    // keyed on the group range instead: 2 * per_group.
    // Bias with c split outside m: the bias tile is reloaded for every c tile
    // although only the first visit of an ofmap tile adds it.
    npu_test::Layer b;
    b.op = NPU_OP_CONV;
    b.C = 4, b.M = 8, b.H = b.W = 4, b.bias = true, b.int32_out = true;
    d = npu_test::make_desc(b, a, {4, 2, 4, 4, 1, 1}, {1, 0, 2, 3, 4, 5}, npu::Dataflow::os);
    expect_agree(d, cfg);
    EXPECT_EQ(nc::predict_traffic(d).dram_read_bytes.bias, 2 * 8 * 4);  // first touch: 8 * 4
}

// Layer shapes of real networks (ResNet-50, MobileNet-v2, AlexNet, VGG) at
// the NPU's default configuration (32x32 array, 64 KiB scratchpads), random
// tilings shrunk until they fit: the counts reach millions of bytes.
TEST(KernelTraffic, RealLayersAtDefaultBuffers) {
    struct Shape {
        std::uint8_t op;
        unsigned C, M, H, W, R, S, stride, pad, groups;
    };
    const Shape shapes[] = {
        {NPU_OP_CONV, 3, 64, 224, 224, 7, 7, 2, 3, 1},      // resnet conv1
        {NPU_OP_MAXPOOL, 64, 64, 112, 112, 3, 3, 2, 1, 1},  // resnet pool1
        {NPU_OP_CONV, 64, 256, 56, 56, 1, 1, 1, 0, 1},      // 1x1 expand
        {NPU_OP_CONV, 128, 128, 28, 28, 3, 3, 1, 1, 1},     // 3x3
        {NPU_OP_CONV, 256, 512, 56, 56, 1, 1, 2, 0, 1},     // v1 downsampling 1x1 s2
        {NPU_OP_CONV, 96, 96, 56, 56, 3, 3, 2, 1, 96},      // mobilenet depthwise s2
        {NPU_OP_CONV, 96, 256, 27, 27, 5, 5, 1, 2, 2},      // alexnet conv2, two groups
        {NPU_OP_GEMM, 2048, 1000, 1, 1, 1, 1, 1, 0, 1},     // fc
        {NPU_OP_GAVGPOOL, 2048, 2048, 7, 7, 7, 7, 1, 0, 1},
        {NPU_OP_ADD, 256, 256, 56, 56, 1, 1, 1, 0, 1},
        {NPU_OP_REQUANT, 64, 64, 56, 56, 1, 1, 1, 0, 1},
    };
    Rng r(4711);
    const npu::CoreConfig cfg = [] {
        npu::CoreConfig c = config(64 * 1024, kBigDram);
        c.array_rows = c.array_cols = 32;
        c.dma_burst_bytes = 64;
        return c;
    }();
    int n = 0;
    int64_t max_bytes = 0;
    for (const Shape& sh : shapes)
        for (int i = 0; i < 4 && !HasFailure(); ++i) {
            npu_test::Layer L;
            L.op = sh.op;
            L.C = sh.C;
            L.M = sh.M;
            L.H = sh.H;
            L.W = sh.W;
            L.R = sh.R;
            L.S = sh.S;
            L.stride_h = L.stride_w = sh.stride;
            L.pt = L.pl = L.pb = L.pr = sh.pad;
            L.groups = sh.groups;
            L.bias = L.mac();
            npu_desc_t d;
            bool shrunk = false;
            if (!make_case(r, L, cfg, d, shrunk)) continue;
            expect_agree(d, cfg);
            max_bytes = std::max(max_bytes, nc::predict_traffic(d).total());
            ++n;
        }
    std::printf("real layers: %d descriptors, largest %lld DRAM bytes\n", n,
                static_cast<long long>(max_bytes));
    EXPECT_EQ(n, 4 * static_cast<int>(sizeof(shapes) / sizeof(shapes[0])));
    EXPECT_GT(max_bytes, 1 << 20);
}

// The search calls predict_traffic for many candidates: it must cost
// microseconds, independent of the tensor sizes (a benchmark; prints the
// figure, asserts only a generous bound).
TEST(KernelTraffic, FastOnRealLayers) {
    npu_test::Layer L;
    L.op = NPU_OP_CONV;
    L.C = L.M = 256;
    L.H = L.W = 56;
    L.R = L.S = 3;
    L.pt = L.pl = L.pb = L.pr = 1;
    L.bias = true;
    npu_test::Addrs a;
    const std::array<unsigned, 6> order = {0, 1, 2, 3, 4, 5};
    const std::array<std::array<unsigned, 6>, 3> tiles = {
        // small tiles, 3.6 M iterations (all ones would pass NPU_MAX_KERNEL_TILES)
        std::array<unsigned, 6>{32, 32, 1, 56, 3, 3}, std::array<unsigned, 6>{8, 8, 1, 8, 1, 1},
        std::array<unsigned, 6>{256, 256, 56, 56, 3, 3}};
    const int kCalls = 2000;
    for (const auto& t : tiles) {
        const npu_desc_t d = npu_test::make_desc(L, a, t, order, npu::Dataflow::os);
        int64_t sink = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < kCalls; ++i)
            sink += nc::predict_traffic(d).total();
        const double us =
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count() /
            kCalls;
        std::printf("predict_traffic, 256x256 56x56 3x3, tile m%u c%u y%u x%u k%u l%u: %.2f us\n",
                    t[0], t[1], t[2], t[3], t[4], t[5], us);
        const nc::TilingTraffic tiling = nc::tiling_traffic(d);
        const auto t1 = std::chrono::steady_clock::now();
        for (int i = 0; i < kCalls; ++i)
            sink += nc::predict_traffic(tiling, d.loop_order).total();
        const double us_order =
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t1)
                .count() /
            kCalls;
        std::printf("  per further loop order of the same tiling: %.2f us\n", us_order);
        EXPECT_GT(sink, 0);
        EXPECT_LT(us, 2000.0);
    }
}

}  // namespace

namespace {

// A descriptor the NPU would refuse is one clear error naming the field.
TEST(KernelTraffic, BadDescriptorsNameTheField) {
    npu_test::Layer L;
    L.op = NPU_OP_CONV;
    L.C = 4;
    L.M = 6;
    L.H = L.W = 8;
    L.R = L.S = 3;
    npu_test::Addrs a;
    const npu_desc_t good =
        npu_test::make_desc(L, a, {2, 2, 2, 2, 3, 3}, {0, 1, 2, 3, 4, 5}, npu::Dataflow::os);
    EXPECT_NO_THROW(nc::predict_traffic(good));
    auto message = [](const npu_desc_t& d) -> std::string {
        try {
            nc::predict_traffic(d);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "no error";
    };
    std::vector<npu_desc_t> refused;
    auto check = [&](const npu_desc_t& bad, const std::string& expect) {
        EXPECT_EQ(message(bad), expect);
        refused.push_back(bad);
    };
    npu_desc_t d = good;
    d.op = 99;
    check(d, "descriptor: bad op 99");
    d = good;
    d.tile[1] = 5;
    check(d, "descriptor: tile of c must be in 1..4");
    d = good;
    d.tile[3] = 0;
    check(d, "descriptor: tile of x must be in 1..6");
    d = good;
    d.loop_order[5] = 0;
    check(d, "descriptor: loop_order is not a permutation of 0..5");
    d = good;
    d.e = 7;
    check(d, "descriptor: e does not follow from h, r, stride_h, pad_top and pad_bottom");
    d = good;
    d.groups = 3;
    check(d, "descriptor: groups must divide c and m");
    d = good;
    d.ifmap_row_stride = 7;
    check(d, "descriptor: ifmap strides overlap rows or channel planes");
    d = good;
    d.op = NPU_OP_RELU;
    d.m = d.c;
    d.e = d.h;
    d.f = d.w;
    d.r = d.s = 1;
    d.flags = NPU_DESC_F_BIAS;
    check(d, "descriptor: bias/qtable flags are for conv and gemm only");
    d.flags = 0;
    d.act = NPU_ACT_RELU;  // the eltwise unit applies an act; the unary ops do not
    check(d, "descriptor: act is for conv, gemm, add and mul only");
    d.op = NPU_OP_ADD;
    d.out_type = NPU_OUT_INT32;
    check(d, "descriptor: out_type is for conv and gemm only");
    d.out_type = NPU_OUT_INT8;
    d.act = NPU_ACT_LUT;
    const std::uint16_t eltwise_tile[NPU_DIMS] = {2, 1, 2, 2, 1, 1};
    std::copy(std::begin(eltwise_tile), std::end(eltwise_tile), std::begin(d.tile));
    EXPECT_NO_THROW(nc::predict_traffic(d));
    EXPECT_EQ(nc::predict_traffic(d).dram_read_bytes.lut, 256);
    // The NPU refuses each of them too.
    for (const npu_desc_t& bad : refused) {
        npu::Kernel k;
        EXPECT_NE(npu::decode_kernel(bad, config(1 << 20), k), NPU_ERR_NONE);
    }
}

}  // namespace
