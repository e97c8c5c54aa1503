// Running a network on the platform: what vp_run does for --workload and
// --setup around the simulation. Before: build or import the graph, compile
// it (or read a saved image), answer --list-workloads / --dump-schedule /
// --emit-setup, and prepare the image and the input data for the DRAM. After:
// the per-layer report (the NPU's measurements beside the compiler's
// predictions) and --verify against the reference executor.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "npu/npu.h"
#include "npu_compiler/compile.h"
#include "npu_compiler/image.h"
#include "vp/config.h"
#include "vp/report.h"
#include "vp/soc.h"
#include "workloads/graph.h"
#include "workloads/tensor.h"

namespace vp {

struct ModelRun {
    std::vector<std::uint8_t> bytes;  // the image
    npu::compiler::ModelImage image;  // its tables
    std::optional<wl::Graph> graph;   // when compiled from --workload (needed by --verify)
    std::vector<wl::Tensor8> inputs;  // graph inputs at their run-time shapes
    std::uint32_t seq_len = 0;        // run-time sequence length (0: none)
    // Per layer of the image: the compiler's predicted bytes on the DRAM bus
    // (a --setup image does not carry them: predicted again from its
    // descriptors when it has no loops, else empty).
    std::vector<npu::compiler::LayerBusPrediction> layer_bus;
};

struct ModelPrep {
    bool exit_now = false;  // --list-workloads, --dump-schedule, --emit-setup: print text, exit 0
    std::string text;
    ModelRun run;
};

// Throws ConfigError (one line) for any bad workload, image or option; also
// sets config's NPU shape from a --setup image (it was compiled for one).
ModelPrep prepare_model(Config& config);

// The input header and the input tensors' bytes the platform writes.
npu_input_header_t run_parameters(const Config& config, const ModelRun& run);
Soc::DramBlobs input_blobs(const ModelRun& run);

// Progress on stderr for long runs ("layer 12 of 54: conv3_2a"), one line
// rewritten in place; vp_run installs it when stderr is a terminal.
std::function<void(std::uint16_t)> progress_printer(const ModelRun& run);

// One row per layer of the image that ran kernels: measured (summed over the
// layer's launches) and predicted.
std::vector<LayerReport> model_layer_reports(const npu::Npu& npu, const ModelRun& run);

// formula_cycles (docs/report.md): the untiled kernel's compute cycles on the
// configured array and the descriptor's dataflow, from npu/systolic.h, the
// functions the NPU times its tiles with. A MAC kernel is one GEMM per group
// (m = M / groups filters, reduction Cg * R * S, E * F pixels), a pool,
// eltwise or unary kernel vector_cycles of all its output elements times
// window elements. Throws std::invalid_argument with one line naming the
// NPU's error when the descriptor does not decode.
std::uint64_t untiled_compute_cycles(const npu_desc_t& desc, const npu::CoreConfig& cfg);

// Per layer of the image (index = kernel_id), formula_cycles summed over the
// kernels its call program launches at the run's sequence length, each
// launch's descriptor with its patches applied as the firmware applies them.
std::vector<std::uint64_t> layer_formula_cycles(const ModelRun& run, const npu::CoreConfig& cfg);

// --verify: the graph's outputs (with --verify-layers every layer output
// that is still in DRAM) against the reference executor. `message` gets the
// first mismatch ("layer 'conv2' element 17 (c 0, y 2, x 5): NPU 12, reference 13").
VerifyReport verify_model(const std::uint8_t* dram, std::uint64_t dram_bytes, const ModelRun& run,
                          bool every_layer, std::string& message);

}  // namespace vp
