// Scheduling one NPU kernel (kernel_schedule.h): candidate tilings and loop
// orders, the NPU's capacity rule (npu_core), DRAM bytes from the analytic
// traffic model (kernel_traffic.h), an analytic cycle estimate for ranking,
// and the NPU core's own walk in timing mode against a DRAM channel booked
// like the platform's memory (vp::BandwidthChannel) for the prediction.
#include "npu_compiler/kernel_schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <stdexcept>
#include <vector>

#include "npu_abi/npu_regs.h"
#include "npu_compiler/kernel_traffic.h"
#include "vp/bandwidth_channel.h"

namespace npu::compiler {

namespace {

using u64 = std::uint64_t;

u64 ceil_div(u64 a, u64 b) {
    return (a + b - 1) / b;
}

bool is_mac(unsigned op) {
    return op == NPU_OP_CONV || op == NPU_OP_GEMM;
}

// The DRAM as the platform's memory times it: one channel for reads and
// writes, start = max(t, busy), ceil(bus bytes / bw) cycles on it (whole
// atoms at the transaction's address), done + latency.
class ChannelDram : public npu::DmaPort {
  public:
    ChannelDram(double bw, u64 latency, u64 atom) : m_ch(bw, latency, atom) {}
    bool read(u64 addr, std::uint8_t*, std::uint32_t len, u64 request, u64& done) override {
        done = m_ch.request_run(request, addr, len, 0).complete;
        ++bursts;
        return true;
    }
    bool write(u64 addr, const std::uint8_t*, std::uint32_t len, u64 request, u64& done) override {
        done = m_ch.request_run(request, addr, len, 0).complete;
        ++bursts;
        return true;
    }
    u64 bursts = 0;

