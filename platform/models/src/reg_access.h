// Checks and data moves shared by the register blocks (PLIC, CLINT, UART,
// syscon). Private to platform/models. The host is little-endian, like the
// guest, so a payload's bytes are the register's bytes in order.
#pragma once

#include <cstdint>
#include <cstring>

#include <tlm>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "register blocks assume a little-endian host");

namespace vp::detail {

// Bit (1 << n) set: an n-byte access is accepted.
constexpr unsigned kSize1 = 1u << 1, kSize4 = 1u << 4, kSize8 = 1u << 8;

// The response for a register access the block cannot take, or OK:
//  - byte enables                         -> TLM_BYTE_ENABLE_ERROR_RESPONSE
//  - a length the block does not accept,
//    or streaming (width < length)        -> TLM_BURST_ERROR_RESPONSE
//  - an address not aligned to the length -> TLM_ADDRESS_ERROR_RESPONSE
inline tlm::tlm_response_status check_access(const tlm::tlm_generic_payload& gp, unsigned sizes) {
    const unsigned len = gp.get_data_length();
    if (gp.get_byte_enable_ptr() != nullptr) return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    if (len == 0 || len > 8 || !(sizes & (1u << len))) return tlm::TLM_BURST_ERROR_RESPONSE;
    if (gp.get_streaming_width() < len) return tlm::TLM_BURST_ERROR_RESPONSE;
    if (gp.get_address() % len != 0) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    return tlm::TLM_OK_RESPONSE;
}

inline std::uint64_t load(const tlm::tlm_generic_payload& gp) {
    std::uint64_t v = 0;
    std::memcpy(&v, gp.get_data_ptr(), gp.get_data_length());
    return v;
}

inline void store(tlm::tlm_generic_payload& gp, std::uint64_t v) {
    std::memcpy(gp.get_data_ptr(), &v, gp.get_data_length());
}

}  // namespace vp::detail
