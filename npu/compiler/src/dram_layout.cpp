// The activation arena: first-fit placement of buffers by lifetime, and the
// overlap checker the tests run on every layout.
#include "npu_compiler/dram_layout.h"

#include <algorithm>
#include <numeric>
#include <sstream>

namespace npu::compiler {

namespace {

std::uint64_t align_up(std::uint64_t v) {
    return (v + kDramAlign - 1) / kDramAlign * kDramAlign;
}

bool lifetimes_meet(const Allocation& a, const Allocation& b) {
    return a.first <= b.last && b.first <= a.last;
}

}  // namespace

std::uint64_t place_buffers(std::vector<Allocation>& buffers, std::uint64_t base) {
    std::vector<std::size_t> order(buffers.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (buffers[a].first != buffers[b].first) return buffers[a].first < buffers[b].first;
        return buffers[a].bytes > buffers[b].bytes;
    });
    base = align_up(base);
    std::vector<std::size_t> live;  // placed buffers that may still be live
    std::uint64_t end = base;
    for (std::size_t i : order) {
        Allocation& b = buffers[i];
        // Buffers dead before b starts free their space; placement order is by
        // first position, so they stay dead for every later buffer too.
        live.erase(std::remove_if(live.begin(), live.end(),
                                  [&](std::size_t j) { return buffers[j].last < b.first; }),
                   live.end());
        std::vector<std::size_t> busy;
        for (std::size_t j : live)
            if (lifetimes_meet(buffers[j], b)) busy.push_back(j);
        std::sort(busy.begin(), busy.end(),
                  [&](std::size_t x, std::size_t y) { return buffers[x].addr < buffers[y].addr; });
        std::uint64_t at = base;
        for (std::size_t j : busy) {
            if (at + b.bytes <= buffers[j].addr) break;  // the gap below j is large enough
            at = std::max(at, align_up(buffers[j].addr + buffers[j].bytes));
        }
        b.addr = at;
        end = std::max(end, at + b.bytes);
        live.push_back(i);
    }
    return end - base;
}

std::string check_layout(const std::vector<Allocation>& buffers) {
    for (std::size_t i = 0; i < buffers.size(); ++i)
        for (std::size_t j = i + 1; j < buffers.size(); ++j) {
            const Allocation& a = buffers[i];
            const Allocation& b = buffers[j];
            // Written apart from the placement's test on purpose: the checker
            // must not share a mistake with what it checks.
            const bool both_live = std::max(a.first, b.first) <= std::min(a.last, b.last);
            if (a.bytes == 0 || b.bytes == 0 || !both_live) continue;
            if (a.addr < b.addr + b.bytes && b.addr < a.addr + a.bytes) {
                std::ostringstream os;
                os << "buffers '" << a.what << "' [0x" << std::hex << a.addr << ", 0x"
                   << a.addr + a.bytes << ") and '" << b.what << "' [0x" << b.addr << ", 0x"
                   << b.addr + b.bytes << std::dec << ") overlap while both live (positions "
                   << a.first << ".." << a.last << " and " << b.first << ".." << b.last << ")";
                return os.str();
            }
        }
    return {};
}

}  // namespace npu::compiler
