// rv::Core: decoder, decode cache, the threaded dispatch loop and the slow
// paths (CSRs, traps, MMIO). See core.h for the model and its timing.
#include "rv/core.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

namespace rv {

static_assert(sizeof(Core::Insn) == 16, "decoded slot should stay 16 bytes");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "fast regions assume a little-endian host");

// Compact opcodes of decoded slots. The order is the label table's order.
// clang-format off
#define RV_OPS(X)                                                                         \
    X(DECODE) X(PAGE_END) X(ILLEGAL) X(LI) X(JAL) X(JALR)                                 \
    X(BEQ) X(BNE) X(BLT) X(BGE) X(BLTU) X(BGEU)                                           \
    X(LB) X(LH) X(LW) X(LBU) X(LHU) X(SB) X(SH) X(SW)                                     \
    X(ADDI) X(SLTI) X(SLTIU) X(XORI) X(ORI) X(ANDI) X(SLLI) X(SRLI) X(SRAI)               \
    X(ADD) X(SUB) X(SLL) X(SLT) X(SLTU) X(XOR) X(SRL) X(SRA) X(OR) X(AND)                 \
    X(MUL) X(MULH) X(MULHSU) X(MULHU) X(DIV) X(DIVU) X(REM) X(REMU)                       \
    X(FENCE) X(FENCE_I) X(ECALL) X(EBREAK) X(MRET) X(WFI) X(CSR)
// clang-format on

enum Op : std::uint8_t {
#define RV_OP_ENUM(name) OP_##name,
    RV_OPS(RV_OP_ENUM)
#undef RV_OP_ENUM
        OP_COUNT
};

namespace {

// A slot's handler index (Insn::op): the operation, twice, once per length,
// so the dispatch loop's handlers step to the next slot by a constant.
constexpr std::uint8_t handler(Op op, unsigned step) {
    return static_cast<std::uint8_t>(op << 1 | (step == 2 ? 1 : 0));
}
constexpr Op op_of(const Core::Insn& in) {
    return static_cast<Op>(in.op >> 1);
}

}  // namespace

namespace {

constexpr std::uint32_t kMstatusMie = 1u << 3;
constexpr std::uint32_t kMstatusMpie = 1u << 7;
constexpr std::uint32_t kMstatusMpp = 3u << 11;
constexpr std::uint32_t kMisa = (1u << 30) | (1u << 8) | (1u << 12) | (1u << 2);  // RV32 I M C
constexpr std::uint32_t kMieMask = kMipMeip | kMipMtip | kMipMsip;
constexpr std::uint32_t kSlliMarker = 0x01f01013u;  // slli x0, x0, 0x1f
constexpr std::uint32_t kSraiMarker = 0x40705013u;  // srai x0, x0, 7

// run() counts cycles and retired instructions in one 64-bit register:
// cycles since the last sync in the high half, instructions in the low half,
// so one add per instruction advances both. Each instruction costs at least
// one cycle, so within a chunk of at most kChunkCycles cycles the low half
// stays below 2^31 and never carries; an instruction's cost (with the
// memory latency) is at most kMaxCost, so the high half never overflows.
constexpr unsigned kCountShift = 32;
constexpr std::uint64_t kChunkCycles = std::uint64_t{1} << 30;
constexpr std::uint64_t kMaxCost = std::uint64_t{1} << 24;
constexpr std::uint64_t count_word(std::uint64_t cycles) {
    return (cycles << kCountShift) | 1u;
}

std::int32_t sext(std::uint32_t v, unsigned width) {
    const std::uint32_t m = 1u << (width - 1);
    return static_cast<std::int32_t>((v ^ m) - m);
}

}  // namespace

const char* cause_name(std::uint32_t mcause) {
    if (mcause & kInterruptBit) {
        switch (mcause & ~kInterruptBit) {
            case kIrqMsi:
                return "machine software interrupt";
            case kIrqMti:
                return "machine timer interrupt";
            case kIrqMei:
                return "machine external interrupt";
            default:
                return "interrupt";
        }
    }
    switch (mcause) {
        case kInsnMisaligned:
            return "instruction address misaligned";
        case kInsnAccessFault:
            return "instruction access fault";
        case kIllegalInsn:
            return "illegal instruction";
        case kBreakpoint:
            return "breakpoint";
        case kLoadMisaligned:
            return "load address misaligned";
        case kLoadAccessFault:
            return "load access fault";
        case kStoreMisaligned:
            return "store address misaligned";
        case kStoreAccessFault:
            return "store access fault";
        case kEcallM:
            return "environment call from M-mode";
        default:
            return "exception";
    }
}

void Core::FreeDeleter::operator()(void* p) const {
    std::free(p);
}

Core::Core(const CpuTiming& timing, std::uint32_t hart_id) : m_hart_id(hart_id) {
    set_timing(timing);
    constexpr std::size_t kPages = std::size_t{1} << (32 - kPageBits);
    // calloc: the OS hands out zero pages lazily, so untouched entries cost nothing.
    m_page_table.reset(static_cast<Page**>(std::calloc(kPages, sizeof(Page*))));
    m_code_pages.reset(static_cast<std::uint8_t*>(std::calloc(kPages, 1)));
    if (!m_page_table || !m_code_pages) throw std::bad_alloc();
    reset(0);
}

Core::~Core() = default;

void Core::set_timing(const CpuTiming& timing) {
    // A zero cost would let a loop run forever inside one cycle budget.
    auto at_least_1 = [](unsigned v) { return v == 0 ? 1u : v; };
    m_timing.alu = at_least_1(timing.alu);
    m_timing.load_store = at_least_1(timing.load_store);
    m_timing.mul = at_least_1(timing.mul);
    m_timing.div = at_least_1(timing.div);
    m_timing.branch_taken = at_least_1(timing.branch_taken);
    const std::pair<const char*, unsigned> costs[] = {{"alu", m_timing.alu},
                                                      {"load_store", m_timing.load_store},
                                                      {"mul", m_timing.mul},
                                                      {"div", m_timing.div},
                                                      {"branch_taken", m_timing.branch_taken}};
    for (const auto& [name, cycles] : costs)
        if (cycles > kMaxCost / 2)
            throw std::invalid_argument("CPU timing: " + std::string(name) + " = " +
                                        std::to_string(cycles) + " cycles is too large (at most " +
                                        std::to_string(kMaxCost / 2) + ")");
    rebuild_windows();
}

