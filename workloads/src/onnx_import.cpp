// ONNX import (onnx_import.h): parses a ModelProto, lowers its nodes to the
// workload graph's ops (folds, fusions, views), then quantizes: the model's
// own scales where it has them, post-training calibration elsewhere.
#include "workloads/onnx_import.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "onnx/onnx_pb.h"
#include "workloads/onnx_tensor.h"
#include "workloads/reference.h"

namespace wl {

namespace {

namespace oio = onnx_io;
using Dims = std::vector<int64_t>;

// A constant value: an initializer, a Constant node, or one derived from them
// (DequantizeLinear of integers keeps the exact integers and their scales).
struct Const {
    oio::OnnxTensor raw;   // as stored (integer values not mapped)
    std::vector<float> f;  // real values
    bool quantized = false;
    std::vector<int64_t> qz;  // exact: real = es[i] * qz[i], qz = q - zero_point (int8-mapped)
    std::vector<double> es;
    const Dims& dims() const { return raw.dims; }
};

// An ONNX value: an activation (a graph tensor) or a constant.
struct Val {
    int t = -1;
    Dims dims;
    std::shared_ptr<Const> c;
};

// The lowered network before quantization, with what quantization needs.
struct Lowered {
    FloatGraph fg;
    std::vector<std::optional<Quant>> known;             // activations: scales the model fixes
    std::vector<char> exact;                             // constants already integer (i8 / i32)
    std::vector<std::vector<double>> bias_units;         // exact biases: their scale per channel
    std::vector<std::pair<double, double>> fixed_range;  // valid when first <= second
    std::map<int, int32_t> int_input_zp;                 // integer graph inputs: default zp
};

int64_t prod(const Dims& d, size_t from = 0, size_t to = SIZE_MAX) {
    const size_t hi = std::min(to, d.size()), lo = std::min(from, hi);
    return std::accumulate(d.begin() + static_cast<std::ptrdiff_t>(lo),
                           d.begin() + static_cast<std::ptrdiff_t>(hi), int64_t{1},
                           std::multiplies<int64_t>());
}

std::string dims_str(const Dims& d) {
    std::string s = "[";
    for (size_t i = 0; i < d.size(); ++i)
        s += (i ? "," : "") + std::to_string(d[i]);
    return s + "]";
}

// The graph's layout for an ONNX shape (graph.h): 4-D NCHW as is, a vector
// [1,N] / [N] as {1,N,1,1}, a matrix [M,N] or a sequence [T,1,N] / [1,T,N] as
// {1,1,M,N}; leading 1s beyond 4 dims are dropped.
Shape natural(Dims d) {
    while (d.size() > 4 && d.front() == 1)
        d.erase(d.begin());
    switch (d.size()) {
        case 0:
            return Shape{1, 1, 1, 1};
        case 1:
            return Shape{1, d[0], 1, 1};
        case 2:
            return d[0] == 1 ? Shape{1, d[1], 1, 1} : Shape{1, 1, d[0], d[1]};
        case 3:
            if (d[1] == 1) return Shape{1, 1, d[0], d[2]};
            if (d[0] == 1) return Shape{1, 1, d[1], d[2]};
            return Shape{1, d[0], d[1], d[2]};
        default:
            return Shape{d[0], d[1], d[2], d[3]};
    }
}

class Importer {
  public:
    Importer(std::string path, const OnnxImportOptions& opt) : path_(std::move(path)), opt_(opt) {}
    Lowered run();

  private:
    [[noreturn]] void fail_file(const std::string& what) const {
        throw OnnxImportError("onnx: '" + path_ + "': " + what);
    }
    [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& what) const {
        throw OnnxImportError("onnx: '" + path_ + "': node '" + node_name(n) + "' (" + n.op_type() +
                              "): " + what);
    }
    std::string node_name(const onnx::NodeProto& n) const {
        return n.name().empty() ? n.op_type() + "#" + std::to_string(node_index_) : n.name();
    }

    void read_model(onnx::ModelProto& model);
    void load_initializers(const onnx::GraphProto& gp);
    void load_inputs(const onnx::GraphProto& gp);
    void lower(const onnx::NodeProto& n);

    // attributes
    const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* name) const {
        for (const auto& a : n.attribute())
            if (a.name() == name) return &a;
        return nullptr;
    }
    int64_t attr_i(const onnx::NodeProto& n, const char* name, int64_t def) const {
        const auto* a = attr(n, name);
        return a ? a->i() : def;
    }
    float attr_f(const onnx::NodeProto& n, const char* name, float def) const {
        const auto* a = attr(n, name);
        return a ? a->f() : def;
    }
    std::string attr_s(const onnx::NodeProto& n, const char* name, const std::string& def) const {
        const auto* a = attr(n, name);
        return a ? a->s() : def;
    }
    Dims attr_ints(const onnx::NodeProto& n, const char* name, Dims def) const {
        const auto* a = attr(n, name);
        return a ? Dims(a->ints().begin(), a->ints().end()) : def;
    }
    // Refuses attributes the lowering does not implement (an opset feature).
    void refuse_attrs(const onnx::NodeProto& n, std::initializer_list<const char*> names) const {
        for (const char* s : names)
            if (attr(n, s)) fail(n, std::string("attribute '") + s + "' is not supported");
    }

    // values
    bool has_in(const onnx::NodeProto& n, int i) const {
        return i < n.input_size() && !n.input(i).empty();
    }
    const Val& val(const onnx::NodeProto& n, int i) const {
        if (!has_in(n, i)) fail(n, "input " + std::to_string(i) + " is missing");
        auto it = vals_.find(n.input(i));
        if (it == vals_.end())
            fail(n, "input '" + n.input(i) +
                        "' is dangling (no earlier node, initializer or graph input "
                        "makes it)");
        return it->second;
    }
    int act(const onnx::NodeProto& n, int i) const {
        const Val& v = val(n, i);
        if (v.t < 0)
            fail(n, "input '" + n.input(i) + "' is a constant where an activation is needed");
        return v.t;
    }
    const Const& cst(const onnx::NodeProto& n, int i) const {
        const Val& v = val(n, i);
        if (!v.c) fail(n, "input '" + n.input(i) + "' must be a constant (an initializer)");
        return *v.c;
    }
    bool is_const(const onnx::NodeProto& n, int i) const { return has_in(n, i) && val(n, i).c; }
    int uses(const std::string& name) const {
        auto it = uses_.find(name);
        return it == uses_.end() ? 0 : it->second;
    }
    void require_unused_outputs(const onnx::NodeProto& n, int from) const {
        for (int i = from; i < n.output_size(); ++i)
            if (!n.output(i).empty() && uses(n.output(i)))
                fail(n, "output " + std::to_string(i) + " '" + n.output(i) +
                            "' is used; only the first output is supported");
    }
    float scalar(const onnx::NodeProto& n, int i) const {
        const Const& c = cst(n, i);
        if (c.f.size() != 1) fail(n, "input '" + n.input(i) + "' must be a scalar");
        return c.f[0];
    }

    // graph building
    void check_elems(const Dims& d, const std::string& what) const;
    int new_tensor(const std::string& name, Shape s, DType dt, bool is_const);
    int add_node(const onnx::NodeProto& n, OpType op, std::vector<int> inputs, Shape out, Attrs a,
                 const std::string& out_name);
    void define_act(const std::string& name, int t, Dims dims) {
        vals_[name] = Val{t, std::move(dims), nullptr};
    }
    void define_const(const std::string& name, Const c) {
        Val v;
        v.dims = c.dims();
        v.c = std::make_shared<Const>(std::move(c));
        vals_[name] = std::move(v);
    }
    // The output of n names the same tensor as `t` (Identity, fused ops, views).
    void alias(const onnx::NodeProto& n, int t, Dims dims) {
        tuses_[static_cast<size_t>(t)] += uses(n.output(0)) - 1;
        define_act(n.output(0), t, std::move(dims));
    }
    int view(const onnx::NodeProto& n, int t, Shape want);
    void set_known(const onnx::NodeProto& n, int t, Quant q);
    // A node whose output tensor is t when t has no other reader; -1 otherwise.
    int sole_producer(int t) const {
        if (tuses_[static_cast<size_t>(t)] != 1) return -1;
        return producer_[static_cast<size_t>(t)];
    }
    Node& node(int i) { return L_.fg.graph.nodes[static_cast<size_t>(i)]; }
    Graph& g() { return L_.fg.graph; }

    // constants
    Const from_tensor(const onnx::TensorProto& p, const std::string& where) const;
    Const dequant(const onnx::NodeProto& n, const Const& q, const Const& scale, const Const* zp,
                  int64_t axis) const;
    int make_weight(const std::string& name, Shape s, const Const& c,
                    const std::vector<size_t>& order);
    int make_bias(const std::string& name, int64_t m, std::vector<float> f, const Const* exact_src,
                  std::vector<double> units);
    void drop_exact(int t);

