"""Render plain-text notices the way county sites publish them: article pages (UTF-8, GB2312)
with site chrome, Word `.docx` with real tables and automatic numbering, `.doc` (LibreOffice),
the quota table as an `.xlsx` attachment beside an HTML notice, and a printed PDF with its text
layer (scripts/render_pdfs.py).

The renders are what the format tests and the format benchmark read: each must give the same
facts as the text it came from. The markdown-ish seeds (`#` headings, `**bold**`) become the
markup a CMS or Word would use; a numbered heading (`一、` `（一）` `1.` `①`) becomes Word
numbering (numbering.xml definitions, the literal number removed from the text) wherever Word's
counters can reproduce it, a restart becoming a new numbering instance with a start override.

    python scripts/render_formats.py OUT_DIR notices/*.txt    # every format, side by side
"""
from __future__ import annotations

import html
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import render_pdfs  # noqa: E402  (the printed PDF, laid out as corpus/*.pdf are)

# -- the plain text, parsed ------------------------------------------------------------------

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(?=\S)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ATTACHMENT_HEAD = re.compile(r"^\s*(?:#{1,6}\s*)?附\s*件\s*\d*\s*[:：]?\s*$")
_DATE = re.compile(r"(\d{4})\s*年\s*(?:\*\*)?(\d{1,2})(?:\*\*)?\s*月\s*(?:\*\*)?(\d{1,2})(?:\*\*)?\s*日")
_TITLE = re.compile(r"关于.{2,80}?(?:通知|公告|意见|方案)")
_CN = "零一二三四五六七八九十"
# numbered paragraphs Word would number: (level, marker pattern, value parser)
_MARKERS = [
    (0, re.compile(r"^([一二三四五六七八九十]{1,3})、\s*"), "cn"),
    (1, re.compile(r"^[(（]([一二三四五六七八九十]{1,3})[)）]\s*"), "cn"),
    (2, re.compile(r"^(\d{1,2})\.(?!\d)\s*"), "int"),
    (3, re.compile(r"^([①-⑳])\s*"), "circle"),
]


@dataclass
class Block:
    kind: str                       # "para" | "table" | "blank"
    text: str = ""
    level: int = 0                  # markdown heading level (0: none)
    rows: list[list[str]] = field(default_factory=list)


def parse(text: str) -> list[Block]:
    blocks: list[Block] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if "\t" in line:
            if blocks and blocks[-1].kind == "table":
                blocks[-1].rows.append(line.split("\t"))
            else:
                blocks.append(Block("table", rows=[line.split("\t")]))
            continue
        if not line.strip():
            blocks.append(Block("blank"))
            continue
        m = _HEADING.match(line)
        level = len(m.group(1)) if m else 0
        line = _HEADING.sub("", line)
        line = _BULLET.sub("", line)
        blocks.append(Block("para", line.strip(), level))
    for b in blocks:
        if b.kind == "table":
            width = max(len(r) for r in b.rows)
            b.rows = [r + [""] * (width - len(r)) for r in b.rows]
    return blocks


def plain(s: str) -> str:
    return _BOLD.sub(r"\1", s).replace("**", "")


def split_attachment(text: str) -> tuple[str, str | None, list[str]]:
    """(notice text, attachment title, attachment text) when the text ends with an appended
    attachment holding a table (`附件` on its own line, a title, the table); else (text, None, [])."""
    lines = text.split("\n")
    for i in range(len(lines) - 1, -1, -1):
        if _ATTACHMENT_HEAD.match(lines[i]) and any("\t" in ln for ln in lines[i:]):
            rest = lines[i + 1:]
            title = next((plain(_HEADING.sub("", ln)).strip() for ln in rest if ln.strip() and "\t" not in ln), None)
            if title is None:
                return text, None, []
            return "\n".join(lines[:i]).rstrip() + "\n", title, rest
    return text, None, []


def notice_title(text: str) -> str:
    for line in text.split("\n"):
        m = _TITLE.search(plain(_HEADING.sub("", line)).replace(" ", ""))
        if m:
            return m.group(0)
    return next(plain(ln).strip("# ") for ln in text.split("\n") if ln.strip())


