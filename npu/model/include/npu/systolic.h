// The systolic MAC array's compute-time model, written down once
// (SCALE-Sim's analytical model, extended by fold continuation;
// npu/model/README.md, "Compute time"; docs/dataflow-model.md, "Compute
// time"). Every kernel's compute cycles come from here: the NPU's walk
// (core.cpp) and the compiler's analytic estimate (kernel_schedule.cpp) both
// call gemm_cycles / run_cycles.
//
// A tile maps to a GEMM of Sr x T x Sc:
//   os: Sr = E*F (the tile's output pixels), Sc = M (filters), T = C*R*S
//   ws: Sr = C*R*S, Sc = M,   T = E*F
//   is: Sr = C*R*S, Sc = E*F, T = M
// On an R x C array: folds F = ceil(Sr/R) * ceil(Sc/C);
//   os fold = T + R + C - 2 cycles (operands enter skewed; the last result
//             leaves R + C - 2 cycles after the last operand)
//   ws/is fold = 2R + C + T - 2 (the stationary operand is loaded first: R
//             cycles, then T streamed with R + C - 2 of skew and drain)
// A GEMM alone: F * fold(T) (folds back to back).
//
// Fold continuation. T is the streamed dimension; the two others, Sr and Sc,
// hold the stationary operand: ws the weights (loop dims m, c, k, l), os the
// output accumulators (m, y, x), is the ifmap (c, k, l, y, x); the streamed
// loop dims are ws y, x; os c, k, l; is m (is_streamed_dim). When a tile's
// GEMM has the same stationary operand as the GEMM of the same group in the
// tile just before it (the walk moved only streamed loops), the array keeps
// streaming: the run of such tiles costs what ONE GEMM with their streamed
// extents concatenated costs, run_cycles(F, T1 + T2 + ...), and each tile
// pays its increment:
//   gemm_cycles(g, before) = run_cycles(F, before + T) - run_cycles(F, before)
// with `before` the T already streamed by the run (0: a new run). Without
// overlap that is F * fold(T1) for the first tile and F * T_i for a
// continuing one (no second fill/drain), so a tiling that only splits the
// streamed dimension costs exactly the untiled GEMM. Accounting of a run is
// fold-major: each of its F stationary blocks sees the whole run's streamed
// data once (exact for F = 1; for F > 1 it assumes the streamed tiles and
// their partial sums stay on chip for the run, an optimistic bound).
// The policy (FoldContinuation, vp_run --fold-continuation) says which
// GEMMs continue: `run` (default) every one whose stationary operand is the
// previous tile's; `array` only those of one fold, whose whole stationary
// operand the array still holds (what an array with these scratchpads can
// realise: a GEMM of several folds ended the previous tile on its last
// block and starts on its first); `off` none (every tile on an empty array).
// Grouped convolutions: one GEMM per group the tile touches (group g's
// filters m in [g*M/G, (g+1)*M/G), its channels c); each group's GEMM
// continues that group's GEMM of the previous tile, so a grouped layer
// costs the sum of its groups' GEMMs when only streamed loops are split.
//
// Fold overlap (CoreConfig::fold_overlap, vp_run --fold-overlap; off by
// default so untiled layers match SCALE-Sim): a pipelined array overlaps one
// fold's drain and skew with the next fold's fill. The first fold of a run
// pays fold(T) in full; each further fold starts max(T, R) cycles after the
// previous one: T to stream its operands, and at least R because the next
// stationary block (ws/is: R rows shifted in one row per cycle) or the
// previous fold's accumulators (os: shifted out one row per cycle) occupy
// the array's rows for R cycles. So
//   run_cycles(F, T) = F * fold(T)                          (no overlap)
//   run_cycles(F, T) = fold(T) + (F - 1) * max(T, R)        (overlap)
// Overlap works inside a run (the folds of one GEMM, or of a continuation
// run); a GEMM that starts a new run pays its first fold's fill in full.
//
// Simplifications (deliberate, documented in npu/model/README.md):
//   - a partial last fold (fewer than R rows or C columns used) costs as much
//     as a full one;
//   - runs of different stationary operands (a new weight tile under ws, a
//     new output tile under os, a new ifmap tile under is) do not overlap.
// Non-MAC ops (pooling, eltwise, activation, requantize) run on a vector unit
// of C lanes (one per array column): ceil(ops / C) cycles, ops = output
// elements times window elements.
#pragma once

