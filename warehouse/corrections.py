"""Reviewer corrections: an append-only log applied on top of each extraction.

The log (`corrections`, migration 030) is only ever INSERTed into. The effective record is the
extraction with the live corrections applied in id order, each re-located by its anchor (the
element's evidence quote and old value) rather than trusted by list index, so a re-ingest that
reorders or re-extracts a notice still lands every correction on the element it was meant for.
A correction that no longer matches (the source changed under it) is never applied blindly and
never dropped: it comes back as `needs_review` and is logged in `needs_re_review`.
"""
from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import json
import pathlib
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable

import duckdb
import pyarrow as pa
from pydantic import ValidationError

from noticeflow.schemas import Record
from noticeflow.schemas import checks

MIGRATION = pathlib.Path(__file__).parent / "migrations" / "030_review.sql"
REFRESHED = pathlib.Path(__file__).parent / "migrations" / "050_review_refreshed.sql"
OPS = ("set", "add", "delete", "dismiss", "accept")
STATUSES = ("unreviewed", "in_review", "reviewed")
# A notice one of whose corrections no longer matches its current source shows this status,
# whatever a reviewer set before: it is not reviewed until someone re-applies or dismisses.
NEEDS_RE_REVIEW = "needs_re_review"

# Field-path grammar: `fees[0].amount`, `quota_table.rows[3].values.任务数`, `policy_year`.
_TOKEN = re.compile(r"""
    (?:^|\.)(?P<key>[^.\[\]]+)    # a dict key, after the start or a dot
  | \[(?P<index>\d+)\]            # a list index
""", re.X)

# Elements without evidence are recognised by these keys instead of by their quote.
_IDENTITY = {"leadership": ("role", "name"), "rows": ("area",), "flags": ("code", "field")}

_write_lock = threading.Lock()
_UNION_TAGS = ("int", "float", "str", "bool", "function-after")


class CorrectionError(ValueError):
    """A correction that cannot be stored: bad path, bad value, or an invalid resulting record."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class Correction:
    """One row of the log."""

    op: str
    field_path: str | None
    new_value: Any = None
    old_value: Any = None
    anchor: Any = None
    reviewer: str = "reviewer"
    reason: str | None = None
    evidence_start: int | None = None
    evidence_end: int | None = None
    evidence_quote: str | None = None
    doc_id: str | None = None
    notice_key: str | None = None
    id: int | None = None
    created_at: Any = None
    ref_id: int | None = None

    def as_json(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        if isinstance(d["created_at"], (_dt.datetime, _dt.date)):
            d["created_at"] = d["created_at"].isoformat(timespec="seconds")
        return d


@dataclass
class Outcome:
    """What happened to one correction when applied to one extraction."""

    correction: Correction
    status: str            # applied | satisfied | needs_review | resolved | accepted | stale
    problem: str | None = None
    path: str | None = None  # where it landed in the effective record


@dataclass
class Applied:
    record: dict
    corrected_paths: set[str] = field(default_factory=set)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def needs_review(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "needs_review"]


# ---------------------------------------------------------------- paths

def parse_path(path: str) -> list[str | int]:
    """`fees[0].amount` -> ['fees', 0, 'amount']; raises CorrectionError on anything else."""
    tokens: list[str | int] = []
    pos = 0
    for m in _TOKEN.finditer(path or ""):
        if m.start() != pos:
            break
        tokens.append(int(m["index"]) if m["index"] is not None else m["key"])
        pos = m.end()
    if not tokens or pos != len(path) or not isinstance(tokens[0], str):
        raise CorrectionError(f"bad field path {path!r}", path)
    return tokens


def format_path(tokens: Iterable[str | int]) -> str:
    out = ""
    for t in tokens:
        out += f"[{t}]" if isinstance(t, int) else (f".{t}" if out else t)
    return out


def get_path(obj: Any, tokens: list[str | int]) -> Any:
    for t in tokens:
        if isinstance(t, int):
            if not isinstance(obj, list) or t >= len(obj):
                return None
            obj = obj[t]
        else:
            if not isinstance(obj, dict):
                return None
            obj = obj.get(t)
    return obj


def _last_list(tokens: list[str | int]) -> int | None:
    """Position of the last list index in the path (the element the anchor describes)."""
    idx = [i for i, t in enumerate(tokens) if isinstance(t, int)]
    return idx[-1] if idx else None


def _quote(el: Any) -> str | None:
    ev = el.get("evidence") if isinstance(el, dict) else None
    return ev.get("quote") if isinstance(ev, dict) else None


def _strip(el: Any) -> Any:
    """An element without its evidence offsets, for comparing across text versions."""
    if isinstance(el, dict):
        return {k: (_quote(el) if k == "evidence" else _strip(v)) for k, v in el.items()}
    if isinstance(el, list):
        return [_strip(v) for v in el]
    return el


def anchor_for(record: dict, path: str) -> dict | None:
    """Snapshot of what `path` points into: the innermost list element, else the wrapper."""
    tokens = parse_path(path)
    li = _last_list(tokens)
    if li is not None:
        return copy.deepcopy(get_path(record, tokens[: li + 1]))
    node = get_path(record, tokens[:1])
    return copy.deepcopy(node) if isinstance(node, dict) else None


# ---------------------------------------------------------------- applying

def _locate(items: list, i: int, list_name: str, anchor: Any, sub: list, old: Any, op: str) -> int | None:
    """Index in `items` of the element `anchor` described, re-found by quote and old value."""
    if not isinstance(anchor, dict):
        return i if i < len(items) else None
    quote = _quote(anchor)
    ident = _IDENTITY.get(list_name)

    def same(el: Any) -> bool:
        if not isinstance(el, dict):
            return False
        if quote is not None:
            if _quote(el) != quote:
                return False
        elif ident:
            if any(el.get(k) != anchor.get(k) for k in ident if not (sub and sub[0] == k)):
                return False
        elif op == "delete" and _strip(el) != _strip(anchor):
            return False
        if op == "set":
            return get_path(el, sub) == old
        return True

    found = [j for j, el in enumerate(items) if same(el)]
    if not found:
        return None
    exact = [j for j in found if _strip(items[j]) == _strip(anchor)]
    pool = exact or found
    return min(pool, key=lambda j: abs(j - i))


def _regrounded(element: Any, text: str) -> Any:
    """The element with its evidence moved to where its quote now is, or None if it is gone."""
    ev = element.get("evidence") if isinstance(element, dict) else None
    if not isinstance(ev, dict):
        return element
    q, s = ev.get("quote") or "", ev.get("start") or 0
    if text[s: s + len(q)] == q:
        return element
    hits = [m.start() for m in re.finditer(re.escape(q), text)] if q else []
    if not hits:
        return None
    start = min(hits, key=lambda h: abs(h - s))
    return {**element, "evidence": {"start": start, "end": start + len(q), "quote": q}}


def _apply_one(rec: dict, c: Correction, same_source: bool, touched: list, added: list) -> tuple[str, str | None]:
    """Apply `c` to `rec` in place; returns (status, problem)."""
    tokens = parse_path(c.field_path or "")
    li = _last_list(tokens)
    if li is not None:
        parent = get_path(rec, tokens[:li])
        if not isinstance(parent, list):
            return "needs_review", f"{format_path(tokens[:li])} is not in the new extraction"
        list_name = next((t for t in reversed(tokens[:li]) if isinstance(t, str)), "")
        j = _locate(parent, tokens[li], list_name, c.anchor, tokens[li + 1:], c.old_value, c.op)
        if j is None:
            if c.op == "delete" and same_source:
                return "satisfied", None  # the extractor no longer produces the element
            if c.op == "accept":
                return "stale", "the accepted element is no longer in the extraction"
            return "needs_review", _why_not_found(parent, list_name, c, tokens[li + 1:])
        tokens = tokens[:li] + [j] + tokens[li + 1:]
    elif c.op != "accept":
        if c.op == "set":
            cur = get_path(rec, tokens)
            if cur != c.old_value and not same_source:
                return "needs_review", f"old value {_short(c.old_value)} is now {_short(cur)}"
            if not same_source and isinstance(c.anchor, dict) and _quote(c.anchor) is not None:
                now = get_path(rec, tokens[:1])
                if _quote(now) not in (None, _quote(c.anchor)):
                    return "needs_review", "its evidence quote changed in the new source"
    if c.op == "accept":
        now = get_path(rec, tokens)
        if _strip(now) != _strip(c.old_value):
            return "stale", f"changed after it was accepted: now {_short(_strip(now))}"
        touched.append(("accepted", format_path(tokens)))
        return "accepted", None
    if c.op == "set":
        new = c.new_value
        if isinstance(new, dict) and "evidence" in new:
            new = _regrounded(new, rec.get("text", ""))
            if new is None:
                return "needs_review", "its evidence quote is not in the new text"
        holder = rec
        for t in tokens[:-1]:
            nxt = holder[t] if isinstance(t, int) else holder.get(t)
            if nxt is None and isinstance(t, str) and isinstance(holder, dict):
                nxt = holder[t] = {}
            holder = nxt
        if not isinstance(holder, (dict, list)):
            return "needs_review", f"{c.field_path} cannot be set on the new extraction"
        holder[tokens[-1]] = copy.deepcopy(new)
        touched.append((holder, tokens[-1]))
        touched.append(("landed", format_path(tokens)))
        return "applied", None
    if c.op == "delete":
        if li is None:
            return "needs_review", "only list elements can be deleted"
        del get_path(rec, tokens[:li])[tokens[li]]
        touched.append(("landed", format_path(tokens)))
        touched.append(("deleted", format_path(tokens[:li]) + "[]"))
        return "applied", None
    if c.op == "add":
        items = get_path(rec, tokens)
        if items is None and len(tokens) == 1:
            items = rec[tokens[0]] = []
        if not isinstance(items, list):
            return "needs_review", f"{c.field_path} is not a list"
        new = _regrounded(copy.deepcopy(c.new_value), rec.get("text", ""))
        if new is None:
            return "needs_review", "its evidence quote is not in the new text"
        if any(_strip(el) == _strip(new) for el in items):
            return "satisfied", None  # the extraction now finds it by itself
        items.append(new)
        added.append(new)
        touched.append(("landed", format_path(tokens + [len(items) - 1])))
        return "applied", None
    return "needs_review", f"unknown operation {c.op!r}"


def _why_not_found(items: list, list_name: str, c: Correction, sub: list) -> str:
    """The true reason a correction's element was not re-found: its passage or its old value."""
    quote = _quote(c.anchor)
    if quote is not None and not any(isinstance(el, dict) and _quote(el) == quote for el in items):
        return f"its passage changed in the new source (was «{_clip(quote)}»)"
    if c.op == "set":
        now = [get_path(el, sub) for el in items if isinstance(el, dict) and _quote(el) == quote] if quote else []
        if now:
            return f"its old value {_short(c.old_value)} is now {_short(now[0])}"
        return f"its old value {_short(c.old_value)} no longer matches the extraction"
    return f"the {list_name} element is no longer in the extraction"


