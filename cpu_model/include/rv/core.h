// rv::Core: an RV32IMC + Zicsr + Zifencei instruction-set simulator of one
// machine-mode-only hart, in plain C++ (no SystemC). The SystemC wrapper
// (rv::Cpu) adds time, the TLM socket and the interrupt lines; tests and the
// benchmark drive the core directly.
//
// What it stands for: a simple in-order RV32 microcontroller core (think of a
// SiFive E2x class part) running bare-metal firmware in M-mode.
// What it simplifies:
//  - no U/S modes, no PMP, no F/D/A; unknown CSRs and instructions trap as
//    illegal instructions (mtval = the instruction bits);
//  - misaligned loads/stores trap (causes 4/6, mtval = address); an
//    instruction-address-misaligned trap (cause 0) cannot happen with C:
//    every jump target is 2-byte aligned (jalr clears bit 0);
//  - instruction fetch is free (an ideal instruction cache): fetches are
//    decoded once per pc and cost no bus time;
//  - ebreak sets mtval to its pc, ecall sets mtval to 0.
//
// Timing model (integer cycles; rv::CpuTiming gives the constants):
//    cycles = sum over retired instructions of
//               alu                      integer ALU, lui/auipc, csr, fence,
//                                        fence.i, not-taken branch, wfi,
//                                        semihosting call
//               load_store + latency     loads/stores; latency = the memory's
//                                        read/write latency in cycles (DMI
//                                        latency or the TLM annotated delay)
//               mul                      mul, mulh, mulhsu, mulhu
//               div                      div, divu, rem, remu
//               branch_taken             taken branches, jal, jalr, mret
//           + branch_taken per trap or interrupt entry (a pipeline redirect)
//           + sleep cycles spent in WFI (added by the wrapper).
// mcycle counts all of these; minstret counts retired instructions (traps
// and interrupts do not retire).
//
// Speed: instructions are decoded once into per-page slot arrays (4 KiB page
// -> 2048 two-byte slots) and executed by a threaded dispatch loop over the
// slots. Stores check a per-page "holds decoded code" byte and invalidate the
// overlapping slots; fence.i invalidates everything. RAM is reached through
// "fast regions" (host pointer, from TLM DMI); everything else goes through
// the MemoryInterface, after which run() returns so the caller can react.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rv/cpu_config.h"

namespace rv {

// Result of a slow memory access.
struct MemResult {
    bool ok = true;             // false: the access faulted (TLM error response)
    std::uint32_t latency = 0;  // cycles added to the instruction
    bool end_block = false;     // true: run() returns StopReason::mmio afterwards
};

// Accesses that miss the fast regions (MMIO, or RAM before DMI is granted).
class MemoryInterface {
  public:
    virtual ~MemoryInterface() = default;
    virtual MemResult load(std::uint32_t addr, void* data, unsigned size) = 0;
    virtual MemResult store(std::uint32_t addr, const void* data, unsigned size) = 0;
    // Instruction fetch (decoded once per pc, no timing); defaults to load().
    virtual MemResult fetch(std::uint32_t addr, void* data, unsigned size) {
        return load(addr, data, size);
    }
};

// A directly accessible range of guest memory (from DMI). Little-endian host.
struct FastRegion {
    std::uint8_t* host = nullptr;
    std::uint32_t base = 0;
    std::uint64_t size = 0;  // bytes (may be 4 GiB at most)
    std::uint32_t read_latency = 0;
    std::uint32_t write_latency = 0;
    bool readable = true;
    bool writable = true;
};

// Debug access to guest memory (semihosting parameter blocks and buffers).
class GuestMemory {
  public:
    virtual ~GuestMemory() = default;
    virtual bool read(std::uint32_t addr, void* data, std::size_t size) = 0;
    virtual bool write(std::uint32_t addr, const void* data, std::size_t size) = 0;
};

// Host side of semihosting (rv::Semihost implements it).
class SemihostHandler {
  public:
    virtual ~SemihostHandler() = default;
    // op = a0, param = a1; the result goes to a0.
    virtual std::uint32_t semihost_call(std::uint32_t op, std::uint32_t param,
                                        GuestMemory& mem) = 0;
};

enum class StopReason {
    budget,  // the cycle budget is used up
    wfi,     // WFI retired with no interrupt pending (pc is past the wfi)
    mmio,    // a slow access asked to end the block (time was synchronised)
    halted,  // trap with no handler, trap loop, or request_stop()
};

enum class HaltKind { none, trap_no_handler, trap_loop, trap_storm, stop_requested };

// A trap storm: this many exceptions in a row with no forward progress,
// either nested (each taken inside the handler, before its mret) or retried
// (mret returns to the faulting instruction, which faults again with the
// same cause). Legitimate code nests at most a few levels and retries a
// fixed-up fault once; the core halts with HaltKind::trap_storm.
constexpr std::uint32_t kTrapStormLimit = 1000;

// Exception causes (mcause, interrupt bit clear).
enum Cause : std::uint32_t {
    kInsnMisaligned = 0,
    kInsnAccessFault = 1,
    kIllegalInsn = 2,
    kBreakpoint = 3,
    kLoadMisaligned = 4,
    kLoadAccessFault = 5,
    kStoreMisaligned = 6,
    kStoreAccessFault = 7,
    kEcallM = 11,
};
constexpr std::uint32_t kInterruptBit = 0x80000000u;
// Interrupt numbers (mip/mie bit positions and mcause codes).
constexpr std::uint32_t kIrqMsi = 3, kIrqMti = 7, kIrqMei = 11;
constexpr std::uint32_t kMipMsip = 1u << kIrqMsi, kMipMtip = 1u << kIrqMti,
                        kMipMeip = 1u << kIrqMei;

// "illegal instruction", "machine timer interrupt", ...
const char* cause_name(std::uint32_t mcause);

struct CoreStats {
    std::uint64_t instructions = 0;   // retired
    std::uint64_t cycles = 0;         // busy + sleep
    std::uint64_t sleep_cycles = 0;   // in WFI (added by the wrapper)
    std::uint64_t traps = 0;          // exceptions taken (not interrupts)
    std::uint64_t interrupts = 0;     // interrupts taken
    std::uint64_t mmio_accesses = 0;  // loads/stores through the MemoryInterface
    std::uint64_t dmi_bytes = 0;      // load/store bytes through fast regions
};

struct TrapRecord {
    std::uint32_t mcause = 0;
    std::uint32_t pc = 0;
    std::uint32_t mtval = 0;
};

// 32-bit equivalent of a 16-bit RV32C instruction, or 0 when it is illegal
// or reserved (c.flw/c.fsw/c.fld/..., nzimm == 0, shamt[5] == 1, ...).
std::uint32_t expand_compressed(std::uint16_t c);

class Core final : public GuestMemory {
  public:
    explicit Core(const CpuTiming& timing = {}, std::uint32_t hart_id = 0);
    ~Core() override;
    Core(const Core&) = delete;
    Core& operator=(const Core&) = delete;

