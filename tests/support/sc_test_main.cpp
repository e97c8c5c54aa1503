// sc_main for SystemC model tests: runs GoogleTest; SystemC warnings and
// errors become test failures.
#include <stdlib.h>
#include <cstdlib>
#include <iostream>

#include <gtest/gtest.h>
#include <systemc>

#include "sc_bench.h"
#include "vp/lsan_options.h"
#include "vp/sim_control.h"

namespace vp_test {

namespace {
int g_benches = 0;

void failing_report_handler(const sc_core::sc_report& rep, const sc_core::sc_actions& actions) {
    if (rep.get_severity() >= sc_core::SC_WARNING) {
        ADD_FAILURE() << "SystemC "
                      << (rep.get_severity() == sc_core::SC_WARNING ? "warning" : "error") << " "
                      << rep.get_msg_type() << ": " << rep.get_msg();
        if (rep.get_severity() >= sc_core::SC_ERROR) vp::SimControl::fail(rep.get_msg());
    } else if (actions & sc_core::SC_DISPLAY) {
        std::cerr << rep.get_msg_type() << ": " << rep.get_msg() << '\n';
    }
}
}  // namespace

ScBench::ScBench() {
    if (++g_benches > 1) {
        std::cerr << "error: a second SystemC bench in one process; run each test in its own "
                     "process (ctest, or --gtest_filter=Suite.Test)\n";
        std::abort();
    }
}

}  // namespace vp_test

// Silence the kernel's banner (it would otherwise precede every test's output
// and break gtest_discover_tests' parsing); then the kernel calls sc_main.
int main(int argc, char* argv[]) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char* argv[]) {
    ::testing::InitGoogleTest(&argc, argv);
    sc_core::sc_report_handler::set_handler(vp_test::failing_report_handler);
    sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_DISPLAY);
    sc_core::sc_report_handler::set_actions(sc_core::SC_FATAL, sc_core::SC_DISPLAY);
    return RUN_ALL_TESTS();
}
