#!/usr/bin/python3
"""vp_sweep.py: design-space sweeps of vp_run on Dask (or Slurm) into SQLite.

A spec (YAML or TOML) names workloads and a grid of vp_run options; every
point of the grid runs as one `vp_run --report` process, on a Dask
LocalCluster (default), an existing Dask cluster (--scheduler) or a Slurm job
array (--slurm, then `collect`). Only this client process writes the
database: tasks return their results. Schema and usage: scripts/README.md.
"""

import argparse
import csv
import datetime
import hashlib
import itertools
import json
import os
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

# ---------------------------------------------------------------------------
# The spec: workloads, fixed options and a grid, expanded into points.


class SpecError(Exception):
    """A spec, option or command-line problem: reported as one line, exit 2."""


def need_module(name, package):
    """Imports a Debian-packaged module or says, in one line, what to install."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        raise SpecError(f"no Python module '{name}' in {sys.executable}: install {package} "
                        "(scripts/setup.sh) and run with Debian's /usr/bin/python3") from None


# Options the sweep itself owns (it writes the report) or that make vp_run do
# something other than one run with one report.
REFUSED_OPTIONS = {
    "report": "the sweep writes each point's report itself",
    "csv": "the sweep's own --csv exports the database",
    "vcd": "a waveform per point is not kept; run that point alone",
    "trace-json": "a trace per point is not kept; run that point alone",
    "emit-setup": "it writes a model image instead of running",
    "dump-schedule": "it prints schedules instead of running",
    "compare-control": "sweep control: [irq, call+irq, call+poll] instead",
    "config": "put the options in the spec",
    "timeout": "use the spec's top-level timeout (seconds per point)",
    "help": "not a run",
    "version": "not a run",
    "list-workloads": "not a run",
    "stats": "the statistics are not stored",
    "log-level": "the sweep keeps vp_run's default",
}

# Spec shorthands, expanded before a point's key is made.
BUFFER_OPTIONS = ("ifmap-kb", "weight-kb", "ofmap-kb")


def load_spec(path):
    """Reads a YAML (.yaml/.yml) or TOML (.toml) spec into a dict."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise SpecError(f"spec '{path}': {e.strerror}") from None
    try:
        if path.endswith(".toml"):
            spec = need_module("tomllib", "Python 3.11 or later").loads(data.decode("utf-8"))
        elif path.endswith((".yaml", ".yml")):
            spec = need_module("yaml", "python3-yaml").safe_load(data)
        else:
            raise SpecError(f"spec '{path}': expected a .yaml, .yml or .toml file")
    except SpecError:
        raise
    except Exception as e:  # the parsers' own error types differ
        mark = getattr(e, "problem_mark", None)  # YAML: what and where
        if mark is not None:
            first = f"{getattr(e, 'problem', None) or e} (line {mark.line + 1}, column {mark.column + 1})"
        else:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SpecError(f"spec '{path}': {first}") from None
    if not isinstance(spec, dict):
        raise SpecError(f"spec '{path}': expected a mapping at the top level")
    return spec


def _option_name(name, where):
    if not isinstance(name, str) or not name.strip():
        raise SpecError(f"{where}: option name {name!r} is not a string")
    opt = name.strip().lstrip("-").lower().replace("_", "-")
    if opt in REFUSED_OPTIONS:
        raise SpecError(f"{where}: option '{opt}' cannot be swept: {REFUSED_OPTIONS[opt]}")
    return opt


