// Lowering a workload graph to the model image's tables: kernel descriptors
// (scheduled by schedule_kernel), CPU steps, the call and irq programs, the
// tensor table with constants in the data section and activations in a
// liveness-reused DRAM arena, and the per-layer predictions.
//
// Op by op (graph.h conventions, integer parameters from workloads/quant_params.h):
//   conv, fc (both forms), matmul   NPU_OP_CONV / NPU_OP_GEMM; the node's act
//                                   and an activation node right after it
//                                   whose input it alone reads are fused
//                                   (NPU_ACT_RELU / NPU_ACT_LUT);
//                                   per-channel scales: NPU_DESC_F_QTABLE
//   maxpool, avgpool, global_avgpool NPU_OP_MAXPOOL / AVGPOOL / GAVGPOOL
//   add, mul                        NPU_OP_ADD / MUL; their act and an
//                                   activation node right after them are fused
//                                   as for conv (the eltwise unit applies it
//                                   after its requantization)
//   relu, sigmoid, tanh, clip       NPU_OP_RELU / NPU_OP_LUT when not fused
//   softmax, lrn                    CPU steps (npu_abi/cpu_ops.h)
//   flatten, reshape                views: the output is the input's buffer
//   concat                          no kernel: each input's buffer is its
//                                   slice of the output's (a channel slice of
//                                   a [C][H][W] buffer, or a row slice of a
//                                   matrix, is contiguous, so the producer's
//                                   ofmap address alone selects it). An input
//                                   that cannot be placed there (a graph input,
//                                   a constant, a view, a slice of another
//                                   concat, or the same tensor twice) is
//                                   copied by a CPU step (listed in notes).
//   lstm, gru, attention            lower_recurrent (lower_rnn.cpp)
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "npu_abi/cpu_ops.h"
#include "npu_compiler/dram_layout.h"
#include "npu_compiler/kernel_traffic.h"
#include "npu_compiler/lowering.h"
#include "workloads/quant_params.h"

namespace npu::compiler {

namespace {

using wl::OpType;

template <std::size_t N>
void set_text(char (&dst)[N], const std::string& s) {
    std::memset(dst, 0, N);
    std::memcpy(dst, s.data(), std::min(s.size(), N - 1));
}

std::uint64_t align_up(std::uint64_t v, std::uint64_t a = kDramAlign) {
    return (v + a - 1) / a * a;
}

std::uint32_t float_bits(double v) {
    const float f = static_cast<float>(v);
    std::uint32_t b;
    std::memcpy(&b, &f, 4);
    return b;
}

bool is_activation(OpType op) {
    return op == OpType::relu || op == OpType::sigmoid || op == OpType::tanh || op == OpType::clip;
}
bool is_recurrent(OpType op) {
    return op == OpType::lstm || op == OpType::gru || op == OpType::attention;
}

// Address fields of a descriptor and of a CPU step, by byte offset.
constexpr std::uint16_t kIfmapField = offsetof(npu_desc_t, ifmap_addr);
constexpr std::uint16_t kWeightField = offsetof(npu_desc_t, weight_addr);
constexpr std::uint16_t kBiasField = offsetof(npu_desc_t, bias_addr);
constexpr std::uint16_t kOfmapField = offsetof(npu_desc_t, ofmap_addr);
constexpr std::uint16_t kPsumField = offsetof(npu_desc_t, psum_addr);
constexpr std::uint16_t kLutField = offsetof(npu_desc_t, lut_addr);
constexpr std::uint16_t kQtableField = offsetof(npu_desc_t, qtable_addr);

void write_u32(void* base, std::uint16_t offset, std::uint32_t v) {
    std::memcpy(static_cast<std::uint8_t*>(base) + offset, &v, 4);
}

}  // namespace

struct Lowerer {
    // One entry of the image's tensor table while lowering.
    struct Row {
        npu_img_tensor_t t{};
        bool is_const = false;
        std::uint64_t data_offset = 0;  // constants: offset in the data section
        int buffer = -1;                // activations: the arena buffer
        std::uint64_t buffer_offset = 0;
    };
    // An address field to fill once the layout is fixed.
    struct Reloc {
        bool step = false;  // false: descriptor
        int index = 0;
        std::uint16_t offset = 0;
        Addr addr;
    };

    const wl::Graph& g;
    CompileOptions opt;
    CompiledModel out;
    LoweringContext ctx{*this};

    std::vector<Row> rows;
    std::vector<Reloc> relocs;
    std::vector<int> row_of;        // graph tensor -> table row (-1: not yet)
    std::vector<int> alias_parent;  // graph tensor -> the tensor whose buffer it lies in (-1: own)
    std::vector<std::int64_t> alias_offset;  // byte offset in the parent
    std::vector<int> buffer_of;              // root graph tensor -> arena buffer
    std::vector<std::vector<int>> readers;   // graph tensor -> node indices
    std::vector<int> fused_act;              // node -> the activation node fused into it (-1)
    std::vector<char> fused;                 // node is an activation fused into its producer
    std::vector<std::vector<std::pair<int, std::int64_t>>>
        concat_copies;  // node -> (input, offset)
    bool recurrent = false;
    std::uint32_t seq_default = 0, seq_max = 0;

    int pos = 0;
    const wl::Node* cur = nullptr;
    int layer = -1;  // current layer row (-1: none open)
    bool layer_pending = false;
    std::string pending_name, pending_op;
    std::uint64_t pending_macs = 0;
    std::vector<npu_prog_op_t> call;
    int loop_depth = 0;
    bool has_loops = false, has_patches = false;

    Lowerer(const wl::Graph& graph, const CompileOptions& o) : g(graph), opt(o) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw CompileError("node '" + (cur ? cur->name : std::string("?")) + "': " + what);
    }

    // ------------------------------------------------------------- tensors

    std::uint64_t tensor_bytes(const wl::TensorDef& t) const {
        std::uint64_t b = static_cast<std::uint64_t>(t.bytes());
        // Sequence matrices [1,1,T,F] are sized for the longest run-time length.
        if (recurrent && !t.is_const && t.shape.n == 1 && t.shape.c == 1 &&
            t.shape.h == static_cast<std::int64_t>(seq_default) && seq_max > seq_default)
            b = b / seq_default * seq_max;
        return b;
    }

    npu_img_tensor_t table_entry(const std::string& name, const wl::Shape& s, wl::DType dtype,
                                 const wl::Quant& q, std::uint64_t bytes) const {
        npu_img_tensor_t t{};
        set_text(t.name, name);
        t.bytes = static_cast<std::uint32_t>(bytes);
        t.dims[0] = static_cast<std::uint32_t>(s.n);
        t.dims[1] = static_cast<std::uint32_t>(s.c);
        t.dims[2] = static_cast<std::uint32_t>(s.h);
        t.dims[3] = static_cast<std::uint32_t>(s.w);
        t.dtype = dtype == wl::DType::int32 ? NPU_DTYPE_INT32 : NPU_DTYPE_INT8;
        t.zero_point = q.zero_point;
        t.scale_bits = float_bits(q.scale);
        return t;
    }

