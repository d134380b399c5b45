"""The ceiling identify is measured against: a bare Starlette endpoint that only parses the JSON
body and verifies the same HS256 token with PyJWT. No database, no rules, no journal."""

from __future__ import annotations

import os

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SECRET = os.environ["BENCH_SECRET"]


async def identify(request: Request) -> JSONResponse:
    body = await request.json()
    claims = jwt.decode(body["jwt"], SECRET, algorithms=["HS256"])
    return JSONResponse({"user": {"sub": claims["sub"], "email": claims["email"]}})


app = Starlette(routes=[Route("/widget/{widget_id}/identify", identify, methods=["POST"])])