def _clip(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _short(v: Any) -> str:
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 60 else s[:57] + "..."


def _paths_of(rec: dict, touched: list, added: list) -> set[str]:
    """Field paths in the final record that hold a corrected value."""
    t_ids = {(id(h), k) for h, k in touched if not isinstance(h, str)}
    a_ids = {id(a) for a in added}
    # A deleted element leaves nothing to point at: its list is named `fees[]`, a path that marks
    # the record corrected (so its extraction is read from review_base, not from the corrected
    # row) without marking the list's remaining, extracted elements.
    out: set[str] = {k for h, k in touched if h == "deleted"}

    def walk(node: Any, tokens: list) -> None:
        if isinstance(node, dict):
            if id(node) in a_ids:
                out.add(format_path(tokens))
            for k, v in node.items():
                if (id(node), k) in t_ids:
                    out.add(format_path(tokens + [k]))
                walk(v, tokens + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if (id(node), i) in t_ids:
                    out.add(format_path(tokens + [i]))
                walk(v, tokens + [i])

    walk(rec, [])
    return out


def apply_corrections(record: dict, corrections: Iterable[Correction]) -> Applied:
    """Pure: the effective record for `record` (an extraction) and what happened to each correction."""
    rec = copy.deepcopy(record)
    doc_id = rec.get("doc_id")
    cs = sorted(corrections, key=lambda c: (c.id is None, c.id or 0))
    resolved = {c.ref_id for c in cs if c.ref_id is not None}
    touched: list = []
    added: list = []
    outcomes: list[Outcome] = []
    for c in cs:
        if c.op == "dismiss":
            continue
        if c.id is not None and c.id in resolved:
            outcomes.append(Outcome(c, "resolved"))
            continue
        marks: list = []
        try:
            # Trial run on a copy: a correction is all or nothing, and must leave a valid record.
            trial = copy.deepcopy(rec)
            status, problem = _apply_one(trial, c, c.doc_id == doc_id, marks, [])
            if status == "applied":
                err = validation_problem(trial)
                if err:
                    status, problem = "needs_review", f"would make the record invalid: {err}"
        except (CorrectionError, KeyError, IndexError, TypeError) as e:
            status, problem = "needs_review", f"cannot apply: {e}"
        if status == "applied":
            _apply_one(rec, c, c.doc_id == doc_id, touched, added)
        landed = next((k for h, k in marks if h in ("landed", "accepted")), None)
        outcomes.append(Outcome(c, status, problem, landed))
    for o in outcomes:  # an accepted value changed by a later correction is accepted no more
        if o.status == "accepted":
            marks = []
            o.status, o.problem = _apply_one(rec, o.correction, o.correction.doc_id == doc_id, marks, [])
            o.path = next((k for h, k in marks if h == "accepted"), o.path)
    if any(o.status == "applied" for o in outcomes):
        rec["flags"] = recheck(rec, [o.correction for o in outcomes if o.status in ("applied", "satisfied")])
    return Applied(rec, _paths_of(rec, touched, added), outcomes)


def recheck(rec: dict, corrections: list[Correction]) -> list[dict]:
    """The record's flags after its values were corrected: the cross-field checks of
    `schemas.checks` run again (their old flags dropped first, so a fixed tier loses its
    tier_arithmetic flag and a broken one gains it); flags a reviewer dismissed stay dismissed."""
    dismissed = {(c.old_value.get("code"), c.old_value.get("field")) for c in corrections
                 if c.op == "delete" and (c.field_path or "").startswith("flags[") and isinstance(c.old_value, dict)}
    kept = [f for f in rec.get("flags") or [] if f.get("code") not in checks.CODES]
    try:
        model = Record.model_validate({**rec, "flags": kept})
    except ValidationError:
        return rec.get("flags") or []  # an invalid record is reported by validation_problem
    fresh = [f.model_dump(mode="json") for f in checks.check(model)]
    return kept + [f for f in fresh if (f["code"], f.get("field")) not in dismissed]


def validation_problem(rec: dict) -> str | None:
    """None if `rec` is a valid contract record, else a one-line reason naming the field."""
    try:
        Record.model_validate(rec)
    except ValidationError as e:
        first = e.errors()[0]
        loc = format_path([p for p in first["loc"] if isinstance(p, int) or (isinstance(p, str) and p not in _UNION_TAGS)])
        return f"{loc}: {first['msg']}" if loc else first["msg"]
    return None


# ---------------------------------------------------------------- the log in DuckDB

_COLUMNS = ("id", "notice_key", "doc_id", "reviewer", "created_at", "op", "field_path", "old_value",
            "new_value", "anchor", "reason", "evidence_start", "evidence_end", "evidence_quote", "ref_id")
_JSON_COLUMNS = ("old_value", "new_value", "anchor")


def ensure_schema(con) -> None:
    """Create the review tables if the migration runner has not yet (idempotent)."""
    if getattr(con, "migrated", False):
        return  # a warehouse.access connection: its owner migrated the file when it opened it
    try:  # the common case, cheaply (every call of this module asks): all five are there
        con.execute("SELECT 1 FROM corrections, review_status, needs_re_review, review_base, review_refreshed"
                    " LIMIT 0").fetchall()  # fetched: a shared session (warehouse.access) wants results finished
        return
    except duckdb.CatalogException:
        pass
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN "
        "('corrections', 'review_status', 'needs_re_review', 'review_base', 'review_refreshed')").fetchall()}
    if len(have) < 5:
        for stmt in _statements(MIGRATION.read_text(encoding="utf-8")) + _statements(REFRESHED.read_text(encoding="utf-8")):
            con.execute(stmt)


