// Command line and INI parsing into vp::Config, and every check of the
// configuration (values, cross-field rules, input and output paths).
#include "vp/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/program_options.hpp>

#include "vp/dram_atom.h"
#include "workloads/load.h"

namespace po = boost::program_options;

namespace vp {

const char* to_string(Dataflow d) {
    switch (d) {
        case Dataflow::os:
            return "os";
        case Dataflow::ws:
            return "ws";
        case Dataflow::is:
            return "is";
    }
    return "?";
}
const char* to_string(Control c) {
    return c == Control::irq ? "irq" : "call";
}
const char* to_string(Completion c) {
    return c == Completion::irq ? "irq" : "poll";
}
const char* to_string(SimMode m) {
    return m == SimMode::functional ? "functional" : "timing";
}
const char* to_string(Objective o) {
    return o == Objective::cycles ? "cycles" : "dram";
}
const char* to_string(ScheduleMode m) {
    return m == ScheduleMode::best ? "best" : "fixed";
}

std::string version_string() {
    return "vp_run (npu-vp) 0.1.0";
}

std::uint64_t Config::cycle_ps() const {
    // sc_time(v, SC_NS) at the default 1 ps resolution stores v * 1000 + 0.5, truncated.
    return static_cast<std::uint64_t>(cycle_ns() * 1000.0 + 0.5);
}

std::uint64_t max_cycles_limit(double freq_mhz) {
    Config c;
    c.freq_mhz = freq_mhz;
    // SystemC converts times through signed 64-bit picoseconds.
    return static_cast<std::uint64_t>(INT64_MAX) / c.cycle_ps();
}

namespace {

[[noreturn]] void bad(const std::string& option, const std::string& value, const std::string& why) {
    throw ConfigError("--" + option + " '" + value + "': " + why);
}

// Strict unsigned parse: digits only (boost's lexical_cast takes "-1" as 2^32-1).
std::uint64_t parse_u64(const std::string& option, const std::string& text, std::uint64_t lo,
                        std::uint64_t hi) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        bad(option, text, "expected a whole number");
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (errno == ERANGE || v < lo || v > hi)
        bad(option, text, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return v;
}

double parse_double(const std::string& option, const std::string& text, double lo, double hi) {
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v))
        bad(option, text, "expected a number");
    if (v < lo || v > hi) {
        std::ostringstream os;
        os << "must be between " << lo << " and " << hi;
        bad(option, text, os.str());
    }
    return v;
}

template <typename E>
E parse_enum(const std::string& option, const std::string& text,
             std::initializer_list<std::pair<const char*, E>> choices) {
    std::string names;
    for (const auto& [name, value] : choices) {
        if (text == name) return value;
        names += names.empty() ? name : std::string("|") + name;
    }
    bad(option, text, "expected " + names);
}

void parse_array(const std::string& text, unsigned& rows, unsigned& cols) {
    const auto x = text.find_first_of("xX");
    if (x == std::string::npos) bad("array", text, "expected RxC, e.g. 32x32");
    rows = static_cast<unsigned>(parse_u64("array", text.substr(0, x), 1, 1024));
    cols = static_cast<unsigned>(parse_u64("array", text.substr(x + 1), 1, 1024));
}

std::string get(const po::variables_map& vm, const char* name) {
    return vm.count(name) ? vm[name].as<std::string>() : std::string();
}

std::string mib(std::uint64_t bytes) {
    return std::to_string(bytes >> 20) + " MiB";
}

// A file vp_run reads whole: a regular file of bounded size. Checked with
// stat() before any open, so a FIFO or a device never blocks or streams.
void check_input_file(const std::string& option, const std::string& path, std::uint64_t max_bytes) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || ::access(path.c_str(), R_OK) != 0)
        bad(option, path, "cannot open file");
    if (S_ISDIR(st.st_mode)) bad(option, path, "is a directory, not a file");
    if (!S_ISREG(st.st_mode))
        bad(option, path, "not a regular file (FIFOs and devices are refused)");
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
        bad(option, path, "larger than " + mib(max_bytes));
}

