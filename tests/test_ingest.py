"""The Prefect ingest flow end to end, on a test Prefect API (prefect_test_harness), offline."""
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
from typer.testing import CliRunner

from conftest import ROOT, SHARED, query_rows

from noticeflow.flows import prefect_env

prefect_env.configure(quiet=True)

from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from noticeflow.flows import ingest as ingest_mod  # noqa: E402
from noticeflow.flows.cli import app  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from gen_synthetic import generate  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def prefect_api():
    with prefect_test_harness(server_startup_timeout=120):
        yield


def run(paths, db, **kw) -> dict:
    return ingest_mod.run([str(p) for p in paths], db=str(db), **kw)


def tables(db) -> dict[str, list]:
    """Full contents of every table but ingest_runs, order-independent."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name <> 'ingest_runs'").fetchall()]
        return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall())) for t in names}
    finally:
        con.close()


sql = query_rows  # conftest


def gold_fees() -> list[tuple]:
    out = []
    for f in sorted((SHARED / "gold").glob("*.json")):
        g = json.loads(f.read_text(encoding="utf-8"))
        for fee in g["fees"]:
            if fee["kind"] == "individual":
                out.append((g["region"]["county"], g["policy_year"], float(fee["amount"])))
    return sorted(out)


@pytest.fixture
def corpus(tmp_path: pathlib.Path) -> pathlib.Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for f in sorted((ROOT / "corpus").glob("*.txt")):
        shutil.copy(f, folder / f.name)
    return folder


def test_corpus_fees_rerun_identical_and_edit_makes_one_version(corpus, tmp_path):
    db = tmp_path / "w.duckdb"
    s1 = run([corpus], db)
    assert (s1["discovered"], s1["ingested"], s1["new"], s1["quarantined"]) == (5, 5, 5, 0)
    fees = sql(db, "select county, policy_year, amount from fees where kind = 'individual'")
    assert sorted(fees) == gold_fees()
    assert sorted(a for _, _, a in fees) == [320.0, 350.0, 350.0, 350.0, 380.0]
    before = tables(db)

    s2 = run([corpus], db)
    assert (s2["unchanged"], s2["ingested"], s2["quarantined"]) == (5, 0, 0)
    assert tables(db) == before

    edited = sorted(corpus.glob("*.txt"))[3]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n附件:征缴任务分解表\n", encoding="utf-8")
    s3 = run([corpus], db)
    assert (s3["new_version"], s3["new"], s3["unchanged"]) == (1, 0, 4)
    rows = sql(db, "select version, is_current, valid_to is null from documents where path = ?"
                   " order by version", str(edited))
    assert rows == [(1, False, False), (2, True, True)]
    assert sql(db, "select count(*) from documents")[0][0] == 6
    assert sql(db, "select count(*) from records where is_current")[0][0] == 5
    assert sorted(sql(db, "select county, policy_year, amount from fees"
                          " where kind = 'individual' and is_current")) == gold_fees()
    assert tables(db) != before and run([corpus], db)["unchanged"] == 5


def test_bad_inputs_are_quarantined_and_good_ones_loaded(corpus, tmp_path):
    db = tmp_path / "w.duckdb"
    good = sorted(corpus.glob("*.txt"))
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "garbage.txt").write_bytes(bytes(range(256)) * 40)
    pdf = next((ROOT / "corpus").glob("*.pdf"), None)
    truncated = (pdf.read_bytes()[:700] if pdf else b"%PDF-1.4\n1 0 obj\n<<")
    (corpus / "truncated.pdf").write_bytes(truncated)
    missing = tmp_path / "no_such_folder"
    s = run([corpus, missing], db)
    bad = {pathlib.Path(p).name: e for p, e in s["quarantine"]}
    assert set(bad) == {"empty.txt", "garbage.txt", "truncated.pdf", "no_such_folder"}
    assert all(e and "\n" not in e for e in bad.values())
    assert "empty" in bad["empty.txt"] and "no such" in bad["no_such_folder"]
    assert s["ingested"] == len(good) and s["quarantined"] == 4
    assert sql(db, "select count(*) from records")[0][0] == len(good)

    # A stored notice that turns bad keeps its stored version. Quarantined files whose bytes
    # did not change are not retried (same bytes, same error) unless asked to.
    good[0].write_bytes(b"")
    s2 = run([corpus, missing], db)
    assert (s2["quarantined"], s2["still_quarantined"], s2["unchanged"]) == (2, 3, len(good) - 1)
    assert sql(db, "select attempts from quarantine where path = ?", str(corpus / "empty.txt")) == [(1,)]
    assert sql(db, "select attempts from quarantine where path = ?", str(good[0])) == [(1,)]
    (corpus / "garbage.txt").write_bytes(bytes(range(255, -1, -1)) * 40)  # changed bytes: retried
    s3 = run([corpus, missing], db, retry_quarantined=False)
    assert (s3["quarantined"], s3["still_quarantined"]) == (2, 3)  # garbage.txt again, no_such_folder
    assert sql(db, "select attempts from quarantine where path = ?", str(corpus / "garbage.txt")) == [(2,)]
    s4 = run([corpus, missing], db, retry_quarantined=True)
    assert (s4["quarantined"], s4["still_quarantined"]) == (5, 0)
    assert sql(db, "select attempts from quarantine where path = ?", str(corpus / "empty.txt")) == [(2,)]
    assert sql(db, "select is_current from documents where path = ?", str(good[0])) == [(True,)]
    assert sql(db, "select count(*) from fees where is_current and kind = 'individual'")[0][0] == len(good)


def test_a_notice_past_the_time_limit_is_quarantined_not_loaded_empty(tmp_path):
    """The limit fires inside an extractor; it used to be caught there as "nothing found" and the
    notice loaded with empty fields. Now it is quarantined and --strict would fail."""
    folder = tmp_path / "in"
    folder.mkdir()
    heavy = folder / "heavy.txt"
    heavy.write_text((ROOT / "corpus" / "000_beb0d831110dae00.txt").read_text(encoding="utf-8") * 100,
                     encoding="utf-8")  # ~0.3 s of extraction
    db = tmp_path / "w.duckdb"
    s = run([folder], db, time_limit=0.02)
    assert (s["ingested"], s["quarantined"]) == (0, 1)
    assert s["quarantine"] == [(str(heavy), "extraction timed out after 0.02 s")]
    assert sql(db, "select count(*) from documents") == [(0,)]
    r = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(tmp_path / "cli.duckdb"),
                                 "--time-limit", "0.02", "--strict"])
    assert r.exit_code == 1 and "quarantined 1" in r.output
    assert run([folder], tmp_path / "fresh.duckdb", time_limit=120)["ingested"] == 1  # given time, it loads


def test_special_and_oversized_files_are_quarantined_without_blocking_or_hashing(corpus, tmp_path, monkeypatch):
    from noticeflow.warehouse import store

    fifo = corpus / "pipe.txt"
    os.mkfifo(fifo)
    big = corpus / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(25_000_000)  # sparse: over the 20 MB limit
    hashed = []
    real = store.hashlib.sha256

    class Spy:
        def __init__(self):
            self.h = real()

        def update(self, data):
            hashed.append(len(data))
            self.h.update(data)

        def hexdigest(self):
            return self.h.hexdigest()

    monkeypatch.setattr(store.hashlib, "sha256", Spy)
    s = run([corpus], tmp_path / "w.duckdb")
    bad = dict(s["quarantine"])
    assert bad == {str(fifo): "is a FIFO (named pipe), not a notice file",
                   str(big): "file too large (25.0 MB > 20 MB limit)"}
    assert s["ingested"] == 5
    assert sum(hashed) == sum(f.stat().st_size for f in corpus.glob("0*.txt"))  # the big file: not a byte


def test_cli_ingest_strict_query_export_serve(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (corpus / "empty.txt").write_bytes(b"")
    cli = CliRunner()
    r = cli.invoke(app, ["ingest", str(corpus), "--db", "w.duckdb"])
    assert r.exit_code == 0, r.output
    assert "ingested 5" in r.output and "quarantined 1" in r.output
    assert cli.invoke(app, ["ingest", str(corpus), "--db", "w.duckdb", "--strict"]).exit_code == 1

    q = "select county, policy_year, amount from fees where kind = 'individual' order by county"
    r = cli.invoke(app, ["query", q, "--db", "w.duckdb", "--format", "jsonl"])
    assert r.exit_code == 0 and sorted(
        tuple(d.values()) for d in map(json.loads, r.output.splitlines())) == gold_fees()
    r = cli.invoke(app, ["query", q, "--db", "w.duckdb", "--format", "json"])
    assert sorted(tuple(d.values()) for d in json.loads(r.output)) == gold_fees()
    r = cli.invoke(app, ["query", "select * from fees where false", "--db", "w.duckdb", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.output) == []
    r = cli.invoke(app, ["query", "select count(*) as n from documents", "--db", "w.duckdb", "--format", "csv"])
    assert r.output.splitlines() == ["n", "5"]
    r = cli.invoke(app, ["query", "select * from nowhere", "--db", "w.duckdb"])
    assert r.exit_code == 1 and "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1

    r = cli.invoke(app, ["export", "--parquet", "pq", "--db", "w.duckdb"])
    assert r.exit_code == 0
    names = {p.stem for p in (tmp_path / "pq").glob("*.parquet")}
    assert {"documents", "records", "fees", "tier_categories", "quarantine", "ingest_runs"} <= names
    assert duckdb.connect().execute(f"select count(*) from '{tmp_path / 'pq' / 'fees.parquet'}'").fetchone()[0] >= 5

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    r = cli.invoke(app, ["serve", str(corpus), "--cron", "0 6 * * *"])
    assert r.exit_code == 2 and "PREFECT_API_URL" in r.output
    docs = {c.callback.__name__: c.callback.__doc__ for c in app.registered_commands}
    for cmd in ("ingest", "query", "export", "serve"):
        assert docs[cmd].startswith("Example: ") and "noticeflow " + cmd in docs[cmd].splitlines()[0]


def _completed_loads() -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (TaskRunFilter, TaskRunFilterName,
                                                TaskRunFilterState, TaskRunFilterStateType)
    from prefect.client.schemas.sorting import TaskRunSort

    flt = TaskRunFilter(name=TaskRunFilterName(like_="load-"),
                        state=TaskRunFilterState(type=TaskRunFilterStateType(any_=["COMPLETED"])))
    with get_client(sync_client=True) as client:
        return len(client.read_task_runs(task_run_filter=flt, limit=200,
                                        sort=TaskRunSort.EXPECTED_START_TIME_DESC))


def test_cli_unchanged_rerun_skips_prefect_and_records_the_run(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("NOTICEFLOW_ALWAYS_FLOW", raising=False)
    cli = CliRunner()
    first = json.loads(cli.invoke(app, ["ingest", str(corpus), "--db", "w.duckdb", "--json"]).output.splitlines()[-1])
    assert first["ingested"] == 5 and "prefect" not in first
    before = tables(tmp_path / "w.duckdb")
    r = cli.invoke(app, ["ingest", str(corpus), "--db", "w.duckdb"])
    assert r.exit_code == 0, r.output
    assert "unchanged 5" in r.output and "skipped (nothing to extract)" in r.output
    assert tables(tmp_path / "w.duckdb") == before
    runs = sql(tmp_path / "w.duckdb", "select status, unchanged, ingested from ingest_runs order by started_at")
    assert runs == [("completed", 0, 5), ("completed", 5, 0)]
    # an edited file needs extracting: the flow runs and makes exactly one new version
    victim = sorted(corpus.glob("*.txt"))[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = json.loads(cli.invoke(app, ["ingest", str(corpus), "--db", "w.duckdb", "--json"]).output.splitlines()[-1])
    assert (again["new_version"], again["unchanged"]) == (1, 4) and "prefect" not in again


def test_killed_mid_run_leaves_consistent_db_and_rerun_completes(tmp_path):
    from prefect.settings import PREFECT_API_URL

    n = 100
    folder = tmp_path / "big"
    generate(n, folder)
    db = tmp_path / "w.duckdb"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    before = _completed_loads()
    proc = subprocess.Popen(
        [sys.executable, "-m", "noticeflow", "ingest", str(folder), "--db", str(db),
         "--batch-size", "5", "--workers", "1"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    deadline = time.monotonic() + 120
    while _completed_loads() < before + 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    loaded = sql(db, "select count(*) from documents")[0][0]
    assert 0 < loaded < n
    s = run([folder], db)
    assert s["unchanged"] == loaded and s["ingested"] == n - loaded and s["quarantined"] == 0
    assert sql(db, "select count(*), count(distinct path), bool_and(is_current) from documents") == [(n, n, True)]
    # Every analyst row belongs to a loaded record, and every record has exactly its own rows.
    assert sql(db, "select count(*) from records")[0][0] == sql(db, "select count(distinct doc_key) from documents")[0][0]
    assert sql(db, "select count(*) from fees where doc_key not in (select doc_key from records)") == [(0,)]
    assert sql(db, "select count(*) from records r where json_array_length(r.record->'$.fees') <>"
                   " (select count(*) from fees f where f.doc_key = r.doc_key)") == [(0,)]


def test_year_over_year_changes_land_in_table_and_artifact(tmp_path):
    """Seed 003 (阳城县 2024) then a 2025 notice for the same county: the flow diffs them."""
    folder = tmp_path / "yangcheng"
    folder.mkdir()
    shutil.copy(ROOT / "corpus" / "003_aea4e45528ea7e5a.txt", folder)
    shutil.copy(ROOT / "tests" / "fixtures" / "yangcheng_2025.txt", folder)
    summary = run([folder], tmp_path / "w.duckdb", workers=1)
    assert summary["changes"] > 0
    stored = sql(tmp_path / "w.duckdb", "SELECT count(*) FROM changes WHERE county = '阳城县' AND right_year = 2025")
    assert stored == [(summary["changes"],)]
    severities = [c[0] for c in summary["change_list"]]
    assert severities == sorted(severities, key=["alert", "notice", "info"].index)
    md = ingest_mod.summary_markdown(summary)
    assert "个人缴费标准由380元提高到400元" in md


def test_documents_loaded_but_not_diffed_are_diffed_by_the_next_run(tmp_path, monkeypatch):
    """A run that dies between loading and diffing leaves work the next run must finish,
    even though every file is unchanged (so neither the flow nor the fast path may skip it)."""
    folder = tmp_path / "yangcheng"
    folder.mkdir()
    shutil.copy(ROOT / "corpus" / "003_aea4e45528ea7e5a.txt", folder)
    shutil.copy(ROOT / "tests" / "fixtures" / "yangcheng_2025.txt", folder)
    db = tmp_path / "w.duckdb"
    first = run([folder], db, workers=1)
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM changes")
    con.execute("DELETE FROM changes_state")  # as if the run had been killed after its loads
    con.close()

    from noticeflow.flows.cli_warehouse import unchanged_run

    assert unchanged_run([str(folder)], str(db)) is None  # the fast path must not skip pending diffs
    again = run([folder], db, workers=1)
    assert again["unchanged"] == 2 and again["ingested"] == 0
    assert again["changes"] == first["changes"] > 0
    assert sql(db, "SELECT count(*) FROM changes") == [(first["changes"],)]
    assert sql(db, "SELECT count(*) FROM changes_state") == [(2,)]


def test_each_batch_is_freed_once_loaded(corpus, tmp_path, monkeypatch):
    """Prefect keeps finished futures and task parameters in reference cycles that only a full
    garbage collection frees; a loaded batch must not stay reachable from them, or a 10,000-notice
    run holds every batch to the end (this is what kept the loader above 1 GB)."""
    import gc
    import weakref

    from noticeflow.warehouse import store

    seen = []
    load_batch = store.load_batch

    def spy(con, batch, run_id, now=None):
        seen.append(weakref.ref(batch))
        return load_batch(con, batch, run_id, now)

    monkeypatch.setattr(store, "load_batch", spy)
    gc.collect()
    gc.disable()
    try:
        summary = run([corpus], tmp_path / "w.duckdb", batch_size=1, workers=1)
        alive = sum(ref() is not None for ref in seen)
    finally:
        gc.enable()
    assert summary["ingested"] == len(list(corpus.glob("*"))) == len(seen)
    assert alive == 0


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_local_workers_are_closed_before_the_diff_stage(tmp_path, monkeypatch):
    """The diff stage needs no workers: they must be gone (their ~300 MB each handed back)
    before it starts, not idle beside it until the run ends (issue 12's 1 GB for the 10k run)."""
    from noticeflow.flows import cluster
    from noticeflow.warehouse import changes, store

    folder = tmp_path / "yangcheng"
    folder.mkdir()
    shutil.copy(ROOT / "corpus" / "003_aea4e45528ea7e5a.txt", folder)
    shutil.copy(ROOT / "tests" / "fixtures" / "yangcheng_2025.txt", folder)
    pids, at_diff = set(), []
    load_batch, load_changes = store.load_batch, changes.load_changes

    def spy_load(con, batch, run_id, now=None):
        for nanny in list(cluster._LOCAL.workers.values()):
            pids.add(nanny.process.process.pid)
        return load_batch(con, batch, run_id, now)

    def spy_changes(con, doc_ids, **kw):
        deadline = time.monotonic() + 5  # a worker killed (close's fallback) takes a moment to exit
        while any(_running(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        at_diff.append((cluster._LOCAL, [p for p in pids if _running(p)]))
        return load_changes(con, doc_ids, **kw)

    monkeypatch.setattr(store, "load_batch", spy_load)
    monkeypatch.setattr(changes, "load_changes", spy_changes)
    summary = run([folder], tmp_path / "w.duckdb", workers=2)
    assert summary["ingested"] == 2 and summary["changes"] > 0
    assert len(pids) == 2
    assert at_diff == [(None, [])]


def test_the_flow_process_loads_no_extractors_and_it_and_the_workers_no_pandas(tmp_path):
    """Memory of the ingest processes (issue 12): the flow process submits the extract task
    without importing the extractors and spaCy (~45 MB) that only workers run; and pyarrow,
    which imports pandas (~45 MB) on its first list conversion only to ask whether the input is
    a DataFrame, does not in the flow process nor in a worker (its preload), gives the same
    tables, and still converts to pandas when asked."""
    code = (
        "import sys\n"
        "import noticeflow.flows.ingest\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('spacy', 'pandas') or m.startswith('noticeflow.extractors')]\n"
        "assert not heavy, heavy[:5]\n"
        "import noticeflow.flows.ingest_preload\n"
        "from noticeflow.flows.ingest_worker import to_load\n"
        "from noticeflow.extractors.canonical import canonicalize\n"
        "from noticeflow.extractors.record import build_record\n"
        "from noticeflow.schemas import Source\n"
        "from noticeflow.warehouse.batch import pack\n"
        "text = canonicalize(open(sys.argv[1], encoding='utf-8').read())\n"
        "sha = '0' * 64\n"
        "rec = build_record(text, Source(path='a.txt', format='txt', size_bytes=len(text)), sha)\n"
        "before = pack([to_load(rec, 'a.txt', sha)]).tables\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
        "import pandas\n"
        "after = pack([to_load(rec, 'a.txt', sha)]).tables\n"
        "assert sorted(before) == sorted(after) and len(before) > 5\n"
        "assert all(before[t].equals(after[t]) for t in before)\n"
        "assert len(before['fees'].to_pandas()) == before['fees'].num_rows > 0\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "corpus" / "003_aea4e45528ea7e5a.txt")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")})
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_a_failing_changes_stage_is_one_line_and_the_next_run_finishes_it(tmp_path, monkeypatch):
    """The diff stage running out of memory (or any error) must not fail the run, print a
    traceback, or lose the loaded documents; the next run diffs what is left."""
    from noticeflow.warehouse import changes as wh_changes

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "yangcheng"
    folder.mkdir()
    shutil.copy(ROOT / "corpus" / "003_aea4e45528ea7e5a.txt", folder)
    shutil.copy(ROOT / "tests" / "fixtures" / "yangcheng_2025.txt", folder)

    def out_of_memory(*a, **k):
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256 KiB")

    monkeypatch.setattr(wh_changes, "compare", out_of_memory)
    r = CliRunner().invoke(app, ["ingest", str(folder), "--db", "w.duckdb"])
    assert r.exit_code == 0, r.output
    assert "ingested 2" in r.output and "changes 0" in r.output
    stopped = [line for line in r.output.splitlines() if line.startswith("changes stage stopped:")]
    assert stopped == ["changes stage stopped: Out of Memory Error: could not allocate block of size 256 KiB"
                       " (2 documents left to diff on the next run)"]
    assert "Traceback" not in r.output
    assert sql(tmp_path / "w.duckdb", "select status from ingest_runs") == [("changes_pending",)]

    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    again = run([folder], tmp_path / "w.duckdb", workers=1)
    assert again["unchanged"] == 2 and again["changes"] > 0 and again["changes_error"] is None
    assert sql(tmp_path / "w.duckdb", "select count(*) from changes_state") == [(2,)]


def test_temporary_api_starts_serves_and_stops(tmp_path, monkeypatch):
    """The CLI's own start of Prefect's temporary API (without importing the server app here):
    it must answer /health, and leave no process behind."""
    import httpx

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    api = prefect_env.TemporaryAPI()
    try:
        url = api.start(timeout=120)
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api")
        assert httpx.get(f"{url}/health", timeout=10).status_code == 200
        proc = api.process
    finally:
        api.stop()
    assert api.process is None and proc.poll() is not None


def test_cli_usage_errors_create_nothing(tmp_path, monkeypatch):
    """A missing path or a URL is a usage error (exit 2), an empty folder says so (exit 1): no
    warehouse file, no state folder, one line per problem."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    cli = CliRunner()
    r = cli.invoke(app, ["ingest", "no_such_dir", "https://example.gov.cn/notice.html", "--db", "w.duckdb"])
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        "noticeflow: no_such_dir: no such file or directory",
        "noticeflow: https://example.gov.cn/notice.html: a URL, not a local file or folder (download it first)"]
    r = cli.invoke(app, ["ingest", "empty", "--db", "w.duckdb"])
    assert r.exit_code == 1 and len(r.output.splitlines()) == 1
    assert r.output.startswith("noticeflow: nothing to ingest: ") and "empty: directory holds no notice files" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_cli_unwritable_state_folder_is_one_line(corpus, tmp_path):
    """Where the state folder cannot be made (here a file is in its way; a read-only folder
    does the same for a user who is not root), one line, no traceback."""
    (tmp_path / ".noticeflow").write_text("not a folder")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_HOME", None)
    r = subprocess.run([sys.executable, "-m", "noticeflow", "ingest", str(corpus), "--db", "w.duckdb"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("noticeflow: cannot write here"), r.stderr


def test_cli_quarantined_files_do_not_make_an_unchanged_folder_slow(corpus, tmp_path, monkeypatch):
    """An unchanged folder with a quarantined file takes the fast path (no Prefect, no workers):
    the file is not retried until its bytes change."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("NOTICEFLOW_ALWAYS_FLOW", raising=False)
    (corpus / "empty.txt").write_bytes(b"")
    cli = CliRunner()

    def summary(output: str) -> dict:
        return json.loads(next(line for line in output.splitlines() if line.startswith("{")))

    first = summary(cli.invoke(app, ["ingest", str(corpus), "--db", "w.duckdb", "--json"]).output)
    assert (first["ingested"], first["quarantined"]) == (5, 1)
    again = summary(cli.invoke(app, ["ingest", str(corpus), "--db", "w.duckdb", "--json"]).output)
    assert (again["unchanged"], again["quarantined"], again["still_quarantined"]) == (5, 0, 1)
    assert again["prefect"] == "skipped (nothing to extract)" and again["elapsed_s"] > 0
    r = cli.invoke(app, ["ingest", str(corpus), "--db", "w.duckdb"])
    assert "still quarantined 1" in r.output and r.output.strip().splitlines()[-1].startswith("done in ")
    assert cli.invoke(app, ["ingest", str(corpus), "--db", "w.duckdb", "--strict"]).exit_code == 1


def test_web_word_and_excel_notices_ingest_with_their_attachments(tmp_path):
    """A county site's folder: an article page whose quota table is an .xlsx beside it, a Word
    notice, an attachment no notice claims and a file of another type; then the .xlsx changes."""
    import render_formats

    site = tmp_path / "site"
    site.mkdir()
    seeds = sorted((ROOT / "corpus").glob("*.txt"))
    text = seeds[0].read_text(encoding="utf-8")
    notice, title, rest = render_formats.split_attachment(text)
    page = site / "t20220909_1.html"
    page.write_bytes(render_formats.to_html(notice, "gb2312", layout="table",
                                            attachment_links=[(f"{title}.xlsx", f"{title}.xlsx")]))
    sheet = site / f"{title}.xlsx"
    render_formats.to_xlsx(title, rest, sheet)
    render_formats.to_docx(seeds[3].read_text(encoding="utf-8"), site / "阳城县通知.docx")
    render_formats.to_xlsx("某县经办人员联系表", ["序号\t姓名\t电话", "1\t张三\t123"], site / "联系表.xlsx")
    (site / "logo.gif").write_bytes(b"GIF89a")
    db = tmp_path / "w.duckdb"

    s1 = run([site], db)
    assert (s1["ingested"], s1["quarantined"]) == (2, 0)
    assert [pathlib.Path(p).name for p, _ in s1["unattached"]] == ["联系表.xlsx"]
    assert [pathlib.Path(p).name for p in s1["skipped"]] == ["logo.gif"]
    assert sorted(sql(db, "select format from documents")) == [("docx",), ("html",)]
    total = sql(db, "select value from quota_rows where is_total and is_current and doc_id ="
                    " (select doc_id from documents where path = ?)", str(page))
    assert total == [(479452,)]
    rec = json.loads(sql(db, "select record from records r join documents d using (doc_key) where d.path = ?",
                         str(page))[0][0])
    assert rec["source"]["attachments"] == [str(sheet)] and rec["source"]["encoding"] == "gb18030"
    assert rec["doc_id"] == __import__("hashlib").sha256(page.read_bytes()).hexdigest()

    assert run([site], db)["unchanged"] == 2

    # The attachment changes, the page does not: the notice is re-extracted as a new version.
    render_formats.to_xlsx(title, [ln.replace("479452", "479999") for ln in rest], sheet)
    s3 = run([site], db)
    assert (s3["new_version"], s3["unchanged"]) == (1, 1)
    assert sql(db, "select value from quota_rows where is_total and is_current and doc_id ="
                   " (select doc_id from documents where path = ? and is_current)", str(page)) == [(479999,)]
    assert sql(db, "select count(distinct doc_id) from documents where path = ?", str(page)) == [(1,)]
