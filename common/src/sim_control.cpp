// How a run ends: the first outcome wins (see the header).
#include "vp/sim_control.h"

#include <systemc>

namespace vp {

namespace {
struct State {
    bool finished = false;
    bool failed = false;
    int status = 0;
    std::string message;
};
State& state() {
    static State s;
    return s;
}
void stop_kernel() {
    if (sc_core::sc_get_status() & (sc_core::SC_RUNNING | sc_core::SC_PAUSED)) sc_core::sc_stop();
}
}  // namespace

int guest_failure_status(long long code) {
    if (code >= 1 && code <= 255 && code != kExitConfigError && code != kExitSimError &&
        code != kExitVerifyMismatch)
        return static_cast<int>(code);
    return 1;
}

void SimControl::request_exit(long long status, const std::string& who) {
    if (status != 0) {
        guest_fail(status, who);
        return;
    }
    State& s = state();
    if (s.finished) return;
    s.finished = true;
    s.status = 0;
    s.message = who;
    stop_kernel();
}

void SimControl::guest_fail(long long code, const std::string& who) {
    State& s = state();
    if (s.finished) return;
    s.finished = true;
    s.status = guest_failure_status(code);
    s.message = who;
    stop_kernel();
}

void SimControl::fail(const std::string& message) {
    State& s = state();
    if (s.finished) return;
    s.finished = true;
    s.failed = true;
    s.status = kExitSimError;
    s.message = message;
    stop_kernel();
}

bool SimControl::finished() {
    return state().finished;
}
bool SimControl::failed() {
    return state().failed;
}
int SimControl::exit_status() {
    return state().status;
}
const std::string& SimControl::message() {
    return state().message;
}
void SimControl::reset() {
    state() = State{};
}

}  // namespace vp
