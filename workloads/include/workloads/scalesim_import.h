// SCALE-Sim topology CSV import: a SCALE-Sim user's layer list as a wl::Graph,
// each row read as SCALE-Sim (scale-sim-v2, topology_utils.py) reads it.
//
// Formats (the first line is a header and names the format):
//   conv:  Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width,
//          Channels, Num Filter, Strides[, Stride width]
//          (one stride: both directions, as SCALE-Sim fills the second)
//   GEMM:  Layer, M, N, K  (SCALE-Sim's --mnk format, e.g. "Layer Name, M, N, K,")
//          read by SCALE-Sim as a conv of an M x K ifmap, a 1 x K filter, one
//          channel and N filters: Y[M][N] = A[M][K] B[K][N].
// A header whose second..fourth fields are M, N, K (any case) selects GEMM,
// one whose second field mentions IFMAP selects conv; anything else is an
// error. SCALE-Sim drops every row's last field, so its rows end with a comma
// (or a comment such as ",#dw"): a last field that is empty or starts with
// '#' is dropped here; rows without it are accepted too. Blank lines are
// skipped. Values are positive integers.
//
// The graph: SCALE-Sim topologies are layer lists, not networks, so every row
// is its own layer on its own synthetic input, one kernel for the compiler:
//   conv row "L":  graph input "L.ifmap" [1,C,H,W] -> conv node "L" (weights
//                  "L.weight" [M,C,R,S], no bias, no activation) -> output "L";
//                  a row whose name contains "DP" is depthwise, as SCALE-Sim
//                  reads it (C one-channel layers of Num Filter filters): one
//                  conv with groups = C and M = C * Num Filter;
//   GEMM row "L":  graph input "L.ifmap" [1,K,M,1] (K channels of M pixels) ->
//                  fc node "L" in GEMM form (weights [N,K,1,1]) -> [1,N,M,1].
// No padding, and SCALE-Sim's output extent ceil((H - R + stride) / stride):
// where that exceeds floor((H - R) / stride) + 1 the last window is partial;
// the graph then pads at the bottom/right by (stride - (H - R) % stride), so
// the NPU computes the same E x F outputs and the same MACs (E*F*R*S*C*M), the
// missing rows/columns standing for the zero point (they add nothing).
// Weights, scales and quantization follow the zoo's synthetic-data scheme
// (zoo.h). Every graph output is a row's output, in file order.
//
// Errors: one GraphError "<file>:<line>: ..." naming the line and the field
// (bad integer, wrong field count, filter larger than the ifmap, duplicate
// layer name, unknown header, no rows).
#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "workloads/graph.h"

namespace wl {

// Reads the file at `path`; the graph is named after the file (no directory,
// no extension), as SCALE-Sim names its topology.
Graph import_scalesim_csv(const std::string& path, std::uint64_t seed = 1);

// The same from a stream; `source` names it in messages and names the graph.
Graph parse_scalesim_csv(std::istream& in, const std::string& source, std::uint64_t seed = 1);

// SCALE-Sim's output extent: ceil((in - kernel + stride) / stride).
std::int64_t scalesim_out_extent(std::int64_t in, std::int64_t kernel, std::int64_t stride);

}  // namespace wl
