"""The notice's structure, read before its facts: header, body, signature (落款), attachments,
plans and end matter; the outline (一、 （一） 1. （1） ①) as sections; tables as rows of cells.

Every reader (text, PDF, web page, Word, scan) emits the same plain-text shape (see readers/),
so the structure is parsed from the canonical text alone and every offset here indexes into it:
an extractor that looks in a section still builds evidence on `text[start:end]`. Extractors use
it to look first where their facts live (the 组织领导 section for leadership, the 职责分工 section
for duties, the attachments for the quota table) and fall back to the whole text.

Levels come from the order in which a document first uses each marker style, as a reader infers
them: one county nests `1.` under `一、`, another `（一）` under `1.`. Nothing here depends on line
lengths or page layout, so hard wraps, OCR spaces and page furniture leave it unchanged once the
text is canonical.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

from noticeflow.extractors import vocab
from noticeflow.extractors.spans import lines_with_offsets


class Cell(NamedTuple):  # tuples: a notice's tables make hundreds of cells
    start: int
    end: int
    text: str


class Row(NamedTuple):
    start: int
    end: int
    cells: tuple[Cell, ...]

    @property
    def values(self) -> list[str]:
        return [c.text for c in self.cells]


@dataclass(frozen=True, slots=True)
class Table:
    start: int
    end: int
    rows: tuple[Row, ...]
    caption: str | None          # the title line above the table (`2024年度…任务表`)
    caption_start: int | None    # where that line starts (evidence for the title)
    unit: str | None             # 人 / 万人 from `单位：…` above the table or in its caption
    part: int                    # index into Structure.parts


@dataclass(slots=True)
class Item:
    """One numbered outline entry and the section it opens: from its line to the next entry of
    the same or a higher level in the same part."""

    start: int                   # the line's start
    end: int                     # the section's end
    line_end: int                # the end of the entry's own line
    style: str                   # chapter / cn / cn_paren / num / num_paren / circled / cn_is
    number: str                  # 一 / 3 / ②
    level: int                   # depth in the outline: 1 = outermost in its part
    title: str                   # text after the marker up to the first 。：；
    title_start: int
    heading: bool                # a short title (a heading), not a long list item
    part: int
    parent: int | None           # index into Structure.items
    index: int = 0               # this entry's own index there


@dataclass(frozen=True, slots=True)
class Part:
    kind: str                    # header / body / signature / attachment / plan / footer / note
    start: int
    end: int
    label: str | None = None     # 附件1 for an attachment
    title: str | None = None     # the attachment's or plan's title line


@dataclass
class Structure:
    text: str
    parts: list[Part]
    attachment_list: list[tuple[int, int]] = field(default_factory=list)  # body 附件：… lines
    signature_office: tuple[int, int] | None = None   # the office line(s) of the 落款
    signature_date: tuple[int, int] | None = None     # its date line
    _items: list[Item] | None = field(default=None, repr=False)
    _tables: list[Table] | None = field(default=None, repr=False)

    # The outline and the tables are read on first use: an extractor that only needs the parts
    # (where the 落款 is) does not pay for them.
    @property
    def items(self) -> list[Item]:
        if self._items is None:
            self._items = _outline(self.text, lines_with_offsets(self.text), self.parts, _grammar())
        return self._items

    @property
    def tables(self) -> list[Table]:
        if self._tables is None:
            self._tables = _tables(self.text, lines_with_offsets(self.text), self.parts, _grammar())
        return self._tables
    _about: dict = field(default_factory=dict, repr=False, compare=False)  # about() answers, memoised

    # -- parts ----------------------------------------------------------------------------
    def parts_of(self, *kinds: str) -> list[Part]:
        return [p for p in self.parts if p.kind in kinds]

    @property
    def body(self) -> tuple[int, int]:
        """The notice's own text: from the end of the header to the signature (or the end)."""
        body = self.parts_of("body")
        if not body:
            return 0, len(self.text)
        return body[0].start, body[-1].end

    @property
    def signature(self) -> Part | None:
        found = self.parts_of("signature")
        return found[0] if found else None

    def part_at(self, pos: int) -> Part | None:
        for p in self.parts:
            if p.start <= pos < p.end or (p.start == pos == p.end):
                return p
        return None

    # -- outline --------------------------------------------------------------------------
    def about(self, topic: str, parts: Iterable[str] = ("body", "attachment", "plan")) -> list[tuple[int, int]]:
        """Spans of the sections whose heading names `topic` (a key of `topics` in
        structure_terms.yaml), outermost first and merged, in document order."""
        key = (topic, tuple(parts))
        if key not in self._about:  # several extractors ask the same question of one notice
            words = terms()["topics"][topic]
            kinds = set(parts)
            spans = [(it.start, it.end) for it in self.items
                     if it.heading and self.parts[it.part].kind in kinds and any(w in it.title for w in words)]
            self._about[key] = merge_spans(spans)
        return list(self._about[key])

    def section_at(self, pos: int) -> Item | None:
        """The innermost outline entry whose section holds `pos`."""
        best = None
        for it in self.items:
            if it.start <= pos < it.end and (best is None or it.level >= best.level):
                best = it
            elif it.start > pos:
                break
        return best

    def headings_above(self, pos: int) -> list[Item]:
        """The chain of outline entries holding `pos`, outermost first."""
        chain = []
        it = self.section_at(pos)
        while it is not None:
            chain.append(it)
            it = self.items[it.parent] if it.parent is not None else None
        return chain[::-1]

    def tables_in(self, *kinds: str) -> list[Table]:
        return [t for t in self.tables if self.parts[t.part].kind in kinds]


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


