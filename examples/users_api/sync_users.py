"""An integrator's backend job that keeps Ferndesk's help center users in step with its own.

The shape of a real sync against Ferndesk's Users API (`/v1/users`): for each of the app's
users, look the help center user up by email, create it if missing, and patch what differs
(name, attributes, disabled). It is idempotent: a second run changes nothing. It never deletes:
a user who left the app stays until the file says ``"disabled": true``. The email is the join
key, so a changed email reads as a new user. Only the base URL differs between the emulator and
production:

    FERNDESK_API_URL=http://127.0.0.1:8765/v1 FERNDESK_API_KEY=fdsk_... \\
    python examples/users_api/sync_users.py examples/users_api/app_users.json

Standard library only, so it runs anywhere Python does. It prints what it did as one JSON line
(``{"created": 3, "updated": 0, "unchanged": 0}``); a refused call or an unreachable server is one
line on stderr and exit status 1, a missing ``FERNDESK_API_KEY`` exit status 2.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

SYNCED = ("name", "attributes", "disabled")


class UsersApi:
    """The three calls the sync needs, with the API key on each."""

    def __init__(self, base_url: str, api_key: str) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise SystemExit(f"FERNDESK_API_URL must be an http(s) URL, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def find(self, email: str) -> dict[str, Any] | None:
        query = urllib.parse.urlencode({"email": email, "limit": 1})
        items = self._call("GET", f"/users?{query}")["items"]
        return items[0] if items else None

    def create(self, user: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/users", user)

    def update(self, user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self._call("PATCH", f"/users/{urllib.parse.quote(user_id)}", changes)

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 (http(s) only: checked in __init__)
            self.base_url + path, data=data, method=method,
            headers={"Authorization": f"Bearer {self.api_key}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise SystemExit(f"{method} {path}: {error.code} {_error_detail(error)}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise SystemExit(f"cannot reach the Users API at {self.base_url}: {reason}") from None


def _error_detail(error: urllib.error.HTTPError) -> str:
    """The error body's code and reason (the emulator's and the contract's shape), or the
    status text when the body is something else, such as a proxy's HTML page."""
    try:
        detail = json.load(error)["error"]
        return f"{detail['code']}: {detail['reason']}"
    except (ValueError, KeyError, TypeError):
        return str(error.reason)


def sync(api: UsersApi, app_users: list[dict[str, Any]]) -> dict[str, int]:
    """Create the missing users and patch the ones that differ; returns what it did."""
    done = {"created": 0, "updated": 0, "unchanged": 0}
    for wanted in app_users:
        current = api.find(wanted["email"])
        if current is None:
            api.create({"email": wanted["email"],
                        **{key: wanted[key] for key in SYNCED if key in wanted}})
            done["created"] += 1
            continue
        changes = {key: wanted[key] for key in SYNCED
                   if key in wanted and wanted[key] != current[key]}
        if changes:
            api.update(current["id"], changes)
            done["updated"] += 1
        else:
            done["unchanged"] += 1
    return done


def main() -> None:
    users_file = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name(
        "app_users.json"))
    api_key = os.environ.get("FERNDESK_API_KEY")
    if not api_key:
        print("set FERNDESK_API_KEY to a Users API key (fdsk_...)", file=sys.stderr)
        raise SystemExit(2)
    api = UsersApi(os.environ.get("FERNDESK_API_URL", "http://127.0.0.1:8765/v1"), api_key)
    print(json.dumps(sync(api, json.loads(users_file.read_text()))))

if __name__ == "__main__":
    main()
