// See core.h: descriptor checks, the tile walk, the pipeline timeline and the
// functional int8 execution.
#include "npu/core.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "mac.h"
#include "npu_abi/arith.h"
#include "npu_abi/npu_regs.h"
#include "vp/dram_atom.h"

namespace npu {

namespace {

constexpr unsigned bit(unsigned d) {
    return 1u << d;
}
constexpr unsigned kM = bit(NPU_DIM_M), kC = bit(NPU_DIM_C), kY = bit(NPU_DIM_Y),
                   kX = bit(NPU_DIM_X), kK = bit(NPU_DIM_K), kL = bit(NPU_DIM_L);

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
    return (a + b - 1) / b;
}

bool is_pool(unsigned op) {
    return op == NPU_OP_MAXPOOL || op == NPU_OP_AVGPOOL || op == NPU_OP_GAVGPOOL;
}
bool is_eltwise(unsigned op) {
    return op == NPU_OP_ADD || op == NPU_OP_MUL;
}

// Output size of a sliding window, or -1 when the window does not fit.
long window_out(long in, long pad0, long pad1, long win, long stride) {
    if (stride < 1 || win < 1 || in + pad0 + pad1 < win) return -1;
    return (in + pad0 + pad1 - win) / stride + 1;
}

// Sorted distinct input rows touched by outputs [y0,y1) and filter rows [k0,k1),
// clipped to [0, size) (docs/dataflow-model.md, "Footprints").
std::vector<std::int32_t> touched(std::uint32_t y0, std::uint32_t y1, std::uint32_t k0,
                                  std::uint32_t k1, std::uint32_t stride, std::uint32_t pad,
                                  std::uint32_t size) {
    std::vector<std::int32_t> out;
    if (y0 >= y1 || k0 >= k1) return out;
    // Marks over the rows the footprint can touch, not the whole tensor: the
    // walk calls this per tile, so its cost must follow the footprint.
    const long lo = std::max(0L, static_cast<long>(y0) * stride + k0 - static_cast<long>(pad));
    const long hi = std::min(static_cast<long>(size) - 1, static_cast<long>(y1 - 1) * stride +
                                                              (k1 - 1) - static_cast<long>(pad));
    if (hi < lo) return out;
    std::vector<char> mark(static_cast<std::size_t>(hi - lo + 1), 0);
    for (std::uint32_t y = y0; y < y1; ++y)
        for (std::uint32_t k = k0; k < k1; ++k) {
            const long r = static_cast<long>(y) * stride + k - static_cast<long>(pad);
            if (r >= lo && r <= hi) mark[static_cast<std::size_t>(r - lo)] = 1;
        }
    for (long r = lo; r <= hi; ++r)
        if (mark[static_cast<std::size_t>(r - lo)]) out.push_back(static_cast<std::int32_t>(r));
    return out;
}

std::vector<std::int32_t> range(std::uint32_t lo, std::uint32_t hi) {
    std::vector<std::int32_t> v;
    for (std::uint32_t i = lo; i < hi; ++i)
        v.push_back(static_cast<std::int32_t>(i));
    return v;
}

bool in_dram(const CoreConfig& cfg, std::uint64_t addr, std::uint64_t bytes) {
    return addr >= cfg.dram_base && bytes <= cfg.dram_size &&
           addr - cfg.dram_base <= cfg.dram_size - bytes;
}

// Resolves a tensor's descriptor strides (0: dense) for channel planes of
// `height` rows of `width` elements. False when rows or channel planes would
// overlap (the descriptor.h rule: x innermost, then y, then c).
bool make_view(std::uint32_t ch_stride, std::uint32_t row_stride, std::uint32_t height,
               std::uint32_t width, TensorView& v) {
    v.row_stride = row_stride ? row_stride : width;
    v.ch_stride = ch_stride ? ch_stride : std::uint64_t{height} * width;
    return v.row_stride >= width && v.ch_stride >= (height - 1) * v.row_stride + width;
}

// Elements from the tensor's address to one past its last element.
std::uint64_t view_span(const TensorView& v, std::uint32_t chans, std::uint32_t height,
                        std::uint32_t width) {
    return v.elem(chans - 1, height - 1, width);
}

}  // namespace

// ---------------------------------------------------------------------------
// Decoding and checks

std::string CoreConfig::validate() const {
    if (array_rows < 1 || array_rows > 1024 || array_cols < 1 || array_cols > 1024)
        return "npu: array rows and columns must be 1..1024";
    if (ifmap_bytes < 64 || weight_bytes < 64 || ofmap_bytes < 64)
        return "npu: each scratchpad needs at least 64 bytes";
    if (dma_burst_bytes < 4 || dma_burst_bytes > 4096 || (dma_burst_bytes & 3u))
        return "npu: dma burst must be a multiple of 4 in 4..4096 bytes";
    if (dram_size == 0 || dram_base + dram_size > (std::uint64_t{1} << 32))
        return "npu: DRAM window must lie in the 32-bit address space";
    if (!vp::dram_atom_error(dram_atom_bytes).empty())
        return "npu: DRAM atom must be a power of two in 1..4096 bytes";
    if (std::string(to_string(fold_continuation)) == "?")
        return "npu: fold continuation must be run, array or off";
    return {};
}

const char* op_name(unsigned op) {
    static const char* const names[NPU_OP_COUNT] = {"invalid", "conv",     "gemm",   "maxpool",
                                                    "avgpool", "gavgpool", "add",    "mul",
                                                    "relu",    "lut",      "requant"};
    return op < NPU_OP_COUNT ? names[op] : "?";
}

const char* error_name(unsigned error) {
    static const char* const names[] = {"none",       "bad_op",       "tile_too_large",
                                        "addr_range", "bad_shape",    "bad_tiling",
                                        "dma",        "no_psum_area", "too_much_work"};
    return error < sizeof(names) / sizeof(names[0]) ? names[error] : "?";
}

