#include "vp/plic.h"

#include "npu_abi/memory_map.h"
#include "reg_access.h"
#include "vp/log.h"
#include "vp/stats.h"

namespace vp {

Plic::Plic(sc_core::sc_module_name name)
    : sc_module(name),
      bus_in("bus_in"),
      irq_in("irq_in", VP_PLIC_NUM_SOURCES),
      irq_out("irq_out"),
      m_core(VP_PLIC_NUM_SOURCES) {
    bus_in.register_b_transport(this, &Plic::b_transport);
    bus_in.register_transport_dbg(this, &Plic::transport_dbg);
    irq_out.initialize(false);

    SC_METHOD(update_output);
    sensitive << m_update;

    m_stats_prefix = basename();
    stats().add_counter(m_stats_prefix + ".claims", &m_core.claims,
                        "claims that returned a source");
    stats().add_counter(m_stats_prefix + ".completes", &m_core.completes,
                        "completions that released a source");
}

Plic::~Plic() {
    stats().remove_prefix(m_stats_prefix);
}

void Plic::end_of_elaboration() {
    if (irq_in[0].size() != 0)
        VP_LOG_ERROR(name(), "irq_in[0] is bound, but source 0 is reserved (no interrupt)");
    // One method per wired source; unbound sources simply never assert.
    for (unsigned s = 1; s < VP_PLIC_NUM_SOURCES; ++s) {
        if (irq_in[s].size() == 0) continue;
        sc_core::sc_spawn_options opts;
        opts.spawn_method();
        opts.set_sensitivity(&irq_in[s]->value_changed_event());
        sc_core::sc_spawn([this, s] { sample_line(s); }, sc_core::sc_gen_unique_name("sample_irq"),
                          &opts);
    }
}

void Plic::sample_line(unsigned source) {
    const bool level = irq_in[source]->read();
    VP_LOG_DEBUG(name(), "source %u %s", source, level ? "raised" : "lowered");
    m_core.set_line(source, level);
    // Immediate: update_output runs in this same evaluation phase, and it alone
    // writes irq_out (a signal has one driver process).
    m_update.notify();
}

void Plic::update_output() {
    const bool level = m_core.irq();
    if (level != irq_out.read())
        VP_LOG_DEBUG(name(), "interrupt to the hart %s", level ? "raised" : "lowered");
    irq_out.write(level);
}

void Plic::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    (void)delay;  // register accesses cost nothing beyond the bus
    const tlm::tlm_response_status st = detail::check_access(gp, detail::kSize4);
    if (st != tlm::TLM_OK_RESPONSE) {
        gp.set_response_status(st);
        return;
    }
    if (gp.get_address() > 0xFFFFFFFFu) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const auto offset = static_cast<std::uint32_t>(gp.get_address());
    PlicCore::Access acc = PlicCore::Access::ok;
    if (gp.is_read()) {
        std::uint32_t v = 0;
        acc = m_core.read(offset, v);
        detail::store(gp, v);
        if (offset == VP_PLIC_CLAIM && acc == PlicCore::Access::ok)
            VP_LOG_DEBUG(name(), "claim: source %u", v);
    } else if (gp.is_write()) {
        const auto v = static_cast<std::uint32_t>(detail::load(gp));
        acc = m_core.write(offset, v);
        if (offset == VP_PLIC_CLAIM && acc == PlicCore::Access::ok)
            VP_LOG_DEBUG(name(), "complete: source %u", v);
    }
    if (acc != PlicCore::Access::ok) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    // A claim, complete, enable, priority or threshold change can move the
    // output; re-evaluate it in the next delta.
    m_update.notify(sc_core::SC_ZERO_TIME);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned Plic::transport_dbg(tlm::tlm_generic_payload& gp) {
    // Debug reads must not claim: only side-effect-free registers are served.
    if (gp.get_data_length() != 4 || gp.get_address() % 4 != 0 || !gp.is_read() ||
        gp.get_address() == VP_PLIC_CLAIM || gp.get_address() > 0xFFFFFFFFu)
        return 0;
    std::uint32_t v = 0;
    if (m_core.read(static_cast<std::uint32_t>(gp.get_address()), v) != PlicCore::Access::ok)
        return 0;
    detail::store(gp, v);
    return 4;
}

void Plic::trace(sc_core::sc_trace_file* tf) const {
    sc_core::sc_trace(tf, irq_out, std::string(basename()) + ".irq");
}

}  // namespace vp
