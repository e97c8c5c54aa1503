// Lowering of lstm, gru and attention, run the way the firmware runs it: a
// small interpreter of the call program written here (loops over the run-time
// sequence length, patches, RESIDENT from a loop's second iteration) drives
// the NPU core (npu::Core) over DRAM holding the image and runs the CPU steps
// with the functions of npu_abi/cpu_ops.h and rnn.h. Checked: exact launch
// counts at two lengths, patched addresses per step, the weight bytes
// residency saves, and the outputs byte for byte against the reference
// executor at a length shorter than the graph's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../npu/npu_test_util.h"
#include "npu/core.h"
#include "npu_abi/cpu_ops.h"
#include "npu_abi/rnn.h"
#include "npu_compiler/compile.h"
#include "workloads/executor.h"
#include "workloads/graph.h"
#include "workloads/zoo.h"

namespace {

namespace nc = npu::compiler;
using wl::OpType;
using wl::Shape;

constexpr std::size_t kDram = 16u << 20;

// ---------------------------------------------------------------- graphs

struct Rng {
    std::uint64_t s;
    explicit Rng(std::uint64_t seed) : s(seed) {}
    std::int64_t next(std::int64_t lo, std::int64_t hi) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return lo + static_cast<std::int64_t>((s >> 33) % static_cast<std::uint64_t>(hi - lo + 1));
    }
};

int add_tensor(wl::Graph& g, const std::string& name, Shape s, wl::Quant q) {
    wl::TensorDef t;
    t.name = name;
    t.shape = s;
    t.quant = q;
    return g.add_tensor(t);
}

int add_weight(wl::Graph& g, const std::string& name, Shape s, double scale, Rng& r) {
    wl::TensorDef t;
    t.name = name;
    t.shape = s;
    t.is_const = true;
    t.quant.scale = scale;
    for (std::int64_t i = 0; i < s.size(); ++i)
        t.i8.push_back(static_cast<std::int8_t>(r.next(-127, 127)));
    return g.add_tensor(t);
}

int add_bias(wl::Graph& g, const std::string& name, std::int64_t n, Rng& r) {
    wl::TensorDef t;
    t.name = name;
    t.shape = Shape{1, n, 1, 1};
    t.dtype = wl::DType::int32;
    t.is_const = true;
    for (std::int64_t i = 0; i < n; ++i)
        t.i32.push_back(static_cast<std::int32_t>(r.next(-2000, 2000)));
    return g.add_tensor(t);
}

// `layers` lstm or gru nodes chained, H units, I inputs, T steps.
wl::Graph recurrent_graph(OpType op, std::int64_t layers, std::int64_t T, std::int64_t I,
                          std::int64_t H, std::int32_t zp = 0) {
    Rng r(5);
    wl::Graph g;
    g.name = op == OpType::lstm ? "lstm" : "gru";
    const wl::Quant q{1.0 / 64, zp, {}};
    int x = add_tensor(g, "x", Shape{1, 1, T, I}, q);
    g.inputs = {x};
    const std::int64_t G = op == OpType::lstm ? 4 : 3;
    std::int64_t in = I;
    for (std::int64_t l = 0; l < layers; ++l) {
        const std::string nm = g.name + std::to_string(l + 1);
        const double s_w = std::sqrt(2.0 / double(in + H)) / 73.6;
        wl::Node n;
        n.name = nm;
        n.op = op;
        n.inputs = {x, add_weight(g, nm + ".W", Shape{1, 1, G * H, in}, s_w, r),
                    add_weight(g, nm + ".R", Shape{1, 1, G * H, H}, s_w, r),
                    add_bias(g, nm + ".B", (op == OpType::lstm ? 4 : 6) * H, r)};
        x = add_tensor(g, nm + ".y", Shape{}, q);
        n.outputs = {x};
        n.attrs.hidden = H;
        g.add_node(n);
        in = H;
    }
    g.outputs = {x};
    g.infer_shapes();
    return g;
}

