#!/usr/bin/python3
"""Pictures of vp_run reports and of vp_sweep.py sweeps (matplotlib, Agg).

    vp_plot.py report REPORT.json --out DIR [--format png,svg] [--dpi N] [--plot NAME]
    vp_plot.py report REPORT.json --plot roofline --out roofline.svg
    vp_plot.py sweep SWEEP.sqlite --out DIR [--format png,svg] [--dpi N] [--plot NAME]

From one report (docs/report.md):
  cycles       per-layer NPU cycles split into compute and stall (stacked bars)
  utilization  per-layer MAC-array utilisation, the run's overall as a line
  dram         per-layer DRAM bytes by tensor (stacked) and the compiler's
               predicted bytes (one marker per layer)
  roofline     operational intensity (MACs per DRAM byte) against achieved
               MACs per cycle, under the array's peak (rows x cols) and the
               DRAM bandwidth roof (dram_bw x intensity); log-log
A --compare-control report holds three reports: pick one with --control.

From a sweep database (scripts/README.md has its schema) or its runs.csv:
  buffer       run cycles and NPU DRAM bytes against scratchpad size, one line
               per dataflow (and per value of any other swept option)
  pareto       cycles against DRAM bytes of every run, the Pareto front
               highlighted and its points labelled by configuration
  control      irq vs call+irq vs call+poll per workload: run cycles, NPU idle
               cycles between kernels, CPU busy cycles

--out DIR writes DIR/<plot>.<format> for every plot (or the --plot ones);
--out FILE.png or FILE.svg writes the one --plot, the format from the
extension. Figure sizes are fixed (FIGSIZE below, inches) so an image is
FIGSIZE x dpi pixels. Bad input exits 2 with one line on stderr.
"""
import argparse
import csv
import json
import math
import os
import re
import sqlite3
import sys
import textwrap
import urllib.parse

# matplotlib is imported when there is something to draw (load_matplotlib):
# bad input is refused in a fraction of the import's time.
matplotlib = None
plt = None
FuncFormatter = None


def load_matplotlib():
    global matplotlib, plt, FuncFormatter
    if plt is not None:
        return
    import matplotlib

    matplotlib.use("Agg")
    # SVG text stays text (searchable, and the tests read the titles back).
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot
    import matplotlib.ticker

    plt = matplotlib.pyplot
    FuncFormatter = matplotlib.ticker.FuncFormatter


PROG = "vp_plot"

# Inches; an image is FIGSIZE x --dpi pixels (PNG) or FIGSIZE x 72 points (SVG).
FIGSIZE = {
    "cycles": (14, 5.5),
    "utilization": (14, 5),
    "dram": (14, 5.5),
    "roofline": (9, 6.5),
    "buffer": (13, 5),
    "pareto": (10, 7),
    "control": (13, 5),
}
REPORT_PLOTS = ["cycles", "utilization", "dram", "roofline"]
SWEEP_PLOTS = ["buffer", "pareto", "control"]
FORMATS = ("png", "svg")
DEFAULT_DPI = 100

# One colour per tensor, used by every DRAM picture.
TENSOR_COLORS = {
    "read ifmap": "#4e79a7",
    "read weight": "#f28e2b",
    "read psum": "#b07aa1",
    "write ofmap": "#59a14f",
    "write psum": "#edc948",
}
DATAFLOW_COLORS = {"os": "#4e79a7", "ws": "#e15759", "is": "#59a14f"}
CONTROL_MODES = ["irq", "call+irq", "call+poll"]
CONTROL_COLORS = {"irq": "#4e79a7", "call+irq": "#f28e2b", "call+poll": "#e15759"}


class InputError(Exception):
    """Bad input: one line naming the file and what is wrong with it."""


# ----------------------------------------------------------------------------
# Reading a report


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file")
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {e.__class__.__name__}")
    if not text.strip():
        raise InputError(f"{path}: empty file, not a vp_run report")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not JSON (line {e.lineno} column {e.colno}: {e.msg})")


def pick_report(path, doc, control):
    """The report to plot: the document, or one mode of a --compare-control one."""
    if not isinstance(doc, dict):
        raise InputError(f"{path}: not a vp_run report (top level is not an object)")
    if "compare_control" in doc:
        modes = doc["compare_control"]
        if not isinstance(modes, dict):
            raise InputError(f"{path}: 'compare_control' is not an object")
        if control is None:
            raise InputError(f"{path}: a --compare-control report; choose one with "
                             f"--control {'|'.join(sorted(modes))}")
        if control not in modes:
            raise InputError(f"{path}: no control mode '{control}' (has {', '.join(sorted(modes))})")
        rep = modes[control]
        if isinstance(rep, dict) and "error" in rep and "layers" not in rep:
            raise InputError(f"{path}: control mode '{control}' did not run: {rep['error']}")
        return rep
    if control is not None:
        raise InputError(f"{path}: --control needs a --compare-control report")
    return doc


def need(obj, key, where, path, kinds=(int, float)):
    if not isinstance(obj, dict) or key not in obj:
        raise InputError(f"{path}: {where} has no '{key}'")
    v = obj[key]
    if kinds is not None and (not isinstance(v, kinds) or isinstance(v, bool)):
        kind = {dict: "an object", list: "a list", str: "a string"}.get(kinds, "a number")
        raise InputError(f"{path}: {where}.{key} is {json.dumps(v)[:40]}, not {kind}")
    return v


