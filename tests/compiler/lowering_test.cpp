// Lowering of small hand-built graphs, field by field: conv with fused
// activations (the node's act, a following relu / sigmoid), fc and its GEMM
// form, matmul of two activations, pools, eltwise add/mul with their relu or
// a following activation fused into one kernel (and run on the NPU core,
// bit-exact against the reference executor), views, concat in place and
// its CPU-copy fallback, softmax as a CPU step, the call and irq programs,
// and the refusals. The expected integer parameters come from
// workloads/quant_params.h (the one place that computes them), the addresses
// from the compiled tensor table.
#include <gtest/gtest.h>

#include <cstring>

#include "../npu/npu_test_util.h"  // the NPU tests' counting DRAM
#include "npu/core.h"
#include "npu_abi/cpu_ops.h"
#include "npu_abi/npu_regs.h"
#include "npu_compiler/compile.h"
#include "npu_compiler/dram_layout.h"
#include "workloads/executor.h"
#include "workloads/quant_params.h"
#include "workloads/zoo.h"

namespace {

namespace nc = npu::compiler;
using wl::Act;
using wl::OpType;
using wl::Shape;

// The table row of a tensor by name.
const npu_img_tensor_t& row(const nc::CompiledModel& m, const std::string& name) {
    for (const auto& t : m.image.tensors)
        if (name == t.name) return t;
    throw std::runtime_error("no tensor " + name);
}

std::vector<std::uint8_t> const_bytes(const nc::CompiledModel& m, const npu_img_tensor_t& t) {
    const std::uint32_t off = t.addr - m.image.header.load_addr - m.image.header.data_offset;
    return {m.image.data.begin() + off, m.image.data.begin() + off + t.bytes};
}

// Every compiled model must satisfy these whatever it is.
void check_invariants(const nc::CompiledModel& m) {
    EXPECT_EQ(nc::check_layout(m.allocations), "");
    EXPECT_NO_THROW(nc::read_image(nc::write_image(m)));
    EXPECT_EQ(m.predictions.size(), m.image.descs.size());
    for (const auto& d : m.image.descs) {
        EXPECT_LT(d.kernel_id, m.image.layers.size());
        EXPECT_EQ(d.dataflow, m.options.dataflow);
    }
}

TEST(Lowering, ConvWithItsReluAndBias) {
    wl::zoo::Builder b("t", 7);
    int x = b.input("in", Shape{1, 3, 9, 9});
    const int y = b.conv("c1", x, 8, 3, 2, 1, 1, Act::relu);
    wl::Graph g = b.finish({y});
    const nc::CompiledModel m = nc::compile(g);
    check_invariants(m);
    ASSERT_EQ(m.image.descs.size(), 1u);
    const npu_desc_t& d = m.image.descs[0];
    const wl::Node& n = g.nodes[0];
    const wl::ChannelRequant rq = wl::accum_requant(g, n);
    EXPECT_EQ(d.op, NPU_OP_CONV);
    EXPECT_EQ(d.c, 3);
    EXPECT_EQ(d.h, 9);
    EXPECT_EQ(d.w, 9);
    EXPECT_EQ(d.m, 8);
    EXPECT_EQ(d.e, 5);
    EXPECT_EQ(d.f, 5);
    EXPECT_EQ(d.r, 3);
    EXPECT_EQ(d.s, 3);
    EXPECT_EQ(d.stride_h, 2);
    EXPECT_EQ(d.stride_w, 2);
    EXPECT_EQ(d.pad_top, 1);
    EXPECT_EQ(d.pad_left, 1);
    EXPECT_EQ(d.pad_bottom, 1);
    EXPECT_EQ(d.pad_right, 1);
    EXPECT_EQ(d.groups, 1);
    EXPECT_EQ(d.out_type, NPU_OUT_INT8);
    EXPECT_EQ(d.act, NPU_ACT_RELU);
    EXPECT_EQ(d.flags, NPU_DESC_F_BIAS);
    EXPECT_EQ(d.mult, rq.at(0).mult);
    EXPECT_EQ(d.shift, rq.at(0).shift);
    EXPECT_EQ(d.zp_out, rq.at(0).zp);
    EXPECT_EQ(d.zp_in, g.tensor(x).quant.zero_point);
    EXPECT_EQ(d.zp_w, 0);
    EXPECT_EQ(d.ifmap_addr, row(m, "in").addr);
    EXPECT_EQ(d.weight_addr, row(m, g.tensor(n.inputs[1]).name).addr);
    EXPECT_EQ(d.bias_addr, row(m, g.tensor(n.inputs[2]).name).addr);
    EXPECT_EQ(d.ofmap_addr, row(m, "c1").addr);
    EXPECT_EQ(d.lut_addr, 0u);
    EXPECT_EQ(d.ifmap_ch_stride, 0u);
    EXPECT_EQ(d.ofmap_ch_stride, 0u);
    // The weights are the graph's, byte for byte, in the data section.
    const auto& w = g.tensor(n.inputs[1]);
    const auto wb = const_bytes(m, row(m, w.name));
    ASSERT_EQ(wb.size(), w.i8.size());
    EXPECT_EQ(0, std::memcmp(wb.data(), w.i8.data(), wb.size()));
    // Programs: one launch; irq: one list of one descriptor.
    const auto& h = m.image.header;
    ASSERT_EQ(h.call_count, 2u);
    EXPECT_EQ(m.image.ops[0].opcode, NPU_PROG_KERNEL);
    EXPECT_EQ(m.image.ops[1].opcode, NPU_PROG_END);
    ASSERT_EQ(h.irq_count, 2u);
    EXPECT_EQ(m.image.ops[h.irq_first].opcode, NPU_PROG_LIST);
    EXPECT_EQ(m.image.ops[h.irq_first].arg1, 1u);
    // Layer row: the conv's MACs and its kernel's prediction.
    ASSERT_EQ(m.image.layers.size(), 1u);
    EXPECT_EQ(m.image.layers[0].macs, 8u * 3 * 9 * 25);
    EXPECT_EQ(m.image.layers[0].pred_cycles, m.predictions[0].cycles);
    EXPECT_EQ(m.image.layers[0].pred_rd_weight, m.predictions[0].rd_weight);
    EXPECT_STREQ(m.image.layers[0].op, "conv");
}

TEST(Lowering, FollowingActivationsAreFused) {
    wl::zoo::Builder b("t", 3);
    int x = b.input("in", Shape{1, 4, 6, 6});
    int c1 = b.conv("c1", x, 8, 1, 1, 0, 1, Act::none);
    int r1 = b.unary("r1", OpType::relu, c1);
    int c2 = b.conv("c2", r1, 8, 3, 1, 1, 1, Act::none);
    int s2 = b.unary("s2", OpType::sigmoid, c2);
    wl::Graph g = b.finish({s2});
    const nc::CompiledModel m = nc::compile(g);
    check_invariants(m);
    ASSERT_EQ(m.image.descs.size(), 2u);
    EXPECT_EQ(m.image.descs[0].act, NPU_ACT_RELU);
    EXPECT_EQ(m.image.descs[0].ofmap_addr, row(m, "r1").addr);
    EXPECT_EQ(m.image.descs[1].ifmap_addr, row(m, "r1").addr);
    EXPECT_EQ(m.image.descs[1].act, NPU_ACT_LUT);
    EXPECT_EQ(m.image.descs[1].ofmap_addr, row(m, "s2").addr);
    // The LUT in the data section is the one quant_params makes.
    const wl::ActParams act = wl::unary_act(g, g.nodes[3]);
    ASSERT_EQ(act.kind, wl::ActKind::lut);
    const auto lut = const_bytes(m, row(m, "s2.lut"));
    ASSERT_EQ(lut.size(), 256u);
    EXPECT_EQ(0, std::memcmp(lut.data(), act.lut.data(), 256));
    EXPECT_EQ(m.image.descs[1].lut_addr, row(m, "s2.lut").addr);
    // The fused-away intermediates get no table entry and no buffer.
    for (const auto& t : m.image.tensors) {
        EXPECT_STRNE(t.name, "c1");
        EXPECT_STRNE(t.name, "c2");
    }
    EXPECT_EQ(m.image.layers.size(), 2u);  // c1 and c2; the activations ride in them
}

TEST(Lowering, AddWithReluIsOneKernel) {
    wl::zoo::Builder b("t", 5);
    int x = b.input("in", Shape{1, 8, 5, 5});
    int c1 = b.conv("c1", x, 8, 1, 1, 0, 1, Act::none);
    int a = b.add("a", c1, x, Act::relu);
    wl::Graph g = b.finish({a});
    const nc::CompiledModel m = nc::compile(g);
    check_invariants(m);
    ASSERT_EQ(m.image.descs.size(), 2u);  // the conv and the add; no RELU kernel
    const npu_desc_t& d = m.image.descs[1];
    const wl::AddParams p = wl::add_params(g, g.nodes[1]);
    EXPECT_EQ(d.op, NPU_OP_ADD);
    EXPECT_EQ(d.c, 8);
    EXPECT_EQ(d.m, 8);
    EXPECT_EQ(d.h, 5);
    EXPECT_EQ(d.e, 5);
    EXPECT_EQ(d.mult, p.mult_a);
    EXPECT_EQ(d.mult_b, p.mult_b);
    EXPECT_EQ(d.shift, p.shift);
    EXPECT_EQ(d.zp_in, p.zp_a);
    EXPECT_EQ(d.zp_w, p.zp_b);
    EXPECT_EQ(d.zp_out, p.zp_y);
    // The relu rides in the add: max(y, zp_out), the executor's fused_act.
    EXPECT_EQ(d.act, NPU_ACT_RELU);
    const wl::ActParams act = wl::fused_act(g, g.nodes[1]);
    EXPECT_EQ(act.kind, wl::ActKind::relu);
    EXPECT_EQ(act.zp, d.zp_out);
    EXPECT_EQ(d.lut_addr, 0u);
    EXPECT_EQ(d.ifmap_addr, row(m, "c1").addr);
    EXPECT_EQ(d.weight_addr, row(m, "in").addr);
    EXPECT_EQ(d.ofmap_addr, row(m, "a").addr);
    // One pass: A and B read once, the sum written once (8 x 5 x 5 bytes each).
    EXPECT_EQ(m.predictions[1].rd_ifmap, 200u);
    EXPECT_EQ(m.predictions[1].rd_weight, 200u);
    EXPECT_EQ(m.predictions[1].wr_ofmap, 200u);
    ASSERT_EQ(m.image.layers.size(), 2u);
    EXPECT_STREQ(m.image.layers[1].op, "add");
    // irq: one list of the two kernels.
    const auto& h = m.image.header;
    EXPECT_EQ(h.irq_count, 2u);
    EXPECT_EQ(m.image.ops[h.irq_first].arg0, 0u);
    EXPECT_EQ(m.image.ops[h.irq_first].arg1, 2u);
}

// An activation node right after an add or mul that alone reads its output
// is fused as after a conv: the LUT is quant_params' table, the kernel
// writes the activation's output, the sum gets no buffer. An add read by a
// second node keeps its output and its activation its own kernel.
TEST(Lowering, ActivationAfterEltwiseIsFused) {
    wl::zoo::Builder b("t", 6);
    int x = b.input("in", Shape{1, 4, 3, 3});
    int c1 = b.conv("c1", x, 4, 1, 1, 0, 1, Act::none);
    int a = b.add("a", c1, x, Act::none);
    int s = b.unary("s", OpType::sigmoid, a);
    wl::Graph g = b.finish({s});
    const nc::CompiledModel m = nc::compile(g);
    check_invariants(m);
    ASSERT_EQ(m.image.descs.size(), 2u);
    const npu_desc_t& d = m.image.descs[1];
    EXPECT_EQ(d.op, NPU_OP_ADD);
    EXPECT_EQ(d.act, NPU_ACT_LUT);
    EXPECT_EQ(d.ofmap_addr, row(m, "s").addr);
    EXPECT_EQ(d.lut_addr, row(m, "s.lut").addr);
    const wl::ActParams act = wl::unary_act(g, g.nodes[2]);
    ASSERT_EQ(act.kind, wl::ActKind::lut);
    const auto lut = const_bytes(m, row(m, "s.lut"));
    ASSERT_EQ(lut.size(), 256u);
    EXPECT_EQ(0, std::memcmp(lut.data(), act.lut.data(), 256));
    EXPECT_EQ(m.predictions[1].rd_weight, 36u + 256u);  // operand B and the LUT (under weight)
    for (const auto& t : m.image.tensors)
        EXPECT_STRNE(t.name, "a");

    // The same with mul (the graph's op swapped: same shapes and checks).
    wl::Graph gm = g;
    gm.nodes[1].op = OpType::mul;
    gm.infer_shapes();
    const nc::CompiledModel mm = nc::compile(gm);
    check_invariants(mm);
    ASSERT_EQ(mm.image.descs.size(), 2u);
    EXPECT_EQ(mm.image.descs[1].op, NPU_OP_MUL);
    EXPECT_EQ(mm.image.descs[1].act, NPU_ACT_LUT);
    EXPECT_EQ(mm.image.descs[1].mult, wl::mul_params(gm, gm.nodes[1]).mult);
    EXPECT_EQ(mm.image.descs[1].ofmap_addr, row(mm, "s").addr);

    // The sum read twice (the relu and the output): not fused.
    wl::zoo::Builder b2("t", 6);
    x = b2.input("in", Shape{1, 4, 3, 3});
    c1 = b2.conv("c1", x, 4, 1, 1, 0, 1, Act::none);
    a = b2.add("a", c1, x, Act::none);
    const int r = b2.unary("r", OpType::relu, a);
    wl::Graph g2 = b2.finish({r, a});
    const nc::CompiledModel m2 = nc::compile(g2);
    check_invariants(m2);
    ASSERT_EQ(m2.image.descs.size(), 3u);
    EXPECT_EQ(m2.image.descs[1].act, NPU_ACT_NONE);
    EXPECT_EQ(m2.image.descs[1].ofmap_addr, row(m2, "a").addr);
    EXPECT_EQ(m2.image.descs[2].op, NPU_OP_RELU);
    EXPECT_EQ(m2.image.descs[2].ifmap_addr, row(m2, "a").addr);
}

namespace {

// Runs a compiled model of NPU kernels only (no loops, no CPU steps) on one
// npu::Core in functional mode: the image copied to DRAM at its load
// address, the graph input written to its buffer, the kernels in order.
// Returns the bytes of the graph's first output.
std::vector<std::int8_t> run_on_npu(const nc::CompiledModel& m, const wl::Graph& g,
                                    const wl::Tensor8& input) {
    const auto& h = m.image.header;
    EXPECT_EQ(h.load_addr, npu_test::kDramBase);
    npu_test::TestDram dram(h.dram_end - h.load_addr);
    const std::vector<std::uint8_t> file = nc::write_image(m);
    std::memcpy(dram.mem.data(), file.data(), file.size());
    const npu_img_tensor_t& in = row(m, g.tensor(g.inputs.at(0)).name);
    std::memcpy(dram.mem.data() + (in.addr - h.load_addr), input.data.data(), input.data.size());
    npu::CoreConfig cfg;  // the NPU the compiler's defaults are for
    cfg.dram_base = h.load_addr;
    cfg.dram_size = dram.mem.size();
    npu::Core core(cfg);
    for (const npu_desc_t& d : m.image.descs) {
        const npu::KernelStats st = core.run(d, dram);
        EXPECT_EQ(st.error, NPU_ERR_NONE) << npu::error_name(st.error);
    }
    const npu_img_tensor_t& out = row(m, g.tensor(g.outputs.at(0)).name);
    const std::uint8_t* p = dram.mem.data() + (out.addr - h.load_addr);
    return {p, p + out.bytes};
}

}  // namespace

// The fused eltwise activations compute what the reference executor does
// (requantize, then the activation): add + relu (its act), add + sigmoid
// (a LUT), mul + relu, mul + tanh, each compiled and run on the NPU core.
TEST(Lowering, FusedEltwiseActivationsAreBitExact) {
    struct Case {
        OpType op;
        Act act;
        OpType next;  // an activation node after it, or OpType::add for none
        std::uint8_t expect_act;
    };
    const Case cases[] = {
        {OpType::add, Act::relu, OpType::add, NPU_ACT_RELU},
        {OpType::add, Act::none, OpType::sigmoid, NPU_ACT_LUT},
        {OpType::mul, Act::relu, OpType::add, NPU_ACT_RELU},
        {OpType::mul, Act::none, OpType::tanh, NPU_ACT_LUT},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(c.op == OpType::add ? "add" : "mul") + " act " +
                     std::to_string(static_cast<int>(c.expect_act)));
        wl::zoo::Builder b("t", 17);
        const int x = b.input("in", Shape{1, 6, 9, 11});
        const int c1 = b.conv("c1", x, 6, 3, 1, 1, 1, Act::none);
        int y = b.add("y", c1, x, c.act);
        if (c.next != OpType::add) y = b.unary("z", c.next, y);
        wl::Graph g = b.finish({y});
        g.nodes[1].op = c.op;  // mul: the same operands and checks as add
        g.infer_shapes();
        const nc::CompiledModel m = nc::compile(g);
        check_invariants(m);
        ASSERT_EQ(m.image.descs.size(), 2u);
        EXPECT_EQ(m.image.descs[1].act, c.expect_act);
        const std::vector<wl::Tensor8> inputs = wl::synthetic_inputs(g, 5);
        const wl::Execution ref = wl::execute(g, inputs);
        const std::vector<std::int8_t> got = run_on_npu(m, g, inputs.at(0));
        EXPECT_EQ(got, ref.outputs.at(0).data);
        // The activation really changes values (not a no-op on this data).
        const wl::Tensor8& pre = ref.values.at(static_cast<std::size_t>(g.nodes[1].outputs.at(0)));
        if (c.act == Act::none) {
            EXPECT_NE(pre.data, ref.outputs.at(0).data);
        }
    }
}

