// SCALE-Sim topology CSV import; see scalesim_import.h for the formats and
// how each row becomes one layer of the graph.
#include "workloads/scalesim_import.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "workloads/zoo.h"

namespace wl {

namespace {

constexpr std::int64_t kMaxValue = std::int64_t{1} << 24;

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The row's fields, trimmed; SCALE-Sim's dropped last field (empty after a
// trailing comma, or a '#' comment) removed.
std::vector<std::string> fields_of(const std::string& row) {
    std::vector<std::string> f;
    std::stringstream ss(row);
    std::string item;
    while (std::getline(ss, item, ','))
        f.push_back(trim(item));
    if (!row.empty() && row.back() == ',') f.push_back("");
    if (f.size() > 1 && (f.back().empty() || f.back()[0] == '#')) f.pop_back();
    return f;
}

class Reader {
  public:
    Reader(const std::string& source, std::uint64_t seed)
        : m_source(source), m_builder(graph_name(source), params(source, seed)) {}

    Graph read(std::istream& in) {
        std::string row;
        int line = 0;
        bool header = true;
        while (std::getline(in, row)) {
            ++line;
            const std::string t = trim(row);
            if (t.empty()) continue;
            if (header) {
                detect(line, fields_of(t));
                header = false;
                continue;
            }
            m_gemm ? gemm_row(line, fields_of(t)) : conv_row(line, fields_of(t));
        }
        if (header) throw GraphError(m_source + ": empty file (no header, no rows)");
        if (m_outputs.empty()) throw GraphError(m_source + ": no layer rows after the header");
        return m_builder.finish(m_outputs);
    }

  private:
    static zoo::ZooParams params(const std::string& source, std::uint64_t seed) {
        zoo::ZooParams p;
        p.workload = graph_name(source);
        p.seed = seed;
        return p;
    }

    static std::string graph_name(const std::string& source) {
        std::string base = source.substr(source.find_last_of('/') + 1);
        const auto dot = base.find_last_of('.');
        return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
    }

    [[noreturn]] void fail(int line, const std::string& what) const {
        throw GraphError(m_source + ":" + std::to_string(line) + ": " + what);
    }

    void detect(int line, const std::vector<std::string>& h) {
        if (h.size() >= 4 && lower(h[1]) == "m" && lower(h[2]) == "n" && lower(h[3]) == "k") {
            m_gemm = true;
        } else if (h.size() >= 2 && lower(h[1]).find("ifmap") != std::string::npos) {
            m_gemm = false;
        } else {
            fail(line,
                 "header is neither SCALE-Sim's conv format (Layer name, IFMAP Height, "
                 "IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides) "
                 "nor its GEMM format (Layer, M, N, K)");
        }
    }

    std::int64_t value(int line, const std::vector<std::string>& f, std::size_t i,
                       const char* field) const {
        const std::string& s = f[i];
        const bool digits = !s.empty() && std::all_of(s.begin(), s.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
        std::int64_t v = 0;
        if (digits && s.size() <= 9) v = std::stoll(s);
        if (!digits || v < 1 || v > kMaxValue)
            fail(line, std::string("field ") + std::to_string(i + 1) + " (" + field + ") '" + s +
                           "' is not an integer in 1.." + std::to_string(kMaxValue));
        return v;
    }

    std::string layer_name(int line, const std::vector<std::string>& f) {
        const std::string& name = f[0];
        if (name.empty()) fail(line, "field 1 (layer name) is empty");
        if (!m_names.insert(name).second) fail(line, "duplicate layer name '" + name + "'");
        return name;
    }

    void conv_row(int line, const std::vector<std::string>& f) {
        if (f.size() != 8 && f.size() != 9)
            fail(line, std::to_string(f.size()) +
                           " fields; the conv format has 8 (Layer name, IFMAP Height, IFMAP "
                           "Width, Filter Height, Filter Width, Channels, Num Filter, Strides) "
                           "or 9 (a stride per direction)");
        const std::string name = layer_name(line, f);
        const std::int64_t h = value(line, f, 1, "IFMAP Height");
        const std::int64_t w = value(line, f, 2, "IFMAP Width");
        const std::int64_t r = value(line, f, 3, "Filter Height");
        const std::int64_t s = value(line, f, 4, "Filter Width");
        const std::int64_t c = value(line, f, 5, "Channels");
        const std::int64_t filters = value(line, f, 6, "Num Filter");
        const std::int64_t sh = value(line, f, 7, "Strides");
        const std::int64_t sw = f.size() == 9 ? value(line, f, 8, "Stride width") : sh;
        if (r > h)
            fail(line,
                 "Filter Height " + std::to_string(r) + " > IFMAP Height " + std::to_string(h));
        if (s > w)
            fail(line, "Filter Width " + std::to_string(s) + " > IFMAP Width " + std::to_string(w));
        // SCALE-Sim reads a "DP" row as C one-channel layers: a depthwise conv.
        const bool depthwise = name.find("DP") != std::string::npos;
        const std::int64_t groups = depthwise ? c : 1;
        const std::int64_t m = depthwise ? c * filters : filters;

        Attrs a;
        a.kernel_h = r;
        a.kernel_w = s;
        a.stride_h = sh;
        a.stride_w = sw;
        a.pad_bottom = (sh - (h - r) % sh) % sh;  // ceil output: the last window is partial
        a.pad_right = (sw - (w - s) % sw) % sw;
        a.groups = groups;
        const std::int64_t fan_in = c / groups * r * s;
        add_layer(line, name, Shape{1, c, h, w}, Shape{m, c / groups, r, s}, OpType::conv, a,
                  fan_in);
    }

    void gemm_row(int line, const std::vector<std::string>& f) {
        if (f.size() != 4)
            fail(line,
                 std::to_string(f.size()) + " fields; the GEMM format has 4 (Layer, M, N, K)");
        const std::string name = layer_name(line, f);
        const std::int64_t m = value(line, f, 1, "M");
        const std::int64_t n = value(line, f, 2, "N");
        const std::int64_t k = value(line, f, 3, "K");
        add_layer(line, name, Shape{1, k, m, 1}, Shape{n, k, 1, 1}, OpType::fc, Attrs{}, k);
    }

    void add_layer(int line, const std::string& name, Shape x_shape, Shape w_shape, OpType op,
                   const Attrs& a, std::int64_t fan_in) {
        try {
            const int x = m_builder.input(name + ".ifmap", x_shape);
            const double s_w = zoo::weight_scale(fan_in);
            const int w = m_builder.weights(name + ".weight", w_shape, s_w);
            const double s_y =
                zoo::Builder::scale_for(m_builder.accum_real_rms(x, s_w, fan_in), Act::none);
            m_outputs.push_back(m_builder.node(name, op, {x, w}, a, Quant{s_y, 0, {}}));
        } catch (const GraphError& e) {
            fail(line, e.what());
        }
    }

    std::string m_source;
    zoo::Builder m_builder;
    bool m_gemm = false;
    std::set<std::string> m_names;
    std::vector<int> m_outputs;
};

}  // namespace

std::int64_t scalesim_out_extent(std::int64_t in, std::int64_t kernel, std::int64_t stride) {
    return (in - kernel + stride + stride - 1) / stride;
}

Graph parse_scalesim_csv(std::istream& in, const std::string& source, std::uint64_t seed) {
    return Reader(source, seed).read(in);
}

Graph import_scalesim_csv(const std::string& path, std::uint64_t seed) {
    std::ifstream f(path);
    if (!f) throw GraphError(path + ": cannot open the SCALE-Sim topology file");
    return parse_scalesim_csv(f, path, seed);
}

}  // namespace wl
