// See systolic.h for the model and its simplifications.
#include "npu/systolic.h"

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

std::uint64_t gemm_cycles(Dataflow df, unsigned rows, unsigned cols, const GemmShape& g) {
    if (g.sr == 0 || g.sc == 0 || g.t == 0) return 0;
    return fold_count(g, rows, cols) * fold_cycles(df, rows, cols, g.t);
}

std::uint64_t vector_cycles(unsigned lanes, std::uint64_t ops) {
    return ceil_div(ops, lanes);
}

SramAccess gemm_sram_access(Dataflow df, unsigned rows, unsigned cols, const GemmShape& g) {
    SramAccess a;
    const std::uint64_t row_folds = ceil_div(g.sr, rows);
    const std::uint64_t col_folds = ceil_div(g.sc, cols);
    switch (df) {
        case Dataflow::os:  // Sr = pixels, Sc = filters, T = reduction
            a.ifmap_reads = g.sr * g.t * col_folds;
            a.weight_reads = g.t * g.sc * row_folds;
            a.ofmap_rmw = g.sr * g.sc;
            break;
        case Dataflow::ws:  // Sr = reduction, Sc = filters, T = pixels
            a.weight_reads = g.sr * g.sc;
            a.ifmap_reads = g.t * g.sr * col_folds;
            a.ofmap_rmw = g.t * g.sc * row_folds;
            break;
        case Dataflow::is:  // Sr = reduction, Sc = pixels, T = filters
            a.ifmap_reads = g.sr * g.sc;
            a.weight_reads = g.t * g.sr * col_folds;
            a.ofmap_rmw = g.t * g.sc * row_folds;
            break;
    }
    return a;
}

}  // namespace npu
