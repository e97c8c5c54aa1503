// ONNX import: models built here with the onnx protobuf classes, written to
// per-test files and imported. Checks the op mapping, exact shapes, BN
// folding and weight quantization against hand-computed values, models
// quantized by their own scales (QDQ, QLinear*, *Integer) integer by integer,
// LSTM / GRU, bad files, and the int8 execution of an imported float network
// against the float reference.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"
#include "onnx_model_builder.h"
#include "workloads/executor.h"
#include "workloads/onnx_import.h"

namespace {

using namespace wl;
using namespace onnx_test;

std::vector<OpType> ops(const Graph& g) {
    std::vector<OpType> v;
    for (const Node& n : g.nodes)
        v.push_back(n.op);
    return v;
}

const TensorDef& out_tensor(const Graph& g, size_t i = 0) {
    return g.tensor(g.outputs.at(i));
}
const Node& only(const Graph& g, OpType op) {
    for (const Node& n : g.nodes)
        if (n.op == op) return n;
    throw std::runtime_error(std::string("no node of op ") + to_string(op));
}

// The error message of import_onnx, or "" when it succeeds.
std::string import_error(const std::string& path, const OnnxImportOptions& opt = {}) {
    try {
        import_onnx(path, opt);
    } catch (const OnnxImportError& e) {
        return e.what();
    }
    return "";
}

// ---------------------------------------------------------------- float nets

TEST(OnnxImport, ConvBatchNormReluFoldsExactly) {
    // conv 1x1 (w {2, -1}, b {0.5, 2}), BN with epsilon 0: g = scale / sqrt(var)
    // = {1 / 2, 2 / 0.5} = {0.5, 4}; w' = {1, -4}; b' = (b - mean) * g + beta
    // = {(0.5 - 0.5) * 0.5 + 0.1, (2 - 1) * 4 + 0} = {0.1, 4}.
    Model md;
    md.input("x", {1, 1, 3, 3});
    md.init("w", {2, 1, 1, 1}, {2.0f, -1.0f});
    md.init("b", {2}, {0.5f, 2.0f});
    md.init("scale", {2}, {1.0f, 2.0f});
    md.init("beta", {2}, {0.1f, 0.0f});
    md.init("mean", {2}, {0.5f, 1.0f});
    md.init("var", {2}, {4.0f, 0.25f});
    md.node("Conv", {"x", "w", "b"}, {"c"});
    af(md.node("BatchNormalization", {"c", "scale", "beta", "mean", "var"}, {"bn"}), "epsilon",
       0.0f);
    md.node("Relu", {"bn"}, {"y"});
    md.output("y");
    const std::string path = md.save();

    const FloatGraph fg = import_onnx_float(path);
    ASSERT_EQ(ops(fg.graph), std::vector<OpType>{OpType::conv});
    const Node& c = fg.graph.nodes[0];
    EXPECT_EQ(c.attrs.act, Act::relu);
    EXPECT_EQ(fg.consts[static_cast<size_t>(c.inputs[1])], (std::vector<float>{1.0f, -4.0f}));
    EXPECT_EQ(fg.consts[static_cast<size_t>(c.inputs[2])], (std::vector<float>{0.1f, 4.0f}));

    const Graph g = import_onnx(path);
    const Node& q = g.nodes.at(0);
    const TensorDef& w = g.tensor(q.inputs[1]);
    EXPECT_EQ(w.i8, (std::vector<int8_t>{127, -127}));
    EXPECT_EQ(w.quant.channel_scales, (std::vector<double>{1.0 / 127, 4.0 / 127}));
    EXPECT_EQ(w.quant.zero_point, 0);
    // The input's quantization covers [-1, 1]: scale 2/255, zero point round(-0.5) = -1.
    const TensorDef& x = g.tensor(g.inputs[0]);
    EXPECT_DOUBLE_EQ(x.quant.scale, 2.0 / 255);
    EXPECT_EQ(x.quant.zero_point, -1);
    const TensorDef& b = g.tensor(q.inputs[2]);
    for (size_t m = 0; m < 2; ++m)
        EXPECT_EQ(b.i32[m],
                  static_cast<int32_t>(std::round(fg.consts[static_cast<size_t>(c.inputs[2])][m] /
                                                  (x.quant.scale * w.quant.channel_scales[m]))));
    EXPECT_EQ(b.i32[0], 1619);           // 0.1 * 255 * 127 / 2 = 1619.25
    EXPECT_EQ(out_tensor(g).name, "y");  // the fused output keeps the model's name
    // relu fused: the output range starts at 0 (zero point -128).
    EXPECT_EQ(out_tensor(g).quant.zero_point, -128);
    EXPECT_EQ(out_tensor(g).shape, (Shape{1, 2, 3, 3}));
}

TEST(OnnxImport, WeightQuantizationHandComputed) {
    // one channel {0.5, -0.25, 0.125, 1}: scale 1/127, q = round(w * 127)
    // = {63.5 -> 64, -31.75 -> -32, 15.875 -> 16, 127}.
    Model md;
    md.input("x", {1, 1, 4, 4});
    md.init("w", {1, 1, 2, 2}, {0.5f, -0.25f, 0.125f, 1.0f});
    aints(md.node("Conv", {"x", "w"}, {"y"}), "strides", {2, 2});
    md.output("y");
    const Graph g = import_onnx(md.save());
    const TensorDef& w = g.tensor(g.nodes.at(0).inputs[1]);
    EXPECT_EQ(w.i8, (std::vector<int8_t>{64, -32, 16, 127}));
    EXPECT_EQ(w.quant.channel_scales, std::vector<double>{1.0 / 127});
    EXPECT_EQ(out_tensor(g).shape, (Shape{1, 1, 2, 2}));
    EXPECT_EQ(g.nodes[0].inputs.size(), 2u);  // no bias
}

// A torchvision-style chain: conv/bn/relu, max pool, a basic residual block,
// global average pool, flatten, fc.
TEST(OnnxImport, TorchvisionStyleChain) {
    Model md;
    build_resnet_like(md);
    const Graph g = import_onnx(md.save());
    EXPECT_EQ(ops(g),
              (std::vector<OpType>{OpType::conv, OpType::maxpool, OpType::conv, OpType::conv,
                                   OpType::add, OpType::global_avgpool, OpType::fc}));
    EXPECT_EQ(g.nodes[0].attrs.act, Act::relu);
    EXPECT_EQ(g.nodes[2].attrs.act, Act::relu);
    EXPECT_EQ(g.nodes[3].attrs.act, Act::none);
    EXPECT_EQ(g.nodes[4].attrs.act, Act::relu);
    EXPECT_EQ(g.output_of(g.nodes[0]).shape, (Shape{1, 4, 8, 8}));
    EXPECT_EQ(g.output_of(g.nodes[1]).shape, (Shape{1, 4, 4, 4}));
    EXPECT_EQ(g.output_of(g.nodes[5]).shape, (Shape{1, 4, 1, 1}));
    // Flatten of [1,4,1,1] is the same {1,4,1,1} view: no node.
    EXPECT_EQ(out_tensor(g).shape, (Shape{1, 10, 1, 1}));
    // Pools keep their input's quantization.
    EXPECT_EQ(g.output_of(g.nodes[1]).quant, g.input_of(g.nodes[1], 0).quant);
    const TensorDef& fcw = g.tensor(g.nodes[6].inputs[1]);
    EXPECT_EQ(fcw.shape, (Shape{10, 4, 1, 1}));
    EXPECT_EQ(fcw.quant.channel_scales.size(), 10u);
    for (const TensorDef& t : g.tensors)
        if (t.is_const && t.dtype == DType::int8) {
            // per-channel symmetric: every channel reaches +-127
            const int64_t M = t.shape.n, per = t.elems() / M;
            for (int64_t m = 0; m < M; ++m) {
                int mx = 0;
                for (int64_t j = 0; j < per; ++j)
                    mx = std::max(mx, std::abs(int{t.i8[static_cast<size_t>(m * per + j)]}));
                EXPECT_EQ(mx, 127) << t.name << " channel " << m;
            }
        }
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    return ab / std::sqrt(aa * bb);
}

// Runs the imported graph in int8 (the reference executor) and the float
// reference on the same real input; returns the cosine similarity of the
// dequantized int8 output and the float output.
double int8_vs_float(const std::string& path, uint64_t seed) {
    const Graph g = import_onnx(path);
    const FloatGraph fg = import_onnx_float(path);
    OnnxImportOptions o;
    o.seed = seed;  // inputs the calibration did not see
    o.calibration_inputs = 1;
    const auto real_in = calibration_inputs(fg, o)[0];
    std::vector<Tensor8> qin;
    for (size_t i = 0; i < g.inputs.size(); ++i) {
        const TensorDef& t = g.tensor(g.inputs[i]);
        Tensor8 x(t.shape, t.quant.zero_point);
        for (size_t j = 0; j < real_in[i].size(); ++j)
            x.data[j] = static_cast<int8_t>(std::min(
                127.0,
                std::max(-128.0, std::round(real_in[i][j] / t.quant.scale) + t.quant.zero_point)));
        qin.push_back(x);
    }
    const Execution ex = execute(g, qin);
    const auto fv = run_float(fg, real_in);
    const TensorDef& yt = out_tensor(g);
    const std::vector<float>& yf = fv[static_cast<size_t>(fg.graph.outputs.at(0))];
    std::vector<double> a, b;
    for (size_t j = 0; j < yf.size(); ++j) {
        a.push_back(yt.quant.scale * (ex.outputs.at(0).data[j] - yt.quant.zero_point));
        b.push_back(yf[j]);
    }
    const double cs = cosine(a, b);
    std::printf("int8 vs float cosine %s seed %llu: %.5f\n", path.c_str(),
                static_cast<unsigned long long>(seed), cs);
    return cs;
}

TEST(OnnxImport, Int8ExecutionTracksFloatReference) {
    Model md;
    build_resnet_like(md);
    const std::string path = md.save();
    for (uint64_t seed : {1u, 2u, 3u})
        EXPECT_GT(int8_vs_float(path, seed), 0.99) << "seed " << seed;
}

TEST(OnnxImport, InceptionStyleConcatSharesQuantization) {
    Lcg r;
    Model md;
    md.input("x", {1, 4, 6, 6});
    md.init("w1", {2, 4, 1, 1}, r.vec(8));
    md.node("Conv", {"x", "w1"}, {"b1c"});
    md.node("Relu", {"b1c"}, {"b1"});
    md.init("w2", {3, 4, 3, 3}, r.vec(108));
    aints(md.node("Conv", {"x", "w2"}, {"b2c"}), "pads", {1, 1, 1, 1});
    md.node("Relu", {"b2c"}, {"b2"});
    auto* mp = md.node("MaxPool", {"x"}, {"b3"});
    aints(mp, "kernel_shape", {3, 3});
    aints(mp, "pads", {1, 1, 1, 1});
    ai(md.node("Concat", {"b1", "b2", "b3"}, {"y"}), "axis", 1);
    md.output("y");
    const std::string path = md.save();
    const Graph g = import_onnx(path);
    const Node& cat = only(g, OpType::concat);
    EXPECT_EQ(cat.attrs.axis, 1);
    EXPECT_EQ(out_tensor(g).shape, (Shape{1, 9, 6, 6}));
    for (int x : cat.inputs)
        EXPECT_EQ(g.tensor(x).quant, out_tensor(g).quant);
    // The max pool keeps its input's quantization, so the graph input joins too.
    EXPECT_EQ(g.tensor(g.inputs[0]).quant, out_tensor(g).quant);
    EXPECT_GT(int8_vs_float(path, 7), 0.99);
}

// ---------------------------------------------------------- one op at a time

TEST(OnnxImport, PoolsWithPaddingModes) {
    Model md;
    md.input("x", {1, 2, 5, 5});
    auto* ap = md.node("AveragePool", {"x"}, {"a"});
    aints(ap, "kernel_shape", {2, 2});
    aints(ap, "strides", {2, 2});
    as(ap, "auto_pad", "SAME_UPPER");  // ceil(5 / 2) = 3, total pad 1 at the end
    auto* mp = md.node("MaxPool", {"x"}, {"m"});
    aints(mp, "kernel_shape", {2, 2});
    aints(mp, "strides", {2, 2});
    ai(mp, "ceil_mode", 1);
    md.output("a");
    md.output("m");
    const Graph g = import_onnx(md.save());
    const Node& a = only(g, OpType::avgpool);
    EXPECT_EQ(a.attrs.pad_top, 0);
    EXPECT_EQ(a.attrs.pad_bottom, 1);
    EXPECT_EQ(g.output_of(a).shape, (Shape{1, 2, 3, 3}));
    EXPECT_EQ(g.output_of(only(g, OpType::maxpool)).shape, (Shape{1, 2, 3, 3}));
}

TEST(OnnxImport, DepthwiseStridedAsymmetricPadsAndRelu6) {
    Lcg r;
    Model md;
    md.input("x", {1, 3, 7, 7});
    md.init("w", {3, 1, 3, 3}, r.vec(27));
    auto* c = md.node("Conv", {"x", "w"}, {"c"});
    ai(c, "group", 3);
    aints(c, "strides", {2, 2});
    aints(c, "pads", {0, 1, 1, 0});
    md.scalar("lo", 0.0f);
    md.scalar("hi", 6.0f);
    md.node("Clip", {"c", "lo", "hi"}, {"y"});
    md.output("y");
    const Graph g = import_onnx(md.save());
    ASSERT_EQ(ops(g), std::vector<OpType>{OpType::conv});
    const Attrs& a = g.nodes[0].attrs;
    EXPECT_EQ(a.groups, 3);
    EXPECT_EQ(a.act, Act::relu6);
    EXPECT_EQ(a.pad_top, 0);
    EXPECT_EQ(a.pad_left, 1);
    EXPECT_EQ(a.pad_bottom, 1);
    EXPECT_EQ(a.pad_right, 0);
    // (7 + 1 - 3) / 2 + 1 = 3
    EXPECT_EQ(out_tensor(g).shape, (Shape{1, 3, 3, 3}));
}

TEST(OnnxImport, FloatReferenceConvAgainstNaiveLoops) {
    // grouped, strided, asymmetric padding: run_float against the definition
    Lcg r;
    const int64_t C = 4, H = 7, W = 6, M = 6, G = 2, R = 3, S = 2, sh = 2, sw = 3;
    const int64_t pt = 1, pl = 0, pb = 2, pr = 1;
    Model md;
    md.input("x", {1, C, H, W});
    const std::vector<float> wv = r.vec(static_cast<size_t>(M * (C / G) * R * S));
    const std::vector<float> bv = r.vec(static_cast<size_t>(M));
    md.init("w", {M, C / G, R, S}, wv);
    md.init("b", {M}, bv);
    auto* c = md.node("Conv", {"x", "w", "b"}, {"y"});
    ai(c, "group", G);
    aints(c, "strides", {sh, sw});
    aints(c, "pads", {pt, pl, pb, pr});
    md.output("y");
    const FloatGraph fg = import_onnx_float(md.save());
    const std::vector<float> xv = r.vec(static_cast<size_t>(C * H * W));
    const auto v = run_float(fg, {xv});
    const std::vector<float>& y = v[static_cast<size_t>(fg.graph.outputs[0])];
    const int64_t E = (H + pt + pb - R) / sh + 1, F = (W + pl + pr - S) / sw + 1;
    ASSERT_EQ(static_cast<int64_t>(y.size()), M * E * F);
    for (int64_t m = 0; m < M; ++m)
        for (int64_t e = 0; e < E; ++e)
            for (int64_t f = 0; f < F; ++f) {
                double acc = bv[static_cast<size_t>(m)];
                for (int64_t cc = 0; cc < C / G; ++cc)
                    for (int64_t i = 0; i < R; ++i)
                        for (int64_t j = 0; j < S; ++j) {
                            const int64_t ih = e * sh - pt + i, iw = f * sw - pl + j;
                            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                            const int64_t ci = (m / (M / G)) * (C / G) + cc;
                            acc +=
                                static_cast<double>(
                                    wv[static_cast<size_t>(((m * (C / G) + cc) * R + i) * S + j)]) *
                                xv[static_cast<size_t>((ci * H + ih) * W + iw)];
                        }
                EXPECT_NEAR(y[static_cast<size_t>((m * E + e) * F + f)], acc, 1e-5)
                    << m << "," << e << "," << f;
            }
}

TEST(OnnxImport, ActivationsSoftmaxLrnAndViews) {
    Model md(11);
    md.input("x", {1, 5, 2, 2});
    auto* l = md.node("LRN", {"x"}, {"lrn"});
    ai(l, "size", 3);
    af(l, "alpha", 2e-4f);
    md.node("Sigmoid", {"lrn"}, {"s"});
    md.node("Tanh", {"s"}, {"t"});
    md.node("Identity", {"t"}, {"i"});
    md.node("Dropout", {"i"}, {"d"});
    md.node("Flatten", {"d"}, {"f"});
    md.node("Softmax", {"f"}, {"y"});
    md.scalar("lo", -0.5f);
    md.scalar("hi", 0.5f);
    md.node("Clip", {"f", "lo", "hi"}, {"clip"});
    md.init_int("shape", {3}, {1, 4, 5}, onnx::TensorProto::INT64);
    md.node("Reshape", {"f", "shape"}, {"r"});
    md.output("y");
    md.output("clip");
    md.output("r");
    const Graph g = import_onnx(md.save());
    EXPECT_EQ(ops(g),
              (std::vector<OpType>{OpType::lrn, OpType::sigmoid, OpType::tanh, OpType::flatten,
                                   OpType::softmax, OpType::clip, OpType::reshape}));
    EXPECT_EQ(only(g, OpType::lrn).attrs.lrn_size, 3);
    EXPECT_FLOAT_EQ(static_cast<float>(only(g, OpType::lrn).attrs.alpha), 2e-4f);
    // sigmoid covers [0, 1]: scale 1/255, zero point -128; tanh [-1, 1].
    EXPECT_DOUBLE_EQ(g.output_of(only(g, OpType::sigmoid)).quant.scale, 1.0 / 255);
    EXPECT_EQ(g.output_of(only(g, OpType::sigmoid)).quant.zero_point, -128);
    EXPECT_DOUBLE_EQ(g.output_of(only(g, OpType::tanh)).quant.scale, 2.0 / 255);
    EXPECT_EQ(out_tensor(g, 0).shape, (Shape{1, 20, 1, 1}));
    EXPECT_DOUBLE_EQ(only(g, OpType::clip).attrs.clip_min, -0.5);
    EXPECT_DOUBLE_EQ(only(g, OpType::clip).attrs.clip_max, 0.5);
    EXPECT_EQ(out_tensor(g, 2).shape, (Shape{1, 1, 4, 5}));
}

TEST(OnnxImport, MatMulGemmAddMul) {
    Lcg r;
    Model md;
    md.input("v", {1, 4});
    md.input("a", {2, 4});
    md.input("b", {4, 3});
    md.init("W", {4, 3}, r.vec(12));
    md.init("bias", {3}, {0.25f, -0.5f, 1.0f});
    md.node("MatMul", {"v", "W"}, {"mv"});
    md.node("Add", {"mv", "bias"}, {"fc"});  // folds into the fc bias
    md.scalar("two", 2.0f);
    md.node("Mul", {"fc", "two"}, {"fc2"});  // folds into the fc scales
    md.node("MatMul", {"a", "b"}, {"ab"});
    md.node("Mul", {"ab", "ab"}, {"sq"});
    md.node("Add", {"sq", "ab"}, {"sum"});
    md.output("fc2");
    md.output("sum");
    const std::string path = md.save();
    const FloatGraph fg = import_onnx_float(path);
    const Node& fcn = only(fg.graph, OpType::fc);
    const auto& wf = fg.consts[static_cast<size_t>(fcn.inputs[1])];
    // weight [N=3][K=4] is W transposed, times 2
    EXPECT_EQ(wf[1 * 4 + 2], 2.0f * md.g->initializer(0).float_data(2 * 3 + 1));
    EXPECT_EQ(fg.consts[static_cast<size_t>(fcn.inputs[2])],
              (std::vector<float>{0.5f, -1.0f, 2.0f}));
    const Graph g = import_onnx(path);
    EXPECT_EQ(ops(g), (std::vector<OpType>{OpType::fc, OpType::matmul, OpType::mul, OpType::add}));
    EXPECT_EQ(out_tensor(g, 0).shape, (Shape{1, 3, 1, 1}));
    EXPECT_EQ(out_tensor(g, 1).shape, (Shape{1, 1, 2, 3}));
}

TEST(OnnxImport, UnsqueezeAndRowConcat) {
    Model md;
    md.input("a", {2, 3});
    md.input("b", {4, 3});
    ai(md.node("Concat", {"a", "b"}, {"rows"}), "axis", 0);
    md.init_int("axes", {1}, {0}, onnx::TensorProto::INT64);
    md.node("Unsqueeze", {"rows", "axes"}, {"u"});  // [1,6,3]: the same matrix view
    md.node("Sigmoid", {"u"}, {"y"});
    md.output("y");
    const Graph g = import_onnx(md.save());
    EXPECT_EQ(ops(g), (std::vector<OpType>{OpType::concat, OpType::sigmoid}));
    EXPECT_EQ(only(g, OpType::concat).attrs.axis, 2);
    EXPECT_EQ(out_tensor(g).shape, (Shape{1, 1, 6, 3}));
}

// ------------------------------------------------------- quantized models

TEST(OnnxImport, QdqModelKeepsItsScales) {
    Model md;
    md.input("x", {1, 1, 2, 2});
    md.scalar("xs", 0.05f);
    md.zp("xz", 128, onnx::TensorProto::UINT8);  // mapped: 0
    md.node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"});
    md.node("DequantizeLinear", {"xq", "xs", "xz"}, {"xd"});
    md.init_int("wq", {2, 1, 1, 1}, {10, -20}, onnx::TensorProto::INT8);
    md.init("ws", {2}, {0.01f, 0.02f});
    md.init_int("wz", {2}, {0, 0}, onnx::TensorProto::INT8);
    ai(md.node("DequantizeLinear", {"wq", "ws", "wz"}, {"wd"}), "axis", 0);
    md.init_int("bq", {2}, {100, -50}, onnx::TensorProto::INT32);
    md.init("bs", {2}, {0.05f * 0.01f, 0.05f * 0.02f});
    ai(md.node("DequantizeLinear", {"bq", "bs"}, {"bd"}), "axis", 0);
    md.node("Conv", {"xd", "wd", "bd"}, {"c"});
    md.scalar("ys", 0.1f);
    md.zp("yz", 3, onnx::TensorProto::INT8);
    md.node("QuantizeLinear", {"c", "ys", "yz"}, {"cq"});
    md.node("DequantizeLinear", {"cq", "ys", "yz"}, {"y"});
    md.output("y");
    const Graph g = import_onnx(md.save());
    ASSERT_EQ(ops(g), std::vector<OpType>{OpType::conv});
    const Node& c = g.nodes[0];
    EXPECT_FLOAT_EQ(static_cast<float>(g.tensor(g.inputs[0]).quant.scale), 0.05f);
    EXPECT_EQ(g.tensor(g.inputs[0]).quant.zero_point, 0);
    const TensorDef& w = g.tensor(c.inputs[1]);
    EXPECT_EQ(w.i8, (std::vector<int8_t>{10, -20}));
    ASSERT_EQ(w.quant.channel_scales.size(), 2u);
    EXPECT_FLOAT_EQ(static_cast<float>(w.quant.channel_scales[0]), 0.01f);
    EXPECT_FLOAT_EQ(static_cast<float>(w.quant.channel_scales[1]), 0.02f);
    EXPECT_EQ(g.tensor(c.inputs[2]).i32, (std::vector<int32_t>{100, -50}));
    EXPECT_FLOAT_EQ(static_cast<float>(out_tensor(g).quant.scale), 0.1f);
    EXPECT_EQ(out_tensor(g).quant.zero_point, 3);
}

TEST(OnnxImport, QLinearConvExactIntegers) {
    Model md;
    md.input("x", {1, 1, 3, 3}, onnx::TensorProto::UINT8);
    md.scalar("xs", 0.5f);
    md.zp("xz", 130, onnx::TensorProto::UINT8);  // mapped 2
    md.init_int("w", {2, 1, 1, 1}, {131, 123}, onnx::TensorProto::UINT8);
    md.scalar("ws", 0.25f);
    md.zp("wz", 128, onnx::TensorProto::UINT8);  // (w - zp) = {3, -5}
    md.scalar("ys", 1.0f);
    md.zp("yz", 120, onnx::TensorProto::UINT8);  // mapped -8
    md.init_int("B", {2}, {7, -9}, onnx::TensorProto::INT32);
    md.node("QLinearConv", {"x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "B"}, {"y"});
    md.output("y");
    const Graph g = import_onnx(md.save());
    const Node& c = only(g, OpType::conv);
    const TensorDef& x = g.tensor(g.inputs[0]);
    EXPECT_EQ(x.quant.scale, 0.5);
    EXPECT_EQ(x.quant.zero_point, 2);
    const TensorDef& w = g.tensor(c.inputs[1]);
    EXPECT_EQ(w.i8, (std::vector<int8_t>{3, -5}));
    EXPECT_EQ(w.quant.scale, 0.25);
    EXPECT_TRUE(w.quant.channel_scales.empty());
    EXPECT_EQ(g.tensor(c.inputs[2]).i32, (std::vector<int32_t>{7, -9}));
    EXPECT_EQ(out_tensor(g).quant.scale, 1.0);
    EXPECT_EQ(out_tensor(g).quant.zero_point, -8);
}

TEST(OnnxImport, QLinearMatMulExactIntegers) {
    Model md;
    md.input("a", {1, 3}, onnx::TensorProto::UINT8);
    md.scalar("as", 0.5f);
    md.zp("az", 128, onnx::TensorProto::UINT8);
    md.init_int("b", {3, 2}, {1, 2, 3, 4, 5, 6}, onnx::TensorProto::INT8);
    md.scalar("bs", 0.125f);
    md.zp("bz", 0, onnx::TensorProto::INT8);
    md.scalar("ys", 2.0f);
    md.zp("yz", 0, onnx::TensorProto::INT8);
    md.node("QLinearMatMul", {"a", "as", "az", "b", "bs", "bz", "ys", "yz"}, {"y"});
    md.output("y");
    const Graph g = import_onnx(md.save());
    const TensorDef& w = g.tensor(only(g, OpType::fc).inputs[1]);
    EXPECT_EQ(w.shape, (Shape{2, 3, 1, 1}));
    EXPECT_EQ(w.i8, (std::vector<int8_t>{1, 3, 5, 2, 4, 6}));  // b transposed
    EXPECT_EQ(w.quant.scale, 0.125);
    EXPECT_EQ(g.tensor(g.inputs[0]).quant.zero_point, 0);
    EXPECT_EQ(out_tensor(g).quant.scale, 2.0);
    EXPECT_EQ(out_tensor(g).shape, (Shape{1, 2, 1, 1}));
}

TEST(OnnxImport, ConvIntegerThenScaleMul) {
    Model md;
    md.input("x", {1, 1, 2, 2}, onnx::TensorProto::UINT8);
    md.init_int("w", {2, 1, 1, 1}, {5, -3}, onnx::TensorProto::INT8);
    md.zp("xz", 3, onnx::TensorProto::UINT8);  // mapped -125
    md.zp("wz", 1, onnx::TensorProto::INT8);   // (w - zp) = {4, -4}
    md.node("ConvInteger", {"x", "w", "xz", "wz"}, {"acc"});
    ai(md.node("Cast", {"acc"}, {"accf"}), "to", onnx::TensorProto::FLOAT);
    md.init("s", {1, 2, 1, 1}, {0.5f, 0.25f});
    md.node("Mul", {"accf", "s"}, {"y"});
    md.output("y");
    const Graph g = import_onnx(md.save());
    ASSERT_EQ(ops(g), std::vector<OpType>{OpType::conv});
    EXPECT_EQ(g.tensor(g.inputs[0]).quant.zero_point, -125);
    EXPECT_EQ(g.tensor(g.inputs[0]).quant.scale, 1.0);
    const TensorDef& w = g.tensor(g.nodes[0].inputs[1]);
    EXPECT_EQ(w.i8, (std::vector<int8_t>{4, -4}));
    EXPECT_EQ(w.quant.channel_scales, (std::vector<double>{0.5, 0.25}));
}

TEST(OnnxImport, MatMulIntegerExactIntegers) {
    Model md;
    md.input("a", {1, 2}, onnx::TensorProto::INT8);
    md.init_int("b", {2, 2}, {130, 120, 128, 140}, onnx::TensorProto::UINT8);
    md.zp("bz", 128, onnx::TensorProto::UINT8);  // (b - zp) = {2, -8, 0, 12}
    md.node("MatMulInteger", {"a", "b", "", "bz"}, {"y"});
    md.output("y");
    const Graph g = import_onnx(md.save());
    const TensorDef& w = g.tensor(only(g, OpType::fc).inputs[1]);
    EXPECT_EQ(w.i8, (std::vector<int8_t>{2, 0, -8, 12}));
    EXPECT_EQ(w.quant.scale, 1.0);
    EXPECT_EQ(g.tensor(g.inputs[0]).quant.zero_point, 0);
}

// --------------------------------------------------------------- lstm / gru

void build_rnn(Model& md, bool lstm, const std::string& direction = "forward") {
    Lcg r;
    const int64_t T = 3, I = 2, H = 4, G = lstm ? 4 : 3;
    md.input("x", {T, 1, I});
    md.init("W", {1, G * H, I}, r.vec(static_cast<size_t>(G * H * I), 0.5f));
    md.init("R", {1, G * H, H}, r.vec(static_cast<size_t>(G * H * H), 0.8f));
    md.init("B", {1, 2 * G * H}, r.vec(static_cast<size_t>(2 * G * H), 0.2f));
    auto* n = md.node(lstm ? "LSTM" : "GRU", {"x", "W", "R", "B"}, {"Y"}, "rnn");
    ai(n, "hidden_size", H);
    if (!lstm) ai(n, "linear_before_reset", 1);
    if (direction != "forward") as(n, "direction", direction);
    md.init_int("axes", {1}, {1}, onnx::TensorProto::INT64);
    md.node("Squeeze", {"Y", "axes"}, {"y"});
    md.output("y");
}

void check_rnn(bool lstm) {
    Model md;
    build_rnn(md, lstm);
    const std::string path = md.save();
    const Graph g = import_onnx(path);
    const FloatGraph fg = import_onnx_float(path);
    ASSERT_EQ(ops(g), std::vector<OpType>{lstm ? OpType::lstm : OpType::gru});
    const Node& n = g.nodes[0];
    EXPECT_EQ(n.attrs.hidden, 4);
    EXPECT_EQ(g.input_of(n, 0).shape, (Shape{1, 1, 3, 2}));
    EXPECT_EQ(out_tensor(g).shape, (Shape{1, 1, 3, 4}));
    EXPECT_EQ(out_tensor(g).quant, g.input_of(n, 0).quant);  // x and h share one
    const TensorDef &W = g.input_of(n, 1), &R = g.input_of(n, 2), &B = g.input_of(n, 3);
    EXPECT_EQ(W.quant, R.quant);
    EXPECT_TRUE(W.quant.channel_scales.empty());
    // one scale for [W|R]: the larger of the two maxima reaches 127
    int mx = 0;
    for (int8_t v : W.i8)
        mx = std::max(mx, std::abs(int{v}));
    for (int8_t v : R.i8)
        mx = std::max(mx, std::abs(int{v}));
    EXPECT_EQ(mx, 127);
    const int64_t G = lstm ? 4 : 3;
    ASSERT_EQ(B.elems(), (lstm ? 4 : 6) * 4);
    // bias in accumulator units; the lstm's is Wb + Rb
    const auto& Bf = md.g->initializer(2).float_data();
    const double unit = g.input_of(n, 0).quant.scale * W.quant.scale;
    for (int64_t j = 0; j < B.elems(); ++j) {
        const double real = lstm ? static_cast<double>(static_cast<float>(
                                       Bf[static_cast<int>(j)] + Bf[static_cast<int>(j + G * 4)]))
                                 : Bf[static_cast<int>(j)];
        EXPECT_EQ(B.i32[static_cast<size_t>(j)], static_cast<int32_t>(std::round(real / unit)));
    }
    (void)fg;
    EXPECT_GT(int8_vs_float(path, 5), 0.99);
}

TEST(OnnxImport, Lstm) {
    check_rnn(true);
}
TEST(OnnxImport, Gru) {
    check_rnn(false);
}

TEST(OnnxImport, BidirectionalRnnRefused) {
    Model md;
    build_rnn(md, true, "bidirectional");
    const std::string e = import_error(md.save());
    EXPECT_NE(e.find("node 'rnn' (LSTM)"), std::string::npos) << e;
    EXPECT_NE(e.find("bidirectional"), std::string::npos) << e;
}

// ------------------------------------------------------------------ bad files

std::string write_bytes(const std::string& bytes) {
    const std::string p = temp_path("bytes");
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
}

TEST(OnnxImport, BadFilesGiveOneLineErrors) {
    auto one_line = [](const std::string& e) {
        EXPECT_FALSE(e.empty());
        EXPECT_EQ(e.find('\n'), std::string::npos) << e;
        return e;
    };
    EXPECT_NE(one_line(import_error("/nonexistent/model.onnx")).find("cannot open"),
              std::string::npos);
    EXPECT_NE(one_line(import_error(::testing::TempDir())).find("directory"), std::string::npos);
    const std::string fifo = temp_path("fifo");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_NE(one_line(import_error(fifo)).find("not a regular file"), std::string::npos);
    std::remove(fifo.c_str());
    EXPECT_NE(one_line(import_error("/dev/null")).find("not a regular file"), std::string::npos);

    const std::string empty = write_bytes("");
    EXPECT_NE(one_line(import_error(empty)).find("empty"), std::string::npos);
    std::string garbage;
    Lcg r;
    for (int i = 0; i < 4096; ++i)
        garbage.push_back(static_cast<char>(static_cast<int>((r.next() + 1.0f) * 127.0f)));
    const std::string junk = write_bytes(garbage);
    one_line(import_error(junk));

    // Every truncation of a valid model is refused (never a crash).
    Model md;
    build_resnet_like(md);
    std::string full;
    md.m.SerializeToString(&full);
    for (size_t len = 0; len < full.size(); ++len) {
        const std::string cut = write_bytes(full.substr(0, len));
        one_line(import_error(cut));
        std::remove(cut.c_str());
    }
    // A size limit.
    OnnxImportOptions small;
    small.max_file_bytes = 100;
    EXPECT_NE(one_line(import_error(md.save(), small)).find("over the limit"), std::string::npos);
    for (const auto& p : {empty, junk})
        std::remove(p.c_str());
}

TEST(OnnxImport, CorruptedBytesGiveImportErrorsOnly) {
    // Flipped bytes all over a valid model: each import succeeds or throws
    // OnnxImportError; nothing else escapes (and nothing crashes).
    Model md;
    build_resnet_like(md);
    std::string full;
    md.m.SerializeToString(&full);
    int refused = 0, imported = 0;
    for (size_t pos = 0; pos < full.size(); pos += 5) {
        std::string bad = full;
        bad[pos] = static_cast<char>(bad[pos] ^ (pos % 2 ? 0x5A : 0xFF));
        const std::string p = write_bytes(bad);
        try {
            import_onnx(p);
            ++imported;
        } catch (const OnnxImportError& e) {
            ++refused;
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "byte " << pos << ": " << e.what();
        }
        std::remove(p.c_str());
    }
    EXPECT_GT(refused, 0);
    std::printf("corrupted models: %d refused, %d imported\n", refused, imported);
}

TEST(OnnxImport, UnsupportedOpNamesOpAndNode) {
    Model md;
    md.input("x", {1, 4});
    md.node("Relu", {"x"}, {"r"});
    md.node("Erf", {"r"}, {"y"}, "mystery");
    md.output("y");
    EXPECT_EQ(import_error(md.save()).substr(import_error(md.save()).find("node")),
              "node 'mystery' (Erf): unsupported op 'Erf'");
}

TEST(OnnxImport, HugeDimsAreRefusedBeforeAllocating) {
    {
        Model md;
        md.input("x", {1, 3, 1000000, 1000000});
        md.node("Relu", {"x"}, {"y"});
        md.output("y");
        EXPECT_NE(import_error(md.save()).find("elements"), std::string::npos);
    }
    {
        Model md;
        md.input("x", {1, 4});
        auto* t = md.g->add_initializer();  // declares 2^60 floats, holds none
        t->set_name("w");
        t->set_data_type(onnx::TensorProto::FLOAT);
        t->add_dims(int64_t{1} << 30);
        t->add_dims(int64_t{1} << 30);
        md.node("MatMul", {"x", "w"}, {"y"});
        md.output("y");
        EXPECT_NE(import_error(md.save()).find("huge"), std::string::npos);
    }
}

TEST(OnnxImport, GraphAndOpsetProblems) {
    {
        Model md;
        md.input("x", {1, 4});
        md.node("Relu", {"nowhere"}, {"y"}, "r");
        md.output("y");
        const std::string e = import_error(md.save());
        EXPECT_NE(e.find("node 'r' (Relu): input 'nowhere' is dangling"), std::string::npos) << e;
    }
    {
        Lcg r;
        Model md;
        md.input("x", {1, 1, 5, 5});
        md.init("w", {1, 1, 3, 3}, r.vec(9));
        aints(md.node("Conv", {"x", "w"}, {"y"}, "dil"), "dilations", {2, 2});
        md.output("y");
        EXPECT_NE(import_error(md.save()).find("node 'dil' (Conv): dilations"), std::string::npos);
    }
    {
        Lcg r;
        Model md;
        md.input("x", {2, 1, 5, 5});
        md.init("w", {1, 1, 3, 3}, r.vec(9));
        md.node("Conv", {"x", "w"}, {"y"});
        md.output("y");
        EXPECT_NE(import_error(md.save()).find("batch 2"), std::string::npos);
    }
    {
        Model md;
        md.input("x", {1, 2, 4, 4});
        auto* p = md.node("AveragePool", {"x"}, {"y"}, "avg");
        aints(p, "kernel_shape", {2, 2});
        as(p, "auto_pad", "SAME_WHATEVER");
        md.output("y");
        EXPECT_NE(import_error(md.save()).find("auto_pad 'SAME_WHATEVER'"), std::string::npos);
    }
}

}  // namespace
