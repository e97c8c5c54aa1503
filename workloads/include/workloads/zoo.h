// The built-in model zoo: classic networks as wl::Graph with deterministic
// synthetic int8 weights, plus the helpers every zoo builder shares.
//
// Workload spec (what `vp_run --workload` passes through): "name" or
// "name:key=value,key=value", e.g. "gemm:m=256,k=512,n=64",
// "lstm:hidden=64,seq=8", "mlp:widths=784-256-10" (a list value is
// '-'-separated). Each network declares its keys and defaults (entries());
// an unknown name, an unknown key or a bad value is one GraphError.
//
// Synthetic data and quantization (identical on every platform: splitmix64):
//   - weights: int8 uniform in [-127, 127] (std kWeightStd = 73.6),
//     symmetric, one per-tensor scale;
//   - the builder tracks each activation's expected RMS in int8 units (of
//     q - zero_point), hence its real RMS s_x * rms_x. A conv/fc over a fan-in
//     of K (C/groups * R * S, or K) has an accumulator of real RMS about
//     sqrt(K) * s_w * kWeightStd * s_x * rms_x. The weight scale is chosen so
//     that this is kPreActRms = 1.0 (real): s_w = 1 / (sqrt(K) * kWeightStd *
//     s_x * rms_x), i.e. data-normalized (LSUV-like) He weights. Real
//     activations so stay O(1) at any depth: relu6 clips only outliers,
//     sigmoid/tanh/LRN see meaningful values, and the last classifier
//     (kLogitRms = 4) gives a softmax that is neither flat nor one-hot;
//   - the output scale maps that spread to kTargetRms = 32 int8 units after
//     the activation: s_y = s_x * s_w * sqrt(K) * kWeightStd * rms_x / 32 (no
//     activation) or / (32 * sqrt(2)) (relu, relu6: half the energy is cut):
//     synthetic activations neither saturate (127 is 4 RMS) nor collapse to
//     zero (measured figures: workloads/README.md);
//   - biases: int32 uniform in [-B, B], B = 0.2 * the accumulator's RMS in
//     accumulator units (s_x * s_w);
//   - add: real RMS of the sum of two independent terms, sqrt((s_a r_a)^2 +
//     (s_b r_b)^2), mapped to 32 the same way (a relu after it keeps 0.84 of
//     the energy when one term is rectified, as a residual shortcut is);
//   - max pools raise the RMS (by the square root of the bound for
//     independent values: 1.51 for 3x3), global average pools lower it (0.75);
//   - pools, relu, concat, flatten, reshape keep the input's quantization
//     (concat inputs are all produced at layer_scale(): with pre-activations
//     normalized, one scale fits every branch); lrn: s_y = s_x / bias^beta;
//     sigmoid and softmax: scale 1/256, zero point -128 ([0, 1)); tanh: 1/128;
//   - the graph input: scale 1/64, zero point 0, assumed to be filled with
//     full-range uniform int8 (RMS 73.6) by the runner (wl::synthetic_inputs).
// The graph's weights depend only on the network, its parameters and the seed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "workloads/graph.h"

namespace wl::zoo {

// ---------------------------------------------------------------- parameters

// A network's parameters: every declared key with its value (the spec's or
// the default). Getters throw GraphError for an undeclared key or a bad value.
struct ZooParams {
    std::string workload;  // the network's name (for messages)
    std::uint64_t seed = 1;
    bool with_data = true;  // false: constants without data (shapes and figures only)
    std::map<std::string, std::string> values;

