"""The ``ferndesk-verifier`` command. ``serve`` is the front door; ``token`` and ``inspect`` are
the two tools an integrator reaches for while wiring identify up.

``serve``: every flag has a ``FERNDESK_VERIFIER_*`` twin, checked the same way (``settings.py``
holds the defaults and the checks). The serve process binds the port itself (``listening.py``),
migrates the database, loads the seed and the demo help center once, and only then prints the
banner and hands the bound socket to uvicorn (with ``--workers N`` the workers rebuild the same
settings from the environment this process sets for them, and log as it does: ``logs.py``).

``token`` mints an identify JWT the way an integrator's backend should, so that a test or a shell
script (``TOKEN=$(ferndesk-verifier token ...)``) needs no JWT library; ``--help-center`` reads
the secret from a running verifier (``GET /api/emulator/state``) so it is never copied by hand.
Its ``--claim``/``--omit`` mint deliberately wrong tokens too. It signs exactly as identify
verifies (the secret's UTF-8 bytes, any length, no warning).

``inspect`` explains a token without a server: every check of the contract, every problem, the
secret mistake that explains a bad signature (see ``verifier.inspection``, which holds the logic).

Exit codes: 0 success (``inspect``: no problem found and, given a secret, the signature verifies);
1 failure (``inspect``: at least one problem; ``token``: the secret could not be fetched; ``serve``:
could not start: port taken, database unusable, bad seed); 2 usage error (a flag, or a
``FERNDESK_VERIFIER_*`` twin, refused: one line naming it; a ``--secret-env`` variable unset or
empty).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import logging.config
import math
import os
import re
import socket
import sys
import time
import typing
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from verifier import keys
from verifier.clock import parse_isoformat
from verifier.settings import (
    CHECKS,
    ENV_PREFIX,
    LOG_LEVELS,
    SettingError,
    Settings,
    default,
    env_default,
    env_name,
    exported,
    resolve,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 1

DEMO = {"id": "demo", "name": "Demo help center", "domain": "localhost", "widget_id": "demo"}
PROG = "ferndesk-verifier"
# Connections that wait for a worker to accept them (uvicorn's default).
BACKLOG = 2048


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line that name the flag and point at ``--help``.

    An unknown ``--flag`` is named as such before anything else is checked: argparse would
    otherwise report a missing required argument, or "unrecognized arguments" from the parent
    parser, which reads as if the command were wrong."""

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None
                         ) -> tuple[argparse.Namespace, list[str]]:
        args = sys.argv[1:] if args is None else list(args)
        unknown = self._first_unknown_flag(args)
        if unknown is not None:
            self.error(f"unknown flag {unknown}")
        return super().parse_known_args(args, namespace)

    def _first_unknown_flag(self, args: Sequence[str]) -> str | None:
        for arg in args:
            if arg == "--":
                return None
            if not arg.startswith("--"):
                if self._subparsers is not None and not arg.startswith("-"):
                    return None  # the command: its own parser checks what follows
                continue
            name = arg.split("=", 1)[0]
            if not any(option.startswith(name) for option in self._option_string_actions):
                return name
        return None

    def error(self, message: str) -> typing.NoReturn:
        # "argument --port: must be ..." reads better as "--port must be ..."
        message = re.sub(r"^argument ([^:]+): ", r"\1 ", message)
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _checked(name: str) -> Any:
    """The argparse type of setting ``name``: the check its environment twin also passes."""
    check = CHECKS[name]

    def parse(text: str) -> Any:
        try:
            return check(text)
        except SettingError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = name
    return parse


def _serve_help(name: str, what: str, shown: object = None) -> str:
    """A serve flag's help: what it does, its default, its environment twin."""
    value = default(name) if shown is None else shown
    return f"{what} (default: {value}; env {env_name(name)})".replace("%", "%%")


_RAW = argparse.RawDescriptionHelpFormatter

_MAIN_EPILOG = """\
examples:
  ferndesk-verifier serve --demo
  TOKEN=$(ferndesk-verifier token --help-center demo --sub u-1 --email ada@acme.com)
  ferndesk-verifier inspect "$TOKEN" --secret-env FERNDESK_JWT_SECRET

Run `ferndesk-verifier COMMAND --help` for each command's flags and examples.
"""

