// SCALE-Sim topology CSV import: rows of both formats read as SCALE-Sim
// reads them (ceil output extent, one stride for both directions, depthwise
// "DP" rows, the GEMM format's M x K ifmap), MACs as SCALE-Sim counts them,
// the imported layers run by the reference executor, and bad lines.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "workloads/executor.h"
#include "workloads/graph.h"
#include "workloads/scalesim_import.h"

namespace {

using namespace wl;

Graph parse(const std::string& text, const std::string& name = "topo.csv") {
    std::istringstream in(text);
    return parse_scalesim_csv(in, name);
}

const Node& node_named(const Graph& g, const std::string& name) {
    for (const Node& n : g.nodes)
        if (n.name == name) return n;
    throw GraphError("no node " + name);
}

// SCALE-Sim's hyper-parameters of a conv row (topology_utils.py):
// ofmap = ceil((H - R + s) / s), MACs = ofmap_h * ofmap_w * R * S * C * M.
int64_t scalesim_macs(int64_t h, int64_t w, int64_t r, int64_t s, int64_t c, int64_t m, int64_t sh,
                      int64_t sw) {
    return scalesim_out_extent(h, r, sh) * scalesim_out_extent(w, s, sw) * r * s * c * m;
}

TEST(ScaleSimImport, OutExtentIsCeil) {
    EXPECT_EQ(scalesim_out_extent(224, 11, 4), 55);  // ceil(217 / 4) = 55 (floor form: 54 + 1)
    EXPECT_EQ(scalesim_out_extent(227, 11, 4), 55);  // exact: (227 - 11) / 4 + 1
    EXPECT_EQ(scalesim_out_extent(7, 3, 2), 3);      // ceil(6 / 2)
    EXPECT_EQ(scalesim_out_extent(8, 3, 2), 4);      // ceil(7 / 2), floor form 3
    EXPECT_EQ(scalesim_out_extent(5, 5, 1), 1);
}

TEST(ScaleSimImport, AlexNetConvRows) {
    // scale-sim-v2's topologies/conv_nets/alexnet.csv, spaces and trailing commas included.
    const Graph g = parse(
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num "
        "Filter, Strides,\n"
        "Conv1     ,224         ,224        ,11           ,11          ,3       ,96        ,4      "
        ",\n"
        "Conv2     ,27         ,27        ,5            ,5           ,96      ,256       ,1      "
        ",\n"
        "\n"
        "Conv3     ,13          ,13         ,3            ,3           ,256     ,384       ,1      "
        ",\n",
        "/some/dir/alexnet.csv");
    EXPECT_EQ(g.name, "alexnet");
    ASSERT_EQ(g.nodes.size(), 3u);
    ASSERT_EQ(g.inputs.size(), 3u);
    ASSERT_EQ(g.outputs.size(), 3u);
    const Node& c1 = node_named(g, "Conv1");
    EXPECT_EQ(c1.op, OpType::conv);
    EXPECT_EQ(g.input_of(c1, 0).shape, (Shape{1, 3, 224, 224}));
    EXPECT_EQ(g.tensor(g.inputs[0]).name, "Conv1.ifmap");
    EXPECT_EQ(g.input_of(c1, 1).shape, (Shape{96, 3, 11, 11}));
    EXPECT_EQ(c1.attrs.stride_h, 4);
    EXPECT_EQ(c1.attrs.stride_w, 4);
    EXPECT_EQ(c1.attrs.pad_top, 0);
    EXPECT_EQ(c1.attrs.pad_left, 0);
    EXPECT_EQ(c1.attrs.pad_bottom, 3);  // (224 + 3 - 11) / 4 + 1 = 55
    EXPECT_EQ(c1.attrs.pad_right, 3);
    EXPECT_EQ(g.output_of(c1).shape, (Shape{1, 96, 55, 55}));
    const Node& c2 = node_named(g, "Conv2");
    EXPECT_EQ(c2.attrs.pad_bottom, 0);
    EXPECT_EQ(g.output_of(c2).shape, (Shape{1, 256, 23, 23}));
    // MACs as SCALE-Sim counts them, row by row.
    const std::vector<LayerFigures> f = layer_figures(g);
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[0].macs, scalesim_macs(224, 224, 11, 11, 3, 96, 4, 4));
    EXPECT_EQ(f[0].macs, 105415200);  // 55 * 55 * 11 * 11 * 3 * 96
    EXPECT_EQ(f[1].macs, scalesim_macs(27, 27, 5, 5, 96, 256, 1, 1));
    EXPECT_EQ(f[2].macs, scalesim_macs(13, 13, 3, 3, 256, 384, 1, 1));
}

