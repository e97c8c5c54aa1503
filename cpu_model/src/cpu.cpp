#include "rv/cpu.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "vp/log.h"
#include "vp/sim_control.h"
#include "vp/stats.h"

namespace rv {

sc_core::sc_time Cpu::Keeper::compute_local_quantum() {
    // Sync points on multiples of the CPU's own quantum.
    const sc_dt::uint64 q = quantum.value();
    if (q == 0) return sc_core::SC_ZERO_TIME;
    const sc_dt::uint64 now = sc_core::sc_time_stamp().value();
    return sc_core::sc_time::from_value(q - now % q);
}

Cpu::Cpu(sc_core::sc_module_name name, const CpuConfig& config, sc_core::sc_time cycle)
    : sc_module(name),
      bus_out("bus_out"),
      irq_external_in("irq_external_in"),
      irq_timer_in("irq_timer_in"),
      irq_software_in("irq_software_in"),
      m_config(config),
      m_cycle(cycle),
      m_core(config.timing, config.hart_id),
      m_semihost(std::make_unique<Semihost>(config.semihost_root)),
      m_tag(vp::InitiatorTag::cpu) {
    if (m_cycle == sc_core::SC_ZERO_TIME) m_cycle = sc_core::sc_time(1, sc_core::SC_NS);
    m_core.set_memory(this);
    m_core.set_semihost(m_semihost.get());
    m_core.set_trap_observer([this](const TrapRecord& t) {
        VP_LOG_DEBUG(this->name(), "trap: %s at pc=0x%08x (mcause=0x%08x, mtval=0x%08x)",
                     cause_name(t.mcause), t.pc, t.mcause, t.mtval);
        if (m_trap_hook) m_trap_hook(true, t.mcause, local_now());
    });
    m_semihost->set_exit_handler([this](int status) {
        sync();  // the run ends at the CPU's own time, not at its last sync point
        vp::SimControl::request_exit(status, "semihosting exit");
        m_core.request_stop();
    });
    m_semihost->set_clock([this] {
        const sc_core::sc_time t = local_now();
        return static_cast<std::uint64_t>(t / sc_core::sc_time(1, sc_core::SC_NS));
    });

    m_qk.quantum = m_cycle * static_cast<double>(config.quantum_cycles);
    if (tlm::tlm_global_quantum::instance().get() == sc_core::SC_ZERO_TIME)
        tlm::tlm_global_quantum::instance().set(m_qk.quantum);

    m_gp.set_extension(&m_tag);
    bus_out.register_invalidate_direct_mem_ptr(this, &Cpu::invalidate_direct_mem_ptr);
    SC_THREAD(run_thread);

    m_stats_prefix = basename();
    auto& st = vp::stats();
    const CoreStats& cs = m_core.stats();
    const std::string p = m_stats_prefix + ".";
    st.add_counter(p + "instructions", &cs.instructions, "instructions retired");
    st.add_counter(p + "cycles", &cs.cycles, "CPU cycles (busy + sleep)");
    st.add_counter(p + "busy_cycles", &m_busy_cycles, "cycles executing instructions");
    st.add_counter(p + "sleep_cycles", &cs.sleep_cycles, "cycles asleep in WFI");
    st.add_counter(p + "traps", &cs.traps, "exceptions taken");
    st.add_counter(p + "interrupts", &cs.interrupts, "interrupts taken");
    st.add_counter(p + "mmio_accesses", &m_mmio_accesses, "bus transactions outside DMI");
    st.add_counter(p + "dmi_bytes", &cs.dmi_bytes, "load/store bytes through DMI");
}

Cpu::~Cpu() {
    m_gp.clear_extension(&m_tag);
    vp::stats().remove_prefix(m_stats_prefix);
}

void Cpu::trace(sc_core::sc_trace_file* tf) const {
    if (tf == nullptr) return;
    sc_core::sc_trace(tf, m_sleeping, m_stats_prefix + ".sleep");
    sc_core::sc_trace(tf, irq_external_in, m_stats_prefix + ".irq");
}

std::uint64_t Cpu::cycles_of(const sc_core::sc_time& t) const {
    return t.value() / m_cycle.value();
}

sc_core::sc_time Cpu::time_of(std::uint64_t cycles) const {
    return sc_core::sc_time::from_value(m_cycle.value() * cycles);
}

void Cpu::set_mtime_source(std::function<std::uint64_t(const sc_core::sc_time& at)> source) {
    if (!source) return;
    m_core.set_time_source([this, source = std::move(source)] { return source(local_now()); });
}

void Cpu::set_trap_hook(TrapHook hook) {
    m_trap_hook = std::move(hook);
    if (!m_trap_hook) {
        m_core.set_mret_observer({});
        return;
    }
    m_core.set_mret_observer([this] { m_trap_hook(false, 0, local_now()); });
}

std::uint64_t Cpu::local_cycles() const {
    // m_sync_cycle runs ahead of the core's count between an MMIO access
    // (completed in SystemC time, see access()) and the instruction's retirement.
    const std::uint64_t c = m_core.stats().cycles;
    return c > m_sync_cycle ? c - m_sync_cycle : 0;
}

void Cpu::update_local_time() {
    m_qk.set(time_of(local_cycles()));
}

void Cpu::sync() {
    update_local_time();
    // The run may end during this wait (another model, or the access that
    // follows, stops the kernel): keep busy_cycles current first.
    m_busy_cycles = m_core.stats().cycles - m_core.stats().sleep_cycles;
    m_qk.sync();
    m_sync_cycle = m_core.stats().cycles;
}

void Cpu::refresh_irq() {
    m_core.set_irq_lines(irq_external_in.read(), irq_timer_in.read(), irq_software_in.read());
}

void Cpu::sleep_until_interrupt() {
    refresh_irq();
    if (m_core.wakeup_pending()) return;
    m_sleeping = true;
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    // No timeout: if nothing can ever wake the core, the kernel runs out of
    // events and the platform reports a stall (vp_run bounds the run's time
    // with --max-cycles itself, and the core checks it when it executes).
    while (!m_core.wakeup_pending() && !vp::SimControl::finished()) {
        sc_core::wait(irq_external_in.value_changed_event() | irq_timer_in.value_changed_event() |
                      irq_software_in.value_changed_event());
        refresh_irq();
    }
    m_core.add_sleep_cycles(cycles_of(sc_core::sc_time_stamp() - t0));
    m_sleeping = false;
    m_qk.reset();
    m_sync_cycle = m_core.stats().cycles;
}

void Cpu::run_thread() {
    m_core.reset(m_reset_pc);
    m_qk.reset();
    m_sync_cycle = 0;
    refresh_irq();
    const std::uint64_t max = m_config.max_cycles;
    while (!vp::SimControl::finished()) {
        const sc_core::sc_time ahead = sc_core::sc_time_stamp() + m_qk.get_local_time();
        std::uint64_t budget = 1;
        if (m_qk.next_sync_point() > ahead) budget = cycles_of(m_qk.next_sync_point() - ahead);
        if (budget == 0) budget = 1;
        if (max != 0) budget = std::min(budget, max - std::min(max, m_core.stats().cycles));
        if (budget == 0) budget = 1;

        const StopReason reason = m_core.run(budget);
        const CoreStats& cs = m_core.stats();
        m_busy_cycles = cs.cycles - cs.sleep_cycles;
        update_local_time();
        switch (reason) {
            case StopReason::budget:
                if (m_qk.need_sync()) sync();
                break;
            case StopReason::mmio:
                break;  // synchronised before the access
            case StopReason::wfi:
                sync();
                sleep_until_interrupt();
                m_busy_cycles = cs.cycles - cs.sleep_cycles;
                break;
            case StopReason::halted:
                if (m_core.halt_kind() == HaltKind::trap_no_handler ||
                    m_core.halt_kind() == HaltKind::trap_loop ||
                    m_core.halt_kind() == HaltKind::trap_storm) {
                    sync();
                    vp::SimControl::fail(m_core.halt_message());
                }
                return;
        }
        if (vp::SimControl::finished()) return;
        refresh_irq();
        if (max != 0 && cs.cycles >= max) {
            sync();
            char buf[96];
            std::snprintf(buf, sizeof buf, "--max-cycles %" PRIu64 " reached at pc=0x%08" PRIx32,
                          max, m_core.pc());
            vp::SimControl::fail(buf);
            return;
        }
    }
}

// --------------------------------------------------------------------------
// Memory

bool Cpu::try_dmi(std::uint32_t addr, bool write) {
    for (const Range& r : m_no_dmi)
        if (addr >= r.start && addr <= r.end) return false;
    tlm::tlm_generic_payload gp;
    gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(addr);
    gp.set_data_length(4);
    gp.set_extension(&m_tag);
    tlm::tlm_dmi dmi;
    const bool granted = bus_out->get_direct_mem_ptr(gp, dmi);
    gp.clear_extension(&m_tag);
    const bool usable = granted && dmi.get_dmi_ptr() != nullptr &&
                        (write ? dmi.is_write_allowed() : dmi.is_read_allowed()) &&
                        addr >= dmi.get_start_address() && addr <= dmi.get_end_address();
    if (!usable) {
        Range r{addr & ~0xfffull, (addr & ~0xfffull) + 0xfff};
        const bool whole = dmi.get_start_address() == 0 && dmi.get_end_address() >= 0xffffffffull;
        if (!whole && addr >= dmi.get_start_address() && addr <= dmi.get_end_address())
            r = Range{dmi.get_start_address(), dmi.get_end_address()};
        m_no_dmi.push_back(r);
        return false;
    }
    FastRegion fr;
    fr.host = dmi.get_dmi_ptr();
    fr.base = static_cast<std::uint32_t>(dmi.get_start_address());
    const std::uint64_t end = std::min<std::uint64_t>(dmi.get_end_address(), 0xffffffffull);
    fr.size = end - fr.base + 1;
    fr.read_latency = static_cast<std::uint32_t>(cycles_of(dmi.get_read_latency()));
    fr.write_latency = static_cast<std::uint32_t>(cycles_of(dmi.get_write_latency()));
    fr.readable = dmi.is_read_allowed();
    fr.writable = dmi.is_write_allowed();
    m_core.add_fast_region(fr);
    return true;
}

void Cpu::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    if (start > 0xffffffffull) return;
    const auto s = static_cast<std::uint32_t>(start);
    const auto e = static_cast<std::uint32_t>(std::min<sc_dt::uint64>(end, 0xffffffffull));
    m_core.remove_fast_regions(s, e);
    m_no_dmi.erase(std::remove_if(m_no_dmi.begin(), m_no_dmi.end(),
                                  [&](const Range& r) { return r.start <= e && r.end >= s; }),
                   m_no_dmi.end());
}

