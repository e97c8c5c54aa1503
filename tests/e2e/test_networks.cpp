// Networks end to end: vp_run compiles a workload, the firmware runs it on
// the platform in irq or call control, and the run is checked against the
// two oracles: the reference executor (--verify, functional mode, bit for
// bit) and the compiler's analytic traffic model (every layer's simulated
// DRAM bytes per tensor equal the prediction). Each vp_run is its own process.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "npu_abi/model_image.h"
#include "onnx_model_builder.h"
#include "run_process.h"

using vp_test::ProcessResult;
using vp_test::read_text_file;
using vp_test::run_process;

namespace {

std::string temp_path(const std::string& name) {
    return ::testing::TempDir() + "vp_net_" + std::to_string(getpid()) + "_" + name;
}

// Runs vp_run with a JSON report; returns it (exit status in *status).
nlohmann::json run_report(std::vector<std::string> args, int expect_status = 0,
                          ProcessResult* out = nullptr) {
    const std::string report = temp_path("r.json");
    std::remove(report.c_str());
    args.insert(args.end(), {"--report", report});
    ProcessResult r = run_process(VP_RUN, args);
    EXPECT_EQ(r.exit_status, expect_status) << r.err;
    if (out) *out = r;
    std::ifstream in(report);
    if (!in) return {};
    nlohmann::json j = nlohmann::json::parse(in);
    std::remove(report.c_str());
    return j;
}

// Every layer's simulated DRAM bytes equal the compiler's prediction, tensor
// by tensor: the useful bytes and the bytes on the DRAM bus (whole atoms).
// The NPU's bus bytes of the whole run equal what the DRAM itself counted
// for the NPU's transactions (its own application of the atom rule), less
// the descriptors the NPU fetched (128-byte aligned: whole atoms).
void expect_traffic_as_predicted(const nlohmann::json& j, const std::string& what) {
    ASSERT_TRUE(j.contains("layers")) << what;
    ASSERT_FALSE(j["layers"].empty()) << what;
    for (const auto& l : j["layers"]) {
        ASSERT_FALSE(l["predicted_dram_read_bytes"].is_null()) << what << " " << l["name"];
        EXPECT_EQ(l["dram_read_bytes"], l["predicted_dram_read_bytes"]) << what << " " << l["name"];
        EXPECT_EQ(l["dram_write_bytes"], l["predicted_dram_write_bytes"])
            << what << " " << l["name"];
        ASSERT_FALSE(l["predicted_dram_bus_read_bytes"].is_null()) << what << " " << l["name"];
        EXPECT_EQ(l["dram_bus_read_bytes"], l["predicted_dram_bus_read_bytes"])
            << what << " " << l["name"];
        EXPECT_EQ(l["dram_bus_write_bytes"], l["predicted_dram_bus_write_bytes"])
            << what << " " << l["name"];
    }
    const nlohmann::json& st = j["stats"];
    ASSERT_TRUE(st.contains("dram")) << what;
    const std::uint64_t dram_counted =
        st["dram"]["read_bus_bytes"]["npu_dma"].get<std::uint64_t>() +
        st["dram"]["write_bus_bytes"]["npu_dma"].get<std::uint64_t>();
    const std::uint64_t desc_fetch = st["npu"]["desc_fetch_bytes"].get<std::uint64_t>();
    EXPECT_EQ(j["run"]["npu_dram_bus_bytes"].get<std::uint64_t>() + desc_fetch, dram_counted)
        << what;
}

std::uint64_t total_dram(const nlohmann::json& j) {
    std::uint64_t n = 0;
    for (const char* k : {"ifmap", "weight", "psum"})
        n += j["totals"]["dram_read_bytes"][k].get<std::uint64_t>();
    for (const char* k : {"ofmap", "psum"})
        n += j["totals"]["dram_write_bytes"][k].get<std::uint64_t>();
    return n;
}

struct Control {
    const char* label;
    std::vector<std::string> args;
};
const std::vector<Control> kControls = {
    {"irq", {"--control", "irq"}},
    {"call+irq", {"--control", "call", "--completion", "irq"}},
    {"call+poll", {"--control", "call", "--completion", "poll"}},
};

// Exactly one line on stderr, "vp_run: error: ...", containing `what`.
void expect_one_error_line(const ProcessResult& r, const std::string& what) {
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("vp_run: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
}

// A VCD's value changes per signal ("scope.name" -> (time, value) in order).
using Waves = std::map<std::string, std::vector<std::pair<std::uint64_t, std::uint64_t>>>;
Waves parse_vcd(const std::string& text) {
    Waves waves;
    std::map<std::string, std::string> id_to_name;
    std::vector<std::string> scope;
    std::istringstream in(text);
    std::string line;
    std::uint64_t now = 0;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string tok;
        ls >> tok;
        if (tok == "$scope") {
            std::string kind, name;
            ls >> kind >> name;
            scope.push_back(name);
        } else if (tok == "$upscope") {
            if (!scope.empty()) scope.pop_back();
        } else if (tok == "$var") {
            std::string kind, width, id, name;
            ls >> kind >> width >> id >> name;
            id_to_name[id] = (scope.empty() ? "" : scope.back() + ".") + name;
        } else if (!tok.empty() && tok[0] == '#') {
            now = std::stoull(tok.substr(1));
        } else if (!tok.empty() && (tok[0] == '0' || tok[0] == '1') && tok.size() > 1) {
            const auto it = id_to_name.find(tok.substr(1));
            if (it != id_to_name.end()) waves[it->second].emplace_back(now, tok[0] - '0');
        } else if (!tok.empty() && tok[0] == 'b') {
            std::string id;
            ls >> id;
            const auto it = id_to_name.find(id);
            if (it != id_to_name.end())
                waves[it->second].emplace_back(now, std::stoull(tok.substr(1), nullptr, 2));
        }
    }
    return waves;
}

}  // namespace

