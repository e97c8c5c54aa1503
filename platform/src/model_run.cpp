// See model_run.h.
#include "vp/model_run.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "npu/systolic.h"
#include "npu_compiler/compile.h"
#include "vp/soc.h"
#include "workloads/executor.h"
#include "workloads/load.h"
#include "workloads/zoo.h"

namespace vp {

namespace {

// A saved image larger than any DRAM we model cannot be loaded anyway.
constexpr std::uint64_t kMaxImageBytes = std::uint64_t{2} << 30;

std::vector<std::uint8_t> read_regular_file(const std::string& option, const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw ConfigError(option + " '" + path + "': no such file");
    if (!S_ISREG(st.st_mode)) throw ConfigError(option + " '" + path + "': not a regular file");
    if (static_cast<std::uint64_t>(st.st_size) > kMaxImageBytes)
        throw ConfigError(option + " '" + path + "': larger than 2 GiB");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(option + " '" + path + "': cannot open file");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!in) throw ConfigError(option + " '" + path + "': cannot read file");
    return bytes;
}

npu::compiler::CompileOptions compile_options(const Config& c, std::uint32_t seq_len_max) {
    npu::compiler::CompileOptions o;
    o.dataflow = c.dataflow == Dataflow::os   ? NPU_DF_OS
                 : c.dataflow == Dataflow::ws ? NPU_DF_WS
                                              : NPU_DF_IS;
    o.arch.core = npu_core_config(c);
    o.arch.dram_bw = c.dram_bw;
    o.arch.dram_latency = c.dram_latency;
    o.objective = c.objective == Objective::cycles ? npu::compiler::Objective::cycles
                                                   : npu::compiler::Objective::dram;
    o.mode = c.schedule == ScheduleMode::best ? npu::compiler::ScheduleMode::best
                                              : npu::compiler::ScheduleMode::fixed;
    o.seq_len_max = seq_len_max;
    o.keep_activations = c.verify_layers;
    return o;
}

// The sequence length T of a graph's recurrent or attention nodes (0: none).
std::uint32_t graph_seq_len(const wl::Graph& g) {
    for (const wl::Node& n : g.nodes)
        if (n.op == wl::OpType::lstm || n.op == wl::OpType::gru || n.op == wl::OpType::attention)
            return static_cast<std::uint32_t>(g.input_of(n, 0).shape.h);
    return 0;
}

std::string image_name(const npu_img_header_t& h) {
    return std::string(h.name, strnlen(h.name, sizeof h.name));
}

std::string tensor_name(const npu_img_tensor_t& t) {
    return std::string(t.name, strnlen(t.name, sizeof t.name));
}

// The bytes on the DRAM bus a saved image's layers are predicted to move
// (the image's layer table has no room for them): each launch's
// predict_kernel, summed per layer, as the compiler sums them. Only for an
// image without loops (every descriptor launched once as stored); empty
// otherwise, and the report then has no bus prediction.
std::vector<npu::compiler::LayerBusPrediction> setup_layer_bus(
    const npu::compiler::ModelImage& img, const npu::compiler::ArchConfig& arch) {
    std::vector<npu::compiler::LayerBusPrediction> bus(img.layers.size());
    for (const npu_prog_op_t& op : img.ops)
        if (op.opcode == NPU_PROG_LOOP || op.patch_count) return {};
    for (const npu_prog_op_t& op : img.ops) {
        if (op.opcode != NPU_PROG_KERNEL || op.arg0 >= img.descs.size()) continue;
        const npu_desc_t& d = img.descs[op.arg0];
        if (d.kernel_id >= bus.size()) return {};
        npu::compiler::KernelPrediction p;
        try {
            p = npu::compiler::predict_kernel(d, arch);
        } catch (const std::invalid_argument&) {
            return {};  // the NPU will name the bad descriptor
        }
        bus[d.kernel_id].add(p);
    }
    return bus;
}

}  // namespace

