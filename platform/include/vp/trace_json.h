// vp_run --trace-json FILE: the run as a timeline in the Chrome trace-event
// format (the JSON object form, {"traceEvents": [...], ...}), which
// ui.perfetto.dev and chrome://tracing open. Tracks (docs/report.md,
// "Timeline"): the CPU's firmware steps (launch, wait, CPU ops, interrupt
// handlers), the NPU's command processor (one event per kernel, named by
// layer), DMA read, DMA write and the MAC array (busy intervals, aggregated),
// and counters of the DRAM bandwidth the NPU's DMA uses.
//
// Events are written as they happen to a temporary file (OutputFile) and
// the file reaches its path at the end of the run, so memory holds one
// kernel's intervals at most, whatever the length of the run.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "npu/npu.h"
#include "npu_compiler/image.h"

namespace vp {

class Soc;
class OutputFile;

// Busy intervals of one track merged into at most `max_events` spans
// (the aggregation rule of the timeline, docs/report.md): overlapping or
// touching intervals become one span; if more than max_events remain,
// exactly enough gaps are closed to leave max_events, shortest first (gaps
// of the deciding length spread evenly). Sums are kept exactly.
struct TraceSpan {
    std::uint64_t begin = 0, end = 0;
    std::uint64_t bytes = 0;      // sum over the merged intervals
    std::uint64_t bus_bytes = 0;  // the same on the DRAM bus (whole atoms)
    std::uint64_t busy = 0;       // cycles covered by at least one interval
    std::uint64_t intervals = 0;  // intervals merged
};
std::vector<TraceSpan> aggregate_spans(std::vector<npu::KernelTrace::Interval> in,
                                       std::size_t max_events);

class TraceJson : public npu::TraceObserver {
  public:
    // Spans per kernel on each of the DMA read, DMA write and MAC tracks.
    static constexpr std::size_t kMaxSpansPerKernel = 100;

    // `path`: the output; `cycle`: the clock's period (timestamps are
    // simulated time); `image`: the model's tables for names (nullptr
    // for plain firmware: kernels are named kernel<id>, steps by value).
    // Throws ConfigError (one line) when the temporary file cannot be made.
    TraceJson(const std::string& path, const sc_core::sc_time& cycle,
              const npu::compiler::ModelImage* image);
    ~TraceJson() override;

    // Connects the SoC's syscon (FW_STEP), CPU (traps) and NPU to this trace.
    void attach(Soc& soc);

    // Inputs, in cycles (the hooks convert simulated time).
    void fw_step(std::uint64_t cycle, std::uint32_t value);
    void trap(bool entry, std::uint32_t mcause, std::uint64_t cycle);
    void start_written(const sc_core::sc_time& at) override;
    void kernel_done(const npu::KernelTrace& kernel) override;

    // Ends the CPU's open slice at `end_cycle`, completes the JSON and puts
    // it at its path. Throws std::runtime_error (one line) when it cannot.
    void finish(std::uint64_t end_cycle);

  private:
    struct Slice {
        std::string name, args;  // args: a JSON object's members, without braces
        std::uint64_t begin = 0;
    };
    std::uint64_t cycles_of(const sc_core::sc_time& t) const;
    std::string ts(std::uint64_t cycle) const;  // microseconds, exact decimal
    void event(const std::string& body);
    void complete(int pid, int tid, const std::string& name, const char* cat, std::uint64_t begin,
                  std::uint64_t end, const std::string& args);
    void cpu_switch(std::uint64_t cycle, std::string name, std::string args);
    std::string layer_name(std::uint32_t kernel_id) const;
    Slice step_slice(std::uint32_t value) const;

    std::string m_path;
    std::unique_ptr<OutputFile> m_file;
    std::ofstream m_out;
    bool m_first = true;
    sc_core::sc_time m_cycle;
    std::uint64_t m_cycle_ps;
    const npu::compiler::ModelImage* m_image;
    bool m_cpu = false;  // the SoC has a CPU (not --demo)
    Slice m_cur;         // the CPU's open slice
    bool m_cur_open = false;
    std::vector<Slice> m_interrupted;  // slices a trap handler interrupted
};

}  // namespace vp