    // A positive integer in [1, 2^24].
    std::int64_t get_int(const std::string& key) const;
    // 0 or 1.
    bool get_flag(const std::string& key) const;
    // A '-'-separated list of positive integers, e.g. "784-256-10".
    std::vector<std::int64_t> get_ints(const std::string& key) const;
};

struct ZooEntry {
    std::string name;
    std::string description;                                // one line
    std::vector<std::pair<std::string, std::string>> keys;  // parameter key, default value
    std::function<Graph(const ZooParams&)> build;
};

// Every network, in listing order.
const std::vector<ZooEntry>& entries();

// Parses a spec and builds the network (shapes inferred, graph checked).
// Throws GraphError for an unknown name (listing the known ones), an unknown
// key (listing the network's keys) or an invalid value.
Graph build(const std::string& spec, std::uint64_t seed = 1);
// The same graph without constant data (fast: for figures and listings).
Graph build_shapes(const std::string& spec);

// Splits a spec into its name and key/value pairs (no validation of keys);
// throws GraphError for a malformed spec ("gemm:m", "gemm:=3", "", ...).
std::pair<std::string, std::map<std::string, std::string>> parse_spec(const std::string& spec);

// The table `vp_run --list-workloads` prints: one row per network (at its
// defaults) with conv/fc weights and MACs and totals, human units and exact
// counts, then the description and parameter keys.
std::string list_text();

// ------------------------------------------------------ the networks

Graph build_lenet5(const ZooParams&);
Graph build_alexnet(const ZooParams&);
Graph build_vgg16(const ZooParams&);
Graph build_googlenet(const ZooParams&);     // keys: ceil_pools (1: the paper's, 0: floor)
Graph build_resnet50(const ZooParams&);      // v1: stride in the first 1x1 of a block
Graph build_resnet50_v15(const ZooParams&);  // torchvision: stride in the 3x3
Graph build_mobilenet_v2(const ZooParams&);
Graph build_resnet_small(const ZooParams&);
Graph build_mlp(const ZooParams&);   // keys: widths (input first, e.g. 784-256-10)
Graph build_gemm(const ZooParams&);  // keys: m, k, n

// Recurrent and attention networks (workloads/src/zoo_rnn.cpp).
// lstm, gru keys: hidden, input, layers, seq (defaults 128, 64, 1, 16).
// attention keys: seq, dim, heads (defaults 32, 128, 4).
Graph build_lstm(const ZooParams&);
Graph build_gru(const ZooParams&);
Graph build_attention(const ZooParams&);

// ------------------------------------------------------ synthetic data

// splitmix64 (Steele, Lea, Flood 2014): a 64-bit counter-based generator,
// identical on every platform.
class SplitMix64 {
  public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    // Uniform in [lo, hi] (hi - lo < 2^32; the tiny modulo bias is irrelevant here).
    std::int64_t uniform(std::int64_t lo, std::int64_t hi);

  private:
    std::uint64_t state_;
};

constexpr double kWeightStd = 73.6;  // std of uniform int8 in [-127, 127]
constexpr double kTargetRms = 32.0;  // activation RMS aimed at, int8 units
constexpr double kPreActRms = 1.0;   // real RMS of a conv/fc result before its activation
constexpr double kLogitRms = 4.0;    // real RMS of a classifier's logits
constexpr double kInputScale = 1.0 / 64.0;
constexpr double kInputRms = 73.6;  // full-range uniform int8 input

// s_w = sqrt(2 / K) / kWeightStd: He weights for a fan-in of K (for builders
// that do not track their inputs' RMS; conv() and fc() normalize instead).
double weight_scale(std::int64_t fan_in);
// s_y = s_x * s_w * sqrt(K) * kWeightStd: the output scale of a weighted sum
// over K inputs at RMS kTargetRms that lands at kTargetRms (no activation).
double output_scale(double s_x, double s_w, std::int64_t fan_in);

// Builds a graph node by node, inferring shapes as it goes so each layer can
// read its input's shape; one random stream per graph (seeded by ZooParams).
// Used by zoo.cpp and zoo_rnn.cpp.
class Builder {
  public:
    Builder(std::string graph_name, const ZooParams& params);
    Builder(std::string graph_name, std::uint64_t seed);  // with data

