// Analytic DRAM-traffic model of one NPU kernel (a tiled six-loop nest) on an
// NPU with application-managed scratchpads (one buffer per tensor); the model
// is described in docs/dataflow-model.md. Plain C++, no SystemC.
//
// It is the traffic oracle: the NPU model's DMA counts bytes by moving tiles;
// this code predicts the same counts in closed form (policy tile) or by the
// tile-level walk (policies tile and delta). Covered: conv with separate row
// and column strides, asymmetric padding, non-square shapes, groups and
// depthwise, gemm/fc, pools (window on k,l, channel on m), global pools,
// eltwise ops (operand B in the weight buffer), unary ops, bias, LUT and a
// per-output-channel table. Not modelled: batch > 1, dilation.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace npu::compiler {

// Loop dimensions of the nest (docs/dataflow-model.md, "The loop nest"): m filters, c
// channels, y/x output rows/columns, k/l filter rows/columns. In this file §2, §3, §4
// and §6 are that document's sections: Schedules, Footprints, The closed form, The
// delta policy (the walk).
enum class Dim : int { m = 0, c = 1, y = 2, x = 3, k = 4, l = 5 };
constexpr int kNumDims = 6;
const char* dim_name(Dim d);

// The three buffered tensors (the bias rides with the weights).
enum class Operand : int { weight = 0, ifmap = 1, ofmap = 2 };
constexpr int kNumOperands = 3;
const char* operand_name(Operand x);
// Array index of a dimension or operand (the arrays below are indexed by them).
inline int idx(Dim d) {
    return static_cast<int>(d);
}
inline int idx(Operand x) {
    return static_cast<int>(x);
}

// rel(X) of a plain (groups = 1) conv.
bool relevant(Operand x, Dim d);
struct ConvLayer;
// rel(X) of the layer's nest: the weight tensor by its kind; the ifmap also
// depends on m when groups > 1 (the m tile selects the groups read).
bool relevant(const ConvLayer& L, Operand x, Dim d);

// What the weight buffer holds.
enum class WeightKind {
    filter,   // W[m][c][k][l]: conv, gemm
    operand,  // eltwise operand B[m][y][x] (laid out as the ofmap): add, mul
    none,     // pools and unary ops
};

enum class Policy { tile, delta };

// One kernel's loop nest, batch 1:
//   O[m][y][x] += I[g(m)*Cg + c][y*S_y+k-pad_y][x*S_x+l-pad_x] * W[m][c][k][l]
// with Cg = C / groups input channels per group and g(m) = m / (M / groups)
// the group of output channel m. Input elements outside [0,H_y) x [0,H_x) are
// padding (never transferred). Pools and unary/eltwise ops are the same nest
// with groups = C = M (the channel on m, c of extent 1) and a different
// weight tensor (WeightKind); a global pool is a pool with R = H, E = 1.
struct ConvLayer {
    int64_t M = 1, C = 1;          // output channels, input channels (all groups)
    int64_t groups = 1;            // divides C and M; depthwise: groups = C = M
    int64_t H_y = 1, H_x = 1;      // input rows / columns
    int64_t E_y = 1, E_x = 1;      // output rows / columns
    int64_t R_k = 1, R_l = 1;      // filter (window) rows / columns
    int64_t stride_y = 1;          // row stride S_y
    int64_t stride_x = 1;          // column stride S_x
    int64_t pad_y = 0, pad_x = 0;  // top / left padding; bottom / right follow from E
    WeightKind weights = WeightKind::filter;
    bool has_bias = false;  // int32 per m, rel {m}
    bool has_lut = false;   // a 256-entry int8 table read once per kernel
    // Per-output-channel table (e.g. requantization (mult, shift) pairs),
    // rel {m} like the bias: bytes per output channel, 0 = none.
    int64_t channel_table_bytes = 0;
    // Element widths in bytes: int8 data, int32 partial sums and bias.
    int64_t w_weight = 1, w_ifmap = 1, w_ofmap = 1, w_psum = 4, w_bias = 4;
    static constexpr int64_t kLutElems = 256;

