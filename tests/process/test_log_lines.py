"""Every identify's log line reaches stderr, in order, even when ``serve`` is stopped at once.

The lines are written by a thread (``verifier.logs``), after the answer has gone out; these tests
stop the server right after a burst, while lines are still queued, and read what it wrote.
Each burst runs on keep-alive connections: one connection is served by one worker, so its calls,
each answered before the next is sent, have an order every worker must keep in its log.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import jwt
import pytest

SECRET = "a-fixed-secret-for-ci-of-32-chars-or-more"
SEED = {"help_centers": [{"id": "acme", "name": "Acme", "domain": "help.acme.com",
                          "widget_id": "wid-acme", "jwt_secret": SECRET, "users": []}]}
CONNECTIONS = 8
CALLS_PER_CONNECTION = 40
LINE = re.compile(r"^INFO ferndesk_verifier\.identify identify widget='wid-acme' "
                  r"origin='https://app\.acme\.com' outcome=ok sub='burst-(\d+)-(\d+)' "
                  r"token=jwt:[0-9a-f]{12}$")


def _calls_on_one_connection(base: str, connection: int) -> None:
    """``CALLS_PER_CONNECTION`` identifies in turn on one keep-alive connection."""
    with httpx2.Client(base_url=base, headers={"Origin": "https://app.acme.com"},
                       timeout=30) as client:
        for call in range(CALLS_PER_CONNECTION):
            sub = f"burst-{connection}-{call}"
            token = jwt.encode({"sub": sub, "email": f"{sub}@acme.com",
                                "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
            answer = client.post("/widget/wid-acme/identify", json={"jwt": token})
            assert answer.status_code == 200, answer.text


def _burst_then_stop(start_server, tmp_path: Path, workers: str, stop: signal.Signals) -> str:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED))
    server = start_server("--seed", str(seed), "--workers", workers)
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        list(pool.map(lambda c: _calls_on_one_connection(server.base, c), range(CONNECTIONS)))
    server.process.send_signal(stop)  # at once: the last lines are still on their way
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve did not exit on {stop.name}:\n{server.stop()}")
    return server.said()


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_every_identify_line_is_written_in_order_when_serve_stops_right_after_a_burst(
        start_server, tmp_path: Path, workers: str, stop: signal.Signals) -> None:
    output = _burst_then_stop(start_server, tmp_path, workers, stop)
    logged = [line for line in output.splitlines() if " identify widget=" in line]
    assert all(LINE.match(line) for line in logged), output[-3000:]
    assert len(logged) == CONNECTIONS * CALLS_PER_CONNECTION, output[-3000:]
    calls = [tuple(int(n) for n in LINE.match(line).groups()) for line in logged]  # type: ignore[union-attr]
    for connection in range(CONNECTIONS):
        in_log = [call for number, call in calls if number == connection]
        assert in_log == list(range(CALLS_PER_CONNECTION)), (connection, in_log)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_servers_own_shutdown_lines_come_after_the_last_identify_line(
        start_server, tmp_path: Path, stop: signal.Signals) -> None:
    output = _burst_then_stop(start_server, tmp_path, "1", stop)
    lines = output.splitlines()
    last_identify = max(n for n, line in enumerate(lines) if " identify widget=" in line)
    finished = next(n for n, line in enumerate(lines) if "Finished server process" in line)
    assert last_identify < finished, output[-3000:]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_every_worker_writes_its_shutdown_lines(start_server, tmp_path: Path,
                                                stop: signal.Signals) -> None:
    """A ``--workers`` child dies of the signal uvicorn raises again after its graceful
    shutdown, or ends with ``os._exit``: neither may lose the lines its log thread holds."""
    output = _burst_then_stop(start_server, tmp_path, "2", stop)
    assert output.count("Application shutdown complete") == 2, output[-3000:]
    assert output.count("Finished server process") == 2, output[-3000:]
