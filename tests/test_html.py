"""County-site pages: charsets, the notice body without the site's chrome, tables, 发布时间."""
from __future__ import annotations

import sys

import pytest

from conftest import ROOT
from noticeflow.extractors.canonical import canonicalize
from noticeflow.readers import read_document
from noticeflow.schemas.errors import InputError

sys.path.insert(0, str(ROOT / "scripts"))
import render_formats  # noqa: E402

SEED = ROOT / "corpus" / "000_beb0d831110dae00.txt"
TEXT = SEED.read_text(encoding="utf-8")
# 镕 and 堃 are GBK, not GB2312: a "gb2312" page holding them only decodes as GBK/GB18030
BODY = ("<p>关于做好2024年度城乡居民基本医疗保险征缴工作的通知</p>"
        "<p>各乡镇人民政府：</p><p>现将有关事项通知如下。个人缴费标准为每人每年380元，特困人员全额资助，"
        "低保对象按80%给予资助。请各乡镇高度重视，认真组织，确保参保率达到95%以上。联系人：朱镕堃。</p>"
        "<p>县医疗保障局负责组织征缴，县税务局负责征收，县财政局负责资金保障，各乡镇负责宣传发动和登记工作。</p>"
        "<p>某某县人民政府办公室<br>2023年9月1日</p>")


def page(body: str, head: str = "<meta charset='utf-8'>", chrome: bool = True) -> str:
    top = ("<div class='header'><img alt='某某县人民政府'></div><ul class='nav'><li><a href='/'>首页</a></li>"
           "<li><a href='/zwgk'>政务公开</a></li></ul><div class='breadcrumb'>当前位置：<a>首页</a> &gt; 通知公告</div>"
           "<div class='info'>发布时间：2023-09-02 09:30 来源：县医保局 浏览次数：321 字号：[大 中 小]</div>") if chrome else ""
    bottom = ("<div class='share'>分享到：<a>微信</a><a>微博</a></div><p>【打印本页】 【关闭窗口】</p>"
              "<div class='footer'>主办单位：某某县人民政府办公室 网站标识码：1408210001 晋ICP备05004322号</div>") if chrome else ""
    return f"<!DOCTYPE html><html><head>{head}<title>通知_某某县人民政府</title></head><body>{top}<div id='zoom'>{body}</div>{bottom}</body></html>"


def _read(tmp_path, data: bytes, name: str = "n.html"):
    p = tmp_path / name
    p.write_bytes(data)
    return read_document(p)


