"""``ferndesk-verifier serve``, the front door, in the pieces a command that runs a server
reuses (``exec`` among them: ``exec_command``, ``exec_server``): settings from the flags, the
port bound, the database prepared once, the banner, uvicorn.

Every flag has a ``FERNDESK_VERIFIER_*`` twin, checked the same way (``settings.py`` holds the
defaults and the checks). The process binds the port itself (``listening.py``), migrates the
database, loads the seed and the demo help center once, and only then prints the banner and
hands the bound socket to uvicorn (with ``--workers N`` the workers rebuild the same settings
from the environment this process sets for them, and log as it does: ``logs.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging.config
import os
import socket
import sys
from typing import TYPE_CHECKING

from verifier import keys
from verifier.exit_codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE, PROG
from verifier.settings import CHECKS, ENV_PREFIX, SettingError, Settings, exported, resolve

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["BACKLOG", "DEMO", "StartError", "ensure_demo", "prepare_database", "print_banner",
           "run_uvicorn", "serve", "settings_from_arguments"]

DEMO = {"id": "demo", "name": "Demo help center", "domain": "localhost", "widget_id": "demo"}
# Connections that wait for a worker to accept them (uvicorn's default).
BACKLOG = 2048


def serve(args: argparse.Namespace) -> int:
    """Check every setting, bind the port, prepare the database once, print the banner (true
    by then), then run uvicorn on the bound socket."""
    try:
        settings = settings_from_arguments(args)
    except SettingError as exc:
        print(f"{PROG} serve: {exc} (see {PROG} serve --help)", file=sys.stderr)
        return EXIT_USAGE
    from verifier.logs import logging_config

    logging.config.dictConfig(logging_config(settings.log_level))
    from verifier.listening import ListenError, base_url, listen

    try:
        # Bound before the database work: a taken port fails in an instant, not after it.
        listener = listen(settings.host, settings.port, BACKLOG)
    except ListenError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    generated = settings.admin_token is None
    with listener:
        try:
            admin_token = prepare_database(settings)
        except StartError as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return EXIT_FAILED
        settings = dataclasses.replace(settings, admin_token=admin_token,
                                       port=listener.getsockname()[1])
        print_banner(base_url(listener, settings.host), settings, generated)
        return run_uvicorn(settings, listener)


def settings_from_arguments(args: argparse.Namespace) -> Settings:
    """The settings of parsed serve flags: a flag given wins, else its environment twin, else
    the default (``settings.resolve``). Raises ``SettingError`` naming a refused variable."""
    return resolve({name: getattr(args, name) for name in CHECKS})


class StartError(Exception):
    """The server cannot start; the message is the one line to print (exit 1)."""


def prepare_database(settings: Settings) -> str:
    """Reach, migrate, seed the database once for every worker; return the admin token (the
    given one, else the one kept in the database, generated on first start)."""
    import sqlalchemy as sa

    from verifier.db import (
        DatabaseUnavailable,
        DatabaseUrlError,
        create_engine,
        migrate,
        safe_url,
        wait_for_database,
    )
    from verifier.seeding import SeedError, apply_seed, read_seed
    from verifier.server_settings import kept_admin_token

    try:
        engine = create_engine(settings.database_url)
        try:
            wait_for_database(engine, settings.db_wait)
            migrate(engine)
            if settings.seed:
                for loaded in apply_seed(engine, read_seed(settings.seed)):
                    print(f"seeded help center {loaded['id']} (widget {loaded['widget_id']}, "
                          f"domain {loaded['domain']})")
            if settings.demo:
                ensure_demo(engine)
            return settings.admin_token or kept_admin_token(engine, keys.generate_admin_token)
        finally:
            engine.dispose()
    except (DatabaseUrlError, DatabaseUnavailable, SeedError, OSError) as exc:
        raise StartError(str(exc)) from None
    except sa.exc.DBAPIError as exc:  # e.g. a login that may create nothing (no privilege)
        cause = str(exc.orig).strip().splitlines()[0][:200] if str(exc.orig).strip() else ""
        raise StartError(f"the database {safe_url(settings.database_url)} failed at start: "
                         f"{type(exc.orig).__name__}: {cause}") from None


def ensure_demo(engine: Engine) -> None:
    """Make sure the demo help center exists with a secret, and print what a newcomer needs."""
    import sqlalchemy as sa

    from verifier.models import help_centers
    from verifier.seeding import apply_seed

    with engine.connect() as conn:
        secret = conn.execute(sa.select(help_centers.c.jwt_secret).where(
            help_centers.c.id == DEMO["id"])).scalar()
    apply_seed(engine, {"help_centers": [{**DEMO, "jwt_secret": secret
                                          or keys.generate_secret()}]})
    with engine.connect() as conn:
        secret = conn.execute(sa.select(help_centers.c.jwt_secret).where(
            help_centers.c.id == DEMO["id"])).scalar()
    print(f"demo help center: id {DEMO['id']}, domain {DEMO['domain']}, "
          f"widget id {DEMO['widget_id']}")
    print(f"demo JWT secret (emulator only; keep it out of version control): {secret}")


def print_banner(base: str, settings: Settings, generated: bool) -> None:
    """Say where the server is, which database it uses (password hidden), and the admin token
    when it was generated (``generated``); flushed, so a reader of a pipe sees it at once."""
    from verifier.db import safe_url

    print(f"ferndesk-verifier on {base} (database {safe_url(settings.database_url)})")
    print(f"dashboard: {base}/ui/ (sign in with the admin token); API docs: {base}/docs")
    if generated:
        print(f"admin token (generated on first start, kept in the database): "
              f"{settings.admin_token}")
    sys.stdout.flush()


def run_uvicorn(settings: Settings, listener: socket.socket) -> int:
    """Serve on ``listener``: in this process, or in ``--workers`` spawned processes that
    rebuild the same settings from the environment exported here (``settings.resolve``)."""
    import uvicorn

    from verifier.header_deadline import protocol
    from verifier.logs import logging_config

    for once in ("SEED", "DEMO"):  # done once by this process, not again per worker
        os.environ.pop(ENV_PREFIX + once, None)
    os.environ.update(exported(settings))
    config = uvicorn.Config(
        "verifier.app:app_from_environment", factory=True, host=settings.host,
        port=settings.port, workers=settings.workers,
        log_config=logging_config(settings.log_level), log_level=settings.log_level,
        access_log=False, timeout_graceful_shutdown=5,
        # A request's headers get the body's deadline too (uvicorn has none for them).
        http=protocol("httptools", settings.body_timeout))
    try:
        if settings.workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[listener]).run()
            return EXIT_OK
        server = uvicorn.Server(config)
        server.run(sockets=[listener])
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_OK if server.started else EXIT_FAILED
