"""Year-over-year changes for newly loaded records, kept in the `changes` table.

Reads full records from the `records` table (one JSON per document version; `is_current`
marks the live one), diffs each new record against the same county's latest earlier policy
year, and replaces that record's rows in `changes` (delete-then-insert, bulk insert through
Arrow, a transaction per piece of whole counties). The comparison itself is
`diff.compare.compare`: pure.
"""
from __future__ import annotations

import contextlib
import json

import duckdb
import pyarrow as pa

from noticeflow.diff.compare import compare
from noticeflow.warehouse.access import retrying
from noticeflow.schemas.change import Change

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
            "kind": c.kind, "old_value": _json_or_null(c.old), "new_value": _json_or_null(c.new),
            "delta": None if c.delta is None else float(c.delta), "delta_percent": c.delta_percent,
            "severity": c.severity, "message": c.message, "left_quote": c.left_quote,
            "right_quote": c.right_quote,
        }
        for i, c in enumerate(changes)
    ]


def _json_or_null(value) -> str | None:
    """A compared value as JSON text for the JSON column; SQL NULL where a side has none."""
    return None if value is None else json.dumps(value, ensure_ascii=False)


FLUSH_ROWS = 5_000   # change rows held before a bulk insert
PIECE_DOCS = 1000    # records (whole counties) diffed, inserted and committed together


def pending_doc_ids(con) -> list[str]:
    """Current records whose diff was never computed (their run stopped after loading them)."""
    return [d for (d,) in con.execute(
        "SELECT DISTINCT doc_id FROM records WHERE is_current"
        " AND doc_id NOT IN (SELECT doc_id FROM changes_state) ORDER BY doc_id").fetchall()]


POINT_READS = 16  # a diff needing at most this many records reads them one by one, in the caller's transaction


def load_changes(con, doc_ids: list[str], on_changes=None, known: dict[str, str] | None = None,
                 in_transaction: bool | None = None) -> list[Change]:
    """Diff each new record against the same county's previous policy year; insert into `changes`.

    A record loaded after a later year of its county (an old notice found late) also refreshes
    that later record's diff, so the table never depends on the order files arrive in.
    Batched: one query for the (doc, county, year) index of current records and one scan of the
    records JSON; then whole counties at a time, about PIECE_DOCS records each, are diffed,
    inserted and marked in `changes_state` in a transaction of their own (unless the caller holds
    one), so memory stays flat however large the run and an interrupted stage resumes where it
    stopped. With `on_changes(right_doc, changes)` the changes are handed over pair by pair
    instead of returned, so a big run holds none of them. A small call (a reviewer's correction
    re-diffing one notice, `known` holding its new JSON by doc id) reads the few records it
    needs directly, inside the caller's transaction (`in_transaction`: the caller holds one;
    a warehouse.access connection knows by itself).
    """
    if not doc_ids:
        return []
    # A document that no longer stands for its notice (another of its documents is now the
    # best, or its file went away) keeps no changes: one set per notice.
    con.execute("DELETE FROM changes WHERE scope = 'year_over_year'"
                " AND right_doc NOT IN (SELECT doc_id FROM records WHERE is_current)")
    index = con.execute(
        "SELECT doc_id, county, policy_year FROM records WHERE is_current AND county IS NOT NULL"
        " AND policy_year IS NOT NULL ORDER BY county, policy_year, doc_id").fetchall()
    by_county: dict[str, list[tuple[int, str]]] = {}
    where: dict[str, tuple[str, int]] = {}
    for doc_id, county, year in index:
        by_county.setdefault(county, []).append((year, doc_id))
        where[doc_id] = (county, year)
    del index

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
    by_piece = _pieces(targets, where)

    found: list[Change] = []
    held = getattr(con, "in_transaction", False) if in_transaction is None else in_transaction
    with _Spill() as spill:
        needed = {d: i for i, piece in enumerate(by_piece) for pair in piece["pairs"] for d in pair}
        direct = len(needed) <= POINT_READS
        mark = None if direct else _last_correction(con)
        if not direct:
            spill.fill(con, needed)
        for i, piece in enumerate(by_piece):
            blobs = ({d: r for d in needed if needed[d] == i and (r := (known or {}).get(d) or _record(con, d))}
                     if direct else spill.read(i))

            def write(piece=piece, blobs=blobs) -> None:
                # Written again when it lost to another session's write (the review app, sharing
                # the warehouse through warehouse.access): nothing of a failed piece is kept.
                mark_found, own = len(found), not held and _begin(con)
                try:
                    if mark is not None:  # a reviewer corrected some of these since they were read
                        blobs.update(_corrected_since(con, mark, blobs))
                    _write_piece(con, piece, blobs, where, found if on_changes is None else None, on_changes)
                    if own:
                        con.execute("COMMIT")
                except Exception:
                    del found[mark_found:]
                    if own:
                        with contextlib.suppress(duckdb.TransactionException):  # a failed COMMIT rolled back
                            con.execute("ROLLBACK")
                    raise
            write() if held else retrying(write)  # in the caller's transaction, the caller retries
    done = sorted(set(doc_ids) - set(targets))  # not diffable (no county or year): diffed as nothing
    if done:
        _mark_diffed(con, done)
    return found


