// Reference (golden) arithmetic of the sequence nodes: lstm, gru and
// multi-head self-attention, in int8 with exactly the integer arithmetic the
// firmware's CPU steps and the NPU kernels apply (npu_abi/rnn.h). The graph
// reference executor (executor.h) calls these for the nodes of those ops.
//
// x is the node's data input [1,1,T,F]; T may be shorter than the graph's
// (run-time sequence length): the result has x's T rows. The weights, biases
// and quantization come from the graph (see graph.h for each op's inputs).
// Throws GraphError naming the node on a malformed node.
#pragma once

#include "workloads/graph.h"
#include "workloads/tensor.h"

namespace wl::ref {

Tensor8 lstm(const Graph& g, const Node& n, const Tensor8& x);       // out [1,1,T,H]
Tensor8 gru(const Graph& g, const Node& n, const Tensor8& x);        // out [1,1,T,H]
Tensor8 attention(const Graph& g, const Node& n, const Tensor8& x);  // out [1,1,T,D]

}  // namespace wl::ref
