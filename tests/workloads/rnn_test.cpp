// lstm, gru and attention in int8: the CPU-step arithmetic of npu_abi/rnn.h on
// hand-computed cases, and the reference (rnn_ref.h, rnn_quant.h) against a
// float LSTM / GRU / attention computed here from the dequantized graph.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "npu_abi/rnn.h"
#include "workloads/graph.h"
#include "workloads/rnn_quant.h"
#include "workloads/rnn_ref.h"
#include "workloads/zoo.h"

namespace {

using namespace wl;

// ---------------------------------------------------------------- the cells

// Tables that make hand computation easy: sigmoid = 0.5 (64 in Q7) everywhere,
// tanh(q) = q (the identity on the LUT's int8 input).
struct HandLuts {
    std::int8_t sig[256], tanh[256];
    HandLuts() {
        for (int q = -128; q < 128; ++q) {
            sig[q + 128] = 64;
            tanh[q + 128] = static_cast<std::int8_t>(q);
        }
    }
};

TEST(RnnCell, LstmHandComputedTwoSteps) {
    const HandLuts l;
    // gate_mult 2^30, shift 30: the LUT input is the accumulator itself (tanh
    // LUT; the sigmoid LUT sees acc / 2, it is constant anyway). out: o * t / 64.
    const std::int32_t acc[4] = {7, -3, 5, 100};  // i, o, f, c (H = 1)
    std::int32_t c = 0;
    std::int8_t h = 0, copy = 0;
    npu_lstm_cell(acc, &c, &h, &copy, l.sig, l.tanh, 1, 1 << 30, 30, 1 << 30, 36, 3);
    // c = (64 * 0) / 128 + (64 * 100) / 4 = 1600; tanh input round(1600 / 128) =
    // round(12.5) = 13 (half away from zero); h = 3 + 64 * 13 / 64 = 16.
    EXPECT_EQ(c, 1600);
    EXPECT_EQ(h, 16);
    EXPECT_EQ(copy, 16);
    npu_lstm_cell(acc, &c, &h, nullptr, l.sig, l.tanh, 1, 1 << 30, 30, 1 << 30, 36, 3);
    // c = 64 * 1600 / 128 + 1600 = 2400; round(2400 / 128) = round(18.75) = 19; h = 3 + 19.
    EXPECT_EQ(c, 2400);
    EXPECT_EQ(h, 22);
    EXPECT_EQ(copy, 16);  // no copy requested
}

TEST(RnnCell, LstmCellStateStaysBounded) {
    // With Q7 gates f <= 127/128 and i * g <= 127 * 127, the state converges to
    // at most 128 * round(127 * 127 / 4) = 516096 (126.0): far below the clamp.
    std::int8_t sat[256];
    std::fill(sat, sat + 256, static_cast<std::int8_t>(127));
    const std::int32_t acc[4] = {0, 0, 0, 0};
    std::int32_t c = 0, last = -1;
    std::int8_t h = 0;
    for (int t = 0; t < 3000; ++t) {
        npu_lstm_cell(acc, &c, &h, nullptr, sat, sat, 1, 1 << 30, 30, 1 << 30, 36, 0);
        EXPECT_GE(c, last);
        last = c;
    }
    EXPECT_LE(c, 128 * 4032);
    EXPECT_GT(c, 128 * 4032 - 200);
    EXPECT_LT(c, NPU_RNN_CELL_MAX);
    EXPECT_EQ(h, 127);  // 127 * 127 / 64 saturates
}

TEST(RnnCell, GruHandComputed) {
    const HandLuts l;
    // z = r = 0.5 (64); xn = 10, hn = 20: n = tanh(10 + 64 * 20 / 128) = 20;
    // out_mult / 2^out_shift = 1/2: n_x = 10; h_prev = 7 - zp 1 = 6:
    // h = 1 + round(((128 - 64) * 10 + 64 * 6) / 128) = 1 + round(8) = 9.
    const std::int32_t acc[4] = {5, 5, 10, 20};
    std::int8_t hp = 7, h = 0;
    npu_gru_cell(acc, &hp, &h, nullptr, l.sig, l.tanh, 1, 1 << 30, 30, 1 << 30, 31, 1);
    EXPECT_EQ(h, 9);
    // In place (h_prev aliases h_copy, as the compiled program runs it).
    npu_gru_cell(acc, &hp, &h, &hp, l.sig, l.tanh, 1, 1 << 30, 30, 1 << 30, 31, 1);
    EXPECT_EQ(hp, 9);
    EXPECT_EQ(h, 9);
}

TEST(RnnCell, AttentionSoftmaxHandComputed) {
    const auto table = attention_exp_table();
    // hi[i] = round(65536 exp(-i/8)), lo[j] = round(65536 exp(-j/256)).
    EXPECT_EQ(table[0], 65536u);
    EXPECT_EQ(table[8], static_cast<std::uint32_t>(std::llround(65536.0 * std::exp(-1.0))));
    EXPECT_EQ(table[NPU_RNN_EXP_HI], 65536u);
    // Two keys, one row, scores 1000 and 744, multiplier 1 (mult 2^30, shift 30):
    // the Q8 logit difference is 256 (1.0); e = 65536 and 24109 (65536 / e);
    // p = round(65536 * 256 / 89645) = 187 and round(24109 * 256 / 89645) = 69,
    // minus 128. A second row (another head) starts a row stride further on
    // in both arrays; the gap between rows is not written.
    const std::int32_t scores[6] = {1000, 744, 0, 5, 5, 0};
    std::int8_t p[6] = {0, 0, 7, 0, 0, 7};
    npu_attn_softmax(scores, p, table.data(), 2, 2, 3, 3, 1 << 30, 30);
    EXPECT_EQ(p[0], 187 - 128);
    EXPECT_EQ(p[1], 69 - 128);
    EXPECT_EQ(p[2], 7);
    // Equal scores: one half each (128 - 128 = 0).
    EXPECT_EQ(p[3], 0);
    EXPECT_EQ(p[4], 0);
    EXPECT_EQ(p[5], 7);
    // A difference of 8.0 or more: e = 0.
    const std::int32_t far[2] = {3000, 0};
    npu_attn_softmax(far, p, table.data(), 1, 2, 2, 2, 1 << 30, 30);
    EXPECT_EQ(p[0], 127);  // 256 saturates
    EXPECT_EQ(p[1], -128);
}

TEST(RnnCell, StepRunChecksRanges) {
    std::vector<std::uint8_t> mem(4096, 0);
    npu_cpu_step_t s{};
    s.kind = NPU_STEP_LSTM_CELL;
    s.param[NPU_RNN_P_HIDDEN] = 4;
    s.param[NPU_RNN_P_GATE_SHIFT] = 30;
    s.param[NPU_RNN_P_OUT_SHIFT] = 30;
    s.addr[NPU_RNN_A_ACC] = 0x1000;
    s.addr[NPU_RNN_A_STATE] = 0x1100;
    s.addr[NPU_RNN_A_H] = 0x1200;
    s.addr[NPU_RNN_A_SIGMOID] = 0x1300;
    s.addr[NPU_RNN_A_TANH] = 0x1400;
    EXPECT_EQ(npu_rnn_step_run(&s, mem.data(), 0x1000, 4096), NPU_CPU_OK);
    s.addr[NPU_RNN_A_TANH] = 0x1F80;  // 256 bytes from there leave the memory
    EXPECT_EQ(npu_rnn_step_run(&s, mem.data(), 0x1000, 4096), NPU_CPU_ERR_ADDR);
    s.addr[NPU_RNN_A_TANH] = 0x1400;
    s.param[NPU_RNN_P_ZP] = 200;
    EXPECT_EQ(npu_rnn_step_run(&s, mem.data(), 0x1000, 4096), NPU_CPU_ERR_PARAM);
    s.kind = NPU_STEP_SOFTMAX;
    EXPECT_EQ(npu_rnn_step_run(&s, mem.data(), 0x1000, 4096), NPU_CPU_ERR_KIND);
}

// ---------------------------------------------------------------- graphs

struct Rng {  // a small LCG for test data (independent of the zoo's generator)
    std::uint64_t s;
    explicit Rng(std::uint64_t seed) : s(seed) {}
    std::int64_t next(std::int64_t lo, std::int64_t hi) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return lo + static_cast<std::int64_t>((s >> 33) % static_cast<std::uint64_t>(hi - lo + 1));
    }
};

