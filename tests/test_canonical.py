"""Canonical text: one spelling for extractors, still readable for reviewers."""
from __future__ import annotations

import pytest

from noticeflow.extractors.canonical import canonicalize


@pytest.mark.parametrize("raw, expected", [
    ("个人缴费标准为３８０元／人。", "个人缴费标准为380元/人。"),
    ("2022 年 9 月 1 日至 2022 年 12 月 31 日", "2022年9月1日至2022年12月31日"),
    ("### 一、征缴时间", "一、征缴时间"),
    ("个人缴费按**280**元的标准", "个人缴费按280元的标准"),
    ("具有本县户籍且未参加城镇职工基本医疗保险参保范\n\n围的城乡居民；", "具有本县户籍且未参加城镇职工基本医疗保险参保范围的城乡居民;"),
    ("一、征缴时间\n\n缴费期为9月1日至12月31日。", "一、征缴时间\n\n缴费期为9月1日至12月31日。"),
    ("关于做好2024年度城乡居民基本医疗保险征缴工作的通知\n\n各乡(镇)人民政府:", "关于做好2024年度城乡居民基本医疗保险征缴工作的通知\n\n各乡(镇)人民政府:"),
    ("《关于做好2024年度参保缴费工作的通知》(晋市医保发\n\n[2023] 10号)", "《关于做好2024年度参保缴费工作的通知》(晋市医保发[2023]10号)"),
    ("1\t猗氏镇\t34447", "1\t猗氏镇\t34447"),
    ("\ufeff组　长：孙　鹏", "组 长:孙 鹏"),
    # narrow columns: a short line that cannot end where it does is joined to the next
    ("5.易返贫致贫人口(包括脱贫不稳定\n人口和边缘易致贫人口)按每人每年280元定额资助。",
     "5.易返贫致贫人口(包括脱贫不稳定人口和边缘易致贫人口)按每人每年280元定额资助。"),
    ("6.享受抚恤和生活补助的优抚对象按\n个人缴费标准80%的比例给予定额资助。",
     "6.享受抚恤和生活补助的优抚对象按个人缴费标准80%的比例给予定额资助。"),
    # space-aligned tables (pdftotext -layout): cells between gaps of 2+ spaces, the 合计 figures
    # under the last columns; an aligned block without figures (leadership) stays text
    ("序号   乡镇（街道）   户籍人口数   参保任务数\n1      番城街道       7.68         6.89\n合计                  183.23       160.34",
     "序号\t乡镇(街道)\t户籍人口数\t参保任务数\n1\t番城街道\t7.68\t6.89\n合计\t\t183.23\t160.34"),
    ("组　　长：龙　飞　　县人民政府副县长\n副组长：陈　刚　　县医疗保障局局长",
     "组 长:龙 飞 县人民政府副县长\n副组长:陈 刚 县医疗保障局局长"),
    # the rows of a leading group's list end where they end, with or without colons, name first
    # or with the spaces OCR lost (`成员县财政局` glued): never joined into one line
    ("组长　　扎西次仁　县委副书记、常务副县长\n副组长　次仁卓玛　县人民政府副县长\n　　　　罗布顿珠　县医疗保障局局长\n"
     "成员　　县财政局、县民政局主要负责同志\n领导小组办公室设在县医疗保障局。",
     "组长 扎西次仁 县委副书记、常务副县长\n副组长 次仁卓玛 县人民政府副县长\n罗布顿珠 县医疗保障局局长\n"
     "成员 县财政局、县民政局主要负责同志\n领导小组办公室设在县医疗保障局。"),
    ("副组长次仁卓玛县人民政府副县长\n张国庆国家税务总局墨竹工卡县税务局局长\n成员县财政局、县民政局主要负责同志",
     "副组长次仁卓玛县人民政府副县长\n张国庆国家税务总局墨竹工卡县税务局局长\n成员县财政局、县民政局主要负责同志"),
    # ...a role row left open by its last character still goes on
    ("成员：县财政局、县民政局、\n县教育局主要负责同志", "成员:县财政局、县民政局、县教育局主要负责同志"),
    # ...a short heading is not
    ("(一)加强组织领导\n各乡镇要成立工作专班。", "(一)加强组织领导\n各乡镇要成立工作专班。"),
    # a web page saved with its HTML half stripped: entities and tags go, block tags end lines
    ("&nbsp;&nbsp;各乡镇人民政府：<br>&nbsp;&nbsp;通过&ldquo;渝快办&rdquo;缴费。<br>", "各乡镇人民政府:\n通过“渝快办”缴费。"),
    ('<p style="text-align:right">某县医疗保障局</p><P>2025年9月3日</P>', "某县医疗保障局\n\n2025年9月3日"),
    ("<strong>一、缴费标准</strong><br/>个人缴费每人每年<b>400</b>元。", "一、缴费标准\n个人缴费每人每年400元。"),
    # ...but a comparison or an ampersand in words is text
    ("参保率<95%的乡镇，R&D经费", "参保率<95%的乡镇,R&D经费"),
    ("", ""),
    # a web page's table flattened one cell per line: rebuilt as tab rows, the figures never glued
    ("序号\n乡镇\n任务数(人)\n1\n东河镇\n5200\n2\n西岭乡\n3100\n合计\n8300",
     "序号\t乡镇\t任务数(人)\n1\t东河镇\t5200\n2\t西岭乡\t3100\n合计\t\t8300"),
    ("参保人数\n186520\n176190", "参保人数\n186520\n176190"),
    # ...a paragraph per cell, and a page break inside the table (its folio and running header go first)
    ("某县医疗保障局\n\n序号\n\n乡镇\n\n任务数\n\n1\n\n东河镇\n\n5200\n\n— 2 —\n\n某县医疗保障局\n\n2\n\n西岭乡\n\n3100",
     "某县医疗保障局\n\n序号\t乡镇\t任务数\n1\t东河镇\t5200\n2\t西岭乡\t3100"),
    # ...a number split over a line end in prose still joins
    ("个人缴费标准为每人每年38\n0元。", "个人缴费标准为每人每年380元。"),
    # a two-row header aligned with full-width spaces: the rows' cells set the columns
    ("序号　乡镇　　　合计　　　　其中\n　　　　　　　　　　　　　　困难群众　　其他\n1　　东河镇　　5200　　　　300　　　　4900\n2　　西岭乡　　3100　　　　200　　　　2900",
     "序号\t乡镇\t合计\t其中\n\t\t\t困难群众\t其他\n1\t东河镇\t5200\t300\t4900\n2\t西岭乡\t3100\t200\t2900"),
    # a table typed with ONE full-width space per cell gap: tab rows, not wrapped prose joined
    # (an OCR space inside a cell stays in it; the 合计 without its area cell is right-aligned)
    ("序号　单位　主要职责\n1　县医保局　牵头负责参保登记\n2　县税 务局　负责保费征收\n　　合计　2",
     "序号\t单位\t主要职责\n1\t县医保局\t牵头负责参保登记\n2\t县税 务局\t负责保费征收\n合计\t\t2"),
    # ...one such row alone is no table
    ("序号　单位　主要职责\n1　县医保局　牵头负责参保登记\n各乡镇要做好宣传。", "序号 单位 主要职责\n1县医保局 牵头负责参保登记\n各乡镇要做好宣传。"),
    # a text exported double-spaced (a blank line after every line): a table's rows close up
    # whatever separates their cells, the prose keeps its blank lines
    ("序号\t乡镇\t任务数\n\n1\t东河镇\t5200\n\n合计\t\t5200\n\n注：任务数含学生。",
     "序号\t乡镇\t任务数\n1\t东河镇\t5200\n合计\t\t5200\n\n注:任务数含学生。"),
    ("类别　　资助对象　　资助标准\n\n一类　　特困人员　　全额资助\n\n二类　　低保对象　　每人300元\n\n一类人员个人不缴费。",
     "类别\t资助对象\t资助标准\n一类\t特困人员\t全额资助\n二类\t低保对象\t每人300元\n\n一类人员个人不缴费。"),
    ("序号 乡镇 参保任务\n\n1 东河镇 5200\n\n2 西岭乡 3100\n\n合计 8300",
     "序号\t乡镇\t参保任务\n1\t东河镇\t5200\n2\t西岭乡\t3100\n合计\t\t8300"),  # as when typed single-spaced
    ("东河镇　5200\n\n西岭乡　3100\n\n各乡镇要做好宣传。\n\n县医保局负责。",
     "东河镇5200\n西岭乡3100\n\n各乡镇要做好宣传。\n\n县医保局负责。"),
    # a table typed with ONE full-width space per cell gap and NO 序号 column, each line indented
    # as a paragraph (devcorpus 213: a transposed tier table, a table of windows whose last cell
    # may be blank): tab rows, not prose lines joined into one
    ("　　项目　特困人员　低保对象　监测对象\n　　资助方式　全额资助　定额资助　定额资助\n　　资助金额（元/人）　420　300　160\n　　个人缴费（元/人）　0　120　260\n　　（二）资金渠道",
     "项目\t特困人员\t低保对象\t监测对象\n资助方式\t全额资助\t定额资助\t定额资助\n资助金额(元/人)\t420\t300\t160\n个人缴费(元/人)\t0\t120\t260\n(二)资金渠道"),
    ("　　阶段　起止时间　备注\n　　集中缴费期　2025年9月1日—2025年12月31日　一次性缴纳\n　　待遇享受期　2026年1月1日—2026年12月31日\n　　补缴期　2026年1月4日—3月31日　设等待期\n　　各乡镇要做好宣传。",
     "阶段\t起止时间\t备注\n集中缴费期\t2025年9月1日—2025年12月31日\t一次性缴纳\n待遇享受期\t2026年1月1日—2026年12月31日\n补缴期\t2026年1月4日—3月31日\t设等待期\n各乡镇要做好宣传。"),
    # ...lines of that shape holding no figures (a leadership list) stay prose
    ("　　职务　姓名　工作单位\n　　组长　王磊　县人民政府\n　　副组长　李明　县医保局\n　　成员　张华　县财政局",
     "职务 姓名 工作单位\n组长 王磊 县人民政府\n副组长 李明 县医保局\n成员 张华 县财政局"),
    # OCR spaces inside a date in Chinese numerals
    ("集中征缴时间为二 〇 二五年九月一日至十 二月三十一日。", "集中征缴时间为二〇二五年九月一日至十二月三十一日。"),
    # a short OCR'd line cut inside a term the next line completes (devcorpus 185, 186): joined
    ("③ 防止返贫监\n测对象：按个人缴费标准的60%给予资助；", "③ 防止返贫监测对象:按个人缴费标准的60%给予资助;"),
    ("2026年度居民医保集中缴\n费期为2025年9月1日至2025年12月31日。", "2026年度居民医保集中缴费期为2025年9月1日至2025年12月31日。"),
    ("（二）低保对象、边缘易致\n贫人口按70%资助。", "(二)低保对象、边缘易致贫人口按70%资助。"),
    # ...a heading ending in a whole term, a next line opening with a word of its own, stay apart
    ("（三）低保对象\n对象认定由县民政局负责。", "(三)低保对象\n对象认定由县民政局负责。"),
    ("四、困难群众\n群众参保资助按以下标准执行。", "四、困难群众\n群众参保资助按以下标准执行。"),
])
def test_canonicalize(raw: str, expected: str) -> None:
    assert canonicalize(raw).rstrip("\n") == expected


