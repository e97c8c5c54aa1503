// SystemC shell of the NPU: registers, command processor, TLM DMA, IRQ,
// waveforms and stats. All decisions about tiles, traffic and cycles are in
// npu::Core (core.h); this file adds time, sockets and signals.
#include "npu/npu.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "npu_abi/memory_map.h"
#include "vp/log.h"
#include "vp/sim_control.h"
#include "vp/stats.h"
#include "vp/tlm_ext.h"

namespace npu {

namespace {
const NpuConfig& checked(const NpuConfig& cfg) {
    const std::string err = cfg.validate();
    if (!err.empty()) throw std::invalid_argument(err);
    return cfg;
}
}  // namespace

// The core's DMA port on the TLM initiator socket. Request times are cycles
// from the kernel's start cycle `base`; the command thread does not wait
// inside a kernel, so sc_time_stamp() is at or before that cycle while it
// runs. All arithmetic is in whole cycles (sc_time values are integer
// multiples of the cycle at the boundary), so no rounding depends on the
// clock period.
//
// Deferred writes (npu.h): a write is booked on the bus with its data, then
// the target's old bytes are put back through the debug interface and the
// new ones kept here until commit() at the kernel's end; reads of this DMA
// see them (the NPU's own psum read-back, in-place kernels).
class Npu::ShellDma : public DmaPort {
  public:
    // coalesce_runs: the kernel's footprint runs go as one transaction each
    // (the descriptor fetch stays one plain transaction).
    ShellDma(Npu& npu, std::uint64_t base, bool defer_writes, bool coalesce_runs)
        : m_npu(npu),
          m_tag(vp::InitiatorTag::npu_dma),
          m_burst(npu.m_cfg.dma_burst_bytes),
          m_base(base),
          m_defer(defer_writes) {
        // VP_NPU_DMA_PER_BURST=1: one b_transport per burst, the reference the
        // coalesced path must match exactly (tests compare the two).
        const char* e = std::getenv("VP_NPU_DMA_PER_BURST");
        m_coalesce =
            coalesce_runs && npu.m_cfg.dma_coalesce_bursts && !(e && *e && std::string(e) != "0");
    }
    ~ShellDma() override {
        m_gp.clear_extension(&m_burst);
        m_gp.clear_extension(&m_tag);
        m_dbg.clear_extension(&m_tag);
    }

    bool read(std::uint64_t addr, std::uint8_t* dst, std::uint32_t len, std::uint64_t request,
              std::uint64_t& done) override {
        if (!transfer(tlm::TLM_READ_COMMAND, addr, dst, len, request, done)) return false;
        if (!m_pages.empty()) overlay(addr, dst, len);
        return true;
    }
    bool write(std::uint64_t addr, const std::uint8_t* src, std::uint32_t len,
               std::uint64_t request, std::uint64_t& done) override {
        auto* data = const_cast<std::uint8_t*>(src);
        if (!m_defer) return transfer(tlm::TLM_WRITE_COMMAND, addr, data, len, request, done);
        m_old.resize(len);
        const bool can_restore = debug(tlm::TLM_READ_COMMAND, addr, m_old.data(), len);
        if (!transfer(tlm::TLM_WRITE_COMMAND, addr, data, len, request, done)) return false;
        if (!can_restore) return true;  // no debug interface: visible at issue
        debug(tlm::TLM_WRITE_COMMAND, addr, m_old.data(), len);
        keep(addr, src, len);
        return true;
    }
    // A contiguous run goes as one transaction tagged with the burst size
    // (vp::BurstExt): the bus and the memory book and count its bursts.
    bool coalesces_bursts() const override { return m_coalesce; }
    void activity(int unit, std::uint64_t begin, std::uint64_t end, std::uint64_t bytes,
                  std::uint64_t bus_bytes) override {
        if (m_npu.m_observer) intervals.push_back({begin, end, bytes, unit, bus_bytes});
        if (!m_npu.m_tracing || end <= begin) return;
        events.push_back({begin, unit, +1});
        events.push_back({end, unit, -1});
    }
    // Makes every deferred write visible in the target (kernel's end).
    void commit() {
        for (auto& [page, p] : m_pages) {
            for (std::size_t i = 0; i < kPage;) {
                if (!p.valid[i]) {
                    ++i;
                    continue;
                }
                std::size_t j = i;
                while (j < kPage && p.valid[j])
                    ++j;
                debug(tlm::TLM_WRITE_COMMAND, page * kPage + i, p.data.data() + i,
                      static_cast<std::uint32_t>(j - i));
                i = j;
            }
        }
        m_pages.clear();
    }

