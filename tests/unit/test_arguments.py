"""The command line's argument types (``verifier.arguments``): what each accepts, and the
one-line reason argparse prints (exit 2) for what it refuses."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from verifier import arguments

DURATIONS = [("3600", 3600), ("90s", 90), ("15m", 900), ("1h", 3600), ("2d", 172800),
             ("-10m", -600), (" 15M ", 900)]


@pytest.mark.parametrize(("text", "seconds"), DURATIONS)
def test_a_duration_is_seconds_or_a_number_with_a_unit(text: str, seconds: int) -> None:
    assert arguments.duration(text) == seconds


@pytest.mark.parametrize("text", ["", "15 minutes", "1.5h", "1w", "m"])
def test_a_duration_that_is_not_one_says_what_is_expected(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected a duration such as 90s"):
        arguments.duration(text)


@pytest.mark.parametrize(("text", "seconds"), [("2026-11-25T10:00:00Z", 1795600800.0),
                                               ("1795600800", 1795600800.0)])
def test_an_instant_is_iso_8601_or_epoch_seconds(text: str, seconds: float) -> None:
    assert arguments.instant(text) == seconds


def test_an_instant_that_is_not_one_names_an_example() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected an ISO-8601 instant"):
        arguments.instant("tomorrow")


@pytest.mark.parametrize(("text", "pair"), [
    ("plan=pro", ("plan", "pro")), ("seats=3", ("seats", 3)), ("beta=true", ("beta", True)),
    ("note=a=b", ("note", "a=b")), ("big=1e400", ("big", "1e400")), ("n=NaN", ("n", "NaN")),
    ("empty=", ("empty", ""))])
def test_an_attribute_value_is_json_when_it_parses_else_a_string(text: str,
                                                                  pair: tuple[str, Any]) -> None:
    assert arguments.attribute(text) == pair


@pytest.mark.parametrize(("text", "pair"), [
    ("sub=42", ("sub", 42)), ('userId="u-1"', ("userId", "u-1")), ("exp=null", ("exp", None)),
    ('customAttributes={"a": [1]}', ("customAttributes", {"a": [1]}))])
def test_a_claim_value_is_json(text: str, pair: tuple[str, Any]) -> None:
    assert arguments.claim(text) == pair


@pytest.mark.parametrize(("text", "message"), [
    ("userId=u-1", "the value of userId must be JSON, got 'u-1'; quote strings: "
                   "userId='\"u-1\"'"),
    ("exp=Infinity", "the value of exp must be JSON"),
    ("exp=1e400", "the value of exp must be JSON"),
    ("sub", "expected KEY=JSON, got 'sub'"),
    ("=1", "expected KEY=JSON, got '=1'")])
def test_a_claim_that_is_not_key_equals_json_says_why(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as caught:
        arguments.claim(text)
    assert str(caught.value).startswith(message)


def test_a_secret_given_on_the_command_line_may_not_be_empty() -> None:
    assert arguments.secret_argument(" s ") == " s "
    with pytest.raises(argparse.ArgumentTypeError, match="the secret is empty"):
        arguments.secret_argument("")


def test_a_secret_from_the_environment_is_taken_as_is_and_must_be_set_and_non_empty(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FV_TEST_SECRET", "s\n")
    assert arguments.secret_from_environment("FV_TEST_SECRET") == "s\n"
    monkeypatch.setenv("FV_TEST_SECRET", "")
    with pytest.raises(argparse.ArgumentTypeError, match="FV_TEST_SECRET is empty"):
        arguments.secret_from_environment("FV_TEST_SECRET")
    monkeypatch.delenv("FV_TEST_SECRET")
    with pytest.raises(argparse.ArgumentTypeError, match="FV_TEST_SECRET is not set"):
        arguments.secret_from_environment("FV_TEST_SECRET")


def test_a_serve_flag_is_checked_as_its_environment_twin_is() -> None:
    port = arguments.checked("port")
    assert port("8765") == 8765
    with pytest.raises(argparse.ArgumentTypeError, match="65535"):
        port("70000")
