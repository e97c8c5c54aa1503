// lstm, gru and attention lowering (engineer "rnn" replaces this file): until
// then such a graph is refused with one clear line.
#include "npu_compiler/lowering.h"

namespace npu::compiler {

void lower_recurrent(LoweringContext& ctx, const wl::Node& node) {
    (void)node;
    ctx.fail(std::string(wl::to_string(node.op)) + ": lowering not built yet");
}

}  // namespace npu::compiler
