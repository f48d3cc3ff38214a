"""Notice identity in the warehouse: which documents carry one notice, and which of them stands for it.

A document (one file's bytes, `doc_key`) belongs to exactly one notice (`notice_documents`);
`diff.identity` decides, the loader asks here before it loads a batch (`assign`), so the
reviewers' corrections, which are kept per notice, apply to every document of it. After the
batch's rows are in, `refresh` picks each touched notice's best current document (a text layer
over OCR, more facts over fewer, the newest extraction) and makes its rows the notice's: every
analyst table's `is_current` is true only on the rows of a current notice's best document, so
`WHERE is_current` gives one row set per notice. Documents of one notice that disagree on a
fact raise a `sources_disagree` flag on the notice's rows for reviewers.
"""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass

import pyarrow as pa

from noticeflow.diff.identity import Fingerprint, best_key, fingerprint, same_notice
from noticeflow.warehouse.rows import TABLES


@dataclass(frozen=True)
class Assignment:
    doc_key: str
    doc_id: str
    notice_id: str
    matched_by: str            # founder | same_bytes | doc_number | text
    score: float | None = None
    matched_doc: str | None = None


def _first(cur):
    """The first row, the result read to its end (DuckDB refuses other work on a connection
    whose result was left half read)."""
    rows = cur.fetchall()
    return rows[0] if rows else None


def new_notice_id(doc_id: str) -> str:
    """A notice is named after the first document that carried it."""
    return f"N{doc_id[:15]}"


class Index:
    """Notices (current or not) by county, by document number and by id, with a fingerprint of
    each notice's representative document fetched only when a text comparison needs it."""

    def __init__(self, con):
        self.con = con
        self.by_place: dict[str, list[str]] = {}
        self.by_number: dict[str, list[str]] = {}
        self.head: dict[str, Fingerprint] = {}       # headline fingerprint without text
        self.best: dict[str, str | None] = {}        # notice -> doc_key of its representative
        self.current: dict[str, bool] = {}
        self._full: dict[str, Fingerprint | None] = {}
        self._lazy: dict[str, callable] = {}  # notices founded in this batch: not in the tables yet
        rows = con.execute(
            "SELECT n.notice_id, n.best_doc_key, n.is_current, r.doc_number, r.issuer, r.adcode, r.county,"
            " r.policy_year FROM notices n LEFT JOIN records r ON r.doc_key = n.best_doc_key").fetchall()
        for nid, best, cur, number, issuer, adcode, county, year in rows:
            self.add(nid, _head(number, issuer, adcode, county, year), best, bool(cur))

    def add(self, notice_id: str, fp: Fingerprint, best: str | None, current: bool = True,
            full=None) -> None:
        self.head[notice_id], self.best[notice_id], self.current[notice_id] = fp, best, current
        if full is not None:
            self._lazy[notice_id] = full
        for key in _place_keys(fp):
            self.by_place.setdefault(key, []).append(notice_id)
        if fp.doc_number:
            self.by_number.setdefault(fp.doc_number, []).append(notice_id)

    def candidates(self, fp: Fingerprint) -> list[str]:
        out = []
        for key in _place_keys(fp):
            out += self.by_place.get(key, [])
        if fp.doc_number:
            out += self.by_number.get(fp.doc_number, [])
        seen, unique = set(), []
        for n in out:
            if n not in seen:
                seen.add(n)
                unique.append(n)
        return unique

    def full(self, notice_id: str) -> Fingerprint | None:
        if notice_id in self._lazy:
            return self._lazy[notice_id]()
        if notice_id not in self._full:
            best = self.best.get(notice_id)
            row = _first(self.con.execute("SELECT record FROM records WHERE doc_key = ? LIMIT 1", [best])) \
                if best else None
            self._full[notice_id] = fingerprint(json.loads(row[0])) if row else None
        return self._full[notice_id]


def _head(number, issuer, adcode, county, year) -> Fingerprint:
    rec = {"doc_number": number, "issuer": issuer, "policy_year": year,
           "region": {"adcode": adcode, "county": county}, "text": ""}
    return fingerprint(rec)