def _statements(sql: str) -> list[str]:
    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in body.split(";") if s.strip()]


def _row_to_correction(row: tuple) -> Correction:
    d = dict(zip(_COLUMNS, row))
    for k in _JSON_COLUMNS:
        d[k] = json.loads(d[k]) if d[k] is not None else None
    return Correction(**d)


def _has_notices(con) -> bool:
    if getattr(con, "migrated", False):
        return True  # a warehouse.access connection: every migration (056 made notice_keys) is applied
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'notice_keys'").fetchall()[0][0] == 1


def notice_key_of(con, key: str) -> str:
    """The notice a key names: a notice_id as is; the path of a current document (what older
    callers pass) as the notice that document carries."""
    if not key or not _has_notices(con):
        return key
    rows = con.execute("SELECT notice_id FROM notices WHERE notice_id = ?", [key]).fetchall() or con.execute(
        "SELECT m.notice_id FROM documents d JOIN notice_documents m ON m.doc_key = d.doc_key"
        " WHERE d.path = ? ORDER BY d.is_current DESC, d.version DESC LIMIT 1", [key]).fetchall()
    return rows[0][0] if rows else key


def load(con, notice_key: str | None = None) -> list[Correction]:
    """The log in order, for one notice or all of them. A notice's corrections are those logged
    under its notice_id, or under the path of one of its documents (logged before notices)."""
    ensure_schema(con)
    sql = f"SELECT {', '.join(_COLUMNS)} FROM corrections"
    args: list = []
    if notice_key is not None:
        notice_key = notice_key_of(con, notice_key)
        sql += " WHERE notice_key = ?"
        args.append(notice_key)
        if _has_notices(con):  # notice_keys of one notice: its documents' paths (the view's UNION
            sql += (" OR notice_key IN (SELECT d.path FROM documents d WHERE d.doc_key IN"  # over every
                    " (SELECT doc_key FROM notice_documents WHERE notice_id = ?))")        # notice: 2 ms more)
            args.append(notice_key)
    return [_row_to_correction(r) for r in con.execute(sql + " ORDER BY id", args).fetchall()]


