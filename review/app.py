"""The review workspace: a FastAPI app with server-rendered pages over the warehouse.

Shows each as-extracted record (`warehouse.corrections.extraction`) with the corrections log
applied, and appends one correction row per changed field (never a read-modify-write of a whole
record). All database access goes through `review.db.Warehouse`, one short cursor per unit of
work; rendering happens after the cursor is given back.

A notice is addressed by its key (`key=`, today the document's path; see
`warehouse.corrections`): every route takes it the same way, so when notice identity lands
the key changes meaning in one place.
"""
from __future__ import annotations

import contextlib
import json
import pathlib
from typing import Any
from html import escape as html_escape
from urllib.parse import parse_qs, quote as urlquote, urlencode, urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from noticeflow.review import listing
from noticeflow.review.db import Unavailable, Warehouse
from noticeflow.review.labels import zh
from noticeflow.review.refresher import Refresher
from noticeflow.review.security import SESSION_COOKIE, Security, clean_reviewer, csrf_ok, same_origin
from noticeflow.review.view import LIST_FIELDS, WRAPPER_KIND, coerce, notice_view, shown, title_of
from noticeflow.warehouse import corrections as log

HERE = pathlib.Path(__file__).parent
MAX_FIELD = 1024 * 1024  # bytes of one form field
MAX_FIELDS = 2000

# (keys, action, what it does): the help overlay is rendered from this list and review.js binds
# the keys it names, so the two never disagree.
SHORTCUTS = [
    ("j", "next", "next value"), ("k", "prev", "previous value"), ("f", "next-flag", "next flagged value"),
    ("1-9", "section", "first value of section 1-9 (document, cited documents, fees, tiers, periods, ...)"),
    ("e", "edit", "edit the value (Enter too)"), ("Enter", "save", "in a field: save the value"),
    ("Escape", "leave", "leave the field / close this help"), ("s", "save", "save the value"),
    ("a", "accept", "accept the value as it is"), ("A", "accept-all", "accept every value without a flag"),
    ("x", "delete", "delete the element"), ("u", "undo", "undo the value's last change"),
    ("p", "passage", "show the value's passage"),
    ("r", "reviewed", "mark the notice reviewed and open the next unreviewed"),
    ("n", "next-unreviewed", "next unreviewed notice"), ("/", "search", "search notices"),
    ("o", "open", "list: open the notice"), ("]", "next-page", "list: next page"), ("[", "prev-page", "list: previous page"),
    ("?", "help", "show these shortcuts"),
]


def _js(value: Any) -> str:
    """JSON as a reviewer reads it: Chinese as Chinese, not \\u escapes."""
    return json.dumps(value, ensure_ascii=False)