@pytest.mark.parametrize("data, encoding, flagged", [
    pytest.param(page(BODY).encode("utf-8"), "utf-8", False, id="meta-charset-utf8"),
    pytest.param(page(BODY, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gb18030"),
                 "gb18030", False, id="http-equiv-gb2312-really-gbk"),
    pytest.param(page(BODY, "<meta charset=GBK>").encode("gbk"), "gb18030", False, id="gbk-read-as-gb18030"),
    pytest.param(b"\xef\xbb\xbf" + page(BODY, "").encode("utf-8"), "utf-8-sig", False, id="bom-no-meta"),
    pytest.param(page(BODY, "").encode("gb18030"), "gb18030", False, id="no-declaration-gb-by-evidence"),
    pytest.param(page(BODY, "<meta charset='utf-8'>").encode("gb18030"), "gb18030", False,
                 id="utf8-declared-on-gbk-bytes"),
])
def test_charsets(tmp_path, data, encoding, flagged) -> None:
    doc = _read(tmp_path, data)
    assert (doc.source.format, doc.source.encoding) == ("html", encoding)
    assert "朱镕堃" in doc.raw_text
    assert bool(doc.flags) is flagged


def test_chrome_is_dropped_and_the_date_kept(tmp_path) -> None:
    doc = _read(tmp_path, page(BODY).encode("utf-8"))
    assert doc.raw_text.splitlines() == [
        "关于做好2024年度城乡居民基本医疗保险征缴工作的通知", "各乡镇人民政府：",
        "现将有关事项通知如下。个人缴费标准为每人每年380元，特困人员全额资助，低保对象按80%给予资助。"
        "请各乡镇高度重视，认真组织，确保参保率达到95%以上。联系人：朱镕堃。",
        "县医疗保障局负责组织征缴，县税务局负责征收，县财政局负责资金保障，各乡镇负责宣传发动和登记工作。",
        "某某县人民政府办公室", "2023年9月1日"]
    assert doc.source.published == "2023-09-02"


def test_published_falls_back_to_the_pubdate_meta(tmp_path) -> None:
    doc = _read(tmp_path, page(BODY, "<meta charset='utf-8'><meta name='PubDate' content='2023-08-30 10:00'>",
                               chrome=False).encode("utf-8"))
    assert doc.source.published == "2023-08-30"


def test_table_spans_are_laid_out_on_the_grid(tmp_path) -> None:
    table = ("<table border=1><tr><th>序号</th><th>乡镇</th><th>村</th><th>任务数</th></tr>"
             "<tr><td rowspan=2>1</td><td rowspan=2>甲镇</td><td>东村</td><td>100</td></tr>"
             "<tr><td>西村</td><td>50</td></tr>"
             "<tr><td colspan=3>合计</td><td><p>150</p></td></tr></table>")
    doc = _read(tmp_path, page(BODY + table).encode("utf-8"))
    rows = [ln for ln in doc.raw_text.splitlines() if "\t" in ln]
    assert rows == ["序号\t乡镇\t村\t任务数", "1\t甲镇\t东村\t100", "\t\t西村\t50", "合计\t\t\t150"]
    assert doc.tables == [[r.split("\t") for r in rows]]
    i = doc.raw_text.splitlines().index(rows[0])
    assert doc.raw_text.splitlines()[i - 1] == ""       # a blank line before the table


def test_a_layout_table_is_not_a_data_table(tmp_path) -> None:
    layout = f"<table><tr><td class='side'><a href='/a'>通知公告</a></td><td><div>{BODY}</div></td></tr></table>"
    doc = _read(tmp_path, page(layout, chrome=False).encode("utf-8"))
    assert not any("\t" in ln for ln in doc.raw_text.splitlines())
    assert "各乡镇人民政府：" in doc.raw_text.splitlines()


def test_breaks_and_cjk_line_wrapping(tmp_path) -> None:
    body = BODY + "<div>第一行<br/>第二行</div><p>源码里换\n行的句子，\n  照样是一段。</p>"
    lines = _read(tmp_path, page(body).encode("utf-8")).raw_text.splitlines()
    assert lines[-3:] == ["第一行", "第二行", "源码里换行的句子，照样是一段。"]


def test_cms_title_is_put_back_after_the_red_header(tmp_path) -> None:
    body = BODY.replace("<p>关于做好2024年度城乡居民基本医疗保险征缴工作的通知</p>",
                        "<p>某某县人民政府办公室文件</p><p>某政办发〔2023〕12号</p>")
    html = page(body).replace("<div id='zoom'>", "<h1 class='title'>关于做好2024年度城乡居民基本医疗保险征缴工作的通知</h1><div id='zoom'>")
    lines = _read(tmp_path, html.encode("utf-8")).raw_text.splitlines()
    assert lines[:4] == ["某某县人民政府办公室文件", "某政办发〔2023〕12号", "关于做好2024年度城乡居民基本医疗保险征缴工作的通知",
                         "各乡镇人民政府："]


def test_attachment_links_are_listed(tmp_path) -> None:
    body = BODY + "<p>附件：<a href='/u/2023/%E4%BB%BB%E5%8A%A1%E8%A1%A8.xlsx'>某某县2024年度征缴任务表.xlsx</a></p>"
    doc = _read(tmp_path, page(body).encode("utf-8"))
    assert "某某县2024年度征缴任务表" in doc.attachment_names
    assert "任务表.xlsx" in doc.attachment_names


@pytest.mark.parametrize("html", [
    pytest.param(page("<ul>" + "".join(f"<li><a href='/{i}'>关于做好第{i}批城乡居民医保参保工作的通知</a></li>"
                                      for i in range(30)) + "</ul>"), id="list-page"),
    pytest.param(page("<h1>404</h1><p>您访问的页面不存在。</p>"), id="404-page"),
    pytest.param("<html><body></body></html>", id="empty-body"),
])
def test_a_page_without_a_notice_is_refused(tmp_path, html) -> None:
    with pytest.raises(InputError) as e:
        _read(tmp_path, html.encode("utf-8"))
    assert e.value.reason == "no notice text in this web page (a list, index or error page?)"


@pytest.mark.parametrize("layout, encoding, title_in_body", [
    pytest.param("div", "utf-8", True, id="div-utf8"),
    pytest.param("table", "gb2312", False, id="table-gb2312"),
])
def test_rendered_seed_reads_like_its_text(tmp_path, layout, encoding, title_in_body) -> None:
    data = render_formats.to_html(TEXT, encoding, layout=layout, title_in_body=title_in_body)
    doc = _read(tmp_path, data, "seed.html")

    def lines(t: str) -> list[str]:
        return [ln.replace(" ", "") for ln in canonicalize(t).splitlines() if ln.strip()]

    title = render_formats.notice_title(TEXT)
    # without the title in the body, the page's title field (the bare 关于…的通知) stands in its place
    expected = [ln if title_in_body or title not in ln or len(ln) > len(title) + 16 else title for ln in lines(TEXT)]
    assert lines(doc.raw_text) == expected
    assert doc.source.published == render_formats.issue_date(TEXT)


def test_a_presentational_heading_beats_a_site_title(tmp_path) -> None:
    """Old table-layout sites: the heading is <font><b> in a layout cell and <title> names the site."""
    body = BODY.replace("<p>关于做好2024年度城乡居民基本医疗保险征缴工作的通知</p>", "")
    html = ("<html><head><meta charset='utf-8'><title>某某县人民政府门户网站--通知公告</title></head><body>"
            "<table><tr><td><a href='/a.html'>关于做好防汛工作的通知</a></td></tr>"
            "<tr><td align=center><font size=5><b>某某县人民政府办公室关于做好2024年度城乡居民基本医疗保险征缴工作的通知</b></font></td></tr>"
            f"<tr><td class=content>{body}</td></tr></table></body></html>")
    lines = canonicalize(_read(tmp_path, html.encode()).raw_text).splitlines()
    assert "某某县人民政府办公室关于做好2024年度城乡居民基本医疗保险征缴工作的通知" in lines
    assert not any("门户网站" in ln or "防汛" in ln for ln in lines)


@pytest.mark.parametrize("inside", [False, True])
def test_the_open_government_metadata_table_gives_the_doc_number(tmp_path, inside) -> None:
    """索引号 / 发布机构 / 发文字号 …: the 文号 is only there; the table's labels are not body text."""
    meta = ("<table><tr><th>索引号：</th><td>0145/2025-01234</td><th>分类：</th><td>通知</td></tr>"
            "<tr><th>发布机构：</th><td>某某县人民政府办公室</td><td>发文字号：某政办发〔2023〕12号</td></tr>"
            "<tr><th>成文日期：</th><td>2023-09-01</td></tr></table>")
    html = page(meta + BODY) if inside else page(BODY).replace("<div id='zoom'>", meta + "<div id='zoom'>")
    lines = canonicalize(_read(tmp_path, html.encode()).raw_text).splitlines()
    assert lines[0] == "某政办发〔2023〕12号"
    assert not any("索引号" in ln or "成文日期" in ln for ln in lines)


def test_link_free_body_keeps_the_short_parts_beside_its_text_block(tmp_path) -> None:
    """A `#zoom` holding a 文号 `<div>`, one `<div>` of `<br>`-separated paragraphs (most of the
    text) and the 落款 in a right-aligned layout table: the 文号 and the 落款 are the notice's."""
    paras = BODY.replace("<p>", "").replace("</p>", "<br><br>")
    body = ("<div style='text-align:center'>某政办发〔2023〕12号</div>"
            f"<div>{paras}</div><table align='right'><tr><td>某某县人民政府办公室<br>2023年9月1日</td></tr></table>")
    lines = _read(tmp_path, page(body).encode("utf-8")).raw_text.splitlines()
    assert lines[0] == "某政办发〔2023〕12号"
    assert lines[1] == "关于做好2024年度城乡居民基本医疗保险征缴工作的通知"
    assert lines[-2:] == ["某某县人民政府办公室", "2023年9月1日"]


def test_caption_is_the_line_above_its_table(tmp_path) -> None:
    table = ("<table border='1'><caption>某县2024年度参保任务分解表</caption>"
             "<tr><td>序号</td><td>乡镇</td><td>任务数</td></tr><tr><td>1</td><td>甲镇</td><td>100</td></tr></table>")
    lines = _read(tmp_path, page(BODY + table).encode("utf-8")).raw_text.splitlines()
    at = lines.index("序号\t乡镇\t任务数")
    assert lines[at - 1] == "某县2024年度参保任务分解表"


def test_header_rows_typed_again_inside_the_table_are_dropped(tmp_path) -> None:
    head = ("<tr><td rowspan='2'>序号</td><td rowspan='2'>乡镇</td><td colspan='2'>参保任务</td></tr>"
            "<tr><td>合计</td><td>其中：学生</td></tr>")
    table = (f"<table border='1'>{head}<tr><td>1</td><td>甲镇</td><td>100</td><td>20</td></tr>{head}"
             "<tr><td>2</td><td>乙镇</td><td>80</td><td>10</td></tr><tr><td colspan='2'>合计</td><td>180</td><td>30</td></tr></table>")
    lines = _read(tmp_path, page(BODY + table).encode("utf-8")).raw_text.splitlines()
    at = lines.index("序号\t乡镇\t参保任务\t")
    assert lines[at:at + 5] == ["序号\t乡镇\t参保任务\t", "\t\t合计\t其中：学生", "1\t甲镇\t100\t20", "2\t乙镇\t80\t10",
                                "合计\t\t180\t30"]


def test_published_from_a_bare_time_label(tmp_path) -> None:
    """`时间：2024-09-10 16:05　作者：…` is the page's 发布时间; a `缴费时间：` in the body is not."""
    body = "<p>缴费时间：2023年9月1日至12月31日。</p>" + BODY
    top = "<div class='info'>时间：2023-09-03 16:05　作者：县政府办</div>"
    html = page(body, chrome=False).replace("<body>", f"<body>{top}")
    assert _read(tmp_path, html.encode("utf-8")).source.published == "2023-09-03"
    assert _read(tmp_path, page(body, chrome=False).encode("utf-8")).source.published is None


def test_hidden_article_a_script_reveals_is_read_but_hidden_chrome_is_not(tmp_path) -> None:
    """A WeChat export's article div is `visibility: hidden` until the page's script shows it:
    hidden but holding most of the text, it is the notice; a small hidden block stays dropped."""
    body = (f"<div id='js_content' style='visibility: hidden;'>{BODY}</div>"
            "<div style='display:none'>微信扫一扫关注该公众号</div>")
    doc = _read(tmp_path, page(body).encode("utf-8"))
    assert "个人缴费标准为每人每年380元" in doc.raw_text
    assert "微信扫一扫" not in doc.raw_text


def test_wechat_headline_and_follow_prompt_stay_out_of_a_titled_body(tmp_path) -> None:
    """The article's headline (no 关于…的通知) is not put above the body's 文号 and own title, and
    the 点击蓝字 关注我们 prompt is chrome: neither runs into the 文号 line."""
    body = ("<section><span>点击蓝字 关注我们</span></section><section>某政办〔2024〕8号</section>"
            f"<section>某某县人民政府办公室{BODY[3:]}")
    html = page(body).replace("<div id='zoom'>", "<h1 id='activity-name'>速看！2024年度医保缴费开始啦</h1><div id='zoom'>")
    html = html.replace("<title>通知_某某县人民政府</title>", "<title>速看！2024年度医保缴费开始啦</title>")
    doc = _read(tmp_path, html.encode("utf-8"))
    assert doc.raw_text.splitlines()[0] == "某政办〔2024〕8号"
    assert "速看" not in doc.raw_text and "点击蓝字" not in doc.raw_text


def test_an_iframe_srcdoc_body_is_read_in_place(tmp_path) -> None:
    """p23: a 集约化 platform page whose article is the escaped document of an `<iframe srcdoc>`;
    a frame loading another address is still dropped."""
    import html as _h

    inner = f"<!DOCTYPE html><html><head><style>p{{margin:0}}</style></head><body><div class='view'>{BODY}</div></body></html>"
    data = page(f"<iframe frameborder='0' srcdoc=\"{_h.escape(inner, quote=True)}\"></iframe>"
                "<iframe src='/ad.html'>广告位招租广告位招租</iframe>").encode("utf-8")
    doc = _read(tmp_path, data)
    assert "个人缴费标准为每人每年380元" in doc.raw_text and "某某县人民政府办公室" in doc.raw_text
    assert "margin" not in doc.raw_text and "广告位" not in doc.raw_text


def test_a_page_showing_its_notice_in_a_pdf_viewer(tmp_path) -> None:
    """p24: the page holds the title and chrome only, the notice is the PDF its pdf.js viewer (or
    an <embed>/<object>) shows; read alone, the page says which file it needs."""
    from noticeflow.readers import html as html_reader

    viewer = ("<h2>关于做好2025年度城乡居民基本医疗保险参保缴费工作的通知</h2>"
              "<iframe src='/static/pdfjs/web/viewer.html?file=/upload/2024/09/P0202409.pdf#page=1'></iframe>"
              "<object data='/upload/%E9%80%9A%E7%9F%A5.pdf' type='application/pdf'></object><embed src='/img/logo.png'>")
    data = page(viewer).encode("utf-8")
    got = html_reader.read_html("n.html", data)
    assert got.embedded == ["P0202409.pdf", "通知.pdf"] and got.text == ""
    with pytest.raises(InputError, match="P0202409.pdf"):
        _read(tmp_path, data)
    # a page with its own text keeps it, the viewer names what it shows
    assert html_reader.read_html("m.html", page(BODY + "<iframe src='x/viewer.html?file=a.pdf'></iframe>").encode()).embedded == ["a.pdf"]
    with pytest.raises(InputError, match="no notice text"):
        _read(tmp_path, page("<iframe src='/video/player.html?v=12'></iframe>").encode("utf-8"), "v.html")


def test_gbk_declared_over_utf8_bytes_is_utf8() -> None:
    """p28: a template kept `charset=gbk` while the server sends UTF-8. Text whose UTF-8 bytes are
    also valid GB18030 (every Han run here is of even length) decoded without error as mojibake;
    valid UTF-8 wins over a GB-family declaration, real GBK bytes still decode as declared."""
    from noticeflow.readers import html as html_reader

    src = "<html><head><meta charset='gbk'></head><body><p>县医保局负责</p><p>缴费通知</p></body></html>"
    assert html_reader.decode_html("x.html", src.encode("utf-8"))[:2] == (src, "utf-8")
    assert html_reader.decode_html("y.html", src.encode("gbk"))[:2] == (src, "gb18030")
