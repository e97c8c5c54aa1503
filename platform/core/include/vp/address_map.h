// Address decode of a bus: a set of non-overlapping windows [base, base+size)
// of a 64-bit address space, each naming the target (an index) behind it.
// The router (vp::Router) wraps this class; tests call it without SystemC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vp {

class AddressMap {
  public:
    struct Range {
        std::uint64_t base = 0;
        std::uint64_t size = 0;
        std::string name;
        unsigned target = 0;  // index given by add(): the order of insertion

        std::uint64_t last() const { return base + (size - 1); }  // no overflow at 2^64-1
        bool contains(std::uint64_t addr) const { return addr >= base && addr - base < size; }
    };

    struct Hit {
        unsigned target;      // index of the range (insertion order)
        std::uint64_t local;  // address relative to the range's base
    };

    // Adds a window and returns its target index (0, 1, ... in call order).
    // Throws std::invalid_argument for an empty window, one that runs past the
    // end of the 64-bit space, or one that overlaps a window already added
    // (the message names both).
    unsigned add(std::uint64_t base, std::uint64_t size, const std::string& name);

    // The window holding [addr, addr+length) entirely, or nothing when the
    // address is unmapped, the access runs past the window's end (into a gap or
    // the next window) or length is 0.
    std::optional<Hit> decode(std::uint64_t addr, std::uint64_t length = 1) const;

    // The range an index names (throws std::out_of_range).
    const Range& range(unsigned target) const { return m_by_target.at(target); }
    std::size_t size() const { return m_by_target.size(); }

    // The largest unmapped interval [first, last] around addr (addr must be
    // unmapped): what a router reports for a refused DMI request.
    std::pair<std::uint64_t, std::uint64_t> gap_around(std::uint64_t addr) const;

  private:
    std::vector<Range> m_sorted;     // by base, for the binary search
    std::vector<Range> m_by_target;  // by index
};

}  // namespace vp