def issue_date(text: str) -> str | None:
    dates = _DATE.findall(text)
    if not dates:
        return None
    y, m, d = dates[-1]
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


# -- HTML --------------------------------------------------------------------------------------

_CHROME_TOP = """<div class="header"><div class="logo"><img src="/images/logo.png" alt="{site}"></div>
<div class="search"><form action="/search"><input name="q" placeholder="请输入关键字"><button>搜索</button></form></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwdt/">政务动态</a></li>
<li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/zjxq/">走进{county}</a></li></ul></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/tzgg/">通知公告</a></div>
"""
_META_LINE = ('<div class="info">发布时间：{published} 10:23 &nbsp;&nbsp; 来源：{source} &nbsp;&nbsp; 浏览次数：<span id="hits">1287</span>'
              ' &nbsp;&nbsp; 字号：[<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a>'
              ' <a href="javascript:doZoom(12)">小</a>]</div>')
_CHROME_BOTTOM = """<div class="share">分享到：<a href="#" class="wx">微信</a> <a href="#" class="wb">微博</a> <a href="#" class="qq">QQ空间</a></div>
<div class="print"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="related"><h3>相关链接</h3><ul>
<li><a href="/zwgk/tzgg/1.html">关于开展2022年度城乡居民医保集中征缴宣传月活动的通知</a><span>2022-08-01</span></li>
<li><a href="/zwgk/tzgg/2.html">关于进一步做好困难群众医疗救助工作的通知</a><span>2022-07-12</span></li>
<li><a href="/zwgk/tzgg/3.html">{county}医疗保障局2022年上半年工作总结</a><span>2022-07-01</span></li></ul></div>
<div class="footer"><p>主办单位：{site}办公室 &nbsp; 承办单位：{county}政务信息中心</p>
<p>网站标识码：1408210001 &nbsp; <a href="https://beian.miit.gov.cn">晋ICP备05004322号</a> &nbsp; 晋公网安备 14082102000123号</p>
<p>地址：{county}人民路1号 &nbsp; 联系电话：0359-4021234 &nbsp; <a href="/sitemap">网站地图</a></p></div>
<script>var hits=1287;document.getElementById('hits').innerText=hits;</script>
"""


def _html_inline(s: str) -> str:
    parts = re.split(r"(\*\*.+?\*\*)", s)
    return "".join(f"<strong>{html.escape(p[2:-2])}</strong>" if p.startswith("**") and p.endswith("**") and len(p) > 4
                   else html.escape(p.replace("**", "")) for p in parts)


def _html_table(rows: list[list[str]]) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse" width="100%"><tbody>']
    for row in rows:
        out.append("<tr>")
        i = 0
        while i < len(row):
            span = 1
            if i == 0 and row[0].strip():   # 合计 merged over the empty cells after it, as Word pastes it
                while i + span < len(row) - 1 and not row[i + span].strip():
                    span += 1
            attr = f' colspan="{span}"' if span > 1 else ""
            out.append(f'<td{attr} valign="middle"><p style="text-align:center">{html.escape(row[i])}</p></td>')
            i += span
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _html_body(blocks: list[Block]) -> str:
    out = []
    for b in blocks:
        if b.kind == "table":
            out.append(_html_table(b.rows))
        elif b.kind == "para":
            inner = _html_inline(b.text)
            if b.level in (1, 2):
                out.append(f'<p style="text-align:center;font-size:22px"><strong>{inner}</strong></p>')
            elif b.level:
                out.append(f"<h{min(b.level, 4)}>{inner}</h{min(b.level, 4)}>")
            else:
                out.append(f'<p style="text-indent:2em;line-height:1.8">{inner}</p>')
    return "\n".join(out)


