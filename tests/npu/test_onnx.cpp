// ONNX backend node tests (Debian libonnx-testdata) through the NPU's
// functional path: ConvInteger with and without padding, MatMulInteger.
// Inputs are uint8 with zero points; the NPU is int8, so data and zero points
// are shifted by -128 (differences, hence results, are unchanged) and the
// output is the raw int32 accumulator.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <onnx/onnx_pb.h>

#include "npu/core.h"
#include "npu_abi/npu_regs.h"
#include "npu_test_util.h"

using namespace npu_test;

namespace {

const std::string kData = "/usr/share/libonnx-testdata/data/node/";

template <class Proto>
bool load(const std::string& path, Proto& p) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    return p.ParseFromIstream(&f);
}

std::vector<std::int64_t> values(const onnx::TensorProto& t) {
    std::vector<std::int64_t> v;
    if (t.has_raw_data()) {
        const std::string& raw = t.raw_data();
        if (t.data_type() == onnx::TensorProto::UINT8) {
            for (unsigned char c : raw)
                v.push_back(c);
        } else if (t.data_type() == onnx::TensorProto::INT8) {
            for (char c : raw)
                v.push_back(static_cast<std::int8_t>(c));
        } else if (t.data_type() == onnx::TensorProto::INT32) {
            for (std::size_t i = 0; i + 4 <= raw.size(); i += 4) {
                std::int32_t x;
                std::memcpy(&x, raw.data() + i, 4);
                v.push_back(x);
            }
        }
    } else {
        for (int i = 0; i < t.int32_data_size(); ++i)
            v.push_back(t.int32_data(i));
    }
    return v;
}

std::vector<std::int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute())
        if (a.name() == name) return {a.ints().begin(), a.ints().end()};
    return {};
}

struct Case {
    onnx::ModelProto model;
    std::vector<onnx::TensorProto> inputs;
    onnx::TensorProto output;
};

bool load_case(const std::string& name, Case& c) {
    const std::string dir = kData + name + "/";
    if (!load(dir + "model.onnx", c.model)) return false;
    for (int i = 0;; ++i) {
        onnx::TensorProto t;
        if (!load(dir + "test_data_set_0/input_" + std::to_string(i) + ".pb", t)) break;
        c.inputs.push_back(t);
    }
    return load(dir + "test_data_set_0/output_0.pb", c.output);
}

npu::CoreConfig config() {
    npu::CoreConfig cfg;
    cfg.array_rows = 2;
    cfg.array_cols = 2;
    cfg.ifmap_bytes = cfg.weight_bytes = cfg.ofmap_bytes = 1024;
    cfg.dma_burst_bytes = 8;
    cfg.functional = true;
    cfg.dram_base = kDramBase;
    cfg.dram_size = 1 << 20;
    return cfg;
}

std::vector<std::int32_t> run_npu(const Layer& L, const std::vector<std::int8_t>& x,
                                  const std::vector<std::int8_t>& w, std::array<unsigned, 6> tile,
                                  std::array<unsigned, 6> order, npu::Dataflow df,
                                  npu::KernelStats& st) {
    TestDram dram(1 << 20);
    Tensors t;
    t.in = x;
    t.w = w;
    t.lut.assign(256, 0);
    const Addrs a = place(L, t, dram.mem);
    npu::Core core(config());
    st = core.run(make_desc(L, a, tile, order, df), dram);
    return read_output(L, a, dram.mem);
}

