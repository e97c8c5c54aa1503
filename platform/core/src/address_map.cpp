#include "vp/address_map.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace vp {

namespace {
std::string hex(std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}
std::string describe(const AddressMap::Range& r) {
    return "'" + r.name + "' [" + hex(r.base) + ", " + hex(r.last()) + "]";
}
}  // namespace

unsigned AddressMap::add(std::uint64_t base, std::uint64_t size, const std::string& name) {
    Range r;
    r.base = base;
    r.size = size;
    r.name = name;
    r.target = static_cast<unsigned>(m_by_target.size());
    if (size == 0) throw std::invalid_argument("address window '" + name + "' is empty");
    if (size - 1 > std::numeric_limits<std::uint64_t>::max() - base)
        throw std::invalid_argument("address window '" + name + "' at " + hex(base) +
                                    " runs past the end of the address space");
    for (const Range& o : m_sorted) {
        if (r.base <= o.last() && o.base <= r.last())
            throw std::invalid_argument("address window " + describe(r) + " overlaps " +
                                        describe(o));
    }
    auto pos = std::upper_bound(m_sorted.begin(), m_sorted.end(), base,
                                [](std::uint64_t b, const Range& x) { return b < x.base; });
    m_sorted.insert(pos, r);
    m_by_target.push_back(r);
    return r.target;
}

std::optional<AddressMap::Hit> AddressMap::decode(std::uint64_t addr, std::uint64_t length) const {
    if (length == 0) return std::nullopt;
    // The last range whose base is <= addr.
    auto it = std::upper_bound(m_sorted.begin(), m_sorted.end(), addr,
                               [](std::uint64_t a, const Range& x) { return a < x.base; });
    if (it == m_sorted.begin()) return std::nullopt;
    const Range& r = *std::prev(it);
    const std::uint64_t local = addr - r.base;
    if (local >= r.size || length > r.size - local) return std::nullopt;
    return Hit{r.target, local};
}

std::pair<std::uint64_t, std::uint64_t> AddressMap::gap_around(std::uint64_t addr) const {
    std::uint64_t first = 0;
    std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
    for (const Range& r : m_sorted) {
        if (r.contains(addr)) return {addr, addr};  // not a gap: degenerate answer
        if (r.last() < addr) first = std::max(first, r.last() + 1);
        if (r.base > addr) last = std::min(last, r.base - 1);
    }
    return {first, last};
}

}  // namespace vp
