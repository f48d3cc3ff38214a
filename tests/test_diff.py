"""Diff stage: field-aware comparison, renderers, CLI, warehouse `changes`, browser report."""
from __future__ import annotations

import copy
import json
import pathlib

import pytest

from conftest import CHROMIUM_ARGS, ROOT, SHARED, chromium_path
from noticeflow.diff.compare import compare
from noticeflow.diff.keys import clean_area, former_names, shift_date, township_key
from noticeflow.diff.matrix import matrix
from noticeflow.diff.report import redline, render_changes, render_matrix
from noticeflow.schemas.change import Change

SEED_2024 = ROOT / "corpus" / "003_aea4e45528ea7e5a.txt"
NOTICE_2025 = ROOT / "tests" / "fixtures" / "yangcheng_2025.txt"
SEEDS_2023 = [ROOT / "corpus" / f for f in (
    "000_beb0d831110dae00.txt", "001_51cdc3257ab5866f.txt", "002_a4d2f91ee57f3615.txt")]


def gold(name: str) -> dict:
    return json.loads((SHARED / "gold" / f"{name}.json").read_text(encoding="utf-8"))


# What tests/fixtures/yangcheng_2025.txt says, as edits of the 2024 gold (values only).
EDITS_2025 = {
    "title": "关于做好2025年度城乡居民基本医疗保险征缴工作的通知",
    "doc_number": "阳政办发〔2024〕58号",
    "policy_year": 2025,
    "issue_date": "2024-09-12",
    "print_date": "2024-09-12",
    "fees": {"individual": {"amount": 400}},
    "subsidy_tiers": {  # by first category
        "监测对象": {"subsidy_amount": 300},
        "返贫致贫人口": {"subsidy_amount": 360, "individual_amount": 40},
        "特困人员": {"subsidy_amount": 400},
        "低保对象": {"subsidy_percent": 70, "subsidy_amount": 280, "individual_amount": 120},
    },
    "periods": {"concentrated_collection": {"start": "2024-09-01", "end": "2024-12-20"}},
    "targets": {"参保率": {"percent": 98}},
    "quota_title": "2025年度阳城县城城乡居民医保参保任务表",
    "quota": {"凤城镇": 83500, "北留镇": 26000, "演礼镇": 11500, "蟒河镇": 18300},
    "quota_areas": {"西河乡": "西河镇", "蟒河镇": "蟒河镇(含原寺头乡)"},
    "quota_dropped": ["寺头乡"],
    "quota_total": 280255,
}

# The diff 2024 -> 2025 must list exactly these (field, kind, severity), and nothing else.
EXPECTED_2025 = [
    ("policy_year", "changed", "notice"),
    ("title", "changed", "info"),
    ("doc_number", "changed", "info"),
    ("issue_date", "changed", "info"),
    ("print_date", "changed", "info"),
    ("fees[individual].amount", "changed", "alert"),
    ("subsidy_tiers[监测对象].subsidy_amount", "changed", "notice"),
    ("subsidy_tiers[脱贫不稳定人口].subsidy_amount", "changed", "notice"),
    ("subsidy_tiers[边缘易致贫人口].subsidy_amount", "changed", "notice"),
    ("subsidy_tiers[突发严重困难人口].subsidy_amount", "changed", "notice"),
    ("subsidy_tiers[返贫致贫人口].subsidy_amount", "changed", "notice"),
    ("subsidy_tiers[返贫致贫人口].individual_amount", "changed", "alert"),
    ("subsidy_tiers[特困人员].subsidy_amount", "changed", "notice"),
    ("subsidy_tiers[孤儿].subsidy_amount", "changed", "notice"),
    ("subsidy_tiers[事实无人抚养儿童].subsidy_amount", "changed", "notice"),
    ("subsidy_tiers[低保对象].subsidy_amount", "changed", "alert"),
    ("subsidy_tiers[低保对象].subsidy_percent", "changed", "alert"),
    ("subsidy_tiers[低保对象].individual_amount", "changed", "alert"),
    ("periods[concentrated_collection].end", "changed", "alert"),
    ("targets[参保率].percent", "changed", "notice"),
    ("quota_table.title", "changed", "info"),
    ("quota_table[寺头乡].area", "changed", "notice"),
    ("quota_table[凤城镇].任务数", "changed", "notice"),
    ("quota_table[北留镇].任务数", "changed", "alert"),
    ("quota_table[演礼镇].任务数", "changed", "alert"),
    ("quota_table[西河乡].area", "changed", "info"),
    ("quota_table[蟒河镇].area", "changed", "info"),
    ("quota_table[蟒河镇].任务数", "changed", "alert"),
    ("quota_table.total.任务数", "changed", "notice"),
]

