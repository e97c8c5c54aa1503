// The activation arena: placing DRAM buffers with lifetimes so that buffers
// whose lifetimes do not intersect share addresses, and the independent
// check that no two buffers live at the same time overlap.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "npu_compiler/compile.h"

namespace npu::compiler {

constexpr std::uint64_t kDramAlign = 64;  // every buffer starts on a DMA-friendly boundary

// Sets every buffer's addr (from `base` up, kDramAlign-aligned): buffers are
// placed in order of their first position (larger first among equals), each
// at the lowest address where it overlaps no buffer still live at that
// position (lifetimes inclusive: a node's inputs and its output never
// share). Returns the arena's size: the end of the highest buffer minus base.
std::uint64_t place_buffers(std::vector<Allocation>& buffers, std::uint64_t base);

// Empty when no two buffers whose lifetimes intersect overlap in DRAM, else
// one line naming the first such pair.
std::string check_layout(const std::vector<Allocation>& buffers);

}  // namespace npu::compiler
