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

On PostgreSQL the statements are prepared on the server, a successful call's writes are one
statement, and a worker remembers the widgets it read, guarding every write with them (see
``Binder.widget``): a call costs one round trip plus its share of a commit. A shared commit
means a worker's transaction holds the rows of its earlier calls while a later call asks for
rows another worker's transaction holds; two workers doing that to each other are a deadlock,
which PostgreSQL breaks only after a second, by failing one of them. So only a transaction's
first write may wait for a row; later ones give up at once, and the call is run again first in
a fresh transaction once the earlier ones are committed (``Binder._patiently``).

Several workers on one SQLite file run each worker's waiting calls as one batch under the
write lock instead (``Binder._in_batch``): the file has one lock, so no deadlock.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import random
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from verifier.clock import ClockSetting
from verifier.db import BUSY_TIMEOUT_MS, Prepared
from verifier.emails import email_key
from verifier.errors import SubjectMismatch, Unavailable, UnknownWidget
from verifier.tokens import Identity

_IN_ERROR = 3  # psycopg.pq.TransactionStatus.INERROR, without importing the driver here
# SQLSTATEs of a write that met another transaction's row: lock_not_available (our lock
# timeout) and deadlock_detected (PostgreSQL broke a cycle, with an admin call, say).
CONTENDED = frozenset({"55P03", "40P01"})
LOCK_TIMEOUT_MS = 5  # how long a transaction's later writes wait for a row (see _begin)
CONTENDED_TRIES = 4
PRUNE_EVERY = 256  # journal writes between two prunes of one help center's journal
WIDGETS_REMEMBERED = 1024  # per worker; the oldest is forgotten first
T = TypeVar("T")


def _contended(exc: Exception) -> bool:
    """Whether a driver error is a write that met another transaction's row (SQLite's have no
    SQLSTATE and never are: its one write lock is taken up front)."""
    return getattr(exc, "sqlstate", None) in CONTENDED


