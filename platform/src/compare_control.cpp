// See compare_control.h. SystemC elaborates once per process, so each control
// mode runs in a child vp_run (this very executable) that writes a JSON
// report; the parent reads the three reports and lines them up.
#include "vp/compare_control.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "vp/report.h"
#include "vp/sim_control.h"

extern char** environ;

namespace vp {

namespace {

struct Mode {
    const char* label;
    const char* key;
    std::vector<std::string> args;
};

// Options of the parent that the children must not inherit: the comparison
// itself and the outputs (each child writes its own report).
bool dropped(const std::string& arg, bool& takes_value) {
    takes_value = false;
    for (const char* opt : {"--report", "--csv", "--vcd", "--control", "--completion"}) {
        if (arg == opt) {
            takes_value = true;
            return true;
        }
        if (arg.rfind(std::string(opt) + "=", 0) == 0) return true;
    }
    return arg == "--compare-control";
}

// Runs argv with stdout to /dev/null and stderr to err_path; returns the exit status.
int spawn_wait(const std::vector<std::string>& args, const std::string& err_path) {
    std::vector<char*> argv;
    for (const std::string& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line))
        if (!line.empty()) last = line;
    return last;
}

}  // namespace

int run_compare_control(int argc, const char* const argv[], const Config& config) {
    const std::vector<Mode> modes = {
        {"irq", "irq", {"--control", "irq"}},
        {"call+irq", "call_irq", {"--control", "call", "--completion", "irq"}},
        {"call+poll", "call_poll", {"--control", "call", "--completion", "poll"}},
    };
    std::vector<std::string> base{argv[0]};
    for (int i = 1; i < argc; ++i) {
        bool takes_value = false;
        if (dropped(argv[i], takes_value)) {
            if (takes_value) ++i;
            continue;
        }
        base.emplace_back(argv[i]);
    }
    char dir_tmpl[] = "/tmp/vp_compare_XXXXXX";
    const char* dir = mkdtemp(dir_tmpl);
    if (!dir) {
        std::cerr << "vp_run: error: --compare-control: cannot create a temporary directory\n";
        return kExitConfigError;
    }
    nlohmann::json runs;
    std::vector<std::string> errors(modes.size());
    for (std::size_t m = 0; m < modes.size(); ++m) {
        const std::string report = std::string(dir) + "/" + modes[m].key + ".json";
        const std::string err = std::string(dir) + "/" + modes[m].key + ".err";
        std::vector<std::string> args = base;
        args.insert(args.end(), modes[m].args.begin(), modes[m].args.end());
        args.insert(args.end(), {"--report", report});
        const int status = spawn_wait(args, err);
        std::ifstream in(report);
        if (status == 0 && in) {
            runs[modes[m].key] = nlohmann::json::parse(in, nullptr, false);
        } else {
            errors[m] = first_line(err);
            if (errors[m].empty()) errors[m] = "exit status " + std::to_string(status);
            runs[modes[m].key] = {{"error", errors[m]}};
        }
        std::remove(report.c_str());
        std::remove(err.c_str());
    }
    rmdir(dir);

    struct Row {
        const char* label;
        const char* key;
    };
    const std::vector<Row> rows = {
        {"total cycles", "cycles"},
        {"NPU busy cycles", "npu_busy_cycles"},
        {"NPU idle cycles (between kernels)", "npu_idle_cycles"},
        {"CPU busy cycles", "cpu_busy_cycles"},
        {"CPU sleep cycles", "cpu_sleep_cycles"},
        {"CPU instructions", "cpu_instructions"},
        {"interrupts taken", "interrupts"},
        {"kernel launches", "kernel_launches"},
        {"control bytes on the bus", "control_bus_bytes"},
        {"weight bytes saved by residency", "resident_weight_bytes"},
        {"NPU DRAM bytes", "npu_dram_bytes"},
        {"NPU DRAM bus bytes (whole atoms)", "npu_dram_bus_bytes"},
    };
    std::ostringstream os;
    os << "control comparison: " << (config.workload.empty() ? config.setup : config.workload)
       << " (" << to_string(config.dataflow) << ", " << config.array_rows << "x"
       << config.array_cols << ", " << to_string(config.mode) << ")\n";
    os << std::left << std::setw(36) << "" << std::right;
    for (const Mode& m : modes)
        os << std::setw(16) << m.label;
    os << '\n';
    for (const Row& r : rows) {
        os << std::left << std::setw(36) << r.label << std::right;
        for (const Mode& m : modes) {
            const nlohmann::json& j = runs[m.key];
            if (j.contains("run") && j["run"].contains(r.key))
                os << std::setw(16) << j["run"][r.key].dump();
            else
                os << std::setw(16) << "-";
        }
        os << '\n';
    }
    for (std::size_t m = 0; m < modes.size(); ++m)
        if (!errors[m].empty()) os << modes[m].label << ": " << errors[m] << '\n';
    std::cout << os.str();
    if (!config.report.empty()) {
        nlohmann::json out;
        out["version"] = 1;
        out["compare_control"] = runs;
        try {
            write_file(config.report, out.dump(2) + "\n");
        } catch (const std::exception& e) {
            std::cerr << "vp_run: error: " << e.what() << std::endl;
            return kExitConfigError;
        }
    }
    // Every mode that can run the model must have run it.
    for (std::size_t m = 0; m < modes.size(); ++m)
        if (!errors[m].empty() && errors[m].find("--control call") == std::string::npos)
            return kExitSimError;
    return 0;
}

}  // namespace vp
