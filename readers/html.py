"""County-site article pages (`.html .htm .shtml`): the notice body without the site around it.

A county page wraps the notice in a header, navigation, a breadcrumb, a `发布时间 / 来源 / 浏览次数 /
字号[大 中 小]` line, share buttons, related links and a footer (主办单位, 网站标识码, ICP备案,
打印本页 关闭窗口). The body is found by text density: the deepest element holding most of the
page's non-link Han text (a CMS's `#zoom` / `.TRS_Editor` / `.article-content`), after dropping
the elements a site names as chrome; the article heading above it is taken back when the body
does not repeat it, and chrome lines the CMS put inside the body are dropped line by line.

Why not trafilatura for the main-content step (measured by `scripts/bench_formats.py --compare`
on the seeds rendered as county pages, both layouts, each text through the same extractors):
trafilatura 2.3 scores macro-F1 0.750 against 1.000 here. On a modern div-layout page it gives
the same lines as this module (tables, colspans and rowspans included); on the old table-layout
pages county CMSs still serve (mostly the GB2312 ones) it takes the layout table for a data
table and returns the whole article as one `| … |` row, so headings, paragraphs and the quota
table are gone (leadership F1 0, meta 0.67), and it leaves out the CMS title field. It also
costs 9.4 ms of CPU a page against 4.0 ms here. The density rule below is written for these
pages only, which is why it is short.
"""
from __future__ import annotations

import datetime as _dt
import functools
import pathlib
import re as _re
from dataclasses import dataclass, field

import regex as re

from noticeflow.readers.layout import drop_repeated_headers, join_cell
from noticeflow.schemas.errors import InputError

_SNIFF = 4096                   # a meta charset must sit in the first 1024 bytes (HTML §13.2.3.2); sites ignore that
_BODY_SHARE = 0.7               # the body holds at least this share of the page's non-link Han text
_CHROME_SHARE = 0.3             # an element named like chrome is dropped only if it holds less than this
_MIN_NOTICE_HAN = 120           # fewer Han characters than this outside links: not a notice page
_MIN_TITLE_HAN = 8              # a notice title is longer than a page title such as 通知 or 正文
_MAX_CHROME_LINE = 100          # chrome lines are short; a long line with 来源 in it is text

# A declared charset: <meta charset="gb2312"> or <meta http-equiv=... content="text/html; charset=gbk">.
_META_CHARSET = _re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", _re.I)
# GB2312 and GBK pages nearly always hold characters of the larger sets (Windows wrote them as
# GBK, newer CMSs as GB18030): decode every declaration of the family as GB18030, its superset.
_GB_FAMILY = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "euc-cn", "csgb2312", "windows-936", "gb18030", "x-euc-cn"}

_DROP_TAGS = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
              "select", "option", "button", "input", "textarea", "map", "video", "audio", "head", "title", "meta", "link"}
_CHROME_TAGS = {"nav", "header", "footer", "aside", "form"}
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
               "dl", "dt", "dd", "blockquote", "pre", "address", "figure", "figcaption", "center", "fieldset",
               "hr", "caption", "body", "html", "header", "footer", "nav", "aside", "form", "tr", "table",
               "tbody", "thead", "tfoot"}
# id/class words Chinese CMSs give the chrome blocks (split on - _ and space, matched whole).
_CHROME_NAMES = frozenset("""
    nav navbar menu submenu header topbar banner logo search sousuo footer foot bottom
    copyright crumb crumbs breadcrumb position location dqwz curmb share bdshare
    bdsharebuttonbox fenxiang related relate xgwz xglj xgxx links friendlink yqlj sidebar
    print dayin gbck prev next sxp pager pagination qrcode ewm toolbar
""".split())
_NAME_SPLIT = _re.compile(r"[\s_\-]+")
_ATTACHMENT_EXT = _re.compile(r"\.(?:docx?|wps|xlsx?|et|pdf|zip|rar|7z|ofd|txt)$", _re.I)

