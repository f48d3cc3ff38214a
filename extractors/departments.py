"""Department duties (职责分工): which department the notice asks to do what.

A duty is a department (or several joined by 、) standing as the subject of a clause, followed
either by a heading colon (`县医保局职责:…`, `各镇(场、景区、开发区):负责…`) or by a task word
(`县政府办督查室要…`, `教育部门协同做好…`), or named as the agent after 由 (`由县教体局督促…`).
Mentions come from the spaCy PhraseMatcher (`extractors.nlp`); the grammar around them is a
regex over the sentence with each mention masked to placeholder characters, so offsets stay put.
A department only listed as a group member (成员由…组成) or named as a recipient is no duty.
"""
from __future__ import annotations

import bisect
import functools
import itertools
from dataclasses import dataclass

import re as stdre

import regex as re

from noticeflow.extractors.context import Context
from noticeflow.extractors.nlp import Mention, mention_hits, mentions_in_many
from noticeflow.extractors.spans import evidence, stop_after, stop_before
from noticeflow.extractors import vocab
from noticeflow.schemas import Duty, Flag
from noticeflow.schemas.errors import RESOURCE_ERRORS

HEAD, BODY = "\ue000", "\ue001"  # a masked mention: HEAD then BODY for its remaining characters
DUTY_SEP = "；"
SENTENCE = stdre.compile(r"[^。]+。?")
CLAUSE_BREAK = stdre.compile(r"[。；;,:]")  # a clause starts after these (never after 、)
AGENT = stdre.compile(r"由")  # an agent follows 由
NAME_START = stdre.compile(f"[{HEAD}县市区旗]")  # a known (masked) or unknown department starts here
TOWNSHIP = re.compile(r"[乡镇]|街道")  # level of an unknown department
BREAK = r"[\n。；;,:由]"  # a clause (the place of a subject) starts after these
LAST_BREAK = stdre.compile(rf".*{BREAK}", stdre.S)  # up to the last break of a window
MAX_LEAD = 16  # a subject starts this close to its clause start: (一)国家税务总局阳城县税务局
MAX_LINK = 10  # names of one group lie this close: 县残联、县乡村振兴局 / 民政局和县残联等部门
# Bounds that keep the work linear in the text (a duty is the rest of its line or sentence, so
# on a long line each department would copy the rest of it; every new duty is compared with the
# ones kept). Real notices stay far below both: duties of at most ~450 characters, 5 a department.
MAX_DUTY = 1000  # characters of one duty
MAX_DUTIES = 50  # different duties kept per department


def terms() -> dict:
    return vocab.terms("duty_terms.yaml", "duties")


_alt = vocab.alternation


@functools.cache
def grammar() -> tuple:
    """(subject, agent, item, unknown_org) regexes, compiled once from duty_terms.yaml."""
    t = terms()
    place = r"(?![由向对经交])\p{Han}{1,5}?[县市区旗]"  # 阳城县医保局, not 由县医保局
    tax = rf"国家(?:税务|{HEAD}{BODY})总局{place}"  # 税务 inside 国家税务总局 is masked too
    prefix = rf"(?:{tax}|{place}|{_alt(t['prefixes'])})?"
    known = rf"{prefix}{HEAD}{BODY}*"
    unknown = (rf"(?:{_alt(t['unknown_prefixes'])})(?!{_alt(t['generic'])})"
               rf"\p{{Han}}{{1,8}}?(?:{_alt(t['org_suffixes'])})(?!\p{{Han}})")
    item = rf"(?:{known}|{unknown})"
    sep = rf"(?:{_alt(t['separators'])})"
    group = rf"(?P<group>{item}(?:{sep}{item})*)(?P<tail>{_alt(t['tails'])})?"
    marker = r"(?:[一二三四五六七八九十]+是|[(][一二三四五六七八九十\d]+[)]|[一二三四五六七八九十]+、|\d+[.、]|[①-⑳])"
    cue = rf"(?:职责)?\s*(?P<colon>:)|,?(?P<cue>(?!{_alt(t['not_cues'])})(?:{_alt(t['cues'])}))|(?P<heading>职责)\s*$"
    subject = re.compile(
        rf"""\s*{marker}?\s*           # (一) / 一是 / 1.   (matched only where a clause starts)
             {group}                   # 县民政局、县残联等部门
             (?:{cue})                 # :  职责:  要/负责/协同…
        """, re.X)
    agent = re.compile(                # matched right after 由: 由县教体局督促…
        rf"""{group}
             (?P<cue>\p{{Han}})
        """, re.X)
    unknown_org = stdre.compile(       # 县住建局: a department missing from the vocabulary
        rf"[{''.join(t['unknown_prefixes'])}][\u4e00-\u9fff]{{1,8}}?(?:{'|'.join(t['org_suffixes'])})")
    return subject, agent, re.compile(item), unknown_org


