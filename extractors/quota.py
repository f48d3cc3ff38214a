"""The quota table (征缴任务分解表): each area's collection target, and the total they add up to.

Tables reach the canonical text as rows of tab-separated cells (Word/PDF tables alike). A table
starts at a header row (`序号  乡镇社区  任务数`, or any row with an area column such as 地区,
单位名称, 乡镇(街道)); the numeric columns are those whose body cells are integers, named as headed
with the unit cut off (`目标任务数(人)` -> `目标任务数`, unit `人`); a 备注 column is the row's note;
the 合计/总计 row is the total. A second header row names the columns under it; column groups
set side by side are read one after the other; a header of place names is a transposed table
(one row per area). Rows typeset with spaces arrive glued (`1城关镇12,345`, canonical
text drops spaces next to digits) and are read only where one number per row makes that safe.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import regex as re

from noticeflow.extractors import structure
from noticeflow.extractors.compact import view
from noticeflow.extractors.context import Context
from noticeflow.extractors.numbers import parse_number
from noticeflow.extractors.spans import evidence, lines_with_offsets
from noticeflow.extractors.squeeze import close_cell_gaps
from noticeflow.extractors import quota_prose, vocab
from noticeflow.schemas import Flag, Quota, QuotaRow
from noticeflow.schemas.errors import RESOURCE_ERRORS

MAX_TITLE = 60  # a title line, not a sentence
FOLIO = re.compile(r"^[-—–\s]*\d+[-—–\s]*$|^第\s*\d+\s*页")  # page furniture between title and table
TABLE_TITLE = re.compile(r"(?:表|清单|名单)$")  # …任务分解表: a line naming the table
DIGIT = re.compile(r"\d")
SENTENCE_END = re.compile(r"[。;:]$|[,，]")  # a sentence (…参保任务如下:), not a title
ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:.]?\s*")  # 附件1: before a title
LAYOUT_SPACE = re.compile(r"(?<=\p{Han})\s+(?=\p{Han})")  # 征缴 任务分配表 (PDF layout)
UNIT_SUFFIX = re.compile(r"[(]单位\s*:\s*(?P<unit>[^)]+)[)]$")  # …任务表(单位:人)
PEOPLE_TABLE = re.compile(r"参保|征缴|缴费|任务|人数")  # a table counting insured people
TOTAL_COLUMN = re.compile(r"^(?:合计|总计|小计)?$")
MAX_GAP = 1  # blank lines tolerated inside a table (page breaks)
# a filled-in form field, `label:value` in one cell (填报单位:…, 单位:人, 填报日期:…)
FORM_FIELD = re.compile(r"^[^:：]{1,8}[:：]\s*\S")
MAX_CELL = 10  # a header cell typeset with spaces: 序号 / 乡镇(街道) / 任务数(人)
MAX_GLUED_ROW = 40  # `1城关镇12,345含东兴2610人`
MIN_GLUED_ROWS = 2


def terms() -> dict:
    return vocab.terms("quota_terms.yaml", "quota")


_alt = vocab.alternation


def _spaced_alt(words) -> str:
    return "|".join(r"\s*".join(map(re.escape, w)) for w in sorted(words, key=len, reverse=True))


@functools.cache
def grammar() -> dict:
    t = terms()
    return dict(
        seq=re.compile(rf"^(?:{_alt(t['seq_headers'])})$"),
        area=re.compile(rf"(?:{_alt(t['area_headers'])})"),
        note=re.compile(rf"^(?:{_alt(t['note_headers'])})"),
        place=re.compile(rf"^\p{{Han}}{{1,12}}(?:{_alt(t['place_suffixes'])})$"),
        # 合计 / 合 计 / 合计(人) / 总计
        total=re.compile(rf"^(?:{_spaced_alt(t['total_labels'])})\s*(?:[(](?P<unit>[^)]*)[)])?$"),
        subtotal=re.compile(rf"^(?:{_spaced_alt(t['subtotal_labels'])})"),
        subtotal_end=re.compile(rf"(?:{_spaced_alt(t['group_sum_suffixes'])})$"),
        label_starts=frozenset(w[0] for w in t["total_labels"] + t["subtotal_labels"]),
        # 单位:人 / (单位:人)
        unit_line=re.compile(rf"^[(]?(?:{_alt(t['unit_prefixes'])})\s*:\s*(?P<unit>[^\s)]+)[)]?$"),
        unit_in_cell=re.compile(r"^(?P<name>.*?)\s*[(](?:单位\s*:\s*)?(?P<unit>[万千百]?人|户|元|万元)[)]$"),
        # a signed cell (增减 -470, +230) is a figure too
        integer=re.compile(r"^[-−+]?(?:\d{1,3}(?:,\d{3})+|\d+)$"),
        # 1城关镇12,345含东兴2610人: a row typeset with spaces, glued by canonicalisation
        glued=re.compile(r"^(?P<seq>\d{1,3}(?=\D))?\s*(?P<area>[^\d\t]+?)\s*(?P<value>\d{1,3}(?:,\d{3})+|\d+)\s*(?P<note>\D.*)?$"),
        # 征缴目标任务114.39万人 / 共计643118人
        # the stated-total words no other word is a prefix of: 目标任务数 starts where 目标任务 does
        stated_anchors=[w for w in t["stated_total_words"]
                        if not any(o != w and w.startswith(o) for o in t["stated_total_words"])],
        task=re.compile(_alt(t["task_headers"])),
        not_task=re.compile(_alt(t["not_task_headers"])),
        not_quota=re.compile(_alt(t["not_quota_headers"])),
        contact=re.compile(_alt(t["contact_headers"])),
        people_count=re.compile(_alt(t["people_count_headers"])),
        rate=re.compile(_alt(t["rate_headers"] + t["rank_headers"])),
        continued=re.compile(rf"^[(]?(?:{_alt(t['continued_labels'])})[\d一二三四五六七八九十]*[)]?$"),
        money=re.compile(_alt(t["money_headers"])),
        results=re.compile(_alt(t["results_headers"])),
        results_title=re.compile(_alt(t["results_titles"])),
        quota_words=re.compile(_alt(t["quota_words"])),
        household=re.compile(_alt(t["household_headers"])),
        scales=t["unit_scales"],
        pair_units=t["pair_unit_names"],
        pair_header=re.compile(r"^(?P<name>[^()/]+?)\s*[(](?P<a>[^/()]+)/(?P<b>[^/()]+)[)]$"),
        pair_cell=re.compile(r"^(?P<a>\d[\d,.]*)\s*/\s*(?P<b>\d[\d,.]*)$"),
        decimal=re.compile(r"^[-−+]?\d+(?:\.\d+)?$"),
        stated=re.compile(rf"(?<!其中[^,。;]{{0,12}})(?:{_alt(t['stated_total_words'])})(?:{_alt(t['stated_total_verbs'])})?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<wan>万)?人"),
    )


@dataclass
class Table:
    header_at: int  # index into lines
    header: list[str]
    glued: bool = False
    # (line index, cells); a transposed table's rows hold (first, last) line indices instead
    rows: list[tuple[int | tuple[int, int], list[str]]] = field(default_factory=list)


def split_cells(line: str) -> list[str] | None:
    """Cells of a table row: tabs, or single spaces in a header typeset with spaces."""
    if "\t" in line:
        return [c.strip() for c in line.rstrip().split("\t")]
    return None


def find_tables(lines: list[tuple[int, str]]) -> Iterator[Table]:
    """Header rows and the rows that follow them, in document order (lazily: the caller stops
    at the first table that parses)."""
    i = 0
    n = len(lines)
    g_cont = grammar()["continued"]
    while i < n:
        line = lines[i][1]
        if "\t" not in line and " " not in line:  # neither a tab row nor a spaced header
            i += 1
            continue
        line = line.strip()
        cells = split_cells(line)
        glued = False
        if cells is None and " " in line and not DIGIT.search(line):
            cells, glued = line.split(" "), True
            if any(len(c) > MAX_CELL for c in cells):
                cells = None
        if cells and is_header(cells):
            table = Table(i, cells, glued)
            j, gap = i + 1, 0
            while j < n:
                row = lines[j][1]
                if not row.strip():
                    gap += 1
                    if gap > MAX_GAP:
                        break
                    j += 1
                    continue
                if g_cont.match(row.strip()):  # `续表` after a page break: the rows go on under it
                    gap = 0
                    j += 1
                    continue
                rc = parse_glued(row) if glued else split_cells(row)
                if rc is None:
                    break
                table.rows.append((j, rc))
                gap = 0
                j += 1
            if len(table.rows) >= (MIN_GLUED_ROWS if glued else 1):
                if not glued or table_accepts_glued(table):
                    yield table
            i = j
            continue
        i += 1


def is_header(cells: list[str]) -> bool:
    g = grammar()
    cells = [c for c in cells if c]
    if len(cells) < 2 or any(g["integer"].match(c) for c in cells):
        return False
    if all(FORM_FIELD.match(c) for c in cells):
        return False  # `填报单位:乡宁县医疗保障局 | 单位:人`: a form's filled-in fields above the header
    has_seq = bool(g["seq"].match(cells[0]))
    has_area = any(g["area"].search(c) and len(c) <= 12 for c in cells)
    return (has_seq or has_area) and len(cells) - has_seq - has_area >= 1


def table_accepts_glued(table: Table) -> bool:
    """Glued rows carry one number: only tables with one value column (plus seq/area/note)."""
    g = grammar()
    value_cols = [c for c in table.header if c and not g["seq"].match(c) and not g["note"].match(c)]
    return len(value_cols) == 2  # area + one value


def parse_glued(line: str) -> list[str] | None:
    line = line.strip()
    m = grammar()["glued"].match(line)
    if not m or len(line) > MAX_GLUED_ROW:
        return None
    area = m.group("area").strip()
    if not re.fullmatch(r"[\p{Han}()、 ]{1,16}", area):
        return None
    return [m.group("seq") or "", area, m.group("value"), (m.group("note") or "").strip()]


def parse_int(cell: str) -> int | None:
    if cell.isdigit() and cell.isascii():  # the common cell, without the regex
        return int(cell)
    cell = cell.replace(" ", "")
    if not cell or "\u4e00" <= cell[0] <= "\u9fff" or not grammar()["integer"].match(cell):
        return None  # a Han first character is never a digit: area cells skip the regex
    return int(cell.replace(",", "").replace("−", "-"))


def parse_value(cell: str, scale: int) -> int | None:
    """A cell in persons: an integer, or (a table in 万人, or a cell written `12.86万`) a decimal
    scaled to persons."""
    if cell.endswith(("万", "万人")):
        cell, scale = cell.removesuffix("人").removesuffix("万"), 10_000
    if scale == 1:
        return parse_int(cell)
    cell = cell.replace(" ", "").replace(",", "")
    if not grammar()["decimal"].match(cell):
        return None
    return round(float(cell.replace("−", "-")) * scale)


def _row_label(cells: list[str], area_col: int | None) -> str:
    """The label of a row: its first cell written, up to the area column (合计 / 小计 may stand
    in the 序号, group or area column)."""
    for c in cells[:max(2, (area_col or 0) + 1)]:
        if c:
            return c
    return ""


def _is_sum_label(label: str) -> bool:
    g = grammar()
    return bool(g["total"].match(label) or g["subtotal"].match(label) or g["subtotal_end"].search(label))


def _merged_column(rows, k: int, nxt: int) -> bool:
    """Column k is written on a group's first row only (片区 merged over its 镇) and column nxt,
    written on every row, names the rows: some area rows are blank under k, none under nxt (合计
    and 小计 rows left out)."""
    body = [c for _, c in rows if not _is_sum_label(next((x for x in c[:max(k, nxt) + 1] if x), ""))]
    under_k = [c[k] if k < len(c) else "" for c in body]
    return (len(body) >= 2 and any(under_k) and not all(under_k)
            and all(nxt < len(c) and c[nxt] for c in body))


def _mostly_numbers(rows, k: int) -> bool:
    cells = [c[k] for _, c in rows if k < len(c) and c[k]]
    return sum(bool(DIGIT.match(c)) for c in cells) * 2 > len(cells)


def is_quota_table(header: list[str], title: str | None) -> bool:
    """Not a 门诊慢特病 limits, 报销, 资助标准, scoring or fee table (quota_terms.yaml), unless a
    column counts people (其中：资助人数 beside 应参保人数 is a quota table)."""
    g = grammar()
    if g["contact"].search(" ".join(header)):
        return False  # a contact list, even with a 村医人数 column
    if g["people_count"].search(" ".join(header)):
        return True
    return not g["not_quota"].search(" ".join([*header, title or ""]))


def parse_table(text: str, lines, table: Table) -> tuple[Quota, list[Flag]] | None:
    """One table -> Quota, or None when it holds no numeric column or is not a quota table."""
    g = grammar()
    table = transposed(side_by_side(paired_cells(sub_headed(table))))
    header = table.header
    title, title_at, unit_line = find_title(lines, table.header_at)
    if not is_quota_table(header, title):
        return None
    if table.glued:  # glued rows are always [seq, area, value, note]
        names = [c for c in header if not g["seq"].match(c) and not g["note"].match(c)]
        header = ["序号", names[0], names[1], "备注"]
    # 序号 first, or after a merged group column (片区　序号　镇(街道)): the running number
    seq_col = next((k for k, c in enumerate(header[:3]) if g["seq"].match(c.replace(" ", ""))), None)  # 序 号 (OCR)
    note_col = next((k for k, c in enumerate(header) if g["note"].match(c)), None)
    area_col = next((k for k, c in enumerate(header) if k not in (seq_col, note_col)), None)
    # 序号　参保任务（人）　乡镇　…: a figure column before the area column (its cells numbers, the
    # area header later): the area column is the first one headed as an area whose cells are names
    if area_col is not None and _mostly_numbers(table.rows, area_col):
        named = next((k for k, c in enumerate(header) if k not in (seq_col, note_col) and g["area"].search(c)
                      and len(c) <= 12 and not g["people_count"].search(c)
                      and not _mostly_numbers(table.rows, k)), None)
        if named is not None:
            area_col = named
    # 片区 over its 镇: a group column written on its group's first row only (blank below) with
    # the areas in a later column: the rows are the areas (小计 rows add the groups up)
    while area_col is not None:
        nxt = next((k for k in range(area_col + 1, len(header)) if k not in (seq_col, note_col)), None)
        if nxt is None or _mostly_numbers(table.rows, nxt) or not _merged_column(table.rows, area_col, nxt):
            break
        area_col = nxt
    # 镇(街道) then 村(社区), 片区 then 序号 then 镇: the 镇 is written on its first row only, the
    # finer area column (another area header after it, the 序号 between) names each row
    while area_col is not None:
        nxt = next((k for k in range(area_col + 1, len(header)) if k != seq_col), None)
        if (nxt is None or nxt == note_col or not g["area"].search(header[nxt]) or len(header[nxt]) > 12
                or g["people_count"].search(header[nxt])
                or _mostly_numbers(table.rows, nxt)):  # 行政村数: a count, not an area
            break
        area_col = nxt
    unit = unit_line
    columns: dict[int, str] = {}
    money = False
    for k, c in enumerate(header):
        c = close_cell_gaps(c)  # 其 中：学生 儿童 (OCR spaces) -> 其中：学生儿童
        if (k in (seq_col, note_col, area_col) or not c or g["rate"].search(c)
                or k < (area_col or 0) and not _mostly_numbers(table.rows, k)):
            continue
        if g["money"].search(c):
            money = True
            continue
        m = g["unit_in_cell"].match(c)
        columns[k] = WITHIN.sub("", m.group("name") if m else c)
        if m and m.group("unit") in g["scales"]:  # a 户 column beside 人 columns leaves the unit 人
            unit = unit or m.group("unit")
    scale = g["scales"].get(unit or "", 1)
    body, total = [], None
    width, label_starts = len(header), g["label_starts"]
    for li, cells in table.rows:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        label = _row_label(cells, area_col)
        if label[:1] in label_starts:  # only a row labelled 合计/小计… can be a total row
            tm = g["total"].match(label)
            if tm:
                total = cells
                unit = unit or tm.group("unit")
                continue
            if g["subtotal"].match(label):
                continue
        if g["subtotal_end"].search(label):  # 东部片区小计: a group's sum, no area
            continue
        body.append((li, cells))
    ints = [{k: parse_value(c[k], scale) for k in columns} for _, c in body]  # each cell parsed once
    heads = group_heads(body, ints, seq_col, list(columns))
    if heads:
        body = [r for i, r in enumerate(body) if i not in heads]
        ints = [r for i, r in enumerate(ints) if i not in heads]
    # a column is numeric where half the rows holding figures have one (a header repeated after a
    # page break holds none, and is no row to count)
    figured = sum(any(v is not None for v in r.values()) for r in ints)
    numeric = {k: name for k, name in columns.items()
               if sum(r[k] is not None for r in ints) * 2 >= max(1, figured)}
    if not numeric or not body:
        return None
    if money and not any(g["task"].search(c) for c in [title or "", *numeric.values()]):
        return None  # money beside a count naming no task: a fund allocation, not the quota
    rows = []
    numeric_items = list(numeric.items())
    for (li, cells), parsed in zip(body, ints):
        area = cells[area_col] if area_col is not None else ""
        seq = parse_int(cells[seq_col]) if seq_col is not None else None
        if not area and seq_col is not None and seq is None and cells[seq_col]:
            area = cells[seq_col]  # label written in the seq column
        area = close_cell_gaps(area)  # 露水 河镇 (an OCR space inside the name) -> 露水河镇
        values = {name: v for k, name in numeric_items if (v := parsed[k]) is not None}
        if not area or not values:
            continue
        note = cells[note_col] if note_col is not None and note_col < len(cells) and cells[note_col] else None
        first_li, last_li = (li, li) if isinstance(li, int) else li
        start, end = lines[first_li][0], lines[last_li][0] + len(lines[last_li][1])
        rows.append(QuotaRow(seq=seq, area=area, values=values, note=note,
                             evidence=evidence(text, start, end)))
    if not rows:
        return None
    total_values = None
    if total is not None:
        total_values = {name: v for k, name in numeric.items() if (v := parse_value(total[k], scale)) is not None}
        # `合计\t479452` with the area cell missing: the number sits one cell to the left
        if not total_values:
            nums = [v for c in total if (v := parse_value(c, scale)) is not None]
            if len(nums) == len(numeric):
                total_values = dict(zip(numeric.values(), nums))
    if scale == 1 and any(c.endswith(("万", "万人")) for _, cells in body for k, c in enumerate(cells) if k in numeric):
        scale, unit = 10_000, "万人"  # every figure written `12.86万`
    unit_as_written = unit if scale != 1 else None
    unit = "人" if scale != 1 else (unit or implied_unit(title, numeric.values()))
    first = title_at if title_at is not None else table.header_at
    end_line = max(_last_line(li) for li, _ in table.rows)
    start = lines[first][0]
    end = lines[end_line][0] + len(lines[end_line][1])
    quota = Quota(title=title, unit=unit, unit_as_written=unit_as_written, columns=list(numeric.values()), rows=rows,
                  total=total_values or None, evidence=evidence(text, start, end))
    return quota, check_sums(quota)


def group_heads(body, ints, seq_col: int | None, cols: list[int]) -> set[int]:
    """Rows heading a group (a 镇 over its 村, numbered straight through): no 序号 where the rows
    under it have one, and every figure the sum of the numbered rows down to the next such row.
    They are subtotals, not areas (as 小计 rows are)."""
    if seq_col is None or not cols:
        return set()
    numbered = [parse_int(c[seq_col]) is not None for _, c in body]
    # a header repeated after a page break has no figure: it bounds no group
    unnumbered = [i for i, n in enumerate(numbered) if not n and any(v is not None for v in ints[i].values())]
    if not unnumbered or len(unnumbered) * 2 > len(body):
        return set()
    heads = set()
    for j, h in enumerate(unnumbered):
        nxt = unnumbered[j + 1] if j + 1 < len(unnumbered) else len(body)
        under = [i for i in range(h + 1, nxt) if numbered[i]]
        if under and all(ints[h][k] is not None and ints[h][k] == sum(ints[i][k] or 0 for i in under)
                         for k in cols):
            heads.add(h)
    return heads


WITHIN = re.compile(r"^其中\s*[:：]?\s*")  # `其中：困难群众`: the column is 困难群众


def _last_line(li) -> int:
    """A row's last line: rows are one line, a transposed table's rows (first, last) of lines."""
    return li if isinstance(li, int) else li[1]


def sub_headed(table: Table) -> Table:
    """A header of two rows (`合计　其中` over `　　困难群体　其他人员`): the second row, with no
    figure and nothing under the seq and area columns, names the columns it stands under, or
    gives the units of those named above (`（人）`). A header of three rows or more
    (`2026年度参保任务` over `合计 其中` over `特殊群体 一般居民`, merged cells laid out on their
    grid) is the same step taken again, the lowest row naming last."""
    while len(table.rows) >= 2 and not table.glued:
        li, sub = table.rows[0]
        if not sub or sub[0] or len(sub) < 2 or sub[1] or any(DIGIT.search(c) for c in sub) or not any(sub):
            return table
        width = max(len(table.header), len(sub))
        header = table.header + [""] * (width - len(table.header))
        sub = sub + [""] * (width - len(sub))
        # a row of units only (`（人）　（人）　（万元）`) belongs to the names above it
        merged = [a + b if a and UNIT_ONLY.match(b) else b or a for a, b in zip(header, sub)]
        table = Table(table.header_at, merged, table.glued, table.rows[1:])
    return table


UNIT_ONLY = re.compile(r"^[(](?:单位\s*:\s*)?[^()]{1,6}[)]$")


def paired_cells(table: Table) -> Table:
    """A column holding two counts per cell (`参保任务（户/人）` over `6820/21450`): two columns,
    one per unit, each cell split at its slash (the 合计 row's too)."""
    g = grammar()
    k = next((k for k, c in enumerate(table.header) if (m := g["pair_header"].match(c))
              and m["a"] in g["pair_units"] and m["b"] in g["pair_units"]), None)
    if k is None or table.glued:
        return table
    cells_k = [c[k] for _, c in table.rows if k < len(c) and c[k]]
    if not cells_k or sum(bool(g["pair_cell"].match(c)) for c in cells_k) * 2 < len(cells_k):
        return table
    m = g["pair_header"].match(table.header[k])
    names = [m["name"] + g["pair_units"][m["a"]], m["name"] + g["pair_units"][m["b"]]]
    header = table.header[:k] + names + table.header[k + 1:]
    rows = []
    for li, cells in table.rows:
        pm = g["pair_cell"].match(cells[k]) if k < len(cells) else None
        pair = [pm["a"], pm["b"]] if pm else [cells[k] if k < len(cells) else "", ""]
        rows.append((li, cells[:k] + pair + cells[k + 1:]))
    return Table(table.header_at, header, table.glued, rows)


def side_by_side(table: Table) -> Table:
    """A table set in two (or more) column groups side by side to fit the page (`序号 乡镇 任务
    序号 乡镇 任务`): one group's rows after the other's, in table order; the 合计 row's figures
    are those under any group."""
    header, n = table.header, len(table.header)
    bare = [re.sub(r"\s", "", c) for c in header]   # an OCR space inside one copy (`乡 （镇、街道）`)
    k = next((k for k in range(2, n // 2 + 1) if n % k == 0 and bare == bare[:k] * (n // k)), None)
    g = grammar()
    if k is None or table.glued or not (g["seq"].match(header[0]) or g["area"].search(header[0])):
        return table
    groups: list[list] = [[] for _ in range(n // k)]
    totals = []
    for li, cells in table.rows:
        cells = cells + [""] * (n - len(cells))
        label = cells[0] or cells[1]
        if g["total"].match(label):
            merged = [label] + [next((cells[j * k + c] for j in range(n // k - 1, -1, -1) if cells[j * k + c]), "")
                                for c in range(1, k)]
            if merged[1] == label:
                merged[1] = ""
            totals.append((li, merged))
            continue
        for j in range(n // k):
            part = cells[j * k:(j + 1) * k]
            if any(part):
                groups[j].append((li, part))
    return Table(table.header_at, header[:k], False, [r for grp in groups for r in grp] + totals)


def transposed(table: Table) -> Table:
    """A table with the areas as its columns (`项目　塔河镇　瓦拉干镇 … 合计`, rows 户籍人口 /
    参保任务): read as one row per area, its figures the rows' cells; each row's evidence is the
    whole table (the area's column runs through it)."""
    header = table.header
    g = grammar()
    places = [c for c in header[1:] if g["place"].match(c) and not g["area"].fullmatch(c)]
    if len(places) < 3 or g["seq"].match(header[0]) or table.glued:
        return table
    # a table too wide for the page is set in blocks, each under its own 项目 row naming the next
    # areas (`项目 小溪塔街道 … 三斗坪镇` / rows, then `项目 乐天溪镇 … 合计` / rows): one block each
    blocks = [(table.header_at, header, [])]
    for li, cells in table.rows:
        if cells and cells[0] == header[0] and sum(bool(g["place"].match(c)) for c in cells[1:]) >= 2:
            blocks.append((li, cells, []))
        elif cells and cells[0] and not DIGIT.match(cells[0]):
            blocks[-1][2].append((li, cells))
    new_header, new_rows = None, []
    for at, head, rows in blocks:
        if not rows or not all(sum(bool(DIGIT.match(c)) for c in cells[1:]) * 2 >= len(cells) - 1
                               for _, cells in rows):
            return table
        labels = ["地区", *(cells[0] for _, cells in rows)]
        if new_header is None:
            new_header = labels
        elif labels != new_header:
            return table  # blocks that do not carry the same figures: not one table
        span = (at, max(li for li, _ in rows))
        new_rows += [(span, [area, *(cells[k] if k < len(cells) else "" for _, cells in rows)])
                     for k, area in enumerate(head) if k and area]
    return Table(table.header_at, new_header, False, new_rows)


def find_title(lines, header_at: int) -> tuple[str | None, int | None, str | None]:
    """The title line above the header and the unit (单位:人 / 单位:万人), tidied of layout
    spaces. Page furniture between them (— 2 —, a running header) is looked past: the nearest
    line naming a table (…分解表) is the title, else the nearest plain line."""
    g = grammar()
    unit, title, seen = None, None, 0
    for k in range(header_at - 1, -1, -1):
        line = lines[k][1].strip()
        if not line or FOLIO.match(line):
            continue
        seen += 1
        if seen > 4:
            break
        um = g["unit_line"].match(line.replace(" ", ""))
        if um:
            unit = unit or um.group("unit")
            continue
        fields = [c.strip() for c in line.split("\t") if c.strip()] if "\t" in line else []
        if fields and all(FORM_FIELD.match(c) for c in fields):
            # `填报单位:…\t单位:人`: a form's filled-in fields between the title and the header
            um = next((m for c in fields if (m := g["unit_line"].match(c.replace(" ", "")))), None)
            unit = unit or (um.group("unit") if um else None)
            continue
        if len(line) > MAX_TITLE or "\t" in line or SENTENCE_END.search(line):
            break
        candidate = LAYOUT_SPACE.sub("", ATTACHMENT.sub("", line))
        if not candidate or candidate == "附件":
            break
        inline_unit = UNIT_SUFFIX.search(candidate)
        if inline_unit:
            unit = unit or inline_unit.group("unit")
            candidate = candidate[:inline_unit.start()].strip()
        if TABLE_TITLE.search(candidate):
            return candidate, k, unit
        title = title or (candidate, k)
    return (title[0], title[1], unit) if title else (None, None, unit)


def implied_unit(title: str | None, columns) -> str | None:
    """A 参保/征缴 task table counts people even where no 单位 is printed (阳城: 任务数)."""
    words = " ".join([title or "", *columns])
    return "人" if PEOPLE_TABLE.search(words) else None


def check_sums(quota: Quota) -> list[Flag]:
    """quota_sum_mismatch: a column whose rows do not add up to its 合计."""
    flags = []
    for col, stated in (quota.total or {}).items():
        summed = sum(r.values.get(col, 0) for r in quota.rows)
        if summed != stated:
            flags.append(Flag(code="quota_sum_mismatch", severity="warning", field="quota_table",
                              message=f"{col}: 各行合计 {summed} ≠ 合计行 {stated}"))
    return flags


def find_stated_words(text: str, before: int) -> list[int]:
    """Where a total word (任务数, 共计…) starts before the table: the only places the slow
    look-behind pattern can match, tried in order instead of scanning every position."""
    starts = set()
    for word in grammar()["stated_anchors"]:
        i = text.find(word, 0, before)
        while i != -1:
            starts.add(i)
            i = text.find(word, i + 1, before)
    return sorted(starts)


@dataclass(frozen=True)
class BodyTotal:
    """The task total the body states before the table (征缴目标任务114.39万人), in persons."""
    value: float
    tolerance: float  # half a unit of the precision written: 114.39万 is ±50 persons
    start: int  # the phrase's span in the text (任务114.39万人)
    end: int


def find_stated_total(text: str, before: int) -> BodyTotal | None:
    """A total written in the body before the table, with its span in `text`."""
    m = None
    for pos in find_stated_words(text, before):  # a match starts at one of its words
        m = grammar()["stated"].match(text, pos, before)
        if m:
            break
    if not m:
        return None
    raw = m.group("num").replace(",", "")
    value = parse_number(raw + (m.group("wan") or ""))
    if value is None:
        return None
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    tolerance = 0.5 * 10 ** -decimals * (10_000 if m.group("wan") else 1)
    return BodyTotal(value, tolerance, m.start(), m.end())


def _get(obj, name: str):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def body_total(text: str, quota) -> BodyTotal | None:
    """The body's task total for a quota table (a `Quota` or its JSON dict), searched in the text
    before the table's first row, so a sentence on the line above the header counts too; the
    span is in `text` (what the warehouse keeps for the quota_vs_target view)."""
    rows = _get(quota, "rows") or []
    ev = _get(rows[0], "evidence") if rows else None
    ev = ev or _get(quota, "evidence")
    before = _get(ev, "start") if ev is not None else None
    return None if before is None else find_stated_total(text, before)


def task_column(columns, unit: str | None = None) -> str | None:
    """The column holding each area's task count, whatever the county heads it (the analysts'
    `quota_rows.tasks`): the first whose header names a task (任务数, 目标任务数, 2023年度参保任务数)
    and not its progress; else a 合计 column (随县: 特群免缴 + 其他居民 = 合计); else the only
    column. None for a table counting something other than persons (年度支付限额, 元)."""
    columns = list(columns or [])
    g = grammar()
    named = [c for c in columns if g["task"].search(c) and not g["not_task"].search(c)]
    if named:
        return named[0]
    if unit not in (None, "人", "万人"):
        return None
    total = [c for c in columns if c and TOTAL_COLUMN.match(c)]
    if total:
        return total[0]
    return columns[0] if len(columns) == 1 else None


def stated_column(quota: Quota) -> str | None:
    """The column the body's total speaks of: a 合计 column, else the one headed as the task
    (参保任务数, not 户籍人口数 beside it), else the only one; never a count of households (the
    body writes persons)."""
    g = grammar()
    cols = [c for c in quota.columns if not (c and g["household"].search(c))]
    task = g["task"]
    return (next((c for c in cols if c and TOTAL_COLUMN.match(c)), None)
            or next((c for c in reversed(cols) if task.search(c)), None)
            or (cols[0] if len(cols) == 1 or quota.total else None))


def check_stated(text: str, quota: Quota) -> list[Flag]:
    """quota_total_mismatch: the body's total (114.39万人) against the table's."""
    col = stated_column(quota)
    if quota.total and col in quota.total:
        table_total = quota.total[col]
    elif col:
        table_total = sum(r.values.get(col, 0) for r in quota.rows)
    else:
        table_total = None
    v = view(text)
    stated = find_stated_total(v.text, v.compact_pos(quota.evidence.start))
    if table_total is None or stated is None:
        return []
    value, tolerance = stated.value, stated.tolerance
    if math.isclose(value, table_total, abs_tol=tolerance + 1e-9):
        return []
    return [Flag(code="quota_total_mismatch", severity="warning", field="quota_table",
                 message=f"正文任务数 {value:g} 人 ≠ 任务表合计 {table_total} 人")]


MAX_TABLES = 20  # candidate tables read per notice (the dev notices hold at most 4)
YEAR = re.compile(r"(?<!\d)(20\d\d)年")


def table_rank(lines, table: Table, quota: Quota, policy_year: int | None, st) -> tuple:
    """How likely a parsed table is the quota (lower first): a table of last year's results
    (已参保人数, …完成情况表) after a task table; one naming only years other than the policy year
    after one naming it; one whose title and header name no quota word (参保, 任务…) after one
    that does; one in an attachment (or plan) before one in the body, where the notice's other
    tables sit."""
    g = grammar()
    header = " ".join(table.header)
    results = bool(g["results"].search(header) or g["results_title"].search(quota.title or ""))
    years = {int(y) for y in YEAR.findall(" ".join([quota.title or "", *quota.columns]))}
    other_year = bool(policy_year and years and policy_year not in years)
    part = st.part_at(lines[table.header_at][0]) if st is not None else None
    in_body = not (part is not None and part.kind in ("attachment", "plan"))
    unnamed = not g["quota_words"].search(" ".join([quota.title or "", header]))
    return results, other_year, unnamed, in_body


def pick_table(text: str, lines, tables: Iterator[Table], policy_year: int | None):
    """The quota among the notice's tables: every table that parses is ranked (table_rank), the
    first of the best kept; a table of another year's results is never the quota."""
    parsed = []
    for table in tables:
        p = parse_table(text, lines, table)
        if p:
            parsed.append((table, p))
            if len(parsed) >= MAX_TABLES:
                break
    if not parsed:
        return None
    st = structure.parse(text) if len(parsed) > 1 else None
    ranks = [table_rank(lines, t, p[0], policy_year, st) for t, p in parsed]
    best = min(range(len(parsed)), key=lambda i: (ranks[i], i))
    if ranks[best][0] and ranks[best][1]:
        return None  # last year's results (2025年度…完成情况) and nothing else: no quota table
    return parsed[best][1]


def extract(text: str, ctx: Context) -> dict:
    """The quota table on the canonical text (its cells are what they are); the body total it is
    checked against is read through the compact view (参保任 务91.8万人 after OCR)."""
    try:
        lines = lines_with_offsets(text)
        parsed = pick_table(text, lines, find_tables(lines), ctx.policy_year)
        if parsed:
            quota, flags = parsed
            ctx.flags.extend(flags + check_stated(text, quota))
            return dict(quota_table=quota)
        quota = quota_prose.find(text)  # no table: a list of areas' tasks in a sentence
        if quota is not None:
            ctx.flags.extend(check_sums(quota))
            return dict(quota_table=quota)
    except RESOURCE_ERRORS:  # a resource limit quarantines the document: never "nothing found"
        raise
    except Exception:  # extraction never raises on any text
        pass
    return dict(quota_table=None)
