"""The notice list, its filters and search, "next unreviewed", and the dashboard: SQL over the
warehouse's current rows, a page (50) at a time, so a 10,000-notice warehouse lists as fast as
the five seeds.

Full-text search scans the notices' texts in this process (`TextIndex`): a text never changes
for a doc_key (the sha256 of the file plus the extractor version), so each is read from the
warehouse once, and a search is a substring test over memory, not a JSON scan of every row.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pyarrow as pa

from noticeflow.warehouse import corrections as log

PAGE = 50
CHUNK = 500  # texts read per query when the search index fills
FILTERS = ("q", "flag", "status", "reviewer", "province", "year")

# One row per notice (the key is its notice_id, see `warehouse.notices`), read from its best
# document: headline fields, and the review status.
_BASE = """
SELECT n.notice_id AS key, n.best_doc_key AS doc_key, r.province, r.city, r.county, r.policy_year AS year,
       coalesce(r.title, regexp_extract(n.best_path, '[^/]*$')) AS title, r.doc_number,
       coalesce(st.status, 'unreviewed') AS status, st.reviewer, coalesce(st.corrections, 0) AS corrections,
       coalesce(st.re_review, 0) AS re_review, n.best_path AS path
FROM notices n JOIN records r ON r.doc_key = n.best_doc_key
LEFT JOIN ({status}) st ON st.notice_key = n.notice_id
WHERE n.is_current
"""


@dataclass
class Query:
    q: str = ""
    flag: str = ""
    status: str = ""
    reviewer: str = ""
    province: str = ""
    year: str = ""
    page: int = 1

    def args(self) -> dict:
        return {k: getattr(self, k) for k in FILTERS if getattr(self, k)}


@dataclass
class TextIndex:
    """doc_key -> canonical text, filled lazily, bounded by the current documents."""

    texts: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def matching(self, cur, needle: str) -> list[str]:
        current = [k for (k,) in cur.execute("SELECT best_doc_key FROM notices WHERE is_current").fetchall()]
        with self._lock:
            missing = [k for k in current if k not in self.texts]
        for i in range(0, len(missing), CHUNK):  # a bounded piece of DuckDB's memory at a time:
            cur.register("_nf_missing", pa.table({"doc_key": missing[i:i + CHUNK]}))  # it is shared
            try:                                                                      # with an ingest
                rows = cur.execute("SELECT doc_key, json_extract_string(record, '$.text') FROM records"
                                   " WHERE doc_key IN (SELECT doc_key FROM _nf_missing)").fetchall()
            finally:
                cur.unregister("_nf_missing")
            with self._lock:
                self.texts.update((k, t or "") for k, t in rows)
        with self._lock:
            keep = set(current)
            for k in [k for k in self.texts if k not in keep]:
                del self.texts[k]  # old versions: memory stays bounded by the warehouse
            return [k for k in current if needle in self.texts.get(k, "")]


def _has_warehouse(cur) -> bool:
    if getattr(cur, "migrated", False):
        return True  # a warehouse.access session: its owner applied every migration
    return cur.execute("SELECT count(*) FROM information_schema.tables"
                       " WHERE table_name IN ('notices', 'records', 'flags')").fetchone()[0] == 3


def _where(cur, f: Query, index: TextIndex) -> tuple[str, list]:
    sql, args = [], []
    if f.q:
        like = f"%{f.q}%"
        hits = index.matching(cur, f.q)
        cur.register("_nf_hits", pa.table({"doc_key": hits or [""]}))
        sql.append("(county ILIKE ? OR city ILIKE ? OR province ILIKE ? OR doc_number ILIKE ? OR title ILIKE ?"
                   " OR path ILIKE ? OR doc_key IN (SELECT doc_key FROM _nf_hits))")
        args += [like] * 6
    if f.flag:
        sql.append("doc_key IN (SELECT doc_key FROM flags WHERE code = ?)")
        args.append(f.flag)
    if f.status:
        sql.append("status = ?")
        args.append(f.status)
    if f.reviewer:
        sql.append("(reviewer = ? OR key IN (SELECT notice_key FROM corrections WHERE reviewer = ?))")
        args += [f.reviewer, f.reviewer]
    if f.province:
        sql.append("province = ?")
        args.append(f.province)
    if f.year:
        try:
            args.append(int(f.year))
            sql.append("year = ?")
        except ValueError:
            sql.append("false")
    return (" WHERE " + " AND ".join(sql)) if sql else "", args


def notices(cur, f: Query, index: TextIndex) -> dict:
    """One page of the list: rows, total, page count, and the choices of each filter."""
    empty = {"rows": [], "total": 0, "pages": 1, "all": 0, "facets": {"flag": [], "province": [], "year": [],
                                                                       "reviewer": []}}
    if not _has_warehouse(cur):
        return empty
    base = _BASE.format(status=log.status_sql(cur))
    where, args = _where(cur, f, index)
    cols = ["key", "doc_key", "province", "city", "county", "year", "title", "doc_number", "status",
            "reviewer", "corrections", "re_review", "path"]
    try:
        # The page's keys and the total in one narrow query (only what the filters need is
        # computed for the 10,000 rows); the shown columns then for the page's 50 alone.
        def keys_at(page: int) -> list[tuple]:
            return cur.execute(f"SELECT key, count(*) OVER () FROM ({base}){where} ORDER BY key LIMIT {PAGE} OFFSET ?",
                               args + [(page - 1) * PAGE]).fetchall()
        page = max(1, f.page)
        keyed = keys_at(page)
        if keyed:
            total = keyed[0][1]
        else:  # past the last page (or nothing matches): the last page
            total = cur.execute(f"SELECT count(*) FROM ({base}){where}", args).fetchone()[0]
            page = min(page, max(1, -(-total // PAGE)))
            keyed = keys_at(page) if total else []
        pages = max(1, -(-total // PAGE))
        rows = []
        if keyed:
            cur.register("_nf_page_keys", pa.table({"key": [k for k, _ in keyed]}))
            try:
                rows = [dict(zip(cols, r)) for r in cur.execute(
                    f"SELECT {', '.join(cols)} FROM ({base}) WHERE key IN (SELECT key FROM _nf_page_keys)"
                    " ORDER BY key").fetchall()]
            finally:
                cur.unregister("_nf_page_keys")
    finally:
        if f.q:
            cur.unregister("_nf_hits")
    flags: dict[str, dict[str, int]] = {}
    if rows:
        cur.register("_nf_page", pa.table({"doc_key": [r["doc_key"] for r in rows]}))
        try:
            for k, code, n in cur.execute("SELECT doc_key, code, count(*) FROM flags WHERE doc_key IN"
                                          " (SELECT doc_key FROM _nf_page) GROUP BY 1, 2 ORDER BY 2").fetchall():
                flags.setdefault(k, {})[code] = n
        finally:
            cur.unregister("_nf_page")
    for r in rows:
        r["flags"] = flags.get(r["doc_key"], {})
    provinces, years = cur.execute(  # both in one scan of the current records
        "SELECT list(DISTINCT r.province ORDER BY r.province) FILTER (WHERE r.province IS NOT NULL),"
        " list(DISTINCT r.policy_year ORDER BY r.policy_year DESC) FILTER (WHERE r.policy_year IS NOT NULL)"
        " FROM records r JOIN notices n ON n.best_doc_key = r.doc_key AND n.is_current").fetchone()
    provinces, years = provinces or [], years or []
    facets = {
        "flag": [c for (c,) in cur.execute(
            "SELECT DISTINCT code FROM flags f JOIN notices n ON n.best_doc_key = f.doc_key AND n.is_current"
            " ORDER BY 1").fetchall()],
        "province": provinces,
        "year": years,
        "reviewer": [w for (w,) in cur.execute(
            "SELECT reviewer FROM corrections UNION SELECT reviewer FROM review_status ORDER BY 1").fetchall()],
    }
    n_all = cur.execute("SELECT count(*) FROM notices WHERE is_current").fetchone()[0]
    return {"rows": rows, "total": total, "pages": pages, "page": page, "all": n_all, "facets": facets}


def next_unreviewed(cur, after: str = "", f: Query | None = None, index: TextIndex | None = None) -> str | None:
    """The first unreviewed notice after `after` in list order (wrapping round), within the filters."""
    if not _has_warehouse(cur):
        return None
    f = Query(**{**(f.args() if f else {}), "status": "unreviewed"})
    base = _BASE.format(status=log.status_sql(cur))
    where, args = _where(cur, f, index or TextIndex())
    try:
        row = cur.execute(f"SELECT key FROM ({base}){where} ORDER BY key > ? DESC, key LIMIT 1 ",
                          args + [after]).fetchone()
        if row and row[0] == after:
            row = None
    finally:
        if f.q:
            cur.unregister("_nf_hits")
    return row[0] if row else None


def dashboard(cur) -> dict:
    """Notices reviewed and corrections made per reviewer per day, open flags, queue size."""
    reviewed = cur.execute(
        "SELECT reviewer, changed_at::DATE AS day, count(DISTINCT notice_key) FROM review_status"
        " WHERE status = 'reviewed' GROUP BY 1, 2 ORDER BY 2 DESC, 1").fetchall()
    made = cur.execute(
        "SELECT reviewer, created_at::DATE AS day, count(*) FROM corrections WHERE op <> 'dismiss'"
        " GROUP BY 1, 2 ORDER BY 2 DESC, 1").fetchall()
    by: dict[tuple, dict] = {}
    for who, day, n in reviewed:
        by.setdefault((day, who), {"day": day, "reviewer": who, "reviewed": 0, "corrections": 0})["reviewed"] = n
    for who, day, n in made:
        by.setdefault((day, who), {"day": day, "reviewer": who, "reviewed": 0, "corrections": 0})["corrections"] = n
    flags, statuses, total = [], {}, 0
    if _has_warehouse(cur):
        flags = cur.execute(
            "SELECT code, severity, count(*), count(DISTINCT f.doc_key) FROM flags f"
            " JOIN notices n ON n.best_doc_key = f.doc_key AND n.is_current GROUP BY 1, 2 ORDER BY 3 DESC").fetchall()
        base = _BASE.format(status=log.status_sql(cur))
        statuses = dict(cur.execute(f"SELECT status, count(*) FROM ({base}) GROUP BY 1").fetchall())
        total = sum(statuses.values())
    return {"days": sorted(by.values(), key=lambda r: (r["day"], r["reviewer"]), reverse=True),
            "flags": flags, "statuses": statuses, "total": total}
