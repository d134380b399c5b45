"""The server's settings: one frozen value built from flags and ``FERNDESK_VERIFIER_*``.

Everything that can change how the server behaves is here, so a test or the pytest plugin can
build an app from a ``Settings`` without touching the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

ENV_PREFIX = "FERNDESK_VERIFIER_"
DEFAULT_DATABASE_URL = "sqlite:///ferndesk-verifier.db"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8765
    database_url: str = DEFAULT_DATABASE_URL
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
    # Freeze the import-time heap out of the garbage collector after start (see app.py); off
    # when the app runs inside someone else's process (the pytest plugin).
    freeze_gc: bool = True
    # Migrate the database when the app starts. A ``--workers`` worker does not: its parent
    # process migrated before starting any (see cli.serve), so workers start faster and never
    # queue on the migration lock.
    migrate_at_start: bool = True


def env_default(name: str, fallback: str | None = None, environ: Mapping[str, str] | None = None
                ) -> str | None:
    """The ``FERNDESK_VERIFIER_<NAME>`` variable, so every flag has an environment twin."""
    env = os.environ if environ is None else environ
    return env.get(ENV_PREFIX + name.upper().replace("-", "_"), fallback)
