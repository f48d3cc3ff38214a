"""schemas.checks: each cross-field flag fires on a broken record and stays quiet on a sound one."""
from __future__ import annotations

import pytest

from noticeflow.schemas import Evidence, Fee, Flag, Period, Quota, QuotaRow, Record, Source, Text, Tier, Year
from noticeflow.schemas.checks import check

TEXT = "关于做好2024年度城乡居民基本医疗保险征缴工作的通知\n个人缴费标准为380元。"
EV = Evidence(start=0, end=2, quote=TEXT[:2])


def tier(**kw) -> Tier:
    base = dict(label="低保对象", categories=["低保对象"], mode="fixed", evidence=EV)
    return Tier(**{**base, **kw})


def record(**kw) -> Record:
    """A sound record (no check fires); keyword arguments replace its fields."""
    base = dict(
        doc_id="0" * 64,
        source=Source(path="x.txt", format="txt", encoding="utf-8", size_bytes=10),
        text=TEXT,
        title=Text(value="关于做好2024年度城乡居民基本医疗保险征缴工作的通知", evidence=EV),
        policy_year=Year(value=2024, evidence=EV),
        fees=[Fee(kind="individual", amount=380, evidence=EV)],
        periods=[Period(kind="collection", start="2023-09-01", end="2023-12-31", evidence=EV)],
        subsidy_tiers=[tier(subsidy_amount=280, individual_amount=100)],
    )
    return Record(**{**base, **kw})


def quota(rows: list[tuple[str, int]], total: int, column: str = "任务数") -> Quota:
    return Quota(columns=[column], rows=[QuotaRow(seq=i + 1, area=a, values={column: v}) for i, (a, v) in enumerate(rows)],
                 total={column: total}, evidence=EV)


def codes(rec: Record) -> list[tuple[str, str | None]]:
    return sorted((f.code, f.field) for f in check(rec))


def test_sound_record_has_no_flags() -> None:
    assert check(record()) == []


# ---------------------------------------------------------------- tier_arithmetic

def test_tier_sum_differs_from_fee() -> None:
    rec = record(subsidy_tiers=[tier(), tier(subsidy_amount=280, individual_amount=90)])
    flags = check(rec)
    assert [(f.code, f.field, f.severity) for f in flags] == [("tier_arithmetic", "subsidy_tiers[1]", "warning")]
    assert "380" in flags[0].message and "370" in flags[0].message


def test_tier_percent_disagrees_with_amount() -> None:
    rec = record(subsidy_tiers=[tier(mode="percent", subsidy_percent=80, subsidy_amount=300, individual_amount=80)])
    assert codes(rec) == [("tier_arithmetic", "subsidy_tiers[0]")]


def test_tier_percent_floor_rule_is_not_an_error() -> None:
    # 80% x 320 = 256, but "低于280元按280元资助": 280 is right.
    rec = record(fees=[Fee(kind="individual", amount=320, evidence=EV)],
                 subsidy_tiers=[tier(mode="percent", subsidy_percent=80, floor_amount=280,
                                     subsidy_amount=280, individual_amount=40)])
    assert check(rec) == []


def test_tier_percent_consistent() -> None:
    rec = record(subsidy_tiers=[tier(mode="percent", subsidy_percent=90, subsidy_amount=342, individual_amount=38)])
    assert check(rec) == []


def test_tier_matches_one_of_several_fees() -> None:
    fees = [Fee(kind="individual", amount=380, evidence=EV), Fee(kind="individual", amount=350, evidence=EV)]
    assert check(record(fees=fees, subsidy_tiers=[tier(subsidy_amount=250, individual_amount=100)])) == []


def test_tier_without_fee_or_one_side_is_not_checked() -> None:
    assert check(record(fees=[Fee(kind="fiscal_subsidy", amount=640, evidence=EV)],
                        subsidy_tiers=[tier(subsidy_amount=1, individual_amount=1)])) == [
        Flag(code="missing_core_field", severity="warning", field="fees", message="未找到个人缴费标准")]
    assert check(record(subsidy_tiers=[tier(mode="unchanged")])) == []


