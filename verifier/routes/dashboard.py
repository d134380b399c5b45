"""The admin dashboard: the admin API as server-rendered pages, under ``/ui/``.

What the vendor's integrators do in Help Center > Manage > Access Control, plus what the real
dashboard never shows: why each identify failed, live, and a token debugger.

* Pages are Jinja2 (autoescaped), forms are plain HTML: POST, then a 303 redirect to a GET,
  except generating a secret, whose answer *is* the page that shows the secret (once, with
  ``Cache-Control: no-store``), and the token debugger, whose answer is its result.
* A contract error from the store (``secret_exists``, ``not_found``, ``invalid_request``...) is
  shown in the page, in the section it concerns, with the error's exact ``message`` and our
  ``reason``: never a JSON error page for a form post.
* One stable address, ``/ui/``, whatever the ``Host``: ``/`` is the dashboard too, except on a
  host that is a help center's domain (``localhost`` for ``serve --demo``), where it is that
  help center's home page; so every link and redirect here leads to ``/ui/``, never to ``/``.
* Sign-in and CSRF: ``verifier.dashboard_auth``. ``/ui/`` shows the sign-in form until signed in;
  every other page wants the cookie (else a redirect to sign in, then back; the log fragment
  answers 401); every POST but sign-in wants the cookie and the form's CSRF token (else 403
  with a readable page, and nothing changed).
* JavaScript (``static/dashboard.js``) only copies the secret and keeps the identify log live by
  polling ``/ui/help-centers/{id}/log``, an HTML fragment; every page works without it.
* None of these routes is part of the API: they are ``include_in_schema=False``.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urlencode

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from verifier import dashboard_auth, domains
from verifier.clock import parse_isoformat
from verifier.dashboard_auth import DashboardSession
from verifier.errors import InvalidRequest, NotFound, VerifierError
from verifier.identifiers import IDENTIFIER, IDENTIFIER_RULE
from verifier.inspection import Inspection, inspect_token, render
from verifier.models import help_centers
from verifier.payloads import media_type, read_body
from verifier.store import Store, read_clock
from verifier.templating import templates
from verifier.text import unstorable

HOME: Final = "/ui/"  # the dashboard's one stable address, whatever the Host
FORM_TYPE: Final = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS: Final = 50
ATTEMPTS_READ: Final = 1000  # the journal's default bound: the plot covers all of it
LOG_ROWS_SHOWN: Final = 200
SESSIONS_SHOWN: Final = 50
MESSAGES_SHOWN: Final = 50
SECTIONS: Final = ("overview", "access-control", "users", "analytics", "identify-log",
                   "token-debugger", "messages", "danger-zone")
# Every dashboard page: nothing cached (pages carry CSRF tokens, the secret page the secret),
# nothing loaded from elsewhere, never framed.
PAGE_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# What ``?done=`` may announce after a redirect: fixed texts, so nothing is reflected.
NOTICES: Final = {
    "created": ("overview", "Help center created. Next: generate its JWT secret under "
                            "Access Control."),
    "secret-deleted": ("access-control", "JWT secret deleted. Every token signed with it is "
                                         "now refused; generate a new one to identify again."),
    "user-reprovisioned": ("users", "User re-provisioned: it is gone, and its email can now "
                                    "be bound to another sub."),
    "help-center-deleted": ("list", "Help center deleted, with everything it owned."),
    "signed-out": ("sign-in", "You are signed out."),
}

# The identify outcomes, in the order the plot stacks them and the filter lists them.
OUTCOMES: Final = ("ok", "jwt_required", "invalid_jwt", "domain_mismatch", "subject_mismatch",
                   "invalid_request", "injected_fault", "unavailable")
COLOURS: Final = {  # each >= 3:1 against the white plot background (WCAG 1.4.11)
    "ok": "#1a7f37",
    "jwt_required": "#0969da",
    "invalid_jwt": "#cf222e",
    "domain_mismatch": "#bc4c00",
    "subject_mismatch": "#8250df",
    "invalid_request": "#6e7781",
    "injected_fault": "#9a6700",
    "unavailable": "#1b7c83",
}
OTHER_COLOUR: Final = "#424a53"
OUTCOME_NAME: Final = re.compile(r"[a-z_]{1,32}")
# Bucket spans for the plot: the first that gives at most PLOT_BUCKETS buckets wins.
BUCKET_SPANS: Final = (10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
                       43200, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400,
                       91 * 86400, 365 * 86400)
PLOT_BUCKETS: Final = 30
PLOT_MIN_WINDOW: Final = 300.0  # a burst of attempts still shows as a bar among a few minutes


Handler = Callable[[Request], Awaitable[Response]]
FormHandler = Callable[[Request, DashboardSession, dict[str, str]], Awaitable[Response]]


# -- answers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Alert:
    """A message shown in one section of a page: an error (with the contract's exact message
    as ``title`` and our reason as ``detail``) or a notice."""

    section: str
    title: str
    detail: str | None = None
    kind: str = "error"  # "error" | "notice"

    @classmethod
    def of(cls, section: str, error: VerifierError) -> Alert:
        return cls(section, error.message, error.reason)


class FormRefused(Exception):
    """A form post we will not act on: the body, the sign-in or the CSRF token is wrong."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail


