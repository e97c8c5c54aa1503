// mac_bench: functional-mode MAC throughput of the NPU core model against an
// exact int8 reference GEMM of the same shapes, measured in the same run.
//
// Each ResNet-50-shaped convolution runs through npu::Core in functional mode
// (int32 output, so the raw accumulators come back) and through the reference
// (ref_gemm.h): im2col of x - zp_in and weights w - zp_w as int16, then a GEMM
// with AVX2 vpmaddwd and int32 accumulators in registers (scalar fallback
// without AVX2). The core, the dispatched reference kernel, its scalar
// fallback and the textbook loop must give the same int32 accumulators.
// Prints the MAC/s of the core and of the reference GEMM alone (median of
// several runs, thread CPU time), their ratio, and the reference's MAC/s with its im2col; the
// last line is the geometric mean of the ratios.
//
//   mac_bench [runs] [kernel]   (default 5 runs; kernel: the core's MAC kernel,
//                                best | scalar | sse2 | avx2 | avx512, default best)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "mac.h"
#include "npu/core.h"
#include "npu_abi/npu_regs.h"
#include "ref_gemm.h"

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

// Reference convolution, operands: im2col of (x - zp_in) (0 for padding) as
// b [C*R*S][E*F] and weights (w - zp_w) as a [M][C*R*S], packed for the GEMM.
void reference_operands(const Shape& s, unsigned e, unsigned f, const std::int8_t* in,
                        const std::int8_t* wt, int zpi, int zpw, std::vector<std::int16_t>& col,
                        std::vector<std::int16_t>& a, ref_gemm::Packed& packed) {
    const std::size_t K = std::size_t{s.c} * s.r * s.s, N = std::size_t{e} * f;
    col.assign(K * N, 0);
    for (unsigned c = 0; c < s.c; ++c)
        for (unsigned kr = 0; kr < s.r; ++kr)
            for (unsigned ks = 0; ks < s.s; ++ks) {
                std::int16_t* row = col.data() + ((std::size_t{c} * s.r + kr) * s.s + ks) * N;
                for (unsigned y = 0; y < e; ++y) {
                    const long ih = long(y) * s.stride + kr - s.pad;
                    if (ih < 0 || ih >= long(s.h)) continue;
                    for (unsigned x = 0; x < f; ++x) {
                        const long iw = long(x) * s.stride + ks - s.pad;
                        if (iw < 0 || iw >= long(s.w)) continue;
                        row[std::size_t{y} * f + x] = static_cast<std::int16_t>(
                            in[(std::size_t{c} * s.h + ih) * s.w + iw] - zpi);
                    }
                }
            }
    a.resize(std::size_t{s.m} * K);
    for (std::size_t i = 0; i < a.size(); ++i)
        a[i] = static_cast<std::int16_t>(wt[i] - zpw);
    ref_gemm::pack(packed, a.data(), col.data(), s.m, K, N);
}

// This thread's CPU time: the machine is shared, and time spent waiting for
// a core would count against whichever side was unlucky.
double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    if (argc > 2) {
        const std::string name = argv[2];
        npu::MacKernel k = npu::MacKernel::best;
        for (npu::MacKernel c : {npu::MacKernel::scalar, npu::MacKernel::sse2, npu::MacKernel::avx2,
                                 npu::MacKernel::avx512})
            if (name == npu::mac_kernel_name(c) ||
                (c == npu::MacKernel::avx512 && name == "avx512"))
                k = c;
        if (k == npu::MacKernel::best && name != "best") {
            std::fprintf(stderr,
                         "mac_bench: unknown kernel '%s' (best, scalar, sse2, avx2, avx512)\n",
                         name.c_str());
            return 2;
        }
        if (k != npu::MacKernel::best && !npu::mac_kernel_supported(k)) {
            std::fprintf(stderr, "mac_bench: this CPU has no %s\n", npu::mac_kernel_name(k));
            return 2;
        }
        npu::set_mac_kernel(k);
    }
    // ResNet-50 convolutions: one 3x3 per stage, a 1x1 and a strided 3x3.
    const Shape shapes[] = {
        {"conv2_3x3", 64, 64, 56, 56, 3, 3, 1, 1},   {"conv2_1x1", 256, 64, 56, 56, 1, 1, 1, 0},
        {"conv3_3x3", 128, 128, 28, 28, 3, 3, 1, 1}, {"conv3_s2", 128, 128, 56, 56, 3, 3, 2, 1},
        {"conv4_3x3", 256, 256, 14, 14, 3, 3, 1, 1}, {"conv5_3x3", 512, 512, 7, 7, 3, 3, 1, 1},
    };
    std::printf("reference GEMM kernel: %s\n", ref_gemm::kernel_name(ref_gemm::best_kernel()));
    std::printf("core MAC kernel: %s\n", npu::mac_kernel_name(npu::mac_kernel()));
    std::printf("%-10s %12s %14s %14s %7s %14s\n", "kernel", "MACs", "npu MAC/s", "gemm MAC/s",
                "ratio", "im2col+gemm");
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
        std::vector<double> t_npu, t_gemm, t_conv;
        std::vector<std::int16_t> col, a;
        ref_gemm::Packed packed;
        std::vector<std::int32_t> ref(out);
        for (int i = 0; i < runs; ++i) {
            double t0 = cpu_now();
            const npu::KernelStats st = core.run(d, dram);
            t_npu.push_back(cpu_now() - t0);
            if (st.error) {
                std::printf("%-10s npu error %s\n", s.name, npu::error_name(st.error));
                return 1;
            }
            // The reference: operands (im2col, pack), then the GEMM alone,
            // whose MAC/s is the ratio's denominator.
            t0 = cpu_now();
            reference_operands(s, e, f, ip, wp, d.zp_in, d.zp_w, col, a, packed);
            const double t1 = cpu_now();
            ref_gemm::gemm(packed, ref.data());
            t_gemm.push_back(cpu_now() - t1);
            t_conv.push_back(cpu_now() - t0);
        }
        // The dispatched kernel, the scalar fallback, the textbook loop and
        // the core must all give the same int32 accumulators.
        std::vector<std::int32_t> check(out);
        ref_gemm::gemm(packed, check.data(), ref_gemm::Kernel::scalar);
        bool exact = check == ref;
        ref_gemm::gemm_plain(a.data(), col.data(), check.data(), s.m, std::size_t{s.c} * s.r * s.s,
                             std::size_t{e} * f);
        exact = exact && check == ref;
        exact = exact && std::memcmp(ref.data(), dram.at(d.ofmap_addr), 4 * out) == 0;
        all_exact = all_exact && exact;
        const double npu_rate = double(macs) / median(t_npu),
                     ref_rate = double(macs) / median(t_gemm), ratio = npu_rate / ref_rate;
        log_sum += std::log(ratio);
        ++n_ratio;
        std::printf("%-10s %12llu %14.3e %14.3e %7.3f %14.3e%s\n", s.name, (unsigned long long)macs,
                    npu_rate, ref_rate, ratio, double(macs) / median(t_conv),
                    exact ? "" : "  MISMATCH");
    }
    std::printf("mac_ratio %.3f (geometric mean of npu/gemm MAC/s, %d runs each, median)\n",
                std::exp(log_sum / n_ratio), runs);
    if (!all_exact) {
        std::printf(
            "mac_bench: the core, the reference GEMM kernels and the textbook loop disagree\n");
        return 1;
    }
    return 0;
}
