"""The OpenAPI 3.1 document of the whole HTTP surface (served at ``GET /openapi.json``, and
rendered for people at ``GET /docs``).

It is built once, from ``OPERATIONS``: a table with one entry per route and method, grouped
by tag (meta, widget, admin, users, emulator). Each entry says what the operation does, what it
reads, what it answers on success and which contract errors it can answer. Every error's code,
status and exact message comes from ``errors.py``; nothing here retypes a message, and the ``Error``
schema's ``code`` enum is every error class defined there. ``tests/api/test_openapi.py`` checks
the table against the app's routes both ways. The components are not written here: they are
generated from ``shapes.py`` (``schemas()``), the one declaration of every wire shape.

    document()  -> dict              the cached OpenAPI document
    schemas()   -> dict              components.schemas, generated from shapes.PUBLISHED
    error_rows() -> list[ErrorRow]   the error table (code, status, exact message), for /docs

The records the table is written with, the errors' rows and the generated components live in
``openapi_blocks.py``; this module is the table and the document it makes.
"""

from __future__ import annotations

import importlib.metadata
from functools import cache
from typing import Any

from verifier import errors, shapes
from verifier.openapi_blocks import (
    API_KEY,
    BAD_BODY,
    BEARER,
    CORS,
    HC_ID,
    INTERNAL,
    NO_HELP_CENTER,
    ORIGIN,
    REFERER,
    TAGS,
    TITLE,
    UNAUTHORIZED,
    UNAVAILABLE,
    UNKNOWN_WIDGET,
    WIDGET_ID,
    WIDGET_MEDIA,
    Answer,
    Body,
    Failure,
    Operation,
    fails,
    html_answer,
    json_answer,
    list_of,
    message_of,
    no_content,
    path_param,
    ref,
    schemas,
)
from verifier.openapi_blocks import ErrorRow as ErrorRow
from verifier.openapi_blocks import error_rows as error_rows  # for /docs and the reference
from verifier.routes import admin


def _admin(method: str, path: str, tag: str, operation_id: str, summary: str, description: str,
           answers: dict[int, Answer], *failures: tuple[Failure, ...],
           body: Body | None = None,
           parameters: tuple[dict[str, Any], ...] = ()) -> Operation:
    """An admin-token operation: every one can answer `unauthorized` and `unavailable`."""
    found = [f for group in failures for f in group]
    return Operation(method, path, tag, operation_id, summary, description, answers,
                     (*UNAUTHORIZED, *found, *(BAD_BODY if body else ()), *UNAVAILABLE),
                     body, parameters)


def _keyed(method: str, path: str, operation_id: str, summary: str, description: str,
           answers: dict[int, Answer], *failures: tuple[Failure, ...],
           body: Body | None = None,
           parameters: tuple[dict[str, Any], ...] = ()) -> Operation:
    """A Users API operation: every one can answer `unauthorized` (the key) and
    `unavailable`."""
    found = [f for group in failures for f in group]
    return Operation(method, path, "users", operation_id, summary, description, answers,
                     (*NO_API_KEY, *found, *(BAD_BODY if body else ()), *UNAVAILABLE),
                     body, parameters)


NO_API_KEY = fails("unauthorized", "no `Authorization: Bearer fdsk_...`, a token that is not "
                   "shaped like an API key (the admin token included), or a key that is unknown "
                   "or deleted; the reason says which")
EMAIL_TAKEN = fails("conflict", "another user of the help center has this email "
                    "(case-insensitively); the database decides, so of two racing calls one wins")


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


V1_EMAIL = _query("email", "only the user with this email (exact, case-insensitive)",
                  {"type": "string", "maxLength": shapes.MAX_USER_EMAIL_CHARS})
V1_LIMIT = _query("limit", "at most this many", {
    "type": "integer", "minimum": 1, "maximum": shapes.MAX_USERS_PAGE,
    "default": shapes.DEFAULT_USERS_PAGE})
