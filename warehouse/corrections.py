"""Reviewer corrections: an append-only log applied on top of each extraction.

The log (`corrections`, migration 030) is only ever INSERTed into. The effective record is the
extraction with the live corrections applied in id order, each re-located by its anchor (the
element's evidence quote and old value) rather than trusted by list index, so a re-ingest that
reorders or re-extracts a notice still lands every correction on the element it was meant for.
A correction that no longer matches (the source changed under it) is never applied blindly and
never dropped: it comes back as `needs_review` and is logged in `needs_re_review`.
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import pathlib
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable

import pyarrow as pa
from pydantic import ValidationError

from noticeflow.schemas import Record

MIGRATION = pathlib.Path(__file__).parent / "migrations" / "030_review.sql"
OPS = ("set", "add", "delete", "dismiss")
STATUSES = ("unreviewed", "in_review", "reviewed")

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
    status: str            # applied | satisfied | needs_review | resolved
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
            what = "its old value" if c.op == "set" else "the element"
            return "needs_review", f"{what} ({_short(c.old_value)}) no longer matches the extraction"
        tokens = tokens[:li] + [j] + tokens[li + 1:]
    else:
        if c.op == "set":
            cur = get_path(rec, tokens)
            if cur != c.old_value and not same_source:
                return "needs_review", f"old value {_short(c.old_value)} is now {_short(cur)}"
            if not same_source and isinstance(c.anchor, dict) and _quote(c.anchor) is not None:
                now = get_path(rec, tokens[:1])
                if _quote(now) not in (None, _quote(c.anchor)):
                    return "needs_review", "its evidence quote changed in the new source"
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
        return "applied", None
    if c.op == "delete":
        if li is None:
            return "needs_review", "only list elements can be deleted"
        del get_path(rec, tokens[:li])[tokens[li]]
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
        return "applied", None
    return "needs_review", f"unknown operation {c.op!r}"


def _short(v: Any) -> str:
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 60 else s[:57] + "..."


def _paths_of(rec: dict, touched: list, added: list) -> set[str]:
    """Field paths in the final record that hold a corrected value."""
    t_ids = {(id(h), k) for h, k in touched}
    a_ids = {id(a) for a in added}
    out: set[str] = set()

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
        try:
            # Trial run on a copy: a correction is all or nothing, and must leave a valid record.
            trial = copy.deepcopy(rec)
            status, problem = _apply_one(trial, c, c.doc_id == doc_id, [], [])
            if status == "applied":
                err = validation_problem(trial)
                if err:
                    status, problem = "needs_review", f"would make the record invalid: {err}"
        except (CorrectionError, KeyError, IndexError, TypeError) as e:
            status, problem = "needs_review", f"cannot apply: {e}"
        if status == "applied":
            _apply_one(rec, c, c.doc_id == doc_id, touched, added)
        outcomes.append(Outcome(c, status, problem))
    return Applied(rec, _paths_of(rec, touched, added), outcomes)


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
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN "
        "('corrections', 'review_status', 'needs_re_review', 'review_base')").fetchall()}
    if len(have) < 4:
        for stmt in _statements(MIGRATION.read_text(encoding="utf-8")):
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
        if _has_notices(con):
            sql += " OR notice_key IN (SELECT key FROM notice_keys WHERE notice_id = ?)"
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
                 reason: str | None = None) -> list[Correction]:
    """Several changes from one form: all valid and appended, or none stored (CorrectionError)."""
    notice_key = notice_key_of(con, notice_key)
    eff = apply_corrections(extracted, load(con, notice_key)).record
    built: list[Correction] = []
    for op, path, new_value, evidence in changes:
        c = build_correction(eff, notice_key, op, path, new_value, reviewer, reason, evidence)
        if c is None or (c.op == "set" and c.new_value == c.old_value):
            continue
        trial = apply_corrections(eff, [c])
        outcome = trial.outcomes[0]
        if outcome.status == "needs_review":
            raise CorrectionError(outcome.problem or "cannot apply", path)
        if outcome.status == "satisfied":
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
    """Re-make a queued correction against the current extraction; the old row is superseded."""
    old = [c for c in load(con) if c.id == correction_id]
    if not old:
        raise CorrectionError(f"no correction {correction_id}")
    o = old[0]
    ev = (o.evidence_start, o.evidence_end) if o.op == "add" else None
    new = {k: v for k, v in (o.new_value or {}).items() if k != "evidence"} if o.op == "add" else o.new_value
    if o.op == "add":
        q = o.evidence_quote or ""
        pos = (extracted.get("text") or "").find(q) if q else -1
        if pos < 0:
            raise CorrectionError("its passage is no longer in the text: add it again by selecting it")
        ev = (pos, pos + len(q))
    path = o.field_path
    if o.op == "delete" or (o.op == "set" and _last_list(parse_path(path)) is not None):
        raise CorrectionError("the element moved: correct it again on the notice page")
    made = propose(con, o.notice_key, extracted, o.op, path, new, reviewer, o.reason, ev)
    dismiss(con, correction_id, reviewer, f"re-applied as #{made.id}" if made else "already satisfied")
    return made


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
_CURRENT = ("SELECT n.notice_id AS notice_key, n.best_doc_id AS doc_id, r.record FROM notices n"
            " JOIN records r ON r.doc_key = n.best_doc_key WHERE n.is_current{where}")


def _has_warehouse(con) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables"
                       " WHERE table_name IN ('notices', 'records')").fetchall()[0][0] == 2


def _extraction_rows(con, notice_key: str | None = None) -> list[tuple[str, str]]:
    """(notice key, as-extracted JSON) of every notice, or of one, by the rule above."""
    ensure_schema(con)
    args = [] if notice_key is None else [notice_key]
    base = _LATEST_BASE.format(where="" if notice_key is None else " WHERE notice_key = ?")
    if not _has_warehouse(con):
        return con.execute(f"SELECT notice_key, record FROM ({base}) ORDER BY notice_key", args).fetchall()
    current = _CURRENT.format(where="" if notice_key is None else " AND n.notice_id = ?")
    return con.execute(
        f"SELECT coalesce(b.notice_key, c.notice_key) AS k, CASE WHEN b.notice_key IS NOT NULL"
        f" AND (c.doc_id IS NULL OR b.doc_id = c.doc_id) THEN b.record ELSE c.record END"
        f" FROM ({base}) b FULL OUTER JOIN ({current}) c ON b.notice_key = c.notice_key ORDER BY k",
        args * 2).fetchall()


def extractions(con) -> dict[str, dict]:
    """Latest as-extracted record per notice key (what the review app shows and corrects)."""
    return {k: json.loads(r) for k, r in _extraction_rows(con)}


def extraction(con, notice_key: str) -> dict | None:
    rows = _extraction_rows(con, notice_key_of(con, notice_key))
    return json.loads(rows[0][1]) if rows else None


def set_status(con, notice_key: str, doc_id: str | None, status: str, reviewer: str) -> None:
    ensure_schema(con)
    if status not in STATUSES:
        raise CorrectionError(f"unknown review status {status!r}")
    notice_key = notice_key_of(con, notice_key)
    with _write_lock:
        con.execute("INSERT INTO review_status (notice_key, doc_id, status, reviewer) VALUES (?, ?, ?, ?)",
                    [notice_key, doc_id, status, reviewer])


def statuses(con) -> dict[str, dict]:
    """Latest review status per notice key; a notice with corrections but no status is in review."""
    ensure_schema(con)
    # keys logged before notices (a document's path) count for the notice that document carries
    key = ("coalesce((SELECT any_value(k.notice_id) FROM notice_keys k WHERE k.key = t.notice_key), t.notice_key)"
           if _has_notices(con) else "t.notice_key")
    out: dict[str, dict] = {}
    for k, n in con.execute(f"SELECT {key} AS k, count(*) FROM corrections t GROUP BY 1").fetchall():
        out[k] = {"status": "in_review", "reviewer": None, "at": None, "doc_id": None, "corrections": n}
    rows = con.execute(
        f"SELECT {key} AS k, status, reviewer, changed_at, doc_id FROM review_status t "
        "QUALIFY row_number() OVER (PARTITION BY k ORDER BY changed_at DESC, rowid DESC) = 1").fetchall()
    for key, status, reviewer, at, doc_id in rows:
        out.setdefault(key, {"corrections": 0}).update(status=status, reviewer=reviewer, at=at, doc_id=doc_id)
    return out


def _documents_of(con, notice_key: str) -> list[tuple[str, str, str, str, bool]]:
    """(doc_key, extractor_version, doc_id, path, corrected) of the notice's current documents."""
    return con.execute(
        "SELECT d.doc_key, any_value(d.extractor_version), any_value(d.doc_id), min(d.path),"
        " bool_or(len(coalesce(r.corrected_fields, [])) > 0)"
        " FROM notice_documents m JOIN documents d ON d.doc_key = m.doc_key AND d.is_current"
        " JOIN records r ON r.doc_key = d.doc_key WHERE m.notice_id = ? GROUP BY d.doc_key ORDER BY 1",
        [notice_key]).fetchall()


