// The float reference of an imported network (onnx_import.h): runs a
// FloatGraph's ops on real values, in the graph's own layout conventions
// (graph.h). The ONNX importer calibrates activation scales with it, and tests
// compare the int8 execution against it. Written for clarity, not speed.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include "workloads/onnx_import.h"

namespace wl {

namespace {

using Vec = std::vector<float>;

float sigmoid(float v) {
    return 1.0f / (1.0f + std::exp(-v));
}

void apply_act(Vec& y, Act act) {
    for (float& v : y) {
        if (act == Act::relu) v = std::max(v, 0.0f);
        if (act == Act::relu6) v = std::min(std::max(v, 0.0f), 6.0f);
    }
}

// Output-plane order (weight outer, output columns inner) so the inner loop
// is a contiguous multiply-add: calibration runs whole networks through it.
Vec conv(const Graph& g, const Node& n, const Vec& x, const Vec& w, const Vec* b) {
    const Shape xs = g.input_of(n, 0).shape, ws = g.input_of(n, 1).shape, ys = g.output_of(n).shape;
    const Attrs& a = n.attrs;
    const int64_t cg = ws.c, mg = ws.n / a.groups, E = ys.h, F = ys.w;
    Vec y(static_cast<size_t>(ys.size()));
    for (int64_t m = 0; m < ys.c; ++m) {
        const int64_t c0 = (m / mg) * cg;
        float* out = &y[static_cast<size_t>(m * E * F)];
        std::fill(out, out + E * F, b ? (*b)[static_cast<size_t>(m)] : 0.0f);
        for (int64_t c = 0; c < cg; ++c)
            for (int64_t r = 0; r < ws.h; ++r)
                for (int64_t s = 0; s < ws.w; ++s) {
                    const float wv = w[static_cast<size_t>(((m * cg + c) * ws.h + r) * ws.w + s)];
                    // output columns f whose input column f * stride - pad + s is inside
                    const int64_t off = s - a.pad_left;
                    const int64_t f_lo = off >= 0 ? 0 : (-off + a.stride_w - 1) / a.stride_w;
                    const int64_t f_hi = std::min<int64_t>(
                        F, xs.w - 1 - off < 0 ? 0 : (xs.w - 1 - off) / a.stride_w + 1);
                    const int64_t st = a.stride_w, n_f = f_hi - f_lo;
                    if (n_f <= 0) continue;
                    for (int64_t e = 0; e < E; ++e) {
                        const int64_t ih = e * a.stride_h - a.pad_top + r;
                        if (ih < 0 || ih >= xs.h) continue;
                        // first input element read: column f_lo * st + off (>= 0)
                        const float* in =
                            x.data() + ((c0 + c) * xs.h + ih) * xs.w + f_lo * st + off;
                        float* o = out + e * F + f_lo;
                        if (st == 1) {
                            for (int64_t k = 0; k < n_f; ++k)
                                o[k] += wv * in[k];
                        } else {
                            for (int64_t k = 0; k < n_f; ++k)
                                o[k] += wv * in[k * st];
                        }
                    }
                }
    }
    return y;
}

// fc: a fully connected layer, or a GEMM over x's H*W columns (graph.h).
Vec fc(const Graph& g, const Node& n, const Vec& x, const Vec& w, const Vec* b) {
    const Shape xs = g.input_of(n, 0).shape, ws = g.input_of(n, 1).shape;
    const int64_t m_out = ws.n, k = ws.c;
    const int64_t cols = (xs.size() == k) ? 1 : xs.h * xs.w;
    Vec y(static_cast<size_t>(m_out * cols));
    for (int64_t m = 0; m < m_out; ++m)
        for (int64_t j = 0; j < cols; ++j) {
            double acc = b ? (*b)[static_cast<size_t>(m)] : 0.0;
            for (int64_t i = 0; i < k; ++i)
                acc += static_cast<double>(w[static_cast<size_t>(m * k + i)]) *
                       x[static_cast<size_t>(i * cols + j)];
            y[static_cast<size_t>(m * cols + j)] = static_cast<float>(acc);
        }
    return y;
}

Vec matmul(const Shape& as, const Vec& a, const Shape& bs, const Vec& b) {
    const int64_t M = as.h, K = as.w, N = bs.w;
    Vec y(static_cast<size_t>(M * N));
    for (int64_t m = 0; m < M; ++m)
        for (int64_t j = 0; j < N; ++j) {
            double acc = 0;
            for (int64_t i = 0; i < K; ++i)
                acc += static_cast<double>(a[static_cast<size_t>(m * K + i)]) *
                       b[static_cast<size_t>(i * N + j)];
            y[static_cast<size_t>(m * N + j)] = static_cast<float>(acc);
        }
    return y;
}

Vec pool(const Shape& xs, const Shape& ys, const Attrs& a, const Vec& x, bool is_max) {
    Vec y(static_cast<size_t>(ys.size()));
    for (int64_t c = 0; c < ys.c; ++c)
        for (int64_t e = 0; e < ys.h; ++e)
            for (int64_t f = 0; f < ys.w; ++f) {
                double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
                int64_t count = 0;
                for (int64_t r = 0; r < a.kernel_h; ++r) {
                    const int64_t ih = e * a.stride_h - a.pad_top + r;
                    if (ih < 0 || ih >= xs.h) continue;
                    for (int64_t s = 0; s < a.kernel_w; ++s) {
                        const int64_t iw = f * a.stride_w - a.pad_left + s;
                        if (iw < 0 || iw >= xs.w) continue;
                        const double v = x[static_cast<size_t>((c * xs.h + ih) * xs.w + iw)];
                        acc = is_max ? std::max(acc, v) : acc + v;
                        ++count;
                    }
                }
                if (!is_max) acc = count ? acc / static_cast<double>(count) : 0.0;
                y[static_cast<size_t>((c * ys.h + e) * ys.w + f)] = static_cast<float>(acc);
            }
    return y;
}

// lstm (gates i, o, f, c) and gru (z, r, h; linear_before_reset = 1), as ONNX
// defines them, on x [T][I] with W [G*H][I], R [G*H][H].
Vec rnn(bool is_lstm, const Shape& xs, int64_t H, const Vec& x, const Vec& W, const Vec& R,
        const Vec* B) {
    const int64_t T = xs.h, I = xs.w, G = is_lstm ? 4 : 3;
    Vec h(static_cast<size_t>(H), 0.0f), c(static_cast<size_t>(H), 0.0f), y;
    std::vector<double> xw(static_cast<size_t>(G * H)), hr(static_cast<size_t>(G * H));
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t j = 0; j < G * H; ++j) {
            double a = 0, b = 0;
            for (int64_t i = 0; i < I; ++i)
                a += static_cast<double>(W[static_cast<size_t>(j * I + i)]) *
                     x[static_cast<size_t>(t * I + i)];
            for (int64_t i = 0; i < H; ++i)
                b += static_cast<double>(R[static_cast<size_t>(j * H + i)]) *
                     h[static_cast<size_t>(i)];
            if (B && is_lstm) a += (*B)[static_cast<size_t>(j)];
            if (B && !is_lstm) {
                a += (*B)[static_cast<size_t>(j)];
                b += (*B)[static_cast<size_t>(G * H + j)];
            }
            xw[static_cast<size_t>(j)] = a;
            hr[static_cast<size_t>(j)] = b;
        }
        auto g = [&](int64_t gate, int64_t j) {
            return static_cast<float>(xw[static_cast<size_t>(gate * H + j)] +
                                      hr[static_cast<size_t>(gate * H + j)]);
        };
        Vec hn(static_cast<size_t>(H));
        for (int64_t j = 0; j < H; ++j) {
            const size_t u = static_cast<size_t>(j);
            if (is_lstm) {
                const float i = sigmoid(g(0, j)), o = sigmoid(g(1, j)), f = sigmoid(g(2, j)),
                            cc = std::tanh(g(3, j));
                c[u] = f * c[u] + i * cc;
                hn[u] = o * std::tanh(c[u]);
            } else {
                const float z = sigmoid(g(0, j)), r = sigmoid(g(1, j));
                const float hh = std::tanh(static_cast<float>(
                    xw[static_cast<size_t>(2 * H + j)] + r * hr[static_cast<size_t>(2 * H + j)]));
                hn[u] = (1.0f - z) * hh + z * h[u];
            }
        }
        h = hn;
        y.insert(y.end(), h.begin(), h.end());
    }
    return y;
}

}  // namespace