    // --- wiring ---
    void set_memory(MemoryInterface* mem) { m_mem = mem; }
    void add_fast_region(const FastRegion& region);
    // Drops every fast region overlapping [start, end] (DMI invalidation).
    void remove_fast_regions(std::uint32_t start, std::uint32_t end);
    void clear_fast_regions();
    const std::vector<FastRegion>& fast_regions() const { return m_regions; }
    // 64-bit mtime for the time/timeh CSRs; default: mcycle.
    void set_time_source(std::function<std::uint64_t()> source) { m_time = std::move(source); }
    void set_semihost(SemihostHandler* handler) { m_semihost = handler; }
    // Called for every trap taken (exception or interrupt), after mepc,
    // mcause and mtval are set; for logs (never on the hot path: traps only).
    void set_trap_observer(std::function<void(const TrapRecord&)> observer) {
        m_on_trap = std::move(observer);
    }
    // Called after every mret (the handler's end, for timelines).
    void set_mret_observer(std::function<void()> observer) { m_on_mret = std::move(observer); }
    const CpuTiming& timing() const { return m_timing; }
    void set_timing(const CpuTiming& timing);  // zero costs are raised to 1 (no free loops)

    // --- execution ---
    void reset(std::uint32_t pc);  // registers 0, CSRs at reset values, caches dropped
    // Runs until at least cycle_budget cycles are used (or another reason).
    StopReason run(std::uint64_t cycle_budget);
    // Executes (at most) one instruction.
    StopReason step() { return run(1); }
    void request_stop() { m_stop = true; }  // run() returns halted at the next boundary
    bool halted() const { return m_halt != HaltKind::none; }
    HaltKind halt_kind() const { return m_halt; }
    const TrapRecord& last_trap() const { return m_last_trap; }
    std::string halt_message() const;  // one line for a trap halt

    // --- interrupts (level lines from outside) ---
    void set_irq_lines(bool meip, bool mtip, bool msip);
    void set_irq(std::uint32_t mip_bit, bool level);
    // mip & mie != 0: the WFI wake-up condition (ignores mstatus.MIE).
    bool wakeup_pending() const { return (m_mip & m_mie) != 0; }
    void add_sleep_cycles(std::uint64_t n) {
        m_stats.sleep_cycles += n;
        m_stats.cycles += n;
    }

    // --- decode cache ---
    void invalidate_decode();  // all (fence.i; after loading memory behind the core's back)
    void invalidate_decode(std::uint32_t addr, std::uint32_t size);

    // --- state ---
    std::uint32_t pc() const { return m_pc; }
    void set_pc(std::uint32_t pc) { m_pc = pc; }
    std::uint32_t reg(unsigned i) const { return i < 32 ? m_x[i] : 0; }
    void set_reg(unsigned i, std::uint32_t v) {
        if (i > 0 && i < 32) m_x[i] = v;
    }
    // CSR access as the guest sees it; false for an unknown CSR.
    bool read_csr(std::uint32_t num, std::uint32_t& value) const;
    std::uint32_t mip() const { return m_mip; }
    const CoreStats& stats() const { return m_stats; }
    CoreStats& stats() { return m_stats; }

