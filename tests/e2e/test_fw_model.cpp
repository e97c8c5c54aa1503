// The platform firmware running hand-built model images on the whole SoC
// (SystemC bench, one platform per test process): irq control (with and
// without per-layer interrupts), call control with interrupt and polling
// completion, loops with patches and RESIDENT weights, a loop over the
// run-time sequence length, and each bad image or run ending with its one
// line and documented exit status (firmware/README.md). The fw.step trace
// register is checked through the syscon.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <systemc>

#include "model_image_builder.h"
#include "npu_abi/cpu_ops.h"
#include "npu_abi/npu_regs.h"
#include "sc_bench.h"
#include "vp/config.h"
#include "vp/console.h"
#include "vp/sim_control.h"
#include "vp/soc.h"
#include "vp/stats.h"
#include "vprt/runtime.h"

using vp_test::img_layer;
using vp_test::ModelImageBuilder;
using vp_test::prog_op;

namespace {

// Exit statuses, as firmware/README.md documents them (vprt/runtime.h).
constexpr int kBadImage = 10, kBadCrc = 11, kBadInput = 12, kBadProgram = 13, kNeedsCall = 14,
              kNpuError = 15, kCpuStep = 16;

constexpr std::uint32_t fw_step_fail(int status) {
    return VP_FW_STEP_FAIL | static_cast<std::uint32_t>(status);
}

constexpr std::uint32_t kTensors = VP_DRAM_BASE + 0x200000u;
constexpr std::uint32_t kIfmap = kTensors, kWeight0 = kTensors + 0x10000u,
                        kWeight1 = kTensors + 0x11000u, kOfmap = kTensors + 0x20000u,
                        kPsum = kTensors + 0x30000u, kCopyDst = kTensors + 0x40000u;
constexpr std::uint32_t kOfmapBytes = 8 * 8 * 8;

// A small 3x3 convolution, 8 -> 8 channels on 8 x 8, whole extents as tiles.
npu_desc_t small_conv(std::uint16_t layer, std::uint32_t weight) {
    npu_desc_t d{};
    d.op = NPU_OP_CONV;
    d.dataflow = NPU_DF_OS;
    d.out_type = NPU_OUT_INT8;
    d.kernel_id = layer;
    d.ifmap_addr = kIfmap;
    d.weight_addr = weight;
    d.ofmap_addr = kOfmap;
    d.psum_addr = kPsum;
    d.c = d.h = d.w = d.m = d.e = d.f = 8;
    d.r = d.s = 3;
    d.stride_h = d.stride_w = 1;
    d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
    d.groups = 1;
    d.mult = 1 << 20;
    d.shift = 28;
    const std::uint16_t tile[NPU_DIMS] = {8, 8, 8, 8, 3, 3};
    const std::uint8_t order[NPU_DIMS] = {NPU_DIM_M, NPU_DIM_Y, NPU_DIM_C,
                                          NPU_DIM_X, NPU_DIM_K, NPU_DIM_L};
    for (unsigned i = 0; i < NPU_DIMS; ++i) {
        d.tile[i] = tile[i];
        d.loop_order[i] = order[i];
    }
    return d;
}

npu_patch_t patch(std::uint16_t offset, std::uint8_t width, std::uint8_t source,
                  std::int32_t scale) {
    npu_patch_t p{};
    p.offset = offset;
    p.width = width;
    p.source = source;
    p.scale = scale;
    return p;
}

// Two layers, three descriptors (the third has a bad op), one copy step.
//   call: KERNEL 0; CPU 0; LOOP 3 { KERNEL 1 (ofmap += 512 * i, resident after first) }; END
//   irq:  LIST [0, 2); CPU 0; LIST [1, 2); END
ModelImageBuilder two_layer_model() {
    ModelImageBuilder b;
    b.name = "two_conv";
    b.layers = {img_layer("conv1", "conv"), img_layer("conv2", "conv")};
    b.descs = {small_conv(0, kWeight0), small_conv(1, kWeight1), small_conv(1, kWeight1)};
    b.descs[2].op = 99;  // NPU_ERR_BAD_OP when it runs
    npu_cpu_step_t copy{};
    copy.kind = NPU_STEP_COPY;
    copy.layer = 0;
    copy.addr[0] = kCopyDst;
    copy.addr[1] = kOfmap;
    copy.param[0] = 64;
    b.steps = {copy};
    b.patches = {patch(offsetof(npu_desc_t, ofmap_addr), 4, NPU_PATCH_LOOP(0), kOfmapBytes)};
    b.call = {prog_op(NPU_PROG_KERNEL, 0),
              prog_op(NPU_PROG_CPU, 0),
              prog_op(NPU_PROG_LOOP, NPU_LOOP_CONST, 3),
              prog_op(NPU_PROG_KERNEL, 1, 0, NPU_PROG_F_RESIDENT_AFTER_FIRST, 1, 0),
              prog_op(NPU_PROG_ENDLOOP),
              prog_op(NPU_PROG_END)};
    b.irq = {prog_op(NPU_PROG_LIST, 0, 2), prog_op(NPU_PROG_CPU, 0), prog_op(NPU_PROG_LIST, 1, 1),
             prog_op(NPU_PROG_END)};
    return b;
}

npu_input_header_t run_header(std::uint32_t control, std::uint32_t completion,
                              std::uint32_t flags = 0, std::uint32_t seq_len = 0) {
    npu_input_header_t in{};
    in.control = control;
    in.completion = completion;
    in.flags = flags;
    in.seq_len = seq_len;
    return in;
}

std::uint64_t stat(const std::string& path) {
    return vp::stats().contains(path) ? static_cast<std::uint64_t>(vp::stats().read(path)) : 0;
}

// The SoC with the platform firmware, the image in DRAM, run to the end.
struct ModelRun : vp_test::ScBench {
    std::unique_ptr<vp::Soc> soc;
    int status = -1;
    std::string console;