    // op lowerings
    void window_attrs(const onnx::NodeProto& n, const Dims& x, int64_t kh, int64_t kw, Attrs& a,
                      bool is_pool) const;
    int lower_conv(const onnx::NodeProto& n, int x, const Const& w, const Const* b);
    int lower_fc(const onnx::NodeProto& n, int x, const Dims& xd, const Const& w, bool trans_w,
                 double alpha, const Const* c, double beta, Dims& out_dims);
    void lower_pool(const onnx::NodeProto& n, bool is_max);
    void lower_act(const onnx::NodeProto& n, Act kind, double lo, double hi);
    void lower_binary(const onnx::NodeProto& n, bool is_add);
    void lower_concat(const onnx::NodeProto& n);
    void lower_reshape(const onnx::NodeProto& n, Dims out);
    void lower_bn(const onnx::NodeProto& n);
    void lower_softmax(const onnx::NodeProto& n);
    void lower_rnn(const onnx::NodeProto& n, bool is_lstm);
    void lower_matmul(const onnx::NodeProto& n, int a, const Dims& ad, const Val& b,
                      std::optional<Quant> out_known);
    void fold_scale(const onnx::NodeProto& n, int p, const std::vector<double>& s);
    void fold_shift(const onnx::NodeProto& n, int p, const std::vector<double>& s);

