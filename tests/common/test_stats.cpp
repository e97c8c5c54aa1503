#include "vp/stats.h"

#include <gtest/gtest.h>

TEST(Stats, CountersAreReadWhenReported) {
    vp::StatsRegistry reg;
    std::uint64_t instructions = 0;
    reg.add_counter("cpu.instructions", &instructions, "retired");
    instructions = 41;
    ++instructions;
    EXPECT_EQ(reg.read("cpu.instructions"), 42.0);
    EXPECT_EQ(reg.to_json()["cpu"]["instructions"].get<std::uint64_t>(), 42u);
}

TEST(Stats, NestedPathsBecomeNestedJson) {
    vp::StatsRegistry reg;
    std::uint64_t a = 1, b = 2;
    reg.add_counter("dram.read_bytes.cpu", &a);
    reg.add_counter("dram.read_bytes.npu_dma", &b);
    reg.add_value("dram.utilization", [] { return 0.25; });
    auto j = reg.to_json();
    EXPECT_EQ(j["dram"]["read_bytes"]["cpu"], 1);
    EXPECT_EQ(j["dram"]["read_bytes"]["npu_dma"], 2);
    EXPECT_DOUBLE_EQ(j["dram"]["utilization"].get<double>(), 0.25);
}

TEST(Stats, RejectsDuplicatesAndLeafGroupClashes) {
    vp::StatsRegistry reg;
    std::uint64_t a = 0;
    reg.add_counter("x.y", &a);
    EXPECT_THROW(reg.add_counter("x.y", &a), std::invalid_argument);
    EXPECT_THROW(reg.add_counter("x", &a), std::invalid_argument);
    EXPECT_THROW(reg.add_counter("x.y.z", &a), std::invalid_argument);
    EXPECT_THROW(reg.add_counter("bad..path", &a), std::invalid_argument);
    EXPECT_THROW(reg.add_counter("", &a), std::invalid_argument);
    EXPECT_THROW(reg.add_counter("n", nullptr), std::invalid_argument);
}

TEST(Stats, RemovePrefixDropsOnlyThatSubtree) {
    vp::StatsRegistry reg;
    std::uint64_t a = 0;
    reg.add_counter("npu.macs", &a);
    reg.add_counter("npu.dma.bytes", &a);
    reg.add_counter("npux.other", &a);
    reg.remove_prefix("npu");
    EXPECT_FALSE(reg.contains("npu.macs"));
    EXPECT_FALSE(reg.contains("npu.dma.bytes"));
    EXPECT_TRUE(reg.contains("npux.other"));
}

TEST(Stats, TextListsPathValueAndHelp) {
    vp::StatsRegistry reg;
    std::uint64_t a = 7;
    reg.add_counter("uart.tx_bytes", &a, "bytes written");
    EXPECT_EQ(reg.to_text(), "uart.tx_bytes = 7  # bytes written\n");
}
