// The built-in model zoo: spec parsing, the graph builder with the synthetic
// weight and quantization scheme of zoo.h, the classic networks, and the
// listing `vp_run --list-workloads` prints.
#include "workloads/zoo.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace wl::zoo {

// ---------------------------------------------------------------- parameters

namespace {

constexpr std::int64_t kMaxParam = std::int64_t{1} << 24;
constexpr std::int64_t kMaxTensorElems = std::int64_t{1} << 28;

std::int64_t parse_positive(const ZooParams& p, const std::string& key, const std::string& text) {
    const std::string bad = "workload '" + p.workload + "': " + key + "=" + text +
                            " is not an integer in [1, " + std::to_string(kMaxParam) + "]";
    if (text.empty() || text.size() > 9) throw GraphError(bad);
    std::int64_t v = 0;
    for (char ch : text) {
        if (ch < '0' || ch > '9') throw GraphError(bad);
        v = v * 10 + (ch - '0');
    }
    if (v < 1 || v > kMaxParam) throw GraphError(bad);
    return v;
}

const std::string& value_of(const ZooParams& p, const std::string& key) {
    auto it = p.values.find(key);
    if (it == p.values.end())
        throw GraphError("workload '" + p.workload + "': no parameter '" + key + "'");
    return it->second;
}

// Rejects a tensor the zoo would refuse to allocate (a typo such as m=16777216,k=16777216).
void check_size(const ZooParams& p, const std::string& what, std::int64_t a, std::int64_t b) {
    if (a > kMaxTensorElems / b)
        throw GraphError("workload '" + p.workload + "': " + what + " would hold " +
                         std::to_string(a) + "*" + std::to_string(b) + " elements (limit 2^28)");
}

}  // namespace

std::int64_t ZooParams::get_int(const std::string& key) const {
    return parse_positive(*this, key, value_of(*this, key));
}

bool ZooParams::get_flag(const std::string& key) const {
    const std::string& v = value_of(*this, key);
    if (v != "0" && v != "1")
        throw GraphError("workload '" + workload + "': " + key + "=" + v + " is not 0 or 1");
    return v == "1";
}

std::vector<std::int64_t> ZooParams::get_ints(const std::string& key) const {
    const std::string& text = value_of(*this, key);
    std::vector<std::int64_t> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t dash = text.find('-', start);
        out.push_back(parse_positive(*this, key, text.substr(start, dash - start)));
        if (dash == std::string::npos) break;
        start = dash + 1;
    }
    return out;
}

std::pair<std::string, std::map<std::string, std::string>> parse_spec(const std::string& spec) {
    const std::size_t colon = spec.find(':');
    std::string name = spec.substr(0, colon);
    std::map<std::string, std::string> kv;
    if (name.empty()) throw GraphError("workload spec '" + spec + "': no network name");
    if (colon == std::string::npos) return {name, kv};
    const std::string rest = spec.substr(colon + 1);
    if (rest.empty())
        throw GraphError("workload spec '" + spec + "': nothing after ':' (expects key=value,...)");
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = rest.find(',', start);
        const std::string item = rest.substr(start, comma - start);
        const std::size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            throw GraphError("workload spec '" + spec + "': '" + item + "' is not key=value");
        const std::string key = item.substr(0, eq);
        if (!kv.emplace(key, item.substr(eq + 1)).second)
            throw GraphError("workload spec '" + spec + "': '" + key + "' given twice");
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return {name, kv};
}

namespace {

const ZooEntry& find_entry(const std::string& name) {
    std::string known;
    for (const ZooEntry& e : entries()) {
        if (e.name == name) return e;
        known += (known.empty() ? "" : ", ") + e.name;
    }
    throw GraphError("unknown workload '" + name + "' (known: " + known + ")");
}

ZooParams make_params(const std::string& spec, std::uint64_t seed, bool with_data,
                      const ZooEntry** entry) {
    auto parsed = parse_spec(spec);
    const ZooEntry& e = find_entry(parsed.first);
    ZooParams p;
    p.workload = e.name;
    p.seed = seed;
    p.with_data = with_data;
    for (const auto& kd : e.keys)
        p.values[kd.first] = kd.second;
    for (const auto& kv : parsed.second) {
        if (!p.values.count(kv.first)) {
            std::string keys;
            for (const auto& kd : e.keys)
                keys += (keys.empty() ? "" : ", ") + kd.first;
            throw GraphError("workload '" + e.name + "': unknown parameter '" + kv.first + "' " +
                             (keys.empty() ? "(it takes none)" : "(parameters: " + keys + ")"));
        }
        p.values[kv.first] = kv.second;
    }
    *entry = &e;
    return p;
}

}  // namespace

Graph build(const std::string& spec, std::uint64_t seed) {
    const ZooEntry* e = nullptr;
    const ZooParams p = make_params(spec, seed, true, &e);
    return e->build(p);
}

