// Graph IR: shape inference per op, the consistency checks (each bad graph is
// one GraphError naming the node), and the MAC/weight figures.
#include <gtest/gtest.h>

#include <string>

#include "workloads/graph.h"

namespace {

using wl::Act;
using wl::Attrs;
using wl::DType;
using wl::Graph;
using wl::GraphError;
using wl::Node;
using wl::OpType;
using wl::Quant;
using wl::Shape;
using wl::TensorDef;

// A tiny hand-built graph (no zoo helpers: the graph is tested on its own).
struct G {
    Graph g;
    G() { g.name = "t"; }
    int act(const std::string& name, Shape s = Shape{}, Quant q = Quant{0.5, 0, {}}) {
        TensorDef t;
        t.name = name;
        t.shape = s;
        t.quant = q;
        return g.add_tensor(t);
    }
    int input(const std::string& name, Shape s) {
        const int id = act(name, s);
        g.inputs.push_back(id);
        return id;
    }
    int weight(const std::string& name, Shape s) {
        TensorDef t;
        t.name = name;
        t.shape = s;
        t.is_const = true;
        t.quant = Quant{0.01, 0, {}};
        t.i8.assign(static_cast<std::size_t>(s.size()), 1);
        return g.add_tensor(t);
    }
    int bias(const std::string& name, std::int64_t n) {
        TensorDef t;
        t.name = name;
        t.shape = Shape{1, n, 1, 1};
        t.dtype = DType::int32;
        t.is_const = true;
        t.i32.assign(static_cast<std::size_t>(n), 0);
        return g.add_tensor(t);
    }
    int node(const std::string& name, OpType op, std::vector<int> in, Attrs a = Attrs{},
             Quant q = Quant{0.5, 0, {}}) {
        const int y = act(name + "_out", Shape{}, q);
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

Attrs conv_attrs(std::int64_t k, std::int64_t stride = 1, std::int64_t pad = 0,
                 std::int64_t groups = 1) {
    Attrs a;
    a.kernel_h = a.kernel_w = k;
    a.stride_h = a.stride_w = stride;
    a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
    a.groups = groups;
    return a;
}

// Runs infer_shapes expecting a GraphError whose message contains every part.
void expect_error(Graph& g, std::vector<std::string> parts) {
    try {
        g.infer_shapes();
        FAIL() << "no error; expected: " << parts.front();
    } catch (const GraphError& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
        for (const std::string& p : parts)
            EXPECT_NE(msg.find(p), std::string::npos) << msg;
    }
}

TEST(Graph, OpNames) {
    EXPECT_STREQ(wl::to_string(OpType::conv), "conv");
    EXPECT_STREQ(wl::to_string(OpType::global_avgpool), "global_avgpool");
    EXPECT_STREQ(wl::to_string(OpType::attention), "attention");
    for (int i = 0; i <= static_cast<int>(OpType::attention); ++i)
        EXPECT_STRNE(wl::to_string(static_cast<OpType>(i)), "?") << i;
}

TEST(Graph, TensorTable) {
    G t;
    const int a = t.act("a");
    EXPECT_EQ(t.g.find_tensor("a"), a);
    EXPECT_EQ(t.g.find_tensor("b"), -1);
    EXPECT_THROW(t.act("a"), GraphError);
    EXPECT_THROW(t.g.tensor(7), GraphError);
}

TEST(Graph, ConvPoolFcChain) {
    G t;
    const int x = t.input("x", Shape{1, 3, 227, 227});
    const int c1 =
        t.node("conv1", OpType::conv, {x, t.weight("w1", Shape{96, 3, 11, 11}), t.bias("b1", 96)},
               conv_attrs(11, 4));
    Attrs pool = conv_attrs(3, 2);
    const int p1 = t.node("pool1", OpType::maxpool, {c1}, pool);
    const int c2 = t.node("conv2", OpType::conv, {p1, t.weight("w2", Shape{256, 48, 5, 5})},
                          conv_attrs(5, 1, 2, 2));
    const int f = t.node("fc", OpType::fc, {c2, t.weight("wf", Shape{10, 256 * 27 * 27, 1, 1})});
    const int s = t.node("prob", OpType::softmax, {f}, Attrs{}, Quant{1.0 / 256, -128, {}});
    t.g.outputs = {s};
    t.g.infer_shapes();
    EXPECT_EQ(t.g.tensor(c1).shape, (Shape{1, 96, 55, 55}));
    EXPECT_EQ(t.g.tensor(p1).shape, (Shape{1, 96, 27, 27}));
    EXPECT_EQ(t.g.tensor(c2).shape, (Shape{1, 256, 27, 27}));
    EXPECT_EQ(t.g.tensor(f).shape, (Shape{1, 10, 1, 1}));
    EXPECT_EQ(t.g.tensor(s).shape, (Shape{1, 10, 1, 1}));

    const auto figs = wl::layer_figures(t.g);
    ASSERT_EQ(figs.size(), 3u);  // conv1, conv2, fc: the layers with MACs
    EXPECT_EQ(figs[0].name, "conv1");
    EXPECT_EQ(figs[0].macs, 96LL * 3 * 11 * 11 * 55 * 55);
    EXPECT_EQ(figs[0].weights, 96LL * 3 * 11 * 11);
    EXPECT_EQ(figs[1].macs, 256LL * 48 * 5 * 5 * 27 * 27);
    EXPECT_EQ(figs[2].macs, 10LL * 256 * 27 * 27);
    const wl::Totals tot = wl::totals(t.g);
    EXPECT_EQ(tot.conv_macs, figs[0].macs + figs[1].macs);
    EXPECT_EQ(tot.conv_weights, 96LL * 3 * 11 * 11 + 256 * 48 * 5 * 5);
    EXPECT_EQ(tot.fc_macs, figs[2].macs);
    EXPECT_EQ(tot.fc_weights, figs[2].weights);
    EXPECT_EQ(tot.macs(), figs[0].macs + figs[1].macs + figs[2].macs);
}

TEST(Graph, AsymmetricPaddingAndStride) {
    G t;
    const int x = t.input("x", Shape{1, 4, 7, 10});
    Attrs a = conv_attrs(3, 2);
    a.pad_top = 0;
    a.pad_bottom = 1;
    a.pad_left = 2;
    a.pad_right = 0;
    const int y = t.node("c", OpType::conv, {x, t.weight("w", Shape{8, 1, 3, 3})}, [&] {
        Attrs b = a;
        b.groups = 4;
        return b;
    }());
    t.g.infer_shapes();
    // E = (7 + 0 + 1 - 3) / 2 + 1 = 3, F = (10 + 2 + 0 - 3) / 2 + 1 = 5
    EXPECT_EQ(t.g.tensor(y).shape, (Shape{1, 8, 3, 5}));
    EXPECT_EQ(wl::layer_figures(t.g)[0].macs, 8LL * 1 * 9 * 3 * 5);
}

TEST(Graph, GemmFormAndMatmul) {
    G t;
    const int x = t.input("x", Shape{1, 64, 1, 32});  // K = 64 rows, N = 32 columns
    const int y = t.node("gemm", OpType::fc, {x, t.weight("w", Shape{16, 64, 1, 1})});
    const int a = t.input("a", Shape{1, 1, 5, 7});
    const int b = t.input("b", Shape{1, 1, 7, 3});
    const int m = t.node("mm", OpType::matmul, {a, b});
    t.g.infer_shapes();
    EXPECT_EQ(t.g.tensor(y).shape, (Shape{1, 16, 1, 32}));
    EXPECT_EQ(t.g.tensor(m).shape, (Shape{1, 1, 5, 3}));
    const auto f = wl::layer_figures(t.g);
    EXPECT_EQ(f[0].macs, 16LL * 64 * 32);
    EXPECT_EQ(f[0].weights, 16LL * 64);
    EXPECT_EQ(f[1].macs, 5LL * 7 * 3);
    EXPECT_EQ(f[1].weights, 0);
    EXPECT_EQ(wl::totals(t.g).other_macs, 105);
}

TEST(Graph, ConcatPoolsViews) {
    G t;
    const int x = t.input("x", Shape{1, 8, 6, 6});
    const int a = t.node("a", OpType::relu, {x});
    const int b = t.node("b", OpType::avgpool, {x}, conv_attrs(3, 1, 1));
    const int c = t.node("cat", OpType::concat, {a, b, x});
    const int gp = t.node("gap", OpType::global_avgpool, {c});
    const int fl = t.node("flat", OpType::flatten, {c});
    Attrs r;
    r.shape = Shape{1, 1, 72, 12};
    const int rs = t.node("rs", OpType::reshape, {c}, r);
    const int lr = t.node("lrn", OpType::lrn, {c});
    t.g.infer_shapes();
    EXPECT_EQ(t.g.tensor(c).shape, (Shape{1, 24, 6, 6}));
    EXPECT_EQ(t.g.tensor(gp).shape, (Shape{1, 24, 1, 1}));
    EXPECT_EQ(t.g.tensor(fl).shape, (Shape{1, 864, 1, 1}));
    EXPECT_EQ(t.g.tensor(rs).shape, (Shape{1, 1, 72, 12}));
    EXPECT_EQ(t.g.tensor(lr).shape, (Shape{1, 24, 6, 6}));
    EXPECT_TRUE(wl::layer_figures(t.g).empty());
}

TEST(Graph, RecurrentAndAttention) {
    G t;
    const std::int64_t T = 5, I = 6, H = 4, D = 8;
    const int x = t.input("x", Shape{1, 1, T, I});
    const int l = t.node("lstm", OpType::lstm,
                         {x, t.weight("W", Shape{1, 1, 4 * H, I}),
                          t.weight("R", Shape{1, 1, 4 * H, H}), t.bias("B", 4 * H)},
                         [] {
                             Attrs a;
                             a.hidden = 4;
                             return a;
                         }());
    const int gr = t.node("gru", OpType::gru,
                          {l, t.weight("Wg", Shape{1, 1, 3 * H, H}),
                           t.weight("Rg", Shape{1, 1, 3 * H, H}), t.bias("Bg", 6 * H)},
                          [] {
                              Attrs a;
                              a.hidden = 4;
                              return a;
                          }());
    const int xa = t.input("xa", Shape{1, 1, T, D});
    Attrs at;
    at.heads = 2;
    const int att =
        t.node("att", OpType::attention,
               {xa, t.weight("Wq", Shape{1, 1, D, D}), t.weight("Wk", Shape{1, 1, D, D}),
                t.weight("Wv", Shape{1, 1, D, D}), t.weight("Wo", Shape{1, 1, D, D})},
               at);
    t.g.infer_shapes();
    EXPECT_EQ(t.g.tensor(l).shape, (Shape{1, 1, T, H}));
    EXPECT_EQ(t.g.tensor(gr).shape, (Shape{1, 1, T, H}));
    EXPECT_EQ(t.g.tensor(att).shape, (Shape{1, 1, T, D}));
    const auto f = wl::layer_figures(t.g);
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[0].weights, 4 * H * (I + H));
    EXPECT_EQ(f[0].macs, T * 4 * H * (I + H));
    EXPECT_EQ(f[1].weights, 3 * H * (H + H));
    EXPECT_EQ(f[1].macs, T * 3 * H * (H + H));
    EXPECT_EQ(f[2].weights, 4 * D * D);
    EXPECT_EQ(f[2].macs, 4 * T * D * D + 2 * T * T * D);
}

// ------------------------------------------------------------ bad graphs

TEST(GraphErrors, ConvChannels) {
    G t;
    const int x = t.input("x", Shape{1, 64, 8, 8});
    t.node("conv2", OpType::conv, {x, t.weight("w", Shape{16, 3, 3, 3})}, conv_attrs(3));
    expect_error(t.g, {"node 'conv2'", "3 input channels", "x has 64"});
}

TEST(GraphErrors, ConvGroups) {
    G t;
    const int x = t.input("x", Shape{1, 6, 8, 8});
    t.node("gconv", OpType::conv, {x, t.weight("w", Shape{8, 2, 3, 3})}, conv_attrs(3, 1, 0, 3));
    expect_error(t.g, {"node 'gconv'", "groups 3", "M 8"});
}

TEST(GraphErrors, ConvKernelAttr) {
    G t;
    const int x = t.input("x", Shape{1, 3, 8, 8});
    t.node("ck", OpType::conv, {x, t.weight("w", Shape{4, 3, 3, 3})}, conv_attrs(5));
    expect_error(t.g, {"node 'ck'", "3x3", "5x5"});
}

TEST(GraphErrors, ConvWindowDoesNotFit) {
    G t;
    const int x = t.input("x", Shape{1, 3, 4, 4});
    t.node("big", OpType::conv, {x, t.weight("w", Shape{4, 3, 7, 7})}, conv_attrs(7, 1, 1));
    expect_error(t.g, {"node 'big'", "window does not fit"});
}

TEST(GraphErrors, ConvBiasSize) {
    G t;
    const int x = t.input("x", Shape{1, 3, 4, 4});
    t.node("cb", OpType::conv, {x, t.weight("w", Shape{4, 3, 1, 1}), t.bias("b", 5)},
           conv_attrs(1));
    expect_error(t.g, {"node 'cb'", "bias 'b' has 5 values, expects 4"});
}

TEST(GraphErrors, ConvArity) {
    G t;
    const int x = t.input("x", Shape{1, 3, 4, 4});
    t.node("c1", OpType::conv, {x}, conv_attrs(1));
    expect_error(t.g, {"node 'c1'", "1 inputs, expects 2..3"});
}

TEST(GraphErrors, WeightNotConstant) {
    G t;
    const int x = t.input("x", Shape{1, 3, 4, 4});
    const int w = t.input("w", Shape{4, 3, 1, 1});
    t.node("cw", OpType::conv, {x, w}, conv_attrs(1));
    expect_error(t.g, {"node 'cw'", "constant int8"});
}

TEST(GraphErrors, FcK) {
    G t;
    const int x = t.input("x", Shape{1, 10, 2, 2});
    t.node("fc7", OpType::fc, {x, t.weight("w", Shape{5, 30, 1, 1})});
    expect_error(t.g, {"node 'fc7'", "K = 30"});
}

TEST(GraphErrors, MatmulInner) {
    G t;
    t.node("mm", OpType::matmul,
           {t.input("a", Shape{1, 1, 2, 3}), t.input("b", Shape{1, 1, 4, 2})});
    expect_error(t.g, {"node 'mm'", "inner dimensions"});
}

TEST(GraphErrors, PoolChangesQuant) {
    G t;
    const int x = t.input("x", Shape{1, 3, 4, 4});
    t.node("pool", OpType::maxpool, {x}, conv_attrs(2, 2), Quant{0.25, 0, {}});
    expect_error(t.g, {"node 'pool'", "keep the input's quantization"});
}

TEST(GraphErrors, PoolPadding) {
    G t;
    const int x = t.input("x", Shape{1, 3, 4, 4});
    t.node("pp", OpType::avgpool, {x}, conv_attrs(2, 2, 2));
    expect_error(t.g, {"node 'pp'", "padding must be smaller"});
}

TEST(GraphErrors, ConcatShape) {
    G t;
    const int a = t.input("a", Shape{1, 3, 4, 4});
    const int b = t.input("b", Shape{1, 3, 4, 5});
    t.node("cat", OpType::concat, {a, b});
    expect_error(t.g, {"node 'cat'", "outside the channel axis"});
}

TEST(GraphErrors, ConcatQuant) {
    G t;
    const int a = t.input("a", Shape{1, 3, 4, 4});
    const int b = t.act("b", Shape{1, 3, 4, 4}, Quant{0.3, 0, {}});
    t.g.inputs.push_back(b);
    t.node("cat3", OpType::concat, {a, b});
    expect_error(t.g, {"node 'cat3'", "'b' is quantized differently"});
}

TEST(GraphErrors, AddShapes) {
    G t;
    t.node("res", OpType::add, {t.input("a", Shape{1, 3, 4, 4}), t.input("b", Shape{1, 4, 4, 4})});
    expect_error(t.g, {"node 'res'", "differ in shape"});
}

TEST(GraphErrors, ReshapeCount) {
    G t;
    Attrs a;
    a.shape = Shape{1, 1, 5, 5};
    t.node("rs", OpType::reshape, {t.input("x", Shape{1, 3, 4, 2})}, a);
    expect_error(t.g, {"node 'rs'", "24 elements"});
}

TEST(GraphErrors, LstmWeightShape) {
    G t;
    Attrs a;
    a.hidden = 4;
    t.node("lstm1", OpType::lstm,
           {t.input("x", Shape{1, 1, 3, 6}), t.weight("W", Shape{1, 1, 16, 5}),
            t.weight("R", Shape{1, 1, 16, 4})},
           a);
    expect_error(t.g, {"node 'lstm1'", "W 'W' has shape [1,1,16,5], expects [1,1,16,6]"});
}

TEST(GraphErrors, GruBias) {
    G t;
    Attrs a;
    a.hidden = 4;
    t.node("gru1", OpType::gru,
           {t.input("x", Shape{1, 1, 3, 6}), t.weight("W", Shape{1, 1, 12, 6}),
            t.weight("R", Shape{1, 1, 12, 4}), t.bias("B", 12)},
           a);
    expect_error(t.g, {"node 'gru1'", "expects 24"});
}

TEST(GraphErrors, AttentionHeads) {
    G t;
    Attrs a;
    a.heads = 3;
    const Shape ws{1, 1, 8, 8};
    t.node("mha", OpType::attention,
           {t.input("x", Shape{1, 1, 4, 8}), t.weight("q", ws), t.weight("k", ws),
            t.weight("v", ws), t.weight("o", ws)},
           a);
    expect_error(t.g, {"node 'mha'", "heads 3 must divide the width 8"});
}

TEST(GraphErrors, TopologicalOrder) {
    G t;
    const int x = t.input("x", Shape{1, 3, 4, 4});
    const int later = t.act("later");
    Node n;
    n.name = "early";
    n.op = OpType::relu;
    n.inputs = {later};
    n.outputs = {t.act("e_out")};
    t.g.add_node(n);
    Node m;
    m.name = "producer";
    m.op = OpType::relu;
    m.inputs = {x};
    m.outputs = {later};
    t.g.add_node(m);
    expect_error(t.g, {"node 'early'", "before any node produces it"});
}

TEST(GraphErrors, ProducedTwice) {
    G t;
    const int x = t.input("x", Shape{1, 3, 4, 4});
    Node n;
    n.name = "r2";
    n.op = OpType::relu;
    n.inputs = {x};
    n.outputs = {x};
    t.g.add_node(n);
    expect_error(t.g, {"node 'r2'", "produced twice"});
}

TEST(GraphErrors, ConstantDataSize) {
    G t;
    const int x = t.input("x", Shape{1, 3, 4, 4});
    const int w = t.weight("w", Shape{4, 3, 1, 1});
    t.g.tensor(w).i8.resize(5);
    t.node("c", OpType::conv, {x, w}, conv_attrs(1));
    expect_error(t.g, {"constant 'w' has 5 values"});
}

TEST(GraphErrors, HugeShape) {
    G t;
    t.input("x", Shape{1, 1 << 20, 1 << 20, 1 << 20});
    expect_error(t.g, {"tensor 'x'", "too large"});
}

}  // namespace
