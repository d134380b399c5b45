"""The documented CI recipe (examples/ci/with-verifier.sh) runs for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.process.conftest import free_port

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


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
    env["FERNDESK_VERIFIER_PORT"] = str(free_port())
    env["FERNDESK_VERIFIER_COMMAND"] = f"{sys.executable} -m verifier"
    return subprocess.run(["bash", str(RECIPE), str(ROOT / "examples" / "ci" / "seed.json"),
                           "--", *command], capture_output=True, text=True, timeout=60, env=env)


def test_the_recipe_serves_the_seed_to_the_command() -> None:
    result = _run(sys.executable, "-c", CHECK)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "u-1"


def test_the_recipe_exits_with_the_commands_status_and_shows_the_log() -> None:
    result = _run("false")
    assert result.returncode == 1
    assert "ferndesk-verifier log" in result.stderr