TEST(Lowering, ConcatWritesSlicesInPlace) {
    wl::zoo::Builder b("t", 9);
    int x = b.input("in", Shape{1, 4, 7, 7});
    const double s = b.layer_scale(x, Act::relu);
    int b1 = b.conv("b1", x, 6, 1, 1, 0, 1, Act::relu, s);
    int b2 = b.conv("b2", x, 10, 3, 1, 1, 1, Act::relu, s);
    int p3 = b.maxpool("p3", b1, 3, 1, 1);
    int cat = b.concat("cat", {b1, b2, p3});
    int out = b.conv("out", cat, 4, 1, 1, 0, 1, Act::none);
    wl::Graph g = b.finish({out});
    const nc::CompiledModel m = nc::compile(g);
    check_invariants(m);
    ASSERT_EQ(m.image.descs.size(), 4u);
    ASSERT_EQ(m.image.steps.size(), 0u);  // no copies
    const std::uint32_t base = row(m, "cat").addr;
    EXPECT_EQ(row(m, "b1").addr, base);
    EXPECT_EQ(row(m, "b2").addr, base + 6 * 49);
    EXPECT_EQ(row(m, "p3").addr, base + 16 * 49);
    EXPECT_EQ(m.image.descs[0].ofmap_addr, base);
    EXPECT_EQ(m.image.descs[1].ofmap_addr, base + 6 * 49);
    EXPECT_EQ(m.image.descs[2].ifmap_addr, base);  // the pool reads b1 in its slice
    EXPECT_EQ(m.image.descs[2].ofmap_addr, base + 16 * 49);
    EXPECT_EQ(m.image.descs[3].ifmap_addr, base);
    EXPECT_TRUE(m.notes.empty());
}

