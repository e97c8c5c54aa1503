// Unit tests of the plain rv::Core: decode/execute of RV32I/M/C, CSRs, traps,
// interrupts, WFI, the decode cache, timing. Programs are encoded with
// rv_asm.h and run on a flat RAM at 0x80000000 (FlatMachine).
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "flat_machine.h"
#include "rv/core.h"
#include "rv_asm.h"

using namespace rv_asm;
using rv::StopReason;
using rv_test::FlatMachine;

namespace {

constexpr u32 kBase = FlatMachine::kRamBase;
constexpr u32 kData = kBase + 0x8000;  // scratch data in RAM

// Runs a program that ends in ebreak with no handler installed; returns
// after the halt. Registers are then checked.
struct CoreTest : ::testing::Test {
    FlatMachine m;
    void run(const std::vector<u32>& prog, std::uint64_t budget = 100000) {
        m.load(prog);
        m.core.reset(kBase);
        const StopReason r = m.core.run(budget);
        ASSERT_EQ(r, StopReason::halted) << m.core.halt_message();
    }
    // Runs and expects the final ebreak (the program's last word).
    void run_to_end(std::vector<u32> prog) {
        prog.push_back(ebreak());
        run(prog);
        EXPECT_EQ(m.core.last_trap().mcause, rv::kBreakpoint) << m.core.halt_message();
        EXPECT_EQ(m.core.last_trap().pc, kBase + 4 * (prog.size() - 1)) << m.core.halt_message();
    }
    u32 x(unsigned i) const { return m.core.reg(i); }
    // li rd, value (lui + addi)
    static std::vector<u32> li(u32 rd, u32 v) {
        const u32 lo = v & 0xfff;
        const u32 hi = (v + 0x800) >> 12;
        return {lui(rd, hi & 0xfffff), addi(rd, rd, static_cast<std::int32_t>(lo << 20) >> 20)};
    }
    static std::vector<u32> cat(std::initializer_list<std::vector<u32>> parts) {
        std::vector<u32> out;
        for (const auto& p : parts)
            out.insert(out.end(), p.begin(), p.end());
        return out;
    }
};

}  // namespace

TEST_F(CoreTest, AluRegisterRegister) {
    run_to_end(cat({li(1, 0x80000001u),
                    li(2, 7),
                    li(3, 0xfffffff0u),
                    {add(10, 1, 2), sub(11, 2, 1), sll(12, 2, 2), slt(13, 1, 2), sltu(14, 1, 2),
                     xor_(15, 1, 3), srl(16, 1, 2), sra(17, 1, 2), or_(18, 1, 2), and_(19, 1, 3),
                     slt(20, 3, 1), sltu(21, 2, 3)}}));
    EXPECT_EQ(x(10), 0x80000008u);
    EXPECT_EQ(x(11), 7u - 0x80000001u);
    EXPECT_EQ(x(12), 7u << 7);
    EXPECT_EQ(x(13), 1u);  // INT_MIN+1 < 7 signed
    EXPECT_EQ(x(14), 0u);
    EXPECT_EQ(x(15), 0x80000001u ^ 0xfffffff0u);
    EXPECT_EQ(x(16), 0x80000001u >> 7);
    EXPECT_EQ(x(17), 0xff000000u);
    EXPECT_EQ(x(18), 0x80000007u);
    EXPECT_EQ(x(19), 0x80000000u);
    EXPECT_EQ(x(20), 0u);  // -16 < INT_MIN+1 ? no
    EXPECT_EQ(x(21), 1u);
}

TEST_F(CoreTest, AluImmediates) {
    run_to_end(cat(
        {li(1, 0x0000f0f0u),
         {addi(10, 1, -1), slti(11, 1, -1), sltiu(12, 1, -1), xori(13, 1, -1), ori(14, 1, 0x70f),
          andi(15, 1, 0x0ff), slli(16, 1, 31), srli(17, 16, 31), srai(18, 16, 31), lui(19, 0xfffff),
          auipc(20, 1), addi(21, 0, -2048), addi(22, 0, 2047)}}));
    EXPECT_EQ(x(10), 0xf0efu);
    EXPECT_EQ(x(11), 0u);
    EXPECT_EQ(x(12), 1u);  // -1 is 0xffffffff unsigned
    EXPECT_EQ(x(13), ~0xf0f0u);
    EXPECT_EQ(x(14), 0xf7ffu);
    EXPECT_EQ(x(15), 0xf0u);
    EXPECT_EQ(x(16), 0u);  // bit 0 of 0xf0f0 is 0
    EXPECT_EQ(x(17), 0u);
    EXPECT_EQ(x(18), 0u);
    EXPECT_EQ(x(19), 0xfffff000u);
    EXPECT_EQ(x(20), kBase + 4 * 12 + 0x1000);
    EXPECT_EQ(x(21), static_cast<u32>(-2048));
    EXPECT_EQ(x(22), 2047u);
}

TEST_F(CoreTest, ShiftsUseLowFiveBitsOfRegister) {
    run_to_end(cat({li(1, 0x80000000u),
                    li(2, 33),
                    li(3, 0xffffffe1u),
                    {sll(10, 2, 2), srl(11, 1, 2), sra(12, 1, 2), srl(13, 1, 3), sra(14, 1, 3),
                     slli(15, 2, 0)}}));
    EXPECT_EQ(x(10), 33u << 1);
    EXPECT_EQ(x(11), 0x40000000u);
    EXPECT_EQ(x(12), 0xc0000000u);
    EXPECT_EQ(x(13), 0x40000000u);  // 0xffffffe1 & 31 = 1
    EXPECT_EQ(x(14), 0xc0000000u);
    EXPECT_EQ(x(15), 33u);
}

TEST_F(CoreTest, WritesToX0AreDiscarded) {
    run_to_end(cat({li(1, 5),
                    li(2, kData),
                    {sw(1, 2, 0), addi(0, 1, 1), add(0, 1, 1), lui(0, 0x12345), jal(0, 4),
                     lw(0, 2, 0), csrrs(0, kMscratch, 0), add(10, 0, 0)}}));
    EXPECT_EQ(x(0), 0u);
    EXPECT_EQ(x(10), 0u);
}

