"""A record (contract v1.1, as JSON) flattened into the warehouse's analyst rows. Pure, no I/O.

Every row starts with the same identity and place columns so analysts filter without joins; a
row whose field path a reviewer corrected carries origin 'corrected'.
"""
from __future__ import annotations

from typing import Any, Iterable

from noticeflow.diff.identity import n_facts

ANALYST_TABLES = (
    "fees", "subsidy_tiers", "tier_categories", "periods", "departments", "leadership",
    "quota_tables", "quota_rows", "targets", "cited_documents", "flags",
)
TABLES = ("records",) + ANALYST_TABLES


def _value(field: Any) -> Any:
    """`{value, evidence}` -> value; None stays None."""
    return field.get("value") if isinstance(field, dict) else None


def _evidence(item: dict) -> dict:
    ev = item.get("evidence") or {}
    return {"quote": ev.get("quote"), "ev_start": ev.get("start"), "ev_end": ev.get("end")}


def is_corrected(path: str, corrected: Iterable[str]) -> bool:
    """True when a corrected field path is this path, inside it, or encloses it."""
    for c in corrected:
        if c == path:
            return True
        for a, b in ((c, path), (path, c)):
            if a.startswith(b) and a[len(b)] in ".[":
                return True
    return False


def _origin(path: str, corrected: set[str]) -> str:
    return "corrected" if corrected and is_corrected(path, corrected) else "extracted"


def identity(record: dict, doc_key: str, extractor_version: str) -> dict:
    """The leading columns every analyst row carries."""
    region = record.get("region") or {}
    return {
        "doc_key": doc_key,
        "doc_id": record["doc_id"],
        "extractor_version": extractor_version,
        "province": region.get("province"),
        "county": region.get("county"),
        "adcode": region.get("adcode"),
        "policy_year": _value(record.get("policy_year")),
        "is_current": True,
        "notice_id": None,  # the loader's notice stage fills it (warehouse.notices)
    }