def test_double_spaced_text_loses_its_blank_lines() -> None:
    # a blank line after every line (a CR CR LF export): the lead-in and its items, a wrapped
    # sentence and the table come back together; the same text single-spaced is left as it is
    lines = ["关于做好2026年度城乡居民基本医疗保险参保缴费工作的通知", "各乡镇人民政府:", "一、筹资标准",
             "个人缴费标准为:", "(一)学生儿童:每人每年560元;", "(二)成年居民:每人每年980元。",
             "二、缴费时间", "集中缴费期为2025年9月1日至2025年12月31日,待遇享受期为2026年1月1日至",
             "2026年12月31日。", "序号\t乡镇\t任务数", "1\t东河镇\t5200", "2\t西岭乡\t3100", "某县医疗保障局",
             "2025年8月20日"]
    single = canonicalize("\n".join(lines))
    assert canonicalize("\n\n".join(lines)) == single
    assert "\n\n" not in single and "待遇享受期为2026年1月1日至2026年12月31日。" in single
    # ...a text with blank lines between some of its paragraphs only keeps them
    some = "\n".join(lines[:6]) + "\n\n" + "\n".join(lines[6:])
    assert "\n\n二、缴费时间" in canonicalize(some)


def test_idempotent_on_corpus() -> None:
    from conftest import ROOT
    for f in sorted((ROOT / "corpus").glob("*.txt")):
        once = canonicalize(f.read_text(encoding="utf-8"))
        assert canonicalize(once) == once, f.name


