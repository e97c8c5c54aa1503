#include "vp/report.h"

#include <gtest/gtest.h>

namespace {

vp::LayerReport layer(const char* name, std::uint64_t macs, std::uint64_t cycles) {
    vp::LayerReport l;
    l.name = name;
    l.op = "conv";
    l.macs = macs;
    l.cycles = cycles;
    l.compute_cycles = cycles - 10;
    l.stall_cycles = 10;
    l.pes = 4;
    l.dram_read = {100, 200, 0, 30};
    l.dram_write = {0, 0, 400, 30};
    return l;
}

vp::Config demo_config() {
    vp::Config c;
    c.demo = true;
    return c;
}

}  // namespace

TEST(Report, HasTheContractShape) {
    vp::RunReport run;
    run.cycles = 1234;
    run.exit_status = 0;
    const auto j = vp::make_report(demo_config(), {layer("conv1", 800, 250)}, run, {}, {}, "hi\n");
    EXPECT_EQ(j["version"], 1);
    EXPECT_EQ(j["config"]["dataflow"], "os");
    EXPECT_EQ(j["config"]["array"], nlohmann::json::array({32, 32}));
    ASSERT_EQ(j["layers"].size(), 1u);
    const auto& l = j["layers"][0];
    EXPECT_EQ(l["name"], "conv1");
    EXPECT_EQ(l["macs"], 800);
    EXPECT_DOUBLE_EQ(l["utilization"].get<double>(), 800.0 / (250.0 * 4));
    EXPECT_EQ(l["dram_read_bytes"],
              nlohmann::json({{"ifmap", 100}, {"weight", 200}, {"psum", 30}}));
    EXPECT_EQ(l["dram_write_bytes"], nlohmann::json({{"ofmap", 400}, {"psum", 30}}));
    EXPECT_TRUE(l["predicted_dram_read_bytes"].is_null());  // no prediction: null, not 0
    EXPECT_FALSE(l.contains("error"));
    EXPECT_TRUE(l["sram_reads"].contains("ofmap"));
    for (const char* key : {"cycles", "sim_time_ns", "cpu_instructions", "cpu_busy_cycles",
                            "cpu_sleep_cycles", "interrupts", "kernel_launches",
                            "control_bus_bytes", "host_seconds", "host_mips", "exit_status"})
        EXPECT_TRUE(j["run"].contains(key)) << key;
    EXPECT_EQ(j["run"]["cycles"], 1234);
    EXPECT_EQ(j["verify"]["checked"], false);
    EXPECT_EQ(j["console"], "hi\n");
}

TEST(Report, TotalsSumTheLayers) {
    const auto j =
        vp::make_report(demo_config(), {layer("a", 800, 250), layer("b", 200, 50)}, {}, {}, {}, "");
    EXPECT_EQ(j["totals"]["macs"], 1000);
    EXPECT_EQ(j["totals"]["cycles"], 300);
    EXPECT_EQ(j["totals"]["stall_cycles"], 20);
    EXPECT_EQ(j["totals"]["dram_read_bytes"]["weight"], 400);
    EXPECT_DOUBLE_EQ(j["totals"]["utilization"].get<double>(), 1000.0 / (300.0 * 4));
}

TEST(Report, CsvHasOneRowPerLayerAndATotal) {
    const std::string csv = vp::make_csv({layer("a", 800, 250), layer("b", 200, 50)});
    EXPECT_EQ(csv.rfind("name,op,launches,macs,cycles,", 0), 0u);
    EXPECT_NE(
        csv.find("\na,conv,0,800,250,240,,10,0.8,100,200,30,400,30,,,,,,0,0,0,0,0,0,0,0,0,0,0,,,,"
                 ",\n"),
        std::string::npos)
        << csv;
    EXPECT_NE(csv.find("\ntotal,,0,1000,300,280,,20,"), std::string::npos);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
}