TEST_F(CoreTest, LoadsSignAndZeroExtend) {
    run_to_end(cat({li(1, kData),
                    li(2, 0x8081f2f3u),
                    {sw(2, 1, 0), lb(10, 1, 0), lbu(11, 1, 0), lh(12, 1, 0), lhu(13, 1, 0),
                     lb(14, 1, 3), lbu(15, 1, 3), lh(16, 1, 2), lhu(17, 1, 2), lw(18, 1, 0),
                     sb(2, 1, 8), sh(2, 1, 12), lw(19, 1, 8), lw(20, 1, 12), lw(0, 1, 0)}}));
    EXPECT_EQ(x(10), 0xfffffff3u);
    EXPECT_EQ(x(11), 0xf3u);
    EXPECT_EQ(x(12), 0xfffff2f3u);
    EXPECT_EQ(x(13), 0xf2f3u);
    EXPECT_EQ(x(14), 0xffffff80u);
    EXPECT_EQ(x(15), 0x80u);
    EXPECT_EQ(x(16), 0xffff8081u);
    EXPECT_EQ(x(17), 0x8081u);
    EXPECT_EQ(x(18), 0x8081f2f3u);
    EXPECT_EQ(x(19), 0xf3u);
    EXPECT_EQ(x(20), 0xf2f3u);
    EXPECT_EQ(x(0), 0u);
    EXPECT_EQ(m.core.stats().dmi_bytes, 4u + 1 + 1 + 2 + 2 + 1 + 1 + 2 + 2 + 4 + 1 + 2 + 4 + 4 + 4);
}

TEST_F(CoreTest, MultiplyDivideEdgeCases) {
    run_to_end(cat({li(1, 0x80000000u),
                    li(2, 0xffffffffu),
                    li(3, 7),
                    li(4, 0xfffffff9u),
                    {mul(10, 3, 4), mulh(11, 1, 2), mulhsu(12, 2, 2), mulhu(13, 2, 2),
                     div(14, 1, 2), rem(15, 1, 2), div(16, 3, 0), divu(17, 3, 0), rem(18, 3, 0),
                     remu(19, 3, 0), div(20, 4, 3), rem(21, 4, 3), divu(22, 4, 3), remu(23, 4, 3),
                     mulh(24, 1, 1), mulhsu(25, 1, 2)}}));
    EXPECT_EQ(x(10), static_cast<u32>(-49));
    EXPECT_EQ(x(11), 0u);           // INT_MIN * -1 = 2^31: high word 0
    EXPECT_EQ(x(12), 0xffffffffu);  // -1 * 0xffffffff = -(2^32-1): high word -1
    EXPECT_EQ(x(13), 0xfffffffeu);
    EXPECT_EQ(x(14), 0x80000000u);  // INT_MIN / -1 overflows to INT_MIN
    EXPECT_EQ(x(15), 0u);
    EXPECT_EQ(x(16), 0xffffffffu);  // division by zero: all ones
    EXPECT_EQ(x(17), 0xffffffffu);
    EXPECT_EQ(x(18), 7u);  // remainder by zero: the dividend
    EXPECT_EQ(x(19), 7u);
    EXPECT_EQ(x(20), static_cast<u32>(-1));  // rounds toward zero
    EXPECT_EQ(x(21), static_cast<u32>(0));
    EXPECT_EQ(x(22), 0xfffffff9u / 7);
    EXPECT_EQ(x(23), 0xfffffff9u % 7);
    EXPECT_EQ(x(24), 0x40000000u);
    EXPECT_EQ(x(25), 0x80000000u);  // INT_MIN * 0xffffffff >> 32
}

TEST_F(CoreTest, BranchesAndJumps) {
    // Each taken branch skips an "addi x10, x10, 1" (a miss counter).
    run_to_end(cat({li(1, 0xffffffffu),
                    li(2, 1),
                    {beq(2, 2, 8), addi(10, 10, 1), bne(1, 2, 8), addi(10, 10, 1), blt(1, 2, 8),
                     addi(10, 10, 1), bge(2, 1, 8), addi(10, 10, 1), bltu(2, 1, 8), addi(10, 10, 1),
                     bgeu(1, 2, 8), addi(10, 10, 1),
                     // not taken: each falls through to "addi x11, x11, 1"
                     beq(1, 2, 8), addi(11, 11, 1), bne(2, 2, 8), addi(11, 11, 1), blt(2, 1, 8),
                     addi(11, 11, 1), bge(1, 2, 8), addi(11, 11, 1), bltu(1, 2, 8), addi(11, 11, 1),
                     bgeu(2, 1, 8), addi(11, 11, 1), jal(12, 8), addi(10, 10, 1), auipc(13, 0),
                     jalr(14, 13, 13),  // to auipc+12, bit0 cleared
                     addi(10, 10, 1)}}));
    EXPECT_EQ(x(10), 0u);
    EXPECT_EQ(x(11), 6u);
    EXPECT_EQ(x(12), kBase + 4 * (4 + 24) + 4);
    EXPECT_EQ(x(14), x(13) + 8);
    EXPECT_EQ(m.core.stats().instructions, 4u + 6 + 12 + 1 + 2);
}

TEST_F(CoreTest, BackwardBranchLoop) {
    run_to_end(cat({li(1, 100), {addi(10, 10, 3), addi(1, 1, -1), bne(1, 0, -8)}}));
    EXPECT_EQ(x(10), 300u);
}

// ----- RV32C -----------------------------------------------------------------

