// vp_run: parse the configuration, elaborate the SoC, run, report.
// Exit status: the guest's own status when it ends the run; 2 for bad input
// (options, files); 3 when the simulation fails (trap with no handler,
// --max-cycles, a stalled platform, a model error). Always one error line.
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include <systemc>

#include "vp/compare_control.h"
#include "vp/config.h"
#include "vp/console.h"
#include "vp/log.h"
#include "vp/lsan_options.h"
#include "vp/model_run.h"
#include "vp/report.h"
#include "vp/sim_control.h"
#include "vp/soc.h"
#include "vp/stats.h"
#include "workloads/zoo.h"

namespace {

int error_exit(int status, const std::string& message) {
    vp::console().flush();
    std::cerr << "vp_run: error: " << message << std::endl;
    return status;
}

// Fails early (before a long simulation) when an output cannot be written.
void check_writable(const char* option, const std::string& path) {
    if (path.empty()) return;
    std::ofstream probe(path, std::ios::app);
    if (!probe) throw vp::ConfigError(std::string("--") + option + " '" + path + "': cannot write");
}

std::uint64_t stat_or_zero(const char* path) {
    return vp::stats().contains(path) ? static_cast<std::uint64_t>(vp::stats().read(path)) : 0;
}

// sc_create_vcd_trace_file appends ".vcd"; give it the stem of the path.
std::string vcd_stem(const std::string& path) {
    const std::string ext = ".vcd";
    if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0)
        return path.substr(0, path.size() - ext.size());
    return path;
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
        check_writable("report", parsed.config.report);
        check_writable("csv", parsed.config.csv);
        check_writable("vcd", parsed.config.vcd);
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
    sc_core::sc_trace_file* vcd = nullptr;
    try {
        soc = std::make_unique<vp::Soc>("soc", config, firmware);
        if (model) {
            soc->load_model(model->bytes, vp::run_parameters(config, *model),
                            vp::input_blobs(*model));
            if (isatty(2)) soc->npu_dev->set_kernel_done_hook(vp::progress_printer(*model));
        }
        if (!config.vcd.empty()) {
            vcd = sc_core::sc_create_vcd_trace_file(vcd_stem(config.vcd).c_str());
            vcd->set_time_unit(1, sc_core::SC_NS);
            soc->trace(vcd);
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
    if (config.max_cycles > 0)
        sc_core::sc_start(cycle * static_cast<double>(config.max_cycles),
                          sc_core::SC_EXIT_ON_STARVATION);
    else
        sc_core::sc_start();
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
    if (vcd) {
        sc_core::sc_close_vcd_trace_file(vcd);
        if (vcd_stem(config.vcd) == config.vcd)
            std::rename((config.vcd + ".vcd").c_str(), config.vcd.c_str());
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
    if (model && config.verify && !run.failed && run.exit_status == 0) {
        try {
            verify = vp::verify_model(soc->dram.data(), soc->dram.size(), *model,
                                      config.verify_layers, mismatch);
        } catch (const std::exception& e) {
            return error_exit(vp::kExitSimError, std::string("--verify: ") + e.what());
        }
    }
    try {
        if (!config.report.empty())
            vp::write_file(config.report,
                           vp::make_report(config, layers, run, verify, vp::stats().to_json(),
                                           vp::console().transcript())
                                   .dump(2) +
                               "\n");
        if (!config.csv.empty()) vp::write_file(config.csv, vp::make_csv(layers));
    } catch (const std::exception& e) {
        return error_exit(vp::kExitConfigError, e.what());
    }

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
