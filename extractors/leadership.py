"""Leading group members (领导小组): who leads the collection drive, as the notice names them.

Notices write the group three ways: role labels each followed by people (`组　　长：龙　飞　县人民政府
副县长`, `副组长：刘志强（县政府办公室副主任）、张　丽（…）`, `成员：县财政局局长　吴海波`, continuation
rows sharing the role), a table (职务 / 姓名 / 单位及职务), or running text (`由副县长张三任组长，…
任副组长`, `组长由副县长张三担任`). Only named people are members: `成员由各乡镇镇长…组成` names nobody.

The labelled form is read as a stream of entries, not as lines: canonical text may have joined
the unpunctuated rows of a list into one line (`…副主任禄文军 县医疗保障局局长安 琴 国家…局长成 员:…`)
and a hard wrap may split one row, so an entry is recognised by its own grammar (a 2-4 character
name and a title ending in 局长/主任/县长…, in either order) and by what may follow it (a
separator, another entry, the next label). This is specific to how these lists are typeset, so
it is written by hand; the word lists live in `extractors/data/duty_terms.yaml` (`leadership`).
"""
from __future__ import annotations

import functools

import regex as re

from noticeflow.extractors import structure, vocab
from noticeflow.extractors.context import Context
from noticeflow.extractors.spans import evidence
from noticeflow.extractors.squeeze import GAP, squeeze
from noticeflow.schemas import Member
from noticeflow.schemas.errors import RESOURCE_ERRORS

SENTENCE = re.compile(r"[^。\n]+")
SPACE = re.compile(r"\s")  # spaces inside a name or title are layout
SKIP = re.compile(r"[\s、,，;；]*")  # between two entries of one role
SKIP_IN_LINE = re.compile(r"[ \t、,，;；]*")  # between bare names: one line only (`附件` below is no name)
WHO_SEP = re.compile(r"[、和及]")  # 县医保局局长李四、县税务局局长王五任副组长
INLINE_GAP = re.compile(r"[ \t]*")
TITLE_MAX = 40  # a title is a job, never a sentence
NAME_CHARS = (2, 4)  # a Chinese name has 2-4 characters (Mongolian/Tibetan names included)
DOTTED_PART = 8  # each part of a transliterated (Uyghur, Kazakh…) name: 阿不都热合曼·买买提


def terms() -> dict:
    return vocab.terms("duty_terms.yaml", "leadership")


_alt = vocab.alternation


def _spaced(word: str) -> str:
    """`组长` -> `组\\s*长`: labels are often spread with spaces to align the list."""
    return r"[ \t]*".join(re.escape(c) for c in word)


@functools.cache
def grammar() -> dict:
    t = terms()
    roles = {f: r["role"] for r in t["roles"] for f in r["forms"]}
    forms = sorted(roles, key=len, reverse=True)
    label = "|".join(f"(?P<r{i}>{_spaced(f)})" for i, f in enumerate(forms))
    ending = _alt(t["title_endings"])
    han = r"\p{Han}"
    inline_role = "|".join("[ ]?".join(re.escape(c) for c in f) for f in forms)  # OCR: 任常务 副组长
    title_start = _alt(t["title_starts"])
    return dict(
        roles=roles, forms=forms,
        # a role label: at a line start (after a list marker or a tab) followed by a colon, a tab
        # or spaces; anywhere else only with its colon (`…局长成 员:杨 磊` in a joined line)
        # or, without a colon, glued after the last title of the row before and followed by a
        # space (`…常务副县长副组长 次仁卓玛`: aligned rows that canonical text joined into one line)
        label=re.compile(rf"""
            (?:(?<=^|\t)[ \t]*(?:\d{{1,2}}[.、]|[(（]\d{{1,2}}[)）])?[ \t]*(?:{label})[ \t]*(?:[:：][ \t]*|(?=[\t ]))
              |(?<![副组务行])(?:{label})[ \t]*[:：][ \t]*
              |(?<=领导小组)(?:{label})[ \t]*[:：][ \t]*   # 领导小组组长：… (the group's name before its role)
              |(?<=(?:{ending}))(?<![副组务行])(?:{label})[ \t]+
              # ...or, at a line start, glued to a name that a post follows (`副组长次仁卓玛县人民政府
              # 副县长`: aligned rows whose spaces OCR lost)
              |(?<=^|\t)[ \t]*(?:{label})(?![由为是])(?={han}{{2,4}}?(?:{title_start})))""", re.X | re.M),
        # a name: 2-4 Han, single spaces between them are alignment or OCR (龙　飞, 杨  明)
        name=re.compile(rf"{han}(?:[ ]?{han}){{1,3}}"),
        dot=re.compile(r"[·•・]"),
        dotted=re.compile(rf"{han}{{1,{DOTTED_PART}}}(?:[·•・]{han}{{1,{DOTTED_PART}}}){{0,2}}[·•・](?P<last>){han}{{1,{DOTTED_PART}}}"),
        # title endings, each place one may end (tried in order, shortest title first)
        ending=re.compile(ending),
        ends_title=re.compile(rf"(?:{ending})$"),
        title_start=re.compile(title_start),
        title_chars=re.compile(r"[^\s、,，;；:：()（）。]"),
        not_name=re.compile(_alt(t["not_in_names"])),
        group=re.compile(_alt(t["group_words"] + ["同志"])),
        # 由副县长张三任组长 / 县医保局局长李四、王五任副组长
        inline=re.compile(rf"(?P<who>[^,，。;；:由]+?)(?:同志)?(?:任|担任|为)(?P<role>{inline_role})"),
        # 组长由副县长张三担任
        inline_rev=re.compile(rf"(?P<role>{inline_role})由(?P<who>[^,，。;；:]+?)(?:同志)?(?:担任|兼任)"),
        # `组长由…担任` opens its own sentence after `成立…领导小组。`: each role word before 由 marks one too
        about_words=(*t["group_words"], "任组长", "任副组长", *sorted({f[-2:] + "由" for f in forms})),
        label_words=tuple(forms),
    )