# Lines of site chrome that CMSs put inside the article block (matched on a whole short line).
_CHROME_LINE = re.compile(
    r"""^(?:
        (?:发布|发表|更新|录入)(?:时间|日期)[:：]                  # the meta line ...
      | (?:信息)?来源[:：] | 作者[:：] | 编辑[:：] | 责任编辑[:：] | 点击(?:数|量|率)?[:：]
      | 浏览(?:次数|量)?[:：] | 阅读(?:次数|量)?[:：] | 访问(?:次数|量)[:：]
      | 字号[:：]? | 字体[:：] | 【?\s*字号 | [\[【]?\s*大\s*中\s*小\s*[\]】]?$
      | 分享到 | 分享[:：] | 扫一扫 | 用手机扫 | 微信扫一扫
      | 点击(?:上方)?蓝字\s*关注 | 长按(?:识别)?二维码 | 阅读原文$            # a WeChat article's
      | 【?\s*打印(?:本页|此页|文章)?\s*】? | 【?\s*关闭(?:窗口|本页)?\s*】? | 【?\s*(?:返回顶部|收藏|纠错)\s*】?
      | 上一篇[:：]? | 下一篇[:：]? | 相关(?:链接|文章|阅读|新闻)[:：]?$
      | 当前位置[:：] | 您的位置[:：] | 您现在的位置[:：] | 首页\s*[>＞»]
      | 主办单位[:：]? | 承办单位[:：]? | 主办[:：] | 承办[:：] | 技术支持[:：]? | 网站标识码
      | 版权所有 | Copyright | ©
    )
    | (?:ICP备|公网安备|网站标识码|浏览次数|字号[:：]?\s*[\[【]?\s*大)    # anywhere in a short line
    """,
    re.X | re.I,
)
_PUBLISHED = re.compile(r"(?:发布|发表|发文|公开|更新)(?:时间|日期)\s*[:：]\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# `时间：2024-09-10` opening a text node of the info line (not `缴费时间：…`, a word before it)
_PUBLISHED_BARE = re.compile(r"(?:^|(?<=\x00))\s*时间\s*[:：]\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_META_DATE = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_META_DATE_NAMES = ("pubdate", "publishdate", "firstpublishedtime", "lastmodifiedtime", "article:published_time", "dc.date")
_TITLE_NAMES = _re.compile(r"(?:^|[\s_\-])(?:title|tit|bt|biaoti|arttitle|article-title|newstitle|con-title|detail-title|xl-title|h1)(?:$|[\s_\-])", _re.I)
_SITE_SUFFIX = re.compile(r"\s*[_|｜—–-]+\s*[^_|｜—–-]*(?:人民政府|政府网|门户网站|网站|官网)\s*$")
_HAN = re.compile(r"\p{Han}")
# The same test in stdlib `re`, for the per-element counts (several times faster than `regex`).
_HAN_FAST = _re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_DOC_NUMBER_LINE = re.compile(r"[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*第?\s*\d{1,4}\s*号\s*$")
_HEADER_LINE = re.compile(r"(?:文件|人民政府|办公室|办公厅|局|委员会)$")
_SQUASH = re.compile(r"[\s\p{P}]+")
_TITLE_WORDS = re.compile(r"关于|通知|公告|通告|意见|方案|办法|决定|细则|函$")
_WS = _re.compile(r"[ \t\r\n\f\v]+")
# A line that is a whole notice title: the issuer (optional), 关于…, a document kind at the end.
_NOTICE_TITLE = re.compile(r"^\p{Han}{0,40}关于.{2,120}(?:通知|通告|公告|意见|方案|办法|决定|细则)$")
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SEGMENT_BREAK = _re.compile(f"(?<=[{_CJK}])[ \\t\\r\\f\\v]*\\n[ \\t\\r\\n\\f\\v]*(?=[{_CJK}])")
_ATTACHMENT_LINE = re.compile(r"^\s*附\s*件\s*\d*\s*[:：]?")


@dataclass
class Page:
    """What the HTML reader gives back: the notice text and what the page says about it."""
    text: str
    encoding: str
    guessed: str | None             # how the encoding was guessed (None: declared or proved)
    published: str | None
    links: list[tuple[str, str]] = field(default_factory=list)   # (text, file name) of document links
    tables: list[list[list[str]]] = field(default_factory=list)
    embedded: list[str] = field(default_factory=list)   # file names of documents the page shows in a viewer


def looks_like_html(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = data[:2048].decode("utf-16", "ignore").lstrip("\ufeff \t\r\n").lower().encode()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) and (b"<html" in data[:4096].lower()
                                                                       or head.startswith(b"<!doctype html"))


def declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:_SNIFF])
    if not m:
        return None
    name = m.group(1).decode("ascii", "ignore").lower().strip("\"';")
    if name in _GB_FAMILY:
        return "gb18030"
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(path: str, data: bytes) -> tuple[str, str, str | None]:
    """BOM, then the page's declared charset, then the text reader's strict and detected decodes."""
    from noticeflow.readers import text as text_reader

    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        declared = declared_charset(data)
        if declared == "gb18030" and not data.isascii():
            # a page declared GBK whose bytes are valid UTF-8 is UTF-8 (the CMS template kept an old
            # declaration): UTF-8 Han text mostly also decodes as GB18030, as mojibake, while GBK
            # text of any length is almost never valid UTF-8
            try:
                return data.decode("utf-8"), "utf-8", None
            except UnicodeDecodeError:
                pass
        if declared:
            try:
                return data.decode(declared), declared, None
            except UnicodeDecodeError:
                pass        # a wrong declaration (utf-8 declared on GBK bytes): decode by evidence
    return text_reader.decode_text(path, data)


