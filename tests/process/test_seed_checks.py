"""``serve --seed FILE`` refuses what ``PUT /api/emulator/state`` refuses, before serving: the
CI job fails at start with the key or value named, not later with a widget that is not there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.process.conftest import free_port
from tests.process.test_cli import _run

SECRET = "a-fixed-secret-for-ci-of-32-chars-or-more"


def _serve_with(tmp_path: Path, seed: dict | str, name: str = "seed.json") -> str:
    path = tmp_path / name
    path.write_text(seed if isinstance(seed, str) else json.dumps(seed))
    result = _run("serve", "--seed", str(path), "--port", str(free_port()),
                  "--database-url", f"sqlite:///{tmp_path / 'seed.db'}")
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.mark.parametrize(("key", "spelling"), [("jwtSecret", "jwt_secret"),
                                               ("widgetId", "widget_id")])
def test_a_camel_case_key_is_refused_with_its_spelling(tmp_path: Path, key: str,
                                                       spelling: str) -> None:
    seed = {"help_centers": [{"id": "acme", "name": "Acme", "domain": "help.acme.com",
                              key: SECRET if key == "jwtSecret" else "wid-acme"}]}
    stderr = _serve_with(tmp_path, seed)
    assert f"help_centers[0]: unknown key {key!r}; did you mean {spelling!r}?" in stderr


def test_a_toml_seed_with_a_duplicate_widget_id_names_it(tmp_path: Path) -> None:
    seed = """
[[help_centers]]
id = "acme"
domain = "help.acme.com"
widget_id = "wid"

[[help_centers]]
id = "globex"
domain = "help.globex.com"
widget_id = "wid"
"""
    stderr = _serve_with(tmp_path, seed, "seed.toml")
    assert "help_centers[1].widget_id: 'wid' is also help_centers[0]'s" in stderr


def test_a_short_secret_is_refused_without_showing_it(tmp_path: Path) -> None:
    seed = {"help_centers": [{"id": "acme", "domain": "help.acme.com",
                              "jwt_secret": "dev-secret"}]}
    stderr = _serve_with(tmp_path, seed)
    assert "help_centers[0].jwt_secret:" in stderr and "32 bytes" in stderr
    assert "dev-secret" not in stderr


def test_a_widget_id_with_a_space_is_refused(tmp_path: Path) -> None:
    seed = {"help_centers": [{"id": "acme", "domain": "help.acme.com", "widget_id": "a b"}]}
    stderr = _serve_with(tmp_path, seed)
    assert "help_centers[0].widget_id: widget_id must be 1-64 letters" in stderr
