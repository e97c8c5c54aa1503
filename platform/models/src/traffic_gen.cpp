#include "vp/traffic_gen.h"

#include <stdexcept>

#include "npu_abi/memory_map.h"
#include "vp/log.h"
#include "vp/sim_control.h"
#include "vp/stats.h"

namespace vp {

namespace {
// The pattern: varies in every byte and across 256-byte blocks, so a
// misplaced or stale burst shows up.
std::uint8_t pattern(std::uint64_t i) {
    return static_cast<std::uint8_t>((i * 7u) ^ (i >> 8) ^ 0xA5u);
}
}  // namespace

const char* TrafficGen::step_name(Step s) {
    switch (s) {
        case none:
            return "none";
        case uart:
            return "uart";
        case plic_setup:
            return "plic_setup";
        case irq_raise:
            return "irq_raise";
        case claim:
            return "claim";
        case irq_drop:
            return "irq_drop";
        case dram_write:
            return "dram_write";
        case dram_read:
            return "dram_read";
        case dram_check:
            return "dram_check";
    }
    return "unknown";
}

TrafficGen::TrafficGen(sc_core::sc_module_name name, sc_core::sc_time cycle,
                       TrafficGenConfig config)
    : sc_module(name),
      bus_out("bus_out"),
      irq_out("irq_out"),
      cpu_irq_in("cpu_irq_in"),
      m_cycle(cycle),
      m_config(config) {
    if (cycle == sc_core::SC_ZERO_TIME || config.pattern_bytes == 0 || config.burst_bytes == 0)
        throw std::invalid_argument(std::string(this->name()) +
                                    ": cycle, pattern and burst sizes must be non-zero");
    irq_out.initialize(false);
    SC_THREAD(run);

    m_stats_prefix = basename();
    StatsRegistry& reg = stats();
    reg.add_counter(m_stats_prefix + ".uart_bytes", &m_result.uart_bytes,
                    "bytes written to the UART");
    reg.add_counter(m_stats_prefix + ".bytes_written", &m_result.bytes_written,
                    "pattern bytes written to DRAM");
    reg.add_counter(m_stats_prefix + ".bytes_read", &m_result.bytes_read,
                    "pattern bytes read back from DRAM");
    reg.add_counter(m_stats_prefix + ".dram_write_cycles", &m_result.dram_write_cycles,
                    "cycles the pattern write took");
    reg.add_counter(m_stats_prefix + ".dram_read_cycles", &m_result.dram_read_cycles,
                    "cycles the read-back took");
    reg.add_counter(m_stats_prefix + ".mismatches", &m_result.mismatches, "bytes read back wrong");
    reg.add_counter(m_stats_prefix + ".failed_step", &m_failed_step, "0: passed");
}

TrafficGen::~TrafficGen() {
    stats().remove_prefix(m_stats_prefix);
}

bool TrafficGen::transact(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data,
                          unsigned len) {
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    tlm::tlm_response_status status;
    std::string status_text;
    {
        // The payload lives in this block only: the run may end inside
        // b_transport (syscon), and then the wait below never returns, so
        // nothing owning heap memory may stay on this thread's stack.
        tlm::tlm_generic_payload gp;
        InitiatorTag tag(InitiatorTag::tgen);
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(data);
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_byte_enable_ptr(nullptr);
        gp.set_dmi_allowed(false);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        gp.set_extension(&tag);
        bus_out->b_transport(gp, delay);
        gp.clear_extension(&tag);  // the payload must not delete our stack object
        status = gp.get_response_status();
        if (gp.is_response_error()) status_text = gp.get_response_string();
    }
    wait(delay);  // blocking master: it lives through the latency
    if (status != tlm::TLM_OK_RESPONSE) {
        m_detail =
            format("%s of %u bytes at 0x%llx: %s", cmd == tlm::TLM_READ_COMMAND ? "read" : "write",
                   len, static_cast<unsigned long long>(addr), status_text.c_str());
        return false;
    }
    return true;
}

bool TrafficGen::write32(std::uint64_t addr, std::uint32_t value) {
    std::uint8_t b[4] = {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
                         static_cast<std::uint8_t>(value >> 16),
                         static_cast<std::uint8_t>(value >> 24)};
    return transact(tlm::TLM_WRITE_COMMAND, addr, b, 4);
}

bool TrafficGen::read32(std::uint64_t addr, std::uint32_t& value) {
    std::uint8_t b[4] = {};
    if (!transact(tlm::TLM_READ_COMMAND, addr, b, 4)) return false;
    value = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
    return true;
}

bool TrafficGen::print(const std::string& text) {
    for (char ch : text) {
        std::uint8_t b = static_cast<std::uint8_t>(ch);
        if (!transact(tlm::TLM_WRITE_COMMAND, VP_UART_BASE + VP_UART_THR, &b, 1)) return false;
        ++m_result.uart_bytes;
    }
    return true;
}

std::uint64_t TrafficGen::cycles_since(const sc_core::sc_time& start) const {
    return (sc_core::sc_time_stamp() - start).value() / m_cycle.value();
}

TrafficGen::Step TrafficGen::script() {
    if (!print("tgen: hello from the npu-vp traffic generator\n")) return uart;

    // Interrupt path: tgen line -> PLIC gateway -> PLIC output -> (cpu_irq_in).
    if (!write32(VP_PLIC_BASE + VP_PLIC_PRIORITY(VP_IRQ_TGEN), 1) ||
        !write32(VP_PLIC_BASE + VP_PLIC_ENABLE + 4 * (VP_IRQ_TGEN / 32),
                 1u << (VP_IRQ_TGEN % 32)) ||
        !write32(VP_PLIC_BASE + VP_PLIC_THRESHOLD, 0))
        return plic_setup;
    const sc_core::sc_time timeout = m_cycle * static_cast<double>(m_config.irq_timeout_cycles);
    const sc_core::sc_time raised = sc_core::sc_time_stamp();
    irq_out.write(true);
    if (!cpu_irq_in.read()) wait(timeout, cpu_irq_in.posedge_event());
    if (!cpu_irq_in.read()) {
        m_detail = format("no PLIC interrupt within %llu cycles",
                          static_cast<unsigned long long>(m_config.irq_timeout_cycles));
        return irq_raise;
    }
    const std::uint64_t irq_cycles = cycles_since(raised);
    std::uint32_t id = 0;
    if (!read32(VP_PLIC_BASE + VP_PLIC_CLAIM, id)) return claim;
    if (id != VP_IRQ_TGEN) {
        m_detail = format("claimed source %u, expected %u", id, VP_IRQ_TGEN);
        return claim;
    }
    // Lower the line and give it a cycle to reach the PLIC's gateway before
    // completing: a completion while the line still reads high re-arms the
    // source at once (level-sensitive), which would be a spurious interrupt.
    irq_out.write(false);
    wait(m_cycle);
    if (!write32(VP_PLIC_BASE + VP_PLIC_CLAIM, id)) return irq_drop;
    if (cpu_irq_in.read()) wait(timeout, cpu_irq_in.negedge_event());
    std::uint32_t pending = 0;
    if (!read32(VP_PLIC_BASE + VP_PLIC_PENDING + 4 * (VP_IRQ_TGEN / 32), pending)) return irq_drop;
    if (cpu_irq_in.read() || (pending >> (VP_IRQ_TGEN % 32)) & 1u) {
        m_detail = "the PLIC still signals the completed interrupt";
        return irq_drop;
    }

    // DRAM: write the pattern, read it back, compare.
    const std::uint64_t base = VP_DRAM_BASE + m_config.dram_offset;
    const std::uint32_t total = m_config.pattern_bytes;
    std::vector<std::uint8_t> buf(m_config.burst_bytes);
    sc_core::sc_time start = sc_core::sc_time_stamp();
    for (std::uint32_t pos = 0; pos < total; pos += m_config.burst_bytes) {
        const unsigned n = std::min(m_config.burst_bytes, total - pos);
        for (unsigned i = 0; i < n; ++i)
            buf[i] = pattern(pos + i);
        if (!transact(tlm::TLM_WRITE_COMMAND, base + pos, buf.data(), n)) return dram_write;
        m_result.bytes_written += n;
    }
    m_result.dram_write_cycles = cycles_since(start);
    start = sc_core::sc_time_stamp();
    std::uint64_t first_bad = 0;
    for (std::uint32_t pos = 0; pos < total; pos += m_config.burst_bytes) {
        const unsigned n = std::min(m_config.burst_bytes, total - pos);
        if (!transact(tlm::TLM_READ_COMMAND, base + pos, buf.data(), n)) return dram_read;
        m_result.bytes_read += n;
        for (unsigned i = 0; i < n; ++i) {
            if (buf[i] != pattern(pos + i) && m_result.mismatches++ == 0) first_bad = pos + i;
        }
    }
    m_result.dram_read_cycles = cycles_since(start);
    if (m_result.mismatches != 0) {
        m_detail = format("%llu bytes differ, first at offset %llu",
                          static_cast<unsigned long long>(m_result.mismatches),
                          static_cast<unsigned long long>(first_bad));
        return dram_check;
    }

    auto rate = [](std::uint64_t bytes, std::uint64_t cycles) {
        return cycles ? static_cast<double>(bytes) / static_cast<double>(cycles) : 0.0;
    };
    const unsigned bursts = (total + m_config.burst_bytes - 1) / m_config.burst_bytes;
    print(
        format("tgen: plic: source %u reached the PLIC output %llu cycles after its line rose; "
               "claimed and completed\n",
               VP_IRQ_TGEN, static_cast<unsigned long long>(irq_cycles)));
    print(format("tgen: dram write: %llu bytes in %u bursts, %llu cycles (%.2f B/cycle)\n",
                 static_cast<unsigned long long>(m_result.bytes_written), bursts,
                 static_cast<unsigned long long>(m_result.dram_write_cycles),
                 rate(m_result.bytes_written, m_result.dram_write_cycles)));
    print(
        format("tgen: dram read:  %llu bytes in %u bursts, %llu cycles (%.2f B/cycle), "
               "all bytes match\n",
               static_cast<unsigned long long>(m_result.bytes_read), bursts,
               static_cast<unsigned long long>(m_result.dram_read_cycles),
               rate(m_result.bytes_read, m_result.dram_read_cycles)));
    print("tgen: PASS\n");
    return none;
}

void TrafficGen::run() {
    const Step failed = script();
    m_result.finished = true;
    m_result.failed = failed;
    m_failed_step = static_cast<std::uint64_t>(failed);
    if (failed == none) {
        write32(VP_SYSCON_BASE + VP_SYSCON_FINISHER, VP_SYSCON_FINISHER_PASS);
    } else {
        irq_out.write(false);
        print(format("tgen: FAIL step %d (%s): %s\n", static_cast<int>(failed), step_name(failed),
                     m_detail.c_str()));
        write32(VP_SYSCON_BASE + VP_SYSCON_FINISHER,
                VP_SYSCON_FINISHER_FAIL | (static_cast<std::uint32_t>(failed) << 16));
    }
    // Without a syscon on the bus (a bench) nothing else ends the run.
    if (!SimControl::finished())
        SimControl::request_exit(failed == none ? 0 : static_cast<int>(failed), name());
}

void TrafficGen::trace(sc_core::sc_trace_file* tf) const {
    sc_core::sc_trace(tf, irq_out, std::string(basename()) + ".irq");
}

}  // namespace vp