void run_conv_integer(const std::string& name) {
    Case c;
    if (!load_case(name, c)) GTEST_SKIP() << "libonnx-testdata not installed: " << name;
    ASSERT_EQ(c.model.graph().node_size(), 1);
    const onnx::NodeProto& node = c.model.graph().node(0);
    ASSERT_EQ(node.op_type(), "ConvInteger");
    ASSERT_GE(c.inputs.size(), 3u);
    const auto& xt = c.inputs[0];
    const auto& wt = c.inputs[1];
    ASSERT_EQ(xt.dims_size(), 4);
    ASSERT_EQ(wt.dims_size(), 4);
    Layer L;
    L.C = unsigned(xt.dims(1)), L.H = unsigned(xt.dims(2)), L.W = unsigned(xt.dims(3));
    L.M = unsigned(wt.dims(0)), L.R = unsigned(wt.dims(2)), L.S = unsigned(wt.dims(3));
    const auto pads = attr_ints(node, "pads");
    if (pads.size() == 4)
        L.pt = unsigned(pads[0]), L.pl = unsigned(pads[1]), L.pb = unsigned(pads[2]),
        L.pr = unsigned(pads[3]);
    const auto strides = attr_ints(node, "strides");
    if (strides.size() == 2) L.stride_h = unsigned(strides[0]), L.stride_w = unsigned(strides[1]);
    for (const auto& a : node.attribute())
        if (a.name() == "group") L.groups = unsigned(a.i());
    L.int32_out = true;
    const auto xv = values(xt), wv = values(wt), zx = values(c.inputs[2]);
    ASSERT_EQ(zx.size(), 1u);
    L.zp_in = int(zx[0]) - 128;
    L.zp_w = c.inputs.size() > 3 ? int(values(c.inputs[3])[0]) - 128 : -128;  // default w zp 0
    std::vector<std::int8_t> x, w;
    for (auto v : xv)
        x.push_back(static_cast<std::int8_t>(v - 128));
    for (auto v : wv)
        w.push_back(static_cast<std::int8_t>(v - 128));
    std::vector<std::int32_t> expect;
    for (auto v : values(c.output))
        expect.push_back(static_cast<std::int32_t>(v));
    ASSERT_EQ(c.output.dims(2), std::int64_t{L.E()});
    ASSERT_EQ(c.output.dims(3), std::int64_t{L.F()});
    // one tile, and tilings that split every splittable loop, under each dataflow
    const auto N = L.extents();
    const std::array<unsigned, 6> whole = {N[0], N[1], N[2], N[3], N[4], N[5]};
    const std::array<unsigned, 6> split = {std::max(1u, N[0] / 2), std::max(1u, N[1] / 2),
                                           std::max(1u, N[2] / 2), std::max(1u, (N[3] + 1) / 2),
                                           std::max(1u, N[4] / 2), std::max(1u, N[5] / 2)};
    for (auto tile : {whole, split})
        for (auto order :
             {std::array<unsigned, 6>{0, 1, 2, 3, 4, 5}, std::array<unsigned, 6>{4, 5, 1, 0, 2, 3}})
            for (auto df : {npu::Dataflow::os, npu::Dataflow::ws, npu::Dataflow::is}) {
                npu::KernelStats st;
                const auto got = run_npu(L, x, w, tile, order, df, st);
                ASSERT_EQ(st.error, NPU_ERR_NONE);
                EXPECT_EQ(got, expect);
            }
}

}  // namespace

TEST(NpuOnnx, ConvIntegerWithPadding) {
    run_conv_integer("test_convinteger_with_padding");
}

TEST(NpuOnnx, ConvIntegerWithoutPadding) {
    run_conv_integer("test_convinteger_without_padding");
}

TEST(NpuOnnx, MatMulInteger) {
    Case c;
    if (!load_case("test_matmulinteger", c)) GTEST_SKIP() << "libonnx-testdata not installed";
    ASSERT_EQ(c.model.graph().node(0).op_type(), "MatMulInteger");
    ASSERT_EQ(c.inputs.size(), 4u);
    const auto& at = c.inputs[0];  // A [rows x K]
    const auto& bt = c.inputs[1];  // B [K x N]
    ASSERT_EQ(at.dims_size(), 2);
    ASSERT_EQ(bt.dims_size(), 2);
    // Y = A * B is a 1x1 convolution: W = A (M = rows, C = K), X = B (C = K, H = 1, W = N)
    Layer L;
    L.op = NPU_OP_GEMM;
    L.M = unsigned(at.dims(0)), L.C = unsigned(at.dims(1)), L.H = 1, L.W = unsigned(bt.dims(1));
    ASSERT_EQ(bt.dims(0), at.dims(1));
    L.int32_out = true;
    L.zp_w = int(values(c.inputs[2])[0]) - 128;   // a_zero_point
    L.zp_in = int(values(c.inputs[3])[0]) - 128;  // b_zero_point
    std::vector<std::int8_t> x, w;
    for (auto v : values(bt))
        x.push_back(static_cast<std::int8_t>(v - 128));
    for (auto v : values(at))
        w.push_back(static_cast<std::int8_t>(v - 128));
    std::vector<std::int32_t> expect;
    for (auto v : values(c.output))
        expect.push_back(static_cast<std::int32_t>(v));
    for (std::array<unsigned, 6> tile : {std::array<unsigned, 6>{L.M, L.C, 1, L.W, 1, 1},
                                         std::array<unsigned, 6>{2, 2, 1, 1, 1, 1}})
        for (auto df : {npu::Dataflow::os, npu::Dataflow::ws, npu::Dataflow::is}) {
            npu::KernelStats st;
            const auto got = run_npu(L, x, w, tile, {1, 0, 3, 2, 4, 5}, df, st);
            ASSERT_EQ(st.error, NPU_ERR_NONE);
            EXPECT_EQ(got, expect);
        }
}
