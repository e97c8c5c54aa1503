// The workload graph: tensor/node tables, shape inference with the graph's
// consistency checks, and the per-layer cost figures (MACs, weights).
//
// Checks beyond the conventions written in graph.h:
//   - every dimension is in [1, 2^31) and a tensor holds fewer than 2^40
//     elements (an absurd imported shape is an error, not an overflow);
//   - constant data, when present, holds exactly elems() values of the
//     tensor's dtype (a graph built for figures only may omit the data);
//   - int8 activations have a finite scale > 0 and a zero point in
//     [-128, 127]; weights are symmetric (zero point 0) with per-tensor or
//     M per-channel scales;
//   - pool windows lie partly inside the input (each pad < kernel); relu,
//     pools, flatten and reshape keep their input's quantization; concat
//     inputs and output share one.
#include "workloads/graph.h"

#include <cmath>
#include <sstream>

#include "workloads/reference.h"

namespace wl {

const char* to_string(OpType op) {
    switch (op) {
        case OpType::conv:
            return "conv";
        case OpType::fc:
            return "fc";
        case OpType::matmul:
            return "matmul";
        case OpType::maxpool:
            return "maxpool";
        case OpType::avgpool:
            return "avgpool";
        case OpType::global_avgpool:
            return "global_avgpool";
        case OpType::add:
            return "add";
        case OpType::mul:
            return "mul";
        case OpType::concat:
            return "concat";
        case OpType::relu:
            return "relu";
        case OpType::sigmoid:
            return "sigmoid";
        case OpType::tanh:
            return "tanh";
        case OpType::clip:
            return "clip";
        case OpType::softmax:
            return "softmax";
        case OpType::lrn:
            return "lrn";
        case OpType::flatten:
            return "flatten";
        case OpType::reshape:
            return "reshape";
        case OpType::lstm:
            return "lstm";
        case OpType::gru:
            return "gru";
        case OpType::attention:
            return "attention";
    }
    return "?";
}

int Graph::add_tensor(TensorDef t) {
    if (t.name.empty()) throw GraphError("graph '" + name + "': a tensor has no name");
    if (find_tensor(t.name) >= 0)
        throw GraphError("graph '" + name + "': tensor '" + t.name + "' defined twice");
    tensors.push_back(std::move(t));
    return static_cast<int>(tensors.size()) - 1;
}

int Graph::add_node(Node n) {
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size()) - 1;
}

int Graph::find_tensor(const std::string& tname) const {
    for (std::size_t i = 0; i < tensors.size(); ++i)
        if (tensors[i].name == tname) return static_cast<int>(i);
    return -1;
}

const TensorDef& Graph::tensor(int id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= tensors.size())
        throw GraphError("graph '" + name + "': no tensor with id " + std::to_string(id));
    return tensors[static_cast<std::size_t>(id)];
}

TensorDef& Graph::tensor(int id) {
    return const_cast<TensorDef&>(static_cast<const Graph&>(*this).tensor(id));
}

namespace {

constexpr std::int64_t kMaxDim = std::int64_t{1} << 31;
constexpr std::int64_t kMaxElems = std::int64_t{1} << 40;

std::string shape_str(const Shape& s) {
    return s.str();
}

// Checks one node; `fail` throws with the node named.
class NodeChecker {
  public:
    NodeChecker(Graph& g, const Node& n) : g_(g), n_(n) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw GraphError("node '" + n_.name + "' (" + to_string(n_.op) + "): " + what);
    }
    void require(bool ok, const std::string& what) const {
        if (!ok) fail(what);
    }

    // Input arity: between lo and hi inputs, the first `required` present.
    void arity(std::size_t lo, std::size_t hi, std::size_t required) const {
        const std::size_t k = n_.inputs.size();
        if (k < lo || k > hi) {
            std::string want =
                lo == hi ? std::to_string(lo) : std::to_string(lo) + ".." + std::to_string(hi);
            fail("has " + std::to_string(k) + " inputs, expects " + want);
        }
        for (std::size_t i = 0; i < k; ++i)
            if (n_.inputs[i] < 0 && i < required)
                fail("input " + std::to_string(i) + " is required but absent");
    }
    bool present(std::size_t i) const { return i < n_.inputs.size() && n_.inputs[i] >= 0; }
    const TensorDef& in(std::size_t i) const { return g_.tensor(n_.inputs[i]); }

