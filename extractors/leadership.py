"""Leading group members (领导小组): who leads the collection drive, as the notice names them.

Two ways notices write it: a list of role lines (`组 长:孙 鹏 县政府副县长`, `副组长:冯晓萍 …`
followed by unlabelled continuation lines that share the role), or running text
(`由副县长张三任组长，县医保局局长李四任副组长`, `组长由副县长张三担任`). Only named people
are members: `成员由各乡镇镇长…组成` names nobody and gives nothing.
"""
from __future__ import annotations

import functools

import regex as re

from noticeflow.extractors.context import Context
from noticeflow.extractors.spans import evidence, line_start, lines_with_offsets, stop_before
from noticeflow.extractors import vocab
from noticeflow.schemas import Member
from noticeflow.schemas.errors import RESOURCE_ERRORS

SENTENCE = re.compile(r"[^。\n]+")
SPACE = re.compile(r"\s")  # spaces inside a name or title are layout
LIST_PUNCT = re.compile(r"[、,;；]")
PEOPLE_SEP = re.compile(r"[、,;；]|\s{2,}")  # 张三 县长、李四 局长
WHO_SEP = re.compile(r"[、和及]")  # 县医保局局长李四、县税务局局长王五任副组长
MAX_ROW = 48  # a continuation row is a name and a title, never a sentence


def terms() -> dict:
    return vocab.terms("duty_terms.yaml", "leadership")


_alt = vocab.alternation


def _spaced(word: str) -> str:
    """`组长` -> `组\\s*长`: labels are often spread with spaces to align the list."""
    return r"\s*".join(re.escape(c) for c in word)


@functools.cache
def grammar() -> dict:
    t = terms()
    roles = {f: r["role"] for r in t["roles"] for f in r["forms"]}
    forms = sorted(roles, key=len, reverse=True)
    label = "|".join(f"(?P<r{i}>{_spaced(f)})" for i, f in enumerate(forms))
    ending = _alt(t["title_endings"])
    han = r"\p{Han}"
    name = rf"{han}(?:[ ]?{han}){{1,3}}?"  # 孙 鹏, 冯晓萍: spaces inside a name are layout
    inline_role = _alt(forms)
    return dict(
        roles=roles, forms=forms,
        # 组 长:孙 鹏 县政府副县长  /  组长: 县政府副县长 孙鹏
        label=re.compile(rf"^\s*(?:{label})\s*[:\t ]\s*(?P<rest>\S.*)$"),
        # 孙 鹏 县政府副县长 | 冯晓萍(县政府办副主任)
        name_title=re.compile(rf"^(?P<name>{name})(?:[\t ]+|(?=[(]))[(]?(?P<title>\S.*?(?:{ending}))[)]?$"),
        # 县政府副县长 孙鹏 | 县医疗保障局局长李冬梅
        title_name=re.compile(rf"^(?P<title>(?:\S.*?)?(?:{ending}))[\t ]*(?P<name>{han}(?:[ ]?{han}){{1,2}})(?:同志)?$"),
        # 孙鹏县政府副县长 (no space at all): the title starts at a place word
        glued=re.compile(rf"^(?P<name>{han}{{2,3}}?)(?P<title>(?:中共|县|市|区|旗|州|省){han}*?(?:{ending}))$"),
        bare_name=re.compile(rf"^{han}(?:[ ]?{han}){{1,2}}$"),
        # 由副县长张三任组长 / 县医保局局长李四、王五任副组长
        inline=re.compile(rf"(?P<who>[^,，。;；:由]+?)(?:同志)?(?:任|担任|为)(?P<role>{inline_role})"),
        # 组长由副县长张三担任
        inline_rev=re.compile(rf"(?P<role>{inline_role})由(?P<who>[^,，。;；:]+?)(?:同志)?(?:担任|兼任)"),
        # for each of the two: what its `who` cannot hold (its matches lie between two of these)
        # and what every match ends with (see inline_matches)
        inline_bounds=(re.compile(r"[,，。;；:由]"), re.compile(rf"(?:任|担任|为)(?:{inline_role})")),
        inline_rev_bounds=(re.compile(r"[,，。;；:]"), re.compile(r"担任|兼任")),
        ending=re.compile(rf"(?:{ending})$"),
        office=re.compile(r"^[各全本]|[县局办委部]|政府|乡镇|街道"),
        about_group=re.compile(rf"{_alt(t['group_words'])}|任(?:副)?组长"),
        about_words=(*t["group_words"], "任组长", "任副组长"),  # the same, as literal words
        # a role line holds the last character of one of its forms (长, 员): others skip the regex
        label_chars="".join(sorted({f[-1] for f in forms})),
    )


def parse_person(s: str, joined_titles: bool = False) -> tuple[str, str | None] | None:
    """'孙 鹏 县政府副县长' -> ('孙鹏', '县政府副县长'); None when `s` is not one named person.
    A title holds no 、 unless `joined_titles` (区委常委、副区长刘洋 in running text)."""
    g = grammar()
    s = s.strip().strip("、,;；。")
    if not s or len(s) > MAX_ROW:
        return None
    for key in ("name_title", "title_name", "glued"):
        m = g[key].match(s)
        if m and _is_name(m.group("name")) and (joined_titles or not LIST_PUNCT.search(m.group("title"))):
            return SPACE.sub("", m.group("name")), SPACE.sub("", m.group("title"))
    return None


