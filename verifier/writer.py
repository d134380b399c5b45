"""The hot path's database connection, owned by one thread per process, so that the event loop
never waits for the database.

Identify hands its database work to ``Writer.read`` or ``Writer.transact`` and awaits the
answer; the work runs on the writer's thread, on one raw DB-API connection with pre-compiled
statements (``db.Prepared``). A held lock, a slow disk or a large state import then stalls
only the calls that need the database, each for its own bounded wait (``WAIT_SECONDS``), while
``/healthz``, the admin reads and every other answer go on.

Writes are *group-committed*: the thread takes every call waiting for it, runs their work
inside one transaction, commits once, and only then answers them, so nothing is acknowledged
that is not durable, and a failed commit fails every call that shared it. A call's work may
raise a contract error (a refusal it journaled, say): that is its answer, delivered after the
commit like a result. A driver error fails the calls of the transaction.

Two strategies, one per database:
- ``SqliteWriter``: the file has one write lock for all connections and all workers. The
  thread takes it (``BEGIN IMMEDIATE``) with short polls rather than SQLite's busy handler,
  which sleeps in steps of up to 100 ms; calls arriving meanwhile join the batch, and reads
  (which WAL never makes wait for a writer) are answered meanwhile.
- ``PostgresWriter``: an autocommit connection on which we open transactions ourselves and
  pipeline each call's statements into one round trip (see ``Tx.pipeline``). A transaction's
  first write may wait for a row another transaction holds (it holds none itself, so no cycle
  goes through it); later ones wait only ``LOCK_TIMEOUT_MS``, and a call that meets a held row
  is undone alone, the calls before it are committed, freeing their rows for whoever waits on
  them, and it runs again first in a fresh transaction (``Tx.patiently``). Two workers
  holding each other's rows would otherwise be a deadlock PostgreSQL breaks only after a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Engine

from verifier.db import BUSY_TIMEOUT_MS, Prepared
from verifier.errors import Unavailable

log = logging.getLogger("ferndesk_verifier")
T = TypeVar("T")
WAIT_SECONDS = BUSY_TIMEOUT_MS / 1000  # the longest a call waits for the database
LOCK_TIMEOUT_MS = 5  # how long a PostgreSQL transaction's later writes wait for a row
CONTENDED_TRIES = 4
# SQLSTATEs of a write that met another transaction's row: lock_not_available (our lock
# timeout) and deadlock_detected (PostgreSQL broke a cycle, with an admin call, say).
CONTENDED = frozenset({"55P03", "40P01"})
FIRST_PAUSE, LONGEST_PAUSE = 0.00005, 0.001  # polling SQLite's lock: 50 µs doubling to 1 ms
_IN_ERROR = 3  # psycopg.pq.TransactionStatus.INERROR, without importing the driver here
_READ, _WRITE = "read", "write"
_NO_PIPELINE = contextlib.nullcontext()  # SQLite runs statements in-process: nothing to send


def contended(exc: BaseException) -> bool:
    """Whether a driver error is a write that met another transaction's row (SQLite's have no
    SQLSTATE and never are: its one write lock is taken up front)."""
    return getattr(exc, "sqlstate", None) in CONTENDED


class Tx:
    """What a call's work sees on the writer's thread: the connection's two cursors (the
    second keeps a ``RETURNING`` result while the first runs more statements) and the
    commands that differ between the databases."""

    def __init__(self, writer: Writer, cursor: Any, returning: Any) -> None:
        self._writer = writer
        self.cursor = cursor
        self.returning = returning
        self.integrity_error = writer.integrity_error
        self.operational_error = writer.operational_error
        # What a call's work found true in the open transaction and may take as still true
        # there (``binding``: a remembered widget's guard); emptied whenever one begins.
        self.checked: dict[str, object] = {}

    @property
    def explicit(self) -> bool:
        """Whether statements run on PostgreSQL, where an error aborts the transaction (so a
        refusable statement needs a savepoint) and data-modifying CTEs exist."""
        return self._writer.explicit

    def savepoint(self, command: str) -> None:
        """A savepoint command, which only PostgreSQL needs: on SQLite a refused statement
        undoes only itself."""
        if self._writer.explicit:
            self.cursor.execute(command)

    def begin(self) -> None:
        """Join the open transaction, or open one (see ``PostgresWriter.begin``)."""
        self._writer.begin(self.cursor)

    def pipeline(self) -> contextlib.AbstractContextManager[None]:
        """Send the statements inside in one round trip (PostgreSQL)."""
        return self._writer.pipeline()

    def patiently(self, write: Callable[[Tx], T]) -> T:
        """Run ``write(tx)`` (PostgreSQL: under ``SAVEPOINT guarded``), again first in a fresh
        transaction if it met a row another transaction holds."""
        return self._writer.patiently(self, write)


@dataclass(eq=False, slots=True)
class _Call(Generic[T]):
    kind: str
    work: Callable[[Tx], T]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    give_up: float  # time.monotonic() past which the call answers 503


# A call's answer: (the call, the error it raised or None, its result).
_Outcome = tuple[_Call[Any], BaseException | None, Any]


class Writer:
    """One thread, one connection, and the group commit (see the module's docstring)."""

    explicit = False

    def __init__(self, engine: Engine, statements: Sequence[Prepared]) -> None:
        self._engine = engine
        self._statements = statements
        dbapi = engine.dialect.dbapi
        assert dbapi is not None, "a database URL with a driver (db.create_engine checks it)"
        self.integrity_error: type[Exception] = dbapi.IntegrityError
        self.operational_error: type[Exception] = dbapi.OperationalError
        self.driver_error: type[Exception] = dbapi.Error
        self._queue: queue.SimpleQueue[list[_Call[Any]] | None] = queue.SimpleQueue()
        # Calls submitted in the current turn of each event loop, handed over at its end.
        self._gathering: dict[asyncio.AbstractEventLoop, list[_Call[Any]]] = {}
        self._waiting: deque[_Call[Any]] = deque()  # taken from the queue, not yet run
        self._taken: list[_Call[Any]] = []  # every call of the round being run
        self._conn: Any = None
        self._pooled: Any = None
        self._tx: Tx | None = None
        self._in_transaction = False
        self._done: list[_Outcome] = []  # the open transaction's calls, answered at its commit
        self._thread = self._new_thread()
        self._started = False
        self._start_lock = threading.Lock()

    # -- the event loop's side ---------------------------------------------------------------

    def read(self, work: Callable[[Tx], T]) -> asyncio.Future[T]:
        """Run ``work`` on the writer's thread outside any transaction; await its result."""
        return self._submit(_READ, work)

    def transact(self, work: Callable[[Tx], T]) -> asyncio.Future[T]:
        """Run ``work`` in the writer's open transaction; its result (or the contract error it
        raised) arrives once that transaction is committed."""
        return self._submit(_WRITE, work)

    def _submit(self, kind: str, work: Callable[[Tx], T]) -> asyncio.Future[T]:
        if not self._started:
            with self._start_lock:
                if not self._started:
                    self._thread.start()
                    self._started = True
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        call = _Call(kind, work, loop, future, time.monotonic() + WAIT_SECONDS)
        gathering = self._gathering.get(loop)
        if gathering is None:
            self._gathering[loop] = [call]
            loop.call_soon(self._hand_over, loop)
        else:
            gathering.append(call)
        return future

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        """Give the thread the calls of this turn of the loop at once: one wake-up (and one
        hand-off of the GIL) for all of them, instead of one per call."""
        self._queue.put(self._gathering.pop(loop))

    def close(self) -> None:
        """Answer what is queued, stop the thread and hand the connection back. A later call
        starts a new thread (a test client may run the app's lifespan more than once)."""
        with self._start_lock:
            if not self._started:
                return
            self._queue.put(None)
            self._thread.join(timeout=WAIT_SECONDS + 5)
            self._thread = self._new_thread()
            self._started = False

    def _new_thread(self) -> threading.Thread:
        return threading.Thread(target=self._serve, name="ferndesk-writer", daemon=True)

    # -- the thread --------------------------------------------------------------------------

    def _serve(self) -> None:
        try:
            while self._take(block=True):
                try:
                    self._run_waiting()
                except BaseException as exc:  # a bug of ours: no call may hang
                    log.error("the writer thread failed", exc_info=exc)
                    # Every call this round took; those already answered are skipped.
                    self._fail_transaction(exc, [*self._taken, *self._waiting])
                    self._waiting.clear()
        finally:
            self._release()

    def _take(self, block: bool) -> bool:
        """Move the queued calls to ``_waiting``; False once ``close`` asked to stop."""
        try:
            calls = self._queue.get(block=block)
        except queue.Empty:
            return True
        while True:
            if calls is None:
                return False
            self._waiting.extend(calls)
            try:
                calls = self._queue.get_nowait()
            except queue.Empty:
                return True

    def _run_waiting(self) -> None:
        """Answer the waiting reads, then run the waiting writes as one transaction."""
        self._taken = list(self._waiting)
        writes = [c for c in self._waiting if c.kind == _WRITE]
        reads = [c for c in self._waiting if c.kind == _READ]
        self._waiting.clear()
        self._deliver([self._read(call) for call in reads])
        if writes:
            self._write_batch(deque(writes))

    def _read(self, call: _Call[Any]) -> _Outcome:
        try:
            return call, None, self._retrying(call.give_up, lambda: call.work(self._open()))
        except BaseException as exc:  # it is the call's answer
            if isinstance(exc, self.driver_error):
                self._abandon()
            return call, exc, None

    def _write_batch(self, writes: deque[_Call[Any]]) -> None:
        writes = self._before_batch(writes)
        while writes:
            call = writes.popleft()
            if time.monotonic() > call.give_up:
                self._done.append((call, _gave_up(), None))
                continue
            try:
                result = call.work(self._open())
            except BaseException as exc:  # it is the call's answer
                if isinstance(exc, self.driver_error):
                    self._fail_transaction(exc, [call, *writes])
                    return
                self._done.append((call, exc, None))
                continue
            # Only now: the work may have committed the calls before it (``patiently``),
            # which starts a new ``_done``; this call belongs to the new one.
            self._done.append((call, None, result))
        self.commit()

    def _before_batch(self, writes: deque[_Call[Any]]) -> deque[_Call[Any]]:
        """Whatever a batch needs before its work runs (SQLite: the write lock)."""
        return writes

    def commit(self) -> None:
        """Commit the open transaction and answer its calls (all failed if it fails)."""
        done, self._done = self._done, []
        try:
            self._commit()
        except BaseException as exc:  # every call of the transaction hears it
            self._abandon()
            self._deliver([(call, exc, None) for call, _, _ in done])
            return
        self._deliver(done)

    def _fail_transaction(self, exc: BaseException, rest: list[_Call[Any]]) -> None:
        done, self._done = self._done, []
        self._abandon()
        self._deliver([(call, exc, None) for call in [*(c for c, _, _ in done), *rest]])

    @staticmethod
    def _deliver(outcomes: list[_Outcome]) -> None:
        """Hand the answers to their event loops, in one wake-up per loop."""
        by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = {}
        for call, exc, result in outcomes:
            by_loop.setdefault(call.loop, []).append((call.future, exc, result))
        for loop, answers in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_settle, answers)

    # -- the connection ----------------------------------------------------------------------

    def _open(self) -> Tx:
        if self._tx is None:
            pooled = self._engine.raw_connection()
            conn = pooled.driver_connection
            assert conn is not None  # a checked-out connection always has its driver's
            try:
                cursor = self._configure(conn)
            except BaseException:
                pooled.invalidate()
                raise
            self._pooled, self._conn = pooled, conn
            self._tx = Tx(self, cursor, type(cursor)(conn))
            self._in_transaction = False
        return self._tx

    def _configure(self, conn: Any) -> Any:
        """The connection made ready for the hot path; returns its cursor."""
        return conn.cursor()

    def _release(self) -> None:
        if self._conn is None:
            return
        try:
            self._before_release()
            self._pooled.close()
        except Exception:  # a dead connection at shutdown: drop it, nothing to hand back
            self._pooled.invalidate()
        self._conn = self._tx = None

    def _before_release(self) -> None:
        pass

    def _abandon(self) -> None:
        """Undo the open transaction; forget the connection if that fails too."""
        was_open, self._in_transaction = self._in_transaction, False
        if self._conn is None or not (was_open or self._conn_broken()):
            return
        try:
            self._rollback()
        except Exception:
            with contextlib.suppress(Exception):
                self._pooled.invalidate()
            self._conn = self._tx = None

    # -- what differs between databases ------------------------------------------------------

    def _commit(self) -> None:
        if self._conn is not None:
            self._conn.commit()

    def _rollback(self) -> None:
        self._conn.rollback()

    def _conn_broken(self) -> bool:
        return False

    def _retrying(self, give_up: float, attempt: Callable[[], T]) -> T:
        return attempt()

    def begin(self, cursor: Any) -> None:
        pass

    def pipeline(self) -> contextlib.AbstractContextManager[None]:
        return _NO_PIPELINE

    def patiently(self, tx: Tx, write: Callable[[Tx], T]) -> T:
        return write(tx)


