"""Spreadsheets (`.xlsx` / `.xls`) through python-calamine: each sheet a table of tab-separated
rows, the title and unit rows above it (`临猗县…任务分解表`, `单位：人`) kept as lines.

Counties publish the township quota table as Excel beside the notice; the reader only has to
give the extractor the rows as the notice text would have them. Figures are written as people
type them: integral floats without `.0` (calamine hands every number over as a float), dates as
ISO dates. Cell formats are not read, so a cell shown as `80%` arrives as `0.8`; a formula cell
gives the value Excel cached for it. Hidden sheets are not read.
"""
from __future__ import annotations

import datetime as _dt
import io

from noticeflow.readers.layout import drop_repeated_headers, join_cell
from noticeflow.schemas.errors import InputError

MAX_CELLS = 2_000_000           # a sheet claiming more is refused, not laid out in memory


def read_sheets(path: str, data: bytes) -> tuple[str, list[list[list[str]]]]:
    """Workbook bytes -> (text, tables): sheets in workbook order, a blank line between them."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as e:  # calamine raises its own error types per format
        raise InputError(path, _reason(e)) from None
    blocks, tables = [], []
    for name in _visible_sheets(wb):
        try:
            sheet = wb.get_sheet_by_name(name)
            if (sheet.total_height or 0) * (sheet.total_width or 0) > MAX_CELLS:
                raise InputError(path, f"sheet {name!r} is too large ({sheet.total_height} × {sheet.total_width} cells)")
            rows = sheet.to_python(skip_empty_area=True)
        except InputError:
            raise
        except Exception as e:
            raise InputError(path, _reason(e)) from None
        lines, table = sheet_lines([[cell_text(c) for c in row] for row in rows])
        if table:
            tables.append(table)
        if lines:
            blocks.append("\n".join(lines))
    text = "\n\n".join(blocks).strip("\n")
    if not text.strip():
        raise InputError(path, "empty spreadsheet (no cell holds text)")
    return text + "\n", tables


def _visible_sheets(wb) -> list[str]:
    """Sheet names in workbook order without the hidden ones (a clerk hides last year's table or
    a lookup sheet; what the county published is what Excel shows). Every sheet where calamine
    gives no visibility, and all of them if all are hidden."""
    try:
        meta = list(wb.sheets_metadata)
        shown = [m.name for m in meta if "visible" == str(getattr(m, "visible", "visible")).rsplit(".", 1)[-1].lower()]
    except Exception:   # an older calamine without sheets_metadata
        return list(wb.sheet_names)
    return shown or list(wb.sheet_names)


def sheet_lines(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Rows of one sheet -> lines: single-cell rows before the first and after the last row of
    the table as lines of their own, the rows between as the table (blank lines around it)."""
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return [], []
    width = max(max((i + 1 for i, c in enumerate(r) if c.strip()), default=0) for r in rows)
    rows = [(r + [""] * width)[:width] for r in rows]
    multi = [i for i, r in enumerate(rows) if sum(1 for c in r if c.strip()) > 1]
    if not multi:
        return [next(c for c in r if c.strip()).strip() for r in rows], []
    first, last = multi[0], multi[-1]
    head = [next(c for c in r if c.strip()).strip() for r in rows[:first]]
    table = drop_repeated_headers(rows[first:last + 1])
    tail = [next(c for c in r if c.strip()).strip() for r in rows[last + 1:]]
    lines = head + [""] + ["\t".join(c.strip() for c in r) for r in table] + [""] + tail
    while lines and lines[-1] == "":
        lines.pop()
    return lines, table


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return ("%.10f" % value).rstrip("0").rstrip(".")
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return str(value)
    return join_cell(str(value).splitlines())


def _reason(e: BaseException) -> str:
    msg = " ".join(str(e).split())
    low = msg.lower()
    if "password" in low or "encrypt" in low or "filepass" in low:
        return "password-protected spreadsheet (remove the password and try again)"
    return f"not a readable spreadsheet ({msg[:120] or type(e).__name__})"
