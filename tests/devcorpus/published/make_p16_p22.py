"""Builds the published files p16-p22 from the plain text of each notice (../published_plain/<stem>.txt,
the notice content: the text is data there), laid out the way each kind of site or office tool
serves it:

- p16: a WeChat 公众号 article export (js_content, nested <section>/<span leaf>, data-src images, 阅读原文);
- p17: a UEditor body (inline styles, one <p><span> per line, words split over spans, &emsp; indents);
- p18: a notice page whose quota table is a legacy .xls (BIFF8, written by xlwt) under a TRS name;
- p19: a Word 97 .doc (python-docx -> LibreOffice), automatic 一、 numbering, page-number footer, 印发 line;
- p20: a page in GB18030 with no charset declared (㛃 is outside GBK);
- p21: a .docx with tracked changes (w:del / w:ins), a footnote and a text box holding the target;
- p22: a PDF printed from Word (LibreOffice), the quota table over two pages with its header repeated.

usage: python make_p16_p22.py   (writes beside this script; needs xlwt, and soffice (Writer) on PATH)
"""
import html
import io
import pathlib
import re
import shutil
import subprocess
import tempfile
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
PLAIN = HERE.parent / "published_plain"
HEADING = re.compile(r"^[一二三四五六七八九十]+、")


def lines(stem):
    return PLAIN.joinpath(f"{stem}.txt").read_text(encoding="utf-8").split("\n")


def blocks(stem, upto=None, start=None):
    """('p', line) / ('table', rows) in order, blank lines dropped; from the line `start`, stops
    before the line `upto`."""
    out, rows, on = [], [], start is None
    for line in lines(stem):
        if not on:
            on = line == start
            if not on:
                continue
        if upto is not None and line == upto:
            break
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        if rows:
            out.append(("table", rows))
            rows = []
        if line.strip():
            out.append(("p", line))
    if rows:
        out.append(("table", rows))
    return out


def esc(s):
    return html.escape(s, quote=False)


# -- p16: WeChat article ---------------------------------------------------------------------------

