// ResNet-50 v1 as NPU descriptors (reference_kernels.h).
#include "npu_compiler/reference_kernels.h"

namespace npu::compiler {

namespace {

npu_desc_t base_desc(const npu::CoreConfig& c, std::uint8_t op, unsigned df) {
    npu_desc_t d{};
    d.op = op;
    d.dataflow = static_cast<std::uint8_t>(df);
    const auto a = static_cast<std::uint32_t>(c.dram_base);
    d.ifmap_addr = d.weight_addr = d.bias_addr = d.ofmap_addr = d.psum_addr = d.lut_addr =
        d.qtable_addr = a;
    d.mult = 1 << 20, d.shift = 24;
    for (unsigned i = 0; i < NPU_DIMS; ++i)
        d.loop_order[i] = static_cast<std::uint8_t>(i), d.tile[i] = 1;
    return d;
}

npu_desc_t conv(const npu::CoreConfig& cfg, unsigned df, unsigned C, unsigned M, unsigned H,
                unsigned R, unsigned stride, unsigned pad) {
    npu_desc_t d = base_desc(cfg, NPU_OP_CONV, df);
    d.c = static_cast<std::uint16_t>(C), d.m = static_cast<std::uint16_t>(M);
    d.h = d.w = static_cast<std::uint16_t>(H);
    d.r = d.s = static_cast<std::uint16_t>(R);
    d.stride_h = d.stride_w = static_cast<std::uint8_t>(stride);
    d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = static_cast<std::uint8_t>(pad);
    d.e = d.f = static_cast<std::uint16_t>((H + 2 * pad - R) / stride + 1);
    d.groups = 1;
    d.flags = NPU_DESC_F_BIAS;
    d.act = NPU_ACT_RELU;
    return d;
}

}  // namespace

std::vector<NamedKernel> resnet50_v1_kernels(const npu::CoreConfig& cfg, unsigned df) {
    std::vector<NamedKernel> v;
    v.push_back({"conv1", conv(cfg, df, 3, 64, 224, 7, 2, 3)});
    npu_desc_t pool = base_desc(cfg, NPU_OP_MAXPOOL, df);
    pool.c = pool.m = 64, pool.h = pool.w = 112, pool.r = pool.s = 3;
    pool.stride_h = pool.stride_w = 2;
    pool.pad_top = pool.pad_left = pool.pad_bottom = pool.pad_right = 1;
    pool.e = pool.f = 56;
    v.push_back({"pool1", pool});
    const unsigned blocks[4] = {3, 4, 6, 3}, mids[4] = {64, 128, 256, 512};
    unsigned C = 64, H = 56;
    for (unsigned st = 0; st < 4; ++st)
        for (unsigned b = 0; b < blocks[st]; ++b) {
            const unsigned mid = mids[st], out = 4 * mid;
            const unsigned s = b == 0 && st > 0 ? 2 : 1, E = H / s;
            const std::string n = "res" + std::to_string(st + 2) + char('a' + b);
            v.push_back({n + "_1x1a", conv(cfg, df, C, mid, H, 1, s, 0)});
            v.push_back({n + "_3x3", conv(cfg, df, mid, mid, E, 3, 1, 1)});
            npu_desc_t c3 = conv(cfg, df, mid, out, E, 1, 1, 0);
            c3.act = NPU_ACT_NONE;
            v.push_back({n + "_1x1b", c3});
            if (b == 0) {
                npu_desc_t p = conv(cfg, df, C, out, H, 1, s, 0);
                p.act = NPU_ACT_NONE;
                v.push_back({n + "_proj", p});
            }
            npu_desc_t add = base_desc(cfg, NPU_OP_ADD, df);
            add.c = add.m = static_cast<std::uint16_t>(out);
            add.h = add.w = add.e = add.f = static_cast<std::uint16_t>(E);
            add.r = add.s = 1, add.stride_h = add.stride_w = 1;
            v.push_back({n + "_add", add});
            npu_desc_t relu = add;
            relu.op = NPU_OP_RELU;
            v.push_back({n + "_relu", relu});
            C = out, H = E;
        }
    npu_desc_t gap = base_desc(cfg, NPU_OP_GAVGPOOL, df);
    gap.c = gap.m = 2048, gap.h = gap.w = 7, gap.r = gap.s = 7, gap.e = gap.f = 1;
    gap.stride_h = gap.stride_w = 1;
    v.push_back({"pool5", gap});
    npu_desc_t fc = base_desc(cfg, NPU_OP_GEMM, df);
    fc.c = 2048, fc.m = 1000, fc.h = fc.w = fc.e = fc.f = 1, fc.r = fc.s = 1;
    fc.stride_h = fc.stride_w = 1, fc.groups = 1, fc.flags = NPU_DESC_F_BIAS;
    v.push_back({"fc1000", fc});
    return v;
}

}  // namespace npu::compiler