void Core::reset(std::uint32_t pc) {
    std::memset(m_x, 0, sizeof m_x);
    m_pc = pc;
    m_mstatus = kMstatusMpp;
    // mip is not reset: MEIP/MTIP/MSIP follow the interrupt lines outside.
    m_mie = m_mtvec = m_mepc = m_mcause = m_mtval = m_mscratch = 0;
    m_cycle_offset = m_instret_offset = 0;
    m_stats = CoreStats{};
    m_halt = HaltKind::none;
    m_last_trap = TrapRecord{};
    m_instret_at_trap = ~0ull;
    m_nested_exceptions = m_retried_faults = 0;
    m_mret_to_fault = false;
    m_stop = false;
    invalidate_decode();
}

// --------------------------------------------------------------------------
// Fast regions

void Core::add_fast_region(const FastRegion& region) {
    if (region.host == nullptr || region.size < 4) return;
    for (const std::uint32_t latency : {region.read_latency, region.write_latency})
        if (latency > kMaxCost / 2) {
            char base[16];
            std::snprintf(base, sizeof base, "0x%08" PRIx32, region.base);
            throw std::invalid_argument("fast region at " + std::string(base) + ": latency " +
                                        std::to_string(latency) + " cycles is too large (at most " +
                                        std::to_string(kMaxCost / 2) + ")");
        }
    m_regions.insert(m_regions.begin(), region);
    rebuild_windows();
}

void Core::rebuild_windows() {
    m_read_regions.clear();
    m_write_regions.clear();
    for (const FastRegion& r : m_regions) {
        if (r.readable)
            m_read_regions.push_back(
                {r.host, r.base, r.size,
                 count_word(std::uint64_t{m_timing.load_store} + r.read_latency)});
        if (r.writable)
            m_write_regions.push_back(
                {r.host, r.base, r.size,
                 count_word(std::uint64_t{m_timing.load_store} + r.write_latency)});
    }
}

void Core::remove_fast_regions(std::uint32_t start, std::uint32_t end) {
    std::vector<FastRegion> keep;
    for (const FastRegion& r : m_regions) {
        const std::uint64_t last = r.base + r.size - 1;
        if (r.base <= end && last >= start) continue;
        keep.push_back(r);
    }
    clear_fast_regions();
    for (auto it = keep.rbegin(); it != keep.rend(); ++it)
        add_fast_region(*it);
}

void Core::clear_fast_regions() {
    m_regions.clear();
    m_read_regions.clear();
    m_write_regions.clear();
}

// --------------------------------------------------------------------------
// Guest memory (debug access)

bool Core::read(std::uint32_t addr, void* data, std::size_t size) {
    auto* out = static_cast<std::uint8_t*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        const std::uint32_t a = addr + static_cast<std::uint32_t>(i);
        bool done = false;
        for (const Window& r : m_read_regions) {
            if (static_cast<std::uint64_t>(a - r.base) < r.size) {
                out[i] = r.host[a - r.base];
                done = true;
                break;
            }
        }
        if (done) continue;
        m_debug_access = true;
        const bool ok = m_mem && m_mem->load(a, &out[i], 1).ok;
        m_debug_access = false;
        if (!ok) return false;
    }
    return true;
}

bool Core::write(std::uint32_t addr, const void* data, std::size_t size) {
    const auto* in = static_cast<const std::uint8_t*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        const std::uint32_t a = addr + static_cast<std::uint32_t>(i);
        bool done = false;
        for (const Window& r : m_write_regions) {
            if (static_cast<std::uint64_t>(a - r.base) < r.size) {
                r.host[a - r.base] = in[i];
                done = true;
                break;
            }
        }
        if (!done) {
            m_debug_access = true;
            const bool ok = m_mem && m_mem->store(a, &in[i], 1).ok;
            m_debug_access = false;
            if (!ok) return false;
        }
        if (m_code_pages[a >> kPageBits]) invalidate_code(a, 1);
    }
    return true;
}

// --------------------------------------------------------------------------
// Decode cache

void Core::reset_page(Page& page) {
    for (unsigned i = 0; i < kSlots + 2; ++i) {
        Insn& s = page.slots[i];
        s = Insn{};
        s.op = handler(i < kSlots ? OP_DECODE : OP_PAGE_END, 1);
        s.pc = page.base + 2 * i;
        s.step = 1;
    }
}

Core::Page* Core::page_for(std::uint32_t pc) {
    Page*& entry = m_page_table[pc >> kPageBits];
    if (entry == nullptr) {
        m_page_pool.push_back(std::make_unique<Page>());
        Page* p = m_page_pool.back().get();
        p->base = pc & ~(kPageSize - 1);
        reset_page(*p);
        entry = p;
    }
    return entry;
}

void Core::invalidate_decode() {
    // Slots are reset in place (never freed): the run loop may hold a pointer.
    for (auto& page : m_page_pool) {
        std::uint8_t& code = m_code_pages[page->base >> kPageBits];
        if (!code) continue;
        for (unsigned i = 0; i < kSlots; ++i)
            page->slots[i].op = handler(OP_DECODE, 1);
        code = 0;
    }
}

void Core::invalidate_decode(std::uint32_t addr, std::uint32_t size) {
    invalidate_code(addr, size);
}

void Core::invalidate_code(std::uint32_t addr, std::uint32_t size) {
    // A 32-bit instruction may start 2 bytes before the written range.
    std::uint32_t a = (addr & ~1u) - 2;
    const std::uint32_t count = (size + 3) / 2 + 1;
    for (std::uint32_t i = 0; i < count; ++i, a += 2) {
        Page* p = m_page_table[a >> kPageBits];
        if (p) p->slots[(a & (kPageSize - 1)) >> 1].op = handler(OP_DECODE, 1);  // keeps step
    }
}