TEST(Lowering, ConcatOfAGraphInputFallsBackToACopy) {
    wl::zoo::Builder b("t", 9);
    int x = b.input("in", Shape{1, 4, 5, 5});
    int c = b.conv("c", x, 4, 1, 1, 0, 1, Act::none, b.t(x).quant.scale);
    int cat = b.concat("cat", {x, c});
    wl::Graph g = b.finish({cat});
    const nc::CompiledModel m = nc::compile(g);
    check_invariants(m);
    ASSERT_EQ(m.image.steps.size(), 1u);
    const npu_cpu_step_t& s = m.image.steps[0];
    EXPECT_EQ(s.kind, NPU_STEP_COPY);
    EXPECT_EQ(s.addr[NPU_COPY_A_DST], row(m, "cat").addr);
    EXPECT_EQ(s.addr[NPU_COPY_A_SRC], row(m, "in").addr);
    EXPECT_EQ(s.param[NPU_COPY_P_BYTES], 100);
    EXPECT_EQ(m.image.descs[0].ofmap_addr, row(m, "cat").addr + 100);
    ASSERT_EQ(m.notes.size(), 1u);
    EXPECT_NE(m.notes[0].find("'in'"), std::string::npos);
    // irq: the list of the conv, then the CPU copy.
    const auto& h = m.image.header;
    ASSERT_EQ(h.irq_count, 3u);
    EXPECT_EQ(m.image.ops[h.irq_first].opcode, NPU_PROG_LIST);
    EXPECT_EQ(m.image.ops[h.irq_first + 1].opcode, NPU_PROG_CPU);
}