@functools.cache
def member_marker():
    """Words of a sentence listing a group's members (组成, 成员单位为…)."""
    return stdre.compile("|".join(map(stdre.escape, terms()["member_markers"])))


@dataclass
class Found:
    name: str
    as_written: str
    level: str
    duty: str
    start: int  # evidence span in the text
    end: int
    known: bool


def mask(sentence: str, mentions: list[Mention]) -> str:
    """Replace every mention by HEAD+BODY… of the same length (offsets unchanged)."""
    pieces, pos = [], 0
    for m in mentions:  # in order and disjoint (one match per place, see nlp.longest_first)
        if m.start < pos:
            return mask_overlapping(sentence, mentions)
        pieces += (sentence[pos:m.start], HEAD, BODY * (m.end - m.start - 1))
        pos = m.end
    pieces.append(sentence[pos:])
    return "".join(pieces)


def mask_overlapping(sentence: str, mentions: list[Mention]) -> str:
    """`mask` for mentions out of order or overlapping: later ones overwrite earlier ones."""
    chars = list(sentence)
    for m in mentions:
        chars[m.start] = HEAD
        for i in range(m.start + 1, m.end):
            chars[i] = BODY
    return "".join(chars)


def find_duties(text: str) -> list[Found]:
    """Every (department, task) pair in document order."""
    todo = find_candidate_sentences(text)
    if not todo:
        return []
    subject_re, agent_re, item_re, _ = grammar()
    line_texts = text.split("\n")  # the (start, line) pairs of lines_with_offsets, built at C speed
    line_starts = list(itertools.accumulate((len(line) + 1 for line in line_texts[:-1]), initial=0))
    lines = list(zip(line_starts, line_texts))
    zones = [(s, z0, z1) for s, _, spans in todo for z0, z1 in spans]
    zone_mentions = mentions_in_many([text[z0:z1] for _, z0, z1 in zones],
                                     [z0 - s for s, z0, _ in zones])  # offsets into the sentence
    by_sentence: dict[int, list[Mention]] = {}
    for (s, _, _), mentions in zip(zones, zone_mentions):
        if s in by_sentence:
            by_sentence[s] += mentions
        else:
            by_sentence[s] = mentions
    found: list[Found] = []
    for start, sentence, _ in todo:
        mentions = by_sentence.get(start, [])
        li = bisect.bisect_right(line_starts, start) - 1
        s0 = start - line_starts[li]
        masked = mask(sentence, mentions)
        by_start = None
        for rx, starts in ((subject_re, subject_starts(masked)), (agent_re, agent_starts(masked))):
            for pos in starts:
                m = rx.match(masked, pos)
                if m:
                    if by_start is None:
                        by_start = {mm.start: mm for mm in mentions}
                    headed = rx is subject_re and bool(m["colon"] or m["heading"])
                    found += parse_group(text, lines, li, s0, sentence, masked, m, by_start,
                                         item_re, headed)
    return found


def subject_starts(masked: str) -> list[int]:
    """Clause starts whose clause (up to the next 。；;,:) holds a masked mention or a 县/市/区/旗
    that can open an unknown one: the first name of a subject always lies there, so the subject
    regex is only tried where it can match."""
    out, pos = [], 0
    for m in CLAUSE_BREAK.finditer(masked):
        end = m.start()
        if NAME_START.search(masked, pos, end):
            out.append(pos)
        pos = end + 1
    if NAME_START.search(masked, pos):
        out.append(pos)
    return out


def find_candidate_sentences(text: str) -> list[tuple[int, str, list[tuple[int, int]]]]:
    """Sentences (start, text, zones) where a department form sits right after a clause start
    or 由: the only places a subject can be. A zone runs from that clause start over the chain
    of names (县民政局、县残联、…等部门要); only zones are handed to spaCy."""
    hits = [m.span() for m in mention_hits(text)]
    hits += [m.span() for m in grammar()[3].finditer(text)]  # unknown departments
    if not hits:
        return []
    hits.sort()
    markers = member_marker()
    chain_end = chain_ends(hits)
    out = []
    s = stop = -1  # the current sentence: text[s:e] with its stop (。 or line break) at `stop`
    sentence, zones = "", []
    for n, (h, he) in enumerate(hits):
        lead = LAST_BREAK.match(text, max(0, h - MAX_LEAD - 1), h)  # only a near break counts
        clause = lead.end() if lead else 0
        if h - clause > MAX_LEAD:
            continue
        if h > stop:  # a new sentence (hits come in order): it runs between two stops
            s = stop_before(text, h, "。\n") + 1
            stop = stop_after(text, h, "。\n")
            if stop == -1:
                stop = e = len(text)
            else:
                e = stop + 1 if text[stop] == "。" else stop  # 。 stays with its sentence, a line break does not
            sentence = text[s:e]
            zones = []
            if markers.search(sentence):  # a member list: no duties here
                sentence = ""
            else:
                out.append((s, sentence, zones))
        if not sentence:
            continue
        zone = (clause if clause > s else s, min(chain_end[n] + MAX_LINK, e))
        if zones and zone[0] <= zones[-1][1]:
            zones[-1] = (zones[-1][0], max(zones[-1][1], zone[1]))
        else:
            zones.append(zone)
    return out


