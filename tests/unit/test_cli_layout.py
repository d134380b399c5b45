"""The command line is cut by concept (issue 12): ``cli`` parses and dispatches, ``arguments``
holds the argument types, ``serving`` the ``serve`` command in pieces ``exec`` reuses,
``serve_flags`` the flags both take, ``exec_command``/``exec_server``/``exec_signals`` the
``exec`` command (issue 14), ``token_commands`` the ``token`` and ``inspect`` tools. Each
declares a public surface that exists, and each stays small enough to read in one sitting."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "verifier"
CLI_MODULES = ["cli", "arguments", "serving", "serve_flags", "exec_command", "exec_server",
               "exec_signals", "token_commands", "exit_codes"]


@pytest.mark.parametrize("module", CLI_MODULES)
def test_each_command_line_module_is_under_400_lines(module: str) -> None:
    lines = (PACKAGE / f"{module}.py").read_text(encoding="utf-8").count("\n")
    assert lines < 400, f"{module}.py has {lines} lines"


@pytest.mark.parametrize("module", CLI_MODULES)
def test_each_command_line_module_declares_a_public_surface_that_exists(module: str) -> None:
    loaded = importlib.import_module(f"verifier.{module}")
    assert loaded.__all__, module
    for name in loaded.__all__:
        assert not name.startswith("_"), name
        assert hasattr(loaded, name), name


def test_cli_offers_the_parser_and_the_entry_point_only() -> None:
    from verifier import cli

    assert set(cli.__all__) == {"build_parser", "main"}


def test_serve_is_offered_in_the_pieces_exec_reuses() -> None:
    from verifier import serving

    assert {"serve", "settings_from_arguments", "prepare_database", "StartError",
            "print_banner", "run_uvicorn", "ensure_demo"} <= set(serving.__all__)
