"""Builds the published files p23-p28 from the plain text of each notice (../published_plain/<stem>.txt,
the notice content: the text is data there), laid out the way each kind of site or office tool
serves it:

- p23: a provincial 集约化 platform page whose article body is an <iframe srcdoc> (the notice HTML
  escaped inside the attribute);
- p24: a page whose notice is an embedded PDF viewer (pdf.js viewer.html?file=…, an <object>
  fallback): the text only in the PDF beside the page, printed by LibreOffice with the title set in
  expanded character spacing (each character placed on its own);
- p25: a .docx whose 红头 and 文号 are only in the first page's header, page-number footers, the
  方案 after a section break and the 附件 quota table in a landscape section, nested in a one-cell
  frame table;
- p26: a .docx as WPS saves it (wps namespaces, KSOProductBuildVer, eastAsia hints, runs split at
  each change of script), the quota table and the leadership list tab-separated paragraphs;
- p27: a notice page whose quota table is an .xlsx with two visible sheets and a hidden one, merged
  cells and formula cells with cached values;
- p28: a page declaring charset=gbk whose bytes are UTF-8, the body nested <section>s in
  div.article-content.

usage: python make_p23_p28.py   (writes beside this script; needs python-docx, openpyxl, and
soffice (Writer) on PATH for p24's PDF)
"""
import html
import io
import pathlib
import re
import shutil
import subprocess
import tempfile
import sys
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
HEADING = re.compile(r"^[一二三四五六七八九十]+、")
DATE = re.compile(r"^\d{4}年\d+月\d+日$")
PDF_NAME = "P020240912534216789012.pdf"
XLSX_NAME = "P020240902613579246801.xlsx"


from make_p16_p22 import blocks, esc, lines  # noqa: E402  (the same plain-text blocks as p16-p22)


def _html_body(items, signer, title_skip=True):
    out = []
    for kind, item in items:
        if kind == "table":
            trs = "".join("<tr>" + "".join(f"<td>{esc(c) or '&nbsp;'}</td>" for c in r) + "</tr>" for r in item)
            out.append(f'<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;margin:0 auto;"><tbody>{trs}</tbody></table>')
        elif title_skip and "关于" in item and item.endswith("通知"):
            continue
        elif item.startswith(signer) or DATE.match(item):
            out.append(f'<p style="text-align:right;">{esc(item)}</p>')
        elif re.fullmatch(r".+〔\d{4}〕\d+号", item) or item.endswith(("分解表", "分配表")):
            out.append(f'<p style="text-align:center;">{esc(item)}</p>')
        elif HEADING.match(item):
            out.append(f'<p style="text-indent:2em;"><strong>{esc(item)}</strong></p>')
        else:
            out.append(f'<p style="text-indent:2em;">{esc(item)}</p>')
    return "\n".join(out)


# -- p23: 集约化 page, body in <iframe srcdoc> -------------------------------------------------------

def p23():
    stem = "p23_shandong_juancheng_2025"
    title = next(l for l in lines(stem) if l.endswith("通知"))
    inner = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{{font-family:仿宋;font-size:16pt;line-height:1.8}} p{{margin:0}}</style></head>