struct CForm {
    std::uint16_t c;
    u32 expanded;
    const char* text;
};
static const CForm kCForms[] = {
    {0x1fe0, 0x3fc10413, "c.addi4spn s0, sp, 1020"},
    {0x005c, 0x00410793, "c.addi4spn a5, sp, 4"},
    {0x5fe8, 0x07c7a503, "c.lw a0, 124(a5)"},
    {0x4004, 0x00042483, "c.lw s1, 0(s0)"},
    {0xc2b0, 0x04c6a023, "c.sw a2, 64(a3)"},
    {0xc3c0, 0x0087a223, "c.sw s0, 4(a5)"},
    {0x0001, 0x00000013, "c.nop"},
    {0x1501, 0xfe050513, "c.addi a0, -32"},
    {0x0ffd, 0x01ff8f93, "c.addi t6, 31"},
    {0x2ffd, 0x7fe000ef, "c.jal .+2046"},
    {0x3001, 0x801ff0ef, "c.jal .-2048"},
    {0x56fd, 0xfff00693, "c.li a3, -1"},
    {0x42c5, 0x01100293, "c.li t0, 17"},
    {0x7101, 0xe0010113, "c.addi16sp sp, -512"},
    {0x617d, 0x1f010113, "c.addi16sp sp, 496"},
    {0x677d, 0x0001f737, "c.lui a4, 0x1f"},
    {0x7901, 0xfffe0937, "c.lui s2, 0xfffe0"},
    {0x817d, 0x01f55513, "c.srli a0, 31"},
    {0x8485, 0x4014d493, "c.srai s1, 1"},
    {0x99fd, 0xfff5f593, "c.andi a1, -1"},
    {0x8a15, 0x00567613, "c.andi a2, 5"},
    {0x8c1d, 0x40f40433, "c.sub s0, a5"},
    {0x8d2d, 0x00b54533, "c.xor a0, a1"},
    {0x8f45, 0x00976733, "c.or a4, s1"},
    {0x8ef1, 0x00c6f6b3, "c.and a3, a2"},
    {0xaffd, 0x7fe0006f, "c.j .+2046"},
    {0xbff5, 0xffdff06f, "c.j .-4"},
    {0xcd7d, 0x0e050f63, "c.beqz a0, .+254"},
    {0xd081, 0xf00480e3, "c.beqz s1, .-256"},
    {0xe781, 0x00079463, "c.bnez a5, .+8"},
    {0xfc7d, 0xfe041fe3, "c.bnez s0, .-2"},
    {0x0e7e, 0x01fe1e13, "c.slli t3, 31"},
    {0x0086, 0x00109093, "c.slli ra, 1"},
    {0x557e, 0x0fc12503, "c.lwsp a0, 252(sp)"},
    {0x4082, 0x00012083, "c.lwsp ra, 0(sp)"},
    {0x8082, 0x00008067, "c.jr ra"},
    {0x8382, 0x00038067, "c.jr t2"},
    {0x856e, 0x01b00533, "c.mv a0, s11"},
    {0x9002, 0x00100073, "c.ebreak"},
    {0x9782, 0x000780e7, "c.jalr a5"},
    {0x931e, 0x00730333, "c.add t1, t2"},
    {0xdfee, 0x0fb12e23, "c.swsp s11, 252(sp)"},
    {0xc02a, 0x00a12023, "c.swsp a0, 0(sp)"},
};

TEST(Compressed, EveryFormExpandsLikeTheAssembler) {
    for (const CForm& f : kCForms)
        EXPECT_EQ(rv::expand_compressed(f.c), f.expanded) << f.text;
}

TEST(Compressed, ReservedAndUnsupportedFormsAreIllegal) {
    EXPECT_EQ(rv::expand_compressed(0x0000), 0u);  // all zero
    EXPECT_EQ(rv::expand_compressed(0x0004), 0u);  // c.addi4spn with nzuimm 0
    EXPECT_EQ(rv::expand_compressed(0x2000), 0u);  // c.fld
    EXPECT_EQ(rv::expand_compressed(0x6000), 0u);  // c.flw
    EXPECT_EQ(rv::expand_compressed(0xa000), 0u);  // c.fsd
    EXPECT_EQ(rv::expand_compressed(0xe000), 0u);  // c.fsw
    EXPECT_EQ(rv::expand_compressed(0x8000), 0u);  // quadrant 0 reserved
    EXPECT_EQ(rv::expand_compressed(0x6101), 0u);  // c.addi16sp 0
    EXPECT_EQ(rv::expand_compressed(0x6501), 0u);  // c.lui a0, 0
    EXPECT_EQ(rv::expand_compressed(0x9001), 0u);  // c.srli shamt[5]=1 (RV32: reserved)
    EXPECT_EQ(rv::expand_compressed(0x9401), 0u);  // c.srai shamt[5]=1
    EXPECT_EQ(rv::expand_compressed(0x1002), 0u);  // c.slli shamt[5]=1
    EXPECT_EQ(rv::expand_compressed(0x9c01), 0u);  // c.subw (RV64)
    EXPECT_EQ(rv::expand_compressed(0x9c21), 0u);  // c.addw (RV64)
    EXPECT_EQ(rv::expand_compressed(0x4002), 0u);  // c.lwsp x0
    EXPECT_EQ(rv::expand_compressed(0x8002), 0u);  // c.jr x0
    EXPECT_EQ(rv::expand_compressed(0x2002), 0u);  // c.fldsp
    EXPECT_EQ(rv::expand_compressed(0x6002), 0u);  // c.flwsp
    EXPECT_EQ(rv::expand_compressed(0xa002), 0u);  // c.fsdsp
    EXPECT_EQ(rv::expand_compressed(0xe002), 0u);  // c.fswsp
    // hints stay legal: c.addi x0 / c.li x0 / c.mv x0 / c.add x0
    EXPECT_NE(rv::expand_compressed(0x0005), 0u);
    EXPECT_NE(rv::expand_compressed(0x4005), 0u);
    EXPECT_NE(rv::expand_compressed(0x800a), 0u);
    EXPECT_NE(rv::expand_compressed(0x900a), 0u);
}

TEST_F(CoreTest, CompressedExecutionMixedWithWide) {
    // c.li a0, 17 ; c.addi a0, -32 ; c.mv a1, a0 ; c.slli a1, 1 ; addi a2, x0, 5 ;
    // c.add a2, a1 ; c.j +4 ; c.li a0, 0 (skipped) ; c.ebreak
    std::uint16_t prog[] = {0x4545, 0x1501, 0x85aa, 0x0586, 0x0613,
                            0x0050, 0x962e, 0xa011, 0x4501, 0x9002};
    for (std::size_t i = 0; i < sizeof prog / 2; ++i)
        m.poke16(kBase + 2 * i, prog[i]);
    m.core.reset(kBase);
    ASSERT_EQ(m.core.run(1000), StopReason::halted);
    EXPECT_EQ(m.core.last_trap().mcause, rv::kBreakpoint);
    EXPECT_EQ(m.core.last_trap().pc, kBase + 18);
    EXPECT_EQ(x(10), static_cast<u32>(-15));
    EXPECT_EQ(x(11), static_cast<u32>(-30));
    EXPECT_EQ(x(12), static_cast<u32>(-25));
}

