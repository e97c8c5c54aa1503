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
// The run ends through vp::SimControl::request_exit, which stops the kernel.
//
// Accesses: 4 bytes at offset VP_SYSCON_FINISHER only; other offsets get
// TLM_ADDRESS_ERROR_RESPONSE, other sizes or byte enables an error response.
#pragma once

#include <cstdint>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

namespace vp {

class Syscon : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<Syscon> bus_in;

    explicit Syscon(sc_core::sc_module_name name);

  private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
};

}  // namespace vp
