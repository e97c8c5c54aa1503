// vp_run: parse the configuration, elaborate the SoC, run, report.
// Exit status: 0 when the guest passes; 2 for bad input (options, files); 3
// when the simulation fails (trap with no handler, --max-cycles, --timeout, a
// stalled platform, a model error); 4 when --verify finds a difference; a
// failing guest's code mapped by vp::guest_failure_status (never 0, 2, 3 or
// 4). Always one error line.
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include <systemc>

#include "vp/compare_control.h"
#include "vp/config.h"
#include "vp/console.h"
#include "vp/log.h"
#include "vp/lsan_options.h"
#include "vp/model_run.h"
#include "vp/output_file.h"
#include "vp/report.h"
#include "vp/sim_control.h"
#include "vp/soc.h"
#include "vp/stats.h"
#include "vp/trace_json.h"
#include "workloads/zoo.h"

namespace {

int error_exit(int status, const std::string& message) {
    vp::console().flush();
    std::cerr << "vp_run: error: " << message << std::endl;
    return status;
}

std::uint64_t stat_or_zero(const char* path) {
    return vp::stats().contains(path) ? static_cast<std::uint64_t>(vp::stats().read(path)) : 0;
}

// SC_EXIT_ON_STARVATION stops at the last event before the limit; when
// activity is still pending past it, the limit cut the run, and simulated
// time is moved to the limit itself so the report's cycles are exactly
// --max-cycles (nothing is scheduled in between).
void reach_limit(const sc_core::sc_time& limit) {
    if (vp::SimControl::finished() || !sc_core::sc_pending_activity()) return;
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (now < limit && sc_core::sc_time_to_pending_activity() > limit - now)
        sc_core::sc_start(limit - now, sc_core::SC_RUN_TO_TIME);
}

// Runs the kernel to the guest's end, a stall, the --max-cycles limit or the
// --timeout wall-clock limit. The limit's time is exact: cycles times the
// cycle's picoseconds in integers (parse_config refused limits that overflow).
void simulate(const vp::Config& config, const sc_core::sc_time& cycle) {
    const bool bounded = config.max_cycles > 0;
    const sc_core::sc_time limit =
        bounded ? sc_core::sc_time::from_value(cycle.value() * config.max_cycles)
                : sc_core::sc_max_time();
    if (config.timeout_seconds <= 0) {
        if (bounded)
            sc_core::sc_start(limit, sc_core::SC_EXIT_ON_STARVATION);
        else
            sc_core::sc_start();
        reach_limit(limit);
        return;
    }
    // With --timeout the kernel runs in slices of simulated time and the
    // host clock is read between them: nothing is added to the models' hot
    // paths, and a guest that keeps time moving (a loop, a trap storm) is
    // always stopped.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(config.timeout_seconds);
    const sc_core::sc_time slice = sc_core::sc_time::from_value(cycle.value() * 1'000'000);
    for (;;) {
        const sc_core::sc_time now = sc_core::sc_time_stamp();
        if (now >= limit) return;
        sc_core::sc_start(bounded && limit - now < slice ? limit - now : slice,
                          sc_core::SC_EXIT_ON_STARVATION);
        if (vp::SimControl::finished() || !sc_core::sc_pending_activity()) return;
        if (std::chrono::steady_clock::now() >= deadline) {
            std::ostringstream os;
            os << "--timeout " << config.timeout_seconds << " s reached at cycle "
               << static_cast<std::uint64_t>(sc_core::sc_time_stamp() / cycle + 0.5)
               << " before the guest ended the run";
            vp::SimControl::fail(os.str());
            return;
        }
        // A slice starves early when the next activity lies past its end (a
        // CPU asleep until a distant timer): move time to that activity, or
        // to the limit when the activity lies beyond it.
        const sc_core::sc_time at = sc_core::sc_time_stamp();
        const sc_core::sc_time wait = sc_core::sc_time_to_pending_activity();
        if (bounded && wait >= limit - at) {
            reach_limit(limit);
            return;
        }
        if (wait > sc_core::SC_ZERO_TIME) sc_core::sc_start(wait, sc_core::SC_RUN_TO_TIME);
    }
}

}  // namespace

