"""``docs/reference.md`` is the project's own reference, and it is what the code says.

Its tables (routes, errors, limits, shapes, command-line help) are generated from the code by
``python -m verifier.reference``; these tests fail when the file and the code drift apart, and
when the README points outside the repository again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import BaseRoute, Mount, Route

from verifier import app, errors, reference

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference.md"
REGENERATE = "python -m verifier.reference"


def test_the_reference_is_what_the_generator_produces() -> None:
    current = REFERENCE.read_text(encoding="utf-8")
    assert reference.render(current) == current, (
        f"docs/reference.md is out of date with the code: run `{REGENERATE}` and commit it")


def test_the_check_mode_names_the_command_that_regenerates(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    stale = tmp_path / "reference.md"
    stale.write_text(REFERENCE.read_text(encoding="utf-8").replace("`jwt_required`", "`x`", 1))
    assert reference.main(["--check", str(stale)]) == 1
    assert REGENERATE in capsys.readouterr().err
    assert reference.main([str(stale)]) == 0
    assert reference.main(["--check", str(stale)]) == 0


def test_every_generated_block_is_filled() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    names = re.findall(r"<!-- BEGIN generated: (\S+) -->", text)
    assert sorted(names) == sorted(reference.BLOCKS)


def _served(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for route in routes:
        if isinstance(route, Route) and route.include_in_schema:
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", prefix + route.path)
            found += [(method, path) for method in sorted((route.methods or set()) - {"HEAD"})]
        elif isinstance(route, Mount):
            found.append(("GET", route.path + "/{path}"))
    return found


def test_every_route_the_app_serves_is_in_the_reference() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    missing = [f"{method} {path}" for method, path in _served(app.routes())
               if f"| `{method}` | `{path}` |" not in text]
    assert missing == []


@pytest.mark.parametrize("cls", [*errors.CONTRACT_ERRORS.values(), errors.InternalError],
                         ids=lambda cls: cls.code)
def test_every_error_is_in_the_reference_with_its_exact_message(cls: type) -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    # injected_fault's message names the fault's status; the reference shows it for a 503.
    injected = cls is errors.InjectedFault
    message = cls("", status=503 if injected else None).message
    status = "any" if injected else cls.status
    assert re.search(rf"\| `{cls.code}` \| [^|]*{status}[^|]* \| `{re.escape(message)}`",
                     text), cls.code


def test_the_readme_links_the_reference_inside_the_repository() -> None:
    for path in (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))):
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text, f"{path.name} links a file a clone does not have"
    assert "(docs/reference.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
