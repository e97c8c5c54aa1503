#!/usr/bin/python3
"""validation_tables.py: the per-layer tables of docs/validation.md, from our
own runs.

    validation_tables.py --vp-run BUILD/platform/vp_run [--workload resnet50]
        [--array 32x32] [--dataflows os,ws,is] [--doc docs/validation.md]
        [-- VP_RUN_OPTIONS...]

Runs `vp_run --workload W --array A --dataflow X --report FILE` (timing mode)
for each dataflow and writes, per run, a summary line and a markdown table:
layer, op, compute cycles (the tiled kernels as they ran), formula cycles
(the untiled layer's systolic cycles), their ratio, cycles with DRAM,
utilisation, DRAM bytes by tensor (read ifmap, weight, psum; written ofmap,
psum) and, when the report has them (`dram_bus_read_bytes`,
`dram_bus_write_bytes`: whole DRAM atoms), the bytes on the DRAM bus.

--workload and --array may be repeated (every combination runs).
scripts/fidelity_ratio.py prints only the network's compute cycles against
the formula, one line per run, and checks them against a limit.

With --doc, the generated text replaces what lies between the markers
`<!-- validation-tables:begin -->` and `<!-- validation-tables:end -->` in
that file; without it, it goes to stdout. Exit status 2 with one line for a
bad option, a failed run, a malformed report or a file without the markers.
Standard library only.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile

BEGIN = "<!-- validation-tables:begin -->"
END = "<!-- validation-tables:end -->"


class Failure(Exception):
    """One line saying what went wrong."""


def run_vp(vp_run, workload, array, dataflow, extra):
    fd, path = tempfile.mkstemp(prefix="validation_", suffix=".json")
    os.close(fd)
    cmd = [vp_run, "--workload", workload, "--array", array, "--dataflow", dataflow,
           "--mode", "timing", "--report", path, *extra]
    try:
        try:
            r = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as e:
            raise Failure(f"cannot run {vp_run}: {e.strerror}")
        if r.returncode != 0:
            last = (r.stderr.strip().splitlines() or ["no message"])[-1]
            raise Failure(f"{shlex.join(cmd)}: exit status {r.returncode}: {last}")
        try:
            with open(path, encoding="utf-8") as f:
                report = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise Failure(f"{shlex.join(cmd)}: no readable report ({e})")
    finally:
        os.unlink(path)
    return cmd, report


def need(layer, key):
    if key not in layer:
        raise Failure(f"report layer '{layer.get('name', '?')}' has no '{key}'")
    return layer[key]


def bus_bytes(layer):
    """(read, written) bytes on the DRAM bus, or None without the fields."""
    rd, wr = layer.get("dram_bus_read_bytes"), layer.get("dram_bus_write_bytes")
    if not isinstance(rd, dict) or not isinstance(wr, dict):
        return None
    return sum(rd.values()), sum(wr.values())


def ratio(a, b):
    return f"{a / b:.3f}" if a is not None and b else "-"


def table(cmd, report):
    layers = report.get("layers")
    if not isinstance(layers, list) or not layers:
        raise Failure(f"{shlex.join(cmd)}: the report has no layers")
    rows, cols = report["config"]["array"]
    pes = rows * cols
    with_bus = all(bus_bytes(l) is not None for l in layers)
    head = ["layer", "op", "compute", "formula", "compute/formula", "cycles with DRAM", "util",
            "rd ifmap", "rd weight", "rd psum", "wr ofmap", "wr psum"]
    if with_bus:
        head += ["bus rd", "bus wr"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    tot = {"compute": 0, "formula": 0, "cycles": 0, "macs": 0, "useful": 0, "bus": 0}
    for l in layers:
        compute, formula, cycles = (need(l, "compute_cycles"), need(l, "formula_cycles"),
                                    need(l, "cycles"))
        rd, wr = need(l, "dram_read_bytes"), need(l, "dram_write_bytes")
        cells = [l["name"], l["op"], str(compute), "-" if formula is None else str(formula),
                 ratio(compute, formula), str(cycles),
                 f"{l['macs'] / (cycles * pes):.3f}" if cycles else "-",
                 str(rd["ifmap"]), str(rd["weight"]), str(rd["psum"]), str(wr["ofmap"]),
                 str(wr["psum"])]
        if with_bus:
            brd, bwr = bus_bytes(l)
            cells += [str(brd), str(bwr)]
            tot["bus"] += brd + bwr
        out.append("| " + " | ".join(cells) + " |")
        tot["compute"] += compute
        tot["formula"] += formula or 0
        tot["cycles"] += cycles
        tot["macs"] += l["macs"]
        tot["useful"] += sum(rd.values()) + sum(wr.values())
    util = tot["macs"] / (tot["cycles"] * pes) if tot["cycles"] else 0.0
    summary = (f"{len(layers)} layers: compute {tot['compute']} cycles, formula "
               f"{tot['formula']} (compute/formula {ratio(tot['compute'], tot['formula'])}), "
               f"cycles with DRAM {tot['cycles']} (utilisation {util:.3f}), DRAM bytes "
               f"{tot['useful']}")
    if with_bus:
        summary += f", bytes on the DRAM bus {tot['bus']}"
    return summary + ".", out


def generate(args, extra):
    text = [
        f"Generated by `scripts/validation_tables.py` (workload {', '.join(args.workload)}; "
        f"array {', '.join(args.array)}; timing mode); do not edit by hand.", ""]
    for workload in args.workload:
        for array in args.array:
            for df in args.dataflows:
                cmd, report = run_vp(args.vp_run, workload, array, df, extra)
                summary, lines = table(cmd, report)
                at = cmd.index("--report")
                shown = ["vp_run"] + cmd[1:at + 1] + ["FILE"] + cmd[at + 2:]
                text += [f"### {workload}, {array}, {df}", "", f"`{shlex.join(shown)}`", "",
                         summary, ""] + lines + [""]
    return "\n".join(text)


def replace_between_markers(path, generated):
    try:
        with open(path, encoding="utf-8") as f:
            doc = f.read()
    except OSError as e:
        raise Failure(f"{path}: cannot read: {e.strerror}")
    if doc.count(BEGIN) != 1 or doc.count(END) != 1 or doc.index(BEGIN) > doc.index(END):
        raise Failure(f"{path}: needs one '{BEGIN}' line followed by one '{END}' line")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n" + generated + END + tail)


def main(argv):
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    ap = argparse.ArgumentParser(prog="validation_tables.py",
                                 description="Per-layer validation tables from vp_run reports.")
    ap.add_argument("--vp-run", required=True, help="the vp_run binary")
    ap.add_argument("--workload", action="append",
                    help="a zoo spec or file (repeat for several; default resnet50)")
    ap.add_argument("--array", action="append", help="RxC (repeat for several; default 32x32)")
    ap.add_argument("--dataflows", default="os,ws,is",
                    type=lambda s: [d.strip() for d in s.split(",")])
    ap.add_argument("--doc", help="markdown file whose marked section is replaced")
    args = ap.parse_args(argv)
    args.workload = args.workload or ["resnet50"]
    args.array = args.array or ["32x32"]
    try:
        bad = [d for d in args.dataflows if d not in ("os", "ws", "is")]
        if bad or not args.dataflows:
            raise Failure(f"--dataflows: '{','.join(bad)}' is not os, ws or is")
        generated = generate(args, extra)
        if args.doc:
            replace_between_markers(args.doc, generated)
        else:
            sys.stdout.write(generated)
    except Failure as e:
        print(f"validation_tables.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
