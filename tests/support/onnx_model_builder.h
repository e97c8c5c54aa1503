// Building ONNX models in tests with the onnx protobuf classes (Debian
// libonnx-dev): a model under construction, attribute helpers, deterministic
// values, and small networks shaped like torchvision's. Used by the importer's
// unit tests and by the end-to-end runs of imported models.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace onnx_test {

using Dims = std::vector<int64_t>;

inline std::string temp_path(const std::string& tag) {
    static int counter = 0;
    return ::testing::TempDir() + "onnx_import_" + std::to_string(::getpid()) + "_" + tag + "_" +
           std::to_string(counter++) + ".onnx";
}

// Deterministic test values in [-1, 1).
struct Lcg {
    uint64_t s = 12345;
    float next() {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<float>(static_cast<double>(s >> 11) * 0x1.0p-53 * 2.0 - 1.0);
    }
    std::vector<float> vec(size_t n, float scale = 1.0f) {
        std::vector<float> v(n);
        for (float& e : v)
            e = next() * scale;
        return v;
    }
};

// A model under construction; save() writes it to a temporary file that the
// destructor removes.
struct Model {
    onnx::ModelProto m;
    onnx::GraphProto* g;
    std::vector<std::string> files;

    explicit Model(int opset = 13) {
        m.set_ir_version(8);
        auto* o = m.add_opset_import();
        o->set_domain("");
        o->set_version(opset);
        g = m.mutable_graph();
        g->set_name("test");
    }
    ~Model() {
        for (const auto& f : files)
            std::remove(f.c_str());
    }
    void input(const std::string& name, const Dims& dims, int elem = onnx::TensorProto::FLOAT) {
        auto* vi = g->add_input();
        vi->set_name(name);
        auto* tt = vi->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(elem);
        for (int64_t d : dims)
            tt->mutable_shape()->add_dim()->set_dim_value(d);
    }
    void output(const std::string& name) { g->add_output()->set_name(name); }
    void init(const std::string& name, const Dims& dims, const std::vector<float>& v) {
        auto* t = g->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (int64_t d : dims)
            t->add_dims(d);
        for (float e : v)
            t->add_float_data(e);
    }
    void init_int(const std::string& name, const Dims& dims, const std::vector<int64_t>& v,
                  int type) {
        auto* t = g->add_initializer();
        t->set_name(name);
        t->set_data_type(type);
        for (int64_t d : dims)
            t->add_dims(d);
        for (int64_t e : v) {
            if (type == onnx::TensorProto::INT64)
                t->add_int64_data(e);
            else
                t->add_int32_data(static_cast<int32_t>(e));
        }
    }
    void scalar(const std::string& name, float v) { init(name, {}, {v}); }
    void zp(const std::string& name, int64_t v, int type) { init_int(name, {}, {v}, type); }
    onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& ins,
                          const std::vector<std::string>& outs, const std::string& name = "") {
        auto* n = g->add_node();
        n->set_op_type(op);
        n->set_name(name.empty() ? outs.at(0) + "_node" : name);
        for (const auto& i : ins)
            n->add_input(i);
        for (const auto& o : outs)
            n->add_output(o);
        return n;
    }
    std::string save() {
        files.push_back(temp_path("m"));
        std::ofstream out(files.back(), std::ios::binary);
        m.SerializeToOstream(&out);
        return files.back();
    }
};

inline void ai(onnx::NodeProto* n, const std::string& name, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}
inline void aints(onnx::NodeProto* n, const std::string& name, const Dims& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t e : v)
        a->add_ints(e);
}
inline void af(onnx::NodeProto* n, const std::string& name, float v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
}
inline void as(onnx::NodeProto* n, const std::string& name, const std::string& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
}

// conv/bn/relu, a max pool, a residual block, global average pool, flatten
// and a fc: the shape of a torchvision ResNet, at 3x8x8.
inline void build_resnet_like(Model& md) {
    Lcg r;
    md.input("x", {1, 3, 8, 8});
    auto conv_bn = [&](const std::string& name, const std::string& in, int64_t c, int64_t m,
                       bool relu) {
        md.init(name + ".w", {m, c, 3, 3}, r.vec(static_cast<size_t>(m * c * 9), 0.5f));
        aints(md.node("Conv", {in, name + ".w"}, {name + ".c"}), "pads", {1, 1, 1, 1});
        std::vector<float> var = r.vec(static_cast<size_t>(m), 0.2f);
        for (float& v : var)
            v += 1.0f;
        md.init(name + ".g", {m}, r.vec(static_cast<size_t>(m), 0.3f));
        for (auto& v :
             *md.g->mutable_initializer(md.g->initializer_size() - 1)->mutable_float_data())
            v += 1.0f;
        md.init(name + ".b", {m}, r.vec(static_cast<size_t>(m), 0.1f));
        md.init(name + ".mean", {m}, r.vec(static_cast<size_t>(m), 0.1f));
        md.init(name + ".var", {m}, var);
        md.node("BatchNormalization",
                {name + ".c", name + ".g", name + ".b", name + ".mean", name + ".var"},
                {name + ".bn"});
        if (!relu) return name + ".bn";
        md.node("Relu", {name + ".bn"}, {name + ".r"});
        return name + ".r";
    };
    const std::string c1 = conv_bn("conv1", "x", 3, 4, true);
    auto* mp = md.node("MaxPool", {c1}, {"pool"});
    aints(mp, "kernel_shape", {2, 2});
    aints(mp, "strides", {2, 2});
    const std::string c2 = conv_bn("layer1.conv1", "pool", 4, 4, true);
    const std::string c3 = conv_bn("layer1.conv2", c2, 4, 4, false);
    md.node("Add", {c3, "pool"}, {"sum"});
    md.node("Relu", {"sum"}, {"block"});
    md.node("GlobalAveragePool", {"block"}, {"gap"});
    md.node("Flatten", {"gap"}, {"flat"});
    md.init("fc.w", {10, 4}, r.vec(40, 0.5f));
    md.init("fc.b", {10}, r.vec(10, 0.1f));
    ai(md.node("Gemm", {"flat", "fc.w", "fc.b"}, {"logits"}), "transB", 1);
    md.output("logits");
}

}  // namespace onnx_test
