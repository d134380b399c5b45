"""Admin-side queries: help centers, secrets, Users API keys, users, sessions, attempts,
messages, and the emulator's clock as the admin API and the dashboard read it.

These run on SQLAlchemy Core through the engine's pool, from Starlette's thread pool (admin
handlers are plain functions). Each function is one short transaction. Uniqueness and cascades
are the schema's job; here we only turn its refusals into contract errors. What they return
are the wire shapes of ``shapes.py``, which the admin API encodes as they are.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from verifier import api_keys, keys, retired_secrets
from verifier.clock import ClockSetting, answered_at, isoformat
from verifier.errors import Conflict, NoSecret, NotFound, SecretExists
from verifier.models import api_keys as api_keys_table
from verifier.models import (
    emulator_clock,
    help_centers,
    identify_attempts,
    messages,
    sessions,
    users,
)
from verifier.shapes import (
    ApiKey,
    ApiKeyInfo,
    Attempt,
    HelpCenter,
    IdentifyWarning,
    Message,
    Secret,
    SecretInfo,
    Session,
    User,
)


def journaled_warnings(text: str | None) -> list[IdentifyWarning] | msgspec.UnsetType:
    """An attempt's stored warnings (JSON text, NULL when none) as its answers carry them:
    the key is left out when there were none, so an attempt without warnings reads as before."""
    if text is None:
        return msgspec.UNSET
    return msgspec.json.decode(text, type=list[IdentifyWarning])


def read_clock(conn: Connection) -> ClockSetting:
    row = conn.execute(
        sa.select(emulator_clock.c.offset_seconds, emulator_clock.c.frozen_at).where(
            emulator_clock.c.id == 1)
    ).one_or_none()
    return ClockSetting() if row is None else ClockSetting(row[0], row[1])


def _help_center(row: Any) -> HelpCenter:
    return HelpCenter(id=row.id, name=row.name, domain=row.domain, widget_id=row.widget_id,
                      created_at=answered_at(row.created_at),
                      has_jwt_secret=row.jwt_secret is not None)


def require_help_center(conn: Connection, help_center_id: str) -> Any:
    row = conn.execute(
        sa.select(help_centers).where(help_centers.c.id == help_center_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no help center with id {help_center_id!r}")
    return row


class Store:
    """The admin API's and the dashboard's reads and writes: every SQL statement they run."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- help centers ------------------------------------------------------------------------

    def create_help_center(self, name: str, domain: str, widget_id: str | None,
                           help_center_id: str | None) -> HelpCenter:
        with self.engine.begin() as conn:
            now = read_clock(conn).now()
            values = {
                "id": help_center_id or "hc_" + secrets.token_hex(6),
                "name": name,
                "domain": domain,
                "widget_id": widget_id or "wid_" + secrets.token_hex(8),
                "created_at": now,
            }
            taken = conn.execute(
                sa.select(help_centers.c.id, help_centers.c.widget_id).where(
                    sa.or_(help_centers.c.id == values["id"],
                           help_centers.c.widget_id == values["widget_id"]))
            ).first()
            if taken is not None:
                which = "id" if taken.id == values["id"] else "widget_id"
                raise Conflict(f"{which} {values[which]!r} is already used by a help center")
            try:
                conn.execute(sa.insert(help_centers).values(values))
            except sa.exc.IntegrityError:
                raise Conflict("the id or widget_id was taken by a concurrent call") from None
            return _help_center(require_help_center(conn, str(values["id"])))

    def list_help_centers(self) -> list[HelpCenter]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(help_centers).order_by(help_centers.c.created_at, help_centers.c.id))
            return [_help_center(row) for row in rows]

    def get_help_center(self, help_center_id: str) -> HelpCenter:
        with self.engine.connect() as conn:
            return _help_center(require_help_center(conn, help_center_id))

    def delete_help_center(self, help_center_id: str) -> None:
        with self.engine.begin() as conn:
            gone = conn.execute(sa.delete(help_centers).where(help_centers.c.id == help_center_id))
            if gone.rowcount == 0:
                raise NotFound(f"no help center with id {help_center_id!r}")

    # -- the emulator's clock ----------------------------------------------------------------

    def emulator_now(self) -> float:
        """Now on the emulator's clock (POSIX seconds), as identify would see it."""
        with self.engine.connect() as conn:
            return read_clock(conn).now()

    # -- the JWT secret ----------------------------------------------------------------------

    def generate_secret(self, help_center_id: str) -> Secret:
        secret = keys.generate_secret()
        with self.engine.begin() as conn:
            require_help_center(conn, help_center_id)
            now = read_clock(conn).now()
            fingerprint = keys.fingerprint(secret)
            # Conditional update: two admins racing to generate cannot both get a secret.
            done = conn.execute(
                sa.update(help_centers)
                .where(help_centers.c.id == help_center_id, help_centers.c.jwt_secret.is_(None))
                .values(jwt_secret=secret, jwt_secret_created_at=now,
                        jwt_secret_fingerprint=fingerprint)
            )
            if done.rowcount == 0:
                existing = require_help_center(conn, help_center_id)
                raise SecretExists(
                    f"help center {help_center_id!r} has a secret "
                    f"({existing.jwt_secret_fingerprint}, created "
                    f"{isoformat(existing.jwt_secret_created_at)}); DELETE it first")
        return Secret(secret=secret, created_at=answered_at(now), fingerprint=fingerprint)

    def secret_info(self, help_center_id: str) -> SecretInfo:
        with self.engine.connect() as conn:
            row = require_help_center(conn, help_center_id)
        if row.jwt_secret is None:
            raise NoSecret(f"help center {help_center_id!r} has no JWT secret; POST to generate")
        return SecretInfo(created_at=answered_at(row.jwt_secret_created_at),
                          fingerprint=row.jwt_secret_fingerprint)

    def jwt_secret_and_now(self, help_center_id: str) -> tuple[str | None, float]:
        """The help center's secret itself (None when it has none) and the emulator's now, read
        together: only for checking a signature on the server (the token debugger); nothing
        that reads this may show it."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(help_centers.c.jwt_secret).where(
                help_centers.c.id == help_center_id)).one_or_none()
            now = read_clock(conn).now()
        if row is None:
            raise NotFound(f"no help center with id {help_center_id!r}")
        return row.jwt_secret, now

    def delete_secret(self, help_center_id: str) -> None:
        """Delete the secret, keeping it as a previous one (``retired_secrets``) so identify
        can name it. The update is conditional on the secret read: a concurrent delete and
        generate cannot make us keep one secret while removing another."""
        with self.engine.begin() as conn:
            while True:
                secret = require_help_center(conn, help_center_id).jwt_secret
                if secret is None:
                    raise NoSecret(f"help center {help_center_id!r} has no JWT secret to delete")
                done = conn.execute(
                    sa.update(help_centers)
                    .where(help_centers.c.id == help_center_id,
                           help_centers.c.jwt_secret == secret)
                    .values(jwt_secret=None, jwt_secret_created_at=None,
                            jwt_secret_fingerprint=None)
                )
                if done.rowcount:
                    break
            retired_secrets.retire(conn, help_center_id, secret, keys.fingerprint(secret),
                                   read_clock(conn).now())

    # -- Users API keys ----------------------------------------------------------------------

    def create_api_key(self, help_center_id: str) -> ApiKey:
        key, key_id = api_keys.generate(), api_keys.new_key_id()
        fingerprint = api_keys.fingerprint(key)
        with self.engine.begin() as conn:
            require_help_center(conn, help_center_id)
            now = read_clock(conn).now()
            conn.execute(sa.insert(api_keys_table).values(
                id=key_id, help_center_id=help_center_id, key=key, fingerprint=fingerprint,
                created_at=now))
        return ApiKey(id=key_id, key=key, created_at=answered_at(now), fingerprint=fingerprint)

    def list_api_keys(self, help_center_id: str) -> list[ApiKeyInfo]:
        """The help center's live keys, oldest first; never the keys themselves."""
        table = api_keys_table
        with self.engine.connect() as conn:
            require_help_center(conn, help_center_id)
            rows = conn.execute(
                sa.select(table.c.id, table.c.created_at, table.c.fingerprint)
                .where(table.c.help_center_id == help_center_id, table.c.deleted_at.is_(None))
                .order_by(table.c.created_at, table.c.id))
            return [ApiKeyInfo(id=row.id, created_at=answered_at(row.created_at),
                               fingerprint=row.fingerprint) for row in rows]

    def delete_api_key(self, help_center_id: str, key_id: str) -> None:
        """Refuse the key from now on. The row stays, marked, so that a call still sending it
        is told the key was deleted (and when), not that it never existed."""
        table = api_keys_table
        with self.engine.begin() as conn:
            require_help_center(conn, help_center_id)
            done = conn.execute(
                sa.update(table).where(table.c.id == key_id,
                                       table.c.help_center_id == help_center_id,
                                       table.c.deleted_at.is_(None))
                .values(deleted_at=read_clock(conn).now()))
            if done.rowcount == 0:
                raise NotFound(f"help center {help_center_id!r} has no API key {key_id!r}")

    # -- what identify produced --------------------------------------------------------------

    def list_users(self, help_center_id: str) -> list[User]:
        with self.engine.connect() as conn:
            require_help_center(conn, help_center_id)
            rows = conn.execute(
                sa.select(users).where(users.c.help_center_id == help_center_id)
                .order_by(users.c.created_at, users.c.id))
            return [
                User(sub=row.sub, email=row.email, name=row.name,
                     custom_attributes=None if row.custom_attributes is None
                     else json.loads(row.custom_attributes),
                     created_at=answered_at(row.created_at),
                     last_seen_at=answered_at(row.last_seen_at), disabled=row.disabled)
                for row in rows
            ]

    def delete_user(self, help_center_id: str, sub: str) -> None:
        with self.engine.begin() as conn:
            require_help_center(conn, help_center_id)
            gone = conn.execute(sa.delete(users).where(
                users.c.help_center_id == help_center_id, users.c.sub == sub))
            if gone.rowcount == 0:
                raise NotFound(f"no user with sub {sub!r} in help center {help_center_id!r}")

    def list_sessions(self, help_center_id: str) -> list[Session]:
        with self.engine.connect() as conn:
            require_help_center(conn, help_center_id)
            rows = conn.execute(
                sa.select(sessions).where(sessions.c.help_center_id == help_center_id)
                .order_by(sessions.c.started_at.desc()))
            return [
                Session(id=row.id, sub=row.sub, email=row.email, origin=row.origin,
                        user_agent=row.user_agent, started_at=answered_at(row.started_at),
                        identified_at=isoformat(row.identified_at),
                        ended_at=isoformat(row.ended_at))
                for row in rows
            ]

    def list_attempts(self, help_center_id: str, limit: int) -> list[Attempt]:
        with self.engine.connect() as conn:
            require_help_center(conn, help_center_id)
            rows = conn.execute(
                sa.select(identify_attempts)
                .where(identify_attempts.c.help_center_id == help_center_id)
                .order_by(identify_attempts.c.id.desc()).limit(limit))
            return [
                Attempt(at=answered_at(row.at), origin=row.origin, code=row.code, reason=row.reason,
                        sub=row.sub, token_fingerprint=row.token_fingerprint,
                        warnings=journaled_warnings(row.warnings))
                for row in rows
            ]

    def list_messages(self, help_center_id: str) -> list[Message]:
        with self.engine.connect() as conn:
            require_help_center(conn, help_center_id)
            rows = conn.execute(
                sa.select(messages).where(messages.c.help_center_id == help_center_id)
                .order_by(messages.c.created_at))
            return [
                Message(id=row.id, session_id=row.session_id, sub=row.sub, email=row.email,
                        name=row.name, body=row.body, created_at=answered_at(row.created_at))
                for row in rows
            ]
