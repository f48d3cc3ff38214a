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
    # ...a short heading is not
    ("(一)加强组织领导\n各乡镇要成立工作专班。", "(一)加强组织领导\n各乡镇要成立工作专班。"),
    ("", ""),
])
def test_canonicalize(raw: str, expected: str) -> None:
    assert canonicalize(raw).rstrip("\n") == expected


def test_idempotent_on_corpus() -> None:
    from conftest import ROOT
    for f in sorted((ROOT / "corpus").glob("*.txt")):
        once = canonicalize(f.read_text(encoding="utf-8"))
        assert canonicalize(once) == once, f.name


def test_office_lines_stay_apart() -> None:
    raw = "新野县医疗保障局 新野县财政局 国家税务总局新野县税务局\n\n新医保〔2023〕5号\n\n关于做好2024年度城乡居民基本医疗保险参保缴费工作的通知\n"
    assert canonicalize(raw).split("\n\n")[0] == "新野县医疗保障局 新野县财政局 国家税务总局新野县税务局"


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