std::uint32_t decode_kernel(const npu_desc_t& d, const CoreConfig& cfg, Kernel& k) {
    k = Kernel{};
    k.desc = d;
    if (d.op == NPU_OP_INVALID || d.op >= NPU_OP_COUNT) return NPU_ERR_BAD_OP;
    if (d.dataflow > NPU_DF_IS || d.out_type > NPU_OUT_INT32 || d.act > NPU_ACT_LUT)
        return NPU_ERR_BAD_OP;
    k.dataflow = static_cast<Dataflow>(d.dataflow);
    if (d.c == 0 || d.h == 0 || d.w == 0 || d.m == 0 || d.e == 0 || d.f == 0)
        return NPU_ERR_BAD_SHAPE;
    const bool mac = d.op == NPU_OP_CONV || d.op == NPU_OP_GEMM;
    if (!mac && d.out_type != NPU_OUT_INT8) return NPU_ERR_BAD_OP;
    // A fused activation needs a requantized int8 result: conv/gemm and the
    // eltwise unit (add, mul) have one; pools and the unary ops do not.
    if (!mac && !is_eltwise(d.op) && d.act != NPU_ACT_NONE) return NPU_ERR_BAD_OP;
    if (!mac && (d.flags & (NPU_DESC_F_BIAS | NPU_DESC_F_QTABLE))) return NPU_ERR_BAD_OP;
    if (d.out_type == NPU_OUT_INT32 && d.act != NPU_ACT_NONE) return NPU_ERR_BAD_OP;
    if (d.shift > NPU_REQUANT_MAX_SHIFT) return NPU_ERR_BAD_SHAPE;

    if (mac) {
        k.groups = d.groups;
        if (k.groups == 0 || d.c % k.groups || d.m % k.groups) return NPU_ERR_BAD_SHAPE;
        if (d.op == NPU_OP_GEMM &&
            (d.r != 1 || d.s != 1 || d.stride_h != 1 || d.stride_w != 1 || d.pad_top ||
             d.pad_left || d.pad_bottom || d.pad_right || k.groups != 1))
            return NPU_ERR_BAD_SHAPE;
        if (window_out(d.h, d.pad_top, d.pad_bottom, d.r, d.stride_h) != d.e ||
            window_out(d.w, d.pad_left, d.pad_right, d.s, d.stride_w) != d.f)
            return NPU_ERR_BAD_SHAPE;
        k.extent = {d.m, d.c / k.groups, d.e, d.f, d.r, d.s};
        k.rel_w = kM | kC | kK | kL;
        k.rel_in = kC | kY | kX | kK | kL | (k.groups > 1 ? kM : 0u);
        k.rel_out = kM | kY | kX;
        k.has_weight = true;
        k.has_bias = (d.flags & NPU_DESC_F_BIAS) != 0;
        k.has_qtable = (d.flags & NPU_DESC_F_QTABLE) != 0;
        if (k.has_qtable && d.out_type != NPU_OUT_INT8) return NPU_ERR_BAD_OP;
        k.rel_bias = k.has_bias || k.has_qtable ? kM : 0u;
        k.out_elem_bytes = d.out_type == NPU_OUT_INT32 ? 4 : 1;
        k.uses_lut = d.act == NPU_ACT_LUT;
    } else if (is_pool(d.op)) {
        if (d.m != d.c) return NPU_ERR_BAD_SHAPE;
        if (d.op == NPU_OP_GAVGPOOL) {
            if (d.r != d.h || d.s != d.w || d.e != 1 || d.f != 1 || d.pad_top || d.pad_left ||
                d.pad_bottom || d.pad_right)
                return NPU_ERR_BAD_SHAPE;
            k.extent = {d.c, 1, 1, 1, d.h, d.w};
        } else {
            if (window_out(d.h, d.pad_top, d.pad_bottom, d.r, d.stride_h) != d.e ||
                window_out(d.w, d.pad_left, d.pad_right, d.s, d.stride_w) != d.f)
                return NPU_ERR_BAD_SHAPE;
            k.extent = {d.c, 1, d.e, d.f, d.r, d.s};
        }
        k.rel_in = kM | kY | kX | kK | kL;
        k.rel_out = kM | kY | kX;
    } else {  // eltwise and unary
        if (d.m != d.c || d.e != d.h || d.f != d.w || d.r != 1 || d.s != 1)
            return NPU_ERR_BAD_SHAPE;
        k.extent = {d.c, 1, d.h, d.w, 1, 1};
        k.rel_in = kM | kY | kX;
        k.rel_out = kM | kY | kX;
        if (is_eltwise(d.op)) {
            k.has_operand_b = true;
            k.rel_w = kM | kY | kX;
        }
        k.in_elem_bytes = d.op == NPU_OP_REQUANT ? 4 : 1;
        k.uses_lut = d.op == NPU_OP_LUT || d.act == NPU_ACT_LUT;
    }

    // Tensor strides (descriptor.h): rows and channel planes must not overlap.
    const bool opb = is_eltwise(d.op);
    if (!make_view(d.ifmap_ch_stride, d.ifmap_row_stride, d.h, d.w, k.ifmap_view) ||
        !make_view(d.ofmap_ch_stride, d.ofmap_row_stride, d.e, d.f, k.ofmap_view) ||
        (opb && !make_view(d.opb_ch_stride, d.opb_row_stride, d.h, d.w, k.opb_view)))
        return NPU_ERR_BAD_SHAPE;
    make_view(0, 0, d.e, d.f, k.psum_view);

    // Tiling
    std::array<bool, NPU_DIMS> seen{};
    for (unsigned p = 0; p < NPU_DIMS; ++p) {
        const unsigned dim = d.loop_order[p];
        if (dim >= NPU_DIMS || seen[dim]) return NPU_ERR_BAD_TILING;
        seen[dim] = true;
        k.order[p] = static_cast<std::uint8_t>(dim);
    }
    for (unsigned dim = 0; dim < NPU_DIMS; ++dim) {
        if (d.tile[dim] == 0 || d.tile[dim] > k.extent[dim]) return NPU_ERR_BAD_TILING;
        k.tile[dim] = d.tile[dim];
        k.trips[dim] = static_cast<std::uint32_t>(ceil_div(k.extent[dim], k.tile[dim]));
    }
    // The bound on one kernel's work (npu_regs.h): checked before anything
    // below walks the tile loops.
    if (!npu_tiles_within_limit(k.trips.data(), NPU_DIMS)) return NPU_ERR_TOO_MUCH_WORK;
    // psum spill: a reduction loop (c, k, l) active outside the innermost active
    // ofmap-relevant loop (docs/dataflow-model.md, "The closed form": rho_O > 1).
    int p_out = -1;
    for (unsigned p = 0; p < NPU_DIMS; ++p)
        if ((k.rel_out & bit(k.order[p])) && k.trips[k.order[p]] > 1) p_out = static_cast<int>(p);
    for (int p = 0; p < p_out; ++p)
        if (!(k.rel_out & bit(k.order[p])) && k.trips[k.order[p]] > 1) k.spills_psum = true;

    // Addresses: the whole (strided) span of every tensor lies in DRAM, so no
    // footprint address can leave it.
    const std::uint64_t out_elems = std::uint64_t{d.m} * d.e * d.f;
    if (!in_dram(cfg, d.ifmap_addr, view_span(k.ifmap_view, d.c, d.h, d.w) * k.in_elem_bytes))
        return NPU_ERR_ADDR_RANGE;
    if (!in_dram(cfg, d.ofmap_addr, view_span(k.ofmap_view, d.m, d.e, d.f) * k.out_elem_bytes))
        return NPU_ERR_ADDR_RANGE;
    if (k.has_weight &&
        !in_dram(cfg, d.weight_addr, std::uint64_t{d.m} * (d.c / k.groups) * d.r * d.s))
        return NPU_ERR_ADDR_RANGE;
    if (k.has_operand_b && !in_dram(cfg, d.weight_addr, view_span(k.opb_view, d.c, d.h, d.w)))
        return NPU_ERR_ADDR_RANGE;
    if (k.has_bias && !in_dram(cfg, d.bias_addr, std::uint64_t{d.m} * kBiasBytes))
        return NPU_ERR_ADDR_RANGE;
    if (k.has_qtable && !in_dram(cfg, d.qtable_addr, std::uint64_t{d.m} * kQtableEntryBytes))
        return NPU_ERR_ADDR_RANGE;
    if (k.uses_lut && !in_dram(cfg, d.lut_addr, 256)) return NPU_ERR_ADDR_RANGE;
    if (k.spills_psum) {
        if (d.psum_addr == 0) return NPU_ERR_NO_PSUM;
        if (!in_dram(cfg, d.psum_addr, out_elems * 4)) return NPU_ERR_ADDR_RANGE;
    }

    // Scratchpad capacity: the one rule (core.h).
    if (!fits(max_footprints(k), cfg)) return NPU_ERR_TILE_TOO_LARGE;
    return NPU_ERR_NONE;
}

// ---------------------------------------------------------------------------
// The capacity rule (core.h)

