// A RAM behind one bus port: the SoC's DRAM and its on-chip SRAM are both this
// module with different timing.
//
// Stands for: a memory controller plus its devices, seen from the bus as a
// fixed access latency and a data channel of limited bandwidth that every
// initiator shares (vp::BandwidthChannel holds the arithmetic).
// Simplifies: no banks, rows, refresh or read/write turnaround; the
// latency is pipelined (a second request does not wait for the first one's
// latency, only for its data beats); time is counted in whole cycles, a
// request sampled at the first cycle edge at or after its (local) time.
//
// Storage is an anonymous private mapping: pages the guest never touches
// cost no host memory, so a 256 MiB (or 2 GiB) DRAM is free until used.
//
// b_transport: delay += completion - (now + delay), i.e. the returned delay
// is (completion cycle) * cycle - sc_time_stamp(). Counted per initiator
// (vp::initiator_of): read/write bytes and transactions. A transaction
// carrying a vp::BurstExt is booked on the channel and counted as the bursts
// it stands for (BandwidthChannel::request_bursts), exactly as if they came
// one b_transport each.
// DRAM granularity (MemoryTiming::atom_bytes, vp/dram_atom.h): every burst
// occupies the channel for the atoms it touches (aligned to the atom from
// the memory's first byte); "<basename>.read_bus_bytes.<initiator>" and
// ".write_bus_bytes." count those bytes beside the transactions' own bytes.
// transport_dbg: reads/writes without time or counters.
// DMI: granted over the whole memory when timing.dmi_allowed, read and write
// latency = latency_cycles per access. DMI accesses bypass the bandwidth
// channel and the counters: an initiator using DMI counts its own traffic.
//
// Errors (never asserts on guest input): address or length out of range,
// length 0 -> TLM_ADDRESS_ERROR_RESPONSE; streaming width < length ->
// TLM_BURST_ERROR_RESPONSE. Byte enables are supported (bytes whose enable
// is 0 are neither read nor written; they still move on the channel).
#pragma once

#include <cstdint>
#include <string>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "vp/bandwidth_channel.h"
#include "vp/tlm_ext.h"

namespace vp {

struct MemoryTiming {
    std::uint64_t latency_cycles = 0;
    double bytes_per_cycle = 0.0;  // 0 or infinity: no bandwidth limit
    bool dmi_allowed = true;
    std::uint64_t atom_bytes = 1;  // DRAM atom (power of two); 1: byte granular
};

class Memory : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<Memory> bus_in;

    // Throws std::invalid_argument for size 0, a zero cycle or a bad
    // bandwidth; std::runtime_error if the host cannot map the storage.
    Memory(sc_core::sc_module_name name, std::uint64_t size_bytes, MemoryTiming timing,
           sc_core::sc_time cycle);
    ~Memory() override;

    // Backdoor for loaders and checkers (no time, no counters).
    std::uint8_t* data() { return m_data; }
    const std::uint8_t* data() const { return m_data; }
    std::uint64_t size() const { return m_size; }
    // Backdoor: clears [offset, offset + len) (a loader's .bss) without
    // touching whole pages: they are handed back to the host, which maps
    // zeros on the next access, so a 2 GiB .bss costs neither time nor
    // memory. Throws std::out_of_range past the end.
    void zero(std::uint64_t offset, std::uint64_t len);

    const MemoryTiming& timing() const { return m_timing; }
    const BandwidthChannel& channel() const { return m_channel; }

    // Counters, also registered as "<basename>.read_bytes.<initiator>",
    // ".write_bytes.", ".reads.", ".writes." for every InitiatorTag::Id, and
    // "<basename>.busy_cycles" (channel occupancy), "<basename>.errors".
    std::uint64_t read_bytes(InitiatorTag::Id who) const { return m_read_bytes[who]; }
    std::uint64_t write_bytes(InitiatorTag::Id who) const { return m_write_bytes[who]; }
    std::uint64_t reads(InitiatorTag::Id who) const { return m_reads[who]; }
    std::uint64_t writes(InitiatorTag::Id who) const { return m_writes[who]; }
    // Bytes the transactions moved on the DRAM bus: whole atoms.
    std::uint64_t read_bus_bytes(InitiatorTag::Id who) const { return m_read_bus_bytes[who]; }
    std::uint64_t write_bus_bytes(InitiatorTag::Id who) const { return m_write_bus_bytes[who]; }

  private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned transport_dbg(tlm::tlm_generic_payload& gp);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
    // Moves the payload's data; false (and the response set) on a bad access.
    bool access(tlm::tlm_generic_payload& gp);

    std::uint64_t m_size;
    MemoryTiming m_timing;
    sc_core::sc_time m_cycle;
    BandwidthChannel m_channel;
    std::uint8_t* m_data = nullptr;
    std::string m_stats_prefix;

    std::uint64_t m_read_bytes[InitiatorTag::count] = {};
    std::uint64_t m_write_bytes[InitiatorTag::count] = {};
    std::uint64_t m_reads[InitiatorTag::count] = {};
    std::uint64_t m_writes[InitiatorTag::count] = {};
    std::uint64_t m_read_bus_bytes[InitiatorTag::count] = {};
    std::uint64_t m_write_bus_bytes[InitiatorTag::count] = {};
    std::uint64_t m_busy_cycles = 0;
    std::uint64_t m_errors = 0;
};

}  // namespace vp
