"""The review workspace: a FastAPI app with server-rendered pages over the warehouse.

Reads the as-extracted records the loader passed to `warehouse.corrections.effective_record`,
shows each with the corrections log applied, and appends one correction row per changed field
(never a read-modify-write of a whole record). One short-lived DuckDB connection per request,
so `noticeflow ingest` can run against the same file while the server is up.
"""
from __future__ import annotations

import contextlib
import pathlib
import re
import time
from collections import Counter
from typing import Any
from html import escape as html_escape
from urllib.parse import quote as urlquote

import duckdb
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from noticeflow.review.security import SESSION_COOKIE, Security, clean_reviewer, csrf_ok, same_origin
from noticeflow.schemas import Record, iter_evidence
from noticeflow.warehouse import corrections as log

HERE = pathlib.Path(__file__).parent
LIST_SEP = re.compile(r"[,，、;；\s]+")

# The record form, grouped by the contract's sections: (path or list, title, fields).
# A field is (name, label, kind[, options]); kinds: text, num, date, select, bool, list, area.
DOCUMENT = [("title.value", "Title", "text"), ("doc_number.value", "Doc number", "text"),
            ("issuer.value", "Issuer", "text"), ("policy_year.value", "Policy year", "num"),
            ("issue_date.value", "Issue date", "date"), ("print_date.value", "Print date", "date")]
REGION = [("region.province", "Province", "text"), ("region.city", "City", "text"),
          ("region.county", "County", "text"), ("region.adcode", "Adcode", "text")]
LISTS = [
    ("cited_documents", "Cited documents", [("doc_number", "Doc number", "text"), ("title", "Title", "text")]),
    ("fees", "Fees", [("kind", "Kind", "select", ["individual", "fiscal_subsidy"]),
                      ("amount", "Amount (yuan)", "num"),
                      ("qualifier", "Qualifier", "select", ["exact", "at_least"]),
                      ("change", "Change (yuan)", "num")]),
    ("subsidy_tiers", "Subsidy tiers", [
        ("label", "Label", "text"), ("categories", "Categories", "list"),
        ("mode", "Mode", "select", ["full", "fixed", "percent", "unchanged"]),
        ("subsidy_amount", "Subsidy", "num"), ("subsidy_percent", "Subsidy %", "num"),
        ("individual_amount", "Individual", "num"), ("floor_amount", "Floor", "num"),
        ("pay_first", "Pay first", "bool"), ("funding_source", "Funding source", "text"),
        ("derived", "Derived", "list")]),
    ("periods", "Periods", [
        ("kind", "Kind", "select", ["collection", "concentrated_collection", "monthly_window",
                                    "extension", "benefit", "suspension", "deadline"]),
        ("start", "Start", "date"), ("end", "End", "date"), ("day_from", "Day from", "num"),
        ("day_to", "Day to", "num"), ("applies_to", "Applies to", "text")]),
    ("departments", "Departments", [("name", "Name", "text"), ("as_written", "As written", "text"),
                                    ("level", "Level", "select", ["county", "township"]),
                                    ("duties", "Duties", "area")]),
    ("leadership", "Leadership", [("role", "Role", "text"), ("name", "Name", "text"),
                                  ("title", "Title", "text")]),
    ("targets", "Targets", [("metric", "Metric", "text"), ("population", "Population", "text"),
                            ("percent", "Percent", "num")]),
]
LIST_FIELDS = {name: fields for name, _, fields in LISTS}
WRAPPER_KIND = {"title": "text", "doc_number": "text", "issuer": "text", "policy_year": "num",
                "issue_date": "date", "print_date": "date"}
QUOTA_FIELDS = [("quota_table.title", "Table title", "text"), ("quota_table.unit", "Unit", "text"),
                ("quota_table.columns", "Columns", "list")]


