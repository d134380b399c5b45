"""The shared-instance recipe (examples/deploy/shared-instance.sh) runs for real on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from tests.conftest import ADMIN, ADMIN_TOKEN, TEST_DATABASE_URL, fresh_database_url
from tests.process.conftest import free_port, wait_healthy

RECIPE = Path(__file__).resolve().parents[2] / "examples" / "deploy" / "shared-instance.sh"


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL "
                    "(FERNDESK_VERIFIER_TEST_DATABASE_URL; make test sets it)")
def test_the_shared_instance_recipe_serves_with_several_workers(tmp_path: Path) -> None:
    port = free_port()
    venv = Path(sys.executable).parent.parent  # the project's own venv: no reinstall here
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
    env.update({"DATABASE_URL": fresh_database_url(tmp_path), "ADMIN_TOKEN": ADMIN_TOKEN,
                "WORKERS": "2", "PORT": str(port), "HOST": "127.0.0.1",
                "VERIFIER_VENV": str(venv)})
    process = subprocess.Popen(["bash", str(RECIPE)], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, process)
        made = httpx2.post(base + "/api/help-centers", headers=ADMIN,
                           json={"name": "Team", "domain": "help.team.com"})
        assert made.status_code == 201
        listed = {httpx2.get(base + "/api/help-centers", headers=ADMIN).json()[0]["id"]
                  for _ in range(6)}  # whichever worker answers, one state
        assert listed == {made.json()["id"]}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