MemResult Cpu::access(tlm::tlm_command cmd, std::uint32_t addr, void* data, unsigned size,
                      bool is_fetch) {
    const bool write = cmd == tlm::TLM_WRITE_COMMAND;
    if (try_dmi(addr, write)) {
        for (const FastRegion& r : m_core.fast_regions()) {
            if ((write ? !r.writable : !r.readable) ||
                static_cast<std::uint64_t>(addr - r.base) + size > r.size)
                continue;
            if (write)
                std::memcpy(r.host + (addr - r.base), data, size);
            else
                std::memcpy(data, r.host + (addr - r.base), size);
            if (!is_fetch) m_core.stats().dmi_bytes += size;
            MemResult res;
            res.latency = write ? r.write_latency : r.read_latency;
            return res;
        }
    }
    // Not DMI: a register (or a memory that refuses DMI). Sync first so the
    // target sees this CPU's time, then go through the bus.
    sync();
    m_gp.set_command(cmd);
    m_gp.set_address(addr);
    m_gp.set_data_ptr(static_cast<unsigned char*>(data));
    m_gp.set_data_length(size);
    m_gp.set_streaming_width(size);
    m_gp.set_byte_enable_ptr(nullptr);
    m_gp.set_byte_enable_length(0);
    m_gp.set_dmi_allowed(false);
    m_gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    bus_out->b_transport(m_gp, delay);
    ++m_mmio_accesses;
    if (m_gp.is_dmi_allowed()) {  // the target would grant DMI after all: ask again next time
        m_no_dmi.erase(
            std::remove_if(m_no_dmi.begin(), m_no_dmi.end(),
                           [&](const Range& r) { return addr >= r.start && addr <= r.end; }),
            m_no_dmi.end());
    }
    MemResult res;
    res.ok = m_gp.is_response_ok();
    res.latency =
        static_cast<std::uint32_t>((delay.value() + m_cycle.value() - 1) / m_cycle.value());
    res.end_block = true;
    if (res.ok && !is_fetch && !m_core.debug_access()) {
        // Complete the instruction in SystemC time (at least one cycle), so what
        // the access set off at this time settles first: a device that raises or
        // lowers an interrupt line a delta or two later (CLINT mtimecmp/msip,
        // PLIC claim) is seen before the next instruction, as on hardware.
        const std::uint64_t settle = m_core.timing().load_store + res.latency;
        sc_core::wait(time_of(settle));
        m_qk.reset();
        m_sync_cycle = m_core.stats().cycles + settle;  // the core adds them at retirement
    }
    return res;
}

MemResult Cpu::load(std::uint32_t addr, void* data, unsigned size) {
    return access(tlm::TLM_READ_COMMAND, addr, data, size, false);
}

MemResult Cpu::store(std::uint32_t addr, const void* data, unsigned size) {
    return access(tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(data), size, false);
}

MemResult Cpu::fetch(std::uint32_t addr, void* data, unsigned size) {
    return access(tlm::TLM_READ_COMMAND, addr, data, size, true);
}

}  // namespace rv
