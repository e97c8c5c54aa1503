// The DRAM atom rule (dram_atom.h).
#include "vp/dram_atom.h"

namespace vp {

std::string dram_atom_error(std::uint64_t atom) {
    if (atom == 0 || atom > 4096 || (atom & (atom - 1)) != 0)
        return "--dram-atom must be a power of two in 1..4096 bytes (got " + std::to_string(atom) +
               ")";
    return {};
}

std::uint64_t dram_atoms(std::uint64_t addr, std::uint64_t len, std::uint64_t atom) {
    if (len == 0) return 0;
    if (atom <= 1) return len;
    return (addr + len - 1) / atom - addr / atom + 1;
}

std::uint64_t dram_bus_bytes(std::uint64_t addr, std::uint64_t len, std::uint64_t atom) {
    return dram_atoms(addr, len, atom) * (atom ? atom : 1);
}

std::uint64_t dram_run_bus_bytes(std::uint64_t addr, std::uint64_t len, std::uint64_t burst,
                                 std::uint64_t atom) {
    if (atom <= 1) return len;
    if (burst == 0 || len <= burst) return dram_bus_bytes(addr, len, atom);
    const std::uint64_t n = (len + burst - 1) / burst;  // bursts; the last may be shorter
    std::uint64_t sum = 0;
    if (burst % atom == 0) {
        // Every full burst starts at the same offset within an atom.
        sum = (n - 1) * dram_bus_bytes(addr, burst, atom);
    } else {
        for (std::uint64_t i = 0; i + 1 < n; ++i)
            sum += dram_bus_bytes(addr + i * burst, burst, atom);
    }
    return sum + dram_bus_bytes(addr + (n - 1) * burst, len - (n - 1) * burst, atom);
}

}  // namespace vp
