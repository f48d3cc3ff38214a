"""The warehouse shared by real processes: an ingest, the review app, queries, a second ingest.

Every process is a real `noticeflow` command (the review app on a free loopback port), so the
file is shared the way users share it (warehouse.access): none fails because another holds it.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

import duckdb
import httpx
import pytest

from conftest import ROOT

from noticeflow.flows import prefect_env

prefect_env.configure(quiet=True)

from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from noticeflow.warehouse import access  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from gen_synthetic import generate  # noqa: E402

N_INGEST = 2000       # notices the nightly ingest brings while the reviewer works
N_CORRECTIONS = 100
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SNAPSHOT_SQL = ("SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM records) AS records,"
                " (SELECT count(*) FROM fees WHERE is_current) AS fees")


@pytest.fixture(scope="module")
def prefect_api():
    """One test Prefect API for every ingest of the module (the CLI then skips its temporary one)."""
    from prefect.settings import PREFECT_API_URL

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


@pytest.fixture(scope="module")
def base(tmp_path_factory, prefect_api) -> dict:
    """A warehouse holding the five seed notices (which the reviewer corrects), and folders of
    generated notices for the ingests."""
    root = tmp_path_factory.mktemp("sharing")
    corpus = root / "corpus"
    corpus.mkdir()
    for f in sorted((ROOT / "corpus").glob("*.txt")):
        shutil.copy(f, corpus / f.name)
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    db = root / "base.duckdb"
    done = cli(["ingest", str(corpus), "--db", str(db)], env)
    assert done.returncode == 0, done.stderr
    generate(N_INGEST, root / "nightly", seed=7)
    generate(300, root / "small", seed=23)
    with access.connect(db, read_only=True) as con:
        keys = [k for (k,) in con.execute("SELECT path FROM documents ORDER BY path").fetchall()]
    return {"root": root, "db": db, "env": env, "keys": keys}


def cli(args: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "noticeflow", *args], env=env, capture_output=True,
                          text=True, timeout=600, **kw)


def start(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "noticeflow", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def copy_db(base: dict, name: str) -> pathlib.Path:
    db = base["root"] / f"{name}.duckdb"
    shutil.copy(base["db"], db)
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReviewApp:
    """`noticeflow review` in a subprocess on a free loopback port."""

    def __init__(self, db, env):
        self.port = free_port()
        self.proc = start(["review", "--db", str(db), "--port", str(self.port)], env)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/queue", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"the review app did not start: {self.proc.stderr.read()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def correction(i: int, keys: list[str]) -> tuple[str, dict]:
    """The i-th reviewer save: the first fee of one seed notice, a new amount each time."""
    return keys[i % len(keys)], {"prefix": "fees[0]", "f:amount": str(600 + i),
                                 "k:amount": "num", "reason": f"save {i}"}


_LOADED = re.compile(r'data-unit="fees\[0\]".*?name="o:amount" value="([^"]*)"', re.S)


def save_all(client, keys: list[str], running=lambda: False) -> int:
    """The reviewer's 100 saves (a notice page, then its form); how many landed while `running()`."""
    during = 0
    for i in range(N_CORRECTIONS):
        key, form = correction(i, keys)
        page = client.get("/notice", params={"key": key})
        assert page.status_code == 200, page.text[:300]
        loaded = _LOADED.search(page.text)[1]  # the value the page showed (optimistic concurrency)
        r = client.post("/notice/save", data={**form, "key": key, "csrf": CSRF.search(page.text)[1],
                                              "o:amount": loaded}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        during += running()
    return during


# Numbers drawn from a sequence: a save retried after a write conflict draws again, so only
# their order is compared. A notice's extraction enters review_base when its first correction is
# refreshed, and the background refreshes of different notices run in whatever order saves and
# the ingest leave them: only the order within one notice is the warehouse's.
SEQUENCE_COLUMNS = {"corrections": ("id", 'row_number() OVER (ORDER BY "id")'),
                    "review_base": ("seq", 'row_number() OVER (PARTITION BY notice_key ORDER BY "seq")')}


def contents(db) -> dict[str, list[str]]:
    """Every table's rows but ingest_runs' and review_refreshed's (bookkeeping of when runs and
    background refreshes happened), without run ids and timestamps, order-independent."""
    from noticeflow.review.refresher import flush_all

    flush_all()  # an in-process review app's background refreshes are written
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal"
                                " AND table_name NOT IN ('ingest_runs', 'review_refreshed') ORDER BY 1").fetchall():
            seq_col, seq_order = SEQUENCE_COLUMNS.get(t, (None, None))
            cols = [f'"{c}"' if c != seq_col else seq_order
                    for c, typ in con.execute(
                        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                        [t]).fetchall() if c != "run_id" and not typ.startswith("TIMESTAMP")]
            out[t] = sorted(map(repr, con.execute(f'SELECT {", ".join(cols)} FROM "{t}"').fetchall()))
        return out
    finally:
        con.close()


