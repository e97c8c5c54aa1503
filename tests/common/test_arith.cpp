// The NPU's integer arithmetic (npu_abi/arith.h) at its edges: the one
// definition the NPU model, the reference executor and the firmware share.
#include "npu_abi/arith.h"

#include <cstdint>

#include <gtest/gtest.h>

TEST(Arith, RoundingIsHalfAwayFromZero) {
    EXPECT_EQ(npu_rshift_round(5, 1), 3);    // 2.5 -> 3
    EXPECT_EQ(npu_rshift_round(-5, 1), -3);  // -2.5 -> -3
    EXPECT_EQ(npu_rshift_round(6, 2), 2);    // 1.5 -> 2
    EXPECT_EQ(npu_rshift_round(5, 2), 1);    // 1.25 -> 1
    EXPECT_EQ(npu_rshift_round(-5, 2), -1);
    EXPECT_EQ(npu_rshift_round(7, 0), 7);
    EXPECT_EQ(npu_div_round(7, 2), 4);
    EXPECT_EQ(npu_div_round(-7, 2), -4);
    EXPECT_EQ(npu_div_round(-5, 3), -2);
    EXPECT_EQ(npu_div_round(4, 3), 1);
}

TEST(Arith, RequantizeSaturatesAndAddsTheZeroPoint) {
    EXPECT_EQ(npu_requantize(1000, 1 << 16, 16, 0), 127);  // 1000 saturates
    EXPECT_EQ(npu_requantize(-1000, 1 << 16, 16, 0), -128);
    EXPECT_EQ(npu_requantize(100, 1 << 15, 16, -5), 45);  // 50 - 5
    EXPECT_EQ(npu_requantize(101, 1 << 15, 16, 0), 51);   // 50.5 -> 51
    EXPECT_EQ(npu_requantize(-101, 1 << 15, 16, 0), -51);
    // The product is formed in 64 bits: no overflow for a full-range acc.
    // (2^31 - 1)^2 / 2^62 = 0.99999998 rounds to 1.
    EXPECT_EQ(npu_requantize(INT32_MAX, INT32_MAX, 62, 0), 1);
}

TEST(Arith, AccumulatorsWrapLikeA32BitAdder) {
    EXPECT_EQ(npu_wrap32(0x80000000ll), INT32_MIN);
    EXPECT_EQ(npu_wrap32(-0x80000001ll), INT32_MAX);
    EXPECT_EQ(npu_wrap32(0x100000005ll), 5);
    EXPECT_EQ(npu_acc_add(INT32_MAX, 1), INT32_MIN);
    EXPECT_EQ(npu_eltwise_add_acc(10, 2, 3, -4, -6, 5), 8 * 3 + 2 * 5);
    // 255 * 2^30 + 1 * 2^30 = 2^38: wraps to 0 in the int32 adder.
    EXPECT_EQ(npu_eltwise_add_acc(127, -128, 1 << 30, 1, 0, 1 << 30), 0);
    EXPECT_EQ(npu_eltwise_mul_acc(-128, 127, -128, 127), 255 * 255);
}
