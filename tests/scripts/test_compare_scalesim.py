#!/usr/bin/python3
"""Tests of scripts/compare_scalesim.py (CTest runs them with /usr/bin/python3).

    test_compare_scalesim.py SOURCE_DIR [VP_RUN]

Without VP_RUN (SyntheticFiles): a report and a COMPUTE_REPORT.csv written here, every
printed figure and explanation checked, and the malformed or mismatched
inputs refused with one line and exit status 2. With VP_RUN (VpRunReport): a four-layer
SCALE-Sim topology run by vp_run in timing mode under os, ws and is, its
formula_cycles against values computed by hand from npu/systolic.h, and the
comparison's ratios against the report's own numbers (a depthwise row taking
one SCALE-Sim row per channel, as SCALE-Sim v2 runs it).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = None
VP_RUN = None

HEADER_V2 = ("LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, "
             "Compute Util %,\n")
HEADER_PREFETCH = ("LayerID, Total Cycles (incl. prefetch), Total Cycles, Stall Cycles, "
                   "Overall Util %, Mapping Efficiency %, Compute Util %,\n")


def layer(name, macs, compute, formula, stall):
    return {"name": name, "op": "conv" if macs else "maxpool", "macs": macs,
            "cycles": compute + stall, "compute_cycles": compute, "formula_cycles": formula,
            "stall_cycles": stall}


# A report of three MAC layers and a pool on a 32x32 os array (fold overhead
# 32 + 32 - 2 = 62 cycles):
#   Conv1: compute = formula = 392, 108 stall cycles;
#   Conv2: compute = formula + 2 fold restarts (2 x 62 = 124);
#   FC1:   compute = formula + 28 (not a multiple of 62: the tiling);
SYNTHETIC_REPORT = {
    "version": 1,
    "config": {"dataflow": "os", "array": [32, 32]},
    "layers": [layer("Conv1", 1000, 392, 392, 108), layer("pool1", 0, 50, 50, 10),
               layer("Conv2", 1000, 516, 392, 0), layer("FC1", 1000, 1300, 1272, 100)],
}
# SCALE-Sim: one cycle less than the formula on every layer (its last-cycle
# index), FC1 with 100 stall cycles (1371 total, 1271 compute).
SYNTHETIC_CSV = HEADER_V2 + ("0, 391, 0, 90.1, 95.0, 90.1,\n"
                             "1, 391, 0, 90.1, 95.0, 90.1,\n"
                             "2, 1371, 100, 80.0, 95.0, 88.0,\n")
# Ratios by hand (ours / SCALE-Sim, 3 decimals):
#   Conv1 392/391 = 1.003, 392/391 = 1.003, 500/391 = 1.279
#   Conv2 392/391 = 1.003, 516/391 = 1.320, 516/391 = 1.320
#   FC1   1272/1271 = 1.001, 1300/1271 = 1.023, 1400/1371 = 1.021
#   total 2056/2053 = 1.001, 2208/2053 = 1.075, 2416/2153 = 1.122
SYNTHETIC_LINES = [
    "Conv1       0         392         392         500         391         0      1.003      1.003"
    "     1.279  SCALE-Sim prints last-cycle index: -1; DRAM stalls: +108",
    "Conv2       1         516         392         516         391         0      1.003      1.320"
    "     1.320  SCALE-Sim prints last-cycle index: -1; fold restarts: +2 x 62",
    "FC1         2        1300        1272        1400        1371       100      1.001      1.023"
    "     1.021  SCALE-Sim prints last-cycle index: -1; tiling forced by scratchpad: +28; DRAM "
    "stalls: +100; psum write-back to DRAM in SCALE-Sim: +100 SCALE-Sim stall cycles",
    "total                2208        2056        2416        2153       100      1.001      1.075"
    "     1.122",
    "summary: 3 layers; formula = SCALE-Sim compute + 1 per SCALE-Sim layer on 3, equal on 0, "
    "other on 0; compute/SCALE-Sim 1.075, total/SCALE-Sim 1.122",
]


class Files:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="compare_scalesim_")

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def compare(*args):
    script = os.path.join(SOURCE_DIR, "scripts", "compare_scalesim.py")
    return subprocess.run(["/usr/bin/python3", script, *args], capture_output=True, text=True,
                          timeout=60)


class SyntheticFiles(unittest.TestCase):
    def setUp(self):
        self.files = Files()
        self.report = self.files.write("report.json", json.dumps(SYNTHETIC_REPORT))
        self.csv = self.files.write("COMPUTE_REPORT.csv", SYNTHETIC_CSV)

    def tearDown(self):
        self.files.close()

    def test_every_figure_and_explanation(self):
        r = compare(self.report, self.csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        lines = r.stdout.splitlines()
        self.assertIn("3 layers matched by order", lines[0])
        self.assertEqual(lines[-5:], SYNTHETIC_LINES)

    def test_newer_header_with_prefetch_column_reads_by_name(self):
        csv = self.files.write("prefetch.csv", HEADER_PREFETCH + (
            "0, 999, 391, 0, 90.1, 95.0, 90.1,\n"
            "1, 999, 391, 0, 90.1, 95.0, 90.1,\n"
            "2, 999, 1371, 100, 80.0, 95.0, 88.0,\n"))
        r = compare(self.report, csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines()[-5:], SYNTHETIC_LINES)

    def test_topology_matches_by_name_in_its_order(self):
        # The topology lists the layers in another order than the report.
        topo = self.files.write("topo.csv", (
            "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
            "Num Filter, Strides,\nFC1, 1, 1, 1, 1, 256, 100, 1,\n"
            "Conv1, 10, 10, 3, 3, 4, 40, 1,\nConv2, 10, 10, 3, 3, 4, 40, 1,\n"))
        csv = self.files.write("by_name.csv", HEADER_V2 + (
            "0, 1271, 0, 1, 1, 1,\n1, 391, 0, 1, 1, 1,\n2, 391, 0, 1, 1, 1,\n"))
        r = compare(self.report, csv, "--topology", topo)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertIn("3 layers matched by name", lines[0])
        fc1 = [l for l in lines if l.startswith("FC1 ")]
        self.assertEqual(len(fc1), 1)
        # 1300 / 1271 = 1.023; 1400 / 1271 = 1.101 (no SCALE-Sim stalls now)
        self.assertEqual(fc1[0].split()[1:10],
                         ["0", "1300", "1272", "1400", "1271", "0", "1.001", "1.023", "1.101"])

    def test_a_depthwise_row_takes_one_scalesim_row_per_channel(self):
        # SCALE-Sim runs 'Conv2_DP' (3 channels) as three layers: rows 1..3,
        # summed: 130 + 130 + 129 = 389 = 392 - 3, one last-cycle index short
        # per layer; FC1 is row 4.
        topo = self.files.write("dp.csv", (
            "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
            "Num Filter, Strides,\nConv1, 10, 10, 3, 3, 4, 40, 1,\n"
            "Conv2_DP, 10, 10, 3, 3, 3, 1, 1,\nFC1, 1, 1, 1, 1, 256, 100, 1,\n"))
        report = json.loads(json.dumps(SYNTHETIC_REPORT))
        report["layers"][2]["name"] = "Conv2_DP"
        report_path = self.files.write("dp.json", json.dumps(report))
        csv = self.files.write("dp_report.csv", HEADER_V2 + (
            "0, 391, 0, 1, 1, 1,\n1, 130, 0, 1, 1, 1,\n2, 130, 0, 1, 1, 1,\n"
            "3, 129, 0, 1, 1, 1,\n4, 1271, 0, 1, 1, 1,\n"))
        r = compare(report_path, csv, "--topology", topo)
        self.assertEqual(r.returncode, 0, r.stderr)
        dp = [l for l in r.stdout.splitlines() if l.startswith("Conv2_DP ")]
        self.assertEqual(len(dp), 1, r.stdout)
        # 392 / 389 = 1.008, 516 / 389 = 1.326
        self.assertEqual(dp[0].split()[1:10],
                         ["1-3", "516", "392", "516", "389", "0", "1.008", "1.326", "1.326"])
        self.assertIn("SCALE-Sim prints last-cycle index: -1 x 3 depthwise channel layers; "
                      "fold restarts: +2 x 62", dp[0])
        self.assertIn("+ 1 per SCALE-Sim layer on 3,", r.stdout)
        # Without the expansion the counts disagree: one line.
        short = self.files.write("dp_short.csv", HEADER_V2 + (
            "0, 391, 0, 1, 1, 1,\n1, 390, 0, 1, 1, 1,\n2, 1271, 0, 1, 1, 1,\n"))
        self.expect_error([report_path, short, "--topology", topo],
                          "3 layers make 5 SCALE-Sim rows, ")

    def test_a_formula_far_from_scalesim_is_flagged(self):
        csv = self.files.write("off.csv", HEADER_V2 + (
            "0, 391, 0, 1, 1, 1,\n1, 391, 0, 1, 1, 1,\n2, 1000, 0, 1, 1, 1,\n"))
        r = compare(self.report, csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("unexplained: formula - SCALE-Sim compute = 272", r.stdout)
        self.assertIn("formula = SCALE-Sim compute + 1 per SCALE-Sim layer on 2, equal on 0, other on 1", r.stdout)

    def expect_error(self, args, message):
        r = compare(*args)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn(message, r.stderr)

    def test_bad_inputs_are_one_line_and_exit_2(self):
        w = self.files.write
        cases = [
            ([self.report, w("no_total.csv", "LayerID, Stall Cycles,\n0, 1,\n")],
             "no 'Total Cycles' column"),
            ([self.report, w("short.csv", HEADER_V2 + "0, 391, 0,\n")],
             "short.csv:2: 3 fields, the header has 6"),
            ([self.report, w("nan.csv", HEADER_V2 + "0, abc, 0, 1, 1, 1,\n")],
             "nan.csv:2: 'Total Cycles' is not a number: 'abc'"),
            ([self.report, w("stall.csv", HEADER_V2 + "0, 10, 20, 1, 1, 1,\n")],
             "stall.csv:2: 'Stall Cycles' 20 exceed 'Total Cycles' 10"),
            ([self.report, w("order.csv", HEADER_V2 + "1, 10, 0, 1, 1, 1,\n")],
             "order.csv:2: LayerID 1, expected 0"),
            ([self.report, w("empty.csv", "")], "empty.csv: empty"),
            ([self.report, w("header_only.csv", HEADER_V2)], "no layer rows after the header"),
            ([self.report, w("two.csv", HEADER_V2 + "0, 391, 0, 1, 1, 1,\n1, 391, 0, 1, 1, 1,\n")],
             "two.csv: 2 layers, "),
            ([w("bad.json", "{"), self.csv], "bad.json: not JSON"),
            ([w("nolayers.json", "{}"), self.csv], "not a vp_run --report"),
            ([w("old.json", json.dumps({"config": SYNTHETIC_REPORT["config"], "layers": [
                {k: v for k, v in SYNTHETIC_REPORT["layers"][0].items()
                 if k != "formula_cycles"}]})), self.csv],
             "layer 'Conv1' has no 'formula_cycles'"),
            ([os.path.join(self.files.dir, "missing.json"), self.csv], "missing.json: cannot read"),
            ([self.report, self.csv, "--topology",
              w("names.csv", "Layer name, a,\nConv1, 1,\nConv2, 1,\nFC9, 1,\n")],
             "no MAC layer 'FC9' (SCALE-Sim LayerID 2 in"),
        ]
        for args, message in cases:
            with self.subTest(message=message):
                self.expect_error(args, message)


# The untiled layers' systolic cycles on 32x32 by hand (npu/systolic.h;
# folds = ceil(Sr/32) * ceil(Sc/32), os fold T + 62, ws/is fold T + 94):
#   Conv1 10x10x4, 40 3x3 filters: 64 pixels, reduction 36
#     os 2*2 * (36+62) = 392; ws 2*2 * (64+94) = 632; is 2*2 * (40+94) = 536
#   Conv2 28x28x128, 256 1x1 filters, stride 2: 15x15 = 225 pixels, reduction 128
#     os 8*8 * (128+62) = 12160; ws 4*8 * (225+94) = 10208; is 4*8 * (256+94) = 11200
#   FC1 1x1x256, 100 filters: 1 pixel, reduction 256
#     os 1*4 * (256+62) = 1272; ws 8*4 * (1+94) = 3040; is 8*1 * (100+94) = 1552
#   Conv_DP 10x10x4 depthwise, one 3x3 filter per channel: 4 groups of one
#   filter, reduction 9, 64 pixels (SCALE-Sim: 4 layers of one channel)
#     os 4 * 2*1 * (9+62) = 568; ws 4 * 1 * (64+94) = 632; is 4 * 1*2 * (1+94) = 760
TOPOLOGY = ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
            "Num Filter, Strides,\n"
            "Conv1, 10, 10, 3, 3, 4, 40, 1,\n"
            "Conv2, 28, 28, 1, 1, 128, 256, 2,\n"
            "FC1, 1, 1, 1, 1, 256, 100, 1,\n"
            "Conv_DP, 10, 10, 3, 3, 4, 1, 1,\n")
FORMULA = {"os": [392, 12160, 1272, 568], "ws": [632, 10208, 3040, 632],
           "is": [536, 11200, 1552, 760]}
SCALESIM_ROWS = [1, 1, 1, 4]  # rows of COMPUTE_REPORT.csv per topology row


class VpRunReport(unittest.TestCase):
    def test_four_layers_under_each_dataflow(self):
        files = Files()
        try:
            topo = files.write("topo.csv", TOPOLOGY)
            for df, formula in FORMULA.items():
                with self.subTest(dataflow=df):
                    report = os.path.join(files.dir, f"report_{df}.json")
                    run = subprocess.run([VP_RUN, "--workload", topo, "--dataflow", df,
                                          "--report", report], capture_output=True, text=True,
                                         timeout=300)
                    self.assertEqual(run.returncode, 0, run.stderr)
                    with open(report, encoding="utf-8") as f:
                        layers = json.load(f)["layers"]
                    self.assertEqual([l["formula_cycles"] for l in layers], formula)
                    # SCALE-Sim as the issue measured it: each of its layers one
                    # cycle short of the formula, no stalls.
                    per_row = [c // n - 1 for c, n in zip(formula, SCALESIM_ROWS)
                               for _ in range(n)]
                    csv = files.write(f"COMPUTE_REPORT_{df}.csv", HEADER_V2 + "".join(
                        f"{i}, {c}, 0, 50.0, 90.0, 50.0,\n" for i, c in enumerate(per_row)))
                    r = compare(report, csv, "--topology", topo)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    lines = r.stdout.splitlines()
                    for l, c, n in zip(layers, formula, SCALESIM_ROWS):
                        row = [x for x in lines if x.startswith(l["name"] + " ")]
                        self.assertEqual(len(row), 1, r.stdout)
                        f = row[0].split()
                        ss = c - n
                        self.assertEqual(f[2:6], [str(l["compute_cycles"]), str(c),
                                                  str(l["cycles"]), str(ss)])
                        self.assertEqual(f[7:10], [f"{c / ss:.3f}",
                                                   f"{l['compute_cycles'] / ss:.3f}",
                                                   f"{l['cycles'] / ss:.3f}"])
                        self.assertIn("SCALE-Sim prints last-cycle index: -1" +
                                      (f" x {n} depthwise" if n > 1 else ";"), row[0])
                    self.assertIn("summary: 4 layers; formula = SCALE-Sim compute + 1 per "
                                  "SCALE-Sim layer on 4,", lines[-1])
        finally:
            files.close()


if __name__ == "__main__":
    SOURCE_DIR = sys.argv[1]
    VP_RUN = sys.argv[2] if len(sys.argv) > 2 else None
    unittest.main(argv=[sys.argv[0], "VpRunReport" if VP_RUN else "SyntheticFiles"],
                  verbosity=2)