    // An int8 activation (not a constant) with usable quantization.
    const TensorDef& activation(std::size_t i, const char* role) const {
        const TensorDef& t = in(i);
        require(t.dtype == DType::int8, std::string(role) + " '" + t.name + "' is not int8");
        require(!t.is_const, std::string(role) + " '" + t.name + "' is a constant");
        return t;
    }
    // A constant int8 symmetric weight tensor (per tensor or m per-channel scales).
    const TensorDef& weight(std::size_t i, const char* role, std::int64_t m) const {
        const TensorDef& t = in(i);
        require(t.is_const && t.dtype == DType::int8,
                std::string(role) + " '" + t.name + "' must be a constant int8 tensor");
        require(t.quant.zero_point == 0, std::string(role) + " '" + t.name + "' has zero point " +
                                             std::to_string(t.quant.zero_point) +
                                             " (weights are symmetric)");
        require(std::isfinite(t.quant.scale) && t.quant.scale > 0,
                std::string(role) + " '" + t.name + "' has no positive scale");
        const std::size_t cs = t.quant.channel_scales.size();
        require(cs == 0 || static_cast<std::int64_t>(cs) == m,
                std::string(role) + " '" + t.name + "' has " + std::to_string(cs) +
                    " channel scales, expects " + std::to_string(m));
        for (double s : t.quant.channel_scales)
            require(std::isfinite(s) && s > 0,
                    std::string(role) + " '" + t.name + "' has a non-positive channel scale");
        return t;
    }
    // An optional constant int32 bias of n values.
    void bias(std::size_t i, std::int64_t n) const {
        if (!present(i)) return;
        const TensorDef& t = in(i);
        require(t.is_const && t.dtype == DType::int32,
                "bias '" + t.name + "' must be a constant int32 tensor");
        require(t.elems() == n, "bias '" + t.name + "' has " + std::to_string(t.elems()) +
                                    " values, expects " + std::to_string(n));
    }
    void output_quant_is_input(const TensorDef& x) const {
        const TensorDef& y = g_.tensor(n_.outputs[0]);
        require(y.quant == x.quant, "output '" + y.name +
                                        "' must keep the input's quantization (scale " +
                                        std::to_string(x.quant.scale) + ", zero point " +
                                        std::to_string(x.quant.zero_point) + ")");
    }
    void window(const TensorDef& x, bool pool) const {
        const Attrs& a = n_.attrs;
        require(a.kernel_h >= 1 && a.kernel_w >= 1, "kernel must be >= 1");
        require(a.stride_h >= 1 && a.stride_w >= 1, "stride must be >= 1");
        require(a.pad_top >= 0 && a.pad_left >= 0 && a.pad_bottom >= 0 && a.pad_right >= 0,
                "negative padding");
        if (pool)
            require(a.pad_top < a.kernel_h && a.pad_bottom < a.kernel_h &&
                        a.pad_left < a.kernel_w && a.pad_right < a.kernel_w,
                    "padding must be smaller than the window");
        require(x.shape.h + a.pad_top + a.pad_bottom >= a.kernel_h &&
                    x.shape.w + a.pad_left + a.pad_right >= a.kernel_w,
                std::to_string(a.kernel_h) + "x" + std::to_string(a.kernel_w) +
                    " window does not fit input " + shape_str(x.shape) + " with its padding");
    }
    Shape window_out(const TensorDef& x, std::int64_t m) const {
        const Attrs& a = n_.attrs;
        return Shape{1, m,
                     ref::out_extent(x.shape.h, a.kernel_h, a.stride_h, a.pad_top, a.pad_bottom),
                     ref::out_extent(x.shape.w, a.kernel_w, a.stride_w, a.pad_left, a.pad_right)};
    }
    // x must be a matrix/sequence [1,1,rows,cols].
    void matrix(const TensorDef& t, const char* role) const {
        require(t.shape.n == 1 && t.shape.c == 1, std::string(role) + " '" + t.name +
                                                      "' must be a matrix [1,1,rows,cols], is " +
                                                      shape_str(t.shape));
    }
    void weight_shape(const TensorDef& t, const char* role, Shape want) const {
        require(t.shape == want, std::string(role) + " '" + t.name + "' has shape " +
                                     shape_str(t.shape) + ", expects " + shape_str(want));
    }