def page(request: Request, template: str, context: dict[str, Any], status: int = 200,
         session: DashboardSession | None = None) -> Response:
    context = {"session": session, "alert": None, "fmt": fmt_time, **context}
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers.update(PAGE_HEADERS)
    return response


def message_page(request: Request, status: int, title: str, detail: str | None,
                 session: DashboardSession | None = None, back: str = HOME) -> Response:
    return page(request, "dashboard/message.html",
                {"title": title, "detail": detail, "back": back}, status, session)


def redirect(url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


def help_center_url(help_center_id: str, done: str | None = None,
                    section: str | None = None) -> str:
    url = f"/ui/help-centers/{quote(help_center_id, safe='')}"
    if done:
        url += "?" + urlencode({"done": done})
    return url + (f"#{section}" if section else "")


def fmt_time(value: str | float | None, seconds: bool = True) -> str:
    """An instant for people: ``2026-11-25 09:00:01 UTC`` (ISO text or POSIX seconds)."""
    if value is None:
        return "never"
    instant = parse_isoformat(value) if isinstance(value, str) else value
    shown = datetime.fromtimestamp(instant, UTC)
    return shown.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


# -- reading forms, guarding pages -----------------------------------------------------------


async def read_form(request: Request) -> dict[str, str]:
    """A url-encoded form body, as our forms send it (the first value of each field).

    Parsed with the standard library: the dashboard has no file uploads, so it needs no
    multipart parser. Capped at the server's body limit, like every other body."""
    kind = media_type(request.headers.get("content-type"))
    try:
        raw = await read_body(request.receive, request.headers.get("content-length"),
                              request.app.state.settings.max_body_bytes)
        if kind != FORM_TYPE:
            if not raw and not kind:
                return {}  # a form with no fields, as some clients send it
            raise FormRefused(415, "This is not a form post",
                              f"the dashboard's forms send {FORM_TYPE}, not {kind}")
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS,
                          errors="strict")
    except InvalidRequest as refused:
        raise FormRefused(refused.http_status, "The form could not be read",
                          refused.reason) from None
    except (UnicodeDecodeError, ValueError):
        raise FormRefused(400, "The form could not be read",
                          "the form body is not UTF-8 url-encoded fields") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        problem = unstorable(key + value)
        if problem:
            raise FormRefused(400, "The form could not be read", f"a field {problem}")
        form.setdefault(key, value)
    return form


def signed_in(handler: Handler) -> Handler:
    """A page for the signed-in admin; anyone else is sent to sign in, then back here."""

    @wraps(handler)
    async def guarded(request: Request) -> Response:
        if dashboard_auth.session_of(request) is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return redirect("/ui/sign-in?" + urlencode({"next": target}))
        return await handler(request)

    return guarded


