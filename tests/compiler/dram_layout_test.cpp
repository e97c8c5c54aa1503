// The activation arena: random sets of buffers with lifetimes placed by
// place_buffers must pass check_layout (no two live buffers overlap), be
// aligned, and reuse space; the checker itself finds planted overlaps. On the
// zoo networks, every compiled layout passes the checker.
#include <gtest/gtest.h>

#include <random>

#include "npu_compiler/dram_layout.h"
#include "workloads/zoo.h"

namespace {

namespace nc = npu::compiler;

std::vector<nc::Allocation> random_buffers(std::mt19937& rng, int n) {
    std::vector<nc::Allocation> v;
    for (int i = 0; i < n; ++i) {
        nc::Allocation a;
        a.what = "b" + std::to_string(i);
        a.first = std::uniform_int_distribution<int>(-1, 40)(rng);
        a.last = a.first + std::uniform_int_distribution<int>(0, 10)(rng);
        a.bytes = std::uniform_int_distribution<std::uint64_t>(1, 5000)(rng);
        v.push_back(a);
    }
    return v;
}

// The largest sum of bytes live at one position: no placement can do better.
std::uint64_t live_bound(const std::vector<nc::Allocation>& v) {
    std::uint64_t best = 0;
    for (int p = -1; p <= 60; ++p) {
        std::uint64_t s = 0;
        for (const auto& a : v)
            if (a.first <= p && p <= a.last) s += a.bytes;
        best = std::max(best, s);
    }
    return best;
}

TEST(DramLayout, RandomLifetimesNeverOverlap) {
    std::mt19937 rng(7);
    for (int round = 0; round < 500; ++round) {
        auto v = random_buffers(rng, 1 + round % 60);
        const std::uint64_t base = 0x80100000u + 64u * static_cast<unsigned>(round % 3);
        const std::uint64_t size = nc::place_buffers(v, base);
        ASSERT_EQ(nc::check_layout(v), "") << "round " << round;
        std::uint64_t total = 0;
        for (const auto& a : v) {
            ASSERT_EQ(a.addr % nc::kDramAlign, 0u);
            ASSERT_GE(a.addr, base);
            ASSERT_LE(a.addr + a.bytes, base + size);
            total += a.bytes;
        }
        ASSERT_GE(size, live_bound(v));
        ASSERT_LE(size, total + 64u * v.size());  // never worse than no reuse (plus alignment)
    }
}

TEST(DramLayout, CheckerFindsOverlaps) {
    std::vector<nc::Allocation> v(2);
    v[0] = {"a", 0x1000, 100, 0, 5};
    v[1] = {"b", 0x1040, 100, 5, 9};  // shares position 5 and bytes 0x1040..0x1063
    EXPECT_NE(nc::check_layout(v).find("'a'"), std::string::npos);
    v[1].first = 6;  // dead a: reuse is fine
    EXPECT_EQ(nc::check_layout(v), "");
    v[1].first = 0;
    v[1].addr = 0x1064;  // live together but disjoint
    EXPECT_EQ(nc::check_layout(v), "");
}

TEST(DramLayout, SequentialChainReusesTwoBuffers) {
    // x0 -> x1 -> ... each read only by the next: two buffers' worth suffices.
    std::vector<nc::Allocation> v;
    for (int i = 0; i < 10; ++i)
        v.push_back({"x" + std::to_string(i), 0, 1024, i, i + 1});
    EXPECT_EQ(nc::place_buffers(v, 0), 2048u);
    EXPECT_EQ(nc::check_layout(v), "");
}

TEST(DramLayout, ZooNetworksPassTheChecker) {
    for (const char* spec : {"lenet5", "resnet_small", "googlenet", "mobilenet_v2", "mlp"}) {
        const nc::CompiledModel m = nc::compile(wl::zoo::build(spec));
        EXPECT_EQ(nc::check_layout(m.allocations), "") << spec;
        EXPECT_GT(m.activation_peak, 0u) << spec;
        // Every activation table entry lies inside its buffer's arena.
        for (const auto& t : m.image.tensors)
            if (!(t.flags & NPU_TENSOR_F_CONST)) {
                EXPECT_GE(t.addr, m.arena_base) << spec << " " << t.name;
                EXPECT_LE(std::uint64_t{t.addr} + t.bytes, m.image.header.dram_end) << spec;
            }
    }
}

}  // namespace
