// See load.h.
#include "workloads/load.h"

#include "workloads/onnx_import.h"
#include "workloads/scalesim_import.h"
#include "workloads/zoo.h"

namespace wl {

namespace {
bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace

WorkloadKind workload_kind(const std::string& spec) {
    if (ends_with(spec, ".onnx")) return WorkloadKind::onnx;
    if (ends_with(spec, ".csv")) return WorkloadKind::scalesim;
    return WorkloadKind::zoo;
}

Graph load_workload(const std::string& spec, std::uint64_t seed) {
    switch (workload_kind(spec)) {
        case WorkloadKind::onnx:  // real weights; calibration has its own fixed seed
            return import_onnx(spec);
        case WorkloadKind::scalesim:
            return import_scalesim_csv(spec, seed);
        case WorkloadKind::zoo:
            break;
    }
    return zoo::build(spec, seed);
}

}  // namespace wl