bool Core::fetch(std::uint32_t addr, void* data, unsigned size) {
    for (const Window& r : m_read_regions) {
        if (static_cast<std::uint64_t>(addr - r.base) + size <= r.size) {
            std::memcpy(data, r.host + (addr - r.base), size);
            return true;
        }
    }
    return m_mem != nullptr && m_mem->fetch(addr, data, size).ok;
}

bool Core::decode_slot(Insn& slot) {
    const std::uint32_t pc = slot.pc;
    std::uint16_t lo = 0;
    if (!fetch(pc, &lo, 2)) return raise(kInsnAccessFault, pc), false;
    if ((lo & 3u) == 3u) {
        std::uint16_t hi = 0;
        if (!fetch(pc + 2, &hi, 2)) return raise(kInsnAccessFault, pc), false;
        const std::uint32_t bits = lo | (static_cast<std::uint32_t>(hi) << 16);
        decode32(slot, bits, bits, 4);
        m_code_pages[(pc + 2) >> kPageBits] = 1;
    } else {
        const std::uint32_t expanded = expand_compressed(lo);
        if (expanded == 0) {
            slot.op = handler(OP_ILLEGAL, 1);
            slot.imm = lo;
            slot.step = 1;
        } else {
            decode32(slot, expanded, lo, 2);
        }
    }
    m_code_pages[pc >> kPageBits] = 1;
    return true;
}

void Core::decode32(Insn& s, std::uint32_t b, std::uint32_t raw, unsigned len) {
    const std::uint32_t opcode = b & 0x7f;
    const std::uint32_t rd = (b >> 7) & 31;
    const std::uint32_t f3 = (b >> 12) & 7;
    const std::uint32_t rs1 = (b >> 15) & 31;
    const std::uint32_t rs2 = (b >> 20) & 31;
    const std::uint32_t f7 = b >> 25;
    const std::uint32_t imm_i = static_cast<std::uint32_t>(static_cast<std::int32_t>(b) >> 20);
    const std::uint32_t imm_s =
        static_cast<std::uint32_t>((static_cast<std::int32_t>(b & 0xfe000000u) >> 20)) |
        ((b >> 7) & 0x1f);
    const std::uint32_t imm_b =
        static_cast<std::uint32_t>(sext((((b >> 31) & 1) << 12) | (((b >> 7) & 1) << 11) |
                                            (((b >> 25) & 0x3f) << 5) | (((b >> 8) & 0xf) << 1),
                                        13));
    const std::uint32_t imm_j =
        static_cast<std::uint32_t>(sext((((b >> 31) & 1) << 20) | (((b >> 12) & 0xff) << 12) |
                                            (((b >> 20) & 1) << 11) | (((b >> 21) & 0x3ff) << 1),
                                        21));

    std::uint8_t op = OP_ILLEGAL;
    std::uint32_t imm = 0;
    s.aux = 0;
    s.csr = 0;
    switch (opcode) {
        case 0x37:
            op = OP_LI, imm = b & 0xfffff000u;
            break;  // lui
        case 0x17:
            op = OP_LI, imm = s.pc + (b & 0xfffff000u);
            break;  // auipc
        case 0x6f:
            op = OP_JAL, imm = s.pc + imm_j;
            break;
        case 0x67:
            if (f3 == 0) op = OP_JALR, imm = imm_i;
            break;
        case 0x63: {
            static const std::uint8_t ops[8] = {OP_BEQ, OP_BNE, OP_ILLEGAL, OP_ILLEGAL,
                                                OP_BLT, OP_BGE, OP_BLTU,    OP_BGEU};
            op = ops[f3];
            imm = s.pc + imm_b;
            break;
        }
        case 0x03: {
            static const std::uint8_t ops[8] = {OP_LB,  OP_LH,  OP_LW,      OP_ILLEGAL,
                                                OP_LBU, OP_LHU, OP_ILLEGAL, OP_ILLEGAL};
            op = ops[f3];
            imm = imm_i;
            break;
        }
        case 0x23: {
            static const std::uint8_t ops[8] = {OP_SB,      OP_SH,      OP_SW,      OP_ILLEGAL,
                                                OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL};
            op = ops[f3];
            imm = imm_s;
            break;
        }
        case 0x13:
            imm = imm_i;
            switch (f3) {
                case 0:
                    op = OP_ADDI;
                    break;
                case 2:
                    op = OP_SLTI;
                    break;
                case 3:
                    op = OP_SLTIU;
                    break;
                case 4:
                    op = OP_XORI;
                    break;
                case 6:
                    op = OP_ORI;
                    break;
                case 7:
                    op = OP_ANDI;
                    break;
                case 1:
                    if (f7 == 0) op = OP_SLLI, imm = rs2;
                    break;
                case 5:
                    if (f7 == 0)
                        op = OP_SRLI, imm = rs2;
                    else if (f7 == 0x20)
                        op = OP_SRAI, imm = rs2;
                    break;
            }
            break;
        case 0x33:
            if (f7 == 0) {
                static const std::uint8_t ops[8] = {OP_ADD, OP_SLL, OP_SLT, OP_SLTU,
                                                    OP_XOR, OP_SRL, OP_OR,  OP_AND};
                op = ops[f3];
            } else if (f7 == 1) {
                static const std::uint8_t ops[8] = {OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU,
                                                    OP_DIV, OP_DIVU, OP_REM,    OP_REMU};
                op = ops[f3];
            } else if (f7 == 0x20) {
                if (f3 == 0)
                    op = OP_SUB;
                else if (f3 == 5)
                    op = OP_SRA;
            }
            break;
        case 0x0f:
            if (f3 == 0)
                op = OP_FENCE;
            else if (f3 == 1)
                op = OP_FENCE_I;
            break;
        case 0x73:
            if (f3 == 0) {
                if (b == 0x00000073u)
                    op = OP_ECALL;
                else if (b == 0x00100073u)
                    op = OP_EBREAK;
                else if (b == 0x30200073u)
                    op = OP_MRET;
                else if (b == 0x10500073u)
                    op = OP_WFI;
            } else if (f3 != 4) {
                op = OP_CSR;
                imm = raw;  // mtval if the access turns out illegal
                s.aux = static_cast<std::uint8_t>(f3);
                s.csr = static_cast<std::uint16_t>(b >> 20);
            }
            break;
        default:
            break;
    }
    s.rd = static_cast<std::uint8_t>(rd == 0 ? 32 : rd);
    s.rs1 = static_cast<std::uint8_t>(rs1);
    s.rs2 = static_cast<std::uint8_t>(rs2);
    s.step = static_cast<std::uint8_t>(len / 2);
    if (op == OP_ILLEGAL) imm = raw;
    // Branches and jal to a target on the same page step there by a slot
    // offset (no page lookup); near == 0 means far (or to itself).
    if ((op == OP_JAL || (op >= OP_BEQ && op <= OP_BGEU)) && ((imm ^ s.pc) & ~(kPageSize - 1)) == 0)
        s.near = static_cast<std::int16_t>(static_cast<std::int32_t>(imm - s.pc) / 2);
    s.imm = imm;  // for CSR ops too: set above
    s.op = handler(static_cast<Op>(op), s.step);
}

