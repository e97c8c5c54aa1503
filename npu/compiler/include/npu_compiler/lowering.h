// The lowering extension point: what a node's lowering may do while compile()
// runs. lower.cpp lowers the feed-forward ops with it; lstm, gru and
// attention are lowered by lower_recurrent() (src/lower_rnn.cpp) through the
// same context.
//
// Addresses are symbolic while lowering: an Addr is an entry of the image's
// tensor table plus a byte offset. compile() lays out the image and the DRAM
// arena at the end and then writes every descriptor and CPU-step address
// field, so code here never sees an absolute address.
//
// Lifetimes: the program position of a node is its index in graph order. A
// graph tensor's buffer is live from its producer to its last reader (graph
// outputs to the end); a scratch tensor lives during the node that asked for
// it. The arena reuses a buffer once it is dead (dram_layout.h).
//
// Programs: add_kernel() / add_step() only create table entries; the call
// program is what call_kernel() / call_step() / loop() emit, in order. The
// irq program is derived from the call program (consecutive kernels become
// descriptor lists, split at CPU steps); a call program with loops gets no irq
// program (irq_count = 0: the model needs run-time control).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "npu_compiler/compile.h"

namespace npu::compiler {

// A DRAM address before layout: tensor-table entry + byte offset.
struct Addr {
    int tensor = -1;
    std::int64_t offset = 0;
    Addr() = default;
    explicit Addr(int t, std::int64_t off = 0) : tensor(t), offset(off) {}
    Addr operator+(std::int64_t bytes) const { return Addr(tensor, offset + bytes); }
    bool valid() const { return tensor >= 0; }
};

// The address fields of a descriptor (unset ones stay 0). psum_addr is not
// given: the context allocates psum scratch when the chosen tiling spills.
struct KernelAddrs {
    Addr ifmap, weight, bias, ofmap, lut, qtable;
};

struct Lowerer;  // compile()'s state (lower.cpp)

class LoweringContext {
  public:
    const wl::Graph& graph() const;
    const CompileOptions& options() const;
    int position() const;               // the node being lowered (its graph index)
    const wl::Node& node() const;       // the node being lowered
    std::uint32_t seq_len_max() const;  // options.seq_len_max, or the graph's T
    // Throws CompileError "node '<name>': <what>".
    [[noreturn]] void fail(const std::string& what) const;

    // ---- tensors (indices into the image's tensor table)
    // The table entry of a graph tensor (activation or constant), created on
    // first use; constants get their data in the data section.
    int tensor_of(int graph_tensor);
    Addr addr_of(int graph_tensor, std::int64_t offset = 0) {
        return Addr(tensor_of(graph_tensor), offset);
    }
    // DRAM scratch live during the current node only (e.g. gate pre-activations).
    int scratch(const std::string& name, const wl::Shape& shape, wl::DType dtype,
                const wl::Quant& q = {});
    // Constant data made by the lowering (LUTs, requantization tables,
    // transposed weights): stored in the data section, 64-byte aligned.
    int constant(const std::string& name, const wl::Shape& shape, wl::DType dtype,
                 const std::vector<std::uint8_t>& bytes, const wl::Quant& q = {});
    int constant_i8(const std::string& name, const wl::Shape& shape,
                    const std::vector<std::int8_t>& v, const wl::Quant& q = {});
    int constant_i32(const std::string& name, const wl::Shape& shape,
                     const std::vector<std::int32_t>& v);

    // ---- layers (report rows). compile() opens one per node before lowering
    // it; a lowering may open more (e.g. one per gate GEMM). Kernels and steps
    // belong to the layer open when they are added.
    int begin_layer(const std::string& name, const std::string& op, std::uint64_t macs);

    // ---- table entries
    // Schedules the descriptor (schedule_kernel with the options' arch,
    // objective and mode), sets kernel_id to the current layer, records its
    // address fields, and returns its descriptor index. Throws CompileError
    // if no tiling fits.
    int add_kernel(npu_desc_t desc, const KernelAddrs& addrs);
    // add_kernel keeping the caller's desc.tile and desc.loop_order (e.g. a
    // whole weight matrix as one tile, so that it stays resident across a
    // loop's launches); predicted with predict_kernel. Throws CompileError if
    // that tiling is invalid or does not fit the scratchpads.
    int add_kernel_tiled(npu_desc_t desc, const KernelAddrs& addrs);
    // add_kernel_tiled for a kernel whose dimensions follow the run-time
    // sequence length: `desc` holds each field its launches patch at the base
    // value (0 for a dimension equal to the length), `seq_patches` those
    // NPU_PATCH_SEQ_LEN patches (the caller passes them to call_kernel too).
    // The tiling is checked with the patches applied at lengths 1 and
    // seq_len_max (it must not spill partial sums), the prediction made at the
    // graph's length. Throws CompileError otherwise.
    int add_kernel_seq_len(npu_desc_t desc, const KernelAddrs& addrs,
                           const std::vector<npu_patch_t>& seq_patches);
    const KernelPrediction& prediction(int desc) const;
    // A CPU step (npu_abi/cpu_ops.h); addrs[i] (when valid) becomes step.addr[i].
    int add_step(npu_cpu_step_t step, const std::array<Addr, NPU_STEP_ADDRS>& addrs);

    // ---- the call program, in order
    // Launch a descriptor. Patches add scale * (loop index or sequence length)
    // to fields of the launched copy (model_image.h). flags: NPU_PROG_F_*.
    void call_kernel(int desc, std::uint8_t flags = 0,
                     const std::vector<npu_patch_t>& patches = {});
    void call_step(int step, const std::vector<npu_patch_t>& patches = {});
    void loop(std::uint32_t trips);  // constant trip count
    void loop_seq_len();             // trip count = run-time sequence length
    void end_loop();

  private:
    friend struct Lowerer;
    explicit LoweringContext(Lowerer& l) : m_l(l) {}
    Lowerer& m_l;
};

// lstm, gru and attention (src/lower_rnn.cpp): called by compile() for those
// nodes with the layer already opened; throws CompileError for what it cannot
// lower.
void lower_recurrent(LoweringContext& ctx, const wl::Node& node);

}  // namespace npu::compiler
