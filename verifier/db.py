"""The database: engine, self-migration at start, and pre-compiled statements for hot paths.

SQLite is the embedded default (WAL, ``synchronous=NORMAL``: a commit survives the process
being killed; only a power cut can lose the last instants), PostgreSQL the shared one. Both
get the same schema from the same Alembic migrations, run at start under a lock so that several
workers or servers starting together migrate exactly once.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import operator
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

log = logging.getLogger("ferndesk_verifier")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
BUSY_TIMEOUT_MS = 5000


def _migrations_dir() -> Path:
    """The source tree's ``migrations/``, or the installed copy (``verifier.migrations``)."""
    if (MIGRATIONS_DIR / "env.py").exists():
        return MIGRATIONS_DIR
    import verifier.migrations as installed  # type: ignore[import-not-found]

    return Path(installed.__file__).resolve().parent


class DatabaseUrlError(ValueError):
    """The URL cannot be used; the message says why, for the CLI to print."""


class DatabaseUnavailable(RuntimeError):
    """The database cannot be used at start; the message says which one and why, in a line."""


URL_EXAMPLE = "sqlite:///path or postgresql+psycopg://user:password@host/database"
POSTGRES_EXTRA = "pip install 'ferndesk-verifier[postgres]'"
# The driver we ship for PostgreSQL; a URL that names none (or Heroku's ``postgres://``) gets it.
POSTGRES_DRIVER = "postgresql+psycopg"


def normalise_database_url(url: str) -> str:
    """``url`` as SQLAlchemy must read it: ``postgres://`` and a driverless ``postgresql://``
    mean psycopg, the driver we ship. Anything that is not a URL is refused, with an example."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise DatabaseUrlError(f"must be a URL such as {URL_EXAMPLE}, got {url!r}") from None
    if parsed.drivername in ("postgres", "postgresql"):
        return parsed.set(drivername=POSTGRES_DRIVER).render_as_string(hide_password=False)
    return url


def safe_url(url: str | sa.URL) -> str:
    """The URL as it may be printed: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


def create_engine(url: str) -> Engine:
    try:
        normalised = normalise_database_url(url)
    except DatabaseUrlError as exc:
        raise DatabaseUrlError(f"the database URL {exc}") from None
    try:
        return _create_engine(make_url(normalised))
    except ImportError as exc:
        # The dialect imports its driver here; a missing one is an installation fix to name.
        missing = exc.name or str(exc)
        fix = (f"{POSTGRES_EXTRA} and use {POSTGRES_DRIVER}://" if
               make_url(url).get_backend_name() == "postgresql" else f"pip install {missing}")
        raise DatabaseUrlError(f"the database driver {missing!r} of {safe_url(url)} is not "
                               f"installed: {fix}") from None
    except sa.exc.NoSuchModuleError:
        raise DatabaseUrlError(f"{safe_url(url)}: no such database kind; use a URL such as "
                               f"{URL_EXAMPLE}") from None


def _create_engine(parsed: sa.URL) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:"):
            raise DatabaseUrlError(
                "an in-memory SQLite database cannot be shared by the server's connections; "
                "use a file, e.g. sqlite:///ferndesk-verifier.db (the pytest plugin uses a "
                "temporary file)"
            )
        engine = sa.create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            pool_size=8,
            max_overflow=8,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        # Never hang: a dead server fails a connect in 5 s and a statement in 10 s, and the
        # caller answers 503 unavailable instead of holding the request.
        # The URL's own ``options`` (a search_path, another statement_timeout) are kept and
        # come last, so they win: connect_args alone would replace them.
        own = parsed.query.get("options")  # a tuple when the URL repeats it
        options = " ".join(filter(None, ["-c statement_timeout=10000",
                                         *(own if isinstance(own, tuple) else (own,))]))
        parsed = parsed.difference_update_query(["options"])
        connect_args = {"connect_timeout": 5, "options": options}
    return sa.create_engine(parsed, pool_pre_ping=True, pool_size=8, max_overflow=8,
                            pool_timeout=10, connect_args=connect_args)


# What a server says while it is not up yet (or is restarting): worth waiting for. Anything else
# (a wrong password, a missing database, a file that cannot be opened) fails at once.
_MAY_COME_BACK = ("connection refused", "timeout expired", "timed out",
                  "the database system is starting up", "the database system is shutting down",
                  "the database system is in recovery mode", "no route to host",
                  "temporary failure in name resolution", "server closed the connection")


