"""The whole state as JSON: import it (replacing everything), or merge a seed; the export, its
mirror, is ``state_export.py``.

One shape (``shapes.State``) serves three doors: ``GET/PUT /api/emulator/state`` and
``serve --seed FILE``. At its smallest it is the contract's seed shape (help centers with a
secret and users); an export carries more (sessions, attempts, messages, faults, the clock) and
imports what it exports. The export builds the structs; the import checks the entries by hand,
reading their keys and limits from the structs, because its messages (the entry, the field, a
suggested spelling, the admin API's own wording) are the contract and msgspec's are not.
Secrets are readable here and nowhere else: importing or exporting a secret is an emulator-only
power, as in any emulator's export. Previous secrets (``retired_secrets``) are not exported:
replacing the state forgets them (their help centers are deleted), and a seed that changes a
help center's secret keeps the old one as a previous secret, as deleting it would.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from verifier import api_keys as key_rules
from verifier import domains, emails, keys, retired_secrets, tokens
from verifier.clock import check_instant, check_offset, parse_isoformat
from verifier.errors import CONTRACT_ERRORS, InvalidRequest
from verifier.identifiers import identifier_problem
from verifier.models import (
    api_keys,
    emulator_clock,
    emulator_faults,
    help_centers,
    identify_attempts,
    messages,
    new_user_id,
    sessions,
    users,
)
from verifier.payloads import string_field
from verifier.sessions import could_be_session_id
from verifier.shapes import (
    MAX_CODE_CHARS,
    MAX_DOMAIN_CHARS,
    MAX_FAULT_DELAY_MS,
    MAX_FAULT_STATUS,
    MAX_FAULT_TIMES,
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_SECRET_BYTES,
    MIN_FAULT_STATUS,
    MIN_SECRET_BYTES,
    FaultCreate,
    IdentifyWarning,
    State,
    StateAttempt,
    StateClock,
    StateFault,
    StateHelpCenter,
    StateMessage,
    StateSession,
    StateUser,
    field_names,
)
from verifier.store import read_clock
from verifier.text import unstorable


class StateError(ValueError):
    """The state cannot be loaded; the message names the entry and the field."""


# -- import ----------------------------------------------------------------------------------
#
# Every field is checked as the door that normally lets it in checks it: a help center's id,
# widget_id, name and domain as ``POST /api/help-centers`` does, a user's sub, email, name and
# custom attributes as identify does (``tokens.check_identity_claims``), a row's id as its
# column can hold it. An import is a back door, not a way round those checks: a widget_id with a
# space breaks the widget's cookie, a 10,000-character sub breaks PostgreSQL's unique index.

# The keys each entry may have are its shape's fields (``shapes.py``); a user also takes the
# token's spelling of its attributes, so that a seed can be written from the claims.
TOP_KEYS = field_names(State)
CLOCK_KEYS = field_names(StateClock)
HELP_CENTER_KEYS = field_names(StateHelpCenter)
USER_KEYS = field_names(StateUser) | {"customAttributes"}
SESSION_KEYS = field_names(StateSession)
ATTEMPT_KEYS = field_names(StateAttempt)
WARNING_KEYS = field_names(IdentifyWarning)
MESSAGE_KEYS = field_names(StateMessage)
FAULT_KEYS = field_names(StateFault)
MAX_ROW_ID_CHARS = MAX_ID_CHARS  # sessions.id, messages.id, messages.session_id
PUBLIC_USER_ID = re.compile(r"hcusr_[A-Za-z0-9_-]{1,58}")  # users.public_id


class _Seen:
    """Values that must be unique, and where each was first given, so that a duplicate names
    both places instead of surfacing as the database's anonymous IntegrityError."""

    def __init__(self) -> None:
        self.places: dict[tuple[str, str], str] = {}

    def claim(self, scope: str, value: str, where: str, field: str, shown: str) -> None:
        first = self.places.setdefault((scope, value), where)
        if first != where:
            raise StateError(f"{where}.{field}: {shown!r} is also {first}'s")