wl::Graph attention_graph(std::int64_t T, std::int64_t D, std::int64_t heads) {
    Rng r(9);
    wl::Graph g;
    g.name = "attention";
    const int x = add_tensor(g, "x", Shape{1, 1, T, D}, wl::Quant{1.0 / 64, 0, {}});
    const double s_w = std::sqrt(2.0 / double(D)) / 73.6;
    wl::Node n;
    n.name = "attn";
    n.op = OpType::attention;
    n.inputs = {x};
    for (const char* w : {"Wq", "Wk", "Wv", "Wo"})
        n.inputs.push_back(add_weight(g, w, Shape{1, 1, D, D}, s_w, r));
    for (const char* b : {"bq", "bk", "bv", "bo"})
        n.inputs.push_back(add_bias(g, b, D, r));
    n.outputs = {add_tensor(g, "y", Shape{}, wl::Quant{0.05, -3, {}})};
    n.attrs.heads = heads;
    g.add_node(n);
    g.inputs = {x};
    g.outputs = n.outputs;
    g.infer_shapes();
    return g;
}

nc::CompiledModel compile(const wl::Graph& g, std::uint32_t seq_max = 0,
                          std::uint32_t weight_kb = 64) {
    nc::CompileOptions o;
    o.arch.core.dram_size = kDram;
    o.arch.core.weight_bytes = weight_kb * 1024;
    o.seq_len_max = seq_max;
    return nc::compile(g, o);
}

// ---------------------------------------------------------------- the interpreter

struct Launch {
    npu_desc_t desc;
    npu::KernelStats stats;
};
struct Run {
    std::vector<Launch> launches;
    std::vector<npu_cpu_step_t> steps;  // as run (patched)
};

void apply(void* rec, const npu_patch_t& p, std::int64_t value) {
    auto* b = static_cast<std::uint8_t*>(rec) + p.offset;
    if (p.width == 4) {
        std::int32_t v;
        std::memcpy(&v, b, 4);
        v = static_cast<std::int32_t>(v + p.scale * value);
        std::memcpy(b, &v, 4);
    } else {
        std::int16_t v;
        std::memcpy(&v, b, 2);
        v = static_cast<std::int16_t>(v + p.scale * value);
        std::memcpy(b, &v, 2);
    }
}

// Runs the call program on `dram` (the image already loaded) at sequence length T.
Run run_program(const nc::CompiledModel& m, npu_test::TestDram& dram, std::uint32_t T,
                bool functional, bool resident = true) {
    const nc::ModelImage& img = m.image;
    npu::CoreConfig cfg = m.options.arch.core;
    cfg.functional = functional;
    npu::Core core(cfg);
    struct Loop {
        std::size_t start;
        std::int64_t trips, index;
    };
    std::vector<Loop> loops;
    Run run;
    auto patched = [&](void* rec, const npu_prog_op_t& op) {
        for (std::uint32_t i = 0; i < op.patch_count; ++i) {
            const npu_patch_t& p = img.patches[op.patch_first + i];
            apply(rec, p, p.source == NPU_PATCH_SEQ_LEN ? T : loops.at(p.source).index);
        }
    };
    std::size_t pc = img.header.call_first;
    for (;;) {
        const npu_prog_op_t& op = img.ops.at(pc);
        if (op.opcode == NPU_PROG_END) break;
        switch (op.opcode) {
            case NPU_PROG_KERNEL: {
                npu_desc_t d = img.descs.at(op.arg0);
                patched(&d, op);
                if (resident && (op.flags & NPU_PROG_F_RESIDENT_AFTER_FIRST) && !loops.empty() &&
                    loops.back().index > 0)
                    d.flags |= NPU_DESC_F_RESIDENT;
                dram.reset_timing();  // each kernel's times start at 0
                const npu::KernelStats st = core.run(d, dram);
                EXPECT_EQ(st.error, 0u)
                    << "kernel " << op.arg0 << ": " << npu::error_name(st.error);
                run.launches.push_back({d, st});
                break;
            }
            case NPU_PROG_CPU: {
                npu_cpu_step_t s = img.steps.at(op.arg0);
                patched(&s, op);
                int rc = npu_cpu_step_run(&s, dram.mem.data(), npu_test::kDramBase,
                                          static_cast<std::uint32_t>(dram.mem.size()));
                if (rc == NPU_CPU_ERR_KIND)
                    rc = npu_rnn_step_run(&s, dram.mem.data(), npu_test::kDramBase,
                                          static_cast<std::uint32_t>(dram.mem.size()));
                EXPECT_EQ(rc, NPU_CPU_OK) << "step " << op.arg0 << " kind " << s.kind;
                run.steps.push_back(s);
                break;
            }
            case NPU_PROG_LOOP:
                loops.push_back({pc, op.arg0 == NPU_LOOP_SEQ_LEN ? T : op.arg1, 0});
                break;
            case NPU_PROG_ENDLOOP:
                if (++loops.back().index < loops.back().trips) {
                    pc = loops.back().start;
                } else {
                    loops.pop_back();
                }
                break;
            default:
                ADD_FAILURE() << "opcode " << int(op.opcode) << " in the call program";
                return run;
        }
        ++pc;
    }
    return run;
}

