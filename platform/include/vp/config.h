// The run's configuration: one validated struct, filled from
// the command line and an optional INI file whose keys are the long option
// names. parse_config() validates everything in one place and throws
// ConfigError with one line a user can act on.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "npu/systolic.h"
#include "rv/cpu_config.h"
#include "vp/dram_atom.h"

namespace vp {

enum class Dataflow { os, ws, is };
enum class Control { irq, call };
enum class Completion { irq, poll };
enum class SimMode { functional, timing };
enum class Objective { cycles, dram };
enum class ScheduleMode { best, fixed };

const char* to_string(Dataflow d);
const char* to_string(Control c);
const char* to_string(Completion c);
const char* to_string(SimMode m);
const char* to_string(Objective o);
const char* to_string(ScheduleMode m);

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Config {
    // What to run (exactly one of them).
    std::string workload;  // zoo spec ("resnet50", "gemm:m=64,k=64,n=16"), .onnx or .csv path
    std::string setup;     // a saved model image (--emit-setup) to run
    std::string firmware;  // bare-metal RV32 ELF; default: the built NPU runtime
    bool demo = false;     // bus demo driven by the traffic generator (no CPU)
    bool list_workloads = false;

    // Compiling a workload
    Objective objective = Objective::cycles;
    ScheduleMode schedule = ScheduleMode::best;
    std::uint64_t seed = 1;      // synthetic weights and inputs
    unsigned seq_len = 0;        // run-time sequence length (0: the workload's own)
    bool dump_schedule = false;  // print the per-kernel schedule and exit
    std::string emit_setup;      // write the model image to this file and exit

    // NPU
    Dataflow dataflow = Dataflow::os;
    Control control = Control::irq;
    Completion completion = Completion::irq;
    unsigned array_rows = 32;
    unsigned array_cols = 32;
    unsigned ifmap_kb = 64;
    unsigned weight_kb = 64;
    unsigned ofmap_kb = 64;
    unsigned dma_burst_bytes = 64;
    SimMode mode = SimMode::timing;
    bool verify = false;           // implies functional
    bool verify_layers = false;    // --verify, every layer compared
    bool irq_per_layer = false;    // irq control: one interrupt per kernel
    bool compare_control = false;  // run irq, call+irq and call+poll side by side
    bool fold_overlap = false;     // a fold's drain overlaps the next fold's fill (systolic.h)
    // which tiles continue the previous tile's run of folds (systolic.h)
    npu::FoldContinuation fold_continuation = npu::FoldContinuation::run;

    // Memory system and clock (one clock domain; all latencies in its cycles)
    double dram_bw = 16.0;                  // bytes per cycle
    unsigned dram_latency = 100;            // cycles
    unsigned dram_atom = kDefaultDramAtom;  // DRAM access granularity, bytes
    unsigned dram_mb = 256;
    unsigned sram_kb = 1024;
    unsigned sram_latency = 1;  // cycles
    double freq_mhz = 1000.0;

    // CPU
    std::uint64_t quantum_cycles = 10000;          // temporal decoupling quantum
    std::uint64_t max_cycles = 20'000'000'000ull;  // 0: no limit
    double timeout_seconds = 0;                    // host wall-clock limit; 0: none
    std::string semihost_root;                     // empty: console only, no host files
    rv::CpuTiming cpu_timing;

    // Outputs
    std::string vcd;
    std::string report;
    std::string csv;
    std::string trace_json;  // Chrome trace-event / Perfetto timeline (vp/trace_json.h)
    std::string log_level = "warn";
    bool print_stats = false;

    // Where the values came from (for the report).
    std::string config_file;

    double cycle_ns() const { return 1000.0 / freq_mhz; }
    // One cycle in picoseconds (SystemC's time resolution), rounded as
    // sc_time rounds it.
    std::uint64_t cycle_ps() const;
    // A network runs: compiled from --workload or loaded from --setup.
    bool runs_model() const { return !workload.empty() || !setup.empty(); }
};

struct ParseResult {
    Config config;
    bool exit_now = false;  // --help or --version were printed
    std::string text;       // what to print on stdout when exit_now
};

// argv[0] is the program name. Throws ConfigError.
ParseResult parse_config(int argc, const char* const argv[]);
// Validates cross-field rules; parse_config calls it. Throws ConfigError.
void validate(Config& config);

std::string version_string();

// The largest --max-cycles whose simulated time fits SystemC's 64-bit signed
// picosecond time at this clock (9.2e15 cycles at 1 GHz).
std::uint64_t max_cycles_limit(double freq_mhz);

// Size limits of the files vp_run reads whole (a FIFO or a device is refused
// before it is opened).
constexpr std::uint64_t kMaxConfigFileBytes = 1ull << 20;  // --config
constexpr std::uint64_t kMaxInputFileBytes = 1ull << 30;   // --firmware, --setup, --workload file

}  // namespace vp