def _document_extraction(con, notice_key: str, doc_key: str, doc_id: str, corrected: bool) -> dict | None:
    """One document's record as extracted: its records row, unless a correction was written
    there; then the copy kept in review_base for that source version."""
    if corrected:
        row = con.execute("SELECT record FROM review_base WHERE doc_id = ? AND (notice_key = ?"
                          " OR notice_key IN (SELECT key FROM notice_keys WHERE notice_id = ?))"
                          " ORDER BY seq DESC LIMIT 1", [doc_id, notice_key, notice_key]).fetchall()
        if row:
            return json.loads(row[0][0])
    row = con.execute("SELECT record FROM records WHERE doc_key = ? LIMIT 1", [doc_key]).fetchall()
    return json.loads(row[0][0]) if row else None


def refresh(con, notice_key: str) -> bool:
    """Rewrite the analyst rows of one notice from its effective record: every current document
    of the notice, each from its own extraction with the notice's corrections applied (so the
    rows stay right whichever document stands for the notice), then the notice's best document
    is chosen again (warehouse.notices.refresh).

    The loader only re-flattens a file it re-extracts; a correction saved in between must reach
    the analyst tables now, with origin 'corrected'. Uses the loader's own `flatten`, in one
    transaction. False when the notice is not loaded.
    """
    from noticeflow.warehouse import notices  # the loader's flattening and notice stage, not a second copy
    from noticeflow.warehouse.rows import TABLES, flatten
    from noticeflow.warehouse.store import utcnow

    if not _has_warehouse(con):
        return False
    notice_key = notice_key_of(con, notice_key)
    docs = _documents_of(con, notice_key)
    if not docs:
        return False
    cs = load(con, notice_key)
    work = []
    for doc_key, version, doc_id, path, corrected in docs:
        extracted = _document_extraction(con, notice_key, doc_key, doc_id, corrected)
        if extracted is None:
            continue
        applied = apply_corrections(extracted, cs)
        rows = flatten(applied.record, doc_key, version, path, set(applied.corrected_paths))
        rows["records"][0]["record"] = json.dumps(applied.record, ensure_ascii=False)
        work.append((doc_key, doc_id, extracted, rows))
    if not work:
        return False
    with _write_lock:
        # The records rows are about to hold corrected records: keep the extractions they held.
        remember_extractions(con, [(notice_key, w[2]) for w in work], [w[1] for w in work])
        con.execute("BEGIN TRANSACTION")
        try:
            for doc_key, _, _, rows in work:
                for t in TABLES:
                    con.execute(f"DELETE FROM {t} WHERE doc_key = ?", [doc_key])
                    if rows.get(t):
                        tmp = pa.Table.from_pylist(rows[t])
                        con.register("_nf_review_rows", tmp)
                        try:
                            con.execute(f"INSERT INTO {t} BY NAME SELECT * FROM _nf_review_rows")
                        finally:
                            con.unregister("_nf_review_rows")
            notices.stamp(con, [w[0] for w in work])
            notices.refresh(con, [notice_key], utcnow())
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return True
