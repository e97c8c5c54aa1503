// Strided tensor views (descriptor.h ifmap_/ofmap_/opb_ ch_stride and
// row_stride): kernels reading a window of a larger ifmap (and eltwise operand
// B) and writing their ofmap into a slice of a larger buffer (a channel concat,
// a padded buffer). Checked: exact results against the naive reference; DMA
// bytes per tensor equal to the dense case; no byte outside the views read or
// written; timing mode equal to functional mode; bad strides rejected before
// any transfer.
#include <gtest/gtest.h>

#include <string>

#include "npu/core.h"
#include "npu_abi/npu_regs.h"
#include "npu_test_util.h"

using namespace npu_test;
using npu::Dataflow;

namespace {

// Offsets from kDramBase of the enclosing buffers (place() stays below 0x40000).
constexpr std::size_t kInBuf = 0x40000, kBBuf = 0x60000, kOutBuf = 0x80000, kBufBytes = 0x20000;
constexpr std::uint8_t kSentinel = 0xA5;

// TestDram that remembers which bytes the DMA read and wrote.
class RecordingDram : public TestDram {
  public:
    explicit RecordingDram(std::size_t size)
        : TestDram(size), read_mark(size, 0), write_mark(size, 0) {}
    bool read(std::uint64_t addr, std::uint8_t* dst, std::uint32_t len, std::uint64_t request,
              std::uint64_t& done) override {
        if (!TestDram::read(addr, dst, len, request, done)) return false;
        std::fill_n(read_mark.begin() + static_cast<std::ptrdiff_t>(addr - kDramBase), len, 1);
        return true;
    }
    bool write(std::uint64_t addr, const std::uint8_t* src, std::uint32_t len,
               std::uint64_t request, std::uint64_t& done) override {
        if (!TestDram::write(addr, src, len, request, done)) return false;
        std::fill_n(write_mark.begin() + static_cast<std::ptrdiff_t>(addr - kDramBase), len, 1);
        return true;
    }
    std::vector<char> read_mark, write_mark;
};

// Where the ifmap, operand B and ofmap live; bc == 0: dense at place()'s address.
struct Views {
    Window in, b, out;
};

unsigned out_channels(const Layer& L) {
    return L.op >= NPU_OP_MAXPOOL ? L.C : L.M;
}

struct Result {
    npu::KernelStats st;
    std::vector<std::int32_t> out;  // dense order
};

// Puts a dense tensor into its window of a buffer full of other data, and
// points the descriptor's address and strides at it.
void place_window(std::vector<std::uint8_t>& mem, std::size_t buf, const Window& win,
                  const void* dense, unsigned chans, unsigned height, unsigned width,
                  unsigned esize, std::uint32_t seed, std::uint32_t& addr, std::uint32_t& ch_stride,
                  std::uint32_t& row_stride) {
    EXPECT_LE(win.buffer_elems() * esize, kBufBytes);
    const auto junk = random_i8(win.buffer_elems() * esize, seed);
    std::memcpy(mem.data() + buf, junk.data(), junk.size());
    scatter(mem.data() + buf, win, dense, chans, height, width, esize);
    addr = static_cast<std::uint32_t>(kDramBase + buf + win.at(0, 0, 0) * esize);
    ch_stride = win.ch_stride();
    row_stride = win.row_stride();
}

// Runs L with the given views and checks, in both modes, that the DMA read
// no byte of an input buffer outside its window, and wrote every element of
// the ofmap window and nothing else of its buffer.
Result run_views(const Layer& L, std::array<unsigned, 6> tile, std::array<unsigned, 6> order,
                 Dataflow df, bool functional, const Views& v, std::uint32_t seed = 1) {
    RecordingDram dram(kDramBytes);
    const Tensors t = make_tensors(L, seed);
    const Addrs a = place(L, t, dram.mem);
    npu_desc_t d = make_desc(L, a, tile, order, df);
    const unsigned ib = L.in_bytes(), ob = L.out_bytes();
    const unsigned M = out_channels(L), E = L.E(), F = L.F();
    if (v.in.bc) {
        const void* src = L.op == NPU_OP_REQUANT ? static_cast<const void*>(t.in32.data())
                                                 : static_cast<const void*>(t.in.data());
        place_window(dram.mem, kInBuf, v.in, src, L.C, L.H, L.W, ib, seed + 11, d.ifmap_addr,
                     d.ifmap_ch_stride, d.ifmap_row_stride);
    }
    if (v.b.bc && L.eltwise())
        place_window(dram.mem, kBBuf, v.b, t.b8.data(), L.C, L.H, L.W, 1, seed + 12, d.weight_addr,
                     d.opb_ch_stride, d.opb_row_stride);
    if (v.out.bc) {
        EXPECT_LE(v.out.buffer_elems() * ob, kBufBytes);
        std::fill_n(dram.mem.begin() + kOutBuf, v.out.buffer_elems() * ob, kSentinel);
        d.ofmap_addr = static_cast<std::uint32_t>(kDramBase + kOutBuf + v.out.at(0, 0, 0) * ob);
        d.ofmap_ch_stride = v.out.ch_stride();
        d.ofmap_row_stride = v.out.row_stride();
    }
    npu::Core core(small_config(functional));
    Result r;
    r.st = core.run(d, dram);
    EXPECT_EQ(r.st.error, NPU_ERR_NONE);
    r.out = v.out.bc ? gather(dram.mem.data() + kOutBuf, v.out, M, E, F, ob)
                     : read_output(L, a, dram.mem);
    EXPECT_LE(dram.max_burst, 16u);
    EXPECT_EQ(dram.read_bytes, r.st.dram_read_bytes.total());
    EXPECT_EQ(dram.write_bytes, r.st.dram_write_bytes.total());

    auto check_input = [&](const Window& win, std::size_t buf, unsigned esize, const char* what) {
        const auto mask = window_mask(win, L.C, L.H, L.W, esize);
        std::size_t stray = 0, written = 0;
        for (std::size_t i = 0; i < mask.size(); ++i) {
            stray += dram.read_mark[buf + i] && !mask[i];
            written += dram.write_mark[buf + i] != 0;
        }
        EXPECT_EQ(stray, 0u) << what << ": bytes read outside the window";
        EXPECT_EQ(written, 0u) << what << ": input buffer written";
    };
    if (v.in.bc) check_input(v.in, kInBuf, ib, "ifmap");
    if (v.b.bc && L.eltwise()) check_input(v.b, kBBuf, 1, "operand B");
    if (v.out.bc) {
        const auto mask = window_mask(v.out, M, E, F, ob);
        std::size_t touched_outside = 0, missed = 0;
        for (std::size_t i = 0; i < mask.size(); ++i) {
            if (mask[i]) {
                missed += !dram.write_mark[kOutBuf + i];
            } else {
                touched_outside += dram.mem[kOutBuf + i] != kSentinel ||
                                   dram.write_mark[kOutBuf + i] || dram.read_mark[kOutBuf + i];
            }
        }
        EXPECT_EQ(touched_outside, 0u) << "ofmap buffer bytes outside the slice touched";
        EXPECT_EQ(missed, 0u) << "ofmap slice elements not written";
    }
    return r;
}

// The same elements move: every byte counter equals the dense run's.
void expect_same_bytes(const npu::KernelStats& s, const npu::KernelStats& d) {
    EXPECT_EQ(s.dram_read_bytes.ifmap, d.dram_read_bytes.ifmap);
    EXPECT_EQ(s.dram_read_bytes.weight, d.dram_read_bytes.weight);
    EXPECT_EQ(s.dram_read_bytes.psum, d.dram_read_bytes.psum);
    EXPECT_EQ(s.dram_read_bytes.bias, d.dram_read_bytes.bias);
    EXPECT_EQ(s.dram_read_bytes.lut, d.dram_read_bytes.lut);
    EXPECT_EQ(s.dram_write_bytes.ofmap, d.dram_write_bytes.ofmap);
    EXPECT_EQ(s.dram_write_bytes.psum, d.dram_write_bytes.psum);
    EXPECT_EQ(s.sram_reads.ifmap, d.sram_reads.ifmap);
    EXPECT_EQ(s.sram_reads.weight, d.sram_reads.weight);
    EXPECT_EQ(s.sram_reads.ofmap, d.sram_reads.ofmap);
    EXPECT_EQ(s.sram_writes.ifmap, d.sram_writes.ifmap);
    EXPECT_EQ(s.sram_writes.weight, d.sram_writes.weight);
    EXPECT_EQ(s.sram_writes.ofmap, d.sram_writes.ofmap);
    EXPECT_EQ(s.macs, d.macs);
    EXPECT_EQ(s.compute_cycles, d.compute_cycles);
    EXPECT_EQ(s.tiles, d.tiles);
}

void expect_same_timing(const npu::KernelStats& a, const npu::KernelStats& b) {
    EXPECT_EQ(a.cycles, b.cycles);
    EXPECT_EQ(a.compute_cycles, b.compute_cycles);
    EXPECT_EQ(a.stall_cycles, b.stall_cycles);
    expect_same_bytes(a, b);
}

// Every dataflow and three loop orders: exact output through the views, the
// dense run's bytes (and the brute force's), timing mode == functional mode.
void check_views(const Layer& L, std::array<unsigned, 6> tile, const Views& v) {
    const auto ref = reference(L, make_tensors(L, 1));
    for (auto order : {kMCYXKL, kCKLMYX, kYXKMLC}) {
        for (Dataflow df : {Dataflow::os, Dataflow::ws, Dataflow::is}) {
            SCOPED_TRACE(std::string("dataflow ") + npu::to_string(df) + " order " +
                         std::to_string(order[0]) + std::to_string(order[1]) +
                         std::to_string(order[2]));
            const Result s = run_views(L, tile, order, df, true, v);
            ASSERT_EQ(s.st.error, NPU_ERR_NONE);
            EXPECT_EQ(s.out, ref);
            const Result dense = run_views(L, tile, order, df, true, Views{});
            ASSERT_EQ(dense.st.error, NPU_ERR_NONE);
            EXPECT_EQ(dense.out, ref);
            expect_same_bytes(s.st, dense.st);
            const Traffic tr = brute_force_traffic(L, tile, order);
            EXPECT_EQ(s.st.dram_read_bytes.ifmap, tr.ifmap * L.in_bytes());
            EXPECT_EQ(s.st.dram_write_bytes.ofmap, tr.ofmap * L.out_bytes());
            EXPECT_EQ(s.st.dram_write_bytes.psum, tr.psum_wr * 4);
            const Result tm = run_views(L, tile, order, df, false, v);
            ASSERT_EQ(tm.st.error, NPU_ERR_NONE);
            expect_same_timing(s.st, tm.st);
            EXPECT_EQ(s.st.cycles, s.st.compute_cycles + s.st.stall_cycles);
        }
    }
}

Layer conv3x3() {
    Layer L;
    L.C = 5, L.H = 7, L.W = 7, L.M = 6, L.R = 3, L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    L.zp_in = 3, L.zp_w = -2, L.zp_out = 5, L.bias = true, L.act = NPU_ACT_RELU;
    return L;
}

}  // namespace