Graph build_shapes(const std::string& spec) {
    const ZooEntry* e = nullptr;
    const ZooParams p = make_params(spec, 1, false, &e);
    return e->build(p);
}

// ------------------------------------------------------ synthetic data

std::uint64_t SplitMix64::next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::int64_t SplitMix64::uniform(std::int64_t lo, std::int64_t hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(next() % span);
}

double weight_scale(std::int64_t fan_in) {
    return std::sqrt(2.0 / static_cast<double>(fan_in)) / kWeightStd;
}

double output_scale(double s_x, double s_w, std::int64_t fan_in) {
    return s_x * s_w * std::sqrt(static_cast<double>(fan_in)) * kWeightStd;
}

Builder::Builder(std::string graph_name, std::uint64_t seed) : rng_(seed), with_data_(true) {
    g_.name = std::move(graph_name);
}

Builder::Builder(std::string graph_name, const ZooParams& params)
    : rng_(params.seed), with_data_(params.with_data) {
    g_.name = std::move(graph_name);
}

double Builder::rms(int id) const {
    return rms_.at(static_cast<std::size_t>(id));
}

bool Builder::nonneg(int id) const {
    const auto i = static_cast<std::size_t>(id);
    return i < nonneg_.size() && nonneg_[i];
}

double Builder::scale_for(double real_rms, Act act) {
    return real_rms / (kTargetRms * (act == Act::none ? 1.0 : std::sqrt(2.0)));
}

double Builder::accum_real_rms(int x, double s_w, std::int64_t fan_in) const {
    return std::sqrt(static_cast<double>(fan_in)) * s_w * kWeightStd * t(x).quant.scale * rms(x);
}

double Builder::layer_scale(int /*x*/, Act act) const {
    return scale_for(kPreActRms, act);
}

// s_w that gives a weighted sum over fan_in inputs of x the real RMS `real_rms`.
double Builder::normalized_weight_scale(int x, std::int64_t fan_in, double real_rms) const {
    return real_rms / accum_real_rms(x, 1.0, fan_in);
}

namespace {
int add_tracked(Graph& g, std::vector<double>& rms, TensorDef t, double r) {
    const int id = g.add_tensor(std::move(t));
    rms.resize(g.tensors.size(), 0.0);
    rms[static_cast<std::size_t>(id)] = r;
    return id;
}
}  // namespace

int Builder::input(const std::string& name, Shape shape, Quant q, double r) {
    TensorDef t;
    t.name = name;
    t.shape = shape;
    t.quant = q;
    const int id = add_tracked(g_, rms_, std::move(t), r);
    g_.inputs.push_back(id);
    return id;
}

// A parameter typo (lstm:hidden=1000000) must be an error, not an allocation
// of terabytes.
static void check_alloc(const Graph& g, const std::string& name, const Shape& shape) {
    const std::int64_t d[] = {shape.n, shape.c, shape.h, shape.w};
    std::int64_t elems = 1;
    for (std::int64_t v : d) {
        if (v < 1 || v > kMaxTensorElems || elems > kMaxTensorElems / v)
            throw GraphError("graph '" + g.name + "': tensor '" + name + "' " + shape.str() +
                             " is too large (limit 2^28 elements)");
        elems *= v;
    }
}

int Builder::weights(const std::string& name, Shape shape, double s_w) {
    check_alloc(g_, name, shape);
    TensorDef t;
    t.name = name;
    t.shape = shape;
    t.is_const = true;
    t.quant = Quant{s_w, 0, {}};
    if (with_data_) {
        // Eight bytes per draw; byte 255 is skipped so that byte - 127 is
        // exactly uniform on [-127, 127].
        t.i8.resize(static_cast<std::size_t>(shape.size()));
        std::size_t i = 0;
        while (i < t.i8.size()) {
            std::uint64_t r = rng_.next();
            for (int k = 0; k < 8 && i < t.i8.size(); ++k, r >>= 8) {
                const auto byte = static_cast<int>(r & 0xFF);
                if (byte != 255) t.i8[i++] = static_cast<std::int8_t>(byte - 127);
            }
        }
    }
    return add_tracked(g_, rms_, std::move(t), 0.0);
}

int Builder::bias(const std::string& name, std::int64_t n, std::int64_t fan_in) {
    check_alloc(g_, name, Shape{1, n, 1, 1});
    TensorDef t;
    t.name = name;
    t.shape = Shape{1, n, 1, 1};
    t.dtype = DType::int32;
    t.is_const = true;
    if (with_data_) {
        const auto b = static_cast<std::int64_t>(std::lround(512.0 * std::sqrt(fan_in)));
        t.i32.resize(static_cast<std::size_t>(n));
        for (std::int32_t& v : t.i32)
            v = static_cast<std::int32_t>(rng_.uniform(-b, b));
    }
    return add_tracked(g_, rms_, std::move(t), 0.0);
}