def form_post(handler: FormHandler) -> Handler:
    """A form post of the signed-in admin, with its CSRF token; else a readable 403 page."""

    @wraps(handler)
    async def guarded(request: Request) -> Response:
        session = dashboard_auth.session_of(request)
        try:
            form = await read_form(request)
            if session is None:
                raise FormRefused(403, "You are not signed in",
                                  "Sign in with this server's admin token, then try again.")
            if not dashboard_auth.csrf_ok(session, form):
                raise FormRefused(
                    403, "This form could not be verified",
                    "It did not come from a page of this dashboard in your current sign-in "
                    "(or the sign-in expired). Nothing was changed: reload the page and try "
                    "again.")
        except FormRefused as refused:
            return message_page(request, refused.status, refused.title, refused.detail,
                                session, back=HOME if session else "/ui/sign-in")
        return await handler(request, session, form)

    return guarded


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: only a dashboard path of this server (``/`` is read as
    ``/ui/``: on a help center's host it is that help center's page)."""
    if target and target.startswith("/ui/") and "\\" not in target and (
            not target.startswith("/ui/sign-")):
        return target
    return HOME


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


# -- sign in, sign out -----------------------------------------------------------------------


def _sign_in_page(request: Request, status: int = 200, alert: Alert | None = None,
                  next_url: str | None = None) -> Response:
    if alert is None and request.query_params.get("done") == "signed-out":
        alert = Alert("sign-in", NOTICES["signed-out"][1], kind="notice")
    return page(request, "dashboard/sign_in.html",
                {"alert": alert, "next": _safe_next(next_url or request.query_params.get("next"))},
                status)


async def home(request: Request) -> Response:
    """``GET /ui/``, and ``GET /`` on a host that is not a help center's: the help-center list,
    or sign in."""
    session = dashboard_auth.session_of(request)
    if session is None:
        return _sign_in_page(request)
    return await _index(request, session)


async def sign_in_form(request: Request) -> Response:
    if dashboard_auth.session_of(request) is not None:
        return redirect(_safe_next(request.query_params.get("next")))
    return _sign_in_page(request)


async def sign_in(request: Request) -> Response:
    try:
        form = await read_form(request)
    except FormRefused as refused:
        return message_page(request, refused.status, refused.title, refused.detail,
                            back="/ui/sign-in")
    if not dashboard_auth.admin_token_matches(request, form.get("admin_token", "")):
        return _sign_in_page(request, 401, Alert("sign-in", "That is not this server's admin "
                                                            "token"), form.get("next"))
    response = redirect(_safe_next(form.get("next")))
    dashboard_auth.set_cookie(response, request,
                              dashboard_auth.new_cookie_value(request.app.state.admin_token))
    return response


async def sign_out(request: Request) -> Response:
    session = dashboard_auth.session_of(request)
    if session is not None:
        try:
            form = await read_form(request)
        except FormRefused as refused:
            return message_page(request, refused.status, refused.title, refused.detail,
                                session)
        if not dashboard_auth.csrf_ok(session, form):
            return message_page(request, 403, "This form could not be verified",
                                "Nothing was changed: reload the page and try again.", session)
    response = redirect(HOME + "?done=signed-out")
    dashboard_auth.clear_cookie(response, request)
    return response


# -- the help-center list --------------------------------------------------------------------


async def _index(request: Request, session: DashboardSession, status: int = 200,
                 alert: Alert | None = None, values: dict[str, str] | None = None) -> Response:
    listed = await run_in_threadpool(_store(request).list_help_centers)
    if alert is None:
        done = NOTICES.get(request.query_params.get("done", ""))
        if done is not None and done[0] == "list":
            alert = Alert("list", done[1], kind="notice")
    return page(request, "dashboard/index.html",
                {"help_centers": listed, "alert": alert, "values": values or {},
                 "url_of": help_center_url},
                status, session)


@signed_in
async def index(request: Request) -> Response:
    session = dashboard_auth.session_of(request)
    assert session is not None
    return await _index(request, session)


@form_post
async def create_help_center(request: Request, session: DashboardSession,
                             form: dict[str, str]) -> Response:
    values = {key: form.get(key, "") for key in ("name", "domain", "id", "widget_id")}
    try:
        name = values["name"].strip()
        if not name:
            raise InvalidRequest("name: give the help center a name", status=422)
        if len(name) > 200:
            raise InvalidRequest("name is longer than 200 characters", status=422)
        try:
            domain = domains.normalize_help_center_domain(values["domain"].strip())
        except domains.InvalidHelpCenterDomain as refused:
            raise InvalidRequest(f"domain: {refused.reason}", status=422) from None
        chosen = {}
        for key in ("id", "widget_id"):
            value = values[key].strip()
            if value and not IDENTIFIER.fullmatch(value):
                raise InvalidRequest(f"{key} {IDENTIFIER_RULE} (or leave it empty to get one "
                                     "made for you)", status=422)
            chosen[key] = value or None
        created = await run_in_threadpool(_store(request).create_help_center, name, domain,
                                          chosen["widget_id"], chosen["id"])
    except VerifierError as error:
        return await _index(request, session, error.http_status, Alert.of("create", error),
                            values)
    return redirect(help_center_url(created["id"], "created"))


# -- one help center -------------------------------------------------------------------------


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass
class Plot:
    """The identify-outcomes chart, laid out in Python and drawn by the template as SVG."""

    width: int = 760
    height: int = 240
    left: int = 44
    right: int = 12
    top: int = 12
    bottom: int = 34
    bars: list[Bar] = field(default_factory=list)
    legend: list[tuple[str, str, int]] = field(default_factory=list)  # code, colour, count
    x_labels: list[tuple[float, str, str]] = field(default_factory=list)  # x, text, anchor
    y_ticks: list[tuple[float, int]] = field(default_factory=list)  # y, value
    summary: str = ""
    span_text: str = ""

    @property
    def inner_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> int:
        return self.height - self.bottom


def colour_of(code: str) -> str:
    return COLOURS.get(code, OTHER_COLOUR)


def _span_text(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"1 {unit}" if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"


def outcome_order(codes: set[str]) -> list[str]:
    return [c for c in OUTCOMES if c in codes] + sorted(codes - set(OUTCOMES))


def build_plot(attempts: list[dict[str, Any]]) -> Plot | None:
    """Stacked bars of identify outcomes per time bucket (``ok`` at the bottom, then each error
    code), or None when there is nothing to draw."""
    if not attempts:
        return None
    plot = Plot()
    instants = [(parse_isoformat(a["at"]), a["code"]) for a in attempts]
    end = max(at for at, _ in instants)
    start = min(min(at for at, _ in instants), end - PLOT_MIN_WINDOW)
    span = next((s for s in BUCKET_SPANS
                 if math.floor(end / s) - math.floor(start / s) + 1 <= PLOT_BUCKETS),
                BUCKET_SPANS[-1])
    first = math.floor(start / span)
    count = math.floor(end / span) - first + 1
    buckets: list[Counter[str]] = [Counter() for _ in range(count)]
    for at, code in instants:
        buckets[min(math.floor(at / span) - first, count - 1)][code] += 1
    totals = Counter(code for _, code in instants)
    order = outcome_order(set(totals))
    peak = max(sum(bucket.values()) for bucket in buckets)
    slot = plot.inner_width / count
    bar_width = min(slot * 0.8, 48.0)
    scale = plot.inner_height / peak
    with_seconds = span < 60
    days = {datetime.fromtimestamp(at, UTC).date() for at, _ in instants}
    label_format = "%H:%M:%S" if with_seconds else "%H:%M"
    if len(days) > 1 or span >= 86400:
        label_format = "%m-%d %H:%M" if span < 86400 else "%Y-%m-%d"

    def label(bucket: int) -> str:
        return datetime.fromtimestamp((first + bucket) * span, UTC).strftime(label_format)

    for index, bucket in enumerate(buckets):
        x = plot.left + index * slot + (slot - bar_width) / 2
        y = float(plot.baseline)
        when = f"{label(index)} to {label(index + 1)} UTC"
        for code in order:
            if not bucket[code]:
                continue
            height = bucket[code] * scale
            y -= height
            plot.bars.append(Bar(round(x, 2), round(y, 2), round(bar_width, 2),
                                 round(height, 2), colour_of(code),
                                 f"{when}: {bucket[code]} {code}"))
    plot.legend = [(code, colour_of(code), totals[code]) for code in order]
    for value in sorted({0, peak // 2, peak}):
        plot.y_ticks.append((round(plot.baseline - value * scale, 2), value))
    marks = sorted({0, count // 2, count - 1})
    for index, mark in enumerate(marks):
        anchor = "start" if index == 0 and len(marks) > 1 else (
            "end" if mark == count - 1 and len(marks) > 1 else "middle")
        x = plot.left + mark * slot + (slot / 2 if anchor == "middle" else 0)
        if anchor == "end":
            x = plot.left + (mark + 1) * slot
        plot.x_labels.append((round(x, 2), label(mark), anchor))
    plot.span_text = _span_text(span)
    counts = ", ".join(f"{totals[code]} {code}" for code in order)
    plot.summary = (f"Identify outcomes from {fmt_time(start, seconds=with_seconds)} to "
                    f"{fmt_time(end, seconds=with_seconds)}, in buckets of {plot.span_text}: "
                    f"{counts}.")
    return plot


def filter_attempts(attempts: list[dict[str, Any]], outcome: str) -> list[dict[str, Any]]:
    if outcome == "failures":
        return [a for a in attempts if a["code"] != "ok"]
    if outcome:
        return [a for a in attempts if a["code"] == outcome]
    return attempts


def _outcome_param(request: Request) -> str:
    outcome = request.query_params.get("outcome", "").strip()
    return outcome if outcome == "failures" or OUTCOME_NAME.fullmatch(outcome) else ""


def log_context(help_center_id: str, attempts: list[dict[str, Any]],
                outcome: str) -> dict[str, Any]:
    shown = filter_attempts(attempts, outcome)
    choices = [("", "All outcomes"), ("failures", "Failures only")] + [
        (code, code) for code in outcome_order(set(OUTCOMES) | {a["code"] for a in attempts}
                                               | ({outcome} - {"", "failures"}))]
    live = f"/ui/help-centers/{quote(help_center_id, safe='')}/log"
    if outcome:
        live += "?" + urlencode({"outcome": outcome})
    return {"log_rows": shown[:LOG_ROWS_SHOWN], "log_matching": len(shown),
            "log_total": len(attempts), "outcome": outcome, "outcome_choices": choices,
            "live_url": live, "colour_of": colour_of}


def _help_center_data(store: Store, engine: sa.Engine, help_center_id: str) -> dict[str, Any]:
    hc = store.get_help_center(help_center_id)
    secret = store.secret_info(help_center_id) if hc["has_jwt_secret"] else None
    with engine.connect() as conn:
        now = read_clock(conn).now()
    sessions = store.list_sessions(help_center_id)
    messages = store.list_messages(help_center_id)
    return {
        "hc": hc,
        "secret_info": secret,
        "users": store.list_users(help_center_id),
        "sessions": sessions[:SESSIONS_SHOWN],
        "sessions_total": len(sessions),
        "sessions_identified": sum(1 for s in sessions if s["identified_at"]),
        "attempts": store.list_attempts(help_center_id, ATTEMPTS_READ),
        "messages": list(reversed(messages))[:MESSAGES_SHOWN],
        "messages_total": len(messages),
        "now": now,
    }


async def _help_center_page(request: Request, session: DashboardSession,
                            help_center_id: str, *, status: int = 200,
                            alert: Alert | None = None, secret: dict[str, Any] | None = None,
                            debugger: dict[str, Any] | None = None) -> Response:
    try:
        data = await run_in_threadpool(_help_center_data, _store(request),
                                       request.app.state.engine, help_center_id)
    except NotFound as missing:
        shown = alert if alert is not None and alert.kind == "error" else None
        return message_page(request, 404, shown.title if shown else missing.message,
                            shown.detail if shown else missing.reason, session)
    if alert is None:
        done = NOTICES.get(request.query_params.get("done", ""))
        if done is not None and done[0] in SECTIONS:
            alert = Alert(done[0], done[1], kind="notice")
    outcome = _outcome_param(request)
    port = f":{request.url.port}" if request.url.port else ""
    domain = data["hc"]["domain"]
    domain = f"[{domain}]" if ":" in domain else domain
    context = {
        **data,
        **log_context(help_center_id, data["attempts"], outcome),
        "base": help_center_url(help_center_id),
        "plot": build_plot(data["attempts"]),
        "alert": alert,
        "secret": secret,
        "debugger": debugger,
        "sdk_url": f"{request.url.scheme}://{domain}{port}/sdk.js",
        # Open when there is something to do or see here: no secret yet (the notice after
        # creating a help center sends the admin to Generate Secret), a new secret, an error.
        "access_open": secret is not None or data["secret_info"] is None or (
            alert is not None and alert.section == "access-control"),
    }
    return page(request, "dashboard/help_center.html", context, status, session)


@signed_in
async def help_center(request: Request) -> Response:
    session = dashboard_auth.session_of(request)
    assert session is not None
    return await _help_center_page(request, session, request.path_params["id"])


async def log_fragment(request: Request) -> Response:
    """The identify log alone, for dashboard.js to poll: 401 once signed out."""
    session = dashboard_auth.session_of(request)
    if session is None:
        response = Response("signed out", status_code=401, media_type="text/plain")
        response.headers.update(PAGE_HEADERS)
        return response
    help_center_id = request.path_params["id"]
    try:
        attempts = await run_in_threadpool(_store(request).list_attempts, help_center_id,
                                           ATTEMPTS_READ)
    except NotFound:
        response = Response("no such help center", status_code=404, media_type="text/plain")
        response.headers.update(PAGE_HEADERS)
        return response
    return page(request, "dashboard/_log.html",
                log_context(help_center_id, attempts, _outcome_param(request)), 200, session)


@form_post
async def generate_secret(request: Request, session: DashboardSession,
                          form: dict[str, str]) -> Response:
    help_center_id = request.path_params["id"]
    created = await _act(request, session, help_center_id, "access-control",
                         _store(request).generate_secret, help_center_id)
    if isinstance(created, Response):
        return created
    # The one time the secret is ever shown: this answer is the page (no redirect to a GET
    # that could show it again), and nothing may cache it.
    return await _help_center_page(request, session, help_center_id, secret=created)


async def _act(request: Request, session: DashboardSession, help_center_id: str,
               section: str, action: Callable[..., Any], *args: Any) -> Any:
    """Run a store action; a contract error becomes this help center's page with the error's
    exact message in ``section``. Returns the action's result, or the page (a Response)."""
    try:
        return await run_in_threadpool(action, *args)
    except VerifierError as error:
        return await _help_center_page(request, session, help_center_id,
                                       status=error.http_status,
                                       alert=Alert.of(section, error))


