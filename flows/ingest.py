"""The ingest flow: discover -> fingerprint -> plan -> extract + validate (Dask) -> load -> diff.

Documents travel in batches (a Prefect task run costs ~10 ms, so one task per document does not
scale). The extract tasks run on a Dask cluster through prefect-dask's `DaskTaskRunner` (a local
cluster of one worker process per core, or an existing one: `flows.cluster`); workers read the
files and return Arrow rows. Loading stays in the flow process, one writer, one DuckDB
transaction per batch, so a crash or a stop at any point leaves the warehouse consistent and the
next run picks up what is missing. Only the reading steps (discover, fingerprint) retry; a load
is never retried (its transaction either went through or left nothing).

Crash isolation: a worker that dies (a crash in native code, its memory limit) is restarted by
its Dask nanny, and the batch it was running fails with KilledWorker. Its documents are then
extracted one per task; one whose worker dies again is retried alone with nothing else running
(a worker's death also fails the tasks queued beside it), and quarantined if it kills that one
too (`_Extraction`).
"""
from __future__ import annotations

import itertools
import os
import time
import uuid
from typing import Callable, Iterable

import pyarrow as pa

from noticeflow.flows import prefect_env
from noticeflow.warehouse.batch import arrow_without_pandas

prefect_env.configure()
arrow_without_pandas()  # the loader never needs pandas either (warehouse.batch)

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from noticeflow.flows import cluster, stops  # noqa: E402
from noticeflow.flows.extract import find_notices, with_attachments  # noqa: E402
from noticeflow.flows.ingest_tasks import extract_batch  # noqa: E402
from noticeflow.warehouse import changes as wh_changes  # noqa: E402
from noticeflow.warehouse import notices, store  # noqa: E402
from noticeflow.warehouse.access import connect  # noqa: E402
from noticeflow.warehouse.batch import Batch, Failed  # noqa: E402
from noticeflow.warehouse.store import BatchResult  # noqa: E402
from noticeflow.schemas.errors import one_line  # noqa: E402
from noticeflow.warehouse.version import EXTRACTOR_VERSION  # noqa: E402

BATCH_SIZE = 200          # documents per extract task and per load transaction
FINGERPRINT_BATCH = 1000  # files hashed per fingerprint task
CHANGES_CHUNK = 20_000    # documents per load_changes call: each call scans the records JSON once (it parses pairwise, so memory stays ~ the JSON size)
TIME_LIMIT_S = 30         # per document (PDF parsing is killed at this limit)
WORKERS = cluster.WORKERS
QUEUED = 2                # extract batches in flight beyond one per worker (workers never wait)
POLL_S = 0.05             # how often the flow looks for finished batches (signals stay deliverable)

# Set by the CLI to drive the progress display: PROGRESS(event, value) with event "phase"
# (value: what the run is doing now), "total" (documents to extract) or "done" (n more finished).
PROGRESS: Callable[[str, object], None] | None = None


def _notify(event: str, value) -> None:
    if PROGRESS is not None:
        PROGRESS(event, value)


# -- memory of the loading process -----------------------------------------------------------

def _libc():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): nothing to tune
        return None


_LIBC = _libc()
if _LIBC is not None and hasattr(_LIBC, "mallopt"):
    # The flow process loads batches on one thread while Prefect's and DuckDB's threads
    # allocate in their own glibc arenas; Arrow batches freed in one arena and allocated in
    # another leave fragmented, unreturned memory. Two arenas are plenty here. (The Dask
    # workers get MALLOC_TRIM_THRESHOLD_ from Dask itself.)
    _LIBC.mallopt(-8, 2)  # M_ARENA_MAX


def release_memory() -> None:
    """Hand freed heap pages back to the OS after a batch (glibc keeps them otherwise)."""
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)


# -- tasks in the flow process ---------------------------------------------------------------

def _chunks(items: list, n: int) -> Iterable[list]:
    it = iter(items)
    while chunk := list(itertools.islice(it, n)):
        yield chunk


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def discover_files(paths: list[str]):
    """Files under the given paths (absolute, deduplicated), grouped into notices with their
    attachments (flows.extract.Found); missing paths become failures."""
    return find_notices(paths)


sha256_file = store.sha256_file


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def fingerprint(paths: list[str]) -> tuple[list[tuple[str, str]], list[Failed]]:
    """sha256 of each file: the only read an unchanged file gets."""
    return store.fingerprint_files(paths)