def parse_report(path, control=None):
    """The numbers the report plots need, checked: a dict of lists per layer."""
    rep = pick_report(path, load_json(path), control)
    if not isinstance(rep, dict):
        raise InputError(f"{path}: not a vp_run report (report is not an object)")
    cfg = need(rep, "config", "the report", path, dict)
    layers = need(rep, "layers", "the report", path, list)
    if not layers:
        raise InputError(f"{path}: the report has no layers (a run without NPU kernels)")
    array = need(cfg, "array", "config", path, list)
    if len(array) != 2 or not all(isinstance(a, int) and a > 0 for a in array):
        raise InputError(f"{path}: config.array is {json.dumps(array)}, not [rows, cols]")
    out = {
        "path": path,
        "workload": str(cfg.get("workload") or cfg.get("setup") or cfg.get("firmware") or "run"),
        "dataflow": str(cfg.get("dataflow", "?")),
        "control": str(cfg.get("control", "?")),
        "completion": str(cfg.get("completion", "")),
        "rows": array[0],
        "cols": array[1],
        "dram_bw": need(cfg, "dram_bw", "config", path),
        "ifmap_kb": cfg.get("ifmap_kb"),
        "weight_kb": cfg.get("weight_kb"),
        "ofmap_kb": cfg.get("ofmap_kb"),
        "layers": [],
    }
    if out["dram_bw"] <= 0:
        raise InputError(f"{path}: config.dram_bw is {out['dram_bw']}, not positive")
    for i, L in enumerate(layers):
        where = f"layers[{i}]"
        if not isinstance(L, dict):
            raise InputError(f"{path}: {where} is not an object")
        name = need(L, "name", where, path, str)
        where = f"layer '{name}'"
        rd = need(L, "dram_read_bytes", where, path, dict)
        wr = need(L, "dram_write_bytes", where, path, dict)
        prd = L.get("predicted_dram_read_bytes")
        pwr = L.get("predicted_dram_write_bytes")
        row = {
            "name": name,
            "op": str(L.get("op", "?")),
            "error": L.get("error"),
            "macs": need(L, "macs", where, path),
            "cycles": need(L, "cycles", where, path),
            "compute": need(L, "compute_cycles", where, path),
            "stall": need(L, "stall_cycles", where, path),
            "utilization": need(L, "utilization", where, path),
            "read ifmap": need(rd, "ifmap", where + ".dram_read_bytes", path),
            "read weight": need(rd, "weight", where + ".dram_read_bytes", path),
            "read psum": need(rd, "psum", where + ".dram_read_bytes", path),
            "write ofmap": need(wr, "ofmap", where + ".dram_write_bytes", path),
            "write psum": need(wr, "psum", where + ".dram_write_bytes", path),
            "predicted": None,
        }
        if isinstance(prd, dict) and isinstance(pwr, dict):
            row["predicted"] = sum(need(prd, k, where + ".predicted_dram_read_bytes", path)
                                   for k in ("ifmap", "weight", "psum")) + \
                sum(need(pwr, k, where + ".predicted_dram_write_bytes", path) for k in ("ofmap", "psum"))
        row["dram"] = sum(row[k] for k in TENSOR_COLORS)
        out["layers"].append(row)
    totals = rep.get("totals") if isinstance(rep.get("totals"), dict) else {}
    out["total_utilization"] = totals.get("utilization")
    return out


# ----------------------------------------------------------------------------
# Shared drawing helpers


def si(x, digits=4):
    """Numbers in engineering form: 1.5M, 20k."""
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.{digits}g}{suffix}"
    return f"{x:.{digits}g}"


def si_tick(x, _pos=None):
    """Tick labels: enough digits that ticks of a narrow range differ (1.3675M)."""
    return si(x, 6)


def si_bytes(x):
    """A byte count for a title: 84.48 MB, 512 B (decimal prefixes)."""
    t = si(x)
    return f"{t[:-1]} {t[-1]}B" if t[-1] in "kMG" else f"{t} B"


def layer_axis(ax, names):
    """Layer names under the bars, every k-th one so ~70 layers stay readable."""
    n = len(names)
    step = max(1, math.ceil(n / 40))
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([names[i] for i in ticks], rotation=90, fontsize=7)
    ax.set_xlim(-0.7, n - 0.3)
    ax.set_xlabel("layer (program order" + (f", every {ordinal(step)} one named)" if step > 1 else ")"))


def plural(n, noun):
    return f"{n} {noun}" + ("" if n == 1 else "s")


def ordinal(n):
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def legend_on_top(ax, top, **kw):
    """The legend in one row in headroom above the tallest bar: over ~70 bars
    a legend inside the data would hide some, one beside them costs width."""
    ax.set_ylim(0, max(top, 1) * 1.16)
    n = len(ax.get_legend_handles_labels()[0])
    ax.legend(loc="upper center", ncol=n, fontsize=8, frameon=True, framealpha=0.9, **kw)