def create_app(db: str | pathlib.Path, security: Security | None = None,
               warehouse: Warehouse | None = None) -> FastAPI:
    """The review app over warehouse file `db`."""
    security = security or Security.for_bind("127.0.0.1")
    wh = warehouse or Warehouse(db)
    texts = listing.TextIndex()
    refresher = Refresher(wh)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await run_in_threadpool(refresher.catch_up)
        yield
        await run_in_threadpool(refresher.stop)  # the analyst tables are up to date when it stops

    app = FastAPI(title="noticeflow review", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True  # every template, whatever its suffix
    templates.env.filters.update(shown=shown, js=_js, q=lambda s: urlquote(str(s), safe=""), zh=zh)
    templates.env.globals["code"] = lambda value, kind: Markup('<abbr class="code" title="{}">{}</abbr>').format(
        value, zh(value, kind))
    app.mount("/static", CachedStatic(directory=str(HERE / "static")), name="static")
    templates.env.globals["static_version"] = _static_version()
    app.state.db, app.state.security, app.state.warehouse = str(db), security, wh
    app.state.refresher = refresher

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if not security.host_ok(request.headers.get("host")):
            return _finish(Response("misdirected request: this server does not answer that host name\n",
                                    status_code=421, media_type="text/plain"), None)
        sid, sess = security.session(request.cookies.get(SESSION_COOKIE))
        request.state.session, request.state.sid, request.state.bearer = sess, sid, False
        if not sess.authenticated:
            auth = request.headers.get("authorization", "")
            api = security.bearer(auth[7:]) if auth.lower().startswith("bearer ") else None
            if api is not None:
                request.state.session, request.state.bearer = api, True
            elif request.url.path != "/login" and not request.url.path.startswith("/static/"):
                return _finish(templates.TemplateResponse(request, "login.html", {"error": None}, status_code=401), sid)
        if request.method == "POST" and not same_origin(request.headers, security.hosts):
            return _finish(Response("cross-site request refused", status_code=403), sid)
        try:
            response = await call_next(request)
        except Unavailable as e:  # raised outside a route's own handling
            response = unavailable(request, e)
        return _finish(response, request.state.sid)

    def unavailable(request: Request, e: Unavailable, form: list | None = None) -> Response:
        """503 with the reason, and what the reviewer sent, ready to send again."""
        r = templates.TemplateResponse(request, "unavailable.html", {
            "message": str(e), "form": form or [], "action": request.url.path, "csrf": request.state.session.csrf,
            "reviewer": request.state.session.reviewer, "named_by_token": security.needs_token,
            "shortcuts": SHORTCUTS}, status_code=503)
        if e.retry:
            r.headers["Retry-After"] = "2"
        return r

    @app.exception_handler(Unavailable)
    async def on_unavailable(request: Request, e: Unavailable):
        return unavailable(request, e)

    async def checked_form(request: Request):
        """The posted form (text fields only, each at most 1 MB), after its CSRF check."""
        try:
            form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD)
        except MultiPartException as e:
            raise HTTPException(status_code=400, detail=f"bad form: {e.message}")
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                raise HTTPException(status_code=400, detail=f"field {name!r}: files are not accepted")
            if len(value.encode()) > MAX_FIELD:
                raise HTTPException(status_code=413, detail=f"field {name!r} is larger than 1 MB")
        if not request.state.bearer and not csrf_ok(request.state.session, form.get("csrf")):
            raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
        return form

    def show(request: Request, name: str, ctx: dict, status: int = 200):
        sess = request.state.session
        base = {"csrf": sess.csrf, "reviewer": sess.reviewer, "named_by_token": security.needs_token,
                "shortcuts": SHORTCUTS}
        return templates.TemplateResponse(request, name, {**base, **ctx}, status_code=status)

    def notice_url(key: str, anchor: str | None = None) -> str:
        return f"/notice?key={urlquote(key, safe='')}" + (f"#{urlquote(anchor, safe='[].')}" if anchor else "")

    # ------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse)
    def notice_list(request: Request, q: str = "", flag: str = "", status: str = "", reviewer: str = "",
                    province: str = "", year: str = "", page: int = 1, county: str = ""):
        f = listing.Query(q=(q or county).strip()[:200], flag=flag, status=status, reviewer=reviewer,
                          province=province, year=year, page=max(1, page))
        with wh.cursor() as cur:
            data = listing.notices(cur, f, texts)
        args = f.args()

        def link(**change):
            return "/?" + urlencode({**args, **{k: v for k, v in change.items()}})
        return show(request, "list.html", {**data, "f": f, "args": args, "link": link,
                                           "statuses": list(log.STATUSES) + [log.NEEDS_RE_REVIEW]})

    @app.get("/next")
    def next_notice(request: Request, after: str = "", q: str = "", flag: str = "", reviewer: str = "",
                    province: str = "", year: str = ""):
        f = listing.Query(q=q, flag=flag, reviewer=reviewer, province=province, year=year)
        with wh.cursor() as cur:
            key = listing.next_unreviewed(cur, after, f, texts)
        if key is None:
            return RedirectResponse("/?status=unreviewed&done=1", status_code=303)
        return RedirectResponse(notice_url(key), status_code=303)

    def load_notice(key: str):
        with wh.cursor() as cur:
            nid = log.notice_key_of(cur, key)  # a document's path names its notice too: resolved once
            extracted = log.extraction(cur, nid)
            if extracted is None:
                return None
            cs = log.load(cur, nid)
            st = log.statuses(cur, nid).get(nid, {"status": "unreviewed"})
        return extracted, cs, st

    @app.get("/notice", response_class=HTMLResponse)
    def notice_page(request: Request, key: str):
        return render_notice(request, key)

    def render_notice(request: Request, key: str, error: str | None = None, error_path: str | None = None,
                      status: int = 200, typed: dict | None = None, conflicts: list | None = None,
                      retry_form: list | None = None):
        got = load_notice(key)
        if got is None:
            return show(request, "missing.html", {"key": key}, status=404)
        extracted, cs, st = got
        applied = log.apply_corrections(extracted, cs)
        ctx = notice_view(key, applied, cs, typed)
        ctx.update(error=error, error_path=error_path, status=st, conflicts=conflicts or [],
                   retry_form=retry_form or [])
        return show(request, "notice.html", ctx, status=status)

    @app.get("/report", response_class=HTMLResponse)
    def analyst_report(year: int | None = None, province: str = ""):
        """The analyst report (`noticeflow report`) of the warehouse as it is now."""
        from noticeflow.warehouse import report

        with wh.cursor() as con:
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
    def queue_page(request: Request):
        return queue(request)

    def queue(request: Request, error: str = "", status: int = 200):
        with wh.cursor() as cur:  # only notices with corrections are read (warehouse.corrections)
            found = log.needs_review_items(cur)
        items = [{"key": key, "title": title_of(extracted), "o": o} for key, extracted, o in found]
        return show(request, "queue.html", {"items": items, "error": error[:300]}, status=status)

    @app.get("/dashboard", response_class=HTMLResponse)
    def dashboard(request: Request):
        with wh.cursor() as cur:
            data = listing.dashboard(cur)
        return show(request, "dashboard.html", data)

    @app.get("/api/notice")
    def notice_json(key: str):
        got = load_notice(key)
        if got is None:
            return JSONResponse({"error": "no such notice"}, status_code=404)
        extracted, cs, st = got
        applied = log.apply_corrections(extracted, cs)
        return {"record": applied.record, "corrected_paths": sorted(applied.corrected_paths),
                "status": st.get("status"),
                "corrections": [dict(o.correction.as_json(), status=o.status, problem=o.problem, path=o.path)
                                for o in applied.outcomes]}

    # ------------------------------------------------------------ writes

    def form_items(form) -> list[tuple[str, str]]:
        return [(k, str(v)) for k, v in form.multi_items() if k != "csrf"]

    async def write(request: Request, key: str, build, form, anchor: str, typed: dict | None = None):
        """Run `build(cur, extracted, eff, cs)` -> changes under the write cursor and store them.

        A refused change re-renders the notice with what was typed (422, or 409 for a
        conflict); an unusable warehouse answers 503 with the form ready to send again."""
        sess = request.state.session
        reason = str(form.get("reason", "")).strip()[:500] or None

        def unit(cur, nid):
            extracted = log.extraction(cur, nid)
            if extracted is None:
                return Response("no such notice", status_code=404)
            cs = log.load(cur, nid)
            eff = log.apply_corrections(extracted, cs)
            changes = build(cur, extracted, eff, cs)
            if isinstance(changes, Conflict):
                return changes
            return log.propose_many(cur, nid, extracted, changes, sess.reviewer, reason, effective=eff.record)

        def run():
            nid = wh.notice_of(key)
            with wh.serial(nid):  # this notice's check and append as one step; other notices go on
                made = wh.atomic(lambda cur: unit(cur, log.notice_key_of(cur, nid)))
            if not isinstance(made, list):
                return made
            if made:
                refresher.poke(nid)  # the analyst tables show the corrected value a moment later
            return RedirectResponse(notice_url(key, anchor), status_code=303)
        try:
            out = await run_in_threadpool(run)
        except log.CorrectionError as e:
            return await run_in_threadpool(render_notice, request, key, str(e), e.field, 422, typed)
        except Unavailable as e:
            return unavailable(request, e, form_items(form))
        if isinstance(out, Conflict):
            return await run_in_threadpool(render_notice, request, key, None, None, 409, typed, out.items,
                                           out.retry)
        return out

    @app.post("/notice/save")
    async def save(request: Request):
        form = await checked_form(request)
        key, prefix = str(form.get("key", "")), str(form.get("prefix", ""))
        edits = []
        for name in dict.fromkeys(k for k in form.keys() if k.startswith("f:")):
            field, kind = name[2:], str(form.get("k:" + name[2:], "text"))
            if kind == "codes":  # checkboxes: one value per ticked code
                raw = "、".join(str(v) for v in form.getlist(name) if str(v))
            else:
                raw = str(form.get(name))
            if raw != str(form.get("o:" + field, "")):  # only what this reviewer changed is written
                edits.append((f"{prefix}.{field}" if prefix else field, raw, str(form.get("o:" + field, "")), kind))
        typed = {path: raw for path, raw, _, _ in edits}

        def build(cur, extracted, eff, cs):
            conflict = Conflict.check(eff, cs, prefix, str(form.get("anchor_quote", "")), edits, form)
            return conflict or [("set", path, coerce(kind, raw), None) for path, raw, _, kind in edits]
        return await write(request, key, build, form, anchor=prefix or (edits[0][0].split(".")[0] if edits else "doc"),
                           typed=typed)

    @app.post("/notice/delete")
    async def delete(request: Request):
        form = await checked_form(request)
        path = str(form.get("path", ""))

        def build(cur, extracted, eff, cs):
            now = log.get_path(eff.record, log.parse_path(path)) if path else None
            want = str(form.get("anchor_quote", ""))
            if want and (now is None or (log._quote(now) or "") != want):
                return Conflict([{"path": path, "loaded": want, "now": log._quote(now) if now else "(gone)",
                                  "typed": "(delete)", "by": _last_change(cs, eff, path)}], [])
            return [("delete", path, None, None)]
        return await write(request, str(form.get("key", "")), build, form, anchor=path.rsplit("[", 1)[0])

    @app.post("/notice/add")
    async def add(request: Request):
        form = await checked_form(request)
        key, section = str(form.get("key", "")), str(form.get("section", ""))
        typed = {f"add:{k[2:]}": str(v) for k, v in form.multi_items() if k.startswith("a:")}
        try:
            span = (int(form.get("start", "")), int(form.get("end", "")))
        except ValueError:
            return await run_in_threadpool(render_notice, request, key, "select the passage in the text first",
                                           section, 422, typed)
        if section in WRAPPER_KIND:
            value = coerce(WRAPPER_KIND[section], str(form.get(f"a:{section}:value", "")))
        elif section in LIST_FIELDS:
            value = {f[0]: coerce(f[2], str(form.get(f"a:{section}:{f[0]}", ""))) for f in LIST_FIELDS[section]}
            value = {k: v for k, v in value.items() if v is not None}
        else:
            return await run_in_threadpool(render_notice, request, key, f"cannot add to {section!r}", None, 422, typed)
        quote = str(form.get("quote", ""))

        def build(cur, extracted, eff, cs):
            if extracted.get("text", "")[span[0]:span[1]] != quote:
                raise log.CorrectionError("the selection does not match the notice text", section)
            return [("add", section, value, span)]
        return await write(request, key, build, form, anchor=section, typed=typed)

    @app.post("/notice/accept")
    async def accept(request: Request):
        """Accept one value (path=) or every value without a flag (all=1) as it is."""
        form = await checked_form(request)
        key, path = str(form.get("key", "")), str(form.get("path", ""))

        def build(cur, extracted, eff, cs):
            if form.get("all"):
                view = notice_view(key, eff, cs)
                return [("accept", p, None, None) for p in view["unflagged"]]
            return [("accept", path, None, None)]
        return await write(request, key, build, form, anchor=path or "doc")

    @app.post("/notice/undo")
    async def undo(request: Request):
        form = await checked_form(request)
        key, cid = str(form.get("key", "")), _correction_id(form)
        sess = request.state.session
        if cid is None:
            return Response("bad correction id", status_code=422)

        def unit(cur):
            extracted = log.extraction(cur, key)
            if extracted is None:
                return Response("no such notice", status_code=404)
            return log.inverse(cur, cid, extracted, sess.reviewer)

        def run():
            with wh.serial(wh.notice_of(key)):
                made = wh.atomic(unit)
            if not isinstance(made, list):
                return made
            if made:
                refresher.poke(key)
            return RedirectResponse(notice_url(key, str(form.get("anchor", "")) or None), status_code=303)
        try:
            return await run_in_threadpool(run)
        except log.CorrectionError as e:
            return await run_in_threadpool(render_notice, request, key, f"cannot undo: {e}", e.field, 409)
        except Unavailable as e:
            return unavailable(request, e, form_items(form))

    @app.post("/notice/status")
    async def set_status(request: Request):
        form = await checked_form(request)
        key, status = str(form.get("key", "")), str(form.get("status", ""))
        sess = request.state.session

        def unit(cur):
            extracted = log.extraction(cur, key)
            if extracted is None:
                return Response("no such notice", status_code=404)
            waiting = next(iter(log.statuses(cur, key).values()), {}).get("re_review", 0)
            if status == "reviewed" and waiting:
                raise log.CorrectionError(f"{waiting} correction(s) wait for re-review: re-apply or dismiss "
                                          "them before marking the notice reviewed")
            log.set_status(cur, key, extracted.get("doc_id"), status, sess.reviewer)
            if form.get("then") != "next":
                return RedirectResponse(notice_url(key), status_code=303)
            nxt = listing.next_unreviewed(cur, key)
            return RedirectResponse(notice_url(nxt) if nxt else "/?status=unreviewed&done=1", status_code=303)

        def run():
            with wh.serial(wh.notice_of(key)):  # its re-review count and the status as one step
                return wh.atomic(unit)
        try:
            return await run_in_threadpool(run)
        except log.CorrectionError as e:
            return await run_in_threadpool(render_notice, request, key, str(e), None, 422)
        except Unavailable as e:
            return unavailable(request, e, form_items(form))

    @app.post("/corrections/resolve")
    async def resolve(request: Request):
        form = await checked_form(request)
        action, back = str(form.get("action", "")), str(form.get("back", "/queue"))
        back = back if back.startswith("/") and not back.startswith("//") else "/queue"
        sess, cid = request.state.session, _correction_id(form)
        if cid is None:
            return Response("bad correction id", status_code=422)

        def unit(cur):
            if action == "dismiss":
                log.dismiss(cur, cid, sess.reviewer, str(form.get("reason", "")) or None)
                return None
            if action == "reapply":
                c = next((c for c in log.load(cur) if c.id == cid), None)
                if c is None:
                    raise log.CorrectionError(f"no correction {cid}")
                log.reapply(cur, cid, log.extraction(cur, c.notice_key) or {}, sess.reviewer)
                return c.notice_key
            raise log.CorrectionError(f"unknown action {action!r}")

        def run():
            with wh.cursor() as cur:  # the notice the correction belongs to: its writes one at a time
                row = cur.execute("SELECT notice_key FROM corrections WHERE id = ?", [cid]).fetchall()
            with wh.serial(wh.notice_of(row[0][0]) if row else ""):
                touched = wh.atomic(unit)
            if touched:
                refresher.poke(touched)
        try:
            await run_in_threadpool(run)
        except log.CorrectionError as e:
            message = f"cannot re-apply #{cid}: {e}"
            key = parse_qs(urlsplit(back).query).get("key", [""])[0]
            if urlsplit(back).path == "/notice" and key:
                return await run_in_threadpool(render_notice, request, key, message, None, 422)
            return await run_in_threadpool(queue, request, message, 422)
        except Unavailable as e:
            return unavailable(request, e, form_items(form))
        return RedirectResponse(back, status_code=303)

    # ------------------------------------------------------------ identity

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request):
        return templates.TemplateResponse(request, "login.html", {"error": None})

    @app.post("/login")
    async def login(request: Request):
        client = request.client.host if request.client else ""
        if security.throttled(client):
            return templates.TemplateResponse(request, "login.html", {"error": "too many wrong tokens: wait a minute"},
                                              status_code=429, headers={"Retry-After": "60"})
        try:
            form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
        except MultiPartException:
            return Response("bad form", status_code=400)
        token = form.get("token", "")
        new_sid = security.login(request.state.sid, token if isinstance(token, str) else None, client)
        if new_sid is None:
            return templates.TemplateResponse(request, "login.html", {"error": "unknown token"}, status_code=401)
        request.state.sid = new_sid  # a new id: a session id known before sign-in is worthless after
        return RedirectResponse("/", status_code=303)

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