std::vector<std::vector<float>> run_float(const FloatGraph& fg,
                                          const std::vector<std::vector<float>>& inputs) {
    const Graph& g = fg.graph;
    std::vector<Vec> v(g.tensors.size());
    for (size_t i = 0; i < g.tensors.size() && i < fg.consts.size(); ++i)
        v[i] = fg.consts[i];
    if (inputs.size() != g.inputs.size())
        throw GraphError("float reference: " + std::to_string(inputs.size()) + " inputs for " +
                         std::to_string(g.inputs.size()));
    for (size_t i = 0; i < inputs.size(); ++i) {
        const TensorDef& t = g.tensor(g.inputs[i]);
        if (static_cast<int64_t>(inputs[i].size()) != t.elems())
            throw GraphError("float reference: input '" + t.name + "' needs " +
                             std::to_string(t.elems()) + " values");
        v[static_cast<size_t>(g.inputs[i])] = inputs[i];
    }
    auto in = [&](const Node& n, size_t i) -> const Vec& {
        return v[static_cast<size_t>(n.inputs.at(i))];
    };
    auto opt = [&](const Node& n, size_t i) -> const Vec* {
        return (n.inputs.size() > i && n.inputs[i] >= 0) ? &v[static_cast<size_t>(n.inputs[i])]
                                                         : nullptr;
    };
    for (const Node& n : g.nodes) {
        const Shape xs = g.input_of(n, 0).shape, ys = g.output_of(n).shape;
        Vec y;
        switch (n.op) {
            case OpType::conv:
                y = conv(g, n, in(n, 0), in(n, 1), opt(n, 2));
                apply_act(y, n.attrs.act);
                break;
            case OpType::fc:
                y = fc(g, n, in(n, 0), in(n, 1), opt(n, 2));
                apply_act(y, n.attrs.act);
                break;
            case OpType::matmul:
                y = matmul(xs, in(n, 0), g.input_of(n, 1).shape, in(n, 1));
                break;
            case OpType::maxpool:
            case OpType::avgpool:
                y = pool(xs, ys, n.attrs, in(n, 0), n.op == OpType::maxpool);
                break;
            case OpType::global_avgpool: {
                Attrs a;
                a.kernel_h = xs.h;
                a.kernel_w = xs.w;
                y = pool(xs, ys, a, in(n, 0), false);
                break;
            }
            case OpType::add:
            case OpType::mul:
                y = in(n, 0);
                for (size_t i = 0; i < y.size(); ++i)
                    y[i] = n.op == OpType::add ? y[i] + in(n, 1)[i] : y[i] * in(n, 1)[i];
                apply_act(y, n.attrs.act);
                break;
            case OpType::concat: {
                // Channel concat of NCHW maps is a plain append; so is a row
                // concat of matrices (rows are contiguous).
                for (size_t i = 0; i < n.inputs.size(); ++i)
                    y.insert(y.end(), in(n, i).begin(), in(n, i).end());
                break;
            }
            case OpType::relu:
                y = in(n, 0);
                apply_act(y, Act::relu);
                break;
            case OpType::clip:
                y = in(n, 0);
                for (float& e : y)
                    e = static_cast<float>(std::min(
                        std::max(static_cast<double>(e), n.attrs.clip_min), n.attrs.clip_max));
                break;
            case OpType::sigmoid:
                y = in(n, 0);
                for (float& e : y)
                    e = sigmoid(e);
                break;
            case OpType::tanh:
                y = in(n, 0);
                for (float& e : y)
                    e = std::tanh(e);
                break;
            case OpType::softmax: {
                y = in(n, 0);
                const int64_t cols = (xs.c > 1) ? xs.c : xs.w;
                for (size_t r0 = 0; r0 + static_cast<size_t>(cols) <= y.size();
                     r0 += static_cast<size_t>(cols)) {
                    float mx = y[r0];
                    for (int64_t j = 0; j < cols; ++j)
                        mx = std::max(mx, y[r0 + static_cast<size_t>(j)]);
                    double sum = 0;
                    for (int64_t j = 0; j < cols; ++j)
                        sum += std::exp(static_cast<double>(y[r0 + static_cast<size_t>(j)] - mx));
                    for (int64_t j = 0; j < cols; ++j) {
                        float& e = y[r0 + static_cast<size_t>(j)];
                        e = static_cast<float>(std::exp(static_cast<double>(e - mx)) / sum);
                    }
                }
                break;
            }
            case OpType::lrn: {
                // ONNX LRN: y = x / (bias + alpha / size * sum_window x^2)^beta.
                const Vec& x = in(n, 0);
                y.resize(x.size());
                const int64_t sz = n.attrs.lrn_size, hw = xs.h * xs.w;
                for (int64_t c = 0; c < xs.c; ++c)
                    for (int64_t p = 0; p < hw; ++p) {
                        double sq = 0;
                        for (int64_t cc = std::max<int64_t>(0, c - (sz - 1) / 2);
                             cc <= std::min<int64_t>(xs.c - 1, c + sz / 2); ++cc) {
                            const double e = x[static_cast<size_t>(cc * hw + p)];
                            sq += e * e;
                        }
                        const size_t u = static_cast<size_t>(c * hw + p);
                        y[u] = static_cast<float>(
                            x[u] /
                            std::pow(n.attrs.bias + n.attrs.alpha / static_cast<double>(sz) * sq,
                                     n.attrs.beta));
                    }
                break;
            }
            case OpType::flatten:
            case OpType::reshape:
                y = in(n, 0);
                break;
            case OpType::lstm:
            case OpType::gru:
                y = rnn(n.op == OpType::lstm, xs, n.attrs.hidden, in(n, 0), in(n, 1), in(n, 2),
                        opt(n, 3));
                break;
            case OpType::attention:
                throw GraphError("float reference: node '" + n.name + "': attention not supported");
        }
        if (static_cast<int64_t>(y.size()) != ys.size())
            throw GraphError("float reference: node '" + n.name + "' produced " +
                             std::to_string(y.size()) + " values for " + ys.str());
        v[static_cast<size_t>(n.outputs.at(0))] = std::move(y);
    }
    return v;
}

}  // namespace wl