FootprintBytes footprint_bytes(const FootprintElems& e, const ElementBytes& w) {
    FootprintBytes b;
    b.ifmap = e.ifmap * w.ifmap;
    b.weight = e.weight * w.weight;
    b.ofmap = e.ofmap * w.accumulator + e.channels * w.channel_params;
    return b;
}

std::uint64_t usable_bytes(std::uint64_t scratchpad_bytes, bool ping_pong) {
    return ping_pong ? scratchpad_bytes / 2 : scratchpad_bytes;
}

bool fits(const FootprintBytes& need, const CoreConfig& cfg) {
    return need.ifmap <= usable_bytes(cfg.ifmap_bytes) &&
           need.weight <= usable_bytes(cfg.weight_bytes) &&
           need.ofmap <= usable_bytes(cfg.ofmap_bytes);
}

ElementBytes element_bytes(const Kernel& k) {
    ElementBytes w;
    w.ifmap = k.in_elem_bytes;
    w.weight = 1;
    w.accumulator = 4;
    w.channel_params = (k.has_bias ? kBiasBytes : 0) + (k.has_qtable ? kQtableEntryBytes : 0);
    return w;
}

FootprintBytes max_footprints(const Kernel& k) {
    return footprint_bytes(max_footprint_elems(k), element_bytes(k));
}

FootprintElems max_footprint_elems(const Kernel& k) {
    const npu_desc_t& d = k.desc;
    FootprintElems fb;
    const auto& T = k.tile;
    const auto& N = k.extent;
    // channels of the ifmap footprint
    std::uint64_t max_ch = 0;
    if (k.is_mac_op()) {
        if (k.groups == 1) {
            max_ch = T[NPU_DIM_C];
        } else {
            const std::uint32_t mg = d.m / k.groups;
            for (std::uint32_t m0 = 0; m0 < N[NPU_DIM_M]; m0 += T[NPU_DIM_M]) {
                const std::uint32_t m1 = std::min(m0 + T[NPU_DIM_M], N[NPU_DIM_M]);
                const std::uint64_t groups = (m1 - 1) / mg - m0 / mg + 1;
                max_ch = std::max(max_ch, groups * T[NPU_DIM_C]);
            }
        }
    } else {
        max_ch = T[NPU_DIM_M];
    }
    std::uint64_t max_rows = 0, max_cols = 0;
    if (k.is_mac_op() || is_pool(d.op)) {
        const std::uint32_t sh = d.op == NPU_OP_GAVGPOOL ? 1 : d.stride_h;
        const std::uint32_t sw = d.op == NPU_OP_GAVGPOOL ? 1 : d.stride_w;
        for (std::uint32_t y0 = 0; y0 < N[NPU_DIM_Y]; y0 += T[NPU_DIM_Y])
            for (std::uint32_t k0 = 0; k0 < N[NPU_DIM_K]; k0 += T[NPU_DIM_K])
                max_rows = std::max<std::uint64_t>(
                    max_rows, touched(y0, std::min(y0 + T[NPU_DIM_Y], N[NPU_DIM_Y]), k0,
                                      std::min(k0 + T[NPU_DIM_K], N[NPU_DIM_K]), sh, d.pad_top, d.h)
                                  .size());
        for (std::uint32_t x0 = 0; x0 < N[NPU_DIM_X]; x0 += T[NPU_DIM_X])
            for (std::uint32_t l0 = 0; l0 < N[NPU_DIM_L]; l0 += T[NPU_DIM_L])
                max_cols = std::max<std::uint64_t>(
                    max_cols,
                    touched(x0, std::min(x0 + T[NPU_DIM_X], N[NPU_DIM_X]), l0,
                            std::min(l0 + T[NPU_DIM_L], N[NPU_DIM_L]), sw, d.pad_left, d.w)
                        .size());
    } else {
        max_rows = T[NPU_DIM_Y];
        max_cols = T[NPU_DIM_X];
    }
    fb.ifmap = max_ch * max_rows * max_cols;
    if (k.has_weight)
        fb.weight = std::uint64_t{T[NPU_DIM_M]} * T[NPU_DIM_C] * T[NPU_DIM_K] * T[NPU_DIM_L];
    if (k.has_operand_b) fb.weight = std::uint64_t{T[NPU_DIM_M]} * T[NPU_DIM_Y] * T[NPU_DIM_X];
    if (k.has_bias || k.has_qtable) fb.channels = T[NPU_DIM_M];
    fb.ofmap = std::uint64_t{T[NPU_DIM_M]} * T[NPU_DIM_Y] * T[NPU_DIM_X];
    return fb;
}

// ---------------------------------------------------------------------------
// The walk

// Geometry of one buffer half's content.
struct Core::Footprint {
    std::array<std::uint32_t, NPU_DIMS> lo{}, hi{};
    std::vector<std::int32_t> ch, rows, cols;  // ifmap only: absolute indices
    IndexMap ch_map, row_map, col_map;         // absolute -> local (-1: absent)
    std::uint32_t ext(unsigned d) const { return hi[d] - lo[d]; }
};

// One contiguous piece of a transfer, in elements.
struct Run {
    std::uint64_t elem;   // element offset from the tensor's address (strided, TensorView)
    std::uint64_t local;  // element index in the buffer half
    std::uint64_t count;
};

namespace {
void push_run(std::vector<Run>& runs, std::uint64_t elem, std::uint64_t local,
              std::uint64_t count) {
    if (!runs.empty()) {
        Run& b = runs.back();
        if (b.elem + b.count == elem && b.local + b.count == local) {
            b.count += count;
            return;
        }
    }
    runs.push_back({elem, local, count});
}
}  // namespace

struct Core::Buffer {
    int cur = -1;
    std::array<std::vector<std::uint8_t>, 2> data;
    std::array<Footprint, 2> fp;
    std::array<std::uint64_t, 2> free_at{0, 0};
    std::array<std::int64_t, NPU_DIMS> key{};
    bool has_key = false;
};

class Core::Walk {
  public:
    Walk(Core& core, const Kernel& k, DmaPort& dma, KernelStats& st)
        : m_core(core), m_cfg(core.m_cfg), m_k(k), m_d(k.desc), m_dma(dma), m_st(st) {}

    bool run();

