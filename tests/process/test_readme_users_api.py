"""The README's Users API section runs as printed, after the quickstart, on one fresh
``serve --demo``: create a key, create a user, find it, change it, disable it, identify as it,
enable it, identify again, then the sync example twice. Only what a reader types in by hand is
filled in: the port, the demo secret and the admin token the server printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_TOKEN, fresh_database_url
from tests.process.conftest import Server

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
SECTION = "## The Users API (`/v1`)"


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.DOTALL)


def quickstart_blocks(readme: str) -> list[str]:
    """The quickstart's shell blocks but ``make``: the identify a newcomer has already run."""
    return [block for block in shell_blocks(readme[:readme.index("## Walk-through")])
            if not block.startswith("make ")]


def section_blocks(readme: str) -> list[str]:
    """The Users API section's shell blocks, its subsections included."""
    start = readme.index(SECTION)
    end = readme.index("\n## ", start + len(SECTION))
    return shell_blocks(readme[start:end])


def answers(output: str) -> list[Any]:
    """Every JSON value in the output, in order (curl prints them without newlines)."""
    decoder = json.JSONDecoder()
    found, position = [], 0
    while (start := output.find("{", position)) != -1:
        value, position = decoder.raw_decode(output, start)
        found.append(value)
    return found


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[list[Any]]]:
    """What each of the section's blocks printed, as JSON values, after the quickstart ran."""
    tmp_path = tmp_path_factory.mktemp("readme-users-api")
    server = Server(fresh_database_url(tmp_path), "--demo")
    try:
        demo_secret = re.search(r"demo JWT secret[^:]*: (\S+)", server.said())
        assert demo_secret, server.said()
        readme = README.read_text(encoding="utf-8")
        blocks = quickstart_blocks(readme) + section_blocks(readme)
        script = ["set -e"]
        for number, block in enumerate(blocks):
            block = re.sub(r"^SECRET=.*$", f"SECRET={demo_secret.group(1)}", block, flags=re.M)
            block = re.sub(r"^ADMIN_TOKEN=\S+", f"ADMIN_TOKEN={ADMIN_TOKEN}", block, flags=re.M)
            block = block.replace("127.0.0.1:8765", f"127.0.0.1:{server.port}")
            block = block.replace(".venv/bin/", f"{BIN}/")
            script.append(f"{{\n{block}\n}} > {tmp_path}/out{number}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_")}
        env["PATH"] = f"{BIN}:{env['PATH']}"
        # What `token --help-center` reaches by default is 127.0.0.1:8765: the port again.
        env["FERNDESK_VERIFIER_URL"] = server.base
        done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        printed = [answers((tmp_path / f"out{n}").read_text()) for n in range(len(blocks))]
        yield printed[len(quickstart_blocks(readme)):]
    finally:
        server.stop()


def test_the_users_api_walkthrough_creates_finds_changes_and_disables_as_printed(
        outputs: list[list[Any]]) -> None:
    key, created, found, changed, disabled_then_identify, enabled_then_more, synced = outputs
    assert key == []  # the key went into FERNDESK_API_KEY, and nothing was refused
    [user] = created
    assert (user["email"], user["name"], user["attributes"], user["disabled"]) == (
        "barbara@example.com", "Barbara", {"plan": "pro"}, False)
    assert found == [{"items": [user], "limit": 20, "offset": 0, "total": 1}]
    assert changed[0]["id"] == user["id"]
    assert changed[0]["attributes"] == {
        "plan": "enterprise", "seats": 40, "beta": True, "regions": ["eu", "us"]}
    assert disabled_then_identify[0]["disabled"] is True
    assert enabled_then_more[0]["disabled"] is False
    assert synced == [{"created": 3, "updated": 0, "unchanged": 0},
                      {"created": 0, "updated": 0, "unchanged": 3}]


def test_the_users_api_walkthrough_identify_answers_as_printed(
        outputs: list[list[Any]]) -> None:
    user = outputs[1][0]
    refused = outputs[4][1]
    assert refused["error"]["code"] == "user_disabled"
    assert refused["error"]["message"] == "Ferndesk: identify failed - user is disabled"
    identified, listed = outputs[5][1], outputs[5][2]
    assert identified["user"]["sub"] == "u-2"
    assert identified["user"]["email"] == "barbara@example.com"
    [bound] = listed["items"]
    assert bound["id"] == user["id"]
    assert bound["emailVerified"] is True
    assert bound["lastLoginAt"] is not None
    assert bound["attributes"] == outputs[3][0]["attributes"]
