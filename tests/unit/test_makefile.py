"""The README's two commands: `make run` installs only what running needs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_on_a_fresh_checkout_installs_the_package_without_the_test_tools(
        tmp_path: Path) -> None:
    planned = subprocess.run(["make", "-n", "run", f"VENV={tmp_path / 'venv'}"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60, check=True).stdout
    installs = [line for line in planned.splitlines() if "pip install" in line]
    assert any(line.rstrip().endswith("-e .") for line in installs), planned
    assert not any("[test]" in line for line in installs), planned