TEST_F(CoreTest, CompressedJalLinksPcPlus2AndIllegalHalfwordTraps) {
    // c.jal +4 ; c.ebreak (skipped) ; 0x0000 (illegal) -> trap, mtval = 0
    m.poke16(kBase, 0x2011);  // c.jal .+4
    m.poke16(kBase + 2, 0x9002);
    m.poke16(kBase + 4, 0x0000);
    m.core.reset(kBase);
    ASSERT_EQ(m.core.run(1000), StopReason::halted);
    EXPECT_EQ(x(1), kBase + 2);
    EXPECT_EQ(m.core.last_trap().mcause, rv::kIllegalInsn);
    EXPECT_EQ(m.core.last_trap().pc, kBase + 4);
    EXPECT_EQ(m.core.last_trap().mtval, 0u);
}

TEST_F(CoreTest, WideInstructionAcrossPageBoundary) {
    // jal to kBase+0xffe, where "addi a0, x0, 42" straddles two pages; then wfi.
    const u32 at = kBase + 0xffe;
    m.poke32(kBase, jal(0, 0xffe));
    m.poke16(at, static_cast<std::uint16_t>(addi(10, 0, 42) & 0xffff));
    m.poke16(at + 2, static_cast<std::uint16_t>(addi(10, 0, 42) >> 16));
    m.poke32(at + 4, wfi());
    m.poke32(at + 8, jal(0, -0x1006));  // back to kBase
    m.core.reset(kBase);
    ASSERT_EQ(m.core.run(1000), StopReason::wfi);
    EXPECT_EQ(x(10), 42u);
    // A guest-visible write to the upper half (the next page) drops the
    // decoded slot in the first page.
    const u32 w = addi(10, 0, 0x7ff);
    const std::uint8_t hi[2] = {static_cast<std::uint8_t>(w >> 16),
                                static_cast<std::uint8_t>(w >> 24)};
    ASSERT_TRUE(m.core.write(at + 2, hi, 2));
    ASSERT_EQ(m.core.run(1000), StopReason::wfi);
    EXPECT_EQ(x(10), 0x7ffu);
}

// ----- CSRs --------------------------------------------------------------------

TEST_F(CoreTest, MachineInformationCsrs) {
    run_to_end({csrrs(10, kMisa, 0), csrrs(11, kMhartid, 0), csrrs(12, kMvendorid, 0),
                csrrs(13, kMarchid, 0), csrrs(14, kMimpid, 0), csrrs(15, kMstatus, 0)});
    EXPECT_EQ(x(10), 0x40001104u);  // RV32 I M C
    EXPECT_EQ(x(11), 0u);
    EXPECT_EQ(x(12), 0u);
    EXPECT_EQ(x(13), 0u);
    EXPECT_EQ(x(14), 0u);
    EXPECT_EQ(x(15), 3u << 11);  // MPP = M
}

TEST_F(CoreTest, CsrReadModifyWriteForms) {
    run_to_end(
        cat({li(1, 0xf0f0f0f0u),
             li(2, 0x0ff00ff0u),
             {csrrw(10, kMscratch, 1), csrrs(11, kMscratch, 2), csrrc(12, kMscratch, 1),
              csrrwi(13, kMscratch, 31), csrrsi(14, kMscratch, 0x40 >> 2), csrrci(15, kMscratch, 1),
              csrrs(16, kMscratch, 0), csrrw(0, kMscratch, 2), csrrs(17, kMscratch, 0)}}));
    EXPECT_EQ(x(10), 0u);
    EXPECT_EQ(x(11), 0xf0f0f0f0u);
    EXPECT_EQ(x(12), 0xfff0fff0u);
    EXPECT_EQ(x(13), 0x0f000f00u);
    EXPECT_EQ(x(14), 31u);
    EXPECT_EQ(x(15), 31u);
    EXPECT_EQ(x(16), 30u);
    EXPECT_EQ(x(17), 0x0ff00ff0u);
}

TEST_F(CoreTest, WarlFieldsAndReadOnlyMip) {
    run_to_end(
        cat({li(1, 0xffffffffu),
             {csrrw(0, kMstatus, 1), csrrs(10, kMstatus, 0), csrrw(0, kMie, 1), csrrs(11, kMie, 0),
              csrrw(0, kMip, 1), csrrs(12, kMip, 0), csrrw(0, kMtvec, 1), csrrs(13, kMtvec, 0),
              csrrw(0, kMepc, 1), csrrs(14, kMepc, 0), csrrw(0, kMisa, 0), csrrs(15, kMisa, 0),
              csrrw(0, kMstatus, 0), csrrw(0, kMtvec, 0)}}));
    EXPECT_EQ(x(10), (1u << 3) | (1u << 7) | (3u << 11));
    EXPECT_EQ(x(11), (1u << 3) | (1u << 7) | (1u << 11));
    EXPECT_EQ(x(12), 0u);
    EXPECT_EQ(x(13), 0xfffffffdu);  // mode 2/3 reserved: bit 1 reads 0
    EXPECT_EQ(x(14), 0xfffffffeu);
    EXPECT_EQ(x(15), 0x40001104u);
}

TEST_F(CoreTest, CountersAndTime) {
    m.core.set_time_source([] { return 0x123456789abcull; });
    run_to_end(cat({li(1, 0xfffffff0u),
                    {csrrw(0, kMcycle, 1), csrrs(10, kMcycle, 0), csrrw(0, kMcycleh, 2),
                     csrrs(11, kCycleh, 0), csrrw(0, kMinstret, 1), csrrs(12, kMinstret, 0),
                     csrrs(13, kInstret, 0), csrrs(14, kTime, 0), csrrs(15, kTimeh, 0),
                     csrrs(16, kInstreth, 0), csrrw(0, kMinstreth, 0), csrrs(17, kMinstreth, 0)}}));
    EXPECT_EQ(x(10), 0xfffffff0u);  // the write takes effect after the instruction
    EXPECT_EQ(x(11), 0u);           // x2 is 0
    EXPECT_EQ(x(12), 0xfffffff0u);  // the write takes effect after the increment
    EXPECT_EQ(x(13), 0xfffffff1u);
    EXPECT_EQ(x(14), 0x56789abcu);
    EXPECT_EQ(x(15), 0x1234u);
    EXPECT_EQ(x(16), 0u);
    EXPECT_EQ(x(17), 0u);
    // The statistics are not disturbed by the guest's writes.
    EXPECT_EQ(m.core.stats().instructions, 2u + 12);
}

