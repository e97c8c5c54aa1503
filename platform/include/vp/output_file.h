// An output file written atomically: the content goes to a temporary file
// created next to the target (mkstemps: exclusive, never an existing file)
// and reaches the target only when the run ends (commit): renamed onto it
// when the target is a regular file or absent, copied into it otherwise, so
// a symlink stays a symlink (its target gets the content, as --report would)
// and a device such as /dev/null stays a device. A run that never commits
// leaves the target untouched and removes the temporary file. Used by --vcd
// and --trace-json.
#pragma once

#include <string>

namespace vp {

class OutputFile {
  public:
    // `option` names the option in error lines ("--vcd"); `suffix` ends the
    // temporary file's name (SystemC's VCD writer appends ".vcd" itself).
    // Throws ConfigError (one line) when no temporary file can be created.
    OutputFile(std::string option, std::string target, const std::string& suffix = "");
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    const std::string& temp_path() const { return m_temp; }
    // The temporary path without `suffix`.
    std::string stem() const { return m_temp.substr(0, m_temp.size() - m_suffix_len); }
    // Call once the temporary file is complete and closed. Throws
    // std::runtime_error ("--vcd 'path': cannot write").
    void commit();

  private:
    bool make_temp(std::string pattern);
    bool same_dir() const;

    std::string m_option;
    std::string m_target;
    std::string m_temp;
    std::size_t m_suffix_len = 0;
};

}  // namespace vp
