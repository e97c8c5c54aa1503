// The platform-level interrupt controller: SiFive PLIC layout (memory_map.h),
// one context (hart 0 M-mode), VP_PLIC_NUM_SOURCES sources, source 0 reserved.
// All behaviour (gateways, priorities, claim/complete) is vp::PlicCore; see
// plic_core.h for the register map and the choices made. This shell decodes
// TLM accesses, samples the input lines and drives irq_out.
//
// Simplifies: register accesses take effect at the kernel's current time, not
// at the initiator's annotated local time; irq_out follows one delta later.
//
// LT caveat for initiators: a device lowers its line through a signal, i.e.
// some delta cycles after the register write that clears its cause. An
// initiator that clears the cause and writes the completion without letting
// the kernel run in between (no wait, e.g. inside one quantum) completes
// while the PLIC still sees the line high, and the source is pending again
// (a spurious interrupt, as on hardware whose device deasserts late). Sync
// after such device writes, or wait a cycle as
// vp::TrafficGen does.
//
// Inputs: irq_in[s] is a port that may stay unbound, so a SoC wires only the
// sources it has: bind a sc_signal<bool> to it, e.g.
//     plic.irq_in[VP_IRQ_UART](uart_irq);
// irq_in[0] must stay unbound (source 0 means "no interrupt").
//
// Accesses: 4-byte, 4-aligned, no byte enables; others get an error response
// (burst, address or byte-enable error); offsets outside the map get
// TLM_ADDRESS_ERROR_RESPONSE.
#pragma once

#include <cstdint>
#include <string>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "vp/plic_core.h"

namespace vp {

class Plic : public sc_core::sc_module {
  public:
    using IrqInPort =
        sc_core::sc_port<sc_core::sc_signal_in_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND>;

    tlm_utils::simple_target_socket<Plic> bus_in;
    sc_core::sc_vector<IrqInPort> irq_in;  // VP_PLIC_NUM_SOURCES ports; 0 unused
    sc_core::sc_out<bool> irq_out;         // to the hart's external interrupt (MEIP)

    SC_HAS_PROCESS(Plic);
    explicit Plic(sc_core::sc_module_name name);
    ~Plic() override;

    const PlicCore& core() const { return m_core; }

    // Traces irq_out as "<basename>.irq".
    void trace(sc_core::sc_trace_file* tf) const;

  private:
    void end_of_elaboration() override;
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned transport_dbg(tlm::tlm_generic_payload& gp);
    void sample_line(unsigned source);
    void update_output();

    PlicCore m_core;
    sc_core::sc_event m_update;
    std::string m_stats_prefix;
};

}  // namespace vp
