// Test helpers for the NPU: a DRAM with bandwidth and latency behind the core's
// DmaPort, descriptor builders, a naive int8 reference of every op, and an
// element-level brute-force traffic counter (docs/dataflow-model.md, "How it is checked") written
// independently of the model's tile walk.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "npu/core.h"
#include "npu_abi/arith.h"
#include "npu_abi/descriptor.h"

namespace npu_test {

constexpr std::uint64_t kDramBase = 0x80000000u;
constexpr std::size_t kDramBytes = 1 << 20;

// Inter-tile loop orders the tests use (dimension indices m=0 .. l=5, outermost first).
constexpr std::array<unsigned, 6> kMCYXKL = {0, 1, 2, 3, 4, 5};  // reduction innermost
constexpr std::array<unsigned, 6> kCKLMYX = {1, 4, 5, 0, 2, 3};  // reduction outermost: psums
constexpr std::array<unsigned, 6> kYXKMLC = {2, 3, 4, 0, 5, 1};  // mixed

// The small NPU the core tests use: a 4x8 array, 4 KiB scratchpads, 16-byte
// bursts, 1 MiB of DRAM, so that every test layer needs several tiles.
inline npu::CoreConfig small_config(bool functional) {
    npu::CoreConfig cfg;
    cfg.array_rows = 4;
    cfg.array_cols = 8;
    cfg.ifmap_bytes = 4096;
    cfg.weight_bytes = 4096;
    cfg.ofmap_bytes = 4096;
    cfg.dma_burst_bytes = 16;
    cfg.functional = functional;
    cfg.dram_base = kDramBase;
    cfg.dram_size = kDramBytes;
    return cfg;
}

// DRAM as vp::Memory models it: a transfer of n bytes requested at t starts at
// max(t, busy_until), occupies ceil(n / bw) cycles, completes latency later.
class TestDram : public npu::DmaPort {
  public:
    explicit TestDram(std::size_t size, unsigned bw = 16, unsigned latency = 100)
        : mem(size, 0), m_bw(bw), m_latency(latency) {}
    bool read(std::uint64_t addr, std::uint8_t* dst, std::uint32_t len, std::uint64_t request,
              std::uint64_t& done) override {
        if (!check(addr, len)) return false;
        std::memcpy(dst, mem.data() + (addr - kDramBase), len);
        done = timing(len, request);
        read_bytes += len;
        return true;
    }
    bool write(std::uint64_t addr, const std::uint8_t* src, std::uint32_t len,
               std::uint64_t request, std::uint64_t& done) override {
        if (!check(addr, len)) return false;
        std::memcpy(mem.data() + (addr - kDramBase), src, len);
        done = timing(len, request);
        write_bytes += len;
        return true;
    }
    void reset_timing() { m_busy = 0; }

    std::vector<std::uint8_t> mem;
    std::uint64_t read_bytes = 0, write_bytes = 0;
    std::uint32_t max_burst = 0;

  private:
    bool check(std::uint64_t addr, std::uint32_t len) {
        max_burst = std::max(max_burst, len);
        return addr >= kDramBase && addr - kDramBase + len <= mem.size();
    }
    std::uint64_t timing(std::uint32_t len, std::uint64_t request) {
        const std::uint64_t start = std::max(request, m_busy);
        m_busy = start + (len + m_bw - 1) / m_bw;
        return m_busy + m_latency;
    }
    unsigned m_bw, m_latency;
    std::uint64_t m_busy = 0;
};

// Counts every transfer the core asks for, successful or not, in front of a
// TestDram: a refused descriptor must not ask for a single byte.
class CountingDma : public npu::DmaPort {
  public:
    explicit CountingDma(TestDram& dram) : m_dram(dram) {}
    bool read(std::uint64_t addr, std::uint8_t* dst, std::uint32_t len, std::uint64_t request,
              std::uint64_t& done) override {
        ++calls, bytes += len;
        return m_dram.read(addr, dst, len, request, done);
    }
    bool write(std::uint64_t addr, const std::uint8_t* src, std::uint32_t len,
               std::uint64_t request, std::uint64_t& done) override {
        ++calls, bytes += len;
        return m_dram.write(addr, src, len, request, done);
    }
    std::uint64_t calls = 0, bytes = 0;

