"""The ``ferndesk-verifier`` command. ``serve`` is the front door.

Every flag has a ``FERNDESK_VERIFIER_*`` twin. The parent process migrates the database, loads
the seed and the demo help center once, then hands the app to uvicorn (with ``--workers N`` the
workers rebuild the same settings from the environment this process sets for them).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from verifier import keys
from verifier.settings import DEFAULT_DATABASE_URL, ENV_PREFIX, Settings, env_default

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 1

DEMO = {"id": "demo", "name": "Demo help center", "domain": "localhost", "widget_id": "demo"}


def _int_env(name: str, fallback: int) -> int:
    value = env_default(name)
    try:
        return int(value) if value is not None else fallback
    except ValueError:
        raise SystemExit(f"ferndesk-verifier: {ENV_PREFIX}{name.upper()} must be a number, "
                         f"got {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ferndesk-verifier",
        description="A local emulator of the Ferndesk help center's JWT identification.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="run the verifier",
        description="Run the verifier. Every flag can also be set as FERNDESK_VERIFIER_<FLAG>, "
                    "e.g. FERNDESK_VERIFIER_DATABASE_URL.")
    serve.add_argument("--host", default=env_default("host", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=_int_env("port", 8765))
    serve.add_argument("--database-url", default=env_default("database_url", DEFAULT_DATABASE_URL),
                       help="any SQLAlchemy URL (default: %(default)s)")
    serve.add_argument("--admin-token", default=env_default("admin_token"),
                       help="bearer token of the admin API (default: generated, printed once)")
    serve.add_argument("--seed", default=env_default("seed"),
                       help="JSON or TOML file of help centers, secrets and users to load")
    serve.add_argument("--workers", type=int, default=_int_env("workers", 1))
    serve.add_argument("--demo", action="store_true",
                       default=env_default("demo", "") in ("1", "true", "yes"),
                       help="ensure a demo help center (domain localhost) and print its secret")
    serve.add_argument("--attempts-kept", type=int, default=_int_env("attempts_kept", 1000),
                       help="identify attempts kept per help center (default: %(default)s)")
    serve.add_argument("--sessions-kept", type=int, default=_int_env("sessions_kept", 10000),
                       help="sessions kept per help center (default: %(default)s)")
    serve.add_argument("--log-level", default=env_default("log_level", "info"),
                       choices=["debug", "info", "warning", "error"])
    return parser


def settings_from_environment() -> Settings:
    """What a worker process sees: the parent exported every resolved flag."""
    args = build_parser().parse_args(["serve"])
    return _settings(args)


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(host=args.host, port=args.port, database_url=args.database_url,
                    admin_token=args.admin_token, seed=args.seed, workers=args.workers,
                    attempts_kept=args.attempts_kept, sessions_kept=args.sessions_kept,
                    log_level=args.log_level)


def _export(settings: Settings, demo: bool) -> None:
    for name, value in (("host", settings.host), ("port", settings.port),
                        ("database_url", settings.database_url),
                        ("admin_token", settings.admin_token),
                        ("attempts_kept", settings.attempts_kept),
                        ("sessions_kept", settings.sessions_kept),
                        ("log_level", settings.log_level)):
        os.environ[ENV_PREFIX + name.upper()] = str(value)
    os.environ.pop(ENV_PREFIX + "SEED", None)  # loaded once by this process, not per worker
    os.environ.pop(ENV_PREFIX + "DEMO", None) if not demo else None


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from verifier.db import DatabaseUrlError, create_engine, migrate
    from verifier.seeding import SeedError, apply_seed, read_seed

    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.workers < 1:
        print("ferndesk-verifier: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    generated = args.admin_token is None
    if generated:
        args.admin_token = keys.generate_admin_token()
    settings = _settings(args)
    try:
        engine = create_engine(settings.database_url)
        migrate(engine)
        if settings.seed:
            for loaded in apply_seed(engine, read_seed(settings.seed)):
                print(f"seeded help center {loaded['id']} (widget {loaded['widget_id']}, "
                      f"domain {loaded['domain']})")
        if args.demo:
            _print_demo(engine, settings)
        engine.dispose()
    except (DatabaseUrlError, SeedError, OSError) as exc:
        print(f"ferndesk-verifier: {exc}", file=sys.stderr)
        return EXIT_FAILED
    base = f"http://{settings.host}:{settings.port}"
    print(f"ferndesk-verifier on {base} (database {_safe_url(settings.database_url)})")
    if generated:
        print(f"admin token (generated, shown once): {settings.admin_token}")
    sys.stdout.flush()
    _export(settings, args.demo)
    uvicorn.run("verifier.app:app_from_environment", factory=True, host=settings.host,
                port=settings.port, workers=settings.workers if settings.workers > 1 else None,
                log_level=settings.log_level, access_log=False, timeout_graceful_shutdown=5)
    return EXIT_OK


def _print_demo(engine: object, settings: Settings) -> None:
    """Make sure the demo help center exists with a secret, and print what a newcomer needs."""
    import sqlalchemy as sa

    from verifier.models import help_centers
    from verifier.seeding import apply_seed

    with engine.connect() as conn:  # type: ignore[attr-defined]
        secret = conn.execute(sa.select(help_centers.c.jwt_secret).where(
            help_centers.c.id == DEMO["id"])).scalar()
    apply_seed(engine, {"help_centers": [{**DEMO, "jwt_secret": secret
                                          or keys.generate_secret()}]})  # type: ignore[arg-type]
    with engine.connect() as conn:  # type: ignore[attr-defined]
        secret = conn.execute(sa.select(help_centers.c.jwt_secret).where(
            help_centers.c.id == DEMO["id"])).scalar()
    print(f"demo help center: id {DEMO['id']}, domain {DEMO['domain']}, "
          f"widget id {DEMO['widget_id']}")
    print(f"demo JWT secret (emulator only; keep it out of version control): {secret}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return EXIT_USAGE
