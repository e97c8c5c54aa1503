// The layer rows of the image against the NPU: the call program is walked as
// the firmware walks it (loops at the default sequence length, patches
// applied to a copy of the descriptor, NPU_DESC_F_RESIDENT set from a loop's
// second iteration on for kernels flagged NPU_PROG_F_RESIDENT_AFTER_FIRST),
// each launch runs on one npu::Core in timing mode (scratchpad contents kept
// between launches, as in the NPU), and the DRAM bytes per layer and tensor
// must equal the layer rows' predictions exactly. CPU steps move no NPU
// bytes and are skipped. The irq program must list the same descriptors in
// the same order as the call program launches them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "npu/core.h"
#include "npu_abi/npu_regs.h"
#include "npu_compiler/compile.h"
#include "workloads/zoo.h"

namespace {

namespace nc = npu::compiler;

class NullDram : public npu::DmaPort {
  public:
    bool read(std::uint64_t, std::uint8_t*, std::uint32_t len, std::uint64_t request,
              std::uint64_t& done) override {
        done = request + len / 16 + 100;
        return true;
    }
    bool write(std::uint64_t, const std::uint8_t*, std::uint32_t len, std::uint64_t request,
               std::uint64_t& done) override {
        done = request + len / 16 + 100;
        return true;
    }
};

struct LayerBytes {
    std::uint64_t rd_ifmap = 0, rd_weight = 0, rd_psum = 0, wr_ofmap = 0, wr_psum = 0;
};

void apply_patch(npu_desc_t& d, const npu_patch_t& p, std::int64_t value) {
    auto* base = reinterpret_cast<std::uint8_t*>(&d);
    if (p.width == 4) {
        std::uint32_t v;
        std::memcpy(&v, base + p.offset, 4);
        v = static_cast<std::uint32_t>(v + p.scale * value);
        std::memcpy(base + p.offset, &v, 4);
    } else {
        std::uint16_t v;
        std::memcpy(&v, base + p.offset, 2);
        v = static_cast<std::uint16_t>(v + p.scale * value);
        std::memcpy(base + p.offset, &v, 2);
    }
}

class ProgramCrossCheck : public ::testing::TestWithParam<const char*> {};

TEST_P(ProgramCrossCheck, LayerRowsAreWhatTheNpuMoves) {
    const std::string spec = GetParam();
    nc::CompiledModel m;
    try {
        m = nc::compile(wl::zoo::build(spec));
    } catch (const nc::CompileError& e) {
        if (std::string(e.what()).find("not built yet") != std::string::npos)
            GTEST_SKIP() << e.what();
        throw;
    }
    const nc::ModelImage& img = m.image;
    const npu_img_header_t& h = img.header;
    npu::CoreConfig cfg = m.options.arch.core;
    cfg.functional = false;
    npu::Core core(cfg);
    NullDram dram;
    std::vector<LayerBytes> measured(img.layers.size());
    std::vector<std::uint32_t> launched;  // descriptor order of the call program
    struct Loop {
        std::uint32_t begin, trips, index;
    };
    std::vector<Loop> loops;
    for (std::uint32_t pc = h.call_first; pc < h.call_first + h.call_count;) {
        const npu_prog_op_t& op = img.ops[pc];
        if (op.opcode == NPU_PROG_END) break;
        if (op.opcode == NPU_PROG_LOOP) {
            const std::uint32_t n = op.arg0 == NPU_LOOP_SEQ_LEN ? h.seq_len_default : op.arg1;
            if (n == 0) {  // skip the body
                int nest = 1;
                while (nest) {
                    ++pc;
                    nest += img.ops[pc].opcode == NPU_PROG_LOOP;
                    nest -= img.ops[pc].opcode == NPU_PROG_ENDLOOP;
                }
                ++pc;
                continue;
            }
            loops.push_back({pc + 1, n, 0});
            ++pc;
            continue;
        }
        if (op.opcode == NPU_PROG_ENDLOOP) {
            if (++loops.back().index < loops.back().trips) {
                pc = loops.back().begin;
            } else {
                loops.pop_back();
                ++pc;
            }
            continue;
        }
        if (op.opcode == NPU_PROG_KERNEL) {
            npu_desc_t d = img.descs[op.arg0];
            for (std::uint32_t p = op.patch_first; p < op.patch_first + op.patch_count; ++p) {
                const npu_patch_t& pt = img.patches[p];
                const std::int64_t v =
                    pt.source == NPU_PATCH_SEQ_LEN ? h.seq_len_default : loops.at(pt.source).index;
                apply_patch(d, pt, v);
            }
            if ((op.flags & NPU_PROG_F_RESIDENT_AFTER_FIRST) && !loops.empty() &&
                loops.back().index > 0)
                d.flags |= NPU_DESC_F_RESIDENT;
            const npu::KernelStats st = core.run(d, dram);
            ASSERT_EQ(st.error, NPU_ERR_NONE)
                << spec << " descriptor " << op.arg0 << ": " << npu::error_name(st.error);
            LayerBytes& l = measured[d.kernel_id];
            l.rd_ifmap += st.dram_read_bytes.ifmap;
            l.rd_weight +=
                st.dram_read_bytes.weight + st.dram_read_bytes.bias + st.dram_read_bytes.lut;
            l.rd_psum += st.dram_read_bytes.psum;
            l.wr_ofmap += st.dram_write_bytes.ofmap;
            l.wr_psum += st.dram_write_bytes.psum;
            if (loops.empty()) launched.push_back(op.arg0);
        }
        ++pc;
    }
    for (std::size_t i = 0; i < img.layers.size(); ++i) {
        const npu_img_layer_t& r = img.layers[i];
        const std::string what = spec + " layer " + r.name;
        EXPECT_EQ(measured[i].rd_ifmap, r.pred_rd_ifmap) << what;
        EXPECT_EQ(measured[i].rd_weight, r.pred_rd_weight) << what;
        EXPECT_EQ(measured[i].rd_psum, r.pred_rd_psum) << what;
        EXPECT_EQ(measured[i].wr_ofmap, r.pred_wr_ofmap) << what;
        EXPECT_EQ(measured[i].wr_psum, r.pred_wr_psum) << what;
    }
    if (h.irq_count) {  // the lists cover the launches in order
        std::vector<std::uint32_t> listed;
        for (std::uint32_t pc = h.irq_first; pc < h.irq_first + h.irq_count; ++pc)
            if (img.ops[pc].opcode == NPU_PROG_LIST)
                for (std::uint32_t k = 0; k < img.ops[pc].arg1; ++k)
                    listed.push_back(img.ops[pc].arg0 + k);
        EXPECT_EQ(listed, launched) << spec;
    } else {
        EXPECT_GT(h.seq_len_max, 0u) << spec << ": no irq program without a run-time loop";
    }
    if (spec.find("hidden=16") != std::string::npos) {  // small weights stay resident
        EXPECT_GT(m.resident_saved_bytes, 0u);
    }
    if (m.resident_saved_bytes)
        std::printf("%s: %llu weight bytes not reloaded thanks to RESIDENT\n", spec.c_str(),
                    static_cast<unsigned long long>(m.resident_saved_bytes));
}

INSTANTIATE_TEST_SUITE_P(Zoo, ProgramCrossCheck,
                         ::testing::Values("lenet5", "resnet_small", "googlenet", "mlp", "lstm",
                                           "lstm:hidden=16,input=8", "gru:hidden=24,input=8", "gru",
                                           "attention"),
                         [](const ::testing::TestParamInfo<const char*>& i) {
                             std::string s = i.param;
                             for (char& c : s)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return s;
                         });

}  // namespace
