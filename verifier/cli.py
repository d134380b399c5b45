"""The ``ferndesk-verifier`` command line: the parser (every flag, its help and examples) and
``main``, which dispatches to the command's module. What each command does lives beside it:

- ``serve``, the front door: ``verifier.serving`` (settings, port, database, banner, uvicorn);
  its flags, shared with ``exec``: ``verifier.serve_flags``;
- ``exec``, a command run against a fresh server of its own: ``verifier.exec_command``;
- ``token`` and ``inspect``, the two tools an integrator reaches for while wiring identify up:
  ``verifier.token_commands``;
- the flags' argument types: ``verifier.arguments`` (a serve flag is checked exactly as its
  ``FERNDESK_VERIFIER_*`` twin, by ``settings.py``);
- the exit codes (0 success, 1 failure, 2 usage error) and what each means per command:
  ``verifier.exit_codes``.

A usage error is one line that names the flag and points at ``--help`` (``CommandLineParser``).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import sys
import typing
from collections.abc import Sequence
from typing import Any

from verifier import exec_command, serving, token_commands
from verifier.arguments import (
    attribute,
    claim,
    duration,
    instant,
    secret_argument,
    secret_from_environment,
)
from verifier.exit_codes import EXIT_FAILED, EXIT_USAGE, PROG
from verifier.serve_flags import add_serve_arguments
from verifier.settings import ENV_PREFIX, env_default

__all__ = ["build_parser", "main"]


class CommandLineParser(argparse.ArgumentParser):
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


_RAW = argparse.RawDescriptionHelpFormatter

_MAIN_EPILOG = """\
examples:
  ferndesk-verifier serve --demo
  ferndesk-verifier exec --seed ci/seed.json -- npm test
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

