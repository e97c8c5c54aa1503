// vp_schedule end to end: the binary run as a process (tests/support
// run_process), its JSON checked against hand-computed figures and against
// the library it is built on, its errors one line with exit status 2.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "npu_abi/npu_regs.h"
#include "npu_compiler/kernel_schedule.h"
#include "run_process.h"

namespace {

using nlohmann::json;

vp_test::ProcessResult run(const std::vector<std::string>& args) {
    return vp_test::run_process(VP_SCHEDULE, args);
}

std::vector<json> json_lines(const std::string& out) {
    std::vector<json> v;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) v.push_back(json::parse(line));
    return v;
}

void expect_one_line_error(const vp_test::ProcessResult& r, const std::string& needle) {
    EXPECT_EQ(r.exit_status, 2) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;  // exactly one line
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

const std::string kLayer = "C=2,M=4,H=6,W=6,R=3,S=3,stride=1,pad=0";

}  // namespace

TEST(VpSchedule, OneScheduleHandComputed) {
    // E = 4. Tiles m=2, y=2, order m,y (c, x, k, l whole).
    //   weight: |W| = 4*2*3*3 = 72, m outermost and relevant: read once; buffer 2*2*3*3 = 36
    //   ifmap: a y tile of 2 rows touches 2+3-1 = 4 rows: 2*4*6 = 48 per tile, 2 y tiles
    //          = 96, reloaded for each of the 2 m tiles outside y: 192
    //   ofmap: 2*2*4 = 16 accumulators; final writes 4*4*4 = 64, no psum
    const auto r = run({"--layer", kLayer, "--tile", "m=2,y=2", "--order", "m,y", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const auto v = json_lines(r.out);
    ASSERT_EQ(v.size(), 1u);
    const json& j = v[0];
    EXPECT_EQ(j["buffer_elems"], json({{"weight", 36}, {"ifmap", 48}, {"ofmap", 16}}));
    EXPECT_EQ(j["reads"], json({{"weight", 72}, {"ifmap", 192}, {"psum", 0}}));
    EXPECT_EQ(j["writes"], json({{"psum", 0}, {"final", 64}}));
    EXPECT_EQ(j["total_elems"], 328);
    EXPECT_EQ(j["bytes"]["buffer_elems"]["ofmap"], 64);  // int32 accumulators
    EXPECT_EQ(j["bytes"]["total_elems"], 328);           // int8 data, no psum
    EXPECT_FALSE(j.contains("cycles"));                  // no array given
}

TEST(VpSchedule, PsumsAreInt32Bytes) {
    // c split (2 tiles) outside the y tiles: each output tile leaves once
    // before its second c tile (a psum write) and comes back (a psum read):
    // 64 of each, 4 bytes each.
    const auto r = run({"--layer", kLayer, "--tile", "c=1,y=2", "--order", "c,y", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const json j = json_lines(r.out).at(0);
    EXPECT_EQ(j["reads"]["psum"], 64);
    EXPECT_EQ(j["writes"]["psum"], 64);
    EXPECT_EQ(j["bytes"]["reads"]["psum"], 256);
    EXPECT_EQ(j["bytes"]["writes"]["psum"], 256);
}

TEST(VpSchedule, LevelsAndPolicy) {
    // y tiles of 1 row: 3 rows each, 2 of them shared with the next tile.
    const auto tile = run({"--layer", kLayer, "--tile", "y=1", "--json"});
    const auto delta = run({"--layer", kLayer, "--tile", "y=1", "--policy", "delta", "--json"});
    ASSERT_EQ(tile.exit_status, 0) << tile.err;
    ASSERT_EQ(delta.exit_status, 0) << delta.err;
    // tile: 4 footprints of 2*3*6 = 36 = 144; delta: the first 36, then 12 new per tile = 72
    EXPECT_EQ(json_lines(tile.out).at(0)["reads"]["ifmap"], 144);
    EXPECT_EQ(json_lines(delta.out).at(0)["reads"]["ifmap"], 72);
    // The ifmap buffer raised above the y loop holds the whole input (2*6*6).
    const auto lv = run({"--layer", kLayer, "--tile", "y=1", "--level", "ifmap=0", "--json"});
    ASSERT_EQ(lv.exit_status, 0) << lv.err;
    EXPECT_EQ(json_lines(lv.out).at(0)["buffer_elems"]["ifmap"], 72);
    EXPECT_EQ(json_lines(lv.out).at(0)["reads"]["ifmap"], 72);
}

TEST(VpSchedule, CyclesAreTheNpuPrediction) {
    // The default timing model, and with fold overlap and the array policy.
    for (const bool model_options : {false, true}) {
        std::vector<std::string> args = {"--layer",    "C=16,M=32,H=10,W=12,R=3,S=3,stride=1,pad=1",
                                         "--tile",     "m=16,y=5",
                                         "--order",    "m,y",
                                         "--array",    "8x8",
                                         "--dataflow", "ws",
                                         "--json"};
        if (model_options)
            args.insert(args.end(), {"--fold-overlap", "--fold-continuation", "array"});
        const auto r = run(args);
        ASSERT_EQ(r.exit_status, 0) << r.err;
        const json j = json_lines(r.out).at(0);
        // The same kernel predicted through the library.
        npu::compiler::ArchConfig a;
        a.core.fold_overlap = model_options;
        if (model_options) a.core.fold_continuation = npu::FoldContinuation::array;
        a.core.array_rows = a.core.array_cols = 8;
        a.core.ifmap_bytes = a.core.weight_bytes = a.core.ofmap_bytes = 1u << 30;
        a.core.dram_size = 0x80000000u;
        npu_desc_t d{};
        d.op = NPU_OP_CONV, d.dataflow = NPU_DF_WS;
        d.ifmap_addr = d.weight_addr = d.ofmap_addr = d.psum_addr = d.bias_addr = d.lut_addr =
            0x80000000u;
        d.c = 16, d.m = 32, d.h = 10, d.w = 12, d.e = 10, d.f = 12, d.r = d.s = 3;
        d.stride_h = d.stride_w = 1, d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
        d.groups = 1, d.mult = 1;
        const std::uint16_t tile[6] = {16, 16, 5, 12, 3, 3};
        const std::uint8_t order[6] = {NPU_DIM_M, NPU_DIM_Y, NPU_DIM_C,
                                       NPU_DIM_X, NPU_DIM_K, NPU_DIM_L};
        for (int i = 0; i < 6; ++i)
            d.tile[i] = tile[i], d.loop_order[i] = order[i];
        const auto p = npu::compiler::predict_kernel(d, a);
        EXPECT_EQ(j["cycles"], p.cycles);
        EXPECT_EQ(j["compute_cycles"], p.compute_cycles);
        EXPECT_EQ(j["bytes"]["reads"]["ifmap"], p.rd_ifmap);
        EXPECT_EQ(j["bytes"]["reads"]["weight"], p.rd_weight);
        // ws with the pixel loop inside m: runs of two y tiles under a weight
        // tile of ceil(144 / 8) x 2 = 36 folds; fold(T) = 16 + 8 + T - 2.
        // Default: per m tile one run of T 120: 36 x 142, two m tiles = 10224.
        // Overlap and array (several folds: every tile restarts): per y tile
        // fold(60) + 35 x max(60, 8) = 82 + 2100, four tiles = 8728.
        EXPECT_EQ(j["compute_cycles"], model_options ? 8728u : 10224u);
    }
}

TEST(VpSchedule, SearchListsTheBestInRankOrder) {
    const auto r =
        run({"--layer", kLayer, "--pool-elems", "64", "--search", "--top", "5", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const auto v = json_lines(r.out);
    ASSERT_EQ(v.size(), 5u);
    for (size_t i = 0; i < v.size(); ++i) {
        EXPECT_EQ(v[i]["rank"], i + 1);
        const json& b = v[i]["buffer_elems"];
        EXPECT_LE(b["weight"].get<int>() + b["ifmap"].get<int>() + b["ofmap"].get<int>(), 64);
        if (i) {
            EXPECT_LE(v[i - 1]["bytes"]["total_elems"], v[i]["bytes"]["total_elems"]);
        }
    }
    // The best one, run on its own, gives the same figures.
    const json& best = v[0];
    std::string tile, order;
    for (const char* d : {"m", "c", "y", "x", "k", "l"})
        tile += std::string(tile.empty() ? "" : ",") + d + "=" +
                std::to_string(best["tile"][d].get<int>());
    for (const auto& o : best["order"])
        order += (order.empty() ? "" : ",") + o.get<std::string>();
    std::vector<std::string> args{"--layer",      kLayer, "--tile", tile,
                                  "--pool-elems", "64",   "--json"};
    if (!order.empty()) args.insert(args.end(), {"--order", order});
    const auto again = run(args);
    ASSERT_EQ(again.exit_status, 0) << again.err;
    json one = json_lines(again.out).at(0);
    json ranked = best;
    ranked.erase("rank");
    EXPECT_EQ(one, ranked);

    // Cycles objective: ranked by the NPU's predicted cycles.
    const auto c = run({"--layer", kLayer, "--search", "--objective", "cycles", "--array", "4x4",
                        "--top", "3", "--json"});
    ASSERT_EQ(c.exit_status, 0) << c.err;
    const auto vc = json_lines(c.out);
    ASSERT_EQ(vc.size(), 3u);
    EXPECT_LE(vc[0]["cycles"], vc[1]["cycles"]);
    EXPECT_LE(vc[1]["cycles"], vc[2]["cycles"]);
}

// A ResNet-50 1x1 layer: its smallest tilings exceed NPU_MAX_KERNEL_TILES
// (51,380,224 iterations for 1-element tiles), which the NPU refuses; the
// cycles search leaves them out instead of failing on them.
TEST(VpSchedule, CyclesSearchSkipsTilingsTheNpuRefuses) {
    const auto r = run({"--layer", "C=64,M=256,H=56,W=56,R=1,S=1", "--search", "--objective",
                        "cycles", "--array", "32x32", "--dataflow", "ws", "--ifmap-kb", "64",
                        "--weight-kb", "64", "--ofmap-kb", "64", "--top", "2", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const auto v = json_lines(r.out);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_LE(v[0]["cycles"], v[1]["cycles"]);
    const std::map<std::string, long long> extent{{"m", 256}, {"c", 64}, {"y", 56},
                                                  {"x", 56},  {"k", 1},  {"l", 1}};
    for (const json& e : v) {
        long long iterations = 1;
        for (const auto& [d, n] : extent)
            iterations *= (n + e["tile"][d].get<long long>() - 1) / e["tile"][d].get<long long>();
        EXPECT_LE(iterations, NPU_MAX_KERNEL_TILES) << e.dump();
    }
}

TEST(VpSchedule, ImpossibleSchedulesAreOneLineAndExit2) {
    expect_one_line_error(run({"--layer", kLayer, "--tile", "m=5"}), "larger than its dimension");
    expect_one_line_error(run({"--layer", kLayer, "--order", "m,q"}), "unknown loop 'q'");
    expect_one_line_error(run({"--layer", kLayer, "--tile", "z=1"}), "unknown loop 'z'");
    expect_one_line_error(run({"--layer", kLayer, "--pool-elems", "64"}), "the pool holds 64");
    // The NPU's capacity rule: 4*4*4 int32 accumulators = 256 B fit 1 KiB but
    // the other buffers too; 1 KiB ifmap holds 512 B per half, the whole
    // input 2*6*6 = 72 B fits; a 1 KiB ofmap scratchpad holds 512 B per half.
    EXPECT_EQ(run({"--layer", kLayer, "--ifmap-kb", "1", "--weight-kb", "1", "--ofmap-kb", "1"})
                  .exit_status,
              0);
    // C=16, M=16, 6x6 -> 4x4: 16*16*4 = 1024 B of accumulators: fits 1 KiB
    // whole, not its ping-pong half (weights 2304 B fit half of 8 KiB).
    expect_one_line_error(run({"--layer", "C=16,M=16,H=6,W=6,R=3,S=3", "--ifmap-kb", "4",
                               "--weight-kb", "8", "--ofmap-kb", "1"}),
                          "ofmap footprint needs 1024 bytes");
    expect_one_line_error(run({"--layer", "C=2,M=4,H=6,Q=3"}), "unknown key 'Q'");
    expect_one_line_error(run({"--layer", kLayer, "--bogus"}), "bogus");
    expect_one_line_error(run({"--layer", "C=2,M=4,H=2,R=3"}), "--layer");
    expect_one_line_error(run({"--layer", kLayer, "--objective", "cycles", "--search"}),
                          "needs --array");
    expect_one_line_error(run({"--layer", kLayer, "--fold-continuation", "array"}), "need --array");
    expect_one_line_error(
        run({"--layer", kLayer, "--array", "4x4", "--fold-continuation", "fold-major"}),
        "--fold-continuation: 'fold-major' (run | array | off)");
}
