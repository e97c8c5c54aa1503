// The zoo's recurrent and attention networks (zoo.h): lstm and gru stacks and
// one multi-head self-attention block, with the zoo's synthetic int8 data.
//
// Quantization (graph.h's rules for these ops): x, every h and every layer's
// output share the graph input's quantization (scale 1/64, zero point 0: h
// lies in (-1, 1)); W and R of a layer share one scale, weight_scale(I + H)
// (the fan-in of the step's GEMM over [x_t ; h_{t-1}]); biases are the zoo's
// for that fan-in. attention: every weight at weight_scale(D), biases for a
// fan-in of D; the values V carry attention_projection_scale (rnn_quant.h),
// the context at most V's spread, and the output scale maps the output
// projection of that spread to the zoo's target RMS.
#include <cmath>
#include <string>

#include "workloads/rnn_quant.h"
#include "workloads/zoo.h"

namespace wl::zoo {

namespace {

Graph build_recurrent(const ZooParams& p, OpType op) {
    const bool is_lstm = op == OpType::lstm;
    const std::int64_t H = p.get_int("hidden"), I = p.get_int("input");
    const std::int64_t layers = p.get_int("layers"), T = p.get_int("seq");
    const std::int64_t gates = is_lstm ? 4 : 3;
    Builder b(p.workload, p);
    int x = b.input("x", Shape{1, 1, T, I});
    const Quant q = b.t(x).quant;
    std::int64_t in = I;
    for (std::int64_t l = 0; l < layers; ++l) {
        const std::string name = std::string(is_lstm ? "lstm" : "gru") + std::to_string(l + 1);
        const double s_wr = weight_scale(in + H);
        const int W = b.weights(name + ".W", Shape{1, 1, gates * H, in}, s_wr);
        const int R = b.weights(name + ".R", Shape{1, 1, gates * H, H}, s_wr);
        const int B = b.bias(name + ".B", (is_lstm ? 4 : 6) * H, in + H);
        Attrs a;
        a.hidden = H;
        x = b.node(name, op, {x, W, R, B}, a, q);
        in = H;
    }
    return b.finish({x});
}

}  // namespace

Graph build_lstm(const ZooParams& p) {
    return build_recurrent(p, OpType::lstm);
}

Graph build_gru(const ZooParams& p) {
    return build_recurrent(p, OpType::gru);
}

Graph build_attention(const ZooParams& p) {
    const std::int64_t T = p.get_int("seq"), D = p.get_int("dim"), heads = p.get_int("heads");
    if (D % heads != 0)
        throw GraphError(p.workload + ": heads " + std::to_string(heads) + " must divide dim " +
                         std::to_string(D));
    Builder b(p.workload, p);
    const int x = b.input("x", Shape{1, 1, T, D});
    const double s_w = weight_scale(D);
    std::vector<int> ins{x};
    for (const char* w : {"Wq", "Wk", "Wv", "Wo"})
        ins.push_back(b.weights(std::string("attn.") + w, Shape{1, 1, D, D}, s_w));
    for (const char* bias : {"bq", "bk", "bv", "bo"})
        ins.push_back(b.bias(std::string("attn.") + bias, D, D));
    const double s_v = attention_projection_scale(b.t(x).quant.scale, s_w, D);
    const double y_real_rms = std::sqrt(double(D)) * s_w * kWeightStd * kTargetRms * s_v;
    Attrs a;
    a.heads = heads;
    const int y = b.node("attn", OpType::attention, ins, a,
                         Quant{Builder::scale_for(y_real_rms, Act::none), 0, {}});
    return b.finish({y});
}

}  // namespace wl::zoo