def insert(con, c: Correction) -> Correction:
    """Append one row (the only way anything enters the log); returns it with id and time."""
    ensure_schema(con)
    if c.op not in OPS:
        raise CorrectionError(f"unknown operation {c.op!r}")
    if not (c.reviewer or "").strip():
        raise CorrectionError("a correction needs a reviewer name")
    vals = {k: getattr(c, k) for k in _COLUMNS if k not in ("id", "created_at")}
    for k in _JSON_COLUMNS:
        vals[k] = json.dumps(vals[k], ensure_ascii=False) if vals[k] is not None else None
    cols = list(vals)
    with _write_lock:
        row = con.execute(
            f"INSERT INTO corrections ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            "RETURNING id, created_at", [vals[k] for k in cols]).fetchone()
    c.id, c.created_at = row
    return c


def propose(con, notice_key: str, extracted: dict, op: str, path: str, new_value: Any = None,
            reviewer: str = "reviewer", reason: str | None = None,
            evidence: tuple[int, int] | None = None) -> Correction | None:
    """Validate one reviewer change against the current effective record and append it.

    `op`: set (path -> new_value), delete (path of a list element), add (path of a list, or of a
    Text/Year/Day field; new_value an element without evidence, `evidence` the selected span).
    Raises CorrectionError (nothing stored) when the result would not be a valid record.
    Returns None when the change is a no-op.
    """
    made = propose_many(con, notice_key, extracted, [(op, path, new_value, evidence)], reviewer, reason)
    return made[0] if made else None


def propose_many(con, notice_key: str, extracted: dict, changes: list[tuple], reviewer: str,
                 reason: str | None = None, effective: dict | None = None) -> list[Correction]:
    """Several changes from one form: all valid and appended, or none stored (CorrectionError).
    `effective`: the notice's effective record when the caller has just computed it."""
    notice_key = notice_key_of(con, notice_key)
    eff = effective if effective is not None else apply_corrections(extracted, load(con, notice_key)).record
    built: list[Correction] = []
    for op, path, new_value, evidence in changes:
        c = build_correction(eff, notice_key, op, path, new_value, reviewer, reason, evidence)
        if c is None or (c.op == "set" and c.new_value == c.old_value):
            continue
        trial = apply_corrections(eff, [c])
        outcome = trial.outcomes[0]
        if outcome.status == "needs_review":
            raise CorrectionError(outcome.problem or "cannot apply", path)
        if outcome.status in ("satisfied", "stale"):
            continue
        if outcome.status == "accepted":
            built.append(c)
            continue
        _normalise(c, trial.record, parse_path(c.field_path))
        if c.op == "set" and c.new_value == c.old_value:
            continue  # "350" typed over 350
        eff = trial.record
        built.append(c)
    return [insert(con, c) for c in built]


def build_correction(eff: dict, notice_key: str, op: str, path: str, new_value: Any = None,
                     reviewer: str = "reviewer", reason: str | None = None,
                     evidence: tuple[int, int] | None = None) -> Correction:
    """The log row for one change to the effective record `eff` (not yet validated or stored)."""
    text = eff.get("text", "")
    tokens = parse_path(path)
    c = Correction(op=op, field_path=path, reviewer=reviewer, reason=(reason or None),
                   doc_id=eff.get("doc_id"), notice_key=notice_key)
    ev = None
    if evidence is not None:
        s, e = evidence
        if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)):
            raise CorrectionError("the selected passage is outside the notice text", path)
        ev = {"start": s, "end": e, "quote": text[s:e]}
        c.evidence_start, c.evidence_end, c.evidence_quote = s, e, ev["quote"]
    if op == "set":
        c.old_value = copy.deepcopy(get_path(eff, tokens))
        c.anchor = anchor_for(eff, path)
        c.new_value = {**new_value, "evidence": ev} if isinstance(new_value, dict) and ev else new_value
        if c.evidence_quote is None:
            c.evidence_quote = _quote(c.anchor)
    elif op == "add":
        if ev is None:
            raise CorrectionError("select the passage the new element comes from", path)
        target = get_path(eff, tokens)
        if isinstance(target, list) or (target is None and path in _LIST_FIELDS):
            c.new_value = {**(new_value or {}), "evidence": ev}
        elif len(tokens) == 1 and path in _WRAPPERS:  # a Text/Year/Day the extraction missed
            c.op, c.old_value = "set", copy.deepcopy(target)
            c.new_value = {"value": new_value, "evidence": ev}
        else:
            raise CorrectionError(f"cannot add to {path}", path)
    elif op == "accept":  # the reviewer says the value is right as it is
        c.old_value = copy.deepcopy(get_path(eff, tokens))
        c.anchor = anchor_for(eff, path)
        c.evidence_quote = _quote(c.anchor)
    elif op == "delete":
        if _last_list(tokens) != len(tokens) - 1:
            raise CorrectionError("only list elements can be deleted", path)
        c.old_value = c.anchor = copy.deepcopy(get_path(eff, tokens))
        if c.old_value is None:
            raise CorrectionError(f"{path} does not exist", path)
        c.evidence_quote = _quote(c.anchor)
    else:
        raise CorrectionError(f"unknown operation {op!r}", path)
    return c


_WRAPPERS = ("title", "doc_number", "issuer", "policy_year", "issue_date", "print_date")
_LIST_FIELDS = ("cited_documents", "fees", "subsidy_tiers", "periods", "departments", "leadership",
                "targets", "flags")


def _normalise(c: Correction, trial: dict, tokens: list) -> None:
    """Store the value as the schema models parse it (`"380"` -> 380), not as typed."""
    model = Record.model_validate(trial).model_dump(mode="json")
    if c.op == "set":
        c.new_value = get_path(model, tokens)
    elif c.op == "add":
        c.new_value = get_path(model, tokens)[-1]


def dismiss(con, correction_id: int, reviewer: str, reason: str | None = None) -> Correction:
    """Resolve a queued correction without applying it (logged, never deleted)."""
    old = [c for c in load(con) if c.id == correction_id]
    if not old:
        raise CorrectionError(f"no correction {correction_id}")
    return insert(con, Correction(op="dismiss", field_path=old[0].field_path, reviewer=reviewer,
                                  reason=reason or "dismissed on re-review", ref_id=correction_id,
                                  notice_key=old[0].notice_key, doc_id=old[0].doc_id))


