"""The tables, as SQLAlchemy Core metadata. The Alembic migrations in ``migrations/`` create
exactly this schema; ``tests/unit/test_schema.py`` checks that the two never drift apart.

The invariants of the contract live here, not in Python: one user per ``(help center, sub)``,
one user per ``(help center, normalised email)`` (so a race can never bind one email to two
subjects), one help center per ``widget_id``, and ``ON DELETE CASCADE`` from a help center to
everything it owns. Instants are POSIX seconds as doubles: portable, and cheap to compare.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _owner() -> sa.Column[str]:
    return sa.Column(
        "help_center_id",
        sa.String(64),
        sa.ForeignKey("help_centers.id", ondelete="CASCADE"),
        nullable=False,
    )


help_centers = sa.Table(
    "help_centers",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("domain", sa.String(253), nullable=False),
    sa.Column("widget_id", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.Double, nullable=False),
    # The one JWT secret, if any. A column rather than a table: there is never more than one,
    # and identify reads it with the help center in one indexed lookup.
    sa.Column("jwt_secret", sa.Text, nullable=True),
    sa.Column("jwt_secret_created_at", sa.Double, nullable=True),
    sa.Column("jwt_secret_fingerprint", sa.String(64), nullable=True),
)

USER_IDS_PER_DRAW = 64
_drawn_user_ids: list[str] = []
os.register_at_fork(after_in_child=_drawn_user_ids.clear)  # a child draws its own


def new_user_id() -> str:
    """A help center user's public id: ``hcusr_`` and 24 random hex digits (96 bits).

    Identify makes one on every call, in case the subject is new, so they are drawn from the
    system's random source 64 at a time: a ``getrandom`` call per identify, which lets go of
    the GIL and so hands the writer thread a turn, cost a fiftieth of a call."""
    try:
        return _drawn_user_ids.pop()
    except IndexError:
        raw = secrets.token_bytes(12 * USER_IDS_PER_DRAW)
        _drawn_user_ids.extend("hcusr_" + raw[start:start + 12].hex()
                               for start in range(0, len(raw), 12))
        return _drawn_user_ids.pop()


def _updated_when_seen(context: Any) -> Any:
    """A user inserted without ``updated_at`` (an import, a test's row) was last updated when
    it was last seen."""
    return context.get_current_parameters().get("last_seen_at")


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _owner(),
    # The public id the Users API (``/v1``) names the user by. Core inserts get one from
    # ``new_user_id``; identify's own SQL passes one (binding.py).
    sa.Column("public_id", sa.String(64), nullable=False, unique=True,
              default=lambda: new_user_id()),
    # NULL for a user created through the Users API until an identify binds a subject to it.
    # NULLs never collide in the unique (help_center_id, sub), on SQLite or PostgreSQL.
    sa.Column("sub", sa.Text, nullable=True),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("email_normalized", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=True),
    # The token's customAttributes, and the Users API's ``attributes`` (NULL reads as {}).
    sa.Column("custom_attributes", sa.Text, nullable=True),  # JSON text, portable everywhere
    sa.Column("email_verified", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("last_seen_at", sa.Double, nullable=False),
    sa.Column("last_login_at", sa.Double, nullable=True),
    sa.Column("updated_at", sa.Double, nullable=False, default=_updated_when_seen),
    sa.UniqueConstraint("help_center_id", "sub"),
    sa.UniqueConstraint("help_center_id", "email_normalized"),
)

# The Users API's keys (``Authorization: Bearer fdsk_...``), each scoped to one help center.
# The key itself is kept (not a hash of it): exports carry it, as they carry the JWT secret.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    _owner(),
    sa.Column("key", sa.Text, nullable=False, unique=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    # Set by DELETE instead of removing the row, so a call with a deleted key is told so.
    sa.Column("deleted_at", sa.Double, nullable=True),
    sa.Index(None, "help_center_id", "created_at"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    _owner(),
    sa.Column("sub", sa.Text, nullable=True),
    sa.Column("email", sa.Text, nullable=True),
    sa.Column("name", sa.Text, nullable=True),
    sa.Column("origin", sa.Text, nullable=True),
    sa.Column("user_agent", sa.Text, nullable=True),
    sa.Column("started_at", sa.Double, nullable=False),
    sa.Column("identified_at", sa.Double, nullable=True),
    # Set when the session's user is disabled (contract section 7): signed out from then on.
    sa.Column("ended_at", sa.Double, nullable=True),
    sa.Index(None, "help_center_id", "started_at"),
)

identify_attempts = sa.Table(
    "identify_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _owner(),
    sa.Column("at", sa.Double, nullable=False),
    sa.Column("origin", sa.Text, nullable=True),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("sub", sa.Text, nullable=True),
    sa.Column("token_fingerprint", sa.String(32), nullable=True),
    # The success's warnings as JSON text ([{"code", "reason"}]); NULL when none.
    sa.Column("warnings", sa.Text, nullable=True),
    sa.Index(None, "help_center_id", "id"),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    _owner(),
    sa.Column("session_id", sa.String(64), nullable=True),
    sa.Column("sub", sa.Text, nullable=True),
    sa.Column("email", sa.Text, nullable=True),
    sa.Column("name", sa.Text, nullable=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Index(None, "help_center_id", "created_at"),
)

# A help center's deleted secrets (``retired_secrets.py``), kept only so that identify can tell
# an integrator their token is signed with one: the secret itself (to check an HMAC; current
# secrets are stored too, this is an emulator), its fingerprint and when it was deleted on the
# emulator's clock. Bounded per help center; gone with their help center.
retired_secrets = sa.Table(
    "retired_secrets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _owner(),
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("deleted_at", sa.Double, nullable=False),
    sa.Index(None, "help_center_id", "id"),
)

# One row (id = 1): the clock every worker shares. See clock.py.
emulator_clock = sa.Table(
    "emulator_clock",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("offset_seconds", sa.Double, nullable=False),
    sa.Column("frozen_at", sa.Double, nullable=True),
)

# Injected faults (emulator controls): the next ``remaining`` identify calls of a help center
# answer ``code`` / ``status``, or wait ``delay_ms`` first. In the database, so that "the next
# N calls" is counted once across every worker process.
emulator_faults = sa.Table(
    "emulator_faults",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _owner(),
    sa.Column("times", sa.Integer, nullable=False),
    sa.Column("remaining", sa.Integer, nullable=False),
    sa.Column("code", sa.String(32), nullable=True),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("delay_ms", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Index(None, "help_center_id", "remaining"),
)

# The server's own settings kept across restarts (``server_settings.py``): the generated admin
# token. Not emulator state: the export/import and the emulator reset leave it alone.
server_settings = sa.Table(
    "server_settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