int add_const8(Graph& g, const std::string& name, Shape s, double scale, Rng& r) {
    TensorDef t;
    t.name = name;
    t.shape = s;
    t.is_const = true;
    t.quant.scale = scale;
    for (std::int64_t i = 0; i < s.size(); ++i)
        t.i8.push_back(static_cast<std::int8_t>(r.next(-127, 127)));
    return g.add_tensor(t);
}

int add_bias(Graph& g, const std::string& name, std::int64_t n, std::int64_t range, Rng& r) {
    TensorDef t;
    t.name = name;
    t.shape = Shape{1, n, 1, 1};
    t.dtype = DType::int32;
    t.is_const = true;
    for (std::int64_t i = 0; i < n; ++i)
        t.i32.push_back(static_cast<std::int32_t>(r.next(-range, range)));
    return g.add_tensor(t);
}

int add_act(Graph& g, const std::string& name, Shape s, Quant q) {
    TensorDef t;
    t.name = name;
    t.shape = s;
    t.quant = q;
    return g.add_tensor(t);
}

// An lstm or gru node of H units over I features, T steps.
Graph recurrent_graph(OpType op, std::int64_t T, std::int64_t I, std::int64_t H, std::uint64_t seed,
                      std::int32_t zp = 0) {
    Rng r(seed);
    Graph g;
    g.name = "rnn";
    const std::int64_t G = op == OpType::lstm ? 4 : 3;
    const Quant q{1.0 / 64, zp, {}};
    const int x = add_act(g, "x", Shape{1, 1, T, I}, q);
    const double s_w = std::sqrt(2.0 / double(I + H)) / 73.6;
    const int W = add_const8(g, "W", Shape{1, 1, G * H, I}, s_w, r);
    const int R = add_const8(g, "R", Shape{1, 1, G * H, H}, s_w, r);
    const int B = add_bias(g, "B", (op == OpType::lstm ? 4 : 6) * H, 2000, r);
    const int y = add_act(g, "y", Shape{}, q);
    Node n;
    n.name = op == OpType::lstm ? "lstm1" : "gru1";
    n.op = op;
    n.inputs = {x, W, R, B};
    n.outputs = {y};
    n.attrs.hidden = H;
    g.add_node(n);
    g.inputs = {x};
    g.outputs = {y};
    g.infer_shapes();
    return g;
}

