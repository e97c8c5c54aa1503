// DRAM access granularity in the NPU core: the bus-byte counters (whole
// atoms, vp/dram_atom.h) against a port that counts every transaction it
// receives, and the fetch by rows (NPU_DESC_F_IFMAP_ROWS) against the gather,
// by hand and on layers with column gaps.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "npu/core.h"
#include "npu_abi/npu_regs.h"
#include "npu_test_util.h"
#include "vp/dram_atom.h"

using namespace npu_test;
using npu::Dataflow;

namespace {

// In front of a TestDram: bus bytes of every transaction it receives, by the
// rule, counted independently of the core's own counters.
class AtomCountingDma : public npu::DmaPort {
  public:
    AtomCountingDma(TestDram& dram, std::uint64_t atom) : m_dram(dram), m_atom(atom) {}
    bool read(std::uint64_t addr, std::uint8_t* dst, std::uint32_t len, std::uint64_t request,
              std::uint64_t& done) override {
        read_bus += vp::dram_bus_bytes(addr, len, m_atom);
        read_bytes += len;
        return m_dram.read(addr, dst, len, request, done);
    }
    bool write(std::uint64_t addr, const std::uint8_t* src, std::uint32_t len,
               std::uint64_t request, std::uint64_t& done) override {
        write_bus += vp::dram_bus_bytes(addr, len, m_atom);
        return m_dram.write(addr, src, len, request, done);
    }
    std::uint64_t read_bus = 0, write_bus = 0, read_bytes = 0;

  private:
    TestDram& m_dram;
    std::uint64_t m_atom;
};

struct AtomRun {
    npu::KernelStats st;
    std::vector<std::int32_t> out;
    std::uint64_t port_read_bus = 0, port_write_bus = 0, port_read_bytes = 0;
};

AtomRun run_atom(const Layer& L, std::array<unsigned, 6> tile, std::array<unsigned, 6> order,
                 Dataflow df, std::uint32_t atom, bool rows, bool functional = true) {
    TestDram dram(kDramBytes);
    const Tensors t = make_tensors(L, 3);
    const Addrs a = place(L, t, dram.mem);
    npu::CoreConfig cfg = small_config(functional);
    cfg.dram_atom_bytes = atom;
    npu::Core core(cfg);
    npu_desc_t d = make_desc(L, a, tile, order, df);
    if (rows) d.flags = static_cast<std::uint16_t>(d.flags | NPU_DESC_F_IFMAP_ROWS);
    AtomCountingDma port(dram, atom);
    AtomRun r;
    r.st = core.run(d, port);
    r.out = read_output(L, a, dram.mem);
    r.port_read_bus = port.read_bus;
    r.port_write_bus = port.write_bus;
    r.port_read_bytes = port.read_bytes;
    return r;
}

}  // namespace

// A stride-2 1x1 conv in one tile: C 2, H = W 8 (dense, the ifmap 64-byte
// aligned), M 2, output 4x4. The ifmap footprint is rows {0,2,4,6} x columns
// {0,2,4,6} of both channels: 32 useful bytes.
//   gather: every touched column is its own run, 32 runs of 1 byte, each one
//           atom: 32 * 32 = 1024 bus bytes at atom 32 (32 at atom 1);
//   rows:   one run per (channel, row) over columns 0..6, 8 runs of 7 bytes
//           at offsets c*64 + r*8 (r = 0, 2, 4, 6: 0, 16, 32, 48 in the
//           plane), each inside one atom: 8 * 32 = 256 bus bytes (56 at atom 1).
// Weights (4 bytes, one burst), 64-byte aligned: one atom. Ofmap: 32 bytes,
// one run of two 16-byte bursts (the test NPU's burst), each a transaction
// of its own: two atoms, 64 bus bytes, though the run would fit one.
TEST(NpuDramAtom, Stride2Conv1x1ByHand) {
    Layer L;
    L.C = 2, L.H = 8, L.W = 8, L.M = 2, L.R = 1, L.S = 1, L.stride_h = 2, L.stride_w = 2;
    const std::array<unsigned, 6> whole = {2, 2, 4, 4, 1, 1};
    const auto ref = reference(L, make_tensors(L, 3));
    struct Case {
        std::uint32_t atom;
        bool rows;
        std::uint64_t ifmap_bus;
    };
    for (const Case c :
         {Case{32, false, 1024}, Case{32, true, 256}, Case{1, false, 32}, Case{1, true, 56}}) {
        SCOPED_TRACE("atom " + std::to_string(c.atom) + (c.rows ? " rows" : " gather"));
        const AtomRun r = run_atom(L, whole, kMCYXKL, Dataflow::os, c.atom, c.rows);
        ASSERT_EQ(r.st.error, NPU_ERR_NONE);
        EXPECT_EQ(r.out, ref);
        EXPECT_EQ(r.st.dram_read_bytes.ifmap, 32u);  // useful bytes either way
        EXPECT_EQ(r.st.sram_writes.ifmap, 32u);
        EXPECT_EQ(r.st.dram_bus_read_bytes.ifmap, c.ifmap_bus);
        EXPECT_EQ(r.st.dram_bus_read_bytes.weight, c.atom == 1 ? 4u : 32u);
        EXPECT_EQ(r.st.dram_bus_write_bytes.ofmap, c.atom == 1 ? 32u : 64u);
        EXPECT_EQ(r.port_read_bytes, (c.rows ? 56u : 32u) + 4u);  // what the bus carried
    }
}

