// Runs a program as a separate process and captures its stdout, stderr and
// exit status: end-to-end tests drive vp_run this way (one elaboration per
// process). No shell is involved, so arguments need no quoting.
#pragma once

#include <string>
#include <vector>

namespace vp_test {

struct ProcessResult {
    int exit_status = -1;  // -1: did not exit normally (signal)
    int signal = 0;
    std::string out;
    std::string err;
};

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const std::string& stdin_text = {});

std::string read_text_file(const std::string& path);

}  // namespace vp_test
