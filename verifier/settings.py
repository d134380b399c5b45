"""The server's settings: one frozen value built from flags and ``FERNDESK_VERIFIER_*``.

Everything that can change how the server behaves is here, so a test or the pytest plugin can
build an app from a ``Settings`` without touching the environment. Each default is written once,
as the dataclass field's default: ``serve --help`` shows it, and a flag left out falls back to
its environment twin, then to it (see ``resolve``). A flag and its twin go through the same
check (``CHECKS``), so ``--port 99999`` and ``FERNDESK_VERIFIER_PORT=99999`` are refused alike.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ENV_PREFIX = "FERNDESK_VERIFIER_"
DEFAULT_DATABASE_URL = "sqlite:///ferndesk-verifier.db"
LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    # 0: any free port (the banner prints the one the server got).
    port: int = 8765
    database_url: str = DEFAULT_DATABASE_URL
    # None: generated on first start and kept in the database (see verifier.server_settings).
    admin_token: str | None = None
    seed: str | None = None
    workers: int = 1
    # Bounds that keep a long-running server from growing without limit.
    max_body_bytes: int = 64 * 1024
    # Seconds a request's whole body may take to arrive (408 after; see body_deadline.py).
    body_timeout: float = 10.0
    attempts_kept: int = 1000
    sessions_kept: int = 10000
    messages_kept: int = 1000  # contact-form messages, per help center
    log_level: str = "info"
    # Seconds ``serve`` keeps retrying a database that refuses connections (one starting beside
    # it in CI or compose) before giving up.
    db_wait: float = 30.0
    # ``serve --demo``: make sure the demo help center exists (done once, by the serve process).
    demo: bool = False
    # Freeze the import-time heap out of the garbage collector after start (see app.py); off
    # when the app runs inside someone else's process (the pytest plugin).
    freeze_gc: bool = True
    # Migrate the database when the app starts. A ``--workers`` worker does not: its parent
    # process migrated before starting any (see serving.serve), so workers start faster and never
    # queue on the migration lock.
    migrate_at_start: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every setting from its ``FERNDESK_VERIFIER_*`` variable, else its default: what a
        ``--workers`` worker builds, with the same checks as the flags (see ``resolve``)."""
        return resolve({}, environ)


class SettingError(ValueError):
    """A flag's or an environment variable's value that cannot be used; the message says why
    (the caller names the flag or the variable)."""


def default(name: str) -> Any:
    """The one default of setting ``name``."""
    return Settings.__dataclass_fields__[name].default


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper().replace("-", "_")


def env_default(name: str, fallback: str | None = None, environ: Mapping[str, str] | None = None
                ) -> str | None:
    """The ``FERNDESK_VERIFIER_<NAME>`` variable, so every flag has an environment twin."""
    env = os.environ if environ is None else environ
    return env.get(env_name(name), fallback)


# -- the checks a flag and its environment twin share ------------------------------------------


def check_port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise SettingError(f"must be a port number from 0 to 65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise SettingError(f"must be a port number from 0 to 65535 (0: any free port), "
                           f"got {port}")
    return port


def _integer(text: str, minimum: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise SettingError(f"must be {what}, got {text!r}") from None
    if value < minimum:
        raise SettingError(f"must be {what}, got {value}")
    return value


def check_workers(text: str) -> int:
    return _integer(text, 1, "a whole number of at least 1")


def check_count(text: str) -> int:
    return _integer(text, 0, "a whole number of at least 0")


def check_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SettingError(f"must be a number of seconds, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise SettingError(f"must be a number of seconds of at least 0, got {text}")
    return value


def check_body_timeout(text: str) -> float:
    """Over 0: a zero deadline would refuse every body."""
    value = check_seconds(text)
    if value == 0:
        raise SettingError("must be a number of seconds above 0, got 0")
    return value


def check_log_level(text: str) -> str:
    if text.lower() not in LOG_LEVELS:
        raise SettingError(f"must be one of {', '.join(LOG_LEVELS)}, got {text!r}")
    return text.lower()


def check_text(text: str) -> str:
    if not text:
        raise SettingError("must not be empty")
    return text


def check_database_url(text: str) -> str:
    """A SQLAlchemy URL, with the schemes people paste (``postgres://``) made ours."""
    from verifier.db import DatabaseUrlError, normalise_database_url

    try:
        return normalise_database_url(text)
    except DatabaseUrlError as exc:
        raise SettingError(str(exc)) from None


def check_flag(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("", "0", "false", "no", "off"):
        return False
    raise SettingError(f"must be true or false, got {text!r}")


CHECKS: dict[str, Callable[[str], Any]] = {
    "host": check_text, "port": check_port, "database_url": check_database_url,
    "admin_token": check_text, "seed": check_text, "workers": check_workers,
    "attempts_kept": check_count, "sessions_kept": check_count, "messages_kept": check_count,
    "body_timeout": check_body_timeout, "log_level": check_log_level,
    "db_wait": check_seconds, "demo": check_flag,
}


def resolve(given: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from checked flag values (None: not given), else each one's environment twin
    (checked here; an empty variable counts as unset), else its default.

    Raises ``SettingError`` naming the variable whose value is refused."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, check in CHECKS.items():
        value = given.get(name)
        if value is None and env.get(env_name(name)):
            try:
                value = check(env[env_name(name)])
            except SettingError as exc:
                raise SettingError(f"{env_name(name)} {exc}") from None
        values[name] = default(name) if value is None else value
    return Settings(**values)


def exported(settings: Settings) -> dict[str, str]:
    """The environment that makes ``resolve({})`` in another process (a ``--workers`` worker)
    give back these settings; the seed and the demo are left out: done once, by the parent."""
    skip = {"seed", "demo"}
    return {env_name(field.name): str(getattr(settings, field.name))
            for field in dataclasses.fields(settings)
            if field.name in CHECKS and field.name not in skip
            and getattr(settings, field.name) is not None}
