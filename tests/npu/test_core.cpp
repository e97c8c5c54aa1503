// The NPU core without SystemC: functional int8 results against a naive
// reference, DMA traffic against an element-level brute force, timing mode
// against functional mode, bad descriptors.
#include <gtest/gtest.h>

#include <string>

#include "npu/core.h"
#include "npu_abi/npu_regs.h"
#include "npu_test_util.h"

using namespace npu_test;
using npu::Dataflow;

namespace {

struct Result {
    npu::KernelStats st;
    std::vector<std::int32_t> out;
};

Result run_case(const Layer& L, std::array<unsigned, 6> tile, std::array<unsigned, 6> order,
                Dataflow df, bool functional, std::uint32_t seed = 1) {
    TestDram dram(1 << 20);
    const Tensors t = make_tensors(L, seed);
    const Addrs a = place(L, t, dram.mem);
    npu::Core core(small_config(functional));
    Result r;
    r.st = core.run(make_desc(L, a, tile, order, df), dram);
    r.out = read_output(L, a, dram.mem);
    EXPECT_LE(dram.max_burst, 16u);
    EXPECT_EQ(dram.read_bytes, r.st.dram_read_bytes.total());
    EXPECT_EQ(dram.write_bytes, r.st.dram_write_bytes.total());
    return r;
}

void expect_traffic(const Layer& L, std::array<unsigned, 6> tile, std::array<unsigned, 6> order,
                    const npu::KernelStats& st) {
    const Traffic tr = brute_force_traffic(L, tile, order);
    EXPECT_EQ(st.dram_read_bytes.ifmap, tr.ifmap * L.in_bytes());
    EXPECT_EQ(st.dram_read_bytes.weight, tr.weight);
    EXPECT_EQ(st.dram_read_bytes.bias, tr.bias * 4);
    EXPECT_EQ(st.dram_read_bytes.psum, tr.psum_rd * 4);
    EXPECT_EQ(st.dram_write_bytes.psum, tr.psum_wr * 4);
    EXPECT_EQ(st.dram_write_bytes.ofmap, tr.ofmap * L.out_bytes());
}

void expect_same_timing(const npu::KernelStats& a, const npu::KernelStats& b) {
    EXPECT_EQ(a.cycles, b.cycles);
    EXPECT_EQ(a.compute_cycles, b.compute_cycles);
    EXPECT_EQ(a.stall_cycles, b.stall_cycles);
    EXPECT_EQ(a.macs, b.macs);
    EXPECT_EQ(a.dram_read_bytes.total(), b.dram_read_bytes.total());
    EXPECT_EQ(a.dram_read_bytes.psum, b.dram_read_bytes.psum);
    EXPECT_EQ(a.dram_write_bytes.ofmap, b.dram_write_bytes.ofmap);
    EXPECT_EQ(a.dram_write_bytes.psum, b.dram_write_bytes.psum);
    EXPECT_EQ(a.sram_reads.ifmap, b.sram_reads.ifmap);
    EXPECT_EQ(a.sram_writes.ofmap, b.sram_writes.ofmap);
}

// Every dataflow and loop order: exact output, traffic == brute force,
// timing mode == functional mode.
void check_layer(const Layer& L, std::array<unsigned, 6> tile) {
    const auto ref = reference(L, make_tensors(L, 1));
    for (auto order : {kMCYXKL, kCKLMYX, kYXKMLC}) {
        for (Dataflow df : {Dataflow::os, Dataflow::ws, Dataflow::is}) {
            SCOPED_TRACE(std::string("dataflow ") + npu::to_string(df) + " order " +
                         std::to_string(order[0]) + std::to_string(order[1]) +
                         std::to_string(order[2]));
            const Result f = run_case(L, tile, order, df, true);
            ASSERT_EQ(f.st.error, NPU_ERR_NONE);
            EXPECT_EQ(f.out, ref);
            expect_traffic(L, tile, order, f.st);
            if (order == kCKLMYX && L.extents()[1] > tile[1]) {
                EXPECT_GT(f.st.dram_read_bytes.psum, 0u);
            }
            const Result t = run_case(L, tile, order, df, false);
            ASSERT_EQ(t.st.error, NPU_ERR_NONE);
            expect_same_timing(f.st, t.st);
            EXPECT_GT(f.st.cycles, 0u);
            EXPECT_EQ(f.st.cycles, f.st.compute_cycles + f.st.stall_cycles);
        }
    }
}

}  // namespace

TEST(NpuCoreConv, Conv3x3Pad1SplitEveryLoop) {
    Layer L;
    L.C = 5, L.H = 7, L.W = 7, L.M = 6, L.R = 3, L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    L.zp_in = 3, L.zp_w = -2, L.zp_out = 5, L.bias = true, L.act = NPU_ACT_RELU;
    check_layer(L, {4, 2, 3, 4, 2, 2});
}

TEST(NpuCoreConv, Conv3x3Int32Out) {
    Layer L;
    L.C = 4, L.H = 6, L.W = 5, L.M = 3, L.R = 3, L.S = 3, L.pt = 1, L.pb = 1;
    L.zp_in = -7, L.zp_w = 4, L.int32_out = true, L.bias = true;
    check_layer(L, {2, 3, 2, 2, 2, 1});
}

TEST(NpuCoreConv, Stride2AsymmetricPadLut) {
    Layer L;
    L.C = 3, L.H = 9, L.W = 8, L.M = 4, L.R = 3, L.S = 3, L.stride_h = 2, L.stride_w = 2;
    L.pt = 1, L.pl = 0, L.pb = 0, L.pr = 1, L.act = NPU_ACT_LUT, L.zp_in = 1;
    check_layer(L, {3, 2, 2, 3, 2, 2});
}

TEST(NpuCoreConv, Stride3FilterSmallerThanStride) {
    Layer L;  // T_k < S: the footprint has gaps (docs/dataflow-model.md, "Footprints")
    L.C = 2, L.H = 11, L.W = 11, L.M = 2, L.R = 2, L.S = 2, L.stride_h = 3, L.stride_w = 3;
    check_layer(L, {1, 1, 2, 3, 1, 1});
}

