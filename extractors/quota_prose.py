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
    return dict(
        # 参保任务分别为: / 征缴任务如下: — the task word names the column
        lead=re.compile(rf"(?P<word>{vocab.alternation(t['task_headers'])})(?:[^。;:\n]{{0,6}}?)(?:{vocab.alternation(t['prose_list_verbs'])})\s*:"),
        # an OCR space may stand inside the name (`卢集 镇51240人`)
        item=re.compile(r"\s*(?P<area>\p{Han}(?:[ ]?\p{Han}){0,15})\s*(?P<num>\d[\d,]*)\s*人\s*(?P<sep>[、,;]|。|$)"),
        place=re.compile(rf"(?:{places})$"),
        stated=re.compile(rf"(?:{vocab.alternation(t['task_headers'])})(?:为|是|共|共计)?\s*(?P<num>\d[\d,]*)\s*人"),
    )


def _paragraph_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def find(text: str) -> Quota | None:
    """The first list of at least three areas' tasks after a task word and 分别为/如下/为."""
    g = grammar()
    for lead in g["lead"].finditer(text):
        rows, pos = [], lead.end()
        while (m := g["item"].match(text, pos)) is not None:
            area = m.group("area").replace(" ", "")
            if not g["place"].search(area):
                break
            rows.append(QuotaRow(seq=None, area=area, values={lead.group("word"): int(m.group("num").replace(",", ""))},
                                 note=None, evidence=evidence(text, m.start("area"), m.end("num") + 1)))
            pos = m.end()
            if m.group("sep") != "、" and m.group("sep") != ",":
                break
        if len(rows) < MIN_ITEMS:
            continue
        col = lead.group("word")
        total = None
        para = text[_paragraph_start(text, lead.start()):lead.start()]
        stated = [s for s in g["stated"].finditer(para)]
        if stated:
            total = {col: int(stated[-1].group("num").replace(",", ""))}
        return Quota(title=None, unit="人", unit_as_written=None, columns=[col], rows=rows, total=total,
                     evidence=evidence(text, lead.start(), pos))
    return None
