#!/usr/bin/python3
"""Tests of scripts/vp_plot.py: every plot renders from the committed real
data (tests/data/) into a valid PNG of FIGSIZE x dpi pixels and a valid SVG of
FIGSIZE x 72 points, the figures' titles carry numbers that agree with the
input, and bad input exits 2 with one line naming the file.

    /usr/bin/python3 tests/scripts/test_vp_plot.py [-v]
"""
import csv
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "vp_plot.py")
DATA = os.path.join(ROOT, "tests", "data")
REPORT = os.path.join(DATA, "resnet_small_os.json")
COMPARE = os.path.join(DATA, "lenet5_compare_control.json")
SWEEP = os.path.join(DATA, "sweep_plot.sqlite")

# Expected figure sizes in inches, written here independently of the script's
# FIGSIZE table: a change there must be a deliberate change here too.
SIZES = {
    "cycles": (14, 5.5),
    "utilization": (14, 5),
    "dram": (14, 5.5),
    "roofline": (9, 6.5),
    "buffer": (13, 5),
    "pareto": (10, 7),
    "control": (13, 5),
}
SVG_NS = "{http://www.w3.org/2000/svg}"


# matplotlib's font cache goes to a directory of this run, so a read-only or
# shared home neither fails nor warns on stderr (the tests want it empty).
MPLCONFIGDIR = tempfile.mkdtemp(prefix="test_vp_plot_mpl_")
ENV = dict(os.environ, MPLCONFIGDIR=MPLCONFIGDIR)


def run_plot(*args):
    p = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=300, env=ENV)
    return p.returncode, p.stdout, p.stderr