// Loads the image and the input x (T rows) into a fresh DRAM, runs, returns the output.
struct Result {
    Run run;
    std::vector<std::int8_t> y;
};
Result run_model(const nc::CompiledModel& m, const wl::Tensor8& x, bool functional = true,
                 bool resident = true) {
    npu_test::TestDram dram(kDram);
    const std::vector<std::uint8_t> bytes = nc::write_image(m);
    const nc::ModelImage& img = m.image;
    std::memcpy(dram.mem.data() + (img.header.load_addr - npu_test::kDramBase), bytes.data(),
                bytes.size());
    const npu_img_tensor_t& in = img.tensors.at(img.header.input_tensor);
    std::memcpy(dram.mem.data() + (in.addr - npu_test::kDramBase), x.data.data(), x.data.size());
    Result r;
    r.run = run_program(m, dram, static_cast<std::uint32_t>(x.shape.h), functional, resident);
    const npu_img_tensor_t& out = img.tensors.at(img.header.output_tensor);
    const std::size_t n = static_cast<std::size_t>(x.shape.h) * out.dims[3];
    const std::uint8_t* p = dram.mem.data() + (out.addr - npu_test::kDramBase);
    r.y.assign(p, p + n);
    return r;
}

wl::Tensor8 input(const wl::Graph& g, std::int64_t T) {
    wl::Tensor8 x = wl::synthetic_inputs(g, 3).at(0);
    x.shape.h = T;
    x.data.resize(static_cast<std::size_t>(T * x.shape.w));
    return x;
}

std::vector<std::int8_t> reference(const wl::Graph& g, const wl::Tensor8& x) {
    return wl::execute(g, {x}).outputs.at(0).data;
}

const npu_img_tensor_t& row(const nc::CompiledModel& m, const std::string& name) {
    for (const auto& t : m.image.tensors)
        if (name == t.name) return t;
    throw std::runtime_error("no tensor " + name);
}

// ---------------------------------------------------------------- tests

TEST(RnnLowering, LstmLaunchesAndStepsFollowTheSequenceLength) {
    const wl::Graph g = recurrent_graph(OpType::lstm, 2, 8, 6, 10);
    const nc::CompiledModel m = compile(g);
    EXPECT_EQ(m.image.header.irq_count, 0u);  // run-time control only
    EXPECT_EQ(m.image.header.seq_len_max, 8u);
    for (std::int64_t T : {3, 7}) {
        const Result r = run_model(m, input(g, T), false);
        // Per layer: T GEMM launches; CPU: 2 initial copies, then a copy and a cell per step.
        EXPECT_EQ(r.run.launches.size(), static_cast<std::size_t>(2 * T)) << "T " << T;
        EXPECT_EQ(r.run.steps.size(), static_cast<std::size_t>(2 * (2 * T + 2))) << "T " << T;
    }
}