# ---- one entry: a name and a title --------------------------------------------------------------

def is_name(s: str) -> bool:
    """A person's name, not a title, an office or a label: 2-4 Han without office words, or a
    transliterated name whose parts a middle dot joins (阿不都热合曼·买买提)."""
    g = grammar()
    s = SPACE.sub("", s)
    if g["dot"].search(s):
        parts = g["dot"].split(s)
        return (len(parts) <= 4 and all(1 <= len(p) <= DOTTED_PART for p in parts)
                and not g["ends_title"].search(s) and not any(g["not_name"].search(p) for p in parts))
    return (NAME_CHARS[0] <= len(s) <= NAME_CHARS[1] and not g["ends_title"].search(s)
            and not g["not_name"].search(s) and s not in g["label_words"])


def _names_at(text: str, pos: int, end: int) -> list[int]:
    """Ends of the names that may start at `pos`, longest first (周宏伟 before 周宏; a dotted
    name ends somewhere in its last part: 买买提县… is tried as 买买提)."""
    g = grammar()
    dotted = g["dotted"].match(text, pos, end)
    if dotted:
        last = dotted.start("last")
        return [e for e in range(dotted.end(), last, -1) if is_name(text[pos:e])]
    m = g["name"].match(text, pos, end)
    if not m:
        return []
    out, k = [], pos
    for i in range(pos, m.end()):
        if text[i] != " ":
            k = i + 1
            if len(SPACE.sub("", text[pos:k])) >= NAME_CHARS[0]:
                out.append(k)
    return [e for e in reversed(out) if is_name(text[pos:e])]


def _title_ends(text: str, pos: int, end: int) -> list[int]:
    """Where a title starting at `pos` may end (after each title ending), nearest first; a
    title holds no separator, and single spaces only between two Han (OCR)."""
    g = grammar()
    limit = min(end, pos + TITLE_MAX)
    out = []
    i = pos
    while i < limit:
        ch = text[i]
        if ch == " " and i > pos and i + 1 < limit and text[i + 1] != " " and g["title_chars"].match(text[i + 1]):
            i += 1
            continue
        if ch == "、" and i > pos and g["title_start"].match(text, i + 1, limit) and (not out or out[-1] == i):
            i += 1  # 县委常委、副县长 / 县委副书记、常务副县长: two posts of one person
            continue
        if not g["title_chars"].match(ch):
            break
        m = g["ending"].match(text, i, limit)
        if m:
            out.append(m.end())
        i += 1
    # a post followed by `、` and a second post is one title, not a title ending at the 、
    return [e for e in out if e == out[-1] or text[e] != "、"]