// An output must be writable before a long simulation starts; checked
// without opening it (opening a FIFO would block, creating it would leave
// an empty file behind on a later error).
void check_output_path(const std::string& option, const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) bad(option, path, "is a directory");
        if (::access(path.c_str(), W_OK) != 0) bad(option, path, "cannot write");
        return;
    }
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
        ::access(dir.c_str(), W_OK | X_OK) != 0)
        bad(option, path, "cannot write");
}

// Two paths naming one file: the same inode when both exist, else the same
// normalised absolute path.
bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {
    }, sb{};
    if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    std::error_code ea, eb;
    const auto ca = std::filesystem::weakly_canonical(a, ea);
    const auto cb = std::filesystem::weakly_canonical(b, eb);
    return !ea && !eb && ca == cb;
}

bool ends_with(const std::string& text, const char* suffix) {
    const std::string e(suffix);
    return text.size() > e.size() && text.compare(text.size() - e.size(), e.size(), e) == 0;
}

// The workload names a file (ONNX or SCALE-Sim topology), not a zoo network.
bool is_workload_file(const std::string& workload) {
    return !workload.empty() && wl::workload_kind(workload) != wl::WorkloadKind::zoo;
}

// "vp_run prog.elf": options only; guess which option was meant.
[[noreturn]] void refuse_positional(const std::string& arg) {
    auto ends = [&](const char* ext) { return ends_with(arg, ext); };
    std::string option = "--firmware";
    if (ends(".ini"))
        option = "--config";
    else if (is_workload_file(arg))
        option = "--workload";
    else if (ends(".img") || ends(".bin") || ends(".setup"))
        option = "--setup";
    throw ConfigError("unexpected argument '" + arg +
                      "': vp_run takes options only (did you mean " + option + " " + arg + "?)");
}

}  // namespace

void validate(Config& c) {
    // Nothing named: the CPU runs the platform's default firmware.
    if (c.demo && (c.runs_model() || !c.firmware.empty()))
        throw ConfigError("--demo runs the bus demo alone; drop --workload/--setup/--firmware");
    if (!c.workload.empty() && !c.setup.empty())
        throw ConfigError("--setup runs a saved model image; drop --workload (or --setup)");
    if (!c.setup.empty()) check_input_file("setup", c.setup, kMaxInputFileBytes);
    if ((c.dump_schedule || !c.emit_setup.empty()) && c.workload.empty())
        throw ConfigError(std::string(c.dump_schedule ? "--dump-schedule" : "--emit-setup") +
                          " needs --workload");
    if (c.verify_layers) c.verify = true;
    if (c.irq_per_layer && c.control != Control::irq)
        throw ConfigError("--irq-per-layer needs --control irq (call control waits per kernel)");
    if (c.compare_control && !c.trace_json.empty())
        throw ConfigError("--trace-json traces one run; drop --compare-control (or --trace-json)");
    if (c.compare_control && (c.control != Control::irq || c.completion != Completion::irq))
        throw ConfigError(
            "--compare-control runs every control mode itself; drop --control/--completion");
    if (!c.firmware.empty()) check_input_file("firmware", c.firmware, kMaxInputFileBytes);
    if (is_workload_file(c.workload)) check_input_file("workload", c.workload, kMaxInputFileBytes);
    if (c.verify) c.mode = SimMode::functional;
    if (c.completion == Completion::poll && c.control != Control::call)
        throw ConfigError(
            "--completion poll needs --control call (irq control always completes by interrupt)");
    if (!c.semihost_root.empty()) {
        struct stat st {};
        if (::stat(c.semihost_root.c_str(), &st) != 0)
            bad("semihost-root", c.semihost_root, "no such directory");
        if (!S_ISDIR(st.st_mode)) bad("semihost-root", c.semihost_root, "not a directory");
    }
    // Outputs: writable, never one of the inputs, never another output.
    const std::pair<const char*, const std::string*> inputs[] = {
        {"firmware", &c.firmware},
        {"config", &c.config_file},
        {"setup", &c.setup},
        {"workload", is_workload_file(c.workload) ? &c.workload : nullptr}};
    const std::pair<const char*, const std::string*> outputs[] = {{"report", &c.report},
                                                                  {"csv", &c.csv},
                                                                  {"vcd", &c.vcd},
                                                                  {"emit-setup", &c.emit_setup},
                                                                  {"trace-json", &c.trace_json}};
    for (std::size_t i = 0; i < std::size(outputs); ++i) {
        const auto& [name, path] = outputs[i];
        if (path->empty()) continue;
        check_output_path(name, *path);
        for (const auto& [in_name, in_path] : inputs)
            if (in_path && !in_path->empty() && same_file(*path, *in_path))
                bad(name, *path, std::string("is the --") + in_name + " input");
        for (std::size_t k = 0; k < i; ++k)
            if (!outputs[k].second->empty() && same_file(*path, *outputs[k].second))
                bad(name, *path, std::string("is also the --") + outputs[k].first + " output");
    }
    // The scratchpads hold ping-pong halves; each half must hold one row of the
    // array's operands at least, or no tiling exists.
    const unsigned min_kb = 1;
    if (c.ifmap_kb < min_kb || c.weight_kb < min_kb || c.ofmap_kb < min_kb)
        throw ConfigError("scratchpads must be at least 1 KiB each");
    if (c.sram_kb * 1024ull > 0x04000000ull)
        throw ConfigError("--sram-kb: the SRAM window is 64 MiB");
    if (c.dram_mb * 1024ull * 1024ull > 0x80000000ull)
        throw ConfigError("--dram-mb: the DRAM window is 2048 MiB");
}

