// Unit tests of rv::Semihost (host side of semihosting): console calls, the
// magic features file, files confined to the root, refused escapes, exit
// statuses, clocks. Guest memory is a flat buffer.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rv/semihost.h"
#include "vp/console.h"

using namespace rv::semihost;

namespace {

constexpr std::uint32_t kFail = 0xffffffffu;

class FlatMemory : public rv::GuestMemory {
  public:
    static constexpr std::uint32_t kBase = 0x1000;
    std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(0x10000, 0);
    bool read(std::uint32_t addr, void* data, std::size_t size) override {
        if (addr < kBase || addr - kBase + size > bytes.size()) return false;
        std::memcpy(data, &bytes[addr - kBase], size);
        return true;
    }
    bool write(std::uint32_t addr, const void* data, std::size_t size) override {
        if (addr < kBase || addr - kBase + size > bytes.size()) return false;
        std::memcpy(&bytes[addr - kBase], data, size);
        return true;
    }
    std::uint32_t put(std::uint32_t addr, const std::string& s) {
        write(addr, s.data(), s.size());
        bytes[addr - kBase + s.size()] = 0;
        return addr;
    }
    std::uint32_t block(std::uint32_t addr, std::initializer_list<std::uint32_t> words) {
        std::uint32_t a = addr;
        for (std::uint32_t w : words) {
            write(a, &w, 4);
            a += 4;
        }
        return addr;
    }
    std::uint32_t word(std::uint32_t addr) {
        std::uint32_t v = 0;
        read(addr, &v, 4);
        return v;
    }
};

std::string make_temp_dir() {
    char tmpl[] = "/tmp/vp_semihost_XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    return d ? d : "";
}

bool exists(const std::string& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0;
}

struct SemihostTest : ::testing::Test {
    vp::Console console;
    FlatMemory mem;
    std::string dir;  // holds root/ and things outside it
    std::string root;
    void SetUp() override {
        console.set_echo(nullptr);
        dir = make_temp_dir();
        ASSERT_FALSE(dir.empty());
        root = dir + "/root";
        ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
    }
    void TearDown() override { std::system(("rm -rf '" + dir + "'").c_str()); }

    std::uint32_t open(rv::Semihost& sh, const std::string& name, std::uint32_t mode) {
        mem.put(0x2000, name);
        return sh.semihost_call(
            SYS_OPEN, mem.block(0x1100, {0x2000, mode, static_cast<std::uint32_t>(name.size())}),
            mem);
    }
    std::uint32_t write(rv::Semihost& sh, std::uint32_t h, const std::string& data) {
        mem.put(0x3000, data);
        return sh.semihost_call(
            SYS_WRITE, mem.block(0x1100, {h, 0x3000, static_cast<std::uint32_t>(data.size())}),
            mem);
    }
    std::uint32_t read(rv::Semihost& sh, std::uint32_t h, std::uint32_t len, std::string& out) {
        std::memset(&mem.bytes[0x4000 - FlatMemory::kBase], 0, len + 1);
        const std::uint32_t left =
            sh.semihost_call(SYS_READ, mem.block(0x1100, {h, 0x4000, len}), mem);
        out.assign(reinterpret_cast<const char*>(&mem.bytes[0x4000 - FlatMemory::kBase]),
                   len - left);
        return left;
    }
    std::uint32_t one(rv::Semihost& sh, std::uint32_t op, std::uint32_t arg) {
        return sh.semihost_call(op, mem.block(0x1100, {arg}), mem);
    }
};

}  // namespace