def _follows(text: str, pos: int, end: int, after_title: bool) -> bool:
    """Whether an entry may end at `pos`: what comes next is a separator, a bracket, the end,
    the next label, a group word (领导小组办公室…) or, glued on, the next entry."""
    g = grammar()
    if pos >= end or text[pos] in " \t\n、,，;；。)）(（":
        return True
    if g["label"].match(text, pos, end) or g["group"].match(text, pos, end):
        return True
    if after_title:  # name-first rows: the next name, then its title
        return any(_spacer(text, e, end) for e in _names_at(text, pos, end))
    return bool(g["title_start"].match(text, pos, end))


def _spacer(text: str, pos: int, end: int) -> bool:
    """After a name: a space, a bracket or a title's first word (孙鹏县政府副县长)."""
    return pos < end and (text[pos] in " \t(（" or bool(grammar()["title_start"].match(text, pos, end)))


def parse_name_first(text: str, pos: int, end: int):
    """`陈 刚 县人民政府办公室副主任` / `王芳（县民政局局长）` at `pos` -> (name span, title span, end)."""
    g = grammar()
    for ne in _names_at(text, pos, end):
        after = ne + 2 if text.startswith("同志", ne) else ne  # 王志强同志（县委常委…）: 同志 is no part of either
        if after < end and text[after] in ",，" and g["title_start"].match(text, after + 1, end):
            after += 1  # `吉文斌，县医疗保障局局长`: a comma between the name and its title
        elif not _spacer(text, after, end):
            continue
        t0 = INLINE_GAP.match(text, after, end).end()
        if t0 < end and text[t0] in "(（":
            close = min((i for i in (text.find(")", t0, end), text.find("）", t0, end)) if i != -1), default=-1)
            if close != -1 and close - t0 <= TITLE_MAX + 1 and "\n" not in text[t0:close]:
                return (pos, ne), (t0 + 1, close), close + 1
            continue
        for te in _title_ends(text, t0, end):
            if _follows(text, te, end, after_title=True):
                return (pos, ne), (t0, te), te
    return None


def parse_title_first(text: str, pos: int, end: int):
    """`县政府副县长　刘　洋` / `县税务局局长赵刚` at `pos` -> (name span, title span, end)."""
    for te in _title_ends(text, pos, end):
        n0 = INLINE_GAP.match(text, te, end).end()
        for ne in _names_at(text, n0, end):
            stop = ne + 2 if text.startswith("同志", ne) else ne
            if _follows(text, stop, end, after_title=False):
                return (n0, ne), (pos, te), stop
    return None


def parse_bare_name(text: str, pos: int, end: int):
    """`张三` in `成员：张三、李四、王五` (no titles) -> (name span, empty title span, end)."""
    for ne in _names_at(text, pos, end):
        if ne >= end or text[ne] in "、,，;；\n。":
            return (pos, ne), (ne, ne), ne
    return None


PARSERS = ((parse_name_first, SKIP), (parse_title_first, SKIP), (parse_bare_name, SKIP_IN_LINE))


def parse_entries(text: str, pos: int, end: int, parse, skip=SKIP) -> tuple[list, int]:
    """Entries one after another from `pos` with one parser; -> (entries, where reading stopped)."""
    out = []
    while True:
        p = skip.match(text, pos, end).end()
        if p >= end or grammar()["label"].match(text, p, end):
            return out, p
        entry = parse(text, p, end)
        if not entry:
            return out, pos
        out.append(entry)
        pos = entry[2]


# ---- the labelled list ---------------------------------------------------------------------------

def find_labels(text: str, lo: int, hi: int) -> list:
    """Role labels in text[lo:hi], tried only around the role words (组长, 成员) found by a cheap
    scan: at their line's start (or after a tab) and a few characters before them (常务副组长)."""
    label = grammar()["label"]
    out, seen = [], set()
    for hit in role_anywhere().finditer(text, lo, hi):
        i = hit.start()
        line_start = max(lo, text.rfind("\n", max(lo, i - LINE_BACK), i) + 1, i - LINE_BACK)  # never far back
        tab = text.rfind("\t", line_start, i)
        starts = [line_start] + ([tab + 1] if tab != -1 else []) + list(range(max(line_start, i - LABEL_LEAD), i + 1))
        for st in starts:
            m = label.match(text, st, hi)
            if m and m.end() >= hit.end() and m.start() not in seen:
                if out and m.start() < out[-1].end():
                    break
                seen.add(m.start())
                out.append(m)
                break
    return out


