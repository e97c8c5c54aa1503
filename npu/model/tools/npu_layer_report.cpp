// npu_layer_report: cycles and DRAM bytes of one convolution layer on the NPU
// core under os, ws and is (plain C++, no SystemC, timing mode).
//
// The tiling is chosen per dataflow by exhaustive search over a small
// candidate set: tile sizes for m and c among the multiples of the array size
// and powers of two up to the extent, y and x among the divisors of the output
// size, k and l whole (R, S), at most 1024 inter-tile iterations; every order
// of the active loops. Candidates whose
// footprints do not fit half of each scratchpad are rejected by the core's own
// check. The winner has the fewest cycles, then the fewest DRAM bytes. The
// same layer is also reported with one fixed tiling for all three dataflows.
//
//   npu_layer_report [C M H W R S stride pad [rows cols kb [bw latency]]]
// Default: ResNet-50 conv3_x 3x3 (C=M=128, 28x28, pad 1) on 32x32 with 64 KiB.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "npu/core.h"
#include "npu_abi/npu_regs.h"

namespace {

constexpr std::uint64_t kBase = 0x80000000u;

// DRAM with shared bandwidth and latency (the vp::Memory model).
class Dram : public npu::DmaPort {
  public:
    Dram(std::size_t size, double bw, unsigned latency)
        : m_mem(size), m_bw(bw), m_latency(latency) {}
    bool read(std::uint64_t addr, std::uint8_t* dst, std::uint32_t len, std::uint64_t request,
              std::uint64_t& done) override {
        std::memcpy(dst, m_mem.data() + (addr - kBase), len);
        done = timing(len, request);
        return true;
    }
    bool write(std::uint64_t addr, const std::uint8_t* src, std::uint32_t len,
               std::uint64_t request, std::uint64_t& done) override {
        std::memcpy(m_mem.data() + (addr - kBase), src, len);
        done = timing(len, request);
        return true;
    }
    void reset() { m_busy = 0; }

