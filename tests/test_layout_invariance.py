"""Layout invariance (issue 9): a re-laid-out notice keeps >= 98% of its record's facts.

Every (transform, notice) pair over the seeds and tests/devcorpus/notices is one test. Pairs that
fail today are listed with their measured fraction in tests/cases/layout_xfail.yaml and run as
strict xfails: an extractor change that fixes a pair makes it XPASS, which fails, so the fix has
to take the pair off the list (`python scripts/layout_invariance.py --write-xfail`); a listed pair
that gets worse than recorded fails too.
The first tests check the transforms themselves: each must change only the layout.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest

import layout_measure as M
import layout_transforms as L

pytestmark = pytest.mark.skipif(not M.SCORE_PY.exists(), reason="../shared/tools/score.py not beside the repo")

NOTICES = M.notice_paths()
XFAIL = M.load_xfail()
SLACK = 0.01  # a listed pair may move this much below its recorded fraction before it counts as worse


class LayoutRegression(Exception):
    """A listed pair now keeps fewer facts than recorded: not the expected failure, a real one."""


def _params():
    out = []
    for name in L.TRANSFORMS:
        for path in NOTICES:
            marks = []
            known = XFAIL.get((name, path.stem))
            if known is not None:
                marks.append(pytest.mark.xfail(strict=True, raises=AssertionError,
                                               reason=f"kept {known:.1%} of facts when last measured"))
            out.append(pytest.param(name, path, id=f"{name}:{path.stem}", marks=marks))
    return out


@pytest.mark.parametrize("transform,path", _params())
def test_layout_keeps_facts(transform, path) -> None:
    out = M.measure(transform, path)
    lost = sorted(out.missing.elements())[:8]
    made = sorted(out.extra.elements())[:5]
    known = XFAIL.get((transform, path.stem))
    if known is not None and out.fraction < known - SLACK:
        raise LayoutRegression(f"{transform} on {path.name}: kept {out.fraction:.1%}, recorded {known:.1%}; lost {lost}")
    assert out.fraction >= M.THRESHOLD, (
        f"{transform} on {path.name}: kept {out.kept}/{out.total} facts ({out.fraction:.1%}); "
        f"lost {lost}; extra {sum(out.extra.values())} {made}")


def test_xfail_list_names_real_pairs() -> None:
    """A stale entry (a notice renamed, a transform dropped) would silently xfail nothing."""
    stems = {p.stem for p in NOTICES}
    stale = [k for k in XFAIL if k[0] not in L.TRANSFORMS or k[1] not in stems]
    assert not stale, stale


# ---- the transforms change layout only -------------------------------------------------------

def _sample() -> list[str]:
    return [M.raw_text(p) for p in NOTICES]


def _unlaid(s: str) -> str:
    """Text with layout gone: no whitespace, no markup, widths folded."""
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"[\s*#|]|:?-{3,}:?", "", s)


@pytest.mark.parametrize("name", ["hard_wrap", "ocr_spaces", "fullwidth_digits", "tables_as_spaces",
                                  "tables_as_pipes", "tables_as_tabs", "double_spaced", "no_blank_lines", "first_line_indent"])
def test_transform_keeps_every_character(name) -> None:
    for text in _sample():
        assert _unlaid(L.TRANSFORMS[name](text)) == _unlaid(text)


@pytest.mark.parametrize("name", list(L.TRANSFORMS))
def test_transform_is_deterministic_and_changes_something(name) -> None:
    texts = _sample()
    changed = 0
    for text in texts:
        once = L.TRANSFORMS[name](text)
        assert once == L.TRANSFORMS[name](text)
        changed += once != text
    # tables_as_tabs only rewrites pipe tables, which few notices have; the other table
    # transforms must rewrite every notice that has a table
    with_tables = sum(any(L.is_table_row(ln) and "|" not in ln for ln in t.split("\n")) for t in texts)
    # the table-structure transforms rewrite a table with a 合计 row under its figures, with counts
    # of four digits, or with six rows and more: most tables, not all
    # ...and total_row_first only a table that has a 合计 row (a tier table has none)
    with_totals = sum(any(L.is_table_row(ln) and "|" not in ln and L._total_row([L.table_cells(ln)]) is not None
                          for ln in t.split("\n")) for t in texts)
    # ...and thousands_separators only a table with a whole count of four digits in a cell (a
    # leadership or duty table has none: 197, 198)
    with_counts = sum(any(L.is_table_row(ln) and "|" not in ln and L._WHOLE_COUNT.search(ln)
                          for ln in t.split("\n")) for t in texts)
    need = {"tables_as_tabs": 1, "tables_as_pipes": with_tables, "tables_as_spaces": with_tables,
            "total_row_first": with_totals * 3 // 4,
            "thousands_separators": with_counts * 3 // 4,
            "table_over_two_pages": with_tables * 3 // 4}.get(name, len(texts) // 2)
    assert changed >= need, f"{name} left {len(texts) - changed} of {len(texts)} notices as they were"


def test_table_structure_transforms_move_and_write_only_what_they_say() -> None:
    """total_row_first keeps every line (reordered); thousands_separators adds commas only; a table
    over two pages keeps every line and adds the folio and the repeated header rows."""
    for text in _sample():
        assert sorted(L.total_row_first(text).split("\n")) == sorted(text.split("\n"))
        assert L.thousands_separators(text).replace(",", "") == text.replace(",", "")
        paged = L.table_over_two_pages(text).split("\n")
        extra = Counter(paged) - Counter(text.split("\n"))
        assert not Counter(text.split("\n")) - Counter(paged)
        assert set(extra) <= {"", "— 2 —"} | {ln for ln in text.split("\n") if L.is_table_row(ln)}


def test_hard_wrap_width_and_table_rows() -> None:
    for text in _sample():
        lines = text.split("\n")
        runs = L.typed_runs(lines)
        rows = [ln for i, ln in enumerate(lines) if L.is_table_row(ln) or L.is_typed_row(ln) or i in runs]
        wrapped = L.hard_wrap(text).split("\n")
        assert all(r in wrapped for r in rows), "a table row was wrapped"
        whole = set(rows)
        prose = [ln for ln in wrapped if not (L.is_table_row(ln) or L.is_typed_row(ln) or ln in whole)]
        assert max(L._width(ln) for ln in prose) <= 60  # 30 Han characters


def test_ocr_spaces_fall_between_han_only() -> None:
    text = M.raw_text(NOTICES[0])
    spaced = L.ocr_spaces(text)
    assert spaced.replace(" ", "") == text.replace(" ", "")
    added = len(spaced) - len(text)
    han_pairs = sum(1 for a, b in zip(text, text[1:]) if L._HAN.match(a) and L._HAN.match(b))
    assert 0.01 * han_pairs < added < 0.08 * han_pairs


def test_page_breaks_number_pages_and_repeat_the_header() -> None:
    for path in NOTICES:
        text = M.raw_text(path)
        if re.search(r"^— \d+ —$", text, re.M):  # a PDF's text layer with its own folios (52)
            continue
        paged = [ln for ln in L.page_breaks(text).split("\n") if ln.strip()]
        folios = [i for i, ln in enumerate(paged) if re.fullmatch(r"— \d+ —", ln)]
        assert [paged[i] for i in folios] == [f"— {n} —" for n in range(1, len(folios) + 1)]
        assert len(folios) >= len(text.split("\n")) // 45
        headers = {i + 1 for i in folios[:-1]}  # the line after a folio is the next page's header
        assert {paged[i] for i in headers} <= {L.running_header(text), *(paged[i] for i in headers)}
        body = [ln for i, ln in enumerate(paged) if i not in headers and i not in folios]
        assert body == [ln for ln in text.split("\n") if ln.strip()], path.name


def test_list_markers_rotate_consistently() -> None:
    sample = "一、征缴时间\n（一）缴费标准\n1.特困人员全额资助\n对第（二）项人员\n1\t猗氏镇\t34447\n"
    once = L.list_markers(sample)
    assert once == "1.征缴时间\n一、缴费标准\n（一）特困人员全额资助\n对第（二）项人员\n1\t猗氏镇\t34447\n"
    # `1、` and `1．` come back as `1.` (how the rotation writes an Arabic marker; 208 types `1、`)
    def marker_form(s: str) -> str:
        return re.sub(r"(?m)^([ \t\u3000]*\d{1,2})[、．.](?!\d)", r"\1.", s)
    for text in _sample():
        assert marker_form(L.list_markers(L.list_markers(L.list_markers(text)))) == marker_form(text)


def test_numerals_round_trip() -> None:
    assert [L.int_to_cn(n) for n in (1, 10, 11, 20, 23)] == ["一", "十", "十一", "二十", "二十三"]
    assert all(L.cn_to_int(L.int_to_cn(n)) == n for n in range(1, 100))


def test_markdown_remnants_mark_headings_bold_and_pipes() -> None:
    text = "关于做好2024年度城乡居民基本医疗保险征缴工作的通知\n\n一、缴费标准\n\n个人缴费380元。\n\n序号\t乡镇\t任务数\n1\t凤城镇\t82089\n"
    md = L.markdown_remnants(text)
    assert md.startswith("## 关于做好")
    assert "### 一、缴费标准" in md
    assert "| 序号 | 乡镇 | 任务数 |\n| --- | --- | --- |\n| 1 | 凤城镇 | 82089 |" in md
    assert _unlaid(md) == _unlaid(text)