  private:
    vp::BandwidthChannel m_ch;
};

std::string error_line(const npu_desc_t& d, std::uint32_t err) {
    return std::string("kernel ") + std::to_string(d.kernel_id) + " (" + npu::op_name(d.op) +
           "): the NPU refuses the descriptor: " + npu::error_name(err);
}

// How the array sees the nest: which of m, the reduction (c*k*l) and the
// pixels (y*x) are mapped onto array rows or columns (the rest is temporal).
struct Mapping {
    unsigned m_on = 0, red_on = 0,
             pix_on = 0;  // array extent the dimension is mapped to, 0: temporal
};
Mapping mapping(const npu_desc_t& d, const npu::CoreConfig& c) {
    Mapping mp;
    if (!is_mac(d.op)) {
        mp.m_on = c.array_cols;  // the vector unit's lanes run along channels
        return mp;
    }
    switch (static_cast<npu::Dataflow>(d.dataflow)) {
        case npu::Dataflow::os:
            mp.pix_on = c.array_rows, mp.m_on = c.array_cols;
            break;
        case npu::Dataflow::ws:
            mp.red_on = c.array_rows, mp.m_on = c.array_cols;
            break;
        case npu::Dataflow::is:
            mp.red_on = c.array_rows, mp.pix_on = c.array_cols;
            break;
    }
    return mp;
}

// Divisors of n, powers of two below n, and n.
std::vector<u64> nice_sizes(u64 n) {
    std::set<u64> s{n};
    for (u64 t = 1; t * t <= n; ++t)
        if (n % t == 0) s.insert(t), s.insert(n / t);
    for (u64 t = 1; t < n; t *= 2)
        s.insert(t);
    return {s.begin(), s.end()};
}

// Ragged splits of a loop of extent n: for trip counts j = 1..8, 10, 12, 15,
// 18, 22, 27, ... (about 25% apart), the smallest tile giving j trips,
// ceil(n / j), and that tile rounded up to a multiple of `step` (the last
// tile takes the remainder). Sizes with the same trip count move the same
// bytes; the aligned one wastes no array rows or columns.
void insert_ragged_sizes(std::set<u64>& s, u64 n, u64 step) {
    for (u64 j = 1; j <= n; j += j < 8 ? 1 : j / 4) {
        const u64 t = ceil_div(n, j);
        s.insert(t);
        const u64 aligned = ceil_div(t, step) * step;
        if (aligned < n) s.insert(aligned);
    }
}

// Divisors of n, powers of two below n, n, and the ragged splits (steps of 1).
std::vector<u64> temporal_sizes(u64 n) {
    std::set<u64> s;
    for (u64 t : nice_sizes(n))
        s.insert(t);
    insert_ragged_sizes(s, n, 1);
    return {s.begin(), s.end()};
}

// Tile sizes for a dimension mapped onto `lanes` array rows/columns, one tile
// step being `step` (lanes, or fewer when a tile element covers several
// lanes): multiples of the step that divide n, power-of-two multiples, the
// ragged splits rounded to the step (a ragged last tile), and n.
std::vector<u64> aligned_sizes(u64 n, u64 lanes, u64 step) {
    if (n <= lanes) return {n};
    std::set<u64> s{n};
    for (u64 t = step; t < n; t += step)
        if (n % t == 0) s.insert(t);
    for (u64 t = step; t < n; t *= 2)
        s.insert(t);
    std::set<u64> ragged;
    insert_ragged_sizes(ragged, n, step);
    for (u64 t : ragged)
        if (t % step == 0) s.insert(t);
    return {s.begin(), s.end()};
}

struct Extents {
    std::array<u64, NPU_DIMS> n{};
};

Extents extents_of(const ConvLayer& L) {
    Extents e;
    for (int d = 0; d < kNumDims; ++d)
        e.n[static_cast<size_t>(d)] = static_cast<u64>(L.extent(static_cast<Dim>(d)));
    return e;
}

// ------------------------------------------------------------------ analytic cost

// A footprint's DMA cost: bursts and channel cycles (occupancy) per byte,
// from its contiguous runs. Used to scale a tensor's bytes into bursts and
// channel cycles.
struct RunCost {
    double bursts_per_byte = 0, cycles_per_byte = 0;
};
RunCost run_cost(u64 run_bytes, u64 runs, const ArchConfig& a) {
    RunCost r;
    if (run_bytes == 0 || runs == 0) return r;
    const u64 burst = std::max<u64>(1, a.core.dma_burst_bytes);
    const u64 full = run_bytes / burst, rem = run_bytes % burst;
    const double bw = a.dram_bw > 0 ? a.dram_bw : 1e18;
    // A burst occupies the channel for its atoms (vp/dram_atom.h), taken
    // here as starting on an atom boundary: the estimate does not know the
    // runs' addresses (the walk does).
    const u64 atom = std::max<u64>(1, a.core.dram_atom_bytes);
    auto on_bus = [atom](u64 n) { return double(ceil_div(n, atom) * atom); };
    const double burst_cycles = std::ceil(on_bus(burst) / bw);
    const double rem_cycles = rem ? std::ceil(on_bus(rem) / bw) : 0.0;
    const double bursts = double(full + (rem ? 1 : 0));
    r.bursts_per_byte = bursts / double(run_bytes);
    r.cycles_per_byte = (double(full) * burst_cycles + rem_cycles) / double(run_bytes);
    (void)runs;
    return r;
}

// Contiguous run of an (outer, rows, cols) block of a dense [*, H, W] tensor:
// full rows merge, full planes merge.
u64 block_run(u64 chans, u64 rows, u64 cols, u64 H, u64 W) {
    if (cols < W) return cols;
    if (rows < H) return rows * W;
    return chans * H * W;
}

// The streamed loops (systolic.h, fold continuation) that sweep inside the
// innermost active stationary loop of `order`: consecutive tiles that differ
// only in them keep the stationary operand, so each of their sweeps is one
// run on the array (bit d set for such a loop d). 0 for non-MAC ops.
unsigned continuation_mask(const npu_desc_t& d, const Extents& e,
                           const std::array<u64, NPU_DIMS>& T,
                           const std::array<std::uint8_t, NPU_DIMS>& order) {
    if (!is_mac(d.op)) return 0;
    const npu::Dataflow df = static_cast<npu::Dataflow>(d.dataflow);
    unsigned mask = 0;
    for (unsigned j = 0; j < NPU_DIMS; ++j) {
        const unsigned dim = order[j];
        if (ceil_div(e.n[dim], T[dim]) <= 1) continue;  // inactive: never changes
        if (npu::is_streamed_dim(df, dim))
            mask |= 1u << dim;
        else
            mask = 0;  // a stationary loop: the runs start again inside it
    }
    return mask;
}

// Which GEMMs a compute_cycles pass counts: all, or only those whose runs
// continue (npu::continues_run) or restart under the core's policy.
enum class GemmPart { all, continuing, restarting };

// Compute cycles of the whole kernel for a tiling: every tile's systolic (or
// vector) cycles, the full and the remainder tile of each loop weighted by
// how often they occur. The loops in `runs` (continuation_mask) count as one
// tile of their whole extent: the walk's fold continuation makes their
// sweep cost exactly one GEMM over it (npu::gemm_cycles with the streamed
// extents concatenated). `part` keeps only some GEMMs (vector cycles count
// unless `part` is restarting).
u64 compute_cycles_part(const npu_desc_t& d, const npu::CoreConfig& c, const Extents& e,
                        const std::array<u64, NPU_DIMS>& T_in, unsigned runs, GemmPart part) {
    std::array<u64, NPU_DIMS> T = T_in;
    for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
        if (runs >> dim & 1u) T[dim] = e.n[dim];
    // per loop: (extent, count) of the full and the remainder tile
    auto parts = [&](unsigned dim) {
        const u64 n = e.n[dim], t = T[dim];
        std::vector<std::pair<u64, u64>> v;
        if (n / t) v.push_back({t, n / t});
        if (n % t) v.push_back({n % t, 1});
        return v;
    };
    const auto pc = parts(NPU_DIM_C), py = parts(NPU_DIM_Y), px = parts(NPU_DIM_X),
               pk = parts(NPU_DIM_K), pl = parts(NPU_DIM_L);
    const npu::Dataflow df = static_cast<npu::Dataflow>(d.dataflow);
    const unsigned rows = c.array_rows, cols = c.array_cols;
    u64 total = 0;
    const u64 M = e.n[NPU_DIM_M], Tm = T[NPU_DIM_M];
    const u64 groups = is_mac(d.op) ? std::max<u64>(1, d.groups) : 1;
    const u64 mg = M / groups;
    for (u64 m0 = 0; m0 < M; m0 += Tm) {
        const u64 m1 = std::min(M, m0 + Tm);
        for (auto [ec, nc] : pc)
            for (auto [ey, ny] : py)
                for (auto [ex, nx] : px)
                    for (auto [ek, nk] : pk)
                        for (auto [el, nl] : pl) {
                            const u64 mult = nc * ny * nx * nk * nl;
                            u64 cyc = 0;
                            if (is_mac(d.op)) {
                                auto g_cycles = [&](u64 m_in) -> u64 {
                                    const npu::GemmShape g =
                                        npu::tile_gemm(df, m_in, ec * ek * el, ey * ex);
                                    if (part != GemmPart::all &&
                                        npu::continues_run(c.fold_continuation,
                                                           npu::fold_count(g, rows, cols)) !=
                                            (part == GemmPart::continuing))
                                        return 0;
                                    return npu::gemm_cycles(df, rows, cols, g, 0, c.fold_overlap);
                                };
                                const u64 g0 = m0 / mg, g1 = (m1 - 1) / mg;
                                if (g0 == g1) {
                                    cyc = g_cycles(m1 - m0);
                                } else {
                                    cyc = g_cycles((g0 + 1) * mg - m0) + g_cycles(m1 - g1 * mg);
                                    if (g1 > g0 + 1) cyc += (g1 - g0 - 1) * g_cycles(mg);
                                }
                            } else if (part != GemmPart::restarting) {
                                cyc = npu::vector_cycles(cols, (m1 - m0) * ey * ex * ek * el);
                            }
                            total += cyc * mult;
                        }
    }
    return total;
}

// The kernel's compute cycles under the core's fold continuation policy: the
// GEMMs that continue their runs as one GEMM per run, the others tile by tile.
u64 compute_cycles(const npu_desc_t& d, const npu::CoreConfig& c, const Extents& e,
                   const std::array<u64, NPU_DIMS>& T, unsigned runs) {
    if (runs == 0 || c.fold_continuation == npu::FoldContinuation::run)
        return compute_cycles_part(d, c, e, T, runs, GemmPart::all);
    if (c.fold_continuation == npu::FoldContinuation::off)
        return compute_cycles_part(d, c, e, T, 0, GemmPart::all);
    return compute_cycles_part(d, c, e, T, runs, GemmPart::continuing) +
           compute_cycles_part(d, c, e, T, 0, GemmPart::restarting);
}

// ρ of the closed form (docs/dataflow-model.md) for relevance mask `rel` (bit d) under
// `order` (outermost first).
u64 reload_factor(const std::array<std::uint8_t, NPU_DIMS>& order, const Extents& e,
                  const std::array<u64, NPU_DIMS>& T, unsigned rel) {
    int p = -1;
    for (int j = 0; j < int(NPU_DIMS); ++j) {
        const unsigned dim = order[static_cast<size_t>(j)];
        if ((rel >> dim & 1u) && ceil_div(e.n[dim], T[dim]) > 1) p = j;
    }
    u64 rho = 1;
    for (int j = 0; j < p; ++j) {
        const unsigned dim = order[static_cast<size_t>(j)];
        if (!(rel >> dim & 1u)) rho *= ceil_div(e.n[dim], T[dim]);
    }
    return rho;
}

unsigned rel_mask(const ConvLayer& L, Operand x) {
    unsigned m = 0;
    for (int d = 0; d < kNumDims; ++d)
        if (relevant(L, x, static_cast<Dim>(d))) m |= 1u << d;
    return m;
}

// One (tiling, order) candidate as the search ranks it.
struct Candidate {
    npu_desc_t desc{};
    u64 bytes = 0;        // analytic DRAM bytes (exact)
    u64 est_cycles = 0;   // analytic cycle estimate (ranking only)
    u64 walk_cycles = 0;  // the NPU walk's cycles (0: not walked)
    u64 iterations = 0;
};

// Everything about a tiling that does not depend on the loop order.
struct TilingEval {
    bool fits = false;
    TilingTraffic tiling;  // the traffic model's order-independent sums
    KernelTraffic base;    // traffic at the canonical order (footprint maxima)
    std::array<u64, NPU_DIMS> T{};
    // Compute cycles by continuation_mask (the order's runs), computed on
    // first use; kNotComputed until then.
    static constexpr u64 kNotComputed = std::numeric_limits<u64>::max();
    mutable std::array<u64, 1u << NPU_DIMS> compute;
    RunCost in, w, out, psum, bias;
    u64 first_load_cycles = 0, last_write_cycles = 0;
};

class Scheduler {
  public:
    Scheduler(const npu_desc_t& d, const ArchConfig& a)
        : m_d(d), m_a(a), m_L(kernel_layer(d)), m_e(extents_of(m_L)) {
        m_widths.ifmap = d.op == NPU_OP_REQUANT ? 4 : 1;
        m_widths.channel_params =
            ((d.flags & NPU_DESC_F_BIAS) && is_mac(d.op) ? npu::kBiasBytes : 0) +
            ((d.flags & NPU_DESC_F_QTABLE) ? npu::kQtableEntryBytes : 0);
    }