    int add_constant(const std::string& name, const wl::Shape& s, wl::DType dtype,
                     const std::vector<std::uint8_t>& bytes, const wl::Quant& q) {
        Row r;
        r.is_const = true;
        r.t = table_entry(name, s, dtype, q, bytes.size());
        r.t.flags = NPU_TENSOR_F_CONST;
        auto& data = out.image.data;
        data.resize(align_up(data.size()), 0);
        r.data_offset = data.size();
        data.insert(data.end(), bytes.begin(), bytes.end());
        rows.push_back(r);
        return static_cast<int>(rows.size()) - 1;
    }

    int root_of(int t, std::int64_t& offset) const {
        offset = 0;
        while (alias_parent[t] >= 0) {
            offset += alias_offset[t];
            t = alias_parent[t];
        }
        return t;
    }

    int tensor_of(int id) {
        if (id < 0 || id >= static_cast<int>(g.tensors.size())) fail("tensor id out of range");
        if (row_of[id] >= 0) return row_of[id];
        const wl::TensorDef& td = g.tensor(id);
        int r;
        if (td.is_const) {
            std::vector<std::uint8_t> bytes(static_cast<std::size_t>(td.bytes()), 0);
            // A graph built for figures only has no data: zeros stand in.
            if (td.dtype == wl::DType::int8 && !td.i8.empty())
                std::memcpy(bytes.data(), td.i8.data(), bytes.size());
            if (td.dtype == wl::DType::int32 && !td.i32.empty())
                std::memcpy(bytes.data(), td.i32.data(), bytes.size());
            r = add_constant(td.name, td.shape, td.dtype, bytes, td.quant);
        } else {
            std::int64_t off = 0;
            const int root = root_of(id, off);
            if (buffer_of[root] < 0) fail("tensor '" + td.name + "' has no DRAM buffer");
            Row row;
            row.t = table_entry(td.name, td.shape, td.dtype, td.quant, tensor_bytes(td));
            row.buffer = buffer_of[root];
            row.buffer_offset = static_cast<std::uint64_t>(off);
            for (int in : g.inputs)
                if (in == id) row.t.flags |= NPU_TENSOR_F_INPUT;
            for (int o : g.outputs)
                if (o == id) row.t.flags |= NPU_TENSOR_F_OUTPUT;
            rows.push_back(row);
            r = static_cast<int>(rows.size()) - 1;
        }
        row_of[id] = r;
        return r;
    }

    int add_buffer(const std::string& what, std::uint64_t bytes, int first, int last) {
        Allocation a;
        a.what = what;
        a.bytes = align_up(std::max<std::uint64_t>(bytes, 1));
        a.first = first;
        a.last = last;
        out.allocations.push_back(a);
        return static_cast<int>(out.allocations.size()) - 1;
    }

    int scratch(const std::string& name, const wl::Shape& s, wl::DType dtype, const wl::Quant& q) {
        const std::uint64_t bytes =
            static_cast<std::uint64_t>(s.size()) * (dtype == wl::DType::int32 ? 4 : 1);
        Row row;
        row.t = table_entry(name, s, dtype, q, bytes);
        row.buffer = add_buffer(name, bytes, pos, pos);
        rows.push_back(row);
        return static_cast<int>(rows.size()) - 1;
    }

    // ------------------------------------------------------------- layers

    int begin_layer(const std::string& name, const std::string& op, std::uint64_t macs) {
        npu_img_layer_t l{};
        set_text(l.name, name);
        set_text(l.op, op);
        l.macs = macs;
        l.first_desc = static_cast<std::uint32_t>(out.image.descs.size());
        out.image.layers.push_back(l);
        layer = static_cast<int>(out.image.layers.size()) - 1;
        layer_pending = false;
        if (layer > 0xFFFF) fail("more than 65536 layers");
        return layer;
    }
    void open_pending_layer() {
        if (layer_pending) begin_layer(pending_name, pending_op, pending_macs);
    }

    // ------------------------------------------------------------- kernels and steps

    // Scheduling sees in-DRAM placeholder addresses for the tensors a kernel
    // has (the psum area always: spilling tilings are allowed); the real ones
    // are written after the layout.
    void place_holder_addresses(npu_desc_t& d, const KernelAddrs& a) const {
        const auto base = static_cast<std::uint32_t>(opt.arch.core.dram_base);
        d.ifmap_addr = a.ifmap.valid() ? base : 0;
        d.weight_addr = a.weight.valid() ? base : 0;
        d.bias_addr = a.bias.valid() ? base : 0;
        d.ofmap_addr = a.ofmap.valid() ? base : 0;
        d.lut_addr = a.lut.valid() ? base : 0;
        d.qtable_addr = a.qtable.valid() ? base : 0;
        d.psum_addr = base;
    }

    int add_kernel(npu_desc_t d, const KernelAddrs& a, bool keep_tiling = false) {
        open_pending_layer();
        if (layer < 0) fail("kernel outside a layer");
        d.kernel_id = static_cast<std::uint16_t>(layer);
        d.dataflow = opt.dataflow;
        place_holder_addresses(d, a);
        KernelPrediction p;
        try {
            p = keep_tiling ? predict_kernel(d, opt.arch)
                            : schedule_kernel(d, opt.arch, opt.objective, opt.mode);
        } catch (const std::exception& e) {
            fail(std::string(npu::op_name(d.op)) + " kernel: " + e.what());
        }
        const int index = static_cast<int>(out.image.descs.size());
        d.ifmap_addr = d.weight_addr = d.bias_addr = d.ofmap_addr = d.lut_addr = 0;
        d.qtable_addr = d.psum_addr = 0;
        auto reloc = [&](std::uint16_t field, const Addr& x) {
            if (x.valid()) relocs.push_back(Reloc{false, index, field, x});
        };
        reloc(kIfmapField, a.ifmap);
        reloc(kWeightField, a.weight);
        reloc(kBiasField, a.bias);
        reloc(kOfmapField, a.ofmap);
        reloc(kLutField, a.lut);
        reloc(kQtableField, a.qtable);
        if (p.rd_psum || p.wr_psum) {  // the tiling spills partial sums: int32 [M][E][F]
            const int s = scratch(std::string(cur ? cur->name : "kernel") + ".psum",
                                  wl::Shape{1, d.m, d.e, d.f}, wl::DType::int32, {});
            reloc(kPsumField, Addr(s));
        }
        out.image.descs.push_back(d);
        out.predictions.push_back(p);
        out.image.layers[static_cast<std::size_t>(layer)].desc_count++;
        return index;
    }