def read_html(path: str, data: bytes) -> Page:
    """Page bytes -> the notice text in the reader contract's shape; InputError for a page with no notice."""
    from lxml import etree

    text, encoding, guessed = decode_html(path, data)
    text = text.lstrip("\ufeff")
    if text.lstrip().startswith("<?xml"):   # lxml refuses str input that declares an encoding
        text = text.split("?>", 1)[-1]
    try:
        root = etree.fromstring(text, _PARSER())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as e:
        raise InputError(path, f"not a readable HTML page ({e})") from None
    if root is None:
        raise InputError(path, "not a readable HTML page (no elements)")
    _inline_srcdoc(root)
    published = _published(root)
    title_hint = _title_hint(root)
    links = _document_links(root)
    embedded = embedded_documents(root)
    body = root.find("body")
    if body is None:
        body = root
    _drop(body)
    header = _meta_table_header(body)
    counts = _han_counts(body)
    _drop_chrome(body, counts)
    total = counts[body][0]
    if total < _MIN_NOTICE_HAN and embedded:   # the notice is the document the page shows
        return Page("", encoding, guessed, published, links, [], embedded)
    if total < _MIN_NOTICE_HAN:
        raise InputError(path, "no notice text in this web page (a list, index or error page?)")
    content = _content_root(body, counts, total)
    out = _Writer()
    out.walk(content)
    lines = [ln for ln in out.lines() if not _is_chrome(ln)]
    squashed = _squash("".join(lines))
    missing = [ln for ln in header if _squash(ln) not in squashed]
    if missing:
        lines = missing + lines
    heading = _heading(body, content, title_hint)
    if heading and not _repeats(heading, lines) and not _headline_over_a_titled_body(heading, lines):
        at = _title_slot(lines)
        lines = lines[:at] + [heading] + lines[at:]
    named = {_squash(ln) for ln in lines}
    extra = [f"附件：{t}" for t, _ in links if _ATTACHMENT_LINE.sub("", t) and not any(
        _squash(_ATTACHMENT_LINE.sub("", t)) in n for n in named)]
    if extra and not any(_ATTACHMENT_LINE.match(ln) for ln in lines):
        lines += [""] + extra
    body_text = "\n".join(lines).strip("\n")
    if len(_HAN_FAST.findall(body_text)) < _MIN_NOTICE_HAN and embedded:
        return Page("", encoding, guessed, published, links, [], embedded)
    if len(_HAN_FAST.findall(body_text)) < _MIN_NOTICE_HAN:
        raise InputError(path, "no notice text in this web page (a list, index or error page?)")
    return Page(body_text + "\n", encoding, guessed, published, links, out.tables, embedded)


def _PARSER():
    from lxml import etree

    # libxml2's HTML parser, as lxml.html uses it, but plain elements (no per-element class
    # lookup) and nothing fetched
    return etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, default_doctype=False)


