#include "vp/address_map.h"

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using vp::AddressMap;

namespace {
AddressMap soc_like() {
    AddressMap m;
    m.add(0x80000000, 0x10000000, "dram");  // target 0
    m.add(0x10000000, 0x100, "uart");       // target 1
    m.add(0x02000000, 0x10000, "clint");    // target 2
    return m;
}
}  // namespace

TEST(AddressMap, TargetIndexIsInsertionOrder) {
    AddressMap m = soc_like();
    EXPECT_EQ(m.size(), 3u);
    EXPECT_EQ(m.range(0).name, "dram");
    EXPECT_EQ(m.range(1).name, "uart");
    EXPECT_EQ(m.range(2).name, "clint");
    EXPECT_EQ(m.range(2).target, 2u);
    EXPECT_THROW(m.range(3), std::out_of_range);
}

TEST(AddressMap, DecodeTranslatesToLocal) {
    AddressMap m = soc_like();
    auto h = m.decode(0x80000000);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->target, 0u);
    EXPECT_EQ(h->local, 0u);
    h = m.decode(0x8FFFFFFF);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->local, 0x0FFFFFFFu);
    h = m.decode(0x10000005, 1);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->target, 1u);
    EXPECT_EQ(h->local, 5u);
    h = m.decode(0x0200BFF8, 8);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->target, 2u);
    EXPECT_EQ(h->local, 0xBFF8u);
}

TEST(AddressMap, UnmappedAndEdges) {
    AddressMap m = soc_like();
    EXPECT_FALSE(m.decode(0));
    EXPECT_FALSE(m.decode(0x01FFFFFF));
    EXPECT_FALSE(m.decode(0x02010000));  // one past clint
    EXPECT_FALSE(m.decode(0x90000000));  // one past dram
    EXPECT_FALSE(m.decode(~std::uint64_t{0}));
    EXPECT_TRUE(m.decode(0x100000FF, 1));   // last byte
    EXPECT_FALSE(m.decode(0x100000FF, 2));  // crosses the end
    EXPECT_TRUE(m.decode(0x100000FC, 4));
    EXPECT_FALSE(m.decode(0x100000FD, 4));
    EXPECT_FALSE(m.decode(0x10000000, 0));                  // empty access
    EXPECT_FALSE(m.decode(0x10000000, 0x101));              // longer than the window
    EXPECT_FALSE(m.decode(0x8FFFFFFF, ~std::uint64_t{0}));  // no overflow
}

TEST(AddressMap, AdjacentWindowsDoNotCrossIntoEachOther) {
    AddressMap m;
    m.add(0x1000, 0x100, "a");
    m.add(0x1100, 0x100, "b");
    auto h = m.decode(0x10FF, 1);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->target, 0u);
    h = m.decode(0x1100, 1);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->target, 1u);
    EXPECT_EQ(h->local, 0u);
    EXPECT_FALSE(m.decode(0x10FE, 4));  // spans a and b: an error, not a split
}

TEST(AddressMap, OverlapsAreRejectedWithBothNames) {
    AddressMap m;
    m.add(0x1000, 0x1000, "sram");
    for (auto [base, size] : {std::pair<std::uint64_t, std::uint64_t>{0x1000, 0x1000},
                              {0x0800, 0x0801},
                              {0x1FFF, 1},
                              {0x1800, 0x10},
                              {0x0000, 0x10000}}) {
        try {
            m.add(base, size, "npu");
            ADD_FAILURE() << "no exception for base " << base;
        } catch (const std::invalid_argument& e) {
            const std::string msg = e.what();
            EXPECT_NE(msg.find("'npu'"), std::string::npos) << msg;
            EXPECT_NE(msg.find("'sram'"), std::string::npos) << msg;
            EXPECT_NE(msg.find("overlaps"), std::string::npos) << msg;
        }
    }
    EXPECT_NO_THROW(m.add(0x0800, 0x0800, "below"));  // touching is fine
    EXPECT_NO_THROW(m.add(0x2000, 0x0800, "above"));
    EXPECT_EQ(m.size(), 3u);  // failed adds left no trace
}

TEST(AddressMap, EmptyAndWrappingWindowsAreRejected) {
    AddressMap m;
    EXPECT_THROW(m.add(0x1000, 0, "empty"), std::invalid_argument);
    EXPECT_THROW(m.add(~std::uint64_t{0}, 2, "wraps"), std::invalid_argument);
    EXPECT_NO_THROW(m.add(~std::uint64_t{0}, 1, "last_byte"));
    auto h = m.decode(~std::uint64_t{0});
    ASSERT_TRUE(h);
    EXPECT_EQ(h->local, 0u);
    EXPECT_EQ(m.size(), 1u);
}

TEST(AddressMap, WholeAddressSpaceWindow) {
    AddressMap m;
    m.add(1, std::numeric_limits<std::uint64_t>::max(), "all_but_zero");
    EXPECT_FALSE(m.decode(0));
    auto h = m.decode(~std::uint64_t{0});
    ASSERT_TRUE(h);
    EXPECT_EQ(h->local, ~std::uint64_t{0} - 1);
}

TEST(AddressMap, GapAroundAnUnmappedAddress) {
    AddressMap m = soc_like();
    auto g = m.gap_around(0x20000000);
    EXPECT_EQ(g.first, 0x10000100u);
    EXPECT_EQ(g.second, 0x7FFFFFFFu);
    g = m.gap_around(0);
    EXPECT_EQ(g.first, 0u);
    EXPECT_EQ(g.second, 0x01FFFFFFu);
    g = m.gap_around(0x90000000);
    EXPECT_EQ(g.first, 0x90000000u);
    EXPECT_EQ(g.second, ~std::uint64_t{0});
}

TEST(AddressMap, DecodeAgreesWithALinearSearch) {
    // Random non-overlapping windows; every probe decodes as a scan would.
    std::uint64_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        return seed >> 33;
    };
    AddressMap m;
    std::vector<AddressMap::Range> ranges;
    std::uint64_t base = 0x100;
    for (unsigned i = 0; i < 40; ++i) {
        base += next() % 0x300;  // a gap, possibly empty
        const std::uint64_t size = 1 + next() % 0x200;
        m.add(base, size, "r" + std::to_string(i));
        ranges.push_back(m.range(i));
        base += size;
    }
    for (std::uint64_t addr = 0; addr < base + 0x400; addr += 3) {
        for (std::uint64_t len : {1u, 2u, 4u, 64u}) {
            std::optional<AddressMap::Hit> want;
            for (const auto& r : ranges)
                if (r.contains(addr) && len <= r.size - (addr - r.base))
                    want = AddressMap::Hit{r.target, addr - r.base};
            const auto got = m.decode(addr, len);
            ASSERT_EQ(got.has_value(), want.has_value()) << addr << " len " << len;
            if (got) {
                EXPECT_EQ(got->target, want->target);
                EXPECT_EQ(got->local, want->local);
            }
        }
    }
}