    // With `vcd_stem` set, every signal is traced to vcd_stem + ".vcd".
    ModelRun(const std::vector<std::uint8_t>& image, const npu_input_header_t& in,
             const vp::Soc::DramBlobs& extra = {}, const std::string& vcd_stem = "") {
        vp::Config config;
        config.max_cycles = 200'000'000;
        soc = std::make_unique<vp::Soc>("soc", config, VP_DEFAULT_FIRMWARE_ELF);
        soc->load_model(image, in, extra);
        sc_core::sc_trace_file* tf = nullptr;
        if (!vcd_stem.empty()) {
            tf = sc_core::sc_create_vcd_trace_file(vcd_stem.c_str());
            tf->set_time_unit(1, sc_core::SC_NS);
            soc->trace(tf);
        }
        sc_core::sc_start(sc_core::sc_time(200.0, sc_core::SC_MS), sc_core::SC_EXIT_ON_STARVATION);
        if (tf) sc_core::sc_close_vcd_trace_file(tf);
        EXPECT_TRUE(vp::SimControl::finished()) << "the firmware did not end the run";
        status = vp::SimControl::exit_status();
        vp::console().flush();
        console = vp::console().transcript();
    }
    std::uint32_t fw_step() const { return soc->syscon.fw_step(); }
    bool says(const std::string& what) const { return console.find(what) != std::string::npos; }
};

// Exactly one line of the model runtime's failure, containing `what`.
void expect_failure(const ModelRun& r, int status, const std::string& what) {
    EXPECT_EQ(r.status, status) << r.console;
    EXPECT_TRUE(r.says(what)) << r.console;
    EXPECT_EQ(r.fw_step(), fw_step_fail(status));
    EXPECT_EQ(stat("npu.kernels"), 0u) << "nothing may run from a refused image";
}

}  // namespace

TEST(FwModel, IrqControlWalksTheListsAndRunsTheCpuStep) {
    ModelImageBuilder b = two_layer_model();
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ));
    EXPECT_EQ(r.status, 0) << r.console;
    EXPECT_TRUE(r.says("model: 'two_conv', 2 layers, 3 descriptors, control irq\n")) << r.console;
    EXPECT_TRUE(r.says("model: done: 3 kernels in 2 lists, 1 CPU steps, 2 NPU interrupts"))
        << r.console;
    EXPECT_EQ(stat("npu.kernels"), 3u);
    EXPECT_EQ(stat("npu.desc_fetch_bytes"), 3u * NPU_DESC_SIZE);
    EXPECT_EQ(stat("cpu.interrupts"), 2u);  // one per list
    EXPECT_EQ(r.fw_step(), VP_FW_STEP_DONE);
}