TEST(Lowering, ViewsPoolsFcAndSoftmax) {
    wl::zoo::Builder b("t", 11);
    int x = b.input("in", Shape{1, 8, 6, 6});
    int p = b.avgpool("p", x, 2, 2, 0);
    int gp = b.global_avgpool("gp", p);
    int f = b.unary("f", OpType::flatten, p);
    int fc = b.fc("fc", f, 10, Act::none);
    int sm = b.unary("sm", OpType::softmax, fc);
    wl::Graph g = b.finish({sm});
    (void)gp;
    const nc::CompiledModel m = nc::compile(g);
    check_invariants(m);
    ASSERT_EQ(m.image.descs.size(), 3u);
    const npu_desc_t& pool = m.image.descs[0];
    EXPECT_EQ(pool.op, NPU_OP_AVGPOOL);
    EXPECT_EQ(pool.r, 2);
    EXPECT_EQ(pool.e, 3);
    EXPECT_EQ(pool.stride_h, 2);
    const npu_desc_t& gap = m.image.descs[1];
    EXPECT_EQ(gap.op, NPU_OP_GAVGPOOL);
    EXPECT_EQ(gap.r, 3);
    EXPECT_EQ(gap.s, 3);
    EXPECT_EQ(gap.e, 1);
    const npu_desc_t& d = m.image.descs[2];
    EXPECT_EQ(d.op, NPU_OP_GEMM);
    EXPECT_EQ(d.c, 72);  // the flattened 8x3x3
    EXPECT_EQ(d.h, 1);
    EXPECT_EQ(d.m, 10);
    EXPECT_EQ(d.ifmap_addr, row(m, "p").addr);  // flatten is a view
    EXPECT_EQ(row(m, "f").addr, row(m, "p").addr);
    ASSERT_EQ(m.image.steps.size(), 1u);
    const npu_cpu_step_t& s = m.image.steps[0];
    const wl::SoftmaxParams sp = wl::softmax_params(g, g.nodes[4]);
    EXPECT_EQ(s.kind, NPU_STEP_SOFTMAX);
    EXPECT_EQ(s.addr[NPU_SOFTMAX_A_SRC], row(m, "fc").addr);
    EXPECT_EQ(s.addr[NPU_SOFTMAX_A_DST], row(m, "sm").addr);
    EXPECT_EQ(s.param[NPU_SOFTMAX_P_ROWS], 1);
    EXPECT_EQ(s.param[NPU_SOFTMAX_P_COLS], 10);
    EXPECT_EQ(s.param[NPU_SOFTMAX_P_MULT], sp.mult);
    const auto table = const_bytes(m, row(m, "sm.exp"));
    ASSERT_EQ(table.size(), 1024u);
    EXPECT_EQ(0, std::memcmp(table.data(), sp.exp_table.data(), 1024));
    EXPECT_EQ(s.addr[NPU_SOFTMAX_A_TABLE], row(m, "sm.exp").addr);
    // The call program in graph order, the irq program split at the step.
    const auto& h = m.image.header;
    ASSERT_EQ(h.call_count, 5u);
    EXPECT_EQ(m.image.ops[3].opcode, NPU_PROG_CPU);
    ASSERT_EQ(h.irq_count, 3u);
    EXPECT_EQ(m.image.ops[h.irq_first].arg1, 3u);
}