def _record(con, doc_id: str) -> str | None:
    """One current record's JSON (selecting only `record`, so DuckDB decompresses one value)."""
    rows = con.execute("SELECT record FROM records WHERE doc_id = ? AND is_current", [doc_id]).fetchall()
    return rows[0][0] if rows else None


def _last_correction(con) -> int:
    """The newest correction's id, or 0: what the spilled records already include."""
    try:
        return con.execute("SELECT coalesce(max(id), 0) FROM corrections").fetchall()[0][0]
    except duckdb.CatalogException:
        return 0


def _corrected_since(con, mark: int, blobs: dict[str, str]) -> dict[str, str]:
    """The current JSON of those of `blobs` whose notices got a correction after `mark`: the
    review app rewrote their records row after the spill read it (warehouse.corrections.refresh)."""
    if not mark and not _last_correction(con):
        return {}
    ids = [d for (d,) in con.execute(
        # a correction is kept under its notice (notice_id) or, logged before notices, a path
        "SELECT DISTINCT d.doc_id FROM corrections c JOIN notice_keys k ON k.key = c.notice_key"
        " JOIN notice_documents m ON m.notice_id = k.notice_id JOIN documents d ON d.doc_key = m.doc_key AND d.is_current"
        " WHERE c.id > ?", [mark]).fetchall() if d in blobs]
    return {d: r for d in ids if (r := _record(con, d)) is not None}


def _pieces(targets: dict[str, str | None], where: dict[str, tuple[str, int]]) -> list[dict]:
    """Right docs grouped into pieces of whole counties: {'rights': [...], 'pairs': [(right, left)]}."""
    per_county: dict[str, list[str]] = {}
    for right_id in sorted(targets):
        per_county.setdefault(where[right_id][0], []).append(right_id)
    pieces: list[dict] = []
    size = PIECE_DOCS
    for county in sorted(per_county):
        if size >= PIECE_DOCS:
            pieces.append({"rights": [], "pairs": []})
            size = 0
        piece = pieces[-1]
        for right_id in per_county[county]:
            piece["rights"].append(right_id)
            if targets[right_id]:
                piece["pairs"].append((right_id, targets[right_id]))
                size += 2
            else:
                size += 1
    return pieces


def _write_piece(con, piece: dict, blobs: dict[str, str], where, found: list | None, on_changes) -> None:
    """Replace the year-over-year changes of one piece's right docs and mark them diffed."""
    con.register("_nf_change_right", pa.table({"doc_id": piece["rights"]}))
    con.execute("DELETE FROM changes WHERE scope = 'year_over_year'"
                " AND right_doc IN (SELECT doc_id FROM _nf_change_right)")
    con.unregister("_nf_change_right")
    rows: list[dict] = []
    for right_id, left_id in piece["pairs"]:
        if right_id not in blobs or left_id not in blobs:
            continue
        changes = compare(_parse(blobs[left_id]), _parse(blobs[right_id]), scope="year_over_year")
        rows += change_rows(changes, where[right_id][0], where[left_id][1], where[right_id][1])
        if found is not None:
            found.extend(changes)
        if on_changes is not None:
            on_changes(right_id, changes)
        if len(rows) >= FLUSH_ROWS:
            _insert_rows(con, rows)
    _insert_rows(con, rows)
    _mark_diffed(con, piece["rights"])


def _mark_diffed(con, doc_ids: list[str]) -> None:
    """Record in changes_state that these documents' diffs are computed."""
    con.register("_nf_change_done", pa.table({"doc_id": doc_ids}))
    con.execute("INSERT OR IGNORE INTO changes_state (doc_id) SELECT doc_id FROM _nf_change_done")
    con.unregister("_nf_change_done")