def create_app(db: str | pathlib.Path, security: Security | None = None) -> FastAPI:
    """The review app over warehouse file `db`."""
    security = security or Security.for_bind("127.0.0.1")
    app = FastAPI(title="noticeflow review", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True  # every template, whatever its suffix
    templates.env.filters["shown"] = shown
    templates.env.filters["q"] = lambda s: urlquote(str(s), safe="")
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.state.db, app.state.security = str(db), security

    @app.middleware("http")
    async def sessions(request: Request, call_next):
        sid, sess = security.session(request.cookies.get(SESSION_COOKIE))
        request.state.session = sess
        if not sess.authenticated:
            bearer = request.headers.get("authorization", "")
            token = bearer[7:] if bearer.lower().startswith("bearer ") else None
            if not security.login(sess, token) and request.url.path not in ("/login",) \
                    and not request.url.path.startswith("/static/"):
                response = templates.TemplateResponse(request, "login.html", {"error": None}, status_code=401)
                return _finish(response, sid)
        if request.method == "POST":
            if not same_origin(request.headers, request.url.scheme, request.headers.get("host")):
                return _finish(Response("cross-site request refused", status_code=403), sid)
        return _finish(await call_next(request), sid)

    async def checked_form(request: Request):
        """The posted form, after checking its CSRF token against the session's."""
        form = await request.form()
        if not csrf_ok(request.state.session, form.get("csrf")):
            raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
        return form

    def page(request: Request, name: str, ctx: dict, status: int = 200):
        sess = request.state.session
        base = {"csrf": sess.csrf, "reviewer": sess.reviewer, "named_by_token": security.needs_token}
        return templates.TemplateResponse(request, name, {**base, **ctx}, status_code=status)

    # ------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse)
    def notice_list(request: Request, flag: str = "", county: str = "", status: str = ""):
        with connect(app.state.db) as con:
            rows = overview(con)
        counties = sorted({r["county"] for r in rows if r["county"]})
        flag_codes = sorted({c for r in rows for c in r["flags"]})
        shown_rows = [r for r in rows if (not flag or flag in r["flags"])
                      and (not county or r["county"] == county) and (not status or r["status"] == status)]
        return page(request, "list.html", {
            "rows": shown_rows, "total": len(rows), "counties": counties, "flag_codes": flag_codes,
            "f": {"flag": flag, "county": county, "status": status},
            "queue": sum(r["needs_review"] for r in rows)})

    @app.get("/notice", response_class=HTMLResponse)
    def notice_page(request: Request, key: str):
        return render_notice(request, key)

    def render_notice(request: Request, key: str, error: str | None = None, error_path: str | None = None,
                      status: int = 200):
        with connect(app.state.db) as con:
            extracted = log.extraction(con, key)
            if extracted is None:
                return page(request, "missing.html", {"key": key}, status=404)
            cs = log.load(con, key)
            st = log.statuses(con).get(key, {"status": "unreviewed"})
        applied = log.apply_corrections(extracted, cs)
        ctx = notice_view(key, applied, cs)
        ctx.update(error=error, error_path=error_path, status=st)
        return page(request, "notice.html", ctx, status=status)

    @app.get("/report", response_class=HTMLResponse)
    def analyst_report(year: int | None = None, province: str = ""):
        """The analyst report (`noticeflow report`) of the warehouse as it is now."""
        from noticeflow.warehouse import report

        with connect(app.state.db) as con:
            try:
                page_html = report.render(con, year, province or None)
            except report.ReportError as e:
                return HTMLResponse(f"<p>{html_escape(str(e))}</p>", status_code=404)
        # Its scripts are inline (the page is meant to be mailed): allowed by hash; Vega
        # compiles its expressions with Function, hence 'unsafe-eval' on this page only.
        csp = (f"default-src 'none'; script-src {' '.join(report.script_hashes())} 'unsafe-eval'; "
               "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'")
        return HTMLResponse(page_html, headers={"Content-Security-Policy": csp})

    @app.get("/queue", response_class=HTMLResponse)
    def queue(request: Request):
        with connect(app.state.db) as con:
            items = []
            for key, extracted in log.extractions(con).items():
                for o in log.apply_corrections(extracted, log.load(con, key)).needs_review:
                    items.append({"key": key, "title": _title(extracted), "o": o})
        return page(request, "queue.html", {"items": items})

    @app.get("/api/notice")
    def notice_json(key: str):
        with connect(app.state.db) as con:
            extracted = log.extraction(con, key)
            if extracted is None:
                return JSONResponse({"error": "no such notice"}, status_code=404)
            cs = log.load(con, key)
        applied = log.apply_corrections(extracted, cs)
        return {"record": applied.record, "corrected_paths": sorted(applied.corrected_paths),
                "corrections": [dict(o.correction.as_json(), status=o.status, problem=o.problem)
                                for o in applied.outcomes]}

    # ------------------------------------------------------------ writes

    @app.post("/notice/save")
    async def save(request: Request):
        form = await checked_form(request)
        key, prefix = str(form.get("key", "")), str(form.get("prefix", ""))
        changes = []
        for name, raw in form.multi_items():
            if not name.startswith("f:"):
                continue
            field = name[2:]
            if str(raw) == str(form.get("o:" + field, "")):
                continue  # untouched: only what this reviewer changed is written
            kind = str(form.get("k:" + field, "text"))
            path = f"{prefix}.{field}" if prefix else field
            changes.append(("set", path, coerce(kind, str(raw)), None))
        return await write(request, key, changes, form, anchor=prefix or "doc")

    @app.post("/notice/delete")
    async def delete(request: Request):
        form = await checked_form(request)
        path = str(form.get("path", ""))
        return await write(request, str(form.get("key", "")), [("delete", path, None, None)], form,
                           anchor=path.rsplit("[", 1)[0])

    @app.post("/notice/add")
    async def add(request: Request):
        form = await checked_form(request)
        key, section = str(form.get("key", "")), str(form.get("section", ""))
        try:
            span = (int(form.get("start", "")), int(form.get("end", "")))
        except ValueError:
            return await run_in_threadpool(render_notice, request, key, "select the passage in the text first",
                                           section, 422)
        if section in WRAPPER_KIND:
            value = coerce(WRAPPER_KIND[section], str(form.get(f"a:{section}:value", "")))
        elif section in LIST_FIELDS:
            value = {f[0]: coerce(f[2], str(form.get(f"a:{section}:{f[0]}", "")))
                     for f in LIST_FIELDS[section]}
            value = {k: v for k, v in value.items() if v is not None}
        else:
            return await run_in_threadpool(render_notice, request, key, f"cannot add to {section!r}", None, 422)
        quote = form.get("quote")
        changes = [("add", section, value, span)]
        return await write(request, key, changes, form, anchor=section, quote=quote)

    @app.post("/notice/status")
    async def set_status(request: Request):
        form = await checked_form(request)
        key, status = str(form.get("key", "")), str(form.get("status", ""))
        sess = request.state.session

        def run():
            with connect(app.state.db) as con:
                extracted = log.extraction(con, key)
                if extracted is None:
                    return Response("no such notice", status_code=404)
                log.set_status(con, key, extracted.get("doc_id"), status, sess.reviewer)
            return RedirectResponse(f"/notice?key={urlquote(key, safe='')}", status_code=303)
        try:
            return await run_in_threadpool(run)
        except log.CorrectionError as e:
            return Response(str(e), status_code=422)

    @app.post("/corrections/resolve")
    async def resolve(request: Request):
        form = await checked_form(request)
        action, back = str(form.get("action", "")), str(form.get("back", "/queue"))
        sess = request.state.session
        try:
            cid = int(form.get("id", ""))
        except ValueError:
            return Response("bad correction id", status_code=422)

        def run():
            with connect(app.state.db) as con:
                if action == "dismiss":
                    log.dismiss(con, cid, sess.reviewer, str(form.get("reason", "")) or None)
                elif action == "reapply":
                    c = next((c for c in log.load(con) if c.id == cid), None)
                    if c is None:
                        raise log.CorrectionError(f"no correction {cid}")
                    log.reapply(con, cid, log.extraction(con, c.notice_key) or {}, sess.reviewer)
                    log.refresh(con, c.notice_key)
                else:
                    raise log.CorrectionError(f"unknown action {action!r}")
        try:
            await run_in_threadpool(run)
        except log.CorrectionError as e:
            return Response(f"cannot resolve: {e}", status_code=422)
        return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/queue",
                                status_code=303)

    async def write(request: Request, key: str, changes: list, form, anchor: str, quote: Any = None):
        sess = request.state.session
        reason = str(form.get("reason", "")).strip()[:500] or None

        def run():
            with connect(app.state.db) as con:
                extracted = log.extraction(con, key)
                if extracted is None:
                    return Response("no such notice", status_code=404)
                if quote is not None and changes and changes[0][3]:
                    s, e = changes[0][3]
                    if extracted.get("text", "")[s:e] != str(quote):
                        raise log.CorrectionError("the selection does not match the notice text", anchor)
                if log.propose_many(con, key, extracted, changes, sess.reviewer, reason):
                    log.refresh(con, key)  # the analyst tables show the corrected value now
            return RedirectResponse(f"/notice?key={urlquote(key, safe='')}#{anchor}", status_code=303)
        try:
            return await run_in_threadpool(run)
        except log.CorrectionError as e:
            return await run_in_threadpool(render_notice, request, key, str(e), e.field, 422)

    # ------------------------------------------------------------ identity

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request):
        return templates.TemplateResponse(request, "login.html", {"error": None})

    @app.post("/login")
    async def login(request: Request):
        form = await request.form()
        if security.login(request.state.session, str(form.get("token", ""))):
            return RedirectResponse("/", status_code=303)
        return templates.TemplateResponse(request, "login.html", {"error": "unknown token"}, status_code=401)

    @app.post("/whoami")
    async def whoami(request: Request):
        form = await checked_form(request)
        name = clean_reviewer(str(form.get("reviewer", "")))
        if name and not security.needs_token:
            request.state.session.reviewer = name
        back = str(form.get("back", "/"))
        return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/",
                                status_code=303)

    return app