    const Extents& extents() const { return m_e; }
    const ConvLayer& layer() const { return m_L; }

    // Order-independent part; fits == false if the tiling breaks the capacity rule.
    TilingEval eval_tiling(const std::array<u64, NPU_DIMS>& T) const {
        TilingEval t;
        npu_desc_t d = m_d;
        std::uint8_t canonical[NPU_DIMS];
        for (unsigned dim = 0; dim < NPU_DIMS; ++dim) {
            d.tile[dim] = static_cast<std::uint16_t>(T[dim]);
            d.loop_order[dim] = static_cast<std::uint8_t>(dim);
            canonical[dim] = static_cast<std::uint8_t>(dim);
        }
        t.tiling = tiling_traffic(d);
        t.base = predict_traffic(t.tiling, canonical);
        npu::FootprintElems fe;
        fe.ifmap = static_cast<u64>(t.base.max_footprint_elems.ifmap);
        fe.weight = static_cast<u64>(t.base.max_footprint_elems.weight);
        fe.ofmap = static_cast<u64>(t.base.max_footprint_elems.ofmap);
        fe.channels = static_cast<u64>(t.base.max_footprint_elems.channels);
        t.fits = npu::fits(npu::footprint_bytes(fe, m_widths), m_a.core);
        if (!t.fits) return t;
        t.T = T;
        t.compute.fill(TilingEval::kNotComputed);
        // DMA run structure of the full-tile footprints.
        const u64 Tm = T[NPU_DIM_M], Tc = T[NPU_DIM_C], Ty = T[NPU_DIM_Y], Tx = T[NPU_DIM_X];
        const u64 ib = m_widths.ifmap;
        const bool dense_in = !m_d.ifmap_ch_stride && !m_d.ifmap_row_stride;
        const bool dense_out = !m_d.ofmap_ch_stride && !m_d.ofmap_row_stride;
        {
            // ifmap footprint: the touched rows and columns of the y/x tile; a
            // filter tile shorter than the stride leaves gaps (one run per element
            // or per row).
            const bool win = is_mac(m_d.op) || m_d.op == NPU_OP_MAXPOOL || m_d.op == NPU_OP_AVGPOOL;
            const u64 sh = win ? std::max<u64>(1, m_d.stride_h) : 1;
            const u64 sw = win ? std::max<u64>(1, m_d.stride_w) : 1;
            const u64 cols = std::min<u64>(m_d.w, (Tx - 1) * sw + T[NPU_DIM_L]);
            const u64 rws = std::min<u64>(m_d.h, (Ty - 1) * sh + T[NPU_DIM_K]);
            u64 run = dense_in ? block_run(1, rws, cols, m_d.h, m_d.w) : cols;
            if (T[NPU_DIM_K] < sh) run = std::min(run, cols);
            if (T[NPU_DIM_L] < sw) {
                // Column gaps: a gather moves runs of T_l elements, a fetch
                // by rows (NPU_DESC_F_IFMAP_ROWS) the whole span for the
                // touched columns; the cheaper one is what walk_choosing_fetch
                // will pick.
                t.in = run_cost(T[NPU_DIM_L] * ib, 1, m_a);
                const u64 touched = std::min<u64>(m_d.w, Tx * T[NPU_DIM_L]);
                RunCost rows = run_cost(cols * ib, 1, m_a);
                const double f = double(cols) / double(std::max<u64>(1, touched));
                rows.cycles_per_byte *= f;
                rows.bursts_per_byte *= f;
                if (rows.cycles_per_byte < t.in.cycles_per_byte) t.in = rows;
            } else {
                t.in = run_cost(run * ib, 1, m_a);
            }
        }
        if (is_mac(m_d.op)) {
            const u64 cg = m_e.n[NPU_DIM_C], R = m_e.n[NPU_DIM_K], S = m_e.n[NPU_DIM_L];
            u64 run = T[NPU_DIM_L];
            if (run == S) run = T[NPU_DIM_K] * S;
            if (T[NPU_DIM_K] == R && T[NPU_DIM_L] == S) run = Tc * R * S;
            if (Tc == cg && T[NPU_DIM_K] == R && T[NPU_DIM_L] == S) run = Tm * cg * R * S;
            t.w = run_cost(run, 1, m_a);
        } else {
            t.w = run_cost(block_run(Tm, Ty, Tx, m_d.e, m_d.f), 1, m_a);
        }
        const u64 orun = dense_out ? block_run(Tm, Ty, Tx, m_d.e, m_d.f) : Tx;
        const u64 ob = m_d.out_type == NPU_OUT_INT32 ? 4 : 1;
        t.out = run_cost(orun * ob, 1, m_a);
        t.psum = run_cost(block_run(Tm, Ty, Tx, m_d.e, m_d.f) * 4, 1, m_a);
        t.bias = run_cost(Tm * std::max<u64>(1, m_widths.channel_params), 1, m_a);
        // Pipeline fill and drain: the first footprints and the last write-back.
        const double fill =
            double(fe.ifmap * ib) * t.in.cycles_per_byte + double(fe.weight) * t.w.cycles_per_byte;
        t.first_load_cycles = static_cast<u64>(fill) + m_a.dram_latency;
        t.last_write_cycles =
            static_cast<u64>(double(fe.ofmap * ob) * t.out.cycles_per_byte) + m_a.dram_latency;
        return t;
    }

