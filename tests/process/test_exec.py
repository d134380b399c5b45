"""``ferndesk-verifier exec [serve flags] -- COMMAND``, run for real: a throw-away server that is
healthy before COMMAND starts, the environment COMMAND gets, COMMAND's exit status passed
through, the server stopped in every case, and COMMAND never run against a server exec did not
start.

Most of these tests run once: on PostgreSQL they would start the same throw-away SQLite server
again. The ones that take a database URL or stop a multi-worker server run in both passes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.conftest import TEST_DATABASE_URL, fresh_database_url, server_arguments
from tests.process.conftest import free_port

ONCE = pytest.mark.skipif(
    bool(TEST_DATABASE_URL),
    reason="runs once, in the SQLite pass: exec's own throw-away database is SQLite whatever "
           "the suite's database, so the PostgreSQL pass would repeat it unchanged")

SECRET = "a-fixed-secret-for-ci-of-32-chars-or-more"
ACME = {"id": "acme", "name": "Acme", "domain": "help.acme.com", "widget_id": "wid-acme",
        "jwt_secret": SECRET}
GLOBEX = {"id": "globex", "name": "Globex", "domain": "help.globex.com",
          "widget_id": "wid-globex", "jwt_secret": "another-fixed-secret-of-32-chars-or-more"}
INITECH = {"id": "initech", "name": "Initech", "domain": "help.initech.com"}  # no secret

# COMMAND, as an integrator's test would be: it calls the URL it was given, as the admin and
# as the widget, signing with the secret it was given.
IDENTIFY = """
import json, os, time, urllib.request, jwt
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
url = os.environ["FERNDESK_VERIFIER_URL"]
health = json.load(opener.open(url + "/healthz"))
listed = json.load(opener.open(urllib.request.Request(url + "/api/help-centers", headers={
    "Authorization": "Bearer " + os.environ["FERNDESK_VERIFIER_ADMIN_TOKEN"]})))
token = jwt.encode({"sub": "u-1", "email": "ada@acme.com", "exp": int(time.time()) + 60},
                   os.environ["FERNDESK_JWT_SECRET"], algorithm="HS256")
identified = json.load(opener.open(urllib.request.Request(
    url + "/widget/" + os.environ["FERNDESK_WIDGET_ID"] + "/identify",
    data=json.dumps({"jwt": token}).encode(), method="POST",
    headers={"Content-Type": "application/json", "Origin": "https://app.acme.com"})))
print(json.dumps({"health": health, "ids": [hc["id"] for hc in listed],
                  "sub": identified["user"]["sub"]}))
"""
# COMMAND that reports the environment it was given, and nothing else.
ENVIRONMENT = """
import json, os
print(json.dumps({k: v for k, v in os.environ.items() if k.startswith("FERNDESK_")}))
"""


def _exec(*args: str, command: list[str], tmp_path: Path, timeout: float = 90,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``ferndesk-verifier exec ARGS -- COMMAND``, with temporary files under ``tmp_path``."""
    return subprocess.run([sys.executable, "-m", "verifier", "exec", *args, "--", *command],
                          capture_output=True, text=True, timeout=timeout,
                          env=_environment(tmp_path, env))


def _environment(tmp_path: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("FERNDESK_VERIFIER_", "FERNDESK_JWT_", "FERNDESK_WIDGET_"))}
    temp = tmp_path / "temp"
    temp.mkdir(exist_ok=True)
    return {**clean, "TMPDIR": str(temp), **(env or {})}


def _seed(tmp_path: Path, *centers: dict[str, Any]) -> str:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"help_centers": list(centers)}))
    return str(path)


def _python(script: str) -> list[str]:
    return [sys.executable, "-c", script]


def _refuses_connections(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) != 0


# -- exit status ------------------------------------------------------------------------------


@ONCE
@pytest.mark.parametrize("status", [0, 3])
def test_exec_exits_with_the_commands_status(status: int, tmp_path: Path) -> None:
    result = _exec(command=_python(f"raise SystemExit({status})"), tmp_path=tmp_path)
    assert result.returncode == status, result.stderr


@ONCE
def test_a_command_killed_by_a_signal_exits_128_plus_the_signal(tmp_path: Path) -> None:
    result = _exec(command=_python("import os, signal; os.kill(os.getpid(), signal.SIGKILL)"),
                   tmp_path=tmp_path)
    assert result.returncode == 128 + signal.SIGKILL, result.stderr


@ONCE
def test_a_missing_command_is_named_and_exits_127_with_the_server_stopped(
        tmp_path: Path) -> None:
    result = _exec(command=["no-such-command-fv14"], tmp_path=tmp_path)
    assert result.returncode == 127
    assert "no-such-command-fv14: command not found" in result.stderr
    assert list((tmp_path / "temp").iterdir()) == []