def p16():
    stem = "p16_fujian_ninghua_2025"
    body = []
    for kind, line in blocks(stem):
        if HEADING.match(line):
            body.append('<section style="margin: 24px 0 8px;text-align: center;"><section style="display: inline-block;'
                        'padding: 4px 16px;background-color: rgb(0, 112, 192);border-radius: 4px;"><span style="color: '
                        f'rgb(255, 255, 255);font-size: 16px;" leaf=""><strong>{esc(line)}</strong></span></section></section>')
        elif line.endswith("通知") or line.endswith("号") and len(line) < 20:
            body.append(f'<section style="text-align: center;"><span style="font-size: 17px;" leaf=""><strong>{esc(line)}</strong></span></section>')
        elif line.startswith("宁化县人民政府办公室") or re.fullmatch(r"\d{4}年\d+月\d+日", line):
            body.append(f'<section style="text-align: right;"><span leaf="">{esc(line)}</span></section>')
        else:
            half = len(line) // 2
            body.append('<section style="margin-bottom: 12px;line-height: 1.75em;text-indent: 2em;">'
                        f'<span textstyle="" style="font-size: 15px;" leaf="">{esc(line[:half])}</span>'
                        f'<span textstyle="" style="font-size: 15px;letter-spacing: 1px;" leaf="">{esc(line[half:])}</span></section>')
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1.0">
<meta property="og:title" content="速看！2025年度城乡居民医保参保缴费开始啦">
<meta property="og:url" content="http://mp.weixin.qq.com/s?__biz=MzA5NjQ4OTEyNQ==&amp;mid=2650381234&amp;idx=1">
<title>速看！2025年度城乡居民医保参保缴费开始啦</title>
<script>var ct = "1725528600"; var msg_title = "速看！2025年度城乡居民医保参保缴费开始啦";</script>
</head><body id="activity-detail" class="zh_CN wx_wap_page">
<div id="js_article" class="rich_media"><div class="rich_media_inner"><div id="page-content" class="rich_media_area_primary">
<div class="rich_media_area_primary_inner"><div id="img-content" class="rich_media_wrp">
<h1 class="rich_media_title" id="activity-name">速看！2025年度城乡居民医保参保缴费开始啦</h1>
<div id="meta_content" class="rich_media_meta_list">
<span class="rich_media_meta rich_media_meta_text">原创</span>
<span class="rich_media_meta rich_media_meta_text">宁化医保</span>
<span class="rich_media_meta rich_media_meta_nickname" id="profileBt"><a href="javascript:void(0);" id="js_name">宁化医保</a></span>
<em id="publish_time" class="rich_media_meta rich_media_meta_text">2024-09-05 17:30</em>
<em id="js_ip_wording_wrp" class="rich_media_meta rich_media_meta_text">福建</em>
</div>
<div class="rich_media_content js_underline_content" id="js_content" style="visibility: hidden;">
<section style="text-align: center;"><img class="rich_pages wxw-img" data-ratio="0.3" data-src="https://mmbiz.qpic.cn/mmbiz_gif/k7nQibl9iaHQ/640?wx_fmt=gif" data-type="gif" data-w="1080" style="width: 100%;"></section>
<section style="text-align: center;"><span style="color: rgb(0, 112, 192);font-size: 14px;" leaf="">点击蓝字 关注我们</span></section>
<section><br></section>
{chr(10).join(body)}
<section><br></section>
<section style="text-align: center;"><img class="rich_pages wxw-img" data-src="https://mmbiz.qpic.cn/mmbiz_png/k7nQibl9iaHQ/640?wx_fmt=png&amp;from=appmsg" data-type="png" data-w="430"></section>
<section style="font-size: 12px;color: rgb(136, 136, 136);"><span leaf="">来源：宁化县医疗保障局</span></section>
<section style="font-size: 12px;color: rgb(136, 136, 136);"><span leaf="">编辑：张磊　审核：王芳</span></section>
<section style="text-align: center;"><span leaf="">长按识别二维码关注我们</span></section>
</div>
<div class="ct_mpda_wrp" id="js_sponsor_ad_area" style="display:none;"></div>
<div id="js_tags" class="article-tag__list"><span class="article-tag__item">#城乡居民医保</span><span class="article-tag__item">#参保缴费</span></div>
<div class="rich_media_tool" id="js_toobar3"><a id="js_view_source" href="https://www.fjnh.gov.cn/zwgk/tzgg/202409/t20240905_1980123.htm">阅读原文</a>
<span class="media_tool_meta">阅读 <span id="readNum3">2316</span></span>
<a class="media_tool_meta" id="like3">赞</a><a class="media_tool_meta" id="js_like_btn">在看</a></div>
<div class="rich_media_area_extra"><div id="js_pc_qr_code"><p>微信扫一扫<br>关注该公众号</p></div>
<div class="weui-dialog__bd">预览时标签不可点</div>
<p class="discuss_title">留言</p><p>继续滑动看下一个</p><p>轻触阅读原文</p>
<p>宁化医保</p><p>向上滑动看下一个</p><p>知道了</p>
<div class="weui-desktop-popover">微信扫一扫<br>使用小程序</div>
<p>分享 留言 收藏 听过</p>
</div></div></div></div></div></div>
</body></html>
"""
    HERE.joinpath(f"{stem}.html").write_text(page, encoding="utf-8")


# -- p17: UEditor body -----------------------------------------------------------------------------

SPAN = '<span style="font-family: 仿宋_GB2312, 仿宋; font-size: 21px;">'


def _spans(line):
    """A line as UEditor pastes it: split before figures and after 、 into separate styled spans."""
    parts = [p for p in re.split(r"(\d+%?|、)", line) if p]
    return "".join(f"{SPAN}{esc(p)}</span>" for p in parts)


def p17():
    stem = "p17_zhejiang_qingyuan_2025"
    out = []
    for kind, item in blocks(stem):
        if kind == "table":
            rows = []
            for r in item:
                cells = "".join(f'<td width="{w}" valign="middle" align="center" style="word-break: break-all; border-width: 1px; border-style: solid;">'
                                f'<p style="text-align:center;"><span style="font-size: 16px; font-family: 仿宋_GB2312;">{esc(c) if c else "<br/>"}</span></p></td>'
                                for c, w in zip(r, (60, 180, 140, 160)))
                rows.append(f"<tr>{cells}</tr>")
            out.append('<table width="600" data-sort="sortDisabled" style="border-collapse: collapse;" align="center"><tbody>'
                       + "".join(rows) + "</tbody></table><p><br/></p>")
            continue
        line = item
        if HEADING.match(line):
            out.append(f'<p style="text-indent: 2em; line-height: 2em;"><strong><span style="font-family: 黑体; font-size: 21px;">{esc(line)}</span></strong></p>')
        elif line.endswith("通知") and "关于" in line:
            out.append(f'<p style="text-align: center; line-height: 2em;"><span style="font-family: 方正小标宋简体; font-size: 29px;">{esc(line)}</span></p><p><br/></p>')
        elif re.fullmatch(r".+〔\d{4}〕\d+号", line) or line.endswith("分解表") or line.startswith("单位："):
            out.append(f'<p style="text-align: center;">{SPAN}{esc(line)}</span></p>')
        elif line.startswith("庆元县人民政府办公室") or re.fullmatch(r"\d{4}年\d+月\d+日", line):
            out.append(f'<p style="text-align: right; line-height: 2em;">{SPAN}{esc(line)}</span>&emsp;&emsp;</p>')
        elif line.startswith(("组长：", "副组长：", "成员：")) or line.startswith("陈丽萍"):
            role, _, rest = line.partition("：") if "：" in line else ("", "", line)
            if role == "组长":
                lab = "组&emsp;&emsp;长："
            elif role == "成员":
                lab = "成&emsp;&emsp;员："
            elif role:
                lab = "副&nbsp;组&nbsp;长："
            else:
                lab = "&emsp;&emsp;&emsp;&emsp;&emsp;"
            rest = rest.replace("　", "&emsp;&emsp;")
            out.append(f'<p style="text-indent: 2em; line-height: 2em;">{SPAN}{lab}</span>{SPAN}{rest}</span></p>')
        elif line.endswith("：") and not line.startswith("县政府"):
            out.append(f'<p style="line-height: 2em;">{SPAN}{esc(line)}</span></p>')
        else:
            out.append(f'<p style="line-height: 2em;">{SPAN}&emsp;&emsp;</span>{_spans(line)}</p>')
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="UTF-8"><meta name="SiteName" content="庆元县人民政府">
<meta name="ArticleTitle" content="庆元县人民政府办公室关于做好2025年度城乡居民基本医疗保险参保缴费工作的通知">
<meta name="PubDate" content="2024-09-04 09:12">
<title>庆元县人民政府办公室关于做好2025年度城乡居民基本医疗保险参保缴费工作的通知</title></head>
<body><div class="top"><a href="/">首页</a> <a href="/col/col1229438155/">政务公开</a> <a href="#">无障碍</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="#">政府文件</a> &gt; 县府办文件</div>
<div class="article"><div class="title">庆元县人民政府办公室关于做好2025年度城乡居民基本医疗保险参保缴费工作的通知</div>
<div class="info"><span>发布日期：2024-09-04</span><span>信息来源：县政府办</span><span>浏览次数：<script>document.write(1024)</script></span></div>
<div id="UCAP-CONTENT" class="bt_content">
{chr(10).join(out)}
</div>
<div class="bottom_tools"><a href="javascript:window.print()">【打印本页】</a><a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="footer">主办单位：庆元县人民政府办公室　浙ICP备05012345号　政府网站标识码：3311260001</div>
</body></html>
"""
    HERE.joinpath(f"{stem}.html").write_text(page, encoding="utf-8")