def _insert_rows(con, rows: list[dict]) -> None:
    if rows:
        con.register("_nf_change_rows", pa.Table.from_pylist(rows, schema=_SCHEMA))
        try:
            con.execute(f"INSERT INTO changes ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM _nf_change_rows")
        finally:
            con.unregister("_nf_change_rows")
        rows.clear()


class _Spill:
    """The records JSON a diff needs, bucketed by piece into temporary files in one scan.

    Written by hand because neither DuckDB way works here: ORDER BY county keeps every JSON
    text in memory (it ran out at 128 MB on 10,000 notices and is not counted in the memory
    limit), and fetching each piece's records by id scans the whole JSON column every time.
    One sequential scan plus a file per piece is linear in time and flat in memory: lines are
    buffered up to BUFFER_CHARS and appended to their files, so at most one file is open.
    """

    BUFFER_CHARS = 8 << 20
    JOIN_IDS = 500  # ids joined in DuckDB; more are filtered from one plain scan

    def __enter__(self) -> "_Spill":
        import tempfile

        self._dir = tempfile.TemporaryDirectory(prefix="noticeflow-changes-")
        self._buffers: dict[int, list[str]] = {}
        self._buffered = 0
        return self

    def __exit__(self, *exc) -> None:
        self._dir.cleanup()

    def _path(self, piece: int) -> str:
        import os

        return os.path.join(self._dir.name, f"{piece}.tsv")

    def _flush(self) -> None:
        for piece, lines in self._buffers.items():
            with open(self._path(piece), "a", encoding="utf-8") as f:
                f.writelines(lines)
        self._buffers.clear()
        self._buffered = 0

    def fill(self, con, needed: dict[str, int]) -> None:
        """Store each needed record (doc_id -> piece) as a `doc_id TAB json` line (JSON text
        has neither raw tabs nor newlines)."""
        if needed:  # again from the start if the shared memory pool was full (warehouse.access)
            retrying(lambda: self._fill(con, needed))

    def _fill(self, con, needed: dict[str, int]) -> None:
        import os

        self._buffers.clear()
        self._buffered = 0
        for name in os.listdir(self._dir.name):
            os.remove(os.path.join(self._dir.name, name))
        cur = con.cursor()  # its own result stream: reads what earlier loads committed
        try:
            # A relation's Arrow reader streams; `execute` would first materialise every
            # record's JSON outside DuckDB's memory limit (+450 MB on 10,000 notices). Joined
            # with many ids (`doc_id IN (…)`) the JSON is held in the join instead: 10,000 ids
            # ran out of the 256 MB pool and the changes stage of every large run stopped. So a
            # few ids are joined, and many are read by the plain scan, filtered here.
            if len(needed) <= self.JOIN_IDS:
                cur.register("_nf_change_ids", pa.table({"doc_id": list(needed)}))
                query = ("SELECT doc_id, record FROM records WHERE is_current"
                         " AND doc_id IN (SELECT doc_id FROM _nf_change_ids)")
            else:
                query = "SELECT doc_id, record FROM records WHERE is_current"
            for batch in cur.sql(query).to_arrow_reader(256):
                for doc_id, text in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()):
                    piece = needed.get(doc_id)
                    if piece is None or text is None:
                        continue
                    self._buffers.setdefault(piece, []).append(f"{doc_id}\t{text}\n")
                    self._buffered += len(text)
                if self._buffered >= self.BUFFER_CHARS:
                    self._flush()
            self._flush()
        finally:
            cur.close()

    def read(self, piece: int) -> dict[str, str]:
        """doc_id -> JSON text of one piece's records (the file is removed)."""
        import os

        path = self._path(piece)
        if not os.path.exists(path):
            return {}
        with open(path, encoding="utf-8") as f:
            out = dict(line.rstrip("\n").split("\t", 1) for line in f)
        os.remove(path)
        return out


def _begin(con) -> bool:
    """Open a transaction unless the caller (the load task) already holds one."""
    held = getattr(con, "in_transaction", None)  # a warehouse.access connection knows
    if held is not None:
        if not held:
            con.execute("BEGIN TRANSACTION")
        return not held
    try:  # plain DuckDB (2.x aborts the caller's transaction on a nested BEGIN: tests only)
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