    // A kernel whose dimensions follow the run-time sequence length (lowering.h).
    int add_kernel_seq_len(const npu_desc_t& base, const KernelAddrs& a,
                           const std::vector<npu_patch_t>& patches) {
        for (const npu_patch_t& p : patches)
            if (p.source != NPU_PATCH_SEQ_LEN || (p.width != 2 && p.width != 4) ||
                p.offset % p.width || p.offset + p.width > sizeof(npu_desc_t))
                fail(
                    "a length patch of a kernel must be a 2- or 4-byte field patched by the "
                    "sequence length");
        const auto at = [&](std::uint32_t T) {
            npu_desc_t d = base;
            for (const npu_patch_t& p : patches)
                npu_patch_apply(&d, &p, T);
            return d;
        };
        for (const std::uint32_t T : {1u, seq_max}) {
            npu_desc_t d = at(T);
            d.dataflow = opt.dataflow;
            place_holder_addresses(d, a);
            std::string why;
            try {
                const KernelPrediction p = predict_kernel(d, opt.arch);
                if (p.rd_psum || p.wr_psum) why = "its tiling spills partial sums";
            } catch (const std::exception& e) {
                why = e.what();
            }
            if (!why.empty())
                fail(std::string(npu::op_name(d.op)) + " kernel at sequence length " +
                     std::to_string(T) + ": " + why);
        }
        const int index = add_kernel(at(seq_default), a, true);
        auto* stored =
            reinterpret_cast<std::uint8_t*>(&out.image.descs[static_cast<std::size_t>(index)]);
        for (const npu_patch_t& p : patches)  // the launches patch the base
            std::memcpy(stored + p.offset, reinterpret_cast<const std::uint8_t*>(&base) + p.offset,
                        p.width);
        return index;
    }

    int add_step(npu_cpu_step_t s, const std::array<Addr, NPU_STEP_ADDRS>& addrs) {
        open_pending_layer();
        if (layer < 0) fail("CPU step outside a layer");
        s.layer = static_cast<std::uint16_t>(layer);
        const int index = static_cast<int>(out.image.steps.size());
        for (unsigned i = 0; i < NPU_STEP_ADDRS; ++i)
            if (addrs[i].valid()) {
                s.addr[i] = 0;
                relocs.push_back(
                    Reloc{true, index, static_cast<std::uint16_t>(4 + 4 * i), addrs[i]});
            }
        out.image.steps.push_back(s);
        return index;
    }

    void emit(std::uint8_t opcode, std::uint32_t arg0, std::uint32_t arg1, std::uint8_t flags,
              const std::vector<npu_patch_t>& patches) {
        npu_prog_op_t op{};
        op.opcode = opcode;
        op.flags = flags;
        op.arg0 = arg0;
        op.arg1 = arg1;
        if (!patches.empty()) {
            has_patches = true;
            op.patch_first = static_cast<std::uint32_t>(out.image.patches.size());
            op.patch_count = static_cast<std::uint16_t>(patches.size());
            out.image.patches.insert(out.image.patches.end(), patches.begin(), patches.end());
        }
        call.push_back(op);
    }
    void call_kernel(int desc, std::uint8_t flags, const std::vector<npu_patch_t>& patches) {
        if (desc < 0 || desc >= static_cast<int>(out.image.descs.size()))
            fail("no such descriptor");
        emit(NPU_PROG_KERNEL, static_cast<std::uint32_t>(desc), 0, flags, patches);
    }
    void call_step(int step, const std::vector<npu_patch_t>& patches) {
        if (step < 0 || step >= static_cast<int>(out.image.steps.size())) fail("no such CPU step");
        emit(NPU_PROG_CPU, static_cast<std::uint32_t>(step), 0, 0, patches);
    }
    void loop(std::uint32_t kind, std::uint32_t trips) {
        if (++loop_depth > static_cast<int>(NPU_LOOP_MAX_DEPTH)) fail("loops nested too deep");
        has_loops = true;
        emit(NPU_PROG_LOOP, kind, trips, 0, {});
    }
    void end_loop() {
        if (loop_depth == 0) fail("end_loop without loop");
        --loop_depth;
        emit(NPU_PROG_ENDLOOP, 0, 0, 0, {});
    }

    // A kernel launched once at this point of the program.
    int kernel(const npu_desc_t& d, const KernelAddrs& a) {
        const int i = add_kernel(d, a);
        call_kernel(i, 0, {});
        return i;
    }

    // ------------------------------------------------------------- analysis

