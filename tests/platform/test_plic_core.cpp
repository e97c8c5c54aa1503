#include "vp/plic_core.h"

#include <stdexcept>

#include <gtest/gtest.h>

#include "npu_abi/memory_map.h"

using vp::PlicCore;

namespace {
constexpr unsigned N = VP_PLIC_NUM_SOURCES;

std::uint32_t rd(PlicCore& p, std::uint32_t off) {
    std::uint32_t v = 0xDEADBEEF;
    EXPECT_EQ(p.read(off, v), PlicCore::Access::ok) << std::hex << off;
    return v;
}
void wr(PlicCore& p, std::uint32_t off, std::uint32_t v) {
    EXPECT_EQ(p.write(off, v), PlicCore::Access::ok) << std::hex << off;
}
void enable(PlicCore& p, unsigned src, std::uint32_t prio) {
    wr(p, VP_PLIC_PRIORITY(src), prio);
    const std::uint32_t word = VP_PLIC_ENABLE + 4 * (src / 32);
    wr(p, word, rd(p, word) | (1u << (src % 32)));
}
}  // namespace

TEST(PlicCore, ResetState) {
    PlicCore p(N);
    for (unsigned s = 0; s < N; ++s)
        EXPECT_EQ(rd(p, VP_PLIC_PRIORITY(s)), 0u);
    for (unsigned w = 0; w < N / 32; ++w) {
        EXPECT_EQ(rd(p, VP_PLIC_PENDING + 4 * w), 0u);
        EXPECT_EQ(rd(p, VP_PLIC_ENABLE + 4 * w), 0u);
    }
    EXPECT_EQ(rd(p, VP_PLIC_THRESHOLD), 0u);
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 0u);
    EXPECT_FALSE(p.irq());
}

TEST(PlicCore, RegisterWidthsAndReservedBits) {
    PlicCore p(N);
    wr(p, VP_PLIC_PRIORITY(5), 0xFFFFFFFF);
    EXPECT_EQ(rd(p, VP_PLIC_PRIORITY(5)), 7u);  // 3-bit WARL
    wr(p, VP_PLIC_PRIORITY(0), 7);
    EXPECT_EQ(rd(p, VP_PLIC_PRIORITY(0)), 0u);  // source 0 reserved
    wr(p, VP_PLIC_THRESHOLD, 0xFFFFFFFF);
    EXPECT_EQ(rd(p, VP_PLIC_THRESHOLD), 7u);
    wr(p, VP_PLIC_ENABLE, 0xFFFFFFFF);
    EXPECT_EQ(rd(p, VP_PLIC_ENABLE), 0xFFFFFFFEu);  // bit 0 hardwired 0
    wr(p, VP_PLIC_ENABLE + 4, 0xFFFFFFFF);
    EXPECT_EQ(rd(p, VP_PLIC_ENABLE + 4), 0xFFFFFFFFu);
    // Pending is read-only.
    wr(p, VP_PLIC_PENDING, 0xFFFFFFFF);
    EXPECT_EQ(rd(p, VP_PLIC_PENDING), 0u);
    EXPECT_FALSE(p.irq());
}

TEST(PlicCore, UnmappedOffsets) {
    PlicCore p(N);
    std::uint32_t v = 0;
    for (std::uint32_t off :
         {std::uint32_t{VP_PLIC_PRIORITY(N)}, std::uint32_t{VP_PLIC_PENDING + 4 * (N / 32)},
          std::uint32_t{VP_PLIC_ENABLE + 4 * (N / 32)}, std::uint32_t{VP_PLIC_ENABLE - 4},
          std::uint32_t{VP_PLIC_THRESHOLD - 4}, std::uint32_t{VP_PLIC_CLAIM + 4},
          std::uint32_t{0x201000}, std::uint32_t{0x3FFFFFC}, std::uint32_t{2}}) {
        EXPECT_EQ(p.read(off, v), PlicCore::Access::unmapped) << std::hex << off;
        EXPECT_EQ(p.write(off, 1), PlicCore::Access::unmapped) << std::hex << off;
    }
}

TEST(PlicCore, LineMakesPendingOnlyIrqWhenEnabledAndAboveThreshold) {
    PlicCore p(N);
    p.set_line(13, true);
    EXPECT_EQ(rd(p, VP_PLIC_PENDING), 1u << 13);
    EXPECT_FALSE(p.irq());  // not enabled, priority 0
    wr(p, VP_PLIC_ENABLE, 1u << 13);
    EXPECT_FALSE(p.irq());  // priority 0 never interrupts
    wr(p, VP_PLIC_PRIORITY(13), 3);
    EXPECT_TRUE(p.irq());
    wr(p, VP_PLIC_THRESHOLD, 3);
    EXPECT_FALSE(p.irq());                // priority must exceed the threshold
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 0u);  // claim honours the threshold too
    EXPECT_TRUE(p.pending(13));
    wr(p, VP_PLIC_THRESHOLD, 2);
    EXPECT_TRUE(p.irq());
    wr(p, VP_PLIC_ENABLE, 0);
    EXPECT_FALSE(p.irq());
}

TEST(PlicCore, ClaimPicksHighestPriorityTiesToLowestId) {
    PlicCore p(N);
    enable(p, 3, 2);
    enable(p, 40, 5);
    enable(p, 20, 5);
    enable(p, 63, 1);
    for (unsigned s : {3u, 40u, 20u, 63u})
        p.set_line(s, true);
    EXPECT_EQ(rd(p, VP_PLIC_PENDING), (1u << 3) | (1u << 20));
    EXPECT_EQ(rd(p, VP_PLIC_PENDING + 4), (1u << 8) | (1u << 31));
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 20u);  // 20 and 40 tie at 5
    EXPECT_FALSE(p.pending(20));
    EXPECT_TRUE(p.claimed(20));
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 40u);
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 3u);
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 63u);
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 0u);
    EXPECT_FALSE(p.irq());
    EXPECT_EQ(p.claims, 4u);
    EXPECT_EQ(p.empty_claims, 1u);
}

