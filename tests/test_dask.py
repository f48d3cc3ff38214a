"""Extraction on an existing Dask cluster joined the way machines join one: `dask scheduler` and
`dask worker` processes on loopback, `noticeflow ingest --dask tcp://127.0.0.1:PORT`."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from conftest import ROOT

from noticeflow.flows import prefect_env

prefect_env.configure(quiet=True)

from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from noticeflow.flows import ingest as ingest_mod  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from gen_synthetic import generate  # noqa: E402

pytestmark = pytest.mark.slow
PRELOAD = ROOT / "tests" / "dask_crash_preload.py"


@pytest.fixture(scope="module", autouse=True)
def prefect_api():
    with prefect_test_harness(server_startup_timeout=120):
        yield


def _env() -> dict:
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
            # a task whose worker dies fails at once; noticeflow then isolates the document
            "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


@pytest.fixture
def dask_cluster(tmp_path):
    """A scheduler on a random loopback port and two single-threaded workers (each under its
    nanny), every worker with the test preload that crashes on KILLS-WORKER files."""
    env, procs = _env(), []
    sched_file = tmp_path / "scheduler.json"
    log = open(tmp_path / "dask.log", "wb")

    def start(*args) -> subprocess.Popen:
        p = subprocess.Popen([sys.executable, "-m", "dask", *args], env=env, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(p)
        return p

    start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
          "--scheduler-file", str(sched_file))
    deadline = time.monotonic() + 60
    while not sched_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    address = json.loads(sched_file.read_text())["address"]
    workers = [start("worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1",
                     "--preload", str(PRELOAD), "--memory-limit", "2GiB") for _ in range(2)]
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=90)
    try:
        yield address, workers
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        log.close()


def comparable_tables(db) -> dict[str, list]:
    """Every table's rows without what differs between two runs of the same input (timestamps,
    run ids), order-independent."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name NOT IN"
                                " ('ingest_runs', 'schema_version')").fetchall():
            cols = [c for c, typ in con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?", [t]).fetchall()
                    if not typ.startswith("TIMESTAMP") and c not in ("run_id", "last_run_id")]
            rows = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{t}"').fetchall()
            out[t] = sorted(map(repr, rows))
        return out
    finally:
        con.close()


def _ingest_cli(folder, db, address, cwd, *extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "noticeflow", "ingest", str(folder), "--db", str(db), "--dask", address,
         "--json", *extra], cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_500_notices_on_a_dask_cluster_match_a_local_run_even_when_a_worker_is_killed(tmp_path, dask_cluster):
    address, workers = dask_cluster
    folder = tmp_path / "notices"
    generate(500, folder)

    local = ingest_mod.run([str(folder)], db=str(tmp_path / "local.duckdb"), workers=2)
    assert (local["ingested"], local["quarantined"]) == (500, 0)

    from distributed import Client

    proc = _ingest_cli(folder, tmp_path / "dask.duckdb", address, tmp_path, "--batch-size", "10")
    killed = False
    with Client(address, timeout=30) as client:
        deadline = time.monotonic() + 180
        while proc.poll() is None and time.monotonic() < deadline:
            if sum(len(v) for v in client.processing().values()):
                time.sleep(1.0)  # a few batches in: extraction is under way
                if proc.poll() is None:
                    os.killpg(workers[0].pid, signal.SIGKILL)  # a machine leaves: nanny and worker
                    killed = True
                break
            time.sleep(0.1)
    out, err = proc.communicate(timeout=240)
    assert killed, "the run finished before a worker could be killed"
    assert proc.returncode == 0, err[-2000:]
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["ingested"] + summary["quarantined"] == 500
    assert summary["quarantined"] == 0, summary["quarantine"]  # killing a worker is not a document's fault
    assert summary["flow_run"]["name"] and summary["flow_run"]["url"].startswith("http")  # a server: name the run
    assert comparable_tables(tmp_path / "dask.duckdb") == comparable_tables(tmp_path / "local.duckdb")


def test_a_document_that_kills_its_worker_is_the_only_one_quarantined(tmp_path, dask_cluster):
    address, _ = dask_cluster
    folder = tmp_path / "notices"
    generate(30, folder)
    victim = sorted(folder.rglob("*.txt"))[7]
    shutil.copy(victim, victim.with_name("KILLS-WORKER.txt"))
    pdf = next((ROOT / "corpus").glob("*.pdf"))
    (folder / "truncated.pdf").write_bytes(pdf.read_bytes()[:700])  # a bad PDF, on Dask too

    proc = _ingest_cli(folder, tmp_path / "w.duckdb", address, tmp_path, "--batch-size", "8")
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-2000:]
    s = json.loads(out.strip().splitlines()[-1])
    reasons = {pathlib.Path(p).name: e for p, e in s["quarantine"]}
    assert set(reasons) == {"KILLS-WORKER.txt", "truncated.pdf"}
    assert reasons["KILLS-WORKER.txt"] == ingest_mod.WORKER_DIED
    assert s["ingested"] == 30
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*), count(distinct path) from documents").fetchall() == [(30, 30)]
    finally:
        con.close()