def import_state(engine: Engine, data: Any, *, replace: bool) -> list[dict[str, Any]]:
    """Load ``data`` in one transaction. ``replace`` empties the database first (PUT state);
    otherwise help centers are inserted or updated by id (a seed)."""
    if isinstance(data, dict):
        _known_keys(data, TOP_KEYS, "")
    if not isinstance(data, dict) or not isinstance(data.get("help_centers"), list):
        # Required even to replace with nothing ({"help_centers": []}): a body that forgot it
        # must not silently wipe the state.
        raise StateError("expected an object with a help_centers list")
    loaded = []
    seen = _Seen()
    with engine.begin() as conn:
        if replace:
            conn.execute(sa.delete(help_centers))  # cascades to everything they own
        now = read_clock(conn).now()
        for index, entry in enumerate(data.get("help_centers", [])):
            loaded.append(_load_help_center(conn, entry, f"help_centers[{index}]", now, seen))
        if "clock" in data or replace:
            _load_clock(conn, data.get("clock") or {})
    return loaded


def _known_keys(entry: dict[str, Any], known: frozenset[str], where: str) -> None:
    """Refuse a key the shape does not have: a misspelt ``jwtSecret`` silently ignored would
    leave a help center without the secret the CI job thinks it fixed."""
    for key in entry:
        if key in known:
            continue
        place = f"{where}: " if where else ""
        shown = key[:80] if isinstance(key, str) else repr(key)
        spelling = _spelling(shown, known)
        hint = (f"did you mean {spelling!r}?" if spelling
                else f"the keys here are {', '.join(sorted(known))}")
        raise StateError(f"{place}unknown key {shown!r}; {hint}")


def _spelling(key: str, known: frozenset[str]) -> str | None:
    """The known key ``key`` most likely meant: its snake_case form, or a close spelling."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower().replace("-", "_")
    if snake in known:
        return snake
    close = difflib.get_close_matches(snake, sorted(known), n=1, cutoff=0.75)
    return close[0] if close else None


def _field(entry: dict[str, Any], key: str, where: str, *, required: bool = False,
           max_length: int = MAX_NAME_CHARS) -> str | None:
    """A text field checked by the admin API's own ``payloads.string_field``."""
    try:
        return string_field(entry, key, required=required, max_length=max_length)
    except InvalidRequest as refused:
        raise StateError(f"{where}.{key}: {refused.reason}") from None


def _identifier(entry: dict[str, Any], key: str, where: str, *,
                required: bool = False) -> str | None:
    value = _field(entry, key, where, required=required, max_length=MAX_ID_CHARS)
    if value is None:
        return None
    problem = identifier_problem(value)
    if problem:
        raise StateError(f"{where}.{key}: {key} {problem}")
    return value


def _secret(entry: dict[str, Any], where: str) -> str | None:
    secret = _optional_text(entry, "jwt_secret", where)
    if secret is None:
        return None
    # The secret itself never appears in the reason: it is a secret even when it is too short.
    size = len(secret.encode("utf-8"))
    if size < MIN_SECRET_BYTES:
        raise StateError(f"{where}.jwt_secret: the secret is {size} bytes long; HS256 wants at "
                         f"least {MIN_SECRET_BYTES} bytes (256 bits), as the admin API generates "
                         "them (43 characters)")
    if size > MAX_SECRET_BYTES:
        raise StateError(f"{where}.jwt_secret: the secret is {size} bytes long; the limit is "
                         f"{MAX_SECRET_BYTES}")
    return secret


