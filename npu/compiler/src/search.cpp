// Schedule search; see search.h for the candidate sets and the ranking.
#include "npu_compiler/search.h"

#include "npu/core.h"

#include <algorithm>
#include <array>
#include <functional>
#include <stdexcept>
#include <unordered_set>

namespace npu::compiler {

namespace {

int level_sum(const Schedule& s) {
    return s.level[0] + s.level[1] + s.level[2];
}

// Everything about one tile vector that does not depend on the order.
struct TileContext {
    const ConvLayer& L;
    Schedule base;  // tiles set; order and levels filled per candidate
    std::array<int64_t, kNumDims> n{};
    // ifmap (ΣF_I, max|F_I|) by the mask of dims outside the buffer; -1 = not computed.
    std::array<std::array<int64_t, 2>, 64> ifmap_cache;

    TileContext(const ConvLayer& layer, const Schedule& s) : L(layer), base(s) {
        for (int d = 0; d < kNumDims; ++d)
            n[d] = s.trips(L, static_cast<Dim>(d));
        for (auto& e : ifmap_cache)
            e = {-1, -1};
    }
};

struct TensorEval {
    int64_t cost = 0;   // bytes over DRAM for this tensor
    int64_t bytes = 0;  // its buffer bytes (x2 when double-buffered)
    int64_t need = 0;   // bytes of one footprint copy (the NPU's capacity rule)
};

// Mask of dims at positions 1..lvl of order.
int outside_mask(const std::array<Dim, kNumDims>& order, int lvl) {
    int mask = 0;
    for (int j = 0; j < lvl; ++j)
        mask |= 1 << idx(order[j]);
    return mask;
}

template <typename Rel>
int64_t rho_of(const TileContext& ctx, const std::array<Dim, kNumDims>& order, int lvl, Rel rel) {
    int p = 0;
    for (int j = 1; j <= lvl; ++j)
        if (rel(order[j - 1]) && ctx.n[idx(order[j - 1])] > 1) p = j;
    int64_t rho = 1;
    for (int j = 1; j < p; ++j)
        if (!rel(order[j - 1])) rho *= ctx.n[idx(order[j - 1])];
    return rho;
}

TensorEval eval_tensor(TileContext& ctx, const std::array<Dim, kNumDims>& order, Operand x, int lvl,
                       bool double_buffer) {
    const ConvLayer& L = ctx.L;
    const int mask = outside_mask(order, lvl);
    auto e = [&](Dim d) { return (mask >> idx(d)) & 1 ? ctx.base.tile[idx(d)] : L.extent(d); };
    const int64_t db = double_buffer ? 2 : 1;
    const int64_t rho = rho_of(ctx, order, lvl, [x](Dim d) { return relevant(x, d); });
    TensorEval r;
    // Footprint bytes by the NPU's capacity rule (npu/core.h): element widths,
    // the bias next to the accumulators in the ofmap buffer.
    npu::FootprintElems fe;
    npu::ElementBytes w;
    w.ifmap = static_cast<std::uint32_t>(L.w_ifmap);
    w.weight = static_cast<std::uint32_t>(L.w_weight);
    w.accumulator = static_cast<std::uint32_t>(L.w_psum);
    w.channel_params = static_cast<std::uint32_t>(L.has_bias ? L.w_bias : 0);
    switch (x) {
        case Operand::weight: {
            r.cost = rho * L.weight_elems() * L.w_weight;
            fe.weight = static_cast<std::uint64_t>(e(Dim::m) * e(Dim::c) * e(Dim::k) * e(Dim::l));
            r.need = static_cast<int64_t>(npu::footprint_bytes(fe, w).weight);
            break;
        }
        case Operand::ifmap: {
            auto& cache = ctx.ifmap_cache[static_cast<size_t>(mask)];
            if (cache[0] < 0) {
                Schedule s = ctx.base;
                s.order = order;
                s.level = {6, lvl, 6};
                const ClosedFormTerms t = closed_form_terms(L, s);
                cache[0] = t.sum_footprint[idx(Operand::ifmap)];
                cache[1] = buffer_needs(L, s).elems[idx(Operand::ifmap)];
            }
            r.cost = rho * cache[0] * L.w_ifmap;
            fe.ifmap = static_cast<std::uint64_t>(cache[1]);
            r.need = static_cast<int64_t>(npu::footprint_bytes(fe, w).ifmap);
            break;
        }
        case Operand::ofmap: {
            const int64_t O = L.ofmap_elems();
            r.cost = 2 * (rho - 1) * O * L.w_psum + O * L.w_ofmap;
            fe.ofmap = static_cast<std::uint64_t>(e(Dim::m) * e(Dim::y) * e(Dim::x));
            if (L.has_bias) {
                const int64_t rho_b = rho_of(ctx, order, lvl, [](Dim d) { return d == Dim::m; });
                r.cost += rho_b * L.M * L.w_bias;
                fe.channels = static_cast<std::uint64_t>(e(Dim::m));
            }
            r.need = static_cast<int64_t>(npu::footprint_bytes(fe, w).ofmap);
            break;
        }
    }
    r.bytes = r.need * db;
    return r;
}

int64_t capacity(const BufferConfig& b, Operand x) {
    switch (x) {
        case Operand::weight:
            return b.weight_bytes;
        case Operand::ifmap:
            return b.ifmap_bytes;
        case Operand::ofmap:
            return b.ofmap_bytes;
    }
    return 0;
}

// The class of an order with tile-level buffers (its reload factors in the closed
// form of docs/dataflow-model.md): for each tensor, the set of
// active irrelevant loops placed before p_X.
uint32_t order_class(const TileContext& ctx, const std::array<Dim, kNumDims>& order) {
    uint32_t sig = 0;
    for (int x = 0; x < kNumOperands; ++x) {
        const auto op = static_cast<Operand>(x);
        int p = 0;
        for (int j = 1; j <= kNumDims; ++j)
            if (relevant(op, order[j - 1]) && ctx.n[idx(order[j - 1])] > 1) p = j;
        uint32_t s = 0;
        for (int j = 1; j < p; ++j)
            if (!relevant(op, order[j - 1]) && ctx.n[idx(order[j - 1])] > 1)
                s |= 1u << idx(order[j - 1]);
        sig |= s << (6 * x);
    }
    return sig;
}

void insert_top_k(std::vector<SearchResult>& top, const SearchResult& r, size_t k) {
    if (top.size() == k && !better(r, top.back())) return;
    auto it = std::upper_bound(top.begin(), top.end(), r, better);
    top.insert(it, r);
    if (top.size() > k) top.pop_back();
}

}  // namespace

std::vector<int64_t> tile_candidates(int64_t n, bool exhaustive) {
    std::vector<int64_t> v;
    for (int64_t t = 1; t <= n; ++t)
        if (exhaustive || n % t == 0) v.push_back(t);
    if (!exhaustive)
        for (int64_t t = 1; t < n; t *= 2)
            v.push_back(t);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

bool better(const SearchResult& a, const SearchResult& b) {
    if (!b.found) return a.found;
    if (!a.found) return false;
    if (a.cost_bytes != b.cost_bytes) return a.cost_bytes < b.cost_bytes;
    if (a.buffer_bytes != b.buffer_bytes) return a.buffer_bytes < b.buffer_bytes;
    if (a.iterations != b.iterations) return a.iterations < b.iterations;
    return level_sum(a.schedule) > level_sum(b.schedule);  // prefer tile-level buffers
}

SearchResult evaluate(const ConvLayer& L, const Schedule& s) {
    SearchResult r;
    r.found = true;
    r.schedule = s;
    r.traffic = predict(L, s);
    r.bytes = to_bytes(L, r.traffic);
    r.cost_bytes = r.bytes.total();
    r.buffer_bytes = buffer_needs(L, s).total_bytes();
    r.iterations = s.iterations(L);
    return r;
}

SearchResult search(const ConvLayer& L, const SearchOptions& opt) {
    L.validate();
    std::array<std::vector<int64_t>, kNumDims> cand;
    for (int d = 0; d < kNumDims; ++d) {
        const Dim dim = static_cast<Dim>(d);
        const int64_t n = L.extent(dim);
        const bool filter = dim == Dim::k || dim == Dim::l;
        if (filter && !opt.split_filter && !opt.exhaustive_tiles)
            cand[d] = {n};
        else
            cand[d] = tile_candidates(n, opt.exhaustive_tiles);
        const int64_t lo = std::min(n, opt.min_tile[d]);
        cand[d].erase(
            std::remove_if(cand[d].begin(), cand[d].end(), [lo](int64_t t) { return t < lo; }),
            cand[d].end());
    }

    SearchResult best;              // found == false
    std::vector<SearchResult> top;  // delta policy: tile-ranked shortlist
    const size_t top_k = static_cast<size_t>(std::max(1, opt.delta_top_k));
    int64_t combos = 0, orders = 0, feasible = 0;

    std::array<size_t, kNumDims> pick{};
    for (;;) {
        Schedule base;
        for (int d = 0; d < kNumDims; ++d)
            base.tile[d] = cand[d][pick[d]];
        base.double_buffer = opt.double_buffer;
        TileContext ctx(L, base);
        ++combos;

        std::vector<Dim> active, inactive;
        for (int d = 0; d < kNumDims; ++d)
            (ctx.n[d] > 1 ? active : inactive).push_back(static_cast<Dim>(d));
        const int a = static_cast<int>(active.size());
        std::unordered_set<uint32_t> seen;

        // Orders by depth-first search over the active loops, in lexicographic
        // order. A tensor's traffic and buffer at level ℓ depend only on the
        // first ℓ loops of the order, so each prefix is evaluated once and the
        // best level per tensor is carried down (the deeper level wins ties).
        struct Pick {
            bool any = false;
            TensorEval ev;
            int lvl = 0;
        };
        using Picks = std::array<Pick, kNumOperands>;
        std::array<Dim, kNumDims> order{};
        std::function<void(int, unsigned, const Picks&)> dfs = [&](int depth, unsigned used,
                                                                   const Picks& parent) {
            // Complete the order: unused active loops, then the inactive ones.
            int q = depth;
            for (Dim d : active)
                if (!(used & (1u << idx(d)))) order[static_cast<size_t>(q++)] = d;
            for (Dim d : inactive)
                order[static_cast<size_t>(q++)] = d;
            Picks cur = parent;
            if (opt.search_levels || depth == a) {
                for (int x = 0; x < kNumOperands; ++x) {
                    const auto op = static_cast<Operand>(x);
                    const TensorEval ev = eval_tensor(ctx, order, op, depth, opt.double_buffer);
                    // The capacity rule: one copy in half the buffer when double-buffered.
                    if (static_cast<std::uint64_t>(ev.need) >
                        npu::usable_bytes(static_cast<std::uint64_t>(capacity(opt.buffers, op)),
                                          opt.double_buffer))
                        continue;
                    Pick& p = cur[static_cast<size_t>(x)];
                    if (!p.any || ev.cost < p.ev.cost ||
                        (ev.cost == p.ev.cost && ev.bytes <= p.ev.bytes)) {
                        p.any = true;
                        p.ev = ev;
                        p.lvl = depth;
                    }
                }
            }
            if (depth < a) {
                for (Dim d : active) {
                    if (used & (1u << idx(d))) continue;
                    order[static_cast<size_t>(depth)] = d;
                    dfs(depth + 1, used | (1u << idx(d)), cur);
                    // restore the prefix for the siblings
                    q = depth;
                    for (Dim e : active)
                        if (!(used & (1u << idx(e)))) order[static_cast<size_t>(q++)] = e;
                }
                return;
            }
            if (!opt.search_levels && !seen.insert(order_class(ctx, order)).second) return;
            ++orders;
            SearchResult r;
            r.found = true;
            r.schedule = base;
            r.schedule.order = order;
            for (int x = 0; x < kNumOperands; ++x) {
                const Pick& p = cur[static_cast<size_t>(x)];
                if (!p.any) return;
                r.cost_bytes += p.ev.cost;
                r.buffer_bytes += p.ev.bytes;
                r.schedule.level[x] = p.lvl >= a ? kNumDims : p.lvl;
            }
            ++feasible;
            r.iterations = base.iterations(L);
            if (opt.policy == Policy::delta)
                insert_top_k(top, r, top_k);
            else if (better(r, best))
                best = r;
        };
        dfs(0, 0u, Picks{});

        int d = kNumDims - 1;
        while (d >= 0 && ++pick[d] == cand[d].size())
            pick[d--] = 0;
        if (d < 0) break;
    }

    if (opt.policy == Policy::delta) {
        for (const SearchResult& t : top) {
            Schedule s = t.schedule;
            s.policy = Policy::delta;
            const SearchResult r = evaluate(L, s);
            if (better(r, best)) best = r;
        }
    } else if (best.found) {
        best = evaluate(L, best.schedule);  // fill traffic and bytes from the closed form
    }
    best.tile_combinations = combos;
    best.orders_evaluated = orders;
    best.feasible = feasible;
    return best;
}

}  // namespace npu::compiler
