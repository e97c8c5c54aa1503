// The model image on the host: section layout, writing with both CRC-32s,
// and reading with every check the platform and the firmware rely on.
#include "npu_compiler/image.h"

#include <cstring>
#include <sstream>

namespace npu::compiler {

namespace {

std::uint64_t align_up(std::uint64_t v) {
    return (v + NPU_IMG_ALIGN - 1) / NPU_IMG_ALIGN * NPU_IMG_ALIGN;
}

std::string hex(std::uint64_t v) {
    std::ostringstream os;
    os << "0x" << std::hex << v;
    return os.str();
}

[[noreturn]] void bad(const std::string& what) {
    throw ImageError("setup file: " + what);
}

bool host_is_little_endian() {
    const std::uint32_t one = 1;
    std::uint8_t b;
    std::memcpy(&b, &one, 1);
    return b == 1;
}

// One table section: its count and offset fields and its entry size.
struct Section {
    const char* name;
    std::uint32_t npu_img_header_t::*count;
    std::uint32_t npu_img_header_t::*offset;
    std::size_t entry;
};
const Section kSections[] = {
    {"tensor table", &npu_img_header_t::tensor_count, &npu_img_header_t::tensor_offset,
     sizeof(npu_img_tensor_t)},
    {"layer table", &npu_img_header_t::layer_count, &npu_img_header_t::layer_offset,
     sizeof(npu_img_layer_t)},
    {"descriptors", &npu_img_header_t::desc_count, &npu_img_header_t::desc_offset, NPU_DESC_SIZE},
    {"program", &npu_img_header_t::op_count, &npu_img_header_t::op_offset, sizeof(npu_prog_op_t)},
    {"CPU steps", &npu_img_header_t::step_count, &npu_img_header_t::step_offset,
     sizeof(npu_cpu_step_t)},
    {"patches", &npu_img_header_t::patch_count, &npu_img_header_t::patch_offset,
     sizeof(npu_patch_t)},
    {"data", &npu_img_header_t::data_bytes, &npu_img_header_t::data_offset, 1},
};

template <typename T>
void put(std::vector<std::uint8_t>& out, std::uint32_t offset, const std::vector<T>& v) {
    if (!v.empty()) std::memcpy(out.data() + offset, v.data(), v.size() * sizeof(T));
}

template <typename T>
void get(const std::vector<std::uint8_t>& in, std::uint32_t offset, std::uint32_t count,
         std::vector<T>& v) {
    v.resize(count);
    if (count) std::memcpy(v.data(), in.data() + offset, std::size_t{count} * sizeof(T));
}

// Checks one program (ops [first, first + count)): opcodes, indices, loop
// nesting, patches; the irq program may not loop.
void check_program(const ModelImage& img, const char* which, std::uint32_t first,
                   std::uint32_t count, bool irq) {
    const npu_img_header_t& h = img.header;
    if (count == 0) return;
    if (std::uint64_t{first} + count > h.op_count)
        bad(std::string(which) + " program: ops [" + std::to_string(first) + ", " +
            std::to_string(std::uint64_t{first} + count) + ") beyond the " +
            std::to_string(h.op_count) + " ops");
    unsigned depth = 0;
    for (std::uint32_t i = first; i < first + count; ++i) {
        const npu_prog_op_t& op = img.ops[i];
        const std::string at = std::string(which) + " program op " + std::to_string(i) + ": ";
        const bool last = i + 1 == first + count;
        if ((op.opcode == NPU_PROG_END) != last)
            bad(at + (last ? "program does not end with END" : "END before the program's end"));
        switch (op.opcode) {
            case NPU_PROG_END:
                break;
            case NPU_PROG_KERNEL:
                if (irq) bad(at + "KERNEL in the irq program");
                if (op.arg0 >= h.desc_count)
                    bad(at + "descriptor " + std::to_string(op.arg0) + " of " +
                        std::to_string(h.desc_count));
                break;
            case NPU_PROG_LIST:
                if (!irq) bad(at + "LIST in the call program");
                if (op.arg1 == 0 || std::uint64_t{op.arg0} + op.arg1 > h.desc_count)
                    bad(at + "descriptor list [" + std::to_string(op.arg0) + ", +" +
                        std::to_string(op.arg1) + ") outside the " + std::to_string(h.desc_count) +
                        " descriptors");
                break;
            case NPU_PROG_CPU:
                if (op.arg0 >= h.step_count)
                    bad(at + "CPU step " + std::to_string(op.arg0) + " of " +
                        std::to_string(h.step_count));
                break;
            case NPU_PROG_LOOP:
                if (irq) bad(at + "LOOP in the irq program");
                if (op.arg0 != NPU_LOOP_CONST && op.arg0 != NPU_LOOP_SEQ_LEN)
                    bad(at + "unknown loop kind " + std::to_string(op.arg0));
                if (op.arg0 == NPU_LOOP_SEQ_LEN && op.arg1 != h.seq_len_max)
                    bad(at + "sequence loop bound " + std::to_string(op.arg1) +
                        " is not seq_len_max " + std::to_string(h.seq_len_max));
                if (++depth > NPU_LOOP_MAX_DEPTH) bad(at + "loops nested too deep");
                break;
            case NPU_PROG_ENDLOOP:
                if (depth == 0) bad(at + "ENDLOOP without LOOP");
                --depth;
                break;
            default:
                bad(at + "unknown opcode " + std::to_string(op.opcode));
        }
        if (op.patch_count) {
            if (op.opcode != NPU_PROG_KERNEL && op.opcode != NPU_PROG_CPU)
                bad(at + "patches on an op that is not KERNEL or CPU");
            if (std::uint64_t{op.patch_first} + op.patch_count > h.patch_count)
                bad(at + "patches beyond the patch table");
            const unsigned limit =
                op.opcode == NPU_PROG_KERNEL ? NPU_DESC_SIZE : sizeof(npu_cpu_step_t);
            for (std::uint32_t p = op.patch_first; p < op.patch_first + op.patch_count; ++p) {
                const npu_patch_t& pt = img.patches[p];
                if ((pt.width != 2 && pt.width != 4) || pt.offset % pt.width ||
                    pt.offset + pt.width > limit)
                    bad(at + "patch " + std::to_string(p) + " field at byte " +
                        std::to_string(pt.offset) + " width " + std::to_string(pt.width));
                if (pt.source != NPU_PATCH_SEQ_LEN && pt.source >= depth)
                    bad(at + "patch " + std::to_string(p) + " reads loop depth " +
                        std::to_string(pt.source) + " outside its " + std::to_string(depth) +
                        " loops");
            }
        }
    }
    if (depth) bad(std::string(which) + " program: LOOP without ENDLOOP");
}

}  // namespace

void layout_sections(ModelImage& img) {
    npu_img_header_t& h = img.header;
    h.magic = NPU_IMG_MAGIC;
    h.version = NPU_IMG_VERSION;
    h.header_bytes = sizeof(npu_img_header_t);
    h.tensor_count = static_cast<std::uint32_t>(img.tensors.size());
    h.layer_count = static_cast<std::uint32_t>(img.layers.size());
    h.desc_count = static_cast<std::uint32_t>(img.descs.size());
    h.op_count = static_cast<std::uint32_t>(img.ops.size());
    h.step_count = static_cast<std::uint32_t>(img.steps.size());
    h.patch_count = static_cast<std::uint32_t>(img.patches.size());
    h.data_bytes = static_cast<std::uint32_t>(img.data.size());
    std::uint64_t at = align_up(h.header_bytes);
    for (const Section& s : kSections) {
        h.*s.offset = static_cast<std::uint32_t>(at);
        at = align_up(at + std::uint64_t{h.*s.count} * s.entry);
    }
    const std::uint64_t total = std::uint64_t{h.data_offset} + h.data_bytes;
    if (total > 0xFFFFFFFFu) bad("image of " + std::to_string(total) + " bytes exceeds 4 GiB");
    h.total_bytes = static_cast<std::uint32_t>(total);
}

std::vector<std::uint8_t> write_image(const ModelImage& in) {
    if (!host_is_little_endian()) throw ImageError("setup file: big-endian host not supported");
    ModelImage img = in;
    layout_sections(img);
    validate_image(img, DramWindow{0, std::uint64_t{1} << 32});
    npu_img_header_t& h = img.header;
    std::vector<std::uint8_t> out(h.total_bytes, 0);
    put(out, h.tensor_offset, img.tensors);
    put(out, h.layer_offset, img.layers);
    put(out, h.desc_offset, img.descs);
    put(out, h.op_offset, img.ops);
    put(out, h.step_offset, img.steps);
    put(out, h.patch_offset, img.patches);
    put(out, h.data_offset, img.data);
    h.meta_crc32 = npu_crc32_update(0, out.data() + h.header_bytes, h.data_offset - h.header_bytes);
    h.crc32 = 0;
    std::memcpy(out.data(), &h, sizeof h);
    h.crc32 = npu_img_crc32(out.data(), out.size());
    std::memcpy(out.data(), &h, sizeof h);
    return out;
}

ModelImage read_image(const std::vector<std::uint8_t>& bytes, const DramWindow& dram) {
    if (!host_is_little_endian()) throw ImageError("setup file: big-endian host not supported");
    const std::size_t n = bytes.size();
    std::uint32_t magic = 0;
    if (n < 4) bad("not a model image (" + std::to_string(n) + " bytes)");
    std::memcpy(&magic, bytes.data(), 4);
    if (magic != NPU_IMG_MAGIC)
        bad("not a model image (magic " + hex(magic) + ", expected " + hex(NPU_IMG_MAGIC) + ")");
    if (n < 16) bad("truncated: " + std::to_string(n) + " bytes, shorter than the header");
    std::uint32_t version = 0, header_bytes = 0, total = 0;
    std::memcpy(&version, bytes.data() + 4, 4);
    std::memcpy(&header_bytes, bytes.data() + 8, 4);
    std::memcpy(&total, bytes.data() + 12, 4);
    if (version != NPU_IMG_VERSION)
        bad("version " + std::to_string(version) + ", this build reads version " +
            std::to_string(NPU_IMG_VERSION));
    if (n < total)
        bad("truncated: header says " + std::to_string(total) + " bytes, file has " +
            std::to_string(n));
    if (n > total)
        bad("header says " + std::to_string(total) + " bytes, file has " + std::to_string(n) +
            " (trailing bytes)");
    if (header_bytes != sizeof(npu_img_header_t))
        bad("header size " + std::to_string(header_bytes) + ", expected " +
            std::to_string(sizeof(npu_img_header_t)));
    if (total < header_bytes)
        bad("truncated: header says " + std::to_string(total) + " bytes, less than its header");
    ModelImage img;
    std::memcpy(&img.header, bytes.data(), sizeof img.header);
    const npu_img_header_t& h = img.header;
    const std::uint32_t crc = npu_img_crc32(bytes.data(), n);
    if (crc != h.crc32)
        bad("CRC mismatch (stored " + hex(h.crc32) + ", computed " + hex(crc) + ")");
    // Sections: aligned, in the documented order, inside the file.
    std::uint64_t prev_end = h.header_bytes;
    for (const Section& s : kSections) {
        const std::uint64_t off = h.*s.offset, cnt = h.*s.count;
        if (off % NPU_IMG_ALIGN)
            bad(std::string(s.name) + " at offset " + std::to_string(off) +
                " is not 64-byte aligned");
        if (off < prev_end)
            bad(std::string(s.name) + " at offset " + std::to_string(off) +
                " overlaps the previous section (ends at " + std::to_string(prev_end) + ")");
        const std::uint64_t end = off + cnt * s.entry;
        if (end > total)
            bad(std::string(s.name) + ": " + std::to_string(cnt) + " entries at offset " +
                std::to_string(off) + " run past the image's " + std::to_string(total) + " bytes");
        prev_end = end;
    }
    if (std::uint64_t{h.data_offset} + h.data_bytes != total)
        bad("data section ends at " + std::to_string(std::uint64_t{h.data_offset} + h.data_bytes) +
            ", image at " + std::to_string(total));
    const std::uint32_t meta =
        npu_crc32_update(0, bytes.data() + h.header_bytes, h.data_offset - h.header_bytes);
    if (meta != h.meta_crc32)
        bad("tables CRC mismatch (stored " + hex(h.meta_crc32) + ", computed " + hex(meta) + ")");
    get(bytes, h.tensor_offset, h.tensor_count, img.tensors);
    get(bytes, h.layer_offset, h.layer_count, img.layers);
    get(bytes, h.desc_offset, h.desc_count, img.descs);
    get(bytes, h.op_offset, h.op_count, img.ops);
    get(bytes, h.step_offset, h.step_count, img.steps);
    get(bytes, h.patch_offset, h.patch_count, img.patches);
    get(bytes, h.data_offset, h.data_bytes, img.data);
    validate_image(img, dram);
    return img;
}

void validate_image(const ModelImage& img, const DramWindow& dram) {
    const npu_img_header_t& h = img.header;
    if (h.tensor_count != img.tensors.size() || h.layer_count != img.layers.size() ||
        h.desc_count != img.descs.size() || h.op_count != img.ops.size() ||
        h.step_count != img.steps.size() || h.patch_count != img.patches.size() ||
        h.data_bytes != img.data.size())
        bad("header counts do not match the tables");
    for (const std::uint32_t r : h.reserved)
        if (r) bad("reserved header field is not zero");
    if (h.name[NPU_IMG_NAME_LEN - 1] != '\0') bad("workload name is not NUL-terminated");
    // Placement: the image, the input header and the arena inside the DRAM.
    const std::uint64_t dram_end = dram.base + dram.size;
    const std::uint64_t image_end = std::uint64_t{h.load_addr} + h.total_bytes;
    if (h.load_addr < dram.base || h.load_addr % NPU_IMG_ALIGN || image_end > dram_end)
        bad("load address " + hex(h.load_addr) + " (+" + std::to_string(h.total_bytes) +
            " bytes) outside the DRAM [" + hex(dram.base) + ", " + hex(dram_end) + ")");
    if (h.dram_end < image_end || h.dram_end > dram_end)
        bad("dram_end " + hex(h.dram_end) + " outside [" + hex(image_end) + ", " + hex(dram_end) +
            "]");
    if (h.input_header_addr < image_end ||
        std::uint64_t{h.input_header_addr} + sizeof(npu_input_header_t) > h.dram_end ||
        h.input_header_addr % 4)
        bad("input header at " + hex(h.input_header_addr) + " outside [" + hex(image_end) + ", " +
            hex(h.dram_end) + ")");
    if (h.dataflow > NPU_DF_IS) bad("dataflow " + std::to_string(h.dataflow));
    if (h.seq_len_max && (h.seq_len_default == 0 || h.seq_len_default > h.seq_len_max))
        bad("default sequence length " + std::to_string(h.seq_len_default) + " not in 1.." +
            std::to_string(h.seq_len_max));
    if (h.tensor_count && (h.input_tensor >= h.tensor_count || h.output_tensor >= h.tensor_count))
        bad("input/output tensor index beyond the " + std::to_string(h.tensor_count) + " tensors");
    // Everything the model addresses lies between the image and dram_end.
    auto in_model = [&](std::uint64_t addr, std::uint64_t bytes) {
        return addr >= h.load_addr && addr + bytes <= h.dram_end;
    };
    const std::uint64_t data_begin = std::uint64_t{h.load_addr} + h.data_offset;
    for (std::size_t i = 0; i < img.tensors.size(); ++i) {
        const npu_img_tensor_t& t = img.tensors[i];
        const std::string at = "tensor " + std::to_string(i) + ": ";
        if (t.name[NPU_IMG_NAME_LEN - 1] != '\0') bad(at + "name is not NUL-terminated");
        if (t.dtype > NPU_DTYPE_INT32) bad(at + "dtype " + std::to_string(t.dtype));
        const bool is_const = (t.flags & NPU_TENSOR_F_CONST) != 0;
        if (is_const ? (t.addr < data_begin || std::uint64_t{t.addr} + t.bytes > image_end)
                     : !in_model(t.addr, t.bytes))
            bad(at + "'" + std::string(t.name) + "' at " + hex(t.addr) + " (" +
                std::to_string(t.bytes) + " bytes) outside its region");
    }
    for (std::size_t i = 0; i < img.layers.size(); ++i) {
        const npu_img_layer_t& l = img.layers[i];
        if (std::uint64_t{l.first_desc} + l.desc_count > h.desc_count)
            bad("layer " + std::to_string(i) + ": descriptors beyond the table");
        if (l.name[NPU_IMG_NAME_LEN - 1] != '\0' || l.op[sizeof l.op - 1] != '\0')
            bad("layer " + std::to_string(i) + ": name is not NUL-terminated");
    }
    for (std::size_t i = 0; i < img.descs.size(); ++i) {
        const npu_desc_t& d = img.descs[i];
        const std::string at = "descriptor " + std::to_string(i) + ": ";
        if (d.op == NPU_OP_INVALID || d.op >= NPU_OP_COUNT) bad(at + "op " + std::to_string(d.op));
        if (d.kernel_id >= h.layer_count)
            bad(at + "layer " + std::to_string(d.kernel_id) + " of " +
                std::to_string(h.layer_count));
        for (const std::uint32_t a : {d.ifmap_addr, d.weight_addr, d.bias_addr, d.ofmap_addr,
                                      d.psum_addr, d.lut_addr, d.qtable_addr})
            if (a && !in_model(a, 1)) bad(at + "address " + hex(a) + " outside the model's DRAM");
    }
    for (std::size_t i = 0; i < img.steps.size(); ++i) {
        const npu_cpu_step_t& s = img.steps[i];
        const std::string at = "CPU step " + std::to_string(i) + ": ";
        if (s.kind == 0 || s.kind >= NPU_STEP_KIND_COUNT)
            bad(at + "kind " + std::to_string(s.kind));
        if (s.layer >= h.layer_count)
            bad(at + "layer " + std::to_string(s.layer) + " of " + std::to_string(h.layer_count));
        for (const std::uint32_t a : s.addr)
            if (a && !in_model(a, 1)) bad(at + "address " + hex(a) + " outside the model's DRAM");
    }
    check_program(img, "call", h.call_first, h.call_count, false);
    check_program(img, "irq", h.irq_first, h.irq_count, true);
    if (h.call_count == 0 && h.desc_count + h.step_count > 0) bad("no call program");
}

}  // namespace npu::compiler