def _finish(response: Response, sid: str) -> Response:
    response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict", path="/")
    response.headers.setdefault("Content-Security-Policy", (  # a page may set its own (the report)
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@contextlib.contextmanager
def connect(db: str, wait: float = 10.0):
    """A short-lived connection; waits while another process (an ingest) holds the file."""
    deadline = time.monotonic() + wait
    while True:
        try:
            con = duckdb.connect(db)
            break
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        log.ensure_schema(con)
        yield con
    finally:
        con.close()


# ---------------------------------------------------------------- view models

def coerce(kind: str, raw: str) -> Any:
    """A form string as the value the schema models will validate ("" is null)."""
    raw = raw.strip()
    if raw == "":
        return [] if kind == "list" else None
    if kind == "list":
        return [p for p in LIST_SEP.split(raw) if p]
    if kind == "bool":
        return {"true": True, "false": False}.get(raw.lower(), raw)
    return raw


def shown(value: Any, kind: str = "text") -> str:
    """A value as the form shows it (the inverse of `coerce`)."""
    if value is None:
        return ""
    if kind == "list" and isinstance(value, list):
        return "、".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _title(rec: dict) -> str:
    t = rec.get("title") or {}
    return t.get("value") or pathlib.PurePath((rec.get("source") or {}).get("path", "?")).name


def overview(con) -> list[dict]:
    """One row per notice for the list page."""
    by_key: dict[str, list] = {}
    for c in log.load(con):
        by_key.setdefault(c.notice_key, []).append(c)
    st = log.statuses(con)
    rows = []
    for key, extracted in log.extractions(con).items():
        applied = log.apply_corrections(extracted, by_key.get(key, []))
        rec = applied.record
        year = (rec.get("policy_year") or {}).get("value")
        rows.append({
            "key": key, "county": (rec.get("region") or {}).get("county") or "",
            "province": (rec.get("region") or {}).get("province") or "", "year": year,
            "title": _title(rec), "flags": Counter(f["code"] for f in rec.get("flags") or []),
            "status": st.get(key, {}).get("status", "unreviewed"),
            "corrections": sum(1 for o in applied.outcomes if o.status == "applied"),
            "needs_review": len(applied.needs_review)})
    return rows


def _ev_path(path: str) -> str:
    return path[: -len(".evidence")] if path.endswith(".evidence") else path


def segments(rec: dict) -> list[dict]:
    """The canonical text cut at every evidence boundary, each piece with the paths covering it."""
    text = rec.get("text") or ""
    spans = [(_ev_path(p), ev.start, ev.end) for p, ev in iter_evidence(Record.model_validate(rec))]
    cuts = sorted({0, len(text), *[s for _, s, _ in spans], *[e for _, _, e in spans]})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        cover = sorted((p for p, s, e in spans if s <= a and b <= e), key=lambda p: -len(p))
        out.append({"start": a, "text": text[a:b], "paths": cover,
                    "section": re.split(r"[.\[]", cover[-1])[0] if cover else None})
    return out


def notice_view(key: str, applied: log.Applied, cs: list) -> dict:
    rec = applied.record
    corrected = applied.corrected_paths
    flags = rec.get("flags") or []

    def flags_for(path: str) -> list[dict]:
        return [f for f in flags if f.get("field") and (f["field"] == path or f["field"].startswith(path + ".")
                                                        or f["field"].startswith(path + "["))]

    def field_rows(prefix: str, obj: dict | None, fields: list) -> list[dict]:
        rows = []
        for spec in fields:
            name, label, kind = spec[0], spec[1], spec[2]
            full = f"{prefix}.{name}" if prefix else name
            value = log.get_path(rec, log.parse_path(full))
            rows.append({"name": name, "label": label, "kind": kind, "options": spec[3] if len(spec) > 3 else [],
                         "value": shown(value, kind), "path": full,
                         "corrected": any(full == p or full.startswith(p + ".") or full.startswith(p + "[")
                                          for p in corrected)})
        return rows

    doc_fields = field_rows("", rec, DOCUMENT)
    for r in doc_fields:  # Text/Year/Day: the evidence belongs to the wrapper
        r["ev"] = r["path"].split(".")[0] if (rec.get(r["path"].split(".")[0]) or {}).get("evidence") else None
    lists = []
    for name, title, fields in LISTS:
        items = []
        for i, el in enumerate(rec.get(name) or []):
            p = f"{name}[{i}]"
            items.append({"path": p, "rows": field_rows(p, el, fields), "ev": p if el.get("evidence") else None,
                          "quote": (el.get("evidence") or {}).get("quote"), "flags": flags_for(p),
                          "added": p in corrected})
        lists.append({"name": name, "title": title, "elements": items, "flags": [f for f in flags if f.get("field") == name]})
    quota = None
    q = rec.get("quota_table")
    if q:
        cols = q.get("columns") or []
        qrows = []
        for i, row in enumerate(q.get("rows") or []):
            p = f"quota_table.rows[{i}]"
            fields = [("seq", "#", "num"), ("area", "Area", "text")] + [(f"values.{c}", c, "num") for c in cols] \
                + [("note", "Note", "text")]
            qrows.append({"path": p, "rows": field_rows(p, row, fields), "ev": p if row.get("evidence") else None})
        quota = {"head": field_rows("", rec, QUOTA_FIELDS), "rows": qrows, "columns": cols,
                 "total": field_rows("quota_table", q, [(f"total.{c}", f"合计 {c}", "num") for c in cols]),
                 "flags": flags_for("quota_table")}
    outcomes = {o.correction.id: o for o in applied.outcomes}
    history = [{"c": c, "status": outcomes[c.id].status if c.id in outcomes else "resolves #%s" % c.ref_id,
                "problem": outcomes[c.id].problem if c.id in outcomes else None} for c in cs]
    return {
        "key": key, "rec": rec, "title": _title(rec), "segments": segments(rec),
        "doc_fields": doc_fields, "region_fields": field_rows("", rec, REGION),
        "region_ev": "region" if (rec.get("region") or {}).get("evidence") else None,
        "lists": lists, "quota": quota, "flags": flags, "history": list(reversed(history)),
        "needs_review": applied.needs_review, "list_fields": LISTS, "wrapper_kind": WRAPPER_KIND,
        "doc_flags": [f for f in flags if not f.get("field")] + flags_for("region")
        + [f for w in WRAPPER_KIND for f in flags_for(w)],
    }