def _scalar(value, where):
    """Canonical form of one option value, so that equal runs get equal keys."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        return text
    raise SpecError(f"{where}: value {value!r} is not a string, number or boolean")


def normalize_point(point, where):
    """Expands shorthands and canonicalises values; returns a new dict.

    buffer-kb: N sets ifmap-kb, weight-kb and ofmap-kb; control: call+poll
    sets control call and completion poll; array: 32 means 32x32.
    """
    out = {}

    def put(opt, value):
        if opt in out and out[opt] != value:
            raise SpecError(f"{where}: '{opt}' is both {out[opt]!r} and {value!r}")
        out[opt] = value

    for name, value in point.items():
        opt = _option_name(name, where)
        value = _scalar(value, f"{where}, '{opt}'")
        if opt == "buffer-kb":
            for b in BUFFER_OPTIONS:
                put(b, value)
        elif opt == "control" and isinstance(value, str) and "+" in value:
            control, completion = value.split("+", 1)
            put("control", control.strip().lower())
            put("completion", completion.strip().lower())
        elif opt == "array":
            text = str(value).lower().replace(" ", "")
            if "x" not in text:
                text = f"{text}x{text}"
            put("array", text)
        else:
            if isinstance(value, str) and opt != "workload":
                value = value.lower() if opt in ("dataflow", "control", "completion", "objective",
                                                 "schedule", "mode") else value
            put(opt, value)
    if "workload" not in out:
        raise SpecError(f"{where}: no workload (give 'workloads' or a 'workload' axis)")
    return out


def _axes(mapping, where):
    if not isinstance(mapping, dict):
        raise SpecError(f"{where}: expected a mapping of option: value or [values]")
    axes = []
    for name, values in mapping.items():
        if isinstance(values, list):
            if not values:
                raise SpecError(f"{where}: '{name}' has an empty list of values")
            axes.append((name, values))
        elif isinstance(values, dict):
            raise SpecError(f"{where}: '{name}' is a mapping; expected a value or a list")
        else:
            axes.append((name, [values]))
    return axes


def expand_spec(spec, spec_name="spec"):
    """The spec's points, each a normalised option dict, without duplicates.

    Keys: name (text), workloads (list), options (fixed options of every
    point), grid (a mapping, or a list of mappings whose grids are joined),
    timeout (seconds per point). Every point is workload x options x grid.
    """
    known = {"name", "workloads", "options", "grid", "timeout", "description"}
    for k in spec:
        if k not in known:
            raise SpecError(f"{spec_name}: unknown key '{k}' (expected {', '.join(sorted(known))})")
    workloads = spec.get("workloads", [])
    if isinstance(workloads, str):
        workloads = [workloads]
    if not isinstance(workloads, list):
        raise SpecError(f"{spec_name}: 'workloads' must be a list of workload specs")
    fixed = spec.get("options", {}) or {}
    fixed_axes = _axes(fixed, f"{spec_name}: options")
    for name, values in fixed_axes:
        if len(values) != 1:
            raise SpecError(f"{spec_name}: options: '{name}' has a list; put axes under 'grid'")
    grids = spec.get("grid", {}) or {}
    if isinstance(grids, dict):
        grids = [grids]
    if not isinstance(grids, list) or not grids:
        raise SpecError(f"{spec_name}: 'grid' must be a mapping or a list of mappings")
    points, seen = [], set()
    for gi, grid in enumerate(grids):
        where = f"{spec_name}: grid" + (f"[{gi}]" if len(grids) > 1 else "")
        axes = fixed_axes + _axes(grid, where)
        names = [n for n, _ in axes]
        opts = [_option_name(n, where) for n in names]
        twice = sorted({o for o in opts if opts.count(o) > 1})
        if twice:
            raise SpecError(f"{where}: '{twice[0]}' is given twice (in options and grid?)")
        if "workload" in opts:
            if workloads:
                raise SpecError(f"{where}: 'workload' axis and top-level 'workloads' both given")
            wl_axis = [None]
        else:
            if not workloads:
                raise SpecError(f"{spec_name}: no 'workloads'")
            wl_axis = workloads
        for wl in wl_axis:
            for values in itertools.product(*[v for _, v in axes]):
                raw = dict(zip(names, values))
                if wl is not None:
                    raw = {"workload": wl, **raw}
                point = normalize_point(raw, where)
                key = point_key(point)
                if key not in seen:
                    seen.add(key)
                    points.append(point)
    return points


def point_key(point):
    """The resume key: the normalised options as canonical JSON."""
    return json.dumps(point, sort_keys=True, separators=(",", ":"))


def point_args(point):
    """vp_run's arguments for a point (without --report): workload first."""
    args = ["--workload", str(point["workload"])]
    for opt in sorted(point):
        if opt == "workload":
            continue
        value = point[opt]
        if value is True:
            args.append(f"--{opt}")
        elif value is False:
            continue  # a switch left off
        else:
            args += [f"--{opt}", str(value)]
    return args


