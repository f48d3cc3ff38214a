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


def previous_record(con, county: str, year: int) -> dict | None:
    """The same county's latest current record of an earlier policy year."""
    row = con.execute(
        "SELECT record FROM records WHERE county = ? AND policy_year < ? AND is_current"
        " ORDER BY policy_year DESC, doc_id LIMIT 1", [county, year],
    ).fetchone()
    return _parse(row[0]) if row else None


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


def next_doc(con, county: str, year: int) -> str | None:
    """The same county's earliest current record of a later policy year (its diff depends on us)."""
    row = con.execute(
        "SELECT doc_id FROM records WHERE county = ? AND policy_year > ? AND is_current"
        " ORDER BY policy_year, doc_id LIMIT 1", [county, year],
    ).fetchone()
    return row[0] if row else None


def load_changes(con, doc_ids: list[str]) -> list[Change]:
    """Diff each new record against the same county's previous policy year; insert into `changes`.

    A record loaded after a later year of its county (an old notice found late) also refreshes
    that later record's diff, so the table never depends on the order files arrive in.
    """
    found: list[Change] = []
    todo, done = list(doc_ids), set()
    while todo:
        doc_id = todo.pop(0)
        if doc_id in done:
            continue
        done.add(doc_id)
        record = fetch_record(con, doc_id)
        county = ((record or {}).get("region") or {}).get("county")
        year = ((record or {}).get("policy_year") or {}).get("value")
        if not record or not county or not year:
            continue
        before = previous_record(con, county, year)
        later = next_doc(con, county, year)
        if later and later not in done and later not in todo:
            todo.append(later)
        changes = compare(before, record, scope="year_over_year") if before else []
        rows = change_rows(changes, county, (before or {}).get("policy_year", {}).get("value"), year)
        own = _begin(con)
        try:
            con.execute("DELETE FROM changes WHERE right_doc = ? AND scope = 'year_over_year'", [record["doc_id"]])
            if rows:
                batch = pa.Table.from_pylist(rows, schema=_SCHEMA)  # noqa: F841 (read by DuckDB by name)
                con.execute(f"INSERT INTO changes ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM batch")
            if own:
                con.execute("COMMIT")
        except Exception:
            if own:
                con.execute("ROLLBACK")
            raise
        found.extend(changes)
    return found


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
