#include "vp/bandwidth_channel.h"
#include "vp/dram_atom.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

using vp::BandwidthChannel;

TEST(BandwidthChannel, OccupancyIsCeilOfBytesOverRate) {
    BandwidthChannel ch(16.0, 100);
    EXPECT_EQ(ch.occupancy(0), 0u);
    EXPECT_EQ(ch.occupancy(1), 1u);
    EXPECT_EQ(ch.occupancy(16), 1u);
    EXPECT_EQ(ch.occupancy(17), 2u);
    EXPECT_EQ(ch.occupancy(64), 4u);
    EXPECT_EQ(ch.occupancy(65536), 4096u);
}

TEST(BandwidthChannel, SingleRequestCompletesAfterOccupancyPlusLatency) {
    BandwidthChannel ch(16.0, 100);
    const auto g = ch.request(10, 64);
    EXPECT_EQ(g.start, 10u);
    EXPECT_EQ(g.done, 14u);
    EXPECT_EQ(g.complete, 114u);
    EXPECT_EQ(ch.busy_until(), 14u);
    EXPECT_EQ(ch.busy_cycles(), 4u);
}

TEST(BandwidthChannel, LatencyIsPipelinedBandwidthIsNot) {
    BandwidthChannel ch(16.0, 100);
    // Back-to-back requests at the same cycle: each waits for the previous
    // one's beats only, not its latency.
    const auto a = ch.request(0, 64);
    const auto b = ch.request(0, 64);
    const auto c = ch.request(0, 32);
    EXPECT_EQ(a.start, 0u);
    EXPECT_EQ(a.complete, 104u);
    EXPECT_EQ(b.start, 4u);
    EXPECT_EQ(b.complete, 108u);
    EXPECT_EQ(c.start, 8u);
    EXPECT_EQ(c.done, 10u);
    EXPECT_EQ(c.complete, 110u);
    EXPECT_EQ(ch.busy_cycles(), 10u);
}

TEST(BandwidthChannel, IdleGapIsNotCarriedForward) {
    BandwidthChannel ch(8.0, 5);
    EXPECT_EQ(ch.request(0, 16).complete, 7u);   // busy 0..2
    EXPECT_EQ(ch.request(100, 16).start, 100u);  // channel idle since 2
    EXPECT_EQ(ch.request(100, 16).complete, 109u);
    EXPECT_EQ(ch.busy_until(), 104u);
}

TEST(BandwidthChannel, TwoInitiatorsShareTheBandwidth) {
    // Two initiators each streaming 64-byte bursts at 16 B/cycle: together
    // they get 16 B/cycle, i.e. each sees its bursts spaced 8 cycles apart.
    BandwidthChannel ch(16.0, 20);
    std::uint64_t cpu_last = 0, dma_last = 0;
    for (int i = 0; i < 10; ++i) {
        const auto c = ch.request(0, 64);
        const auto d = ch.request(0, 64);
        EXPECT_EQ(c.start, static_cast<std::uint64_t>(8 * i));
        EXPECT_EQ(d.start, static_cast<std::uint64_t>(8 * i + 4));
        cpu_last = c.complete;
        dma_last = d.complete;
    }
    EXPECT_EQ(cpu_last, 72u + 4u + 20u);
    EXPECT_EQ(dma_last, 76u + 4u + 20u);
    EXPECT_EQ(ch.busy_cycles(), 80u);
}

TEST(BandwidthChannel, OutOfOrderRequestWaitsBehindEarlierBooking) {
    // A decoupled initiator booked cycle 900; a request for cycle 500 that
    // arrives later in simulation order queues behind it (documented).
    BandwidthChannel ch(4.0, 10);
    EXPECT_EQ(ch.request(900, 40).done, 910u);
    const auto late = ch.request(500, 4);
    EXPECT_EQ(late.start, 910u);
    EXPECT_EQ(late.complete, 921u);
}

TEST(BandwidthChannel, NonIntegerRates) {
    BandwidthChannel half(0.5, 0);
    EXPECT_EQ(half.occupancy(1), 2u);
    EXPECT_EQ(half.occupancy(3), 6u);

    BandwidthChannel r25(2.5, 3);
    EXPECT_EQ(r25.occupancy(5), 2u);
    EXPECT_EQ(r25.occupancy(6), 3u);    // 2.4 -> 3
    EXPECT_EQ(r25.occupancy(64), 26u);  // 25.6 -> 26
    const auto a = r25.request(0, 6);
    const auto b = r25.request(0, 5);
    EXPECT_EQ(a.done, 3u);
    EXPECT_EQ(b.start, 3u);
    EXPECT_EQ(b.done, 5u);
    EXPECT_EQ(b.complete, 8u);

    // Decimal and repeating rates binary floating point cannot hold exactly.
    BandwidthChannel tenth(0.1, 0);
    EXPECT_EQ(tenth.occupancy(3), 30u);  // 3 / 0.1 = 30.000000000000004 in doubles
    EXPECT_EQ(tenth.occupancy(7), 70u);
    BandwidthChannel third(1.0 / 3.0, 0);
    EXPECT_EQ(third.occupancy(3), 9u);
    EXPECT_EQ(third.occupancy(4), 12u);
    BandwidthChannel r12_8(12.8, 0);
    EXPECT_EQ(r12_8.occupancy(64), 5u);
    EXPECT_EQ(r12_8.occupancy(65), 6u);
}