V1_OFFSET = _query("offset", "skip this many first", {
    "type": "integer", "minimum": 0, "default": 0})
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
              {200: json_answer("the server accepts requests", ref(shapes.Health))}),
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
        "different `sub` in this help center. A user created through the Users API (no "
        "subject yet) is bound to this `sub` by its email; a `disabled` user is "
        "`user_disabled`.\n\n"
        "On success the session and the attempt are recorded, the user's `lastLoginAt` is now "
        "and `emailVerified` true, a token's `customAttributes` replace its attributes (a "
        "token without them leaves them as they are), and the contact form of that "
        "session is pre-filled. A success may carry `warnings` (`[{\"code\", \"reason\"}]`, "
        "present only when there is at least one): no `exp` (`no_expiry`), `exp` more than "
        "24 h ahead (`long_expiry`) or in milliseconds (`expiry_in_milliseconds`), a near-miss "
        "spelling of `customAttributes`, `email`, `name` or `sub` (`unknown_claim`), an "
        "attribute value user-group rules cannot match, left out of the user's attributes "
        "(`unmatchable_attribute`); they never change the status. " + CORS,
        {200: json_answer("identified", ref(shapes.IdentifyResponse))},
        (*fails("jwt_required", "`jwt` is missing, blank or not a string"),
         *BAD_BODY[:1],
         *fails("invalid_jwt", "the token fails a check; `reason` names which"),
         *fails("domain_mismatch", "the calling page may not identify to this help center"),
         *UNKNOWN_WIDGET,
         *fails("subject_mismatch", "the email is bound to another `sub` in this help center"),
         *fails("user_disabled", "the Users API disabled this user"),
         *BAD_BODY[1:3],
         *fails("invalid_request", "`session_id` is not a string", 422),
         *UNAVAILABLE),
        Body(shapes.IdentifyRequest, WIDGET_MEDIA),
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
              {201: json_answer("the new session", ref(shapes.NewSession))},
              (*UNKNOWN_WIDGET, *BAD_BODY[:3], *UNAVAILABLE),
              Body({"type": "object"}, WIDGET_MEDIA, required=False,
                   description="ignored: empty, or any JSON object"),
              (WIDGET_ID,)),
    Operation("post", "/widget/{widget_id}/messages", "widget", "postMessage",
              "Send a contact-form message",
              "The widget's contact form. With a `session_id`, the message is tied to the "
              "session and its user. " + CORS,
              {201: json_answer("the message as stored", ref(shapes.NewMessage))},
              (*UNKNOWN_WIDGET, *BAD_BODY[:3],
               *fails("invalid_request", "a bad field, or `session_id` is not a session of "
                      "this help center", 422),
               *UNAVAILABLE),
              Body(shapes.MessageCreate, WIDGET_MEDIA), (WIDGET_ID,)),
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
           {201: json_answer("the help center", ref(shapes.HelpCenter))},
           fails("conflict", "the chosen `id` or `widget_id` is taken"),
           body=Body(shapes.HelpCenterCreate)),
    _admin("get", "/api/help-centers", "admin", "listHelpCenters", "List help centers", "",
           {200: json_answer("every help center", list_of(shapes.HelpCenter))}),
    _admin("get", HC, "admin", "getHelpCenter", "Get a help center", "",
           {200: json_answer("the help center", ref(shapes.HelpCenter))}, NO_HELP_CENTER,
           parameters=(HC_ID,)),
    _admin("delete", HC, "admin", "deleteHelpCenter", "Delete a help center",
           "Deletes the help center with everything it owns.",
           {204: no_content("deleted")}, NO_HELP_CENTER, parameters=(HC_ID,)),
    _admin("post", HC + "/jwt-secret", "admin", "generateJwtSecret", "Generate the JWT secret",
           "The only time the secret is ever shown (`Cache-Control: no-store`); "
           "`409 secret_exists` if one exists.",
           {201: json_answer("the new secret", ref(shapes.Secret),
                             **{"Cache-Control": "no-store"})},
           NO_HELP_CENTER, fails("secret_exists", "the help center already has a secret"),
           parameters=(HC_ID,)),
    _admin("get", HC + "/jwt-secret", "admin", "getJwtSecretInfo", "Describe the JWT secret",
           "When and which secret (its fingerprint), never the secret.",
           {200: json_answer("the secret's creation time and fingerprint", ref(shapes.SecretInfo))},
           NO_HELP_CENTER, NO_SECRET, parameters=(HC_ID,)),
    _admin("delete", HC + "/jwt-secret", "admin", "deleteJwtSecret", "Delete the JWT secret",
           "Every token signed with it is invalid from then on.",
           {204: no_content("deleted")}, NO_HELP_CENTER, NO_SECRET, parameters=(HC_ID,)),
    _admin("post", HC + "/api-keys", "admin", "createApiKey", "Create a Users API key",
           "A key for the Users API (`/v1`, `Authorization: Bearer fdsk_...`), scoped to this "
           "help center. The only time the key is shown (`Cache-Control: no-store`).",
           {201: json_answer("the new key", ref(shapes.ApiKey),
                             **{"Cache-Control": "no-store"})},
           NO_HELP_CENTER, parameters=(HC_ID,)),
    _admin("get", HC + "/api-keys", "admin", "listApiKeys", "List Users API keys",
           "The help center's keys, oldest first, without the keys themselves.",
           {200: json_answer("the keys", list_of(shapes.ApiKeyInfo))}, NO_HELP_CENTER,
           parameters=(HC_ID,)),
    _admin("delete", HC + "/api-keys/{key_id}", "admin", "deleteApiKey",
           "Delete a Users API key",
           "The key is refused from then on (`401 unauthorized`, whose reason says it was "
           "deleted).",
           {204: no_content("deleted")},
           fails("not_found", "no help center has this `id`, or it has no live key with this "
                 "`key_id`"),
           parameters=(HC_ID, path_param("key_id", "the key's `id` (`key_...`)"))),
    _admin("get", HC + "/users", "admin", "listUsers", "List users",
           "The help center's users: those identify has bound, one per `sub`, and those the "
           "Users API created (`sub: null` until an identify binds them).",
           {200: json_answer("the users", list_of(shapes.User))}, NO_HELP_CENTER,
           parameters=(HC_ID,)),
    _admin("delete", HC + "/users/{sub}", "admin", "deleteUser", "Delete a user",
           "Re-provisions the user, so its email can be bound to another `sub`.",
           {204: no_content("deleted")},
           fails("not_found", "no help center has this `id`, or it has no user with this "
                 "`sub`"),
           parameters=(HC_ID, SUB)),
    _admin("get", HC + "/sessions", "admin", "listSessions", "List widget sessions", "",
           {200: json_answer("the sessions", list_of(shapes.Session))}, NO_HELP_CENTER,
           parameters=(HC_ID,)),
    _admin("get", HC + "/identify-attempts", "admin", "listIdentifyAttempts",
           "List identify attempts",
           "Every identify call of this help center, newest first, with its outcome (`ok` on "
           "success) and reason, and a success's `warnings` when it had any.",
           {200: json_answer("the attempts, newest first", list_of(shapes.Attempt))},
           NO_HELP_CENTER,
           fails("invalid_request", "`limit` is not a whole number in range", 422),
           parameters=(HC_ID, LIMIT)),
    _admin("get", HC + "/messages", "admin", "listMessages", "List contact-form messages", "",
           {200: json_answer("the messages", list_of(shapes.Message))}, NO_HELP_CENTER,
           parameters=(HC_ID,)),

    # -- users (/v1) ----------------------------------------------------------------------------
    _keyed("get", "/v1/users", "listV1Users", "List help center users",
           "The API key's help center's users, oldest first (by creation, then creation "
           "order), those identify bound and those created here alike.",
           {200: json_answer("a page of users", ref(shapes.UserPage))},
           fails("invalid_request", "`limit` or `offset` is not a whole number in range, or "
                 "`email` cannot be an email", 422),
           parameters=(V1_EMAIL, V1_LIMIT, V1_OFFSET)),
    _keyed("post", "/v1/users", "createV1User", "Create a help center user",
           "A user without a subject yet, in the API key's help center. `email` is checked as "
           "identify checks a token's and stored lower-case; each attribute value is a "
           "string, a number, a boolean, or an array whose items are all strings, all numbers "
           "or all booleans. Unknown fields are refused.",
           {201: json_answer("the user", ref(shapes.HelpCenterUser))}, EMAIL_TAKEN,
           body=Body(shapes.UserCreate)),
    _keyed("patch", "/v1/users/{id}", "updateV1User", "Change a help center user",
           "Every field optional: an absent one is unchanged, `name: null` clears the name, "
           "`attributes` replaces the whole object. Unknown fields are refused.",
           {200: json_answer("the user as changed", ref(shapes.HelpCenterUser))},
           fails("not_found", "no user has this `id` in the API key's help center"),
           EMAIL_TAKEN, body=Body(shapes.UserUpdate),
           parameters=(path_param("id", "the user's `id` (`hcusr_...`)"),)),

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
           {200: json_answer("the clock", ref(shapes.Clock))}),
    _admin("put", EMU + "/clock", "emulator", "setClock", "Set the clock",
           "`{\"offset_seconds\": N}` shifts now, `{\"frozen_at\": ISO-8601}` stops it, `{}` "
           "restores the real clock; every expiry, `nbf`/`iat` check and timestamp uses this "
           "now.",
           {200: json_answer("the clock as set", ref(shapes.Clock))},
           body=Body(shapes.ClockUpdate, required=False)),
    _admin("post", EMU + "/help-centers/{id}/faults", "emulator", "injectFault",
           "Inject a fault",
           "The next `times` identify calls of that help center answer that error (exact "
           "contract message) or status, or wait `delay_ms` first.",
           {201: json_answer("the fault", ref(shapes.Fault))}, NO_HELP_CENTER,
           body=Body(shapes.FaultCreate), parameters=(HC_ID,)),
    _admin("get", EMU + "/help-centers/{id}/faults", "emulator", "listFaults", "List faults",
           "", {200: json_answer("the help center's faults", list_of(shapes.Fault))},
           NO_HELP_CENTER, parameters=(HC_ID,)),
    _admin("delete", EMU + "/help-centers/{id}/faults", "emulator", "clearFaults",
           "Clear faults", "Pending faults are cleared.",
           {204: no_content("cleared")}, NO_HELP_CENTER, parameters=(HC_ID,)),
    _admin("get", EMU + "/state", "emulator", "exportState", "Export the state",
           "The whole state as JSON, secrets included: the one place they are readable again, "
           "as in any emulator's export.",
           {200: json_answer("the state", ref(shapes.State), **{"Cache-Control": "no-store"})}),
    _admin("put", EMU + "/state", "emulator", "importState", "Import a state",
           "Replaces the whole state with an export (or a seed of the same shape), in one "
           "transaction: on `422` nothing changed.",
           {204: no_content("replaced")}, body=Body(shapes.State)),
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
            "content": {"application/json": {"schema": ref(shapes.Error), "examples": examples}}}


