"""Loading into the warehouse: what changed since the last run, and one transaction per batch.

Rows go in through DuckDB's bulk path (Arrow tables registered and `INSERT ... BY NAME SELECT`),
keyed by doc_key (sha256 + extractor version) with delete-then-insert, so loading the same
document twice, or re-running after a crash, leaves the same rows.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from typing import Iterable

import duckdb
import pyarrow as pa

from noticeflow.warehouse import corrections, notices
from noticeflow.warehouse.access import retrying
from noticeflow.warehouse.batch import DOC, Batch, Failed, without
from noticeflow.warehouse.rows import TABLES, flatten
from noticeflow.warehouse.version import EXTRACTOR_VERSION, doc_key
from noticeflow.readers.files import open_notice
from noticeflow.schemas.errors import InputError


@dataclass
class BatchResult:
    new: int = 0
    new_version: int = 0
    quarantined: int = 0
    doc_ids: list[str] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=dict)
    already: int = 0  # documents found already loaded (same bytes, current at their path)
    corrections_s: float = 0.0  # time spent in warehouse.corrections.effective_record


def utcnow() -> _dt.datetime:
    """Now, as an aware UTC datetime (every warehouse timestamp is TIMESTAMPTZ)."""
    return _dt.datetime.now(_dt.timezone.utc)


def current_documents(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """path -> doc_key of its current version."""
    return dict(con.execute("SELECT path, doc_key FROM documents WHERE is_current").fetchall())


def plan(con: duckdb.DuckDBPyConnection, fingerprints: Iterable[tuple[str, str]],
         extractor_version: str = EXTRACTOR_VERSION) -> tuple[list[tuple[str, str]], int]:
    """(path, sha256) pairs that need extracting, and how many are unchanged (same path, bytes
    and extractor version as the current version)."""
    current = current_documents(con)
    todo, unchanged = [], 0
    for item in fingerprints:   # (path, sha) or (path, sha, attachments): see flows.extract.with_attachments
        path, sha, *attachments = item
        if current.get(path) == doc_key(sha, extractor_version, *attachments):
            unchanged += 1
        else:
            todo.append(item)
    return todo, unchanged


def sha256_file(path: str) -> str:
    """sha256 of a notice file, opened as the reader opens it (files.open_notice): a FIFO,
    device or oversized file raises InputError before a byte is read, instead of blocking or
    hashing gigabytes the reader then refuses."""
    h = hashlib.sha256()
    with open_notice(path) as (fd, _):
        while block := os.read(fd, 1 << 20):
            h.update(block)
    return h.hexdigest()


def find_files(found: Iterable) -> tuple[list[str], list[Failed]]:
    """Absolute, deduplicated files from `flows.extract.discover` output (paths and InputErrors);
    the errors (missing paths, empty folders) become failures."""
    files, failed, seen = [], [], set()
    for item in found:
        if not isinstance(item, (str, os.PathLike)):
            failed.append(Failed(os.path.abspath(item.path), None, item.reason))
            continue
        p = os.path.abspath(item)
        if p not in seen:
            seen.add(p)
            files.append(p)
    return files, failed


def fingerprint_files(paths: Iterable[str]) -> tuple[list[tuple[str, str]], list[Failed]]:
    """(path, sha256) of each file (the only read an unchanged file gets), and unreadable files."""
    out, failed = [], []
    for p in paths:
        try:
            out.append((p, sha256_file(p)))
        except InputError as e:
            failed.append(Failed(p, None, e.reason))
        except OSError as e:
            failed.append(Failed(p, None, f"cannot read file ({e.strerror or e})"))
    return out, failed


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict] | pa.Table) -> None:
    if not len(rows):
        return
    name = f"_nf_in_{table}"
    con.register(name, rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows))
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
    finally:
        con.unregister(name)


def _assign_notices(con, batch: Batch) -> list[notices.Assignment]:
    """The notice of each document of the batch (read only: stored inside the load transaction)."""
    heads: list[dict] = [{} for _ in batch.loaded]
    table = batch.tables.get("records")
    if table is not None:
        cols = ["doc_number", "issuer", "adcode", "county", "policy_year"]
        for row in table.select([DOC] + [c for c in cols if c in table.column_names]).to_pylist():
            heads[row.pop(DOC)] = row
    items = [(item.key or doc_key(item.sha256), item.sha256, heads[i],
              (lambda item=item: json.loads(item.record_json))) for i, item in enumerate(batch.loaded)]
    return notices.assign(con, items)


def _apply_corrections(con, batch: Batch, assigned: list[notices.Assignment]) -> dict[int, dict[str, list[dict]]]:
    """Rows, by document index, for the documents a reviewer's live corrections change; every
    other document keeps the rows its worker built. Corrections are kept per notice, so every
    document of a notice gets them, whichever document they were made on."""
    effective = corrections.effective_records(con, [(a.notice_id, item.record_json)
                                                    for a, item in zip(assigned, batch.loaded)],
                                              [item.sha256 for item in batch.loaded])
    out = {}
    for i, (item, (record, corrected)) in enumerate(zip(batch.loaded, effective)):
        if record is item.record_json:
            continue  # no correction for this notice: nothing was even parsed
        text = json.dumps(record, ensure_ascii=False)
        if not corrected and text == item.record_json:
            continue
        rows = flatten(record, item.key or doc_key(item.sha256), EXTRACTOR_VERSION, item.path, set(corrected))
        rows["records"][0]["record"] = text
        out[i] = rows
    return out


def load_batch(con: duckdb.DuckDBPyConnection, batch: Batch, run_id: str,
               now: _dt.datetime | None = None) -> BatchResult:
    """Load a batch of documents and quarantine its failures in one transaction; loaded again
    when it lost to another session's write (a reviewer's save) or met a full memory pool
    (the warehouse is shared: `warehouse.access`)."""
    return retrying(lambda: _load_batch(con, batch, run_id, now or utcnow()))


def _load_batch(con, batch: Batch, run_id: str, now: _dt.datetime) -> BatchResult:
    result = BatchResult()
    assigned = _assign_notices(con, batch) if batch.loaded else []
    t0 = time.perf_counter()
    replaced = _apply_corrections(con, batch, assigned) if batch.loaded else {}
    result.corrections_s = time.perf_counter() - t0
    con.execute("BEGIN TRANSACTION")
    try:
        if batch.loaded:
            _load_documents(con, batch, replaced, run_id, now, result, assigned)
        if batch.failed:
            _quarantine(con, batch.failed, run_id, now)
            result.quarantined = len(batch.failed)
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.TransactionException):  # a failed COMMIT has rolled back
            con.execute("ROLLBACK")
        raise
    return result


def _load_documents(con, batch: Batch, replaced: dict[int, dict[str, list[dict]]], run_id: str,
                    now: _dt.datetime, result: BatchResult, assigned: list[notices.Assignment]) -> None:
    paths = [item.path for item in batch.loaded]
    con.register("_nf_paths", pa.table({"path": paths}))
    try:
        previous = {
            p: (v, k) for p, v, k in con.execute(
                "SELECT path, max(version), arg_max(doc_key, version) FILTER (WHERE is_current)"
                " FROM documents WHERE path IN (SELECT path FROM _nf_paths) GROUP BY path"
            ).fetchall()
        }
    finally:
        con.unregister("_nf_paths")
    # A document already current at its path (loaded by another run meanwhile, or by this
    # batch's first attempt whose commit landed though its caller never heard) stays as it is:
    # loading it again would store the same bytes as a second version.
    done = {i for i, item in enumerate(batch.loaded)
            if previous.get(item.path, (0, None))[1] == (item.key or doc_key(item.sha256))}
    result.already = len(done)
    for i in done:
        replaced.pop(i, None)
    paths = [item.path for i, item in enumerate(batch.loaded) if i not in done]
    if paths:
        con.register("_nf_paths", pa.table({"path": paths}))
        try:
            con.execute(
                "UPDATE documents SET is_current = false, valid_to = ?"
                " WHERE is_current AND path IN (SELECT path FROM _nf_paths)", [now])
            con.execute("DELETE FROM quarantine WHERE path IN (SELECT path FROM _nf_paths)")
        finally:
            con.unregister("_nf_paths")

    moved = _moved_from(con, [item.key or doc_key(item.sha256) for item in batch.loaded])
    docs, keys, skip = [], {}, set(replaced) | done
    for i, item in enumerate(batch.loaded):
        if i in done:
            continue
        key = item.key or doc_key(item.sha256)
        version, prev_key = previous.get(item.path, (0, None))
        docs.append({
            "path": item.path, "version": version + 1, "doc_id": item.sha256,
            "extractor_version": EXTRACTOR_VERSION, "doc_key": key, "format": item.format,
            "size_bytes": item.size_bytes, "is_current": True, "valid_from": now,
            "valid_to": None, "run_id": run_id,
            "renamed_from": moved.get(key) if not version and moved.get(key) != item.path else None,
        })
        if version:
            result.new_version += 1
        else:
            result.new += 1
        result.doc_ids.append(item.sha256)
        if key in keys:  # the same bytes at two paths: one set of rows
            skip.add(i)
            replaced.pop(i, None)
            continue
        keys[key] = prev_key
    _insert(con, "documents", docs)

    con.register("_nf_keys", pa.table({"doc_key": list(keys)}))
    try:
        # Delete-then-insert, but only keys already stored (a re-extraction): a DELETE scans
        # every analyst table, which on a first ingest of 10,000 notices is pure waste.
        stored = [k for (k,) in con.execute(
            "SELECT DISTINCT doc_key FROM records WHERE doc_key IN (SELECT doc_key FROM _nf_keys)").fetchall()]
        if stored:
            con.register("_nf_stored", pa.table({"doc_key": stored}))
            try:
                for t in TABLES:
                    con.execute(f"DELETE FROM {t} WHERE doc_key IN (SELECT doc_key FROM _nf_stored)")
            finally:
                con.unregister("_nf_stored")
        # Rows go in with their notice already stamped: stamping them afterwards (an UPDATE
        # joined on doc_key) scans the whole table once per batch, quadratic over a big run.
        notice_of = [a.notice_id for a in assigned]
        for t in TABLES:
            table = batch.tables.get(t)
            if table is not None:
                table = without(table, skip)
                docs_of = table.column(DOC).to_pylist()
                if t == "records":  # the JSON text travels once, on Loaded
                    table = table.set_column(table.schema.get_field_index("record"), "record", pa.array(
                        [batch.loaded[i].record_json for i in docs_of], pa.string()))
                table = table.set_column(table.schema.get_field_index("notice_id"), "notice_id",
                                         pa.array([notice_of[i] for i in docs_of], pa.string()))
                _insert(con, t, table.drop_columns([DOC]))
            fixed = [{**r, "notice_id": notice_of[i]} for i, rows in replaced.items() for r in rows.get(t, ())]
            _insert(con, t, fixed)
            if t == "flags":  # what was loaded: the workers' rows kept, and the corrected ones
                codes = (table.column("code").to_pylist() if table is not None else []) + [r["code"] for r in fixed]
                for code in codes:
                    result.flags[code] = result.flags.get(code, 0) + 1
    finally:
        con.unregister("_nf_keys")

    # Rows of versions this batch replaced stop being current, unless another path still
    # holds the same bytes as its current version; then each notice touched picks its best
    # document again (warehouse.notices), which decides `is_current` of every row.
    replaced_keys = {k for k in (previous.get(p, (0, None))[1] for p in paths) if k and k not in keys}
    _retire(con, sorted(replaced_keys))
    touched = notices.record_assignments(con, assigned, now, stamped=set(keys))
    notices.refresh(con, sorted(set(touched) | set(notices.notices_of(con, sorted(replaced_keys)))), now,
                    fresh=set(keys))


def _retire(con, doc_keys: list[str]) -> None:
    """Rows of these documents stop being current, unless a current path still holds the bytes."""
    if not doc_keys:
        return
    con.register("_nf_old", pa.table({"doc_key": doc_keys}))
    try:
        stale = ("(SELECT doc_key FROM _nf_old EXCEPT"
                 " SELECT doc_key FROM documents WHERE is_current)")
        for t in TABLES:
            con.execute(f"UPDATE {t} SET is_current = false WHERE doc_key IN {stale}")
    finally:
        con.unregister("_nf_old")


def remove_missing(con, inputs: Iterable[str], found: Iterable[str], now: _dt.datetime | None = None) -> list[str]:
    """Documents whose file is gone from a folder ingested again: no longer current (their
    notice stays while another document carries it). Only folders given as inputs are swept,
    and only files that are really gone (not a skipped type, not unreadable). Returns their paths."""
    now = now or utcnow()
    folders = [os.path.join(os.path.abspath(p), "") for p in inputs if os.path.isdir(p)]
    if not folders:
        return []
    seen = set(found)
    gone = [(p, k) for p, k in con.execute("SELECT path, doc_key FROM documents WHERE is_current").fetchall()
            if p not in seen and any(p.startswith(f) for f in folders) and not os.path.exists(p)]
    if not gone:
        return []
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_nf_gone", pa.table({"path": [p for p, _ in gone]}))
        try:
            con.execute("UPDATE documents SET is_current = false, valid_to = ?, removed_at = ?"
                        " WHERE is_current AND path IN (SELECT path FROM _nf_gone)", [now, now])
        finally:
            con.unregister("_nf_gone")
        keys = sorted({k for _, k in gone})
        _retire(con, keys)
        notices.refresh(con, notices.notices_of(con, keys), now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return [p for p, _ in gone]


def _moved_from(con, keys: list[str]) -> dict[str, str]:
    """doc_key -> the path it was current at until its file went away (`remove_missing`), for
    keys no current path holds: the same bytes found at a new path are a rename."""
    if not keys:
        return {}
    con.register("_nf_moved", pa.table({"doc_key": keys}))
    try:
        return dict(con.execute(
            "SELECT doc_key, arg_max(path, removed_at) FROM documents WHERE removed_at IS NOT NULL"
            " AND doc_key IN (SELECT doc_key FROM _nf_moved)"
            " AND doc_key NOT IN (SELECT doc_key FROM documents WHERE is_current) GROUP BY 1").fetchall())
    finally:
        con.unregister("_nf_moved")


def _quarantine(con, failed: list[Failed], run_id: str, now: _dt.datetime) -> None:
    rows = [{"path": f.path, "sha256": f.sha256, "error": f.error, "attempts": 1,
             "first_seen": now, "last_seen": now, "last_run_id": run_id} for f in failed]
    con.register("_nf_bad", pa.Table.from_pylist(rows))
    try:
        con.execute(
            "INSERT INTO quarantine BY NAME SELECT * FROM _nf_bad ON CONFLICT (path) DO UPDATE SET"
            " sha256 = excluded.sha256, error = excluded.error,"
            " attempts = quarantine.attempts + 1, last_seen = excluded.last_seen,"
            " last_run_id = excluded.last_run_id")
    finally:
        con.unregister("_nf_bad")


def skip_quarantined(con, todo: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], int]:
    """`todo` minus the files quarantined with the same bytes (retrying them gives the same
    error: only changed bytes, or `--retry-quarantined`, try again); and how many were skipped."""
    if not todo:
        return todo, 0
    bad = set(con.execute("SELECT path, sha256 FROM quarantine WHERE sha256 IS NOT NULL").fetchall())
    kept = [item for item in todo if (item[0], item[1]) not in bad]
    return kept, len(todo) - len(kept)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_abandoned(con) -> list[str]:
    """Mark `interrupted` the runs of this host still `running` whose process is gone (killed);
    returns their run ids. Runs of other hosts are left alone: we cannot see their processes."""
    import socket

    stale = [r for r, pid in con.execute(
        "SELECT run_id, pid FROM ingest_runs WHERE status = 'running' AND host = ?",
        [socket.gethostname()]).fetchall() if pid is None or not _alive(pid)]
    for run_id in stale:
        con.execute("UPDATE ingest_runs SET status = 'interrupted', finished_at = ? WHERE run_id = ?",
                    [utcnow(), run_id])
    return stale


def start_run(con, run_id: str, paths: list[str], now: _dt.datetime | None = None) -> None:
    import socket

    mark_abandoned(con)
    con.execute(
        "INSERT INTO ingest_runs (run_id, started_at, status, paths, extractor_version, pid, host)"
        " VALUES (?, ?, 'running', ?, ?, ?, ?)",
        [run_id, now or utcnow(), paths, EXTRACTOR_VERSION, os.getpid(), socket.gethostname()])


def interrupt_run(con, run_id: str, status: str = "interrupted") -> None:
    """A run that stopped before its summary: Ctrl-C, SIGTERM, or an error."""
    con.execute("UPDATE ingest_runs SET status = ?, finished_at = ? WHERE run_id = ? AND status = 'running'",
                [status, utcnow(), run_id])


def finish_run(con, run_id: str, summary: dict, status: str = "completed") -> None:
    con.execute(
        "UPDATE ingest_runs SET finished_at = ?, status = ?, discovered = ?, ingested = ?,"
        " new = ?, new_version = ?, unchanged = ?, quarantined = ?, changes = ?,"
        " flags_by_code = ?, timings = ? WHERE run_id = ?",
        [utcnow(), status, summary["discovered"], summary["ingested"], summary["new"],
         summary["new_version"], summary["unchanged"], summary["quarantined"], summary["changes"],
         json.dumps(summary["flags_by_code"], ensure_ascii=False),
         json.dumps(summary["timings"]), run_id])


def table_names(con) -> list[str]:
    """Every base table of the warehouse, in name order."""
    return [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY table_name").fetchall()]


def view_names(con) -> list[str]:
    """Every view an analyst reads (DuckDB's own catalog views left out), in name order."""
    return [v for (v,) in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'"
        " ORDER BY view_name").fetchall()]


EXPORT_BATCH_ROWS = 10_000


def export_parquet(con, folder) -> list[str]:
    """One Parquet file per table and per view in `folder`; returns the files written.

    Written through Arrow (DuckDB's lossless conversion, pyarrow's writer) rather than COPY, so
    a JSON column keeps its type for every reader: DuckDB's COPY marks it JSON in Parquet, which
    polars reads as bytes; the Arrow schema stored beside it says `arrow.json`, which polars,
    pandas (str) and DuckDB (JSON) all read as JSON. Streamed, so memory stays flat.
    """
    import pathlib

    import pyarrow.parquet as pq

    out = pathlib.Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    cur = con.cursor()
    written = []
    try:
        cur.execute("SET arrow_lossless_conversion = true")
        cur.execute("SET TimeZone = 'UTC'")  # timestamps exported as UTC instants
        for name in table_names(cur) + view_names(cur):
            target = out / f"{name}.parquet"
            reader = cur.sql(f'SELECT * FROM "{name}"').to_arrow_reader(EXPORT_BATCH_ROWS)
            with pq.ParquetWriter(target, reader.schema, compression="zstd") as w:
                for batch in reader:
                    w.write_batch(batch)
            written.append(str(target))
    finally:
        cur.close()
    return written
