#include "workloads/onnx_tensor.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "onnx/onnx_pb.h"

namespace wl::onnx_io {

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("onnx: cannot open " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

ElemType elem_type(int32_t t) {
    switch (t) {
        case onnx::TensorProto_DataType_FLOAT:
            return ElemType::float32;
        case onnx::TensorProto_DataType_UINT8:
            return ElemType::uint8;
        case onnx::TensorProto_DataType_INT8:
            return ElemType::int8;
        case onnx::TensorProto_DataType_INT32:
            return ElemType::int32;
        case onnx::TensorProto_DataType_INT64:
            return ElemType::int64;
        default:
            return ElemType::other;
    }
}

// Little-endian raw_data of an integer type.
std::vector<int64_t> decode_raw(const std::string& raw, ElemType type, const std::string& path) {
    std::vector<int64_t> v;
    auto bytes = reinterpret_cast<const unsigned char*>(raw.data());
    auto le = [&](size_t off, size_t n) {
        uint64_t u = 0;
        for (size_t b = 0; b < n; ++b)
            u |= static_cast<uint64_t>(bytes[off + b]) << (8 * b);
        return u;
    };
    switch (type) {
        case ElemType::uint8:
            for (size_t i = 0; i < raw.size(); ++i)
                v.push_back(bytes[i]);
            break;
        case ElemType::int8:
            for (size_t i = 0; i < raw.size(); ++i)
                v.push_back(static_cast<int8_t>(bytes[i]));
            break;
        case ElemType::int32:
            if (raw.size() % 4) throw std::runtime_error("onnx: bad raw_data size in " + path);
            for (size_t i = 0; i < raw.size(); i += 4)
                v.push_back(static_cast<int32_t>(static_cast<uint32_t>(le(i, 4))));
            break;
        case ElemType::int64:
            if (raw.size() % 8) throw std::runtime_error("onnx: bad raw_data size in " + path);
            for (size_t i = 0; i < raw.size(); i += 8)
                v.push_back(static_cast<int64_t>(le(i, 8)));
            break;
        default:
            throw std::runtime_error("onnx: unsupported element type in " + path);
    }
    return v;
}

}  // namespace

int64_t OnnxTensor::size() const {
    int64_t n = 1;
    for (int64_t d : dims)
        n *= d;
    return n;
}

OnnxTensor from_proto(const onnx::TensorProto& proto, const std::string& where) {
    OnnxTensor t;
    t.name = proto.name();
    t.type = elem_type(proto.data_type());
    if (t.type == ElemType::other)
        throw std::runtime_error("onnx: unsupported data_type " +
                                 std::to_string(proto.data_type()) + " in " + where);
    int64_t count = 1;
    for (int i = 0; i < proto.dims_size(); ++i) {
        const int64_t d = proto.dims(i);
        if (d < 0 || (d > 0 && count > (int64_t{1} << 40) / d))
            throw std::runtime_error("onnx: bad or huge dims in " + where);
        count *= d;
        t.dims.push_back(d);
    }
    if (t.type == ElemType::float32) {
        if (proto.has_raw_data()) {
            const std::string& raw = proto.raw_data();
            if (raw.size() % 4) throw std::runtime_error("onnx: bad raw_data size in " + where);
            t.floats.resize(raw.size() / 4);
            for (size_t i = 0; i < t.floats.size(); ++i) {
                uint32_t u = 0;
                for (size_t b = 0; b < 4; ++b)
                    u |= static_cast<uint32_t>(static_cast<unsigned char>(raw[4 * i + b]))
                         << (8 * b);
                std::memcpy(&t.floats[i], &u, 4);
            }
        } else {
            t.floats.assign(proto.float_data().begin(), proto.float_data().end());
        }
        if (static_cast<int64_t>(t.floats.size()) != count)
            throw std::runtime_error("onnx: " + std::to_string(t.floats.size()) +
                                     " values for the dims of " + where);
        return t;
    }
    if (proto.has_raw_data()) {
        t.values = decode_raw(proto.raw_data(), t.type, where);
    } else if (t.type == ElemType::int64) {
        for (int i = 0; i < proto.int64_data_size(); ++i)
            t.values.push_back(proto.int64_data(i));
    } else {  // int8, uint8, int32 use int32_data
        for (int i = 0; i < proto.int32_data_size(); ++i)
            t.values.push_back(proto.int32_data(i));
    }
    if (static_cast<int64_t>(t.values.size()) != count)
        throw std::runtime_error("onnx: " + std::to_string(t.values.size()) +
                                 " values for the dims of " + where);
    return t;
}

OnnxTensor load_tensor(const std::string& path) {
    onnx::TensorProto proto;
    if (!proto.ParseFromString(read_file(path)))
        throw std::runtime_error("onnx: malformed TensorProto in " + path);
    if (elem_type(proto.data_type()) == ElemType::float32)
        throw std::runtime_error("onnx: unsupported data_type " +
                                 std::to_string(proto.data_type()) + " in " + path);
    return from_proto(proto, path);
}

Shape to_shape(const std::vector<int64_t>& dims) {
    if (dims.size() > 4) throw std::runtime_error("onnx: more than 4 dims");
    int64_t d[4] = {1, 1, 1, 1};
    const size_t off = 4 - dims.size();
    for (size_t i = 0; i < dims.size(); ++i)
        d[off + i] = dims[i];
    return Shape{d[0], d[1], d[2], d[3]};
}

namespace {
int64_t map8(const OnnxTensor& t, int64_t v) {
    if (t.type == ElemType::uint8) return v - 128;
    if (t.type == ElemType::int8) return v;
    throw std::runtime_error("onnx: tensor '" + t.name + "' is not int8/uint8");
}
}  // namespace

Tensor8 to_int8(const OnnxTensor& t, int32_t zero_point) {
    Tensor8 y(to_shape(t.dims), zero_point);
    for (size_t i = 0; i < t.values.size(); ++i)
        y.data[i] = static_cast<int8_t>(map8(t, t.values[i]));
    return y;
}

int32_t to_zero_point(const OnnxTensor& t) {
    if (t.values.size() != 1) throw std::runtime_error("onnx: zero point must be a scalar");
    return static_cast<int32_t>(map8(t, t.values[0]));
}

Tensor32 to_int32(const OnnxTensor& t) {
    if (t.type != ElemType::int32) throw std::runtime_error("onnx: tensor is not int32");
    Tensor32 y(to_shape(t.dims));
    for (size_t i = 0; i < t.values.size(); ++i)
        y.data[i] = static_cast<int32_t>(t.values[i]);
    return y;
}

OnnxNode load_single_node(const std::string& model_path) {
    onnx::ModelProto model;
    if (!model.ParseFromString(read_file(model_path)))
        throw std::runtime_error("onnx: malformed ModelProto in " + model_path);
    if (model.graph().node_size() != 1)
        throw std::runtime_error("onnx: expected a single-node graph in " + model_path);
    const onnx::NodeProto& node = model.graph().node(0);
    OnnxNode out;
    out.op_type = node.op_type();
    for (const auto& in : node.input())
        out.inputs.push_back(in);
    for (const auto& a : node.attribute()) {
        std::vector<int64_t> v;
        if (a.type() == onnx::AttributeProto_AttributeType_INT) v.push_back(a.i());
        if (a.type() == onnx::AttributeProto_AttributeType_INTS)
            for (int64_t x : a.ints())
                v.push_back(x);
        if (!v.empty()) out.int_attrs[a.name()] = v;
    }
    return out;
}

}  // namespace wl::onnx_io