EXPECTED_MESSAGES = {
    "fees[individual].amount": "个人缴费标准由380元提高到400元（+20元，+5.3%）",
    "subsidy_tiers[低保对象].subsidy_percent": "低保对象资助比例由80%降低到70%（-10个百分点）",
    "periods[concentrated_collection].end": "集中征缴期截止日由2023年12月25日调整为2024年12月20日（提前5天）",
    "quota_table[寺头乡].area": "寺头乡并入蟒河镇（任务表写作“蟒河镇(含原寺头乡)”）",
    "quota_table[北留镇].任务数": "北留镇任务数由28164人减少到26000人（-2164人，-7.7%）",
}


def gold_2025() -> dict:
    e = EDITS_2025
    r = copy.deepcopy(gold("003_aea4e45528ea7e5a"))
    for key in ("title", "doc_number", "policy_year", "issue_date", "print_date"):
        r[key] = e[key]
    for fee in r["fees"]:
        fee.update(e["fees"].get(fee["kind"], {}))
    for tier in r["subsidy_tiers"]:
        tier.update(e["subsidy_tiers"].get(tier["categories"][0], {}))
    for p in r["periods"]:
        p.update(e["periods"].get(p["kind"], {}))
    for t in r["targets"]:
        if t["population"] is None:
            t.update(e["targets"].get(t["metric"], {}))
    q = r["quota_table"]
    q["title"], q["total"] = e["quota_title"], {"任务数": e["quota_total"]}
    q["rows"] = [row for row in q["rows"] if row["area"] not in e["quota_dropped"]]
    for row in q["rows"]:
        if row["area"] in e["quota"]:
            row["values"]["任务数"] = e["quota"][row["area"]]
        row["area"] = e["quota_areas"].get(row["area"], row["area"])
    return r


def triples(changes: list[Change]) -> list[tuple[str, str, str]]:
    return sorted((c.field, c.kind, c.severity) for c in changes)


def test_year_over_year_on_gold_values_lists_exactly_the_expected_changes() -> None:
    changes = compare(gold("003_aea4e45528ea7e5a"), gold_2025())
    assert triples(changes) == sorted(EXPECTED_2025)
    assert {c.scope for c in changes} == {"year_over_year"}
    by_field = {c.field: c for c in changes}
    for field, message in EXPECTED_MESSAGES.items():
        assert by_field[field].message == message
    fee = by_field["fees[individual].amount"]
    assert (fee.old, fee.new, fee.delta, fee.delta_percent) == (380, 400, 20, 5.3)
    end = by_field["periods[concentrated_collection].end"]
    assert (end.old, end.new, end.delta) == ("2023-12-25", "2024-12-20", -5)


@pytest.fixture(scope="module")
def extracted() -> dict[str, dict]:
    from noticeflow.flows.extract import extract_file

    files = {"2024": SEED_2024, "2025": NOTICE_2025, **{p.stem[:3]: p for p in SEEDS_2023}}
    return {k: extract_file(p).model_dump(mode="json") for k, p in files.items()}