@ONCE
def test_the_server_log_is_printed_when_the_command_fails_and_not_otherwise(
        tmp_path: Path) -> None:
    failed = _exec(command=["false"], tmp_path=tmp_path)
    assert failed.returncode == 1
    assert "--- ferndesk-verifier server log" in failed.stderr
    assert "Application startup complete" in failed.stderr
    passed = _exec(command=["true"], tmp_path=tmp_path)
    assert passed.returncode == 0
    assert "server log" not in passed.stderr


# -- what COMMAND is given --------------------------------------------------------------------


@ONCE
def test_the_command_is_given_a_live_server_its_admin_token_and_the_one_seeded_secret(
        tmp_path: Path) -> None:
    result = _exec("--seed", _seed(tmp_path, ACME, INITECH), command=_python(IDENTIFY),
                   tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"health": {"status": "ok"},
                                         "ids": ["acme", "initech"], "sub": "u-1"}


@ONCE
def test_the_environment_names_the_seeded_help_center_and_a_random_admin_token(
        tmp_path: Path) -> None:
    seed = _seed(tmp_path, ACME)
    first, second = (_exec("--seed", seed, command=_python(ENVIRONMENT), tmp_path=tmp_path)
                     for _ in range(2))
    given, again = json.loads(first.stdout), json.loads(second.stdout)
    assert given["FERNDESK_JWT_SECRET"] == SECRET
    assert given["FERNDESK_WIDGET_ID"] == "wid-acme"
    assert given["FERNDESK_VERIFIER_URL"].startswith("http://127.0.0.1:")
    assert len(given["FERNDESK_VERIFIER_ADMIN_TOKEN"]) >= 20
    assert given["FERNDESK_VERIFIER_ADMIN_TOKEN"] != again["FERNDESK_VERIFIER_ADMIN_TOKEN"]
    assert set(given) == {"FERNDESK_VERIFIER_URL", "FERNDESK_VERIFIER_ADMIN_TOKEN",
                          "FERNDESK_JWT_SECRET", "FERNDESK_WIDGET_ID"}


@ONCE
@pytest.mark.parametrize("centers", [(), (ACME, GLOBEX), (INITECH,)],
                         ids=["no seed", "two secrets", "no secret"])
def test_no_secret_is_given_unless_exactly_one_seeded_help_center_has_one(
        centers: tuple[dict[str, Any], ...], tmp_path: Path) -> None:
    args = ("--seed", _seed(tmp_path, *centers)) if centers else ()
    result = _exec(*args, command=_python(ENVIRONMENT), tmp_path=tmp_path)
    given = json.loads(result.stdout)
    assert "FERNDESK_JWT_SECRET" not in given
    assert "FERNDESK_WIDGET_ID" not in given
    assert "FERNDESK_VERIFIER_URL" in given


@ONCE
def test_the_demo_help_centers_secret_is_given_with_demo(tmp_path: Path) -> None:
    result = _exec("--demo", command=_python(ENVIRONMENT), tmp_path=tmp_path)
    given = json.loads(result.stdout)
    assert given["FERNDESK_WIDGET_ID"] == "demo"
    assert len(given["FERNDESK_JWT_SECRET"]) >= 32
    assert given["FERNDESK_JWT_SECRET"] not in result.stderr


@ONCE
def test_a_given_port_and_admin_token_are_used(tmp_path: Path) -> None:
    port = free_port()
    result = _exec("--port", str(port), "--admin-token", "ci-token-1",
                   command=_python(ENVIRONMENT), tmp_path=tmp_path)
    given = json.loads(result.stdout)
    assert given["FERNDESK_VERIFIER_URL"] == f"http://127.0.0.1:{port}"
    assert given["FERNDESK_VERIFIER_ADMIN_TOKEN"] == "ci-token-1"


@ONCE
@pytest.mark.parametrize("host", ["localhost", "0.0.0.0"])
def test_the_url_is_the_address_bound_with_a_wildcard_one_as_loopback(host: str,
                                                                      tmp_path: Path) -> None:
    result = _exec("--host", host, command=_python(ENVIRONMENT), tmp_path=tmp_path)
    assert json.loads(result.stdout)["FERNDESK_VERIFIER_URL"].startswith("http://127.0.0.1:")


@ONCE
def test_the_server_log_goes_where_server_log_says(tmp_path: Path) -> None:
    kept = tmp_path / "server.log"
    result = _exec("--seed", _seed(tmp_path, ACME), "--server-log", str(kept),
                   command=["true"], tmp_path=tmp_path)
    assert result.returncode == 0
    assert "seeded help center acme" in kept.read_text()
    streamed = _exec("--server-log", "-", command=["true"], tmp_path=tmp_path)
    assert "Application startup complete" in streamed.stderr
    assert streamed.stdout == ""
    refused = _exec("--server-log", str(tmp_path / "no" / "such.log"), command=["true"],
                    tmp_path=tmp_path)
    assert refused.returncode == 2
    assert "--server-log" in refused.stderr and "Traceback" not in refused.stderr


