// Configuration of the RV32 CPU model (plain data; the platform fills it from
// the command line).
#pragma once

#include <cstdint>
#include <string>

namespace rv {

// Cycles per instruction class (the CPU's documented timing model).
struct CpuTiming {
    unsigned alu = 1;           // integer ALU, lui/auipc, csr, fence, not-taken branch
    unsigned load_store = 1;    // plus the memory's latency for the access
    unsigned mul = 3;           // mul, mulh, mulhsu, mulhu
    unsigned div = 34;          // div, divu, rem, remu
    unsigned branch_taken = 3;  // taken branches, jal, jalr
};

struct CpuConfig {
    CpuTiming timing;
    std::uint64_t quantum_cycles = 10000;  // temporal decoupling quantum
    std::uint64_t max_cycles = 0;          // 0: no limit; else the run fails past it
    std::uint32_t hart_id = 0;
    std::string semihost_root;  // empty: semihosting console only
};

}  // namespace rv