// Ifmap: channels [2,7), rows [1,8), columns [3,10) of a [8][10][12] tensor.
// Ofmap: channels [3,9) of an [11][9][10] concat buffer, rows [1,8), columns
// [2,9): row stride 10 > F = 7, channel stride 90 > E*F.
TEST(NpuStrides, ConvWindowIntoConcatSlice) {
    Views v;
    v.in = {8, 10, 12, 2, 1, 3};
    v.out = {11, 9, 10, 3, 1, 2};
    check_views(conv3x3(), {4, 2, 3, 4, 2, 2}, v);
}

// Only the ofmap strided (concat along channels, rows dense in the slice), and
// only the ifmap strided.
TEST(NpuStrides, OfmapOnlyAndIfmapOnly) {
    Layer L = conv3x3();
    Views v;
    v.out = {10, 7, 7, 4, 0, 0};  // channels [4,10) of a dense [10][7][7]: contiguous planes
    check_views(L, {3, 5, 7, 7, 3, 3}, v);
    Views w;
    w.in = {5, 9, 9, 0, 2, 2};  // the interior of a zero-padded-by-2 [5][9][9]
    check_views(L, {6, 3, 2, 3, 3, 1}, w);
}

TEST(NpuStrides, StridedConvGroupedAndStride2) {
    Layer L;
    L.C = 4, L.H = 9, L.W = 8, L.M = 6, L.R = 3, L.S = 3, L.groups = 2, L.stride_h = 2,
    L.stride_w = 2, L.pt = 1, L.pr = 1, L.zp_in = 1, L.zp_w = 2;
    Views v;
    v.in = {6, 11, 9, 1, 2, 0};
    v.out = {8, 6, 6, 1, 1, 1};
    check_views(L, {2, 1, 2, 3, 2, 2}, v);
}

