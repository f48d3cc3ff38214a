"""Query results as an analyst's tools read them: JSON (one array), JSON Lines, CSV, or a table
for people. Pure: rows and column types in, text out.

Conventions: JSON columns come out as JSON (not as strings holding JSON); dates and timestamps
as ISO 8601 (timestamps with their zone); in CSV, booleans are `true`/`false` and lists, structs
and JSON values are written as JSON; the table shows every value literally (a value that looks
like rich markup, `[bold]x[/bold]`, is printed as is) and wraps long values instead of cutting
them off.
"""
from __future__ import annotations

import csv
import datetime as _dt
import decimal
import io
import json
import uuid
from typing import Any, Iterable, Sequence

FORMATS = ("table", "csv", "json", "jsonl")


def _is_json_type(type_code: Any) -> bool:
    return str(type_code).upper() == "JSON"


def plain(value: Any, json_column: bool = False) -> Any:
    """A database value as a JSON-ready Python value."""
    if value is None:
        return None
    if json_column and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _objects(cols: Sequence[str], types: Sequence[Any], rows: Iterable[Sequence]) -> Iterable[dict]:
    is_json = [_is_json_type(t) for t in types]
    for r in rows:
        yield {c: plain(v, j) for c, v, j in zip(cols, r, is_json)}


def to_json(cols, types, rows) -> str:
    """One JSON array (`[]` for no rows)."""
    return json.dumps(list(_objects(cols, types, rows)), ensure_ascii=False, indent=1) + "\n"


def to_jsonl(cols, types, rows) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in _objects(cols, types, rows))


def _csv_cell(value: Any, json_column: bool) -> str:
    v = plain(value, json_column)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def to_csv(cols, types, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    is_json = [_is_json_type(t) for t in types]
    for r in rows:
        w.writerow([_csv_cell(v, j) for v, j in zip(r, is_json)])
    return buf.getvalue()


def _table_cell(value: Any, json_column: bool) -> str:
    v = plain(value, json_column)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def to_table(cols, types, rows, width: int | None = None) -> str:
    """A table for people: values literal (rich.text.Text, never parsed as markup), long values
    wrapped within their column (overflow fold), never truncated with an ellipsis."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = list(rows)
    is_json = [_is_json_type(t) for t in types]
    table = Table(show_lines=False)
    for c in cols:
        table.add_column(Text(c), overflow="fold", no_wrap=False)
    for r in rows:
        table.add_row(*[Text(_table_cell(v, j)) for v, j in zip(r, is_json)])
    buf = io.StringIO()
    Console(file=buf, width=width or max(120, len(cols) * 16), no_color=True, highlight=False,
            emoji=False, markup=False).print(table)
    return buf.getvalue() + f"({len(rows)} rows)\n"


def render(fmt: str, cols, types, rows) -> str:
    return {"json": to_json, "jsonl": to_jsonl, "csv": to_csv, "table": to_table}[fmt](cols, types, rows)
