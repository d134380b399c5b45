"""The loader snippet is written once, in ``sdk_stub/loader-snippet.html``; the README, the SDK's
README and the example pages carry verbatim copies (an integrator copies them from there), and
the browser tests read the file itself. A copy that drifts from the canonical file fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CANONICAL = ROOT / "sdk_stub" / "loader-snippet.html"
COPIES = ["README.md", "sdk_stub/README.md", "examples/python/app.py", "examples/node/server.js"]


def _squeezed(text: str) -> str:
    """Whitespace-insensitive: every run of whitespace is one space."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("copy", COPIES)
def test_the_copy_of_the_loader_snippet_is_the_canonical_one(copy: str) -> None:
    snippet = _squeezed(CANONICAL.read_text(encoding="utf-8"))
    text = _squeezed((ROOT / copy).read_text(encoding="utf-8"))
    assert snippet in text, (
        f"{copy} has no verbatim copy of sdk_stub/loader-snippet.html: paste the file's "
        "content where the page loads the SDK")


def test_the_canonical_snippet_is_what_the_contract_describes() -> None:
    snippet = CANONICAL.read_text(encoding="utf-8")
    for part in ['"ferndesk-sdk"', "d.currentScript.nonce", "DOMContentLoaded",
                 "w.FERNDESK_SDK_SRC", '"https://static.ferndesk.com/dist/sdk.js"',
                 "(f.q = f.q || []).push(arguments)"]:
        assert part in snippet


def test_the_snippet_survives_being_pasted_into_the_examples_templates() -> None:
    """examples/python formats its page with %, examples/node with a template literal."""
    snippet = CANONICAL.read_text(encoding="utf-8")
    assert not re.search(r"%|`|\$\{|\\", snippet)
