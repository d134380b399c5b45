"""``serve``'s start-up pieces (``verifier.serving``), called as ``serve`` and ``exec`` call
them: prepare the database once, then say what is running."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import fresh_database_url
from verifier.serving import StartError, prepare_database, print_banner
from verifier.settings import Settings


def test_a_generated_admin_token_is_kept_and_returned_again(tmp_path: Path) -> None:
    settings = Settings(database_url=fresh_database_url(tmp_path))
    first = prepare_database(settings)
    assert len(first) >= 20
    assert prepare_database(settings) == first


def test_a_given_admin_token_is_returned_and_not_kept(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path)
    assert prepare_database(Settings(database_url=url, admin_token="given-token")) == \
        "given-token"
    assert prepare_database(Settings(database_url=url)) != "given-token"


def test_the_seed_is_loaded_and_each_help_center_named(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"help_centers": [
        {"id": "acme", "name": "Acme", "domain": "help.acme.com", "widget_id": "wid-acme"}]}))
    prepare_database(Settings(database_url=fresh_database_url(tmp_path), seed=str(seed)))
    assert capsys.readouterr().out == (
        "seeded help center acme (widget wid-acme, domain help.acme.com)\n")


def test_a_bad_seed_is_a_start_error_naming_the_file(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text("{not json")
    with pytest.raises(StartError, match=r"seed\.json: not valid JSON"):
        prepare_database(Settings(database_url=fresh_database_url(tmp_path), seed=str(seed)))


def test_an_in_memory_database_is_a_start_error() -> None:
    with pytest.raises(StartError, match="in-memory"):
        prepare_database(Settings(database_url="sqlite://"))


def test_the_demo_keeps_its_secret_across_starts_and_prints_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(database_url=fresh_database_url(tmp_path), demo=True)
    prepare_database(settings)
    first = capsys.readouterr().out
    prepare_database(settings)
    assert capsys.readouterr().out == first
    lines = first.splitlines()
    assert lines[0] == "demo help center: id demo, domain localhost, widget id demo"
    assert lines[1].startswith("demo JWT secret (emulator only; keep it out of version "
                               "control): ")


def test_the_banner_names_the_address_the_database_and_a_generated_token(
        capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(database_url="postgresql+psycopg://fv:pw@db/verifier", admin_token="t-1")
    print_banner("http://127.0.0.1:9000", settings, generated=True)
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "ferndesk-verifier on http://127.0.0.1:9000 (database "
        "postgresql+psycopg://fv:***@db/verifier)",
        "dashboard: http://127.0.0.1:9000/ui/ (sign in with the admin token); API docs: "
        "http://127.0.0.1:9000/docs",
        "admin token (generated on first start, kept in the database): t-1"]
    print_banner("http://127.0.0.1:9000", settings, generated=False)
    assert "t-1" not in capsys.readouterr().out