    // A conv given as users write it: E = floor((H + 2 pad - R) / stride) + 1.
    static ConvLayer conv(int64_t C, int64_t M, int64_t H, int64_t W, int64_t R, int64_t stride,
                          int64_t pad, bool bias = false);
    // The general conv: an R x S filter, row / column strides, the four
    // paddings (E = floor((H + top + bottom - R) / S_y) + 1), groups.
    static ConvLayer conv2d(int64_t C, int64_t M, int64_t H, int64_t W, int64_t R, int64_t S,
                            int64_t stride_y, int64_t stride_x, int64_t pad_top, int64_t pad_left,
                            int64_t pad_bottom, int64_t pad_right, int64_t groups = 1,
                            bool bias = false);
    // Max / avg pool over an R x S window (channel on m, no weights).
    static ConvLayer pool(int64_t C, int64_t H, int64_t W, int64_t R, int64_t S, int64_t stride_y,
                          int64_t stride_x, int64_t pad_top, int64_t pad_left, int64_t pad_bottom,
                          int64_t pad_right);
    // Global average pool: the window is the whole H x W input, one output per channel.
    static ConvLayer global_pool(int64_t C, int64_t H, int64_t W);
    // Elementwise over C x H x W: unary (relu, lut, requant) or with an operand
    // B of the same shape in the weight buffer (add, mul).
    static ConvLayer elementwise(int64_t C, int64_t H, int64_t W, bool operand_b);
    // A valid conv: H = (E - 1) S + R, no padding.
    static ConvLayer valid(int64_t C, int64_t M, int64_t E, int64_t R, int64_t stride);
    // GEMM Y[M x N] = W[M x K] X[K x N] as the special case E = R = 1:
    // c = K, m = M, the N columns run along x (E_x = H_x = N). fc is N = 1.
    static ConvLayer gemm(int64_t M, int64_t K, int64_t N, bool bias = false);
    static ConvLayer fc(int64_t M, int64_t K, bool bias = false) { return gemm(M, K, 1, bias); }

    int64_t extent(Dim d) const;   // N_d (c: C / groups)
    int64_t macs() const;          // points of the nest: M * Cg * E_y * E_x * R_k * R_l
    int64_t weight_elems() const;  // filter: M * Cg * R_k * R_l; operand B: M * E_y * E_x
    int64_t ifmap_elems() const { return C * H_y * H_x; }
    int64_t ofmap_elems() const { return M * E_y * E_x; }
    int64_t channels_per_group() const { return C / groups; }  // Cg
    int64_t pad_bottom() const;  // (E_y - 1) S_y + R_k - H_y - pad_y; < 0: unused input rows
    int64_t pad_right() const;
    // Groups that output channels [m0, m0 + count) read.
    int64_t groups_touched(int64_t m0, int64_t count) const;
    void validate() const;  // throws std::invalid_argument
    std::string str() const;
};

// The schedule (§2). Arrays indexed by Dim / Operand as int.
struct Schedule {
    std::array<int64_t, kNumDims> tile{1, 1, 1, 1, 1, 1};  // T_d
    std::array<Dim, kNumDims> order{Dim::m, Dim::c, Dim::y,
                                    Dim::x, Dim::k, Dim::l};  // π, outermost first
    std::array<int, kNumOperands> level{6, 6, 6};  // ℓ_X: loops π_1..π_ℓ are outside X's buffer
    Policy policy = Policy::tile;
    bool double_buffer = false;  // ping-pong halves: x2 capacity, same traffic

    int64_t trips(const ConvLayer& L, Dim d) const;  // n_d = ceil(N_d / T_d)
    int64_t iterations(const ConvLayer& L) const;    // prod n_d (inter-tile iterations)
    int position(Dim d) const;                       // pos(d), 1-based
    bool outside(Operand x, Dim d) const { return position(d) <= level[static_cast<int>(x)]; }
    void validate(const ConvLayer& L) const;  // throws std::invalid_argument
    std::string str()
        const;  // e.g. "T[m=8 c=16 y=7 x=28 k=3 l=3] order m>c>y>x>k>l level W6 I6 O6 tile"
};

// Separate scratchpads, bytes (the platform's defaults: 64 KiB each).
struct BufferConfig {
    int64_t ifmap_bytes = 64 * 1024;
    int64_t weight_bytes = 64 * 1024;
    int64_t ofmap_bytes = 64 * 1024;
};