<body><div class="view TRS_UEDITOR trs_paper_default trs_word">
{_html_body(blocks(stem), "鄄城县医疗保障局", title_skip=False)}
</div></body></html>"""
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="SiteName" content="鄄城县人民政府">
<meta name="ColumnName" content="通知公告"><meta name="ArticleTitle" content="{html.escape(title)}">
<meta name="PubDate" content="2024-09-05 16:40"><meta name="ContentSource" content="鄄城县医疗保障局">
<title>{esc(title)}_鄄城县人民政府</title>
<link rel="stylesheet" href="https://www.shandong.gov.cn/jpaas-jpage-web-server/front/css/common.css"></head>
<body><div class="jpage-header"><div class="toolbar"><a href="javascript:;" id="jiaThis">无障碍浏览</a><a href="javascript:;">长者模式</a>
<a href="javascript:;">简体</a>|<a href="javascript:;">繁體</a><a href="/">网站首页</a></div>
<div class="logo">鄄城县人民政府</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/col/col1001/">政务公开</a></li><li><a href="/col/col1002/">政务服务</a></li><li><a href="/col/col1003/">互动交流</a></li><li><a href="/col/col1004/">走进鄄城</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/col/col1001/">政务公开</a> &gt; <a href="/col/col1005/">通知公告</a></div>
<div class="main"><div class="article">
<h1 class="article-title">{esc(title)}</h1>
<div class="article-info"><span>发布日期：2024-09-05 16:40</span><span>信息来源：鄄城县医疗保障局</span><span>阅读次数：<i id="readCount">0</i></span>
<span class="font">字号：<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a></span></div>
<div class="article-content" id="zoom">
<iframe id="contentFrame" name="contentFrame" frameborder="0" scrolling="no" width="100%" style="min-height:1200px"
 onload="this.style.height=this.contentWindow.document.body.scrollHeight+'px'" srcdoc="{html.escape(inner, quote=True)}"></iframe>
</div>
<div class="article-tools"><a href="javascript:window.print();">【打印】</a><a href="javascript:window.close();">【关闭】</a>
<span class="share">分享到：<a class="wx" href="javascript:;"></a><a class="wb" href="javascript:;"></a></span></div>
<div class="article-nav"><p>上一篇：<a href="/art/2024/9/3/art_1005_88012.html">鄄城县2024年秋季森林防火工作的通知</a></p>
<p>下一篇：<a href="/art/2024/9/9/art_1005_88057.html">关于开展2024年全国科普日活动的通知</a></p></div>
</div></div>
<div class="jpage-footer"><p>主办单位：鄄城县人民政府办公室　承办单位：鄄城县大数据中心</p>
<p>网站标识码：3717260001　鲁ICP备05012876号-1　<a href="#">鲁公网安备 37172602000123号</a></p>
<p><a href="#">网站地图</a> | <a href="#">联系我们</a> | <a href="#">隐私声明</a></p></div>
</body></html>
"""
    HERE.joinpath(f"{stem}.html").write_text(page, encoding="utf-8")


# -- Word helpers ----------------------------------------------------------------------------------

