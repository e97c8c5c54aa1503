// The graph reference executor; see executor.h for what each node computes.
#include "workloads/executor.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "npu_abi/arith.h"
#include "npu_abi/cpu_ops.h"
#include "workloads/quant_params.h"
#include "workloads/reference.h"
#include "workloads/rnn_ref.h"
#include "workloads/zoo.h"

namespace wl {

namespace {

[[noreturn]] void fail(const Node& n, const std::string& what) {
    throw GraphError("node '" + n.name + "' (" + to_string(n.op) + "): " + what);
}

bool is_sequence_op(OpType op) {
    return op == OpType::lstm || op == OpType::gru || op == OpType::attention;
}

// Requantizes accumulators [1,M,E,F] per output channel, then the activation.
Tensor8 requant_channels(const Tensor32& acc, const ChannelRequant& rq, const ActParams& act,
                         std::int32_t zp_y) {
    Tensor8 y(acc.shape, zp_y);
    const std::int64_t plane = acc.shape.h * acc.shape.w;
    for (std::size_t i = 0; i < acc.data.size(); ++i) {
        const ref::Requant& q = rq.at(static_cast<std::int64_t>(i) / plane % acc.shape.c);
        y.data[i] = apply_act(act, npu_requantize(acc.data[i], q.mult, q.shift, q.zp));
    }
    return y;
}

Tensor8 apply_act_all(Tensor8 y, const ActParams& act) {
    if (act.kind == ActKind::none) return y;
    for (std::int8_t& v : y.data)
        v = apply_act(act, v);
    return y;
}

ref::ConvParams conv_params(const Attrs& a) {
    ref::ConvParams p;
    p.stride_h = a.stride_h;
    p.stride_w = a.stride_w;
    p.pad_top = a.pad_top;
    p.pad_left = a.pad_left;
    p.pad_bottom = a.pad_bottom;
    p.pad_right = a.pad_right;
    p.groups = a.groups;
    return p;
}

ref::PoolParams pool_params(const Attrs& a) {
    ref::PoolParams p;
    p.kernel_h = a.kernel_h;
    p.kernel_w = a.kernel_w;
    p.stride_h = a.stride_h;
    p.stride_w = a.stride_w;
    p.pad_top = a.pad_top;
    p.pad_left = a.pad_left;
    p.pad_bottom = a.pad_bottom;
    p.pad_right = a.pad_right;
    return p;
}

class Runner {
  public:
    Runner(const Graph& g, Execution& ex) : m_g(g), m_ex(ex), m_have(g.tensors.size(), false) {
        m_ex.values.assign(g.tensors.size(), Tensor8{});
        for (const Node& n : g.nodes)
            m_dynamic = m_dynamic || is_sequence_op(n.op);
    }

    void feed(const std::vector<Tensor8>& inputs) {
        if (inputs.size() != m_g.inputs.size())
            throw GraphError("graph '" + m_g.name + "': " + std::to_string(m_g.inputs.size()) +
                             " inputs, " + std::to_string(inputs.size()) + " given");
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            const TensorDef& t = m_g.tensor(m_g.inputs[i]);
            const Shape& s = inputs[i].shape;
            const bool shorter_sequence = m_dynamic && s.n == 1 && s.c == 1 && t.shape.n == 1 &&
                                          t.shape.c == 1 && s.w == t.shape.w && s.h >= 1 &&
                                          s.h <= t.shape.h;
            if (s != t.shape && !shorter_sequence)
                throw GraphError("graph input '" + t.name + "': shape " + s.str() +
                                 ", the graph's is " + t.shape.str());
            if (static_cast<std::int64_t>(inputs[i].data.size()) != s.size())
                throw GraphError("graph input '" + t.name +
                                 "': " + std::to_string(inputs[i].data.size()) +
                                 " values for shape " + s.str());
            Tensor8 v = inputs[i];
            v.zero_point = t.quant.zero_point;
            set(m_g.inputs[i], std::move(v));
        }
    }

    void run(const Node& n) {
        Tensor8 y;
        try {
            y = compute(n);
        } catch (const std::invalid_argument& e) {
            fail(n, e.what());
        } catch (const GraphError& e) {
            if (std::string(e.what()).rfind("node '", 0) == 0) throw;
            fail(n, e.what());
        }
        if (n.outputs.size() != 1 || n.outputs[0] < 0) fail(n, "needs exactly one output");
        const TensorDef& out = m_g.output_of(n);
        if (!m_dynamic && y.shape != out.shape)
            fail(n, "computed shape " + y.shape.str() + ", the graph's is " + out.shape.str());
        y.zero_point = out.quant.zero_point;
        set(n.outputs[0], std::move(y));
    }

  private:
    void set(int id, Tensor8 v) {
        m_ex.values[static_cast<std::size_t>(id)] = std::move(v);
        m_have[static_cast<std::size_t>(id)] = true;
    }