    // Compute cycles of a tiling under an order (fold continuation runs).
    u64 compute_of(const TilingEval& t, const std::array<std::uint8_t, NPU_DIMS>& order) const {
        const unsigned runs = continuation_mask(m_d, m_e, t.T, order);
        u64& c = t.compute[runs];
        if (c == TilingEval::kNotComputed) c = compute_cycles(m_d, m_a.core, m_e, t.T, runs);
        return c;
    }

    // Bytes and estimated cycles of a tiling under an order; false if the
    // order spills partial sums and the descriptor has no psum area.
    bool eval_order(const TilingEval& t, const std::array<std::uint8_t, NPU_DIMS>& order,
                    Candidate& c, u64* bursts = nullptr) const {
        std::uint8_t ord[NPU_DIMS];
        for (unsigned j = 0; j < NPU_DIMS; ++j)
            ord[j] = order[j];
        const KernelTraffic k = predict_traffic(t.tiling, ord);
        if (k.spills_psum && m_d.psum_addr == 0) return false;
        const u64 w = static_cast<u64>(k.dram_read_bytes.weight),
                  in = static_cast<u64>(k.dram_read_bytes.ifmap),
                  bias = static_cast<u64>(k.dram_read_bytes.bias),
                  psum = static_cast<u64>(k.dram_read_bytes.psum),
                  fin = static_cast<u64>(k.dram_write_bytes.ofmap),
                  lut = static_cast<u64>(k.dram_read_bytes.lut);
        c.bytes = static_cast<u64>(k.total());
        const double occ = double(w) * t.w.cycles_per_byte + double(in) * t.in.cycles_per_byte +
                           double(bias) * t.bias.cycles_per_byte +
                           2.0 * double(psum) * t.psum.cycles_per_byte +
                           double(fin) * t.out.cycles_per_byte + double(lut > 0 ? 16 : 0);
        // Ping-pong: tile i+1's loads are requested when tile i's compute
        // starts, so each tile period is max(compute, latency + transfers);
        // the averages above hide that alternation, which short tiles (fold
        // continuation makes continuing tiles short) expose: one DRAM
        // latency per inter-tile iteration on the critical path. Without it
        // the search prefers many small tiles the walk then finds slow
        // (ResNet-50 16x16 os: 23.4M cycles instead of 19.3M).
        u64 iterations = 1;
        for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
            iterations *= ceil_div(m_e.n[dim], t.T[dim]);
        c.est_cycles = std::max<u64>(compute_of(t, order), static_cast<u64>(occ)) +
                       t.first_load_cycles + t.last_write_cycles +
                       (iterations - 1) * m_a.dram_latency;
        if (bursts)
            *bursts = static_cast<u64>(double(w) * t.w.bursts_per_byte +
                                       double(in) * t.in.bursts_per_byte +
                                       double(bias) * t.bias.bursts_per_byte +
                                       2.0 * double(psum) * t.psum.bursts_per_byte +
                                       double(fin) * t.out.bursts_per_byte) +
                      (lut ? ceil_div(lut, m_a.core.dma_burst_bytes) : 0);
        return true;
    }