def reapply(con, correction_id: int, extracted: dict, reviewer: str) -> Correction | None:
    """Re-make a queued correction against the current extraction; the old row is superseded.

    A change to a list element (most values) lands on the element of the same list whose
    passage is most like the one the reviewer corrected (the source sentence changed, 80% ->
    85%, but it is the same tier); CorrectionError when no element is alike enough.
    """
    old = [c for c in load(con) if c.id == correction_id]
    if not old:
        raise CorrectionError(f"no correction {correction_id}")
    o = old[0]
    eff = apply_corrections(extracted, [c for c in load(con, o.notice_key) if c.id != correction_id]).record
    ev = None
    new = o.new_value
    path = o.field_path or ""
    if o.op == "add":
        new = {k: v for k, v in (o.new_value or {}).items() if k != "evidence"} if isinstance(o.new_value, dict) \
            else o.new_value
        q = o.evidence_quote or ""
        pos = (extracted.get("text") or "").find(q) if q else -1
        if pos < 0:
            raise CorrectionError("its passage is no longer in the text: add it again by selecting it")
        ev = (pos, pos + len(q))
    tokens = parse_path(path)
    li = _last_list(tokens)
    if o.op in ("set", "delete", "accept") and li is not None:
        items = get_path(eff, tokens[:li])
        j = _most_alike(items if isinstance(items, list) else [], o.anchor)
        if j is None:
            raise CorrectionError(f"no element of {format_path(tokens[:li])} in the new source is like "
                                  f"«{_clip(_quote(o.anchor) or _short(o.anchor))}»: correct it on the notice page")
        path = format_path(tokens[:li] + [j] + tokens[li + 1:])
    if o.op == "set" and isinstance(new, dict) and isinstance(new.get("evidence"), dict):
        new = {k: v for k, v in new.items() if k != "evidence"}
        regrounded = _regrounded({"evidence": o.new_value["evidence"]}, extracted.get("text", ""))
        if regrounded is None:
            raise CorrectionError("its passage is no longer in the text: set it again by selecting it")
        ev = (regrounded["evidence"]["start"], regrounded["evidence"]["end"])
    made = propose_many(con, o.notice_key, extracted, [(o.op, path, new, ev)], reviewer, o.reason)
    made = made[0] if made else None
    dismiss(con, correction_id, reviewer, f"re-applied as #{made.id}" if made else "already satisfied")
    return made


_ALIKE = 0.6  # share of the passage that must still match for a re-apply to land on an element


def _most_alike(items: list, anchor: Any) -> int | None:
    """Index of the element whose passage (else values) is most like `anchor`'s."""
    import difflib  # the standard library's ratio is enough for one-line passages

    def text_of(el: Any) -> str:
        q = _quote(el)
        return q if q is not None else json.dumps(_strip(el), ensure_ascii=False, sort_keys=True)

    want = text_of(anchor)
    scored = [(difflib.SequenceMatcher(None, want, text_of(el)).ratio(), -i, i)
              for i, el in enumerate(items) if isinstance(el, dict)]
    best = max(scored, default=None)
    return best[2] if best and best[0] >= _ALIKE else None


def inverse(con, correction_id: int, extracted: dict, reviewer: str) -> list[Correction]:
    """Undo: append the correction that takes `correction_id` back (never a deletion).

    A set is set back to its old value, an add becomes a delete of the added element, a delete
    adds the element back, an accept is dismissed. Refused when the value has been changed
    again since (undo the later change first).
    """
    cs = load(con, None)
    target = next((c for c in cs if c.id == correction_id), None)
    if target is None:
        raise CorrectionError(f"no correction {correction_id}")
    applied = apply_corrections(extracted, [c for c in cs if c.notice_key == target.notice_key])
    outcome = next((o for o in applied.outcomes if o.correction.id == correction_id), None)
    reason = f"undo #{correction_id}"
    if target.op == "accept":
        return [dismiss(con, correction_id, reviewer, reason)]
    if outcome is None or outcome.status != "applied" or not outcome.path:
        raise CorrectionError(f"#{correction_id} is not in effect, so there is nothing to undo")
    eff, path = applied.record, outcome.path
    if target.op == "set":
        if _strip(get_path(eff, parse_path(path))) != _strip(target.new_value):
            raise CorrectionError(f"{path} was changed again after #{correction_id}: undo that first", path)
        change = ("set", path, target.old_value, None)
    elif target.op == "add":
        change = ("delete", path, None, None)
    elif target.op == "delete":
        el = target.old_value if isinstance(target.old_value, dict) else {}
        ev = el.get("evidence") or {}
        back = _regrounded(el, eff.get("text", "")) if ev else None
        if back is None:
            raise CorrectionError("the deleted element's passage is no longer in the text", path)
        tokens = parse_path(path)
        change = ("add", format_path(tokens[:_last_list(tokens)]),
                  {k: v for k, v in el.items() if k != "evidence"},
                  (back["evidence"]["start"], back["evidence"]["end"]))
    else:
        raise CorrectionError(f"#{correction_id} cannot be undone")
    return propose_many(con, target.notice_key, extracted, [change], reviewer, reason)


# ---------------------------------------------------------------- effective records

def effective_record(con, notice_key: str, record: dict) -> tuple[dict, set[str]]:
    """The record with live corrections applied, and the field paths that were corrected.

    Corrections that no longer match the new extraction are logged in `needs_re_review`
    (and left out, not dropped). One notice of `effective_records`.
    """
    return effective_records(con, [(notice_key, record)])[0]


def effective_records(con, items: list[tuple[str, dict | str]],
                      doc_ids: list[str | None] | None = None) -> list[tuple[dict | str, set[str]]]:
    """`effective_record` for a whole load batch: a handful of queries per batch, not per document.

    The loader calls this on every ingest, so its cost is paid 10,000 times on a big corpus;
    most notices have no correction at all, and for them this is one query. A record
    may come as its JSON text (what the loader holds): it is parsed only if the notice has
    corrections, and otherwise handed back as the same object (`doc_ids` then name the source
    versions, which the loader knows without parsing).
    """
    if not items:
        return []
    ensure_schema(con)
    keys = sorted({k for k, _ in items})
    logged: dict[str, list[Correction]] = {}
    con.register("_nf_review_keys", pa.table({"notice_key": keys}))
    try:
        aliases = ("SELECT notice_key AS key, notice_key AS notice FROM _nf_review_keys"
                   + (" UNION SELECT key, notice_id FROM notice_keys WHERE notice_id IN"
                      " (SELECT notice_key FROM _nf_review_keys)" if _has_notices(con) else ""))
        for row in con.execute(
                f"SELECT k.notice, {', '.join('c.' + c for c in _COLUMNS)} FROM corrections c"
                f" JOIN ({aliases}) k ON c.notice_key = k.key ORDER BY c.id").fetchall():
            logged.setdefault(row[0], []).append(_row_to_correction(row[1:]))
    finally:
        con.unregister("_nf_review_keys")
    # Only a notice with corrections gets a records row that differs from its extraction, so
    # only its extraction needs keeping apart (see `extraction`).
    corrected = [i for i, (key, _) in enumerate(items) if key in logged]
    if corrected:
        remember_extractions(con, [items[i] for i in corrected],
                             [doc_ids[i] for i in corrected] if doc_ids else None)
    out = []
    for key, record in items:
        if key not in logged:
            out.append((record, set()))
            continue
        record = json.loads(record) if isinstance(record, str) else record
        applied = apply_corrections(record, logged[key])
        for o in applied.needs_review:
            con.execute(
                "INSERT OR IGNORE INTO needs_re_review (correction_id, notice_key, doc_id, problem) "
                "VALUES (?, ?, ?, ?)", [o.correction.id, key, record.get("doc_id") or "", o.problem])
        out.append((applied.record, applied.corrected_paths))
    return out