  private:
    TestDram& m_dram;
};

// A DmaPort whose fail_at-th transfer (1-based, reads and writes together)
// gets an error response; 0 = never. Everything else goes to the TestDram.
class FailingDma : public npu::DmaPort {
  public:
    FailingDma(TestDram& dram, std::uint64_t fail_at) : fail_at(fail_at), m_dram(dram) {}
    bool read(std::uint64_t addr, std::uint8_t* dst, std::uint32_t len, std::uint64_t request,
              std::uint64_t& done) override {
        if (++calls == fail_at) return false;
        return m_dram.read(addr, dst, len, request, done);
    }
    bool write(std::uint64_t addr, const std::uint8_t* src, std::uint32_t len,
               std::uint64_t request, std::uint64_t& done) override {
        if (++calls == fail_at) return false;
        return m_dram.write(addr, src, len, request, done);
    }
    std::uint64_t fail_at, calls = 0;

  private:
    TestDram& m_dram;
};

// Deterministic pseudo-random int8 data.
inline std::vector<std::int8_t> random_i8(std::size_t n, std::uint32_t seed, int lo = -128,
                                          int hi = 127) {
    std::vector<std::int8_t> v(n);
    std::uint32_t s = seed * 2654435761u + 12345u;
    for (auto& x : v) {
        s = s * 1664525u + 1013904223u;
        x = static_cast<std::int8_t>(
            lo + static_cast<int>((s >> 8) % static_cast<unsigned>(hi - lo + 1)));
    }
    return v;
}

// A layer description in the test's own words.
struct Layer {
    std::uint8_t op = NPU_OP_CONV;
    unsigned C = 1, H = 1, W = 1, M = 1, R = 1, S = 1;
    unsigned stride_h = 1, stride_w = 1, pt = 0, pl = 0, pb = 0, pr = 0, groups = 1;
    int zp_in = 0, zp_w = 0, zp_out = 0;
    std::int32_t mult = 1 << 20, mult_b = 1 << 19;
    unsigned shift = 24;
    bool int32_out = false, bias = false;
    std::uint8_t act = NPU_ACT_NONE;
    unsigned E() const {
        if (op == NPU_OP_GAVGPOOL) return 1;
        if (op >= NPU_OP_ADD) return H;
        return (H + pt + pb - R) / stride_h + 1;
    }
    unsigned F() const {
        if (op == NPU_OP_GAVGPOOL) return 1;
        if (op >= NPU_OP_ADD) return W;
        return (W + pl + pr - S) / stride_w + 1;
    }
    bool mac() const { return op == NPU_OP_CONV || op == NPU_OP_GEMM; }
    bool pool() const {
        return op == NPU_OP_MAXPOOL || op == NPU_OP_AVGPOOL || op == NPU_OP_GAVGPOOL;
    }
    bool eltwise() const { return op == NPU_OP_ADD || op == NPU_OP_MUL; }
    unsigned in_bytes() const { return op == NPU_OP_REQUANT ? 4 : 1; }
    unsigned out_bytes() const { return int32_out ? 4 : 1; }
    // Six loop extents m, c, y, x, k, l.
    std::array<unsigned, 6> extents() const {
        if (mac()) return {M, C / groups, E(), F(), R, S};
        if (op == NPU_OP_GAVGPOOL) return {C, 1, 1, 1, H, W};
        if (pool()) return {C, 1, E(), F(), R, S};
        return {C, 1, H, W, 1, 1};
    }
};

struct Tensors {
    std::vector<std::int8_t> in, w, b8, lut;
    std::vector<std::int32_t> in32, bias;
};

inline Tensors make_tensors(const Layer& L, std::uint32_t seed) {
    Tensors t;
    const std::size_t nin = std::size_t{L.C} * L.H * L.W;
    if (L.op == NPU_OP_REQUANT) {
        auto a = random_i8(nin, seed), b = random_i8(nin, seed + 7);
        t.in32.resize(nin);
        for (std::size_t i = 0; i < nin; ++i)
            t.in32[i] = a[i] * 3000 + b[i] * 17;
    } else {
        t.in = random_i8(nin, seed);
    }
    if (L.mac()) t.w = random_i8(std::size_t{L.M} * (L.C / L.groups) * L.R * L.S, seed + 1);
    if (L.eltwise()) t.b8 = random_i8(nin, seed + 2);
    if (L.bias) {
        auto b = random_i8(L.M, seed + 3);
        for (auto x : b)
            t.bias.push_back(x * 97);
    }
    t.lut = random_i8(256, seed + 4);
    return t;
}

// Naive reference: output as int32 values (int8 outputs sign-extended).
inline std::vector<std::int32_t> reference(const Layer& L, const Tensors& t) {
    const unsigned E = L.E(), F = L.F();
    std::vector<std::int32_t> out(std::size_t{L.op >= NPU_OP_ADD || L.pool() ? L.C : L.M} * E * F);
    auto in_at = [&](unsigned c, long r, long q) -> std::int32_t {
        return t.in[(c * L.H + r) * L.W + q];
    };
    if (L.mac()) {
        const unsigned cg = L.C / L.groups, mg = L.M / L.groups;
        for (unsigned m = 0; m < L.M; ++m)
            for (unsigned y = 0; y < E; ++y)
                for (unsigned x = 0; x < F; ++x) {
                    std::int32_t acc = L.bias ? t.bias[m] : 0;
                    for (unsigned c = 0; c < cg; ++c)
                        for (unsigned k = 0; k < L.R; ++k)
                            for (unsigned l = 0; l < L.S; ++l) {
                                const long r = long(y * L.stride_h + k) - L.pt;
                                const long q = long(x * L.stride_w + l) - L.pl;
                                if (r < 0 || r >= long(L.H) || q < 0 || q >= long(L.W)) continue;
                                const unsigned ch = (m / mg) * cg + c;
                                acc += (in_at(ch, r, q) - L.zp_in) *
                                       (t.w[((m * cg + c) * L.R + k) * L.S + l] - L.zp_w);
                            }
                    std::int32_t v = acc;
                    if (!L.int32_out) {
                        v = npu_requantize(acc, L.mult, L.shift, L.zp_out);
                        if (L.act == NPU_ACT_RELU) v = std::max(v, L.zp_out);
                        if (L.act == NPU_ACT_LUT) v = t.lut[v + 128];
                    }
                    out[(m * E + y) * F + x] = v;
                }
    } else if (L.pool()) {
        const bool g = L.op == NPU_OP_GAVGPOOL;
        const unsigned R = g ? L.H : L.R, S = g ? L.W : L.S;
        for (unsigned c = 0; c < L.C; ++c)
            for (unsigned y = 0; y < E; ++y)
                for (unsigned x = 0; x < F; ++x) {
                    std::int32_t mx = -1000;
                    std::int64_t sum = 0, cnt = 0;
                    for (unsigned k = 0; k < R; ++k)
                        for (unsigned l = 0; l < S; ++l) {
                            const long r = g ? long(k) : long(y * L.stride_h + k) - L.pt;
                            const long q = g ? long(l) : long(x * L.stride_w + l) - L.pl;
                            if (r < 0 || r >= long(L.H) || q < 0 || q >= long(L.W)) continue;
                            mx = std::max(mx, in_at(c, r, q));
                            sum += in_at(c, r, q) - L.zp_in;
                            ++cnt;
                        }
                    out[(c * E + y) * F + x] =
                        L.op == NPU_OP_MAXPOOL ? mx : npu_sat8(L.zp_out + npu_div_round(sum, cnt));
                }
    } else {
        for (std::size_t i = 0; i < out.size(); ++i) {
            switch (L.op) {
                case NPU_OP_ADD:
                    out[i] = npu_sat8(
                        L.zp_out + npu_rshift_round(std::int64_t{t.in[i] - L.zp_in} * L.mult +
                                                        std::int64_t{t.b8[i] - L.zp_w} * L.mult_b,
                                                    L.shift));
                    break;
                case NPU_OP_MUL:
                    out[i] = npu_requantize((t.in[i] - L.zp_in) * (t.b8[i] - L.zp_w), L.mult,
                                            L.shift, L.zp_out);
                    break;
                case NPU_OP_RELU:
                    out[i] = std::max<std::int32_t>(t.in[i], L.zp_in);
                    break;
                case NPU_OP_LUT:
                    out[i] = t.lut[t.in[i] + 128];
                    break;
                case NPU_OP_REQUANT:
                    out[i] = npu_requantize(t.in32[i], L.mult, L.shift, L.zp_out);
                    break;
                default:
                    break;
            }
            if (L.eltwise() && L.act == NPU_ACT_RELU) out[i] = std::max(out[i], L.zp_out);
            if (L.eltwise() && L.act == NPU_ACT_LUT) out[i] = t.lut[out[i] + 128];
        }
    }
    return out;
}

struct Addrs {
    std::uint32_t in = 0, w = 0, bias = 0, out = 0, psum = 0, lut = 0;
};

inline npu_desc_t make_desc(const Layer& L, const Addrs& a, std::array<unsigned, 6> tile,
                            std::array<unsigned, 6> order, npu::Dataflow df) {
    npu_desc_t d{};
    d.op = L.op;
    d.dataflow = static_cast<std::uint8_t>(df);
    d.out_type = L.int32_out ? NPU_OUT_INT32 : NPU_OUT_INT8;
    d.act = L.act;
    d.flags = L.bias ? NPU_DESC_F_BIAS : 0;
    d.ifmap_addr = a.in;
    d.weight_addr = a.w;
    d.bias_addr = a.bias;
    d.ofmap_addr = a.out;
    d.psum_addr = a.psum;
    d.lut_addr = a.lut;
    d.c = static_cast<std::uint16_t>(L.C);
    d.h = static_cast<std::uint16_t>(L.H);
    d.w = static_cast<std::uint16_t>(L.W);
    d.m = static_cast<std::uint16_t>(L.op >= NPU_OP_MAXPOOL ? L.C : L.M);
    d.e = static_cast<std::uint16_t>(L.E());
    d.f = static_cast<std::uint16_t>(L.F());
    d.r = static_cast<std::uint16_t>(L.op == NPU_OP_GAVGPOOL ? L.H : L.R);
    d.s = static_cast<std::uint16_t>(L.op == NPU_OP_GAVGPOOL ? L.W : L.S);
    d.stride_h = static_cast<std::uint8_t>(L.stride_h);
    d.stride_w = static_cast<std::uint8_t>(L.stride_w);
    d.pad_top = static_cast<std::uint8_t>(L.pt);
    d.pad_left = static_cast<std::uint8_t>(L.pl);
    d.pad_bottom = static_cast<std::uint8_t>(L.pb);
    d.pad_right = static_cast<std::uint8_t>(L.pr);
    d.groups = static_cast<std::uint16_t>(L.groups);
    d.zp_in = static_cast<std::int16_t>(L.zp_in);
    d.zp_w = static_cast<std::int16_t>(L.zp_w);
    d.zp_out = static_cast<std::int16_t>(L.zp_out);
    d.mult = L.mult;
    d.mult_b = L.mult_b;
    d.shift = static_cast<std::uint8_t>(L.shift);
    for (unsigned i = 0; i < 6; ++i) {
        d.loop_order[i] = static_cast<std::uint8_t>(order[i]);
        d.tile[i] = static_cast<std::uint16_t>(tile[i]);
    }
    return d;
}

// Places the tensors in DRAM (from kDramBase + 0x1000, 64-byte aligned).
inline Addrs place(const Layer& L, const Tensors& t, std::vector<std::uint8_t>& mem) {
    std::uint64_t next = 0x1000;
    auto alloc = [&](std::size_t bytes) {
        const std::uint64_t a = next;
        next = (next + bytes + 63) & ~std::uint64_t{63};
        return static_cast<std::uint32_t>(kDramBase + a);
    };
    auto put = [&](std::uint32_t addr, const void* src, std::size_t bytes) {
        std::memcpy(mem.data() + (addr - kDramBase), src, bytes);
    };
    Addrs a;
    const std::size_t nin = std::size_t{L.C} * L.H * L.W;
    a.in = alloc(nin * L.in_bytes());
    if (L.op == NPU_OP_REQUANT)
        put(a.in, t.in32.data(), nin * 4);
    else
        put(a.in, t.in.data(), nin);
    if (!t.w.empty()) {
        a.w = alloc(t.w.size());
        put(a.w, t.w.data(), t.w.size());
    }
    if (!t.b8.empty()) {
        a.w = alloc(t.b8.size());
        put(a.w, t.b8.data(), t.b8.size());
    }
    if (!t.bias.empty()) {
        a.bias = alloc(t.bias.size() * 4);
        put(a.bias, t.bias.data(), t.bias.size() * 4);
    }
    a.lut = alloc(256);
    put(a.lut, t.lut.data(), 256);
    const std::size_t nout = std::size_t{L.op >= NPU_OP_MAXPOOL ? L.C : L.M} * L.E() * L.F();
    a.out = alloc(nout * 4);
    a.psum = alloc(nout * 4);
    return a;
}

inline std::vector<std::int32_t> read_output(const Layer& L, const Addrs& a,
                                             const std::vector<std::uint8_t>& mem) {
    const std::size_t nout = std::size_t{L.op >= NPU_OP_MAXPOOL ? L.C : L.M} * L.E() * L.F();
    std::vector<std::int32_t> out(nout);
    const std::uint8_t* p = mem.data() + (a.out - kDramBase);
    for (std::size_t i = 0; i < nout; ++i) {
        if (L.int32_out)
            std::memcpy(&out[i], p + 4 * i, 4);
        else
            out[i] = static_cast<std::int8_t>(p[i]);
    }
    return out;
}

// A tensor of `chans` x `height` x `width` elements seen as a window of a
// larger dense buffer [bc][bh][bw] at (c0, y0, x0): the strided views of
// descriptor.h (ch_stride = bh*bw, row_stride = bw, address = the window's
// first element). Written by the test in its own terms.
struct Window {
    unsigned bc = 0, bh = 0, bw = 0;  // the enclosing buffer
    unsigned c0 = 0, y0 = 0, x0 = 0;  // where the tensor starts in it
    std::uint32_t ch_stride() const { return bh * bw; }
    std::uint32_t row_stride() const { return bw; }
    std::size_t buffer_elems() const { return std::size_t{bc} * bh * bw; }
    // buffer element index of tensor element (c, y, x)
    std::size_t at(unsigned c, unsigned y, unsigned x) const {
        return (std::size_t{c0 + c} * bh + y0 + y) * bw + x0 + x;
    }
};

// Copies a dense [chans][height][width] tensor of `esize`-byte elements into
// its window of the buffer at `buf`.
inline void scatter(std::uint8_t* buf, const Window& win, const void* dense, unsigned chans,
                    unsigned height, unsigned width, unsigned esize) {
    const auto* src = static_cast<const std::uint8_t*>(dense);
    for (unsigned c = 0; c < chans; ++c)
        for (unsigned y = 0; y < height; ++y)
            for (unsigned x = 0; x < width; ++x)
                std::memcpy(buf + win.at(c, y, x) * esize,
                            src + ((std::size_t{c} * height + y) * width + x) * esize, esize);
}

// Reads a window back as int32 values (int8 sign-extended), dense order.
inline std::vector<std::int32_t> gather(const std::uint8_t* buf, const Window& win, unsigned chans,
                                        unsigned height, unsigned width, unsigned esize) {
    std::vector<std::int32_t> out;
    for (unsigned c = 0; c < chans; ++c)
        for (unsigned y = 0; y < height; ++y)
            for (unsigned x = 0; x < width; ++x) {
                const std::uint8_t* p = buf + win.at(c, y, x) * esize;
                std::int32_t v;
                if (esize == 4)
                    std::memcpy(&v, p, 4);
                else
                    v = static_cast<std::int8_t>(*p);
                out.push_back(v);
            }
    return out;
}

// Per byte of the enclosing buffer: 1 if it belongs to an element of the window.
inline std::vector<char> window_mask(const Window& win, unsigned chans, unsigned height,
                                     unsigned width, unsigned esize) {
    std::vector<char> mask(win.buffer_elems() * esize, 0);
    for (unsigned c = 0; c < chans; ++c)
        for (unsigned y = 0; y < height; ++y)
            for (unsigned x = 0; x < width; ++x)
                std::fill_n(mask.begin() + static_cast<std::ptrdiff_t>(win.at(c, y, x) * esize),
                            esize, 1);
    return mask;
}

// Element-level brute force of the 'tile' policy (docs/dataflow-model.md):
// walks the inter-tile loops in order; whenever a tensor's relevant tile
// indices change, enumerates every (m,c,y,x,k,l) point of the tile, collects
// the distinct DRAM elements it touches and counts them as one load; ofmap
// elements are written when their tile is left (psum if some (c,k,l) point is
// still missing, else final) and read back if written before.
struct Traffic {
    std::uint64_t ifmap = 0, weight = 0, bias = 0, psum_rd = 0, psum_wr = 0, ofmap = 0;
};

inline Traffic brute_force_traffic(const Layer& L, std::array<unsigned, 6> T,
                                   std::array<unsigned, 6> order) {
    const auto N = L.extents();
    std::array<unsigned, 6> n{};
    for (int d = 0; d < 6; ++d)
        n[d] = (N[d] + T[d] - 1) / T[d];
    // relevance, in the test's own terms
    const bool grouped = L.mac() && L.groups > 1;
    auto rel = [&](int tensor, int d) {  // 0 in, 1 w, 2 out, 3 bias
        switch (tensor) {
            case 0:
                if (L.mac()) return d != 0 || grouped;
                return d != 1;
            case 1:
                if (L.mac()) return d == 0 || d == 1 || d == 4 || d == 5;
                return d == 0 || d == 2 || d == 3;
            case 2:
                return d == 0 || d == 2 || d == 3;
            default:
                return d == 0;
        }
    };
    const unsigned E = L.E(), F = L.F();
    const unsigned red_total = N[1] * N[4] * N[5];
    std::map<std::uint64_t, unsigned> contrib;  // ofmap element -> (c,k,l) points applied
    std::set<std::uint64_t> written;            // ofmap elements with a DRAM copy
    std::array<std::array<long, 6>, 4> key{};
    std::array<bool, 4> has{};
    std::set<std::uint64_t> cur_out;
    Traffic tr;
    auto evict = [&]() {
        for (auto e : cur_out) {
            if (contrib[e] == red_total) {
                tr.ofmap += 1;
            } else {
                tr.psum_wr += 1;
                written.insert(e);
            }
        }
        cur_out.clear();
    };
    std::array<unsigned, 6> idx{};
    for (;;) {
        std::array<unsigned, 6> lo, hi;
        for (int d = 0; d < 6; ++d) {
            lo[d] = idx[d] * T[d];
            hi[d] = std::min(lo[d] + T[d], N[d]);
        }
        std::array<std::set<std::uint64_t>, 4> fp;
        for (unsigned m = lo[0]; m < hi[0]; ++m)
            for (unsigned c = lo[1]; c < hi[1]; ++c)
                for (unsigned y = lo[2]; y < hi[2]; ++y)
                    for (unsigned x = lo[3]; x < hi[3]; ++x)
                        for (unsigned k = lo[4]; k < hi[4]; ++k)
                            for (unsigned l = lo[5]; l < hi[5]; ++l) {
                                long ch, r, q;
                                if (L.mac()) {
                                    const unsigned cg = L.C / L.groups, mg = L.M / L.groups;
                                    ch = (m / mg) * cg + c;
                                    r = long(y * L.stride_h + k) - L.pt;
                                    q = long(x * L.stride_w + l) - L.pl;
                                    fp[1].insert(((std::uint64_t(m) * cg + c) * L.R + k) * L.S + l);
                                } else if (L.op == NPU_OP_GAVGPOOL) {
                                    ch = m, r = k, q = l;
                                } else if (L.pool()) {
                                    ch = m;
                                    r = long(y * L.stride_h + k) - L.pt;
                                    q = long(x * L.stride_w + l) - L.pl;
                                } else {
                                    ch = m, r = y, q = x;
                                    if (L.eltwise())
                                        fp[1].insert((std::uint64_t(m) * L.H + y) * L.W + x);
                                }
                                if (r >= 0 && r < long(L.H) && q >= 0 && q < long(L.W))
                                    fp[0].insert((std::uint64_t(ch) * L.H + r) * L.W + q);
                                fp[2].insert((std::uint64_t(m) * E + y) * F + x);
                                fp[3].insert(m);
                            }
        for (int t = 0; t < 4; ++t) {
            if (t == 1 && !L.mac() && !L.eltwise()) continue;
            if (t == 3 && !L.bias) continue;
            std::array<long, 6> k{};
            for (int d = 0; d < 6; ++d)
                k[d] = rel(t, d) ? long(idx[d]) : -1;
            if (has[t] && k == key[t]) continue;
            has[t] = true;
            key[t] = k;
            if (t == 0) tr.ifmap += fp[0].size();
            if (t == 1) tr.weight += fp[1].size();
            if (t == 3) tr.bias += fp[3].size();
            if (t == 2) {
                evict();
                cur_out = fp[2];
                for (auto e : cur_out)
                    if (written.count(e)) tr.psum_rd += 1;
            }
        }
        // apply the (c,k,l) points of this tile to its ofmap elements
        const unsigned pts = (hi[1] - lo[1]) * (hi[4] - lo[4]) * (hi[5] - lo[5]);
        for (auto e : fp[2])
            contrib[e] += pts;
        int p = 5;
        for (; p >= 0; --p) {
            const unsigned d = order[p];
            if (++idx[d] < n[d]) break;
            idx[d] = 0;
        }
        if (p < 0) break;
    }
    evict();
    return tr;
}

}  // namespace npu_test