def check_options_known(points, vp_run):
    """Refuses option names vp_run's --help does not list (a typo would fail every point)."""
    try:
        help_text = subprocess.run([vp_run, "--help"], capture_output=True, text=True,
                                   timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return  # vp_run not usable here (a remote cluster's path): the points will tell
    names = {opt for p in points for opt in p}
    for opt in sorted(names):
        if f"--{opt}" not in help_text:
            raise SpecError(f"option '{opt}' is not a vp_run option (vp_run --help)")


# ---------------------------------------------------------------------------
# One point, run where a Dask worker (or a Slurm task) is. Self-contained: the
# result is a plain dict returned to the client, which alone writes the DB.

# The report's objects kept for the database (the rest, stats and console, is
# dropped on the worker so results stay small).
REPORT_PARTS = ("config", "layers", "totals", "run", "verify")


def last_line(text):
    """The last non-empty line of a process's stderr: vp_run's one-line error."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def read_result(exit_status, stderr_text, report_path, wall_seconds, worker, timed_out=False):
    """A point's result from what its vp_run left: exit status, stderr, report file."""
    result = {"status": "ok", "exit_status": exit_status, "error": None, "report": None,
              "wall_seconds": wall_seconds, "worker": worker}
    if timed_out:
        result["status"] = "timeout"
        result["error"] = f"killed after {wall_seconds:.0f} s (the point's timeout)"
        return result
    if exit_status != 0:
        result["status"] = "failed"
        result["error"] = last_line(stderr_text) or f"vp_run exited {exit_status} without a message"
        return result
    try:
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
        result["report"] = {k: report.get(k) for k in REPORT_PARTS}
    except (OSError, ValueError) as e:
        result["status"] = "error"
        result["error"] = f"vp_run exited 0 but its report is unreadable: {e}"
    return result


def run_point(vp_run, args, timeout):
    """Runs vp_run ARGS --report TMP; returns read_result's dict (never raises)."""
    worker = socket.gethostname()
    try:  # on a Dask worker: its address, which tells the workers of one host apart
        from distributed import get_worker

        worker = get_worker().address
    except (ImportError, ValueError):
        pass
    fd, report_path = tempfile.mkstemp(prefix="vp_sweep_", suffix=".json")
    os.close(fd)
    cmd = [vp_run] + list(args) + ["--report", report_path]
    if timeout:
        cmd += ["--timeout", str(timeout)]
    start = time.monotonic()
    try:
        # vp_run stops itself at --timeout; the kill is for a process that does not.
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, errors="replace",
                              timeout=(timeout + 30) if timeout else None)
        return read_result(proc.returncode, proc.stderr, report_path,
                           time.monotonic() - start, worker)
    except subprocess.TimeoutExpired:
        return read_result(None, "", report_path, time.monotonic() - start, worker, timed_out=True)
    except OSError as e:
        return {"status": "error", "exit_status": None, "report": None, "worker": worker,
                "wall_seconds": time.monotonic() - start,
                "error": f"cannot run '{vp_run}' on {worker}: {e.strerror}"}
    finally:
        try:
            os.unlink(report_path)
        except OSError:
            pass


# ---------------------------------------------------------------------------
# The database: written by the client only.

CONFIG_COLUMNS = [
    ("key", "TEXT"), ("sweep", "TEXT"), ("workload", "TEXT"), ("dataflow", "TEXT"),
    ("control", "TEXT"), ("completion", "TEXT"), ("control_scheme", "TEXT"), ("array", "TEXT"),
    ("array_rows", "INTEGER"), ("array_cols", "INTEGER"), ("ifmap_kb", "INTEGER"),
    ("weight_kb", "INTEGER"), ("ofmap_kb", "INTEGER"), ("dram_bw", "REAL"),
    ("dram_latency", "INTEGER"), ("dram_atom", "INTEGER"), ("dma_burst", "INTEGER"),
    ("fold_overlap", "INTEGER"), ("fold_continuation", "TEXT"), ("objective", "TEXT"),
    ("schedule", "TEXT"), ("mode", "TEXT"), ("seq_len", "INTEGER"), ("seed", "INTEGER"),
    ("freq_mhz", "INTEGER"), ("irq_per_layer", "INTEGER"), ("options", "TEXT"),
]

# Nested report objects, flattened as NAME_PART plus NAME = their sum.
NESTED = [
    ("dram_read_bytes", ("ifmap", "weight", "psum")),
    ("dram_write_bytes", ("ofmap", "psum")),
    ("predicted_dram_read_bytes", ("ifmap", "weight", "psum")),
    ("predicted_dram_write_bytes", ("ofmap", "psum")),
    ("sram_reads", ("ifmap", "weight", "ofmap")),
    ("sram_writes", ("ifmap", "weight", "ofmap")),
    ("dram_bus_read_bytes", ("ifmap", "weight", "psum")),
    ("dram_bus_write_bytes", ("ofmap", "psum")),
    ("predicted_dram_bus_read_bytes", ("ifmap", "weight", "psum")),
    ("predicted_dram_bus_write_bytes", ("ofmap", "psum")),
]
NESTED_COLUMNS = [(c, "INTEGER") for name, parts in NESTED
                  for c in [name] + [f"{name}_{p}" for p in parts]]