def record_blob(record: dict | str) -> str:
    """A record's JSON text as the loader stores it (its text as-is when already serialised)."""
    return record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)


def remember_extractions(con, items: list[tuple[str, dict | str]],
                         doc_ids: list[str | None] | None = None) -> None:
    """Keep each as-extracted record the loader produced, unless it is already that notice's latest."""
    ensure_schema(con)
    keys = sorted({k for k, _ in items})
    con.register("_nf_review_keys", pa.table({"notice_key": keys}))
    try:
        latest = dict(con.execute(
            "SELECT notice_key, arg_max(record, seq) FROM review_base"
            " WHERE notice_key IN (SELECT notice_key FROM _nf_review_keys) GROUP BY 1").fetchall())
    finally:
        con.unregister("_nf_review_keys")
    fresh = {"notice_key": [], "doc_id": [], "record": []}
    for i, (key, record) in enumerate(items):
        blob = record_blob(record)
        if latest.get(key) != blob:
            fresh["notice_key"].append(key)
            fresh["doc_id"].append(doc_ids[i] if doc_ids else _doc_id(record))
            fresh["record"].append(blob)
            latest[key] = blob
    if fresh["record"]:
        con.register("_nf_review_fresh", pa.table(fresh))
        try:
            con.execute("INSERT INTO review_base (notice_key, doc_id, record)"
                        " SELECT notice_key, doc_id, record FROM _nf_review_fresh")
        finally:
            con.unregister("_nf_review_fresh")


def _doc_id(record: dict | str) -> str | None:
    return (json.loads(record) if isinstance(record, str) else record).get("doc_id")


def remember_extraction(con, notice_key: str, record: dict) -> None:
    """One notice of `remember_extractions`."""
    remember_extractions(con, [(notice_key, record)])


# Where the as-extracted record of a notice lives: `records.record` of its current document,
# unless a reviewer's correction has been applied to that row; then in `review_base`, which the
# loader (for notices with corrections) and `refresh` (before it rewrites the row) fill. A
# review_base row counts only while it is of the current source version (older rows are
# history, or from before this rule, when every load was copied there).
_LATEST_BASE = ("SELECT notice_key, doc_id, record FROM review_base{where}"
                " QUALIFY row_number() OVER (PARTITION BY notice_key ORDER BY seq DESC) = 1")

def _has_warehouse(con) -> bool:
    if getattr(con, "migrated", False):
        return True  # a warehouse.access connection: its owner applied every migration
    return con.execute("SELECT count(*) FROM duckdb_tables()"
                       " WHERE table_name IN ('notices', 'records')").fetchall()[0][0] == 2


POINT_READS = 16  # up to this many records are read one by one, more in one streamed scan


def _extraction_rows(con, keys: list[str] | None = None) -> list[tuple[str, str]]:
    """(notice key, as-extracted JSON) of every notice, or of the given ones, by the rule above.

    In small steps rather than one join: which source version each notice is at, then only the
    JSON needed. DuckDB stores the records JSON ZSTD-compressed in 2,048-row vectors: a scan
    that reads it (a join, an IN subquery, or a filter while also selecting the key) allocates
    64 MB to decompress whole vectors, which ran out of memory once the ingest and the review
    app share one database (`warehouse.access`); a lookup selecting only `record` by key does
    not. The old join took 80-140 ms for one notice page on a 4,000-notice warehouse."""
    ensure_schema(con)
    if keys is not None and not keys:
        return []
    where = "" if keys is None else " WHERE notice_key IN (SELECT k FROM _nf_extraction_keys)"
    if keys is not None:
        con.register("_nf_extraction_keys", pa.table({"k": sorted(set(keys))}))
    try:
        base = {k: (d, r) for k, d, r in con.execute(_LATEST_BASE.format(where=where)).fetchall()}
        # a notice stands for its best document (warehouse.notices); keys are notice_ids
        current = {} if not _has_warehouse(con) else {k: (d, dk) for k, d, dk in con.execute(
            "SELECT notice_id, best_doc_id, best_doc_key FROM notices WHERE is_current"
            + ("" if keys is None else " AND notice_id IN (SELECT k FROM _nf_extraction_keys)")).fetchall()}
    finally:
        if keys is not None:
            con.unregister("_nf_extraction_keys")
    need = sorted({dk for k, (d, dk) in current.items() if k not in base or base[k][0] != d})
    records: dict[str, str] = {}
    if need and len(need) <= POINT_READS:
        for dk in need:  # selecting only `record`, filtered by key: DuckDB decompresses one value
            for (record,) in con.execute("SELECT record FROM records WHERE doc_key = ?", [dk]).fetchall():
                records[dk] = record
    elif need:
        con.register("_nf_extraction_docs", pa.table({"doc_key": need}))
        try:
            reader = con.sql("SELECT doc_key, record FROM records"
                             " WHERE doc_key IN (SELECT doc_key FROM _nf_extraction_docs)").to_arrow_reader(256)
            for batch in reader:
                records.update(zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()))
        finally:
            con.unregister("_nf_extraction_docs")
    out = []
    for k in sorted(set(base) | set(current)):
        b, c = base.get(k), current.get(k)
        record = records.get(c[1]) if c is not None else None
        if b is not None and (record is None or b[0] == c[0]):
            out.append((k, b[1]))
        elif record is not None:
            out.append((k, record))
    return out


def extractions(con, keys: list[str] | None = None) -> dict[str, dict]:
    """Latest as-extracted record per notice key (what the review app shows and corrects), of
    every notice or of the given keys; read again if the shared memory pool was full (a scan of
    the records JSON needs 64 MB while an ingest may hold most of DuckDB's limit)."""
    from noticeflow.warehouse.access import retrying

    return {k: json.loads(r) for k, r in retrying(lambda: _extraction_rows(con, keys), pause=0.2)}


