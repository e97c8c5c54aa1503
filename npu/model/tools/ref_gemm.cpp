// ref_gemm: see ref_gemm.h.
#include "ref_gemm.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define REF_GEMM_X86 1
#endif

namespace ref_gemm {

namespace {

constexpr std::size_t kMr = 6;    // rows of a register block
constexpr std::size_t kNr = 16;   // columns of a register block (two vectors of 8)
constexpr std::size_t kKc = 256;  // k pairs per block: a strip of b (16 KiB) stays in L1

std::size_t round_up(std::size_t v, std::size_t to) {
    return (v + to - 1) / to * to;
}

std::uint32_t pair_of(const std::int16_t* p) {  // two int16 as one 32-bit word
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// Padded c [mp][np]; every kernel writes all of it.
thread_local std::vector<std::int32_t> t_c;

void kernel_scalar(const Packed& p, std::int32_t* c) {
    const std::size_t pairs = p.kp / 2;
    std::fill(c, c + p.mp * p.np, 0);
    for (std::size_t s = 0; s < p.np / kNr; ++s) {
        const std::int16_t* bs = p.b.data() + s * pairs * 2 * kNr;
        for (std::size_t m = 0; m < p.m; ++m) {
            std::uint32_t acc[kNr] = {};
            const std::int16_t* am = p.a.data() + m * p.kp;
            for (std::size_t q = 0; q < pairs; ++q) {
                const std::int32_t a0 = am[2 * q], a1 = am[2 * q + 1];
                const std::int16_t* bq = bs + q * 2 * kNr;
                for (std::size_t j = 0; j < kNr; ++j)
                    acc[j] += static_cast<std::uint32_t>(a0 * bq[2 * j]) +
                              static_cast<std::uint32_t>(a1 * bq[2 * j + 1]);
            }
            for (std::size_t j = 0; j < kNr; ++j)
                c[m * p.np + s * kNr + j] = static_cast<std::int32_t>(acc[j]);
        }
    }
}

#ifdef REF_GEMM_X86
// One k block of a 6 x 16 register block: c (stride np) += a (stride kp) * b
// strip. vpmaddwd multiplies int16 pairs exactly and adds the two products
// in int32 (only -32768 * -32768 twice reaches 2^31, which wraps to the same
// value modulo 2^32); vpaddd wraps like the NPU's accumulator.
__attribute__((target("avx2"))) void block_avx2(const std::int16_t* a, std::size_t kp,
                                                const std::int16_t* b, std::size_t pairs,
                                                std::int32_t* c, std::size_t np, bool first) {
    __m256i c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    if (first) {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 =
            _mm256_setzero_si256();
    } else {
#define REF_LOAD(r)                                                             \
    c##r##0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + r * np)); \
    c##r##1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + r * np + 8));
        REF_LOAD(0) REF_LOAD(1) REF_LOAD(2) REF_LOAD(3) REF_LOAD(4) REF_LOAD(5)
#undef REF_LOAD
    }
    for (std::size_t q = 0; q < pairs; ++q) {
        const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + q * 32));
        const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + q * 32 + 16));
#define REF_ROW(r)                                                                           \
    {                                                                                        \
        const __m256i ar = _mm256_set1_epi32(static_cast<int>(pair_of(a + r * kp + 2 * q))); \
        c##r##0 = _mm256_add_epi32(c##r##0, _mm256_madd_epi16(b0, ar));                      \
        c##r##1 = _mm256_add_epi32(c##r##1, _mm256_madd_epi16(b1, ar));                      \
    }
        REF_ROW(0) REF_ROW(1) REF_ROW(2) REF_ROW(3) REF_ROW(4) REF_ROW(5)
#undef REF_ROW
    }
#define REF_STORE(r)                                                      \
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * np), c##r##0); \
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * np + 8), c##r##1);
    REF_STORE(0) REF_STORE(1) REF_STORE(2) REF_STORE(3) REF_STORE(4) REF_STORE(5)
#undef REF_STORE
}

void kernel_avx2(const Packed& p, std::int32_t* c) {
    const std::size_t pairs = p.kp / 2;
    for (std::size_t q0 = 0; q0 < pairs; q0 += kKc) {
        const std::size_t nq = std::min(kKc, pairs - q0);
        for (std::size_t s = 0; s < p.np / kNr; ++s) {
            const std::int16_t* bs = p.b.data() + (s * pairs + q0) * 2 * kNr;
            for (std::size_t m = 0; m < p.mp; m += kMr)
                block_avx2(p.a.data() + m * p.kp + 2 * q0, p.kp, bs, nq, c + m * p.np + s * kNr,
                           p.np, q0 == 0);
        }
    }
}
#endif

}  // namespace

void pack(Packed& p, const std::int16_t* a, const std::int16_t* b, std::size_t m, std::size_t k,
          std::size_t n) {
    p.m = m, p.k = k, p.n = n;
    p.mp = round_up(m, kMr), p.kp = round_up(k, 2), p.np = round_up(n, kNr);
    p.a.assign(p.mp * p.kp, 0);
    for (std::size_t i = 0; i < m; ++i)
        std::copy(a + i * k, a + i * k + k, p.a.data() + i * p.kp);
    p.b.assign(p.kp * p.np, 0);
    const std::size_t pairs = p.kp / 2;
    for (std::size_t kk = 0; kk < k; ++kk)
        for (std::size_t j = 0; j < n; ++j)
            p.b[((j / kNr * pairs + kk / 2) * kNr + j % kNr) * 2 + kk % 2] = b[kk * n + j];
}

Kernel best_kernel() {
#ifdef REF_GEMM_X86
    if (__builtin_cpu_supports("avx2")) return Kernel::avx2;
#endif
    return Kernel::scalar;
}

const char* kernel_name(Kernel k) {
    return k == Kernel::avx2 ? "avx2" : k == Kernel::scalar ? "scalar" : "best";
}

void gemm(const Packed& p, std::int32_t* c, Kernel kernel) {
    if (kernel == Kernel::best || kernel == Kernel::avx2) kernel = best_kernel();
    t_c.resize(p.mp * p.np);
#ifdef REF_GEMM_X86
    if (kernel == Kernel::avx2)
        kernel_avx2(p, t_c.data());
    else
#endif
        kernel_scalar(p, t_c.data());
    for (std::size_t i = 0; i < p.m; ++i)
        std::memcpy(c + i * p.n, t_c.data() + i * p.np, p.n * 4);
}

void gemm_plain(const std::int16_t* a, const std::int16_t* b, std::int32_t* c, std::size_t m,
                std::size_t k, std::size_t n) {
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            std::uint32_t s = 0;
            for (std::size_t kk = 0; kk < k; ++kk)
                s += static_cast<std::uint32_t>(std::int32_t{a[i * k + kk]} * b[kk * n + j]);
            c[i * n + j] = static_cast<std::int32_t>(s);
        }
}

}  // namespace ref_gemm
