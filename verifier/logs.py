"""How the server logs: one configuration for the ``serve`` process and every worker, written
by a thread so that the event loop never formats or writes a line.

``--workers N`` starts its workers with ``spawn``: fresh interpreters that inherit no logging
set-up, so a ``logging.basicConfig`` in the parent leaves them with none and their INFO lines
(``identify widget=... outcome=...``) vanish. Uvicorn re-applies its ``log_config`` in each
worker; handing it this dictionary makes every worker log exactly as a single process does.

Why a thread, and why not the stdlib's ``QueueHandler``/``QueueListener`` as they come: every
identify logs one line, and writing it on the loop (find the caller's frame, format, one
``write`` per line, ``flush``) was about a tenth of an identify. A plain ``QueueHandler`` still
formats on the loop (its ``prepare``), its ``queue.Queue`` takes Python-level locks, and the
listener wakes (and takes the GIL) once per line to write and flush that line alone: it measured
no better. Here the loop only makes the record and appends it to a ``SimpleQueue`` (C, lock-free
for the caller); the writer thread wakes at most every ``BATCH_SECONDS``, formats everything
queued since, and writes it with one ``write`` per stream. Records whose arguments could change
after the call (anything but str, int, float, bool, None, bytes) are formatted at once, so a
line says what was true when it was logged. Records also skip what no format here prints (the
caller's file and line, thread and process names): the logging HOWTO's "Optimization" switches.

Every line is still written, in the order it was logged (one queue for all of this process's
handlers, uvicorn's included): ``flush()`` waits for the queue, and the writer is drained at
exit and before the process dies of the SIGTERM uvicorn re-raises after its graceful shutdown
(it restores the default action, which would skip ``atexit``), and, in a ``--workers`` child,
by multiprocessing's exit finalizers (a child ends with ``os._exit``, which skips ``atexit``).
Only SIGKILL or another ``os._exit`` can lose the lines of the last ``BATCH_SECONDS``.

Identify's own line goes further (``log_quickly``): making its ``LogRecord`` and formatting it
was about a twelfth of an identify at the default level, and making it on the thread instead
saved nothing (under the GIL, every thread's work is the loop's cost). So when every handler
the line would reach is a ``ThreadWrittenHandler`` printing ``FORMAT``, no record is made: the
loop formats the line in one step and queues its text, which keeps its place in the queue like
every other line. Otherwise (a test's capture handler, a filter) it is logged the ordinary way.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import logging
import multiprocessing.util
import os
import queue
import signal
import threading
import time
from types import FrameType
from typing import IO, Any

FORMAT = "%(levelname)s %(name)s %(message)s"
BATCH_SECONDS = 0.02
HANDLER = "verifier.logs.ThreadWrittenHandler"
# Values a line formatted later prints exactly as it would have at the call.
_UNCHANGING = frozenset({str, int, float, bool, type(None), bytes})
# What the writer's queue holds besides its markers: a handler and its record, or the line
# ``log_quickly`` made for it.
_Item = tuple["ThreadWrittenHandler", "logging.LogRecord | str"]


def logging_config(level: str) -> dict[str, Any]:
    """Uvicorn's own loggers as uvicorn sets them up, and ours (the root logger) in ``FORMAT``
    at ``level`` on stderr; Alembic's per-migration chatter only from WARNING. Every handler
    is written by this process's writer thread."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    for handler in config["handlers"].values():
        handler["class"] = HANDLER
    config["formatters"]["verifier"] = {"format": FORMAT}
    config["handlers"]["verifier"] = {"class": HANDLER, "formatter": "verifier",
                                      "stream": "ext://sys.stderr"}
    config["root"] = {"handlers": ["verifier"], "level": level.upper()}
    config["loggers"]["alembic"] = {"level": "WARNING"}
    return config


class ThreadWrittenHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A ``StreamHandler`` whose records are formatted and written by the process's writer
    thread; once that has stopped (at exit), it writes at once, as a ``StreamHandler`` does."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        super().__init__(stream)
        _lean_records()
        # Started now, while configuring: a ``--workers`` child configures logging before
        # uvicorn captures its signals, so the drain before SIGTERM's default death is set up.
        _writer()

    def handle(self, record: logging.LogRecord) -> bool:  # type: ignore[override]
        """Queue the record; no handler lock (the queue is thread-safe, the writer is one)."""
        if not self.filter(record):
            return False
        if (record.args and not _unchanging(record.args)) or type(record.msg) is not str:
            # A bad format raises here: leave it to the writer, which reports it as emit() does.
            with contextlib.suppress(Exception):
                record.msg, record.args = record.getMessage(), None
        if not _writer().put(self, record):
            super().handle(record)
        return True

    def flush(self) -> None:
        """Wait until every record queued so far is written, then flush the stream."""
        _writer().wait_written()
        super().flush()


def log_quickly(logger: logging.Logger, level: int, msg: str, *args: object) -> None:
    """``logger.log(level, msg, *args)``; when every handler the line reaches is written by the
    thread in ``FORMAT``, the line is made here at once and queued as text (module docstring)."""
    if not logger.isEnabledFor(level):
        return
    writer = _process_writer
    handlers = _plain_route(logger, level)
    if writer is not None and handlers:
        try:
            text = f"{logging.getLevelName(level)} {logger.name} {msg % args}\n"
        except Exception:  # a bad format: the ordinary way reports it
            text = None
        if text is not None and writer.put_lines(handlers, text):
            return
    logger.log(level, msg, *args)


