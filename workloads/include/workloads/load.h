// One entry point from a --workload argument to a graph: a path ending in
// .onnx is imported (onnx_import.h), one ending in .csv is a SCALE-Sim
// topology (scalesim_import.h), anything else is a zoo spec (zoo.h:
// "resnet50", "gemm:m=256,k=512,n=64"). Errors are one GraphError line.
#pragma once

#include <cstdint>
#include <string>

#include "workloads/graph.h"

namespace wl {

enum class WorkloadKind { zoo, onnx, scalesim };
WorkloadKind workload_kind(const std::string& spec);

// Builds (zoo, synthetic weights from `seed`) or imports the workload.
Graph load_workload(const std::string& spec, std::uint64_t seed = 1);

}  // namespace wl
