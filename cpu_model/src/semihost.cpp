#include "rv/semihost.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <vector>

#include "vp/console.h"

namespace rv {

using namespace semihost;

namespace {

constexpr std::uint32_t kFail = 0xffffffffu;
// QEMU's magic file: "SHFB" then one byte of feature bits.
constexpr std::uint8_t kFeatures[5] = {'S', 'H', 'F', 'B', 0x03};  // EXIT_EXTENDED | STDOUT_STDERR
constexpr std::uint32_t kMaxTransfer = 64u << 20;                  // refuse absurd lengths

std::string canonical(const std::string& path) {
    char buf[PATH_MAX];
    if (::realpath(path.c_str(), buf) == nullptr) return {};
    return buf;
}

bool inside(const std::string& path, const std::string& root) {
    return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                            path[root.size()] == '/');
}

}  // namespace

Semihost::Semihost(const std::string& root) : Semihost(root, vp::console()) {}

Semihost::Semihost(const std::string& root, vp::Console& console) : m_console(console) {
    if (!root.empty()) {
        m_root = canonical(root);
        if (m_root.empty()) m_root = "/nonexistent-semihost-root";  // every open fails
    }
}

Semihost::~Semihost() {
    for (auto& [id, h] : m_handles) {
        (void)id;
        if (h.fd >= 0) ::close(h.fd);
    }
}

void Semihost::set_heapinfo(std::uint32_t heap_base, std::uint32_t heap_limit,
                            std::uint32_t stack_base, std::uint32_t stack_limit) {
    m_heapinfo[0] = heap_base;
    m_heapinfo[1] = heap_limit;
    m_heapinfo[2] = stack_base;
    m_heapinfo[3] = stack_limit;
}

std::uint32_t Semihost::fail(int err) {
    m_errno = err;
    return kFail;
}

bool Semihost::read_block(GuestMemory& mem, std::uint32_t addr, std::uint32_t* words, unsigned n) {
    return mem.read(addr, words, 4u * n);
}

bool Semihost::read_string(GuestMemory& mem, std::uint32_t addr, std::uint32_t len,
                           std::string& out) {
    if (len > PATH_MAX) return false;
    out.assign(len, '\0');
    return len == 0 || mem.read(addr, out.data(), len);
}

Semihost::Handle* Semihost::handle(std::uint32_t h) {
    auto it = m_handles.find(h);
    return it == m_handles.end() ? nullptr : &it->second;
}

std::string Semihost::resolve(const std::string& name, bool must_exist, int& err) const {
    err = EACCES;
    if (m_root.empty() || name.empty() || name.front() == '/' ||
        name.find('\0') != std::string::npos)
        return {};
    // No ".." component anywhere (even one that would stay inside).
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t slash = name.find('/', start);
        if (slash == std::string::npos) slash = name.size();
        if (name.compare(start, slash - start, "..") == 0 && slash - start == 2) return {};
        start = slash + 1;
    }
    const std::string full = m_root + "/" + name;
    std::string real = canonical(full);
    if (real.empty()) {
        if (errno != ENOENT || must_exist) {
            struct stat st;
            const bool dangling = errno == ENOENT && ::lstat(full.c_str(), &st) == 0;
            err = errno == ENOENT && !dangling ? ENOENT : EACCES;
            return {};
        }
        // A new file: its directory must resolve inside the root, and the name
        // itself must not be a (dangling) symlink.
        const std::size_t cut = full.find_last_of('/');
        const std::string base = full.substr(cut + 1);
        if (base.empty() || base == "." || base == "..") return {};
        const std::string dir = canonical(full.substr(0, cut));
        if (dir.empty()) {
            err = ENOENT;
            return {};
        }
        real = dir + "/" + base;
        struct stat st;
        if (::lstat(real.c_str(), &st) == 0) return {};
    }
    if (!inside(real, m_root)) return {};
    err = 0;
    return real;
}

std::uint32_t Semihost::do_open(GuestMemory& mem, std::uint32_t param) {
    std::uint32_t b[3];
    std::string name;
    if (!read_block(mem, param, b, 3) || !read_string(mem, b[0], b[2], name)) return fail(EFAULT);
    const std::uint32_t mode = b[1];
    if (mode > 11) return fail(EINVAL);
    if (m_handles.size() >= semihost::kMaxOpenHandles) return fail(EMFILE);
    Handle h{};
    if (name == ":tt") {
        h.kind = mode < 4   ? Handle::Kind::console_in
                 : mode < 8 ? Handle::Kind::console_out
                            : Handle::Kind::console_err;
    } else if (name == ":semihosting-features") {
        if (mode >= 2) return fail(EACCES);
        h.kind = Handle::Kind::features;
    } else {
        int err = 0;
        const std::string path = resolve(name, mode < 4, err);
        if (path.empty()) return fail(err);
        static const int flags[6] = {O_RDONLY,
                                     O_RDWR,
                                     O_WRONLY | O_CREAT | O_TRUNC,
                                     O_RDWR | O_CREAT | O_TRUNC,
                                     O_WRONLY | O_CREAT | O_APPEND,
                                     O_RDWR | O_CREAT | O_APPEND};
        const int fd = ::open(path.c_str(), flags[mode / 2] | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0) return fail(errno);
        h.kind = Handle::Kind::file;
        h.fd = fd;
    }
    const std::uint32_t id = m_next_handle++;
    m_handles.emplace(id, h);
    return id;
}

