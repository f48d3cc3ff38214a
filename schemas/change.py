"""One difference between two policy records, as the diff stage reports it.

Kept beside the record contract so the warehouse `changes` table, the CLI and the reports
all read the same shape. Not exported from `schemas/__init__`: import from `schemas.change`.
"""
from __future__ import annotations

from typing import Literal, Union

from pydantic import Field

from noticeflow.schemas.types import Strict

Scope = Literal["year_over_year", "cross_county"]
ChangeKind = Literal["added", "removed", "changed"]
ChangeSeverity = Literal["alert", "notice", "info"]
Scalar = Union[bool, int, float, str, None]
"""A compared value: money, percent, ISO date, day of month, text or flag."""


class Change(Strict):
    scope: Scope
    left_doc: str | None = None
    right_doc: str | None = None
    field: str = Field(min_length=1, description='`fees[individual].amount`, `subsidy_tiers[低保对象].subsidy_amount`')
    kind: ChangeKind
    old: Scalar = None
    new: Scalar = None
    delta: Union[int, float, None] = Field(default=None, description="new - old (yuan, percent points, people, days)")
    delta_percent: float | None = Field(default=None, description="delta / old x 100, one decimal")
    severity: ChangeSeverity
    message: str = Field(min_length=1, description="中文一句话")
    left_quote: str | None = None
    right_quote: str | None = None
