// vp_run --trace-json: the Chrome trace-event timeline (trace_json.h).
#include "vp/trace_json.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "npu_abi/model_image.h"
#include "rv/cpu.h"
#include "vp/output_file.h"
#include "vp/soc.h"

namespace vp {

namespace {

// Process and thread ids of the tracks.
constexpr int kCpuPid = 1, kNpuPid = 2;
constexpr int kFirmwareTid = 1;
constexpr int kCommandTid = 1, kDmaReadTid = 2, kDmaWriteTid = 3, kMacTid = 4;

std::string quoted(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string fixed_name(const char* s, std::size_t n) {
    return std::string(s, strnlen(s, n));
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
    return buf;
}

}  // namespace

std::vector<TraceSpan> aggregate_spans(std::vector<npu::KernelTrace::Interval> in,
                                       std::size_t max_events) {
    std::sort(in.begin(), in.end(), [](const auto& a, const auto& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    std::vector<TraceSpan> out;
    for (const auto& iv : in) {
        const std::uint64_t end = std::max(iv.begin, iv.end);
        if (!out.empty() && iv.begin <= out.back().end) {  // overlapping or touching: union
            TraceSpan& s = out.back();
            if (end > s.end) {
                s.busy += end - s.end;
                s.end = end;
            }
            s.bytes += iv.bytes;
            s.bus_bytes += iv.bus_bytes;
            ++s.intervals;
            continue;
        }
        TraceSpan s;
        s.begin = iv.begin;
        s.end = end;
        s.bytes = iv.bytes;
        s.bus_bytes = iv.bus_bytes;
        s.busy = end - iv.begin;
        s.intervals = 1;
        out.push_back(s);
    }
    max_events = std::max<std::size_t>(max_events, 1);
    if (out.size() <= max_events) return out;
    // Close the shortest gaps: every gap shorter than G, the length of the
    // must_close-th shortest, and as many of the gaps of length G as still
    // needed, spread evenly over the track (so equal gaps, as between a
    // kernel's tiles, do not all merge into one span).
    std::vector<std::uint64_t> gaps;
    gaps.reserve(out.size() - 1);
    for (std::size_t i = 0; i + 1 < out.size(); ++i)
        gaps.push_back(out[i + 1].begin - out[i].end);
    const std::size_t must_close = out.size() - max_events;
    std::vector<std::uint64_t> sorted = gaps;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(must_close - 1),
                     sorted.end());
    const std::uint64_t g = sorted[must_close - 1];
    std::size_t shorter = 0, ties = 0;
    for (const std::uint64_t gap : gaps) {
        shorter += gap < g;
        ties += gap == g;
    }
    // Of the ties, `keep` stay open, at even steps (the t-th when t * (keep
    // + 1) / (ties + 1) steps up): equal gaps leave spans of equal size.
    const std::size_t keep = ties - (must_close - shorter);
    std::vector<TraceSpan> merged;
    merged.reserve(max_events);
    merged.push_back(out.front());
    for (std::size_t i = 1, tie = 0; i < out.size(); ++i) {
        const std::uint64_t gap = gaps[i - 1];
        bool close = gap < g;
        if (gap == g) {
            close = (tie + 1) * (keep + 1) / (ties + 1) == tie * (keep + 1) / (ties + 1);
            ++tie;
        }
        const TraceSpan& s = out[i];
        if (!close) {
            merged.push_back(s);
            continue;
        }
        TraceSpan& m = merged.back();
        m.end = s.end;
        m.bytes += s.bytes;
        m.bus_bytes += s.bus_bytes;
        m.busy += s.busy;
        m.intervals += s.intervals;
    }
    return merged;
}

TraceJson::TraceJson(const std::string& path, const sc_core::sc_time& cycle,
                     const npu::compiler::ModelImage* image)
    : m_path(path),
      m_file(std::make_unique<OutputFile>("--trace-json", path)),
      m_cycle(cycle),
      m_cycle_ps(cycle.value() / sc_core::sc_time(1, sc_core::SC_PS).value()),
      m_image(image) {
    m_out.open(m_file->temp_path(), std::ios::binary | std::ios::trunc);
    if (!m_out) throw ConfigError("--trace-json '" + path + "': cannot write");
    char head[256];
    std::snprintf(head, sizeof head,
                  "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"vp_run "
                  "--trace-json\",\"cycle_ps\":%" PRIu64
                  ",\"max_spans_per_kernel\":%zu},\n\"traceEvents\":[\n",
                  m_cycle_ps, kMaxSpansPerKernel);
    m_out << head;
    auto meta = [this](const char* what, int pid, int tid, const char* key,
                       const std::string& value) {
        event("\"ph\":\"M\",\"name\":\"" + std::string(what) + "\",\"pid\":" + std::to_string(pid) +
              ",\"tid\":" + std::to_string(tid) + ",\"args\":{\"" + key + "\":" + value + "}");
    };
    meta("process_name", kCpuPid, 0, "name", "\"CPU (RV32)\"");
    meta("process_sort_index", kCpuPid, 0, "sort_index", "1");
    meta("thread_name", kCpuPid, kFirmwareTid, "name", "\"firmware\"");
    meta("process_name", kNpuPid, 0, "name", "\"NPU\"");
    meta("process_sort_index", kNpuPid, 0, "sort_index", "2");
    const std::pair<int, const char*> threads[] = {{kCommandTid, "command processor"},
                                                   {kDmaReadTid, "DMA read"},
                                                   {kDmaWriteTid, "DMA write"},
                                                   {kMacTid, "MAC array"}};
    for (const auto& [tid, name] : threads) {
        meta("thread_name", kNpuPid, tid, "name", quoted(name));
        meta("thread_sort_index", kNpuPid, tid, "sort_index", std::to_string(tid));
    }
}

TraceJson::~TraceJson() = default;

void TraceJson::attach(Soc& soc) {
    soc.syscon.set_fw_step_hook(
        [this](const sc_core::sc_time& at, std::uint32_t v) { fw_step(cycles_of(at), v); });
    soc.npu_dev->set_trace_observer(this);
    if (soc.cpu) {
        m_cpu = true;
        soc.cpu->set_trap_hook(
            [this](bool entry, std::uint32_t mcause, const sc_core::sc_time& at) {
                trap(entry, mcause, cycles_of(at));
            });
        // Reset to the firmware's first step (plain firmware may never write one).
        m_cur = {m_image ? "boot" : "program", "", 0};
        m_cur_open = true;
    }
}

std::uint64_t TraceJson::cycles_of(const sc_core::sc_time& t) const {
    // Simulated times here are whole cycles; round to the nearest for safety.
    const auto cyc = m_cycle.value();
    return cyc ? (t.value() + cyc / 2) / cyc : 0;
}

std::string TraceJson::ts(std::uint64_t cycle) const {
    const std::uint64_t ps = cycle * m_cycle_ps;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%" PRIu64 ".%06" PRIu64, ps / 1000000u, ps % 1000000u);
    return buf;
}

void TraceJson::event(const std::string& body) {
    m_out << (m_first ? "{" : ",\n{") << body << '}';
    m_first = false;
}

void TraceJson::complete(int pid, int tid, const std::string& name, const char* cat,
                         std::uint64_t begin, std::uint64_t end, const std::string& args) {
    event("\"ph\":\"X\",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid) +
          ",\"name\":" + quoted(name) + ",\"cat\":\"" + cat + "\",\"ts\":" + ts(begin) +
          ",\"dur\":" + ts(end - begin) + ",\"args\":{" + args + "}");
}

std::string TraceJson::layer_name(std::uint32_t kernel_id) const {
    if (m_image && kernel_id < m_image->layers.size())
        return fixed_name(m_image->layers[kernel_id].name, sizeof m_image->layers[kernel_id].name);
    return "kernel" + std::to_string(kernel_id);
}

// The slice a FW_STEP value opens (encoding: firmware/README.md, "FW_STEP").
TraceJson::Slice TraceJson::step_slice(std::uint32_t value) const {
    const std::uint32_t phase = value >> 24, arg = value & 0xFFFFFFu;
    const std::string step = "\"fw_step\":\"" + hex32(value) + "\"";
    switch (phase) {
        case 0x01:
            return {"check image", step};
        case 0x03:
            return {"done", step};
        case 0x0F:
            return {"failed (status " + std::to_string(arg) + ")", step};
        case 0x02:
            break;
        default:
            return {"step " + hex32(value), step};
    }
    const std::string op_arg = step + ",\"op\":" + std::to_string(arg);
    if (!m_image || arg >= m_image->ops.size()) return {"op " + std::to_string(arg), op_arg};
    const npu_prog_op_t& op = m_image->ops[arg];
    switch (op.opcode) {
        case NPU_PROG_KERNEL:
            if (op.arg0 < m_image->descs.size()) {
                const std::uint32_t id = m_image->descs[op.arg0].kernel_id;
                return {"launch " + layer_name(id),
                        op_arg + ",\"descriptor\":" + std::to_string(op.arg0) +
                            ",\"kernel_id\":" + std::to_string(id)};
            }
            return {"launch", op_arg};
        case NPU_PROG_LIST:
            return {"launch list", op_arg + ",\"first_descriptor\":" + std::to_string(op.arg0) +
                                       ",\"kernels\":" + std::to_string(op.arg1)};
        case NPU_PROG_CPU:
            if (op.arg0 < m_image->steps.size()) {
                const npu_cpu_step_t& st = m_image->steps[op.arg0];
                return {
                    std::string("cpu ") + npu_step_kind_name(st.kind) + " " + layer_name(st.layer),
                    op_arg + ",\"cpu_step\":" + std::to_string(op.arg0) +
                        ",\"layer\":" + std::to_string(st.layer)};
            }
            return {"cpu step", op_arg};
        case NPU_PROG_LOOP:
            return {"loop", op_arg};
        case NPU_PROG_ENDLOOP:
            return {"end loop", op_arg};
        default:
            return {"op " + std::to_string(arg), op_arg};
    }
}

// Ends the CPU's open slice at `cycle` and opens `name` there; the track's
// time never goes back (a slice of zero cycles is not written).
void TraceJson::cpu_switch(std::uint64_t cycle, std::string name, std::string args) {
    cycle = std::max(cycle, m_cur.begin);
    if (m_cur_open && cycle > m_cur.begin)
        complete(kCpuPid, kFirmwareTid, m_cur.name, "cpu", m_cur.begin, cycle, m_cur.args);
    m_cur = {std::move(name), std::move(args), cycle};
    m_cur_open = true;
}

void TraceJson::fw_step(std::uint64_t cycle, std::uint32_t value) {
    Slice s = step_slice(value);
    cpu_switch(cycle, std::move(s.name), std::move(s.args));
}

void TraceJson::start_written(const sc_core::sc_time& at) {
    // The CPU started the NPU: the rest of a launch step is waiting for it.
    if (!m_cur_open || m_cur.name.rfind("launch", 0) != 0) return;
    std::string name = "wait" + m_cur.name.substr(6);
    std::string args = m_cur.args;
    cpu_switch(cycles_of(at), std::move(name), std::move(args));
}

void TraceJson::trap(bool entry, std::uint32_t mcause, std::uint64_t cycle) {
    if (entry) {
        // The handler interrupts the open slice; mret resumes it. Bounded:
        // a trap storm ends the run long before (rv::Core's limit).
        if (m_interrupted.size() < 64) m_interrupted.push_back(m_cur);
        const bool irq = mcause & 0x80000000u;
        cpu_switch(cycle, irq ? "irq handler" : "trap handler",
                   "\"mcause\":\"" + hex32(mcause) + "\"");
        return;
    }
    if (m_interrupted.empty()) return;
    Slice back = std::move(m_interrupted.back());
    m_interrupted.pop_back();
    cpu_switch(cycle, std::move(back.name), std::move(back.args));
}

void TraceJson::kernel_done(const npu::KernelTrace& k) {
    const npu::KernelStats& st = *k.stats;
    const std::string name = layer_name(k.desc->kernel_id);
    const std::string id = "\"kernel_id\":" + std::to_string(k.desc->kernel_id);
    std::string args = id + ",\"descriptor_index\":" + std::to_string(k.index) +
                       ",\"op\":" + quoted(npu::op_name(k.desc->op)) +
                       ",\"macs\":" + std::to_string(st.macs) +
                       ",\"cycles\":" + std::to_string(st.cycles) +
                       ",\"compute_cycles\":" + std::to_string(st.compute_cycles) +
                       ",\"stall_cycles\":" + std::to_string(st.stall_cycles) +
                       ",\"tiles\":" + std::to_string(st.tiles) +
                       ",\"dram_read_bytes\":" + std::to_string(st.dram_read_bytes.total()) +
                       ",\"dram_write_bytes\":" + std::to_string(st.dram_write_bytes.total());
    if (st.error) args += ",\"error\":" + quoted(npu::error_name(st.error));
    complete(kNpuPid, kCommandTid, name, "kernel", k.start, k.start + st.cycles, args);

    std::vector<npu::KernelTrace::Interval> by_unit[3];
    for (const auto& iv : *k.intervals)
        if (iv.unit >= 0 && iv.unit < 3) by_unit[iv.unit].push_back(iv);
    std::vector<TraceSpan> spans[3];
    for (int u = 0; u < 3; ++u) {
        spans[u] = aggregate_spans(std::move(by_unit[u]), kMaxSpansPerKernel);
        by_unit[u] = {};
        static const int tids[3] = {kDmaReadTid, kDmaWriteTid, kMacTid};
        for (const TraceSpan& s : spans[u]) {
            const std::string common = id + ",\"busy_cycles\":" + std::to_string(s.busy);
            complete(kNpuPid, tids[u], name, u == 2 ? "mac" : "dma", k.start + s.begin,
                     k.start + s.end,
                     u == 2 ? common + ",\"tiles\":" + std::to_string(s.intervals)
                            : common + ",\"bytes\":" + std::to_string(s.bytes) +
                                  ",\"bus_bytes\":" + std::to_string(s.bus_bytes) +
                                  ",\"transfers\":" + std::to_string(s.intervals));
        }
    }
    // DRAM bandwidth the DMA uses, bytes per cycle, one counter per
    // direction: each span's bytes on the DRAM bus (whole atoms: what
    // occupies the channel) over its length (request to completion), so a
    // counter's integral is the bus bytes moved. Two counters rather than
    // one with two series: viewers stack a counter's series, and averages
    // of overlapping read and write spans may add up to more than the
    // channel's peak although neither exceeds it.
    static const char* const counters[2] = {"DRAM read (B/cycle)", "DRAM write (B/cycle)"};
    for (int u = 0; u < 2; ++u)
        for (const TraceSpan& s : spans[u]) {
            const std::uint64_t len = std::max<std::uint64_t>(1, s.end - s.begin);
            char buf[200];
            std::snprintf(buf, sizeof buf,
                          "\"ph\":\"C\",\"pid\":%d,\"name\":\"%s\",\"ts\":%s,"
                          "\"args\":{\"bandwidth\":%.6g}",
                          kNpuPid, counters[u], ts(k.start + s.begin).c_str(),
                          double(s.bus_bytes) / double(len));
            event(buf);
            std::snprintf(buf, sizeof buf,
                          "\"ph\":\"C\",\"pid\":%d,\"name\":\"%s\",\"ts\":%s,"
                          "\"args\":{\"bandwidth\":0}",
                          kNpuPid, counters[u], ts(k.start + s.begin + len).c_str());
            event(buf);
        }
}

void TraceJson::finish(std::uint64_t end_cycle) {
    if (m_cpu) {
        cpu_switch(end_cycle, "", "");
        m_cur_open = false;
    }
    m_out << "\n]}\n";
    m_out.close();
    if (!m_out) throw std::runtime_error("--trace-json '" + m_path + "': cannot write");
    m_file->commit();
}

}  // namespace vp
