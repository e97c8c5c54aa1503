#include "vp/report.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace vp {

double LayerReport::utilization() const {
    return cycles == 0 || pes == 0
               ? 0.0
               : static_cast<double>(macs) / (static_cast<double>(cycles) * pes);
}

namespace {

nlohmann::json bytes_json(const LayerReport::Bytes& b, bool read) {
    // Reads and writes have the keys of docs/report.md: reads ifmap/weight/psum,
    // writes ofmap/psum.
    if (read) return {{"ifmap", b.ifmap}, {"weight", b.weight}, {"psum", b.psum}};
    return {{"ofmap", b.ofmap}, {"psum", b.psum}};
}

nlohmann::json sram_json(const LayerReport::Bytes& b) {
    return {{"ifmap", b.ifmap}, {"weight", b.weight}, {"ofmap", b.ofmap}};
}

void add(LayerReport::Bytes& to, const LayerReport::Bytes& from) {
    to.ifmap += from.ifmap;
    to.weight += from.weight;
    to.ofmap += from.ofmap;
    to.psum += from.psum;
}

nlohmann::json layer_json(const LayerReport& l) {
    nlohmann::json j;
    j["name"] = l.name;
    j["op"] = l.op;
    if (!l.error.empty()) j["error"] = l.error;
    j["launches"] = l.launches;
    j["macs"] = l.macs;
    j["cycles"] = l.cycles;
    j["compute_cycles"] = l.compute_cycles;
    j["formula_cycles"] = l.has_formula ? nlohmann::json(l.formula_cycles) : nlohmann::json();
    j["stall_cycles"] = l.stall_cycles;
    j["utilization"] = l.utilization();
    j["dram_read_bytes"] = bytes_json(l.dram_read, true);
    j["dram_write_bytes"] = bytes_json(l.dram_write, false);
    j["predicted_dram_read_bytes"] =
        l.has_prediction ? bytes_json(l.predicted_read, true) : nlohmann::json();
    j["predicted_dram_write_bytes"] =
        l.has_prediction ? bytes_json(l.predicted_write, false) : nlohmann::json();
    j["sram_reads"] = sram_json(l.sram_reads);
    j["sram_writes"] = sram_json(l.sram_writes);
    j["dram_bus_read_bytes"] = bytes_json(l.dram_bus_read, true);
    j["dram_bus_write_bytes"] = bytes_json(l.dram_bus_write, false);
    j["predicted_dram_bus_read_bytes"] =
        l.has_bus_prediction ? bytes_json(l.predicted_bus_read, true) : nlohmann::json();
    j["predicted_dram_bus_write_bytes"] =
        l.has_bus_prediction ? bytes_json(l.predicted_bus_write, false) : nlohmann::json();
    return j;
}

LayerReport totals_of(const std::vector<LayerReport>& layers) {
    LayerReport t;
    t.name = "total";
    t.has_prediction = !layers.empty();
    t.has_bus_prediction = !layers.empty();
    t.has_formula = !layers.empty();
    for (const LayerReport& l : layers) {
        t.has_prediction = t.has_prediction && l.has_prediction;
        t.launches += l.launches;
        t.macs += l.macs;
        t.cycles += l.cycles;
        t.compute_cycles += l.compute_cycles;
        t.has_formula = t.has_formula && l.has_formula;
        t.formula_cycles += l.formula_cycles;
        t.stall_cycles += l.stall_cycles;
        t.pes = l.pes;  // one array per run
        add(t.dram_read, l.dram_read);
        add(t.dram_write, l.dram_write);
        add(t.predicted_read, l.predicted_read);
        add(t.predicted_write, l.predicted_write);
        add(t.sram_reads, l.sram_reads);
        add(t.sram_writes, l.sram_writes);
        t.has_bus_prediction = t.has_bus_prediction && l.has_bus_prediction;
        add(t.dram_bus_read, l.dram_bus_read);
        add(t.dram_bus_write, l.dram_bus_write);
        add(t.predicted_bus_read, l.predicted_bus_read);
        add(t.predicted_bus_write, l.predicted_bus_write);
    }
    return t;
}

}  // namespace