// Int32 elements: a raw-accumulator conv written into the interior of a
// padded int32 buffer, and a requantize reading an int32 window.
TEST(NpuStrides, Int32ElementsPaddedBuffer) {
    Layer L = conv3x3();
    L.int32_out = true, L.act = NPU_ACT_NONE;
    Views v;
    v.in = {5, 8, 8, 0, 0, 0};   // rows of 8, only the first 7 used
    v.out = {6, 9, 9, 0, 1, 1};  // 7x7 inside a 9x9 border of 1
    check_views(L, {3, 2, 4, 4, 3, 2}, v);
    Layer Q;
    Q.op = NPU_OP_REQUANT, Q.C = 3, Q.H = 4, Q.W = 5, Q.mult = 1 << 18, Q.shift = 22, Q.zp_out = -2;
    Views q;
    q.in = {4, 6, 7, 1, 1, 2};
    q.out = {5, 4, 8, 2, 0, 3};
    check_views(Q, {2, 1, 3, 2, 1, 1}, q);
}

TEST(NpuStrides, EltwisePoolGemm) {
    Layer A;
    A.op = NPU_OP_ADD, A.C = 3, A.H = 5, A.W = 7, A.zp_in = 2, A.zp_w = -4, A.zp_out = 1,
    A.mult = 3 << 12, A.mult_b = 5 << 11, A.shift = 14;
    Views va;
    va.in = {5, 6, 9, 1, 0, 1};
    va.b = {3, 7, 8, 0, 2, 0};
    va.out = {6, 5, 10, 3, 0, 2};
    check_views(A, {2, 1, 2, 3, 1, 1}, va);
    Layer P;
    P.op = NPU_OP_MAXPOOL, P.C = 3, P.H = 9, P.W = 9, P.R = 3, P.S = 3, P.stride_h = 2,
    P.stride_w = 2, P.pt = P.pl = P.pb = P.pr = 1;
    Views vp;
    vp.in = {4, 11, 11, 1, 1, 1};
    vp.out = {7, 5, 6, 4, 0, 1};
    check_views(P, {2, 1, 2, 3, 2, 2}, vp);
    Layer G;  // X = a column block of a larger [16][4*5] matrix
    G.op = NPU_OP_GEMM, G.C = 12, G.H = 3, G.W = 3, G.M = 10, G.zp_in = -3, G.zp_w = 5,
    G.int32_out = true;
    Views vg;
    vg.in = {16, 4, 5, 2, 1, 1};
    vg.out = {12, 3, 4, 1, 0, 0};
    check_views(G, {4, 5, 2, 2, 1, 1}, vg);
}

