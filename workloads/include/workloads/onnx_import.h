// ONNX import: a model.onnx file (Debian libonnx-dev protobuf classes) as a
// workload Graph (workloads/graph.h), quantized to int8.
//
// Supported ops: Conv, Gemm, MatMul, MaxPool, AveragePool, GlobalAveragePool,
// Relu, Clip, Sigmoid, Tanh, Add, Mul, Concat, Flatten, Reshape, Squeeze,
// Unsqueeze, BatchNormalization, LRN, Softmax, Identity, Dropout, LSTM, GRU,
// and for quantized models QuantizeLinear, DequantizeLinear, QLinearConv,
// QLinearMatMul, ConvInteger, MatMulInteger (and the Cast after them).
//
// Lowering:
//   - BatchNormalization folds into the Conv before it (w' = w * g, b' = (b -
//     mean) * g + beta, g = gamma / sqrt(var + eps)); Relu and Clip(0, 6) fuse
//     into the Conv / fc / Add before them (Act::relu, Act::relu6) when that
//     output has no other use; Add / Mul of a constant fold into the bias /
//     scales of the Conv or fc before them.
//   - Gemm and MatMul with a constant operand become fc (x must be one row:
//     batch 1); MatMul of two activations becomes matmul. Identity, Dropout and
//     Cast are aliases; Flatten, Reshape, Squeeze, Unsqueeze are views.
//   - LSTM / GRU: forward, one layer, default activations, batch 1, only the Y
//     output used; GRU needs linear_before_reset = 1. W and R keep ONNX's gate
//     order (the graph's convention).
//
// Quantization of float models (post-training):
//   - weights: symmetric int8 per output channel, s_w[m] = max|w[m]| / 127,
//     q = round(w / s_w[m]) (half away from zero); lstm/gru: one scale for W
//     and R together (max over both);
//   - biases: int32 in accumulator units, q = round(b / (s_x * s_w[m]));
//   - activations: per tensor, asymmetric int8, from the min/max of a float
//     reference run (run_float) over `calibration_inputs` synthetic inputs:
//     every graph input uniform in [input_min, input_max] from a fixed-seed
//     generator (mt19937_64 seeded with `seed`). The range is widened to
//     contain 0; scale = (max - min) / 255, zero_point = round(-128 - min /
//     scale). Graph inputs use [input_min, input_max] itself. sigmoid and
//     softmax outputs use [0, 1], tanh [-1, 1].
//   - graph rules: pools, relu, clip, flatten/reshape share their input's
//     quantization; concat inputs and output share one (the union of their
//     ranges); lstm/gru x and output share one.
// Already-quantized models keep their own scales and integers: the scale and
// zero point of QuantizeLinear, QLinear*'s y_scale, weights given as int8 /
// uint8 (uint8 mapped to int8 as onnx_tensor.h does: value - 128, zero point -
// 128; a weight zero point other than 0 after mapping is subtracted exactly,
// which must stay in int8). ConvInteger / MatMulInteger outputs are the raw
// accumulators (real = acc), so their weight scale is 1 / s_x, times a
// following constant Mul folded in. Only activations without a model scale
// are calibrated.
//
// Errors: one line, OnnxImportError (a GraphError): the file (missing, a
// directory, not a regular file, over max_file_bytes, malformed or truncated
// protobuf, no opset), a node (op type and name: unsupported op or attribute,
// dilations, batch != 1, a dangling input), a tensor over max_tensor_elems.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "workloads/graph.h"

namespace wl {

struct OnnxImportError : GraphError {
    using GraphError::GraphError;
};

struct OnnxImportOptions {
    std::uint64_t max_file_bytes = std::uint64_t{1} << 30;  // 1 GiB
    std::int64_t max_tensor_elems = std::int64_t{1} << 26;  // any one tensor (64 Mi)
    int calibration_inputs = 4;
    std::uint64_t seed = 0x0C0FFEE;
    double input_min = -1.0, input_max = 1.0;
};

// The imported network before quantization: graph structure and shapes
// (weights not yet quantized) with each constant tensor's real values.
struct FloatGraph {
    Graph graph;
    std::vector<std::vector<float>> consts;  // per tensor id; empty for activations
    // Per graph input: the real range the synthetic calibration inputs cover
    // (float inputs: [input_min, input_max]; integer inputs: their int8 range).
    std::vector<std::pair<double, double>> input_range;
};

// Parses and lowers (fusions, folds, views) without quantizing.
FloatGraph import_onnx_float(const std::string& path, const OnnxImportOptions& opt = {});

// The float reference: runs fg on one real-valued vector per graph input (in
// graph.inputs order, NCHW); returns every tensor's values (by tensor id).
std::vector<std::vector<float>> run_float(const FloatGraph& fg,
                                          const std::vector<std::vector<float>>& inputs);

// The synthetic calibration inputs (deterministic from opt.seed).
std::vector<std::vector<std::vector<float>>> calibration_inputs(const FloatGraph& fg,
                                                                const OnnxImportOptions& opt);

// Parses, lowers, calibrates and quantizes; the result has passed infer_shapes().
Graph import_onnx(const std::string& path, const OnnxImportOptions& opt = {});

}  // namespace wl