def test_year_over_year_on_extracted_notices_lists_exactly_the_expected_changes(extracted) -> None:
    changes = compare(extracted["2024"], extracted["2025"])
    assert triples(changes) == sorted(EXPECTED_2025)
    by_field = {c.field: c for c in changes}
    for field, message in EXPECTED_MESSAGES.items():
        assert by_field[field].message == message
    fee = by_field["fees[individual].amount"]
    assert "380元" in fee.left_quote and "400元" in fee.right_quote
    quote_ok = [c for c in changes if c.field.startswith(("fees", "subsidy_tiers", "periods", "quota_table["))]
    assert all(c.left_quote and c.right_quote for c in quote_ok)


def test_record_with_itself_has_no_change(extracted) -> None:
    assert compare(extracted["2024"], extracted["2024"]) == []


# ---------------------------------------------------------------- keys


@pytest.mark.parametrize("a, b", [
    ("西河乡", "西河镇"), ("厉山镇（含经济开发区）", "厉山镇"), ("万和镇 (含太白顶景区)", "万和镇"),
    ("文峰 街道", "文峰街道办事处"), ("蟒河镇(含原寺头乡)", "蟒河镇"),
], ids=["xiang-to-zhen", "fullwidth-note", "space-and-note", "jiedao", "former-note"])
def test_township_keys_match(a: str, b: str) -> None:
    assert township_key(a) == township_key(b)


@pytest.mark.parametrize("a, b", [("城镇", "城乡"), ("东城街道", "西城街道"), ("龙潭镇", "龙泉镇")],
                         ids=["two-char-names-keep-suffix", "different-streets", "different-towns"])
def test_township_keys_differ(a: str, b: str) -> None:
    assert township_key(a) != township_key(b)


def test_former_names_and_clean_area() -> None:
    assert former_names("润城镇(含原东冶镇、原下交乡)", None) == ["东冶镇", "下交乡"]
    assert former_names("新城镇", "原寺头乡") == ["寺头乡"]
    assert former_names("凤城镇", None) == []
    assert clean_area(" 厉山镇（含经济开发区）") == "厉山镇"
    assert shift_date("2024-02-29", -1) == "2023-02-28"


# ---------------------------------------------------------------- comparison rules


def tier(label, categories, mode="fixed", subsidy=None, individual=None, percent=None) -> dict:
    return {"label": label, "categories": categories, "mode": mode, "subsidy_amount": subsidy,
            "subsidy_percent": percent, "individual_amount": individual, "floor_amount": None,
            "pay_first": False, "funding_source": None, "derived": []}


def base(**parts) -> dict:
    return {"region": {"county": "甲县"}, "policy_year": 2024, "fees": [], "subsidy_tiers": [],
            "periods": [], "departments": [], "targets": [], "quota_table": None, **parts}


def test_category_moving_between_tiers_is_one_change_not_removal_and_addition() -> None:
    left = base(subsidy_tiers=[tier("特困人员、孤儿", ["特困人员", "孤儿"], "full", 380, 0),
                               tier("低保对象", ["低保对象"], subsidy=300, individual=80)])
    right = base(subsidy_tiers=[tier("特困人员", ["特困人员"], "full", 380, 0),
                                tier("孤儿、事实无人抚养儿童", ["孤儿", "事实无人抚养儿童"], "full", 380, 0),
                                tier("低保对象", ["低保对象"], subsidy=300, individual=80)])
    assert triples(compare(left, right)) == sorted([
        ("subsidy_tiers[特困人员].label", "changed", "info"),
        ("subsidy_tiers[孤儿].label", "changed", "info"),
        ("subsidy_tiers[事实无人抚养儿童]", "added", "notice"),
    ])


def test_tier_order_does_not_matter_and_a_dropped_group_is_an_alert() -> None:
    a = [tier("低保对象", ["低保对象"], subsidy=300, individual=80), tier("重度残疾人", ["重度残疾人"], "full", 380, 0)]
    assert compare(base(subsidy_tiers=a), base(subsidy_tiers=a[::-1])) == []
    (change,) = compare(base(subsidy_tiers=a), base(subsidy_tiers=a[:1]))
    assert (change.field, change.kind, change.severity) == ("subsidy_tiers[重度残疾人]", "removed", "alert")
    assert change.message == "重度残疾人不再列入参保资助（原为全额资助，资助380元，个人缴纳0元）"


