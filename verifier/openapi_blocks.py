"""The building blocks of the OpenAPI document (``openapi.py``): the contract's errors as the
document names them, the components generated from ``shapes.py``, and the small records an
operation is written with (``Operation``, ``Answer``, ``Body``, ``Failure``).

Kept apart from ``openapi.py`` so that the operations table there reads as the contract does,
one entry per route, without the machinery that turns it into OpenAPI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import msgspec

from verifier import errors, shapes

TITLE = "ferndesk-verifier"
BEARER = "bearerAuth"
API_KEY = "apiKeyAuth"

TAGS: list[dict[str, str]] = [
    {"name": "widget", "description":
        "Public, no authentication: what the SDK calls from the integrator's page."},
    {"name": "admin", "description":
        "What an admin does in the real dashboard. Every call needs "
        "`Authorization: Bearer <admin token>`."},
    {"name": "emulator", "description":
        "Emulator-only controls under their own prefix: reset, clock, faults, state export and "
        "import. Admin token required."},
    {"name": "users", "description":
        "Ferndesk's Users API, emulated under `/v1` (the real one is "
        "`https://api.ferndesk.com/v1`): what an integrator's backend calls to provision users "
        "and keep the attributes user-group rules match. Every call needs "
        "`Authorization: Bearer fdsk_...`, an API key of one help center."},
    {"name": "meta", "description":
        "Health, this description, the dashboard's entry, the stub SDK and the widget's files."},
]


# -- the errors, from errors.py --------------------------------------------------------------


ALL_ERRORS = shapes.error_classes()
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


# -- schemas: generated from shapes.py -------------------------------------------------------

REF_TEMPLATE = "#/components/schemas/{name}"
NULL = {"type": "null"}


def ref(shape: type[msgspec.Struct]) -> dict[str, Any]:
    return {"$ref": REF_TEMPLATE.format(name=shape.__name__)}


def list_of(shape: type[msgspec.Struct]) -> dict[str, Any]:
    return {"type": "array", "items": ref(shape)}


def _plain(schema: Any, inlined: dict[str, Any]) -> Any:
    """msgspec's JSON Schema in the document's style: a nested-only shape inlined where it is
    used, ``T | None`` as ``"type": [T, "null"]`` (what /docs and the reference read), an enum
    typed by its values, and no generated titles."""
    if isinstance(schema, list):
        return [_plain(item, inlined) for item in schema]
    if not isinstance(schema, dict):
        return schema
    target = schema.get("$ref", "").removeprefix(REF_TEMPLATE.format(name=""))
    if target in inlined:
        return _plain({k: v for k, v in inlined[target].items() if k != "title"}, inlined)
    out = {key: _plain(value, inlined) for key, value in schema.items()}
    options = out.get("anyOf", [])
    if len(options) == 2 and NULL in options:
        inner = next(option for option in options if option != NULL)
        if "type" in inner:
            out = {**inner, **{k: v for k, v in out.items() if k != "anyOf"},
                   "type": [inner["type"], "null"]}
    if "default" in out and out["default"] is None:  # absent is null already: says nothing
        del out["default"]
    if "enum" in out and "type" not in out:
        kinds = {"string" if isinstance(v, str) else "null" for v in out["enum"]}
        out = {"type": "string" if kinds == {"string"} else ["string", "null"], **out}
    if "enum" in out and isinstance(out.get("type"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


@cache
def schemas() -> dict[str, Any]:
    """``components.schemas``: one per shape of ``shapes.PUBLISHED``, in that order."""
    _, generated = msgspec.json.schema_components(
        (*shapes.PUBLISHED, *shapes.INLINED), ref_template=REF_TEMPLATE)
    inlined = {shape.__name__: generated[shape.__name__] for shape in shapes.INLINED}
    out = {}
    for shape in shapes.PUBLISHED:
        schema = {k: v for k, v in generated[shape.__name__].items() if k != "title"}
        if "description" in schema:  # a docstring's line breaks are not the description's
            schema["description"] = re.sub(r"(?<!\n)\n(?!\n)", " ", schema["description"])
        out[shape.__name__] = {**_plain(schema, inlined),
                               **getattr(shape, "json_schema_extra", {})}
    return out


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
    schema: type[msgspec.Struct] | dict[str, Any]  # a shape, or an inline schema
    media_types: tuple[str, ...] = ("application/json",)
    required: bool = True
    description: str = ""


def path_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}


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

    @property
    def keyed(self) -> bool:
        """A Users API call: an API key, not the admin token."""
        return self.path.startswith("/v1/")
