"""Attachment files beside their notice: which file belongs to which notice, and the notice's
text with its attachments appended.

Counties publish the quota table as an Excel (or Word) file beside the notice page. Such a file
is an attachment when it is mostly a table and has no `关于…的通知` title; it belongs to the
notice in the same folder that names it in its `附件` line (or links it, on a web page) or whose
file name it extends (`通知.html` + `通知_附件1.xlsx`). An attachment no notice claims is
reported, not extracted as a notice of its own.

`group` is pure (it works on `Probe`s); `group_files` is the I/O around it, reading only what
it must: nothing in a folder without spreadsheet or Word files, and a notice's text only when
a file name does not already settle where an attachment belongs.
"""
from __future__ import annotations

import os
import re as _re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

import regex as re

from noticeflow.schemas.errors import InputError

SHEET_SUFFIXES = (".xlsx", ".xls")
WORD_SUFFIXES = (".docx", ".doc", ".wps")
_MAX_ATTACHMENT_PROSE = 300          # Han characters outside tables an attachment may hold
_MIN_NAME = 4                        # shorter names match too much

_NOTICE_TITLE = re.compile(r"关于.{0,80}?(?:通知|通告|公告|意见|决定|批复|函)")
# `附件：名称` / `附件1：名称` / `附件：1.名称 2.名称`, and list lines under a bare `附件：`.
_ATTACHMENT_LINE = re.compile(r"^\s*附\s*件\s*(\d{0,2})\s*[:：]\s*(.*?)\s*$", re.M)
_LIST_ITEM = re.compile(r"^\s*(\d{1,2})\s*[.．、]\s*(\S.*?)\s*$")
_INLINE_ITEMS = re.compile(r"(?:^|\s)\d{1,2}\s*[.．、]\s*")
_EXT = _re.compile(r"\.(?:docx?|wps|xlsx?|et|pdf|txt|html?)$", _re.I)
_SQUASH = re.compile(r"[\s\p{P}\p{S}]+")
_XML_TABLE = _re.compile(r"<w:tbl>.*?</w:tbl>", _re.S)
_XML_TEXT = _re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_HAN = re.compile(r"\p{Han}")
_SUFFIX_PART = re.compile(r"[\s_\-—.（(]*(?:附件|附表|\d)")     # 通知 + _附件1 / -2 / (附表)


@dataclass(frozen=True)
class Notice:
    """A notice file and the attachment files appended to it, in 附件 order."""
    path: str
    attachments: tuple[str, ...] = ()


@dataclass
class Probe:
    """What grouping needs to know about one file."""
    path: str
    attachment: bool = False          # mostly a table, no notice title: a candidate attachment
    title: str | None = None          # an attachment's own title (its first line)
    names: list[str] = field(default_factory=list)   # a notice's 附件 titles and linked file names
    error: InputError | None = None


def attachment_titles(text: str) -> list[str]:
    """The titles a notice lists under 附件, in order (`附件：1.甲 2.乙` gives both)."""
    titles: list[str] = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = "附" in line and _ATTACHMENT_LINE.match(line)  # the `in` test spares most lines the regex
        if not m:
            continue
        rest = m.group(2)
        if rest:
            titles += [s.strip() for s in _INLINE_ITEMS.split(rest) if s.strip()]
        if rest and not _LIST_ITEM.match(rest):
            continue
        for nxt in lines[i + 1:i + 12]:         # `附件：1.甲` then `2.乙` on lines of their own
            item = _LIST_ITEM.match(nxt)
            if not item:
                break
            titles.append(item.group(2))
    return [t for t in dict.fromkeys(_EXT.sub("", t).strip() for t in titles) if t]


def squash(s: str) -> str:
    return _SQUASH.sub("", _EXT.sub("", s or "")).lower()


def _stem(path: str) -> str:
    return squash(os.path.splitext(os.path.basename(path))[0])


def _names_match(a: str, b: str) -> bool:
    a, b = squash(a), squash(b)
    if len(a) < _MIN_NAME or len(b) < _MIN_NAME:
        return a == b and bool(a)
    return a == b or a in b or b in a


