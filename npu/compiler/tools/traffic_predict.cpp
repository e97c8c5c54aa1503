// traffic_predict: the best schedule for one conv layer and its predicted DRAM
// bytes per tensor (docs/dataflow-model.md; the search: npu/compiler/README.md).
//
//   traffic_predict --C 128 --M 128 --H 28 --R 3 --stride 1 --pad 1 --kb 64
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <stdexcept>
#include <string>

#include "npu_compiler/search.h"

namespace {

const char* kUsage =
    "usage: traffic_predict --C N --M N --H N [--W N] --R N [--stride N] [--pad N] [--bias]\n"
    "         [--kb N | --ifmap-kb N --weight-kb N --ofmap-kb N] [--policy tile|delta]\n"
    "         [--double-buffer] [--no-levels] [--split-filter] [--exhaustive]\n";

int64_t to_int(const std::string& key, const std::string& v) {
    char* end = nullptr;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 0) throw std::invalid_argument("bad value for --" + key);
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace npu::compiler;
    try {
        std::map<std::string, std::string> kv;
        std::map<std::string, bool> flags{{"bias", false},       {"double-buffer", false},
                                          {"no-levels", false},  {"split-filter", false},
                                          {"exhaustive", false}, {"help", false}};
        for (int i = 1; i < argc; ++i) {
            std::string a = argv[i];
            if (a.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument " + a);
            a = a.substr(2);
            if (flags.count(a)) {
                flags[a] = true;
            } else {
                if (i + 1 >= argc) throw std::invalid_argument("--" + a + " needs a value");
                kv[a] = argv[++i];
            }
        }
        if (flags["help"]) {
            std::fputs(kUsage, stdout);
            return 0;
        }
        auto get = [&](const std::string& k, int64_t dflt, bool required) {
            auto it = kv.find(k);
            if (it == kv.end()) {
                if (required) throw std::invalid_argument("missing --" + k);
                return dflt;
            }
            const int64_t v = to_int(k, it->second);
            kv.erase(it);
            return v;
        };
        const int64_t C = get("C", 0, true), M = get("M", 0, true), H = get("H", 0, true);
        const int64_t W = get("W", H, false), R = get("R", 0, true);
        const int64_t stride = get("stride", 1, false), pad = get("pad", 0, false);
        const int64_t kb = get("kb", 64, false);
        SearchOptions opt;
        opt.buffers.ifmap_bytes = get("ifmap-kb", kb, false) * 1024;
        opt.buffers.weight_bytes = get("weight-kb", kb, false) * 1024;
        opt.buffers.ofmap_bytes = get("ofmap-kb", kb, false) * 1024;
        const char* dims[] = {"m", "c", "y", "x", "k", "l"};
        for (int d = 0; d < 6; ++d)
            opt.min_tile[static_cast<size_t>(d)] =
                get(std::string("min-tile-") + dims[d], 1, false);
        std::string policy = "tile";
        if (kv.count("policy")) {
            policy = kv["policy"];
            kv.erase("policy");
        }
        if (policy != "tile" && policy != "delta")
            throw std::invalid_argument("--policy must be tile or delta");
        if (!kv.empty()) throw std::invalid_argument("unknown option --" + kv.begin()->first);
        opt.policy = policy == "tile" ? Policy::tile : Policy::delta;
        opt.double_buffer = flags["double-buffer"];
        opt.search_levels = !flags["no-levels"];
        opt.split_filter = flags["split-filter"];
        opt.exhaustive_tiles = flags["exhaustive"];

        const ConvLayer L = ConvLayer::conv(C, M, H, W, R, stride, pad, flags["bias"]);
        const auto t0 = std::chrono::steady_clock::now();
        const SearchResult r = search(L, opt);
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        std::printf("layer:     %s, MACs %lld\n", L.str().c_str(),
                    static_cast<long long>(L.macs()));
        std::printf("buffers:   ifmap %lld B, weight %lld B, ofmap %lld B%s, policy %s\n",
                    static_cast<long long>(opt.buffers.ifmap_bytes),
                    static_cast<long long>(opt.buffers.weight_bytes),
                    static_cast<long long>(opt.buffers.ofmap_bytes),
                    opt.double_buffer ? " (double-buffered)" : "", policy.c_str());
        std::printf(
            "search:    %lld tile combinations, %lld orders, %lld feasible schedules, %.3f s\n",
            static_cast<long long>(r.tile_combinations), static_cast<long long>(r.orders_evaluated),
            static_cast<long long>(r.feasible), secs);
        if (!r.found) {
            std::fprintf(stderr, "traffic_predict: no schedule fits the buffers\n");
            return 1;
        }
        const BufferNeeds need = buffer_needs(L, r.schedule);
        std::printf("schedule:  %s\n", r.schedule.str().c_str());
        std::printf(
            "buffer use: weight %lld B, ifmap %lld B, ofmap %lld B; %lld inter-tile iterations\n",
            static_cast<long long>(need.bytes[0]), static_cast<long long>(need.bytes[1]),
            static_cast<long long>(need.bytes[2]), static_cast<long long>(r.iterations));
        const auto& b = r.bytes;
        std::printf("dram_read_bytes:  ifmap %lld  weight %lld  psum %lld\n",
                    static_cast<long long>(b.dram_read_bytes.ifmap),
                    static_cast<long long>(b.dram_read_bytes.weight),
                    static_cast<long long>(b.dram_read_bytes.psum));
        std::printf("dram_write_bytes: ofmap %lld  psum %lld\n",
                    static_cast<long long>(b.dram_write_bytes.ofmap),
                    static_cast<long long>(b.dram_write_bytes.psum));
        std::printf(
            "total: %lld bytes (compulsory: ifmap %lld + weight %lld + ofmap %lld = %lld)\n",
            static_cast<long long>(b.total()), static_cast<long long>(L.ifmap_elems()),
            static_cast<long long>(L.weight_elems() + (L.has_bias ? 4 * L.M : 0)),
            static_cast<long long>(L.ofmap_elems()),
            static_cast<long long>(L.ifmap_elems() + L.weight_elems() + (L.has_bias ? 4 * L.M : 0) +
                                   L.ofmap_elems()));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "traffic_predict: %s\n%s", e.what(), kUsage);
        return 2;
    }
}
