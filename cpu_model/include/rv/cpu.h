// rv::Cpu: the SystemC shell around rv::Core (docs/architecture.md, "Core plus shell").
//
// Hardware it stands for: one RV32IMC hart with a 32-bit TLM-2.0 LT bus
// master port and three level-sensitive interrupt inputs (machine external
// from the PLIC, machine timer and software from the CLINT).
//
// Time: one SC_THREAD runs the core in blocks ahead of SystemC time
// (tlm_quantumkeeper, quantum = CpuConfig::quantum_cycles). The quantum is
// checked per block, never per instruction. The thread synchronises (waits
// its local time) at the end of a quantum, before every access that does
// not go through DMI (MMIO: registers with side effects see the right time),
// before WFI, and it re-reads the interrupt lines after each sync. An MMIO
// load/store also completes in SystemC time (the thread waits the
// instruction's load_store + latency cycles after the transport), so a line
// changed by the CPU's own access (CLINT mtimecmp/msip, PLIC claim), even a
// few deltas later, is seen right after that instruction; a line changed by
// another model is seen at the CPU's next sync point, at most one quantum
// late (use a smaller --quantum for tighter interrupt timing).
// WFI: the thread waits on the interrupt lines' value_changed events (no
// spinning) until mip & mie != 0; the wait is counted as sleep cycles.
//
// DMI: the first access to an address asks the bus for a DMI pointer
// (get_direct_mem_ptr); granted ranges become the core's fast regions with
// their read/write latencies; invalidate_direct_mem_ptr drops them. Accesses
// through DMI bypass the memories' own counters, so cpu.dmi_bytes counts them.
//
// Ends of the run: semihosting exit -> SimControl::request_exit; a trap
// with no handler, a trap loop, or --max-cycles -> SimControl::fail with
// one line. The thread returns once SimControl::finished().
//
// Statistics (under "<module basename>.", e.g. "cpu."): instructions,
// cycles, busy_cycles, sleep_cycles, traps, interrupts, mmio_accesses,
// dmi_bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <systemc>
#include <tlm>

#include "rv/core.h"
#include "rv/cpu_config.h"
#include "rv/semihost.h"
#include "vp/tlm_ext.h"

namespace rv {

class Cpu : public sc_core::sc_module, private MemoryInterface {
  public:
    SC_HAS_PROCESS(Cpu);

    tlm_utils::simple_initiator_socket<Cpu> bus_out;
    sc_core::sc_in<bool> irq_external_in;
    sc_core::sc_in<bool> irq_timer_in;
    sc_core::sc_in<bool> irq_software_in;

    Cpu(sc_core::sc_module_name name, const CpuConfig& config, sc_core::sc_time cycle);
    ~Cpu() override;

    void set_reset_pc(std::uint32_t pc) { m_reset_pc = pc; }
    // Where the time/timeh CSRs read mtime: the platform's CLINT, asked at
    // this CPU's local time (sc_time_stamp() + its quantum offset), so a
    // guest's write to mtime shows in `time` as on hardware. Without a
    // source (a bench with no CLINT), `time` reads mcycle.
    void set_mtime_source(std::function<std::uint64_t(const sc_core::sc_time& at)> source);
    // Traces "cpu.sleep" (true in WFI) and "cpu.irq" (the external line).
    void trace(sc_core::sc_trace_file* tf) const;
    // Timelines (vp_run --trace-json): called at every trap entry (entry
    // true, its mcause) and every mret (entry false, mcause 0), with this
    // CPU's local time. Empty: nothing.
    using TrapHook = std::function<void(bool entry, std::uint32_t mcause, const sc_core::sc_time&)>;
    void set_trap_hook(TrapHook hook);

    Core& core() { return m_core; }
    const Core& core() const { return m_core; }
    Semihost& semihost() { return *m_semihost; }
    const CpuConfig& config() const { return m_config; }
    bool sleeping() const { return m_sleeping; }

  private:
    class Keeper : public tlm_utils::tlm_quantumkeeper {
      public:
        sc_core::sc_time quantum = sc_core::SC_ZERO_TIME;
        sc_core::sc_time next_sync_point() const { return m_next_sync_point; }

      protected:
        sc_core::sc_time compute_local_quantum() override;
    };

    void run_thread();
    void sync();  // local time -> SystemC time
    void sleep_until_interrupt();
    void refresh_irq();
    void update_local_time();
    std::uint64_t local_cycles() const;  // cycles ahead of SystemC time
    std::uint64_t cycles_of(const sc_core::sc_time& t) const;
    sc_core::sc_time time_of(std::uint64_t cycles) const;
    // The core's own time: SystemC time plus the cycles it ran ahead.
    sc_core::sc_time local_now() const {
        return sc_core::sc_time_stamp() + time_of(local_cycles());
    }

    // MemoryInterface
    MemResult load(std::uint32_t addr, void* data, unsigned size) override;
    MemResult store(std::uint32_t addr, const void* data, unsigned size) override;
    MemResult fetch(std::uint32_t addr, void* data, unsigned size) override;
    MemResult access(tlm::tlm_command cmd, std::uint32_t addr, void* data, unsigned size,
                     bool fetch);
    bool try_dmi(std::uint32_t addr, bool write);
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

    CpuConfig m_config;
    sc_core::sc_time m_cycle;
    Core m_core;
    std::unique_ptr<Semihost> m_semihost;
    Keeper m_qk;
    std::uint32_t m_reset_pc = 0x80000000u;
    std::uint64_t m_sync_cycle = 0;  // core cycle count at the last sync
    bool m_sleeping = false;
    std::string m_stats_prefix;

    struct Range {
        std::uint64_t start, end;
    };
    std::vector<Range> m_no_dmi;  // ranges the bus refused DMI for

    tlm::tlm_generic_payload m_gp;
    vp::InitiatorTag m_tag;

    std::uint64_t m_busy_cycles = 0;
    std::uint64_t m_mmio_accesses = 0;
    TrapHook m_trap_hook;
};

}  // namespace rv
