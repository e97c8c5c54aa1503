// The reference executor on cases computed by hand (the expected numbers are
// worked out in the comments), plus a few self-consistency checks.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

#include "workloads/reference.h"

namespace {

using namespace wl;
using namespace wl::ref;

Tensor8 t8(Shape s, int32_t zp, std::vector<int8_t> v) {
    return Tensor8(s, zp, std::move(v));
}

// x (zp 2):        x - 2:          w (zp -1):    w + 1:
//  3 1 4 1          1 -1  2 -1       0 -1 0       1 0 1
//  5 9 2 6          3  7  0  4       1  1 1       2 2 2
//  5 3 5 8          3  1  3  6      -1  0 2       0 1 3
//  9 7 9 3          7  5  7  1
Tensor8 hand_x() {
    return t8({1, 1, 4, 4}, 2, {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3});
}
Tensor8 hand_w() {
    return t8({1, 1, 3, 3}, -1, {0, -1, 0, 1, 1, 1, -1, 0, 2});
}

TEST(Conv2d, Hand3x3Valid) {
    // (0,0): [1*1 + 0 + 2*1] + [3*2 + 7*2 + 0] + [0 + 1*1 + 3*3] = 3 + 20 + 10 = 33, +10 bias
    // (0,1): [-1 + 0 - 1] + [14 + 0 + 8] + [0 + 3 + 18] = -2 + 22 + 21 = 41
    // (1,0): [3 + 0 + 0] + [6 + 2 + 6] + [0 + 5 + 21] = 43
    // (1,1): [7 + 0 + 4] + [2 + 6 + 12] + [0 + 7 + 3] = 41
    const Tensor32 y = conv2d(hand_x(), hand_w(), {10}, ConvParams{});
    EXPECT_EQ(y.shape, (Shape{1, 1, 2, 2}));
    EXPECT_EQ(y.data, (std::vector<int32_t>{43, 51, 53, 51}));
}

TEST(Conv2d, Hand3x3PaddedStride2) {
    ConvParams p;
    p.stride_h = p.stride_w = 2;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    // (0,0): rows 0-1 x cols 0-1 with w rows 1-2, cols 1-2: 1*2 - 1*2 + 3*1 + 7*3 = 24
    // (0,1): row 0, cols 1-3 with w row 1: -2 + 4 - 2 = 0; row 1 with w row 2: 0 + 0 + 12 = 12
    // (1,0): rows 1-3, cols 0-1 with w cols 1-2: (0 + 7) + (6 + 2) + (7 + 15) = 37
    // (1,1): rows 1-3, cols 1-3: 41 (as in the valid case)
    const Tensor32 y = conv2d(hand_x(), hand_w(), {10}, p);
    EXPECT_EQ(y.shape, (Shape{1, 1, 2, 2}));
    EXPECT_EQ(y.data, (std::vector<int32_t>{34, 22, 47, 51}));
}

TEST(Conv2d, GroupsAndDepthwise) {
    // Depthwise: C = M = groups = 2, 1x1 filters 2 and 3 on inputs 5 and 7.
    const Tensor32 dw = conv2d(t8({1, 2, 1, 1}, 0, {5, 7}), t8({2, 1, 1, 1}, 0, {2, 3}), {},
                               ConvParams{1, 1, 0, 0, 0, 0, 2});
    EXPECT_EQ(dw.data, (std::vector<int32_t>{10, 21}));
    // Two groups of two channels: y0 = 1*1 + 2*1 = 3, y1 = 3*1 + 4*(-1) = -1.
    const Tensor32 g = conv2d(t8({1, 4, 1, 1}, 0, {1, 2, 3, 4}), t8({2, 2, 1, 1}, 0, {1, 1, 1, -1}),
                              {}, ConvParams{1, 1, 0, 0, 0, 0, 2});
    EXPECT_EQ(g.data, (std::vector<int32_t>{3, -1}));
}

TEST(Conv2d, GroupedEqualsPerGroupConvs) {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> v(-128, 127);
    const int64_t C = 6, M = 4, G = 2, H = 5;
    Tensor8 x(Shape{1, C, H, H}, 3), w(Shape{M, C / G, 3, 3}, -2);
    for (auto& e : x.data)
        e = static_cast<int8_t>(v(rng));
    for (auto& e : w.data)
        e = static_cast<int8_t>(v(rng));
    const std::vector<int32_t> bias{5, -6, 7, -8};
    ConvParams p;
    p.groups = G;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    const Tensor32 y = conv2d(x, w, bias, p);
    for (int64_t g = 0; g < G; ++g) {
        Tensor8 xg(Shape{1, C / G, H, H}, x.zero_point),
            wg(Shape{M / G, C / G, 3, 3}, w.zero_point);
        for (int64_t c = 0; c < C / G; ++c)
            for (int64_t i = 0; i < H * H; ++i)
                xg.data[static_cast<size_t>(c * H * H + i)] =
                    x.data[static_cast<size_t>((g * C / G + c) * H * H + i)];
        const int64_t wn = (M / G) * (C / G) * 9;
        std::copy(w.data.begin() + g * wn, w.data.begin() + (g + 1) * wn, wg.data.begin());
        ConvParams pg = p;
        pg.groups = 1;
        const Tensor32 yg = conv2d(
            xg, wg, {bias[static_cast<size_t>(2 * g)], bias[static_cast<size_t>(2 * g + 1)]}, pg);
        for (int64_t i = 0; i < yg.shape.size(); ++i)
            EXPECT_EQ(yg.data[static_cast<size_t>(i)],
                      y.data[static_cast<size_t>(g * yg.shape.size() + i)]);
    }
}

TEST(Conv2d, AccumulatorWrapsLikeHardware) {
    const Tensor32 y = conv2d(t8({1, 1, 1, 1}, 0, {1}), t8({1, 1, 1, 1}, 0, {1}),
                              {std::numeric_limits<int32_t>::max()}, ConvParams{});
    EXPECT_EQ(y.data[0], std::numeric_limits<int32_t>::min());
}

TEST(Conv2d, RejectsBadShapes) {
    EXPECT_THROW(conv2d(hand_x(), t8({1, 2, 3, 3}, 0, std::vector<int8_t>(18)), {}, ConvParams{}),
                 std::invalid_argument);
    EXPECT_THROW(conv2d(hand_x(), hand_w(), {1, 2}, ConvParams{}), std::invalid_argument);
    EXPECT_THROW(conv2d(t8({1, 1, 2, 2}, 0, {1, 2, 3, 4}), hand_w(), {}, ConvParams{}),
                 std::invalid_argument);
}

TEST(Requantize, RoundingHalfAwayFromZeroAndSaturation) {
    const Tensor32 acc(Shape{1, 1, 1, 8}, 0, std::vector<int32_t>{3, -3, 5, -5, 1, -1, 2, -2});
    // shift 1: 1.5->2, -1.5->-2, 2.5->3, -2.5->-3, 0.5->1, -0.5->-1, 1->1, -1->-1
    EXPECT_EQ(requantize(acc, Requant{1, 1, 0}).data,
              (std::vector<int8_t>{2, -2, 3, -3, 1, -1, 1, -1}));
    // zero point added after rounding, then saturation
    const Tensor32 big(Shape{1, 1, 1, 5}, 0, std::vector<int32_t>{117, 118, -138, -139, 1 << 30});
    EXPECT_EQ(requantize(big, Requant{1, 0, 10}).data,
              (std::vector<int8_t>{127, 127, -128, -128, 127}));
    EXPECT_EQ(requantize(big, Requant{-1, 0, 0}).data.back(), -128);
    // Large products do not overflow: (2^31-1)^2 >> 62 = 1 (0.99999... rounds to 1).
    const Tensor32 m(Shape{1, 1, 1, 1}, 0,
                     std::vector<int32_t>{std::numeric_limits<int32_t>::max()});
    EXPECT_EQ(requantize(m, Requant{std::numeric_limits<int32_t>::max(), 62, 0}).data[0], 1);
}

TEST(Requantize, FromScale) {
    Requant q = requant_from_scale(0.5, 3);
    EXPECT_EQ(q.mult, 1 << 30);
    EXPECT_EQ(q.shift, 31u);
    EXPECT_EQ(q.zp, 3);
    q = requant_from_scale(3.0, 0);  // 0.75 * 2^2
    EXPECT_EQ(q.mult, 1610612736);
    EXPECT_EQ(q.shift, 29u);
    const Tensor32 acc(Shape{1, 1, 1, 3}, 0, std::vector<int32_t>{10, -7, 40});
    EXPECT_EQ(requantize(acc, q).data, (std::vector<int8_t>{30, -21, 120}));
    EXPECT_THROW(requant_from_scale(0.0, 0), std::invalid_argument);
}

TEST(Gemm, HandMatrixProduct) {
    // a - 1 = [[0,1,2],[3,4,5]], b = [[1,0],[0,1],[2,2]] -> [[4,5],[13,14]], + bias rows
    const Tensor8 a = t8({1, 1, 2, 3}, 1, {1, 2, 3, 4, 5, 6});
    const Tensor8 b = t8({1, 1, 3, 2}, 0, {1, 0, 0, 1, 2, 2});
    EXPECT_EQ(gemm(a, b, {100, -100}).data, (std::vector<int32_t>{104, 105, -87, -86}));
    // fc with the same weights and x = column 0 of b: [4, 13]
    const Tensor8 w = t8({2, 3, 1, 1}, 1, {1, 2, 3, 4, 5, 6});
    const Tensor32 y = fc(w, t8({1, 3, 1, 1}, 0, {1, 0, 2}), {0, 1});
    EXPECT_EQ(y.shape, (Shape{1, 2, 1, 1}));
    EXPECT_EQ(y.data, (std::vector<int32_t>{4, 14}));
    EXPECT_THROW(gemm(a, a, {}), std::invalid_argument);
}

Tensor8 one_to_nine(int32_t zp) {
    return t8({1, 1, 3, 3}, zp, {1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST(Pool, AveragePaddingExcludedFromCount) {
    PoolParams p;
    p.kernel_h = p.kernel_w = 3;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    // corners: 4 elements, edges: 6, centre: 9.
    // (0,0) 12/4=3  (0,1) 21/6=3.5->4  (0,2) 16/4=4
    // (1,0) 27/6=4.5->5  (1,1) 45/9=5  (1,2) 33/6=5.5->6
    // (2,0) 24/4=6  (2,1) 39/6=6.5->7  (2,2) 28/4=7
    EXPECT_EQ(avg_pool(one_to_nine(0), p, 0).data,
              (std::vector<int8_t>{3, 4, 4, 5, 5, 6, 6, 7, 7}));
    // zp_x = 10: (0,1) is (21 - 60)/6 = -6.5 -> -7; with zp_y = -1 -> -8.
    EXPECT_EQ(avg_pool(one_to_nine(10), p, -1).data[1], -8);
    // Saturation
    EXPECT_EQ(avg_pool(one_to_nine(-128), p, 100).data[4], 127);
}

TEST(Pool, MaxIgnoresPadding) {
    PoolParams p;
    p.kernel_h = p.kernel_w = 3;
    p.stride_h = p.stride_w = 2;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    const Tensor8 y = max_pool(one_to_nine(0), p);
    EXPECT_EQ(y.shape, (Shape{1, 1, 2, 2}));
    EXPECT_EQ(y.data, (std::vector<int8_t>{5, 6, 8, 9}));
    // All negative: padding never wins. Windows: {-1,-2,-4,-5}, {-2,-3,-5,-6},
    // {-4,-5,-7,-8}, {-5,-6,-8,-9}.
    const Tensor8 neg = t8({1, 1, 3, 3}, 0, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
    EXPECT_EQ(max_pool(neg, p).data, (std::vector<int8_t>{-1, -2, -4, -5}));
    EXPECT_EQ(max_pool(neg, p).zero_point, 0);
}

TEST(Pool, GlobalAverage) {
    // channel 0: 10/4 = 2.5 -> 3; channel 1: -10/4 = -2.5 -> -3; zp_y = 1.
    const Tensor8 x = t8({1, 2, 2, 2}, 0, {1, 2, 3, 4, -1, -2, -3, -4});
    const Tensor8 y = global_avg_pool(x, 1);
    EXPECT_EQ(y.shape, (Shape{1, 2, 1, 1}));
    EXPECT_EQ(y.data, (std::vector<int8_t>{4, -2}));
}

TEST(Eltwise, AddHand) {
    // acc = 3*(a-0) + 5*(b-1); y = rshift_round(acc, 2)
    // a=10,b=3: 30+10=40 -> 10;  a=-10,b=3: -20 -> -5;  a=1,b=0: 3-5=-2 -> -0.5 -> -1
    // a=100,b=100: 300+495=795 -> 198.75 -> 199 -> 127 (saturated)
    const Tensor8 a = t8({1, 1, 1, 4}, 0, {10, -10, 1, 100});
    const Tensor8 b = t8({1, 1, 1, 4}, 1, {3, 3, 0, 100});
    const Tensor8 y = eltwise_add(a, b, 3, 5, 2, 0);
    EXPECT_EQ(y.data, (std::vector<int8_t>{10, -5, -1, 127}));
    EXPECT_EQ(eltwise_add(a, b, 3, 5, 2, -20).data[0], -10);
    EXPECT_THROW(eltwise_add(a, t8({1, 1, 2, 2}, 0, {0, 0, 0, 0}), 1, 1, 0, 0),
                 std::invalid_argument);
}

// The adder wraps at 32 bits like the NPU's (npu_eltwise_add_acc), in both
// directions. zp -128 and 127, mult 2^23 each, shift 23:
//   a = b = 127 (zp -128): 255 * 2^24 = 2^32 - 2^24 wraps to -2^24 -> -2
//   a = b = 0   (zp -128): 2^31 wraps to -2^31 -> -256 -> -128 (64-bit: +127)
//   a = b = -128 (zp 127): -255 * 2^24 wraps to +2^24 -> 2
TEST(Eltwise, AddWrapsAt32BitsLikeTheNpu) {
    const Tensor8 p = t8({1, 1, 1, 2}, -128, {127, 0});
    EXPECT_EQ(eltwise_add(p, p, 1 << 23, 1 << 23, 23, 0).data, (std::vector<int8_t>{-2, -128}));
    const Tensor8 n = t8({1, 1, 1, 1}, 127, {-128});
    EXPECT_EQ(eltwise_add(n, n, 1 << 23, 1 << 23, 23, 5).data, (std::vector<int8_t>{7}));
}

// Ties round half away from zero after the multiplier, at every shift, and
// the zero point is added before saturation:
//   3 * 5 = 15, >> 1: 7.5 -> 8;  -15 -> -8;  6 >> 2: 1.5 -> 2;  -6 -> -2;
//   10 >> 2: 2.5 -> 3;  -10 -> -3;  253 >> 1: 126.5 -> 127 (not saturated);
//   255 >> 1: 127.5 -> 128 -> 127;  -255 >> 1: -127.5 -> -128;  -257 >> 1: -128.5 -> -129 -> -128.
TEST(Requantize, TiesAtLargerShiftsAndSaturationEdges) {
    const Tensor32 odd(Shape{1, 1, 1, 2}, 0, std::vector<int32_t>{3, -3});
    EXPECT_EQ(requantize(odd, Requant{5, 1, 0}).data, (std::vector<int8_t>{8, -8}));
    const Tensor32 q(Shape{1, 1, 1, 4}, 0, std::vector<int32_t>{6, -6, 10, -10});
    EXPECT_EQ(requantize(q, Requant{1, 2, 0}).data, (std::vector<int8_t>{2, -2, 3, -3}));
    const Tensor32 e(Shape{1, 1, 1, 4}, 0, std::vector<int32_t>{253, 255, -255, -257});
    EXPECT_EQ(requantize(e, Requant{1, 1, 0}).data, (std::vector<int8_t>{127, 127, -128, -128}));
    // zero point 3 after rounding: 126.5 -> 127 + 3 = 130 -> 127; -128 + 3 = -125
    EXPECT_EQ(requantize(e, Requant{1, 1, 3}).data, (std::vector<int8_t>{127, 127, -125, -126}));
}

TEST(Eltwise, MulHand) {
    // (20 - -2) * (-7 - 3) = 22 * -10 = -220; >> 3 = -27.5 -> -28; + zp 5 = -23
    const Tensor8 y =
        eltwise_mul(t8({1, 1, 1, 1}, -2, {20}), t8({1, 1, 1, 1}, 3, {-7}), Requant{1, 3, 5});
    EXPECT_EQ(y.data[0], -23);
    EXPECT_EQ(y.zero_point, 5);
}

TEST(Activation, ReluAtZeroPoint) {
    const Tensor8 y = relu(t8({1, 1, 1, 5}, -5, {-128, -5, -6, 0, 127}));
    EXPECT_EQ(y.data, (std::vector<int8_t>{-5, -5, -5, 0, 127}));
}

TEST(Activation, SigmoidAndTanhTables) {
    // sigmoid: input scale 1/16, output scale 1/256 with zp -128 (0..1 onto -128..127)
    const Lut sg = sigmoid_lut({1.0 / 16, 0}, {1.0 / 256, -128});
    EXPECT_EQ(sg[128 + 0], 0);      // sigmoid(0) = 0.5 -> 128 - 128
    EXPECT_EQ(sg[128 + 127], 127);  // sigmoid(7.94) * 256 = 255.9 -> 256 -> saturated
    EXPECT_EQ(sg[0], -128);         // sigmoid(-8) * 256 = 0.09 -> 0
    EXPECT_EQ(sg[128 + 16], 59);    // sigmoid(1) * 256 = 187.15 -> 187 - 128
    for (int i = 1; i < 256; ++i)
        EXPECT_GE(sg[static_cast<size_t>(i)], sg[static_cast<size_t>(i - 1)]);
    // tanh: input scale 1/32, output scale 1/128
    const Lut th = tanh_lut({1.0 / 32, 0}, {1.0 / 128, 0});
    EXPECT_EQ(th[128], 0);
    EXPECT_EQ(th[128 + 32], 97);  // tanh(1) * 128 = 97.48
    EXPECT_EQ(th[128 - 32], -97);
    EXPECT_EQ(th[255], 127);         // tanh(3.97) * 128 = 127.9 -> 128 -> saturated
    for (int q = -90; q <= 90; ++q)  // odd symmetry away from saturation
        EXPECT_EQ(th[static_cast<size_t>(128 + q)], -th[static_cast<size_t>(128 - q)]);
    // Applying the table: y = table[x + 128]
    const Tensor8 y = apply_lut(t8({1, 1, 1, 3}, 0, {0, 32, -32}), th, 0);
    EXPECT_EQ(y.data, (std::vector<int8_t>{0, 97, -97}));
    // An input zero point shifts the table.
    const Lut shifted = tanh_lut({1.0 / 32, 10}, {1.0 / 128, 0});
    EXPECT_EQ(shifted[128 + 10], 0);
}

}  // namespace
