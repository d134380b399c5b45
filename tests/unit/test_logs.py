"""The server's log handler: lines formatted and written by a thread, in order, as logged."""

from __future__ import annotations

import io
import logging
import signal
import threading
from collections.abc import Iterator

import pytest

from verifier.logs import FORMAT, HANDLER, ThreadWrittenHandler, log_quickly, logging_config


class _Recording(io.StringIO):
    """A stream that remembers which thread wrote to it."""

    def __init__(self) -> None:
        super().__init__()
        self.writers: set[str] = set()

    def write(self, text: str) -> int:
        self.writers.add(threading.current_thread().name)
        return super().write(text)


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, ThreadWrittenHandler, _Recording]]:
    """A logger of its own on a ``ThreadWrittenHandler``; the process-wide switches the handler
    sets (lean records, SIGTERM) are put back afterwards."""
    switches = (logging._srcfile, logging.logThreads, logging.logProcesses,  # type: ignore[attr-defined]
                logging.logMultiprocessing)
    sigterm = signal.getsignal(signal.SIGTERM)
    stream = _Recording()
    handler = ThreadWrittenHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    logger = logging.Logger("tests.logs", logging.INFO)  # outside the hierarchy pytest watches
    logger.addHandler(handler)
    yield logger, handler, stream
    handler.close()
    (logging._srcfile, logging.logThreads, logging.logProcesses,  # type: ignore[attr-defined]
     logging.logMultiprocessing) = switches
    signal.signal(signal.SIGTERM, sigterm)


@pytest.mark.parametrize("quick_every", [0, 3], ids=["ordinary", "mixed-with-quick-lines"])
def test_lines_are_written_by_the_writer_thread_in_the_order_logged(logged, quick_every: int
                                                                     ) -> None:
    """Two of every three lines go through ``log_quickly`` in the mixed run: the same lines,
    in the same order."""
    logger, handler, stream = logged
    for number in range(500):
        if quick_every and number % quick_every:
            log_quickly(logger, logging.INFO, "identify widget=%r outcome=ok n=%d", "wid", number)
        else:
            logger.info("identify widget=%r outcome=ok n=%d", "wid", number)
    handler.flush()
    assert stream.getvalue().splitlines() == [
        f"INFO tests.logs identify widget='wid' outcome=ok n={number}" for number in range(500)]
    assert stream.writers == {"log-writer"}


def test_a_line_shows_a_changing_argument_as_it_was_when_logged(logged) -> None:
    logger, handler, stream = logged
    seen = ["first"]
    logger.info("seen %s", seen)
    seen.append("later")
    handler.flush()
    assert stream.getvalue() == "INFO tests.logs seen ['first']\n"


def test_a_traceback_is_written_with_its_line(logged) -> None:
    logger, handler, stream = logged
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("unexpected %s in a handler", "ValueError")
    handler.flush()
    assert stream.getvalue().startswith("ERROR tests.logs unexpected ValueError in a handler\n"
                                        "Traceback (most recent call last):\n")
    assert stream.getvalue().rstrip().endswith("ValueError: boom")


def test_a_bad_format_is_reported_and_the_lines_after_it_still_written(
        logged, capsys: pytest.CaptureFixture[str]) -> None:
    logger, handler, stream = logged
    logger.info("two values %s %s", "only one")
    logger.info("after")
    handler.flush()
    assert stream.getvalue() == "INFO tests.logs after\n"
    assert "--- Logging error ---" in capsys.readouterr().err


def test_every_handler_of_the_server_config_goes_through_the_writer() -> None:
    config = logging_config("info")
    assert {handler["class"] for handler in config["handlers"].values()} == {HANDLER}
    assert config["root"] == {"handlers": ["verifier"], "level": "INFO"}


# -- identify's quick lines (log_quickly) --------------------------------------------------------


class _Capture(logging.Handler):
    """A handler that is not written by the thread (as pytest's caplog is not)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_quick_line_reaches_a_handler_the_thread_does_not_write_at_once(logged) -> None:
    logger, handler, stream = logged
    capture = _Capture()
    logger.addHandler(capture)
    log_quickly(logger, logging.INFO, "identify outcome=%s", "ok")
    assert capture.messages == ["identify outcome=ok"]  # before any flush: the ordinary way
    handler.flush()
    assert stream.getvalue() == "INFO tests.logs identify outcome=ok\n"


def test_a_quick_line_below_the_loggers_or_the_handlers_level_is_not_written(logged) -> None:
    logger, handler, stream = logged
    log_quickly(logger, logging.DEBUG, "not at DEBUG")
    handler.setLevel(logging.WARNING)
    log_quickly(logger, logging.INFO, "not below the handler's level")
    log_quickly(logger, logging.WARNING, "this one %s", "is")
    handler.flush()
    assert stream.getvalue() == "WARNING tests.logs this one is\n"


def test_a_quick_line_obeys_the_loggers_filters(logged) -> None:
    logger, handler, stream = logged
    logger.addFilter(lambda record: "secret" not in record.getMessage())
    log_quickly(logger, logging.INFO, "a %s value", "secret")
    log_quickly(logger, logging.INFO, "a %s value", "plain")
    handler.flush()
    assert stream.getvalue() == "INFO tests.logs a plain value\n"


def test_a_quick_line_with_a_bad_format_is_reported_and_the_lines_after_it_written(
        logged, capsys: pytest.CaptureFixture[str]) -> None:
    logger, handler, stream = logged
    log_quickly(logger, logging.INFO, "two values %s %s", "only one")
    log_quickly(logger, logging.INFO, "after")
    handler.flush()
    assert stream.getvalue() == "INFO tests.logs after\n"
    assert "--- Logging error ---" in capsys.readouterr().err
