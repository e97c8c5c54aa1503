#include "vp/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "vp/stats.h"

namespace vp {

Memory::Memory(sc_core::sc_module_name name, std::uint64_t size_bytes, MemoryTiming timing,
               sc_core::sc_time cycle)
    : sc_module(name),
      bus_in("bus_in"),
      m_size(size_bytes),
      m_timing(timing),
      m_cycle(cycle),
      m_channel(timing.bytes_per_cycle, timing.latency_cycles, timing.atom_bytes) {
    if (size_bytes == 0) throw std::invalid_argument(std::string(this->name()) + ": size is 0");
    if (cycle == sc_core::SC_ZERO_TIME)
        throw std::invalid_argument(std::string(this->name()) + ": cycle is 0");
    // MAP_NORESERVE: the mapping is a promise of zeros, not a reservation of
    // swap; untouched pages stay unbacked.
    void* p = ::mmap(nullptr, size_bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        throw std::runtime_error(std::string(this->name()) + ": cannot map " +
                                 std::to_string(size_bytes) + " bytes");
    m_data = static_cast<std::uint8_t*>(p);

    bus_in.register_b_transport(this, &Memory::b_transport);
    bus_in.register_transport_dbg(this, &Memory::transport_dbg);
    bus_in.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr);

    m_stats_prefix = basename();
    StatsRegistry& reg = stats();
    for (unsigned i = 0; i < InitiatorTag::count; ++i) {
        const std::string who = InitiatorTag::name(static_cast<InitiatorTag::Id>(i));
        reg.add_counter(m_stats_prefix + ".read_bytes." + who, &m_read_bytes[i],
                        "bytes read through b_transport");
        reg.add_counter(m_stats_prefix + ".write_bytes." + who, &m_write_bytes[i],
                        "bytes written through b_transport");
        reg.add_counter(m_stats_prefix + ".read_bus_bytes." + who, &m_read_bus_bytes[i],
                        "bytes read on the DRAM bus (whole atoms)");
        reg.add_counter(m_stats_prefix + ".write_bus_bytes." + who, &m_write_bus_bytes[i],
                        "bytes written on the DRAM bus (whole atoms)");
        reg.add_counter(m_stats_prefix + ".reads." + who, &m_reads[i], "read transactions");
        reg.add_counter(m_stats_prefix + ".writes." + who, &m_writes[i], "write transactions");
    }
    reg.add_counter(m_stats_prefix + ".busy_cycles", &m_busy_cycles,
                    "cycles the data channel was occupied");
    reg.add_counter(m_stats_prefix + ".errors", &m_errors, "transactions answered with an error");
}

Memory::~Memory() {
    stats().remove_prefix(m_stats_prefix);
    if (m_data) ::munmap(m_data, m_size);
}

void Memory::zero(std::uint64_t offset, std::uint64_t len) {
    if (offset > m_size || len > m_size - offset)
        throw std::out_of_range(std::string(name()) + ": zero() past the end of the memory");
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t base = reinterpret_cast<std::uintptr_t>(m_data);  // page aligned
    const std::uint64_t first = (base + offset + page - 1) / page * page - base;
    const std::uint64_t last = (base + offset + len) / page * page - base;
    if (first >= last) {  // no whole page inside
        std::memset(m_data + offset, 0, len);
        return;
    }
    std::memset(m_data + offset, 0, first - offset);
    std::memset(m_data + last, 0, offset + len - last);
    // A private anonymous mapping reads zeros again after MADV_DONTNEED;
    // pages never touched stay untouched.
    if (::madvise(m_data + first, last - first, MADV_DONTNEED) != 0)
        std::memset(m_data + first, 0, last - first);
}

bool Memory::access(tlm::tlm_generic_payload& gp) {
    const std::uint64_t addr = gp.get_address();
    const std::uint64_t len = gp.get_data_length();
    if (len == 0 || addr >= m_size || len > m_size - addr) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return false;
    }
    if (gp.get_streaming_width() < len) {
        gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    const tlm::tlm_command cmd = gp.get_command();
    std::uint8_t* mem = m_data + addr;
    std::uint8_t* buf = gp.get_data_ptr();
    const unsigned char* be = gp.get_byte_enable_ptr();
    const unsigned be_len = gp.get_byte_enable_length();
    if (be != nullptr && be_len == 0) {
        gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
    }
    if (cmd == tlm::TLM_READ_COMMAND) {
        if (be == nullptr) {
            std::memcpy(buf, mem, len);
        } else {
            for (std::uint64_t i = 0; i < len; ++i)
                if (be[i % be_len] == TLM_BYTE_ENABLED) buf[i] = mem[i];
        }
    } else if (cmd == tlm::TLM_WRITE_COMMAND) {
        if (be == nullptr) {
            std::memcpy(mem, buf, len);
        } else {
            for (std::uint64_t i = 0; i < len; ++i)
                if (be[i % be_len] == TLM_BYTE_ENABLED) mem[i] = buf[i];
        }
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return true;
}

void Memory::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    if (!access(gp)) {
        ++m_errors;
        return;
    }
    const tlm::tlm_command cmd = gp.get_command();
    if (cmd == tlm::TLM_IGNORE_COMMAND) return;
    const std::uint64_t len = gp.get_data_length();
    const InitiatorTag::Id who = initiator_of(gp);
    // Integer time arithmetic in units of the kernel's time resolution.
    const sc_core::sc_time::value_type cyc = m_cycle.value();
    const sc_core::sc_time::value_type now = sc_core::sc_time_stamp().value();
    const sc_core::sc_time::value_type t_local = now + delay.value();
    const std::uint64_t t_req = (t_local + cyc - 1) / cyc;  // next cycle edge
    const BandwidthChannel::Grant g =
        m_channel.request_run(t_req, gp.get_address(), len, burst_bytes_of(gp));
    m_busy_cycles = m_channel.busy_cycles();
    if (cmd == tlm::TLM_READ_COMMAND) {
        m_read_bytes[who] += len;
        m_read_bus_bytes[who] += g.bus_bytes;
        m_reads[who] += bursts_of(gp);
    } else {
        m_write_bytes[who] += len;
        m_write_bus_bytes[who] += g.bus_bytes;
        m_writes[who] += bursts_of(gp);
    }
    delay = sc_core::sc_time::from_value(g.complete * cyc - now);
}

unsigned Memory::transport_dbg(tlm::tlm_generic_payload& gp) {
    const std::uint64_t addr = gp.get_address();
    if (addr >= m_size) return 0;
    const std::uint64_t n = std::min<std::uint64_t>(gp.get_data_length(), m_size - addr);
    if (gp.get_command() == tlm::TLM_READ_COMMAND)
        std::memcpy(gp.get_data_ptr(), m_data + addr, n);
    else if (gp.get_command() == tlm::TLM_WRITE_COMMAND)
        std::memcpy(m_data + addr, gp.get_data_ptr(), n);
    else
        return 0;
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return static_cast<unsigned>(n);
}

bool Memory::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
    (void)gp;
    dmi.set_start_address(0);
    dmi.set_end_address(m_size - 1);
    if (!m_timing.dmi_allowed) {
        // The whole memory is refused: the initiator need not ask again.
        dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
        return false;
    }
    dmi.set_dmi_ptr(m_data);
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
    const sc_core::sc_time lat =
        sc_core::sc_time::from_value(m_cycle.value() * m_timing.latency_cycles);
    dmi.set_read_latency(lat);
    dmi.set_write_latency(lat);
    return true;
}

}  // namespace vp