def _is_name(s: str) -> bool:
    """A person's name, not a title or an office: 2-4 Han without office words."""
    s = SPACE.sub("", s)
    return 2 <= len(s) <= 4 and not grammar()["ending"].search(s) and not grammar()["office"].search(s)


def parse_people(rest: str, labelled: bool = True) -> list[tuple[str, str | None]]:
    """One role line's people: `张三 县长、李四 局长` or names only `张三、李四、王五`
    (an unlabelled row of bare names needs two of them: `附件` alone is no member)."""
    whole = parse_person(rest)
    if whole:
        return [whole]
    parts = [p for p in PEOPLE_SEP.split(rest) if p.strip()]
    people = [parse_person(p) for p in parts]
    if parts and all(people):
        return people
    if (labelled or len(parts) > 1) and parts and all(
            grammar()["bare_name"].match(p.strip()) and _is_name(p) for p in parts):
        return [(SPACE.sub("", p), None) for p in parts]
    return []


def find_label_lines(text: str) -> set[int]:
    """Offsets of the lines that may be role lines (they hold a form's last character, 长/员)."""
    starts = set()
    for c in grammar()["label_chars"]:
        i = text.find(c)
        while i != -1:
            starts.add(line_start(text, i))
            i = text.find(c, i + 1)
    return starts


def find_listed(text: str) -> list[Member]:
    """Role lines and the unlabelled rows after them."""
    g = grammar()
    out: list[Member] = []
    role = None
    candidates = find_label_lines(text)
    for start, line in lines_with_offsets(text):
        if role is None and start not in candidates:
            continue  # no role line and no row continuing one
        if not line.strip():
            continue
        m = g["label"].match(line)
        if m:
            form = next(f for i, f in enumerate(g["forms"]) if m.group(f"r{i}"))
            role = g["roles"][form]
            people = parse_people(m.group("rest").replace("\t", " "))
        elif role:
            people = parse_people(line.replace("\t", " "), labelled=False)
        else:
            continue
        if not people:
            role = None
            continue
        ev = evidence(text, start, start + len(line))
        out += [Member(role=role, name=n, title=t, evidence=ev) for n, t in people]
    return out


def find_group_sentences(text: str) -> list:
    """Sentences that speak of the group (领导小组, 任组长…), in order: found from the words'
    occurrences instead of testing every sentence of the notice."""
    g = grammar()
    words = g["about_words"]
    if any("。" in w or "\n" in w for w in words):  # a word spanning sentences: test each one
        return [sm for sm in SENTENCE.finditer(text) if g["about_group"].search(sm.group())]
    starts = set()
    for w in words:
        i = text.find(w)
        while i != -1:
            starts.add(stop_before(text, i, "。\n") + 1)
            i = text.find(w, i + 1)
    return [SENTENCE.match(text, s) for s in sorted(starts)]


def find_inline(text: str) -> list[Member]:
    """`由副县长张三任组长，县医保局局长李四任副组长` inside a sentence about the group."""
    g = grammar()
    out: list[Member] = []
    for sm in find_group_sentences(text):
        sentence = sm.group()
        for key in ("inline", "inline_rev"):
            for m in inline_matches(g[key], *g[key + "_bounds"], sentence):
                who = m.group("who")
                people = [parse_person(p) for p in WHO_SEP.split(who)]
                if not people or not all(people):
                    people = [parse_person(who, joined_titles=True)]  # 县委常委、副县长刘洋: one person
                if not all(people):
                    continue
                role = g["roles"].get(m.group("role"), m.group("role"))
                ev = evidence(text, sm.start() + m.start("who"), sm.start() + m.end())
                out += [Member(role=role, name=n, title=t, evidence=ev) for n, t in people]
    return out


def inline_matches(rx, stops, ending, sentence: str):
    """rx.finditer(sentence), in linear time. A lazy `who` tried from every position scans to
    the end of its run of characters when no ending follows, which is quadratic in a long run
    (a sentence without commas after its last 任组长). Matches never cross a stop and always end
    with an ending, so each run is searched only up to the end of its last ending."""
    if not ending.search(sentence):
        return
    a = 0
    for cut in [m.start() for m in stops.finditer(sentence)] + [len(sentence)]:
        last = max((m.end() for m in ending.finditer(sentence, a, cut, overlapped=True)), default=None)
        if last is not None:
            yield from rx.finditer(sentence, a, last)
        a = cut + 1


def dedupe(members: list[Member]) -> list[Member]:
    """One member per (role, name, title), at its first place: a list pasted twice (or a notice
    repeated 200 times) names nobody twice. The repetition itself is flagged by the checks."""
    seen, out = set(), []
    for m in members:
        if (m.role, m.name, m.title) not in seen:
            seen.add((m.role, m.name, m.title))
            out.append(m)
    return out


ROLE_ANYWHERE = re.compile(r"组\s*长|成\s*员")  # no role word, no group: skip the line scan


def extract(text: str, ctx: Context) -> dict:
    if not ROLE_ANYWHERE.search(text):
        return dict(leadership=[])
    try:
        members = dedupe(find_listed(text) or find_inline(text))
    except RESOURCE_ERRORS:
        raise  # out of memory or stack: the document is quarantined, not loaded empty
    except Exception:  # extraction never raises on any text
        members = []
    return dict(leadership=members)
