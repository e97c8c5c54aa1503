// vp_run's verification and per-layer report around a model run, without a
// simulation: a compiled network's output placed in a DRAM image by hand.
// --verify must accept exactly the reference executor's bytes and name the
// first differing layer and element otherwise.
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "vp/model_run.h"
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