TEST(NpuCoreConv, Conv1x1) {
    Layer L;
    L.C = 8, L.H = 8, L.W = 8, L.M = 8, L.R = 1, L.S = 1, L.zp_in = 2, L.zp_w = 1;
    check_layer(L, {3, 3, 3, 5, 1, 1});
}

TEST(NpuCoreConv, Conv7x7Stride2Pad3) {
    Layer L;
    L.C = 3, L.H = 15, L.W = 15, L.M = 4, L.R = 7, L.S = 7, L.stride_h = 2, L.stride_w = 2;
    L.pt = L.pl = L.pb = L.pr = 3, L.bias = true;
    check_layer(L, {3, 2, 3, 4, 4, 5});
}

TEST(NpuCoreConv, Grouped) {
    Layer L;
    L.C = 4, L.H = 6, L.W = 6, L.M = 6, L.R = 3, L.S = 3, L.groups = 2,
    L.pt = L.pl = L.pb = L.pr = 1;
    L.zp_in = 1, L.zp_w = 2;
    check_layer(L, {2, 1, 4, 3, 2, 3});
}

TEST(NpuCoreConv, Depthwise) {
    Layer L;
    L.C = 4, L.H = 7, L.W = 7, L.M = 4, L.R = 3, L.S = 3, L.groups = 4, L.stride_h = 2,
    L.stride_w = 2;
    L.pt = L.pl = L.pb = L.pr = 1, L.bias = true;
    check_layer(L, {3, 1, 2, 3, 2, 2});
}

TEST(NpuCoreGemm, GemmSplitEveryLoop) {
    Layer L;
    L.op = NPU_OP_GEMM;
    L.C = 12, L.H = 3, L.W = 3, L.M = 10, L.zp_in = -3, L.zp_w = 5, L.int32_out = true;
    check_layer(L, {4, 5, 2, 2, 1, 1});
}

TEST(NpuCoreGemm, FullyConnected) {
    Layer L;
    L.op = NPU_OP_GEMM;
    L.C = 40, L.M = 9, L.bias = true;
    check_layer(L, {4, 16, 1, 1, 1, 1});
}

TEST(NpuCorePool, MaxPool3x3Stride2) {
    Layer L;
    L.op = NPU_OP_MAXPOOL;
    L.C = 3, L.H = 9, L.W = 9, L.R = 3, L.S = 3, L.stride_h = 2, L.stride_w = 2;
    L.pt = L.pl = L.pb = L.pr = 1;
    check_layer(L, {2, 1, 2, 3, 2, 2});
}

TEST(NpuCorePool, AvgPool2x2) {
    Layer L;
    L.op = NPU_OP_AVGPOOL;
    L.C = 3, L.H = 8, L.W = 6, L.R = 2, L.S = 2, L.stride_h = 2, L.stride_w = 2;
    L.zp_in = 4, L.zp_out = -3;
    check_layer(L, {2, 1, 3, 2, 1, 2});
}

TEST(NpuCorePool, AvgPool3x3Pad1ExcludesPadding) {
    Layer L;
    L.op = NPU_OP_AVGPOOL;
    L.C = 2, L.H = 5, L.W = 5, L.R = 3, L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    check_layer(L, {1, 1, 2, 2, 2, 3});
}

TEST(NpuCorePool, GlobalAvgPool) {
    Layer L;
    L.op = NPU_OP_GAVGPOOL;
    L.C = 5, L.H = 4, L.W = 3, L.zp_in = 2, L.zp_out = 1;
    check_layer(L, {2, 1, 1, 1, 3, 2});
}

TEST(NpuCoreEltwise, Add) {
    Layer L;
    L.op = NPU_OP_ADD;
    L.C = 3, L.H = 5, L.W = 7, L.zp_in = 2, L.zp_w = -4, L.zp_out = 1, L.mult = 3 << 12,
    L.mult_b = 5 << 11, L.shift = 14;
    check_layer(L, {2, 1, 2, 3, 1, 1});
}

TEST(NpuCoreEltwise, Mul) {
    Layer L;
    L.op = NPU_OP_MUL;
    L.C = 2, L.H = 6, L.W = 4, L.zp_in = -1, L.zp_w = 3, L.mult = 1 << 22, L.shift = 27;
    check_layer(L, {1, 1, 4, 3, 1, 1});
}

// The eltwise unit's fused activation after its requantization: every
// dataflow and order against the reference (requantize, then act).
TEST(NpuCoreEltwise, AddMulWithFusedActivation) {
    Layer L;
    L.op = NPU_OP_ADD;
    L.C = 3, L.H = 5, L.W = 7, L.zp_in = 2, L.zp_w = -4, L.zp_out = 1, L.mult = 3 << 12,
    L.mult_b = 5 << 11, L.shift = 14;
    for (std::uint8_t act : {NPU_ACT_RELU, NPU_ACT_LUT}) {
        L.act = act;
        check_layer(L, {2, 1, 2, 3, 1, 1});
    }
    L.op = NPU_OP_MUL;
    L.C = 2, L.H = 6, L.W = 4, L.zp_in = -1, L.zp_w = 3, L.zp_out = -3, L.mult = 1 << 22,
    L.shift = 27;
    for (std::uint8_t act : {NPU_ACT_RELU, NPU_ACT_LUT}) {
        L.act = act;
        check_layer(L, {1, 1, 4, 3, 1, 1});
    }
}

namespace {

// A 1x1x4 eltwise kernel on given operands, in two x tiles; the output and
// the LUT bytes read.
std::vector<std::int32_t> run_eltwise_by_hand(const Layer& L, std::vector<std::int8_t> a,
                                              std::vector<std::int8_t> b,
                                              std::uint64_t& lut_bytes) {
    TestDram dram(1 << 20);
    Tensors t;
    t.in = std::move(a);
    t.b8 = std::move(b);
    // lut[y + 128] = 127 - (y + 128) = -1 - y: the table is visibly applied.
    for (int j = 0; j < 256; ++j)
        t.lut.push_back(static_cast<std::int8_t>(127 - j));
    const Addrs ad = place(L, t, dram.mem);
    npu::Core core(small_config(true));
    const npu::KernelStats st =
        core.run(make_desc(L, ad, {1, 1, 1, 2, 1, 1}, kMCYXKL, Dataflow::os), dram);
    EXPECT_EQ(st.error, NPU_ERR_NONE) << npu::error_name(st.error);
    lut_bytes = st.dram_read_bytes.lut;
    return read_output(L, ad, dram.mem);
}

}  // namespace