nlohmann::json config_to_json(const Config& c) {
    nlohmann::json j;
    j["workload"] = c.workload;
    j["setup"] = c.setup;
    j["firmware"] = c.firmware;
    j["demo"] = c.demo;
    j["dataflow"] = to_string(c.dataflow);
    j["control"] = to_string(c.control);
    j["completion"] = to_string(c.completion);
    j["array"] = {c.array_rows, c.array_cols};
    j["ifmap_kb"] = c.ifmap_kb;
    j["weight_kb"] = c.weight_kb;
    j["ofmap_kb"] = c.ofmap_kb;
    j["dma_burst"] = c.dma_burst_bytes;
    j["fold_overlap"] = c.fold_overlap;
    j["fold_continuation"] = npu::to_string(c.fold_continuation);
    j["dram_atom"] = c.dram_atom;
    j["mode"] = to_string(c.mode);
    j["verify"] = c.verify;
    j["verify_layers"] = c.verify_layers;
    j["irq_per_layer"] = c.irq_per_layer;
    j["objective"] = to_string(c.objective);
    j["schedule"] = to_string(c.schedule);
    j["seed"] = c.seed;
    j["seq_len"] = c.seq_len;
    j["dram_bw"] = c.dram_bw;
    j["dram_latency"] = c.dram_latency;
    j["dram_mb"] = c.dram_mb;
    j["sram_kb"] = c.sram_kb;
    j["sram_latency"] = c.sram_latency;
    j["freq_mhz"] = c.freq_mhz;
    j["quantum"] = c.quantum_cycles;
    j["max_cycles"] = c.max_cycles;
    j["timeout_seconds"] = c.timeout_seconds;
    j["semihost_root"] = c.semihost_root;
    j["cpi"] = {{"alu", c.cpu_timing.alu},
                {"load_store", c.cpu_timing.load_store},
                {"mul", c.cpu_timing.mul},
                {"div", c.cpu_timing.div},
                {"branch_taken", c.cpu_timing.branch_taken}};
    j["config_file"] = c.config_file;
    return j;
}

nlohmann::json make_report(const Config& config, const std::vector<LayerReport>& layers,
                           const RunReport& run, const VerifyReport& verify,
                           const nlohmann::json& stats, const std::string& console) {
    nlohmann::json j;
    j["version"] = 1;
    j["config"] = config_to_json(config);
    j["layers"] = nlohmann::json::array();
    for (const LayerReport& l : layers)
        j["layers"].push_back(layer_json(l));
    nlohmann::json totals = layer_json(totals_of(layers));
    totals.erase("name");
    totals.erase("op");
    j["totals"] = totals;
    j["run"] = {{"cycles", run.cycles},
                {"sim_time_ns", run.sim_time_ns},
                {"cpu_instructions", run.cpu_instructions},
                {"cpu_busy_cycles", run.cpu_busy_cycles},
                {"cpu_sleep_cycles", run.cpu_sleep_cycles},
                {"interrupts", run.interrupts},
                {"kernel_launches", run.kernel_launches},
                {"control_bus_bytes", run.control_bus_bytes},
                {"npu_busy_cycles", run.npu_busy_cycles},
                {"npu_idle_cycles", run.npu_idle_cycles},
                {"npu_dram_bytes", run.npu_dram_bytes},
                {"npu_dram_bus_bytes", run.npu_dram_bus_bytes},
                {"resident_weight_bytes", run.resident_weight_bytes},
                {"host_seconds", run.host_seconds},
                {"host_sim_seconds", run.host_sim_seconds},
                {"host_mips", run.host_mips},
                {"exit_status", run.exit_status},
                {"end_reason", run.end_reason},
                {"failed", run.failed}};
    j["verify"] = {{"checked", verify.checked}, {"match", verify.match}};
    j["stats"] = stats;
    j["console"] = console;
    return j;
}

std::string make_csv(const std::vector<LayerReport>& layers) {
    std::ostringstream os;
    os << "name,op,launches,macs,cycles,compute_cycles,formula_cycles,stall_cycles,utilization,"
          "dram_read_bytes.ifmap,dram_read_bytes.weight,dram_read_bytes.psum,"
          "dram_write_bytes.ofmap,dram_write_bytes.psum,"
          "predicted_dram_read_bytes.ifmap,predicted_dram_read_bytes.weight,"
          "predicted_dram_read_bytes.psum,predicted_dram_write_bytes.ofmap,"
          "predicted_dram_write_bytes.psum,sram_reads.ifmap,sram_reads.weight,sram_reads.ofmap,"
          "sram_writes.ifmap,sram_writes.weight,sram_writes.ofmap,"
          "dram_bus_read_bytes.ifmap,dram_bus_read_bytes.weight,dram_bus_read_bytes.psum,"
          "dram_bus_write_bytes.ofmap,dram_bus_write_bytes.psum,"
          "predicted_dram_bus_read_bytes.ifmap,predicted_dram_bus_read_bytes.weight,"
          "predicted_dram_bus_read_bytes.psum,predicted_dram_bus_write_bytes.ofmap,"
          "predicted_dram_bus_write_bytes.psum\n";
    auto row = [&os](const LayerReport& l) {
        os << l.name << ',' << l.op << ',' << l.launches << ',' << l.macs << ',' << l.cycles << ','
           << l.compute_cycles << ',';
        if (l.has_formula) os << l.formula_cycles;
        os << ',' << l.stall_cycles << ',' << std::setprecision(6) << l.utilization() << ','
           << l.dram_read.ifmap << ',' << l.dram_read.weight << ',' << l.dram_read.psum << ','
           << l.dram_write.ofmap << ',' << l.dram_write.psum << ',';
        if (l.has_prediction)
            os << l.predicted_read.ifmap << ',' << l.predicted_read.weight << ','
               << l.predicted_read.psum << ',' << l.predicted_write.ofmap << ','
               << l.predicted_write.psum << ',';
        else
            os << ",,,,,";
        os << l.sram_reads.ifmap << ',' << l.sram_reads.weight << ',' << l.sram_reads.ofmap << ','
           << l.sram_writes.ifmap << ',' << l.sram_writes.weight << ',' << l.sram_writes.ofmap
           << ',' << l.dram_bus_read.ifmap << ',' << l.dram_bus_read.weight << ','
           << l.dram_bus_read.psum << ',' << l.dram_bus_write.ofmap << ',' << l.dram_bus_write.psum
           << ',';
        if (l.has_bus_prediction)
            os << l.predicted_bus_read.ifmap << ',' << l.predicted_bus_read.weight << ','
               << l.predicted_bus_read.psum << ',' << l.predicted_bus_write.ofmap << ','
               << l.predicted_bus_write.psum;
        else
            os << ",,,,";
        os << '\n';
    };
    for (const LayerReport& l : layers)
        row(l);
    LayerReport t = totals_of(layers);
    t.op = "";
    row(t);
    return os.str();
}