def _place_keys(fp: Fingerprint) -> list[str]:
    keys = []
    if fp.adcode:
        keys.append(f"a:{fp.adcode}")
    if fp.county:
        keys.append(f"c:{fp.county}")
    return keys


def _decide(index: Index, fp: Fingerprint, full) -> tuple[str, str, float | None] | None:
    """(notice, how, score) of the existing notice this document belongs to, or None."""
    best = None
    for nid in index.candidates(fp):
        m = same_notice(fp, index.head[nid])
        if m.same and m.by == "doc_number":
            rank = (2, index.current[nid], 1.0)
        elif m.by in ("conflict", "different_doc_number"):
            continue
        else:  # a text comparison: the headline alone cannot tell
            other = index.full(nid)
            if other is None:
                continue
            m = same_notice(full(), other)
            if not m.same:
                continue
            rank = (1, index.current[nid], m.score)
        if best is None or rank > best[0]:
            best = (rank, nid, m.by, m.score)
    return None if best is None else (best[1], best[2], best[3])


def assign(con, items: list[tuple[str, str, dict, callable]]) -> list[Assignment]:
    """The notice of each (doc_key, doc_id, headline, record) to load, in order; `headline` holds
    the records row's doc_number, issuer, adcode, county, policy_year; `record()` gives the full
    record JSON dict (parsed only when a text comparison needs it). Documents already assigned
    keep their notice; the same bytes under another key (re-extraction) inherit it; documents
    earlier in `items` count as notices for later ones."""
    if not items:
        return []
    keys = [k for k, *_ in items]
    ids = [d for _, d, *_ in items]
    known = dict(con.execute("SELECT doc_key, notice_id FROM notice_documents"
                             " WHERE doc_key IN (SELECT unnest(?::VARCHAR[]))", [keys]).fetchall())
    by_bytes = dict(con.execute("SELECT doc_id, any_value(notice_id) FROM notice_documents"
                                " WHERE doc_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY 1", [ids]).fetchall())
    index = None
    out = []
    for key, doc_id, head, record in items:
        if key in known:
            out.append(Assignment(key, doc_id, known[key], "kept"))
            continue
        if doc_id in by_bytes:
            out.append(Assignment(key, doc_id, by_bytes[doc_id], "same_bytes"))
            known[key] = by_bytes[doc_id]
            continue
        index = index or Index(con)
        fp = _head(head.get("doc_number"), head.get("issuer"), head.get("adcode"), head.get("county"),
                   head.get("policy_year"))
        cache: list = []

        def full(record=record, cache=cache) -> Fingerprint:
            if not cache:
                cache.append(fingerprint(record()))
            return cache[0]

        found = _decide(index, fp, full)
        if found:
            nid, by, score = found
            out.append(Assignment(key, doc_id, nid, by, score, index.best.get(nid)))
        else:
            nid = new_notice_id(doc_id)
            out.append(Assignment(key, doc_id, nid, "founder"))
            index.add(nid, fp, key, True, full)
        known[key] = nid
        by_bytes[doc_id] = nid
    return out


def record_assignments(con, assignments: list[Assignment], now: _dt.datetime,
                       stamped: set[str] = frozenset()) -> list[str]:
    """Store the assignments (delete-then-insert by doc_key) and stamp `notice_id` on every row
    of those documents (but those in `stamped`, whose rows were inserted with it); returns the
    notices touched."""
    fresh = [a for a in assignments if a.matched_by != "kept"]
    if fresh:
        tbl = pa.table({"doc_key": [a.doc_key for a in fresh], "doc_id": [a.doc_id for a in fresh],
                        "notice_id": [a.notice_id for a in fresh], "matched_by": [a.matched_by for a in fresh],
                        "score": pa.array([a.score for a in fresh], pa.float64()),
                        "matched_doc": pa.array([a.matched_doc for a in fresh], pa.string()),
                        "assigned_at": pa.array([now] * len(fresh), pa.timestamp("us", tz="UTC"))})
        con.register("_nf_assign", tbl)
        try:
            con.execute("DELETE FROM notice_documents WHERE doc_key IN (SELECT doc_key FROM _nf_assign)")
            con.execute("INSERT INTO notice_documents BY NAME SELECT * FROM _nf_assign")
        finally:
            con.unregister("_nf_assign")
    unstamped = [a.doc_key for a in assignments if a.doc_key not in stamped]
    if unstamped:
        stamp(con, unstamped)
    return sorted({a.notice_id for a in assignments})


