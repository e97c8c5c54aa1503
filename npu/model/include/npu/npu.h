// The NPU as a SystemC/TLM-2.0 module: a thin shell around npu::Core.
//
// Hardware it stands for: a memory-mapped register block (npu_abi/npu_regs.h)
// with a launch window for one descriptor; a command processor that either
// runs the launched descriptor (call mode) or fetches a descriptor list from
// DRAM by DMA and runs it back to back (irq mode); a DMA engine that moves
// tile footprints in bursts of `dma_burst_bytes` over `dma_out`; the MAC array
// and scratchpads of npu::Core; a level interrupt output.
//
// Time: all of the shell's time arithmetic is in whole NPU cycles. A kernel
// starts on a clock edge (the first edge at or after START or the descriptor
// fetch), DMA request and completion times are cycles from that edge, and
// sc_time is converted only at the boundary (integer multiples of the cycle),
// so a kernel's cycles do not depend on the clock period.
//
// Work per kernel: decode_kernel refuses descriptors with more than
// NPU_MAX_KERNEL_TILES inter-tile iterations (NPU_ERR_TOO_MUCH_WORK), and the
// walk's per-iteration bookkeeping follows the footprints, so one kernel's
// host work is bounded; that is why the run's --max-cycles is checked between
// kernels (SimControl::finished), not inside one.
//
// Write visibility: the DMA's writes are booked on the bus when issued (their
// bandwidth and completion times), but their data reaches DRAM only at the
// kernel's end (never before its completion time): until then the target
// keeps its old bytes (restored through the debug interface), and the NPU's
// own later reads in the kernel see its pending writes. A target without a
// debug interface gets the data at issue time.
//
// Simplifications: the command processor runs a whole kernel in one go with
// temporal decoupling: it issues every DMA burst of the kernel with the
// request time the core's pipeline timeline gives (as annotated delay from the
// kernel's start), then waits until the kernel's end. So the DRAM sees the
// kernel's requests in issue order rather than time order. Register writes
// take effect at the writer's local time (sc_time_stamp() + delay).
// Performance counter registers change only at kernel boundaries.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "npu/core.h"
#include "npu_abi/npu_regs.h"

namespace npu {

// The SystemC shell needs nothing of its configuration that the core does not.
using NpuConfig = CoreConfig;

// Every run of one kernel_id summed (the compiler gives all kernels of a
// layer the layer's index as kernel_id, so this is the per-layer record).
struct KernelRecord {
    KernelStats stats;       // sums; utilization recomputed from the sums
    std::uint64_t runs = 0;  // launches of this kernel_id
};

// Adds b's counts to a (errors: a keeps the first).
void accumulate(KernelStats& a, const KernelStats& b);

// One kernel run as a timeline needs it (vp_run --trace-json). Cycles are
// absolute NPU cycles (the kernel ends at start + stats.cycles).
struct KernelTrace {
    // A busy interval from the core's timeline, in cycles from the kernel's
    // start: a DMA transfer of one footprint (unit 0 read, 1 write; `bytes`
    // it moved for the kernel, `bus_bytes` on the DRAM bus: whole atoms,
    // dropped bytes of a fetch by rows included) or one compute tile (unit
    // 2, MAC array; no bytes).
    struct Interval {
        std::uint64_t begin, end, bytes;
        int unit;
        std::uint64_t bus_bytes;
    };
    std::uint64_t start = 0;
    std::uint32_t index = 0;  // descriptor index in its list (0: a launched kernel)
    const npu_desc_t* desc = nullptr;
    const KernelStats* stats = nullptr;
    const std::vector<Interval>* intervals = nullptr;
};

// Receives what the NPU did, for timelines. Nothing is recorded (no cost)
// while no observer is set.
class TraceObserver {
  public:
    virtual ~TraceObserver() = default;
    // A CTRL write set START (the CPU launched a kernel or a list), at the
    // writer's local time.
    virtual void start_written(const sc_core::sc_time& at) = 0;
    // A kernel ended (failed ones too, stats.error set).
    virtual void kernel_done(const KernelTrace& kernel) = 0;
};

class Npu : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<Npu> bus_in;      // registers (offsets within the block)
    tlm_utils::simple_initiator_socket<Npu> dma_out;  // DMA to DRAM (tagged npu_dma)
    sc_core::sc_out<bool> irq_out;                    // level, to PLIC source VP_IRQ_NPU

