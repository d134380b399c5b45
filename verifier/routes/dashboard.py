"""The admin dashboard's handlers and route table: the admin API as server-rendered pages, under
``/ui/``.

What the vendor's integrators do in Help Center > Manage > Access Control, plus what the real
dashboard never shows: why each identify failed, live, and a token debugger.

* Pages are Jinja2 (autoescaped), forms are plain HTML: POST, then a 303 redirect to a GET,
  except generating a secret or creating a Users API key, whose answer *is* the page that
  shows it (once, with ``Cache-Control: no-store``: never in a URL), and the token debugger,
  whose answer is its result.
* A contract error from the store (``secret_exists``, ``not_found``, ``invalid_request``...) is
  shown in the page, in the section it concerns, with the error's exact ``message`` and our
  ``reason``: never a JSON error page for a form post.
* One stable address, ``/ui/``, whatever the ``Host``: ``/`` is the dashboard too, except on a
  host that is a help center's domain (``localhost`` for ``serve --demo``), where it is that
  help center's home page; so every link and redirect here leads to ``/ui/``, never to ``/``.
* Sign-in and CSRF: ``verifier.dashboard_auth`` (the cookie, the tokens) and
  ``verifier.dashboard_forms`` (reading a form, the ``signed_in``/``form_post`` guards).
  ``/ui/`` shows the sign-in form until signed in; every other page wants the cookie (else a
  redirect to sign in, then back; the log fragment answers 401); every POST but sign-in wants
  the cookie and the form's CSRF token (else 403 with a readable page, and nothing changed).
* JavaScript (``static/dashboard.js``) only copies the secret or key and keeps the identify
  log live by polling ``/ui/help-centers/{id}/log``, an HTML fragment; every page works
  without it.
* None of these routes is part of the API: they are ``include_in_schema=False``.

Elsewhere: how an answer is rendered (``verifier.dashboard_pages``), the identify-outcomes chart
(``verifier.plot``, pure), and every SQL statement (``verifier.store.Store``). The token debugger
stays here: it only explains ``verifier.inspection``'s verdict without the secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlencode

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from verifier import api_keys, dashboard_auth, domains
from verifier.dashboard_auth import DashboardSession
from verifier.dashboard_forms import FormRefused, form_post, read_form, safe_next, signed_in
from verifier.dashboard_pages import (
    HOME,
    PAGE_HEADERS,
    help_center_url,
    message_page,
    page,
    redirect,
)
from verifier.errors import InvalidRequest, NotFound, VerifierError
from verifier.identifiers import IDENTIFIER, IDENTIFIER_RULE
from verifier.inspection import Inspection, inspect_token, render
from verifier.plot import OUTCOMES, build_plot, colour_of, outcome_order
from verifier.services import services
from verifier.shapes import MAX_NAME_CHARS, ApiKey, Attempt, Secret
from verifier.store import Store

ATTEMPTS_READ: Final = 1000  # the journal's default bound: the plot covers all of it
LOG_ROWS_SHOWN: Final = 200
SESSIONS_SHOWN: Final = 50
MESSAGES_SHOWN: Final = 50
SECTIONS: Final = ("overview", "access-control", "api-keys", "users", "analytics",
                   "identify-log", "token-debugger", "messages", "danger-zone")
# What ``?done=`` may announce after a redirect: fixed texts, so nothing is reflected.
NOTICES: Final = {
    "created": ("overview", "Help center created. Next: generate its JWT secret under "
                            "Access Control."),
    "secret-deleted": ("access-control", "JWT secret deleted. Every token signed with it is "
                                         "now refused; generate a new one to identify again."),
    "api-key-deleted": ("api-keys", "API key deleted. Calls to /v1 sending it are now "
                                    "refused (401 unauthorized)."),
    "user-reprovisioned": ("users", "User re-provisioned: it is gone, and its email can now "
                                    "be bound to another sub."),
    "help-center-deleted": ("list", "Help center deleted, with everything it owned."),
    "signed-out": ("sign-in", "You are signed out."),
}

OUTCOME_NAME: Final = re.compile(r"[a-z_]{1,32}")  # what ``?outcome=`` may filter on


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


def _store(request: Request) -> Store:
    store: Store = services(request).store
    return store


# -- sign in, sign out -----------------------------------------------------------------------


def _sign_in_page(request: Request, status: int = 200, alert: Alert | None = None,
                  next_url: str | None = None) -> Response:
    if alert is None and request.query_params.get("done") == "signed-out":
        alert = Alert("sign-in", NOTICES["signed-out"][1], kind="notice")
    return page(request, "dashboard/sign_in.html",
                {"alert": alert, "next": safe_next(next_url or request.query_params.get("next"))},
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
        return redirect(safe_next(request.query_params.get("next")))
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
    response = redirect(safe_next(form.get("next")))
    dashboard_auth.set_cookie(response, request,
                              dashboard_auth.new_cookie_value(services(request).admin_token))
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
        if len(name) > MAX_NAME_CHARS:
            raise InvalidRequest(f"name is longer than {MAX_NAME_CHARS} characters", status=422)
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
    return redirect(help_center_url(created.id, "created"))


# -- one help center -------------------------------------------------------------------------


def filter_attempts(attempts: list[Attempt], outcome: str) -> list[Attempt]:
    if outcome == "failures":
        return [a for a in attempts if a.code != "ok"]
    if outcome:
        return [a for a in attempts if a.code == outcome]
    return attempts


def _outcome_param(request: Request) -> str:
    outcome = request.query_params.get("outcome", "").strip()
    return outcome if outcome == "failures" or OUTCOME_NAME.fullmatch(outcome) else ""


def log_context(help_center_id: str, attempts: list[Attempt],
                outcome: str) -> dict[str, Any]:
    shown = filter_attempts(attempts, outcome)
    choices = [("", "All outcomes"), ("failures", "Failures only")] + [
        (code, code) for code in outcome_order(set(OUTCOMES) | {a.code for a in attempts}
                                               | ({outcome} - {"", "failures"}))]
    live = f"/ui/help-centers/{quote(help_center_id, safe='')}/log"
    if outcome:
        live += "?" + urlencode({"outcome": outcome})
    return {"log_rows": shown[:LOG_ROWS_SHOWN], "log_matching": len(shown),
            "log_total": len(attempts), "outcome": outcome, "outcome_choices": choices,
            "live_url": live, "colour_of": colour_of}


def _help_center_data(store: Store, help_center_id: str) -> dict[str, Any]:
    hc = store.get_help_center(help_center_id)
    secret = store.secret_info(help_center_id) if hc.has_jwt_secret else None
    now = store.emulator_now()
    sessions = store.list_sessions(help_center_id)
    messages = store.list_messages(help_center_id)
    return {
        "hc": hc,
        "secret_info": secret,
        "api_keys": store.list_api_keys(help_center_id),
        "users": store.list_users(help_center_id),
        "sessions": sessions[:SESSIONS_SHOWN],
        "sessions_total": len(sessions),
        "sessions_identified": sum(1 for s in sessions if s.identified_at),
        "attempts": store.list_attempts(help_center_id, ATTEMPTS_READ),
        "messages": list(reversed(messages))[:MESSAGES_SHOWN],
        "messages_total": len(messages),
        "now": now,
    }


async def _help_center_page(request: Request, session: DashboardSession,
                            help_center_id: str, *, status: int = 200,
                            alert: Alert | None = None, secret: Secret | None = None,
                            api_key: ApiKey | None = None,
                            debugger: dict[str, Any] | None = None) -> Response:
    try:
        data = await run_in_threadpool(_help_center_data, _store(request), help_center_id)
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
    domain = data["hc"].domain
    domain = f"[{domain}]" if ":" in domain else domain
    context = {
        **data,
        **log_context(help_center_id, data["attempts"], outcome),
        "base": help_center_url(help_center_id),
        "plot": build_plot(msgspec.to_builtins(data["attempts"])),
        "alert": alert,
        "secret": secret,
        "api_key": api_key,
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
async def create_api_key(request: Request, session: DashboardSession,
                         form: dict[str, str]) -> Response:
    help_center_id = request.path_params["id"]
    created = await _act(request, session, help_center_id, "api-keys",
                         _store(request).create_api_key, help_center_id)
    if isinstance(created, Response):
        return created
    # As for the secret: the one time the key is shown is this answer, never a redirect (the
    # key would have to travel in a URL) and never cached.
    return await _help_center_page(request, session, help_center_id, api_key=created)


@form_post
async def delete_api_key(request: Request, session: DashboardSession,
                         form: dict[str, str]) -> Response:
    help_center_id = request.path_params["id"]
    key_id = form.get("key_id", "")
    if form.get("confirm") != "yes":
        return await _help_center_page(
            request, session, help_center_id, status=422,
            alert=Alert("api-keys", "Not deleted: tick the box to confirm",
                        "Deleting an API key makes every call that sends it refused."))
    if key_id.startswith(api_keys.PREFIX):
        # A key pasted where its id goes: the store's reason would repeat it.
        missing = NotFound("that is an API key, not a key's id (key_...): it is not shown back")
        return await _help_center_page(request, session, help_center_id, status=404,
                                       alert=Alert.of("api-keys", missing))
    failed = await _act(request, session, help_center_id, "api-keys",
                        _store(request).delete_api_key, help_center_id, key_id)
    if isinstance(failed, Response):
        return failed
    return redirect(help_center_url(help_center_id, "api-key-deleted", "api-keys"))


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
        secret, now = await run_in_threadpool(_store(request).jwt_secret_and_now, help_center_id)
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
        (hc + "/api-keys", create_api_key, "POST"),
        (hc + "/api-keys/delete", delete_api_key, "POST"),
        (hc + "/users/reprovision", reprovision_user, "POST"),
        (hc + "/debugger", debug_token, "POST"),
        (hc + "/delete", delete_help_center, "POST"),
    ]
    return [Route(path, endpoint, methods=[method], include_in_schema=False)
            for path, endpoint, method in table]


__all__ = ["debugger_view", "home", "routes"]
