// OutputFile: outputs reach their path only when the run ends (output_file.h).
#include "vp/output_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "vp/config.h"

namespace vp {

OutputFile::OutputFile(std::string option, std::string target, const std::string& suffix)
    : m_option(std::move(option)), m_target(std::move(target)), m_suffix_len(suffix.size()) {
    namespace fs = std::filesystem;
    const fs::path t(m_target);
    const std::string base = t.filename().string();
    std::string dir = t.parent_path().string();
    if (dir.empty()) dir = ".";
    if (!make_temp(dir + "/." + base + ".XXXXXX" + suffix) &&
        !make_temp((fs::temp_directory_path() / ("vp_run_out.XXXXXX" + suffix)).string()))
        throw ConfigError(m_option + " '" + m_target + "': cannot create a temporary file");
}

OutputFile::~OutputFile() {
    if (!m_temp.empty()) std::remove(m_temp.c_str());
}

void OutputFile::commit() {
    struct stat st {};
    const bool absent = ::lstat(m_target.c_str(), &st) != 0;
    if ((absent || S_ISREG(st.st_mode)) && same_dir() &&
        std::rename(m_temp.c_str(), m_target.c_str()) == 0) {
        m_temp.clear();
        return;
    }
    std::ifstream in(m_temp, std::ios::binary);
    std::ofstream out(m_target, std::ios::binary | std::ios::trunc);
    if (!in || !out || !(out << in.rdbuf()) || !out.flush())
        throw std::runtime_error(m_option + " '" + m_target + "': cannot write");
}

bool OutputFile::make_temp(std::string pattern) {
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    const int fd = ::mkstemps(buf.data(), static_cast<int>(m_suffix_len));
    if (fd < 0) return false;
    // mkstemps makes the file 0600; the output gets the permissions a new
    // file of this process would (as --report's).
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    ::close(fd);
    m_temp = buf.data();
    return true;
}

bool OutputFile::same_dir() const {
    namespace fs = std::filesystem;
    std::error_code e1, e2;
    const fs::path a = fs::absolute(m_temp, e1).parent_path();
    const fs::path b = fs::absolute(m_target, e2).parent_path();
    return !e1 && !e2 && a == b;
}

}  // namespace vp
