"""The documented CI recipe (examples/ci/with-verifier.sh, a thin wrapper over
``ferndesk-verifier exec`` kept for the jobs that call it) runs for real."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.process.conftest import free_port

pytestmark = pytest.mark.skipif(
    bool(TEST_DATABASE_URL),
    reason="runs once, in the SQLite pass: the recipe's throw-away database is SQLite whatever "
           "the suite's database, so the PostgreSQL pass would repeat it unchanged")

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "examples" / "ci" / "with-verifier.sh"
CHECK = """
import json, os, time, urllib.request, jwt
token = jwt.encode({"sub": "u-1", "email": "ada@acme.com", "exp": int(time.time()) + 60},
                   "a-fixed-secret-for-ci-of-32-chars-or-more", algorithm="HS256")
request = urllib.request.Request(os.environ["FERNDESK_VERIFIER_URL"] + "/widget/wid-acme/identify",
    data=json.dumps({"jwt": token}).encode(), method="POST",
    headers={"Content-Type": "application/json", "Origin": "https://app.acme.com"})
print(json.load(urllib.request.urlopen(request))["user"]["sub"])
"""


def _run(*command: str, port: int | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The recipe, on ``port`` (None: its default, any free port)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_")},
           **(env or {})}
    if port is not None:
        env["FERNDESK_VERIFIER_PORT"] = str(port)
    env["FERNDESK_VERIFIER_COMMAND"] = f"{sys.executable} -m verifier"
    return subprocess.run(["bash", str(RECIPE), str(ROOT / "examples" / "ci" / "seed.json"),
                           "--", *command], capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("port", [None, "free"])
def test_the_recipe_serves_the_seed_to_the_command(port: str | None) -> None:
    result = _run(sys.executable, "-c", CHECK, port=free_port() if port else None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "u-1"


def test_the_recipe_exits_with_the_commands_status_and_shows_the_log() -> None:
    result = _run("false")
    assert result.returncode == 1
    assert "ferndesk-verifier server log" in result.stderr


def test_the_recipe_gives_the_command_the_seeded_secret_and_widget_id() -> None:
    result = _run(sys.executable, "-c", "import os; print(os.environ['FERNDESK_JWT_SECRET'], "
                                        "os.environ['FERNDESK_WIDGET_ID'])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["a-fixed-secret-for-ci-of-32-chars-or-more", "wid-acme"]


def test_the_recipe_keeps_the_log_where_ferndesk_verifier_log_says(tmp_path: Path) -> None:
    log = tmp_path / "verifier.log"
    result = _run("true", env={"FERNDESK_VERIFIER_LOG": str(log)})
    assert result.returncode == 0, result.stderr
    assert "seeded help center acme" in log.read_text()


def test_the_recipe_names_its_usage() -> None:
    result = subprocess.run(["bash", str(RECIPE), "seed.json", "npm", "test"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "usage: " in result.stderr and "SEED_FILE -- COMMAND [ARGS...]" in result.stderr


class _Healthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def someone_elses_server() -> Iterator[int]:
    """Another HTTP server, answering /healthz, on a port of its own."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_recipe_never_runs_the_command_against_someone_elses_server(
        someone_elses_server: int, tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    result = _run("touch", str(ran), port=someone_elses_server)
    assert result.returncode != 0
    assert not ran.exists()
    assert "address already in use" in result.stderr