def _text(el) -> str:
    from lxml import etree

    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _inline_srcdoc(root) -> None:
    """An `<iframe srcdoc="…">` shows the document in its attribute in place (集约化 platforms put
    the article there, escaped): that document's body replaces the frame, which is then read as
    any block of the page is. Frames loading another address (`src`) stay dropped."""
    from lxml import etree

    for frame in list(root.iter("iframe")):
        doc = frame.get("srcdoc")
        if not doc or not doc.strip():
            continue
        try:
            inner = etree.fromstring(doc, _PARSER())
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            continue
        if inner is None:
            continue
        body = inner.find("body")
        block = etree.Element("div", {"class": "srcdoc"})
        block.text = (body if body is not None else inner).text
        for child in list(body if body is not None else inner):
            if child.tag in ("head", "title", "meta", "link", "style", "script"):
                continue
            block.append(child)
        block.tail = frame.tail
        frame.getparent().replace(frame, block)


# -- page facts ------------------------------------------------------------------------------

def _published(root) -> str | None:
    """The 发布时间 the page shows, else the CMS's PubDate meta."""
    visible = _PUBLISHED.search(" ".join(_WS.split(_text(root)))) or _PUBLISHED_BARE.search(
        "\x00".join(t for t in root.itertext() if t.strip()))
    found = visible.groups() if visible else None
    if found is None:
        for meta in root.iter("meta"):
            name = (meta.get("name") or meta.get("property") or "").lower()
            if name in _META_DATE_NAMES:
                m = _META_DATE.match(meta.get("content") or "")
                if m:
                    found = m.groups()
                    break
    if found is None:
        return None
    try:
        return _dt.date(*map(int, found)).isoformat()
    except ValueError:
        return None


def _title_hint(root) -> str | None:
    for meta in root.iter("meta"):
        if (meta.get("name") or "").lower() in ("articletitle", "title", "og:title") and meta.get("content"):
            return meta.get("content").strip()
    t = root.find(".//title")
    if t is not None and _text(t).strip():
        return _SITE_SUFFIX.sub("", _text(t).strip())
    return None


def _document_links(root) -> list[tuple[str, str]]:
    """(text, file name) of links to document files: a page's 附件 list."""
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").split("?")[0].split("#")[0]
        name = href.rsplit("/", 1)[-1]
        text = " ".join(_text(a).split())
        if _ATTACHMENT_EXT.search(name) or _ATTACHMENT_EXT.search(text) or (text.startswith("附件") and name):
            from urllib.parse import unquote

            out.append((text, unquote(name)))
    return out


_EMBED_EXT = _re.compile(r"\.(?:pdf|docx?|wps|ofd)$", _re.I)


def embedded_documents(root) -> list[str]:
    """File names of the documents the page shows in place: `<iframe src>` / `<embed src>` /
    `<object data>` of a PDF or Word file, or of a viewer given it as a parameter
    (`/pdfjs/web/viewer.html?file=/upload/….pdf`). Sites that publish the notice as a PDF show it
    so, the page itself holding only the title."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    out = []
    for el in root.iter("iframe", "embed", "object"):
        url = (el.get("data") if el.tag == "object" else el.get("src")) or ""
        parts = urlsplit(url.strip())
        for cand in [parts.path] + [v for _, v in parse_qsl(parts.query)] + [v for _, v in parse_qsl(parts.fragment)]:
            name = unquote(cand.split("?")[0].split("#")[0].rsplit("/", 1)[-1])
            if _EMBED_EXT.search(name) and name not in out:
                out.append(name)
    return out


def embedded_in(path: str, data: bytes) -> list[str]:
    """`embedded_documents` of a page's bytes (what grouping asks of a page)."""
    from lxml import etree

    text = decode_html(path, data)[0].lstrip("\ufeff")
    if text.lstrip().startswith("<?xml"):
        text = text.split("?>", 1)[-1]
    try:
        root = etree.fromstring(text, _PARSER())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return []
    return embedded_documents(root) if root is not None else []