// The values a VCD variable `scope`.`name` takes, in order (vector values).
std::vector<std::uint32_t> vcd_values(const std::string& text, const std::string& scope,
                                      const std::string& name) {
    const std::size_t at = text.find("$scope module " + scope + " $end");
    EXPECT_NE(at, std::string::npos) << scope;
    if (at == std::string::npos) return {};
    std::istringstream defs(text.substr(at));
    std::string line, id;
    while (id.empty() && std::getline(defs, line)) {
        std::istringstream words(line);
        std::string var, type, width, code, var_name;
        if (words >> var >> type >> width >> code >> var_name && var == "$var" && var_name == name)
            id = code;
    }
    EXPECT_FALSE(id.empty()) << scope << "." << name;
    std::vector<std::uint32_t> values;
    std::istringstream all(text);
    while (std::getline(all, line)) {
        const std::size_t space = line.find(' ');
        if (line.empty() || line[0] != 'b' || space == std::string::npos ||
            line.substr(space + 1) != id)
            continue;
        values.push_back(
            static_cast<std::uint32_t>(std::stoul(line.substr(1, space - 1), nullptr, 2)));
    }
    return values;
}

TEST(FwModel, FwStepIsTracedNextToTheNpuKernel) {
    // Call program: KERNEL 0; CPU 0; LOOP 3 { KERNEL 1 } ENDLOOP; END (ops 0..5).
    ModelImageBuilder b = two_layer_model();
    const std::string stem = ::testing::TempDir() + "fw_model_" + std::to_string(getpid());
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ), {}, stem);
    ASSERT_EQ(r.status, 0) << r.console;
    std::ifstream in(stem + ".vcd");
    std::stringstream text;
    text << in.rdbuf();
    std::vector<std::uint32_t> want = {0, VP_FW_STEP_CHECK};
    for (std::uint32_t op : {0, 1, 2, 3, 4, 3, 4, 3, 4, 5})
        want.push_back(VP_FW_STEP_OP | op);
    want.push_back(VP_FW_STEP_DONE);
    EXPECT_EQ(vcd_values(text.str(), "fw", "step"), want);
    // npu.kernel: each launch's kernel_id (the layer), ending on layer 1.
    const std::vector<std::uint32_t> kernels = vcd_values(text.str(), "npu", "kernel");
    ASSERT_FALSE(kernels.empty());
    EXPECT_EQ(kernels.back(), 1u);
    std::remove((stem + ".vcd").c_str());
}

TEST(FwModel, IrqPerLayerTakesOneInterruptPerKernel) {
    ModelImageBuilder b = two_layer_model();
    ModelRun r(b.bytes(),
               run_header(NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ, NPU_RUN_F_IRQ_PER_LAYER));
    EXPECT_EQ(r.status, 0) << r.console;
    EXPECT_TRUE(r.says(", irq per layer")) << r.console;
    EXPECT_TRUE(r.says("model: done: 3 kernels in 2 lists, 1 CPU steps, 3 NPU interrupts"))
        << r.console;
    EXPECT_EQ(stat("npu.kernels"), 3u);
    EXPECT_EQ(stat("cpu.interrupts"), 3u);
}

