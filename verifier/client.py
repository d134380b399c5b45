"""One small HTTP client for a running verifier, shared by the CLI (``token --help-center``)
and the pytest plugin.

Standard library only: the plugin imports it in every pytest run of every project that has the
package installed. Two things it decides once for both callers:

- an answer is an ``Answer`` whatever its status (a 4xx is something to report, not an
  exception); only a verifier that cannot be reached raises (``Unreachable``);
- a loopback verifier is reached directly, whatever ``HTTP_PROXY`` says: a developer's or a CI
  machine's proxy cannot reach the verifier on *their* loopback, and used to turn a running
  verifier into "cannot reach".
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Answer", "Unreachable", "VerifierClient"]


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status and parsed JSON (None for an empty body; the text when the body
    is not JSON)."""

    status: int
    json: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def error(self) -> dict[str, Any] | None:
        return self.json.get("error") if isinstance(self.json, dict) else None


class Unreachable(OSError):
    """The verifier did not answer at all (refused, timed out, unknown host); ``reason`` says
    which, as the operating system put it."""

    def __init__(self, url: str, reason: object) -> None:
        super().__init__(f"cannot reach {url}: {reason}")
        self.url = url
        self.reason = reason


class VerifierClient:
    """Calls to one verifier at ``url`` (``http://`` or ``https://``), with its admin token
    when it has one."""

    def __init__(self, url: str, admin_token: str | None = None, timeout: float = 30) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the verifier's URL must be http:// or https://, got {url!r}")
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self.timeout = timeout
        self._opener = _opener(parts.hostname)

    def request(self, method: str, path: str, body: Any = None, *, admin: bool = True,
                headers: dict[str, str] | None = None) -> Answer:
        """``method path`` with ``body`` as JSON; the admin token unless ``admin=False``."""
        sent = {"Accept": "application/json", **(headers or {})}
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
        if admin and self.admin_token:
            sent["Authorization"] = f"Bearer {self.admin_token}"
        data = None if body is None else json.dumps(body).encode()
        # The scheme was checked in __init__: only http(s) reaches urllib.
        request = urllib.request.Request(self.url + path, data=data, method=method,  # noqa: S310
                                         headers=sent)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return _answer(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return _answer(error.code, error.read(), dict(error.headers))
        except (urllib.error.URLError, OSError) as exc:
            raise Unreachable(self.url, getattr(exc, "reason", None) or exc) from None


def _opener(hostname: str) -> urllib.request.OpenerDirector:
    try:
        loopback = hostname == "localhost" or ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        loopback = False
    return urllib.request.build_opener(urllib.request.ProxyHandler({}) if loopback
                                       else urllib.request.ProxyHandler())


def _answer(status: int, raw: bytes, headers: dict[str, str]) -> Answer:
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode("utf-8", "replace")
    return Answer(status, parsed, headers)