def test_office_lines_stay_apart() -> None:
    raw = "新野县医疗保障局 新野县财政局 国家税务总局新野县税务局\n\n新医保〔2023〕5号\n\n关于做好2024年度城乡居民基本医疗保险参保缴费工作的通知\n"
    assert canonicalize(raw).split("\n\n")[0] == "新野县医疗保障局 新野县财政局 国家税务总局新野县税务局"


@pytest.mark.parametrize("raw, lines", [
    # the 落款 under a list line left open (附件 list, contact line) is not its continuation
    ("附件:1.固始县2025年度城乡居民基本医疗保险参保任务分解表\n2.2025年度城乡居民基本医疗保险政策问答\n固始县人民政府办公室\n\n2024年9月6日\n",
     ["2.2025年度城乡居民基本医疗保险政策问答", "固始县人民政府办公室", "2024年9月6日"]),
    ("联系人:县医疗保障局待遇保障股0719-6222318\n郧西县医疗保障局 郧西县财政局 国家税务总局郧西县税务局\n2023年9月15日\n",
     ["联系人:县医疗保障局待遇保障股0719-6222318", "郧西县医疗保障局 郧西县财政局 国家税务总局郧西县税务局"]),
    # a letter-spaced title is complete: the addressee line stays apart
    # an attachment label alone is complete: the title under it opening with a year is no
    # number going on (附件2 / 2025年度… was read as 附件22025年度…)
    ("附件2\n\n2025年度城乡居民医保参保缴费政策问答\n\n1.什么是居民医保?\n",
     ["附件2", "2025年度城乡居民医保参保缴费政策问答"]),
    ("附表1:\n2024年度各镇参保任务表\n",
     ["附表1:", "2024年度各镇参保任务表"]),
    ("关 于 做 好 2025 年 度 城 乡 居 民 基 本 医 疗 保 险 参 保 缴 费 工 作 的 通 知\n各乡镇(场)人民政府,县直各有关单位:\n",
     ["各乡镇(场)人民政府,县直各有关单位:"]),
])
def test_complete_lines_are_not_joined(raw: str, lines: list[str]) -> None:
    out = canonicalize(raw).split("\n")
    assert all(line in out for line in lines), out


