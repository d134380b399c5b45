"""Reading request bodies: size, content type, JSON object, typed fields.

Every way a body can be wrong becomes an ``InvalidRequest`` with the contract's status (413 too
large, 415 content type, 400 not a JSON object, 422 a field of the wrong type) before any
handler logic runs, so bad input changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from verifier.errors import InvalidRequest

JSON_TYPES = frozenset({"application/json"})
# What a browser's fetch may send without a CORS preflight; the stub SDK uses it.
WIDGET_TYPES = frozenset({"application/json", "text/plain"})


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise InvalidRequest(f"Content-Length {declared[:40]!r} is not a number") from None
        if size > max_bytes:
            raise InvalidRequest(
                f"body of {size} bytes is over the {max_bytes}-byte limit", status=413)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_bytes:
            raise InvalidRequest(f"body is over the {max_bytes}-byte limit", status=413)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json_object(request: Request, max_bytes: int,
                           accepted: frozenset[str] = JSON_TYPES,
                           optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object. With ``optional``, an empty body is ``{}``."""
    raw = await read_body(request, max_bytes)
    if optional and not raw.strip():
        return {}
    kind = media_type(request)
    if kind not in accepted:
        shown = kind or "no Content-Type"
        raise InvalidRequest(
            f"Content-Type {shown[:80]!r} is not accepted; send {' or '.join(sorted(accepted))}",
            status=415)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidRequest("body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidRequest(f"body must be a JSON object, got {json_type(body)}")
    return body


def json_type(value: Any) -> str:
    """How an integrator would name the JSON type of ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def string_field(body: dict[str, Any], key: str, *, required: bool = False,
                 max_length: int = 200) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise InvalidRequest(f"{key} is required", status=422)
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{key} must be a string, got {json_type(value)}", status=422)
    if required and not value.strip():
        raise InvalidRequest(f"{key} must not be blank", status=422)
    if len(value) > max_length:
        raise InvalidRequest(f"{key} is longer than {max_length} characters", status=422)
    return value
