"""What changed between two policy records, keyed by meaning, not position.

`compare(left, right)` is pure: two records (`schemas.Record` or their JSON dicts, gold
values-only dicts included) in, a list of `schemas.change.Change` out. Elements are matched by
what they are (a fee by kind, a tier by canonical category, a period by kind and who it applies
to, a quota row by township), so reordering a notice changes nothing and a category moving
to another tier is a change of that category, never a removal plus an addition.

Dates are compared in the same frame: when the policy years differ, the later notice's dates
are moved back by the difference, so "9月1日至12月25日" in both years is no change.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Iterable

from noticeflow.schemas.change import Change, ChangeSeverity, Scalar, Scope

from noticeflow.diff.keys import chinese_date, clean_area, days_between, former_names, keyed, shift_date, township_key

FEE_LABELS = {"individual": "个人缴费标准", "fiscal_subsidy": "财政补助标准"}
PERIOD_LABELS = {
    "collection": "缴费期", "concentrated_collection": "集中征缴期", "monthly_window": "每月办理时段",
    "extension": "延长缴费期", "benefit": "待遇享受期", "suspension": "暂停缴费期", "deadline": "完成时限",
}
# Periods whose length is time people have to pay: shorter is an alert.
WINDOW_KINDS = {"collection", "concentrated_collection", "monthly_window", "extension", "deadline"}
MODE_LABELS = {"full": "全额资助", "fixed": "定额资助", "percent": "按比例资助", "unchanged": "继续执行原政策"}
TIER_ATTRS = (  # (attribute, label, unit) in report order
    ("mode", "资助方式", ""), ("subsidy_amount", "资助金额", "元"), ("subsidy_percent", "资助比例", "%"),
    ("individual_amount", "个人缴费", "元"), ("floor_amount", "保底资助", "元"),
    ("pay_first", "先缴后补", ""), ("funding_source", "资金来源", ""), ("label", "资助对象表述", ""),
)
META_TEXTS = (("title", "标题"), ("doc_number", "文号"), ("issuer", "发文机关"))
META_DATES = (("issue_date", "成文日期"), ("print_date", "印发日期"))


@dataclass(frozen=True)
class Settings:
    """Thresholds of the severity rules."""

    quota_alert_percent: float = 5.0  # a township's quota moving more than this is an alert


# ---------------------------------------------------------------- reading either shape


def as_dict(record: Any) -> dict:
    """A `Record` or its JSON dict (gold values-only dicts too) as a plain dict."""
    if hasattr(record, "model_dump"):
        return record.model_dump(mode="json")
    return dict(record or {})


def text_of(value: Any) -> str | None:
    """`{"value": ..., "evidence": ...}` or a bare value (gold files) -> the value."""
    if isinstance(value, dict):
        return value.get("value")
    return value


def quote_of(element: Any) -> str | None:
    if isinstance(element, dict) and isinstance(element.get("evidence"), dict):
        return element["evidence"].get("quote")
    return None


def doc_of(record: dict) -> str | None:
    return record.get("doc_id") or record.get("seed")


def county_of(record: dict) -> str | None:
    region = record.get("region") or {}
    return region.get("county") if isinstance(region, dict) else None


def year_of(record: dict) -> int | None:
    return text_of(record.get("policy_year"))


def infer_scope(left: dict, right: dict) -> Scope:
    """Two counties named and different: a cross-county comparison; otherwise year over year."""
    a, b = county_of(left), county_of(right)
    return "cross_county" if a and b and a != b else "year_over_year"


# ---------------------------------------------------------------- values and messages


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def tidy(v: float) -> int | float:
    return int(v) if float(v).is_integer() else round(v, 2)


def show(v: Scalar, unit: str = "") -> str:
    if v is None:
        return "未写明"
    if isinstance(v, bool):
        return "是" if v else "否"
    if is_number(v):
        return f"{tidy(v)}{unit}"
    return str(v)


def number_message(label: str, old: Any, new: Any, unit: str, up: str = "提高", down: str = "降低") -> str:
    """个人缴费标准由380元提高到400元（+20元，+5.3%）"""
    delta = tidy(new - old)
    verb = up if delta > 0 else down
    if unit == "%":  # a rate moves in percentage points; a relative percent would confuse
        return f"{label}由{show(old, unit)}{verb}到{show(new, unit)}（{delta:+}个百分点）"
    pct = f"，{delta / old * 100:+.1f}%" if old else ""
    return f"{label}由{show(old, unit)}{verb}到{show(new, unit)}（{delta:+}{unit}{pct}）"


def value_message(label: str, old: Scalar, new: Scalar, unit: str = "", up: str = "提高", down: str = "降低") -> str:
    if old is None:
        return f"新增{label}：{show(new, unit)}"
    if new is None:
        return f"不再写明{label}（原为{show(old, unit)}）"
    if is_number(old) and is_number(new):
        return number_message(label, old, new, unit, up, down)
    return f"{label}由“{show(old, unit)}”改为“{show(new, unit)}”"


def date_message(label: str, old: str | None, new: str | None, days: int | None) -> str:
    """集中征缴期截止日由2023年12月25日调整为2024年12月20日（提前5天）"""
    if old is None or new is None:
        return value_message(label, chinese_date(old) if old else None, chinese_date(new) if new else None)
    tail = f"（{'推迟' if days > 0 else '提前'}{abs(days)}天）" if days else ""
    return f"{label}由{chinese_date(old)}调整为{chinese_date(new)}{tail}"


# ---------------------------------------------------------------- the comparison

_FIGURES = re.compile(r"\d+(?:\.\d+)?")  # 2024, 97, 12.5 inside running text


@dataclass
class _Diff:
    """Collects changes for one pair; every family of fields adds to it through `emit`."""

    scope: Scope
    left: dict
    right: dict
    settings: Settings
    changes: list[Change] = dc_field(default_factory=list)

    def emit(self, path: str, old: Scalar, new: Scalar, severity: ChangeSeverity, message: str,
             left_quote: str | None = None, right_quote: str | None = None,
             delta: int | float | None = None) -> None:
        kind = "added" if old is None else "removed" if new is None else "changed"
        pct = None
        if delta is None and is_number(old) and is_number(new):
            delta = tidy(new - old)
            pct = round(delta / old * 100, 1) if old else None
        self.changes.append(Change(
            scope=self.scope, left_doc=doc_of(self.left), right_doc=doc_of(self.right), field=path,
            kind=kind, old=old, new=new, delta=delta, delta_percent=pct, severity=severity,
            message=message, left_quote=left_quote, right_quote=right_quote,
        ))

    # Dates of the later policy year move back into the earlier year's frame (symmetric).
    def frame(self, iso_left: str | None, iso_right: str | None) -> tuple[str | None, str | None]:
        ly, ry = year_of(self.left), year_of(self.right)
        if not (ly and ry) or ly == ry:
            return iso_left, iso_right
        if ry > ly:
            return iso_left, shift_date(iso_right, ly - ry)
        return shift_date(iso_left, ry - ly), iso_right


def paired(left: dict[str, Any], right: dict[str, Any]) -> Iterable[tuple[str, Any, Any]]:
    """Union of keys, left order first then right-only keys: (key, left item, right item)."""
    for k in list(left) + [k for k in right if k not in left]:
        yield k, left.get(k), right.get(k)


def compare_meta(d: _Diff) -> None:
    l, r = d.left, d.right
    ly, ry = year_of(l), year_of(r)
    if ly != ry:
        d.emit("policy_year", ly, ry, "notice",
               f"政策年度由{show(ly, '年度')}改为{show(ry, '年度')}" if ly and ry else value_message("政策年度", ly, ry, "年度"),
               quote_of(l.get("policy_year")), quote_of(r.get("policy_year")),
               delta=ry - ly if ly and ry else None)
    if d.scope != "year_over_year":
        return
    for name, label in META_TEXTS:
        a, b = text_of(l.get(name)), text_of(r.get(name))
        if a != b:
            d.emit(name, a, b, "info", value_message(label, a, b), quote_of(l.get(name)), quote_of(r.get(name)))
    for name, label in META_DATES:
        a, b = text_of(l.get(name)), text_of(r.get(name))
        fa, fb = d.frame(a, b)
        if fa != fb:
            delta = days_between(fa, fb)
            d.emit(name, a, b, "info", date_message(label, a, b, delta), quote_of(l.get(name)),
                   quote_of(r.get(name)), delta=delta)


def compare_fees(d: _Diff) -> None:
    left = keyed(d.left.get("fees") or [], lambda f: f.get("kind"))
    right = keyed(d.right.get("fees") or [], lambda f: f.get("kind"))
    for key, a, b in paired(left, right):
        label = FEE_LABELS.get(key.split("#")[0], key)
        qa, qb = quote_of(a), quote_of(b)
        if a is None or b is None:
            old, new = (a or {}).get("amount"), (b or {}).get("amount")
            d.emit(f"fees[{key}]", old, new, "notice", value_message(label, old, new, "元"), qa, qb)
            continue
        old, new = a.get("amount"), b.get("amount")
        if old != new:
            worse = (new > old) if key.startswith("individual") else (new < old)
            d.emit(f"fees[{key}].amount", old, new, "alert" if worse else "notice",
                   value_message(label, old, new, "元"), qa, qb)
        if a.get("qualifier", "exact") != b.get("qualifier", "exact"):
            words = {"exact": "为", "at_least": "不低于"}
            d.emit(f"fees[{key}].qualifier", a.get("qualifier"), b.get("qualifier"), "notice",
                   f"{label}由“{words.get(a.get('qualifier'), a.get('qualifier'))}”改为“{words.get(b.get('qualifier'), b.get('qualifier'))}”", qa, qb)
        if a.get("change") != b.get("change"):
            d.emit(f"fees[{key}].change", a.get("change"), b.get("change"), "info",
                   value_message(f"{label}较上年增幅", a.get("change"), b.get("change"), "元"), qa, qb)


def tier_entries(tiers: list[dict]) -> dict[str, dict]:
    """One entry per canonical category (a tier naming four groups gives four entries)."""
    flat = [(c, t) for t in tiers for c in (t.get("categories") or [t.get("label")])]
    return {k: t for k, (c, t) in keyed(flat, lambda e: e[0]).items()}


def tier_summary(t: dict) -> str:
    """按80%资助304元，个人缴纳76元"""
    mode = t.get("mode")
    parts = [MODE_LABELS.get(mode, str(mode))]
    if t.get("subsidy_percent") is not None and mode == "percent":
        parts[0] = f"按{show(t['subsidy_percent'], '%')}资助"
    if t.get("subsidy_amount") is not None:
        parts.append(f"资助{show(t['subsidy_amount'], '元')}")
    if t.get("individual_amount") is not None:
        parts.append(f"个人缴纳{show(t['individual_amount'], '元')}")
    return "，".join(parts)


def tier_severity(attr: str, old: Scalar, new: Scalar) -> ChangeSeverity:
    if attr == "label":
        return "info"
    if attr in ("subsidy_amount", "subsidy_percent", "floor_amount"):
        cut = old is not None and (new is None or (is_number(new) and new < old))
        return "alert" if cut else "notice"
    if attr == "individual_amount":
        return "alert" if is_number(old) and is_number(new) and new > old else "notice"
    if attr == "mode":
        return "alert" if old == "full" else "notice"
    return "notice"


def compare_tiers(d: _Diff) -> None:
    left, right = tier_entries(d.left.get("subsidy_tiers") or []), tier_entries(d.right.get("subsidy_tiers") or [])
    for key, a, b in paired(left, right):
        qa, qb = quote_of(a), quote_of(b)
        if a is None or b is None:
            old, new = (tier_summary(a) if a else None), (tier_summary(b) if b else None)
            sev: ChangeSeverity = "alert" if b is None else "notice"
            msg = f"新增{key}参保资助：{new}" if a is None else f"{key}不再列入参保资助（原为{old}）"
            d.emit(f"subsidy_tiers[{key}]", old, new, sev, msg, qa, qb)
            continue
        for attr, label, unit in TIER_ATTRS:
            if attr == "label" and d.scope == "cross_county":
                continue  # two counties word the same group differently: not a change
            old, new = a.get(attr), b.get(attr)
            if attr == "pay_first":
                old, new = bool(old), bool(new)
            if old == new:
                continue
            if attr == "mode":
                old_s, new_s = MODE_LABELS.get(old, old), MODE_LABELS.get(new, new)
                msg = f"{key}{label}由{old_s}改为{new_s}"
            else:
                msg = value_message(f"{key}{label}", old, new, unit)
            d.emit(f"subsidy_tiers[{key}].{attr}", old, new, tier_severity(attr, old, new), msg, qa, qb)


def period_key(p: dict) -> str:
    return p.get("kind") + (f":{p['applies_to']}" if p.get("applies_to") else "")


def period_text(p: dict) -> str:
    if p.get("day_from") or p.get("day_to"):
        return f"每月{p.get('day_from') or '?'}日至{p.get('day_to') or '?'}日"
    return f"{chinese_date(p.get('start')) if p.get('start') else ''}至{chinese_date(p.get('end')) if p.get('end') else ''}"


def window_shorter(d: _Diff, a: dict, b: dict) -> bool:
    """Less time to pay on the right: shorter span, or a boundary moved inward when a side is open."""
    if a.get("day_from") or a.get("day_to") or b.get("day_from") or b.get("day_to"):
        la = (a.get("day_to") or 31) - (a.get("day_from") or 1)
        lb = (b.get("day_to") or 31) - (b.get("day_from") or 1)
        return lb < la
    sa, sb = d.frame(a.get("start"), b.get("start"))
    ea, eb = d.frame(a.get("end"), b.get("end"))
    span_a, span_b = days_between(sa, ea), days_between(sb, eb)
    if span_a is not None and span_b is not None:
        return span_b < span_a
    later_start = bool(sa and sb and sb > sa)
    earlier_end = bool(ea and eb and eb < ea)
    return later_start or earlier_end


def compare_periods(d: _Diff) -> None:
    left = keyed(d.left.get("periods") or [], period_key)
    right = keyed(d.right.get("periods") or [], period_key)
    for key, a, b in paired(left, right):
        kind = key.split(":")[0].split("#")[0]
        label = PERIOD_LABELS.get(kind, kind) + (f"（{key.split(':', 1)[1]}）" if ":" in key else "")
        qa, qb = quote_of(a), quote_of(b)
        if a is None or b is None:
            old, new = (period_text(a) if a else None), (period_text(b) if b else None)
            d.emit(f"periods[{key}]", old, new, "notice", value_message(label, old, new), qa, qb)
            continue
        shorter = kind in WINDOW_KINDS and window_shorter(d, a, b)
        sev: ChangeSeverity = "alert" if shorter else "notice"
        for attr, name in (("start", "起始日"), ("end", "截止日")):
            old, new = a.get(attr), b.get(attr)
            fa, fb = d.frame(old, new)
            if fa == fb:
                continue
            delta = days_between(fa, fb)
            d.emit(f"periods[{key}].{attr}", old, new, sev, date_message(f"{label}{name}", old, new, delta),
                   qa, qb, delta=delta)
        for attr, name in (("day_from", "起始日"), ("day_to", "截止日")):
            old, new = a.get(attr), b.get(attr)
            if old != new:
                d.emit(f"periods[{key}].{attr}", old, new, sev,
                       value_message(f"{label}{name}", old, new, "日", "推后", "提前"), qa, qb)


def wording(text: str | None) -> str | None:
    """Text with its figures masked: a duty that only repeats this year's numbers is unchanged
    (the numbers themselves are compared where they belong: targets, fees, periods)."""
    return _FIGURES.sub("#", text) if text else text


def compare_departments(d: _Diff) -> None:
    left = keyed(d.left.get("departments") or [], lambda x: x.get("name"))
    right = keyed(d.right.get("departments") or [], lambda x: x.get("name"))
    for key, a, b in paired(left, right):
        qa, qb = quote_of(a), quote_of(b)
        if a is None or b is None:
            msg = f"新增{key}的职责" if a is None else f"不再给{key}分配职责"
            d.emit(f"departments[{key}]", key if a else None, key if b else None, "notice", msg, qa, qb)
            continue
        if a.get("level") != b.get("level"):
            d.emit(f"departments[{key}].level", a.get("level"), b.get("level"), "notice",
                   value_message(f"{key}层级", a.get("level"), b.get("level")), qa, qb)
        for attr, label in (("duties", "职责表述"), ("as_written", "写法")):
            if wording(a.get(attr)) != wording(b.get(attr)):
                d.emit(f"departments[{key}].{attr}", a.get(attr), b.get(attr), "info",
                       value_message(f"{key}{label}", a.get(attr), b.get(attr)), qa, qb)


def compare_targets(d: _Diff) -> None:
    def key(t: dict) -> str:
        return t.get("metric") + (f":{t['population']}" if t.get("population") else "")

    left = keyed(d.left.get("targets") or [], key)
    right = keyed(d.right.get("targets") or [], key)
    for k, a, b in paired(left, right):
        label = k.split("#")[0].replace(":", "（", 1) + ("）" if ":" in k else "") + "目标"
        old, new = (a or {}).get("percent"), (b or {}).get("percent")
        path = f"targets[{k}]" if a is None or b is None else f"targets[{k}].percent"
        if old != new:
            d.emit(path, old, new, "notice", value_message(label, old, new, "%"), quote_of(a), quote_of(b))


def row_label(row: dict) -> str:
    """Area as written plus its 备注: what a reader sees in the row."""
    area = "".join((row.get("area") or "").split())
    return area + (f"({row['note']})" if row.get("note") else "")


def compare_quota(d: _Diff) -> None:
    ta, tb = d.left.get("quota_table"), d.right.get("quota_table")
    if not ta and not tb:
        return
    if not ta or not tb:
        old = (ta or {}).get("title") or ("征缴任务表" if ta else None)
        new = (tb or {}).get("title") or ("征缴任务表" if tb else None)
        d.emit("quota_table", old, new, "notice", "新增征缴任务分解表" if tb else "不再附征缴任务分解表",
               quote_of(ta), quote_of(tb))
        return
    for attr, label in (("title", "任务表标题"), ("unit", "任务表单位")):
        if ta.get(attr) != tb.get(attr):
            d.emit(f"quota_table.{attr}", ta.get(attr), tb.get(attr), "info",
                   value_message(label, ta.get(attr), tb.get(attr)), quote_of(ta), quote_of(tb))
    unit = ta.get("unit") or tb.get("unit") or "人"
    cols_a, cols_b = list(ta.get("columns") or []), list(tb.get("columns") or [])
    rename: dict[str, str] = {}  # a lone column re-headed (任务数 -> 目标任务数) is still one column
    if len(cols_a) == 1 and len(cols_b) == 1 and cols_a != cols_b:
        rename = {cols_a[0]: min(cols_a + cols_b), cols_b[0]: min(cols_a + cols_b)}
        d.emit("quota_table.columns", cols_a[0], cols_b[0], "info",
               value_message("任务表列名", cols_a[0], cols_b[0]), quote_of(ta), quote_of(tb))

    def values(row: dict | None, name: str = "values") -> dict[str, int]:
        return {rename.get(c, c): v for c, v in ((row or {}).get(name) or {}).items()}

    def compare_values(path: str, va: dict, vb: dict, who: str, qa: str | None, qb: str | None) -> None:
        for col in list(va) + [c for c in vb if c not in va]:
            old, new = va.get(col), vb.get(col)
            if old == new:
                continue
            big = old is None or new is None or not old or abs(new - old) / old * 100 > d.settings.quota_alert_percent
            d.emit(f"{path}.{col}", old, new, "alert" if big else "notice",
                   value_message(f"{who}{col}", old, new, unit, "增加", "减少"), qa, qb)

    left = keyed(ta.get("rows") or [], lambda r: township_key(r.get("area") or ""))
    right = keyed(tb.get("rows") or [], lambda r: township_key(r.get("area") or ""))
    pairs: list[tuple[str, dict | None, dict | None]] = list(paired(left, right))
    lonely_left = {k for k, a, b in pairs if b is None}
    lonely_right = {k for k, a, b in pairs if a is None}
    handled: set[str] = set()

    # A row written as 蟒河镇(含原寺头乡) explains where 寺头乡 went: one change, not a removal.
    # Candidates from both sides are taken in the order of the former names, so that comparing
    # B with A names the same changes as A with B (two rows may each name the other's township).
    candidates = sorted(
        ((clean_area(former), here_is_right, k_here, row, township_key(former))
         for rows_here, here_is_right in ((right, True), (left, False))
         for k_here, row in rows_here.items()
         for former in former_names(row.get("area"), row.get("note"))),
        key=lambda c: (c[0], row_label(c[3])))
    for name, here_is_right, k_here, row, k_there in candidates:
        lonely_there = lonely_left if here_is_right else lonely_right
        if k_there not in lonely_there or k_there in handled:
            continue
        there = (left if here_is_right else right)[k_there]
        a, b = (there, row) if here_is_right else (row, there)
        lonely_pair = k_here in (lonely_right if here_is_right else lonely_left)
        handled.add(k_there)
        if lonely_pair:  # a rename: the old and new rows are the same township
            handled.add(k_here)
            verb = "更名为" if here_is_right else "由"
            msg = (f"{name}{verb}{clean_area(b['area'])}" if here_is_right
                   else f"{clean_area(b['area'])}{verb}{clean_area(a['area'])}复名")
            d.emit(f"quota_table[{name}].area", row_label(a), row_label(b), "notice", msg,
                   quote_of(a), quote_of(b))
            compare_values(f"quota_table[{name}]", values(a), values(b), name, quote_of(a), quote_of(b))
        else:  # a merge into (or split out of) a township present on both sides
            msg = (f"{name}并入{clean_area(b['area'])}（任务表写作“{row_label(b)}”）" if here_is_right
                   else f"{clean_area(b['area'])}从{clean_area(a['area'])}分设（原写作“{row_label(a)}”）")
            d.emit(f"quota_table[{name}].area", row_label(a), row_label(b), "notice", msg,
                   quote_of(a), quote_of(b))

    for key, a, b in pairs:
        if key in handled:
            continue
        qa, qb = quote_of(a), quote_of(b)
        if a is None or b is None:
            row = a or b
            name = clean_area(row.get("area") or key)
            first = next(iter(values(row).values()), None)
            first = row_label(row) if first is None else first
            old, new = (first, None) if b is None else (None, first)
            msg = f"新增{name}征缴任务（{show(new, unit)}）" if a is None else f"删除{name}征缴任务（原{show(old, unit)}）"
            d.emit(f"quota_table[{name}]", old, new, "alert", msg, qa, qb)
            continue
        name = min(clean_area(a.get("area") or key), clean_area(b.get("area") or key))
        if row_label(a) != row_label(b):
            d.emit(f"quota_table[{name}].area", row_label(a), row_label(b), "info",
                   value_message(f"{name}名称", row_label(a), row_label(b)), qa, qb)
        compare_values(f"quota_table[{name}]", values(a), values(b), name, qa, qb)
    compare_values("quota_table.total", values(ta, "total"), values(tb, "total"), "合计",
                   quote_of(ta), quote_of(tb))


FAMILIES: dict[str, Callable[[_Diff], None]] = {
    "meta": compare_meta, "fees": compare_fees, "subsidy_tiers": compare_tiers,
    "periods": compare_periods, "departments": compare_departments, "targets": compare_targets,
    "quota_table": compare_quota,
}
# Across counties the quota table and the document's own title/number/dates are not comparable.
CROSS_COUNTY_SKIP = {"quota_table"}


def compare(left: Any, right: Any, scope: Scope | None = None, settings: Settings = Settings()) -> list[Change]:
    """Changes from `left` (older / reference) to `right`, in contract field order."""
    a, b = as_dict(left), as_dict(right)
    d = _Diff(scope=scope or infer_scope(a, b), left=a, right=b, settings=settings)
    for family, run in FAMILIES.items():
        if d.scope == "cross_county" and family in CROSS_COUNTY_SKIP:
            continue
        run(d)
    return d.changes