def to_html(text: str, encoding: str = "utf-8", layout: str = "div", title_in_body: bool = True,
            attachment_links: list[tuple[str, str]] = (), published: str | None = None) -> bytes:
    """A county-site article page holding `text`; `layout` "div" (a modern CMS) or "table" (an
    old table-layout site, as GB2312 sites are); `title_in_body` False leaves the title only in
    the CMS's title field, as pages whose body starts at the salutation do."""
    title = notice_title(text)
    published = published or issue_date(text) or "2023-09-01"
    county = next((m.group(0) for m in re.finditer(r"[\u4e00-\u9fff]{1,4}[县区市旗]", text)), "某某县")
    site = f"{county}人民政府"
    blocks = parse(text)
    if not title_in_body:   # the title line only: short, holding the title (not a sentence citing it)
        blocks = [b for b in blocks if not (b.kind == "para" and title in plain(b.text).replace(" ", "")
                                            and len(plain(b.text).replace(" ", "")) <= len(title) + 16)]
    body = _html_body(blocks)
    links = "".join(f'<p>附件：<a href="/uploadfiles/202209/{html.escape(name)}">{html.escape(label)}</a></p>'
                    for label, name in attachment_links)
    if links:
        body += f'\n<div class="fj">{links}</div>'
    charset = "gb2312" if encoding.lower() in ("gb2312", "gbk", "gb18030") else encoding
    head = (f'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            f'<html xmlns="http://www.w3.org/1999/xhtml"><head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'
            f'<title>{html.escape(title)}_{site}</title>\n<meta name="SiteName" content="{site}">\n'
            f'<meta name="ArticleTitle" content="{html.escape(title)}">\n<meta name="PubDate" content="{published} 10:23">\n'
            f'<link rel="stylesheet" href="/css/style.css"><style>.nav li{{float:left}}</style></head>\n')
    meta = _META_LINE.format(published=published, source=f"{county}医疗保障局")
    top = _CHROME_TOP.format(site=site, county=county)
    bottom = _CHROME_BOTTOM.format(site=site, county=county)
    if layout == "table":
        page = (f'{head}<body><table width="1000" align="center" cellpadding="0" cellspacing="0"><tr><td>{top}</td></tr>\n'
                f'<tr><td><table width="100%"><tr><td width="200" valign="top" class="left"><ul><li><a href="/a">通知公告</a></li>'
                f'<li><a href="/b">政策文件</a></li><li><a href="/c">政策解读</a></li></ul></td>\n'
                f'<td valign="top"><div class="article"><div class="bt">{html.escape(title)}</div>\n{meta}\n'
                f'<div id="zoom" class="TRS_Editor">\n{body}\n</div>\n{bottom}</td></tr></table></td></tr></table></body></html>\n')
    else:
        page = (f'{head}<body>\n{top}<div class="container"><div class="article">\n<h1 class="title">{html.escape(title)}</h1>\n'
                f'{meta}\n<div class="article-content" id="zoom">\n{body}\n</div>\n{bottom}</div></body></html>\n')
    if charset == "gb2312":
        return page.encode("gb18030")   # what a "gb2312" site really serves: GBK/GB18030 bytes
    return page.encode(encoding)


# -- Word --------------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_LEVELS = [  # (numFmt, lvlText) of the multilevel list the renders use
    ("chineseCounting", "%1、"),
    ("chineseCounting", "（%2）"),
    ("decimal", "%3."),
    ("decimalEnclosedCircle", "%4"),
]
_ABSTRACT_ID = 90


def _value(kind: str, s: str) -> int:
    if kind == "int":
        return int(s)
    if kind == "circle":
        return ord(s) - ord("①") + 1
    if s == "十":
        return 10
    if len(s) == 1:
        return _CN.index(s)
    if s.startswith("十"):
        return 10 + _CN.index(s[1])
    if s.endswith("十"):
        return _CN.index(s[0]) * 10
    return _CN.index(s[0]) * 10 + _CN.index(s[-1])


def numbering_plan(paras: list[str]) -> tuple[list[tuple[int, int, str] | None], dict[int, list[int]]]:
    """For each paragraph: (level, numbering instance, text without its number) where Word's
    counters reproduce its number, else None (the number stays literal text); and each instance's
    start values. A number that restarts a level gets a new instance whose start overrides say
    where every level is, so it reads the same whether counters belong to the instance or to the
    abstract list."""
    counters = [0, 0, 0, 0]
    instance = 0
    starts: dict[int, list[int]] = {0: [1, 1, 1, 1]}
    plan: list[tuple[int, int, str] | None] = []
    for text in paras:
        found = None
        for level, pattern, kind in _MARKERS:
            m = pattern.match(text)
            if m:
                found = (level, _value(kind, m.group(1)), text[m.end():])
                break
        if found is None or not found[2].strip():
            plan.append(None)
            continue
        level, value, rest = found
        if value == counters[level] + 1:
            pass
        elif value == 1:
            instance += 1
            starts[instance] = [counters[i] + 1 for i in range(level)] + [1] * (4 - level)
        else:
            plan.append(None)
            continue
        counters[level] = value
        for deeper in range(level + 1, 4):
            counters[deeper] = 0
        plan.append((level, instance, rest))
    return plan, starts


