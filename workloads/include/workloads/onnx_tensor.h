// Loading ONNX TensorProto files (.pb, as in the ONNX backend node tests) and
// the attributes of a single-node model.onnx. Uses the protobuf classes that
// Debian's libonnx-dev ships (onnx/onnx_pb.h, libonnx_proto, libprotobuf).
//
// uint8 data are mapped to int8 by subtracting 128 from the values and from the
// zero point: every (value - zero_point) is unchanged, so every result of the
// reference executor is unchanged too.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "workloads/tensor.h"

namespace onnx {
class TensorProto;
}

namespace wl::onnx_io {

enum class ElemType { float32, uint8, int8, int32, int64, other };

struct OnnxTensor {
    std::string name;
    ElemType type = ElemType::other;
    std::vector<int64_t> dims;    // empty for a scalar
    std::vector<int64_t> values;  // integer element types, row-major
    std::vector<float> floats;    // float32 tensors (from_proto only), row-major
    int64_t size() const;
};

// A TensorProto already in memory (a model's initializer or Constant value);
// unlike load_tensor it also accepts float32. Dims are checked (non-negative,
// at most 2^40 elements) before the element count is compared with the data,
// so a huge declared dim is an error, not an allocation. `where` names the
// tensor in errors. Throws std::runtime_error.
OnnxTensor from_proto(const onnx::TensorProto& proto, const std::string& where);

// Throws std::runtime_error on a missing or malformed file or an unsupported type.
OnnxTensor load_tensor(const std::string& path);

// dims (up to 4, padded at the front with 1s) as an NCHW shape.
Shape to_shape(const std::vector<int64_t>& dims);

// An int8/uint8 tensor as Tensor8 (uint8 -> value - 128); zero_point is the
// (already mapped) zero point to attach.
Tensor8 to_int8(const OnnxTensor& t, int32_t zero_point);
// A scalar (or one-element) int8/uint8 zero-point tensor, mapped like the data.
int32_t to_zero_point(const OnnxTensor& t);
Tensor32 to_int32(const OnnxTensor& t);

// The single node of a node-test model.onnx: its op type and integer(-list) attributes.
struct OnnxNode {
    std::string op_type;
    std::vector<std::string> inputs;  // node input names, in order ("" for a skipped optional)
    std::map<std::string, std::vector<int64_t>> int_attrs;
};
OnnxNode load_single_node(const std::string& model_path);

}  // namespace wl::onnx_io
