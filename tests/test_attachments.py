"""Attachment files beside their notice: grouping, the appended text, the CLI's reports."""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

from conftest import ROOT
from noticeflow.extractors.canonical import canonicalize
from noticeflow.flows.extract import extract_file, plan, with_attachments
from noticeflow.readers import read_document
from noticeflow.readers.attachments import Notice, Probe, attachment_titles, group
from noticeflow.warehouse.version import doc_key

sys.path.insert(0, str(ROOT / "scripts"))
import render_formats  # noqa: E402

SEED = ROOT / "corpus" / "000_beb0d831110dae00.txt"
TITLE = "临猗县2023年度城乡居民基本医疗保险费征缴任务分解表"


@pytest.mark.parametrize("text, titles", [
    pytest.param("附件：临猗县任务分解表\n临猗县人民政府办公室", ["临猗县任务分解表"], id="one"),
    pytest.param("附件1：任务分解表.xlsx\n附件2：政策问答", ["任务分解表", "政策问答"], id="numbered"),
    pytest.param("附件：1.任务分解表 2.政策问答", ["任务分解表", "政策问答"], id="inline-list"),
    pytest.param("附件：1.任务分解表\n      2.政策问答\n某县人民政府", ["任务分解表", "政策问答"], id="list-lines"),
    pytest.param("附件：\n1.任务分解表\n2.政策问答", ["任务分解表", "政策问答"], id="bare-then-list"),
    pytest.param("各乡镇人民政府：\n1.提高认识。", [], id="none"),
])
def test_attachment_titles(text, titles) -> None:
    assert attachment_titles(text) == titles


def P(path, attachment=False, title=None, names=()):
    return Probe(path, attachment=attachment, title=title, names=list(names))


@pytest.mark.parametrize("probes, notices, orphans", [
    pytest.param([P("d/通知.html"), P("d/通知_附件1.xlsx", True, "任务表")],
                 [Notice("d/通知.html", ("d/通知_附件1.xlsx",))], [], id="name-extends-the-notice"),
    pytest.param([P("d/a.html", names=["甲县任务分解表"]), P("d/b.html", names=["乙县任务表"]),
                  P("d/甲县任务分解表.xlsx", True, "甲县任务分解表"), P("d/x.xlsx", True, "乙县任务表")],
                 [Notice("d/a.html", ("d/甲县任务分解表.xlsx",)), Notice("d/b.html", ("d/x.xlsx",))], [],
                 id="named-in-the-fujian-line-by-file-name-or-title"),
    pytest.param([P("d/a.html", names=["任务表", "政策问答"]), P("d/问答.docx", True, "政策问答"), P("d/t.xlsx", True, "任务表")],
                 [Notice("d/a.html", ("d/t.xlsx", "d/问答.docx"))], [], id="in-fujian-order"),
    pytest.param([P("d/a.html", names=["任务表"]), P("d/其他统计表.xlsx", True, "其他统计表")],
                 [Notice("d/a.html")], ["d/其他统计表.xlsx"], id="unclaimed-is-reported"),
])
def test_group(probes, notices, orphans) -> None:
    got, problems = group(probes)
    assert got == notices
    assert [e.path for e in problems] == orphans
    assert all("no notice beside it" in e.reason for e in problems)


@pytest.fixture
def folder(tmp_path) -> pathlib.Path:
    """The seed as a page with its quota table as an .xlsx named after its title, plus an orphan."""
    text = SEED.read_text(encoding="utf-8")
    notice, title, rest = render_formats.split_attachment(text)
    assert title == TITLE
    d = tmp_path / "site"
    d.mkdir()
    (d / "notice.html").write_bytes(render_formats.to_html(notice, "utf-8",
                                                           attachment_links=[(f"{title}.xlsx", f"{title}.xlsx")]))
    render_formats.to_xlsx(title, rest, d / f"{title}.xlsx")
    render_formats.to_xlsx("某县医保经办人员联系表", ["序号\t姓名\t电话", "1\t张三\t123"], d / "联系表.xlsx")
    (d / "notes.md").write_text("x", encoding="utf-8")
    return d


