// Hand-computed cycle counts of the systolic model (npu/systolic.h).
#include <gtest/gtest.h>

#include "npu/systolic.h"

using npu::Dataflow;
using npu::GemmShape;

TEST(Systolic, MappingPerDataflow) {
    // m = 8 filters, reduction 27 (3x3x3), 16 output pixels
    GemmShape os = npu::tile_gemm(Dataflow::os, 8, 27, 16);
    EXPECT_EQ(os.sr, 16u);
    EXPECT_EQ(os.t, 27u);
    EXPECT_EQ(os.sc, 8u);
    GemmShape ws = npu::tile_gemm(Dataflow::ws, 8, 27, 16);
    EXPECT_EQ(ws.sr, 27u);
    EXPECT_EQ(ws.t, 16u);
    EXPECT_EQ(ws.sc, 8u);
    GemmShape is = npu::tile_gemm(Dataflow::is, 8, 27, 16);
    EXPECT_EQ(is.sr, 27u);
    EXPECT_EQ(is.t, 8u);
    EXPECT_EQ(is.sc, 16u);
}

TEST(Systolic, OutputStationaryFullFolds) {
    // 4x4 array, 16 pixels x 8 filters, T = 27: folds = 4 * 2 = 8, each 27 + 4 + 4 - 2 = 33
    GemmShape g = npu::tile_gemm(Dataflow::os, 8, 27, 16);
    EXPECT_EQ(npu::fold_count(g, 4, 4), 8u);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::os, 4, 4, g), 8u * 33u);
}

TEST(Systolic, OutputStationaryPartialFolds) {
    // 4x4 array, 10 pixels x 5 filters, T = 9: folds ceil(10/4)=3 * ceil(5/4)=2 = 6,
    // partial folds cost as full: 6 * (9 + 4 + 4 - 2) = 90
    GemmShape g = npu::tile_gemm(Dataflow::os, 5, 9, 10);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::os, 4, 4, g), 90u);
}

TEST(Systolic, WeightStationary) {
    // 4x8 array (R=4, C=8), m=5, reduction 9, 10 pixels: Sr=9, Sc=5, T=10
    // folds ceil(9/4)=3 * ceil(5/8)=1 = 3, each 2*4 + 8 + 10 - 2 = 24 -> 72
    GemmShape g = npu::tile_gemm(Dataflow::ws, 5, 9, 10);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::ws, 4, 8, g), 72u);
}

TEST(Systolic, InputStationary) {
    // 4x8 array, m=5, reduction 9, 10 pixels: Sr=9, Sc=10, T=5
    // folds 3 * ceil(10/8)=2 = 6, each 8 + 8 + 5 - 2 = 19 -> 114
    GemmShape g = npu::tile_gemm(Dataflow::is, 5, 9, 10);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::is, 4, 8, g), 114u);
}

TEST(Systolic, SingleFoldExact) {
    // 32x32, one fold exactly full: os T=64 -> 64 + 62 = 126; ws T=64 -> 64+32+64-2 = 158
    EXPECT_EQ(npu::gemm_cycles(Dataflow::os, 32, 32, {32, 64, 32}), 126u);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::ws, 32, 32, {32, 64, 32}), 158u);
    EXPECT_EQ(npu::gemm_cycles(Dataflow::os, 32, 32, {0, 64, 32}), 0u);
}

TEST(Systolic, VectorUnitAndSramAccess) {
    EXPECT_EQ(npu::vector_cycles(32, 100), 4u);
    // os, 4x4, Sr=10, T=9, Sc=5: ifmap 10*9*2 folds of columns, weight 9*5*3 row folds
    auto a = npu::gemm_sram_access(Dataflow::os, 4, 4, {10, 9, 5});
    EXPECT_EQ(a.ifmap_reads, 180u);
    EXPECT_EQ(a.weight_reads, 135u);
    EXPECT_EQ(a.ofmap_rmw, 50u);
}