// add: acc = (a - 2) * 3 + (b + 4) * 5, y = sat8(3 + rshift_round(acc, 1)):
//   a 10, b 5:     24 + 45 = 69    -> 34.5 -> 35  -> 38
//   a -20, b 6:   -66 + 50 = -16   -> -8          -> -5
//   a 50, b -100: 144 - 480 = -336 -> -168        -> -165 -> -128
//   a 127, b 127: 375 + 655 = 1030 -> 515         -> 518  -> 127
// relu: max(y, zp_out 3) = 38, 3, 3, 127; LUT: -1 - y = -39, 4, 127, -128.
TEST(NpuCoreEltwise, AddReluAndLutByHand) {
    Layer L;
    L.op = NPU_OP_ADD;
    L.C = 1, L.H = 1, L.W = 4, L.zp_in = 2, L.zp_w = -4, L.zp_out = 3, L.mult = 3, L.mult_b = 5,
    L.shift = 1;
    const std::vector<std::int8_t> a = {10, -20, 50, 127}, b = {5, 6, -100, 127};
    std::uint64_t lut_bytes = 0;
    EXPECT_EQ(run_eltwise_by_hand(L, a, b, lut_bytes),
              (std::vector<std::int32_t>{38, -5, -128, 127}));
    EXPECT_EQ(lut_bytes, 0u);
    L.act = NPU_ACT_RELU;
    EXPECT_EQ(run_eltwise_by_hand(L, a, b, lut_bytes), (std::vector<std::int32_t>{38, 3, 3, 127}));
    EXPECT_EQ(lut_bytes, 0u);
    L.act = NPU_ACT_LUT;
    EXPECT_EQ(run_eltwise_by_hand(L, a, b, lut_bytes),
              (std::vector<std::int32_t>{-39, 4, 127, -128}));
    EXPECT_EQ(lut_bytes, 256u);  // once per kernel, not per tile (two x tiles)
}

// mul: acc = (a - 1) * (b - 2), y = requantize(acc, 3, 2, -1) = -1 + rshift_round(3 acc, 2):
//   a 10, b 4:     9 * 2 = 18   -> 54 / 4 = 13.5 -> 14  -> 13
//   a -3, b 5:    -4 * 3 = -12  -> -36 / 4 = -9         -> -10
//   a 7, b -6:     6 * -8 = -48 -> -144 / 4 = -36       -> -37
//   a -128, b 2: -129 * 0 = 0                           -> -1
// relu: max(y, -1) = 13, -1, -1, -1.
TEST(NpuCoreEltwise, MulReluByHand) {
    Layer L;
    L.op = NPU_OP_MUL;
    L.C = 1, L.H = 1, L.W = 4, L.zp_in = 1, L.zp_w = 2, L.zp_out = -1, L.mult = 3, L.shift = 2;
    const std::vector<std::int8_t> a = {10, -3, 7, -128}, b = {4, 5, -6, 2};
    std::uint64_t lut_bytes = 0;
    EXPECT_EQ(run_eltwise_by_hand(L, a, b, lut_bytes),
              (std::vector<std::int32_t>{13, -10, -37, -1}));
    L.act = NPU_ACT_RELU;
    EXPECT_EQ(run_eltwise_by_hand(L, a, b, lut_bytes), (std::vector<std::int32_t>{13, -1, -1, -1}));
    EXPECT_EQ(lut_bytes, 0u);
}

// Only conv/gemm and add/mul take an act; everywhere else it is refused
// before any transfer.
TEST(NpuCoreErrors, ActOnlyOnMacAndEltwise) {
    TestDram dram(1 << 20);
    npu::Core core(small_config(true));
    auto run = [&](const npu_desc_t& d) {
        dram.read_bytes = dram.write_bytes = 0;
        const auto st = core.run(d, dram);
        EXPECT_EQ(dram.read_bytes + dram.write_bytes, 0u) << "a bad descriptor moved data";
        return st.error;
    };
    for (std::uint8_t op : {NPU_OP_MAXPOOL, NPU_OP_AVGPOOL, NPU_OP_GAVGPOOL, NPU_OP_RELU,
                            NPU_OP_LUT, NPU_OP_REQUANT}) {
        Layer p;
        p.op = op, p.C = 2, p.H = p.W = 4;
        if (p.pool() && op != NPU_OP_GAVGPOOL) p.R = p.S = 2, p.stride_h = p.stride_w = 2;
        const Addrs a = place(p, make_tensors(p, 1), dram.mem);
        const auto ext = p.extents();
        const npu_desc_t good = make_desc(p, a, {ext[0], ext[1], ext[2], ext[3], ext[4], ext[5]},
                                          kMCYXKL, Dataflow::os);
        EXPECT_EQ(core.run(good, dram).error, NPU_ERR_NONE) << npu::op_name(op);
        for (std::uint8_t act : {NPU_ACT_RELU, NPU_ACT_LUT}) {
            npu_desc_t d = good;
            d.act = act;
            EXPECT_EQ(run(d), NPU_ERR_BAD_OP) << npu::op_name(op) << " act " << int(act);
        }
    }
    Layer e;
    e.op = NPU_OP_ADD, e.C = 2, e.H = e.W = 4, e.act = NPU_ACT_LUT;
    const Addrs a = place(e, make_tensors(e, 1), dram.mem);
    const npu_desc_t good = make_desc(e, a, {2, 1, 4, 4, 1, 1}, kMCYXKL, Dataflow::os);
    EXPECT_EQ(core.run(good, dram).error, NPU_ERR_NONE);
    npu_desc_t d = good;
    d.act = 3;  // no such activation
    EXPECT_EQ(run(d), NPU_ERR_BAD_OP);
    d = good, d.out_type = NPU_OUT_INT32;  // eltwise writes int8 only
    EXPECT_EQ(run(d), NPU_ERR_BAD_OP);
    d = good, d.lut_addr = static_cast<std::uint32_t>(kDramBase + (1 << 20) - 128);
    EXPECT_EQ(run(d), NPU_ERR_ADDR_RANGE);  // the table must lie in DRAM
    d.act = NPU_ACT_RELU;                   // ... only when it is used
    EXPECT_EQ(core.run(d, dram).error, NPU_ERR_NONE);
}