# -- p18: page + legacy .xls -----------------------------------------------------------------------

XLS_NAME = "W020240906512345678901.xls"


def p18():
    stem = "p18_jilin_zhenlai_2025"
    body = []
    for kind, line in blocks(stem, upto="附件1"):
        if line.startswith("附件："):
            title = line.split("：", 1)[1]
            body.append(f'<p style="text-indent:2em">附件：<a href="./{XLS_NAME}" title="{title}.xls">{title}.xls</a></p>')
        elif line.endswith("通知") and "关于" in line:
            continue
        elif line.startswith("镇赉县人民政府办公室") or re.fullmatch(r"\d{4}年\d+月\d+日", line):
            body.append(f'<p style="text-align:right">{esc(line)}</p>')
        else:
            body.append(f'<p style="text-indent:2em">{esc(line)}</p>')
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>镇赉县人民政府办公室关于做好2025年度城乡居民基本医疗保险参保缴费工作的通知_镇赉县人民政府</title></head>
<body><div class="header">镇赉县人民政府 <a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/hdjl/">互动交流</a></div>
<div class="dqwz">您当前的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/tzgg/">通知公告</a></div>
<div class="main"><h2 class="art-title">镇赉县人民政府办公室关于做好2025年度城乡居民基本医疗保险参保缴费工作的通知</h2>
<div class="art-info">发布时间：2024-09-06 15:20　来源：县政府办公室　【<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>
<div class="art-content">
{chr(10).join(body)}
</div>
<div class="art-attach"><p>附件下载：</p><ul><li><a href="./{XLS_NAME}">{XLS_NAME}</a></li></ul></div>
<div class="print"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div></div>
<div class="footer">版权所有：镇赉县人民政府　吉ICP备12000456号　网站标识码：2208210003</div>
</body></html>
"""
    HERE.joinpath(f"{stem}.html").write_text(page, encoding="utf-8")
    import xlwt   # BIFF8 (Excel 97-2003) writer: LibreOffice here has no Calc to convert an xlsx

    att = lines(stem)[lines(stem).index("附件1") + 1:]
    title = next(l for l in att if l.strip())
    rows = [l.split("\t") for l in att if "\t" in l]
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("任务分解")
    center = xlwt.easyxf("align: horiz center, vert center; borders: left thin, right thin, top thin, bottom thin")
    figure = xlwt.easyxf("align: horiz right; borders: left thin, right thin, top thin, bottom thin", num_format_str="#,##0")
    ws.write_merge(0, 0, 0, 4, title, xlwt.easyxf("font: bold on, height 320; align: horiz center"))
    ws.write(1, 4, "单位：人", xlwt.easyxf("align: horiz right"))
    ws.write_merge(2, 3, 0, 0, "序号", center)
    ws.write_merge(2, 3, 1, 1, "乡（镇）", center)
    ws.write_merge(2, 2, 2, 3, "参保任务（人）", center)
    ws.write_merge(2, 3, 4, 4, "备注", center)
    ws.write(3, 2, "合计", center)
    ws.write(3, 3, "其中：学生", center)
    n = 4
    for r in rows[1:-1]:
        ws.write(n, 0, int(r[0]), center)
        ws.write(n, 1, r[1], center)
        ws.write(n, 2, int(r[2]), figure)
        ws.write(n, 3, int(r[3]), figure)
        ws.write(n, 4, r[4], center)
        n += 1
    total = rows[-1]
    ws.write_merge(n, n, 0, 1, "合计", center)
    ws.write(n, 2, int(total[2]), figure)   # the values Excel cached for =SUM(C5:C9): xlwt caches none
    ws.write(n, 3, int(total[3]), figure)
    ws.write(n, 4, "", center)
    ws.set_panes_frozen(True)
    ws.set_horz_split_pos(4)
    notes = wb.add_sheet("填表说明")
    notes.write(0, 0, "1.参保任务按2024年末户籍人口核定。")
    notes.write(1, 0, "2.在校学生由县教育局统一组织参保。")
    wb.save(str(HERE / XLS_NAME))


def _soffice(src, filt, outdir):
    subprocess.run(["soffice", f"-env:UserInstallation=file://{outdir}/lo", "--headless", "--convert-to", filt,
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180)


# -- Word helpers ----------------------------------------------------------------------------------

def _docx_from(stem, numbered=False, table_header_repeat=False, font_pt=None, row_twips=None):
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Pt

    doc = Document()
    if font_pt:
        doc.styles["Normal"].font.size = Pt(font_pt)
    num_id = None
    if numbered:
        numbering = doc.part.numbering_part.element
        numbering.insert(0, parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:multiLevelType w:val="singleLevel"/>'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/>'
            '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr></w:lvl></w:abstractNum>'))
        numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
        num_id = 90
    items = blocks(stem)
    sig = [i for i, (k, l) in enumerate(items) if k == "p" and l.endswith("人民政府办公室")][0]
    for i, (kind, item) in enumerate(items):
        if kind == "table":
            if all(r[0] == "" or not r[0].isdigit() for r in item[1:2]) and len(item[0]) == 2 or item[0][0] in ("组长：",):
                t = doc.add_table(rows=0, cols=2)      # the leadership: a borderless two-column table
                for r in item:
                    cells = t.add_row().cells
                    cells[0].text, cells[1].text = r[0], r[1]
                continue
            t = doc.add_table(rows=0, cols=len(item[0]))
            t.style = "Table Grid"
            for n, r in enumerate(item):
                row = t.add_row()
                if n == 0 and table_header_repeat:
                    row._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
                if row_twips:
                    row._tr.get_or_add_trPr().append(parse_xml(f'<w:trHeight {nsdecls("w")} w:val="{row_twips}" w:hRule="atLeast"/>'))
                for c, v in zip(row.cells, r):
                    c.text = v
            last = t.rows[-1].cells
            if last[0].text == "合计":
                last[0].merge(last[1]).text = "合计"
            continue
        line = item
        if HEADING.match(line):
            if numbered:
                p = doc.add_paragraph(HEADING.sub("", line))
                p._p.get_or_add_pPr().append(parse_xml(
                    f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))
            else:
                doc.add_paragraph(line)
        elif i <= 1 or line.endswith("分解表") or line.endswith("任务表"):
            doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif i in (sig, sig + 1):
            doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            p = doc.add_paragraph(line)
            if not line.endswith("：") and not line.startswith(("抄送", "化德县人民政府办公室")):
                p.paragraph_format.first_line_indent = 406400
    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    footer._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    footer.add_run(" —")
    return doc


def p19():
    stem = "p19_neimenggu_huade_2025"
    doc = _docx_from(stem, numbered=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp, "p19.docx")
        doc.save(src)
        _soffice(src, "doc:MS Word 97", tmp)
        shutil.copyfile(pathlib.Path(tmp, "p19.doc"), HERE / f"{stem}.doc")


def p22():
    stem = "p22_hubei_yingshan_2025"
    doc = _docx_from(stem, table_header_repeat=True, font_pt=16, row_twips=850)
    from docx.shared import Pt
    for p in doc.paragraphs:
        p.paragraph_format.line_spacing = Pt(29)
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp, "p22.docx")
        doc.save(src)
        _soffice(src, "pdf:writer_pdf_Export", tmp)
        shutil.copyfile(pathlib.Path(tmp, "p22.pdf"), HERE / f"{stem}.pdf")


# -- p20: GB18030, no charset ----------------------------------------------------------------------

def p20():
    stem = "p20_guangdong_pingyuan_2025"
    body = []
    for kind, item in blocks(stem):
        if kind == "table":
            trs = "".join("<tr>" + "".join(f"<td>{esc(c) or '&nbsp;'}</td>" for c in r) + "</tr>\n" for r in item)
            body.append(f'<table border="1" cellspacing="0" cellpadding="4" align="center">\n{trs}</table>')
        elif item.endswith("通知") and "关于" in item:
            continue
        elif item.startswith("平远县人民政府办公室") or re.fullmatch(r"\d{4}年\d+月\d+日", item):
            body.append(f'<p align="right">{esc(item)}</p>')
        else:
            body.append(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{esc(item)}</p>")
    page = f"""<html>
