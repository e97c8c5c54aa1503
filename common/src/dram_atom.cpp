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
    std::uint64_t sum = 0;
    for_each_run_burst(addr, len, burst, atom,
                       [&](std::uint64_t bus, std::uint64_t count) { sum += bus * count; });
    return sum;
}

}  // namespace vp