    Shape infer();

  private:
    Graph& g_;
    const Node& n_;
};

Shape NodeChecker::infer() {
    const Attrs& a = n_.attrs;
    switch (n_.op) {
        case OpType::conv: {
            arity(2, 3, 2);
            const TensorDef& x = activation(0, "input");
            require(x.shape.n == 1, "batch must be 1");
            const std::int64_t M = in(1).shape.n, C = x.shape.c;
            const TensorDef& w = weight(1, "weight", M);
            require(a.groups >= 1 && C % a.groups == 0 && M % a.groups == 0,
                    "groups " + std::to_string(a.groups) + " must divide C " + std::to_string(C) +
                        " and M " + std::to_string(M));
            require(w.shape.c == C / a.groups,
                    "weight '" + w.name + "' has " + std::to_string(w.shape.c) +
                        " input channels, x has " + std::to_string(C) +
                        (a.groups > 1 ? " (groups " + std::to_string(a.groups) + ")" : ""));
            require(w.shape.h == a.kernel_h && w.shape.w == a.kernel_w,
                    "weight '" + w.name + "' is " + std::to_string(w.shape.h) + "x" +
                        std::to_string(w.shape.w) + ", kernel attribute is " +
                        std::to_string(a.kernel_h) + "x" + std::to_string(a.kernel_w));
            bias(2, M);
            window(x, false);
            return window_out(x, M);
        }
        case OpType::fc: {
            arity(2, 3, 2);
            const TensorDef& x = activation(0, "input");
            const TensorDef& w = in(1);
            weight(1, "weight", w.shape.n);
            require(w.shape.h == 1 && w.shape.w == 1,
                    "weight '" + w.name + "' must be [M,K,1,1], is " + shape_str(w.shape));
            const std::int64_t M = w.shape.n, K = w.shape.c;
            bias(2, M);
            if (x.shape.n == 1 && x.shape.c * x.shape.h * x.shape.w == K) return Shape{1, M, 1, 1};
            require(x.shape.n == 1 && x.shape.c == K,
                    "weight '" + w.name + "' has K = " + std::to_string(K) + ", input " +
                        shape_str(x.shape) + " has neither K elements nor K channels");
            return Shape{1, M, x.shape.h, x.shape.w};
        }
        case OpType::matmul: {
            arity(2, 2, 2);
            const TensorDef& A = in(0);
            const TensorDef& B = in(1);
            require(A.dtype == DType::int8 && B.dtype == DType::int8, "operands must be int8");
            matrix(A, "operand a");
            matrix(B, "operand b");
            require(A.shape.w == B.shape.h, "a is " + shape_str(A.shape) + ", b is " +
                                                shape_str(B.shape) + ": inner dimensions differ");
            return Shape{1, 1, A.shape.h, B.shape.w};
        }
        case OpType::maxpool:
        case OpType::avgpool: {
            arity(1, 1, 1);
            const TensorDef& x = activation(0, "input");
            require(x.shape.n == 1, "batch must be 1");
            window(x, true);
            output_quant_is_input(x);
            return window_out(x, x.shape.c);
        }
        case OpType::global_avgpool: {
            arity(1, 1, 1);
            const TensorDef& x = activation(0, "input");
            require(x.shape.n == 1, "batch must be 1");
            output_quant_is_input(x);
            return Shape{1, x.shape.c, 1, 1};
        }
        case OpType::add:
        case OpType::mul: {
            arity(2, 2, 2);
            const TensorDef& A = activation(0, "operand a");
            const TensorDef& B = activation(1, "operand b");
            require(A.shape == B.shape, "operands differ in shape: " + shape_str(A.shape) +
                                            " and " + shape_str(B.shape));
            require(a.act == Act::none || a.act == Act::relu, "only relu may be fused");
            return A.shape;
        }
        case OpType::concat: {
            require(!n_.inputs.empty(), "has no inputs");
            arity(1, n_.inputs.size(), n_.inputs.size());
            require(a.axis == 1 || a.axis == 2,
                    "axis " + std::to_string(a.axis) + " (channels 1 or matrix rows 2 only)");
            const TensorDef& y = g_.tensor(n_.outputs[0]);
            Shape out = in(0).shape;
            for (std::size_t i = 0; i < n_.inputs.size(); ++i) {
                const TensorDef& x = activation(i, "input");
                require(x.quant == y.quant, "input '" + x.name +
                                                "' is quantized differently from the output "
                                                "(concat inputs and output share one)");
                if (a.axis == 1) {
                    require(x.shape.n == 1 && x.shape.h == out.h && x.shape.w == out.w,
                            "input '" + x.name + "' " + shape_str(x.shape) + " does not match " +
                                shape_str(in(0).shape) + " outside the channel axis");
                    if (i > 0) out.c += x.shape.c;
                } else {
                    matrix(x, "input");
                    require(x.shape.w == out.w, "input '" + x.name + "' has " +
                                                    std::to_string(x.shape.w) + " columns, '" +
                                                    in(0).name + "' has " + std::to_string(out.w));
                    if (i > 0) out.h += x.shape.h;
                }
            }
            return out;
        }
        case OpType::relu: {
            arity(1, 1, 1);
            const TensorDef& x = activation(0, "input");
            output_quant_is_input(x);
            return x.shape;
        }
        case OpType::clip: {
            arity(1, 1, 1);
            require(a.clip_min < a.clip_max, "clip_min must be below clip_max");
            return activation(0, "input").shape;
        }
        case OpType::sigmoid:
        case OpType::tanh:
        case OpType::softmax: {
            arity(1, 1, 1);
            return activation(0, "input").shape;
        }
        case OpType::lrn: {
            arity(1, 1, 1);
            const TensorDef& x = activation(0, "input");
            require(x.shape.n == 1, "batch must be 1");
            require(a.lrn_size >= 1 && a.lrn_size % 2 == 1, "lrn_size must be odd and >= 1");
            require(a.alpha >= 0 && a.beta > 0 && a.bias > 0,
                    "needs alpha >= 0, beta > 0, bias > 0");
            return x.shape;
        }
        case OpType::flatten: {
            arity(1, 1, 1);
            const TensorDef& x = activation(0, "input");
            output_quant_is_input(x);
            return Shape{1, x.shape.c * x.shape.h * x.shape.w * x.shape.n, 1, 1};
        }
        case OpType::reshape: {
            arity(1, 1, 1);
            const TensorDef& x = activation(0, "input");
            output_quant_is_input(x);
            const Shape& s = a.shape;
            require(s.n >= 1 && s.c >= 1 && s.h >= 1 && s.w >= 1,
                    "target shape " + shape_str(s) + " has a dimension below 1");
            require(s.size() == x.shape.size(), "cannot reshape " + shape_str(x.shape) + " (" +
                                                    std::to_string(x.shape.size()) +
                                                    " elements) to " + shape_str(s));
            return s;
        }
        case OpType::lstm:
        case OpType::gru: {
            arity(3, 4, 3);
            const std::int64_t gates = n_.op == OpType::lstm ? 4 : 3;
            const std::int64_t H = a.hidden;
            require(H >= 1, "hidden size must be >= 1");
            const TensorDef& x = activation(0, "input");
            matrix(x, "input");
            const std::int64_t T = x.shape.h, I = x.shape.w;
            const TensorDef& W = weight(1, "W", gates * H);
            const TensorDef& R = weight(2, "R", gates * H);
            weight_shape(W, "W", Shape{1, 1, gates * H, I});
            weight_shape(R, "R", Shape{1, 1, gates * H, H});
            require(W.quant == R.quant && W.quant.channel_scales.empty(),
                    "W and R must share one per-tensor scale");
            bias(3, (n_.op == OpType::lstm ? 4 : 6) * H);
            output_quant_is_input(x);
            return Shape{1, 1, T, H};
        }
        case OpType::attention: {
            require(n_.inputs.size() == 5 || n_.inputs.size() == 9,
                    "has " + std::to_string(n_.inputs.size()) +
                        " inputs, expects 5 (x, Wq, Wk, Wv, Wo) or 9 (with biases)");
            arity(n_.inputs.size(), n_.inputs.size(), 5);
            const TensorDef& x = activation(0, "input");
            matrix(x, "input");
            const std::int64_t T = x.shape.h, D = x.shape.w;
            require(
                a.heads >= 1 && D % a.heads == 0,
                "heads " + std::to_string(a.heads) + " must divide the width " + std::to_string(D));
            static const char* const kW[] = {"Wq", "Wk", "Wv", "Wo"};
            for (std::size_t i = 0; i < 4; ++i) {
                weight_shape(weight(1 + i, kW[i], D), kW[i], Shape{1, 1, D, D});
                bias(5 + i, D);
            }
            return Shape{1, 1, T, D};
        }
    }
    fail("unknown op");
}

