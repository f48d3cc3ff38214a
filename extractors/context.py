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
    garbles: dict[str, str] = field(default_factory=dict)  # misread county name -> the county
    flags: list[Flag] = field(default_factory=list)

    @property
    def collection_year(self) -> int | None:
        """Collection runs in the year before the policy year (contract: dates without a year)."""
        if self.policy_year:
            return self.policy_year - 1
        return self.issue_year

    def note_capped(self, field_name: str, read: int, what: str) -> None:
        """A text holding more statements of one kind than any notice does (a notice pasted
        thousands of times, a generated text): the first `read` were read, the rest not. Said in
        a flag rather than working on: every extractor's work stays bounded by these caps."""
        self.flags.append(Flag(code="extraction_capped", severity="warning", field=field_name,
                               message=f"文本过长：只读取了前{read}处{what}，其后未读"))