    // Throws std::invalid_argument on an invalid config (see NpuConfig::validate).
    Npu(sc_core::sc_module_name name, const NpuConfig& cfg, sc_core::sc_time cycle);
    ~Npu() override;

    // npu.busy, npu.kernel, npu.dma_rd_busy, npu.dma_wr_busy, npu.mac_busy
    void trace(sc_core::sc_trace_file* tf) const;

    // One entry per kernel run (failed ones too, with error set), in order,
    // for the first kKernelHistoryCap runs; later runs are folded into
    // folded_kernels() (their sum) so that memory stays bounded however many
    // kernels a guest launches. totals() and kernel_records() count them all.
    static constexpr std::size_t kKernelHistoryCap = 4096;
    const std::vector<KernelStats>& kernel_stats() const { return m_kernels; }
    const KernelStats& folded_kernels() const { return m_folded; }
    std::uint64_t folded_kernel_count() const { return m_folded_count; }
    // Called after every kernel with its descriptor's kernel_id (vp_run shows
    // progress with it); empty: nothing.
    void set_kernel_done_hook(std::function<void(std::uint16_t kernel_id)> hook) {
        m_kernel_done_hook = std::move(hook);
    }
    // The timeline's observer (vp_run --trace-json); nullptr: none.
    void set_trace_observer(TraceObserver* observer) { m_observer = observer; }
    // One record per kernel_id, in order of first launch.
    const std::vector<KernelRecord>& kernel_records() const { return m_records; }
    const KernelStats& totals() const { return m_totals; }
    const NpuConfig& config() const { return m_cfg; }

  private:
    struct Reg {
        const char* name;
        std::uint32_t offset, reset, access, mask;
    };
    class ShellDma;

    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    void write_reg(std::uint32_t offset, std::uint32_t value);
    std::uint32_t read_reg(std::uint32_t offset) const;
    void reset_state();
    void update_irq();
    void irq_method();
    void command_thread();
    bool run_kernel(const npu_desc_t& desc, std::uint32_t index);
    // The current cycle: sc_time_stamp() in whole cycles, rounded up.
    std::uint64_t cycle_now() const;
    // Waits until the start of cycle `c` (no wait when it has begun).
    void wait_until_cycle(std::uint64_t c);
    void finish(std::uint32_t error);
    void register_stats();

    NpuConfig m_cfg;
    sc_core::sc_time m_cycle;
    Core m_core;
    std::vector<Reg> m_table;
    std::array<std::uint32_t, NPU_REG_COUNT> m_regs{};
    std::array<std::uint8_t, NPU_DESC_SIZE> m_launch{};
    sc_core::sc_event m_start_event;
    sc_core::sc_event m_irq_event;
    bool m_start_pending = false;
    bool m_call_mode = false;

    std::vector<KernelStats> m_kernels;
    KernelStats m_folded;  // runs past kKernelHistoryCap, summed
    std::uint64_t m_folded_count = 0;
    std::vector<KernelRecord> m_records;
    std::function<void(std::uint16_t)> m_kernel_done_hook;
    std::vector<std::int32_t> m_record_of_id;  // kernel_id -> index in m_records, -1: none
    KernelStats m_totals;
    std::uint64_t m_kernel_count = 0, m_error_count = 0, m_desc_fetch_bytes = 0;
    // Idle cycles between the end of one kernel and the start of the next
    // (launch or descriptor fetch overhead, CPU work between kernels).
    std::uint64_t m_idle_cycles = 0;
    bool m_ran_kernel = false;
    std::uint64_t m_last_kernel_end = 0;  // cycle

    sc_core::sc_signal<bool> m_busy_sig{"busy"};
    sc_core::sc_signal<std::uint32_t> m_kernel_sig{"kernel"};
    sc_core::sc_signal<bool> m_dma_rd_sig{"dma_rd_busy"};
    sc_core::sc_signal<bool> m_dma_wr_sig{"dma_wr_busy"};
    sc_core::sc_signal<bool> m_mac_sig{"mac_busy"};
    mutable bool m_tracing = false;
    TraceObserver* m_observer = nullptr;
};

}  // namespace npu