int Builder::bias_for(const std::string& name, std::int64_t n, double acc_rms) {
    check_alloc(g_, name, Shape{1, n, 1, 1});
    TensorDef t;
    t.name = name;
    t.shape = Shape{1, n, 1, 1};
    t.dtype = DType::int32;
    t.is_const = true;
    if (with_data_) {
        const auto b = static_cast<std::int64_t>(std::lround(0.2 * acc_rms));
        t.i32.resize(static_cast<std::size_t>(n));
        for (std::int32_t& v : t.i32)
            v = static_cast<std::int32_t>(rng_.uniform(-b, b));
    }
    return add_tracked(g_, rms_, std::move(t), 0.0);
}

int Builder::node(const std::string& name, OpType op, std::vector<int> inputs, Attrs attrs,
                  Quant out_quant, double out_rms) {
    TensorDef y;
    y.name = name;
    y.quant = std::move(out_quant);
    const int out = add_tracked(g_, rms_, std::move(y), out_rms);
    Node n;
    n.name = name;
    n.op = op;
    n.inputs = std::move(inputs);
    n.outputs = {out};
    n.attrs = attrs;
    g_.add_node(std::move(n));
    g_.infer_shapes();
    // Rectified outputs: a fused relu/relu6, ops whose range starts at the
    // zero point, and data movers of rectified inputs.
    const Node& nd = g_.nodes.back();
    bool rect = false;
    switch (op) {
        case OpType::conv:
        case OpType::fc:
        case OpType::add:
        case OpType::mul:
            rect = nd.attrs.act != Act::none;
            break;
        case OpType::relu:
        case OpType::sigmoid:
        case OpType::softmax:
            rect = true;
            break;
        case OpType::maxpool:
        case OpType::avgpool:
        case OpType::global_avgpool:
        case OpType::concat:
        case OpType::flatten:
        case OpType::reshape:
        case OpType::lrn:
            rect = true;
            for (int in : nd.inputs)
                rect = rect && nonneg(in);
            break;
        default:
            break;
    }
    nonneg_.resize(g_.tensors.size(), 0);
    nonneg_[static_cast<std::size_t>(out)] = rect ? 1 : 0;
    return out;
}

namespace {
Attrs window(std::int64_t kernel, std::int64_t stride, std::int64_t pad, std::int64_t pad_end) {
    Attrs a;
    a.kernel_h = a.kernel_w = kernel;
    a.stride_h = a.stride_w = stride;
    a.pad_top = a.pad_left = pad;
    a.pad_bottom = a.pad_right = pad_end < 0 ? pad : pad_end;
    return a;
}
double after_act(Act act) {
    return act == Act::none ? 1.0 : 1.0 / std::sqrt(2.0);
}
}  // namespace

int Builder::conv(const std::string& name, int x, std::int64_t m, std::int64_t kernel,
                  std::int64_t stride, std::int64_t pad, std::int64_t groups, Act act,
                  double out_scale) {
    const std::int64_t cg = t(x).shape.c / groups;
    const std::int64_t fan_in = cg * kernel * kernel;
    const double s_w = normalized_weight_scale(x, fan_in, kPreActRms);
    const int w = weights(name + ".w", Shape{m, cg, kernel, kernel}, s_w);
    const double s_acc = t(x).quant.scale * s_w;
    const int b = bias_for(name + ".b", m, kPreActRms / s_acc);
    g_.tensor(b).quant.scale = s_acc;  // accumulator units
    const double s_y = out_scale > 0 ? out_scale : scale_for(kPreActRms, act);
    Attrs a = window(kernel, stride, pad, -1);
    a.groups = groups;
    a.act = act;
    return node(name, OpType::conv, {x, w, b}, a, Quant{s_y, 0, {}},
                kPreActRms / s_y * after_act(act));
}

int Builder::fc(const std::string& name, int x, std::int64_t m, Act act, bool gemm_form,
                double real_rms) {
    const Shape& xs = t(x).shape;
    const std::int64_t k = gemm_form ? xs.c : xs.c * xs.h * xs.w;
    const double s_w = normalized_weight_scale(x, k, real_rms);
    const int w = weights(name + ".w", Shape{m, k, 1, 1}, s_w);
    const double s_acc = t(x).quant.scale * s_w;
    const int b = bias_for(name + ".b", m, real_rms / s_acc);
    g_.tensor(b).quant.scale = s_acc;
    const double s_y = scale_for(real_rms, act);
    Attrs a;
    a.act = act;
    return node(name, OpType::fc, {x, w, b}, a, Quant{s_y, 0, {}}, real_rms / s_y * after_act(act));
}

