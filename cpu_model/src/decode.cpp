// RV32C expansion: every 16-bit form to its 32-bit equivalent (RISC-V
// unprivileged spec, chapter "C" standard extension, RV32 column).
#include <cstdint>

#include "rv/core.h"

namespace rv {

namespace {

constexpr std::uint32_t kOpImm = 0x13, kOp = 0x33, kLui = 0x37, kLoad = 0x03, kStore = 0x23,
                        kBranch = 0x63, kJal = 0x6f, kJalr = 0x67;

std::uint32_t bit(std::uint32_t v, unsigned pos) {
    return (v >> pos) & 1u;
}
std::uint32_t bits(std::uint32_t v, unsigned hi, unsigned lo) {
    return (v >> lo) & ((1u << (hi - lo + 1)) - 1u);
}
std::int32_t sext(std::uint32_t v, unsigned width) {
    const std::uint32_t m = 1u << (width - 1);
    return static_cast<std::int32_t>((v ^ m) - m);
}

std::uint32_t enc_i(std::int32_t imm, std::uint32_t rs1, std::uint32_t f3, std::uint32_t rd,
                    std::uint32_t op) {
    return ((static_cast<std::uint32_t>(imm) & 0xfffu) << 20) | (rs1 << 15) | (f3 << 12) |
           (rd << 7) | op;
}
std::uint32_t enc_r(std::uint32_t f7, std::uint32_t rs2, std::uint32_t rs1, std::uint32_t f3,
                    std::uint32_t rd, std::uint32_t op) {
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
std::uint32_t enc_s(std::int32_t imm, std::uint32_t rs2, std::uint32_t rs1, std::uint32_t f3) {
    const auto u = static_cast<std::uint32_t>(imm);
    return (bits(u, 11, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (bits(u, 4, 0) << 7) |
           kStore;
}
std::uint32_t enc_b(std::int32_t imm, std::uint32_t rs2, std::uint32_t rs1, std::uint32_t f3) {
    const auto u = static_cast<std::uint32_t>(imm);
    return (bit(u, 12) << 31) | (bits(u, 10, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
           (bits(u, 4, 1) << 8) | (bit(u, 11) << 7) | kBranch;
}
std::uint32_t enc_j(std::int32_t imm, std::uint32_t rd) {
    const auto u = static_cast<std::uint32_t>(imm);
    return (bit(u, 20) << 31) | (bits(u, 10, 1) << 21) | (bit(u, 11) << 20) |
           (bits(u, 19, 12) << 12) | (rd << 7) | kJal;
}

// c.j / c.jal offset: imm[11|4|9:8|10|6|7|3:1|5] = c[12|11|10:9|8|7|6|5:3|2]
std::int32_t cj_imm(std::uint32_t c) {
    const std::uint32_t v = (bit(c, 12) << 11) | (bit(c, 11) << 4) | (bits(c, 10, 9) << 8) |
                            (bit(c, 8) << 10) | (bit(c, 7) << 6) | (bit(c, 6) << 7) |
                            (bits(c, 5, 3) << 1) | (bit(c, 2) << 5);
    return sext(v, 12);
}
// c.beqz / c.bnez offset: imm[8|4:3] = c[12|11:10], imm[7:6|2:1|5] = c[6:5|4:3|2]
std::int32_t cb_imm(std::uint32_t c) {
    const std::uint32_t v = (bit(c, 12) << 8) | (bits(c, 11, 10) << 3) | (bits(c, 6, 5) << 6) |
                            (bits(c, 4, 3) << 1) | (bit(c, 2) << 5);
    return sext(v, 9);
}
// 6-bit signed immediate imm[5] = c[12], imm[4:0] = c[6:2]
std::int32_t ci_imm(std::uint32_t c) {
    return sext((bit(c, 12) << 5) | bits(c, 6, 2), 6);
}

}  // namespace

std::uint32_t expand_compressed(std::uint16_t c16) {
    const std::uint32_t c = c16;
    const std::uint32_t f3 = bits(c, 15, 13);
    const std::uint32_t rd = bits(c, 11, 7);  // full register fields
    const std::uint32_t rs2 = bits(c, 6, 2);
    const std::uint32_t rdp = bits(c, 4, 2) + 8;   // rd' / rs2'
    const std::uint32_t rs1p = bits(c, 9, 7) + 8;  // rs1' / rd'
    switch (c & 3u) {
        case 0:  // quadrant 0
            switch (f3) {
                case 0: {  // c.addi4spn: nzuimm[5:4|9:6|2|3] = c[12:11|10:7|6|5]
                    const std::uint32_t imm = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) |
                                              (bit(c, 6) << 2) | (bit(c, 5) << 3);
                    if (imm == 0) return 0;  // includes the all-zero illegal instruction
                    return enc_i(static_cast<std::int32_t>(imm), 2, 0, rdp, kOpImm);
                }
                case 2: {  // c.lw: uimm[5:3|2|6] = c[12:10|6|5]
                    const std::uint32_t imm =
                        (bits(c, 12, 10) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6);
                    return enc_i(static_cast<std::int32_t>(imm), rs1p, 2, rdp, kLoad);
                }
                case 6: {  // c.sw
                    const std::uint32_t imm =
                        (bits(c, 12, 10) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6);
                    return enc_s(static_cast<std::int32_t>(imm), rdp, rs1p, 2);
                }
                default:
                    return 0;  // c.fld, c.flw, c.fsd, c.fsw, reserved: no F/D
            }
        case 1:  // quadrant 1
            switch (f3) {
                case 0:
                    return enc_i(ci_imm(c), rd, 0, rd, kOpImm);  // c.addi / c.nop (hints ok)
                case 1:
                    return enc_j(cj_imm(c), 1);  // c.jal (RV32)
                case 2:
                    return enc_i(ci_imm(c), 0, 0, rd, kOpImm);  // c.li
                case 3:
                    if (rd == 2) {  // c.addi16sp: nzimm[9|4|6|8:7|5] = c[12|6|5|4:3|2]
                        const std::uint32_t v = (bit(c, 12) << 9) | (bit(c, 6) << 4) |
                                                (bit(c, 5) << 6) | (bits(c, 4, 3) << 7) |
                                                (bit(c, 2) << 5);
                        if (v == 0) return 0;
                        return enc_i(sext(v, 10), 2, 0, 2, kOpImm);
                    } else {  // c.lui: nzimm[17|16:12] = c[12|6:2]
                        const std::int32_t imm = ci_imm(c);
                        if (imm == 0) return 0;
                        return (static_cast<std::uint32_t>(imm) << 12) | (rd << 7) | kLui;
                    }
                case 4:
                    switch (bits(c, 11, 10)) {
                        case 0:                        // c.srli
                            if (bit(c, 12)) return 0;  // shamt[5] = 1: reserved on RV32
                            return enc_r(0x00, rs2, rs1p, 5, rs1p, kOpImm);
                        case 1:  // c.srai
                            if (bit(c, 12)) return 0;
                            return enc_r(0x20, rs2, rs1p, 5, rs1p, kOpImm);
                        case 2:
                            return enc_i(ci_imm(c), rs1p, 7, rs1p, kOpImm);  // c.andi
                        default:
                            if (bit(c, 12)) return 0;  // c.subw/c.addw (RV64) and reserved
                            switch (bits(c, 6, 5)) {
                                case 0:
                                    return enc_r(0x20, rdp, rs1p, 0, rs1p, kOp);  // c.sub
                                case 1:
                                    return enc_r(0x00, rdp, rs1p, 4, rs1p, kOp);  // c.xor
                                case 2:
                                    return enc_r(0x00, rdp, rs1p, 6, rs1p, kOp);  // c.or
                                default:
                                    return enc_r(0x00, rdp, rs1p, 7, rs1p, kOp);  // c.and
                            }
                    }
                case 5:
                    return enc_j(cj_imm(c), 0);  // c.j
                case 6:
                    return enc_b(cb_imm(c), 0, rs1p, 0);  // c.beqz
                default:
                    return enc_b(cb_imm(c), 0, rs1p, 1);  // c.bnez
            }
        case 2:  // quadrant 2
            switch (f3) {
                case 0:  // c.slli
                    if (bit(c, 12)) return 0;
                    return enc_r(0x00, rs2, rd, 1, rd, kOpImm);
                case 2: {  // c.lwsp: uimm[5|4:2|7:6] = c[12|6:4|3:2]
                    if (rd == 0) return 0;
                    const std::uint32_t imm =
                        (bit(c, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6);
                    return enc_i(static_cast<std::int32_t>(imm), 2, 2, rd, kLoad);
                }
                case 4:
                    if (bit(c, 12) == 0) {
                        if (rs2 == 0) {  // c.jr
                            if (rd == 0) return 0;
                            return enc_i(0, rd, 0, 0, kJalr);
                        }
                        return enc_r(0x00, rs2, 0, 0, rd, kOp);  // c.mv
                    }
                    if (rs2 == 0) {
                        if (rd == 0) return 0x00100073u;   // c.ebreak
                        return enc_i(0, rd, 0, 1, kJalr);  // c.jalr
                    }
                    return enc_r(0x00, rs2, rd, 0, rd, kOp);  // c.add
                case 6: {                                     // c.swsp: uimm[5:2|7:6] = c[12:9|8:7]
                    const std::uint32_t imm = (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6);
                    return enc_s(static_cast<std::int32_t>(imm), rs2, 2, 2);
                }
                default:
                    return 0;  // c.fldsp, c.flwsp, c.fsdsp, c.fswsp
            }
        default:
            return 0;  // not a compressed instruction
    }
}

}  // namespace rv
