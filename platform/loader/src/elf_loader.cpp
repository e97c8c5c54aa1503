#include "vp/elf_loader.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace vp {

namespace {

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw ElfError(path + ": " + why);
}

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};
struct ElfDeleter {
    void operator()(Elf* e) const { elf_end(e); }
};

std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace

ElfImage load_elf(const std::string& path) {
    Fd f;
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st;
    if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode))
        fail(path, "cannot open: not a regular file");
    const auto file_size = static_cast<std::uint64_t>(st.st_size);

    unsigned char ident[EI_NIDENT] = {};
    const ssize_t got = ::pread(f.fd, ident, sizeof ident, 0);
    if (got < 4 || std::memcmp(ident, ELFMAG, SELFMAG) != 0) fail(path, "not an ELF file");
    if (got < EI_NIDENT) fail(path, "truncated ELF header");
    if (ident[EI_CLASS] == ELFCLASS64) fail(path, "ELFCLASS64: vp_run runs RV32 ELFs");
    if (ident[EI_CLASS] != ELFCLASS32) fail(path, "corrupt ELF header (unknown class)");
    if (ident[EI_DATA] == ELFDATA2MSB) fail(path, "big-endian ELF: RISC-V is little-endian");
    if (ident[EI_DATA] != ELFDATA2LSB) fail(path, "corrupt ELF header (unknown byte order)");

    if (elf_version(EV_CURRENT) == EV_NONE) fail(path, "libelf is unusable");
    std::unique_ptr<Elf, ElfDeleter> elf(elf_begin(f.fd, ELF_C_READ, nullptr));
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF) fail(path, "not an ELF file");
    const Elf32_Ehdr* eh = elf32_getehdr(elf.get());
    if (eh == nullptr) fail(path, std::string("corrupt ELF header: ") + elf_errmsg(-1));
    if (eh->e_machine != EM_RISCV)
        fail(path, "not a RISC-V ELF (e_machine " + std::to_string(eh->e_machine) + ")");
    if (eh->e_type != ET_EXEC)
        fail(path, eh->e_type == ET_REL ? "not an executable: a relocatable object (link it first)"
                   : eh->e_type == ET_DYN
                       ? "not an executable: a shared object or PIE"
                       : "not an executable (e_type " + std::to_string(eh->e_type) + ")");

    // RV32IMC instructions are 2-byte aligned: an odd entry can never run.
    if (eh->e_entry & 1u)
        fail(path, "entry point " + hex(eh->e_entry) + " is odd (not 2-byte aligned)");

    ElfImage image;
    image.path = path;
    image.entry = eh->e_entry;

    if (eh->e_phnum != 0 && eh->e_phentsize != sizeof(Elf32_Phdr))
        fail(path, "corrupt program headers (entry size)");
    if (std::uint64_t{eh->e_phoff} + std::uint64_t{eh->e_phnum} * sizeof(Elf32_Phdr) > file_size)
        fail(path, "truncated: program headers past the end of the file");
    size_t phnum = 0;
    if (elf_getphdrnum(elf.get(), &phnum) != 0) fail(path, "corrupt program headers");
    if (phnum == 0) fail(path, "no program headers: nothing to load");
    if (static_cast<std::uint64_t>(eh->e_phoff) + std::uint64_t{phnum} * sizeof(Elf32_Phdr) >
        file_size)
        fail(path, "truncated: program headers past the end of the file");
    const Elf32_Phdr* ph = elf32_getphdr(elf.get());
    if (ph == nullptr) fail(path, std::string("corrupt program headers: ") + elf_errmsg(-1));

    for (size_t i = 0; i < phnum; ++i) {
        const Elf32_Phdr& p = ph[i];
        if (p.p_type != PT_LOAD || p.p_memsz == 0) continue;
        if (p.p_filesz > p.p_memsz)
            fail(path, "corrupt segment " + std::to_string(i) + " (filesz > memsz)");
        if (std::uint64_t{p.p_offset} + p.p_filesz > file_size)
            fail(path, "truncated: segment " + std::to_string(i) + " at offset " + hex(p.p_offset) +
                           " runs past the end of the file");
        if (std::uint64_t{p.p_paddr} + p.p_memsz > 0x100000000ull)
            fail(path, "corrupt segment " + std::to_string(i) + " (wraps the address space)");
        ElfSegment seg;
        seg.paddr = p.p_paddr;
        seg.vaddr = p.p_vaddr;
        seg.memsz = p.p_memsz;
        seg.flags = p.p_flags;
        seg.data.resize(p.p_filesz);
        if (p.p_filesz) {
            const ssize_t n = ::pread(f.fd, seg.data.data(), p.p_filesz, p.p_offset);
            if (n != static_cast<ssize_t>(p.p_filesz))
                fail(path, "truncated: cannot read segment " + std::to_string(i));
        }
        image.segments.push_back(std::move(seg));
    }
    if (image.segments.empty()) fail(path, "no loadable segments");

    // Symbols (optional: a stripped ELF still runs).
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf.get(), scn)) != nullptr) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == nullptr) fail(path, "corrupt section headers");
        if (sh.sh_type != SHT_SYMTAB) continue;
        if (sh.sh_offset + sh.sh_size > file_size) fail(path, "truncated: symbol table");
        Elf_Data* data = elf_getdata(scn, nullptr);
        if (data == nullptr || sh.sh_entsize == 0) fail(path, "corrupt symbol table");
        const size_t count = sh.sh_size / sh.sh_entsize;
        for (size_t k = 1; k < count; ++k) {
            GElf_Sym sym;
            if (gelf_getsym(data, static_cast<int>(k), &sym) == nullptr) break;
            const char* name = elf_strptr(elf.get(), sh.sh_link, sym.st_name);
            if (name == nullptr || *name == '\0') continue;
            if (GELF_ST_TYPE(sym.st_info) == STT_SECTION || GELF_ST_TYPE(sym.st_info) == STT_FILE)
                continue;
            // Global and weak symbols win over local ones of the same name.
            const bool local = GELF_ST_BIND(sym.st_info) == STB_LOCAL;
            if (local && image.symbols.count(name)) continue;
            image.symbols[name] = static_cast<std::uint32_t>(sym.st_value);
        }
    }
    return image;
}

}  // namespace vp