// Call control: 1 + 3 launches; the loop's patch moves the ofmap by 512 bytes
// per iteration; iterations 2 and 3 find their weights resident.
void check_call_run(std::uint32_t completion) {
    ModelImageBuilder b = two_layer_model();
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, completion));
    const bool poll = completion == NPU_RUN_COMPLETION_POLL;
    EXPECT_EQ(r.status, 0) << r.console;
    EXPECT_TRUE(r.says(std::string("control call, completion ") + (poll ? "poll" : "irq")))
        << r.console;
    EXPECT_TRUE(r.says(std::string("model: done: 4 kernels, 1 CPU steps, ") + (poll ? "0" : "4") +
                       " NPU interrupts"))
        << r.console;
    EXPECT_EQ(stat("npu.kernels"), 4u);
    EXPECT_EQ(stat("npu.desc_fetch_bytes"), 0u);  // launched through the window
    EXPECT_EQ(stat("cpu.interrupts"), poll ? 0u : 4u);
    const std::vector<vp::LayerReport> rows = r.soc->layer_reports();
    ASSERT_EQ(rows.size(), 4u);
    const std::uint64_t weights = 8 * 8 * 3 * 3;
    EXPECT_EQ(rows[0].dram_read.weight, weights);
    EXPECT_EQ(rows[1].dram_read.weight, weights);  // first iteration loads them
    EXPECT_EQ(rows[2].dram_read.weight, 0u);       // RESIDENT
    EXPECT_EQ(rows[3].dram_read.weight, 0u);
    for (const vp::LayerReport& row : rows)
        EXPECT_EQ(row.dram_write.ofmap, kOfmapBytes);
}

TEST(FwModel, CallControlWithInterruptCompletion) {
    check_call_run(NPU_RUN_COMPLETION_IRQ);
}

TEST(FwModel, CallControlWithPollingCompletion) {
    check_call_run(NPU_RUN_COMPLETION_POLL);
}

TEST(FwModel, PollingRunWaitsByInterruptWhereTheProgramSaysSo) {
    // NPU_PROG_F_IRQ kernels among polled ones: the DONE bits the polled
    // launches left in IRQ_STATUS must not end the interrupt waits early.
    ModelImageBuilder b = two_layer_model();
    b.call = {prog_op(NPU_PROG_KERNEL, 0), prog_op(NPU_PROG_KERNEL, 1, 0, NPU_PROG_F_IRQ),
              prog_op(NPU_PROG_KERNEL, 0), prog_op(NPU_PROG_KERNEL, 1, 0, NPU_PROG_F_IRQ),
              prog_op(NPU_PROG_KERNEL, 0)};
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_POLL));
    EXPECT_EQ(r.status, 0) << r.console;
    EXPECT_TRUE(r.says("model: done: 5 kernels, 0 CPU steps, 2 NPU interrupts")) << r.console;
    EXPECT_EQ(stat("npu.kernels"), 5u);
    EXPECT_EQ(stat("cpu.interrupts"), 2u);
}

TEST(FwModel, LoopPatchMovesTheOfmapPerIteration) {
    // Functional mode: iteration i writes the ofmap slice at kOfmap + 512 * i.
    // ifmap 3, weights 1, acc = 8 channels x taps inside the input x 3, scaled
    // by 2^28 / 2^30: y = 6 * taps. The fourth slice stays untouched (zero).
    ModelImageBuilder b = two_layer_model();
    b.descs[1].mult = 1 << 28;
    b.descs[1].shift = 30;
    b.call = {prog_op(NPU_PROG_LOOP, NPU_LOOP_CONST, 3), prog_op(NPU_PROG_KERNEL, 1, 0, 0, 1, 0),
              prog_op(NPU_PROG_ENDLOOP)};
    std::vector<std::uint8_t> ifmap(8 * 8 * 8, 3), weights(8 * 8 * 9, 1);
    vp::Config config;
    config.mode = vp::SimMode::functional;
    config.max_cycles = 200'000'000;
    vp_test::ScBench guard;
    vp::Soc soc("soc", config, VP_DEFAULT_FIRMWARE_ELF);
    soc.load_model(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ),
                   {{kIfmap, ifmap}, {kWeight1, weights}});
    sc_core::sc_start(sc_core::sc_time(200.0, sc_core::SC_MS), sc_core::SC_EXIT_ON_STARVATION);
    ASSERT_EQ(vp::SimControl::exit_status(), 0) << vp::console().transcript();
    const std::uint8_t* out = soc.dram.data() + (kOfmap - VP_DRAM_BASE);
    auto inside = [](int p) { return (p > 0 ? 1 : 0) + 1 + (p < 7 ? 1 : 0); };  // taps per axis
    for (std::uint32_t slice = 0; slice < 4; ++slice)
        for (int m = 0; m < 8; ++m)
            for (int y = 0; y < 8; ++y)
                for (int x = 0; x < 8; ++x) {
                    const int want = slice < 3 ? 6 * inside(y) * inside(x) : 0;
                    EXPECT_EQ(static_cast<int8_t>(out[slice * kOfmapBytes + (m * 8 + y) * 8 + x]),
                              want)
                        << "slice " << slice << " m " << m << " y " << y << " x " << x;
                }
    EXPECT_EQ(stat("npu.kernels"), 3u);
}