def stamp(con, doc_keys: list[str]) -> None:
    """Copy each document's notice_id onto its rows in every table."""
    con.register("_nf_stamp", pa.table({"doc_key": doc_keys}))
    try:
        for t in TABLES:
            con.execute(f"UPDATE {t} SET notice_id = m.notice_id FROM notice_documents m"
                        f" WHERE {t}.doc_key = m.doc_key AND m.doc_key IN (SELECT doc_key FROM _nf_stamp)"
                        f" AND {t}.notice_id IS DISTINCT FROM m.notice_id")
    finally:
        con.unregister("_nf_stamp")


def notices_of(con, doc_keys: list[str]) -> list[str]:
    if not doc_keys:
        return []
    con.register("_nf_of", pa.table({"doc_key": doc_keys}))
    try:
        return [n for (n,) in con.execute("SELECT DISTINCT notice_id FROM notice_documents"
                                          " WHERE doc_key IN (SELECT doc_key FROM _nf_of) ORDER BY 1").fetchall()]
    finally:
        con.unregister("_nf_of")


_MEMBERS = """
SELECT m.notice_id, d.doc_key, any_value(d.doc_id), list(d.path ORDER BY d.path), any_value(d.format),
       max(d.valid_from), bool_or(coalesce(r.ocr, false)), any_value(coalesce(r.n_facts, 0))
FROM notice_documents m
JOIN documents d ON d.doc_key = m.doc_key AND d.is_current
JOIN records r ON r.doc_key = m.doc_key
WHERE m.notice_id IN (SELECT notice_id FROM _nf_touched)
GROUP BY m.notice_id, d.doc_key
"""


def refresh(con, notice_ids: list[str], now: _dt.datetime, fresh: set[str] = frozenset()) -> None:
    """Recompute the touched notices: members, best document, `is_current` of every row, the
    notices row, and the sources_disagree flags. Run inside the loader's transaction.

    `fresh`: documents whose rows were just inserted, all current. A notice whose only document
    is one of them has nothing to change in `is_current`, so it is left out of the UPDATEs (each
    scans a whole table: on a first ingest every notice is such a one)."""
    if not notice_ids:
        return
    con.register("_nf_touched", pa.table({"notice_id": notice_ids}))
    try:
        members: dict[str, list[tuple]] = {}
        for nid, key, doc_id, paths, fmt, loaded, ocr, facts in con.execute(_MEMBERS).fetchall():
            members.setdefault(nid, []).append((key, doc_id, paths, fmt, loaded, ocr, facts))
        for docs in members.values():
            docs.sort(key=lambda d: best_key(d[5], d[6], d[4], d[1]))
        best = {nid: docs[0][0] for nid, docs in members.items()}
        _rediff_new_best(con, members)
        settled = {nid for nid, docs in members.items() if len(docs) == 1 and docs[0][0] in fresh}
        update = [nid for nid in notice_ids if nid not in settled]
        if update:
            con.register("_nf_best", pa.table({"notice_id": list(best), "best": list(best.values())}))
            con.register("_nf_update", pa.table({"notice_id": update}))
            try:
                for t in TABLES:
                    con.execute(f"UPDATE {t} SET is_current = coalesce({t}.doc_key = b.best, false)"
                                f" FROM _nf_update n LEFT JOIN _nf_best b ON b.notice_id = n.notice_id"
                                f" WHERE {t}.notice_id = n.notice_id"
                                f" AND {t}.is_current IS DISTINCT FROM coalesce({t}.doc_key = b.best, false)")
            finally:
                con.unregister("_nf_best")
                con.unregister("_nf_update")
        disagree = _disagreements(con, members)
        _write_flags(con, members, disagree)
        _write_notices(con, notice_ids, members, disagree, now)
    finally:
        con.unregister("_nf_touched")


