// Compiling a workload graph for the NPU: lowering every node to kernel
// descriptors (scheduled by schedule_kernel) and CPU steps, laying the
// tensors out in DRAM with liveness-based reuse, building the call and irq
// programs, and the model image's tables. Plain C++, no SystemC.
//
//   CompiledModel m = compile(graph, options);     // throws CompileError
//   std::vector<uint8_t> bytes = write_image(m);   // the setup.bin
//   std::cout << dump_schedule(m);
//
// DRAM (from options.load_addr up): the image (header, tables, constants),
// then the input header (64 B), then the activation arena: graph input,
// activations, psum scratch, each 64-byte aligned, buffers reused once their
// last reader has run (dram_layout.h). header.dram_end is the arena's end.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "npu_compiler/image.h"
#include "npu_compiler/kernel_schedule.h"
#include "workloads/graph.h"

namespace npu::compiler {

// A node that cannot be lowered; one line naming the node ("node 'x': ...").
struct CompileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct CompileOptions {
    std::uint8_t dataflow = NPU_DF_OS;  // NPU_DF_*
    // arch.core: array rows/cols, scratchpad bytes, DMA burst, DRAM base and
    // size; arch.dram_bw / dram_latency: the memory the cycles are predicted for.
    ArchConfig arch;
    Objective objective = Objective::cycles;
    ScheduleMode mode = ScheduleMode::best;
    std::uint64_t load_addr = NPU_IMG_DEFAULT_LOAD_ADDR;  // where the platform puts the image
    // Largest run-time sequence length of lstm/gru/attention (0: the graph's T).
    std::uint32_t seq_len_max = 0;
    // Every activation buffer stays live to the end of the program (no reuse),
    // so each layer's output can still be read after the run (--verify-layers).
    bool keep_activations = false;
};

// One DRAM buffer with its lifetime, in program positions (a node's index in
// graph order; a buffer is live from its producer to its last reader,
// inclusive). Views and concat inputs share their buffer's entry.
struct Allocation {
    std::string what;  // tensor name(s)
    std::uint64_t addr = 0;
    std::uint64_t bytes = 0;
    int first = 0, last = 0;
};

// A layer's predicted bytes on the DRAM bus (KernelPrediction::bus_*),
// summed like the layer table's predicted bytes (loops at the default
// sequence length, resident weight loads left out).
struct LayerBusPrediction {
    std::uint64_t rd_ifmap = 0, rd_weight = 0, rd_psum = 0, wr_ofmap = 0, wr_psum = 0;
    // Adds `launches` launches of a kernel predicted as p.
    void add(const KernelPrediction& p, std::uint64_t launches = 1) {
        rd_ifmap += p.bus_rd_ifmap * launches;
        rd_weight += p.bus_rd_weight * launches;
        rd_psum += p.bus_rd_psum * launches;
        wr_ofmap += p.bus_wr_ofmap * launches;
        wr_psum += p.bus_wr_psum * launches;
    }
};

struct CompiledModel {
    ModelImage image;  // header (addresses, counts), tables, constants
    CompileOptions options;
    // Per descriptor (index as image.descs): the prediction schedule_kernel
    // returned for its chosen tiling.
    std::vector<KernelPrediction> predictions;
    // Weight bytes the layer rows' predictions leave out because a kernel
    // relaunched in a loop with NPU_PROG_F_RESIDENT_AFTER_FIRST finds its
    // weights still in the scratchpad (at the default sequence length; see
    // README). The cycles are predicted cold.
    std::uint64_t resident_saved_bytes = 0;
    // Per layer (index as image.layers): predicted bytes on the DRAM bus.
    // Host-side only: the image's layer table has no room for them.
    std::vector<LayerBusPrediction> layer_bus;
    // The activation arena's buffers (not the image's constants).
    std::vector<Allocation> allocations;
    std::uint64_t arena_base = 0;       // first byte above the image and input header
    std::uint64_t activation_peak = 0;  // bytes of the arena in use at its peak
    // What the lowering chose that a user should know (e.g. a concat done by
    // a CPU copy step instead of strided writes), one line each.
    std::vector<std::string> notes;
};

CompiledModel compile(const wl::Graph& graph, const CompileOptions& options = {});

// The image's bytes (write_image of model.image).
std::vector<std::uint8_t> write_image(const CompiledModel& model);

// Per kernel: layer, op, shape, tiling and loop order, predicted cycles and
// utilisation, predicted DRAM bytes per tensor, scratchpad occupancy; then
// totals. CPU steps appear in program order.
std::string dump_schedule(const CompiledModel& model);

}  // namespace npu::compiler
