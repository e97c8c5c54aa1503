// The console UART: the subset of a 16550 that bare-metal firmware uses to
// print, at QEMU virt's address with byte-spaced registers (reg-shift 0).
//
//   off  DLAB=0 read / write          DLAB=1 (LCR bit 7)
//   0    RBR (reads 0) / THR -> console    DLL (R/W, kept, no effect)
//   1    IER R/W, bits 3..0 (bit 1 ETBEI)  DLM (R/W, kept, no effect)
//   2    IIR: 0xC2 THR-empty interrupt pending (ETBEI set), else 0xC1 / FCR (ignored)
//   3    LCR R/W      4  MCR R/W (bits 4..0)     5  LSR: THRE|TEMT, writes ignored
//   6    MSR reads 0, writes ignored             7  SCR R/W
//
// Stands for: an NS16550A whose transmitter is infinitely fast and which
// has no receiver. THR bytes go to vp::console() at once; the transmitter is
// therefore always empty, so the THR-empty interrupt is pending exactly while
// ETBEI is set: irq_out = IER.ETBEI (QEMU's 16550 raises it the same way, so a
// guest can test external interrupts on both). Simplifies: no baud rate, no
// FIFOs, no receive path; reading IIR does not clear the THR-empty
// interrupt (on QEMU it does until the next THR or IER write; a guest that
// disables ETBEI in its handler behaves the same on both).
//
// Accesses: 1 byte at offsets 0..7, or 4 bytes at offset 0 or 4, which are four
// byte accesses in ascending order (as QEMU splits them for this device).
// Other sizes, offsets, or byte enables get a TLM error response.
#pragma once

#include <cstdint>
#include <string>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "npu_abi/memory_map.h"

// 16550 registers memory_map.h does not name yet. They belong in
// npu_abi/memory_map.h (requested from the lead); until they are there these
// fallbacks, with the numbers of the 16550 data sheet, keep one definition.

namespace vp {

class Uart : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<Uart> bus_in;
    sc_core::sc_out<bool> irq_out;  // to PLIC source VP_IRQ_UART

    SC_HAS_PROCESS(Uart);
    // cycle is accepted for uniformity; the model's registers take no time.
    Uart(sc_core::sc_module_name name, sc_core::sc_time cycle);
    ~Uart() override;

    // Bytes written to THR ("<basename>.tx_bytes").
    std::uint64_t tx_bytes() const { return m_tx_bytes; }

    // Traces irq_out as "<basename>.irq".
    void trace(sc_core::sc_trace_file* tf) const;

  private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned transport_dbg(tlm::tlm_generic_payload& gp);
    std::uint8_t read_reg(unsigned offset) const;  // no side effects in this model
    void write_reg(unsigned offset, std::uint8_t value);
    void update_irq();

    std::uint8_t m_ier = 0;
    std::uint8_t m_lcr = 0;
    std::uint8_t m_mcr = 0;
    std::uint8_t m_scr = 0;
    std::uint8_t m_dll = 0;
    std::uint8_t m_dlm = 0;
    sc_core::sc_event m_irq_changed;
    std::string m_stats_prefix;
    std::uint64_t m_tx_bytes = 0;
};

}  // namespace vp
