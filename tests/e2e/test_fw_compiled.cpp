// The platform firmware running images the compiler wrote (zoo networks
// through npu::compiler::compile and write_image) on the SoC: every control
// mode runs to the end, the number of kernel launches is the one the program
// implies (counted here by walking the program on the host), a run-time
// sequence length changes the launches of an lstm and irq mode refuses it.
// SystemC bench: each TEST in its own process under ctest.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "npu_compiler/compile.h"
#include "sc_bench.h"
#include "vp/config.h"
#include "vp/console.h"
#include "vp/sim_control.h"
#include "vp/soc.h"
#include "vp/stats.h"
#include "workloads/executor.h"
#include "workloads/zoo.h"

namespace {

std::uint64_t stat(const std::string& path) {
    return vp::stats().contains(path) ? static_cast<std::uint64_t>(vp::stats().read(path)) : 0;
}

// Kernel launches the program [first, first + count) makes: every KERNEL
// weighted by the trip counts of its loops, every LIST by its length.
std::uint64_t launches_of(const npu::compiler::ModelImage& img, std::uint32_t first,
                          std::uint32_t count, std::uint32_t seq_len) {
    std::uint64_t total = 0;
    std::vector<std::uint64_t> trips{1};
    for (std::uint32_t i = first; i < first + count; ++i) {
        const npu_prog_op_t& op = img.ops.at(i);
        if (op.opcode == NPU_PROG_END) break;
        if (op.opcode == NPU_PROG_KERNEL) total += trips.back();
        if (op.opcode == NPU_PROG_LIST) total += op.arg1;
        if (op.opcode == NPU_PROG_LOOP)
            trips.push_back(trips.back() * (op.arg0 == NPU_LOOP_SEQ_LEN ? seq_len : op.arg1));
        if (op.opcode == NPU_PROG_ENDLOOP) trips.pop_back();
    }
    return total;
}

struct CompiledRun : vp_test::ScBench {
    npu::compiler::CompiledModel model;
    std::unique_ptr<vp::Soc> soc;
    int status = -1;
    std::string console;

    wl::Graph graph;
    std::vector<wl::Tensor8> inputs;  // functional runs: the graph's synthetic inputs

    // functional: the NPU computes, the graph's input is written to DRAM first.
    CompiledRun(const std::string& spec, std::uint32_t control, std::uint32_t completion,
                std::uint32_t seq_len = 0, std::uint32_t flags = 0, bool functional = false,
                unsigned weight_kb = 64) {
        vp::Config config;
        config.weight_kb = weight_kb;
        config.max_cycles = 2'000'000'000;
        if (functional) config.mode = vp::SimMode::functional;
        npu::compiler::CompileOptions options;
        options.arch.core.weight_bytes = weight_kb * 1024u;
        graph = wl::zoo::build(spec);
        model = npu::compiler::compile(graph, options);
        vp::Soc::DramBlobs extra;
        if (functional) {
            inputs = wl::synthetic_inputs(graph, 1);
            wl::Tensor8& x = inputs.at(0);
            if (seq_len > 0 && x.shape.h > seq_len) {  // a shorter sequence: its first rows
                x.shape.h = seq_len;
                x.data.resize(static_cast<std::size_t>(x.shape.size()));
            }
            const npu_img_tensor_t& t = model.image.tensors.at(model.image.header.input_tensor);
            const auto* p = reinterpret_cast<const std::uint8_t*>(inputs.at(0).data.data());
            extra.emplace_back(t.addr, std::vector<std::uint8_t>(p, p + inputs.at(0).data.size()));
        }
        npu_input_header_t in{};
        in.control = control;
        in.completion = completion;
        in.seq_len = seq_len;
        in.flags = flags;
        soc = std::make_unique<vp::Soc>("soc", config, VP_DEFAULT_FIRMWARE_ELF);
        soc->load_model(npu::compiler::write_image(model), in, extra);
        sc_core::sc_start();
        EXPECT_TRUE(vp::SimControl::finished()) << "the firmware did not end the run";
        status = vp::SimControl::exit_status();
        vp::console().flush();
        console = vp::console().transcript();
    }
    // The graph output's bytes in DRAM after the run.
    std::vector<std::int8_t> output() const {
        const npu_img_tensor_t& t = model.image.tensors.at(model.image.header.output_tensor);
        const auto* p =
            reinterpret_cast<const std::int8_t*>(soc->dram.data() + (t.addr - VP_DRAM_BASE));
        return std::vector<std::int8_t>(p, p + t.bytes);
    }
    const npu_img_header_t& header() const { return model.image.header; }
    std::uint64_t call_launches(std::uint32_t seq_len) const {
        return launches_of(model.image, header().call_first, header().call_count, seq_len);
    }
    std::uint64_t irq_launches() const {
        return launches_of(model.image, header().irq_first, header().irq_count, 0);
    }
};

}  // namespace

