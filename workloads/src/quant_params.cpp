// Integer parameters of a node's quantization; see quant_params.h for the
// formulas. Every real multiplier becomes (mult, shift) through
// ref::requant_from_scale or, for eltwise add, one shared shift.
#include "workloads/quant_params.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "npu_abi/arith.h"
#include "npu_abi/cpu_ops.h"

namespace wl {

namespace {

[[noreturn]] void fail(const Node& n, const std::string& what) {
    throw GraphError("node '" + n.name + "' (" + to_string(n.op) + "): " + what);
}

double scale_of(const Node& n, const TensorDef& t) {
    if (!(t.quant.scale > 0.0) || !std::isfinite(t.quant.scale))
        fail(n, "tensor '" + t.name + "' has scale " + std::to_string(t.quant.scale) +
                    " (must be positive)");
    return t.quant.scale;
}

const TensorDef& input(const Graph& g, const Node& n, std::size_t i) {
    if (n.inputs.size() <= i || n.inputs[i] < 0) fail(n, "input " + std::to_string(i) + " absent");
    return g.input_of(n, i);
}

const TensorDef& output(const Graph& g, const Node& n) {
    if (n.outputs.empty()) fail(n, "no output");
    return g.output_of(n);
}

ref::Requant requant(const Node& n, double real, std::int32_t zp) {
    try {
        return ref::requant_from_scale(real, zp);
    } catch (const std::invalid_argument&) {
        fail(n, "requantization scale " + std::to_string(real) + " out of range");
    }
}

ref::QuantParams qp(const Node& n, const TensorDef& t) {
    return ref::QuantParams{scale_of(n, t), t.quant.zero_point};
}

ref::Lut clamp_lut(double lo, double hi, const ref::QuantParams& in, const ref::QuantParams& out) {
    return ref::make_lut([lo, hi](double v) { return std::min(std::max(v, lo), hi); }, in, out);
}

}  // namespace

bool ChannelRequant::uniform() const {
    for (const ref::Requant& r : channels)
        if (r.mult != channels.front().mult || r.shift != channels.front().shift ||
            r.zp != channels.front().zp)
            return false;
    return true;
}

ChannelRequant accum_requant(const Graph& g, const Node& n) {
    const TensorDef& x = input(g, n, 0);
    const TensorDef& w = input(g, n, 1);
    const TensorDef& y = output(g, n);
    const double s_x = scale_of(n, x), s_y = scale_of(n, y);
    ChannelRequant q;
    if (n.op == OpType::matmul) {
        q.channels.push_back(requant(n, s_x * scale_of(n, w) / s_y, y.quant.zero_point));
        return q;
    }
    if (n.op != OpType::conv && n.op != OpType::fc) fail(n, "not a conv, fc or matmul");
    const std::int64_t m_count = w.shape.n;
    const std::vector<double>& cs = w.quant.channel_scales;
    if (!cs.empty() && static_cast<std::int64_t>(cs.size()) != m_count)
        fail(n, "weight '" + w.name + "' has " + std::to_string(cs.size()) +
                    " channel scales for " + std::to_string(m_count) + " output channels");
    const double s_w = cs.empty() ? scale_of(n, w) : 0.0;
    for (std::int64_t m = 0; m < m_count; ++m) {
        const double s_wm = cs.empty() ? s_w : cs[static_cast<std::size_t>(m)];
        if (!(s_wm > 0.0))
            fail(n, "weight '" + w.name + "' channel " + std::to_string(m) +
                        " scale must be positive");
        q.channels.push_back(requant(n, s_x * s_wm / s_y, y.quant.zero_point));
    }
    return q;
}

ActParams fused_act(const Graph& g, const Node& n) {
    ActParams a;
    const TensorDef& y = output(g, n);
    switch (n.attrs.act) {
        case Act::none:
            break;
        case Act::relu:
            a.kind = ActKind::relu;
            a.zp = y.quant.zero_point;
            break;
        case Act::relu6:
            a.kind = ActKind::lut;
            a.zp = y.quant.zero_point;
            a.lut = clamp_lut(0.0, 6.0, qp(n, y), qp(n, y));
            break;
    }
    return a;
}

ActParams unary_act(const Graph& g, const Node& n) {
    const TensorDef& x = input(g, n, 0);
    const TensorDef& y = output(g, n);
    const ref::QuantParams in = qp(n, x), out = qp(n, y);
    ActParams a;
    a.kind = ActKind::lut;
    a.zp = y.quant.zero_point;
    switch (n.op) {
        case OpType::relu:
            if (in.scale == out.scale && in.zero_point == out.zero_point) {
                a.kind = ActKind::relu;  // max(x, zp): exact, no table
                return a;
            }
            a.lut = clamp_lut(0.0, HUGE_VAL, in, out);
            return a;
        case OpType::sigmoid:
            a.lut = ref::sigmoid_lut(in, out);
            return a;
        case OpType::tanh:
            a.lut = ref::tanh_lut(in, out);
            return a;
        case OpType::clip:
            if (!(n.attrs.clip_min <= n.attrs.clip_max))
                fail(n, "clip_min " + std::to_string(n.attrs.clip_min) + " > clip_max " +
                            std::to_string(n.attrs.clip_max));
            a.lut = clamp_lut(n.attrs.clip_min, n.attrs.clip_max, in, out);
            return a;
        default:
            fail(n, "not an activation (relu, sigmoid, tanh, clip)");
    }
}

std::int8_t apply_act(const ActParams& a, std::int8_t y) {
    switch (a.kind) {
        case ActKind::relu:
            return static_cast<std::int8_t>(std::max<std::int32_t>(y, npu_sat8(a.zp)));
        case ActKind::lut:
            return a.lut[static_cast<std::size_t>(y + 128)];
        case ActKind::none:
            break;
    }
    return y;
}

AddParams add_params(const Graph& g, const Node& n) {
    const TensorDef& a = input(g, n, 0);
    const TensorDef& b = input(g, n, 1);
    const TensorDef& y = output(g, n);
    const double s_y = scale_of(n, y);
    const double ra = scale_of(n, a) / s_y, rb = scale_of(n, b) / s_y;
    // The largest shift whose multipliers stay below 2^22: |a - zp| <= 255, so
    // 2 * 255 * 2^22 < 2^31 and the accumulator never wraps.
    constexpr double kMultLimit = 4194304.0;  // 2^22
    const double r = std::max(ra, rb);
    int shift = static_cast<int>(NPU_REQUANT_MAX_SHIFT);
    while (shift > 0 && std::round(std::ldexp(r, shift)) >= kMultLimit)
        --shift;
    if (std::round(std::ldexp(r, shift)) >= kMultLimit)
        fail(n, "input/output scale ratio " + std::to_string(r) + " too large for the adder");
    AddParams p;
    p.shift = static_cast<std::uint32_t>(shift);
    p.mult_a = static_cast<std::int32_t>(std::llround(std::ldexp(ra, shift)));
    p.mult_b = static_cast<std::int32_t>(std::llround(std::ldexp(rb, shift)));
    p.zp_a = a.quant.zero_point;
    p.zp_b = b.quant.zero_point;
    p.zp_y = y.quant.zero_point;
    return p;
}

ref::Requant mul_params(const Graph& g, const Node& n) {
    const TensorDef& a = input(g, n, 0);
    const TensorDef& b = input(g, n, 1);
    const TensorDef& y = output(g, n);
    return requant(n, scale_of(n, a) * scale_of(n, b) / scale_of(n, y), y.quant.zero_point);
}

SoftmaxParams softmax_params(double s_x, double s_y, std::int32_t zp_y) {
    if (!(s_x > 0.0) || !(s_y > 0.0))
        throw GraphError("softmax: scales must be positive (s_x " + std::to_string(s_x) + ", s_y " +
                         std::to_string(s_y) + ")");
    SoftmaxParams p;
    for (std::size_t d = 0; d < p.exp_table.size(); ++d)
        p.exp_table[d] = static_cast<std::uint32_t>(
            std::llround(NPU_SOFTMAX_ONE * std::exp(-s_x * static_cast<double>(d))));
    // p arrives in Q15 (p = e * 2^15 / sum); the output real is p / 2^15.
    const ref::Requant q =
        ref::requant_from_scale(std::ldexp(1.0, -static_cast<int>(NPU_SOFTMAX_P_BITS)) / s_y, zp_y);
    p.mult = q.mult;
    p.shift = q.shift;
    p.zp_y = zp_y;
    return p;
}

void softmax_extent(const Shape& s, std::int64_t& rows, std::int64_t& cols) {
    if (s.h == 1 && s.w == 1) {
        rows = s.n;
        cols = s.c;
    } else {
        rows = s.n * s.c * s.h;
        cols = s.w;
    }
}

SoftmaxParams softmax_params(const Graph& g, const Node& n) {
    const TensorDef& x = input(g, n, 0);
    const TensorDef& y = output(g, n);
    SoftmaxParams p;
    try {
        p = softmax_params(scale_of(n, x), scale_of(n, y), y.quant.zero_point);
    } catch (const std::invalid_argument&) {
        fail(n, "output scale " + std::to_string(y.quant.scale) + " out of range");
    }
    softmax_extent(x.shape, p.rows, p.cols);
    if (p.cols > static_cast<std::int64_t>(NPU_SOFTMAX_MAX_COLS))
        fail(n, std::to_string(p.cols) + " values per row (at most " +
                    std::to_string(NPU_SOFTMAX_MAX_COLS) + ")");
    return p;
}

LrnParams lrn_params(const Graph& g, const Node& n) {
    const TensorDef& x = input(g, n, 0);
    const TensorDef& y = output(g, n);
    const Attrs& at = n.attrs;
    if (at.lrn_size < 1 || at.lrn_size > static_cast<std::int64_t>(NPU_LRN_MAX_SIZE))
        fail(n, "lrn_size " + std::to_string(at.lrn_size) + " out of range");
    if (!(at.bias > 0.0) || !(at.alpha >= 0.0) || !std::isfinite(at.beta))
        fail(n, "lrn needs bias > 0, alpha >= 0 and a finite beta");
    if (x.quant.zero_point < -128 || x.quant.zero_point > 127)
        fail(n, "input zero point " + std::to_string(x.quant.zero_point) + " outside int8");
    const double s_x = scale_of(n, x), s_y = scale_of(n, y);
    LrnParams p;
    p.size = static_cast<std::int32_t>(at.lrn_size);
    p.zp_x = x.quant.zero_point;
    p.zp_y = y.quant.zero_point;
    p.channels = x.shape.c;
    p.pixels = x.shape.h * x.shape.w;
    // The largest sum of squares the window can hold sets the bin width.
    const std::int64_t dmax = std::max(127 - p.zp_x, p.zp_x + 128);
    const std::int64_t sq_max =
        std::min<std::int64_t>(at.lrn_size, std::max<std::int64_t>(p.channels, 1)) * dmax * dmax;
    while ((sq_max >> p.sq_shift) >= kLrnTableLen)
        ++p.sq_shift;
    std::vector<double> g_real(static_cast<std::size_t>(kLrnTableLen));
    double g_max = 0.0;
    for (std::int64_t i = 0; i < kLrnTableLen; ++i) {
        const double lo = static_cast<double>(i << p.sq_shift);
        const double width = static_cast<double>((std::int64_t{1} << p.sq_shift) - 1);
        const double sq = std::min(lo + width / 2.0, static_cast<double>(sq_max));
        const double base = at.bias + at.alpha / static_cast<double>(at.lrn_size) * s_x * s_x * sq;
        const double v = s_x / s_y * std::pow(base, -at.beta);
        if (!std::isfinite(v)) fail(n, "lrn multiplier not finite");
        g_real[static_cast<std::size_t>(i)] = v;
        g_max = std::max(g_max, v);
    }
    // The largest shift whose multipliers stay below 2^31.
    int shift = static_cast<int>(NPU_REQUANT_MAX_SHIFT);
    while (shift > 0 && std::round(std::ldexp(g_max, shift)) >= 2147483648.0)
        --shift;
    if (std::round(std::ldexp(g_max, shift)) >= 2147483648.0)
        fail(n, "lrn multiplier " + std::to_string(g_max) + " too large");
    p.mult_shift = static_cast<std::uint32_t>(shift);
    p.table.reserve(g_real.size());
    for (double v : g_real)
        p.table.push_back(static_cast<std::int32_t>(std::llround(std::ldexp(v, shift))));
    return p;
}

}  // namespace wl
