"""One notice, one row: documents of one notice (its text, PDF, web page, Word file) are one notice
in the warehouse; corrections follow the notice; files that go away; the identity rule itself."""
from __future__ import annotations

import hashlib
import json
import pathlib
import shutil
import sys

import pytest
from typer.testing import CliRunner

from conftest import ROOT, query_rows
from noticeflow.diff.identity import THRESHOLD, doc_number_key, fingerprint, same_notice, similarity
from test_review_corrections import ingest

SEEDS = ROOT / "corpus"
DEV = ROOT / "tests" / "devcorpus" / "notices"
# (view, the columns that make one row of it, besides the notice)
NOTICE_VIEWS = {"fee_by_county_year": (), "collection_periods": (), "quota_vs_target": (),
                "subsidy_by_category": ("category", "label"), "quota_totals": ("column_name",)}


sql = query_rows  # conftest


# ---------------------------------------------------------------- the acceptance, through the CLI

@pytest.fixture(scope="module")
def prefect_api():
    from noticeflow.flows import prefect_env

    prefect_env.configure(quiet=True)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def cli(*args) -> str:
    from noticeflow.flows.cli import app

    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r.output


def test_corpus_is_five_notices_of_ten_documents_and_files_that_go_away(prefect_api, tmp_path):
    from noticeflow.warehouse import corrections as log
    from noticeflow.warehouse.migrate import connect

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    db = tmp_path / "w.duckdb"
    cli("ingest", corpus, "--db", db)
    assert sql(db, "SELECT count(*) FROM notices WHERE is_current") == [(5,)]
    assert sql(db, "SELECT count(*) FROM documents WHERE is_current") == [(10,)]
    assert sql(db, "SELECT DISTINCT n_documents, formats FROM notices ORDER BY 1") in (
        [(2, ["txt", "pdf"])], [(2, ["pdf", "txt"])], [(2, ["pdf", "txt"]), (2, ["txt", "pdf"])])
    for view, grain in NOTICE_VIEWS.items():  # one row (set) per notice, never one per file
        cols = ", ".join(("notice_id",) + grain)
        assert sql(db, f"SELECT count(*) - count(DISTINCT ({cols})) FROM {view}") == [(0,)], view
    assert sql(db, "SELECT count(*) FROM fee_by_county_year") == [(5,)]
    assert sql(db, "SELECT count(*) FROM category_modes WHERE n_notices <> n_counties") == [(0,)]  # one each
    assert sql(db, "SELECT count(*) FROM records WHERE is_current") == [(5,)]

    # A correction made on the PDF's page shows in the text's notice.
    txt, pdf = corpus / "004_ae73945a28b9e6b0.txt", corpus / "004_ae73945a28b9e6b0.pdf"
    con = connect(db)
    try:
        nid = con.execute("SELECT notice_id FROM notice_documents m JOIN documents d USING (doc_key)"
                          " WHERE d.path = ?", [str(pdf)]).fetchone()[0]
        pdf_record = json.loads(con.execute("SELECT record FROM records r JOIN documents d USING (doc_key)"
                                            " WHERE d.path = ?", [str(pdf)]).fetchone()[0])
        n_before = len(pdf_record["departments"])
        made = log.propose(con, str(pdf), pdf_record, "delete", f"departments[{n_before - 1}]", reviewer="alice")
        assert made and made.notice_key == nid and made.doc_id == pdf_record["doc_id"]
        assert log.refresh(con, nid)
    finally:
        con.close()
    per_doc = dict(sql(db, "SELECT d.path, count(*) FROM departments t JOIN documents d USING (doc_key)"
                           " WHERE t.notice_id = ? GROUP BY 1", nid))
    assert per_doc == {str(txt): n_before - 1, str(pdf): n_before - 1}  # both files, one notice
    assert sql(db, "SELECT count(*) FROM departments WHERE is_current AND notice_id = ?", nid) == [(n_before - 1,)]

    # Deleting the text keeps the notice: its PDF carries it, with the correction.
    txt.unlink()
    out = cli("ingest", corpus, "--db", db)
    assert "removed 1" in out
    assert sql(db, "SELECT is_current, n_documents, formats, best_path FROM notices WHERE notice_id = ?", nid) == [
        (True, 1, ["pdf"], str(pdf))]
    assert sql(db, "SELECT is_current, removed_at IS NOT NULL FROM documents WHERE path = ?", str(txt)) == [(False, True)]
    assert sql(db, "SELECT count(*) FROM departments WHERE is_current AND notice_id = ?", nid) == [(n_before - 1,)]
    assert sql(db, "SELECT count(*) FROM notices WHERE is_current") == [(5,)]
    # Deleting both removes it, from the views too.
    pdf.unlink()
    cli("ingest", corpus, "--db", db)
    assert sql(db, "SELECT is_current, n_documents FROM notices WHERE notice_id = ?", nid) == [(False, 0)]
    assert sql(db, "SELECT count(*) FROM fee_by_county_year WHERE notice_id = ?", nid) == [(0,)]
    assert sql(db, "SELECT count(*) FROM notices WHERE is_current") == [(4,)]
    # A renamed file with the same bytes is the same document under a new path.
    old = corpus / "003_aea4e45528ea7e5a.txt"
    key = sql(db, "SELECT doc_key FROM documents WHERE path = ? AND is_current", str(old))[0][0]
    new = old.rename(corpus / "阳城县2024.txt")
    cli("ingest", corpus, "--db", db)
    assert sql(db, "SELECT doc_key, renamed_from FROM documents WHERE path = ? AND is_current", str(new)) == [
        (key, str(old))]
    assert sql(db, "SELECT count(*) FROM notices WHERE is_current") == [(4,)]
    assert sql(db, "SELECT count(*) FROM documents WHERE is_current") == [(8,)]