TEST(FwModel, SequenceLoopLaunchesSeqLenKernels) {
    ModelImageBuilder b = two_layer_model();
    b.name = "seq";
    b.seq_len_max = 8;
    b.seq_len_default = 4;
    b.irq.clear();  // needs run-time control
    b.patches.push_back(patch(offsetof(npu_desc_t, kernel_id), 2, NPU_PATCH_SEQ_LEN, 0));
    b.call = {prog_op(NPU_PROG_LOOP, NPU_LOOP_SEQ_LEN, 8),
              prog_op(NPU_PROG_KERNEL, 1, 0, NPU_PROG_F_RESIDENT_AFTER_FIRST, 2, 0),
              prog_op(NPU_PROG_ENDLOOP), prog_op(NPU_PROG_END)};
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_POLL, 0, 5));
    EXPECT_EQ(r.status, 0) << r.console;
    EXPECT_TRUE(r.says(", seq_len 5\n")) << r.console;
    EXPECT_EQ(stat("npu.kernels"), 5u);
}

TEST(FwModel, SequenceLoopUsesTheDefaultLength) {
    ModelImageBuilder b = two_layer_model();
    b.seq_len_max = 8;
    b.seq_len_default = 4;
    b.call = {prog_op(NPU_PROG_LOOP, NPU_LOOP_SEQ_LEN, 8), prog_op(NPU_PROG_KERNEL, 0),
              prog_op(NPU_PROG_ENDLOOP)};
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ, 0, 0));
    EXPECT_EQ(r.status, 0) << r.console;
    EXPECT_EQ(stat("npu.kernels"), 4u);
}

TEST(FwModel, IrqControlRefusesAModelWithoutAnIrqProgram) {
    ModelImageBuilder b = two_layer_model();
    b.seq_len_max = 8;
    b.seq_len_default = 4;
    b.irq.clear();
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ));
    expect_failure(r, kNeedsCall,
                   "model: 'two_conv' needs run-time control (sequence loops): use --control "
                   "call\n");
}

TEST(FwModel, NpuErrorInCallModeNamesKernelAndLayer) {
    ModelImageBuilder b = two_layer_model();
    b.call = {prog_op(NPU_PROG_KERNEL, 0), prog_op(NPU_PROG_KERNEL, 2),
              prog_op(NPU_PROG_KERNEL, 1)};
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ));
    EXPECT_EQ(r.status, kNpuError) << r.console;
    EXPECT_TRUE(
        r.says("model: NPU error 1 (npu_regs.h NPU_ERR_*) in kernel 1 (call program "
               "launch, descriptor 2), layer 1 'conv2'\n"))
        << r.console;
    EXPECT_EQ(stat("npu.kernels"), 2u);  // the good one and the failing one; not the third
    EXPECT_EQ(r.fw_step(), fw_step_fail(kNpuError));
}

TEST(FwModel, NpuErrorInIrqModeNamesListIndexAndLayer) {
    ModelImageBuilder b = two_layer_model();
    b.irq = {prog_op(NPU_PROG_LIST, 0, 3)};
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ));
    EXPECT_EQ(r.status, kNpuError) << r.console;
    EXPECT_TRUE(
        r.says("model: NPU error 1 (npu_regs.h NPU_ERR_*) in kernel 2 (list index, "
               "descriptor 2), layer 1 'conv2'\n"))
        << r.console;
}