TEST(FwCompiled, Lenet5IrqControl) {
    CompiledRun r("lenet5", NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ);
    ASSERT_EQ(r.status, 0) << r.console;
    EXPECT_EQ(stat("npu.kernels"), r.irq_launches());
    EXPECT_EQ(stat("npu.desc_fetch_bytes"), r.irq_launches() * NPU_DESC_SIZE);
    EXPECT_NE(r.console.find("model: done: "), std::string::npos) << r.console;
}

TEST(FwCompiled, Lenet5CallControlIrqCompletion) {
    CompiledRun r("lenet5", NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ);
    ASSERT_EQ(r.status, 0) << r.console;
    EXPECT_EQ(stat("npu.kernels"), r.call_launches(0));
    EXPECT_EQ(stat("cpu.interrupts"), r.call_launches(0));
}

TEST(FwCompiled, Lenet5CallControlPollCompletion) {
    CompiledRun r("lenet5", NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_POLL);
    ASSERT_EQ(r.status, 0) << r.console;
    EXPECT_EQ(stat("npu.kernels"), r.call_launches(0));
    EXPECT_EQ(stat("cpu.interrupts"), 0u);
}

TEST(FwCompiled, ResnetSmallIrqPerLayer) {
    CompiledRun r("resnet_small", NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ, 0,
                  NPU_RUN_F_IRQ_PER_LAYER);
    ASSERT_EQ(r.status, 0) << r.console;
    EXPECT_EQ(stat("npu.kernels"), r.irq_launches());
    EXPECT_EQ(stat("cpu.interrupts"), r.irq_launches());  // one per kernel
}

TEST(FwCompiled, LstmLaunchesFollowTheSequenceLength) {
    CompiledRun r("lstm", NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_POLL, 5);
    ASSERT_EQ(r.status, 0) << r.console;
    EXPECT_EQ(stat("npu.kernels"), r.call_launches(5));
    EXPECT_NE(r.call_launches(5), r.call_launches(4));
}

TEST(FwCompiled, LstmIsRefusedInIrqMode) {
    CompiledRun r("lstm", NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ, 5);
    EXPECT_EQ(r.status, 14) << r.console;
    EXPECT_NE(r.console.find("needs run-time control (sequence loops): use --control call"),
              std::string::npos)
        << r.console;
    EXPECT_EQ(stat("npu.kernels"), 0u);
}

// Functional mode: the firmware's run gives the reference executor's output
// byte for byte, under each control mode.
// Functional mode: the firmware's run gives the reference executor's output
// byte for byte (for a sequence model run shorter than its longest sequence:
// the output's first rows).
void expect_bit_exact(const std::string& spec, std::uint32_t control, std::uint32_t completion,
                      std::uint32_t seq_len = 0) {
    CompiledRun r(spec, control, completion, seq_len, 0, true);
    ASSERT_EQ(r.status, 0) << r.console;
    const wl::Execution ref = wl::execute(r.graph, r.inputs);
    ASSERT_EQ(ref.outputs.size(), 1u);
    const std::vector<std::int8_t>& want = ref.outputs[0].data;
    const std::vector<std::int8_t> got = r.output();
    if (seq_len == 0)
        ASSERT_EQ(got.size(), want.size());
    else
        ASSERT_GE(got.size(), want.size());
    std::size_t same = 0;
    while (same < want.size() && got[same] == want[same])
        ++same;
    EXPECT_EQ(same, want.size()) << "first difference at element " << same;
}