@ONCE
def test_the_commands_stdout_carries_only_what_the_command_prints(tmp_path: Path) -> None:
    result = _exec("--demo", command=["echo", "hello"], tmp_path=tmp_path)
    assert result.stdout == "hello\n"


# -- never a server exec did not start --------------------------------------------------------


@pytest.fixture
def taken_port() -> Any:
    """A port some other program listens on (and would answer /healthz on, were it asked)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@ONCE
def test_a_taken_port_is_refused_and_the_command_never_runs(taken_port: int,
                                                            tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    result = _exec("--port", str(taken_port), command=["touch", str(ran)], tmp_path=tmp_path)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{taken_port}: address already in use" in result.stderr
    assert not ran.exists()
    assert list((tmp_path / "temp").iterdir()) == []


@ONCE
def test_a_bad_seed_is_refused_and_the_command_never_runs(tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    seed = tmp_path / "seed.json"
    seed.write_text("{not json")
    result = _exec("--seed", str(seed), command=["touch", str(ran)], tmp_path=tmp_path)
    assert result.returncode == 1
    assert "seed.json: not valid JSON" in result.stderr
    assert not ran.exists()
    assert list((tmp_path / "temp").iterdir()) == []


@ONCE
def test_a_database_that_cannot_be_opened_is_refused_and_the_command_never_runs(
        tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    result = _exec("--database-url", f"sqlite:///{tmp_path}/missing/dir/verifier.db",
                   command=["touch", str(ran)], tmp_path=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert not ran.exists()


@ONCE
def test_usage_without_a_command_after_double_dash_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "verifier", "exec", "true"],
                            capture_output=True, text=True, timeout=60,
                            env=_environment(tmp_path))
    assert result.returncode == 2
    assert "exec needs -- before COMMAND" in result.stderr


# -- the server stopped, the database kept or thrown away -------------------------------------


@ONCE
def test_the_server_is_stopped_and_its_throw_away_database_removed_after(tmp_path: Path) -> None:
    result = _exec(command=_python(ENVIRONMENT), tmp_path=tmp_path)
    url = json.loads(result.stdout)["FERNDESK_VERIFIER_URL"]
    assert "sqlite:///" + str(tmp_path / "temp") in result.stderr  # where it was
    assert _refuses_connections(url)
    assert list((tmp_path / "temp").iterdir()) == []


def test_a_given_database_url_is_used_and_kept(tmp_path: Path) -> None:
    database_url = fresh_database_url(tmp_path)
    seeded = _exec("--database-url", database_url, "--seed", _seed(tmp_path, ACME),
                   *server_arguments(()), command=["true"], tmp_path=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    again = _exec("--database-url", database_url, *server_arguments(()),
                  command=_python(IDENTIFY.replace('os.environ["FERNDESK_JWT_SECRET"]',
                                                   repr(SECRET))
                                  .replace('os.environ["FERNDESK_WIDGET_ID"]', '"wid-acme"')),
                  tmp_path=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["ids"] == ["acme"]


def _wait_for(path: Path, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} was not written in {seconds} s")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_sigterm_to_exec_stops_the_command_then_the_server(tmp_path: Path) -> None:
    started = tmp_path / "started"
    script = ("import os, sys, time\n"
              f"open({str(started)!r}, 'w').write("
              "f\"{os.getpid()} {os.environ['FERNDESK_VERIFIER_URL']}\\n\")\n"
              "time.sleep(120)\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "verifier", "exec", *server_arguments(()),
         "--database-url", fresh_database_url(tmp_path), "--", *_python(script)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_environment(tmp_path))
    try:
        pid, url = _wait_for(started).split()
        assert httpx2.get(url + "/healthz", timeout=5).status_code == 200
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert status == 128 + signal.SIGTERM
    assert _gone(int(pid))
    assert _refuses_connections(url)


# -- help ---------------------------------------------------------------------------------------


@ONCE
def test_help_names_the_environment_the_exit_statuses_and_the_log(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "verifier", "exec", "--help"],
                            capture_output=True, text=True, timeout=60,
                            env=_environment(tmp_path))
    assert result.returncode == 0
    text = result.stdout
    assert "usage: ferndesk-verifier exec [serve flags] -- COMMAND [ARGS...]" in text
    for word in ("FERNDESK_VERIFIER_URL", "FERNDESK_VERIFIER_ADMIN_TOKEN", "FERNDESK_JWT_SECRET",
                 "FERNDESK_WIDGET_ID", "128+N", "127", "--server-log", "--seed", "--workers",
                 "--database-url"):
        assert word in text, word
    main_help = subprocess.run([sys.executable, "-m", "verifier", "--help"],
                               capture_output=True, text=True, timeout=60,
                               env=_environment(tmp_path)).stdout
    assert "exec" in main_help