def _fault_response() -> dict[str, Any]:
    status = 503
    description = (
        "An emulator fault (`POST /api/emulator/help-centers/{id}/faults`) answers any status: "
        f"given only a status, `injected_fault` (e.g. \"{message_of('injected_fault', status)}\""
        f" for `status: {status}`); given a `code`, that code's exact message, at the fault's "
        "status or the code's own.")
    return {"description": description, "x-error-codes": list(errors.CONTRACT_ERRORS),
            "content": {"application/json": {"schema": ref(shapes.Error)}}}


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
        schema = (op.body.schema if isinstance(op.body.schema, dict)
                  else ref(op.body.schema))
        out["requestBody"] = {
            "required": op.body.required,
            "content": {media: {"schema": schema} for media in op.body.media_types},
        }
        if op.body.description:
            out["requestBody"]["description"] = op.body.description
    if op.admin:
        out["security"] = [{BEARER: []}]
    elif op.keyed:
        out["security"] = [{API_KEY: []}]
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
            "schemas": schemas(),
            "securitySchemes": {BEARER: {
                "type": "http", "scheme": "bearer",
                "description": "the admin token: `--admin-token` or "
                               "`FERNDESK_VERIFIER_ADMIN_TOKEN`, else generated and printed "
                               "once at start"},
                API_KEY: {
                    "type": "http", "scheme": "bearer",
                    "description": "a Users API key (`fdsk_...`) of one help center: "
                                   "`POST /api/help-centers/{id}/api-keys` makes one"}},
        },
    }
