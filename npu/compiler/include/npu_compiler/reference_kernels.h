// A zoo network as its NPU descriptors, unscheduled: for benchmarks and tests
// of the schedule search on real layers. The network's shape comes from the
// zoo (workloads/zoo.h, the one place it is written); the descriptors are the
// lowering's (compile.h), with every address the DRAM base (timing
// predictions only), the psum area set (spilling schedules allowed), tiles 1
// and the order m c y x k l until a schedule is chosen.
#pragma once

#include <string>
#include <vector>

#include "npu/core.h"
#include "npu_abi/descriptor.h"

namespace npu::compiler {

struct NamedKernel {
    std::string name;  // the layer's
    npu_desc_t desc{};
};

// spec: a zoo spec ("resnet50"); dataflow: NPU_DF_*.
std::vector<NamedKernel> zoo_kernels(const std::string& spec, const npu::CoreConfig& cfg,
                                     unsigned dataflow);

}  // namespace npu::compiler
