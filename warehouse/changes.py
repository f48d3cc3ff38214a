"""Year-over-year changes for newly loaded records, kept in the `changes` table.

Reads full records from the `records` table (one JSON per document version; `is_current`
marks the live one), diffs each new record against the same county's latest earlier policy
year, and replaces that record's rows in `changes` (delete-then-insert, one transaction,
bulk insert through Arrow). The comparison itself is `diff.compare.compare`: pure.
"""
from __future__ import annotations

import json

import duckdb
import pyarrow as pa

from diff.compare import compare
from schemas.change import Change

COLUMNS = (
    "scope", "county", "left_doc", "right_doc", "left_year", "right_year", "seq", "field", "kind",
    "old_value", "new_value", "delta", "delta_percent", "severity", "message", "left_quote", "right_quote",
)


def _parse(value) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value)


def fetch_record(con, doc_id: str) -> dict | None:
    """The current record of a document id (a unique prefix of at least 6 characters works)."""
    rows = con.execute(
        "SELECT record FROM records WHERE (doc_id = ? OR (length(?) >= 6 AND doc_id LIKE ? || '%'))"
        " ORDER BY is_current DESC, doc_id", [doc_id, doc_id, doc_id],
    ).fetchall()
    ids = {_parse(r[0]).get("doc_id") for r in rows}
    return _parse(rows[0][0]) if rows and len(ids) == 1 else None


def fetch_county_year(con, county: str, year: int) -> dict | None:
    row = con.execute(
        "SELECT record FROM records WHERE county = ? AND policy_year = ? AND is_current"
        " ORDER BY doc_id LIMIT 1", [county, year],
    ).fetchone()
    return _parse(row[0]) if row else None


def fetch_year(con, year: int) -> list[dict]:
    """Every current record of one policy year, by county."""
    rows = con.execute(
        "SELECT record FROM records WHERE policy_year = ? AND is_current ORDER BY county, doc_id", [year],
    ).fetchall()
    return [_parse(r[0]) for r in rows]


def change_rows(changes: list[Change], county: str | None, left_year, right_year) -> list[dict]:
    return [
        {
            "scope": c.scope, "county": county, "left_doc": c.left_doc, "right_doc": c.right_doc,
            "left_year": left_year, "right_year": right_year, "seq": i, "field": c.field,
            "kind": c.kind, "old_value": json.dumps(c.old, ensure_ascii=False),
            "new_value": json.dumps(c.new, ensure_ascii=False),
            "delta": None if c.delta is None else float(c.delta), "delta_percent": c.delta_percent,
            "severity": c.severity, "message": c.message, "left_quote": c.left_quote,
            "right_quote": c.right_quote,
        }
        for i, c in enumerate(changes)
    ]


FLUSH_ROWS = 5_000  # change rows held before a bulk insert


def pending_doc_ids(con) -> list[str]:
    """Current records whose diff was never computed (their run stopped after loading them)."""
    return [d for (d,) in con.execute(
        "SELECT DISTINCT doc_id FROM records WHERE is_current"
        " AND doc_id NOT IN (SELECT doc_id FROM changes_state) ORDER BY doc_id").fetchall()]


