"""The ingest flow: discover -> fingerprint (read) -> plan -> extract + validate -> load.

Documents travel in batches (a Prefect task run costs ~10 ms, so one task per document does not
scale). Extraction runs in a pool of worker processes, one per CPU; the flow's thread pool
bounds how many batches are in flight. Only I/O steps (discover, fingerprint, load) retry.
Loading is sequential, one DuckDB transaction per batch, so a crash at any point leaves the
warehouse consistent and the next run picks up what is missing.
"""
from __future__ import annotations

import concurrent.futures as cf
import itertools
import multiprocessing as mp
import os
import sys
import threading
import time
import uuid
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterable

import pyarrow as pa

from noticeflow.flows import prefect_env

prefect_env.configure()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from noticeflow.flows.extract import find_notices, with_attachments  # noqa: E402
from noticeflow.warehouse import changes as wh_changes  # noqa: E402
from noticeflow.warehouse import store  # noqa: E402
from noticeflow.warehouse.migrate import connect  # noqa: E402
from noticeflow.warehouse.batch import Batch, Failed, merge  # noqa: E402
from noticeflow.warehouse.store import BatchResult  # noqa: E402
from noticeflow.warehouse.version import EXTRACTOR_VERSION  # noqa: E402

BATCH_SIZE = 200          # documents per extract task and per load transaction
FINGERPRINT_BATCH = 1000  # files hashed per fingerprint task
CHANGES_CHUNK = 20_000    # documents per load_changes call: each call scans the records JSON once (it parses pairwise, so memory stays ~ the JSON size)
CHUNK = 10                # documents per round trip to a worker process
TIME_LIMIT_S = 30         # per document (PDF parsing is killed at this limit)
WORKERS = os.cpu_count() or 1
QUEUED = 2                # extract batches in flight beyond one per worker (workers never wait)

# Set by the CLI to drive a progress bar: called as PROGRESS(event, n) with event "total" or "done".
PROGRESS: Callable[[str, int], None] | None = None