def test_the_attachment_is_appended_under_its_heading(folder) -> None:
    (notice,) = [n for n in plan([folder]) if isinstance(n, Notice)]
    assert notice.attachments == (str(folder / f"{TITLE}.xlsx"),)
    doc = read_document(notice.path, notice.attachments)
    head, tail = doc.raw_text.split(f"\n\n附件：{TITLE}\n\n", 1)
    assert "(此件公开发布)" in head.splitlines()[-3:]      # the body, then the page's 附件 link line
    assert tail.splitlines()[:3] == [TITLE, "", "序号\t乡镇社区\t任务数"]
    assert doc.source.attachments == [str(folder / f"{TITLE}.xlsx")]
    assert doc.doc_id == read_document(notice.path).doc_id          # the notice's own bytes


def test_quota_table_is_read_from_the_attachment_with_evidence(folder) -> None:
    (notice,) = [n for n in plan([folder]) if isinstance(n, Notice)]
    rec = extract_file(notice.path, notice.attachments)
    assert rec.quota_table is not None and len(rec.quota_table.rows) == 15
    q = rec.quota_table.rows[0].evidence
    assert rec.text[q.start:q.end] == q.quote and "猗氏镇" in q.quote
    assert rec.text.index(q.quote) > rec.text.index(f"附件:{TITLE}\n")       # canonical text folds ：
    assert rec.text == canonicalize(rec.text)


def test_cli_reports_the_orphan_and_skipped_files(folder) -> None:
    res = subprocess.run([sys.executable, "-m", "noticeflow", "extract", "--verbose", str(folder)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    records = [json.loads(ln) for ln in res.stdout.splitlines()]
    assert [pathlib.Path(r["source"]["path"]).name for r in records] == ["notice.html"]
    assert records[0]["source"]["attachments"] == [str(folder / f"{TITLE}.xlsx")]
    assert res.stderr.splitlines() == [
        f"noticeflow: {folder / '联系表.xlsx'}: attachment with no notice beside it (no notice in its folder "
        "names it or shares its file name); not extracted",
        "noticeflow: skipped 1 file of types noticeflow cannot read (.md)",
        f"noticeflow: skipped: {folder / 'notes.md'}",
    ]
    assert res.returncode == 0


def test_the_attachments_are_in_the_notices_identity() -> None:
    items = with_attachments([("/d/n.html", "a" * 64), ("/d/t.xlsx", "b" * 64), ("/d/m.txt", "c" * 64)],
                             [Notice("/d/n.html", ("/d/t.xlsx",)), Notice("/d/m.txt")])
    assert items == [("/d/n.html", "a" * 64, (("/d/t.xlsx", "b" * 64),)), ("/d/m.txt", "c" * 64)]
    changed = with_attachments([("/d/n.html", "a" * 64), ("/d/t.xlsx", "d" * 64)], [Notice("/d/n.html", ("/d/t.xlsx",))])
    assert doc_key(*items[0][:2], attachments=items[0][2]) != doc_key(*changed[0][:2], attachments=changed[0][2])
    assert doc_key("c" * 64).startswith("c" * 64 + ":")          # a lone file keeps its old key


def test_a_page_has_the_pdf_its_viewer_shows_as_its_text(tmp_path) -> None:
    """p24: a page beside the PDF its viewer shows is one notice, its text the PDF's, its source
    the page (发布时间 kept); the PDF is not a notice of its own."""
    import shutil

    published = ROOT / "tests" / "devcorpus" / "published"
    for name in ("p24_shaanxi_chenggu_2025.html", "P020240912534216789012.pdf"):
        shutil.copyfile(published / name, tmp_path / name)
    got = [n for n in plan([tmp_path]) if isinstance(n, Notice)]
    assert [(pathlib.Path(n.path).name, [pathlib.Path(a).name for a in n.attachments]) for n in got] == [
        ("p24_shaanxi_chenggu_2025.html", ["P020240912534216789012.pdf"])]
    record = extract_file(got[0].path, got[0].attachments)
    assert record.source.format == "html" and record.source.published == "2024-09-13"
    assert record.doc_number.value == "城政办发〔2024〕52号" and "附件：" not in record.text[:40]