def flatten(record: dict, doc_key: str, extractor_version: str, path: str,
            corrected: set[str] = frozenset()) -> dict[str, list[dict]]:
    """Rows per table for one record; tables with nothing to say get an empty list."""
    base = identity(record, doc_key, extractor_version)
    out: dict[str, list[dict]] = {t: [] for t in TABLES}

    def row(field_path: str, **cols: Any) -> dict:
        return {**base, "origin": _origin(field_path, corrected), **cols}

    region = record.get("region") or {}
    out["records"].append({
        **base,
        "origin": "corrected" if corrected else "extracted",
        "path": path,
        "city": region.get("city"),
        "title": _value(record.get("title")),
        "doc_number": _value(record.get("doc_number")),
        "issuer": _value(record.get("issuer")),
        "co_issuers": [_value(c) for c in record.get("co_issuers") or []],
        "source_format": (record.get("source") or {}).get("format"),
        "ocr": bool((record.get("source") or {}).get("ocr")),
        "published": (record.get("source") or {}).get("published"),
        "attachments": list((record.get("source") or {}).get("attachments") or []),
        "issue_date": _value(record.get("issue_date")),
        "print_date": _value(record.get("print_date")),
        "n_flags": len(record.get("flags") or []),
        "n_facts": n_facts(record),
        "corrected_fields": sorted(corrected),
        "record": None,  # the JSON text, filled by the caller that already has it serialised
    })
    for i, f in enumerate(record.get("fees") or []):
        out["fees"].append(row(f"fees[{i}]", idx=i, kind=f["kind"], amount=f["amount"],
                               qualifier=f.get("qualifier") or "exact", change=f.get("change"),
                               applies_to=f.get("applies_to"),
                               **_evidence(f)))
    for i, t in enumerate(record.get("subsidy_tiers") or []):
        p = f"subsidy_tiers[{i}]"
        amounts = {k: t.get(k) for k in ("subsidy_amount", "subsidy_percent", "individual_amount")}
        out["subsidy_tiers"].append(row(
            p, idx=i, label=t["label"], categories=list(t.get("categories") or []), mode=t["mode"],
            floor_amount=t.get("floor_amount"), pay_first=bool(t.get("pay_first")),
            funding_source=t.get("funding_source"), derived=list(t.get("derived") or []),
            **amounts, **_evidence(t)))
        for c in t.get("categories") or []:
            out["tier_categories"].append(row(
                p, tier_idx=i, category=c, label=t["label"], mode=t["mode"], **amounts))
    for i, p in enumerate(record.get("periods") or []):
        out["periods"].append(row(
            f"periods[{i}]", idx=i, kind=p["kind"], start_date=p.get("start"), end_date=p.get("end"),
            day_from=p.get("day_from"), day_to=p.get("day_to"), applies_to=p.get("applies_to"),
            **_evidence(p)))
    for i, d in enumerate(record.get("departments") or []):
        out["departments"].append(row(
            f"departments[{i}]", idx=i, name=d["name"], as_written=d.get("as_written"),
            level=d.get("level"), duties=d.get("duties"), **_evidence(d)))
    for i, m in enumerate(record.get("leadership") or []):
        out["leadership"].append(row(
            f"leadership[{i}]", idx=i, role=m["role"], name=m["name"], title=m.get("title"),
            **_evidence(m)))
    quota = record.get("quota_table")
    if quota:
        # Imported here: the ingest's main process flattens only corrected records and otherwise
        # never loads the extractors (the workers do).
        from noticeflow.extractors.quota import task_column

        out["quota_tables"].append(row("quota_table", **quota_table_row(record.get("text") or "", quota)))
        tasks = task_column(quota.get("columns"), quota.get("unit"))
        meta = {"table_title": quota.get("title"), "unit": quota.get("unit"),
                "unit_as_written": quota.get("unit_as_written")}
        for i, r in enumerate(quota.get("rows") or []):
            for col, val in (r.get("values") or {}).items():
                out["quota_rows"].append(row(
                    f"quota_table.rows[{i}]", idx=i, seq=r.get("seq"), area=r["area"],
                    column_name=col, value=val, tasks=val if col == tasks else None,
                    note=r.get("note"), is_total=False, **meta, **_evidence(r)))
        for col, val in (quota.get("total") or {}).items():
            out["quota_rows"].append(row(
                "quota_table.total", idx=None, seq=None, area="合计", column_name=col, value=val,
                tasks=val if col == tasks else None, note=None, is_total=True, **meta, **_evidence(quota)))
    for i, t in enumerate(record.get("targets") or []):
        out["targets"].append(row(
            f"targets[{i}]", idx=i, metric=t["metric"], population=t.get("population"),
            percent=t["percent"], **_evidence(t)))
    for i, c in enumerate(record.get("cited_documents") or []):
        out["cited_documents"].append(row(
            f"cited_documents[{i}]", idx=i, doc_number=c.get("doc_number"), title=c.get("title"),
            **_evidence(c)))
    for i, f in enumerate(record.get("flags") or []):
        out["flags"].append(row(
            f"flags[{i}]", idx=i, code=f["code"], severity=f["severity"], field=f.get("field"),
            message=f.get("message")))
    return out


def quota_table_row(text: str, quota: dict) -> dict:
    """One notice's quota table: its task column, what its rows and 合计 say, and the task total
    the body states (not a record field: the quota extractor finds it for its
    quota_total_mismatch check, and the warehouse keeps it for the quota_vs_target view)."""
    from noticeflow.extractors.quota import body_total, task_column

    tasks = task_column(quota.get("columns"), quota.get("unit"))
    rows = quota.get("rows") or []
    stated = body_total(text, quota)
    return {
        "title": quota.get("title"), "unit": quota.get("unit"),
        "unit_as_written": quota.get("unit_as_written"), "columns": list(quota.get("columns") or []),
        "tasks_column": tasks, "areas": len(rows),
        "tasks_sum": sum(r["values"][tasks] for r in rows if tasks in (r.get("values") or {})) if tasks else None,
        "tasks_total": (quota.get("total") or {}).get(tasks) if tasks else None,
        "body_target": stated.value if stated else None,
        "body_target_tolerance": stated.tolerance if stated else None,
        "body_quote": text[stated.start:stated.end] if stated else None,
        "body_start": stated.start if stated else None, "body_end": stated.end if stated else None,
        **_evidence(quota),
    }