  private:
    std::array<std::int64_t, NPU_DIMS> key_of(unsigned rel) const {
        std::array<std::int64_t, NPU_DIMS> key{};
        for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
            key[dim] = (rel & bit(dim)) ? static_cast<std::int64_t>(m_idx[dim]) : -1;
        return key;
    }
    Footprint make_fp(bool ifmap) const;
    std::vector<Run> ifmap_runs(const Footprint& fp) const;
    // NPU_DESC_F_IFMAP_ROWS: one run per (channel, row) over the column
    // span, into a staging buffer of ch x rows x span elements; empty when
    // the footprint's columns have no gap (ifmap_runs then is the same).
    std::vector<Run> ifmap_span_runs(const Footprint& fp) const;
    std::vector<Run> weight_runs(const Footprint& fp) const;
    std::vector<Run> mxy_runs(const Footprint& fp, const TensorView& view) const;
    // Issues every burst of `runs` at cycle `start`; returns the last
    // completion, the bytes moved and the bytes on the DRAM bus (atoms).
    bool transfer(bool write, std::uint64_t base, std::uint32_t esize, const std::vector<Run>& runs,
                  std::uint8_t* buf, std::uint64_t start, std::uint64_t& done, std::uint64_t& bytes,
                  std::uint64_t& bus, std::uint64_t dropped = 0);
    bool load_inputs();
    bool change_ofmap();
    bool writeback_ofmap(std::uint64_t ready);
    void compute();
    void finalize(const Footprint& fp, const std::vector<std::uint8_t>& acc,
                  std::vector<std::uint8_t>& out) const;
    // The descriptor's fused activation on a requantized int8 result (conv,
    // gemm, add, mul; decode_kernel refuses it on every other op).
    std::int32_t fused_act(std::int8_t y) const {
        if (m_d.act == NPU_ACT_RELU) return std::max<std::int32_t>(y, npu_sat8(m_d.zp_out));
        if (m_d.act == NPU_ACT_LUT) return static_cast<std::int8_t>(m_core.m_lut[y + 128]);
        return y;
    }
    std::uint64_t o_tile_index(const std::array<std::uint32_t, NPU_DIMS>& idx) const {
        return (std::uint64_t{idx[NPU_DIM_M]} * m_k.trips[NPU_DIM_Y] + idx[NPU_DIM_Y]) *
                   m_k.trips[NPU_DIM_X] +
               idx[NPU_DIM_X];
    }
    // The (mult, shift) pair of output channel m from the half of the table
    // buffer holding it (the previous m tile's stays in the other half until
    // the next change, so a write-back after the change still finds it).
    void qtable_entry(std::uint64_t m, std::int32_t& mult, std::int32_t& shift) const {
        for (int h = 0; h < 2; ++h) {
            const Footprint& f = m_qtab.fp[h];
            if (m_qtab.data[h].empty() || m < f.lo[NPU_DIM_M] || m >= f.hi[NPU_DIM_M]) continue;
            const std::uint8_t* p =
                m_qtab.data[h].data() + kQtableEntryBytes * (m - f.lo[NPU_DIM_M]);
            std::memcpy(&mult, p, 4);
            std::memcpy(&shift, p + 4, 4);
            // npu_rshift_round clamps large shifts; a negative one counts as 0.
            if (shift < 0) shift = 0;
            return;
        }
    }
    std::int32_t acc_at(const std::vector<std::uint8_t>& buf, std::uint64_t i) const {
        std::int32_t v;
        std::memcpy(&v, buf.data() + 4 * i, 4);
        return v;
    }

    Core& m_core;
    const CoreConfig& m_cfg;
    const Kernel& m_k;
    const npu_desc_t& m_d;
    DmaPort& m_dma;
    KernelStats& m_st;

    std::array<std::uint32_t, NPU_DIMS> m_idx{};
    std::array<std::uint32_t, NPU_DIMS> m_lo{}, m_hi{};
    Buffer m_in, m_w, m_out, m_bias, m_qtab;
    std::array<std::int64_t, NPU_DIMS> m_out_tile_idx{};
    std::vector<std::uint32_t> m_visits;  // per ofmap tile: reduction tiles applied
    std::vector<char> m_has_copy;         // per ofmap tile: a psum copy in DRAM
    std::uint32_t m_n_red = 1;
    std::uint64_t m_rd_free = 0, m_wr_free = 0, m_comp_end = 0, m_loads_done = 0;
    // Fold continuation: per group GEMM of the previous tile (groups
    // m_runs_g0.. in order), its stationary ranges (streamed loops 0) and the
    // T its run has streamed so far (systolic.h).
    struct FoldRun {
        std::array<std::uint32_t, NPU_DIMS> lo{}, hi{};
        std::uint64_t streamed = 0;
    };
    std::vector<FoldRun> m_runs, m_next_runs;
    std::uint32_t m_runs_g0 = 0;
};

Core::Footprint Core::Walk::make_fp(bool ifmap) const {
    Footprint fp;
    fp.lo = m_lo;
    fp.hi = m_hi;
    if (!ifmap) return fp;
    if (m_k.is_mac_op()) {
        if (m_k.groups == 1) {
            fp.ch = range(m_lo[NPU_DIM_C], m_hi[NPU_DIM_C]);
        } else {
            const std::uint32_t mg = m_d.m / m_k.groups, cg = m_d.c / m_k.groups;
            for (std::uint32_t g = m_lo[NPU_DIM_M] / mg; g <= (m_hi[NPU_DIM_M] - 1) / mg; ++g)
                for (std::uint32_t c = m_lo[NPU_DIM_C]; c < m_hi[NPU_DIM_C]; ++c)
                    fp.ch.push_back(static_cast<std::int32_t>(g * cg + c));
        }
    } else {
        fp.ch = range(m_lo[NPU_DIM_M], m_hi[NPU_DIM_M]);
    }
    if (m_k.is_mac_op() || is_pool(m_d.op)) {
        const std::uint32_t sh = m_d.op == NPU_OP_GAVGPOOL ? 1 : m_d.stride_h;
        const std::uint32_t sw = m_d.op == NPU_OP_GAVGPOOL ? 1 : m_d.stride_w;
        fp.rows = touched(m_lo[NPU_DIM_Y], m_hi[NPU_DIM_Y], m_lo[NPU_DIM_K], m_hi[NPU_DIM_K], sh,
                          m_d.pad_top, m_d.h);
        fp.cols = touched(m_lo[NPU_DIM_X], m_hi[NPU_DIM_X], m_lo[NPU_DIM_L], m_hi[NPU_DIM_L], sw,
                          m_d.pad_left, m_d.w);
    } else {
        fp.rows = range(m_lo[NPU_DIM_Y], m_hi[NPU_DIM_Y]);
        fp.cols = range(m_lo[NPU_DIM_X], m_hi[NPU_DIM_X]);
    }
    fp.ch_map.build(fp.ch);
    fp.row_map.build(fp.rows);
    fp.col_map.build(fp.cols);
    return fp;
}

// The runs are built a block at a time (whole rows, whole channel planes)
// where the footprint is contiguous, and push_run merges what touches; the
// result is the same list an element-row-at-a-time build gives, only cheaper
// (the compiler runs this walk to predict cycles).
std::vector<Run> Core::Walk::ifmap_runs(const Footprint& fp) const {
    std::vector<Run> runs;
    const std::uint64_t nr = fp.rows.size(), nc = fp.cols.size();
    // Column segments: maximal runs of consecutive columns.
    std::vector<std::pair<std::size_t, std::size_t>> segs;  // (first index, length)
    for (std::size_t j = 0; j < nc;) {
        std::size_t e = j + 1;
        while (e < nc && fp.cols[e] == fp.cols[e - 1] + 1)
            ++e;
        segs.push_back({j, e - j});
        j = e;
    }
    const bool rows_consecutive = nr > 0 && fp.rows[nr - 1] - fp.rows[0] + 1 == std::int32_t(nr);
    const bool whole_rows = segs.size() == 1 && nc == m_d.w && m_k.ifmap_view.row_stride == m_d.w;
    for (std::size_t ci = 0; ci < fp.ch.size(); ++ci) {
        if (whole_rows && rows_consecutive) {  // the channel's rows are one block
            push_run(runs,
                     m_k.ifmap_view.elem(std::uint64_t(fp.ch[ci]), std::uint64_t(fp.rows[0]), 0),
                     ci * nr * nc, nr * nc);
            continue;
        }
        for (std::size_t ri = 0; ri < nr; ++ri)
            for (const auto& sg : segs) {
                const std::uint64_t elem =
                    m_k.ifmap_view.elem(std::uint64_t(fp.ch[ci]), std::uint64_t(fp.rows[ri]),
                                        std::uint64_t(fp.cols[sg.first]));
                push_run(runs, elem, (ci * nr + ri) * nc + sg.first, sg.second);
            }
    }
    return runs;
}

