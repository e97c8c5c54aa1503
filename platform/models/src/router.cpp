#include "vp/router.h"

#include <algorithm>

#include "vp/log.h"
#include "vp/stats.h"
#include "vp/tlm_ext.h"

namespace vp {

Router::Router(sc_core::sc_module_name name)
    : sc_module(name), bus_in("bus_in"), bus_out("bus_out") {
    bus_in.register_b_transport(this, &Router::b_transport);
    bus_in.register_transport_dbg(this, &Router::transport_dbg);
    bus_in.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
    bus_out.register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr);

    m_stats_prefix = basename();
    stats().add_counter(m_stats_prefix + ".transactions", &m_transactions,
                        "b_transport calls through the bus");
    stats().add_counter(m_stats_prefix + ".decode_errors", &m_decode_errors,
                        "transactions to no target (address error)");
}

Router::~Router() {
    stats().remove_prefix(m_stats_prefix);
}

void Router::on_attached(const std::string& name) {
    m_targets.emplace_back();
    const std::string prefix = m_stats_prefix + ".targets." + name;
    stats().add_counter(prefix + ".transactions", &m_targets.back().transactions,
                        "b_transport calls routed to this target");
    stats().add_counter(prefix + ".bytes", &m_targets.back().bytes,
                        "data bytes of the transactions routed to this target");
}

void Router::b_transport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    (void)id;
    // A coalesced DMA run counts as the bursts it stands for (vp::BurstExt).
    const std::uint64_t bursts = vp::bursts_of(gp);
    m_transactions += bursts;
    const sc_dt::uint64 addr = gp.get_address();
    const auto hit = m_map.decode(addr, gp.get_data_length());
    if (!hit) {
        ++m_decode_errors;
        VP_LOG_DEBUG(name(), "%s of %u bytes at unmapped 0x%llx: address error",
                     gp.is_write() ? "write" : "read", gp.get_data_length(),
                     static_cast<unsigned long long>(addr));
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    TargetCounters& counters = m_targets[hit->target];
    counters.transactions += bursts;
    counters.bytes += gp.get_data_length();
    gp.set_address(hit->local);
    bus_out[static_cast<int>(hit->target)]->b_transport(gp, delay);
    gp.set_address(addr);
}

unsigned Router::transport_dbg(int id, tlm::tlm_generic_payload& gp) {
    (void)id;
    const sc_dt::uint64 addr = gp.get_address();
    const auto hit = m_map.decode(addr, 1);
    if (!hit) return 0;
    const AddressMap::Range& r = m_map.range(hit->target);
    const unsigned len = gp.get_data_length();
    // A debugger or loader access running off the window is cut at its end.
    const unsigned n = static_cast<unsigned>(std::min<std::uint64_t>(len, r.size - hit->local));
    gp.set_address(hit->local);
    gp.set_data_length(n);
    const unsigned done = bus_out[static_cast<int>(hit->target)]->transport_dbg(gp);
    gp.set_address(addr);
    gp.set_data_length(len);
    return done;
}

bool Router::get_direct_mem_ptr(int id, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    (void)id;
    const sc_dt::uint64 addr = gp.get_address();
    const auto hit = m_map.decode(addr, 1);
    if (!hit) {
        const auto gap = m_map.gap_around(addr);
        dmi.set_start_address(gap.first);
        dmi.set_end_address(gap.second);
        dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
        return false;
    }
    const AddressMap::Range& r = m_map.range(hit->target);
    gp.set_address(hit->local);
    const bool granted = bus_out[static_cast<int>(hit->target)]->get_direct_mem_ptr(gp, dmi);
    gp.set_address(addr);
    // Clip to the window (a target may offer more than the bus maps of it),
    // then move to global addresses. The target's range starts at local
    // address >= 0, so clipping only ever shortens the end.
    const sc_dt::uint64 start = std::min<sc_dt::uint64>(dmi.get_start_address(), r.size - 1);
    const sc_dt::uint64 end = std::min<sc_dt::uint64>(dmi.get_end_address(), r.size - 1);
    dmi.set_start_address(r.base + start);
    dmi.set_end_address(r.base + end);
    return granted;
}

void Router::invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end) {
    const AddressMap::Range& r = m_map.range(static_cast<unsigned>(id));
    if (start > r.size - 1 || start > end) return;  // nothing of it is visible through the bus
    const sc_dt::uint64 g_start = r.base + start;
    const sc_dt::uint64 g_end = r.base + std::min<sc_dt::uint64>(end, r.size - 1);
    for (unsigned i = 0; i < bus_in.size(); ++i)
        bus_in[static_cast<int>(i)]->invalidate_direct_mem_ptr(g_start, g_end);
}

}  // namespace vp
