// The model image ("setup.bin") on the host: its tables in memory, the section
// layout, and writing / reading / validating the little-endian blob whose
// format npu_abi/model_image.h defines (the firmware reads the same structs).
//
// read_image() checks everything the platform and the firmware rely on, so a
// file that passes can be loaded and walked without further checks: magic,
// version, header size, total size against the file size, section bounds and
// alignment, counts, both CRC-32s, descriptor / step / op / patch / tensor
// indices in range, program structure (loops balanced, no loop in the irq
// program), and the load address and dram_end inside the DRAM. A bad file is
// one ImageError line beginning "setup file: ".
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "npu_abi/model_image.h"

namespace npu::compiler {

struct ImageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The image's tables. header's counts, offsets and sizes are derived from the
// vectors by layout_sections(); the CRC fields by write_image().
struct ModelImage {
    npu_img_header_t header{};
    std::vector<npu_img_tensor_t> tensors;
    std::vector<npu_img_layer_t> layers;
    std::vector<npu_desc_t> descs;
    std::vector<npu_prog_op_t> ops;
    std::vector<npu_cpu_step_t> steps;
    std::vector<npu_patch_t> patches;
    std::vector<std::uint8_t> data;
};

// Sets magic, version, header_bytes, every count and 64-byte aligned offset,
// data_bytes and total_bytes from the tables (the other header fields are
// left as they are). The compiler calls it before it fixes addresses: a
// constant at data offset o lies at load_addr + data_offset + o.
void layout_sections(ModelImage& img);

// The bytes of the image (sections laid out as layout_sections() does, both
// CRCs filled). Throws ImageError if the tables do not pass validate_image().
std::vector<std::uint8_t> write_image(const ModelImage& img);

// The DRAM an image must fit.
struct DramWindow {
    std::uint64_t base = VP_DRAM_BASE;
    std::uint64_t size = 256u << 20;
};

// Parses and checks an image file's bytes; throws ImageError with one line.
ModelImage read_image(const std::vector<std::uint8_t>& bytes, const DramWindow& dram = {});

// The semantic checks of read_image() on tables in memory (indices, program
// structure, addresses); throws ImageError with one line.
void validate_image(const ModelImage& img, const DramWindow& dram = {});

}  // namespace npu::compiler