    struct Event {
        std::uint64_t cycle;
        int unit, delta;
    };
    std::vector<Event> events;
    std::vector<KernelTrace::Interval> intervals;  // with a trace observer only

  private:
    static constexpr std::size_t kPage = 4096;
    // Pending bytes by page: memory follows the bytes written, not the writes.
    struct Page {
        std::array<std::uint8_t, kPage> data{};
        std::vector<bool> valid = std::vector<bool>(kPage, false);
    };

    void keep(std::uint64_t addr, const std::uint8_t* src, std::uint32_t len) {
        for (std::uint32_t i = 0; i < len;) {
            const std::uint64_t a = addr + i;
            const std::size_t o = a % kPage;
            const std::uint32_t n =
                static_cast<std::uint32_t>(std::min<std::uint64_t>(len - i, kPage - o));
            Page& p = m_pages[a / kPage];
            std::memcpy(p.data.data() + o, src + i, n);
            std::fill_n(p.valid.begin() + static_cast<std::ptrdiff_t>(o), n, true);
            i += n;
        }
    }
    void overlay(std::uint64_t addr, std::uint8_t* dst, std::uint32_t len) const {
        for (std::uint32_t i = 0; i < len;) {
            const std::uint64_t a = addr + i;
            const std::uint32_t n =
                static_cast<std::uint32_t>(std::min<std::uint64_t>(len - i, kPage - a % kPage));
            const auto it = m_pages.find(a / kPage);
            if (it != m_pages.end())
                for (std::uint32_t k = 0; k < n; ++k)
                    if (it->second.valid[a % kPage + k])
                        dst[i + k] = it->second.data[a % kPage + k];
            i += n;
        }
    }
    bool debug(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, std::uint32_t len) {
        if (!m_dbg.get_extension<vp::InitiatorTag>()) m_dbg.set_extension(&m_tag);
        m_dbg.set_command(cmd);
        m_dbg.set_address(addr);
        m_dbg.set_data_ptr(data);
        m_dbg.set_data_length(len);
        m_dbg.set_streaming_width(len);
        m_dbg.set_byte_enable_ptr(nullptr);
        return m_npu.dma_out->transport_dbg(m_dbg) == len;
    }
    bool transfer(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, std::uint32_t len,
                  std::uint64_t request, std::uint64_t& done) {
        if (!m_gp.get_extension<vp::InitiatorTag>()) m_gp.set_extension(&m_tag);
        if (m_coalesce && !m_gp.get_extension<vp::BurstExt>()) m_gp.set_extension(&m_burst);
        m_gp.set_command(cmd);
        m_gp.set_address(addr);
        m_gp.set_data_ptr(data);
        m_gp.set_data_length(len);
        m_gp.set_streaming_width(len);
        m_gp.set_byte_enable_ptr(nullptr);
        m_gp.set_dmi_allowed(false);
        m_gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        const sc_core::sc_time::value_type cyc = m_npu.m_cycle.value();
        const sc_core::sc_time::value_type now = sc_core::sc_time_stamp().value();
        sc_core::sc_time delay = sc_core::sc_time::from_value((m_base + request) * cyc - now);
        m_npu.dma_out->b_transport(m_gp, delay);
        if (m_gp.is_response_error()) {
            VP_LOG_DEBUG(m_npu.name(), "DMA %s of %u bytes at 0x%llx failed (%s)",
                         cmd == tlm::TLM_READ_COMMAND ? "read" : "write", len,
                         static_cast<unsigned long long>(addr), m_gp.get_response_string().c_str());
            return false;
        }
        const std::uint64_t at = (now + delay.value() + cyc - 1) / cyc;  // next edge
        done = std::max<std::uint64_t>(request, at > m_base ? at - m_base : 0);
        return true;
    }
    Npu& m_npu;
    vp::InitiatorTag m_tag;
    vp::BurstExt m_burst;
    bool m_coalesce = true;
    tlm::tlm_generic_payload m_gp, m_dbg;
    std::uint64_t m_base;
    bool m_defer;
    std::vector<std::uint8_t> m_old;
    std::unordered_map<std::uint64_t, Page> m_pages;
};

Npu::Npu(sc_core::sc_module_name name, const NpuConfig& cfg, sc_core::sc_time cycle)
    : sc_core::sc_module(name),
      bus_in("bus_in"),
      dma_out("dma_out"),
      irq_out("irq_out"),
      m_cfg(checked(cfg)),
      m_cycle(cycle),
      m_core(cfg) {
#define NPU_X_TABLE(name_, off, reset, acc, mask) \
    m_table.push_back({#name_, off, reset, acc, mask});
    NPU_REG_LIST(NPU_X_TABLE)
#undef NPU_X_TABLE
    bus_in.register_b_transport(this, &Npu::b_transport);
    irq_out.initialize(false);
    reset_state();
    register_stats();
    SC_HAS_PROCESS(Npu);
    SC_THREAD(command_thread);
    SC_METHOD(irq_method);
    sensitive << m_irq_event;
    dont_initialize();
}

Npu::~Npu() {
    vp::stats().remove_prefix("npu");
}

void accumulate(KernelStats& a, const KernelStats& b) {
    if (!a.error) a.error = b.error;
    a.macs += b.macs;
    a.cycles += b.cycles;
    a.compute_cycles += b.compute_cycles;
    a.stall_cycles += b.stall_cycles;
    a.tiles += b.tiles;
    a.resident_weight_bytes += b.resident_weight_bytes;
    a.dram_read_bytes += b.dram_read_bytes;
    a.dram_write_bytes += b.dram_write_bytes;
    a.dram_bus_read_bytes += b.dram_bus_read_bytes;
    a.dram_bus_write_bytes += b.dram_bus_write_bytes;
    a.sram_reads += b.sram_reads;
    a.sram_writes += b.sram_writes;
}

void Npu::register_stats() {
    auto& s = vp::stats();
    s.remove_prefix("npu");
    s.add_counter("npu.kernels", &m_kernel_count, "kernels run");
    s.add_counter("npu.errors", &m_error_count, "kernels stopped by a descriptor or DMA error");
    s.add_counter("npu.desc_fetch_bytes", &m_desc_fetch_bytes,
                  "descriptor bytes fetched (irq mode)");
    s.add_counter("npu.idle_cycles", &m_idle_cycles,
                  "cycles between the end of one kernel and the start of the next");
    s.add_counter("npu.macs", &m_totals.macs);
    s.add_counter("npu.cycles", &m_totals.cycles, "NPU cycles inside kernels");
    s.add_counter("npu.compute_cycles", &m_totals.compute_cycles);
    s.add_counter("npu.resident_weight_bytes", &m_totals.resident_weight_bytes,
                  "weight bytes not loaded: still in the scratchpad (NPU_DESC_F_RESIDENT)");
    s.add_counter("npu.stall_cycles", &m_totals.stall_cycles);
    // Per tensor: npu.<group>.<tensor>. The bus groups are the same transfers
    // as bytes on the DRAM bus (whole atoms, --dram-atom).
    auto reads = [&s](const std::string& group, KernelStats::Reads& r) {
        s.add_counter("npu." + group + ".ifmap", &r.ifmap);
        s.add_counter("npu." + group + ".weight", &r.weight);
        s.add_counter("npu." + group + ".psum", &r.psum);
        s.add_counter("npu." + group + ".bias", &r.bias);
        s.add_counter("npu." + group + ".lut", &r.lut);
    };
    auto writes = [&s](const std::string& group, KernelStats::Writes& w) {
        s.add_counter("npu." + group + ".ofmap", &w.ofmap);
        s.add_counter("npu." + group + ".psum", &w.psum);
    };
    auto sram = [&s](const std::string& group, KernelStats::Sram& m) {
        s.add_counter("npu." + group + ".ifmap", &m.ifmap);
        s.add_counter("npu." + group + ".weight", &m.weight);
        s.add_counter("npu." + group + ".ofmap", &m.ofmap);
    };
    reads("dram_read_bytes", m_totals.dram_read_bytes);
    writes("dram_write_bytes", m_totals.dram_write_bytes);
    reads("dram_bus_read_bytes", m_totals.dram_bus_read_bytes);
    writes("dram_bus_write_bytes", m_totals.dram_bus_write_bytes);
    sram("sram_reads", m_totals.sram_reads);
    sram("sram_writes", m_totals.sram_writes);
    const double pes = double(m_cfg.array_rows) * m_cfg.array_cols;
    s.add_value(
        "npu.utilization",
        [this, pes] {
            return m_totals.cycles ? double(m_totals.macs) / (double(m_totals.cycles) * pes) : 0.0;
        },
        "macs / (cycles * PEs)");
}

void Npu::trace(sc_core::sc_trace_file* tf) const {
    m_tracing = true;
    sc_core::sc_trace(tf, m_busy_sig, "npu.busy");
    sc_core::sc_trace(tf, m_kernel_sig, "npu.kernel");
    sc_core::sc_trace(tf, m_dma_rd_sig, "npu.dma_rd_busy");
    sc_core::sc_trace(tf, m_dma_wr_sig, "npu.dma_wr_busy");
    sc_core::sc_trace(tf, m_mac_sig, "npu.mac_busy");
}

// ---------------------------------------------------------------------------
// Registers

namespace {
int reg_index(std::uint32_t offset) {
    switch (offset) {
#define NPU_X_CASE(name, off, reset, acc, mask) \
    case off:                                   \
        return NPU_REG_INDEX_##name;
        NPU_REG_LIST(NPU_X_CASE)
#undef NPU_X_CASE
        default:
            return -1;
    }
}
}  // namespace

void Npu::reset_state() {
    for (const Reg& r : m_table)
        m_regs[static_cast<std::size_t>(reg_index(r.offset))] = r.reset;
    m_core.invalidate_buffers();
}

std::uint32_t Npu::read_reg(std::uint32_t offset) const {
    if (offset >= NPU_REG_LAUNCH && offset < NPU_REG_LAUNCH + NPU_DESC_SIZE) {
        std::uint32_t v;
        std::memcpy(&v, m_launch.data() + (offset - NPU_REG_LAUNCH), 4);
        return v;
    }
    return m_regs[static_cast<std::size_t>(reg_index(offset))];
}

void Npu::write_reg(std::uint32_t offset, std::uint32_t value) {
    if (offset >= NPU_REG_LAUNCH && offset < NPU_REG_LAUNCH + NPU_DESC_SIZE) {
        std::memcpy(m_launch.data() + (offset - NPU_REG_LAUNCH), &value, 4);
        return;
    }
    const int i = reg_index(offset);
    const Reg& r = m_table[static_cast<std::size_t>(i)];
    std::uint32_t& reg = m_regs[static_cast<std::size_t>(i)];
    switch (r.access) {
        case NPU_ACCESS_RO:
            return;
        case NPU_ACCESS_W1C:
            reg &= ~(value & r.mask);
            update_irq();
            return;
        default:
            break;
    }
    reg = value & r.mask;
    if (offset != NPU_REG_CTRL) return;
    const bool busy = m_regs[NPU_REG_INDEX_STATUS] & NPU_STATUS_BUSY;
    if ((value & NPU_CTRL_RESET) && !busy) {
        const std::uint32_t keep = reg & NPU_CTRL_IRQ_EN;
        reset_state();
        m_regs[NPU_REG_INDEX_CTRL] = keep;
    }
    if ((value & NPU_CTRL_START) && !busy && !m_start_pending) {
        m_start_pending = true;
        m_call_mode = (value & NPU_CTRL_SRC_CALL) != 0;
        m_regs[NPU_REG_INDEX_STATUS] = NPU_STATUS_BUSY;
    }
    reg &= ~(NPU_CTRL_START | NPU_CTRL_RESET);  // self-clearing
    update_irq();
}

void Npu::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const std::uint64_t offset = gp.get_address() & (VP_NPU_SIZE - 1u);
    const bool launch = offset >= NPU_REG_LAUNCH && offset < NPU_REG_LAUNCH + NPU_DESC_SIZE;
    if (gp.get_data_length() != 4 || gp.get_streaming_width() < 4 || gp.get_byte_enable_ptr() ||
        (offset & 3u) || (!launch && reg_index(static_cast<std::uint32_t>(offset)) < 0) ||
        gp.get_address() >= (std::uint64_t{VP_NPU_BASE} + VP_NPU_SIZE)) {
        gp.set_response_status(gp.get_data_length() != 4 ? tlm::TLM_BURST_ERROR_RESPONSE
                                                         : tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const auto off = static_cast<std::uint32_t>(offset);
    if (gp.is_read()) {
        const std::uint32_t v = read_reg(off);
        std::memcpy(gp.get_data_ptr(), &v, 4);
    } else if (gp.is_write()) {
        std::uint32_t v;
        std::memcpy(&v, gp.get_data_ptr(), 4);
        const bool was_pending = m_start_pending;
        write_reg(off, v);
        if (m_start_pending && !was_pending) {
            m_start_event.notify(delay);
            if (m_observer) m_observer->start_written(sc_core::sc_time_stamp() + delay);
        }
    }
    delay += m_cycle;
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

// Register writes come from the bus master's process; one method drives the line.
void Npu::update_irq() {
    m_irq_event.notify(sc_core::SC_ZERO_TIME);
}

void Npu::irq_method() {
    irq_out.write((m_regs[NPU_REG_INDEX_CTRL] & NPU_CTRL_IRQ_EN) &&
                  m_regs[NPU_REG_INDEX_IRQ_STATUS] != 0);
}

// ---------------------------------------------------------------------------
// Command processor

std::uint64_t Npu::cycle_now() const {
    const sc_core::sc_time::value_type cyc = m_cycle.value();
    return (sc_core::sc_time_stamp().value() + cyc - 1) / cyc;
}

void Npu::wait_until_cycle(std::uint64_t c) {
    const sc_core::sc_time::value_type at = c * m_cycle.value();
    const sc_core::sc_time::value_type now = sc_core::sc_time_stamp().value();
    if (at > now) wait(sc_core::sc_time::from_value(at - now));
}

bool Npu::run_kernel(const npu_desc_t& desc, std::uint32_t index) {
    m_regs[NPU_REG_INDEX_KERNEL_INDEX] = index;
    m_kernel_sig.write(desc.kernel_id);
    // The kernel starts on a clock edge: every later time is whole cycles from it.
    const std::uint64_t start = cycle_now();
    wait_until_cycle(start);
    if (m_ran_kernel && start > m_last_kernel_end) m_idle_cycles += start - m_last_kernel_end;
    VP_LOG_DEBUG(name(), "kernel %u (id %u, %s) starts at cycle %llu", index, desc.kernel_id,
                 op_name(desc.op), static_cast<unsigned long long>(start));
    ShellDma dma(*this, start, true, true);
    KernelStats st = m_core.run(desc, dma);
    // Advance time to the kernel's end, replaying the busy intervals for waveforms.
    if (m_tracing) {
        std::sort(
            dma.events.begin(), dma.events.end(),
            [](const ShellDma::Event& a, const ShellDma::Event& b) { return a.cycle < b.cycle; });
        std::array<int, 3> level{};
        for (std::size_t i = 0; i < dma.events.size();) {
            const std::uint64_t cyc = dma.events[i].cycle;
            wait_until_cycle(start + cyc);
            for (; i < dma.events.size() && dma.events[i].cycle == cyc; ++i)
                level[static_cast<std::size_t>(dma.events[i].unit)] += dma.events[i].delta;
            m_dma_rd_sig.write(level[0] > 0);
            m_dma_wr_sig.write(level[1] > 0);
            m_mac_sig.write(level[2] > 0);
        }
    }
    wait_until_cycle(start + st.cycles);
    dma.commit();  // the kernel's writes have all completed by now
    if (m_observer) {
        KernelTrace kt;
        kt.start = start;
        kt.index = index;
        kt.desc = &desc;
        kt.stats = &st;
        kt.intervals = &dma.intervals;
        m_observer->kernel_done(kt);
    }
    m_ran_kernel = true;
    m_last_kernel_end = start + st.cycles;
    VP_LOG_DEBUG(name(), "kernel %u (id %u) ends at cycle %llu: %llu cycles, %llu tiles, %s", index,
                 desc.kernel_id, static_cast<unsigned long long>(m_last_kernel_end),
                 static_cast<unsigned long long>(st.cycles),
                 static_cast<unsigned long long>(st.tiles), error_name(st.error));

    ++m_kernel_count;
    accumulate(m_totals, st);
    if (m_record_of_id.empty()) m_record_of_id.assign(std::size_t{1} << 16, -1);
    std::int32_t& rec = m_record_of_id[desc.kernel_id];
    if (rec < 0) {
        rec = static_cast<std::int32_t>(m_records.size());
        m_records.push_back({});
        m_records.back().stats.kernel_id = desc.kernel_id;
        m_records.back().stats.op = desc.op;
    }
    KernelRecord& r = m_records[static_cast<std::size_t>(rec)];
    accumulate(r.stats, st);
    ++r.runs;
    const double pes = double(m_cfg.array_rows) * m_cfg.array_cols;
    r.stats.utilization =
        r.stats.cycles ? double(r.stats.macs) / (double(r.stats.cycles) * pes) : 0.0;
    auto set64 = [this](int lo, std::uint64_t v) {
        m_regs[static_cast<std::size_t>(lo)] = static_cast<std::uint32_t>(v);
        m_regs[static_cast<std::size_t>(lo) + 1] = static_cast<std::uint32_t>(v >> 32);
    };
    auto add64 = [&](int lo, std::uint64_t v) {
        const std::uint64_t cur = m_regs[static_cast<std::size_t>(lo)] |
                                  (std::uint64_t{m_regs[static_cast<std::size_t>(lo) + 1]} << 32);
        set64(lo, cur + v);
    };
    add64(NPU_REG_INDEX_CYCLES_LO, st.cycles);
    add64(NPU_REG_INDEX_MACS_LO, st.macs);
    add64(NPU_REG_INDEX_DRAM_RD_LO, st.dram_read_bytes.total());
    add64(NPU_REG_INDEX_DRAM_WR_LO, st.dram_write_bytes.total());
    add64(NPU_REG_INDEX_STALL_LO, st.stall_cycles);
    const std::uint32_t error = st.error;
    if (m_kernels.size() < kKernelHistoryCap) {
        m_kernels.push_back(st);
    } else {
        accumulate(m_folded, st);
        ++m_folded_count;
    }
    if (error != NPU_ERR_NONE) {
        ++m_error_count;
        VP_LOG_INFO(name(), "kernel %u (id %u) stopped: error %u (%s)", index, desc.kernel_id,
                    error, error_name(error));
        finish(error);
        return false;
    }
    ++m_regs[NPU_REG_INDEX_KERNELS_DONE];
    if (m_kernel_done_hook) m_kernel_done_hook(desc.kernel_id);
    if (desc.flags & NPU_DESC_F_IRQ) {
        m_regs[NPU_REG_INDEX_IRQ_STATUS] |= NPU_IRQ_KERNEL;
        VP_LOG_DEBUG(name(), "interrupt KERNEL raised (kernel %u, id %u)", index, desc.kernel_id);
        update_irq();
    }
    return true;
}

void Npu::finish(std::uint32_t error) {
    std::uint32_t status = NPU_STATUS_DONE;
    if (error != NPU_ERR_NONE) {
        status |= NPU_STATUS_ERROR | (error << NPU_STATUS_ERR_SHIFT);
        m_regs[NPU_REG_INDEX_IRQ_STATUS] |= NPU_IRQ_ERROR;
    } else {
        m_regs[NPU_REG_INDEX_IRQ_STATUS] |= NPU_IRQ_DONE;
    }
    m_regs[NPU_REG_INDEX_STATUS] = status;
    VP_LOG_DEBUG(name(), "interrupt %s raised (status 0x%x)", error ? "ERROR" : "DONE", status);
    m_busy_sig.write(false);
    update_irq();
}

void Npu::command_thread() {
    for (;;) {
        wait(m_start_event);
        if (vp::SimControl::finished()) return;
        m_start_pending = false;
        m_busy_sig.write(true);
        if (m_call_mode) {
            npu_desc_t desc;
            std::memcpy(&desc, m_launch.data(), NPU_DESC_SIZE);
            if (run_kernel(desc, 0)) finish(NPU_ERR_NONE);
            continue;
        }
        const std::uint64_t base = m_regs[NPU_REG_INDEX_DESC_BASE];
        const std::uint32_t count = m_regs[NPU_REG_INDEX_DESC_COUNT];
        bool ok = true;
        for (std::uint32_t i = 0; i < count && ok; ++i) {
            if (vp::SimControl::finished()) return;
            const std::uint64_t addr = base + std::uint64_t{i} * NPU_DESC_SIZE;
            m_regs[NPU_REG_INDEX_KERNEL_INDEX] = i;
            if (addr < m_cfg.dram_base ||
                addr + NPU_DESC_SIZE > m_cfg.dram_base + m_cfg.dram_size) {
                finish(NPU_ERR_ADDR_RANGE);
                ok = false;
                break;
            }
            npu_desc_t desc;
            std::uint8_t raw[NPU_DESC_SIZE];
            const std::uint64_t fetch_at = cycle_now();
            ShellDma fetch(*this, fetch_at, false, false);
            std::uint64_t done = 0;
            if (!fetch.read(addr, raw, NPU_DESC_SIZE, 0, done)) {
                finish(NPU_ERR_DMA);
                ok = false;
                break;
            }
            m_desc_fetch_bytes += NPU_DESC_SIZE;
            wait_until_cycle(fetch_at + done);
            VP_LOG_DEBUG(name(), "descriptor %u fetched from 0x%llx", i,
                         static_cast<unsigned long long>(addr));
            std::memcpy(&desc, raw, NPU_DESC_SIZE);
            ok = run_kernel(desc, i);
            if (ok && (desc.flags & NPU_DESC_F_LAST)) break;
        }
        if (ok) finish(NPU_ERR_NONE);
    }
}

}  // namespace npu