@task(cache_policy=NO_CACHE)
def plan_work(con, fingerprints: list[tuple[str, str]], retry_quarantined: bool = False
              ) -> tuple[list[tuple[str, str]], int, int]:
    """Which files need extracting (new paths, changed bytes, a new extractor version), how many
    are unchanged, and how many are skipped as quarantined with the same bytes."""
    todo, unchanged = store.plan(con, fingerprints)
    todo, skipped = (todo, 0) if retry_quarantined else store.skip_quarantined(con, todo)
    return todo, unchanged, skipped


@task(retries=0, cache_policy=NO_CACHE)
def load(con, batch: Batch, run_id: str) -> BatchResult:
    """One transaction: documents, records and every analyst row of the batch, or none. Never
    retried, and a stop signal waits for the transaction's end (`stops.deferred`)."""
    with stops.deferred():
        return store.load_batch(con, batch, run_id)


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


# -- extraction on Dask ----------------------------------------------------------------------

WORKER_DIED = "extraction worker died while extracting this file (a crash, or over its memory limit)"


class _Extraction:
    """Keeps extract tasks in flight on the Dask runner and hands finished batches to `on_batch`
    in the order they finish (loading one batch while the workers extract the next).

    A failed task is not retried as it was: its documents go back one per task; a single
    document whose task fails again is kept for the end and retried alone (nothing else in
    flight, so a worker's death is that document's doing), and quarantined if it fails then."""

    def __init__(self, runner, limit: float, in_flight: int, on_batch: Callable[[Batch, dict], None]):
        self.runner, self.limit, self.in_flight, self.on_batch = runner, limit, max(1, in_flight), on_batch
        self.pending: list[tuple[object, list, str]] = []  # (future, items, stage)
        self.suspects: list[tuple[str, str]] = []
        self.succeeded = False  # a task went through: the cluster works, deaths are the documents'
        self.deaths = 0

    def _submit(self, items: list, stage: str) -> None:
        fut = self.runner.submit(extract_batch, {"items": items, "limit": self.limit})
        self.pending.append((fut, items, stage))

    def run(self, todo: list, batch_size: int) -> None:
        batches = _chunks(todo, max(1, batch_size))
        self._drain(itertools.chain(((b, "batch") for b in batches)))
        for item in self.suspects:  # alone, one after the other
            self._submit([item], "alone")
            self._drain(iter(()))

    def _drain(self, source) -> None:
        source = iter(source)
        while True:
            while len(self.pending) < self.in_flight:
                nxt = next(source, None)
                if nxt is None:
                    break
                self._submit(*nxt)
            if not self.pending:
                return
            stops.check()
            done = [p for p in self.pending if p[0].wrapped_future.done()]
            if not done:
                time.sleep(POLL_S)
                continue
            for p in done:
                self.pending.remove(p)
                self._finished(*p)

    def _finished(self, fut, items: list, stage: str) -> None:
        try:
            batch, timings = fut.result()
        except BaseException as e:  # noqa: BLE001 - a dead worker, or a task that could not run
            if stops.is_stop(e):
                raise
            _mark_crashed(fut, e)
            if not _worker_death(e):
                # process_many turns every document's failure into a quarantine reason, so a
                # task that raises is the cluster's problem (a worker without noticeflow, an
                # unreachable Prefect API): stop, and leave the files to the next run.
                raise RuntimeError(f"extraction task failed on the Dask cluster: {one_line(repr(e), 300)}") from None
            if stage == "alone":
                self.deaths += 1
                if self.deaths >= 3 and not self.succeeded:  # nothing runs at all: not the files' fault
                    raise RuntimeError("extraction workers die on every task; nothing more was quarantined") from None
            if stage == "batch" and len(items) > 1:
                for item in items:  # back one per task, in front of the remaining batches
                    self._submit([item], "single")
            elif stage != "alone":
                self.suspects.extend(items)
            else:
                self.on_batch(Batch(failed=[Failed(i[0], i[1], WORKER_DIED) for i in items]), {})
            return
        self.succeeded = True
        self.on_batch(batch, timings)


def _worker_death(exc: BaseException) -> bool:
    from distributed.scheduler import KilledWorker

    return isinstance(exc, KilledWorker)