#include <cstdint>
#include <string>

#include "npu_abi/descriptor.h"

namespace npu {

enum class Dataflow : std::uint8_t { os = 0, ws = 1, is = 2 };

const char* to_string(Dataflow df);

// Which GEMMs continue the previous tile's run (fold continuation, above).
enum class FoldContinuation : std::uint8_t { run = 0, array = 1, off = 2 };

const char* to_string(FoldContinuation p);
// "run", "array" or "off"; false for anything else.
bool parse_fold_continuation(const std::string& s, FoldContinuation& out);
// Whether a GEMM of `folds` folds whose stationary operand is the previous
// tile's continues that run under policy `p`.
bool continues_run(FoldContinuation p, std::uint64_t folds);

struct GemmShape {
    std::uint64_t sr = 0;  // rows of the stationary/streamed operand mapped to array rows
    std::uint64_t t = 0;   // temporal dimension
    std::uint64_t sc = 0;  // mapped to array columns
};

// GEMM of one tile of a convolution (per group): m filters, red = c*r*s
// reduction length, pix = the tile's output pixels.
GemmShape tile_gemm(Dataflow df, std::uint64_t m, std::uint64_t red, std::uint64_t pix);

// Whether loop dimension `dim` (NPU_DIM_M .. NPU_DIM_L, descriptor.h) is
// streamed through the array under `df` (ws: y, x; os: c, k, l; is: m); the
// others hold the stationary operand.
bool is_streamed_dim(Dataflow df, unsigned dim);

std::uint64_t fold_count(const GemmShape& g, unsigned rows, unsigned cols);
std::uint64_t fold_cycles(Dataflow df, unsigned rows, unsigned cols, std::uint64_t t);
// A run of `folds` folds each streaming t (the formula above); 0 if either is 0.
std::uint64_t run_cycles(Dataflow df, unsigned rows, unsigned cols, std::uint64_t folds,
                         std::uint64_t t, bool overlap = false);
// The cycles one GEMM adds to the array: run_cycles(F, before + T) -
// run_cycles(F, before); `streamed_before` = the T already streamed through
// the same stationary operand by the tiles it continues (0: a new run).
// gemm_cycles(g) = folds * fold_cycles(T) (0 for an empty GEMM).
std::uint64_t gemm_cycles(Dataflow df, unsigned rows, unsigned cols, const GemmShape& g,
                          std::uint64_t streamed_before = 0, bool overlap = false);

// Vector unit: ceil(ops / lanes).
std::uint64_t vector_cycles(unsigned lanes, std::uint64_t ops);

// Scratchpad accesses (in elements) the array makes for one tile's GEMM.
// os: each fold streams its Sr_f x T ifmap block and T x Sc_f weight block,
//     and read-modify-writes its Sr_f x Sc_f accumulators once;
// ws: each weight is read once (stationary), the ifmap block T x Sr_f is
//     streamed per column fold, T x Sc_f psums are read-modify-written per
//     row fold;
// is: as ws with ifmap and weight exchanged.
// A GEMM that continues a run (fold continuation) does not read its
// stationary operand again: ws no weight reads, is no ifmap reads, os no
// accumulator read-modify-writes (the run's accumulators stay in the array).
struct SramAccess {
    std::uint64_t ifmap_reads = 0;
    std::uint64_t weight_reads = 0;
    std::uint64_t ofmap_rmw = 0;  // accumulator reads, and as many writes
};
SramAccess gemm_sram_access(Dataflow df, unsigned rows, unsigned cols, const GemmShape& g,
                            bool continues = false);

}  // namespace npu
