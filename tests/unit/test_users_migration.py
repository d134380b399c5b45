"""Migration 0004 (the Users API) keeps the users identify bound before it, and fills what
the API shows of them."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from tests.conftest import fresh_database_url
from verifier.db import create_engine, migrate

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def _upgrade(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def test_existing_users_get_a_public_id_and_updated_at_and_keep_their_subject(
        tmp_path: Path) -> None:
    engine = create_engine(fresh_database_url(tmp_path))
    _upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO help_centers (id, name, domain, widget_id, created_at)"
                             " VALUES ('hc', 'n', 'help.example.com', 'w', 0)"))
        for n in (1, 2):
            conn.execute(sa.text(
                "INSERT INTO users (help_center_id, sub, email, email_normalized, created_at, "
                "last_seen_at) VALUES ('hc', :sub, :email, :email, 10, :seen)"),
                {"sub": f"u-{n}", "email": f"u{n}@acme.com", "seen": 100 + n})
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT sub, public_id, updated_at, last_seen_at, email_verified, disabled, "
            "last_login_at FROM users ORDER BY sub")).all()
    engine.dispose()
    assert [row.sub for row in rows] == ["u-1", "u-2"]
    assert all(row.public_id.startswith("hcusr_") and len(row.public_id) == 30 for row in rows)
    assert rows[0].public_id != rows[1].public_id
    assert [row.updated_at for row in rows] == [101, 102]
    assert all(not row.email_verified and not row.disabled and row.last_login_at is None
               for row in rows)


def test_users_without_a_subject_do_not_collide(tmp_path: Path) -> None:
    """Two API-created users of one help center both have no sub: NULLs are distinct."""
    engine = create_engine(fresh_database_url(tmp_path))
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO help_centers (id, name, domain, widget_id, created_at)"
                             " VALUES ('hc', 'n', 'help.example.com', 'w', 0)"))
        for n in (1, 2):
            conn.execute(sa.text(
                "INSERT INTO users (help_center_id, public_id, email, email_normalized, "
                "created_at, last_seen_at, updated_at) "
                "VALUES ('hc', :pid, :email, :email, 0, 0, 0)"),
                {"pid": f"hcusr_{n}", "email": f"u{n}@acme.com"})
        assert conn.execute(sa.text("SELECT count(*) FROM users WHERE sub IS NULL")).scalar() == 2
    engine.dispose()


def test_downgrading_drops_what_0004_added_and_keeps_users_with_a_subject(
        tmp_path: Path) -> None:
    engine = create_engine(fresh_database_url(tmp_path))
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO help_centers (id, name, domain, widget_id, created_at)"
                             " VALUES ('hc', 'n', 'help.example.com', 'w', 0)"))
        for sub, email in (("u-1", "a@acme.com"), (None, "b@acme.com")):
            conn.execute(sa.text(
                "INSERT INTO users (help_center_id, public_id, sub, email, email_normalized, "
                "created_at, last_seen_at, updated_at) "
                "VALUES ('hc', :pid, :sub, :email, :email, 0, 0, 0)"),
                {"pid": f"hcusr_{email[0]}", "sub": sub, "email": email})
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT sub FROM users")).scalars().all() == ["u-1"]
        columns = {c["name"] for c in sa.inspect(conn).get_columns("users")}
        assert "public_id" not in columns and not sa.inspect(conn).has_table("api_keys")
    engine.dispose()
