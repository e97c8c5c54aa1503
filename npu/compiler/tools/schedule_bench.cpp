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
// The network's shapes come from its published structure (stages of 3, 4, 6
// and 3 bottleneck blocks, stride 2 in the first 1x1 conv of a downsampling
// block, projection shortcuts).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "npu_compiler/kernel_schedule.h"

namespace {

using namespace npu::compiler;

struct Layer {
    std::string name;
    npu_desc_t desc{};
};

npu_desc_t base_desc(const npu::CoreConfig& c, std::uint8_t op, unsigned df) {
    npu_desc_t d{};
    d.op = op;
    d.dataflow = static_cast<std::uint8_t>(df);
    const auto a = static_cast<std::uint32_t>(c.dram_base);
    d.ifmap_addr = d.weight_addr = d.bias_addr = d.ofmap_addr = d.psum_addr = d.lut_addr =
        d.qtable_addr = a;
    d.mult = 1 << 20, d.shift = 24;
    for (unsigned i = 0; i < NPU_DIMS; ++i)
        d.loop_order[i] = static_cast<std::uint8_t>(i), d.tile[i] = 1;
    return d;
}

npu_desc_t conv(const npu::CoreConfig& cfg, unsigned df, unsigned C, unsigned M, unsigned H,
                unsigned R, unsigned stride, unsigned pad) {
    npu_desc_t d = base_desc(cfg, NPU_OP_CONV, df);
    d.c = static_cast<std::uint16_t>(C), d.m = static_cast<std::uint16_t>(M);
    d.h = d.w = static_cast<std::uint16_t>(H);
    d.r = d.s = static_cast<std::uint16_t>(R);
    d.stride_h = d.stride_w = static_cast<std::uint8_t>(stride);
    d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = static_cast<std::uint8_t>(pad);
    d.e = d.f = static_cast<std::uint16_t>((H + 2 * pad - R) / stride + 1);
    d.groups = 1;
    d.flags = NPU_DESC_F_BIAS;
    d.act = NPU_ACT_RELU;
    return d;
}

std::vector<Layer> resnet50(const npu::CoreConfig& cfg, unsigned df) {
    std::vector<Layer> v;
    v.push_back({"conv1", conv(cfg, df, 3, 64, 224, 7, 2, 3)});
    npu_desc_t pool = base_desc(cfg, NPU_OP_MAXPOOL, df);
    pool.c = pool.m = 64, pool.h = pool.w = 112, pool.r = pool.s = 3;
    pool.stride_h = pool.stride_w = 2;
    pool.pad_top = pool.pad_left = pool.pad_bottom = pool.pad_right = 1;
    pool.e = pool.f = 56;
    v.push_back({"pool1", pool});
    const unsigned blocks[4] = {3, 4, 6, 3}, mids[4] = {64, 128, 256, 512};
    unsigned C = 64, H = 56;
    for (unsigned st = 0; st < 4; ++st)
        for (unsigned b = 0; b < blocks[st]; ++b) {
            const unsigned mid = mids[st], out = 4 * mid;
            const unsigned s = b == 0 && st > 0 ? 2 : 1, E = H / s;
            const std::string n = "res" + std::to_string(st + 2) + char('a' + b);
            v.push_back({n + "_1x1a", conv(cfg, df, C, mid, H, 1, s, 0)});
            v.push_back({n + "_3x3", conv(cfg, df, mid, mid, E, 3, 1, 1)});
            npu_desc_t c3 = conv(cfg, df, mid, out, E, 1, 1, 0);
            c3.act = NPU_ACT_NONE;
            v.push_back({n + "_1x1b", c3});
            if (b == 0) {
                npu_desc_t p = conv(cfg, df, C, out, H, 1, s, 0);
                p.act = NPU_ACT_NONE;
                v.push_back({n + "_proj", p});
            }
            npu_desc_t add = base_desc(cfg, NPU_OP_ADD, df);
            add.c = add.m = static_cast<std::uint16_t>(out);
            add.h = add.w = add.e = add.f = static_cast<std::uint16_t>(E);
            add.r = add.s = 1, add.stride_h = add.stride_w = 1;
            v.push_back({n + "_add", add});
            npu_desc_t relu = add;
            relu.op = NPU_OP_RELU;
            v.push_back({n + "_relu", relu});
            C = out, H = E;
        }
    npu_desc_t gap = base_desc(cfg, NPU_OP_GAVGPOOL, df);
    gap.c = gap.m = 2048, gap.h = gap.w = 7, gap.r = gap.s = 7, gap.e = gap.f = 1;
    gap.stride_h = gap.stride_w = 1;
    v.push_back({"pool5", gap});
    npu_desc_t fc = base_desc(cfg, NPU_OP_GEMM, df);
    fc.c = 2048, fc.m = 1000, fc.h = fc.w = fc.e = fc.f = 1, fc.r = fc.s = 1;
    fc.stride_h = fc.stride_w = 1, fc.groups = 1, fc.flags = NPU_DESC_F_BIAS;
    v.push_back({"fc1000", fc});
    return v;
}

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
        const std::vector<Layer> net = resnet50(arch.core, df);

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
            for (const Layer& l : net) {
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
                    std::printf("  cycles %llu util %.3f bytes %llu bursts %llu tiles %llu\n",
                                static_cast<unsigned long long>(p.cycles), p.utilization,
                                static_cast<unsigned long long>(p.dram_bytes()),
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