// --------------------------------------------------------------------------
// Traps and interrupts

bool Core::raise(std::uint32_t cause, std::uint32_t tval) {
    const bool again = m_mret_to_fault && m_last_trap.mcause == cause && m_last_trap.pc == m_pc;
    m_retried_faults = again ? m_retried_faults + 1 : 0;
    m_mret_to_fault = false;
    ++m_nested_exceptions;
    m_last_trap = TrapRecord{cause, m_pc, tval};
    ++m_stats.traps;
    if ((m_mtvec & ~3u) == 0) {
        m_halt = HaltKind::trap_no_handler;
        return false;
    }
    if (m_instret_at_trap == m_stats.instructions) {  // nothing retired since the last trap
        m_halt = HaltKind::trap_loop;
        return false;
    }
    if (m_nested_exceptions >= kTrapStormLimit || m_retried_faults >= kTrapStormLimit) {
        m_halt = HaltKind::trap_storm;
        return false;
    }
    m_instret_at_trap = m_stats.instructions;
    m_mepc = m_pc;
    m_mcause = cause;
    m_mtval = tval;
    m_mstatus = (m_mstatus & ~(kMstatusMie | kMstatusMpie)) |
                ((m_mstatus & kMstatusMie) ? kMstatusMpie : 0) | kMstatusMpp;
    m_pc = m_mtvec & ~3u;  // exceptions always go to the base
    m_stats.cycles += m_timing.branch_taken;
    if (m_on_trap) m_on_trap(m_last_trap);
    return true;
}

bool Core::check_interrupts() {
    const std::uint32_t pending = m_mip & m_mie;
    if (pending == 0 || !(m_mstatus & kMstatusMie)) return false;
    const std::uint32_t irq = (pending & kMipMeip)   ? kIrqMei
                              : (pending & kMipMsip) ? kIrqMsi
                                                     : kIrqMti;
    m_last_trap = TrapRecord{kInterruptBit | irq, m_pc, 0};
    ++m_stats.interrupts;
    if ((m_mtvec & ~3u) == 0) {
        m_halt = HaltKind::trap_no_handler;
        return true;
    }
    m_instret_at_trap = m_stats.instructions;
    m_mepc = m_pc;
    m_mcause = kInterruptBit | irq;
    m_mtval = 0;
    m_mstatus = (m_mstatus & ~(kMstatusMie | kMstatusMpie)) | kMstatusMpie | kMstatusMpp;
    m_pc = (m_mtvec & ~3u) + ((m_mtvec & 1u) ? 4 * irq : 0);
    m_stats.cycles += m_timing.branch_taken;
    if (m_on_trap) m_on_trap(m_last_trap);
    return true;
}

void Core::set_irq_lines(bool meip, bool mtip, bool msip) {
    m_mip = (meip ? kMipMeip : 0) | (mtip ? kMipMtip : 0) | (msip ? kMipMsip : 0);
}

void Core::set_irq(std::uint32_t mip_bit, bool level) {
    if (level)
        m_mip |= mip_bit & kMieMask;
    else
        m_mip &= ~mip_bit;
}

std::string Core::halt_message() const {
    const TrapRecord& t = m_last_trap;
    char cause[32];
    if (t.mcause & kInterruptBit)
        std::snprintf(cause, sizeof cause, "0x%08" PRIx32, t.mcause);
    else
        std::snprintf(cause, sizeof cause, "%" PRIu32, t.mcause);
    char buf[256];
    switch (m_halt) {
        case HaltKind::trap_no_handler:
            std::snprintf(buf, sizeof buf,
                          "firmware trap: %s at pc=0x%08" PRIx32 " (mcause=%s, mtval=0x%08" PRIx32
                          ") with no handler",
                          cause_name(t.mcause), t.pc, cause, t.mtval);
            return buf;
        case HaltKind::trap_loop:
            std::snprintf(buf, sizeof buf,
                          "firmware trap loop: %s at pc=0x%08" PRIx32
                          " (mcause=%s, mtval=0x%08" PRIx32
                          ") inside the trap handler (mtvec=0x%08" PRIx32 ")",
                          cause_name(t.mcause), t.pc, cause, t.mtval, m_mtvec);
            return buf;
        case HaltKind::trap_storm:
            std::snprintf(buf, sizeof buf,
                          "firmware trap storm: %" PRIu32
                          " exceptions in a row without progress (%s), last: %s at pc=0x%08" PRIx32
                          " (mcause=%s, mtval=0x%08" PRIx32 ", mtvec=0x%08" PRIx32 ")",
                          kTrapStormLimit,
                          m_retried_faults >= kTrapStormLimit ? "mret back to the same fault"
                                                              : "each inside the handler",
                          cause_name(t.mcause), t.pc, cause, t.mtval, m_mtvec);
            return buf;
        case HaltKind::stop_requested:
            return "stopped";
        case HaltKind::none:
            break;
    }
    return {};
}

// --------------------------------------------------------------------------
// CSRs