def _rediff_new_best(con, members: dict[str, list[tuple]]) -> None:
    """A document that now stands for its notice (it was not the best before) needs its
    year-over-year diff: the diff stage skipped it while another document stood for the notice."""
    before = dict(con.execute("SELECT notice_id, best_doc_id FROM notices"
                              " WHERE notice_id IN (SELECT notice_id FROM _nf_touched)").fetchall())
    new = [docs[0][1] for nid, docs in members.items() if before.get(nid) not in (None, docs[0][1])]
    if new:
        con.execute("DELETE FROM changes_state WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))", [new])


def _disagreements(con, members: dict[str, list[tuple]]) -> dict[str, list[tuple[str, str]]]:
    """(field, message) where a notice's other documents differ from its best one."""
    from noticeflow.diff.compare import compare

    many = {nid: docs for nid, docs in members.items() if len(docs) > 1}
    if not many:
        return {}
    keys = [d[0] for docs in many.values() for d in docs]
    con.register("_nf_cmp", pa.table({"doc_key": keys}))
    try:
        recs = {k: json.loads(r) for k, r in con.execute(
            "SELECT doc_key, record FROM records WHERE doc_key IN (SELECT doc_key FROM _nf_cmp)").fetchall()}
    finally:
        con.unregister("_nf_cmp")
    out: dict[str, list[tuple[str, str]]] = {}
    for nid, docs in many.items():
        best = recs.get(docs[0][0])
        seen = set()
        for other in docs[1:]:
            rec = recs.get(other[0])
            if best is None or rec is None:
                continue
            for c in compare(rec, best, scope="year_over_year"):
                if c.field in seen:
                    continue
                seen.add(c.field)
                name = other[2][0].rsplit("/", 1)[-1]
                out.setdefault(nid, []).append((c.field, f"{name} 与本通知的其他文件不一致：{c.message}"))
    return out


def _write_flags(con, members: dict[str, list[tuple]], disagree: dict[str, list[tuple[str, str]]]) -> None:
    keys = [d[0] for docs in members.values() for d in docs]
    con.register("_nf_flagged", pa.table({"doc_key": keys or [""]}))
    try:
        con.execute("DELETE FROM flags WHERE code = 'sources_disagree' AND doc_key IN (SELECT doc_key FROM _nf_flagged)")
    finally:
        con.unregister("_nf_flagged")
    rows = []
    for nid, found in disagree.items():
        best = members[nid][0][0]
        base = con.execute("SELECT doc_id, extractor_version, province, county, adcode, policy_year,"
                           " coalesce(max_idx, -1) FROM records r LEFT JOIN (SELECT doc_key, max(idx) AS max_idx"
                           " FROM flags WHERE doc_key = ? GROUP BY 1) f USING (doc_key) WHERE r.doc_key = ? LIMIT 1",
                           [best, best]).fetchall()
        base = base[0] if base else None
        if base is None:
            continue
        doc_id, version, province, county, adcode, year, last = base
        for i, (field, message) in enumerate(found):
            rows.append({"doc_key": best, "doc_id": doc_id, "extractor_version": version, "province": province,
                         "county": county, "adcode": adcode, "policy_year": year, "origin": "extracted",
                         "is_current": True, "notice_id": nid, "idx": last + 1 + i, "code": "sources_disagree",
                         "severity": "warning", "field": field.split("[")[0].split(".")[0], "message": message})
    if rows:
        con.register("_nf_flag_rows", pa.Table.from_pylist(rows))
        try:
            con.execute("INSERT INTO flags BY NAME SELECT * FROM _nf_flag_rows")
        finally:
            con.unregister("_nf_flag_rows")