TEST(FwModel, BadCrcIsRefused) {
    ModelImageBuilder b = two_layer_model();
    std::vector<std::uint8_t> img = b.bytes();
    img[b.header.desc_offset + offsetof(npu_desc_t, c)] ^= 1;  // a table byte
    ModelRun r(img, run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ));
    expect_failure(r, kBadCrc, "model: bad image: meta_crc32 0x");
}

TEST(FwModel, BadVersionIsRefused) {
    ModelImageBuilder b = two_layer_model();
    std::vector<std::uint8_t> img = b.bytes();
    img[offsetof(npu_img_header_t, version)] = 7;
    ModelRun r(img, run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ));
    expect_failure(r, kBadImage, "model: bad image: version 7, this firmware reads version 1\n");
}

TEST(FwModel, TruncatedTablesAreRefused) {
    // The descriptor table claims more entries than the tables hold.
    ModelImageBuilder b = two_layer_model();
    std::vector<std::uint8_t> img = b.bytes();
    npu_img_header_t h;
    std::memcpy(&h, img.data(), sizeof h);
    h.desc_count = 1000;
    std::memcpy(img.data(), &h, sizeof h);
    ModelRun r(img, run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ));
    expect_failure(r, kBadImage, "model: bad image: descriptor table (1000 x 128 bytes");
}

TEST(FwModel, BadInputHeaderIsRefused) {
    ModelImageBuilder b = two_layer_model();
    b.seq_len_max = 8;
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ, 0, 9));
    expect_failure(r, kBadInput, "model: bad input header: seq_len 9 outside 1..8\n");
}

TEST(FwModel, InputHeaderMagicIsChecked) {
    ModelImageBuilder b = two_layer_model();
    const std::vector<std::uint8_t> zero(4, 0);
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ),
               {{b.input_header_addr, zero}});
    expect_failure(r, kBadInput, "model: bad input header at 0x80100000: magic 0x00000000");
}

TEST(FwModel, UnbalancedLoopIsABadProgramNotAHang) {
    ModelImageBuilder b = two_layer_model();
    b.call = {prog_op(NPU_PROG_LOOP, NPU_LOOP_CONST, 2), prog_op(NPU_PROG_KERNEL, 0)};
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ));
    expect_failure(r, kBadProgram, "model: bad program: op 2: loops left open at the end (1)\n");
}

TEST(FwModel, LoopsDeeperThanTheLimitAreABadProgram) {
    ModelImageBuilder b = two_layer_model();
    b.call.clear();
    for (unsigned i = 0; i <= NPU_LOOP_MAX_DEPTH; ++i)
        b.call.push_back(prog_op(NPU_PROG_LOOP, NPU_LOOP_CONST, 2));
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ));
    expect_failure(r, kBadProgram, "loops nested deeper than (4)");
}

TEST(FwModel, PatchFromOutsideTheLoopNestIsABadProgram) {
    ModelImageBuilder b = two_layer_model();
    b.call = {prog_op(NPU_PROG_KERNEL, 1, 0, 0, 1, 0)};  // patch reads loop depth 0: no loop
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ));
    expect_failure(r, kBadProgram, "patch from a loop depth outside the nest (0)");
}

TEST(FwModel, UnknownCpuStepIsRefusedBeforeAnyKernel) {
    ModelImageBuilder b = two_layer_model();
    b.steps[0].kind = 42;
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ));
    expect_failure(r, kCpuStep, "model: CPU step 0 (op 1): kind 42 is not supported");
}

TEST(FwModel, CpuStepOutsideTheModelDramFails) {
    // The copy's source lies beyond dram_end: the shared step code refuses it.
    ModelImageBuilder b = two_layer_model();
    b.steps[0].addr[1] = b.dram_end;
    b.call = {prog_op(NPU_PROG_CPU, 0), prog_op(NPU_PROG_KERNEL, 0)};
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ));
    EXPECT_EQ(r.status, kCpuStep) << r.console;
    EXPECT_TRUE(
        r.says("model: CPU step 0 (kind 1, layer 0) failed: an address range outside "
               "the model's DRAM or misaligned\n"))
        << r.console;
    EXPECT_EQ(stat("npu.kernels"), 0u);
}