class Conflict:
    """A save over values someone else changed since the page was loaded (optimistic concurrency)."""

    def __init__(self, items: list[dict], retry: list):
        self.items, self.retry = items, retry

    @classmethod
    def check(cls, eff: log.Applied, cs: list, prefix: str, anchor_quote: str, edits: list, form) -> "Conflict | None":
        items = []
        if prefix and anchor_quote:
            now = log.get_path(eff.record, log.parse_path(prefix))
            if not isinstance(now, dict) or (log._quote(now) or "") != anchor_quote:
                items.append({"path": prefix, "loaded": anchor_quote,
                              "now": (log._quote(now) if isinstance(now, dict) else None) or "(gone)",
                              "typed": "", "by": _last_change(cs, eff, prefix)})
        for path, raw, loaded, kind in edits:
            now = shown(log.get_path(eff.record, log.parse_path(path)), kind)
            if now != loaded:
                items.append({"path": path, "loaded": loaded, "now": now, "typed": raw,
                              "by": _last_change(cs, eff, path)})
        if not items:
            return None
        # "Save mine anyway": the same form, with what is there now as the value it was loaded with.
        nows = {it["path"]: it["now"] for it in items}
        retry = []
        for k, v in form.multi_items():
            if k == "csrf":
                continue
            if k.startswith("o:"):
                full = f"{prefix}.{k[2:]}" if prefix else k[2:]
                v = nows.get(full, v)
            if k == "anchor_quote":
                continue
            retry.append((k, str(v)))
        return cls(items, retry)