    const Tensor8& in(const Node& n, std::size_t i) {
        if (i >= n.inputs.size() || n.inputs[i] < 0)
            fail(n, "input " + std::to_string(i) + " absent");
        const int id = n.inputs[i];
        const std::size_t k = static_cast<std::size_t>(id);
        if (!m_have.at(k)) {
            const TensorDef& t = m_g.tensor(id);
            if (!t.is_const)
                fail(n, "input '" + t.name +
                            "' has no value yet (not a graph input, not produced "
                            "by an earlier node)");
            set(id, const_tensor(t));
        }
        return m_ex.values[k];
    }

    std::vector<std::int32_t> bias(const Node& n, std::size_t i) const {
        if (i >= n.inputs.size() || n.inputs[i] < 0) return {};
        const TensorDef& t = m_g.tensor(n.inputs[i]);
        if (t.dtype != DType::int32 || !t.is_const)
            fail(n, "bias '" + t.name + "' must be a constant int32 tensor");
        return t.i32;
    }

    Tensor8 same_bytes(const Node& n, const Tensor8& x, Shape s) const {
        const TensorDef& xt = m_g.input_of(n, 0);
        const TensorDef& yt = m_g.output_of(n);
        if (!(xt.quant.scale == yt.quant.scale && xt.quant.zero_point == yt.quant.zero_point))
            fail(n, "a view must keep its input's quantization");
        if (s.size() != x.shape.size()) fail(n, "cannot view " + x.shape.str() + " as " + s.str());
        return Tensor8(s, x.zero_point, x.data);
    }

    Tensor8 compute(const Node& n) {
        const Attrs& a = n.attrs;
        const std::int32_t zp_y = m_g.output_of(n).quant.zero_point;
        switch (n.op) {
            case OpType::conv: {
                const Tensor32 acc = ref::conv2d(in(n, 0), in(n, 1), bias(n, 2), conv_params(a));
                return requant_channels(acc, accum_requant(m_g, n), fused_act(m_g, n), zp_y);
            }
            case OpType::fc: {
                const Tensor8& x = in(n, 0);
                const Tensor8& w = in(n, 1);
                const std::int64_t m = w.shape.n, k = w.shape.c * w.shape.h * w.shape.w;
                Tensor32 acc;
                if (x.shape.size() == k) {
                    acc = ref::fc(w, x, bias(n, 2));
                } else if (x.shape.c == k) {  // a GEMM over the H*W columns
                    const std::int64_t p = x.shape.h * x.shape.w;
                    acc = ref::gemm(Tensor8(Shape{1, 1, m, k}, w.zero_point, w.data),
                                    Tensor8(Shape{1, 1, k, p}, x.zero_point, x.data), bias(n, 2));
                    acc.shape = Shape{1, m, x.shape.h, x.shape.w};
                } else {
                    fail(n, "input " + x.shape.str() + " has neither " + std::to_string(k) +
                                " elements nor " + std::to_string(k) + " channels");
                }
                return requant_channels(acc, accum_requant(m_g, n), fused_act(m_g, n), zp_y);
            }
            case OpType::matmul: {
                const Tensor32 acc = ref::gemm(in(n, 0), in(n, 1), {});
                return requant_channels(acc, accum_requant(m_g, n), fused_act(m_g, n), zp_y);
            }
            case OpType::maxpool:
                return ref::max_pool(in(n, 0), pool_params(a));
            case OpType::avgpool:
                return ref::avg_pool(in(n, 0), pool_params(a), zp_y);
            case OpType::global_avgpool:
                return ref::global_avg_pool(in(n, 0), zp_y);
            case OpType::add: {
                const AddParams p = add_params(m_g, n);
                return apply_act_all(
                    ref::eltwise_add(in(n, 0), in(n, 1), p.mult_a, p.mult_b, p.shift, p.zp_y),
                    fused_act(m_g, n));
            }
            case OpType::mul:
                return apply_act_all(ref::eltwise_mul(in(n, 0), in(n, 1), mul_params(m_g, n)),
                                     fused_act(m_g, n));
            case OpType::concat:
                return concat(n);
            case OpType::relu:
            case OpType::sigmoid:
            case OpType::tanh:
            case OpType::clip: {
                const ActParams act = unary_act(m_g, n);
                if (act.kind == ActKind::relu) return ref::relu(in(n, 0));
                return ref::apply_lut(in(n, 0), act.lut, zp_y);
            }
            case OpType::softmax: {
                const Tensor8& x = in(n, 0);
                const SoftmaxParams p = softmax_params(m_g, n);
                std::int64_t rows = 0, cols = 0;
                softmax_extent(x.shape, rows, cols);
                Tensor8 y(x.shape, zp_y);
                const int rc =
                    npu_cpu_softmax(y.data.data(), x.data.data(), p.exp_table.data(),
                                    static_cast<std::uint32_t>(rows),
                                    static_cast<std::uint32_t>(cols), p.mult, p.shift, p.zp_y);
                if (rc != NPU_CPU_OK) fail(n, "softmax step refused its parameters");
                return y;
            }
            case OpType::lrn: {
                const Tensor8& x = in(n, 0);
                const LrnParams p = lrn_params(m_g, n);
                Tensor8 y(x.shape, zp_y);
                const int rc =
                    npu_cpu_lrn(y.data.data(), x.data.data(), p.table.data(),
                                static_cast<std::uint32_t>(x.shape.c),
                                static_cast<std::uint32_t>(x.shape.h * x.shape.w),
                                static_cast<std::uint32_t>(p.size), p.zp_x, p.zp_y, p.sq_shift,
                                static_cast<std::uint32_t>(p.table.size()), p.mult_shift);
                if (rc != NPU_CPU_OK) fail(n, "lrn step refused its parameters");
                return y;
            }
            case OpType::flatten: {
                const Tensor8& x = in(n, 0);
                return same_bytes(n, x, Shape{1, x.shape.c * x.shape.h * x.shape.w, 1, 1});
            }
            case OpType::reshape:
                return same_bytes(n, in(n, 0), a.shape);
            case OpType::lstm:
                return ref::lstm(m_g, n, in(n, 0));
            case OpType::gru:
                return ref::gru(m_g, n, in(n, 0));
            case OpType::attention:
                return ref::attention(m_g, n, in(n, 0));
        }
        fail(n, "unknown op");
    }