TEST(RnnLowering, GruAndAttentionLaunchCounts) {
    const wl::Graph gru = recurrent_graph(OpType::gru, 1, 8, 6, 10);
    const nc::CompiledModel mg = compile(gru);
    const wl::Graph att = attention_graph(8, 16, 4);
    const nc::CompiledModel ma = compile(att);
    EXPECT_EQ(mg.image.header.irq_count, 0u);
    EXPECT_EQ(ma.image.header.irq_count, 0u);  // patched by the run-time length
    for (std::int64_t T : {2, 8}) {
        const Result rg = run_model(mg, input(gru, T), false);
        EXPECT_EQ(rg.run.launches.size(), static_cast<std::size_t>(T));
        EXPECT_EQ(rg.run.steps.size(), static_cast<std::size_t>(2 * T + 1));
        // Attention: Q, K, V and output projections, and per query a scores and
        // a context launch; CPU: 3 transposes and a softmax per query.
        const Result ra = run_model(ma, input(att, T), false);
        EXPECT_EQ(ra.run.launches.size(), static_cast<std::size_t>(2 * T + 4)) << "T " << T;
        EXPECT_EQ(ra.run.steps.size(), static_cast<std::size_t>(T + 3)) << "T " << T;
    }
}

// The NPU does the attention work of the run-time length, not of the longest:
// the MACs of all launches are the graph's count at T, 4 T D^2 + 2 T^2 D, and
// every launch's dimensions that are the sequence length are T.
TEST(RnnLowering, AttentionWorkFollowsTheSequenceLength) {
    const std::int64_t D = 16, heads = 4;
    const wl::Graph g = attention_graph(12, D, heads);
    const nc::CompiledModel m = compile(g);
    for (std::int64_t T : {1, 5, 12}) {
        const Result r = run_model(m, input(g, T), false);
        std::uint64_t macs = 0;
        for (const Launch& l : r.run.launches)
            macs += l.stats.macs;
        EXPECT_EQ(macs, static_cast<std::uint64_t>(4 * T * D * D + 2 * T * T * D)) << "T " << T;
        ASSERT_EQ(r.run.launches.size(), static_cast<std::size_t>(2 * T + 4));
        for (std::size_t i = 0; i < r.run.launches.size(); ++i) {
            const npu_desc_t& d = r.run.launches[i].desc;
            const bool projection = i < 3 || i + 1 == r.run.launches.size();
            const bool scores = !projection && (i - 3) % 2 == 0;
            if (projection || scores) {  // T columns, one whole tile
                EXPECT_EQ(d.f, T) << "launch " << i;
                EXPECT_EQ(d.tile[NPU_DIM_X], T) << "launch " << i;
            } else {  // context: T keys per head
                EXPECT_EQ(d.c, heads * T) << "launch " << i;
                EXPECT_EQ(d.tile[NPU_DIM_C], T) << "launch " << i;
                EXPECT_EQ(d.ofmap_ch_stride, static_cast<std::uint32_t>(T));
            }
        }
    }
    // The per-query launches address row t of Q and column t of the context.
    const Result r = run_model(m, input(g, 3), false);
    const std::uint32_t q = row(m, "attn.q").addr, ct = row(m, "attn.contextT").addr;
    for (std::int64_t t = 0; t < 3; ++t) {
        EXPECT_EQ(r.run.launches.at(3 + 2 * t).desc.weight_addr, q + t * D) << "t " << t;
        EXPECT_EQ(r.run.launches.at(4 + 2 * t).desc.ofmap_addr, ct + t) << "t " << t;
    }
}

