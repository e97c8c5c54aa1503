// The functional MAC of conv/gemm tiles (npu/model/src/mac.cpp) on each of
// its kernels this CPU has (portable C++, SSE2, AVX2, AVX-512 VNNI): the core's
// int32 accumulators and int8 outputs equal a naive reference for shapes that
// exercise every path: the footprint turned channels-last in blocks and
// element by element, the int16 GEMM with its padding of k (odd C*R*S), of
// output channels (M not a multiple of 16 or 6) and of the last register
// block, the 1x1 case that uses the footprint directly, strided and padded
// windows split across tiles, psums, and the uint32 path for grouped
// convolutions and for zero points too large for int16 operands (including
// the largest that still take the int16 path).
#include <gtest/gtest.h>

#include <string>

#include "mac.h"
#include "npu/core.h"
#include "npu_abi/npu_regs.h"
#include "npu_test_util.h"

using namespace npu_test;

namespace {

// Accumulators by hand, every add modulo 2^32 (the reference of
// npu_test_util.h computes in int, which overflows for extreme zero points).
std::vector<std::int32_t> wrapping_reference(const Layer& L, const Tensors& t) {
    const unsigned E = L.E(), F = L.F(), cg = L.C / L.groups, mg = L.M / L.groups;
    std::vector<std::int32_t> out(std::size_t{L.M} * E * F);
    for (unsigned m = 0; m < L.M; ++m)
        for (unsigned y = 0; y < E; ++y)
            for (unsigned x = 0; x < F; ++x) {
                std::uint32_t acc = L.bias ? static_cast<std::uint32_t>(t.bias[m]) : 0;
                for (unsigned c = 0; c < cg; ++c)
                    for (unsigned k = 0; k < L.R; ++k)
                        for (unsigned l = 0; l < L.S; ++l) {
                            const long r = long(y * L.stride_h + k) - L.pt;
                            const long q = long(x * L.stride_w + l) - L.pl;
                            if (r < 0 || r >= long(L.H) || q < 0 || q >= long(L.W)) continue;
                            const unsigned ch = (m / mg) * cg + c;
                            const std::int64_t xv = t.in[(ch * L.H + r) * L.W + q] - L.zp_in;
                            const std::int64_t wv =
                                t.w[((m * cg + c) * L.R + k) * L.S + l] - L.zp_w;
                            acc += static_cast<std::uint32_t>(xv * wv);
                        }
                out[(std::size_t{m} * E + y) * F + x] = static_cast<std::int32_t>(acc);
            }
    return out;
}

std::vector<std::int32_t> run_core(const Layer& L, std::array<unsigned, 6> tile,
                                   std::array<unsigned, 6> order, std::uint32_t seed = 5) {
    TestDram dram(1 << 20);
    const Tensors t = make_tensors(L, seed);
    const Addrs a = place(L, t, dram.mem);
    npu::CoreConfig cfg = small_config(true);
    cfg.ifmap_bytes = cfg.weight_bytes = cfg.ofmap_bytes = 64 * 1024;
    npu::Core core(cfg);
    const npu::KernelStats st = core.run(make_desc(L, a, tile, order, npu::Dataflow::os), dram);
    EXPECT_EQ(st.error, NPU_ERR_NONE) << npu::error_name(st.error);
    return read_output(L, a, dram.mem);
}

struct Case {
    const char* name;
    Layer L;
    std::array<unsigned, 6> tile, order;
    bool int_reference;  // also the int reference of npu_test_util.h (no overflow)
};

std::vector<Case> cases() {
    std::vector<Case> v;
    Layer L;
    // 3x3, pad 1, C*R*S = 45 (odd), M = 19, windows split over k and l tiles
    // (psums between them), int8 outputs with bias.
    L.C = 5, L.H = 9, L.W = 11, L.M = 19, L.R = 3, L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    L.zp_in = 3, L.zp_w = -2, L.bias = true;
    v.push_back({"conv3x3_split", L, {7, 3, 4, 5, 3, 2}, kCKLMYX, true});
    v.push_back({"conv3x3_whole", L, {19, 5, 9, 11, 3, 3}, kMCYXKL, true});
    // 16 + 3 channels and 5 x 7 pixels: blocks of 8 x 8 and the rest, when
    // the footprint is turned channels-last.
    L = Layer{};
    L.C = 19, L.H = 5, L.W = 7, L.M = 21, L.R = 3, L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    L.zp_in = -5, L.zp_w = 7, L.int32_out = true;
    v.push_back({"conv3x3_c19", L, {21, 19, 5, 7, 3, 3}, kMCYXKL, true});
    v.push_back({"conv3x3_c19_split", L, {8, 11, 3, 4, 2, 3}, kYXKMLC, true});
    // 1x1 with whole rows: the footprint serves as the GEMM's rows.
    L = Layer{};
    L.C = 8, L.H = 8, L.W = 8, L.M = 20, L.zp_in = -7, L.zp_w = 4, L.int32_out = true;
    v.push_back({"conv1x1_direct", L, {20, 8, 8, 8, 1, 1}, kMCYXKL, true});
    v.push_back({"conv1x1_partial_rows", L, {17, 6, 3, 5, 1, 1}, kYXKMLC, true});
    // 1x1 stride 2: the footprint skips rows and columns.
    L.H = L.W = 9, L.stride_h = L.stride_w = 2, L.C = 6;
    v.push_back({"conv1x1_stride2", L, {20, 6, 5, 5, 1, 1}, kMCYXKL, true});
    // 3x3 stride 2, asymmetric padding.
    L = Layer{};
    L.C = 6, L.H = 10, L.W = 9, L.M = 33, L.R = 3, L.S = 3, L.stride_h = L.stride_w = 2;
    L.pt = 1, L.pl = 0, L.pb = 0, L.pr = 1, L.zp_in = 1, L.int32_out = true;
    v.push_back({"conv3x3_stride2", L, {33, 6, 2, 3, 3, 3}, kMCYXKL, true});
    // gemm.
    L = Layer{};
    L.op = NPU_OP_GEMM, L.C = 40, L.M = 9, L.zp_in = -3, L.zp_w = 5, L.int32_out = true;
    v.push_back({"gemm", L, {9, 16, 1, 1, 1, 1}, kCKLMYX, true});
    // Grouped and depthwise: the uint32 path.
    L = Layer{};
    L.C = 4, L.H = 6, L.W = 6, L.M = 6, L.R = 3, L.S = 3, L.groups = 2;
    L.pt = L.pl = L.pb = L.pr = 1, L.zp_in = 1, L.zp_w = 2, L.int32_out = true;
    v.push_back({"grouped", L, {3, 2, 6, 6, 3, 3}, kMCYXKL, true});
    L.C = L.M = L.groups = 4;
    v.push_back({"depthwise", L, {4, 1, 6, 6, 3, 3}, kMCYXKL, true});
    // Zero points at the int16 path's limit and past it (uint32 path).
    L = Layer{};
    L.C = 7, L.H = 5, L.W = 6, L.M = 18, L.R = 3, L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    L.int32_out = true;
    L.zp_in = 32640, L.zp_w = -32640;
    v.push_back({"zero_points_int16_limit", L, {18, 7, 5, 6, 3, 3}, kMCYXKL, false});
    L.zp_in = -32641, L.zp_w = 32641;  // 127 + 32641 and -128 - 32641 leave int16
    v.push_back({"zero_points_just_past_int16", L, {18, 7, 5, 6, 3, 3}, kMCYXKL, false});
    L.zp_in = -32768, L.zp_w = 32767;
    v.push_back({"zero_points_past_int16", L, {18, 7, 5, 6, 3, 3}, kMCYXKL, false});
    return v;
}

class NpuMacKernels : public ::testing::TestWithParam<npu::MacKernel> {
  protected:
    void TearDown() override { npu::set_mac_kernel(npu::MacKernel::best); }
};

TEST_P(NpuMacKernels, EqualTheReference) {
    if (!npu::mac_kernel_supported(GetParam()))
        GTEST_SKIP() << "this CPU lacks " << npu::mac_kernel_name(GetParam());
    npu::set_mac_kernel(GetParam());
    ASSERT_EQ(npu::mac_kernel(), GetParam());
    for (const Case& cs : cases()) {
        SCOPED_TRACE(cs.name);
        const Tensors t = make_tensors(cs.L, 5);
        const std::vector<std::int32_t> got = run_core(cs.L, cs.tile, cs.order);
        if (cs.L.int32_out) {
            EXPECT_EQ(got, wrapping_reference(cs.L, t));
        }
        if (cs.int_reference) {
            EXPECT_EQ(got, reference(cs.L, t));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Kernels, NpuMacKernels,
                         ::testing::Values(npu::MacKernel::scalar, npu::MacKernel::sse2,
                                           npu::MacKernel::avx2, npu::MacKernel::avx512),
                         [](const ::testing::TestParamInfo<npu::MacKernel>& p) {
                             return std::string(p.param == npu::MacKernel::avx512
                                                    ? "avx512"
                                                    : npu::mac_kernel_name(p.param));
                         });

// The GEMM's rows are kept between tiles while the footprint's bytes and
// geometry are unchanged: the same layer on other data, at the same addresses
// in a fresh core, must not reuse them (nor must the next tile's reload).
TEST(NpuMacKernel, RowsAreRebuiltWhenTheBytesChange) {
    Layer L;
    L.C = 16, L.H = 6, L.W = 8, L.M = 24, L.R = 3, L.S = 3, L.pt = L.pl = L.pb = L.pr = 1;
    L.zp_in = 2, L.int32_out = true;
    for (std::uint32_t seed : {11u, 12u, 11u}) {
        SCOPED_TRACE(seed);
        EXPECT_EQ(run_core(L, {8, 16, 6, 8, 3, 3}, kYXKMLC, seed),
                  wrapping_reference(L, make_tensors(L, seed)));
    }
}

// The start-up choice is the best kernel the CPU has.
TEST(NpuMacKernel, BestIsPickedAtStartUp) {
    const npu::MacKernel best =
        npu::mac_kernel_supported(npu::MacKernel::avx512) ? npu::MacKernel::avx512
        : npu::mac_kernel_supported(npu::MacKernel::avx2) ? npu::MacKernel::avx2
        : npu::mac_kernel_supported(npu::MacKernel::sse2) ? npu::MacKernel::sse2
                                                          : npu::MacKernel::scalar;
    npu::set_mac_kernel(npu::MacKernel::best);
    EXPECT_EQ(npu::mac_kernel(), best);
}

}  // namespace
