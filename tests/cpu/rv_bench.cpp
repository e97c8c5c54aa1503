// rv_bench: host speed of the plain rv::Core. Loads an RV32 ELF (linked for
// DRAM at 0x80000000, e.g. picolibc's semihost layout) into a flat RAM,
// runs it with semihosting until it exits, and prints host MIPS.
//
//   rv_bench PROGRAM.elf [--ram-mb N] [--block CYCLES] [--quiet]
//
// --block is the run() budget per call (the SystemC wrapper's quantum plays
// this role on the platform; 10000 is the platform default).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "flat_machine.h"
#include "rv/semihost.h"
#include "vp/console.h"
#include "vp/elf_loader.h"

int main(int argc, char** argv) {
    std::string path;
    std::uint32_t ram_mb = 64;
    std::uint64_t block = 10000;
    bool quiet = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--ram-mb" && i + 1 < argc)
            ram_mb = static_cast<std::uint32_t>(std::atoi(argv[++i]));
        else if (a == "--block" && i + 1 < argc)
            block = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--quiet")
            quiet = true;
        else if (!a.empty() && a[0] != '-')
            path = a;
        else {
            std::cerr << "usage: rv_bench PROGRAM.elf [--ram-mb N] [--block CYCLES] [--quiet]\n";
            return 2;
        }
    }
    if (path.empty()) {
        std::cerr << "usage: rv_bench PROGRAM.elf [--ram-mb N] [--block CYCLES] [--quiet]\n";
        return 2;
    }
    vp::ElfImage image;
    try {
        image = vp::load_elf(path);
    } catch (const vp::ElfError& e) {
        std::cerr << "rv_bench: " << e.what() << '\n';
        return 2;
    }
    rv_test::FlatMachine m(ram_mb << 20);
    for (const vp::ElfSegment& s : image.segments) {
        if (!m.in_ram(s.paddr, s.memsz)) {
            std::cerr << "rv_bench: segment at 0x" << std::hex << s.paddr
                      << " is outside the flat RAM at 0x80000000\n";
            return 2;
        }
        if (!s.data.empty())
            std::memcpy(&m.ram[s.paddr - rv_test::FlatMachine::kRamBase], s.data.data(),
                        s.data.size());
    }
    if (quiet) vp::console().set_echo(nullptr);
    rv::Semihost semihost;
    int status = -1;
    semihost.set_exit_handler([&](int st) {
        status = st;
        m.core.request_stop();
    });
    semihost.set_clock([&] { return m.core.stats().cycles; });  // 1 GHz
    m.core.set_semihost(&semihost);
    m.core.reset(image.entry);

    auto cpu_seconds = [] {
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
    };
    const double c0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (;;) {
        const rv::StopReason r = m.core.run(block);
        if (r == rv::StopReason::halted) break;
        if (r == rv::StopReason::wfi && !m.core.wakeup_pending()) {
            std::cerr << "rv_bench: WFI with no interrupt source at pc=0x" << std::hex
                      << m.core.pc() << std::dec << '\n';
            break;
        }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - c0;
    vp::console().flush();
    const auto& st = m.core.stats();
    if (m.core.halt_kind() == rv::HaltKind::trap_no_handler ||
        m.core.halt_kind() == rv::HaltKind::trap_loop)
        std::cerr << "rv_bench: " << m.core.halt_message() << '\n';
    std::fprintf(stderr,
                 "rv_bench: %llu instructions, %llu cycles, %.3f s wall, %.3f s cpu, %.1f MIPS "
                 "(wall), %.1f MIPS (cpu time) (exit %d)\n",
                 static_cast<unsigned long long>(st.instructions),
                 static_cast<unsigned long long>(st.cycles), secs, cpu,
                 secs > 0 ? static_cast<double>(st.instructions) / secs / 1e6 : 0.0,
                 cpu > 0 ? static_cast<double>(st.instructions) / cpu / 1e6 : 0.0, status);
    return status < 0 ? 3 : status;
}