  private:
    std::uint64_t timing(std::uint32_t len, std::uint64_t request) {
        const std::uint64_t start = std::max(request, m_busy);
        m_busy = start + static_cast<std::uint64_t>((len + m_bw - 1) / m_bw);
        return m_busy + m_latency;
    }
    std::vector<std::uint8_t> m_mem;
    double m_bw;
    unsigned m_latency;
    std::uint64_t m_busy = 0;
};

struct Choice {
    npu_desc_t desc{};
    npu::KernelStats st;
    bool found = false;
};

std::uint64_t dram_bytes(const npu::KernelStats& s) {
    return s.dram_read_bytes.total() + s.dram_write_bytes.total();
}

void print(const char* label, const npu_desc_t& d, const npu::KernelStats& s, unsigned pes) {
    static const char* dims = "mcyxkl";
    char order[7] = {};
    for (int i = 0; i < 6; ++i)
        order[i] = dims[d.loop_order[i]];
    std::printf("%-4s %-6s tile m%u c%u y%u x%u k%u l%u  order %s\n", label,
                npu::to_string(static_cast<npu::Dataflow>(d.dataflow)), d.tile[0], d.tile[1],
                d.tile[2], d.tile[3], d.tile[4], d.tile[5], order);
    std::printf("     cycles %llu  compute %llu  stall %llu  utilization %.3f  macs %llu\n",
                (unsigned long long)s.cycles, (unsigned long long)s.compute_cycles,
                (unsigned long long)s.stall_cycles, double(s.macs) / (double(s.cycles) * pes),
                (unsigned long long)s.macs);
    std::printf(
        "     dram_read_bytes ifmap %llu weight %llu psum %llu | dram_write_bytes ofmap %llu "
        "psum %llu | total %llu\n",
        (unsigned long long)s.dram_read_bytes.ifmap, (unsigned long long)s.dram_read_bytes.weight,
        (unsigned long long)s.dram_read_bytes.psum, (unsigned long long)s.dram_write_bytes.ofmap,
        (unsigned long long)s.dram_write_bytes.psum, (unsigned long long)dram_bytes(s));
}

std::vector<unsigned> candidates(unsigned extent, unsigned array, bool divisors) {
    std::vector<unsigned> v;
    for (unsigned t = 1; t <= extent; ++t) {
        const bool pow2 = (t & (t - 1)) == 0;
        const bool mult = t % array == 0;
        const bool div = extent % t == 0;
        if (t == extent || (divisors ? div : (pow2 || mult))) v.push_back(t);
    }
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    unsigned a[15] = {128, 128, 28, 28, 3, 3, 1, 1, 32, 32, 64, 16, 100};
    const int n = std::min(argc - 1, 13);
    for (int i = 0; i < n; ++i)
        a[i] = static_cast<unsigned>(std::strtoul(argv[i + 1], nullptr, 10));
    const unsigned C = a[0], M = a[1], H = a[2], W = a[3], R = a[4], S = a[5], stride = a[6],
                   pad = a[7], rows = a[8], cols = a[9], kb = a[10], bw = a[11], lat = a[12];
    const unsigned E = (H + 2 * pad - R) / stride + 1, F = (W + 2 * pad - S) / stride + 1;

    npu::CoreConfig cfg;
    cfg.array_rows = rows;
    cfg.array_cols = cols;
    cfg.ifmap_bytes = cfg.weight_bytes = cfg.ofmap_bytes = kb * 1024;
    cfg.dma_burst_bytes = 64;
    cfg.functional = false;
    cfg.dram_base = kBase;
    const std::uint64_t in = std::uint64_t{C} * H * W, w = std::uint64_t{M} * C * R * S,
                        out = std::uint64_t{M} * E * F;
    cfg.dram_size = (in + w + 4 * out * 2 + 4096 + 0xFFFFF) & ~std::uint64_t{0xFFFFF};
    Dram dram(cfg.dram_size, bw, lat);

    npu_desc_t base{};
    base.op = NPU_OP_CONV;
    base.c = static_cast<std::uint16_t>(C), base.h = static_cast<std::uint16_t>(H),
    base.w = static_cast<std::uint16_t>(W), base.m = static_cast<std::uint16_t>(M);
    base.e = static_cast<std::uint16_t>(E), base.f = static_cast<std::uint16_t>(F);
    base.r = static_cast<std::uint16_t>(R), base.s = static_cast<std::uint16_t>(S);
    base.stride_h = base.stride_w = static_cast<std::uint8_t>(stride);
    base.pad_top = base.pad_left = base.pad_bottom = base.pad_right =
        static_cast<std::uint8_t>(pad);
    base.groups = 1;
    base.mult = 1 << 20, base.shift = 24;
    base.ifmap_addr = static_cast<std::uint32_t>(kBase);
    base.weight_addr = static_cast<std::uint32_t>(kBase + ((in + 63) & ~63ull));
    base.ofmap_addr = static_cast<std::uint32_t>(base.weight_addr + ((w + 63) & ~63ull));
    base.psum_addr = static_cast<std::uint32_t>(base.ofmap_addr + ((out + 63) & ~63ull));

    std::printf(
        "layer: conv C=%u M=%u %ux%u -> %ux%u, %ux%u stride %u pad %u; array %ux%u; "
        "scratchpads %u KiB each; DRAM %u B/cycle, latency %u\n",
        C, M, H, W, E, F, R, S, stride, pad, rows, cols, kb, bw, lat);
    const unsigned pes = rows * cols;
    const auto tm = candidates(M, cols, false), tc = candidates(C, rows, false);
    const auto ty = candidates(E, 1, true), tx = candidates(F, 1, true);
    for (npu::Dataflow df : {npu::Dataflow::os, npu::Dataflow::ws, npu::Dataflow::is}) {
        Choice best;
        npu::Core core(cfg);
        for (unsigned Tm : tm)
            for (unsigned Tc : tc)
                for (unsigned Ty : ty)
                    for (unsigned Tx : tx) {
                        npu_desc_t d = base;
                        d.dataflow = static_cast<std::uint8_t>(df);
                        const unsigned T[6] = {Tm, Tc, Ty, Tx, R, S};
                        for (int i = 0; i < 6; ++i)
                            d.tile[i] = static_cast<std::uint16_t>(T[i]);
                        // at most 1024 inter-tile iterations (DMA descriptors) per kernel
                        if (std::uint64_t{(M + Tm - 1) / Tm} * ((C + Tc - 1) / Tc) *
                                ((E + Ty - 1) / Ty) * ((F + Tx - 1) / Tx) >
                            1024)
                            continue;
                        std::array<std::uint8_t, 6> order = {0, 1, 2, 3, 4, 5};
                        do {
                            // only orders of the active loops matter: skip orders that
                            // differ just in where inactive loops sit (keep them innermost, sorted)
                            bool canonical = true;
                            bool seen_inactive = false;
                            int last_inactive = -1;
                            for (int i = 0; i < 6; ++i) {
                                const unsigned dim = order[i];
                                const bool active = (d.tile[dim] < (dim == 0   ? M
                                                                    : dim == 1 ? C
                                                                    : dim == 2 ? E
                                                                    : dim == 3 ? F
                                                                    : dim == 4 ? R
                                                                               : S));
                                if (!active) {
                                    if (int(dim) < last_inactive) canonical = false;
                                    last_inactive = int(dim);
                                    seen_inactive = true;
                                } else if (seen_inactive) {
                                    canonical = false;
                                }
                            }
                            if (!canonical) continue;
                            std::memcpy(d.loop_order, order.data(), 6);
                            npu::Kernel k;
                            if (npu::decode_kernel(d, cfg, k) != NPU_ERR_NONE) continue;
                            dram.reset();
                            const npu::KernelStats st = core.run(d, dram);
                            if (st.error) continue;
                            if (!best.found || st.cycles < best.st.cycles ||
                                (st.cycles == best.st.cycles &&
                                 dram_bytes(st) < dram_bytes(best.st))) {
                                best.found = true;
                                best.desc = d;
                                best.st = st;
                            }
                        } while (std::next_permutation(order.begin(), order.end()));
                    }
        if (!best.found) {
            std::printf("%s: no tiling fits the scratchpads\n", npu::to_string(df));
            continue;
        }
        print("best", best.desc, best.st, pes);
    }
    // One fixed tiling for all dataflows: m by the array width, half the input
    // channels (c innermost so no psums leave the NPU), quarter-height rows.
    npu_desc_t fixed = base;
    const unsigned Tfix[6] = {std::min(M, cols), std::max(1u, C / 2), std::max(1u, E / 4), F, R, S};
    const std::uint8_t ofix[6] = {0, 2, 3, 1, 4, 5};
    for (int i = 0; i < 6; ++i)
        fixed.tile[i] = static_cast<std::uint16_t>(Tfix[i]);
    std::memcpy(fixed.loop_order, ofix, 6);
    for (npu::Dataflow df : {npu::Dataflow::os, npu::Dataflow::ws, npu::Dataflow::is}) {
        fixed.dataflow = static_cast<std::uint8_t>(df);
        npu::Core core(cfg);
        dram.reset();
        const npu::KernelStats st = core.run(fixed, dram);
        if (st.error) {
            std::printf("fixed %s: error %u\n", npu::to_string(df), st.error);
            continue;
        }
        print("fix", fixed, st, pes);
    }
    return 0;
}
