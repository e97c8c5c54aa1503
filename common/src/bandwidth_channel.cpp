#include "vp/bandwidth_channel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "vp/dram_atom.h"

namespace vp {

BandwidthChannel::BandwidthChannel(double bytes_per_cycle, std::uint64_t latency_cycles)
    : m_bytes_per_cycle(bytes_per_cycle), m_latency(latency_cycles) {
    if (std::isnan(bytes_per_cycle) || bytes_per_cycle < 0.0)
        throw std::invalid_argument("bandwidth must be >= 0 bytes per cycle (0: unlimited)");
    m_unlimited = bytes_per_cycle == 0.0 || std::isinf(bytes_per_cycle);
}

BandwidthChannel::BandwidthChannel(double bytes_per_cycle, std::uint64_t latency_cycles,
                                   std::uint64_t atom)
    : BandwidthChannel(bytes_per_cycle, latency_cycles) {
    if (const std::string why = dram_atom_error(atom); !why.empty())
        throw std::invalid_argument(why);
    m_atom = atom;
}

std::uint64_t BandwidthChannel::occupancy(std::uint64_t bytes) const {
    if (m_unlimited || bytes == 0) return 0;
    const double q = static_cast<double>(bytes) / m_bytes_per_cycle;
    const double nearest = std::round(q);
    // Floating-point noise of the division (3 / 0.1 = 30.000000000000004)
    // must not cost a whole extra cycle.
    if (nearest > 0.0 && std::fabs(q - nearest) <= 1e-9 * nearest)
        return static_cast<std::uint64_t>(nearest);
    return static_cast<std::uint64_t>(std::ceil(q));
}

BandwidthChannel::Grant BandwidthChannel::book(std::uint64_t t_req, std::uint64_t occ) {
    Grant g{};
    g.start = std::max(t_req, m_busy_until);
    g.done = g.start + occ;
    m_busy_until = g.done;
    m_busy_cycles += occ;
    g.complete = g.done + m_latency;
    return g;
}

BandwidthChannel::Grant BandwidthChannel::request(std::uint64_t t_req, std::uint64_t bytes) {
    if (m_unlimited) return Grant{t_req, t_req, t_req + m_latency};
    return book(t_req, occupancy(bytes));
}

BandwidthChannel::Grant BandwidthChannel::request_bursts(std::uint64_t t_req, std::uint64_t bytes,
                                                         std::uint64_t burst) {
    if (burst == 0 || bytes <= burst || m_unlimited) return request(t_req, bytes);
    // Every burst after the first is requested at t_req <= busy_until, so it
    // starts where the previous one ended: the occupancies add up.
    const std::uint64_t n = (bytes + burst - 1) / burst;
    const std::uint64_t occ = (n - 1) * occupancy(burst) + occupancy(bytes - (n - 1) * burst);
    return book(t_req, occ);
}

std::uint64_t BandwidthChannel::run_bus_bytes(std::uint64_t addr, std::uint64_t bytes,
                                              std::uint64_t burst) const {
    return dram_run_bus_bytes(addr, bytes, burst, m_atom);
}

BandwidthChannel::Grant BandwidthChannel::request_run(std::uint64_t t_req, std::uint64_t addr,
                                                      std::uint64_t bytes, std::uint64_t burst) {
    if (m_atom <= 1 || m_unlimited) return request_bursts(t_req, bytes, burst);
    if (burst == 0 || bytes <= burst) return request(t_req, dram_bus_bytes(addr, bytes, m_atom));
    // One burst after the other, each for its atoms (as request_bursts: the
    // later bursts start where the previous one left the channel).
    const std::uint64_t n = (bytes + burst - 1) / burst;
    std::uint64_t occ = 0;
    if (burst % m_atom == 0) {
        occ = (n - 1) * occupancy(dram_bus_bytes(addr, burst, m_atom));
    } else {
        for (std::uint64_t i = 0; i + 1 < n; ++i)
            occ += occupancy(dram_bus_bytes(addr + i * burst, burst, m_atom));
    }
    occ += occupancy(dram_bus_bytes(addr + (n - 1) * burst, bytes - (n - 1) * burst, m_atom));
    return book(t_req, occ);
}

}  // namespace vp
