// The reference GEMM of mac_bench (npu/model/tools/ref_gemm.h): its AVX2
// kernel and its scalar fallback give the textbook loop's int32 results,
// including edge sizes (m not a multiple of 6, odd k, n not a multiple of 16),
// extreme int16 operands and sums that wrap modulo 2^32.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "ref_gemm.h"

namespace {

struct Case {
    std::size_t m, k, n;
};

std::vector<std::int32_t> run(const ref_gemm::Packed& p, ref_gemm::Kernel kernel) {
    std::vector<std::int32_t> c(p.m * p.n, 0x5A5A5A5A);
    ref_gemm::gemm(p, c.data(), kernel);
    return c;
}

TEST(RefGemm, KernelsEqualTheTextbookLoop) {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> val(-255, 255);  // int8 - int8 zero point
    for (const Case& cs : {Case{1, 1, 1}, Case{6, 2, 16}, Case{7, 3, 17}, Case{13, 577, 49},
                           Case{64, 576, 100}, Case{5, 1030, 33}}) {
        std::vector<std::int16_t> a(cs.m * cs.k), b(cs.k * cs.n);
        for (auto& v : a)
            v = static_cast<std::int16_t>(val(rng));
        for (auto& v : b)
            v = static_cast<std::int16_t>(val(rng));
        std::vector<std::int32_t> want(cs.m * cs.n);
        ref_gemm::gemm_plain(a.data(), b.data(), want.data(), cs.m, cs.k, cs.n);
        ref_gemm::Packed p;
        ref_gemm::pack(p, a.data(), b.data(), cs.m, cs.k, cs.n);
        EXPECT_EQ(run(p, ref_gemm::Kernel::scalar), want) << cs.m << "x" << cs.k << "x" << cs.n;
        EXPECT_EQ(run(p, ref_gemm::Kernel::avx2), want) << cs.m << "x" << cs.k << "x" << cs.n;
        EXPECT_EQ(run(p, ref_gemm::Kernel::best), want) << cs.m << "x" << cs.k << "x" << cs.n;
    }
}

// -32768 * -32768 = 2^30: two of them in one vpmaddwd pair make 2^31, and
// 600 of them wrap around 2^32 several times; the expected value is computed
// by hand: 600 * 2^30 mod 2^32 = (600 mod 4) * 2^30 = 0.
TEST(RefGemm, ExtremeOperandsWrapModulo2To32) {
    const std::size_t m = 7, k = 600, n = 20;
    std::vector<std::int16_t> a(m * k, -32768), b(k * n, -32768);
    ref_gemm::Packed p;
    ref_gemm::pack(p, a.data(), b.data(), m, k, n);
    const std::vector<std::int32_t> zero(m * n, 0);
    EXPECT_EQ(run(p, ref_gemm::Kernel::scalar), zero);
    EXPECT_EQ(run(p, ref_gemm::Kernel::avx2), zero);
    // 601 products: 2^30 (601 mod 4 = 1).
    const std::size_t k1 = 601;
    std::vector<std::int16_t> a1(m * k1, -32768), b1(k1 * n, -32768);
    ref_gemm::pack(p, a1.data(), b1.data(), m, k1, n);
    const std::vector<std::int32_t> quarter(m * n, 1 << 30);
    EXPECT_EQ(run(p, ref_gemm::Kernel::scalar), quarter);
    EXPECT_EQ(run(p, ref_gemm::Kernel::avx2), quarter);
    std::vector<std::int32_t> plain(m * n);
    ref_gemm::gemm_plain(a1.data(), b1.data(), plain.data(), m, k1, n);
    EXPECT_EQ(plain, quarter);
}

TEST(RefGemm, AvxTwoIsPickedWhenTheCpuHasIt) {
#if defined(__x86_64__)
    EXPECT_EQ(ref_gemm::best_kernel(),
              __builtin_cpu_supports("avx2") ? ref_gemm::Kernel::avx2 : ref_gemm::Kernel::scalar);
#else
    EXPECT_EQ(ref_gemm::best_kernel(), ref_gemm::Kernel::scalar);
#endif
}

}  // namespace