ModelPrep prepare_model(Config& config) {
    ModelPrep prep;
    ModelRun& run = prep.run;
    if (!config.setup.empty()) {
        run.bytes = read_regular_file("--setup", config.setup);
        try {
            run.image = npu::compiler::read_image(
                run.bytes, {VP_DRAM_BASE, std::uint64_t{config.dram_mb} << 20});
        } catch (const npu::compiler::ImageError& e) {
            throw ConfigError(std::string("--setup '") + config.setup + "': " + e.what());
        }
        const npu_img_header_t& h = run.image.header;
        // The NPU must be the one the image was compiled for.
        config.array_rows = h.array_rows;
        config.array_cols = h.array_cols;
        config.ifmap_kb = h.ifmap_bytes / 1024u;
        config.weight_kb = h.weight_bytes / 1024u;
        config.ofmap_kb = h.ofmap_bytes / 1024u;
        config.dataflow = h.dataflow == NPU_DF_OS   ? Dataflow::os
                          : h.dataflow == NPU_DF_WS ? Dataflow::ws
                                                    : Dataflow::is;
        if (config.verify)
            throw ConfigError(
                "--verify needs the network's graph: run it with --workload "
                "(a saved image holds no reference)");
        run.layer_bus = setup_layer_bus(run.image, compile_options(config, 0).arch);
    } else {
        wl::Graph graph;
        try {
            graph = wl::load_workload(config.workload, config.seed);
        } catch (const std::exception& e) {
            throw ConfigError(std::string("--workload '") + config.workload + "': " + e.what());
        }
        const std::uint32_t t = graph_seq_len(graph);
        if (config.seq_len && !t)
            throw ConfigError("--seq-len: workload '" + config.workload +
                              "' has no sequence (lstm, gru or attention)");
        if (config.seq_len > t && config.mode == SimMode::functional)
            throw ConfigError("--seq-len " + std::to_string(config.seq_len) +
                              ": the workload's sequence has " + std::to_string(t) +
                              " steps; build it longer (e.g. seq=" +
                              std::to_string(config.seq_len) + " in the workload spec)");
        npu::compiler::CompiledModel model;
        try {
            model =
                npu::compiler::compile(graph, compile_options(config, std::max(t, config.seq_len)));
        } catch (const std::exception& e) {
            throw ConfigError(std::string("--workload '") + config.workload + "': " + e.what());
        }
        if (config.dump_schedule) {
            prep.exit_now = true;
            prep.text = npu::compiler::dump_schedule(model);
            return prep;
        }
        run.bytes = npu::compiler::write_image(model);
        if (!config.emit_setup.empty()) {
            write_file(
                config.emit_setup,
                std::string(reinterpret_cast<const char*>(run.bytes.data()), run.bytes.size()));
            std::ostringstream os;
            os << "wrote " << config.emit_setup << ": model image of '" << config.workload << "', "
               << run.bytes.size() << " bytes, " << model.image.descs.size() << " kernels, "
               << model.image.steps.size() << " CPU steps\n";
            prep.exit_now = true;
            prep.text = os.str();
            return prep;
        }
        run.image = std::move(model.image);
        run.layer_bus = std::move(model.layer_bus);
        run.graph = std::move(graph);
    }

    const npu_img_header_t& h = run.image.header;
    if (config.control == Control::irq && h.irq_count == 0)
        throw ConfigError("workload '" + image_name(h) +
                          "' needs run-time control (its loops run as many times as the "
                          "sequence is long): use --control call");
    if (config.seq_len) {
        if (h.seq_len_max == 0)
            throw ConfigError("--seq-len: model image '" + image_name(h) + "' has no sequence");
        if (config.seq_len > h.seq_len_max)
            throw ConfigError("--seq-len " + std::to_string(config.seq_len) +
                              ": the model image was compiled for at most " +
                              std::to_string(h.seq_len_max) + " steps");
    }
    run.seq_len = config.seq_len ? config.seq_len : h.seq_len_default;

    // Functional runs compute on real inputs: the graph's synthetic ones,
    // cut to the run-time sequence length.
    if (config.mode == SimMode::functional && run.graph) {
        run.inputs = wl::synthetic_inputs(*run.graph, config.seed);
        for (std::size_t i = 0; i < run.inputs.size(); ++i) {
            wl::Tensor8& x = run.inputs[i];
            if (run.seq_len && graph_seq_len(*run.graph) && x.shape.h > run.seq_len &&
                x.shape.n == 1 && x.shape.c == 1) {
                x.shape.h = run.seq_len;
                x.data.resize(static_cast<std::size_t>(x.shape.size()));
            }
        }
    }
    return prep;
}