LABEL_LEAD = 4  # 常务副 / 执行副 before 组长
MAX_LABELS = 500  # role labels read: the dev notices have at most 8 (a bound for pasted or generated texts)
REACH = 300  # characters back to a line's or sentence's start: bounded, so a one-line text stays linear
LINE_BACK = 200  # a role label opens its line within this many characters (a line without breaks has none)


def role_of(m) -> str:
    g = grammar()
    form = next(f for i, f in enumerate(g["forms"]) if m.group(f"r{i}"))
    return g["roles"][form]


def find_listed(text: str, lo: int, hi: int) -> tuple[list[Member], bool, bool]:
    """Role labels and the people after each, up to the next label (entries in one order per
    label: whichever of name-first / title-first reads more of them). -> (members, stuck,
    capped): stuck when reading stopped before a label's list ended, at text spaced by OCR
    (局 长, 王 明亮); capped when there were more than MAX_LABELS labels (the rest unread)."""
    labels = find_labels(text, lo, hi)
    capped = len(labels) > MAX_LABELS  # a group's list has a few labels; thousands are a pasted text
    labels = labels[:MAX_LABELS]
    out: list[Member] = []
    stuck = False
    for k, m in enumerate(labels):
        stop = labels[k + 1].start() if k + 1 < len(labels) else hi
        best, best_end = [], m.end()
        for parse, skip in PARSERS:
            entries, end = parse_entries(text, m.end(), stop, parse, skip)
            if len(entries) > len(best):
                best, best_end = entries, end
        rest = SKIP.match(text, best_end, stop).end()
        if rest < stop and GAP.search(text, rest, min(stop, rest + STUCK_LOOK, _eol(text, rest))):
            stuck = True  # reading stopped at OCR-spaced text
        if any(GAP.search(text, t0, t1) or (n1 - n0 > 4 and " " in text[n0:n1]) for (n0, n1), (t0, t1), _ in best):
            stuck = True  # a title spaced by OCR, or a 4-character name with a space: maybe misread
        role = role_of(m)
        for (n0, n1), (t0, t1), e in best:
            out.append(Member(role=role, name=SPACE.sub("", text[n0:n1]),
                              title=SPACE.sub("", text[t0:t1]) or None,
                              evidence=evidence(text, min(n0, t0), e)))
    return out, stuck, capped


STUCK_LOOK = 16  # how far past a stop an OCR space makes the squeezed view worth reading


def _eol(text: str, pos: int) -> int:
    e = text.find("\n", pos, pos + LINE_BACK)
    return min(len(text), pos + LINE_BACK) if e == -1 else e


def find_in_tables(text: str, lo: int, hi: int) -> list[Member]:
    """A members table: a role cell (组长 / 副组长 / 成员; empty under a merged cell, which keeps
    the role of the row above), one name cell and maybe a title cell."""
    g = grammar()
    out: list[Member] = []
    for table in structure.parse(text).tables:
        if not lo <= table.start < hi or not role_anywhere().search(text, table.start, table.end):
            continue
        role = role_col = None
        header = table.rows[0].values if table.rows else None
        for k, row in enumerate(table.rows):
            if k and row.values == header:
                continue  # the header repeated after a page break: the merged role cell goes on below it
            cells = [c for c in row.cells if c.text]
            labelled = [c for c in cells if SPACE.sub("", c.text) in g["roles"]]
            if labelled:
                role = g["roles"][SPACE.sub("", labelled[0].text)]
                role_col = row.cells.index(labelled[0])
            elif not row.cells or _filled(row.cells, role_col):
                role = None  # a row of its own that names no role
            # (else the role cell is empty: merged over this row, after a 序号 cell too (176))
            rest = [c for c in cells if c not in labelled]
            names = [c for c in rest if g["name"].fullmatch(c.text) and is_name(c.text)]
            if role is None or len(names) != 1:
                continue
            titles = [c for c in rest if c is not names[0] and g["ends_title"].search(c.text)]
            out.append(Member(role=role, name=SPACE.sub("", names[0].text),
                              title=SPACE.sub("", titles[0].text) if titles else None,
                              evidence=evidence(text, row.start, row.end)))
    return out


def _filled(cells: list, role_col: int | None) -> bool:
    """Whether the row writes something where the role column is (its first cell before any role
    was seen): an empty role cell under a merged one keeps the role of the row above."""
    col = 0 if role_col is None else role_col
    return col >= len(cells) or bool(cells[col].text)


