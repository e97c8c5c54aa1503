// Descriptor validation, check by check: a good descriptor with one field
// corrupted must be refused with the exact NPU_ERR_* code and without a
// single DMA transfer; the last legal value of that field must be accepted
// (so a check that is too strict fails as well as one that is missing).
// Every check in npu::decode_kernel (npu/model/src/core.cpp) has a row here.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "npu/core.h"
#include "npu_abi/npu_regs.h"
#include "npu_test_util.h"

using namespace npu_test;
using npu::Dataflow;

namespace {

// The good kernels the rows start from; each is one tile (tile = extent).
struct Base {
    Layer L;
    std::array<unsigned, 6> tile;
    std::array<unsigned, 6> order = kMCYXKL;
};

// conv 4x6x6 -> 4x6x6, 3x3, pad 1, bias
Base conv() {
    Base b;
    b.L.C = 4, b.L.H = 6, b.L.W = 6, b.L.M = 4, b.L.R = 3, b.L.S = 3;
    b.L.pt = b.L.pl = b.L.pb = b.L.pr = 1, b.L.bias = true;
    b.tile = {4, 4, 6, 6, 3, 3};
    return b;
}
Base gemm() {
    Base b;
    b.L.op = NPU_OP_GEMM, b.L.C = 8, b.L.H = 1, b.L.W = 4, b.L.M = 8;
    b.tile = {8, 8, 1, 4, 1, 1};
    return b;
}
Base add() {
    Base b;
    b.L.op = NPU_OP_ADD, b.L.C = 4, b.L.H = 6, b.L.W = 6;
    b.tile = {4, 1, 6, 6, 1, 1};
    return b;
}
Base maxpool() {
    Base b;
    b.L.op = NPU_OP_MAXPOOL, b.L.C = 4, b.L.H = 6, b.L.W = 6, b.L.R = 2, b.L.S = 2;
    b.L.stride_h = b.L.stride_w = 2;
    b.tile = {4, 1, 3, 3, 2, 2};
    return b;
}
Base gavgpool() {
    Base b;
    b.L.op = NPU_OP_GAVGPOOL, b.L.C = 4, b.L.H = 6, b.L.W = 6;
    b.tile = {4, 1, 1, 1, 6, 6};
    return b;
}
// conv whose c tiles spill partial sums (reduction outside the m tiles)
Base conv_psum() {
    Base b = conv();
    b.tile = {2, 2, 6, 6, 3, 3};
    b.order = kCKLMYX;
    return b;
}

struct Row {
    const char* what;
    std::function<Base()> base;
    std::function<void(npu_desc_t&)> corrupt;
    std::uint32_t error;  // NPU_ERR_NONE: the last legal value
};

constexpr std::uint32_t kEnd = static_cast<std::uint32_t>(kDramBase + kDramBytes);

// Runs the row on a fresh core and DRAM; refused rows must not move a byte.
void check(const Row& row) {
    SCOPED_TRACE(row.what);
    const Base b = row.base();
    TestDram dram(kDramBytes);
    const Tensors t = make_tensors(b.L, 7);
    const Addrs a = place(b.L, t, dram.mem);
    npu_desc_t d = make_desc(b.L, a, b.tile, b.order, Dataflow::os);
    {  // the base itself is good
        npu::Core core(small_config(false));
        CountingDma dma(dram);
        ASSERT_EQ(core.run(d, dma).error, NPU_ERR_NONE) << "base descriptor refused";
    }
    row.corrupt(d);
    npu::Core core(small_config(false));
    CountingDma dma(dram);
    const npu::KernelStats st = core.run(d, dma);
    EXPECT_EQ(st.error, row.error)
        << "got " << npu::error_name(st.error) << ", want " << npu::error_name(row.error);
    if (row.error != NPU_ERR_NONE) {
        EXPECT_EQ(dma.calls, 0u) << "a refused descriptor asked the DMA";
        EXPECT_EQ(dma.bytes, 0u);
        EXPECT_EQ(st.dram_read_bytes.total() + st.dram_write_bytes.total(), 0u);
    } else {
        EXPECT_GT(dma.bytes, 0u);
    }
}

const std::vector<Row>& rows() {
    static const std::vector<Row> r = {
        // op, dataflow, output type, activation
        {"op 0", conv, [](npu_desc_t& d) { d.op = NPU_OP_INVALID; }, NPU_ERR_BAD_OP},
        {"op past the last", conv, [](npu_desc_t& d) { d.op = NPU_OP_COUNT; }, NPU_ERR_BAD_OP},
        {"dataflow 3", conv, [](npu_desc_t& d) { d.dataflow = 3; }, NPU_ERR_BAD_OP},
        {"dataflow is (last legal)", conv, [](npu_desc_t& d) { d.dataflow = NPU_DF_IS; },
         NPU_ERR_NONE},
        {"out_type 2", conv, [](npu_desc_t& d) { d.out_type = 2; }, NPU_ERR_BAD_OP},
        {"out_type int32 (last legal)", conv, [](npu_desc_t& d) { d.out_type = NPU_OUT_INT32; },
         NPU_ERR_NONE},
        {"act 3", conv, [](npu_desc_t& d) { d.act = NPU_ACT_LUT + 1; }, NPU_ERR_BAD_OP},
        {"act lut (last legal)", conv, [](npu_desc_t& d) { d.act = NPU_ACT_LUT; }, NPU_ERR_NONE},
        {"int32 output with an activation", conv,
         [](npu_desc_t& d) { d.out_type = NPU_OUT_INT32, d.act = NPU_ACT_RELU; }, NPU_ERR_BAD_OP},
        {"int32 output of an add", add, [](npu_desc_t& d) { d.out_type = NPU_OUT_INT32; },
         NPU_ERR_BAD_OP},
        {"activation on a pool", maxpool, [](npu_desc_t& d) { d.act = NPU_ACT_RELU; },
         NPU_ERR_BAD_OP},
        {"activation on an add (legal)", add, [](npu_desc_t& d) { d.act = NPU_ACT_RELU; },
         NPU_ERR_NONE},
        {"bias on a pool", maxpool, [](npu_desc_t& d) { d.flags |= NPU_DESC_F_BIAS; },
         NPU_ERR_BAD_OP},
        {"qtable on an add", add, [](npu_desc_t& d) { d.flags |= NPU_DESC_F_QTABLE; },
         NPU_ERR_BAD_OP},
        {"qtable with int32 output", conv,
         [](npu_desc_t& d) {
             d.flags |= NPU_DESC_F_QTABLE, d.out_type = NPU_OUT_INT32;
             d.qtable_addr = d.lut_addr;
         },
         NPU_ERR_BAD_OP},
        {"shift past the maximum", conv, [](npu_desc_t& d) { d.shift = NPU_REQUANT_MAX_SHIFT + 1; },
         NPU_ERR_BAD_SHAPE},
        {"shift at the maximum", conv, [](npu_desc_t& d) { d.shift = NPU_REQUANT_MAX_SHIFT; },
         NPU_ERR_NONE},
        // zero sizes
        {"c 0", conv, [](npu_desc_t& d) { d.c = 0; }, NPU_ERR_BAD_SHAPE},
        {"h 0", conv, [](npu_desc_t& d) { d.h = 0; }, NPU_ERR_BAD_SHAPE},
        {"w 0", conv, [](npu_desc_t& d) { d.w = 0; }, NPU_ERR_BAD_SHAPE},
        {"m 0", conv, [](npu_desc_t& d) { d.m = 0; }, NPU_ERR_BAD_SHAPE},
        {"e 0", conv, [](npu_desc_t& d) { d.e = 0; }, NPU_ERR_BAD_SHAPE},
        {"f 0", conv, [](npu_desc_t& d) { d.f = 0; }, NPU_ERR_BAD_SHAPE},
        // groups
        {"groups 0", conv, [](npu_desc_t& d) { d.groups = 0; }, NPU_ERR_BAD_SHAPE},
        {"groups not dividing c", conv, [](npu_desc_t& d) { d.groups = 3; }, NPU_ERR_BAD_SHAPE},
        {"groups not dividing m", conv, [](npu_desc_t& d) { d.m = 6, d.groups = 4; },
         NPU_ERR_BAD_SHAPE},
        {"groups = c = m (depthwise, last legal)", conv,
         [](npu_desc_t& d) { d.groups = 4, d.tile[NPU_DIM_C] = 1; }, NPU_ERR_NONE},
        // gemm is a 1x1 conv without stride, padding or groups
        {"gemm r 2", gemm, [](npu_desc_t& d) { d.r = 2; }, NPU_ERR_BAD_SHAPE},
        {"gemm s 2", gemm, [](npu_desc_t& d) { d.s = 2; }, NPU_ERR_BAD_SHAPE},
        {"gemm stride_h 2", gemm, [](npu_desc_t& d) { d.stride_h = 2; }, NPU_ERR_BAD_SHAPE},
        {"gemm stride_w 2", gemm, [](npu_desc_t& d) { d.stride_w = 2; }, NPU_ERR_BAD_SHAPE},
        {"gemm pad_top", gemm, [](npu_desc_t& d) { d.pad_top = 1; }, NPU_ERR_BAD_SHAPE},
        {"gemm pad_left", gemm, [](npu_desc_t& d) { d.pad_left = 1; }, NPU_ERR_BAD_SHAPE},
        {"gemm pad_bottom", gemm, [](npu_desc_t& d) { d.pad_bottom = 1; }, NPU_ERR_BAD_SHAPE},
        {"gemm pad_right", gemm, [](npu_desc_t& d) { d.pad_right = 1; }, NPU_ERR_BAD_SHAPE},
        {"gemm groups 2", gemm, [](npu_desc_t& d) { d.groups = 2; }, NPU_ERR_BAD_SHAPE},
        // the sliding window
        {"conv e off by one", conv, [](npu_desc_t& d) { d.e = 5; }, NPU_ERR_BAD_SHAPE},
        {"conv f off by one", conv, [](npu_desc_t& d) { d.f = 7; }, NPU_ERR_BAD_SHAPE},
        {"conv stride_h 0", conv, [](npu_desc_t& d) { d.stride_h = 0; }, NPU_ERR_BAD_SHAPE},
        {"conv stride_w 0", conv, [](npu_desc_t& d) { d.stride_w = 0; }, NPU_ERR_BAD_SHAPE},
        {"conv r 0", conv, [](npu_desc_t& d) { d.r = 0; }, NPU_ERR_BAD_SHAPE},
        {"conv r past the padded input", conv,
         [](npu_desc_t& d) { d.r = 9, d.e = 1, d.tile[NPU_DIM_Y] = 1, d.tile[NPU_DIM_K] = 9; },
         NPU_ERR_BAD_SHAPE},
        {"conv r = padded input (last legal)", conv,
         [](npu_desc_t& d) { d.r = 8, d.e = 1, d.tile[NPU_DIM_Y] = 1, d.tile[NPU_DIM_K] = 8; },
         NPU_ERR_NONE},
        // pools
        {"pool m != c", maxpool, [](npu_desc_t& d) { d.m = 3; }, NPU_ERR_BAD_SHAPE},
        {"maxpool e off by one", maxpool, [](npu_desc_t& d) { d.e = 2; }, NPU_ERR_BAD_SHAPE},
        {"maxpool f off by one", maxpool, [](npu_desc_t& d) { d.f = 4; }, NPU_ERR_BAD_SHAPE},
        {"gavgpool r != h", gavgpool, [](npu_desc_t& d) { d.r = 5; }, NPU_ERR_BAD_SHAPE},
        {"gavgpool s != w", gavgpool, [](npu_desc_t& d) { d.s = 5; }, NPU_ERR_BAD_SHAPE},
        {"gavgpool e 2", gavgpool, [](npu_desc_t& d) { d.e = 2; }, NPU_ERR_BAD_SHAPE},
        {"gavgpool f 2", gavgpool, [](npu_desc_t& d) { d.f = 2; }, NPU_ERR_BAD_SHAPE},
        {"gavgpool padding", gavgpool, [](npu_desc_t& d) { d.pad_right = 1; }, NPU_ERR_BAD_SHAPE},
        // eltwise
        {"add m != c", add, [](npu_desc_t& d) { d.m = 3; }, NPU_ERR_BAD_SHAPE},
        {"add e != h", add, [](npu_desc_t& d) { d.e = 5; }, NPU_ERR_BAD_SHAPE},
        {"add f != w", add, [](npu_desc_t& d) { d.f = 5; }, NPU_ERR_BAD_SHAPE},
        {"add r 2", add, [](npu_desc_t& d) { d.r = 2; }, NPU_ERR_BAD_SHAPE},
        {"add s 2", add, [](npu_desc_t& d) { d.s = 2; }, NPU_ERR_BAD_SHAPE},
        // strides: rows and channel planes must not overlap
        {"ifmap rows overlap", conv, [](npu_desc_t& d) { d.ifmap_row_stride = 5; },
         NPU_ERR_BAD_SHAPE},
        {"ifmap row stride = w (last legal)", conv, [](npu_desc_t& d) { d.ifmap_row_stride = 6; },
         NPU_ERR_NONE},
        {"ifmap planes overlap", conv, [](npu_desc_t& d) { d.ifmap_ch_stride = 35; },
         NPU_ERR_BAD_SHAPE},
        {"ifmap plane stride = h*w (last legal)", conv,
         [](npu_desc_t& d) { d.ifmap_ch_stride = 36; }, NPU_ERR_NONE},
        {"ofmap rows overlap", conv, [](npu_desc_t& d) { d.ofmap_row_stride = 5; },
         NPU_ERR_BAD_SHAPE},
        {"ofmap row stride = f (last legal)", conv, [](npu_desc_t& d) { d.ofmap_row_stride = 6; },
         NPU_ERR_NONE},
        {"ofmap planes overlap", conv, [](npu_desc_t& d) { d.ofmap_ch_stride = 35; },
         NPU_ERR_BAD_SHAPE},
        {"ofmap plane stride = e*f (last legal)", conv,
         [](npu_desc_t& d) { d.ofmap_ch_stride = 36; }, NPU_ERR_NONE},
        {"operand B rows overlap", add, [](npu_desc_t& d) { d.opb_row_stride = 5; },
         NPU_ERR_BAD_SHAPE},
        {"operand B row stride = w (last legal)", add, [](npu_desc_t& d) { d.opb_row_stride = 6; },
         NPU_ERR_NONE},
        {"operand B planes overlap", add, [](npu_desc_t& d) { d.opb_ch_stride = 35; },
         NPU_ERR_BAD_SHAPE},
        {"operand B plane stride = h*w (last legal)", add,
         [](npu_desc_t& d) { d.opb_ch_stride = 36; }, NPU_ERR_NONE},
        // tiling
        {"loop order dimension 6", conv, [](npu_desc_t& d) { d.loop_order[0] = NPU_DIMS; },
         NPU_ERR_BAD_TILING},
        {"loop order repeats a dimension", conv, [](npu_desc_t& d) { d.loop_order[5] = 0; },
         NPU_ERR_BAD_TILING},
        {"tile m 0", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_M] = 0; }, NPU_ERR_BAD_TILING},
        {"tile c 0", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_C] = 0; }, NPU_ERR_BAD_TILING},
        {"tile y 0", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_Y] = 0; }, NPU_ERR_BAD_TILING},
        {"tile x 0", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_X] = 0; }, NPU_ERR_BAD_TILING},
        {"tile k 0", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_K] = 0; }, NPU_ERR_BAD_TILING},
        {"tile l 0", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_L] = 0; }, NPU_ERR_BAD_TILING},
        {"tile m past its extent", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_M] = 5; },
         NPU_ERR_BAD_TILING},
        {"tile c past its extent", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_C] = 5; },
         NPU_ERR_BAD_TILING},
        {"tile y past its extent", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_Y] = 7; },
         NPU_ERR_BAD_TILING},
        {"tile x past its extent", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_X] = 7; },
         NPU_ERR_BAD_TILING},
        {"tile k past its extent", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_K] = 4; },
         NPU_ERR_BAD_TILING},
        {"tile l past its extent", conv, [](npu_desc_t& d) { d.tile[NPU_DIM_L] = 4; },
         NPU_ERR_BAD_TILING},
        {"tile c past c/groups", conv, [](npu_desc_t& d) { d.groups = 2; }, NPU_ERR_BAD_TILING},
        // addresses: the whole tensor in DRAM; the last legal address ends at DRAM's end
        {"ifmap below DRAM", conv, [](npu_desc_t& d) { d.ifmap_addr = kDramBase - 1; },
         NPU_ERR_ADDR_RANGE},
        {"ifmap one byte past DRAM", conv, [](npu_desc_t& d) { d.ifmap_addr = kEnd - 144 + 1; },
         NPU_ERR_ADDR_RANGE},
        {"ifmap ends at DRAM's end", conv, [](npu_desc_t& d) { d.ifmap_addr = kEnd - 144; },
         NPU_ERR_NONE},
        {"strided ifmap one byte past DRAM", conv,
         [](npu_desc_t& d) { d.ifmap_ch_stride = 40, d.ifmap_addr = kEnd - 156 + 1; },
         NPU_ERR_ADDR_RANGE},
        {"strided ifmap ends at DRAM's end", conv,
         [](npu_desc_t& d) { d.ifmap_ch_stride = 40, d.ifmap_addr = kEnd - 156; }, NPU_ERR_NONE},
        {"ofmap one byte past DRAM", conv, [](npu_desc_t& d) { d.ofmap_addr = kEnd - 144 + 1; },
         NPU_ERR_ADDR_RANGE},
        {"ofmap ends at DRAM's end", conv, [](npu_desc_t& d) { d.ofmap_addr = kEnd - 144; },
         NPU_ERR_NONE},
        {"int32 ofmap one byte past DRAM", conv,
         [](npu_desc_t& d) { d.out_type = NPU_OUT_INT32, d.ofmap_addr = kEnd - 576 + 1; },
         NPU_ERR_ADDR_RANGE},
        {"int32 ofmap ends at DRAM's end", conv,
         [](npu_desc_t& d) { d.out_type = NPU_OUT_INT32, d.ofmap_addr = kEnd - 576; },
         NPU_ERR_NONE},
        {"weights one byte past DRAM", conv, [](npu_desc_t& d) { d.weight_addr = kEnd - 144 + 1; },
         NPU_ERR_ADDR_RANGE},
        {"weights end at DRAM's end", conv, [](npu_desc_t& d) { d.weight_addr = kEnd - 144; },
         NPU_ERR_NONE},
        {"weights wrap the address space", conv, [](npu_desc_t& d) { d.weight_addr = 0xFFFFFFF0u; },
         NPU_ERR_ADDR_RANGE},
        {"operand B one byte past DRAM", add, [](npu_desc_t& d) { d.weight_addr = kEnd - 144 + 1; },
         NPU_ERR_ADDR_RANGE},
        {"operand B ends at DRAM's end", add, [](npu_desc_t& d) { d.weight_addr = kEnd - 144; },
         NPU_ERR_NONE},
        {"bias one byte past DRAM", conv, [](npu_desc_t& d) { d.bias_addr = kEnd - 16 + 1; },
         NPU_ERR_ADDR_RANGE},
        {"bias ends at DRAM's end", conv, [](npu_desc_t& d) { d.bias_addr = kEnd - 16; },
         NPU_ERR_NONE},
        {"qtable one byte past DRAM", conv,
         [](npu_desc_t& d) { d.flags |= NPU_DESC_F_QTABLE, d.qtable_addr = kEnd - 32 + 1; },
         NPU_ERR_ADDR_RANGE},
        {"qtable ends at DRAM's end", conv,
         [](npu_desc_t& d) { d.flags |= NPU_DESC_F_QTABLE, d.qtable_addr = kEnd - 32; },
         NPU_ERR_NONE},
        {"lut one byte past DRAM", conv,
         [](npu_desc_t& d) { d.act = NPU_ACT_LUT, d.lut_addr = kEnd - 256 + 1; },
         NPU_ERR_ADDR_RANGE},
        {"lut ends at DRAM's end", conv,
         [](npu_desc_t& d) { d.act = NPU_ACT_LUT, d.lut_addr = kEnd - 256; }, NPU_ERR_NONE},
        {"spilling kernel without a psum area", conv_psum, [](npu_desc_t& d) { d.psum_addr = 0; },
         NPU_ERR_NO_PSUM},
        {"psum one byte past DRAM", conv_psum, [](npu_desc_t& d) { d.psum_addr = kEnd - 576 + 1; },
         NPU_ERR_ADDR_RANGE},
        {"psum ends at DRAM's end", conv_psum, [](npu_desc_t& d) { d.psum_addr = kEnd - 576; },
         NPU_ERR_NONE},
        // scratchpad capacity (small_config: 4 KiB each, 2 KiB per half)
        {"ofmap footprint 2048 B (last legal)",
         [] {
             Base b = gemm();
             b.L.C = 4, b.L.W = 65;
             b.tile = {8, 4, 1, 64, 1, 1};
             return b;
         },
         [](npu_desc_t&) {}, NPU_ERR_NONE},
        {"ofmap footprint 2080 B",
         [] {
             Base b = gemm();
             b.L.C = 4, b.L.W = 65;
             b.tile = {8, 4, 1, 64, 1, 1};
             return b;
         },
         [](npu_desc_t& d) { d.tile[NPU_DIM_X] = 65; }, NPU_ERR_TILE_TOO_LARGE},
        // the bias rides with the accumulators, not with the weights
        {"weights 2048 B with bias (last legal)",
         [] {
             Base b = gemm();
             b.L.C = 65, b.L.M = 32, b.L.W = 1, b.L.bias = true;
             b.tile = {32, 64, 1, 1, 1, 1};
             b.order = kMCYXKL;
             return b;
         },
         [](npu_desc_t&) {}, NPU_ERR_NONE},
        {"weights 2080 B with bias",
         [] {
             Base b = gemm();
             b.L.C = 65, b.L.M = 32, b.L.W = 1, b.L.bias = true;
             b.tile = {32, 64, 1, 1, 1, 1};
             return b;
         },
         [](npu_desc_t& d) { d.tile[NPU_DIM_C] = 65; }, NPU_ERR_TILE_TOO_LARGE},
        {"accumulators + bias 2048 B (last legal)",
         [] {
             Base b = gemm();
             b.L.C = 4, b.L.W = 65, b.L.bias = true;
             b.tile = {8, 4, 1, 63, 1, 1};
             return b;
         },
         [](npu_desc_t&) {}, NPU_ERR_NONE},
        {"accumulators + bias 2080 B",
         [] {
             Base b = gemm();
             b.L.C = 4, b.L.W = 65, b.L.bias = true;
             b.tile = {8, 4, 1, 63, 1, 1};
             return b;
         },
         [](npu_desc_t& d) { d.tile[NPU_DIM_X] = 64; }, NPU_ERR_TILE_TOO_LARGE},
        {"ifmap footprint 2048 B (last legal)",
         [] {
             Base b = conv();
             b.L.C = 9, b.L.H = b.L.W = 16, b.L.M = 1, b.L.R = b.L.S = 16;
             b.L.pt = b.L.pl = b.L.pb = b.L.pr = 0, b.L.bias = false;
             b.tile = {1, 8, 1, 1, 16, 16};
             return b;
         },
         [](npu_desc_t&) {}, NPU_ERR_NONE},
        {"ifmap footprint 2304 B",
         [] {
             Base b = conv();
             b.L.C = 9, b.L.H = b.L.W = 16, b.L.M = 1, b.L.R = b.L.S = 16;
             b.L.pt = b.L.pl = b.L.pb = b.L.pr = 0, b.L.bias = false;
             b.tile = {1, 8, 1, 1, 16, 16};
             return b;
         },
         [](npu_desc_t& d) { d.tile[NPU_DIM_C] = 9; }, NPU_ERR_TILE_TOO_LARGE},
    };
    return r;
}

}  // namespace

TEST(NpuDescriptorChecks, OneCorruptedFieldPerRow) {
    for (const Row& row : rows())
        check(row);
}

// The table reaches every error code decode_kernel can return.
TEST(NpuDescriptorChecks, EveryErrorCodeHasARow) {
    std::array<int, 8> seen{};
    for (const Row& row : rows())
        ++seen.at(row.error);
    for (std::uint32_t e :
         {NPU_ERR_NONE, NPU_ERR_BAD_OP, NPU_ERR_TILE_TOO_LARGE, NPU_ERR_ADDR_RANGE,
          NPU_ERR_BAD_SHAPE, NPU_ERR_BAD_TILING, NPU_ERR_NO_PSUM})
        EXPECT_GT(seen[e], 0) << npu::error_name(e);
}
