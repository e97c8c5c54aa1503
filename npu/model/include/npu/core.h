// The NPU's plain C++ core (no SystemC): descriptor decoding and checking, the
// tile walk with its DMA traffic (the 'tile' policy of docs/dataflow-model.md,
// tile-level buffers), the ping-pong pipeline timeline, and the functional
// int8 execution on the scratchpad contents (npu_abi/arith.h).
//
// Hardware it stands for: a command processor that walks a kernel's inter-tile
// loops in the descriptor's order; one DMA read channel and one write channel
// moving whole tile footprints between DRAM and three scratchpads (ifmap,
// weight, ofmap/psum; each split in two ping-pong halves), a bias register
// file and a 256-entry LUT; the MAC array (systolic.h) and a vector unit.
// The DMA is 2-D: the ifmap, ofmap and eltwise operand B may be strided views
// of larger tensors (descriptor.h), and a footprint moves as one burst
// sequence per contiguous run; the scratchpad copy is always dense.
//
// Timeline (cycles from the kernel's start), per inter-tile iteration i:
//   - each input footprint that changes is loaded into the other half of its
//     buffer; the load starts when the read channel is free and that half's
//     previous content is no longer used (the end of the last compute that
//     read it); all bursts of one footprint are requested at the same cycle;
//   - when the ofmap footprint changes, the old one is written back (psum or
//     final) once the compute that produced it ends, on the write channel;
//     the new one is read back (psum) into the other half if a DRAM copy
//     exists, else initialised (bias, zero, or -inf for max pooling);
//   - compute i starts when compute i-1 has ended and its loads are done.
// cycles = end of the last write-back; stall_cycles = cycles - compute_cycles
// (initial fill, waits for data, final drain).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "npu/systolic.h"
#include "npu_abi/descriptor.h"
#include "vp/dram_atom.h"

namespace npu {

// What the core needs of the NPU's configuration.
struct CoreConfig {
    unsigned array_rows = 32;
    unsigned array_cols = 32;
    std::uint32_t ifmap_bytes = 64 * 1024;
    std::uint32_t weight_bytes = 64 * 1024;
    std::uint32_t ofmap_bytes = 64 * 1024;
    std::uint32_t dma_burst_bytes = 64;
    // The shell's DMA moves a contiguous run as one TLM transaction tagged
    // with the burst size (vp::BurstExt) instead of one per burst: only for
    // a bus and targets that book and count such a transaction as its bursts
    // (vp::Router, vp::Memory; the SoC sets it). Same cycles and counters;
    // the environment variable VP_NPU_DMA_PER_BURST=1 turns it off. One
    // deliberate difference: a run reaching past the end of a target fails
    // as a whole, where per burst the bursts before the bad one were booked
    // and counted first (the kernel stops with NPU_ERR_DMA either way).
    bool dma_coalesce_bursts = false;
    // DRAM access granularity (vp/dram_atom.h): the bus-byte counters count
    // every DMA burst as the aligned atoms it touches. Only counted here; the
    // DRAM's channel (the platform's memory, the compiler's ChannelDram)
    // books the same atoms for time.
    std::uint32_t dram_atom_bytes = vp::kDefaultDramAtom;
    bool functional = true;
    // Fold overlap (systolic.h): one fold's drain overlaps the next fold's
    // fill inside a run of folds; off by default (SCALE-Sim's model).
    bool fold_overlap = false;
    // Fold continuation policy (systolic.h): which tiles continue the
    // previous tile's run of folds.
    FoldContinuation fold_continuation = FoldContinuation::run;
    std::uint64_t dram_base = 0x80000000u;
    std::uint64_t dram_size = 0x10000000u;