TEST(Report, PredictionAndErrorAppearWhenKnown) {
    vp::LayerReport l = layer("a", 800, 250);
    l.has_prediction = true;
    l.predicted_read = {100, 200, 0, 30};
    l.predicted_write = {0, 0, 400, 30};
    l.error = "tile_too_large";
    const auto j = vp::make_report(demo_config(), {l}, {}, {}, {}, "");
    EXPECT_EQ(j["layers"][0]["predicted_dram_read_bytes"]["weight"], 200);
    EXPECT_EQ(j["layers"][0]["error"], "tile_too_large");
    EXPECT_EQ(j["totals"]["predicted_dram_write_bytes"]["ofmap"], 400);
    const std::string csv = vp::make_csv({l});
    EXPECT_NE(csv.find(",400,30,100,200,30,400,30,"), std::string::npos) << csv;
}

// Bytes on the DRAM bus: per layer and summed in the totals, beside the
// useful bytes; the prediction null (empty CSV cells) unless known.
TEST(Report, BusBytesAndTheirPrediction) {
    vp::LayerReport a = layer("a", 800, 250), b = layer("b", 200, 50);
    a.dram_bus_read = {128, 224, 0, 32};
    a.dram_bus_write = {0, 0, 416, 64};
    b.dram_bus_read = {32, 0, 0, 0};
    a.has_bus_prediction = true;
    a.predicted_bus_read = a.dram_bus_read;
    a.predicted_bus_write = a.dram_bus_write;
    auto j = vp::make_report(demo_config(), {a, b}, {}, {}, {}, "");
    EXPECT_EQ(j["layers"][0]["dram_bus_read_bytes"]["weight"], 224);
    EXPECT_EQ(j["layers"][0]["dram_bus_write_bytes"]["psum"], 64);
    EXPECT_EQ(j["layers"][0]["predicted_dram_bus_read_bytes"]["ifmap"], 128);
    EXPECT_TRUE(j["layers"][1]["predicted_dram_bus_read_bytes"].is_null());
    EXPECT_EQ(j["totals"]["dram_bus_read_bytes"]["ifmap"], 160);
    EXPECT_TRUE(j["totals"]["predicted_dram_bus_write_bytes"].is_null());
    EXPECT_EQ(j["layers"][0]["dram_read_bytes"]["ifmap"], 100);  // useful bytes unchanged
    const std::string csv = vp::make_csv({a, b});
    EXPECT_NE(csv.find(",128,224,32,416,64,128,224,32,416,64\n"), std::string::npos) << csv;
    EXPECT_NE(csv.find(",32,0,0,0,0,,,,,\n"), std::string::npos) << csv;
    const std::string table = vp::format_summary({a, b}, {});
    EXPECT_NE(table.find("dram_bus"), std::string::npos) << table;
    EXPECT_NE(table.find(std::to_string(128 + 224 + 32 + 416 + 64)), std::string::npos) << table;
}

// formula_cycles: the layer's value when known, the sum in the totals only
// when every layer has one, null (empty CSV cell) otherwise.
TEST(Report, FormulaCyclesAppearWhenKnownAndSumInTheTotals) {
    vp::LayerReport a = layer("a", 800, 250), b = layer("b", 200, 50);
    a.has_formula = b.has_formula = true;
    a.formula_cycles = 392;
    b.formula_cycles = 1272;
    auto j = vp::make_report(demo_config(), {a, b}, {}, {}, {}, "");
    EXPECT_EQ(j["layers"][0]["formula_cycles"], 392);
    EXPECT_EQ(j["layers"][1]["formula_cycles"], 1272);
    EXPECT_EQ(j["totals"]["formula_cycles"], 392 + 1272);
    const std::string csv = vp::make_csv({a, b});
    EXPECT_NE(csv.find("\na,conv,0,800,250,240,392,10,"), std::string::npos) << csv;
    EXPECT_NE(csv.find("\ntotal,,0,1000,300,280,1664,20,"), std::string::npos) << csv;
    b.has_formula = false;
    j = vp::make_report(demo_config(), {a, b}, {}, {}, {}, "");
    EXPECT_TRUE(j["layers"][1]["formula_cycles"].is_null());
    EXPECT_TRUE(j["totals"]["formula_cycles"].is_null());
}

TEST(Report, UtilizationOfAnEmptyLayerIsZero) {
    vp::LayerReport l;
    EXPECT_EQ(l.utilization(), 0.0);
}

TEST(Report, WriteFileReportsTheReason) {
    EXPECT_THROW(vp::write_file("/nonexistent-dir/r.json", "x"), std::runtime_error);
}
