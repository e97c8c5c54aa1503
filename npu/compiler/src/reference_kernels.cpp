// A zoo network's descriptors (reference_kernels.h).
#include "npu_compiler/reference_kernels.h"

#include <cstring>

#include "npu_compiler/compile.h"
#include "workloads/zoo.h"

namespace npu::compiler {

std::vector<NamedKernel> zoo_kernels(const std::string& spec, const npu::CoreConfig& cfg,
                                     unsigned dataflow) {
    CompileOptions opt;
    opt.arch.core = cfg;
    opt.dataflow = static_cast<std::uint8_t>(dataflow);
    opt.mode = ScheduleMode::fixed;  // the cheapest valid tiling; reset below
    const CompiledModel m = compile(wl::zoo::build_shapes(spec), opt);
    const auto base = static_cast<std::uint32_t>(cfg.dram_base);
    std::vector<NamedKernel> v;
    for (npu_desc_t d : m.image.descs) {
        const npu_img_layer_t& l = m.image.layers.at(d.kernel_id);
        for (std::uint32_t* a : {&d.ifmap_addr, &d.weight_addr, &d.bias_addr, &d.ofmap_addr,
                                 &d.lut_addr, &d.qtable_addr})
            if (*a) *a = base;
        d.psum_addr = base;
        for (unsigned i = 0; i < NPU_DIMS; ++i)
            d.loop_order[i] = static_cast<std::uint8_t>(i), d.tile[i] = 1;
        v.push_back({std::string(l.name, strnlen(l.name, sizeof l.name)), d});
    }
    return v;
}

}  // namespace npu::compiler