std::vector<Run> Core::Walk::ifmap_span_runs(const Footprint& fp) const {
    std::vector<Run> runs;
    const std::uint64_t nr = fp.rows.size(), nc = fp.cols.size();
    if (nc == 0) return runs;
    const std::uint64_t span = std::uint64_t(fp.cols[nc - 1] - fp.cols[0]) + 1;
    if (span == nc) return runs;  // no gap: the gather is already whole rows
    for (std::size_t ci = 0; ci < fp.ch.size(); ++ci)
        for (std::size_t ri = 0; ri < nr; ++ri)
            push_run(runs,
                     m_k.ifmap_view.elem(std::uint64_t(fp.ch[ci]), std::uint64_t(fp.rows[ri]),
                                         std::uint64_t(fp.cols[0])),
                     (ci * nr + ri) * span, span);
    return runs;
}

std::vector<Run> Core::Walk::weight_runs(const Footprint& fp) const {
    std::vector<Run> runs;
    const std::uint64_t cg = m_d.c / m_k.groups, R = m_d.r, S = m_d.s;
    const std::uint64_t em = fp.ext(NPU_DIM_M), ec = fp.ext(NPU_DIM_C), ek = fp.ext(NPU_DIM_K),
                        el = fp.ext(NPU_DIM_L);
    const std::uint64_t m0 = fp.lo[NPU_DIM_M], c0 = fp.lo[NPU_DIM_C], k0 = fp.lo[NPU_DIM_K],
                        l0 = fp.lo[NPU_DIM_L];
    if (el == S && ek == R) {  // whole filters: per m, ec * R * S contiguous elements
        for (std::uint64_t m = 0; m < em; ++m)
            push_run(runs, ((m0 + m) * cg + c0) * R * S, m * ec * R * S, ec * R * S);
        return runs;
    }
    for (std::uint64_t m = 0; m < em; ++m)
        for (std::uint64_t c = 0; c < ec; ++c) {
            if (el == S) {  // whole filter rows: ek * S contiguous elements
                push_run(runs, (((m0 + m) * cg + c0 + c) * R + k0) * S, (m * ec + c) * ek * el,
                         ek * S);
                continue;
            }
            for (std::uint64_t kk = 0; kk < ek; ++kk)
                push_run(runs, (((m0 + m) * cg + c0 + c) * R + k0 + kk) * S + l0,
                         ((m * ec + c) * ek + kk) * el, el);
        }
    return runs;
}

// An (m, y, x) footprint of a tensor laid out as `view`: one run per row,
// merged with the next when the rows are contiguous in DRAM.
std::vector<Run> Core::Walk::mxy_runs(const Footprint& fp, const TensorView& view) const {
    std::vector<Run> runs;
    const std::uint64_t em = fp.ext(NPU_DIM_M), ey = fp.ext(NPU_DIM_Y), ex = fp.ext(NPU_DIM_X);
    for (std::uint64_t m = 0; m < em; ++m)
        for (std::uint64_t y = 0; y < ey; ++y) {
            const std::uint64_t elem =
                view.elem(fp.lo[NPU_DIM_M] + m, fp.lo[NPU_DIM_Y] + y, fp.lo[NPU_DIM_X]);
            push_run(runs, elem, (m * ey + y) * ex, ex);
        }
    return runs;
}

bool Core::Walk::transfer(bool write, std::uint64_t base, std::uint32_t esize,
                          const std::vector<Run>& runs, std::uint8_t* buf, std::uint64_t start,
                          std::uint64_t& done, std::uint64_t& bytes, std::uint64_t& bus,
                          std::uint64_t dropped) {
    done = start;
    bytes = 0;
    bus = 0;
    const std::uint64_t burst = std::max<std::uint32_t>(1, m_cfg.dma_burst_bytes);
    // A coalescing port takes a run in pieces of whole bursts (as large as
    // a transaction's 32-bit length allows) and books them as the bursts.
    const std::uint64_t step =
        m_dma.coalesces_bursts() ? std::max(burst, 0x80000000u / burst * burst) : burst;
    for (const Run& r : runs) {
        const std::uint64_t len = r.count * esize;
        for (std::uint64_t off = 0; off < len; off += step) {
            const auto n = static_cast<std::uint32_t>(std::min(step, len - off));
            const std::uint64_t addr = base + r.elem * esize + off;
            std::uint8_t* p = buf + r.local * esize + off;
            std::uint64_t t = start;
            const bool ok =
                write ? m_dma.write(addr, p, n, start, t) : m_dma.read(addr, p, n, start, t);
            if (!ok) return false;
            done = std::max(done, t);
        }
        bytes += len;
        // The run's bursts start at its address, whichever path carries them.
        bus += vp::dram_run_bus_bytes(base + r.elem * esize, len, burst, m_cfg.dram_atom_bytes);
    }
    if (bytes) m_dma.activity(write ? 1 : 0, start, done, bytes - dropped, bus);
    return true;
}

