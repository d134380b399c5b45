"""Trailing-slash redirects that stay on this server.

Starlette's ``Router.redirect_slashes`` answers ``/api/help-centers/`` with a 307 to an absolute
URL built from the request's ``Host`` header, so a forged Host (a cache or proxy in between, a
link in a log) turns the verifier into a redirector to any site. This does the same redirects
(same cases, same 307, query string kept) with a relative ``Location``: the path alone.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.routing import Match, Router, get_route_path
from starlette.types import Receive, Scope, Send


def install(router: Router) -> None:
    """Replace ``router``'s own slash redirects with these (they run when no route matched)."""
    router.redirect_slashes = False
    router.default = SlashRedirectOrNotFound(router)


class SlashRedirectOrNotFound:
    """The router's fallback: redirect to the path with its trailing slash toggled when a route
    matches that, else the router's usual not-found."""

    def __init__(self, router: Router) -> None:
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        location = redirect_location(self.router, scope) if scope["type"] == "http" else None
        if location is None:
            await self.router.not_found(scope, receive, send)
            return
        await RedirectResponse(location)(scope, receive, send)


def redirect_location(router: Router, scope: Scope) -> str | None:
    if get_route_path(scope) == "/":
        return None
    path: str = scope["path"]
    toggled = path.rstrip("/") if path.endswith("/") else path + "/"
    # "//host" would be a protocol-relative URL, i.e. another site (no route matches one).
    if not toggled or toggled.startswith(("//", "/\\")):
        return None
    other = {**scope, "path": toggled}
    if all(route.matches(other)[0] is Match.NONE for route in router.routes):
        return None
    location = scope.get("root_path", "") + toggled
    query = scope.get("query_string", b"")
    return f"{location}?{query.decode('latin-1')}" if query else location