def test_ingest_while_a_reviewer_saves_and_analysts_query(base):
    """2,000 notices ingested while a reviewer saves 100 corrections over HTTP and a loop runs
    `noticeflow query`: everything completes, and the tables equal a quiet run's."""
    env, keys = base["env"], base["keys"]
    db = copy_db(base, "shared")
    app = ReviewApp(db, env)
    try:
        ingest = start(["ingest", str(base["root"] / "nightly"), "--db", str(db), "--json"], env)
        failures, snapshots, stable = [], [], []

        def queries():
            while ingest.poll() is None:
                r = cli(["query", SNAPSHOT_SQL, "--db", str(db), "--format", "jsonl"], env)
                if r.returncode != 0:
                    failures.append(r.stderr)
                    continue
                snapshots.append(json.loads(r.stdout.splitlines()[0]))
                with access.connect(db, read_only=True) as ro:  # one snapshot, read twice
                    first = ro.execute(SNAPSHOT_SQL).fetchall()
                    time.sleep(0.5)
                    stable.append(first == ro.execute(SNAPSHOT_SQL).fetchall())

        with access.connect(db, read_only=True) as con:  # the reviewer starts once loading has
            deadline = time.monotonic() + 300
            while con.execute("SELECT count(*) FROM documents").fetchall()[0][0] == len(keys):
                assert ingest.poll() is None and time.monotonic() < deadline, ingest.stderr.read()
                con.rollback()  # a new snapshot
                time.sleep(0.2)
        looping = threading.Thread(target=queries)
        looping.start()
        with httpx.Client(base_url=app.url, timeout=120) as client:
            saved_during = save_all(client, keys, lambda: ingest.poll() is None)
        out, err = ingest.communicate(timeout=600)
        looping.join(timeout=120)
    finally:
        app.stop()

    assert ingest.returncode == 0, err
    summary = json.loads(out.splitlines()[-1])
    assert (summary["ingested"], summary["quarantined"]) == (N_INGEST, 0)
    assert saved_during >= 10, f"only {saved_during} saves landed while the ingest ran: the test shares little"
    assert failures == []
    assert len(snapshots) >= 2 and all(s["documents"] == s["records"] for s in snapshots)  # whole batches
    assert snapshots == sorted(snapshots, key=lambda s: s["documents"])
    assert stable and all(stable)
    final = dict(rows(db, "SELECT d.path, f.amount FROM fees f JOIN documents d USING (doc_key)"
                          " WHERE d.is_current AND f.idx = 0 AND f.origin = 'corrected'"))
    assert rows(db, "SELECT count(*) FROM corrections") == [(N_CORRECTIONS,)]
    assert final == {k: 600 + max(i for i in range(N_CORRECTIONS) if keys[i % len(keys)] == k) for k in keys}

    # The same ingest and the same saves, one after the other.
    quiet = copy_db(base, "quiet")
    done = cli(["ingest", str(base["root"] / "nightly"), "--db", str(quiet)], env)
    assert done.returncode == 0, done.stderr
    from fastapi.testclient import TestClient

    from noticeflow.review.app import create_app

    save_all(TestClient(create_app(quiet), base_url="http://127.0.0.1:8000"), keys)
    got, want = contents(db), contents(quiet)
    assert got.keys() == want.keys()
    assert [t for t in want if got[t] != want[t]] == []


def rows(db, q: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(q).fetchall()
    finally:
        con.close()


def test_two_ingests_started_together_both_complete(base):
    """The second waits for the first, saying who holds the warehouse, then finds nothing left to do."""
    env = base["env"]
    db = copy_db(base, "twice")
    small = str(base["root"] / "small")
    runs = [start(["ingest", small, "--db", str(db), "--json"], env) for _ in range(2)]
    results = [p.communicate(timeout=600) for p in runs]
    assert [p.returncode for p in runs] == [0, 0], [err for _, err in results]
    summaries = sorted((json.loads(out.splitlines()[-1]) for out, _ in results), key=lambda s: -s["ingested"])
    assert [(s["ingested"], s["unchanged"]) for s in summaries] == [(300, 0), (0, 300)]
    waited = [err for _, err in results if "another ingest is running" in err]
    assert len(waited) == 1 and re.search(r"pid \d+ \(.*ingest .*small", waited[0])
    assert rows(db, "SELECT count(*), count(DISTINCT path), max(version) FROM documents") == [(305, 305, 1)]


def test_an_ingest_started_while_the_app_serves_the_queue_completes(base):
    env = base["env"]
    db = copy_db(base, "queue")
    app = ReviewApp(db, env)
    statuses, stop = [], threading.Event()

    def serve_queue():
        with httpx.Client(base_url=app.url, timeout=120) as client:
            while not stop.is_set():
                statuses.append(client.get("/queue").status_code)

    try:
        threads = [threading.Thread(target=serve_queue) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        done = cli(["ingest", str(base["root"] / "small"), "--db", str(db), "--json"], env)
        stop.set()
        for t in threads:
            t.join(timeout=60)
    finally:
        app.stop()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["ingested"] == 300
    assert len(statuses) > 10 and set(statuses) == {200}
