"""The Users API's database work (``/v1``, contract section 7): which help center an API key
opens, and the users it lists, creates and changes.

Each call is one transaction that first resolves the key, so a key deleted a moment ago opens
nothing. The one-email-per-help-center rule is the schema's unique
``(help_center_id, email_normalized)`` index, shared with identify: a create or change that
hits it is ``409 conflict`` because the database refused it, never because a prior read said
so, so two racing calls end with one user. What these return are ``shapes.HelpCenterUser``.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from msgspec import UNSET
from sqlalchemy.engine import Connection, Engine

from verifier import api_keys as key_rules
from verifier.clock import answered_at, isoformat
from verifier.emails import email_key
from verifier.errors import Conflict, NotFound, Unauthorized
from verifier.models import api_keys, new_user_id, sessions, users
from verifier.shapes import HelpCenterUser, UserCreate, UserPage, UserUpdate
from verifier.store import read_clock


def user_shape(row: Any) -> HelpCenterUser:
    """A ``users`` row as the Users API shows it (NULL attributes read as ``{}``). The email
    is the stored lower-case key (contract section 7), also for a user identify bound with
    ``Ada@Acme.com``: the admin API and the dashboard keep showing the token's spelling."""
    return HelpCenterUser(
        id=row.public_id, helpdesk_id=row.help_center_id, email=row.email_normalized,
        name=row.name,
        email_verified=bool(row.email_verified), disabled=bool(row.disabled),
        attributes={} if row.custom_attributes is None else json.loads(row.custom_attributes),
        last_login_at=isoformat(row.last_login_at), created_at=answered_at(row.created_at),
        updated_at=answered_at(row.updated_at))


def _attributes_text(attributes: dict[str, Any]) -> str:
    return json.dumps(attributes, separators=(",", ":"))


class UsersApi:
    """The queries behind ``/v1``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list_users(self, key: str, email: str | None, limit: int, offset: int) -> UserPage:
        """A page of the key's help center's users, oldest first (created_at, then the row
        id); ``email`` filters exactly, compared by identify's email key."""
        with self.engine.connect() as conn:
            hc = help_center_of_key(conn, key)
            where = [users.c.help_center_id == hc]
            if email is not None:
                where.append(users.c.email_normalized == email_key(email))
            total = conn.execute(sa.select(sa.func.count()).select_from(users)
                                 .where(*where)).scalar_one()
            rows = conn.execute(sa.select(users).where(*where)
                                .order_by(users.c.created_at, users.c.id)
                                .limit(limit).offset(offset))
            return UserPage(items=[user_shape(row) for row in rows], limit=limit,
                            offset=offset, total=total)

    def create_user(self, key: str, new: UserCreate) -> HelpCenterUser:
        """A user without a subject (the first identify with its email binds one: the lead's
        step of issue 13). ``new`` is checked already; its email is stored lower-case."""
        with self.engine.begin() as conn:
            hc = help_center_of_key(conn, key)
            now = read_clock(conn).now()
            stored = email_key(new.email)
            row = {"help_center_id": hc, "public_id": new_user_id(), "sub": None,
                   "email": stored, "email_normalized": stored, "name": new.name,
                   "custom_attributes": _attributes_text(new.attributes),
                   "disabled": new.disabled, "email_verified": False, "created_at": now,
                   "last_seen_at": now, "updated_at": now, "last_login_at": None}
            _refused_as_conflict(conn, hc, stored,
                                 lambda: conn.execute(sa.insert(users).values(row)))
            return _read_user(conn, hc, str(row["public_id"]))

    def update_user(self, key: str, user_id: str, change: UserUpdate) -> HelpCenterUser:
        """The fields ``change`` gives, changed (``name: None`` clears it, ``attributes``
        replaces the object); ``updated_at`` moves only when a field is given."""
        with self.engine.begin() as conn:
            hc = help_center_of_key(conn, key)
            _read_user(conn, hc, user_id)
            values: dict[str, Any] = {}
            if change.email is not UNSET:
                values["email"] = values["email_normalized"] = email_key(change.email)
            if change.name is not UNSET:
                values["name"] = change.name
            if change.attributes is not UNSET:
                values["custom_attributes"] = _attributes_text(change.attributes)
            if change.disabled is not UNSET:
                values["disabled"] = change.disabled
            if values:
                now = read_clock(conn).now()
                values["updated_at"] = now
                statement = sa.update(users).where(users.c.help_center_id == hc,
                                                   users.c.public_id == user_id).values(values)
                _refused_as_conflict(conn, hc, values.get("email"),
                                     lambda: conn.execute(statement), user_id)
                if change.disabled is True:
                    _end_sessions(conn, hc, user_id, now)
            return _read_user(conn, hc, user_id)


def _end_sessions(conn: Connection, hc: str, user_id: str, now: float) -> None:
    """"Disabled users cannot keep active sessions" (the vendor's words): every live session
    of the user's subject ends, in the transaction that disables it, so an identify racing it
    either bound the user before (its session ends here) or finds it disabled."""
    sub = conn.execute(sa.select(users.c.sub).where(
        users.c.help_center_id == hc, users.c.public_id == user_id)).scalar_one_or_none()
    if sub is not None:
        conn.execute(sa.update(sessions).where(
            sessions.c.help_center_id == hc, sessions.c.sub == sub,
            sessions.c.ended_at.is_(None)).values(ended_at=now))


def help_center_of_key(conn: Connection, key: str) -> str:
    """The help center ``key`` opens; ``Unauthorized`` saying why not (unknown, or deleted and
    when). ``key`` is shaped like a key already (``api_keys.key_problem``)."""
    row = conn.execute(sa.select(api_keys.c.help_center_id, api_keys.c.deleted_at)
                       .where(api_keys.c.key == key)).one_or_none()
    shown = key_rules.fingerprint(key)
    if row is None:
        raise Unauthorized(f"no help center has this API key ({shown}); create one with "
                           "POST /api/help-centers/{id}/api-keys")
    if row.deleted_at is not None:
        raise Unauthorized(f"this API key ({shown}) was deleted at {isoformat(row.deleted_at)}")
    return str(row.help_center_id)


def _read_user(conn: Connection, hc: str, user_id: str) -> HelpCenterUser:
    row = conn.execute(sa.select(users).where(users.c.help_center_id == hc,
                                              users.c.public_id == user_id)).one_or_none()
    if row is None:
        raise NotFound(f"no user with id {user_id[:80]!r} in this API key's help center "
                       f"{hc!r}")
    return user_shape(row)


def _refused_as_conflict(conn: Connection, hc: str, email: str | None, write: Any,
                         user_id: str | None = None) -> None:
    """Run ``write`` under a savepoint; if the unique email index refuses it, answer
    ``409 conflict`` naming the user that holds the email."""
    try:
        with conn.begin_nested():
            write()
    except sa.exc.IntegrityError:
        holder = conn.execute(sa.select(users.c.public_id, users.c.sub).where(
            users.c.help_center_id == hc, users.c.email_normalized == email)).one_or_none()
        if holder is None or holder.public_id == user_id:  # not the email: never expected
            raise
        bound = f", bound to sub {holder.sub!r}" if holder.sub is not None else ""
        raise Conflict(f"email {email} is already user {holder.public_id}'s in help center "
                       f"{hc!r}{bound}") from None
