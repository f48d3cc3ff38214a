"""Label Studio JSON tasks: export extractions as pre-annotations, import reviewed annotations.

Each extracted element with evidence becomes a `labels` region on the notice text (label = the
record section, `fees`, `title`, ...); its values ride along in the region's `meta.text[0]` as
JSON, so a reviewer in Label Studio can delete a wrong region, move a span, edit the values, or
draw a new region. Importing turns the differences into ordinary corrections (same log, same
validation) attributed to `labelstudio:<annotator>`.
"""
from __future__ import annotations

import json
from typing import Any

from noticeflow.schemas import Record, iter_evidence
from noticeflow.warehouse import corrections as log

FROM, TO = "label", "text"
SECTIONS = ("title", "doc_number", "issuer", "policy_year", "issue_date", "print_date", "region",
            "cited_documents", "fees", "subsidy_tiers", "periods", "departments", "leadership",
            "quota_table", "targets")
WRAPPERS = ("title", "doc_number", "issuer", "policy_year", "issue_date", "print_date")


def label_config() -> str:
    """The labelling interface to paste into a Label Studio project."""
    labels = "".join(f'<Label value="{s}"/>' for s in SECTIONS)
    return (f'<View><Labels name="{FROM}" toName="{TO}">{labels}</Labels>'
            f'<Text name="{TO}" value="$text" granularity="symbol"/></View>')


def _region_id(path: str) -> str:
    return path.replace("[", "-").replace("]", "").replace(".", "_")


def regions(record: dict) -> list[dict]:
    """One `labels` result per evidence span of the record (quota rows are left to the table)."""
    out = []
    for path, ev in iter_evidence(Record.model_validate(record)):
        path = path[: -len(".evidence")]
        section = path.split("[")[0].split(".")[0]
        if section not in SECTIONS or path.startswith("quota_table.rows"):
            continue
        value = log.get_path(record, log.parse_path(path))
        value = {k: v for k, v in value.items() if k != "evidence"} if isinstance(value, dict) else value
        if section in WRAPPERS:
            value = value.get("value")
        out.append({"id": _region_id(path), "from_name": FROM, "to_name": TO, "type": "labels",
                    "value": {"start": ev.start, "end": ev.end, "text": ev.quote, "labels": [section]},
                    "meta": {"text": [json.dumps({"path": path, "value": value}, ensure_ascii=False)]}})
    return out


def export_tasks(items: list[tuple[str, dict]], model_version: str = "noticeflow") -> list[dict]:
    """Tasks for (notice_key, effective record) pairs, extractions as predictions."""
    return [{"id": i + 1,
             "data": {"text": rec.get("text", ""), "notice_key": key, "doc_id": rec.get("doc_id"),
                      "title": ((rec.get("title") or {}).get("value"))},
             "predictions": [{"model_version": model_version, "result": regions(rec)}]}
            for i, (key, rec) in enumerate(items)]


def _payload(region: dict) -> dict | None:
    try:
        return json.loads(((region.get("meta") or {}).get("text") or [None])[0])
    except (TypeError, ValueError):
        return None


def changes_for(eff: dict, task: dict) -> tuple[list[tuple], list[str]]:
    """Corrections (op, path, value, evidence) that turn `eff` into the task's latest annotation."""
    anns = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if not anns:
        return [], []
    result = [r for r in anns[-1].get("result") or [] if r.get("type") == "labels"]
    predicted = {r["id"]: r for r in regions(eff)}
    seen, sets, adds, deletes, notes = set(), [], [], [], []
    for r in result:
        rid, val = r.get("id"), r.get("value") or {}
        payload = _payload(r)
        if rid in predicted:
            seen.add(rid)
            p = _payload(predicted[rid])
            path, old = p["path"], p["value"]
            new = payload["value"] if payload and "value" in payload else old
            if section_of(path) in WRAPPERS:
                if new != old:
                    sets.append(("set", f"{path}.value", new, None))
            elif isinstance(old, dict) and isinstance(new, dict):
                for k in sorted(set(old) | set(new)):
                    if new.get(k) != old.get(k):
                        sets.append(("set", f"{path}.{k}", new.get(k), None))
            pv = predicted[rid]["value"]
            if (val.get("start"), val.get("end")) != (pv["start"], pv["end"]):
                s, e = val.get("start"), val.get("end")
                text = eff.get("text", "")
                if isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text):
                    sets.append(("set", f"{path}.evidence", {"start": s, "end": e, "quote": text[s:e]}, None))
            continue
        label = (val.get("labels") or [None])[0]
        span = (val.get("start"), val.get("end"))
        if label in WRAPPERS:
            value = payload.get("value") if payload else val.get("text")
            adds.append(("add", label, value, span))
        elif label in log._LIST_FIELDS and payload and isinstance(payload.get("value"), dict):
            adds.append(("add", label, {k: v for k, v in payload["value"].items() if k != "evidence"}, span))
        else:
            notes.append(f"region {rid} ({label}) has no values in meta: skipped")
    for rid, r in predicted.items():
        path = _payload(r)["path"]
        if rid not in seen and "[" in path and path.endswith("]"):
            deletes.append(("delete", path, None, None))
    deletes.sort(key=lambda c: [int(x) for x in c[1].replace("]", "").split("[")[1:]], reverse=True)
    return sets + adds + deletes, notes


def section_of(path: str) -> str:
    return path.split("[")[0].split(".")[0]


def import_tasks(con, tasks: list[dict]) -> tuple[int, list[str]]:
    """Append corrections for every annotated task; returns (corrections written, notes)."""
    written, notes = 0, []
    for task in tasks:
        key = (task.get("data") or {}).get("notice_key")
        extracted = log.extraction(con, key) if key else None
        if extracted is None:
            notes.append(f"task {task.get('id')}: notice {key!r} is not in this warehouse")
            continue
        eff = log.apply_corrections(extracted, log.load(con, key)).record
        changes, n = changes_for(eff, task)
        notes += [f"task {task.get('id')}: {x}" for x in n]
        anns = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        who = str((anns[-1].get("completed_by") if anns else None) or "annotator")
        try:
            made = log.propose_many(con, key, extracted, changes, f"labelstudio:{who}"[:64],
                                    "imported from Label Studio")
        except log.CorrectionError as e:
            notes.append(f"task {task.get('id')}: not imported: {e}")
            continue
        written += len(made)
        if made:
            log.refresh(con, key)
    return written, notes


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)