def quota(rows: dict[str, int], column: str = "任务数") -> dict:
    return {"title": None, "unit": "人", "columns": [column], "total": None,
            "rows": [{"seq": i, "area": a, "values": {column: v}, "note": None} for i, (a, v) in enumerate(rows.items(), 1)]}


def test_renamed_township_with_former_name_note_is_one_change() -> None:
    left = base(quota_table=quota({"凤城镇": 100, "寺头乡": 200}))
    right = base(quota_table=quota({"凤城镇": 100, "新城镇(原寺头乡)": 205}))
    changes = compare(left, right)
    assert triples(changes) == [("quota_table[寺头乡].area", "changed", "notice"),
                                ("quota_table[寺头乡].任务数", "changed", "notice")]
    assert changes[0].message == "寺头乡更名为新城镇"


def test_township_without_note_is_removed_and_added_and_threshold_decides_severity() -> None:
    left = base(quota_table=quota({"凤城镇": 1000, "寺头乡": 200, "北留镇": 1000}))
    right = base(quota_table=quota({"凤城镇": 1050, "新城镇": 200, "北留镇": 1051}))
    assert triples(compare(left, right)) == sorted([
        ("quota_table[凤城镇].任务数", "changed", "notice"),  # exactly 5%: not beyond
        ("quota_table[北留镇].任务数", "changed", "alert"),
        ("quota_table[寺头乡]", "removed", "alert"),
        ("quota_table[新城镇]", "added", "alert"),
    ])


def test_a_re_headed_single_column_is_still_the_same_column() -> None:
    left = base(quota_table=quota({"凤城镇": 100}, "任务数"))
    right = base(quota_table=quota({"凤城镇": 100}, "目标任务数"))
    assert triples(compare(left, right)) == [("quota_table.columns", "changed", "info")]


def test_collection_window_rules() -> None:
    def period(kind, start=None, end=None, **kw):
        return {"kind": kind, "start": start, "end": end, "day_from": None, "day_to": None, "applies_to": None, **kw}

    left = base(policy_year=2024, periods=[period("collection", "2023-09-01", "2023-12-31"),
                                            period("monthly_window", day_from=1, day_to=25)])
    same_next_year = base(policy_year=2025, periods=[period("collection", "2024-09-01", "2024-12-31"),
                                                      period("monthly_window", day_from=1, day_to=25)])
    policy_year_only = [c.field for c in compare(left, same_next_year)]
    assert policy_year_only == ["policy_year"]  # dates compared within the policy year
    longer = base(policy_year=2025, periods=[period("collection", "2024-09-01", "2025-01-31"),
                                              period("monthly_window", day_from=1, day_to=20)])
    got = {c.field: c.severity for c in compare(left, longer)}
    assert got == {"policy_year": "notice", "periods[collection].end": "notice",
                   "periods[monthly_window].day_to": "alert"}


def test_cross_county_skips_quota_and_wording() -> None:
    a, b = gold("000_beb0d831110dae00"), gold("001_51cdc3257ab5866f")
    changes = compare(a, b)
    assert {c.scope for c in changes} == {"cross_county"}
    assert not [c for c in changes if c.field.startswith("quota_table") or c.field.endswith(".label")]
    got = {c.field: (c.old, c.new, c.severity) for c in changes}
    assert got["subsidy_tiers[低保对象].subsidy_amount"] == (280, 320, "notice")
    assert got["subsidy_tiers[脱贫不稳定人口].individual_amount"] == (70, 175, "alert")
    assert got["subsidy_tiers[事实无人抚养儿童]"][2] == "alert"


# ---------------------------------------------------------------- matrix and renderers


