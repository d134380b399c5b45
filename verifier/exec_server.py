"""The server half of ``exec``: a child process that serves on the socket ``exec`` bound, and
the three things ``exec`` does with it (start it, wait until it is ready, stop it).

Why a child process on an inherited socket: ``exec`` holds the listening socket from before the
server starts until after it has stopped, so no other program can listen on that port
meanwhile, and a ``/healthz`` answer there can only come from this child. Why a child at all:
uvicorn installs its own signal handlers and, with ``--workers``, a supervisor of its own; in a
process of its own (and a session of its own, out of reach of the terminal's Ctrl-C) it is
stopped with one SIGTERM once COMMAND is done. The child dies with ``exec`` (Linux's parent-death
signal), so even a SIGKILLed ``exec`` leaves no server behind.

The child is ``python -m verifier.exec_server FD PARENT_PID``: its settings come through the
``FERNDESK_VERIFIER_*`` environment, as a ``--workers`` worker's do, and the database is ready
(``exec`` prepared it), so it only runs uvicorn (``serving.run_uvicorn``).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging.config
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import IO

from verifier.client import Unreachable, VerifierClient
from verifier.serving import StartError, run_uvicorn
from verifier.settings import ENV_PREFIX, Settings, exported

__all__ = ["STOP_SECONDS", "main", "start", "stop", "wait_ready"]

STOP_SECONDS = 15  # uvicorn's graceful shutdown takes at most 5 s (serving.run_uvicorn)
_PR_SET_PDEATHSIG = 1


def start(settings: Settings, listener: socket.socket, log: IO[str]) -> subprocess.Popen[bytes]:
    """The server, as a child serving ``settings`` on ``listener``, its output to ``log``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env.update(exported(settings))
    return subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "verifier.exec_server", str(listener.fileno()), str(os.getpid())],
        pass_fds=[listener.fileno()], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        env=env, start_new_session=True)


def wait_ready(url: str, server: subprocess.Popen[bytes], seconds: float,
               check: Callable[[], None]) -> None:
    """Return once ``url/healthz`` answers ``{"status": "ok"}``; raise ``StartError`` if the
    server exits first or is not ready in ``seconds``. ``check`` is called between attempts
    (it raises to give up: a signal arrived)."""
    client = VerifierClient(url, timeout=2)  # loopback: straight there, whatever the proxy
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        check()
        if server.poll() is not None:
            raise StartError(f"the server exited before it was ready "
                             f"(exit status {server.returncode})")
        with contextlib.suppress(Unreachable):  # not accepting yet
            answer = client.request("GET", "/healthz", admin=False)
            if answer.status == 200 and answer.json == {"status": "ok"}:
                return
        time.sleep(0.05)
    raise StartError(f"the server was not ready in {seconds:g} s")


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server gracefully (SIGTERM; uvicorn stops its workers), or kill its whole
    process group if it takes longer than ``STOP_SECONDS``."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=STOP_SECONDS)
            return
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)  # its session is its own: start_new_session
    server.wait()


def _die_with(parent: int) -> None:
    """Ask Linux for SIGTERM when ``parent`` dies; elsewhere (or without libc) do without."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before we asked
        raise SystemExit(1)


def main(argv: Sequence[str] | None = None) -> int:
    """The child: serve on the inherited socket with the settings in the environment."""
    fd, parent = (int(word) for word in (sys.argv[1:] if argv is None else argv))
    _die_with(parent)
    from verifier.logs import logging_config

    settings = Settings.from_env()
    logging.config.dictConfig(logging_config(settings.log_level))
    return run_uvicorn(settings, socket.socket(fileno=fd))


if __name__ == "__main__":
    raise SystemExit(main())
