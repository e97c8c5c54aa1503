// The SoC: what vp_run elaborates. One bus (vp::Router) joins the initiators
// (the RV32 CPU, or the demo's traffic generator; later the NPU's DMA) to the
// on-chip SRAM, the DRAM, the PLIC, the CLINT, the UART, the syscon and the
// NPU's registers, at
// the addresses of npu_abi/memory_map.h; the NPU's DMA is a second initiator
// sharing the DRAM's bandwidth with the CPU. One clock (--freq-mhz) times every
// model. Interrupts: UART and demo lines go to the PLIC, whose output is the
// CPU's machine external interrupt (the NPU's line too); the CLINT drives the timer and software
// interrupts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <systemc>

#include "npu_abi/model_image.h"
#include "vp/clint.h"
#include "vp/config.h"
#include "vp/memory.h"
#include "vp/plic.h"
#include "vp/report.h"
#include "vp/router.h"
#include "vp/syscon.h"
#include "vp/traffic_gen.h"
#include "vp/uart.h"

namespace rv {
class Cpu;
}
namespace npu {
class Npu;
struct KernelStats;
struct CoreConfig;
}  // namespace npu

namespace vp {

// The NPU core the run's options describe (array, scratchpads, DMA burst,
// DRAM atom, timing model, DRAM window): what the NPU model runs and what the
// compiler schedules for.
npu::CoreConfig npu_core_config(const Config& c);

// A kernel's (or a layer's summed) NPU figures with the report's names.
LayerReport layer_report_of(const npu::KernelStats& k, std::uint64_t pes);

class Soc : public sc_core::sc_module {
  public:
    // Elaborates the platform for config; loads firmware_elf into memory when
    // the run has a CPU (not --demo). Throws ConfigError or ElfError (one line).
    Soc(sc_core::sc_module_name name, const Config& config, const std::string& firmware_elf);
    ~Soc() override;

    // Traces every signal the platform has (docs/architecture.md, "VCD signals"), in ns.
    void trace(sc_core::sc_trace_file* tf);
    // Why the simulation ran out of events without anyone ending the run.
    std::string stall_diagnosis() const;
    // Per-layer figures: one row per kernel the NPU ran.
    std::vector<LayerReport> layer_reports() const;

    sc_core::sc_time cycle() const { return m_cycle; }

    // Puts a model image in DRAM for the firmware (call before sc_start):
    // `image` (already checked by the host: magic, size, CRC) at its
    // header.load_addr, the input header `run` at header.input_header_addr
    // (its magic set here), then each `extra` (address, bytes), e.g. the input
    // tensor in functional mode. Throws ConfigError (one line) when the magic
    // is not NPU_IMG_MAGIC (the firmware would take DRAM for "no model"), a piece
    // does not fit the DRAM (--dram-mb), the model's DRAM (up to
    // header.dram_end) does not, or it overlaps a firmware segment in DRAM.
    using DramBlobs = std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>>;
    void load_model(const std::vector<std::uint8_t>& image, const npu_input_header_t& run,
                    const DramBlobs& extra = {});

  private:
    void load_firmware(const std::string& path);
    void put_dram(std::uint64_t address, const std::uint8_t* data, std::uint64_t size,
                  const std::string& what);
    Memory* memory_at(std::uint64_t address, std::uint64_t size);
    void bus_window_thread();

    const Config m_config;
    const sc_core::sc_time m_cycle;

  public:
    Router bus;
    Memory sram;
    Memory dram;
    Plic plic;
    Clint clint;
    Uart uart;
    Syscon syscon;
    std::unique_ptr<rv::Cpu> cpu;       // firmware runs
    std::unique_ptr<TrafficGen> tgen;   // --demo
    std::unique_ptr<npu::Npu> npu_dev;  // registers at VP_NPU_BASE, DMA on the bus

  private:
    sc_core::sc_signal<bool> m_irq_external{"irq_external"};  // PLIC -> CPU (cpu.irq)
    sc_core::sc_signal<bool> m_irq_timer{"irq_timer"};
    sc_core::sc_signal<bool> m_irq_software{"irq_software"};
    sc_core::sc_signal<bool> m_irq_uart{"irq_uart"};
    sc_core::sc_signal<bool> m_irq_tgen{"irq_tgen"};
    sc_core::sc_signal<bool> m_irq_npu{"irq_npu"};
    sc_core::sc_signal<std::uint32_t> m_bus_window{"bus_transactions"};
    std::uint64_t m_bus_window_cycles = 1000;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> m_firmware_dram;  // [begin, end)
};

}  // namespace vp
