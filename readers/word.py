"""Word notices: `.docx` through python-docx, `.doc` / `.wps` converted by LibreOffice first.

Paragraphs and tables come in body order. Word's automatic numbering is not in a paragraph's
text, and `一、` `（一）` are how the structure parser finds the outline, so the numbers are
rebuilt here from numbering.xml (abstract lists, their levels' formats and `lvlText`, instance
overrides, restarts). Headers and footers (running titles, page numbers) are not body content
and are left out, except a 文号 or 红头 (…文件) line the first page's header holds and the body
lacks, which heads the text; text boxes are read after the paragraph that anchors them; a table
whose cells only frame other tables (a one-cell border round the quota table) is read as what it
holds.
"""
from __future__ import annotations

import atexit
import hashlib
import io
import os
import pathlib
import posixpath
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable

from noticeflow.readers.layout import drop_repeated_headers, join_cell
from noticeflow.schemas.errors import InputError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = {f"{W}pPr", f"{W}rPr", f"{W}del", f"{W}moveFrom", f"{W}txbxContent", _MC_FALLBACK,
         f"{W}instrText", f"{W}delText", f"{W}footnoteReference", f"{W}endnoteReference"}
CONVERT_TIMEOUT_S = 60
INSTALL_HINT = "reading .doc and .wps files needs LibreOffice: apt-get install libreoffice-writer-nogui"


@dataclass
class WordText:
    text: str
    tables: list[list[list[str]]] = field(default_factory=list)
    numbered: int = 0                       # paragraphs whose number was rebuilt


# -- .docx -------------------------------------------------------------------------------------
# The package is read with zipfile and lxml (the parser python-docx itself uses) rather than
# through python-docx's Document(): that parses every XML part on open (styles.xml is 350 KB in
# python-docx's own template, plus stylesWithEffects, settings, headers, footers), 7 of the 12 ms
# a notice took; the reader needs the body and the numbering, and the styles only when a
# paragraph's number comes from its style.

_MAX_PART = 50_000_000          # bytes a part may inflate to (a zip bomb stops here)
_REL_NUMBERING = "/numbering"
_REL_STYLES = "/styles"
_PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)


def read_docx(path: str, data: bytes) -> WordText:
    from lxml import etree

    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        main = _main_part(z)
        rels = _rels(z, main)
        body_xml = _read_part(path, z, main)
        numbering_xml = _read_part(path, z, rels[_REL_NUMBERING]) if _REL_NUMBERING in rels else None
        styles_name = rels.get(_REL_STYLES)
        root = etree.fromstring(body_xml, _parser())
        numbering_root = etree.fromstring(numbering_xml, _parser()) if numbering_xml else None
    except InputError:
        raise
    except (zipfile.BadZipFile, KeyError) as e:
        raise InputError(path, f"not a readable Word .docx file ({_short(e)})") from None
    except etree.XMLSyntaxError as e:
        raise InputError(path, f"damaged Word .docx file (XML: {_short(e)})") from None

    def styles():
        """styles.xml, parsed only when a numbered document has paragraph styles that number."""
        if not styles_name:
            return None
        raw = _read_part(path, z, styles_name)
        return etree.fromstring(raw, _parser()) if b"numPr" in raw else None

    body = root.find(f"{W}body")
    if body is None:
        raise InputError(path, "not a Word document (no document body)")
    numbering = Numbering(numbering_root, styles if numbering_root is not None else (lambda: None))
    out = _Out(numbering)
    out.blocks(body)
    head = [ln for ln in _first_page_header(path, z, main, body, numbering)
            if ln not in out.lines]
    if head:
        out.lines[:0] = head + [""]
    return WordText(out.text(), out.tables, numbering.rebuilt)