_READY, _SHOWN = exec_command.READY_SECONDS, exec_command.LOG_LINES_SHOWN
_EXEC_EPILOG = f"""\
exec binds the port itself and holds it to the end, prepares the database (migrations, --seed,
--demo), starts the server on that socket and waits for its /healthz (at most {_READY} s). If any
step fails (a taken port, a bad seed, a database that cannot be opened), COMMAND never runs:
one line on stderr, exit 1. COMMAND never runs against a server exec did not start. A flag's
FERNDESK_VERIFIER_* twin counts as given.

COMMAND's environment gets:
  FERNDESK_VERIFIER_URL          this server, http://HOST:PORT
  FERNDESK_VERIFIER_ADMIN_TOKEN  its admin token
  FERNDESK_JWT_SECRET            when exactly one seeded help center (--seed, --demo) has a
  FERNDESK_WIDGET_ID             secret: that secret and that help center's widget id

log: the server's goes to a temporary file, shown on stderr (at most its last {_SHOWN}
lines) when COMMAND fails or the server cannot start. exec itself writes to stderr only:
COMMAND's stdout is COMMAND's alone.

signals: SIGTERM, SIGINT and SIGHUP are passed on to COMMAND (not a Ctrl-C typed in the
terminal, which reached COMMAND already); exec waits for COMMAND, then stops the server. The
server also stops if exec is killed.

exit status: COMMAND's; 128+N if COMMAND was killed by signal N (the shell's convention: 137
SIGKILL, 143 SIGTERM); 127 COMMAND not found; 126 COMMAND cannot be run; 1 the server could not
start (COMMAND never ran); 2 usage error. The server is stopped in every case.

examples:
  ferndesk-verifier exec --seed ci/seed.json -- npm test
  ferndesk-verifier exec --demo -- sh -c 'curl -s "$FERNDESK_VERIFIER_URL/healthz"'
  ferndesk-verifier exec --workers 4 --server-log verifier.log \\
      --database-url postgresql+psycopg://ci:ci@localhost/ci -- pytest -x
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

warnings: what identify accepts but will hurt in production, as its 200 answers them: no exp
(no_expiry), exp more than 24 h ahead (long_expiry) or in milliseconds (expiry_in_milliseconds:
the token never expires), a near miss of a claim name such as custom_attributes
(unknown_claim), an attribute value user-group rules cannot match (unmatchable_attribute).
Shown as WARN lines and in "warnings"; like identify's status, the exit code ignores them.

exit codes: 0 no problem found (and, with a secret, the signature verifies), warnings or not;
            1 at least one problem; 2 usage error.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = CommandLineParser(
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
    add_serve_arguments(serve)
    _add_exec_parser(commands)
    _add_token_parser(commands)
    _add_inspect_parser(commands)
    return parser


def _add_exec_parser(commands: Any) -> None:
    run = commands.add_parser(
        "exec", help="run a command against a fresh verifier, then stop it",
        usage=exec_command.USAGE, formatter_class=_RAW, epilog=_EXEC_EPILOG,
        description="Run COMMAND against a fresh verifier of its own, stopped after; exit with\n"
                    "COMMAND's status. Every serve flag works here too.")
    add_serve_arguments(run, {
        "port": "0, any free port", "admin_token": "a random one, new each run",
        "database_url": "a throw-away SQLite file in a temporary directory, deleted after"})
    run.add_argument("--server-log", metavar="FILE",
                     help="write the server's log to FILE (kept), or - to stderr as it comes "
                          "(default: a temporary file, shown when COMMAND fails)")
    # Words before --: a COMMAND without its --, named as such by ``exec_command.run``.
    run.add_argument("stray", nargs="*", help=argparse.SUPPRESS)


def _add_secret_arguments(parser: argparse.ArgumentParser, required: bool) -> Any:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument("--secret", type=secret_argument, metavar="S",
                       help="the help center's JWT secret (visible to other local users in the "
                            "process list: prefer --secret-env)")
    group.add_argument("--secret-env", type=secret_from_environment, metavar="VAR",
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
    token.add_argument("--attr", action="append", default=[], type=attribute,
                       metavar="KEY=VALUE",
                       help="a customAttributes entry; VALUE is JSON when it parses (seats=3, "
                            "beta=true), else a string (plan=pro). Repeatable")
    expiry = token.add_mutually_exclusive_group()
    expiry.add_argument("--expires-in", type=duration, default=3600, metavar="DURATION",
                        help="exp = now + DURATION: 90s, 15m, 1h, 2d or seconds (default 1h; "
                             "negative mints an expired token)")
    expiry.add_argument("--no-exp", action="store_true", help="mint a token without exp")
    token.add_argument("--claim", action="append", default=[], type=claim,
                       metavar="KEY=JSON",
                       help="add or override any claim with a JSON value, applied after the "
                            "flags above (sub=42, userId='\"u-1\"'). Repeatable")
    token.add_argument("--omit", action="append", default=[], metavar="KEY",
                       help="leave claim KEY out (applied last). Repeatable")
    token.add_argument("--now", type=instant, metavar="ISO",
                       help="the instant exp counts from (ISO-8601, e.g. the emulator's frozen "
                            "clock; default: the local clock)")


def _add_inspect_parser(commands: Any) -> None:
    inspect = commands.add_parser(
        "inspect", help="explain a JWT: every check identify makes, every problem",
        formatter_class=_RAW, epilog=_INSPECT_EPILOG,
        description="Explain an identify JWT as a checklist, without a server.")
    inspect.add_argument("jwt", metavar="JWT", help="the token, or - to read it from stdin")
    _add_secret_arguments(inspect, required=False)
    inspect.add_argument("--now", type=instant, metavar="ISO",
                         help="check exp/nbf/iat at this instant (ISO-8601; default: the local "
                              "clock)")
    inspect.add_argument("--json", action="store_true",
                         help="print a machine-readable object instead of the checklist")


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    command: list[str] = []
    if words[:1] == ["exec"] and "--" in words:  # COMMAND's words are never ours to parse
        cut = words.index("--")
        words, command = words[:cut], words[cut + 1:]
    args = build_parser().parse_args(words)
    try:
        if args.command == "serve":
            return serving.serve(args)
        if args.command == "exec":
            return exec_command.run(args, command)
        if args.command == "token":
            return token_commands.token(args)
        if args.command == "inspect":
            return token_commands.inspect(args)
    except BrokenPipeError:
        # `inspect ... | head`: the reader has gone, so there is nobody to tell. Point stdout at
        # /dev/null so the interpreter's own final flush cannot print a traceback either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    return EXIT_USAGE
