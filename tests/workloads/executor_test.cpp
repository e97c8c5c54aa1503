// The graph reference executor on a small hand-built graph that uses every
// CNN op: each layer's value against the per-op wl::ref / cpu_ops calls made
// here, a real-valued cross-check of conv and add, the input checks and the
// synthetic inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "npu_abi/arith.h"
#include "npu_abi/cpu_ops.h"
#include "workloads/executor.h"
#include "workloads/graph.h"
#include "workloads/quant_params.h"
#include "workloads/reference.h"
#include "workloads/zoo.h"

namespace {

using namespace wl;

// Builds a graph by hand: synthetic constants from a fixed stream.
struct Hand {
    Graph g;
    zoo::SplitMix64 rng{42};

    int act(const std::string& name, double scale, int32_t zp, Shape s = {}) {
        TensorDef t;
        t.name = name;
        t.shape = s;
        t.quant = Quant{scale, zp, {}};
        return g.add_tensor(t);
    }
    int weights(const std::string& name, Shape s, double scale, std::vector<double> cs = {}) {
        TensorDef t;
        t.name = name;
        t.shape = s;
        t.is_const = true;
        t.quant = Quant{scale, 0, std::move(cs)};
        for (int64_t i = 0; i < s.size(); ++i)
            t.i8.push_back(static_cast<int8_t>(rng.uniform(-127, 127)));
        return g.add_tensor(t);
    }
    int bias(const std::string& name, int64_t n) {
        TensorDef t;
        t.name = name;
        t.shape = Shape{n, 1, 1, 1};
        t.dtype = DType::int32;
        t.is_const = true;
        for (int64_t i = 0; i < n; ++i)
            t.i32.push_back(static_cast<int32_t>(rng.uniform(-900, 900)));
        return g.add_tensor(t);
    }
    int node(const std::string& name, OpType op, std::vector<int> in, double scale, int32_t zp,
             Attrs a = {}) {
        const int y = act(name, scale, zp);
        Node n;
        n.name = name;
        n.op = op;
        n.inputs = std::move(in);
        n.outputs = {y};
        n.attrs = a;
        g.add_node(n);
        return y;
    }
};

struct Net {
    Hand h;
    int x, w1, b1, c1, w2, c2, add, mul, mp, ap, cat, sig, gap, flat, w3, b3, fc, sm, lrn, rs, mm,
        w4, gemm, th;
};

// x [1,2,5,5] -> conv1 (3x3, stride 2, asymmetric pads, per-channel weights, relu)
// -> conv2 (depthwise 1x1, relu6) -> add(conv1, conv2, relu) -> mul(add, conv2)
// -> maxpool; avgpool(conv1) ; concat(conv1, avgpool) -> sigmoid -> gap -> flatten
// -> fc -> softmax; lrn(concat); reshape(concat) -> matmul(r, r); fc in GEMM form
// (concat) -> tanh.
Net build() {
    Net n;
    Hand& h = n.h;
    h.g.name = "hand";
    n.x = h.act("x", 1.0 / 16, 3, Shape{1, 2, 5, 5});
    h.g.inputs = {n.x};
    Attrs a1;
    a1.kernel_h = a1.kernel_w = 3;
    a1.stride_h = a1.stride_w = 2;
    a1.pad_top = 1;
    a1.pad_bottom = 1;
    a1.pad_right = 1;
    a1.act = Act::relu;
    n.w1 = h.weights("w1", {3, 2, 3, 3}, 0.05, {0.02, 0.03, 0.05});
    n.b1 = h.bias("b1", 3);
    n.c1 = h.node("conv1", OpType::conv, {n.x, n.w1, n.b1}, 0.1, -5, a1);
    Attrs a2;
    a2.groups = 3;
    a2.act = Act::relu6;
    n.w2 = h.weights("w2", {3, 1, 1, 1}, 0.01);
    n.c2 = h.node("conv2", OpType::conv, {n.c1, n.w2, -1}, 0.05, 0, a2);
    Attrs relu;
    relu.act = Act::relu;
    n.add = h.node("add", OpType::add, {n.c1, n.c2}, 0.12, 2, relu);
    n.mul = h.node("mul", OpType::mul, {n.add, n.c2}, 0.2, -1);
    Attrs p2;
    p2.kernel_h = p2.kernel_w = 2;
    n.mp = h.node("maxpool", OpType::maxpool, {n.mul}, 0.2, -1, p2);
    Attrs p3;
    p3.kernel_h = p3.kernel_w = 3;
    p3.pad_top = p3.pad_left = p3.pad_bottom = p3.pad_right = 1;
    n.ap = h.node("avgpool", OpType::avgpool, {n.c1}, 0.1, -5, p3);
    n.cat = h.node("concat", OpType::concat, {n.c1, n.ap}, 0.1, -5);
    n.sig = h.node("sigmoid", OpType::sigmoid, {n.cat}, 1.0 / 256, -128);
    n.gap = h.node("gap", OpType::global_avgpool, {n.sig}, 1.0 / 256, -128);
    n.flat = h.node("flatten", OpType::flatten, {n.gap}, 1.0 / 256, -128);
    n.w3 = h.weights("w3", {4, 6, 1, 1}, 0.01);
    n.b3 = h.bias("b3", 4);
    n.fc = h.node("fc", OpType::fc, {n.flat, n.w3, n.b3}, 0.05, 1);
    n.sm = h.node("softmax", OpType::softmax, {n.fc}, 1.0 / 256, -128);
    Attrs al;
    al.lrn_size = 3;
    al.alpha = 0.5;
    al.beta = 0.75;
    al.bias = 1.0;
    n.lrn = h.node("lrn", OpType::lrn, {n.cat}, 0.08, 0, al);
    Attrs ar;
    ar.shape = Shape{1, 1, 6, 6};
    n.rs = h.node("reshape", OpType::reshape, {n.cat}, 0.1, -5, ar);
    n.mm = h.node("matmul", OpType::matmul, {n.rs, n.rs}, 0.3, 4);
    n.w4 = h.weights("w4", {5, 6, 1, 1}, 0.02);
    n.gemm = h.node("gemm", OpType::fc, {n.cat, n.w4, -1}, 0.06, 0);
    n.th = h.node("tanh", OpType::tanh, {n.gemm}, 1.0 / 128, 0);
    h.g.outputs = {n.sm, n.lrn, n.mm, n.th, n.mp};
    h.g.infer_shapes();
    return n;
}

const Node& node_named(const Graph& g, const std::string& name) {
    for (const Node& n : g.nodes)
        if (n.name == name) return n;
    throw GraphError("no node " + name);
}

const Tensor8& val(const Execution& e, int id) {
    return e.values.at(static_cast<size_t>(id));
}

Tensor8 requant_per_channel(const Tensor32& acc, const std::vector<double>& real, int32_t zp) {
    Tensor8 y(acc.shape, zp);
    const int64_t plane = acc.shape.h * acc.shape.w;
    for (size_t i = 0; i < acc.data.size(); ++i) {
        const ref::Requant q =
            ref::requant_from_scale(real[static_cast<size_t>(static_cast<int64_t>(i) / plane)], zp);
        y.data[i] = npu_requantize(acc.data[i], q.mult, q.shift, zp);
    }
    return y;
}

class ExecutorHand : public ::testing::Test {
  protected:
    void SetUp() override {
        net = build();
        inputs = synthetic_inputs(net.h.g, 5);
        ex = execute(net.h.g, inputs);
    }
    const Graph& g() const { return net.h.g; }
    Tensor8 c(int id) const { return const_tensor(g().tensor(id)); }
    const std::vector<int32_t>& b(int id) const { return g().tensor(id).i32; }

