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

}  // namespace vp