def _add_numbering(document, starts: dict[int, list[int]]) -> dict[int, int]:
    """Write the abstract list and one instance per restart into numbering.xml; instance -> numId."""
    from docx.oxml import parse_xml

    numbering = document.part.numbering_part.element
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
        f'<w:suff w:val="nothing"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:firstLine="640"/></w:pPr></w:lvl>'
        for i, (fmt, text) in enumerate(_LEVELS))
    abstract = parse_xml(f'<w:abstractNum xmlns:w="{_W}" w:abstractNumId="{_ABSTRACT_ID}">'
                         f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>')
    first_num = numbering.find(f"{{{_W}}}num")
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    ids = {}
    for inst, start in sorted(starts.items()):
        num_id = 100 + inst
        overrides = "" if inst == 0 else "".join(
            f'<w:lvlOverride w:ilvl="{i}"><w:startOverride w:val="{v}"/></w:lvlOverride>' for i, v in enumerate(start))
        numbering.append(parse_xml(f'<w:num xmlns:w="{_W}" w:numId="{num_id}"><w:abstractNumId w:val="{_ABSTRACT_ID}"/>'
                                   f'{overrides}</w:num>'))
        ids[inst] = num_id
    return ids


def _set_numbering(paragraph, level: int, num_id: int) -> None:
    from docx.oxml import parse_xml

    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr xmlns:w="{_W}"><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def _runs(paragraph, text: str, bold: bool = False) -> None:
    for part in re.split(r"(\*\*.+?\*\*)", text):
        if not part:
            continue
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            paragraph.add_run(part[2:-2]).bold = True
        else:
            paragraph.add_run(part.replace("**", "")).bold = bold or None


def _word_table(document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            span = 1
            if c == 0 and row[0].strip():   # 合计 merged over the empty cells after it
                while c + span < len(row) - 1 and not row[c + span].strip():
                    span += 1
            cell = table.cell(r, c)
            if span > 1:
                cell = cell.merge(table.cell(r, c + span - 1))
            cell.text = row[c]
            c += span


def to_docx(text: str, path: pathlib.Path) -> dict:
    """A Word file of `text`: tables as Word tables, numbered paragraphs as Word numbering, a
    running header and a page-number footer (which the reader must drop). Returns counts."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    blocks = parse(text)
    paras = [plain(b.text) if b.kind == "para" else "" for b in blocks]
    plan, starts = numbering_plan([p if b.kind == "para" else "" for p, b in zip(paras, blocks)])
    num_ids = _add_numbering(document, starts)
    section = document.sections[0]
    section.header.paragraphs[0].text = "政务公开"
    section.footer.paragraphs[0].text = "— 1 —"
    numbered = tables = 0
    for b, step in zip(blocks, plan):
        if b.kind == "blank":
            continue
        if b.kind == "table":
            _word_table(document, b.rows)
            tables += 1
            continue
        p = document.add_paragraph()
        if step is not None:
            level, inst, rest = step
            _set_numbering(p, level, num_ids[inst])
            # the number is Word's now: drop it from the text, keeping the bold markup balanced
            content = rest if not b.text.startswith("**") else "**" + rest
            numbered += 1
        else:
            content = b.text
        if b.level in (1, 2):
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _runs(p, content, bold=bool(b.level))
    document.save(str(path))
    return {"numbered": numbered, "tables": tables}


def to_doc(docx_paths: list[pathlib.Path], outdir: pathlib.Path, timeout: float = 600) -> list[pathlib.Path]:
    """Legacy `.doc` files of the given `.docx` files, in one LibreOffice call."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nf-lo-") as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", "doc:MS Word 97", "--outdir", str(outdir), *map(str, docx_paths)],
                       check=True, capture_output=True, timeout=timeout)
    return [outdir / (p.stem + ".doc") for p in docx_paths]


