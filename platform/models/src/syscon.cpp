#include "vp/syscon.h"

#include <string>

#include "npu_abi/memory_map.h"
#include "reg_access.h"
#include "vp/log.h"
#include "vp/sim_control.h"

namespace vp {

Syscon::Syscon(sc_core::sc_module_name name) : sc_module(name), bus_in("bus_in") {
    bus_in.register_b_transport(this, &Syscon::b_transport);
    SC_THREAD(fw_step_thread);
}

void Syscon::trace(sc_core::sc_trace_file* tf) const {
    sc_core::sc_trace(tf, m_fw_step_sig, "fw.step");
}

// Shows each FW_STEP write on the signal at its own time. A temporally
// decoupled CPU writes ahead of the kernel's time, in time order.
void Syscon::fw_step_thread() {
    for (;;) {
        if (m_fw_step_pending.empty()) wait(m_fw_step_event);
        if (SimControl::finished()) return;
        while (!m_fw_step_pending.empty()) {
            const auto [at, value] = m_fw_step_pending.front();
            if (at > sc_core::sc_time_stamp()) {
                wait(at - sc_core::sc_time_stamp());
                continue;  // later writes may have been queued meanwhile
            }
            m_fw_step_sig.write(value);
            m_fw_step_pending.pop_front();
        }
    }
}

void Syscon::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    (void)delay;
    const tlm::tlm_response_status st = detail::check_access(gp, detail::kSize4);
    if (st != tlm::TLM_OK_RESPONSE) {
        gp.set_response_status(st);
        return;
    }
    if (gp.get_address() == VP_SYSCON_FW_STEP) {
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        if (gp.is_read()) {
            detail::store(gp, m_fw_step);
        } else if (gp.is_write()) {
            m_fw_step = static_cast<std::uint32_t>(detail::load(gp));
            m_fw_step_pending.emplace_back(sc_core::sc_time_stamp() + delay, m_fw_step);
            m_fw_step_event.notify(sc_core::SC_ZERO_TIME);
            if (m_fw_step_hook) m_fw_step_hook(sc_core::sc_time_stamp() + delay, m_fw_step);
        }
        return;
    }
    if (gp.get_address() != VP_SYSCON_FINISHER) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    if (gp.is_read()) {
        detail::store(gp, 0);
        return;
    }
    if (!gp.is_write()) return;
    const auto value = static_cast<std::uint32_t>(detail::load(gp));
    const std::string who = name();
    switch (value & 0xFFFFu) {
        case VP_SYSCON_FINISHER_PASS:
            SimControl::request_exit(0, who + ": pass");
            break;
        case VP_SYSCON_FINISHER_FAIL: {
            // FAIL always fails, code 0 included (vp::guest_failure_status).
            const int code = static_cast<int>(value >> 16);
            SimControl::guest_fail(code, who + ": fail, code " + std::to_string(code));
            break;
        }
        case VP_SYSCON_FINISHER_RESET:
            SimControl::request_exit(0, who + ": reset");
            break;
        default:
            VP_LOG_WARN(name(), "ignored write of 0x%08x to the finisher", value);
            break;
    }
}

}  // namespace vp