TEST(FwModel, CpuStepsRunInALoopWithPatches) {
    // Transpose int8 [4][8] -> [8][4], once per iteration into its own 32-byte
    // slot (dst patched by 32 * i); the source is a ramp.
    ModelImageBuilder b = two_layer_model();
    npu_cpu_step_t t{};
    npu_cpu_transpose_step(&t, kCopyDst, kIfmap, 4, 8);
    b.steps = {t};
    b.patches = {patch(offsetof(npu_cpu_step_t, addr), 4, NPU_PATCH_LOOP(0), 32)};
    b.call = {prog_op(NPU_PROG_LOOP, NPU_LOOP_CONST, 2), prog_op(NPU_PROG_CPU, 0, 0, 0, 1, 0),
              prog_op(NPU_PROG_ENDLOOP)};
    b.irq.clear();
    std::vector<std::uint8_t> ramp(32);
    for (std::size_t i = 0; i < ramp.size(); ++i)
        ramp[i] = static_cast<std::uint8_t>(i + 1);
    ModelRun r(b.bytes(), run_header(NPU_RUN_CONTROL_CALL, NPU_RUN_COMPLETION_IRQ),
               {{kIfmap, ramp}});
    EXPECT_EQ(r.status, 0) << r.console;
    EXPECT_TRUE(r.says("model: done: 0 kernels, 2 CPU steps")) << r.console;
    const std::uint8_t* out = r.soc->dram.data() + (kCopyDst - VP_DRAM_BASE);
    for (std::uint32_t slot = 0; slot < 2; ++slot)
        for (std::uint32_t c = 0; c < 8; ++c)
            for (std::uint32_t row = 0; row < 4; ++row)
                EXPECT_EQ(out[slot * 32 + c * 4 + row], ramp[row * 8 + c]) << slot << c << row;
    EXPECT_EQ(out[64], 0u);
}

TEST(FwModel, NoImageRunsTheDemo) {
    // No magic at the load address: today's demo, unchanged.
    vp::Config config;
    vp_test::ScBench guard;
    vp::Soc soc("soc", config, VP_DEFAULT_FIRMWARE_ELF);
    sc_core::sc_start(sc_core::sc_time(200.0, sc_core::SC_MS), sc_core::SC_EXIT_ON_STARVATION);
    EXPECT_EQ(vp::SimControl::exit_status(), 0);
    EXPECT_NE(vp::console().transcript().find("firmware: done"), std::string::npos);
    EXPECT_EQ(vp::console().transcript().find("model:"), std::string::npos);
    EXPECT_EQ(soc.syscon.fw_step(), 0u);
}

TEST(FwModel, LoadModelRefusesABadMagicAndWhatDoesNotFitTheDram) {
    ModelImageBuilder b = two_layer_model();
    b.dram_end = VP_DRAM_BASE + 0x20000000u;  // 512 MiB: beyond the default 256
    vp::Config config;
    vp_test::ScBench guard;
    vp::Soc soc("soc", config, VP_DEFAULT_FIRMWARE_ELF);
    try {
        soc.load_model(b.bytes(), run_header(NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ));
        FAIL() << "no error";
    } catch (const vp::ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "model image 'two_conv' uses DRAM up to 0xa0000000, the DRAM ends at "
                  "0x90000000 (see --dram-mb)");
    }
    std::vector<std::uint8_t> bad = two_layer_model().bytes();
    bad[0] ^= 0xFF;
    try {
        soc.load_model(bad, run_header(NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ));
        FAIL() << "no error";
    } catch (const vp::ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "model image: magic 0x494d50b1, expected 0x494d504e (\"NPMI\")");
    }
    ModelImageBuilder c = two_layer_model();
    c.input_header_addr = 0x70000000u;
    try {
        soc.load_model(c.bytes(), run_header(NPU_RUN_CONTROL_IRQ, NPU_RUN_COMPLETION_IRQ));
        FAIL() << "no error";
    } catch (const vp::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("model input header at 0x70000000 (32 bytes) does "
                                             "not fit the DRAM"),
                  std::string::npos)
            << e.what();
    }
}
