"""Properties of the comparison over generated records: no change against itself, and
A->B mirrors B->A (added<->removed, old<->new, delta negated, quotes swapped)."""
from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings, strategies as st

from noticeflow.diff.compare import compare
from noticeflow.schemas.change import Change

CATEGORIES = ["特困人员", "孤儿", "低保对象", "返贫致贫人口", "监测对象", "脱贫不稳定人口", "重度残疾人"]
TOWNS = ["凤城", "北留", "西河", "寺头", "蟒河", "龙潭"]
DEPARTMENTS = ["医疗保障局", "税务局", "民政局", "财政局"]
money = st.integers(min_value=0, max_value=600)
quote = st.text(alphabet="缴费标准为元年月日380400(),、", min_size=1, max_size=12)


def evidence(q: str | None) -> dict | None:
    return None if q is None else {"start": 0, "end": len(q), "quote": q}


fees = st.lists(st.builds(
    lambda kind, amount, qualifier, change, q: {"kind": kind, "amount": amount, "qualifier": qualifier,
                                               "change": change, "evidence": evidence(q)},
    st.sampled_from(["individual", "fiscal_subsidy"]), money, st.sampled_from(["exact", "at_least"]),
    st.none() | st.integers(0, 50), quote), max_size=3)

tiers = st.lists(st.builds(
    lambda label, cats, mode, sub, pct, ind, pay, src, q: {
        "label": label, "categories": cats, "mode": mode, "subsidy_amount": sub, "subsidy_percent": pct,
        "individual_amount": ind, "floor_amount": None, "pay_first": pay, "funding_source": src,
        "derived": [], "evidence": evidence(q)},
    st.sampled_from(["低保对象", "特困人员等", "困难群众"]), st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True),
    st.sampled_from(["full", "fixed", "percent", "unchanged"]), st.none() | money,
    st.none() | st.integers(0, 100), st.none() | money, st.booleans(),
    st.none() | st.sampled_from(["医疗救助基金", "县财政"]), quote), max_size=4)


@st.composite
def periods(draw) -> list[dict]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["collection", "concentrated_collection", "monthly_window", "deadline", "extension"]))
        p = {"kind": kind, "start": None, "end": None, "day_from": None, "day_to": None,
             "applies_to": draw(st.none() | st.sampled_from(["困难群众", "外出务工人员"])), "evidence": evidence(draw(quote))}
        if kind == "monthly_window":
            p["day_from"], p["day_to"] = 1, draw(st.integers(10, 31))
        else:
            year = draw(st.sampled_from([2022, 2023, 2024]))
            start = draw(st.none() | st.dates(min_value=__import__("datetime").date(year, 1, 1),
                                               max_value=__import__("datetime").date(year, 12, 31)))
            end = draw(st.none() | st.dates(min_value=__import__("datetime").date(year, 1, 1),
                                             max_value=__import__("datetime").date(year + 1, 3, 31)))
            p["start"], p["end"] = (start and start.isoformat()), (end and end.isoformat())
        out.append(p)
    return out


@st.composite
def quota_tables(draw) -> dict | None:
    if draw(st.booleans()):
        return None
    rows = []
    for i, town in enumerate(draw(st.lists(st.sampled_from(TOWNS), max_size=5, unique=True)), 1):
        area = town + draw(st.sampled_from(["镇", "乡"]))
        if draw(st.integers(0, 4)) == 0:
            area += f"(含原{draw(st.sampled_from(TOWNS))}乡)"
        rows.append({"seq": i, "area": area, "values": {"任务数": draw(st.integers(0, 90000))},
                     "note": None, "evidence": evidence(draw(quote))})
    return {"title": draw(st.none() | st.sampled_from(["任务表", "2025年度任务表"])), "unit": "人",
            "columns": ["任务数"], "rows": rows,
            "total": {"任务数": sum(r["values"]["任务数"] for r in rows)}, "evidence": evidence("任务表")}


@st.composite
def records(draw) -> dict:
    year = draw(st.sampled_from([2023, 2024, 2025]))
    return {
        "doc_id": draw(st.sampled_from(["a" * 64, "b" * 64])),
        "region": {"county": draw(st.sampled_from(["阳城县", "阳城县", "随县"]))},
        "title": {"value": draw(st.sampled_from(["关于做好征缴工作的通知", "关于做好2025年度征缴工作的通知"])), "evidence": None},
        "doc_number": draw(st.none() | st.sampled_from(["阳政办发〔2023〕71号", "阳政办发〔2024〕58号"])),
        "policy_year": {"value": year, "evidence": None},
        "issue_date": draw(st.none() | st.sampled_from(["2023-09-19", "2024-02-29", "2024-09-12"])),
        "fees": draw(fees), "subsidy_tiers": draw(tiers), "periods": draw(periods()),
        "departments": [{"name": n, "as_written": n, "level": "county", "duties": draw(st.sampled_from(["宣传", "征缴2024年"])),
                        "evidence": None} for n in draw(st.lists(st.sampled_from(DEPARTMENTS), max_size=3, unique=True))],
        "targets": [{"metric": "参保率", "population": pop, "percent": draw(st.integers(80, 100)), "evidence": None}
                    for pop in draw(st.lists(st.none() | st.just("困难群众"), max_size=2, unique=True))],
        "quota_table": draw(quota_tables()),
    }


MIRROR_KIND = {"added": "removed", "removed": "added", "changed": "changed"}


def mirrored(c: Change) -> tuple:
    delta = None if c.delta is None else -c.delta
    return (c.field, MIRROR_KIND[c.kind], c.new, c.old, delta, c.right_quote, c.left_quote, c.right_doc, c.left_doc)


def plain(c: Change) -> tuple:
    return (c.field, c.kind, c.old, c.new, c.delta, c.left_quote, c.right_quote, c.left_doc, c.right_doc)


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(records())
def test_a_record_against_itself_has_no_change(record: dict) -> None:
    assert compare(record, record) == []


@FAST
@given(records(), records())
def test_a_to_b_mirrors_b_to_a(a: dict, b: dict) -> None:
    forward, backward = compare(a, b), compare(b, a)
    assert Counter(mirrored(c) for c in forward) == Counter(plain(c) for c in backward)
    assert {c.scope for c in forward} == {c.scope for c in backward}


@FAST
@given(records(), records())
def test_changes_are_well_formed(a: dict, b: dict) -> None:
    for c in compare(a, b):
        assert (c.kind == "added") == (c.old is None) and (c.kind == "removed") == (c.new is None)
        assert c.message and c.severity in ("alert", "notice", "info")
        if c.delta is not None and isinstance(c.old, (int, float)) and isinstance(c.new, (int, float)) \
                and not isinstance(c.old, bool):
            assert c.delta == c.new - c.old