TEST(BandwidthChannel, ZeroOrInfiniteRateMeansOnlyLatency) {
    for (double rate : {0.0, std::numeric_limits<double>::infinity()}) {
        BandwidthChannel ch(rate, 7);
        EXPECT_TRUE(ch.unlimited());
        EXPECT_EQ(ch.occupancy(1 << 20), 0u);
        EXPECT_EQ(ch.request(5, 4096).complete, 12u);
        EXPECT_EQ(ch.request(5, 4096).complete, 12u);  // no serialisation
        EXPECT_EQ(ch.busy_cycles(), 0u);
    }
}

TEST(BandwidthChannel, RejectsNegativeAndNaNRates) {
    EXPECT_THROW(BandwidthChannel(-1.0, 0), std::invalid_argument);
    EXPECT_THROW(BandwidthChannel(std::nan(""), 0), std::invalid_argument);
}

TEST(BandwidthChannel, GrantsNeverOverlapAndNeverPrecedeTheirRequest) {
    std::uint64_t seed = 7;
    auto next = [&seed] {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        return seed >> 33;
    };
    BandwidthChannel ch(3.5, 40);
    std::uint64_t t = 0, prev_done = 0, occupied = 0;
    for (int i = 0; i < 2000; ++i) {
        t += next() % 20;
        // Decoupled initiators: a request may be up to 50 cycles in the past.
        const std::uint64_t t_req = t > 50 ? t - next() % 50 : t;
        const std::uint64_t bytes = 1 + next() % 256;
        const auto g = ch.request(t_req, bytes);
        EXPECT_GE(g.start, t_req);
        EXPECT_GE(g.start, prev_done);  // first-come-first-served, no overlap
        EXPECT_EQ(g.done - g.start, ch.occupancy(bytes));
        EXPECT_EQ(g.done - g.start, static_cast<std::uint64_t>(std::ceil(bytes / 3.5)));
        EXPECT_EQ(g.complete, g.done + 40);
        prev_done = g.done;
        occupied += g.done - g.start;
    }
    EXPECT_EQ(ch.busy_cycles(), occupied);
}