_DOC_NUMBER_LINE = re.compile(r"[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*第?\s*\d{1,4}\s*号$")
_RED_HEADER_LINE = re.compile(r"^\S{2,30}文件$")
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _first_page_header(path: str, z: zipfile.ZipFile, main: str, body, numbering) -> list[str]:
    """The 文号 and 红头 lines of the header printed on the first page (the `first` header where
    the first section has a title page; else the `default` one, a running head, gives only a
    文号): offices that keep the red header in the page header put the 文号 nowhere else.
    Running titles and page numbers are not such lines and stay out."""
    from lxml import etree

    sect = next((p for p in body.iter(f"{W}sectPr")), None)
    if sect is None:
        return []
    refs = {r.get(f"{W}type") or "default": r.get(f"{_R}id") for r in sect.findall(f"{W}headerReference")}
    first = refs.get("first") if sect.find(f"{W}titlePg") is not None and _on(sect.find(f"{W}titlePg")) else None
    rid = first or refs.get("default")
    if not rid:
        return []
    folder, name = posixpath.split(main)
    try:
        rels = etree.fromstring(z.read(posixpath.join(folder, "_rels", name + ".rels")), _parser())
        target = next(r.get("Target", "") for r in rels.iter(_PKG_RELS) if r.get("Id") == rid)
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        root = etree.fromstring(_read_part(path, z, part), _parser())
    except (KeyError, StopIteration, etree.XMLSyntaxError):
        return []
    out = _Out(numbering)
    out.blocks(root)
    # a header on every page (no title page) is a running head: only a 文号 there is the notice's
    return [ln for ln in out.lines if _DOC_NUMBER_LINE.search(ln) or (first and _RED_HEADER_LINE.match(ln))]


def _on(el) -> bool:
    return el.get(f"{W}val") not in ("0", "false", "off")


