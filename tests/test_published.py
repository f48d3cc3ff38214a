"""The held-out published files (tests/devcorpus/published: county web pages and Word files as
served, an Excel attachment linked by its TRS name) read as well as the plain text of the same
notice (tests/devcorpus/published_plain): what a reader loses shows as a gap between the two.

Each file is extracted the way `noticeflow extract FOLDER` does it (plan / in_batches /
extract_file, attachments grouped), scored with the evaluation's score.py against its gold, and
must come within 0.02 macro-F1 of its own plain text; every evidence quote is text[start:end].
"""
from __future__ import annotations

import functools
import pathlib
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from score_corpus import PUBLISHED, extract_plain, extract_published, load_scorer, tally  # noqa: E402

GOLD = sorted((PUBLISHED / "gold").glob("*.json"))
GAP = 0.02


@functools.lru_cache(maxsize=1)
def records() -> tuple[dict, dict, list[str]]:
    files, errors = extract_published()
    plain, plain_errors = extract_plain()
    stem = lambda r: pathlib.Path(r["source"]["path"]).stem  # noqa: E731
    return {stem(r): r for r in files}, {stem(r): r for r in plain}, errors + plain_errors


def test_every_file_is_extracted_and_grouped() -> None:
    files, plain, errors = records()
    assert errors == []
    assert sorted(files) == sorted(plain) == [g.stem for g in GOLD]
    wusheng = files["p04_sichuan_wusheng_2025"]
    assert [pathlib.Path(a).name for a in wusheng["source"]["attachments"]] == ["P020240830391245678123.xlsx"]
    # linked from the body's 附件： line by a percent-encoded href under /uploadfiles/
    xiangning = files["p12_shanxi_xiangning_2025"]
    assert [pathlib.Path(a).name for a in xiangning["source"]["attachments"]] == ["乡宁县2025年度城乡居民基本医疗保险参保任务分解表.xlsx"]
    assert xiangning["quota_table"]["total"] == {"合计": 96380, "学生": 20760, "其他居民": 75620}
    # a legacy BIFF8 .xls under its TRS name, linked from the 附件 line
    zhenlai = files["p18_jilin_zhenlai_2025"]
    assert [pathlib.Path(a).name for a in zhenlai["source"]["attachments"]] == ["W020240906512345678901.xls"]
    # the PDF a page's viewer shows is that page's text, not a notice of its own
    chenggu = files["p24_shaanxi_chenggu_2025"]
    assert [pathlib.Path(a).name for a in chenggu["source"]["attachments"]] == ["P020240912534216789012.pdf"]
    assert chenggu["source"]["format"] == "html" and chenggu["source"]["published"] == "2024-09-13"
    bobai = files["p27_guangxi_bobai_2025"]
    assert [pathlib.Path(a).name for a in bobai["source"]["attachments"]] == ["P020240902613579246801.xlsx"]


def test_what_p16_p22_put_in_the_text_and_leave_out() -> None:
    """Reader behaviour no scored fact shows: tracked deletions left out and insertions read
    (p21), the header repeated on page 2 of a PDF table read once and page numbers dropped (p22),
    a GB18030 page's 㛃 decoded (p20), the WeChat chrome left out (p16)."""
    files, _, _ = records()
    ningdu = files["p21_jiangxi_ningdu_2025"]["text"]
    assert "380" not in ningdu and "脱贫户" not in ningdu and "乡村振兴局" not in ningdu and "41200" not in ningdu
    assert "待遇享受期为2025年1月1日" in ningdu and "户籍人口参保率不低于95%" in ningdu
    yingshan = files["p22_hubei_yingshan_2025"]["text"]
    assert yingshan.count("序号") == 1 and "— 2 —" not in yingshan
    pingyuan = files["p20_guangdong_pingyuan_2025"]
    assert pingyuan["source"]["encoding"] == "gb18030" and "钟㛃" in pingyuan["text"]
    ninghua = files["p16_fujian_ninghua_2025"]["text"]
    assert not any(w in ninghua for w in ("速看", "点击蓝字", "阅读原文", "预览时标签不可点"))


def test_what_p23_p28_put_in_the_text_and_leave_out() -> None:
    """Reader behaviour no scored fact shows: the srcdoc frame's style sheet left out (p23); the
    first-page header's 红头 read, the running page number not (p25); a hidden sheet's figures
    left out and formula cells read by their cached values (p27); a page declaring gbk over UTF-8
    bytes decoded as UTF-8 (p28)."""
    files, _, _ = records()
    assert "font-family" not in files["p23_shandong_juancheng_2025"]["text"]
    yuechi = files["p25_sichuan_yuechi_2025"]["text"]
    assert yuechi.startswith("岳池县人民政府办公室文件\n岳府办发〔2024〕47号") and "— 1 —" not in yuechi
    bobai = files["p27_guangxi_bobai_2025"]["text"]
    assert "36210" not in bobai and "111840" not in bobai and "453750" in bobai and "152640" in bobai
    pinghe = files["p28_fujian_pinghe_2025"]
    assert pinghe["source"]["encoding"] == "utf-8" and "平和县人民政府办公室" in pinghe["text"]


@pytest.mark.parametrize("gold", GOLD, ids=lambda g: g.stem)
def test_file_scores_as_its_plain_text(gold: pathlib.Path) -> None:
    files, plain, _ = records()
    scorer = load_scorer()
    as_file = tally(scorer, [gold], [files[gold.stem]] if gold.stem in files else [])
    as_text = tally(scorer, [gold], [plain[gold.stem]] if gold.stem in plain else [])
    assert as_file.macro() >= as_text.macro() - GAP, "\n".join(m for m in as_file.misses if m not in as_text.misses)


def _evidence(node, path=""):
    if isinstance(node, dict):
        if set(node) >= {"start", "end", "quote"}:
            yield path, node
        for k, v in node.items():
            yield from _evidence(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _evidence(v, f"{path}[{i}]")


@pytest.mark.parametrize("gold", GOLD, ids=lambda g: g.stem)
def test_every_quote_is_text_at_its_span(gold: pathlib.Path) -> None:
    files, _, _ = records()
    rec = files[gold.stem]
    text = rec["text"]
    found = list(_evidence({k: v for k, v in rec.items() if k != "text"}))
    assert found
    bad = [f"{p}: {ev['quote']!r}" for p, ev in found if text[ev["start"]:ev["end"]] != ev["quote"]]
    assert bad == []


@pytest.mark.parametrize("gold", GOLD, ids=lambda g: g.stem)
def test_no_fact_of_the_plain_text_is_lost_by_the_file(gold: pathlib.Path) -> None:
    """Stricter than the 0.02 gap (one lost title or 文号 costs a notice only ~0.01 macro-F1):
    every gold fact the plain text gives, the file gives too."""
    files, plain, _ = records()
    scorer = load_scorer()
    lost = set(tally(scorer, [gold], [files[gold.stem]]).misses) - set(tally(scorer, [gold], [plain[gold.stem]]).misses)
    assert sorted(lost) == []