TEST_F(SemihostTest, ConsoleCalls) {
    rv::Semihost sh("", console);
    mem.put(0x2000, "A");
    EXPECT_EQ(sh.semihost_call(SYS_WRITEC, 0x2000, mem), 0u);
    mem.put(0x2000, "hello\n");
    EXPECT_EQ(sh.semihost_call(SYS_WRITE0, 0x2000, mem), 0u);
    const std::uint32_t out = open(sh, ":tt", 4);
    const std::uint32_t err = open(sh, ":tt", 8);
    const std::uint32_t in = open(sh, ":tt", 0);
    ASSERT_NE(out, kFail);
    ASSERT_NE(err, kFail);
    ASSERT_NE(in, kFail);
    EXPECT_EQ(write(sh, out, "out "), 0u);
    EXPECT_EQ(write(sh, err, "err\n"), 0u);
    EXPECT_EQ(console.transcript(), "Ahello\nout err\n");
    EXPECT_EQ(one(sh, SYS_ISTTY, out), 1u);
    EXPECT_EQ(one(sh, SYS_ISTTY, in), 1u);
    std::string got;
    EXPECT_EQ(read(sh, in, 8, got), 8u);  // no input: end of file
    EXPECT_EQ(write(sh, in, "x"), 1u);    // stdin is not writable
    EXPECT_EQ(one(sh, SYS_CLOSE, out), 0u);
    EXPECT_EQ(one(sh, SYS_CLOSE, out), kFail);
    EXPECT_EQ(sh.last_errno(), EBADF);
    EXPECT_EQ(sh.semihost_call(SYS_ERRNO, 0, mem), static_cast<std::uint32_t>(EBADF));
}

TEST_F(SemihostTest, FeaturesMagicFile) {
    rv::Semihost sh("", console);
    const std::uint32_t h = open(sh, ":semihosting-features", 0);
    ASSERT_NE(h, kFail);
    EXPECT_EQ(one(sh, SYS_FLEN, h), 5u);
    EXPECT_EQ(one(sh, SYS_ISTTY, h), 0u);
    std::string got;
    EXPECT_EQ(read(sh, h, 8, got), 3u);
    EXPECT_EQ(got, std::string("SHFB\x03", 5));
    EXPECT_EQ(sh.semihost_call(SYS_SEEK, mem.block(0x1100, {h, 4}), mem), 0u);
    EXPECT_EQ(read(sh, h, 1, got), 0u);
    EXPECT_EQ(got, "\x03");
    EXPECT_EQ(open(sh, ":semihosting-features", 4), kFail);  // not writable
}

TEST_F(SemihostTest, NoRootMeansNoHostFiles) {
    rv::Semihost sh("", console);
    EXPECT_EQ(open(sh, "file.txt", 4), kFail);
    EXPECT_EQ(sh.last_errno(), EACCES);
    EXPECT_EQ(open(sh, "file.txt", 0), kFail);
    EXPECT_FALSE(exists("file.txt"));
}

TEST_F(SemihostTest, FilesInsideTheRoot) {
    rv::Semihost sh(root, console);
    ASSERT_EQ(::mkdir((root + "/sub").c_str(), 0755), 0);
    const std::uint32_t h = open(sh, "sub/data.txt", 6);  // "w+"
    ASSERT_NE(h, kFail) << sh.last_errno();
    EXPECT_EQ(write(sh, h, "0123456789"), 0u);
    EXPECT_EQ(one(sh, SYS_FLEN, h), 10u);
    EXPECT_EQ(one(sh, SYS_ISTTY, h), 0u);
    EXPECT_EQ(sh.semihost_call(SYS_SEEK, mem.block(0x1100, {h, 3}), mem), 0u);
    std::string got;
    EXPECT_EQ(read(sh, h, 4, got), 0u);
    EXPECT_EQ(got, "3456");
    EXPECT_EQ(read(sh, h, 10, got), 7u);  // 3 bytes left
    EXPECT_EQ(got, "789");
    EXPECT_EQ(one(sh, SYS_CLOSE, h), 0u);
    std::ifstream f(root + "/sub/data.txt");
    std::string content;
    std::getline(f, content);
    EXPECT_EQ(content, "0123456789");
    // rename and remove inside the root
    mem.put(0x2000, "sub/data.txt");
    mem.put(0x2100, "moved.txt");
    EXPECT_EQ(sh.semihost_call(SYS_RENAME, mem.block(0x1100, {0x2000, 12, 0x2100, 9}), mem), 0u);
    EXPECT_TRUE(exists(root + "/moved.txt"));
    EXPECT_EQ(sh.semihost_call(SYS_REMOVE, mem.block(0x1100, {0x2100, 9}), mem), 0u);
    EXPECT_FALSE(exists(root + "/moved.txt"));
    // a missing file
    EXPECT_EQ(open(sh, "missing.txt", 0), kFail);
    EXPECT_EQ(sh.last_errno(), ENOENT);
}

