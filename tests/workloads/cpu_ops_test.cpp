// The CPU steps of npu_abi/cpu_ops.h on cases computed by hand, their step
// records run on a memory image, their parameter checks, and the same header
// compiled as C99 (cpu_ops_c.c) giving the same bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "npu_abi/cpu_ops.h"
#include "workloads/quant_params.h"
#include "workloads/zoo.h"

extern "C" int cpu_ops_c_softmax(int8_t* dst, const int8_t* src, const uint32_t* table,
                                 uint32_t rows, uint32_t cols, int32_t mult, uint32_t shift,
                                 int32_t zp_y);
extern "C" int cpu_ops_c_step_run(const npu_cpu_step_t* s, uint8_t* base, uint32_t base_addr,
                                  uint32_t span);

namespace {

// s_x = ln 2 makes the table powers of two: table[d] = 2^(16 - d).
wl::SoftmaxParams ln2_params() {
    return wl::softmax_params(std::log(2.0), 1.0 / 256.0, -128);
}

TEST(CpuSoftmax, TableIsPowersOfTwo) {
    const wl::SoftmaxParams p = ln2_params();
    for (int d = 0; d <= 16; ++d)
        EXPECT_EQ(p.exp_table[d], 1u << (16 - d)) << d;
    EXPECT_EQ(p.exp_table[18], 0u);
    EXPECT_EQ(p.exp_table[255], 0u);
    // Output: p / 2^15 / (1/256) = p * 2^-7 -> mult 2^30, shift 37.
    EXPECT_EQ(p.mult, 1 << 30);
    EXPECT_EQ(p.shift, 37u);
    EXPECT_EQ(p.zp_y, -128);
}

TEST(CpuSoftmax, HandTwoAndThreeValues) {
    const wl::SoftmaxParams p = ln2_params();
    // Row 0: x = {5, 4}: e = {65536, 32768}, sum 98304,
    //   p0 = (65536 * 2^15 + 49152) / 98304 = 21845 (2/3 in Q15), p1 = 10923 (1/3);
    //   y = -128 + round(p / 128): 21845/128 = 170.66 -> 171 -> 43; 10923/128 = 85.3 -> -43.
    // Row 1: x = {-7, -7}: p = 2^14 each, 16384/128 = 128 -> 0.
    const std::vector<int8_t> x = {5, 4, -7, -7};
    std::vector<int8_t> y(4);
    ASSERT_EQ(
        npu_cpu_softmax(y.data(), x.data(), p.exp_table.data(), 2, 2, p.mult, p.shift, p.zp_y),
        NPU_CPU_OK);
    EXPECT_EQ(y, (std::vector<int8_t>{43, -43, 0, 0}));
    // Three equal values: p = round(2^15 / 3) = 10923 -> 85 -> -43; in place.
    std::vector<int8_t> z = {9, 9, 9};
    ASSERT_EQ(
        npu_cpu_softmax(z.data(), z.data(), p.exp_table.data(), 1, 3, p.mult, p.shift, p.zp_y),
        NPU_CPU_OK);
    EXPECT_EQ(z, (std::vector<int8_t>{-43, -43, -43}));
}

TEST(CpuSoftmax, Q15ProbabilityRoundsToNearest) {
    // Output scale 2^-15 makes y = p (the Q15 probability) below 128:
    // x = {10, 2, 2, 2}: e = {65536, 256, 256, 256}, sum 66304;
    // p = 256 * 2^15 / 66304 = 126.52 -> 127 (truncation would give 126);
    // p0 = 32388.7 saturates to 127.
    const wl::SoftmaxParams p = wl::softmax_params(std::log(2.0), std::ldexp(1.0, -15), 0);
    ASSERT_EQ(p.mult, 1 << 30);
    ASSERT_EQ(p.shift, 30u);
    const std::vector<int8_t> x = {10, 2, 2, 2};
    std::vector<int8_t> y(4);
    ASSERT_EQ(npu_cpu_softmax(y.data(), x.data(), p.exp_table.data(), 1, 4, p.mult, p.shift, 0),
              NPU_CPU_OK);
    EXPECT_EQ(y, (std::vector<int8_t>{127, 127, 127, 127}));
    // x = {9, 0}: e = {65536, 2^7}, sum 65664: p1 = 2^7 * 2^15 / 65664 = 63.88 -> 64.
    const std::vector<int8_t> x2 = {9, 0};
    ASSERT_EQ(npu_cpu_softmax(y.data(), x2.data(), p.exp_table.data(), 1, 2, p.mult, p.shift, 0),
              NPU_CPU_OK);
    EXPECT_EQ(y[1], 64);
}

TEST(CpuSoftmax, RefusesBadParameters) {
    wl::SoftmaxParams p = ln2_params();
    const std::vector<int8_t> x = {1, 2};
    std::vector<int8_t> y = {7, 7};
    EXPECT_EQ(npu_cpu_softmax(y.data(), x.data(), p.exp_table.data(), 1, 0, p.mult, p.shift, 0),
              NPU_CPU_ERR_PARAM);
    EXPECT_EQ(npu_cpu_softmax(y.data(), x.data(), p.exp_table.data(), 1, NPU_SOFTMAX_MAX_COLS + 1,
                              p.mult, p.shift, 0),
              NPU_CPU_ERR_PARAM);
    EXPECT_EQ(npu_cpu_softmax(y.data(), x.data(), p.exp_table.data(), 1, 2, p.mult, 63, 0),
              NPU_CPU_ERR_PARAM);
    p.exp_table[0] = 0;  // would divide by zero
    EXPECT_EQ(npu_cpu_softmax(y.data(), x.data(), p.exp_table.data(), 1, 2, p.mult, p.shift, 0),
              NPU_CPU_ERR_PARAM);
    p.exp_table[0] = NPU_SOFTMAX_ONE;
    p.exp_table[200] = NPU_SOFTMAX_ONE + 1;  // would overflow the Q15 numerator
    EXPECT_EQ(npu_cpu_softmax(y.data(), x.data(), p.exp_table.data(), 1, 2, p.mult, p.shift, 0),
              NPU_CPU_ERR_PARAM);
    EXPECT_EQ(y, (std::vector<int8_t>{7, 7}));  // nothing written
}

TEST(CpuSoftmax, SumsToOneOnRandomRows) {
    // Independent check of the scale: the outputs of a row, read as reals,
    // sum to 1 within the rounding of each element (1/256 / 2 per element).
    const wl::SoftmaxParams p = wl::softmax_params(0.05, 1.0 / 256.0, -128);
    wl::zoo::SplitMix64 rng(7);
    for (int row = 0; row < 50; ++row) {
        const uint32_t cols = static_cast<uint32_t>(rng.uniform(1, 40));
        std::vector<int8_t> x(cols), y(cols);
        for (int8_t& v : x)
            v = static_cast<int8_t>(rng.uniform(-128, 127));
        ASSERT_EQ(npu_cpu_softmax(y.data(), x.data(), p.exp_table.data(), 1, cols, p.mult, p.shift,
                                  p.zp_y),
                  NPU_CPU_OK);
        double sum = 0.0, exact = 0.0;
        int mx = -128;
        for (int8_t v : x)
            mx = std::max<int>(mx, v);
        for (int8_t v : x)
            exact += std::exp(-0.05 * (mx - v));
        for (uint32_t c = 0; c < cols; ++c) {
            sum += (y[c] + 128) / 256.0;
            EXPECT_NEAR((y[c] + 128) / 256.0, std::exp(-0.05 * (mx - x[c])) / exact, 1.0 / 256.0);
        }
        EXPECT_NEAR(sum, 1.0, cols / 256.0);
    }
}

TEST(CpuLrn, HandFourChannels) {
    // x = {2, -4, 1, 6} (zp 0) over 4 channels of one pixel, size 3 (one
    // channel each side): sq = {4+16, 4+16+1, 16+1+36, 1+36} = {20, 21, 53, 37};
    // sq_shift 4: idx {1, 1, 3 -> clamped to 2, 2}; table {100, 50, 25}, shift 6:
    //   c0: 2 * 50 / 64 = 1.5625 -> 2;   c1: -4 * 50 / 64 = -3.125 -> -3;
    //   c2: 1 * 25 / 64 = 0.39 -> 0;     c3: 6 * 25 / 64 = 2.34 -> 2;   zp_y 5.
    const std::vector<int8_t> x = {2, -4, 1, 6};
    const std::vector<int32_t> table = {100, 50, 25};
    std::vector<int8_t> y(4);
    ASSERT_EQ(npu_cpu_lrn(y.data(), x.data(), table.data(), 4, 1, 3, 0, 5, 4, 3, 6), NPU_CPU_OK);
    EXPECT_EQ(y, (std::vector<int8_t>{7, 2, 5, 7}));
    // size 2 (ONNX: none before, one after): sq = {20, 17, 37, 36} -> idx {1, 1, 2, 2}:
    //   c0 2*50/64 -> 2; c1 -4*50/64 -> -3; c2 1*25/64 -> 0; c3 6*25/64 -> 2.
    ASSERT_EQ(npu_cpu_lrn(y.data(), x.data(), table.data(), 4, 1, 2, 0, 0, 4, 3, 6), NPU_CPU_OK);
    EXPECT_EQ(y, (std::vector<int8_t>{2, -3, 0, 2}));
    // Zero point of x: x - 1 = {1, -5, 0, 5}: size 1: sq = {1, 25, 0, 25}, sq_shift 3:
    // idx {0, 3 -> 2, 0, 2}: 1*100/64 = 1.56 -> 2; -5*25/64 = -1.95 -> -2; 0; 5*25/64 -> 2.
    const std::vector<int8_t> x1 = {2, -4, 1, 6};
    ASSERT_EQ(npu_cpu_lrn(y.data(), x1.data(), table.data(), 4, 1, 1, 1, 0, 3, 3, 6), NPU_CPU_OK);
    EXPECT_EQ(y, (std::vector<int8_t>{2, -2, 0, 2}));
}

TEST(CpuLrn, PixelsAreIndependent) {
    // Two pixels, channel-major [C][pixels]: pixel 1 alone equals a 1-pixel run.
    const std::vector<int8_t> x = {2, 9, -4, -3, 1, 0, 6, 5};
    const std::vector<int8_t> p1 = {9, -3, 0, 5};
    const std::vector<int32_t> table = {100, 50, 25};
    std::vector<int8_t> y(8), y1(4);
    ASSERT_EQ(npu_cpu_lrn(y.data(), x.data(), table.data(), 4, 2, 3, 0, 0, 4, 3, 6), NPU_CPU_OK);
    ASSERT_EQ(npu_cpu_lrn(y1.data(), p1.data(), table.data(), 4, 1, 3, 0, 0, 4, 3, 6), NPU_CPU_OK);
    for (int c = 0; c < 4; ++c)
        EXPECT_EQ(y[c * 2 + 1], y1[c]) << c;
    EXPECT_EQ(y[0], 2);  // pixel 0 as in HandFourChannels (zp_y 0)
}

TEST(CpuLrn, RefusesBadParameters) {
    const std::vector<int8_t> x = {1, 2};
    std::vector<int8_t> y = {7, 7};
    const std::vector<int32_t> table = {1};
    EXPECT_EQ(npu_cpu_lrn(y.data(), x.data(), table.data(), 2, 1, 0, 0, 0, 0, 1, 0),
              NPU_CPU_ERR_PARAM);  // size 0
    EXPECT_EQ(npu_cpu_lrn(y.data(), x.data(), table.data(), 2, 1, 3, 0, 0, 0, 0, 0),
              NPU_CPU_ERR_PARAM);  // empty table
    EXPECT_EQ(npu_cpu_lrn(y.data(), x.data(), table.data(), 2, 1, 3, 200, 0, 0, 1, 0),
              NPU_CPU_ERR_PARAM);  // zp_x outside int8
    EXPECT_EQ(npu_cpu_lrn(y.data(), y.data(), table.data(), 2, 1, 3, 0, 0, 0, 1, 0),
              NPU_CPU_ERR_PARAM);  // in place
    EXPECT_EQ(y, (std::vector<int8_t>{7, 7}));
}

TEST(CpuMoves, CopyAndTranspose) {
    const std::vector<int8_t> m = {1, 2, 3, 4, 5, 6};  // 2 x 3
    std::vector<int8_t> t(6);
    ASSERT_EQ(npu_cpu_transpose(t.data(), m.data(), 2, 3), NPU_CPU_OK);
    EXPECT_EQ(t, (std::vector<int8_t>{1, 4, 2, 5, 3, 6}));  // 3 x 2
    std::vector<int8_t> back(6);
    ASSERT_EQ(npu_cpu_transpose(back.data(), t.data(), 3, 2), NPU_CPU_OK);
    EXPECT_EQ(back, m);
    std::vector<uint8_t> c(3, 0);
    const uint8_t src[3] = {9, 8, 7};
    ASSERT_EQ(npu_cpu_copy(c.data(), src, 3), NPU_CPU_OK);
    EXPECT_EQ(c, (std::vector<uint8_t>{9, 8, 7}));
}

// A DRAM image at address 0x1000: steps filled by the helpers the compiler
// uses and run by the dispatcher the firmware uses.
struct Memory {
    static constexpr uint32_t kBase = 0x1000;
    std::vector<uint8_t> bytes = std::vector<uint8_t>(4096, 0);
    uint8_t* at(uint32_t addr) { return bytes.data() + (addr - kBase); }
    int run(const npu_cpu_step_t& s) {
        return npu_cpu_step_run(&s, bytes.data(), kBase, static_cast<uint32_t>(bytes.size()));
    }
};

TEST(CpuSteps, SoftmaxStepEqualsTheDirectCall) {
    Memory mem;
    const wl::SoftmaxParams p = ln2_params();
    std::memcpy(mem.at(0x1400), p.exp_table.data(), sizeof p.exp_table);
    const int8_t x[4] = {5, 4, -7, -7};
    std::memcpy(mem.at(0x1100), x, 4);
    npu_cpu_step_t s;
    npu_cpu_softmax_step(&s, 0x1200, 0x1100, 0x1400, 2, 2, p.mult, p.shift, p.zp_y);
    EXPECT_EQ(s.kind, NPU_STEP_SOFTMAX);
    EXPECT_EQ(s.addr[NPU_SOFTMAX_A_TABLE], 0x1400u);
    EXPECT_EQ(s.param[NPU_SOFTMAX_P_COLS], 2);
    ASSERT_EQ(mem.run(s), NPU_CPU_OK);
    const int8_t* y = reinterpret_cast<const int8_t*>(mem.at(0x1200));
    EXPECT_EQ(std::vector<int8_t>(y, y + 4), (std::vector<int8_t>{43, -43, 0, 0}));
    // The C99 build of the header gives the same bytes.
    npu_cpu_softmax_step(&s, 0x1300, 0x1100, 0x1400, 2, 2, p.mult, p.shift, p.zp_y);
    ASSERT_EQ(cpu_ops_c_step_run(&s, mem.bytes.data(), Memory::kBase,
                                 static_cast<uint32_t>(mem.bytes.size())),
              NPU_CPU_OK);
    EXPECT_EQ(std::memcmp(mem.at(0x1300), mem.at(0x1200), 4), 0);
}

TEST(CpuSteps, LrnTransposeCopySteps) {
    Memory mem;
    const int8_t x[4] = {2, -4, 1, 6};
    const int32_t table[3] = {100, 50, 25};
    std::memcpy(mem.at(0x1100), x, 4);
    std::memcpy(mem.at(0x1800), table, sizeof table);
    npu_cpu_step_t s;
    npu_cpu_lrn_step(&s, 0x1200, 0x1100, 0x1800, 4, 1, 3, 0, 5, 4, 3, 6);
    ASSERT_EQ(mem.run(s), NPU_CPU_OK);
    const int8_t* y = reinterpret_cast<const int8_t*>(mem.at(0x1200));
    EXPECT_EQ(std::vector<int8_t>(y, y + 4), (std::vector<int8_t>{7, 2, 5, 7}));

    npu_cpu_transpose_step(&s, 0x1300, 0x1100, 2, 2);  // [[2,-4],[1,6]] -> [[2,1],[-4,6]]
    ASSERT_EQ(mem.run(s), NPU_CPU_OK);
    const int8_t* t = reinterpret_cast<const int8_t*>(mem.at(0x1300));
    EXPECT_EQ(std::vector<int8_t>(t, t + 4), (std::vector<int8_t>{2, 1, -4, 6}));

    npu_cpu_copy_step(&s, 0x1310, 0x1300, 4);
    ASSERT_EQ(mem.run(s), NPU_CPU_OK);
    EXPECT_EQ(std::memcmp(mem.at(0x1310), mem.at(0x1300), 4), 0);
}

TEST(CpuSteps, BadAddressesKindsAndParams) {
    Memory mem;
    npu_cpu_step_t s;
    npu_cpu_copy_step(&s, 0x1000 + 4090, 0x1100, 8);  // runs past the end
    EXPECT_EQ(mem.run(s), NPU_CPU_ERR_ADDR);
    npu_cpu_copy_step(&s, 0x0800, 0x1100, 8);  // below the memory
    EXPECT_EQ(mem.run(s), NPU_CPU_ERR_ADDR);
    npu_cpu_softmax_step(&s, 0x1200, 0x1100, 0x1402, 1, 2, 1 << 30, 37, 0);  // table misaligned
    EXPECT_EQ(mem.run(s), NPU_CPU_ERR_ADDR);
    npu_cpu_transpose_step(&s, 0x1200, 0x1100, 2, 2);
    s.param[NPU_TRANSPOSE_P_ROWS] = -1;
    EXPECT_EQ(mem.run(s), NPU_CPU_ERR_PARAM);
    npu_cpu_lrn_step(&s, 0x1200, 0x1100, 0x1800, 4, 1, 3, 0, 0, 4, 3, 6);
    s.param[NPU_LRN_P_TABLE_LEN] = -3;
    EXPECT_EQ(mem.run(s), NPU_CPU_ERR_PARAM);
    s.kind = NPU_STEP_LSTM_CELL;  // npu_abi/rnn.h's
    EXPECT_EQ(mem.run(s), NPU_CPU_ERR_KIND);
}

TEST(CpuSteps, CAndCppAgreeOnRandomSoftmax) {
    const wl::SoftmaxParams p = wl::softmax_params(0.1, 1.0 / 256.0, -128);
    wl::zoo::SplitMix64 rng(3);
    std::vector<int8_t> x(5 * 37), a(x.size()), b(x.size());
    for (int8_t& v : x)
        v = static_cast<int8_t>(rng.uniform(-128, 127));
    ASSERT_EQ(
        npu_cpu_softmax(a.data(), x.data(), p.exp_table.data(), 5, 37, p.mult, p.shift, p.zp_y),
        NPU_CPU_OK);
    ASSERT_EQ(
        cpu_ops_c_softmax(b.data(), x.data(), p.exp_table.data(), 5, 37, p.mult, p.shift, p.zp_y),
        NPU_CPU_OK);
    EXPECT_EQ(a, b);
}

}  // namespace