def _soffice(src, filt, outdir):
    subprocess.run(["soffice", f"-env:UserInstallation=file://{outdir}/lo", "--headless", "--convert-to", filt,
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180)


def _page_field(paragraph):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    paragraph.add_run("— ")
    paragraph._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    paragraph.add_run(" —")


def _table(container, rows, style="Table Grid"):
    t = container.add_table(rows=0, cols=len(rows[0])) if hasattr(container, "_body") else container.add_table(rows=0, cols=len(rows[0]))
    t.style = style
    for r in rows:
        cells = t.add_row().cells
        for c, v in zip(cells, r):
            c.text = v
    last = t.rows[-1].cells
    if last[0].text == "合计":
        last[0].merge(last[1]).text = "合计"
    return t


# -- p24: page with a PDF viewer, the notice in the PDF --------------------------------------------

def p24():
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Pt

    stem = "p24_shaanxi_chenggu_2025"
    title = next(l for l in lines(stem) if l.endswith("通知"))
    doc = Document()
    doc.styles["Normal"].font.size = Pt(16)
    for kind, line in blocks(stem):
        if line == title:
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(line)
            run.font.size = Pt(22)
            # 字符间距 加宽 3 磅: every character is placed on its own in the PDF's text layer
            run._r.get_or_add_rPr().append(parse_xml(f'<w:spacing {nsdecls("w")} w:val="60"/>'))
        elif re.fullmatch(r".+〔\d{4}〕\d+号", line):
            doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif line.startswith("城固县人民政府办公室") and len(line) < 12 or DATE.match(line):
            doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            p = doc.add_paragraph(line)
            if not line.endswith("："):
                p.paragraph_format.first_line_indent = Pt(32)
    _page_field(doc.sections[0].footer.paragraphs[0])
    doc.sections[0].footer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp, "p24.docx")
        doc.save(src)
        _soffice(src, "pdf:writer_pdf_Export", tmp)
        shutil.copyfile(pathlib.Path(tmp, "p24.pdf"), HERE / PDF_NAME)
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(title)}-城固县人民政府</title>
<meta name="ArticleTitle" content="{html.escape(title)}"><meta name="PubDate" content="2024-09-13 10:05"></head>
<body><div class="head"><a href="/">城固县人民政府</a> <a href="/zwgk/">政务公开</a> <a href="/zwfw/">政务服务</a> <a href="/hdjl/">互动交流</a>
<a href="javascript:;" class="wza">无障碍</a></div>
<div class="location">您现在的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/zfwj/">政府文件</a> &gt; 城政办发</div>
<div class="detail"><h2 class="detail-title">{esc(title)}</h2>
<div class="detail-info">发布时间：2024-09-13　作者：　来源：城固县人民政府办公室　浏览量：<span id="views">0</span></div>
<div class="detail-body">
<div class="pdf-viewer"><iframe src="/static/pdfjs/web/viewer.html?file=/cgxzf/upload/2024/09/{PDF_NAME}#page=1&amp;zoom=page-width" width="100%" height="1100" frameborder="0" allowfullscreen></iframe>
<object data="/cgxzf/upload/2024/09/{PDF_NAME}" type="application/pdf" width="0" height="0"><p>您的浏览器不支持在线预览，请使用新版浏览器查看。</p></object></div>
</div>
<div class="detail-tools"><a href="javascript:window.print()">打印本页</a> | <a href="javascript:window.close()">关闭窗口</a></div></div>
<div class="foot">城固县人民政府办公室主办　陕ICP备05006789号　网站标识码：6107220003　陕公网安备 61072202000045号</div>
</body></html>
"""
    HERE.joinpath(f"{stem}.html").write_text(page, encoding="utf-8")


# -- p25: 文号 in the first-page header, section breaks, nested quota table ------------------------

def p25():
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    stem = "p25_sichuan_yuechi_2025"
    all_lines = [l for l in lines(stem) if l.strip()]
    number = all_lines[0]
    doc = Document()
    doc.styles["Normal"].font.size = Pt(16)
    sec = doc.sections[0]
    sec.different_first_page_header_footer = True
    head = sec.first_page_header.paragraphs[0]
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    red = head.add_run("岳池县人民政府办公室文件")
    red.font.size, red.font.bold, red.font.color.rgb = Pt(36), True, RGBColor(0xFF, 0, 0)
    num = sec.first_page_header.add_paragraph(number)
    num.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sec.first_page_header.add_paragraph("━━━━━━━━━━━━━━━━━━━━━━━━").alignment = WD_ALIGN_PARAGRAPH.CENTER
    for footer in (sec.footer, sec.first_page_footer):
        footer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _page_field(footer.paragraphs[0])
    items = blocks(stem)[1:]          # the 文号 is in the header only
    plan_title = "岳池县2025年度城乡居民基本医疗保险参保缴费工作方案"
    for kind, item in items:
        if kind == "table":
            frame = doc.add_table(rows=1, cols=1)      # a one-cell frame table holding the quota table
            frame.style = "Table Grid"
            cell = frame.rows[0].cells[0]
            cell.paragraphs[0].text = ""
            _table(cell, item)
            continue
        line = item
        if line == plan_title:
            doc.add_section(WD_SECTION.NEW_PAGE)
        if line == "附件":
            s = doc.add_section(WD_SECTION.NEW_PAGE)
            s.orientation = WD_ORIENT.LANDSCAPE
            s.page_width, s.page_height = s.page_height, s.page_width
        p = doc.add_paragraph(line)
        if line.endswith("通知") or line == plan_title or line.endswith("分解表"):
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif line == "岳池县人民政府办公室" or DATE.match(line) or line.startswith("单位："):
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif not line.endswith("：") and line != "附件" and not HEADING.match(line):
            p.paragraph_format.first_line_indent = Pt(32)
    doc.save(HERE / f"{stem}.docx")


# -- p26: WPS --------------------------------------------------------------------------------------

WPS_NS = ('xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" '
          'xmlns:wpsCustomData="http://www.wps.cn/officeDocument/2013/wpsCustomData" '
          'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
          'xmlns:w10="urn:schemas-microsoft-com:office:word" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" ')
CUSTOM = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
          'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
          '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer"><vt:lpwstr>2052-12.1.0.17147</vt:lpwstr></property>'
          '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="ICV"><vt:lpwstr>4F3A1C2B9D8E4C6FA1B2C3D4E5F60718_13</vt:lpwstr></property>'
          '</Properties>')


def _wps_runs(paragraph, text):
    """Runs as WPS writes them: a new run at every change between Han text and Latin/digits, each
    with an eastAsia font hint; a tab a run of its own."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    for part in re.split(r"(\t)", text):
        if part == "\t":
            paragraph.add_run().add_tab()
            continue
        for seg in (s for s in re.split(r"([0-9A-Za-z%.]+)", part) if s):
            run = paragraph.add_run(seg)
            run._r.get_or_add_rPr().insert(0, parse_xml(f'<w:rFonts {nsdecls("w")} w:hint="eastAsia" w:ascii="仿宋_GB2312" w:eastAsia="仿宋_GB2312"/>'))