def _correction_id(form) -> int | None:
    try:
        return int(str(form.get("id", "")))
    except ValueError:
        return None


def _last_change(cs: list, eff: log.Applied, path: str) -> str:
    """Who last changed `path` and when, for the conflict message."""
    landed = {o.correction.id: o.path for o in eff.outcomes}
    for c in reversed(cs):
        where = landed.get(c.id) or c.field_path or ""
        if c.op in ("set", "add", "delete") and (where == path or path.startswith(where + ".")
                                                 or where.startswith(path + ".") or where.startswith(path + "[")):
            at = c.created_at.strftime("%H:%M:%S") if hasattr(c.created_at, "strftime") else ""
            return f"{c.reviewer} at {at} (#{c.id})"
    return "a re-ingest"


class CachedStatic(StaticFiles):
    """Static files the browser keeps: pages name them with a version (`?v=`), so each save's
    reload does not ask for the CSS and script again."""

    async def get_response(self, path, scope):
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=86400, immutable"
        return response


def _static_version() -> str:
    import hashlib

    h = hashlib.sha256()
    for f in sorted((HERE / "static").iterdir()):
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def _finish(response: Response, sid: str | None) -> Response:
    if sid:
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict", path="/")
    response.headers.setdefault("Content-Security-Policy", (  # a page may set its own (the report)
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
