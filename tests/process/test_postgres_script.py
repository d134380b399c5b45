"""`make test`'s PostgreSQL pass gets a database of its own per run (tests/postgres.sh), so two
runs on one machine never drop each other's schemas."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

SCRIPT = Path(__file__).resolve().parents[1] / "postgres.sh"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("pg_ctlcluster") is None,
    reason="needs root and this machine's PostgreSQL (as `make test` does)")


def _script(*args: str) -> str:
    result = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
                            timeout=120, check=True)
    return result.stdout.strip()


def _tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_two_runs_get_two_databases_and_neither_sees_the_others_tables() -> None:
    first, second = _script(), _script()
    try:
        assert first != second
        engine = sa.create_engine(first)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE only_in_the_first_run (x int)"))
        engine.dispose()
        assert _tables(first) == ["only_in_the_first_run"]
        assert _tables(second) == []
    finally:
        _script("drop", first)
        _script("drop", second)
    with pytest.raises(sa.exc.OperationalError, match="does not exist"):
        _tables(first)


def test_drop_refuses_a_database_that_is_not_a_run_database() -> None:
    result = subprocess.run(["bash", str(SCRIPT), "drop", "postgresql+psycopg://x@h/postgres"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "refusing" in result.stderr