def p26():
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, Cm

    stem = "p26_anhui_lingbi_2025"
    doc = Document()
    doc.styles["Normal"].font.size = Pt(16)
    for kind, item in blocks(stem):
        rows = item if kind == "table" else [item]
        for line in rows:
            p = doc.add_paragraph()
            if kind == "table":        # a pseudo-table: tab stops and w:tab runs, no w:tbl
                text = "\t".join(line)
                stops = (Cm(1.5), Cm(5), Cm(9)) if len(line) != 4 or line[0] not in ("组", "") else (Cm(1.2), Cm(3.2), Cm(6.5))
                for s in stops:
                    p.paragraph_format.tab_stops.add_tab_stop(s)
                _wps_runs(p, text)
                continue
            _wps_runs(p, line)
            if line.endswith("通知") or re.fullmatch(r".+〔\d{4}〕\d+号", line) or line.endswith("任务表"):
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif line == "灵璧县人民政府办公室" or DATE.match(line):
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif not line.endswith("：") and not line.startswith(("抄送", "灵璧县人民政府办公室")):
                p.paragraph_format.first_line_indent = Pt(32)
    buf = io.BytesIO()
    doc.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "word/document.xml":
                root = body[:body.index(b">", body.index(b"<w:document"))]
                extra = " ".join(ns for ns in WPS_NS.split() if ns.split("=")[0].encode() not in root)
                body = body.replace(b"<w:document ", b"<w:document " + extra.encode() + b" ", 1)
                body = body.replace(b'mc:Ignorable="', b'mc:Ignorable="wpsCustomData ', 1) if b'mc:Ignorable="' in body else body
            if info.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/docProps/custom.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>')
            if info.filename == "_rels/.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>')
            if info.filename == "docProps/app.xml":
                body = re.sub(rb"<Application>[^<]*</Application>", b"<Application>WPS Office_12.1.0.17147_F1E327BC-269C-435d-A152-05C5408002CA</Application>", body)
            z.writestr(info, body)
        z.writestr("docProps/custom.xml", CUSTOM)
    HERE.joinpath(f"{stem}.docx").write_bytes(out.getvalue())


# -- p27: page + xlsx with a hidden sheet and formulas ---------------------------------------------

