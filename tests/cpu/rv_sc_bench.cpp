// rv_sc_bench: host speed of rv::Cpu (the SystemC wrapper) with DMI and the
// quantum keeper on, over a minimal DRAM target: the CPU side of a vp_run
// firmware run without the rest of the SoC.
//
//   rv_sc_bench PROGRAM.elf [--quantum CYCLES] [--dram-latency CYCLES] [--quiet]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "rv/cpu.h"
#include "vp/console.h"
#include "vp/elf_loader.h"
#include "vp/sim_control.h"
#include "vp/stats.h"

namespace {

struct Dram : sc_core::sc_module {
    tlm_utils::simple_target_socket<Dram> socket{"socket"};
    std::vector<std::uint8_t> bytes;
    sc_core::sc_time latency;
    static constexpr std::uint32_t kBase = 0x80000000u;

    Dram(sc_core::sc_module_name n, std::size_t size, sc_core::sc_time lat)
        : sc_module(n), bytes(size, 0), latency(lat) {
        socket.register_b_transport(this, &Dram::b_transport);
        socket.register_get_direct_mem_ptr(this, &Dram::get_dmi);
    }
    bool contains(sc_dt::uint64 a, unsigned n) const {
        return a >= kBase && a - kBase + n <= bytes.size();
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        const auto a = gp.get_address();
        const unsigned n = gp.get_data_length();
        if (!contains(a, n)) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (gp.is_read())
            std::memcpy(gp.get_data_ptr(), &bytes[a - kBase], n);
        else
            std::memcpy(&bytes[a - kBase], gp.get_data_ptr(), n);
        delay += latency;
        gp.set_dmi_allowed(true);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    bool get_dmi(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
        if (!contains(gp.get_address(), 1)) return false;
        dmi.set_dmi_ptr(bytes.data());
        dmi.set_start_address(kBase);
        dmi.set_end_address(kBase + bytes.size() - 1);
        dmi.allow_read_write();
        dmi.set_read_latency(latency);
        dmi.set_write_latency(latency);
        return true;
    }
};

double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
    std::string path;
    rv::CpuConfig cfg;
    unsigned latency = 0;
    bool quiet = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--quantum" && i + 1 < argc)
            cfg.quantum_cycles = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--dram-latency" && i + 1 < argc)
            latency = static_cast<unsigned>(std::atoi(argv[++i]));
        else if (a == "--quiet")
            quiet = true;
        else if (!a.empty() && a[0] != '-')
            path = a;
        else {
            std::cerr
                << "usage: rv_sc_bench PROGRAM.elf [--quantum N] [--dram-latency N] [--quiet]\n";
            return 2;
        }
    }
    if (path.empty()) {
        std::cerr << "usage: rv_sc_bench PROGRAM.elf [--quantum N] [--dram-latency N] [--quiet]\n";
        return 2;
    }
    vp::ElfImage image;
    try {
        image = vp::load_elf(path);
    } catch (const vp::ElfError& e) {
        std::cerr << "rv_sc_bench: " << e.what() << '\n';
        return 2;
    }
    const sc_core::sc_time cycle(1, sc_core::SC_NS);
    Dram dram("dram", 64u << 20, cycle * latency);
    for (const vp::ElfSegment& s : image.segments) {
        if (!dram.contains(s.paddr, s.memsz)) {
            std::cerr << "rv_sc_bench: segment outside DRAM\n";
            return 2;
        }
        if (!s.data.empty())
            std::memcpy(&dram.bytes[s.paddr - Dram::kBase], s.data.data(), s.data.size());
    }
    sc_core::sc_signal<bool> ext("ext"), tim("tim"), sw("sw");
    rv::Cpu cpu("cpu", cfg, cycle);
    cpu.bus_out.bind(dram.socket);
    cpu.irq_external_in(ext);
    cpu.irq_timer_in(tim);
    cpu.irq_software_in(sw);
    cpu.set_reset_pc(image.entry);
    if (quiet) vp::console().set_echo(nullptr);

    const double c0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu_s = cpu_seconds() - c0;
    vp::console().flush();
    const double insns = vp::stats().read("cpu.instructions");
    std::fprintf(stderr,
                 "rv_sc_bench: %.0f instructions, %.0f cycles, %.3f s wall, %.3f s cpu, %.1f MIPS "
                 "(wall), %.1f MIPS (cpu time); quantum %llu; %s (status %d)\n",
                 insns, vp::stats().read("cpu.cycles"), wall, cpu_s, insns / wall / 1e6,
                 insns / cpu_s / 1e6, static_cast<unsigned long long>(cfg.quantum_cycles),
                 vp::SimControl::message().c_str(), vp::SimControl::exit_status());
    return vp::SimControl::exit_status();
}
