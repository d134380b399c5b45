"""``ferndesk-verifier exec [serve flags] -- COMMAND``: COMMAND run against a verifier of its
own, started fresh before it and stopped after it, whatever happens to COMMAND.

What matters most is that COMMAND never talks to a server ``exec`` did not start (a
developer's own server on 8765, whose state a test would reset). So ``exec`` binds the port
first and holds it to the end, and the server is a child serving on that very socket
(``exec_server``): a ``/healthz`` answer there can only be ours.

The steps, any of which ends the run before COMMAND starts (exit 1, one line on stderr, the
server log after it): bind the port; prepare the database here (``serving.prepare_database``:
migrations, ``--seed``, ``--demo``; what it prints goes to the server log, so that COMMAND's
stdout stays COMMAND's); start the server; wait until it is healthy. Then COMMAND runs with
``command_environment``, signals sent to ``exec`` reach it (``exec_signals``), and the server is
stopped and the temporary directory (throw-away database, log) removed in every case.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import shlex
import shutil
import socket
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from verifier import exec_server, keys
from verifier.exec_signals import Interrupted, SignalRelay
from verifier.exit_codes import (
    EXIT_CANNOT_RUN,
    EXIT_FAILED,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    PROG,
    SIGNAL_BASE,
)
from verifier.listening import ListenError, listen
from verifier.serving import BACKLOG, DEMO, StartError, prepare_database
from verifier.settings import CHECKS, SettingError, Settings, env_default, resolve

__all__ = ["LOG_LINES_SHOWN", "READY_SECONDS", "USAGE", "command_environment", "run"]

USAGE = f"{PROG} exec [serve flags] -- COMMAND [ARGS...]"
READY_SECONDS = 120  # a 4-worker server on a busy 2-core CI machine takes 20 s and more
LOG_LINES_SHOWN = 200
_SAY = f"{PROG} exec:"
# What COMMAND is given when one seeded help center has a secret.
SECRET_VARIABLE, WIDGET_VARIABLE = "FERNDESK_JWT_SECRET", "FERNDESK_WIDGET_ID"


def run(args: argparse.Namespace, command: Sequence[str]) -> int:
    """Run COMMAND against a fresh server; return COMMAND's exit status in the shell's terms
    (``exit_codes``), 1 if the server could not start, 2 for a refused setting.

    ``command`` is what followed ``--``; words before it (``args.stray``) are a COMMAND whose
    ``--`` was forgotten, refused rather than guessed at (``exec --seed s.json pytest -x``
    would read ``-x`` as exec's)."""
    if args.stray or not command:
        print(f"{_SAY} exec needs -- before COMMAND: {USAGE} (see {PROG} exec --help)",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        workdir = Path(tempfile.mkdtemp(prefix="ferndesk-verifier-exec-"))
    except OSError as exc:
        print(f"{_SAY} cannot make a temporary directory: {exc}; COMMAND not run",
              file=sys.stderr)
        return EXIT_FAILED
    try:
        try:
            settings = _settings(args, workdir)
        except SettingError as exc:
            print(f"{_SAY} {exc} (see {PROG} exec --help)", file=sys.stderr)
            return EXIT_USAGE
        log_path = args.server_log or str(workdir / "server.log")
        try:
            log_file = _open_log(log_path)
        except OSError as exc:
            print(f"{_SAY} --server-log {log_path}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
        with SignalRelay() as relay, log_file as log:
            status = _run(settings, command, relay, log)
        if status != 0 and log_path != "-":
            _show_log(log_path)
        return status
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(settings: Settings, command: Sequence[str], relay: SignalRelay, log: IO[str]) -> int:
    try:
        listener = listen(settings.host, settings.port, BACKLOG)
    except ListenError as exc:
        print(f"{_SAY} {exc}; COMMAND not run", file=sys.stderr)
        return EXIT_FAILED
    with listener:
        server = None
        try:
            with relay.interruptible(), contextlib.redirect_stdout(log):
                prepare_database(settings)
                secret = _seeded_secret(settings)
            log.flush()
            server = exec_server.start(settings, listener, log)
            url = _url(listener)
            exec_server.wait_ready(url, server, READY_SECONDS, relay.check)
            from verifier.db import safe_url

            print(f"{_SAY} verifier on {url} (database {safe_url(settings.database_url)}); "
                  f"running {shlex.join(command)}", file=sys.stderr, flush=True)
            return _run_command(command, command_environment(url, settings, secret), relay)
        except StartError as exc:
            print(f"{_SAY} {exc}; COMMAND not run", file=sys.stderr)
            return EXIT_FAILED
        except Interrupted as exc:
            print(f"{_SAY} {exc} before COMMAND started; COMMAND not run", file=sys.stderr)
            return SIGNAL_BASE + exc.signum
        finally:
            if server is not None:
                died = server.poll()
                exec_server.stop(server)
                if died is not None and relay.command is not None:
                    print(f"{_SAY} the server stopped on its own while COMMAND ran (exit "
                          f"status {died})", file=sys.stderr)


def _run_command(command: Sequence[str], env: Mapping[str, str], relay: SignalRelay) -> int:
    try:
        process = relay.start(command, env)
    except FileNotFoundError:
        print(f"{_SAY} {command[0]}: command not found", file=sys.stderr)
        return EXIT_NOT_FOUND
    except OSError as exc:  # not executable, a directory, ...
        print(f"{_SAY} {command[0]}: cannot run: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    status = process.wait()
    return SIGNAL_BASE - status if status < 0 else status


def command_environment(url: str, settings: Settings,
                        secret: tuple[str, str] | None) -> dict[str, str]:
    """COMMAND's environment: ours, with the server's address and admin token, and the one
    seeded help center's secret and widget id when there is exactly one (``secret``)."""
    env = dict(os.environ)
    env["FERNDESK_VERIFIER_URL"] = url
    env["FERNDESK_VERIFIER_ADMIN_TOKEN"] = settings.admin_token or ""
    if secret is not None:
        env[SECRET_VARIABLE], env[WIDGET_VARIABLE] = secret
    return env


def _settings(args: argparse.Namespace, workdir: Path) -> Settings:
    """The serve flags' settings, with exec's own defaults where neither a flag nor its
    environment twin is given: any free port, a throw-away database, a random admin token
    (given explicitly, so that it is known here and not taken from a kept database)."""
    given = {name: getattr(args, name) for name in CHECKS}
    own = {"port": 0, "database_url": f"sqlite:///{workdir / 'verifier.db'}",
           "admin_token": keys.generate_admin_token()}
    for name, value in own.items():
        if given[name] is None and not env_default(name):
            given[name] = value
    return resolve(given)


def _seeded_secret(settings: Settings) -> tuple[str, str] | None:
    """(secret, widget id) of the one help center the seed or ``--demo`` loaded that has a
    secret; None when none has, or several have (which one would a test mean?)."""
    import sqlalchemy as sa

    from verifier.db import create_engine
    from verifier.models import help_centers
    from verifier.seeding import read_seed

    ids = [entry["id"] for entry in read_seed(settings.seed)["help_centers"]] \
        if settings.seed else []
    ids += [DEMO["id"]] if settings.demo else []
    if not ids:
        return None
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(help_centers.c.jwt_secret, help_centers.c.widget_id)
                                .where(help_centers.c.id.in_(ids),
                                       help_centers.c.jwt_secret.is_not(None))).all()
    finally:
        engine.dispose()
    return (rows[0].jwt_secret, rows[0].widget_id) if len(rows) == 1 else None


def _url(listener: socket.socket) -> str:
    """The address COMMAND is given: the very one bound (a name such as ``localhost`` could
    resolve elsewhere first), a wildcard one replaced by the loopback of its family."""
    host, port = listener.getsockname()[:2]
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _open_log(path: str) -> contextlib.AbstractContextManager[IO[str]]:
    """The server log, opened now (``OSError`` if it cannot be); ``-`` is our stderr."""
    if path == "-":
        return contextlib.nullcontext(sys.stderr)
    return open(path, "w", encoding="utf-8")


def _show_log(path: str) -> None:
    """The server log's last ``LOG_LINES_SHOWN`` lines, on stderr."""
    with contextlib.suppress(OSError), open(path, encoding="utf-8", errors="replace") as log:
        lines = collections.deque(log, maxlen=LOG_LINES_SHOWN + 1)
        if not lines:
            return
        cut = len(lines) > LOG_LINES_SHOWN
        if cut:
            lines.popleft()
        print(f"--- ferndesk-verifier server log ({path}"
              f"{f', its last {LOG_LINES_SHOWN} lines' if cut else ''}) ---", file=sys.stderr)
        sys.stderr.writelines(lines)
        print("--- end of the server log ---", file=sys.stderr)
