// vp_run's verification and per-layer report around a model run, without a
// simulation: a compiled network's output placed in a DRAM image by hand.
// --verify must accept exactly the reference executor's bytes and name the
// first differing layer and element otherwise. formula_cycles, the untiled
// layers' systolic cycles, against values computed by hand.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vp/model_run.h"
#include "vp/soc.h"
#include "workloads/executor.h"

namespace {

// lenet5 compiled as vp_run compiles it (functional mode, --verify).
vp::ModelRun lenet5_run(bool verify_layers) {
    vp::Config c;
    c.workload = "lenet5";
    c.mode = vp::SimMode::functional;
    c.verify = true;
    c.verify_layers = verify_layers;
    vp::ModelPrep prep = vp::prepare_model(c);
    EXPECT_FALSE(prep.exit_now);
    return std::move(prep.run);
}

const npu_img_tensor_t& table_row(const vp::ModelRun& run, const std::string& name) {
    for (const npu_img_tensor_t& t : run.image.tensors)
        if (name == std::string(t.name, strnlen(t.name, sizeof t.name))) return t;
    ADD_FAILURE() << "no tensor " << name;
    return run.image.tensors.at(0);
}

}  // namespace

// vp_model_run links the SystemC library, which needs this symbol; nothing
// here simulates (gtest's main runs the tests).
int sc_main(int, char**) {
    return 0;
}

TEST(ModelRun, VerifyAcceptsTheReferenceAndNamesTheFirstDifference) {
    const vp::ModelRun run = lenet5_run(false);
    ASSERT_TRUE(run.graph);
    const wl::Execution ref = wl::execute(*run.graph, run.inputs);
    std::vector<std::uint8_t> dram(std::size_t{64} << 20, 0);
    const int out_id = run.graph->outputs.at(0);
    const std::string out_name = run.graph->tensor(out_id).name;
    const npu_img_tensor_t& out = table_row(run, out_name);
    const std::vector<std::int8_t>& want = ref.values[static_cast<std::size_t>(out_id)].data;
    std::memcpy(dram.data() + (out.addr - VP_DRAM_BASE), want.data(), want.size());

    std::string message;
    vp::VerifyReport v = vp::verify_model(dram.data(), dram.size(), run, false, message);
    EXPECT_TRUE(v.checked);
    EXPECT_TRUE(v.match) << message;

    // One element off: the mismatch names the layer and the element.
    dram[out.addr - VP_DRAM_BASE + 7] ^= 1;
    v = vp::verify_model(dram.data(), dram.size(), run, false, message);
    EXPECT_TRUE(v.checked);
    EXPECT_FALSE(v.match);
    EXPECT_EQ(message.rfind("layer '" + out_name + "' element 7 (c 7, y 0, x 0): NPU ", 0), 0u)
        << message;
}

TEST(ModelRun, VerifyLayersChecksLayersBeforeTheOutput) {
    const vp::ModelRun run = lenet5_run(true);
    const wl::Execution ref = wl::execute(*run.graph, run.inputs);
    std::vector<std::uint8_t> dram(std::size_t{64} << 20, 0);
    // Every node output where the image placed it: all layers match.
    for (const wl::Node& n : run.graph->nodes) {
        const int id = n.outputs.at(0);
        const auto& v = ref.values[static_cast<std::size_t>(id)].data;
        for (const npu_img_tensor_t& t : run.image.tensors)
            if (run.graph->tensor(id).name == std::string(t.name, strnlen(t.name, sizeof t.name)))
                std::memcpy(dram.data() + (t.addr - VP_DRAM_BASE), v.data(), v.size());
    }
    std::string message;
    EXPECT_TRUE(vp::verify_model(dram.data(), dram.size(), run, true, message).match) << message;
    // The first layer output in DRAM wrong (a fused activation's input never
    // exists): named, although the network's output is right.
    std::string first;
    for (const wl::Node& n : run.graph->nodes) {
        const std::string name = run.graph->tensor(n.outputs.at(0)).name;
        for (const npu_img_tensor_t& t : run.image.tensors)
            if (first.empty() && name == std::string(t.name, strnlen(t.name, sizeof t.name)))
                first = name;
    }
    ASSERT_FALSE(first.empty());
    ASSERT_NE(first, run.graph->tensor(run.graph->outputs.at(0)).name);
    dram[table_row(run, first).addr - VP_DRAM_BASE] ^= 0x40;
    EXPECT_FALSE(vp::verify_model(dram.data(), dram.size(), run, true, message).match);
    EXPECT_NE(message.find("layer '" + first + "' element 0"), std::string::npos) << message;
    EXPECT_TRUE(vp::verify_model(dram.data(), dram.size(), run, false, message).match);
}

// ---------------------------------------------------------------- formula_cycles

