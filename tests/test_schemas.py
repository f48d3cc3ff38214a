"""The contract models: what they refuse, and that they serialise to exactly the contract's shape."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pydantic import ValidationError

from conftest import ROOT, SHARED
from noticeflow.schemas import Day, Evidence, Fee, Flag, Period, Record, Region, Source, Text, Tier

TEXT = "阳城县人民政府办公室\n2024年度个人缴费标准为380元/人。"
def _spec_top_level() -> set[str]:
    """The field names of the contract's "Top level" table (`../shared/spec/record.md`)."""
    spec = (SHARED / "spec" / "record.md").read_text(encoding="utf-8")
    section = spec.split("## Top level", 1)[1].split("\n## ", 1)[0]
    return {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}


CONTRACT_KEYS = _spec_top_level()


def ev(quote: str, text: str = TEXT) -> Evidence:
    start = text.index(quote)
    return Evidence(start=start, end=start + len(quote), quote=quote)


def record(**kw) -> Record:
    base = dict(doc_id="a" * 64, source=Source(path="n.txt", format="txt", encoding="utf-8", size_bytes=64),
                text=TEXT)
    return Record(**{**base, **kw})


def full_record() -> Record:
    return record(
        issuer=Text(value="阳城县人民政府办公室", evidence=ev("阳城县人民政府办公室")),
        region=Region(province="山西省", city="晋城市", county="阳城县", adcode="140522",
                      evidence=ev("阳城县人民政府办公室")),
        fees=[Fee(kind="individual", amount=380, evidence=ev("个人缴费标准为380元/人"))],
        flags=[Flag(code="region_conflict", severity="warning", field="region", message="县名不一致")],
    )


# ---------------------------------------------------------------- refusals

def test_extra_keys_rejected() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Region(province="山西省", county="阳城县", population=1)
    with pytest.raises(ValidationError, match="extra"):
        record(comment="not in the contract")


@pytest.mark.parametrize("bad", ["2023-02-30", "2023-13-01", "2023/09/01", "2023-9-1", "20230901"])
def test_bad_dates_rejected(bad: str) -> None:
    with pytest.raises(ValidationError):
        Day(value=bad)
    with pytest.raises(ValidationError):
        Period(kind="collection", start=bad, evidence=ev("380"))


def test_good_date_and_leap_day_accepted() -> None:
    assert Day(value="2024-02-29").value == "2024-02-29"


def test_period_ending_before_it_starts_rejected() -> None:
    with pytest.raises(ValidationError, match="after it ends"):
        Period(kind="collection", start="2023-12-31", end="2023-09-01", evidence=ev("380"))


@pytest.mark.parametrize("bad", ["14052", "1405220", "14052a", "一四〇五二二", ""])
def test_bad_adcodes_rejected(bad: str) -> None:
    with pytest.raises(ValidationError, match="adcode"):
        Region(county="阳城县", adcode=bad)


def test_good_adcode_accepted() -> None:
    assert Region(county="阳城县", adcode="140522").adcode == "140522"


@pytest.mark.parametrize("field", ["amount", "change"])
def test_negative_money_rejected(field: str) -> None:
    kw = dict(kind="individual", amount=380, evidence=ev("380"))
    with pytest.raises(ValidationError):
        Fee(**{**kw, field: -30})


def test_negative_tier_share_rejected() -> None:
    with pytest.raises(ValidationError):
        Tier(label="低保对象", mode="fixed", subsidy_amount=-1, evidence=ev("380"))


def test_money_is_emitted_as_int_when_whole() -> None:
    fee = Fee(kind="individual", amount=380.0, evidence=ev("380"))
    assert fee.model_dump(mode="json")["amount"] == 380 and isinstance(fee.model_dump(mode="json")["amount"], int)


def test_bad_enum_values_rejected() -> None:
    with pytest.raises(ValidationError):
        Fee(kind="personal", amount=380, evidence=ev("380"))
    with pytest.raises(ValidationError):
        Flag(code="region_mismatch", severity="warning", message="x")
    with pytest.raises(ValidationError):
        Flag(code="region_conflict", severity="fatal", message="x")


def test_evidence_quote_length_must_match_span() -> None:
    with pytest.raises(ValidationError, match="length"):
        Evidence(start=0, end=3, quote="阳城")
    with pytest.raises(ValidationError):
        Evidence(start=5, end=2, quote="")


def test_evidence_not_grounded_in_text_rejected() -> None:
    wrong = Evidence(start=0, end=3, quote="临猗县")  # right length, wrong characters
    with pytest.raises(ValidationError, match="not grounded"):
        record(issuer=Text(value="临猗县", evidence=wrong))
    nested = Evidence(start=1, end=4, quote="阳城县")  # shifted by one
    with pytest.raises(ValidationError, match="subsidy_tiers"):
        record(subsidy_tiers=[Tier(label="低保对象", mode="full", evidence=nested)])


def test_grounded_evidence_accepted() -> None:
    rec = full_record()
    assert rec.text[rec.region.evidence.start:rec.region.evidence.end] == "阳城县人民政府办公室"


def test_bad_doc_id_rejected() -> None:
    with pytest.raises(ValidationError):
        record(doc_id="ABC")


# ---------------------------------------------------------------- shape

def test_dump_has_exactly_contract_keys() -> None:
    for rec in (record(), full_record()):
        data = rec.model_dump(mode="json")
        assert set(data) == CONTRACT_KEYS
        assert data["schema_version"] == "1.1"


def test_dump_round_trips() -> None:
    data = full_record().model_dump(mode="json")
    assert Record.model_validate(json.loads(json.dumps(data, ensure_ascii=False))).model_dump(mode="json") == data
    assert data["region"] == {"province": "山西省", "city": "晋城市", "county": "阳城县", "adcode": "140522",
                              "evidence": {"start": 0, "end": 10, "quote": "阳城县人民政府办公室"}}
    assert data["flags"] == [{"code": "region_conflict", "severity": "warning", "field": "region",
                              "message": "县名不一致"}]


def test_schema_command_prints_json_schema() -> None:
    out = subprocess.run([sys.executable, "-m", "noticeflow", "schema"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    schema = json.loads(out)
    assert schema["type"] == "object" and schema["title"] == "Record"
    assert set(schema["properties"]) == CONTRACT_KEYS
    assert schema.get("additionalProperties") is False
    assert {"doc_id", "source", "text"} <= set(schema["required"])
    try:
        import jsonschema
    except ImportError:
        return
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(full_record().model_dump(mode="json"), schema)