@form_post
async def delete_secret(request: Request, session: DashboardSession,
                        form: dict[str, str]) -> Response:
    help_center_id = request.path_params["id"]
    if form.get("confirm") != "yes":
        return await _help_center_page(
            request, session, help_center_id, status=422,
            alert=Alert("access-control", "Not deleted: tick the box to confirm",
                        "Deleting the secret makes every existing token stop working."))
    failed = await _act(request, session, help_center_id, "access-control",
                        _store(request).delete_secret, help_center_id)
    if isinstance(failed, Response):
        return failed
    return redirect(help_center_url(help_center_id, "secret-deleted", "access-control"))


@form_post
async def reprovision_user(request: Request, session: DashboardSession,
                           form: dict[str, str]) -> Response:
    help_center_id = request.path_params["id"]
    failed = await _act(request, session, help_center_id, "users",
                        _store(request).delete_user, help_center_id, form.get("sub", ""))
    if isinstance(failed, Response):
        return failed
    return redirect(help_center_url(help_center_id, "user-reprovisioned", "users"))


@form_post
async def delete_help_center(request: Request, session: DashboardSession,
                             form: dict[str, str]) -> Response:
    help_center_id = request.path_params["id"]
    if form.get("confirm") != "yes":
        return await _help_center_page(
            request, session, help_center_id, status=422,
            alert=Alert("danger-zone", "Not deleted: tick the box to confirm",
                        "Deleting a help center cannot be undone."))
    failed = await _act(request, session, help_center_id, "danger-zone",
                        _store(request).delete_help_center, help_center_id)
    if isinstance(failed, Response):
        return failed
    return redirect(HOME + "?done=help-center-deleted")


