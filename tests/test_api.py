"""The Python API for notebooks: noticeflow.extract / extract_text / open."""
from __future__ import annotations

import subprocess
import sys

import pytest

import noticeflow
from conftest import ROOT, SHARED


def test_extract_a_file_gives_its_record() -> None:
    rec = noticeflow.extract(ROOT / "corpus" / "003_aea4e45528ea7e5a.txt")
    assert [(f.kind, f.amount) for f in rec.fees] == [("individual", 380)]
    assert rec.region.county == "阳城县"


def test_extract_text_reads_a_string() -> None:
    text = (SHARED / "seeds" / "003_aea4e45528ea7e5a.txt").read_text(encoding="utf-8")
    rec = noticeflow.extract_text(text, path="yangcheng.txt")
    assert rec.source.path == "yangcheng.txt" and rec.source.format == "txt"
    assert rec.doc_number.value == "阳政办发〔2023〕71号"
    assert all(rec.text[ev.start:ev.end] == ev.quote for _, ev in __import__(
        "noticeflow.schemas", fromlist=["iter_evidence"]).iter_evidence(rec))


def test_the_readme_one_liner_works_from_the_checkout() -> None:
    out = subprocess.run([sys.executable, "-c", "import noticeflow; print(noticeflow.extract("
                          "'corpus/003_aea4e45528ea7e5a.txt').fees)"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "amount=380" in out.stdout


def test_import_noticeflow_pulls_in_neither_prefect_nor_duckdb() -> None:
    out = subprocess.run([sys.executable, "-c", "import sys, noticeflow; "
                          "print(sorted(m for m in ('prefect', 'duckdb') if m in sys.modules))"],
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_distribution_claims_no_generic_top_level_names(tmp_path) -> None:
    from importlib import metadata

    assert metadata.distribution("noticeflow").read_text("top_level.txt").split() == ["noticeflow"]
    probe = ("import importlib.util as u; print([n for n in ('schemas', 'flows', 'diff', 'review', "
             "'warehouse', 'extractors', 'readers') if u.find_spec(n)])")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_open_gives_tables_and_views_as_relations(tmp_path) -> None:
    from noticeflow.flows.ingest_worker import to_load
    from noticeflow.warehouse import store
    from noticeflow.warehouse.batch import pack
    from noticeflow.warehouse.migrate import connect

    rec = noticeflow.extract(ROOT / "corpus" / "003_aea4e45528ea7e5a.txt")
    db = tmp_path / "w.duckdb"
    con = connect(db)
    store.load_batch(con, pack([to_load(rec, str(ROOT / "corpus" / "003_aea4e45528ea7e5a.txt"), rec.doc_id)]), "r1")
    con.close()
    with noticeflow.open(db) as wh:
        assert {"fees", "records", "fee_by_county_year"} <= set(wh.names())
        assert wh.fees.filter("kind = 'individual'").project("amount").fetchall() == [(380.0,)]
        assert wh.sql("SELECT county FROM fee_by_county_year WHERE policy_year = ?", [2024]).fetchall() == [("阳城县",)]
        assert wh.fees.arrow().read_all().num_rows == 1
        with pytest.raises(AttributeError, match="no table or view"):
            wh.nonsense


def test_open_a_missing_warehouse_says_so(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no such warehouse"):
        noticeflow.open(tmp_path / "absent.duckdb")