# ---- running text -------------------------------------------------------------------------------

def parse_person(s: str, joined_titles: bool = False) -> tuple[str, str | None] | None:
    """'县医保局局长李四' / '副县长张三' / '张三' -> (name, title); None when `s` is not one person.
    A title holds no 、 unless `joined_titles` (区委常委、副区长刘洋 in running text)."""
    s = s.strip().strip("、,;；。").removesuffix("同志").rstrip()  # 副主任赵明同志、…: 同志 is no part of a name
    if not s or len(s) > TITLE_MAX + 6:
        return None
    bracketed = BRACKETED.fullmatch(s)  # 陈志刚（县医疗保障局局长）: the title after the name, in brackets
    if bracketed and is_name(bracketed["name"]) and grammar()["ends_title"].search(bracketed["title"]):
        return SPACE.sub("", bracketed["name"]), SPACE.sub("", bracketed["title"])
    for e in _names_at(s, 0, len(s)):
        if e == len(s):
            return SPACE.sub("", s), None
    g = grammar()
    for i in range(len(s) - NAME_CHARS[0], 0, -1):  # title then name, the name at the end
        name, title = s[i:], s[:i].rstrip()
        if is_name(name) and (g["name"].fullmatch(name) or g["dotted"].fullmatch(name)) and g["ends_title"].search(title) and (
                joined_titles or not re.search(r"[、,;；]", title)):
            return SPACE.sub("", name), SPACE.sub("", title)
    return None


def find_group_sentences(text: str, lo: int, hi: int) -> list:
    """Sentences that speak of the group (领导小组, 任组长…), found from the words' occurrences."""
    starts = set()
    for w in grammar()["about_words"]:
        i = text.find(w, lo, hi)
        while i != -1:
            w0 = max(0, i - REACH)
            starts.add(max(text.rfind("。", w0, i), text.rfind("\n", w0, i), w0 - 1) + 1)
            i = text.find(w, i + 1, hi)
    return [SENTENCE.match(text, s) for s in sorted(starts)]


def find_inline(text: str, lo: int, hi: int) -> tuple[list[Member], bool]:
    """`由副县长张三任组长，县医保局局长李四任副组长` inside a sentence about the group; -> (members,
    whether some role's people could not be read and hold a space: OCR, 局 长石 胜利)."""
    g = grammar()
    out: list[Member] = []
    spaced_miss = False
    for sm in find_group_sentences(text, lo, hi):
        if sm is None:
            continue
        sentence = sm.group()
        for rx in (g["inline"], g["inline_rev"]):
            for m in rx.finditer(sentence):
                who = YI_LEAD.sub("", m.group("who"))  # 成立以副县长吴光荣为组长: 以 opens the group
                people = split_people(who)
                if not people or not all(people):
                    # `…局 长黄丽 萍、…`: a list spaced by OCR may read as one person; the view is tried too
                    spaced_miss = spaced_miss or " " in who
                    people = [parse_person(who, joined_titles=True)]  # 县委常委、副县长刘洋: one person
                if not all(people):
                    spaced_miss = spaced_miss or " " in who
                    continue
                role = SPACE.sub("", m.group("role"))
                role = g["roles"].get(role, role)
                ev = evidence(text, sm.start() + m.start("who"), sm.start() + m.end())
                out += [Member(role=role, name=n, title=t, evidence=ev) for n, t in people]
    return out, spaced_miss


def split_people(who: str) -> list:
    """`办公室副主任赵丽、县人力资源和社会保障局局长李春明` -> each person: split at 、, and at 和/及
    only where a piece does not read as one person (the 和 of 人力资源和社会保障局 joins an office's name);
    never inside brackets (`郭小燕（县委常委、副县长）、刘涛（…）`)."""
    if BRACKET_IN.search(who):
        people = [parse_person(p) for p in OUTSIDE_BRACKETS_SEP.split(who)]
        if all(people):
            return people
    people = [parse_person(p) for p in WHO_SEP.split(who)]
    if all(people):
        return people
    out, pending = [], ""
    for piece in who.split("、"):
        if pending:  # 县委常委、常务副县长刘晓峰: a post without a name joins the next piece's title
            person = parse_person(f"{pending}、{piece}", joined_titles=True)
            out.append(person)
            pending = ""
            continue
        parts = [parse_person(p) for p in WHO_SEP.split(piece)]
        if all(parts):
            out += parts
        elif parse_person(piece):
            out.append(parse_person(piece))
        elif out and grammar()["title_start"].match(piece) and not SPACE.search(piece):  # spaced: OCR, the view reads it
            pending = piece  # a second person's first post (孙宏伟、县委常委、常务副县长刘晓峰)
        else:
            out.append(None)
    return out + ([None] if pending else [])