Tensor8 random_input(std::int64_t T, std::int64_t F, std::int32_t zp, std::uint64_t seed) {
    Rng r(seed);
    Tensor8 x(Shape{1, 1, T, F}, zp);
    for (auto& v : x.data)
        v = static_cast<std::int8_t>(r.next(-128, 127));
    return x;
}

std::vector<double> dequant(const TensorDef& t) {
    std::vector<double> v;
    for (std::int8_t q : t.i8)
        v.push_back(t.quant.scale * (q - t.quant.zero_point));
    return v;
}

double sigm(double v) {
    return 1.0 / (1.0 + std::exp(-v));
}

// Float LSTM / GRU (ONNX semantics) on the dequantized graph and input.
std::vector<double> float_recurrent(const Graph& g, const Tensor8& xq) {
    const Node& n = g.nodes[0];
    const bool lstm = n.op == OpType::lstm;
    const TensorDef& xt = g.input_of(n, 0);
    const std::vector<double> W = dequant(g.input_of(n, 1)), R = dequant(g.input_of(n, 2));
    const double sb = xt.quant.scale * g.input_of(n, 1).quant.scale;
    const std::vector<std::int32_t>& B = g.input_of(n, 3).i32;
    const std::int64_t T = xq.shape.h, I = xq.shape.w, H = n.attrs.hidden, G = lstm ? 4 : 3;
    std::vector<double> h(H, 0.0), c(H, 0.0), out;
    for (std::int64_t t = 0; t < T; ++t) {
        std::vector<double> wx(G * H), rh(G * H);
        for (std::int64_t j = 0; j < G * H; ++j) {
            double a = 0, b = 0;
            for (std::int64_t i = 0; i < I; ++i)
                a += W[j * I + i] * xt.quant.scale * (xq.data[t * I + i] - xt.quant.zero_point);
            for (std::int64_t i = 0; i < H; ++i)
                b += R[j * H + i] * h[i];
            a += sb * B[j];
            if (!lstm) b += sb * B[G * H + j];
            wx[j] = a;
            rh[j] = b;
        }
        std::vector<double> hn(H);
        for (std::int64_t j = 0; j < H; ++j) {
            if (lstm) {
                const double i = sigm(wx[j] + rh[j]), o = sigm(wx[H + j] + rh[H + j]);
                const double f = sigm(wx[2 * H + j] + rh[2 * H + j]);
                const double gg = std::tanh(wx[3 * H + j] + rh[3 * H + j]);
                c[j] = f * c[j] + i * gg;
                hn[j] = o * std::tanh(c[j]);
            } else {
                const double z = sigm(wx[j] + rh[j]), rr = sigm(wx[H + j] + rh[H + j]);
                const double nn = std::tanh(wx[2 * H + j] + rr * rh[2 * H + j]);
                hn[j] = (1 - z) * nn + z * h[j];
            }
        }
        h = hn;
        out.insert(out.end(), h.begin(), h.end());
    }
    return out;
}