class SqliteWriter(Writer):
    """SQLite: one write lock for the whole file, taken once per batch (module docstring)."""

    def _configure(self, conn: Any) -> Any:
        cursor = conn.cursor()
        cursor.execute("PRAGMA busy_timeout = 0")  # we wait ourselves, in short polls
        return cursor

    def _retrying(self, give_up: float, attempt: Callable[[], T]) -> T:
        """``attempt`` again after short sleeps while the file is busy, until ``give_up``.
        Reads rarely meet a busy file in WAL mode (a checkpoint's restart), writes often."""
        pause = FIRST_PAUSE
        while True:
            try:
                return attempt()
            except self.operational_error as exc:
                if not _busy(exc) or time.monotonic() > give_up:
                    raise
            pause = _pause(pause)

    def _before_batch(self, writes: deque[_Call[Any]]) -> deque[_Call[Any]]:
        """Take the write lock for the batch; while it is elsewhere, answer reads, let new
        writes join, and fail (503) only the calls whose own wait is over."""
        pause = FIRST_PAUSE
        while writes:
            try:
                tx = self._open()
                tx.cursor.execute("BEGIN IMMEDIATE")
                self._in_transaction = True
                tx.checked.clear()
                return writes
            except self.operational_error as exc:
                if not _busy(exc):
                    self._fail_transaction(exc, list(writes))
                    return deque()
            now = time.monotonic()
            expired = [c for c in writes if now > c.give_up]
            if expired:
                self._deliver([(c, _gave_up(), None) for c in expired])
                writes = deque(c for c in writes if now <= c.give_up)
            pause = _pause(pause)
            self._take(block=False)
            self._taken.extend(self._waiting)
            reads = [c for c in self._waiting if c.kind == _READ]
            writes.extend(c for c in self._waiting if c.kind == _WRITE)
            self._waiting.clear()
            self._deliver([self._read(c) for c in reads])
        return writes

    def _commit(self) -> None:
        if self._conn is not None and self._in_transaction:
            self._in_transaction = False
            self._conn.commit()


