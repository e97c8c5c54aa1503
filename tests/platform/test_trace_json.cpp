// The timeline's aggregation rule (vp::aggregate_spans, vp/trace_json.h):
// overlapping or touching intervals become one span, the shortest gaps are
// closed until at most max_events spans remain, and the sums (bytes, bus
// bytes, busy cycles, intervals) stay exact.
#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "vp/trace_json.h"

// vp_model_run links the SystemC library, which needs this symbol; nothing
// here simulates (gtest's main runs the tests).
int sc_main(int, char**) {
    return 0;
}

namespace {

using Interval = npu::KernelTrace::Interval;

std::uint64_t sum_bytes(const std::vector<vp::TraceSpan>& s) {
    std::uint64_t n = 0;
    for (const auto& x : s)
        n += x.bytes;
    return n;
}

TEST(TraceJsonSpans, OverlappingAndTouchingIntervalsAreOneSpan) {
    // [0,10) and [5,20) overlap, [20,25) touches, [30,40) stands apart.
    const auto s = vp::aggregate_spans(
        {{5, 20, 200, 0, 432}, {0, 10, 100, 0, 232}, {20, 25, 50, 0, 132}, {30, 40, 7, 0, 46}},
        100);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].begin, 0u);
    EXPECT_EQ(s[0].end, 25u);
    EXPECT_EQ(s[0].bytes, 350u);
    EXPECT_EQ(s[0].bus_bytes, 2 * 350u + 3 * 32u);
    EXPECT_EQ(s[0].busy, 25u);  // the union, not the sum of lengths (35)
    EXPECT_EQ(s[0].intervals, 3u);
    EXPECT_EQ(s[1].begin, 30u);
    EXPECT_EQ(s[1].end, 40u);
    EXPECT_EQ(s[1].bytes, 7u);
    EXPECT_EQ(s[1].busy, 10u);
}

TEST(TraceJsonSpans, ShortestGapsCloseFirst) {
    // Gaps 5, 1, 3, 2 between five spans of length 10; at most 3 spans: the
    // two shortest gaps (1 and 2) close, G = 2.
    const std::vector<Interval> in = {{0, 10, 1, 1, 34},
                                      {15, 25, 2, 1, 36},
                                      {26, 36, 4, 1, 40},
                                      {39, 49, 8, 1, 48},
                                      {51, 61, 16, 1, 64}};
    const auto s = vp::aggregate_spans(in, 3);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].begin, 0u);
    EXPECT_EQ(s[0].end, 10u);
    EXPECT_EQ(s[1].begin, 15u);
    EXPECT_EQ(s[1].end, 36u);
    EXPECT_EQ(s[1].bytes, 6u);
    EXPECT_EQ(s[1].busy, 20u);  // the gap is not busy
    EXPECT_EQ(s[2].begin, 39u);
    EXPECT_EQ(s[2].end, 61u);
    EXPECT_EQ(s[2].bytes, 24u);
    EXPECT_EQ(s[2].bus_bytes, 2 * 24u + 2 * 32u);
    EXPECT_EQ(s[2].intervals, 2u);
}

TEST(TraceJsonSpans, ManyIntervalsKeepTheSumsAndTheCap) {
    std::mt19937_64 rng(7);
    std::vector<Interval> in;
    std::uint64_t t = 0, bytes = 0, busy = 0;
    for (int i = 0; i < 20000; ++i) {
        t += rng() % 50 + 1;  // a gap of at least one cycle: no union
        const std::uint64_t len = rng() % 40 + 1, b = rng() % 4096;
        in.push_back({t, t + len, b, 0, 2 * b + 32});
        t += len;
        bytes += b;
        busy += len;
    }
    for (std::size_t cap : {1u, 7u, 100u, 19999u, 20000u}) {
        const auto s = vp::aggregate_spans(in, cap);
        EXPECT_EQ(s.size(), std::min<std::size_t>(cap, in.size()));
        EXPECT_EQ(sum_bytes(s), bytes) << cap;
        std::uint64_t bus = 0;
        for (const auto& x : s)
            bus += x.bus_bytes;
        EXPECT_EQ(bus, 2 * bytes + 32 * in.size()) << cap;
        std::uint64_t b = 0, n = 0;
        for (std::size_t i = 0; i < s.size(); ++i) {
            b += s[i].busy;
            n += s[i].intervals;
            EXPECT_LE(s[i].busy, s[i].end - s[i].begin);
            if (i) {
                EXPECT_GT(s[i].begin, s[i - 1].end);  // disjoint, in order
            }
        }
        EXPECT_EQ(b, busy) << cap;
        EXPECT_EQ(n, in.size()) << cap;
        EXPECT_EQ(s.front().begin, in.front().begin);
        EXPECT_EQ(s.back().end, in.back().end);
    }
    EXPECT_EQ(vp::aggregate_spans(in, 20000).size(), 20000u);  // under the cap: untouched
}

TEST(TraceJsonSpans, EqualGapsCloseEvenly) {
    // 1000 tiles of 10 cycles with 2 idle cycles between each: at most 100
    // spans is exactly 100 spans of 10 tiles each, not one span of all.
    std::vector<Interval> in;
    for (std::uint64_t i = 0; i < 1000; ++i)
        in.push_back({i * 12, i * 12 + 10, 0, 2, 0});
    const auto s = vp::aggregate_spans(in, 100);
    ASSERT_EQ(s.size(), 100u);
    for (std::size_t i = 0; i < s.size(); ++i) {
        EXPECT_EQ(s[i].intervals, 10u) << i;
        EXPECT_EQ(s[i].busy, 100u) << i;
        EXPECT_EQ(s[i].begin, i * 120) << i;
        EXPECT_EQ(s[i].end, i * 120 + 118) << i;
    }
    // Shorter gaps go first, then the ties: gaps 1 (x2) and 5 (x3) among six
    // spans, at most three: both 1s and one 5 close.
    const auto t = vp::aggregate_spans({{0, 10, 1, 0, 0},
                                        {15, 20, 1, 0, 0},
                                        {21, 30, 1, 0, 0},
                                        {35, 40, 1, 0, 0},
                                        {41, 50, 1, 0, 0},
                                        {55, 60, 1, 0, 0}},
                                       3);
    ASSERT_EQ(t.size(), 3u);
    std::uint64_t n = 0;
    for (const auto& x : t)
        n += x.intervals;
    EXPECT_EQ(n, 6u);
    EXPECT_EQ(t.front().begin, 0u);
    EXPECT_EQ(t.back().end, 60u);
}

TEST(TraceJsonSpans, ZeroLengthIntervalsKeepTheirBytes) {
    const auto s = vp::aggregate_spans({{10, 10, 64, 0, 160}, {30, 30, 64, 0, 160}}, 100);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(sum_bytes(s), 128u);
    EXPECT_EQ(s[0].busy, 0u);
    EXPECT_TRUE(vp::aggregate_spans({}, 100).empty());
}

}  // namespace
