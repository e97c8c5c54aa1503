#include "vp/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

vp::ParseResult parse(std::initializer_list<const char*> args) {
    std::vector<const char*> argv{"vp_run"};
    argv.insert(argv.end(), args.begin(), args.end());
    return vp::parse_config(static_cast<int>(argv.size()), argv.data());
}

std::string error_of(std::initializer_list<const char*> args) {
    try {
        parse(args);
    } catch (const vp::ConfigError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(Config, DefaultsAreTheDocumentedOnes) {
    const vp::Config c = parse({"--demo"}).config;
    EXPECT_EQ(c.dataflow, vp::Dataflow::os);
    EXPECT_EQ(c.control, vp::Control::irq);
    EXPECT_EQ(c.array_rows, 32u);
    EXPECT_EQ(c.array_cols, 32u);
    EXPECT_EQ(c.ifmap_kb, 64u);
    EXPECT_EQ(c.weight_kb, 64u);
    EXPECT_EQ(c.ofmap_kb, 64u);
    EXPECT_DOUBLE_EQ(c.dram_bw, 16.0);
    EXPECT_EQ(c.dram_atom, 32u);
    EXPECT_EQ(c.dram_latency, 100u);
    EXPECT_DOUBLE_EQ(c.freq_mhz, 1000.0);
    EXPECT_EQ(c.mode, vp::SimMode::timing);
    EXPECT_DOUBLE_EQ(c.cycle_ns(), 1.0);
}

TEST(Config, ParsesEveryContractOption) {
    const vp::Config c =
        parse({"--workload",     "resnet50", "--dataflow", "ws",     "--control",  "call",
               "--completion",   "poll",     "--array",    "16x8",   "--ifmap-kb", "32",
               "--weight-kb",    "128",      "--ofmap-kb", "16",     "--dram-bw",  "12.8",
               "--dram-latency", "50",       "--freq-mhz", "800",    "--mode",     "functional",
               "--vcd",          "a.vcd",    "--report",   "r.json", "--csv",      "r.csv"})
            .config;
    EXPECT_EQ(c.dataflow, vp::Dataflow::ws);
    EXPECT_EQ(c.control, vp::Control::call);
    EXPECT_EQ(c.completion, vp::Completion::poll);
    EXPECT_EQ(c.array_rows, 16u);
    EXPECT_EQ(c.array_cols, 8u);
    EXPECT_EQ(c.ifmap_kb, 32u);
    EXPECT_EQ(c.weight_kb, 128u);
    EXPECT_EQ(c.ofmap_kb, 16u);
    EXPECT_DOUBLE_EQ(c.dram_bw, 12.8);
    EXPECT_EQ(c.dram_latency, 50u);
    EXPECT_DOUBLE_EQ(c.cycle_ns(), 1.25);
    EXPECT_EQ(c.mode, vp::SimMode::functional);
    EXPECT_EQ(c.vcd, "a.vcd");
    EXPECT_EQ(c.report, "r.json");
    EXPECT_EQ(c.csv, "r.csv");
}

TEST(Config, VerifyImpliesFunctional) {
    EXPECT_EQ(parse({"--workload", "resnet50", "--verify"}).config.mode, vp::SimMode::functional);
}

TEST(Config, BadValuesGiveOneClearLine) {
    EXPECT_EQ(error_of({"--demo", "--dataflow", "xs"}), "--dataflow 'xs': expected os|ws|is");
    EXPECT_EQ(error_of({"--demo", "--array", "32"}), "--array '32': expected RxC, e.g. 32x32");
    EXPECT_EQ(error_of({"--demo", "--array", "0x4"}), "--array '0': must be between 1 and 1024");
    EXPECT_EQ(error_of({"--demo", "--ifmap-kb", "-1"}), "--ifmap-kb '-1': expected a whole number");
    EXPECT_EQ(error_of({"--demo", "--dram-bw", "fast"}), "--dram-bw 'fast': expected a number");
    EXPECT_EQ(error_of({"--demo", "--dram-bw", "0"}),
              "--dram-bw '0': must be between 0.001 and 4096");
    EXPECT_EQ(error_of({"--demo", "--dma-burst", "48"}),
              "--dma-burst '48': must be a power of two");
    EXPECT_EQ(error_of({"--demo", "--dram-atom", "48"}),
              "--dram-atom '48': must be a power of two in 1..4096");
    EXPECT_EQ(error_of({"--demo", "--dram-atom", "8192"}),
              "--dram-atom '8192': must be between 1 and 4096");
    EXPECT_EQ(error_of({"--demo", "--mode", "fast"}), "--mode 'fast': expected functional|timing");
    EXPECT_EQ(error_of({"--workload", "resnet50", "--completion", "poll"}),
              "--completion poll needs --control call (irq control always completes by interrupt)");
    EXPECT_EQ(error_of({"--demo", "--firmware", "x.elf"}),
              "--demo runs the bus demo alone; drop --workload/--setup/--firmware");
    EXPECT_EQ(error_of({"--firmware", "/nonexistent.elf"}),
              "--firmware '/nonexistent.elf': cannot open file");
    EXPECT_EQ(error_of({"--workload", "/nonexistent.onnx"}),
              "--workload '/nonexistent.onnx': cannot open file");
    EXPECT_NE(error_of({"--demo", "--no-such-option"}).find("no-such-option"), std::string::npos);
}

TEST(Config, WorkloadOptionsAreRefusedWhereTheyWouldDoNothing) {
    const std::string tail = " applies to --workload/--setup runs (firmware decides otherwise)";
    for (const char* opt : {"--dataflow", "--control", "--completion"})
        EXPECT_EQ(error_of({"--demo", opt, opt == std::string("--dataflow") ? "ws" : "irq"}),
                  std::string(opt) + tail);
    EXPECT_EQ(error_of({"--firmware", "/dev/null", "--verify"}), "--verify" + tail);
    EXPECT_EQ(error_of({"--firmware", "/dev/null", "--seq-len", "4"}), "--seq-len" + tail);
    EXPECT_EQ(error_of({"--objective", "dram"}), "--objective" + tail);
    // A saved image was compiled for one NPU: its shape is not an option then.
    EXPECT_EQ(error_of({"--setup", "/dev/null", "--array", "8x8"}),
              "--array is fixed when the image is compiled; --setup runs it as saved");
    EXPECT_EQ(error_of({"--setup", "/dev/null", "--workload", "lenet5"}),
              "--setup runs a saved model image; drop --workload (or --setup)");
    EXPECT_EQ(error_of({"--dump-schedule"}), "--dump-schedule needs --workload");
    EXPECT_EQ(error_of({"--workload", "lenet5", "--control", "call", "--irq-per-layer"}),
              "--irq-per-layer needs --control irq (call control waits per kernel)");
    EXPECT_EQ(error_of({"--workload", "lenet5", "--objective", "area"}),
              "--objective 'area': expected cycles|dram");
    EXPECT_EQ(error_of({"--workload", "lstm", "--seq-len", "0"}),
              "--seq-len '0': must be between 1 and 65535");
    // Their defaults are not "given".
    EXPECT_EQ(parse({"--demo"}).config.dataflow, vp::Dataflow::os);
}

TEST(Config, HelpAndVersionExitAtOnce) {
    auto h = parse({"--help"});
    EXPECT_TRUE(h.exit_now);
    EXPECT_NE(h.text.find("--dataflow"), std::string::npos);
    auto v = parse({"--version"});
    EXPECT_TRUE(v.exit_now);
    EXPECT_EQ(v.text, vp::version_string() + "\n");
}

TEST(Config, IniFileFillsKeysAndCommandLineWins) {
    const std::string path = ::testing::TempDir() + "vp_config_test.ini";
    {
        std::ofstream ini(path);
        ini << "# a study\nworkload = resnet50\ndataflow = ws\narray = 8x8\ndram-bw = 4\n";
    }
    const vp::Config c = parse({"--config", path.c_str(), "--array", "4x4"}).config;
    EXPECT_EQ(c.dataflow, vp::Dataflow::ws);
    EXPECT_EQ(c.array_rows, 4u);  // the command line wins
    EXPECT_DOUBLE_EQ(c.dram_bw, 4.0);
    EXPECT_EQ(c.workload, "resnet50");
}

TEST(Config, FoldOverlapSwitchAndIniKey) {
    EXPECT_FALSE(parse({"--workload", "resnet50"}).config.fold_overlap);
    EXPECT_TRUE(parse({"--workload", "resnet50", "--fold-overlap"}).config.fold_overlap);
    const std::string path = ::testing::TempDir() + "vp_config_fold.ini";
    {
        std::ofstream ini(path);
        ini << "workload = resnet50\nfold-overlap = true\n";
    }
    EXPECT_TRUE(parse({"--config", path.c_str()}).config.fold_overlap);
}

TEST(Config, FoldContinuationOptionAndIniKey) {
    EXPECT_EQ(parse({"--workload", "resnet50"}).config.fold_continuation,
              npu::FoldContinuation::run);
    EXPECT_EQ(
        parse({"--workload", "resnet50", "--fold-continuation", "array"}).config.fold_continuation,
        npu::FoldContinuation::array);
    const std::string path = ::testing::TempDir() + "vp_config_fold_continuation.ini";
    {
        std::ofstream ini(path);
        ini << "workload = resnet50\nfold-continuation = off\n";
    }
    EXPECT_EQ(parse({"--config", path.c_str()}).config.fold_continuation,
              npu::FoldContinuation::off);
    EXPECT_EQ(error_of({"--workload", "resnet50", "--fold-continuation", "tile"}),
              "--fold-continuation 'tile': expected run|array|off");
}

TEST(Config, IniUnknownKeyIsAnError) {
    const std::string path = ::testing::TempDir() + "vp_config_bad.ini";
    {
        std::ofstream ini(path);
        ini << "demo = true\ndataflw = ws\n";
    }
    EXPECT_NE(error_of({"--config", path.c_str()}).find("dataflw"), std::string::npos);
}

namespace {
std::string temp_file(const std::string& name, const std::string& text) {
    const std::string path =
        ::testing::TempDir() + "vp_config_" + std::to_string(getpid()) + "_" + name;
    std::ofstream(path) << text;
    return path;
}
}  // namespace

TEST(Config, PositionalArgumentsAreRefusedWithAHint) {
    EXPECT_EQ(error_of({"prog.elf"}),
              "unexpected argument 'prog.elf': vp_run takes options only (did you mean --firmware "
              "prog.elf?)");
    EXPECT_NE(error_of({"study.ini"}).find("did you mean --config study.ini?"), std::string::npos);
    EXPECT_NE(error_of({"--demo", "net.onnx"}).find("did you mean --workload net.onnx?"),
              std::string::npos);
}

TEST(Config, EmptyPathsAreRefused) {
    for (const char* opt : {"--report", "--csv", "--vcd", "--firmware", "--semihost-root"})
        EXPECT_EQ(error_of({"--demo", opt, ""}), std::string(opt) + " '': empty path") << opt;
    EXPECT_EQ(error_of({"--config", ""}), "--config '': empty path");
    EXPECT_EQ(error_of({"--workload", ""}), "--workload '': empty path");
}

TEST(Config, AnOutputIsNeverAnInputOrAnotherOutput) {
    const std::string fw = temp_file("fw.elf", "not read here");
    const std::string ini = temp_file("same.ini", "firmware = " + fw + "\n");
    EXPECT_EQ(error_of({"--firmware", fw.c_str(), "--report", fw.c_str()}),
              "--report '" + fw + "': is the --firmware input");
    EXPECT_EQ(error_of({"--config", ini.c_str(), "--csv", ini.c_str()}),
              "--csv '" + ini + "': is the --config input");
    // The same file under another spelling.
    const std::string dotted = ::testing::TempDir() + "./" + fw.substr(::testing::TempDir().size());
    EXPECT_EQ(error_of({"--firmware", fw.c_str(), "--vcd", dotted.c_str()}),
              "--vcd '" + dotted + "': is the --firmware input");
    const std::string out = ::testing::TempDir() + "vp_config_not_yet_written.json";
    std::remove(out.c_str());
    EXPECT_EQ(error_of({"--demo", "--report", out.c_str(), "--csv", out.c_str()}),
              "--csv '" + out + "': is also the --report output");
    EXPECT_EQ(error_of({"--demo", "--report", "/"}), "--report '/': is a directory");
    EXPECT_EQ(error_of({"--demo", "--report", out.c_str(), "--csv", (out + ".csv").c_str()}),
              "no error");
}

TEST(Config, InputsAreRegularFilesOfBoundedSize) {
    EXPECT_EQ(error_of({"--config", "/dev/zero"}),
              "--config '/dev/zero': not a regular file (FIFOs and devices are refused)");
    EXPECT_EQ(error_of({"--firmware", "/dev/zero"}),
              "--firmware '/dev/zero': not a regular file (FIFOs and devices are refused)");
    const std::string dir = ::testing::TempDir();
    EXPECT_EQ(error_of({"--config", dir.c_str()}),
              "--config '" + dir + "': is a directory, not a file");
    const std::string fifo = dir + "vp_config_" + std::to_string(getpid()) + ".fifo";
    std::remove(fifo.c_str());
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // Refused by stat() before any open: an open would block this test.
    EXPECT_EQ(error_of({"--config", fifo.c_str()}),
              "--config '" + fifo + "': not a regular file (FIFOs and devices are refused)");
    EXPECT_EQ(error_of({"--setup", fifo.c_str()}),
              "--setup '" + fifo + "': not a regular file (FIFOs and devices are refused)");
    std::remove(fifo.c_str());
    // One byte over the limit (a sparse file: nothing is really written).
    const std::string big = temp_file("big.ini", "");
    ASSERT_EQ(::truncate(big.c_str(), static_cast<off_t>(vp::kMaxConfigFileBytes + 1)), 0);
    EXPECT_EQ(error_of({"--config", big.c_str()}), "--config '" + big + "': larger than 1 MiB");
    ASSERT_EQ(::truncate(big.c_str(), static_cast<off_t>(vp::kMaxInputFileBytes + 1)), 0);
    EXPECT_EQ(error_of({"--firmware", big.c_str()}),
              "--firmware '" + big + "': larger than 1024 MiB");
    std::remove(big.c_str());
}

TEST(Config, SemihostRootMustBeADirectory) {
    const std::string file = temp_file("root_file", "x");
    EXPECT_EQ(error_of({"--semihost-root", file.c_str()}),
              "--semihost-root '" + file + "': not a directory");
    EXPECT_EQ(error_of({"--semihost-root", "/nonexistent-dir"}),
              "--semihost-root '/nonexistent-dir': no such directory");
    EXPECT_EQ(parse({"--semihost-root", ::testing::TempDir().c_str()}).config.semihost_root,
              ::testing::TempDir());
}

TEST(Config, MaxCyclesMustFitSimulatedTime) {
    // 2^63 - 1 ps of simulated time, in whole cycles.
    EXPECT_EQ(vp::max_cycles_limit(1000), 9223372036854775ull);
    EXPECT_EQ(vp::max_cycles_limit(600), 9223372036854775807ull / 1667);
    EXPECT_EQ(parse({"--demo", "--max-cycles", "9223372036854775"}).config.max_cycles,
              9223372036854775ull);
    EXPECT_EQ(error_of({"--demo", "--max-cycles", "9223372036854776"}),
              "--max-cycles '9223372036854776': must be between 0 and 9223372036854775");
    // The limit is time: a faster clock fits more cycles, a slower one fewer.
    EXPECT_EQ(parse({"--demo", "--freq-mhz", "2000", "--max-cycles", "9223372036854776"})
                  .config.max_cycles,
              9223372036854776ull);
    EXPECT_EQ(error_of({"--demo", "--freq-mhz", "500", "--max-cycles", "9223372036854775"}),
              "--max-cycles '9223372036854775': must be between 0 and 4611686018427387");
}

TEST(Config, TimeoutIsInHostSeconds) {
    EXPECT_DOUBLE_EQ(parse({"--demo"}).config.timeout_seconds, 0.0);
    EXPECT_DOUBLE_EQ(parse({"--demo", "--timeout", "2.5"}).config.timeout_seconds, 2.5);
    EXPECT_EQ(error_of({"--demo", "--timeout", "-1"}),
              "--timeout '-1': must be between 0 and 1e+09");
}