TEST(ScaleSimImport, StridesCommentsAndDepthwise) {
    const Graph g = parse(
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num "
        "Filter, Stride height, Stride width,\n"
        "wide, 8, 9, 3, 2, 4, 6, 2, 3,\n"          // two strides
        "Conv2_dw, 112, 112, 3, 3, 1, 1, 1,#dw\n"  // a comment in SCALE-Sim's dropped last field
        "\tnocomma,7,7,1,1,16,8,1\n"               // no trailing comma
        "blockDP, 10, 10, 3, 3, 5, 2, 1,\n");      // depthwise: 5 one-channel layers of 2 filters
    const Node& wide = node_named(g, "wide");
    EXPECT_EQ(wide.attrs.stride_h, 2);
    EXPECT_EQ(wide.attrs.stride_w, 3);
    // E = ceil((8 - 3 + 2) / 2) = 4 (pad 1); F = ceil((9 - 2 + 3) / 3) = 4 (pad 2).
    EXPECT_EQ(wide.attrs.pad_bottom, 1);
    EXPECT_EQ(wide.attrs.pad_right, 2);
    EXPECT_EQ(g.output_of(wide).shape, (Shape{1, 6, 4, 4}));
    EXPECT_EQ(g.output_of(node_named(g, "Conv2_dw")).shape, (Shape{1, 1, 110, 110}));
    EXPECT_EQ(g.output_of(node_named(g, "nocomma")).shape, (Shape{1, 8, 7, 7}));
    const Node& dp = node_named(g, "blockDP");
    EXPECT_EQ(dp.attrs.groups, 5);
    EXPECT_EQ(g.input_of(dp, 1).shape, (Shape{10, 1, 3, 3}));
    EXPECT_EQ(g.output_of(dp).shape, (Shape{1, 10, 8, 8}));
    // SCALE-Sim: 5 layers of 8 x 8 x 3 x 3 x 1 x 2 MACs.
    EXPECT_EQ(layer_figures(g)[3].macs, 5 * scalesim_macs(10, 10, 3, 3, 1, 2, 1, 1));
}

TEST(ScaleSimImport, GemmRows) {
    // scale-sim-v2's topologies/GEMM_mnk/test_mnk_input.csv, and gpt2.csv's header.
    const Graph g = parse("Layer Name, M, N, K,\nTest 1, 256, 128, 64,\n");
    const Node& n = node_named(g, "Test 1");
    EXPECT_EQ(n.op, OpType::fc);
    // SCALE-Sim: an M x K ifmap, a 1 x K filter, N filters: M ofmap pixels of N channels.
    EXPECT_EQ(g.input_of(n, 0).shape, (Shape{1, 64, 256, 1}));
    EXPECT_EQ(g.input_of(n, 1).shape, (Shape{128, 64, 1, 1}));
    EXPECT_EQ(g.output_of(n).shape, (Shape{1, 128, 256, 1}));
    EXPECT_EQ(layer_figures(g)[0].macs, 256 * 128 * 64);
    const Graph g2 = parse("Layer,M,N,K\nQKT,16,16,8\nQKTV,16,8,16\n");
    EXPECT_EQ(g2.nodes.size(), 2u);
    EXPECT_EQ(layer_figures(g2)[1].macs, 16 * 8 * 16);
}