_UPSERT_USER = (
    "INSERT INTO users (help_center_id, sub, email, email_normalized, name, "
    "custom_attributes, created_at, last_seen_at) "
    "VALUES (:hc, :sub, :email, :email_normalized, :name, :attrs, :now, :now) "
    "ON CONFLICT (help_center_id, sub) DO UPDATE SET email = excluded.email, "
    "email_normalized = excluded.email_normalized, name = excluded.name, "
    "custom_attributes = excluded.custom_attributes, last_seen_at = excluded.last_seen_at"
)
_UPDATE_SESSION = (
    "UPDATE sessions SET sub = :sub, email = :email, name = :name, "
    "identified_at = :now, origin = :origin, user_agent = :ua "
    "WHERE id = :id AND help_center_id = :hc RETURNING started_at"
)
_INSERT_SESSION = (
    "INSERT INTO sessions (id, help_center_id, sub, email, name, origin, user_agent, "
    "started_at, identified_at) "
    "VALUES (:id, :hc, :sub, :email, :name, :origin, :ua, :now, :now)"
)
_INSERT_ATTEMPT = (
    "INSERT INTO identify_attempts (help_center_id, at, origin, code, reason, sub, "
    "token_fingerprint) VALUES (:hc, :now, :origin, :code, :reason, :sub, :fp)"
)
# PostgreSQL runs a successful call's three writes as one statement (see Binder.__init__),
# answering (whether it wrote, the continued session's start). The guarded forms write only if
# the state a remembered widget's call was decided on is still the database's (Binder.widget):
# every row comes FROM g, which is empty otherwise. Built from our own constants only.
_GUARD = (
    "g AS (SELECT 1 FROM help_centers h JOIN emulator_clock c ON c.id = 1 "
    "WHERE h.id = :hc AND h.widget_id = :widget_id AND h.domain = :domain "
    "AND encode(sha256(convert_to(h.jwt_secret, 'UTF8')), 'hex') "
    "IS NOT DISTINCT FROM :secret_sha256 "
    "AND c.offset_seconds = :offset AND c.frozen_at IS NOT DISTINCT FROM :frozen "
    "AND NOT EXISTS (SELECT 1 FROM emulator_faults f WHERE f.help_center_id = h.id "
    "AND f.remaining > 0))"
)
_NOW = "CAST(:now AS DOUBLE PRECISION)"
_GUARDED_UPSERT_USER = (
    "INSERT INTO users (help_center_id, sub, email, email_normalized, name, "
    "custom_attributes, created_at, last_seen_at) "
    f"SELECT :hc, :sub, :email, :email_normalized, :name, :attrs, {_NOW}, {_NOW} FROM g "
    "ON CONFLICT (help_center_id, sub) DO UPDATE SET email = excluded.email, "
    "email_normalized = excluded.email_normalized, name = excluded.name, "
    "custom_attributes = excluded.custom_attributes, last_seen_at = excluded.last_seen_at"
)
_GUARDED_UPDATE_SESSION = (
    "UPDATE sessions SET sub = :sub, email = :email, name = :name, "
    "identified_at = :now, origin = :origin, user_agent = :ua "
    "WHERE id = :id AND help_center_id = :hc AND EXISTS (SELECT 1 FROM g) "
    "RETURNING started_at"
)
_GUARDED_INSERT_SESSION = (
    "INSERT INTO sessions (id, help_center_id, sub, email, name, origin, user_agent, "
    f"started_at, identified_at) SELECT :id, :hc, :sub, :email, :name, :origin, :ua, {_NOW}, "
    f"{_NOW} FROM g"
)
_GUARDED_INSERT_ATTEMPT = (
    "INSERT INTO identify_attempts (help_center_id, at, origin, code, reason, sub, "
    f"token_fingerprint) SELECT :hc, {_NOW}, :origin, :code, :reason, :sub, :fp FROM g"
)
_STARTED = "CAST(NULL AS DOUBLE PRECISION)"
_BIND_NEW = (
    f"WITH u AS ({_UPSERT_USER}), s AS ({_INSERT_SESSION}), a AS ({_INSERT_ATTEMPT}) "
    f"SELECT 1, {_STARTED}"
)
_BIND_CONTINUE = (
    f"WITH u AS ({_UPSERT_USER}), s AS ({_UPDATE_SESSION}), a AS ({_INSERT_ATTEMPT}) "
    "SELECT 1, (SELECT started_at FROM s)"
)
_GUARDED_BIND_NEW = (
    f"WITH {_GUARD}, u AS ({_GUARDED_UPSERT_USER}), s AS ({_GUARDED_INSERT_SESSION}), "
    f"a AS ({_GUARDED_INSERT_ATTEMPT}) SELECT (SELECT count(*) FROM g), {_STARTED}"
)
_GUARDED_BIND_CONTINUE = (
    f"WITH {_GUARD}, u AS ({_GUARDED_UPSERT_USER}), s AS ({_GUARDED_UPDATE_SESSION}), "
    f"a AS ({_GUARDED_INSERT_ATTEMPT}) "
    "SELECT (SELECT count(*) FROM g), (SELECT started_at FROM s)"
)
_GUARDED_JOURNAL = f"WITH {_GUARD} {_GUARDED_INSERT_ATTEMPT} RETURNING 1"


@dataclass(frozen=True, slots=True)
class Widget:
    widget_id: str
    help_center_id: str
    domain: str
    jwt_secret: str | None
    clock: ClockSetting
    faults_pending: bool = False
    # Taken from this worker's memory, not read for this call: every write the call makes is
    # then guarded by the state it was decided on (see Binder.widget).
    remembered: bool = False


class StaleWidget(Exception):
    """What this worker remembered of a widget changed in the database (a secret deleted, a
    reset, the clock moved, a fault injected): decide the call again on a fresh read."""


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


MAX_SESSION_ID = 64


def new_session_id() -> str:
    return "ses_" + secrets.token_urlsafe(12)


def could_be_session_id(value: str) -> bool:
    """Whether ``value`` may name a session at all. Ours are short ASCII; anything else is an
    unknown session without a database read (PostgreSQL would refuse a NUL in the query)."""
    return 0 < len(value) <= MAX_SESSION_ID and value.isascii() and "\x00" not in value


