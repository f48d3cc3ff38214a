"""Builds p13_hunan_xinhua_2025.docx the way a county office's Word template numbers a notice: the
section headings 一、… and the items （一）… under them are one multilevel list (a single numId,
level 0 chineseCounting `%1、`, level 1 chineseCounting `（%2）` restarting under each heading), so
no heading number is in the text; the quota table has merged cells (序号 / 乡镇 / 备注 merged down
with vMerge, 参保任务（人） across with gridSpan, the 合计 label across two columns), its two header
rows are marked to repeat on each page (tblHeader), and the header rows are also typed again in the
middle of the table where the clerk's copy broke across a page. The notice text is data below.

usage: python make_docx_p13.py   (writes beside this script)
"""
import pathlib

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

HERE = pathlib.Path(__file__).resolve().parent

HEAD = ["新化县人民政府办公室", "新政办函〔2024〕47号",
        "新化县人民政府办公室关于做好2025年度城乡居民基本医疗保险参保缴费工作的通知"]
OPENING = [
    "各乡镇人民政府、街道办事处，县直各单位：",
    "为做好全县2025年度城乡居民基本医疗保险参保缴费工作，根据《娄底市医疗保障局 国家税务总局娄底市税务局关于做好2025年度城乡居民基本医疗保险参保缴费工作的通知》（娄医保发〔2024〕22号）要求，经县人民政府同意，现将有关事项通知如下：",
]
# (level, text): level 0 and 1 are numbered by Word; None is a body paragraph
BODY = [
    (0, "缴费标准"),
    (None, "2025年度城乡居民医保个人缴费标准为每人每年400元，比上年提高20元；财政补助标准为每人每年不低于700元。"),
    (0, "资助政策"),
    (1, "特困人员参保的个人缴费部分由医疗救助基金全额资助。"),
    (1, "低保对象参保的，每人定额资助280元。"),
    (1, "防止返贫监测对象参保的，每人定额资助200元。"),
    (0, "缴费时间"),
    (None, "集中缴费期为2024年9月1日至2024年12月31日，待遇享受期为2025年1月1日至2025年12月31日。"),
    (0, "参保任务"),
    (None, "全县2025年度城乡居民医保参保任务为212470人，户籍人口参保率稳定在95%以上。各乡镇（街道）任务如下："),
    ("table", None),
    (0, "职责分工"),
    (1, "县医保局负责参保缴费工作的组织调度和参保登记。"),
    (1, "县税务局负责医保费征收和征收数据传递。"),
    (1, "县民政局负责及时推送特困人员、低保对象身份信息。"),
    (1, "各乡镇人民政府、街道办事处负责本辖区参保动员和征缴组织工作。"),
]
TABLE_TITLE = "新化县2025年度城乡居民基本医疗保险参保任务分解表"
HEADER = [("序号", "乡镇（街道）", "参保任务（人）", None, "备注"), (None, None, "合计", "其中：学生", None)]
ROWS = [("1", "上梅街道", "58320", "14260", ""), ("2", "洋溪镇", "41870", "9930", ""),
        ("3", "琅塘镇", "39650", "8740", ""), ("4", "游家镇", "37410", "8120", "含游家工业园"),
        ("5", "水车镇", "35220", "7680", "")]
SIGNATURE = ["新化县人民政府办公室", "2024年9月6日"]
CLOSING = ["（此件主动公开）"]


def _numbering(doc) -> int:
    numbering = doc.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="80"><w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr>'
        '<w:rPr><w:rFonts w:ascii="黑体" w:eastAsia="黑体"/></w:rPr></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="80"><w:abstractNumId w:val="80"/></w:num>'))
    return 80


def _numbered(paragraph, num_id: int, level: int) -> None:
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def _repeat_header(row) -> None:
    row._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))


def _header_rows(table, mark: bool) -> None:
    top, bottom = table.add_row(), table.add_row()
    for i, text in enumerate(HEADER[0]):
        if text is not None:
            top.cells[i].text = text
    for i, text in enumerate(HEADER[1]):
        if text is not None:
            bottom.cells[i].text = text
    top.cells[2].merge(top.cells[3])
    for i in (0, 1, 4):   # merged down: python-docx writes vMerge restart / continue
        top.cells[i].merge(bottom.cells[i])
    if mark:
        _repeat_header(top)
        _repeat_header(bottom)


def _quota_table(doc) -> None:
    p = doc.add_paragraph(TABLE_TITLE)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    t = doc.add_table(rows=0, cols=5)
    t.style = "Table Grid"
    _header_rows(t, mark=True)
    for n, row in enumerate(ROWS):
        if n == 3:
            _header_rows(t, mark=False)   # typed again where the copy broke across a page
        cells = t.add_row().cells
        for c, v in zip(cells, row):
            c.text = v
    total = t.add_row()
    total.cells[0].text = "合计"
    total.cells[0].merge(total.cells[1])
    total.cells[2].text = str(sum(int(r[2]) for r in ROWS))
    total.cells[3].text = str(sum(int(r[3]) for r in ROWS))


def build(path: pathlib.Path = HERE / "p13_hunan_xinhua_2025.docx") -> pathlib.Path:
    doc = Document()
    num_id = _numbering(doc)
    for line in HEAD:
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in OPENING:
        doc.add_paragraph(line)
    for level, text in BODY:
        if level == "table":
            _quota_table(doc)
            continue
        p = doc.add_paragraph(text)
        if level is not None:
            _numbered(p, num_id, level)
        else:
            p.paragraph_format.first_line_indent = 406400   # 2 characters, as the template indents
    doc.add_paragraph("")
    for line in SIGNATURE:
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for line in CLOSING:
        doc.add_paragraph(line)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())
