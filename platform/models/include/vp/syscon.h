// The test finisher: SiFive's "sifive_test" device as QEMU virt has it, the
// way bare-metal guests end a run with a status.
//
//   VP_SYSCON_FINISHER (4-byte write):
//     VP_SYSCON_FINISHER_PASS             -> run ends, status 0
//     VP_SYSCON_FINISHER_FAIL | code<<16  -> run ends, status = code (as QEMU:
//                                            code 0 therefore ends with 0)
//     VP_SYSCON_FINISHER_RESET            -> run ends, status 0 (no reset model)
//     any other value                     -> ignored with a warning, as QEMU
//   reads return 0.
//   VP_SYSCON_FW_STEP (4-byte, read/write, reset 0): the firmware's current
//     step (encoding: firmware/README.md), traced as "fw.step" at the time the
//     write lands (the CPU may run ahead of the kernel: writes are replayed in
//     their own time order). No other effect.
// The run ends through vp::SimControl::request_exit, which stops the kernel.
//
// Accesses: 4 bytes at VP_SYSCON_FINISHER and VP_SYSCON_FW_STEP only; other offsets get
// TLM_ADDRESS_ERROR_RESPONSE, other sizes or byte enables an error response.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <utility>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

namespace vp {

class Syscon : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<Syscon> bus_in;

    SC_HAS_PROCESS(Syscon);
    explicit Syscon(sc_core::sc_module_name name);

    // fw.step: the last FW_STEP value, at the simulated time it was written.
    void trace(sc_core::sc_trace_file* tf) const;
    std::uint32_t fw_step() const { return m_fw_step; }
    // Called for every FW_STEP write with the writer's local time and the
    // value (vp_run --trace-json); empty: nothing.
    void set_fw_step_hook(std::function<void(const sc_core::sc_time&, std::uint32_t)> hook) {
        m_fw_step_hook = std::move(hook);
    }

  private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    void fw_step_thread();

    std::uint32_t m_fw_step = 0;  // as read back by the bus
    // Writes not yet shown on the signal: (absolute time, value), in write order.
    std::deque<std::pair<sc_core::sc_time, std::uint32_t>> m_fw_step_pending;
    sc_core::sc_event m_fw_step_event;
    sc_core::sc_signal<std::uint32_t> m_fw_step_sig{"fw_step"};
    std::function<void(const sc_core::sc_time&, std::uint32_t)> m_fw_step_hook;
};

}  // namespace vp