# ---- extract ------------------------------------------------------------------------------------

BRACKETED = re.compile(r"(?P<name>[^（(）)]+?)[ \t]*[（(](?P<title>[^（(）)]+)[）)]")
BRACKET_IN = re.compile(r"[（(][^）)]*[、,，][^）)]*[）)]")  # a 、 inside brackets: a title, not a list
OUTSIDE_BRACKETS_SEP = re.compile(r"[、和及](?![^（(]*[）)])")
YI_LEAD = re.compile(r"^(?:.*?成立)?以(?=\p{Han})")


@functools.cache
def role_anywhere():
    """The role words every label ends in (组长, 成员, 专班长's 班长), spaced: no role word, no group."""
    heads = sorted({f[-2:] for f in grammar()["forms"]})
    return re.compile("|".join(_spaced(h) for h in heads))

SPACED_ROLE = re.compile(r"任[ ]副?组|任副[ ]组|副[ ]组长|组[ ]长")  # a role phrase spaced by OCR (任 组长)


def find_members(text: str, lo: int, hi: int, tables: bool = True) -> tuple[list[Member], bool, bool]:
    """(members, stuck, capped): the labelled list, else a members table, else running text."""
    listed, stuck, capped = find_listed(text, lo, hi)
    if tables:
        found = find_in_tables(text, lo, hi)
        # a table's labelled rows read as a list too; its rows under a merged role cell only as a table (176)
        if len(found) > len(listed):
            return found, False, capped
    if listed:
        return listed, stuck, capped
    found, spaced_miss = find_inline(text, lo, hi)
    return found, spaced_miss or bool(SPACED_ROLE.search(text, lo, hi)), capped  # OCR: 任 组长 hides a role


def unique(members: list[Member]) -> list[Member]:
    """One member per (role, name): a notice restating its list (or pasted twice) names the same people."""
    seen, out = set(), []
    for m in members:
        if (m.role, m.name) not in seen:
            seen.add((m.role, m.name))
            out.append(m)
    return out


def read_members(text: str, sections: list[tuple[int, int]], tables: bool = True) -> tuple[list[Member], bool, bool]:
    """The 组织领导 sections first, the whole text when they name nobody; -> (members, stuck, capped)."""
    members: list[Member] = []
    stuck = capped = False
    for lo, hi in sections:
        found, s, c = find_members(text, lo, hi, tables)
        members += found
        stuck, capped = stuck or s, capped or c
    if not members:
        members, stuck, c = find_members(text, 0, len(text), tables)
        capped = capped or c
    return unique(members), stuck, capped


def reading_key(members: list[Member]) -> tuple[int, int]:
    """Which of two readings to keep: more members, then shorter names (李军 over 李军国家, a
    title's first characters taken into a name)."""
    return len(members), -sum(len(m.name) for m in members)


def on_text(members: list[Member], sq, text: str) -> list[Member]:
    """Members read on the squeezed view, their evidence mapped back to the text."""
    for m in members:
        m.evidence = evidence(text, *sq.span(m.evidence.start, m.evidence.end))
    return members


def extract(text: str, ctx: Context) -> dict:
    if not role_anywhere().search(text):
        return dict(leadership=[])
    try:
        sections = structure.parse(text).about("leadership")
        members, stuck, capped = read_members(text, sections)
        if capped:
            ctx.note_capped("leadership", MAX_LABELS, "领导小组职务")
        sq = squeeze(text)
        if stuck and sq.has_gaps(sections or [(0, len(text))]):  # OCR spaces (局 长, 任 组长): read the view
            viewed, _, _ = read_members(sq.view, [(sq.to_view(a), sq.to_view(b)) for a, b in sections], tables=False)
            if reading_key(viewed) > reading_key(members):
                members = on_text(viewed, sq, text)
    except RESOURCE_ERRORS:  # a resource limit quarantines the document: never "nothing found"
        raise
    except Exception:  # extraction never raises on any text
        members = []
    return dict(leadership=members)
