"""Word files: body order, Word numbering rebuilt into the text, tables on the grid, headers and
footers dropped; legacy .doc through LibreOffice, and the one line when it is missing."""
from __future__ import annotations

import pathlib
import shutil
import sys

import pytest

from conftest import ROOT
from noticeflow.readers import read_document, word
from noticeflow.schemas.errors import InputError

sys.path.insert(0, str(ROOT / "scripts"))
import render_formats  # noqa: E402

docx = pytest.importorskip("docx")
W = render_formats._W


def numbered_document(levels: list[tuple[str, str]], paragraphs: list[tuple[str, int | None, int | None]],
                      overrides: dict[int, dict[int, int]] | None = None, style_numbered: bool = False):
    """A document whose paragraphs (text, numId or None, ilvl) use one abstract list of `levels`
    ((numFmt, lvlText) per level); `overrides` numId -> {ilvl: startOverride}."""
    from docx.oxml import parse_xml

    d = docx.Document()
    numbering = d.part.numbering_part.element
    lvls = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                   f'<w:suff w:val="nothing"/></w:lvl>' for i, (fmt, text) in enumerate(levels))
    numbering.append(parse_xml(f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="7">{lvls}</w:abstractNum>'))
    ids = {n for _, n, _ in paragraphs if n} | set(overrides or {})
    for n in sorted(ids):
        ov = "".join(f'<w:lvlOverride w:ilvl="{i}"><w:startOverride w:val="{v}"/></w:lvlOverride>'
                     for i, v in (overrides or {}).get(n, {}).items())
        numbering.append(parse_xml(f'<w:num xmlns:w="{W}" w:numId="{n}"><w:abstractNumId w:val="7"/>{ov}</w:num>'))
    for text, num_id, ilvl in paragraphs:
        p = d.add_paragraph(text)
        if num_id:
            p._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return d


def text_of(tmp_path, document, name="n.docx") -> str:
    p = tmp_path / name
    document.save(str(p))
    return read_document(p).raw_text


CN = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3."), ("decimalEnclosedCircle", "%4")]


def test_numbering_levels_and_restart_of_lower_levels(tmp_path) -> None:
    paras = [("征缴时间", 1, 0), ("集中征缴", 1, 1), ("补缴", 1, 1), ("征缴标准", 1, 0), ("个人缴费", 1, 1),
             ("普通居民", 1, 2), ("学生", 1, 2), ("特困人员", 1, 3), ("说明文字", None, None), ("工作要求", 1, 0)]
    lines = text_of(tmp_path, numbered_document(CN, paras)).splitlines()
    assert lines == ["一、征缴时间", "（一）集中征缴", "（二）补缴", "二、征缴标准", "（一）个人缴费", "1.普通居民", "2.学生",
                     "①特困人员", "说明文字", "三、工作要求"]


def test_start_override_restarts_and_instances_share_the_abstract_counters(tmp_path) -> None:
    paras = [("甲", 1, 2), ("乙", 1, 2), ("丙", 2, 2), ("丁", 3, 2)]
    lines = text_of(tmp_path, numbered_document(CN, paras, overrides={2: {2: 1}})).splitlines()
    assert lines == ["1.甲", "2.乙", "1.丙", "2.丁"]    # numId 3 continues numId 2's list


@pytest.mark.parametrize("fmt, text, expected", [
    pytest.param("chineseCountingThousand", "第%1条", ["第一条", "第二条", "第十一条"], id="thousand"),
    pytest.param("decimalFullWidth", "%1．", ["１．", "２．", "１１．"], id="full-width"),
    pytest.param("chineseLegalSimplified", "%1、", ["壹、", "贰、", "壹拾壹、"], id="legal"),
    pytest.param("upperRoman", "%1.", ["I. ", "II. ", "XI. "], id="roman-space-after-ascii"),
    pytest.param("bullet", "\u25cf", ["", "", ""], id="bullet-dropped"),
])
def test_number_formats(tmp_path, fmt, text, expected) -> None:
    paras = [(f"项{i}", 1, 0) for i in range(11)]
    d = numbered_document([(fmt, text)], paras)
    if fmt == "upperRoman":   # suffix "space": Word shows a gap after an ASCII number
        for lvl in d.part.numbering_part.element.iter(f"{{{W}}}suff"):
            lvl.set(f"{{{W}}}val", "space")
    lines = text_of(tmp_path, d).splitlines()
    assert [lines[0], lines[1], lines[10]] == [f"{n}项{i}" for n, i in zip(expected, (0, 1, 10))]


def test_style_linked_numbering(tmp_path) -> None:
    """Headings numbered through their style (numPr in styles.xml, not on the paragraph)."""
    from docx.oxml import parse_xml

    d = numbered_document(CN, [("征缴范围", None, None), ("征缴标准", None, None)])
    d.part.numbering_part.element.append(parse_xml(f'<w:num xmlns:w="{W}" w:numId="9"><w:abstractNumId w:val="7"/></w:num>'))
    style = d.styles["Heading 1"]
    style.element.get_or_add_pPr().append(parse_xml(
        f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="0"/><w:numId w:val="9"/></w:numPr>'))
    for p in d.paragraphs:
        p.style = style
    assert text_of(tmp_path, d).splitlines() == ["一、征缴范围", "二、征缴标准"]


def test_tables_in_body_order_with_merged_cells(tmp_path) -> None:
    d = docx.Document()
    d.add_paragraph("前言")
    t = d.add_table(rows=4, cols=3)
    for r, row in enumerate([["序号", "乡镇", "任务数"], ["1", "甲镇", "100"], ["", "", "50"], ["合计", "", "150"]]):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    t.cell(1, 0).merge(t.cell(2, 0))            # vMerge: 1 over two rows
    t.cell(1, 1).merge(t.cell(2, 1))
    merged = t.cell(3, 0).merge(t.cell(3, 1))   # gridSpan: 合计 over two columns
    merged.text = "合计"
    d.add_paragraph("结尾")
    lines = text_of(tmp_path, d).splitlines()
    assert lines == ["前言", "", "序号\t乡镇\t任务数", "1\t甲镇\t100", "\t\t50", "合计\t\t150", "", "结尾"]


def test_headers_footers_dropped_tabs_and_breaks(tmp_path) -> None:
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "某某县人民政府办公室文件"
    d.sections[0].footer.paragraphs[0].text = "— 1 —"
    p = d.add_paragraph("组长：")
    p.add_run().add_tab()
    p.add_run("张三")
    p.add_run().add_break()
    p.add_run("副组长：李四")
    assert text_of(tmp_path, d).splitlines() == ["组长： 张三", "副组长：李四"]


def test_rendered_seed_uses_word_numbering(tmp_path) -> None:
    text = (ROOT / "corpus" / "000_beb0d831110dae00.txt").read_text(encoding="utf-8")
    p = tmp_path / "seed.docx"
    counts = render_formats.to_docx(text, p)
    assert counts["numbered"] >= 10 and counts["tables"] == 1
    assert not any(par.text.startswith("一、") for par in docx.Document(str(p)).paragraphs)  # Word's, not text
    got = read_document(p)
    assert "一、征缴时间" in got.raw_text.splitlines() and "七、工作要求" in got.raw_text.splitlines()
    assert got.source.format == "docx" and got.source.encoding is None


def test_not_a_zip(tmp_path) -> None:
    p = tmp_path / "n.docx"
    p.write_text("关于做好城乡居民医保征缴工作的通知", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_document(p)
    assert e.value.reason == "not a Word .docx file (not a zip archive: damaged, or another format renamed)"


def test_doc_without_libreoffice_names_what_to_install(tmp_path, monkeypatch) -> None:
    p = tmp_path / "n.doc"
    p.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))    # an OLE2 header, no streams
    monkeypatch.setattr(word, "soffice", lambda: None)
    with pytest.raises(InputError) as e:
        read_document(p)
    assert str(e.value) == f"{p}: reading .doc and .wps files needs LibreOffice: apt-get install libreoffice-writer-nogui"


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (libreoffice-writer-nogui) is not installed")
def test_damaged_doc_is_one_line(tmp_path) -> None:
    p = tmp_path / "n.doc"
    p.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 1000)
    with pytest.raises(InputError) as e:
        read_document(p)
    assert "\n" not in str(e.value) and str(p) in str(e.value)


def test_text_box_is_read_after_its_paragraph(tmp_path) -> None:
    from docx.oxml import parse_xml

    d = docx.Document()
    p = d.add_paragraph("正文段落")
    p._p.append(parse_xml(
        f'<w:r xmlns:w="{W}" xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox>'
        f'<w:txbxContent><w:p><w:r><w:t>（此件公开发布）</w:t></w:r></w:p></w:txbxContent>'
        f'</v:textbox></v:shape></w:pict></w:r>'))
    d.add_paragraph("下一段")
    assert text_of(tmp_path, d).splitlines() == ["正文段落", "（此件公开发布）", "下一段"]


def test_header_rows_typed_again_inside_a_table_are_dropped(tmp_path) -> None:
    """A quota table whose two header rows (merged cells) the clerk typed again where it broke
    across a page: the copy is not data."""
    d = docx.Document()
    t = d.add_table(rows=0, cols=4)

    def header():
        top, bottom = t.add_row(), t.add_row()
        top.cells[0].text, top.cells[1].text, top.cells[2].text = "序号", "乡镇", "参保任务（人）"
        bottom.cells[2].text, bottom.cells[3].text = "合计", "其中：学生"
        top.cells[2].merge(top.cells[3])
        top.cells[0].merge(bottom.cells[0])
        top.cells[1].merge(bottom.cells[1])

    header()
    for n, row in enumerate([("1", "甲镇", "100", "20"), ("2", "乙镇", "80", "10")]):
        if n == 1:
            header()
        for c, v in zip(t.add_row().cells, row):
            c.text = v
    lines = text_of(tmp_path, d).splitlines()
    assert lines == ["序号\t乡镇\t参保任务（人）\t", "\t\t合计\t其中：学生", "1\t甲镇\t100\t20", "2\t乙镇\t80\t10"]


def test_first_page_header_gives_its_doc_number_and_a_frame_table_its_table(tmp_path) -> None:
    """p25: the 红头 and the 文号 only in the first page's header (a title page), a running title
    in the default header; the quota table nested in a one-cell frame table."""
    d = docx.Document()
    sec = d.sections[0]
    sec.different_first_page_header_footer = True
    sec.first_page_header.paragraphs[0].text = "某某县人民政府办公室文件"
    sec.first_page_header.add_paragraph("某政办发〔2024〕12号")
    sec.header.paragraphs[0].text = "某某县人民政府办公室关于…的通知"
    d.add_paragraph("关于做好2025年度城乡居民基本医疗保险参保缴费工作的通知")
    frame = d.add_table(rows=1, cols=1)
    inner = frame.rows[0].cells[0].add_table(rows=2, cols=3)
    for r, vals in zip(inner.rows, (("序号", "乡镇", "参保任务"), ("1", "城关镇", "8200"))):
        for c, v in zip(r.cells, vals):
            c.text = v
    lines = text_of(tmp_path, d).splitlines()
    assert lines[:2] == ["某某县人民政府办公室文件", "某政办发〔2024〕12号"]
    assert "…的通知" not in "".join(lines)
    assert "序号\t乡镇\t参保任务" in lines and "1\t城关镇\t8200" in lines


def test_tab_separated_paragraphs_are_table_rows(tmp_path) -> None:
    """p26 (saved by WPS): the leadership list and the quota table typed as paragraphs with tab
    stops and tabs, no w:tbl; a leading tab is an empty first cell, two tabs on set stops skip a
    column, a run of tabs on Word's default stops is one; one tab line alone stays prose."""
    from docx.shared import Cm

    d = docx.Document()
    d.add_paragraph("领导小组如下：")
    for fields, stops in ((["组长：", "王五", "县政府副县长"], True), (["", "赵六", "县税务局局长"], True),
                          (["合计", "", "274520"], True), (["成员：", "", "县财政局局长"], False)):
        p = d.add_paragraph()
        if stops:
            for s in (Cm(2), Cm(5)):
                p.paragraph_format.tab_stops.add_tab_stop(s)
        for i, f in enumerate(fields):
            if i:
                p.add_run().add_tab()
            if f:
                p.add_run(f)
    d.add_paragraph("以上人员如有变动，由所在单位接任者自然替补。")
    d.add_paragraph("说明：").add_run().add_tab()
    d.paragraphs[-1].add_run("无")
    lines = text_of(tmp_path, d).splitlines()
    assert lines[2:6] == ["组长：\t王五\t县政府副县长", "\t赵六\t县税务局局长", "合计\t\t274520", "成员：\t县财政局局长"]
    assert lines[-1] == "说明： 无"
