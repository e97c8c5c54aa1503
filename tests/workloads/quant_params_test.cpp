// quant_params: the integer parameters of a node's quantization, on values
// worked out by hand (requantization ties and saturation, eltwise add shift
// and wrap, activation tables, softmax and LRN tables).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "npu_abi/arith.h"
#include "workloads/graph.h"
#include "workloads/quant_params.h"
#include "workloads/reference.h"

namespace {

using namespace wl;

int act_tensor(Graph& g, const std::string& name, Shape s, double scale, int32_t zp) {
    TensorDef t;
    t.name = name;
    t.shape = s;
    t.quant.scale = scale;
    t.quant.zero_point = zp;
    return g.add_tensor(t);
}

int weight_tensor(Graph& g, const std::string& name, Shape s, double scale,
                  std::vector<double> channel_scales = {}) {
    TensorDef t;
    t.name = name;
    t.shape = s;
    t.is_const = true;
    t.quant.scale = scale;
    t.quant.channel_scales = std::move(channel_scales);
    t.i8.assign(static_cast<size_t>(s.size()), 1);
    return g.add_tensor(t);
}

const Node& add_node(Graph& g, const std::string& name, OpType op, std::vector<int> in, int out,
                     Attrs a = {}) {
    Node n;
    n.name = name;
    n.op = op;
    n.inputs = std::move(in);
    n.outputs = {out};
    n.attrs = a;
    return g.nodes[static_cast<size_t>(g.add_node(n))];
}

TEST(AccumRequant, PerTensorAndPerChannelHand) {
    Graph g;
    const int x = act_tensor(g, "x", {1, 2, 1, 1}, 0.5, 0);
    // s_x * s_w / s_y = 0.5 * 0.25 / 1 = 0.125 = 0.5 * 2^-2: mult 2^30, shift 33.
    const int w = weight_tensor(g, "w", {3, 2, 1, 1}, 0.25);
    const int y = act_tensor(g, "y", {1, 3, 1, 1}, 1.0, 4);
    const Node& n = add_node(g, "conv", OpType::conv, {x, w}, y);
    const ChannelRequant q = accum_requant(g, n);
    ASSERT_EQ(q.channels.size(), 3u);
    EXPECT_TRUE(q.uniform());
    EXPECT_EQ(q.at(2).mult, 1 << 30);
    EXPECT_EQ(q.at(2).shift, 33u);
    EXPECT_EQ(q.at(2).zp, 4);

    // Per channel: 0.5 * {0.25, 0.75, 3} = {0.125, 0.375, 1.5}:
    //   0.125 = 0.5 * 2^-2 -> (2^30, 33); 0.375 = 0.75 * 2^-1 -> (3 * 2^29, 32);
    //   1.5 = 0.75 * 2^1 -> (3 * 2^29, 30).
    g.tensor(w).quant.channel_scales = {0.25, 0.75, 3.0};
    const ChannelRequant pc = accum_requant(g, n);
    EXPECT_FALSE(pc.uniform());
    EXPECT_EQ(pc.at(0).mult, 1 << 30);
    EXPECT_EQ(pc.at(0).shift, 33u);
    EXPECT_EQ(pc.at(1).mult, 3 << 29);
    EXPECT_EQ(pc.at(1).shift, 32u);
    EXPECT_EQ(pc.at(2).mult, 3 << 29);
    EXPECT_EQ(pc.at(2).shift, 30u);

    g.tensor(w).quant.channel_scales = {0.25, 0.75};  // not one per output channel
    EXPECT_THROW(accum_requant(g, n), GraphError);
}

TEST(AccumRequant, TiesRoundAwayFromZeroAndSaturate) {
    // real scale 0.5 (mult 2^30, shift 31), zp 0: acc * 0.5 with halves away from zero.
    const ref::Requant q = ref::requant_from_scale(0.5, 0);
    ASSERT_EQ(q.mult, 1 << 30);
    ASSERT_EQ(q.shift, 31u);
    ref::Requant z = q;
    z.zp = 10;
    const Tensor32 acc(Shape{1, 1, 1, 8}, 0, std::vector<int32_t>{3, -3, 5, -5, 1, -1, 300, -300});
    EXPECT_EQ(ref::requantize(acc, q).data, (std::vector<int8_t>{2, -2, 3, -3, 1, -1, 127, -128}));
    // zp 10: 150 + 10 saturates to 127; -150 + 10 = -140 saturates to -128.
    EXPECT_EQ(ref::requantize(acc, z).data, (std::vector<int8_t>{12, 8, 13, 7, 11, 9, 127, -128}));
}

TEST(AccumRequant, MatmulOneEntryAndErrorsNameTheNode) {
    Graph g;
    const int a = act_tensor(g, "a", {1, 1, 2, 3}, 0.5, 0);
    const int b = act_tensor(g, "b", {1, 1, 3, 2}, 0.5, 0);
    const int y = act_tensor(g, "y", {1, 1, 2, 2}, 2.0, 0);
    const Node& n = add_node(g, "mm", OpType::matmul, {a, b}, y);
    const ChannelRequant q = accum_requant(g, n);  // 0.125
    ASSERT_EQ(q.channels.size(), 1u);
    EXPECT_EQ(q.at(5).mult, 1 << 30);  // one entry serves every row
    EXPECT_EQ(q.at(5).shift, 33u);
    g.tensor(y).quant.scale = 0.0;
    try {
        accum_requant(g, n);
        FAIL() << "no error";
    } catch (const GraphError& e) {
        EXPECT_NE(std::string(e.what()).find("node 'mm'"), std::string::npos) << e.what();
    }
}

TEST(AddParams, SharedShiftHand) {
    Graph g;
    const int a = act_tensor(g, "a", {1, 1, 1, 4}, 0.5, 1);
    const int b = act_tensor(g, "b", {1, 1, 1, 4}, 0.25, -1);
    const int y = act_tensor(g, "y", {1, 1, 1, 4}, 1.0, 3);
    const Node& n = add_node(g, "add", OpType::add, {a, b}, y);
    // ratios 0.5 and 0.25; the largest shift with 0.5 * 2^shift < 2^22 is 22.
    const AddParams p = add_params(g, n);
    EXPECT_EQ(p.shift, 22u);
    EXPECT_EQ(p.mult_a, 1 << 21);
    EXPECT_EQ(p.mult_b, 1 << 20);
    EXPECT_EQ(p.zp_a, 1);
    EXPECT_EQ(p.zp_b, -1);
    EXPECT_EQ(p.zp_y, 3);
    // a - 1 = {2, 3, 1, -1}, b + 1 = {-4, 2, 0, 0}: 0.5a + 0.25b = {0, 2, 0.5, -0.5}
    // -> {0, 2, 1, -1} (halves away from zero) + zp 3.
    const Tensor8 ta(Shape{1, 1, 1, 4}, 1, std::vector<int8_t>{3, 4, 2, 0});
    const Tensor8 tb(Shape{1, 1, 1, 4}, -1, std::vector<int8_t>{-5, 1, -1, -1});
    EXPECT_EQ(ref::eltwise_add(ta, tb, p.mult_a, p.mult_b, p.shift, p.zp_y).data,
              (std::vector<int8_t>{3, 5, 4, 2}));
    // Multipliers stay below 2^22 whatever the ratio, so the widest operands
    // (255 - 0 each) cannot wrap the adder: 2 * 255 * 2^22 < 2^31.
    g.tensor(a).quant.scale = 1000.0;
    const AddParams big = add_params(g, n);
    EXPECT_LT(big.mult_a, 1 << 22);
    EXPECT_GE(big.mult_a, 1 << 21);
    EXPECT_NEAR(std::ldexp(static_cast<double>(big.mult_a), -static_cast<int>(big.shift)), 1000.0,
                1.0);
}

TEST(AddParams, AdderWrapsModulo2To32) {
    // Hand multipliers beyond the safe range: (127 - (-128)) * 2^23 * 2 =
    // 255 * 2^24 = 2^32 - 2^24 wraps to -2^24; >> 23 gives -2, + zp 0.
    const Tensor8 a(Shape{1, 1, 1, 1}, -128, std::vector<int8_t>{127});
    EXPECT_EQ(ref::eltwise_add(a, a, 1 << 23, 1 << 23, 23, 0).data, (std::vector<int8_t>{-2}));
    EXPECT_EQ(npu_eltwise_add_acc(127, -128, 1 << 23, 127, -128, 1 << 23), -(1 << 24));
}

TEST(MulParams, Hand) {
    Graph g;
    const int a = act_tensor(g, "a", {1, 1, 1, 2}, 0.5, 0);
    const int b = act_tensor(g, "b", {1, 1, 1, 2}, 0.5, 0);
    const int y = act_tensor(g, "y", {1, 1, 1, 2}, 0.125, -2);
    const Node& n = add_node(g, "mul", OpType::mul, {a, b}, y);
    const ref::Requant q = mul_params(g, n);  // 0.25 / 0.125 = 2 = 0.5 * 2^2: (2^30, 29)
    EXPECT_EQ(q.mult, 1 << 30);
    EXPECT_EQ(q.shift, 29u);
    EXPECT_EQ(q.zp, -2);
}

TEST(Activations, FusedReluRelu6AndUnary) {
    Graph g;
    const int x = act_tensor(g, "x", {1, 1, 1, 1}, 0.1, -10);
    const int w = weight_tensor(g, "w", {1, 1, 1, 1}, 1.0);
    const int y = act_tensor(g, "y", {1, 1, 1, 1}, 0.1, -10);
    Attrs a;
    a.act = Act::relu;
    const ActParams relu = fused_act(g, add_node(g, "c1", OpType::conv, {x, w}, y, a));
    EXPECT_EQ(relu.kind, ActKind::relu);
    EXPECT_EQ(relu.zp, -10);
    EXPECT_EQ(apply_act(relu, -50), -10);
    EXPECT_EQ(apply_act(relu, 7), 7);

    // relu6 on (0.1, -10): real = 0.1 (q + 10) in [0, 6] <=> q in [-10, 50].
    a.act = Act::relu6;
    const ActParams r6 = fused_act(g, add_node(g, "c2", OpType::conv, {x, w}, y, a));
    EXPECT_EQ(r6.kind, ActKind::lut);
    EXPECT_EQ(apply_act(r6, -128), -10);
    EXPECT_EQ(apply_act(r6, -10), -10);
    EXPECT_EQ(apply_act(r6, 20), 20);
    EXPECT_EQ(apply_act(r6, 50), 50);
    EXPECT_EQ(apply_act(r6, 51), 50);
    EXPECT_EQ(apply_act(r6, 127), 50);

    a.act = Act::none;
    EXPECT_EQ(fused_act(g, add_node(g, "c3", OpType::conv, {x, w}, y, a)).kind, ActKind::none);

    // Standalone relu keeping the quantization: max(x, zp), no table.
    EXPECT_EQ(unary_act(g, add_node(g, "r", OpType::relu, {x}, y)).kind, ActKind::relu);
    // Sigmoid: the reference table from the input to the output quantization.
    const int ys = act_tensor(g, "ys", {1, 1, 1, 1}, 1.0 / 256, -128);
    const ActParams sg = unary_act(g, add_node(g, "s", OpType::sigmoid, {x}, ys));
    EXPECT_EQ(sg.kind, ActKind::lut);
    EXPECT_EQ(sg.lut, ref::sigmoid_lut({0.1, -10}, {1.0 / 256, -128}));
    EXPECT_EQ(apply_act(sg, -10), 0);  // sigmoid(0) = 0.5 -> 128 - 128
    // Clip [-1, 2] on (0.1, -10): q in [-20, 10].
    Attrs c;
    c.clip_min = -1.0;
    c.clip_max = 2.0;
    const ActParams cl = unary_act(g, add_node(g, "clip", OpType::clip, {x}, y, c));
    EXPECT_EQ(apply_act(cl, -128), -20);
    EXPECT_EQ(apply_act(cl, 0), 0);
    EXPECT_EQ(apply_act(cl, 127), 10);
    EXPECT_THROW(unary_act(g, add_node(g, "bad", OpType::softmax, {x}, y)), GraphError);
}

TEST(SoftmaxParamsTest, ExtentAndTableFromTheGraph) {
    Graph g;
    const int x = act_tensor(g, "x", {1, 10, 1, 1}, std::log(2.0), 0);
    const int y = act_tensor(g, "y", {1, 10, 1, 1}, 1.0 / 256, -128);
    const SoftmaxParams p = softmax_params(g, add_node(g, "sm", OpType::softmax, {x}, y));
    EXPECT_EQ(p.rows, 1);
    EXPECT_EQ(p.cols, 10);
    EXPECT_EQ(p.exp_table[0], 65536u);
    EXPECT_EQ(p.exp_table[3], 8192u);
    int64_t rows = 0, cols = 0;
    softmax_extent(Shape{1, 1, 7, 5}, rows, cols);
    EXPECT_EQ(rows, 7);
    EXPECT_EQ(cols, 5);
    softmax_extent(Shape{1, 3, 2, 4}, rows, cols);
    EXPECT_EQ(rows, 6);
    EXPECT_EQ(cols, 4);
}

TEST(LrnParamsTest, TableFollowsTheFormula) {
    Graph g;
    const int x = act_tensor(g, "x", {1, 8, 2, 2}, 0.05, 0);
    const int y = act_tensor(g, "y", {1, 8, 2, 2}, 0.05, 0);
    Attrs a;
    a.lrn_size = 5;
    a.alpha = 1e-1;
    a.beta = 0.75;
    a.bias = 2.0;
    const LrnParams p = lrn_params(g, add_node(g, "lrn", OpType::lrn, {x}, y, a));
    // Largest sum: 5 * 128^2 = 81920; 81920 >> 7 = 640 < 1024 but >> 6 = 1280.
    EXPECT_EQ(p.sq_shift, 7u);
    ASSERT_EQ(p.table.size(), 1024u);
    EXPECT_EQ(p.size, 5);
    EXPECT_EQ(p.channels, 8);
    EXPECT_EQ(p.pixels, 4);
    // Entry 0 is taken at the middle of bin 0 (sq = 63.5) and is the largest.
    const double m0 = std::ldexp(static_cast<double>(p.table[0]), -static_cast<int>(p.mult_shift));
    EXPECT_NEAR(m0, std::pow(2.0 + 0.1 / 5 * 0.0025 * 63.5, -0.75), 1e-6);
    EXPECT_LT(p.table[0], int64_t{1} << 31);
    EXPECT_GE(p.table[0], int64_t{1} << 30);  // the shift uses the full range
    // Entry 100: sq = 100 * 128 + 63.5.
    const double m100 =
        std::ldexp(static_cast<double>(p.table[100]), -static_cast<int>(p.mult_shift));
    EXPECT_NEAR(m100, std::pow(2.0 + 0.1 / 5 * 0.0025 * (12800 + 63.5), -0.75), 1e-6);
    for (size_t i = 1; i < p.table.size(); ++i)
        EXPECT_LE(p.table[i], p.table[i - 1]);
}

}  // namespace
