// Internal to npu_core: the functional MAC of one conv/gemm tile (mac.cpp),
// called by the tile walk (core.cpp), and the walk's absolute -> local index
// map through which it reads the ifmap footprint.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "npu_abi/descriptor.h"

namespace npu {

// Absolute tensor index -> index in a footprint, over the footprint's span
// only (sized by the footprint, not by the tensor: it is rebuilt per load).
struct IndexMap {
    std::int64_t base = 0;
    std::vector<std::int32_t> local;
    void build(const std::vector<std::int32_t>& abs) {
        local.clear();
        if (abs.empty()) return;
        const auto [lo, hi] = std::minmax_element(abs.begin(), abs.end());
        base = *lo;
        local.assign(static_cast<std::size_t>(*hi - *lo + 1), -1);
        for (std::size_t i = 0; i < abs.size(); ++i)
            local[static_cast<std::size_t>(abs[i] - base)] = static_cast<std::int32_t>(i);
    }
    std::int32_t operator[](std::int64_t a) const {
        a -= base;
        return a >= 0 && a < static_cast<std::int64_t>(local.size())
                   ? local[static_cast<std::size_t>(a)]
                   : -1;
    }
};

// The ifmap footprint in its scratchpad half: int8 [channel][row][column] in
// local indices (rows x cols per channel), with the maps from absolute ones.
struct MacIfmap {
    const std::uint8_t* data;
    std::uint64_t rows, cols;
    const IndexMap& ch_map;
    const IndexMap& row_map;
    const IndexMap& col_map;
};

// The instruction set of the int16 MAC kernels: picked at start-up from the
// CPU (AVX-512 VNNI, else AVX2, else SSE2 on x86-64, else portable C++);
// tests force each one.
enum class MacKernel { best, scalar, avx2, avx512, sse2 };
bool mac_kernel_supported(MacKernel k);
MacKernel mac_kernel();
// `best` or a kernel this CPU lacks selects the best supported one.
void set_mac_kernel(MacKernel k);
const char* mac_kernel_name(MacKernel k);

// Adds the tile [lo, hi) of a conv/gemm kernel (desc d, `groups` groups) to
// the int32 accumulators `odata` ([m][y][x] of the tile, wrapping modulo
// 2^32 like npu_acc_add): sum over c, k, l of (x - zp_in) * (w - zp_w),
// padding contributing 0. `wdata` is the tile's int8 weights [m][c][k][l].
void mac_tile(const npu_desc_t& d, std::uint32_t groups,
              const std::array<std::uint32_t, NPU_DIMS>& lo,
              const std::array<std::uint32_t, NPU_DIMS>& hi, const MacIfmap& in,
              const std::uint8_t* wdata, std::uint8_t* odata);

}  // namespace npu