// The max of a window lies above the RMS of its elements: for n independent
// rectified normal values, RMS(max) / RMS(one) = sqrt(2 E[max(0, M_n)^2]) with
// M_n the max of n standard normals (2.27 for 3x3 windows, 1.76 for 2x2).
// The reference executor measures that on a first layer (AlexNet's and
// ResNet-50's pool1) but down to 1.1 on deep, spatially smooth maps
// (GoogLeNet's pool2..4); maxpool() takes the geometric middle, the square
// root of the bound.
static double max_window_gain(std::int64_t n) {
    double e = 0;
    const double dx = 1e-3;
    for (double x = dx / 2; x < 10; x += dx) {
        const double phi = std::exp(-x * x / 2) / std::sqrt(2 * 3.14159265358979323846);
        const double cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
        e += x * x * static_cast<double>(n) * phi * std::pow(cdf, static_cast<double>(n - 1)) * dx;
    }
    return std::sqrt(2 * e);
}

int Builder::maxpool(const std::string& name, int x, std::int64_t kernel, std::int64_t stride,
                     std::int64_t pad, std::int64_t pad_end) {
    return node(name, OpType::maxpool, {x}, window(kernel, stride, pad, pad_end), t(x).quant,
                rms(x) * std::sqrt(max_window_gain(kernel * kernel)));
}

int Builder::avgpool(const std::string& name, int x, std::int64_t kernel, std::int64_t stride,
                     std::int64_t pad, std::int64_t pad_end) {
    return node(name, OpType::avgpool, {x}, window(kernel, stride, pad, pad_end), t(x).quant,
                rms(x));
}

// A whole-channel mean keeps a rectified map's mean and loses its spread:
// the reference executor measures 0.5 (MobileNetV2) to 0.95 (ResNet-50).
int Builder::global_avgpool(const std::string& name, int x) {
    return node(name, OpType::global_avgpool, {x}, Attrs{}, t(x).quant, rms(x) * 0.75);
}

// A relu after an add cuts half the energy of a zero-mean sum, but less when
// a term is rectified (a residual shortcut): 0.84 with one rectified term of
// equal RMS (Monte Carlo), nothing with two.
int Builder::add(const std::string& name, int a, int b, Act act) {
    const double ra = t(a).quant.scale * rms(a), rb = t(b).quant.scale * rms(b);
    const double real = std::sqrt(ra * ra + rb * rb);
    const int rectified = nonneg(a) + nonneg(b);
    const double kept = act == Act::none ? 1.0 : rectified == 0 ? 0.5 : rectified == 1 ? 0.84 : 1.0;
    const double s_y = real * std::sqrt(kept) / kTargetRms;
    Attrs at;
    at.act = act;
    return node(name, OpType::add, {a, b}, at, Quant{s_y, 0, {}}, kTargetRms);
}

int Builder::concat(const std::string& name, std::vector<int> xs, std::int64_t axis) {
    double sum = 0;
    for (int x : xs)
        sum += rms(x) * rms(x);
    Attrs a;
    a.axis = axis;
    const Quant q = t(xs.at(0)).quant;
    return node(name, OpType::concat, std::move(xs), a, q,
                std::sqrt(sum / static_cast<double>(xs.size())));
}

int Builder::lrn(const std::string& name, int x, std::int64_t size, double alpha, double beta,
                 double bias) {
    Attrs a;
    a.lrn_size = size;
    a.alpha = alpha;
    a.beta = beta;
    a.bias = bias;
    const Quant q{t(x).quant.scale / std::pow(bias, beta), t(x).quant.zero_point, {}};
    return node(name, OpType::lrn, {x}, a, q, rms(x));
}

int Builder::unary(const std::string& name, OpType op, int x) {
    const double real = t(x).quant.scale * rms(x);
    switch (op) {
        case OpType::relu:
            return node(name, op, {x}, Attrs{}, t(x).quant, rms(x) * after_act(Act::relu));
        case OpType::flatten:
            return node(name, op, {x}, Attrs{}, t(x).quant, rms(x));
        // sigmoid around its midpoint: q - zp ~ 128 (real 0.5)
        case OpType::sigmoid:
            return node(name, op, {x}, Attrs{}, Quant{1.0 / 256, -128, {}}, 128);
        case OpType::tanh:
            return node(name, op, {x}, Attrs{}, Quant{1.0 / 128, 0, {}},
                        128 * real / std::sqrt(1 + real * real));
        case OpType::softmax:
            return node(name, op, {x}, Attrs{}, Quant{1.0 / 256, -128, {}}, 16);
        default:
            break;
    }
    throw GraphError("graph '" + g_.name + "': builder has no unary op " + to_string(op) +
                     " (node '" + name + "')");
}

Graph Builder::finish(std::vector<int> outputs) {
    g_.outputs = std::move(outputs);
    g_.infer_shapes();
    return std::move(g_);
}

// ------------------------------------------------------ the networks