# -- Excel -------------------------------------------------------------------------------------

def to_xlsx(title: str, lines: list[str], path: pathlib.Path) -> None:
    """The attachment as Excel: its title in a merged first row, the table below it, figures as numbers."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    rows = [ln.split("\t") for ln in lines if "\t" in ln]
    notes = [plain(_HEADING.sub("", ln)).strip() for ln in lines if ln.strip() and "\t" not in ln]
    width = max(len(r) for r in rows)
    ws.append([title] + [None] * (width - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for note in notes[1:]:               # 单位：人 and the like, between the title and the table
        ws.append([note])
    for row in rows:
        ws.append([_cell_value(c) for c in row] + [None] * (width - len(row)))
    wb.save(str(path))


def _cell_value(s: str):
    s = s.strip()
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    if re.fullmatch(r"-?\d+\.\d+", s):
        return float(s)
    return s or None


# -- all formats of one notice ----------------------------------------------------------------

_NEXT_ATTACHMENT = re.compile(r"^\s*附\s*件\s*\d*\s*[:：]?\s*$")


def own_attachment(lines: list[str]) -> tuple[list[str], list[str]]:
    """The quota table's attachment (up to the next `附件N` heading after its table), and what
    follows it."""
    seen_table = False
    for i, ln in enumerate(lines):
        if "\t" in ln:
            seen_table = True
        elif seen_table and _NEXT_ATTACHMENT.match(ln):
            return lines[:i], lines[i:]
    return lines, []


def read_text(txt: pathlib.Path) -> str:
    """A notice's text as the text reader decodes it (some dev-corpus notices are GB18030)."""
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    from noticeflow.readers.text import decode_text

    return decode_text(str(txt), txt.read_bytes())[0].replace("\r\n", "\n").lstrip("\ufeff")


def render_all(txt: pathlib.Path, out: pathlib.Path, doc: bool = True) -> dict[str, list[pathlib.Path]]:
    """Write every rendering of one notice into out/<format>/ (one folder per format, so the
    attachment beside its notice is the only other file there). Returns format -> paths."""
    text = read_text(txt)
    stem = txt.stem
    made: dict[str, list[pathlib.Path]] = {}

    def put(fmt: str, name: str, data: bytes | None = None) -> pathlib.Path:
        d = out / fmt
        d.mkdir(parents=True, exist_ok=True)
        p = d / name
        if data is not None:
            p.write_bytes(data)
        made.setdefault(fmt, []).append(p)
        return p

    plain = put("txt", f"{stem}.txt", text.encode("utf-8"))
    render_pdfs.render(plain, put("pdf", f"{stem}.pdf"))  # printed to PDF, with a text layer
    put("html-utf8", f"{stem}.html", to_html(text, "utf-8", layout="div", title_in_body=True))
    put("html-gb2312", f"{stem}.htm", to_html(text, "gb2312", layout="table", title_in_body=False))
    to_docx(text, put("docx", f"{stem}.docx"))
    notice, title, rest = split_attachment(text)
    rest, after = own_attachment(rest)
    if after:  # a further attachment (附件2: a forwarded notice) stays on the page
        notice = notice.rstrip("\n") + "\n\n" + "\n".join(after) + "\n"
    if title:
        xlsx_name = f"{title.replace(' ', '')}.xlsx"
        put("html+xlsx", f"{stem}.html", to_html(notice, "utf-8", attachment_links=[(f"{title}.xlsx", xlsx_name)],
                                                  published=issue_date(text)))
        to_xlsx(title, rest, put("html+xlsx", xlsx_name))
    else:                     # no attachment table: the page alone, so the folder holds every notice
        put("html+xlsx", f"{stem}.html", to_html(text, "utf-8"))
    return made


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    out = pathlib.Path(argv[0])
    docx_files = []
    for name in argv[1:]:
        made = render_all(pathlib.Path(name), out)
        docx_files += made.get("docx", [])
    if shutil.which("soffice") and docx_files:
        to_doc(docx_files, out / "doc")
    print(f"rendered {len(argv) - 1} notices into {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