// Inception-style concat: two convs on the same ifmap (a 1x1 branch with 4
// filters, a 3x3 branch with 3) write channels [0,4) and [4,7) of one
// [7][6][8] buffer (row stride 8 > F = 6) one after the other on one core.
TEST(NpuStrides, TwoConvsFillAConcatBuffer) {
    Layer A;
    A.C = 6, A.H = 6, A.W = 6, A.M = 4, A.zp_in = 1, A.bias = true, A.act = NPU_ACT_RELU;
    Layer B = A;
    B.M = 3, B.R = B.S = 3, B.pt = B.pl = B.pb = B.pr = 1, B.zp_w = -1, B.zp_out = 2;
    B.act = NPU_ACT_NONE;
    const Tensors ta = make_tensors(A, 21);
    Tensors tb = make_tensors(B, 22);
    tb.in = ta.in;
    const Window concat{7, 6, 8, 0, 0, 0};
    const std::size_t C0 = 4;
    for (bool functional : {true, false}) {
        RecordingDram dram(kDramBytes);
        const Addrs aa = place(A, ta, dram.mem);
        // B's weights, bias and LUT after A's tensors; the same ifmap
        Addrs ab = aa;
        auto put = [&](std::size_t off, const void* src, std::size_t n) {
            std::memcpy(dram.mem.data() + off, src, n);
            return static_cast<std::uint32_t>(kDramBase + off);
        };
        ab.w = put(0x30000, tb.w.data(), tb.w.size());
        ab.bias = put(0x31000, tb.bias.data(), tb.bias.size() * 4);
        ab.lut = put(0x32000, tb.lut.data(), 256);
        ab.psum = static_cast<std::uint32_t>(kDramBase + 0x33000);
        std::fill_n(dram.mem.begin() + kOutBuf, concat.buffer_elems(), kSentinel);
        npu_desc_t da = make_desc(A, aa, {2, 3, 3, 6, 1, 1}, kMCYXKL, Dataflow::os);
        npu_desc_t db = make_desc(B, ab, {3, 2, 2, 4, 3, 2}, kCKLMYX, Dataflow::ws);
        for (auto* d : {&da, &db}) {
            d->ofmap_ch_stride = concat.ch_stride();
            d->ofmap_row_stride = concat.row_stride();
        }
        da.ofmap_addr = static_cast<std::uint32_t>(kDramBase + kOutBuf + concat.at(0, 0, 0));
        db.ofmap_addr = static_cast<std::uint32_t>(kDramBase + kOutBuf + concat.at(C0, 0, 0));
        npu::Core core(small_config(functional));
        const auto sa = core.run(da, dram);
        const auto sb = core.run(db, dram);
        ASSERT_EQ(sa.error, NPU_ERR_NONE);
        ASSERT_EQ(sb.error, NPU_ERR_NONE);
        EXPECT_EQ(sa.dram_write_bytes.ofmap, 4u * 6 * 6);
        EXPECT_EQ(sb.dram_write_bytes.ofmap, 3u * 6 * 6);
        EXPECT_GT(sb.dram_write_bytes.psum, 0u);  // B's psums stay dense at its psum_addr
        // every concat element written, the 2 spare columns of every row untouched
        const auto mask = window_mask(concat, 7, 6, 6, 1);
        std::size_t outside = 0, missed = 0;
        for (std::size_t i = 0; i < mask.size(); ++i) {
            if (mask[i])
                missed += !dram.write_mark[kOutBuf + i];
            else
                outside += dram.mem[kOutBuf + i] != kSentinel || dram.write_mark[kOutBuf + i];
        }
        EXPECT_EQ(missed, 0u);
        EXPECT_EQ(outside, 0u);
        if (!functional) continue;
        auto expect = reference(A, ta);
        const auto rb = reference(B, tb);
        expect.insert(expect.end(), rb.begin(), rb.end());
        EXPECT_EQ(gather(dram.mem.data() + kOutBuf, concat, 7, 6, 6, 1), expect);
    }
}