npu_input_header_t run_parameters(const Config& config, const ModelRun& run) {
    npu_input_header_t in{};
    in.magic = NPU_INPUT_MAGIC;
    in.seq_len = run.seq_len;
    in.control = config.control == Control::call ? NPU_RUN_CONTROL_CALL : NPU_RUN_CONTROL_IRQ;
    in.completion =
        config.completion == Completion::poll ? NPU_RUN_COMPLETION_POLL : NPU_RUN_COMPLETION_IRQ;
    in.flags = config.irq_per_layer ? NPU_RUN_F_IRQ_PER_LAYER : 0u;
    return in;
}

Soc::DramBlobs input_blobs(const ModelRun& run) {
    Soc::DramBlobs blobs;
    if (!run.graph) return blobs;
    for (std::size_t i = 0; i < run.inputs.size() && i < run.graph->inputs.size(); ++i) {
        const std::string& name = run.graph->tensor(run.graph->inputs[i]).name;
        for (const npu_img_tensor_t& t : run.image.tensors)
            if ((t.flags & NPU_TENSOR_F_INPUT) &&
                tensor_name(t) == name.substr(0, NPU_IMG_NAME_LEN - 1)) {
                const auto* p = reinterpret_cast<const std::uint8_t*>(run.inputs[i].data.data());
                blobs.emplace_back(t.addr,
                                   std::vector<std::uint8_t>(p, p + run.inputs[i].data.size()));
                break;
            }
    }
    return blobs;
}

std::function<void(std::uint16_t)> progress_printer(const ModelRun& run) {
    // Rank of each NPU layer among the layers that run kernels.
    std::vector<std::uint32_t> rank(run.image.layers.size(), 0);
    std::uint32_t n = 0;
    for (std::size_t i = 0; i < run.image.layers.size(); ++i)
        if (run.image.layers[i].desc_count) rank[i] = ++n;
    std::vector<std::string> names;
    for (const npu_img_layer_t& l : run.image.layers)
        names.emplace_back(l.name, strnlen(l.name, sizeof l.name));
    return [rank, names, n, last = std::uint16_t{0xFFFF}](std::uint16_t id) mutable {
        if (id == last || id >= rank.size()) return;
        last = id;
        std::fprintf(stderr, "\r\033[Klayer %u of %u: %s", rank[id], n, names[id].c_str());
        std::fflush(stderr);
    };
}

std::uint64_t untiled_compute_cycles(const npu_desc_t& desc, const npu::CoreConfig& cfg) {
    npu::Kernel k;
    const std::uint32_t err = npu::decode_kernel(desc, cfg, k);
    if (err != NPU_ERR_NONE)
        throw std::invalid_argument(std::string("formula_cycles: descriptor of kernel ") +
                                    std::to_string(desc.kernel_id) + " does not decode (" +
                                    npu::error_name(err) + ")");
    const auto n = [&k](unsigned d) { return std::uint64_t{k.extent[d]}; };
    const unsigned rows = cfg.array_rows, cols = cfg.array_cols;
    if (k.is_mac_op()) {
        // extent[m] counts all groups' filters, extent[c] one group's channels.
        const npu::GemmShape g =
            npu::tile_gemm(k.dataflow, n(NPU_DIM_M) / k.groups,
                           n(NPU_DIM_C) * n(NPU_DIM_K) * n(NPU_DIM_L), n(NPU_DIM_Y) * n(NPU_DIM_X));
        return k.groups * npu::gemm_cycles(k.dataflow, rows, cols, g);
    }
    return npu::vector_cycles(
        cols, n(NPU_DIM_M) * n(NPU_DIM_Y) * n(NPU_DIM_X) * n(NPU_DIM_K) * n(NPU_DIM_L));
}

