"""The contract: Pydantic models every other layer reads and writes. Imports nothing of ours."""
from noticeflow.schemas.record import (
    SCHEMA_VERSION, CitedDocument, Duty, Fee, Flag, Member, Period, Quota, QuotaRow, Record,
    Region, Source, Target, Tier, iter_evidence,
)
from noticeflow.schemas.types import Day, Evidence, Text, Year

__all__ = [
    "SCHEMA_VERSION", "CitedDocument", "Day", "Duty", "Evidence", "Fee", "Flag", "Member",
    "Period", "Quota", "QuotaRow", "Record", "Region", "Source", "Target", "Text", "Tier",
    "Year", "iter_evidence",
]