// The SystemC kernel prints a copyright banner on stderr when it starts,
// unless this variable is set; our main sets it before handing over to the
// kernel, so stderr carries only our own lines.
int main(int argc, char* argv[]) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char* argv[]) {
    const auto process_start = std::chrono::steady_clock::now();
    vp::install_report_handler();
    vp::ParseResult parsed;
    try {
        parsed = vp::parse_config(argc, argv);
        if (parsed.exit_now) {
            std::cout << parsed.text;
            return 0;
        }
    } catch (const vp::ConfigError& e) {
        return error_exit(vp::kExitConfigError, e.what());
    }
    vp::Config& config = parsed.config;
    vp::LogLevel level = vp::LogLevel::warn;
    vp::parse_log_level(config.log_level, level);
    vp::set_log_level(level);

    if (config.list_workloads) {
        std::cout << wl::zoo::list_text();
        return 0;
    }
    // Three runs in child processes (SystemC elaborates once per process).
    if (config.compare_control) return vp::run_compare_control(argc, argv, config);
    // A network: compile it (or read the saved image) before elaborating.
    std::optional<vp::ModelRun> model;
    if (config.runs_model()) {
        try {
            vp::ModelPrep prep = vp::prepare_model(config);
            if (prep.exit_now) {
                std::cout << prep.text;
                return 0;
            }
            model = std::move(prep.run);
        } catch (const vp::ConfigError& e) {
            return error_exit(vp::kExitConfigError, e.what());
        } catch (const std::exception& e) {
            return error_exit(vp::kExitConfigError, e.what());
        }
    }

    // Without --firmware (and not --demo) the CPU runs the platform's own
    // firmware, built with vp_run.
    std::string firmware = config.firmware;
#ifdef VP_DEFAULT_FIRMWARE_ELF
    if (firmware.empty() && !config.demo) firmware = VP_DEFAULT_FIRMWARE_ELF;
#endif
    if (firmware.empty() && !config.demo)
        return error_exit(
            vp::kExitConfigError,
            "no firmware: give --firmware FILE.elf (this build has no default firmware)");

    std::unique_ptr<vp::Soc> soc;
    // --vcd and --trace-json reach their paths only when the run ends
    // (vp/output_file.h); SystemC's VCD writer appends ".vcd" to its name.
    std::unique_ptr<vp::OutputFile> vcd_out;
    sc_core::sc_trace_file* vcd = nullptr;
    std::unique_ptr<vp::TraceJson> trace_json;
    try {
        soc = std::make_unique<vp::Soc>("soc", config, firmware);
        if (model) {
            soc->load_model(model->bytes, vp::run_parameters(config, *model),
                            vp::input_blobs(*model));
            if (isatty(2)) soc->npu_dev->set_kernel_done_hook(vp::progress_printer(*model));
        }
        if (!config.vcd.empty()) {
            vcd_out = std::make_unique<vp::OutputFile>("--vcd", config.vcd, ".vcd");
            vcd = sc_core::sc_create_vcd_trace_file(vcd_out->stem().c_str());
            vcd->set_time_unit(1, sc_core::SC_NS);
            soc->trace(vcd);
        }
        if (!config.trace_json.empty()) {
            trace_json = std::make_unique<vp::TraceJson>(config.trace_json, soc->cycle(),
                                                         model ? &model->image : nullptr);
            trace_json->attach(*soc);
        }
    } catch (const vp::ConfigError& e) {
        return error_exit(vp::kExitConfigError, e.what());
    } catch (const std::exception& e) {
        return error_exit(vp::kExitConfigError, e.what());
    }
    if (vp::SimControl::finished())  // an error during elaboration
        return error_exit(vp::kExitSimError, vp::SimControl::message());

    const auto host_start = std::chrono::steady_clock::now();
    const sc_core::sc_time cycle(config.cycle_ns(), sc_core::SC_NS);
    simulate(config, cycle);
    const double host_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - host_start).count();

    // SC_EXIT_ON_STARVATION returns once nothing is scheduled before the
    // limit: activity still pending means the limit cut the run; none at all
    // means nothing can ever happen again (a stall), which is reported as such.
    if (!vp::SimControl::finished()) {
        if (config.max_cycles > 0 && sc_core::sc_pending_activity())
            vp::SimControl::fail("--max-cycles " + std::to_string(config.max_cycles) +
                                 " reached before the guest ended the run");
        else
            vp::SimControl::fail(soc->stall_diagnosis());
    }
    vp::console().flush();
    if (model && isatty(2)) std::cerr << "\r\033[K" << std::flush;  // clear the progress line
    std::string output_error;  // reported after the report is written
    if (vcd) {
        sc_core::sc_close_vcd_trace_file(vcd);
        try {
            vcd_out->commit();
        } catch (const std::exception& e) {
            output_error = e.what();
        }
    }
    if (trace_json) {
        try {
            trace_json->finish(static_cast<std::uint64_t>(sc_core::sc_time_stamp() / cycle + 0.5));
        } catch (const std::exception& e) {
            if (output_error.empty()) output_error = e.what();
        }
    }

    vp::RunReport run;
    run.sim_time_ns = sc_core::sc_time_stamp() / sc_core::sc_time(1, sc_core::SC_NS);
    run.cycles = static_cast<std::uint64_t>(sc_core::sc_time_stamp() / cycle + 0.5);
    run.cpu_instructions = stat_or_zero("cpu.instructions");
    run.cpu_busy_cycles = stat_or_zero("cpu.busy_cycles");
    run.cpu_sleep_cycles = stat_or_zero("cpu.sleep_cycles");
    run.interrupts = stat_or_zero("cpu.interrupts");
    run.kernel_launches = stat_or_zero("npu.kernels");
    run.npu_busy_cycles = stat_or_zero("npu.cycles");
    run.npu_idle_cycles = stat_or_zero("npu.idle_cycles");
    for (const char* key :
         {"npu.dram_read_bytes.ifmap", "npu.dram_read_bytes.weight", "npu.dram_read_bytes.psum",
          "npu.dram_read_bytes.bias", "npu.dram_read_bytes.lut", "npu.dram_write_bytes.ofmap",
          "npu.dram_write_bytes.psum"})
        run.npu_dram_bytes += stat_or_zero(key);
    for (const char* key : {"npu.dram_bus_read_bytes.ifmap", "npu.dram_bus_read_bytes.weight",
                            "npu.dram_bus_read_bytes.psum", "npu.dram_bus_read_bytes.bias",
                            "npu.dram_bus_read_bytes.lut", "npu.dram_bus_write_bytes.ofmap",
                            "npu.dram_bus_write_bytes.psum"})
        run.npu_dram_bus_bytes += stat_or_zero(key);
    run.resident_weight_bytes = stat_or_zero("npu.resident_weight_bytes");
    // Control traffic: the CPU's register accesses to the NPU (launch window
    // included) plus the descriptors the NPU fetched itself.
    run.control_bus_bytes =
        stat_or_zero("bus.targets.npu.bytes") + stat_or_zero("npu.desc_fetch_bytes");
    run.host_sim_seconds = host_seconds;
    run.host_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - process_start).count();
    run.host_mips = host_seconds > 0 ? run.cpu_instructions / host_seconds / 1e6 : 0.0;
    run.exit_status = vp::SimControl::exit_status();
    run.failed = vp::SimControl::failed();
    run.end_reason = vp::SimControl::message();

    const std::vector<vp::LayerReport> layers =
        model ? vp::model_layer_reports(*soc->npu_dev, *model) : soc->layer_reports();
    vp::VerifyReport verify;
    std::string mismatch;
    std::string verify_error;
    if (model && config.verify && !run.failed && run.exit_status == 0) {
        try {
            verify = vp::verify_model(soc->dram.data(), soc->dram.size(), *model,
                                      config.verify_layers, mismatch);
        } catch (const std::exception& e) {
            verify_error = std::string("--verify: ") + e.what();
        }
    }
    // The report is written whenever the run ended, whatever else failed.
    try {
        if (!config.report.empty())
            vp::write_file(config.report, vp::report_text(vp::make_report(
                                              config, layers, run, verify, vp::stats().to_json(),
                                              vp::console().transcript())));
        if (!config.csv.empty()) vp::write_file(config.csv, vp::make_csv(layers));
    } catch (const std::exception& e) {
        return error_exit(vp::kExitConfigError, e.what());
    }
    if (!output_error.empty()) return error_exit(vp::kExitConfigError, output_error);
    if (!verify_error.empty()) return error_exit(vp::kExitSimError, verify_error);

    // stdout belongs to the guest when a CPU runs firmware (byte-identical to
    // QEMU's); the summary then goes to stderr.
    // A failed run prints its one error line only (the report, if asked for,
    // still holds every figure).
    if (run.failed) return error_exit(vp::kExitSimError, run.end_reason);
    // A network's table is the run's result (stdout); with plain firmware,
    // stdout is the guest's alone.
    std::ostream& summary_out = config.demo || model ? std::cout : std::cerr;
    summary_out << vp::format_summary(layers, run);
    if (verify.checked)
        summary_out << "verify: " << (config.verify_layers ? "every layer" : "output") << " "
                    << (verify.match ? "matches the reference executor bit for bit\n"
                                     : "DIFFERS from the reference executor: " + mismatch + "\n");
    if (config.print_stats) summary_out << vp::stats().to_text();
    if (verify.checked && !verify.match)
        return error_exit(vp::kExitVerifyMismatch, "--verify: " + mismatch);
    return run.exit_status;
}
