"""Identify's database work: read the widget, bind the user by subject, record the session and
the attempt, and commit before the answer leaves.

This is the hot path, so it runs pre-compiled SQL (``db.Prepared``) on one raw DB-API
connection per process instead of going through the ORM, and it *group-commits*: the
statements of every call run at once, inside one open transaction, and the calls that arrive
in the same turn of the event loop share one COMMIT. Each call awaits that commit before it
answers, so nothing is acknowledged that is not durable; a failed commit fails every call that
shared it.

The rule that one email is bound to one subject is not checked here in Python: the unique index
``(help_center_id, email_normalized)`` refuses the second binding, and we translate that refusal
into ``SubjectMismatch``. So two racing calls can never both win, whatever the number of workers.
On SQLite a refused statement undoes only itself, which is what lets calls share a transaction.
"""

from __future__ import annotations

import asyncio
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
    faults_pending: bool = False


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected fault, as consumed by one identify call."""

    code: str | None
    status: int | None
    delay_ms: int
    number: int  # this call is the number-th of the fault's ``times``
    times: int


@dataclass(frozen=True, slots=True)
class Attempt:
    """One identify call as the journal keeps it."""

    origin: str | None
    code: str
    reason: str
    sub: str | None = None
    token_fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    sub: str
    email: str
    name: str | None
    origin: str | None
    started_at: float
    identified_at: float


def new_session_id() -> str:
    return "ses_" + secrets.token_urlsafe(12)


class Binder:
    """Owns the process's hot-path connection. Use it from the event loop's thread only."""

    def __init__(self, engine: Engine, attempts_kept: int, sessions_kept: int) -> None:
        self._engine = engine
        self._integrity_error: type[Exception] = engine.dialect.dbapi.IntegrityError
        self._savepoints = engine.dialect.name != "sqlite"
        self._conn: Any = None
        self._pooled: Any = None
        self._cur: Any = None
        self._batch: asyncio.Future[None] | None = None
        self._attempts_kept = attempts_kept
        self._sessions_kept = sessions_kept
        self._writes_since_prune: dict[str, int] = {}

        def p(sql: str) -> Prepared:
            return Prepared(sa.text(sql), engine)

        # One indexed read gives identify everything it needs: the help center, its secret,
        # the shared clock, and whether a fault is pending (checked further only if so).
        self._widget = p(
            "SELECT h.id, h.domain, h.jwt_secret, c.offset_seconds, c.frozen_at, "
            "EXISTS (SELECT 1 FROM emulator_faults f WHERE f.help_center_id = h.id "
            "AND f.remaining > 0) "
            "FROM help_centers h CROSS JOIN emulator_clock c "
            "WHERE h.widget_id = :widget_id AND c.id = 1"
        )
        # Consume one call of the oldest pending fault. The outer "remaining > 0" makes two
        # racing calls (or workers) unable to both take the last one.
        self._consume_fault = p(
            "UPDATE emulator_faults SET remaining = remaining - 1 WHERE id = ("
            "SELECT id FROM emulator_faults WHERE help_center_id = :hc AND remaining > 0 "
            "ORDER BY id LIMIT 1) AND remaining > 0 "
            "RETURNING code, status, delay_ms, times, remaining"
        )
        self._upsert_user = p(
            "INSERT INTO users (help_center_id, sub, email, email_normalized, name, "
            "custom_attributes, created_at, last_seen_at) "
            "VALUES (:hc, :sub, :email, :email_normalized, :name, :attrs, :now, :now) "
            "ON CONFLICT (help_center_id, sub) DO UPDATE SET email = excluded.email, "
            "email_normalized = excluded.email_normalized, name = excluded.name, "
            "custom_attributes = excluded.custom_attributes, last_seen_at = excluded.last_seen_at"
        )
        self._update_session = p(
            "UPDATE sessions SET sub = :sub, email = :email, name = :name, "
            "identified_at = :now, origin = :origin, user_agent = :ua "
            "WHERE id = :id AND help_center_id = :hc RETURNING started_at"
        )
        self._insert_session = p(
            "INSERT INTO sessions (id, help_center_id, sub, email, name, origin, user_agent, "
            "started_at, identified_at) "
            "VALUES (:id, :hc, :sub, :email, :name, :origin, :ua, :now, :now)"
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

    # -- connection and group commit ---------------------------------------------------------

    def _cursor(self) -> Any:
        """The hot path's one cursor, on the driver's own connection (no pool proxy per call)."""
        if self._conn is None:
            self._pooled = self._engine.raw_connection()
            self._conn = self._pooled.driver_connection
            self._cur = self._conn.cursor()
        return self._cur

    def close(self) -> None:
        if self._batch is not None:
            self._flush()
        if self._conn is not None:
            self._pooled.close()
            self._conn = None

    def _committed(self) -> asyncio.Future[None]:
        """The commit this call's writes ride on: the open batch's, or a new one."""
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_soon(self._flush)
        return self._batch

    def _flush(self) -> None:
        batch, self._batch = self._batch, None
        if batch is None:
            return
        try:
            self._conn.commit()
        except Exception as exc:
            self._abandon(exc, batch)
            return
        if not batch.done():
            batch.set_result(None)

    def _abandon(self, exc: BaseException, batch: asyncio.Future[None] | None = None) -> None:
        """Roll back the open transaction and fail every call whose writes were in it."""
        batch = batch or self._batch
        self._batch = None
        try:
            if self._conn is not None:
                self._conn.rollback()
        except Exception:
            self._conn = None
            self._pooled.invalidate()
        if batch is not None and not batch.done():
            batch.set_exception(exc)
            batch.exception()  # retrieved: calls that await it re-raise it themselves

    # -- the calls identify makes -----------------------------------------------------------

    def widget(self, widget_id: str) -> Widget | None:
        cursor = self._cursor()
        try:
            row = self._widget.run(cursor, {"widget_id": widget_id}).fetchone()
        except Exception as exc:
            self._abandon(exc)
            raise
        if self._batch is None and self._savepoints:
            self._conn.commit()  # PostgreSQL opened a transaction for the read: end it
        if row is None:
            return None
        return Widget(row[0], row[1], row[2], ClockSetting(row[3], row[4]), bool(row[5]))

    def take_fault(self, widget: Widget) -> Fault | None:
        """The fault this call must answer with, if one is pending; consumed atomically and
        committed with the call's journal entry."""
        if not widget.faults_pending:
            return None
        cursor = self._cursor()
        try:
            row = self._consume_fault.run(cursor, {"hc": widget.help_center_id}).fetchone()
        except Exception as exc:
            self._abandon(exc)
            raise
        if row is None:
            return None
        code, status, delay_ms, times, remaining = row
        return Fault(code, status, delay_ms, times - remaining, times)

    async def bind(self, widget: Widget, identity: Identity, attempt: Attempt,
                   session_id: str | None, user_agent: str | None, now: float) -> Session:
        """Bind the subject, update or start the session, journal the success; await commit."""
        hc = widget.help_center_id
        attrs = (None if identity.custom_attributes is None
                 else json.dumps(identity.custom_attributes, separators=(",", ":")))
        cursor = self._cursor()
        try:
            try:
                self._guarded(cursor, self._upsert_user, {
                    "hc": hc, "sub": identity.sub, "email": identity.email,
                    "email_normalized": identity.email.lower(), "name": identity.name,
                    "attrs": attrs, "now": now,
                })
            except self._integrity_error:
                # Only this statement was undone; the shared transaction goes on.
                refusal = self._refusal(cursor, hc, identity)
                if isinstance(refusal, SubjectMismatch):
                    self._journal(cursor, hc, Attempt(attempt.origin, refusal.code,
                                                      refusal.reason, identity.sub,
                                                      attempt.token_fingerprint), now)
                    await self._committed()
                raise refusal from None
            session = self._write_session(cursor, hc, identity, attempt.origin, session_id,
                                          user_agent, now)
            self._journal(cursor, hc, attempt, now)
        except (SubjectMismatch, UnknownWidget):
            raise
        except Exception as exc:
            self._abandon(exc)
            raise
        await self._committed()
        return session

    async def record_failure(self, widget: Widget, attempt: Attempt, now: float) -> None:
        cursor = self._cursor()
        try:
            self._journal(cursor, widget.help_center_id, attempt, now, guarded=True)
        except self._integrity_error:
            return  # the help center was deleted meanwhile: nothing left to journal into
        except Exception as exc:
            self._abandon(exc)
            raise
        await self._committed()

    # -- internals ---------------------------------------------------------------------------

    def _write_session(self, cursor: Any, hc: str, identity: Identity, origin: str | None,
                       session_id: str | None, user_agent: str | None, now: float) -> Session:
        values = {"hc": hc, "sub": identity.sub, "email": identity.email,
                  "name": identity.name, "origin": origin, "ua": user_agent, "now": now}
        if session_id is not None:
            started = self._update_session.run(cursor, {**values, "id": session_id}).fetchone()
            if started is not None:
                return Session(session_id, identity.sub, identity.email, identity.name, origin,
                               started[0], now)
        new_id = new_session_id()
        self._insert_session.run(cursor, {**values, "id": new_id})
        self._count_write(cursor, hc, sessions=True)
        return Session(new_id, identity.sub, identity.email, identity.name, origin, now, now)

    def _guarded(self, cursor: Any, statement: Prepared, values: dict[str, Any]) -> None:
        """Run a statement the schema may refuse, so that a refusal undoes only itself.

        SQLite does that on its own. PostgreSQL aborts the whole transaction on an error, and
        other calls' writes share it, so there the statement runs inside a savepoint."""
        if not self._savepoints:
            statement.run(cursor, values)
            return
        cursor.execute("SAVEPOINT guarded")
        try:
            statement.run(cursor, values)
        except self._integrity_error:
            cursor.execute("ROLLBACK TO SAVEPOINT guarded")
            raise
        cursor.execute("RELEASE SAVEPOINT guarded")

    def _journal(self, cursor: Any, hc: str, attempt: Attempt, now: float,
                 guarded: bool = False) -> None:
        values = {
            "hc": hc, "now": now, "origin": attempt.origin, "code": attempt.code,
            "reason": attempt.reason, "sub": attempt.sub, "fp": attempt.token_fingerprint,
        }
        if guarded:  # the help center may have been deleted since it was read
            self._guarded(cursor, self._insert_attempt, values)
        else:
            self._insert_attempt.run(cursor, values)
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

    def _refusal(self, cursor: Any, hc: str,
                 identity: Identity) -> SubjectMismatch | UnknownWidget:
        """The schema refused the binding: name the subject that holds the email, or, when no
        one does, the help center was deleted between reading it and writing (foreign key)."""
        row = self._holder_of_email.run(
            cursor, {"hc": hc, "email": identity.email.lower()}).fetchone()
        if row is None:
            return UnknownWidget("the help center was deleted while this call was running")
        return SubjectMismatch(
            f"email {identity.email} is already bound to subject {row[0]!r} in this help "
            f"center; this token's sub is {identity.sub!r}. Send the same sub for this user, "
            f"or re-provision the user (DELETE /api/help-centers/{hc}/users/{{sub}})"
        )
