// See systolic.h for the model and its simplifications.
#include "npu/systolic.h"

#include <algorithm>

namespace npu {

namespace {
std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
    return (a + b - 1) / b;
}
}  // namespace

const char* to_string(Dataflow df) {
    switch (df) {
        case Dataflow::os:
            return "os";
        case Dataflow::ws:
            return "ws";
        case Dataflow::is:
            return "is";
    }
    return "?";
}

const char* to_string(FoldContinuation p) {
    switch (p) {
        case FoldContinuation::run:
            return "run";
        case FoldContinuation::array:
            return "array";
        case FoldContinuation::off:
            return "off";
    }
    return "?";
}

bool parse_fold_continuation(const std::string& s, FoldContinuation& out) {
    for (FoldContinuation p :
         {FoldContinuation::run, FoldContinuation::array, FoldContinuation::off})
        if (s == to_string(p)) {
            out = p;
            return true;
        }
    return false;
}

bool continues_run(FoldContinuation p, std::uint64_t folds) {
    switch (p) {
        case FoldContinuation::run:
            return true;
        case FoldContinuation::array:
            return folds == 1;
        case FoldContinuation::off:
            return false;
    }
    return false;
}

GemmShape tile_gemm(Dataflow df, std::uint64_t m, std::uint64_t red, std::uint64_t pix) {
    switch (df) {
        case Dataflow::os:
            return {pix, red, m};
        case Dataflow::ws:
            return {red, pix, m};
        case Dataflow::is:
            return {red, m, pix};
    }
    return {};
}

std::uint64_t fold_count(const GemmShape& g, unsigned rows, unsigned cols) {
    return ceil_div(g.sr, rows) * ceil_div(g.sc, cols);
}

std::uint64_t fold_cycles(Dataflow df, unsigned rows, unsigned cols, std::uint64_t t) {
    if (df == Dataflow::os) return t + rows + cols - 2;
    return 2ull * rows + cols + t - 2;
}

bool is_streamed_dim(Dataflow df, unsigned dim) {
    switch (df) {
        case Dataflow::os:
            return dim == NPU_DIM_C || dim == NPU_DIM_K || dim == NPU_DIM_L;
        case Dataflow::ws:
            return dim == NPU_DIM_Y || dim == NPU_DIM_X;
        case Dataflow::is:
            return dim == NPU_DIM_M;
    }
    return false;
}

std::uint64_t run_cycles(Dataflow df, unsigned rows, unsigned cols, std::uint64_t folds,
                         std::uint64_t t, bool overlap) {
    if (folds == 0 || t == 0) return 0;
    const std::uint64_t first = fold_cycles(df, rows, cols, t);
    if (!overlap) return folds * first;
    // Each further fold starts max(T, R) after the previous one (systolic.h).
    return first + (folds - 1) * std::max<std::uint64_t>(t, rows);
}

std::uint64_t gemm_cycles(Dataflow df, unsigned rows, unsigned cols, const GemmShape& g,
                          std::uint64_t streamed_before, bool overlap) {
    if (g.sr == 0 || g.sc == 0 || g.t == 0) return 0;
    const std::uint64_t f = fold_count(g, rows, cols);
    return run_cycles(df, rows, cols, f, streamed_before + g.t, overlap) -
           run_cycles(df, rows, cols, f, streamed_before, overlap);
}

std::uint64_t vector_cycles(unsigned lanes, std::uint64_t ops) {
    return ceil_div(ops, lanes);
}

SramAccess gemm_sram_access(Dataflow df, unsigned rows, unsigned cols, const GemmShape& g,
                            bool continues) {
    SramAccess a;
    const std::uint64_t row_folds = ceil_div(g.sr, rows);
    const std::uint64_t col_folds = ceil_div(g.sc, cols);
    switch (df) {
        case Dataflow::os:  // Sr = pixels, Sc = filters, T = reduction
            a.ifmap_reads = g.sr * g.t * col_folds;
            a.weight_reads = g.t * g.sc * row_folds;
            a.ofmap_rmw = continues ? 0 : g.sr * g.sc;
            break;
        case Dataflow::ws:  // Sr = reduction, Sc = filters, T = pixels
            a.weight_reads = continues ? 0 : g.sr * g.sc;
            a.ifmap_reads = g.t * g.sr * col_folds;
            a.ofmap_rmw = g.t * g.sc * row_folds;
            break;
        case Dataflow::is:  // Sr = reduction, Sc = pixels, T = filters
            a.ifmap_reads = continues ? 0 : g.sr * g.sc;
            a.weight_reads = g.t * g.sr * col_folds;
            a.ofmap_rmw = g.t * g.sc * row_folds;
            break;
    }
    return a;
}

}  // namespace npu