TEST(Lowering, GemmFormFcAndMatmul) {
    wl::zoo::Builder b("t", 13);
    int x = b.input("in", Shape{1, 16, 1, 12});
    int y = b.fc("y", x, 24, Act::none, /*gemm_form=*/true);
    wl::Graph g = b.finish({y});
    const nc::CompiledModel m = nc::compile(g);
    check_invariants(m);
    ASSERT_EQ(m.image.descs.size(), 1u);
    EXPECT_EQ(m.image.descs[0].op, NPU_OP_GEMM);
    EXPECT_EQ(m.image.descs[0].c, 16);
    EXPECT_EQ(m.image.descs[0].w, 12);
    EXPECT_EQ(m.image.descs[0].f, 12);
    EXPECT_EQ(m.image.descs[0].m, 24);

    // matmul: A [M][K] is the weight operand, B [K][N] the ifmap [K][1][N].
    wl::Graph h;
    h.name = "mm";
    auto activation = [](const char* name, Shape s, double scale, int zp) {
        wl::TensorDef t;
        t.name = name;
        t.shape = s;
        t.quant = wl::Quant{scale, zp, {}};
        return t;
    };
    const int ia = h.add_tensor(activation("a", Shape{1, 1, 5, 7}, 0.05, 3));
    const int ib = h.add_tensor(activation("b", Shape{1, 1, 7, 9}, 0.04, -2));
    const int io = h.add_tensor(activation("o", Shape{}, 0.2, 1));
    const int iq = h.add_tensor(activation("q", Shape{}, 0.05, 3));
    wl::Node fa{"fa", OpType::relu, {ia}, {iq}, {}};
    h.add_node(fa);
    wl::Node mm{"mm", OpType::matmul, {iq, ib}, {io}, {}};
    h.add_node(mm);
    h.inputs = {ia, ib};
    h.outputs = {io};
    h.infer_shapes();
    // Two activations from two graph inputs: both are inputs of the image
    // (flagged, first in the tensor table; the header names the first).
    const nc::CompiledModel two = nc::compile(h);
    check_invariants(two);
    EXPECT_TRUE(row(two, "a").flags & NPU_TENSOR_F_INPUT);
    EXPECT_TRUE(row(two, "b").flags & NPU_TENSOR_F_INPUT);
    EXPECT_TRUE(row(two, "o").flags & NPU_TENSOR_F_OUTPUT);
    EXPECT_EQ(two.image.header.input_tensor, 0u);
    EXPECT_EQ(two.image.descs[1].ifmap_addr, row(two, "b").addr);
    h.inputs = {ia};
    h.tensors[static_cast<std::size_t>(ib)].is_const = true;
    h.tensors[static_cast<std::size_t>(ib)].i8.assign(63, 1);
    h.infer_shapes();
    const nc::CompiledModel mm_m = nc::compile(h);
    check_invariants(mm_m);
    ASSERT_EQ(mm_m.image.descs.size(), 2u);
    const npu_desc_t& d = mm_m.image.descs[1];
    const wl::ChannelRequant rq = wl::accum_requant(h, h.nodes[1]);
    EXPECT_EQ(d.op, NPU_OP_GEMM);
    EXPECT_EQ(d.m, 5);
    EXPECT_EQ(d.c, 7);
    EXPECT_EQ(d.h, 1);
    EXPECT_EQ(d.w, 9);
    EXPECT_EQ(d.f, 9);
    EXPECT_EQ(d.zp_w, 3);
    EXPECT_EQ(d.zp_in, -2);
    EXPECT_EQ(d.zp_out, 1);
    EXPECT_EQ(d.mult, rq.at(0).mult);
    EXPECT_EQ(d.weight_addr, row(mm_m, "q").addr);
    EXPECT_EQ(d.ifmap_addr, row(mm_m, "b").addr);
    EXPECT_EQ(mm_m.image.descs[0].op, NPU_OP_RELU);  // relu of an input: its own kernel
}

