"""What the server keeps about itself in its database: today, the generated admin token.

A token generated at start is stored so that the next start on the same database reuses it: a
dashboard sign-in and saved ``curl`` commands keep working after a restart. It is the server's,
not the emulator's: the state export/import and ``POST /api/emulator/reset`` never touch it.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from verifier.models import server_settings

ADMIN_TOKEN_KEY = "admin_token"  # noqa: S105 (a key's name, not a token)


def kept_admin_token(engine: Engine, generate: Callable[[], str]) -> str:
    """The stored admin token, or a new one from ``generate`` stored now.

    Insert if absent, then read back: servers starting together on one database all read the
    row the first insert wrote, so they agree on one token."""
    with engine.begin() as conn:
        kept = _read(conn, ADMIN_TOKEN_KEY)
    if kept is not None:
        return kept
    try:
        with engine.begin() as conn:
            conn.execute(server_settings.insert().values(key=ADMIN_TOKEN_KEY, value=generate()))
    except sa.exc.IntegrityError:
        pass  # another server inserted first: its token wins
    with engine.begin() as conn:
        kept = _read(conn, ADMIN_TOKEN_KEY)
    assert kept is not None
    return kept


def _read(conn: sa.Connection, key: str) -> str | None:
    return conn.execute(sa.select(server_settings.c.value).where(
        server_settings.c.key == key)).scalar()