TEST(NpuCoreActivation, ReluLutRequant) {
    Layer L;
    L.C = 3, L.H = 4, L.W = 5, L.zp_in = 6;
    L.op = NPU_OP_RELU;
    check_layer(L, {2, 1, 3, 2, 1, 1});
    L.op = NPU_OP_LUT;
    check_layer(L, {2, 1, 3, 2, 1, 1});
    L.op = NPU_OP_REQUANT;
    L.mult = 1 << 18, L.shift = 22, L.zp_out = -2;
    check_layer(L, {2, 1, 3, 2, 1, 1});
}

// Hand-computed timeline of a tiny kernel: one tile, so no overlap.
// gemm C=4, M=4, 1x4 pixels on a 4x8 array, os: Sr=4, Sc=4, T=4: 1 fold of 4+4+8-2 = 14.
// DRAM bw 16 B/cycle, latency 100, burst 16:
//   weight 16 B at 0: occupies [0,1), done 101; ifmap 16 B requested at 101: [101,102) -> 202;
//   compute [202, 216); ofmap 16 B int32 -> int8 4 B write at 216: [216,217) -> 317.
TEST(NpuCoreTiming, SingleTileTimelineByHand) {
    Layer L;
    L.op = NPU_OP_GEMM;
    L.C = 4, L.H = 1, L.W = 4, L.M = 4;
    const Result r = run_case(L, {4, 4, 1, 4, 1, 1}, kMCYXKL, Dataflow::os, true);
    ASSERT_EQ(r.st.error, NPU_ERR_NONE);
    EXPECT_EQ(r.st.compute_cycles, 14u);
    EXPECT_EQ(r.st.cycles, 317u);
    EXPECT_EQ(r.st.stall_cycles, 303u);
    EXPECT_EQ(r.st.macs, 64u);
}

// Two pixel tiles. gemm C=4, M=4, W=8 pixels, tile x=4 (DRAM 16 B/cycle, latency 100):
//   weight 16 B at 0 -> [0,1) -> 101;
//   ifmap0: 4 runs of 4 B (one per channel) requested together at 101 -> 202..205;
//   compute0 [205, 219);
//   ifmap1 into the other half at max(read channel free 205, half free 0) = 205,
//     DRAM busy until 105 -> 306..309 (overlaps compute0);
//   ofmap0 (4 runs of 4 B) written at 219 -> 320..323;
//   compute1 starts max(219, 309) = 309 -> 323; ofmap1 written at 323 -> 424..427.
TEST(NpuCoreTiming, PingPongOverlapByHand) {
    Layer L;
    L.op = NPU_OP_GEMM;
    L.C = 4, L.H = 1, L.W = 8, L.M = 4;
    const Result r = run_case(L, {4, 4, 1, 4, 1, 1}, kMCYXKL, Dataflow::os, true);
    ASSERT_EQ(r.st.error, NPU_ERR_NONE);
    EXPECT_EQ(r.st.compute_cycles, 28u);
    EXPECT_EQ(r.st.cycles, 427u);
    EXPECT_EQ(r.st.stall_cycles, 427u - 28u);
}

TEST(NpuCoreErrors, BadDescriptors) {
    Layer L;
    L.C = 4, L.H = 6, L.W = 6, L.M = 4, L.R = 3, L.S = 3;
    TestDram dram(1 << 20);
    const Tensors t = make_tensors(L, 1);
    const Addrs a = place(L, t, dram.mem);
    npu::Core core(small_config(true));
    auto run = [&](npu_desc_t d) {
        dram.read_bytes = dram.write_bytes = 0;
        const auto st = core.run(d, dram);
        EXPECT_EQ(dram.read_bytes + dram.write_bytes, 0u) << "a bad descriptor moved data";
        return st.error;
    };
    const npu_desc_t good = make_desc(L, a, {4, 4, 4, 4, 3, 3}, kMCYXKL, Dataflow::os);
    EXPECT_EQ(core.run(good, dram).error, NPU_ERR_NONE);
    npu_desc_t d = good;
    d.op = 0;
    EXPECT_EQ(run(d), NPU_ERR_BAD_OP);
    d = good, d.op = 99;
    EXPECT_EQ(run(d), NPU_ERR_BAD_OP);
    d = good, d.dataflow = 3;
    EXPECT_EQ(run(d), NPU_ERR_BAD_OP);
    d = good, d.e = 5;
    EXPECT_EQ(run(d), NPU_ERR_BAD_SHAPE);
    d = good, d.groups = 3;
    EXPECT_EQ(run(d), NPU_ERR_BAD_SHAPE);
    d = good, d.tile[NPU_DIM_M] = 5;
    EXPECT_EQ(run(d), NPU_ERR_BAD_TILING);
    d = good, d.tile[NPU_DIM_C] = 0;
    EXPECT_EQ(run(d), NPU_ERR_BAD_TILING);
    d = good, d.loop_order[1] = 0;
    EXPECT_EQ(run(d), NPU_ERR_BAD_TILING);
    d = good, d.ifmap_addr = 0x1000;
    EXPECT_EQ(run(d), NPU_ERR_ADDR_RANGE);
    d = good, d.ofmap_addr = static_cast<std::uint32_t>(kDramBase + (1 << 20) - 8);
    EXPECT_EQ(run(d), NPU_ERR_ADDR_RANGE);
    d = good, d.weight_addr = 0xFFFFFFF0u;
    EXPECT_EQ(run(d), NPU_ERR_ADDR_RANGE);
    // 4x12x12 int32 accumulators = 2304 B > half of 4096
    Layer big = L;
    big.H = big.W = 16;
    const Addrs ab = place(big, make_tensors(big, 1), dram.mem);
    EXPECT_EQ(run(make_desc(big, ab, {4, 4, 12, 12, 3, 3}, kMCYXKL, Dataflow::os)),
              NPU_ERR_TILE_TOO_LARGE);
    // reduction split outside the ofmap loops needs a psum area
    d = make_desc(L, a, {2, 2, 4, 4, 3, 3}, kCKLMYX, Dataflow::os);
    d.psum_addr = 0;
    EXPECT_EQ(run(d), NPU_ERR_NO_PSUM);
    d = good, d.out_type = NPU_OUT_INT32, d.act = NPU_ACT_RELU;
    EXPECT_EQ(run(d), NPU_ERR_BAD_OP);
}

