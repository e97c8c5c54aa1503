// vp_run end to end: exit statuses, one-line errors, the JSON report's
// contract, timing figures against the models' formulas, VCD readable by
// GTKWave's tools, firmware runs.
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "npu_abi/memory_map.h"
#include "run_process.h"

using vp_test::ProcessResult;
using vp_test::read_text_file;
using vp_test::run_process;

namespace {

std::string temp_path(const std::string& name) {
    return ::testing::TempDir() + "vp_e2e_" + std::to_string(getpid()) + "_" + name;
}

ProcessResult vp_run(std::vector<std::string> args) {
    return run_process(VP_RUN, args);
}

// Exactly one line on stderr, "vp_run: error: ...", containing `what`.
void expect_one_error_line(const ProcessResult& r, const std::string& what) {
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("vp_run: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
}

nlohmann::json run_demo(std::vector<std::string> extra, ProcessResult* out = nullptr) {
    const std::string report = temp_path("demo.json");
    std::vector<std::string> args{"--demo", "--report", report};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = vp_run(args);
    EXPECT_EQ(r.exit_status, 0) << r.err;
    if (out) *out = r;
    return nlohmann::json::parse(read_text_file(report));
}

// A tiny guest, assembled here so each test states exactly what the guest
// does: RV32I instructions placed at the start of DRAM.
namespace rv {
std::uint32_t lui(unsigned rd, std::uint32_t imm20) {
    return (imm20 << 12) | (rd << 7) | 0x37;
}
std::uint32_t addi(unsigned rd, unsigned rs1, std::int32_t imm) {
    return (static_cast<std::uint32_t>(imm & 0xFFF) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
}
std::uint32_t store(unsigned funct3, unsigned rs2, unsigned rs1) {  // offset 0
    return (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | 0x23;
}
constexpr std::uint32_t kSpin = 0x0000006F;  // jal x0, 0: loop forever
constexpr unsigned t0 = 5, t1 = 6;
// t1 = value (lui + addi with the carry of addi's sign extension)
void li(std::vector<std::uint32_t>& code, unsigned rd, std::uint32_t value) {
    const std::uint32_t hi = (value + 0x800) >> 12;
    code.push_back(lui(rd, hi & 0xFFFFF));
    code.push_back(addi(rd, rd, static_cast<std::int32_t>(value << 20) >> 20));
}
void uart_putc(std::vector<std::uint32_t>& code, std::uint8_t byte) {
    li(code, t0, VP_UART_BASE);
    code.push_back(addi(t1, 0, byte));
    code.push_back(store(0, t1, t0));  // sb
}
void syscon_write(std::vector<std::uint32_t>& code, std::uint32_t value) {
    li(code, t0, VP_SYSCON_BASE + VP_SYSCON_FINISHER);
    li(code, t1, value);
    code.push_back(store(2, t1, t0));  // sw
}
}  // namespace rv

// Writes an RV32 executable with one segment holding `code` at 0x80000000.
std::string write_guest(const std::string& name, std::vector<std::uint32_t> code) {
    code.push_back(rv::kSpin);
    const std::string path = temp_path(name + ".elf");
    Elf32_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS32;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_RISCV;
    eh.e_version = EV_CURRENT;
    eh.e_entry = 0x80000000u;
    eh.e_phoff = sizeof(Elf32_Ehdr);
    eh.e_ehsize = sizeof(Elf32_Ehdr);
    eh.e_phentsize = sizeof(Elf32_Phdr);
    eh.e_phnum = 1;
    Elf32_Phdr ph{};
    ph.p_type = PT_LOAD;
    ph.p_offset = sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr);
    ph.p_vaddr = ph.p_paddr = 0x80000000u;
    ph.p_filesz = ph.p_memsz = static_cast<Elf32_Word>(code.size() * 4);
    ph.p_flags = PF_R | PF_X;
    ph.p_align = 4;
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(&eh, sizeof eh, 1, f);
    std::fwrite(&ph, sizeof ph, 1, f);
    std::fwrite(code.data(), 4, code.size(), f);
    std::fclose(f);
    return path;
}

std::string guest_failing_with(std::uint32_t code) {
    std::vector<std::uint32_t> prog;
    rv::syscon_write(prog, VP_SYSCON_FINISHER_FAIL | (code << 16));
    return write_guest("fail" + std::to_string(code), prog);
}

bool is_symlink(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

}  // namespace

TEST(VpRun, HelpListsTheContractOptions) {
    ProcessResult r = vp_run({"--help"});
    EXPECT_EQ(r.exit_status, 0);
    for (const char* opt :
         {"--workload",  "--dataflow",  "--control",        "--completion", "--array",
          "--ifmap-kb",  "--weight-kb", "--ofmap-kb",       "--dram-bw",    "--dram-latency",
          "--freq-mhz",  "--mode",      "--verify",         "--vcd",        "--report",
          "--csv",       "--config",    "--list-workloads", "--version",    "--timeout",
          "--max-cycles"})
        EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
    EXPECT_EQ(r.err, "");
}

TEST(VpRun, VersionPrintsOneLine) {
    ProcessResult r = vp_run({"--version"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.out.rfind("vp_run (npu-vp) ", 0), 0u);
    EXPECT_EQ(r.err, "");
}

TEST(VpRun, BadOptionsFailWithOneLine) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--demo", "--dataflow", "xs"}, "--dataflow 'xs': expected os|ws|is"},
        {{"--demo", "--array", "32by32"}, "--array"},
        {{"--demo", "--dram-bw", "-3"}, "--dram-bw"},
        {{"--demo", "--bogus"}, "bogus"},
        {{"--demo", "--report", "/nonexistent-dir/r.json"},
         "--report '/nonexistent-dir/r.json': cannot write"},
        {{"--firmware", "/nonexistent.elf"}, "cannot open file"},
        {{"--config", "/nonexistent.ini"}, "--config '/nonexistent.ini': cannot open file"},
        {{"--workload", "resnet51"}, "--workload 'resnet51': unknown workload"},
    };
    for (const auto& [args, what] : cases) {
        ProcessResult r = vp_run(args);
        EXPECT_EQ(r.exit_status, 2) << args[1];
        expect_one_error_line(r, what);
    }
}

TEST(VpRun, NotAnElfFailsWithOneLine) {
    const std::string path = temp_path("not_elf.bin");
    {
        FILE* f = std::fopen(path.c_str(), "wb");
        std::fputs("this is not an ELF file\n", f);
        std::fclose(f);
    }
    ProcessResult r = vp_run({"--firmware", path});
    EXPECT_EQ(r.exit_status, 2);
    expect_one_error_line(r, path);
    EXPECT_EQ(r.out, "");
}

TEST(VpRun, DemoReportHasTheContractShape) {
    ProcessResult r;
    const nlohmann::json j = run_demo({}, &r);
    EXPECT_NE(r.out.find("tgen: PASS"), std::string::npos) << r.out;
    EXPECT_EQ(j["version"], 1);
    EXPECT_EQ(j["config"]["dataflow"], "os");
    EXPECT_EQ(j["config"]["array"], nlohmann::json::array({32, 32}));
    EXPECT_TRUE(j["layers"].is_array());
    for (const char* key : {"cycles", "sim_time_ns", "cpu_instructions", "cpu_busy_cycles",
                            "cpu_sleep_cycles", "interrupts", "kernel_launches",
                            "control_bus_bytes", "host_seconds", "host_mips", "exit_status"})
        EXPECT_TRUE(j["run"].contains(key)) << key;
    EXPECT_EQ(j["run"]["exit_status"], 0);
    EXPECT_EQ(j["verify"]["checked"], false);
    // What the demo moved is what the DRAM counted, byte for byte.
    const auto& s = j["stats"];
    EXPECT_EQ(s["dram"]["write_bytes"]["tgen"], s["tgen"]["bytes_written"]);
    EXPECT_EQ(s["dram"]["read_bytes"]["tgen"], s["tgen"]["bytes_read"]);
    EXPECT_EQ(s["tgen"]["bytes_written"], 65536);
    // The console kept in the report is what the UART transmitted.
    EXPECT_EQ(j["console"].get<std::string>().size(), s["uart"]["tx_bytes"].get<std::size_t>());
    EXPECT_EQ(j["console"].get<std::string>(),
              r.out.substr(0, j["console"].get<std::string>().size()));
}

TEST(VpRun, DramTimingFollowsLatencyAndBandwidth) {
    // The demo writes 64 KiB in 64-byte bursts and waits for each response:
    // every burst costs latency + ceil(64 / bw) cycles.
    for (const auto& [latency, bw] :
         std::vector<std::pair<int, int>>{{100, 16}, {20, 8}, {0, 64}}) {
        const nlohmann::json j =
            run_demo({"--dram-latency", std::to_string(latency), "--dram-bw", std::to_string(bw)});
        const int per_burst = latency + (64 + bw - 1) / bw;
        EXPECT_EQ(j["stats"]["tgen"]["dram_write_cycles"], 1024 * per_burst)
            << latency << "/" << bw;
        EXPECT_EQ(j["stats"]["tgen"]["dram_read_cycles"], 1024 * per_burst) << latency << "/" << bw;
    }
}

TEST(VpRun, ClockFrequencyScalesSimulatedTime) {
    const nlohmann::json a = run_demo({"--freq-mhz", "1000"});
    const nlohmann::json b = run_demo({"--freq-mhz", "500"});
    EXPECT_EQ(a["run"]["cycles"], b["run"]["cycles"]);
    EXPECT_DOUBLE_EQ(a["run"]["sim_time_ns"].get<double>(), a["run"]["cycles"].get<double>());
    EXPECT_DOUBLE_EQ(b["run"]["sim_time_ns"].get<double>(), 2 * b["run"]["cycles"].get<double>());
}

TEST(VpRun, IniConfigIsApplied) {
    const std::string ini = temp_path("study.ini");
    {
        FILE* f = std::fopen(ini.c_str(), "w");
        std::fputs("demo = true\ndram-latency = 20\ndram-bw = 8\n", f);
        std::fclose(f);
    }
    const std::string report = temp_path("ini.json");
    ProcessResult r = vp_run({"--config", ini, "--report", report});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(read_text_file(report));
    EXPECT_EQ(j["config"]["dram_latency"], 20);
    EXPECT_EQ(j["stats"]["tgen"]["dram_write_cycles"], 1024 * (20 + 8));
}

TEST(VpRun, VcdOpensInGtkwaveTools) {
    const std::string vcd = temp_path("demo.vcd");
    ProcessResult r = vp_run({"--demo", "--vcd", vcd});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const std::string text = read_text_file(vcd);
    EXPECT_NE(text.find("$timescale"), std::string::npos);
    EXPECT_NE(text.find("1 ns"), std::string::npos);
    if (std::string(VP_VCD2FST).empty() || std::string(VP_FST2VCD).empty())
        GTEST_SKIP() << "gtkwave's vcd2fst/fst2vcd not installed";
    // vcd2fst exits 0 even on garbage, so convert back and check the signals
    // and the value changes survived the round trip.
    const std::string fst = temp_path("demo.fst");
    ASSERT_EQ(run_process(VP_VCD2FST, {vcd, fst}).exit_status, 0);
    ProcessResult back = run_process(VP_FST2VCD, {fst});
    ASSERT_EQ(back.exit_status, 0);
    for (const char* scope : {"$scope module cpu", "$scope module bus", "$scope module plic"})
        EXPECT_NE(back.out.find(scope), std::string::npos) << scope;
    for (const char* var : {" irq ", " transactions "})
        EXPECT_NE(back.out.find(var), std::string::npos) << var;
    // The PLIC's output to the CPU rose and fell once during the demo.
    EXPECT_NE(back.out.find("#"), std::string::npos);
}

TEST(VpRun, VcdPathWithoutExtensionIsKept) {
    const std::string vcd = temp_path("trace_without_ext");
    ProcessResult r = vp_run({"--demo", "--vcd", vcd});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_NE(read_text_file(vcd).find("$enddefinitions"), std::string::npos);
}

#ifdef VP_DEFAULT_FIRMWARE_ELF
TEST(VpRun, DefaultFirmwareRunsWithTimerInterruptAndSleep) {
    const std::string report = temp_path("fw.json");
    ProcessResult r = vp_run({"--report", report});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_NE(r.out.find("timer interrupt: ok"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("firmware: done"), std::string::npos) << r.out;
    // stdout carries the guest's console only; the summary went to stderr.
    EXPECT_EQ(r.out.find("run: "), std::string::npos);
    EXPECT_NE(r.err.find("run: "), std::string::npos);
    const nlohmann::json j = nlohmann::json::parse(read_text_file(report));
    const auto& run = j["run"];
    EXPECT_GT(run["cpu_instructions"].get<std::uint64_t>(), 1000u);
    EXPECT_GE(run["interrupts"].get<std::uint64_t>(), 1u);
    EXPECT_GT(run["cpu_sleep_cycles"].get<std::uint64_t>(), 0u);
    // Busy and sleep cycles partition the run.
    EXPECT_EQ(
        run["cpu_busy_cycles"].get<std::uint64_t>() + run["cpu_sleep_cycles"].get<std::uint64_t>(),
        run["cycles"].get<std::uint64_t>());
    EXPECT_EQ(j["console"], r.out);
    // ResNet-50 conv3_x once in call mode, then twice (os, ws) from a list.
    ASSERT_EQ(j["layers"].size(), 3u);
    for (const auto& l : j["layers"]) {
        EXPECT_EQ(l["op"], "conv");
        EXPECT_EQ(l["macs"], 128ull * 128 * 28 * 28 * 9);
        // The same tiling moves the same bytes under any dataflow.
        EXPECT_EQ(l["dram_read_bytes"], j["layers"][0]["dram_read_bytes"]);
        EXPECT_EQ(l["dram_write_bytes"]["ofmap"], 128 * 28 * 28);
    }
    EXPECT_EQ(j["layers"][0]["cycles"], j["layers"][1]["cycles"]);  // os both times
    EXPECT_EQ(run["kernel_launches"], 3);
}

TEST(VpRun, FirmwareOutsideMemoryIsRejected) {
    // The SRAM-linked firmware does not fit a 1 KiB SRAM.
    ProcessResult r = vp_run({"--sram-kb", "1"});
    EXPECT_EQ(r.exit_status, 2);
    expect_one_error_line(r, "lies outside SRAM and DRAM");
}

TEST(VpRun, MaxCyclesStopsTheRun) {
    ProcessResult r = vp_run({"--max-cycles", "5000"});
    EXPECT_EQ(r.exit_status, 3);
    expect_one_error_line(r, "--max-cycles 5000");
}
#endif

#ifdef VP_FIRMWARE_DIR
TEST(VpRun, SleepingForeverIsAStallNotAHang) {
    // WFI with every interrupt disabled: no event is left in the simulation.
    ProcessResult r = vp_run({"--firmware", std::string(VP_FIRMWARE_DIR) + "/guest_bare_wfi.elf"});
    EXPECT_EQ(r.exit_status, 3);
    expect_one_error_line(r, "simulation stalled at ");
    expect_one_error_line(r, "the CPU sleeps in WFI and no enabled interrupt can wake it");
    EXPECT_EQ(r.out, "");
}

TEST(VpRun, StallIsReportedWhileTracing) {
    // The VCD's bus-window sampler must not keep a stalled platform running.
    const std::string vcd = temp_path("stall.vcd");
    ProcessResult r =
        vp_run({"--firmware", std::string(VP_FIRMWARE_DIR) + "/guest_bare_wfi.elf", "--vcd", vcd});
    EXPECT_EQ(r.exit_status, 3);
    expect_one_error_line(r, "the CPU sleeps in WFI and no enabled interrupt can wake it");
}

TEST(VpRun, TrapWithoutHandlerNamesCauseAndPc) {
    ProcessResult r = vp_run({"--firmware", std::string(VP_FIRMWARE_DIR) + "/guest_bare_trap.elf"});
    EXPECT_EQ(r.exit_status, 3);
    expect_one_error_line(r, "firmware trap: illegal instruction at pc=0x80000000");
}

TEST(VpRun, NpuDrivenByFirmwareReportsEveryKernel) {
    // guest_npu_conv: call mode (irq), a two-kernel list (irq mode), call mode
    // (poll), then a bad descriptor; the firmware checks every result itself.
    const std::string report = temp_path("npu.json");
    ProcessResult r = vp_run({"--firmware", std::string(VP_FIRMWARE_DIR) + "/guest_npu_conv.elf",
                              "--mode", "functional", "--report", report});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    const nlohmann::json j = nlohmann::json::parse(read_text_file(report));
    const auto& layers = j["layers"];
    ASSERT_EQ(layers.size(), 5u);
    for (int i : {0, 1, 3}) {
        EXPECT_EQ(layers[i]["op"], "conv");
        EXPECT_EQ(layers[i]["macs"], 16 * 8 * 10 * 10 * 9);
        EXPECT_EQ(layers[i]["cycles"].get<std::uint64_t>(),
                  layers[i]["compute_cycles"].get<std::uint64_t>() +
                      layers[i]["stall_cycles"].get<std::uint64_t>());
    }
    EXPECT_EQ(layers[2]["op"], "maxpool");
    EXPECT_EQ(layers[4]["error"], "bad_op");
    EXPECT_EQ(j["run"]["kernel_launches"], 5);
    // The NPU's own byte counts and the DRAM's count of the NPU's DMA are
    // independent: per-kernel bytes plus descriptor fetches must equal them.
    const auto& s = j["stats"];
    std::uint64_t rd = 0, wr = 0;
    for (const auto& [key, v] : j["totals"]["dram_read_bytes"].items())
        rd += v.get<std::uint64_t>();
    for (const auto& [key, v] : j["totals"]["dram_write_bytes"].items())
        wr += v.get<std::uint64_t>();
    EXPECT_GT(rd, 0u);
    EXPECT_EQ(s["dram"]["read_bytes"]["npu_dma"].get<std::uint64_t>(),
              rd + s["npu"]["desc_fetch_bytes"].get<std::uint64_t>());
    EXPECT_EQ(s["dram"]["write_bytes"]["npu_dma"].get<std::uint64_t>(), wr);
    EXPECT_EQ(j["run"]["control_bus_bytes"].get<std::uint64_t>(),
              s["bus"]["targets"]["npu"]["bytes"].get<std::uint64_t>() +
                  s["npu"]["desc_fetch_bytes"].get<std::uint64_t>());
    // Two list descriptors were fetched by the NPU in irq mode.
    EXPECT_EQ(s["npu"]["desc_fetch_bytes"], 2 * 128);
}
#endif

// Files and outputs: vp_run never destroys what it was not asked to write.

TEST(VpRun, PositionalArgumentIsRefusedWithAHint) {
    ProcessResult r = vp_run({"prog.elf"});
    EXPECT_EQ(r.exit_status, 2);
    expect_one_error_line(r, "did you mean --firmware prog.elf?");
    EXPECT_EQ(r.out, "");
}

TEST(VpRun, OutputThatIsAnInputIsRefused) {
    const std::string ini = temp_path("same.ini");
    {
        FILE* f = std::fopen(ini.c_str(), "w");
        std::fputs("demo = true\n", f);
        std::fclose(f);
    }
    ProcessResult r = vp_run({"--config", ini, "--csv", ini});
    EXPECT_EQ(r.exit_status, 2);
    expect_one_error_line(r, "is the --config input");
    EXPECT_EQ(read_text_file(ini), "demo = true\n");
    const std::string out = temp_path("twice.json");
    r = vp_run({"--demo", "--report", out, "--csv", out});
    EXPECT_EQ(r.exit_status, 2);
    expect_one_error_line(r, "is also the --report output");
}

TEST(VpRun, VcdWritesExactlyThePathGiven) {
    // A neighbour named PATH.vcd is not SystemC's scratch file to overwrite.
    const std::string vcd = temp_path("exact");
    const std::string neighbour = vcd + ".vcd";
    {
        FILE* f = std::fopen(neighbour.c_str(), "w");
        std::fputs("keep me\n", f);
        std::fclose(f);
    }
    ProcessResult r = vp_run({"--demo", "--vcd", vcd});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_NE(read_text_file(vcd).find("$enddefinitions"), std::string::npos);
    EXPECT_EQ(read_text_file(neighbour), "keep me\n");
    // No temporary file is left next to it.
    for (const auto& e : std::filesystem::directory_iterator(::testing::TempDir()))
        EXPECT_EQ(
            e.path().filename().string().find(".vp_e2e_" + std::to_string(getpid()) + "_exact."),
            std::string::npos)
            << e.path();
}

TEST(VpRun, VcdThroughASymlinkKeepsTheLink) {
    const std::string target = temp_path("link_target.vcd");
    const std::string link = temp_path("link.vcd");
    std::remove(target.c_str());
    std::remove(link.c_str());
    {
        FILE* f = std::fopen(target.c_str(), "w");
        std::fclose(f);
    }
    ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
    ProcessResult r = vp_run({"--demo", "--vcd", link});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_TRUE(is_symlink(link));
    EXPECT_NE(read_text_file(target).find("$enddefinitions"), std::string::npos);
}

TEST(VpRun, VcdToADeviceLeavesTheDevice) {
    ProcessResult r = vp_run({"--demo", "--vcd", "/dev/null"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    struct stat st {};
    ASSERT_EQ(::lstat("/dev/null", &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_FALSE(std::filesystem::exists("/dev/null.vcd"));
}

TEST(VpRun, FifoConfigIsRefusedWithoutBlocking) {
    const std::string fifo = temp_path("config.fifo");
    std::remove(fifo.c_str());
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // Should vp_run open the FIFO, a writer appears after 10 s and closes it
    // (end of file), so the test fails on time instead of hanging.
    std::atomic<bool> done{false};
    std::thread unblock([&] {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!done && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (done) return;
        const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) ::close(fd);
    });
    const auto start = std::chrono::steady_clock::now();
    ProcessResult r = vp_run({"--config", fifo});
    done = true;
    unblock.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_EQ(r.exit_status, 2);
    expect_one_error_line(r, "not a regular file");
    std::remove(fifo.c_str());
}

TEST(VpRun, ConsoleBytesThatAreNotUtf8KeepTheReport) {
    std::vector<std::uint32_t> prog;
    for (std::uint8_t byte : std::vector<std::uint8_t>{'o', 'k', 0xFF, 0xC3, '\n'})
        rv::uart_putc(prog, byte);
    rv::syscon_write(prog, VP_SYSCON_FINISHER_PASS);
    const std::string report = temp_path("utf8.json");
    ProcessResult r = vp_run({"--firmware", write_guest("not_utf8", prog), "--report", report});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "ok\xFF\xC3\n");  // stdout carries the bytes as the guest wrote them
    const nlohmann::json j = nlohmann::json::parse(read_text_file(report));
    EXPECT_EQ(j["console"], "ok\xEF\xBF\xBD\xEF\xBF\xBD\n");  // each invalid byte: U+FFFD
}

// A failing guest never exits 0 and never with vp_run's own 2, 3 or 4.
TEST(VpRun, GuestFailureCodesMapToDistinctStatuses) {
    const std::vector<std::pair<std::uint32_t, int>> cases = {{0, 1}, {256, 1}, {2, 1}, {3, 1},
                                                              {4, 1}, {1, 1},   {7, 7}, {255, 255}};
    for (const auto& [code, status] : cases) {
        ProcessResult r = vp_run({"--firmware", guest_failing_with(code)});
        EXPECT_EQ(r.exit_status, status) << "code " << code << ": " << r.err;
        EXPECT_NE(r.err.find("fail, code " + std::to_string(code)), std::string::npos) << r.err;
    }
    std::vector<std::uint32_t> pass;
    rv::syscon_write(pass, VP_SYSCON_FINISHER_PASS);
    EXPECT_EQ(vp_run({"--firmware", write_guest("pass", pass)}).exit_status, 0);
}

TEST(VpRun, TimeoutStopsAGuestThatNeverEnds) {
    const std::string report = temp_path("timeout.json");
    const auto start = std::chrono::steady_clock::now();
    ProcessResult r = vp_run({"--firmware", write_guest("spin", {}), "--max-cycles", "0",
                              "--timeout", "1", "--report", report});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.exit_status, 3);
    expect_one_error_line(r, "--timeout 1 s reached at cycle ");
    EXPECT_GE(seconds, 1.0);
    EXPECT_LT(seconds, 20.0);
    const nlohmann::json j = nlohmann::json::parse(read_text_file(report));
    EXPECT_EQ(j["run"]["failed"], true);
    EXPECT_GT(j["run"]["cycles"].get<std::uint64_t>(), 0u);
}

TEST(VpRun, TimeoutRunsPastADistantTimer) {
    // WFI until mtimecmp, 0.2 s of simulated time away (2e8 cycles with nothing
    // scheduled in between): the sliced run jumps there instead of spinning
    // until the wall-clock limit.
    std::vector<std::uint32_t> prog;
    rv::li(prog, rv::t0, VP_CLINT_BASE + VP_CLINT_MTIMECMP);
    rv::li(prog, rv::t1, VP_CLINT_MTIME_HZ / 5);
    prog.push_back(rv::store(2, rv::t1, rv::t0));        // mtimecmp lo
    prog.push_back(rv::store(2, 0, rv::t0) | (4 << 7));  // mtimecmp hi = 0 (offset 4)
    rv::li(prog, rv::t1, 0x80);                          // mie.MTIE
    prog.push_back(0x30431073);                          // csrw mie, t1
    prog.push_back(0x10500073);                          // wfi: wakes with mstatus.MIE clear
    rv::syscon_write(prog, VP_SYSCON_FINISHER_PASS);
    const std::string report = temp_path("far_timer.json");
    ProcessResult r = vp_run(
        {"--firmware", write_guest("far_timer", prog), "--timeout", "20", "--report", report});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(read_text_file(report));
    EXPECT_GE(j["run"]["cycles"].get<std::uint64_t>(), 200'000'000u);
}

TEST(VpRun, LargestMaxCyclesIsNotReachedFalsely) {
    // The largest limit at 1 GHz (2^63 ps): its time must not wrap to a short
    // run that reports "--max-cycles reached" at once.
    ProcessResult r = vp_run({"--firmware", write_guest("spin_big", {}), "--max-cycles",
                              "9223372036854775", "--timeout", "0.5"});
    EXPECT_EQ(r.exit_status, 3);
    expect_one_error_line(r, "--timeout 0.5 s reached");
}

TEST(VpRun, MaxCyclesLimitIsExactAtAnyFrequency) {
    // 600 MHz: a cycle is 1667 ps; the run stops at exactly the limit's cycle.
    const std::string report = temp_path("maxcycles.json");
    ProcessResult r = vp_run({"--firmware", write_guest("spin600", {}), "--freq-mhz", "600",
                              "--max-cycles", "1000003", "--report", report});
    EXPECT_EQ(r.exit_status, 3);
    expect_one_error_line(r, "--max-cycles 1000003 reached");
    const nlohmann::json j = nlohmann::json::parse(read_text_file(report));
    EXPECT_EQ(j["run"]["cycles"], 1000003);
}

#ifdef VP_FIRMWARE_DIR
TEST(VpRun, TimeoutKeepsStallDetection) {
    // --timeout runs the kernel in slices; a stall is still found at once.
    const auto start = std::chrono::steady_clock::now();
    ProcessResult r = vp_run(
        {"--firmware", std::string(VP_FIRMWARE_DIR) + "/guest_bare_wfi.elf", "--timeout", "30"});
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    EXPECT_EQ(r.exit_status, 3);
    expect_one_error_line(r, "the CPU sleeps in WFI and no enabled interrupt can wake it");
}
#endif
