// Element-level brute force for the traffic of a tiled conv loop nest
// (docs/dataflow-model.md, "How it is checked"). Written from the loop nest alone: it walks
// the inter-tile loops in the schedule's order and, for each buffer, works out
// the elements the block of loops inside that buffer touches by enumerating
// every MAC, then counts every element that crosses the DRAM boundary. It uses
// the layer and schedule structs of npu_compiler but none of its functions.
#pragma once

#include <array>
#include <cstdint>

#include "npu_compiler/traffic.h"

namespace brute {

enum class Reload {
    // A buffer is refilled when the tile indices its tensor's subscripts depend
    // on (among the loops outside the buffer) change: what a DMA keyed on tile
    // indices does, and the model's rule (docs/dataflow-model.md, "The closed form").
    on_key_change,
    // A buffer is refilled only when the set of elements it must hold changes
    // (a DMA that compares contents).
    on_content_change,
};

struct Result {
    npu::compiler::Traffic traffic;
    std::array<int64_t, 3> max_resident{};  // largest content per buffer (elements; W, I, O)
    int64_t max_bias_resident = 0;
    int64_t residency_violations = 0;                // a MAC whose operand was not resident
    int64_t key_changes_without_content_change = 0;  // over W, I, O, bias
};

Result count(const npu::compiler::ConvLayer& L, const npu::compiler::Schedule& s, Reload mode);

}  // namespace brute