ParseResult parse_config(int argc, const char* const argv[]) {
    po::options_description run("What to run");
    run.add_options()("workload", po::value<std::string>(),
                      "zoo network (see --list-workloads; parameters as gemm:m=64,k=64,n=16), "
                      "an .onnx model or a SCALE-Sim topology .csv")(
        "setup", po::value<std::string>(), "run a saved model image (written by --emit-setup)")(
        "firmware", po::value<std::string>(),
        "bare-metal RV32 ELF to run (default: the NPU runtime)")(
        "demo", po::bool_switch(), "bus demo: a traffic generator drives UART, PLIC, DRAM, syscon")(
        "list-workloads", po::bool_switch(), "list the model zoo and exit")(
        "config", po::value<std::string>(), "INI file with the same keys as the long options");
    po::options_description compile("Compiling a workload");
    compile.add_options()("objective", po::value<std::string>()->default_value("cycles"),
                          "schedule search minimises cycles (then DRAM bytes) | dram (then "
                          "cycles)")(
        "schedule", po::value<std::string>()->default_value("best"),
        "best (search) | fixed (a simple default tiling, for comparison)")(
        "seed", po::value<std::string>()->default_value("1"),
        "seed of synthetic weights and inputs")(
        "seq-len", po::value<std::string>(),
        "run-time sequence length of lstm/gru/attention (default: the workload's)")(
        "dump-schedule", po::bool_switch(),
        "print every kernel's schedule and prediction, and exit")(
        "emit-setup", po::value<std::string>(), "write the model image to FILE and exit");
    po::options_description npu("NPU");
    npu.add_options()("dataflow", po::value<std::string>()->default_value("os"),
                      "os|ws|is (--workload runs; firmware sets it per descriptor)")(
        "control", po::value<std::string>()->default_value("irq"),
        "--workload runs: irq (command list + interrupt) | call (CPU launches each kernel)")(
        "completion", po::value<std::string>()->default_value("irq"),
        "--workload runs in call mode: wait by irq (WFI) or poll")(
        "array", po::value<std::string>()->default_value("32x32"), "MAC array RxC")(
        "ifmap-kb", po::value<std::string>()->default_value("64"), "ifmap scratchpad KiB")(
        "weight-kb", po::value<std::string>()->default_value("64"), "weight scratchpad KiB")(
        "ofmap-kb", po::value<std::string>()->default_value("64"), "ofmap/psum scratchpad KiB")(
        "dma-burst", po::value<std::string>()->default_value("64"), "DMA burst bytes")(
        "mode", po::value<std::string>()->default_value("timing"), "functional|timing")(
        "verify", po::bool_switch(),
        "compare NPU output with the reference executor (implies functional)")(
        "verify-layers", po::bool_switch(), "--verify, comparing every layer's output")(
        "irq-per-layer", po::bool_switch(), "irq control: interrupt the CPU after every kernel")(
        "compare-control", po::bool_switch(),
        "run the workload under irq, call+irq and call+poll and compare")(
        "fold-overlap", po::bool_switch(),
        "MAC array: one fold's drain overlaps the next fold's fill (pipelined array; "
        "default off, SCALE-Sim's model)")(
        "fold-continuation", po::value<std::string>()->default_value("run"),
        "run|array|off: tiles that keep the stationary operand continue the run of folds "
        "(run: always, a lower bound when a tile takes several folds; array: only tiles of "
        "one fold, what the array can hold; off: never)");
    po::options_description mem("Memory and clock");
    mem.add_options()("dram-bw", po::value<std::string>()->default_value("16"),
                      "DRAM bandwidth, bytes/cycle")("dram-latency",
                                                     po::value<std::string>()->default_value("100"),
                                                     "DRAM access latency, cycles")(
        "dram-atom", po::value<std::string>()->default_value(std::to_string(kDefaultDramAtom)),
        "DRAM access granularity, bytes (power of two): every transaction occupies the "
        "channel for the aligned atoms it touches")("dram-mb",
                                                    po::value<std::string>()->default_value("256"),
                                                    "DRAM size, MiB (at 0x80000000)")(
        "sram-kb", po::value<std::string>()->default_value("1024"),
        "on-chip SRAM size, KiB (at 0x08000000)")(
        "sram-latency", po::value<std::string>()->default_value("1"),
        "SRAM access latency, cycles")("freq-mhz", po::value<std::string>()->default_value("1000"),
                                       "clock of CPU, NPU and bus, MHz");
    po::options_description cpu("CPU");
    cpu.add_options()("quantum", po::value<std::string>()->default_value("10000"),
                      "temporal decoupling quantum, cycles")(
        "max-cycles", po::value<std::string>()->default_value("20000000000"),
        "stop the run past this many cycles (0: no limit; the simulated time must fit "
        "2^63 ps: at most 9223372036854775 cycles at 1 GHz)")(
        "timeout", po::value<std::string>()->default_value("0"),
        "stop the run after this many host (wall-clock) seconds, exit status 3 (0: no limit)")(
        "semihost-root", po::value<std::string>(),
        "directory the guest's semihosting file calls are confined to (default: console only)")(
        "cpi-alu", po::value<std::string>()->default_value("1"), "cycles of an ALU instruction")(
        "cpi-load-store", po::value<std::string>()->default_value("1"),
        "cycles of a load/store, plus the memory latency")(
        "cpi-mul", po::value<std::string>()->default_value("3"), "cycles of mul/mulh*")(
        "cpi-div", po::value<std::string>()->default_value("34"), "cycles of div/rem")(
        "cpi-branch-taken", po::value<std::string>()->default_value("3"),
        "cycles of a taken branch or jump");
    po::options_description out("Output");
    out.add_options()("vcd", po::value<std::string>(), "write a VCD waveform (open with GTKWave)")(
        "report", po::value<std::string>(), "write the JSON report")(
        "csv", po::value<std::string>(), "write the per-layer CSV")(
        "trace-json", po::value<std::string>(),
        "write a timeline (Chrome trace-event JSON: ui.perfetto.dev, chrome://tracing)")(
        "log-level", po::value<std::string>()->default_value("warn"), "error|warn|info|debug")(
        "stats", po::bool_switch(), "print every statistic at the end")("help,h", "this help")(
        "version", "print the version");
    po::options_description all;
    all.add(run).add(compile).add(npu).add(mem).add(cpu).add(out);

    // Positional arguments are collected only to be refused with a hint.
    po::options_description hidden;
    hidden.add_options()("positional", po::value<std::vector<std::string>>());
    po::options_description cmdline;
    cmdline.add(all).add(hidden);
    po::positional_options_description positional;
    positional.add("positional", -1);

    ParseResult result;
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(cmdline).positional(positional).run(),
                  vm);
        if (vm.count("positional"))
            refuse_positional(vm["positional"].as<std::vector<std::string>>().front());
        if (vm.count("help")) {
            std::ostringstream os;
            os << "vp_run: NPU virtual platform (RV32 CPU + NPU, SystemC/TLM-2.0)\n\n"
                  "Usage: vp_run [options]                 the CPU runs the platform firmware\n"
                  "       vp_run --firmware prog.elf       any bare-metal RV32 ELF\n"
                  "       vp_run --demo                    the bus demo (no CPU)\n"
               << all;
            result.exit_now = true;
            result.text = os.str();
            return result;
        }
        if (vm.count("version")) {
            result.exit_now = true;
            result.text = version_string() + "\n";
            return result;
        }
        if (vm.count("config")) {
            const std::string path = vm["config"].as<std::string>();
            if (path.empty()) bad("config", path, "empty path");
            check_input_file("config", path, kMaxConfigFileBytes);
            std::ifstream ini(path);
            if (!ini) throw ConfigError("--config '" + path + "': cannot open file");
            // Command-line values were stored first and win over the file.
            po::store(po::parse_config_file(ini, all, /*allow_unregistered=*/false), vm);
            result.config.config_file = path;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw ConfigError(e.what());
    }

    // A path given empty (--report "") is a mistake, not "no output".
    for (const char* opt : {"workload", "setup", "firmware", "emit-setup", "semihost-root", "vcd",
                            "report", "csv", "trace-json"})
        if (vm.count(opt) && get(vm, opt).empty()) bad(opt, "", "empty path");

    Config& c = result.config;
    c.workload = get(vm, "workload");
    c.setup = get(vm, "setup");
    c.objective = parse_enum<Objective>("objective", get(vm, "objective"),
                                        {{"cycles", Objective::cycles}, {"dram", Objective::dram}});
    c.schedule =
        parse_enum<ScheduleMode>("schedule", get(vm, "schedule"),
                                 {{"best", ScheduleMode::best}, {"fixed", ScheduleMode::fixed}});
    c.seed = parse_u64("seed", get(vm, "seed"), 0, UINT64_MAX);
    if (vm.count("seq-len"))
        c.seq_len = static_cast<unsigned>(parse_u64("seq-len", get(vm, "seq-len"), 1, 65535));
    c.dump_schedule = vm["dump-schedule"].as<bool>();
    c.emit_setup = get(vm, "emit-setup");
    c.firmware = get(vm, "firmware");
    c.demo = vm["demo"].as<bool>();
    c.list_workloads = vm["list-workloads"].as<bool>();
    c.dataflow =
        parse_enum<Dataflow>("dataflow", get(vm, "dataflow"),
                             {{"os", Dataflow::os}, {"ws", Dataflow::ws}, {"is", Dataflow::is}});
    c.control = parse_enum<Control>("control", get(vm, "control"),
                                    {{"irq", Control::irq}, {"call", Control::call}});
    c.completion = parse_enum<Completion>("completion", get(vm, "completion"),
                                          {{"irq", Completion::irq}, {"poll", Completion::poll}});
    parse_array(get(vm, "array"), c.array_rows, c.array_cols);
    c.ifmap_kb = static_cast<unsigned>(parse_u64("ifmap-kb", get(vm, "ifmap-kb"), 1, 65536));
    c.weight_kb = static_cast<unsigned>(parse_u64("weight-kb", get(vm, "weight-kb"), 1, 65536));
    c.ofmap_kb = static_cast<unsigned>(parse_u64("ofmap-kb", get(vm, "ofmap-kb"), 1, 65536));
    c.dma_burst_bytes =
        static_cast<unsigned>(parse_u64("dma-burst", get(vm, "dma-burst"), 4, 4096));
    if (c.dma_burst_bytes & (c.dma_burst_bytes - 1))
        bad("dma-burst", get(vm, "dma-burst"), "must be a power of two");
    c.mode =
        parse_enum<SimMode>("mode", get(vm, "mode"),
                            {{"functional", SimMode::functional}, {"timing", SimMode::timing}});
    c.verify = vm["verify"].as<bool>();
    c.verify_layers = vm["verify-layers"].as<bool>();
    c.irq_per_layer = vm["irq-per-layer"].as<bool>();
    c.compare_control = vm["compare-control"].as<bool>();
    c.fold_overlap = vm["fold-overlap"].as<bool>();
    if (!npu::parse_fold_continuation(get(vm, "fold-continuation"), c.fold_continuation))
        bad("fold-continuation", get(vm, "fold-continuation"), "expected run|array|off");
    c.dram_bw = parse_double("dram-bw", get(vm, "dram-bw"), 0.001, 4096);
    c.dram_latency =
        static_cast<unsigned>(parse_u64("dram-latency", get(vm, "dram-latency"), 0, 1000000));
    c.dram_atom = static_cast<unsigned>(parse_u64("dram-atom", get(vm, "dram-atom"), 1, 4096));
    if (!dram_atom_error(c.dram_atom).empty())
        bad("dram-atom", get(vm, "dram-atom"), "must be a power of two in 1..4096");
    c.dram_mb = static_cast<unsigned>(parse_u64("dram-mb", get(vm, "dram-mb"), 1, 2048));
    c.sram_kb = static_cast<unsigned>(parse_u64("sram-kb", get(vm, "sram-kb"), 1, 65536));
    c.sram_latency =
        static_cast<unsigned>(parse_u64("sram-latency", get(vm, "sram-latency"), 0, 1000));
    c.freq_mhz = parse_double("freq-mhz", get(vm, "freq-mhz"), 1, 100000);
    c.quantum_cycles = parse_u64("quantum", get(vm, "quantum"), 1, 1'000'000'000ull);
    c.max_cycles = parse_u64("max-cycles", get(vm, "max-cycles"), 0, max_cycles_limit(c.freq_mhz));
    c.timeout_seconds = parse_double("timeout", get(vm, "timeout"), 0, 1e9);
    c.semihost_root = get(vm, "semihost-root");
    c.cpu_timing.alu = static_cast<unsigned>(parse_u64("cpi-alu", get(vm, "cpi-alu"), 1, 1000));
    c.cpu_timing.load_store =
        static_cast<unsigned>(parse_u64("cpi-load-store", get(vm, "cpi-load-store"), 1, 1000));
    c.cpu_timing.mul = static_cast<unsigned>(parse_u64("cpi-mul", get(vm, "cpi-mul"), 1, 1000));
    c.cpu_timing.div = static_cast<unsigned>(parse_u64("cpi-div", get(vm, "cpi-div"), 1, 1000));
    c.cpu_timing.branch_taken =
        static_cast<unsigned>(parse_u64("cpi-branch-taken", get(vm, "cpi-branch-taken"), 1, 1000));
    c.vcd = get(vm, "vcd");
    c.report = get(vm, "report");
    c.csv = get(vm, "csv");
    c.trace_json = get(vm, "trace-json");
    c.log_level = get(vm, "log-level");
    if (c.log_level != "error" && c.log_level != "warn" && c.log_level != "info" &&
        c.log_level != "debug")
        bad("log-level", c.log_level, "expected error|warn|info|debug");
    c.print_stats = vm["stats"].as<bool>();
    // These steer how the compiler lowers a network or how the runtime runs
    // it; in firmware and demo runs the firmware decides, so accepting them
    // would be a silent no-op. A saved image is already compiled.
    if (!c.runs_model())
        for (const char* opt :
             {"dataflow", "control", "completion", "verify", "verify-layers", "irq-per-layer",
              "compare-control", "seq-len", "objective", "schedule", "seed"})
            if (vm.count(opt) && !vm[opt].defaulted())
                throw ConfigError(
                    std::string("--") + opt +
                    " applies to --workload/--setup runs (firmware decides otherwise)");
    if (!c.setup.empty())
        for (const char* opt :
             {"dataflow", "objective", "schedule", "array", "ifmap-kb", "weight-kb", "ofmap-kb"})
            if (vm.count(opt) && !vm[opt].defaulted())
                throw ConfigError(std::string("--") + opt +
                                  " is fixed when the image is compiled; --setup runs it as saved");
    validate(c);
    return result;
}

}  // namespace vp
