"""Identify's database work: read the widget, bind the user by subject, record session and
attempt, in one transaction per call.

This is the hot path, so it runs pre-compiled SQL on one raw DB-API connection per process
(see ``db.Prepared``) instead of the ORM. The rule that one email is bound to one subject is not
checked here in Python: the unique index ``(help_center_id, email_normalized)`` refuses the
second binding, and we translate that refusal into ``SubjectMismatch``. So two racing calls can
never both win, whatever the number of workers.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from verifier.clock import ClockSetting
from verifier.db import Prepared
from verifier.errors import SubjectMismatch, UnknownWidget
from verifier.tokens import Identity

PRUNE_EVERY = 256  # journal writes between two prunes of one help center's journal


@dataclass(frozen=True, slots=True)
class Widget:
    help_center_id: str
    domain: str
    jwt_secret: str | None
    clock: ClockSetting


@dataclass(frozen=True, slots=True)
class Attempt:
    """One identify call as the journal keeps it."""

    origin: str | None
    code: str
    reason: str
    sub: str | None = None
    token_fingerprint: str | None = None


def new_session_id() -> str:
    return "ses_" + secrets.token_urlsafe(12)


def session_json(row: Any) -> dict[str, Any]:
    from verifier.clock import isoformat

    return {
        "id": row.id,
        "sub": row.sub,
        "email": row.email,
        "origin": row.origin,
        "user_agent": row.user_agent,
        "started_at": isoformat(row.started_at),
        "identified_at": isoformat(row.identified_at),
    }


class _Row:
    __slots__ = ("email", "id", "identified_at", "name", "origin", "started_at", "sub",
                 "user_agent")

    def __init__(self, **values: Any) -> None:
        for key, value in values.items():
            setattr(self, key, value)


class Binder:
    """Owns the process's hot-path connection. Not thread-safe: use it from the event loop."""

    def __init__(self, engine: Engine, attempts_kept: int, sessions_kept: int) -> None:
        self._engine = engine
        self._integrity_error: type[Exception] = engine.dialect.dbapi.IntegrityError
        self._conn: Any = None
        self._attempts_kept = attempts_kept
        self._sessions_kept = sessions_kept
        self._writes_since_prune: dict[str, int] = {}
        p = lambda sql: Prepared(sa.text(sql), engine)  # noqa: E731
        self._widget = p(
            "SELECT h.id, h.domain, h.jwt_secret, c.offset_seconds, c.frozen_at "
            "FROM help_centers h CROSS JOIN emulator_clock c "
            "WHERE h.widget_id = :widget_id AND c.id = 1"
        )
        self._upsert_user = p(
            "INSERT INTO users (help_center_id, sub, email, email_normalized, name, "
            "custom_attributes, created_at, last_seen_at) "
            "VALUES (:hc, :sub, :email, :email_normalized, :name, :attrs, :now, :now) "
            "ON CONFLICT (help_center_id, sub) DO UPDATE SET email = excluded.email, "
            "email_normalized = excluded.email_normalized, name = excluded.name, "
            "custom_attributes = excluded.custom_attributes, last_seen_at = excluded.last_seen_at"
        )
        self._session_started = p(
            "SELECT started_at FROM sessions WHERE id = :id AND help_center_id = :hc"
        )
        self._update_session = p(
            "UPDATE sessions SET sub = :sub, email = :email, name = :name, "
            "identified_at = :now, origin = :origin, user_agent = :ua "
            "WHERE id = :id AND help_center_id = :hc"
        )
        self._insert_session = p(
            "INSERT INTO sessions (id, help_center_id, sub, email, name, origin, user_agent, "
            "started_at, identified_at) "
            "VALUES (:id, :hc, :sub, :email, :name, :origin, :ua, :now, :identified)"
        )
        self._insert_attempt = p(
            "INSERT INTO identify_attempts (help_center_id, at, origin, code, reason, sub, "
            "token_fingerprint) VALUES (:hc, :now, :origin, :code, :reason, :sub, :fp)"
        )
        self._holder_of_email = p(
            "SELECT sub FROM users WHERE help_center_id = :hc AND email_normalized = :email"
        )
        self._prune_attempts = p(
            "DELETE FROM identify_attempts WHERE help_center_id = :hc AND id < ("
            "SELECT COALESCE(MIN(id), 0) FROM (SELECT id FROM identify_attempts "
            "WHERE help_center_id = :hc ORDER BY id DESC LIMIT :keep) newest)"
        )
        self._prune_sessions = p(
            "DELETE FROM sessions WHERE help_center_id = :hc AND started_at < ("
            "SELECT COALESCE(MIN(started_at), 0) FROM (SELECT started_at FROM sessions "
            "WHERE help_center_id = :hc ORDER BY started_at DESC LIMIT :keep) newest)"
        )

    # -- connection -------------------------------------------------------------------------

    def _cursor(self) -> Any:
        if self._conn is None:
            self._conn = self._engine.raw_connection()
        return self._conn.cursor()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _rollback(self) -> None:
        if self._conn is not None:
            try:
                self._conn.rollback()
            except Exception:
                self.close()

    # -- the calls identify makes -----------------------------------------------------------

    def widget(self, widget_id: str) -> Widget | None:
        cursor = self._cursor()
        try:
            row = self._widget.run(cursor, {"widget_id": widget_id}).fetchone()
        finally:
            cursor.close()
        self._conn.commit()  # end the read snapshot; a no-op when none is open
        if row is None:
            return None
        return Widget(row[0], row[1], row[2], ClockSetting(row[3], row[4]))

    def bind(
        self,
        widget: Widget,
        identity: Identity,
        attempt: Attempt,
        session_id: str | None,
        user_agent: str | None,
        now: float,
    ) -> _Row:
        """Bind the subject, update or start the session, journal the success; commit once."""
        hc = widget.help_center_id
        email_normalized = identity.email.lower()
        attrs = (
            None
            if identity.custom_attributes is None
            else json.dumps(identity.custom_attributes, separators=(",", ":"))
        )
        cursor = self._cursor()
        try:
            self._upsert_user.run(cursor, {
                "hc": hc, "sub": identity.sub, "email": identity.email,
                "email_normalized": email_normalized, "name": identity.name,
                "attrs": attrs, "now": now,
            })
            session = self._write_session(cursor, hc, identity, attempt.origin, session_id,
                                          user_agent, now)
            self._journal(cursor, hc, attempt, now)
            self._conn.commit()
        except Exception as exc:
            self._rollback()
            if isinstance(exc, self._integrity_error):
                raise self._explain_refusal(hc, identity, attempt, now) from None
            raise
        finally:
            cursor.close()
        return session

    def record_failure(self, widget: Widget, attempt: Attempt, now: float) -> None:
        cursor = self._cursor()
        try:
            self._journal(cursor, widget.help_center_id, attempt, now)
            self._conn.commit()
        except Exception:
            self._rollback()
            raise
        finally:
            cursor.close()

    # -- internals ---------------------------------------------------------------------------

    def _write_session(self, cursor: Any, hc: str, identity: Identity, origin: str | None,
                       session_id: str | None, user_agent: str | None, now: float) -> _Row:
        values = {"hc": hc, "sub": identity.sub, "email": identity.email,
                  "name": identity.name, "origin": origin, "ua": user_agent, "now": now}
        if session_id is not None:
            started = self._session_started.run(cursor, {"id": session_id, "hc": hc}).fetchone()
            if started is not None:
                self._update_session.run(cursor, {**values, "id": session_id})
                return _Row(id=session_id, sub=identity.sub, email=identity.email,
                            name=identity.name, origin=origin, user_agent=user_agent,
                            started_at=started[0], identified_at=now)
        new_id = new_session_id()
        self._insert_session.run(cursor, {**values, "id": new_id, "identified": now})
        self._count_write(cursor, hc, sessions=True)
        return _Row(id=new_id, sub=identity.sub, email=identity.email, name=identity.name,
                    origin=origin, user_agent=user_agent, started_at=now, identified_at=now)

    def _journal(self, cursor: Any, hc: str, attempt: Attempt, now: float) -> None:
        self._insert_attempt.run(cursor, {
            "hc": hc, "now": now, "origin": attempt.origin, "code": attempt.code,
            "reason": attempt.reason, "sub": attempt.sub, "fp": attempt.token_fingerprint,
        })
        self._count_write(cursor, hc, sessions=False)

    def _count_write(self, cursor: Any, hc: str, *, sessions: bool) -> None:
        """Prune a help center's journal (or sessions) every ``PRUNE_EVERY`` writes, so the
        tables stay bounded without a delete on every call."""
        key = ("s:" if sessions else "a:") + hc
        count = self._writes_since_prune.get(key, 0) + 1
        if count < PRUNE_EVERY:
            self._writes_since_prune[key] = count
            return
        self._writes_since_prune[key] = 0
        if sessions:
            self._prune_sessions.run(cursor, {"hc": hc, "keep": self._sessions_kept})
        else:
            self._prune_attempts.run(cursor, {"hc": hc, "keep": self._attempts_kept})

    def _explain_refusal(self, hc: str, identity: Identity, attempt: Attempt,
                         now: float) -> Exception:
        """A unique index refused the binding: name who holds the email, journal it."""
        cursor = self._cursor()
        try:
            row = self._holder_of_email.run(
                cursor, {"hc": hc, "email": identity.email.lower()}).fetchone()
            self._conn.commit()
        finally:
            cursor.close()
        if row is None:
            # Not the email index: the help center vanished under us (deleted concurrently).
            return UnknownWidget("the help center was deleted while this call was running")
        error = SubjectMismatch(
            f"email {identity.email} is already bound to subject {row[0]!r} in this help "
            f"center; this token's sub is {identity.sub!r}. Send the same sub for this user, "
            f"or re-provision the user (DELETE /api/help-centers/{hc}/users/{{sub}})"
        )
        self.record_failure(
            Widget(hc, "", None, ClockSetting()),
            Attempt(attempt.origin, error.code, error.reason, identity.sub,
                    attempt.token_fingerprint),
            now,
        )
        return error