def _main_part(z: zipfile.ZipFile) -> str:
    from lxml import etree

    try:
        rels = etree.fromstring(z.read("_rels/.rels"), _parser())
    except KeyError:
        return "word/document.xml"
    for rel in rels.iter(_PKG_RELS):
        if rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target", "").lstrip("/")
    return "word/document.xml"


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship type suffix (`/numbering`) -> part name, for the parts next to `part`."""
    from lxml import etree

    folder, name = posixpath.split(part)
    try:
        root = etree.fromstring(z.read(posixpath.join(folder, "_rels", name + ".rels")), _parser())
    except KeyError:
        return {}
    out = {}
    for rel in root.iter(_PKG_RELS):
        if rel.get("TargetMode") == "External":
            continue
        kind = "/" + rel.get("Type", "").rsplit("/", 1)[-1]
        target = rel.get("Target", "")
        out[kind] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
    return out


def _read_part(path: str, z: zipfile.ZipFile, name: str) -> bytes:
    info = z.getinfo(name)
    if info.file_size > _MAX_PART:
        raise InputError(path, f"Word part {name} inflates to {info.file_size / 1e6:.0f} MB (limit {_MAX_PART // 1_000_000} MB)")
    return z.read(info)


class _Out:
    def __init__(self, numbering: "Numbering") -> None:
        self.numbering = numbering
        self.lines: list[str] = []
        self.tables: list[list[list[str]]] = []

    def blocks(self, parent) -> None:
        children = list(parent)
        rows = _tab_rows(children)
        for i, el in enumerate(children):
            if i in rows:
                if i == 0 or i - 1 not in rows:
                    self.blank()
                self.lines.append("\t".join(rows[i]))
                if i + 1 not in rows:
                    self.blank()
            elif el.tag == f"{W}p":
                self.paragraph(el)
            elif el.tag == f"{W}tbl" and _frame_only(el):
                for tc in el.iter(f"{W}tc"):
                    if _owner_row(tc).getparent() is el:
                        self.blocks(tc)
            elif el.tag == f"{W}tbl":
                rows = self.table(el)
                if rows:
                    self.tables.append(rows)
                    self.blank()
                    self.lines.extend("\t".join(r) for r in rows)
                    self.blank()
            elif el.tag in (f"{W}sdt", f"{W}customXml", f"{W}ins", f"{W}smartTag"):
                content = el.find(f"{W}sdtContent")
                self.blocks(content if content is not None else el)

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def paragraph(self, p) -> None:
        text = paragraph_text(p)
        label = self.numbering.label(p) if text.strip() else ""
        line = (label + text).strip(" \u3000")
        if line:
            self.lines.extend(ln.strip(" \u3000") for ln in line.split("\n"))
        else:
            self.blank()
        for box in _text_boxes(p):
            self.blocks(box)

    def table(self, tbl) -> list[list[str]]:
        """Rows on the table grid: a merged cell's text in its first cell, "" where it spans
        (gridSpan across, vMerge down)."""
        rows: list[list[str]] = []
        for tr in tbl.iter(f"{W}tr"):
            if tr.getparent() is not tbl and tr.getparent().getparent() is not tbl:
                continue          # a row of a table nested in a cell: read as that cell's text
            row: list[str] = []
            before = _int_val(tr.find(f"{W}trPr/{W}gridBefore"), 0)
            row += [""] * before
            for tc in tr.iter(f"{W}tc"):
                if _owner_row(tc) is not tr:
                    continue
                pr = tc.find(f"{W}tcPr")
                span = _int_val(pr.find(f"{W}gridSpan") if pr is not None else None, 1)
                vmerge = pr.find(f"{W}vMerge") if pr is not None else None
                continued = vmerge is not None and vmerge.get(f"{W}val") in (None, "continue")
                text = "" if continued else self.cell_text(tc)
                row += [text] + [""] * (span - 1)
            rows.append(row)
        width = max((len(r) for r in rows), default=0)
        rows = [r + [""] * (width - len(r)) for r in rows]
        return drop_repeated_headers([r for r in rows if any(r)])

    def cell_text(self, tc) -> str:
        inner = _Out(self.numbering)
        inner.blocks(tc)
        return join_cell(inner.lines)

    def text(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def _tab_row(p) -> list[str] | None:
    """A paragraph laid out as a table row with tabs (WPS and Word users type pseudo-tables so):
    its fields, a leading tab kept as an empty first field."""
    if p.tag != f"{W}p" or not any(True for _ in p.iter(f"{W}tab")):
        return None
    text = paragraph_text(p, "\t")
    if "\n" in text:
        return None
    # with tab stops set, each tab moves to the next stop: a column (two tabs skip an empty one);
    # on Word's default stops a clerk presses tab until the text lines up: a run of tabs is one
    stops = p.find(f"{W}pPr/{W}tabs") is not None
    fields = [f.strip(" \u3000") for f in re.split(r"\t" if stops else r"\t+", text.rstrip("\t "))]
    if len(fields) < 2 or not any(fields[1:]):
        return None
    return fields


def _tab_rows(children) -> dict[int, list[str]]:
    """Index -> fields of the paragraphs that form a pseudo-table: two or more tab rows in a row,
    one at least with two filled fields (a single `组长：<tab>张三` line stays prose)."""
    out: dict[int, list[str]] = {}
    run: list[tuple[int, list[str]]] = []

    def close() -> None:
        if len(run) >= 2 and any(sum(1 for f in fs if f) >= 2 for _, fs in run):
            out.update(run)
        run.clear()

    for i, el in enumerate(children):
        fields = _tab_row(el)
        if fields is None:
            close()
        else:
            run.append((i, fields))
    close()
    return out


def _frame_only(tbl) -> bool:
    """A table whose own cells hold nothing but other tables (and empty paragraphs): a frame
    drawn round them, not a table of its own."""
    cells = [tc for tc in tbl.iter(f"{W}tc") if _owner_row(tc).getparent() is tbl]
    if not cells or not any(tc.find(f"{W}tbl") is not None for tc in cells):
        return False
    return all(not paragraph_text(p).strip() for tc in cells for p in tc.findall(f"{W}p"))


def _owner_row(tc):
    el = tc.getparent()
    while el is not None and el.tag != f"{W}tr":
        el = el.getparent()
    return el


def paragraph_text(p, tab: str = " ") -> str:
    """A paragraph's visible text: runs, hyperlinks, insertions and field results; not deleted
    text, field codes, tab-stop definitions or text boxes. A tab is a space here (a tab in the
    contract's text means a table cell) unless `tab` says otherwise; a line break stays a line
    break."""
    out: list[str] = []

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == f"{W}t":
                out.append(child.text or "")
            elif tag in (f"{W}tab", f"{W}ptab"):
                out.append(tab)
            elif tag in (f"{W}br", f"{W}cr"):
                out.append("\n")
            elif tag == f"{W}noBreakHyphen":
                out.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _text_boxes(p) -> list:
    if not any(True for _ in p.iter(f"{W}txbxContent")):
        return []
    return [box for box in p.iter(f"{W}txbxContent") if not any(a.tag == _MC_FALLBACK for a in box.iterancestors())]


def _int_val(el, default: int, hi: int = 64) -> int:
    """An element's w:val as an int in [0, hi] (spans are bounded: no 10^9-cell rows)."""
    if el is None:
        return default
    try:
        return max(0, min(int(el.get(f"{W}val")), hi))
    except (TypeError, ValueError):
        return default


def _attr_int(el, name: str, default: int, hi: int) -> int:
    try:
        return max(0, min(int(el.get(f"{W}{name}")), hi))
    except (TypeError, ValueError):
        return default


def _short(e: BaseException) -> str:
    return " ".join(str(e).split())[:120] or type(e).__name__


# -- numbering ---------------------------------------------------------------------------------

@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None        # lvlRestart: 0 never, N after a level-N paragraph (1-based)
    legal: bool = False               # isLgl: every number in decimal
    suffix: str = "tab"
    style: str | None = None          # the paragraph style (a heading) that uses this level


class Numbering:
    """Word's list counters, replayed paragraph by paragraph in body order.

    Counters belong to the abstract list: two instances of one abstract list continue each
    other, as Word numbers them; an instance's `startOverride` restarts its level the first
    time the instance is used (how Word writes "restart numbering")."""

    def __init__(self, numbering, styles) -> None:
        self.levels: dict[str, dict[int, Level]] = {}          # abstractNumId -> levels
        self.nums: dict[str, tuple[str, dict[int, int], dict[int, Level]]] = {}
        self._styles = styles                                   # () -> styles.xml root, on demand
        self._style_map: tuple[dict, dict] | None = None
        self.counters: dict[str, list[int | None]] = {}
        self.used: set[str] = set()
        self.rebuilt = 0
        if numbering is not None:
            self._read_numbering(numbering)

    def _style_maps(self) -> tuple[dict, dict]:
        """(style -> (numId, ilvl) of its own numPr, style -> the style it is based on)."""
        if self._style_map is None:
            numpr_of, based_on = {}, {}
            root = self._styles()
            for st in root.iter(f"{W}style") if root is not None else ():
                sid = st.get(f"{W}styleId")
                based = st.find(f"{W}basedOn")
                if based is not None:
                    based_on[sid] = based.get(f"{W}val")
                numpr = st.find(f"{W}pPr/{W}numPr")
                if numpr is not None:
                    num_id = numpr.find(f"{W}numId")
                    ilvl = numpr.find(f"{W}ilvl")
                    numpr_of[sid] = (num_id.get(f"{W}val") if num_id is not None else None,
                                     _int_val(ilvl, 0) if ilvl is not None else None)
            self._style_map = (numpr_of, based_on)
        return self._style_map

    def _read_numbering(self, root) -> None:
        links: dict[str, str] = {}
        for an in root.iter(f"{W}abstractNum"):
            aid = an.get(f"{W}abstractNumId")
            self.levels[aid] = {_attr_int(lvl, "ilvl", 0, 9): _level(lvl)
                                for lvl in an.iter(f"{W}lvl")}
            link = an.find(f"{W}numStyleLink")
            if link is not None:
                links[aid] = link.get(f"{W}val")
        for num in root.iter(f"{W}num"):
            nid = num.get(f"{W}numId")
            ref = num.find(f"{W}abstractNumId")
            if ref is None:
                continue
            starts, redefined = {}, {}
            for ov in num.iter(f"{W}lvlOverride"):
                ilvl = _attr_int(ov, "ilvl", 0, 9)
                so = ov.find(f"{W}startOverride")
                if so is not None:
                    starts[ilvl] = _int_val(so, 1, 10**6)
                lvl = ov.find(f"{W}lvl")
                if lvl is not None:
                    redefined[ilvl] = _level(lvl)
            self.nums[nid] = (ref.get(f"{W}val"), starts, redefined)
        # numStyleLink: an abstract list that only points at a numbering style, whose own
        # instance points at the abstract list holding the levels.
        for aid, style in links.items():
            num_id, _ = self._style_numpr(style)
            target = self.nums.get(num_id or "")
            if target and target[0] != aid and self.levels.get(target[0]):
                self.levels[aid] = self.levels[target[0]]

    def _style_numpr(self, style: str | None) -> tuple[str | None, int | None]:
        numpr_of, based_on = self._style_maps()
        seen = set()
        while style and style not in seen:
            seen.add(style)
            if style in numpr_of:
                return numpr_of[style]
            style = based_on.get(style)
        return None, None

    def label(self, p) -> str:
        """The number Word shows before paragraph `p` ("" when it has none); advances the counters."""
        if not self.nums:
            return ""
        num_id, ilvl, style = None, None, None
        ppr = p.find(f"{W}pPr")
        if ppr is not None:
            ps = ppr.find(f"{W}pStyle")
            style = ps.get(f"{W}val") if ps is not None else None
            numpr = ppr.find(f"{W}numPr")
            if numpr is not None:
                n = numpr.find(f"{W}numId")
                lv = numpr.find(f"{W}ilvl")
                num_id = n.get(f"{W}val") if n is not None else None
                ilvl = int(lv.get(f"{W}val", "0")) if lv is not None and lv.get(f"{W}val", "").isdigit() else None
        if num_id is None and style:
            num_id, style_ilvl = self._style_numpr(style)
            ilvl = ilvl if ilvl is not None else style_ilvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        aid, starts, redefined = self.nums[num_id]
        levels = {**self.levels.get(aid, {}), **redefined}
        if ilvl is None:
            ilvl = next((i for i, lvl in levels.items() if lvl.style == style), 0)
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(aid, [None] * 10)
        if num_id not in self.used:
            self.used.add(num_id)
            for lvl_i, start in starts.items():
                if 0 <= lvl_i < 10:
                    counters[lvl_i] = start - 1
        level = levels[ilvl]
        counters[ilvl] = (counters[ilvl] + 1) if counters[ilvl] is not None else level.start
        for deeper in range(ilvl + 1, 10):
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or (restart != 0 and ilvl <= restart - 1):
                counters[deeper] = None
        text = level.text
        if level.fmt in ("bullet", "none") or not text:
            return ""
        for i in range(9, -1, -1):
            token = f"%{i + 1}"
            if token in text:
                lvl = levels.get(i, Level())
                value = counters[i] if counters[i] is not None else lvl.start
                text = text.replace(token, format_number(value, "decimal" if level.legal else lvl.fmt))
        self.rebuilt += 1
        if level.suffix != "nothing" and text[-1:].isascii() and text[-1:].strip():
            text += " "
        return text


def _level(lvl) -> Level:
    def val(name: str, default=None):
        el = lvl.find(f"{W}{name}")
        return el.get(f"{W}val", default) if el is not None else default

    out = Level(start=min(int(val("start", "1")), 10**6) if str(val("start", "1")).isdigit() else 1,
                fmt=val("numFmt", "decimal"), text=val("lvlText", "") or "",
                restart=int(val("lvlRestart")) if str(val("lvlRestart", "")).isdigit() else None,
                legal=lvl.find(f"{W}isLgl") is not None and val("isLgl", "1") not in ("0", "false"),
                suffix=val("suff", "tab"), style=val("pStyle"))
    return out


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PAREN = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
_STOP = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


def format_number(n: int, fmt: str) -> str:
    """A counter in a Word numFmt (ECMA-376 §17.18.59), for the formats Chinese documents use."""
    import cn2an

    n = max(0, min(n, 10**9))
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand",
               "japaneseCounting"):
        return cn2an.an2cn(n) if n else "〇"
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return cn2an.an2cn(n, "up") if n else "零"
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n))
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10] if n else ""
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12] if n else ""
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return _CIRCLED[n - 1] if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return _PAREN[n - 1] if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return _STOP[n - 1] if 1 <= n <= 20 else f"{n}."
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("lowerLetter", "upperLetter"):
        s = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n else ""
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        s, rest = "", n
        for value, numeral in _ROMAN:
            while rest >= value:
                s, rest = s + numeral, rest - value
        return s.upper() if fmt == "upperRoman" else s
    return str(n)