TEST(Lowering, PerChannelScalesUseTheQtable) {
    wl::zoo::Builder b("t", 17);
    int x = b.input("in", Shape{1, 4, 4, 4});
    int c = b.conv("c", x, 6, 1, 1, 0, 1, Act::none);
    wl::Graph g = b.finish({c});
    wl::TensorDef& w = g.tensor(g.nodes[0].inputs[1]);
    for (int m = 0; m < 6; ++m)
        w.quant.channel_scales.push_back(w.quant.scale * (1.0 + 0.25 * m));
    g.infer_shapes();
    const nc::CompiledModel m = nc::compile(g);
    check_invariants(m);
    const npu_desc_t& d = m.image.descs[0];
    ASSERT_TRUE(d.flags & NPU_DESC_F_QTABLE);
    const auto table = const_bytes(m, row(m, "c.qtable"));
    ASSERT_EQ(table.size(), 6u * 8);
    EXPECT_EQ(d.qtable_addr, row(m, "c.qtable").addr);
    const wl::ChannelRequant rq = wl::accum_requant(g, g.nodes[0]);
    for (int i = 0; i < 6; ++i) {
        std::int32_t mult, shift;
        std::memcpy(&mult, table.data() + 8 * i, 4);
        std::memcpy(&shift, table.data() + 8 * i + 4, 4);
        EXPECT_EQ(mult, rq.at(i).mult);
        EXPECT_EQ(static_cast<std::uint32_t>(shift), rq.at(i).shift);
    }
}