def test_page_furniture_is_dropped() -> None:
    raw = ("建平县人民政府办公室\n关于做好2022年度城乡居民医保征缴工作的通知\n正文。\n"
           "成 员:县财政局副局长 吴海波\n\n— 2 —\n\n建平县人民政府办公室\n\n县民政局副局长 郭丽娟\n第3页\n末行。\n")
    out = canonicalize(raw)
    assert "— 2 —" not in out and "第3页" not in out
    assert out.count("建平县人民政府办公室") == 1
    assert "县民政局副局长 郭丽娟" in out and "末行。" in out


def test_a_short_notice_keeps_the_line_after_its_folio() -> None:
    """The running header repeats a line from above the first folio: in a notice shorter than
    the 600 characters looked at, the line after the folio is in that top too, and is no header."""
    raw = ("某县医疗保障局文件\n关于做好2025年度城乡居民医保征缴工作的通知\n各乡镇：\n"
           "个人缴费标准为每人每年400元，特困人员\n— 1 —\n给予全额资助，低保对象资助280元。\n某县医疗保障局\n")
    out = canonicalize(raw)
    assert "— 1 —" not in out and "特困人员给予全额资助,低保对象资助280元。" in out
    repeated = raw.replace("— 1 —\n", "— 1 —\n关于做好2025年度城乡居民医保征缴工作的通知\n")
    assert canonicalize(repeated) == out  # the title repeated after the folio is dropped


