// Schedule search (npu/compiler/README.md): enumerate tile sizes, loop
// orders and buffer levels, drop schedules whose buffers do not fit, rank by
// DRAM bytes, then total buffer bytes, then inter-tile iterations, then
// tile-level buffers.
//
// Tile candidates per dimension:
//   - exhaustive: every T in 1..N (small layers, tests);
//   - default (real layers): the divisors of N, the powers of two below N, and
//     N itself; k and l keep T = R (the whole filter) unless split_filter.
//   For a ResNet-50 3x3 layer (C=M=128, E=28) that is 8 x 8 x 8 x 8 x 1 x 1
//   tile combinations.
// Orders: permutations of the active loops (n_d > 1), inactive ones appended
// innermost. With tile-level buffers, orders are deduplicated by their class
// (S_W, S_I, S_O): per tensor, the active irrelevant loops before its innermost
// relevant one, which fix its reload factor in the closed form
// (docs/dataflow-model.md, "The closed form"). With search_levels, because the
// scratchpads are separate, each tensor's level is chosen on its own (its
// traffic and its buffer depend on its own level only), which keeps the search
// linear in the level count.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "npu_compiler/traffic.h"

namespace npu::compiler {

struct SearchOptions {
    BufferConfig buffers;
    Policy policy = Policy::tile;  // delta: the best delta_top_k tile-ranked candidates are
                                   // re-ranked by the walk
    bool double_buffer = false;
    bool search_levels = true;      // ℓ_X in 0..|active| per tensor; false: tile level only
    bool split_filter = false;      // also try T_k < R_k, T_l < R_l
    bool exhaustive_tiles = false;  // every T_d in 1..N_d
    int delta_top_k = 16;
    // Smallest tile per dimension (indexed by Dim), e.g. the array size for the
    // dimensions mapped onto the array; a dimension shorter than its minimum
    // keeps T = N. All 1: no restriction.
    std::array<int64_t, kNumDims> min_tile{1, 1, 1, 1, 1, 1};
};

struct SearchResult {
    bool found = false;
    Schedule schedule;
    Traffic traffic;
    TrafficBytes bytes;
    int64_t cost_bytes = 0;    // bytes.total()
    int64_t buffer_bytes = 0;  // buffer_needs(...).total_bytes()
    int64_t iterations = 0;    // inter-tile iterations
    // Statistics of the run.
    int64_t tile_combinations = 0;  // tile vectors tried
    int64_t orders_evaluated = 0;   // (tiles, order) pairs evaluated after the dedupe
    int64_t feasible = 0;           // (tiles, order, levels) schedules that fit
};

// Candidate tile sizes for one dimension of extent n (sorted, distinct).
std::vector<int64_t> tile_candidates(int64_t n, bool exhaustive);

// The ranking above: true if a is strictly better than b.
bool better(const SearchResult& a, const SearchResult& b);

// Throws std::invalid_argument for an invalid layer. found == false if nothing fits.
SearchResult search(const ConvLayer& L, const SearchOptions& opt);

// Evaluate one schedule the way the search does (cost, buffers, iterations).
SearchResult evaluate(const ConvLayer& L, const Schedule& s);

}  // namespace npu::compiler
