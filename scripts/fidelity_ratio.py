#!/usr/bin/python3
"""Tiled compute cycles against the untiled layer formula, per network run.

Runs vp_run in timing mode with --report for every combination of network,
array and dataflow (default: resnet50 and alexnet, 32x32 and 16x16, os, ws
and is, the default 64 KiB scratchpads) and prints per run:
  - compute: the network's compute cycles (the MAC array and the vector unit
    busy, summed over the layers' kernels as the NPU timed them: tiled, with
    fold continuation, npu/model/README.md "Compute time");
  - formula: the untiled layer formula summed over the layers (the report's
    per-layer formula_cycles: one GEMM per group on the whole layer, from
    npu/systolic.h; docs/report.md);
  - ratio = compute / formula, for all layers and for the MAC layers alone.

Usage: scripts/fidelity_ratio.py [--vp-run PATH] [--networks resnet50,alexnet]
       [--arrays 32x32,16x16] [--dataflows os,ws,is] [--limit 1.05] [-- VP_RUN_OPTIONS...]
Exit status 1 when a ratio (all layers) exceeds --limit, 2 on a failed run.
"""
import argparse
import os
import sys

from validation_tables import Failure, run_vp


def find_vp_run(root):
    for build in ("build/release", "build"):
        p = os.path.join(root, build, "platform", "vp_run")
        if os.path.exists(p):
            return p
    return None


def sums(report, label, mac_only):
    """(compute, formula) summed over the report's layers (MAC layers only if mac_only)."""
    layers = report.get("layers")
    if not isinstance(layers, list):
        raise ValueError("report of %s: no 'layers' list" % label)
    compute = formula = 0
    for layer in layers:
        if layer.get("formula_cycles") is None:
            raise ValueError("report of %s: layer '%s' has no formula_cycles" % (
                label, layer.get("name", "?")))
        if mac_only and not layer.get("macs"):
            continue
        compute += int(layer["compute_cycles"])
        formula += int(layer["formula_cycles"])
    return compute, formula


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vp-run", default=None, help="vp_run binary (default: build/release/platform/vp_run)")
    ap.add_argument("--networks", default="resnet50,alexnet")
    ap.add_argument("--arrays", default="32x32,16x16")
    ap.add_argument("--dataflows", default="os,ws,is")
    ap.add_argument("--limit", type=float, default=1.05, help="largest acceptable ratio")
    ap.add_argument("extra", nargs="*", help="more vp_run options (after --)")
    args = ap.parse_args(argv)
    vp_run = args.vp_run or find_vp_run(os.path.dirname(here))
    if not vp_run or not os.path.exists(vp_run):
        print("fidelity_ratio: vp_run not found; pass --vp-run PATH", file=sys.stderr)
        return 2
    print("%-10s %-6s %-3s %14s %14s %7s %14s %14s %7s" % (
        "network", "array", "df", "compute", "formula", "ratio", "mac_compute", "mac_formula",
        "ratio"))
    worst = 0.0
    for network in args.networks.split(","):
        for array in args.arrays.split(","):
            for df in args.dataflows.split(","):
                try:
                    _, rep = run_vp(vp_run, network, array, df, args.extra)
                    label = "%s %s %s" % (network, array, df)
                    c, f = sums(rep, label, False)
                    mc, mf = sums(rep, label, True)
                except (Failure, ValueError) as e:
                    print("fidelity_ratio: %s" % e, file=sys.stderr)
                    return 2
                ratio = c / f if f else float("nan")
                mratio = mc / mf if mf else float("nan")
                worst = max(worst, ratio)
                print("%-10s %-6s %-3s %14d %14d %7.4f %14d %14d %7.4f" % (
                    network, array, df, c, f, ratio, mc, mf, mratio))
    print("worst ratio %.4f (limit %.2f)" % (worst, args.limit))
    return 1 if worst > args.limit else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
