// The analytic traffic model (closed form, tile walk; docs/dataflow-model.md) against the
// element-level brute force, on hand-picked and on random schedules; exact
// equality throughout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "brute_force.h"
#include "npu_compiler/traffic.h"

namespace {

using namespace npu::compiler;

Schedule make_schedule(std::array<int64_t, 6> tile, std::array<Dim, 6> order,
                       std::array<int, 3> level = {6, 6, 6}, Policy policy = Policy::tile) {
    Schedule s;
    s.tile = tile;
    s.order = order;
    s.level = level;
    s.policy = policy;
    return s;
}

constexpr std::array<Dim, 6> kMCYXKL{Dim::m, Dim::c, Dim::y, Dim::x, Dim::k, Dim::l};
constexpr std::array<Dim, 6> kCMYXKL{Dim::c, Dim::m, Dim::y, Dim::x, Dim::k, Dim::l};

TEST(Rows, FormulaAndClippedCount) {
    EXPECT_EQ(rows_formula(3, 3, 1), 5);  // rows 0..4
    EXPECT_EQ(rows_formula(2, 1, 2), 2);  // rows 0, 2 (gap)
    EXPECT_EQ(rows_formula(3, 2, 3), 6);  // 0,1, 3,4, 6,7
    EXPECT_EQ(rows_formula(4, 3, 2), 9);  // 0..8
    for (int64_t S = 1; S <= 3; ++S)
        for (int64_t a = 1; a <= 5; ++a)
            for (int64_t b = 1; b <= 4; ++b)
                EXPECT_EQ(touched_rows(0, a, 0, b, S, 0, 1000), rows_formula(a, b, S));
    // Padding clips: output rows 0..2 with a 3-row filter, pad 1, input of 3 rows.
    EXPECT_EQ(touched_rows(0, 3, 0, 3, 1, 1, 3), 3);  // rows -1..3 -> 0..2
    EXPECT_EQ(touched_rows(0, 1, 0, 3, 1, 1, 3), 2);  // rows -1..1 -> 0..1
    EXPECT_EQ(touched_rows(0, 2, 0, 1, 2, 1, 5), 1);  // rows -1, 1 -> 1
}

// C=2, M=4, E=4, R=3, S=1 (H=6). |W|=72, |I|=72, |O|=64.
TEST(ClosedForm, HandComputedOrders) {
    const ConvLayer L = ConvLayer::valid(2, 4, 4, 3, 1);
    // T_m=2, T_c=1, rest whole. m outermost: I re-read per m tile, no psums.
    Traffic t = closed_form(L, make_schedule({2, 1, 4, 4, 3, 3}, kMCYXKL));
    EXPECT_EQ(t.weight_reads, 72);
    EXPECT_EQ(t.ifmap_reads, 2 * 72);
    EXPECT_EQ(t.psum_reads, 0);
    EXPECT_EQ(t.psum_writes, 0);
    EXPECT_EQ(t.final_writes, 64);
    // c outermost: I read once, every output spilled once between the two c tiles.
    t = closed_form(L, make_schedule({2, 1, 4, 4, 3, 3}, kCMYXKL));
    EXPECT_EQ(t.weight_reads, 72);
    EXPECT_EQ(t.ifmap_reads, 72);
    EXPECT_EQ(t.psum_reads, 64);
    EXPECT_EQ(t.psum_writes, 64);
    EXPECT_EQ(t.final_writes, 64);
    // Raising O's buffer to level 1 (outside: c only) keeps all of O resident: no psums.
    t = closed_form(L, make_schedule({2, 1, 4, 4, 3, 3}, kCMYXKL, {6, 6, 1}));
    EXPECT_EQ(t.psum_writes, 0);
    EXPECT_EQ(buffer_needs(L, make_schedule({2, 1, 4, 4, 3, 3}, kCMYXKL, {6, 6, 1})).elems[2], 64);
    // y split in two rows of outputs: each y tile needs rows(2,3)=4 input rows, halo 2 re-read.
    t = closed_form(L, make_schedule({4, 2, 2, 4, 3, 3}, kMCYXKL));
    EXPECT_EQ(t.ifmap_reads, 2 * (4 + 4) * 6);  // C * (rows of both y tiles) * columns
}

TEST(ClosedForm, BytesUseTheReportKeys) {
    ConvLayer L = ConvLayer::valid(2, 4, 4, 3, 1);
    L.has_bias = true;
    const Schedule s = make_schedule({2, 1, 4, 4, 3, 3}, kCMYXKL);
    const Traffic t = closed_form(L, s);
    EXPECT_EQ(t.bias_reads, 2 * 4);  // m inside c: bias tile reloaded per c tile
    const TrafficBytes b = to_bytes(L, t);
    EXPECT_EQ(b.dram_read_bytes.weight, 72 + 4 * 8);
    EXPECT_EQ(b.dram_read_bytes.ifmap, 72);
    EXPECT_EQ(b.dram_read_bytes.psum, 4 * 64);
    EXPECT_EQ(b.dram_write_bytes.psum, 4 * 64);
    EXPECT_EQ(b.dram_write_bytes.ofmap, 64);
    EXPECT_EQ(b.total(), 72 + 32 + 72 + 256 + 256 + 64);
}

// The special case of the closed form (docs/dataflow-model.md, "The closed form").
TEST(ClosedForm, HandySpecialCase) {
    for (int64_t S = 1; S <= 3; ++S)
        for (int64_t R = S; R <= 4; ++R)
            for (int64_t E = 1; E <= 7; ++E)
                for (int64_t Ty = 1; Ty <= E; ++Ty)
                    for (int64_t Tx = 1; Tx <= E; Tx += 2) {
                        const ConvLayer L = ConvLayer::valid(3, 2, E, R, S);
                        const Schedule s = make_schedule({1, 2, Ty, Tx, R, R}, kMCYXKL);
                        const int64_t ny = (E + Ty - 1) / Ty, nx = (E + Tx - 1) / Tx;
                        const int64_t expect = 3 * (S * E + ny * (R - S)) * (S * E + nx * (R - S));
                        EXPECT_EQ(closed_form_terms(L, s).sum_footprint[1], expect);
                    }
}

struct Case {
    ConvLayer L;
    Schedule s;
};

Case random_case(std::mt19937& rng) {
    auto pick = [&rng](int64_t lo, int64_t hi) {
        return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    ConvLayer L;
    L.M = pick(1, 4);
    L.C = pick(1, 3);
    L.E_y = pick(1, 5);
    L.E_x = pick(1, 5);
    L.R_k = pick(1, 3);
    L.R_l = pick(1, 3);
    L.stride_y = pick(1, 3);  // S > R happens
    L.stride_x = pick(0, 1) ? L.stride_y : pick(1, 3);
    L.pad_y = pick(0, 1) ? pick(0, L.R_k - 1) : 0;
    L.pad_x = pick(0, 1) ? pick(0, L.R_l - 1) : 0;
    // Input extent: the padded span minus some bottom/right padding.
    L.H_y = std::max<int64_t>(1, (L.E_y - 1) * L.stride_y + L.R_k - L.pad_y - pick(0, L.pad_y));
    L.H_x = std::max<int64_t>(1, (L.E_x - 1) * L.stride_x + L.R_l - L.pad_x - pick(0, L.pad_x));
    if ((L.E_y - 1) * L.stride_y - L.pad_y >= L.H_y) L.H_y = (L.E_y - 1) * L.stride_y - L.pad_y + 1;
    if ((L.E_x - 1) * L.stride_x - L.pad_x >= L.H_x) L.H_x = (L.E_x - 1) * L.stride_x - L.pad_x + 1;
    L.has_bias = pick(0, 1) == 1;
    L.validate();

    Schedule s;
    for (int d = 0; d < 6; ++d)
        s.tile[d] = pick(1, L.extent(static_cast<Dim>(d)));
    std::shuffle(s.order.begin(), s.order.end(), rng);
    for (int x = 0; x < 3; ++x)
        s.level[x] = pick(0, 2) == 0 ? static_cast<int>(pick(0, 6)) : 6;
    s.policy = Policy::tile;
    return Case{L, s};
}

void expect_model_matches_brute(const ConvLayer& L, Schedule s, const std::string& what) {
    SCOPED_TRACE(what + ": " + L.str() + " / " + s.str());
    s.policy = Policy::tile;
    const Traffic cf = closed_form(L, s);
    const Traffic walk = tile_walk(L, s);
    const brute::Result bk = brute::count(L, s, brute::Reload::on_key_change);
    EXPECT_EQ(cf, walk) << cf.str() << " vs " << walk.str();
    EXPECT_EQ(cf, bk.traffic) << cf.str() << " vs " << bk.traffic.str();
    EXPECT_EQ(bk.residency_violations, 0);
    EXPECT_EQ(cf.final_writes, L.ofmap_elems());
    const BufferNeeds need = buffer_needs(L, s);
    const BufferNeeds need_t = buffer_needs(L, s, closed_form_terms(L, s));
    for (int x = 0; x < 3; ++x) {
        EXPECT_EQ(need.elems[x], bk.max_resident[x]) << "buffer " << x;
        EXPECT_EQ(need_t.bytes[x], need.bytes[x]) << "buffer " << x;
    }
    EXPECT_EQ(need.bias_elems, bk.max_bias_resident);
    // A DMA that compares contents never moves more.
    const brute::Result bc = brute::count(L, s, brute::Reload::on_content_change);
    EXPECT_LE(bc.traffic.ifmap_reads, cf.ifmap_reads);
    EXPECT_EQ(bc.traffic.weight_reads, cf.weight_reads);
    EXPECT_EQ(bc.traffic.psum_writes, cf.psum_writes);
    if (bk.key_changes_without_content_change == 0) {
        EXPECT_EQ(bc.traffic, cf);
    }

    // delta policy: the walk against the brute force (both reload rules agree for delta).
    s.policy = Policy::delta;
    const Traffic dw = tile_walk(L, s);
    const brute::Result dk = brute::count(L, s, brute::Reload::on_key_change);
    const brute::Result dc = brute::count(L, s, brute::Reload::on_content_change);
    EXPECT_EQ(dw, dk.traffic) << dw.str() << " vs " << dk.traffic.str();
    EXPECT_EQ(dw, dc.traffic) << dw.str() << " vs " << dc.traffic.str();
    EXPECT_EQ(dk.residency_violations, 0);
    EXPECT_EQ(predict(L, s), dw);
    // delta <= tile, counter by counter.
    EXPECT_LE(dw.weight_reads, cf.weight_reads);
    EXPECT_LE(dw.ifmap_reads, cf.ifmap_reads);
    EXPECT_LE(dw.bias_reads, cf.bias_reads);
    EXPECT_LE(dw.psum_reads, cf.psum_reads);
    EXPECT_LE(dw.psum_writes, cf.psum_writes);
    EXPECT_EQ(dw.final_writes, L.ofmap_elems());
    EXPECT_LE(to_bytes(L, dw).total(), to_bytes(L, cf).total());
}

// Systematic: a tiny layer, every tile vector from a small set, three orders, three level
// sets.
TEST(BruteForce, SystematicSmallLayer) {
    const ConvLayer L = ConvLayer::valid(2, 4, 4, 3, 1);
    const std::array<std::array<Dim, 6>, 3> orders{
        kMCYXKL, std::array<Dim, 6>{Dim::k, Dim::y, Dim::c, Dim::l, Dim::m, Dim::x},
        std::array<Dim, 6>{Dim::x, Dim::l, Dim::k, Dim::m, Dim::y, Dim::c}};
    const std::array<std::array<int, 3>, 3> levels{
        std::array<int, 3>{6, 6, 6}, std::array<int, 3>{2, 3, 1}, std::array<int, 3>{0, 4, 3}};
    int n = 0;
    for (int64_t tm : {1, 3, 4})
        for (int64_t tc : {1, 2})
            for (int64_t ty : {1, 3})
                for (int64_t tx : {2, 4})
                    for (int64_t tk : {1, 2, 3})
                        for (const auto& o : orders)
                            for (const auto& lv : levels) {
                                expect_model_matches_brute(
                                    L, make_schedule({tm, tc, ty, tx, tk, 2}, o, lv), "systematic");
                                ++n;
                            }
    EXPECT_EQ(n, 3 * 2 * 2 * 2 * 3 * 3 * 3);
}

TEST(BruteForce, StrideAboveFilterAndPadding) {
    // S > R: gaps between the windows; T_k < S; padding clips the halo.
    ConvLayer L = ConvLayer::conv(2, 3, 7, 6, 2, 3, 1, true);
    for (int64_t tk : {1, 2})
        for (int64_t ty : {1, 2, 3})
            for (int lvl : {6, 2, 0})
                expect_model_matches_brute(
                    L,
                    make_schedule({2, 1, ty, 2, tk, 1},
                                  {Dim::y, Dim::k, Dim::m, Dim::c, Dim::x, Dim::l},
                                  {lvl, lvl, lvl}),
                    "stride>R");
}

TEST(BruteForce, RandomSchedulesProperty) {
    std::mt19937 rng(20261121);
    int with_gap = 0, psums = 0, padded = 0, s_above_r = 0, tk_below_s = 0, raised = 0,
        delta_saves = 0, ragged = 0;
    const int kCases = 800;
    for (int i = 0; i < kCases; ++i) {
        const Case c = random_case(rng);
        expect_model_matches_brute(c.L, c.s, "random #" + std::to_string(i));
        if (HasFailure()) break;
        if (brute::count(c.L, c.s, brute::Reload::on_key_change).key_changes_without_content_change)
            ++with_gap;
        const Traffic t = closed_form(c.L, c.s);
        Schedule d = c.s;
        d.policy = Policy::delta;
        psums += t.psum_writes > 0;
        padded += c.L.pad_y + c.L.pad_x > 0;
        s_above_r += c.L.stride_y > c.L.R_k || c.L.stride_x > c.L.R_l;
        tk_below_s += c.s.tile[4] < c.L.stride_y;
        raised += std::min({c.s.level[0], c.s.level[1], c.s.level[2]}) < 6;
        delta_saves += to_bytes(c.L, tile_walk(c.L, d)).total() < to_bytes(c.L, t).total();
        for (int k = 0; k < 6; ++k)
            if (c.L.extent(static_cast<Dim>(k)) % c.s.tile[k] != 0) {
                ++ragged;
                break;
            }
    }
    // The random cases really cover what matters.
    EXPECT_GT(psums, kCases / 10);
    EXPECT_GT(padded, kCases / 10);
    EXPECT_GT(s_above_r, kCases / 10);
    EXPECT_GT(tk_below_s, kCases / 10);
    EXPECT_GT(raised, kCases / 10);
    EXPECT_GT(delta_saves, kCases / 10);
    EXPECT_GT(ragged, kCases / 10);
    // The key-change rule (the spec's) and a content-comparing DMA differ on some schedules.
    EXPECT_GT(with_gap, 0);
    std::printf(
        "random cases: %d, with psums %d, padded %d, S>R %d, T_k<S %d, raised levels %d, "
        "delta cheaper %d, ragged tiles %d, key!=content %d\n",
        kCases, psums, padded, s_above_r, tk_below_s, raised, delta_saves, ragged, with_gap);
}

// Fewer but larger layers (up to 6 x 6 channels, 8 x 8 outputs, 5 x 5 filters).
TEST(BruteForce, RandomMediumLayers) {
    std::mt19937 rng(4242);
    auto pick = [&rng](int64_t lo, int64_t hi) {
        return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    for (int i = 0; i < 60 && !HasFailure(); ++i) {
        const int64_t R = pick(1, 5), S = pick(1, 3), pad = pick(0, R / 2), H = pick(R, 12);
        ConvLayer L =
            ConvLayer::conv(pick(1, 6), pick(1, 6), H, pick(R, 12), R, S, pad, pick(0, 1));
        Schedule s;
        for (int d = 0; d < 6; ++d)
            s.tile[d] = pick(1, L.extent(static_cast<Dim>(d)));
        std::shuffle(s.order.begin(), s.order.end(), rng);
        for (int x = 0; x < 3; ++x)
            s.level[x] = pick(0, 1) ? 6 : static_cast<int>(pick(0, 6));
        expect_model_matches_brute(L, s, "medium #" + std::to_string(i));
    }
}

// Every kernel kind against the brute force: grouped and depthwise convs,
// pools, global pools, eltwise (operand B in the weight buffer) and unary ops,
// with separate row / column strides, asymmetric padding, non-square shapes,
// bias, per-channel table and LUT; random tiles, orders, levels, both policies.
ConvLayer random_kind(std::mt19937& rng, int kind) {
    auto pick = [&rng](int64_t lo, int64_t hi) {
        return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    const int64_t R = pick(1, 4), S = pick(1, 4);
    const int64_t sy = pick(1, 3), sx = pick(1, 3);
    const int64_t pt = pick(0, R - 1), pb = pick(0, R - 1), pl = pick(0, S - 1),
                  pr = pick(0, S - 1);
    const int64_t H = pick(std::max<int64_t>(1, R - pt - pb), 9);
    const int64_t W = pick(std::max<int64_t>(1, S - pl - pr), 9);
    switch (kind) {
        case 0: {  // grouped conv
            const int64_t G = pick(2, 3);
            ConvLayer L = ConvLayer::conv2d(G * pick(1, 2), G * pick(1, 3), H, W, R, S, sy, sx, pt,
                                            pl, pb, pr, G, pick(0, 1) == 1);
            L.channel_table_bytes = pick(0, 1) * 8;
            L.has_lut = pick(0, 1) == 1;
            return L;
        }
        case 1: {  // depthwise (channel multiplier 1 or 2)
            const int64_t C = pick(1, 4);
            return ConvLayer::conv2d(C, C * pick(1, 2), H, W, R, S, sy, sx, pt, pl, pb, pr, C,
                                     pick(0, 1) == 1);
        }
        case 2:
            return ConvLayer::pool(pick(1, 4), H, W, R, S, sy, sx, pt, pl, pb, pr);
        case 3:
            return ConvLayer::global_pool(pick(1, 4), pick(1, 6), pick(1, 6));
        case 4: {
            ConvLayer L = ConvLayer::elementwise(pick(1, 4), pick(1, 6), pick(1, 6), true);
            return L;
        }
        case 5: {
            ConvLayer L = ConvLayer::elementwise(pick(1, 4), pick(1, 6), pick(1, 6), false);
            L.has_lut = pick(0, 1) == 1;
            L.w_ifmap = pick(0, 1) ? 4 : 1;  // requant reads int32
            return L;
        }
        default: {  // plain conv, non-square, asymmetric
            ConvLayer L = ConvLayer::conv2d(pick(1, 3), pick(1, 4), H, W, R, S, sy, sx, pt, pl, pb,
                                            pr, 1, pick(0, 1) == 1);
            L.channel_table_bytes = pick(0, 1) * 8;
            return L;
        }
    }
}

TEST(BruteForce, EveryKernelKind) {
    std::mt19937 rng(777);
    const char* names[] = {"grouped", "depthwise", "pool", "global pool",
                           "eltwise", "unary",     "conv"};
    int asym = 0, grouped_m_split = 0;
    for (int kind = 0; kind < 7; ++kind)
        for (int i = 0; i < 120 && !HasFailure(); ++i) {
            const ConvLayer L = random_kind(rng, kind);
            Schedule s;
            for (int d = 0; d < 6; ++d)
                s.tile[d] =
                    std::uniform_int_distribution<int64_t>(1, L.extent(static_cast<Dim>(d)))(rng);
            std::shuffle(s.order.begin(), s.order.end(), rng);
            for (int x = 0; x < 3; ++x)
                s.level[x] = rng() % 2 ? 6 : static_cast<int>(rng() % 7);
            expect_model_matches_brute(L, s, std::string(names[kind]) + " #" + std::to_string(i));
            asym += L.pad_y != L.pad_bottom() || L.pad_x != L.pad_right() ||
                    L.stride_y != L.stride_x || L.H_y != L.H_x;
            grouped_m_split += L.groups > 1 && s.trips(L, Dim::m) > 1;
        }
    EXPECT_GT(asym, 300);
    EXPECT_GT(grouped_m_split, 100);
    // A window wholly in the padding (right padding 3 with a 2-wide window):
    // its output reads no input, as the NPU accepts and counts it.
    const ConvLayer p = ConvLayer::pool(3, 3, 2, 2, 2, 3, 3, 0, 1, 0, 3);
    EXPECT_EQ(p.E_x, 2);
    for (int64_t tx : {1, 2})
        expect_model_matches_brute(p, make_schedule({2, 1, 1, tx, 1, 2}, kMCYXKL), "padded window");
}

// Hand-computed: a grouped conv whose m tiles straddle groups, a pool, an
// eltwise op and the LUT / per-channel table counts.
TEST(ClosedForm, KernelKindsHandComputed) {
    // C = 4, M = 6, groups 2 (Cg = 2, 3 outputs per group), 1x1, 3x3 input.
    ConvLayer g = ConvLayer::conv2d(4, 6, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 2);
    // T_m = 2: m tiles {0,1} {2,3} {4,5} touch groups {0}, {0,1}, {1}: 1 + 2 + 1 groups
    // of 2 channels of 9 pixels.
    Schedule s = make_schedule({2, 2, 3, 3, 1, 1}, kMCYXKL);
    EXPECT_EQ(closed_form(g, s).ifmap_reads, (1 + 2 + 1) * 2 * 9);
    EXPECT_EQ(buffer_needs(g, s).elems[1], 2 * 2 * 9);
    EXPECT_EQ(closed_form(g, s).weight_reads, 6 * 2);
    // 3x3 max pool, stride 2, pads 1 top / 0 bottom / 0 left / 1 right on 5x4: E = 2, F = 2.
    ConvLayer p = ConvLayer::pool(3, 5, 4, 3, 3, 2, 2, 1, 0, 0, 1);
    EXPECT_EQ(p.E_y, 2);
    EXPECT_EQ(p.E_x, 2);
    EXPECT_EQ(p.pad_bottom(), -1);  // the windows never reach input row 4
    EXPECT_EQ(p.pad_right(), 1);
    // One y tile per output row: rows {-1,0,1} -> 2, {1,2,3} -> 3; all 4 columns.
    s = make_schedule({3, 1, 1, 2, 3, 3}, kMCYXKL);
    EXPECT_EQ(closed_form(p, s).ifmap_reads, 3 * (2 + 3) * 4);
    EXPECT_EQ(closed_form(p, s).weight_reads, 0);
    // Eltwise: operand B streams once like the ifmap; m outermost split changes nothing.
    ConvLayer e = ConvLayer::elementwise(4, 3, 5, true);
    s = make_schedule({2, 1, 2, 5, 1, 1}, kMCYXKL);
    const Traffic te = closed_form(e, s);
    EXPECT_EQ(te.weight_reads, 60);
    EXPECT_EQ(te.ifmap_reads, 60);
    EXPECT_EQ(te.final_writes, 60);
    EXPECT_EQ(te.psum_writes, 0);
    // LUT once; the per-channel table reloads with the bias (m inside c: per c tile).
    ConvLayer c = ConvLayer::conv2d(2, 4, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, true);
    c.has_lut = true;
    c.channel_table_bytes = 8;
    s = make_schedule({2, 1, 4, 4, 3, 3}, kCMYXKL);
    const Traffic tc = closed_form(c, s);
    EXPECT_EQ(tc.lut_reads, 256);
    EXPECT_EQ(tc.bias_reads, 2 * 4);
    EXPECT_EQ(tc.table_reads, 2 * 4);
    EXPECT_EQ(to_bytes(c, tc).dram_read_bytes.weight, 72 + 4 * 8 + 8 * 8 + 256);
}

TEST(Buffers, DoubleBufferingDoublesBytes) {
    ConvLayer L = ConvLayer::conv(4, 8, 10, 10, 3, 1, 1, true);
    Schedule s = make_schedule({4, 2, 5, 10, 3, 3}, kMCYXKL);
    const BufferNeeds one = buffer_needs(L, s);
    // W: 4*2*9 int8; I: 2 channels x rows(5,3)=7 clipped to 6 x 10 columns; O:
    // 4*5*10 int32 accumulators + 4 int32 bias (the output path applies it)
    EXPECT_EQ(one.bytes[0], 72);
    EXPECT_EQ(one.elems[1], 2 * 6 * 10);
    EXPECT_EQ(one.bytes[2], 4 * 5 * 10 * 4 + 16);
    s.double_buffer = true;
    const BufferNeeds two = buffer_needs(L, s);
    for (int x = 0; x < 3; ++x)
        EXPECT_EQ(two.bytes[x], 2 * one.bytes[x]);
    BufferConfig cap;
    cap.weight_bytes = 72;
    cap.ifmap_bytes = 120;
    cap.ofmap_bytes = 816;
    EXPECT_TRUE(fits(one, cap));
    EXPECT_FALSE(fits(two, cap));
    EXPECT_EQ(closed_form(L, s), closed_form(L, make_schedule({4, 2, 5, 10, 3, 3}, kMCYXKL)));
}

// A schedule where the ifmap tile indices change but the rows they cover do
// not: T_y = T_k = 1, S = 1, order ...y>k innermost. (y=0,k=1) and (y=1,k=0)
// both need input row 1. The model's rule (what this model and a DMA
// keyed on tile indices do) reloads; a DMA comparing contents would not.
TEST(BruteForce, KeyChangeWithoutContentChange) {
    const ConvLayer L = ConvLayer::valid(1, 1, 3, 2, 1);  // H = 4
    const Schedule s =
        make_schedule({1, 1, 1, 3, 1, 2}, {Dim::m, Dim::c, Dim::x, Dim::l, Dim::y, Dim::k});
    const Traffic cf = closed_form(L, s);
    const brute::Result bk = brute::count(L, s, brute::Reload::on_key_change);
    const brute::Result bc = brute::count(L, s, brute::Reload::on_content_change);
    EXPECT_EQ(cf, bk.traffic);
    EXPECT_EQ(cf.ifmap_reads, 6 * 4);          // 6 (y,k) pairs, one row of 4 columns each
    EXPECT_EQ(bc.traffic.ifmap_reads, 4 * 4);  // rows 0,1,(1),2,(2),3: two reloads saved
    EXPECT_EQ(bk.key_changes_without_content_change, 2);
}

TEST(BruteForce, GemmAndFc) {
    // Y[6 x 5] = W[6 x 7] X[7 x 5] (+ bias), and an fc layer.
    const ConvLayer g = ConvLayer::gemm(6, 7, 5, true);
    EXPECT_EQ(g.macs(), 6 * 7 * 5);
    EXPECT_EQ(g.ifmap_elems(), 7 * 5);
    for (int64_t tm : {1, 4, 6})
        for (int64_t tc : {2, 7})
            for (int64_t tx : {1, 3, 5})
                for (const auto& o :
                     {kMCYXKL, kCMYXKL,
                      std::array<Dim, 6>{Dim::x, Dim::c, Dim::m, Dim::y, Dim::k, Dim::l}})
                    expect_model_matches_brute(g, make_schedule({tm, tc, 1, tx, 1, 1}, o), "gemm");
    // fc, 16 outputs from 10 inputs, K split in 3 with c outermost and m split in 2: each
    // output tile is evicted between the c passes, so psums for 2 of the 3 passes.
    const ConvLayer f = ConvLayer::fc(16, 10);
    const Traffic t = closed_form(f, make_schedule({8, 4, 1, 1, 1, 1}, kCMYXKL));
    expect_model_matches_brute(f, make_schedule({8, 4, 1, 1, 1, 1}, kCMYXKL), "fc");
    // With all 16 outputs in one tile the ofmap buffer never changes: no psums.
    EXPECT_EQ(closed_form(f, make_schedule({16, 4, 1, 1, 1, 1}, kCMYXKL)).psum_writes, 0);
    EXPECT_EQ(t.weight_reads, 160);
    EXPECT_EQ(t.ifmap_reads, 10);
    EXPECT_EQ(t.psum_writes, 2 * 16);
    EXPECT_EQ(t.psum_reads, 2 * 16);
    EXPECT_EQ(t.final_writes, 16);
}

TEST(Walk, DeltaHaloReuseHandCase) {
    // 1 channel, 1 filter, E=4, R=3, S=1 (H=6), y split into 4 single rows, y innermost active.
    const ConvLayer L = ConvLayer::valid(1, 1, 4, 3, 1);
    Schedule s = make_schedule({1, 1, 1, 4, 3, 3}, kMCYXKL);
    EXPECT_EQ(closed_form(L, s).ifmap_reads, 4 * 3 * 6);  // 3 rows of 6 per y tile
    s.policy = Policy::delta;
    EXPECT_EQ(tile_walk(L, s).ifmap_reads, 6 * 6);  // each input row once
}

TEST(Schedule, ValidatesInput) {
    const ConvLayer L = ConvLayer::valid(2, 4, 4, 3, 1);
    Schedule s = make_schedule({5, 1, 1, 1, 1, 1}, kMCYXKL);
    EXPECT_THROW(closed_form(L, s), std::invalid_argument);
    s = make_schedule({1, 1, 1, 1, 1, 1}, {Dim::m, Dim::m, Dim::y, Dim::x, Dim::k, Dim::l});
    EXPECT_THROW(tile_walk(L, s), std::invalid_argument);
    EXPECT_THROW(ConvLayer::conv(1, 1, 2, 2, 5, 1, 0), std::invalid_argument);
}

}  // namespace