def _mark_crashed(fut, exc: BaseException) -> None:
    """The Prefect task run of a task whose worker died stays `Running` on the server: say it crashed."""
    try:
        from prefect.client.orchestration import get_client
        from prefect.states import Crashed

        with get_client(sync_client=True) as client:
            client.set_task_run_state(fut.task_run_id, Crashed(message=one_line(repr(exc), 200)), force=True)
    except Exception:  # noqa: BLE001 - the run never reached the server: nothing to correct
        pass


# -- summaries ----------------------------------------------------------------------------

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


# -- the flow --------------------------------------------------------------------------------

def _flow_run_info() -> dict:
    """The flow run's id and name, and its page on a real server's UI."""
    try:
        from prefect.runtime import flow_run

        info = {"id": str(flow_run.id), "name": flow_run.name}
        if not prefect_env.embedded() and flow_run.ui_url:
            info["url"] = flow_run.ui_url
        return info
    except Exception:  # noqa: BLE001 - only informative
        return {}


@flow(name="noticeflow-ingest", task_runner=ThreadPoolTaskRunner(max_workers=4),
      log_prints=False, validate_parameters=True)
def ingest(paths: list[str], db: str = "noticeflow.duckdb", batch_size: int = BATCH_SIZE,
           workers: int = WORKERS, time_limit: float = TIME_LIMIT_S, dask: str | None = None,
           retry_quarantined: bool = False) -> dict:
    """Ingest notice files and folders into the DuckDB warehouse `db`; returns the run summary.

    `dask`: the address of an existing Dask scheduler (tcp://host:8786) to extract on; by
    default a local cluster of `workers` processes. `retry_quarantined`: extract again the
    quarantined files whose bytes did not change."""
    stops.reinstall()
    t_start = time.perf_counter()
    t = {"discover": 0.0, "hash": 0.0, "plan": 0.0, "extract_wait": 0.0, "load": 0.0,
         "changes": 0.0, "corrections": 0.0, "worker_read": 0.0, "worker_extract": 0.0, "worker_validate": 0.0}
    run_id = uuid.uuid4().hex[:12]
    flow_run = _flow_run_info()
    # Shared with the review app and queries (warehouse.access); a second ingest waits for this one.
    con = connect(db, exclusive="ingest")
    try:
        store.start_run(con, run_id, [str(p) for p in paths])
        try:
            summary = _ingest(con, run_id, paths, batch_size, workers, time_limit, dask,
                              retry_quarantined, t, t_start)
        except BaseException as e:
            store.interrupt_run(con, run_id, "interrupted" if stops.is_stop(e) else "failed")
            raise
        summary["flow_run"] = flow_run
        summary["db"] = str(db)
        store.finish_run(con, run_id, summary, "changes_pending" if summary["changes_error"] else "completed")
    finally:
        con.close()
    try:
        create_markdown_artifact(key="noticeflow-ingest-summary", markdown=summary_markdown(summary),
                                 description=f"ingest run {run_id}")
    except Exception as e:  # the summary is still returned and stored in ingest_runs
        get_run_logger().warning("could not publish the summary artifact: %s", e)
    return summary


