"""Renderers for changes and county matrices: table (terminal), json, md, html.

The HTML report puts both source clauses of each change side by side with a character-level
redline (Chinese has no spaces to tokenise on, so the unit is the character). Every piece of
notice text is escaped by the template engine; the page has no external assets.
"""
from __future__ import annotations

import difflib
import io
import json
import pathlib
import re
from itertools import groupby
from typing import Any, Iterable

import jinja2
from markupsafe import Markup, escape
from rich.markup import escape as rich_escape

from noticeflow.schemas.change import Change

from noticeflow.diff.compare import as_dict, county_of, doc_of, show, text_of, year_of
from noticeflow.diff.matrix import Matrix

FORMATS = ("table", "json", "md", "html")
SEVERITY_LABELS = {"alert": "警示", "notice": "变化", "info": "表述"}
KIND_LABELS = {"added": "新增", "removed": "删除", "changed": "修改"}
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(pathlib.Path(__file__).parent / "templates"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True,
)


_UNITS = re.compile(r"\d+(?:\.\d+)?|.", re.S)  # a number is one unit (304 -> 280, not 3-28-0-4); else a character


def redline(old: str | None, new: str | None) -> Markup:
    """Character-level redline of two clauses: removed text in <del>, added text in <ins>.

    Chinese has no spaces to split words on, so the unit is the character, except that a run
    of digits counts as one unit so a changed amount reads as a whole number.
    """
    a, b = _UNITS.findall(old or ""), _UNITS.findall(new or "")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))


def describe(record: Any) -> str:
    """阳城县 2024年度 · 阳政办发〔2023〕71号"""
    if record is None:
        return ""
    r = as_dict(record)
    year = year_of(r)
    parts = [county_of(r) or "", f"{year}年度" if year else "", text_of(r.get("doc_number")) or ""]
    return " · ".join(p for p in parts if p) or (doc_of(r) or "")[:12]


def counts(changes: list[Change]) -> dict[str, int]:
    return {s: sum(c.severity == s for c in changes) for s in SEVERITY_LABELS}


def _cell(v: Any) -> str:
    return "—" if v is None else show(v)


# ---------------------------------------------------------------- changes


def changes_table(changes: list[Change], left: Any = None, right: Any = None) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{describe(left)} → {describe(right)}" if left or right else None, show_lines=False)
    for col in ("级别", "字段", "说明"):
        table.add_column(col, overflow="fold")
    style = {"alert": "bold red", "notice": "yellow", "info": "dim"}
    for c in changes:  # field paths hold [..]: escape them or rich reads them as markup
        table.add_row(SEVERITY_LABELS[c.severity], rich_escape(c.field), rich_escape(c.message), style=style[c.severity])
    buf = io.StringIO()
    Console(file=buf, width=160, force_terminal=False, color_system=None).print(table)
    n = counts(changes)
    return buf.getvalue() + f"共{len(changes)}处变化：警示{n['alert']}，变化{n['notice']}，表述{n['info']}\n"


def changes_json(changes: list[Change]) -> str:
    return json.dumps([c.model_dump(mode="json") for c in changes], ensure_ascii=False, indent=2) + "\n"


def _md(v: Any) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def changes_md(changes: list[Change], left: Any = None, right: Any = None) -> str:
    lines = [f"# 政策变化：{describe(left)} → {describe(right)}", ""] if left or right else []
    n = counts(changes)
    lines += [f"共{len(changes)}处变化：警示{n['alert']}，变化{n['notice']}，表述{n['info']}", "",
              "| 级别 | 字段 | 类型 | 旧值 | 新值 | 说明 |", "| --- | --- | --- | --- | --- | --- |"]
    for c in changes:
        lines.append("| " + " | ".join(_md(x) for x in (
            SEVERITY_LABELS[c.severity], f"`{c.field}`", KIND_LABELS[c.kind], _cell(c.old), _cell(c.new), c.message)) + " |")
    return "\n".join(lines) + "\n"


def groups(changes: Iterable[Change]) -> list[dict]:
    """Alerts first (contract order within a severity); consecutive changes read from the same
    pair of clauses share one card."""
    rank = {s: i for i, s in enumerate(SEVERITY_LABELS)}
    ordered = sorted(changes, key=lambda c: rank[c.severity])
    out = []
    for (lq, rq), items in groupby(ordered, key=lambda c: (c.left_quote, c.right_quote)):
        items = list(items)
        worst = next(s for s in SEVERITY_LABELS if any(c.severity == s for c in items))
        out.append({"left": lq, "right": rq, "changes": items, "severity": worst,
                    "redline": redline(lq, rq) if lq and rq else None})
    return out


def changes_html(changes: list[Change], left: Any = None, right: Any = None) -> str:
    return _ENV.get_template("changes.html").render(
        left=describe(left), right=describe(right), changes=changes, groups=groups(changes),
        counts=counts(changes), severity_labels=SEVERITY_LABELS, kind_labels=KIND_LABELS, cell=_cell,
        left_title=text_of(as_dict(left).get("title")) if left is not None else None,
        right_title=text_of(as_dict(right).get("title")) if right is not None else None,
    )


def render_changes(changes: list[Change], fmt: str = "table", left: Any = None, right: Any = None) -> str:
    if fmt == "json":
        return changes_json(changes)
    if fmt == "md":
        return changes_md(changes, left, right)
    if fmt == "html":
        return changes_html(changes, left, right)
    return changes_table(changes, left, right)


# ---------------------------------------------------------------- matrix


def _header(m: Matrix) -> list[str]:
    return [f"{c} {y}" if y else c for c, y in zip(m.counties, m.years)]


def matrix_table(m: Matrix) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="县际对比")
    table.add_column("字段")
    for h in _header(m):
        table.add_column(rich_escape(h), justify="right")
    for r in m.rows:
        table.add_row(rich_escape(r.label), *(rich_escape(_cell(v)) for v in r.values))
    buf = io.StringIO()
    Console(file=buf, width=160, force_terminal=False, color_system=None).print(table)
    return buf.getvalue() + "— 表示该县通知未写明\n"


def matrix_md(m: Matrix) -> str:
    lines = ["| 字段 | " + " | ".join(_header(m)) + " |", "| --- |" + " ---: |" * len(m.counties)]
    lines += ["| " + " | ".join(_md(x) for x in (r.label, *(_cell(v) for v in r.values))) + " |" for r in m.rows]
    return "\n".join(lines) + "\n\n— 表示该县通知未写明\n"


def render_matrix(m: Matrix, fmt: str = "table") -> str:
    if fmt == "json":
        return json.dumps(m.as_json(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return matrix_md(m)
    if fmt == "html":
        return _ENV.get_template("matrix.html").render(header=_header(m), rows=m.rows, cell=_cell)
    return matrix_table(m)
