// Timing of one memory port: a pipelined latency in front of a channel of
// limited bandwidth that all initiators share, in whole cycles.
//
// A request of `bytes` presented at cycle t_req waits until the channel is
// free (start = max(t_req, busy_until)), occupies it for
// ceil(bytes / bytes_per_cycle) cycles, and completes `latency` cycles after
// its last beat left the channel. The latency is pipelined: it overlaps other
// transfers. The occupancy is not: it is what bandwidth sharing means.
//
// Temporally decoupled initiators present requests in simulation order, not
// in time order: a CPU that ran ahead in its quantum may book the channel for
// cycle 900 before the NPU's DMA asks for cycle 500. The channel never moves
// busy_until backwards, so the later-arriving request waits behind the
// earlier-booked one. This keeps the total bandwidth exact (no cycle is ever
// used twice) and serves requests first-come-first-served in simulation
// order; it misplaces individual waits by at most the initiators' quantum.
//
// DRAM granularity (dram_atom.h): a channel built with an atom of A bytes
// books a transaction at an address for the atoms it touches, so its
// occupancy is ceil(bus bytes / bytes_per_cycle) (request_run). Atom 1: the
// transaction's own bytes, as request() and request_bursts() book.
//
// Lives in common/ (below every model) so that the platform memory and the
// compiler's cycle prediction book the same channel arithmetic.
#pragma once

#include <cstdint>

namespace vp {

class BandwidthChannel {
  public:
    struct Grant {
        std::uint64_t start;          // first cycle on the channel
        std::uint64_t done;           // cycle after the last beat (= start + occupancy)
        std::uint64_t complete;       // done + latency: when the initiator sees the response
        std::uint64_t bus_bytes = 0;  // request_bursts, request_run: the bytes they booked for
    };

    // bytes_per_cycle: 0 or +infinity mean no bandwidth limit (only latency);
    // negative or NaN throw std::invalid_argument.
    BandwidthChannel(double bytes_per_cycle, std::uint64_t latency_cycles);
    // With a DRAM atom (a power of two, dram_atom_error; throws
    // std::invalid_argument otherwise) that request_run books by.
    BandwidthChannel(double bytes_per_cycle, std::uint64_t latency_cycles, std::uint64_t atom);

    // Cycles `bytes` occupy the channel: ceil(bytes / bytes_per_cycle), with a
    // quotient within a relative 1e-9 of an integer taken as that integer, so
    // decimal rates that binary floating point cannot hold (0.1, 1/3) count
    // exactly. 0 when unlimited.
    std::uint64_t occupancy(std::uint64_t bytes) const;

    // Books the channel for a transfer requested at cycle t_req.
    Grant request(std::uint64_t t_req, std::uint64_t bytes);
    // Books a transfer of `bytes` moved as bursts of `burst` bytes (the last
    // one shorter), all requested at t_req: exactly what one request() per
    // burst books (each burst starts when the previous one leaves the
    // channel), in one step. burst 0 or >= bytes: one request().
    Grant request_bursts(std::uint64_t t_req, std::uint64_t bytes, std::uint64_t burst);
    // request_bursts of a run at DRAM address `addr`, each burst occupying
    // the channel for its bus bytes (dram_bus_bytes with this channel's atom):
    // exactly what one request_run per burst books. Atom 1: request_bursts.
    Grant request_run(std::uint64_t t_req, std::uint64_t addr, std::uint64_t bytes,
                      std::uint64_t burst);

    bool unlimited() const { return m_unlimited; }
    double bytes_per_cycle() const { return m_bytes_per_cycle; }
    std::uint64_t latency() const { return m_latency; }
    std::uint64_t atom() const { return m_atom; }
    std::uint64_t busy_until() const { return m_busy_until; }
    std::uint64_t busy_cycles() const { return m_busy_cycles; }  // sum of occupancies

  private:
    // Occupies the channel for `occ` cycles from max(t_req, busy_until).
    Grant book(std::uint64_t t_req, std::uint64_t occ);
    // A run's bursts, each for its bus bytes with `atom`, booked back to back.
    Grant book_run(std::uint64_t t_req, std::uint64_t addr, std::uint64_t bytes,
                   std::uint64_t burst, std::uint64_t atom);

    double m_bytes_per_cycle;
    std::uint64_t m_latency;
    bool m_unlimited;
    std::uint64_t m_atom = 1;
    std::uint64_t m_busy_until = 0;
    std::uint64_t m_busy_cycles = 0;
};

}  // namespace vp