// §3: the largest footprint of each buffer over the run, in elements, and the
// bytes it needs (x width, x2 if double-buffered). The weight buffer also
// holds the per-channel tile (e_m int32 bias values and e_m channel-table
// entries) when the layer has them. With
// padding, footprints are clipped to the input, and the maximum is taken over
// the clipped footprints that really occur.
struct BufferNeeds {
    std::array<int64_t, kNumOperands> elems{};
    std::array<int64_t, kNumOperands> bytes{};  // weight bytes include the bias tile
    int64_t bias_elems = 0;                     // output channels of the bias / channel-table tile
    int64_t total_bytes() const { return bytes[0] + bytes[1] + bytes[2]; }
};
BufferNeeds buffer_needs(const ConvLayer& L, const Schedule& s);
bool fits(const BufferNeeds& need, const BufferConfig& cap);

// Element counts crossing the DRAM boundary.
struct Traffic {
    int64_t weight_reads = 0;
    int64_t ifmap_reads = 0;
    int64_t bias_reads = 0;
    int64_t table_reads = 0;   // per-output-channel table entries
    int64_t lut_reads = 0;     // LUT elements (256 once per kernel, or 0)
    int64_t psum_reads = 0;    // partial sums read back
    int64_t psum_writes = 0;   // write-backs of incomplete sums
    int64_t final_writes = 0;  // write-backs of complete outputs
    bool operator==(const Traffic& o) const;
    bool operator!=(const Traffic& o) const { return !(*this == o); }
    std::string str() const;
};

// The report's keys. The bias, channel-table and LUT bytes are counted under weight.
struct TrafficBytes {
    struct Read {
        int64_t ifmap = 0, weight = 0, psum = 0;
    } dram_read_bytes;
    struct Write {
        int64_t ofmap = 0, psum = 0;
    } dram_write_bytes;
    int64_t total() const;
};
TrafficBytes to_bytes(const ConvLayer& L, const Traffic& t);

// §4 terms per tensor (index: Operand; bias separately).
struct ClosedFormTerms {
    std::array<int, kNumOperands> p{};                  // p_X, 1-based position; 0 if none
    std::array<int64_t, kNumOperands> rho{};            // ρ_X
    std::array<int64_t, kNumOperands> sum_footprint{};  // ΣF_X
    int p_bias = 0;  // bias and channel table (rel {m}, the ofmap buffer's level)
    int64_t rho_bias = 1;
    int64_t max_ifmap_footprint = 0;  // elements: the ifmap buffer's need (as buffer_needs)
};
ClosedFormTerms closed_form_terms(const ConvLayer& L, const Schedule& s);
// Only the order-dependent terms (p, ρ of every tensor and of the bias): with
// the buffer levels fixed at 6 (tile level) the footprint sums do not depend
// on the order, so a search can compute them once per tiling and call this
// for each order (O(6)).
void order_terms(const ConvLayer& L, const Schedule& s, ClosedFormTerms& t);
// buffer_needs from terms already computed (no second pass over the ifmap tiles).
BufferNeeds buffer_needs(const ConvLayer& L, const Schedule& s, const ClosedFormTerms& t);

// §4 closed form; valid for policy tile (the schedule's policy is ignored).
Traffic closed_form(const ConvLayer& L, const Schedule& s);
// The same from terms already computed.
Traffic closed_form(const ConvLayer& L, const ClosedFormTerms& t);
// §6 tile-level walk with the schedule's policy; O(prod n_d * (6 + |O tile|)).
Traffic tile_walk(const ConvLayer& L, const Schedule& s);
// What the compiler reports as predicted traffic: closed form for tile, walk for delta.
Traffic predict(const ConvLayer& L, const Schedule& s);

// §3 row count: |{y*S + k - pad : y in [y0,y0+ey), k in [k0,k0+ek)} ∩ [0,H)|.
int64_t touched_rows(int64_t y0, int64_t ey, int64_t k0, int64_t ek, int64_t stride, int64_t pad,
                     int64_t H);
// rows(a, b) of §3 (no padding): a*b - (a-1)*max(0, b-S).
int64_t rows_formula(int64_t a, int64_t b, int64_t stride);

}  // namespace npu::compiler