    // Channel concat of [1,C_i,H,W] or row concat of [1,1,R_i,W] matrices: in
    // NCHW with batch 1 both are the inputs' bytes one after the other.
    Tensor8 concat(const Node& n) {
        const TensorDef& yt = m_g.output_of(n);
        if (n.inputs.empty()) fail(n, "no inputs");
        if (n.attrs.axis != 1 && n.attrs.axis != 2)
            fail(n, "axis " + std::to_string(n.attrs.axis) + " (1: channels, 2: rows)");
        Shape s;
        std::vector<std::int8_t> data;
        for (std::size_t i = 0; i < n.inputs.size(); ++i) {
            const Tensor8& x = in(n, i);
            const TensorDef& xt = m_g.input_of(n, i);
            if (!(xt.quant.scale == yt.quant.scale && xt.quant.zero_point == yt.quant.zero_point))
                fail(n, "input '" + xt.name + "' is not in the output's quantization");
            if (i == 0) {
                s = x.shape;
            } else if (n.attrs.axis == 1 && x.shape.h == s.h && x.shape.w == s.w &&
                       x.shape.n == 1) {
                s.c += x.shape.c;
            } else if (n.attrs.axis == 2 && x.shape.c == 1 && s.c == 1 && x.shape.w == s.w &&
                       x.shape.n == 1) {
                s.h += x.shape.h;
            } else {
                fail(n, "input '" + xt.name + "' shape " + x.shape.str() + " does not fit " +
                            s.str() + " along axis " + std::to_string(n.attrs.axis));
            }
            data.insert(data.end(), x.data.begin(), x.data.end());
        }
        return Tensor8(s, yt.quant.zero_point, std::move(data));
    }

    const Graph& m_g;
    Execution& m_ex;
    std::vector<bool> m_have;
    bool m_dynamic = false;  // lstm/gru/attention: shapes follow the run-time sequence
};

}  // namespace

Tensor8 const_tensor(const TensorDef& t) {
    if (t.dtype != DType::int8 || !t.is_const)
        throw GraphError("tensor '" + t.name + "' is not a constant int8 tensor");
    if (static_cast<std::int64_t>(t.i8.size()) != t.elems())
        throw GraphError("tensor '" + t.name + "': " + std::to_string(t.i8.size()) +
                         " values for shape " + t.shape.str());
    return Tensor8(t.shape, t.quant.zero_point, t.i8);
}

Execution execute(const Graph& g, const std::vector<Tensor8>& inputs) {
    Execution ex;
    Runner r(g, ex);
    r.feed(inputs);
    for (const Node& n : g.nodes)
        r.run(n);
    for (int id : g.outputs)
        ex.outputs.push_back(ex.values.at(static_cast<std::size_t>(id)));
    return ex;
}

std::vector<Tensor8> synthetic_inputs(const Graph& g, std::uint64_t seed) {
    zoo::SplitMix64 rng(seed);
    std::vector<Tensor8> xs;
    for (int id : g.inputs) {
        const TensorDef& t = g.tensor(id);
        Tensor8 x(t.shape, t.quant.zero_point);
        for (std::int8_t& v : x.data)
            v = static_cast<std::int8_t>(rng.uniform(-128, 127));
        xs.push_back(std::move(x));
    }
    return xs;
}

}  // namespace wl