def wait_for_database(engine: Engine, seconds: float) -> None:
    """Connect, retrying for up to ``seconds`` while the server refuses connections (a
    database starting beside us in CI or compose). Raises ``DatabaseUnavailable`` at once for
    what waiting cannot fix: a SQLite file that cannot be opened or written, a refused login."""
    if engine.url.get_backend_name() == "sqlite":
        _check_sqlite_file(str(engine.url.database))
    deadline = time.monotonic() + seconds
    delay = 0.25
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return
        except sa.exc.DBAPIError as exc:
            cause = _first_line(exc.orig)
            if not any(words in cause.lower() for words in _MAY_COME_BACK):
                raise DatabaseUnavailable(
                    f"cannot open the database {safe_url(engine.url)}: {cause}") from None
            if time.monotonic() + delay > deadline:
                raise DatabaseUnavailable(
                    f"the database {safe_url(engine.url)} cannot be reached after "
                    f"{seconds:g} s ({type(exc.orig).__name__}: {cause})") from None
            log.warning("database not reachable yet; retrying in %.1f s", delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _first_line(exc: BaseException | None) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:200]


def _check_sqlite_file(database: str) -> None:
    """SQLite needs the file readable and writable, and its directory writable (the WAL and
    lock files live beside it). SQLite itself would open an unwritable file read-only and fail
    only at the first write, so say it here, naming the path."""
    path = Path(database).absolute()
    directory = path.parent
    if not directory.is_dir():
        cause = (f"the directory {directory} does not exist" if not directory.exists()
                 else f"{directory} is not a directory")
    elif path.exists() and not os.access(path, os.R_OK | os.W_OK):
        cause = f"the file {path} is read-only"
    elif not os.access(directory, os.W_OK | os.X_OK):
        cause = (f"the directory {directory} is read-only (SQLite writes its journal "
                 f"beside {path.name})")
    else:
        return
    raise DatabaseUnavailable(f"cannot open the SQLite database {path}: {cause}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[sa.Connection | None]:
    """Serialise migrations across processes: a file lock beside a SQLite database, an advisory
    lock on PostgreSQL. The second process to arrive waits, then finds nothing left to do."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        lock_path = Path(str(url.database) + ".migrate-lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield None
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect() as conn:
        if url.get_backend_name() == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_lock(7305431)"))
            conn.commit()
        try:
            yield None
        finally:
            if url.get_backend_name() == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_unlock(7305431)"))
                conn.commit()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision, exactly once however many start together.

    Alembic is imported here, not at the top: a ``--workers`` worker never migrates (its
    parent did), and importing Alembic would add a third of a second to each one's start."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_migrations_dir()))
    with _migration_lock(engine), engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


_PYFORMAT = re.compile(r"%\((\w+)\)s")


class Prepared:
    """A statement compiled once for the engine's dialect and run on a raw DB-API cursor.

    Identify runs a handful of statements per call; SQLAlchemy's per-execute machinery costs
    more than the statements themselves on SQLite, so the hot path compiles its SQL once here
    and hands the driver plain parameters, in whatever paramstyle the driver wants.
    """

    __slots__ = ("names", "pick", "positional", "prepare", "sql")

    def __init__(self, statement: sa.ClauseElement, engine: Engine,
                 server_name: str | None = None) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self.sql: str = compiled.string
        self.positional: bool = bool(engine.dialect.positional)
        # Set by SQLAlchemy for positional dialects (SQLite's "?"); not part of Compiled's type.
        self.names: Sequence[str] = tuple(getattr(compiled, "positiontup", None) or ())
        # With a ``server_name`` on PostgreSQL, the statement becomes a server-side prepared
        # statement: ``prepare`` creates it (once per connection, see ``prepare_on``) and
        # ``sql`` runs it, so the server parses and plans it once instead of on every call.
        # ``EXECUTE`` takes no protocol-level parameters, so run ``sql`` on a client-binding
        # cursor (psycopg's ClientCursor quotes the arguments). We do not use psycopg's own
        # automatic preparation: it can believe a statement exists when the pipeline that was
        # to create it was aborted by an error.
        self.prepare: str | None = None
        if server_name is not None and engine.dialect.name == "postgresql":
            order: list[str] = []

            def number(match: re.Match[str]) -> str:
                if match.group(1) not in order:
                    order.append(match.group(1))
                return f"${order.index(match.group(1)) + 1}"

            self.prepare = f"PREPARE {server_name} AS " + _PYFORMAT.sub(number, self.sql)
            self.sql = f"EXECUTE {server_name}({', '.join(['%s'] * len(order))})"
            self.positional, self.names = True, tuple(order)
        # The positional parameters out of a mapping, in C (a tuple even for one name).
        self.pick: Callable[[Mapping[str, Any]], Sequence[Any]] = (
            operator.itemgetter(*self.names) if len(self.names) > 1
            else lambda values: tuple(values[name] for name in self.names))

    def prepare_on(self, cursor: Any) -> None:
        """Create the server-side statement on this cursor's connection (if it has one)."""
        if self.prepare is not None:
            cursor.execute(self.prepare)

    def params(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        if self.positional:
            return self.pick(values)
        return values

    def run(self, cursor: Any, values: Mapping[str, Any]) -> Any:
        cursor.execute(self.sql, self.params(values))
        return cursor

