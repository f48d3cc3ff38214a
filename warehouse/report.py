"""The analyst report: one self-contained HTML page of charts over the warehouse.

`render(con, year, province)` reads the analyst views (one row set per notice), builds a
Vega-Lite spec per chart with its data inline, and inlines the vendored Vega, Vega-Lite and
vega-embed builds (warehouse/vendor/, fetched by scripts/vendor_vega.py), so the page needs no
network when it is opened, mailed or archived. Charts: the individual fee by county over the
years (line), the subsidy for each category across counties (heatmap), the collection windows
(calendar strip), the quota tables' totals against the body's targets; then the year's alerts
from the diff stage as a table.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import pathlib
from dataclasses import dataclass, field

from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = pathlib.Path(__file__).parent
VENDOR = HERE / "vendor"
SCRIPTS = ("vega", "vega-lite", "vega-embed")  # load order: vega-embed needs the other two
# Fonts with the Chinese glyphs, in order of preference (Linux, macOS, Windows).
FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
MAX_COLORED = 12  # counties drawn each in its own colour; past that, grey lines and the median
PERIOD_LABELS = {"collection": "缴费期", "concentrated_collection": "集中征缴期", "extension": "延长缴费期"}


class ReportError(ValueError):
    """Nothing to report: an empty warehouse, or no notice for the year or province asked."""


@dataclass
class Report:
    year: int
    province: str | None
    charts: dict[str, dict] = field(default_factory=dict)  # element id -> Vega-Lite spec
    alerts: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _rows(con, sql: str, args: list) -> list[dict]:
    cur = con.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _plain(v):
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    return v


def _where_province(province: str | None, col: str = "province") -> tuple[str, list]:
    return (f" AND {col} = ?", [province]) if province else ("", [])


def latest_year(con, province: str | None = None) -> int | None:
    where, args = _where_province(province)
    return con.execute(f"SELECT max(policy_year) FROM records WHERE is_current{where}", args).fetchall()[0][0]


def _base(title: str, data: list[dict], **spec) -> dict:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "title": title,
            "data": {"name": "table", "values": [{k: _plain(v) for k, v in r.items()} for r in data]},
            "config": {"font": FONT, "view": {"stroke": None}}, **spec}


def fee_chart(con, province: str | None, year: int) -> dict:
    """Individual fee per county over the policy years up to `year`."""
    where, args = _where_province(province)
    data = _rows(con, "SELECT province, county, policy_year, individual_fee FROM fee_by_county_year"
                      f" WHERE individual_fee IS NOT NULL AND policy_year <= ?{where}"
                      " ORDER BY county, policy_year", [year, *args])
    counties = {(r["province"], r["county"]) for r in data}
    x = {"field": "policy_year", "type": "ordinal", "title": "年度"}
    y = {"field": "individual_fee", "type": "quantitative", "title": "个人缴费（元/人·年）",
         "scale": {"zero": False}}
    tooltip = [{"field": "county", "title": "县"}, {"field": "policy_year", "title": "年度"},
               {"field": "individual_fee", "title": "个人缴费（元）"}]
    if len(counties) <= MAX_COLORED:
        color = {"field": "county", "type": "nominal", "title": "县"}
        spec = {"mark": {"type": "line", "point": True},
                "encoding": {"x": x, "y": y, "color": color, "tooltip": tooltip}}
    else:  # a line each in grey, the median across counties on top
        spec = {"layer": [
            {"mark": {"type": "line", "point": True, "color": "#9aa5b1", "opacity": 0.35},
             "encoding": {"x": x, "y": y, "detail": {"field": "county"}, "tooltip": tooltip}},
            {"mark": {"type": "line", "point": True, "color": "#c0392b", "strokeWidth": 3},
             "encoding": {"x": x, "y": {**y, "aggregate": "median"}}},
        ]}
    return _base("个人缴费标准（各县历年）", data, width=640, height=320, **spec)


def subsidy_chart(con, province: str | None, year: int) -> dict:
    """Assistance per population category (rows) and county (columns) in `year`."""
    where, args = _where_province(province)
    data = _rows(con, "SELECT category, county, mode, subsidy_amount, subsidy_percent, individual_amount"
                      f" FROM subsidy_by_category WHERE policy_year = ?{where} ORDER BY county, category",
                 [year, *args])
    for r in data:
        r["shown"] = "原政策" if r["mode"] == "unchanged" else (
            "" if r["subsidy_amount"] is None else f"{r['subsidy_amount']:g}")
    enc = {"x": {"field": "county", "type": "nominal", "title": "县", "axis": {"labelAngle": -45}},
           "y": {"field": "category", "type": "nominal", "title": "资助对象"}}
    tooltip = [{"field": "county", "title": "县"}, {"field": "category", "title": "资助对象"},
               {"field": "mode", "title": "资助方式"}, {"field": "subsidy_amount", "title": "资助（元）"},
               {"field": "subsidy_percent", "title": "资助比例（%）"},
               {"field": "individual_amount", "title": "个人负担（元）"}]
    return _base(f"{year}年度困难群众参保资助（元/人）", data, width={"step": 56}, height={"step": 24},
                 encoding=enc, layer=[
                     {"mark": {"type": "rect"},
                      "encoding": {"color": {"field": "subsidy_amount", "type": "quantitative",
                                             "title": "资助（元）", "scale": {"scheme": "blues"}},
                                   "tooltip": tooltip}},
                     {"mark": {"type": "text", "fontSize": 10},
                      "encoding": {"text": {"field": "shown"},
                                   "color": {"condition": {"test": "datum.subsidy_amount > 250", "value": "white"},
                                             "value": "black"}}},
                 ])


def calendar_chart(con, province: str | None, year: int) -> dict:
    """Collection windows of the year's notices, one strip per county."""
    where, args = _where_province(province)
    data = _rows(con, "SELECT county, kind, start_date, end_date FROM periods WHERE is_current"
                      " AND policy_year = ? AND kind IN ('collection', 'concentrated_collection', 'extension')"
                      f" AND start_date IS NOT NULL AND end_date IS NOT NULL{where} ORDER BY county, start_date",
                 [year, *args])
    for r in data:
        r["label"] = PERIOD_LABELS[r["kind"]]
        r["end_next"] = (r["end_date"] + _dt.timedelta(days=1)).isoformat()  # a bar covers its last day
    enc = {"y": {"field": "county", "type": "nominal", "title": "县"},
           "x": {"field": "start_date", "type": "temporal", "title": "日期", "axis": {"format": "%Y-%m-%d"}},
           "x2": {"field": "end_next"},
           "color": {"field": "label", "type": "nominal", "title": "时段",
                     "scale": {"domain": list(PERIOD_LABELS.values())}},
           "yOffset": {"field": "label"},
           "tooltip": [{"field": "county", "title": "县"}, {"field": "label", "title": "时段"},
                       {"field": "start_date", "title": "起", "type": "temporal", "format": "%Y-%m-%d"},
                       {"field": "end_date", "title": "止", "type": "temporal", "format": "%Y-%m-%d"}]}
    return _base(f"{year}年度缴费时段", data, width=640, height={"step": 30},
                 mark={"type": "bar", "cornerRadius": 2}, encoding=enc)