class Binder:
    """Owns the process's hot-path connection. Use it from the event loop's thread only."""

    def __init__(self, engine: Engine, attempts_kept: int, sessions_kept: int,
                 workers_share_file: bool = False) -> None:
        self._engine = engine
        dbapi = engine.dialect.dbapi
        assert dbapi is not None, "a database URL with a driver (db.create_engine checks it)"
        self._integrity_error: type[Exception] = dbapi.IntegrityError
        # SQLite: the driver opens a transaction before the first write and a refused
        # statement undoes only itself. Elsewhere (PostgreSQL) we drive transactions ourselves
        # on an autocommit connection, pipeline each call's statements into one round trip,
        # and guard refusable statements with a savepoint, since an error aborts a transaction.
        self._explicit = engine.dialect.name != "sqlite"
        self._in_transaction = False
        self._impatient = False  # this transaction's later writes have the lock timeout
        # Several worker processes on one SQLite file: the shared commit below would hold the
        # file's single write lock across an event-loop turn, so there each worker runs the
        # writes of the calls waiting in it as one batch, under the lock (see _in_batch).
        self._batched = workers_share_file and not self._explicit
        self._queue: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._operational_error: type[Exception] = dbapi.OperationalError
        self._driver_error: type[Exception] = dbapi.Error
        self._conn: Any = None
        self._pooled: Any = None
        self._cur: Any = None
        self._returning_cur: Any = None
        self._batch: asyncio.Future[None] | None = None
        self._attempts_kept = attempts_kept
        self._sessions_kept = sessions_kept
        self._writes_since_prune: dict[str, int] = {}
        # Widgets this worker remembers (PostgreSQL only: SQLite's read costs no round trip).
        self._remembers = self._explicit
        self._known: dict[str, Widget] = {}

        self._statements: list[Prepared] = []

        def p(sql: str, hot: bool = True) -> Prepared:
            """A statement of the hot path; on PostgreSQL prepared on the server (see db)."""
            name = f"fv_{len(self._statements)}" if hot else None
            prepared = Prepared(sa.text(sql), engine, name)
            self._statements.append(prepared)
            return prepared

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
        self._upsert_user = p(_UPSERT_USER)
        self._update_session = p(_UPDATE_SESSION)
        self._insert_session = p(_INSERT_SESSION)
        self._insert_attempt = p(_INSERT_ATTEMPT)
        # PostgreSQL: a successful call's writes as one statement (data-modifying CTEs), so a
        # call costs the server one prepared statement instead of three. A refused binding
        # fails the whole statement, so nothing of the call is written. (SQLite has no
        # data-modifying CTEs and no round trips to save: it runs the three above.)
        if self._explicit:
            self._bind_new = p(_BIND_NEW)
            self._bind_continue = p(_BIND_CONTINUE)
            self._guarded_bind_new = p(_GUARDED_BIND_NEW)
            self._guarded_bind_continue = p(_GUARDED_BIND_CONTINUE)
            self._guarded_journal = p(_GUARDED_JOURNAL)
        self._holder_of_email = p(
            "SELECT sub FROM users WHERE help_center_id = :hc AND email_normalized = :email",
            hot=False)
        self._prune_attempts = p(
            "DELETE FROM identify_attempts WHERE help_center_id = :hc AND id < ("
            "SELECT COALESCE(MIN(id), 0) FROM (SELECT id FROM identify_attempts "
            "WHERE help_center_id = :hc ORDER BY id DESC LIMIT :keep) newest)", hot=False)
        self._prune_sessions = p(
            "DELETE FROM sessions WHERE help_center_id = :hc AND started_at < ("
            "SELECT COALESCE(MIN(started_at), 0) FROM (SELECT started_at FROM sessions "
            "WHERE help_center_id = :hc ORDER BY started_at DESC LIMIT :keep) newest)",
            hot=False)

    # -- connection and group commit ---------------------------------------------------------

    def _cursor(self) -> Any:
        """The hot path's cursor, on the driver's own connection (no pool proxy per call)."""
        if self._conn is None:
            pooled = self._engine.raw_connection()
            conn = pooled.driver_connection
            assert conn is not None  # a checked-out connection always has its driver's
            if self._explicit:
                # Client-side binding: our prepared statements run as ``EXECUTE name(...)``,
                # which takes no protocol-level parameters (see ``db.Prepared``).
                from psycopg import ClientCursor

                cursor = ClientCursor(conn)
                conn.autocommit = True
                # Only our own server-side statements (``Prepared.prepare_on``), made here
                # outside any pipeline: psycopg's automatic ones, made inside a pipeline that
                # an error aborts, are never created while its cache believes they were.
                conn.prepare_threshold = None
                try:
                    for statement in self._statements:
                        statement.prepare_on(cursor)
                except Exception:
                    pooled.invalidate()
                    raise
            else:
                cursor = conn.cursor()
                if self._batched:
                    cursor.execute("PRAGMA busy_timeout = 0")
            self._pooled, self._conn = pooled, conn
            self._cur, self._returning_cur = cursor, type(cursor)(conn)
            self._in_transaction = False
        return self._cur

    @contextlib.contextmanager
    def _pipeline(self) -> Iterator[None]:
        """Send what is queued inside in one round trip (PostgreSQL).

        psycopg may raise a statement's error at any later statement of the block, and leaving
        the pipeline then meets a second error ("pipeline aborted"), which psycopg logs as a
        warning. So the first error is held until the pipeline is left, then raised alone."""
        if not self._explicit:
            yield
            return
        held: Exception | None = None
        try:
            with self._conn.pipeline():
                try:
                    yield
                except self._driver_error as exc:
                    held = exc
        except self._driver_error:
            if held is None:
                raise
        if held is not None:
            raise held

    def _begin(self, cursor: Any) -> None:
        """Open the transaction a call's writes join (PostgreSQL; SQLite's driver opens its own).

        The transaction's first write may wait for a row another transaction holds: it holds
        none itself, so no cycle can go through it. A later write would wait holding the
        earlier calls' rows, and the worker's event loop with them, so it gets a lock timeout
        of a few milliseconds instead (``SET LOCAL``: until this transaction ends), and
        ``_patiently`` runs it again as a first write."""
        if not self._explicit:
            return
        if not self._in_transaction:
            cursor.execute("BEGIN")
            self._in_transaction, self._impatient = True, False
        elif not self._impatient:
            cursor.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
            self._impatient = True

    def _patiently(self, cursor: Any, write: Callable[[], T]) -> T:
        """Run a call's writes (PostgreSQL: under ``SAVEPOINT guarded``), again if they met a
        row another transaction holds: undo them alone, commit the transaction's earlier
        calls at once, which frees the rows another worker may be waiting for, and run them
        first in a fresh transaction, where they may wait (``_begin``). Synchronous, so no
        other call can open that transaction before this one."""
        for _ in range(CONTENDED_TRIES):
            try:
                return write()
            except self._operational_error as exc:
                if not _contended(exc):
                    raise
                cursor.execute("ROLLBACK TO SAVEPOINT guarded")
                self._committed()
                self._flush()
        raise Unavailable(f"the same rows stayed locked by other calls through "
                          f"{CONTENDED_TRIES} tries; retry later")

    def close(self) -> None:
        if self._batch is not None:
            self._flush()
        if self._conn is None:
            return
        try:
            if self._explicit:
                self._conn.autocommit = False  # as the pool expects it back
            self._pooled.close()
        except Exception:  # a dead connection at shutdown: drop it, nothing to hand back
            self._pooled.invalidate()
        self._conn = None

    def _discard(self) -> None:
        """Forget the connection (the next call reconnects through the pool's pre-ping)."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._pooled.invalidate()
        self._conn = None
        self._in_transaction = False

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
            if not self._explicit:
                self._conn.commit()
            elif self._in_transaction:
                self._in_transaction = False
                if self._conn.info.transaction_status == _IN_ERROR:
                    # A statement error (a timeout) aborted the transaction: PostgreSQL would
                    # answer COMMIT with ROLLBACK, and the calls must not hear "committed".
                    self._cur.execute("ROLLBACK")
                    raise Unavailable("a database error aborted the transaction; retry later")
                self._cur.execute("COMMIT")
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
            if self._conn is not None and not self._explicit:
                self._conn.rollback()
            elif self._conn is not None and getattr(self._conn, "broken", False):
                self._discard()  # PostgreSQL went away: reconnect on the next call
            elif self._conn is not None and self._in_transaction:
                self._in_transaction = False
                self._cur.execute("ROLLBACK")
        except Exception:
            self._discard()
        if batch is not None and not batch.done():
            batch.set_exception(exc)
            batch.exception()  # retrieved: calls that await it re-raise it themselves

    # -- the calls identify makes -----------------------------------------------------------

    def widget(self, widget_id: str, fresh: bool = False) -> Widget | None:
        """The widget's help center, secret, clock and pending-fault flag.

        On PostgreSQL a worker remembers what it read (unless a fault is pending), which saves
        identify a round trip. A remembered widget is never trusted alone: every write of a
        call decided on it carries a guard, the same statement re-checking that help center,
        secret, domain and clock are unchanged and no fault is pending. If not, nothing is
        written, the call raises ``StaleWidget`` and is decided again on a ``fresh`` read. So
        a secret deleted or a reset made through any worker stops every other worker at its
        next call, in the same transaction as the write, with no notification to miss."""
        if not fresh and (known := self._known.get(widget_id)) is not None:
            return known
        cursor = self._cursor()
        try:
            row = self._widget.run(cursor, {"widget_id": widget_id}).fetchone()
        except Exception as exc:
            self._abandon(exc)
            raise
        if row is None:
            self._known.pop(widget_id, None)
            return None
        widget = Widget(widget_id, row[0], row[1], row[2], ClockSetting(row[3], row[4]),
                        bool(row[5]))
        if self._remembers and not widget.faults_pending:
            if len(self._known) >= WIDGETS_REMEMBERED:
                self._known.pop(next(iter(self._known)))
            self._known[widget_id] = dataclasses.replace(widget, remembered=True)
        else:
            self._known.pop(widget_id, None)
        return widget

    def _forget(self, widget: Widget) -> StaleWidget:
        self._known.pop(widget.widget_id, None)
        return StaleWidget(widget.widget_id)

    @staticmethod
    def _guard_values(widget: Widget) -> dict[str, Any]:
        """The state a remembered widget's call was decided on, as its guard checks it. The
        secret goes as its SHA-256, never itself: statement text can end up in server logs."""
        secret = widget.jwt_secret
        return {"widget_id": widget.widget_id, "domain": widget.domain,
                "secret_sha256": None if secret is None
                else hashlib.sha256(secret.encode()).hexdigest(),
                "offset": widget.clock.offset_seconds, "frozen": widget.clock.frozen_at}

    async def take_fault(self, widget: Widget) -> Fault | None:
        """The fault this call must answer with, if one is pending; consumed atomically and
        committed with the call's journal entry (or, for several SQLite workers, in the turn's
        batch, so no write lock is held while the fault's delay runs)."""
        if not widget.faults_pending:
            return None
        cursor = self._cursor()

        def consume() -> Any:
            with self._pipeline():
                self._begin(cursor)
                self._guard(cursor, "SAVEPOINT guarded")
                self._consume_fault.run(self._returning_cur, {"hc": widget.help_center_id})
                self._guard(cursor, "RELEASE SAVEPOINT guarded")
            return self._returning_cur.fetchone()

        if self._batched:
            row = await self._in_batch(consume)
        else:
            try:
                row = self._patiently(cursor, consume)
            except Exception as exc:
                self._abandon(exc)
                raise
        if row is None:
            return None
        code, status, delay_ms, times, remaining = row
        return Fault(code, status, delay_ms, times - remaining, times)

    async def bind(self, widget: Widget, identity: Identity, attempt: Attempt,
                   session_id: str | None, user_agent: str | None, now: float) -> Session:
        """Bind the subject, continue or start the session, journal the success; await commit.

        The statements go out together (one round trip on PostgreSQL); the unique index on the
        email refuses a second subject, which we read back as ``SubjectMismatch``."""
        hc = widget.help_center_id
        attrs = (None if identity.custom_attributes is None
                 else json.dumps(identity.custom_attributes, separators=(",", ":")))
        values = {"hc": hc, "sub": identity.sub, "email": identity.email,
                  "name": identity.name, "origin": attempt.origin, "ua": user_agent,
                  "now": now}
        user = {**values, "email_normalized": email_key(identity.email), "attrs": attrs}
        new_id = new_session_id()
        session = {**values, "id": new_id if session_id is None else session_id}
        cursor = self._cursor()

        def write() -> None:
            with self._pipeline():
                self._begin(cursor)
                if self._explicit:  # one statement, under a savepoint for a refusal
                    cursor.execute("SAVEPOINT guarded")
                    both = {**user, **session, "code": attempt.code, "reason": attempt.reason,
                            "fp": attempt.token_fingerprint}
                    if widget.remembered:
                        both.update(self._guard_values(widget))
                        statement = (self._guarded_bind_new if session_id is None
                                     else self._guarded_bind_continue)
                    else:
                        statement = self._bind_new if session_id is None else self._bind_continue
                    statement.run(self._returning_cur, both)
                    cursor.execute("RELEASE SAVEPOINT guarded")
                else:
                    self._upsert_user.run(cursor, user)
                    if session_id is None:
                        self._insert_session.run(cursor, session)
                    else:
                        self._update_session.run(self._returning_cur, session)
                    self._journal(cursor, hc, attempt, now)

        def work() -> Session:
            nonlocal new_id
            try:
                self._patiently(cursor, write)
            except self._integrity_error:
                # Only the refused statement is undone; the shared transaction goes on.
                self._guard(cursor, "ROLLBACK TO SAVEPOINT guarded")
                refusal = self._refusal(cursor, hc, identity)
                if isinstance(refusal, SubjectMismatch):
                    self._journal(cursor, hc, Attempt(attempt.origin, refusal.code,
                                                      refusal.reason, identity.sub,
                                                      attempt.token_fingerprint), now)
                raise refusal from None
            if self._explicit:
                wrote, continued_from = self._returning_cur.fetchone()
                if not wrote:
                    raise self._forget(widget)
                self._count_write(cursor, hc, sessions=False)
            elif session_id is not None:
                existing = self._returning_cur.fetchall()
                continued_from = existing[0][0] if existing else None
            started = now
            if session_id is not None:
                if continued_from is not None:
                    new_id, started = session_id, continued_from
                else:  # an id we never issued (or another help center's): a new session
                    self._insert_session.run(cursor, {**values, "id": new_id})
            self._count_write(cursor, hc, sessions=True)
            return Session(new_id, identity.sub, identity.email, identity.name,
                           attempt.origin, started, now)

        return await self._transact(work)

    async def record_failure(self, widget: Widget, attempt: Attempt, now: float) -> None:
        """Journal a refused call. For a remembered widget the entry is written only if the
        refusal was decided on the database's current state (else ``StaleWidget``)."""
        cursor = self._cursor()
        hc = widget.help_center_id

        values = self._attempt_values(hc, attempt, now)

        def write() -> None:
            with self._pipeline():
                self._begin(cursor)
                self._guard(cursor, "SAVEPOINT guarded")
                if widget.remembered:
                    self._guarded_journal.run(self._returning_cur,
                                              {**self._guard_values(widget), **values})
                else:
                    self._insert_attempt.run(cursor, values)
                self._guard(cursor, "RELEASE SAVEPOINT guarded")

        def work() -> None:
            try:
                self._patiently(cursor, write)
            except self._integrity_error:
                # The help center was deleted meanwhile: nothing left to journal into.
                self._guard(cursor, "ROLLBACK TO SAVEPOINT guarded")
                return
            if widget.remembered and not self._returning_cur.fetchall():
                raise self._forget(widget)
            self._count_write(cursor, hc, sessions=False)

        await self._transact(work)

    # -- internals ---------------------------------------------------------------------------

    async def _transact(self, work: Callable[[], T]) -> T:
        """Run a call's database work (it starts with the call's first write) and answer only
        once it is committed. A refusal the work journaled (``SubjectMismatch``) is raised
        after that commit too."""
        if self._batched:
            return await self._in_batch(work)
        try:
            result = work()
        except SubjectMismatch:
            await self._committed()
            raise
        except (UnknownWidget, StaleWidget):
            raise
        except Exception as exc:
            self._abandon(exc)
            raise
        await self._committed()
        return result

    def _in_batch(self, work: Callable[[], T]) -> asyncio.Future[T]:
        """Several workers on one SQLite file: queue the call's work for the next batch.

        SQLite has one write lock for all workers. Taken per call, with its busy handler, it
        slept in 25-100 ms steps with the event loop blocked; polled per call with short
        sleeps, a worker that had just committed took it again while the others slept (waits
        of 40-100 ms). So each worker takes it once for all the calls waiting in it: the batch
        grows while the lock is elsewhere, and runs whole, in one transaction, once it is had.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((work, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        return future

    async def _drain(self) -> None:
        while self._queue:
            await asyncio.sleep(0)  # let the calls of this turn join the batch
            if not await self._write_lock():
                continue
            batch, self._queue = self._queue, []
            outcomes: list[tuple[asyncio.Future[Any], BaseException | None, Any]] = []
            try:
                for work, future in batch:
                    try:
                        outcomes.append((future, None, work()))
                    except (SubjectMismatch, UnknownWidget) as refusal:
                        outcomes.append((future, refusal, None))
                self._conn.commit()
            except Exception as exc:
                with contextlib.suppress(Exception):
                    self._conn.rollback()
                self._fail(batch, exc)
                continue
            for future, refused, result in outcomes:
                if future.done():
                    continue
                if refused is not None:
                    future.set_exception(refused)
                else:
                    future.set_result(result)

    async def _write_lock(self) -> bool:
        """Begin the batch's transaction holding SQLite's write lock, retrying with short
        sleeps (calls arriving meanwhile join the batch) for as long as the driver's busy
        timeout would have waited. False if it could not: the waiting calls are failed."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + BUSY_TIMEOUT_MS / 1000
        pause = 0.00005
        while True:
            try:
                self._cursor().execute("BEGIN IMMEDIATE")
                return True
            except self._operational_error as exc:
                if "locked" not in str(exc) or loop.time() > give_up:
                    batch, self._queue = self._queue, []
                    self._fail(batch, exc)
                    return False
            await asyncio.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.001)

    @staticmethod
    def _fail(batch: list[tuple[Callable[[], Any], asyncio.Future[Any]]],
              exc: BaseException) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)

    def _guard(self, cursor: Any, command: str) -> None:
        """Savepoint commands, which only PostgreSQL needs (see ``__init__``)."""
        if self._explicit:
            cursor.execute(command)

    @staticmethod
    def _attempt_values(hc: str, attempt: Attempt, now: float) -> dict[str, Any]:
        """A journal entry as the attempt statements take it."""
        return {"hc": hc, "now": now, "origin": attempt.origin, "code": attempt.code,
                "reason": attempt.reason, "sub": attempt.sub, "fp": attempt.token_fingerprint}

    def _journal(self, cursor: Any, hc: str, attempt: Attempt, now: float) -> None:
        self._insert_attempt.run(cursor, self._attempt_values(hc, attempt, now))
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
        prune, keep = ((self._prune_sessions, self._sessions_kept) if sessions
                       else (self._prune_attempts, self._attempts_kept))
        self._guard(cursor, "SAVEPOINT prune")
        try:
            prune.run(cursor, {"hc": hc, "keep": keep})
        except self._operational_error as exc:
            # Another worker is deleting the same old rows: leave them to it, whatever the
            # call's place in its transaction (see _begin).
            if not _contended(exc):
                raise
            cursor.execute("ROLLBACK TO SAVEPOINT prune")
        self._guard(cursor, "RELEASE SAVEPOINT prune")

    def _refusal(self, cursor: Any, hc: str,
                 identity: Identity) -> SubjectMismatch | UnknownWidget:
        """The schema refused the binding: name the subject that holds the email, or, when no
        one does, the help center was deleted between reading it and writing (foreign key)."""
        row = self._holder_of_email.run(
            cursor, {"hc": hc, "email": email_key(identity.email)}).fetchone()
        if row is None:
            return UnknownWidget("the help center was deleted while this call was running")
        return SubjectMismatch(
            f"email {identity.email} is already bound to subject {row[0]!r} in this help "
            f"center; this token's sub is {identity.sub!r}. Send the same sub for this user, "
            f"or re-provision the user (DELETE /api/help-centers/{hc}/users/{{sub}})"
        )
