// A descriptor as the traffic model's nest and schedule, and its predicted
// DRAM bytes (kernel_traffic.h).
#include "npu_compiler/kernel_traffic.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "npu_abi/npu_regs.h"

namespace npu::compiler {

namespace {

// NPU_REQUANT_MAX_SHIFT of npu_regs.h, which the compiler does not include.
constexpr unsigned kMaxShift = 62;
constexpr int64_t kBiasBytes = 4, kQtableEntryBytes = 8;

// The message is built only on failure (the search calls this in a loop).
void require(bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(std::string("descriptor: ") + what);
}
void require_field(bool ok, const char* field, unsigned value) {
    if (!ok)
        throw std::invalid_argument(std::string("descriptor: bad ") + field + " " +
                                    std::to_string(value));
}

bool is_mac(unsigned op) {
    return op == NPU_OP_CONV || op == NPU_OP_GEMM;
}
bool is_pool(unsigned op) {
    return op == NPU_OP_MAXPOOL || op == NPU_OP_AVGPOOL || op == NPU_OP_GAVGPOOL;
}
bool is_eltwise(unsigned op) {
    return op == NPU_OP_ADD || op == NPU_OP_MUL;
}

// Output size of a sliding window, or -1 when the window does not fit.
int64_t window_out(int64_t in, int64_t pad0, int64_t pad1, int64_t win, int64_t stride) {
    if (stride < 1 || win < 1 || in + pad0 + pad1 < win) return -1;
    return (in + pad0 + pad1 - win) / stride + 1;
}

// descriptor.h's view rule: rows and channel planes must not overlap.
void check_view(const char* name, uint32_t ch_stride, uint32_t row_stride, int64_t height,
                int64_t width) {
    const int64_t row = row_stride ? row_stride : width;
    const int64_t ch = ch_stride ? ch_stride : height * width;
    if (row < width || ch < (height - 1) * row + width)
        throw std::invalid_argument(std::string("descriptor: ") + name +
                                    " strides overlap rows or channel planes");
}

void check_shape(const npu_desc_t& d) {
    require_field(d.op != NPU_OP_INVALID && d.op < NPU_OP_COUNT, "op", d.op);
    require_field(d.dataflow <= NPU_DF_IS, "dataflow", d.dataflow);
    require_field(d.out_type <= NPU_OUT_INT32, "out_type", d.out_type);
    require_field(d.act <= NPU_ACT_LUT, "act", d.act);
    require(d.c && d.h && d.w && d.m && d.e && d.f, "c, h, w, m, e and f must be >= 1");
    const bool mac = is_mac(d.op);
    require(mac || d.out_type == NPU_OUT_INT8, "out_type is for conv and gemm only");
    require(mac || is_eltwise(d.op) || d.act == NPU_ACT_NONE,
            "act is for conv, gemm, add and mul only");
    require(mac || !(d.flags & (NPU_DESC_F_BIAS | NPU_DESC_F_QTABLE)),
            "bias/qtable flags are for conv and gemm only");
    require(d.out_type != NPU_OUT_INT32 || d.act == NPU_ACT_NONE, "act needs out_type int8");
    require(!(d.flags & NPU_DESC_F_QTABLE) || d.out_type == NPU_OUT_INT8,
            "qtable needs out_type int8");
    require_field(d.shift <= kMaxShift, "shift (max 62)", d.shift);
    if (mac) {
        require(d.groups >= 1 && d.c % d.groups == 0 && d.m % d.groups == 0,
                "groups must divide c and m");
        require(d.op != NPU_OP_GEMM ||
                    (d.r == 1 && d.s == 1 && d.stride_h == 1 && d.stride_w == 1 && !d.pad_top &&
                     !d.pad_left && !d.pad_bottom && !d.pad_right && d.groups == 1),
                "gemm needs r = s = 1, stride 1, no padding, one group");
    } else if (is_pool(d.op)) {
        require(d.m == d.c, "pool needs m = c");
        if (d.op == NPU_OP_GAVGPOOL)
            require(d.r == d.h && d.s == d.w && d.e == 1 && d.f == 1 && !d.pad_top && !d.pad_left &&
                        !d.pad_bottom && !d.pad_right,
                    "global pool needs r = h, s = w, e = f = 1, no padding");
    } else {
        require(d.m == d.c && d.e == d.h && d.f == d.w && d.r == 1 && d.s == 1,
                "eltwise/unary needs m = c, e = h, f = w, r = s = 1");
    }
    if (d.op != NPU_OP_GAVGPOOL && (mac || is_pool(d.op))) {
        require(window_out(d.h, d.pad_top, d.pad_bottom, d.r, d.stride_h) == d.e,
                "e does not follow from h, r, stride_h, pad_top and pad_bottom");
        require(window_out(d.w, d.pad_left, d.pad_right, d.s, d.stride_w) == d.f,
                "f does not follow from w, s, stride_w, pad_left and pad_right");
    }
    check_view("ifmap", d.ifmap_ch_stride, d.ifmap_row_stride, d.h, d.w);
    check_view("ofmap", d.ofmap_ch_stride, d.ofmap_row_stride, d.e, d.f);
    if (is_eltwise(d.op)) check_view("operand B", d.opb_ch_stride, d.opb_row_stride, d.h, d.w);
}

}  // namespace

ConvLayer kernel_layer(const npu_desc_t& d) {
    check_shape(d);
    ConvLayer L;
    if (is_mac(d.op)) {
        L = ConvLayer::conv2d(d.c, d.m, d.h, d.w, d.r, d.s, d.stride_h, d.stride_w, d.pad_top,
                              d.pad_left, d.pad_bottom, d.pad_right, d.groups,
                              (d.flags & NPU_DESC_F_BIAS) != 0);
        L.w_ofmap = d.out_type == NPU_OUT_INT32 ? 4 : 1;
        L.has_lut = d.act == NPU_ACT_LUT;
        L.channel_table_bytes = (d.flags & NPU_DESC_F_QTABLE) ? kQtableEntryBytes : 0;
    } else if (d.op == NPU_OP_GAVGPOOL) {
        L = ConvLayer::global_pool(d.c, d.h, d.w);
    } else if (is_pool(d.op)) {
        L = ConvLayer::pool(d.c, d.h, d.w, d.r, d.s, d.stride_h, d.stride_w, d.pad_top, d.pad_left,
                            d.pad_bottom, d.pad_right);
    } else {
        L = ConvLayer::elementwise(d.c, d.h, d.w, is_eltwise(d.op));
        L.w_ifmap = d.op == NPU_OP_REQUANT ? 4 : 1;
        L.has_lut = d.op == NPU_OP_LUT || d.act == NPU_ACT_LUT;  // eltwise: fused LUT
    }
    L.w_bias = kBiasBytes;
    return L;
}

namespace {
Schedule schedule_for(const npu_desc_t& d, const ConvLayer& L) {
    Schedule s;
    bool seen[kNumDims] = {};
    for (int p = 0; p < kNumDims; ++p) {
        const unsigned dim = d.loop_order[p];
        require(dim < kNumDims && !seen[dim], "loop_order is not a permutation of 0..5");
        seen[dim] = true;
        s.order[static_cast<size_t>(p)] = static_cast<Dim>(dim);
    }
    for (int dim = 0; dim < kNumDims; ++dim) {
        const Dim dd = static_cast<Dim>(dim);
        if (d.tile[dim] < 1 || d.tile[dim] > L.extent(dd))
            throw std::invalid_argument(std::string("descriptor: tile of ") + dim_name(dd) +
                                        " must be in 1.." + std::to_string(L.extent(dd)));
        s.tile[static_cast<size_t>(dim)] = d.tile[dim];
    }
    // The NPU's bound on one kernel's work (npu_regs.h), asked the same way.
    uint32_t trips[kNumDims];
    for (int dim = 0; dim < kNumDims; ++dim)
        trips[dim] = static_cast<uint32_t>(s.trips(L, static_cast<Dim>(dim)));
    if (!npu_tiles_within_limit(trips, kNumDims))
        throw std::invalid_argument("descriptor: " + std::to_string(s.iterations(L)) +
                                    " inter-tile iterations, more than NPU_MAX_KERNEL_TILES (" +
                                    std::to_string(NPU_MAX_KERNEL_TILES) + ")");
    return s;  // tile-level buffers, policy tile: the defaults
}
}  // namespace

Schedule kernel_schedule_of(const npu_desc_t& d) {
    return schedule_for(d, kernel_layer(d));
}

namespace {

// Weight loads of a kernel with NPU_DESC_F_RESIDENT from a cold scratchpad.
// The two weight halves act as a two-entry cache keyed by the tile (the one
// not in use is replaced). A weight tile's key changes at every step of the
// loops up to p_W; in one sweep of the active relevant loops inside the
// innermost active irrelevant loop the keys run through P distinct tiles. If
// P = 2, every repeated sweep finds both tiles resident: the irrelevant loops
// directly around that sweep no longer reload. If P > 2 the cycle is longer
// than the cache and every change loads, as without the flag.
int64_t resident_weight_rho(const ConvLayer& L, const Schedule& s) {
    auto active = [&](int j) { return s.trips(L, s.order[static_cast<size_t>(j)]) > 1; };
    auto rel = [&](int j) { return relevant(L, Operand::weight, s.order[static_cast<size_t>(j)]); };
    int p = -1;
    for (int j = 0; j < kNumDims; ++j)
        if (active(j) && rel(j)) p = j;
    if (p < 0) return 1;
    int64_t P = 1;
    int j = p;
    for (; j >= 0 && !(active(j) && !rel(j)); --j)
        if (active(j)) P *= s.trips(L, s.order[static_cast<size_t>(j)]);
    int skip_to = j;  // the run of irrelevant loops around the sweep: [skip_from, skip_to]
    if (P == 2)
        for (; j >= 0 && !(active(j) && rel(j)); --j) {
        }
    const int skip_from = j + 1;
    int64_t rho = 1;
    for (int q = 0; q < p; ++q)
        if (active(q) && !rel(q) && !(P == 2 && q >= skip_from && q <= skip_to))
            rho *= s.trips(L, s.order[static_cast<size_t>(q)]);
    return rho;
}

}  // namespace

TilingTraffic tiling_traffic(const npu_desc_t& d) {
    TilingTraffic t;
    t.desc = d;
    t.layer = kernel_layer(d);
    npu_desc_t any_order = d;  // the sums do not depend on it
    for (uint8_t p = 0; p < NPU_DIMS; ++p)
        any_order.loop_order[p] = p;
    t.schedule = schedule_for(any_order, t.layer);
    t.terms = closed_form_terms(t.layer, t.schedule);
    return t;
}

KernelTraffic predict_traffic(const TilingTraffic& tiling, const uint8_t (&loop_order)[NPU_DIMS]) {
    const ConvLayer& L = tiling.layer;
    Schedule s = tiling.schedule;
    unsigned seen = 0;
    for (int p = 0; p < kNumDims; ++p) {
        const unsigned dim = loop_order[p];
        require(dim < kNumDims && !(seen & (1u << dim)), "loop_order is not a permutation of 0..5");
        seen |= 1u << dim;
        s.order[static_cast<size_t>(p)] = static_cast<Dim>(dim);
    }
    ClosedFormTerms t = tiling.terms;
    order_terms(L, s, t);
    const Traffic tr = closed_form(L, t);
    KernelTraffic k;
    int64_t weight_reads = tr.weight_reads;
    if ((tiling.desc.flags & NPU_DESC_F_RESIDENT) && L.weights == WeightKind::filter)
        weight_reads = resident_weight_rho(L, s) * L.weight_elems();
    k.dram_read_bytes.ifmap = tr.ifmap_reads * L.w_ifmap;
    k.dram_read_bytes.weight = weight_reads * L.w_weight;
    k.dram_read_bytes.psum = tr.psum_reads * L.w_psum;
    k.dram_read_bytes.bias = tr.bias_reads * L.w_bias + tr.table_reads * L.channel_table_bytes;
    k.dram_read_bytes.lut = tr.lut_reads;  // int8 entries
    k.dram_write_bytes.ofmap = tr.final_writes * L.w_ofmap;
    k.dram_write_bytes.psum = tr.psum_writes * L.w_psum;
    const BufferNeeds need = buffer_needs(L, s, t);
    k.max_footprint_elems.weight = need.elems[idx(Operand::weight)];
    k.max_footprint_elems.ifmap = need.elems[idx(Operand::ifmap)];
    k.max_footprint_elems.ofmap = need.elems[idx(Operand::ofmap)];
    k.max_footprint_elems.channels = L.has_bias || L.channel_table_bytes ? s.tile[idx(Dim::m)] : 0;
    k.tiles = s.iterations(L);
    k.spills_psum = t.rho[idx(Operand::ofmap)] > 1;
    return k;
}

KernelTraffic predict_traffic(const npu_desc_t& d) {
    return predict_traffic(tiling_traffic(d), d.loop_order);
}

bool WeightHalves::Tile::operator==(const Tile& o) const {
    return valid == o.valid && weight_addr == o.weight_addr && cg == o.cg && r == o.r && s == o.s &&
           bounds == o.bounds;
}

namespace {

constexpr Dim kFilterDims[4] = {Dim::m, Dim::c, Dim::k, Dim::l};

// The filter tile with tile index j[i] along kFilterDims[i].
WeightHalves::Tile filter_tile(const npu_desc_t& d, const ConvLayer& L, const Schedule& s,
                               const std::array<int64_t, 4>& j) {
    WeightHalves::Tile t;
    t.valid = true;
    t.weight_addr = d.weight_addr;
    t.cg = static_cast<uint32_t>(L.channels_per_group());
    t.r = d.r;
    t.s = d.s;
    for (int i = 0; i < 4; ++i) {
        const int64_t T = s.tile[idx(kFilterDims[i])], N = L.extent(kFilterDims[i]);
        t.bounds[static_cast<size_t>(2 * i)] = static_cast<uint32_t>(j[i] * T);
        t.bounds[static_cast<size_t>(2 * i + 1)] = static_cast<uint32_t>(std::min(j[i] * T + T, N));
    }
    return t;
}

int64_t tile_elems(const WeightHalves::Tile& t) {
    int64_t n = 1;
    for (int i = 0; i < 4; ++i)
        n *= t.bounds[static_cast<size_t>(2 * i + 1)] - t.bounds[static_cast<size_t>(2 * i)];
    return n;
}

}  // namespace

KernelTraffic predict_traffic(const npu_desc_t& d, WeightHalves& halves) {
    KernelTraffic k = predict_traffic(d);
    const ConvLayer L = kernel_layer(d);
    if (L.weights == WeightKind::none) return k;  // the weight halves are not touched
    const Schedule s = schedule_for(d, L);
    const ClosedFormTerms t = closed_form_terms(L, s);
    const int64_t loads_cold =
        t.rho[idx(Operand::weight)] *
        (L.weights == WeightKind::filter
             ? s.trips(L, Dim::m) * s.trips(L, Dim::c) * s.trips(L, Dim::k) * s.trips(L, Dim::l)
             : s.trips(L, Dim::m) * s.trips(L, Dim::y) * s.trips(L, Dim::x));
    if (L.weights == WeightKind::operand) {
        // Operand B goes through the halves too and leaves no filter tile.
        halves.other = loads_cold >= 2 ? WeightHalves::Tile{} : halves.current;
        halves.current = WeightHalves::Tile{};
        return k;
    }
    // The weight tile sequence: the first tile has every index 0; the key
    // first changes when the innermost active relevant loop (p_W) steps; the
    // last two tiles differ in that loop's last two indices.
    const int p = t.p[idx(Operand::weight)];
    int pi = -1;  // index of p_W's dimension in kFilterDims
    for (int i = 0; p > 0 && i < 4; ++i)
        if (kFilterDims[i] == s.order[static_cast<size_t>(p - 1)]) pi = i;
    std::array<int64_t, 4> first{}, last{};
    for (int i = 0; i < 4; ++i)
        last[static_cast<size_t>(i)] = s.trips(L, kFilterDims[i]) - 1;
    const WeightHalves::Tile t1 = filter_tile(d, L, s, first);
    const WeightHalves::Tile tl = filter_tile(d, L, s, last);
    WeightHalves::Tile t2, tp;
    if (pi >= 0) {
        std::array<int64_t, 4> second = first, prev = last;
        second[static_cast<size_t>(pi)] = 1;
        prev[static_cast<size_t>(pi)] -= 1;
        t2 = filter_tile(d, L, s, second);
        tp = filter_tile(d, L, s, prev);
    }
    const WeightHalves before = halves;
    // After the first tile the other half holds what the current one held,
    // unless the first tile was found there (then the other half stays).
    const WeightHalves::Tile other1 = t1 == before.current ? before.other : before.current;
    if (d.flags & NPU_DESC_F_RESIDENT) {
        // Only the first two tiles can be found from before the kernel: after
        // them both halves hold this kernel's tiles, as from a cold start.
        int64_t saved = 0;
        if (t1 == before.current || t1 == before.other) saved += tile_elems(t1);
        if (pi >= 0 && t2 == other1) saved += tile_elems(t2);
        k.dram_read_bytes.weight -= saved * L.w_weight;
    }
    if (pi >= 0) {
        halves.current = tl;
        halves.other = tp;
    } else {
        halves.current = t1;
        halves.other = (d.flags & NPU_DESC_F_RESIDENT) ? other1 : before.current;
    }
    return k;
}

std::string KernelTraffic::str() const {
    std::ostringstream o;
    o << "read {ifmap " << dram_read_bytes.ifmap << ", weight " << dram_read_bytes.weight
      << ", psum " << dram_read_bytes.psum << ", bias " << dram_read_bytes.bias << ", lut "
      << dram_read_bytes.lut << "} write {ofmap " << dram_write_bytes.ofmap << ", psum "
      << dram_write_bytes.psum << "} tiles " << tiles;
    return o.str();
}

}  // namespace npu::compiler