// Largest |int8 result - float result| in output LSBs.
double max_lsb_error(const Tensor8& y, const std::vector<double>& f, const Quant& q) {
    double worst = 0;
    for (std::size_t i = 0; i < f.size(); ++i)
        worst = std::max(worst, std::fabs(q.scale * (y.data[i] - q.zero_point) - f[i]) / q.scale);
    return worst;
}

TEST(RnnRef, LstmCloseToFloat) {
    for (std::int32_t zp : {0, -5}) {
        const Graph g = recurrent_graph(OpType::lstm, 12, 10, 16, 7, zp);
        const Tensor8 x = random_input(12, 10, zp, 11);
        const Tensor8 y = ref::lstm(g, g.nodes[0], x);
        ASSERT_EQ(y.shape, (Shape{1, 1, 12, 16}));
        const double err = max_lsb_error(y, float_recurrent(g, x), g.tensors[g.outputs[0]].quant);
        EXPECT_LE(err, 3.0) << "zp " << zp;
        // Not trivially small: h uses a good part of the int8 range.
        const auto mm = std::minmax_element(y.data.begin(), y.data.end());
        EXPECT_GT(*mm.second - *mm.first, 40);
    }
}

TEST(RnnRef, GruCloseToFloat) {
    for (std::int32_t zp : {0, 3}) {
        const Graph g = recurrent_graph(OpType::gru, 12, 10, 16, 9, zp);
        const Tensor8 x = random_input(12, 10, zp, 13);
        const Tensor8 y = ref::gru(g, g.nodes[0], x);
        const double err = max_lsb_error(y, float_recurrent(g, x), g.tensors[g.outputs[0]].quant);
        EXPECT_LE(err, 3.0) << "zp " << zp;
        const auto mm = std::minmax_element(y.data.begin(), y.data.end());
        EXPECT_GT(*mm.second - *mm.first, 40);
    }
}