std::string format_summary(const std::vector<LayerReport>& layers, const RunReport& run) {
    std::ostringstream os;
    bool predicted = false;
    std::size_t name_w = 20;
    for (const LayerReport& l : layers) {
        predicted = predicted || l.has_prediction;
        name_w = std::max(name_w, l.name.size() + 2);
    }
    if (!layers.empty()) {
        os << std::left << std::setw(static_cast<int>(name_w)) << "layer" << std::setw(15) << "op"
           << std::right << std::setw(14) << "macs" << std::setw(12) << "cycles" << std::setw(12)
           << "stalls" << std::setw(7) << "util" << std::setw(12) << "dram_rd" << std::setw(12)
           << "dram_wr";
        if (predicted) os << std::setw(12) << "pred_rd" << std::setw(12) << "pred_wr";
        os << std::setw(12) << "dram_bus";
        os << '\n';
        auto row = [&](const LayerReport& l) {
            const auto rd = l.dram_read.ifmap + l.dram_read.weight + l.dram_read.psum;
            const auto wr = l.dram_write.ofmap + l.dram_write.psum;
            os << std::left << std::setw(static_cast<int>(name_w)) << l.name << std::setw(15)
               << l.op << std::right << std::setw(14) << l.macs << std::setw(12) << l.cycles
               << std::setw(12) << l.stall_cycles << std::setw(7) << std::fixed
               << std::setprecision(2) << l.utilization() << std::setw(12) << rd << std::setw(12)
               << wr;
            if (predicted && l.has_prediction)
                os << std::setw(12)
                   << l.predicted_read.ifmap + l.predicted_read.weight + l.predicted_read.psum
                   << std::setw(12) << l.predicted_write.ofmap + l.predicted_write.psum;
            else if (predicted)
                os << std::setw(12) << "-" << std::setw(12) << "-";
            // Bytes on the DRAM bus (whole atoms), reads and writes.
            os << std::setw(12)
               << l.dram_bus_read.ifmap + l.dram_bus_read.weight + l.dram_bus_read.psum +
                      l.dram_bus_write.ofmap + l.dram_bus_write.psum;
            if (!l.error.empty()) os << "  error: " << l.error;
            os << '\n';
        };
        for (const LayerReport& l : layers)
            row(l);
        row(totals_of(layers));
    }
    os << std::fixed;
    os << "run: " << run.cycles << " cycles, " << std::setprecision(0) << run.sim_time_ns
       << " ns simulated, " << run.cpu_instructions << " CPU instructions (busy "
       << run.cpu_busy_cycles << ", sleep " << run.cpu_sleep_cycles << " cycles), "
       << run.interrupts << " interrupts, " << run.kernel_launches << " kernel launches\n";
    if (run.kernel_launches)
        os << "npu: busy " << run.npu_busy_cycles << " cycles, idle between kernels "
           << run.npu_idle_cycles << " cycles; control traffic " << run.control_bus_bytes
           << " bytes on the bus\n";
    os << "host: " << std::setprecision(3) << run.host_seconds << " s wall (simulating "
       << run.host_sim_seconds << " s, " << std::setprecision(1) << run.host_mips
       << " MIPS); exit status " << run.exit_status << " (" << run.end_reason << ")\n";
    return os.str();
}

std::string report_text(const nlohmann::json& report) {
    return report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
}

}  // namespace vp