def _ingest(con, run_id, paths, batch_size, workers, time_limit, dask, retry_quarantined, t, t_start) -> dict:
    t0 = time.perf_counter()
    found = discover_files(list(map(str, paths)))
    files, failed = found.files, [Failed(e.path, None, e.reason) for e in found.failed]
    t["discover"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    _notify("phase", f"hashing {len(files):,} files")
    prints = []
    for fut in [fingerprint.submit(c) for c in _chunks(files, FINGERPRINT_BATCH)]:
        got, bad = fut.result()
        stops.check()
        prints += got
        failed += bad
    prints = with_attachments(prints, found.notices)  # a notice's attachments are in its identity
    t["hash"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    todo, unchanged, still_quarantined = plan_work(con, prints, retry_quarantined)
    # files gone from the folders given: their documents stop being current (the notice stays
    # while another document carries it); documents of older warehouses get notices
    removed = store.remove_missing(con, [str(p) for p in paths], files)
    notices.backfill(con, store.utcnow())
    t["plan"] = time.perf_counter() - t0

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

    def on_batch(batch: Batch, timings: dict) -> None:
        stops.check()
        for stage, sec in timings.items():
            t[f"worker_{stage}"] += sec
        t0 = time.perf_counter()
        absorb(load(con, batch, run_id), batch)
        release_memory()
        t["load"] += time.perf_counter() - t0

    if failed:
        on_batch(Batch(failed=failed), {})

    if todo:
        _notify("phase", "starting workers")
        with cluster.task_runner(dask, max(1, workers)) as runner:
            _notify("total", len(todo))
            _notify("phase", "extracting")
            t0 = time.perf_counter()
            load_before = t["load"]
            _Extraction(runner, time_limit, max(1, workers) + QUEUED, on_batch).run(todo, batch_size)
            t["extract_wait"] += time.perf_counter() - t0 - (t["load"] - load_before)
        cluster.release()  # the workers are done: free their memory before the diff stage

    t0 = time.perf_counter()
    _notify("phase", "diffing")
    to_diff = sorted(set(totals.doc_ids) | set(wh_changes.pending_doc_ids(con)))
    n_changes, changes_error = record_changes(con, to_diff) if to_diff else (0, None)
    change_list = [list(c) for c in run_changes(con, to_diff)] if n_changes else []
    t["changes"] = time.perf_counter() - t0
    t["flow_body"] = time.perf_counter() - t_start
    return {
        "run_id": run_id, "extractor_version": EXTRACTOR_VERSION,
        "discovered": len(files), "skipped": found.skipped,
        "unattached": [(e.path, e.reason) for e in found.unattached],
        "ingested": totals.new + totals.new_version, "removed": len(removed),
        "new": totals.new, "new_version": totals.new_version, "unchanged": unchanged,
        "quarantined": totals.quarantined, "still_quarantined": still_quarantined,
        "changes": n_changes, "change_list": change_list, "changes_error": changes_error,
        "flags_by_code": dict(sorted(totals.flags.items())),
        "quarantine": sorted(quarantine), "timings": {k: round(v, 3) for k, v in t.items()},
    }


# -- running it from the CLI -----------------------------------------------------------------

def _start_temporary_api() -> prefect_env.TemporaryAPI | None:
    """Start Prefect's temporary local API in the background (when no server is configured), so
    its ~5-15 s start overlaps the Dask workers' start instead of adding to it."""
    import threading

    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None
    api = prefect_env.TemporaryAPI()

    def start() -> None:
        try:
            api.start()
        except Exception as e:  # noqa: BLE001 - reported by run() in one line
            api.error = e
            api.stop()

    api.thread = threading.Thread(target=start, name="noticeflow-temporary-api", daemon=True)
    api.thread.start()
    return api


def run(paths: list[str], db: str = "noticeflow.duckdb", **options) -> dict:
    """Run the ingest flow: Prefect's temporary API (unless PREFECT_API_URL is set) and the
    local Dask cluster (unless `dask` names one) start side by side before the flow begins.
    Whatever happens, both are stopped before this returns or raises."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    workers = max(1, int(options.get("workers") or WORKERS))
    call = dict(paths=[str(p) for p in paths], db=str(db), **{**options, "workers": workers})
    stopping = False
    _notify("phase", "starting Prefect")
    api = _start_temporary_api()
    try:
        _notify("phase", "starting workers")
        with cluster.started(workers, options.get("dask")):
            _notify("phase", "starting Prefect")
            if api is not None:
                while api.thread.is_alive():
                    api.thread.join(0.1)
                    stops.check()
                if api.process is None:
                    # Never let Prefect start its own instead: every Dask worker would then
                    # start one more, which nothing stops when the run ends.
                    raise RuntimeError(f"Prefect's temporary API did not start ({one_line(str(api.error), 200)});"
                                       " set PREFECT_API_URL to a running server")
            _notify("phase", "discovering files")
            if api is not None:
                with temporary_settings(updates={PREFECT_API_URL: api.url}):
                    return ingest(**call)
            return ingest(**call)
    except BaseException as e:
        stopping = stops.is_stop(e)
        raise
    finally:
        if api is not None:
            _drain_prefect_services(timeout=1 if stopping else 5)
            api.stop(timeout=2 if stopping else 5)


def _drain_prefect_services(timeout: float = 5) -> None:
    """Send Prefect's queued logs and events before the temporary API stops (what Prefect's own
    test harness does), then stop sending: after the API is gone, every further log line would
    fail to send (`Error logging to API`, `Connection refused`)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=timeout)
        except Exception:  # noqa: BLE001 - a log line lost is not worth failing the run
            pass