RUN_KEYS = [
    ("cycles", "INTEGER"), ("sim_time_ns", "INTEGER"), ("cpu_instructions", "INTEGER"),
    ("cpu_busy_cycles", "INTEGER"), ("cpu_sleep_cycles", "INTEGER"), ("interrupts", "INTEGER"),
    ("kernel_launches", "INTEGER"), ("control_bus_bytes", "INTEGER"),
    ("npu_busy_cycles", "INTEGER"), ("npu_idle_cycles", "INTEGER"),
    ("npu_dram_bytes", "INTEGER"), ("npu_dram_bus_bytes", "INTEGER"),
    ("resident_weight_bytes", "INTEGER"),
    ("host_seconds", "REAL"), ("host_sim_seconds", "REAL"), ("host_mips", "REAL"),
    ("end_reason", "TEXT"),
]
TOTALS_KEYS = [("macs", "INTEGER"), ("compute_cycles", "INTEGER"), ("formula_cycles", "INTEGER"),
               ("stall_cycles", "INTEGER"), ("utilization", "REAL")]

RUNS_COLUMNS = ([("id", "INTEGER PRIMARY KEY")] + CONFIG_COLUMNS + [
    ("status", "TEXT"), ("exit_status", "INTEGER"), ("error", "TEXT"), ("command", "TEXT"),
    ("worker", "TEXT"), ("wall_seconds", "REAL"), ("finished_at", "TEXT"),
] + RUN_KEYS + [("layer_count", "INTEGER")] + TOTALS_KEYS + [("npu_cycles", "INTEGER")]
    + NESTED_COLUMNS + [("verify_checked", "INTEGER"), ("verify_match", "INTEGER")])

LAYERS_COLUMNS = ([("run_id", "INTEGER"), ("layer_index", "INTEGER"), ("name", "TEXT"),
                   ("op", "TEXT"), ("error", "TEXT"), ("launches", "INTEGER"),
                   ("macs", "INTEGER"), ("cycles", "INTEGER"), ("compute_cycles", "INTEGER"),
                   ("formula_cycles", "INTEGER"), ("stall_cycles", "INTEGER"),
                   ("utilization", "REAL")]
                  + NESTED_COLUMNS + CONFIG_COLUMNS)


def open_db(path):
    """Opens (or creates) a sweep database; a database made by an older
    vp_sweep.py gains the columns added since (NULL in its rows)."""
    try:
        db = sqlite3.connect(path)
        cols = ", ".join(f"{n} {t}" for n, t in RUNS_COLUMNS)
        db.execute(f"CREATE TABLE IF NOT EXISTS runs ({cols}, UNIQUE(key))")
        cols = ", ".join(f"{n} {t}" for n, t in LAYERS_COLUMNS)
        db.execute(f"CREATE TABLE IF NOT EXISTS layers ({cols}, "
                   "FOREIGN KEY(run_id) REFERENCES runs(id))")
        db.execute("CREATE INDEX IF NOT EXISTS layers_run ON layers(run_id)")
        for table, columns in (("runs", RUNS_COLUMNS), ("layers", LAYERS_COLUMNS)):
            have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns:
                if name not in have:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
        db.commit()
    except sqlite3.Error as e:
        raise SpecError(f"--db '{path}': {e}") from None
    return db


def stored_status(db):
    """key -> status of every point in the database."""
    return dict(db.execute("SELECT key, status FROM runs"))


def flatten(obj):
    """A report object's nested counters as columns (NESTED's rule)."""
    out = {}
    for name, parts in NESTED:
        value = obj.get(name)
        if isinstance(value, dict):
            vals = [value.get(p) for p in parts]
            for p, v in zip(parts, vals):
                out[f"{name}_{p}"] = v
            out[name] = sum(v for v in vals if v is not None)
        else:
            out[name] = None
            for p in parts:
                out[f"{name}_{p}"] = None
    return out


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def config_columns(point, report_config, sweep_name):
    """The configuration columns: the report's config when the run wrote one, else the point's."""
    cfg = {}
    src = report_config or {}
    if src:
        for name in ("dataflow", "control", "completion", "objective", "schedule", "mode",
                     "ifmap_kb", "weight_kb", "ofmap_kb", "dram_bw", "dram_latency",
                     "dram_atom", "dma_burst", "fold_continuation", "seq_len", "seed",
                     "freq_mhz"):
            cfg[name] = src.get(name)
        array = src.get("array")
        if isinstance(array, list) and len(array) == 2:
            cfg["array_rows"], cfg["array_cols"] = array
        for name in ("irq_per_layer", "fold_overlap"):
            flag = src.get(name)
            cfg[name] = None if flag is None else int(bool(flag))
    else:
        for opt, value in point.items():
            col = opt.replace("-", "_")
            if col in ("irq_per_layer", "fold_overlap"):
                cfg[col] = int(bool(value))
            elif col in dict(CONFIG_COLUMNS) and col not in ("array", "key", "sweep", "options"):
                cfg[col] = value
        if "array" in point:
            rows, _, cols = str(point["array"]).partition("x")
            cfg["array_rows"], cfg["array_cols"] = _int_or_none(rows), _int_or_none(cols)
    if cfg.get("array_rows") is not None and cfg.get("array_cols") is not None:
        cfg["array"] = f"{cfg['array_rows']}x{cfg['array_cols']}"
    control = cfg.get("control")
    if control == "call" and cfg.get("completion"):
        cfg["control_scheme"] = f"call+{cfg['completion']}"
    elif control is not None:
        cfg["control_scheme"] = control
    cfg["workload"] = point["workload"]  # as the spec names it (the report may canonicalise)
    cfg["key"] = point_key(point)
    cfg["sweep"] = sweep_name
    cfg["options"] = json.dumps(point, sort_keys=True)
    return cfg