# ---- vocabulary -------------------------------------------------------------------------------

@functools.cache
def terms() -> dict:
    return vocab.terms("structure_terms.yaml", "structure")


@functools.cache
def _grammar() -> dict:
    t = terms()
    # one alternation of every marker style, each style a group holding its number group, so a
    # single scan finds the outline (m.lastindex tells the style)
    styles, alts = {}, []
    for style, rx in t["markers"].items():
        styles[2 * len(alts) + 1] = style
        alts.append("(" + rx.replace("(?P<n>", "(") + ")")
    offices = "|".join(map(re.escape, sorted(t["office_endings"], key=len, reverse=True)))
    plan_end = "|".join(map(re.escape, sorted(t["plan_title_endings"], key=len, reverse=True)))
    date = r"(?:\d{4}|[〇○零一二三四五六七八九]{4})[ \t]*年[ \t]*[\d〇○零一二三四五六七八九十]{1,3}[ \t]*月[ \t]*[\d〇○零一二三四五六七八九十]{1,3}[ \t]*日"
    return dict(
        styles=styles,
        any_marker=re.compile(r"^[ \t]*(?:" + "|".join(alts) + ")", re.M),
        stops=re.compile("[" + re.escape(t["title_stops"]) + "]"),
        label=re.compile(rf"[ \t]*{t['attachment_label']}[ \t]*$".replace("(?:[：:]", "(?:[：:.、．]")),
        date_line=re.compile(rf"[ \t]*{date}[ \t]*$"),
        # one or several offices on a line, maybe followed by (盖章): the 落款 above its date
        office_line=re.compile(rf"[ \t]*(?:[^\s。，,；;：:]{{2,40}}?(?:{offices})[ \t]*)+(?:[(（]?(?:盖章|印章)[)）]?)?[ \t]*$"),
        # a 落款 on one line: 县医疗保障局 2023年9月1日
        office_date=re.compile(rf"[ \t]*[^\s。，,；;：:]{{2,40}}?(?:{offices})(?:[ \t]+[^\s。，,；;：:]{{2,40}}?(?:{offices}))*[ \t]*{date}[ \t]*$"),
        title_line=re.compile(r".{0,80}?(?:通知|意见|方案|办法|通告|公告|决定|函|细则|通报|规定)[ \t]*$"),
        plan_title=re.compile(rf"[^。；;，,]{{2,60}}?(?:{plan_end})[ \t]*$"),
        unit=re.compile(r"单[ \t]*位[ \t]*[:：][ \t]*(?P<unit>[^\s，,；;)）\]]+)"),
        footer_starts=tuple(t["footer_starts"]),
        printed=re.compile(rf".*{date}.*{re.escape(t['printed'])}|.*{re.escape(t['printed'])}.*{date}").match,
    )


