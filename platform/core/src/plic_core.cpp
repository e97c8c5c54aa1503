#include "vp/plic_core.h"

#include <stdexcept>

#include "npu_abi/memory_map.h"

namespace vp {

namespace {
constexpr std::uint32_t kPriorityMask = 0x7;  // VP_PLIC_MAX_PRIORITY = 7: 3 bits
static_assert(VP_PLIC_MAX_PRIORITY == kPriorityMask, "priority field is 3 bits");
}  // namespace

PlicCore::PlicCore(unsigned num_sources) : m_num(num_sources), m_src(num_sources) {
    if (num_sources < 2 || num_sources > 1024)
        throw std::invalid_argument("PLIC needs 2..1024 sources (source 0 included)");
}

void PlicCore::set_line(unsigned source, bool level) {
    if (source == 0 || source >= m_num) return;
    Source& s = m_src[source];
    s.line = level;
    if (level && !s.claimed) s.pending = true;
}

unsigned PlicCore::best() const {
    unsigned id = 0;
    std::uint32_t prio = m_threshold;  // must beat the threshold
    for (unsigned i = 1; i < m_num; ++i) {
        const Source& s = m_src[i];
        if (s.pending && s.enabled && s.priority > prio) {  // strict: ties keep the lower id
            id = i;
            prio = s.priority;
        }
    }
    return id;
}

bool PlicCore::irq() const {
    return best() != 0;
}

unsigned PlicCore::claim() {
    const unsigned id = best();
    if (id == 0) {
        ++empty_claims;
        return 0;
    }
    m_src[id].pending = false;
    m_src[id].claimed = true;
    ++claims;
    return id;
}

void PlicCore::complete(std::uint32_t id) {
    if (id == 0 || id >= m_num || !m_src[id].claimed) return;
    Source& s = m_src[id];
    s.claimed = false;
    if (s.line) s.pending = true;  // level still asserted: the gateway forwards it again
    ++completes;
}

PlicCore::Access PlicCore::read(std::uint32_t offset, std::uint32_t& value) {
    value = 0;
    if (offset < VP_PLIC_PRIORITY(m_num)) {
        if (offset % 4) return Access::unmapped;
        value = m_src[offset / 4].priority;
        return Access::ok;
    }
    if (offset >= VP_PLIC_PENDING && offset < VP_PLIC_PENDING + 4 * words()) {
        if (offset % 4) return Access::unmapped;
        const unsigned w = (offset - VP_PLIC_PENDING) / 4;
        for (unsigned b = 0; b < 32 && 32 * w + b < m_num; ++b)
            if (m_src[32 * w + b].pending) value |= 1u << b;
        return Access::ok;
    }
    if (offset >= VP_PLIC_ENABLE && offset < VP_PLIC_ENABLE + 4 * words()) {
        if (offset % 4) return Access::unmapped;
        const unsigned w = (offset - VP_PLIC_ENABLE) / 4;
        for (unsigned b = 0; b < 32 && 32 * w + b < m_num; ++b)
            if (m_src[32 * w + b].enabled) value |= 1u << b;
        return Access::ok;
    }
    if (offset == VP_PLIC_THRESHOLD) {
        value = m_threshold;
        return Access::ok;
    }
    if (offset == VP_PLIC_CLAIM) {
        value = claim();
        return Access::ok;
    }
    return Access::unmapped;
}

PlicCore::Access PlicCore::write(std::uint32_t offset, std::uint32_t value) {
    if (offset < VP_PLIC_PRIORITY(m_num)) {
        if (offset % 4) return Access::unmapped;
        const unsigned id = offset / 4;
        if (id != 0) m_src[id].priority = value & kPriorityMask;  // WARL: 3 bits
        return Access::ok;
    }
    if (offset >= VP_PLIC_PENDING && offset < VP_PLIC_PENDING + 4 * words()) {
        // Read-only: the guest cannot forge or drop a request.
        return offset % 4 ? Access::unmapped : Access::ok;
    }
    if (offset >= VP_PLIC_ENABLE && offset < VP_PLIC_ENABLE + 4 * words()) {
        if (offset % 4) return Access::unmapped;
        const unsigned w = (offset - VP_PLIC_ENABLE) / 4;
        for (unsigned b = 0; b < 32 && 32 * w + b < m_num; ++b) {
            const unsigned id = 32 * w + b;
            if (id != 0) m_src[id].enabled = (value >> b) & 1u;
        }
        return Access::ok;
    }
    if (offset == VP_PLIC_THRESHOLD) {
        m_threshold = value & kPriorityMask;
        return Access::ok;
    }
    if (offset == VP_PLIC_CLAIM) {
        complete(value);
        return Access::ok;
    }
    return Access::unmapped;
}

}  // namespace vp
