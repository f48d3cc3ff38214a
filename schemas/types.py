"""Reusable field types of the contract: money, ISO dates, adcodes, evidence."""
from __future__ import annotations

import datetime as _dt
from typing import Annotated, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


_new_object = BaseModel.__new__
_set = object.__setattr__  # what pydantic's model_construct does, minus its per-field loop


class Strict(BaseModel):
    """Base of every contract model: unknown keys are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _tidy_number(v: Union[int, float]) -> Union[int, float]:
    # 350.0 and 350 are the same yuan; emit the int so JSON reads `350`.
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return round(v, 2) if isinstance(v, float) else v


def _iso_date(v: str) -> str:
    _dt.date.fromisoformat(v)  # raises ValueError on 2023-02-30
    if len(v) != 10:
        raise ValueError("date must be YYYY-MM-DD")
    return v


def _adcode(v: str) -> str:
    if len(v) != 6 or not v.isdigit():
        raise ValueError("adcode is 6 digits (GB/T 2260)")
    return v


Money = Annotated[Union[int, float], Field(ge=0, le=100_000), AfterValidator(_tidy_number)]
"""Yuan per person per year."""

Percent = Annotated[Union[int, float], Field(ge=0, le=100), AfterValidator(_tidy_number)]
ISODate = Annotated[str, AfterValidator(_iso_date)]
Adcode = Annotated[str, AfterValidator(_adcode)]


class Evidence(Strict):
    """Where a value came from: `quote == record.text[start:end]` (checked on the record)."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str

    @model_validator(mode="after")
    def _consistent(self) -> "Evidence":
        if self.end < self.start:
            raise ValueError("evidence end before start")
        if len(self.quote) != self.end - self.start:
            raise ValueError("evidence quote length differs from end - start")
        return self

    @classmethod
    def of_slice(cls, text: str, start: int, end: int) -> "Evidence":
        """Evidence for text[start:end] without running the validators: ~47 per notice are
        built by the extractors, where the bounds and the quote hold by construction. Anything
        else (bad bounds, non-int offsets) goes through full validation, so it fails the same
        way; and the record's grounding check still compares every quote with its text."""
        if type(start) is not int or type(end) is not int or not 0 <= start <= end <= len(text):
            return cls(start=start, end=end, quote=text[start:end])
        ev = _new_object(cls)
        _set(ev, "__dict__", {"start": start, "end": end, "quote": text[start:end]})
        _set(ev, "__pydantic_fields_set__", {"start", "end", "quote"})
        _set(ev, "__pydantic_extra__", None)
        _set(ev, "__pydantic_private__", None)
        return ev


class Text(Strict):
    value: str = Field(min_length=1)
    evidence: Evidence | None = None


class Year(Strict):
    value: int = Field(ge=1990, le=2100)
    evidence: Evidence | None = None


class Day(Strict):
    value: ISODate
    evidence: Evidence | None = None