def _write_notices(con, notice_ids: list[str], members: dict[str, list[tuple]],
                   disagree: dict[str, list[tuple[str, str]]], now: _dt.datetime) -> None:
    rows = []
    heads = {}
    best_keys = [docs[0][0] for docs in members.values()]
    if best_keys:
        con.register("_nf_heads", pa.table({"doc_key": best_keys}))
        try:
            for r in con.execute("SELECT doc_key, province, city, county, adcode, policy_year, title, doc_number,"
                                 " issuer FROM records WHERE doc_key IN (SELECT doc_key FROM _nf_heads)").fetchall():
                heads[r[0]] = r[1:]
        finally:
            con.unregister("_nf_heads")
    for nid in notice_ids:
        docs = members.get(nid)
        if not docs:
            continue
        best = docs[0]
        h = heads.get(best[0], (None,) * 8)
        rows.append({"notice_id": nid, "province": h[0], "city": h[1], "county": h[2], "adcode": h[3],
                     "policy_year": h[4], "title": h[5], "doc_number": h[6], "issuer": h[7],
                     "best_doc_key": best[0], "best_doc_id": best[1], "best_path": best[2][0],
                     "documents": [p for d in docs for p in d[2]], "doc_ids": [d[1] for d in docs],
                     "formats": [d[3] for d in docs], "n_documents": sum(len(d[2]) for d in docs),
                     "is_current": True, "sources_disagree": sorted({f for f, _ in disagree.get(nid, [])}),
                     "updated_at": now})
    gone = [nid for nid in notice_ids if nid not in members]
    if gone:  # no current document carries it any more: kept, not current
        con.register("_nf_gone", pa.table({"notice_id": gone}))
        try:
            con.execute("UPDATE notices SET is_current = false, n_documents = 0, documents = [], doc_ids = [],"
                        " formats = [], updated_at = ? WHERE notice_id IN (SELECT notice_id FROM _nf_gone)", [now])
        finally:
            con.unregister("_nf_gone")
    if rows:
        tbl = pa.Table.from_pylist(rows, schema=_NOTICE_SCHEMA)
        con.register("_nf_notice_rows", tbl)
        try:
            first = dict(con.execute("SELECT notice_id, first_seen FROM notices"
                                     " WHERE notice_id IN (SELECT notice_id FROM _nf_notice_rows)").fetchall())
            con.execute("DELETE FROM notices WHERE notice_id IN (SELECT notice_id FROM _nf_notice_rows)")
            con.execute("INSERT INTO notices BY NAME SELECT *, ? AS first_seen FROM _nf_notice_rows", [now])
            for nid, seen in first.items():
                con.execute("UPDATE notices SET first_seen = ? WHERE notice_id = ?", [seen, nid])
        finally:
            con.unregister("_nf_notice_rows")


_NOTICE_SCHEMA = pa.schema([
    ("notice_id", pa.string()), ("province", pa.string()), ("city", pa.string()), ("county", pa.string()),
    ("adcode", pa.string()), ("policy_year", pa.int32()), ("title", pa.string()), ("doc_number", pa.string()),
    ("issuer", pa.string()), ("best_doc_key", pa.string()), ("best_doc_id", pa.string()), ("best_path", pa.string()),
    ("documents", pa.list_(pa.string())), ("doc_ids", pa.list_(pa.string())), ("formats", pa.list_(pa.string())),
    ("n_documents", pa.int32()), ("is_current", pa.bool_()), ("sources_disagree", pa.list_(pa.string())),
    ("updated_at", pa.timestamp("us", tz="UTC")),
])


def backfill(con, now: _dt.datetime) -> int:
    """Assign the current documents loaded before notices existed (or by a loader that skipped
    this step); returns how many were assigned."""
    rows = con.execute(
        "SELECT DISTINCT r.doc_key, r.doc_id, r.doc_number, r.issuer, r.adcode, r.county, r.policy_year"
        " FROM records r JOIN documents d ON d.doc_key = r.doc_key AND d.is_current"
        " WHERE r.doc_key NOT IN (SELECT doc_key FROM notice_documents) ORDER BY r.doc_key").fetchall()
    if not rows:
        return 0

    def loader(key):
        return lambda: json.loads(_first(con.execute("SELECT record FROM records WHERE doc_key = ? LIMIT 1", [key]))[0])

    items = [(k, d, {"doc_number": n, "issuer": i, "adcode": a, "county": c, "policy_year": y}, loader(k))
             for k, d, n, i, a, c, y in rows]
    touched = record_assignments(con, assign(con, items), now)
    refresh(con, touched, now)
    return len(rows)
