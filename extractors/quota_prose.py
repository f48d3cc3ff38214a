"""A quota written as a sentence, not a table: `各镇（街道）参保任务分别为：众兴街道86520人、来安
街道41380人、…`. Each `place + figure + 人` item is one area's task, as a table row would be; the
task the sentence (or its paragraph) states before the list in persons is the total."""
from __future__ import annotations

import functools

import regex as re

from noticeflow.extractors import vocab
from noticeflow.extractors.spans import evidence
from noticeflow.schemas import Quota, QuotaRow

MIN_ITEMS = 3  # two `镇…人` figures in a sentence are prose, three listed after 分别为 a quota


@functools.cache
def grammar() -> dict:
    t = vocab.terms("quota_terms.yaml", "quota")
    places = vocab.alternation(t["place_suffixes"] + t["prose_place_suffixes"])
    tasks = vocab.alternation(t["task_headers"])
    return dict(
        # 参保任务分别为: / 征缴任务如下: / 任务分别为 (no colon) — the task word names the column
        lead=re.compile(rf"(?P<word>{tasks})(?:[^。;:\n]{{0,6}}?)(?:(?:{vocab.alternation(t['prose_list_verbs'])})\s*:|分别为|分别是)"),
        # 城关镇12500人 / 城关镇:12500人 / 城关镇1.25万人; an OCR space may stand inside the name
        # (`卢集 镇51240人`); items joined by 、 , ; until the sentence ends
        item=re.compile(r"\s*(?P<area>\p{Han}(?:[ ]?\p{Han}){0,15})\s*:?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>万?人)\s*(?P<sep>[、,;]|。|$)?"),
        place=re.compile(rf"(?:{places})$"),
        stated=re.compile(rf"(?:{tasks})(?:为|是|共|共计)?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>万?人)"),
    )


def _paragraph_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _persons(num: str, unit: str) -> int | None:
    value = float(num.replace(",", ""))
    if unit == "万人":
        return round(value * 10_000)
    return int(value) if value == int(value) else None


def find(text: str) -> Quota | None:
    """The first list of at least three areas' tasks after a task word and 分别为/如下/为."""
    g = grammar()
    for lead in g["lead"].finditer(text):
        col, items, pos = lead.group("word"), [], lead.end()
        while (m := g["item"].match(text, pos)) is not None:
            area = m.group("area").replace(" ", "")
            if not g["place"].search(area):
                break
            items.append((area, m))
            pos = m.end()
            if m.group("sep") not in ("、", ",", ";"):
                break
        units = {m.group("unit") for _, m in items}
        if len(items) < MIN_ITEMS or len(units) != 1:
            continue
        (unit,) = units
        rows = []
        for area, m in items:
            value = _persons(m.group("num"), unit)
            if value is None:
                break
            rows.append(QuotaRow(seq=None, area=area, values={col: value}, note=None,
                                 evidence=evidence(text, m.start("area"), m.end("unit"))))
        if len(rows) != len(items):
            continue
        total = None
        para = text[_paragraph_start(text, lead.start()):lead.start()]
        stated = [st for st in g["stated"].finditer(para) if st.group("unit") == unit]
        if stated:
            value = _persons(stated[-1].group("num"), unit)
            total = {col: value} if value is not None else None
        return Quota(title=None, unit="人", unit_as_written="万人" if unit == "万人" else None, columns=[col],
                     rows=rows, total=total, evidence=evidence(text, lead.start(), items[-1][1].end("unit")))
    return None
