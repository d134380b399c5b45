"""CORS for the widget API, decided per call by the domain rule.

Starlette's CORSMiddleware is not enough here: it lets a disallowed origin's POST through to the
handler and, in wildcard mode, echoes any origin together with credentials. The contract wants
the opposite pairing: every origin may *read* an answer (so the SDK on a disallowed page can
print ``domain_mismatch``'s exact message), but credentials are only ever allowed for an origin
that passes the domain rule, and never with ``*``.
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