TEST(Lowering, RefusalsNameTheNode) {
    wl::zoo::Builder b("t", 1);
    int x = b.input("in", Shape{1, 1, 1, 1});
    int y = b.fc("wide", x, 70000, Act::none);
    wl::Graph g = b.finish({y});
    try {
        nc::compile(g);
        FAIL() << "no error";
    } catch (const nc::CompileError& e) {
        EXPECT_NE(std::string(e.what()).find("node 'wide'"), std::string::npos) << e.what();
    }
    // A DRAM too small for the model.
    nc::CompileOptions o;
    o.arch.core.dram_size = 4096;
    wl::zoo::Builder b2("t", 1);
    int x2 = b2.input("in", Shape{1, 8, 16, 16});
    int y2 = b2.conv("c", x2, 8, 3, 1, 1, 1, Act::none);
    EXPECT_THROW(nc::compile(b2.finish({y2}), o), nc::CompileError);
}

TEST(Lowering, LrnIsACpuStepWithItsTable) {
    wl::zoo::Builder b("t", 19);
    int x = b.input("in", Shape{1, 6, 4, 4});
    int c = b.conv("c", x, 8, 3, 1, 1, 1, Act::relu);
    int n = b.lrn("norm", c, 5, 1e-4, 0.75, 2.0);
    int p = b.maxpool("p", n, 2, 2, 0);
    wl::Graph g = b.finish({p});
    const nc::CompiledModel m = nc::compile(g);
    check_invariants(m);
    ASSERT_EQ(m.image.steps.size(), 1u);
    const npu_cpu_step_t& s = m.image.steps[0];
    const wl::LrnParams lp = wl::lrn_params(g, g.nodes[1]);
    EXPECT_EQ(s.kind, NPU_STEP_LRN);
    EXPECT_EQ(s.addr[NPU_LRN_A_SRC], row(m, "c").addr);
    EXPECT_EQ(s.addr[NPU_LRN_A_DST], row(m, "norm").addr);
    EXPECT_EQ(s.param[NPU_LRN_P_CHANNELS], 8);
    EXPECT_EQ(s.param[NPU_LRN_P_PIXELS], 16);
    EXPECT_EQ(s.param[NPU_LRN_P_SIZE], 5);
    EXPECT_EQ(s.param[NPU_LRN_P_SQ_SHIFT], static_cast<std::int32_t>(lp.sq_shift));
    EXPECT_EQ(s.param[NPU_LRN_P_MULT_SHIFT], static_cast<std::int32_t>(lp.mult_shift));
    EXPECT_EQ(s.param[NPU_LRN_P_TABLE_LEN], static_cast<std::int32_t>(lp.table.size()));
    const auto table = const_bytes(m, row(m, "norm.table"));
    ASSERT_EQ(table.size(), 4 * lp.table.size());
    EXPECT_EQ(0, std::memcmp(table.data(), lp.table.data(), table.size()));
    EXPECT_EQ(s.layer, 1u);  // layer rows: c, norm, p
    ASSERT_EQ(m.image.layers.size(), 3u);
    EXPECT_STREQ(m.image.layers[1].op, "lrn");
    EXPECT_EQ(m.image.layers[1].desc_count, 0u);
    // irq: conv list, the step, pool list.
    const auto& h = m.image.header;
    ASSERT_EQ(h.irq_count, 4u);
    EXPECT_EQ(m.image.ops[h.irq_first].opcode, NPU_PROG_LIST);
    EXPECT_EQ(m.image.ops[h.irq_first + 1].opcode, NPU_PROG_CPU);
    EXPECT_EQ(m.image.ops[h.irq_first + 2].opcode, NPU_PROG_LIST);
    EXPECT_EQ(m.image.ops[h.irq_first + 2].arg0, 1u);
}

