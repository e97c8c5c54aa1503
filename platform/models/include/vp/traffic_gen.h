// The platform demo's initiator (vp_run --demo): a scripted bus master that
// exercises the SoC through the bus only, the way a CPU would, before a real
// CPU exists. It is the demo's "CPU": it waits out every annotated delay, so
// the simulated time of a run reflects the memory model.
//
// Script (one SC_THREAD), each step with its failure code:
//   1 uart        writes a greeting line to the UART byte by byte
//   2 plic_setup  priority 1, enable, threshold 0 for VP_IRQ_TGEN
//   3 irq_raise   raises irq_out, waits for cpu_irq_in (the PLIC's output)
//   4 claim       claims: must read VP_IRQ_TGEN
//   5 irq_drop    lowers irq_out, completes, checks the PLIC output dropped
//                 and the source is no longer pending
//   6 dram_write  writes a known pattern into DRAM in bursts
//   7 dram_read   reads it back in bursts
//   8 dram_check  compares every byte
// then prints a summary of measured numbers on the UART and ends the run with
// syscon PASS; on a failure it prints "tgen: FAIL step <n> (<name>): ..." and
// ends with syscon FAIL, status = the step's code. Every bus access is
// tagged vp::InitiatorTag::tgen, so the DRAM's "read_bytes.tgen" and
// "write_bytes.tgen" count exactly the pattern's bytes.
//
// Simplifies: one blocking transaction at a time (no outstanding requests),
// so a burst pays the full latency; a DMA engine would overlap them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "vp/tlm_ext.h"

namespace vp {

struct TrafficGenConfig {
    std::uint64_t dram_offset = 0;            // pattern address relative to VP_DRAM_BASE
    std::uint32_t pattern_bytes = 64 * 1024;  // bytes written and read back
    std::uint32_t burst_bytes = 64;           // bytes per transaction
    std::uint64_t irq_timeout_cycles = 1000;  // how long to wait for the PLIC
};

class TrafficGen : public sc_core::sc_module {
  public:
    enum Step : int {
        none = 0,
        uart = 1,
        plic_setup,
        irq_raise,
        claim,
        irq_drop,
        dram_write,
        dram_read,
        dram_check
    };
    static const char* step_name(Step s);

    // What the script measured ("<basename>.<field>" in the statistics).
    struct Result {
        bool finished = false;  // reached the end (pass or fail)
        Step failed = none;
        std::uint64_t uart_bytes = 0;
        std::uint64_t bytes_written = 0;      // to DRAM
        std::uint64_t bytes_read = 0;         // from DRAM
        std::uint64_t dram_write_cycles = 0;  // from the first write to the last response
        std::uint64_t dram_read_cycles = 0;
        std::uint64_t mismatches = 0;
    };

    tlm_utils::simple_initiator_socket<TrafficGen> bus_out;
    sc_core::sc_out<bool> irq_out;    // to PLIC source VP_IRQ_TGEN
    sc_core::sc_in<bool> cpu_irq_in;  // the PLIC's output to the hart

    SC_HAS_PROCESS(TrafficGen);
    // Throws std::invalid_argument for a zero cycle, pattern or burst size.
    TrafficGen(sc_core::sc_module_name name, sc_core::sc_time cycle, TrafficGenConfig config = {});
    ~TrafficGen() override;

    const Result& result() const { return m_result; }

    // Traces irq_out as "<basename>.irq".
    void trace(sc_core::sc_trace_file* tf) const;

  private:
    void run();
    Step script();
    // One blocking transaction; waits for the annotated delay. False on an
    // error response.
    bool transact(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, unsigned len);
    bool write32(std::uint64_t addr, std::uint32_t value);
    bool read32(std::uint64_t addr, std::uint32_t& value);
    bool print(const std::string& text);  // to the UART, byte by byte
    std::uint64_t cycles_since(const sc_core::sc_time& start) const;

    sc_core::sc_time m_cycle;
    TrafficGenConfig m_config;
    std::string m_detail;  // what went wrong, for the FAIL line
    Result m_result;
    std::string m_stats_prefix;
    std::uint64_t m_failed_step = 0;  // Result::failed as a counter
};

}  // namespace vp
