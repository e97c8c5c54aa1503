// Test-side helpers for the platform model tests: an initiator the test body
// drives directly (b_transport from sc_main's context: the targets under test
// never wait()), a DMI-capable dummy target, and the SoC-like bench with every
// peripheral on a router at its memory-map address.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "npu_abi/memory_map.h"
#include "sc_bench.h"
#include "vp/clint.h"
#include "vp/memory.h"
#include "vp/plic.h"
#include "vp/router.h"
#include "vp/syscon.h"
#include "vp/tlm_ext.h"
#include "vp/uart.h"

namespace vp_test {

struct Access {
    tlm::tlm_response_status status;
    sc_core::sc_time delay;
    bool ok() const { return status == tlm::TLM_OK_RESPONSE; }
};

class TestInitiator : public sc_core::sc_module {
  public:
    tlm_utils::simple_initiator_socket<TestInitiator> bus_out;
    vp::InitiatorTag::Id who;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> invalidations;

    TestInitiator(sc_core::sc_module_name name, vp::InitiatorTag::Id id)
        : sc_module(name), bus_out("bus_out"), who(id) {
        bus_out.register_invalidate_direct_mem_ptr(this, &TestInitiator::invalidate);
    }

    Access transport(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len,
                     sc_core::sc_time delay = sc_core::SC_ZERO_TIME, unsigned char* be = nullptr,
                     unsigned be_len = 0, unsigned streaming = 0) {
        tlm::tlm_generic_payload gp;
        vp::InitiatorTag tag(who);
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(static_cast<unsigned char*>(data));
        gp.set_data_length(len);
        gp.set_streaming_width(streaming ? streaming : len);
        gp.set_byte_enable_ptr(be);
        gp.set_byte_enable_length(be_len);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        gp.set_extension(&tag);
        bus_out->b_transport(gp, delay);
        gp.clear_extension(&tag);
        EXPECT_EQ(gp.get_address(), addr) << "the address must come back unchanged";
        return {gp.get_response_status(), delay};
    }
    Access write(std::uint64_t addr, std::uint64_t value, unsigned len,
                 sc_core::sc_time delay = sc_core::SC_ZERO_TIME) {
        return transport(tlm::TLM_WRITE_COMMAND, addr, &value, len, delay);
    }
    Access read(std::uint64_t addr, std::uint64_t& value, unsigned len,
                sc_core::sc_time delay = sc_core::SC_ZERO_TIME) {
        value = 0;
        return transport(tlm::TLM_READ_COMMAND, addr, &value, len, delay);
    }
    // Reads a register that must answer OK.
    std::uint64_t peek(std::uint64_t addr, unsigned len = 4) {
        std::uint64_t v = 0;
        const Access a = read(addr, v, len);
        EXPECT_TRUE(a.ok()) << std::hex << "read of 0x" << addr;
        return v;
    }
    void poke(std::uint64_t addr, std::uint64_t value, unsigned len = 4) {
        const Access a = write(addr, value, len);
        EXPECT_TRUE(a.ok()) << std::hex << "write of 0x" << addr;
    }
    bool dmi(std::uint64_t addr, tlm::tlm_dmi& out) {
        tlm::tlm_generic_payload gp;
        gp.set_command(tlm::TLM_READ_COMMAND);
        gp.set_address(addr);
        out.init();
        const bool granted = bus_out->get_direct_mem_ptr(gp, out);
        EXPECT_EQ(gp.get_address(), addr);
        return granted;
    }
    unsigned debug(tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len) {
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(static_cast<unsigned char*>(data));
        gp.set_data_length(len);
        return bus_out->transport_dbg(gp);
    }

  private:
    void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) {
        invalidations.emplace_back(start, end);
    }
};

// A target that grants DMI over its local [0, size) and can revoke a range.
class DmiTarget : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<DmiTarget> bus_in;
    std::vector<unsigned char> mem;

    DmiTarget(sc_core::sc_module_name name, std::size_t size)
        : sc_module(name), bus_in("bus_in"), mem(size) {
        bus_in.register_b_transport(this, &DmiTarget::b_transport);
        bus_in.register_get_direct_mem_ptr(this, &DmiTarget::get_dmi);
    }
    void revoke(std::uint64_t start, std::uint64_t end) {
        bus_in->invalidate_direct_mem_ptr(start, end);
    }

  private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    bool get_dmi(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
        dmi.set_dmi_ptr(mem.data());
        dmi.set_start_address(0);
        dmi.set_end_address(mem.size() - 1);
        dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
        return true;
    }
};

inline sc_core::sc_time cycles(std::uint64_t n, double ns_per_cycle = 1.0) {
    return sc_core::sc_time(ns_per_cycle * static_cast<double>(n), sc_core::SC_NS);
}

// The SoC's peripherals on a router at their memory-map addresses, at 1 GHz:
// DRAM 16 B/cycle + 100 cycles (the DESIGN defaults), SRAM 1 cycle, unlimited.
struct SocBench : ScBench {
    sc_core::sc_time cycle{1, sc_core::SC_NS};
    TestInitiator cpu{"cpu", vp::InitiatorTag::cpu};
    TestInitiator dma{"dma", vp::InitiatorTag::npu_dma};
    vp::Router bus{"bus"};
    vp::Memory dram{"dram", 1u << 20, vp::MemoryTiming{100, 16.0, true}, cycle};
    vp::Memory sram{"sram", 64u << 10, vp::MemoryTiming{1, 0.0, true}, cycle};
    vp::Plic plic{"plic"};
    vp::Clint clint{"clint", cycle};
    vp::Uart uart{"uart", cycle};
    vp::Syscon syscon{"syscon"};
    sc_core::sc_signal<bool> meip{"meip"}, mtip{"mtip"}, msip{"msip"}, uart_irq{"uart_irq"};
    sc_core::sc_signal<bool> line5{"line5"}, line13{"line13"};

    SocBench() {
        cpu.bus_out.bind(bus.bus_in);
        dma.bus_out.bind(bus.bus_in);
        bus.attach(syscon.bus_in, VP_SYSCON_BASE, VP_SYSCON_SIZE, "syscon");
        bus.attach(clint.bus_in, VP_CLINT_BASE, VP_CLINT_SIZE, "clint");
        bus.attach(sram.bus_in, VP_SRAM_BASE, sram.size(), "sram");
        bus.attach(plic.bus_in, VP_PLIC_BASE, VP_PLIC_SIZE, "plic");
        bus.attach(uart.bus_in, VP_UART_BASE, VP_UART_SIZE, "uart");
        bus.attach(dram.bus_in, VP_DRAM_BASE, dram.size(), "dram");
        plic.irq_out(meip);
        clint.timer_irq_out(mtip);
        clint.soft_irq_out(msip);
        uart.irq_out(uart_irq);
        plic.irq_in[VP_IRQ_UART](uart_irq);
        plic.irq_in[5](line5);
        plic.irq_in[VP_IRQ_TGEN](line13);
        // Other sources stay unbound on purpose.
    }
};

}  // namespace vp_test