def _load_help_center(conn: Connection, entry: Any, where: str, now: float,
                      seen: _Seen) -> dict[str, Any]:
    _object(entry, where)
    _known_keys(entry, HELP_CENTER_KEYS, where)
    hc_id = _identifier(entry, "id", where, required=True)
    assert hc_id is not None
    seen.claim("help center id", hc_id, where, "id", hc_id)
    raw_domain = _field(entry, "domain", where, required=True, max_length=MAX_DOMAIN_CHARS)
    assert raw_domain is not None
    try:
        domain = domains.normalize_help_center_domain(raw_domain)
    except domains.InvalidHelpCenterDomain as refused:
        raise StateError(f"{where}.domain: {refused.reason}") from None
    name = _field(entry, "name", where)
    if name is not None and not name.strip():
        raise StateError(f"{where}.name: name must not be blank")
    widget_id = _identifier(entry, "widget_id", where) or hc_id
    seen.claim("widget_id", widget_id, where, "widget_id", widget_id)
    taken = conn.execute(sa.select(help_centers.c.id).where(
        help_centers.c.widget_id == widget_id, help_centers.c.id != hc_id)).first()
    if taken is not None:
        raise StateError(f"{where}.widget_id: {widget_id!r} is already help center "
                         f"{taken.id!r}'s")
    secret = _secret(entry, where)
    values = {
        "name": name.strip() if name else hc_id,
        "domain": domain,
        "widget_id": widget_id,
        "jwt_secret": secret,
        "jwt_secret_created_at": (_instant(entry, "jwt_secret_created_at", where) or now)
        if secret else None,
        "jwt_secret_fingerprint": keys.fingerprint(secret) if secret else None,
    }
    existing = conn.execute(sa.select(help_centers.c.jwt_secret, help_centers.c.
                                      jwt_secret_created_at).where(help_centers.c.id == hc_id)
                            ).one_or_none()
    try:
        if existing is None:
            conn.execute(sa.insert(help_centers).values(
                id=hc_id, created_at=_instant(entry, "created_at", where) or now, **values))
        else:
            if existing.jwt_secret == secret and "jwt_secret_created_at" not in entry:
                values["jwt_secret_created_at"] = existing.jwt_secret_created_at
            elif existing.jwt_secret is not None and existing.jwt_secret != secret:
                # A seed that changes the secret rotates it: identify names the old one.
                retired_secrets.retire(conn, hc_id, existing.jwt_secret,
                                       keys.fingerprint(existing.jwt_secret), now)
            conn.execute(sa.update(help_centers).where(help_centers.c.id == hc_id)
                         .values(**values))
        user_rows = [_user_row(hc_id, user, f"{where}.users[{u_index}]", now, seen)
                     for u_index, user in enumerate(_list(entry, "users", where))]
        if existing is None and user_rows:
            # A new help center's users are all new: one batched insert, not a statement per
            # user, so a large import holds the database's write lock briefly.
            conn.execute(sa.insert(users), [{**row, "public_id": row["public_id"]
                                             or new_user_id()} for row in user_rows])
        elif user_rows:
            for row in user_rows:
                _merge_user(conn, row)
        _load_api_keys(conn, hc_id, entry, where, now, seen)
        for s_index, session in enumerate(_list(entry, "sessions", where)):
            _load_session(conn, hc_id, session, f"{where}.sessions[{s_index}]", now, seen)
        for a_index, attempt in enumerate(_list(entry, "identify_attempts", where)):
            _load_attempt(conn, hc_id, attempt, f"{where}.identify_attempts[{a_index}]", now)
        for m_index, message in enumerate(_list(entry, "messages", where)):
            _load_message(conn, hc_id, message, f"{where}.messages[{m_index}]", now, seen)
        for f_index, fault in enumerate(_list(entry, "faults", where)):
            _load_fault(conn, hc_id, fault, f"{where}.faults[{f_index}]", now)
    except sa.exc.IntegrityError:
        # Only a seed merged into rows already there gets here (an import checks its own
        # duplicates above): say what may clash.
        raise StateError(f"{where}: a user's sub or email, or a session or message id, is "
                         "already used in the database") from None
    return {"id": hc_id, "widget_id": values["widget_id"], "domain": domain}