    Graph& graph() { return g_; }
    SplitMix64& rng() { return rng_; }
    const TensorDef& t(int id) const { return g_.tensor(id); }
    // Expected RMS of an activation in int8 units (of q - zero_point).
    double rms(int id) const;
    // Whether an activation is never below its zero point (rectified: after
    // relu/relu6, sigmoid, softmax, and pools/concats of such).
    bool nonneg(int id) const;
    // Output scale for a result of real RMS `real_rms` before activation
    // `act`, so that it lands at kTargetRms after it.
    static double scale_for(double real_rms, Act act);
    // Real RMS of a weighted sum over K inputs of x with weight scale s_w.
    double accum_real_rms(int x, double s_w, std::int64_t fan_in) const;
    // The output scale conv()/fc() choose before activation act (the same
    // for every input: pre-activations are normalized); concat branches are
    // all produced at this scale.
    double layer_scale(int x, Act act) const;

    // A graph input (activation fed at run time).
    int input(const std::string& name, Shape shape, Quant q = Quant{kInputScale, 0, {}},
              double rms = kInputRms);
    // Synthetic int8 constant weights with scale s_w (zero point 0).
    int weights(const std::string& name, Shape shape, double s_w);
    // Synthetic int8 constant weights with scale weight_scale(fan_in).
    int weights(const std::string& name, Shape shape, std::int64_t fan_in) {
        return weights(name, shape, weight_scale(fan_in));
    }
    // Synthetic int32 bias of n values for a fan-in of k (zoo_rnn's scheme:
    // B = 512 * sqrt(K)); with a real accumulator RMS known, bias_for().
    int bias(const std::string& name, std::int64_t n, std::int64_t fan_in);
    // Synthetic int32 bias in [-B, B] with B = acc_rms / 5 (accumulator units).
    int bias_for(const std::string& name, std::int64_t n, double acc_rms);

    // A node with one new output tensor named after the node; shapes inferred.
    // Returns the output tensor id; out_rms: its expected RMS (int8 units).
    int node(const std::string& name, OpType op, std::vector<int> inputs, Attrs attrs,
             Quant out_quant, double out_rms = kTargetRms);

    // conv with synthetic weights/bias; pads symmetric (pad each side).
    // out_scale <= 0: the scale of the scheme above; else that scale (concat).
    int conv(const std::string& name, int x, std::int64_t m, std::int64_t kernel,
             std::int64_t stride, std::int64_t pad, std::int64_t groups, Act act,
             double out_scale = 0.0);
    // fc with synthetic weights/bias: K = C*H*W of x (or x's C in GEMM form).
    // real_rms: the result's real RMS before act (kLogitRms for a classifier).
    int fc(const std::string& name, int x, std::int64_t m, Act act, bool gemm_form = false,
           double real_rms = kPreActRms);
    // Pools: pad before (top, left) and after (bottom, right; -1: same as
    // before). An extra pad after reproduces Caffe's ceil-mode pooling.
    int maxpool(const std::string& name, int x, std::int64_t kernel, std::int64_t stride,
                std::int64_t pad, std::int64_t pad_end = -1);
    int avgpool(const std::string& name, int x, std::int64_t kernel, std::int64_t stride,
                std::int64_t pad, std::int64_t pad_end = -1);
    int global_avgpool(const std::string& name, int x);
    int add(const std::string& name, int a, int b, Act act);
    int concat(const std::string& name, std::vector<int> xs, std::int64_t axis = 1);
    int lrn(const std::string& name, int x, std::int64_t size, double alpha, double beta,
            double bias);
    int unary(const std::string& name, OpType op, int x);  // relu, sigmoid, tanh, softmax, flatten

    // Marks the graph's outputs, checks the whole graph and returns it.
    Graph finish(std::vector<int> outputs);

  private:
    double normalized_weight_scale(int x, std::int64_t fan_in, double real_rms) const;

    Graph g_;
    SplitMix64 rng_;
    bool with_data_;
    std::vector<double> rms_;   // by tensor id
    std::vector<char> nonneg_;  // by tensor id
};

}  // namespace wl::zoo
