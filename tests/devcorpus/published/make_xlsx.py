"""Builds P020240830391245678123.xlsx, the attachment of p04_sichuan_wusheng_2025.html, the way a
county clerk lays it out in Excel: a title row merged across the table, a 单位 row, a two-level
header (序号 / 乡镇（街道） / 备注 merged down, 2025年参保任务 merged across 合计 / 其中：学生),
and a 合计 row whose label spans 序号 and 乡镇. The file name is the TRS attachment name the page
links to, so grouping must go by the link, not by the file name.

usage: python make_xlsx.py   (writes beside this script)
"""
import pathlib

from openpyxl import Workbook
from openpyxl.styles import Alignment

HERE = pathlib.Path(__file__).resolve().parent
TITLE = "武胜县2025年度城乡居民基本医疗保险参保任务分解表"
ROWS = [(1, "沿口镇", 52310, 8120, ""), (2, "中心镇", 36480, 5230, ""), (3, "飞龙镇", 29870, 4410, "含飞龙工业园区")]


def build(path: pathlib.Path = HERE / "P020240830391245678123.xlsx") -> pathlib.Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = TITLE
    ws.merge_cells("A1:E1")
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["E2"] = "单位：人"
    ws.append([])  # row 3 written cell by cell below
    ws["A3"], ws["B3"], ws["C3"], ws["E3"] = "序号", "乡镇（街道）", "2025年参保任务", "备注"
    ws.merge_cells("A3:A4"); ws.merge_cells("B3:B4"); ws.merge_cells("C3:D3"); ws.merge_cells("E3:E4")
    ws["C4"], ws["D4"] = "合计", "其中：学生"
    r = 5
    for seq, area, total, students, note in ROWS:
        for col, v in zip("ABCDE", (seq, area, total, students, note or None)):
            ws[f"{col}{r}"] = v
        r += 1
    ws[f"A{r}"] = "合计"
    ws.merge_cells(f"A{r}:B{r}")
    # numbers, not =SUM(): openpyxl stores no cached value, and a file saved by Excel would have one
    ws[f"C{r}"] = sum(row[2] for row in ROWS)
    ws[f"D{r}"] = sum(row[3] for row in ROWS)
    wb.save(path)
    return path


if __name__ == "__main__":
    print(build())
