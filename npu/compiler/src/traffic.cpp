// Closed form and tile-level walk of the traffic model (docs/dataflow-model.md; §3,
// §4 and §6 below are its sections Footprints, The closed form, The delta policy).
#include "npu_compiler/traffic.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace npu::compiler {

namespace {

// The message is built only on failure (the model is called in search loops).
void require(bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(what);
}
void require(bool ok, const char* what, const char* detail) {
    if (!ok) throw std::invalid_argument(std::string(what) + detail);
}

int64_t ceil_div(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

// Tile j of dimension d: [begin, begin + extent).
struct Range {
    int64_t begin = 0, extent = 0;
};

Range tile_range(const ConvLayer& L, const Schedule& s, Dim d, int64_t j) {
    const int64_t T = s.tile[idx(d)], N = L.extent(d);
    return Range{j * T, std::min(T, N - j * T)};
}

// e_d of §3 for tensor x at tile index j: the tile if d is outside x's buffer, else the full range.
Range factor_range(const ConvLayer& L, const Schedule& s, Operand x, Dim d, int64_t j) {
    if (s.outside(x, d)) return tile_range(L, s, d, j);
    return Range{0, L.extent(d)};
}

}  // namespace

const char* dim_name(Dim d) {
    static const char* names[] = {"m", "c", "y", "x", "k", "l"};
    return names[idx(d)];
}

const char* operand_name(Operand x) {
    static const char* names[] = {"weight", "ifmap", "ofmap"};
    return names[idx(x)];
}

bool relevant(Operand x, Dim d) {
    switch (x) {
        case Operand::weight:
            return d == Dim::m || d == Dim::c || d == Dim::k || d == Dim::l;
        case Operand::ifmap:
            return d != Dim::m;
        case Operand::ofmap:
            return d == Dim::m || d == Dim::y || d == Dim::x;
    }
    return false;
}

bool relevant(const ConvLayer& L, Operand x, Dim d) {
    switch (x) {
        case Operand::weight:
            if (L.weights == WeightKind::none) return false;
            if (L.weights == WeightKind::operand) return relevant(Operand::ofmap, d);
            return relevant(Operand::weight, d);
        case Operand::ifmap:
            return d != Dim::m || L.groups > 1;
        case Operand::ofmap:
            return relevant(Operand::ofmap, d);
    }
    return false;
}

// ---------------------------------------------------------------- ConvLayer

ConvLayer ConvLayer::conv(int64_t C, int64_t M, int64_t H, int64_t W, int64_t R, int64_t stride,
                          int64_t pad, bool bias) {
    return conv2d(C, M, H, W, R, R, stride, stride, pad, pad, pad, pad, 1, bias);
}

namespace {
// E of a sliding window: floor((in + pads - win) / stride) + 1.
int64_t window_out(const char* what, int64_t in, int64_t pad0, int64_t pad1, int64_t win,
                   int64_t stride) {
    require(stride >= 1 && win >= 1 && pad0 >= 0 && pad1 >= 0, what,
            ": window, stride must be >= 1 and paddings >= 0");
    require(in + pad0 + pad1 >= win, what, ": window larger than the padded input");
    return (in + pad0 + pad1 - win) / stride + 1;
}
}  // namespace

ConvLayer ConvLayer::conv2d(int64_t C, int64_t M, int64_t H, int64_t W, int64_t R, int64_t S,
                            int64_t stride_y, int64_t stride_x, int64_t pad_top, int64_t pad_left,
                            int64_t pad_bottom, int64_t pad_right, int64_t groups, bool bias) {
    ConvLayer L;
    L.C = C;
    L.M = M;
    L.groups = groups;
    L.H_y = H;
    L.H_x = W;
    L.R_k = R;
    L.R_l = S;
    L.stride_y = stride_y;
    L.stride_x = stride_x;
    L.pad_y = pad_top;
    L.pad_x = pad_left;
    L.E_y = window_out("conv rows", H, pad_top, pad_bottom, R, stride_y);
    L.E_x = window_out("conv columns", W, pad_left, pad_right, S, stride_x);
    L.has_bias = bias;
    L.validate();
    return L;
}

ConvLayer ConvLayer::pool(int64_t C, int64_t H, int64_t W, int64_t R, int64_t S, int64_t stride_y,
                          int64_t stride_x, int64_t pad_top, int64_t pad_left, int64_t pad_bottom,
                          int64_t pad_right) {
    ConvLayer L = conv2d(C, C, H, W, R, S, stride_y, stride_x, pad_top, pad_left, pad_bottom,
                         pad_right, C, false);
    L.weights = WeightKind::none;
    return L;
}

ConvLayer ConvLayer::global_pool(int64_t C, int64_t H, int64_t W) {
    return pool(C, H, W, H, W, 1, 1, 0, 0, 0, 0);
}

ConvLayer ConvLayer::elementwise(int64_t C, int64_t H, int64_t W, bool operand_b) {
    ConvLayer L = conv2d(C, C, H, W, 1, 1, 1, 1, 0, 0, 0, 0, C, false);
    L.weights = operand_b ? WeightKind::operand : WeightKind::none;
    return L;
}

ConvLayer ConvLayer::valid(int64_t C, int64_t M, int64_t E, int64_t R, int64_t stride) {
    ConvLayer L;
    L.C = C;
    L.M = M;
    L.E_y = L.E_x = E;
    L.R_k = L.R_l = R;
    L.stride_y = L.stride_x = stride;
    L.H_y = L.H_x = (E - 1) * stride + R;
    L.validate();
    return L;
}

ConvLayer ConvLayer::gemm(int64_t M, int64_t K, int64_t N, bool bias) {
    ConvLayer L;
    L.M = M;
    L.C = K;
    L.H_y = L.E_y = 1;
    L.H_x = L.E_x = N;
    L.has_bias = bias;
    L.validate();
    return L;
}

int64_t ConvLayer::extent(Dim d) const {
    switch (d) {
        case Dim::m:
            return M;
        case Dim::c:
            return C / groups;
        case Dim::y:
            return E_y;
        case Dim::x:
            return E_x;
        case Dim::k:
            return R_k;
        case Dim::l:
            return R_l;
    }
    return 0;
}

int64_t ConvLayer::macs() const {
    return M * channels_per_group() * E_y * E_x * R_k * R_l;
}

int64_t ConvLayer::weight_elems() const {
    switch (weights) {
        case WeightKind::filter:
            return M * channels_per_group() * R_k * R_l;
        case WeightKind::operand:
            return M * E_y * E_x;
        case WeightKind::none:
            break;
    }
    return 0;
}

int64_t ConvLayer::pad_bottom() const {
    return (E_y - 1) * stride_y + R_k - H_y - pad_y;
}

int64_t ConvLayer::pad_right() const {
    return (E_x - 1) * stride_x + R_l - H_x - pad_x;
}

int64_t ConvLayer::groups_touched(int64_t m0, int64_t count) const {
    const int64_t mg = M / groups;
    return (m0 + count - 1) / mg - m0 / mg + 1;
}

void ConvLayer::validate() const {
    require(M >= 1 && C >= 1 && H_y >= 1 && H_x >= 1 && E_y >= 1 && E_x >= 1 && R_k >= 1 &&
                R_l >= 1 && stride_y >= 1 && stride_x >= 1,
            "conv layer: every extent and both strides must be >= 1");
    require(groups >= 1 && C % groups == 0 && M % groups == 0,
            "conv layer: groups must divide C and M");
    require(weights != WeightKind::operand ||
                (E_y == H_y && E_x == H_x && R_k == 1 && R_l == 1 && pad_y == 0 && pad_x == 0 &&
                 stride_y == 1 && stride_x == 1),
            "conv layer: an eltwise operand B needs an output shaped like the input");
    require(channel_table_bytes >= 0, "conv layer: channel_table_bytes must be >= 0");
    require(pad_y >= 0 && pad_x >= 0, "conv layer: padding must be >= 0");
    require(w_weight >= 1 && w_ifmap >= 1 && w_ofmap >= 1 && w_psum >= 1 && w_bias >= 1,
            "conv layer: element widths must be >= 1");
    // A window may lie wholly in the padding (a pool whose bottom/right
    // padding reaches a full window, as the NPU accepts): it touches no input.
}

std::string ConvLayer::str() const {
    std::ostringstream o;
    static const char* kinds[] = {"conv", "eltwise", "pool/unary"};
    o << kinds[static_cast<int>(weights)] << " C=" << C << " M=" << M << " in=" << H_y << "x" << H_x
      << " out=" << E_y << "x" << E_x << " R=" << R_k << "x" << R_l << " stride=" << stride_y << ","
      << stride_x << " pad=" << pad_y << "," << pad_x << "," << pad_bottom() << "," << pad_right();
    if (groups > 1) o << " groups=" << groups;
    o << (has_bias ? " bias" : "") << (has_lut ? " lut" : "");
    if (channel_table_bytes) o << " table=" << channel_table_bytes;
    return o.str();
}

// ---------------------------------------------------------------- Schedule

int64_t Schedule::trips(const ConvLayer& L, Dim d) const {
    return ceil_div(L.extent(d), tile[idx(d)]);
}

int64_t Schedule::iterations(const ConvLayer& L) const {
    int64_t n = 1;
    for (int d = 0; d < kNumDims; ++d)
        n *= trips(L, static_cast<Dim>(d));
    return n;
}

int Schedule::position(Dim d) const {
    for (int j = 0; j < kNumDims; ++j)
        if (order[j] == d) return j + 1;
    return 0;
}

void Schedule::validate(const ConvLayer& L) const {
    for (int d = 0; d < kNumDims; ++d)
        require(tile[d] >= 1 && tile[d] <= L.extent(static_cast<Dim>(d)),
                "schedule: tile must be in 1..N: ", dim_name(static_cast<Dim>(d)));
    for (int d = 0; d < kNumDims; ++d)
        require(position(static_cast<Dim>(d)) != 0, "schedule: order is not a permutation");
    for (int x = 0; x < kNumOperands; ++x)
        require(level[x] >= 0 && level[x] <= kNumDims, "schedule: level must be in 0..6");
}

std::string Schedule::str() const {
    std::ostringstream o;
    o << "T[";
    for (int d = 0; d < kNumDims; ++d)
        o << (d ? " " : "") << dim_name(static_cast<Dim>(d)) << "=" << tile[d];
    o << "] order ";
    for (int j = 0; j < kNumDims; ++j)
        o << (j ? ">" : "") << dim_name(order[j]);
    o << " level W" << level[0] << " I" << level[1] << " O" << level[2];
    o << (policy == Policy::tile ? " tile" : " delta") << (double_buffer ? " x2" : "");
    return o.str();
}

// ---------------------------------------------------------------- footprints

int64_t rows_formula(int64_t a, int64_t b, int64_t stride) {
    return a * b - (a - 1) * std::max<int64_t>(0, b - stride);
}

namespace {
inline int64_t touched(int64_t y0, int64_t ey, int64_t k0, int64_t ek, int64_t stride, int64_t pad,
                       int64_t H) {
    auto clip = [H](int64_t lo, int64_t hi) {  // |[lo, hi) ∩ [0, H)|
        return std::max<int64_t>(0, std::min(hi, H) - std::max<int64_t>(lo, 0));
    };
    if (ek >= stride)  // the windows of consecutive rows overlap or touch: one interval
        return clip(y0 * stride + k0 - pad, (y0 + ey - 1) * stride + k0 + ek - pad);
    int64_t n = 0;  // disjoint intervals of ek rows, one per output row
    for (int64_t a = 0; a < ey; ++a) {
        const int64_t lo = (y0 + a) * stride + k0 - pad;
        n += clip(lo, lo + ek);
    }
    return n;
}
}  // namespace

int64_t touched_rows(int64_t y0, int64_t ey, int64_t k0, int64_t ek, int64_t stride, int64_t pad,
                     int64_t H) {
    return touched(y0, ey, k0, ek, stride, pad, H);
}

namespace {

// Over the (y,k) [or (x,l)] factor of the ifmap footprint: the sum over the
// distinct (y-tile, k-tile) pairs and the maximum, each factor a tile when
// outside the buffer and the full range when inside.
struct AxisStats {
    int64_t sum = 0, max = 0;
};

AxisStats axis_stats(const ConvLayer& L, const Schedule& s, Dim dy, Dim dk) {
    // Tile bounds computed in place: this loop is the model's only O(tiles) part.
    const int64_t Ny = L.extent(dy), Nk = L.extent(dk);
    const int64_t Ty = s.outside(Operand::ifmap, dy) ? s.tile[idx(dy)] : Ny;
    const int64_t Tk = s.outside(Operand::ifmap, dk) ? s.tile[idx(dk)] : Nk;
    const int64_t pad = dy == Dim::y ? L.pad_y : L.pad_x;
    const int64_t H = dy == Dim::y ? L.H_y : L.H_x;
    const int64_t stride = dy == Dim::y ? L.stride_y : L.stride_x;
    AxisStats st;
    for (int64_t k0 = 0; k0 < Nk; k0 += Tk) {
        const int64_t ek = std::min(Tk, Nk - k0);
        for (int64_t y0 = 0; y0 < Ny; y0 += Ty) {
            const int64_t r = touched(y0, std::min(Ty, Ny - y0), k0, ek, stride, pad, H);
            st.sum += r;
            st.max = std::max(st.max, r);
        }
    }
    return st;
}

int64_t full_or_tile(const ConvLayer& L, const Schedule& s, Operand x, Dim d) {
    return s.outside(x, d) ? s.tile[idx(d)] : L.extent(d);
}

// The channel factor of the ifmap footprint: (groups the m factor touches) x
// (c factor). Sum over the distinct footprints and maximum. m enters only when
// it is relevant (groups > 1); otherwise one group-independent factor.
AxisStats channel_stats(const ConvLayer& L, const Schedule& s) {
    const auto I = Operand::ifmap;
    const int64_t cg_sum = L.channels_per_group();  // Σ of e_c over the c factors
    const int64_t cg_max = full_or_tile(L, s, I, Dim::c);
    if (L.groups == 1) return AxisStats{cg_sum, cg_max};
    const int64_t nm = s.outside(I, Dim::m) ? s.trips(L, Dim::m) : 1;
    AxisStats st;
    for (int64_t j = 0; j < nm; ++j) {
        const Range rm = factor_range(L, s, I, Dim::m, j);
        const int64_t g = L.groups_touched(rm.begin, rm.extent);
        st.sum += g * cg_sum;
        st.max = std::max(st.max, g * cg_max);
    }
    return st;
}

}  // namespace

namespace {
// The ifmap factors' sums (traffic) and maxima (capacity), one pass each.
struct IfmapStats {
    AxisStats ch, rows, cols;
};
IfmapStats ifmap_stats(const ConvLayer& L, const Schedule& s) {
    return IfmapStats{channel_stats(L, s), axis_stats(L, s, Dim::y, Dim::k),
                      axis_stats(L, s, Dim::x, Dim::l)};
}

BufferNeeds needs_with(const ConvLayer& L, const Schedule& s, int64_t ifmap_max) {
    BufferNeeds b;
    const auto W = Operand::weight, I = Operand::ifmap, O = Operand::ofmap;
    if (L.weights == WeightKind::filter)
        b.elems[idx(W)] = full_or_tile(L, s, W, Dim::m) * full_or_tile(L, s, W, Dim::c) *
                          full_or_tile(L, s, W, Dim::k) * full_or_tile(L, s, W, Dim::l);
    if (L.weights == WeightKind::operand)
        b.elems[idx(W)] = full_or_tile(L, s, W, Dim::m) * full_or_tile(L, s, W, Dim::y) *
                          full_or_tile(L, s, W, Dim::x);
    b.elems[idx(I)] = ifmap_max;
    b.elems[idx(O)] = full_or_tile(L, s, O, Dim::m) * full_or_tile(L, s, O, Dim::y) *
                      full_or_tile(L, s, O, Dim::x);
    const bool per_channel = L.has_bias || L.channel_table_bytes > 0;
    b.bias_elems = per_channel ? full_or_tile(L, s, O, Dim::m) : 0;
    const int64_t db = s.double_buffer ? 2 : 1;
    const int64_t channel_bytes = (L.has_bias ? L.w_bias : 0) + L.channel_table_bytes;
    b.bytes[idx(W)] = b.elems[idx(W)] * L.w_weight * db;
    b.bytes[idx(I)] = b.elems[idx(I)] * L.w_ifmap * db;
    // accumulators, and the per-channel parameters the output path applies
    b.bytes[idx(O)] = (b.elems[idx(O)] * L.w_psum + b.bias_elems * channel_bytes) * db;
    return b;
}
}  // namespace

BufferNeeds buffer_needs(const ConvLayer& L, const Schedule& s) {
    const IfmapStats st = ifmap_stats(L, s);
    return needs_with(L, s, st.ch.max * st.rows.max * st.cols.max);
}

BufferNeeds buffer_needs(const ConvLayer& L, const Schedule& s, const ClosedFormTerms& t) {
    return needs_with(L, s, t.max_ifmap_footprint);
}

bool fits(const BufferNeeds& need, const BufferConfig& cap) {
    return need.bytes[0] <= cap.weight_bytes && need.bytes[1] <= cap.ifmap_bytes &&
           need.bytes[2] <= cap.ofmap_bytes;
}

// ---------------------------------------------------------------- traffic

bool Traffic::operator==(const Traffic& o) const {
    return weight_reads == o.weight_reads && ifmap_reads == o.ifmap_reads &&
           bias_reads == o.bias_reads && table_reads == o.table_reads && lut_reads == o.lut_reads &&
           psum_reads == o.psum_reads && psum_writes == o.psum_writes &&
           final_writes == o.final_writes;
}

std::string Traffic::str() const {
    std::ostringstream o;
    o << "{W " << weight_reads << ", I " << ifmap_reads << ", B " << bias_reads << ", T "
      << table_reads << ", LUT " << lut_reads << ", psum_r " << psum_reads << ", psum_w "
      << psum_writes << ", final " << final_writes << "}";
    return o.str();
}

int64_t TrafficBytes::total() const {
    return dram_read_bytes.ifmap + dram_read_bytes.weight + dram_read_bytes.psum +
           dram_write_bytes.ofmap + dram_write_bytes.psum;
}

TrafficBytes to_bytes(const ConvLayer& L, const Traffic& t) {
    TrafficBytes b;
    b.dram_read_bytes.ifmap = t.ifmap_reads * L.w_ifmap;
    b.dram_read_bytes.weight = t.weight_reads * L.w_weight + t.bias_reads * L.w_bias +
                               t.table_reads * L.channel_table_bytes + t.lut_reads;
    b.dram_read_bytes.psum = t.psum_reads * L.w_psum;
    b.dram_write_bytes.ofmap = t.final_writes * L.w_ofmap;
    b.dram_write_bytes.psum = t.psum_writes * L.w_psum;
    return b;
}

namespace {

// p and ρ of §4 for a tensor with relevance rel and buffer level lvl.
template <typename Rel>
void p_rho(const ConvLayer& L, const Schedule& s, int lvl, Rel rel, int& p, int64_t& rho) {
    p = 0;
    for (int j = 1; j <= lvl; ++j) {
        const Dim d = s.order[j - 1];
        if (rel(d) && s.trips(L, d) > 1) p = j;
    }
    rho = 1;
    for (int j = 1; j < p; ++j) {
        const Dim d = s.order[j - 1];
        if (!rel(d)) rho *= s.trips(L, d);
    }
}

}  // namespace

ClosedFormTerms closed_form_terms(const ConvLayer& L, const Schedule& s) {
    s.validate(L);
    ClosedFormTerms t;
    order_terms(L, s, t);
    t.sum_footprint[idx(Operand::weight)] = L.weight_elems();
    t.sum_footprint[idx(Operand::ofmap)] = L.ofmap_elems();
    const IfmapStats st = ifmap_stats(L, s);
    t.sum_footprint[idx(Operand::ifmap)] = st.ch.sum * st.rows.sum * st.cols.sum;
    t.max_ifmap_footprint = st.ch.max * st.rows.max * st.cols.max;
    return t;
}

void order_terms(const ConvLayer& L, const Schedule& s, ClosedFormTerms& t) {
    for (int x = 0; x < kNumOperands; ++x) {
        const auto op = static_cast<Operand>(x);
        p_rho(
            L, s, s.level[x], [&L, op](Dim d) { return relevant(L, op, d); }, t.p[x], t.rho[x]);
    }
    p_rho(
        L, s, s.level[idx(Operand::ofmap)], [](Dim d) { return d == Dim::m; }, t.p_bias,
        t.rho_bias);
}

Traffic closed_form(const ConvLayer& L, const Schedule& s) {
    return closed_form(L, closed_form_terms(L, s));
}

Traffic closed_form(const ConvLayer& L, const ClosedFormTerms& t) {
    Traffic r;
    r.weight_reads = t.rho[0] * t.sum_footprint[0];
    r.ifmap_reads = t.rho[1] * t.sum_footprint[1];
    r.bias_reads = L.has_bias ? t.rho_bias * L.M : 0;
    r.table_reads = L.channel_table_bytes ? t.rho_bias * L.M : 0;
    r.lut_reads = L.has_lut ? ConvLayer::kLutElems : 0;
    r.psum_writes = (t.rho[2] - 1) * L.ofmap_elems();
    r.psum_reads = r.psum_writes;
    r.final_writes = L.ofmap_elems();
    return r;
}

// ---------------------------------------------------------------- §6 walk

namespace {

// A footprint as a product of per-factor index sets (each sorted, distinct).
using IndexSet = std::vector<int64_t>;
using Footprint = std::vector<IndexSet>;

IndexSet range_set(Range r) {
    IndexSet v(static_cast<size_t>(r.extent));
    for (int64_t i = 0; i < r.extent; ++i)
        v[static_cast<size_t>(i)] = r.begin + i;
    return v;
}

IndexSet row_set(Range ry, Range rk, int64_t stride, int64_t pad, int64_t H) {
    IndexSet v;
    for (int64_t y = ry.begin; y < ry.begin + ry.extent; ++y)
        for (int64_t k = rk.begin; k < rk.begin + rk.extent; ++k) {
            const int64_t r = y * stride + k - pad;
            if (r >= 0 && r < H) v.push_back(r);
        }
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

int64_t size_of(const Footprint& f) {
    int64_t n = 1;
    for (const auto& s : f)
        n *= static_cast<int64_t>(s.size());
    return n;
}

int64_t intersect_size(const Footprint& a, const Footprint& b) {
    if (a.size() != b.size()) return 0;  // b empty (nothing resident yet)
    int64_t n = 1;
    for (size_t i = 0; i < a.size(); ++i) {
        IndexSet out;
        std::set_intersection(a[i].begin(), a[i].end(), b[i].begin(), b[i].end(),
                              std::back_inserter(out));
        n *= static_cast<int64_t>(out.size());
    }
    return n;
}

bool contains(const Footprint& f, int64_t m, int64_t y, int64_t x) {
    if (f.size() != 3) return false;
    return std::binary_search(f[0].begin(), f[0].end(), m) &&
           std::binary_search(f[1].begin(), f[1].end(), y) &&
           std::binary_search(f[2].begin(), f[2].end(), x);
}

class Walker {
  public:
    Walker(const ConvLayer& L, const Schedule& s)
        : m_L(L),
          m_s(s),
          m_copy(static_cast<size_t>(L.ofmap_elems()), 0),
          m_contrib(static_cast<size_t>(L.ofmap_elems()), 0) {}

    Traffic run() {
        std::array<int64_t, kNumDims> n{};  // trips by position
        for (int j = 0; j < kNumDims; ++j)
            n[j] = m_s.trips(m_L, m_s.order[j]);
        std::array<int64_t, kNumDims> pos_idx{};                // odometer, by position
        if (m_L.has_lut) m_t.lut_reads = ConvLayer::kLutElems;  // once, before the first tile
        for (;;) {
            for (int d = 0; d < kNumDims; ++d)
                m_j[static_cast<size_t>(idx(m_s.order[d]))] = pos_idx[d];
            step();
            int j = kNumDims - 1;
            while (j >= 0 && ++pos_idx[j] == n[j])
                pos_idx[j--] = 0;
            if (j < 0) break;
        }
        for_each_o(m_F[2], [&](int64_t e) { write_back(e); });  // final flush
        return m_t;
    }

  private:
    const ConvLayer& m_L;
    const Schedule& m_s;
    std::array<int64_t, kNumDims> m_j{};        // current tile index per Dim
    std::array<std::vector<int64_t>, 4> m_key;  // W, I, O, bias
    std::array<bool, 4> m_has_key{};
    std::array<Footprint, 4> m_F;
    std::vector<char> m_copy;        // has_dram_copy over O
    std::vector<int64_t> m_contrib;  // reduction contributions received, per O element
    Traffic m_t;

    Range fr(Operand x, Dim d) const { return factor_range(m_L, m_s, x, d, m_j[idx(d)]); }

    int64_t o_index(int64_t m, int64_t y, int64_t x) const {
        return (m * m_L.E_y + y) * m_L.E_x + x;
    }

    template <typename F>
    void for_each_o(const Footprint& f, F fn) const {
        if (f.size() != 3) return;
        for (int64_t m : f[0])
            for (int64_t y : f[1])
                for (int64_t x : f[2])
                    fn(o_index(m, y, x));
    }

    void write_back(int64_t e) {
        if (m_contrib[static_cast<size_t>(e)] == m_L.extent(Dim::c) * m_L.R_k * m_L.R_l)
            ++m_t.final_writes;
        else
            ++m_t.psum_writes;
        m_copy[static_cast<size_t>(e)] = 1;
    }

    // Slot 0..2: operands at their level; slot 3: bias, rel {m}, O's level.
    bool key_changed(int slot) {
        const int lvl = m_s.level[slot == 3 ? 2 : slot];
        std::vector<int64_t> key;
        for (int j = 1; j <= lvl; ++j) {
            const Dim d = m_s.order[j - 1];
            const bool rel = slot == 3 ? d == Dim::m : relevant(m_L, static_cast<Operand>(slot), d);
            if (rel) key.push_back(m_j[idx(d)]);
        }
        if (m_has_key[slot] && key == m_key[slot]) return false;
        m_key[slot] = key;
        m_has_key[slot] = true;
        return true;
    }

    // Input channels of the current ifmap footprint: the c factor in every
    // group the m factor touches (one group-independent range when groups = 1).
    IndexSet channel_set() const {
        const Range rc = fr(Operand::ifmap, Dim::c);
        if (m_L.groups == 1) return range_set(rc);
        const Range rm = fr(Operand::ifmap, Dim::m);
        const int64_t mg = m_L.M / m_L.groups, cg = m_L.channels_per_group();
        IndexSet v;
        for (int64_t g = rm.begin / mg; g <= (rm.begin + rm.extent - 1) / mg; ++g)
            for (int64_t c = rc.begin; c < rc.begin + rc.extent; ++c)
                v.push_back(g * cg + c);
        return v;
    }

    Footprint footprint(int slot) const {
        const auto W = Operand::weight, I = Operand::ifmap, O = Operand::ofmap;
        switch (slot) {
            case 0:
                if (m_L.weights == WeightKind::operand)
                    return {range_set(fr(W, Dim::m)), range_set(fr(W, Dim::y)),
                            range_set(fr(W, Dim::x))};
                return {range_set(fr(W, Dim::m)), range_set(fr(W, Dim::c)),
                        range_set(fr(W, Dim::k)), range_set(fr(W, Dim::l))};
            case 1:
                return {channel_set(),
                        row_set(fr(I, Dim::y), fr(I, Dim::k), m_L.stride_y, m_L.pad_y, m_L.H_y),
                        row_set(fr(I, Dim::x), fr(I, Dim::l), m_L.stride_x, m_L.pad_x, m_L.H_x)};
            case 2:
                return {range_set(fr(O, Dim::m)), range_set(fr(O, Dim::y)),
                        range_set(fr(O, Dim::x))};
            default:
                return {range_set(fr(O, Dim::m))};
        }
    }

    void step() {
        const bool delta = m_s.policy == Policy::delta;
        for (int slot = 0; slot < 4; ++slot) {
            if (slot == 0 && m_L.weights == WeightKind::none) continue;
            if (slot == 3 && !m_L.has_bias && !m_L.channel_table_bytes) continue;
            if (!key_changed(slot)) continue;
            Footprint f = footprint(slot);
            if (slot != 2) {
                const int64_t n = size_of(f) - (delta ? intersect_size(f, m_F[slot]) : 0);
                if (slot == 0) m_t.weight_reads += n;
                if (slot == 1) m_t.ifmap_reads += n;
                if (slot == 3 && m_L.has_bias) m_t.bias_reads += n;
                if (slot == 3 && m_L.channel_table_bytes) m_t.table_reads += n;
            } else {
                const Footprint& old = m_F[2];
                for (int64_t m : old.size() == 3 ? old[0] : IndexSet{})
                    for (int64_t y : old[1])
                        for (int64_t x : old[2])
                            if (!delta || !contains(f, m, y, x)) write_back(o_index(m, y, x));
                for (int64_t m : f[0])
                    for (int64_t y : f[1])
                        for (int64_t x : f[2])
                            if ((!delta || !contains(old, m, y, x)) &&
                                m_copy[static_cast<size_t>(o_index(m, y, x))])
                                ++m_t.psum_reads;
            }
            m_F[slot] = std::move(f);
        }
        // Compute the tile: every output of the (m,y,x) tile gets t_c * t_k * t_l contributions.
        const Range rm = tile_range(m_L, m_s, Dim::m, m_j[idx(Dim::m)]);
        const Range ry = tile_range(m_L, m_s, Dim::y, m_j[idx(Dim::y)]);
        const Range rx = tile_range(m_L, m_s, Dim::x, m_j[idx(Dim::x)]);
        const int64_t red = tile_range(m_L, m_s, Dim::c, m_j[idx(Dim::c)]).extent *
                            tile_range(m_L, m_s, Dim::k, m_j[idx(Dim::k)]).extent *
                            tile_range(m_L, m_s, Dim::l, m_j[idx(Dim::l)]).extent;
        for (int64_t m = rm.begin; m < rm.begin + rm.extent; ++m)
            for (int64_t y = ry.begin; y < ry.begin + ry.extent; ++y)
                for (int64_t x = rx.begin; x < rx.begin + rx.extent; ++x)
                    m_contrib[static_cast<size_t>(o_index(m, y, x))] += red;
    }
};

}  // namespace

Traffic tile_walk(const ConvLayer& L, const Schedule& s) {
    L.validate();
    s.validate(L);
    return Walker(L, s).run();
}

Traffic predict(const ConvLayer& L, const Schedule& s) {
    return s.policy == Policy::tile ? closed_form(L, s) : tile_walk(L, s);
}

}  // namespace npu::compiler