// On layers with and without column gaps, every dataflow and order, atoms
// 1, 32, 64, both fetches: the core's bus bytes equal the port's count of
// the transactions it received; the useful bytes, the scratchpad traffic and
// the results do not depend on the fetch; at atom 1 the gather's bus bytes
// are its useful bytes.
TEST(NpuDramAtom, CountersEqualThePortsCountOnEveryFetch) {
    struct Shape {
        Layer L;
        std::array<unsigned, 6> tile;
    };
    std::vector<Shape> shapes;
    {
        Layer L;  // T_l < stride: gaps
        L.C = 2, L.H = 11, L.W = 11, L.M = 2, L.R = 2, L.S = 2, L.stride_h = 3, L.stride_w = 3;
        shapes.push_back({L, {1, 1, 2, 3, 1, 1}});
    }
    {
        Layer L;  // stride-2 1x1, several tiles
        L.C = 5, L.H = 14, L.W = 13, L.M = 6, L.R = 1, L.S = 1, L.stride_h = 2, L.stride_w = 2;
        shapes.push_back({L, {4, 3, 3, 5, 1, 1}});
    }
    {
        Layer L;  // padded stride-2 3x3 with a split filter
        L.C = 3, L.H = 9, L.W = 8, L.M = 4, L.R = 3, L.S = 3, L.stride_h = 2, L.stride_w = 2;
        L.pt = 1, L.pl = 0, L.pb = 0, L.pr = 1;
        shapes.push_back({L, {3, 2, 2, 3, 2, 1}});
    }
    {
        Layer L;  // max pool 1x1 window, stride 2 (gaps), not a MAC op
        L.op = NPU_OP_MAXPOOL;
        L.C = 3, L.H = 9, L.W = 9, L.R = 1, L.S = 1, L.stride_h = 2, L.stride_w = 2;
        shapes.push_back({L, {2, 1, 3, 2, 1, 1}});
    }
    for (const Shape& s : shapes) {
        const auto ref = reference(s.L, make_tensors(s.L, 3));
        for (auto order : {kMCYXKL, kCKLMYX})
            for (Dataflow df : {Dataflow::os, Dataflow::ws}) {
                const AtomRun base = run_atom(s.L, s.tile, order, df, 1, false);
                ASSERT_EQ(base.st.error, NPU_ERR_NONE);
                EXPECT_EQ(base.st.dram_bus_read_bytes.total(), base.st.dram_read_bytes.total());
                EXPECT_EQ(base.st.dram_bus_write_bytes.total(), base.st.dram_write_bytes.total());
                for (std::uint32_t atom : {1u, 32u, 64u})
                    for (bool rows : {false, true}) {
                        SCOPED_TRACE("C " + std::to_string(s.L.C) + " atom " +
                                     std::to_string(atom) + (rows ? " rows" : " gather"));
                        const AtomRun r = run_atom(s.L, s.tile, order, df, atom, rows);
                        ASSERT_EQ(r.st.error, NPU_ERR_NONE);
                        EXPECT_EQ(r.out, ref);
                        EXPECT_EQ(r.st.dram_bus_read_bytes.total(), r.port_read_bus);
                        EXPECT_EQ(r.st.dram_bus_write_bytes.total(), r.port_write_bus);
                        EXPECT_EQ(r.st.dram_read_bytes.ifmap, base.st.dram_read_bytes.ifmap);
                        EXPECT_EQ(r.st.dram_read_bytes.total(), base.st.dram_read_bytes.total());
                        EXPECT_EQ(r.st.sram_writes.ifmap, base.st.sram_writes.ifmap);
                        EXPECT_GE(r.st.dram_bus_read_bytes.ifmap, r.st.dram_read_bytes.ifmap);
                        // Timing mode counts the same.
                        const AtomRun t = run_atom(s.L, s.tile, order, df, atom, rows, false);
                        EXPECT_EQ(t.st.dram_bus_read_bytes.total(),
                                  r.st.dram_bus_read_bytes.total());
                        EXPECT_EQ(t.st.cycles, r.st.cycles);
                    }
            }
    }
}

