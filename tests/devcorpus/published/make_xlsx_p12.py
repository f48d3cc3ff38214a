"""Builds 乡宁县2025年度城乡居民基本医疗保险参保任务分解表.xlsx, the attachment of
p12_shanxi_xiangning_2025.html (the page links it by its URL-encoded name under /uploadfiles/, the
file is saved under the decoded name), the way a county clerk fills in a form sheet: an 附件 row,
a title row merged across, a 填报单位 row with the 单位 at its right end, a two-level merged header
(序号 / 乡镇 / 备注 merged down, 参保任务数 merged across 合计 / 其中：学生 / 其中：其他居民), numbers
stored three ways (text with thousands separators as pasted from a report, numbers shown with a
#,##0 format, plain text digits), a 合  计 row merged over 序号 and 乡镇, a 填表人 / 审核人 footer
row, and an empty second sheet.

usage: python make_xlsx_p12.py   (writes beside this script)
"""
import pathlib

from openpyxl import Workbook
from openpyxl.styles import Alignment

HERE = pathlib.Path(__file__).resolve().parent
NAME = "乡宁县2025年度城乡居民基本医疗保险参保任务分解表"
ROWS = [  # seq, town, (合计, 学生, 其他居民), how the numbers are stored, 备注
    (1, "昌宁镇", (38460, 9120, 29340), "text,", "含县城区"),
    (2, "光华镇", (27150, 5230, 21920), "number", None),
    (3, "台头镇", (30770, 6410, 24360), "text", None),
]


def _stored(v: int, how: str):
    return f"{v:,}" if how == "text," else str(v) if how == "text" else v


def build(path: pathlib.Path = HERE / f"{NAME}.xlsx") -> pathlib.Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "任务分解"
    ws["A1"] = "附件"
    ws["A2"] = NAME
    ws.merge_cells("A2:F2")
    ws["A2"].alignment = Alignment(horizontal="center")
    ws["A3"] = "填报单位：乡宁县医疗保障局"
    ws.merge_cells("A3:C3")
    ws["F3"] = "单位：人"
    ws["A4"], ws["B4"], ws["C4"], ws["F4"] = "序号", "乡镇", "参保任务数", "备注"
    ws.merge_cells("A4:A5"); ws.merge_cells("B4:B5"); ws.merge_cells("C4:E4"); ws.merge_cells("F4:F5")
    ws["C5"], ws["D5"], ws["E5"] = "合计", "其中：学生", "其中：其他居民"
    r = 6
    for seq, town, values, how, note in ROWS:
        ws[f"A{r}"], ws[f"B{r}"] = seq, town
        for col, v in zip("CDE", values):
            ws[f"{col}{r}"] = _stored(v, how)
            if how == "number":
                ws[f"{col}{r}"].number_format = "#,##0"
        if note:
            ws[f"F{r}"] = note
        r += 1
    ws[f"A{r}"] = "合  计"
    ws.merge_cells(f"A{r}:B{r}")
    for i, col in enumerate("CDE"):
        ws[f"{col}{r}"] = sum(row[2][i] for row in ROWS)
        ws[f"{col}{r}"].number_format = "#,##0"
    ws[f"A{r + 1}"] = "填表人：王丽　　　审核人：张强　　　填报日期：2024年9月6日"
    ws.merge_cells(f"A{r + 1}:F{r + 1}")
    wb.create_sheet("Sheet2")
    wb.save(path)
    return path


if __name__ == "__main__":
    print(build())
