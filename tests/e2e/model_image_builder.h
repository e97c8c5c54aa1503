// Hand-built model images (npu_abi/model_image.h) for firmware tests, until
// the compiler writes them: tables in the contract's order, 64-byte aligned,
// both CRCs computed. Tests fill the vectors, call bytes(), and may corrupt
// the result afterwards.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "npu_abi/model_image.h"

namespace vp_test {

struct ModelImageBuilder {
    std::string name = "handmade";
    std::uint32_t load_addr = NPU_IMG_DEFAULT_LOAD_ADDR;
    std::uint32_t input_header_addr = VP_DRAM_BASE + 0x100000u;
    std::uint32_t dram_end = VP_DRAM_BASE + 0x400000u;
    std::uint32_t seq_len_max = 0, seq_len_default = 0;
    std::vector<npu_img_layer_t> layers;
    std::vector<npu_desc_t> descs;
    std::vector<npu_prog_op_t> call, irq;  // the two programs, placed call first
    std::vector<npu_cpu_step_t> steps;
    std::vector<npu_patch_t> patches;
    std::vector<std::uint8_t> data;

    // The header as written by bytes() (filled in there).
    npu_img_header_t header{};

    // NUL-padded copy, truncated to the field (the contract's name fields).
    template <std::size_t N>
    static void set_name(char (&field)[N], const std::string& s) {
        std::memset(field, 0, N);
        std::memcpy(field, s.data(), std::min(s.size(), N));
    }

    static std::uint32_t align(std::uint32_t v) {
        return (v + NPU_IMG_ALIGN - 1u) / NPU_IMG_ALIGN * NPU_IMG_ALIGN;
    }

    template <typename T>
    static void put(std::vector<std::uint8_t>& out, std::uint32_t& at, const std::vector<T>& v,
                    std::uint32_t& count, std::uint32_t& offset) {
        count = static_cast<std::uint32_t>(v.size());
        offset = at;
        out.resize(at + v.size() * sizeof(T));
        if (!v.empty()) std::memcpy(out.data() + at, v.data(), v.size() * sizeof(T));
        at = align(static_cast<std::uint32_t>(out.size()));
        out.resize(at);
    }

    std::vector<std::uint8_t> bytes() {
        npu_img_header_t& h = header;
        h = npu_img_header_t{};
        h.magic = NPU_IMG_MAGIC;
        h.version = NPU_IMG_VERSION;
        h.header_bytes = sizeof h;
        h.load_addr = load_addr;
        h.dram_end = dram_end;
        h.input_header_addr = input_header_addr;
        h.seq_len_max = seq_len_max;
        h.seq_len_default = seq_len_default;
        set_name(h.name, name);
        std::vector<std::uint8_t> out(sizeof h);
        std::uint32_t at = align(sizeof h);
        out.resize(at);
        std::vector<npu_img_tensor_t> tensors;
        put(out, at, tensors, h.tensor_count, h.tensor_offset);
        put(out, at, layers, h.layer_count, h.layer_offset);
        put(out, at, descs, h.desc_count, h.desc_offset);
        std::vector<npu_prog_op_t> ops = call;
        ops.insert(ops.end(), irq.begin(), irq.end());
        h.call_first = 0;
        h.call_count = static_cast<std::uint32_t>(call.size());
        h.irq_first = h.call_count;
        h.irq_count = static_cast<std::uint32_t>(irq.size());
        put(out, at, ops, h.op_count, h.op_offset);
        put(out, at, steps, h.step_count, h.step_offset);
        put(out, at, patches, h.patch_count, h.patch_offset);
        put(out, at, data, h.data_bytes, h.data_offset);
        h.data_bytes = static_cast<std::uint32_t>(data.size());
        h.total_bytes = static_cast<std::uint32_t>(out.size());
        h.meta_crc32 =
            npu_crc32_update(0, out.data() + h.header_bytes, h.data_offset - h.header_bytes);
        std::memcpy(out.data(), &h, sizeof h);
        h.crc32 = npu_img_crc32(out.data(), out.size());
        std::memcpy(out.data(), &h, sizeof h);
        return out;
    }
};

inline npu_prog_op_t prog_op(std::uint8_t opcode, std::uint32_t arg0 = 0, std::uint32_t arg1 = 0,
                             std::uint8_t flags = 0, std::uint16_t patch_count = 0,
                             std::uint32_t patch_first = 0) {
    npu_prog_op_t op{};
    op.opcode = opcode;
    op.flags = flags;
    op.arg0 = arg0;
    op.arg1 = arg1;
    op.patch_count = patch_count;
    op.patch_first = patch_first;
    return op;
}

inline npu_img_layer_t img_layer(const char* name, const char* op) {
    npu_img_layer_t l{};
    ModelImageBuilder::set_name(l.name, name);
    ModelImageBuilder::set_name(l.op, op);
    return l;
}

}  // namespace vp_test