TEST(NpuDramAtom, ConfigRefusesAnAtomThatIsNotAPowerOfTwo) {
    npu::CoreConfig cfg;
    cfg.dram_atom_bytes = 24;
    EXPECT_NE(cfg.validate().find("atom"), std::string::npos);
    cfg.dram_atom_bytes = 64;
    EXPECT_EQ(cfg.validate(), "");
}

// The ifmap's bus bytes against an element-level count written without the
// core's run lists: one tile holding the whole layer loads the ifmap once;
// its touched elements (by rows: every column of each touched row's span)
// in DRAM order, cut where addresses stop being consecutive, each run cut
// into 16-byte bursts from its start, each burst its aligned atoms.
TEST(NpuDramAtom, IfmapBusBytesEqualAnElementLevelCount) {
    std::vector<Layer> layers;
    {
        Layer L;  // stride-2 1x1, odd width: row ends meet the next row's start
        L.C = 3, L.H = 9, L.W = 9, L.M = 2, L.R = 1, L.S = 1, L.stride_h = 2, L.stride_w = 2;
        layers.push_back(L);
    }
    {
        Layer L;  // 2x2 filter, stride 3: gaps of one column
        L.C = 2, L.H = 11, L.W = 11, L.M = 2, L.R = 2, L.S = 2, L.stride_h = 3, L.stride_w = 3;
        layers.push_back(L);
    }
    {
        Layer L;  // padded 3x3 stride 2: no gaps, whole rows
        L.C = 2, L.H = 9, L.W = 8, L.M = 2, L.R = 3, L.S = 3, L.stride_h = 2, L.stride_w = 2;
        L.pt = 1, L.pl = 1, L.pb = 1, L.pr = 1;
        layers.push_back(L);
    }
    for (const Layer& L : layers)
        for (std::uint32_t atom : {1u, 8u, 32u, 64u})
            for (bool rows : {false, true}) {
                // touched (channel, row, column), in DRAM order
                std::set<std::uint64_t> elems;
                std::map<std::uint64_t, std::pair<long, long>> span;  // (c, r) -> columns
                for (unsigned c = 0; c < L.C; ++c)
                    for (unsigned y = 0; y < L.E(); ++y)
                        for (unsigned x = 0; x < L.F(); ++x)
                            for (unsigned k = 0; k < L.R; ++k)
                                for (unsigned l = 0; l < L.S; ++l) {
                                    const long r = long(y * L.stride_h + k) - L.pt;
                                    const long q = long(x * L.stride_w + l) - L.pl;
                                    if (r < 0 || r >= long(L.H) || q < 0 || q >= long(L.W))
                                        continue;
                                    elems.insert((std::uint64_t(c) * L.H + r) * L.W + q);
                                    auto& s = span.try_emplace(std::uint64_t(c) * L.H + r,
                                                               std::make_pair(q, q))
                                                  .first->second;
                                    s.first = std::min(s.first, q);
                                    s.second = std::max(s.second, q);
                                }
                if (rows)
                    for (const auto& [cr, s] : span)
                        for (long q = s.first; q <= s.second; ++q)
                            elems.insert(cr * L.W + std::uint64_t(q));
                TestDram probe(kDramBytes);
                const Addrs a = place(L, make_tensors(L, 3), probe.mem);
                std::uint64_t want = 0, run_start = 0, run_len = 0;
                auto close = [&]() {
                    want += vp::dram_run_bus_bytes(a.in + run_start, run_len, 16, atom);
                };
                for (std::uint64_t e : elems) {
                    if (run_len && e == run_start + run_len) {
                        ++run_len;
                        continue;
                    }
                    if (run_len) close();
                    run_start = e, run_len = 1;
                }
                close();
                const std::array<unsigned, 6> whole = {L.M, L.C, L.E(), L.F(), L.R, L.S};
                const AtomRun r = run_atom(L, whole, kMCYXKL, Dataflow::os, atom, rows);
                ASSERT_EQ(r.st.error, NPU_ERR_NONE);
                EXPECT_EQ(r.st.dram_bus_read_bytes.ifmap, want)
                    << "C " << L.C << " atom " << atom << (rows ? " rows" : " gather");
            }
}