    void analyse() {
        const std::size_t nt = g.tensors.size(), nn = g.nodes.size();
        row_of.assign(nt, -1);
        alias_parent.assign(nt, -1);
        alias_offset.assign(nt, 0);
        buffer_of.assign(nt, -1);
        readers.assign(nt, {});
        fused_act.assign(nn, -1);
        fused.assign(nn, 0);
        concat_copies.assign(nn, {});
        for (std::size_t i = 0; i < nn; ++i)
            for (int t : g.nodes[i].inputs)
                if (t >= 0) readers[static_cast<std::size_t>(t)].push_back(static_cast<int>(i));
        auto is_graph_input = [&](int t) {
            return std::find(g.inputs.begin(), g.inputs.end(), t) != g.inputs.end();
        };
        auto is_graph_output = [&](int t) {
            return std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end();
        };
        for (std::size_t i = 0; i < nn; ++i) {
            const wl::Node& n = g.nodes[i];
            if (is_recurrent(n.op)) {
                const std::uint32_t T = static_cast<std::uint32_t>(g.input_of(n, 0).shape.h);
                if (recurrent && T != seq_default) {
                    cur = &n;
                    fail("sequence length " + std::to_string(T) + " differs from " +
                         std::to_string(seq_default) + " of an earlier node");
                }
                recurrent = true;
                seq_default = T;
            }
            // Fusion: an activation right after a MAC or eltwise op that alone
            // reads its output.
            if ((n.op == OpType::conv || n.op == OpType::fc || n.op == OpType::matmul ||
                 n.op == OpType::add || n.op == OpType::mul) &&
                n.attrs.act == wl::Act::none && i + 1 < nn && is_activation(g.nodes[i + 1].op)) {
                const int t = n.outputs.at(0);
                if (g.nodes[i + 1].inputs.at(0) == t &&
                    readers[static_cast<std::size_t>(t)].size() == 1 && !is_graph_output(t)) {
                    fused_act[i] = static_cast<int>(i + 1);
                    fused[i + 1] = 1;
                }
            }
            if (n.op == OpType::flatten || n.op == OpType::reshape) {
                alias_parent[static_cast<std::size_t>(n.outputs.at(0))] = n.inputs.at(0);
            } else if (n.op == OpType::concat) {
                const int o = n.outputs.at(0);
                const wl::Shape& os = g.tensor(o).shape;
                std::int64_t off = 0;
                for (int x : n.inputs) {
                    const wl::TensorDef& xt = g.tensor(x);
                    const bool twice = std::count(n.inputs.begin(), n.inputs.end(), x) > 1;
                    const bool slice_ok = !xt.is_const && !is_graph_input(x) && !twice &&
                                          alias_parent[static_cast<std::size_t>(x)] < 0 &&
                                          (n.attrs.axis == 1 || os.c == 1);
                    if (slice_ok) {
                        alias_parent[static_cast<std::size_t>(x)] = o;
                        alias_offset[static_cast<std::size_t>(x)] = off;
                    } else {
                        concat_copies[i].push_back({x, off});
                    }
                    off += xt.bytes();
                }
            }
        }
        seq_max = opt.seq_len_max ? opt.seq_len_max : seq_default;
        if (recurrent && seq_max < seq_default)
            throw CompileError("graph '" + g.name + "': seq_len_max " + std::to_string(seq_max) +
                               " is below the graph's sequence length " +
                               std::to_string(seq_default));
        if (!recurrent) seq_max = 0;

        // Lifetimes of the root buffers: first writer .. last reader (graph
        // inputs from before the first node, outputs to after the last).
        const int never = std::numeric_limits<int>::max(), end = static_cast<int>(nn);
        std::vector<int> first(nt, never), last(nt, -2);
        auto touch = [&](int t, int p) {
            std::int64_t off;
            const int r = root_of(t, off);
            first[static_cast<std::size_t>(r)] = std::min(first[static_cast<std::size_t>(r)], p);
            last[static_cast<std::size_t>(r)] = std::max(last[static_cast<std::size_t>(r)], p);
        };
        for (int t : g.inputs)
            touch(t, -1);
        for (int t : g.outputs)
            touch(t, end);
        for (std::size_t i = 0; i < nn; ++i) {
            const wl::Node& n = g.nodes[i];
            const int p = static_cast<int>(i);
            if (fused[i]) {  // written by the kernel before it; its input never exists
                touch(n.outputs.at(0), p - 1);
                continue;
            }
            for (int t : n.inputs)
                if (t >= 0 && !g.tensor(t).is_const) touch(t, p);
            if (fused_act[i] < 0) touch(n.outputs.at(0), p);
        }
        for (std::size_t t = 0; t < nt; ++t) {
            if (first[t] == never || g.tensors[t].is_const || alias_parent[t] >= 0) continue;
            buffer_of[t] = add_buffer(g.tensors[t].name, tensor_bytes(g.tensors[t]), first[t],
                                      std::max(last[t], first[t]));
        }
    }

    // ------------------------------------------------------------- op lowering

    static std::uint16_t dim(const Lowerer& L, std::int64_t v, const char* what) {
        if (v < 1 || v > 0xFFFF)
            L.fail(std::string(what) + " = " + std::to_string(v) +
                   " does not fit the descriptor's 16-bit field");
        return static_cast<std::uint16_t>(v);
    }
    static std::uint8_t small(const Lowerer& L, std::int64_t v, const char* what) {
        if (v < 0 || v > 0xFF)
            L.fail(std::string(what) + " = " + std::to_string(v) + " does not fit 8 bits");
        return static_cast<std::uint8_t>(v);
    }

    // A conv's or pool's window: size, strides and padding, checked to fit.
    void set_window(npu_desc_t& d, const wl::Attrs& a) const {
        d.r = dim(*this, a.kernel_h, "R");
        d.s = dim(*this, a.kernel_w, "S");
        d.stride_h = small(*this, a.stride_h, "stride");
        d.stride_w = small(*this, a.stride_w, "stride");
        d.pad_top = small(*this, a.pad_top, "pad");
        d.pad_left = small(*this, a.pad_left, "pad");
        d.pad_bottom = small(*this, a.pad_bottom, "pad");
        d.pad_right = small(*this, a.pad_right, "pad");
    }

    // The tensor the node's result goes to (the fused activation's output).
    int result_of(std::size_t i) const {
        return fused_act[i] >= 0 ? g.nodes[static_cast<std::size_t>(fused_act[i])].outputs.at(0)
                                 : g.nodes[i].outputs.at(0);
    }

    Addr lut_const(const wl::ref::Lut& lut, const std::string& name) {
        std::vector<std::int8_t> v(lut.begin(), lut.end());
        return Addr(ctx.constant_i8(name, wl::Shape{1, 1, 1, 256}, v));
    }

    void apply_act(npu_desc_t& d, KernelAddrs& a, const wl::ActParams& act,
                   const std::string& name) {
        if (act.kind == wl::ActKind::relu) {
            d.act = NPU_ACT_RELU;
            if (act.zp != d.zp_out) fail("fused relu floor differs from the output zero point");
        } else if (act.kind == wl::ActKind::lut) {
            d.act = NPU_ACT_LUT;
            a.lut = lut_const(act.lut, name + ".lut");
        }
    }

    // The activations a kernel applies after its requantization: node i's own
    // act (when `own_act`) and the activation node fused into it (analyse()).
    void fuse_acts(std::size_t i, bool own_act, npu_desc_t& d, KernelAddrs& a) {
        const wl::Node& n = g.nodes[i];
        if (own_act && n.attrs.act != wl::Act::none) apply_act(d, a, wl::fused_act(g, n), n.name);
        if (fused_act[i] >= 0) {
            const wl::Node& an = g.nodes[static_cast<std::size_t>(fused_act[i])];
            apply_act(d, a, wl::unary_act(g, an), an.name);
        }
    }