// Loads every input footprint (ifmap, weight or operand B, bias) whose key changed.
bool Core::Walk::load_inputs() {
    struct In {
        Buffer* buf;
        unsigned rel;
        int kind;  // 0 ifmap, 1 weight, 2 operand b, 3 bias, 4 requantization table
    };
    std::vector<In> ins;
    if (m_k.has_weight) ins.push_back({&m_w, m_k.rel_w, 1});
    if (m_k.has_operand_b) ins.push_back({&m_w, m_k.rel_w, 2});
    ins.push_back({&m_in, m_k.rel_in, 0});
    if (m_k.has_bias) ins.push_back({&m_bias, m_k.rel_bias, 3});
    if (m_k.has_qtable) ins.push_back({&m_qtab, m_k.rel_bias, 4});
    for (const In& in : ins) {
        Buffer& b = *in.buf;
        const auto key = key_of(in.rel);
        if (b.has_key && key == b.key) continue;
        b.key = key;
        b.has_key = true;
        const int old = b.cur;
        if (old >= 0) b.free_at[old] = m_comp_end;  // the last compute that read it
        Footprint fp = make_fp(in.kind == 0);
        std::vector<Run> runs;
        std::uint64_t base = 0, elems = 0;
        std::uint32_t esize = 1;
        std::vector<std::int64_t> tag;
        bool span = false;  // NPU_DESC_F_IFMAP_ROWS: runs are whole column spans
        switch (in.kind) {
            case 0:
                if (m_d.flags & NPU_DESC_F_IFMAP_ROWS) runs = ifmap_span_runs(fp);
                span = !runs.empty();
                if (!span) runs = ifmap_runs(fp);
                base = m_d.ifmap_addr;
                esize = m_k.in_elem_bytes;
                elems = fp.ch.size() * fp.rows.size() * fp.cols.size();
                break;
            case 1:
                runs = weight_runs(fp);
                base = m_d.weight_addr;
                elems = std::uint64_t{fp.ext(NPU_DIM_M)} * fp.ext(NPU_DIM_C) * fp.ext(NPU_DIM_K) *
                        fp.ext(NPU_DIM_L);
                tag = {1, m_d.weight_addr, m_d.c / m_k.groups, m_d.r, m_d.s};
                for (unsigned dim : {NPU_DIM_M, NPU_DIM_C, NPU_DIM_K, NPU_DIM_L}) {
                    tag.push_back(fp.lo[dim]);
                    tag.push_back(fp.hi[dim]);
                }
                break;
            case 2:
                runs = mxy_runs(fp, m_k.opb_view);
                base = m_d.weight_addr;
                elems = std::uint64_t{fp.ext(NPU_DIM_M)} * fp.ext(NPU_DIM_Y) * fp.ext(NPU_DIM_X);
                break;
            case 3:
                runs.push_back({fp.lo[NPU_DIM_M], 0, fp.ext(NPU_DIM_M)});
                base = m_d.bias_addr;
                esize = kBiasBytes;
                elems = fp.ext(NPU_DIM_M);
                break;
            default:  // (mult, shift) pairs
                runs.push_back({fp.lo[NPU_DIM_M], 0, fp.ext(NPU_DIM_M)});
                base = m_d.qtable_addr;
                esize = kQtableEntryBytes;
                elems = fp.ext(NPU_DIM_M);
                break;
        }
        const bool weight_buf = in.kind == 1 || in.kind == 2;
        if (weight_buf && in.kind == 1 && (m_d.flags & NPU_DESC_F_RESIDENT)) {
            int hit = -1;
            for (int h = 0; h < 2; ++h)
                if (m_core.m_weight_halves[h].valid && m_core.m_weight_halves[h].tag == tag)
                    hit = h;
            if (hit >= 0) {  // already resident: no transfer
                m_st.resident_weight_bytes += elems * esize;
                b.cur = hit;
                m_core.m_weight_cur = hit;
                b.fp[hit] = std::move(fp);
                continue;
            }
        }
        const int h = old < 0 ? (weight_buf ? 1 - m_core.m_weight_cur : 0) : 1 - old;
        std::vector<std::uint8_t>& data = weight_buf ? m_core.m_weight_halves[h].data : b.data[h];
        data.assign(elems * esize, 0);
        const std::uint64_t start = std::max(m_rd_free, b.free_at[h]);
        std::uint64_t done = start, bytes = 0, bus = 0;
        if (span) {
            // Read the spans into a staging buffer, keep the touched columns.
            const std::uint64_t nr = fp.rows.size(), nc = fp.cols.size();
            const std::uint64_t sp = std::uint64_t(fp.cols[nc - 1] - fp.cols[0]) + 1;
            std::vector<std::uint8_t> stage(fp.ch.size() * nr * sp * esize, 0);
            if (!transfer(false, base, esize, runs, stage.data(), start, done, bytes, bus,
                          stage.size() - elems * esize))
                return false;
            if (m_cfg.functional)
                for (std::uint64_t cr = 0; cr < fp.ch.size() * nr; ++cr)
                    for (std::uint64_t j = 0; j < nc; ++j)
                        std::memcpy(data.data() + (cr * nc + j) * esize,
                                    stage.data() +
                                        (cr * sp + std::uint64_t(fp.cols[j] - fp.cols[0])) * esize,
                                    esize);
            bytes = elems * esize;  // useful bytes: what the footprint holds
        } else if (!transfer(false, base, esize, runs, data.data(), start, done, bytes, bus)) {
            return false;
        }
        m_rd_free = done;
        m_loads_done = std::max(m_loads_done, done);
        b.cur = h;
        b.fp[h] = std::move(fp);
        switch (in.kind) {
            case 0:
                m_st.dram_read_bytes.ifmap += bytes;
                m_st.dram_bus_read_bytes.ifmap += bus;
                m_st.sram_writes.ifmap += bytes;
                break;
            case 1:
            case 2:
                m_st.dram_read_bytes.weight += bytes;
                m_st.dram_bus_read_bytes.weight += bus;
                m_st.sram_writes.weight += bytes;
                break;
            default:  // bias and requantization table: per-channel parameters
                m_st.dram_read_bytes.bias += bytes;
                m_st.dram_bus_read_bytes.bias += bus;
                break;
        }
        if (weight_buf) {
            m_core.m_weight_cur = h;
            m_core.m_weight_halves[h].valid = in.kind == 1;
            m_core.m_weight_halves[h].tag = tag;
        }
    }
    return true;
}

void Core::Walk::finalize(const Footprint& fp, const std::vector<std::uint8_t>& acc,
                          std::vector<std::uint8_t>& out) const {
    const std::uint64_t em = fp.ext(NPU_DIM_M), ey = fp.ext(NPU_DIM_Y), ex = fp.ext(NPU_DIM_X);
    const std::uint64_t n = em * ey * ex;
    out.assign(n * m_k.out_elem_bytes, 0);
    if (!m_cfg.functional) return;
    const std::uint8_t* lut = m_core.m_lut.data();
    for (std::uint64_t m = 0; m < em; ++m)
        for (std::uint64_t y = 0; y < ey; ++y)
            for (std::uint64_t x = 0; x < ex; ++x) {
                const std::uint64_t i = (m * ey + y) * ex + x;
                const std::int32_t a = acc_at(acc, i);
                std::int32_t v = 0;
                switch (m_d.op) {
                    case NPU_OP_CONV:
                    case NPU_OP_GEMM:
                        if (m_d.out_type == NPU_OUT_INT32) {
                            v = a;
                        } else {
                            std::int32_t mult = m_d.mult, shift = m_d.shift;
                            if (m_k.has_qtable) qtable_entry(fp.lo[NPU_DIM_M] + m, mult, shift);
                            v = fused_act(npu_requantize(a, mult, static_cast<std::uint32_t>(shift),
                                                         m_d.zp_out));
                        }
                        break;
                    case NPU_OP_MAXPOOL:
                        v = a == INT32_MIN ? npu_sat8(m_d.zp_out) : npu_sat8(a);
                        break;
                    case NPU_OP_AVGPOOL:
                    case NPU_OP_GAVGPOOL: {
                        const bool global = m_d.op == NPU_OP_GAVGPOOL;
                        const long yy = static_cast<long>(fp.lo[NPU_DIM_Y] + y),
                                   xx = static_cast<long>(fp.lo[NPU_DIM_X] + x);
                        const long r0 = global ? 0 : yy * m_d.stride_h - m_d.pad_top;
                        const long c0 = global ? 0 : xx * m_d.stride_w - m_d.pad_left;
                        const long rows =
                            std::max(0L, std::min<long>(r0 + m_d.r, m_d.h) - std::max(0L, r0));
                        const long cols =
                            std::max(0L, std::min<long>(c0 + m_d.s, m_d.w) - std::max(0L, c0));
                        const long count = rows * cols;
                        v = count ? npu_sat8(m_d.zp_out + npu_div_round(a, count))
                                  : npu_sat8(m_d.zp_out);
                        break;
                    }
                    case NPU_OP_ADD:
                        v = fused_act(npu_sat8(m_d.zp_out + npu_rshift_round(a, m_d.shift)));
                        break;
                    case NPU_OP_MUL:
                        v = fused_act(npu_requantize(a, m_d.mult, m_d.shift, m_d.zp_out));
                        break;
                    case NPU_OP_REQUANT:
                        v = npu_requantize(a, m_d.mult, m_d.shift, m_d.zp_out);
                        break;
                    case NPU_OP_RELU:
                        v = npu_sat8(std::max<std::int32_t>(a, m_d.zp_in));
                        break;
                    case NPU_OP_LUT:
                        v = static_cast<std::int8_t>(lut[npu_sat8(a) + 128]);
                        break;
                    default:
                        break;
                }
                if (m_k.out_elem_bytes == 4) {
                    std::memcpy(out.data() + 4 * i, &v, 4);
                } else {
                    out[i] = static_cast<std::uint8_t>(static_cast<std::int8_t>(v));
                }
            }
}

