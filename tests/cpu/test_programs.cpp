// Guest programs (C with picolibc's semihosting, built by CMake) run on the
// plain core over a flat RAM: console output, exit statuses, files confined
// to the semihosting root.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "flat_machine.h"
#include "rv/semihost.h"
#include "vp/console.h"
#include "vp/elf_loader.h"

namespace {

const std::string kDir = CPU_GUEST_DIR;

struct Result {
    std::string output;
    int status = -1;
    rv::HaltKind halt = rv::HaltKind::none;
    std::uint64_t instructions = 0;
};

Result run_elf(const std::string& elf, const std::string& root = {}) {
    const vp::ElfImage img = vp::load_elf(elf);
    rv_test::FlatMachine m(8u << 20);
    for (const vp::ElfSegment& s : img.segments) {
        EXPECT_TRUE(m.in_ram(s.paddr, s.memsz));
        if (!s.data.empty())
            std::memcpy(&m.ram[s.paddr - rv_test::FlatMachine::kRamBase], s.data.data(),
                        s.data.size());
    }
    vp::Console console;
    console.set_echo(nullptr);
    rv::Semihost sh(root, console);
    Result r;
    sh.set_exit_handler([&](int status) {
        r.status = status;
        m.core.request_stop();
    });
    m.core.set_semihost(&sh);
    m.core.reset(img.entry);
    for (int i = 0; i < 100000 && m.core.run(100000) != rv::StopReason::halted; ++i) {
    }
    r.output = console.transcript();
    r.halt = m.core.halt_kind();
    r.instructions = m.core.stats().instructions;
    return r;
}

}  // namespace

TEST(GuestPrograms, HelloPrintsAndExitsZero) {
    const Result r = run_elf(kDir + "/hello.elf");
    EXPECT_EQ(r.halt, rv::HaltKind::stop_requested);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output, "hello from rv32imc: 42 semihosting\nto stderr\nx\n");
}

TEST(GuestPrograms, ExitStatusReachesTheHost) {
    const Result r = run_elf(kDir + "/hello_exit5.elf");
    EXPECT_EQ(r.status, 5);
}

TEST(GuestPrograms, BenchmarkRunsToCompletion) {
    const Result r = run_elf(kDir + "/bench_small.elf");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output,
              "bench: matmul ok\nbench: crc32  ok\nbench: sort   ok\nbench: fsm    ok\n"
              "PASS bench\n");
    EXPECT_GT(r.instructions, 100000u);
}

TEST(GuestPrograms, FilesConfinedToTheRoot) {
    char tmpl[] = "/tmp/vp_guest_XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    const std::string root = dir + "/root";
    ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
    ASSERT_EQ(::symlink("/etc", (root + "/link_out").c_str()), 0);
    const Result r = run_elf(kDir + "/files.elf", root);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output.find("FAIL"), std::string::npos) << r.output;
    struct stat st;
    EXPECT_NE(::stat((dir + "/escape.txt").c_str(), &st), 0);
    std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(GuestPrograms, NoRootMeansFileCallsFail) {
    const Result r = run_elf(kDir + "/files.elf");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("FAIL create out.txt"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("ok refuse system"), std::string::npos) << r.output;
}
