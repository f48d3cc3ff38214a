"""The notice page's view model: the record as reviewable units (one per value a reviewer
accepts or corrects: a document field, the region, a list element, a quota row), the text cut
at every evidence and value boundary, flags where they apply, and each unit's history.
"""
from __future__ import annotations

import pathlib
import re
from typing import Any

from noticeflow.review import values as vals
from noticeflow.schemas import Record, iter_evidence
from noticeflow.warehouse import corrections as log

LIST_SEP = re.compile(r"[,，、;；\s]+")

# The record form, grouped by the contract's sections. A field is (name, label, kind[, codes]);
# kinds: text, num, date, select, bool, list, area; `codes` names the labels.yaml vocabulary.
DOCUMENT = [("title", "Title", "text"), ("doc_number", "Doc number", "text"),
            ("issuer", "Issuer", "text"), ("policy_year", "Policy year", "num"),
            ("issue_date", "Issue date", "date"), ("print_date", "Print date", "date")]
REGION = [("province", "Province", "text"), ("city", "City", "text"),
          ("county", "County", "text"), ("adcode", "Adcode", "text")]
LISTS = [
    ("cited_documents", "Cited documents", [("doc_number", "Doc number", "text"), ("title", "Title", "text")]),
    ("fees", "Fees", [("kind", "Kind", "select", "fee_kind"), ("amount", "Amount (yuan)", "num"),
                      ("qualifier", "Qualifier", "select", "qualifier"), ("change", "Change (yuan)", "num")]),
    ("subsidy_tiers", "Subsidy tiers", [
        ("label", "Label", "text"), ("categories", "Categories", "list"),
        ("mode", "Mode", "select", "tier_mode"),
        ("subsidy_amount", "Subsidy", "num"), ("subsidy_percent", "Subsidy %", "num"),
        ("individual_amount", "Individual", "num"), ("floor_amount", "Floor", "num"),
        ("pay_first", "Pay first", "bool"), ("funding_source", "Funding source", "text"),
        ("derived", "Derived", "codes", "derived")]),
    ("periods", "Periods", [
        ("kind", "Kind", "select", "period_kind"),
        ("start", "Start", "date"), ("end", "End", "date"), ("day_from", "Day from", "num"),
        ("day_to", "Day to", "num"), ("applies_to", "Applies to", "text")]),
    ("departments", "Departments", [("name", "Name", "text"), ("as_written", "As written", "text"),
                                    ("level", "Level", "select", "level"), ("duties", "Duties", "area")]),
    ("leadership", "Leadership", [("role", "Role", "text"), ("name", "Name", "text"),
                                  ("title", "Title", "text")]),
    ("targets", "Targets", [("metric", "Metric", "text"), ("population", "Population", "text"),
                            ("percent", "Percent", "num")]),
]
LIST_FIELDS = {name: fields for name, _, fields in LISTS}
WRAPPER_KIND = {name: kind for name, _, kind in DOCUMENT}
QUOTA_HEAD = [("title", "Table title", "text"), ("unit", "Unit", "text"), ("columns", "Columns", "list")]


def coerce(kind: str, raw: str) -> Any:
    """A form string as the value the schema models will validate ("" is null)."""
    raw = raw.strip()
    if raw == "":
        return [] if kind in ("list", "codes") else None
    if kind in ("list", "codes"):
        return [p for p in LIST_SEP.split(raw) if p]
    if kind == "bool":
        return {"true": True, "false": False}.get(raw.lower(), raw)
    return raw


def shown(value: Any, kind: str = "text") -> str:
    """A value as the form shows it (the inverse of `coerce`)."""
    if value is None:
        return ""
    if kind in ("list", "codes") and isinstance(value, list):
        return "、".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def title_of(rec: dict) -> str:
    t = rec.get("title") or {}
    return t.get("value") or pathlib.PurePath((rec.get("source") or {}).get("path", "?")).name


def _ev_path(path: str) -> str:
    return path[: -len(".evidence")] if path.endswith(".evidence") else path


def _under(path: str, unit: str) -> bool:
    return path == unit or path.startswith(unit + ".") or path.startswith(unit + "[")


def segments(rec: dict, extra: list[tuple[str, int, int]]) -> list[dict]:
    """The canonical text cut at every evidence and value boundary; each piece with the
    evidence paths covering it (`paths`), the values inside it (`vals`) and conflict marks."""
    text = rec.get("text") or ""
    spans = [(_ev_path(p), ev.start, ev.end) for p, ev in iter_evidence(Record.model_validate(rec))]
    cuts = sorted({0, len(text), *[s for _, s, _ in spans + extra], *[e for _, _, e in spans + extra]})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        cover = sorted((p for p, s, e in spans if s <= a and b <= e), key=lambda p: -len(p))
        inner = [p for p, s, e in extra if s <= a and b <= e]
        out.append({"start": a, "text": text[a:b], "paths": cover,
                    "vals": [p for p in inner if not p.startswith("conflict:")],
                    "conflict": any(p.startswith("conflict:") for p in inner),
                    "section": re.split(r"[.\[]", cover[-1])[0] if cover else None})
    return out


# The save form's prefix for each kind of unit (its field names are relative to it).
_PREFIX = {"wrapper": lambda p: "", "region": lambda p: "region", "element": lambda p: p,
           "quota_head": lambda p: "quota_table", "quota_row": lambda p: p, "quota_total": lambda p: p}