def legend_outside(ax, **kw):
    """The legend right of the axes: over ~70 bars it would hide some."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), borderaxespad=0, fontsize=8, **kw)


def subtitle(r):
    kb = "/".join(str(r[k]) for k in ("ifmap_kb", "weight_kb", "ofmap_kb"))
    ctl = r["control"] + ("+" + r["completion"] if r["control"] == "call" and r["completion"] else "")
    return (f"{r['workload']}: {r['dataflow']} dataflow, {r['rows']}x{r['cols']} array, "
            f"ifmap/weight/ofmap {kb} KiB, DRAM {r['dram_bw']:g} B/cycle, {ctl} control")


def new_figure(plot):
    fig, ax = plt.subplots(figsize=FIGSIZE[plot], layout="constrained")
    return fig, ax


# ----------------------------------------------------------------------------
# Report plots


def plot_cycles(r):
    fig, ax = new_figure("cycles")
    L = r["layers"]
    x = range(len(L))
    compute = [l["compute"] for l in L]
    stall = [l["stall"] for l in L]
    ax.bar(x, compute, width=0.8, color="#4e79a7", label="compute (MAC array or vector unit busy)")
    ax.bar(x, stall, width=0.8, bottom=compute, color="#e15759",
           label="stall (waiting for data, fill, drain)")
    tc, ts = sum(compute), sum(stall)
    failed = [l["name"] for l in L if l["error"]]
    note = f"; {plural(len(failed), 'layer')} with a failed kernel ({', '.join(failed[:3])}" + \
        (", ...)" if len(failed) > 3 else ")") if failed else ""
    ax.set_title(f"NPU cycles per layer: {si(tc + ts)} in total, {100 * ts / max(1, tc + ts):.0f}% stalls"
                 f"{note}\n" + subtitle(r), fontsize=10)
    ax.set_ylabel("NPU cycles")
    ax.yaxis.set_major_formatter(FuncFormatter(si_tick))
    layer_axis(ax, [l["name"] for l in L])
    ax.grid(axis="y", alpha=0.3)
    legend_on_top(ax, max(l["cycles"] for l in L))
    return fig


def plot_utilization(r):
    fig, ax = new_figure("utilization")
    L = r["layers"]
    # Layers without MACs (pools, adds: the vector unit) have no utilisation:
    # a grey mark at zero says so instead of an empty slot.
    ops = sorted({l["op"] for l in L if l["macs"] > 0})
    cmap = plt.get_cmap("tab10")
    color = {op: cmap(i % 10) for i, op in enumerate(ops)}
    for op in ops:
        idx = [i for i, l in enumerate(L) if l["op"] == op and l["macs"] > 0]
        ax.bar(idx, [100 * L[i]["utilization"] for i in idx], width=0.8, color=color[op], label=op)
    idle = [i for i, l in enumerate(L) if l["macs"] == 0]
    if idle:
        idle_ops = sorted({L[i]["op"] for i in idle})
        ax.plot(idle, [0.6] * len(idle), linestyle="none", marker="x", color="#777777", markersize=5,
                label="no MACs: " + ", ".join(idle_ops))
    if r["total_utilization"] is not None:
        tu = 100 * r["total_utilization"]
        ax.axhline(tu, color="black", linestyle="--", linewidth=1, label=f"whole network {tu:.0f}%")
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel(f"utilisation (% of {r['rows'] * r['cols']} PEs busy)")
    ax.set_title("MAC-array utilisation per layer (MACs / (cycles x PEs))\n" + subtitle(r), fontsize=10)
    layer_axis(ax, [l["name"] for l in L])
    ax.grid(axis="y", alpha=0.3)
    legend_on_top(ax, 100)
    return fig


def plot_dram(r):
    fig, ax = new_figure("dram")
    L = r["layers"]
    x = list(range(len(L)))
    bottom = [0] * len(L)
    for key, col in TENSOR_COLORS.items():
        vals = [l[key] for l in L]
        if not any(vals):
            continue  # a tensor no layer moved (psum on most networks) only clutters the legend
        ax.bar(x, vals, width=0.8, bottom=bottom, color=col, label=key)
        bottom = [b + v for b, v in zip(bottom, vals)]
    pred = [(i, l["predicted"]) for i, l in enumerate(L) if l["predicted"] is not None]
    if pred:
        agree = sum(1 for i, p in pred if p == L[i]["dram"])
        ax.plot([i for i, _ in pred], [p for _, p in pred], linestyle="none", marker="_",
                markersize=9, markeredgewidth=2, color="black",
                label=f"compiler's prediction ({agree} of {len(pred)} layers exact)")
    measured = sum(l["dram"] for l in L)
    title = f"NPU DRAM bytes per layer by tensor: {si_bytes(measured)} moved"
    if pred and len(pred) == len(L):
        title += f", {si_bytes(sum(p for _, p in pred))} predicted"
    ax.set_title(title + "\n" + subtitle(r), fontsize=10)
    ax.set_ylabel("DRAM bytes (read + written)")
    ax.yaxis.set_major_formatter(FuncFormatter(si_tick))
    layer_axis(ax, [l["name"] for l in L])
    ax.grid(axis="y", alpha=0.3)
    legend_on_top(ax, max([l["dram"] for l in L] + [p for _, p in pred]))
    return fig


def plot_roofline(r):
    fig, ax = new_figure("roofline")
    L = r["layers"]
    peak = r["rows"] * r["cols"]
    bw = r["dram_bw"]
    pts = [l for l in L if l["macs"] > 0 and l["dram"] > 0 and l["cycles"] > 0]
    no_macs = [l for l in L if l["macs"] <= 0]
    # MACs but no DRAM byte (everything resident): infinite intensity, no point.
    no_bytes = [l for l in L if l["macs"] > 0 and (l["dram"] <= 0 or l["cycles"] <= 0)]
    if pts:
        ois = [l["macs"] / l["dram"] for l in pts]
        perf = [l["macs"] / l["cycles"] for l in pts]
        lo = min(min(ois) / 3, peak / bw / 10)
        hi = max(max(ois) * 3, peak / bw * 10)
    else:
        ois, perf = [], []
        lo, hi = peak / bw / 100, peak / bw * 100
    # The roofs: MACs/cycle <= min(peak, intensity x bytes/cycle).
    ridge = peak / bw
    xs = [lo, ridge, hi]
    ax.plot(xs, [min(peak, x * bw) for x in xs], color="black", linewidth=2, label="roof")
    ax.axhline(peak, color="#4e79a7", linestyle=":", linewidth=1)
    ax.text(hi, peak * 1.08, f"array peak {r['rows']}x{r['cols']} = {peak} MACs/cycle",
            ha="right", va="bottom", fontsize=8, color="#4e79a7")
    ax.axvline(ridge, color="#999999", linestyle=":", linewidth=1)
    ops = sorted({l["op"] for l in pts})
    cmap = plt.get_cmap("tab10")
    total_macs = sum(l["macs"] for l in pts) or 1
    for j, op in enumerate(ops):
        sel = [i for i, l in enumerate(pts) if l["op"] == op]
        ax.scatter([ois[i] for i in sel], [perf[i] for i in sel],
                   s=[20 + 400 * pts[i]["macs"] / total_macs for i in sel],
                   color=cmap(j % 10), alpha=0.8, edgecolors="black", linewidths=0.4, label=op, zorder=3)
    # Name the places that matter most (largest MACs), not all ~70 layers;
    # layers of one shape sit on one point and share its label.
    spots = {}
    for i in range(len(pts)):
        spots.setdefault((round(ois[i], 6), round(perf[i], 6)), []).append(i)
    # A few points are named beside them; many crowd near the ridge, so the
    # labels of the six largest stand in a column in the empty lower right,
    # joined to their points by leader lines.
    few = len(spots) <= 8
    ranked = sorted(spots.values(), key=lambda g: -sum(pts[i]["macs"] for i in g))[:8 if few else 6]
    ranked.sort(key=lambda g: -perf[g[0]])
    # Beside their points: the layer furthest below its roof and the one of
    # least intensity (often a lone fc), when not named above.
    if pts:
        worst = min(range(len(pts)), key=lambda i: perf[i] / min(peak, ois[i] * bw))
        sparse = min(range(len(pts)), key=lambda i: ois[i])
        for i in sorted({worst, sparse}):
            if not any(i in g for g in ranked):
                ax.annotate(pts[i]["name"], (ois[i], perf[i]), textcoords="offset points",
                            xytext=(8, -4), fontsize=7, va="top")
    for k, g in enumerate(ranked):
        i = g[0]
        text = pts[i]["name"] + (f" (+{len(g) - 1} alike)" if len(g) > 1 else "")
        if few:
            ax.annotate(text, (ois[i], perf[i]), textcoords="offset points", xytext=(9, -4), fontsize=7,
                        va="top")
        else:
            ax.annotate(text, (ois[i], perf[i]), textcoords="axes fraction", fontsize=7,
                        xytext=(0.74, 0.66 - 0.05 * k), ha="left", va="center",
                        arrowprops=dict(arrowstyle="-", color="#888888", linewidth=0.5, shrinkB=3))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ymin = min([min(perf) / 3] if perf else [lo * bw / 3])
    ax.set_ylim(max(ymin, 1e-3), peak * 2.5)
    ax.set_xlabel("operational intensity (MACs per DRAM byte)")
    ax.set_ylabel("achieved MACs per cycle")
    missing = []
    if no_macs:
        ops = ", ".join(sorted({l["op"] for l in no_macs}))
        missing.append(f"{plural(len(no_macs), 'layer')} without MACs ({ops})")
    if no_bytes:
        missing.append(f"{plural(len(no_bytes), 'layer')} without DRAM traffic")
    note = "\n" + " and ".join(missing) + " not shown" if missing else ""
    ax.set_title(f"Roofline per layer: marker area ~ MACs, ridge at {ridge:g} MACs/byte{note}\n"
                 + subtitle(r), fontsize=9)
    ax.grid(which="both", alpha=0.25)
    leg = ax.legend(loc="lower right", fontsize=8, title="op", title_fontsize=8)
    # legend_handles from matplotlib 3.7 (legendHandles is deprecated there).
    for h in getattr(leg, "legend_handles", None) or leg.legendHandles:
        if hasattr(h, "set_sizes"):
            h.set_sizes([30])  # one marker size in the legend, whatever the first layer's MACs
    # The bandwidth roof's label follows its slope on screen (once the layout is final).
    fig.canvas.draw()
    xt = lo * 2
    p0 = ax.transData.transform((xt, xt * bw))
    p1 = ax.transData.transform((xt * 2, xt * 2 * bw))
    angle = math.degrees(math.atan2(p1[1] - p0[1], p1[0] - p0[0]))
    ax.text(xt, xt * bw * 1.25, f"DRAM roof: {bw:g} B/cycle \u00d7 intensity", rotation=angle,
            rotation_mode="anchor", fontsize=8, color="#555555", ha="left", va="bottom")
    return fig


# ----------------------------------------------------------------------------
# Reading a sweep (scripts/README.md, "Database schema")

# Columns of `runs` the sweep plots read; a database without one is refused.
SWEEP_NEEDS = ["status", "workload", "dataflow", "control_scheme", "array", "ifmap_kb", "weight_kb",
               "ofmap_kb", "cycles", "npu_busy_cycles", "npu_idle_cycles", "cpu_busy_cycles",
               "npu_dram_bytes"]
# Configuration columns that can tell two runs of one workload apart, in the
# order a label names them.
SWEEP_CONFIG = ["dataflow", "array", "ifmap_kb", "weight_kb", "ofmap_kb", "control_scheme", "dram_bw",
                "dram_latency", "dram_atom", "dma_burst", "fold_overlap", "fold_continuation", "objective",
                "schedule", "mode", "seq_len", "seed", "freq_mhz", "irq_per_layer"]
BUFFERS = ["ifmap_kb", "weight_kb", "ofmap_kb"]
NUMERIC = {"ifmap_kb", "weight_kb", "ofmap_kb", "cycles", "npu_busy_cycles", "npu_idle_cycles",
           "cpu_busy_cycles", "npu_dram_bytes", "dram_bw", "dram_latency", "dram_atom", "dma_burst", "seq_len",
           "seed", "freq_mhz", "irq_per_layer", "fold_overlap"}


def read_sqlite(path):
    # Read-only URI: a mistyped path is an error, never a new empty database.
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as e:
        raise InputError(f"{path}: cannot open: {e}")
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "runs" not in tables:
            raise InputError(f"{path}: no table 'runs' (not a vp_sweep.py database)")
        cur = db.execute("SELECT * FROM runs")
        cols = [d[0] for d in cur.description]
        return cols, [dict(zip(cols, row)) for row in cur]
    except sqlite3.OperationalError as e:
        raise InputError(f"{path}: cannot read the database: {e}")
    except sqlite3.DatabaseError as e:
        raise InputError(f"{path}: not an SQLite database ({e})")
    finally:
        db.close()


def read_csv(path):
    """runs.csv of `vp_sweep.py --csv`: the same columns as the table."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames:
            raise InputError(f"{path}: empty CSV, not a vp_sweep.py runs.csv")
        rows = list(reader)
    for i, r in enumerate(rows):
        for k in NUMERIC & set(r):
            v = r[k]
            if v in ("", None):
                r[k] = None
                continue
            try:
                r[k] = float(v) if "." in v or "e" in v.lower() else int(v)
            except ValueError:
                raise InputError(f"{path}: row {i + 2} column '{k}' is '{v}', not a number")
    return list(reader.fieldnames), rows


