"""Reviewed records as gold files (`../shared/gold` format): every fix becomes a regression case.

Values only: no `text`, no `evidence`; Text/Year/Day fields become bare values; departments keep
the scored keys (name, level); flags become `expected_flags` codes.
"""
from __future__ import annotations

import json
import pathlib
from typing import Any

GOLD_KEYS = ("title", "doc_number", "issuer", "region", "policy_year", "issue_date", "print_date",
             "cited_documents", "fees", "subsidy_tiers", "periods", "departments", "departments_scored",
             "leadership", "quota_table", "targets", "expected_flags")
_ELEMENT_KEYS = {
    "cited_documents": ("doc_number", "title"),
    "fees": ("kind", "amount", "qualifier", "change"),
    "subsidy_tiers": ("label", "categories", "mode", "subsidy_amount", "subsidy_percent",
                      "individual_amount", "floor_amount", "pay_first", "funding_source", "derived"),
    "periods": ("kind", "start", "end", "day_from", "day_to", "applies_to"),
    "departments": ("name", "level"),
    "leadership": ("role", "name", "title"),
    "targets": ("metric", "population", "percent"),
}


def _value(field: Any) -> Any:
    return field.get("value") if isinstance(field, dict) else field


def _quota(q: dict | None) -> dict | None:
    if not q:
        return None
    return {"title": q.get("title"), "unit": q.get("unit"), "columns": list(q.get("columns") or []),
            "rows": [{"seq": r.get("seq"), "area": r.get("area"), "values": dict(r.get("values") or {}),
                      "note": r.get("note")} for r in q.get("rows") or []],
            "total": q.get("total")}


def to_gold(record: dict) -> dict:
    """The values-only gold form of an (effective) record."""
    source = record.get("source") or {}
    region = record.get("region")
    gold: dict = {"schema_version": record.get("schema_version", "1"),
                  "seed": pathlib.PurePath(source.get("path") or "").name}
    for k in ("title", "doc_number", "issuer", "policy_year", "issue_date", "print_date"):
        gold[k] = _value(record.get(k))
    gold["region"] = ({k: region.get(k) for k in ("province", "city", "county", "adcode")}
                      if region else None)
    for name, keys in _ELEMENT_KEYS.items():
        gold[name] = [{k: el.get(k) for k in keys} for el in record.get(name) or []]
    gold["departments_scored"] = True  # a reviewer has checked the whole list
    gold["quota_table"] = _quota(record.get("quota_table"))
    gold["expected_flags"] = sorted({f["code"] for f in record.get("flags") or []
                                     if f.get("severity") != "info"})
    return {"schema_version": gold["schema_version"], "seed": gold["seed"],
            **{k: gold[k] for k in GOLD_KEYS}}


def gold_name(record: dict, notice_key: str) -> str:
    """`000_x.json` for source `…/000_x.txt`: the scorer pairs gold and record by this stem."""
    path = (record.get("source") or {}).get("path") or notice_key
    return pathlib.PurePath(path).stem + ".json"


def gold_paths(items: list[tuple[str, dict]]) -> list[pathlib.PurePath]:
    """A distinct relative path per item: `NAME.json`, where the scorer pairs it by stem.

    A notice's .txt and .pdf share a stem (they are one notice until notice identity lands), so
    one of them, the .txt when there is one, keeps `NAME.json` and each other one is written as
    `FORMAT/NAME.json` beside it: nothing is overwritten and the scorer's folder keeps one gold
    file per stem.
    """
    by_name: dict[str, list[int]] = {}
    for i, (key, record) in enumerate(items):
        by_name.setdefault(gold_name(record, key), []).append(i)
    out: list[pathlib.PurePath] = [pathlib.PurePath()] * len(items)
    for name, idx in by_name.items():
        def fmt(i: int) -> str:
            rec, key = items[i][1], items[i][0]
            path = (rec.get("source") or {}).get("path") or key
            return pathlib.PurePath(path).suffix.lstrip(".").lower() or "other"
        idx = sorted(idx, key=lambda i: (fmt(i) != "txt", items[i][0]))
        out[idx[0]] = pathlib.PurePath(name)
        for i in idx[1:]:
            out[i] = pathlib.PurePath(fmt(i)) / name
    return out


def write_gold(folder: str | pathlib.Path, items: list[tuple[str, dict]]) -> list[pathlib.Path]:
    """Write one gold file per (notice_key, effective record); returns the files written."""
    out = pathlib.Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for (key, record), rel in zip(items, gold_paths(items)):
        f = out / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(to_gold(record), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(f)
    return written