def store_result(db, point, sweep_name, result):
    """Writes one point's row (replacing an earlier failed one) and its layers."""
    report = result.get("report") or {}
    cfg = config_columns(point, report.get("config"), sweep_name)
    row = dict(cfg)
    row.update(status=result["status"], exit_status=result.get("exit_status"),
               error=result.get("error"), command=shlex.join(point_args(point)),
               worker=result.get("worker"), wall_seconds=result.get("wall_seconds"),
               finished_at=datetime.datetime.now(datetime.timezone.utc)
               .replace(microsecond=0).isoformat())
    layers = []
    if result["status"] == "ok":
        run = report.get("run") or {}
        totals = report.get("totals") or {}
        for name, _ in RUN_KEYS:
            row[name] = run.get(name)
        for name, _ in TOTALS_KEYS:
            row[name] = totals.get(name)
        row["npu_cycles"] = totals.get("cycles")
        row.update(flatten(totals))
        verify = report.get("verify") or {}
        row["verify_checked"] = int(bool(verify.get("checked")))
        row["verify_match"] = int(bool(verify.get("match")))
        layers = report.get("layers") or []
        row["layer_count"] = len(layers)
    with db:
        old = db.execute("SELECT id, sweep FROM runs WHERE key = ?", (cfg["key"],)).fetchone()
        if old:  # a retried point: its new result replaces the old row and layers
            db.execute("DELETE FROM layers WHERE run_id = ?", (old[0],))
            db.execute("DELETE FROM runs WHERE id = ?", (old[0],))
            row["sweep"] = cfg["sweep"] = old[1]  # keeps the sweep that first ran it
        names = [n for n, _ in RUNS_COLUMNS if n != "id" and n in row]
        cur = db.execute(f"INSERT INTO runs ({', '.join(names)}) VALUES "
                         f"({', '.join('?' for _ in names)})", [row[n] for n in names])
        run_id = cur.lastrowid
        for index, layer in enumerate(layers):
            lrow = dict(cfg)
            lrow.update(run_id=run_id, layer_index=index)
            for name in ("name", "op", "error", "launches", "macs", "cycles", "compute_cycles",
                         "formula_cycles", "stall_cycles", "utilization"):
                lrow[name] = layer.get(name)
            lrow.update(flatten(layer))
            names = [n for n, _ in LAYERS_COLUMNS if n in lrow]
            db.execute(f"INSERT INTO layers ({', '.join(names)}) VALUES "
                       f"({', '.join('?' for _ in names)})", [lrow[n] for n in names])