TEST(NpuCoreErrors, Names) {
    EXPECT_STREQ(npu::op_name(NPU_OP_CONV), "conv");
    EXPECT_STREQ(npu::op_name(NPU_OP_REQUANT), "requant");
    EXPECT_STREQ(npu::op_name(200), "?");
    EXPECT_STREQ(npu::error_name(NPU_ERR_TILE_TOO_LARGE), "tile_too_large");
    EXPECT_STREQ(npu::error_name(NPU_ERR_NO_PSUM), "no_psum_area");
}

TEST(NpuCoreResident, WeightsResidentSkipTheLoad) {
    Layer L;
    L.op = NPU_OP_GEMM;
    L.C = 8, L.H = 1, L.W = 4, L.M = 8, L.int32_out = true;
    TestDram dram(1 << 20);
    const Tensors t = make_tensors(L, 3);
    const Addrs a = place(L, t, dram.mem);
    npu::Core core(small_config(true));
    npu_desc_t d = make_desc(L, a, {8, 8, 1, 4, 1, 1}, kMCYXKL, Dataflow::ws);
    const auto first = core.run(d, dram);
    EXPECT_EQ(first.dram_read_bytes.weight, 64u);
    d.flags |= NPU_DESC_F_RESIDENT;
    const auto second = core.run(d, dram);
    EXPECT_EQ(second.error, NPU_ERR_NONE);
    EXPECT_EQ(second.dram_read_bytes.weight, 0u);
    EXPECT_EQ(second.resident_weight_bytes, 64u);  // what the flag saved
    EXPECT_EQ(first.resident_weight_bytes, 0u);
    EXPECT_EQ(read_output(L, a, dram.mem), reference(L, t));
    // a different weight tensor is loaded even when the flag says resident
    d.weight_addr += 64;
    const auto third = core.run(d, dram);
    EXPECT_EQ(third.dram_read_bytes.weight, 64u);
    EXPECT_EQ(third.resident_weight_bytes, 0u);
}

// ResNet-50 conv3_x 3x3 (C=M=128, 28x28, pad 1) on 32x32 with 64 KiB buffers,
// timing mode, traffic by hand from docs/dataflow-model.md, "The closed form":
// |W| = 128*128*9 = 147456, |O| = 128*28*28 = 100352.
// Tiling m32 c64 y7 x28 k3 l3: n_m = 4, n_c = 2, n_y = 4, x/k/l inactive.
// Ifmap rows per y-tile, clipped to [0,28): 8, 9, 9, 8 -> 34; per pass
// sum F_I = 128 channels * 34 rows * 28 cols = 121856.
namespace {
npu::KernelStats resnet_conv3(std::array<unsigned, 6> order, Dataflow df) {
    Layer L;
    L.C = 128, L.H = 28, L.W = 28, L.M = 128, L.R = 3, L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    npu::CoreConfig cfg;
    cfg.functional = false;
    cfg.dram_base = kDramBase;
    cfg.dram_size = 4 << 20;
    TestDram dram(4 << 20);
    Tensors t;
    t.in.assign(128 * 28 * 28, 1);
    t.w.assign(147456, 1);
    t.lut.assign(256, 0);
    const Addrs a = place(L, t, dram.mem);
    npu::Core core(cfg);
    return core.run(make_desc(L, a, {32, 64, 7, 28, 3, 3}, order, df), dram);
}
}  // namespace

TEST(NpuCoreTraffic, ResNet50Conv3ClosedFormNoPsum) {
    // order m y c x k l: W reloaded per y-tile (rho_W = n_y = 4); I per m-tile (rho_I = n_m = 4);
    // c is inside every ofmap loop, so no psum.
    for (Dataflow df : {Dataflow::os, Dataflow::ws, Dataflow::is}) {
        const auto st = resnet_conv3({0, 2, 1, 3, 4, 5}, df);
        ASSERT_EQ(st.error, NPU_ERR_NONE);
        EXPECT_EQ(st.dram_read_bytes.weight, 4u * 147456u);
        EXPECT_EQ(st.dram_read_bytes.ifmap, 4u * 121856u);
        EXPECT_EQ(st.dram_read_bytes.psum, 0u);
        EXPECT_EQ(st.dram_write_bytes.psum, 0u);
        EXPECT_EQ(st.dram_write_bytes.ofmap, 100352u);
        EXPECT_EQ(st.macs, 128ull * 128 * 28 * 28 * 9);
    }
}

TEST(NpuCoreTraffic, ResNet50Conv3ClosedFormPsum) {
    // order c m y x k l: rho_W = 1; I relevant c, y: innermost y, m outside -> rho_I = 4;
    // O: c outside the ofmap loops -> rho_O = n_c = 2: one psum pass of |O| int32 out and back.
    const auto st = resnet_conv3({1, 0, 2, 3, 4, 5}, Dataflow::os);
    ASSERT_EQ(st.error, NPU_ERR_NONE);
    EXPECT_EQ(st.dram_read_bytes.weight, 147456u);
    EXPECT_EQ(st.dram_read_bytes.ifmap, 4u * 121856u);
    EXPECT_EQ(st.dram_write_bytes.psum, 4u * 100352u);
    EXPECT_EQ(st.dram_read_bytes.psum, 4u * 100352u);
    EXPECT_EQ(st.dram_write_bytes.ofmap, 100352u);
    // compute: 4*2*4 tiles, os: Sr = 7*28 = 196 -> 7 row folds, Sc = 32 -> 1, T = 64*9 = 576:
    // 32 tiles * 7 folds * (576 + 62) cycles
    EXPECT_EQ(st.compute_cycles, 32ull * 7 * 638);
}

// ---------------------------------------------------------------------------
// Per-channel requantization (NPU_DESC_F_QTABLE) and the capacity rule.

