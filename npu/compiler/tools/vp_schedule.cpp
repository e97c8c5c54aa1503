// vp_schedule: one layer's schedule as the analytic traffic model sees it
// (buffer footprints, DRAM reads and writes in elements and bytes), and the
// NPU's predicted cycles when an array is given; or the best schedules.
//
//   vp_schedule --layer C=2,M=4,H=6,W=6,R=3,S=3,stride=1,pad=0 [--tile m=2,y=2] [--order m,y]
//               [--level ifmap=1] [--policy tile|delta]
//               [--pool-elems 64 | --ifmap-kb N --weight-kb N --ofmap-kb N]
//               [--search [--objective elems|bytes|cycles] [--top 5]] [--json]
//               [--array RxC] [--dataflow os|ws|is] [--fold-overlap]
//               [--fold-continuation run|array|off]
//
// See npu/compiler/README.md for the semantics. Exit status: 0, or 2 with
// one error line on stderr for bad input or an impossible schedule.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "npu_abi/npu_regs.h"
#include "npu_compiler/kernel_schedule.h"
#include "npu_compiler/search.h"
#include "npu_compiler/traffic.h"

namespace {

namespace po = boost::program_options;
using namespace npu::compiler;
using nlohmann::json;

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

int64_t to_int(const std::string& what, const std::string& v) {
    std::size_t used = 0;
    long long n = 0;
    try {
        n = std::stoll(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (v.empty() || used != v.size() || n < 0) throw Error("bad value '" + v + "' for " + what);
    return n;
}

// "a=1,b=2" -> ordered pairs
std::vector<std::pair<std::string, std::string>> key_values(const std::string& opt,
                                                            const std::string& text) {
    std::vector<std::pair<std::string, std::string>> kv;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw Error("--" + opt + ": expected key=value, got '" + item + "'");
        kv.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    return kv;
}

std::optional<Dim> dim_of(const std::string& s) {
    for (int d = 0; d < kNumDims; ++d)
        if (s == dim_name(static_cast<Dim>(d))) return static_cast<Dim>(d);
    return std::nullopt;
}

ConvLayer parse_layer(const std::string& text) {
    std::map<std::string, int64_t> v{
        {"C", 1},        {"M", 1},         {"H", 1},           {"W", -1},         {"R", 1},
        {"S", -1},       {"stride", 1},    {"pad", 0},         {"stride_h", -1},  {"stride_w", -1},
        {"pad_top", -1}, {"pad_left", -1}, {"pad_bottom", -1}, {"pad_right", -1}, {"groups", 1}};
    for (const auto& [k, val] : key_values("layer", text)) {
        if (!v.count(k)) throw Error("--layer: unknown key '" + k + "'");
        v[k] = to_int("--layer " + k, val);
    }
    auto or_ = [&](const char* k, int64_t d) { return v[k] >= 0 ? v[k] : d; };
    const int64_t W = or_("W", v["H"]), S = or_("S", v["R"]);
    const int64_t sh = or_("stride_h", v["stride"]), sw = or_("stride_w", v["stride"]);
    const int64_t pt = or_("pad_top", v["pad"]), pl = or_("pad_left", v["pad"]),
                  pb = or_("pad_bottom", v["pad"]), pr = or_("pad_right", v["pad"]);
    try {
        return ConvLayer::conv2d(v["C"], v["M"], v["H"], W, v["R"], S, sh, sw, pt, pl, pb, pr,
                                 v["groups"]);
    } catch (const std::invalid_argument& e) {
        throw Error(std::string("--layer: ") + e.what());
    }
}

struct Capacity {
    bool pool = false;
    int64_t pool_elems = 0;
    bool scratchpads = false;
    BufferConfig kb;
};

struct Arch {
    bool given = false;
    ArchConfig cfg;
};

// Buffer elements and traffic of one schedule.
struct Figures {
    BufferNeeds need;
    Traffic t;
    int64_t total_elems = 0, total_bytes = 0;
    std::array<int64_t, 3> buf_bytes{};
    std::optional<KernelPrediction> npu;
};

Figures figures(const ConvLayer& L, const Schedule& s) {
    Figures f;
    f.need = buffer_needs(L, s);
    f.t = predict(L, s);
    f.total_elems =
        f.t.weight_reads + f.t.ifmap_reads + f.t.psum_reads + f.t.psum_writes + f.t.final_writes;
    f.total_bytes = to_bytes(L, f.t).total();
    f.buf_bytes = {f.need.elems[0] * L.w_weight, f.need.elems[1] * L.w_ifmap,
                   f.need.elems[2] * L.w_psum};
    return f;
}

// The capacity check: one line naming the buffer, or "" when it fits.
std::string over_capacity(const ConvLayer& L, const Figures& f, const Capacity& cap) {
    if (cap.pool) {
        const int64_t sum = f.need.elems[0] + f.need.elems[1] + f.need.elems[2];
        if (sum > cap.pool_elems)
            return "the buffers need " + std::to_string(sum) + " elements (weight " +
                   std::to_string(f.need.elems[0]) + ", ifmap " + std::to_string(f.need.elems[1]) +
                   ", ofmap " + std::to_string(f.need.elems[2]) + "), the pool holds " +
                   std::to_string(cap.pool_elems);
    }
    if (cap.scratchpads) {
        // The NPU's capacity rule (npu/core.h): each footprint in half its scratchpad.
        npu::FootprintElems fe;
        fe.weight = static_cast<std::uint64_t>(f.need.elems[0]);
        fe.ifmap = static_cast<std::uint64_t>(f.need.elems[1]);
        fe.ofmap = static_cast<std::uint64_t>(f.need.elems[2]);
        npu::ElementBytes w;
        w.accumulator = static_cast<std::uint32_t>(L.w_psum);
        const npu::FootprintBytes b = npu::footprint_bytes(fe, w);
        const std::array<std::pair<const char*, std::pair<std::uint64_t, int64_t>>, 3> bufs{
            {{"weight", {b.weight, cap.kb.weight_bytes}},
             {"ifmap", {b.ifmap, cap.kb.ifmap_bytes}},
             {"ofmap", {b.ofmap, cap.kb.ofmap_bytes}}}};
        for (const auto& [name, nb] : bufs)
            if (nb.first > npu::usable_bytes(static_cast<std::uint64_t>(nb.second)))
                return std::string("the ") + name + " footprint needs " + std::to_string(nb.first) +
                       " bytes, half of the " + std::to_string(nb.second / 1024) +
                       " KiB scratchpad holds " +
                       std::to_string(npu::usable_bytes(static_cast<std::uint64_t>(nb.second)));
    }
    return {};
}

// The NPU descriptor of a tile-level, tile-policy schedule.
npu_desc_t descriptor(const ConvLayer& L, const Schedule& s, const Arch& a, unsigned df) {
    npu_desc_t d{};
    d.op = NPU_OP_CONV;
    d.dataflow = static_cast<std::uint8_t>(df);
    d.out_type = NPU_OUT_INT8;
    const auto base = static_cast<std::uint32_t>(a.cfg.core.dram_base);
    d.ifmap_addr = d.weight_addr = d.ofmap_addr = d.psum_addr = d.bias_addr = d.lut_addr = base;
    d.c = static_cast<std::uint16_t>(L.C), d.m = static_cast<std::uint16_t>(L.M);
    d.h = static_cast<std::uint16_t>(L.H_y), d.w = static_cast<std::uint16_t>(L.H_x);
    d.e = static_cast<std::uint16_t>(L.E_y), d.f = static_cast<std::uint16_t>(L.E_x);
    d.r = static_cast<std::uint16_t>(L.R_k), d.s = static_cast<std::uint16_t>(L.R_l);
    d.stride_h = static_cast<std::uint8_t>(L.stride_y);
    d.stride_w = static_cast<std::uint8_t>(L.stride_x);
    d.pad_top = static_cast<std::uint8_t>(L.pad_y), d.pad_left = static_cast<std::uint8_t>(L.pad_x);
    d.pad_bottom = static_cast<std::uint8_t>(std::max<int64_t>(0, L.pad_bottom()));
    d.pad_right = static_cast<std::uint8_t>(std::max<int64_t>(0, L.pad_right()));
    d.groups = static_cast<std::uint16_t>(L.groups);
    d.mult = 1, d.shift = 0;
    for (int i = 0; i < kNumDims; ++i) {
        d.tile[i] = static_cast<std::uint16_t>(s.tile[static_cast<size_t>(i)]);
        d.loop_order[i] = static_cast<std::uint8_t>(idx(s.order[static_cast<size_t>(i)]));
    }
    return d;
}

bool npu_runnable(const Schedule& s) {
    return s.policy == Policy::tile && s.level[0] == kNumDims && s.level[1] == kNumDims &&
           s.level[2] == kNumDims;
}

json to_json(const ConvLayer& L, const Schedule& s, const Figures& f, int rank) {
    json j;
    if (rank > 0) j["rank"] = rank;
    json tile, level;
    for (int d = 0; d < kNumDims; ++d)
        tile[dim_name(static_cast<Dim>(d))] = s.tile[static_cast<size_t>(d)];
    json order = json::array();
    for (int d = 0; d < kNumDims; ++d)
        if (s.trips(L, s.order[static_cast<size_t>(d)]) > 1)
            order.push_back(dim_name(s.order[static_cast<size_t>(d)]));
    j["tile"] = tile;
    j["order"] = order;
    j["level"] = {{"weight", s.level[0]}, {"ifmap", s.level[1]}, {"ofmap", s.level[2]}};
    j["policy"] = s.policy == Policy::tile ? "tile" : "delta";
    j["buffer_elems"] = {
        {"weight", f.need.elems[0]}, {"ifmap", f.need.elems[1]}, {"ofmap", f.need.elems[2]}};
    j["reads"] = {
        {"weight", f.t.weight_reads}, {"ifmap", f.t.ifmap_reads}, {"psum", f.t.psum_reads}};
    j["writes"] = {{"psum", f.t.psum_writes}, {"final", f.t.final_writes}};
    j["total_elems"] = f.total_elems;
    j["bytes"] = {
        {"buffer_elems",
         {{"weight", f.buf_bytes[0]}, {"ifmap", f.buf_bytes[1]}, {"ofmap", f.buf_bytes[2]}}},
        {"reads",
         {{"weight", f.t.weight_reads * L.w_weight},
          {"ifmap", f.t.ifmap_reads * L.w_ifmap},
          {"psum", f.t.psum_reads * L.w_psum}}},
        {"writes", {{"psum", f.t.psum_writes * L.w_psum}, {"final", f.t.final_writes * L.w_ofmap}}},
        {"total_elems", f.total_bytes}};
    if (f.npu) {
        j["cycles"] = f.npu->cycles;
        j["compute_cycles"] = f.npu->compute_cycles;
        j["utilization"] = f.npu->utilization;
        j["dma_bursts"] = f.npu->bursts;
    }
    return j;
}

void print_text(const ConvLayer& L, const Schedule& s, const Figures& f, int rank) {
    std::ostringstream o;
    if (rank > 0) o << "#" << rank << " ";
    o << "tile";
    for (int d = 0; d < kNumDims; ++d)
        o << " " << dim_name(static_cast<Dim>(d)) << "=" << s.tile[static_cast<size_t>(d)];
    o << "  order ";
    bool any = false;
    for (int d = 0; d < kNumDims; ++d)
        if (s.trips(L, s.order[static_cast<size_t>(d)]) > 1)
            o << (any ? "," : "") << dim_name(s.order[static_cast<size_t>(d)]), any = true;
    if (!any) o << "-";
    o << "  level W" << s.level[0] << " I" << s.level[1] << " O" << s.level[2] << " "
      << (s.policy == Policy::tile ? "tile" : "delta") << "\n";
    o << "  buffer elems  weight " << f.need.elems[0] << "  ifmap " << f.need.elems[1] << "  ofmap "
      << f.need.elems[2] << "\n";
    o << "  reads         weight " << f.t.weight_reads << "  ifmap " << f.t.ifmap_reads << "  psum "
      << f.t.psum_reads << "\n";
    o << "  writes        psum " << f.t.psum_writes << "  final " << f.t.final_writes << "\n";
    o << "  total         " << f.total_elems << " elements, " << f.total_bytes << " bytes\n";
    if (f.npu)
        o << "  npu           " << f.npu->cycles << " cycles (compute " << f.npu->compute_cycles
          << ", utilization " << f.npu->utilization << "), " << f.npu->bursts << " DMA bursts\n";
    std::cout << o.str();
}

}  // namespace

int main(int argc, char** argv) {
    try {
        po::options_description desc("vp_schedule options");
        desc.add_options()("help", "this text")(
            "layer", po::value<std::string>(),
            "C=,M=,H=,W=,R=,S=,stride=,pad= (also stride_h, stride_w, pad_top, pad_left, "
            "pad_bottom, pad_right, groups)")("tile", po::value<std::string>(),
                                              "tile sizes, e.g. m=2,y=2 (others: full)")(
            "order", po::value<std::string>(), "active inter-tile loops, outermost first")(
            "level", po::value<std::string>(), "buffer levels, e.g. ifmap=1 (default 6)")(
            "policy", po::value<std::string>()->default_value("tile"), "tile | delta")(
            "pool-elems", po::value<std::string>(), "one shared pool, elements")(
            "ifmap-kb", po::value<std::string>(), "ifmap scratchpad, KiB")(
            "weight-kb", po::value<std::string>(), "weight scratchpad, KiB")(
            "ofmap-kb", po::value<std::string>(), "ofmap scratchpad, KiB")(
            "search", "list the best schedules")("objective",
                                                 po::value<std::string>()->default_value("bytes"),
                                                 "elems | bytes | cycles")(
            "top", po::value<std::string>()->default_value("5"), "schedules listed by --search")(
            "json", "one JSON object per schedule")("array", po::value<std::string>(),
                                                    "RxC: predict NPU cycles")(
            "dataflow", po::value<std::string>()->default_value("os"), "os | ws | is")(
            "fold-overlap", "with --array: a fold's drain overlaps the next fold's fill")(
            "fold-continuation", po::value<std::string>()->default_value("run"),
            "with --array: which tiles continue the run of folds, run | array | off");
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << desc;
            return 0;
        }
        if (!vm.count("layer")) throw Error("--layer is required");
        const ConvLayer L = parse_layer(vm["layer"].as<std::string>());

        Schedule s;
        s.tile = {L.M, L.channels_per_group(), L.E_y, L.E_x, L.R_k, L.R_l};
        if (vm.count("tile"))
            for (const auto& [k, v] : key_values("tile", vm["tile"].as<std::string>())) {
                const auto d = dim_of(k);
                if (!d) throw Error("--tile: unknown loop '" + k + "' (m, c, y, x, k, l)");
                const int64_t t = to_int("--tile " + k, v), n = L.extent(*d);
                if (t < 1 || t > n)
                    throw Error("--tile: " + k + "=" + v + " is larger than its dimension (" +
                                std::to_string(n) + ")" + (t < 1 ? " or below 1" : ""));
                s.tile[static_cast<size_t>(idx(*d))] = t;
            }
        // Order: the listed loops outermost first, the remaining active loops
        // after them, the inactive ones innermost (both in m, c, y, x, k, l order).
        std::vector<Dim> listed;
        if (vm.count("order")) {
            std::stringstream ss(vm["order"].as<std::string>());
            std::string item;
            while (std::getline(ss, item, ',')) {
                const auto d = dim_of(item);
                if (!d) throw Error("--order: unknown loop '" + item + "' (m, c, y, x, k, l)");
                if (std::find(listed.begin(), listed.end(), *d) != listed.end())
                    throw Error("--order: loop '" + item + "' listed twice");
                listed.push_back(*d);
            }
        }
        {
            std::vector<Dim> o = listed;
            for (int pass = 0; pass < 2; ++pass)
                for (int d = 0; d < kNumDims; ++d) {
                    const Dim dd = static_cast<Dim>(d);
                    const bool active = s.trips(L, dd) > 1;
                    if ((pass == 0) == active && std::find(o.begin(), o.end(), dd) == o.end())
                        o.push_back(dd);
                }
            for (int j = 0; j < kNumDims; ++j)
                s.order[static_cast<size_t>(j)] = o[static_cast<size_t>(j)];
        }
        if (vm.count("level"))
            for (const auto& [k, v] : key_values("level", vm["level"].as<std::string>())) {
                int x = -1;
                for (int i = 0; i < kNumOperands; ++i)
                    if (k == operand_name(static_cast<Operand>(i))) x = i;
                if (x < 0)
                    throw Error("--level: unknown buffer '" + k + "' (weight, ifmap, ofmap)");
                const int64_t lv = to_int("--level " + k, v);
                if (lv > kNumDims) throw Error("--level: " + k + "=" + v + " is above 6");
                s.level[static_cast<size_t>(x)] = static_cast<int>(lv);
            }
        const std::string pol = vm["policy"].as<std::string>();
        if (pol != "tile" && pol != "delta") throw Error("--policy: '" + pol + "' (tile | delta)");
        s.policy = pol == "tile" ? Policy::tile : Policy::delta;

        Capacity cap;
        if (vm.count("pool-elems")) {
            cap.pool = true;
            cap.pool_elems = to_int("--pool-elems", vm["pool-elems"].as<std::string>());
        }
        const bool any_kb = vm.count("ifmap-kb") || vm.count("weight-kb") || vm.count("ofmap-kb");
        if (any_kb) {
            if (cap.pool) throw Error("--pool-elems and --*-kb exclude each other");
            if (!vm.count("ifmap-kb") || !vm.count("weight-kb") || !vm.count("ofmap-kb"))
                throw Error("--ifmap-kb, --weight-kb and --ofmap-kb go together");
            cap.scratchpads = true;
            cap.kb.ifmap_bytes = 1024 * to_int("--ifmap-kb", vm["ifmap-kb"].as<std::string>());
            cap.kb.weight_bytes = 1024 * to_int("--weight-kb", vm["weight-kb"].as<std::string>());
            cap.kb.ofmap_bytes = 1024 * to_int("--ofmap-kb", vm["ofmap-kb"].as<std::string>());
        }

        Arch arch;
        const std::string dfs = vm["dataflow"].as<std::string>();
        if (dfs != "os" && dfs != "ws" && dfs != "is")
            throw Error("--dataflow: '" + dfs + "' (os | ws | is)");
        const unsigned df = dfs == "os" ? NPU_DF_OS : dfs == "ws" ? NPU_DF_WS : NPU_DF_IS;
        if (vm.count("array")) {
            const std::string a = vm["array"].as<std::string>();
            const auto xpos = a.find('x');
            if (xpos == std::string::npos) throw Error("--array: expected RxC, got '" + a + "'");
            const int64_t r = to_int("--array rows", a.substr(0, xpos)),
                          c = to_int("--array columns", a.substr(xpos + 1));
            if (r < 1 || c < 1 || r > 1024 || c > 1024)
                throw Error("--array: rows and columns must be 1..1024");
            arch.given = true;
            arch.cfg.core.array_rows = static_cast<unsigned>(r);
            arch.cfg.core.array_cols = static_cast<unsigned>(c);
            // The NPU's scratchpads: the given ones, else large enough for any
            // schedule of this layer (the capacity then is the pool's or none).
            const std::uint32_t big = 1u << 30;
            arch.cfg.core.ifmap_bytes =
                cap.scratchpads ? static_cast<std::uint32_t>(cap.kb.ifmap_bytes) : big;
            arch.cfg.core.weight_bytes =
                cap.scratchpads ? static_cast<std::uint32_t>(cap.kb.weight_bytes) : big;
            arch.cfg.core.ofmap_bytes =
                cap.scratchpads ? static_cast<std::uint32_t>(cap.kb.ofmap_bytes) : big;
            arch.cfg.core.dram_size = 0x80000000u;  // timing only: the tensors need no room
            arch.cfg.core.fold_overlap = vm.count("fold-overlap") > 0;
        }
        const std::string fc = vm["fold-continuation"].as<std::string>();
        if (!npu::parse_fold_continuation(fc, arch.cfg.core.fold_continuation))
            throw Error("--fold-continuation: '" + fc + "' (run | array | off)");
        if ((vm.count("fold-overlap") || !vm["fold-continuation"].defaulted()) && !arch.given)
            throw Error("--fold-overlap and --fold-continuation need --array");
        const std::string objective = vm["objective"].as<std::string>();
        if (objective != "elems" && objective != "bytes" && objective != "cycles")
            throw Error("--objective: '" + objective + "' (elems | bytes | cycles)");
        if (objective == "cycles" && !arch.given) throw Error("--objective cycles needs --array");
        const int64_t top = to_int("--top", vm["top"].as<std::string>());
        const bool as_json = vm.count("json") > 0;

        auto with_npu = [&](const Schedule& sc, Figures& f) {
            if (!arch.given) return;
            if (!npu_runnable(sc))
                throw Error(
                    "cycles need tile-level buffers and the tile policy (what the NPU runs)");
            f.npu = predict_kernel(descriptor(L, sc, arch, df), arch.cfg);
        };
        auto emit = [&](const Schedule& sc, const Figures& f, int rank) {
            if (as_json)
                std::cout << to_json(L, sc, f, rank).dump() << "\n";
            else
                print_text(L, sc, f, rank);
        };

        if (!vm.count("search")) {
            Figures f = figures(L, s);
            const std::string over = over_capacity(L, f, cap);
            if (!over.empty()) throw Error("impossible schedule: " + over);
            with_npu(s, f);
            emit(s, f, 0);
            return 0;
        }

        // --search: tile vectors (every size for small layers, else divisors
        // and powers of two; given --tile values stay fixed), every order of
        // the active loops (one per reload class), the given levels and policy.
        const bool small = L.M * L.channels_per_group() * L.E_y * L.E_x * L.R_k * L.R_l <= 20000;
        std::array<std::vector<int64_t>, kNumDims> cand;
        std::map<std::string, int64_t> fixed_tiles;
        if (vm.count("tile"))
            for (const auto& [k, v] : key_values("tile", vm["tile"].as<std::string>()))
                fixed_tiles[k] = to_int("--tile", v);
        for (int d = 0; d < kNumDims; ++d) {
            const Dim dd = static_cast<Dim>(d);
            if (fixed_tiles.count(dim_name(dd)))
                cand[static_cast<size_t>(d)] = {fixed_tiles[dim_name(dd)]};
            else
                cand[static_cast<size_t>(d)] = tile_candidates(L.extent(dd), small);
        }
        struct Entry {
            Schedule s;
            Figures f;
            std::array<int64_t, 4> key;
        };
        std::vector<Entry> all;
        std::array<size_t, kNumDims> pick{};
        for (;;) {
            Schedule b = s;
            for (int d = 0; d < kNumDims; ++d)
                b.tile[static_cast<size_t>(d)] =
                    cand[static_cast<size_t>(d)][pick[static_cast<size_t>(d)]];
            std::vector<Dim> active, inactive;
            for (int d = 0; d < kNumDims; ++d)
                (b.trips(L, static_cast<Dim>(d)) > 1 ? active : inactive)
                    .push_back(static_cast<Dim>(d));
            std::map<std::array<int64_t, 4>, bool> seen_class;
            do {
                for (size_t j = 0; j < active.size(); ++j)
                    b.order[j] = active[j];
                for (size_t j = 0; j < inactive.size(); ++j)
                    b.order[active.size() + j] = inactive[j];
                // Levels count positions: a tile-level buffer stays at 6.
                const ClosedFormTerms t = closed_form_terms(L, b);
                const std::array<int64_t, 4> cls{t.rho[0], t.rho[1], t.rho[2], t.p[1]};
                if (b.policy == Policy::tile && b.level == std::array<int, 3>{6, 6, 6} &&
                    seen_class.count(cls))
                    continue;
                seen_class[cls] = true;
                Figures f = figures(L, b);
                if (!over_capacity(L, f, cap).empty()) continue;
                const int64_t buf = f.need.elems[0] + f.need.elems[1] + f.need.elems[2];
                Entry e{b, f, {}};
                e.key = objective == "elems" ? std::array<int64_t, 4>{f.total_elems, f.total_bytes,
                                                                      buf, b.iterations(L)}
                                             : std::array<int64_t, 4>{f.total_bytes, f.total_elems,
                                                                      buf, b.iterations(L)};
                all.push_back(e);
            } while (std::next_permutation(active.begin(), active.end()));
            int d = kNumDims - 1;
            while (d >= 0 && ++pick[static_cast<size_t>(d)] == cand[static_cast<size_t>(d)].size())
                pick[static_cast<size_t>(d--)] = 0;
            if (d < 0) break;
        }
        if (all.empty()) throw Error("impossible schedule: no tiling fits the capacity");
        if (objective == "cycles") {
            if (!npu_runnable(s))
                throw Error("--objective cycles needs tile-level buffers and the tile policy");
            // The NPU refuses tilings over NPU_MAX_KERNEL_TILES: no candidates.
            all.erase(std::remove_if(
                          all.begin(), all.end(),
                          [&](const Entry& e) { return e.s.iterations(L) > NPU_MAX_KERNEL_TILES; }),
                      all.end());
            if (all.empty())
                throw Error(
                    "impossible schedule: every tiling that fits has more than "
                    "NPU_MAX_KERNEL_TILES inter-tile iterations");
            // Rank by the NPU's analytic estimate, confirm the head with its walk.
            for (Entry& e : all) {
                const KernelPrediction p = estimate_kernel(descriptor(L, e.s, arch, df), arch.cfg);
                e.key = {static_cast<int64_t>(p.cycles), e.f.total_bytes, e.key[2], e.key[3]};
            }
            std::stable_sort(all.begin(), all.end(),
                             [](const Entry& a, const Entry& b) { return a.key < b.key; });
            const size_t head =
                std::min(all.size(), static_cast<size_t>(std::max<int64_t>(top, 1) * 4));
            all.resize(head);
            for (Entry& e : all) {
                with_npu(e.s, e.f);
                e.key[0] = static_cast<int64_t>(e.f.npu->cycles);
            }
        }
        std::stable_sort(all.begin(), all.end(),
                         [](const Entry& a, const Entry& b) { return a.key < b.key; });
        const size_t n = std::min(all.size(), static_cast<size_t>(std::max<int64_t>(top, 1)));
        for (size_t i = 0; i < n; ++i) {
            Entry& e = all[i];
            if (!e.f.npu && arch.given && npu_runnable(e.s) &&
                e.s.iterations(L) <= NPU_MAX_KERNEL_TILES)
                with_npu(e.s, e.f);
            emit(e.s, e.f, static_cast<int>(i + 1));
        }
        return 0;
    } catch (const Error& e) {
        std::cerr << "vp_schedule: " << e.what() << "\n";
        return 2;
    } catch (const po::error& e) {
        std::cerr << "vp_schedule: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "vp_schedule: " << e.what() << "\n";
        return 2;
    }
}