    // Empty when valid, else one line saying what is wrong.
    std::string validate() const;
};

// Per-kernel statistics, the names of docs/report.md. Bytes unless said otherwise.
struct KernelStats {
    std::uint16_t kernel_id = 0;
    std::uint8_t op = 0;
    std::uint32_t error = 0;  // NPU_ERR_*
    std::uint64_t macs = 0;
    std::uint64_t cycles = 0;
    std::uint64_t compute_cycles = 0;
    std::uint64_t stall_cycles = 0;
    std::uint64_t tiles = 0;   // inter-tile iterations
    double utilization = 0.0;  // macs / (cycles * PEs)
    // Weight bytes not loaded because a NPU_DESC_F_RESIDENT kernel found
    // them still in the weight scratchpad.
    std::uint64_t resident_weight_bytes = 0;
    struct Reads {
        // bias: the per-output-channel parameters, bias and requantization table
        std::uint64_t ifmap = 0, weight = 0, psum = 0, bias = 0, lut = 0;
        std::uint64_t total() const { return ifmap + weight + psum + bias + lut; }
        Reads& operator+=(const Reads& o) {
            ifmap += o.ifmap, weight += o.weight, psum += o.psum, bias += o.bias, lut += o.lut;
            return *this;
        }
    } dram_read_bytes;
    struct Writes {
        std::uint64_t ofmap = 0, psum = 0;
        std::uint64_t total() const { return ofmap + psum; }
        Writes& operator+=(const Writes& o) {
            ofmap += o.ofmap, psum += o.psum;
            return *this;
        }
    } dram_write_bytes;
    // Bytes on the DRAM bus (whole atoms, CoreConfig::dram_atom_bytes) for
    // the same transfers; dram_read_bytes/dram_write_bytes stay the useful
    // bytes (the elements the footprints hold).
    Reads dram_bus_read_bytes;
    Writes dram_bus_write_bytes;
    struct Sram {
        std::uint64_t ifmap = 0, weight = 0, ofmap = 0;
        Sram& operator+=(const Sram& o) {
            ifmap += o.ifmap, weight += o.weight, ofmap += o.ofmap;
            return *this;
        }
    } sram_reads, sram_writes;
};

// The DMA's view of the bus. Times are NPU cycles from the kernel's start; a
// transfer requested at `request` completes at `done` (>= request).
class DmaPort {
  public:
    virtual ~DmaPort() = default;
    virtual bool read(std::uint64_t addr, std::uint8_t* dst, std::uint32_t len,
                      std::uint64_t request, std::uint64_t& done) = 0;
    virtual bool write(std::uint64_t addr, const std::uint8_t* src, std::uint32_t len,
                       std::uint64_t request, std::uint64_t& done) = 0;
    // Whether one read()/write() may carry a whole contiguous run of several
    // bursts of `burst` bytes (the port then books and counts it as those
    // bursts, back to back at the same request cycle); false: one call per
    // burst.
    virtual bool coalesces_bursts() const { return false; }
    // Busy intervals for waveforms and timelines: unit 0 = DMA read, 1 = DMA
    // write, 2 = MAC array. A DMA interval carries the useful bytes of its
    // transfers (without those a fetch by rows drops, NPU_DESC_F_IFMAP_ROWS)
    // and their bytes on the DRAM bus; the MAC array's carries 0, 0.
    virtual void activity(int unit, std::uint64_t begin, std::uint64_t end, std::uint64_t bytes,
                          std::uint64_t bus_bytes) {
        (void)unit, (void)begin, (void)end, (void)bytes, (void)bus_bytes;
    }
};

// A tensor's layout in DRAM (descriptor.h): element (c, y, x) lies
// c * ch_stride + y * row_stride + x elements after the tensor's address.
struct TensorView {
    std::uint64_t ch_stride = 0, row_stride = 0;
    std::uint64_t elem(std::uint64_t c, std::uint64_t y, std::uint64_t x) const {
        return c * ch_stride + y * row_stride + x;
    }
};

// A checked, decoded descriptor.
struct Kernel {
    npu_desc_t desc{};
    Dataflow dataflow = Dataflow::os;
    std::array<std::uint32_t, NPU_DIMS> extent{};  // N_d
    std::array<std::uint32_t, NPU_DIMS> tile{};    // T_d
    std::array<std::uint32_t, NPU_DIMS> trips{};   // n_d
    std::array<std::uint8_t, NPU_DIMS> order{};    // outermost first
    std::uint32_t groups = 1;
    std::uint32_t in_elem_bytes = 1;   // 4 for REQUANT
    std::uint32_t out_elem_bytes = 1;  // 4 for int32 output
    bool has_weight = false;           // conv/gemm weights
    bool has_operand_b = false;        // eltwise B (in the weight buffer)
    bool has_bias = false;
    bool has_qtable = false;  // per-channel requantization (NPU_DESC_F_QTABLE)
    bool uses_lut = false;
    bool spills_psum = false;
    // Strides resolved (0 = dense) and checked: ifmap [C][H][W], ofmap
    // [M][E][F], eltwise operand B [C][H][W]; psum is always dense [M][E][F].
    TensorView ifmap_view, ofmap_view, opb_view, psum_view;
    // Relevance masks over dimensions (bit d).
    unsigned rel_in = 0, rel_w = 0, rel_out = 0, rel_bias = 0;
    bool is_mac_op() const { return desc.op == NPU_OP_CONV || desc.op == NPU_OP_GEMM; }
};

// "conv", "gemm", "maxpool", ... ("?" for an unknown op); error names likewise.
const char* op_name(unsigned op);
const char* error_name(unsigned error);

// Checks and decodes; returns NPU_ERR_NONE or the error code.
std::uint32_t decode_kernel(const npu_desc_t& desc, const CoreConfig& cfg, Kernel& out);

// ---------------------------------------------------------------------------
// The capacity rule, written once: decode_kernel and the compiler's schedule
// search both call footprint_bytes / fits.
//
// Each scratchpad is split into two ping-pong halves: the DMA fills one half
// with the next footprint while the array works out of the other. A tiling
// fits when, for every buffer, its largest footprint fits ONE half:
//   ifmap half:  ifmap footprint elements x input width (1 B; 4 B for the
//                int32 input of REQUANT);
//   weight half: weight footprint (int8; eltwise: operand B, int8);
//   ofmap half:  ofmap footprint elements x 4 B (int32 accumulators, also
//                when the output is int8) plus the per-output-channel
//                parameters of the footprint's m range, bias (int32, 4 B)
//                and requantization pairs (mult, shift: 2 x int32 = 8 B).
//                The output path consumes them: the bias initialises the
//                accumulators of a new output tile, the pairs requantize it
//                on write-back (as NVDLA's SDP and Gemmini's accumulator
//                keep them on the output side). Charging them to the weight
//                half instead made a weight tile that fills its half
//                exactly (e.g. 64 filters x 512 channels) not fit, and
//                forced tilings that restart the array's folds.
// Footprints are clipped to the tensor (padding is never fetched) and the
// largest one that really occurs counts (docs/dataflow-model.md, "Footprints").
struct FootprintElems {
    std::uint64_t ifmap = 0, weight = 0, ofmap = 0;
    std::uint64_t channels = 0;  // output channels whose parameters ride in the ofmap half
};
struct ElementBytes {
    std::uint32_t ifmap = 1, weight = 1;
    std::uint32_t accumulator = 4;
    std::uint32_t channel_params = 0;  // bytes per output channel: 4 bias + 8 qtable
};
constexpr std::uint32_t kBiasBytes = 4;         // int32
constexpr std::uint32_t kQtableEntryBytes = 8;  // int32 mult, int32 shift
struct FootprintBytes {
    std::uint64_t ifmap = 0, weight = 0, ofmap = 0;
};
// Bytes the footprints occupy, each in one half of its scratchpad.
FootprintBytes footprint_bytes(const FootprintElems& e, const ElementBytes& w);
// Usable bytes per footprint of a scratchpad: half of it (ping-pong); the
// study tools may switch ping-pong off.
std::uint64_t usable_bytes(std::uint64_t scratchpad_bytes, bool ping_pong = true);
// Every buffer's footprint fits its half.
bool fits(const FootprintBytes& need, const CoreConfig& cfg);

// The kernel's element widths and largest footprints (elements).
ElementBytes element_bytes(const Kernel& k);
FootprintElems max_footprint_elems(const Kernel& k);
// footprint_bytes(max_footprint_elems(k), element_bytes(k)).
FootprintBytes max_footprints(const Kernel& k);

// Runs kernels one after another; keeps scratchpad contents (and so resident
// weights) between kernels.
class Core {
  public:
    explicit Core(const CoreConfig& cfg);

    // Decodes, checks and executes one descriptor. Returns the stats (error
    // set if the descriptor was bad: nothing is transferred then, or the DMA
    // failed part way).
    KernelStats run(const npu_desc_t& desc, DmaPort& dma);

    const CoreConfig& config() const { return m_cfg; }
    void invalidate_buffers();  // reset: forget resident weights

  private:
    struct Footprint;
    struct Buffer;
    class Walk;
    CoreConfig m_cfg;
    std::vector<std::uint8_t> m_lut;
    struct WeightTag {
        bool valid = false;
        std::vector<std::int64_t> tag;
        std::vector<std::uint8_t> data;
    };
    std::array<WeightTag, 2> m_weight_halves;
    int m_weight_cur = 0;
};

}  // namespace npu