def load_sweep(path, workloads=None):
    """The sweep's successful runs, checked: a list of dicts, one per run."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a sweep database")
    try:
        with open(path, "rb") as f:
            magic = f.read(16)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    if path.lower().endswith(".csv"):
        cols, rows = read_csv(path)
    elif magic != b"SQLite format 3\x00":
        raise InputError(f"{path}: not an SQLite database (a vp_sweep.py --db file, or its runs.csv)")
    else:
        cols, rows = read_sqlite(path)
    missing = [c for c in SWEEP_NEEDS if c not in cols]
    if missing:
        raise InputError(f"{path}: runs has no column '{missing[0]}' (not a vp_sweep.py database)")
    if workloads:
        have = {r["workload"] for r in rows}
        absent = [w for w in workloads if w not in have]
        if absent:
            raise InputError(f"{path}: no runs of workload '{absent[0]}' (has {', '.join(sorted(have))})")
        rows = [r for r in rows if r["workload"] in workloads]
    ok = [r for r in rows if r["status"] == "ok"]
    if not ok:
        raise InputError(f"{path}: no successful runs ({len(rows)} runs, statuses: "
                         f"{', '.join(sorted({str(r['status']) for r in rows})) or 'none'})")
    for r in ok:
        for c in ("cycles", "npu_busy_cycles", "npu_dram_bytes"):
            if not isinstance(r[c], (int, float)):
                raise InputError(f"{path}: run {r.get('id', '?')} ({r['workload']}) has status ok "
                                 f"but {c} is {r[c]!r}")
    varying = [c for c in SWEEP_CONFIG if c in cols and len({r[c] for r in ok}) > 1]
    return {"path": path, "runs": ok, "failed": len(rows) - len(ok), "varying": varying,
            "workloads": sorted({r["workload"] for r in ok})}


def kib(v):
    return f"{v:g}K" if isinstance(v, (int, float)) else str(v)


def config_label(run, cols):
    """A short name of a run by the options in cols: 'ws 16x16 32K irq'."""
    parts = []
    buf = [c for c in BUFFERS if c in cols]
    for c in cols:
        if c in BUFFERS:
            if c != buf[0]:
                continue
            vals = [run[b] for b in BUFFERS]
            parts.append(kib(vals[0]) if len(set(vals)) == 1 else "/".join(kib(v) for v in vals))
        elif c == "dram_bw":
            parts.append(f"{run[c]:g}B/c")
        elif c in ("dram_latency", "dram_atom", "dma_burst", "seq_len", "seed", "freq_mhz"):
            parts.append(f"{c}={run[c]}")
        elif c == "irq_per_layer":
            parts.append("irq/layer" if run[c] else "irq/list")
        elif c == "fold_overlap":
            parts.append("fold overlap" if run[c] else "no fold overlap")
        elif c == "fold_continuation":
            parts.append(f"continuation={run[c]}")
        else:
            parts.append(str(run[c]))
    return " ".join(parts)


def config_names(cols):
    """What config_label's parts are, in the same order: 'dataflow array KiB'."""
    names = {"ifmap_kb": "scratchpad KiB", "weight_kb": "scratchpad KiB", "ofmap_kb": "scratchpad KiB",
             "control_scheme": "control", "dram_bw": "DRAM B/cycle", "irq_per_layer": "irq per layer or list"}
    out = []
    for c in cols:
        n = names.get(c, c)
        if n not in out:
            out.append(n)
    return " ".join(out)