// Small networks in functional mode: the NPU's output equals the reference
// executor's bit for bit under every dataflow and every control mode, and the
// traffic equals the prediction.
class FunctionalVerify : public ::testing::TestWithParam<const char*> {};

TEST_P(FunctionalVerify, BitExactUnderEveryDataflowAndControl) {
    for (const char* df : {"os", "ws", "is"})
        for (const Control& c : kControls) {
            const std::string what = std::string(GetParam()) + " " + df + " " + c.label;
            std::vector<std::string> args{"--workload", GetParam(), "--dataflow", df, "--verify"};
            args.insert(args.end(), c.args.begin(), c.args.end());
            ProcessResult r;
            const nlohmann::json j = run_report(args, 0, &r);
            ASSERT_TRUE(j.contains("verify")) << what;
            EXPECT_TRUE(j["verify"]["checked"].get<bool>()) << what;
            EXPECT_TRUE(j["verify"]["match"].get<bool>()) << what;
            EXPECT_NE(r.out.find("matches the reference executor bit for bit"), std::string::npos)
                << what;
            expect_traffic_as_predicted(j, what);
        }
}

INSTANTIATE_TEST_SUITE_P(Networks, FunctionalVerify, ::testing::Values("lenet5", "resnet_small"));

TEST(Networks, VerifyLayersComparesEveryLayer) {
    const nlohmann::json j =
        run_report({"--workload", "resnet_small", "--verify-layers", "--control", "call"});
    EXPECT_TRUE(j["verify"]["match"].get<bool>());
    EXPECT_TRUE(j["config"]["verify_layers"].get<bool>());
}