namespace {

// Gemm C=2, M=2 over 2 pixels (H=1, W=2) with bias, hand-computed:
//   x = [[1, 2], [3, 4]] (c x pixel), w = [[1, 1], [2, -1]] (m x c), bias = [10, -100]
//   acc m0 = [1+3+10, 2+4+10] = [14, 16];  acc m1 = [2-3-100, 4-4-100] = [-101, -100]
//   qtable m0 = (mult 3, shift 1): 14*3/2 = 21, 16*3/2 = 24
//   qtable m1 = (mult 5, shift 2): -505/4 = -126.25 -> -126, -500/4 = -125
struct QtableCase {
    TestDram dram{1 << 20};
    Layer L;
    Addrs a;
    std::uint32_t qtable = 0;
    QtableCase() {
        L.op = NPU_OP_GEMM;
        L.C = 2, L.H = 1, L.W = 2, L.M = 2, L.bias = true;
        L.mult = 1, L.shift = 0;  // the descriptor's pair, overridden per channel
        Tensors t;
        t.in = {1, 2, 3, 4};
        t.w = {1, 1, 2, -1};
        t.bias = {10, -100};
        t.lut.assign(256, 0);
        a = place(L, t, dram.mem);
        const std::int32_t table[4] = {3, 1, 5, 2};
        qtable = static_cast<std::uint32_t>(kDramBase + 0x8000);
        std::memcpy(dram.mem.data() + 0x8000, table, sizeof table);
    }
    npu_desc_t desc(std::array<unsigned, 6> tile, std::array<unsigned, 6> order) const {
        npu_desc_t d = make_desc(L, a, tile, order, Dataflow::os);
        d.flags |= NPU_DESC_F_QTABLE;
        d.qtable_addr = qtable;
        return d;
    }
};

}  // namespace

TEST(NpuCoreQtable, HandComputedPerChannelRequantization) {
    for (auto order : {kMCYXKL, kCKLMYX, kYXKMLC})
        for (auto tile : {std::array<unsigned, 6>{2, 2, 1, 2, 1, 1},
                          std::array<unsigned, 6>{1, 1, 1, 1, 1, 1}}) {
            QtableCase q;
            npu::Core core(small_config(true));
            const npu::KernelStats st = core.run(q.desc(tile, order), q.dram);
            ASSERT_EQ(st.error, NPU_ERR_NONE);
            EXPECT_EQ(read_output(q.L, q.a, q.dram.mem),
                      (std::vector<std::int32_t>{21, 24, -126, -125}));
        }
}

TEST(NpuCoreQtable, TableBytesCountWithTheBiasPerMTile) {
    QtableCase q;
    npu::Core core(small_config(false));
    // m outermost, one m per tile: bias (4 B) and pair (8 B) once per channel.
    npu::KernelStats st = core.run(q.desc({1, 2, 1, 2, 1, 1}, kMCYXKL), q.dram);
    ASSERT_EQ(st.error, NPU_ERR_NONE);
    EXPECT_EQ(st.dram_read_bytes.bias, 2u * (4 + 8));
    // x outside m: the m tiles come twice (2 pixel tiles), so the table too.
    st = core.run(q.desc({1, 2, 1, 1, 1, 1}, {3, 0, 1, 2, 4, 5}), q.dram);
    ASSERT_EQ(st.error, NPU_ERR_NONE);
    EXPECT_EQ(st.dram_read_bytes.bias, 2u * 2u * (4 + 8));
}

TEST(NpuCoreQtable, BadDescriptors) {
    QtableCase q;
    npu::Core core(small_config(true));
    npu_desc_t d = q.desc({2, 2, 1, 2, 1, 1}, kMCYXKL);
    d.qtable_addr = static_cast<std::uint32_t>(kDramBase + (1 << 20) - 8);  // needs 16 bytes
    EXPECT_EQ(core.run(d, q.dram).error, NPU_ERR_ADDR_RANGE);
    d.qtable_addr = 0x100;
    EXPECT_EQ(core.run(d, q.dram).error, NPU_ERR_ADDR_RANGE);
    d = q.desc({2, 2, 1, 2, 1, 1}, kMCYXKL);
    d.out_type = NPU_OUT_INT32;  // raw accumulators are not requantized
    EXPECT_EQ(core.run(d, q.dram).error, NPU_ERR_BAD_OP);
    Layer p;
    p.op = NPU_OP_MAXPOOL, p.C = 2, p.H = p.W = 4, p.R = p.S = 2, p.stride_h = p.stride_w = 2;
    const Addrs pa = place(p, make_tensors(p, 1), q.dram.mem);
    d = make_desc(p, pa, {2, 1, 2, 2, 2, 2}, kMCYXKL, Dataflow::os);
    d.flags |= NPU_DESC_F_QTABLE;
    d.qtable_addr = q.qtable;
    EXPECT_EQ(core.run(d, q.dram).error, NPU_ERR_BAD_OP);
}