TEST(Lowering, DumpScheduleListsEveryKernelAndTheTotals) {
    const nc::CompiledModel m = nc::compile(wl::zoo::build("resnet_small"));
    const std::string dump = nc::dump_schedule(m);
    std::uint64_t cycles = 0, bytes = 0;
    for (std::size_t i = 0; i < m.image.descs.size(); ++i) {
        const npu_desc_t& d = m.image.descs[i];
        // one row per kernel: its index, layer name and cycles
        char head[64];
        std::snprintf(head, sizeof head, "%5zu %-24.24s", i, m.image.layers[d.kernel_id].name);
        const auto at = dump.find(head);
        ASSERT_NE(at, std::string::npos) << head;
        const std::string line = dump.substr(at, dump.find('\n', at) - at);
        EXPECT_NE(line.find(" " + std::to_string(m.predictions[i].cycles) + " "), std::string::npos)
            << line;
        cycles += m.predictions[i].cycles;
        bytes += m.predictions[i].dram_bytes();
    }
    EXPECT_NE(dump.find(std::to_string(cycles) + " predicted cycles"), std::string::npos) << dump;
    EXPECT_NE(dump.find("total DRAM bytes: " + std::to_string(bytes)), std::string::npos) << dump;
    EXPECT_NE(dump.find("activations peak " + std::to_string(m.activation_peak)),
              std::string::npos);
}

TEST(Lowering, ResNet50FitsTheDefaultDram) {
    const wl::Graph g = wl::zoo::build("resnet50");
    const nc::CompiledModel m = nc::compile(g);
    check_invariants(m);
    const auto& h = m.image.header;
    // 25.5 M weights plus activations, with room to spare in 256 MiB.
    EXPECT_LT(std::uint64_t{h.dram_end} - h.load_addr, 64u << 20);
    // The layer rows carry the graph's MACs.
    std::uint64_t macs = 0;
    for (const auto& l : m.image.layers)
        macs += l.macs;
    EXPECT_EQ(macs, static_cast<std::uint64_t>(wl::totals(g).macs()));
    EXPECT_EQ(m.image.layers[0].macs, 118013952u);  // conv1: 64*3*7*7*112*112
    // Reuse: the peak is a small fraction of all activations.
    std::uint64_t all = 0;
    for (const auto& a : m.allocations)
        all += a.bytes;
    EXPECT_LT(m.activation_peak * 4, all);
    std::printf("resnet50: image %u bytes, activation peak %llu of %llu bytes, %zu kernels\n",
                h.total_bytes, static_cast<unsigned long long>(m.activation_peak),
                static_cast<unsigned long long>(all), m.image.descs.size());
    const std::string dump = nc::dump_schedule(m);
    EXPECT_NE(dump.find("total DRAM bytes"), std::string::npos);
}

}  // namespace

TEST(Lowering, WeightsLargerThanTheDramAreOneLine) {
    nc::CompileOptions o;
    o.arch.core.dram_size = 1u << 20;  // LeNet-5's weights fit; AlexNet's 61 MB do not
    EXPECT_NO_THROW(nc::compile(wl::zoo::build_shapes("lenet5"), o));
    try {
        nc::compile(wl::zoo::build_shapes("alexnet"), o);
        ADD_FAILURE() << "no error";
    } catch (const nc::CompileError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "graph 'alexnet': 60996928 bytes of weights and constants, more than the "
                  "DRAM's 1048576 (see --dram-mb)");
    }
}
