"""An integrator's backend job that keeps Ferndesk's help center users in step with its own.

The shape of a real sync against Ferndesk's Users API (`/v1/users`): for each of the app's
users, look the help center user up by email, create it if missing, and patch what differs
(name, attributes, disabled). It is idempotent: a second run changes nothing. Only the base URL
differs between the emulator and production:

    FERNDESK_API_URL=http://127.0.0.1:8765/v1 FERNDESK_API_KEY=fdsk_... \\
    python examples/users_api/sync_users.py examples/users_api/app_users.json

Standard library only, so it runs anywhere Python does.
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
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method,
            headers={"Authorization": f"Bearer {self.api_key}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            detail = json.load(error).get("error", {})
            raise SystemExit(f"{method} {path}: {error.code} {detail.get('code')}: "
                             f"{detail.get('reason')}") from None


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
    api = UsersApi(os.environ.get("FERNDESK_API_URL", "http://127.0.0.1:8765/v1"),
                   os.environ["FERNDESK_API_KEY"])
    print(json.dumps(sync(api, json.loads(users_file.read_text()))))


if __name__ == "__main__":
    main()