// LeNet-5 (LeCun et al. 1998) as in the seed table: a 28x28 digit padded to
// the paper's 32x32 by conv c1's padding, sigmoid squashing, average
// subsampling, C3 fully connected to S2 (the paper's partial connection
// table is not a grouping), C5 counted as the first fc layer as the table
// counts it, and the RBF output replaced by an fc + softmax.
Graph build_lenet5(const ZooParams& p) {
    Builder b("lenet5", p);
    int x = b.input("input", Shape{1, 1, 28, 28});
    x = b.conv("c1", x, 6, 5, 1, 2, 1, Act::none);
    x = b.unary("c1_sigmoid", OpType::sigmoid, x);
    x = b.avgpool("s2", x, 2, 2, 0);
    x = b.conv("c3", x, 16, 5, 1, 0, 1, Act::none);
    x = b.unary("c3_sigmoid", OpType::sigmoid, x);
    x = b.avgpool("s4", x, 2, 2, 0);
    x = b.fc("c5", x, 120, Act::none);
    x = b.unary("c5_sigmoid", OpType::sigmoid, x);
    x = b.fc("f6", x, 84, Act::none);
    x = b.unary("f6_sigmoid", OpType::sigmoid, x);
    x = b.fc("output", x, 10, Act::none, false, kLogitRms);
    return b.finish({b.unary("prob", OpType::softmax, x)});
}

// AlexNet (Krizhevsky et al. 2012): 227x227x3, conv2/4/5 in two groups (the
// two GPUs), LRN (n 5, alpha 1e-4, beta 0.75, k 2) after the rectified conv1
// and conv2, overlapping 3x3/2 max pools.
Graph build_alexnet(const ZooParams& p) {
    Builder b("alexnet", p);
    int x = b.input("input", Shape{1, 3, 227, 227});
    x = b.conv("conv1", x, 96, 11, 4, 0, 1, Act::relu);
    x = b.lrn("norm1", x, 5, 1e-4, 0.75, 2.0);
    x = b.maxpool("pool1", x, 3, 2, 0);
    x = b.conv("conv2", x, 256, 5, 1, 2, 2, Act::relu);
    x = b.lrn("norm2", x, 5, 1e-4, 0.75, 2.0);
    x = b.maxpool("pool2", x, 3, 2, 0);
    x = b.conv("conv3", x, 384, 3, 1, 1, 1, Act::relu);
    x = b.conv("conv4", x, 384, 3, 1, 1, 2, Act::relu);
    x = b.conv("conv5", x, 256, 3, 1, 1, 2, Act::relu);
    x = b.maxpool("pool5", x, 3, 2, 0);
    x = b.fc("fc6", x, 4096, Act::relu);
    x = b.fc("fc7", x, 4096, Act::relu);
    x = b.fc("fc8", x, 1000, Act::none, false, kLogitRms);
    return b.finish({b.unary("prob", OpType::softmax, x)});
}

// VGG-16 (Simonyan and Zisserman 2014, configuration D).
Graph build_vgg16(const ZooParams& p) {
    Builder b("vgg16", p);
    int x = b.input("input", Shape{1, 3, 224, 224});
    const int convs[5] = {2, 2, 3, 3, 3};
    const std::int64_t width[5] = {64, 128, 256, 512, 512};
    for (int s = 0; s < 5; ++s) {
        for (int i = 0; i < convs[s]; ++i)
            x = b.conv("conv" + std::to_string(s + 1) + "_" + std::to_string(i + 1), x, width[s], 3,
                       1, 1, 1, Act::relu);
        x = b.maxpool("pool" + std::to_string(s + 1), x, 2, 2, 0);
    }
    x = b.fc("fc6", x, 4096, Act::relu);
    x = b.fc("fc7", x, 4096, Act::relu);
    x = b.fc("fc8", x, 1000, Act::none, false, kLogitRms);
    return b.finish({b.unary("prob", OpType::softmax, x)});
}

namespace {
// One GoogLeNet inception module (table 1 of the paper): 1x1, 3x3 reduce +
// 3x3, 5x5 reduce + 5x5, 3x3/1 max pool + 1x1 projection, concatenated.
int inception(Builder& b, const std::string& name, int x, std::int64_t n1, std::int64_t n3r,
              std::int64_t n3, std::int64_t n5r, std::int64_t n5, std::int64_t pool_proj) {
    const double s = b.layer_scale(x, Act::relu);  // the concat's one scale
    const std::string p = "inception_" + name + "_";
    const int a = b.conv(p + "1x1", x, n1, 1, 1, 0, 1, Act::relu, s);
    const int r3 = b.conv(p + "3x3_reduce", x, n3r, 1, 1, 0, 1, Act::relu);
    const int c3 = b.conv(p + "3x3", r3, n3, 3, 1, 1, 1, Act::relu, s);
    const int r5 = b.conv(p + "5x5_reduce", x, n5r, 1, 1, 0, 1, Act::relu);
    const int c5 = b.conv(p + "5x5", r5, n5, 5, 1, 2, 1, Act::relu, s);
    const int mp = b.maxpool(p + "pool", x, 3, 1, 1);
    const int pp = b.conv(p + "pool_proj", mp, pool_proj, 1, 1, 0, 1, Act::relu, s);
    return b.concat(p + "output", {a, c3, c5, pp});
}
}  // namespace

