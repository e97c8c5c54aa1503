// Base of every SystemC test bench. SystemC allows one elaboration per
// process, so a second bench in one process is a test-harness error: ctest
// runs each TEST in its own process (gtest_discover_tests); by hand, run one
// test with --gtest_filter.
#pragma once

#include <systemc>

namespace vp_test {

class ScBench {
  public:
    ScBench();
    ScBench(const ScBench&) = delete;
    ScBench& operator=(const ScBench&) = delete;
    virtual ~ScBench() = default;
};

}  // namespace vp_test