TEST_F(CoreTest, UnknownCsrIsIllegal) {
    const u32 bad = csrrs(10, 0x7c0, 0);
    run({bad});
    EXPECT_EQ(m.core.last_trap().mcause, rv::kIllegalInsn);
    EXPECT_EQ(m.core.last_trap().mtval, bad);
    EXPECT_EQ(m.core.halt_kind(), rv::HaltKind::trap_no_handler);
}

TEST_F(CoreTest, WritingReadOnlyCsrIsIllegal) {
    for (u32 insn :
         {csrrw(0, kMhartid, 1), csrrsi(0, kCycle, 1), csrrw(5, kTime, 0), csrrc(0, kInstret, 3)}) {
        m.load({insn});
        m.core.reset(kBase);
        ASSERT_EQ(m.core.run(100), StopReason::halted);
        EXPECT_EQ(m.core.last_trap().mcause, rv::kIllegalInsn);
        EXPECT_EQ(m.core.last_trap().mtval, insn);
    }
    // Reading them (no write) is fine.
    run_to_end({csrrs(10, kCycle, 0), csrrc(11, kMhartid, 0), csrrsi(12, kInstret, 0)});
}

// ----- traps -------------------------------------------------------------------

namespace {

constexpr u32 kHandler = kBase + 0x400;
constexpr u32 kCommon = kBase + 0x480;  // vectored mode: the table jumps here

// The common handler: x20 = mcause, x21 = mepc, x22 = mtval, x23 += 1,
// x24 = mstatus at entry. Exceptions resume at mepc + 4; interrupts clear
// mie and return to mepc.
std::vector<u32> handler_code() {
    return {csrrs(20, kMcause, 0),
            csrrs(21, kMepc, 0),
            csrrs(22, kMtval, 0),
            addi(23, 23, 1),
            csrrs(24, kMstatus, 0),
            blt(20, 0, 16),
            addi(27, 21, 4),
            csrrw(0, kMepc, 27),
            mret(),
            csrrw(0, kMie, 0),
            mret()};
}

struct TrapTest : CoreTest {
    // Program: set mtvec, run body, end in wfi (StopReason::wfi).
    void run_body(const std::vector<u32>& body, bool vectored = false,
                  std::uint64_t budget = 100000, StopReason expect = StopReason::wfi) {
        std::vector<u32> prog = {lui(5, 0x80000), addi(5, 5, 0x400)};
        if (vectored) prog.push_back(ori(5, 5, 1));
        prog.push_back(csrrw(0, kMtvec, 5));
        prog.insert(prog.end(), body.begin(), body.end());
        end_pc = kBase + 4 * static_cast<u32>(prog.size());
        prog.push_back(wfi());
        prog.push_back(jal(0, -4));
        ASSERT_LE(prog.size(), 0x100u);
        prog.resize(0x100, nop());
        if (vectored) {
            for (u32 k = 0; k < 16; ++k)
                prog.push_back(jal(26, static_cast<std::int32_t>(kCommon - (kHandler + 4 * k))));
            prog.resize(0x120, nop());
        }
        for (u32 w : handler_code())
            prog.push_back(w);
        m.load(prog);
        m.core.reset(kBase);
        const StopReason r = m.core.run(budget);
        ASSERT_EQ(r, expect) << m.core.halt_message();
    }
    u32 end_pc = 0;
};

}  // namespace

TEST_F(TrapTest, EcallEbreakIllegal) {
    run_body({ecall()});
    EXPECT_EQ(x(20), 11u);
    EXPECT_EQ(x(21), kBase + 12);
    EXPECT_EQ(x(22), 0u);
    run_body({ebreak()});
    EXPECT_EQ(x(20), 3u);
    EXPECT_EQ(x(22), kBase + 12);  // mtval = pc of the ebreak
    run_body({nop(), 0xffffffffu});
    EXPECT_EQ(x(20), 2u);
    EXPECT_EQ(x(21), kBase + 16);
    EXPECT_EQ(x(22), 0xffffffffu);
    EXPECT_EQ(x(23), 1u);
    EXPECT_EQ(m.core.stats().traps, 1u);
}

TEST_F(TrapTest, IllegalEncodingsOfEachOpcodeSpace) {
    const u32 illegal[] = {
        0x00002063u | (2u << 12),  // branch funct3 2
        0x00003003u,               // load funct3 3
        0x00003023u,               // store funct3 3
        0x02001013u,               // slli with shamt[5] = 1
        0x40001013u,               // slli with funct7 0x20
        0x02000033u | (1u << 30),  // OP with funct7 0x21
        0x0000200fu,               // misc-mem funct3 2
        0x00001067u,               // jalr funct3 1
        0x10200073u,               // sret (no S mode)
        0x00004073u,               // system funct3 4
        0x0000007fu,               // unknown major opcode
        0x00000007u,               // flw (no F)
    };
    for (u32 w : illegal) {
        run_body({w});
        EXPECT_EQ(x(20), 2u) << std::hex << w;
        EXPECT_EQ(x(22), w) << std::hex << w;
    }
}

TEST_F(TrapTest, MisalignedLoadsAndStores) {
    const std::vector<u32> set = {lui(6, 0x80008)};  // x6 = kData
    struct Case {
        u32 insn;
        u32 cause;
        u32 off;
    } cases[] = {{lw(10, 6, 1), 4, 1},  {lw(10, 6, 2), 4, 2}, {lh(10, 6, 3), 4, 3},
                 {lhu(10, 6, 1), 4, 1}, {sw(10, 6, 3), 6, 3}, {sh(10, 6, 1), 6, 1}};
    for (const Case& c : cases) {
        run_body({set[0], c.insn});
        EXPECT_EQ(x(20), c.cause);
        EXPECT_EQ(x(22), kData + c.off);
    }
    run_body({set[0], lb(10, 6, 3), sb(10, 6, 1), lbu(11, 6, 1)});  // bytes never misalign
    EXPECT_EQ(x(23), 0u);
}

TEST_F(TrapTest, AccessFaultsFromTheMemoryInterface) {
    run_body({lui(6, 0x40000), lw(10, 6, 8)});
    EXPECT_EQ(x(20), 5u);
    EXPECT_EQ(x(22), 0x40000008u);
    run_body({lui(6, 0x40000), sh(10, 6, 2)});
    EXPECT_EQ(x(20), 7u);
    EXPECT_EQ(x(22), 0x40000002u);
    // Fetch fault: the handler cannot skip it (mepc+4 faults again); look at the first.
    run_body({lui(6, 0x40000), jalr(1, 6, 0)}, false, 200, StopReason::budget);
    EXPECT_GE(x(23), 1u);
    EXPECT_EQ(m.core.last_trap().mcause, 1u);
    EXPECT_EQ(x(22) & 0xfffff000u, 0x40000000u);
    EXPECT_EQ(x(1), kBase + 20);
}