// ResNet-50 in timing mode: traffic as predicted on every layer; the three
// dataflows cost different cycles for the same network; irq and call control
// move the same NPU traffic but cost the CPU differently.
TEST(Networks, Resnet50TimingTrafficDataflowsAndControl) {
    std::map<std::string, nlohmann::json> runs;
    for (const char* df : {"os", "ws", "is"}) {
        runs[df] = run_report({"--workload", "resnet50", "--dataflow", df});
        expect_traffic_as_predicted(runs[df], std::string("resnet50 ") + df);
        std::uint64_t launches = 0;
        for (const auto& l : runs[df]["layers"])
            launches += l["launches"].get<std::uint64_t>();
        EXPECT_EQ(runs[df]["run"]["kernel_launches"].get<std::uint64_t>(), launches);
    }
    const auto npu_cycles = [&](const char* df) {
        return runs[df]["totals"]["cycles"].get<std::uint64_t>();
    };
    EXPECT_NE(npu_cycles("os"), npu_cycles("ws"));
    EXPECT_NE(npu_cycles("os"), npu_cycles("is"));
    EXPECT_NE(npu_cycles("ws"), npu_cycles("is"));
    // 53 conv/fc layers with MACs as the published shapes imply.
    EXPECT_EQ(runs["os"]["totals"]["macs"].get<std::uint64_t>(), 3857973248u);

    const nlohmann::json call = run_report({"--workload", "resnet50", "--control", "call"});
    const nlohmann::json& irq = runs["os"];
    expect_traffic_as_predicted(call, "resnet50 call");
    EXPECT_EQ(total_dram(call), total_dram(irq));
    EXPECT_EQ(call["totals"]["cycles"], irq["totals"]["cycles"]);  // the NPU's own work
    EXPECT_EQ(call["run"]["kernel_launches"], irq["run"]["kernel_launches"]);
    EXPECT_NE(call["run"]["cpu_busy_cycles"], irq["run"]["cpu_busy_cycles"]);
    EXPECT_NE(call["run"]["cycles"], irq["run"]["cycles"]);
    EXPECT_EQ(irq["run"]["interrupts"], 1);  // one list, one interrupt at its end
    EXPECT_EQ(call["run"]["interrupts"], call["run"]["kernel_launches"]);  // one per launch
}

// lstm, gru and attention run in call control with their sequence length
// given at run time: the image is the same, the launches follow the length.
TEST(Networks, SequenceModelsTakeTheirLengthAtRunTime) {
    for (const char* w : {"lstm", "gru", "attention"}) {
        std::map<int, nlohmann::json> at;
        for (int t : {4, 8}) {
            at[t] =
                run_report({"--workload", w, "--control", "call", "--seq-len", std::to_string(t)});
            ASSERT_TRUE(at[t].contains("run")) << w;
        }
        const auto launches = [&](int t) {
            return at[t]["run"]["kernel_launches"].get<std::uint64_t>();
        };
        const auto cycles = [&](int t) { return at[t]["run"]["cycles"].get<std::uint64_t>(); };
        if (std::string(w) != "attention") {
            // One GEMM launch per time step and layer.
            EXPECT_EQ(launches(4), 4u) << w;
            EXPECT_EQ(launches(8), 8u) << w;
        } else {
            // Q, K, V and output projections over T columns, and per query a
            // scores and a context launch (docs/recurrent.md): 2 T + 4.
            EXPECT_EQ(launches(4), 2u * 4 + 4) << w;
            EXPECT_EQ(launches(8), 2u * 8 + 4) << w;
            // The NPU does the work of T: 4 T D^2 + 2 T^2 D MACs (D = 128).
            for (std::uint64_t t : {4u, 8u})
                EXPECT_EQ(at[static_cast<int>(t)]["totals"]["macs"].get<std::uint64_t>(),
                          4 * t * 128 * 128 + 2 * t * t * 128)
                    << w << " T " << t;
        }
        EXPECT_GT(cycles(8), cycles(4)) << w;
        EXPECT_GT(at[8]["totals"]["macs"].get<std::uint64_t>(),
                  at[4]["totals"]["macs"].get<std::uint64_t>())
            << w;
    }
    // Two layers: twice the launches.
    const nlohmann::json two =
        run_report({"--workload", "lstm:layers=2", "--control", "call", "--seq-len", "5"});
    EXPECT_EQ(two["run"]["kernel_launches"], 10);
}