std::vector<std::uint64_t> layer_formula_cycles(const ModelRun& run, const npu::CoreConfig& cfg) {
    const npu::compiler::ModelImage& img = run.image;
    const npu_img_header_t& h = img.header;
    std::vector<std::uint64_t> per_layer(img.layers.size(), 0);
    // The call program as the firmware walks it (firmware/lib/runtime.c):
    // loops repeat their body, patches add scale * (loop index or length).
    struct Loop {
        std::uint32_t begin, trips, index;
    };
    std::vector<Loop> loops;
    const std::uint32_t end = std::min<std::uint32_t>(h.call_first + h.call_count,
                                                      static_cast<std::uint32_t>(img.ops.size()));
    for (std::uint32_t pc = h.call_first; pc < end;) {
        const npu_prog_op_t& op = img.ops[pc];
        if (op.opcode == NPU_PROG_END) break;
        if (op.opcode == NPU_PROG_LOOP) {
            const std::uint32_t trips =
                op.arg0 == NPU_LOOP_SEQ_LEN ? std::min(run.seq_len, op.arg1) : op.arg1;
            if (trips == 0) {  // skip the body
                for (int nest = 1; nest && ++pc < end;)
                    nest += (img.ops[pc].opcode == NPU_PROG_LOOP) -
                            (img.ops[pc].opcode == NPU_PROG_ENDLOOP);
                ++pc;
                continue;
            }
            loops.push_back({pc + 1, trips, 0});
        } else if (op.opcode == NPU_PROG_ENDLOOP && !loops.empty()) {
            if (++loops.back().index < loops.back().trips) {
                pc = loops.back().begin;
                continue;
            }
            loops.pop_back();
        } else if (op.opcode == NPU_PROG_KERNEL && op.arg0 < img.descs.size()) {
            npu_desc_t d = img.descs[op.arg0];
            for (std::uint32_t i = op.patch_first;
                 i < op.patch_first + op.patch_count && i < img.patches.size(); ++i) {
                const npu_patch_t& p = img.patches[i];
                const std::uint32_t value = p.source == NPU_PATCH_SEQ_LEN ? run.seq_len
                                            : p.source < loops.size()     ? loops[p.source].index
                                                                          : 0;
                npu_patch_apply(&d, &p, value);
            }
            if (d.kernel_id < per_layer.size())
                per_layer[d.kernel_id] += untiled_compute_cycles(d, cfg);
        }
        ++pc;
    }
    return per_layer;
}