def _user_row(hc_id: str, user: Any, where: str, now: float, seen: _Seen) -> dict[str, Any]:
    """A checked user entry as its ``users`` row."""
    _object(user, where)
    _known_keys(user, USER_KEYS, where)
    if "custom_attributes" in user and "customAttributes" in user:
        raise StateError(f"{where}: give custom_attributes or customAttributes, not both")
    attributes_key = "customAttributes" if "customAttributes" in user else "custom_attributes"
    sub, email = user.get("sub"), user.get("email")
    if isinstance(sub, str) and sub and tokens.sub_is_blank(sub):
        raise StateError(f"{where}.sub: sub must not be blank")
    attrs = user.get(attributes_key)
    try:
        # A user the Users API created has no sub yet: its other fields are checked all the
        # same, with a stand-in subject.
        tokens.check_identity_claims({"sub": "-" if sub is None else sub, "email": email,
                                      "name": user.get("name"), "customAttributes": attrs})
    except tokens.InvalidClaim as refused:
        field = attributes_key if refused.claim == "customAttributes" else refused.claim
        raise StateError(f"{where}.{field}: {refused}") from None
    assert (sub is None or isinstance(sub, str)) and isinstance(email, str)
    # Stored as identify stores it, so an imported user and identify agree on who holds an email.
    email = emails.normalize_email(email)
    if sub is not None:
        seen.claim(f"sub in {hc_id}", sub, where, "sub", sub)
    seen.claim(f"email in {hc_id}", emails.email_key(email), where, "email", email)
    public_id = _public_id(user, where)
    if public_id is not None:
        seen.claim("user id", public_id, where, "id", public_id)
    last_seen = _instant(user, "last_seen_at", where) or now
    values = {
        "email": email,
        "email_normalized": emails.email_key(email),
        "name": user.get("name"),
        "custom_attributes": None if attrs is None else json.dumps(attrs),
        "last_seen_at": last_seen,
        "email_verified": _flag(user, "email_verified", where),
        "disabled": _flag(user, "disabled", where),
        "last_login_at": _instant(user, "last_login_at", where),
        "updated_at": _instant(user, "updated_at", where) or last_seen,
    }
    return {"help_center_id": hc_id, "sub": sub, "public_id": public_id,
            "created_at": _instant(user, "created_at", where) or now, **values}


def _public_id(user: dict[str, Any], where: str) -> str | None:
    """A user's ``id`` (``hcusr_...``); None when the entry has none (one is made)."""
    value = _optional_text(user, "id", where)
    if value is not None and not PUBLIC_USER_ID.fullmatch(value):
        raise StateError(f"{where}.id: id must be hcusr_ and 1 to {MAX_ID_CHARS - 6} letters, "
                         "digits, - or _")
    return value