    // GuestMemory (fast regions, else the MemoryInterface; no timing).
    bool read(std::uint32_t addr, void* data, std::size_t size) override;
    bool write(std::uint32_t addr, const void* data, std::size_t size) override;
    // True while read()/write() call the MemoryInterface (not an instruction).
    bool debug_access() const { return m_debug_access; }

    // A decoded instruction slot (public for the decoder in core.cpp).
    struct Insn {
        std::uint8_t op;  // handler: operation << 1 | 1 for a 4-byte instruction
        std::uint8_t rd;  // 32 = discard (x0)
        std::uint8_t rs1;
        std::uint8_t rs2;
        std::uint32_t imm;  // immediate, absolute target, or the raw bits
        std::uint32_t pc;
        std::uint8_t step;  // slots to the next instruction: 1 or 2
        std::uint8_t aux;   // funct3 for CSR ops
        union {
            std::uint16_t csr;  // CSR ops: the CSR number
            std::int16_t near;  // branches, jal: slots to an in-page target (0: far)
        };
    };
    static constexpr unsigned kPageBits = 12;
    static constexpr std::uint32_t kPageSize = 1u << kPageBits;
    static constexpr unsigned kSlots = kPageSize / 2;
    struct Page {
        std::uint32_t base = 0;
        Insn slots[kSlots + 2];  // two sentinels past the end
    };

  private:
    enum class Action { next, jump, stop };

    Page* page_for(std::uint32_t pc);
    void reset_page(Page& page);
    bool decode_slot(Insn& slot);  // false: the fetch faulted (trap raised)
    void decode32(Insn& slot, std::uint32_t bits, std::uint32_t raw, unsigned len);
    bool fetch(std::uint32_t addr, void* data, unsigned size);

    // Slow paths (operate on member state: m_pc, m_x, m_stats).
    bool raise(std::uint32_t cause, std::uint32_t tval);  // false: halted
    bool check_interrupts();                              // true: one was taken
    Action exec_csr(const Insn& in);
    Action exec_system(const Insn& in);
    Action slow_load(const Insn& in, std::uint32_t addr, unsigned size, bool sign);
    Action slow_store(const Insn& in, std::uint32_t addr, unsigned size, std::uint32_t value);
    bool write_csr(std::uint32_t num, std::uint32_t value, std::uint64_t cycle_before,
                   std::uint64_t instret_before);
    void invalidate_code(std::uint32_t addr, std::uint32_t size);
    bool try_semihost(const Insn& in);

    std::uint32_t m_x[33] = {};  // x[32] is the sink for writes to x0
    std::uint32_t m_pc = 0;
    CpuTiming m_timing;
    std::uint32_t m_hart_id;

    // CSRs
    std::uint32_t m_mstatus = 0;  // MIE, MPIE (MPP reads as M)
    std::uint32_t m_mie = 0;
    std::uint32_t m_mip = 0;
    std::uint32_t m_mtvec = 0;
    std::uint32_t m_mepc = 0;
    std::uint32_t m_mcause = 0;
    std::uint32_t m_mtval = 0;
    std::uint32_t m_mscratch = 0;
    std::uint64_t m_cycle_offset = 0;    // mcycle = stats.cycles + offset
    std::uint64_t m_instret_offset = 0;  // minstret = stats.instructions + offset

    CoreStats m_stats;
    HaltKind m_halt = HaltKind::none;
    TrapRecord m_last_trap;
    std::uint64_t m_instret_at_trap = ~0ull;
    std::function<void(const TrapRecord&)> m_on_trap;
    std::function<void()> m_on_mret;
    std::uint32_t m_nested_exceptions = 0;  // exceptions since the last mret
    std::uint32_t m_retried_faults = 0;     // same fault again after mret to it
    bool m_mret_to_fault = false;           // the last mret returned to m_last_trap.pc
    bool m_stop = false;
    bool m_end_block = false;  // set by slow accesses that asked to end the block
    bool m_debug_access = false;

    MemoryInterface* m_mem = nullptr;
    SemihostHandler* m_semihost = nullptr;
    std::function<std::uint64_t()> m_time;
    // A fast region as run() uses it: the access's cost already packed as
    // run()'s counter increment (cycles << 32 | one instruction).
    struct Window {
        std::uint8_t* host;
        std::uint32_t base;
        std::uint64_t size;
        std::uint64_t cost;  // (load_store + latency) << 32 | 1
    };
    void rebuild_windows();
    std::vector<FastRegion> m_regions;    // all, most recently added first
    std::vector<Window> m_read_regions;   // readable
    std::vector<Window> m_write_regions;  // writable

    // Decode cache: page table over the 4 GiB space (1M entries, zero pages
    // untouched until used), pages owned by m_page_pool.
    struct FreeDeleter {
        void operator()(void* p) const;
    };
    std::unique_ptr<Page*[], FreeDeleter> m_page_table;
    std::unique_ptr<std::uint8_t[], FreeDeleter> m_code_pages;  // 1: slots decoded here
    std::vector<std::unique_ptr<Page>> m_page_pool;
};

}  // namespace rv
