// The run's report: the JSON shape of docs/report.md ("version", "config",
// "layers", "totals", "run", "verify") plus the full statistics tree and the
// guest's console output. Plain C++: the values are gathered by vp_run and the
// report is built and written here, so tests can check it without SystemC.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vp/config.h"

namespace vp {

// Per layer (kernel) figures with the report's field names.
struct LayerReport {
    std::string name;
    std::string op;
    std::string error;           // the NPU's error name when the kernel failed, else empty
    std::uint64_t launches = 0;  // kernels run for this layer (several per LSTM step loop)
    std::uint64_t macs = 0;
    std::uint64_t cycles = 0;
    std::uint64_t compute_cycles = 0;
    std::uint64_t stall_cycles = 0;
    std::uint64_t pes = 0;  // for utilization = macs / (cycles * pes)
    struct Bytes {
        std::uint64_t ifmap = 0, weight = 0, ofmap = 0, psum = 0;
    };
    Bytes dram_read, dram_write;
    // The compiler's analytic prediction; absent (JSON null, empty CSV cell)
    // when the kernel did not come from the compiler.
    bool has_prediction = false;
    Bytes predicted_read, predicted_write;
    Bytes sram_reads, sram_writes;  // ifmap, weight, ofmap buffers (psum unused)
    // The same DRAM transfers as bytes on the DRAM bus (whole atoms,
    // --dram-atom), and the compiler's prediction of them (absent for a
    // --setup image with loops: the image does not carry it).
    Bytes dram_bus_read, dram_bus_write;
    bool has_bus_prediction = false;
    Bytes predicted_bus_read, predicted_bus_write;
    // The untiled layer's systolic compute cycles (model_run.h,
    // untiled_compute_cycles); absent (JSON null, empty CSV cell) without
    // the layer's descriptors.
    bool has_formula = false;
    std::uint64_t formula_cycles = 0;
    double utilization() const;
};

struct RunReport {
    std::uint64_t cycles = 0;
    double sim_time_ns = 0;
    std::uint64_t cpu_instructions = 0;
    std::uint64_t cpu_busy_cycles = 0;
    std::uint64_t cpu_sleep_cycles = 0;
    std::uint64_t interrupts = 0;
    std::uint64_t kernel_launches = 0;
    std::uint64_t control_bus_bytes = 0;
    std::uint64_t npu_busy_cycles = 0;        // inside kernels
    std::uint64_t npu_idle_cycles = 0;        // between the end of one kernel and the next's start
    std::uint64_t npu_dram_bytes = 0;         // read and written by the NPU's DMA
    std::uint64_t npu_dram_bus_bytes = 0;     // the same on the DRAM bus (whole atoms)
    std::uint64_t resident_weight_bytes = 0;  // weight loads skipped: still in the scratchpad
    double host_seconds = 0;      // wall time of the whole vp_run (compile, elaborate, simulate)
    double host_sim_seconds = 0;  // of which simulating
    double host_mips = 0;         // CPU instructions per simulating second
    int exit_status = 0;
    std::string end_reason;  // who ended the run, or the failure line
    bool failed = false;
};

struct VerifyReport {
    bool checked = false;
    bool match = false;
};

nlohmann::json config_to_json(const Config& config);
nlohmann::json make_report(const Config& config, const std::vector<LayerReport>& layers,
                           const RunReport& run, const VerifyReport& verify,
                           const nlohmann::json& stats, const std::string& console);
// The per-layer CSV: one row a layer plus a "total" row, same names as the JSON.
std::string make_csv(const std::vector<LayerReport>& layers);
// The human summary printed at the end of a run.
std::string format_summary(const std::vector<LayerReport>& layers, const RunReport& run);

// The report as written to --report: indented JSON and a newline. Bytes that
// are not UTF-8 (a guest's console may print anything) become U+FFFD instead
// of making the dump throw.
std::string report_text(const nlohmann::json& report);

// Writes text to path; throws std::runtime_error("cannot write <path>: <why>").
void write_file(const std::string& path, const std::string& text);

}  // namespace vp
