#!/usr/bin/python3
"""Tests of scripts/validation_tables.py (CTest runs them with /usr/bin/python3).

    test_validation_tables.py SOURCE_DIR VP_RUN

lenet5 under os and ws into a markdown file with the markers: the text
around the markers is kept, every table row carries the figures of vp_run's
own report of the same run, the summary line sums them; a file without the
markers and a failing run are one line and exit status 2.
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


def tables(*args):
    script = os.path.join(SOURCE_DIR, "scripts", "validation_tables.py")
    return subprocess.run(["/usr/bin/python3", script, "--vp-run", VP_RUN, *args],
                          capture_output=True, text=True, timeout=300)


def report_of(tmp, df):
    path = os.path.join(tmp, f"lenet5_{df}.json")
    r = subprocess.run([VP_RUN, "--workload", "lenet5", "--array", "32x32", "--dataflow", df,
                        "--mode", "timing", "--report", path], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class ValidationTables(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="validation_tables_")
        self.doc = os.path.join(self.tmp, "doc.md")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_tables_carry_the_reports_figures(self):
        with open(self.doc, "w", encoding="utf-8") as f:
            f.write("# before\n<!-- validation-tables:begin -->\nold\n"
                    "<!-- validation-tables:end -->\nafter\n")
        r = tables("--workload", "lenet5", "--dataflows", "os,ws", "--doc", self.doc)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.doc, encoding="utf-8") as f:
            text = f.read()
        self.assertTrue(text.startswith("# before\n<!-- validation-tables:begin -->\n"))
        self.assertTrue(text.endswith("<!-- validation-tables:end -->\nafter\n"))
        self.assertNotIn("\nold\n", text)
        for df in ("os", "ws"):
            report = report_of(self.tmp, df)
            section = text.split(f"### lenet5, 32x32, {df}\n", 1)[1].split("\n### ", 1)[0]
            rows = {line.split(" | ")[0][2:]: line.strip("| ").split(" | ")
                    for line in section.splitlines() if line.startswith("| ")}
            header = rows.pop("layer")
            self.assertEqual(header[:7], ["layer", "op", "compute", "formula", "compute/formula",
                                          "cycles with DRAM", "util"])
            compute = formula = cycles = 0
            for l in report["layers"]:
                row = rows[l["name"]]
                self.assertEqual(row[2:4], [str(l["compute_cycles"]), str(l["formula_cycles"])])
                self.assertEqual(row[4], f"{l['compute_cycles'] / l['formula_cycles']:.3f}")
                self.assertEqual(row[5], str(l["cycles"]))
                self.assertEqual(row[6], f"{l['utilization']:.3f}")
                self.assertEqual(row[7:12], [str(l["dram_read_bytes"]["ifmap"]),
                                             str(l["dram_read_bytes"]["weight"]),
                                             str(l["dram_read_bytes"]["psum"]),
                                             str(l["dram_write_bytes"]["ofmap"]),
                                             str(l["dram_write_bytes"]["psum"])])
                if "dram_bus_read_bytes" in l:
                    self.assertEqual(row[12:14], [str(sum(l["dram_bus_read_bytes"].values())),
                                                  str(sum(l["dram_bus_write_bytes"].values()))])
                compute += l["compute_cycles"]
                formula += l["formula_cycles"]
                cycles += l["cycles"]
            self.assertEqual(len(rows), len(report["layers"]))
            self.assertEqual(compute, report["totals"]["compute_cycles"])
            self.assertEqual(formula, report["totals"]["formula_cycles"])
            self.assertIn(f"compute {compute} cycles, formula {formula} (compute/formula "
                          f"{compute / formula:.3f}), cycles with DRAM {cycles}", section)

    def test_a_file_without_markers_is_refused(self):
        with open(self.doc, "w", encoding="utf-8") as f:
            f.write("# no markers\n")
        r = tables("--workload", "lenet5", "--dataflows", "os", "--doc", self.doc)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn("needs one '<!-- validation-tables:begin -->' line", r.stderr)

    def test_a_failing_run_is_one_line(self):
        r = tables("--workload", "no_such_network", "--dataflows", "os")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn("exit status 2", r.stderr)
        r = tables("--dataflows", "xs")
        self.assertEqual(r.returncode, 2)
        self.assertIn("'xs' is not os, ws or is", r.stderr)


if __name__ == "__main__":
    SOURCE_DIR, VP_RUN = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]], verbosity=2)