def test_matrix_of_2023_gold_shows_categories_side_by_side_with_gaps() -> None:
    m = matrix([gold("000_beb0d831110dae00"), gold("001_51cdc3257ab5866f"), gold("002_a4d2f91ee57f3615")])
    assert m.counties == ("临猗县", "随县", "唐河县")
    rows = {r.field: r.values for r in m.rows}
    assert rows["fees[individual].amount"] == (350, 350, 350)
    assert rows["fees[fiscal_subsidy].amount"] == (None, None, 610)
    assert rows["subsidy_tiers[低保对象].subsidy_amount"] == (280, 320, 80)
    assert rows["subsidy_tiers[低保对象].individual_amount"] == (70, 30, 270)
    assert rows["subsidy_tiers[事实无人抚养儿童].subsidy_amount"] == (350, None, None)
    assert rows["subsidy_tiers[脱贫享受政策户].individual_amount"] == (None, None, 100)
    table = render_matrix(m, "table")
    assert "低保对象 资助金额" in table and "唐河县 2023" in table and "—" in table
    md = render_matrix(m, "md")
    assert "| 低保对象 资助金额 | 280 | 320 | 80 |" in md
    assert "| 事实无人抚养儿童 资助金额 | 350 | — | — |" in md


def test_redline_is_character_level_and_escaped() -> None:
    html = str(redline("个人缴费<b>380元", "个人缴费<b>400元"))
    assert html == "个人缴费&lt;b&gt;<del>380</del><ins>400</ins>元"
    assert str(redline("个人缴费标准", "个人缴纳标准")) == "个人缴<del>费</del><ins>纳</ins>标准"
    assert str(redline(None, "新增")) == "<ins>新增</ins>"


def test_renderers_agree_on_the_changes() -> None:
    left, right = gold("003_aea4e45528ea7e5a"), gold_2025()
    changes = compare(left, right)
    data = json.loads(render_changes(changes, "json"))
    assert [Change(**c) for c in data] == changes
    md = render_changes(changes, "md", left, right)
    assert "| 警示 | `fees[individual].amount` | 修改 | 380 | 400 | 个人缴费标准由380元提高到400元（+20元，+5.3%） |" in md
    table = render_changes(changes, "table", left, right)
    assert "fees[individual].amount" in table and f"共{len(EXPECTED_2025)}处变化" in table
    html = render_changes(changes, "html", left, right)
    assert html.count('class="change"') == len(EXPECTED_2025) and "<script" not in html


def test_html_escapes_notice_text() -> None:
    left = base(fees=[{"kind": "individual", "amount": 380, "evidence": {"start": 0, "end": 8, "quote": "<script>"}}])
    right = base(fees=[{"kind": "individual", "amount": 400, "evidence": {"start": 0, "end": 9, "quote": "<img 400>"}}])
    html = render_changes(compare(left, right), "html", left, right)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;img 400&gt;" in html


# ---------------------------------------------------------------- CLI


@pytest.fixture()
def cli():
    from typer.testing import CliRunner

    from noticeflow.flows.cli import app

    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_cli_diff_files_json(cli) -> None:
    res = cli("diff", SEED_2024, NOTICE_2025, "--format", "json")
    assert res.exit_code == 0, res.output
    assert triples([Change(**c) for c in json.loads(res.stdout)]) == sorted(EXPECTED_2025)


