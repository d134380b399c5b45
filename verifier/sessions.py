"""The widget's side of a visit: anonymous sessions, contact-form messages, and which session
a help-center page's visitor is in.

``init`` starts an anonymous session; identify (``binding.py``) attaches a user to it; the
widget's frame and the help center's home page read it back. These run on SQLAlchemy Core in
Starlette's thread pool, like the admin queries: none of them is a hot path.

Both public writes here (a new session, a contact-form message) are open to any page, so each
prunes its help center's oldest rows in the transaction that inserts, keeping the newest
``keep`` (``Settings.sessions_kept`` / ``Settings.messages_kept``): a long-running server stays
bounded however often a page calls ``init``. The row just inserted always counts among the
newest, even when the emulator's clock is frozen (equal timestamps) or was moved back. Two
workers inserting at the same instant may each keep one row the other would have dropped; the
next insert drops it, so the bound holds to within the number of concurrent writers.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from verifier.clock import answered_at
from verifier.errors import InvalidRequest, UnknownWidget
from verifier.models import help_centers, messages, sessions
from verifier.shapes import Message, StartedSession
from verifier.store import read_clock

SESSION_COOKIE_PREFIX = "fd_session_"
MAX_SESSION_ID = 64


def new_session_id() -> str:
    """A session id: ``ses_`` and 96 random bits, the same for ``init`` and identify."""
    return "ses_" + secrets.token_urlsafe(12)


def could_be_session_id(value: str) -> bool:
    """Whether ``value`` may name a session at all. Ours are short ASCII; anything else is an
    unknown session without a database read (PostgreSQL would refuse a NUL in the query)."""
    return 0 < len(value) <= MAX_SESSION_ID and value.isascii() and "\x00" not in value


def session_cookie_name(widget_id: str) -> str:
    """One cookie per help center, so help centers sharing a host (localhost) stay apart."""
    return SESSION_COOKIE_PREFIX + widget_id


@dataclass(frozen=True, slots=True)
class Visit:
    """A help center and, when known, the session of the visitor."""

    help_center_id: str
    help_center_name: str
    help_center_domain: str
    widget_id: str
    session: Any | None  # a ``sessions`` row

    @property
    def identified(self) -> bool:
        return (self.session is not None and self.session.identified_at is not None
                and self.session.ended_at is None)  # ended: its user was disabled


class Sessions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _help_center(self, conn: sa.Connection, widget_id: str) -> Any:
        row = conn.execute(sa.select(help_centers.c.id, help_centers.c.name,
                                     help_centers.c.domain).where(
            help_centers.c.widget_id == widget_id)).one_or_none()
        if row is None:
            raise UnknownWidget(f"no help center has widget_id {widget_id[:80]!r}")
        return row

    def start(self, widget_id: str, origin: str | None, user_agent: str | None,
              keep: int) -> StartedSession:
        """A new anonymous session (what ``init`` does); the help center keeps its newest
        ``keep`` sessions."""
        with self.engine.begin() as conn:
            hc = self._help_center(conn, widget_id)
            now = read_clock(conn).now()
            session_id = new_session_id()
            conn.execute(sa.insert(sessions).values(
                id=session_id, help_center_id=hc.id, origin=origin,
                user_agent=user_agent, started_at=now))
            _keep_newest(conn, sessions, sessions.c.started_at, hc.id, session_id, keep)
        return StartedSession(id=session_id, started_at=answered_at(now))

    def visit(self, widget_id: str, session_id: str | None) -> Visit:
        """The help center of ``widget_id`` and the session, if it belongs to it."""
        with self.engine.connect() as conn:
            hc = self._help_center(conn, widget_id)
            return Visit(hc.id, hc.name, hc.domain, widget_id,
                         self._session(conn, hc.id, session_id))

    def visit_by_host(self, host: str, cookies: Mapping[str, str]) -> Visit | None:
        """The help center whose domain is ``host`` (for its home page) and the visitor's
        session, from the cookie the widget frame set on that host."""
        with self.engine.connect() as conn:
            hc = conn.execute(
                sa.select(help_centers.c.id, help_centers.c.name, help_centers.c.domain,
                          help_centers.c.widget_id)
                .where(help_centers.c.domain == host)
                .order_by(help_centers.c.created_at).limit(1)).one_or_none()
            if hc is None:
                return None
            session_id = cookies.get(session_cookie_name(hc.widget_id))
            return Visit(hc.id, hc.name, hc.domain, hc.widget_id,
                         self._session(conn, hc.id, session_id))

    @staticmethod
    def _session(conn: sa.Connection, help_center_id: str, session_id: str | None) -> Any:
        if not session_id or not could_be_session_id(session_id):
            return None
        return conn.execute(sa.select(sessions).where(
            sessions.c.id == session_id,
            sessions.c.help_center_id == help_center_id)).one_or_none()

    def add_message(self, widget_id: str, session_id: str | None, email: str | None,
                    name: str | None, body: str, keep: int) -> Message:
        """Store a contact-form message, tied to the session and its user when there is one;
        the help center keeps its newest ``keep`` messages. A session of another help center,
        or none at all, refuses the message before anything is written or pruned."""
        with self.engine.begin() as conn:
            hc = self._help_center(conn, widget_id)
            session = self._session(conn, hc.id, session_id)
            if session_id and session is None:
                raise InvalidRequest(f"session_id {session_id[:80]!r} is not a session of this "
                                     "help center", status=422)
            now = read_clock(conn).now()
            row = {
                "id": "msg_" + secrets.token_urlsafe(9),
                "help_center_id": hc.id,
                "session_id": session_id,
                # An ended session (its user was disabled) is signed out: the message is not
                # its user's.
                "sub": session.sub if session is not None and session.ended_at is None else None,
                "email": email,
                "name": name,
                "body": body,
                "created_at": now,
            }
            conn.execute(sa.insert(messages).values(row))
            _keep_newest(conn, messages, messages.c.created_at, hc.id, row["id"], keep)
        return Message(row["id"], row["session_id"], row["sub"], row["email"], row["name"],
                       row["body"], answered_at(now))


def _keep_newest(conn: sa.Connection, table: sa.Table, at: sa.Column[Any], help_center_id: str,
                 inserted_id: str, keep: int) -> None:
    """Delete the help center's rows of ``table`` beyond the newest ``keep`` (by ``at``, then
    id), never ``inserted_id``, the row this transaction just wrote.

    One indexed read finds the newest row to go (``OFFSET keep - 1`` among the others); one
    delete removes it and everything older, usually a single row."""
    others = sa.and_(table.c.help_center_id == help_center_id, table.c.id != inserted_id)
    first_gone = conn.execute(
        sa.select(at, table.c.id).where(others)
        .order_by(at.desc(), table.c.id.desc())
        .offset(max(keep, 1) - 1).limit(1)).one_or_none()
    if first_gone is None:
        return
    cutoff_at, cutoff_id = first_gone
    conn.execute(sa.delete(table).where(others, sa.or_(
        at < cutoff_at, sa.and_(at == cutoff_at, table.c.id <= cutoff_id))))
