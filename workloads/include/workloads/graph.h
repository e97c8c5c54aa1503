// The workload graph: what a network is, independent of how it runs.
//
// A Graph is a list of int8 tensors (activations, constant weights, int32
// biases) and a list of nodes in topological order. The zoo builds graphs,
// the ONNX and SCALE-Sim importers build graphs, the reference executor runs
// them, and the compiler lowers them to NPU kernels and CPU steps.
//
// Layout conventions (all batch 1, row-major):
//   - feature maps: Shape{1, C, H, W} (NCHW);
//   - matrices and sequences: Shape{1, 1, rows, cols}; a sequence of T
//     vectors of F features is the matrix [T][F] (one row per time step, so a
//     step's vector is contiguous);
//   - fc output: Shape{1, M, 1, 1}; a fc input of any shape is read as its
//     C*H*W elements in NCHW order (flatten and reshape are views).
//
// Quantization: every int8 tensor carries (scale, zero_point) meaning
// real = scale * (q - zero_point). Weights are symmetric (zero_point 0),
// per tensor or per output channel (channel_scales, one per M). Biases are
// int32 in accumulator units: real = s_x * s_w[m] * q. A node's output
// quantization is part of the graph (fixed by the zoo, the importer's
// calibration, or a quantized model's own scales).
//
// Node inputs, data first, then constants (optional ones may be absent; an
// absent optional input is -1):
//   conv      {x, w [M, C/groups, R, S], bias int32 [M]?}  attrs: kernel, stride, pads,
//             groups, act
//   fc        {x, w [M, K, 1, 1], bias?}  attrs: act. If C*H*W of x is K: a fully
//             connected layer, out {1, M, 1, 1}. Else if x's C is K: a GEMM over
//             the H*W columns, Y[M][H*W] = W[M][K] X[K][H*W], out {1, M, H, W}.
//   matmul    {a [1,1,M,K], b [1,1,K,N]}  two activations; out [1,1,M,N] (int8)
//   maxpool / avgpool {x}  attrs: kernel, stride, pads (padding never counts)
//   global_avgpool {x}     out {1, C, 1, 1}
//             pools keep their input's quantization (output quant == input quant)
//   add, mul  {a, b}       same shape; attrs: act (relu only)
//   concat    {x0, x1, ...} along channels (axis 1) or rows of a matrix (axis 2);
//             inputs and output share one quantization (producers write their
//             slices in place, no requantization)
//   relu, sigmoid, tanh, clip {x}   clip: attrs clip_min/clip_max (real values)
//   softmax   {x}  over the last axis (cols of a matrix; C of a {1,C,1,1})
//   lrn       {x}  across channels: attrs lrn_size, alpha, beta, bias
//   flatten, reshape {x}  views: out shape given by attrs.shape (reshape) or
//             {1, C*H*W, 1, 1} (flatten); data unchanged
//   lstm      {x [1,1,T,I], W [1,1,4H,I], R [1,1,4H,H], B int32 [4H]?}
//             gates in ONNX order i, o, f, c; attrs: hidden = H. Out [1,1,T,H].
//             x, h and the output share one quantization (the node's output
//             quant equals x's); W and R share one scale (one symmetric
//             per-tensor scale s_wr), so [W|R] is one weight matrix and B is
//             in units of s_x * s_wr. Internal fixed-point formats and the
//             cell arithmetic: npu_abi/rnn.h.
//   gru       {x [1,1,T,I], W [1,1,3H,I], R [1,1,3H,H], B int32 [6H]?}
//             gates z, r, h (ONNX), linear_before_reset = 1 semantics; the
//             first 3H of B go with W, the last 3H with R; quantization as
//             lstm. attrs: hidden.
//   attention {x [1,1,T,D], Wq, Wk, Wv, Wo [1,1,D,D], bq, bk, bv, bo int32 [D]?}
//             multi-head self-attention (no mask), attrs: heads (D % heads == 0);
//             scores scaled by 1/sqrt(D/heads), softmax over keys. Out [1,1,T,D].
//             Arithmetic: npu_abi/rnn.h.
// lstm, gru and attention take their sequence length T from x; the compiler
// treats T as a run-time value (bounded by x's T at compile time).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "workloads/tensor.h"