def test_cli_diff_html_to_file(cli, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "diff.html"
    res = cli("diff", SEED_2024, NOTICE_2025, "--format", "html", "--output", out)
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "<del>380</del><ins>400</ins>" in html and "<del>80</del><ins>70</ins>" in html


def test_cli_compare_2023_seeds(cli) -> None:
    res = cli("compare", "--year", "2023", *SEEDS_2023, SEED_2024, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["counties"] == ["临猗县", "随县", "唐河县"]
    rows = {r["field"]: r["values"] for r in data["rows"]}
    assert rows["subsidy_tiers[低保对象].subsidy_amount"] == {"临猗县": 280, "随县": 320, "唐河县": 80}
    assert rows["subsidy_tiers[低保对象].individual_amount"] == {"临猗县": 70, "随县": 30, "唐河县": 270}
    assert rows["subsidy_tiers[事实无人抚养儿童].subsidy_amount"] == {"临猗县": 350, "随县": None, "唐河县": None}


@pytest.mark.parametrize("args, message", [
    (("diff", "nope.txt", "nada.txt", "--db", "missing.duckdb"), "missing.duckdb: no warehouse here"),
    (("diff", "--county", "阳城县", "--from", "2024"), "--county needs --from YEAR and --to YEAR"),
    (("diff", SEED_2024, NOTICE_2025, "--format", "pdf"), "--format pdf: choose one of table, json, md, html"),
    (("compare",), "--year YEAR is needed"),
], ids=["unknown-ref", "county-without-years", "bad-format", "compare-without-year"])
def test_cli_errors_are_one_line(cli, args, message, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = cli(*args)
    assert res.exit_code == 2
    assert message in res.output and "Traceback" not in res.output


# ---------------------------------------------------------------- warehouse


def fake_record(values: dict, doc_id: str) -> dict:
    """A gold values-only dict in the record's JSON shape with a doc id (evidence omitted)."""
    r = {k: v for k, v in values.items() if k not in ("seed", "departments_scored", "expected_flags")}
    r["doc_id"] = doc_id
    r["policy_year"] = {"value": values["policy_year"], "evidence": None}
    return r


def test_load_changes_diffs_against_previous_year_and_is_idempotent(tmp_path) -> None:
    import duckdb

    from noticeflow.warehouse.changes import load_changes
    from noticeflow.warehouse.migrate import migrate

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    recs = {"a" * 64: fake_record(gold("003_aea4e45528ea7e5a"), "a" * 64),
            "b" * 64: fake_record(gold_2025(), "b" * 64)}
    for doc_id, r in recs.items():
        con.execute(
            "INSERT INTO records (doc_key, doc_id, extractor_version, county, policy_year, origin, is_current,"
            " path, n_flags, record) VALUES (?, ?, 'test', ?, ?, 'extracted', true, ?, 0, ?)",
            [doc_id[:8], doc_id, "阳城县", r["policy_year"]["value"], f"{doc_id[:4]}.txt", json.dumps(r, ensure_ascii=False)],
        )
    assert triples(load_changes(con, ["b" * 64])) == sorted(EXPECTED_2025)
    con.execute("DELETE FROM changes")
    first = load_changes(con, ["a" * 64])  # the 2024 notice arrives late: 2025's diff is refreshed
    assert triples(first) == sorted(EXPECTED_2025)
    table = con.execute("SELECT * FROM changes ORDER BY seq").fetchall()
    assert len(table) == len(EXPECTED_2025)
    load_changes(con, ["b" * 64])
    assert con.execute("SELECT * FROM changes ORDER BY seq").fetchall() == table
    row = con.execute("SELECT left_doc, right_doc, left_year, right_year, old_value, new_value, delta, severity"
                      " FROM changes WHERE field = 'fees[individual].amount'").fetchone()
    assert row == ("a" * 64, "b" * 64, 2024, 2025, "380", "400", 20.0, "alert")
    con.close()

    from typer.testing import CliRunner

    from noticeflow.flows.cli import app

    res = CliRunner().invoke(app, ["diff", "--county", "阳城县", "--from", "2024", "--to", "2025",
                                   "--db", str(tmp_path / "w.duckdb"), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)) == len(EXPECTED_2025)
    res = CliRunner().invoke(app, ["diff", "aaaaaaaa", "bbbbbbbb", "--db", str(tmp_path / "w.duckdb"), "--format", "md"])
    assert res.exit_code == 0 and "个人缴费标准由380元提高到400元" in res.stdout


# ---------------------------------------------------------------- browser


@pytest.mark.browser

def test_load_changes_gives_the_same_table_whatever_the_piece_size(tmp_path, monkeypatch) -> None:
    """The changes stage works a few counties at a time (a transaction and a spill file each):
    cutting the work into one-record pieces or one big piece must give the same rows."""
    import duckdb

    from noticeflow.warehouse import changes
    from noticeflow.warehouse.migrate import migrate

    seeds = sorted(f.stem for f in (SHARED / "gold").glob("*.json"))
    ids = []
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    for c, seed in enumerate(seeds[:3]):
        for y, year in enumerate((2023, 2024, 2025)):
            doc_id = f"{c}{y}".ljust(64, "0")
            r = fake_record(gold(seed), doc_id)
            r["policy_year"]["value"] = year
            for fee in r["fees"]:
                fee["amount"] = float(fee["amount"]) + 10 * y
            con.execute(
                "INSERT INTO records (doc_key, doc_id, extractor_version, county, policy_year, origin,"
                " is_current, path, n_flags, record) VALUES (?, ?, 'test', ?, ?, 'extracted', true, ?, 0, ?)",
                [doc_id, doc_id, f"县{c}", year, f"{doc_id[:2]}.txt", json.dumps(r, ensure_ascii=False)])
            ids.append(doc_id)
    # a current record of another county that no diff asks for: the plain scan must leave it out
    other = fake_record(gold(seeds[3]), "9" * 64)
    con.execute(
        "INSERT INTO records (doc_key, doc_id, extractor_version, county, policy_year, origin,"
        " is_current, path, n_flags, record) VALUES (?, ?, 'test', '县9', 2024, 'extracted', true, '99.txt', 0, ?)",
        ["9" * 64, "9" * 64, json.dumps(other, ensure_ascii=False)])
    dumps = []
    # records read one by one (POINT_READS), or spilled: many ids by one plain scan (JOIN_IDS 1),
    # few through a join; the same rows every way
    for size, point_reads, join_ids in ((1, 0, 10_000), (10_000, 0, 10_000), (10_000, 0, 1), (10_000, 10_000, 1)):
        monkeypatch.setattr(changes, "PIECE_DOCS", size)
        monkeypatch.setattr(changes, "POINT_READS", point_reads)
        monkeypatch.setattr(changes._Spill, "JOIN_IDS", join_ids)
        con.execute("DELETE FROM changes")
        con.execute("DELETE FROM changes_state")
        found = changes.load_changes(con, ids)
        rows = sorted(con.execute("SELECT * FROM changes").fetchall(), key=repr)
        state = sorted(d for (d,) in con.execute("SELECT doc_id FROM changes_state").fetchall())
        dumps.append((len(found), rows, state))
    assert dumps[0] == dumps[1] == dumps[2] == dumps[3]
    n_found, rows, state = dumps[0]
    assert state == sorted(ids) and n_found == len(rows) > 0
    # each county's 2024 and 2025 records were diffed against the year before, fees first
    assert {(r[1], r[4], r[5]) for r in rows} == {(f"县{c}", a, b) for c in range(3) for a, b in ((2023, 2024), (2024, 2025))}
    con.close()

def test_html_report_renders_in_chromium(tmp_path, extracted) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    left, right = extracted["2024"], extracted["2025"]
    changes = compare(left, right)
    page_file = tmp_path / "diff.html"
    page_file.write_text(render_changes(changes, "html", left, right), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(page_file.as_uri())
        assert page.locator(".change").count() == len(changes)
        assert page.locator(".change[data-severity=alert]").count() == sum(c.severity == "alert" for c in changes)
        fee = page.locator('.change[data-field="fees[individual].amount"]')
        assert fee.inner_text().count("个人缴费标准由380元提高到400元") == 1
        card = page.locator("section.card", has=fee)
        assert "380元" in card.locator(".clause.left").inner_text()
        assert "400元" in card.locator(".clause.right").inner_text()
        assert card.locator(".redline del").count() >= 1 and card.locator(".redline ins").count() >= 1
        page.screenshot(path=str(tmp_path / "diff_report.png"), full_page=False)
        browser.close()
    assert (tmp_path / "diff_report.png").stat().st_size > 10_000