std::uint32_t Semihost::do_write(GuestMemory& mem, std::uint32_t param) {
    std::uint32_t b[3];
    if (!read_block(mem, param, b, 3)) return fail(EFAULT);
    Handle* h = handle(b[0]);
    const std::uint32_t len = b[2];
    if (h == nullptr) return fail(EBADF), len;
    if (len > kMaxTransfer) return fail(EINVAL), len;
    std::vector<char> buf(len);
    if (len && !mem.read(b[1], buf.data(), len)) return fail(EFAULT), len;
    switch (h->kind) {
        case Handle::Kind::console_out:
        case Handle::Kind::console_err:
            m_console.write(buf.data(), len);
            return 0;
        case Handle::Kind::file: {
            const ssize_t n = ::write(h->fd, buf.data(), len);
            if (n < 0) return fail(errno), len;
            return len - static_cast<std::uint32_t>(n);
        }
        default:
            return fail(EBADF), len;
    }
}

std::uint32_t Semihost::do_read(GuestMemory& mem, std::uint32_t param) {
    std::uint32_t b[3];
    if (!read_block(mem, param, b, 3)) return fail(EFAULT);
    Handle* h = handle(b[0]);
    const std::uint32_t len = b[2];
    if (h == nullptr) return fail(EBADF);
    if (len > kMaxTransfer) return fail(EINVAL);
    std::vector<char> buf(len);
    std::uint32_t n = 0;
    switch (h->kind) {
        case Handle::Kind::console_in:
            n = 0;
            break;  // no guest input: end of file
        case Handle::Kind::features:
            while (n < len && h->pos < sizeof kFeatures)
                buf[n++] = static_cast<char>(kFeatures[h->pos++]);
            break;
        case Handle::Kind::file: {
            const ssize_t r = ::read(h->fd, buf.data(), len);
            if (r < 0) return fail(errno);
            n = static_cast<std::uint32_t>(r);
            break;
        }
        default:
            return fail(EBADF);
    }
    if (n && !mem.write(b[1], buf.data(), n)) return fail(EFAULT);
    return len - n;
}

void Semihost::exit(int status) {
    m_exited = true;
    m_exit_status = status;
    m_console.flush();
    if (m_on_exit) m_on_exit(status);
}