TEST(RnnRef, ShorterSequenceIsThePrefix) {
    for (OpType op : {OpType::lstm, OpType::gru}) {
        const Graph g = recurrent_graph(op, 10, 6, 8, 21);
        const Tensor8 x = random_input(10, 6, 0, 5);
        Tensor8 x4(Shape{1, 1, 4, 6}, 0,
                   std::vector<std::int8_t>(x.data.begin(), x.data.begin() + 24));
        const Tensor8 full =
            op == OpType::lstm ? ref::lstm(g, g.nodes[0], x) : ref::gru(g, g.nodes[0], x);
        const Tensor8 part =
            op == OpType::lstm ? ref::lstm(g, g.nodes[0], x4) : ref::gru(g, g.nodes[0], x4);
        ASSERT_EQ(part.shape, (Shape{1, 1, 4, 8}));
        EXPECT_TRUE(std::equal(part.data.begin(), part.data.end(), full.data.begin()));
    }
}

TEST(RnnRef, GruStepWeightsSeparateTheCandidateTerms) {
    const Graph g = recurrent_graph(OpType::gru, 3, 2, 2, 3);
    const CellParams p = gru_params(g, g.nodes[0]);
    const TensorDef &W = g.tensors[1], &R = g.tensors[2], &B = g.tensors[3];
    ASSERT_EQ(p.rows(), 8);
    ASSERT_EQ(p.cols(), 4);
    // Row 2H + j = [Wh_j | 0], row 3H + j = [0 | Rh_j]; bias bWh, bRh.
    for (int j = 0; j < 2; ++j) {
        for (int i = 0; i < 2; ++i) {
            EXPECT_EQ(p.weight[(4 + j) * 4 + i], W.i8[(4 + j) * 2 + i]);
            EXPECT_EQ(p.weight[(4 + j) * 4 + 2 + i], 0);
            EXPECT_EQ(p.weight[(6 + j) * 4 + i], 0);
            EXPECT_EQ(p.weight[(6 + j) * 4 + 2 + i], R.i8[(4 + j) * 2 + i]);
        }
        EXPECT_EQ(p.bias[j], B.i32[j] + B.i32[6 + j]);
        EXPECT_EQ(p.bias[4 + j], B.i32[4 + j]);
        EXPECT_EQ(p.bias[6 + j], B.i32[10 + j]);
    }
}

TEST(RnnRef, BadNodesAreNamed) {
    Graph g = recurrent_graph(OpType::lstm, 4, 3, 2, 1);
    const Tensor8 wrong = random_input(4, 5, 0, 1);  // 5 features, the node has 3
    try {
        ref::lstm(g, g.nodes[0], wrong);
        FAIL() << "no error";
    } catch (const GraphError& e) {
        EXPECT_NE(std::string(e.what()).find("lstm1"), std::string::npos) << e.what();
    }
    const Tensor8 too_long = random_input(5, 3, 0, 1);
    EXPECT_THROW(ref::lstm(g, g.nodes[0], too_long), GraphError);
    g.tensors[1].i8.clear();  // weights without data
    EXPECT_THROW(ref::lstm(g, g.nodes[0], random_input(4, 3, 0, 1)), GraphError);
}

// ---------------------------------------------------------------- attention

Graph attention_graph(std::int64_t T, std::int64_t D, std::int64_t heads, std::uint64_t seed) {
    Rng r(seed);
    Graph g;
    g.name = "attn";
    const Quant qx{1.0 / 64, 0, {}};
    const int x = add_act(g, "x", Shape{1, 1, T, D}, qx);
    const double s_w = std::sqrt(2.0 / double(D)) / 73.6;
    std::vector<int> ins{x};
    for (const char* w : {"Wq", "Wk", "Wv", "Wo"})
        ins.push_back(add_const8(g, w, Shape{1, 1, D, D}, s_w, r));
    for (const char* b : {"bq", "bk", "bv", "bo"})
        ins.push_back(add_bias(g, b, D, 3000, r));
    // Output scale: the projection of a context of V's spread (RMS 32 units)
    // lands at RMS 32 too; a zero point that is not 0.
    const double s_v = attention_projection_scale(qx.scale, s_w, D);
    const double s_y = std::sqrt(double(D)) * s_w * 73.6 * s_v;
    const int y = add_act(g, "y", Shape{}, Quant{s_y, 2, {}});
    Node n;
    n.name = "attn";
    n.op = OpType::attention;
    n.inputs = ins;
    n.outputs = {y};
    n.attrs.heads = heads;
    g.add_node(n);
    g.inputs = {x};
    g.outputs = {y};
    g.infer_shapes();
    return g;
}