class Box:
    """An opaque carrier: Prefect does not walk into it looking for futures (large batches).

    Prefect's finished futures and task states sit in reference cycles that only a full garbage
    collection frees, and they keep their result and parameters: `take()` empties the box once
    its batch has been used, or every batch of a run would stay in memory until the end."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def take(self):
        value, self.value = self.value, None
        return value


# -- memory ----------------------------------------------------------------------------------

def _libc():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): nothing to tune
        return None


_LIBC = _libc()
if _LIBC is not None and hasattr(_LIBC, "mallopt"):
    # glibc gives every thread that allocates its own malloc arena (Prefect runs a dozen
    # threads, DuckDB more); batches of records freed in one arena and allocated in another
    # leave hundreds of MB of fragmented, unreturned memory. Two arenas are plenty here.
    _LIBC.mallopt(-8, 2)  # M_ARENA_MAX


def release_memory() -> None:
    """Hand freed heap pages back to the OS after a batch (glibc keeps them otherwise)."""
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)


# -- the worker pool -------------------------------------------------------------------------

_POOL: cf.ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_POOL_SIZE = WORKERS


def _new_pool(n: int) -> cf.ProcessPoolExecutor:
    # forkserver: workers fork from a clean single-threaded server that preloaded and warmed
    # the extractors, never from this process (which runs Prefect's threads).
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["noticeflow.flows.ingest_preload"])
    return cf.ProcessPoolExecutor(max_workers=n, mp_context=ctx)


@contextmanager
def _main_not_reimported():
    """Workers must not re-run the caller's `__main__` (a script, a notebook, `python -m ...`):
    hide it while they start, so they only import flows.ingest_worker."""
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main and k in main.__dict__}
    try:
        for k in saved:
            setattr(main, k, None) if k == "__spec__" else delattr(main, k)
        yield
    finally:
        for k, v in saved.items():
            setattr(main, k, v)


def _started(pool: cf.ProcessPoolExecutor, n: int) -> cf.ProcessPoolExecutor:
    """Start all n workers now (a pool starts them lazily, on a task thread)."""
    from noticeflow.flows.ingest_worker import ready

    with _main_not_reimported():
        for f in [pool.submit(ready) for _ in range(n)]:
            f.result()
    return pool


@contextmanager
def worker_pool(n: int):
    """The extraction processes for the block; reuses a pool an outer block already started."""
    global _POOL, _POOL_SIZE
    with _POOL_LOCK:
        if _POOL is not None:
            outer = True
        else:
            outer = False
            _POOL_SIZE = n
            _POOL = _started(_new_pool(n), n)
    if outer:
        yield
        return
    try:
        yield
    finally:
        with _POOL_LOCK:
            pool, _POOL = _POOL, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _rebuild_pool(broken: cf.ProcessPoolExecutor) -> cf.ProcessPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is broken:
            broken.shutdown(wait=False, cancel_futures=True)
            _POOL = _started(_new_pool(_POOL_SIZE), _POOL_SIZE)
        return _POOL


# -- tasks -----------------------------------------------------------------------------------

def _chunks(items: list, n: int) -> Iterable[list]:
    it = iter(items)
    while chunk := list(itertools.islice(it, n)):
        yield chunk


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def discover_files(paths: list[str]) -> Box:
    """Files under the given paths (absolute, deduplicated), grouped into notices with their
    attachments (flows.extract.Found); missing paths become failures."""
    return Box(find_notices(paths))


sha256_file = store.sha256_file


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def fingerprint(paths: list[str]) -> Box:
    """sha256 of each file: the only read an unchanged file gets."""
    return Box(store.fingerprint_files(paths))


@task(cache_policy=NO_CACHE)
def plan_work(con, fingerprints: Box) -> Box:
    """Which files need extracting: new paths, changed bytes, or a new extractor version."""
    return Box(store.plan(con, fingerprints.value))


@task(cache_policy=NO_CACHE)
def extract_batch(items: Box, limit: float = TIME_LIMIT_S) -> Box:
    """Read, extract and validate a batch of documents in the worker processes: Box((Batch,
    seconds per worker stage))."""
    from noticeflow.flows.ingest_worker import process_many

    todo = items.value
    pool = _POOL
    try:
        futures = [pool.submit(process_many, chunk, limit) for chunk in _chunks(todo, CHUNK)]
        return Box(_merged([f.result() for f in futures]))
    except cf.process.BrokenProcessPool:
        pool = _rebuild_pool(pool)
    # A worker died (a crash in native code): redo this batch one document at a time so only
    # the document that kills its worker is quarantined.
    parts, crashes = [], 0
    for item in todo:
        if crashes >= 3:  # workers cannot start at all: fail fast, the files stay retryable
            parts.append((Batch(failed=[Failed(item[0], item[1], "extraction workers keep crashing")]), {}))
            continue
        try:
            parts.append(pool.submit(process_many, [item], limit).result())
            crashes = 0
        except cf.process.BrokenProcessPool:
            pool = _rebuild_pool(pool)
            crashes += 1
            parts.append((Batch(failed=[Failed(item[0], item[1], "extraction worker crashed")]), {}))
    return Box(_merged(parts))


def _merged(parts: list[tuple[Batch, dict]]) -> tuple[Batch, dict]:
    timings: dict[str, float] = {}
    for _, t in parts:
        for stage, sec in t.items():
            timings[stage] = timings.get(stage, 0.0) + sec
    return merge(b for b, _ in parts), timings


@task(retries=1, retry_delay_seconds=1, cache_policy=NO_CACHE)
def load(con, batch: Box, run_id: str) -> BatchResult:
    """One transaction: documents, records and every analyst row of the batch, or none."""
    return store.load_batch(con, batch.value, run_id)


@task(cache_policy=NO_CACHE)
def record_changes(con, doc_ids: list[str]) -> tuple[int, str | None]:
    """Year-over-year changes of the newly loaded records (the diff stage): (how many, and the
    one-line reason if the stage stopped).

    A failure here loses nothing: the documents are loaded, the diffs committed so far are kept,
    and `changes_state` lets the next run diff the rest. So it is reported in the summary, not
    raised (which would also print Prefect's traceback to the user)."""
    # Changes are counted as they stream by (a 10,000-notice run would otherwise hold every
    # Change); each call scans the records JSON once. A right_doc's count is the last computed.
    per_right: dict[str | None, int] = {}

    def count(right: str, changes: list) -> None:
        per_right[right] = len(changes)

    try:
        for chunk in _chunks(doc_ids, CHANGES_CHUNK):
            per_right.update(dict.fromkeys(chunk, 0))
            wh_changes.load_changes(con, chunk, on_changes=count)
            release_memory()
    except Exception as e:  # noqa: BLE001 - reported as one line; the next run resumes
        left = len(wh_changes.pending_doc_ids(con))
        get_run_logger().warning("changes stage stopped: %s", e)
        return sum(per_right.values()), (f"{' '.join(str(e).split())[:300]} "
                                         f"({left} documents left to diff on the next run)")
    return sum(per_right.values()), None


SEVERITY_ORDER = "CASE severity WHEN 'alert' THEN 0 WHEN 'notice' THEN 1 ELSE 2 END"


def run_changes(con, doc_ids: list[str], limit: int = 200) -> list[tuple[str, str, int, str]]:
    """(severity, county, policy year, message) of this run's year-over-year changes, alerts first."""
    if not doc_ids:
        return []
    con.register("_nf_run_docs", pa.table({"doc_id": doc_ids}))
    try:
        return con.execute(
            "SELECT severity, county, right_year, message FROM changes"
            " WHERE scope = 'year_over_year' AND right_doc IN (SELECT doc_id FROM _nf_run_docs)"
            f" ORDER BY {SEVERITY_ORDER}, county, right_year, seq LIMIT ?", [limit]).fetchall()
    finally:
        con.unregister("_nf_run_docs")


def _extract_and_load(todo, batch_size, workers, time_limit, t, absorb, con, run_id) -> None:
    """Keep `workers + QUEUED` extract batches in flight so the worker processes always have
    queued chunks, and load each finished batch (in order) on this thread meanwhile. A batch's
    results are dropped as soon as it is loaded (Prefect keeps no reference once the future goes)."""
    pending: deque = deque()
    batches = _chunks(todo, max(1, batch_size))
    for batch in itertools.islice(batches, workers + QUEUED):
        pending.append(extract_batch.submit(Box(batch), time_limit))
    while pending:
        t0 = time.perf_counter()
        batch, timings = pending.popleft().result().take()
        t["extract_wait"] += time.perf_counter() - t0
        nxt = next(batches, None)
        if nxt is not None:
            pending.append(extract_batch.submit(Box(nxt), time_limit))
        for stage, sec in timings.items():
            t[f"worker_{stage}"] += sec
        t0 = time.perf_counter()
        box = Box(batch)
        absorb(load(con, box, run_id), batch)
        box.take()
        del batch
        release_memory()
        t["load"] += time.perf_counter() - t0


# -- the flow --------------------------------------------------------------------------------

def _notify(event: str, n: int) -> None:
    if PROGRESS is not None:
        PROGRESS(event, n)


def summary_markdown(s: dict) -> str:
    lines = [
        f"# noticeflow ingest `{s['run_id']}`", "",
        "| ingested | new | new version | unchanged | quarantined | changes |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| {s['ingested']} | {s['new']} | {s['new_version']} | {s['unchanged']} "
        f"| {s['quarantined']} | {s['changes']} |", "",
    ]
    if s.get("changes_error"):
        lines += [f"**Changes stage stopped:** {s['changes_error']}", ""]
    if s["flags_by_code"]:
        lines += ["## Flags by code", "", "| code | count |", "| --- | --- |"]
        lines += [f"| {c} | {n} |" for c, n in sorted(s["flags_by_code"].items())]
        lines.append("")
    if s["quarantine"]:
        lines += ["## Quarantined", "", "| path | reason |", "| --- | --- |"]
        lines += [f"| {p} | {e} |" for p, e in s["quarantine"][:100]]
        lines.append("")
    if s.get("change_list"):
        lines += ["## Changes against the previous policy year", "",
                  "| severity | county | year | change |", "| --- | --- | --- | --- |"]
        lines += [f"| {sev} | {county} | {year} | {msg} |" for sev, county, year, msg in s["change_list"]]
    return "\n".join(lines)


@flow(name="noticeflow-ingest", task_runner=ThreadPoolTaskRunner(max_workers=WORKERS + QUEUED),
      log_prints=False, validate_parameters=True)
def ingest(paths: list[str], db: str = "noticeflow.duckdb", batch_size: int = BATCH_SIZE,
           workers: int = WORKERS, time_limit: float = TIME_LIMIT_S) -> dict:
    """Ingest notice files and folders into the DuckDB warehouse `db`; returns the run summary."""
    t_start = time.perf_counter()
    t = {"discover": 0.0, "hash": 0.0, "plan": 0.0, "extract_wait": 0.0, "load": 0.0,
         "changes": 0.0, "corrections": 0.0, "worker_read": 0.0, "worker_extract": 0.0, "worker_validate": 0.0}
    run_id = uuid.uuid4().hex[:12]
    con = connect(db)
    try:
        store.start_run(con, run_id, [str(p) for p in paths])
        t0 = time.perf_counter()
        found = discover_files(list(map(str, paths))).value
        files, failed = found.files, [Failed(e.path, None, e.reason) for e in found.failed]
        t["discover"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        prints = []
        for fut in [fingerprint.submit(c) for c in _chunks(files, FINGERPRINT_BATCH)]:
            got, bad = fut.result().value
            prints += got
            failed += bad
        prints = with_attachments(prints, found.notices)  # a notice's attachments are in its identity
        t["hash"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        todo, unchanged = plan_work(con, Box(prints)).value
        t["plan"] = time.perf_counter() - t0
        _notify("total", len(todo) + len(failed))

        totals = BatchResult()
        quarantine: list[tuple[str, str]] = []

        def absorb(r: BatchResult, batch: Batch) -> None:
            totals.new += r.new
            totals.new_version += r.new_version
            totals.quarantined += r.quarantined
            totals.doc_ids += r.doc_ids
            t["corrections"] += r.corrections_s
            for code, n in r.flags.items():
                totals.flags[code] = totals.flags.get(code, 0) + n
            quarantine.extend((o.path, o.error) for o in batch.failed)
            _notify("done", len(batch))

        if failed:
            t0 = time.perf_counter()
            failed_batch = Batch(failed=failed)
            absorb(load(con, Box(failed_batch), run_id), failed_batch)
            t["load"] += time.perf_counter() - t0

        if todo:
            with worker_pool(max(1, workers)):
                _extract_and_load(todo, batch_size, workers, time_limit, t, absorb, con, run_id)

        t0 = time.perf_counter()
        to_diff = sorted(set(totals.doc_ids) | set(wh_changes.pending_doc_ids(con)))
        n_changes, changes_error = record_changes(con, to_diff) if to_diff else (0, None)
        change_list = [list(c) for c in run_changes(con, to_diff)] if n_changes else []
        t["changes"] = time.perf_counter() - t0
        t["flow_body"] = time.perf_counter() - t_start
        summary = {
            "run_id": run_id, "db": str(db), "extractor_version": EXTRACTOR_VERSION,
            "discovered": len(files), "skipped": found.skipped,
            "unattached": [(e.path, e.reason) for e in found.unattached],
            "ingested": totals.new + totals.new_version,
            "new": totals.new, "new_version": totals.new_version, "unchanged": unchanged,
            "quarantined": totals.quarantined, "changes": n_changes, "change_list": change_list,
            "changes_error": changes_error,
            "flags_by_code": dict(sorted(totals.flags.items())),
            "quarantine": sorted(quarantine), "timings": {k: round(v, 3) for k, v in t.items()},
        }
        store.finish_run(con, run_id, summary, "changes_pending" if changes_error else "completed")
    finally:
        con.close()
    try:
        create_markdown_artifact(key="noticeflow-ingest-summary", markdown=summary_markdown(summary),
                                 description=f"ingest run {run_id}")
    except Exception as e:  # the summary is still returned and stored in ingest_runs
        get_run_logger().warning("could not publish the summary artifact: %s", e)
    return summary


def _start_temporary_api() -> tuple[prefect_env.TemporaryAPI | None, threading.Thread | None]:
    """Start Prefect's temporary local API in the background (when no server is configured), so
    its ~5-15 s start overlaps the worker processes' start instead of adding to it."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None, None
    api = prefect_env.TemporaryAPI()

    def start() -> None:
        try:
            api.start()
        except Exception:  # noqa: BLE001 - the flow call then starts Prefect's own and reports
            api.stop()

    thread = threading.Thread(target=start, name="noticeflow-temporary-api", daemon=True)
    thread.start()
    return api, thread


def run(paths: list[str], db: str = "noticeflow.duckdb", **options) -> dict:
    """Run the ingest flow with `workers` bounding both the task threads and the process pool.

    The temporary API and the worker processes start side by side before the flow begins."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    workers = max(1, int(options.get("workers") or WORKERS))
    api, starting = _start_temporary_api()
    f = ingest.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers + QUEUED))
    call = dict(paths=[str(p) for p in paths], db=str(db), **{**options, "workers": workers})
    try:
        with worker_pool(workers):
            if starting is not None:
                starting.join()
            if api is not None and api.process is not None:
                with temporary_settings(updates={PREFECT_API_URL: api.url}):
                    return f(**call)
            return f(**call)
    finally:
        if api is not None:
            _drain_prefect_services()
            api.stop()


def _drain_prefect_services() -> None:
    """Send Prefect's queued logs and events before the temporary API stops (what Prefect's own
    test harness does), or they fail to send at exit with connection errors on the console."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=5)
        except Exception:  # noqa: BLE001 - a log line lost is not worth failing the run
            pass