def claim(notice: Probe, attachment: Probe) -> int:
    """How strongly a notice claims an attachment: 3 same file-name stem (or the attachment's
    name extends the notice's), 2 the notice's 附件 list names its title or file name, 0 not."""
    ns, a_stem = _stem(notice.path), _stem(attachment.path)
    n_raw = os.path.splitext(os.path.basename(notice.path))[0]
    a_raw = os.path.splitext(os.path.basename(attachment.path))[0]
    if ns and (a_stem == ns or (a_stem.startswith(ns) and len(ns) >= _MIN_NAME)
               or (a_raw.startswith(n_raw) and _SUFFIX_PART.match(a_raw[len(n_raw):]))):
        return 3
    wanted = [attachment.title or "", os.path.basename(attachment.path)]
    if any(_names_match(n, w) for n in notice.names for w in wanted if w):
        return 2
    return 0


def group(probes: list[Probe]) -> tuple[list[Notice], list[InputError]]:
    """Probes of the files of one folder -> notices with their attachments, and the problems
    (unreadable candidates, attachments no notice claims). Pure."""
    problems = [p.error for p in probes if p.error is not None]
    candidates = [p for p in probes if p.error is None and p.attachment]
    notices = [p for p in probes if p.error is None and not p.attachment]
    attached: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for a in candidates:
        scored = sorted(((claim(n, a), n.path) for n in notices), key=lambda t: (-t[0], t[1]))
        if scored and scored[0][0] > 0:
            best = scored[0][1]
            owner = next(n for n in notices if n.path == best)
            attached[best].append((_order(owner, a), a.path))
        else:
            problems.append(InputError(a.path, "attachment with no notice beside it (no notice in its folder "
                                               "names it or shares its file name); not extracted"))
    out = [Notice(n.path, tuple(p for _, p in sorted(attached.get(n.path, [])))) for n in notices]
    return out, problems


def _order(notice: Probe, attachment: Probe) -> int:
    """The attachment's place in the notice's 附件 list (unlisted ones go last)."""
    for i, name in enumerate(notice.names):
        if _names_match(name, attachment.title or "") or _names_match(name, os.path.basename(attachment.path)):
            return i
    return len(notice.names)


def heading(notice_names: list[str], index: int, total: int, attachment_title: str | None, path: str) -> str:
    """The `附件N：<title>` line an appended attachment starts with (`附件：` when it is the only one)."""
    title = attachment_title or os.path.splitext(os.path.basename(path))[0]
    for name in notice_names:
        if _names_match(name, title) or _names_match(name, os.path.basename(path)):
            title = name
            break
    return f"附件{index + 1}：{title}" if total > 1 else f"附件：{title}"


def first_line(text: str) -> str | None:
    return next((ln.strip() for ln in text.split("\n") if ln.strip() and "\t" not in ln), None)


# -- I/O ---------------------------------------------------------------------------------------

def group_files(files: Iterable[str], read_names: Callable[[str], list[str]] | None = None
                ) -> tuple[list[Notice], list[InputError]]:
    """Files (as discovery found them) -> notices with their attachments, and the problems.
    A folder without spreadsheet or Word files costs no read at all."""
    files = list(files)
    by_folder: dict[str, list[str]] = defaultdict(list)
    for f in files:
        by_folder[os.path.dirname(os.path.abspath(f))].append(f)
    read_names = read_names or notice_names
    notices: list[Notice] = []
    problems: list[InputError] = []
    for folder in sorted(by_folder):
        paths = by_folder[folder]
        lower = {p: p.lower() for p in paths}
        has_candidates = any(lower[p].endswith(SHEET_SUFFIXES) for p in paths) or (
            len(paths) > 1 and any(lower[p].endswith(WORD_SUFFIXES) for p in paths))
        if not has_candidates:
            notices += _shown_by_pages([Notice(p) for p in paths])
            continue
        probes = [probe_candidate(p, len(paths) > 1) for p in paths]
        loose = [a for a in probes if a.attachment and not any(
            claim(n, a) == 3 for n in probes if not n.attachment and n.error is None)]
        if loose:  # a file name does not settle it: read what the notices here list as 附件
            for p in probes:
                if not p.attachment and p.error is None:
                    p.names = read_names(p.path)
        got, bad = group(probes)
        # a Word file that looked like an attachment but that no notice claims is a notice
        # after all when it may be one (.doc/.wps cannot be looked into without converting)
        for err in bad:
            if err.path.lower().endswith((".doc", ".wps")) and "no notice beside it" in err.reason:
                got.append(Notice(err.path))
            else:
                problems.append(err)
        notices += _shown_by_pages(got)
    order = {f: i for i, f in enumerate(files)}
    notices.sort(key=lambda n: order.get(n.path, len(order)))
    return notices, problems