std::vector<double> float_attention(const Graph& g, const Tensor8& xq) {
    const Node& n = g.nodes[0];
    const std::int64_t T = xq.shape.h, D = xq.shape.w, heads = n.attrs.heads, dk = D / heads;
    const double s_x = g.input_of(n, 0).quant.scale;
    auto proj = [&](int wi, const std::vector<double>& in) {  // in [T][D] -> [T][D]
        const TensorDef& w = g.input_of(n, wi);
        const std::vector<double> W = dequant(w);
        const std::vector<std::int32_t>& b = g.input_of(n, wi + 4).i32;
        const double sb = (wi < 4 ? s_x : 1.0) * w.quant.scale;  // bias units s_in * s_w
        std::vector<double> out(T * D);
        for (std::int64_t t = 0; t < T; ++t)
            for (std::int64_t m = 0; m < D; ++m) {
                double a = 0;
                for (std::int64_t k = 0; k < D; ++k)
                    a += W[m * D + k] * in[t * D + k];
                out[t * D + m] = a + (wi < 4 ? sb * b[m] : 0.0);
            }
        return out;
    };
    std::vector<double> x(T * D);
    for (std::int64_t i = 0; i < T * D; ++i)
        x[i] = s_x * xq.data[i];
    const std::vector<double> Q = proj(1, x), K = proj(2, x), V = proj(3, x);
    std::vector<double> C(T * D, 0.0);
    for (std::int64_t h = 0; h < heads; ++h)
        for (std::int64_t q = 0; q < T; ++q) {
            std::vector<double> s(T);
            double mx = -1e300, sum = 0;
            for (std::int64_t k = 0; k < T; ++k) {
                double a = 0;
                for (std::int64_t j = 0; j < dk; ++j)
                    a += Q[q * D + h * dk + j] * K[k * D + h * dk + j];
                s[k] = a / std::sqrt(double(dk));
                mx = std::max(mx, s[k]);
            }
            for (auto& v : s)
                sum += (v = std::exp(v - mx));
            for (std::int64_t k = 0; k < T; ++k)
                for (std::int64_t j = 0; j < dk; ++j)
                    C[q * D + h * dk + j] += s[k] / sum * V[k * D + h * dk + j];
        }
    // Output projection: bo is in units of s_c * s_wo, s_c = the values' scale.
    const TensorDef& wo = g.input_of(n, 4);
    const double s_c = attention_projection_scale(s_x, g.input_of(n, 3).quant.scale, D);
    std::vector<double> Y = proj(4, C);
    const std::vector<std::int32_t>& bo = g.input_of(n, 8).i32;
    for (std::int64_t t = 0; t < T; ++t)
        for (std::int64_t m = 0; m < D; ++m)
            Y[t * D + m] += s_c * wo.quant.scale * bo[m];
    return Y;
}

TEST(RnnRef, AttentionCloseToFloat) {
    const Graph g = attention_graph(9, 16, 2, 17);
    const Tensor8 x = random_input(9, 16, 0, 19);
    const Tensor8 y = ref::attention(g, g.nodes[0], x);
    ASSERT_EQ(y.shape, (Shape{1, 1, 9, 16}));
    const Quant& q = g.tensors[g.outputs[0]].quant;
    EXPECT_EQ(y.zero_point, q.zero_point);
    EXPECT_LE(max_lsb_error(y, float_attention(g, x), q), 4.0);
    const auto mm = std::minmax_element(y.data.begin(), y.data.end());
    EXPECT_GT(*mm.second - *mm.first, 40);
}