TEST(PlicCore, DisabledSourceIsNotClaimedButStaysPending) {
    PlicCore p(N);
    wr(p, VP_PLIC_PRIORITY(7), 7);
    enable(p, 9, 1);
    p.set_line(7, true);
    p.set_line(9, true);
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 9u);
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 0u);
    EXPECT_TRUE(p.pending(7));
    wr(p, VP_PLIC_ENABLE, 1u << 7);
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 7u);
}

TEST(PlicCore, LevelGatewayClaimedSourceDoesNotRepend) {
    PlicCore p(N);
    enable(p, 10, 1);
    p.set_line(10, true);
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 10u);
    EXPECT_FALSE(p.irq());
    // Line toggles while claimed: no new request until completion.
    p.set_line(10, false);
    p.set_line(10, true);
    EXPECT_FALSE(p.pending(10));
    EXPECT_FALSE(p.irq());
    // Completion with the line still high: pending again at once.
    wr(p, VP_PLIC_CLAIM, 10);
    EXPECT_FALSE(p.claimed(10));
    EXPECT_TRUE(p.pending(10));
    EXPECT_TRUE(p.irq());
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 10u);
    // Line dropped before completion: nothing pending after it.
    p.set_line(10, false);
    wr(p, VP_PLIC_CLAIM, 10);
    EXPECT_FALSE(p.pending(10));
    EXPECT_FALSE(p.irq());
    EXPECT_EQ(p.completes, 2u);
}

TEST(PlicCore, PendingSurvivesLineDropUntilClaimed) {
    PlicCore p(N);
    enable(p, 12, 4);
    p.set_line(12, true);
    p.set_line(12, false);
    EXPECT_TRUE(p.pending(12));
    EXPECT_TRUE(p.irq());
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 12u);
    wr(p, VP_PLIC_CLAIM, 12);
    EXPECT_FALSE(p.pending(12));
}

TEST(PlicCore, BogusCompletionsAreIgnored) {
    PlicCore p(N);
    enable(p, 5, 1);
    p.set_line(5, true);
    wr(p, VP_PLIC_CLAIM, 5);  // not claimed yet
    EXPECT_TRUE(p.pending(5));
    wr(p, VP_PLIC_CLAIM, 0);
    wr(p, VP_PLIC_CLAIM, N);
    wr(p, VP_PLIC_CLAIM, 0xFFFFFFFF);
    EXPECT_EQ(p.completes, 0u);
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 5u);
    wr(p, VP_PLIC_CLAIM, 6);  // a different source
    EXPECT_TRUE(p.claimed(5));
    // Completion is not gated by the enable bit (as QEMU).
    wr(p, VP_PLIC_ENABLE, 0);
    wr(p, VP_PLIC_CLAIM, 5);
    EXPECT_FALSE(p.claimed(5));
    EXPECT_TRUE(p.pending(5));  // line still high
    EXPECT_FALSE(p.irq());      // but disabled
}

TEST(PlicCore, HigherPriorityArrivalWhileOneIsClaimed) {
    PlicCore p(N);
    enable(p, 1, 1);
    enable(p, 2, 6);
    p.set_line(1, true);
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 1u);
    p.set_line(2, true);
    EXPECT_TRUE(p.irq());  // no nesting rules in the PLIC: 2 interrupts
    EXPECT_EQ(rd(p, VP_PLIC_CLAIM), 2u);
    EXPECT_TRUE(p.claimed(1));
    EXPECT_TRUE(p.claimed(2));
}

TEST(PlicCore, EverySourceEveryPriorityAgainstEveryThreshold) {
    // Exhaustive over single sources: irq iff priority > threshold.
    for (unsigned s = 1; s < N; ++s) {
        PlicCore p(N);
        enable(p, s, 0);
        p.set_line(s, true);
        EXPECT_EQ(rd(p, VP_PLIC_PENDING + 4 * (s / 32)), 1u << (s % 32));
        for (std::uint32_t prio = 0; prio <= VP_PLIC_MAX_PRIORITY; ++prio) {
            wr(p, VP_PLIC_PRIORITY(s), prio);
            for (std::uint32_t th = 0; th <= VP_PLIC_MAX_PRIORITY; ++th) {
                wr(p, VP_PLIC_THRESHOLD, th);
                EXPECT_EQ(p.irq(), prio > th) << "src " << s << " prio " << prio << " th " << th;
            }
        }
    }
}

TEST(PlicCore, LinesOfReservedOrMissingSourcesAreIgnored) {
    PlicCore p(N);
    p.set_line(0, true);
    p.set_line(N, true);
    p.set_line(1000, true);
    EXPECT_EQ(rd(p, VP_PLIC_PENDING), 0u);
    EXPECT_EQ(rd(p, VP_PLIC_PENDING + 4), 0u);
}

TEST(PlicCore, SourceCountIsChecked) {
    EXPECT_THROW(PlicCore(1), std::invalid_argument);
    EXPECT_THROW(PlicCore(1025), std::invalid_argument);
    PlicCore small(10);  // a partial word
    std::uint32_t v = 0;
    small.write(VP_PLIC_ENABLE, 0xFFFFFFFF);
    small.read(VP_PLIC_ENABLE, v);
    EXPECT_EQ(v, 0x3FEu);
    EXPECT_EQ(small.read(VP_PLIC_ENABLE + 4, v), PlicCore::Access::unmapped);
}