def p27():
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    stem = "p27_guangxi_bobai_2025"
    body = []
    for kind, line in blocks(stem, upto="附件1"):
        if line.startswith("附件："):
            name = line.split("：", 1)[1]
            body.append(f'<p style="text-indent:2em;">附件：<a href="./{XLSX_NAME}" oldsrc="/protect/P0202409/{XLSX_NAME}">{esc(name)}.xlsx</a></p>')
        elif kind == "p":
            body.append(_html_body([(kind, line)], "博白县人民政府办公室"))
    title = next(l for l in lines(stem) if l.endswith("通知"))
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>{esc(title)}</title></head>
<body><div class="top">博白县人民政府门户网站 <a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="path">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/tzgg/">通知公告</a></div>
<div class="article"><h1>{esc(title)}</h1><div class="info">发布时间：2024-09-03　来源：博白县人民政府办公室</div>
<div class="TRS_Editor">{chr(10).join(body)}</div>
<div class="fujian">相关附件：<a href="./{XLSX_NAME}">{XLSX_NAME}</a></div></div>
<div class="footer">博白县人民政府办公室主办　桂ICP备12003456号　网站标识码：4509230002</div>
</body></html>
"""
    HERE.joinpath(f"{stem}.html").write_text(page, encoding="utf-8")
    att = lines(stem)[lines(stem).index("附件1") + 1:]
    table_title = next(l for l in att if l.strip())
    rows = [l.split("\t") for l in att if "\t" in l]
    wb = Workbook()
    ws = wb.active
    ws.title = "分解表"
    ws["A1"] = table_title
    ws.merge_cells("A1:E1")
    ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=16), Alignment(horizontal="center")
    ws["E2"] = "单位：人"
    ws["A3"], ws["B3"], ws["C3"] = "序号", "镇", "参保任务（人）"
    ws.merge_cells("A3:A4"); ws.merge_cells("B3:B4"); ws.merge_cells("C3:E3")
    ws["C4"], ws["D4"], ws["E4"] = rows[0][2:5]
    cached = {}
    r = 5
    for row in rows[1:-1]:
        ws[f"A{r}"], ws[f"B{r}"] = int(row[0]), row[1]
        ws[f"D{r}"], ws[f"E{r}"] = int(row[3]), int(row[4])
        ws[f"C{r}"] = f"=D{r}+E{r}"
        cached[f"C{r}"] = int(row[2])
        r += 1
    ws[f"A{r}"] = "合计"
    ws.merge_cells(f"A{r}:B{r}")
    for col, v in zip("CDE", rows[-1][2:5]):
        ws[f"{col}{r}"] = f"=SUM({col}5:{col}{r - 1})"
        cached[f"{col}{r}"] = int(v)
    old = wb.create_sheet("2024年度")          # last year's table, hidden: no fact of this notice
    old["A1"] = "博白县2024年度城乡居民基本医疗保险参保任务分解表"
    old.append(["序号", "镇", "合计", "学生", "其他居民"])
    for i, (town, a, b) in enumerate((("博白镇", 36210, 111840), ("东平镇", 21860, 73920), ("沙河镇", 19010, 61230),
                                      ("亚山镇", 14960, 49020), ("龙潭镇", 13420, 44380)), 1):
        old.append([i, town, a + b, a, b])
    old.sheet_state = "hidden"
    notes = wb.create_sheet("说明")
    notes["A1"] = "说明：参保任务按2023年末户籍人口核定，学生含县外就读的本县户籍学生。"
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":     # the values Excel caches beside each formula
                text = body.decode("utf-8")
                for ref, v in cached.items():
                    text, n = re.subn(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?', rf"\1\2<v>{v}</v>", text)
                    assert n == 1, ref
                body = text.encode("utf-8")
            z.writestr(info, body)
    HERE.joinpath(XLSX_NAME).write_bytes(out.getvalue())


# -- p28: charset=gbk declared, UTF-8 served; nested sections --------------------------------------

def p28():
    stem = "p28_fujian_pinghe_2025"
    title = next(l for l in lines(stem) if l.endswith("通知"))
    parts = []
    for kind, item in blocks(stem):
        inner = _html_body([(kind, item)], "平和县人民政府办公室")
        if inner:
            parts.append(f'<section class="pgc-p"><section style="line-height:2;">{inner}</section></section>')
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"><meta name="keywords" content="城乡居民医保,参保缴费">
<title>{esc(title)}_平和县人民政府</title></head>
<body><div class="header"><a href="/">平和县人民政府</a> <a href="/zwgk/">政务公开</a> <a href="/bsfw/">办事服务</a></div>
<div class="bread">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/tzgg/">通知公告</a></div>
<div class="content"><div class="article-title">{esc(title)}</div>
<div class="article-meta">发布时间：2024-09-05 09:30　来源：平和县人民政府办公室　字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></div>
<div class="article-content">
{chr(10).join(parts)}
</div>
<div class="article-foot"><a href="javascript:window.print()">[打印本页]</a> <a href="javascript:window.close()">[关闭窗口]</a></div></div>
<div class="footer">主办：平和县人民政府办公室　闽ICP备05002468号　网站标识码：3506280004</div>
</body></html>
"""
    HERE.joinpath(f"{stem}.html").write_bytes(page.encode("utf-8"))   # the page says gbk; the server sends UTF-8


if __name__ == "__main__":
    for build in (p23, p24, p25, p26, p27, p28):
        build()
        print(build.__name__)
