"""The ``ferndesk-verifier`` command as integrators run it: flags, environment, seed, demo."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import jwt
import pytest

from tests.conftest import ADMIN, ADMIN_TOKEN, fresh_database_url
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


def test_generated_admin_token_is_printed_and_works(tmp_path: Path) -> None:
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
        token = text.split("admin token (generated on first start, kept in the database): "
                           )[1].split()[0]
        secret = text.split("demo JWT secret")[1].split(": ")[1].split()[0]
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        listed = httpx2.get(base + "/api/help-centers",
                           headers={"Authorization": f"Bearer {token}"}).json()
        assert [hc["id"] for hc in listed] == ["demo"]
        assert "widget id demo" in text
        answer = _identify(base, "demo", secret, "u-1", "http://localhost:3000")
        assert answer.status_code == 200, answer.text
        # The dashboard URL printed is the dashboard even on the demo's own host, localhost.
        dashboard = text.split("dashboard: ")[1].split()[0]
        assert dashboard == base + "/ui/"
        page = httpx2.get(dashboard.replace("127.0.0.1", "localhost"), follow_redirects=True)
        assert page.status_code == 200 and "Sign in" in page.text, page.text[:300]
    finally:
        process.terminate()
        process.communicate(timeout=10)


# -- start-up: flags, ports, logging, errors ---------------------------------------------------

BANNER = "ferndesk-verifier on "


def _seed_file(tmp_path: Path) -> Path:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED))
    return seed


class _Started:
    """A ``serve`` process read line by line up to its banner (and the admin token line)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "verifier", "serve", *args], env={**clean, **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        assert self.process.stdout is not None
        while not any(line.startswith("dashboard:") for line in self.lines):
            line = self.process.stdout.readline()
            assert line, "".join(self.lines)
            self.lines.append(line)
        banner = next(line for line in self.lines if line.startswith(BANNER))
        self.base = banner[len(BANNER):].split()[0]
        if any("admin token" in line for line in self.lines) and "--admin-token" not in args:
            line = self.process.stdout.readline()
            self.lines.append(line)

    @property
    def admin_token(self) -> str:
        line = next(line for line in self.lines if line.startswith("admin token"))
        return line.rsplit(": ", 1)[1].strip()

    def stop(self) -> str:
        self.process.terminate()
        return "".join(self.lines) + self.process.communicate(timeout=20)[0]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_every_worker_logs_each_identify_like_a_single_process(start_server, tmp_path: Path,
                                                               workers: str) -> None:
    server = start_server("--seed", str(_seed_file(tmp_path)), "--workers", workers)
    secret = SEED["help_centers"][0]["jwt_secret"]
    for _ in range(6):
        assert _identify(server.base, "wid-acme", secret, "u-1",
                         "https://app.acme.com").status_code == 200
    output = server.stop()
    lines = [line for line in output.splitlines() if " identify widget=" in line]
    assert len(lines) == 6, output
    assert all(line.startswith("INFO ferndesk_verifier.identify identify widget='wid-acme' "
                               "origin='https://app.acme.com' outcome=ok") for line in lines)


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "http"])
def test_a_port_outside_0_to_65535_is_a_one_line_usage_error(tmp_path: Path, port: str) -> None:
    result = _run("serve", f"--port={port}", "--database-url", f"sqlite:///{tmp_path / 'p.db'}")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "--port" in result.stderr, result.stderr
    assert BANNER not in result.stdout


