"""The policy record, contract v1.1 (`../shared/spec/record.md`). Source of truth inside the project."""
from __future__ import annotations

from typing import Any, Iterator, Literal, get_args

from pydantic import Field, ValidationInfo, model_validator

from noticeflow.schemas.types import Adcode, Day, Evidence, ISODate, Money, Percent, Strict, Text, Year

SCHEMA_VERSION = "1.1"

FeeKind = Literal["individual", "fiscal_subsidy"]
TierMode = Literal["full", "fixed", "percent", "unchanged"]
PeriodKind = Literal[
    "collection", "concentrated_collection", "monthly_window", "extension",
    "benefit", "suspension", "deadline",
]
Severity = Literal["info", "warning", "error"]
FlagCode = Literal[
    "quota_sum_mismatch", "quota_total_mismatch", "tier_arithmetic", "region_conflict",
    "missing_core_field", "not_a_collection_notice", "unknown_category", "unknown_department",
    "region_unresolved", "needs_ocr", "decoding_fallback", "low_ocr_confidence",
    "sources_disagree", "invisible_text",
    "repeated_text", "extraction_capped",
]


SourceFormat = Literal["txt", "pdf", "html", "docx", "doc", "xlsx", "xls", "image"]


class Source(Strict):
    path: str
    format: SourceFormat
    encoding: str | None = None
    size_bytes: int = Field(ge=0)
    pages: int | None = Field(default=None, ge=0)
    ocr: bool = False                       # any of the text came from OCR
    published: ISODate | None = None        # a web page's 发布时间
    attachments: list[str] = Field(default_factory=list)  # files whose text was appended


class Region(Strict):
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: Adcode | None = None
    evidence: Evidence | None = None


class CitedDocument(Strict):
    doc_number: str | None = None
    title: str | None = None
    evidence: Evidence


class Fee(Strict):
    kind: FeeKind
    amount: Money
    qualifier: Literal["exact", "at_least"] = "exact"
    change: Money | None = None
    applies_to: str | None = None           # the grade (一档) or group (学生儿童) as written; None: everyone
    evidence: Evidence


class Tier(Strict):
    label: str
    categories: list[str] = Field(default_factory=list)
    mode: TierMode
    subsidy_amount: Money | None = None
    subsidy_percent: Percent | None = None
    individual_amount: Money | None = None
    floor_amount: Money | None = None
    pay_first: bool = False
    funding_source: str | None = None
    derived: list[Literal["subsidy_amount", "individual_amount", "subsidy_percent"]] = Field(
        default_factory=list
    )
    evidence: Evidence


class Period(Strict):
    kind: PeriodKind
    start: ISODate | None = None
    end: ISODate | None = None
    day_from: int | None = Field(default=None, ge=1, le=31)
    day_to: int | None = Field(default=None, ge=1, le=31)
    applies_to: str | None = None
    evidence: Evidence

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"period starts {self.start} after it ends {self.end}")
        return self


class Duty(Strict):
    name: str
    as_written: str
    level: Literal["county", "township"]
    duties: str | None = None
    evidence: Evidence


class Member(Strict):
    role: str
    name: str
    title: str | None = None
    evidence: Evidence | None = None


class QuotaRow(Strict):
    seq: int | None = None
    area: str
    values: dict[str, int]
    note: str | None = None
    evidence: Evidence | None = None


class Quota(Strict):
    title: str | None = None
    unit: str | None = None                 # always 人 once read: values are persons
    unit_as_written: str | None = None      # 万人 when the table was headed so; None when in persons
    columns: list[str]
    rows: list[QuotaRow]
    total: dict[str, int] | None = None
    evidence: Evidence


class Target(Strict):
    metric: str
    population: str | None = None
    percent: Percent
    evidence: Evidence


class Flag(Strict):
    code: FlagCode
    severity: Severity
    field: str | None = None
    message: str


class Record(Strict):
    schema_version: Literal["1.1"] = SCHEMA_VERSION
    doc_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    source: Source
    text: str
    title: Text | None = None
    doc_number: Text | None = None
    issuer: Text | None = None
    co_issuers: list[Text] = Field(default_factory=list)
    region: Region | None = None
    policy_year: Year | None = None
    issue_date: Day | None = None
    print_date: Day | None = None
    cited_documents: list[CitedDocument] = Field(default_factory=list)
    fees: list[Fee] = Field(default_factory=list)
    subsidy_tiers: list[Tier] = Field(default_factory=list)
    periods: list[Period] = Field(default_factory=list)
    departments: list[Duty] = Field(default_factory=list)
    leadership: list[Member] = Field(default_factory=list)
    quota_table: Quota | None = None
    targets: list[Target] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> "Record":
        if info.field_name not in (None, "text") and info.field_name not in _walk_plan(Record):
            return self  # assigning a field that holds no evidence (flags, source…) changes nothing
        text = self.text
        if _all_grounded(text, self):
            return self
        bad = [
            f"{path}: {ev.quote!r} != text[{ev.start}:{ev.end}]"
            for path, ev in iter_evidence(self)
            if text[ev.start:ev.end] != ev.quote
        ]
        raise ValueError("evidence not grounded in text: " + "; ".join(bad[:5]))


_PLANS: dict[type, tuple[str, ...]] = {}


def _holds_evidence(annotation: Any, seen: frozenset = frozenset()) -> bool:
    """Whether a field typed `annotation` can hold an Evidence (directly, in a list or a model)."""
    if isinstance(annotation, type) and issubclass(annotation, Strict):
        if issubclass(annotation, Evidence):
            return True
        if annotation in seen:
            return False
        return any(_holds_evidence(f.annotation, seen | {annotation})
                   for f in annotation.model_fields.values())
    return any(_holds_evidence(a, seen) for a in get_args(annotation))


def _walk_plan(cls: type) -> tuple[str, ...]:
    """The fields of model `cls` that can hold evidence, worked out once from the annotations:
    the grounding walk visits only those (a record has ~500 values, ~50 of them evidence)."""
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = tuple(n for n, f in cls.model_fields.items() if _holds_evidence(f.annotation))
    return plan


def _all_grounded(text: str, obj: Any) -> bool:
    """Whether every evidence under `obj` (a model or a list) quotes text[start:end]: the hot
    path of validation, run on every record."""
    if isinstance(obj, Evidence):
        return text[obj.start:obj.end] == obj.quote
    if isinstance(obj, list):
        for item in obj:
            if isinstance(item, (Strict, list)) and not _all_grounded(text, item):
                return False
        return True
    values = obj.__dict__
    plan = _PLANS.get(obj.__class__)
    for name in (_walk_plan(obj.__class__) if plan is None else plan):
        v = values.get(name)
        if v is None:
            continue
        if v.__class__ is Evidence:
            if text[v.start:v.end] != v.quote:
                return False
        elif isinstance(v, (Strict, list)) and not _all_grounded(text, v):
            return False
    return True


def iter_evidence(obj: Any, path: str = "") -> Iterator[tuple[str, Evidence]]:
    """Every evidence in a record with its field path (`subsidy_tiers[2].evidence`)."""
    if isinstance(obj, Evidence):
        yield path, obj
    elif isinstance(obj, Strict):
        for name, value in obj.__dict__.items():
            if isinstance(value, (Strict, list)):
                yield from iter_evidence(value, f"{path}.{name}" if path else name)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            if isinstance(item, (Strict, list)):
                yield from iter_evidence(item, f"{path}[{i}]")
