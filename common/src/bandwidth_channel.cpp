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

BandwidthChannel::Grant BandwidthChannel::book_run(std::uint64_t t_req, std::uint64_t addr,
                                                   std::uint64_t bytes, std::uint64_t burst,
                                                   std::uint64_t atom) {
    // Every burst after the first is requested at t_req <= busy_until, so it
    // starts where the previous one left the channel: the occupancies add up.
    std::uint64_t occ = 0, bus = 0;
    for_each_run_burst(addr, bytes, burst, atom, [&](std::uint64_t b, std::uint64_t count) {
        occ += occupancy(b) * count;
        bus += b * count;
    });
    Grant g = m_unlimited ? Grant{t_req, t_req, t_req + m_latency} : book(t_req, occ);
    g.bus_bytes = bus;
    return g;
}

BandwidthChannel::Grant BandwidthChannel::request_bursts(std::uint64_t t_req, std::uint64_t bytes,
                                                         std::uint64_t burst) {
    return book_run(t_req, 0, bytes, burst, 1);
}

BandwidthChannel::Grant BandwidthChannel::request_run(std::uint64_t t_req, std::uint64_t addr,
                                                      std::uint64_t bytes, std::uint64_t burst) {
    return book_run(t_req, addr, bytes, burst, m_atom);
}

}  // namespace vp