std::uint32_t Semihost::semihost_call(std::uint32_t op, std::uint32_t param, GuestMemory& mem) {
    const std::uint64_t now_ns = m_now_ns ? m_now_ns() : 0;
    switch (op) {
        case SYS_OPEN:
            return do_open(mem, param);
        case SYS_CLOSE: {
            std::uint32_t id = 0;
            if (!read_block(mem, param, &id, 1)) return fail(EFAULT);
            auto it = m_handles.find(id);
            if (it == m_handles.end()) return fail(EBADF);
            int rc = 0;
            if (it->second.fd >= 0) rc = ::close(it->second.fd);
            m_handles.erase(it);
            return rc == 0 ? 0 : fail(errno);
        }
        case SYS_WRITEC: {
            char ch = 0;
            if (!mem.read(param, &ch, 1)) return fail(EFAULT);
            m_console.put(ch);
            return 0;
        }
        case SYS_WRITE0: {
            for (std::uint32_t a = param, n = 0; n < kMaxTransfer; ++a, ++n) {
                char ch = 0;
                if (!mem.read(a, &ch, 1)) return fail(EFAULT);
                if (ch == '\0') break;
                m_console.put(ch);
            }
            return 0;
        }
        case SYS_WRITE:
            return do_write(mem, param);
        case SYS_READ:
            return do_read(mem, param);
        case SYS_READC:
            return fail(EIO);  // no guest input
        case SYS_ISERROR: {
            std::uint32_t v = 0;
            if (!read_block(mem, param, &v, 1)) return fail(EFAULT);
            return static_cast<std::int32_t>(v) < 0 ? 1 : 0;
        }
        case SYS_ISTTY: {
            std::uint32_t id = 0;
            if (!read_block(mem, param, &id, 1)) return fail(EFAULT);
            Handle* h = handle(id);
            if (h == nullptr) return fail(EBADF);
            if (h->kind == Handle::Kind::file || h->kind == Handle::Kind::features) {
                m_errno = ENOTTY;
                return 0;
            }
            return 1;
        }
        case SYS_SEEK: {
            std::uint32_t b[2];
            if (!read_block(mem, param, b, 2)) return fail(EFAULT);
            Handle* h = handle(b[0]);
            if (h == nullptr) return fail(EBADF);
            if (h->kind == Handle::Kind::features) {
                if (b[1] > sizeof kFeatures) return fail(EINVAL);
                h->pos = b[1];
                return 0;
            }
            if (h->kind != Handle::Kind::file) return fail(ESPIPE);
            if (::lseek(h->fd, static_cast<off_t>(b[1]), SEEK_SET) < 0) return fail(errno);
            return 0;
        }
        case SYS_FLEN: {
            std::uint32_t id = 0;
            if (!read_block(mem, param, &id, 1)) return fail(EFAULT);
            Handle* h = handle(id);
            if (h == nullptr) return fail(EBADF);
            if (h->kind == Handle::Kind::features) return sizeof kFeatures;
            if (h->kind != Handle::Kind::file) return 0;
            struct stat st;
            if (::fstat(h->fd, &st) != 0) return fail(errno);
            return static_cast<std::uint32_t>(st.st_size);
        }
        case SYS_TMPNAM:
            return fail(EACCES);
        case SYS_REMOVE: {
            std::uint32_t b[2];
            std::string name;
            if (!read_block(mem, param, b, 2) || !read_string(mem, b[0], b[1], name))
                return fail(EFAULT);
            int err = 0;
            const std::string path = resolve(name, true, err);
            if (path.empty() || path == m_root) return fail(err ? err : EACCES);
            if (::unlink(path.c_str()) != 0) return fail(errno);
            return 0;
        }
        case SYS_RENAME: {
            std::uint32_t b[4];
            std::string from, to;
            if (!read_block(mem, param, b, 4) || !read_string(mem, b[0], b[1], from) ||
                !read_string(mem, b[2], b[3], to))
                return fail(EFAULT);
            int err = 0;
            const std::string p1 = resolve(from, true, err);
            if (p1.empty() || p1 == m_root) return fail(err ? err : EACCES);
            const std::string p2 = resolve(to, false, err);
            if (p2.empty() || p2 == m_root) return fail(err ? err : EACCES);
            if (::rename(p1.c_str(), p2.c_str()) != 0) return fail(errno);
            return 0;
        }
        case SYS_CLOCK:
            return static_cast<std::uint32_t>(now_ns / 10'000'000ull);
        case SYS_TIME:
            return semihost::kTimeEpoch + static_cast<std::uint32_t>(now_ns / 1'000'000'000ull);
        case SYS_SYSTEM:
            return fail(EACCES);  // never run host commands
        case SYS_ERRNO:
            return static_cast<std::uint32_t>(m_errno);
        case SYS_GET_CMDLINE: {
            std::uint32_t b[2];
            if (!read_block(mem, param, b, 2)) return fail(EFAULT);
            const auto n = static_cast<std::uint32_t>(m_cmdline.size());
            if (n + 1 > b[1]) return fail(EINVAL);
            if (!mem.write(b[0], m_cmdline.c_str(), n + 1)) return fail(EFAULT);
            if (!mem.write(param + 4, &n, 4)) return fail(EFAULT);
            return 0;
        }
        case SYS_HEAPINFO: {
            std::uint32_t block = 0;
            if (!read_block(mem, param, &block, 1)) return fail(EFAULT);
            if (!mem.write(block, m_heapinfo, sizeof m_heapinfo)) return fail(EFAULT);
            return 0;
        }
        case SYS_EXIT:
            exit(param == kApplicationExit ? 0 : 1);
            return 0;
        case SYS_EXIT_EXTENDED: {
            std::uint32_t b[2];
            if (!read_block(mem, param, b, 2)) return fail(EFAULT);
            exit(b[0] == kApplicationExit ? static_cast<int>(b[1]) : 1);
            return 0;
        }
        case SYS_ELAPSED: {
            const std::uint64_t ticks = now_ns / (1'000'000'000ull / kTickHz);
            const std::uint32_t w[2] = {static_cast<std::uint32_t>(ticks),
                                        static_cast<std::uint32_t>(ticks >> 32)};
            if (!mem.write(param, w, sizeof w)) return fail(EFAULT);
            return 0;
        }
        case SYS_TICKFREQ:
            return static_cast<std::uint32_t>(kTickHz);
        default:
            return fail(ENOSYS);
    }
}

}  // namespace rv
