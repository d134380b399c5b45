"""The OpenAPI 3.1 document of the whole HTTP surface (served at ``GET /openapi.json``, and
rendered for people at ``GET /docs``).

It is built once, from ``OPERATIONS``: a table with one entry per route and method, grouped
by tag (meta, widget, admin, emulator). Each entry says what the operation does, what it reads,
what it answers on success and which contract errors it can answer. Every error's code, status
and exact message comes from ``errors.py``; nothing here retypes a message, and the ``Error``
schema's ``code`` enum is every error class defined there. ``tests/api/test_openapi.py`` checks
the table against the app's routes both ways.

    document()  -> dict              the cached OpenAPI document
    error_rows() -> list[ErrorRow]   the error table (code, status, exact message), for /docs
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from verifier import errors, state
from verifier.routes import admin

TITLE = "ferndesk-verifier"
BEARER = "bearerAuth"

TAGS: list[dict[str, str]] = [
    {"name": "widget", "description":
        "Public, no authentication: what the SDK calls from the integrator's page."},
    {"name": "admin", "description":
        "What an admin does in the real dashboard. Every call needs "
        "`Authorization: Bearer <admin token>`."},
    {"name": "emulator", "description":
        "Emulator-only controls under their own prefix: reset, clock, faults, state export and "
        "import. Admin token required."},
    {"name": "meta", "description":
        "Health, this description, the dashboard's entry, the stub SDK and the widget's files."},
]


# -- the errors, from errors.py --------------------------------------------------------------


def _error_classes() -> dict[str, type[errors.VerifierError]]:
    """Every error class ``errors.py`` defines, by code, in definition order."""
    found: dict[str, type[errors.VerifierError]] = {}
    pending = list(errors.VerifierError.__subclasses__())
    while pending:
        cls = pending.pop(0)
        if cls.__module__ == errors.__name__ and hasattr(cls, "code"):
            found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return found


ALL_ERRORS = _error_classes()
# Statuses an error answers besides its class's own (CONTRACT.md section 2, docs/decisions.md).
OTHER_STATUSES = {"invalid_request": "400 / 408 / 413 / 415 / 422 (405 for a wrong method)",
                  "injected_fault": "any: the fault's"}


def message_of(code: str, status: int | None = None) -> str:
    """The exact public message of ``code`` answered with ``status`` (``injected_fault``'s
    names the status)."""
    return ALL_ERRORS[code]("", status=status).message


@dataclass(frozen=True, slots=True)
class ErrorRow:
    code: str
    status: str
    message: str
    contract: bool  # an integrator may name it (CONTRACT_ERRORS), e.g. in a fault


def error_rows() -> list[ErrorRow]:
    return [ErrorRow(code, OTHER_STATUSES.get(code, str(cls.status)), message_of(code),
                     code in errors.CONTRACT_ERRORS)
            for code, cls in ALL_ERRORS.items()]


@dataclass(frozen=True, slots=True)
class Failure:
    """One contract error an operation can answer, and when."""

    status: int
    code: str
    when: str


def fails(code: str, when: str, status: int | None = None) -> tuple[Failure, ...]:
    return (Failure(status or ALL_ERRORS[code].status, code, when),)


UNAUTHORIZED = fails("unauthorized", "no bearer token, or not this server's admin token")
UNAVAILABLE = fails("unavailable", "the database did not answer (`Retry-After: 1`)")
NO_HELP_CENTER = fails("not_found", "no help center has this `id`")
UNKNOWN_WIDGET = fails("unknown_widget", "no help center has this `widget_id`")
BAD_BODY = (
    *fails("invalid_request", "the body is not valid JSON, or not a JSON object"),
    *fails("invalid_request", "the body is over the size limit", 413),
    *fails("invalid_request", "another content type", 415),
    *fails("invalid_request", "a field is missing, of the wrong type or out of range", 422),
)
INTERNAL = fails("internal_error", "a bug of ours: logged with its traceback, never sent")


# -- schemas -----------------------------------------------------------------------------------


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": ref(name)}


def obj(required: Iterable[str] = (), description: str = "", /,
        **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": list(required)}
    if description:
        schema["description"] = description
    return schema


def text(description: str = "", **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def maybe(description: str = "", **extra: Any) -> dict[str, Any]:
    return {"type": ["string", "null"], "description": description, **extra}


def instant(description: str = "") -> dict[str, Any]:
    return {"type": "string", "format": "date-time",
            "description": description or "ISO-8601 in UTC, to the millisecond"}


def maybe_instant(description: str) -> dict[str, Any]:
    return {"type": ["string", "null"], "format": "date-time", "description": description}


ATTRIBUTES = {"type": ["object", "null"], "additionalProperties": True,
              "description": "the token's `customAttributes`, when it had them"}
IDENTIFIER = {"type": "string", "pattern": f"^{admin.IDENTIFIER.pattern}$"}
HELP_CENTER_FIELDS = ("id", "name", "domain", "widget_id", "created_at", "has_jwt_secret")
USER_FIELDS = ("sub", "email", "name", "custom_attributes", "created_at", "last_seen_at")
SESSION_FIELDS = ("id", "sub", "email", "origin", "user_agent", "started_at", "identified_at")
ATTEMPT_FIELDS = ("at", "origin", "code", "reason", "sub", "token_fingerprint")
MESSAGE_FIELDS = ("id", "session_id", "sub", "email", "name", "body", "created_at")
FAULT_FIELDS = ("id", "times", "remaining", "code", "status", "delay_ms", "created_at")
FAULT_STATUSES = (state.MIN_FAULT_STATUS, state.MAX_FAULT_STATUS)  # error statuses only


def _schemas() -> dict[str, dict[str, Any]]:
    codes = list(ALL_ERRORS)
    help_center = {
        "id": text("the help center's id, used in every admin path"),
        "name": text(),
        "domain": text("the help center's host, e.g. `help.example.com`: a bare host (no "
                       "scheme, port or path), IDNs as punycode"),
        "widget_id": text("what the SDK's `init` names; public"),
        "created_at": instant(),
        "has_jwt_secret": {"type": "boolean"},
    }
    user = {
        "sub": text("the JWT's subject: the user's identity in this help center"),
        "email": text("bound to this `sub` alone in this help center (case-insensitively)"),
        "name": maybe("the latest token's `name`"),
        "custom_attributes": ATTRIBUTES,
        "created_at": instant(),
        "last_seen_at": instant("the latest successful identify"),
    }
    session = {
        "id": text("the session's id (`ses_...`)"),
        "sub": maybe("the identified user's `sub`; `null` while anonymous"),
        "email": maybe(),
        "origin": maybe("the calling page's origin"),
        "user_agent": maybe(),
        "started_at": instant(),
        "identified_at": maybe_instant("the latest successful identify; `null` while "
                                       "anonymous"),
    }
    attempt = {
        "at": instant(),
        "origin": maybe("the calling page's origin (`Origin`, else the `Referer`'s)"),
        "code": {"type": "string", "enum": ["ok", *codes],
                 "description": "`ok` on success, else the error code answered"},
        "reason": text("why: the emulator's own explanation, never a secret"),
        "sub": maybe("the `sub` the token claimed (unverified on a failure)"),
        "token_fingerprint": maybe("`jwt:` and 12 hex digits of the token's SHA-256; never "
                                   "the token"),
    }
    message = {
        "id": text("`msg_...`"),
        "session_id": maybe(),
        "sub": maybe("the session's user, when it was identified"),
        "email": maybe(),
        "name": maybe(),
        "body": text(),
        "created_at": instant(),
    }
    fault = {
        "id": {"type": "integer"},
        "times": {"type": "integer", "minimum": 1, "maximum": state.MAX_FAULT_TIMES},
        "remaining": {"type": "integer", "minimum": 0,
                      "description": "identify calls still to answer with this fault"},
        "code": {"type": ["string", "null"], "enum": [*errors.CONTRACT_ERRORS, None]},
        "status": {"type": ["integer", "null"], "minimum": FAULT_STATUSES[0],
                   "maximum": FAULT_STATUSES[1]},
        "delay_ms": {"type": "integer", "minimum": 0, "maximum": state.MAX_FAULT_DELAY_MS},
        "created_at": instant(),
    }
    clock = {
        "now": instant("now as the emulator sees it"),
        "offset_seconds": {"type": "number"},
        "frozen": {"type": "boolean"},
        "frozen_at": maybe_instant("the instant the clock is stopped at, else `null`"),
    }
    return {
        "Error": obj(["error"], "Every error response (CONTRACT.md section 2).", error=obj(
            ["code", "message", "reason"],
            code={"type": "string", "enum": codes},
            message=text("the exact text an integrator sees in the real product's console"),
            reason=text("the emulator's own explanation of why; never contains a secret"),
        )),
        "Health": obj(["status"], status={"type": "string", "const": "ok"}),
        "HelpCenter": obj(HELP_CENTER_FIELDS, **help_center),
        "HelpCenterCreate": obj(
            ["name", "domain"],
            name=text(maxLength=200),
            domain=text("a bare host with a registrable domain, an IP address or `localhost`; "
                        "a public suffix (`com`, `co.uk`, `github.io`) is refused",
                        maxLength=300),
            widget_id={**IDENTIFIER, "description": "chosen widget id; generated when absent"},
            id={**IDENTIFIER, "description": "chosen id; generated when absent"},
        ),
        "Secret": obj(["secret", "created_at", "fingerprint"],
                      "The only time the secret is ever shown.",
                      secret=text("the HS256 signing secret (at least 256 bits of randomness)"),
                      created_at=instant(),
                      fingerprint=text("`sha256:` and 16 hex digits: tells secrets apart")),
        "SecretInfo": obj(["created_at", "fingerprint"], "Never the secret.",
                          created_at=instant(), fingerprint=text()),
        "User": obj(USER_FIELDS, **user),
        "Session": obj(SESSION_FIELDS, **session),
        "Attempt": obj(ATTEMPT_FIELDS, "One identify call, as the journal keeps it.", **attempt),
        "Message": obj(MESSAGE_FIELDS, "A contact-form message.", **message),
        "MessageCreate": obj(
            ["body"],
            session_id=text("the widget's session; its user is attached to the message",
                            maxLength=64),
            email=text(maxLength=320), name=text(maxLength=200), body=text(maxLength=5000)),
        "NewSession": obj(["session"], session=obj(["id", "started_at"], id=session["id"],
                                                   started_at=instant(),
                                                   frame_token=FRAME_TOKEN)),
        "NewMessage": obj(["message"], message=ref("Message")),
        "IdentifyRequest": obj(
            ["jwt"],
            jwt=text("the HS256 JWT the integrator's backend signed; a non-blank string"),
            session_id=text("the widget's session; an unknown one starts a new session"),
        ),
        "IdentifyResponse": obj(
            ["user", "session"],
            user=obj(["sub", "email", "name", "custom_attributes"],
                     **{k: user[k] for k in ("sub", "email", "name", "custom_attributes")}),
            session=obj(["id", "sub", "email", "name", "origin", "started_at", "identified_at"],
                        id=session["id"], sub=text(), email=text(), name=maybe(),
                        origin=session["origin"], started_at=instant(),
                        identified_at=instant(), frame_token=FRAME_TOKEN),
        ),
        "Clock": obj(list(clock), "The emulator's clock.", **clock),
        "ClockUpdate": {
            **obj((), "At most one of the two: `{\"offset_seconds\": N}` shifts now, "
                      "`{\"frozen_at\": ISO-8601}` stops it, `{}` (or no body) restores the "
                      "real clock.",
                  offset_seconds={"type": "number",
                                  "description": "seconds, within 100 years either way, "
                                                 "and never putting now before 1970"},
                  frozen_at={"type": "string", "format": "date-time",
                             "description": "a naive instant is taken as UTC"}),
            "maxProperties": 1, "additionalProperties": False},
        "Fault": obj(FAULT_FIELDS, "An injected fault.", **fault),
        "FaultCreate": obj(
            ["times"],
            "At least one of `code`, `status` and `delay_ms`.",
            times={"type": "integer", "minimum": 1, "maximum": state.MAX_FAULT_TIMES,
                   "description": "how many of the next identify calls it answers"},
            code={"type": "string", "enum": list(errors.CONTRACT_ERRORS),
                  "description": "answer this contract error, with its exact message"},
            status={"type": "integer", "minimum": FAULT_STATUSES[0],
                    "maximum": FAULT_STATUSES[1],
                    "description": "answer this status (`injected_fault` when no `code`)"},
            delay_ms={"type": "integer", "minimum": 0, "maximum": state.MAX_FAULT_DELAY_MS,
                      "description": "wait this long first", "default": 0},
        ),
        "State": obj(
            ["help_centers"],
            "The whole state: what `GET` exports, `PUT` imports and `serve --seed` loads "
            "(JSON or TOML). An export carries every field; an import needs only the required "
            "ones (a missing timestamp is now).",
            help_centers=list_of("StateHelpCenter"),
            clock=obj(offset_seconds={"type": "number", "default": 0},
                      frozen_at=maybe_instant("`null` when the clock runs")),
        ),
        "StateHelpCenter": obj(
            ["id", "domain"], "`name` and `widget_id` default to `id`.",
            **{k: help_center[k] for k in ("id", "name", "domain", "widget_id", "created_at")},
            jwt_secret=maybe("the secret itself: the one place it is readable again"),
            jwt_secret_created_at=maybe_instant("when the secret was made"),
            users=list_of("StateUser"),
            sessions=list_of("StateSession"),
            identify_attempts=list_of("StateAttempt"),
            messages=list_of("StateMessage"),
            faults=list_of("StateFault"),
        ),
        "StateUser": obj(["sub", "email"], "An import also takes `customAttributes`.", **user),
        "StateSession": obj(["id"], **session, name=maybe()),
        "StateAttempt": obj(["code"], **attempt),
        "StateMessage": obj(["id", "body"], **message),
        "StateFault": obj(["times"], "A fault without its `id`; `remaining` defaults to "
                          "`times`.", **{k: v for k, v in fault.items() if k != "id"}),
    }


# -- answers -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """A non-error response: its description, body (media type -> schema) and headers."""

    description: str
    content: dict[str, dict[str, Any]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def json_answer(description: str, schema: dict[str, Any], **headers: str) -> Answer:
    return Answer(description, {"application/json": schema}, headers)


def html_answer(description: str, **headers: str) -> Answer:
    return Answer(description, {"text/html": {"type": "string"}}, headers)


def no_content(description: str) -> Answer:
    return Answer(description)


@dataclass(frozen=True, slots=True)
class Body:
    schema: str | dict[str, Any]  # a component's name, or an inline schema
    media_types: tuple[str, ...] = ("application/json",)
    required: bool = True
    description: str = ""


def path_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}


FRAME_TOKEN = text("what the widget frame of this session opens with "
                   "(`GET /widget/{widget_id}/frame?token=...`); short-lived")
HC_ID = path_param("id", "the help center's `id`")
WIDGET_ID = path_param("widget_id", "the help center's public `widget_id`")
ORIGIN = {"name": "Origin", "in": "header", "required": False, "schema": {"type": "string"},
          "description": "the calling page (a browser sets it); the domain rule's input"}
REFERER = {"name": "Referer", "in": "header", "required": False, "schema": {"type": "string"},
           "description": "used for its origin when there is no `Origin`"}
CORS = "CORS headers echo the `Origin`; `Access-Control-Allow-Credentials: true` only for a " \
       "page that passes the domain rule, never with `*`."
WIDGET_MEDIA = ("application/json", "text/plain")


@dataclass(frozen=True, slots=True)
class Operation:
    """One route and method of the app."""

    method: str
    path: str
    tag: str
    operation_id: str
    summary: str
    description: str
    answers: dict[int, Answer]
    failures: tuple[Failure, ...] = ()
    body: Body | None = None
    parameters: tuple[dict[str, Any], ...] = ()
    any_fault: bool = False  # identify: an emulator fault may answer any status

    @property
    def admin(self) -> bool:
        return self.path.startswith("/api/")


def _admin(method: str, path: str, tag: str, operation_id: str, summary: str, description: str,
           answers: dict[int, Answer], *failures: tuple[Failure, ...],
           body: Body | None = None,
           parameters: tuple[dict[str, Any], ...] = ()) -> Operation:
    """An admin-token operation: every one can answer `unauthorized` and `unavailable`."""
    found = [f for group in failures for f in group]
    return Operation(method, path, tag, operation_id, summary, description, answers,
                     (*UNAUTHORIZED, *found, *(BAD_BODY if body else ()), *UNAVAILABLE),
                     body, parameters)


HC = "/api/help-centers/{id}"
EMU = "/api/emulator"
SUB = path_param("sub", "the user's `sub`, as its token carried it (it may contain `/`)")
LIMIT = {"name": "limit", "in": "query", "required": False,
         "description": f"at most this many, newest first (1 to {admin.MAX_ATTEMPTS_LISTED})",
         "schema": {"type": "integer", "minimum": 1, "maximum": admin.MAX_ATTEMPTS_LISTED,
                    "default": admin.MAX_ATTEMPTS_LISTED}}
NO_SECRET = fails("no_secret", "the help center has no JWT secret")

OPERATIONS: tuple[Operation, ...] = (
    # -- meta -----------------------------------------------------------------------------------
    Operation("get", "/healthz", "meta", "getHealth", "Health check",
              "Answers `200 {\"status\": \"ok\"}` once the server accepts requests.",
              {200: json_answer("the server accepts requests", ref("Health"))}),
    Operation("get", "/openapi.json", "meta", "getOpenApi", "This OpenAPI document",
              "Describes every route: its parameters, body, answers and the contract errors "
              "each can answer.",
              {200: json_answer("the OpenAPI 3.1 document", {"type": "object"})}),
    Operation("get", "/docs", "meta", "getDocs", "This API, for people",
              "The same description as `/openapi.json` as one HTML page that works offline, "
              "with the error table.",
              {200: html_answer("the documentation page")}),
    Operation("get", "/", "meta", "getHome", "Help center home page, or the admin dashboard",
              "On a help center's domain (the request's `Host`), that help center's home page, "
              "which knows the visitor from the session cookie the widget frame set; on any "
              "other host, the admin dashboard (sign in with the admin token).",
              {200: html_answer("the help center's home page or the admin dashboard")},
              UNAVAILABLE),
    Operation("get", "/sdk.js", "meta", "getSdk", "The stub SDK",
              "The stub SDK, a drop-in for the real one: what `window.FERNDESK_SDK_SRC` points "
              "at. Its server defaults to the origin it was loaded from.",
              {200: Answer("the script", {"text/javascript": {"type": "string"}})}),
    Operation("get", "/static/{path}", "meta", "getStatic", "The widget's files",
              "The CSS and JavaScript of the widget frame and the help center pages.",
              {200: Answer("the file", {"text/css": {"type": "string"},
                                        "text/javascript": {"type": "string"}}),
               304: no_content("not modified since the `If-None-Match` / "
                               "`If-Modified-Since` sent")},
              fails("not_found", "no such file"),
              parameters=(path_param("path", "the file, e.g. `widget.css` or `frame.js`"),)),

    # -- widget ---------------------------------------------------------------------------------
    Operation(
        "post", "/widget/{widget_id}/identify", "widget", "identify", "Identify the user",
        "What `Ferndesk('identify', { jwt })` calls. The body is JSON sent as "
        "`application/json` (any charset) or `text/plain` (what a browser may send without a "
        "preflight); a body over the size limit is `413`, another content type `415`, a body "
        "that is not a JSON object `400`, all `invalid_request`, before any check below. An "
        "unknown `session_id` starts a new session; `session_id` of the wrong type is `422`.\n\n"
        "The calling page is the request's `Origin` header; without one, the `Referer`'s "
        "origin; without either, `domain_mismatch`. Checks, in this order; the first that "
        "fails answers:\n\n"
        "1. `widget_id` names a help center, else `unknown_widget`.\n"
        "2. `jwt` is a non-blank string, else `jwt_required`.\n"
        "3. The domain rule, else `domain_mismatch`: the caller's host has the help center's "
        "registrable domain (Public Suffix List) and is that domain itself, exactly one label "
        "below it, or the help center's own host.\n"
        "4. The JWT, else `invalid_jwt` with a precise `reason`: a secret exists, `alg` is "
        "`HS256`, the signature verifies, `exp` is not past, `nbf`/`iat` are not in the future "
        "(60 s leeway), `sub` is a non-empty string, `email` looks like an email, `name` is a "
        "string, `customAttributes` an object.\n"
        "5. Binding by subject, else `subject_mismatch`: the email must not be bound to a "
        "different `sub` in this help center.\n\n"
        "On success the session and the attempt are recorded, and the contact form of that "
        "session is pre-filled. " + CORS,
        {200: json_answer("identified", ref("IdentifyResponse"))},
        (*fails("jwt_required", "`jwt` is missing, blank or not a string"),
         *BAD_BODY[:1],
         *fails("invalid_jwt", "the token fails a check; `reason` names which"),
         *fails("domain_mismatch", "the calling page may not identify to this help center"),
         *UNKNOWN_WIDGET,
         *fails("subject_mismatch", "the email is bound to another `sub` in this help center"),
         *BAD_BODY[1:3],
         *fails("invalid_request", "`session_id` is not a string", 422),
         *UNAVAILABLE),
        Body("IdentifyRequest", WIDGET_MEDIA),
        (WIDGET_ID, ORIGIN, REFERER),
        any_fault=True,
    ),
    Operation("options", "/widget/{widget_id}/identify", "widget", "identifyPreflight",
              "CORS preflight of identify",
              "Answered for any origin (the actual call decides); credentials allowed only for "
              "a page that passes the domain rule.",
              {204: no_content("preflight answered")}, UNAVAILABLE,
              parameters=(WIDGET_ID, ORIGIN)),
    Operation("post", "/widget/{widget_id}/sessions", "widget", "startSession",
              "Start an anonymous session",
              "`init`'s anonymous session (origin and user agent recorded). Any page may call "
              "it: only identify has a domain rule. The body is optional. " + CORS,
              {201: json_answer("the new session", ref("NewSession"))},
              (*UNKNOWN_WIDGET, *BAD_BODY[:3], *UNAVAILABLE),
              Body({"type": "object"}, WIDGET_MEDIA, required=False,
                   description="ignored: empty, or any JSON object"),
              (WIDGET_ID,)),
    Operation("post", "/widget/{widget_id}/messages", "widget", "postMessage",
              "Send a contact-form message",
              "The widget's contact form. With a `session_id`, the message is tied to the "
              "session and its user. " + CORS,
              {201: json_answer("the message as stored", ref("NewMessage"))},
              (*UNKNOWN_WIDGET, *BAD_BODY[:3],
               *fails("invalid_request", "a bad field, or `session_id` is not a session of "
                      "this help center", 422),
               *UNAVAILABLE),
              Body("MessageCreate", WIDGET_MEDIA), (WIDGET_ID,)),
    Operation("options", "/widget/{widget_id}/{kind}", "widget", "widgetPreflight",
              "CORS preflight of the other widget calls",
              "Preflight of `sessions` and `messages`: any origin may call them, never with "
              "credentials.",
              {204: no_content("preflight answered")},
              parameters=(WIDGET_ID, path_param("kind", "`sessions` or `messages`"))),
    Operation("get", "/widget/{widget_id}/frame", "widget", "widgetFrame", "The widget panel",
              "The widget panel inside its iframe, with the contact form (`input[name=email]`, "
              "`input[name=name]`), pre-filled for an identified session and empty otherwise. "
              "It sets `fd_session_<widget_id>=<session>` (HttpOnly, SameSite=Lax, host-only) "
              "on the help center's host, which is how the help center's home page knows the "
              "visitor, but only when a page of the help center's site loaded the frame "
              "(`Sec-Fetch-Site: same-origin`/`same-site`; without Fetch Metadata, a `Referer` "
              "that passes the domain rule), never from a link or another site's page.",
              {200: html_answer("the panel", **{
                  "Set-Cookie": "`fd_session_<widget_id>`, when the session is known"})},
              (*UNKNOWN_WIDGET, *UNAVAILABLE),
              parameters=(WIDGET_ID, {"name": "token", "in": "query", "required": False,
                                      "schema": {"type": "string"},
                                      "description": "the session's `frame_token`, as "
                                      "`sessions` and identify answer it; without a valid "
                                      "one the panel is anonymous"})),

    # -- admin ----------------------------------------------------------------------------------
    _admin("post", "/api/help-centers", "admin", "createHelpCenter", "Create a help center",
           "`domain` is the help center's host, e.g. `help.example.com`: a bare host (no "
           "scheme, port or path; an IDN is stored as punycode) that has a registrable domain, "
           "or an IP address, or `localhost`; a public suffix is refused with "
           "`invalid_request`.",
           {201: json_answer("the help center", ref("HelpCenter"))},
           fails("conflict", "the chosen `id` or `widget_id` is taken"),
           body=Body("HelpCenterCreate")),
    _admin("get", "/api/help-centers", "admin", "listHelpCenters", "List help centers", "",
           {200: json_answer("every help center", list_of("HelpCenter"))}),
    _admin("get", HC, "admin", "getHelpCenter", "Get a help center", "",
           {200: json_answer("the help center", ref("HelpCenter"))}, NO_HELP_CENTER,
           parameters=(HC_ID,)),
    _admin("delete", HC, "admin", "deleteHelpCenter", "Delete a help center",
           "Deletes the help center with everything it owns.",
           {204: no_content("deleted")}, NO_HELP_CENTER, parameters=(HC_ID,)),
    _admin("post", HC + "/jwt-secret", "admin", "generateJwtSecret", "Generate the JWT secret",
           "The only time the secret is ever shown (`Cache-Control: no-store`); "
           "`409 secret_exists` if one exists.",
           {201: json_answer("the new secret", ref("Secret"), **{"Cache-Control": "no-store"})},
           NO_HELP_CENTER, fails("secret_exists", "the help center already has a secret"),
           parameters=(HC_ID,)),
    _admin("get", HC + "/jwt-secret", "admin", "getJwtSecretInfo", "Describe the JWT secret",
           "When and which secret (its fingerprint), never the secret.",
           {200: json_answer("the secret's creation time and fingerprint", ref("SecretInfo"))},
           NO_HELP_CENTER, NO_SECRET, parameters=(HC_ID,)),
    _admin("delete", HC + "/jwt-secret", "admin", "deleteJwtSecret", "Delete the JWT secret",
           "Every token signed with it is invalid from then on.",
           {204: no_content("deleted")}, NO_HELP_CENTER, NO_SECRET, parameters=(HC_ID,)),
    _admin("get", HC + "/users", "admin", "listUsers", "List users",
           "The users identify has bound, one per `sub`.",
           {200: json_answer("the users", list_of("User"))}, NO_HELP_CENTER,
           parameters=(HC_ID,)),
    _admin("delete", HC + "/users/{sub}", "admin", "deleteUser", "Delete a user",
           "Re-provisions the user, so its email can be bound to another `sub`.",
           {204: no_content("deleted")},
           fails("not_found", "no help center has this `id`, or it has no user with this "
                 "`sub`"),
           parameters=(HC_ID, SUB)),
    _admin("get", HC + "/sessions", "admin", "listSessions", "List widget sessions", "",
           {200: json_answer("the sessions", list_of("Session"))}, NO_HELP_CENTER,
           parameters=(HC_ID,)),
    _admin("get", HC + "/identify-attempts", "admin", "listIdentifyAttempts",
           "List identify attempts",
           "Every identify call of this help center, newest first, with its outcome (`ok` on "
           "success) and reason.",
           {200: json_answer("the attempts, newest first", list_of("Attempt"))},
           NO_HELP_CENTER,
           fails("invalid_request", "`limit` is not a whole number in range", 422),
           parameters=(HC_ID, LIMIT)),
    _admin("get", HC + "/messages", "admin", "listMessages", "List contact-form messages", "",
           {200: json_answer("the messages", list_of("Message"))}, NO_HELP_CENTER,
           parameters=(HC_ID,)),

    # -- emulator -------------------------------------------------------------------------------
    _admin("post", EMU + "/reset", "emulator", "resetEmulator", "Reset everything",
           "Every help center, secret, user, session and attempt is gone, pending faults too, "
           "and the clock is real again.",
           {204: no_content("reset")}),
    _admin("post", EMU + "/help-centers/{id}/reset", "emulator", "resetHelpCenter",
           "Reset one help center",
           "That help center's users, sessions, attempts and messages are gone (its pending "
           "faults too); it and its secret stay.",
           {204: no_content("reset")}, NO_HELP_CENTER, parameters=(HC_ID,)),
    _admin("get", EMU + "/clock", "emulator", "getClock", "Read the clock", "",
           {200: json_answer("the clock", ref("Clock"))}),
    _admin("put", EMU + "/clock", "emulator", "setClock", "Set the clock",
           "`{\"offset_seconds\": N}` shifts now, `{\"frozen_at\": ISO-8601}` stops it, `{}` "
           "restores the real clock; every expiry, `nbf`/`iat` check and timestamp uses this "
           "now.",
           {200: json_answer("the clock as set", ref("Clock"))},
           body=Body("ClockUpdate", required=False)),
    _admin("post", EMU + "/help-centers/{id}/faults", "emulator", "injectFault",
           "Inject a fault",
           "The next `times` identify calls of that help center answer that error (exact "
           "contract message) or status, or wait `delay_ms` first.",
           {201: json_answer("the fault", ref("Fault"))}, NO_HELP_CENTER,
           body=Body("FaultCreate"), parameters=(HC_ID,)),
    _admin("get", EMU + "/help-centers/{id}/faults", "emulator", "listFaults", "List faults",
           "", {200: json_answer("the help center's faults", list_of("Fault"))},
           NO_HELP_CENTER, parameters=(HC_ID,)),
    _admin("delete", EMU + "/help-centers/{id}/faults", "emulator", "clearFaults",
           "Clear faults", "Pending faults are cleared.",
           {204: no_content("cleared")}, NO_HELP_CENTER, parameters=(HC_ID,)),
    _admin("get", EMU + "/state", "emulator", "exportState", "Export the state",
           "The whole state as JSON, secrets included: the one place they are readable again, "
           "as in any emulator's export.",
           {200: json_answer("the state", ref("State"), **{"Cache-Control": "no-store"})}),
    _admin("put", EMU + "/state", "emulator", "importState", "Import a state",
           "Replaces the whole state with an export (or a seed of the same shape), in one "
           "transaction: on `422` nothing changed.",
           {204: no_content("replaced")}, body=Body("State")),
)


# -- the document ----------------------------------------------------------------------------


def _version() -> str:
    try:
        return importlib.metadata.version("ferndesk-verifier")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def _example(failure: Failure) -> dict[str, Any]:
    return {"error": {"code": failure.code, "message": message_of(failure.code, failure.status),
                      "reason": failure.when.replace("`", "")}}


def _error_response(failures: list[Failure]) -> dict[str, Any]:
    lines = [f"- `{f.code}`: \"{message_of(f.code, f.status)}\" ({f.when})" for f in failures]
    codes = list(dict.fromkeys(f.code for f in failures))
    examples: dict[str, Any] = {}
    for failure in failures:
        examples.setdefault(failure.code, {"value": _example(failure)})
    return {"description": "\n".join(lines), "x-error-codes": codes,
            "content": {"application/json": {"schema": ref("Error"), "examples": examples}}}


def _fault_response() -> dict[str, Any]:
    status = 503
    description = (
        "An emulator fault (`POST /api/emulator/help-centers/{id}/faults`) answers any status: "
        f"given only a status, `injected_fault` (e.g. \"{message_of('injected_fault', status)}\""
        f" for `status: {status}`); given a `code`, that code's exact message, at the fault's "
        "status or the code's own.")
    return {"description": description, "x-error-codes": list(errors.CONTRACT_ERRORS),
            "content": {"application/json": {"schema": ref("Error")}}}


def _answer(answer: Answer) -> dict[str, Any]:
    out: dict[str, Any] = {"description": answer.description}
    if answer.content:
        out["content"] = {media: {"schema": schema} for media, schema in answer.content.items()}
    if answer.headers:
        out["headers"] = {name: {"description": text_, "schema": {"type": "string"}}
                          for name, text_ in answer.headers.items()}
    return out


def _operation(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {str(s): _answer(a) for s, a in op.answers.items()}
    by_status: dict[int, list[Failure]] = {}
    for failure in (*op.failures, *INTERNAL):
        by_status.setdefault(failure.status, []).append(failure)
    for status in sorted(by_status):
        responses[str(status)] = _error_response(by_status[status])
    if op.any_fault:
        responses["default"] = _fault_response()
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "tags": [op.tag],
        "summary": op.summary,
        "description": op.description or op.summary + ".",
        "responses": dict(sorted(responses.items(), key=lambda kv: (kv[0] == "default", kv[0]))),
    }
    if op.parameters:
        out["parameters"] = list(op.parameters)
    if op.body is not None:
        schema = (ref(op.body.schema) if isinstance(op.body.schema, str)
                  else op.body.schema)
        out["requestBody"] = {
            "required": op.body.required,
            "content": {media: {"schema": schema} for media in op.body.media_types},
        }
        if op.body.description:
            out["requestBody"]["description"] = op.body.description
    if op.admin:
        out["security"] = [{BEARER: []}]
    return out


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document, built once. Treat it as read-only."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": _version(),
            "summary": "A local emulator of the Ferndesk help center's JWT identification.",
            "description":
                "An integrator's backend signs an HS256 JWT with a per-help-center secret, the "
                "frontend calls `Ferndesk('identify', { jwt })`, and the help center and widget "
                "then know the user. This server answers those calls as the real service does, "
                "with an admin API and emulator controls around them.\n\n"
                "Every error is JSON `{\"error\": {\"code\", \"message\", \"reason\"}}`: "
                "`message` is the exact text the real product shows, `reason` the emulator's "
                "explanation. An unknown route answers `404 not_found` (`no such route`), a wrong "
                "method `405 invalid_request`; no input produces an HTML traceback.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/"}],
        "tags": TAGS,
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {BEARER: {
                "type": "http", "scheme": "bearer",
                "description": "the admin token: `--admin-token` or "
                               "`FERNDESK_VERIFIER_ADMIN_TOKEN`, else generated and printed "
                               "once at start"}},
        },
    }