    // conv, fc and matmul as one MAC kernel.
    void lower_mac(std::size_t i) {
        const wl::Node& n = g.nodes[i];
        npu_desc_t d{};
        KernelAddrs a;
        const wl::TensorDef& x = g.input_of(n, 0);
        const wl::Shape& ys = g.output_of(n).shape;
        d.stride_h = d.stride_w = 1;
        d.groups = 1;
        d.r = d.s = 1;
        if (n.op == OpType::conv) {
            d.op = NPU_OP_CONV;
            d.c = dim(*this, x.shape.c, "C");
            d.h = dim(*this, x.shape.h, "H");
            d.w = dim(*this, x.shape.w, "W");
            d.m = dim(*this, ys.c, "M");
            d.e = dim(*this, ys.h, "E");
            d.f = dim(*this, ys.w, "F");
            set_window(d, n.attrs);
            d.groups = dim(*this, n.attrs.groups, "groups");
        } else if (n.op == OpType::fc) {
            d.op = NPU_OP_GEMM;
            const std::int64_t K = g.input_of(n, 1).shape.c;
            const bool gemm_form = x.shape.c * x.shape.h * x.shape.w != K;
            d.c = dim(*this, K, "K");
            d.h = d.e = gemm_form ? dim(*this, x.shape.h, "H") : 1;
            d.w = d.f = gemm_form ? dim(*this, x.shape.w, "W") : 1;
            d.m = dim(*this, ys.c, "M");
        } else {  // matmul: A[M][K] as the weight operand, B[K][N] as a [K][1][N] ifmap
            d.op = NPU_OP_GEMM;
            const wl::TensorDef& A = g.input_of(n, 0);
            const wl::TensorDef& B = g.input_of(n, 1);
            d.c = dim(*this, B.shape.h, "K");
            d.h = d.e = 1;
            d.w = d.f = dim(*this, B.shape.w, "N");
            d.m = dim(*this, A.shape.h, "M");
            d.zp_w = static_cast<std::int16_t>(A.quant.zero_point);
            d.zp_in = static_cast<std::int16_t>(B.quant.zero_point);
            a.ifmap = ctx.addr_of(n.inputs.at(1));
            a.weight = ctx.addr_of(n.inputs.at(0));
        }
        if (n.op != OpType::matmul) {
            d.zp_in = static_cast<std::int16_t>(x.quant.zero_point);
            d.zp_w = static_cast<std::int16_t>(g.input_of(n, 1).quant.zero_point);
            a.ifmap = ctx.addr_of(n.inputs.at(0));
            a.weight = ctx.addr_of(n.inputs.at(1));
            if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
                d.flags |= NPU_DESC_F_BIAS;
                a.bias = ctx.addr_of(n.inputs[2]);
            }
        }
        d.out_type = NPU_OUT_INT8;
        const wl::ChannelRequant rq = wl::accum_requant(g, n);
        d.mult = rq.at(0).mult;
        d.shift = static_cast<std::uint8_t>(std::min<std::uint32_t>(rq.at(0).shift, 255));
        d.zp_out = static_cast<std::int16_t>(rq.at(0).zp);
        if (!rq.uniform()) {
            std::vector<std::int32_t> table;
            for (std::int64_t m = 0; m < d.m; ++m) {
                table.push_back(rq.at(m).mult);
                table.push_back(static_cast<std::int32_t>(rq.at(m).shift));
            }
            d.flags |= NPU_DESC_F_QTABLE;
            a.qtable = Addr(ctx.constant_i32(n.name + ".qtable", wl::Shape{1, 1, d.m, 2}, table));
        }
        fuse_acts(i, n.op != OpType::matmul, d, a);
        a.ofmap = ctx.addr_of(result_of(i));
        kernel(d, a);
    }

    // An elementwise descriptor over a tensor's [C][H][W] (a matrix: [1][rows][cols]).
    npu_desc_t eltwise_desc(std::uint8_t op, const wl::Shape& s) const {
        npu_desc_t d{};
        d.op = op;
        d.c = d.m = dim(*this, s.c, "C");
        d.h = d.e = dim(*this, s.h, "H");
        d.w = d.f = dim(*this, s.w, "W");
        d.r = d.s = 1;
        d.stride_h = d.stride_w = 1;
        d.groups = 1;
        return d;
    }

    // A standalone activation kernel from `in` to `out` (in place when equal).
    void act_kernel(const wl::ActParams& act, int in, int out_t, const wl::Shape& s,
                    const std::string& name) {
        KernelAddrs a;
        a.ifmap = ctx.addr_of(in);
        a.ofmap = ctx.addr_of(out_t);
        npu_desc_t d;
        if (act.kind == wl::ActKind::relu) {
            d = eltwise_desc(NPU_OP_RELU, s);
            d.zp_in = d.zp_out = static_cast<std::int16_t>(act.zp);
        } else if (act.kind == wl::ActKind::lut) {
            d = eltwise_desc(NPU_OP_LUT, s);
            a.lut = lut_const(act.lut, name + ".lut");
        } else {
            return;
        }
        kernel(d, a);
    }

    void lower_pool(const wl::Node& n) {
        const wl::TensorDef& x = g.input_of(n, 0);
        const wl::Shape& ys = g.output_of(n).shape;
        npu_desc_t d{};
        d.op = n.op == OpType::maxpool   ? NPU_OP_MAXPOOL
               : n.op == OpType::avgpool ? NPU_OP_AVGPOOL
                                         : NPU_OP_GAVGPOOL;
        d.c = d.m = dim(*this, x.shape.c, "C");
        d.h = dim(*this, x.shape.h, "H");
        d.w = dim(*this, x.shape.w, "W");
        d.e = dim(*this, ys.h, "E");
        d.f = dim(*this, ys.w, "F");
        d.groups = 1;
        if (n.op == OpType::global_avgpool) {
            d.r = d.h;
            d.s = d.w;
            d.stride_h = d.stride_w = 1;
        } else {
            set_window(d, n.attrs);
        }
        d.zp_in = static_cast<std::int16_t>(x.quant.zero_point);
        d.zp_out = static_cast<std::int16_t>(g.output_of(n).quant.zero_point);
        KernelAddrs a;
        a.ifmap = ctx.addr_of(n.inputs.at(0));
        a.ofmap = ctx.addr_of(n.outputs.at(0));
        kernel(d, a);
    }

    // add and mul as one eltwise kernel, with the node's act or the activation
    // node fused into it.
    void lower_eltwise(std::size_t i) {
        const wl::Node& n = g.nodes[i];
        const wl::Shape& s = g.output_of(n).shape;
        npu_desc_t d = eltwise_desc(n.op == OpType::add ? NPU_OP_ADD : NPU_OP_MUL, s);
        if (n.op == OpType::add) {
            const wl::AddParams p = wl::add_params(g, n);
            d.mult = p.mult_a;
            d.mult_b = p.mult_b;
            d.shift = static_cast<std::uint8_t>(p.shift);
            d.zp_in = static_cast<std::int16_t>(p.zp_a);
            d.zp_w = static_cast<std::int16_t>(p.zp_b);
            d.zp_out = static_cast<std::int16_t>(p.zp_y);
        } else {
            const wl::ref::Requant p = wl::mul_params(g, n);
            d.mult = p.mult;
            d.shift = static_cast<std::uint8_t>(p.shift);
            d.zp_in = static_cast<std::int16_t>(g.input_of(n, 0).quant.zero_point);
            d.zp_w = static_cast<std::int16_t>(g.input_of(n, 1).quant.zero_point);
            d.zp_out = static_cast<std::int16_t>(p.zp);
        }
        KernelAddrs a;
        a.ifmap = ctx.addr_of(n.inputs.at(0));
        a.weight = ctx.addr_of(n.inputs.at(1));
        fuse_acts(i, true, d, a);
        a.ofmap = ctx.addr_of(result_of(i));
        kernel(d, a);
    }

    void lower_softmax(const wl::Node& n) {
        const wl::SoftmaxParams p = wl::softmax_params(g, n);
        std::vector<std::uint8_t> table(4 * p.exp_table.size());
        std::memcpy(table.data(), p.exp_table.data(), table.size());
        const int t =
            ctx.constant(n.name + ".exp", wl::Shape{1, 1, 1, 256}, wl::DType::int32, table);
        npu_cpu_step_t s{};
        npu_cpu_softmax_step(&s, 0, 0, 0, static_cast<std::uint32_t>(p.rows),
                             static_cast<std::uint32_t>(p.cols), p.mult, p.shift, p.zp_y);
        std::array<Addr, NPU_STEP_ADDRS> a{};
        a[NPU_SOFTMAX_A_DST] = ctx.addr_of(n.outputs.at(0));
        a[NPU_SOFTMAX_A_SRC] = ctx.addr_of(n.inputs.at(0));
        a[NPU_SOFTMAX_A_TABLE] = Addr(t);
        call_step(add_step(s, a), {});
    }

    void lower_lrn(const wl::Node& n) {
        const wl::LrnParams p = wl::lrn_params(g, n);
        const int t = ctx.constant_i32(
            n.name + ".table", wl::Shape{1, 1, 1, static_cast<std::int64_t>(p.table.size())},
            p.table);
        npu_cpu_step_t s{};
        npu_cpu_lrn_step(&s, 0, 0, 0, static_cast<std::uint32_t>(p.channels),
                         static_cast<std::uint32_t>(p.pixels), static_cast<std::uint32_t>(p.size),
                         p.zp_x, p.zp_y, p.sq_shift, static_cast<std::uint32_t>(p.table.size()),
                         p.mult_shift);
        std::array<Addr, NPU_STEP_ADDRS> a{};
        a[NPU_LRN_A_DST] = ctx.addr_of(n.outputs.at(0));
        a[NPU_LRN_A_SRC] = ctx.addr_of(n.inputs.at(0));
        a[NPU_LRN_A_TABLE] = Addr(t);
        call_step(add_step(s, a), {});
    }

    void lower_concat(std::size_t i) {
        const wl::Node& n = g.nodes[i];
        for (const auto& c : concat_copies[i]) {
            const wl::TensorDef& x = g.tensor(c.first);
            npu_cpu_step_t s{};
            npu_cpu_copy_step(&s, 0, 0, static_cast<std::uint32_t>(x.bytes()));
            std::array<Addr, NPU_STEP_ADDRS> a{};
            a[NPU_COPY_A_DST] = ctx.addr_of(n.outputs.at(0), c.second);
            a[NPU_COPY_A_SRC] = ctx.addr_of(c.first);
            call_step(add_step(s, a), {});
            out.notes.push_back("concat '" + n.name + "': input '" + x.name +
                                "' copied by a CPU step (" + std::to_string(x.bytes()) +
                                " bytes): it cannot be written in place");
        }
    }

    void lower_node(std::size_t i) {
        const wl::Node& n = g.nodes[i];
        switch (n.op) {
            case OpType::conv:
            case OpType::fc:
            case OpType::matmul:
                lower_mac(i);
                break;
            case OpType::maxpool:
            case OpType::avgpool:
            case OpType::global_avgpool:
                lower_pool(n);
                break;
            case OpType::add:
            case OpType::mul:
                lower_eltwise(i);
                break;
            case OpType::relu:
            case OpType::sigmoid:
            case OpType::tanh:
            case OpType::clip:
                if (!fused[i])
                    act_kernel(wl::unary_act(g, n), n.inputs.at(0), n.outputs.at(0),
                               g.output_of(n).shape, n.name);
                break;
            case OpType::softmax:
                lower_softmax(n);
                break;
            case OpType::lrn:
                lower_lrn(n);
                break;
            case OpType::flatten:
            case OpType::reshape:
                break;  // a view of its input's buffer
            case OpType::concat:
                lower_concat(i);
                break;
            case OpType::lstm:
            case OpType::gru:
            case OpType::attention:
                open_pending_layer();
                lower_recurrent(ctx, n);
                if (loop_depth) fail("lowering left a loop open");
                break;
        }
    }

    // ------------------------------------------------------------- finishing

    // The irq program: consecutive kernels as descriptor lists, split at CPU steps.
    std::vector<npu_prog_op_t> irq_program() const {
        std::vector<npu_prog_op_t> irq;
        for (const npu_prog_op_t& op : call) {
            if (op.opcode == NPU_PROG_KERNEL) {
                if (!irq.empty() && irq.back().opcode == NPU_PROG_LIST &&
                    irq.back().arg0 + irq.back().arg1 == op.arg0) {
                    irq.back().arg1++;
                    continue;
                }
                npu_prog_op_t l{};
                l.opcode = NPU_PROG_LIST;
                l.arg0 = op.arg0;
                l.arg1 = 1;
                irq.push_back(l);
            } else {
                irq.push_back(op);
            }
        }
        return irq;
    }

    // Weight bytes a relaunch with NPU_DESC_F_RESIDENT does not move: all of
    // them when every weight tile is loaded once and there are at most two
    // (the weight scratchpad's two halves keep them, tagged), else none
    // (a longer sweep evicts what the next launch needs first).
    std::uint64_t resident_saving(const npu_desc_t& d) const {
        if (d.op != NPU_OP_CONV && d.op != NPU_OP_GEMM) return 0;
        const std::uint64_t cg = d.c / std::max<std::uint16_t>(d.groups, 1);
        const std::uint64_t tiles =
            ((d.m + d.tile[0] - 1) / d.tile[0]) * ((cg + d.tile[1] - 1) / d.tile[1]) *
            ((d.r + d.tile[4] - 1) / d.tile[4]) * ((d.s + d.tile[5] - 1) / d.tile[5]);
        npu_desc_t cold = d;
        cold.flags = static_cast<std::uint16_t>(cold.flags & ~NPU_DESC_F_RESIDENT);
        std::uint64_t w = 0;
        try {
            w = static_cast<std::uint64_t>(predict_traffic(cold).dram_read_bytes.weight);
        } catch (const std::invalid_argument&) {
            return 0;  // a stored base that only its launches' patches complete
        }
        return tiles <= 2 && w == std::uint64_t{d.m} * cg * d.r * d.s ? w : 0;
    }

    // Layer predictions: each launch's prediction, loops counted at the
    // default sequence length; a kernel flagged NPU_PROG_F_RESIDENT_AFTER_FIRST
    // that is the only weight kernel of its loop saves resident_saving() on
    // every iteration after the first.
    void sum_predictions() {
        // Weight kernels in the body of each loop (by the LOOP op's index).
        std::vector<int> weight_kernels(call.size(), 0);
        std::vector<std::size_t> open;
        for (std::size_t i = 0; i < call.size(); ++i) {
            if (call[i].opcode == NPU_PROG_LOOP) open.push_back(i);
            if (call[i].opcode == NPU_PROG_ENDLOOP && !open.empty()) open.pop_back();
            if (call[i].opcode == NPU_PROG_KERNEL) {
                const std::uint8_t op = out.image.descs[call[i].arg0].op;
                if (op == NPU_OP_CONV || op == NPU_OP_GEMM)
                    for (std::size_t l : open)
                        ++weight_kernels[l];
            }
        }
        std::vector<std::uint64_t> trips;
        std::uint64_t mult = 1;
        open.clear();
        out.layer_bus.assign(out.image.layers.size(), LayerBusPrediction{});
        for (std::size_t i = 0; i < call.size(); ++i) {
            const npu_prog_op_t& op = call[i];
            if (op.opcode == NPU_PROG_LOOP) {
                trips.push_back(op.arg0 == NPU_LOOP_SEQ_LEN ? seq_default : op.arg1);
                open.push_back(i);
                mult *= trips.back();
            } else if (op.opcode == NPU_PROG_ENDLOOP) {
                mult /= std::max<std::uint64_t>(trips.back(), 1);
                trips.pop_back();
                open.pop_back();
            } else if (op.opcode == NPU_PROG_KERNEL) {
                const npu_desc_t& d = out.image.descs[op.arg0];
                const KernelPrediction& p = out.predictions[op.arg0];
                npu_img_layer_t& l = out.image.layers[d.kernel_id];
                l.pred_cycles += p.cycles * mult;
                l.pred_rd_ifmap += p.rd_ifmap * mult;
                l.pred_rd_weight += p.rd_weight * mult;
                l.pred_rd_psum += p.rd_psum * mult;
                l.pred_wr_ofmap += p.wr_ofmap * mult;
                l.pred_wr_psum += p.wr_psum * mult;
                LayerBusPrediction& b = out.layer_bus[d.kernel_id];
                b.add(p, mult);
                // Patched launches differ from the stored descriptor: predicted cold.
                if ((op.flags & NPU_PROG_F_RESIDENT_AFTER_FIRST) && op.patch_count == 0 &&
                    !open.empty() && trips.back() > 1 && weight_kernels[open.back()] == 1) {
                    const std::uint64_t saved =
                        resident_saving(d) * (trips.back() - 1) * (mult / trips.back());
                    l.pred_rd_weight -= saved;
                    // The whole weight tensor, loaded once per launch: its bus bytes too.
                    if (saved)
                        b.rd_weight -= p.bus_rd_filter * (trips.back() - 1) * (mult / trips.back());
                    out.resident_saved_bytes += saved;
                }
            }
        }
    }

    void finish() {
        ModelImage& img = out.image;
        npu_img_header_t& h = img.header;
        sum_predictions();
        img.ops = call;
        img.ops.push_back(npu_prog_op_t{});  // END
        h.call_first = 0;
        h.call_count = static_cast<std::uint32_t>(img.ops.size());
        if (!has_loops && !has_patches) {
            std::vector<npu_prog_op_t> irq = irq_program();
            irq.push_back(npu_prog_op_t{});
            h.irq_first = static_cast<std::uint32_t>(img.ops.size());
            h.irq_count = static_cast<std::uint32_t>(irq.size());
            img.ops.insert(img.ops.end(), irq.begin(), irq.end());
        } else {
            h.irq_first = h.irq_count = 0;
        }
        for (const Row& r : rows)
            img.tensors.push_back(r.t);
        layout_sections(img);

        // Addresses: image, input header, arena.
        const ArchConfig& arch = opt.arch;
        const std::uint64_t dram_lo = arch.core.dram_base;
        const std::uint64_t dram_hi = arch.core.dram_base + arch.core.dram_size;
        const std::uint64_t load = opt.load_addr;
        if (load < dram_lo || load % NPU_IMG_ALIGN || load + h.total_bytes > dram_hi)
            throw CompileError("graph '" + g.name + "': load address 0x" + hex(load) +
                               " does not place the image inside the DRAM");
        h.load_addr = static_cast<std::uint32_t>(load);
        h.input_header_addr = static_cast<std::uint32_t>(align_up(load + h.total_bytes));
        out.arena_base = align_up(h.input_header_addr + sizeof(npu_input_header_t));
        if (opt.keep_activations) {
            int end_pos = 0;
            for (const Allocation& a : out.allocations)
                end_pos = std::max(end_pos, a.last);
            for (Allocation& a : out.allocations)
                a.last = end_pos;
        }
        out.activation_peak = place_buffers(out.allocations, out.arena_base);
        const std::uint64_t end = align_up(out.arena_base + out.activation_peak);
        if (end > dram_hi)
            throw CompileError("graph '" + g.name + "': needs " + std::to_string(end - dram_lo) +
                               " bytes of DRAM (image " + std::to_string(h.total_bytes) +
                               ", activations " + std::to_string(out.activation_peak) +
                               "), the DRAM has " + std::to_string(arch.core.dram_size));
        h.dram_end = static_cast<std::uint32_t>(end);
        h.activation_bytes = static_cast<std::uint32_t>(out.activation_peak);
        const std::uint64_t data_base = load + h.data_offset;
        std::vector<std::uint64_t> row_addr(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const Row& r = rows[i];
            row_addr[i] = r.is_const ? data_base + r.data_offset
                                     : out.allocations[static_cast<std::size_t>(r.buffer)].addr +
                                           r.buffer_offset;
            img.tensors[i].addr = static_cast<std::uint32_t>(row_addr[i]);
        }
        for (const Reloc& r : relocs) {
            const auto a =
                static_cast<std::uint32_t>(row_addr[static_cast<std::size_t>(r.addr.tensor)] +
                                           static_cast<std::uint64_t>(r.addr.offset));
            if (r.step)
                write_u32(&img.steps[static_cast<std::size_t>(r.index)], r.offset, a);
            else
                write_u32(&img.descs[static_cast<std::size_t>(r.index)], r.offset, a);
        }
        h.input_tensor =
            g.inputs.empty()
                ? 0
                : static_cast<std::uint32_t>(row_of[static_cast<std::size_t>(g.inputs[0])]);
        h.output_tensor =
            g.outputs.empty()
                ? 0
                : static_cast<std::uint32_t>(row_of[static_cast<std::size_t>(g.outputs[0])]);
        h.seq_len_max = seq_max;
        h.seq_len_default = recurrent ? seq_default : 0;
        h.dataflow = opt.dataflow;
        set_text(h.name, g.name);
        h.array_rows = arch.core.array_rows;
        h.array_cols = arch.core.array_cols;
        h.ifmap_bytes = arch.core.ifmap_bytes;
        h.weight_bytes = arch.core.weight_bytes;
        h.ofmap_bytes = arch.core.ofmap_bytes;
        validate_image(img, DramWindow{dram_lo, arch.core.dram_size});
    }

    static std::string hex(std::uint64_t v) {
        std::ostringstream os;
        os << std::hex << v;
        return os.str();
    }

    void run() {
        if (opt.dataflow > NPU_DF_IS)
            throw CompileError("compile: dataflow " + std::to_string(opt.dataflow));
        const std::string bad = opt.arch.core.validate();
        if (!bad.empty()) throw CompileError("compile: " + bad);
        // Descriptor and table addresses are 32-bit.
        if (opt.arch.core.dram_base + opt.arch.core.dram_size > (std::uint64_t{1} << 32))
            throw CompileError("compile: DRAM [0x" + hex(opt.arch.core.dram_base) + ", +" +
                               std::to_string(opt.arch.core.dram_size) +
                               ") does not fit 32-bit addresses");
        if (g.inputs.empty() || g.outputs.empty())
            throw CompileError("graph '" + g.name + "': no " +
                               (g.inputs.empty() ? "input" : "output"));
        out.options = opt;
        // The constants alone must fit the DRAM (checked first: a kernel whose
        // weights lie outside it would otherwise be the first to complain).
        std::uint64_t constant_bytes = 0;
        for (const wl::TensorDef& t : g.tensors)
            if (t.is_const) constant_bytes += static_cast<std::uint64_t>(t.bytes());
        if (constant_bytes > opt.arch.core.dram_size)
            throw CompileError("graph '" + g.name + "': " + std::to_string(constant_bytes) +
                               " bytes of weights and constants, more than the DRAM's " +
                               std::to_string(opt.arch.core.dram_size) + " (see --dram-mb)");
        analyse();
        // Graph inputs, then outputs, first in the tensor table (a SCALE-Sim
        // topology has one of each per layer; the header names the first).
        for (int t : g.inputs)
            tensor_of(t);
        for (int t : g.outputs)
            tensor_of(t);
        // MACs of the nodes that have them (layer_figures lists those only, in node order).
        const std::vector<wl::LayerFigures> figures = wl::layer_figures(g);
        std::size_t next_figure = 0;
        for (std::size_t i = 0; i < g.nodes.size(); ++i) {
            const wl::Node& n = g.nodes[i];
            pos = fused[i] ? static_cast<int>(i) - 1 : static_cast<int>(i);
            cur = &n;
            if (!fused[i]) {
                layer_pending = true;
                layer = -1;
                pending_name = n.name;
                pending_op = wl::to_string(n.op);
                pending_macs = 0;
                if (next_figure < figures.size() && figures[next_figure].name == n.name &&
                    figures[next_figure].op == n.op)
                    pending_macs = static_cast<std::uint64_t>(figures[next_figure++].macs);
            }
            lower_node(i);
        }
        cur = nullptr;
        finish();
    }
};

