"""Ferndesk's Users API, emulated (``/v1``, contract section 7): what an integrator's backend
calls to provision users and keep the attributes user-group rules match.

Every call needs ``Authorization: Bearer fdsk_...``, a key of one help center
(``POST /api/help-centers/{id}/api-keys``); the help center is the key's, never named in the
path. Handlers check the header and the input here (``user_bodies``), then call
``users_api.UsersApi`` in Starlette's thread pool, which resolves the key in the same
transaction as the work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from verifier import api_keys, keys, user_bodies
from verifier.errors import Unauthorized
from verifier.payloads import read_json_object
from verifier.routes.shape_response import ShapeResponse
from verifier.services import services
from verifier.users_api import UsersApi

KeyedHandler = Callable[[Request, str], Awaitable[Response]]
HOW = "create one with POST /api/help-centers/{id}/api-keys"


def with_api_key(handler: KeyedHandler) -> Callable[[Request], Awaitable[Response]]:
    """Pass the handler the request's API key, once it is shaped like one; refuse the call
    with ``401 unauthorized`` saying what is wrong, never repeating what was sent."""

    @wraps(handler)
    async def keyed(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        given = given.strip()
        if not header.strip():
            raise Unauthorized(f"send Authorization: Bearer fdsk_... (a Users API key; {HOW})")
        if scheme.lower() != "bearer" or not given:
            raise Unauthorized("the Authorization header is not Bearer fdsk_...")
        if keys.tokens_equal(given, services(request).admin_token):
            raise Unauthorized(f"the admin token does not open the Users API: send an API key "
                               f"(fdsk_...); {HOW}")
        problem = api_keys.key_problem(given)
        if problem:
            raise Unauthorized(f"the bearer token is not an API key: {problem}")
        return await handler(request, given)

    return keyed


def _users(request: Request) -> UsersApi:
    return UsersApi(services(request).engine)


@with_api_key
async def list_users(request: Request, key: str) -> Response:
    email, limit, offset = user_bodies.paging(request.query_params)
    return ShapeResponse(
        await run_in_threadpool(_users(request).list_users, key, email, limit, offset))


@with_api_key
async def create_user(request: Request, key: str) -> Response:
    body = await read_json_object(request, services(request).settings.max_body_bytes)
    created = await run_in_threadpool(_users(request).create_user, key,
                                      user_bodies.user_create(body))
    return ShapeResponse(created, status_code=201)


@with_api_key
async def update_user(request: Request, key: str) -> Response:
    body = await read_json_object(request, services(request).settings.max_body_bytes)
    change = user_bodies.user_update(body)
    return ShapeResponse(await run_in_threadpool(
        _users(request).update_user, key, request.path_params["id"], change))