void check_tensor(const Graph& g, const TensorDef& t) {
    const Shape& s = t.shape;
    for (std::int64_t d : {s.n, s.c, s.h, s.w})
        if (d < 1 || d >= kMaxDim)
            throw GraphError("graph '" + g.name + "': tensor '" + t.name + "' has shape " +
                             s.str() + " (dimensions must be in [1, 2^31))");
    if (s.n * s.c > kMaxElems / (s.h * s.w) || s.size() >= kMaxElems)
        throw GraphError("graph '" + g.name + "': tensor '" + t.name + "' " + s.str() +
                         " is too large");
    if (t.is_const) {
        const std::size_t have = t.dtype == DType::int8 ? t.i8.size() : t.i32.size();
        if (have != 0 && static_cast<std::int64_t>(have) != t.elems())
            throw GraphError("graph '" + g.name + "': constant '" + t.name + "' has " +
                             std::to_string(have) + " values for shape " + s.str());
    }
    if (!t.is_const && t.dtype == DType::int8) {
        if (!(std::isfinite(t.quant.scale) && t.quant.scale > 0))
            throw GraphError("graph '" + g.name + "': tensor '" + t.name +
                             "' has no positive scale");
        if (t.quant.zero_point < -128 || t.quant.zero_point > 127)
            throw GraphError("graph '" + g.name + "': tensor '" + t.name + "' has zero point " +
                             std::to_string(t.quant.zero_point) + " outside int8");
    }
}

}  // namespace