bool Core::read_csr(std::uint32_t num, std::uint32_t& v) const {
    const std::uint64_t cycle = m_stats.cycles + m_cycle_offset;
    const std::uint64_t instret = m_stats.instructions + m_instret_offset;
    switch (num) {
        case 0x300:
            v = m_mstatus | kMstatusMpp;
            return true;
        case 0x301:
            v = kMisa;
            return true;
        case 0x304:
            v = m_mie;
            return true;
        case 0x305:
            v = m_mtvec;
            return true;
        case 0x340:
            v = m_mscratch;
            return true;
        case 0x341:
            v = m_mepc;
            return true;
        case 0x342:
            v = m_mcause;
            return true;
        case 0x343:
            v = m_mtval;
            return true;
        case 0x344:
            v = m_mip;
            return true;
        case 0xB00:
        case 0xC00:
            v = static_cast<std::uint32_t>(cycle);
            return true;
        case 0xB80:
        case 0xC80:
            v = static_cast<std::uint32_t>(cycle >> 32);
            return true;
        case 0xB02:
        case 0xC02:
            v = static_cast<std::uint32_t>(instret);
            return true;
        case 0xB82:
        case 0xC82:
            v = static_cast<std::uint32_t>(instret >> 32);
            return true;
        case 0xC01:
        case 0xC81: {
            const std::uint64_t t = m_time ? m_time() : cycle;
            v = static_cast<std::uint32_t>(num == 0xC01 ? t : t >> 32);
            return true;
        }
        case 0xF11:  // mvendorid
        case 0xF12:  // marchid
        case 0xF13:
            v = 0;
            return true;  // mimpid
        case 0xF14:
            v = m_hart_id;
            return true;
        default:
            return false;
    }
}

bool Core::write_csr(std::uint32_t num, std::uint32_t v, std::uint64_t cycle_before,
                     std::uint64_t instret_before) {
    // Counter writes: the value written (with the other half as it was before
    // the writing instruction) is what the next instruction reads; the
    // writing instruction's own increment is suppressed.
    const std::uint64_t cyc = cycle_before + m_cycle_offset;
    const std::uint64_t ins = instret_before + m_instret_offset;
    switch (num) {
        case 0x300:
            m_mstatus = (v & (kMstatusMie | kMstatusMpie)) | kMstatusMpp;
            return true;
        case 0x301:
            return true;  // misa: WARL, fixed
        case 0x304:
            m_mie = v & kMieMask;
            return true;
        case 0x305:
            m_mtvec = v & ~2u;
            return true;  // modes 0 (direct) and 1 (vectored)
        case 0x340:
            m_mscratch = v;
            return true;
        case 0x341:
            m_mepc = v & ~1u;
            return true;
        case 0x342:
            m_mcause = v;
            return true;
        case 0x343:
            m_mtval = v;
            return true;
        case 0x344:
            return true;  // MEIP/MTIP/MSIP are driven from outside: read-only
        case 0xB00:
            m_cycle_offset = ((cyc & ~0xffffffffull) | v) - m_stats.cycles;
            return true;
        case 0xB80:
            m_cycle_offset = ((cyc & 0xffffffffull) | (std::uint64_t{v} << 32)) - m_stats.cycles;
            return true;
        case 0xB02:
            m_instret_offset = ((ins & ~0xffffffffull) | v) - m_stats.instructions;
            return true;
        case 0xB82:
            m_instret_offset =
                ((ins & 0xffffffffull) | (std::uint64_t{v} << 32)) - m_stats.instructions;
            return true;
        default:
            return false;
    }
}

Core::Action Core::exec_csr(const Insn& in) {
    const std::uint32_t num = in.csr;
    const unsigned f3 = in.aux;
    const std::uint32_t src = (f3 & 4) ? in.rs1 : m_x[in.rs1];  // csrr*i: uimm in rs1
    const bool writes = (f3 & 3) == 1 || in.rs1 != 0;           // csrrw always writes
    std::uint32_t old = 0;
    if (!read_csr(num, old) || (writes && (num >> 10) == 3)) {  // unknown, or read-only
        if (!raise(kIllegalInsn, in.imm)) return Action::stop;
        return Action::jump;
    }
    // Retire first: a CSR write takes effect after the instruction completes.
    const std::uint64_t cycle_before = m_stats.cycles, instret_before = m_stats.instructions;
    m_stats.cycles += m_timing.alu;
    ++m_stats.instructions;
    m_pc = in.pc + 2u * in.step;
    if (writes) {
        std::uint32_t v = src;
        if ((f3 & 3) == 2)
            v = old | src;
        else if ((f3 & 3) == 3)
            v = old & ~src;
        write_csr(num, v, cycle_before, instret_before);
    }
    m_x[in.rd] = old;
    if (check_interrupts() && m_halt != HaltKind::none) return Action::stop;
    return Action::jump;
}

bool Core::try_semihost(const Insn& in) {
    if (m_semihost == nullptr || in.step != 2) return false;
    std::uint32_t before = 0, after = 0;
    if (!read(in.pc - 4, &before, 4) || !read(in.pc + 4, &after, 4)) return false;
    if (before != kSlliMarker || after != kSraiMarker) return false;
    m_x[10] = m_semihost->semihost_call(m_x[10], m_x[11], *this);
    m_stats.cycles += m_timing.alu;
    ++m_stats.instructions;
    m_pc = in.pc + 4;
    return true;
}

Core::Action Core::exec_system(const Insn& in) {
    switch (op_of(in)) {
        case OP_ECALL:
            if (!raise(kEcallM, 0)) return Action::stop;
            return Action::jump;
        case OP_EBREAK:
            if (try_semihost(in)) return m_stop ? Action::stop : Action::jump;
            if (!raise(kBreakpoint, in.pc)) return Action::stop;
            return Action::jump;
        case OP_MRET:
            m_mstatus = ((m_mstatus & kMstatusMpie) ? kMstatusMie : 0) | kMstatusMpie | kMstatusMpp;
            m_stats.cycles += m_timing.branch_taken;
            ++m_stats.instructions;
            m_pc = m_mepc;
            m_nested_exceptions = 0;
            m_mret_to_fault = (m_last_trap.mcause & kInterruptBit) == 0 && m_pc == m_last_trap.pc;
            if (m_on_mret) m_on_mret();
            if (check_interrupts() && m_halt != HaltKind::none) return Action::stop;
            return Action::jump;
        default:
            return Action::jump;
    }
}