_SERVE_EPILOG = """\
examples:
  ferndesk-verifier serve --demo
  ferndesk-verifier serve --port 9000 --seed seed.toml --admin-token dev-admin
  ferndesk-verifier serve --port 0 --workers 4      (any free port: the banner names it)
  FERNDESK_VERIFIER_DATABASE_URL=postgresql+psycopg://localhost/verifier ferndesk-verifier serve
"""

_TOKEN_EPILOG = f"""\
The JWT alone goes to stdout, so TOKEN=$(ferndesk-verifier token ...) works. It is signed with
HS256 exactly as identify verifies it; exp is now + --expires-in (now: the local clock, or
--now for the emulator's frozen clock).

examples:
  ferndesk-verifier token --secret-env FERNDESK_JWT_SECRET --sub u-1 --email ada@acme.com
  ferndesk-verifier token --help-center demo --sub u-1 --email ada@acme.com --name Ada \\
      --attr plan=pro --attr seats=3 --attr beta=true --expires-in 15m
  ferndesk-verifier token --secret-env S --sub u-1 --email ada@acme.com --expires-in=-10m
      (already expired: note the = before a negative duration)
  ferndesk-verifier token --secret-env S --sub u-1 --email ada@acme.com \\
      --omit sub --claim userId='"u-1"'      (the old userId mistake, on purpose)
  ferndesk-verifier token --secret-env S --sub u-1 --email ada@acme.com --claim sub=42

--help-center reads the secret from a running verifier: GET <server>/api/emulator/state with
the admin token ({ENV_PREFIX}URL and {ENV_PREFIX}ADMIN_TOKEN are the defaults).

exit codes: 0 token printed; 1 the secret could not be fetched (server unreachable, admin
token refused, unknown help center, no secret); 2 usage error.
"""

