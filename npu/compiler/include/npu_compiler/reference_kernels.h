// Reference kernel lists for benchmarks and tests of the schedule search:
// ResNet-50 v1 (batch 1, 224x224, int8) as NPU descriptors, from the
// network's published structure: conv1 7x7/2, max pool 3x3/2, stages of 3,
// 4, 6 and 3 bottleneck blocks (1x1, 3x3, 1x1 with 4x expansion; stride 2 in
// the first 1x1 conv of a downsampling block; projection shortcuts), the
// residual add and its relu per block, global average pool, fc 1000. Convs
// carry a bias and a fused relu (the last 1x1 of a block and the projection
// none). Every address is the DRAM base (timing predictions only) and the
// psum area is set, so spilling schedules are allowed. Tiles are 1 and the
// order m c y x k l until a schedule is chosen.
#pragma once

#include <string>
#include <vector>

#include "npu/core.h"
#include "npu_abi/descriptor.h"

namespace npu::compiler {

struct NamedKernel {
    std::string name;
    npu_desc_t desc{};
};

std::vector<NamedKernel> resnet50_v1_kernels(const npu::CoreConfig& cfg, unsigned dataflow);

}  // namespace npu::compiler
