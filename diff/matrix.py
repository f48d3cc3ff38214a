"""County x field matrix: who charges what, who subsidises 低保对象 more.

`matrix(records)` lines records up side by side on the fields analysts compare across
counties: the fees, then for every canonical category any county names, its subsidy and the
individual share. A county that does not name a category has a gap (None), never a guess.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from noticeflow.diff.compare import FEE_LABELS, as_dict, county_of, doc_of, tier_entries, year_of

TIER_COLUMNS = (("subsidy_amount", "资助金额"), ("individual_amount", "个人缴费"))
UNCHANGED = "原政策"  # a tier that keeps the previous policy states no figure


@dataclass(frozen=True)
class Row:
    field: str  # `subsidy_tiers[低保对象].subsidy_amount`
    label: str  # `低保对象 资助金额`
    values: tuple[Any, ...]  # one per county, None where the county does not say


@dataclass(frozen=True)
class Matrix:
    counties: tuple[str, ...]
    years: tuple[int | None, ...]
    rows: tuple[Row, ...]

    def as_json(self) -> dict:
        return {
            "counties": list(self.counties), "policy_years": list(self.years),
            "rows": [
                {"field": r.field, "label": r.label, "values": dict(zip(self.counties, r.values))}
                for r in self.rows
            ],
        }


def tier_cell(tier: dict | None, attr: str) -> Any:
    if tier is None:
        return None
    value = tier.get(attr)
    if value is None and tier.get("mode") == "unchanged":
        return UNCHANGED
    if attr == "subsidy_amount" and tier.get("mode") == "percent" and tier.get("subsidy_percent") is not None:
        return f"{value if value is not None else '?'}（{tier['subsidy_percent']}%）"
    return value


def matrix(records: list[Any]) -> Matrix:
    """Rows in contract order: fees, then categories in order of first appearance."""
    recs = [as_dict(r) for r in records]
    names = [county_of(r) or (doc_of(r) or "?")[:12] for r in recs]
    counties = tuple(f"{n}#{names[:i].count(n) + 1}" if names.count(n) > 1 else n for i, n in enumerate(names))
    rows: list[Row] = []
    for kind, label in FEE_LABELS.items():
        cells = tuple(next((f.get("amount") for f in r.get("fees") or [] if f.get("kind") == kind), None) for r in recs)
        if any(c is not None for c in cells):
            rows.append(Row(f"fees[{kind}].amount", label, cells))
    entries = [tier_entries(r.get("subsidy_tiers") or []) for r in recs]
    categories: list[str] = []
    for e in entries:
        categories += [c for c in e if c not in categories and "#" not in c]
    for cat in categories:
        for attr, label in TIER_COLUMNS:
            rows.append(Row(f"subsidy_tiers[{cat}].{attr}", f"{cat} {label}", tuple(tier_cell(e.get(cat), attr) for e in entries)))
    return Matrix(counties, tuple(year_of(r) for r in recs), tuple(rows))