// --------------------------------------------------------------------------
// Slow loads and stores (MemoryInterface)

Core::Action Core::slow_load(const Insn& in, std::uint32_t addr, unsigned size, bool sign) {
    std::uint32_t v = 0;
    MemResult r;
    if (m_mem)
        r = m_mem->load(addr, &v, size);
    else
        r.ok = false;
    ++m_stats.mmio_accesses;
    if (!r.ok) return raise(kLoadAccessFault, addr) ? Action::jump : Action::stop;
    if (sign) v = static_cast<std::uint32_t>(sext(v, 8 * size));
    m_x[in.rd] = v;
    m_stats.cycles += m_timing.load_store + r.latency;
    ++m_stats.instructions;
    m_pc = in.pc + 2u * in.step;
    if (r.end_block) m_end_block = true;
    return (r.end_block || m_stop) ? Action::stop : Action::jump;
}

Core::Action Core::slow_store(const Insn& in, std::uint32_t addr, unsigned size,
                              std::uint32_t value) {
    MemResult r;
    if (m_mem)
        r = m_mem->store(addr, &value, size);
    else
        r.ok = false;
    ++m_stats.mmio_accesses;
    if (!r.ok) return raise(kStoreAccessFault, addr) ? Action::jump : Action::stop;
    if (m_code_pages[addr >> kPageBits]) invalidate_code(addr, size);
    m_stats.cycles += m_timing.load_store + r.latency;
    ++m_stats.instructions;
    m_pc = in.pc + 2u * in.step;
    if (r.end_block) m_end_block = true;
    return (r.end_block || m_stop) ? Action::stop : Action::jump;
}

// --------------------------------------------------------------------------
// The dispatch loop

StopReason Core::run(std::uint64_t cycle_budget) {
    if (m_stop && m_halt == HaltKind::none) m_halt = HaltKind::stop_requested;
    if (m_halt != HaltKind::none) return StopReason::halted;
    m_end_block = false;
    check_interrupts();
    if (m_halt != HaltKind::none) return StopReason::halted;

    static void* const labels[2 * OP_COUNT] = {
#define RV_OP_LABEL(name) &&L_##name##_2, &&L_##name##_4,
        RV_OPS(RV_OP_LABEL)
#undef RV_OP_LABEL
    };

    std::uint32_t* const x = m_x;
    const std::uint8_t* const code = m_code_pages.get();
    // Counter increments (see count_word): cycles << 32 | one instruction.
    const std::uint64_t w_alu = count_word(m_timing.alu), w_mul = count_word(m_timing.mul),
                        w_div = count_word(m_timing.div), w_br = count_word(m_timing.branch_taken);
    if (cycle_budget == 0) cycle_budget = 1;
    const std::uint64_t end = m_stats.cycles + std::min(cycle_budget, ~m_stats.cycles);
    // Member state at the last sync, and the packed count since then.
    std::uint64_t base_cycles = 0, base_instret = 0, count = 0, count_end = 0, dmi = 0;
    const Window *rr = nullptr, *rr_end = nullptr, *wr = nullptr, *wr_end = nullptr;
    // The first readable and writable windows (nearly every access hits
    // them), checked before the loop over all; size 0 when there is none.
    Window r0{}, w0{};

    Page* page = page_for(m_pc);
    std::uint32_t page_base = page->base;
    Insn* slots = page->slots;
    Insn* s = slots + ((m_pc - page_base) >> 1);
    Action act = Action::jump;
    std::uint32_t cause = 0, tval = 0;

#define SYNC_OUT()                                                   \
    do {                                                             \
        m_stats.cycles = base_cycles + (count >> kCountShift);       \
        m_stats.instructions = base_instret + (count & 0xffffffffu); \
        m_stats.dmi_bytes = dmi;                                     \
        m_pc = s->pc;                                                \
    } while (0)
#define SYNC_IN()                                                                        \
    do {                                                                                 \
        base_cycles = m_stats.cycles;                                                    \
        base_instret = m_stats.instructions;                                             \
        count = 0;                                                                       \
        count_end = (base_cycles >= end ? 0 : std::min(end - base_cycles, kChunkCycles)) \
                    << kCountShift;                                                      \
        dmi = m_stats.dmi_bytes;                                                         \
        rr = m_read_regions.data();                                                      \
        rr_end = rr + m_read_regions.size();                                             \
        wr = m_write_regions.data();                                                     \
        wr_end = wr + m_write_regions.size();                                            \
        r0 = rr != rr_end ? *rr : Window{};                                              \
        w0 = wr != wr_end ? *wr : Window{};                                              \
    } while (0)
#define GOTO_PC(target)                      \
    do {                                     \
        const std::uint32_t t_ = (target);   \
        if (t_ - page_base >= kPageSize) {   \
            page = page_for(t_);             \
            page_base = page->base;          \
            slots = page->slots;             \
        }                                    \
        s = slots + ((t_ - page_base) >> 1); \
    } while (0)
    // Every handler ends in its own indirect jump (threaded dispatch): the
    // file is compiled with -fno-crossjumping -fno-gcse (CMakeLists.txt) so
    // GCC does not merge them into one shared, unpredictable jump.
#define DISPATCH()                                             \
    do {                                                       \
        if (__builtin_expect(count >= count_end, 0)) goto out; \
        goto* labels[s->op];                                   \
    } while (0)
#define NEXT(word)       \
    do {                 \
        count += (word); \
        s += kStep;      \
        DISPATCH();      \
    } while (0)
#define JUMP(target, word) \
    do {                   \
        count += (word);   \
        GOTO_PC(target);   \
        DISPATCH();        \
    } while (0)
    // Two copies of a handler, for a 2-byte and a 4-byte instruction: the
    // step to the next slot is a constant, not a load from the slot (a load
    // would put the L1 latency on the chain from one instruction to the next).
#define TWIN(name, ...)               \
    L_##name##_2 : {                  \
        constexpr unsigned kStep = 1; \
        __VA_ARGS__                   \
    }                                 \
    L_##name##_4 : {                  \
        constexpr unsigned kStep = 2; \
        __VA_ARGS__                   \
    }
