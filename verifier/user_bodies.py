"""The Users API's inputs checked (``/v1``): the bodies of ``POST`` and ``PATCH
/v1/users...`` and the paging of ``GET /v1/users``. Pure functions; each refusal is a
``422 invalid_request`` whose reason names the field (and, for attributes, the key).

A body is converted to its ``shapes`` struct first (types, limits, unknown fields: the struct
is the one declaration, and the document's), then checked for what a type cannot say: an email
by identify's rule (``emails.email_problem``), attribute values by the one rule user-group
rules can match (``attributes.value_problem``), and text no database stores (``text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeVar

import msgspec
from msgspec import UNSET

from verifier.attributes import ALLOWED, value_problem
from verifier.emails import email_problem
from verifier.errors import InvalidRequest
from verifier.reasons import cap, quote
from verifier.shapes import (
    DEFAULT_USERS_PAGE,
    MAX_USER_EMAIL_CHARS,
    MAX_USERS_PAGE,
    UserCreate,
    UserUpdate,
    field_names,
)
from verifier.text import unstorable

MAX_OFFSET: Final = 2**31 - 1  # an offset the database's integer parameter always holds

Body = TypeVar("Body", UserCreate, UserUpdate)


def user_create(body: dict[str, Any]) -> UserCreate:
    return _checked(body, UserCreate)


def user_update(body: dict[str, Any]) -> UserUpdate:
    return _checked(body, UserUpdate)


def paging(query: Mapping[str, str]) -> tuple[str | None, int, int]:
    """``email``, ``limit`` (1-100, default 20) and ``offset`` (>= 0) of ``GET /v1/users``."""
    limit = _whole(query, "limit", DEFAULT_USERS_PAGE, 1, MAX_USERS_PAGE)
    offset = _whole(query, "offset", 0, 0, MAX_OFFSET)
    email = query.get("email")
    if email is not None:
        problem = unstorable(email)
        if problem:
            raise InvalidRequest(f"email {problem}", status=422)
        if len(email) > MAX_USER_EMAIL_CHARS:
            raise InvalidRequest(f"email is longer than {MAX_USER_EMAIL_CHARS} characters",
                                 status=422)
    return email, limit, offset


def _whole(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise InvalidRequest(f"{name} must be a whole number from {low} to {high}, got "
                             f"{quote(raw[:40])}", status=422)
    return int(raw)


def _checked(body: dict[str, Any], shape: type[Body]) -> Body:
    _known_fields(body, shape)
    try:
        value = msgspec.convert(body, shape)
    except msgspec.ValidationError as refused:
        raise InvalidRequest(cap(_located(str(refused))), status=422) from None
    if value.email is not UNSET:
        if problem := unstorable(value.email):  # not quoted: no answer can carry it
            raise InvalidRequest(f"email {problem}", status=422)
        if problem := email_problem(value.email):
            raise InvalidRequest(f"email {quote(value.email)} does not look like an email: "
                                 f"{problem}", status=422)
    if isinstance(value.name, str) and (problem := unstorable(value.name)):
        raise InvalidRequest(f"name {problem}", status=422)
    if value.attributes is not UNSET:
        _check_attributes(value.attributes)
    return value


def _known_fields(body: dict[str, Any], shape: type[Body]) -> None:
    """Refuse a field the body's shape does not have (a misspelt ``attributes`` silently
    ignored would leave the user without them), named safely: msgspec's own message would
    repeat a name no answer can carry."""
    known = field_names(shape)
    for name in body:
        if name in known:
            continue
        shown = "whose name " + problem if (problem := unstorable(name)) else quote(name)
        raise InvalidRequest(f"unknown field {shown}; the fields are "
                             f"{', '.join(shape.__struct_fields__)}", status=422)


def _check_attributes(attributes: dict[str, Any]) -> None:
    for key, item in attributes.items():
        if problem := unstorable(key):  # not named: no answer can carry it
            raise InvalidRequest(f"attributes: a key {problem}", status=422)
        kind = value_problem(item)
        if kind is not None:
            raise InvalidRequest(f"attributes.{key[:80]}: {kind} is not an attribute value "
                                 f"rules can match; each value is {ALLOWED}", status=422)
        for text in item if isinstance(item, list) else [item]:
            if isinstance(text, str) and (problem := unstorable(text)):
                raise InvalidRequest(f"attributes.{key[:80]}: the value {problem}", status=422)


def _located(message: str) -> str:
    """msgspec's ``Expected `str`, got `int` - at `$.email``` as ``email: expected `str`, got
    `int```: the field first, as the other 422 reasons name it."""
    text, _, where = message.partition(" - at ")
    if not where:
        return text
    where = where.replace("`", "")
    if where.startswith("key in "):
        where = where.removeprefix("key in ") + " (a key)"
    return f"{where.removeprefix('$.')}: {text[:1].lower()}{text[1:]}"
