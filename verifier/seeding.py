"""Loading a seed (JSON or TOML) into the database: fixed help centers, secrets and users.

The shape is the contract's state shape at its smallest. Seeding is idempotent: a help center
that exists (by ``id``) is updated to match the seed, so restarting a CI job with the same seed
on the same database gives the same state. Importing a secret is an emulator-only power: the
real service never lets anyone choose or read back a secret.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from verifier import domains, keys
from verifier.models import help_centers, users
from verifier.store import read_clock


class SeedError(ValueError):
    """The seed cannot be loaded; the message names the file and the entry."""


def read_seed(path: str) -> dict[str, Any]:
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if path.endswith(".toml") else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"{path}: not valid {'TOML' if path.endswith('.toml') else 'JSON'}: "
                        f"{exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("help_centers", []), list):
        raise SeedError(f"{path}: expected an object with a help_centers list")
    return data


def _text(entry: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SeedError(f"{where}: {key} must be a non-empty string")
    return value


def apply_seed(engine: Engine, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Insert or update every help center of the seed, with its secret and users."""
    loaded = []
    with engine.begin() as conn:
        now = read_clock(conn).now()
        for index, entry in enumerate(data.get("help_centers", [])):
            where = f"help_centers[{index}]"
            if not isinstance(entry, dict):
                raise SeedError(f"{where}: must be an object")
            hc_id = _text(entry, "id", where)
            assert hc_id is not None
            try:
                domain = domains.normalize_help_center_domain(_text(entry, "domain", where) or "")
            except domains.InvalidHelpCenterDomain as refused:
                raise SeedError(f"{where}: domain: {refused.reason}") from None
            secret = _text(entry, "jwt_secret", where, required=False)
            values = {
                "name": _text(entry, "name", where, required=False) or hc_id,
                "domain": domain,
                "widget_id": _text(entry, "widget_id", where, required=False) or hc_id,
                "jwt_secret": secret,
                "jwt_secret_created_at": now if secret else None,
                "jwt_secret_fingerprint": keys.fingerprint(secret) if secret else None,
            }
            exists = conn.execute(
                sa.select(help_centers.c.jwt_secret).where(help_centers.c.id == hc_id)
            ).one_or_none()
            try:
                if exists is None:
                    conn.execute(sa.insert(help_centers).values(id=hc_id, created_at=now,
                                                                **values))
                else:
                    if exists.jwt_secret == secret:
                        values.pop("jwt_secret_created_at")  # same secret: keep its age
                    conn.execute(sa.update(help_centers).where(help_centers.c.id == hc_id)
                                 .values(**values))
            except sa.exc.IntegrityError:
                raise SeedError(f"{where}: widget_id {values['widget_id']!r} is taken") from None
            for u_index, user in enumerate(entry.get("users", [])):
                _seed_user(conn, hc_id, user, f"{where}.users[{u_index}]", now)
            loaded.append({"id": hc_id, "widget_id": values["widget_id"], "domain": domain})
    return loaded


def _seed_user(conn: sa.Connection, hc_id: str, user: Any, where: str, now: float) -> None:
    if not isinstance(user, dict):
        raise SeedError(f"{where}: must be an object")
    sub = _text(user, "sub", where)
    email = _text(user, "email", where)
    assert sub is not None and email is not None
    attrs = user.get("custom_attributes", user.get("customAttributes"))
    values = {
        "email": email,
        "email_normalized": email.lower(),
        "name": _text(user, "name", where, required=False),
        "custom_attributes": None if attrs is None else json.dumps(attrs),
        "last_seen_at": now,
    }
    try:
        done = conn.execute(sa.update(users).where(users.c.help_center_id == hc_id,
                                                   users.c.sub == sub).values(**values))
        if done.rowcount == 0:
            conn.execute(sa.insert(users).values(help_center_id=hc_id, sub=sub, created_at=now,
                                                 **values))
    except sa.exc.IntegrityError:
        raise SeedError(f"{where}: email {email!r} is bound to another sub") from None