def chain_ends(hits: list[tuple[int, int]]) -> list[int]:
    """For each hit (sorted), where the chain of names it starts ends: the next name begins within
    MAX_LINK of the chain's end so far (县残联、县乡村振兴局…). Computed right to left: a chain
    that reaches a hit ending at or beyond its own end ends where that hit's chain ends, so each
    hit is looked at a bounded number of times (only names nested inside a longer one are stepped
    over), where following every chain from every hit is quadratic in a text dense with names."""
    ends = [0] * len(hits)
    for n in range(len(hits) - 1, -1, -1):
        end, j = hits[n][1], n + 1
        while j < len(hits) and hits[j][0] <= end + MAX_LINK:
            if hits[j][1] >= end:
                end = ends[j]
                break
            j += 1
        ends[n] = end
    return ends


def clause_starts(s: str) -> list[int]:
    """Where a clause starts: the sentence start and after 。；;,: (never after 、)."""
    return [0, *(m.end() for m in CLAUSE_BREAK.finditer(s))]


def agent_starts(s: str) -> list[int]:
    """Right after each 由 (由县教体局督促…)."""
    return [m.end() for m in AGENT.finditer(s)] if "由" in s else []


def parse_group(text, lines, li, s0, sentence, masked, m, by_start, item_re, headed) -> list[Found]:
    """One matched subject -> a Found per department in it, with the duty text that follows;
    `headed`: the subject ends in a heading colon or 职责 (the duty is the rest of the line)."""
    line_start, line = lines[li]
    g0, g1 = m.span("group")
    if headed:
        a = s0 + m.end()
        duty = line[a:a + MAX_DUTY].strip()
        ev_end = line_start + min(len(line), a + MAX_DUTY)
        if not duty:  # `县医保局职责` alone on its line: the next one holds it
            for k in range(li + 1, len(lines)):
                if lines[k][1] and not lines[k][1].isspace():
                    duty = lines[k][1][:MAX_DUTY].strip()
                    ev_end = lines[k][0] + min(len(lines[k][1]), MAX_DUTY)
                    break
    else:
        c = m.start("cue")
        duty = sentence[c:c + MAX_DUTY].strip()
        ev_end = line_start + s0 + min(len(sentence), c + MAX_DUTY)
    duty = duty.rstrip("。;；")
    if not duty:
        return []
    out = []
    ev_start = line_start + s0 + g0
    for im in item_re.finditer(masked, g0, g1):
        i0, i1 = im.span()
        written = sentence[i0:i1]
        head = masked.find(HEAD, i0, i1)
        mm = by_start.get(head) if head != -1 else None
        if mm is not None:
            out.append(Found(mm.name, written, mm.level, duty, ev_start, ev_end, True))
        else:
            level = "township" if TOWNSHIP.search(written) else "county"
            out.append(Found(written, written, level, duty, ev_start, ev_end, False))
    return out


def merge(text: str, found: list[Found]) -> tuple[list[Duty], list[str]]:
    """One Duty per department, duties joined in order; evidence from the first place it is asked."""
    by_name: dict[str, Found] = {}
    texts: dict[str, list[str]] = {}
    for f in found:
        if f.name not in by_name:
            by_name[f.name] = f
            texts[f.name] = []
        kept = texts[f.name]
        if len(kept) < MAX_DUTIES and not any(f.duty in t for t in kept):
            kept.append(f.duty)
    duties = [
        Duty(name=f.name, as_written=f.as_written, level=f.level,
             duties=DUTY_SEP.join(texts[f.name]), evidence=evidence(text, f.start, f.end))
        for f in by_name.values()
    ]
    unknown = [f.as_written for f in by_name.values() if not f.known]
    return duties, unknown


def extract(text: str, ctx: Context) -> dict:
    try:
        duties, unknown = merge(text, find_duties(text))
    except RESOURCE_ERRORS:
        raise  # out of memory or stack: the document is quarantined, not loaded empty
    except Exception:  # extraction never raises on any text
        return dict(departments=[])
    for name in unknown:
        ctx.flags.append(Flag(code="unknown_department", severity="info", field="departments",
                              message=f"部门不在词表中，按原文保留：{name}"))
    return dict(departments=duties)