def quota_chart(con, province: str | None, year: int) -> dict:
    """Each quota table's task total (bar) against the total its body states (tick)."""
    where, args = _where_province(province)
    data = _rows(con, "SELECT county, tasks_column, table_tasks, body_target, agrees FROM quota_vs_target"
                      f" WHERE policy_year = ? AND table_tasks IS NOT NULL{where} ORDER BY county", [year, *args])
    tooltip = [{"field": "county", "title": "县"}, {"field": "tasks_column", "title": "任务列"},
               {"field": "table_tasks", "title": "任务表合计（人）", "format": ","},
               {"field": "body_target", "title": "正文目标（人）", "format": ","}]
    y = {"field": "county", "type": "nominal", "title": "县"}
    layers = [{"mark": {"type": "bar", "color": "#5b8ff9"},
               "encoding": {"y": y, "x": {"field": "table_tasks", "type": "quantitative", "title": "人"},
                            "tooltip": tooltip}}]
    if any(r["body_target"] is not None for r in data):  # an empty layer would give the scale no extent
        layers.append({"mark": {"type": "tick", "color": "#c0392b", "thickness": 3, "size": 22},
                       "transform": [{"filter": "datum.body_target != null"}],
                       "encoding": {"y": y, "x": {"field": "body_target", "type": "quantitative"},
                                    "tooltip": tooltip}})
    return _base(f"{year}年度征缴任务：任务表合计（蓝）与正文目标（红）", data, width=560,
                 height={"step": 26}, layer=layers)


