// Include once in each program's main file (vp_run, the SystemC test main).
// LeakSanitizer's exit-time scan of SystemC's coroutine stacks crashes
// ("Tracer caught signal 11") in about half the runs; scanning stacks is not
// needed to find leaks of our heap objects, so it is turned off.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __lsan_default_options() {
    return "use_stacks=0";
}
#endif
