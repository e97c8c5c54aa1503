// TLM extensions shared by initiators and targets.
#pragma once

#include <cstdint>

#include <tlm>

namespace vp {

// Who issued a transaction: lets the DRAM count bytes per initiator
// ("dram.read_bytes.cpu", "...npu_dma") without the router knowing roles.
// Initiators set it once on their payloads (set_extension is cheap; the
// payload owns no memory manager here, so use set_extension/clear_extension).
struct InitiatorTag : tlm::tlm_extension<InitiatorTag> {
    enum Id : std::uint8_t { unknown = 0, cpu, npu_dma, tgen, count };
    Id id = unknown;

    explicit InitiatorTag(Id who = unknown) : id(who) {}
    tlm::tlm_extension_base* clone() const override { return new InitiatorTag(id); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        id = static_cast<const InitiatorTag&>(other).id;
    }
    static const char* name(Id who) {
        static const char* const names[] = {"unknown", "cpu", "npu_dma", "tgen"};
        return who < count ? names[who] : "unknown";
    }
};

inline InitiatorTag::Id initiator_of(const tlm::tlm_generic_payload& gp) {
    const InitiatorTag* tag = gp.get_extension<InitiatorTag>();
    return tag ? tag->id : InitiatorTag::unknown;
}

// A transaction that stands for several bus bursts of `burst_bytes` (the
// last one shorter), issued back to back at the same time: targets book and
// count it as those bursts (the NPU's DMA moves a contiguous run as one
// b_transport instead of one per burst). Absent or 0: one burst.
struct BurstExt : tlm::tlm_extension<BurstExt> {
    std::uint32_t burst_bytes = 0;
    explicit BurstExt(std::uint32_t bytes = 0) : burst_bytes(bytes) {}
    tlm::tlm_extension_base* clone() const override { return new BurstExt(burst_bytes); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        burst_bytes = static_cast<const BurstExt&>(other).burst_bytes;
    }
};
inline std::uint32_t burst_bytes_of(const tlm::tlm_generic_payload& gp) {
    const BurstExt* b = gp.get_extension<BurstExt>();
    return b ? b->burst_bytes : 0;
}
// How many bursts the transaction stands for (1 without a BurstExt).
inline std::uint64_t bursts_of(const tlm::tlm_generic_payload& gp) {
    const std::uint64_t burst = burst_bytes_of(gp), len = gp.get_data_length();
    return burst == 0 || len <= burst ? 1 : (len + burst - 1) / burst;
}

}  // namespace vp