TEST_F(TrapTest, VectoredModeSendsInterruptsToBasePlus4xCause) {
    m.core.set_irq(rv::kMipMtip, true);
    run_body({addi(7, 0, 1 << 7), csrrw(0, kMie, 7), csrrsi(0, kMstatus, 8)}, true);
    EXPECT_EQ(x(20), 0x80000007u);
    EXPECT_EQ(x(26), kHandler + 4 * 7 + 4);  // link of table entry 7
    EXPECT_EQ(x(21), kBase + 28);            // mepc: the instruction after the csr write
    // Exceptions go to the base even in vectored mode.
    run_body({ecall()}, true);
    EXPECT_EQ(x(20), 11u);
    EXPECT_EQ(x(26), kHandler + 4);
}

TEST_F(TrapTest, DirectModeSendsInterruptsToBase) {
    m.core.set_irq(rv::kMipMsip, true);
    run_body({addi(7, 0, 1 << 3), csrrw(0, kMie, 7), csrrsi(0, kMstatus, 8)});
    EXPECT_EQ(x(20), 0x80000003u);
    EXPECT_EQ(x(26), 0u);
    EXPECT_EQ(m.core.stats().interrupts, 1u);
    EXPECT_EQ(m.core.stats().traps, 0u);
}

TEST_F(TrapTest, InterruptPriorityMeiThenMsiThenMti) {
    const std::vector<u32> enable_all = {lui(7, 0x1), addi(7, 7, -0x800 + 0x88),  // 0x888
                                         csrrw(0, kMie, 7), csrrsi(0, kMstatus, 8)};
    m.core.set_irq_lines(true, true, true);
    run_body(enable_all);
    EXPECT_EQ(x(20), 0x8000000bu);
    m.core.set_irq_lines(false, true, true);
    run_body(enable_all);
    EXPECT_EQ(x(20), 0x80000003u);
    m.core.set_irq_lines(false, true, false);
    run_body(enable_all);
    EXPECT_EQ(x(20), 0x80000007u);
    EXPECT_EQ(x(23), 1u);
}

TEST_F(TrapTest, NoInterruptWhileMstatusMieIsClear) {
    m.core.set_irq_lines(true, false, false);
    run_body({lui(7, 0x1), addi(7, 7, -0x800), csrrw(0, kMie, 7), nop(), nop()}, false, 100,
             StopReason::budget);  // wfi is a nop: mip & mie != 0; spins in "jal 0"
    EXPECT_EQ(x(23), 0u);
    EXPECT_EQ(m.core.stats().interrupts, 0u);
}

TEST_F(TrapTest, MretRestoresMieFromMpie) {
    // Enable MIE, ecall: in the handler MIE=0 and MPIE=1; after mret MIE=1 again.
    run_body({csrrsi(0, kMstatus, 8), ecall(), csrrs(25, kMstatus, 0)});
    EXPECT_EQ(x(24) & 0x88u, 0x80u);
    EXPECT_EQ(x(25) & 0x88u, 0x88u);
    EXPECT_EQ(x(25) & 0x1800u, 0x1800u);
}

TEST_F(TrapTest, WfiSleepsThenTheInterruptIsTaken) {
    run_body({addi(7, 0, 1 << 7), csrrw(0, kMie, 7), csrrsi(0, kMstatus, 8)});
    EXPECT_EQ(m.core.pc(), end_pc + 4);  // past the wfi
    EXPECT_FALSE(m.core.wakeup_pending());
    m.core.set_irq(rv::kMipMtip, true);
    EXPECT_TRUE(m.core.wakeup_pending());
    ASSERT_EQ(m.core.run(1000), StopReason::wfi);  // handler, mret, jal back, wfi again
    EXPECT_EQ(x(20), 0x80000007u);
    EXPECT_EQ(x(21), end_pc + 4);
}

TEST_F(TrapTest, TrapWithNoHandlerHaltsWithOneLine) {
    m.load({nop(), 0x0000ffffu});
    m.core.reset(kBase);
    ASSERT_EQ(m.core.run(100), StopReason::halted);
    EXPECT_EQ(m.core.halt_kind(), rv::HaltKind::trap_no_handler);
    EXPECT_EQ(m.core.halt_message(),
              "firmware trap: illegal instruction at pc=0x80000004 (mcause=2, mtval=0x0000ffff) "
              "with no handler");
    EXPECT_EQ(m.core.run(100), StopReason::halted);  // stays halted
}

TEST_F(TrapTest, TrapLoopIsDetected) {
    // mtvec points at an illegal word: the handler's first instruction traps.
    m.load({lui(5, 0x80000), addi(5, 5, 0x100), csrrw(0, kMtvec, 5), ecall()});
    m.poke32(kBase + 0x100, 0);
    m.core.reset(kBase);
    ASSERT_EQ(m.core.run(100000), StopReason::halted);
    EXPECT_EQ(m.core.halt_kind(), rv::HaltKind::trap_loop);
    EXPECT_NE(m.core.halt_message().find("trap loop: illegal instruction at pc=0x80000100"),
              std::string::npos)
        << m.core.halt_message();
}

TEST_F(TrapTest, NestedTrapStormIsDetected) {
    // The handler retires one instruction, then traps again before any mret
    // (each trap makes progress, so it is not a trap loop).
    m.load({lui(5, 0x80000), addi(5, 5, 0x100), csrrw(0, kMtvec, 5), ecall()});
    m.poke32(kBase + 0x100, addi(6, 6, 1));
    m.poke32(kBase + 0x104, ecall());
    m.core.reset(kBase);
    std::uint64_t observed = 0;
    m.core.set_trap_observer([&](const rv::TrapRecord&) { ++observed; });
    ASSERT_EQ(m.core.run(10'000'000), StopReason::halted);
    EXPECT_EQ(m.core.halt_kind(), rv::HaltKind::trap_storm);
    EXPECT_EQ(observed, rv::kTrapStormLimit - 1);  // the last one is refused
    EXPECT_EQ(x(6), rv::kTrapStormLimit - 1);
    EXPECT_NE(m.core.halt_message().find("trap storm: 1000 exceptions in a row without progress "
                                         "(each inside the handler), last: environment call"),
              std::string::npos)
        << m.core.halt_message();
}