def extraction(con, notice_key: str) -> dict | None:
    """One notice's as-extracted record, by the rule above, as point look-ups (a page's worth of
    work: no join over every record's JSON)."""
    ensure_schema(con)
    notice_key = notice_key_of(con, notice_key)
    base = con.execute("SELECT doc_id, record FROM review_base WHERE notice_key = ? ORDER BY seq DESC LIMIT 1",
                       [notice_key]).fetchone()
    current = con.execute("SELECT best_doc_key, best_doc_id FROM notices WHERE is_current AND notice_id = ?",
                          [notice_key]).fetchone() if _has_warehouse(con) else None
    if base is not None and (current is None or base[0] == current[1]):
        return json.loads(base[1])
    if current is None:
        return None
    # By rowid: a filter on doc_key that also reads the JSON column scans every record's JSON
    # (200 ms on 10,000 notices); finding the row first and then reading it takes a few ms.
    rid = con.execute("SELECT rowid FROM records WHERE doc_key = ? LIMIT 1", [current[0]]).fetchone()
    row = con.execute("SELECT record FROM records WHERE rowid = ? AND doc_key = ?", [rid[0], current[0]]).fetchone() \
        if rid else None
    if rid and row is None:  # the row moved between the two reads (a concurrent rewrite)
        row = con.execute("SELECT record FROM records WHERE doc_key = ? LIMIT 1", [current[0]]).fetchone()
    return json.loads(row[0]) if row else None


def needs_review_items(con) -> list[tuple[str, dict, "Outcome"]]:
    """(notice key, its extraction, outcome) of each live correction that no longer applies.

    Only notices with corrections are read, so the queue of a 4,000-notice warehouse reads a
    handful of records instead of parsing all of them (26 s)."""
    by_key: dict[str, list[Correction]] = {}
    for c in load(con):
        by_key.setdefault(c.notice_key, []).append(c)
    out = []
    for key, extracted in extractions(con, sorted(by_key)).items():
        out += [(key, extracted, o) for o in apply_corrections(extracted, by_key[key]).needs_review]
    return out


def set_status(con, notice_key: str, doc_id: str | None, status: str, reviewer: str) -> None:
    ensure_schema(con)
    if status not in STATUSES:
        raise CorrectionError(f"unknown review status {status!r}")
    notice_key = notice_key_of(con, notice_key)
    with _write_lock:
        con.execute("INSERT INTO review_status (notice_key, doc_id, status, reviewer) VALUES (?, ?, ?, ?)",
                    [notice_key, doc_id, status, reviewer])


# Review status per notice key, in SQL so the app can filter and page by it: the latest status a
# reviewer set; "in_review" for a notice with corrections and no status; "needs_re_review"
# (whatever was set before, since "reviewed" would be a lie while the queue holds one of its
# corrections) for a notice with a correction that failed against its current source version.
_STATUS_SQL = """
WITH latest AS (
  SELECT notice_key, status, reviewer, changed_at FROM review_status{only}
  QUALIFY row_number() OVER (PARTITION BY notice_key ORDER BY changed_at DESC, rowid DESC) = 1),
ncorr AS (SELECT notice_key, count(*) FILTER (WHERE op <> 'dismiss') AS n FROM corrections{only} GROUP BY 1),
rr AS (
  SELECT q.notice_key, count(DISTINCT q.correction_id) AS n FROM needs_re_review q
  WHERE q.correction_id NOT IN (SELECT ref_id FROM corrections WHERE ref_id IS NOT NULL){current}{only_q}
  GROUP BY 1),
keys AS (SELECT notice_key FROM latest UNION SELECT notice_key FROM ncorr UNION SELECT notice_key FROM rr)
SELECT k.notice_key,
  CASE WHEN coalesce(rr.n, 0) > 0 THEN 'needs_re_review' WHEN latest.status IS NOT NULL THEN latest.status
       WHEN coalesce(ncorr.n, 0) > 0 THEN 'in_review' ELSE 'unreviewed' END AS status,
  latest.reviewer, latest.changed_at, coalesce(ncorr.n, 0) AS corrections, coalesce(rr.n, 0) AS re_review
FROM keys k LEFT JOIN latest USING (notice_key) LEFT JOIN ncorr USING (notice_key) LEFT JOIN rr USING (notice_key)
"""


def status_sql(con, one: bool = False) -> str:
    """The SELECT behind `statuses` (notice_key, status, reviewer, changed_at, corrections, re_review);
    `one`: of one notice only, whose key is each of its parameters (a notice page reads its own
    rows, not the whole log's)."""
    if not _has_warehouse(con):
        current = ""
    elif one:  # the notice's own documents, not a join over every notice's (4 ms on 10,000)
        current = (" AND q.doc_id IN (SELECT d.doc_id FROM documents d WHERE d.is_current AND d.doc_key IN"
                   " (SELECT doc_key FROM notice_documents WHERE notice_id = ?))")
    else:
        current = (" AND q.doc_id IN (SELECT d.doc_id FROM notice_documents m JOIN documents d"
                   " ON d.doc_key = m.doc_key AND d.is_current WHERE m.notice_id = q.notice_key)")
    return _STATUS_SQL.format(current=current, only=" WHERE notice_key = ?" if one else "",
                              only_q=" AND q.notice_key = ?" if one else "")


def statuses(con, notice_key: str | None = None) -> dict[str, dict]:
    """Review status per notice key (see `_STATUS_SQL`); notices never touched are absent."""
    ensure_schema(con)
    if notice_key is None:
        rows = con.execute(status_sql(con)).fetchall()
    else:
        sql = status_sql(con, one=True)
        rows = con.execute(sql, [notice_key_of(con, notice_key)] * sql.count("?")).fetchall()
    return {k: {"status": st, "reviewer": who, "at": at, "corrections": n, "re_review": rr}
            for k, st, who, at, n, rr in rows}


def refresh(con, notice_key: str, extracted: dict | None = None) -> bool:
    """Rewrite the current analyst rows of one notice from its effective record (see
    `refresh_many`). False when the notice is not loaded yet."""
    return bool(refresh_many(con, [notice_key]))


def _documents_of(con, notice_ids: list[str]) -> dict[str, list[tuple[str, str, str, str, bool]]]:
    """notice_id -> (doc_key, extractor_version, doc_id, path, corrected) of its current documents."""
    con.register("_nf_docs_of", pa.table({"k": notice_ids}))
    try:
        rows = con.execute(
            "SELECT m.notice_id, d.doc_key, any_value(d.extractor_version), any_value(d.doc_id), min(d.path),"
            " bool_or(len(coalesce(r.corrected_fields, [])) > 0)"
            " FROM notice_documents m JOIN documents d ON d.doc_key = m.doc_key AND d.is_current"
            " JOIN records r ON r.doc_key = d.doc_key WHERE m.notice_id IN (SELECT k FROM _nf_docs_of)"
            " GROUP BY m.notice_id, d.doc_key ORDER BY 1, 2").fetchall()
    finally:
        con.unregister("_nf_docs_of")
    out: dict[str, list] = {}
    for nid, *doc in rows:
        out.setdefault(nid, []).append(tuple(doc))
    return out