// Strides spelled out as the dense values behave exactly like 0: same
// transfers at the same times, same DRAM contents afterwards.
TEST(NpuStrides, ExplicitDenseStridesEqualZero) {
    auto check = [](const Layer& L, std::array<unsigned, 6> tile) {
        TestDram d0(kDramBytes), d1(kDramBytes);
        const Tensors t = make_tensors(L, 4);
        const Addrs a = place(L, t, d0.mem);
        place(L, t, d1.mem);
        const npu_desc_t zero = make_desc(L, a, tile, kYXKMLC, Dataflow::is);
        npu_desc_t expl = zero;
        expl.ifmap_ch_stride = L.H * L.W, expl.ifmap_row_stride = L.W;
        expl.ofmap_ch_stride = L.E() * L.F(), expl.ofmap_row_stride = L.F();
        expl.opb_ch_stride = L.H * L.W, expl.opb_row_stride = L.W;
        npu::Core c0(small_config(true)), c1(small_config(true));
        const auto s0 = c0.run(zero, d0);
        const auto s1 = c1.run(expl, d1);
        ASSERT_EQ(s0.error, NPU_ERR_NONE);
        ASSERT_EQ(s1.error, NPU_ERR_NONE);
        expect_same_timing(s0, s1);
        EXPECT_EQ(read_output(L, a, d1.mem), reference(L, t));
        EXPECT_TRUE(d0.mem == d1.mem);
    };
    check(conv3x3(), {2, 2, 3, 2, 2, 2});
    Layer M;
    M.op = NPU_OP_MUL, M.C = 2, M.H = 6, M.W = 4, M.zp_in = -1, M.zp_w = 3, M.mult = 1 << 22,
    M.shift = 27;
    check(M, {1, 1, 4, 3, 1, 1});
}