// Writes the current ofmap footprint back (psum or final) once `ready`.
bool Core::Walk::writeback_ofmap(std::uint64_t ready) {
    const int h = m_out.cur;
    const Footprint& fp = m_out.fp[h];
    std::array<std::uint32_t, NPU_DIMS> tidx{};
    for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
        tidx[dim] = static_cast<std::uint32_t>(std::max<std::int64_t>(0, m_out_tile_idx[dim]));
    const std::uint64_t t = o_tile_index(tidx);
    const bool final = m_visits[t] == m_n_red;
    const std::uint64_t start = std::max(m_wr_free, ready);
    std::uint64_t done = start, bytes = 0, bus = 0;
    if (final) {
        std::vector<std::uint8_t> out;
        finalize(fp, m_out.data[h], out);
        if (!transfer(true, m_d.ofmap_addr, m_k.out_elem_bytes, mxy_runs(fp, m_k.ofmap_view),
                      out.data(), start, done, bytes, bus))
            return false;
        m_st.dram_write_bytes.ofmap += bytes;
        m_st.dram_bus_write_bytes.ofmap += bus;
        m_st.sram_reads.ofmap += bytes / m_k.out_elem_bytes * 4;
    } else {
        if (!transfer(true, m_d.psum_addr, 4, mxy_runs(fp, m_k.psum_view), m_out.data[h].data(),
                      start, done, bytes, bus))
            return false;
        m_st.dram_write_bytes.psum += bytes;
        m_st.dram_bus_write_bytes.psum += bus;
        m_st.sram_reads.ofmap += bytes;
        m_has_copy[t] = 1;
    }
    m_wr_free = done;
    m_out.free_at[h] = done;
    return true;
}

bool Core::Walk::change_ofmap() {
    const auto key = key_of(m_k.rel_out);
    if (m_out.has_key && key == m_out.key) return true;
    if (m_out.has_key && !writeback_ofmap(m_comp_end)) return false;
    m_out.key = key;
    m_out.has_key = true;
    for (unsigned dim = 0; dim < NPU_DIMS; ++dim)
        m_out_tile_idx[dim] = key[dim];
    const int h = m_out.cur < 0 ? 0 : 1 - m_out.cur;
    Footprint fp = make_fp(false);
    const std::uint64_t n =
        std::uint64_t{fp.ext(NPU_DIM_M)} * fp.ext(NPU_DIM_Y) * fp.ext(NPU_DIM_X);
    std::vector<std::uint8_t>& data = m_out.data[h];
    data.assign(n * 4, 0);
    const std::uint64_t t = o_tile_index(m_idx);
    if (m_has_copy[t]) {
        const std::uint64_t start = std::max(m_rd_free, m_out.free_at[h]);
        std::uint64_t done = start, bytes = 0, bus = 0;
        if (!transfer(false, m_d.psum_addr, 4, mxy_runs(fp, m_k.psum_view), data.data(), start,
                      done, bytes, bus))
            return false;
        m_st.dram_bus_read_bytes.psum += bus;
        m_rd_free = done;
        m_loads_done = std::max(m_loads_done, done);
        m_st.dram_read_bytes.psum += bytes;
        m_st.sram_writes.ofmap += bytes;
    } else {
        // First touch: initialise the accumulators (no DRAM read).
        m_loads_done = std::max(m_loads_done, m_out.free_at[h]);
        if (!m_cfg.functional) {  // timing mode: the values are never used
            m_out.cur = h;
            m_out.fp[h] = std::move(fp);
            return true;
        }
        std::int32_t init = m_d.op == NPU_OP_MAXPOOL ? INT32_MIN : 0;
        const std::uint64_t em = fp.ext(NPU_DIM_M), exy = n / em;
        for (std::uint64_t m = 0; m < em; ++m) {
            std::int32_t v = init;
            if (m_k.has_bias) {
                const Footprint& bf = m_bias.fp[m_bias.cur];
                const std::uint64_t bi = fp.lo[NPU_DIM_M] + m - bf.lo[NPU_DIM_M];
                std::memcpy(&v, m_bias.data[m_bias.cur].data() + 4 * bi, 4);
            }
            for (std::uint64_t i = 0; i < exy; ++i)
                std::memcpy(data.data() + 4 * (m * exy + i), &v, 4);
        }
    }
    m_out.cur = h;
    m_out.fp[h] = std::move(fp);
    return true;
}

