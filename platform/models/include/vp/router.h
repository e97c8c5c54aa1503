// The SoC's interconnect: one address-decoding crossbar between any number of
// initiators (CPU, NPU DMA, traffic generator) and the targets attached to it.
//
// Stands for: a simple AXI/TileLink-style crossbar with an address decoder.
// Simplifies: decode and forwarding take no time and there is no contention
// in the interconnect itself; shared-resource contention is modelled where
// it matters, in the memories' bandwidth channels.
//
// b_transport / transport_dbg: the address is translated to the target's
// local address (global - base) and restored before returning. A transaction
// that hits no window, or runs past the end of its window, gets
// TLM_ADDRESS_ERROR_RESPONSE (transport_dbg: 0 bytes for an unmapped start;
// an access running past the window is cut at the window's end).
// DMI: requests are forwarded; the granted range is translated back to global
// addresses and clipped to the window. invalidate_direct_mem_ptr from a
// target is translated to global addresses and sent to every initiator.
// A refused DMI request at an unmapped address reports the unmapped gap.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <systemc>
#include <tlm>

#include "vp/address_map.h"

namespace vp {

class Router : public sc_core::sc_module {
  public:
    tlm_utils::multi_passthrough_target_socket<Router> bus_in;
    tlm_utils::multi_passthrough_initiator_socket<Router> bus_out;

    explicit Router(sc_core::sc_module_name name);
    ~Router() override;

    // Binds bus_out to `target` and maps [base, base+size) to it. Throws
    // std::invalid_argument (before binding) for an empty window or one that
    // overlaps another (the message names both). Call during elaboration.
    template <class TargetSocket>
    void attach(TargetSocket& target, std::uint64_t base, std::uint64_t size,
                const std::string& name) {
        m_map.add(base, size, name);
        bus_out.bind(target);
        on_attached(name);
    }

    const AddressMap& address_map() const { return m_map; }

    // b_transport calls so far, including those answered with an error (the
    // lead's VCD samples this per window); a call carrying a vp::BurstExt
    // counts as the bursts it stands for, here and per target. Also
    // "<basename>.transactions".
    std::uint64_t transactions() const { return m_transactions; }
    // Transactions answered with TLM_ADDRESS_ERROR_RESPONSE by the decoder
    // ("<basename>.decode_errors").
    std::uint64_t decode_errors() const { return m_decode_errors; }
    // Per target window (index = attach order): transactions routed to it and
    // their data bytes, errors included ("<basename>.targets.<name>.transactions",
    // "<basename>.targets.<name>.bytes").
    std::uint64_t target_transactions(unsigned target) const {
        return m_targets.at(target).transactions;
    }
    std::uint64_t target_bytes(unsigned target) const { return m_targets.at(target).bytes; }

  private:
    void b_transport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned transport_dbg(int id, tlm::tlm_generic_payload& gp);
    bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
    void invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end);
    void on_attached(const std::string& name);  // registers the target's counters

    struct TargetCounters {
        std::uint64_t transactions = 0;
        std::uint64_t bytes = 0;
    };

    AddressMap m_map;
    std::string m_stats_prefix;
    std::uint64_t m_transactions = 0;
    std::uint64_t m_decode_errors = 0;
    std::deque<TargetCounters> m_targets;  // a deque: registered pointers stay valid
};

}  // namespace vp
