#include "vp/clint.h"

#include "npu_abi/memory_map.h"
#include "reg_access.h"

namespace vp {

namespace {
std::uint64_t units_per_second() {
    // Time is counted in units of the kernel's resolution (1 ps by default).
    return static_cast<std::uint64_t>(sc_core::sc_time(1.0, sc_core::SC_SEC).value());
}

// Replaces the bytes [shift/8, shift/8 + len) of `reg` with the low bytes of v.
std::uint64_t merge(std::uint64_t reg, std::uint64_t v, unsigned shift, unsigned len) {
    const std::uint64_t mask = len == 8 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (8 * len)) - 1);
    return (reg & ~(mask << shift)) | ((v & mask) << shift);
}
}  // namespace

Clint::Clint(sc_core::sc_module_name name, sc_core::sc_time cycle)
    : sc_module(name),
      bus_in("bus_in"),
      timer_irq_out("timer_irq_out"),
      soft_irq_out("soft_irq_out"),
      m_cycle(cycle),
      m_clock(VP_CLINT_MTIME_HZ, units_per_second()) {
    bus_in.register_b_transport(this, &Clint::b_transport);
    bus_in.register_transport_dbg(this, &Clint::transport_dbg);
    timer_irq_out.initialize(false);
    soft_irq_out.initialize(false);
    SC_METHOD(update);
    sensitive << m_update;
}

std::uint64_t Clint::mtime() const {
    return m_clock.mtime(sc_core::sc_time_stamp().value());
}

void Clint::update() {
    const std::uint64_t now = sc_core::sc_time_stamp().value();
    timer_irq_out.write(m_clock.mtime(now) >= m_mtimecmp);
    soft_irq_out.write(m_msip);
    // The next crossing, if the comparison is still false. A later notify
    // replaces this one if a write comes first (sc_event keeps the earliest,
    // and update() recomputes anyway), so a stale crossing only costs a
    // harmless re-evaluation.
    m_update.cancel();
    const auto at = m_clock.time_of(now, m_mtimecmp);
    if (at && *at > now) m_update.notify(sc_core::sc_time::from_value(*at - now));
}

bool Clint::access(bool write, std::uint32_t offset, unsigned len, std::uint64_t& value,
                   std::uint64_t now) {
    if (offset == VP_CLINT_MSIP && len == 4) {
        if (write)
            m_msip = value & 1u;
        else
            value = m_msip ? 1u : 0u;
        return true;
    }
    // The two 64-bit registers: an 8-byte access at +0, 4-byte at +0 or +4.
    const bool cmp = offset - VP_CLINT_MTIMECMP < 8;
    const bool time = offset - VP_CLINT_MTIME < 8;
    if (!cmp && !time) return false;
    const unsigned part = offset - (cmp ? VP_CLINT_MTIMECMP : VP_CLINT_MTIME);
    if (!((len == 8 && part == 0) || (len == 4 && (part == 0 || part == 4)))) return false;
    std::uint64_t reg = cmp ? m_mtimecmp : m_clock.mtime(now);
    if (write) {
        reg = merge(reg, value, 8 * part, len);
        if (cmp)
            m_mtimecmp = reg;
        else
            m_clock.set_mtime(now, reg);
    } else {
        value = len == 8 ? reg : (reg >> (8 * part)) & 0xFFFFFFFFu;
    }
    return true;
}

void Clint::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const tlm::tlm_response_status st = detail::check_access(gp, detail::kSize4 | detail::kSize8);
    if (st != tlm::TLM_OK_RESPONSE) {
        gp.set_response_status(st);
        return;
    }
    if (gp.get_address() > 0xFFFFFFFFu) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const std::uint64_t now = (sc_core::sc_time_stamp() + delay).value();
    std::uint64_t v = gp.is_write() ? detail::load(gp) : 0;
    if (!access(gp.is_write(), static_cast<std::uint32_t>(gp.get_address()), gp.get_data_length(),
                v, now)) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (gp.is_read()) detail::store(gp, v);
    if (gp.is_write()) m_update.notify(sc_core::SC_ZERO_TIME);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned Clint::transport_dbg(tlm::tlm_generic_payload& gp) {
    const unsigned len = gp.get_data_length();
    if (!gp.is_read() || (len != 4 && len != 8) || gp.get_address() % len != 0 ||
        gp.get_address() > 0xFFFFFFFFu)
        return 0;
    std::uint64_t v = 0;
    if (!access(false, static_cast<std::uint32_t>(gp.get_address()), len, v,
                sc_core::sc_time_stamp().value()))
        return 0;
    detail::store(gp, v);
    return len;
}

void Clint::trace(sc_core::sc_trace_file* tf) const {
    sc_core::sc_trace(tf, timer_irq_out, std::string(basename()) + ".timer_irq");
    sc_core::sc_trace(tf, soft_irq_out, std::string(basename()) + ".soft_irq");
}

}  // namespace vp