# ---- parsing ----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def parse(text: str) -> Structure:
    """The structure of canonical `text` (cached: every extractor of a notice asks for it)."""
    g = _grammar()
    lines = lines_with_offsets(text)
    title_idx = _title_line(lines, g)
    sig = _signature(lines, g, title_idx)
    parts = _parts(text, lines, g, title_idx, sig)
    s = Structure(text=text, parts=parts)
    if sig is not None:
        office, date = sig
        if office is not None:
            s.signature_office = (lines[office[0]][0], _line_end(lines[office[1]]))
        s.signature_date = (lines[date][0], _line_end(lines[date]))
    body_start, body_end = s.body
    s.attachment_list = [(st, st + len(ln)) for st, ln in lines
                         if body_start <= st < body_end and g["label"].match(ln) and _label_title(g, ln)]
    return s


def _line_end(line: tuple[int, str]) -> int:
    return line[0] + len(line[1])


def _title_line(lines, g) -> int | None:
    """Index of the line ending the notice's title: the first line near the top that ends like a
    title (…的通知) and holds no sentence punctuation, one holding 关于 first (a web page's
    breadcrumb `首页 > 通知公告` ends like a title too). Letter spacing (`通 知`) is ignored."""
    fallback = None
    seen = 0
    for i, (_, ln) in enumerate(lines):
        s = ln.strip()
        if not s:
            continue
        seen += 1
        if seen > 25:
            break
        if "\t" in s or "。" in s or len(s) > 160:
            continue
        squeezed = s.replace(" ", "")
        if len(squeezed) <= 120 and g["title_line"].match(squeezed):
            if "关于" in squeezed or _title_opened_above(lines, i):
                return i
            if fallback is None:
                fallback = i
    return fallback


def _title_opened_above(lines, i: int) -> bool:
    """Whether the lines just above line i open a title it ends (关于做好… / …的通知 over lines)."""
    for j in range(i - 1, max(-1, i - 4), -1):
        s = lines[j][1].replace(" ", "")
        if not s or "。" in s:
            return False
        if "关于" in s:
            return True
    return False


def _signature(lines, g, title_idx) -> tuple[tuple[int, int] | None, int] | None:
    """(first and last index of the office lines, index of the date line) of the 落款: the first
    date standing alone on a line after the title (not a 印发 line) with an office above it or
    a sentence's end before it; or an office and a date on one line."""
    start = (title_idx + 1) if title_idx is not None else 0
    for i in range(start, len(lines)):
        ln = lines[i][1]
        if "日" not in ln or "\t" in ln or ("印发" in ln and g["printed"](ln)):
            continue
        if g["office_date"].match(ln):
            return (i, i), i
        if not g["date_line"].match(ln):
            continue
        # offices stacked above the date, blank lines allowed between them
        j, first, last = i - 1, None, None
        while j > start and i - j <= 8:
            prev = lines[j][1]
            if not prev.strip():
                j -= 1
                continue
            if "\t" not in prev and g["office_line"].match(prev) and not g["label"].match(prev):
                first = j
                last = last if last is not None else j
                j -= 1
                continue
            break
        if first is not None:
            return (first, last), i
        if j >= start and lines[j][1].rstrip()[-1:] in "。！）)" :
            return None, i
    return None


def _label_title(g, line: str) -> str | None:
    m = g["label"].match(line)
    return (m.group("title") or "").strip() or None if m else None


