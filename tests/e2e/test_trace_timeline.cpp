// vp_run --trace-json end to end: the file is a valid Chrome trace-event
// document (the JSON object form ui.perfetto.dev and chrome://tracing open),
// and its tracks add up to the run's report: kernel durations to the NPU's
// busy cycles, DMA bytes to the NPU's DRAM bytes, MAC busy cycles to the
// compute cycles, interrupt handlers to the interrupts taken.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_process.h"

using nlohmann::json;
using vp_test::ProcessResult;
using vp_test::read_text_file;
using vp_test::run_process;

namespace {

std::string temp_path(const std::string& name) {
    return ::testing::TempDir() + "vp_trace_" + std::to_string(getpid()) + "_" + name;
}

// Microseconds (the format's unit) to cycles of a clock of `mhz`.
std::uint64_t us_to_cycles(double us, double mhz) {
    return static_cast<std::uint64_t>(std::llround(us * mhz));
}

// Checks the trace-event format's rules; returns the X events by track
// (pid, tid) in file order. Rules: the object form with a traceEvents
// array; every event has ph and pid; per phase the required fields (X:
// name, ts, dur, tid; B: name, ts, tid; E: ts, tid; C: name, ts, args of
// numbers; M: a known metadata name and args); ts in microseconds, >= 0,
// monotonic per track; B/E matched per track; X events on one track never
// overlap; every used thread has a thread_name.
using Tracks = std::map<std::pair<int, int>, std::vector<json>>;
void check_format(const json& doc, Tracks& tracks) {
    EXPECT_TRUE(doc.is_object());
    EXPECT_TRUE(doc.contains("traceEvents") && doc["traceEvents"].is_array());
    if (doc.contains("displayTimeUnit")) {
        const std::string u = doc["displayTimeUnit"];
        EXPECT_TRUE(u == "ms" || u == "ns") << u;
    }
    std::map<std::pair<int, int>, double> last_ts;
    std::map<std::pair<int, std::string>, double> last_counter_ts;
    std::map<std::pair<int, int>, int> open_b;
    std::set<std::pair<int, int>> named, used;
    const double eps = 1e-9;
    for (const json& e : doc["traceEvents"]) {
        SCOPED_TRACE(e.dump());
        ASSERT_TRUE(e.contains("ph") && e["ph"].is_string());
        ASSERT_TRUE(e.contains("pid") && e["pid"].is_number_integer());
        const std::string ph = e["ph"];
        const int pid = e["pid"];
        if (ph == "M") {
            const std::string name = e["name"];
            EXPECT_TRUE(name == "process_name" || name == "thread_name" ||
                        name == "process_sort_index" || name == "thread_sort_index")
                << name;
            ASSERT_TRUE(e["args"].is_object());
            if (name == "thread_name") {
                EXPECT_TRUE(e["args"]["name"].is_string());
                named.insert({pid, e["tid"].get<int>()});
            }
            continue;
        }
        ASSERT_TRUE(e.contains("ts") && e["ts"].is_number());
        const double ts = e["ts"];
        EXPECT_GE(ts, 0.0);
        if (ph == "C") {
            ASSERT_TRUE(e["name"].is_string());
            ASSERT_TRUE(e["args"].is_object());
            for (const auto& [k, v] : e["args"].items())
                EXPECT_TRUE(v.is_number()) << k;
            auto [it, fresh] = last_counter_ts.try_emplace({pid, e["name"]}, ts);
            if (!fresh) {
                EXPECT_GE(ts + eps, it->second);
            }
            it->second = ts;
            continue;
        }
        ASSERT_TRUE(ph == "X" || ph == "B" || ph == "E") << ph;
        ASSERT_TRUE(e.contains("tid") && e["tid"].is_number_integer());
        const std::pair<int, int> track{pid, e["tid"].get<int>()};
        used.insert(track);
        auto [it, fresh] = last_ts.try_emplace(track, ts);
        if (!fresh) {
            EXPECT_GE(ts + eps, it->second) << "ts goes back on its track";
        }
        it->second = ts;
        if (ph == "B") {
            EXPECT_TRUE(e["name"].is_string());
            ++open_b[track];
        } else if (ph == "E") {
            EXPECT_GT(open_b[track]--, 0) << "E without B";
        } else {
            ASSERT_TRUE(e["name"].is_string());
            ASSERT_TRUE(e.contains("dur") && e["dur"].is_number());
            EXPECT_GE(e["dur"].get<double>(), 0.0);
            auto& t = tracks[track];
            if (!t.empty()) {
                const json& p = t.back();
                EXPECT_GE(ts + eps, p["ts"].get<double>() + p["dur"].get<double>())
                    << "overlaps " << p.dump();
            }
            t.push_back(e);
        }
    }
    for (const auto& [track, n] : open_b)
        EXPECT_EQ(n, 0) << "unmatched B on " << track.first << "/" << track.second;
    for (const auto& t : used)
        EXPECT_TRUE(named.count(t)) << "no thread_name for " << t.first << "/" << t.second;
}

struct Traced {
    json trace, report;
    Tracks tracks;
    std::map<std::string, std::pair<int, int>> by_name;  // thread name -> track
    ProcessResult run;
};

Traced run_traced(std::vector<std::string> args, int want_status = 0) {
    Traced t;
    const std::string trace = temp_path("trace.json"), report = temp_path("report.json");
    std::remove(trace.c_str());
    args.insert(args.end(), {"--trace-json", trace, "--report", report});
    t.run = run_process(VP_RUN, args);
    EXPECT_EQ(t.run.exit_status, want_status) << t.run.err;
    t.trace = json::parse(read_text_file(trace));
    t.report = json::parse(read_text_file(report));
    check_format(t.trace, t.tracks);
    for (const json& e : t.trace["traceEvents"])
        if (e["ph"] == "M" && e["name"] == "thread_name")
            t.by_name[e["args"]["name"]] = {e["pid"].get<int>(), e["tid"].get<int>()};
    // No temporary file is left next to the trace.
    const std::string dir = ::testing::TempDir();
    for (const auto& f : std::filesystem::directory_iterator(dir))
        EXPECT_EQ(f.path().filename().string().rfind(".vp_trace_" + std::to_string(getpid()), 0),
                  std::string::npos)
            << f.path();
    return t;
}

const std::vector<json>& track(const Traced& t, const std::string& name) {
    static const std::vector<json> none;
    const auto it = t.by_name.find(name);
    if (it == t.by_name.end()) return none;
    const auto tr = t.tracks.find(it->second);
    return tr == t.tracks.end() ? none : tr->second;
}

std::uint64_t sum_arg(const std::vector<json>& events, const char* key) {
    std::uint64_t n = 0;
    for (const json& e : events)
        n += e["args"][key].get<std::uint64_t>();
    return n;
}

std::uint64_t count_named(const std::vector<json>& events, const std::string& name) {
    std::uint64_t n = 0;
    for (const json& e : events)
        n += e["name"] == name;
    return n;
}

// The checks every run's trace passes against its own report.
void check_against_report(const Traced& t, double mhz) {
    const json& run = t.report["run"];
    const json& totals = t.report["totals"];
    const auto& kernels = track(t, "command processor");
    ASSERT_FALSE(kernels.empty());
    EXPECT_EQ(kernels.size(), run["kernel_launches"].get<std::uint64_t>());
    // Kernel durations, converted with the clock, are the NPU's busy cycles.
    std::uint64_t cycles = 0;
    for (const json& k : kernels) {
        EXPECT_EQ(us_to_cycles(k["dur"], mhz), k["args"]["cycles"].get<std::uint64_t>());
        cycles += us_to_cycles(k["dur"], mhz);
    }
    EXPECT_EQ(cycles, run["npu_busy_cycles"].get<std::uint64_t>());
    EXPECT_EQ(sum_arg(kernels, "cycles"), run["npu_busy_cycles"].get<std::uint64_t>());
    EXPECT_EQ(sum_arg(kernels, "macs"), totals["macs"].get<std::uint64_t>());
    // Kernels are named by layer: every layer of the report appears.
    std::set<std::string> names;
    for (const json& k : kernels)
        names.insert(k["name"]);
    for (const json& l : t.report["layers"])
        EXPECT_TRUE(names.count(l["name"])) << l["name"];
    // DMA bytes on the tracks are the report's DRAM bytes.
    auto sum_of = [](const json& o) {
        std::uint64_t n = 0;
        for (const auto& [k, v] : o.items())
            n += v.get<std::uint64_t>();
        return n;
    };
    const std::uint64_t rd = sum_arg(track(t, "DMA read"), "bytes");
    const std::uint64_t wr = sum_arg(track(t, "DMA write"), "bytes");
    EXPECT_EQ(rd, sum_of(totals["dram_read_bytes"]));
    EXPECT_EQ(wr, sum_of(totals["dram_write_bytes"]));
    EXPECT_EQ(rd + wr, run["npu_dram_bytes"].get<std::uint64_t>());
    // And their bytes on the DRAM bus (whole atoms) the report's bus bytes.
    const std::uint64_t bus_rd = sum_arg(track(t, "DMA read"), "bus_bytes");
    const std::uint64_t bus_wr = sum_arg(track(t, "DMA write"), "bus_bytes");
    EXPECT_EQ(bus_rd, sum_of(totals["dram_bus_read_bytes"]));
    EXPECT_EQ(bus_wr, sum_of(totals["dram_bus_write_bytes"]));
    EXPECT_EQ(bus_rd + bus_wr, run["npu_dram_bus_bytes"].get<std::uint64_t>());
    // MAC busy cycles are the compute cycles.
    EXPECT_EQ(sum_arg(track(t, "MAC array"), "busy_cycles"),
              totals["compute_cycles"].get<std::uint64_t>());
    // DMA and MAC events lie inside their kernel; at most the documented
    // number of spans per kernel and track.
    const std::uint64_t cap = t.trace["otherData"]["max_spans_per_kernel"];
    for (const char* name : {"DMA read", "DMA write", "MAC array"}) {
        std::map<std::uint64_t, std::uint64_t> per_kernel;
        std::size_t k = 0;
        for (const json& e : track(t, name)) {
            const double b = e["ts"], end = b + e["dur"].get<double>();
            while (k < kernels.size() &&
                   kernels[k]["ts"].get<double>() + kernels[k]["dur"].get<double>() < b - 1e-9)
                ++k;
            ASSERT_LT(k, kernels.size()) << name << " " << e.dump();
            EXPECT_GE(b + 1e-9, kernels[k]["ts"].get<double>()) << name << " " << e.dump();
            EXPECT_LE(end, kernels[k]["ts"].get<double>() + kernels[k]["dur"].get<double>() + 1e-9)
                << name << " " << e.dump();
            EXPECT_LE(++per_kernel[k], cap);
        }
    }
    // The bandwidth counters never exceed the DRAM's bandwidth, and their
    // integrals over time are the bytes moved on the DRAM bus.
    const double bw = t.report["config"]["dram_bw"];
    std::map<std::string, std::pair<double, double>> integral;  // name -> (last ts, value)
    std::map<std::string, double> area;
    for (const json& e : t.trace["traceEvents"])
        if (e["ph"] == "C") {
            const double v = e["args"]["bandwidth"], ts = e["ts"];
            EXPECT_LE(v, bw + 1e-6);
            auto [it, fresh] = integral.try_emplace(e["name"], ts, v);
            if (!fresh) {
                area[e["name"]] += it->second.second * (ts - it->second.first) * mhz;
                it->second = {ts, v};
            }
        }
    ASSERT_EQ(integral.size(), 2u);
    for (const auto& [name, last] : integral)
        EXPECT_EQ(last.second, 0.0) << name;  // back to zero at the end
    // The values have six significant digits.
    EXPECT_NEAR(area["DRAM read (B/cycle)"], double(bus_rd), 1e-5 * double(bus_rd));
    EXPECT_NEAR(area["DRAM write (B/cycle)"], double(bus_wr), 1e-5 * double(bus_wr));
    // The CPU: one interrupt handler per interrupt taken; the track ends at
    // the run's end.
    const auto& cpu = track(t, "firmware");
    ASSERT_FALSE(cpu.empty());
    EXPECT_EQ(count_named(cpu, "irq handler"), run["interrupts"].get<std::uint64_t>());
    EXPECT_EQ(us_to_cycles(cpu.back()["ts"].get<double>() + cpu.back()["dur"].get<double>(), mhz),
              run["cycles"].get<std::uint64_t>());
    EXPECT_EQ(count_named(cpu, "check image"), 1u);
}

TEST(TraceTimeline, IrqControlTracksAddUpToTheReport) {
    const Traced t = run_traced({"--workload", "resnet_small"});
    check_against_report(t, 1000.0);
    const auto& cpu = track(t, "firmware");
    // irq control: the firmware launches the list, then waits for it.
    EXPECT_GE(count_named(cpu, "launch list"), 1u);
    EXPECT_GE(count_named(cpu, "wait list"), 1u);
    EXPECT_EQ(count_named(cpu, "cpu softmax prob"), 1u);  // the CPU step after the list
    // Cause before effect, across tracks: the CPU starts the list before the
    // first kernel starts and takes the list's interrupt after the last ends.
    const auto& kernels = track(t, "command processor");
    for (const json& e : cpu) {
        if (e["name"] == "wait list") {
            EXPECT_LE(e["ts"].get<double>(), kernels.front()["ts"].get<double>());
            break;
        }
    }
    const json& last = kernels.back();
    for (const json& e : cpu)
        if (e["name"] == "irq handler") {
            EXPECT_GE(e["ts"].get<double>(), last["ts"].get<double>() + last["dur"].get<double>());
        }
    EXPECT_EQ(t.trace["displayTimeUnit"], "ns");
}

TEST(TraceTimeline, CallControlShowsLaunchWaitAndHandlers) {
    // Another clock: timestamps are simulated microseconds, so at 250 MHz a
    // cycle is 0.004 us.
    const Traced t = run_traced({"--workload", "lstm:hidden=32,input=16,layers=1,seq=4",
                                 "--control", "call", "--freq-mhz", "250"});
    check_against_report(t, 250.0);
    const auto& cpu = track(t, "firmware");
    EXPECT_EQ(count_named(cpu, "launch lstm1"), 4u);
    EXPECT_GE(count_named(cpu, "wait lstm1"), 4u);           // a handler splits a wait in two
    EXPECT_EQ(count_named(cpu, "cpu lstm_cell lstm1"), 4u);  // the cell step after each kernel
    // Cause before effect, kernel by kernel: launch i ends (START written)
    // before kernel i starts, and handler i starts after kernel i ends.
    const auto& kernels = track(t, "command processor");
    std::vector<double> launch_end, handler_start;
    for (const json& e : cpu) {
        if (e["name"] == "launch lstm1")
            launch_end.push_back(e["ts"].get<double>() + e["dur"].get<double>());
        if (e["name"] == "irq handler") handler_start.push_back(e["ts"].get<double>());
    }
    ASSERT_EQ(kernels.size(), 4u);
    ASSERT_EQ(launch_end.size(), 4u);
    ASSERT_EQ(handler_start.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_LE(launch_end[i], kernels[i]["ts"].get<double>() + 1e-9) << i;
        EXPECT_GE(handler_start[i] + 1e-9,
                  kernels[i]["ts"].get<double>() + kernels[i]["dur"].get<double>())
            << i;
        if (i + 1 < 4) {
            EXPECT_LT(handler_start[i], kernels[i + 1]["ts"].get<double>()) << i;
        }
    }
}

TEST(TraceTimeline, LargeKernelsAreAggregated) {
    // A small DMA burst and small scratchpads: many transfers per kernel.
    const Traced t =
        run_traced({"--workload", "resnet_small", "--ifmap-kb", "4", "--weight-kb", "4",
                    "--ofmap-kb", "4", "--control", "call", "--completion", "poll"});
    check_against_report(t, 1000.0);
    std::uint64_t transfers = 0;
    for (const json& e : track(t, "DMA read"))
        transfers += e["args"]["transfers"].get<std::uint64_t>();
    EXPECT_GT(transfers, track(t, "DMA read").size());  // some spans merge several transfers
    EXPECT_EQ(count_named(track(t, "firmware"), "irq handler"), 0u);  // polling
}

TEST(TraceTimeline, ResNet50KeepsAtMostTheCapPerKernel) {
    const Traced t = run_traced({"--workload", "resnet50"});
    check_against_report(t, 1000.0);
    // Some of its kernels would need more spans than the cap
    // (check_against_report checked that none has more): they get exactly the
    // cap, and spans merge several transfers.
    const std::uint64_t cap = t.trace["otherData"]["max_spans_per_kernel"];
    std::map<std::uint64_t, std::uint64_t> spans_per_kernel;
    std::uint64_t transfers = 0;
    const auto& reads = track(t, "DMA read");
    for (const json& e : reads) {
        transfers += e["args"]["transfers"].get<std::uint64_t>();
        ++spans_per_kernel[e["args"]["kernel_id"].get<std::uint64_t>()];
    }
    std::uint64_t most = 0;
    for (const auto& [kernel, n] : spans_per_kernel)
        most = std::max(most, n);
    EXPECT_EQ(most, cap);
    EXPECT_GT(transfers, reads.size());
}

TEST(TraceTimeline, PlainFirmwareShowsItsInterruptHandlers) {
    // A guest of its own (no FW_STEP writes, no NPU): the CPU track is the
    // program, cut by one handler per interrupt the guest takes.
    const Traced t =
        run_traced({"--firmware", std::string(VP_FIRMWARE_DIR) + "/guest_ext_irq.elf"});
    const auto& cpu = track(t, "firmware");
    const std::uint64_t irqs = t.report["run"]["interrupts"];
    EXPECT_GT(irqs, 0u);
    EXPECT_EQ(count_named(cpu, "irq handler"), irqs);
    EXPECT_EQ(count_named(cpu, "program"), irqs + 1);
    for (const json& e : cpu)
        if (e["name"] == "irq handler") {
            EXPECT_EQ(e["args"]["mcause"], "0x8000000b");  // machine external
        }
    EXPECT_EQ(us_to_cycles(cpu.back()["ts"].get<double>() + cpu.back()["dur"].get<double>(), 1000),
              t.report["run"]["cycles"].get<std::uint64_t>());
    EXPECT_TRUE(track(t, "command processor").empty());
}

TEST(TraceTimeline, FailedRunStillWritesAValidTrace) {
    const Traced t = run_traced({"--workload", "resnet_small", "--max-cycles", "300000"}, 3);
    EXPECT_EQ(t.report["run"]["failed"], true);
    EXPECT_FALSE(track(t, "firmware").empty());
}

TEST(TraceTimeline, UnwritableOutputIsOneErrorLine) {
    const ProcessResult r =
        run_process(VP_RUN, {"--workload", "lenet5", "--trace-json", "/nonexistent-dir/t.json"});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_EQ(r.err, "vp_run: error: --trace-json '/nonexistent-dir/t.json': cannot write\n");
    const ProcessResult c = run_process(
        VP_RUN, {"--workload", "lenet5", "--compare-control", "--trace-json", temp_path("c.json")});
    EXPECT_EQ(c.exit_status, 2);
    EXPECT_NE(c.err.find("--trace-json traces one run"), std::string::npos) << c.err;
}

}  // namespace
