#!/usr/bin/python3
"""compare_scalesim.py: our per-layer cycles beside SCALE-Sim v2's, with the
documented difference that explains each gap (docs/validation.md).

    compare_scalesim.py REPORT.json COMPUTE_REPORT.csv [--topology TOPOLOGY.csv]

REPORT.json is a `vp_run --report` of the network; COMPUTE_REPORT.csv is what
SCALE-Sim v2 wrote for the same layers (header `LayerID, Total Cycles, Stall
Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,`; newer
versions add `Total Cycles (incl. prefetch)`: columns are read by name).
SCALE-Sim only models conv and GEMM layers, so its rows are matched with our
MAC layers (those with MACs): by name when --topology names SCALE-Sim's rows
(the topology file it ran; its first field is the layer name; a depthwise
'DP' row, which SCALE-Sim runs as one layer per channel, takes that many
rows, summed), else by order.

Per layer it prints our compute cycles (the tiled kernel as it ran), the
formula cycles (the untiled layer's systolic cycles, the model SCALE-Sim
implements), our cycles with DRAM, SCALE-Sim's total and stall cycles, the
ratios, and the explanations; then a summary line. Bad or mismatched files:
one line on stderr, exit status 2. Standard library only.
"""
import argparse
import csv
import json
import sys


class InputError(Exception):
    """One line naming the file and what is wrong with it."""


# The explanations, one place (docs/validation.md, "Comparing with SCALE-Sim").
LAST_CYCLE = "SCALE-Sim prints last-cycle index: -1"
FOLD_RESTARTS = "fold restarts"
TILING = "tiling forced by scratchpad"
FOLD_OVERLAP = "fold overlap (--fold-overlap)"
OUR_STALLS = "DRAM stalls"
SCALESIM_STALLS = "psum write-back to DRAM in SCALE-Sim"
UNEXPLAINED = "unexplained"


def read_report(path):
    try:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not JSON ({e})")
    if not isinstance(report, dict) or "compare_control" in report:
        raise InputError(f"{path}: not a single vp_run --report (no 'layers')")
    if not isinstance(report.get("layers"), list) or not isinstance(report.get("config"), dict):
        raise InputError(f"{path}: not a vp_run --report (no 'layers' or 'config')")
    config = report["config"]
    array = config.get("array")
    if (not isinstance(array, list) or len(array) != 2
            or not all(isinstance(v, int) and v > 0 for v in array)):
        raise InputError(f"{path}: config.array is not [rows, cols]")
    if config.get("dataflow") not in ("os", "ws", "is"):
        raise InputError(f"{path}: config.dataflow is not os, ws or is")
    layers = []
    for i, layer in enumerate(report["layers"]):
        if not isinstance(layer, dict):
            raise InputError(f"{path}: layers[{i}] is not an object")
        name = layer.get("name", f"layers[{i}]")
        for key in ("name", "macs", "cycles", "compute_cycles", "stall_cycles"):
            if key not in layer:
                raise InputError(f"{path}: layer '{name}' has no '{key}'")
        if not isinstance(layer["macs"], int) or layer["macs"] < 0:
            raise InputError(f"{path}: layer '{name}': macs is not a count")
        if layer["macs"] == 0:
            continue  # pools, eltwise: SCALE-Sim has no such layers
        if "formula_cycles" not in layer:
            raise InputError(f"{path}: layer '{name}' has no 'formula_cycles' "
                             "(a report of an older vp_run)")
        if layer["formula_cycles"] is None:
            raise InputError(f"{path}: layer '{name}': formula_cycles is null "
                             "(no descriptors: not a network run)")
        for key in ("cycles", "compute_cycles", "formula_cycles", "stall_cycles"):
            if not isinstance(layer[key], int) or layer[key] < 0:
                raise InputError(f"{path}: layer '{name}': {key} is not a cycle count")
        layers.append(layer)
    if not layers:
        raise InputError(f"{path}: no layer with MACs")
    return config, layers


def number(path, line, column, text):
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{path}:{line}: '{column}' is not a number: '{text}'")
    if value != value or value < 0:
        raise InputError(f"{path}:{line}: '{column}' is not a non-negative number: '{text}'")
    return value


def fields(row):
    # SCALE-Sim ends every line with a comma: drop the empty last field.
    row = [f.strip() for f in row]
    if row and row[-1] == "":
        row = row[:-1]
    return row


