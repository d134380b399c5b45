"""The backend-sync example (``examples/users_api/sync_users.py``) run as the README prints it,
against a real server: it creates what is missing, changes nothing on a second run, patches
only what differs, and leaves ``/v1/users`` saying exactly what the app's file says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2

from tests.conftest import ADMIN
from tests.process.conftest import Server, free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "users_api"
SCRIPT = EXAMPLE / "sync_users.py"
APP_USERS = EXAMPLE / "app_users.json"


def api_key(server: Server) -> str:
    """A fresh help center's Users API key."""
    made = httpx2.post(server.base + "/api/help-centers", headers=ADMIN,
                       json={"name": "Sync", "domain": "help.example.test"}).json()
    answer = httpx2.post(f"{server.base}/api/help-centers/{made['id']}/api-keys",
                         headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["key"])


def sync(users_file: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python examples/users_api/sync_users.py FILE`` from the repository's root, as printed."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_")}
    return subprocess.run(
        [sys.executable, str(SCRIPT.relative_to(ROOT)), str(users_file)],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60)


def synced(users_file: Path, env: dict[str, str]) -> dict[str, int]:
    done = sync(users_file, env)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def listed(server: Server, key: str) -> list[dict[str, Any]]:
    answer = httpx2.get(server.base + "/v1/users", params={"limit": 100},
                        headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def as_stored(app_user: dict[str, Any]) -> dict[str, Any]:
    """What the Users API holds for one of the app's users, defaults filled in."""
    return {"email": app_user["email"].lower(), "name": app_user.get("name"),
            "attributes": app_user.get("attributes", {}),
            "disabled": app_user.get("disabled", False)}


def test_sync_creates_then_changes_nothing_then_patches_only_what_differs(
        start_server, tmp_path: Path) -> None:
    server = start_server()
    env = {"FERNDESK_API_URL": server.base + "/v1", "FERNDESK_API_KEY": api_key(server)}
    app_users = json.loads(APP_USERS.read_text())
    assert len(app_users) == 3

    assert synced(APP_USERS.relative_to(ROOT), env) == {
        "created": 3, "updated": 0, "unchanged": 0}
    assert synced(APP_USERS.relative_to(ROOT), env) == {
        "created": 0, "updated": 0, "unchanged": 3}

    changed = tmp_path / "app_users.json"
    app_users[1]["attributes"] = {"plan": "enterprise", "seats": 12}
    changed.write_text(json.dumps(app_users))
    assert synced(changed, env) == {"created": 0, "updated": 1, "unchanged": 2}

    app_users[0]["name"] += " (renamed)"
    app_users[2]["disabled"] = not app_users[2].get("disabled", False)
    changed.write_text(json.dumps(app_users))
    assert synced(changed, env) == {"created": 0, "updated": 2, "unchanged": 1}

    shown = [{field: user[field] for field in ("email", "name", "attributes", "disabled")}
             for user in listed(server, env["FERNDESK_API_KEY"])]
    assert shown == [as_stored(user) for user in app_users]


def test_sync_names_a_refused_key_in_one_line_and_exits_1(start_server) -> None:
    server = start_server()
    done = sync(APP_USERS, {"FERNDESK_API_URL": server.base + "/v1",
                            "FERNDESK_API_KEY": "fdsk_" + "x" * 32})
    assert done.returncode == 1
    assert done.stdout == ""
    assert "401 unauthorized" in done.stderr
    assert "Traceback" not in done.stderr
    assert "x" * 32 not in done.stderr  # the key is never repeated


def test_sync_without_a_key_says_which_variable_is_missing() -> None:
    done = sync(APP_USERS, {"FERNDESK_API_URL": "http://127.0.0.1:9/v1"})
    assert done.returncode == 2
    assert "FERNDESK_API_KEY" in done.stderr
    assert "Traceback" not in done.stderr


def test_sync_against_no_server_says_it_cannot_reach_it() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    done = sync(APP_USERS, {"FERNDESK_API_URL": url, "FERNDESK_API_KEY": "fdsk_" + "y" * 32})
    assert done.returncode == 1
    assert url in done.stderr
    assert "Traceback" not in done.stderr
    assert "y" * 32 not in done.stderr