    Net net;
    std::vector<Tensor8> inputs;
    Execution ex;
};

TEST_F(ExecutorHand, ShapesAndOutputs) {
    EXPECT_EQ(val(ex, net.c1).shape, (Shape{1, 3, 3, 2}));  // E = (5+2-3)/2+1, F = (5+1-3)/2+1
    EXPECT_EQ(val(ex, net.cat).shape, (Shape{1, 6, 3, 2}));
    EXPECT_EQ(val(ex, net.sm).shape, (Shape{1, 4, 1, 1}));
    EXPECT_EQ(val(ex, net.gemm).shape, (Shape{1, 5, 3, 2}));
    ASSERT_EQ(ex.outputs.size(), 5u);
    EXPECT_EQ(ex.outputs[0].data, val(ex, net.sm).data);
    EXPECT_EQ(ex.outputs[4].data, val(ex, net.mp).data);
    // Every int8 tensor has a value with the graph's zero point.
    for (size_t i = 0; i < g().tensors.size(); ++i) {
        const TensorDef& t = g().tensors[i];
        if (t.dtype != DType::int8) continue;
        EXPECT_EQ(ex.values[i].shape, t.shape) << t.name;
        EXPECT_EQ(ex.values[i].zero_point, t.quant.zero_point) << t.name;
    }
    // Activations are spread, not collapsed (the test would prove little otherwise).
    const std::vector<int8_t>& c1 = val(ex, net.c1).data;
    EXPECT_GT(std::count_if(c1.begin(), c1.end(), [](int8_t v) { return v > -5; }), 3);
}

TEST_F(ExecutorHand, ConvPerChannelReluAndDepthwiseRelu6) {
    ref::ConvParams p;
    p.stride_h = p.stride_w = 2;
    p.pad_top = p.pad_bottom = p.pad_right = 1;
    const Tensor32 acc = ref::conv2d(val(ex, net.x), c(net.w1), b(net.b1), p);
    Tensor8 want = requant_per_channel(
        acc, {1.0 / 16 * 0.02 / 0.1, 1.0 / 16 * 0.03 / 0.1, 1.0 / 16 * 0.05 / 0.1}, -5);
    for (int8_t& v : want.data)
        v = std::max<int8_t>(v, -5);  // relu: max(y, zp)
    EXPECT_EQ(val(ex, net.c1).data, want.data);

    ref::ConvParams dw;
    dw.groups = 3;
    const Tensor32 acc2 = ref::conv2d(val(ex, net.c1), c(net.w2), {}, dw);
    Tensor8 want2 = ref::requantize(acc2, ref::requant_from_scale(0.1 * 0.01 / 0.05, 0));
    for (int8_t& v : want2.data)
        v = std::min<int8_t>(std::max<int8_t>(v, 0), 120);  // 6 / 0.05
    EXPECT_EQ(val(ex, net.c2).data, want2.data);
}

TEST_F(ExecutorHand, ConvMatchesRealArithmetic) {
    // Independent of the integer parameters: the real conv of the dequantized
    // input, relu, quantized, lies within half a step (plus the multiplier's
    // rounding) of the executor's value.
    const Tensor8& x = val(ex, net.x);
    const Tensor8 w = c(net.w1);
    const std::vector<double> sw = {0.02, 0.03, 0.05};
    const Tensor8& y = val(ex, net.c1);
    for (int64_t m = 0; m < 3; ++m)
        for (int64_t e = 0; e < 3; ++e)
            for (int64_t f = 0; f < 2; ++f) {
                double sum =
                    b(net.b1)[static_cast<size_t>(m)] * (1.0 / 16) * sw[static_cast<size_t>(m)];
                for (int64_t ch = 0; ch < 2; ++ch)
                    for (int64_t r = 0; r < 3; ++r)
                        for (int64_t s = 0; s < 3; ++s) {
                            const int64_t hh = e * 2 + r - 1, ww = f * 2 + s;
                            if (hh < 0 || hh >= 5 || ww >= 5) continue;
                            sum += (x.at(ch, hh, ww) - 3) / 16.0 * w.at(m, ch, r, s) *
                                   sw[static_cast<size_t>(m)];
                        }
                const double real = std::max(sum, 0.0);
                const double q = std::min(127.0, real / 0.1 - 5);
                EXPECT_NEAR(y.at(m, e, f), q, 0.5 + 1e-6) << m << "," << e << "," << f;
            }
}

TEST_F(ExecutorHand, EltwiseAndPools) {
    const AddParams ap = add_params(g(), node_named(g(), "add"));
    Tensor8 add =
        ref::eltwise_add(val(ex, net.c1), val(ex, net.c2), ap.mult_a, ap.mult_b, ap.shift, 2);
    for (int8_t& v : add.data)
        v = std::max<int8_t>(v, 2);
    EXPECT_EQ(val(ex, net.add).data, add.data);
    // Real check: 0.1 (a + 5) + 0.05 b, relu, in units of 0.12 around zp 2.
    for (size_t i = 0; i < add.data.size(); ++i) {
        const double real =
            std::max(0.0, 0.1 * (val(ex, net.c1).data[i] + 5) + 0.05 * val(ex, net.c2).data[i]);
        EXPECT_NEAR(val(ex, net.add).data[i], std::min(127.0, real / 0.12 + 2), 0.5 + 1e-6) << i;
    }
    const Tensor8 mul = ref::eltwise_mul(val(ex, net.add), val(ex, net.c2),
                                         ref::requant_from_scale(0.12 * 0.05 / 0.2, -1));
    EXPECT_EQ(val(ex, net.mul).data, mul.data);

    ref::PoolParams p2;
    p2.kernel_h = p2.kernel_w = 2;
    EXPECT_EQ(val(ex, net.mp).data, ref::max_pool(val(ex, net.mul), p2).data);
    ref::PoolParams p3;
    p3.kernel_h = p3.kernel_w = 3;
    p3.pad_top = p3.pad_left = p3.pad_bottom = p3.pad_right = 1;
    EXPECT_EQ(val(ex, net.ap).data, ref::avg_pool(val(ex, net.c1), p3, -5).data);
    EXPECT_EQ(val(ex, net.gap).data, ref::global_avg_pool(val(ex, net.sig), -128).data);
}

TEST_F(ExecutorHand, ConcatActivationsViews) {
    std::vector<int8_t> cat = val(ex, net.c1).data;
    cat.insert(cat.end(), val(ex, net.ap).data.begin(), val(ex, net.ap).data.end());
    EXPECT_EQ(val(ex, net.cat).data, cat);
    EXPECT_EQ(val(ex, net.sig).data,
              ref::apply_lut(val(ex, net.cat), ref::sigmoid_lut({0.1, -5}, {1.0 / 256, -128}), -128)
                  .data);
    EXPECT_EQ(val(ex, net.flat).data, val(ex, net.gap).data);
    EXPECT_EQ(val(ex, net.rs).data, val(ex, net.cat).data);
    EXPECT_EQ(val(ex, net.rs).shape, (Shape{1, 1, 6, 6}));
}

TEST_F(ExecutorHand, FcGemmMatmul) {
    const Tensor32 fc = ref::fc(c(net.w3), val(ex, net.flat), b(net.b3));
    EXPECT_EQ(val(ex, net.fc).data,
              ref::requantize(fc, ref::requant_from_scale(1.0 / 256 * 0.01 / 0.05, 1)).data);
    const Tensor8& r = val(ex, net.rs);
    EXPECT_EQ(val(ex, net.mm).data,
              ref::requantize(ref::gemm(r, r, {}), ref::requant_from_scale(0.01 / 0.3, 4)).data);
    // fc in GEMM form: W [5,6] times the concat as a [6][3*2] matrix.
    const Tensor8 w4 = c(net.w4);
    const Tensor8& cat = val(ex, net.cat);
    const Tensor32 gm =
        ref::gemm(Tensor8({1, 1, 5, 6}, 0, w4.data), Tensor8({1, 1, 6, 6}, -5, cat.data), {});
    EXPECT_EQ(val(ex, net.gemm).data,
              ref::requantize(gm, ref::requant_from_scale(0.1 * 0.02 / 0.06, 0)).data);
    EXPECT_EQ(val(ex, net.th).data,
              ref::apply_lut(val(ex, net.gemm), ref::tanh_lut({0.06, 0}, {1.0 / 128, 0}), 0).data);
}

TEST_F(ExecutorHand, SoftmaxAndLrnAreTheCpuSteps) {
    const SoftmaxParams sp = softmax_params(0.05, 1.0 / 256, -128);
    std::vector<int8_t> sm(4);
    ASSERT_EQ(npu_cpu_softmax(sm.data(), val(ex, net.fc).data.data(), sp.exp_table.data(), 1, 4,
                              sp.mult, sp.shift, sp.zp_y),
              NPU_CPU_OK);
    EXPECT_EQ(val(ex, net.sm).data, sm);
    int sum = 0;
    for (int8_t v : sm)
        sum += v + 128;
    EXPECT_NEAR(sum, 256, 2);  // probabilities add up to one

    const LrnParams lp = lrn_params(g(), node_named(g(), "lrn"));
    std::vector<int8_t> lrn(36);
    ASSERT_EQ(npu_cpu_lrn(lrn.data(), val(ex, net.cat).data.data(), lp.table.data(), 6, 6, 3, -5, 0,
                          lp.sq_shift, static_cast<uint32_t>(lp.table.size()), lp.mult_shift),
              NPU_CPU_OK);
    EXPECT_EQ(val(ex, net.lrn).data, lrn);
    // Real check on one element: x / (1 + 0.5/3 * sum x^2)^0.75 within a step
    // plus the table's bin width.
    const Tensor8& cat = val(ex, net.cat);
    for (int64_t ch = 0; ch < 6; ++ch) {
        double sq = 0;
        for (int64_t k = std::max<int64_t>(0, ch - 1); k <= std::min<int64_t>(5, ch + 1); ++k)
            sq += std::pow(0.1 * (cat.at(k, 1, 1) + 5), 2);
        const double real = 0.1 * (cat.at(ch, 1, 1) + 5) / std::pow(1 + 0.5 / 3 * sq, 0.75);
        EXPECT_NEAR(val(ex, net.lrn).at(ch, 1, 1), std::clamp(real / 0.08, -128.0, 127.0), 1.5)
            << ch;
    }
}

TEST(Executor, InputChecksNameTheInput) {
    Net n = build();
    std::vector<Tensor8> in = synthetic_inputs(n.h.g, 1);
    in[0].shape = Shape{1, 2, 5, 4};
    in[0].data.resize(40);
    try {
        execute(n.h.g, in);
        FAIL() << "no error";
    } catch (const GraphError& e) {
        EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
    }
    EXPECT_THROW(execute(n.h.g, {}), GraphError);
    // The caller's zero point is replaced by the graph's.
    std::vector<Tensor8> z = synthetic_inputs(n.h.g, 1);
    z[0].zero_point = 99;
    EXPECT_EQ(execute(n.h.g, z).outputs[0].data,
              execute(n.h.g, synthetic_inputs(n.h.g, 1)).outputs[0].data);
}

TEST(Executor, NodeErrorsNameTheNode) {
    Net n = build();
    n.h.g.tensor(n.w1).i8.pop_back();  // a weight one value short
    try {
        execute(n.h.g, synthetic_inputs(n.h.g, 1));
        FAIL() << "no error";
    } catch (const GraphError& e) {
        EXPECT_NE(std::string(e.what()).find("node 'conv1'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("w1"), std::string::npos) << e.what();
    }
}

// The zoo's CNNs run end to end; each layer's spread is reported on failure.
TEST(Executor, RunsZooNetworks) {
    for (const char* spec : {"lenet5", "resnet_small", "mlp", "gemm:m=16,k=32,n=8", "mobilenet_v2",
                             "alexnet", "googlenet"}) {
        SCOPED_TRACE(spec);
        const Graph g = zoo::build(spec, 1);
        const Execution ex = execute(g, synthetic_inputs(g, 1));
        ASSERT_EQ(ex.outputs.size(), g.outputs.size());
        for (const Node& n : g.nodes) {
            if (n.op == OpType::softmax) continue;  // 1000 classes: most near zero
            const Tensor8& y = ex.values[static_cast<size_t>(n.outputs[0])];
            double sq = 0;
            for (int8_t v : y.data)
                sq += (v - y.zero_point) * (v - y.zero_point);
            const double rms = std::sqrt(sq / static_cast<double>(y.data.size()));
            // Not collapsed to the zero point (the comparison would prove little).
            EXPECT_GT(rms, 2.0) << n.name;
        }
        if (g.nodes.back().op == OpType::softmax) {
            int sum = 0;
            for (int8_t v : ex.outputs[0].data)
                sum += v - ex.outputs[0].zero_point;
            EXPECT_NEAR(sum, 256, ex.outputs[0].data.size() / 2 + 1);  // one, in 1/256
        }
    }
}

// A run-time sequence shorter than the graph's T: the outputs have the
// input's rows, and (lstm, gru are causal) equal the first rows of a full run.
TEST(Executor, ShorterSequences) {
    for (const char* spec : {"lstm:hidden=16,input=8,seq=6", "gru:hidden=16,input=8,seq=6",
                             "attention:seq=6,dim=16,heads=2"}) {
        SCOPED_TRACE(spec);
        const Graph g = zoo::build(spec, 1);
        ASSERT_EQ(g.inputs.size(), 1u);
        const std::vector<Tensor8> full = synthetic_inputs(g, 3);
        const Execution ex_full = execute(g, full);
        Tensor8 part = full[0];
        part.shape.h = 4;
        part.data.resize(static_cast<size_t>(part.shape.size()));
        const Execution ex_part = execute(g, {part});
        const Tensor8& yf = ex_full.outputs[0];
        const Tensor8& yp = ex_part.outputs[0];
        EXPECT_EQ(yf.shape.h, 6);
        EXPECT_EQ(yp.shape.h, 4);
        EXPECT_EQ(yp.shape.w, yf.shape.w);
        if (g.nodes.front().op != OpType::attention) {
            const std::vector<int8_t> head(yf.data.begin(),
                                           yf.data.begin() + static_cast<long>(yp.data.size()));
            EXPECT_EQ(yp.data, head);
        }
        part.shape.h = 7;  // longer than the graph's T
        part.data.resize(static_cast<size_t>(part.shape.size()));
        EXPECT_THROW(execute(g, {part}), GraphError);
    }
}

TEST(Executor, SyntheticInputsAreDeterministic) {
    Net n = build();
    const std::vector<Tensor8> a = synthetic_inputs(n.h.g, 9), b = synthetic_inputs(n.h.g, 9),
                               c = synthetic_inputs(n.h.g, 10);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].shape, (Shape{1, 2, 5, 5}));
    EXPECT_EQ(a[0].zero_point, 3);
    EXPECT_EQ(a[0].data, b[0].data);
    EXPECT_NE(a[0].data, c[0].data);
    // Full range: both ends of int8 appear over a few thousand values.
    Graph g;
    TensorDef t;
    t.name = "big";
    t.shape = Shape{1, 1, 64, 64};
    g.inputs = {g.add_tensor(t)};
    const std::vector<int8_t> d = synthetic_inputs(g, 1)[0].data;
    EXPECT_EQ(*std::min_element(d.begin(), d.end()), -128);
    EXPECT_EQ(*std::max_element(d.begin(), d.end()), 127);
}

}  // namespace
