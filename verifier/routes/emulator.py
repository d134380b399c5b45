"""The emulator controls (``/api/emulator/...``): reset, clock, faults, state export/import.

Emulator-only powers the real service never offers, under their own prefix and behind the
admin token, so that an integrator's CI can make time pass, inject failures and start from a
known state.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from verifier.clock import check_offset, parse_isoformat
from verifier.controls import Controls
from verifier.errors import InvalidRequest
from verifier.payloads import read_json_object
from verifier.routes.admin import admin_only
from verifier.routes.shape_response import ShapeResponse
from verifier.services import services
from verifier.state import StateError, import_state, validate_fault
from verifier.state_export import export_state

MAX_STATE_BYTES = 32 * 1024 * 1024  # an export is larger than an identify body


def _controls(request: Request) -> Controls:
    controls: Controls = services(request).controls
    return controls


@admin_only
async def reset_all(request: Request) -> Response:
    await run_in_threadpool(_controls(request).reset_all)
    return Response(status_code=204)


@admin_only
async def reset_help_center(request: Request) -> Response:
    await run_in_threadpool(_controls(request).reset_help_center, request.path_params["id"])
    return Response(status_code=204)


@admin_only
async def get_clock(request: Request) -> Response:
    return ShapeResponse(await run_in_threadpool(_controls(request).clock))


@admin_only
async def put_clock(request: Request) -> Response:
    body = await read_json_object(request, services(request).settings.max_body_bytes,
                                  optional=True)
    unknown = set(body) - {"offset_seconds", "frozen_at"}
    if unknown or len(body) > 1:
        raise InvalidRequest("send {\"offset_seconds\": N}, {\"frozen_at\": ISO-8601} or {} "
                             "(restores the real clock)", status=422)
    offset, frozen = body.get("offset_seconds"), body.get("frozen_at")
    if "offset_seconds" in body:
        try:
            if not isinstance(offset, int | float) or isinstance(offset, bool):
                raise ValueError("offset_seconds must be a number of seconds")
            check_offset(offset)
        except ValueError as exc:
            raise InvalidRequest(str(exc), status=422) from None
    frozen_at = None
    if "frozen_at" in body:
        try:
            frozen_at = parse_isoformat(frozen) if isinstance(frozen, str) else None
        except (ValueError, OverflowError):
            frozen_at = None
        if frozen_at is None:
            raise InvalidRequest("frozen_at must be an ISO-8601 instant between 1970 and "
                                 "9998, e.g. 2026-11-24T10:00:00Z", status=422)
    return ShapeResponse(await run_in_threadpool(_controls(request).set_clock, offset, frozen_at))


@admin_only
async def add_fault(request: Request) -> Response:
    body = await read_json_object(request, services(request).settings.max_body_bytes)
    try:
        fault = validate_fault(body)
    except StateError as exc:
        raise InvalidRequest(str(exc), status=422) from None
    created = await run_in_threadpool(_controls(request).add_fault, request.path_params["id"],
                                      fault)
    return ShapeResponse(created, status_code=201)


@admin_only
async def list_faults(request: Request) -> Response:
    return ShapeResponse(
        await run_in_threadpool(_controls(request).list_faults, request.path_params["id"]))


@admin_only
async def clear_faults(request: Request) -> Response:
    await run_in_threadpool(_controls(request).clear_faults, request.path_params["id"])
    return Response(status_code=204)


@admin_only
async def get_state(request: Request) -> Response:
    exported = await run_in_threadpool(export_state, services(request).engine)
    return ShapeResponse(exported, headers={"Cache-Control": "no-store"})


@admin_only
async def put_state(request: Request) -> Response:
    body = await read_json_object(request, MAX_STATE_BYTES)
    try:
        await run_in_threadpool(import_state, services(request).engine, body, replace=True)
    except StateError as exc:
        raise InvalidRequest(f"state: {exc}", status=422) from None
    return Response(status_code=204)