# ---------------------------------------------------------------- renderings of one notice

sys.path.insert(0, str(ROOT / "scripts"))


def rendered(tmp_path: pathlib.Path, txt: pathlib.Path) -> dict[str, pathlib.Path]:
    import render_formats
    import render_pdfs

    made = render_formats.render_all(txt, tmp_path / "r")
    render_pdfs.pdfmetrics.registerFont(render_pdfs.UnicodeCIDFont(render_pdfs.FONT))
    pdf = tmp_path / "r" / "pdf" / f"{txt.stem}.pdf"
    pdf.parent.mkdir(exist_ok=True)
    render_pdfs.render(made["txt"][0], pdf)
    return {"html": made["html-utf8"][0], "docx": made["docx"][0], "pdf": pdf}


def notices_of(db) -> list[tuple]:
    return sql(db, "SELECT notice_id, list(d.format ORDER BY d.format) FROM notice_documents m"
                   " JOIN documents d USING (doc_key) WHERE d.is_current GROUP BY 1 ORDER BY 1")


@pytest.mark.parametrize("stem", ["003_aea4e45528ea7e5a", "32_beijing_huairou_2025"])
def test_the_same_notice_as_html_docx_and_pdf_is_one_notice(tmp_path, stem):
    txt = next(p for p in (SEEDS / f"{stem}.txt", DEV / f"{stem}.txt") if p.exists())
    files = rendered(tmp_path, txt)
    db = tmp_path / "w.duckdb"
    ingest(db, list(files.values()))
    assert [formats for _, formats in notices_of(db)] == [["docx", "html", "pdf"]]
    assert sql(db, "SELECT count(*) FROM records WHERE is_current") == [(1,)]


@pytest.mark.slow
def test_a_scan_and_a_photo_of_the_notice_join_it_and_the_text_layer_stands_for_it(tmp_path):
    """OCR (readers, issue 10): the scan's and the photo's records name the same notice."""
    import render_scans

    txt = SEEDS / "001_51cdc3257ab5866f.txt"
    files = rendered(tmp_path, txt)
    (tmp_path / "scan").mkdir()
    scan, photo = render_scans.render(txt, tmp_path / "scan")
    db = tmp_path / "w.duckdb"
    ingest(db, [files["html"], files["docx"], scan, photo])
    assert len(notices_of(db)) == 1 and sql(db, "SELECT n_documents FROM notices") == [(4,)]
    best = sql(db, "SELECT r.ocr FROM notices n JOIN records r ON r.doc_key = n.best_doc_key")
    assert best == [(False,)]  # a text layer over OCR


def test_without_a_document_number_near_duplicate_texts_are_one_notice_and_another_year_is_not(tmp_path):
    text = (SEEDS / "003_aea4e45528ea7e5a.txt").read_text(encoding="utf-8")
    bare = text.replace("阳政办发〔2023〕71号", "")
    assert bare != text
    (tmp_path / "a.txt").write_text(bare, encoding="utf-8")
    (tmp_path / "b.txt").write_text(bare.replace("\n\n", "\n").replace("，", ","), encoding="utf-8")  # re-typed
    ingest(tmp_path / "w.duckdb", [tmp_path / "a.txt", tmp_path / "b.txt", ROOT / "tests" / "fixtures" / "yangcheng_2025.txt"])
    by = dict(sql(tmp_path / "w.duckdb", "SELECT matched_by, count(*) FROM notice_documents GROUP BY 1"))
    assert by == {"founder": 2, "text": 1}
    assert len(notices_of(tmp_path / "w.duckdb")) == 2