TEST(ScaleSimImport, RowsRunInTheExecutor) {
    const Graph g = parse(
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num "
        "Filter, Strides,\n"
        "c, 7, 8, 3, 3, 2, 3, 2,\n"
        "d DP, 5, 5, 2, 2, 3, 1, 1,\n");
    const Graph gm = parse("Layer, M, N, K,\nmm, 5, 3, 4,\n");
    for (const Graph* gr : {&g, &gm}) {
        const Execution ex = execute(*gr, synthetic_inputs(*gr, 2));
        for (size_t i = 0; i < gr->outputs.size(); ++i) {
            const Tensor8& y = ex.outputs[i];
            EXPECT_EQ(y.shape, gr->tensor(gr->outputs[i]).shape);
            // The zoo's scheme aims at an RMS of 32: neither saturated nor collapsed.
            double sq = 0;
            for (int8_t v : y.data)
                sq += (v - y.zero_point) * (v - y.zero_point);
            const double rms = std::sqrt(sq / static_cast<double>(y.data.size()));
            EXPECT_GT(rms, 12.0) << gr->nodes[i].name;
            EXPECT_LT(rms, 60.0) << gr->nodes[i].name;
        }
    }
    const Execution ex = execute(g, synthetic_inputs(g, 2));
    EXPECT_EQ(ex.outputs[0].shape, (Shape{1, 3, 3, 4}));  // ceil(6/2) = 3, ceil(7/2) = 4
}

std::string error_of(const std::string& text) {
    try {
        parse(text, "bad.csv");
    } catch (const GraphError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(ScaleSimImport, BadLinesNameLineAndField) {
    const std::string conv_header =
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num "
        "Filter, Strides,\n";
    std::string e = error_of(conv_header + "ok,8,8,3,3,1,1,1,\nbad,8,8,3,x3,1,1,1,\n");
    EXPECT_NE(e.find("bad.csv:3:"), std::string::npos) << e;
    EXPECT_NE(e.find("Filter Width"), std::string::npos) << e;
    e = error_of(conv_header + "neg,8,-8,3,3,1,1,1,\n");
    EXPECT_NE(e.find("bad.csv:2:"), std::string::npos) << e;
    EXPECT_NE(e.find("IFMAP Width"), std::string::npos) << e;
    e = error_of(conv_header + "zero,8,8,3,3,1,1,0,\n");
    EXPECT_NE(e.find("Strides"), std::string::npos) << e;
    e = error_of(conv_header + "short,8,8,3,3,1,\n");
    EXPECT_NE(e.find("bad.csv:2: 6 fields"), std::string::npos) << e;
    e = error_of(conv_header + "big,8,8,9,3,1,1,1,\n");
    EXPECT_NE(e.find("Filter Height 9 > IFMAP Height 8"), std::string::npos) << e;
    e = error_of(conv_header + "a,8,8,3,3,1,1,1,\n\na,8,8,3,3,1,1,1,\n");
    EXPECT_NE(e.find("bad.csv:4: duplicate layer name 'a'"), std::string::npos) << e;
    e = error_of(conv_header + ",8,8,3,3,1,1,1,\n");
    EXPECT_NE(e.find("field 1 (layer name)"), std::string::npos) << e;
    e = error_of(conv_header + "huge,99999999999,8,3,3,1,1,1,\n");
    EXPECT_NE(e.find("IFMAP Height"), std::string::npos) << e;
    e = error_of("Layer, M, N, K\nmm, 4, 4\n");
    EXPECT_NE(e.find("bad.csv:2: 3 fields"), std::string::npos) << e;
    e = error_of("Layer, M, N, K\nmm, 4, 4, 0\n");
    EXPECT_NE(e.find("(K)"), std::string::npos) << e;
    e = error_of("name, a, b, c\nx,1,2,3\n");
    EXPECT_NE(e.find("bad.csv:1: header"), std::string::npos) << e;
    e = error_of(conv_header);
    EXPECT_NE(e.find("no layer rows"), std::string::npos) << e;
    e = error_of("");
    EXPECT_NE(e.find("empty file"), std::string::npos) << e;
}

TEST(ScaleSimImport, Files) {
    const std::string path = ::testing::TempDir() + "scalesim_rows.csv";
    {
        std::ofstream f(path);
        f << "Layer, M, N, K,\nfc1, 1, 10, 32,\n";
    }
    const Graph g = import_scalesim_csv(path);
    EXPECT_EQ(g.name, "scalesim_rows");
    EXPECT_EQ(g.output_of(g.nodes[0]).shape, (Shape{1, 10, 1, 1}));
    std::remove(path.c_str());
    try {
        import_scalesim_csv(path);
        FAIL() << "no error";
    } catch (const GraphError& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}

}  // namespace
