#include "vp/soc.h"

#include <cstring>
#include <sstream>

#include "npu/npu.h"
#include "npu_abi/memory_map.h"
#include "rv/cpu.h"
#include "vp/elf_loader.h"
#include "vp/sim_control.h"

namespace vp {

npu::CoreConfig npu_core_config(const Config& c) {
    npu::CoreConfig n;
    n.array_rows = c.array_rows;
    n.array_cols = c.array_cols;
    n.ifmap_bytes = c.ifmap_kb * 1024u;
    n.weight_bytes = c.weight_kb * 1024u;
    n.ofmap_bytes = c.ofmap_kb * 1024u;
    n.dma_burst_bytes = c.dma_burst_bytes;
    n.dram_atom_bytes = c.dram_atom;
    n.fold_overlap = c.fold_overlap;
    n.fold_continuation = c.fold_continuation;
    n.functional = c.mode == SimMode::functional;
    n.dram_base = VP_DRAM_BASE;
    n.dram_size = std::uint64_t{c.dram_mb} << 20;
    return n;
}

namespace {

MemoryTiming dram_timing(const Config& c) {
    MemoryTiming t;
    t.latency_cycles = c.dram_latency;
    t.bytes_per_cycle = c.dram_bw;
    t.atom_bytes = c.dram_atom;
    return t;
}

MemoryTiming sram_timing(const Config& c) {
    MemoryTiming t;
    t.latency_cycles = c.sram_latency;
    t.bytes_per_cycle = 0;  // single-cycle wide on-chip RAM: latency only
    return t;
}

rv::CpuConfig cpu_config(const Config& c) {
    rv::CpuConfig cc;
    cc.timing = c.cpu_timing;
    cc.quantum_cycles = c.quantum_cycles;
    cc.max_cycles = c.max_cycles;
    cc.semihost_root = c.semihost_root;
    return cc;
}

npu::NpuConfig npu_config(const Config& c) {
    npu::NpuConfig n = npu_core_config(c);
    n.dma_coalesce_bursts = true;  // the bus and the DRAM book vp::BurstExt
    n.functional = c.mode == SimMode::functional || c.verify;
    return n;
}

std::string hex(std::uint64_t v) {
    std::ostringstream os;
    os << "0x" << std::hex << v;
    return os.str();
}

}  // namespace

Soc::Soc(sc_core::sc_module_name name, const Config& config, const std::string& firmware_elf)
    : sc_core::sc_module(name),
      m_config(config),
      m_cycle(config.cycle_ns(), sc_core::SC_NS),
      bus("bus"),
      sram("sram", std::uint64_t{config.sram_kb} * 1024u, sram_timing(config), m_cycle),
      dram("dram", std::uint64_t{config.dram_mb} * 1024u * 1024u, dram_timing(config), m_cycle),
      plic("plic"),
      clint("clint", m_cycle),
      uart("uart", m_cycle),
      syscon("syscon") {
    bus.attach(syscon.bus_in, VP_SYSCON_BASE, VP_SYSCON_SIZE, "syscon");
    bus.attach(clint.bus_in, VP_CLINT_BASE, VP_CLINT_SIZE, "clint");
    bus.attach(sram.bus_in, VP_SRAM_BASE, sram.size(), "sram");
    bus.attach(plic.bus_in, VP_PLIC_BASE, VP_PLIC_SIZE, "plic");
    bus.attach(uart.bus_in, VP_UART_BASE, VP_UART_SIZE, "uart");
    bus.attach(dram.bus_in, VP_DRAM_BASE, dram.size(), "dram");

    const npu::NpuConfig ncfg = npu_config(config);
    if (const std::string why = ncfg.validate(); !why.empty()) throw ConfigError(why);
    npu_dev = std::make_unique<npu::Npu>("npu", ncfg, m_cycle);
    bus.attach(npu_dev->bus_in, VP_NPU_BASE, VP_NPU_SIZE, "npu");
    npu_dev->dma_out(bus.bus_in);
    npu_dev->irq_out(m_irq_npu);
    plic.irq_in[VP_IRQ_NPU](m_irq_npu);

    uart.irq_out(m_irq_uart);
    plic.irq_in[VP_IRQ_UART](m_irq_uart);
    plic.irq_out(m_irq_external);
    clint.timer_irq_out(m_irq_timer);
    clint.soft_irq_out(m_irq_software);

    if (config.demo) {
        tgen = std::make_unique<TrafficGen>("tgen", m_cycle);
        tgen->bus_out(bus.bus_in);
        tgen->irq_out(m_irq_tgen);
        tgen->cpu_irq_in(m_irq_external);
        plic.irq_in[VP_IRQ_TGEN](m_irq_tgen);
    } else {
        cpu = std::make_unique<rv::Cpu>("cpu", cpu_config(config), m_cycle);
        cpu->bus_out(bus.bus_in);
        cpu->irq_external_in(m_irq_external);
        cpu->irq_timer_in(m_irq_timer);
        cpu->irq_software_in(m_irq_software);
        cpu->set_mtime_source([this](const sc_core::sc_time& at) { return clint.mtime_at(at); });
        load_firmware(firmware_elf);
    }
}

Soc::~Soc() = default;

Memory* Soc::memory_at(std::uint64_t address, std::uint64_t size) {
    for (Memory* m : {&sram, &dram}) {
        const std::uint64_t base = m == &sram ? VP_SRAM_BASE : VP_DRAM_BASE;
        if (address >= base && address + size <= base + m->size()) return m;
    }
    return nullptr;
}

void Soc::load_firmware(const std::string& path) {
    const ElfImage image = load_elf(path);
    for (const ElfSegment& seg : image.segments) {
        Memory* mem = memory_at(seg.paddr, seg.memsz);
        if (!mem)
            throw ConfigError(path + ": segment at " + hex(seg.paddr) + " (" +
                              std::to_string(seg.memsz) +
                              " bytes) lies outside SRAM and DRAM (see --sram-kb, --dram-mb)");
        const std::uint64_t offset = seg.paddr - (mem == &sram ? VP_SRAM_BASE : VP_DRAM_BASE);
        std::copy(seg.data.begin(), seg.data.end(), mem->data() + offset);
        mem->zero(offset + seg.data.size(), seg.memsz - seg.data.size());  // lazily: .bss
        if (mem == &dram) m_firmware_dram.emplace_back(seg.paddr, seg.paddr + seg.memsz);
    }
    if (!memory_at(image.entry, 2))
        throw ConfigError(path + ": entry point " + hex(image.entry) + " is not in SRAM or DRAM");
    cpu->set_reset_pc(image.entry);
}

// Copies `size` bytes into DRAM at `address`, refusing what does not fit the
// DRAM or would overwrite the firmware.
void Soc::put_dram(std::uint64_t address, const std::uint8_t* data, std::uint64_t size,
                   const std::string& what) {
    const std::uint64_t end = std::uint64_t{VP_DRAM_BASE} + dram.size();
    if (address < VP_DRAM_BASE || address > end || size > end - address)
        throw ConfigError(what + " at " + hex(address) + " (" + std::to_string(size) +
                          " bytes) does not fit the DRAM [" + hex(VP_DRAM_BASE) + ", " + hex(end) +
                          ") (see --dram-mb)");
    for (const auto& [b, e] : m_firmware_dram)
        if (size > 0 && address < e && b < address + size)
            throw ConfigError(what + " at " + hex(address) + " (" + std::to_string(size) +
                              " bytes) overlaps the firmware's DRAM segment at " + hex(b));
    if (size > 0) std::memcpy(dram.data() + (address - VP_DRAM_BASE), data, size);
}

void Soc::load_model(const std::vector<std::uint8_t>& image, const npu_input_header_t& run,
                     const DramBlobs& extra) {
    npu_img_header_t h;
    if (image.size() < sizeof h)
        throw ConfigError("model image: " + std::to_string(image.size()) +
                          " bytes, shorter than its header (" + std::to_string(sizeof h) + ")");
    std::memcpy(&h, image.data(), sizeof h);
    if (h.magic != NPU_IMG_MAGIC)
        throw ConfigError("model image: magic " + hex(h.magic) + ", expected " +
                          hex(NPU_IMG_MAGIC) + " (\"NPMI\")");
    const std::uint64_t dram_end = std::uint64_t{VP_DRAM_BASE} + dram.size();
    if (h.dram_end > dram_end || h.dram_end < h.load_addr)
        throw ConfigError("model image '" + std::string(h.name, strnlen(h.name, sizeof h.name)) +
                          "' uses DRAM up to " + hex(h.dram_end) + ", the DRAM ends at " +
                          hex(dram_end) + " (see --dram-mb)");
    put_dram(h.load_addr, image.data(), image.size(), "model image");
    npu_input_header_t in = run;
    in.magic = NPU_INPUT_MAGIC;
    put_dram(h.input_header_addr, reinterpret_cast<const std::uint8_t*>(&in), sizeof in,
             "model input header");
    for (const auto& [addr, bytes] : extra)
        put_dram(addr, bytes.data(), bytes.size(), "model input data");
}

void Soc::trace(sc_core::sc_trace_file* tf) {
    if (cpu) cpu->trace(tf);  // cpu.sleep, cpu.irq
    if (tgen) {
        tgen->trace(tf);
        sc_core::sc_trace(tf, m_irq_external, "cpu.irq");
    }
    plic.trace(tf);
    clint.trace(tf);
    uart.trace(tf);
    syscon.trace(tf);    // fw.step
    npu_dev->trace(tf);  // npu.busy, npu.kernel, npu.dma_rd_busy, npu.dma_wr_busy, npu.mac_busy
    sc_core::sc_trace(tf, m_bus_window, "bus.transactions");
    sc_core::sc_spawn(sc_bind(&Soc::bus_window_thread, this), "bus_window");
}

// Bus transactions per window of m_bus_window_cycles, for the VCD.
// The sampler stops once no other model has anything scheduled: it must not
// keep a stalled platform's time running, so the stall is still reported.
void Soc::bus_window_thread() {
    std::uint64_t last = 0;
    while (!SimControl::finished()) {
        wait(m_cycle * static_cast<double>(m_bus_window_cycles));
        const bool others_active = sc_core::sc_pending_activity();
        const std::uint64_t now = bus.transactions();
        m_bus_window.write(static_cast<std::uint32_t>(now - last));
        last = now;
        if (!others_active) return;
    }
}

std::string Soc::stall_diagnosis() const {
    std::ostringstream os;
    os << "simulation stalled at " << sc_core::sc_time_stamp().to_seconds() * 1e9 << " ns: ";
    if (cpu && cpu->sleeping())
        os << "the CPU sleeps in WFI and no enabled interrupt can wake it";
    else
        os << "no model has work left and nothing ended the run";
    return os.str();
}

LayerReport layer_report_of(const npu::KernelStats& k, std::uint64_t pes) {
    LayerReport l;
    l.error = k.error ? npu::error_name(k.error) : "";
    l.macs = k.macs;
    l.cycles = k.cycles;
    l.compute_cycles = k.compute_cycles;
    l.stall_cycles = k.stall_cycles;
    l.pes = pes;
    // Bias, requantization tables and LUTs are parameters: reported with the weights.
    l.dram_read.ifmap = k.dram_read_bytes.ifmap;
    l.dram_read.weight = k.dram_read_bytes.weight + k.dram_read_bytes.bias + k.dram_read_bytes.lut;
    l.dram_read.psum = k.dram_read_bytes.psum;
    l.dram_write.ofmap = k.dram_write_bytes.ofmap;
    l.dram_write.psum = k.dram_write_bytes.psum;
    l.dram_bus_read.ifmap = k.dram_bus_read_bytes.ifmap;
    l.dram_bus_read.weight =
        k.dram_bus_read_bytes.weight + k.dram_bus_read_bytes.bias + k.dram_bus_read_bytes.lut;
    l.dram_bus_read.psum = k.dram_bus_read_bytes.psum;
    l.dram_bus_write.ofmap = k.dram_bus_write_bytes.ofmap;
    l.dram_bus_write.psum = k.dram_bus_write_bytes.psum;
    l.sram_reads = {k.sram_reads.ifmap, k.sram_reads.weight, k.sram_reads.ofmap, 0};
    l.sram_writes = {k.sram_writes.ifmap, k.sram_writes.weight, k.sram_writes.ofmap, 0};
    return l;
}

std::vector<LayerReport> Soc::layer_reports() const {
    std::vector<LayerReport> layers;
    const std::uint64_t pes = std::uint64_t{m_config.array_rows} * m_config.array_cols;
    for (const npu::KernelStats& k : npu_dev->kernel_stats()) {
        LayerReport l = layer_report_of(k, pes);
        l.name = "kernel" + std::to_string(k.kernel_id);
        l.op = npu::op_name(k.op);
        l.launches = 1;
        layers.push_back(l);
    }
    // Launches past the NPU's history cap (npu::Npu::kKernelHistoryCap), summed
    // in one row whose launches say how many were folded together.
    if (npu_dev->folded_kernel_count()) {
        const npu::KernelStats& k = npu_dev->folded_kernels();
        LayerReport l = layer_report_of(k, pes);
        l.name = "folded";
        l.op = "mixed";
        l.launches = npu_dev->folded_kernel_count();
        layers.push_back(l);
    }
    return layers;
}

}  // namespace vp
