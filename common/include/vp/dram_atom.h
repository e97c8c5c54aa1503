// DRAM access granularity: the one rule for how many bytes a DRAM
// transaction really moves on the DRAM bus ("bus bytes"), used by the
// platform's memory (channel occupancy and counters), the NPU core (its
// per-tensor bus-byte counters) and the compiler (its prediction).
//
// A DRAM moves whole atoms (a burst of the device: 32 bytes for a x16 DDR4
// burst of 16 beats, 64 bytes for a LPDDR4 x16 BL32), aligned to the atom.
// A transaction [addr, addr + len) occupies every atom it touches:
//
//     atoms(addr, len) = floor((addr + len - 1) / atom) - floor(addr / atom) + 1   (len > 0)
//     bus bytes        = atoms * atom
//
// Aligned rather than ceil(len / atom): a 4-byte read that straddles an
// atom boundary costs two DRAM bursts on real parts, and the compiler knows
// every tensor's DRAM address from its layout, so it predicts the aligned
// count exactly. A DMA run moved as bursts of `burst` bytes (the first one at
// the run's address, the last one shorter) is that many transactions, each
// with its own atoms: dram_run_bus_bytes. atom 1 is byte granularity (bus
// bytes = useful bytes).
#pragma once

#include <cstdint>
#include <string>

namespace vp {

// The --dram-atom default.
constexpr std::uint32_t kDefaultDramAtom = 32;

// Empty when `atom` is a valid atom (a power of two in 1..4096 bytes), else
// one line saying so.
std::string dram_atom_error(std::uint64_t atom);

// Atoms a transaction [addr, addr + len) touches (0 for len 0). atom 0 counts as 1.
std::uint64_t dram_atoms(std::uint64_t addr, std::uint64_t len, std::uint64_t atom);

// Bytes on the DRAM bus for that transaction: dram_atoms * atom.
std::uint64_t dram_bus_bytes(std::uint64_t addr, std::uint64_t len, std::uint64_t atom);

// The bursts of a run of `len` bytes at `addr` moved as bursts of `burst`
// bytes (the first at addr, the last one shorter; burst 0 or >= len: one
// transaction): calls f(bus bytes of a burst, how many bursts have them),
// full bursts that start at the same offset within an atom taken together.
template <typename F>
void for_each_run_burst(std::uint64_t addr, std::uint64_t len, std::uint64_t burst,
                        std::uint64_t atom, F&& f) {
    if (len == 0) return;
    if (burst == 0 || len <= burst) {
        f(dram_bus_bytes(addr, len, atom), std::uint64_t{1});
        return;
    }
    const std::uint64_t n = (len + burst - 1) / burst;
    if (atom <= 1 || burst % atom == 0) {
        f(dram_bus_bytes(addr, burst, atom), n - 1);
    } else {
        for (std::uint64_t i = 0; i + 1 < n; ++i)
            f(dram_bus_bytes(addr + i * burst, burst, atom), std::uint64_t{1});
    }
    f(dram_bus_bytes(addr + (n - 1) * burst, len - (n - 1) * burst, atom), std::uint64_t{1});
}

// Bus bytes of such a run: the sum of dram_bus_bytes over its bursts.
std::uint64_t dram_run_bus_bytes(std::uint64_t addr, std::uint64_t len, std::uint64_t burst,
                                 std::uint64_t atom);

}  // namespace vp