# -- the token debugger ----------------------------------------------------------------------


def _secret_and_now(engine: sa.Engine, help_center_id: str) -> tuple[str | None, float]:
    """The help center's secret, read here and used only to check a signature on the server."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(help_centers.c.jwt_secret).where(
            help_centers.c.id == help_center_id)).one_or_none()
        now = read_clock(conn).now()
    if row is None:
        raise NotFound(f"no help center with id {help_center_id!r}")
    return row.jwt_secret, now


def _without(text: str, secret: str | None) -> str:
    """Belt and braces: ``inspection`` already redacts the secret; this makes sure of it."""
    if not secret:
        return text
    for form in {secret, json.dumps(secret)[1:-1]}:
        text = text.replace(form, "[the help center's secret]")
    return text


def debugger_view(token: str, secret: str | None, now: float) -> dict[str, Any]:
    """What the debugger shows for ``token``: ``ferndesk-verifier inspect``'s explanation,
    checked with the help center's secret, which nothing here contains."""
    if secret and secret in token:
        return {"token": "", "pasted_secret": True}
    inspection: Inspection = inspect_token(token, secret, now)
    checks = [{"name": c.name, "ok": c.ok, "detail": _without(c.detail, secret)}
              for c in inspection.checks]

    def shown(value: dict[str, Any] | None) -> str | None:
        if value is None:
            return None
        return _without(json.dumps(value, indent=2, ensure_ascii=False, default=str), secret)

    return {
        "token": token,
        "pasted_secret": False,
        "has_secret": secret is not None,
        "valid": inspection.valid,
        "verdict": _without(inspection.verdict, secret),
        "checks": checks,
        "text": _without(render(inspection), secret),
        "header": shown(inspection.header),
        "claims": shown(inspection.claims),
    }