void Core::Walk::compute() {
    const auto& lo = m_lo;
    const auto& hi = m_hi;
    const std::uint64_t em = hi[NPU_DIM_M] - lo[NPU_DIM_M], ec = hi[NPU_DIM_C] - lo[NPU_DIM_C],
                        ey = hi[NPU_DIM_Y] - lo[NPU_DIM_Y], ex = hi[NPU_DIM_X] - lo[NPU_DIM_X],
                        ek = hi[NPU_DIM_K] - lo[NPU_DIM_K], el = hi[NPU_DIM_L] - lo[NPU_DIM_L];
    const unsigned rows = m_cfg.array_rows, cols = m_cfg.array_cols;
    const std::uint32_t ib = m_k.in_elem_bytes;
    std::uint64_t cycles = 0;
    // Timing and SRAM accesses (identical in functional and timing mode).
    if (m_k.is_mac_op()) {
        m_st.macs += em * ec * ey * ex * ek * el;
        const std::uint32_t mg = m_d.m / m_k.groups;
        const std::uint32_t g_lo = lo[NPU_DIM_M] / mg, g_hi = (hi[NPU_DIM_M] - 1) / mg;
        m_next_runs.clear();
        for (std::uint32_t g = g_lo; g <= g_hi; ++g) {
            const std::uint32_t m0 = std::max(lo[NPU_DIM_M], g * mg),
                                m1 = std::min(hi[NPU_DIM_M], (g + 1) * mg);
            const GemmShape gs = tile_gemm(m_k.dataflow, m1 - m0, ec * ek * el, ey * ex);
            // Fold continuation (systolic.h): this group's GEMM continues the
            // previous tile's GEMM of the same group if the stationary
            // operand (its ranges of the non-streamed loops) is the same.
            FoldRun run;
            for (unsigned dim = 0; dim < NPU_DIMS; ++dim) {
                if (is_streamed_dim(m_k.dataflow, dim)) continue;
                run.lo[dim] = dim == NPU_DIM_M ? m0 : lo[dim];
                run.hi[dim] = dim == NPU_DIM_M ? m1 : hi[dim];
            }
            std::uint64_t before = 0;
            if (g >= m_runs_g0 && g - m_runs_g0 < m_runs.size() &&
                continues_run(m_cfg.fold_continuation, fold_count(gs, rows, cols))) {
                const FoldRun& prev = m_runs[g - m_runs_g0];
                if (prev.lo == run.lo && prev.hi == run.hi) before = prev.streamed;
            }
            run.streamed = before + gs.t;
            m_next_runs.push_back(run);
            cycles += gemm_cycles(m_k.dataflow, rows, cols, gs, before, m_cfg.fold_overlap);
            const SramAccess a = gemm_sram_access(m_k.dataflow, rows, cols, gs, before > 0);
            m_st.sram_reads.ifmap += a.ifmap_reads;
            m_st.sram_reads.weight += a.weight_reads;
            m_st.sram_reads.ofmap += a.ofmap_rmw * 4;
            m_st.sram_writes.ofmap += a.ofmap_rmw * 4;
        }
        m_runs.swap(m_next_runs);
        m_runs_g0 = g_lo;
    } else {
        const std::uint64_t outs = em * ey * ex;
        const std::uint64_t ops = outs * ek * el;
        cycles = vector_cycles(cols, ops);
        m_st.sram_reads.ifmap += ops * ib;
        if (m_k.has_operand_b) m_st.sram_reads.weight += ops;
        if (is_pool(m_d.op)) m_st.sram_reads.ofmap += outs * 4;
        m_st.sram_writes.ofmap += outs * 4;
    }
    const std::uint64_t start = std::max(m_comp_end, m_loads_done);
    m_st.compute_cycles += cycles;
    m_comp_end = start + cycles;
    if (cycles) m_dma.activity(2, start, m_comp_end, 0, 0);

    if (!m_cfg.functional) return;
    // Functional execution on the scratchpad halves.
    const Footprint& fi = m_in.fp[m_in.cur];
    const std::uint8_t* idata = m_in.data[m_in.cur].data();
    const std::uint64_t nr = fi.rows.size(), nc = fi.cols.size();
    std::uint8_t* odata = m_out.data[m_out.cur].data();
    auto acc_ref = [&](std::uint64_t m, std::uint64_t y, std::uint64_t x) {
        return odata + 4 * ((m * ey + y) * ex + x);
    };
    const std::int32_t zpi = m_d.zp_in, zpw = m_d.zp_w;
    if (m_k.is_mac_op()) {
        mac_tile(m_d, m_k.groups, lo, hi,
                 MacIfmap{idata, nr, nc, fi.ch_map, fi.row_map, fi.col_map},
                 m_core.m_weight_halves[m_w.cur].data.data(), odata);
    } else if (is_pool(m_d.op)) {
        const bool global = m_d.op == NPU_OP_GAVGPOOL;
        const long sh = global ? 1 : m_d.stride_h, sw = global ? 1 : m_d.stride_w;
        const long pt = global ? 0 : m_d.pad_top, pl = global ? 0 : m_d.pad_left;
        for (std::uint64_t m = 0; m < em; ++m) {
            const std::int32_t chi = fi.ch_map[lo[NPU_DIM_M] + m];
            for (std::uint64_t y = 0; y < ey; ++y)
                for (std::uint64_t x = 0; x < ex; ++x) {
                    std::uint8_t* p = acc_ref(m, y, x);
                    std::int32_t a;
                    std::memcpy(&a, p, 4);
                    for (std::uint64_t kk = 0; kk < ek; ++kk) {
                        const long row = static_cast<long>(lo[NPU_DIM_Y] + y) * sh +
                                         static_cast<long>(lo[NPU_DIM_K] + kk) - pt;
                        if (row < 0 || row >= m_d.h) continue;
                        const std::int32_t ri = fi.row_map[row];
                        for (std::uint64_t l = 0; l < el; ++l) {
                            const long col = static_cast<long>(lo[NPU_DIM_X] + x) * sw +
                                             static_cast<long>(lo[NPU_DIM_L] + l) - pl;
                            if (col < 0 || col >= m_d.w) continue;
                            const std::int32_t ci = fi.col_map[col];
                            const std::int32_t xv =
                                static_cast<std::int8_t>(idata[(chi * nr + ri) * nc + ci]);
                            if (m_d.op == NPU_OP_MAXPOOL)
                                a = std::max(a, xv);
                            else
                                a = npu_acc_add(a, xv - zpi);
                        }
                    }
                    std::memcpy(p, &a, 4);
                }
        }
    } else {
        const std::uint8_t* bdata =
            m_k.has_operand_b ? m_core.m_weight_halves[m_w.cur].data.data() : nullptr;
        for (std::uint64_t m = 0; m < em; ++m)
            for (std::uint64_t y = 0; y < ey; ++y)
                for (std::uint64_t x = 0; x < ex; ++x) {
                    const std::uint64_t li = (m * ey + y) * ex + x;  // same layout in all buffers
                    std::int32_t a;
                    if (ib == 4) {
                        std::memcpy(&a, idata + 4 * li, 4);
                    } else {
                        a = static_cast<std::int8_t>(idata[li]);
                    }
                    std::int32_t v = a;
                    if (m_k.has_operand_b) {
                        const std::int32_t b = static_cast<std::int8_t>(bdata[li]);
                        if (m_d.op == NPU_OP_ADD)
                            v = npu_eltwise_add_acc(a, zpi, m_d.mult, b, zpw, m_d.mult_b);
                        else
                            v = npu_eltwise_mul_acc(a, zpi, b, zpw);
                    }
                    std::memcpy(acc_ref(m, y, x), &v, 4);
                }
    }
}

bool Core::Walk::run() {
    const auto& N = m_k.extent;
    const auto& T = m_k.tile;
    m_n_red = m_k.trips[NPU_DIM_C] * m_k.trips[NPU_DIM_K] * m_k.trips[NPU_DIM_L];
    const std::uint64_t o_tiles =
        std::uint64_t{m_k.trips[NPU_DIM_M]} * m_k.trips[NPU_DIM_Y] * m_k.trips[NPU_DIM_X];
    m_visits.assign(o_tiles, 0);
    m_has_copy.assign(o_tiles, 0);
    if (m_k.uses_lut) {
        m_core.m_lut.assign(256, 0);
        std::uint64_t done = 0, bytes = 0, bus = 0;
        if (!transfer(false, m_d.lut_addr, 1, {{0, 0, 256}}, m_core.m_lut.data(), 0, done, bytes,
                      bus))
            return false;
        m_st.dram_bus_read_bytes.lut += bus;
        m_rd_free = done;
        m_loads_done = done;
        m_st.dram_read_bytes.lut += bytes;
    }
    m_idx.fill(0);
    for (;;) {
        for (unsigned dim = 0; dim < NPU_DIMS; ++dim) {
            m_lo[dim] = m_idx[dim] * T[dim];
            m_hi[dim] = std::min(m_lo[dim] + T[dim], N[dim]);
        }
        if (!load_inputs()) return false;
        if (!change_ofmap()) return false;
        compute();
        ++m_visits[o_tile_index(m_idx)];
        ++m_st.tiles;
        int p = NPU_DIMS - 1;
        for (; p >= 0; --p) {
            const unsigned dim = m_k.order[static_cast<unsigned>(p)];
            if (++m_idx[dim] < m_k.trips[dim]) break;
            m_idx[dim] = 0;
        }
        if (p < 0) break;
    }
    if (!writeback_ofmap(m_comp_end)) return false;
    m_st.cycles = std::max(m_comp_end, m_wr_free);
    return true;
}

// ---------------------------------------------------------------------------

Core::Core(const CoreConfig& cfg) : m_cfg(cfg) {}

void Core::invalidate_buffers() {
    for (auto& h : m_weight_halves)
        h = WeightTag{};
    m_weight_cur = 0;
}

KernelStats Core::run(const npu_desc_t& desc, DmaPort& dma) {
    KernelStats st;
    st.kernel_id = desc.kernel_id;
    st.op = desc.op;
    Kernel k;
    st.error = decode_kernel(desc, m_cfg, k);
    if (st.error != NPU_ERR_NONE) return st;
    Walk walk(*this, k, dma, st);
    if (!walk.run()) {
        st.error = NPU_ERR_DMA;
        invalidate_buffers();
    }
    st.stall_cycles = st.cycles >= st.compute_cycles ? st.cycles - st.compute_cycles : 0;
    const double pes = double(m_cfg.array_rows) * m_cfg.array_cols;
    st.utilization = st.cycles ? double(st.macs) / (double(st.cycles) * pes) : 0.0;
    return st;
}

}  // namespace npu