def test_documents_of_one_notice_that_disagree_raise_sources_disagree(tmp_path):
    text = (SEEDS / "003_aea4e45528ea7e5a.txt").read_text(encoding="utf-8")
    assert "380元" in text
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text.replace("380元", "390元", 1), encoding="utf-8")
    db = tmp_path / "w.duckdb"
    ingest(db, [tmp_path / "a.txt", tmp_path / "b.txt"])
    assert len(notices_of(db)) == 1
    flags = sql(db, "SELECT field, message FROM flags WHERE is_current AND code = 'sources_disagree'")
    assert flags and {f for f, _ in flags} >= {"fees"} and all("不一致" in m for _, m in flags)
    assert sql(db, "SELECT sources_disagree FROM notices")[0][0] >= ["fees[individual].amount"]


# ---------------------------------------------------------------- the rule

@pytest.mark.parametrize("a, b, same", [
    ("阳政办发〔2023〕71号", "阳政办发[2023]71号", True),
    ("阳政办发〔2023〕71号", "阳政办发（2023）71 号", True),
    ("阳政办发〔2023〕71号", "阳政办发〔2023〕72号", False),
], ids=["square-brackets", "round-brackets-and-space", "another-number"])
def test_document_numbers_are_normalised(a, b, same):
    assert (doc_number_key(a) == doc_number_key(b)) is same


def _rec(text="正文", number=None, issuer="阳城县人民政府办公室", adcode="140522", county="阳城县", year=2024):
    return {"text": text, "doc_number": {"value": number} if number else None, "issuer": {"value": issuer},
            "policy_year": {"value": year}, "region": {"adcode": adcode, "county": county}}


def test_identity_rule_numbers_regions_years_and_texts():
    one = fingerprint(_rec(number="阳政办发〔2023〕71号"))
    assert same_notice(one, fingerprint(_rec(text="别的排版", number="阳政办发[2023]71号"))).by == "doc_number"
    assert not same_notice(one, fingerprint(_rec(number="阳政办发〔2023〕71号", adcode="140521"))).same
    assert not same_notice(one, fingerprint(_rec(number="阳政办发〔2023〕71号", year=2025))).same
    assert not same_notice(one, fingerprint(_rec(number="阳政办发〔2024〕3号"))).same
    text = (SEEDS / "003_aea4e45528ea7e5a.txt").read_text(encoding="utf-8")
    later = (ROOT / "tests" / "fixtures" / "yangcheng_2025.txt").read_text(encoding="utf-8")
    a, b = fingerprint(_rec(text)), fingerprint(_rec(text.replace("\n", "\n\n").replace("。", "．")))
    assert similarity(a, b) == 1.0 and same_notice(a, b).by == "text"
    other_year = fingerprint(_rec(later, year=None))
    assert similarity(a, other_year) < THRESHOLD and not same_notice(a, other_year).same


def test_a_document_loaded_again_keeps_its_notice_and_its_bytes_elsewhere_join_it(tmp_path):
    src = tmp_path / "a.txt"
    shutil.copy(SEEDS / "000_beb0d831110dae00.txt", src)
    db = tmp_path / "w.duckdb"
    ingest(db, [src])
    first = notices_of(db)
    ingest(db, [src], force=True)
    copy = tmp_path / "sub"
    copy.mkdir()
    shutil.copy(src, copy / "a.txt")
    ingest(db, [copy / "a.txt"])
    assert [n for n, _ in notices_of(db)] == [n for n, _ in first]
    assert sql(db, "SELECT count(*) FROM documents WHERE is_current") == [(2,)]
    assert sql(db, "SELECT count(*) FROM records WHERE is_current") == [(1,)]
    assert hashlib.sha256(src.read_bytes()).hexdigest().startswith(first[0][0][1:])


def test_compare_and_diff_by_county_line_up_notices_not_files(tmp_path):
    from noticeflow.flows.cli import app
    from noticeflow.warehouse.changes import load_changes, pending_doc_ids
    from noticeflow.warehouse.migrate import connect

    db = tmp_path / "w.duckdb"
    ingest(db, sorted(SEEDS.glob("*")) + [ROOT / "tests" / "fixtures" / "yangcheng_2025.txt"])
    con = connect(db)
    load_changes(con, pending_doc_ids(con))
    con.close()
    r = CliRunner().invoke(app, ["compare", "--year", "2023", "--db", str(db), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert sorted(json.loads(r.output)["counties"]) == ["临猗县", "唐河县", "随县"]  # no 临猗县#1 / #2
    r = CliRunner().invoke(app, ["diff", "--county", "阳城县", "--from", "2024", "--to", "2025", "--db", str(db),
                                 "--format", "json"])
    assert r.exit_code == 0, r.output
    changes = json.loads(r.output)
    stored = sql(db, "SELECT count(*), count(DISTINCT right_doc) FROM changes WHERE county = '阳城县'")
    assert stored == [(len(changes), 1)]  # one diff per notice, not one per file
