"""Against a real `prefect server start` (not the test harness): a cron deployment served by
`noticeflow serve` fires and loads the corpus; one deployed on a process work pool with
`noticeflow deploy --pool` is run by `prefect worker start`; Prefect's CLI listings work.

This is what broke with unpinned dependencies (SQLAlchemy 2.1: the scheduler created no runs;
FastAPI 0.151+: every `prefect ... ls` answered 422)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import duckdb
import httpx
import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

DEADLINE_S = 170  # the cron fires on the next minute; the run then takes ~20-40 s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(cmd: list[str], env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect_home")
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port),
           "PREFECT_UI_ENABLED": "false",
           # Quick pickup: the scheduler, the runner and the worker poll every few seconds.
           "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
           "PREFECT_RUNNER_POLL_FREQUENCY": "3", "PREFECT_WORKER_QUERY_SECONDS": "3",
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("PREFECT_TEST_MODE", None)
    log = open(home / "server.log", "wb")
    proc = _start([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                   "--port", str(port), "--no-ui"], env, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, (home / "server.log").read_text(errors="replace")[-2000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        _stop(proc)
        pytest.fail("prefect server did not answer within 90 s")
    yield env, home
    _stop(proc)
    log.close()


def _prefect(env, *args) -> subprocess.CompletedProcess:
    # A wide terminal, or Rich shortens the names in the tables.
    return subprocess.run([sys.executable, "-m", "prefect", *args], env={**env, "COLUMNS": "300"}, capture_output=True,
                          text=True, timeout=60)


def _fees(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select count(*) from documents").fetchall()
    finally:
        con.close()


def _wait_loaded(db, n: int, procs: list[subprocess.Popen], logs: list) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        for p, log in zip(procs, logs):
            assert p.poll() is None, log.read_text(errors="replace")[-3000:]
        if db.exists():
            try:
                if _fees(db) == [(n,)]:
                    return
            except duckdb.Error:  # the run is writing it
                pass
        time.sleep(2)
    pytest.fail(f"no scheduled run loaded {db.name} within {DEADLINE_S} s:\n"
                + "\n".join(log.read_text(errors="replace")[-3000:] for log in logs))


def _completed_runs(env) -> list[str]:
    runs = _prefect(env, "flow-run", "ls", "--state-type", "COMPLETED", "--limit", "50")
    return [line for line in runs.stdout.splitlines() if "completed" in line.lower()] if runs.returncode == 0 else []


def _wait_completed(env, n: int, procs, logs) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if len(_completed_runs(env)) >= n:
            return
        time.sleep(3)
    pytest.fail(f"fewer than {n} runs COMPLETED within {DEADLINE_S} s:\n"
                + "\n".join(log.read_text(errors="replace")[-3000:] for log in logs))


def test_cron_deployments_fire_on_serve_and_on_a_work_pool(server, tmp_path):
    env, home = server
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in sorted((ROOT / "corpus").glob("*.txt")):
        shutil.copy(f, corpus / f.name)
    served_db, pooled_db = tmp_path / "served.duckdb", tmp_path / "pooled.duckdb"
    nf = [sys.executable, "-m", "noticeflow"]

    r = subprocess.run([*nf, "deploy", str(corpus), "--pool", "nf-test-pool", "--cron", "* * * * *",
                        "--db", str(pooled_db), "--name", "pooled", "--workers", "1"],
                       env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "work pool 'nf-test-pool'" in r.stdout
    pools = _prefect(env, "work-pool", "ls")
    assert pools.returncode == 0 and "nf-test-pool" in pools.stdout, pools.stdout + pools.stderr

    logs = [tmp_path / "serve.log", tmp_path / "worker.log"]
    handles = [open(p, "wb") for p in logs]
    procs = [
        _start([*nf, "serve", str(corpus), "--cron", "* * * * *", "--db", str(served_db),
                "--name", "served", "--workers", "1"], env, handles[0]),
        _start([sys.executable, "-m", "prefect", "worker", "start", "--pool", "nf-test-pool",
                "--type", "process"], env, handles[1]),
    ]
    try:
        _wait_loaded(served_db, 5, procs, logs)
        _wait_loaded(pooled_db, 5, procs, logs)
        # a run writes the warehouse before it finishes (diff, summary artifact, final state): the
        # serve and worker processes are stopped only once both runs are COMPLETED, or a loaded
        # machine stops one mid-way (seen: 1 of 2 completed)
        _wait_completed(env, 2, procs, logs)
    finally:
        for p in procs:
            _stop(p)
        for h in handles:
            h.close()

    for db in (served_db, pooled_db):
        con = duckdb.connect(str(db), read_only=True)
        try:
            fees = sorted(a for (a,) in con.execute(
                "select amount from fees where kind = 'individual' and is_current").fetchall())
        finally:
            con.close()
        assert fees == [320.0, 350.0, 350.0, 350.0, 380.0]

    deployments = _prefect(env, "deployment", "ls")
    assert deployments.returncode == 0, deployments.stdout + deployments.stderr
    assert "noticeflow-ingest/served" in deployments.stdout and "noticeflow-ingest/pooled" in deployments.stdout
    runs = _prefect(env, "flow-run", "ls", "--state-type", "COMPLETED", "--limit", "50")  # not crowded out by the scheduled ones
    assert runs.returncode == 0, runs.stdout + runs.stderr
    completed = [line for line in runs.stdout.splitlines() if "completed" in line.lower()]
    assert len(completed) >= 2, runs.stdout
    artifacts = _prefect(env, "artifact", "ls")
    assert artifacts.returncode == 0, artifacts.stdout + artifacts.stderr
    assert "noticeflow-ingest-summary" in artifacts.stdout