// GoogLeNet (Szegedy et al. 2014, v1): the paper's table 1 with real 5x5
// branches, LRN after pool1 and conv2 (n 5, alpha 1e-4, beta 0.75, k 1), the
// reference model's ceil-mode 3x3/2 pools (an extra pad after: maps of 56,
// 28, 14, 7), average pool 7x7, fc 1000; no auxiliary classifiers (training
// only). ceil_pools=0 rounds the pools down instead (55, 27, 13, 6; the last
// average pool then covers the 6x6 map): the shapes behind the 1.43G MACs
// figure often quoted for this network.
Graph build_googlenet(const ZooParams& p) {
    const std::int64_t e = p.get_flag("ceil_pools") ? 1 : 0;  // the extra pad after
    Builder b("googlenet", p);
    int x = b.input("input", Shape{1, 3, 224, 224});
    x = b.conv("conv1_7x7_s2", x, 64, 7, 2, 3, 1, Act::relu);
    x = b.maxpool("pool1_3x3_s2", x, 3, 2, 0, e);
    x = b.lrn("pool1_norm1", x, 5, 1e-4, 0.75, 1.0);
    x = b.conv("conv2_3x3_reduce", x, 64, 1, 1, 0, 1, Act::relu);
    x = b.conv("conv2_3x3", x, 192, 3, 1, 1, 1, Act::relu);
    x = b.lrn("conv2_norm2", x, 5, 1e-4, 0.75, 1.0);
    x = b.maxpool("pool2_3x3_s2", x, 3, 2, 0, e);
    x = inception(b, "3a", x, 64, 96, 128, 16, 32, 32);
    x = inception(b, "3b", x, 128, 128, 192, 32, 96, 64);
    x = b.maxpool("pool3_3x3_s2", x, 3, 2, 0, e);
    x = inception(b, "4a", x, 192, 96, 208, 16, 48, 64);
    x = inception(b, "4b", x, 160, 112, 224, 24, 64, 64);
    x = inception(b, "4c", x, 128, 128, 256, 24, 64, 64);
    x = inception(b, "4d", x, 112, 144, 288, 32, 64, 64);
    x = inception(b, "4e", x, 256, 160, 320, 32, 128, 128);
    x = b.maxpool("pool4_3x3_s2", x, 3, 2, 0, e);
    x = inception(b, "5a", x, 256, 160, 320, 32, 128, 128);
    x = inception(b, "5b", x, 384, 192, 384, 48, 128, 128);
    x = b.avgpool("pool5_7x7_s1", x, b.t(x).shape.h, 1, 0);
    x = b.fc("loss3_classifier", x, 1000, Act::none, false, kLogitRms);
    return b.finish({b.unary("prob", OpType::softmax, x)});
}

namespace {
// ResNet-50 (He et al. 2015): bottleneck blocks [3, 4, 6, 3], projection
// shortcuts (1x1, stride s) in the first block of each stage. v1 puts the
// stage's stride in the first 1x1 conv (branch2a), v1.5 in the 3x3 (branch2b).
Graph resnet50(const ZooParams& p, const std::string& name, bool stride_in_3x3) {
    Builder b(name, p);
    int x = b.input("input", Shape{1, 3, 224, 224});
    x = b.conv("conv1", x, 64, 7, 2, 3, 1, Act::relu);
    x = b.maxpool("pool1", x, 3, 2, 1);
    const int blocks[4] = {3, 4, 6, 3};
    const std::int64_t width[4] = {64, 128, 256, 512};
    for (int s = 0; s < 4; ++s) {
        for (int i = 0; i < blocks[s]; ++i) {
            const std::string n =
                "res" + std::to_string(s + 2) + std::string(1, static_cast<char>('a' + i));
            const std::int64_t stride = (i == 0 && s > 0) ? 2 : 1;
            const std::int64_t w = width[s];
            const int a =
                b.conv(n + "_branch2a", x, w, 1, stride_in_3x3 ? 1 : stride, 0, 1, Act::relu);
            const int c =
                b.conv(n + "_branch2b", a, w, 3, stride_in_3x3 ? stride : 1, 1, 1, Act::relu);
            const int d = b.conv(n + "_branch2c", c, 4 * w, 1, 1, 0, 1, Act::none);
            const int sc =
                i == 0 ? b.conv(n + "_branch1", x, 4 * w, 1, stride, 0, 1, Act::none) : x;
            x = b.add(n, d, sc, Act::relu);
        }
    }
    x = b.global_avgpool("pool5", x);
    x = b.fc("fc1000", x, 1000, Act::none, false, kLogitRms);
    return b.finish({b.unary("prob", OpType::softmax, x)});
}
}  // namespace