    std::string path_;
    OnnxImportOptions opt_;
    Lowered L_;
    int64_t opset_ = 0;
    int node_index_ = 0;
    std::map<std::string, Val> vals_;
    std::map<std::string, int> uses_;
    std::set<std::string> names_, node_names_;
    std::vector<int> tuses_, producer_;
};

void Importer::read_model(onnx::ModelProto& model) {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0)
        fail_file(std::string("cannot open: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) fail_file("is a directory, not an ONNX file");
    if (!S_ISREG(st.st_mode)) fail_file("is not a regular file");
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > opt_.max_file_bytes)
        fail_file("is " + std::to_string(size) + " bytes, over the limit of " +
                  std::to_string(opt_.max_file_bytes));
    std::ifstream in(path_, std::ios::binary);
    if (!in) fail_file("cannot open for reading");
    std::string bytes(static_cast<size_t>(size), '\0');
    in.read(&bytes[0], static_cast<std::streamsize>(size));
    if (static_cast<std::uint64_t>(in.gcount()) != size) fail_file("short read");
    if (size == 0) fail_file("is empty");
    if (!model.ParseFromString(bytes)) fail_file("malformed or truncated ModelProto");
    // opset_import is serialized after the graph: a file cut after the graph
    // parses but has none.
    for (const auto& o : model.opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
    if (!model.has_graph() || model.graph().node_size() == 0)
        fail_file("has no graph nodes (truncated or not a model)");
    if (opset_ <= 0) fail_file("has no default-domain opset_import (truncated or not a model)");
}

Const Importer::from_tensor(const onnx::TensorProto& p, const std::string& where) const {
    Const c;
    try {
        c.raw = oio::from_proto(p, "'" + path_ + "': " + where);
    } catch (const std::runtime_error& e) {
        throw OnnxImportError(e.what());
    }
    // An empty initializer is legal ONNX (refused only where it is used).
    if (std::find(c.raw.dims.begin(), c.raw.dims.end(), 0) == c.raw.dims.end())
        check_elems(c.raw.dims, where);
    if (c.raw.type == oio::ElemType::float32)
        c.f = c.raw.floats;
    else
        c.f.assign(c.raw.values.begin(), c.raw.values.end());
    return c;
}

void Importer::check_elems(const Dims& d, const std::string& what) const {
    int64_t n = 1;
    for (int64_t e : d) {
        if (e < 1) fail_file(what + " has dimension " + std::to_string(e) + " in " + dims_str(d));
        if (n > opt_.max_tensor_elems / e)
            fail_file(what + " " + dims_str(d) + " has over " +
                      std::to_string(opt_.max_tensor_elems) + " elements");
        n *= e;
    }
}

int Importer::new_tensor(const std::string& base, Shape s, DType dt, bool is_const) {
    std::string name = base.empty() ? "t" : base;
    for (int k = 1; names_.count(name); ++k)
        name = base + "_" + std::to_string(k);
    names_.insert(name);
    TensorDef t;
    t.name = name;
    t.shape = s;
    t.dtype = dt;
    t.is_const = is_const;
    g().tensors.push_back(std::move(t));
    L_.fg.consts.emplace_back();
    L_.known.emplace_back();
    L_.exact.push_back(0);
    L_.bias_units.emplace_back();
    L_.fixed_range.emplace_back(1.0, 0.0);
    tuses_.push_back(0);
    producer_.push_back(-1);
    return static_cast<int>(g().tensors.size()) - 1;
}

int Importer::add_node(const onnx::NodeProto& n, OpType op, std::vector<int> inputs, Shape out,
                       Attrs a, const std::string& out_name) {
    check_elems({out.n, out.c, out.h, out.w}, "output '" + out_name + "'");
    const int t = new_tensor(out_name, out, DType::int8, false);
    tuses_[static_cast<size_t>(t)] = uses(out_name);
    Node nd;
    nd.name = node_name(n);
    for (int k = 1; node_names_.count(nd.name); ++k)
        nd.name = node_name(n) + "_" + std::to_string(k);
    node_names_.insert(nd.name);
    nd.op = op;
    nd.inputs = std::move(inputs);
    nd.outputs = {t};
    nd.attrs = a;
    g().nodes.push_back(std::move(nd));
    producer_[static_cast<size_t>(t)] = static_cast<int>(g().nodes.size()) - 1;
    return t;
}

int Importer::view(const onnx::NodeProto& n, int t, Shape want) {
    if (g().tensors[static_cast<size_t>(t)].shape == want) return t;
    Attrs a;
    a.shape = want;
    const std::string base = g().tensors[static_cast<size_t>(t)].name + "_view";
    const int v = add_node(n, OpType::reshape, {t}, want, a, base);
    tuses_[static_cast<size_t>(v)] = 1;
    return v;
}

void Importer::set_known(const onnx::NodeProto& n, int t, Quant q) {
    if (!(std::isfinite(q.scale) && q.scale > 0)) fail(n, "scale must be positive and finite");
    if (q.zero_point < -128 || q.zero_point > 127) fail(n, "zero point outside 8 bits");
    auto& k = L_.known[static_cast<size_t>(t)];
    if (k && (k->zero_point != q.zero_point ||
              std::fabs(k->scale - q.scale) > 1e-6 * std::max(k->scale, q.scale)))
        fail(n, "tensor '" + g().tensors[static_cast<size_t>(t)].name + "' has scale " +
                    std::to_string(k->scale) + ", zero point " + std::to_string(k->zero_point) +
                    " already; requantizing to scale " + std::to_string(q.scale) + ", zero point " +
                    std::to_string(q.zero_point) + " is not supported");
    k = q;
}

// Integer values of a zero-point tensor, mapped to int8 like the data.
std::vector<int64_t> zero_points(const Const& zp) {
    if (zp.raw.type == oio::ElemType::int32) return zp.raw.values;
    const Tensor8 m = oio::to_int8(zp.raw, 0);
    return std::vector<int64_t>(m.data.begin(), m.data.end());
}

Const Importer::dequant(const onnx::NodeProto& n, const Const& q, const Const& scale,
                        const Const* zp, int64_t axis) const {
    if (q.quantized) return q;  // QuantizeLinear of a constant, then DequantizeLinear
    if (q.raw.type == oio::ElemType::float32 || q.raw.type == oio::ElemType::int64)
        fail(n, "quantized constant must be int8, uint8 or int32");
    std::vector<int64_t> qv = q.raw.values;
    if (q.raw.type != oio::ElemType::int32) {
        const Tensor8 m = oio::to_int8(q.raw, 0);
        qv.assign(m.data.begin(), m.data.end());
    }
    const Dims& d = q.dims();
    const std::vector<int64_t> zv =
        zp ? zero_points(*zp) : std::vector<int64_t>{q.raw.type == oio::ElemType::uint8 ? -128 : 0};
    const size_t nch = std::max(scale.f.size(), zv.size());
    if (nch == 0 || scale.f.empty() || zv.empty()) fail(n, "scale or zero point is empty");
    if (axis < 0) axis += static_cast<int64_t>(d.size());
    int64_t inner = 1;
    if (nch > 1) {
        if (axis < 0 || axis >= static_cast<int64_t>(d.size()) ||
            d[static_cast<size_t>(axis)] != static_cast<int64_t>(nch))
            fail(n, "per-axis scale of " + std::to_string(nch) + " values does not match axis " +
                        std::to_string(axis) + " of " + dims_str(d));
        inner = prod(d, static_cast<size_t>(axis) + 1);
    }
    if ((scale.f.size() != 1 && scale.f.size() != nch) || (zv.size() != 1 && zv.size() != nch))
        fail(n, "scale and zero point sizes differ");
    Const c;
    c.raw = q.raw;
    c.quantized = true;
    c.qz.resize(qv.size());
    c.es.resize(qv.size());
    c.f.resize(qv.size());
    for (size_t i = 0; i < qv.size(); ++i) {
        const size_t ch = nch > 1 ? (i / static_cast<size_t>(inner)) % nch : 0;
        const double s = scale.f[scale.f.size() > 1 ? ch : 0];
        if (!(std::isfinite(s) && s > 0)) fail(n, "scale must be positive and finite");
        c.qz[i] = qv[i] - zv[zv.size() > 1 ? ch : 0];
        c.es[i] = s;
        c.f[i] = static_cast<float>(s * static_cast<double>(c.qz[i]));
    }
    return c;
}

// A constant weight tensor of shape s whose flat element j is c's element
// order[j] (identity when order is empty). Integers the model gives stay
// exact when each output channel (s.n; one for matrices) has one scale and
// they fit int8; otherwise the real values are quantized later.
int Importer::make_weight(const std::string& name, Shape s, const Const& c,
                          const std::vector<size_t>& order) {
    const int t = new_tensor(name, s, DType::int8, true);
    const size_t n = static_cast<size_t>(s.size());
    auto src = [&](size_t j) { return order.empty() ? j : order[j]; };
    std::vector<float>& f = L_.fg.consts[static_cast<size_t>(t)];
    f.resize(n);
    for (size_t j = 0; j < n; ++j)
        f[j] = c.f[src(j)];
    if (!c.quantized) return t;
    const bool matrix = s.n == 1 && s.c == 1;
    const size_t M = matrix ? 1 : static_cast<size_t>(s.n), per = n / M;
    std::vector<double> cs(M);
    TensorDef& td = g().tensors[static_cast<size_t>(t)];
    td.i8.resize(n);
    for (size_t j = 0; j < n; ++j) {
        const int64_t q = c.qz[src(j)];
        const double e = c.es[src(j)];
        if (q < -128 || q > 127) {
            td.i8.clear();
            return t;  // (q - zero point) leaves int8: re-quantized from real values
        }
        if (j % per == 0) cs[j / per] = e;
        if (e != cs[j / per]) {
            td.i8.clear();
            return t;
        }
        td.i8[j] = static_cast<int8_t>(q);
    }
    td.quant.scale = *std::max_element(cs.begin(), cs.end());
    if (std::any_of(cs.begin(), cs.end(), [&](double e) { return e != cs[0]; }))
        td.quant.channel_scales = cs;
    L_.exact[static_cast<size_t>(t)] = 1;
    return t;
}

int Importer::make_bias(const std::string& name, int64_t m, std::vector<float> f,
                        const Const* exact_src, std::vector<double> units) {
    const int t = new_tensor(name, Shape{1, 1, 1, m}, DType::int32, true);
    L_.fg.consts[static_cast<size_t>(t)] = std::move(f);
    if (exact_src && exact_src->quantized) {
        TensorDef& td = g().tensors[static_cast<size_t>(t)];
        for (int64_t q : exact_src->qz) {
            if (q < std::numeric_limits<int32_t>::min() || q > std::numeric_limits<int32_t>::max())
                return t;
        }
        td.i32.assign(exact_src->qz.begin(), exact_src->qz.end());
        L_.bias_units[static_cast<size_t>(t)] = std::move(units);
        L_.exact[static_cast<size_t>(t)] = 1;
    }
    return t;
}

void Importer::drop_exact(int t) {
    TensorDef& td = g().tensors[static_cast<size_t>(t)];
    L_.exact[static_cast<size_t>(t)] = 0;
    td.i8.clear();
    td.i32.clear();
    td.quant = Quant{};
    L_.bias_units[static_cast<size_t>(t)].clear();
}

// pads (top, left, bottom, right) from pads / auto_pad; pools also ceil_mode.
void Importer::window_attrs(const onnx::NodeProto& n, const Dims& x, int64_t kh, int64_t kw,
                            Attrs& a, bool is_pool) const {
    const Dims dil = attr_ints(n, "dilations", {1, 1});
    for (int64_t d : dil)
        if (d != 1) fail(n, "dilations other than 1 are not supported");
    const Dims st = attr_ints(n, "strides", {1, 1});
    if (st.size() != 2 || st[0] < 1 || st[1] < 1) fail(n, "strides must be two values >= 1");
    a.kernel_h = kh;
    a.kernel_w = kw;
    a.stride_h = st[0];
    a.stride_w = st[1];
    const std::string ap = attr_s(n, "auto_pad", "NOTSET");
    const int64_t H = x[2], W = x[3];
    if (ap == "NOTSET") {
        const Dims p = attr_ints(n, "pads", {0, 0, 0, 0});
        if (p.size() != 4) fail(n, "pads must have 4 values");
        for (int64_t v : p)
            if (v < 0) fail(n, "negative pads are not supported");
        a.pad_top = p[0];
        a.pad_left = p[1];
        a.pad_bottom = p[2];
        a.pad_right = p[3];
    } else if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
        auto same = [&](int64_t in, int64_t k, int64_t s, int64_t& lo, int64_t& hi) {
            const int64_t out = (in + s - 1) / s;
            const int64_t total = std::max<int64_t>(0, (out - 1) * s + k - in);
            lo = ap == "SAME_UPPER" ? total / 2 : total - total / 2;
            hi = total - lo;
        };
        same(H, kh, a.stride_h, a.pad_top, a.pad_bottom);
        same(W, kw, a.stride_w, a.pad_left, a.pad_right);
    } else if (ap != "VALID") {
        fail(n, "auto_pad '" + ap + "' is not supported");
    }
    if (H + a.pad_top + a.pad_bottom < kh || W + a.pad_left + a.pad_right < kw)
        fail(n, "window " + std::to_string(kh) + "x" + std::to_string(kw) +
                    " does not fit the input " + dims_str(x));
    if (is_pool && attr_i(n, "ceil_mode", 0)) {
        // ceil_mode: the extra output needs padding at the end (never counted).
        auto extra = [](int64_t in, int64_t k, int64_t s, int64_t lo, int64_t& hi) {
            const int64_t span = in + lo + hi - k;
            if (span % s) hi += s - span % s;
        };
        extra(H, kh, a.stride_h, a.pad_top, a.pad_bottom);
        extra(W, kw, a.stride_w, a.pad_left, a.pad_right);
    }
}

int Importer::lower_conv(const onnx::NodeProto& n, int x, const Const& w, const Const* b) {
    const Dims& xd = val(n, 0).dims;
    if (xd.size() != 4)
        fail(n, "only 2-D convolution (a 4-D input) is supported, input is " + dims_str(xd));
    if (xd[0] != 1)
        fail(n, "batch " + std::to_string(xd[0]) + " is not supported (batch must be 1)");
    const Dims& wd = w.dims();
    if (wd.size() != 4) fail(n, "weight must be 4-D [M, C/group, kH, kW], is " + dims_str(wd));
    const int64_t group = attr_i(n, "group", 1);
    if (group < 1 || xd[1] % group || wd[0] % group || wd[1] * group != xd[1])
        fail(n, "weight " + dims_str(wd) + " does not match input " + dims_str(xd) +
                    " with group " + std::to_string(group));
    const Dims ks = attr_ints(n, "kernel_shape", {wd[2], wd[3]});
    if (ks != Dims{wd[2], wd[3]}) fail(n, "kernel_shape differs from the weight's");
    Attrs a;
    window_attrs(n, xd, wd[2], wd[3], a, false);
    a.groups = group;
    const int64_t M = wd[0];
    const Shape out{1, M, ref::out_extent(xd[2], wd[2], a.stride_h, a.pad_top, a.pad_bottom),
                    ref::out_extent(xd[3], wd[3], a.stride_w, a.pad_left, a.pad_right)};
    const int wt = make_weight(n.input(1), Shape{wd[0], wd[1], wd[2], wd[3]}, w, {});
    std::vector<int> ins{x, wt};
    if (b) {
        if (static_cast<int64_t>(b->f.size()) != M)
            fail(n, "bias has " + std::to_string(b->f.size()) + " values, expects " +
                        std::to_string(M));
        std::vector<double> units(b->es.begin(), b->es.end());
        ins.push_back(
            make_bias(n.input(2).empty() ? n.output(0) + "_bias" : n.input(2), M, b->f, b, units));
    }
    return add_node(n, OpType::conv, ins, out, a, n.output(0));
}

int Importer::lower_fc(const onnx::NodeProto& n, int x, const Dims& xd, const Const& w0,
                       bool trans_w, double alpha, const Const* c, double beta, Dims& out_dims) {
    if (xd.empty()) fail(n, "input is a scalar");
    const int64_t K = xd.back();
    if (prod(xd) != K)
        fail(n, "input " + dims_str(xd) + " must be one row (batch 1) for a constant weight");
    const Dims& wd = w0.dims();
    if (wd.size() != 2 && !(wd.size() > 2 && prod(wd, 0, wd.size() - 2) == 1))
        fail(n, "weight must be 2-D, is " + dims_str(wd));
    const int64_t r = wd[wd.size() - 2], cl = wd[wd.size() - 1];
    const int64_t N = trans_w ? r : cl;
    if ((trans_w ? cl : r) != K)
        fail(n, "weight " + dims_str(wd) + " does not match input " + dims_str(xd));
    Const w = w0;
    if (alpha != 1.0) {
        for (float& v : w.f)
            v = static_cast<float>(v * alpha);
        if (w.quantized && alpha > 0)
            for (double& e : w.es)
                e *= alpha;
        else
            w.quantized = false;
    }
    std::vector<size_t> order(static_cast<size_t>(N * K));
    for (int64_t j = 0; j < N; ++j)
        for (int64_t i = 0; i < K; ++i)
            order[static_cast<size_t>(j * K + i)] =
                static_cast<size_t>(trans_w ? j * K + i : i * N + j);
    const int wt = make_weight(n.input(1), Shape{N, K, 1, 1}, w, order);
    std::vector<int> ins{x, wt};
    if (c) {
        std::vector<float> bf(static_cast<size_t>(N));
        if (c->f.size() != 1 && static_cast<int64_t>(c->f.size()) != N)
            fail(n, "bias must have 1 or " + std::to_string(N) + " values");
        for (int64_t j = 0; j < N; ++j)
            bf[static_cast<size_t>(j)] =
                static_cast<float>(beta * c->f[c->f.size() == 1 ? 0 : static_cast<size_t>(j)]);
        const bool exact = c->quantized && beta == 1.0 && static_cast<int64_t>(c->f.size()) == N;
        ins.push_back(make_bias(n.input(2), N, bf, exact ? c : nullptr,
                                exact ? c->es : std::vector<double>{}));
    }
    out_dims = xd;
    out_dims.back() = N;
    return add_node(n, OpType::fc, ins, Shape{1, N, 1, 1}, Attrs{}, n.output(0));
}

void Importer::lower_matmul(const onnx::NodeProto& n, int a, const Dims& ad, const Val& b,
                            std::optional<Quant> out_known) {
    if (ad.size() < 2 || prod(ad, 0, ad.size() - 2) != 1)
        fail(n, "operand a " + dims_str(ad) + " must be a matrix (batch 1)");
    const int64_t M = ad[ad.size() - 2], K = ad.back();
    const Dims& bd = b.dims;
    if (bd.size() < 2 || prod(bd, 0, bd.size() - 2) != 1)
        fail(n, "operand b " + dims_str(bd) + " must be a matrix");
    if (bd[bd.size() - 2] != K)
        fail(n, "operands " + dims_str(ad) + " and " + dims_str(bd) + " do not chain");
    const int64_t N = bd.back();
    Dims od{M, N};
    int y;
    if (b.c && M == 1) {
        y = lower_fc(n, a, Dims{1, K}, *b.c, false, 1.0, nullptr, 1.0, od);
        od = {M, N};
    } else {
        const int bt = b.c ? make_weight(n.input(1), Shape{1, 1, K, N}, *b.c, {})
                           : view(n, b.t, Shape{1, 1, K, N});
        y = add_node(n, OpType::matmul, {view(n, a, Shape{1, 1, M, K}), bt}, Shape{1, 1, M, N},
                     Attrs{}, n.output(0));
    }
    if (out_known) set_known(n, y, *out_known);
    define_act(n.output(0), y, od);
}

void Importer::lower_pool(const onnx::NodeProto& n, bool is_max) {
    const int x = act(n, 0);
    const Dims xd = val(n, 0).dims;
    if (xd.size() != 4 || xd[0] != 1)
        fail(n, "input must be [1,C,H,W] (2-D pool, batch 1), is " + dims_str(xd));
    require_unused_outputs(n, 1);
    if (attr_i(n, "storage_order", 0)) fail(n, "storage_order 1 is not supported");
    const Dims ks = attr_ints(n, "kernel_shape", {});
    if (ks.size() != 2 || ks[0] < 1 || ks[1] < 1) fail(n, "kernel_shape must be two values >= 1");
    Attrs a;
    window_attrs(n, xd, ks[0], ks[1], a, true);
    if (!is_max && attr_i(n, "count_include_pad", 0) &&
        (a.pad_top || a.pad_left || a.pad_bottom || a.pad_right))
        fail(n, "count_include_pad 1 with padding is not supported");
    if (a.pad_top >= ks[0] || a.pad_bottom >= ks[0] || a.pad_left >= ks[1] || a.pad_right >= ks[1])
        fail(n, "padding must be smaller than the window");
    const Shape out{1, xd[1], ref::out_extent(xd[2], ks[0], a.stride_h, a.pad_top, a.pad_bottom),
                    ref::out_extent(xd[3], ks[1], a.stride_w, a.pad_left, a.pad_right)};
    const int y = add_node(n, is_max ? OpType::maxpool : OpType::avgpool, {x}, out, a, n.output(0));
    define_act(n.output(0), y, {1, out.c, out.h, out.w});
}

// Relu / Clip: fused into the conv, fc or add before it when nothing else
// reads that output; otherwise an op of its own.
void Importer::lower_act(const onnx::NodeProto& n, Act kind, double lo, double hi) {
    const int x = act(n, 0);
    const Dims xd = val(n, 0).dims;
    const int p = sole_producer(x);
    if (kind != Act::none && p >= 0 && node(p).attrs.act == Act::none) {
        const OpType op = node(p).op;
        if (op == OpType::conv || op == OpType::fc || (op == OpType::add && kind == Act::relu)) {
            node(p).attrs.act = kind;
            alias(n, x, xd);
            return;
        }
    }
    Attrs a;
    OpType op = OpType::relu;
    if (kind != Act::relu) {
        op = OpType::clip;
        a.clip_min = lo;
        a.clip_max = hi;
    }
    const int y = add_node(n, op, {x}, g().tensors[static_cast<size_t>(x)].shape, a, n.output(0));
    define_act(n.output(0), y, xd);
}

void Importer::fold_scale(const onnx::NodeProto& n, int p, const std::vector<double>& s) {
    Node& nd = node(p);
    const int w = nd.inputs[1];
    TensorDef& wt = g().tensors[static_cast<size_t>(w)];
    const size_t M = static_cast<size_t>(wt.shape.n);
    if (s.size() != M) fail(n, "needs " + std::to_string(M) + " per-channel values");
    std::vector<float>& wf = L_.fg.consts[static_cast<size_t>(w)];
    const size_t per = wf.size() / M;
    for (size_t j = 0; j < wf.size(); ++j)
        wf[j] = static_cast<float>(wf[j] * s[j / per]);
    const bool positive = std::all_of(s.begin(), s.end(), [](double v) { return v > 0; });
    if (L_.exact[static_cast<size_t>(w)]) {
        if (positive) {
            std::vector<double> cs = wt.quant.channel_scales;
            if (cs.empty()) cs.assign(M, wt.quant.scale);
            for (size_t m = 0; m < M; ++m)
                cs[m] *= s[m];
            wt.quant.scale = *std::max_element(cs.begin(), cs.end());
            wt.quant.channel_scales = cs;
        } else {
            drop_exact(w);
        }
    }
    if (nd.inputs.size() > 2 && nd.inputs[2] >= 0) {
        const int b = nd.inputs[2];
        std::vector<float>& bf = L_.fg.consts[static_cast<size_t>(b)];
        for (size_t m = 0; m < M; ++m)
            bf[m] = static_cast<float>(bf[m] * s[m]);
        auto& units = L_.bias_units[static_cast<size_t>(b)];
        if (L_.exact[static_cast<size_t>(b)] && positive && units.size() == M)
            for (size_t m = 0; m < M; ++m)
                units[m] *= s[m];
        else if (L_.exact[static_cast<size_t>(b)])
            drop_exact(b);
    }
}

void Importer::fold_shift(const onnx::NodeProto& n, int p, const std::vector<double>& s) {
    Node& nd = node(p);
    const int64_t M = g().tensors[static_cast<size_t>(nd.inputs[1])].shape.n;
    if (static_cast<int64_t>(s.size()) != M)
        fail(n, "needs " + std::to_string(M) + " per-channel values");
    if (nd.inputs.size() < 3 || nd.inputs[2] < 0) {
        const int b = make_bias(nd.name + "_bias", M,
                                std::vector<float>(static_cast<size_t>(M), 0.0f), nullptr, {});
        nd.inputs.resize(3);
        nd.inputs[2] = b;
    }
    const int b = nd.inputs[2];
    std::vector<float>& bf = L_.fg.consts[static_cast<size_t>(b)];
    for (int64_t m = 0; m < M; ++m)
        bf[static_cast<size_t>(m)] =
            static_cast<float>(bf[static_cast<size_t>(m)] + s[static_cast<size_t>(m)]);
    if (std::any_of(s.begin(), s.end(), [](double v) { return v != 0; })) drop_exact(b);
}

// Add / Mul of two activations (same shape), or of a constant folded into the
// conv / fc before it (a per-channel bias or scale).
void Importer::lower_binary(const onnx::NodeProto& n, bool is_add) {
    const bool c0 = is_const(n, 0), c1 = is_const(n, 1);
    if (c0 && c1) fail(n, "both operands are constants");
    if (!c0 && !c1) {
        const int a = act(n, 0), b = act(n, 1);
        const Dims ad = val(n, 0).dims, bd = val(n, 1).dims;
        if (prod(ad) != prod(bd) || natural(ad) != natural(bd))
            fail(n, "operands " + dims_str(ad) + " and " + dims_str(bd) +
                        " differ in shape (broadcasting is not supported)");
        const Shape s = g().tensors[static_cast<size_t>(a)].shape;
        const int y = add_node(n, is_add ? OpType::add : OpType::mul, {a, view(n, b, s)}, s,
                               Attrs{}, n.output(0));
        define_act(n.output(0), y, ad);
        return;
    }
    const int ai = c0 ? 1 : 0;
    const int x = act(n, ai);
    const Dims xd = val(n, ai).dims;
    const Const& c = cst(n, 1 - ai);
    const int p = sole_producer(x);
    if (p < 0 || (node(p).op != OpType::conv && node(p).op != OpType::fc) ||
        node(p).attrs.act != Act::none)
        fail(n, std::string(is_add ? "Add" : "Mul") +
                    " of a constant is only supported right after a Conv / Gemm / "
                    "MatMul that "
                    "nothing else reads");
    const int64_t M = g().tensors[static_cast<size_t>(node(p).inputs[1])].shape.n;
    // The constant must broadcast along the channel axis only.
    const Dims& cd = c.dims();
    const int64_t cn = prod(cd);
    bool per_channel = cn == 1;
    if (cn == M && !cd.empty()) {
        const size_t ch_axis_from_end = (node(p).op == OpType::conv) ? 3 : 1;
        per_channel = cd.size() >= ch_axis_from_end && cd[cd.size() - ch_axis_from_end] == M &&
                      cd.size() <= xd.size();
    }
    if (!per_channel)
        fail(n, "constant " + dims_str(cd) + " is neither a scalar nor one value per channel");
    std::vector<double> s(static_cast<size_t>(M));
    for (int64_t m = 0; m < M; ++m)
        s[static_cast<size_t>(m)] = c.f[cn == 1 ? 0 : static_cast<size_t>(m)];
    if (is_add)
        fold_shift(n, p, s);
    else
        fold_scale(n, p, s);
    alias(n, x, xd);
}

void Importer::lower_concat(const onnx::NodeProto& n) {
    if (!attr(n, "axis")) fail(n, "axis attribute is required");
    const Dims d0 = val(n, 0).dims;
    const int64_t rank = static_cast<int64_t>(d0.size());
    int64_t axis = attr_i(n, "axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) fail(n, "axis out of range for " + dims_str(d0));
    const size_t ax = static_cast<size_t>(axis);
    Dims od = d0;
    od[ax] = 0;
    for (int i = 0; i < n.input_size(); ++i) {
        const Dims di = val(n, i).dims;
        Dims a = di, b = d0;
        if (a.size() != d0.size()) fail(n, "inputs differ in rank");
        a[ax] = b[ax] = 0;
        if (a != b)
            fail(n,
                 "input " + dims_str(di) + " does not match " + dims_str(d0) + " outside the axis");
        od[ax] += di[ax];
    }
    if (prod(od, 0, ax) != 1)
        fail(n, "concat along axis " + std::to_string(axis) + " of " + dims_str(d0) +
                    " is not supported (batch 1: channels or rows)");
    const int64_t inner = prod(od, ax + 1);
    const Shape on = natural(od);
    Attrs a;
    std::function<Shape(int64_t)> part;
    if (rank == 4) {
        a.axis = 1;
        part = [&](int64_t k) { return Shape{1, k, od[2], od[3]}; };
    } else if (on.c == 1 && on.w == inner && on.h == od[ax]) {
        a.axis = 2;
        part = [&](int64_t k) { return Shape{1, 1, k, inner}; };
    } else {
        a.axis = 1;
        part = [&](int64_t k) { return Shape{1, k, 1, inner}; };
    }
    std::vector<int> ins;
    for (int i = 0; i < n.input_size(); ++i)
        ins.push_back(view(n, act(n, i), part(val(n, i).dims[ax])));
    const int y = add_node(n, OpType::concat, ins, part(od[ax]), a, n.output(0));
    define_act(n.output(0), y, od);
}

void Importer::lower_reshape(const onnx::NodeProto& n, Dims out) {
    const int x = act(n, 0);
    const Dims xd = val(n, 0).dims;
    check_elems(out, "output '" + n.output(0) + "'");
    if (prod(out) != prod(xd)) fail(n, "cannot reshape " + dims_str(xd) + " to " + dims_str(out));
    const Shape want = natural(out);
    const Shape have = g().tensors[static_cast<size_t>(x)].shape;
    if (want == have) {
        alias(n, x, out);
        return;
    }
    Attrs a;
    a.shape = want;
    const bool flat = want == Shape{1, have.size(), 1, 1};
    const int y = add_node(n, flat ? OpType::flatten : OpType::reshape, {x}, want, a, n.output(0));
    define_act(n.output(0), y, out);
}

void Importer::lower_bn(const onnx::NodeProto& n) {
    if (attr_i(n, "training_mode", 0)) fail(n, "training_mode 1 is not supported");
    require_unused_outputs(n, 1);
    const int x = act(n, 0);
    const int p = sole_producer(x);
    if (p < 0 || node(p).op != OpType::conv || node(p).attrs.act != Act::none)
        fail(n,
             "is only supported right after a Conv that nothing else reads (it "
             "is folded into it)");
    const Const &sc = cst(n, 1), &be = cst(n, 2), &mean = cst(n, 3), &var = cst(n, 4);
    const size_t M =
        static_cast<size_t>(g().tensors[static_cast<size_t>(node(p).inputs[1])].shape.n);
    for (const Const* c : {&sc, &be, &mean, &var})
        if (c->f.size() != M) fail(n, "parameters must have " + std::to_string(M) + " values");
    const double eps = attr_f(n, "epsilon", 1e-5f);
    std::vector<double> gsc(M), shift(M);
    for (size_t m = 0; m < M; ++m) {
        // float arithmetic: what a float runtime computes (and the tests
        // hand-compute)
        const float gm =
            static_cast<float>(sc.f[m] / std::sqrt(static_cast<double>(var.f[m]) + eps));
        gsc[m] = gm;
        shift[m] = static_cast<double>(be.f[m]) - static_cast<double>(mean.f[m]) * gm;
    }
    fold_scale(n, p, gsc);
    fold_shift(n, p, shift);
    alias(n, x, val(n, 0).dims);
}

void Importer::lower_softmax(const onnx::NodeProto& n) {
    const int x = act(n, 0);
    const Dims xd = val(n, 0).dims;
    const int64_t rank = static_cast<int64_t>(xd.size());
    int64_t axis = attr_i(n, "axis", opset_ < 13 ? 1 : -1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= std::max<int64_t>(rank, 1)) fail(n, "axis out of range");
    const size_t ax = static_cast<size_t>(axis);
    if (opset_ >= 13 && prod(xd, ax + 1) != 1)
        fail(n, "softmax over an axis other than the last is not supported");
    const int64_t cols = prod(xd, ax), rows = prod(xd) / std::max<int64_t>(cols, 1);
    const Shape s = rows == 1 ? Shape{1, cols, 1, 1} : Shape{1, 1, rows, cols};
    const int y = add_node(n, OpType::softmax, {view(n, x, s)}, s, Attrs{}, n.output(0));
    L_.fixed_range[static_cast<size_t>(y)] = {0.0, 1.0};
    define_act(n.output(0), y, xd);
}

void Importer::lower_rnn(const onnx::NodeProto& n, bool is_lstm) {
    const int64_t G = is_lstm ? 4 : 3;
    for (int i = 4; i < n.input_size(); ++i)
        if (has_in(n, i))
            fail(n, "input " + std::to_string(i) + " '" + n.input(i) +
                        "' (sequence_lens, initial state or peepholes) is not supported");
    const std::string dir = attr_s(n, "direction", "forward");
    if (dir != "forward") fail(n, "direction '" + dir + "' is not supported (forward only)");
    refuse_attrs(n, {"clip", "activation_alpha", "activation_beta"});
    if (attr_i(n, "layout", 0)) fail(n, "layout 1 is not supported");
    if (is_lstm && attr_i(n, "input_forget", 0)) fail(n, "input_forget 1 is not supported");
    if (!is_lstm && attr_i(n, "linear_before_reset", 0) != 1)
        fail(n, "linear_before_reset 0 is not supported (the graph's gru uses 1)");
    if (const auto* acts = attr(n, "activations")) {
        const std::vector<std::string> def =
            is_lstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                    : std::vector<std::string>{"Sigmoid", "Tanh"};
        if (std::vector<std::string>(acts->strings().begin(), acts->strings().end()) != def)
            fail(n, "activations other than the defaults are not supported");
    }
    require_unused_outputs(n, 1);
    const int64_t H = attr_i(n, "hidden_size", 0);
    if (H < 1) fail(n, "hidden_size is required");
    const int x = act(n, 0);
    const Dims xd = val(n, 0).dims;
    if (xd.size() != 3) fail(n, "X must be [T, batch, I], is " + dims_str(xd));
    if (xd[1] != 1)
        fail(n, "batch " + std::to_string(xd[1]) + " is not supported (batch must be 1)");
    const int64_t T = xd[0], I = xd[2];
    const Const &W = cst(n, 1), &R = cst(n, 2);
    if (W.dims() != Dims{1, G * H, I})
        fail(n, "W must be " + dims_str({1, G * H, I}) + " (one direction)");
    if (R.dims() != Dims{1, G * H, H}) fail(n, "R must be " + dims_str({1, G * H, H}));
    std::vector<int> ins{view(n, x, Shape{1, 1, T, I}),
                         make_weight(n.input(1), Shape{1, 1, G * H, I}, W, {}),
                         make_weight(n.input(2), Shape{1, 1, G * H, H}, R, {})};
    if (has_in(n, 3)) {
        const Const& B = cst(n, 3);
        if (B.dims() != Dims{1, 2 * G * H}) fail(n, "B must be " + dims_str({1, 2 * G * H}));
        std::vector<float> bf(B.f.begin(), B.f.end());
        if (is_lstm) {  // the graph's lstm bias is Wb + Rb
            bf.resize(static_cast<size_t>(G * H));
            for (size_t j = 0; j < bf.size(); ++j)
                bf[j] = B.f[j] + B.f[j + bf.size()];
        }
        ins.push_back(make_bias(n.input(3), static_cast<int64_t>(bf.size()), bf, nullptr, {}));
    }
    Attrs a;
    a.hidden = H;
    const int y =
        add_node(n, is_lstm ? OpType::lstm : OpType::gru, ins, Shape{1, 1, T, H}, a, n.output(0));
    define_act(n.output(0), y, {T, 1, 1, H});
}

void Importer::lower(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    if (!n.domain().empty() && n.domain() != "ai.onnx")
        fail(n, "unsupported op '" + n.domain() + ":" + op + "'");
    if (n.output_size() < 1 || n.output(0).empty()) fail(n, "has no output");
    const std::string& out = n.output(0);
    auto zp_of = [&](int i, bool u8_default) -> int32_t {
        return has_in(n, i) ? oio::to_zero_point(cst(n, i).raw) : (u8_default ? -128 : 0);
    };
    auto qparams = [&](int si, int zi) {
        Quant q;
        q.scale = scalar(n, si);
        q.zero_point = zp_of(zi, true);
        return q;
    };
    if (op == "Constant") {
        const auto* v = attr(n, "value");
        if (!v || !v->has_t()) fail(n, "only the 'value' tensor form is supported");
        define_const(out, from_tensor(v->t(), "constant '" + out + "'"));
    } else if (op == "Identity" || op == "Dropout") {
        require_unused_outputs(n, 1);
        const Val& v = val(n, 0);
        if (v.c)
            vals_[out] = v;
        else
            alias(n, v.t, v.dims);
    } else if (op == "Cast") {
        if (attr_i(n, "to", 0) != onnx::TensorProto_DataType_FLOAT)
            fail(n,
                 "only Cast to float (after ConvInteger / MatMulInteger) is "
                 "supported");
        const Val& v = val(n, 0);
        if (v.c) fail(n, "Cast of a constant is not supported");
        alias(n, v.t, v.dims);
    } else if (op == "Conv") {
        const int x = act(n, 0);
        const int y = lower_conv(n, x, cst(n, 1), has_in(n, 2) ? &cst(n, 2) : nullptr);
        const Shape s = g().tensors[static_cast<size_t>(y)].shape;
        define_act(out, y, {1, s.c, s.h, s.w});
    } else if (op == "Gemm") {
        if (attr_i(n, "transA", 0)) fail(n, "transA 1 is not supported");
        const int x = act(n, 0);
        Dims od;
        const int y = lower_fc(n, x, val(n, 0).dims, cst(n, 1), attr_i(n, "transB", 0) != 0,
                               attr_f(n, "alpha", 1.0f), has_in(n, 2) ? &cst(n, 2) : nullptr,
                               attr_f(n, "beta", 1.0f), od);
        define_act(out, y, od);
    } else if (op == "MatMul") {
        if (is_const(n, 0)) fail(n, "a constant first operand is not supported");
        lower_matmul(n, act(n, 0), val(n, 0).dims, val(n, 1), std::nullopt);
    } else if (op == "MaxPool" || op == "AveragePool") {
        lower_pool(n, op == "MaxPool");
    } else if (op == "GlobalAveragePool") {
        const int x = act(n, 0);
        const Dims xd = val(n, 0).dims;
        if (xd.size() != 4 || xd[0] != 1) fail(n, "input must be [1,C,H,W], is " + dims_str(xd));
        const int y = add_node(n, OpType::global_avgpool, {x}, Shape{1, xd[1], 1, 1}, Attrs{}, out);
        define_act(out, y, {1, xd[1], 1, 1});
    } else if (op == "Relu") {
        lower_act(n, Act::relu, 0, 0);
    } else if (op == "Clip") {
        const float big = std::numeric_limits<float>::max();
        double lo = opset_ < 11 ? attr_f(n, "min", -big) : (has_in(n, 1) ? scalar(n, 1) : -big);
        double hi = opset_ < 11 ? attr_f(n, "max", big) : (has_in(n, 2) ? scalar(n, 2) : big);
        if (!(lo < hi)) fail(n, "min must be below max");
        const Act a = (lo == 0 && hi == 6)     ? Act::relu6
                      : (lo == 0 && hi >= big) ? Act::relu
                                               : Act::none;
        lower_act(n, a, lo, hi);
    } else if (op == "Sigmoid" || op == "Tanh") {
        const int x = act(n, 0);
        const bool sig = op == "Sigmoid";
        const int y = add_node(n, sig ? OpType::sigmoid : OpType::tanh, {x},
                               g().tensors[static_cast<size_t>(x)].shape, Attrs{}, out);
        L_.fixed_range[static_cast<size_t>(y)] = {sig ? 0.0 : -1.0, 1.0};
        define_act(out, y, val(n, 0).dims);
    } else if (op == "Add" || op == "Mul") {
        lower_binary(n, op == "Add");
    } else if (op == "Concat") {
        lower_concat(n);
    } else if (op == "Flatten") {
        const Dims xd = val(n, 0).dims;
        int64_t axis = attr_i(n, "axis", 1);
        if (axis < 0) axis += static_cast<int64_t>(xd.size());
        if (axis < 0 || axis > static_cast<int64_t>(xd.size())) fail(n, "axis out of range");
        const int64_t outer = prod(xd, 0, static_cast<size_t>(axis));
        if (outer != 1 && axis != 0)
            fail(n, "batch " + std::to_string(outer) + " is not supported (batch must be 1)");
        lower_reshape(n, {1, prod(xd) / std::max<int64_t>(outer, 1) * (axis == 0 ? 1 : 1)});
    } else if (op == "Reshape") {
        if (attr_i(n, "allowzero", 0)) fail(n, "allowzero 1 is not supported");
        const Dims xd = val(n, 0).dims;
        const Const& sc = cst(n, 1);
        Dims od = sc.raw.values;
        int64_t infer = -1, known = 1;
        for (size_t i = 0; i < od.size(); ++i) {
            if (od[i] == 0) {
                if (i >= xd.size()) fail(n, "shape copies a dimension the input lacks");
                od[i] = xd[i];
            }
            if (od[i] == -1) {
                if (infer >= 0) fail(n, "shape has two -1 entries");
                infer = static_cast<int64_t>(i);
            } else if (od[i] < 1) {
                fail(n, "shape has a dimension " + std::to_string(od[i]));
            } else if (known > (int64_t{1} << 40) / od[i]) {
                fail(n, "shape " + dims_str(sc.raw.values) + " is too large");
            } else {
                known *= od[i];
            }
        }
        if (infer >= 0) {
            if (prod(xd) % known)
                fail(n, "cannot reshape " + dims_str(xd) + " to " + dims_str(sc.raw.values));
            od[static_cast<size_t>(infer)] = prod(xd) / known;
        }
        lower_reshape(n, od);
    } else if (op == "Squeeze" || op == "Unsqueeze") {
        const Dims xd = val(n, 0).dims;
        Dims axes =
            opset_ < 13 ? attr_ints(n, "axes", {}) : (has_in(n, 1) ? cst(n, 1).raw.values : Dims{});
        const bool sq = op == "Squeeze";
        const int64_t rank =
            static_cast<int64_t>(xd.size()) + (sq ? 0 : static_cast<int64_t>(axes.size()));
        for (int64_t& a : axes) {
            if (a < 0) a += rank;
            if (a < 0 || a >= rank) fail(n, "axis out of range");
        }
        Dims od;
        if (sq) {
            for (size_t i = 0; i < xd.size(); ++i) {
                const bool listed =
                    std::count(axes.begin(), axes.end(), static_cast<int64_t>(i)) > 0;
                if (listed && xd[i] != 1)
                    fail(n, "cannot squeeze a dimension of " + std::to_string(xd[i]));
                if (!(listed || (axes.empty() && xd[i] == 1))) od.push_back(xd[i]);
            }
        } else {
            if (axes.empty()) fail(n, "axes are required");
            size_t k = 0;
            for (int64_t i = 0; i < rank; ++i)
                od.push_back(std::count(axes.begin(), axes.end(), i) ? 1 : xd.at(k++));
        }
        lower_reshape(n, od);
    } else if (op == "BatchNormalization") {
        lower_bn(n);
    } else if (op == "LRN") {
        const int x = act(n, 0);
        const Dims xd = val(n, 0).dims;
        if (xd.size() != 4 || xd[0] != 1) fail(n, "input must be [1,C,H,W], is " + dims_str(xd));
        Attrs a;
        a.lrn_size = attr_i(n, "size", 0);
        if (a.lrn_size < 1 || a.lrn_size % 2 == 0) fail(n, "size must be odd and >= 1");
        a.alpha = attr_f(n, "alpha", 1e-4f);
        a.beta = attr_f(n, "beta", 0.75f);
        a.bias = attr_f(n, "bias", 1.0f);
        const int y =
            add_node(n, OpType::lrn, {x}, g().tensors[static_cast<size_t>(x)].shape, a, out);
        define_act(out, y, xd);
    } else if (op == "Softmax") {
        lower_softmax(n);
    } else if (op == "LSTM" || op == "GRU") {
        lower_rnn(n, op == "LSTM");
    } else if (op == "QuantizeLinear") {
        const Val& v = val(n, 0);
        const Quant q = qparams(1, 2);
        if (!v.c) {
            set_known(n, v.t, q);
            alias(n, v.t, v.dims);
        } else {
            Const c;
            c.raw = v.c->raw;
            c.raw.type = oio::ElemType::int8;
            c.quantized = true;
            for (float f : v.c->f) {
                const double qv =
                    std::min(127.0, std::max(-128.0, std::round(f / q.scale) + q.zero_point));
                c.qz.push_back(static_cast<int64_t>(qv) - q.zero_point);
                c.es.push_back(q.scale);
                c.f.push_back(static_cast<float>(q.scale * static_cast<double>(c.qz.back())));
            }
            define_const(out, std::move(c));
        }
    } else if (op == "DequantizeLinear") {
        const Val& v = val(n, 0);
        if (!v.c) {
            Quant q;
            q.scale = scalar(n, 1);
            q.zero_point = has_in(n, 2) ? oio::to_zero_point(cst(n, 2).raw)
                                        : (L_.known[static_cast<size_t>(v.t)]
                                               ? L_.known[static_cast<size_t>(v.t)]->zero_point
                                               : 0);
            set_known(n, v.t, q);
            alias(n, v.t, v.dims);
        } else {
            define_const(out, dequant(n, *v.c, cst(n, 1), has_in(n, 2) ? &cst(n, 2) : nullptr,
                                      attr_i(n, "axis", 1)));
        }
    } else if (op == "QLinearConv") {
        const int x = act(n, 0);
        const Quant qx = qparams(1, 2);
        set_known(n, x, qx);
        const Const w = dequant(n, cst(n, 3), cst(n, 4), has_in(n, 5) ? &cst(n, 5) : nullptr, 0);
        std::optional<Const> b;
        if (has_in(n, 8)) {
            b = cst(n, 8);
            if (b->raw.type != oio::ElemType::int32) fail(n, "bias must be int32");
            const auto& ws = cst(n, 4).f;
            b->quantized = true;
            b->qz = b->raw.values;
            for (size_t m = 0; m < b->qz.size(); ++m) {
                b->es.push_back(qx.scale * ws[ws.size() == 1 ? 0 : m % ws.size()]);
                b->f[m] = static_cast<float>(b->es[m] * static_cast<double>(b->qz[m]));
            }
        }
        // lower_conv reads the weight and bias names from inputs 1 and 2 of a
        // Conv; give it a node with that layout.
        onnx::NodeProto c = n;
        c.clear_input();
        c.add_input(n.input(0));
        c.add_input(n.input(3));
        c.add_input(has_in(n, 8) ? n.input(8) : "");
        const int y = lower_conv(c, x, w, b ? &*b : nullptr);
        set_known(n, y, qparams(6, 7));
        const Shape s = g().tensors[static_cast<size_t>(y)].shape;
        define_act(out, y, {1, s.c, s.h, s.w});
    } else if (op == "QLinearMatMul") {
        const int a = act(n, 0);
        set_known(n, a, qparams(1, 2));
        Val b = val(n, 3);
        if (b.c) {
            const Const& bs = cst(n, 4);
            b.c = std::make_shared<Const>(dequant(n, *b.c, bs, has_in(n, 5) ? &cst(n, 5) : nullptr,
                                                  bs.f.size() > 1 ? -1 : 0));
        } else {
            set_known(n, b.t, qparams(4, 5));
        }
        onnx::NodeProto c = n;
        c.clear_input();
        c.add_input(n.input(0));
        c.add_input(n.input(3));
        lower_matmul(c, a, val(n, 0).dims, b, qparams(6, 7));
    } else if (op == "ConvInteger" || op == "MatMulInteger") {
        // Output real = the raw accumulator: weights get scale 1 / s_x.
        const int x = act(n, 0);
        auto& kx = L_.known[static_cast<size_t>(x)];
        Quant qx;
        qx.scale = kx ? kx->scale : 1.0;
        qx.zero_point =
            has_in(n, 2) ? oio::to_zero_point(cst(n, 2).raw) : (kx ? kx->zero_point : 0);
        set_known(n, x, qx);
        const bool conv = op == "ConvInteger";
        Val b = val(n, 1);
        if (b.c) {
            Const inv;
            inv.f = {static_cast<float>(1.0 / qx.scale)};
            const Const* zp = has_in(n, 3) ? &cst(n, 3) : nullptr;
            const int64_t axis = (zp && zp->f.size() > 1) ? (conv ? 0 : -1) : 0;
            Const w = dequant(n, *b.c, inv, zp, axis);
            // 1/s_x as float would round the scale: keep it exact in double.
            for (size_t i = 0; i < w.es.size(); ++i) {
                w.es[i] = 1.0 / qx.scale;
                w.f[i] = static_cast<float>(w.es[i] * static_cast<double>(w.qz[i]));
            }
            b.c = std::make_shared<Const>(std::move(w));
        } else {
            if (conv) fail(n, "the weight must be a constant");
            if (qx.scale != 1.0) fail(n, "two activation operands with scales are not supported");
            Quant qb;
            qb.zero_point = has_in(n, 3) ? oio::to_zero_point(cst(n, 3).raw) : 0;
            set_known(n, b.t, qb);
        }
        if (conv) {
            onnx::NodeProto c = n;
            c.clear_input();
            c.add_input(n.input(0));
            c.add_input(n.input(1));
            const int y = lower_conv(c, x, *b.c, nullptr);
            const Shape s = g().tensors[static_cast<size_t>(y)].shape;
            define_act(out, y, {1, s.c, s.h, s.w});
        } else {
            lower_matmul(n, x, val(n, 0).dims, b, std::nullopt);
        }
    } else {
        fail(n, "unsupported op '" + op + "'");
    }
}

void Importer::load_inputs(const onnx::GraphProto& gp) {
    for (const auto& vi : gp.input()) {
        if (vals_.count(vi.name())) continue;  // an initializer (IR < 4 lists them as inputs)
        if (!vi.type().has_tensor_type()) fail_file("input '" + vi.name() + "' is not a tensor");
        const auto& tt = vi.type().tensor_type();
        const int et = tt.elem_type();
        if (et != onnx::TensorProto_DataType_FLOAT && et != onnx::TensorProto_DataType_UINT8 &&
            et != onnx::TensorProto_DataType_INT8)
            fail_file("input '" + vi.name() + "' has element type " + std::to_string(et) +
                      " (float, uint8 or int8 only)");
        Dims d;
        for (int i = 0; i < tt.shape().dim_size(); ++i) {
            const auto& dim = tt.shape().dim(i);
            if (dim.has_dim_value()) {
                d.push_back(dim.dim_value());
            } else if (i == 0 && tt.shape().dim_size() >= 2) {
                d.push_back(1);  // a symbolic batch: imported as batch 1
            } else {
                fail_file("input '" + vi.name() + "' has a symbolic dimension " +
                          std::to_string(i) + " (only the batch may be symbolic)");
            }
        }
        check_elems(d, "input '" + vi.name() + "'");
        if (d.size() == 4 && d[0] != 1)
            fail_file("input '" + vi.name() + "' has batch " + std::to_string(d[0]) +
                      " (batch must be 1)");
        const int t = new_tensor(vi.name(), natural(d), DType::int8, false);
        tuses_[static_cast<size_t>(t)] = uses(vi.name());
        if (et == onnx::TensorProto_DataType_FLOAT)
            L_.fixed_range[static_cast<size_t>(t)] = {opt_.input_min, opt_.input_max};
        else
            L_.int_input_zp[t] = et == onnx::TensorProto_DataType_UINT8 ? -128 : 0;
        g().inputs.push_back(t);
        define_act(vi.name(), t, d);
    }
}

Lowered Importer::run() {
    onnx::ModelProto model;
    read_model(model);
    const onnx::GraphProto& gp = model.graph();
    g().name = gp.name().empty() ? path_ : gp.name();
    for (const auto& n : gp.node())
        for (const auto& i : n.input())
            ++uses_[i];
    for (const auto& o : gp.output())
        ++uses_[o.name()];
    for (const auto& init : gp.initializer())
        define_const(init.name(), from_tensor(init, "initializer '" + init.name() + "'"));
    load_inputs(gp);
    if (g().inputs.empty()) fail_file("has no graph inputs");
    for (const auto& n : gp.node()) {
        try {
            lower(n);
        } catch (const OnnxImportError&) {
            throw;
        } catch (const std::exception& e) {
            fail(n, e.what());
        }
        ++node_index_;
    }
    if (gp.output_size() == 0) fail_file("has no graph outputs");
    for (int t : g().inputs) {
        auto it = L_.int_input_zp.find(t);
        if (it == L_.int_input_zp.end()) {
            L_.fg.input_range.emplace_back(opt_.input_min, opt_.input_max);
            continue;
        }
        auto& k = L_.known[static_cast<size_t>(t)];
        if (!k) {
            k = Quant{};
            k->zero_point = it->second;
        }
        L_.fg.input_range.emplace_back(k->scale * (-128 - k->zero_point),
                                       k->scale * (127 - k->zero_point));
    }
    for (const auto& o : gp.output()) {
        auto it = vals_.find(o.name());
        if (it == vals_.end())
            fail_file("output '" + o.name() + "' is dangling (nothing produces it)");
        if (it->second.t < 0) fail_file("output '" + o.name() + "' is a constant");
        g().outputs.push_back(it->second.t);
        // A fused or aliased output keeps the model's output name when free.
        TensorDef& t = g().tensors[static_cast<size_t>(it->second.t)];
        if (t.name != o.name() && !names_.count(o.name())) {
            names_.erase(t.name);
            t.name = o.name();
            names_.insert(t.name);
        }
    }
    return std::move(L_);
}

// Asymmetric int8 quantization of a real range (widened to contain 0).
Quant range_quant(double lo, double hi) {
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
    if (hi - lo < 1e-8) hi = lo + 1e-8;
    Quant q;
    q.scale = (hi - lo) / 255.0;
    q.zero_point =
        static_cast<int32_t>(std::min(127.0, std::max(-128.0, std::round(-128.0 - lo / q.scale))));
    return q;
}

struct UnionFind {
    std::vector<int> parent;
    explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
    int find(int x) {
        while (parent[static_cast<size_t>(x)] != x)
            x = parent[static_cast<size_t>(x)] =
                parent[static_cast<size_t>(parent[static_cast<size_t>(x)])];
        return x;
    }
    void unite(int a, int b) { parent[static_cast<size_t>(find(a))] = find(b); }
};

// Symmetric int8 of real values with one scale (max |v| / 127).
double sym_scale(const std::vector<float>& v, size_t from, size_t to) {
    double mx = 0;
    for (size_t i = from; i < to; ++i)
        mx = std::max(mx, std::fabs(static_cast<double>(v[i])));
    return mx > 0 ? mx / 127.0 : 1.0;
}
int8_t sym_q(float v, double s) {
    return static_cast<int8_t>(std::min(127.0, std::max(-127.0, std::round(v / s))));
}
int32_t bias_q(float v, double s) {
    const double q = std::round(static_cast<double>(v) / s);
    return static_cast<int32_t>(std::min(2147483647.0, std::max(-2147483648.0, q)));
}

void quantize_weight(Lowered& L, int w, bool per_channel) {
    TensorDef& t = L.fg.graph.tensors[static_cast<size_t>(w)];
    if (L.exact[static_cast<size_t>(w)]) return;
    const std::vector<float>& f = L.fg.consts[static_cast<size_t>(w)];
    const size_t M = per_channel ? static_cast<size_t>(t.shape.n) : 1, per = f.size() / M;
    t.quant = Quant{};
    t.i8.resize(f.size());
    std::vector<double> cs(M);
    for (size_t m = 0; m < M; ++m) {
        cs[m] = sym_scale(f, m * per, (m + 1) * per);
        for (size_t j = m * per; j < (m + 1) * per; ++j)
            t.i8[j] = sym_q(f[j], cs[m]);
    }
    t.quant.scale = *std::max_element(cs.begin(), cs.end());
    if (per_channel) t.quant.channel_scales = cs;
}

double wscale(const TensorDef& w, size_t m) {
    return w.quant.channel_scales.empty() ? w.quant.scale : w.quant.channel_scales[m];
}

void quantize_bias(Lowered& L, int b, double s_x, const TensorDef& w) {
    TensorDef& t = L.fg.graph.tensors[static_cast<size_t>(b)];
    const std::vector<float>& f = L.fg.consts[static_cast<size_t>(b)];
    const auto& units = L.bias_units[static_cast<size_t>(b)];
    if (L.exact[static_cast<size_t>(b)]) {
        bool same = units.size() == f.size();
        for (size_t m = 0; same && m < f.size(); ++m) {
            const double want = s_x * wscale(w, m);
            same = std::fabs(units[m] - want) <= 1e-6 * want;
        }
        if (same) return;  // the model's integers are in this node's accumulator units
    }
    t.i32.resize(f.size());
    for (size_t m = 0; m < f.size(); ++m)
        t.i32[m] = bias_q(f[m], s_x * wscale(w, m));
}

}  // namespace

FloatGraph import_onnx_float(const std::string& path, const OnnxImportOptions& opt) {
    return Importer(path, opt).run().fg;
}

std::vector<std::vector<std::vector<float>>> calibration_inputs(const FloatGraph& fg,
                                                                const OnnxImportOptions& opt) {
    std::mt19937_64 gen(opt.seed);
    std::vector<std::vector<std::vector<float>>> sets;
    for (int k = 0; k < opt.calibration_inputs; ++k) {
        std::vector<std::vector<float>> in;
        for (int id : fg.graph.inputs) {
            const TensorDef& t = fg.graph.tensor(id);
            const size_t i = in.size();
            const double lo = i < fg.input_range.size() ? fg.input_range[i].first : opt.input_min;
            const double hi = i < fg.input_range.size() ? fg.input_range[i].second : opt.input_max;
            std::vector<float> v(static_cast<size_t>(t.elems()));
            for (float& e : v) {
                const double u = static_cast<double>(gen() >> 11) * 0x1.0p-53;  // [0, 1)
                e = static_cast<float>(lo + (hi - lo) * u);
            }
            in.push_back(std::move(v));
        }
        sets.push_back(std::move(in));
    }
    return sets;
}

Graph import_onnx(const std::string& path, const OnnxImportOptions& opt) {
    Lowered L = Importer(path, opt).run();
    Graph& g = L.fg.graph;
    const size_t nt = g.tensors.size();
    // Calibration: the float reference over synthetic inputs, min / max per
    // tensor.
    std::vector<double> lo(nt, std::numeric_limits<double>::infinity()),
        hi(nt, -std::numeric_limits<double>::infinity());
    bool need = false;
    for (size_t t = 0; t < nt; ++t)
        if (!g.tensors[t].is_const && !L.known[t] &&
            L.fixed_range[t].first > L.fixed_range[t].second)
            need = true;
    if (need) {
        for (const auto& in : calibration_inputs(L.fg, opt)) {
            const auto v = run_float(L.fg, in);
            for (size_t t = 0; t < nt; ++t) {
                if (g.tensors[t].is_const) continue;
                for (float e : v[t]) {
                    lo[t] = std::min(lo[t], static_cast<double>(e));
                    hi[t] = std::max(hi[t], static_cast<double>(e));
                }
            }
        }
    }
    for (size_t t = 0; t < nt; ++t)
        if (L.fixed_range[t].first <= L.fixed_range[t].second) {
            lo[t] = L.fixed_range[t].first;
            hi[t] = L.fixed_range[t].second;
        }
    // Tensors that must share one quantization (graph.h's rules).
    UnionFind uf(nt);
    std::vector<char> concat_out(nt, 0);
    for (const Node& n : g.nodes) {
        const int y = n.outputs[0];
        switch (n.op) {
            case OpType::maxpool:
            case OpType::avgpool:
            case OpType::global_avgpool:
            case OpType::flatten:
            case OpType::reshape:
            case OpType::relu:
            case OpType::lstm:
            case OpType::gru:
                uf.unite(n.inputs[0], y);
                break;
            case OpType::concat:
                concat_out[static_cast<size_t>(y)] = 1;
                for (int x : n.inputs)
                    uf.unite(x, y);
                break;
            default:
                break;
        }
    }
    std::map<int, std::optional<Quant>> gknown;
    std::map<int, std::pair<double, double>> grange;
    for (size_t t = 0; t < nt; ++t) {
        if (g.tensors[t].is_const) continue;
        const int r = uf.find(static_cast<int>(t));
        auto& k = gknown[r];
        if (L.known[t] && (!k || concat_out[t])) k = L.known[t];
        auto& rg = grange.emplace(r, std::make_pair(lo[t], hi[t])).first->second;
        rg.first = std::min(rg.first, lo[t]);
        rg.second = std::max(rg.second, hi[t]);
    }
    for (size_t t = 0; t < nt; ++t) {
        if (g.tensors[t].is_const) continue;
        const int r = uf.find(static_cast<int>(t));
        const auto& k = gknown[r];
        const auto& rg = grange[r];
        g.tensors[t].quant = k ? *k
                               : range_quant(std::isfinite(rg.first) ? rg.first : 0.0,
                                             std::isfinite(rg.second) ? rg.second : 0.0);
    }
    // Constants, node by node (each constant belongs to one node).
    for (const Node& n : g.nodes) {
        const double s_x = g.tensor(n.inputs[0]).quant.scale;
        switch (n.op) {
            case OpType::conv:
            case OpType::fc:
                quantize_weight(L, n.inputs[1], true);
                if (n.inputs.size() > 2 && n.inputs[2] >= 0)
                    quantize_bias(L, n.inputs[2], s_x, g.tensor(n.inputs[1]));
                break;
            case OpType::matmul:
                for (int x : n.inputs)
                    if (g.tensor(x).is_const) quantize_weight(L, x, false);
                break;
            case OpType::lstm:
            case OpType::gru: {
                const int W = n.inputs[1], R = n.inputs[2];
                TensorDef &wt = g.tensors[static_cast<size_t>(W)],
                          &rt = g.tensors[static_cast<size_t>(R)];
                const bool keep = L.exact[static_cast<size_t>(W)] &&
                                  L.exact[static_cast<size_t>(R)] && wt.quant == rt.quant &&
                                  wt.quant.channel_scales.empty();
                if (!keep) {
                    // one scale for [W|R]
                    std::vector<float> both = L.fg.consts[static_cast<size_t>(W)];
                    const auto& rf = L.fg.consts[static_cast<size_t>(R)];
                    both.insert(both.end(), rf.begin(), rf.end());
                    const double s = sym_scale(both, 0, both.size());
                    for (int id : {W, R}) {
                        TensorDef& t = g.tensors[static_cast<size_t>(id)];
                        const auto& f = L.fg.consts[static_cast<size_t>(id)];
                        t.quant = Quant{};
                        t.quant.scale = s;
                        t.i8.resize(f.size());
                        for (size_t j = 0; j < f.size(); ++j)
                            t.i8[j] = sym_q(f[j], s);
                    }
                }
                if (n.inputs.size() > 3 && n.inputs[3] >= 0) {
                    TensorDef& b = g.tensors[static_cast<size_t>(n.inputs[3])];
                    const auto& f = L.fg.consts[static_cast<size_t>(n.inputs[3])];
                    b.i32.resize(f.size());
                    for (size_t j = 0; j < f.size(); ++j)
                        b.i32[j] = bias_q(f[j], s_x * wt.quant.scale);
                }
                break;
            }
            default:
                break;
        }
    }
    try {
        g.infer_shapes();
    } catch (const GraphError& e) {
        throw OnnxImportError("onnx: '" + path + "': imported graph is inconsistent: " + e.what());
    }
    return std::move(g);
}

}  // namespace wl