#define ALU(expr)          \
    do {                   \
        x[s->rd] = (expr); \
        NEXT(w_alu);       \
    } while (0)
#define TAKE(target)        \
    do {                    \
        count += w_br;      \
        if (s->near != 0) { \
            s += s->near;   \
            DISPATCH();     \
        }                   \
        GOTO_PC(target);    \
        DISPATCH();         \
    } while (0)
#define BRANCH(cond)            \
    do {                        \
        if (cond) TAKE(s->imm); \
        NEXT(w_alu);            \
    } while (0)
#define LOAD(T, SIGNED)                                                           \
    do {                                                                          \
        const std::uint32_t a = x[s->rs1] + s->imm;                               \
        if (sizeof(T) > 1 && (a & (sizeof(T) - 1))) {                             \
            cause = kLoadMisaligned;                                              \
            tval = a;                                                             \
            goto trap;                                                            \
        }                                                                         \
        if (static_cast<std::uint64_t>(a - r0.base) + sizeof(T) <= r0.size) {     \
            T v;                                                                  \
            std::memcpy(&v, r0.host + (a - r0.base), sizeof(T));                  \
            x[s->rd] = static_cast<std::uint32_t>(v);                             \
            dmi += sizeof(T);                                                     \
            NEXT(r0.cost);                                                        \
        }                                                                         \
        for (const Window* r = rr; r != rr_end; ++r) {                            \
            if (static_cast<std::uint64_t>(a - r->base) <= r->size - sizeof(T)) { \
                T v;                                                              \
                std::memcpy(&v, r->host + (a - r->base), sizeof(T));              \
                x[s->rd] = static_cast<std::uint32_t>(v);                         \
                dmi += sizeof(T);                                                 \
                NEXT(r->cost);                                                    \
            }                                                                     \
        }                                                                         \
        SYNC_OUT();                                                               \
        act = slow_load(*s, a, sizeof(T), SIGNED);                                \
        goto after_slow;                                                          \
    } while (0)
#define STORE(T)                                                                                   \
    do {                                                                                           \
        const std::uint32_t a = x[s->rs1] + s->imm;                                                \
        if (sizeof(T) > 1 && (a & (sizeof(T) - 1))) {                                              \
            cause = kStoreMisaligned;                                                              \
            tval = a;                                                                              \
            goto trap;                                                                             \
        }                                                                                          \
        if (static_cast<std::uint64_t>(a - w0.base) + sizeof(T) <= w0.size) {                      \
            const T v = static_cast<T>(x[s->rs2]);                                                 \
            std::memcpy(w0.host + (a - w0.base), &v, sizeof(T));                                   \
            dmi += sizeof(T);                                                                      \
            if (__builtin_expect(code[a >> kPageBits] != 0, 0)) invalidate_code(a, sizeof(T));     \
            NEXT(w0.cost);                                                                         \
        }                                                                                          \
        for (const Window* r = wr; r != wr_end; ++r) {                                             \
            if (static_cast<std::uint64_t>(a - r->base) <= r->size - sizeof(T)) {                  \
                const T v = static_cast<T>(x[s->rs2]);                                             \
                std::memcpy(r->host + (a - r->base), &v, sizeof(T));                               \
                dmi += sizeof(T);                                                                  \
                if (__builtin_expect(code[a >> kPageBits] != 0, 0)) invalidate_code(a, sizeof(T)); \
                NEXT(r->cost);                                                                     \
            }                                                                                      \
        }                                                                                          \
        SYNC_OUT();                                                                                \
        act = slow_store(*s, a, sizeof(T), x[s->rs2]);                                             \
        goto after_slow;                                                                           \
    } while (0)

    SYNC_IN();
    DISPATCH();

L_DECODE_2:
L_DECODE_4:
    SYNC_OUT();
    if (!decode_slot(*s)) {
        if (m_halt != HaltKind::none) return StopReason::halted;
        SYNC_IN();
        GOTO_PC(m_pc);
        DISPATCH();
    }
    SYNC_IN();
    goto* labels[s->op];
L_PAGE_END_2:
L_PAGE_END_4:
    GOTO_PC(s->pc);
    DISPATCH();