TEST_F(SemihostTest, SandboxEscapesAreRefused) {
    rv::Semihost sh(root, console);
    ASSERT_EQ(::mkdir((root + "/sub").c_str(), 0755), 0);
    std::ofstream(dir + "/secret.txt") << "secret";
    ASSERT_EQ(::symlink(dir.c_str(), (root + "/up").c_str()), 0);
    ASSERT_EQ(::symlink((dir + "/secret.txt").c_str(), (root + "/secret_link").c_str()), 0);
    ASSERT_EQ(::symlink((dir + "/created_by_guest").c_str(), (root + "/dangling").c_str()), 0);
    const char* names[] = {
        "../secret.txt", "sub/../../secret.txt", "sub/../secret_link", "/etc/passwd", dir.c_str(),
        "up/secret.txt", "secret_link",          "dangling",           "..",          "",
        "sub/.."};
    for (const char* name : names) {
        for (std::uint32_t mode : {0u, 2u, 4u, 8u}) {
            EXPECT_EQ(open(sh, name, mode), kFail) << name << " mode " << mode;
            EXPECT_EQ(sh.last_errno(), EACCES) << name;
        }
    }
    EXPECT_FALSE(exists(dir + "/created_by_guest"));
    // remove/rename outside: refused, the file survives
    mem.put(0x2000, "../secret.txt");
    EXPECT_EQ(sh.semihost_call(SYS_REMOVE, mem.block(0x1100, {0x2000, 13}), mem), kFail);
    mem.put(0x2000, "secret_link");
    EXPECT_EQ(sh.semihost_call(SYS_REMOVE, mem.block(0x1100, {0x2000, 11}), mem), kFail);
    EXPECT_TRUE(exists(dir + "/secret.txt"));
    std::ofstream(root + "/mine.txt") << "x";
    mem.put(0x2000, "mine.txt");
    mem.put(0x2100, "../stolen.txt");
    EXPECT_EQ(sh.semihost_call(SYS_RENAME, mem.block(0x1100, {0x2000, 8, 0x2100, 13}), mem), kFail);
    EXPECT_FALSE(exists(dir + "/stolen.txt"));
    mem.put(0x2100, "up/stolen.txt");
    EXPECT_EQ(sh.semihost_call(SYS_RENAME, mem.block(0x1100, {0x2000, 8, 0x2100, 13}), mem), kFail);
    EXPECT_FALSE(exists(dir + "/stolen.txt"));
    EXPECT_TRUE(exists(root + "/mine.txt"));
    // the root itself is not removable
    mem.put(0x2000, ".");
    EXPECT_EQ(sh.semihost_call(SYS_REMOVE, mem.block(0x1100, {0x2000, 1}), mem), kFail);
}

TEST_F(SemihostTest, SystemIsAlwaysRefused) {
    rv::Semihost sh(root, console);
    const std::string marker = dir + "/ran";
    const std::string cmd = "touch " + marker;
    mem.put(0x2000, cmd);
    EXPECT_EQ(
        sh.semihost_call(SYS_SYSTEM,
                         mem.block(0x1100, {0x2000, static_cast<std::uint32_t>(cmd.size())}), mem),
        kFail);
    EXPECT_FALSE(exists(marker));
    EXPECT_EQ(sh.semihost_call(SYS_TMPNAM, mem.block(0x1100, {0x2000, 0, 32}), mem), kFail);
}

TEST_F(SemihostTest, ExitStatuses) {
    struct Case {
        std::uint32_t op;
        std::vector<std::uint32_t> block;  // empty: the parameter is the reason itself
        std::uint32_t reason;
        int status;
    } cases[] = {
        {SYS_EXIT, {}, kApplicationExit, 0},
        {SYS_EXIT, {}, 0x20023, 1},  // RunTimeErrorUnknown
        {SYS_EXIT, {}, 0, 1},
        {SYS_EXIT_EXTENDED, {kApplicationExit, 42}, 0, 42},
        {SYS_EXIT_EXTENDED, {kApplicationExit, 0}, 0, 0},
        {SYS_EXIT_EXTENDED, {0x20023, 7}, 0, 1},
    };
    for (const Case& c : cases) {
        rv::Semihost sh("", console);
        int seen = -1;
        sh.set_exit_handler([&](int s) { seen = s; });
        std::uint32_t param = c.reason;
        if (!c.block.empty()) param = mem.block(0x1100, {c.block[0], c.block[1]});
        sh.semihost_call(c.op, param, mem);
        EXPECT_TRUE(sh.exited());
        EXPECT_EQ(sh.exit_status(), c.status);
        EXPECT_EQ(seen, c.status);
    }
}

