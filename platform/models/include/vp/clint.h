// The core-local interruptor (SiFive CLINT layout, hart 0): software
// interrupt (msip) and the machine timer (mtime, mtimecmp).
// Simplifies: one hart; mtime runs from simulated time at exactly
// VP_CLINT_MTIME_HZ (no separate clock domain or synchroniser delay).
//
//   VP_CLINT_MSIP        R/W  bit 0 drives soft_irq_out; other bits read 0
//   VP_CLINT_MTIMECMP    R/W  64-bit compare (lo at +0, hi at +4); reset all ones
//   VP_CLINT_MTIME       R/W  64-bit counter at VP_CLINT_MTIME_HZ
//
// mtime is not a counter that ticks: it is derived from simulated time
// (vp::MtimeClock), and a written value is kept as an offset, so reading it
// is exact at any time and costs nothing while nobody looks. Reads and
// writes of mtime use the initiator's local time (sc_time_stamp() + the
// annotated delay), so a temporally decoupled CPU sees time advance inside
// its quantum.
//
// timer_irq_out = (mtime >= mtimecmp), evaluated at the kernel's current time:
// after every register write, and at the exact time of the next crossing,
// for which an event is scheduled (no polling).
//
// Accesses: msip 4 bytes; mtimecmp and mtime 4 bytes (either half) or 8 bytes
// at the register's base; all naturally aligned, no byte enables. Other
// sizes, offsets or byte enables get a TLM error response.
#pragma once

#include <cstdint>
#include <string>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "vp/mtime_clock.h"

namespace vp {

class Clint : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<Clint> bus_in;
    sc_core::sc_out<bool> timer_irq_out;  // MTIP
    sc_core::sc_out<bool> soft_irq_out;   // MSIP

    SC_HAS_PROCESS(Clint);
    // cycle is accepted for uniformity; the timer runs at VP_CLINT_MTIME_HZ
    // from simulated time, independent of the core clock.
    Clint(sc_core::sc_module_name name, sc_core::sc_time cycle);

    // Values at the kernel's current time (for tests and the report).
    std::uint64_t mtime() const;
    // mtime at a given simulated time (an initiator's local time): what the
    // CPU's time/timeh CSRs read, so the register and the CSR are one counter.
    std::uint64_t mtime_at(const sc_core::sc_time& t) const { return m_clock.mtime(t.value()); }
    std::uint64_t mtimecmp() const { return m_mtimecmp; }

    // Traces timer_irq_out and soft_irq_out as "<basename>.timer_irq",
    // "<basename>.soft_irq".
    void trace(sc_core::sc_trace_file* tf) const;

  private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned transport_dbg(tlm::tlm_generic_payload& gp);
    // Register access at a time; false for an unmapped offset or size.
    bool access(bool write, std::uint32_t offset, unsigned len, std::uint64_t& value,
                std::uint64_t now);
    void update();  // drives the outputs, schedules the next crossing

    sc_core::sc_time m_cycle;
    MtimeClock m_clock;
    std::uint64_t m_mtimecmp = ~std::uint64_t{0};
    bool m_msip = false;
    sc_core::sc_event m_update;
};

}  // namespace vp
