"""The Alembic migrations build exactly the schema ``verifier.models`` describes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import TEST_DATABASE_URL, fresh_database_url
from verifier.db import create_engine, migrate
from verifier.models import metadata


def test_migrations_match_the_models(tmp_path: Path) -> None:
    engine = create_engine(fresh_database_url(tmp_path))
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrating_twice_is_a_no_op(tmp_path: Path) -> None:
    engine = create_engine(fresh_database_url(tmp_path))
    migrate(engine)
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM emulator_clock")).scalar() == 1
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def test_the_schema_refuses_a_second_binding_of_one_email(tmp_path: Path) -> None:
    """The invariant lives in the database, not only in Python."""
    engine = create_engine(fresh_database_url(tmp_path))
    migrate(engine)
    row = {"help_center_id": "hc", "email": "a@b.co", "email_normalized": "a@b.co",
           "created_at": 0, "last_seen_at": 0}
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO help_centers (id, name, domain, widget_id, created_at)"
                             " VALUES ('hc', 'n', 'help.example.com', 'w', 0)"))
        conn.execute(metadata.tables["users"].insert().values(sub="one", **row))
    with engine.begin() as conn:
        try:
            conn.execute(metadata.tables["users"].insert().values(sub="two", **row))
        except sa.exc.IntegrityError:
            pass
        else:
            raise AssertionError("the unique index accepted a second subject for one email")


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL "
                    "(FERNDESK_VERIFIER_TEST_DATABASE_URL; make test sets it)")
def test_the_urls_own_options_are_kept_beside_the_statement_timeout(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path)
    assert "search_path" in url
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "10s"
        assert conn.execute(sa.text("SELECT current_schema()")).scalar().startswith("t_")
    engine.dispose()
