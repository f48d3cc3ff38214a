"""Is this a resident medical-insurance collection notice (城乡居民医保征缴通知)?

Decided from the notice's own title when one is found (`关于…的通知`): it must name the resident
insurance (not 职工医保, 养老保险, 大病保险…) and either name collection or, when it is not about
benefits only (待遇, 报销…), carry collection phrases in its body. Without a title
(OCR'd scans), the body has to mention both often enough. Word lists live in
`extractors/data/notice_terms.yaml`.
"""
from __future__ import annotations

import functools

import regex as re

from noticeflow.extractors import vocab
from noticeflow.extractors.squeeze import squeeze
from noticeflow.schemas.errors import RESOURCE_ERRORS

HEAD = 1500  # the title sits in the first lines of a notice
MAX_TITLE = 100


def terms() -> dict:
    return vocab.terms("notice_terms.yaml", "notice")


_alt = vocab.alternation


@functools.cache
def grammar() -> dict:
    t = terms()
    return dict(
        title=re.compile(rf"关于[^。]{{2,{MAX_TITLE}}}?(?:{_alt([*t['title_endings'], *t['report_endings']])})"),
        insurance=re.compile(_alt(t["insurance"])),
        collection=re.compile(_alt(t["collection"])),
        body=re.compile(_alt(t["collection_body"])),
        interpretation=re.compile(rf"(?:{_alt(t['interpretation_endings'])})[\s\p{{P}}]*$"),
        public=re.compile(rf"(?:{_alt(t['public_title_endings'])})[\s\p{{P}}]*$"),
        report=re.compile(rf"(?:{_alt(t['report_endings'])})$"),
        other=re.compile(_alt(t["other_insurance"])),
        data_work=re.compile(_alt(t["data_work"])),
        benefit=re.compile(_alt(t["benefit"])),
        # 下达…工作经费 / 拨付…资助资金: the verb's object is money (no 任务 inside it)
        allocation=re.compile(rf"(?:{_alt(t['allocation_verbs'])})"
                              rf"(?:(?!{_alt(t['allocation_not'])})[^，。,]){{0,{MAX_TITLE}}}?(?:{_alt(t['allocation_money'])})"),
    )


def find_title(text: str) -> str | None:
    """The first `关于…的通知` near the top, layout spaces and line breaks removed."""
    m = grammar()["title"].search(squeeze(text[:HEAD]).view)
    return re.sub(r"\s+", "", m.group()) if m else None


def _of_its_own(heading: str) -> bool:
    """A 政策问答 that names no notice (no 《》, no 通知): the offices' own word to residents."""
    return bool(grammar()["public"].search(heading)) and "《" not in heading and "通知" not in heading


def is_collection_notice(text: str) -> bool:
    """From the title: about the resident medical insurance (not another insurance, not only its
    benefits) and about collecting it, or carrying collection phrases in the body; not a document
    allocating money for it (下达/拨付…经费/资金)."""
    try:
        g, t = grammar(), terms()
        heading = next((ln.strip() for ln in text[:HEAD].splitlines() if ln.strip()), "")
        if g["interpretation"].search(heading) and not _of_its_own(heading):
            return False  # 《关于…的通知》政策解读: a page explaining a notice, not the notice
        if g["report"].search(re.sub(r"[\s\p{P}]+$", "", heading)):
            return False  # `某市医疗保障工作简报`, `在…推进会上的讲话`: a report or a speech heads the document
        title = find_title(text)
        text = squeeze(text).view  # OCR spaces inside the phrases counted (参 保资助, 城乡居 民医保)
        body_hits = len(g["body"].findall(text))
        if title is None:
            return len(g["insurance"].findall(text)) >= t["min_body_hits"] and body_hits >= t["min_body_hits"]
        if g["other"].search(title) and not g["insurance"].search(g["other"].sub("", title)):
            return False  # 职工医保 / 养老保险 / 大病保险 …: another insurance
        if g["report"].search(title):
            return False  # 关于…工作进展情况的通报: a report on the collection, no notice of it
        if g["data_work"].search(title) and not g["collection"].search(g["data_work"].sub("", title)):
            return False  # 关于开展…参保信息核查工作的通知: work on the enrolment data, no collection
        if g["allocation"].search(title):
            return False  # 关于下达…参保缴费工作经费的通知: money allocated for the collection, no notice of it
        collects = bool(g["collection"].search(title))
        if g["insurance"].search(title):
            if collects:
                return True
            return not g["benefit"].search(title) and body_hits >= t["min_body_hits"]
        if collects or "医疗保障" in title:
            # 关于做好2024年度参保缴费工作的通知: the body has to say which insurance
            return len(g["insurance"].findall(text)) >= t["min_body_hits"] and body_hits >= t["min_body_hits"]
        return False
    except RESOURCE_ERRORS:  # a resource limit quarantines the document: never "nothing found"
        raise
    except Exception:  # never raises; an unreadable text is not a notice we can use
        return False


def extract(text: str, ctx=None) -> dict:
    """Case-file entry point (tests/cases/notice.yaml); the record pipeline calls
    `is_collection_notice` directly and flags `not_a_collection_notice` itself."""
    return dict(is_collection_notice=is_collection_notice(text))