TEST(NpuStrides, BadStridesRejectedBeforeAnyTransfer) {
    Layer L;  // 4x6x6 -> 4x4x4
    L.C = 4, L.H = 6, L.W = 6, L.M = 4, L.R = 3, L.S = 3;
    TestDram dram(kDramBytes);
    const Tensors t = make_tensors(L, 1);
    const Addrs a = place(L, t, dram.mem);
    npu::Core core(small_config(true));
    auto run = [&](const npu_desc_t& d) {
        dram.read_bytes = dram.write_bytes = 0;
        const auto st = core.run(d, dram);
        EXPECT_EQ(dram.read_bytes + dram.write_bytes, 0u) << "a bad descriptor moved data";
        return st.error;
    };
    const npu_desc_t good = make_desc(L, a, {4, 4, 4, 4, 3, 3}, kMCYXKL, Dataflow::os);
    EXPECT_EQ(core.run(good, dram).error, NPU_ERR_NONE);
    npu_desc_t d = good;
    // rows or channel planes overlapping: NPU_ERR_BAD_SHAPE
    d = good, d.ifmap_row_stride = 5;  // < W
    EXPECT_EQ(run(d), NPU_ERR_BAD_SHAPE);
    d = good, d.ifmap_ch_stride = 35;  // < (H-1)*W + W = 36
    EXPECT_EQ(run(d), NPU_ERR_BAD_SHAPE);
    d = good, d.ifmap_ch_stride = 36;  // the least legal one
    EXPECT_EQ(core.run(d, dram).error, NPU_ERR_NONE);
    d = good, d.ifmap_row_stride = 8;  // channel stride 0 stays H*W = 36 < 5*8 + 6
    EXPECT_EQ(run(d), NPU_ERR_BAD_SHAPE);
    d.ifmap_ch_stride = 46;
    EXPECT_EQ(core.run(d, dram).error, NPU_ERR_NONE);
    d = good, d.ofmap_row_stride = 3;  // < F
    EXPECT_EQ(run(d), NPU_ERR_BAD_SHAPE);
    d = good, d.ofmap_ch_stride = 15;  // < E*F
    EXPECT_EQ(run(d), NPU_ERR_BAD_SHAPE);
    d = good, d.ofmap_row_stride = 1, d.ofmap_ch_stride = 1;
    EXPECT_EQ(run(d), NPU_ERR_BAD_SHAPE);
    // the strided span leaving DRAM: NPU_ERR_ADDR_RANGE (the dense one fits)
    d = good, d.ifmap_ch_stride = 0x60000;  // channel 3 starts 1.125 MiB in: past a 1 MiB DRAM
    EXPECT_EQ(run(d), NPU_ERR_ADDR_RANGE);
    d = good, d.ifmap_ch_stride = 0xFFFFFFFFu;  // 64-bit span arithmetic: no wrap-around
    EXPECT_EQ(run(d), NPU_ERR_ADDR_RANGE);
    d.ifmap_row_stride = 0x30000000u;
    EXPECT_EQ(run(d), NPU_ERR_ADDR_RANGE);
    d.ifmap_row_stride = 0xFFFFFFFFu;  // planes of 6 such rows cannot be 2^32-1 apart
    EXPECT_EQ(run(d), NPU_ERR_BAD_SHAPE);
    d = good, d.ofmap_addr = static_cast<std::uint32_t>(kDramBase + kDramBytes - 64);
    EXPECT_EQ(core.run(d, dram).error, NPU_ERR_NONE);  // dense 64 B fit exactly
    d.ofmap_row_stride = 5, d.ofmap_ch_stride = 20;    // span 3*20 + 3*5 + 4 = 79 elements
    EXPECT_EQ(run(d), NPU_ERR_ADDR_RANGE);
    d = good, d.out_type = NPU_OUT_INT32,
    d.ofmap_addr = static_cast<std::uint32_t>(kDramBase + kDramBytes - 256);
    EXPECT_EQ(core.run(d, dram).error, NPU_ERR_NONE);  // 64 int32 elements fit exactly
    d.ofmap_ch_stride = 17;                            // 67 elements: 268 bytes, 12 too many
    EXPECT_EQ(run(d), NPU_ERR_ADDR_RANGE);
    // eltwise operand B has its own strides, checked the same way
    Layer E;
    E.op = NPU_OP_ADD, E.C = 2, E.H = 3, E.W = 4;
    const Addrs ae = place(E, make_tensors(E, 2), dram.mem);
    const npu_desc_t add = make_desc(E, ae, {2, 1, 3, 4, 1, 1}, kMCYXKL, Dataflow::os);
    EXPECT_EQ(core.run(add, dram).error, NPU_ERR_NONE);
    d = add, d.opb_row_stride = 3;
    EXPECT_EQ(run(d), NPU_ERR_BAD_SHAPE);
    d = add, d.opb_ch_stride = 11;
    EXPECT_EQ(run(d), NPU_ERR_BAD_SHAPE);
    d = add, d.opb_ch_stride = 0x100000;
    EXPECT_EQ(run(d), NPU_ERR_ADDR_RANGE);
    // operand B strides mean nothing to a conv: ignored there
    d = good, d.opb_ch_stride = 1, d.opb_row_stride = 1;
    EXPECT_EQ(core.run(d, dram).error, NPU_ERR_NONE);
}