def load_changes(con, doc_ids: list[str], on_changes=None) -> list[Change]:
    """Diff each new record against the same county's previous policy year; insert into `changes`.

    A record loaded after a later year of its county (an old notice found late) also refreshes
    that later record's diff, so the table never depends on the order files arrive in.
    Batched: one query for the (doc, county, year) index of current records, one for the JSON of
    the records actually compared, one delete and one bulk insert, so a 10,000-document run
    does not pay three queries per document. With `on_changes(right_doc, changes)` the changes
    are handed over pair by pair instead of returned, so a big run holds none of them.
    """
    if not doc_ids:
        return []
    index = con.execute(
        "SELECT doc_id, county, policy_year FROM records WHERE is_current AND county IS NOT NULL"
        " AND policy_year IS NOT NULL ORDER BY county, policy_year, doc_id").fetchall()
    by_county: dict[str, list[tuple[int, str]]] = {}
    where: dict[str, tuple[str, int]] = {}
    for doc_id, county, year in index:
        by_county.setdefault(county, []).append((year, doc_id))
        where[doc_id] = (county, year)

    def neighbour(county: str, year: int, before: bool) -> str | None:
        """The latest earlier (or earliest later) year's record; lists are sorted by (year, doc_id)."""
        years = by_county.get(county, [])
        if before:
            earlier = [(y, d) for y, d in years if y < year]
            return next(d for y, d in earlier if y == earlier[-1][0]) if earlier else None
        return next((d for y, d in years if y > year), None)

    targets: dict[str, str | None] = {}  # right doc -> left doc (None: no earlier year)
    for doc_id in doc_ids:
        if doc_id not in where:
            continue
        county, year = where[doc_id]
        targets[doc_id] = neighbour(county, year, before=True)
        later = neighbour(county, year, before=False)
        if later and later not in targets:
            targets[later] = neighbour(*where[later], before=True)
    pairs_by_county: dict[str, list[tuple[str, str]]] = {}
    for right_id, left_id in sorted(targets.items()):
        if left_id:
            pairs_by_county.setdefault(where[right_id][0], []).append((right_id, left_id))
    needed = sorted({d for pairs in pairs_by_county.values() for pair in pairs for d in pair})

    found: list[Change] = []
    rows: list[dict] = []

    def flush() -> None:
        if rows:
            batch = pa.Table.from_pylist(rows, schema=_SCHEMA)  # noqa: F841 (read by DuckDB by name)
            con.execute(f"INSERT INTO changes ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM batch")
            rows.clear()

    own = _begin(con)
    try:
        con.register("_nf_change_right", pa.table({"doc_id": sorted(targets)}))
        con.execute("DELETE FROM changes WHERE scope = 'year_over_year'"
                    " AND right_doc IN (SELECT doc_id FROM _nf_change_right)")
        con.unregister("_nf_change_right")
        for county, blobs in _records_by_county(con, needed):
            for right_id, left_id in pairs_by_county.get(county, []):
                if right_id not in blobs or left_id not in blobs:
                    continue
                changes = compare(_parse(blobs[left_id]), _parse(blobs[right_id]), scope="year_over_year")
                rows += change_rows(changes, county, where[left_id][1], where[right_id][1])
                if on_changes is None:
                    found.extend(changes)
                else:
                    on_changes(right_id, changes)
                if len(rows) >= FLUSH_ROWS:
                    flush()
        flush()
        con.register("_nf_change_done", pa.table({"doc_id": sorted(set(doc_ids) | set(targets))}))
        con.execute("INSERT OR IGNORE INTO changes_state (doc_id) SELECT doc_id FROM _nf_change_done")
        con.unregister("_nf_change_done")
        if own:
            con.execute("COMMIT")
    except Exception:
        if own:
            con.execute("ROLLBACK")
        raise
    return found


def _records_by_county(con, doc_ids: list[str]):
    """(county, {doc_id: raw JSON}) one county at a time, streamed: a big run never holds all records.

    The cursor is a second connection, so it sees committed records only: callers diff what an
    earlier, committed load wrote (the ingest flow runs this after its load transactions)."""
    if not doc_ids:
        return
    cur = con.cursor()  # its own result stream, untouched by the inserts on `con`
    try:
        cur.register("_nf_change_ids", pa.table({"doc_id": doc_ids}))
        cur.execute("SELECT county, doc_id, record FROM records WHERE is_current"
                    " AND doc_id IN (SELECT doc_id FROM _nf_change_ids) ORDER BY county")
        county, group = None, {}
        while batch := cur.fetchmany(512):
            for c, doc_id, blob in batch:
                if c != county and group:
                    yield county, group
                    group = {}
                county = c
                group[doc_id] = blob
        if group:
            yield county, group
    finally:
        cur.close()


def _begin(con) -> bool:
    """Open a transaction unless the caller (the load task) already holds one."""
    try:
        con.execute("BEGIN TRANSACTION")
        return True
    except duckdb.TransactionException:
        return False


_SCHEMA = pa.schema([
    ("scope", pa.string()), ("county", pa.string()), ("left_doc", pa.string()), ("right_doc", pa.string()),
    ("left_year", pa.int32()), ("right_year", pa.int32()), ("seq", pa.int32()), ("field", pa.string()),
    ("kind", pa.string()), ("old_value", pa.string()), ("new_value", pa.string()), ("delta", pa.float64()),
    ("delta_percent", pa.float64()), ("severity", pa.string()), ("message", pa.string()),
    ("left_quote", pa.string()), ("right_quote", pa.string()),
])
