// The model image: write -> read gives identical tables; every truncation,
// every single-byte flip of the header and tables, foreign files and
// well-formed images with inconsistent contents are refused with one line
// beginning "setup file: ".
#include <gtest/gtest.h>

#include <cstring>

#include "npu_compiler/compile.h"
#include "workloads/zoo.h"

namespace {

namespace nc = npu::compiler;

// A small model with a kernel, a CPU step, constants and both programs.
const nc::CompiledModel& small_model() {
    static const nc::CompiledModel m = [] {
        wl::zoo::Builder b("tiny", 21);
        int x = b.input("in", wl::Shape{1, 2, 5, 5});
        int c = b.conv("c", x, 3, 3, 1, 1, 1, wl::Act::relu);
        int f = b.unary("f", wl::OpType::flatten, c);
        int y = b.fc("fc", f, 4, wl::Act::none);
        int s = b.unary("sm", wl::OpType::softmax, y);
        return nc::compile(b.finish({s}));
    }();
    return m;
}

template <typename T>
bool same(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

std::string error_of(const std::vector<std::uint8_t>& bytes) {
    try {
        nc::read_image(bytes);
    } catch (const nc::ImageError& e) {
        return e.what();
    }
    return "";
}

// Re-seals an edited image: both CRCs recomputed, so only the semantic checks can refuse it.
void reseal(std::vector<std::uint8_t>& bytes) {
    npu_img_header_t h;
    std::memcpy(&h, bytes.data(), sizeof h);
    h.meta_crc32 =
        npu_crc32_update(0, bytes.data() + h.header_bytes, h.data_offset - h.header_bytes);
    std::memcpy(bytes.data(), &h, sizeof h);
    h.crc32 = npu_img_crc32(bytes.data(), bytes.size());
    std::memcpy(bytes.data(), &h, sizeof h);
}

TEST(ModelImage, Crc32IsZlibs) {
    EXPECT_EQ(npu_crc32_update(0, "123456789", 9), 0xCBF43926u);  // the CRC-32 check value
}

TEST(ModelImage, RoundTripGivesIdenticalTables) {
    const nc::CompiledModel& m = small_model();
    const std::vector<std::uint8_t> bytes = nc::write_image(m);
    const nc::ModelImage r = nc::read_image(bytes);
    EXPECT_EQ(bytes.size(), r.header.total_bytes);
    EXPECT_EQ(r.header.magic, NPU_IMG_MAGIC);
    // The header as compiled, plus the CRCs written.
    npu_img_header_t h = m.image.header;
    h.crc32 = r.header.crc32;
    h.meta_crc32 = r.header.meta_crc32;
    EXPECT_EQ(0, std::memcmp(&h, &r.header, sizeof h));
    EXPECT_TRUE(same(r.tensors, m.image.tensors));
    EXPECT_TRUE(same(r.layers, m.image.layers));
    EXPECT_TRUE(same(r.descs, m.image.descs));
    EXPECT_TRUE(same(r.ops, m.image.ops));
    EXPECT_TRUE(same(r.steps, m.image.steps));
    EXPECT_TRUE(same(r.patches, m.image.patches));
    EXPECT_TRUE(same(r.data, m.image.data));
    // Writing what was read gives the same bytes.
    EXPECT_EQ(nc::write_image(r), bytes);
    // Sections are 64-byte aligned and the CRCs are what they claim.
    for (std::uint32_t off :
         {r.header.tensor_offset, r.header.layer_offset, r.header.desc_offset, r.header.op_offset,
          r.header.step_offset, r.header.patch_offset, r.header.data_offset})
        EXPECT_EQ(off % NPU_IMG_ALIGN, 0u);
    EXPECT_EQ(r.header.meta_crc32,
              npu_crc32_update(0, bytes.data() + 256, r.header.data_offset - 256));
    EXPECT_EQ(r.header.crc32, npu_img_crc32(bytes.data(), bytes.size()));
    EXPECT_GT(r.header.step_count, 0u);
    EXPECT_GT(r.header.irq_count, 0u);
}

TEST(ModelImage, EveryTruncationIsRefused) {
    const std::vector<std::uint8_t> bytes = nc::write_image(small_model());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        const std::string e = error_of({bytes.begin(), bytes.begin() + static_cast<long>(n)});
        ASSERT_EQ(e.rfind("setup file: ", 0), 0u) << "length " << n << ": '" << e << "'";
        if (n >= 16) {
            ASSERT_EQ(e, "setup file: truncated: header says " + std::to_string(bytes.size()) +
                             " bytes, file has " + std::to_string(n));
        }
    }
}

TEST(ModelImage, EveryByteFlipOfHeaderAndTablesIsCaught) {
    const std::vector<std::uint8_t> bytes = nc::write_image(small_model());
    npu_img_header_t h;
    std::memcpy(&h, bytes.data(), sizeof h);
    for (std::size_t i = 0; i < h.data_offset; ++i)
        for (std::uint8_t mask : {0x01, 0x80, 0xFF}) {
            std::vector<std::uint8_t> bad = bytes;
            bad[i] ^= mask;
            const std::string e = error_of(bad);
            ASSERT_EQ(e.rfind("setup file: ", 0), 0u) << "byte " << i << " ^ " << int(mask);
        }
    // A flipped weight byte: the whole-image CRC.
    std::vector<std::uint8_t> bad = bytes;
    bad[h.data_offset + 3] ^= 0x10;
    EXPECT_NE(error_of(bad).find("setup file: CRC mismatch (stored 0x"), std::string::npos);
}

TEST(ModelImage, ForeignAndMalformedFiles) {
    EXPECT_EQ(error_of({}), "setup file: not a model image (0 bytes)");
    EXPECT_EQ(error_of({0x7F, 'E', 'L', 'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
              "setup file: not a model image (magic 0x464c457f, expected 0x494d504e)");
    std::vector<std::uint8_t> bytes = nc::write_image(small_model());
    std::vector<std::uint8_t> longer = bytes;
    longer.push_back(0);
    EXPECT_NE(error_of(longer).find("trailing"), std::string::npos);
    std::vector<std::uint8_t> crc = bytes;
    crc[300] ^= 1;
    const std::string e = error_of(crc);
    EXPECT_EQ(e.rfind("setup file: CRC mismatch (stored 0x", 0), 0u) << e;
    std::vector<std::uint8_t> version = bytes;
    version[4] = 2;
    EXPECT_EQ(error_of(version), "setup file: version 2, this build reads version 1");
}

// Sealed images whose contents are wrong: the checks behind the CRCs.
TEST(ModelImage, InconsistentContentsAreRefused) {
    const std::vector<std::uint8_t> good = nc::write_image(small_model());
    npu_img_header_t h;
    std::memcpy(&h, good.data(), sizeof h);
    auto edit = [&](std::size_t offset, std::uint32_t value) {
        std::vector<std::uint8_t> b = good;
        std::memcpy(b.data() + offset, &value, 4);
        reseal(b);
        return error_of(b);
    };
    auto expect = [](const std::string& e, const std::string& part) {
        EXPECT_EQ(e.rfind("setup file: ", 0), 0u) << e;
        EXPECT_NE(e.find(part), std::string::npos) << e;
    };
    expect(edit(offsetof(npu_img_header_t, load_addr), 0x1000), "load address");
    expect(edit(offsetof(npu_img_header_t, dram_end), 0xF0000000u), "dram_end");
    expect(edit(offsetof(npu_img_header_t, desc_offset), h.desc_offset + 4), "not 64-byte aligned");
    expect(edit(offsetof(npu_img_header_t, desc_count), 1000), "run past");
    expect(edit(offsetof(npu_img_header_t, input_tensor), 999), "input/output tensor");
    expect(edit(offsetof(npu_img_header_t, call_count), h.op_count + 5), "call program");
    // A descriptor naming a layer that does not exist.
    expect(edit(h.desc_offset + offsetof(npu_desc_t, kernel_id), 77), "descriptor 0: layer");
    // A program op launching a descriptor that does not exist.
    const std::size_t op0 = h.op_offset + sizeof(npu_prog_op_t) * h.call_first;
    expect(edit(op0 + offsetof(npu_prog_op_t, arg0), 500), "descriptor 500");
    // An op code nobody knows, and a LOOP in the irq program.
    std::vector<std::uint8_t> b = good;
    b[op0] = 9;
    reseal(b);
    expect(error_of(b), "unknown opcode 9");
    b = good;
    b[h.op_offset + sizeof(npu_prog_op_t) * h.irq_first] = NPU_PROG_LOOP;
    reseal(b);
    expect(error_of(b), "LOOP in the irq program");
    // A CPU step pointing outside the model's DRAM.
    expect(edit(h.step_offset + offsetof(npu_cpu_step_t, addr), 0x10), "CPU step 0: address");
    // The image does not fit a smaller DRAM.
    EXPECT_THROW(nc::read_image(good, nc::DramWindow{VP_DRAM_BASE, 512}), nc::ImageError);
}

}  // namespace