Graph build_resnet50(const ZooParams& p) {
    return resnet50(p, "resnet50", false);
}
Graph build_resnet50_v15(const ZooParams& p) {
    return resnet50(p, "resnet50-v1.5", true);
}

// MobileNetV2 (Sandler et al. 2018), torchvision's layout: inverted residual
// blocks (1x1 expand, 3x3 depthwise, linear 1x1 project), relu6, residual
// add where stride is 1 and the width is unchanged.
Graph build_mobilenet_v2(const ZooParams& p) {
    Builder b("mobilenet_v2", p);
    int x = b.input("input", Shape{1, 3, 224, 224});
    x = b.conv("conv1", x, 32, 3, 2, 1, 1, Act::relu6);
    struct Stage {
        std::int64_t t, c, n, s;
    };
    const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                            {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    std::int64_t in = 32;
    int k = 0;
    for (const Stage& st : stages) {
        for (std::int64_t i = 0; i < st.n; ++i) {
            const std::string n = "block" + std::to_string(++k);
            const std::int64_t stride = i == 0 ? st.s : 1;
            const std::int64_t hidden = in * st.t;
            int h = x;
            if (st.t != 1) h = b.conv(n + "_expand", h, hidden, 1, 1, 0, 1, Act::relu6);
            h = b.conv(n + "_dw", h, hidden, 3, stride, 1, hidden, Act::relu6);
            h = b.conv(n + "_project", h, st.c, 1, 1, 0, 1, Act::none);
            if (stride == 1 && in == st.c) h = b.add(n + "_add", h, x, Act::none);
            x = h;
            in = st.c;
        }
    }
    x = b.conv("conv_last", x, 1280, 1, 1, 0, 1, Act::relu6);
    x = b.global_avgpool("pool", x);
    x = b.fc("fc", x, 1000, Act::none, false, kLogitRms);
    return b.finish({b.unary("prob", OpType::softmax, x)});
}

// A small residual net for fast functional tests: 3x32x32, a 3x3 stem, one
// identity block, one downsampling block with a 1x1/2 projection, global
// average pool, fc 10.
Graph build_resnet_small(const ZooParams& p) {
    Builder b("resnet_small", p);
    int x = b.input("input", Shape{1, 3, 32, 32});
    x = b.conv("conv1", x, 8, 3, 1, 1, 1, Act::relu);
    int y = b.conv("block1_conv1", x, 8, 3, 1, 1, 1, Act::relu);
    y = b.conv("block1_conv2", y, 8, 3, 1, 1, 1, Act::none);
    x = b.add("block1_add", y, x, Act::relu);
    y = b.conv("block2_conv1", x, 16, 3, 2, 1, 1, Act::relu);
    y = b.conv("block2_conv2", y, 16, 3, 1, 1, 1, Act::none);
    const int sc = b.conv("block2_proj", x, 16, 1, 2, 0, 1, Act::none);
    x = b.add("block2_add", y, sc, Act::relu);
    x = b.global_avgpool("pool", x);
    x = b.fc("fc", x, 10, Act::none, false, kLogitRms);
    return b.finish({b.unary("prob", OpType::softmax, x)});
}

// A multilayer perceptron: widths = input, hidden..., classes; relu between.
Graph build_mlp(const ZooParams& p) {
    const std::vector<std::int64_t> w = p.get_ints("widths");
    if (w.size() < 2)
        throw GraphError("workload 'mlp': widths needs at least two values (input-output)");
    for (std::size_t i = 1; i < w.size(); ++i)
        check_size(p, "a layer's weights", w[i], w[i - 1]);
    Builder b("mlp", p);
    int x = b.input("input", Shape{1, w[0], 1, 1});
    for (std::size_t i = 1; i < w.size(); ++i)
        x = i + 1 < w.size() ? b.fc("fc" + std::to_string(i), x, w[i], Act::relu)
                             : b.fc("fc" + std::to_string(i), x, w[i], Act::none, false, kLogitRms);
    return b.finish({b.unary("prob", OpType::softmax, x)});
}

// One GEMM: Y[M][N] = W[M][K] X[K][N] (+ bias), as a fc node in GEMM form.
Graph build_gemm(const ZooParams& p) {
    const std::int64_t m = p.get_int("m"), k = p.get_int("k"), n = p.get_int("n");
    check_size(p, "the weight", m, k);
    check_size(p, "the input", k, n);
    check_size(p, "the output", m, n);
    Builder b("gemm", p);
    const int x = b.input("x", Shape{1, k, 1, n});
    return b.finish({b.fc("gemm", x, m, Act::none, true)});
}

// ------------------------------------------------------ the table

const std::vector<ZooEntry>& entries() {
    static const std::vector<ZooEntry> e = {
        {"lenet5", "LeNet-5 (1998): 1x28x28, sigmoid, average pooling, C5 as fc", {}, build_lenet5},
        {"alexnet",
         "AlexNet (2012): 227x227x3, two groups on conv2/4/5, LRN, overlapping max pools",
         {},
         build_alexnet},
        {"vgg16", "VGG-16 (2014): 13 3x3 convs, 3 fc", {}, build_vgg16},
        {"googlenet",
         "GoogLeNet v1 (2014): 9 inception modules with 5x5 branches, LRN, no aux classifiers",
         {{"ceil_pools", "1"}},
         build_googlenet},
        {"resnet50",
         "ResNet-50 v1 (2015): stride 2 in the first 1x1 of a block, projections",
         {},
         build_resnet50},
        {"resnet50-v1.5",
         "ResNet-50 v1.5 (torchvision): stride 2 in the 3x3 of a block",
         {},
         build_resnet50_v15},
        {"mobilenet_v2",
         "MobileNetV2 (2018): inverted residuals, depthwise 3x3, relu6",
         {},
         build_mobilenet_v2},
        {"resnet_small",
         "small residual net for fast tests: 3x32x32, 2 blocks (one downsampling), fc 10",
         {},
         build_resnet_small},
        {"mlp",
         "multilayer perceptron: fc + relu layers of the given widths",
         {{"widths", "784-256-128-10"}},
         build_mlp},
        {"gemm",
         "one GEMM Y[m][n] = W[m][k] X[k][n] (fc in GEMM form)",
         {{"m", "64"}, {"k", "64"}, {"n", "64"}},
         build_gemm},
        {"lstm",
         "LSTM layers over a sequence (gates on the NPU, cell on the CPU)",
         {{"hidden", "128"}, {"input", "64"}, {"layers", "1"}, {"seq", "16"}},
         build_lstm},
        {"gru",
         "GRU layers over a sequence",
         {{"hidden", "128"}, {"input", "64"}, {"layers", "1"}, {"seq", "16"}},
         build_gru},
        {"attention",
         "multi-head self-attention block",
         {{"seq", "32"}, {"dim", "128"}, {"heads", "4"}},
         build_attention},
    };
    return e;
}

namespace {

// 3 significant digits with a unit: 2.33M, 666M, 15.3G.
std::string human(std::int64_t v) {
    static const char* const kUnit[] = {"", "k", "M", "G", "T"};
    double x = static_cast<double>(v);
    int u = 0;
    while (u < 4 && x >= 999.5) {
        x /= 1000.0;
        ++u;
    }
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    else
        std::snprintf(buf, sizeof buf,
                      x >= 99.95   ? "%.0f%s"
                      : x >= 9.995 ? "%.1f%s"
                                   : "%.2f%s",
                      x, kUnit[u]);
    return buf;
}

std::string exact(std::int64_t v) {
    std::string s = std::to_string(v);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
        s.insert(static_cast<std::size_t>(i), ",");
    return s;
}

std::string pad_left(const std::string& s, std::size_t w) {
    return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
}
std::string pad_right(const std::string& s, std::size_t w) {
    return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}

}  // namespace

std::string list_text() {
    constexpr std::size_t kName = 15, kCol = 16;
    std::ostringstream o;
    o << "Built-in workloads (--workload NAME or NAME:key=value,...); figures at the defaults.\n"
         "MACs: conv M*(C/groups)*R*S*E*F, fc M*K*N, matmul M*K*N, lstm/gru/attention\n"
         "their GEMMs over the sequence; weights: weight elements (biases not counted).\n"
         "Totals include matmul/lstm/gru/attention. Second line of a row: exact counts.\n\n";
    const char* const head[] = {"conv weights", "conv MACs",     "fc weights",
                                "fc MACs",      "total weights", "total MACs"};
    o << pad_right("workload", kName);
    for (const char* h : head)
        o << pad_left(h, kCol);
    o << "\n" << std::string(kName + 6 * kCol, '-') << "\n";
    for (const ZooEntry& e : entries()) {
        o << pad_right(e.name, kName);
        try {
            const Totals t = totals(build_shapes(e.name));
            const std::int64_t v[] = {t.conv_weights, t.conv_macs, t.fc_weights,
                                      t.fc_macs,      t.weights(), t.macs()};
            for (std::int64_t x : v)
                o << pad_left(human(x), kCol);
            o << "\n" << std::string(kName, ' ');
            for (std::int64_t x : v)
                o << pad_left(exact(x), kCol);
            o << "\n";
        } catch (const GraphError& err) {
            o << "  (not available: " << err.what() << ")\n";
        }
        o << std::string(kName, ' ') << "  " << e.description;
        if (!e.keys.empty()) {
            o << "; keys:";
            for (const auto& kd : e.keys)
                o << " " << kd.first << "=" << kd.second;
        }
        o << "\n\n";
    }
    return o.str();
}

}  // namespace wl::zoo