def test_hyphen_folio_is_no_markdown_bullet() -> None:
    """`- 2 -` between pages is a folio (dropped whole), not a bullet leaving `2 -` behind."""
    top = "正文。\n" * 200  # the running-header check reads the top 600 characters: keep the page's line out of it
    out = canonicalize(top + "（五）脱贫人口每人资助100元。\n\n- 2 -\n\n以上资助资金由医疗救助基金列支。\n- 县医保局：负责登记。\n")
    assert "2 -" not in out and "以上资助资金由医疗救助基金列支。" in out and "县医保局:负责登记。" in out


def test_column_aligned_table_becomes_tab_rows() -> None:
    """A table typeset in columns (pdftotext -layout): cells 3+ spaces apart, an empty cell only
    spaces, a 合计 row with one gap, full-width brackets that fold narrower."""
    raw = ("序号   工作任务                    责任单位         配合单位         完成时限\n"
           "1      困难群众名单推送            县民政局         县医疗保障局     9月底\n"
           "2      落实资金（含工作经费）      县财政局                          集中征收期内\n"
           "3      入户宣传动员                各乡镇人民政府   县医疗保障局     全程\n"
           "合计                                                               3项\n")
    rows = canonicalize(raw).rstrip("\n").split("\n")
    assert rows[0].split("\t") == ["序号", "工作任务", "责任单位", "配合单位", "完成时限"]
    assert rows[2].split("\t") == ["2", "落实资金(含工作经费)", "县财政局", "", "集中征收期内"]
    assert rows[4].split("\t") == ["合计", "", "", "", "3项"]


def test_prose_with_wide_gaps_is_no_table() -> None:
    raw = "组  长:龙 飞 县人民政府副县长\n副组长:陈书华  县政府办公室副主任\n武乡县人民政府办公室                    2023年8月25日印发\n"
    assert "\t" not in canonicalize(raw)


PARAGRAPHS = [
    "全区户籍人口基本医疗保险参保率稳定在99%以上，学生儿童参保率达到100%，各镇乡街道参保任务见附件。",
    "享受城乡居民最低生活保障待遇人员、特困人员、低收入家庭人员、重度残疾人员和享受定期抚恤补助的优抚对象参加居民医保，个人缴费部分由区财政全额补助。",
    "学生儿童由所在学校、托幼机构统一组织参保缴费，于2024年10月31日前完成，各学校要安排专人负责，确保不漏一人。",
]


def _wrap(paragraph: str, width: int) -> list[str]:
    """Cut a paragraph every `width` display columns, as pdftotext does."""
    lines, cur = [], ""
    for ch in paragraph:
        if (len((cur + ch).encode()) + len(cur + ch)) // 2 > width:
            lines.append(cur)
            cur = ""
        cur += ch
    return lines + [cur]


@pytest.mark.parametrize("width", [32, 40, 52])
def test_hard_wrapped_paragraphs_are_joined(width: int) -> None:
    raw = "\n\n".join("\n".join(_wrap(p, width)) for p in PARAGRAPHS)
    assert canonicalize(raw).rstrip("\n").split("\n\n") == [canonicalize(p).rstrip("\n") for p in PARAGRAPHS]


def test_paragraph_per_line_text_is_not_joined() -> None:
    raw = "一、缴费标准\n个人缴费标准为每人每年400元\n二、缴费时间\n集中缴费期为2024年9月1日至12月31日\n三、资助政策\n特困人员全额资助\n四、工作要求\n各乡镇要高度重视\n"
    assert canonicalize(raw) == raw


def test_line_starting_with_a_list_comma_continues_the_one_above() -> None:
    assert canonicalize("享受最低生活保障待遇人员\n、特困人员参加居民医保。") == "享受最低生活保障待遇人员、特困人员参加居民医保。\n"
