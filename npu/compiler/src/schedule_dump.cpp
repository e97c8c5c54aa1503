// dump_schedule: the compiled model's kernels and CPU steps in program order
// with their shapes, tilings, predictions and scratchpad occupancy, then totals.
#include <cstdio>
#include <sstream>
#include <string>

#include "npu_abi/cpu_ops.h"
#include "npu_compiler/compile.h"

namespace npu::compiler {

namespace {

std::string shape_text(const npu_desc_t& d) {
    char b[128];
    switch (d.op) {
        case NPU_OP_CONV:
            std::snprintf(b, sizeof b, "%ux%ux%u>%ux%ux%u r%ux%u s%u g%u", d.c, d.h, d.w, d.m, d.e,
                          d.f, d.r, d.s, d.stride_h, d.groups);
            break;
        case NPU_OP_GEMM:
            std::snprintf(b, sizeof b, "K%u N%u > M%u", d.c, unsigned{d.h} * d.w, d.m);
            break;
        case NPU_OP_MAXPOOL:
        case NPU_OP_AVGPOOL:
        case NPU_OP_GAVGPOOL:
            std::snprintf(b, sizeof b, "%ux%ux%u>%ux%u r%ux%u s%u", d.c, d.h, d.w, d.e, d.f, d.r,
                          d.s, d.stride_h);
            break;
        default:
            std::snprintf(b, sizeof b, "%ux%ux%u", d.c, d.h, d.w);
    }
    return b;
}

std::string tiling_text(const npu_desc_t& d) {
    static const char kDims[] = "mcyxkl";
    std::string s;
    for (unsigned i = 0; i < NPU_DIMS; ++i)
        s += (i ? "," : "") + std::to_string(d.tile[i]);
    s += " ";
    for (unsigned i = 0; i < NPU_DIMS; ++i)
        s += d.loop_order[i] < NPU_DIMS ? kDims[d.loop_order[i]] : '?';
    return s;
}

}  // namespace

std::string dump_schedule(const CompiledModel& m) {
    const ModelImage& img = m.image;
    const npu_img_header_t& h = img.header;
    const ArchConfig& arch = m.options.arch;
    const double pes = double(arch.core.array_rows) * arch.core.array_cols;
    std::ostringstream os;
    char line[512];
    std::snprintf(line, sizeof line,
                  "schedule of '%s': %ux%u array, dataflow %s, scratchpads %u/%u/%u B "
                  "(ifmap/weight/ofmap), burst %u B, DRAM %.1f B/cycle + %llu cycles, "
                  "objective %s, schedule %s\n",
                  h.name, arch.core.array_rows, arch.core.array_cols,
                  h.dataflow == NPU_DF_OS   ? "os"
                  : h.dataflow == NPU_DF_WS ? "ws"
                                            : "is",
                  arch.core.ifmap_bytes, arch.core.weight_bytes, arch.core.ofmap_bytes,
                  arch.core.dma_burst_bytes, arch.dram_bw,
                  static_cast<unsigned long long>(arch.dram_latency),
                  to_string(m.options.objective), to_string(m.options.mode));
    os << line;
    std::snprintf(line, sizeof line,
                  "%5s %-24s %-8s %-34s %-22s %5s %11s %6s %10s %10s %9s %10s %9s %s\n", "kern",
                  "layer", "op", "shape", "tile m,c,y,x,k,l order", "runs", "cycles", "util%",
                  "rd_ifmap", "rd_weight", "rd_psum", "wr_ofmap", "wr_psum", "occupancy I/W/O B");
    os << line;
    std::uint64_t cycles = 0, macs = 0, rd_i = 0, rd_w = 0, rd_p = 0, wr_o = 0, wr_p = 0;
    std::uint64_t launches = 0, cpu_steps = 0, mult = 1, bursts = 0, mac_kernels = 0;
    double mac_util_sum = 0.0;
    std::vector<std::uint64_t> trips;
    std::string indent;
    for (std::uint32_t i = h.call_first; i < h.call_first + h.call_count; ++i) {
        const npu_prog_op_t& op = img.ops[i];
        if (op.opcode == NPU_PROG_LOOP) {
            const std::uint64_t n = op.arg0 == NPU_LOOP_SEQ_LEN ? h.seq_len_default : op.arg1;
            os << indent << "loop x"
               << (op.arg0 == NPU_LOOP_SEQ_LEN
                       ? "seq_len (" + std::to_string(n) + " by default, up to " +
                             std::to_string(op.arg1) + ")"
                       : std::to_string(n))
               << "\n";
            trips.push_back(n);
            mult *= n;
            indent += "  ";
        } else if (op.opcode == NPU_PROG_ENDLOOP) {
            mult /= trips.back() ? trips.back() : 1;
            trips.pop_back();
            indent.resize(indent.size() - 2);
            os << indent << "end loop\n";
        } else if (op.opcode == NPU_PROG_KERNEL) {
            const npu_desc_t& d = img.descs[op.arg0];
            const KernelPrediction& p = m.predictions[op.arg0];
            const npu_img_layer_t& l = img.layers[d.kernel_id];
            std::snprintf(
                line, sizeof line,
                "%s%5u %-24.24s %-8s %-34.34s %-22s %5llu %11llu %6.1f %10llu %10llu %9llu "
                "%10llu %9llu %llu/%llu/%llu\n",
                indent.c_str(), op.arg0, l.name, npu::op_name(d.op), shape_text(d).c_str(),
                tiling_text(d).c_str(), static_cast<unsigned long long>(mult),
                static_cast<unsigned long long>(p.cycles), 100.0 * p.utilization,
                static_cast<unsigned long long>(p.rd_ifmap),
                static_cast<unsigned long long>(p.rd_weight),
                static_cast<unsigned long long>(p.rd_psum),
                static_cast<unsigned long long>(p.wr_ofmap),
                static_cast<unsigned long long>(p.wr_psum),
                static_cast<unsigned long long>(p.buf_ifmap),
                static_cast<unsigned long long>(p.buf_weight),
                static_cast<unsigned long long>(p.buf_ofmap));
            os << line;
            launches += mult;
            cycles += p.cycles * mult;
            macs += p.macs * mult;
            rd_i += p.rd_ifmap * mult;
            rd_w += p.rd_weight * mult;
            rd_p += p.rd_psum * mult;
            wr_o += p.wr_ofmap * mult;
            wr_p += p.wr_psum * mult;
            bursts += p.bursts * mult;
            if (d.op == NPU_OP_CONV || d.op == NPU_OP_GEMM) {
                mac_util_sum += p.utilization * double(mult);
                mac_kernels += mult;
            }
        } else if (op.opcode == NPU_PROG_CPU) {
            const npu_cpu_step_t& s = img.steps[op.arg0];
            std::snprintf(line, sizeof line, "%s%5s %-24.24s cpu %s\n", indent.c_str(), "-",
                          img.layers[s.layer].name, npu_step_kind_name(s.kind));
            os << line;
            cpu_steps += mult;
        }
    }
    const std::uint64_t dram = rd_i + rd_w + rd_p + wr_o + wr_p;
    std::snprintf(line, sizeof line,
                  "total: %llu kernel launches, %llu CPU steps, %llu MACs, %llu predicted cycles, "
                  "utilisation %.1f%%\n",
                  static_cast<unsigned long long>(launches),
                  static_cast<unsigned long long>(cpu_steps), static_cast<unsigned long long>(macs),
                  static_cast<unsigned long long>(cycles),
                  cycles ? 100.0 * double(macs) / (double(cycles) * pes) : 0.0);
    os << line;
    // The mean of the per-kernel utilisations of the MAC kernels (conv, gemm):
    // how well the schedules use the array where there is work for it.
    std::snprintf(line, sizeof line,
                  "conv/gemm kernels: %llu, mean utilisation %.1f%%; DMA bursts %llu\n",
                  static_cast<unsigned long long>(mac_kernels),
                  mac_kernels ? 100.0 * mac_util_sum / double(mac_kernels) : 0.0,
                  static_cast<unsigned long long>(bursts));
    os << line;
    std::snprintf(
        line, sizeof line,
        "total DRAM bytes: %llu (read ifmap %llu, weight %llu, psum %llu; write ofmap %llu, "
        "psum %llu)\n",
        static_cast<unsigned long long>(dram), static_cast<unsigned long long>(rd_i),
        static_cast<unsigned long long>(rd_w), static_cast<unsigned long long>(rd_p),
        static_cast<unsigned long long>(wr_o), static_cast<unsigned long long>(wr_p));
    os << line;
    std::snprintf(
        line, sizeof line,
        "image %u bytes at 0x%08x (constants %u), activations peak %llu bytes at 0x%08llx, "
        "DRAM used up to 0x%08x\n",
        h.total_bytes, h.load_addr, h.data_bytes,
        static_cast<unsigned long long>(m.activation_peak),
        static_cast<unsigned long long>(m.arena_base), h.dram_end);
    os << line;
    for (const std::string& n : m.notes)
        os << "note: " << n << "\n";
    return os.str();
}

}  // namespace npu::compiler
