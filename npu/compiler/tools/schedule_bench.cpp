// schedule_bench: schedules every kernel of ResNet-50 v1 (batch 1, 224x224,
// int8; conv+bias+relu, max pool, the residual adds, global average pool,
// fc) with schedule_kernel under --schedule fixed, --objective dram and
// --objective cycles, and prints the network's predicted DRAM bytes, cycles,
// mean MAC utilisation over the conv layers, DMA bursts and the time the
// search took.
//
//   schedule_bench [--rows 32 --cols 32 --kb 64 --dataflow os --bw 16 --latency 100]
//                  [--verbose] [--only fixed|dram|cycles] [--confirm N]
//
// The kernels: reference_kernels.h.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "npu_compiler/kernel_schedule.h"
#include "npu_compiler/reference_kernels.h"

namespace {

using namespace npu::compiler;

unsigned long arg(int argc, char** argv, const char* key, unsigned long def) {
    for (int i = 1; i + 1 < argc; ++i)
        if (!std::strcmp(argv[i], key)) return std::strtoul(argv[i + 1], nullptr, 10);
    return def;
}
const char* sarg(int argc, char** argv, const char* key, const char* def) {
    for (int i = 1; i + 1 < argc; ++i)
        if (!std::strcmp(argv[i], key)) return argv[i + 1];
    return def;
}
bool flag(int argc, char** argv, const char* key) {
    for (int i = 1; i < argc; ++i)
        if (!std::strcmp(argv[i], key)) return true;
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        ArchConfig arch;
        arch.core.array_rows = static_cast<unsigned>(arg(argc, argv, "--rows", 32));
        arch.core.array_cols = static_cast<unsigned>(arg(argc, argv, "--cols", 32));
        const auto kb = static_cast<std::uint32_t>(arg(argc, argv, "--kb", 64));
        arch.core.ifmap_bytes = arch.core.weight_bytes = arch.core.ofmap_bytes = kb * 1024;
        arch.dram_bw = static_cast<double>(arg(argc, argv, "--bw", 16));
        arch.dram_latency = arg(argc, argv, "--latency", 100);
        const std::string dfs = sarg(argc, argv, "--dataflow", "os");
        const unsigned df = dfs == "ws" ? NPU_DF_WS : dfs == "is" ? NPU_DF_IS : NPU_DF_OS;
        const bool verbose = flag(argc, argv, "--verbose");
        ScheduleOptions opt;
        opt.confirm_top = static_cast<unsigned>(arg(argc, argv, "--confirm", opt.confirm_top));
        const std::string only = sarg(argc, argv, "--only", "");
        const std::vector<NamedKernel> net = zoo_kernels("resnet50", arch.core, df);

        std::printf(
            "ResNet-50 v1, %zu kernels, %ux%u %s array, %u KiB scratchpads, DRAM %.0f B/cycle "
            "latency %llu\n",
            net.size(), arch.core.array_rows, arch.core.array_cols, dfs.c_str(), kb, arch.dram_bw,
            static_cast<unsigned long long>(arch.dram_latency));
        std::printf("%-14s %14s %14s %10s %12s %10s\n", "schedule", "DRAM bytes", "cycles",
                    "conv util", "DMA bursts", "time [s]");
        struct Run {
            const char* name;
            ScheduleMode mode;
            Objective obj;
        };
        const Run runs[] = {{"fixed", ScheduleMode::fixed, Objective::cycles},
                            {"dram", ScheduleMode::best, Objective::dram},
                            {"cycles", ScheduleMode::best, Objective::cycles}};
        for (const Run& r : runs) {
            if (!only.empty() && only != r.name) continue;
            std::uint64_t bytes = 0, cycles = 0, bursts = 0;
            double util_sum = 0;
            unsigned convs = 0;
            const auto t0 = std::chrono::steady_clock::now();
            std::vector<std::pair<std::string, KernelPrediction>> per;
            std::vector<npu_desc_t> chosen;
            for (const NamedKernel& l : net) {
                npu_desc_t d = l.desc;
                const KernelPrediction p = schedule_kernel(d, arch, r.obj, r.mode, opt);
                per.emplace_back(l.name, p);
                chosen.push_back(d);
            }
            const double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            for (size_t i = 0; i < per.size(); ++i) {
                const KernelPrediction& p = per[i].second;
                bytes += p.dram_bytes();
                cycles += p.cycles;
                bursts += p.bursts;
                if (net[i].desc.op == NPU_OP_CONV) util_sum += p.utilization, ++convs;
                if (verbose) {
                    const npu_desc_t& d = chosen[i];
                    std::printf("  %-12s T[m=%u c=%u y=%u x=%u k=%u l=%u] order ",
                                per[i].first.c_str(), d.tile[0], d.tile[1], d.tile[2], d.tile[3],
                                d.tile[4], d.tile[5]);
                    for (unsigned j = 0; j < NPU_DIMS; ++j)
                        std::printf("%s%c", j ? ">" : "", "mcyxkl"[d.loop_order[j]]);
                    std::printf(
                        "  cycles %llu (estimate %llu) util %.3f bytes %llu bursts %llu tiles "
                        "%llu\n",
                        static_cast<unsigned long long>(p.cycles),
                        static_cast<unsigned long long>(estimate_kernel(d, arch).cycles),
                        p.utilization, static_cast<unsigned long long>(p.dram_bytes()),
                        static_cast<unsigned long long>(p.bursts),
                        static_cast<unsigned long long>(p.tiles));
                }
            }
            std::printf("%-14s %14llu %14llu %10.3f %12llu %10.3f\n", r.name,
                        static_cast<unsigned long long>(bytes),
                        static_cast<unsigned long long>(cycles), convs ? util_sum / convs : 0.0,
                        static_cast<unsigned long long>(bursts), secs);
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "schedule_bench: %s\n", e.what());
        return 2;
    }
}