_PAGE_SUFFIXES = (".html", ".htm", ".shtml")
_SHOWN_SUFFIXES = (".pdf", ".docx", ".doc", ".wps")


def _shown_by_pages(notices: list[Notice]) -> list[Notice]:
    """A page that shows a PDF or Word file of its folder in a viewer (`<iframe src=…viewer.html?
    file=….pdf>`, `<embed>`, `<object>`) has that file as its notice text: the file is the page's
    first attachment, not a notice of its own. Pages are read only in folders holding both."""
    pages = [n for n in notices if n.path.lower().endswith(_PAGE_SUFFIXES)]
    shown = {os.path.basename(n.path): n for n in notices if n.path.lower().endswith(_SHOWN_SUFFIXES) and not n.attachments}
    if not pages or not shown:
        return notices
    from noticeflow.readers import files, html

    taken: dict[str, tuple[str, ...]] = {}
    for page in pages:
        try:
            names = html.embedded_in(page.path, files.read_bytes(page.path))
        except (InputError, OSError):
            continue
        hits = tuple(shown[n].path for n in names if n in shown and shown[n].path not in
                     {p for t in taken.values() for p in t})
        if hits:
            taken[page.path] = hits
    if not taken:
        return notices
    gone = {p for t in taken.values() for p in t}
    return [Notice(n.path, taken.get(n.path, ()) + n.attachments) for n in notices if n.path not in gone]


def probe_candidate(path: str, has_neighbours: bool) -> Probe:
    """A cheap look: is this file an attachment (mostly a table, no notice title)?"""
    low = path.lower()
    try:
        if low.endswith(SHEET_SUFFIXES):
            from noticeflow.readers import read_document

            doc = read_document(path)
            return Probe(path, attachment=not _NOTICE_TITLE.search(doc.raw_text[:400].replace(" ", "")),
                         title=first_line(doc.raw_text))
        if has_neighbours and low.endswith(".docx"):
            return _probe_docx(path)
        if has_neighbours and low.endswith((".doc", ".wps")):
            return Probe(path, attachment=True, title=None)   # decided by its name only
    except InputError as e:
        return Probe(path, error=e)
    return Probe(path)


def _probe_docx(path: str) -> Probe:
    """Word's body XML, without python-docx: tables present, little prose, no notice title."""
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml")[:4_000_000].decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return Probe(path)          # the reader reports what is wrong with it
    if "<w:tbl>" not in xml:
        return Probe(path)
    prose = "".join(_XML_TEXT.findall(_XML_TABLE.sub("\n", xml)))
    is_attachment = len(_HAN.findall(prose)) <= _MAX_ATTACHMENT_PROSE and not _NOTICE_TITLE.search(prose.replace(" ", ""))
    first = next((t for t in _XML_TEXT.findall(xml) if t.strip()), None)
    return Probe(path, attachment=is_attachment, title=first)


def notice_names(path: str) -> list[str]:
    """The 附件 titles and linked file names of a notice (read in full: called only for folders
    where file names do not settle which notice an attachment belongs to)."""
    from noticeflow.readers import read_document

    try:
        doc = read_document(path)
    except InputError:
        return []
    return doc.attachment_names
