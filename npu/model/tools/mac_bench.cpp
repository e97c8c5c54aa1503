// mac_bench: functional-mode MAC throughput of the NPU core model against an
// exact int8 reference GEMM of the same shapes, measured in the same run.
//
// Each ResNet-50-shaped convolution runs through npu::Core in functional mode
// (int32 output, so the raw accumulators come back) and through an im2col +
// blocked int32 GEMM compiled with the same flags; the two must give the same
// int32 accumulators. Prints the MAC/s of each (median of several runs) and
// their ratio; the last line is the geometric mean of the ratios.
//
//   mac_bench [runs]      (default 5)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "npu/core.h"
#include "npu_abi/npu_regs.h"

namespace {

constexpr std::uint64_t kBase = 0x80000000u;

// Flat DRAM without contention: the benchmark measures host time, not cycles.
class Dram : public npu::DmaPort {
  public:
    explicit Dram(std::size_t size) : m_mem(size) {}
    bool read(std::uint64_t addr, std::uint8_t* dst, std::uint32_t len, std::uint64_t request,
              std::uint64_t& done) override {
        std::memcpy(dst, m_mem.data() + (addr - kBase), len);
        done = request + len / 16 + 1;
        return true;
    }
    bool write(std::uint64_t addr, const std::uint8_t* src, std::uint32_t len,
               std::uint64_t request, std::uint64_t& done) override {
        std::memcpy(m_mem.data() + (addr - kBase), src, len);
        done = request + len / 16 + 1;
        return true;
    }
    std::uint8_t* at(std::uint64_t addr) { return m_mem.data() + (addr - kBase); }