TEST_F(SemihostTest, ClocksUseSimulatedTime) {
    rv::Semihost sh("", console);
    sh.set_clock([] { return std::uint64_t{1'500'000'000}; });  // 1.5 s
    EXPECT_EQ(sh.semihost_call(SYS_CLOCK, 0, mem), 150u);
    EXPECT_EQ(sh.semihost_call(SYS_TICKFREQ, 0, mem), 10'000'000u);
    EXPECT_EQ(sh.semihost_call(SYS_ELAPSED, 0x1200, mem), 0u);
    EXPECT_EQ(mem.word(0x1200), 15'000'000u);
    EXPECT_EQ(mem.word(0x1204), 0u);
    // SYS_TIME: seconds since the fixed epoch plus whole simulated seconds,
    // never the host's clock (runs are reproducible).
    EXPECT_EQ(sh.semihost_call(SYS_TIME, 0, mem), kTimeEpoch + 1u);
    rv::Semihost fresh("", console);  // no clock: time 0 is the epoch itself
    EXPECT_EQ(fresh.semihost_call(SYS_TIME, 0, mem), kTimeEpoch);
    EXPECT_EQ(kTimeEpoch, 946'684'800u);  // 2000-01-01 00:00:00 UTC
}

TEST_F(SemihostTest, OpenHandlesAreCapped) {
    // A guest opening files in a loop gets EMFILE at the cap instead of
    // exhausting the host's descriptors; closing one makes room again.
    rv::Semihost sh(root, console);
    std::vector<std::uint32_t> handles;
    for (std::uint32_t i = 0; i < kMaxOpenHandles; ++i) {
        const std::uint32_t h = open(sh, "f" + std::to_string(i % 3) + ".txt", 4);  // "w"
        ASSERT_NE(h, kFail) << "open " << i << ": " << sh.last_errno();
        handles.push_back(h);
    }
    EXPECT_EQ(open(sh, "one_more.txt", 4), kFail);
    EXPECT_EQ(sh.last_errno(), EMFILE);
    EXPECT_FALSE(exists(root + "/one_more.txt"));  // refused before touching the host
    EXPECT_EQ(open(sh, ":tt", 4), kFail);          // console handles count too
    EXPECT_EQ(sh.last_errno(), EMFILE);
    EXPECT_EQ(one(sh, SYS_CLOSE, handles.back()), 0u);
    EXPECT_NE(open(sh, "one_more.txt", 4), kFail);
    EXPECT_EQ(kMaxOpenHandles, 64u);
}

TEST_F(SemihostTest, CmdlineHeapinfoIserror) {
    rv::Semihost sh("", console);
    sh.set_cmdline("prog --fast");
    EXPECT_EQ(sh.semihost_call(SYS_GET_CMDLINE, mem.block(0x1100, {0x2000, 64}), mem), 0u);
    EXPECT_STREQ(reinterpret_cast<const char*>(&mem.bytes[0x2000 - FlatMemory::kBase]),
                 "prog --fast");
    EXPECT_EQ(mem.word(0x1104), 11u);
    EXPECT_EQ(sh.semihost_call(SYS_GET_CMDLINE, mem.block(0x1100, {0x2000, 5}), mem), kFail);
    sh.set_heapinfo(1, 2, 3, 4);
    mem.block(0x1180, {0x1300});
    EXPECT_EQ(sh.semihost_call(SYS_HEAPINFO, 0x1180, mem), 0u);
    EXPECT_EQ(mem.word(0x1300), 1u);
    EXPECT_EQ(mem.word(0x130c), 4u);
    EXPECT_EQ(one(sh, SYS_ISERROR, kFail), 1u);
    EXPECT_EQ(one(sh, SYS_ISERROR, 3), 0u);
    EXPECT_EQ(sh.semihost_call(0x99, 0, mem), kFail);           // unknown call
    EXPECT_EQ(sh.semihost_call(SYS_WRITE0, 0x10, mem), kFail);  // bad pointer
}
