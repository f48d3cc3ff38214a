"""Loading into the warehouse: what changed since the last run, and one transaction per batch.

Rows go in through DuckDB's bulk path (Arrow tables registered and `INSERT ... BY NAME SELECT`),
keyed by doc_key (sha256 + extractor version) with delete-then-insert, so loading the same
document twice, or re-running after a crash, leaves the same rows.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from typing import Iterable

import duckdb
import pyarrow as pa

from noticeflow.warehouse import corrections
from noticeflow.warehouse.batch import DOC, Batch, Failed, without
from noticeflow.warehouse.rows import TABLES, flatten
from noticeflow.warehouse.version import EXTRACTOR_VERSION, doc_key


@dataclass
class BatchResult:
    new: int = 0
    new_version: int = 0
    quarantined: int = 0
    doc_ids: list[str] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=dict)
    corrections_s: float = 0.0  # time spent in warehouse.corrections.effective_record


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)


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
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
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


def _apply_corrections(con, batch: Batch) -> dict[int, dict[str, list[dict]]]:
    """Rows, by document index, for the documents a reviewer's live corrections change; every
    other document keeps the rows its worker built."""
    effective = corrections.effective_records(con, [(item.path, item.record_json) for item in batch.loaded],
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
    """Load a batch of documents and quarantine its failures in one transaction."""
    now = now or utcnow()
    result = BatchResult()
    t0 = time.perf_counter()
    replaced = _apply_corrections(con, batch) if batch.loaded else {}
    result.corrections_s = time.perf_counter() - t0
    con.execute("BEGIN TRANSACTION")
    try:
        if batch.loaded:
            _load_documents(con, batch, replaced, run_id, now, result)
        if batch.failed:
            _quarantine(con, batch.failed, run_id, now)
            result.quarantined = len(batch.failed)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def _load_documents(con, batch: Batch, replaced: dict[int, dict[str, list[dict]]], run_id: str,
                    now: _dt.datetime, result: BatchResult) -> None:
    paths = [item.path for item in batch.loaded]
    con.register("_nf_paths", pa.table({"path": paths}))
    try:
        previous = {
            p: (v, k) for p, v, k in con.execute(
                "SELECT path, max(version), arg_max(doc_key, version) FILTER (WHERE is_current)"
                " FROM documents WHERE path IN (SELECT path FROM _nf_paths) GROUP BY path"
            ).fetchall()
        }
        con.execute(
            "UPDATE documents SET is_current = false, valid_to = ?"
            " WHERE is_current AND path IN (SELECT path FROM _nf_paths)", [now])
        con.execute("DELETE FROM quarantine WHERE path IN (SELECT path FROM _nf_paths)")
    finally:
        con.unregister("_nf_paths")

    docs, keys, skip = [], {}, set(replaced)
    for i, item in enumerate(batch.loaded):
        key = item.key or doc_key(item.sha256)
        version, prev_key = previous.get(item.path, (0, None))
        docs.append({
            "path": item.path, "version": version + 1, "doc_id": item.sha256,
            "extractor_version": EXTRACTOR_VERSION, "doc_key": key, "format": item.format,
            "size_bytes": item.size_bytes, "is_current": True, "valid_from": now,
            "valid_to": None, "run_id": run_id,
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
        for t in TABLES:
            table = batch.tables.get(t)
            if table is not None:
                table = without(table, skip)
                if t == "records":  # the JSON text travels once, on Loaded
                    table = table.set_column(table.schema.get_field_index("record"), "record", pa.array(
                        [batch.loaded[i].record_json for i in table.column(DOC).to_pylist()], pa.string()))
                _insert(con, t, table.drop_columns([DOC]))
            fixed = [r for rows in replaced.values() for r in rows.get(t, ())]
            _insert(con, t, fixed)
            if t == "flags":  # what was loaded: the workers' rows kept, and the corrected ones
                codes = (table.column("code").to_pylist() if table is not None else []) + [r["code"] for r in fixed]
                for code in codes:
                    result.flags[code] = result.flags.get(code, 0) + 1
    finally:
        con.unregister("_nf_keys")

    # Rows of versions this batch replaced stop being current, unless another path still
    # holds the same bytes as its current version.
    replaced_keys = {k for k in (previous.get(p, (0, None))[1] for p in paths) if k and k not in keys}
    if replaced_keys:
        con.register("_nf_old", pa.table({"doc_key": sorted(replaced_keys)}))
        try:
            stale = ("(SELECT doc_key FROM _nf_old EXCEPT"
                     " SELECT doc_key FROM documents WHERE is_current)")
            for t in TABLES:
                con.execute(f"UPDATE {t} SET is_current = false WHERE doc_key IN {stale}")
        finally:
            con.unregister("_nf_old")


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


def start_run(con, run_id: str, paths: list[str], now: _dt.datetime | None = None) -> None:
    con.execute(
        "INSERT INTO ingest_runs (run_id, started_at, status, paths, extractor_version)"
        " VALUES (?, ?, 'running', ?, ?)", [run_id, now or utcnow(), paths, EXTRACTOR_VERSION])


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


def export_parquet(con, folder) -> list[str]:
    """One Parquet file per table in `folder`; returns the files written."""
    import pathlib
    out = pathlib.Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for t in table_names(con):
        target = out / f"{t}.parquet"
        con.execute(f"COPY (SELECT * FROM \"{t}\") TO '{_sql_str(target)}' (FORMAT parquet)")
        written.append(str(target))
    return written


def _sql_str(p) -> str:
    return str(p).replace("'", "''")
