"""Spreadsheets: each sheet a table of tab rows, title rows as lines, figures as people write them."""
from __future__ import annotations

import datetime as dt

import pytest

from noticeflow.readers import read_document
from noticeflow.readers.sheet import cell_text, sheet_lines
from noticeflow.schemas.errors import InputError
from test_bad_input import make_locked_xlsx

openpyxl = pytest.importorskip("openpyxl")


@pytest.mark.parametrize("value, text", [
    pytest.param(34447.0, "34447", id="integral-float"),
    pytest.param(114.39, "114.39", id="decimal"),
    pytest.param(0.1 + 0.2, "0.3", id="float-noise"),
    pytest.param(dt.datetime(2023, 9, 1), "2023-09-01", id="date"),
    pytest.param("厉山镇\n（含经济开发区）", "厉山镇（含经济开发区）", id="wrapped-cjk"),
    pytest.param("a\tb", "a b", id="tab-in-cell"),
    pytest.param(None, "", id="empty"),
])
def test_cell_text(value, text) -> None:
    assert cell_text(value) == text


def test_title_rows_lines_then_the_table() -> None:
    rows = [["某县任务表", "", ""], ["单位：人", "", ""], ["序号", "乡镇", "任务数"], ["1", "甲镇", "100"],
            ["合计", "", "100"], ["注：含外出务工人员", "", ""]]
    lines, table = sheet_lines(rows)
    assert lines == ["某县任务表", "单位：人", "", "序号\t乡镇\t任务数", "1\t甲镇\t100", "合计\t\t100", "", "注：含外出务工人员"]
    assert table == rows[2:5]


def test_workbook_sheets_in_order(tmp_path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["临猗县2023年度征缴任务分解表", None, None])
    ws.merge_cells("A1:C1")
    for row in (["序号", "乡镇社区", "任务数"], [1, "猗氏镇", 34447], [2, "牛杜镇", 30403], ["合计（人）", None, 64850]):
        ws.append(row)
    ws2 = wb.create_sheet("说明")
    ws2.append(["任务数以上年度参保人数为基础确定"])
    p = tmp_path / "t.xlsx"
    wb.save(p)
    doc = read_document(p)
    assert doc.raw_text == ("临猗县2023年度征缴任务分解表\n\n序号\t乡镇社区\t任务数\n1\t猗氏镇\t34447\n2\t牛杜镇\t30403\n"
                            "合计（人）\t\t64850\n\n任务数以上年度参保人数为基础确定\n")
    assert (doc.source.format, doc.source.encoding) == ("xlsx", None)
    assert doc.tables == [[["序号", "乡镇社区", "任务数"], ["1", "猗氏镇", "34447"], ["2", "牛杜镇", "30403"],
                           ["合计（人）", "", "64850"]]]


def test_password_protected_xlsx(tmp_path) -> None:
    p = make_locked_xlsx(tmp_path / "locked.xlsx")
    with pytest.raises(InputError) as e:
        read_document(p)
    assert str(e.value) == f"{p}: password-protected Office file (remove the password and try again)"


def test_empty_workbook(tmp_path) -> None:
    p = tmp_path / "e.xlsx"
    openpyxl.Workbook().save(p)
    with pytest.raises(InputError) as e:
        read_document(p)
    assert e.value.reason == "empty spreadsheet (no cell holds text)"


def test_repeated_print_header_rows_are_dropped() -> None:
    header = [["序号", "乡镇", "参保任务数", ""], ["", "", "合计", "其中：学生"]]
    rows = [["某县任务表", "", "", ""], *header, ["1", "甲镇", "38,460", "9,120"], *header, ["2", "乙镇", "100", "20"],
            ["合  计", "", "38560", "9140"]]
    lines, table = sheet_lines(rows)
    assert table == [*header, ["1", "甲镇", "38,460", "9,120"], ["2", "乙镇", "100", "20"], ["合  计", "", "38560", "9140"]]
    assert lines[0] == "某县任务表" and lines.count("序号\t乡镇\t参保任务数\t") == 1


def test_hidden_sheets_are_not_read(tmp_path) -> None:
    """p27: last year's table in a hidden sheet (and a very hidden one) is not the published
    attachment; the visible sheets are read in order."""
    wb = openpyxl.Workbook()
    wb.active.title = "分解表"
    wb.active.append(["乡镇", "参保任务"])
    wb.active.append(["城关镇", 8200])
    for name, state in (("2024年度", "hidden"), ("代码表", "veryHidden")):
        ws = wb.create_sheet(name)
        ws.append(["城关镇", 7900])
        ws.sheet_state = state
    wb.create_sheet("说明").append(["说明：按户籍人口核定。"])
    wb.save(tmp_path / "t.xlsx")
    text = read_document(tmp_path / "t.xlsx").raw_text
    assert "8200" in text and "说明：按户籍人口核定。" in text and "7900" not in text
