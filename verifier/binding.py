"""The binding rule: in a help center, a user is its token's ``sub``, and an email belongs to
at most one subject.

A good token binds its subject: the user row keyed by ``(help_center_id, sub)`` is created or
updated with the token's email, name and attributes. The rule that one email is bound to one
subject is not checked here in Python: the unique index ``(help_center_id, email_normalized)``
refuses the second binding, and we translate that refusal into ``SubjectMismatch`` naming the
subject that holds the email. So two racing calls can never both win, whatever the number of
workers or servers. The binding, the session it continues or starts, and the journal entry are
written together and committed before the answer leaves.

Where the work runs is ``writer.py`` (a thread per process, group commits, one strategy per
database); what a worker remembers of a widget, and how writes decided on it are guarded, is
``widget_cache.py``; the SQL is ``binding_sql.py``; session ids are ``sessions.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, NoReturn

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from verifier import binding_sql as sql
from verifier import retired_secrets
from verifier.clock import ClockSetting
from verifier.db import Prepared
from verifier.emails import email_key
from verifier.errors import SubjectMismatch, UnknownWidget, UserDisabled, VerifierError
from verifier.models import new_user_id
from verifier.sessions import new_session_id
from verifier.tokens import Identity
from verifier.widget_cache import (
    GUARD_CHECK,
    StaleWidget,
    Widget,
    WidgetCache,
    guard_values,
)
from verifier.writer import Tx, contended, make_writer

PRUNE_EVERY = 256  # journal writes between two prunes of one help center's journal


# What a bind's write answers when the user is disabled: nothing of the call was written.
DISABLED: Final = object()

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
    warnings: str | None = None  # a success's warnings as JSON text; None when none


@dataclass(frozen=True, slots=True)
class Session:
    """The session a successful identify continued or started."""

    id: str
    sub: str
    email: str
    name: str | None
    origin: str | None
    started_at: float
    identified_at: float


class Binder:
    """Identify's database side: read the widget, consume a fault, bind, journal.

    Used from the event loop; every statement runs on the writer's thread."""

    def __init__(self, engine: Engine, attempts_kept: int, sessions_kept: int) -> None:
        self._keep = {"a": attempts_kept, "s": sessions_kept}
        self._writes_since_prune: dict[str, int] = {}  # the writer's thread only
        statements: list[Prepared] = []

        def p(text: str, hot: bool = True) -> Prepared:
            """A statement of the hot path; on PostgreSQL prepared on the server (see db)."""
            name = f"fv_{len(statements)}" if hot else None
            prepared = Prepared(sa.text(text), engine, name)
            statements.append(prepared)
            return prepared

        self._read_widget = p(sql.READ_WIDGET)
        self._consume_fault = p(sql.CONSUME_FAULT)
        self._upsert_user = p(sql.UPSERT_USER)
        self._update_session = p(sql.UPDATE_SESSION)
        self._insert_session = p(sql.INSERT_SESSION)
        self._insert_attempt = p(sql.INSERT_ATTEMPT)
        if engine.dialect.name == "sqlite":
            self._guard_check = p(GUARD_CHECK)
        else:
            self._bind_new = p(sql.BIND_NEW)
            self._bind_continue = p(sql.BIND_CONTINUE)
            self._guarded_bind_new = p(sql.GUARDED_BIND_NEW)
            self._guarded_bind_continue = p(sql.GUARDED_BIND_CONTINUE)
            self._guarded_journal = p(sql.GUARDED_JOURNAL)
        self._holder_of_email = p(sql.HOLDER_OF_EMAIL, hot=False)
        self._claim_user = p(sql.CLAIM_USER, hot=False)
        self._disabled_user = p(sql.DISABLED_USER, hot=False)
        self._help_center_exists = p(sql.HELP_CENTER_EXISTS, hot=False)
        self._secret_candidates = p(retired_secrets.CANDIDATES, hot=False)
        self._prune = {"a": p(sql.PRUNE_ATTEMPTS, hot=False),
                       "s": p(sql.PRUNE_SESSIONS, hot=False)}
        self._writer = make_writer(engine, statements)
        self._cache = WidgetCache()

    def close(self) -> None:
        self._writer.close()

    # -- the calls identify makes ------------------------------------------------------------

    async def widget(self, widget_id: str, fresh: bool = False) -> Widget | None:
        """The widget's help center, secret, clock and pending-fault flag: remembered (see
        ``widget_cache``) unless ``fresh``, else read."""
        if not fresh and (known := self._cache.get(widget_id)) is not None:
            return known

        def read(tx: Tx) -> Widget | None:
            row = self._read_widget.run(tx.cursor, {"widget_id": widget_id}).fetchone()
            if row is None:
                return None
            return Widget(widget_id, row[0], row[1], row[2], ClockSetting(row[3], row[4]),
                          bool(row[5]))

        widget = await self._writer.read(read)
        self._cache.saw(widget_id, widget)
        return widget

    async def whose_secret(self, help_center_id: str, signing_input: bytes,
                           signature: bytes) -> retired_secrets.SignedWith | None:
        """Which previous or other help center's secret made ``signature`` (a refusal's
        failure path only: ``retired_secrets``). The secrets stay on the writer's thread."""

        def read(tx: Tx) -> retired_secrets.SignedWith | None:
            rows = self._secret_candidates.run(tx.cursor, {
                "hc": help_center_id, "limit": retired_secrets.MAX_CANDIDATES}).fetchall()
            return retired_secrets.first_signer(rows, signing_input, signature)

        return await self._writer.read(read)

    async def take_fault(self, widget: Widget) -> Fault | None:
        """The fault this call must answer with, if one is pending: consumed atomically and
        committed before the call suffers it, so a delay holds no lock."""
        if not widget.faults_pending:
            return None

        def write(tx: Tx) -> Any:
            with tx.pipeline():
                tx.begin()
                tx.savepoint("SAVEPOINT guarded")
                self._consume_fault.run(tx.returning, {"hc": widget.help_center_id})
                tx.savepoint("RELEASE SAVEPOINT guarded")
            return tx.returning.fetchone()

        row = await self._writer.transact(lambda tx: tx.patiently(write))
        if row is None:
            return None
        code, status, delay_ms, times, remaining = row
        return Fault(code, status, delay_ms, times - remaining, times)

    async def bind(self, widget: Widget, identity: Identity, attempt: Attempt,
                   session_id: str | None, user_agent: str | None, now: float) -> Session:
        """Bind the subject, continue or start the session, journal the success; answer once
        committed. ``SubjectMismatch`` if the email is another subject's (journaled too)."""
        hc = widget.help_center_id
        attrs = (None if identity.custom_attributes is None
                 else json.dumps(identity.custom_attributes, separators=(",", ":")))
        new_id = new_session_id() if session_id is None else ""  # made if it is unknown
        # Every statement's parameters in one mapping (each takes the names it has): the user
        # (with a public id, should this call create the row), the session, the journal entry.
        values = {"hc": hc, "sub": identity.sub, "email": identity.email,
                  "name": identity.name, "origin": attempt.origin, "ua": user_agent, "now": now,
                  "email_normalized": email_key(identity.email), "attrs": attrs,
                  "pid": new_user_id(), "id": new_id if session_id is None else session_id,
                  "code": attempt.code, "reason": attempt.reason,
                  "fp": attempt.token_fingerprint, "warnings": attempt.warnings}
        assert attempt.sub == identity.sub and attempt.code == "ok"  # the journal's "sub" too

        def write(tx: Tx) -> Any:
            with tx.pipeline():
                tx.begin()
                if tx.explicit:  # one statement, under a savepoint for a refusal
                    tx.cursor.execute("SAVEPOINT guarded")
                    if widget.remembered:
                        statement = (self._guarded_bind_new if session_id is None
                                     else self._guarded_bind_continue)
                        statement.run(tx.returning, {**values,
                                                     **guard_values(widget, hashed=True)})
                    else:
                        statement = self._bind_new if session_id is None else self._bind_continue
                        statement.run(tx.returning, values)
                    tx.cursor.execute("RELEASE SAVEPOINT guarded")
                    return None
                self._check_guard(tx, widget)
                if self._upsert_user.run(tx.cursor, values).rowcount == 0:
                    return DISABLED
                if session_id is None:
                    self._insert_session.run(tx.cursor, values)
                else:
                    self._update_session.run(tx.returning, values)
                self._insert_attempt.run(tx.cursor, values)
                self._count_write(tx, hc, "a")
            return None

        def refuse(tx: Tx, refusal: VerifierError) -> NoReturn:
            self._journal(tx, hc, Attempt(attempt.origin, refusal.code, refusal.reason,
                                          identity.sub, attempt.token_fingerprint), now)
            raise refusal

        def work(tx: Tx) -> Session:
            try:
                outcome = tx.patiently(write)
            except tx.integrity_error:
                # Only the refused statement is undone; the shared transaction goes on.
                tx.savepoint("ROLLBACK TO SAVEPOINT guarded")
                refusal = self._refusal(tx, hc, identity)
                if refusal is not None:
                    if isinstance(refusal, UnknownWidget):
                        raise refusal from None
                    refuse(tx, refusal)
                # A user created through the Users API, now bound to this subject: again.
                outcome = write(tx)
            if tx.explicit:
                wrote, continued_from, bound = tx.returning.fetchone()
                if not wrote:
                    raise StaleWidget(widget.widget_id)
                if not bound:
                    outcome = DISABLED
                else:
                    self._count_write(tx, hc, "a")
            if outcome is DISABLED:
                refuse(tx, self._disabled(tx, hc, identity))
            if not tx.explicit and session_id is not None:
                existing = tx.returning.fetchall()
                continued_from = existing[0][0] if existing else None
            session_now, started = new_id, now
            if session_id is not None:
                if continued_from is not None:
                    session_now, started = session_id, continued_from
                else:  # an id we never issued (or another help center's): a new session
                    session_now = new_session_id()
                    self._insert_session.run(tx.cursor, {**values, "id": session_now})
            self._count_write(tx, hc, "s")
            return Session(session_now, identity.sub, identity.email, identity.name,
                           attempt.origin, started, now)

        return await self._guarded(widget, work)

    async def record_failure(self, widget: Widget, attempt: Attempt, now: float) -> None:
        """Journal a refused call. For a remembered widget the entry is written only if the
        refusal was decided on the database's current state (else ``StaleWidget``)."""
        hc = widget.help_center_id
        values = _attempt_values(hc, attempt, now)

        def write(tx: Tx) -> None:
            with tx.pipeline():
                tx.begin()
                tx.savepoint("SAVEPOINT guarded")
                if widget.remembered and tx.explicit:
                    self._guarded_journal.run(tx.returning,
                                              {**guard_values(widget, hashed=True), **values})
                else:
                    self._check_guard(tx, widget)
                    self._insert_attempt.run(tx.cursor, values)
                tx.savepoint("RELEASE SAVEPOINT guarded")

        def work(tx: Tx) -> None:
            try:
                tx.patiently(write)
            except tx.integrity_error:
                # The help center was deleted meanwhile: nothing left to journal into.
                tx.savepoint("ROLLBACK TO SAVEPOINT guarded")
                return
            if widget.remembered and tx.explicit and not tx.returning.fetchall():
                raise StaleWidget(widget.widget_id)
            self._count_write(tx, hc, "a")

        await self._guarded(widget, work)

    # -- internals (the writer's thread) -----------------------------------------------------

    async def _guarded(self, widget: Widget, work: Callable[[Tx], Any]) -> Any:
        try:
            return await self._writer.transact(work)
        except StaleWidget:
            self._cache.forget(widget.widget_id)
            raise

    def _check_guard(self, tx: Tx, widget: Widget) -> None:
        """SQLite: a remembered widget's state is still the database's, checked under the
        write lock (PostgreSQL guards inside each statement instead: ``widget_cache``).

        Checked once per transaction for the same remembered state: the transaction holds
        the file's write lock, and nothing it runs (binds, journal entries, a fault's
        consumption, which only ends faults) changes a help center, its secret, the clock or
        adds a fault, so what passed at its first call still holds at its last."""
        if not widget.remembered or tx.checked.get(widget.widget_id) is widget:
            return
        if self._guard_check.run(tx.cursor,
                                 guard_values(widget, hashed=False)).fetchone() is None:
            raise StaleWidget(widget.widget_id)
        tx.checked[widget.widget_id] = widget

    def _journal(self, tx: Tx, hc: str, attempt: Attempt, now: float) -> None:
        self._insert_attempt.run(tx.cursor, _attempt_values(hc, attempt, now))
        self._count_write(tx, hc, "a")

    def _count_write(self, tx: Tx, hc: str, table: str) -> None:
        """Prune a help center's journal (``a``) or sessions (``s``) every ``PRUNE_EVERY``
        writes, so the tables stay bounded without a delete on every call."""
        key = table + hc
        count = self._writes_since_prune.get(key, 0) + 1
        if count < PRUNE_EVERY:
            self._writes_since_prune[key] = count
            return
        self._writes_since_prune[key] = 0
        tx.savepoint("SAVEPOINT prune")
        try:
            self._prune[table].run(tx.cursor, {"hc": hc, "keep": self._keep[table]})
        except tx.operational_error as exc:
            # Another worker is deleting the same old rows: leave them to it.
            if not contended(exc):
                raise
            tx.cursor.execute("ROLLBACK TO SAVEPOINT prune")
        tx.savepoint("RELEASE SAVEPOINT prune")

    def _refusal(self, tx: Tx, hc: str, identity: Identity) -> VerifierError | None:
        """The schema refused the binding because another user holds the email: name the
        subject that holds it, or None once a user created through the Users API (no subject
        yet) is bound to this one (the caller writes again). When no one holds the email, the
        help center went away between the read and the write (foreign key); if it is back (a
        reset or state import replaced it meanwhile), the call is decided again."""
        email = email_key(identity.email)
        row = self._holder_of_email.run(tx.cursor, {"hc": hc, "email": email}).fetchone()
        if row is None:
            if self._help_center_exists.run(tx.cursor, {"hc": hc}).fetchone() is not None:
                raise StaleWidget(hc)
            return UnknownWidget("the help center was deleted while this call was running")
        holder, disabled, public_id = row
        if holder is None and disabled:
            return _user_disabled(identity, public_id, bound=False)
        if holder is None:
            tx.savepoint("SAVEPOINT claim")
            try:
                claimed = self._claim_user.run(
                    tx.cursor, {"hc": hc, "email": email, "sub": identity.sub}).rowcount
            except tx.integrity_error:  # this subject has a user of its own already
                tx.savepoint("ROLLBACK TO SAVEPOINT claim")
                return SubjectMismatch(
                    f"email {identity.email} belongs to a user created through the Users API "
                    f"({public_id}), and subject {identity.sub!r} is already another user of "
                    "this help center: one person, two users. Delete one of them, or send "
                    "this user's email in its token")
            tx.savepoint("RELEASE SAVEPOINT claim")
            if claimed:
                return None
            return self._refusal(tx, hc, identity)  # bound or disabled meanwhile: read again
        return SubjectMismatch(
            f"email {identity.email} is already bound to subject {holder!r} in this help "
            f"center; this token's sub is {identity.sub!r}. Send the same sub for this user, "
            f"or re-provision the user (DELETE /api/help-centers/{hc}/users/{{sub}})"
        )

    def _disabled(self, tx: Tx, hc: str, identity: Identity) -> UserDisabled:
        row = self._disabled_user.run(tx.cursor, {"hc": hc, "sub": identity.sub}).fetchone()
        return _user_disabled(identity, row[0] if row else "?")


def _user_disabled(identity: Identity, public_id: str, bound: bool = True) -> UserDisabled:
    who = (f"sub {identity.sub!r}" if bound else
           f"not bound to a subject yet; this token's sub is {identity.sub!r}")
    return UserDisabled(
        f"user {public_id} ({identity.email}, {who}) is disabled: the Users API disabled it "
        f"(PATCH /v1/users/{public_id} with \"disabled\": false enables it)")


def _attempt_values(hc: str, attempt: Attempt, now: float) -> dict[str, Any]:
    """A journal entry as the attempt statements take it."""
    return {"hc": hc, "now": now, "origin": attempt.origin, "code": attempt.code,
            "reason": attempt.reason, "sub": attempt.sub, "fp": attempt.token_fingerprint,
            "warnings": attempt.warnings}
