"""Builds p05_hunan_longhui_2025.docx the way a Word user writes a county notice: the section
headings typed with their numbers (一、…), the tier items under 三 numbered by Word itself (an
automatic list, chineseCounting `（%1）`, so the numbers are in numbering.xml and not in the text),
a table of department duties, the leadership list as a two-column table, the signature pushed
right with spaces, and the 抄送 / 印发 lines at the end. The notice text is data below.

usage: python make_docx.py   (writes beside this script)
"""
import pathlib

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

HERE = pathlib.Path(__file__).resolve().parent

HEAD = ["隆回县人民政府办公室文件", "隆政办发〔2024〕19号",
        "隆回县人民政府办公室关于做好2025年度城乡居民基本医疗保险集中征缴工作的通知"]
OPENING = [
    "各乡镇人民政府、街道办事处，县直各单位：",
    "为做好全县2025年度城乡居民基本医疗保险集中征缴工作，根据《邵阳市医疗保障局 国家税务总局邵阳市税务局关于做好2025年度城乡居民基本医疗保险集中征缴工作的通知》（邵医保发〔2024〕9号）要求，经县人民政府同意，现将有关事项通知如下：",
]
SECTIONS = [
    ("一、缴费标准", ["2025年度城乡居民医保个人缴费标准为每人每年400元，比上年度提高20元；财政补助标准为每人每年不低于700元。"], []),
    ("二、征缴时间", ["集中征缴期为2024年9月1日至12月31日。集中征缴期内参保缴费的，2025年1月1日至12月31日享受城乡居民医保待遇。全县常住人口参保率要达到95%以上。"], []),
    ("三、资助政策", ["对困难群众参加城乡居民医保的个人缴费给予分类资助："], [   # Word's own numbering
        "特困人员参保的个人缴费部分由医疗救助基金给予全额资助；",
        "低保对象参保的，每人定额资助280元；",
        "防止返贫监测对象参保的，每人定额资助200元。",
    ]),
    ("四、职责分工", ["各相关单位按下表分工抓好落实："], []),
]
DUTIES = [("单位", "工作职责"),
          ("县医保局", "牵头组织集中征缴工作，负责参保登记、资助对象标识和征缴进度调度。"),
          ("县税务局", "负责城乡居民医保费征收，做好缴费渠道维护和征收数据传递。"),
          ("县财政局", "负责落实财政补助资金和征缴工作经费。"),
          ("县教育局", "负责组织全县在校学生参保缴费。"),
          ("各乡镇人民政府、街道办事处", "负责本辖区参保动员和征缴组织工作。")]
AFTER = ("五、组织领导", "县人民政府成立城乡居民医保集中征缴工作领导小组，成员如下：")
LEADERS = [("组  长", "刘志刚  县人民政府副县长"),
           ("副组长", "陈小兵  县人民政府办公室副主任"),
           ("", "周  敏  县医保局局长"),
           ("成  员", "县财政局、县税务局、县教育局分管负责同志")]
SIGNATURE = ["隆回县人民政府办公室", "2024年9月3日"]
CLOSING = ["（此件主动公开）",
           "抄送：县委办，县人大办，县政协办。",
           "隆回县人民政府办公室                        2024年9月4日印发"]


def _numbering(doc) -> int:
    """Adds a chineseCounting `（%1）` list to numbering.xml and returns its numId."""
    numbering = doc.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="（%1）"/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr></w:lvl></w:abstractNum>')
    numbering.insert(0, abstract)
    num = parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    numbering.append(num)
    return 90


def _numbered(paragraph, num_id: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))


def build(path: pathlib.Path = HERE / "p05_hunan_longhui_2025.docx") -> pathlib.Path:
    doc = Document()
    num_id = _numbering(doc)
    for i, line in enumerate(HEAD):
        p = doc.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in OPENING:
        doc.add_paragraph(line)
    for heading, paras, items in SECTIONS:
        doc.add_paragraph(heading).runs[0].bold = True
        for line in paras:
            doc.add_paragraph("　　" + line)
        for item in items:
            _numbered(doc.add_paragraph(item), num_id)
        if heading.startswith("四"):
            t = doc.add_table(rows=0, cols=2)
            t.style = "Table Grid"
            for a, b in DUTIES:
                cells = t.add_row().cells
                cells[0].text, cells[1].text = a, b
    doc.add_paragraph(AFTER[0]).runs[0].bold = True
    doc.add_paragraph("　　" + AFTER[1])
    t = doc.add_table(rows=0, cols=2)
    for a, b in LEADERS:
        cells = t.add_row().cells
        cells[0].text, cells[1].text = a, b
    doc.add_paragraph("")
    for line in SIGNATURE:   # pushed right with spaces, as typed, not right-aligned
        doc.add_paragraph(" " * 40 + line)
    for line in CLOSING:
        doc.add_paragraph(line)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())