// ----------------------------------------------------------------- the context

const wl::Graph& LoweringContext::graph() const {
    return m_l.g;
}
const CompileOptions& LoweringContext::options() const {
    return m_l.opt;
}
int LoweringContext::position() const {
    return m_l.pos;
}
const wl::Node& LoweringContext::node() const {
    return *m_l.cur;
}
std::uint32_t LoweringContext::seq_len_max() const {
    return m_l.seq_max;
}
void LoweringContext::fail(const std::string& what) const {
    m_l.fail(what);
}
int LoweringContext::tensor_of(int graph_tensor) {
    return m_l.tensor_of(graph_tensor);
}
int LoweringContext::scratch(const std::string& name, const wl::Shape& shape, wl::DType dtype,
                             const wl::Quant& q) {
    return m_l.scratch(name, shape, dtype, q);
}
int LoweringContext::constant(const std::string& name, const wl::Shape& shape, wl::DType dtype,
                              const std::vector<std::uint8_t>& bytes, const wl::Quant& q) {
    return m_l.add_constant(name, shape, dtype, bytes, q);
}
int LoweringContext::constant_i8(const std::string& name, const wl::Shape& shape,
                                 const std::vector<std::int8_t>& v, const wl::Quant& q) {
    std::vector<std::uint8_t> b(v.size());
    if (!v.empty()) std::memcpy(b.data(), v.data(), v.size());
    return m_l.add_constant(name, shape, wl::DType::int8, b, q);
}
int LoweringContext::constant_i32(const std::string& name, const wl::Shape& shape,
                                  const std::vector<std::int32_t>& v) {
    std::vector<std::uint8_t> b(4 * v.size());
    if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
    return m_l.add_constant(name, shape, wl::DType::int32, b, {});
}
int LoweringContext::begin_layer(const std::string& name, const std::string& op,
                                 std::uint64_t macs) {
    return m_l.begin_layer(name, op, macs);
}
int LoweringContext::add_kernel(npu_desc_t desc, const KernelAddrs& addrs) {
    return m_l.add_kernel(desc, addrs);
}
int LoweringContext::add_kernel_tiled(npu_desc_t desc, const KernelAddrs& addrs) {
    return m_l.add_kernel(desc, addrs, true);
}
int LoweringContext::add_kernel_seq_len(npu_desc_t desc, const KernelAddrs& addrs,
                                        const std::vector<npu_patch_t>& seq_patches) {
    return m_l.add_kernel_seq_len(desc, addrs, seq_patches);
}
const KernelPrediction& LoweringContext::prediction(int desc) const {
    return m_l.out.predictions.at(static_cast<std::size_t>(desc));
}
int LoweringContext::add_step(npu_cpu_step_t step, const std::array<Addr, NPU_STEP_ADDRS>& addrs) {
    return m_l.add_step(step, addrs);
}
void LoweringContext::call_kernel(int desc, std::uint8_t flags,
                                  const std::vector<npu_patch_t>& patches) {
    m_l.call_kernel(desc, flags, patches);
}
void LoweringContext::call_step(int step, const std::vector<npu_patch_t>& patches) {
    m_l.call_step(step, patches);
}
void LoweringContext::loop(std::uint32_t trips) {
    m_l.loop(NPU_LOOP_CONST, trips);
}
void LoweringContext::loop_seq_len() {
    m_l.loop(NPU_LOOP_SEQ_LEN, m_l.seq_max);
}
void LoweringContext::end_loop() {
    m_l.end_loop();
}

// ----------------------------------------------------------------- entry points

CompiledModel compile(const wl::Graph& graph, const CompileOptions& options) {
    Lowerer l(graph, options);
    try {
        l.run();
    } catch (const wl::GraphError& e) {
        throw CompileError(e.what());
    }
    return std::move(l.out);
}

std::vector<std::uint8_t> write_image(const CompiledModel& model) {
    return write_image(model.image);
}

}  // namespace npu::compiler