def _plain_route(logger: logging.Logger, level: int) -> list[ThreadWrittenHandler]:
    """The handlers a record of ``logger`` at ``level`` would be given, if each of them is a
    ``ThreadWrittenHandler`` printing ``FORMAT`` (or none) and nothing on the way filters: then
    the line is the same made without a record. Else (a capture handler, a filter) []."""
    route: list[ThreadWrittenHandler] = []
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters or current.disabled:
            return []
        for handler in current.handlers:
            if level < handler.level:
                continue
            if (type(handler) is not ThreadWrittenHandler or handler.filters
                    or type(handler.formatter) is not logging.Formatter
                    or handler.formatter._fmt != FORMAT or handler.terminator != "\n"):
                return []
            route.append(handler)
        current = current.parent if current.propagate else None
    return route


class _Writer:
    """This process's writer thread and its queue of ``(handler, record)``."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.RLock()  # reentrant: a signal may stop us inside put()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="log-writer", daemon=True)
        self._thread.start()

    def put(self, handler: ThreadWrittenHandler, record: logging.LogRecord) -> bool:
        """Queue a record; False once stopped (the caller then writes it itself)."""
        with self._lock:
            if self._stopped:
                return False
            self._queue.put((handler, record))
        return True

    def put_lines(self, handlers: list[ThreadWrittenHandler], text: str) -> bool:
        """Queue a line already made, for each of ``handlers``; False once stopped."""
        with self._lock:
            if self._stopped:
                return False
            for handler in handlers:
                self._queue.put((handler, text))
        return True

    def wait_written(self) -> None:
        """Return once everything queued before this call is written."""
        if threading.current_thread() is self._thread:
            return
        written = threading.Event()
        with self._lock:
            if self._stopped:
                return
            self._queue.put(written)
        written.wait()

    def stop(self) -> None:
        """Write everything queued, end the thread; later records are written by their caller."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            self._queue.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            time.sleep(BATCH_SECONDS)  # lines gather: one wake-up and one write for many
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                carry_on = _write(batch)
            except Exception:  # never die with lines queued: wait_written() would hang
                carry_on = True
            if not carry_on:
                return


def _write(batch: list[Any]) -> bool:
    """Format and write ``batch`` in order, one ``write`` per run of one handler's stream;
    False if it held the stop marker (which is last: nothing is queued after it)."""
    run: list[str] = []
    last: _Item | None = None
    carry_on = True
    for item in batch:
        if item is None:
            carry_on = False
        elif isinstance(item, threading.Event):
            _write_run(run, last)
            run = []
            item.set()
        else:
            handler, record = item
            if type(record) is str:  # a line log_quickly made
                text = record
            else:
                try:
                    text = handler.format(record) + handler.terminator
                except Exception:
                    handler.handleError(record)  # as StreamHandler.emit does
                    continue
            if last is not None and handler.stream is not last[0].stream:
                _write_run(run, last)
                run = []
            run.append(text)
            last = item
    _write_run(run, last)
    return carry_on


def _write_run(run: list[str], last: _Item | None) -> None:
    if not run or last is None:
        return
    handler, record = last
    try:
        handler.stream.write("".join(run))
        handler.stream.flush()
    except Exception:  # e.g. a closed pipe: reported as StreamHandler reports it, thread lives
        handler.handleError(record if isinstance(record, logging.LogRecord)
                            else logging.makeLogRecord({"msg": record.rstrip("\n")}))


def _unchanging(args: Any) -> bool:
    return type(args) is tuple and _UNCHANGING.issuperset(map(type, args))


_process_writer: _Writer | None = None
_process_writer_lock = threading.Lock()


def _writer() -> _Writer:
    """The process's writer, started on first use and stopped (drained) at exit."""
    global _process_writer
    writer = _process_writer
    if writer is not None:
        return writer
    with _process_writer_lock:
        if _process_writer is None:
            _process_writer = _Writer()
            atexit.register(_process_writer.stop)
            # ``--workers N``: a multiprocessing child ends with ``os._exit``, which skips
            # ``atexit`` but runs multiprocessing's own finalizers first.
            multiprocessing.util.Finalize(None, _process_writer.stop, exitpriority=0)
            _drain_before_default_signal_death()
        return _process_writer


def _forget_writer_in_child() -> None:
    """A forked child has the parent's queue but not its thread: it starts its own."""
    global _process_writer
    _process_writer = None


os.register_at_fork(after_in_child=_forget_writer_in_child)


def _lean_records() -> None:
    """Skip, for every record, what no format here prints: ``findCaller`` walks the stack,
    the thread and process names are looked up. (The logging HOWTO, "Optimization".)"""
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def _drain_before_default_signal_death() -> None:
    """Uvicorn catches SIGTERM, shuts down gracefully, restores the handler it found and raises
    the signal again; the default action kills the process without ``atexit``. Where that
    default is in place, drain the writer first, then die of the signal as before."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _drain_then_die)


def _drain_then_die(signum: int, _frame: FrameType | None) -> None:
    if _process_writer is not None:
        _process_writer.stop()
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)
