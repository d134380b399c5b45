"""The ``ferndesk-verifier`` command as integrators run it: flags, environment, seed, demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import jwt

from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.process.conftest import free_port, wait_healthy

SEED = {"help_centers": [{"id": "acme", "name": "Acme", "domain": "help.acme.com",
                          "widget_id": "wid-acme",
                          "jwt_secret": "a-fixed-secret-for-ci-of-32-chars-or-more",
                          "users": [{"sub": "u-1", "email": "ada@acme.com", "name": "Ada"}]}]}
SEED_TOML = """
[[help_centers]]
id = "acme"
name = "Acme"
domain = "help.acme.com"
widget_id = "wid-acme"
jwt_secret = "a-fixed-secret-for-ci-of-32-chars-or-more"

[[help_centers.users]]
sub = "u-1"
email = "ada@acme.com"
name = "Ada"
"""


def _run(*args: str, env: dict[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True,
                          text=True, timeout=60, env={**clean, **(env or {})}, cwd=cwd)


def _identify(base: str, widget: str, secret: str, sub: str, origin: str) -> httpx2.Response:
    token = jwt.encode({"sub": sub, "email": "ada@acme.com", "exp": int(time.time()) + 60},
                       secret, algorithm="HS256")
    return httpx2.post(f"{base}/widget/{widget}/identify", json={"jwt": token},
                      headers={"Origin": origin})


def test_help_exits_zero_and_names_every_flag() -> None:
    result = _run("serve", "--help")
    assert result.returncode == 0
    for flag in ("--host", "--port", "--database-url", "--admin-token", "--seed", "--workers"):
        assert flag in result.stdout
    assert "FERNDESK_VERIFIER_" in result.stdout


def test_seed_fixes_widget_ids_secrets_and_users(start_server, tmp_path: Path) -> None:
    for name, text in (("seed.json", json.dumps(SEED)), ("seed.toml", SEED_TOML)):
        seed = tmp_path / name
        seed.write_text(text)
        server = start_server("--seed", str(seed),
                              database_url=f"sqlite:///{tmp_path / (name + '.db')}")
        secret = SEED["help_centers"][0]["jwt_secret"]
        # The seeded user holds the email: another sub is refused before any identify.
        assert _identify(server.base, "wid-acme", secret, "u-2",
                         "https://app.acme.com").status_code == 409
        assert _identify(server.base, "wid-acme", secret, "u-1",
                         "https://app.acme.com").status_code == 200
        users = httpx2.get(server.base + "/api/help-centers/acme/users", headers=ADMIN).json()
        assert [(u["sub"], u["email"]) for u in users] == [("u-1", "ada@acme.com")]
        server.stop()


def test_seeding_again_on_the_same_database_is_idempotent(start_server, tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED))
    start_server("--seed", str(seed)).stop()
    server = start_server("--seed", str(seed))
    listed = httpx2.get(server.base + "/api/help-centers", headers=ADMIN).json()
    assert [hc["id"] for hc in listed] == ["acme"]


def test_a_bad_seed_fails_to_start_with_a_clear_message(tmp_path: Path) -> None:
    seed = tmp_path / "bad.json"
    seed.write_text(json.dumps({"help_centers": [{"id": "x", "domain": "com"}]}))
    result = _run("serve", "--seed", str(seed), "--port", str(free_port()),
                  "--database-url", f"sqlite:///{tmp_path / 'bad.db'}")
    assert result.returncode == 1
    assert "help_centers[0]" in result.stderr and "domain" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_in_memory_database_is_refused_with_a_reason(tmp_path: Path) -> None:
    result = _run("serve", "--database-url", "sqlite://", "--port", str(free_port()))
    assert result.returncode == 1
    assert "in-memory" in result.stderr and "Traceback" not in result.stderr


def test_environment_variables_configure_the_server(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
    env.update({"FERNDESK_VERIFIER_PORT": str(port),
                "FERNDESK_VERIFIER_ADMIN_TOKEN": ADMIN_TOKEN,
                "FERNDESK_VERIFIER_DATABASE_URL": f"sqlite:///{tmp_path / 'env.db'}"})
    process = subprocess.Popen([sys.executable, "-m", "verifier", "serve"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        assert httpx2.get(base + "/api/help-centers", headers=ADMIN).status_code == 200
        assert (tmp_path / "env.db").exists()
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "admin token (generated" not in output


def test_generated_admin_token_is_printed_once_and_works(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "verifier", "serve", "--port", str(port), "--demo",
         "--database-url", f"sqlite:///{tmp_path / 'demo.db'}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        while not any("admin token (generated" in line for line in lines):
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        text = "".join(lines)
        token = text.split("admin token (generated, shown once): ")[1].split()[0]
        secret = text.split("demo JWT secret")[1].split(": ")[1].split()[0]
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        listed = httpx2.get(base + "/api/help-centers",
                           headers={"Authorization": f"Bearer {token}"}).json()
        assert [hc["id"] for hc in listed] == ["demo"]
        assert "widget id demo" in text
        answer = _identify(base, "demo", secret, "u-1", "http://localhost:3000")
        assert answer.status_code == 200, answer.text
    finally:
        process.terminate()
        process.communicate(timeout=10)
