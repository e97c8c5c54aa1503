#!/usr/bin/python3
"""Tests of scripts/vp_sweep.py with a real vp_run (CTest: scripts.vp_sweep).

    /usr/bin/python3 tests/scripts/test_vp_sweep.py PATH/TO/vp_run

The sweep scripts/sweeps/ci.yaml (lenet5: 2 arrays x 2 buffer sizes x 3
dataflows, plus one array vp_run refuses) runs on a LocalCluster of two
workers, on a dask-scheduler with two dask-worker processes started here on
127.0.0.1, and as a Slurm job array whose tasks this test runs itself; the
three databases must hold the same tables. Also: resume, retry of the failed
point, spec errors. Every process started here is stopped at the end.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import warnings

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SWEEP = os.path.join(REPO, "scripts", "vp_sweep.py")
CI_SPEC = os.path.join(REPO, "scripts", "sweeps", "ci.yaml")
PYTHON = "/usr/bin/python3"
VP_RUN = None  # from argv

# Columns that measure the host, not the model: they differ from run to run.
HOST_COLUMNS = {"id", "run_id", "worker", "wall_seconds", "finished_at", "host_seconds",
                "host_sim_seconds", "host_mips"}


def sweep(*args, check=True, timeout=120):
    proc = subprocess.run([PYTHON, SWEEP] + list(args), capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"vp_sweep.py {' '.join(args)} exited {proc.returncode}:\n"
                             f"{proc.stderr}")
    return proc


def table(db_path, name):
    """A table's rows without the host columns, as sorted tuples (layers keyed by run key)."""
    db = sqlite3.connect(db_path)
    cur = db.execute(f"SELECT * FROM {name}")
    cols = [d[0] for d in cur.description]
    keep = [i for i, c in enumerate(cols) if c not in HOST_COLUMNS]
    rows = sorted((tuple(r[i] for i in keep) for r in cur), key=repr)
    db.close()
    return [cols[i] for i in keep], rows