def read_compute_report(path):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    except (UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: not a CSV file ({e})")
    numbered = [(n, fields(r)) for n, r in enumerate(rows, 1) if fields(r)]
    if not numbered:
        raise InputError(f"{path}: empty (expected SCALE-Sim's COMPUTE_REPORT.csv)")
    header_line, header = numbered[0]
    for need in ("LayerID", "Total Cycles", "Stall Cycles"):
        if need not in header:
            raise InputError(f"{path}:{header_line}: no '{need}' column (expected SCALE-Sim's "
                             "COMPUTE_REPORT.csv header 'LayerID, Total Cycles, Stall Cycles, ...')")
    col = {name: i for i, name in enumerate(header)}
    out = []
    for line, row in numbered[1:]:
        if len(row) != len(header):
            raise InputError(f"{path}:{line}: {len(row)} fields, the header has {len(header)}")
        layer_id = row[col["LayerID"]]
        if not layer_id.isdigit():
            raise InputError(f"{path}:{line}: 'LayerID' is not a layer index: '{layer_id}'")
        total = number(path, line, "Total Cycles", row[col["Total Cycles"]])
        stall = number(path, line, "Stall Cycles", row[col["Stall Cycles"]])
        if total != int(total) or stall != int(stall):
            raise InputError(f"{path}:{line}: cycles are not whole numbers")
        if stall > total:
            raise InputError(f"{path}:{line}: 'Stall Cycles' {int(stall)} exceed "
                             f"'Total Cycles' {int(total)}")
        if int(layer_id) != len(out):
            raise InputError(f"{path}:{line}: LayerID {layer_id}, expected {len(out)} "
                             "(rows in layer order)")
        out.append({"id": int(layer_id), "total": int(total), "stall": int(stall)})
    if not out:
        raise InputError(f"{path}: no layer rows after the header")
    return out


def read_topology(path):
    """[(layer name, SCALE-Sim rows it becomes)]: SCALE-Sim v2 runs a conv-format
    row whose name contains 'DP' (depthwise) as one layer per channel
    (topology_utils.py), so its COMPUTE_REPORT.csv has Channels rows for it."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = [(n, fields(r)) for n, r in enumerate(csv.reader(f), 1)]
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    except (UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: not a CSV file ({e})")
    rows = [(n, r) for n, r in rows if r]
    if len(rows) < 2:
        raise InputError(f"{path}: no layer rows (expected a SCALE-Sim topology)")
    header = rows[0][1]
    conv_format = len(header) > 1 and "ifmap" in header[1].lower()
    out = []
    for line, r in rows[1:]:
        name = r[0]
        if not name:
            raise InputError(f"{path}:{line}: a row without a layer name")
        count = 1
        if conv_format and "DP" in name:
            if len(r) < 6 or not r[5].isdigit() or int(r[5]) < 1:
                raise InputError(f"{path}:{line}: depthwise row '{name}': 'Channels' is not a "
                                 "count")
            count = int(r[5])
        out.append((name, count))
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise InputError(f"{path}: duplicate layer names")
    return out


def merged(rows):
    """One comparison row from the SCALE-Sim rows of one of our layers."""
    ids = f"{rows[0]['id']}" if len(rows) == 1 else f"{rows[0]['id']}-{rows[-1]['id']}"
    return {"id": ids, "count": len(rows), "total": sum(r["total"] for r in rows),
            "stall": sum(r["stall"] for r in rows)}


def match(report_path, layers, csv_path, ss_rows, topo_path, topology):
    """[(our layer, SCALE-Sim row)] and how they were matched."""
    if topology is not None:
        expected = sum(count for _, count in topology)
        if expected != len(ss_rows):
            raise InputError(f"{topo_path}: {len(topology)} layers make {expected} SCALE-Sim "
                             f"rows, {csv_path} has {len(ss_rows)}")
        ours = {l["name"]: l for l in layers}
        pairs, at = [], 0
        for name, count in topology:
            if name not in ours:
                raise InputError(f"{report_path}: no MAC layer '{name}' (SCALE-Sim LayerID "
                                 f"{ss_rows[at]['id']} in {topo_path})")
            pairs.append((ours[name], merged(ss_rows[at:at + count])))
            at += count
        return pairs, "by name"
    if len(layers) != len(ss_rows):
        raise InputError(f"{csv_path}: {len(ss_rows)} layers, {report_path} has {len(layers)} "
                         "MAC layers (give --topology to match by name)")
    return [(l, merged([r])) for l, r in zip(layers, ss_rows)], "by order"


def fold_overhead(config):
    """Cycles a fold costs beyond its streamed length T (npu/systolic.h)."""
    rows, cols = config["array"]
    return rows + cols - 2 if config["dataflow"] == "os" else 2 * rows + cols - 2


def explain(layer, row, overhead, fold_overlap):
    """The documented differences behind the gaps, in the order they add up:
    SCALE-Sim's compute cycles -> formula -> our compute -> our total."""
    why = []
    ss_compute = row["total"] - row["stall"]
    formula, compute = layer["formula_cycles"], layer["compute_cycles"]
    if formula == ss_compute + row["count"]:
        why.append(LAST_CYCLE if row["count"] == 1 else
                   f"SCALE-Sim prints last-cycle index: -1 x {row['count']} depthwise channel "
                   "layers")
    elif formula != ss_compute:
        why.append(f"{UNEXPLAINED}: formula - SCALE-Sim compute = {formula - ss_compute} "
                   "(same array, dataflow and layer?)")
    gap = compute - formula
    if gap > 0 and gap % overhead == 0:
        why.append(f"{FOLD_RESTARTS}: +{gap // overhead} x {overhead}")
    elif gap > 0:
        why.append(f"{TILING}: +{gap}")
    elif gap < 0 and fold_overlap:
        why.append(f"{FOLD_OVERLAP}: {gap}")
    elif gap < 0:
        why.append(f"{UNEXPLAINED}: compute below formula by {-gap}")
    if layer["stall_cycles"] > 0:
        why.append(f"{OUR_STALLS}: +{layer['stall_cycles']}")
    if row["stall"] > 0:
        why.append(f"{SCALESIM_STALLS}: +{row['stall']} SCALE-Sim stall cycles")
    return why


def ratio(a, b):
    return f"{a / b:.3f}" if b else "-"


def main(argv):
    ap = argparse.ArgumentParser(
        prog="compare_scalesim.py",
        description="Per-layer cycles of a vp_run report beside SCALE-Sim v2's COMPUTE_REPORT.csv.")
    ap.add_argument("report", metavar="REPORT.json", help="vp_run --report of the network")
    ap.add_argument("compute_report", metavar="COMPUTE_REPORT.csv",
                    help="SCALE-Sim v2's COMPUTE_REPORT.csv for the same layers")
    ap.add_argument("--topology", metavar="TOPOLOGY.csv",
                    help="the SCALE-Sim topology that produced it: match layers by name")
    args = ap.parse_args(argv)
    try:
        config, layers = read_report(args.report)
        ss_rows = read_compute_report(args.compute_report)
        topology = read_topology(args.topology) if args.topology else None
        pairs, how = match(args.report, layers, args.compute_report, ss_rows, args.topology,
                           topology)
    except InputError as e:
        print(f"compare_scalesim.py: {e}", file=sys.stderr)
        return 2

    overhead = fold_overhead(config)
    rows, cols = config["array"]
    print(f"SCALE-Sim comparison: {args.report} ({config['dataflow']}, {rows}x{cols}) against "
          f"{args.compute_report}, {len(pairs)} layers matched {how}")
    print("SCALE-Sim compute = Total Cycles - Stall Cycles; ratios: ours / SCALE-Sim")
    width = max([len("layer")] + [len(l["name"]) for l, _ in pairs]) + 2
    head = (f"{'layer':<{width}}{'ss_id':>6}{'compute':>12}{'formula':>12}{'total':>12}"
            f"{'ss_total':>12}{'ss_stall':>10}{'formula/ss':>11}{'compute/ss':>11}"
            f"{'total/ss':>10}  explanation")
    print(head)
    sums = {"compute": 0, "formula": 0, "total": 0, "ss_total": 0, "ss_compute": 0}
    last_cycle = exact = 0
    for layer, row in pairs:
        ss_compute = row["total"] - row["stall"]
        why = explain(layer, row, overhead, bool(config.get("fold_overlap")))
        last_cycle += layer["formula_cycles"] == ss_compute + row["count"]
        exact += layer["formula_cycles"] == ss_compute
        sums["compute"] += layer["compute_cycles"]
        sums["formula"] += layer["formula_cycles"]
        sums["total"] += layer["cycles"]
        sums["ss_total"] += row["total"]
        sums["ss_compute"] += ss_compute
        print(f"{layer['name']:<{width}}{row['id']:>6}{layer['compute_cycles']:>12}"
              f"{layer['formula_cycles']:>12}{layer['cycles']:>12}{row['total']:>12}"
              f"{row['stall']:>10}{ratio(layer['formula_cycles'], ss_compute):>11}"
              f"{ratio(layer['compute_cycles'], ss_compute):>11}"
              f"{ratio(layer['cycles'], row['total']):>10}  {'; '.join(why) or 'equal'}")
    print(f"{'total':<{width}}{'':>6}{sums['compute']:>12}{sums['formula']:>12}{sums['total']:>12}"
          f"{sums['ss_total']:>12}{sums['ss_total'] - sums['ss_compute']:>10}"
          f"{ratio(sums['formula'], sums['ss_compute']):>11}"
          f"{ratio(sums['compute'], sums['ss_compute']):>11}"
          f"{ratio(sums['total'], sums['ss_total']):>10}")
    print(f"summary: {len(pairs)} layers; formula = SCALE-Sim compute + 1 per SCALE-Sim layer "
          f"on {last_cycle}, "
          f"equal on {exact}, other on {len(pairs) - last_cycle - exact}; compute/SCALE-Sim "
          f"{ratio(sums['compute'], sums['ss_compute'])}, total/SCALE-Sim "
          f"{ratio(sums['total'], sums['ss_total'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