class PostgresWriter(Writer):
    """PostgreSQL: explicit transactions, pipelined statements, impatient later writes."""

    explicit = True

    def __init__(self, engine: Engine, statements: Sequence[Prepared]) -> None:
        super().__init__(engine, statements)
        self._impatient = False

    def _configure(self, conn: Any) -> Any:
        # Client-side binding: our prepared statements run as ``EXECUTE name(...)``, which
        # takes no protocol-level parameters (see ``db.Prepared``).
        from psycopg import ClientCursor

        cursor = ClientCursor(conn)
        conn.autocommit = True
        # Only our own server-side statements (``Prepared.prepare_on``), made here outside any
        # pipeline: psycopg's automatic ones, made inside a pipeline that an error aborts, are
        # never created while its cache believes they were.
        conn.prepare_threshold = None
        for statement in self._statements:
            statement.prepare_on(cursor)
        return cursor

    def _before_release(self) -> None:
        self._conn.autocommit = False  # as the pool expects it back

    def begin(self, cursor: Any) -> None:
        """Open the transaction a call's writes join. Its first write may wait for a row
        (up to ``WAIT_SECONDS``); later ones get ``LOCK_TIMEOUT_MS`` (``SET LOCAL``: until
        this transaction ends), and ``patiently`` runs them again as a first write."""
        if not self._in_transaction:
            cursor.execute("BEGIN")
            cursor.execute(f"SET LOCAL lock_timeout = {BUSY_TIMEOUT_MS}")
            self._in_transaction, self._impatient = True, False
            if self._tx is not None:
                self._tx.checked.clear()
        elif not self._impatient:
            cursor.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
            self._impatient = True

    @contextlib.contextmanager
    def pipeline(self) -> Iterator[None]:
        """psycopg may raise a statement's error at any later statement of the block, and
        leaving the pipeline then meets a second error ("pipeline aborted"), which psycopg
        logs as a warning. So the first error is held until the pipeline is left, then raised
        alone."""
        held: Exception | None = None
        try:
            with self._conn.pipeline():
                try:
                    yield
                except self.driver_error as exc:
                    held = exc
        except self.driver_error:
            if held is None:
                raise
        if held is not None:
            raise held

    def patiently(self, tx: Tx, write: Callable[[Tx], T]) -> T:
        """Undo a write that met a held row alone, commit the calls before it (freeing the
        rows another worker may wait for), and run it first in a fresh transaction."""
        for _ in range(CONTENDED_TRIES):
            first = not self._in_transaction  # this write will open the transaction
            try:
                return write(tx)
            except self.operational_error as exc:
                if not contended(exc):
                    raise
                tx.cursor.execute("ROLLBACK TO SAVEPOINT guarded")
                if first and getattr(exc, "sqlstate", None) == "55P03":
                    raise _gave_up() from None  # it waited its whole turn already
                self.commit()
        raise Unavailable(f"the same rows stayed locked by other calls through "
                          f"{CONTENDED_TRIES} tries; retry later")

    def _commit(self) -> None:
        if self._conn is None or not self._in_transaction:
            return
        self._in_transaction = False
        if self._conn.info.transaction_status == _IN_ERROR:
            # A statement error (a timeout) aborted the transaction: PostgreSQL would answer
            # COMMIT with ROLLBACK, and the calls must not hear "committed".
            self._cursor().execute("ROLLBACK")
            raise Unavailable("a database error aborted the transaction; retry later")
        self._cursor().execute("COMMIT")

    def _cursor(self) -> Any:
        assert self._tx is not None
        return self._tx.cursor

    def _conn_broken(self) -> bool:
        return bool(getattr(self._conn, "broken", False))

    def _rollback(self) -> None:
        if self._conn_broken():
            raise ConnectionError("the connection is broken")  # _abandon forgets it
        self._cursor().execute("ROLLBACK")


def make_writer(engine: Engine, statements: Sequence[Prepared]) -> Writer:
    """The writer for the engine's database."""
    if engine.dialect.name == "sqlite":
        return SqliteWriter(engine, statements)
    return PostgresWriter(engine, statements)


def _pause(pause: float) -> float:
    """Sleep about ``pause`` (jittered, so workers polling one lock do not move in step); the
    next, longer pause, up to ``LONGEST_PAUSE``."""
    time.sleep(pause * (0.5 + random.random()))
    return min(pause * 2, LONGEST_PAUSE)


def _busy(exc: BaseException) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _gave_up() -> Unavailable:
    return Unavailable(f"the database stayed locked for {WAIT_SECONDS:g} s; retry later")


def _settle(answers: list[tuple[asyncio.Future[Any], BaseException | None, Any]]) -> None:
    for future, exc, result in answers:
        if future.done():  # the call was cancelled (its client went away)
            continue
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)
