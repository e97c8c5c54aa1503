#include "vp/mtime_clock.h"

#include <limits>
#include <stdexcept>

namespace vp {

using u128 = unsigned __int128;

MtimeClock::MtimeClock(std::uint64_t hz, std::uint64_t units_per_second)
    : m_hz(hz), m_units(units_per_second) {
    if (hz == 0 || units_per_second == 0)
        throw std::invalid_argument("mtime clock needs a non-zero frequency and time unit");
}

std::uint64_t MtimeClock::ticks(std::uint64_t now) const {
    // Wraps past 2^64 ticks, as the 64-bit register would.
    return static_cast<std::uint64_t>(static_cast<u128>(now) * m_hz / m_units);
}

std::uint64_t MtimeClock::mtime(std::uint64_t now) const {
    return ticks(now) + m_offset;
}

void MtimeClock::set_mtime(std::uint64_t now, std::uint64_t value) {
    m_offset = value - ticks(now);
}

std::optional<std::uint64_t> MtimeClock::time_of(std::uint64_t now, std::uint64_t target) const {
    const std::uint64_t current = mtime(now);
    if (current >= target) return now;
    // Raw tick count at which mtime reaches target; then the first time unit
    // whose floor(t * hz / units) reaches it: ceil(ticks * units / hz).
    const u128 raw = static_cast<u128>(ticks(now)) + (target - current);
    const u128 t = (raw * m_units + m_hz - 1) / m_hz;
    if (t > std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
    return static_cast<std::uint64_t>(t);
}

}  // namespace vp