def _document_extraction(con, notice_key: str, doc_key: str, doc_id: str, corrected: bool) -> dict | None:
    """One document's record as extracted: its records row, unless a correction was written
    there; then the copy kept in review_base for that source version."""
    if corrected:
        row = con.execute("SELECT record FROM review_base WHERE doc_id = ? AND (notice_key = ?"
                          " OR notice_key IN (SELECT key FROM notice_keys WHERE notice_id = ?))"
                          " ORDER BY seq DESC LIMIT 1", [doc_id, notice_key, notice_key]).fetchall()
        if row:
            return json.loads(row[0][0])
    rid = con.execute("SELECT rowid FROM records WHERE doc_key = ? LIMIT 1", [doc_key]).fetchall()
    row = con.execute("SELECT record FROM records WHERE rowid = ? AND doc_key = ?", [rid[0][0], doc_key]).fetchall() \
        if rid else []
    return json.loads(row[0][0]) if row else None


def refresh_many(con, keys: list[str]) -> list[str]:
    """Rewrite the analyst rows of these notices from their effective records: every current
    document of a notice, each from its own extraction with the notice's corrections applied (so
    the rows stay right whichever document stands for the notice); then each notice's best
    document is chosen again (warehouse.notices.refresh).

    The loader only re-flattens a file it re-extracts; a correction saved in between must reach
    the analyst tables, with origin 'corrected', and the year-over-year changes too. Uses the
    loader's own `flatten` and the changes stage's diffing, in one transaction (the caller's, or
    its own) for the whole batch (the review app's background refresher hands over every notice
    saved meanwhile). Returns the notices refreshed (those loaded).
    """
    from noticeflow.warehouse import notices  # the loader's notice stage, not a second copy
    from noticeflow.warehouse.changes import load_changes  # the changes stage's own diffing
    from noticeflow.warehouse.rows import TABLES, flatten  # the loader's flattening
    from noticeflow.warehouse.store import utcnow

    if not keys or not _has_warehouse(con):
        return []
    keys = sorted({notice_key_of(con, k) for k in keys})
    docs = _documents_of(con, keys)
    logged: dict[str, list[Correction]] = {}
    con.register("_nf_refresh_keys", pa.table({"k": keys}))
    try:
        for row in con.execute(
                f"SELECT a.notice, {', '.join('c.' + c for c in _COLUMNS)} FROM corrections c JOIN"
                " (SELECT k AS key, k AS notice FROM _nf_refresh_keys UNION SELECT key, notice_id FROM notice_keys"
                "  WHERE notice_id IN (SELECT k FROM _nf_refresh_keys)) a ON c.notice_key = a.key ORDER BY c.id").fetchall():
            logged.setdefault(row[0], []).append(_row_to_correction(row[1:]))
    finally:
        con.unregister("_nf_refresh_keys")
    rows_all: dict[str, list] = {t: [] for t in TABLES}
    done, refreshed, kept, kept_ids, marks, known = [], [], [], [], [], {}
    for key in keys:
        cs = logged.get(key, [])
        any_doc = False
        for doc_key, version, doc_id, path, corrected in docs.get(key, []):
            extracted = _document_extraction(con, key, doc_key, doc_id, corrected)
            if extracted is None:
                continue
            applied = apply_corrections(extracted, cs)
            rows = flatten(applied.record, doc_key, version, path, set(applied.corrected_paths))
            rows["records"][0]["record"] = json.dumps(applied.record, ensure_ascii=False)
            known[doc_id] = rows["records"][0]["record"]
            for t in TABLES:
                rows_all[t] += rows.get(t) or []
            done.append(doc_key)
            kept.append((key, extracted))
            kept_ids.append(doc_id)
            any_doc = True
        if any_doc:
            refreshed.append(key)
            if cs:
                marks.append((key, max(c.id for c in cs)))
    if not done:
        return []
    with _write_lock:
        own = not getattr(con, "in_transaction", False)  # the caller's (a save's) or its own
        if own:
            con.execute("BEGIN TRANSACTION")
        try:
            # The records rows are about to hold the corrected records: keep the extractions they held.
            remember_extractions(con, kept, kept_ids)
            con.register("_nf_refresh_docs", pa.table({"doc_key": done}))
            try:
                for t in TABLES:
                    con.execute(f"DELETE FROM {t} WHERE doc_key IN (SELECT doc_key FROM _nf_refresh_docs)")
                    if rows_all[t]:
                        con.register("_nf_review_rows", pa.Table.from_pylist(rows_all[t]))
                        try:
                            con.execute(f"INSERT INTO {t} BY NAME SELECT * FROM _nf_review_rows")
                        finally:
                            con.unregister("_nf_review_rows")
            finally:
                con.unregister("_nf_refresh_docs")
            notices.stamp(con, done)
            notices.refresh(con, refreshed, utcnow())
            if marks:
                con.register("_nf_refresh_marks", pa.table({"notice_key": [k for k, _ in marks],
                                                            "correction_id": [i for _, i in marks]}))
                try:
                    con.execute("INSERT INTO review_refreshed (notice_key, correction_id)"
                                " SELECT notice_key, correction_id FROM _nf_refresh_marks")
                finally:
                    con.unregister("_nf_refresh_marks")
            # Their year-over-year changes (and their later years') follow the corrected records,
            # so `changes` never depends on whether a correction came before or after an ingest.
            if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'changes'").fetchall()[0][0]:
                load_changes(con, kept_ids, known=known, in_transaction=True)
            if own:
                con.execute("COMMIT")
        except BaseException:
            if own:
                with contextlib.suppress(duckdb.TransactionException):  # a failed COMMIT rolled back
                    con.execute("ROLLBACK")
            raise
    return refreshed


def stale(con) -> list[str]:
    """Notices whose analyst rows predate their newest correction (`refresh` them)."""
    ensure_schema(con)
    return [k for (k,) in con.execute(
        "SELECT c.notice_key FROM corrections c LEFT JOIN (SELECT notice_key, max(correction_id) AS done"
        " FROM review_refreshed GROUP BY 1) r USING (notice_key)"
        " GROUP BY c.notice_key, r.done HAVING max(c.id) > coalesce(r.done, 0) ORDER BY 1").fetchall()]