TEST(NpuCoreCapacity, OneRuleHalvesAndChannelParameters) {
    // small_config: 4 KiB scratchpads, so each footprint gets 2048 bytes.
    const npu::CoreConfig cfg = small_config(false);
    EXPECT_EQ(npu::usable_bytes(4096), 2048u);
    EXPECT_EQ(npu::usable_bytes(4096, false), 4096u);
    // The per-channel parameters ride with the accumulators (the output path
    // applies them), not with the weights.
    npu::FootprintElems e;
    e.ofmap = 480, e.channels = 32;
    npu::ElementBytes w;
    w.channel_params = npu::kBiasBytes;  // 480 * 4 + 32 * 4 = 2048: fits exactly
    EXPECT_TRUE(npu::fits(npu::footprint_bytes(e, w), cfg));
    EXPECT_EQ(npu::footprint_bytes(e, w).weight, 0u);
    w.channel_params = npu::kBiasBytes + npu::kQtableEntryBytes;  // 1920 + 32 * 12 = 2304
    EXPECT_FALSE(npu::fits(npu::footprint_bytes(e, w), cfg));
    e = {};
    e.weight = 2048, e.channels = 32;  // a weight tile that fills its half, plus its bias
    EXPECT_TRUE(npu::fits(npu::footprint_bytes(e, w), cfg));
    e.weight = 2049;
    EXPECT_FALSE(npu::fits(npu::footprint_bytes(e, w), cfg));
    e = {};
    e.ofmap = 512;  // int32 accumulators: 2048 B
    EXPECT_TRUE(npu::fits(npu::footprint_bytes(e, npu::ElementBytes{}), cfg));
    e.ofmap = 513;
    EXPECT_FALSE(npu::fits(npu::footprint_bytes(e, npu::ElementBytes{}), cfg));
    e = {};
    e.ifmap = 512;  // REQUANT's int32 input
    w = {};
    w.ifmap = 4;
    EXPECT_TRUE(npu::fits(npu::footprint_bytes(e, w), cfg));
    e.ifmap = 513;
    EXPECT_FALSE(npu::fits(npu::footprint_bytes(e, w), cfg));

    // The same boundary through decode_kernel: gemm C=64, M=32 with bias, one
    // tile of weights filling its half; 15 x 32 accumulators + 32 biases
    // fill the ofmap half.
    Layer L;
    L.op = NPU_OP_GEMM, L.C = 64, L.M = 32, L.H = 15, L.W = 1, L.bias = true;
    TestDram dram(1 << 20);
    const Addrs a = place(L, make_tensors(L, 5), dram.mem);
    npu_desc_t d = make_desc(L, a, {32, 64, 15, 1, 1, 1}, kMCYXKL, Dataflow::os);
    npu::Kernel k;
    EXPECT_EQ(npu::decode_kernel(d, cfg, k), NPU_ERR_NONE);
    EXPECT_EQ(npu::max_footprints(k).weight, 2048u);
    EXPECT_EQ(npu::max_footprints(k).ofmap, 15u * 32 * 4 + 32 * 4);
    d.flags |= NPU_DESC_F_QTABLE;
    d.qtable_addr = a.lut;                                             // any 256 bytes in DRAM
    EXPECT_EQ(npu::decode_kernel(d, cfg, k), NPU_ERR_TILE_TOO_LARGE);  // 1920 + 384 = 2304
    d.tile[NPU_DIM_Y] = 13;  // 13 * 32 * 4 + 32 * 12 = 2048
    EXPECT_EQ(npu::decode_kernel(d, cfg, k), NPU_ERR_NONE);
    EXPECT_EQ(npu::max_footprints(k).ofmap, 2048u);
    EXPECT_EQ(npu::max_footprints(k).weight, 2048u);
}

// SRAM access counters by hand, one-tile kernels on the 4x8 array.
// gemm C=8 (reduction), 4 pixels, M=16 filters, int8 output: the tile's GEMM is
//   os: Sr=4 pixels, T=8, Sc=16 filters -> 1 row fold x 2 column folds
//       ifmap 4*8 per column fold = 64, weights 8*16 = 128, 4*16 = 64 accumulators;
//   ws: Sr=8, T=4 pixels, Sc=16 -> 2 x 2 folds
//       weights once 128, ifmap 4*4 per fold = 64, psums 4*8 per fold = 128;
//   is: Sr=8, T=16 filters, Sc=4 pixels -> 2 x 1 folds
//       ifmap once 32, weights 16*4 per fold = 128, psums 16*4 per fold = 128.
// Accumulators are 4 bytes: each read-modify-write is 4 B read + 4 B written; the
// final write-back reads the 64 accumulators once more (256 B). The DMA fills
// the ifmap (32 B) and weight (128 B) scratchpads once.
// Compute cycles: os 2 folds x (T + 4 + 8 - 2 = 18) = 36; ws 4 x (2*4 + 8 + 4 - 2 = 18) = 72;
// is 2 x (8 + 8 + 16 - 2 = 30) = 60.
TEST(NpuCoreSram, OneTileGemmByHand) {
    Layer L;
    L.op = NPU_OP_GEMM;
    L.C = 8, L.H = 1, L.W = 4, L.M = 16;
    struct Expect {
        Dataflow df;
        std::uint64_t ifmap_rd, weight_rd, acc_rmw, compute;
    };
    for (const Expect& e :
         {Expect{Dataflow::os, 64, 128, 64, 36}, Expect{Dataflow::ws, 64, 128, 128, 72},
          Expect{Dataflow::is, 32, 128, 128, 60}}) {
        SCOPED_TRACE(npu::to_string(e.df));
        const Result r = run_case(L, {16, 8, 1, 4, 1, 1}, kMCYXKL, e.df, true);
        ASSERT_EQ(r.st.error, NPU_ERR_NONE);
        EXPECT_EQ(r.st.tiles, 1u);
        EXPECT_EQ(r.st.macs, 512u);
        EXPECT_EQ(r.st.compute_cycles, e.compute);
        EXPECT_EQ(r.st.sram_reads.ifmap, e.ifmap_rd);
        EXPECT_EQ(r.st.sram_reads.weight, e.weight_rd);
        EXPECT_EQ(r.st.sram_reads.ofmap, e.acc_rmw * 4 + 256);
        EXPECT_EQ(r.st.sram_writes.ofmap, e.acc_rmw * 4);
        EXPECT_EQ(r.st.sram_writes.ifmap, 32u);
        EXPECT_EQ(r.st.sram_writes.weight, 128u);
        // utilization = MACs / (cycles x 32 PEs)
        ASSERT_GT(r.st.cycles, 0u);
        EXPECT_DOUBLE_EQ(r.st.utilization, 512.0 / (double(r.st.cycles) * 32.0));
        EXPECT_LT(r.st.utilization, 512.0 / (e.compute * 32.0) + 1e-12);
    }
}

