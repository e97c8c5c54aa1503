// ELF32 loader for the RV32 firmware and users' bare-metal programs (libelf
// from elfutils). It reads; it does not write memory: the SoC copies each
// segment's bytes to its physical address and zero-fills up to memsz.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace vp {

// One line a user can act on, starting with the file name.
struct ElfError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ElfSegment {
    std::uint32_t paddr = 0;  // load (physical) address
    std::uint32_t vaddr = 0;
    std::uint32_t memsz = 0;         // >= data.size(); the rest is zero (.bss)
    std::uint32_t flags = 0;         // PF_X | PF_W | PF_R
    std::vector<std::uint8_t> data;  // the file bytes (filesz)
};

struct ElfImage {
    std::string path;
    std::uint32_t entry = 0;
    std::vector<ElfSegment> segments;              // PT_LOAD with memsz > 0, in file order
    std::map<std::string, std::uint32_t> symbols;  // symtab: name -> value (last wins)

    std::optional<std::uint32_t> symbol(const std::string& name) const {
        auto it = symbols.find(name);
        if (it == symbols.end()) return std::nullopt;
        return it->second;
    }
};

// Loads an ELF32 little-endian RISC-V executable (ET_EXEC). Throws ElfError
// for: cannot open, not an ELF, ELFCLASS64, big-endian, wrong machine, not an
// executable, an odd entry point, truncated or corrupt headers or segments.
ElfImage load_elf(const std::string& path);

}  // namespace vp
