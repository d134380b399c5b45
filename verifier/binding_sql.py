"""The SQL of identify: the widget read, fault consumption, the binding's writes for each
database, and the journal's pruning. Built from our own constants only.

SQLite runs a successful call's three writes (user, session, journal entry) as three
statements: in-process, they cost no round trip. PostgreSQL runs them as one statement
(data-modifying CTEs), so a call costs the server one prepared statement instead of three, and
a refused binding fails the whole statement, so nothing of the call is written. Its guarded
forms write only while a remembered widget is still the database's (``widget_cache.GUARD``).
"""

from __future__ import annotations

from verifier.widget_cache import GUARD

# One indexed read gives identify everything it needs: the help center, its secret, the
# shared clock, and whether a fault is pending (checked further only if so).
READ_WIDGET = (
    "SELECT h.id, h.domain, h.jwt_secret, c.offset_seconds, c.frozen_at, "
    "EXISTS (SELECT 1 FROM emulator_faults f WHERE f.help_center_id = h.id "
    "AND f.remaining > 0) "
    "FROM help_centers h CROSS JOIN emulator_clock c "
    "WHERE h.widget_id = :widget_id AND c.id = 1"
)
# Consume one call of the oldest pending fault. The outer "remaining > 0" makes two racing
# calls (or workers) unable to both take the last one.
CONSUME_FAULT = (
    "UPDATE emulator_faults SET remaining = remaining - 1 WHERE id = ("
    "SELECT id FROM emulator_faults WHERE help_center_id = :hc AND remaining > 0 "
    "ORDER BY id LIMIT 1) AND remaining > 0 "
    "RETURNING code, status, delay_ms, times, remaining"
)
# The user, bound by its subject: a successful identify is a login (``last_login_at``) and
# vouches for the email (``email_verified``); a token without customAttributes leaves the
# attributes as they are. A disabled user is not touched and no row comes back: the caller
# refuses the call (``user_disabled``) and writes nothing else of it. SQLite reads that from
# the statement's row count; PostgreSQL's one-statement forms from its ``RETURNING`` row.
_USER_CONFLICT = (
    "ON CONFLICT (help_center_id, sub) DO UPDATE SET email = excluded.email, "
    "email_normalized = excluded.email_normalized, name = excluded.name, "
    "custom_attributes = COALESCE(excluded.custom_attributes, users.custom_attributes), "
    "last_seen_at = excluded.last_seen_at, last_login_at = excluded.last_login_at, "
    "email_verified = excluded.email_verified, updated_at = excluded.updated_at "
    "WHERE NOT users.disabled"
)
_USER_COLUMNS = (
    "INSERT INTO users (help_center_id, sub, email, email_normalized, name, "
    "custom_attributes, created_at, last_seen_at, public_id, updated_at, last_login_at, "
    "email_verified) "
)
UPSERT_USER = (
    _USER_COLUMNS
    + "VALUES (:hc, :sub, :email, :email_normalized, :name, :attrs, :now, :now, :pid, :now, "
    ":now, TRUE) " + _USER_CONFLICT
)
# An ended session (its user was disabled) is never continued: the call starts a new one.
UPDATE_SESSION = (
    "UPDATE sessions SET sub = :sub, email = :email, name = :name, "
    "identified_at = :now, origin = :origin, user_agent = :ua "
    "WHERE id = :id AND help_center_id = :hc AND ended_at IS NULL RETURNING started_at"
)
INSERT_SESSION = (
    "INSERT INTO sessions (id, help_center_id, sub, email, name, origin, user_agent, "
    "started_at, identified_at) "
    "VALUES (:id, :hc, :sub, :email, :name, :origin, :ua, :now, :now)"
)
INSERT_ATTEMPT = (
    "INSERT INTO identify_attempts (help_center_id, at, origin, code, reason, sub, "
    "token_fingerprint, warnings) VALUES (:hc, :now, :origin, :code, :reason, :sub, :fp, "
    ":warnings)"
)
HOLDER_OF_EMAIL = (
    "SELECT sub, disabled, public_id FROM users WHERE help_center_id = :hc "
    "AND email_normalized = :email"
)
# The first identify of a user created through the Users API (no subject yet) binds its sub.
# Only a live subjectless user is bound, and only if the subject has no user of its own.
CLAIM_USER = (
    "UPDATE users SET sub = :sub WHERE help_center_id = :hc AND email_normalized = :email "
    "AND sub IS NULL AND NOT disabled"
)
DISABLED_USER = "SELECT public_id FROM users WHERE help_center_id = :hc AND sub = :sub"
HELP_CENTER_EXISTS = "SELECT 1 FROM help_centers WHERE id = :hc"
PRUNE_ATTEMPTS = (
    "DELETE FROM identify_attempts WHERE help_center_id = :hc AND id < ("
    "SELECT COALESCE(MIN(id), 0) FROM (SELECT id FROM identify_attempts "
    "WHERE help_center_id = :hc ORDER BY id DESC LIMIT :keep) newest)"
)
PRUNE_SESSIONS = (
    "DELETE FROM sessions WHERE help_center_id = :hc AND started_at < ("
    "SELECT COALESCE(MIN(started_at), 0) FROM (SELECT started_at FROM sessions "
    "WHERE help_center_id = :hc ORDER BY started_at DESC LIMIT :keep) newest)"
)