def export_csv(db, directory):
    """DIR/runs.csv and DIR/layers.csv, the tables' columns in schema order."""
    os.makedirs(directory, exist_ok=True)
    for table, order in (("runs", "id"), ("layers", "run_id, layer_index")):
        cur = db.execute(f"SELECT * FROM {table} ORDER BY {order}")
        with open(os.path.join(directory, f"{table}.csv"), "w", newline="",
                  encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow([d[0] for d in cur.description])
            w.writerows(cur)


# ---------------------------------------------------------------------------
# Progress on stderr.


class Progress:
    def __init__(self, total, out=sys.stderr, every=2.0):
        self.total, self.done, self.failed = total, 0, 0
        self.start = time.monotonic()
        self.out, self.every, self.last = out, every, 0.0

    def add(self, ok):
        self.done += 1
        self.failed += 0 if ok else 1
        now = time.monotonic()
        if now - self.last >= self.every or self.done == self.total:
            self.last = now
            self.print()

    def print(self):
        elapsed = time.monotonic() - self.start
        eta = (elapsed / self.done * (self.total - self.done)) if self.done else None
        fmt = lambda s: str(datetime.timedelta(seconds=round(s)))  # noqa: E731
        print(f"sweep: {self.done}/{self.total} done, {self.failed} failed, "
              f"{fmt(elapsed)} elapsed" + (f", ETA {fmt(eta)}" if eta is not None else ""),
              file=self.out, flush=True)


# ---------------------------------------------------------------------------
# Engines.


def resolve_vp_run(given):
    """The vp_run to run: --vp-run, $VP_RUN, vp_run on PATH, the release build."""
    if given:
        return given
    if os.environ.get("VP_RUN"):
        return os.environ["VP_RUN"]
    found = shutil.which("vp_run")
    if found:
        return found
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    built = os.path.join(repo, "build", "release", "platform", "vp_run")
    if os.path.exists(built):
        return built
    raise SpecError("no vp_run: give --vp-run PATH, set VP_RUN, or put vp_run on PATH")


def run_dask(client, todo, vp_run, timeout, db, sweep_name, progress):
    """Submits every point as a task; stores each result as it returns."""
    as_completed = need_module("distributed", "python3-distributed").as_completed

    session = hashlib.sha1(f"{os.getpid()} {time.time()}".encode()).hexdigest()[:8]
    futures = {}
    for point in todo:
        digest = hashlib.sha1(point_key(point).encode()).hexdigest()[:12]
        fut = client.submit(run_point, vp_run, point_args(point), timeout,
                            key=f"vp_sweep-{digest}-{session}", pure=False)
        futures[fut] = point
    try:
        for fut in as_completed(futures):
            point = futures.pop(fut)
            try:
                result = fut.result()
            except Exception as e:  # a lost worker, a task the cluster gave up on
                result = {"status": "error", "exit_status": None, "report": None,
                          "error": f"dask: {type(e).__name__}: {last_line(str(e))}"}
            store_result(db, point, sweep_name, result)
            progress.add(result["status"] == "ok")
    finally:
        if futures:
            client.cancel(list(futures))


def run_local(todo, vp_run, timeout, workers, db, sweep_name, progress):
    distributed = need_module("distributed", "python3-distributed")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    # Each task waits on a vp_run child process; worker threads in this process
    # (processes=False) cost nothing and start in a second.
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        run_dask(client, todo, vp_run, timeout, db, sweep_name, progress)


def run_scheduler(address, todo, vp_run, timeout, db, sweep_name, progress):
    Client = need_module("distributed", "python3-distributed").Client

    try:
        import cloudpickle

        # The workers need not have this script: its functions travel by value.
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    except (ImportError, AttributeError, ValueError):
        pass
    try:
        client = Client(address, timeout=30)
    except OSError as e:
        raise SpecError(f"--scheduler {address}: cannot connect: {e}") from None
    with client:
        run_dask(client, todo, vp_run, timeout, db, sweep_name, progress)


SBATCH_TEMPLATE = """#!/bin/bash
# Slurm job array written by vp_sweep.py for sweep '{name}': array task i runs
# point i (line i+1 of points.args) and leaves reports/i.json, reports/i.err
# and, last, reports/i.status ("EXIT_STATUS WALL_SECONDS HOST"). Submit with
#   sbatch {dir}/sweep.sbatch
# then ingest with
#   /usr/bin/python3 {script} collect {dir} --db {db}
# The directory must be on a file system the compute nodes share; vp_run is
# $VP_RUN if set, else the path below (on the nodes' PATH if it has no slash).
#SBATCH --job-name=vp_sweep-{name}
#SBATCH --array=0-{last}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --time={minutes}
#SBATCH --output={dir}/logs/%A_%a.out
set -u
dir={qdir}
vp_run="${{VP_RUN:-{qvp_run}}}"
i="${{SLURM_ARRAY_TASK_ID:?not a Slurm array task}}"
line=$(sed -n "$((i + 1))p" "$dir/points.args")
eval "set -- $line"
rm -f "$dir/reports/$i.status"
start=$(date +%s.%N)
timeout --kill-after=10 {kill_after} "$vp_run" "$@" --report "$dir/reports/$i.json" {timeout_opt} \\
    >/dev/null 2>"$dir/reports/$i.err"
status=$?
end=$(date +%s.%N)
echo "$status $(echo "$end - $start" | awk '{{print $1 - $3}}') $(hostname)" >"$dir/reports/$i.status.tmp"
mv "$dir/reports/$i.status.tmp" "$dir/reports/$i.status"
"""


def write_slurm(directory, todo, vp_run, timeout, db_path, sweep_name):
    """DIR/points.json, DIR/points.args and DIR/sweep.sbatch for the pending points."""
    directory = os.path.abspath(directory)
    os.makedirs(os.path.join(directory, "reports"), exist_ok=True)
    os.makedirs(os.path.join(directory, "logs"), exist_ok=True)
    meta = {"sweep": sweep_name, "db": os.path.abspath(db_path), "timeout": timeout,
            "vp_run": vp_run, "points": todo}
    with open(os.path.join(directory, "points.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    with open(os.path.join(directory, "points.args"), "w", encoding="utf-8") as f:
        for point in todo:
            f.write(shlex.join(point_args(point)) + "\n")
    limit = timeout if timeout else 24 * 3600
    script = SBATCH_TEMPLATE.format(
        name=sweep_name, dir=directory, qdir=shlex.quote(directory),
        script=os.path.abspath(__file__), db=shlex.quote(os.path.abspath(db_path)),
        last=len(todo) - 1, minutes=(limit + 60) // 60 + 1, qvp_run=shlex.quote(vp_run),
        kill_after=limit + 30,
        timeout_opt=f"--timeout {timeout}" if timeout else "")
    path = os.path.join(directory, "sweep.sbatch")
    with open(path, "w", encoding="utf-8") as f:
        f.write(script)
    os.chmod(path, 0o755)
    return path


def collect(directory, db, progress_out=sys.stderr):
    """Ingests the Slurm tasks' reports; returns (stored, failed, missing indices)."""
    try:
        with open(os.path.join(directory, "points.json"), encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        raise SpecError(f"collect '{directory}': no readable points.json ({e})") from None
    have = stored_status(db)
    stored = failed = 0
    missing = []
    for index, point in enumerate(meta["points"]):
        base = os.path.join(directory, "reports", str(index))
        try:
            with open(base + ".status", encoding="utf-8") as f:
                fields = f.read().split()
        except OSError:
            if have.get(point_key(point)) != "ok":
                missing.append(index)
            continue
        if have.get(point_key(point)) == "ok":
            continue  # collected before
        exit_status = int(fields[0])
        wall = float(fields[1]) if len(fields) > 1 else None
        worker = fields[2] if len(fields) > 2 else None
        try:
            with open(base + ".err", encoding="utf-8", errors="replace") as f:
                err = f.read()
        except OSError:
            err = ""
        # coreutils timeout: 124 after TERM, 137 after the KILL that follows
        timed_out = exit_status in (124, 137)
        result = read_result(exit_status, err, base + ".json", wall or 0.0, worker, timed_out)
        store_result(db, point, meta["sweep"], result)
        stored += 1
        failed += result["status"] != "ok"
    print(f"collect: {stored} points stored ({failed} failed), {len(missing)} not finished"
          + (f": {', '.join(map(str, missing[:20]))}" + (" ..." if len(missing) > 20 else "")
             if missing else ""), file=progress_out)
    return stored, failed, missing


# ---------------------------------------------------------------------------
# Command line.


def main_sweep(argv):
    p = argparse.ArgumentParser(
        prog="vp_sweep.py", description="Run a grid of vp_run configurations (a sweep spec) "
        "on Dask or Slurm into SQLite. Also: vp_sweep.py collect DIR; vp_sweep.py export.",
        epilog="Spec format and database schema: scripts/README.md.")
    p.add_argument("spec", help="sweep spec, .yaml/.yml or .toml")
    p.add_argument("--db", help="SQLite database (default: SPEC_STEM.sqlite here)")
    p.add_argument("--csv", metavar="DIR", help="export runs.csv and layers.csv to DIR at the end")
    engine = p.add_mutually_exclusive_group()
    engine.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="LocalCluster workers (default: this machine's cores)")
    engine.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="send the tasks to this existing Dask scheduler")
    engine.add_argument("--slurm", metavar="DIR",
                        help="write a Slurm job-array script in DIR instead of running")
    p.add_argument("--vp-run", metavar="PATH",
                   help="vp_run for the workers (default: $VP_RUN, vp_run on PATH, "
                        "build/release/platform/vp_run; with --scheduler: 'vp_run' on the "
                        "workers' PATH unless given)")
    p.add_argument("--timeout", type=int, help="seconds per point (overrides the spec's)")
    p.add_argument("--retry-failed", action="store_true",
                   help="run again the points stored as failed, timeout or error")
    p.add_argument("--dry-run", action="store_true", help="print the pending commands and exit")
    a = p.parse_args(argv)
    if a.workers is not None and a.workers < 1:
        raise SpecError("--workers must be at least 1")

    spec = load_spec(a.spec)
    stem = os.path.splitext(os.path.basename(a.spec))[0]
    sweep_name = str(spec.get("name", stem))
    points = expand_spec(spec, a.spec)
    timeout = a.timeout if a.timeout is not None else spec.get("timeout", 0)
    if not isinstance(timeout, int) or timeout < 0:
        raise SpecError(f"{a.spec}: timeout must be a whole number of seconds")
    if a.scheduler and not a.vp_run:
        vp_run = "vp_run"  # resolved on each worker's PATH
    else:
        vp_run = resolve_vp_run(a.vp_run)
        if not a.scheduler and os.sep in vp_run:
            vp_run = os.path.abspath(vp_run)  # tasks and Slurm jobs run in other directories
    if not a.scheduler:
        check_options_known(points, vp_run)

    db_path = a.db or f"{stem}.sqlite"
    if a.dry_run and not os.path.exists(db_path):
        db, have = None, {}  # a dry run creates no database
    else:
        db = open_db(db_path)
        have = stored_status(db)
    todo = [pt for pt in points if point_key(pt) not in have
            or (a.retry_failed and have[point_key(pt)] != "ok")]
    stored = [have[point_key(pt)] for pt in points if point_key(pt) in have]
    not_ok = sum(status != "ok" for status in stored)
    print(f"sweep '{sweep_name}': {len(points)} points, {len(stored)} already in {db_path}"
          + (f" ({not_ok} failed{', retried' if a.retry_failed else ''})" if not_ok else "")
          + f", {len(todo)} to run", file=sys.stderr, flush=True)
    if a.dry_run:
        for pt in todo:
            print(shlex.join([vp_run] + point_args(pt)))
        return 0
    if a.slurm:
        if todo:
            path = write_slurm(a.slurm, todo, vp_run, timeout, db_path, sweep_name)
            print(f"sweep: wrote {path} ({len(todo)} array tasks); sbatch it, then "
                  f"vp_sweep.py collect {a.slurm} --db {db_path}", file=sys.stderr)
        return 0
    progress = Progress(len(todo))
    if todo:
        try:
            if a.scheduler:
                run_scheduler(a.scheduler, todo, vp_run, timeout, db, sweep_name, progress)
            else:
                run_local(todo, vp_run, timeout, a.workers, db, sweep_name, progress)
        except KeyboardInterrupt:
            print(f"sweep: interrupted; {progress.done} of {len(todo)} points stored, "
                  "run again to resume", file=sys.stderr)
            return 130
    if a.csv:
        export_csv(db, a.csv)
    failed = db.execute("SELECT COUNT(*) FROM runs WHERE status != 'ok' AND key IN "
                        f"({', '.join('?' for _ in points)})",
                        [point_key(pt) for pt in points]).fetchone()[0] if points else 0
    print(f"sweep '{sweep_name}': {len(points) - failed} ok, {failed} failed (SELECT key, error "
          f"FROM runs WHERE status != 'ok'), {db_path}", file=sys.stderr)
    return 0


def main_collect(argv):
    p = argparse.ArgumentParser(prog="vp_sweep.py collect",
                                description="Ingest the reports of a --slurm sweep")
    p.add_argument("dir")
    p.add_argument("--db", help="SQLite database (default: the one the sweep named)")
    p.add_argument("--csv", metavar="DIR")
    a = p.parse_args(argv)
    db_path = a.db
    if not db_path:
        try:
            with open(os.path.join(a.dir, "points.json"), encoding="utf-8") as f:
                db_path = json.load(f)["db"]
        except (OSError, ValueError, KeyError) as e:
            raise SpecError(f"collect '{a.dir}': no readable points.json ({e})") from None
    db = open_db(db_path)
    _, _, missing = collect(a.dir, db)
    if a.csv:
        export_csv(db, a.csv)
    return 0 if not missing else 1


def main_export(argv):
    p = argparse.ArgumentParser(prog="vp_sweep.py export",
                                description="Write a sweep database's tables as CSV")
    p.add_argument("--db", required=True)
    p.add_argument("--csv", metavar="DIR", required=True)
    a = p.parse_args(argv)
    if not os.path.exists(a.db):
        raise SpecError(f"--db '{a.db}': no such file")
    export_csv(open_db(a.db), a.csv)
    return 0


def main(argv):
    try:
        if argv and argv[0] == "collect":
            return main_collect(argv[1:])
        if argv and argv[0] == "export":
            return main_export(argv[1:])
        return main_sweep(argv)
    except SpecError as e:
        print(f"vp_sweep.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