TEST(FwCompiled, Lenet5BitExactIrq) {
    expect_bit_exact("lenet5", NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ);
}
TEST(FwCompiled, Lenet5BitExactCallIrq) {
    expect_bit_exact("lenet5", NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ);
}
TEST(FwCompiled, Lenet5BitExactCallPoll) {
    expect_bit_exact("lenet5", NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_POLL);
}
TEST(FwCompiled, ResnetSmallBitExactIrq) {
    expect_bit_exact("resnet_small", NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ);
}
TEST(FwCompiled, LstmBitExactAtARunTimeLength) {
    expect_bit_exact("lstm", NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_POLL, 5);
}
TEST(FwCompiled, GruBitExactAtARunTimeLength) {
    expect_bit_exact("gru", NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ, 3);
}
TEST(FwCompiled, AttentionBitExactAtARunTimeLength) {
    expect_bit_exact("attention", NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_POLL, 7);
}
TEST(FwCompiled, ResnetSmallBitExactCallPoll) {
    expect_bit_exact("resnet_small", NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_POLL);
}

// The descriptor index of every launch the call program makes, in order.
std::vector<std::uint32_t> launch_sequence(const npu::compiler::ModelImage& img,
                                           std::uint32_t seq_len) {
    std::vector<std::uint32_t> out;
    struct Loop {
        std::uint32_t body, trips, index;
    };
    std::vector<Loop> loops;
    const npu_img_header_t& h = img.header;
    for (std::uint32_t pc = h.call_first; pc < h.call_first + h.call_count; ++pc) {
        const npu_prog_op_t& op = img.ops.at(pc);
        if (op.opcode == NPU_PROG_END) break;
        if (op.opcode == NPU_PROG_KERNEL) out.push_back(op.arg0);
        if (op.opcode == NPU_PROG_LOOP)
            loops.push_back({pc + 1, op.arg0 == NPU_LOOP_SEQ_LEN ? seq_len : op.arg1, 0});
        if (op.opcode == NPU_PROG_ENDLOOP) {
            if (++loops.back().index < loops.back().trips)
                pc = loops.back().body - 1;
            else
                loops.pop_back();
        }
    }
    return out;
}

TEST(FwCompiled, LstmResidentWeightsSaveWhatTheCompilerPredicts) {
    // At the image's default sequence length: the NPU's weight reads are the
    // launches' cold predictions minus the compiler's resident saving, and
    // every layer's weight bytes equal its prediction. A 256 KiB weight
    // scratchpad holds the 98 KiB of the cell's weights (64 KiB does not).
    CompiledRun r("lstm", NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ, 0, 0, false, 256);
    ASSERT_EQ(r.status, 0) << r.console;
    const std::vector<std::uint32_t> launches =
        launch_sequence(r.model.image, r.header().seq_len_default);
    const std::vector<vp::LayerReport> rows = r.soc->layer_reports();
    ASSERT_EQ(rows.size(), launches.size());
    std::uint64_t cold = 0, measured = 0;
    std::vector<std::uint64_t> by_layer(r.model.image.layers.size(), 0);
    for (std::size_t i = 0; i < launches.size(); ++i) {
        cold += r.model.predictions.at(launches[i]).rd_weight;
        measured += rows[i].dram_read.weight;
        by_layer.at(r.model.image.descs.at(launches[i]).kernel_id) += rows[i].dram_read.weight;
    }
    EXPECT_GT(r.model.resident_saved_bytes, 0u);
    EXPECT_EQ(measured, cold - r.model.resident_saved_bytes);
    for (std::size_t l = 0; l < by_layer.size(); ++l)
        EXPECT_EQ(by_layer[l], r.model.image.layers[l].pred_rd_weight) << "layer " << l;
}