namespace wl {

// A graph that cannot be built or run; the message names the node or tensor.
struct GraphError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class DType : std::uint8_t { int8, int32 };

enum class OpType : std::uint8_t {
    conv,
    fc,
    matmul,
    maxpool,
    avgpool,
    global_avgpool,
    add,
    mul,
    concat,
    relu,
    sigmoid,
    tanh,
    clip,
    softmax,
    lrn,
    flatten,
    reshape,
    lstm,
    gru,
    attention,
};
const char* to_string(OpType op);  // "conv", "fc", ... (the report's op names)

// Activation fused into conv, fc, add (as the NPU applies it after requantization).
enum class Act : std::uint8_t { none, relu, relu6 };

struct Quant {
    double scale = 1.0;
    std::int32_t zero_point = 0;
    std::vector<double> channel_scales;  // weights only: per output channel; empty: per tensor
    bool operator==(const Quant& o) const {
        return scale == o.scale && zero_point == o.zero_point && channel_scales == o.channel_scales;
    }
};

struct TensorDef {
    std::string name;
    Shape shape;
    DType dtype = DType::int8;
    Quant quant;
    bool is_const = false;
    std::vector<std::int8_t> i8;    // constant int8 data (weights)
    std::vector<std::int32_t> i32;  // constant int32 data (biases)

    std::int64_t elems() const { return shape.size(); }
    std::int64_t bytes() const { return elems() * (dtype == DType::int32 ? 4 : 1); }
};

struct Attrs {
    // conv / pools
    std::int64_t kernel_h = 1, kernel_w = 1;
    std::int64_t stride_h = 1, stride_w = 1;
    std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    std::int64_t groups = 1;
    Act act = Act::none;
    // concat
    std::int64_t axis = 1;
    // clip (real values)
    double clip_min = 0.0, clip_max = 6.0;
    // lrn
    std::int64_t lrn_size = 5;
    double alpha = 1e-4, beta = 0.75, bias = 1.0;
    // reshape: the output shape
    Shape shape;
    // lstm / gru: hidden size; attention: heads
    std::int64_t hidden = 0;
    std::int64_t heads = 0;
};

struct Node {
    std::string name;
    OpType op = OpType::relu;
    std::vector<int> inputs;   // tensor ids (-1: optional input absent)
    std::vector<int> outputs;  // tensor ids (one output for every op)
    Attrs attrs;
};

struct Graph {
    std::string name;
    std::vector<TensorDef> tensors;
    std::vector<Node> nodes;  // topological order
    std::vector<int> inputs;  // graph inputs (activations fed at run time)
    std::vector<int> outputs;

    int add_tensor(TensorDef t);  // returns its id; names must be unique (GraphError)
    int add_node(Node n);         // returns its index
    int find_tensor(const std::string& name) const;  // -1 if absent
    const TensorDef& tensor(int id) const;
    TensorDef& tensor(int id);
    const TensorDef& input_of(const Node& n, std::size_t i) const { return tensor(n.inputs.at(i)); }
    const TensorDef& output_of(const Node& n) const { return tensor(n.outputs.at(0)); }

    // Computes every node's output shape from its inputs and attributes (in
    // node order) and checks the graph: topological order, arities, constant
    // sizes, quantization present where needed. Throws GraphError naming the
    // node ("node 'conv2': weight has 3 input channels, x has 64").
    void infer_shapes();
};

// What a layer costs, counted as seed tables count: conv MACs =
// M * (C/groups) * R * S * E * F, fc MACs = M * K, matmul M * K * N,
// lstm/gru/attention their GEMMs for the graph's T; weights = weight elements
// of conv/fc/lstm/gru/attention (biases not counted). One entry per conv,
// fc, matmul, lstm, gru and attention node, in node order (other ops have no
// MACs and are not listed).
struct LayerFigures {
    std::string name;
    OpType op;
    std::int64_t macs = 0;
    std::int64_t weights = 0;
};
std::vector<LayerFigures> layer_figures(const Graph& g);
struct Totals {
    std::int64_t conv_macs = 0, conv_weights = 0, fc_macs = 0, fc_weights = 0;
    std::int64_t other_macs = 0, other_weights = 0;  // matmul, lstm, gru, attention
    std::int64_t macs() const { return conv_macs + fc_macs + other_macs; }
    std::int64_t weights() const { return conv_weights + fc_weights + other_weights; }
};
Totals totals(const Graph& g);

}  // namespace wl