  private:
    std::vector<std::uint8_t> m_mem;
};

struct Shape {
    const char* name;
    unsigned c, m, h, w, r, s, stride, pad;
};

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define MAC_BENCH_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MAC_BENCH_CLONES
#endif

// out[m][n] = sum_k a[m][k] * b[k][n] modulo 2^32, blocked over m (4 rows
// share each b row) and n (a block of accumulators stays in L1).
MAC_BENCH_CLONES void gemm_u32(const std::uint32_t* __restrict a, const std::uint32_t* __restrict b,
                               std::uint32_t* __restrict out, std::size_t M, std::size_t K,
                               std::size_t N) {
    constexpr std::size_t kNb = 256;
    std::fill(out, out + M * N, 0u);
    for (std::size_t n0 = 0; n0 < N; n0 += kNb) {
        const std::size_t nb = std::min(kNb, N - n0);
        std::size_t m = 0;
        for (; m + 4 <= M; m += 4) {
            std::uint32_t* __restrict o0 = out + m * N + n0;
            std::uint32_t* __restrict o1 = o0 + N;
            std::uint32_t* __restrict o2 = o1 + N;
            std::uint32_t* __restrict o3 = o2 + N;
            for (std::size_t k = 0; k < K; ++k) {
                const std::uint32_t a0 = a[m * K + k], a1 = a[(m + 1) * K + k],
                                    a2 = a[(m + 2) * K + k], a3 = a[(m + 3) * K + k];
                const std::uint32_t* br = b + k * N + n0;
                for (std::size_t n = 0; n < nb; ++n) {
                    const std::uint32_t v = br[n];
                    o0[n] += a0 * v;
                    o1[n] += a1 * v;
                    o2[n] += a2 * v;
                    o3[n] += a3 * v;
                }
            }
        }
        for (; m < M; ++m)
            for (std::size_t k = 0; k < K; ++k) {
                const std::uint32_t a0 = a[m * K + k];
                const std::uint32_t* br = b + k * N + n0;
                std::uint32_t* o0 = out + m * N + n0;
                for (std::size_t n = 0; n < nb; ++n)
                    o0[n] += a0 * br[n];
            }
    }
}

// Reference convolution: im2col of (x - zp_in), weights (w - zp_w), GEMM.
void reference_conv(const Shape& s, unsigned e, unsigned f, const std::int8_t* in,
                    const std::int8_t* wt, int zpi, int zpw, std::vector<std::uint32_t>& col,
                    std::vector<std::uint32_t>& a, std::vector<std::uint32_t>& out) {
    const std::size_t K = std::size_t{s.c} * s.r * s.s, N = std::size_t{e} * f;
    col.assign(K * N, 0u);
    for (unsigned c = 0; c < s.c; ++c)
        for (unsigned kr = 0; kr < s.r; ++kr)
            for (unsigned ks = 0; ks < s.s; ++ks) {
                std::uint32_t* row = col.data() + ((std::size_t{c} * s.r + kr) * s.s + ks) * N;
                for (unsigned y = 0; y < e; ++y) {
                    const long ih = long(y) * s.stride + kr - s.pad;
                    if (ih < 0 || ih >= long(s.h)) continue;
                    for (unsigned x = 0; x < f; ++x) {
                        const long iw = long(x) * s.stride + ks - s.pad;
                        if (iw < 0 || iw >= long(s.w)) continue;
                        row[std::size_t{y} * f + x] = static_cast<std::uint32_t>(
                            in[(std::size_t{c} * s.h + ih) * s.w + iw] - zpi);
                    }
                }
            }
    a.resize(std::size_t{s.m} * K);
    for (std::size_t i = 0; i < a.size(); ++i)
        a[i] = static_cast<std::uint32_t>(wt[i] - zpw);
    out.resize(std::size_t{s.m} * N);
    gemm_u32(a.data(), col.data(), out.data(), s.m, K, N);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    // ResNet-50 convolutions: one 3x3 per stage, a 1x1 and a strided 3x3.
    const Shape shapes[] = {
        {"conv2_3x3", 64, 64, 56, 56, 3, 3, 1, 1},   {"conv2_1x1", 256, 64, 56, 56, 1, 1, 1, 0},
        {"conv3_3x3", 128, 128, 28, 28, 3, 3, 1, 1}, {"conv3_s2", 128, 128, 56, 56, 3, 3, 2, 1},
        {"conv4_3x3", 256, 256, 14, 14, 3, 3, 1, 1}, {"conv5_3x3", 512, 512, 7, 7, 3, 3, 1, 1},
    };
    std::printf("%-10s %12s %14s %14s %7s\n", "kernel", "MACs", "npu MAC/s", "gemm MAC/s", "ratio");
    double log_sum = 0;
    int n_ratio = 0;
    bool all_exact = true;
    for (const Shape& s : shapes) {
        const unsigned e = (s.h + 2 * s.pad - s.r) / s.stride + 1,
                       f = (s.w + 2 * s.pad - s.s) / s.stride + 1;
        const std::uint64_t in = std::uint64_t{s.c} * s.h * s.w,
                            wn = std::uint64_t{s.m} * s.c * s.r * s.s,
                            out = std::uint64_t{s.m} * e * f;
        npu::CoreConfig cfg;
        cfg.functional = true;
        cfg.dram_base = kBase;
        cfg.dram_size = (in + wn + 4 * out * 2 + 4096 + 0xFFFFF) & ~std::uint64_t{0xFFFFF};
        Dram dram(cfg.dram_size);

        npu_desc_t d{};
        d.op = NPU_OP_CONV;
        d.out_type = NPU_OUT_INT32;
        d.flags = NPU_DESC_F_LAST;
        d.c = static_cast<std::uint16_t>(s.c), d.h = static_cast<std::uint16_t>(s.h);
        d.w = static_cast<std::uint16_t>(s.w), d.m = static_cast<std::uint16_t>(s.m);
        d.e = static_cast<std::uint16_t>(e), d.f = static_cast<std::uint16_t>(f);
        d.r = static_cast<std::uint16_t>(s.r), d.s = static_cast<std::uint16_t>(s.s);
        d.stride_h = d.stride_w = static_cast<std::uint8_t>(s.stride);
        d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = static_cast<std::uint8_t>(s.pad);
        d.groups = 1;
        d.zp_in = 3, d.zp_w = -2;
        d.ifmap_addr = static_cast<std::uint32_t>(kBase);
        d.weight_addr = static_cast<std::uint32_t>(kBase + ((in + 63) & ~63ull));
        d.ofmap_addr = static_cast<std::uint32_t>(d.weight_addr + ((wn + 63) & ~63ull));
        d.psum_addr = static_cast<std::uint32_t>(d.ofmap_addr + ((4 * out + 63) & ~63ull));
        // The first tiling (m by 32, most input channels, fewest row bands) the
        // core accepts; c innermost after x so psums stay on chip when they can.
        const std::uint8_t order[6] = {0, 2, 3, 1, 4, 5};
        std::memcpy(d.loop_order, order, 6);
        bool found = false;
        npu::Core core(cfg);
        for (unsigned tc = s.c; tc >= 1 && !found; tc /= 2)
            for (unsigned ty = e; ty >= 1 && !found; ty = ty > 1 ? (ty + 1) / 2 : 0) {
                const unsigned T[6] = {std::min(s.m, 32u), tc, ty, f, s.r, s.s};
                for (int i = 0; i < 6; ++i)
                    d.tile[i] = static_cast<std::uint16_t>(T[i]);
                npu::Kernel k;
                if (npu::decode_kernel(d, cfg, k) != NPU_ERR_NONE) continue;
                found = true;
            }
        if (!found) {
            std::printf("%-10s no tiling fits the scratchpads\n", s.name);
            return 1;
        }

        std::mt19937 rng(12345);
        std::uniform_int_distribution<int> byte(-128, 127);
        std::int8_t* ip = reinterpret_cast<std::int8_t*>(dram.at(d.ifmap_addr));
        std::int8_t* wp = reinterpret_cast<std::int8_t*>(dram.at(d.weight_addr));
        for (std::uint64_t i = 0; i < in; ++i)
            ip[i] = static_cast<std::int8_t>(byte(rng));
        for (std::uint64_t i = 0; i < wn; ++i)
            wp[i] = static_cast<std::int8_t>(byte(rng));

        const std::uint64_t macs = out * s.c * s.r * s.s;
        std::vector<double> t_npu, t_ref;
        std::vector<std::uint32_t> col, a, ref;
        for (int i = 0; i < runs; ++i) {
            auto t0 = std::chrono::steady_clock::now();
            const npu::KernelStats st = core.run(d, dram);
            t_npu.push_back(seconds_since(t0));
            if (st.error) {
                std::printf("%-10s npu error %s\n", s.name, npu::error_name(st.error));
                return 1;
            }
            t0 = std::chrono::steady_clock::now();
            reference_conv(s, e, f, ip, wp, d.zp_in, d.zp_w, col, a, ref);
            t_ref.push_back(seconds_since(t0));
        }
        const bool exact = std::memcmp(ref.data(), dram.at(d.ofmap_addr), 4 * out) == 0;
        all_exact = all_exact && exact;
        const double npu_rate = double(macs) / median(t_npu),
                     ref_rate = double(macs) / median(t_ref), ratio = npu_rate / ref_rate;
        log_sum += std::log(ratio);
        ++n_ratio;
        std::printf("%-10s %12llu %14.3e %14.3e %7.3f%s\n", s.name, (unsigned long long)macs,
                    npu_rate, ref_rate, ratio, exact ? "" : "  MISMATCH");
    }
    std::printf("mac_ratio %.3f (geometric mean of npu/gemm MAC/s, %d runs each, median)\n",
                std::exp(log_sum / n_ratio), runs);
    if (!all_exact) {
        std::printf("mac_bench: the core's int32 accumulators differ from the reference GEMM\n");
        return 1;
    }
    return 0;
}
