// rv::Semihost: the host side of RISC-V semihosting, as QEMU and OpenOCD
// implement it (the ARM semihosting call set behind the
// "slli x0,x0,0x1f; ebreak; srai x0,x0,7" sequence). Plain C++, testable
// without a core: the guest's memory comes in as a GuestMemory.
//
// Calls: SYS_OPEN (":tt" is the console: modes 0-3 stdin, 4-7 stdout, 8-11
// stderr; ":semihosting-features" is QEMU's magic file "SHFB" + one feature
// byte with EXIT_EXTENDED and STDOUT_STDERR), SYS_CLOSE, SYS_WRITEC,
// SYS_WRITE0, SYS_WRITE, SYS_READ, SYS_READC, SYS_ISERROR, SYS_ISTTY,
// SYS_SEEK, SYS_FLEN, SYS_TMPNAM (refused), SYS_REMOVE, SYS_RENAME,
// SYS_CLOCK (centiseconds), SYS_TIME, SYS_SYSTEM (always refused),
// SYS_ERRNO, SYS_GET_CMDLINE, SYS_HEAPINFO, SYS_EXIT (RV32: the parameter is
// the reason; ApplicationExit -> 0, else 1), SYS_EXIT_EXTENDED ({reason,
// subcode} -> subcode), SYS_ELAPSED, SYS_TICKFREQ. Unknown calls return -1.
//
// Security: console output goes to vp::Console. Host files are reachable only
// below the root directory (empty root: every file open fails with EACCES).
// Names are relative; "..", absolute names and symlinks that resolve outside
// the root are refused with EACCES. Clock calls use simulated time (from a
// callback), so output does not depend on the host's speed; SYS_TIME too: it
// is kTimeEpoch plus the simulated seconds (QEMU returns the host's wall
// clock; a simulator's runs must be reproducible). At most kMaxOpenHandles
// handles (files and console) are open at once; one more SYS_OPEN fails with
// EMFILE, so a guest cannot exhaust the host's file descriptors.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "rv/core.h"

namespace vp {
class Console;
}

namespace rv {

namespace semihost {
enum Op : std::uint32_t {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITEC = 0x03,
    SYS_WRITE0 = 0x04,
    SYS_WRITE = 0x05,
    SYS_READ = 0x06,
    SYS_READC = 0x07,
    SYS_ISERROR = 0x08,
    SYS_ISTTY = 0x09,
    SYS_SEEK = 0x0A,
    SYS_FLEN = 0x0C,
    SYS_TMPNAM = 0x0D,
    SYS_REMOVE = 0x0E,
    SYS_RENAME = 0x0F,
    SYS_CLOCK = 0x10,
    SYS_TIME = 0x11,
    SYS_SYSTEM = 0x12,
    SYS_ERRNO = 0x13,
    SYS_GET_CMDLINE = 0x15,
    SYS_HEAPINFO = 0x16,
    SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20,
    SYS_ELAPSED = 0x30,
    SYS_TICKFREQ = 0x31,
};
constexpr std::uint32_t kApplicationExit = 0x20026;  // ADP_Stopped_ApplicationExit
constexpr std::uint64_t kTickHz = 10'000'000;        // SYS_ELAPSED ticks (as mtime)
constexpr std::uint32_t kTimeEpoch = 946'684'800;    // SYS_TIME at time 0: 2000-01-01 UTC
constexpr std::uint32_t kMaxOpenHandles = 64;        // open handles per guest
}  // namespace semihost

class Semihost final : public SemihostHandler {
  public:
    // root: directory the file calls are confined to ("" = console only).
    explicit Semihost(const std::string& root = {});
    Semihost(const std::string& root, vp::Console& console);
    ~Semihost() override;
    Semihost(const Semihost&) = delete;
    Semihost& operator=(const Semihost&) = delete;

    // Called on SYS_EXIT / SYS_EXIT_EXTENDED with the exit status.
    void set_exit_handler(std::function<void(int status)> handler) {
        m_on_exit = std::move(handler);
    }
    // Simulated nanoseconds since the start (SYS_CLOCK, SYS_ELAPSED). Default: 0.
    void set_clock(std::function<std::uint64_t()> now_ns) { m_now_ns = std::move(now_ns); }
    void set_cmdline(std::string cmdline) { m_cmdline = std::move(cmdline); }
    // SYS_HEAPINFO answer (zeros: "unknown", the C library uses its linker symbols).
    void set_heapinfo(std::uint32_t heap_base, std::uint32_t heap_limit, std::uint32_t stack_base,
                      std::uint32_t stack_limit);

    std::uint32_t semihost_call(std::uint32_t op, std::uint32_t param, GuestMemory& mem) override;

    bool exited() const { return m_exited; }
    int exit_status() const { return m_exit_status; }
    int last_errno() const { return m_errno; }
    const std::string& root() const { return m_root; }

    // The host path a guest name resolves to inside the root, or "" with
    // errno_out set when it is refused. Exposed for tests.
    std::string resolve(const std::string& guest_name, bool must_exist, int& errno_out) const;

  private:
    struct Handle {
        enum class Kind { console_in, console_out, console_err, features, file } kind;
        int fd = -1;
        std::uint32_t pos = 0;  // for the features file
    };

    std::uint32_t fail(int err);
    bool read_block(GuestMemory& mem, std::uint32_t addr, std::uint32_t* words, unsigned n);
    bool read_string(GuestMemory& mem, std::uint32_t addr, std::uint32_t len, std::string& out);
    std::uint32_t do_open(GuestMemory& mem, std::uint32_t param);
    std::uint32_t do_write(GuestMemory& mem, std::uint32_t param);
    std::uint32_t do_read(GuestMemory& mem, std::uint32_t param);
    Handle* handle(std::uint32_t h);
    void exit(int status);

    std::string m_root;  // canonical, or empty
    vp::Console& m_console;
    std::function<void(int)> m_on_exit;
    std::function<std::uint64_t()> m_now_ns;
    std::string m_cmdline;
    std::uint32_t m_heapinfo[4] = {0, 0, 0, 0};
    std::map<std::uint32_t, Handle> m_handles;
    std::uint32_t m_next_handle = 1;
    int m_errno = 0;
    bool m_exited = false;
    int m_exit_status = 0;
};

}  // namespace rv