TEST(RnnLowering, PatchesAddressEachStep) {
    const std::int64_t I = 6, H = 10, T = 5;
    const wl::Graph g = recurrent_graph(OpType::lstm, 1, 8, I, H);
    const nc::CompiledModel m = compile(g);
    const Result r = run_model(m, input(g, T), false);
    const std::uint32_t x = row(m, "x").addr, y = row(m, "lstm1.y").addr;
    const std::uint32_t xh = row(m, "lstm1.xh").addr;
    std::int64_t copies = 0, cells = 0;
    for (const npu_cpu_step_t& s : r.run.steps) {
        if (s.kind == NPU_STEP_COPY && s.addr[NPU_COPY_A_DST] == xh) {
            EXPECT_EQ(s.addr[NPU_COPY_A_SRC], x + copies * I) << "x_t of step " << copies;
            EXPECT_EQ(s.param[NPU_COPY_P_BYTES], I);
            ++copies;
        }
        if (s.kind == NPU_STEP_LSTM_CELL) {
            EXPECT_EQ(s.addr[NPU_RNN_A_H], y + cells * H) << "h_t of step " << cells;
            EXPECT_EQ(s.addr[NPU_RNN_A_H_COPY], xh + I);
            ++cells;
        }
    }
    EXPECT_EQ(copies, T);
    EXPECT_EQ(cells, T);
    // The GEMM itself is not patched: the same fixed operands every step.
    for (const Launch& l : r.run.launches) {
        EXPECT_EQ(l.desc.ifmap_addr, xh);
        EXPECT_EQ(l.desc.m, 4 * H);
        EXPECT_EQ(l.desc.c, I + H);
        EXPECT_EQ(l.desc.out_type, NPU_OUT_INT32);
    }
}

TEST(RnnLowering, ResidentWeightsAreReadOnce) {
    // [W|R] of 4*16 x (8+16) = 1536 bytes: one tile in half a weight scratchpad.
    const std::int64_t I = 8, H = 16, T = 4;
    for (OpType op : {OpType::lstm, OpType::gru}) {
        const wl::Graph g = recurrent_graph(op, 1, 8, I, H);
        const nc::CompiledModel m = compile(g);
        const std::uint64_t wbytes = 4 * H * (I + H);
        const npu_desc_t& d = m.image.descs.at(0);
        // The whole matrix is one tile (it fits half the weight scratchpad).
        EXPECT_EQ(d.tile[NPU_DIM_M], 4 * H);
        EXPECT_EQ(d.tile[NPU_DIM_C], I + H);
        const Result with = run_model(m, input(g, T), false, true);
        const Result without = run_model(m, input(g, T), false, false);
        ASSERT_EQ(with.run.launches.size(), static_cast<std::size_t>(T));
        std::uint64_t saved = 0;
        for (std::size_t t = 0; t < with.run.launches.size(); ++t) {
            const auto& a = with.run.launches[t].stats.dram_read_bytes;
            const auto& b = without.run.launches[t].stats.dram_read_bytes;
            EXPECT_EQ(a.weight, t == 0 ? wbytes : 0u) << "step " << t;
            EXPECT_EQ(b.weight, wbytes);
            EXPECT_EQ(a.ifmap, b.ifmap);  // only the weights are saved
            EXPECT_EQ(a.bias, b.bias);
            saved += b.weight - a.weight;
        }
        EXPECT_EQ(saved, (T - 1) * wbytes);
        // The layer's predicted weight reads (bias included) at the graph's
        // length count the weights once, as the NPU reads them.
        const Result full = run_model(m, input(g, 8), false, true);
        std::uint64_t rd = 0;
        for (const Launch& l : full.run.launches)
            rd += l.stats.dram_read_bytes.weight + l.stats.dram_read_bytes.bias;
        EXPECT_EQ(m.image.layers.at(0).pred_rd_weight, rd);
        EXPECT_EQ(rd, wbytes + 8 * 4 * 4 * H);
        EXPECT_EQ(m.predictions.at(0).rd_weight, wbytes + 4 * 4 * H);  // prediction: no residency
    }
}

// The zoo's default lstm: [W|R] is 512 x 192 = 96 KiB. It cannot stay in a
// 64 KiB weight scratchpad (32 KiB halves): the searched tiling streams it
// every step. With 256 KiB it is one tile, read at the first step only.
TEST(RnnLowering, ZooLstmResidencyDependsOnTheScratchpad) {
    const wl::Graph g = wl::zoo::build("lstm", 1);
    const std::uint64_t wbytes = 512 * 192;
    for (std::uint32_t kb : {64u, 256u}) {
        const nc::CompiledModel m = compile(g, 0, kb);
        for (std::int64_t T : {8, 16}) {
            const Result with = run_model(m, input(g, T), false, true);
            const Result without = run_model(m, input(g, T), false, false);
            ASSERT_EQ(with.run.launches.size(), static_cast<std::size_t>(T));
            std::uint64_t w = 0, w0 = 0, cycles = 0, cycles0 = 0;
            for (std::size_t t = 0; t < with.run.launches.size(); ++t) {
                w += with.run.launches[t].stats.dram_read_bytes.weight;
                w0 += without.run.launches[t].stats.dram_read_bytes.weight;
                cycles += with.run.launches[t].stats.cycles;
                cycles0 += without.run.launches[t].stats.cycles;
            }
            EXPECT_EQ(w0, T * wbytes);
            if (kb == 64) {
                EXPECT_EQ(w, T * wbytes) << "T " << T;
                EXPECT_EQ(cycles, cycles0);
            } else {
                EXPECT_EQ(w, wbytes) << "T " << T;
                EXPECT_LT(cycles, cycles0);
            }
        }
    }
}

