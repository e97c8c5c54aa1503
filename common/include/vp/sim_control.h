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

// vp_run's exit status for a guest that ends the run with `code` (syscon
// finisher FAIL code, semihosting exit status, failed bus-demo checks):
// 1..255 except 2, 3 and 4 pass through; anything else (0 from a FAIL, 2, 3,
// 4, negative, above 255) becomes 1, so a failing guest never exits 0 and
// never looks like one of vp_run's own statuses. A passing guest uses
// request_exit(0).
int guest_failure_status(long long code);

class SimControl {
  public:
    // status 0: the guest passed; any other value is a guest failure code,
    // mapped by guest_failure_status.
    static void request_exit(long long status, const std::string& who);
    // The guest reports failure with `code` (which may be 0).
    static void guest_fail(long long code, const std::string& who);
    static void fail(const std::string& message);

    static bool finished();
    static bool failed();
    static int exit_status();             // mapped guest status, or kExitSimError when failed
    static const std::string& message();  // the failure line, or who ended the run
    static void reset();                  // only for tests that reuse a process
};

}  // namespace vp
