// vp_run --compare-control: the same network under irq control, call control
// waiting by interrupt, and call control polling, side by side (total cycles,
// NPU busy and idle cycles, CPU busy and sleep cycles, interrupts, launches,
// control bytes on the bus, weight bytes residency saved).
#pragma once

#include "vp/config.h"

namespace vp {

// Runs the three modes as child processes of this executable (SystemC
// elaborates once per process), prints the comparison on stdout, writes it
// to --report if given. Returns vp_run's exit status.
int run_compare_control(int argc, const char* const argv[], const Config& config);

}  // namespace vp
