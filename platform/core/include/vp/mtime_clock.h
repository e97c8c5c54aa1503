// The arithmetic of the CLINT's mtime/mtimecmp, apart from SystemC: mtime is
// a free-running counter at `hz` derived from simulated time, written values
// kept as an offset. Time is an integer count of `units_per_second` (the
// SystemC time resolution, 1e12 for the default 1 ps), so every conversion is
// exact integer arithmetic (128-bit intermediates, no floating point).
#pragma once

#include <cstdint>
#include <optional>

namespace vp {

class MtimeClock {
  public:
    // Throws std::invalid_argument when hz or units_per_second is 0.
    MtimeClock(std::uint64_t hz, std::uint64_t units_per_second);

    // mtime at time `now`: floor(now * hz / units_per_second) + offset, mod 2^64.
    std::uint64_t mtime(std::uint64_t now) const;

    // Makes mtime(now) == value from now on (the offset absorbs the difference).
    void set_mtime(std::uint64_t now, std::uint64_t value);

    // The earliest time t >= now at which mtime(t) >= target (unsigned
    // comparison), or nothing when that lies beyond the range of a 64-bit time
    // (e.g. target = all ones: "never"). Returns now when already reached.
    std::optional<std::uint64_t> time_of(std::uint64_t now, std::uint64_t target) const;

    std::uint64_t hz() const { return m_hz; }
    std::uint64_t units_per_second() const { return m_units; }

  private:
    std::uint64_t ticks(std::uint64_t now) const;  // floor(now * hz / units)

    std::uint64_t m_hz;
    std::uint64_t m_units;
    std::uint64_t m_offset = 0;
};

}  // namespace vp
