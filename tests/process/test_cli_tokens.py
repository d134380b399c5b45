"""``ferndesk-verifier token`` and ``inspect`` as a shell script runs them: stdout, stderr, exit.

Each runs ``python -m verifier`` in a subprocess with no ``FERNDESK_VERIFIER_*`` variable, so
nothing leaks in from the developer's environment. The ``--help-center`` test starts a real
server (``start_server``) and identifies with the minted token.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx2
import jwt
import pytest

from tests.conftest import ADMIN, ADMIN_TOKEN, APP_ORIGIN
from tests.process.conftest import free_port

SECRET = "hc1-Zk3vQ9pL2mN8xR4tY7wB1cD5fG6hJ0aS-_eUiOp"
FROZEN = "2026-11-25T10:00:00Z"
FROZEN_AT = int(datetime(2026, 11, 25, 10, tzinfo=UTC).timestamp())
USER = ("--sub", "u-1", "--email", "ada@acme.com")


def _run(*args: str, env: dict[str, str] | None = None,
         stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True,
                          text=True, timeout=60, env={**clean, **(env or {})}, input=stdin)


def _mint(*args: str, env: dict[str, str] | None = None) -> str:
    result = _run("token", *args, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stderr == ""
    return result.stdout.strip()


# -- token ------------------------------------------------------------------------------------


def test_token_prints_a_jwt_that_pyjwt_verifies_with_every_attr_and_claim() -> None:
    before = time.time()
    token = _mint("--secret", SECRET, *USER, "--name", "Ada", "--attr", "plan=pro",
                  "--attr", "seats=3", "--attr", "beta=true", "--attr", "tags=[\"a\"]",
                  "--claim", 'userId="legacy"', "--claim", "iat=1795000000",
                  "--expires-in", "15m")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    assert claims["sub"] == "u-1" and claims["email"] == "ada@acme.com"
    assert claims["name"] == "Ada"
    assert claims["customAttributes"] == {"plan": "pro", "seats": 3, "beta": True,
                                          "tags": ["a"]}
    assert claims["userId"] == "legacy" and claims["iat"] == 1795000000
    assert int(before) + 900 <= claims["exp"] <= time.time() + 900


@pytest.mark.parametrize(("flag", "seconds"), [("90s", 90), ("15m", 900), ("1h", 3600),
                                               ("2d", 172800), ("42", 42), ("=-10m", -600)])
def test_expires_in_counts_from_now(flag: str, seconds: int) -> None:
    flags = [f"--expires-in{flag}"] if flag.startswith("=") else ["--expires-in", flag]
    token = _mint("--secret", SECRET, *USER, "--now", FROZEN, *flags)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] == FROZEN_AT + seconds


def test_default_lifetime_is_an_hour_and_no_exp_leaves_it_out() -> None:
    token = _mint("--secret", SECRET, *USER, "--now", FROZEN)
    assert jwt.decode(token, options={"verify_signature": False})["exp"] == FROZEN_AT + 3600
    token = _mint("--secret", SECRET, *USER, "--no-exp")
    assert "exp" not in jwt.decode(token, SECRET, algorithms=["HS256"])


def test_claim_and_omit_mint_wrong_tokens_on_purpose() -> None:
    token = _mint("--secret", SECRET, *USER, "--claim", "sub=42")
    numeric = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_sub": False})
    assert numeric["sub"] == 42
    token = _mint("--secret", SECRET, *USER, "--omit", "sub", "--claim", 'userId="u-1"')
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert "sub" not in claims and claims["userId"] == "u-1"


def test_secret_env_signs_with_the_value_as_is() -> None:
    token = _mint("--secret-env", "MY_SECRET", *USER, env={"MY_SECRET": SECRET})
    assert jwt.decode(token, SECRET, algorithms=["HS256"])["sub"] == "u-1"
    result = _run("token", "--secret-env", "MY_SECRET", *USER, env={"MY_SECRET": SECRET + "\n"})
    assert result.returncode == 0 and "whitespace" in result.stderr
    jwt.decode(result.stdout.strip(), SECRET + "\n", algorithms=["HS256"])
    assert SECRET not in result.stderr


@pytest.mark.parametrize("args", [
    ("--secret", SECRET, "--email", "a@b.co"),  # no --sub
    ("--sub", "u", "--email", "a@b.co"),  # no secret source
    ("--secret", SECRET, "--secret-env", "X", *USER),  # two secret sources
    ("--secret", SECRET, *USER, "--expires-in", "soon"),
    ("--secret", SECRET, *USER, "--expires-in", "1h", "--no-exp"),
    ("--secret", SECRET, *USER, "--claim", "sub=u-1"),  # not JSON: strings are quoted
    ("--secret", SECRET, *USER, "--claim", "exp=NaN"),
    ("--secret", SECRET, *USER, "--claim", "exp=1e400"),  # not finite: no token carries it
    ("--secret", SECRET, *USER, "--attr", "novalue"),
    ("--secret", SECRET, *USER, "--now", "yesterday"),
    ("--secret", "", *USER),
    ("--secret-env", "UNSET_VARIABLE_FOR_THIS_TEST", *USER),
])
def test_token_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = _run("token", *args)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert SECRET not in result.stderr


def test_help_center_with_no_server_is_one_line_and_exit_1() -> None:
    result = _run("token", "--help-center", "demo", *USER,
                  "--server", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "cannot reach the verifier" in result.stderr


def test_help_center_reads_the_secret_from_a_running_server(start_server) -> None:
    server = start_server()
    state = httpx2.get(server.base + "/api/emulator/state", headers=ADMIN)
    if state.status_code == 404:
        pytest.skip("GET /api/emulator/state is not implemented yet")
    made = httpx2.post(server.base + "/api/help-centers", headers=ADMIN,
                       json={"name": "Acme", "domain": "help.example.com"})
    assert made.status_code == 201, made.text
    center = made.json()
    bare = httpx2.post(server.base + "/api/help-centers", headers=ADMIN,
                       json={"name": "Bare", "domain": "help.example.org"}).json()
    secret = httpx2.post(f"{server.base}/api/help-centers/{center['id']}/jwt-secret",
                         headers=ADMIN)
    assert secret.status_code == 201, secret.text

    token = _mint("--help-center", center["id"], *USER, "--server", server.base,
                  "--admin-token", ADMIN_TOKEN)
    answer = httpx2.post(f"{server.base}/widget/{center['widget_id']}/identify",
                         json={"jwt": token}, headers={"Origin": APP_ORIGIN})
    assert answer.status_code == 200, answer.text
    # the environment twins of --server and --admin-token
    env = {"FERNDESK_VERIFIER_URL": server.base, "FERNDESK_VERIFIER_ADMIN_TOKEN": ADMIN_TOKEN}
    token = _mint("--help-center", center["id"], *USER, env=env)
    jwt.decode(token, secret.json()["secret"], algorithms=["HS256"])

    for args, words in (
        (("--help-center", "nope"), "no help center 'nope'"),
        (("--help-center", bare["id"]), "has no JWT secret"),
        (("--help-center", center["id"], "--admin-token", "wrong"), "refused the admin token"),
        (("--help-center", center["id"], "--admin-token", ""), "needs the admin token"),
    ):
        result = _run("token", *USER, "--server", server.base, "--admin-token", ADMIN_TOKEN,
                      *args)
        assert result.returncode == 1, result.stderr
        assert result.stdout == "" and result.stderr.count("\n") == 1
        assert words in result.stderr, result.stderr
        assert secret.json()["secret"] not in result.stderr


# -- inspect ----------------------------------------------------------------------------------


def test_inspect_a_valid_token_exits_0_with_a_checklist() -> None:
    token = _mint("--secret", SECRET, *USER, "--name", "Ada", "--attr", "plan=pro",
                  "--now", FROZEN)
    result = _run("inspect", token, "--secret", SECRET, "--now", "2026-11-25T09:30:00Z")
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["header", "ok"]
    assert "verified with the given secret" in lines[1]
    assert "2026-11-25T11:00:00Z, in 5400 s = 1 h 30 min" in lines[2]
    assert lines[-1].startswith("verdict: accepted")
    assert SECRET not in result.stdout


def test_inspect_without_a_secret_exits_0_and_says_so() -> None:
    token = _mint("--secret", SECRET, *USER)
    result = _run("inspect", token)
    assert result.returncode == 0
    assert "not checked" in result.stdout


def test_inspect_lists_every_problem_and_exits_1() -> None:
    token = _mint("--secret", SECRET, *USER, "--claim", "sub=42", "--claim",
                  'email="ada@acme"', "--expires-in=-10m", "--now", FROZEN)
    result = _run("inspect", token, "--secret", SECRET, "--now", FROZEN)
    assert result.returncode == 1
    out = result.stdout
    assert "expired" in out and "600 s ago" in out
    assert "sub must be a string, got the number 42: send String(user.id)" in out
    assert 'email "ada@acme" does not look like an email' in out
    assert out.splitlines()[-1].startswith("verdict: rejected: token expired")


def test_inspect_names_the_secret_mistake_and_never_prints_the_secret() -> None:
    token = _run("token", "--secret-env", "S", *USER, env={"S": SECRET + "\n"}).stdout.strip()
    result = _run("inspect", token, "--secret-env", "S", env={"S": SECRET})
    assert result.returncode == 1
    assert "followed by a newline" in result.stdout
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize("given", [" " + SECRET, SECRET + " ", SECRET + "\n", "\t" + SECRET])
def test_inspect_says_one_thing_about_a_secret_given_with_whitespace(given: str) -> None:
    token = _mint("--secret", SECRET, *USER)
    result = _run("inspect", token, "--secret", given)
    assert result.returncode == 1
    said = [line for line in result.stdout.splitlines() if " FAIL " in line or
            line.startswith("verdict:")]
    assert len(said) == 2, result.stdout
    assert all("whitespace around it" in line and "strip it" in line for line in said)
    assert "another help center" not in result.stdout
    assert SECRET not in result.stdout


def test_inspect_names_a_json_quoted_token() -> None:
    token = _mint("--secret", SECRET, *USER)
    result = _run("inspect", f'"{token}"', "--secret", SECRET)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == (
        "verdict: rejected: the jwt is wrapped in double quotes: your backend sent it as JSON "
        "(res.json(token)); send the bare token (res.send(token)) or read it with r.json()")


def test_inspect_warns_of_an_exp_in_milliseconds_and_still_exits_0() -> None:
    token = _mint("--secret", SECRET, *USER, "--claim", "exp=1795000000000")
    result = _run("inspect", token, "--secret", SECRET, "--now", FROZEN)
    assert result.returncode == 0, result.stdout
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("exp ")]
    assert line.split()[1] == "WARN" and "milliseconds" in line and "never expires" in line
    data = json.loads(_run("inspect", token, "--secret", SECRET, "--now", FROZEN,
                           "--json").stdout)
    assert data["valid"] is True
    (warning,) = data["warnings"]
    assert warning["code"] == "expiry_in_milliseconds" and "milliseconds" in warning["reason"]


def test_inspect_shows_identifys_warnings_of_a_token_that_would_verify() -> None:
    token = _mint("--secret", SECRET, *USER, "--no-exp", "--claim",
                  'custom_attributes={"plan": "pro"}')
    result = _run("inspect", token, "--secret", SECRET, "--now", FROZEN)
    assert result.returncode == 0, result.stdout
    warned = [line for line in result.stdout.splitlines() if "  WARN  " in line]
    assert len(warned) == 2 and warned[0].startswith("exp ")
    assert "rename it to customAttributes" in warned[1]
    data = json.loads(_run("inspect", token, "--secret", SECRET, "--now", FROZEN,
                           "--json").stdout)
    assert [w["code"] for w in data["warnings"]] == ["no_expiry", "unknown_claim"]


def test_inspect_help_says_warnings_do_not_change_the_exit_code() -> None:
    result = _run("inspect", "--help")
    assert "warning" in result.stdout.lower()
    assert "expiry_in_milliseconds" in result.stdout


@pytest.mark.parametrize("junk", ["abc", "a.b.c", "Bearer x.y.z", ""])
def test_inspect_explains_malformed_input_without_a_traceback(junk: str) -> None:
    result = _run("inspect", junk, "--secret", SECRET)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("verdict: rejected: ")


def test_inspect_json_is_machine_readable() -> None:
    token = _mint("--secret", SECRET, *USER, "--claim", "sub=42")
    result = _run("inspect", token, "--secret", SECRET, "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert set(data) == {"valid", "verdict", "checks", "header", "claims", "warnings"}
    assert data["valid"] is False and data["claims"]["sub"] == 42
    failed = [check["name"] for check in data["checks"] if check["ok"] is False]
    assert failed == ["sub"]
    result = _run("inspect", _mint("--secret", SECRET, *USER), "--secret", SECRET, "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["valid"] is True


def test_inspect_reads_the_token_from_stdin() -> None:
    token = _mint("--secret", SECRET, *USER)
    result = _run("inspect", "-", "--secret", SECRET, stdin=token + "\n")
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("args", [(), ("a.b.c", "--now", "yesterday"),
                                  ("a.b.c", "--secret-env", "UNSET_VARIABLE_FOR_THIS_TEST"),
                                  ("a.b.c", "--secret", SECRET, "--secret-env", "S"),
                                  ("a.b.c", "--frobnicate")])
def test_inspect_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = _run("inspect", *args, env={"S": SECRET})
    assert result.returncode == 2
    assert result.stdout == "" and "(see ferndesk-verifier inspect --help)" in result.stderr


# -- help -------------------------------------------------------------------------------------


def test_help_lists_every_command_and_each_has_examples() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for command in ("serve", "token", "inspect"):
        assert f"    {command} " in result.stdout
    for command in ("serve", "token", "inspect"):
        result = _run(command, "--help")
        assert result.returncode == 0
        assert "examples:" in result.stdout and f"ferndesk-verifier {command}" in result.stdout
    for command in ("token", "inspect"):
        assert "exit codes:" in _run(command, "--help").stdout


def test_inspect_into_a_closed_pipe_exits_without_a_traceback() -> None:
    """`inspect "$T" --json | head -c 1`: the reader is gone before inspect prints."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
    process = subprocess.Popen([sys.executable, "-m", "verifier", "inspect", "a.b.c", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=30) == 1
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