def workload_label(wl, width=14):
    """A zoo spec's parameters on their own lines: 'lstm\nhidden=128,input=64'."""
    name, _, params = str(wl).partition(":")
    if not params:
        return name
    lines, line = [], ""
    for p in params.split(","):
        if line and len(line) + len(p) > width:
            lines.append(line)
            line = ""
        line += ("," if line else "") + p
    return "\n".join([name] + lines + [line])


def failed_note(s):
    return f" ({s['failed']} failed, not drawn)" if s["failed"] else ""


def natural_key(value):
    """Sort key putting 8x8 before 16x16 and 4B/c before 16B/c."""
    parts = re.split(r"(\d+(?:\.\d+)?)", str(value))
    return [(0, float(p), "") if re.fullmatch(r"\d+(?:\.\d+)?", p) else (1, 0.0, p) for p in parts]


def no_data(ax, text):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=11, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def cycles_label(which):
    return "run cycles (reset to firmware exit)" if which == "cycles" else "NPU busy cycles (kernels)"


# ----------------------------------------------------------------------------
# Sweep plots


def buffer_axis(runs):
    """What the buffer plot's x axis is, from which scratchpads the runs vary."""
    varied = [b for b in BUFFERS if len({r[b] for r in runs}) > 1]
    if len(varied) == 1:
        b = varied[0]
        return (lambda r: r[b]), f"{b[:-3]} scratchpad (KiB)"
    if all(len({r[b] for b in BUFFERS}) == 1 for r in runs):
        return (lambda r: r["ifmap_kb"]), "each scratchpad: ifmap = weight = ofmap (KiB)"
    return (lambda r: r["ifmap_kb"] + r["weight_kb"] + r["ofmap_kb"]), \
        "scratchpads in total: ifmap + weight + ofmap (KiB)"


