// How a run ends. Exactly one outcome is kept: the first of
//  - the guest asks to exit (syscon finisher, semihosting exit) with a status,
//  - a model hits a fatal condition (firmware trap with no handler, NPU error
//    the firmware cannot see, --max-cycles) and fails the run with one line.
// Either stops the SystemC kernel; models' threads must check finished() in
// their loops and return. vp_run turns the outcome into its exit status.
#pragma once

#include <string>

namespace vp {

// Exit statuses of vp_run that are not the guest's own.
constexpr int kExitSimError = 3;        // the simulation failed (trap, timeout, model error)
constexpr int kExitConfigError = 2;     // bad option, file or configuration
constexpr int kExitVerifyMismatch = 4;  // --verify: the NPU's output differs from the reference

class SimControl {
  public:
    static void request_exit(int status, const std::string& who);
    static void fail(const std::string& message);

    static bool finished();
    static bool failed();
    static int exit_status();             // guest status, or kExitSimError when failed
    static const std::string& message();  // the failure line, or who ended the run
    static void reset();                  // only for tests that reuse a process
};

}  // namespace vp