namespace {

// layer name -> formula_cycles of a workload compiled for `df` (timing mode).
std::map<std::string, std::uint64_t> formula_by_name(const std::string& workload, vp::Dataflow df,
                                                     std::uint32_t seq_len = 0) {
    vp::Config c;
    c.workload = workload;
    c.dataflow = df;
    c.seq_len = seq_len;
    c.control = seq_len ? vp::Control::call : vp::Control::irq;  // a run-time loop needs call
    vp::ModelPrep prep = vp::prepare_model(c);
    EXPECT_FALSE(prep.exit_now);
    const std::vector<std::uint64_t> f =
        vp::layer_formula_cycles(prep.run, vp::npu_core_config(vp::Config{}));
    std::map<std::string, std::uint64_t> out;
    for (std::size_t i = 0; i < prep.run.image.layers.size(); ++i) {
        const npu_img_layer_t& l = prep.run.image.layers[i];
        if (l.desc_count) out[std::string(l.name, strnlen(l.name, sizeof l.name))] = f.at(i);
    }
    return out;
}

}  // namespace

// The untiled layer's systolic cycles on 32x32, by hand from npu/systolic.h:
// folds = ceil(Sr/32) * ceil(Sc/32); os fold = T + 62, ws/is fold = T + 94.
//   conv 10x10x4 -> 40 filters 3x3: E = F = 8, 64 pixels, reduction 36
//     os: Sr 64 px, T 36, Sc 40 -> 2*2 folds * 98  = 392
//     ws: Sr 36, T 64 px, Sc 40 -> 2*2 folds * 158 = 632
//     is: Sr 36, T 40, Sc 64 px -> 2*2 folds * 134 = 536
//   depthwise (DP) 10x10x4, one 3x3 filter per channel: 4 groups of
//   1 filter, reduction 9, 64 pixels
//     os: Sr 64, T 9, Sc 1  -> 4 * (2*1 folds * 71) = 568
//     ws: Sr 9, T 64, Sc 1  -> 4 * (1 fold * 158)   = 632
//     is: Sr 9, T 1, Sc 64  -> 4 * (1*2 folds * 95) = 760
//   fc 256 -> 100 (mlp): 1 pixel, reduction 256, 100 filters
//     os: Sr 1, T 256, Sc 100 -> 1*4 folds * 318 = 1272
//     ws: Sr 256, T 1, Sc 100 -> 8*4 folds * 95  = 3040
//     is: Sr 256, T 100, Sc 1 -> 8*1 folds * 194 = 1552
TEST(FormulaCycles, HandComputedConvDepthwiseAndFcUnderEachDataflow) {
    const std::string topo =
        ::testing::TempDir() + "formula_topology_" + std::to_string(::getpid()) + ".csv";
    std::ofstream(topo) << "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
                           "Channels, Num Filter, Strides,\n"
                           "Conv1, 10, 10, 3, 3, 4, 40, 1,\n"
                           "Conv_DP, 10, 10, 3, 3, 4, 1, 1,\n";
    struct Want {
        vp::Dataflow df;
        std::uint64_t conv, dw, fc;
    };
    for (const Want& w :
         {Want{vp::Dataflow::os, 392, 568, 1272}, Want{vp::Dataflow::ws, 632, 632, 3040},
          Want{vp::Dataflow::is, 536, 760, 1552}}) {
        const auto t = formula_by_name(topo, w.df);
        EXPECT_EQ(t.at("Conv1"), w.conv) << vp::to_string(w.df);
        EXPECT_EQ(t.at("Conv_DP"), w.dw) << vp::to_string(w.df);
        EXPECT_EQ(formula_by_name("mlp:widths=256-100", w.df).at("fc1"), w.fc)
            << vp::to_string(w.df);
    }
    std::remove(topo.c_str());
}

// Vector-unit kernels: ceil(outputs * window / 32 lanes), whatever the
// dataflow. lenet5's s2 averages 2x2 windows of 6x28x28 into 6x14x14:
// 6*14*14*4 / 32 = 147.
TEST(FormulaCycles, VectorUnitKernelsAreVectorCycles) {
    for (vp::Dataflow df : {vp::Dataflow::os, vp::Dataflow::ws, vp::Dataflow::is})
        EXPECT_EQ(formula_by_name("lenet5", df).at("s2"), 147u) << vp::to_string(df);
}

// A layer in a run-time loop counts every launch at the run's length: an
// LSTM's per-step kernels are the same at every step, so 4 steps cost twice
// 2 steps, and a step's formula is not zero.
TEST(FormulaCycles, LoopsCountEveryLaunchAtTheRunLength) {
    const std::string spec = "lstm:hidden=32,input=16,layers=1,seq=4";
    const auto four = formula_by_name(spec, vp::Dataflow::os, 4);
    const auto two = formula_by_name(spec, vp::Dataflow::os, 2);
    ASSERT_FALSE(four.empty());
    for (const auto& [name, cycles] : four) {
        EXPECT_GT(two.at(name), 0u) << name;
        EXPECT_EQ(cycles, 2 * two.at(name)) << name;
    }
}
