"""Clean stops of `noticeflow ingest` (embedded: Prefect's temporary API, a local Dask cluster):
Ctrl-C and SIGTERM end the run within 5 s with one message and exit 130 / 143; kill -9 leaves
no process behind; the stopped run is marked `interrupted` and the next run finishes the work
without storing anything twice."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from gen_synthetic import generate  # noqa: E402

pytestmark = pytest.mark.slow
N = 1000


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, stack = set(), [pid]
    while stack:
        for c in children.get(stack.pop(), []):
            out.add(c)
            stack.append(c)
    return out


def alive(pids: set[int]) -> set[int]:
    left = set()
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                    left.add(p)
        except OSError:
            pass
    return left


def _env() -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for k in ("PREFECT_API_URL", "PREFECT_HOME", "PREFECT_TEST_MODE"):
        env.pop(k, None)
    return env


@pytest.fixture(scope="module")
def notices(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stops") / "notices"
    generate(N, folder)
    return folder


def _start_mid_run(folder, db, cwd) -> tuple[subprocess.Popen, set[int]]:
    """An embedded ingest, returned once it is extracting (its workers and API are up and the
    warehouse is open), with the processes it started by then."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "noticeflow", "ingest", str(folder), "--db", str(db),
         "--batch-size", "5", "--workers", "1"],
        cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    deadline = time.monotonic() + 240
    while not db.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    # Batches are loading once DuckDB's write-ahead log grows past the run's first rows.
    wal = db.with_name(db.name + ".wal")
    start = wal.stat().st_size if wal.exists() else 0
    while proc.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > start + 200_000:
            break
        time.sleep(0.1)
    assert proc.poll() is None, "the ingest ended before it could be stopped: " + proc.stderr.read()[-2000:]
    kids = descendants(proc.pid)
    assert len(kids) >= 2  # at least the temporary API and a Dask worker
    return proc, kids


def _runs(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select status from ingest_runs order by started_at").fetchall()
    finally:
        con.close()


def _documents(db) -> tuple[int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select count(*), count(distinct path) from documents").fetchone()
    finally:
        con.close()


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["sigint", "sigterm"])
def test_a_signal_stops_the_run_within_5_s_and_the_next_run_finishes(notices, tmp_path, sig, code):
    db = tmp_path / "w.duckdb"
    proc, kids = _start_mid_run(notices, db, tmp_path)
    t0 = time.monotonic()
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C in a terminal reaches the whole foreground group
    else:
        proc.send_signal(sig)  # a scheduler or `kill` signals the process alone
    try:
        proc.wait(timeout=30)
        took = time.monotonic() - t0  # the CLI's own exit; its helpers are checked below
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == code, err[-3000:]
    assert took < 5, f"stopping took {took:.1f} s"
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["noticeflow: interrupted; rerun to finish (everything loaded so far is kept)"], err[-3000:]
    time.sleep(1)
    assert alive(kids) == set(), "helper processes outlived the run"

    assert _runs(db) == [("interrupted",)]
    loaded, paths = _documents(db)
    assert loaded == paths and 0 < loaded < N
    from noticeflow.flows.cli_warehouse import unchanged_run

    assert unchanged_run([str(notices)], str(db)) is None  # there is work left


def test_kill_9_leaves_no_process_and_the_next_run_marks_it_interrupted(notices, tmp_path):
    db = tmp_path / "w.duckdb"
    proc, kids = _start_mid_run(notices, db, tmp_path)
    os.kill(proc.pid, signal.SIGKILL)  # the CLI alone: its helpers must notice by themselves
    proc.wait()
    deadline = time.monotonic() + 5
    while alive(kids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive(kids) == set(), f"processes left 5 s after kill -9: {alive(kids)}"
    os.killpg(proc.pid, signal.SIGKILL) if alive(descendants(proc.pid)) else None

    again = subprocess.run([sys.executable, "-m", "noticeflow", "ingest", str(notices), "--db", str(db),
                            "--json"], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _runs(db) == [("interrupted",), ("completed",)]
    assert _documents(db) == (N, N)
