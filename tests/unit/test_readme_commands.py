"""The README's and docs' commands pass each flag what it takes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def admin_token_arguments(text: str) -> list[str]:
    return re.findall(r"--admin-token[ =](\"[^\"]*\"|'[^']*'|\S+)", text)


def assignments(text: str, name: str) -> list[str]:
    """What ``name`` is set to in the text's shell lines, without a trailing comment."""
    return [value.split(" #")[0].strip()
            for value in re.findall(rf"^\s*(?:export )?{name}=(.*)$", text, re.MULTILINE)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_admin_token_flags_are_given_the_token_not_the_authorization_header(
        document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    for argument in admin_token_arguments(text):
        value = argument.strip("'\"")
        assert "Bearer" not in value and "Authorization" not in value, argument
        variable = re.fullmatch(r"\$\{?(\w+)\}?", value)
        if variable:
            for assigned in assignments(text, variable.group(1)):
                assert "Authorization" not in assigned, (
                    f"{document.name}: --admin-token {argument}, but {variable.group(1)} is "
                    f"{assigned}: a whole header, not the token")
