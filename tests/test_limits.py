"""A document that runs out of time, memory or stack is an error, never a record with empty fields.

The per-document time limit raises inside whatever extractor is running; every extractor
catches `Exception` so odd text gives "nothing found". These tests check that the limit and the
resource errors get through every one of those catches, and that `noticeflow extract` has the
same limit as `ingest` (the PDF parse killed in its child process, the extraction stopped).
"""
from __future__ import annotations

import importlib
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from noticeflow.extractors.canonical import canonicalize
from noticeflow.extractors.record import build_record
from noticeflow.flows.extract import extract_file
from noticeflow.flows.ingest_worker import time_limit
from noticeflow.schemas import Source
from noticeflow.schemas.errors import InputError

SEED = ROOT / "corpus" / "000_beb0d831110dae00.txt"
TEXT = canonicalize(SEED.read_text(encoding="utf-8"))
SOURCE = Source(path="seed.txt", format="txt", encoding="utf-8", size_bytes=0)
NOTICEFLOW = [sys.executable, "-m", "noticeflow"]

# Every `except Exception` of the extractors, and a function called inside its `try`.
GUARDED = [
    ("fees", "find_statements"),
    ("tiers", "find_layout"),
    ("departments", "find_duties"),
    ("leadership", "find_listed"),
    ("region", "find_all"),
    ("quota", "lines_with_offsets"),
    ("notice", "grammar"),
    ("dates", "find_range_matches"),
    ("numbers", "cn2an"),
]


def _raiser(exc):
    def fail(*args, **kwargs):
        raise exc
    return fail


@pytest.mark.parametrize("exc", [MemoryError, RecursionError], ids=lambda e: e.__name__)
@pytest.mark.parametrize("module, attr", GUARDED, ids=[m for m, _ in GUARDED])
def test_resource_errors_get_through_every_extractor(monkeypatch, module, attr, exc) -> None:
    mod = importlib.import_module(f"noticeflow.extractors.{module}")
    if module == "numbers":  # parse_number falls back to cn2an for Chinese numerals
        monkeypatch.setattr(mod.cn2an, "cn2an", _raiser(exc))
        call = lambda: mod.parse_number("三百八十")  # noqa: E731
    elif module == "dates":  # find_ranges: the helper the case files call
        monkeypatch.setattr(mod, attr, _raiser(exc))
        call = lambda: mod.find_ranges("2024年9月1日至12月31日")  # noqa: E731
    else:
        monkeypatch.setattr(mod, attr, _raiser(exc))
        call = lambda: build_record(TEXT, SOURCE, "0" * 64)  # noqa: E731
    with pytest.raises(exc):
        call()


def _spin(*args, **kwargs):
    while True:  # pure Python: the alarm interrupts it
        time.sleep(0.001)


@pytest.mark.parametrize("module, attr", [g for g in GUARDED if g[0] not in ("numbers", "dates")],
                         ids=[m for m, _ in GUARDED if m not in ("numbers", "dates")])
def test_time_limit_inside_an_extractor_stops_the_document(monkeypatch, module, attr) -> None:
    monkeypatch.setattr(importlib.import_module(f"noticeflow.extractors.{module}"), attr, _spin)
    t0 = time.perf_counter()
    with pytest.raises(InputError) as e:
        with time_limit(0.3, "extraction", "seed.txt"):
            build_record(TEXT, SOURCE, "0" * 64)
    assert str(e.value) == "seed.txt: extraction timed out after 0.3 s"
    assert time.perf_counter() - t0 < 5  # stopped at the alarm, not after the other extractors


