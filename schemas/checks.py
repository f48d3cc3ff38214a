"""Cross-field checks run on a finished record: what no single extractor can see alone.

Each `check_*` looks at one relation between fields and returns flags for a reviewer.
Flags an extractor already raised for the same field are not repeated, so running the
checks twice, or after an extractor that checks its own arithmetic, adds nothing new.
"""
from __future__ import annotations

import math
import re

from noticeflow.schemas.record import Flag, Quota, Record, Tier

TOLERANCE = 0.5  # yuan: percent shares are rounded to the yuan or the jiao in notices
_SUBTOTAL = re.compile(r"^\s*(?:合\s*计|总\s*计|小\s*计)")  # a sum row kept among the rows


def _flagged(record: Record, code: str, field: str | None = None) -> bool:
    """Whether `record.flags` already holds `code` (for `field` or a sub-path of it, when given)."""
    return any(
        f.code == code and (field is None or f.field == field or (f.field or "").startswith(field + "."))
        for f in record.flags
    )


def individual_fees(record: Record) -> list[float]:
    """The stated individual fees (a notice may set more than one, e.g. students vs adults)."""
    return [f.amount for f in record.fees if f.kind == "individual" and f.qualifier == "exact"]


def parse_tier_problem(tier: Tier, fees: list[float]) -> str | None:
    """Why a tier's figures do not add up under any stated fee, or None when one fee fits."""
    problems = []
    for fee in fees:
        problem = None
        if tier.subsidy_amount is not None and tier.individual_amount is not None:
            total = tier.subsidy_amount + tier.individual_amount
            if abs(total - fee) > TOLERANCE:
                problem = f"资助{tier.subsidy_amount:g}元与个人缴费{tier.individual_amount:g}元之和{total:g}元不等于缴费标准{fee:g}元"
        # both shares computed by the extractor from the percent (under its floor or cap: 最高不超过
        # 240元) leave no stated amount to disagree with
        computed_only = {"subsidy_amount", "individual_amount"} <= set(tier.derived)
        if problem is None and tier.subsidy_percent is not None and tier.subsidy_amount is not None \
                and not computed_only:
            computed = fee * tier.subsidy_percent / 100
            if tier.floor_amount is not None:
                computed = max(computed, tier.floor_amount)  # 低于280元按280元资助
            if abs(computed - tier.subsidy_amount) > TOLERANCE:
                problem = f"按{tier.subsidy_percent:g}%计算资助应为{computed:g}元，与{tier.subsidy_amount:g}元不符"
        if problem is None:
            return None
        problems.append(problem)
    return problems[0] if problems else None


def check_tiers(record: Record) -> list[Flag]:
    """tier_arithmetic: subsidy + individual share != fee, or percent x fee != the stated amount."""
    fees = individual_fees(record)
    flags = []
    for i, tier in enumerate(record.subsidy_tiers):
        field = f"subsidy_tiers[{i}]"
        if _flagged(record, "tier_arithmetic", field):
            continue
        problem = parse_tier_problem(tier, fees)
        if problem:
            flags.append(Flag(code="tier_arithmetic", severity="warning", field=field,
                              message=f"{tier.label}：{problem}"))
    return flags


def parse_column_sum(quota: Quota, column: str) -> int:
    """Sum of a column over the area rows (sum rows such as 小计 left out)."""
    return sum(r.values.get(column, 0) for r in quota.rows if not _SUBTOTAL.match(r.area))


def check_quota(record: Record) -> list[Flag]:
    """quota_sum_mismatch: a column whose rows do not add up to its 合计 row."""
    quota = record.quota_table
    if quota is None or not quota.total or _flagged(record, "quota_sum_mismatch"):
        return []
    flags = []
    for column, stated in quota.total.items():
        if not any(column in r.values for r in quota.rows):
            continue
        summed = parse_column_sum(quota, column)
        if not math.isclose(summed, stated):
            flags.append(Flag(code="quota_sum_mismatch", severity="warning",
                              field=f"quota_table.total.{column}",
                              message=f"任务表「{column}」各行之和{summed}与合计{stated}不符"))
    return flags


# field path -> (is it missing?, what the reviewer is told)
CORE_FIELDS = {
    "fees": (lambda r: not any(f.kind == "individual" for f in r.fees), "未找到个人缴费标准"),
    "policy_year": (lambda r: r.policy_year is None, "未找到缴费所属年度"),
    "periods": (lambda r: not r.periods, "未找到缴费期限"),
    "title": (lambda r: r.title is None, "未找到通知标题"),
}


def check_core(record: Record) -> list[Flag]:
    """missing_core_field: one flag per core field a collection notice should state."""
    if _flagged(record, "not_a_collection_notice"):
        return []  # not a notice: its core fields are empty on purpose
    return [
        Flag(code="missing_core_field", severity="warning", field=field, message=message)
        for field, (missing, message) in CORE_FIELDS.items()
        if missing(record) and not _flagged(record, "missing_core_field", field)
    ]


def check_categories(record: Record) -> list[Flag]:
    """unknown_category: a tier whose group matched no vocabulary entry."""
    flags = []
    for i, tier in enumerate(record.subsidy_tiers):
        field = f"subsidy_tiers[{i}]"
        if not tier.categories and not _flagged(record, "unknown_category", field):
            flags.append(Flag(code="unknown_category", severity="info", field=field,
                              message=f"资助对象「{tier.label}」未能归入已知类别"))
    return flags


REPEAT_MIN_LINE = 30    # characters: shorter lines (addressees, headings, signatures) may recur
REPEAT_SHARE = 0.5      # of the long lines' occurrences being repeats of one another


def check_repetition(record: Record) -> list[Flag]:
    """repeated_text: most long paragraphs occur more than once, as when a notice is pasted twice
    or a page is crawled with its text repeated; members and values may then be counted twice."""
    counts: dict[str, int] = {}
    for line in record.text.split("\n"):
        line = line.strip()
        if len(line) >= REPEAT_MIN_LINE:
            counts[line] = counts.get(line, 0) + 1
    total = sum(counts.values())
    if len(counts) < 3 or total - len(counts) < REPEAT_SHARE * total or _flagged(record, "repeated_text"):
        return []
    most = max(counts.values())
    return [Flag(code="repeated_text", severity="warning", field=None,
                 message=f"正文段落重复（同一段落最多出现{most}次）：可能是同一通知被重复粘贴，请核对")]


CHECKS = (check_tiers, check_quota, check_core, check_categories, check_repetition)
# The flag codes CHECKS raise: a caller that re-runs them on an edited record (the review app,
# after a correction) drops these first, since whether they hold may have changed.
CODES = frozenset({"tier_arithmetic", "quota_sum_mismatch", "missing_core_field", "unknown_category",
                   "repeated_text"})


def check(record: Record) -> list[Flag]:
    """Every cross-field flag for `record`, in CHECKS order; none duplicates one already present."""
    flags: list[Flag] = []
    for run in CHECKS:
        flags += run(record)
    return flags