# -- .doc / .wps through LibreOffice -----------------------------------------------------------

_PROFILE: str | None = None


def _profile() -> str:
    """A LibreOffice user profile private to this process: parallel workers each get their own
    (two soffice processes sharing one profile block or fail), and one process reuses its own,
    since creating a profile costs seconds."""
    global _PROFILE
    if _PROFILE is None or not os.path.isdir(_PROFILE):
        _PROFILE = tempfile.mkdtemp(prefix=f"noticeflow-lo-{os.getpid()}-")
        atexit.register(shutil.rmtree, _PROFILE, True)
    return _PROFILE


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(path: str, data: bytes, suffix: str, timeout: float = CONVERT_TIMEOUT_S) -> bytes:
    """Legacy Word bytes -> .docx bytes by `soffice --headless --convert-to docx`, in a temporary
    folder, killed (with its children) at the time limit."""
    hit = _CONVERTED.get(hashlib.sha256(data).hexdigest())
    if hit is not None:
        return hit
    exe = soffice()
    if exe is None:
        raise InputError(path, INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="noticeflow-doc-") as tmp:
        src = pathlib.Path(tmp) / f"in{suffix}"        # a plain name: no option-like or odd file names
        src.write_bytes(data)
        cmd = [exe, f"-env:UserInstallation={pathlib.Path(_profile()).as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "docx:MS Word 2007 XML",
               "--outdir", tmp, str(src)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise InputError(path, f"LibreOffice conversion timed out after {timeout:g} s") from None
        out = pathlib.Path(tmp) / "in.docx"
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            detail = " ".join(err.decode("utf-8", "replace").split())[:120]
            raise InputError(path, "LibreOffice could not convert this file (damaged or password-protected?"
                             + (f" {detail}" if detail else "") + ")")
        return out.read_bytes()


_CONVERTED: dict[str, bytes] = {}      # sha256 of legacy bytes -> .docx bytes (see preconverted)
LEGACY_SUFFIXES = (".doc", ".wps")


@contextmanager
def preconverted(paths: Iterable[str | pathlib.Path], timeout_per_file: float = 10.0):
    """Convert the legacy Word files among `paths` in one LibreOffice call for the block:
    LibreOffice then starts once (measured: 41 files in 16 s, against 3-5 s each one by one).
    `convert_to_docx` takes the results by content; a file the batch could not convert is
    converted on its own when read, so it gets its own error message."""
    legacy = [pathlib.Path(p) for p in paths if str(p).lower().endswith(LEGACY_SUFFIXES)]
    exe = soffice()
    added: list[str] = []
    if len(legacy) > 1 and exe:
        with tempfile.TemporaryDirectory(prefix="noticeflow-docs-") as tmp:
            inputs = {}
            for i, p in enumerate(legacy):
                try:
                    data = p.read_bytes()
                except OSError:
                    continue
                src = pathlib.Path(tmp) / f"in{i}{p.suffix.lower()}"
                src.write_bytes(data)
                inputs[src] = hashlib.sha256(data).hexdigest()
            out = pathlib.Path(tmp) / "out"
            cmd = [exe, f"-env:UserInstallation={pathlib.Path(_profile()).as_uri()}", "--headless", "--norestore",
                   "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "docx:MS Word 2007 XML",
                   "--outdir", str(out), *map(str, inputs)]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                proc.wait(timeout=30 + timeout_per_file * len(inputs))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            for src, sha in inputs.items():
                got = out / (src.stem + ".docx")
                if got.is_file() and got.stat().st_size:
                    _CONVERTED[sha] = got.read_bytes()
                    added.append(sha)
    try:
        yield
    finally:
        for sha in added:
            _CONVERTED.pop(sha, None)
