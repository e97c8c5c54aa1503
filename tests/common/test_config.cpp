#include "vp/config.h"

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
    EXPECT_EQ(error_of({"--demo", "--mode", "fast"}), "--mode 'fast': expected functional|timing");
    EXPECT_EQ(error_of({"--workload", "resnet50", "--completion", "poll"}),
              "--completion poll needs --control call (irq control always completes by interrupt)");
    EXPECT_EQ(error_of({"--demo", "--firmware", "x.elf"}),
              "--demo runs the bus demo alone; drop --workload/--setup/--firmware");
    EXPECT_EQ(error_of({"--firmware", "/nonexistent.elf"}),
              "--firmware '/nonexistent.elf': cannot open file");
    EXPECT_EQ(error_of({"--workload", "/nonexistent.onnx"}),
              "--workload '/nonexistent.onnx': cannot open ONNX file");
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

TEST(Config, IniUnknownKeyIsAnError) {
    const std::string path = ::testing::TempDir() + "vp_config_bad.ini";
    {
        std::ofstream ini(path);
        ini << "demo = true\ndataflw = ws\n";
    }
    EXPECT_NE(error_of({"--config", path.c_str()}).find("dataflw"), std::string::npos);
}
