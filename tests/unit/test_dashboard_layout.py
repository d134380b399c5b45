"""Where the dashboard's parts live (issue 12): handlers and the route table in
``routes/dashboard.py``; forms and their guards, pages, the plot and the SQL each elsewhere."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "verifier"
DASHBOARD_MODULES = ["routes/dashboard.py", "dashboard_auth.py", "dashboard_forms.py",
                     "dashboard_pages.py", "plot.py", "human_time.py", "store.py"]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    return names | {node.module or "" for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom)}


def test_the_dashboard_handlers_run_no_sql_of_their_own() -> None:
    imported = imports_of(ROOT / "routes/dashboard.py")
    assert not {name for name in imported
                if name.split(".")[0] == "sqlalchemy" or name in {"verifier.models",
                                                                  "verifier.db"}}, imported


@pytest.mark.parametrize(("module", "names"), [
    ("verifier.dashboard_forms", ["read_form", "FormRefused", "signed_in", "form_post",
                                  "safe_next"]),
    ("verifier.dashboard_pages", ["page", "message_page", "redirect", "PAGE_HEADERS", "HOME"]),
    ("verifier.plot", ["build_plot", "Plot", "Bar", "OUTCOMES", "COLOURS", "colour_of"]),
    ("verifier.human_time", ["human_time"]),
])
def test_each_part_of_the_dashboard_has_its_own_module(module: str, names: list[str]) -> None:
    loaded = importlib.import_module(module)
    assert [name for name in names if not hasattr(loaded, name)] == []


@pytest.mark.parametrize("path", DASHBOARD_MODULES)
def test_every_dashboard_module_opens_by_saying_what_it_owns(path: str) -> None:
    docstring = ast.get_docstring(ast.parse((ROOT / path).read_text(encoding="utf-8")))
    assert docstring and len(docstring) > 40, path
