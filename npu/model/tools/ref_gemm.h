// ref_gemm: an exact int16 x int16 -> int32 GEMM (every add wraps modulo 2^32),
// the reference that mac_bench measures the NPU core's functional MAC loop
// against. An int8 convolution with zero points is this GEMM on x - zp_in and
// w - zp_w, which fit int16 for |zp| <= 32640.
//
// The AVX2 kernel multiplies pairs of int16 with vpmaddwd into int32
// accumulators held in registers (6 rows x 16 columns), blocked over k; it is
// picked at run time (__builtin_cpu_supports), with a scalar kernel on the
// same packed operands as the fallback. gemm_plain is the textbook triple
// loop both are checked against (tests/npu/test_ref_gemm.cpp, mac_bench).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ref_gemm {

// Operands in the kernels' layout: a as [Mp][Kp] (rows padded to a multiple
// of 6, k to a multiple of 2, zeros), b as column strips of 16:
// [Np/16][Kp/2][16][2] (pairs of consecutive k next to each other).
struct Packed {
    std::size_t m = 0, k = 0, n = 0, mp = 0, kp = 0, np = 0;
    std::vector<std::int16_t> a, b;
};

// a: [m][k], b: [k][n], row-major.
void pack(Packed& p, const std::int16_t* a, const std::int16_t* b, std::size_t m, std::size_t k,
          std::size_t n);

enum class Kernel { best, avx2, scalar };
// The kernel `best` stands for on this machine (avx2 when the CPU has it).
Kernel best_kernel();
const char* kernel_name(Kernel k);

// c[m][n] = sum_k a[m][k] * b[k][n] modulo 2^32, c row-major [m][n].
// Kernel::avx2 on a CPU without AVX2 falls back to the scalar kernel.
void gemm(const Packed& p, std::int32_t* c, Kernel kernel = Kernel::best);

// The textbook triple loop on the unpacked operands (the check).
void gemm_plain(const std::int16_t* a, const std::int16_t* b, std::int32_t* c, std::size_t m,
                std::size_t k, std::size_t n);

}  // namespace ref_gemm