def query(db_path, sql, params=()):
    db = sqlite3.connect(db_path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def stored_rows(db_path):
    """Rows in runs, read while the sweep may be writing (0 before the table exists)."""
    if not os.path.exists(db_path):  # connecting would create it
        return 0
    try:
        db = sqlite3.connect(db_path, timeout=10)
        try:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:
        return 0


def find_dask_command(name):
    """dask-NAME, `dask NAME`, or python3 -m distributed.cli.dask_NAME."""
    for exe in (f"/usr/bin/dask-{name}", shutil.which(f"dask-{name}")):
        if exe and os.access(exe, os.X_OK):
            return [exe]
    if shutil.which("dask"):
        return [shutil.which("dask"), name]
    return [PYTHON, "-m", f"distributed.cli.dask_{name}"]


class Sweep(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="test_vp_sweep_")
        cls.local_db = os.path.join(cls.tmp, "local.sqlite")
        start = time.monotonic()
        cls.local = sweep(CI_SPEC, "--db", cls.local_db, "--workers", "2", "--vp-run", VP_RUN,
                          "--csv", os.path.join(cls.tmp, "csv"))
        cls.local_seconds = time.monotonic() - start

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_local_cluster_runs_every_point(self):
        self.assertIn("13 points, 0 already in", self.local.stderr)
        self.assertIn("13/13 done, 1 failed", self.local.stderr)
        rows = query(self.local_db, "SELECT status, COUNT(*) FROM runs GROUP BY status")
        self.assertEqual(dict(rows), {"ok": 12, "failed": 1})
        # both workers of the cluster ran points
        self.assertEqual(query(self.local_db, "SELECT COUNT(DISTINCT worker) FROM runs")[0][0], 2)
        # the grid's configuration columns, from the reports
        grid = query(self.local_db, "SELECT DISTINCT array, array_rows, array_cols, ifmap_kb, "
                     "weight_kb, ofmap_kb, dataflow FROM runs WHERE status = 'ok'")
        expected = {(f"{n}x{n}", n, n, kb, kb, kb, df) for n in (8, 16) for kb in (8, 32)
                    for df in ("os", "ws", "is")}
        self.assertEqual(set(grid), expected)
        self.assertEqual(query(self.local_db, "SELECT DISTINCT workload, mode, control, "
                               "control_scheme FROM runs WHERE status = 'ok'"),
                         [("lenet5", "timing", "irq", "irq")])

    def test_failed_point_is_recorded_with_its_error(self):
        rows = query(self.local_db, "SELECT array, array_rows, exit_status, error, cycles, "
                     "layer_count, command FROM runs WHERE status != 'ok'")
        self.assertEqual(len(rows), 1)
        array, rows_, exit_status, error, cycles, layer_count, command = rows[0]
        self.assertEqual((array, rows_, exit_status), ("2048x2048", 2048, 2))
        self.assertEqual(error, "vp_run: error: --array '2048': must be between 1 and 1024")
        self.assertEqual((cycles, layer_count), (None, None))  # no numbers for a failure
        self.assertEqual(command, "--workload lenet5 --array 2048x2048 --mode timing")
        self.assertEqual(query(self.local_db, "SELECT COUNT(*) FROM layers l JOIN runs r ON "
                               "l.run_id = r.id WHERE r.status != 'ok'")[0][0], 0)

    def test_rows_agree_with_the_report_and_each_other(self):
        # The layers of a run add up to its totals, and the totals to the run line.
        for (run_id, npu_cycles, busy, rd, rd_if, rd_w, rd_ps, layer_count, n_layers, sum_cycles,
             sum_rd, npu_dram, wr) in query(
                self.local_db,
                "SELECT r.id, r.npu_cycles, r.npu_busy_cycles, r.dram_read_bytes, "
                "r.dram_read_bytes_ifmap, r.dram_read_bytes_weight, r.dram_read_bytes_psum, "
                "r.layer_count, COUNT(l.run_id), SUM(l.cycles), SUM(l.dram_read_bytes), "
                "r.npu_dram_bytes, r.dram_write_bytes FROM runs r JOIN layers l "
                "ON l.run_id = r.id GROUP BY r.id"):
            self.assertEqual(npu_cycles, busy, run_id)
            self.assertEqual(npu_cycles, sum_cycles, run_id)
            self.assertEqual(rd, rd_if + rd_w + rd_ps, run_id)
            self.assertEqual(rd, sum_rd, run_id)
            self.assertEqual(npu_dram, rd + wr, run_id)
            self.assertEqual(layer_count, n_layers, run_id)
            self.assertGreater(n_layers, 0, run_id)
        # one point run by hand gives the same numbers as its row
        report = os.path.join(self.tmp, "one.json")
        subprocess.run([VP_RUN, "--workload", "lenet5", "--array", "16x16", "--dataflow", "ws",
                        "--ifmap-kb", "32", "--weight-kb", "32", "--ofmap-kb", "32", "--mode",
                        "timing", "--report", report], check=True, capture_output=True)
        with open(report, encoding="utf-8") as f:
            rep = json.load(f)
        row = query(self.local_db, "SELECT cycles, npu_busy_cycles, macs, dram_write_bytes_ofmap, "
                    "fold_overlap, fold_continuation FROM runs WHERE array = '16x16' AND "
                    "dataflow = 'ws' AND ifmap_kb = 32")
        self.assertEqual(row, [(rep["run"]["cycles"], rep["run"]["npu_busy_cycles"],
                                rep["totals"]["macs"], rep["totals"]["dram_write_bytes"]["ofmap"],
                                int(rep["config"]["fold_overlap"]),
                                rep["config"]["fold_continuation"])])
        layers = query(self.local_db, "SELECT l.name, l.op, l.cycles, l.stall_cycles, l.array, "
                       "l.dataflow FROM layers l JOIN runs r ON l.run_id = r.id WHERE "
                       "r.array = '16x16' AND r.dataflow = 'ws' AND r.ifmap_kb = 32 "
                       "ORDER BY l.layer_index")
        self.assertEqual(layers, [(lr["name"], lr["op"], lr["cycles"], lr["stall_cycles"],
                                   "16x16", "ws") for lr in rep["layers"]])

    def test_csv_export_has_the_tables(self):
        for name in ("runs", "layers"):
            with open(os.path.join(self.tmp, "csv", f"{name}.csv"), encoding="utf-8") as f:
                lines = f.read().splitlines()
            cols, rows = table(self.local_db, name)
            self.assertEqual(len(lines), 1 + len(rows), name)
            for c in cols:
                self.assertIn(c, lines[0].split(","), name)

    def test_resume_runs_nothing_and_retry_reruns_the_failure(self):
        db = os.path.join(self.tmp, "resume.sqlite")
        shutil.copy(self.local_db, db)
        before = query(db, "SELECT id, key, finished_at FROM runs ORDER BY id")
        start = time.monotonic()
        again = sweep(CI_SPEC, "--db", db, "--vp-run", VP_RUN)
        self.assertIn("13 points, 13 already in " + db + " (1 failed), 0 to run", again.stderr)
        self.assertNotIn("done", again.stderr)  # no task ran: no cluster, no progress line
        self.assertLess(time.monotonic() - start, self.local_seconds + 5)
        self.assertEqual(query(db, "SELECT id, key, finished_at FROM runs ORDER BY id"), before)

        retry = sweep(CI_SPEC, "--db", db, "--vp-run", VP_RUN, "--workers", "1",
                      "--retry-failed")
        self.assertIn("13 points, 13 already in " + db + " (1 failed, retried), 1 to run",
                      retry.stderr)
        self.assertIn("1/1 done, 1 failed", retry.stderr)
        after = query(db, "SELECT id, key FROM runs WHERE status = 'ok' ORDER BY id")
        self.assertEqual(after, [(i, k) for i, k, _ in before
                                 if k in {key for _, key in after}])  # ok rows untouched
        self.assertEqual(len(after), 12)
        self.assertEqual(table(db, "runs"), table(self.local_db, "runs"))

    def test_an_interrupted_sweep_resumes_where_it_stopped(self):
        db = os.path.join(self.tmp, "interrupted.sqlite")
        proc = subprocess.Popen([PYTHON, SWEEP, CI_SPEC, "--db", db, "--workers", "1",
                                 "--vp-run", VP_RUN], stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while stored_rows(db) < 2:  # Ctrl-C once two points are in
                self.assertLess(time.monotonic(), deadline, "no point stored in 60 s")
                self.assertIsNone(proc.poll(), "the sweep ended before it was interrupted")
                time.sleep(0.05)
            proc.send_signal(signal.SIGINT)
            err = proc.communicate(timeout=60)[1]
        finally:
            stop(proc)
        self.assertEqual(proc.returncode, 130, err)
        stored = stored_rows(db)
        self.assertIn(f"sweep: interrupted; {stored} of 13 points stored, run again to resume",
                      err)
        self.assertLess(stored, 13)
        resumed = sweep(CI_SPEC, "--db", db, "--workers", "2", "--vp-run", VP_RUN)
        self.assertIn(f"13 points, {stored} already in", resumed.stderr)
        self.assertIn(f"{13 - stored} to run", resumed.stderr)
        for name in ("runs", "layers"):
            self.assertEqual(table(db, name), table(self.local_db, name), name)

    def test_scheduler_and_two_workers_on_loopback_give_the_same_tables(self):
        procs = []
        sched_file = os.path.join(self.tmp, "scheduler.json")
        env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
        try:
            procs.append(subprocess.Popen(
                # --idle-timeout, --death-timeout: should this test itself be killed
                # (ctest's timeout), what it started still ends on its own.
                find_dask_command("scheduler") + ["--host", "127.0.0.1", "--port", "0",
                                                  "--no-dashboard", "--scheduler-file",
                                                  sched_file, "--idle-timeout", "120s"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                env=env))
            deadline = time.monotonic() + 60
            while not os.path.exists(sched_file):
                self.assertLess(time.monotonic(), deadline, "dask scheduler did not start")
                self.assertIsNone(procs[0].poll(), "dask scheduler exited")
                time.sleep(0.2)
            time.sleep(0.2)  # the file is written whole before the scheduler listens
            with open(sched_file, encoding="utf-8") as f:
                address = json.load(f)["address"]
            self.assertTrue(address.startswith("tcp://127.0.0.1:"), address)
            for _ in range(2):
                procs.append(subprocess.Popen(
                    find_dask_command("worker") + [address, "--nthreads", "1", "--nworkers",
                                                   "1", "--no-dashboard", "--host",
                                                   "127.0.0.1", "--death-timeout", "30"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    start_new_session=True, env=env))
            warnings.filterwarnings("ignore", category=DeprecationWarning)  # tornado's, Debian 12
            from distributed import Client

            with Client(address, timeout=30) as client:
                client.wait_for_workers(2, timeout=60)
            remote_db = os.path.join(self.tmp, "remote.sqlite")
            run = sweep(CI_SPEC, "--db", remote_db, "--scheduler", address, "--vp-run", VP_RUN)
            self.assertIn("13/13 done, 1 failed", run.stderr)
            for name in ("runs", "layers"):
                self.assertEqual(table(remote_db, name), table(self.local_db, name), name)
            workers = {w for (w,) in query(remote_db, "SELECT DISTINCT worker FROM runs")}
            self.assertEqual(len(workers), 2, workers)
            self.assertTrue(all(w.startswith("tcp://127.0.0.1:") for w in workers), workers)
        finally:
            for p in reversed(procs):  # workers first, then the scheduler
                stop(p)

    def test_slurm_script_and_collect(self):
        slurm_dir = os.path.join(self.tmp, "slurm")
        slurm_db = os.path.join(self.tmp, "slurm.sqlite")
        gen = sweep(CI_SPEC, "--db", slurm_db, "--slurm", slurm_dir, "--vp-run", VP_RUN)
        self.assertIn("13 array tasks", gen.stderr)
        script = os.path.join(slurm_dir, "sweep.sbatch")
        with open(script, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("#SBATCH --array=0-12\n", text)
        self.assertIn("#SBATCH --time=4\n", text)  # the 120 s timeout plus margins, minutes
        # Each array task as Slurm would run it; the last one only after a first collect.
        for i in range(13):
            if i == 12:
                partial = sweep("collect", slurm_dir, check=False)
                self.assertEqual(partial.returncode, 1)
                self.assertIn("12 points stored (0 failed), 1 not finished: 12", partial.stderr)
            subprocess.run(["bash", script], check=True, timeout=120,
                           env=dict(os.environ, SLURM_ARRAY_TASK_ID=str(i)))
        done = sweep("collect", slurm_dir)  # the database comes from points.json
        self.assertIn("1 points stored (1 failed), 0 not finished", done.stderr)
        for name in ("runs", "layers"):
            self.assertEqual(table(slurm_db, name), table(self.local_db, name), name)
        # generating again: nothing is pending
        again = sweep(CI_SPEC, "--db", slurm_db, "--slurm", slurm_dir, "--vp-run", VP_RUN)
        self.assertIn("13 already in", again.stderr)
        self.assertIn("0 to run", again.stderr)

    def test_spec_errors_are_one_line(self):
        bad = os.path.join(self.tmp, "bad.yaml")
        cases = [
            ("workloads: [lenet5]\ngrid: {arrayy: [8x8]}\n",
             "option 'arrayy' is not a vp_run option"),
            ("workloads: [lenet5]\ngrid: {report: [x.json]}\n", "option 'report' cannot be swept"),
            ("workloads: [lenet5]\ngrid: {array: []}\n", "'array' has an empty list"),
            ("grid: {array: [8x8]}\n", "no 'workloads'"),
            ("workloads: [lenet5]\ngrd: {}\n", "unknown key 'grd'"),
            ("workloads: [lenet5]\ngrid: {buffer-kb: [8], ifmap-kb: [16]}\n",
             "'ifmap-kb' is both 8 and 16"),
            ("workloads: [lenet5]\noptions: {mode: timing}\ngrid: {mode: [timing]}\n",
             "'mode' is given twice"),
            ("workloads: [lenet5\n", "bad.yaml': expected ',' or ']', but got '<stream end>' (line 2"),
        ]
        for text, message in cases:
            with open(bad, "w", encoding="utf-8") as f:
                f.write(text)
            proc = sweep(bad, "--db", os.path.join(self.tmp, "bad.sqlite"), "--vp-run", VP_RUN,
                         check=False)
            self.assertEqual(proc.returncode, 2, text)
            lines = proc.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, proc.stderr)
            self.assertIn(message, lines[0], text)
        garbage = os.path.join(self.tmp, "garbage.sqlite")
        with open(garbage, "w", encoding="utf-8") as f:
            f.write("not a database, but a file someone named .sqlite\n")
        proc = sweep(CI_SPEC, "--db", garbage, "--vp-run", VP_RUN, check=False)
        self.assertEqual((proc.returncode, proc.stderr),
                         (2, f"vp_sweep.py: --db '{garbage}': file is not a database\n"))

    def test_a_vp_run_that_cannot_start_is_an_error_per_point(self):
        spec = os.path.join(self.tmp, "missing.yaml")
        with open(spec, "w", encoding="utf-8") as f:
            f.write("workloads: [lenet5]\ngrid: {array: [8x8, 16x16]}\n")
        db = os.path.join(self.tmp, "missing.sqlite")
        missing = os.path.join(self.tmp, "no_such_dir", "vp_run")
        proc = sweep(spec, "--db", db, "--vp-run", missing, "--workers", "1")
        self.assertIn("2/2 done, 2 failed", proc.stderr)
        rows = query(db, "SELECT status, exit_status, error, array FROM runs ORDER BY array")
        self.assertEqual([r[:2] + (r[3],) for r in rows],
                         [("error", None, "16x16"), ("error", None, "8x8")])
        for _, _, error, _ in rows:
            self.assertRegex(error, "^cannot run '" + missing + "' on .*: No such file or directory$")

    def test_toml_spec_and_shorthands(self):
        spec = os.path.join(self.tmp, "s.toml")
        with open(spec, "w", encoding="utf-8") as f:
            f.write('name = "t"\nworkloads = ["lenet5"]\n[options]\nmode = "timing"\n'
                    '[grid]\ncontrol = ["irq", "call+poll"]\narray = [8, "16X16"]\n'
                    'buffer_kb = [16]\n')
        proc = sweep(spec, "--db", os.path.join(self.tmp, "t.sqlite"), "--vp-run", VP_RUN,
                     "--dry-run")
        self.assertIn("4 points", proc.stderr)
        cmds = proc.stdout.splitlines()
        self.assertEqual(len(cmds), 4)
        self.assertIn(f"{VP_RUN} --workload lenet5 --array 8x8 --completion poll --control call "
                      "--ifmap-kb 16 --mode timing --ofmap-kb 16 --weight-kb 16", cmds)
        self.assertIn(f"{VP_RUN} --workload lenet5 --array 16x16 --control irq --ifmap-kb 16 "
                      "--mode timing --ofmap-kb 16 --weight-kb 16", cmds)


def stop(proc):
    """Stops a process this test started, and its children (its own session)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_vp_sweep.py PATH/TO/vp_run [unittest args]")
    VP_RUN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