def test_tier_already_flagged_by_extractor_is_not_repeated() -> None:
    existing = Flag(code="tier_arithmetic", severity="warning", field="subsidy_tiers[0]", message="x")
    rec = record(subsidy_tiers=[tier(subsidy_amount=280, individual_amount=90),
                                tier(subsidy_amount=200, individual_amount=90)], flags=[existing])
    assert codes(rec) == [("tier_arithmetic", "subsidy_tiers[1]")]


# ---------------------------------------------------------------- quota_sum_mismatch

def test_quota_rows_do_not_add_up() -> None:
    rec = record(quota_table=quota([("甲镇", 100), ("乙镇", 200)], 310))
    flags = check(rec)
    assert [(f.code, f.field) for f in flags] == [("quota_sum_mismatch", "quota_table.total.任务数")]
    assert "300" in flags[0].message and "310" in flags[0].message


def test_quota_rows_add_up() -> None:
    assert check(record(quota_table=quota([("甲镇", 100), ("乙镇", 200)], 300))) == []


def test_quota_subtotal_rows_are_not_summed_twice() -> None:
    assert check(record(quota_table=quota([("甲镇", 100), ("乙镇", 200), ("小计", 300)], 300))) == []


def test_quota_mismatch_already_flagged_is_not_repeated() -> None:
    existing = Flag(code="quota_sum_mismatch", severity="warning", field="quota_table", message="x")
    assert check(record(quota_table=quota([("甲镇", 1)], 2), flags=[existing])) == []


# ---------------------------------------------------------------- missing_core_field

@pytest.mark.parametrize("field, empty", [
    ("fees", []), ("policy_year", None), ("periods", []), ("title", None),
])
def test_missing_core_field(field: str, empty) -> None:
    flags = check(record(**{field: empty}))
    assert [(f.code, f.field, f.severity) for f in flags] == [("missing_core_field", field, "warning")]


def test_missing_core_fields_each_flagged() -> None:
    rec = record(fees=[], policy_year=None, periods=[], title=None, subsidy_tiers=[])
    assert codes(rec) == sorted(("missing_core_field", f) for f in ("fees", "policy_year", "periods", "title"))


def test_not_a_notice_gets_no_missing_core_field() -> None:
    nan = Flag(code="not_a_collection_notice", severity="warning", message="不是征缴通知")
    rec = record(fees=[], policy_year=None, periods=[], title=None, subsidy_tiers=[], flags=[nan])
    assert check(rec) == []


# ---------------------------------------------------------------- unknown_category

def test_tier_without_categories() -> None:
    rec = record(subsidy_tiers=[tier(subsidy_amount=280, individual_amount=100),
                                tier(label="其他困难人员", categories=[], mode="full",
                                     subsidy_amount=380, individual_amount=0)])
    flags = check(rec)
    assert [(f.code, f.field, f.severity) for f in flags] == [("unknown_category", "subsidy_tiers[1]", "info")]
    assert "其他困难人员" in flags[0].message


def test_unknown_category_already_flagged_is_not_repeated() -> None:
    existing = Flag(code="unknown_category", severity="info", field="subsidy_tiers[0]", message="x")
    rec = record(subsidy_tiers=[tier(categories=[], subsidy_amount=280, individual_amount=100)], flags=[existing])
    assert check(rec) == []


def test_check_is_idempotent() -> None:
    rec = record(subsidy_tiers=[tier(categories=[], subsidy_amount=1, individual_amount=1)],
                 quota_table=quota([("甲镇", 1)], 2), periods=[])
    first = check(rec)
    rec.flags = first
    assert first and check(rec) == []


# ---------------------------------------------------------------- seeds: exactly the gold flags

SCORED = {"region_conflict", "quota_sum_mismatch", "quota_total_mismatch", "tier_arithmetic",
          "not_a_collection_notice"}


def _seeds() -> list:
    from conftest import SHARED
    return sorted((SHARED / "seeds").glob("*.txt")) if (SHARED / "gold").is_dir() else []


@pytest.mark.parametrize("path", _seeds(), ids=lambda p: p.stem[:3])
def test_seed_gets_exactly_gold_flags(path) -> None:
    import json

    from conftest import SHARED
    from noticeflow.flows.extract import extract_file

    gold = json.loads((SHARED / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))
    rec = extract_file(path)
    assert sorted({f.code for f in rec.flags} & SCORED) == sorted(gold["expected_flags"])
    assert not [f for f in rec.flags if f.code == "missing_core_field"], rec.flags
