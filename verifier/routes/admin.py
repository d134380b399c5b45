"""The admin API (``/api/help-centers...``): what an admin does in the real dashboard.

Every call needs ``Authorization: Bearer <admin token>``. Handlers validate input, then call
``store.Store`` in Starlette's thread pool, since those queries go through SQLAlchemy's pool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from verifier import domains, keys
from verifier.errors import InvalidRequest, Unauthorized
from verifier.identifiers import IDENTIFIER, IDENTIFIER_RULE
from verifier.payloads import read_json_object, string_field
from verifier.routes.shape_response import ShapeResponse
from verifier.services import services
from verifier.shapes import MAX_DOMAIN_CHARS, MAX_ID_CHARS, MAX_NAME_CHARS
from verifier.store import Store

Handler = Callable[[Request], Awaitable[Response]]
MAX_ATTEMPTS_LISTED = 1000


def admin_only(handler: Handler) -> Handler:
    """Refuse the call unless it carries the admin token (compared in constant time)."""

    @wraps(handler)
    async def guarded(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise Unauthorized("send Authorization: Bearer <admin token>")
        if not keys.tokens_equal(given.strip(), services(request).admin_token):
            raise Unauthorized("the bearer token is not this server's admin token")
        return await handler(request)

    return guarded


def _store(request: Request) -> Store:
    store: Store = services(request).store
    return store


def _identifier(body: dict[str, Any], key: str) -> str | None:
    value = string_field(body, key, max_length=MAX_ID_CHARS)
    if value is not None and not IDENTIFIER.fullmatch(value):
        raise InvalidRequest(f"{key} {IDENTIFIER_RULE}", status=422)
    return value


@admin_only
async def create_help_center(request: Request) -> Response:
    body = await read_json_object(request, services(request).settings.max_body_bytes)
    name = string_field(body, "name", required=True, max_length=MAX_NAME_CHARS)
    raw_domain = string_field(body, "domain", required=True, max_length=MAX_DOMAIN_CHARS)
    assert name is not None and raw_domain is not None
    try:
        domain = domains.normalize_help_center_domain(raw_domain)
    except domains.InvalidHelpCenterDomain as refused:
        raise InvalidRequest(f"domain: {refused.reason}", status=422) from None
    created = await run_in_threadpool(
        _store(request).create_help_center, name.strip(), domain,
        _identifier(body, "widget_id"), _identifier(body, "id"))
    return ShapeResponse(created, status_code=201)


@admin_only
async def list_help_centers(request: Request) -> Response:
    return ShapeResponse(await run_in_threadpool(_store(request).list_help_centers))


@admin_only
async def get_help_center(request: Request) -> Response:
    return ShapeResponse(
        await run_in_threadpool(_store(request).get_help_center, request.path_params["id"]))


@admin_only
async def delete_help_center(request: Request) -> Response:
    await run_in_threadpool(_store(request).delete_help_center, request.path_params["id"])
    return Response(status_code=204)


@admin_only
async def generate_secret(request: Request) -> Response:
    created = await run_in_threadpool(_store(request).generate_secret, request.path_params["id"])
    # The only time the secret is shown: make sure no cache keeps it.
    return ShapeResponse(created, status_code=201, headers={"Cache-Control": "no-store"})


@admin_only
async def secret_info(request: Request) -> Response:
    return ShapeResponse(
        await run_in_threadpool(_store(request).secret_info, request.path_params["id"]))


@admin_only
async def delete_secret(request: Request) -> Response:
    await run_in_threadpool(_store(request).delete_secret, request.path_params["id"])
    return Response(status_code=204)


@admin_only
async def list_users(request: Request) -> Response:
    return ShapeResponse(
        await run_in_threadpool(_store(request).list_users, request.path_params["id"]))


@admin_only
async def delete_user(request: Request) -> Response:
    await run_in_threadpool(
        _store(request).delete_user, request.path_params["id"], request.path_params["sub"])
    return Response(status_code=204)


@admin_only
async def list_sessions(request: Request) -> Response:
    return ShapeResponse(
        await run_in_threadpool(_store(request).list_sessions, request.path_params["id"]))


@admin_only
async def list_attempts(request: Request) -> Response:
    raw_limit = request.query_params.get("limit", str(MAX_ATTEMPTS_LISTED))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_ATTEMPTS_LISTED:
        raise InvalidRequest(f"limit must be a whole number from 1 to {MAX_ATTEMPTS_LISTED}",
                             status=422)
    return ShapeResponse(await run_in_threadpool(
        _store(request).list_attempts, request.path_params["id"], int(raw_limit)))


@admin_only
async def list_messages(request: Request) -> Response:
    return ShapeResponse(
        await run_in_threadpool(_store(request).list_messages, request.path_params["id"]))


@admin_only
async def create_api_key(request: Request) -> Response:
    created = await run_in_threadpool(_store(request).create_api_key, request.path_params["id"])
    # The only time the key is shown: make sure no cache keeps it.
    return ShapeResponse(created, status_code=201, headers={"Cache-Control": "no-store"})


@admin_only
async def list_api_keys(request: Request) -> Response:
    return ShapeResponse(
        await run_in_threadpool(_store(request).list_api_keys, request.path_params["id"]))


@admin_only
async def delete_api_key(request: Request) -> Response:
    await run_in_threadpool(_store(request).delete_api_key, request.path_params["id"],
                            request.path_params["key_id"])
    return Response(status_code=204)
