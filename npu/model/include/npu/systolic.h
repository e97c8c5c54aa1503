// The systolic MAC array's compute-time model, written down once
// (SCALE-Sim's analytical model; npu/model/README.md, "Compute time"). Every kernel's compute
// cycles come from here.
//
// A tile maps to a GEMM of Sr x T x Sc:
//   os: Sr = E*F (the tile's output pixels), Sc = M (filters), T = C*R*S
//   ws: Sr = C*R*S, Sc = M,   T = E*F
//   is: Sr = C*R*S, Sc = E*F, T = M
// On an R x C array: folds = ceil(Sr/R) * ceil(Sc/C);
//   os fold = T + R + C - 2 cycles (operands enter skewed; the last result
//             leaves R + C - 2 cycles after the last operand)
//   ws/is fold = 2R + C + T - 2 (the stationary operand is loaded first: R
//             cycles, then T streamed with R + C - 2 of skew and drain)
// Simplifications (deliberate, documented in npu/model/README.md):
//   - folds run back to back with no overlap of one fold's drain with the
//     next fold's fill (so cycles are an upper bound of a pipelined array);
//   - a partial last fold (fewer than R rows or C columns used) costs as much
//     as a full one;
//   - tiles do not overlap each other on the array: each tile's GEMM starts
//     on an empty array;
//   - grouped convolutions run one GEMM per group touched by the tile.
// Non-MAC ops (pooling, eltwise, activation, requantize) run on a vector unit
// of C lanes (one per array column): ceil(ops / C) cycles, ops = output
// elements times window elements.
#pragma once

#include <cstdint>

namespace npu {

enum class Dataflow : std::uint8_t { os = 0, ws = 1, is = 2 };

const char* to_string(Dataflow df);

struct GemmShape {
    std::uint64_t sr = 0;  // rows of the stationary/streamed operand mapped to array rows
    std::uint64_t t = 0;   // temporal dimension
    std::uint64_t sc = 0;  // mapped to array columns
};

// GEMM of one tile of a convolution (per group): m filters, red = c*r*s
// reduction length, pix = the tile's output pixels.
GemmShape tile_gemm(Dataflow df, std::uint64_t m, std::uint64_t red, std::uint64_t pix);

std::uint64_t fold_count(const GemmShape& g, unsigned rows, unsigned cols);
std::uint64_t fold_cycles(Dataflow df, unsigned rows, unsigned cols, std::uint64_t t);
// folds * fold_cycles; 0 for an empty GEMM.
std::uint64_t gemm_cycles(Dataflow df, unsigned rows, unsigned cols, const GemmShape& g);

// Vector unit: ceil(ops / lanes).
std::uint64_t vector_cycles(unsigned lanes, std::uint64_t ops);

// Scratchpad accesses (in elements) the array makes for one tile's GEMM.
// os: each fold streams its Sr_f x T ifmap block and T x Sc_f weight block,
//     and read-modify-writes its Sr_f x Sc_f accumulators once;
// ws: each weight is read once (stationary), the ifmap block T x Sr_f is
//     streamed per column fold, T x Sc_f psums are read-modify-written per
//     row fold;
// is: as ws with ifmap and weight exchanged.
struct SramAccess {
    std::uint64_t ifmap_reads = 0;
    std::uint64_t weight_reads = 0;
    std::uint64_t ofmap_rmw = 0;  // accumulator reads, and as many writes
};
SramAccess gemm_sram_access(Dataflow df, unsigned rows, unsigned cols, const GemmShape& g);

}  // namespace npu
