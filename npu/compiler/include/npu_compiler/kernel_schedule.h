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
#include <vector>

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
    npu::CoreConfig core;              // array, scratchpads, DMA burst, DRAM atom, DRAM window
    double dram_bw = 16.0;             // bytes per cycle
    std::uint64_t dram_latency = 100;  // cycles
};

// What the NPU is predicted to do with one descriptor.
struct KernelPrediction {
    std::uint64_t macs = 0;
    std::uint64_t cycles = 0;          // kernel start to last write-back
    std::uint64_t compute_cycles = 0;  // MAC array / vector unit busy
    std::uint64_t tiles = 0;           // inter-tile iterations
    std::uint64_t bursts = 0;          // DMA bursts (reads and writes)
    double utilization = 0.0;          // macs / (cycles * PEs)
    // DRAM bytes by tensor (the report's keys; bias, per-channel requantization
    // tables and the LUT count under weight).
    std::uint64_t rd_ifmap = 0, rd_weight = 0, rd_psum = 0;
    std::uint64_t wr_ofmap = 0, wr_psum = 0;
    // Largest footprint per scratchpad, bytes (occupancy).
    std::uint64_t buf_ifmap = 0, buf_weight = 0, buf_ofmap = 0;
    std::uint64_t dram_bytes() const { return rd_ifmap + rd_weight + rd_psum + wr_ofmap + wr_psum; }
    // The same transfers as bytes on the DRAM bus (whole atoms of
    // arch.core.dram_atom_bytes, vp/dram_atom.h), same keys; from the NPU
    // core's walk of the descriptor (its run lists at the tensors' addresses).
    std::uint64_t bus_rd_ifmap = 0, bus_rd_weight = 0, bus_rd_psum = 0;
    std::uint64_t bus_wr_ofmap = 0, bus_wr_psum = 0;
    std::uint64_t bus_rd_filter = 0;  // of bus_rd_weight: the weights alone (no bias, LUT)
    std::uint64_t dram_bus_bytes() const {
        return bus_rd_ifmap + bus_rd_weight + bus_rd_psum + bus_wr_ofmap + bus_wr_psum;
    }
};

// How the search runs (the defaults are what the compiler uses).
//
// Candidates (mode best): per dimension, the dimensions the dataflow maps
// onto the array get array-aligned tiles (os: m on the columns and the
// y*x pixel tile on the rows, at least min(rows, E*F) pixels; ws: m on the
// columns, c*R*S on the rows; is: c*R*S on the rows, pixels on the columns;
// pool/eltwise/unary: m along the vector unit's lanes): multiples of the
// array step that divide N or are power-of-two multiples, ragged splits
// rounded up to the step (the last tile takes the remainder), and N; the
// step is the array extent, for c under ws/is lanes / gcd(lanes, R*S), for
// y under os/is lanes / gcd(lanes, F) (whole rows fill whole folds).
// Temporal dimensions get the divisors of N, the powers of two below N, N,
// and the ragged splits ceil(N / j) for trip counts j = 1..8, 10, 12, 15,
// 18, 22, 27, ... (about 25% apart); mapped pixel loops get those too. x
// tiles are whole rows or at least one DMA burst long; k and l stay whole.
// If nothing fits, the search retries with tiles smaller than the array
// added (divisors and powers of two of m, c, y, x; k and l whole), then
// with every divisor/power of two (k and l split too, no alignment).
// Tilings with more inter-tile iterations than the NPU accepts
// (NPU_MAX_KERNEL_TILES) are never candidates. Orders: every permutation of the
// active loops, one per class of reload factors (ρ_W, ρ_I, ρ_O, ρ_bias)
// and fold continuation runs (the streamed loops inside the innermost
// active stationary loop, systolic.h): they fix the bytes and the estimate.
// Orders that spill partial sums are skipped when desc.psum_addr is 0.
// Ranking: every candidate gets exact DRAM bytes (the analytic traffic
// model) and an analytic cycle estimate (compute cycles of every tile from
// systolic.h with the order's fold continuation runs, the same cycles the
// walk counts; DRAM channel cycles from the bytes and the footprints' DMA
// runs and bursts, overlapped: max(compute, channel) + first load + last
// write-back + latencies, plus one DRAM latency per inter-tile iteration:
// ping-pong depth 2, a tile's loads start when the previous compute
// starts). The best confirm_top by (cycles, bytes) or
// (bytes, cycles) are run through the NPU core's walk in timing mode against
// a DRAM channel booked as the platform's memory books it, and ranked again
// by the walk's cycles.
struct ScheduleOptions {
    bool exhaustive = false;   // every tile size 1..N_d (k, l too), every order of the active loops
    bool confirm_all = false;  // walk every candidate (small layers, tests)
    unsigned confirm_top = 4;  // candidates confirmed with the walk
};

// One ranked schedule.
struct ScheduleChoice {
    npu_desc_t desc{};  // tile and loop_order set
    KernelPrediction prediction;
    std::uint64_t estimated_cycles = 0;  // the analytic estimate it was ranked by
};

// Chooses desc.tile and desc.loop_order (every other field as the caller set
// it) and returns the prediction for the choice. Throws std::invalid_argument
// with one line when no tiling fits the scratchpads or the descriptor is bad.
// fixed mode: fixed_tiling below.
KernelPrediction schedule_kernel(npu_desc_t& desc, const ArchConfig& arch, Objective objective,
                                 ScheduleMode mode);
KernelPrediction schedule_kernel(npu_desc_t& desc, const ArchConfig& arch, Objective objective,
                                 ScheduleMode mode, const ScheduleOptions& options);

// The walked candidates, best first (schedule_kernel takes the first).
std::vector<ScheduleChoice> rank_schedules(const npu_desc_t& desc, const ArchConfig& arch,
                                           Objective objective, const ScheduleOptions& options);

// The fixed default tiling: m = min(M, array columns), the pixel tile whole
// output rows covering at least the array's rows (y = ceil(rows / F)), c, k,
// l whole; order m, y, x, c, k, l (no partial sums leave the NPU); while the
// footprints do not fit, halve c, then y, then x, then m, then k, then l.
void fixed_tiling(npu_desc_t& desc, const ArchConfig& arch);

// The prediction for a descriptor whose tiling is already set: bytes from the
// analytic model, cycles from the NPU core's walk in timing mode. Throws
// std::invalid_argument with one line when the NPU would refuse the descriptor.
KernelPrediction predict_kernel(const npu_desc_t& desc, const ArchConfig& arch);

// The search's analytic estimate for a tiled descriptor (no walk): exact
// bytes, estimated cycles and bursts.
KernelPrediction estimate_kernel(const npu_desc_t& desc, const ArchConfig& arch);

}  // namespace npu::compiler
