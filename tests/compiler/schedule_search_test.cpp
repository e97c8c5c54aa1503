// Schedule search (search.h): results fit their buffers, agree with a naive
// enumeration on tiny layers, and are no worse than hand-picked schedules.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <tuple>

#include "brute_force.h"
#include "npu_compiler/search.h"

namespace {

using namespace npu::compiler;

BufferConfig caps(int64_t i, int64_t w, int64_t o) {
    BufferConfig b;
    b.ifmap_bytes = i;
    b.weight_bytes = w;
    b.ofmap_bytes = o;
    return b;
}

using Rank = std::tuple<int64_t, int64_t, int64_t>;  // bytes, buffer bytes, iterations

Rank rank_of(const ConvLayer& L, const Schedule& s) {
    return {to_bytes(L, closed_form(L, s)).total(), buffer_needs(L, s).total_bytes(),
            s.iterations(L)};
}

// Every tile vector, every one of the 720 orders, levels from `levels`.
Rank naive_best(const ConvLayer& L, const BufferConfig& cap, const std::vector<int>& levels,
                int64_t* feasible_count) {
    Rank best{-1, 0, 0};
    int64_t feasible = 0;
    std::array<int64_t, 6> t{1, 1, 1, 1, 1, 1};
    for (;;) {
        std::array<Dim, 6> order{Dim::m, Dim::c, Dim::y, Dim::x, Dim::k, Dim::l};
        do {
            for (int lw : levels)
                for (int li : levels)
                    for (int lo : levels) {
                        Schedule s;
                        s.tile = t;
                        s.order = order;
                        s.level = {lw, li, lo};
                        if (!fits(buffer_needs(L, s), cap)) continue;
                        ++feasible;
                        const Rank r = rank_of(L, s);
                        if (std::get<0>(best) < 0 || r < best) best = r;
                    }
        } while (std::next_permutation(order.begin(), order.end()));
        int d = 5;
        while (d >= 0 && ++t[d] > L.extent(static_cast<Dim>(d)))
            t[d--] = 1;
        if (d < 0) break;
    }
    if (feasible_count) *feasible_count = feasible;
    return best;
}

void expect_sound(const ConvLayer& L, const SearchOptions& opt, const SearchResult& r) {
    ASSERT_TRUE(r.found) << L.str();
    Schedule s = r.schedule;
    EXPECT_TRUE(fits(buffer_needs(L, s), opt.buffers)) << s.str();
    const SearchResult again = evaluate(L, s);
    EXPECT_EQ(again.cost_bytes, r.cost_bytes);
    EXPECT_EQ(again.buffer_bytes, r.buffer_bytes);
    EXPECT_EQ(again.iterations, r.iterations);
    EXPECT_EQ(r.bytes.total(), r.cost_bytes);
    // Never below the compulsory traffic: every element once.
    const int64_t compulsory = L.weight_elems() * L.w_weight + L.ofmap_elems() * L.w_ofmap +
                               (L.has_bias ? L.M * L.w_bias : 0);
    EXPECT_GE(r.cost_bytes, compulsory);
}

TEST(Search, TileLevelMatchesNaiveEnumeration) {
    ConvLayer L = ConvLayer::valid(2, 2, 3, 2, 1);  // H = 4
    for (const BufferConfig& cap :
         {caps(1 << 20, 1 << 20, 1 << 20), caps(12, 8, 16), caps(8, 4, 8), caps(20, 16, 4)}) {
        SearchOptions opt;
        opt.buffers = cap;
        opt.exhaustive_tiles = true;
        opt.search_levels = false;
        const SearchResult r = search(L, opt);
        int64_t feasible = 0;
        const Rank best = naive_best(L, cap, {6}, &feasible);
        ASSERT_GE(std::get<0>(best), 0);
        expect_sound(L, opt, r);
        EXPECT_EQ(Rank(r.cost_bytes, r.buffer_bytes, r.iterations), best);
        EXPECT_LE(r.feasible, feasible);  // the dedupe drops equivalent orders
    }
}

TEST(Search, LevelsMatchNaiveEnumeration) {
    // Active loops m, c, k only: 8 tile vectors x 720 orders x 7^3 levels in the naive loop.
    ConvLayer L;
    L.M = 2;
    L.C = 2;
    L.E_y = L.E_x = 1;
    L.R_k = 2;
    L.R_l = 1;
    L.H_y = 2;
    L.H_x = 1;
    L.has_bias = true;
    for (const BufferConfig& cap : {caps(2, 2, 12), caps(4, 6, 8), caps(1, 1, 8)}) {
        SearchOptions opt;
        opt.buffers = cap;
        opt.exhaustive_tiles = true;
        opt.search_levels = true;
        const SearchResult r = search(L, opt);
        const Rank best = naive_best(L, cap, {0, 1, 2, 3, 4, 5, 6}, nullptr);
        ASSERT_GE(std::get<0>(best), 0);
        expect_sound(L, opt, r);
        EXPECT_EQ(Rank(r.cost_bytes, r.buffer_bytes, r.iterations), best) << r.schedule.str();
    }
}

TEST(Search, RaisedLevelsNeverHurt) {
    const ConvLayer L = ConvLayer::conv(4, 6, 6, 6, 3, 1, 1, true);
    SearchOptions opt;
    opt.buffers = caps(96, 120, 96);
    opt.split_filter = true;
    opt.search_levels = false;
    const SearchResult tile_level = search(L, opt);
    opt.search_levels = true;
    const SearchResult levels = search(L, opt);
    expect_sound(L, opt, tile_level);
    expect_sound(L, opt, levels);
    EXPECT_LE(levels.cost_bytes, tile_level.cost_bytes);
    // The brute force agrees with the prediction for the chosen schedule.
    EXPECT_EQ(brute::count(L, levels.schedule, brute::Reload::on_key_change).traffic,
              levels.traffic);
}

TEST(Search, DeltaNoWorseThanTile) {
    const ConvLayer L = ConvLayer::conv(3, 4, 8, 8, 3, 1, 1);
    SearchOptions opt;
    opt.buffers = caps(64, 64, 128);
    const SearchResult t = search(L, opt);
    opt.policy = Policy::delta;
    const SearchResult d = search(L, opt);
    expect_sound(L, opt, d);
    EXPECT_EQ(d.schedule.policy, Policy::delta);
    EXPECT_LE(d.cost_bytes, t.cost_bytes);
    EXPECT_EQ(brute::count(L, d.schedule, brute::Reload::on_content_change).traffic, d.traffic);
}

TEST(Search, NothingFits) {
    const ConvLayer L = ConvLayer::valid(2, 2, 3, 3, 1);
    SearchOptions opt;
    opt.buffers = caps(1, 1, 1);  // an ofmap accumulator alone needs 4 bytes
    EXPECT_FALSE(search(L, opt).found);
}

Schedule hand(std::array<int64_t, 6> t, std::array<Dim, 6> o) {
    Schedule s;
    s.tile = t;
    s.order = o;
    return s;
}

// ResNet-50 conv3_x 3x3: C=M=128, 28x28 output, stride 1, pad 1; 64 KiB buffers.
TEST(Search, ResNet50Layer3x3NoWorseThanHandPicked) {
    const ConvLayer L = ConvLayer::conv(128, 128, 28, 28, 3, 1, 1);
    SearchOptions opt;  // 64 KiB each, levels searched
    const SearchResult r = search(L, opt);
    expect_sound(L, opt, r);
    const std::vector<Schedule> picks{
        // output-stationary rows: m outer, all channels, 4 output rows at a time
        hand({32, 128, 4, 28, 3, 3}, {Dim::m, Dim::y, Dim::c, Dim::x, Dim::k, Dim::l}),
        // weights of 16 filters resident, sweep the image in row bands
        hand({16, 128, 7, 28, 3, 3}, {Dim::m, Dim::y, Dim::x, Dim::c, Dim::k, Dim::l}),
        // image bands resident, sweep filters
        hand({32, 128, 7, 28, 3, 3}, {Dim::y, Dim::m, Dim::c, Dim::x, Dim::k, Dim::l}),
        // channel split with psum spills
        hand({64, 32, 14, 14, 3, 3}, {Dim::c, Dim::m, Dim::y, Dim::x, Dim::k, Dim::l}),
    };
    int feasible = 0;
    for (const Schedule& s : picks) {
        if (!fits(buffer_needs(L, s), opt.buffers)) continue;
        ++feasible;
        EXPECT_LE(r.cost_bytes, evaluate(L, s).cost_bytes) << s.str();
    }
    EXPECT_GE(feasible, 3);
}

TEST(Search, ResNet50LayersFindSchedules) {
    struct Shape {
        int64_t C, M, H, R, stride, pad;
    };
    const Shape shapes[] = {
        {3, 64, 224, 7, 2, 3},   {64, 64, 56, 1, 1, 0},    {64, 64, 56, 3, 1, 1},
        {64, 256, 56, 1, 1, 0},  {256, 128, 56, 1, 2, 0},  {128, 128, 28, 3, 1, 1},
        {256, 256, 14, 3, 1, 1}, {1024, 512, 14, 1, 2, 0}, {512, 512, 7, 3, 1, 1},
        {512, 2048, 7, 1, 1, 0},
    };
    for (const Shape& sh : shapes) {
        const ConvLayer L = ConvLayer::conv(sh.C, sh.M, sh.H, sh.H, sh.R, sh.stride, sh.pad, true);
        SearchOptions opt;
        const auto t0 = std::chrono::steady_clock::now();
        const SearchResult r = search(L, opt);
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        expect_sound(L, opt, r);
        std::printf("%-60s %8.3f s  %10lld B  %s\n", L.str().c_str(), secs,
                    static_cast<long long>(r.cost_bytes), r.schedule.str().c_str());
    }
}

TEST(Search, DoubleBufferingHalvesTheRoom) {
    const ConvLayer L = ConvLayer::conv(16, 16, 14, 14, 3, 1, 1);
    SearchOptions opt;
    opt.buffers = caps(4096, 4096, 4096);
    const SearchResult single = search(L, opt);
    opt.double_buffer = true;
    const SearchResult twice = search(L, opt);
    expect_sound(L, opt, twice);
    EXPECT_TRUE(twice.schedule.double_buffer);
    EXPECT_GE(twice.cost_bytes, single.cost_bytes);
}

TEST(Search, TileCandidates) {
    EXPECT_EQ(tile_candidates(28, false), (std::vector<int64_t>{1, 2, 4, 7, 8, 14, 16, 28}));
    EXPECT_EQ(tile_candidates(5, true), (std::vector<int64_t>{1, 2, 3, 4, 5}));
    EXPECT_EQ(tile_candidates(1, false), (std::vector<int64_t>{1}));
}

}  // namespace

namespace {

TEST(Search, MinimumTiles) {
    const ConvLayer L = ConvLayer::conv(128, 128, 28, 28, 3, 1, 1);
    SearchOptions opt;
    opt.min_tile = {32, 1, 1, 1, 1, 1};  // e.g. 32 filters across the array columns
    const SearchResult r = search(L, opt);
    expect_sound(L, opt, r);
    EXPECT_GE(r.schedule.tile[0], 32);
    EXPECT_GE(r.cost_bytes, search(L, SearchOptions{}).cost_bytes);
}

}  // namespace
