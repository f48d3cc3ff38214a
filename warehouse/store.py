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

from warehouse import corrections
from warehouse.rows import TABLES, flatten
from warehouse.version import EXTRACTOR_VERSION, doc_key


@dataclass
class Loaded:
    """A document extracted and validated, ready to load."""
    path: str
    sha256: str
    size_bytes: int | None
    format: str | None
    record: dict
    record_json: str
    rows: dict[str, list[dict]]


@dataclass
class Failed:
    """A file that could not be ingested, with a one-line reason."""
    path: str
    sha256: str | None
    error: str


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
    for path, sha in fingerprints:
        if current.get(path) == doc_key(sha, extractor_version):
            unchanged += 1
        else:
            todo.append((path, sha))
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


def _arrow(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    name = f"_nf_in_{table}"
    con.register(name, _arrow(rows))
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
    finally:
        con.unregister(name)


def _apply_corrections(con, loaded: list[Loaded]) -> list[Loaded]:
    """The records a reviewer's live corrections make of these extractions (origin per row)."""
    effective = corrections.effective_records(con, [(item.path, item.record) for item in loaded])
    return [_corrected(item, record, corrected) for item, (record, corrected) in zip(loaded, effective)]


def _corrected(item: Loaded, record: dict, corrected: set[str]) -> Loaded:
    if not corrected and (record is item.record or record == item.record):
        return item  # nothing corrected: keep the rows and JSON the worker already built
    key = doc_key(item.sha256)
    rows = flatten(record, key, EXTRACTOR_VERSION, item.path, set(corrected))
    text = json.dumps(record, ensure_ascii=False)
    rows["records"][0]["record"] = text
    return Loaded(item.path, item.sha256, item.size_bytes, item.format, record, text, rows)


def load_batch(con: duckdb.DuckDBPyConnection, loaded: list[Loaded], failed: list[Failed],
               run_id: str, now: _dt.datetime | None = None) -> BatchResult:
    """Load a batch of documents and quarantine its failures in one transaction."""
    now = now or utcnow()
    result = BatchResult()
    t0 = time.perf_counter()
    loaded = _apply_corrections(con, loaded)
    result.corrections_s = time.perf_counter() - t0
    con.execute("BEGIN TRANSACTION")
    try:
        if loaded:
            _load_documents(con, loaded, run_id, now, result)
        if failed:
            _quarantine(con, failed, run_id, now)
            result.quarantined = len(failed)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def _load_documents(con, loaded: list[Loaded], run_id: str, now: _dt.datetime,
                    result: BatchResult) -> None:
    paths = [item.path for item in loaded]
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

    docs, keys, by_table = [], {}, {t: [] for t in TABLES}
    for item in loaded:
        key = doc_key(item.sha256)
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
            continue
        keys[key] = prev_key
        for t in TABLES:
            by_table[t].extend(item.rows[t])
        for f in item.rows["flags"]:
            result.flags[f["code"]] = result.flags.get(f["code"], 0) + 1
        by_table["records"][-1]["record"] = item.record_json
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
            _insert(con, t, by_table[t])
    finally:
        con.unregister("_nf_keys")

    # Rows of versions this batch replaced stop being current, unless another path still
    # holds the same bytes as its current version.
    replaced = {k for k in (previous.get(p, (0, None))[1] for p in paths) if k and k not in keys}
    if replaced:
        con.register("_nf_old", pa.table({"doc_key": sorted(replaced)}))
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