@functools.lru_cache(maxsize=1)
def _page_terms() -> dict:
    """readers/data/page_terms.yaml, read once per process."""
    import yaml

    return yaml.safe_load((pathlib.Path(__file__).parent / "data" / "page_terms.yaml").read_text(encoding="utf-8"))["page"]


def _meta_table_header(body) -> list[str]:
    """The 信息公开 metadata table (索引号 / 发布机构 / 发文字号 / 成文日期 …) taken out of the page;
    returned: the header lines the notice text needs from it, the issuing office and the 文号.

    Why by hand: such sites print the 文号 (and often the issuer) only in this table, not in the
    body, so density-based body finding leaves them out (or, where the table sits inside the body,
    keeps it as a table of labels). The table is label cell / value cell pairs, two to a row."""
    terms = _page_terms()
    labels = set(terms["meta_labels"])
    out: dict[str, str] = {}
    for table in list(body.iter("table")):
        pairs: list[tuple[str, str]] = []
        for tr in table.iter("tr"):
            cells = [" ".join(_text(c).split()) for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
            for i, cell in enumerate(cells):
                label = _squash(cell.replace("\u3000", ""))
                if label in labels:
                    inline = ""
                else:   # `发文字号：兴府办字〔2025〕61号` in one cell
                    m = _re.match(r"^\s*([^:：]{1,8}?)\s*[:：]\s*(.*)$", cell)
                    if not m or _squash(m.group(1)) not in labels:
                        continue
                    label, inline = _squash(m.group(1)), m.group(2).strip()
                value = inline or (cells[i + 1].strip() if i + 1 < len(cells) else "")
                pairs.append((label, value))
        if len({lb for lb, _ in pairs}) < terms["meta_min_labels"]:
            continue
        for label, value in pairs:
            out.setdefault(label, value)
        _remove(table)
    issuer = next((out[k] for k in terms["meta_issuer"] if out.get(k)), None)
    number = next((out[k] for k in terms["meta_doc_number"] if out.get(k) and _DOC_NUMBER_LINE.search(out[k])), None)
    return [ln for ln in (issuer, number) if ln]


# -- finding the body ------------------------------------------------------------------------

def _drop(root) -> None:
    from lxml import etree

    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove(el)
    for el in list(root.iter(*_DROP_TAGS)):
        _remove(el)
    hidden = [el for el in root.xpath(".//*[@style or @hidden]") if _hidden(el)]
    if hidden:
        total = len(_HAN_FAST.findall(_text(root)))
        for el in hidden:
            if not _revealed_by_script(el, total):
                _remove(el)


def _revealed_by_script(el, total: int) -> bool:
    """A hidden element holding most of the page's text is the article a script shows once the
    page has loaded (a WeChat export's `#js_content` is `visibility: hidden`), not hidden chrome."""
    han = len(_HAN_FAST.findall(_text(el)))
    return han >= _MIN_NOTICE_HAN and 2 * han > total


def _hidden(el) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style or el.get("hidden") is not None


def _remove(el) -> None:
    """Drop an element but keep its tail text (the text after it belongs to the parent)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _han_counts(root) -> dict:
    """element -> (Han characters outside links, Han characters in links) over its subtree."""
    counts = {}
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    for el in reversed(elements):          # children before parents
        own = len(_HAN_FAST.findall(el.text)) if el.text else 0
        link = own if el.tag == "a" else 0
        text = 0 if el.tag == "a" else own
        for child in el:
            if not isinstance(child.tag, str):
                continue
            t, l = counts[child]
            if el.tag == "a":
                l += t
                t = 0
            text += t
            link += l
            tail = len(_HAN_FAST.findall(child.tail)) if child.tail else 0
            if el.tag == "a":
                link += tail
            else:
                text += tail
        counts[el] = (text, link)
    return counts


def _chrome_named(el) -> bool:
    if el.tag in _CHROME_TAGS:
        return True
    words = set(_NAME_SPLIT.split(f"{el.get('id') or ''} {el.get('class') or ''}".lower()))
    return bool(words & _CHROME_NAMES)


def _drop_chrome(body, counts) -> None:
    """Drop blocks a site names as chrome (nav, footer, share, related ...), unless the name lies:
    an element holding much of the page's text is kept whatever it is called."""
    total = counts[body][0] or 1
    named = body.xpath(".//*[@id or @class] | .//nav | .//header | .//footer | .//aside | .//form")
    for el in named:
        if el.tag in ("tr", "td", "th", "tbody", "table") or not _chrome_named(el):
            continue
        if counts[el][0] < _CHROME_SHARE * total and _attached(el, body):
            text, link = counts[el]
            for anc in el.iterancestors():     # the counts above it no longer include it
                if anc in counts:
                    t, l = counts[anc]
                    counts[anc] = (t - text, l - link)
            _remove(el)


def _attached(el, body) -> bool:
    """Still in the tree under body (an ancestor may have been dropped already)."""
    return any(a is body for a in el.iterancestors())


def _content_root(body, counts, total):
    """The deepest element holding most of the page's non-link Han text, but no deeper than the
    first one with no link text in it: below a link-free block there is no site chrome left to
    shed, only the notice's own short parts beside its main text block (a 文号 `<div>` above a
    `<div>` of `<br>`-separated paragraphs, the 落款 in a layout table after it)."""
    node = body
    while True:
        if node is not body and counts[node][1] == 0:
            return node
        best = max((c for c in node if isinstance(c.tag, str)), key=lambda c: counts[c][0], default=None)
        if best is None or counts[best][0] < _BODY_SHARE * total:
            return node
        node = best


def _title_like_element(el) -> bool:
    return isinstance(el.tag, str) and (el.tag in ("h1", "h2", "h3") or bool(_TITLE_NAMES.search(
        f" {el.get('class') or ''} {el.get('id') or ''} ")))


def _heading(body, content, hint: str | None) -> str | None:
    """The article heading above the body (the CMS's title field): the nearest title-like
    element before it that reads like a notice title, else the page's ArticleTitle / <title>."""
    before = []
    for el in body.iter():
        if el is content:
            break
        if _title_like_element(el):
            before.append(el)
    for el in reversed(before):
        if any(d is content for d in el.iter()):
            continue        # an ancestor of the body
        text = " ".join(_text(el).split())
        if len(_HAN_FAST.findall(text)) >= _MIN_TITLE_HAN and len(text) <= 150 and not _is_chrome(text) and (
                _TITLE_WORDS.search(text) or (hint and _squash(text) == _squash(hint))):
            return text
    # Old table-layout sites mark the heading up with presentation only (<td align=center><font
    # size=5><b>…</b></font>), no h1 and no title class, and their <title> is the site and column
    # name (罗田县人民政府门户网站--通知公告): the nearest element before the body, outside links,
    # whose whole text is a notice title (关于…的通知) is the heading.
    found = None
    holds_content = set(content.iterancestors())  # an element around the body is not its heading
    for el in body.iter():
        if el is content:
            break
        if not isinstance(el.tag, str) or el.tag == "a" or el in holds_content:
            continue
        if any(True for _ in el.iterdescendants("a")) or any(a.tag == "a" for a in el.iterancestors()):
            continue
        text = " ".join(_text(el).split())
        if len(_HAN_FAST.findall(text)) >= _MIN_TITLE_HAN and len(text) <= 150 and _NOTICE_TITLE.match(_squash(text)):
            found = text
    if found:
        return found
    return hint if hint and len(_HAN_FAST.findall(hint)) >= _MIN_TITLE_HAN and _TITLE_WORDS.search(hint) else None


def _repeats(heading: str, lines: list[str]) -> bool:
    """The body has the title line itself (not merely a sentence citing a same-named notice)."""
    h = _squash(heading)
    return any(h in (sq := _squash(ln)) and len(sq) <= len(h) + 20 for ln in lines[:12])


def _headline_over_a_titled_body(heading: str, lines: list[str]) -> bool:
    """A page heading with no title word at all (a WeChat headline, 速看！…开始啦) above a body
    that opens with the notice's own 关于…的通知 line: the body has the title, the headline is
    not put before its 文号. A heading naming a document (《关于…的通知》政策解读) is still put."""
    return not _TITLE_WORDS.search(heading) and any(_NOTICE_TITLE.match(_squash(ln)) for ln in lines[:12])


def _title_slot(lines: list[str]) -> int:
    """Where a notice's title goes when the body lacks it: after the red header (the issuing
    office's `…文件` line and the 文号) when the body starts with one, else first. Notices put
    the title there, and the issuer and 文号 extractors read it in that order."""
    slot = 0
    for i, line in enumerate(lines[:6]):
        s = line.strip()
        if _DOC_NUMBER_LINE.search(s) or (len(s) <= 40 and _HEADER_LINE.search(s)):
            slot = i + 1
        elif s:
            break
    return slot


def _squash(s: str) -> str:
    return _SQUASH.sub("", s)


def _is_chrome(line: str) -> bool:
    s = line.strip()
    return bool(s) and len(s) <= _MAX_CHROME_LINE and bool(_CHROME_LINE.search(s))


# -- text ------------------------------------------------------------------------------------

class _Writer:
    """Walks the body: a line per block, `<br>` a line break, a table as tab-separated rows."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._cur: list[str] = []
        self.tables: list[list[list[str]]] = []

    def text(self, s: str | None) -> None:
        if s:
            self._cur.append(s)

    def newline(self) -> None:
        line = _inline("".join(self._cur))
        self._cur = []
        if line:
            self._lines.append(line)

    def blank(self) -> None:
        self.newline()
        if self._lines and self._lines[-1] != "":
            self._lines.append("")

    def lines(self) -> list[str]:
        self.newline()
        return self._lines

    def walk(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table" and _is_data_table(el):
            self.blank()
            caption = el.find("caption")
            if caption is not None:   # the table's title (`<caption>…分解表</caption>`), a line above it
                self.walk(caption)
                self.newline()
            rows = table_rows(el)
            if rows:
                self.tables.append(rows)
                self._lines.extend("\t".join(r) for r in rows)
            self.blank()
            return
        if tag == "br":
            self.newline()
            return
        block = tag in _BLOCK_TAGS or tag in ("td", "th")
        if block:
            self.newline()
        self.text(el.text)
        for child in el:
            if isinstance(child.tag, str):
                self.walk(child)
            self.text(child.tail)
        if block:
            self.newline()


def _inline(s: str) -> str:
    """Collapse HTML white space; a line break between two CJK characters is no space at all
    (CSS Text 3, segment break transformation), as browsers show Chinese text."""
    if "\n" in s:
        s = _SEGMENT_BREAK.sub("", s)
    return _WS.sub(" ", s.replace("\u200b", "")).strip(" \u3000\xa0")


def _is_data_table(table) -> bool:
    """A table of data, not a page layout table (one that holds tables, or long text in a cell)."""
    if table.find(".//table") is not None:
        return False
    cells = table.xpath("./tr/td|./tr/th|./*/tr/td|./*/tr/th")
    if not cells:
        return False
    widths = {len(tr.xpath("./td|./th")) for tr in table.xpath("./tr|./*/tr")}
    if max(widths, default=0) < 2 and len(cells) < 2:
        return False
    return all(len(_text(c)) < 400 for c in cells)


def table_rows(table) -> list[list[str]]:
    """Rows of a table with spans laid out on a grid: a merged cell's text in its first cell,
    empty strings in the cells it covers."""
    grid: dict[tuple[int, int], str] = {}
    n_rows = 0
    for r, tr in enumerate(table.xpath("./tr|./*/tr")):
        n_rows = r + 1
        c = 0
        for cell in tr.xpath("./td|./th"):
            while (r, c) in grid:
                c += 1
            rowspan = _span(cell.get("rowspan"))
            colspan = _span(cell.get("colspan"))
            w = _Writer()
            w.walk(cell)
            text = join_cell(w.lines())
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text if (dr, dc) == (0, 0) else ""
            c += colspan
    width = max((c for _, c in grid), default=-1) + 1
    rows = [[grid.get((r, c), "") for c in range(width)] for r in range(n_rows)]
    return drop_repeated_headers([row for row in rows if any(cell for cell in row)])


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), 1000))   # a span is bounded: no 10^9-cell grids
    except (TypeError, ValueError):
        return 1