def _flag(entry: dict[str, Any], key: str, where: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise StateError(f"{where}.{key}: {key} must be true or false")
    return value


def _merge_user(conn: Connection, row: dict[str, Any]) -> None:
    """A seed's user into a help center that exists: updated by ``sub``, else (a user without
    one) by ``id``, else by email; or inserted."""
    changes = {key: value for key, value in row.items()
               if key not in ("help_center_id", "sub", "created_at")
               and not (key == "public_id" and value is None)}
    if row["sub"] is not None:
        match = users.c.sub == row["sub"]
    elif row["public_id"] is not None:
        match = users.c.public_id == row["public_id"]
    else:
        match = sa.and_(users.c.sub.is_(None),
                        users.c.email_normalized == row["email_normalized"])
    done = conn.execute(sa.update(users).where(users.c.help_center_id == row["help_center_id"],
                                               match).values(**changes))
    if done.rowcount == 0:
        conn.execute(sa.insert(users).values(**{**row,
                                                "public_id": row["public_id"] or new_user_id()}))


def _load_api_keys(conn: Connection, hc_id: str, entry: dict[str, Any], where: str,
                   now: float, seen: _Seen) -> None:
    """The help center's Users API keys: inserted, or brought back if deleted. A key is a
    secret: a refusal names it by its fingerprint, never by itself."""
    for index, key in enumerate(_list(entry, "api_keys", where)):
        place = f"{where}.api_keys[{index}]"
        if not isinstance(key, str):
            raise StateError(f"{place}: must be a string")
        problem = key_rules.key_problem(key)
        if problem:
            raise StateError(f"{place}: {problem}")
        shown = key_rules.fingerprint(key)
        first = seen.places.setdefault(("api key", key), where)
        if first != where:
            raise StateError(f"{place}: the key {shown} is also {first}'s")
        holder = conn.execute(sa.select(api_keys.c.help_center_id).where(
            api_keys.c.key == key)).one_or_none()
        if holder is None:
            conn.execute(sa.insert(api_keys).values(
                id=key_rules.new_key_id(), help_center_id=hc_id, key=key, fingerprint=shown,
                created_at=now))
        elif holder.help_center_id != hc_id:
            raise StateError(f"{place}: the key {shown} is already help center "
                             f"{holder.help_center_id!r}'s")
        else:
            conn.execute(sa.update(api_keys).where(api_keys.c.key == key)
                         .values(deleted_at=None))


def _row_id(row: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = _text(row, key, where) if required else _optional_text(row, key, where)
    if value is not None and not could_be_session_id(value):
        raise StateError(f"{where}.{key}: {key} must be at most {MAX_ROW_ID_CHARS} ASCII "
                         "characters")
    return value


def _load_session(conn: Connection, hc_id: str, row: Any, where: str, now: float,
                  seen: _Seen) -> None:
    _object(row, where)
    _known_keys(row, SESSION_KEYS, where)
    session_id = _row_id(row, "id", where)
    assert session_id is not None
    seen.claim("session id", session_id, where, "id", session_id)
    conn.execute(sa.delete(sessions).where(sessions.c.id == session_id,
                                           sessions.c.help_center_id == hc_id))
    conn.execute(sa.insert(sessions).values(
        id=session_id, help_center_id=hc_id,
        **{key: _optional_text(row, key, where)
           for key in ("sub", "email", "name", "origin", "user_agent")},
        started_at=_instant(row, "started_at", where) or now,
        identified_at=_instant(row, "identified_at", where),
        ended_at=_instant(row, "ended_at", where)))


def _load_attempt(conn: Connection, hc_id: str, row: Any, where: str, now: float) -> None:
    _object(row, where)
    _known_keys(row, ATTEMPT_KEYS, where)
    short = {}
    for key in ("code", "token_fingerprint"):
        value = _text(row, key, where) if key == "code" else _optional_text(row, key, where)
        if value is not None and len(value) > MAX_CODE_CHARS:
            raise StateError(f"{where}.{key}: {key} is longer than {MAX_CODE_CHARS} characters")
        short[key] = value
    conn.execute(sa.insert(identify_attempts).values(
        help_center_id=hc_id, at=_instant(row, "at", where) or now,
        reason=_optional_text(row, "reason", where) or "",
        warnings=_attempt_warnings(row, where),
        **short, **{key: _optional_text(row, key, where) for key in ("origin", "sub")}))


def _attempt_warnings(row: dict[str, Any], where: str) -> str | None:
    """An exported attempt's ``warnings`` (a list of ``{"code", "reason"}``) as the journal
    stores it: JSON text, or NULL when there are none."""
    value = row.get("warnings")
    if not value:
        if value not in (None, []):
            raise StateError(f"{where}.warnings: warnings must be a list")
        return None
    if not isinstance(value, list):
        raise StateError(f"{where}.warnings: warnings must be a list")
    for index, warning in enumerate(value):
        here = f"{where}.warnings[{index}]"
        _object(warning, here)
        _known_keys(warning, WARNING_KEYS, here)
        code = _text(warning, "code", here)
        if len(code) > MAX_CODE_CHARS:
            raise StateError(f"{here}.code: code is longer than {MAX_CODE_CHARS} characters")
        _text(warning, "reason", here)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _load_message(conn: Connection, hc_id: str, row: Any, where: str, now: float,
                  seen: _Seen) -> None:
    _object(row, where)
    _known_keys(row, MESSAGE_KEYS, where)
    message_id = _row_id(row, "id", where)
    assert message_id is not None
    seen.claim("message id", message_id, where, "id", message_id)
    conn.execute(sa.insert(messages).values(
        id=message_id, help_center_id=hc_id, body=_text(row, "body", where),
        session_id=_row_id(row, "session_id", where, required=False),
        created_at=_instant(row, "created_at", where) or now,
        **{key: _optional_text(row, key, where) for key in ("sub", "email", "name")}))


def _load_fault(conn: Connection, hc_id: str, row: Any, where: str, now: float) -> None:
    _object(row, where)
    _known_keys(row, FAULT_KEYS, where)
    fault = validate_fault(row, where)
    remaining = row.get("remaining", fault.times)
    if not isinstance(remaining, int) or isinstance(remaining, bool) or remaining < 0:
        raise StateError(f"{where}.remaining: remaining must be a whole number >= 0")
    conn.execute(sa.insert(emulator_faults).values(
        help_center_id=hc_id, remaining=remaining,
        created_at=_instant(row, "created_at", where) or now, **msgspec.structs.asdict(fault)))


def _load_clock(conn: Connection, clock: Any) -> None:
    _object(clock, "clock")
    _known_keys(clock, CLOCK_KEYS, "clock")
    offset = clock.get("offset_seconds", 0) or 0
    try:
        if not isinstance(offset, int | float) or isinstance(offset, bool):
            raise ValueError("offset_seconds must be a number")
        check_offset(offset)
    except ValueError as exc:
        raise StateError(f"clock: {exc}") from None
    conn.execute(sa.update(emulator_clock).where(emulator_clock.c.id == 1).values(
        offset_seconds=float(offset), frozen_at=_instant(clock, "frozen_at", "clock")))


def validate_fault(body: dict[str, Any], where: str = "") -> FaultCreate:
    """``{"times", "code"?, "status"?, "delay_ms"?}`` checked: the values a fault row holds.

    A fault answers with a JSON error body, so its status is an error status, 400-599: a 1xx,
    204 or 304 cannot carry a body (the response would break HTTP framing), and a 2xx or 3xx
    would tell the caller the call worked, or redirected without a Location, while the body
    says it failed. Every status the contract names is in that range."""

    def at(key: str) -> str:
        return f"{where}.{key}: " if where else ""

    times: Any = body.get("times")
    if not _whole(times) or not 1 <= times <= MAX_FAULT_TIMES:
        raise StateError(f"{at('times')}times must be a whole number from 1 to "
                         f"{MAX_FAULT_TIMES}")
    code, status, delay = body.get("code"), body.get("status"), body.get("delay_ms", 0)
    if code is not None and code not in CONTRACT_ERRORS:
        raise StateError(f"{at('code')}code must be one of "
                         f"{', '.join(sorted(CONTRACT_ERRORS))}")
    if status is not None and (not _whole(status)
                               or not MIN_FAULT_STATUS <= status <= MAX_FAULT_STATUS):
        raise StateError(f"{at('status')}status must be an HTTP error status from "
                         f"{MIN_FAULT_STATUS} to {MAX_FAULT_STATUS}: a fault answers with a "
                         "JSON error body, which 1xx, 204 and 304 cannot carry and 2xx and "
                         "3xx would contradict")
    if not _whole(delay) or not 0 <= delay <= MAX_FAULT_DELAY_MS:
        raise StateError(f"{at('delay_ms')}delay_ms must be a whole number from 0 to "
                         f"{MAX_FAULT_DELAY_MS}")
    if code is None and status is None and not delay:
        raise StateError(f"{where + ': ' if where else ''}give a code, a status or a delay_ms")
    return FaultCreate(times=times, code=code, status=status, delay_ms=delay)


# -- field readers ---------------------------------------------------------------------------


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _object(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise StateError(f"{where}: must be an object")


def _list(entry: dict[str, Any], key: str, where: str) -> list[Any]:
    value = entry.get(key) or []
    if not isinstance(value, list):
        raise StateError(f"{where}.{key}: {key} must be a list")
    return value


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise StateError(f"{where}.{key}: {key} must be a non-empty string")
    return _storable(value, key, where)


def _optional_text(entry: dict[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise StateError(f"{where}.{key}: {key} must be a string")
    return _storable(value, key, where)


def _storable(value: str, key: str, where: str) -> str:
    problem = unstorable(value)
    if problem:
        raise StateError(f"{where}.{key}: {key} {problem}")
    return value


def _instant(entry: dict[str, Any], key: str, where: str) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise TypeError
        return (parse_isoformat(value) if isinstance(value, str)
                else check_instant(float(value)))
    except (TypeError, ValueError, OverflowError):
        raise StateError(f"{where}.{key}: {key} must be an ISO-8601 instant between 1970 and "
                         "9998") from None