void Graph::infer_shapes() {
    const std::size_t nt = tensors.size();
    // available[t]: a constant, a graph input, or produced by an earlier node.
    std::vector<char> available(nt, 0), produced(nt, 0);
    for (std::size_t i = 0; i < nt; ++i)
        available[i] = tensors[i].is_const ? 1 : 0;
    for (int id : inputs) {
        const TensorDef& t = tensor(id);
        if (t.is_const || t.dtype != DType::int8)
            throw GraphError("graph '" + name + "': input '" + t.name +
                             "' must be an int8 activation");
        check_tensor(*this, t);
        available[static_cast<std::size_t>(id)] = 1;
    }
    for (const TensorDef& t : tensors)
        if (t.is_const) check_tensor(*this, t);

    for (const Node& n : nodes) {
        NodeChecker c(*this, n);
        if (n.name.empty()) throw GraphError("graph '" + name + "': a node has no name");
        c.require(n.outputs.size() == 1,
                  "has " + std::to_string(n.outputs.size()) + " outputs, expects 1");
        for (int id : n.inputs) {
            if (id < 0) continue;
            if (static_cast<std::size_t>(id) >= nt)
                c.fail("no tensor with id " + std::to_string(id));
            if (!available[static_cast<std::size_t>(id)])
                c.fail("reads '" + tensors[static_cast<std::size_t>(id)].name +
                       "' before any node produces it (nodes must be in topological order)");
        }
        const int out = n.outputs[0];
        if (out < 0 || static_cast<std::size_t>(out) >= nt)
            c.fail("no output tensor with id " + std::to_string(out));
        TensorDef& y = tensors[static_cast<std::size_t>(out)];
        if (y.is_const || available[static_cast<std::size_t>(out)])
            c.fail("output '" + y.name + "' is a constant, a graph input or produced twice");
        if (y.dtype != DType::int8) c.fail("output '" + y.name + "' is not int8");
        const Shape s = c.infer();
        y.shape = s;
        try {
            check_tensor(*this, y);
        } catch (const GraphError& e) {
            c.fail(e.what());
        }
        available[static_cast<std::size_t>(out)] = 1;
        produced[static_cast<std::size_t>(out)] = 1;
    }
    for (int id : outputs) {
        const TensorDef& t = tensor(id);
        if (!available[static_cast<std::size_t>(id)] || t.is_const)
            throw GraphError("graph '" + name + "': output '" + t.name +
                             "' is not produced by any node");
    }
}