std::vector<LayerReport> model_layer_reports(const npu::Npu& npu, const ModelRun& run) {
    std::vector<LayerReport> layers;
    const std::uint64_t pes = std::uint64_t{npu.config().array_rows} * npu.config().array_cols;
    std::vector<const npu::KernelRecord*> by_layer(run.image.layers.size(), nullptr);
    for (const npu::KernelRecord& r : npu.kernel_records())
        if (r.stats.kernel_id < by_layer.size()) by_layer[r.stats.kernel_id] = &r;
    // Without the formula (a descriptor the NPU refused) the layers say null.
    std::vector<std::uint64_t> formula;
    try {
        formula = layer_formula_cycles(run, npu.config());
    } catch (const std::invalid_argument&) {
        formula.clear();
    }
    for (std::size_t i = 0; i < run.image.layers.size(); ++i) {
        const npu_img_layer_t& il = run.image.layers[i];
        const npu::KernelRecord* rec = by_layer[i];
        if (!rec && il.desc_count == 0) continue;  // a layer done by the CPU or a view
        const npu::KernelStats k = rec ? rec->stats : npu::KernelStats{};
        LayerReport l = layer_report_of(k, pes);
        l.name = std::string(il.name, strnlen(il.name, sizeof il.name));
        l.op = std::string(il.op, strnlen(il.op, sizeof il.op));
        l.launches = rec ? rec->runs : 0;
        // The layer table predicts the run at the image's default sequence
        // length; at another length the prediction is not known here.
        const npu_img_header_t& h = run.image.header;
        l.has_prediction = h.seq_len_max == 0 || run.seq_len == h.seq_len_default;
        l.predicted_read = {il.pred_rd_ifmap, il.pred_rd_weight, 0, il.pred_rd_psum};
        l.predicted_write = {0, 0, il.pred_wr_ofmap, il.pred_wr_psum};
        l.has_bus_prediction = l.has_prediction && i < run.layer_bus.size();
        if (l.has_bus_prediction) {
            const npu::compiler::LayerBusPrediction& b = run.layer_bus[i];
            l.predicted_bus_read = {b.rd_ifmap, b.rd_weight, 0, b.rd_psum};
            l.predicted_bus_write = {0, 0, b.wr_ofmap, b.wr_psum};
        }
        l.has_formula = i < formula.size();
        l.formula_cycles = l.has_formula ? formula[i] : 0;
        layers.push_back(l);
    }
    return layers;
}

VerifyReport verify_model(const std::uint8_t* dram, std::uint64_t dram_bytes, const ModelRun& run,
                          bool every_layer, std::string& message) {
    VerifyReport v;
    if (!run.graph) return v;
    const wl::Graph& g = *run.graph;
    const wl::Execution ref = wl::execute(g, run.inputs);
    v.checked = true;
    v.match = true;
    // Which tensors to compare: the outputs, or every node's output.
    std::vector<int> ids(g.outputs.begin(), g.outputs.end());
    if (every_layer) {
        ids.clear();
        for (const wl::Node& n : g.nodes)
            ids.push_back(n.outputs.at(0));
    }
    for (int id : ids) {
        const wl::TensorDef& td = g.tensor(id);
        if (td.dtype != wl::DType::int8 || id >= static_cast<int>(ref.values.size()) ||
            ref.values[static_cast<std::size_t>(id)].data.empty())
            continue;
        const npu_img_tensor_t* it = nullptr;
        for (const npu_img_tensor_t& t : run.image.tensors)
            if (tensor_name(t) == td.name.substr(0, NPU_IMG_NAME_LEN - 1)) it = &t;
        if (!it) continue;  // folded away by the compiler (a view of another tensor)
        const wl::Tensor8& want = ref.values[static_cast<std::size_t>(id)];
        const std::uint64_t off = it->addr - VP_DRAM_BASE;
        if (it->addr < VP_DRAM_BASE || off + want.data.size() > dram_bytes) continue;
        for (std::size_t e = 0; e < want.data.size(); ++e) {
            const auto got = static_cast<std::int8_t>(dram[off + e]);
            if (got == want.data[e]) continue;
            const auto& s = want.shape;
            const std::int64_t hw = s.h * s.w;
            std::ostringstream os;
            os << "layer '" << td.name << "' element " << e << " (c "
               << static_cast<std::int64_t>(e) / hw << ", y "
               << (static_cast<std::int64_t>(e) % hw) / s.w << ", x "
               << static_cast<std::int64_t>(e) % s.w << "): NPU " << int(got) << ", reference "
               << int(want.data[e]);
            message = os.str();
            v.match = false;
            return v;
        }
    }
    return v;
}

}  // namespace vp