def test_a_port_from_the_environment_is_validated_the_same_way(tmp_path: Path) -> None:
    result = _run("serve", "--database-url", f"sqlite:///{tmp_path / 'p.db'}",
                  env={"FERNDESK_VERIFIER_PORT": "99999"})
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "FERNDESK_VERIFIER_PORT" in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_port_0_listens_on_a_free_port_and_the_banner_names_it(tmp_path: Path,
                                                               workers: str) -> None:
    server = _Started("--port", "0", "--workers", workers, "--admin-token", ADMIN_TOKEN,
                      "--database-url", f"sqlite:///{tmp_path / 'zero.db'}")
    try:
        assert not server.base.endswith(":0"), server.base
        wait_healthy(server.base, server.process)
    finally:
        server.stop()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_taken_port_is_one_line_exit_1_and_no_banner(tmp_path: Path, workers: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("serve", "--port", str(port), "--workers", workers,
                      "--database-url", f"sqlite:///{tmp_path / 'taken.db'}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == (f"ferndesk-verifier: cannot listen on 127.0.0.1:{port}: "
                             "address already in use\n")
    assert BANNER not in result.stdout


def test_a_postgresql_driver_that_is_not_installed_names_the_module_and_the_extra() -> None:
    assert importlib.util.find_spec("pg8000") is None, "the test needs pg8000 not installed"
    result = _run("serve", "--port", "0", "--database-url",
                  "postgresql+pg8000://u:p@127.0.0.1:1/db")
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "pg8000" in result.stderr
    assert "pip install 'ferndesk-verifier[postgres]'" in result.stderr


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_and_postgresql_without_a_driver_mean_psycopg(scheme: str) -> None:
    result = _run("serve", "--port", "0", "--db-wait", "0", "--database-url",
                  f"{scheme}://u:secret@127.0.0.1:{free_port()}/db")
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "postgresql+psycopg://u:***@127.0.0.1" in result.stderr
    assert "cannot be reached" in result.stderr and "secret" not in result.stderr


def test_a_database_url_that_is_not_a_url_is_explained() -> None:
    result = _run("serve", "--database-url", "not-a-url")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert ("--database-url must be a URL such as sqlite:///path or postgresql+psycopg://"
            in result.stderr)


def _read_only(path: Path) -> None:
    """Make ``path`` unwritable, for root too (an immutable file or directory)."""
    if os.geteuid() != 0:
        path.chmod(0o555 if path.is_dir() else 0o444)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("root, and chattr +i is not available here")


def _writable_again(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize("case", ["missing directory", "read-only directory", "read-only file"])
def test_a_sqlite_file_that_cannot_be_opened_fails_at_once_with_the_cause(tmp_path: Path,
                                                                          case: str) -> None:
    directory = tmp_path / "data"
    database = directory / "verifier.db"
    if case != "missing directory":
        directory.mkdir()
    if case == "read-only file":
        with sqlite3.connect(database) as conn:
            conn.execute("CREATE TABLE t (x)")
        conn.close()
    locked = database if case == "read-only file" else directory
    if case != "missing directory":
        _read_only(locked)
    try:
        started = time.monotonic()
        result = _run("serve", "--port", "0", "--database-url", f"sqlite:///{database}")
        took = time.monotonic() - started
    finally:
        if case != "missing directory":
            _writable_again(locked)
    assert result.returncode == 1, result.stdout + result.stderr
    assert took < 10
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert str(locked) in result.stderr
    assert ("does not exist" if case == "missing directory" else "read-only"
            ) in result.stderr, result.stderr
    assert BANNER not in result.stdout


@pytest.mark.parametrize("command", ["serve", "token", "inspect"])
def test_an_unknown_flag_is_named_by_every_command(command: str) -> None:
    result = _run(command, "--foo")
    assert result.returncode == 2
    assert result.stderr == (f"ferndesk-verifier {command}: unknown flag --foo "
                             f"(see ferndesk-verifier {command} --help)\n")


def test_an_unknown_flag_before_the_command_is_named() -> None:
    result = _run("--foo", "serve")
    assert result.returncode == 2
    assert result.stderr == ("ferndesk-verifier: unknown flag --foo "
                             "(see ferndesk-verifier --help)\n")


def test_version_prints_the_package_version() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert importlib.metadata.version("ferndesk-verifier") in result.stdout


def test_serve_help_shows_the_default_of_every_flag() -> None:
    result = _run("serve", "--help")
    assert result.returncode == 0
    flags = re.split(r"\n  (?=--)", result.stdout.split("options:", 1)[1].split("examples:")[0])
    named = {chunk.split()[0].rstrip(","): chunk for chunk in flags if chunk.startswith("--")}
    assert set(named) >= {"--host", "--port", "--database-url", "--admin-token", "--seed",
                          "--workers", "--demo", "--attempts-kept", "--sessions-kept",
                          "--messages-kept", "--body-timeout", "--log-level", "--db-wait"}
    for flag, text in named.items():
        assert "default" in text, flag


def test_serve_help_never_shows_an_admin_token_from_the_environment() -> None:
    result = _run("serve", "--help", env={"FERNDESK_VERIFIER_ADMIN_TOKEN": "do-not-show-me"})
    assert result.returncode == 0 and "do-not-show-me" not in result.stdout


NEGATIVE = [("--workers", "0"), ("--workers", "-1"), ("--attempts-kept", "-1"),
            ("--sessions-kept", "-1"), ("--messages-kept", "-1"), ("--body-timeout", "0"),
            ("--body-timeout", "-1"), ("--db-wait", "-1")]


@pytest.mark.parametrize(("flag", "value"), NEGATIVE)
def test_a_negative_count_is_a_usage_error_naming_the_flag(tmp_path: Path, flag: str,
                                                           value: str) -> None:
    result = _run("serve", "--port", "0", f"{flag}={value}",
                  "--database-url", f"sqlite:///{tmp_path / 'n.db'}")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and flag in result.stderr, result.stderr


@pytest.mark.parametrize(("flag", "value"), NEGATIVE)
def test_a_negative_count_in_the_environment_is_a_usage_error_naming_the_variable(
        tmp_path: Path, flag: str, value: str) -> None:
    variable = "FERNDESK_VERIFIER_" + flag[2:].upper().replace("-", "_")
    result = _run("serve", "--port", "0", "--database-url", f"sqlite:///{tmp_path / 'n.db'}",
                  env={variable: value})
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and variable in result.stderr, result.stderr


# -- the generated admin token is kept in the database -----------------------------------------


def test_a_generated_admin_token_survives_restarts_and_an_emulator_reset(tmp_path: Path) -> None:
    database_url = fresh_database_url(tmp_path)
    first = _Started("--port", "0", "--database-url", database_url)
    try:
        token = first.admin_token
        wait_healthy(first.base, first.process)
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx2.post(first.base + "/api/emulator/reset", headers=auth).status_code == 204
    finally:
        said = first.stop()
    assert f"admin token (generated on first start, kept in the database): {token}" in said
    again = _Started("--port", "0", "--database-url", database_url)
    try:
        assert again.admin_token == token
        wait_healthy(again.base, again.process)
        assert httpx2.get(again.base + "/api/help-centers",
                          headers={"Authorization": f"Bearer {token}"}).status_code == 200
    finally:
        again.stop()


def test_an_explicit_admin_token_wins_and_is_not_kept(tmp_path: Path) -> None:
    database_url = fresh_database_url(tmp_path)
    _Started("--port", "0", "--database-url", database_url, "--admin-token", "explicit").stop()
    generated = _Started("--port", "0", "--database-url", database_url)
    generated.stop()
    assert generated.admin_token not in ("explicit", "")
    again = _Started("--port", "0", "--database-url", database_url, "--admin-token", "explicit")
    try:
        wait_healthy(again.base, again.process)
        assert httpx2.get(again.base + "/api/help-centers",
                          headers={"Authorization": "Bearer explicit"}).status_code == 200
        assert httpx2.get(again.base + "/api/help-centers", headers={
            "Authorization": f"Bearer {generated.admin_token}"}).status_code == 401
    finally:
        said = again.stop()
    assert "admin token (generated" not in said


def test_servers_starting_together_on_one_database_agree_on_one_token(tmp_path: Path) -> None:
    database_url = fresh_database_url(tmp_path)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
    processes = [subprocess.Popen(
        [sys.executable, "-m", "verifier", "serve", "--port", "0", "--database-url",
         database_url], env=clean, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(3)]
    tokens = set()
    try:
        for process in processes:
            assert process.stdout is not None
            lines: list[str] = []
            while not any(line.startswith("admin token") for line in lines):
                line = process.stdout.readline()
                assert line, "".join(lines)
                lines.append(line)
            tokens.add(lines[-1].rsplit(": ", 1)[1].strip())
    finally:
        for process in processes:
            process.terminate()
            process.communicate(timeout=20)
    assert len(tokens) == 1


# -- the bounds' flags reach the server ---------------------------------------------------------


def test_body_timeout_flag_answers_408_to_a_body_that_stops_arriving(start_server) -> None:
    server = start_server("--body-timeout", "1")
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /widget/w/sessions HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":")
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert time.monotonic() - started < 8


@pytest.mark.parametrize("workers", ["1", "2"])
def test_body_timeout_flag_drops_a_connection_whose_headers_never_finish(
        start_server, workers: str) -> None:
    server = start_server("--body-timeout", "1", "--workers", workers)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the blank line never comes
        assert sock.recv(4096) == b""  # closed, nothing answered
    assert time.monotonic() - started < 8


def test_messages_kept_flag_keeps_the_newest_messages(start_server, tmp_path: Path) -> None:
    server = start_server("--seed", str(_seed_file(tmp_path)), "--messages-kept", "2")
    for text in ("one", "two", "three"):
        sent = httpx2.post(server.base + "/widget/wid-acme/messages", json={"body": text})
        assert sent.status_code == 201, sent.text
    listed = httpx2.get(server.base + "/api/help-centers/acme/messages", headers=ADMIN).json()
    assert sorted(message["body"] for message in listed) == ["three", "two"]