<head>
<title>平远县人民政府办公室关于做好2025年度城乡居民基本医疗保险参保缴费工作的通知</title>
<link rel="stylesheet" href="/css/style.css">
</head>
<body>
<div class="top">平远县人民政府网 | <a href="/">首页</a> | <a href="/zwgk/">政务公开</a></div>
<div class="weizhi">当前位置：<a href="/">首页</a> &gt;&gt; <a href="/zwgk/">政务公开</a> &gt;&gt; 通知公告</div>
<div class="detail">
<div class="detail_title">平远县人民政府办公室关于做好2025年度城乡居民基本医疗保险参保缴费工作的通知</div>
<div class="detail_info">发布时间：2024-09-06　　来源：平远县人民政府办公室　　点击数：<span id="hits">386</span></div>
<div class="detail_con">
{chr(10).join(body)}
</div>
<div class="detail_tool"><a href="javascript:window.print();">[打印]</a> <a href="javascript:window.close();">[关闭]</a></div>
</div>
<div class="foot">平远县人民政府办公室主办　粤ICP备05087654号</div>
</body>
</html>
"""
    HERE.joinpath(f"{stem}.html").write_bytes(page.encode("gb18030"))


# -- p21: tracked changes, footnote, text box ------------------------------------------------------

AUTHOR = 'w:author="县政府办 刘敏" w:date="2024-09-03T10:12:00Z"'
# (paragraph text as the plain text has it, [(kept text, deleted, inserted), ...] edits applied left to right)
EDITS = {
    "2025年度城乡居民医保个人缴费标准为每人每年400元": [("每人每年", "380", "400")],
    "低保对象每人定额资助280元": [("定额资助", "200", "280"), ("每人定额资助200元", "；脱贫户每人定额资助100元", "")],
    "集中缴费期为2024年9月1日至2024年12月31日": [("2024年12月31日", "", "，待遇享受期为2025年1月1日至2025年12月31日")],
    "各乡镇人民政府负责本辖区参保动员": [("困难群众身份认定；", "县乡村振兴局负责防止返贫监测对象信息比对；", "")],
    "2024年9月3日": [("2024年9月", "2", "3")],
}
TEXTBOX = "全县2025年度参保任务186520人，户籍人口参保率不低于95%。"


_IDS = [100]


def _runs(text, edits):
    """w:r / w:del / w:ins XML for `text` with tracked edits: text before each anchor kept, the
    deleted part in w:del, the inserted in w:ins (which the plain text holds)."""
    from xml.sax.saxutils import escape as x

    out, rid = [], _IDS

    def r(t):
        return f'<w:r><w:t xml:space="preserve">{x(t)}</w:t></w:r>' if t else ""

    def dele(t):
        rid[0] += 1
        return f'<w:del w:id="{rid[0]}" {AUTHOR}><w:r><w:delText xml:space="preserve">{x(t)}</w:delText></w:r></w:del>' if t else ""

    def ins(t):
        rid[0] += 1
        return f'<w:ins w:id="{rid[0]}" {AUTHOR}>{r(t)}</w:ins>' if t else ""

    rest = text
    for anchor, deleted, inserted in edits:
        k = rest.index(anchor) + len(anchor)
        out.append(r(rest[:k]))
        out.append(dele(deleted) + ins(inserted))
        rest = rest[k + len(inserted):]
    out.append(r(rest))
    return "".join(out)


def p21():
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    stem = "p21_jiangxi_ningdu_2025"
    text_box_line = next(l for l in lines(stem) if l == TEXTBOX)
    doc = _docx_from(stem)
    W = nsdecls("w")
    for p in doc.paragraphs:
        edits = next((e for key, e in EDITS.items() if key in p.text), None)
        if p.text == text_box_line:     # the target sentence only in a text box anchored in an empty paragraph
            for r in list(p._p.iterchildren()):
                if r.tag.endswith("}r"):
                    p._p.remove(r)
            p._p.append(parse_xml(_textbox_xml(TEXTBOX)))
            continue
        if edits is None and "赣市医保字" not in p.text:
            continue
        full = p.text
        for r in list(p._p.iterchildren()):
            if r.tag.endswith("}r"):
                p._p.remove(r)
        if "赣市医保字" in full:        # a footnote after the cited number
            k = full.index("）") + 1
            xml = _runs(full[:k], []) + '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="1"/></w:r>' + _runs(full[k:], [])
        else:
            xml = _runs(full, edits)
        for el in parse_xml(f"<w:p {W}>{xml}</w:p>"):
            p._p.append(el)
    # the quota cell 41200 -> 42180
    for t in doc.tables:
        for row in t.rows:
            c = row.cells[2]
            if c.text == "42180":
                par = c.paragraphs[0]
                for r in list(par._p.iterchildren()):
                    if r.tag.endswith("}r"):
                        par._p.remove(r)
                for el in parse_xml(f"<w:p {W}>" + _runs("42180", [("", "41200", "42180")]) + "</w:p>"):
                    par._p.append(el)
    buf = io.BytesIO()
    doc.save(buf)
    HERE.joinpath(f"{stem}.docx").write_bytes(_with_footnotes(buf.getvalue()))


def _textbox_xml(text):
    from xml.sax.saxutils import escape as x
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
          'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
          'xmlns:v="urn:schemas-microsoft-com:vml"')
    content = f'<w:txbxContent><w:p><w:r><w:t>{x(text)}</w:t></w:r></w:p></w:txbxContent>'
    return (f'<w:r {ns}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
            '<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="251659264" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">'
            '<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
            '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV><wp:extent cx="5400000" cy="500000"/>'
            '<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/><wp:docPr id="1" name="文本框 1"/><wp:cNvGraphicFramePr/>'
            '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:cNvSpPr txBox="1"/>'
            '<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="5400000" cy="500000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>'
            f'<wps:txbx>{content}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
            f'<mc:Fallback><w:pict><v:shape id="文本框 1" type="#_x0000_t202" style="width:425pt;height:39pt"><v:textbox>{content}</v:textbox></v:shape></w:pict></mc:Fallback>'
            '</mc:AlternateContent></w:r>')


FOOTNOTES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
             '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
             '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
             '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> 该文件由赣州市医疗保障局会同市财政局、市税务局于2024年8月20日联合印发。</w:t></w:r></w:p></w:footnote>'
             '</w:footnotes>')


def _with_footnotes(data):
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>')
            if item.filename == "word/_rels/document.xml.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Id="rIdFn1" Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
            z.writestr(item, body)
        z.writestr("word/footnotes.xml", FOOTNOTES)
    return out.getvalue()


if __name__ == "__main__":
    for build in (p16, p17, p18, p19, p20, p21, p22):
        build()
        print(build.__name__)
