// Unit tests of vp::load_elf: a real RV32 executable built by CMake, an RV64
// one, an object file, and damaged copies written by the test.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vp/elf_loader.h"

namespace {

const std::string kDir = CPU_GUEST_DIR;

std::vector<char> slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

struct LoaderTest : ::testing::Test {
    std::string tmp;
    void SetUp() override {
        char tmpl[] = "/tmp/vp_elf_XXXXXX";
        tmp = ::mkdtemp(tmpl);
    }
    void TearDown() override { std::system(("rm -rf '" + tmp + "'").c_str()); }
    std::string write(const std::string& name, const std::vector<char>& bytes) {
        const std::string p = tmp + "/" + name;
        std::ofstream(p, std::ios::binary)
            .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return p;
    }
    // The error's text, or "" when it loads.
    static std::string error_of(const std::string& path) {
        try {
            vp::load_elf(path);
        } catch (const vp::ElfError& e) {
            return e.what();
        }
        return {};
    }
};

}  // namespace

TEST_F(LoaderTest, LoadsTheTinyExecutable) {
    const vp::ElfImage img = vp::load_elf(kDir + "/tiny.elf");
    EXPECT_EQ(img.entry, 0x80000000u);
    ASSERT_EQ(img.segments.size(), 1u);
    const vp::ElfSegment& s = img.segments[0];
    EXPECT_EQ(s.paddr, 0x80000000u);
    EXPECT_GT(s.memsz, s.data.size());  // .bss is zero-filled by the SoC
    ASSERT_TRUE(img.symbol("_start"));
    EXPECT_EQ(*img.symbol("_start"), img.entry);
    ASSERT_TRUE(img.symbol("magic"));
    ASSERT_TRUE(img.symbol("counter"));
    ASSERT_TRUE(img.symbol("helper"));
    EXPECT_FALSE(img.symbol("no_such_symbol"));
    const std::uint32_t magic = *img.symbol("magic") - s.paddr;
    ASSERT_LE(magic + 4, s.data.size());
    EXPECT_EQ(static_cast<std::uint8_t>(s.data[magic]), 0x78);
    EXPECT_EQ(static_cast<std::uint8_t>(s.data[magic + 3]), 0x12);
    EXPECT_GE(*img.symbol("counter") + 256, s.paddr + s.data.size());
    EXPECT_LE(*img.symbol("counter") + 256, s.paddr + s.memsz);
}

TEST_F(LoaderTest, LoadsAPicolibcProgram) {
    const vp::ElfImage img = vp::load_elf(kDir + "/hello.elf");
    EXPECT_EQ(img.entry & 0xff000000u, 0x80000000u);
    EXPECT_GE(img.segments.size(), 1u);
    EXPECT_TRUE(img.symbol("main"));
}

TEST_F(LoaderTest, ClearErrors) {
    EXPECT_EQ(error_of(tmp + "/missing.elf"),
              tmp + "/missing.elf: cannot open: No such file or directory");
    EXPECT_NE(error_of(tmp).find("cannot open"), std::string::npos);
    EXPECT_EQ(error_of(write("empty.elf", {})), tmp + "/empty.elf: not an ELF file");
    EXPECT_EQ(error_of(write("text.elf", {'h', 'e', 'l', 'l', 'o', '\n'})),
              tmp + "/text.elf: not an ELF file");
    EXPECT_EQ(error_of(kDir + "/tiny64.elf"),
              kDir + "/tiny64.elf: ELFCLASS64: vp_run runs RV32 ELFs");
    EXPECT_NE(error_of(kDir + "/tiny.o").find("not an executable"), std::string::npos);
}

TEST_F(LoaderTest, DamagedHeaders) {
    const std::vector<char> good = slurp(kDir + "/tiny.elf");
    ASSERT_GT(good.size(), 0x1000u);

    auto machine = good;
    machine[18] = 0x3e;  // EM_X86_64
    machine[19] = 0;
    EXPECT_NE(error_of(write("x86.elf", machine)).find("not a RISC-V ELF (e_machine 62)"),
              std::string::npos);

    auto big = good;
    big[5] = 2;  // ELFDATA2MSB
    EXPECT_NE(error_of(write("be.elf", big)).find("big-endian"), std::string::npos);

    auto cls = good;
    cls[4] = 7;
    EXPECT_NE(error_of(write("cls.elf", cls)).find("corrupt ELF header"), std::string::npos);

    EXPECT_NE(error_of(write("short.elf", std::vector<char>(good.begin(), good.begin() + 10)))
                  .find("truncated ELF header"),
              std::string::npos);
    EXPECT_NE(error_of(write("hdr.elf", std::vector<char>(good.begin(), good.begin() + 60)))
                  .find("truncated"),
              std::string::npos);
    // Program headers intact, segment bytes cut off.
    EXPECT_NE(error_of(write("seg.elf", std::vector<char>(good.begin(), good.begin() + 0x1008)))
                  .find("truncated: segment"),
              std::string::npos);
}

TEST_F(LoaderTest, OddEntryPointIsRefused) {
    const std::vector<char> good = slurp(kDir + "/tiny.elf");
    ASSERT_EQ(vp::load_elf(kDir + "/tiny.elf").entry % 2, 0u);
    auto odd = good;
    std::uint32_t entry = 0;
    std::memcpy(&entry, &odd[24], 4);  // e_entry
    entry |= 1u;
    std::memcpy(&odd[24], &entry, 4);
    const std::string p = write("odd.elf", odd);
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", entry);
    EXPECT_EQ(error_of(p), p + ": entry point " + buf + " is odd (not 2-byte aligned)");
}

TEST_F(LoaderTest, CorruptSegment) {
    std::vector<char> bad = slurp(kDir + "/tiny.elf");
    // Find the PT_LOAD header and make filesz > memsz.
    const std::uint32_t phoff = *reinterpret_cast<const std::uint32_t*>(&bad[28]);
    const std::uint16_t phnum = *reinterpret_cast<const std::uint16_t*>(&bad[44]);
    bool patched = false;
    for (std::uint16_t i = 0; i < phnum; ++i) {
        char* ph = &bad[phoff + 32u * i];
        if (*reinterpret_cast<std::uint32_t*>(ph) == 1) {  // PT_LOAD
            *reinterpret_cast<std::uint32_t*>(ph + 16) =
                *reinterpret_cast<std::uint32_t*>(ph + 20) + 1;
            patched = true;
        }
    }
    ASSERT_TRUE(patched);
    const std::string e = error_of(write("fz.elf", bad));
    EXPECT_TRUE(e.find("corrupt segment") != std::string::npos ||
                e.find("truncated: segment") != std::string::npos)
        << e;
}