def alerts(con, province: str | None, year: int) -> list[dict]:
    """The year's alerts from the diff stage (year over year), by county."""
    where, args = _where_province(province, "r.province")
    return _rows(con, "SELECT c.county, c.left_year, c.right_year, c.field, c.message, c.left_quote, c.right_quote"
                      " FROM changes c JOIN records r ON r.doc_id = c.right_doc AND r.is_current"
                      f" WHERE c.severity = 'alert' AND c.right_year = ?{where} ORDER BY c.county, c.seq",
                 [year, *args])


def build(con, year: int | None = None, province: str | None = None) -> Report:
    year = year or latest_year(con, province)
    if year is None:
        raise ReportError("the warehouse holds no notice" + (f" of {province}" if province else "")
                          + " (run `noticeflow ingest PATH` first)")
    where, args = _where_province(province)
    n = con.execute(f"SELECT count(*) FROM records WHERE is_current AND policy_year = ?{where}",
                    [year, *args]).fetchall()[0][0]
    if not n:
        raise ReportError(f"no notice of policy year {year}" + (f" in {province}" if province else ""))
    rep = Report(year=year, province=province)
    rep.charts = {"fees": fee_chart(con, province, year), "subsidies": subsidy_chart(con, province, year),
                  "calendar": calendar_chart(con, province, year), "quota": quota_chart(con, province, year)}
    rep.alerts = alerts(con, province, year)
    rep.counts = {"notices": n, **{k: len(s["data"]["values"]) for k, s in rep.charts.items()}}
    return rep


def _script_json(obj) -> str:
    """JSON safe inside a <script> element (no `</script>`, no HTML comment openers)."""
    return (json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


def vendored_scripts() -> list[str]:
    return [(VENDOR / f"{name}.min.js").read_text(encoding="utf-8") for name in SCRIPTS]


BOOT = """(function () {
  var specs = JSON.parse(document.getElementById('nf-specs').textContent);
  window.noticeflowViews = {};
  window.noticeflowReady = Promise.all(Object.keys(specs).map(function (id) {
    return vegaEmbed('#' + id, specs[id], {renderer: 'svg', actions: false}).then(function (r) {
      window.noticeflowViews[id] = r.view;
    });
  }));
})();"""


def html(rep: Report) -> str:
    """The page; `csp_hashes(page)` lists its inline scripts for a Content-Security-Policy."""
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True))
    return env.get_template("report.html").render(
        rep=rep, scripts=vendored_scripts(), boot=BOOT,
        specs=_script_json({k: spec for k, spec in rep.charts.items() if rep.counts.get(k)}),  # drawn ones
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def script_hashes() -> list[str]:
    """CSP source expressions of the page's inline scripts (the JSON data block is not run)."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
            for s in [*vendored_scripts(), BOOT]]


def render(con, year: int | None = None, province: str | None = None) -> str:
    return html(build(con, year, province))