TEST(RnnRef, AttentionShorterSequence) {
    // A shorter sequence is its own attention (not a prefix: every query sees
    // every key), so compare against the float of the short input itself.
    const Graph g = attention_graph(12, 8, 4, 23);
    const Tensor8 x = random_input(5, 8, 0, 29);
    const Tensor8 y = ref::attention(g, g.nodes[0], x);
    ASSERT_EQ(y.shape, (Shape{1, 1, 5, 8}));
    EXPECT_LE(max_lsb_error(y, float_attention(g, x), g.tensors[g.outputs[0]].quant), 4.0);
}

// ---------------------------------------------------------------- the zoo

TEST(RnnZoo, LstmAndGruStacks) {
    for (const char* name : {"lstm", "gru"}) {
        const Graph g = zoo::build(std::string(name) + ":hidden=12,input=5,layers=3,seq=7", 4);
        ASSERT_EQ(g.nodes.size(), 3u) << name;
        const Quant& qx = g.tensors[g.inputs[0]].quant;
        for (std::size_t l = 0; l < 3; ++l) {
            const Node& n = g.nodes[l];
            EXPECT_EQ(n.attrs.hidden, 12);
            EXPECT_EQ(g.output_of(n).shape, (Shape{1, 1, 7, 12}));
            EXPECT_EQ(g.output_of(n).quant, qx);                        // h shares x's quantization
            EXPECT_EQ(g.input_of(n, 1).quant, g.input_of(n, 2).quant);  // W and R: one scale
            EXPECT_EQ(g.input_of(n, 1).shape.w, l == 0 ? 5 : 12);
            if (l > 0) {
                EXPECT_EQ(n.inputs[0], g.nodes[l - 1].outputs[0]);  // chained
            }
        }
        // Deterministic from the seed; another seed gives other weights.
        const Graph same = zoo::build(std::string(name) + ":hidden=12,input=5,layers=3,seq=7", 4);
        const Graph other = zoo::build(std::string(name) + ":hidden=12,input=5,layers=3,seq=7", 5);
        EXPECT_EQ(same.tensors[1].i8, g.tensors[1].i8);
        EXPECT_NE(other.tensors[1].i8, g.tensors[1].i8);
    }
}

TEST(RnnZoo, SingleLayersCloseToFloat) {
    for (OpType op : {OpType::lstm, OpType::gru}) {
        const Graph g = zoo::build(std::string(to_string(op)) + ":hidden=32,input=16,seq=10", 2);
        const Tensor8 x = random_input(10, 16, 0, 3);
        const Tensor8 y =
            op == OpType::lstm ? ref::lstm(g, g.nodes[0], x) : ref::gru(g, g.nodes[0], x);
        EXPECT_LE(max_lsb_error(y, float_recurrent(g, x), g.output_of(g.nodes[0]).quant), 3.0)
            << to_string(op);
    }
}

TEST(RnnZoo, AttentionCloseToFloat) {
    const Graph g = zoo::build("attention:seq=12,dim=32,heads=4", 6);
    ASSERT_EQ(g.nodes.size(), 1u);
    const Node& n = g.nodes[0];
    EXPECT_EQ(n.attrs.heads, 4);
    const Tensor8 x = random_input(12, 32, 0, 8);
    const Tensor8 y = ref::attention(g, n, x);
    EXPECT_LE(max_lsb_error(y, float_attention(g, x), g.output_of(n).quant), 4.0);
    // The output neither saturates nor collapses: a spread of tens of units.
    const auto mm = std::minmax_element(y.data.begin(), y.data.end());
    EXPECT_GT(*mm.second - *mm.first, 40);
    EXPECT_LT(std::count(y.data.begin(), y.data.end(), 127) +
                  std::count(y.data.begin(), y.data.end(), -128),
              static_cast<std::ptrdiff_t>(y.data.size() / 100) + 1);
    EXPECT_THROW(zoo::build("attention:dim=30,heads=4"), GraphError);
}

}  // namespace