TEST(RnnLowering, RunsLikeTheReference) {
    for (OpType op : {OpType::lstm, OpType::gru}) {
        for (std::int32_t zp : {0, -3}) {
            const wl::Graph g = recurrent_graph(op, 2, 8, 6, 10, zp);
            const nc::CompiledModel m = compile(g, 12);  // longer sequences allowed
            for (std::int64_t T : {5, 12}) {
                wl::Tensor8 x(Shape{1, 1, T, 6}, zp);
                Rng r(static_cast<std::uint64_t>(T));
                for (auto& v : x.data)
                    v = static_cast<std::int8_t>(r.next(-128, 127));
                const Result res = run_model(m, x);
                if (T <= 8) {
                    EXPECT_EQ(res.y, reference(g, x)) << g.name << " T " << T << " zp " << zp;
                } else {  // beyond the graph's T: the reference of a graph built for 12
                    const wl::Graph g12 = recurrent_graph(op, 2, 12, 6, 10, zp);
                    EXPECT_EQ(res.y, reference(g12, x)) << g.name << " T " << T;
                }
            }
        }
    }
}

TEST(RnnLowering, AttentionRunsLikeTheReference) {
    const wl::Graph g = attention_graph(8, 16, 2);
    const nc::CompiledModel m = compile(g, 12);  // longer sequences allowed
    const wl::Graph g12 = attention_graph(12, 16, 2);
    for (std::int64_t T : {1, 3, 8, 12}) {
        const wl::Tensor8 x = input(T <= 8 ? g : g12, T);
        EXPECT_EQ(run_model(m, x).y, reference(T <= 8 ? g : g12, x)) << "T " << T;
    }
}

// A sequence-length dimension is one whole tile at every length; when even
// that does not fit at the longest length, compile() says so in one line.
TEST(RnnLowering, AttentionLengthTileTooLargeIsRefused) {
    const wl::Graph g = attention_graph(8, 16, 2);
    nc::CompileOptions o;
    o.arch.core.dram_size = kDram;
    o.arch.core.ifmap_bytes = 256;  // 128-byte halves
    o.seq_len_max = 200;            // a projection reads >= 200 columns of X^T per tile
    try {
        nc::compile(g, o);
        ADD_FAILURE() << "compiled";
    } catch (const nc::CompileError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("node 'attn'"), std::string::npos) << what;
        EXPECT_NE(what.find("sequence-length tile"), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
    o.seq_len_max = 0;  // at the graph's 8 it fits
    EXPECT_NO_THROW(nc::compile(g, o));
}

// Projections too large for whole tiles in a small weight scratchpad are
// split along m (the sequence-length dimension stays one whole tile); the
// result is the same.
TEST(RnnLowering, AttentionTiledProjectionsRunLikeTheReference) {
    const wl::Graph g = attention_graph(8, 64, 4);
    const nc::CompiledModel m = compile(g, 0, 4);  // 2 KiB halves; Wq is 4 KiB
    const npu_desc_t& wq = m.image.descs.at(0);
    EXPECT_LT(wq.tile[NPU_DIM_M], 64);
    for (std::int64_t T : {2, 8}) {
        const wl::Tensor8 x = input(g, T);
        EXPECT_EQ(run_model(m, x).y, reference(g, x)) << "T " << T;
    }
}

}  // namespace