TEST(Networks, SequenceModelsRefuseIrqControl) {
    ProcessResult r = run_process(VP_RUN, {"--workload", "lstm", "--control", "irq"});
    EXPECT_EQ(r.exit_status, 2);
    expect_one_error_line(r, "needs run-time control");
    EXPECT_NE(r.err.find("use --control call"), std::string::npos);
}

TEST(Networks, SequenceModelsVerifyInFunctionalMode) {
    for (const char* w : {"lstm", "gru", "attention"}) {
        const nlohmann::json j =
            run_report({"--workload", w, "--control", "call", "--seq-len", "3", "--verify"});
        ASSERT_TRUE(j.contains("verify")) << w;
        EXPECT_TRUE(j["verify"]["match"].get<bool>()) << w;
    }
}

// A saved image runs as compiled; a damaged one is one clear line.
TEST(Networks, SavedImageRunsAndDamagedImagesAreRefused) {
    const std::string img = temp_path("lenet5.bin");
    ProcessResult w = run_process(VP_RUN, {"--workload", "lenet5", "--emit-setup", img});
    ASSERT_EQ(w.exit_status, 0) << w.err;
    const nlohmann::json direct = run_report({"--workload", "lenet5"});
    const nlohmann::json saved = run_report({"--setup", img});
    EXPECT_EQ(saved["totals"], direct["totals"]);
    EXPECT_EQ(saved["run"]["cycles"], direct["run"]["cycles"]);

    std::string bytes = read_text_file(img);
    // One flipped bit in the weights: the whole-image CRC catches it.
    std::string flipped = bytes;
    flipped[flipped.size() - 1] ^= 0x10;
    const std::string bad = temp_path("bad.bin");
    std::ofstream(bad, std::ios::binary) << flipped;
    ProcessResult r = run_process(VP_RUN, {"--setup", bad});
    EXPECT_EQ(r.exit_status, 2);
    expect_one_error_line(r, "CRC");
    // A truncated file.
    std::ofstream(bad, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
    r = run_process(VP_RUN, {"--setup", bad});
    EXPECT_EQ(r.exit_status, 2);
    expect_one_error_line(r, "--setup");
    // Not an image at all.
    std::ofstream(bad, std::ios::binary | std::ios::trunc) << "#!/bin/sh\necho hello\n";
    r = run_process(VP_RUN, {"--setup", bad});
    EXPECT_EQ(r.exit_status, 2);
    expect_one_error_line(r, "not a model image");
    std::remove(bad.c_str());
    std::remove(img.c_str());
}

// A descriptor the NPU would refuse in the middle of a network (an
// impossible op in the third; CRCs redone so only the descriptor is wrong):
// vp_run checks every descriptor as the NPU will before it starts the run and
// names it. (The firmware's own report of an NPU error, kernel and layer, is
// exercised on the SoC by test_fw_model, which bypasses this host check.)
TEST(Networks, BadDescriptorInTheMiddleIsNamedBeforeTheRun) {
    const std::string img = temp_path("err.bin");
    ASSERT_EQ(run_process(VP_RUN, {"--workload", "lenet5", "--emit-setup", img}).exit_status, 0);
    std::string bytes = read_text_file(img);
    npu_img_header_t h;
    std::memcpy(&h, bytes.data(), sizeof h);
    ASSERT_GE(h.desc_count, 3u);
    const std::size_t at = h.desc_offset + 2 * NPU_DESC_SIZE + offsetof(npu_desc_t, op);
    bytes[at] = static_cast<char>(0x7F);
    h.meta_crc32 =
        npu_crc32_update(0, bytes.data() + h.header_bytes, h.data_offset - h.header_bytes);
    std::memcpy(bytes.data(), &h, sizeof h);
    h.crc32 = npu_img_crc32(bytes.data(), bytes.size());
    std::memcpy(bytes.data(), &h, sizeof h);
    std::ofstream(img, std::ios::binary | std::ios::trunc) << bytes;
    ProcessResult r = run_process(VP_RUN, {"--setup", img, "--control", "call"});
    EXPECT_EQ(r.exit_status, 2);
    expect_one_error_line(r, "descriptor 2: op 127");
    std::remove(img.c_str());
}

// The JSON report of a network run has every documented key (docs/report.md).
TEST(Networks, ReportHasTheDocumentedShape) {
    const nlohmann::json j = run_report({"--workload", "lenet5", "--control", "call"});
    for (const char* k :
         {"version", "config", "layers", "totals", "run", "verify", "stats", "console"})
        EXPECT_TRUE(j.contains(k)) << k;
    for (const char* k :
         {"name", "op", "launches", "macs", "cycles", "compute_cycles", "formula_cycles",
          "stall_cycles", "utilization", "dram_read_bytes", "dram_write_bytes",
          "predicted_dram_read_bytes", "predicted_dram_write_bytes", "sram_reads", "sram_writes",
          "dram_bus_read_bytes", "dram_bus_write_bytes", "predicted_dram_bus_read_bytes",
          "predicted_dram_bus_write_bytes"})
        EXPECT_TRUE(j["layers"][0].contains(k)) << k;
    for (const char* k :
         {"cycles", "sim_time_ns", "cpu_instructions", "cpu_busy_cycles", "cpu_sleep_cycles",
          "interrupts", "kernel_launches", "control_bus_bytes", "npu_busy_cycles",
          "npu_idle_cycles", "npu_dram_bytes", "npu_dram_bus_bytes", "resident_weight_bytes",
          "host_seconds", "host_mips", "exit_status"})
        EXPECT_TRUE(j["run"].contains(k)) << k;
    EXPECT_EQ(j["config"]["workload"], "lenet5");
    EXPECT_EQ(j["layers"][0]["name"], "c1");
    EXPECT_EQ(j["layers"][0]["op"], "conv");
    EXPECT_EQ(j["layers"][0]["macs"], 6 * 1 * 25 * 28 * 28);
    // c1 untiled on 32x32 os: 784 pixels x 6 filters, reduction 25:
    // ceil(784/32) * ceil(6/32) = 25 folds of 25 + 62 cycles.
    EXPECT_EQ(j["layers"][0]["formula_cycles"], 25 * (25 + 62));
    EXPECT_EQ(j["run"]["npu_busy_cycles"], j["totals"]["cycles"]);
}

// The waveform of a network run opens in GTKWave's tools (vcd2fst, then back
// with fst2vcd) and shows what happened: npu.busy rises once per launch in
// call control and spans the kernels' cycles, npu.kernel walks the layers in
// order, fw.step shows the firmware checking the image, running program ops
// and finishing.
TEST(Networks, WaveformShowsLaunchesLayersAndFirmwareSteps) {
    if (std::string(VP_VCD2FST).empty() || std::string(VP_FST2VCD).empty())
        GTEST_SKIP() << "gtkwave's vcd2fst/fst2vcd not installed";
    const std::string vcd = temp_path("lenet5.vcd"), fst = temp_path("lenet5.fst");
    const nlohmann::json j =
        run_report({"--workload", "lenet5", "--control", "call", "--vcd", vcd});
    ASSERT_EQ(run_process(VP_VCD2FST, {vcd, fst}).exit_status, 0);
    ProcessResult back = run_process(VP_FST2VCD, {fst});
    ASSERT_EQ(back.exit_status, 0);
    Waves w = parse_vcd(back.out);
    // npu.busy: one rising edge per launch; high for at least the kernels' cycles (1 ns each).
    std::uint64_t rises = 0, high_ns = 0, rose_at = 0;
    std::uint64_t prev = 0;
    for (const auto& [t, v] : w["npu.busy"]) {
        if (v && !prev) {
            ++rises;
            rose_at = t;
        }
        if (!v && prev) high_ns += t - rose_at;
        prev = v;
    }
    EXPECT_EQ(rises, j["run"]["kernel_launches"].get<std::uint64_t>());
    EXPECT_GE(high_ns, j["run"]["npu_busy_cycles"].get<std::uint64_t>());
    // npu.kernel: the layer index of each kernel, in program order 0, 1, ... 6.
    std::vector<std::uint64_t> layers;
    for (const auto& [t, v] : w["npu.kernel"])
        if (layers.empty() || layers.back() != v) layers.push_back(v);
    const std::vector<std::uint64_t> expect{0, 1, 2, 3, 4, 5, 6};
    EXPECT_TRUE(layers == expect ||
                (layers.size() == 8 && layers[0] == 0 &&
                 std::vector<std::uint64_t>(layers.begin() + 1, layers.end()) == expect))
        << ::testing::PrintToString(layers);
    // fw.step: checks (phase 1), program ops (phase 2), done (phase 3), in that order.
    std::vector<std::uint64_t> phases;
    for (const auto& [t, v] : w["fw.step"])
        if (v && (phases.empty() || phases.back() != (v >> 24))) phases.push_back(v >> 24);
    EXPECT_EQ(phases, (std::vector<std::uint64_t>{1, 2, 3}));
    std::remove(vcd.c_str());
    std::remove(fst.c_str());
}

// A user's own ONNX model (a torchvision-style residual net built here with
// the onnx classes): imported, quantized, compiled and run through the
// firmware, bit-exact against the reference executor under both controls.
TEST(Networks, OnnxModelRunsBitExact) {
    onnx_test::Model md;
    onnx_test::build_resnet_like(md);
    const std::string path = md.save();
    for (const Control& c : kControls) {
        std::vector<std::string> args{"--workload", path, "--verify"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        const nlohmann::json j = run_report(args);
        ASSERT_TRUE(j.contains("verify")) << c.label;
        EXPECT_TRUE(j["verify"]["match"].get<bool>()) << c.label;
        expect_traffic_as_predicted(j, std::string("onnx ") + c.label);
        EXPECT_EQ(j["totals"]["macs"].get<std::uint64_t>(),
                  4u * 3 * 9 * 64 + 2 * (4u * 4 * 9 * 16) + 10 * 4);
    }
}

// A SCALE-Sim user's topology file runs unchanged: one kernel per row, with
// SCALE-Sim's output size (no padding, ceil((H - R + stride) / stride)).
TEST(Networks, ScaleSimTopologyRuns) {
    const std::string csv = temp_path("topo.csv");
    std::ofstream(csv) << "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
                          "Channels, Num Filter, Strides,\n"
                          "Conv1, 56, 56, 3, 3, 64, 64, 1,\n"
                          "Conv2, 28, 28, 1, 1, 128, 256, 2,\n";
    const nlohmann::json j = run_report({"--workload", csv});
    ASSERT_EQ(j["layers"].size(), 2u);
    expect_traffic_as_predicted(j, "scalesim");
    // Conv1: 54x54 outputs; Conv2: ceil((28 - 1 + 2) / 2) = 15 (floor would give 14).
    EXPECT_EQ(j["layers"][0]["macs"].get<std::uint64_t>(), 64u * 64 * 9 * 54 * 54);
    EXPECT_EQ(j["layers"][1]["macs"].get<std::uint64_t>(), 256u * 128 * 15 * 15);
    std::remove(csv.c_str());
}

// RESIDENT: an LSTM whose step weights fit half the weight scratchpad reads
// them at the first step only; the report counts exactly the (T - 1) step
// loads it saved, and the DRAM weight bytes are the prediction.
TEST(Networks, ResidentWeightsSaveExactlyTheRepeatedLoads) {
    // hidden 32, input 16: the step weight [W|R] is 4*32 x (16+32) = 6144 bytes.
    const nlohmann::json j = run_report(
        {"--workload", "lstm:hidden=32,input=16,seq=8", "--control", "call", "--seq-len", "8"});
    EXPECT_EQ(j["run"]["resident_weight_bytes"].get<std::uint64_t>(), 7u * 6144);
    expect_traffic_as_predicted(j, "lstm resident");
    // Under call+poll the same.
    const nlohmann::json p = run_report({"--workload", "lstm:hidden=32,input=16,seq=8", "--control",
                                         "call", "--completion", "poll", "--seq-len", "8"});
    EXPECT_EQ(p["run"]["resident_weight_bytes"].get<std::uint64_t>(), 7u * 6144);
}

// Progress on a terminal: "layer k of n: name", rewritten in place; never in
// a pipe or a file (a report or a log stays clean).
TEST(Networks, ProgressOnlyOnATerminal) {
    ProcessResult piped = run_process(VP_RUN, {"--workload", "lenet5", "--control", "call"});
    ASSERT_EQ(piped.exit_status, 0) << piped.err;
    EXPECT_EQ(piped.err.find("layer 1 of"), std::string::npos) << piped.err;
    if (access("/usr/bin/script", X_OK) != 0) GTEST_SKIP() << "util-linux script not installed";
    // script(1) gives vp_run a pseudo-terminal.
    ProcessResult tty = run_process(
        "/usr/bin/script",
        {"-qfec", std::string(VP_RUN) + " --workload lenet5 --control call", "/dev/null"});
    ASSERT_EQ(tty.exit_status, 0) << tty.err;
    EXPECT_NE(tty.out.find("layer 1 of 7: c1"), std::string::npos) << tty.out;
    EXPECT_NE(tty.out.find("layer 7 of 7: output"), std::string::npos) << tty.out;
}

// irq control in the waveform: the PLIC's line rises once, when the list
// ends, and falls once, when the firmware's handler acknowledges it; npu.busy
// is high from the list's start to its end, at least every kernel's cycles
// plus the descriptor fetches, and the interrupt follows its fall.
TEST(Networks, WaveformOfIrqControl) {
    if (std::string(VP_VCD2FST).empty() || std::string(VP_FST2VCD).empty())
        GTEST_SKIP() << "gtkwave's vcd2fst/fst2vcd not installed";
    const std::string vcd = temp_path("irq.vcd"), fst = temp_path("irq.fst");
    const nlohmann::json j = run_report({"--workload", "lenet5", "--vcd", vcd});
    ASSERT_EQ(run_process(VP_VCD2FST, {vcd, fst}).exit_status, 0);
    ProcessResult back = run_process(VP_FST2VCD, {fst});
    ASSERT_EQ(back.exit_status, 0);
    Waves w = parse_vcd(back.out);
    const auto edges = [&](const std::string& name) {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> e;  // (time, new value)
        std::uint64_t prev = 0;
        for (const auto& [t, v] : w[name]) {
            if (v != prev) e.emplace_back(t, v);
            prev = v;
        }
        return e;
    };
    const auto plic = edges("plic.irq");
    ASSERT_EQ(plic.size(), 2u) << "the PLIC line rises and falls once";
    EXPECT_EQ(plic[0].second, 1u);
    EXPECT_EQ(plic[1].second, 0u);
    const auto busy = edges("npu.busy");
    ASSERT_EQ(busy.size(), 2u) << "one list: busy rises and falls once";
    const std::uint64_t busy_ns = busy[1].first - busy[0].first;  // 1 ns per cycle at 1 GHz
    EXPECT_GE(busy_ns, j["run"]["npu_busy_cycles"].get<std::uint64_t>());
    EXPECT_LE(busy_ns, j["run"]["npu_busy_cycles"].get<std::uint64_t>() +
                           j["run"]["npu_idle_cycles"].get<std::uint64_t>() + 200);
    EXPECT_GE(plic[0].first, busy[1].first);
    std::remove(vcd.c_str());
    std::remove(fst.c_str());
}

// The NPU's DMA moves a contiguous run as one transaction that the bus and
// the DRAM book and count as its bursts; VP_NPU_DMA_PER_BURST=1 forces the
// reference path, one b_transport per burst. Both give the same report:
// layers, totals and the run's cycles and traffic (host time aside), and the
// same bus and DRAM transaction counters.
TEST(Networks, CoalescedDmaEqualsBurstByBurst) {
    const auto strip_host = [](nlohmann::json j) {
        for (auto it = j["run"].begin(); it != j["run"].end();)
            it = it.key().find("host") != std::string::npos ||
                         it.key().find("wall") != std::string::npos
                     ? j["run"].erase(it)
                     : std::next(it);
        return j;
    };
    const std::vector<std::vector<std::string>> cases = {
        {"--workload", "resnet_small", "--dma-burst", "64"},
        {"--workload", "resnet_small", "--dataflow", "ws", "--control", "call"},
        {"--workload", "lenet5", "--dma-burst", "64", "--dataflow", "is"},
    };
    for (const auto& args : cases) {
        const std::string what = args[1] + (args.size() > 2 ? " " + args[2] + " " + args[3] : "");
        const nlohmann::json coalesced = strip_host(run_report(args));
        ::setenv("VP_NPU_DMA_PER_BURST", "1", 1);
        const nlohmann::json per_burst = strip_host(run_report(args));
        ::unsetenv("VP_NPU_DMA_PER_BURST");
        ASSERT_FALSE(coalesced["layers"].empty()) << what;
        EXPECT_EQ(coalesced["layers"], per_burst["layers"]) << what;
        EXPECT_EQ(coalesced["totals"], per_burst["totals"]) << what;
        EXPECT_EQ(coalesced["run"], per_burst["run"]) << what;
        ASSERT_TRUE(coalesced.contains("stats")) << what;
        EXPECT_EQ(coalesced["stats"], per_burst["stats"]) << what;
    }
}

// Every network of the zoo (vp_run --list-workloads), timing mode, call
// control (the sequence models need it; the NPU's work is the same as under
// irq): on every layer the simulated useful bytes and bytes on the DRAM bus
// equal the compiler's prediction, and the DRAM's own count of the NPU's
// bus bytes equals the layers' (expect_traffic_as_predicted).
TEST(Networks, EveryZooNetworkMovesThePredictedUsefulAndBusBytes) {
    const ProcessResult list = run_process(VP_RUN, {"--list-workloads"});
    ASSERT_EQ(list.exit_status, 0) << list.err;
    std::vector<std::string> names;
    std::istringstream in(list.out);
    bool table = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("-----", 0) == 0) table = true;
        if (table && !line.empty() && std::islower(static_cast<unsigned char>(line[0])))
            names.push_back(line.substr(0, line.find(' ')));
    }
    ASSERT_GE(names.size(), 10u) << list.out;
    std::uint64_t layers = 0;
    for (const std::string& w : names) {
        const nlohmann::json j = run_report({"--workload", w, "--control", "call"});
        expect_traffic_as_predicted(j, w);
        layers += j["layers"].size();
        std::uint64_t useful = 0, bus = 0;
        for (const char* k : {"ifmap", "weight", "psum"}) {
            useful += j["totals"]["dram_read_bytes"][k].get<std::uint64_t>();
            bus += j["totals"]["dram_bus_read_bytes"][k].get<std::uint64_t>();
        }
        EXPECT_GE(bus, useful) << w;  // whole atoms never carry less
    }
    std::printf("%zu zoo networks, %llu layers: useful and bus bytes as predicted\n", names.size(),
                static_cast<unsigned long long>(layers));
}
