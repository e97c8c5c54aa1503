// A tiny RV32IMC encoder for unit tests: rv_asm::add(1, 2, 3) is the word of
// "add x1, x2, x3". Compressed forms are written as raw halfwords in tests.
#pragma once

#include <cstdint>

namespace rv_asm {

using u32 = std::uint32_t;

constexpr u32 r_type(u32 f7, u32 rs2, u32 rs1, u32 f3, u32 rd, u32 op) {
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
constexpr u32 i_type(std::int32_t imm, u32 rs1, u32 f3, u32 rd, u32 op) {
    return ((static_cast<u32>(imm) & 0xfffu) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
constexpr u32 s_type(std::int32_t imm, u32 rs2, u32 rs1, u32 f3) {
    const u32 u = static_cast<u32>(imm);
    return (((u >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 0x1f) << 7) |
           0x23;
}
constexpr u32 b_type(std::int32_t imm, u32 rs2, u32 rs1, u32 f3) {
    const u32 u = static_cast<u32>(imm);
    return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
           (f3 << 12) | (((u >> 1) & 0xf) << 8) | (((u >> 11) & 1) << 7) | 0x63;
}

constexpr u32 lui(u32 rd, u32 imm20) {
    return (imm20 << 12) | (rd << 7) | 0x37;
}
constexpr u32 auipc(u32 rd, u32 imm20) {
    return (imm20 << 12) | (rd << 7) | 0x17;
}
constexpr u32 jal(u32 rd, std::int32_t off) {
    const u32 u = static_cast<u32>(off);
    return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3ff) << 21) | (((u >> 11) & 1) << 20) |
           (((u >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}
constexpr u32 jalr(u32 rd, u32 rs1, std::int32_t imm) {
    return i_type(imm, rs1, 0, rd, 0x67);
}
constexpr u32 beq(u32 a, u32 b, std::int32_t off) {
    return b_type(off, b, a, 0);
}
constexpr u32 bne(u32 a, u32 b, std::int32_t off) {
    return b_type(off, b, a, 1);
}
constexpr u32 blt(u32 a, u32 b, std::int32_t off) {
    return b_type(off, b, a, 4);
}
constexpr u32 bge(u32 a, u32 b, std::int32_t off) {
    return b_type(off, b, a, 5);
}
constexpr u32 bltu(u32 a, u32 b, std::int32_t off) {
    return b_type(off, b, a, 6);
}
constexpr u32 bgeu(u32 a, u32 b, std::int32_t off) {
    return b_type(off, b, a, 7);
}
constexpr u32 lb(u32 rd, u32 rs1, std::int32_t i) {
    return i_type(i, rs1, 0, rd, 0x03);
}
constexpr u32 lh(u32 rd, u32 rs1, std::int32_t i) {
    return i_type(i, rs1, 1, rd, 0x03);
}
constexpr u32 lw(u32 rd, u32 rs1, std::int32_t i) {
    return i_type(i, rs1, 2, rd, 0x03);
}
constexpr u32 lbu(u32 rd, u32 rs1, std::int32_t i) {
    return i_type(i, rs1, 4, rd, 0x03);
}
constexpr u32 lhu(u32 rd, u32 rs1, std::int32_t i) {
    return i_type(i, rs1, 5, rd, 0x03);
}
constexpr u32 sb(u32 rs2, u32 rs1, std::int32_t i) {
    return s_type(i, rs2, rs1, 0);
}
constexpr u32 sh(u32 rs2, u32 rs1, std::int32_t i) {
    return s_type(i, rs2, rs1, 1);
}
constexpr u32 sw(u32 rs2, u32 rs1, std::int32_t i) {
    return s_type(i, rs2, rs1, 2);
}
constexpr u32 addi(u32 rd, u32 rs1, std::int32_t i) {
    return i_type(i, rs1, 0, rd, 0x13);
}
constexpr u32 slti(u32 rd, u32 rs1, std::int32_t i) {
    return i_type(i, rs1, 2, rd, 0x13);
}
constexpr u32 sltiu(u32 rd, u32 rs1, std::int32_t i) {
    return i_type(i, rs1, 3, rd, 0x13);
}
constexpr u32 xori(u32 rd, u32 rs1, std::int32_t i) {
    return i_type(i, rs1, 4, rd, 0x13);
}
constexpr u32 ori(u32 rd, u32 rs1, std::int32_t i) {
    return i_type(i, rs1, 6, rd, 0x13);
}
constexpr u32 andi(u32 rd, u32 rs1, std::int32_t i) {
    return i_type(i, rs1, 7, rd, 0x13);
}
constexpr u32 slli(u32 rd, u32 rs1, u32 sh) {
    return r_type(0, sh, rs1, 1, rd, 0x13);
}
constexpr u32 srli(u32 rd, u32 rs1, u32 sh) {
    return r_type(0, sh, rs1, 5, rd, 0x13);
}
constexpr u32 srai(u32 rd, u32 rs1, u32 sh) {
    return r_type(0x20, sh, rs1, 5, rd, 0x13);
}
constexpr u32 add(u32 rd, u32 a, u32 b) {
    return r_type(0, b, a, 0, rd, 0x33);
}
constexpr u32 sub(u32 rd, u32 a, u32 b) {
    return r_type(0x20, b, a, 0, rd, 0x33);
}
constexpr u32 sll(u32 rd, u32 a, u32 b) {
    return r_type(0, b, a, 1, rd, 0x33);
}
constexpr u32 slt(u32 rd, u32 a, u32 b) {
    return r_type(0, b, a, 2, rd, 0x33);
}
constexpr u32 sltu(u32 rd, u32 a, u32 b) {
    return r_type(0, b, a, 3, rd, 0x33);
}
constexpr u32 xor_(u32 rd, u32 a, u32 b) {
    return r_type(0, b, a, 4, rd, 0x33);
}
constexpr u32 srl(u32 rd, u32 a, u32 b) {
    return r_type(0, b, a, 5, rd, 0x33);
}
constexpr u32 sra(u32 rd, u32 a, u32 b) {
    return r_type(0x20, b, a, 5, rd, 0x33);
}
constexpr u32 or_(u32 rd, u32 a, u32 b) {
    return r_type(0, b, a, 6, rd, 0x33);
}
constexpr u32 and_(u32 rd, u32 a, u32 b) {
    return r_type(0, b, a, 7, rd, 0x33);
}
constexpr u32 mul(u32 rd, u32 a, u32 b) {
    return r_type(1, b, a, 0, rd, 0x33);
}
constexpr u32 mulh(u32 rd, u32 a, u32 b) {
    return r_type(1, b, a, 1, rd, 0x33);
}
constexpr u32 mulhsu(u32 rd, u32 a, u32 b) {
    return r_type(1, b, a, 2, rd, 0x33);
}
constexpr u32 mulhu(u32 rd, u32 a, u32 b) {
    return r_type(1, b, a, 3, rd, 0x33);
}
constexpr u32 div(u32 rd, u32 a, u32 b) {
    return r_type(1, b, a, 4, rd, 0x33);
}
constexpr u32 divu(u32 rd, u32 a, u32 b) {
    return r_type(1, b, a, 5, rd, 0x33);
}
constexpr u32 rem(u32 rd, u32 a, u32 b) {
    return r_type(1, b, a, 6, rd, 0x33);
}
constexpr u32 remu(u32 rd, u32 a, u32 b) {
    return r_type(1, b, a, 7, rd, 0x33);
}
constexpr u32 fence() {
    return 0x0ff0000fu;
}
constexpr u32 fence_i() {
    return 0x0000100fu;
}
constexpr u32 ecall() {
    return 0x00000073u;
}
constexpr u32 ebreak() {
    return 0x00100073u;
}
constexpr u32 mret() {
    return 0x30200073u;
}
constexpr u32 wfi() {
    return 0x10500073u;
}
constexpr u32 csrrw(u32 rd, u32 csr, u32 rs1) {
    return (csr << 20) | (rs1 << 15) | (1 << 12) | (rd << 7) | 0x73;
}
constexpr u32 csrrs(u32 rd, u32 csr, u32 rs1) {
    return (csr << 20) | (rs1 << 15) | (2 << 12) | (rd << 7) | 0x73;
}
constexpr u32 csrrc(u32 rd, u32 csr, u32 rs1) {
    return (csr << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x73;
}
constexpr u32 csrrwi(u32 rd, u32 csr, u32 imm) {
    return (csr << 20) | (imm << 15) | (5 << 12) | (rd << 7) | 0x73;
}
constexpr u32 csrrsi(u32 rd, u32 csr, u32 imm) {
    return (csr << 20) | (imm << 15) | (6 << 12) | (rd << 7) | 0x73;
}
constexpr u32 csrrci(u32 rd, u32 csr, u32 imm) {
    return (csr << 20) | (imm << 15) | (7 << 12) | (rd << 7) | 0x73;
}
constexpr u32 nop() {
    return addi(0, 0, 0);
}

// CSR numbers
constexpr u32 kMstatus = 0x300, kMisa = 0x301, kMie = 0x304, kMtvec = 0x305, kMscratch = 0x340,
              kMepc = 0x341, kMcause = 0x342, kMtval = 0x343, kMip = 0x344, kMcycle = 0xB00,
              kMinstret = 0xB02, kMcycleh = 0xB80, kMinstreth = 0xB82, kCycle = 0xC00,
              kTime = 0xC01, kInstret = 0xC02, kCycleh = 0xC80, kTimeh = 0xC81, kInstreth = 0xC82,
              kMvendorid = 0xF11, kMarchid = 0xF12, kMimpid = 0xF13, kMhartid = 0xF14;

}  // namespace rv_asm