def png_size(path):
    """(width, height) of a PNG, after checking its signature, IHDR (with its
    CRC) and that it ends with IEND."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError(f"{path}: no PNG signature")
    length, ctype = struct.unpack(">I4s", data[8:16])
    if ctype != b"IHDR" or length != 13:
        raise AssertionError(f"{path}: first chunk is {ctype!r} of {length} bytes, not IHDR")
    body = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    if zlib.crc32(ctype + body) != crc:
        raise AssertionError(f"{path}: IHDR CRC mismatch")
    if data[-12:-4] != b"\x00\x00\x00\x00IEND":
        raise AssertionError(f"{path}: does not end with IEND")
    w, h, depth, color = struct.unpack(">IIBB", body[:10])
    if depth != 8 or color not in (2, 6):
        raise AssertionError(f"{path}: bit depth {depth}, colour type {color}")
    return w, h


def svg_root(path):
    root = ET.parse(path).getroot()
    if root.tag != SVG_NS + "svg":
        raise AssertionError(f"{path}: root element is {root.tag}, not svg")
    return root


def svg_texts(root):
    return ["".join(t.itertext()) for t in root.iter(SVG_NS + "text")]


def pts(inches):
    return f"{inches * 72:g}pt"


class PlotCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="test_vp_plot_")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def render(self, cmd, src, plots, fmt, dpi=None):
        out = os.path.join(self.tmp, f"{cmd}_{fmt}_{dpi}")
        args = [cmd, src, "--out", out, "--format", fmt] + (["--dpi", str(dpi)] if dpi else [])
        if plots != (REPORT_PLOTS if cmd == "report" else SWEEP_PLOTS):
            args += [a for p in plots for a in ("--plot", p)]
        code, stdout, stderr = run_plot(*args)
        self.assertEqual(code, 0, stderr)
        self.assertEqual(stderr, "")
        written = sorted(stdout.split())
        self.assertEqual(written, sorted(os.path.join(out, f"{p}.{fmt}") for p in plots))
        return out

    def check_pngs(self, cmd, src, plots, dpi):
        out = self.render(cmd, src, plots, "png", dpi)
        for p in plots:
            w, h = SIZES[p]
            self.assertEqual(png_size(os.path.join(out, p + ".png")), (round(w * dpi), round(h * dpi)), p)

    def check_svgs(self, cmd, src, plots):
        out = self.render(cmd, src, plots, "svg")
        roots = {}
        for p in plots:
            root = svg_root(os.path.join(out, p + ".svg"))
            w, h = SIZES[p]
            self.assertEqual((root.get("width"), root.get("height")), (pts(w), pts(h)), p)
            roots[p] = root
        return roots


REPORT_PLOTS = ["cycles", "utilization", "dram", "roofline"]
SWEEP_PLOTS = ["buffer", "pareto", "control"]


class ReportPlots(PlotCase):
    def test_png_at_default_dpi(self):
        self.check_pngs("report", REPORT, REPORT_PLOTS, 100)

    def test_png_size_follows_dpi(self):
        self.check_pngs("report", REPORT, ["cycles", "roofline"], 50)

    def test_svg_and_titles_agree_with_the_report(self):
        roots = self.check_svgs("report", REPORT, REPORT_PLOTS)
        with open(REPORT) as f:
            rep = json.load(f)
        layers = rep["layers"]
        texts = {p: " ".join(svg_texts(r)) for p, r in roots.items()}
        # Stall share of the cycles title, from the report's totals.
        t = rep["totals"]
        share = round(100 * t["stall_cycles"] / t["cycles"])
        self.assertIn(f"{share}% stalls", texts["cycles"])
        # The DRAM plot counts the layers whose prediction equals the measured bytes.
        exact = sum(1 for L in layers
                    if sum(L["predicted_dram_read_bytes"].values()) + sum(L["predicted_dram_write_bytes"].values())
                    == sum(L["dram_read_bytes"].values()) + sum(L["dram_write_bytes"].values()))
        self.assertIn(f"({exact} of {len(layers)} layers exact)", texts["dram"])
        # Roofline: the array's peak and the ridge point from the config.
        rows, cols = rep["config"]["array"]
        self.assertIn(f"= {rows * cols} MACs/cycle", texts["roofline"])
        self.assertIn(f"ridge at {rows * cols / rep['config']['dram_bw']:g} MACs/byte", texts["roofline"])
        no_macs = sum(1 for L in layers if L["macs"] == 0)
        if no_macs:
            self.assertIn(f"{no_macs} layers without MACs", texts["roofline"])
        # Every layer name is on the per-layer axes (resnet_small is short enough).
        for L in layers:
            self.assertIn(L["name"], texts["cycles"])

    def test_one_file_by_extension(self):
        for ext in ("svg", "png"):
            path = os.path.join(self.tmp, "one", "roof." + ext)
            code, stdout, stderr = run_plot("report", REPORT, "--plot", "roofline", "--out", path)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(stdout.strip(), path)
            if ext == "png":
                self.assertEqual(png_size(path), (900, 650))
            else:
                self.assertEqual(svg_root(path).get("width"), pts(9))

    def test_compare_control_report(self):
        code, _, stderr = run_plot("report", COMPARE, "--out", self.tmp)
        self.assertEqual(code, 2)
        self.assertIn("--control", stderr)
        out = os.path.join(self.tmp, "cc")
        code, stdout, stderr = run_plot("report", COMPARE, "--control", "call_poll", "--out", out)
        self.assertEqual(code, 0, stderr)
        self.assertEqual(len(stdout.split()), 4)


    def edited_report(self, edit):
        with open(REPORT) as f:
            rep = json.load(f)
        edit(rep)
        path = os.path.join(self.tmp, "edited.json")
        with open(path, "w") as f:
            json.dump(rep, f)
        return path

    def test_without_prediction(self):
        # A --setup run at another sequence length has no prediction (null).
        def drop(rep):
            for L in rep["layers"]:
                L["predicted_dram_read_bytes"] = L["predicted_dram_write_bytes"] = None
        path = self.edited_report(drop)
        out = os.path.join(self.tmp, "nopred.svg")
        code, _, stderr = run_plot("report", path, "--plot", "dram", "--out", out)
        self.assertEqual(code, 0, stderr)
        text = " ".join(svg_texts(svg_root(out)))
        self.assertNotIn("prediction", text)
        self.assertNotIn("predicted", text)

    def test_failed_layer_is_named(self):
        def fail(rep):
            rep["layers"][2]["error"] = "NPU_ERR_DMA"
        path = self.edited_report(fail)
        out = os.path.join(self.tmp, "failed.svg")
        code, _, stderr = run_plot("report", path, "--plot", "cycles", "--out", out)
        self.assertEqual(code, 0, stderr)
        with open(REPORT) as f:
            name = json.load(f)["layers"][2]["name"]
        self.assertIn(f"1 layer with a failed kernel ({name})", " ".join(svg_texts(svg_root(out))))

    def test_roofline_without_macs(self):
        # Only vector work (pools, adds): nothing on the roofline, the roofs still drawn.
        def no_macs(rep):
            for L in rep["layers"]:
                L["macs"] = 0
        path = self.edited_report(no_macs)
        out = os.path.join(self.tmp, "roof.svg")
        code, _, stderr = run_plot("report", path, "--plot", "roofline", "--out", out)
        self.assertEqual(code, 0, stderr)
        with open(REPORT) as f:
            n = len(json.load(f)["layers"])
        self.assertIn(f"{n} layers without MACs", " ".join(svg_texts(svg_root(out))))


class SweepPlots(PlotCase):
    def test_png(self):
        self.check_pngs("sweep", SWEEP, SWEEP_PLOTS, 100)

    def test_svg_and_titles_agree_with_the_database(self):
        roots = self.check_svgs("sweep", SWEEP, SWEEP_PLOTS)
        texts = {p: " ".join(svg_texts(r)) for p, r in roots.items()}
        db = sqlite3.connect(SWEEP)
        ok = db.execute("SELECT count(*) FROM runs WHERE status = 'ok'").fetchone()[0]
        self.assertIn(f"{ok} runs", texts["pareto"])
        for (dataflow,) in db.execute("SELECT DISTINCT dataflow FROM runs WHERE status = 'ok'"):
            self.assertIn(dataflow, texts["buffer"])
        # The front per workload, by a plain O(n^2) dominance check: a run is on
        # it unless another has no more bytes and no more cycles, and less of one.
        for (wl,) in db.execute("SELECT DISTINCT workload FROM runs WHERE status = 'ok'"):
            pts = db.execute("SELECT npu_dram_bytes, cycles FROM runs WHERE status = 'ok' AND workload = ?",
                             (wl,)).fetchall()
            front = {p for p in pts
                     if not any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in pts)}
            self.assertIn(wl.split(":")[0], texts["pareto"])
            self.assertIn(f"{len(front)} of {len(pts)} runs on the front", texts["pareto"])
        # A network irq control refuses is compared with call+irq.
        self.assertIn("(vs call+irq)", texts["control"])
        for mode in ("irq", "call+irq", "call+poll"):
            self.assertIn(mode, texts["control"])


    def test_timing_model_columns_tell_runs_apart(self):
        # A sweep over --fold-continuation: its runs are labelled by it.
        path = os.path.join(self.tmp, "policies.sqlite")
        shutil.copy(SWEEP, path)
        db = sqlite3.connect(path)
        db.execute("ALTER TABLE runs ADD COLUMN fold_continuation TEXT")
        db.execute("UPDATE runs SET fold_continuation = CASE WHEN id % 2 THEN 'run' ELSE 'array' END")
        db.commit()
        db.close()
        texts = {p: " ".join(svg_texts(r)) for p, r in self.check_svgs("sweep", path, SWEEP_PLOTS).items()}
        self.assertIn("fold_continuation", texts["pareto"])
        self.assertIn("continuation=", texts["pareto"])

    def test_runs_csv_draws_what_the_database_draws(self):
        # runs.csv as `vp_sweep.py --csv` writes it: the table's columns, NULL as "".
        db = sqlite3.connect(SWEEP)
        cur = db.execute("SELECT * FROM runs")
        path = os.path.join(self.tmp, "runs.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow([d[0] for d in cur.description])
            w.writerows([["" if v is None else v for v in row] for row in cur])
        db.close()
        from_db = self.check_svgs("sweep", SWEEP, SWEEP_PLOTS)
        from_csv = self.check_svgs("sweep", path, SWEEP_PLOTS)
        for p in SWEEP_PLOTS:
            texts_db = [t.replace(os.path.basename(SWEEP), "SRC") for t in svg_texts(from_db[p])]
            texts_csv = [t.replace("runs.csv", "SRC") for t in svg_texts(from_csv[p])]
            self.assertEqual(texts_db, texts_csv, p)


class BadInput(PlotCase):
    def one_line_error(self, *args, contains):
        code, stdout, stderr = run_plot(*args)
        self.assertEqual(code, 2, stderr)
        self.assertEqual(stdout, "")
        lines = stderr.strip().split("\n")
        self.assertEqual(len(lines), 1, stderr)
        self.assertIn(contains, lines[0])
        return lines[0]

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_missing_report(self):
        path = os.path.join(self.tmp, "absent.json")
        self.one_line_error("report", path, "--out", self.tmp, contains=f"{path}: no such file")

    def test_not_json(self):
        path = self.write("bad.json", '{"config": {')
        self.one_line_error("report", path, "--out", self.tmp, contains=f"{path}: not JSON (line 1")

    def test_empty(self):
        path = self.write("empty.json", "")
        self.one_line_error("report", path, "--out", self.tmp, contains="empty file")

    def test_missing_key_names_the_layer(self):
        with open(REPORT) as f:
            rep = json.load(f)
        name = rep["layers"][1]["name"]
        del rep["layers"][1]["compute_cycles"]
        path = self.write("nokey.json", json.dumps(rep))
        self.one_line_error("report", path, "--out", self.tmp,
                            contains=f"layer '{name}' has no 'compute_cycles'")

    def test_wrong_type(self):
        with open(REPORT) as f:
            rep = json.load(f)
        rep["layers"][0]["cycles"] = "many"
        path = self.write("type.json", json.dumps(rep))
        self.one_line_error("report", path, "--out", self.tmp, contains="cycles is \"many\", not a number")

    def test_bad_array(self):
        with open(REPORT) as f:
            rep = json.load(f)
        rep["config"]["array"] = [32]
        path = self.write("array.json", json.dumps(rep))
        self.one_line_error("report", path, "--out", self.tmp, contains="config.array")

    def test_no_layers(self):
        with open(REPORT) as f:
            rep = json.load(f)
        rep["layers"] = []
        path = self.write("nolayers.json", json.dumps(rep))
        self.one_line_error("report", path, "--out", self.tmp, contains="no layers")

    def test_two_plots_one_file(self):
        self.one_line_error("report", REPORT, "--out", os.path.join(self.tmp, "x.png"),
                            contains="one file holds one plot")

    def test_unsupported_extension(self):
        self.one_line_error("report", REPORT, "--plot", "cycles", "--out", os.path.join(self.tmp, "x.pdf"),
                            contains="not a supported format")

    def test_bad_format_option(self):
        code, _, stderr = run_plot("report", REPORT, "--out", self.tmp, "--format", "jpg")
        self.assertEqual(code, 2)
        self.assertIn("formats are png and svg", stderr)

    def test_missing_sweep(self):
        path = os.path.join(self.tmp, "absent.db")
        self.one_line_error("sweep", path, "--out", self.tmp, contains=f"{path}: no such file")
        self.assertFalse(os.path.exists(path))  # never created by opening it

    def test_not_sqlite(self):
        path = self.write("notdb.db", "hello, not a database\n" * 100)
        self.one_line_error("sweep", path, "--out", self.tmp, contains="not an SQLite database")

    def test_sqlite_without_runs(self):
        path = os.path.join(self.tmp, "other.db")
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE t (x)")
        db.commit()
        db.close()
        self.one_line_error("sweep", path, "--out", self.tmp, contains="no table 'runs'")

    def test_sweep_without_ok_runs(self):
        path = os.path.join(self.tmp, "failed.db")
        shutil.copy(SWEEP, path)
        db = sqlite3.connect(path)
        db.execute("UPDATE runs SET status = 'failed'")
        db.commit()
        db.close()
        self.one_line_error("sweep", path, "--out", self.tmp, contains="no successful runs")


if __name__ == "__main__":
    try:
        unittest.main()
    finally:
        shutil.rmtree(MPLCONFIGDIR, ignore_errors=True)
