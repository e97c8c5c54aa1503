// ONNX backend node tests from Debian's libonnx-testdata, run through the
// reference executor: outputs must match output_0.pb exactly. uint8 tensors are
// mapped to int8 (value - 128, zero point - 128), which keeps every
// (value - zero_point) and so every result unchanged.
#include <gtest/gtest.h>

#include <string>

#include "workloads/onnx_tensor.h"
#include "workloads/reference.h"

namespace {

using namespace wl;
namespace oio = wl::onnx_io;

std::string dir(const std::string& test) {
    return std::string(ONNX_NODE_TEST_DIR) + "/" + test;
}
std::string input(const std::string& test, int i) {
    return dir(test) + "/test_data_set_0/input_" + std::to_string(i) + ".pb";
}
std::string output(const std::string& test) {
    return dir(test) + "/test_data_set_0/output_0.pb";
}

// Zero point of an optional input (absent: 0 in the input's own type).
int32_t zero_point(const std::string& test, const oio::OnnxNode& node, int i, oio::ElemType data) {
    if (static_cast<int>(node.inputs.size()) > i && !node.inputs[static_cast<size_t>(i)].empty())
        return oio::to_zero_point(oio::load_tensor(input(test, i)));
    return data == oio::ElemType::uint8 ? -128 : 0;
}

std::vector<int64_t> attr(const oio::OnnxNode& n, const std::string& key,
                          std::vector<int64_t> dflt) {
    auto it = n.int_attrs.find(key);
    return it == n.int_attrs.end() ? dflt : it->second;
}

void run_conv_integer(const std::string& test) {
    const oio::OnnxNode node = oio::load_single_node(dir(test) + "/model.onnx");
    ASSERT_EQ(node.op_type, "ConvInteger");
    const oio::OnnxTensor xt = oio::load_tensor(input(test, 0));
    const oio::OnnxTensor wt = oio::load_tensor(input(test, 1));
    const Tensor8 x = oio::to_int8(xt, zero_point(test, node, 2, xt.type));
    const Tensor8 w = oio::to_int8(wt, zero_point(test, node, 3, wt.type));
    ASSERT_EQ(attr(node, "group", {1}), std::vector<int64_t>{1});
    const std::vector<int64_t> pads = attr(node, "pads", {0, 0, 0, 0});
    const std::vector<int64_t> strides = attr(node, "strides", {1, 1});
    ASSERT_EQ(attr(node, "dilations", {1, 1}), (std::vector<int64_t>{1, 1}));
    ref::ConvParams p;
    p.stride_h = strides[0];
    p.stride_w = strides[1];
    p.pad_top = pads[0];
    p.pad_left = pads[1];
    p.pad_bottom = pads[2];
    p.pad_right = pads[3];
    const Tensor32 y = ref::conv2d(x, w, {}, p);
    const Tensor32 expect = oio::to_int32(oio::load_tensor(output(test)));
    EXPECT_EQ(y.shape, expect.shape) << y.shape.str() << " vs " << expect.shape.str();
    EXPECT_EQ(y.data, expect.data);
}

TEST(OnnxNode, ConvIntegerWithPadding) {
    run_conv_integer("test_convinteger_with_padding");
}
TEST(OnnxNode, ConvIntegerWithoutPadding) {
    run_conv_integer("test_convinteger_without_padding");
}
TEST(OnnxNode, BasicConvInteger) {
    run_conv_integer("test_basic_convinteger");
}

TEST(OnnxNode, MatMulInteger) {
    const std::string test = "test_matmulinteger";
    const oio::OnnxNode node = oio::load_single_node(dir(test) + "/model.onnx");
    ASSERT_EQ(node.op_type, "MatMulInteger");
    const oio::OnnxTensor at = oio::load_tensor(input(test, 0));
    const oio::OnnxTensor bt = oio::load_tensor(input(test, 1));
    ASSERT_EQ(at.dims.size(), 2u);
    ASSERT_EQ(bt.dims.size(), 2u);
    const Tensor8 a = oio::to_int8(at, zero_point(test, node, 2, at.type));
    const Tensor8 b = oio::to_int8(bt, zero_point(test, node, 3, bt.type));
    const Tensor32 y = ref::gemm(a, b, {});
    const Tensor32 expect = oio::to_int32(oio::load_tensor(output(test)));
    EXPECT_EQ(y.shape, expect.shape) << y.shape.str() << " vs " << expect.shape.str();
    EXPECT_EQ(y.data, expect.data);
}

TEST(OnnxLoader, Uint8MappingKeepsDifferences) {
    const oio::OnnxTensor xt = oio::load_tensor(input("test_basic_convinteger", 0));
    ASSERT_EQ(xt.type, oio::ElemType::uint8);
    const oio::OnnxTensor zt = oio::load_tensor(input("test_basic_convinteger", 2));
    const int32_t zp = oio::to_zero_point(zt);
    const Tensor8 x = oio::to_int8(xt, zp);
    for (size_t i = 0; i < xt.values.size(); ++i)
        EXPECT_EQ(x.data[i] - zp, xt.values[i] - zt.values[0]);
}

TEST(OnnxLoader, ErrorsAreExceptions) {
    EXPECT_THROW(oio::load_tensor("/nonexistent/input_0.pb"), std::runtime_error);
    // A model file is not a TensorProto with integer data.
    EXPECT_THROW(oio::load_tensor(dir("test_basic_convinteger") + "/model.onnx"),
                 std::runtime_error);
}

}  // namespace