# PostgreSQL: a successful call's writes as one statement, answering (whether it wrote, the
# continued session's start, whether the user was bound: 0 for a disabled user, whose call
# then writes nothing). The session and journal writes read ``u``, so they happen only if the
# user did.
_NOW = "CAST(:now AS DOUBLE PRECISION)"
_STARTED = "CAST(NULL AS DOUBLE PRECISION)"
_BOUND = "(SELECT count(*) FROM u)"
_UPSERT_USER_RETURNING = UPSERT_USER + " RETURNING 1"
_INSERT_SESSION_IF_BOUND = (
    "INSERT INTO sessions (id, help_center_id, sub, email, name, origin, user_agent, "
    f"started_at, identified_at) SELECT :id, :hc, :sub, :email, :name, :origin, :ua, {_NOW}, "
    f"{_NOW} FROM u"
)
_UPDATE_SESSION_IF_BOUND = (
    "UPDATE sessions SET sub = :sub, email = :email, name = :name, "
    "identified_at = :now, origin = :origin, user_agent = :ua "
    "WHERE id = :id AND help_center_id = :hc AND ended_at IS NULL "
    "AND EXISTS (SELECT 1 FROM u) RETURNING started_at"
)


def _insert_attempt_from(source: str) -> str:
    """The journal entry, written once per row of ``source``: ``u`` (the user was bound) or
    ``g`` (the remembered widget is still the database's)."""
    return ("INSERT INTO identify_attempts (help_center_id, at, origin, code, reason, sub, "
            f"token_fingerprint, warnings) SELECT :hc, {_NOW}, :origin, :code, :reason, :sub, "
            f":fp, CAST(:warnings AS TEXT) FROM {source}")


_INSERT_ATTEMPT_IF_BOUND = _insert_attempt_from("u")
BIND_NEW = (
    f"WITH u AS ({_UPSERT_USER_RETURNING}), s AS ({_INSERT_SESSION_IF_BOUND}), "
    f"a AS ({_INSERT_ATTEMPT_IF_BOUND}) SELECT 1, {_STARTED}, {_BOUND}"
)
BIND_CONTINUE = (
    f"WITH u AS ({_UPSERT_USER_RETURNING}), s AS ({_UPDATE_SESSION_IF_BOUND}), "
    f"a AS ({_INSERT_ATTEMPT_IF_BOUND}) SELECT 1, (SELECT started_at FROM s), {_BOUND}"
)
_GUARDED_UPSERT_USER = (
    _USER_COLUMNS
    + f"SELECT :hc, :sub, :email, :email_normalized, :name, :attrs, {_NOW}, {_NOW}, :pid, "
    f"{_NOW}, {_NOW}, TRUE FROM g " + _USER_CONFLICT + " RETURNING 1"
)
_GUARDED_INSERT_ATTEMPT = _insert_attempt_from("g")
GUARDED_BIND_NEW = (
    f"WITH {GUARD}, u AS ({_GUARDED_UPSERT_USER}), s AS ({_INSERT_SESSION_IF_BOUND}), "
    f"a AS ({_INSERT_ATTEMPT_IF_BOUND}) SELECT (SELECT count(*) FROM g), {_STARTED}, {_BOUND}"
)
GUARDED_BIND_CONTINUE = (
    f"WITH {GUARD}, u AS ({_GUARDED_UPSERT_USER}), s AS ({_UPDATE_SESSION_IF_BOUND}), "
    f"a AS ({_INSERT_ATTEMPT_IF_BOUND}) "
    f"SELECT (SELECT count(*) FROM g), (SELECT started_at FROM s), {_BOUND}"
)
GUARDED_JOURNAL = f"WITH {GUARD} {_GUARDED_INSERT_ATTEMPT} RETURNING 1"
