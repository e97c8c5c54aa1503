#include "vp/uart.h"

#include <algorithm>

#include "npu_abi/memory_map.h"
#include "reg_access.h"
#include "vp/console.h"
#include "vp/stats.h"

namespace vp {

namespace {
constexpr unsigned kNumRegs = 8;
}

Uart::Uart(sc_core::sc_module_name name, sc_core::sc_time cycle)
    : sc_module(name), bus_in("bus_in"), irq_out("irq_out") {
    (void)cycle;
    bus_in.register_b_transport(this, &Uart::b_transport);
    bus_in.register_transport_dbg(this, &Uart::transport_dbg);
    irq_out.initialize(false);
    SC_METHOD(update_irq);
    sensitive << m_irq_changed;
    dont_initialize();

    m_stats_prefix = basename();
    stats().add_counter(m_stats_prefix + ".tx_bytes", &m_tx_bytes, "bytes written to THR");
}

Uart::~Uart() {
    stats().remove_prefix(m_stats_prefix);
}

void Uart::update_irq() {
    irq_out.write((m_ier & VP_UART_IER_ETBEI) != 0);
}

std::uint8_t Uart::read_reg(unsigned offset) const {
    const bool dlab = m_lcr & VP_UART_LCR_DLAB;
    switch (offset) {
        case VP_UART_THR:
            return dlab ? m_dll : 0;  // RBR: no receiver, always 0
        case VP_UART_IER:
            return dlab ? m_dlm : m_ier;
        case VP_UART_IIR:
            return (m_ier & VP_UART_IER_ETBEI) ? VP_UART_IIR_THRI : VP_UART_IIR_NONE;
        case VP_UART_LCR:
            return m_lcr;
        case VP_UART_MCR:
            return m_mcr;
        case VP_UART_LSR:
            return VP_UART_LSR_THRE | VP_UART_LSR_TEMT;
        case VP_UART_MSR:
            return 0;
        case VP_UART_SCR:
            return m_scr;
        default:
            return 0;
    }
}

void Uart::write_reg(unsigned offset, std::uint8_t value) {
    const bool dlab = m_lcr & VP_UART_LCR_DLAB;
    switch (offset) {
        case VP_UART_THR:
            if (dlab) {
                m_dll = value;
            } else {
                console().put(static_cast<char>(value));
                ++m_tx_bytes;
            }
            break;
        case VP_UART_IER:
            if (dlab) {
                m_dlm = value;
            } else {
                m_ier = value & 0x0F;  // bits 7..4 reserved
                m_irq_changed.notify(sc_core::SC_ZERO_TIME);
            }
            break;
        case VP_UART_LCR:
            m_lcr = value;
            break;
        case VP_UART_MCR:
            m_mcr = value & 0x1F;
            break;  // bits 7..5 reserved
        case VP_UART_SCR:
            m_scr = value;
            break;
        default:
            break;  // FCR, LSR, MSR: nothing to keep
    }
}

void Uart::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    (void)delay;
    const tlm::tlm_response_status st = detail::check_access(gp, detail::kSize1 | detail::kSize4);
    if (st != tlm::TLM_OK_RESPONSE) {
        gp.set_response_status(st);
        return;
    }
    const sc_dt::uint64 addr = gp.get_address();
    const unsigned len = gp.get_data_length();
    if (addr >= kNumRegs) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    unsigned char* data = gp.get_data_ptr();
    for (unsigned i = 0; i < len; ++i) {
        const unsigned off = static_cast<unsigned>(addr) + i;
        if (gp.is_read())
            data[i] = read_reg(off);
        else if (gp.is_write())
            write_reg(off, data[i]);
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned Uart::transport_dbg(tlm::tlm_generic_payload& gp) {
    // Reads only: a debugger must not print to the console.
    if (!gp.is_read() || gp.get_address() >= kNumRegs) return 0;
    const unsigned n = std::min<unsigned>(gp.get_data_length(),
                                          kNumRegs - static_cast<unsigned>(gp.get_address()));
    for (unsigned i = 0; i < n; ++i)
        gp.get_data_ptr()[i] = read_reg(static_cast<unsigned>(gp.get_address()) + i);
    return n;
}

void Uart::trace(sc_core::sc_trace_file* tf) const {
    sc_core::sc_trace(tf, irq_out, std::string(basename()) + ".irq");
}

}  // namespace vp
