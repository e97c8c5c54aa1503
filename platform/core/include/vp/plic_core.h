// Behaviour of a SiFive-style PLIC with one context (hart 0, M-mode), apart
// from SystemC. Register offsets are those of npu_abi/memory_map.h; accesses
// are 32-bit words (the shell rejects other sizes).
//
//   VP_PLIC_PRIORITY(s)  R/W  3-bit priority of source s (0: never interrupts);
//                              source 0 is reserved: reads 0, writes ignored
//   VP_PLIC_PENDING+4w   RO   pending bits of sources 32w..32w+31 (writes ignored)
//   VP_PLIC_ENABLE+4w    R/W  enable bits, context 0 (bit 0 hardwired to 0)
//   VP_PLIC_THRESHOLD    R/W  3-bit threshold: sources at or below it are masked
//   VP_PLIC_CLAIM        R    claim: highest-priority interrupting source, 0 if none
//                        W    complete: the id of a claimed source
//
// Gateways are level-sensitive: while a source's line is high it becomes
// pending unless it is claimed and not yet completed; a pending bit stays
// set when the line drops (as the gateway has already forwarded the request)
// until a claim takes it; a completion re-arms the gateway, so a line still
// high is pending again at once.
//
// Choices where SiFive's spec leaves room (all as QEMU's sifive_plic does, so
// a guest behaves the same on both):
//  - claim honours the threshold: it returns the source that makes the
//    interrupt output high (enabled, pending, priority > threshold; ties go
//    to the lowest id), or 0;
//  - a completion is not gated by the enable bit; one that names a source
//    that is not claimed (or no source) is ignored.
#pragma once

#include <cstdint>
#include <vector>

namespace vp {

class PlicCore {
  public:
    enum class Access { ok, unmapped };

    // num_sources includes the reserved source 0; 2..1024 (throws
    // std::invalid_argument otherwise).
    explicit PlicCore(unsigned num_sources);

    // The level of a source's interrupt line. Source 0 and ids beyond the
    // last source are ignored (a wiring error the shell reports).
    void set_line(unsigned source, bool level);

    // 32-bit register access at a word-aligned offset.
    Access read(std::uint32_t offset, std::uint32_t& value);
    Access write(std::uint32_t offset, std::uint32_t value);

    // Output to the hart: some enabled pending source has priority > threshold.
    bool irq() const;

    // Direct views for tests and the shell.
    unsigned num_sources() const { return m_num; }
    bool pending(unsigned source) const { return source < m_num && m_src[source].pending; }
    bool claimed(unsigned source) const { return source < m_num && m_src[source].claimed; }
    bool enabled(unsigned source) const { return source < m_num && m_src[source].enabled; }
    std::uint32_t priority(unsigned source) const {
        return source < m_num ? m_src[source].priority : 0;
    }
    std::uint32_t threshold() const { return m_threshold; }

    unsigned claim();                 // as a read of VP_PLIC_CLAIM
    void complete(std::uint32_t id);  // as a write of VP_PLIC_CLAIM

    // Statistics.
    std::uint64_t claims = 0;        // claims that returned a source
    std::uint64_t empty_claims = 0;  // claims that returned 0
    std::uint64_t completes = 0;     // completions that released a source

  private:
    struct Source {
        bool line = false;
        bool pending = false;
        bool claimed = false;
        bool enabled = false;
        std::uint32_t priority = 0;
    };
    unsigned words() const { return (m_num + 31) / 32; }
    unsigned best() const;  // the source a claim would return, or 0

    unsigned m_num;
    std::vector<Source> m_src;
    std::uint32_t m_threshold = 0;
};

}  // namespace vp
