"""What later extractors need from earlier ones (the fee for tier arithmetic, the year for dates)."""
from __future__ import annotations

from dataclasses import dataclass, field

from noticeflow.schemas import Flag


@dataclass
class Context:
    policy_year: int | None = None
    issue_year: int | None = None  # year of the 落款/印发 date, when written
    individual_fee: float | None = None
    fees: list = field(default_factory=list)  # every Fee found (grades: a tier may name one)
    county: str | None = None
    flags: list[Flag] = field(default_factory=list)

    @property
    def collection_year(self) -> int | None:
        """Collection runs in the year before the policy year (contract: dates without a year)."""
        if self.policy_year:
            return self.policy_year - 1
        return self.issue_year