@form_post
async def debug_token(request: Request, session: DashboardSession,
                      form: dict[str, str]) -> Response:
    help_center_id = request.path_params["id"]
    token = form.get("token", "").strip("\r\n")
    if not token.strip():
        return await _help_center_page(
            request, session, help_center_id, status=422,
            alert=Alert("token-debugger", "Paste a token first",
                        "The debugger explains a JWT your backend made for identify."))
    try:
        secret, now = await run_in_threadpool(_secret_and_now, request.app.state.engine,
                                              help_center_id)
    except NotFound as missing:
        return message_page(request, 404, missing.message, missing.reason, session)
    view = await run_in_threadpool(debugger_view, token, secret, now)
    return await _help_center_page(request, session, help_center_id, debugger=view)


# -- the route table -------------------------------------------------------------------------


def routes() -> list[BaseRoute]:
    """The dashboard's routes (``GET /`` itself is ``pages.home``, which calls ``home``)."""
    hc = "/ui/help-centers/{id}"
    table = [
        (HOME, home, "GET"),
        ("/ui/sign-in", sign_in_form, "GET"),
        ("/ui/sign-in", sign_in, "POST"),
        ("/ui/sign-out", sign_out, "POST"),
        ("/ui/help-centers", index, "GET"),
        ("/ui/help-centers", create_help_center, "POST"),
        (hc, help_center, "GET"),
        (hc + "/log", log_fragment, "GET"),
        (hc + "/jwt-secret", generate_secret, "POST"),
        (hc + "/jwt-secret/delete", delete_secret, "POST"),
        (hc + "/users/reprovision", reprovision_user, "POST"),
        (hc + "/debugger", debug_token, "POST"),
        (hc + "/delete", delete_help_center, "POST"),
    ]
    return [Route(path, endpoint, methods=[method], include_in_schema=False)
            for path, endpoint, method in table]


__all__ = ["build_plot", "debugger_view", "home", "routes"]