std::vector<LayerFigures> layer_figures(const Graph& g) {
    std::vector<LayerFigures> out;
    for (const Node& n : g.nodes) {
        LayerFigures f;
        f.name = n.name;
        f.op = n.op;
        const Attrs& a = n.attrs;
        switch (n.op) {
            case OpType::conv: {
                const Shape& x = g.input_of(n, 0).shape;
                const Shape& w = g.input_of(n, 1).shape;
                const std::int64_t E =
                    ref::out_extent(x.h, a.kernel_h, a.stride_h, a.pad_top, a.pad_bottom);
                const std::int64_t F =
                    ref::out_extent(x.w, a.kernel_w, a.stride_w, a.pad_left, a.pad_right);
                f.weights = w.size();
                f.macs = w.size() * E * F;  // M * C/groups * R * S * E * F
                break;
            }
            case OpType::fc: {
                const Shape& x = g.input_of(n, 0).shape;
                const Shape& w = g.input_of(n, 1).shape;
                const std::int64_t K = w.c;
                const std::int64_t N = x.c * x.h * x.w == K ? 1 : x.h * x.w;  // GEMM columns
                f.weights = w.size();
                f.macs = w.n * K * N;
                break;
            }
            case OpType::matmul: {
                const Shape& A = g.input_of(n, 0).shape;
                const Shape& B = g.input_of(n, 1).shape;
                f.macs = A.h * A.w * B.w;
                break;
            }
            case OpType::lstm:
            case OpType::gru: {
                const std::int64_t gates = n.op == OpType::lstm ? 4 : 3;
                const Shape& x = g.input_of(n, 0).shape;
                const std::int64_t T = x.h, I = x.w, H = a.hidden;
                f.weights = gates * H * (I + H);
                f.macs = T * f.weights;  // per step: [W|R] (gates*H x (I+H)) times [x_t; h]
                break;
            }
            case OpType::attention: {
                const Shape& x = g.input_of(n, 0).shape;
                const std::int64_t T = x.h, D = x.w;
                f.weights = 4 * D * D;
                // Q, K, V, O projections; per head Q K^T (T x dh x T) and P V (T x T x dh).
                f.macs = 4 * T * D * D + 2 * T * T * D;
                break;
            }
            default:
                continue;  // no MACs, no weights
        }
        out.push_back(f);
    }
    return out;
}

Totals totals(const Graph& g) {
    Totals t;
    for (const LayerFigures& f : layer_figures(g)) {
        if (f.op == OpType::conv) {
            t.conv_macs += f.macs;
            t.conv_weights += f.weights;
        } else if (f.op == OpType::fc) {
            t.fc_macs += f.macs;
            t.fc_weights += f.weights;
        } else {
            t.other_macs += f.macs;
            t.other_weights += f.weights;
        }
    }
    return t;
}

}  // namespace wl
