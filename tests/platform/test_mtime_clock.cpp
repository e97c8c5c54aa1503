#include "vp/mtime_clock.h"

#include <stdexcept>

#include <gtest/gtest.h>

using vp::MtimeClock;

namespace {
constexpr std::uint64_t kPs = 1'000'000'000'000ull;  // units per second at 1 ps
constexpr std::uint64_t kHz = 10'000'000;            // one tick = 100 ns = 100000 ps
}  // namespace

TEST(MtimeClock, TicksFromTime) {
    MtimeClock c(kHz, kPs);
    EXPECT_EQ(c.mtime(0), 0u);
    EXPECT_EQ(c.mtime(99'999), 0u);
    EXPECT_EQ(c.mtime(100'000), 1u);
    EXPECT_EQ(c.mtime(1'000'000'000'000), 10'000'000u);  // one second
}

TEST(MtimeClock, WrittenValueIsKeptAsOffset) {
    MtimeClock c(kHz, kPs);
    c.set_mtime(250'000, 1000);  // at 2.5 ticks
    EXPECT_EQ(c.mtime(250'000), 1000u);
    EXPECT_EQ(c.mtime(300'000), 1001u);
    c.set_mtime(300'000, 5);  // backwards
    EXPECT_EQ(c.mtime(300'000), 5u);
    EXPECT_EQ(c.mtime(400'000), 6u);
    c.set_mtime(0, ~std::uint64_t{0});
    EXPECT_EQ(c.mtime(100'000), 0u);  // wraps like the 64-bit register
}

TEST(MtimeClock, TimeOfCrossingIsTheFirstTimeUnit) {
    MtimeClock c(kHz, kPs);
    EXPECT_EQ(c.time_of(0, 0), 0u);
    EXPECT_EQ(c.time_of(0, 1), 100'000u);
    EXPECT_EQ(c.time_of(0, 50), 5'000'000u);
    EXPECT_EQ(c.time_of(123'456, 50), 5'000'000u);
    EXPECT_EQ(c.time_of(7'000'000, 50), 7'000'000u);  // already reached: now
    c.set_mtime(50'000, 100);  // ticks(50000)=0, offset 100; next tick at 100000
    EXPECT_EQ(c.time_of(50'000, 101), 100'000u);
    EXPECT_EQ(c.time_of(50'000, 100), 50'000u);
}

TEST(MtimeClock, NonDividingFrequency) {
    MtimeClock c(3, 10);  // 3 ticks per 10 units: ticks at 4, 7, 10, ...
    EXPECT_EQ(c.mtime(3), 0u);
    EXPECT_EQ(c.mtime(4), 1u);
    EXPECT_EQ(c.time_of(0, 1), 4u);
    EXPECT_EQ(c.time_of(0, 2), 7u);
    EXPECT_EQ(c.time_of(0, 3), 10u);
    for (std::uint64_t target = 1; target < 100; ++target) {
        const std::uint64_t t = *c.time_of(0, target);
        EXPECT_GE(c.mtime(t), target);
        EXPECT_LT(c.mtime(t - 1), target);
    }
}

TEST(MtimeClock, NeverForAllOnes) {
    MtimeClock c(kHz, kPs);
    EXPECT_FALSE(c.time_of(0, ~std::uint64_t{0}));
    EXPECT_THROW(MtimeClock(0, kPs), std::invalid_argument);
    EXPECT_THROW(MtimeClock(kHz, 0), std::invalid_argument);
}
