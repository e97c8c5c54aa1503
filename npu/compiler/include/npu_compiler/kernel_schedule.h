// Scheduling one NPU kernel: the interface between lowering (which fills a
// descriptor's op, shapes, strides, quantization and addresses) and the
// search (which fills its tiling and loop order and predicts what the NPU
// will do with it). Plain C++, no SystemC.
//
// The predictions use the NPU's own rules, written once in npu_core: the
// capacity rule (what fits a scratchpad) and the timing model (systolic
// folds, vector unit, DMA/compute overlap, DRAM bandwidth and latency). The
// DRAM bytes come from the analytic model (closed form), so the NPU moving
// the bytes is an independent check of it.
#pragma once

#include <cstdint>
#include <string>

#include "npu/core.h"
#include "npu_abi/descriptor.h"

namespace npu::compiler {

enum class Objective {
    cycles,  // predicted kernel cycles, then DRAM bytes (the default)
    dram,    // DRAM bytes, then cycles (the memory-traffic study)
};
enum class ScheduleMode {
    best,   // search
    fixed,  // a simple documented default tiling, for comparison
};
const char* to_string(Objective o);
const char* to_string(ScheduleMode m);

// The NPU and memory system the schedules are chosen for.
struct ArchConfig {
    npu::CoreConfig core;         // array, scratchpads, DMA burst, DRAM window
    double dram_bw = 16.0;        // bytes per cycle
    std::uint64_t dram_latency = 100;  // cycles
};

// What the NPU is predicted to do with one descriptor.
struct KernelPrediction {
    std::uint64_t macs = 0;
    std::uint64_t cycles = 0;          // kernel start to last write-back
    std::uint64_t compute_cycles = 0;  // MAC array / vector unit busy
    std::uint64_t tiles = 0;           // inter-tile iterations
    double utilization = 0.0;          // macs / (cycles * PEs)
    // DRAM bytes by tensor (the report's keys; bias, per-channel requantization
    // tables and the LUT count under weight).
    std::uint64_t rd_ifmap = 0, rd_weight = 0, rd_psum = 0;
    std::uint64_t wr_ofmap = 0, wr_psum = 0;
    // Largest footprint per scratchpad, bytes (occupancy).
    std::uint64_t buf_ifmap = 0, buf_weight = 0, buf_ofmap = 0;
    std::uint64_t dram_bytes() const { return rd_ifmap + rd_weight + rd_psum + wr_ofmap + wr_psum; }
};

// Chooses desc.tile and desc.loop_order (every other field as the caller set
// it) and returns the prediction for the choice. Throws std::invalid_argument
// with one line when no tiling fits the scratchpads or the descriptor is bad.
KernelPrediction schedule_kernel(npu_desc_t& desc, const ArchConfig& arch, Objective objective,
                                 ScheduleMode mode);

// The prediction for a descriptor whose tiling is already set.
KernelPrediction predict_kernel(const npu_desc_t& desc, const ArchConfig& arch);

}  // namespace npu::compiler