L_ILLEGAL_2:
L_ILLEGAL_4:
    cause = kIllegalInsn;
    tval = s->imm;
    goto trap;
    TWIN(LI, ALU(s->imm);)
    TWIN(JAL, x[s->rd] = s->pc + 2u * kStep; TAKE(s->imm);)
    TWIN(JALR, const std::uint32_t t = (x[s->rs1] + s->imm) & ~1u; x[s->rd] = s->pc + 2u * kStep;
         JUMP(t, w_br);)
    TWIN(BEQ, BRANCH(x[s->rs1] == x[s->rs2]);)
    TWIN(BNE, BRANCH(x[s->rs1] != x[s->rs2]);)
    TWIN(BLT, BRANCH(static_cast<std::int32_t>(x[s->rs1]) < static_cast<std::int32_t>(x[s->rs2]));)
    TWIN(BGE, BRANCH(static_cast<std::int32_t>(x[s->rs1]) >= static_cast<std::int32_t>(x[s->rs2]));)
    TWIN(BLTU, BRANCH(x[s->rs1] < x[s->rs2]);)
    TWIN(BGEU, BRANCH(x[s->rs1] >= x[s->rs2]);)
    TWIN(LB, LOAD(std::int8_t, true);)
    TWIN(LH, LOAD(std::int16_t, true);)
    TWIN(LW, LOAD(std::uint32_t, false);)
    TWIN(LBU, LOAD(std::uint8_t, false);)
    TWIN(LHU, LOAD(std::uint16_t, false);)
    TWIN(SB, STORE(std::uint8_t);)
    TWIN(SH, STORE(std::uint16_t);)
    TWIN(SW, STORE(std::uint32_t);)
    TWIN(ADDI, ALU(x[s->rs1] + s->imm);)
    TWIN(SLTI,
         ALU(static_cast<std::int32_t>(x[s->rs1]) < static_cast<std::int32_t>(s->imm) ? 1u : 0u);)
    TWIN(SLTIU, ALU(x[s->rs1] < s->imm ? 1u : 0u);)
    TWIN(XORI, ALU(x[s->rs1] ^ s->imm);)
    TWIN(ORI, ALU(x[s->rs1] | s->imm);)
    TWIN(ANDI, ALU(x[s->rs1] & s->imm);)
    TWIN(SLLI, ALU(x[s->rs1] << s->imm);)
    TWIN(SRLI, ALU(x[s->rs1] >> s->imm);)
    TWIN(SRAI, ALU(static_cast<std::uint32_t>(static_cast<std::int32_t>(x[s->rs1]) >> s->imm));)
    TWIN(ADD, ALU(x[s->rs1] + x[s->rs2]);)
    TWIN(SUB, ALU(x[s->rs1] - x[s->rs2]);)
    TWIN(SLL, ALU(x[s->rs1] << (x[s->rs2] & 31));)
    TWIN(
        SLT,
        ALU(static_cast<std::int32_t>(x[s->rs1]) < static_cast<std::int32_t>(x[s->rs2]) ? 1u : 0u);)
    TWIN(SLTU, ALU(x[s->rs1] < x[s->rs2] ? 1u : 0u);)
    TWIN(XOR, ALU(x[s->rs1] ^ x[s->rs2]);)
    TWIN(SRL, ALU(x[s->rs1] >> (x[s->rs2] & 31));)
    TWIN(SRA,
         ALU(static_cast<std::uint32_t>(static_cast<std::int32_t>(x[s->rs1]) >> (x[s->rs2] & 31)));)
    TWIN(OR, ALU(x[s->rs1] | x[s->rs2]);)
    TWIN(AND, ALU(x[s->rs1] & x[s->rs2]);)
    TWIN(MUL, x[s->rd] = x[s->rs1] * x[s->rs2]; NEXT(w_mul);)
    TWIN(MULH, x[s->rd] = static_cast<std::uint32_t>(
                   (static_cast<std::int64_t>(static_cast<std::int32_t>(x[s->rs1])) *
                    static_cast<std::int64_t>(static_cast<std::int32_t>(x[s->rs2]))) >>
                   32);
         NEXT(w_mul);)
    TWIN(MULHSU, x[s->rd] = static_cast<std::uint32_t>(
                     static_cast<std::uint64_t>(
                         static_cast<std::int64_t>(static_cast<std::int32_t>(x[s->rs1])) *
                         static_cast<std::int64_t>(x[s->rs2])) >>
                     32);
         NEXT(w_mul);)
    TWIN(MULHU,
         x[s->rd] = static_cast<std::uint32_t>(
             (static_cast<std::uint64_t>(x[s->rs1]) * static_cast<std::uint64_t>(x[s->rs2])) >> 32);
         NEXT(w_mul);)
    TWIN(DIV, const auto a = static_cast<std::int32_t>(x[s->rs1]);
         const auto b = static_cast<std::int32_t>(x[s->rs2]);
         x[s->rd] = b == 0                        ? ~0u
                    : (a == INT32_MIN && b == -1) ? static_cast<std::uint32_t>(a)
                                                  : static_cast<std::uint32_t>(a / b);
         NEXT(w_div);)
    TWIN(DIVU, const std::uint32_t b = x[s->rs2]; x[s->rd] = b == 0 ? ~0u : x[s->rs1] / b;
         NEXT(w_div);)
    TWIN(REM, const auto a = static_cast<std::int32_t>(x[s->rs1]);
         const auto b = static_cast<std::int32_t>(x[s->rs2]);
         x[s->rd] = b == 0                        ? static_cast<std::uint32_t>(a)
                    : (a == INT32_MIN && b == -1) ? 0u
                                                  : static_cast<std::uint32_t>(a % b);
         NEXT(w_div);)
    TWIN(REMU, const std::uint32_t b = x[s->rs2]; x[s->rd] = b == 0 ? x[s->rs1] : x[s->rs1] % b;
         NEXT(w_div);)
    TWIN(FENCE, NEXT(w_alu);)
    TWIN(FENCE_I,
         invalidate_decode();  // resets slots in place; s stays valid
         NEXT(w_alu);)
    TWIN(WFI,
         count += w_alu;
         s += kStep;
         if ((m_mip & m_mie) != 0) DISPATCH();  // an enabled interrupt is pending: a nop
         SYNC_OUT(); return StopReason::wfi;)
L_ECALL_2:
L_ECALL_4:
L_EBREAK_2:
L_EBREAK_4:
L_MRET_2:
L_MRET_4:
    SYNC_OUT();
    act = exec_system(*s);
    goto after_slow;
L_CSR_2:
L_CSR_4:
    SYNC_OUT();
    act = exec_csr(*s);
    goto after_slow;

trap:
    SYNC_OUT();
    if (!raise(cause, tval)) return StopReason::halted;
    SYNC_IN();
    GOTO_PC(m_pc);
    DISPATCH();

after_slow:
    // Member state is current; m_pc is the next pc.
    if (m_halt != HaltKind::none) return StopReason::halted;
    if (m_stop) {
        m_halt = HaltKind::stop_requested;
        return StopReason::halted;
    }
    if (act == Action::stop) return StopReason::mmio;
    SYNC_IN();
    GOTO_PC(m_pc);
    DISPATCH();

out:
    SYNC_OUT();
    if (m_stats.cycles < end) {  // only a counting chunk ended
        SYNC_IN();
        goto* labels[s->op];
    }
    return StopReason::budget;

#undef SYNC_OUT
#undef SYNC_IN
#undef GOTO_PC
#undef DISPATCH
#undef NEXT
#undef JUMP
#undef ALU
#undef BRANCH
#undef TAKE
#undef TWIN
#undef LOAD
#undef STORE
}

}  // namespace rv
