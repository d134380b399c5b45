"""CORS for the widget API, decided per call by the domain rule.

Starlette's CORSMiddleware is not enough here: it lets a disallowed origin's POST through to the
handler and, in wildcard mode, echoes any origin together with credentials. The contract wants
the opposite pairing: every origin may *read* an answer (so the SDK on a disallowed page can
print ``domain_mismatch``'s exact message), but credentials are only ever allowed for an origin
that passes the domain rule, and never with ``*``.

``widget_cors_headers`` gives every other answer under ``/widget/`` (errors of any route, the
app's own 404/405/503, added where ``app.py`` answers errors) the same headers identify gives a
refused page, so the SDK can always read why.
"""

from __future__ import annotations

from starlette.requests import Request

ALLOWED_METHODS = "POST, OPTIONS"
DEFAULT_ALLOWED_HEADERS = "content-type"
PREFLIGHT_MAX_AGE = "600"


def cors_headers(origin_header: str | None, allowed: bool) -> dict[str, str]:
    """Headers for an actual response. ``origin_header`` is the request's Origin, if any."""
    if origin_header is None:
        return {"Vary": "Origin"}
    headers = {"Access-Control-Allow-Origin": origin_header, "Vary": "Origin"}
    if allowed and origin_header != "null":
        headers["Access-Control-Allow-Credentials"] = "true"
    return headers


def preflight_headers(request: Request, allowed: bool) -> dict[str, str]:
    origin = request.headers.get("origin")
    headers = cors_headers(origin, allowed)
    if origin is None:
        return headers
    requested = request.headers.get("access-control-request-headers")
    headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    headers["Access-Control-Allow-Headers"] = _safe_header_list(requested)
    headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    headers["Vary"] = "Origin, Access-Control-Request-Headers"
    return headers


def _safe_header_list(requested: str | None) -> str:
    """Echo the requested header names, keeping only token characters (no header injection)."""
    if not requested:
        return DEFAULT_ALLOWED_HEADERS
    names = [
        name.strip() for name in requested.split(",")
        if name.strip() and all(c.isalnum() or c in "-_" for c in name.strip())
    ]
    return ", ".join(names[:20]) or DEFAULT_ALLOWED_HEADERS


WIDGET_PREFIX = "/widget/"


def widget_cors_headers(path: str, origin_header: str | None) -> dict[str, str]:
    """What any answer under ``/widget/`` carries when its handler decided nothing: readable by
    every page, never with credentials (identify's answer to a page the domain rule refuses).
    Other paths get nothing: the admin API is not for browsers on other origins."""
    return cors_headers(origin_header, False) if path.startswith(WIDGET_PREFIX) else {}