// A transfer booked as bursts in one step equals one request() per burst,
// all at the same cycle: same start, done, completion, busy cycles, and the
// same channel state for the next request (rates that do and do not divide
// the burst, a last burst shorter, a channel busy from before, unlimited).
TEST(BandwidthChannel, RequestBurstsEqualsOneRequestPerBurst) {
    for (const double rate : {0.0, 16.0, 3.5, 0.1, 7.0}) {
        for (const std::uint64_t burst : {1u, 64u, 100u, 4096u}) {
            for (const std::uint64_t bytes : {1u, 63u, 64u, 65u, 1000u, 12345u}) {
                BandwidthChannel one(rate, 40), many(rate, 40);
                one.request(0, 300);  // busy from an earlier transfer
                many.request(0, 300);
                const auto g = one.request_bursts(5, bytes, burst);
                BandwidthChannel::Grant first{}, last{};
                for (std::uint64_t off = 0; off < bytes; off += burst) {
                    last = many.request(5, std::min(burst, bytes - off));
                    if (off == 0) first = last;
                }
                const std::string what = std::to_string(rate) + " B/cycle, burst " +
                                         std::to_string(burst) + ", " + std::to_string(bytes) +
                                         " bytes";
                EXPECT_EQ(g.start, first.start) << what;
                EXPECT_EQ(g.done, last.done) << what;
                EXPECT_EQ(g.complete, last.complete) << what;
                EXPECT_EQ(one.busy_cycles(), many.busy_cycles()) << what;
                EXPECT_EQ(one.busy_until(), many.busy_until()) << what;
                EXPECT_EQ(one.request(7, 64).complete, many.request(7, 64).complete) << what;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// DRAM atoms (vp/dram_atom.h)

TEST(DramAtom, AlignedAtomsTouched) {
    using vp::dram_atoms;
    using vp::dram_bus_bytes;
    EXPECT_EQ(dram_atoms(0, 0, 32), 0u);
    EXPECT_EQ(dram_atoms(0, 1, 32), 1u);
    EXPECT_EQ(dram_atoms(31, 1, 32), 1u);
    EXPECT_EQ(dram_atoms(31, 2, 32), 2u);  // straddles a boundary
    EXPECT_EQ(dram_atoms(0, 32, 32), 1u);
    EXPECT_EQ(dram_atoms(16, 32, 32), 2u);  // 32 bytes, misaligned: two atoms
    EXPECT_EQ(dram_atoms(0x80000007, 56, 32), 2u);
    EXPECT_EQ(dram_atoms(0x80000018, 56, 32), 3u);
    EXPECT_EQ(dram_bus_bytes(5, 1, 32), 32u);
    EXPECT_EQ(dram_bus_bytes(5, 3, 1), 3u);  // atom 1: byte granular
    EXPECT_EQ(dram_bus_bytes(100, 64, 64), 128u);
}

TEST(DramAtom, RunBusBytesSumOverItsBursts) {
    for (const std::uint64_t atom : {1u, 4u, 32u, 64u, 128u})
        for (const std::uint64_t burst : {0u, 12u, 32u, 64u, 100u})
            for (const std::uint64_t addr : {0u, 1u, 31u, 32u, 77u})
                for (const std::uint64_t len : {1u, 31u, 64u, 65u, 1000u}) {
                    std::uint64_t want = 0;
                    const std::uint64_t step = burst ? burst : len;
                    for (std::uint64_t off = 0; off < len; off += step)
                        want += vp::dram_bus_bytes(addr + off, std::min(step, len - off), atom);
                    EXPECT_EQ(vp::dram_run_bus_bytes(addr, len, burst, atom), want)
                        << atom << " " << burst << " " << addr << " " << len;
                }
}

TEST(DramAtom, OnlyPowersOfTwoUpTo4096) {
    EXPECT_TRUE(vp::dram_atom_error(1).empty());
    EXPECT_TRUE(vp::dram_atom_error(32).empty());
    EXPECT_TRUE(vp::dram_atom_error(4096).empty());
    for (const std::uint64_t bad : {0u, 3u, 48u, 8192u})
        EXPECT_NE(vp::dram_atom_error(bad).find("--dram-atom"), std::string::npos) << bad;
    EXPECT_THROW(BandwidthChannel(16.0, 0, 24), std::invalid_argument);
}

// A run booked with request_run equals one request of each burst's bus bytes
// at the same cycle; atom 1 equals request_bursts.
TEST(DramAtom, RequestRunEqualsOneRequestPerBurstOfItsAtoms) {
    for (const double rate : {16.0, 3.5, 0.0})
        for (const std::uint64_t atom : {1u, 32u, 64u})
            for (const std::uint64_t burst : {0u, 64u, 100u})
                for (const std::uint64_t addr : {0u, 7u, 48u})
                    for (const std::uint64_t bytes : {1u, 33u, 64u, 1000u}) {
                        BandwidthChannel one(rate, 40, atom), many(rate, 40);
                        one.request(0, 300);
                        many.request(0, 300);
                        const auto g = one.request_run(5, addr, bytes, burst);
                        BandwidthChannel::Grant first{}, last{};
                        const std::uint64_t step = burst ? burst : bytes;
                        for (std::uint64_t off = 0; off < bytes; off += step) {
                            last = many.request(
                                5,
                                vp::dram_bus_bytes(addr + off, std::min(step, bytes - off), atom));
                            if (off == 0) first = last;
                        }
                        const std::string what = std::to_string(rate) + " " + std::to_string(atom) +
                                                 " " + std::to_string(burst) + " " +
                                                 std::to_string(addr) + " " + std::to_string(bytes);
                        EXPECT_EQ(g.start, first.start) << what;
                        EXPECT_EQ(g.done, last.done) << what;
                        EXPECT_EQ(g.complete, last.complete) << what;
                        EXPECT_EQ(one.busy_cycles(), many.busy_cycles()) << what;
                        if (atom == 1) {
                            BandwidthChannel plain(rate, 40);
                            plain.request(0, 300);
                            EXPECT_EQ(plain.request_bursts(5, bytes, burst).complete, g.complete)
                                << what;
                        }
                    }
    // 16 B/cycle, atom 32: a 1-byte read occupies the channel for 2 cycles.
    BandwidthChannel ch(16.0, 100, 32);
    EXPECT_EQ(ch.request_run(0, 0x80000005, 1, 64).done, 2u);
    EXPECT_EQ(ch.request_run(0, 0x80000005, 1, 64).bus_bytes, 32u);
}