def spread_scale(ax, axis, values):
    """Log scale when the values span more than a decade, else linear."""
    pos = [v for v in values if v and v > 0]
    target = ax.xaxis if axis == "x" else ax.yaxis
    if pos and max(pos) / min(pos) > 10:
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
        # 1-2-5 labels: a decade or two of data still gets several numbers.
        target.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    fmt = FuncFormatter(si_tick)
    target.set_major_formatter(fmt)
    target.set_minor_formatter(FuncFormatter(lambda v, p: ""))


def plot_buffer(s, which):
    fig, (axc, axd) = plt.subplots(1, 2, figsize=FIGSIZE["buffer"], layout="constrained")
    # A line is the runs that differ only in their scratchpads; points of a
    # sub-grid that kept the scratchpads fixed make no line and are left out.
    fixed = [c for c in SWEEP_CONFIG if c not in BUFFERS and c in s["runs"][0]]
    groups = {}
    for r in s["runs"]:
        groups.setdefault((r["workload"],) + tuple(r[c] for c in fixed), []).append(r)
    groups = {k: g for k, g in groups.items() if len({tuple(r[b] for b in BUFFERS) for r in g}) > 1}
    fig.suptitle(f"Cycles and DRAM bytes against scratchpad size per dataflow: "
                 f"{sum(len(g) for g in groups.values())} of {len(s['runs'])} runs of "
                 f"{os.path.basename(s['path'])}{failed_note(s)}", fontsize=10)
    if not groups:
        for ax in (axc, axd):
            no_data(ax, "the sweep varied no scratchpad size\nwith the other options fixed")
        return fig
    runs = [r for g in groups.values() for r in g]
    xof, xlabel = buffer_axis(runs)
    workloads = sorted({r["workload"] for r in runs})
    others = [c for c in fixed if c != "dataflow" and len({r[c] for r in runs}) > 1]
    other_keys = sorted({tuple(g[0][c] for c in others) for g in groups.values()}, key=natural_key)
    dataflows = sorted({r["dataflow"] for r in runs})
    styles = ["-", "--", ":", "-."]
    markers = ["o", "s", "^", "D", "v", "P", "X"]
    # One dataflow: colour says the first other option, line and marker the rest.
    hues = sorted({g[0][others[0]] for g in groups.values()}, key=natural_key) if others else []
    rests = sorted({tuple(g[0][c] for c in others[1:]) for g in groups.values()}, key=natural_key)
    palette = plt.get_cmap("tab10")
    for key, rs in sorted(groups.items(), key=lambda kv: natural_key(kv[0])):
        rs = sorted(rs, key=xof)
        wl, df = rs[0]["workload"], rs[0]["dataflow"]
        k = other_keys.index(tuple(rs[0][c] for c in others))
        label = df + (" " + config_label(rs[0], others) if others else "") + \
            (f" ({wl})" if len(workloads) > 1 else "")
        # Colour says the dataflow when there are several, else the other options.
        if len(dataflows) > 1:
            kw = dict(color=DATAFLOW_COLORS.get(df), linestyle=styles[k % 4], marker=markers[(k // 4) % 7])
        elif others:
            k2 = rests.index(tuple(rs[0][c] for c in others[1:]))
            kw = dict(color=palette(hues.index(rs[0][others[0]]) % 10), linestyle=styles[k2 % 4],
                      marker=markers[k2 % 7])
        else:
            kw = dict(color=DATAFLOW_COLORS.get(df), marker="o")
        if len(workloads) > 1:
            kw["marker"] = markers[workloads.index(wl) % len(markers)]
        kw["label"] = label
        axc.plot([xof(r) for r in rs], [r[which] for r in rs], **kw)
        axd.plot([xof(r) for r in rs], [r["npu_dram_bytes"] for r in rs], **kw)
    xs = sorted({xof(r) for r in runs})
    for ax, ylabel, key in ((axc, cycles_label(which), which),
                            (axd, "NPU DRAM bytes (read + written)", "npu_dram_bytes")):
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _p: ""))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        spread_scale(ax, "y", [r[key] for r in runs])
        ax.grid(which="major", alpha=0.3)
    axc.set_title(f"{', '.join(workloads)}: cycles", fontsize=10)
    axd.set_title(f"{', '.join(workloads)}: DRAM traffic", fontsize=10)
    legend_outside(axd, title="dataflow" + (" " + config_names(others) if others else ""), title_fontsize=8)
    return fig


def pareto_front(points):
    """Indices of the points no other point beats on both coordinates (both minimised)."""
    order = sorted(range(len(points)), key=lambda i: points[i])
    front, best = [], math.inf
    for i in order:
        if points[i][1] < best:
            front.append(i)
            best = points[i][1]
    return front


def plot_pareto(s, which):
    wls = s["workloads"]
    n = len(wls)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=FIGSIZE["pareto"], layout="constrained", squeeze=False)
    for k, wl in enumerate(wls):
        ax = axes[k // ncols][k % ncols]
        rs = [r for r in s["runs"] if r["workload"] == wl]
        pts = [(r["npu_dram_bytes"], r[which]) for r in rs]
        front = pareto_front(pts)
        label_cols = [c for c in s["varying"] if len({r[c] for r in rs}) > 1]
        # Colour by the first option the runs vary (the dataflow if it varies).
        hue = label_cols[0] if label_cols else "dataflow"
        values = sorted({r[hue] for r in rs}, key=natural_key)
        cmap = plt.get_cmap("tab10")

        def colour(v):
            if hue == "dataflow" and v in DATAFLOW_COLORS:
                return DATAFLOW_COLORS[v]
            return cmap(values.index(v) % 10)

        hue_name = config_names([hue])
        for v in values:
            sel = [i for i, r in enumerate(rs) if r[hue] == v and i not in front]
            if sel:
                ax.scatter([pts[i][0] for i in sel], [pts[i][1] for i in sel], s=22, alpha=0.6,
                           color=colour(v), label=f"{hue_name} {config_label(rs[sel[0]], [hue])}")
        ax.step([pts[i][0] for i in front], [pts[i][1] for i in front], where="post", color="black",
                linewidth=1.2, zorder=2)
        ax.scatter([pts[i][0] for i in front], [pts[i][1] for i in front], s=80, marker="*",
                   color=[colour(rs[i][hue]) for i in front], edgecolors="black", linewidths=0.8, zorder=3)
        ax.scatter([], [], s=80, marker="*", color="white", edgecolors="black", linewidths=0.8,
                   label="Pareto front (labelled)")
        for j, i in enumerate(front):
            ax.annotate(config_label(rs[i], label_cols), pts[i], textcoords="offset points",
                        xytext=(6, (8, -12, 20)[j % 3]), fontsize=7,
                        arrowprops=dict(arrowstyle="-", color="#999999", linewidth=0.5, shrinkB=2))
        spread_scale(ax, "x", [p[0] for p in pts])
        spread_scale(ax, "y", [p[1] for p in pts])
        ax.set_xlabel("NPU DRAM bytes (read + written)")
        ax.set_ylabel(cycles_label(which))
        labels = textwrap.fill("labels: " + (config_names(label_cols) or "one configuration"),
                               width=max(30, 90 // ncols))
        ax.set_title(f"{workload_label(wl, 40 // ncols)}\n{len(front)} of {len(rs)} runs on the front\n{labels}",
                     fontsize=9)
        ax.grid(which="both", alpha=0.25)
        ax.legend(fontsize=7, loc="best")
    for k in range(n, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    fig.suptitle(f"Pareto front of cycles against DRAM bytes: {len(s['runs'])} runs of "
                 f"{os.path.basename(s['path'])}{failed_note(s)}", fontsize=10)
    return fig


def plot_control(s, which):
    fig, axes = plt.subplots(1, 3, figsize=FIGSIZE["control"], layout="constrained")
    # Runs that differ only in their control scheme are compared side by side.
    fixed = [c for c in s["varying"] if c not in ("control_scheme", "irq_per_layer")]
    groups = {}
    for r in s["runs"]:
        groups.setdefault((r["workload"],) + tuple(r[c] for c in fixed), {})[r["control_scheme"]] = r
    names = CONTROL_MODES
    groups = {k: g for k, g in sorted(groups.items(), key=lambda kv: str(kv[0])) if len(g) > 1}
    compared = [r for g in groups.values() for r in g.values()]
    others = [c for c in fixed if len({r[c] for r in compared}) > 1]
    fig.suptitle("Control schemes compared per workload: irq vs call+irq vs call+poll (same NPU work)",
                 fontsize=10)
    if not groups:
        for ax in axes:
            no_data(ax, "the sweep ran one control scheme\nper configuration: nothing to compare")
        return fig
    keys = list(groups)

    # The first scheme a group ran (irq unless irq refused the network, as it
    # refuses run-time loops) is the one the others are measured against.
    def base(g):
        return next(m for m in names if m in g)

    xlabels = []
    for k in keys:
        g = groups[k]
        text = workload_label(k[0])
        if others:
            text += "\n" + config_label(next(iter(g.values())), others)
        if base(g) != "irq":
            text += f"\n(vs {base(g)})"
        xlabels.append(text)
    width = 0.8 / len(names)
    panels = [
        (axes[0], lambda r, g: 100 * (r["cycles"] / g[base(g)]["cycles"] - 1),
         "run cycles above irq's (%)\n(call+irq's where irq cannot run)"),
        (axes[1], lambda r, g: r["npu_idle_cycles"], "NPU idle cycles between kernels"),
        (axes[2], lambda r, g: r["cpu_busy_cycles"], "CPU busy cycles (not asleep in WFI)"),
    ]
    for n, (ax, value, ylabel) in enumerate(panels):
        vals = []
        for j, m in enumerate(names):
            xs, ys = [], []
            for i, k in enumerate(keys):
                g = groups[k]
                if m in g:
                    v = value(g[m], g)
                    xs.append(i + (j - (len(names) - 1) / 2) * width)
                    ys.append(v)
            ax.bar(xs, ys, width=width, color=CONTROL_COLORS[m], label=m)
            vals += ys
        ax.set_xticks(range(len(keys)))
        ax.set_xticklabels(xlabels, fontsize=7, rotation=30 if len(keys) > 4 else 0, ha="right"
                           if len(keys) > 4 else "center")
        ax.set_ylabel(ylabel)
        if n == 0:
            ax.yaxis.set_major_formatter(FuncFormatter(si_tick))
        else:
            # Workloads differ by decades (an LSTM's call loop against a CNN's list).
            spread_scale(ax, "y", vals)
        ax.set_title(ylabel, fontsize=9)
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0].legend(fontsize=8, title="control", title_fontsize=8, loc="upper left")
    return fig


SWEEP_DRAW = {"buffer": plot_buffer, "pareto": plot_pareto, "control": plot_control}


REPORT_DRAW = {"cycles": plot_cycles, "utilization": plot_utilization, "dram": plot_dram,
               "roofline": plot_roofline}


# ----------------------------------------------------------------------------
# Output


def outputs(args, names):
    """(plot, path) pairs to write, from --out, --plot and --format."""
    plots = args.plot or names
    ext = os.path.splitext(args.out)[1].lower().lstrip(".")
    if ext in FORMATS:
        if len(plots) != 1:
            raise InputError(f"--out {args.out}: one file holds one plot; choose it with --plot "
                             f"({', '.join(names)}) or give a directory")
        if args.format and args.format != [ext]:
            raise InputError(f"--out {args.out}: its extension says {ext}, --format says {','.join(args.format)}")
        return [(plots[0], args.out)]
    if ext in ("jpg", "jpeg", "pdf", "gif", "eps", "ps", "tif", "tiff", "webp"):
        raise InputError(f"--out {args.out}: .{ext} is not a supported format (png or svg)")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise InputError(f"--out {args.out}: exists and is not a directory")
    fmts = args.format or ["png"]
    return [(p, os.path.join(args.out, f"{p}.{f}")) for p in plots for f in fmts]


def save_all(args, names, draw):
    todo = outputs(args, names)
    load_matplotlib()
    for plot, path in todo:
        d = os.path.dirname(path)
        if d:
            try:
                os.makedirs(d, exist_ok=True)
            except OSError as e:
                raise InputError(f"--out {d}: cannot create the directory: {e.strerror}")
        fig = draw(plot)
        try:
            fig.savefig(path, dpi=args.dpi, format=os.path.splitext(path)[1][1:])
        except OSError as e:
            raise InputError(f"{path}: cannot write: {e.strerror}")
        finally:
            plt.close(fig)
        print(path)


def parse_formats(text):
    fmts = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if not fmts or bad:
        raise argparse.ArgumentTypeError(f"'{text}': formats are png and svg (comma-separated)")
    return fmts


def positive_int(text):
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v <= 0 or v > 1000:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number from 1 to 1000")
    return v


def build_parser():
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.split("\n")[1:]))
    sub = p.add_subparsers(dest="cmd", metavar="{report,sweep}")
    sub.required = True
    for cmd, src, names, hlp in (
            ("report", "REPORT", REPORT_PLOTS, "plots of one vp_run --report JSON"),
            ("sweep", "SWEEP", SWEEP_PLOTS, "plots of a vp_sweep.py SQLite database")):
        s = sub.add_parser(cmd, help=hlp)
        s.add_argument("input", metavar=src + (".json" if cmd == "report" else ".sqlite"))
        s.add_argument("--out", required=True, help="directory, or one FILE.png / FILE.svg with --plot")
        s.add_argument("--plot", action="append", choices=names,
                       help="only this plot (repeatable); default: all of " + ", ".join(names))
        s.add_argument("--format", type=parse_formats, help="png, svg or png,svg (default png) for --out DIR")
        s.add_argument("--dpi", type=positive_int, default=DEFAULT_DPI, help="PNG pixels per inch (default 100)")
        if cmd == "report":
            s.add_argument("--control", help="which report of a --compare-control JSON: irq, call_irq, call_poll")
        else:
            s.add_argument("--workload", action="append",
                           help="only runs of this workload (repeatable); default: all")
            s.add_argument("--cycles", choices=["cycles", "npu_busy_cycles"], default="cycles",
                           help="which cycles the buffer and Pareto plots use: the whole run "
                                "(default) or the NPU's kernels")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        if args.cmd == "report":
            r = parse_report(args.input, args.control)
            save_all(args, REPORT_PLOTS, lambda plot: REPORT_DRAW[plot](r))
        else:
            s = load_sweep(args.input, args.workload)
            save_all(args, SWEEP_PLOTS, lambda plot: SWEEP_DRAW[plot](s, args.cycles))
    except InputError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