_INSPECT_EPILOG = """\
Checks everything identify checks, and reports every problem, not just the first: header
(alg exactly HS256), signature (with a secret; when it fails, the common secret mistakes are
tried: a trailing newline or space, quotes, the secret base64- or hex-decoded), exp, nbf/iat
(60 s leeway), sub, email, name, customAttributes. The secret is never printed.

examples:
  ferndesk-verifier inspect "$TOKEN"
  ferndesk-verifier inspect "$TOKEN" --secret-env FERNDESK_JWT_SECRET
  ferndesk-verifier inspect "$TOKEN" --secret-env S --now 2026-11-25T10:00:00Z --json
  echo "$TOKEN" | ferndesk-verifier inspect - --secret-env S

--json prints {"valid", "verdict", "checks": [{"name", "ok", "detail"}], "header", "claims",
"warnings": [{"code", "reason"}]}; a check's ok is true, false, or null (not checked, or
information only).

warnings: what identify accepts but will hurt in production, e.g. an exp in milliseconds
(expiry_in_milliseconds: the token never expires). Shown as WARN lines and in "warnings";
like identify's status, the exit code ignores them.

exit codes: 0 no problem found (and, with a secret, the signature verifies), warnings or not;
            1 at least one problem; 2 usage error.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG, formatter_class=_RAW, epilog=_MAIN_EPILOG,
        description="A local emulator of the Ferndesk help center's JWT identification.")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {importlib.metadata.version('ferndesk-verifier')}")
    commands = parser.add_subparsers(dest="command", required=True, title="commands",
                                     metavar="COMMAND")
    serve = commands.add_parser(
        "serve", help="run the verifier", formatter_class=_RAW, epilog=_SERVE_EPILOG,
        description="Run the verifier. Every flag can also be set as FERNDESK_VERIFIER_<FLAG>,\n"
                    "e.g. FERNDESK_VERIFIER_DATABASE_URL; a flag wins over its variable.")
    # Defaults are None: "not given", so that the environment twin applies (settings.resolve).
    serve.add_argument("--host", type=_checked("host"),
                       help=_serve_help("host", "the address to listen on"))
    serve.add_argument("--port", type=_checked("port"),
                       help=_serve_help("port", "the port to listen on, 0 for any free one "
                                                "(the banner prints the port it got)"))
    serve.add_argument("--database-url", type=_checked("database_url"),
                       help=_serve_help("database_url", "any SQLAlchemy URL: sqlite:///PATH or "
                                        "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE "
                                        "(postgres:// works too)"))
    serve.add_argument("--admin-token", type=_checked("admin_token"),
                       help=_serve_help("admin_token", "bearer token of the admin API",
                                        "generated on first start, kept in the database and "
                                        "printed at each start"))
    serve.add_argument("--seed", type=_checked("seed"),
                       help=_serve_help("seed", "JSON or TOML file of help centers, secrets and "
                                        "users to load", "none"))
    serve.add_argument("--workers", type=_checked("workers"),
                       help=_serve_help("workers", "worker processes serving requests"))
    serve.add_argument("--demo", action="store_true", default=None,
                       help=_serve_help("demo", "ensure a demo help center (domain localhost) "
                                        "and print its secret", "off"))
    serve.add_argument("--attempts-kept", type=_checked("attempts_kept"),
                       help=_serve_help("attempts_kept", "identify attempts kept per help "
                                                         "center"))
    serve.add_argument("--sessions-kept", type=_checked("sessions_kept"),
                       help=_serve_help("sessions_kept", "sessions kept per help center"))
    serve.add_argument("--messages-kept", type=_checked("messages_kept"),
                       help=_serve_help("messages_kept", "contact-form messages kept per help "
                                                         "center"))
    serve.add_argument("--body-timeout", type=_checked("body_timeout"), metavar="SECONDS",
                       help=_serve_help("body_timeout", "seconds a request's whole body may "
                                        "take to arrive (then 408 and the connection closes)"))
    serve.add_argument("--log-level", type=_checked("log_level"),
                       metavar="{" + ",".join(LOG_LEVELS) + "}",
                       help=_serve_help("log_level", "the server log's level"))
    serve.add_argument("--db-wait", type=_checked("db_wait"), metavar="SECONDS",
                       help=_serve_help("db_wait", "seconds to keep retrying a database server "
                                        "that refuses connections at start (a database that "
                                        "cannot be opened fails at once)"))
    _add_token_parser(commands)
    _add_inspect_parser(commands)
    return parser


def _add_secret_arguments(parser: argparse.ArgumentParser, required: bool) -> Any:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument("--secret", type=_secret_argument, metavar="S",
                       help="the help center's JWT secret (visible to other local users in the "
                            "process list: prefer --secret-env)")
    group.add_argument("--secret-env", type=_secret_from_environment, metavar="VAR",
                       help="read the secret from environment variable VAR, as is (not "
                            "stripped: a stray newline is a mistake worth catching)")
    return group


def _add_token_parser(commands: Any) -> None:
    token = commands.add_parser(
        "token", help="mint an identify JWT (prints it alone, for TOKEN=$(...))",
        formatter_class=_RAW, epilog=_TOKEN_EPILOG,
        description="Mint an HS256 identify JWT signed with a help center's secret.")
    secret = _add_secret_arguments(token, required=True)
    secret.add_argument("--help-center", metavar="ID",
                        help="fetch the secret of help center ID from a running verifier")
    token.add_argument("--server", metavar="URL",
                       default=env_default("url", "http://127.0.0.1:8765"),
                       help=f"the verifier for --help-center (env {ENV_PREFIX}URL; "
                            "default: %(default)s)")
    token.add_argument("--admin-token", metavar="T", default=env_default("admin_token"),
                       help=f"admin token for --help-center (env {ENV_PREFIX}ADMIN_TOKEN)")
    token.add_argument("--sub", required=True, help="the user's stable id")
    token.add_argument("--email", required=True, help="the user's email")
    token.add_argument("--name", help="the user's display name")
    token.add_argument("--attr", action="append", default=[], type=_attribute,
                       metavar="KEY=VALUE",
                       help="a customAttributes entry; VALUE is JSON when it parses (seats=3, "
                            "beta=true), else a string (plan=pro). Repeatable")
    expiry = token.add_mutually_exclusive_group()
    expiry.add_argument("--expires-in", type=_duration, default=3600, metavar="DURATION",
                        help="exp = now + DURATION: 90s, 15m, 1h, 2d or seconds (default 1h; "
                             "negative mints an expired token)")
    expiry.add_argument("--no-exp", action="store_true", help="mint a token without exp")
    token.add_argument("--claim", action="append", default=[], type=_claim,
                       metavar="KEY=JSON",
                       help="add or override any claim with a JSON value, applied after the "
                            "flags above (sub=42, userId='\"u-1\"'). Repeatable")
    token.add_argument("--omit", action="append", default=[], metavar="KEY",
                       help="leave claim KEY out (applied last). Repeatable")
    token.add_argument("--now", type=_instant, metavar="ISO",
                       help="the instant exp counts from (ISO-8601, e.g. the emulator's frozen "
                            "clock; default: the local clock)")


def _add_inspect_parser(commands: Any) -> None:
    inspect = commands.add_parser(
        "inspect", help="explain a JWT: every check identify makes, every problem",
        formatter_class=_RAW, epilog=_INSPECT_EPILOG,
        description="Explain an identify JWT as a checklist, without a server.")
    inspect.add_argument("jwt", metavar="JWT", help="the token, or - to read it from stdin")
    _add_secret_arguments(inspect, required=False)
    inspect.add_argument("--now", type=_instant, metavar="ISO",
                         help="check exp/nbf/iat at this instant (ISO-8601; default: the local "
                              "clock)")
    inspect.add_argument("--json", action="store_true",
                         help="print a machine-readable object instead of the checklist")


# -- argument types (argparse turns their ArgumentTypeError into a usage error, exit 2) --------

_DURATION = re.compile(r"(-?\d+)\s*([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(text: str) -> int:
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"expected a duration such as 90s, 15m, 1h, 2d or 3600, got {text!r}")
    return int(match[1]) * _UNIT_SECONDS[match[2]]


def _instant(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return parse_isoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO-8601 instant such as 2026-11-25T10:00:00Z, got {text!r}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400: JSON's grammar allows it, no token can carry it
        raise ValueError(f"{text} is too large for a JSON number")
    return value


def _json_value(text: str) -> Any:
    """Strict JSON: NaN and Infinity (which Python's json accepts) are refused, and so is a
    number too large to be finite (1e400)."""
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)


def _key_value(text: str, what: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return key, value


def _attribute(text: str) -> tuple[str, Any]:
    key, value = _key_value(text, "KEY=VALUE")
    try:
        return key, _json_value(value)
    except ValueError:
        return key, value


def _claim(text: str) -> tuple[str, Any]:
    key, value = _key_value(text, "KEY=JSON")
    try:
        return key, _json_value(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the value of {key} must be JSON, got {value!r}; quote strings: "
            f"{key}='\"{value}\"'") from None


def _secret_argument(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("the secret is empty")
    return text


def _secret_from_environment(name: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise argparse.ArgumentTypeError(f"environment variable {name} is not set")
    if not value:
        raise argparse.ArgumentTypeError(f"environment variable {name} is empty")
    return value


def serve(args: argparse.Namespace) -> int:
    """Check every setting, bind the port, prepare the database once, print the banner (true
    by then), then run uvicorn on the bound socket."""
    try:
        settings = resolve({name: getattr(args, name) for name in CHECKS})
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
            admin_token = _prepare_database(settings)
        except _StartError as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return EXIT_FAILED
        settings = dataclasses.replace(settings, admin_token=admin_token,
                                       port=listener.getsockname()[1])
        base = base_url(listener, settings.host)
        from verifier.db import safe_url

        print(f"ferndesk-verifier on {base} (database {safe_url(settings.database_url)})")
        print(f"dashboard: {base}/ui/ (sign in with the admin token); API docs: {base}/docs")
        if generated:
            print(f"admin token (generated on first start, kept in the database): "
                  f"{admin_token}")
        sys.stdout.flush()
        return _run_uvicorn(settings, listener)


class _StartError(Exception):
    """The server cannot start; the message is the one line to print (exit 1)."""


def _prepare_database(settings: Settings) -> str:
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
                _print_demo(engine)
            return settings.admin_token or kept_admin_token(engine, keys.generate_admin_token)
        finally:
            engine.dispose()
    except (DatabaseUrlError, DatabaseUnavailable, SeedError, OSError) as exc:
        raise _StartError(str(exc)) from None
    except sa.exc.DBAPIError as exc:  # e.g. a login that may create nothing (no privilege)
        cause = str(exc.orig).strip().splitlines()[0][:200] if str(exc.orig).strip() else ""
        raise _StartError(f"the database {safe_url(settings.database_url)} failed at start: "
                          f"{type(exc.orig).__name__}: {cause}") from None


def _run_uvicorn(settings: Settings, listener: socket.socket) -> int:
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


def _print_demo(engine: Engine) -> None:
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


# -- token ------------------------------------------------------------------------------------


class CommandError(Exception):
    """A failure to report as one line on stderr, exit code 1."""


def token(args: argparse.Namespace) -> int:
    try:
        secret = args.secret or args.secret_env or _fetch_secret(
            args.server, args.admin_token, args.help_center)
    except CommandError as exc:
        print(f"ferndesk-verifier: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if secret != secret.strip():
        print("ferndesk-verifier: warning: the secret has leading or trailing whitespace; the "
              "token is signed with it as is", file=sys.stderr)
    now = time.time() if args.now is None else args.now
    claims = token_claims(sub=args.sub, email=args.email, name=args.name,
                          attributes=args.attr, exp=None if args.no_exp else now + args.expires_in,
                          overrides=args.claim, omit=args.omit)
    # The one minting function (verifier.signing): keyed exactly as identify verifies.
    from verifier.tokens import mint

    print(mint(claims, secret))
    return EXIT_OK


def token_claims(*, sub: str, email: str, name: str | None, attributes: Sequence[tuple[str, Any]],
                 exp: float | None, overrides: Sequence[tuple[str, Any]],
                 omit: Sequence[str]) -> dict[str, Any]:
    """The claim set ``token`` signs: the flags, then ``--claim`` overrides, then ``--omit``."""
    claims: dict[str, Any] = {"sub": sub, "email": email}
    if name is not None:
        claims["name"] = name
    if attributes:
        claims["customAttributes"] = dict(attributes)
    if exp is not None:
        claims["exp"] = int(exp)
    claims.update(overrides)
    for key in omit:
        claims.pop(key, None)
    return claims


def _fetch_secret(server: str, admin_token: str | None, help_center: str) -> str:
    """The help center's secret, from a running verifier's ``GET /api/emulator/state``."""
    from verifier.client import Unreachable, VerifierClient

    try:
        client = VerifierClient(server, admin_token, timeout=10)
    except ValueError:
        raise CommandError(f"--server must be an http:// or https:// URL, got {server!r}"
                           ) from None
    url = client.url + "/api/emulator/state"
    try:
        answer = client.request("GET", "/api/emulator/state")
    except Unreachable as exc:
        raise CommandError(f"cannot reach the verifier at {server}: {exc.reason} (is "
                           f"`ferndesk-verifier serve` running there? set --server or "
                           f"{ENV_PREFIX}URL)") from None
    if answer.status != 200:
        raise CommandError(_http_failure(answer.status, url, admin_token))
    return _secret_in_state(answer.json, url, help_center)


def _http_failure(status: int, url: str, admin_token: str | None) -> str:
    if status == 401:
        if not admin_token:
            return (f"{url} needs the admin token: pass --admin-token or set "
                    f"{ENV_PREFIX}ADMIN_TOKEN")
        return (f"{url} refused the admin token (401): check --admin-token or "
                f"{ENV_PREFIX}ADMIN_TOKEN")
    if status == 404:
        return (f"{url} does not exist (404): this verifier is too old for --help-center; use "
                "--secret-env instead")
    return f"{url} answered HTTP {status}"


def _secret_in_state(state: Any, url: str, help_center: str) -> str:
    from verifier.tokens import NOT_CONFIGURED_REASON

    if state is None or isinstance(state, str):  # an empty body, or text that is not JSON
        raise CommandError(f"{url} did not answer JSON")
    centers = state.get("help_centers") if isinstance(state, dict) else None
    if not isinstance(centers, list):
        raise CommandError(f"{url} answered without a help_centers list")
    entries = [entry for entry in centers if isinstance(entry, dict)]
    found = next((entry for entry in entries if entry.get("id") == help_center), None)
    if found is None:
        known = ", ".join(str(entry.get("id")) for entry in entries) or "none"
        raise CommandError(f"no help center {help_center!r} on this verifier (known: {known})")
    secret = found.get("jwt_secret")
    if not secret or not isinstance(secret, str):
        reason = NOT_CONFIGURED_REASON.replace("{id}", help_center)
        raise CommandError(f"help center {help_center!r}: {reason}")
    return secret


# -- inspect ----------------------------------------------------------------------------------


def inspect(args: argparse.Namespace) -> int:
    from verifier.inspection import as_json, inspect_token, render

    jwt = sys.stdin.read().rstrip("\r\n") if args.jwt == "-" else args.jwt
    now = time.time() if args.now is None else args.now
    result = inspect_token(jwt, args.secret or args.secret_env, now)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    print(json.dumps(as_json(result), indent=2) if args.json else render(result))
    return EXIT_OK if result.valid else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "token":
            return token(args)
        if args.command == "inspect":
            return inspect(args)
    except BrokenPipeError:
        # `inspect ... | head`: the reader has gone, so there is nobody to tell. Point stdout at
        # /dev/null so the interpreter's own final flush cannot print a traceback either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    return EXIT_USAGE
