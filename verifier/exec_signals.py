"""The signals ``exec`` receives, passed on to its COMMAND as a shell's ``exec`` would let them
arrive, so that stopping ``exec`` stops COMMAND first and the server after it.

- Before COMMAND starts, a signal ends the start-up (``Interrupted``): at once while the
  database is being prepared (which may wait ``--db-wait`` seconds for a database server), at
  the next check while the server is starting (raising inside ``subprocess.Popen`` could lose
  track of a child just created).
- While COMMAND runs, a signal is sent on to it, and ``exec`` goes on waiting for COMMAND's
  status. A Ctrl-C typed in the terminal is the exception: the terminal sends SIGINT to its
  whole foreground process group, COMMAND included, so sending it again would be a second
  Ctrl-C (which many test runners read as "abort now, skip the clean-up").
- A signal ``exec`` was started ignoring (``nohup``'s SIGHUP, SIGINT in a non-interactive
  shell's background job) stays ignored, by ``exec`` and by COMMAND, as a shell leaves it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from types import FrameType, TracebackType

__all__ = ["RELAYED", "Interrupted", "SignalRelay"]

RELAYED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(Exception):
    """A relayed signal arrived before COMMAND started; ``signum`` is the first one."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class SignalRelay:
    """Catches ``RELAYED`` while entered, and sends each one on to COMMAND once it runs."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self.command: subprocess.Popen[bytes] | None = None
        self._interruptible = False
        self._saved: dict[int, object] = {}

    def __enter__(self) -> SignalRelay:
        for signum in RELAYED:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                self._saved[signum] = signal.signal(signum, self._receive)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """Within this block a signal raises ``Interrupted`` at once."""
        self.check()
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False

    def check(self) -> None:
        """Raise ``Interrupted`` if a signal has arrived (and COMMAND is not running)."""
        if self.received and self.command is None:
            raise Interrupted(self.received[0])

    def start(self, command: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        """Start COMMAND (``OSError`` if it cannot be), then send it what arrived meanwhile."""
        self.check()
        before = len(self.received)
        # The user's own command line, run as a shell would: what exec is for.
        self.command = subprocess.Popen(list(command), env=dict(env))  # noqa: S603
        for signum in self.received[before:]:
            self._send(signum)
        return self.command

    def _receive(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if self.command is not None:
            self._send(signum)
        elif self._interruptible:
            raise Interrupted(signum)

    def _send(self, signum: int) -> None:
        assert self.command is not None
        if signum == signal.SIGINT and _terminal_sent_it():
            return
        with contextlib.suppress(ProcessLookupError):
            if self.command.poll() is None:
                self.command.send_signal(signum)


def _terminal_sent_it() -> bool:
    """Whether a SIGINT most likely came from our terminal: ``exec``'s process group (which
    COMMAND shares) is that terminal's foreground group."""
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp():
                return True
    return False