// maxpool 4x4x4, 2x2 stride 2 -> 4x2x2: 16 outputs x 4 window elements = 64 ifmap
// reads on the vector unit (8 lanes: 8 cycles); each output's accumulator is read
// and written once per tile (running max, 64 B each way) and read again by the
// write-back (64 B). add 4x4x4: 64 ifmap + 64 operand-B reads, 64 accumulators
// written (256 B) and read by the write-back (256 B), 8 cycles.
TEST(NpuCoreSram, OneTilePoolAndAddByHand) {
    Layer P;
    P.op = NPU_OP_MAXPOOL, P.C = 4, P.H = 4, P.W = 4, P.R = 2, P.S = 2, P.stride_h = 2,
    P.stride_w = 2;
    const Result p = run_case(P, {4, 1, 2, 2, 2, 2}, kMCYXKL, Dataflow::os, true);
    ASSERT_EQ(p.st.error, NPU_ERR_NONE);
    EXPECT_EQ(p.st.tiles, 1u);
    EXPECT_EQ(p.st.compute_cycles, 8u);
    EXPECT_EQ(p.st.sram_reads.ifmap, 64u);
    EXPECT_EQ(p.st.sram_reads.weight, 0u);
    EXPECT_EQ(p.st.sram_reads.ofmap, 64u + 64u);
    EXPECT_EQ(p.st.sram_writes.ofmap, 64u);
    EXPECT_EQ(p.st.sram_writes.ifmap, 64u);
    EXPECT_EQ(p.st.sram_writes.weight, 0u);
    EXPECT_EQ(p.st.macs, 0u);
    EXPECT_EQ(p.st.utilization, 0.0);

    Layer A;
    A.op = NPU_OP_ADD, A.C = 4, A.H = 4, A.W = 4;
    const Result a = run_case(A, {4, 1, 4, 4, 1, 1}, kMCYXKL, Dataflow::os, true);
    ASSERT_EQ(a.st.error, NPU_ERR_NONE);
    EXPECT_EQ(a.st.tiles, 1u);
    EXPECT_EQ(a.st.compute_cycles, 8u);
    EXPECT_EQ(a.st.sram_reads.ifmap, 64u);
    EXPECT_EQ(a.st.sram_reads.weight, 64u);
    EXPECT_EQ(a.st.sram_reads.ofmap, 256u);
    EXPECT_EQ(a.st.sram_writes.ofmap, 256u);
    EXPECT_EQ(a.st.sram_writes.ifmap, 64u);
    EXPECT_EQ(a.st.sram_writes.weight, 64u);
    EXPECT_EQ(a.st.utilization, 0.0);
}

// The DMA error path: whichever transfer fails (every one of a two-tile conv
// with psum spills, bias and LUT), the kernel stops with NPU_ERR_DMA; one past
// the last transfer, it completes. After a failure, a RESIDENT kernel with the
// weights the core had loaded reloads them (the scratchpad is not trusted).
TEST(NpuCoreDmaError, EveryFailingTransferStopsTheKernel) {
    Layer L;
    L.C = 4, L.H = 6, L.W = 6, L.M = 4, L.R = 3, L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    L.bias = true, L.act = NPU_ACT_LUT;
    TestDram dram(1 << 20);
    const Tensors t = make_tensors(L, 2);
    const Addrs a = place(L, t, dram.mem);
    const npu_desc_t d = make_desc(L, a, {2, 2, 6, 6, 3, 3}, kCKLMYX, Dataflow::os);
    std::uint64_t total = 0;
    {
        npu::Core core(small_config(true));
        FailingDma dma(dram, 0);
        const auto st = core.run(d, dma);
        ASSERT_EQ(st.error, NPU_ERR_NONE);
        ASSERT_GT(st.dram_read_bytes.psum, 0u);
        total = dma.calls;
    }
    ASSERT_GT(total, 10u);
    for (std::uint64_t n = 1; n <= total + 1; ++n) {
        npu::Core core(small_config(true));
        FailingDma dma(dram, n);
        EXPECT_EQ(core.run(d, dma).error, n <= total ? NPU_ERR_DMA : NPU_ERR_NONE) << "n " << n;
    }
}

TEST(NpuCoreDmaError, ResidentWeightsReloadAfterAFailure) {
    Layer L;
    L.op = NPU_OP_GEMM;
    L.C = 8, L.H = 1, L.W = 4, L.M = 8, L.int32_out = true;
    TestDram dram(1 << 20);
    const Tensors t = make_tensors(L, 3);
    const Addrs a = place(L, t, dram.mem);
    npu::Core core(small_config(true));
    npu_desc_t d = make_desc(L, a, {8, 8, 1, 4, 1, 1}, kMCYXKL, Dataflow::ws);
    FailingDma ok(dram, 0);
    ASSERT_EQ(core.run(d, ok).dram_read_bytes.weight, 64u);
    d.flags |= NPU_DESC_F_RESIDENT;
    // resident hit, then the first transfer (an ifmap read) fails
    FailingDma bad(dram, 1);
    const auto failed = core.run(d, bad);
    EXPECT_EQ(failed.error, NPU_ERR_DMA);
    EXPECT_EQ(failed.resident_weight_bytes, 64u);
    const auto again = core.run(d, ok);
    EXPECT_EQ(again.error, NPU_ERR_NONE);
    EXPECT_EQ(again.dram_read_bytes.weight, 64u);
    EXPECT_EQ(again.resident_weight_bytes, 0u);
    EXPECT_EQ(read_output(L, a, dram.mem), reference(L, t));
}

// The eltwise adder wraps at 32 bits, as the reference executor does
// (npu_eltwise_add_acc). zp_in = zp_w = -128, mult_a = mult_b = 2^23, shift 23:
//   (127, 127):   255 * 2^23 * 2 = 2^32 - 2^24 wraps to -2^24 -> -2
//   (0, 0):       128 * 2^23 * 2 = 2^31 wraps to -2^31 -> -256 -> saturated -128
//                 (summed in 64 bits it would be +256 -> 127)
//   (-128, -128): 0 -> 0
//   (127, -128):  255 * 2^23 = 2^31 - 2^23, no wrap -> 255 -> saturated 127
TEST(NpuCoreEltwise, AddWrapsAt32BitsByHand) {
    Layer L;
    L.op = NPU_OP_ADD, L.C = 1, L.H = 1, L.W = 4;
    L.zp_in = -128, L.zp_w = -128, L.zp_out = 0, L.mult = 1 << 23, L.mult_b = 1 << 23, L.shift = 23;
    Tensors t;
    t.in = {127, 0, -128, 127};
    t.b8 = {127, 0, -128, -128};
    t.lut.assign(256, 0);
    TestDram dram(1 << 20);
    const Addrs a = place(L, t, dram.mem);
    npu::Core core(small_config(true));
    ASSERT_EQ(core.run(make_desc(L, a, {1, 1, 1, 4, 1, 1}, kMCYXKL, Dataflow::os), dram).error,
              NPU_ERR_NONE);
    EXPECT_EQ(read_output(L, a, dram.mem), (std::vector<std::int32_t>{-2, -128, 0, 127}));
}