def _parts(text, lines, g, title_idx, sig) -> list[Part]:
    n = len(text)
    parts: list[Part] = []
    body_start = _line_end(lines[title_idx]) + 1 if title_idx is not None else 0
    body_start = min(body_start, n)
    if title_idx is not None:
        parts.append(Part("header", 0, body_start))
    if sig is not None:
        office, date = sig
        sig_first = office[0] if office is not None else date
        sig_start, sig_end = lines[sig_first][0], min(n, _line_end(lines[date]) + 1)
        parts.append(Part("body", body_start, sig_start))
        parts.append(Part("signature", sig_start, sig_end))
        tail_from = date + 1
    else:
        tail_from = None
        # without a 落款 the body ends at the first attachment that is not a body list line
        for i in range((title_idx or -1) + 1, len(lines)):
            if _opens_attachment(lines, i, g, signed=False) or _opens_footer(lines[i][1], g):
                tail_from = i
                break
        body_end = lines[tail_from][0] if tail_from is not None else n
        parts.append(Part("body", body_start, body_end))
    if tail_from is None or tail_from >= len(lines):
        return _close(text, parts)
    # after the signature: attachments, plans, the end matter, and notes in between
    cur_kind, cur_start, cur_label, cur_title = "note", lines[tail_from][0], None, None
    i = tail_from
    while i < len(lines):
        st, ln = lines[i]
        kind = label = title = None
        if _opens_attachment(lines, i, g, signed=True):
            kind, label, title = "attachment", ln.strip().split("：")[0].split(":")[0].strip(), _label_title(g, ln)
            if title is None:
                nxt = _next_nonblank(lines, i)
                if nxt is not None and "\t" not in lines[nxt][1] and len(lines[nxt][1].strip()) <= 80:
                    title = lines[nxt][1].strip()
            if title and g["plan_title"].match(title):
                kind = "plan"
        elif _opens_footer(ln, g):
            kind = "footer"
        elif (cur_kind in ("note", "footer") and "\t" not in ln and "。" not in ln
              and g["plan_title"].match(ln.strip())):
            kind, title = "plan", ln.strip()
        if kind is not None and not (kind == "footer" and cur_kind == "footer"):
            if st > cur_start:
                parts.append(Part(cur_kind, cur_start, st, cur_label, cur_title))
            cur_kind, cur_start, cur_label, cur_title = kind, st, label, title
        i += 1
    parts.append(Part(cur_kind, cur_start, n, cur_label, cur_title))
    return _close(text, parts)


def _close(text: str, parts: list[Part]) -> list[Part]:
    """Parts tile the text: a part holding only blank lines joins the one before it."""
    out: list[Part] = []
    for p in parts:
        if p.end <= p.start:
            continue
        if out and not text[p.start:p.end].strip():
            prev = out[-1]
            out[-1] = Part(prev.kind, prev.start, p.end, prev.label, prev.title)
            continue
        out.append(p)
    if out and out[-1].end < len(text):
        last = out[-1]
        out[-1] = Part(last.kind, last.start, len(text), last.label, last.title)
    return out


def _next_nonblank(lines, i: int) -> int | None:
    for j in range(i + 1, min(len(lines), i + 4)):
        if lines[j][1].strip():
            return j
    return None


def _opens_attachment(lines, i: int, g, signed: bool) -> bool:
    ln = lines[i][1]
    if "附" not in ln[:4] or "\t" in ln or not g["label"].match(ln):
        return False
    title = _label_title(g, ln)
    nxt = _next_nonblank(lines, i)
    nxt_is_label = nxt is not None and bool(g["label"].match(lines[nxt][1]))
    if signed:
        listed = title and LIST_ITEM.match(title) and nxt is not None and LIST_ITEM.match(lines[nxt][1].strip())
        return not (title and nxt_is_label) and not listed  # a list of attachments restated after the 落款
    # unsigned: `附件` alone, or `附件1：title` followed by the attachment's own content
    if nxt is None or nxt_is_label:
        return False
    if title is None:
        return True
    return any("\t" in lines[j][1] for j in range(nxt, min(len(lines), nxt + 5)))


LIST_ITEM = re.compile(r"\d{1,2}[.、．]")  # `附件:1.…` then `2.…`: a list of attachments, not one


def _opens_footer(line: str, g) -> bool:
    s = line.lstrip()
    return s.startswith(g["footer_starts"]) or (
        len(s) <= 60 and "印发" in s and "。" not in s and bool(g["printed"](s)))


