// The graph reference executor: runs a whole wl::Graph in int8, node by node,
// with exactly the arithmetic of the NPU (npu_abi/arith.h through the wl::ref
// ops) and of the firmware's CPU steps (npu_abi/cpu_ops.h), using the integer
// parameters of workloads/quant_params.h, i.e. the very numbers the compiler
// puts in the descriptors. It is the oracle of `vp_run --verify` (outputs) and
// `--verify-layers` (every tensor).
//
// What each node computes:
//   conv, fc     wl::ref::conv2d / fc / gemm accumulators, requantized per
//                output channel (accum_requant), then the fused activation
//                (relu: max(y, zp_y); relu6: LUT)
//   matmul       wl::ref::gemm, requantized
//   pools        wl::ref::max_pool / avg_pool / global_avg_pool (count = window
//                elements inside the input)
//   add, mul     wl::ref::eltwise_add / eltwise_mul (add_params, mul_params),
//                then the fused activation
//   relu, sigmoid, tanh, clip   max(x, zp) or a LUT (unary_act)
//   softmax, lrn npu_cpu_softmax / npu_cpu_lrn with the tables of quant_params
//   concat       the inputs' bytes placed side by side (one shared quantization)
//   flatten, reshape  the same bytes, a new shape
//   lstm, gru, attention   wl::ref::lstm / gru / attention (rnn_ref.h)
// Shapes come from the values, not from the graph's tensor shapes, so a
// sequence input shorter than the graph's T runs the shorter sequence.
#pragma once

#include <cstdint>
#include <vector>

#include "workloads/graph.h"
#include "workloads/tensor.h"

namespace wl {

struct Execution {
    // By tensor id: the value of every int8 tensor the run produced or read
    // (graph inputs, constants used as data, node outputs); empty for the
    // others (int32 biases, unused constants). zero_point is the graph's.
    std::vector<Tensor8> values;
    std::vector<Tensor8> outputs;  // the graph's outputs, in g.outputs order
};

// Runs g on `inputs` (one per g.inputs, in that order). Each input must have
// its graph tensor's shape, except that a sequence input ([1,1,T,F] feeding an
// lstm, gru or attention node) may have fewer rows (1..T). The inputs' values
// are read as in the graph's quantization (their zero_point is replaced by
// the graph's). Throws GraphError naming the node or input on any mismatch.
Execution execute(const Graph& g, const std::vector<Tensor8>& inputs);

// Deterministic synthetic inputs for g: int8 uniform in [-128, 127] from
// splitmix64 seeded with `seed` (then one stream over the inputs in order),
// each at its graph shape and zero point.
std::vector<Tensor8> synthetic_inputs(const Graph& g, std::uint64_t seed);

// A tensor's graph value as a Tensor8 (its constant data for a constant int8
// tensor); throws GraphError for an int32 tensor or a constant without data.
Tensor8 const_tensor(const TensorDef& t);

}  // namespace wl