def _field(rec: dict, path: str, spec: tuple, typed: dict, corrected: set) -> dict:
    name, label, kind = spec[0], spec[1], spec[2]
    value = log.get_path(rec, log.parse_path(path))
    return {"name": name, "label": label, "kind": kind, "codes": spec[3] if len(spec) > 3 else None,
            "loaded": shown(value, kind), "value": typed.get(path, shown(value, kind)),
            "typed": path in typed, "path": path,
            "corrected": any(_under(path, p) or _under(p, path) for p in corrected)}


def notice_view(key: str, applied: log.Applied, cs: list, typed: dict | None = None) -> dict:
    """Everything notice.html shows. `typed`: field path -> what the reviewer typed (kept on
    a refused save, so nothing typed is lost)."""
    from noticeflow.review.labels import labels

    rec, typed = applied.record, typed or {}
    corrected = applied.corrected_paths
    flags = rec.get("flags") or []
    by_id = {o.correction.id: o for o in applied.outcomes}
    accepted = {o.path: o.correction for o in applied.outcomes if o.status == "accepted" and o.path}

    def flags_for(path: str, exact: bool = False) -> list[dict]:
        return [f for f in flags if f.get("field") and (f["field"] == path or (not exact and _under(f["field"], path)))]

    def history(unit: str) -> list[dict]:
        rows = []
        for c in reversed(cs):
            o = by_id.get(c.id)
            where = (o.path if o and o.path else None) or c.field_path or ""
            if c.op != "dismiss" and _under(where, unit):
                rows.append({"c": c, "status": o.status if o else "resolved", "problem": o.problem if o else None,
                             "undoable": bool(o and (o.status == "applied" or o.status == "accepted"))})
        return rows

    def unit(path: str, kind: str, fields: list[dict], ev: dict | None, title: str, **more) -> dict:
        prefix = _PREFIX[kind](path)
        for f in fields:  # form names are relative to the form's prefix
            f["name"] = f["path"][len(prefix) + 1:] if prefix else f["path"]
        values = [(f["path"], log.get_path(rec, log.parse_path(f["path"]))) for f in fields
                  if f["kind"] in ("num", "text", "date", "list")]
        u = {"path": path, "kind": kind, "prefix": prefix, "fields": fields, "evidence": ev, "title": title,
             "flags": flags_for(path), "history": history(path), "accepted": accepted.get(path),
             "values": values, "added": path in corrected, **more}
        u["has_value"] = any(f["loaded"] for f in fields)
        return u

    units: list[dict] = []
    doc = []
    for name, label, kind in DOCUMENT:
        w = rec.get(name) or None
        f = _field(rec, f"{name}.value", (name, label, kind), typed, corrected)
        doc.append(unit(name, "wrapper", [f], (w or {}).get("evidence"), label))
    units += doc
    region = rec.get("region") or None
    region_unit = unit("region", "region", [_field(rec, f"region.{n}", s, typed, corrected)
                                            for s in REGION for n in [s[0]]],
                       (region or {}).get("evidence"), "Region")
    units.append(region_unit)
    lists = []
    for name, title, fields in LISTS:
        items = []
        for i, el in enumerate(rec.get(name) or []):
            p = f"{name}[{i}]"
            items.append(unit(p, "element", [_field(rec, f"{p}.{s[0]}", s, typed, corrected) for s in fields],
                              el.get("evidence"), p))
        units += items
        lists.append({"name": name, "title": title, "elements": items,
                      "flags": flags_for(name, exact=True)})
    quota = None
    q = rec.get("quota_table")
    if q:
        cols = q.get("columns") or []
        head = unit("quota_table", "quota_head",
                    [_field(rec, f"quota_table.{s[0]}", s, typed, corrected) for s in QUOTA_HEAD],
                    q.get("evidence"), "Quota table")
        head["flags"] = flags_for("quota_table", exact=True)
        rows = []
        for i, row in enumerate(q.get("rows") or []):
            p = f"quota_table.rows[{i}]"
            specs = [("seq", "#", "num"), ("area", "Area", "text")] + [(f"values.{c}", c, "num") for c in cols] \
                + [("note", "Note", "text")]
            rows.append(unit(p, "quota_row", [_field(rec, f"{p}.{s[0]}", s, typed, corrected) for s in specs],
                             row.get("evidence"), p))
        total = unit("quota_table.total", "quota_total",
                     [_field(rec, f"quota_table.total.{c}", (c, f"合计 {c}", "num"), typed, corrected) for c in cols],
                     None, "合计")
        units += [head] + rows + [total]
        quota = {"head": head, "rows": rows, "total": total}
    extra = list(vals.value_spans(rec, units)) + list(vals.conflict_spans(rec))
    placed = {u["path"] for u in units}
    loose = [f for f in flags if not f.get("field") or not any(_under(f["field"], p) or _under(p, f["field"])
                                                               for p in placed)]
    outcomes = {o.correction.id: o for o in applied.outcomes}
    log_rows = [{"c": c, "status": outcomes[c.id].status if c.id in outcomes else "resolves #%s" % c.ref_id,
                 "problem": outcomes[c.id].problem if c.id in outcomes else None} for c in cs]
    return {
        "key": key, "rec": rec, "title": title_of(rec), "segments": segments(rec, extra),
        "doc_units": doc, "region": region_unit, "lists": lists, "quota": quota, "flags": flags,
        "loose_flags": loose, "log": list(reversed(log_rows)), "needs_review": applied.needs_review,
        "list_fields": LISTS, "wrapper_kind": WRAPPER_KIND, "labels": labels(),
        "unflagged": [u["path"] for u in units if u["has_value"] and not u["flags"] and not u["accepted"]
                      and u["kind"] != "quota_total"],
        "last_id": max((c.id or 0 for c in cs), default=0),
    }
