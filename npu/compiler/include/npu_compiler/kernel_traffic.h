// Predicted DRAM traffic of one NPU kernel descriptor, in closed form: the
// bytes the NPU's DMA moves for it, by tensor, with the keys the NPU's
// KernelStats uses. Plain C++, no SystemC; it does not call the NPU model
// (the NPU moving the bytes is the independent check, see
// tests/compiler/kernel_traffic_test.cpp).
//
// Every op kind the descriptor ABI has is covered: conv (row/column strides,
// asymmetric padding, groups, depthwise), gemm/fc, max/avg pool, global avg
// pool, eltwise add/mul (operand B in the weight buffer), relu, lut, requant
// (int32 input); bias and the per-channel requantization table (rel {m}), the
// 256-byte LUT (once per kernel), strided ifmap/ofmap/operand-B views (they
// move the same bytes as the dense layout). Buffers are tile level with the
// 'tile' transfer policy, as the NPU runs them. The cost is O(n_m + n_y n_k +
// n_x n_l) (the ifmap's channel, row and column sums), independent of the
// tensor sizes.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "npu_abi/descriptor.h"
#include "npu_compiler/traffic.h"

namespace npu::compiler {

struct KernelTraffic {
    struct Reads {
        // bias: the per-output-channel parameters, bias (int32) and
        // requantization table (8 B per channel), as the NPU counts them.
        int64_t ifmap = 0, weight = 0, psum = 0, bias = 0, lut = 0;
        int64_t total() const { return ifmap + weight + psum + bias + lut; }
    } dram_read_bytes;
    struct Writes {
        int64_t ofmap = 0, psum = 0;
        int64_t total() const { return ofmap + psum; }
    } dram_write_bytes;
    int64_t total() const { return dram_read_bytes.total() + dram_write_bytes.total(); }

    // Largest footprint of each buffer, elements (clipped to the tensor, the
    // largest that really occurs); channels: output channels of the largest
    // m tile whose bias / table entries are loaded (0 without them).
    struct Footprints {
        int64_t ifmap = 0, weight = 0, ofmap = 0, channels = 0;
    } max_footprint_elems;
    int64_t tiles = 0;         // inter-tile iterations
    bool spills_psum = false;  // partial sums leave the ofmap buffer
    std::string str() const;
};

// The prediction for a descriptor whose tiling and loop order are set.
// Throws std::invalid_argument with one line naming the field when the
// descriptor is one the NPU would refuse for its shape or tiling (bad op,
// shapes, groups, strides, tiles, loop order); addresses and scratchpad
// capacity are not checked (the NPU's capacity rule lives in npu_core).
// NPU_DESC_F_RESIDENT: predicted from a cold weight scratchpad (no tile of
// this kernel resident when it starts).
KernelTraffic predict_traffic(const npu_desc_t& desc);

// The order-independent part of the prediction for one tiling (desc.tile;
// desc.loop_order is not read): the footprint sums and maxima. A search that
// tries many loop orders per tiling computes it once and then calls
// predict_traffic(tiling, order), which costs O(6).
struct TilingTraffic {
    npu_desc_t desc{};
    ConvLayer layer;
    Schedule schedule;      // tiles; order set per call
    ClosedFormTerms terms;  // sums and maxima (order-independent at tile level)
};
TilingTraffic tiling_traffic(const npu_desc_t& desc);
// Throws std::invalid_argument when loop_order is not a permutation of 0..5.
KernelTraffic predict_traffic(const TilingTraffic& tiling, const uint8_t (&loop_order)[NPU_DIMS]);

// What the NPU's two weight-scratchpad halves hold between kernels, as far as
// NPU_DESC_F_RESIDENT can see it: the filter tile of each half (a weight
// tensor and the m, c, k, l ranges of the tile) and which half was used last.
// Operand B of an eltwise kernel leaves its half holding no filter tile.
// Starts cold (nothing resident), as the NPU after reset.
struct WeightHalves {
    struct Tile {
        bool valid = false;
        uint32_t weight_addr = 0;
        uint32_t cg = 0, r = 0, s = 0;     // the tensor's shape (its layout)
        std::array<uint32_t, 8> bounds{};  // lo, hi of m, c, k, l
        bool operator==(const Tile& o) const;
    };
    Tile current, other;  // the half used last, the other half
};

// predict_traffic for a kernel that starts on an NPU whose weight halves
// hold `halves` (a sequence of kernels on one NPU: call it in order with the
// same object); updates `halves` to what the kernel leaves behind. Differs
// from the cold prediction only for NPU_DESC_F_RESIDENT kernels whose first
// one or two weight tiles are still resident.
KernelTraffic predict_traffic(const npu_desc_t& desc, WeightHalves& halves);

// The descriptor's loop nest and schedule in the traffic model's terms (tile
// level buffers, policy tile); predict_traffic is built on them.
ConvLayer kernel_layer(const npu_desc_t& desc);
Schedule kernel_schedule_of(const npu_desc_t& desc);

}  // namespace npu::compiler
