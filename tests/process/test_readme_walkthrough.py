"""The README's first screens run as printed, in order, on one fresh ``serve --demo``: the
quickstart, then the walk-through (create a help center, its secret, a token, identify, the
journal). Only what a reader types in by hand is filled in: the port, the secrets the server
printed, the admin token."""

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


def walkthrough_blocks() -> list[str]:
    """The README's shell blocks before the dashboard section, but those that start a server
    (the test started it) or run make."""
    text = README.read_text(encoding="utf-8")
    text = text[:text.index("## The admin dashboard")]
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    return [block for block in blocks
            if "ferndesk-verifier serve" not in block and not block.startswith("make ")]


def answers(output: str) -> Iterator[Any]:
    """Every JSON value in the output, in order (curl prints them without newlines)."""
    decoder = json.JSONDecoder()
    position = 0
    while starts := [i for i in (output.find("{", position), output.find("[", position))
                     if i != -1]:
        value, position = decoder.raw_decode(output, min(starts))
        yield value


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[Server]:
    server = Server(fresh_database_url(tmp_path), "--demo")
    yield server
    server.stop()


def test_the_readme_quickstart_and_walkthrough_run_in_order(tmp_path: Path,
                                                            demo_server: Server) -> None:
    demo_secret = re.search(r"demo JWT secret[^:]*: (\S+)", demo_server.said())
    assert demo_secret, demo_server.said()
    blocks = walkthrough_blocks()
    secret_block = next(i for i, block in enumerate(blocks) if "/jwt-secret -H" in block)
    script = ["set -e"]
    for number, block in enumerate(blocks):
        block = re.sub(r"^SECRET=.*$", f"SECRET={demo_secret.group(1)}", block, flags=re.M)
        block = re.sub(r"^ADMIN_TOKEN=\S+", f"ADMIN_TOKEN={ADMIN_TOKEN}", block, flags=re.M)
        block = re.sub(r"^export FERNDESK_JWT_SECRET='q3V[^']*'",
                       "export FERNDESK_JWT_SECRET=$(python -c 'import json,sys; "
                       "print(json.load(open(sys.argv[1]))[\"secret\"])' "
                       f"{tmp_path}/out{secret_block})", block, flags=re.M)
        block = block.replace("127.0.0.1:8765", f"127.0.0.1:{demo_server.port}")
        block = block.replace(".venv/bin/", f"{BIN}/")
        script.append(f"{{\n{block}\n}} > {tmp_path}/out{number}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_")}
    env["PATH"] = f"{BIN}:{env['PATH']}"
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    outputs = [(tmp_path / f"out{n}").read_text() for n in range(len(blocks))]
    every = [value for output in outputs for value in answers(output)]
    errors = [value for value in every if isinstance(value, dict) and "error" in value]
    assert errors == []
    identified = [value["user"]["sub"] for value in every
                  if isinstance(value, dict) and "user" in value]
    assert identified == ["u-1", "u-1"]  # the quickstart's, then the walk-through's
    attempts = [value for value in every if isinstance(value, list) and value
                and "code" in value[0]]
    assert [attempt["code"] for attempt in attempts[-1]] == ["ok"]
