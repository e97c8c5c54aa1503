// Placeholder for the reference lstm / gru / attention arithmetic (rnn_ref.h):
// each refuses to run until the real cell arithmetic (npu_abi/rnn.h) replaces
// this file, so nothing silently produces numbers for those nodes.
#include "workloads/rnn_ref.h"

namespace wl::ref {

Tensor8 lstm(const Graph&, const Node& n, const Tensor8&) {
    throw GraphError("node '" + n.name + "': lstm reference: not built yet");
}

Tensor8 gru(const Graph&, const Node& n, const Tensor8&) {
    throw GraphError("node '" + n.name + "': gru reference: not built yet");
}

Tensor8 attention(const Graph&, const Node& n, const Tensor8&) {
    throw GraphError("node '" + n.name + "': attention reference: not built yet");
}

}  // namespace wl::ref