  private:
    const npu_desc_t& m_d;
    const ArchConfig& m_a;
    ConvLayer m_L;
    Extents m_e;
    npu::ElementBytes m_widths;
};

// The NPU's walk in timing mode: cycles, compute cycles, MACs, tiles, bursts.
struct WalkResult {
    npu::KernelStats st;
    u64 bursts = 0;
};
WalkResult walk(const npu_desc_t& d, const ArchConfig& a) {
    npu::CoreConfig cfg = a.core;
    cfg.functional = false;
    npu::Core core(cfg);
    ChannelDram dram(a.dram_bw, a.dram_latency, a.core.dram_atom_bytes);
    WalkResult r;
    npu_desc_t cold = d;
    r.st = core.run(cold, dram);
    if (r.st.error != NPU_ERR_NONE) throw std::invalid_argument(error_line(d, r.st.error));
    r.bursts = dram.bursts;
    return r;
}

// NPU_DESC_F_IFMAP_ROWS, per descriptor: where the ifmap footprint's columns
// leave gaps (a filter tile narrower than the horizontal stride), walk the
// kernel both ways and keep the cheaper fetch by the objective: fewer
// predicted cycles, then fewer bytes on the DRAM bus (objective dram: the
// other way round); the gather on a tie. Elsewhere the flag is cleared (it
// would change nothing). Returns the walk of the choice.
std::pair<u64, u64> key_of(Objective o, u64 cycles, u64 bytes);

WalkResult walk_choosing_fetch(npu_desc_t& d, const ArchConfig& a, Objective o) {
    d.flags = static_cast<std::uint16_t>(d.flags & ~NPU_DESC_F_IFMAP_ROWS);
    const bool window = is_mac(d.op) || d.op == NPU_OP_MAXPOOL || d.op == NPU_OP_AVGPOOL;
    WalkResult gather = walk(d, a);
    if (!window || d.tile[NPU_DIM_L] >= d.stride_w) return gather;
    npu_desc_t rows = d;
    rows.flags = static_cast<std::uint16_t>(rows.flags | NPU_DESC_F_IFMAP_ROWS);
    WalkResult by_rows = walk(rows, a);
    auto bus = [](const WalkResult& w) {
        return w.st.dram_bus_read_bytes.total() + w.st.dram_bus_write_bytes.total();
    };
    if (key_of(o, by_rows.st.cycles, bus(by_rows)) >= key_of(o, gather.st.cycles, bus(gather)))
        return gather;
    d = rows;
    return by_rows;
}

void set_tiling(npu_desc_t& d, const std::array<u64, NPU_DIMS>& T,
                const std::array<std::uint8_t, NPU_DIMS>& order) {
    for (unsigned dim = 0; dim < NPU_DIMS; ++dim) {
        d.tile[dim] = static_cast<std::uint16_t>(T[dim]);
        d.loop_order[dim] = order[dim];
    }
}

// Orders to try for a tiling: every permutation of the active loops (inactive
// ones innermost, in index order). Without `all`, one order per class of
// reload factors (ρ_W, ρ_I, ρ_O, ρ_bias) and fold continuation runs
// (continuation_mask), which fixes bytes and the estimate.
std::vector<std::array<std::uint8_t, NPU_DIMS>> orders_for(const npu_desc_t& d, const Extents& e,
                                                           const std::array<u64, NPU_DIMS>& T,
                                                           unsigned rw, unsigned ri, unsigned ro,
                                                           bool all) {
    std::vector<std::uint8_t> active, inactive;
    for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
        (ceil_div(e.n[dim], T[dim]) > 1 ? active : inactive)
            .push_back(static_cast<std::uint8_t>(dim));
    std::vector<std::array<std::uint8_t, NPU_DIMS>> out;
    std::set<std::array<u64, 5>> seen;
    std::sort(active.begin(), active.end());
    do {
        std::array<std::uint8_t, NPU_DIMS> o{};
        size_t q = 0;
        for (auto dim : active)
            o[q++] = dim;
        for (auto dim : inactive)
            o[q++] = dim;
        if (!all) {
            const std::array<u64, 5> key{
                reload_factor(o, e, T, rw), reload_factor(o, e, T, ri), reload_factor(o, e, T, ro),
                reload_factor(o, e, T, 1u << NPU_DIM_M), continuation_mask(d, e, T, o)};
            if (!seen.insert(key).second) continue;
        }
        out.push_back(o);
    } while (std::next_permutation(active.begin(), active.end()));
    return out;
}

// Tile candidates per dimension (see kernel_schedule.h).
std::array<std::vector<u64>, NPU_DIMS> tile_candidates_for(const npu_desc_t& d, const ArchConfig& a,
                                                           const Extents& e, bool exhaustive,
                                                           bool relaxed) {
    std::array<std::vector<u64>, NPU_DIMS> cand;
    if (exhaustive) {
        for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
            for (u64 t = 1; t <= e.n[dim]; ++t)
                cand[dim].push_back(t);
        return cand;
    }
    const Mapping mp = mapping(d, a.core);
    const u64 M = e.n[NPU_DIM_M], C = e.n[NPU_DIM_C], E = e.n[NPU_DIM_Y], F = e.n[NPU_DIM_X],
              R = e.n[NPU_DIM_K], S = e.n[NPU_DIM_L];
    if (relaxed) {
        cand[NPU_DIM_M] = nice_sizes(M);
        cand[NPU_DIM_C] = nice_sizes(C);
        cand[NPU_DIM_Y] = nice_sizes(E);
        cand[NPU_DIM_X] = nice_sizes(F);
        cand[NPU_DIM_K] = nice_sizes(R);
        cand[NPU_DIM_L] = nice_sizes(S);
        return cand;
    }
    cand[NPU_DIM_M] = mp.m_on ? aligned_sizes(M, mp.m_on, mp.m_on) : temporal_sizes(M);
    if (mp.red_on) {
        // c * R * S mapped onto the rows: at least a row fold's worth of c,
        // and c tiles whose c*R*S fills whole row folds (step lanes / gcd)
        const u64 need = std::min(C, ceil_div(mp.red_on, R * S));
        const u64 step = mp.red_on / std::gcd<u64>(mp.red_on, R * S);
        std::set<u64> s;
        for (u64 t : nice_sizes(C))
            s.insert(t);
        for (u64 t : aligned_sizes(C, mp.red_on, step))
            s.insert(t);
        for (u64 t : s)
            if (t >= need) cand[NPU_DIM_C].push_back(t);
    } else {
        cand[NPU_DIM_C] = temporal_sizes(C);
    }
    if (mp.pix_on) {
        // pixels mapped onto the array: y tiles of whole rows fill whole
        // folds in steps of lanes / gcd(lanes, F), x tiles in steps of lanes
        const u64 ystep = mp.pix_on / std::gcd<u64>(mp.pix_on, F);
        std::set<u64> sy, sx;
        for (u64 t : temporal_sizes(E))
            sy.insert(t);
        insert_ragged_sizes(sy, E, ystep);
        for (u64 t : temporal_sizes(F))
            sx.insert(t);
        insert_ragged_sizes(sx, F, mp.pix_on);
        cand[NPU_DIM_Y].assign(sy.begin(), sy.end());
        cand[NPU_DIM_X].assign(sx.begin(), sx.end());
    } else {
        cand[NPU_DIM_Y] = temporal_sizes(E);
        cand[NPU_DIM_X] = temporal_sizes(F);
    }
    // x tiles: whole rows, or runs of at least one DMA burst
    const u64 run = std::min<u64>(F, a.core.dma_burst_bytes);
    cand[NPU_DIM_X].erase(std::remove_if(cand[NPU_DIM_X].begin(), cand[NPU_DIM_X].end(),
                                         [run](u64 t) { return t < run; }),
                          cand[NPU_DIM_X].end());
    cand[NPU_DIM_K] = {R};
    cand[NPU_DIM_L] = {S};
    return cand;
}

bool pixel_tile_ok(const Mapping& mp, const Extents& e, u64 ty, u64 tx, bool relaxed) {
    if (relaxed || !mp.pix_on) return true;
    return ty * tx >= std::min<u64>(mp.pix_on, e.n[NPU_DIM_Y] * e.n[NPU_DIM_X]);
}

// Objective key: smaller is better.
std::pair<u64, u64> key_of(Objective o, u64 cycles, u64 bytes) {
    return o == Objective::cycles ? std::make_pair(cycles, bytes) : std::make_pair(bytes, cycles);
}

KernelPrediction make_prediction(const npu_desc_t& d, const ArchConfig& a, const WalkResult& w) {
    const KernelTraffic t = predict_traffic(d);
    KernelPrediction p;
    p.macs = w.st.macs;
    p.cycles = w.st.cycles;
    p.compute_cycles = w.st.compute_cycles;
    p.tiles = w.st.tiles;
    p.bursts = w.bursts;
    const double pes = double(a.core.array_rows) * a.core.array_cols;
    p.utilization = p.cycles ? double(p.macs) / (double(p.cycles) * pes) : 0.0;
    p.rd_ifmap = static_cast<u64>(t.dram_read_bytes.ifmap);
    p.rd_weight =
        static_cast<u64>(t.dram_read_bytes.weight + t.dram_read_bytes.bias + t.dram_read_bytes.lut);
    p.rd_psum = static_cast<u64>(t.dram_read_bytes.psum);
    p.wr_ofmap = static_cast<u64>(t.dram_write_bytes.ofmap);
    p.wr_psum = static_cast<u64>(t.dram_write_bytes.psum);
    const npu::KernelStats& s = w.st;
    p.bus_rd_ifmap = s.dram_bus_read_bytes.ifmap;
    p.bus_rd_weight =
        s.dram_bus_read_bytes.weight + s.dram_bus_read_bytes.bias + s.dram_bus_read_bytes.lut;
    p.bus_rd_filter = s.dram_bus_read_bytes.weight;
    p.bus_rd_psum = s.dram_bus_read_bytes.psum;
    p.bus_wr_ofmap = s.dram_bus_write_bytes.ofmap;
    p.bus_wr_psum = s.dram_bus_write_bytes.psum;
    npu::Kernel k;
    npu::decode_kernel(d, a.core, k);
    const npu::FootprintBytes fb = npu::max_footprints(k);
    p.buf_ifmap = fb.ifmap;
    p.buf_weight = fb.weight;
    p.buf_ofmap = fb.ofmap;
    return p;
}

}  // namespace

const char* to_string(Objective o) {
    return o == Objective::cycles ? "cycles" : "dram";
}
const char* to_string(ScheduleMode m) {
    return m == ScheduleMode::best ? "best" : "fixed";
}

KernelPrediction predict_kernel(const npu_desc_t& desc, const ArchConfig& arch) {
    npu::Kernel k;
    const std::uint32_t err = npu::decode_kernel(desc, arch.core, k);
    if (err != NPU_ERR_NONE) throw std::invalid_argument(error_line(desc, err));
    return make_prediction(desc, arch, walk(desc, arch));
}

KernelPrediction estimate_kernel(const npu_desc_t& desc, const ArchConfig& arch) {
    const Scheduler s(desc, arch);
    std::array<u64, NPU_DIMS> T{};
    std::array<std::uint8_t, NPU_DIMS> order{};
    for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
        T[dim] = desc.tile[dim], order[dim] = desc.loop_order[dim];
    kernel_schedule_of(desc);  // checks tiles and order
    const TilingEval t = s.eval_tiling(T);
    if (!t.fits) throw std::invalid_argument(error_line(desc, NPU_ERR_TILE_TOO_LARGE));
    Candidate c;
    c.desc = desc;
    u64 bursts = 0;
    if (!s.eval_order(t, order, c, &bursts))
        throw std::invalid_argument(error_line(desc, NPU_ERR_NO_PSUM));
    KernelPrediction p;
    p.macs = static_cast<u64>(is_mac(desc.op) ? s.layer().macs() : 0);
    p.cycles = c.est_cycles;
    p.compute_cycles = s.compute_of(t, order);
    p.tiles = 1;
    for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
        p.tiles *= ceil_div(s.extents().n[dim], T[dim]);
    p.bursts = bursts;
    const double pes = double(arch.core.array_rows) * arch.core.array_cols;
    p.utilization = p.cycles ? double(p.macs) / (double(p.cycles) * pes) : 0.0;
    const KernelTraffic tr = predict_traffic(desc);
    p.rd_ifmap = static_cast<u64>(tr.dram_read_bytes.ifmap);
    p.rd_weight = static_cast<u64>(tr.dram_read_bytes.weight + tr.dram_read_bytes.bias +
                                   tr.dram_read_bytes.lut);
    p.rd_psum = static_cast<u64>(tr.dram_read_bytes.psum);
    p.wr_ofmap = static_cast<u64>(tr.dram_write_bytes.ofmap);
    p.wr_psum = static_cast<u64>(tr.dram_write_bytes.psum);
    return p;
}

void fixed_tiling(npu_desc_t& desc, const ArchConfig& arch) {
    const ConvLayer L = kernel_layer(desc);
    const Extents e = extents_of(L);
    const Mapping mp = mapping(desc, arch.core);
    std::array<u64, NPU_DIMS> T = e.n;
    const u64 F = e.n[NPU_DIM_X];
    T[NPU_DIM_M] = std::min<u64>(e.n[NPU_DIM_M], arch.core.array_cols);
    const u64 pix = mp.pix_on ? mp.pix_on : arch.core.array_rows;
    T[NPU_DIM_Y] = std::min<u64>(e.n[NPU_DIM_Y], ceil_div(pix, F));
    // m, then y, then x, then the reduction: no partial sum leaves the NPU.
    const std::array<std::uint8_t, NPU_DIMS> order{NPU_DIM_M, NPU_DIM_Y, NPU_DIM_X,
                                                   NPU_DIM_C, NPU_DIM_K, NPU_DIM_L};
    // Shrink until the footprints fit: c, then y, then x, then m, then k and l (halving).
    const unsigned shrink[] = {NPU_DIM_C, NPU_DIM_Y, NPU_DIM_X, NPU_DIM_M, NPU_DIM_K, NPU_DIM_L};
    const Scheduler s(desc, arch);
    for (;;) {
        if (s.eval_tiling(T).fits) break;
        bool shrunk = false;
        for (unsigned dim : shrink)
            if (T[dim] > 1) {
                T[dim] = ceil_div(T[dim], 2);
                shrunk = true;
                break;
            }
        if (!shrunk)
            throw std::invalid_argument(std::string("kernel ") + std::to_string(desc.kernel_id) +
                                        " (" + npu::op_name(desc.op) +
                                        "): no tiling fits the scratchpads");
    }
    set_tiling(desc, T, order);
}

std::vector<ScheduleChoice> rank_schedules(const npu_desc_t& desc_in, const ArchConfig& arch,
                                           Objective objective, const ScheduleOptions& opt) {
    const Scheduler s(desc_in, arch);
    const Extents& e = s.extents();
    const ConvLayer& L = s.layer();
    const unsigned rw = rel_mask(L, Operand::weight), ri = rel_mask(L, Operand::ifmap),
                   ro = rel_mask(L, Operand::ofmap);
    const Mapping mp = mapping(desc_in, arch.core);
    std::vector<Candidate> all;
    // Attempts: array-aligned tiles; then tiles smaller than the array too
    // (a scratchpad too small for one array-wide tile, e.g. 64x64 with
    // 16 KiB), k and l whole; then every size of every loop.
    for (int attempt = 0; attempt < 3 && all.empty(); ++attempt) {
        const bool relaxed = attempt > 0;
        auto cand = tile_candidates_for(desc_in, arch, e, opt.exhaustive, attempt == 2);
        if (attempt == 1)
            for (unsigned dim : {NPU_DIM_M, NPU_DIM_C, NPU_DIM_Y, NPU_DIM_X}) {
                std::set<u64> merged(cand[dim].begin(), cand[dim].end());
                for (u64 t : nice_sizes(e.n[dim]))
                    merged.insert(t);
                cand[dim].assign(merged.begin(), merged.end());
            }
        std::array<size_t, NPU_DIMS> pick{};
        for (;;) {
            std::array<u64, NPU_DIMS> T{};
            for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
                T[dim] = cand[dim][pick[dim]];
            // Tilings the NPU would refuse (NPU_ERR_TOO_MUCH_WORK) are no
            // candidates: small relaxed tiles of a large layer can exceed it.
            std::uint32_t trips[NPU_DIMS];
            for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
                trips[dim] = static_cast<std::uint32_t>(ceil_div(e.n[dim], T[dim]));
            if (npu_tiles_within_limit(trips, NPU_DIMS) &&
                (opt.exhaustive || pixel_tile_ok(mp, e, T[NPU_DIM_Y], T[NPU_DIM_X], relaxed))) {
                const TilingEval t = s.eval_tiling(T);
                if (t.fits)
                    for (const auto& order :
                         orders_for(desc_in, e, T, rw, ri, ro, opt.exhaustive)) {
                        Candidate c;
                        c.desc = desc_in;
                        set_tiling(c.desc, T, order);
                        if (!s.eval_order(t, order, c)) continue;
                        c.iterations = 1;
                        for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
                            c.iterations *= ceil_div(e.n[dim], T[dim]);
                        all.push_back(c);
                    }
            }
            int dim = NPU_DIMS - 1;
            while (dim >= 0 &&
                   ++pick[static_cast<size_t>(dim)] == cand[static_cast<size_t>(dim)].size())
                pick[static_cast<size_t>(dim--)] = 0;
            if (dim < 0) break;
        }
        if (opt.exhaustive) break;
    }
    if (all.empty())
        throw std::invalid_argument(std::string("kernel ") + std::to_string(desc_in.kernel_id) +
                                    " (" + npu::op_name(desc_in.op) +
                                    "): no tiling fits the scratchpads");
    // Rank by the analytic estimate; fewer inter-tile iterations break ties.
    auto est_less = [objective](const Candidate& a, const Candidate& b) {
        const auto ka = key_of(objective, a.est_cycles, a.bytes),
                   kb = key_of(objective, b.est_cycles, b.bytes);
        if (ka != kb) return ka < kb;
        return a.iterations < b.iterations;
    };
    std::stable_sort(all.begin(), all.end(), est_less);
    // Confirm the head with the NPU's walk: the best `confirm_top` by the
    // estimate, and for the dram objective every candidate sharing the
    // minimum bytes up to that count (bytes are exact, cycles are not).
    size_t n =
        opt.confirm_all ? all.size() : std::min(all.size(), size_t(std::max(1u, opt.confirm_top)));
    std::vector<ScheduleChoice> out;
    for (size_t i = 0; i < n; ++i) {
        const WalkResult w = walk_choosing_fetch(all[i].desc, arch, objective);
        ScheduleChoice ch;
        ch.desc = all[i].desc;
        ch.prediction = make_prediction(all[i].desc, arch, w);
        ch.estimated_cycles = all[i].est_cycles;
        out.push_back(ch);
    }
    std::stable_sort(
        out.begin(), out.end(), [objective](const ScheduleChoice& a, const ScheduleChoice& b) {
            const auto ka = key_of(objective, a.prediction.cycles, a.prediction.dram_bytes()),
                       kb = key_of(objective, b.prediction.cycles, b.prediction.dram_bytes());
            if (ka != kb) return ka < kb;
            return a.prediction.tiles < b.prediction.tiles;
        });
    return out;
}

KernelPrediction schedule_kernel(npu_desc_t& desc, const ArchConfig& arch, Objective objective,
                                 ScheduleMode mode, const ScheduleOptions& opt) {
    if (mode == ScheduleMode::fixed) {
        fixed_tiling(desc, arch);
        return make_prediction(desc, arch, walk_choosing_fetch(desc, arch, objective));
    }
    const std::vector<ScheduleChoice> r = rank_schedules(desc, arch, objective, opt);
    desc = r.front().desc;
    return r.front().prediction;
}

KernelPrediction schedule_kernel(npu_desc_t& desc, const ArchConfig& arch, Objective objective,
                                 ScheduleMode mode) {
    return schedule_kernel(desc, arch, objective, mode, ScheduleOptions{});
}

}  // namespace npu::compiler