TEST_F(TrapTest, RetriedFaultStormIsDetected) {
    // The handler counts and mret's back to the same ecall (mepc unchanged).
    m.load({lui(5, 0x80000), addi(5, 5, 0x100), csrrw(0, kMtvec, 5), ecall()});
    m.poke32(kBase + 0x100, addi(6, 6, 1));
    m.poke32(kBase + 0x104, mret());
    m.core.reset(kBase);
    ASSERT_EQ(m.core.run(10'000'000), StopReason::halted);
    EXPECT_EQ(m.core.halt_kind(), rv::HaltKind::trap_storm);
    EXPECT_EQ(x(6), rv::kTrapStormLimit);  // the first fault and 999 retries
    EXPECT_NE(m.core.halt_message().find("(mret back to the same fault)"), std::string::npos)
        << m.core.halt_message();
}

TEST_F(TrapTest, ManyTrapsWithProgressAreNoStorm) {
    // 5000 ecalls in a loop, each handled (mepc += 4) and returned from:
    // progress, however many traps.
    m.load({lui(5, 0x80000), addi(5, 5, 0x100), csrrw(0, kMtvec, 5), addi(7, 0, 1000),
            addi(7, 7, 1000), addi(7, 7, 1000), addi(7, 7, 1000), addi(7, 7, 1000),  // x7 = 5000
            ecall(), addi(7, 7, -1), bne(7, 0, -8), wfi()});
    m.poke32(kBase + 0x100, csrrs(28, kMepc, 0));
    m.poke32(kBase + 0x104, addi(28, 28, 4));
    m.poke32(kBase + 0x108, csrrw(0, kMepc, 28));
    m.poke32(kBase + 0x10c, mret());
    m.core.reset(kBase);
    ASSERT_EQ(m.core.run(10'000'000), StopReason::wfi) << m.core.halt_message();
    EXPECT_EQ(m.core.stats().traps, 5000u);
}

// ----- WFI, budget, stop -------------------------------------------------------

TEST_F(CoreTest, WfiReturnsAndResumesAfterIt) {
    m.load({wfi(), addi(10, 0, 1), wfi()});
    m.core.reset(kBase);
    EXPECT_EQ(m.core.run(100), StopReason::wfi);
    EXPECT_EQ(m.core.pc(), kBase + 4);
    EXPECT_EQ(x(10), 0u);
    EXPECT_EQ(m.core.run(100), StopReason::wfi);
    EXPECT_EQ(x(10), 1u);
    EXPECT_EQ(m.core.stats().instructions, 3u);
}

TEST_F(CoreTest, BudgetBoundsARun) {
    m.load({addi(10, 10, 1), jal(0, -4)});
    m.core.reset(kBase);
    EXPECT_EQ(m.core.run(1000), StopReason::budget);
    EXPECT_GE(m.core.stats().cycles, 1000u);
    EXPECT_LT(m.core.stats().cycles, 1000u + 3);
    EXPECT_EQ(m.core.step(), StopReason::budget);
    m.core.request_stop();
    EXPECT_EQ(m.core.run(1000), StopReason::halted);
    EXPECT_EQ(m.core.halt_kind(), rv::HaltKind::stop_requested);
}

TEST(CoreTiming, RunsCountExactlyPastTheCountersChunk) {
    // run() keeps cycles and instructions in one packed counter that it
    // resynchronises every 2^30 cycles; 300 divisions of 2^23 cycles cross
    // that boundary twice, and an unbounded budget must not overflow.
    rv::CpuTiming t;
    t.div = 1u << 23;
    t.branch_taken = 3;
    FlatMachine m(1u << 20, t);
    m.load({addi(5, 0, 300), div(6, 6, 7), addi(5, 5, -1), bne(5, 0, -8), ebreak()});
    m.core.reset(FlatMachine::kRamBase);
    ASSERT_EQ(m.core.run(~0ull), StopReason::halted);
    EXPECT_EQ(m.core.last_trap().mcause, rv::kBreakpoint);
    EXPECT_EQ(m.core.stats().instructions, 1u + 300 * 3);
    EXPECT_EQ(m.core.stats().cycles, 1u + 300ull * ((1u << 23) + 1) + 299 * 3 + 1);
    // Budgets stop at the first instruction boundary at or past them, also
    // across a chunk: the division that crosses 2^31 cycles is the 256th.
    m.core.reset(FlatMachine::kRamBase);
    ASSERT_EQ(m.core.run(1ull << 31), StopReason::budget);
    EXPECT_EQ(m.core.stats().instructions, 1u + 255 * 3 + 1);
    EXPECT_EQ(m.core.stats().cycles, 1u + 256ull * (1u << 23) + 255 * (1 + 3));
}

TEST(CoreTiming, OutOfRangeCostsAreRefused) {
    rv::CpuTiming t;
    t.mul = (1u << 23) + 1;
    EXPECT_THROW(FlatMachine(1u << 20, t), std::invalid_argument);
    FlatMachine m;
    EXPECT_THROW(m.map_ram((1u << 23) + 1, 0), std::invalid_argument);
}

// ----- decode cache --------------------------------------------------------------

TEST_F(CoreTest, SelfModifyingCodeSeenAfterFenceI) {
    // P: addi x10, x0, 1 ; bne x11, x0, end ; sw x6, 0(x5) ; fence.i ;
    //    addi x11, x0, 1 ; jal x0, P ; end: ebreak
    const u32 p = kBase + 4 * 4;
    run_to_end(cat(
        {li(5, p),
         li(6, addi(10, 0, 2)),
         {addi(10, 0, 1), bne(11, 0, 20), sw(6, 5, 0), fence_i(), addi(11, 0, 1), jal(0, -20)}}));
    EXPECT_EQ(x(10), 2u);
}

TEST_F(CoreTest, FenceIDropsCodeChangedBehindTheCoresBack) {
    // P: addi x10, x0, 1 ; wfi ; fence.i ; jal x0, P
    m.load({addi(10, 0, 1), wfi(), fence_i(), jal(0, -12)});
    m.core.reset(kBase);
    ASSERT_EQ(m.core.run(100), StopReason::wfi);
    EXPECT_EQ(x(10), 1u);
    const u32 w = addi(10, 0, 2);
    std::memcpy(&m.ram[0], &w, 4);  // like a DMA: no store seen by the core
    ASSERT_EQ(m.core.run(100), StopReason::wfi);
    EXPECT_EQ(x(10), 2u);
}