def test_extract_file_kills_a_slow_pdf_parse_at_the_limit(monkeypatch, tmp_path) -> None:
    from test_bad_input import make_pdf

    pdf = make_pdf(tmp_path / "slow.pdf", ["关于做好城乡居民基本医疗保险征缴工作的通知"])
    # the parse runs in a forked child, which inherits the patch: a parse that never ends
    monkeypatch.setattr("noticeflow.readers.pdf.read_pdf", lambda path, data: time.sleep(120))
    t0 = time.perf_counter()
    with pytest.raises(InputError) as e:
        extract_file(pdf, time_limit=0.5)
    assert e.value.reason == "PDF parsing timed out after 0.5 s"
    assert time.perf_counter() - t0 < 10


def test_a_pdf_named_txt_is_parsed_in_the_killable_child_too(monkeypatch, tmp_path) -> None:
    from test_bad_input import make_pdf

    disguised = tmp_path / "notice.txt"
    disguised.write_bytes(make_pdf(tmp_path / "real.pdf", ["关于做好城乡居民基本医疗保险征缴工作的通知"]).read_bytes())
    monkeypatch.setattr("noticeflow.readers.pdf.read_pdf", lambda path, data: time.sleep(120))
    with pytest.raises(InputError) as e:
        extract_file(disguised, time_limit=0.5)
    assert e.value.reason == "PDF parsing timed out after 0.5 s"


def test_cli_extract_time_limit_is_an_error_not_an_empty_record(tmp_path) -> None:
    heavy = tmp_path / "heavy.txt"
    heavy.write_text(SEED.read_text(encoding="utf-8") * 100, encoding="utf-8")  # ~0.3 s of CPU
    good = tmp_path / "good.txt"
    good.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    r = subprocess.run([*NOTICEFLOW, "extract", "--time-limit", "0.02", str(heavy)],
                       capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == f"noticeflow: {heavy}: extraction timed out after 0.02 s\n"
    r = subprocess.run([*NOTICEFLOW, "extract", "--time-limit", "60", str(good)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 1


def reference_loop_pdf(path) -> bytes:
    """A 400-byte PDF whose page contents are an object referring to itself: pdfminer resolves
    it forever (the issue's 672-byte reference loop)."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources 5 0 R >>",
            "4 0 R", "<< /Font 5 0 R >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
    return path


def test_cli_extract_does_not_hang_on_a_reference_loop_pdf(tmp_path) -> None:
    loop = reference_loop_pdf(tmp_path / "loop.pdf")
    good = tmp_path / "good.txt"
    good.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    r = subprocess.run([*NOTICEFLOW, "extract", "--time-limit", "2", str(loop), str(good)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert len(r.stdout.splitlines()) == 1  # the good notice still comes out
    [line] = r.stderr.splitlines()
    assert line.startswith(f"noticeflow: {loop}: ")  # timed out, or refused as corrupt once PDFs are bounded


# Caps on the statements an extractor reads (a notice pasted thousands of times), each with the
# field its extraction_capped flag names. The seed has a few of each: caps of 1 stop every one.
CAPS = [
    ("noticeflow.extractors.tier_grammar", "MAX_CLAUSES", "subsidy_tiers"),
    ("noticeflow.extractors.departments", "MAX_CLAUSE_STARTS", "departments"),
    ("noticeflow.extractors.leadership", "MAX_LABELS", "leadership"),
]


@pytest.mark.parametrize("module, attr, field", CAPS, ids=[c[2] for c in CAPS])
def test_a_cap_reached_reads_fewer_statements_and_says_so(monkeypatch, module, attr, field) -> None:
    def capped_fields(record):
        return {f.field for f in record.flags if f.code == "extraction_capped"}

    full = build_record(TEXT, SOURCE, "0" * 64)
    assert capped_fields(full) == set()  # a real notice is far under every cap
    monkeypatch.setattr(importlib.import_module(module), attr, 1)
    capped = build_record(TEXT, SOURCE, "0" * 64)
    assert capped_fields(capped) == {field}
    assert 0 < len(getattr(full, field)) and len(getattr(capped, field)) < len(getattr(full, field))
    flag = next(f for f in capped.flags if f.code == "extraction_capped")
    assert flag.severity == "warning" and "前1处" in flag.message