def _outline(text, lines, parts: list[Part], g) -> list[Item]:
    items: list[Item] = []
    stops = g["stops"]
    max_title = terms()["max_heading_title"]
    styles = g["styles"]
    for pi, part in enumerate(parts):
        if part.kind not in ("body", "attachment", "plan", "note"):
            continue
        ranks: dict[str, int] = {}  # marker style -> nesting rank, by first appearance
        open_items: list[tuple[int, Item]] = []  # (rank, item) of sections still open
        for m in g["any_marker"].finditer(text, part.start, part.end):
            st = m.start()
            line_end = text.find("\n", st, part.end)
            line_end = part.end if line_end == -1 else line_end
            if text.find("\t", st, line_end) != -1:
                continue  # a table row that starts with its sequence number
            style = styles[m.lastindex]
            rank = ranks.setdefault(style, len(ranks) + 1)
            rest_start = m.end()
            stop = stops.search(text, rest_start, line_end)
            title_end = stop.start() if stop else line_end
            raw = text[rest_start:title_end]
            title = raw.strip()
            while open_items and open_items[-1][0] >= rank:
                open_items.pop()[1].end = st
            parent = open_items[-1][1] if open_items else None
            item = Item(start=st, end=part.end, line_end=line_end, style=style,
                        number=m.group(m.lastindex + 1), level=parent.level + 1 if parent else 1,
                        title=title, title_start=rest_start + (len(raw) - len(raw.lstrip())),
                        heading=0 < len(title) <= max_title, part=pi,
                        parent=parent.index if parent else None, index=len(items))
            items.append(item)
            open_items.append((rank, item))
    return items


def _tables(text, lines, parts: list[Part], g) -> list[Table]:
    tables: list[Table] = []
    run: list[tuple[int, str]] = []

    def flush(end_idx: int) -> None:
        if len(run) >= 2 or (run and len(run[0][1].split("\t")) >= 3):
            tables.append(_table(lines, run, end_idx, parts, g))
        run.clear()

    # only the lines holding a tab can be rows: found from the tabs, not by walking every line
    starts = [st for st, _ in lines]
    pos = text.find("\t")
    while pos != -1:
        i = bisect.bisect_right(starts, pos) - 1
        ln = lines[i][1]
        if ln.strip("\t "):
            if run and not _same_run(lines, run[-1], i):
                flush(i)
            run.append((i, ln))
        nxt = text.find("\n", pos)
        pos = -1 if nxt == -1 else text.find("\t", nxt)
    flush(len(lines))
    return tables


def _same_run(lines, last: tuple[int, str], i: int) -> bool:
    """Rows one or two blank lines apart still belong to one table (a page break inside it)."""
    return i - last[0] <= 3 and all(not lines[k][1].strip() for k in range(last[0] + 1, i))


def _table(lines, run, end_idx, parts, g) -> Table:
    rows = []
    for i, ln in run:
        st = lines[i][0]
        cells, pos = [], st
        for cell in ln.split("\t"):
            lead = len(cell) - len(cell.lstrip())
            cells.append(Cell(pos + lead, pos + len(cell.rstrip()), cell.strip()))
            pos += len(cell) + 1
        rows.append(Row(st, st + len(ln), tuple(cells)))
    start, end = rows[0].start, rows[-1].end
    caption = caption_start = unit = None
    seen = 0
    for j in range(run[0][0] - 1, max(-1, run[0][0] - 8), -1):
        st, ln = lines[j]
        s = ln.strip()
        if not s:
            continue
        if "\t" in ln:
            break
        seen += 1
        m = g["unit"].search(s)
        if m and unit is None:
            unit = m.group("unit")
            if len(s) - len(m.group(0)) <= 4:  # a line that is only the unit
                continue
        if caption is None and len(s) <= 80 and "。" not in s:
            caption, caption_start = s, st + (len(ln) - len(ln.lstrip()))
        break
    if unit is None:
        header = " ".join(rows[0].values)
        m = g["unit"].search(header)
        unit = m.group("unit") if m else None
    part = next((k for k, p in enumerate(parts) if p.start <= start < p.end), len(parts) - 1)
    return Table(start, end, tuple(rows), caption, caption_start, unit, max(part, 0))