TEST_F(CoreTest, StoreToDecodedCodeIsSeenEvenWithoutFenceI) {
    // Stores invalidate the overlapping slots (allowed: fence.i is a superset).
    const u32 p = kBase + 4 * 4;
    run_to_end(
        cat({li(5, p),
             li(6, addi(10, 0, 2)),
             {addi(10, 0, 1), bne(11, 0, 20), sw(6, 5, 0), nop(), addi(11, 0, 1), jal(0, -20)}}));
    EXPECT_EQ(x(10), 2u);
}

// ----- timing, memory interface ----------------------------------------------------

TEST(CoreTiming, CyclesPerInstructionClass) {
    rv::CpuTiming t;
    t.alu = 1;
    t.load_store = 2;
    t.mul = 3;
    t.div = 34;
    t.branch_taken = 5;
    FlatMachine m(1u << 20, t, false);
    m.map_ram(4, 6);
    m.load({lui(6, 0x80008), mul(1, 1, 1), div(1, 1, 1), lw(2, 6, 0), sw(2, 6, 0), beq(0, 0, 8),
            nop(), bne(0, 0, 8), jal(0, 4), ebreak()});
    m.core.reset(FlatMachine::kRamBase);
    ASSERT_EQ(m.core.run(1000), StopReason::halted);
    EXPECT_EQ(m.core.stats().cycles, 1u + 3 + 34 + (2 + 4) + (2 + 6) + 5 + 1 + 5);
    EXPECT_EQ(m.core.stats().instructions, 8u);
}

TEST(CoreMemory, MmioLoadEndsTheBlockWithLatency) {
    FlatMachine m;
    m.mmio_value = 0xdeadbeef;
    m.mmio_latency = 7;
    m.load({lui(6, 0x10000), lw(10, 6, 4), sw(10, 6, 8), addi(11, 0, 1), ebreak()});
    m.core.reset(FlatMachine::kRamBase);
    EXPECT_EQ(m.core.run(1000), StopReason::mmio);
    EXPECT_EQ(m.core.reg(10), 0xdeadbeefu);
    EXPECT_EQ(m.core.stats().cycles, 1u + 1 + 7);
    EXPECT_EQ(m.core.run(1000), StopReason::mmio);
    EXPECT_EQ(m.last_mmio_addr, 0x10000008u);
    EXPECT_EQ(m.last_mmio_value, 0xdeadbeefu);
    EXPECT_EQ(m.core.run(1000), StopReason::halted);
    EXPECT_EQ(m.core.reg(11), 1u);
    EXPECT_EQ(m.core.stats().mmio_accesses, 2u);
}

TEST(CoreMemory, RunsWithoutFastRegionsThroughTheInterface) {
    FlatMachine m(1u << 20, {}, false);
    m.load({lui(6, 0x80008), addi(7, 0, 99), sw(7, 6, 0), lw(10, 6, 0), ebreak()});
    m.core.reset(FlatMachine::kRamBase);
    ASSERT_EQ(m.core.run(1000), StopReason::halted);
    EXPECT_EQ(m.core.reg(10), 99u);
    EXPECT_GT(m.mmio_loads, 4u);  // fetches and the load
    EXPECT_EQ(m.core.stats().dmi_bytes, 0u);
}

TEST(CoreMemory, RemovingAFastRegionFallsBackToTheInterface) {
    FlatMachine m;
    m.load({lui(6, 0x80008), lw(10, 6, 0), wfi(), lw(11, 6, 0), ebreak()});
    m.core.reset(FlatMachine::kRamBase);
    ASSERT_EQ(m.core.run(1000), StopReason::wfi);
    const auto loads = m.mmio_loads;
    m.core.remove_fast_regions(0x80008000u, 0x80008003u);
    EXPECT_TRUE(m.core.fast_regions().empty());
    ASSERT_EQ(m.core.run(1000), StopReason::halted);
    EXPECT_GT(m.mmio_loads, loads);
}

// ----- semihosting trigger -------------------------------------------------------------

namespace {
struct FakeSemihost : rv::SemihostHandler {
    std::uint32_t semihost_call(std::uint32_t op, std::uint32_t param, rv::GuestMemory&) override {
        ++calls;
        last_op = op;
        last_param = param;
        return 77;
    }
    int calls = 0;
    std::uint32_t last_op = 0, last_param = 0;
};
}  // namespace

TEST_F(CoreTest, SemihostingSequenceCallsTheHost) {
    FakeSemihost host;
    m.core.set_semihost(&host);
    run_to_end({addi(10, 0, 0x18), addi(11, 0, 0x123), 0x01f01013u, ebreak(), 0x40705013u,
                addi(12, 10, 0)});
    EXPECT_EQ(host.calls, 1);
    EXPECT_EQ(host.last_op, 0x18u);
    EXPECT_EQ(host.last_param, 0x123u);
    EXPECT_EQ(x(12), 77u);
}

TEST_F(CoreTest, EbreakWithoutTheMarkersIsABreakpoint) {
    FakeSemihost host;
    m.core.set_semihost(&host);
    run({0x01f01013u, ebreak(), nop()});
    EXPECT_EQ(host.calls, 0);
    EXPECT_EQ(m.core.last_trap().mcause, rv::kBreakpoint);
}

TEST_F(CoreTest, CounterHalfWritesSuppressTheIncrement) {
    // As riscv-tests' instret_overflow: minstret = ~0 then minstreth = ~0,
    // one nop wraps the 64-bit counter to 0.
    run_to_end({addi(5, 0, -1), csrrw(0, kMinstret, 5), csrrw(0, kMinstreth, 5), nop(),
                csrrs(10, kMinstret, 0), csrrs(11, kMinstreth, 0), csrrw(0, kMcycle, 5),
                csrrw(0, kMcycleh, 0), csrrs(12, kMcycle, 0), csrrs(13, kMcycleh, 0)});
    EXPECT_EQ(x(10), 0u);
    EXPECT_EQ(x(11), 0u);
    EXPECT_EQ(x(12), 0xffffffffu);
    EXPECT_EQ(x(13), 1u);  // the read of mcycle itself carried into the high half
}
