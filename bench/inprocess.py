"""Identify's CPU time per call in-process: the app driven directly, no uvicorn, no ``wrk``.

    python bench/inprocess.py [--calls 20000] [--users 1000] [--log-level info]
                              [--profile FILE]

The server benchmark (``identify.py``) is the figure that counts, but its noise (a few percent
even on CPU per call) hides changes of a few microseconds. Here both apps, the verifier at its
defaults (a fresh SQLite file, the writer thread, the log written by its thread to a file) and
the bare baseline (``baseline.py``), are called as ASGI apps on one uvloop loop, 32 calls at a
time, and the process's CPU time (every thread's) per call repeats within about 1%: what to
measure a small change with, by running it before and after. The verifier's figure minus the
baseline's is what identify adds; uvicorn's share (about 60 µs per call on the server) is in
neither. ``--profile FILE`` writes a ``cProfile`` of the verifier's measured calls (the event
loop's thread only).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging.config
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jwt
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifier.app import create_app  # noqa: E402
from verifier.logs import logging_config  # noqa: E402
from verifier.settings import Settings  # noqa: E402

ADMIN = "bench-admin-token"
ORIGIN = [(b"origin", b"https://app.example.com"), (b"user-agent", b"bench")]
CONCURRENCY = 32
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


async def call(app: App, method: str, path: str, body: Any = None,
               headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, bytes]:
    """One HTTP request straight into the ASGI app: (status, body)."""
    raw = json.dumps(body).encode() if body is not None else b""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 8765), "state": {},
             "headers": [(b"host", b"127.0.0.1:8765"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(raw)).encode()), *(headers or [])]}
    sent = False
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await asyncio.Event().wait()  # the client never goes away
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["body"]


async def cpu_per_call(app: App, bodies: list[dict[str, str]], calls: int,
                       profile: cProfile.Profile | None = None) -> float:
    """Microseconds of process CPU per identify, ``CONCURRENCY`` at a time, after a warm-up."""
    for measured in (False, True):
        numbers = iter(range(calls))

        async def caller(numbers: Any) -> None:
            for number in numbers:
                status, answer = await call(app, "POST", "/widget/bench/identify",
                                            bodies[number % len(bodies)], ORIGIN)
                assert status == 200, answer

        if measured and profile is not None:
            profile.enable()
        started = time.process_time()
        await asyncio.gather(*(caller(numbers) for _ in range(CONCURRENCY)))
        used = time.process_time() - started
        if measured and profile is not None:
            profile.disable()
    return 1e6 * used / calls


async def main(options: argparse.Namespace, workdir: str) -> None:
    settings = Settings(database_url=f"sqlite:///{workdir}/bench.db", admin_token=ADMIN)
    app = create_app(settings)
    lifespan: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    await lifespan.put({"type": "lifespan.startup"})

    async def lifespan_send(message: dict[str, Any]) -> None:
        pass

    running = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"},
                                       "state": {}}, lifespan.get, lifespan_send))
    admin = [(b"authorization", f"Bearer {ADMIN}".encode())]
    status, answer = await call(app, "POST", "/api/help-centers",
                                {"name": "Bench", "domain": "help.example.com",
                                 "widget_id": "bench"}, admin)
    assert status == 201, answer
    hc = json.loads(answer)["id"]
    status, answer = await call(app, "POST", f"/api/help-centers/{hc}/jwt-secret", None, admin)
    secret = json.loads(answer)["secret"]
    # Returning users, each in a session of its own, as identify.py loads them.
    bodies = []
    for number in range(options.users):
        token = jwt.encode({"sub": f"bench-user-{number}", "email": f"user{number}@example.com",
                            "name": f"Bench User {number}", "exp": int(time.time()) + 86400},
                           secret, algorithm="HS256")
        status, answer = await call(app, "POST", "/widget/bench/identify", {"jwt": token},
                                    ORIGIN)
        assert status == 200, answer
        bodies.append({"jwt": token, "session_id": json.loads(answer)["session"]["id"]})

    profile = cProfile.Profile() if options.profile else None
    ours = await cpu_per_call(app, bodies, options.calls, profile)
    if profile is not None:
        profile.dump_stats(options.profile)
    os.environ["BENCH_SECRET"] = secret
    from bench.baseline import app as baseline

    base = await cpu_per_call(baseline, bodies, options.calls)
    print(f"cpu per call in-process: baseline {base:.1f} us, verifier {ours:.1f} us "
          f"(identify adds {ours - base:.1f} us; --log-level {options.log_level}, "
          f"{options.users} user(s), {options.calls} calls)")
    await lifespan.put({"type": "lifespan.shutdown"})
    await running


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--profile", default=None, metavar="FILE")
    options = parser.parse_args()
    # The server's logging as serve sets it up, its stderr a real file (as identify.py's).
    with tempfile.TemporaryDirectory() as workdir, \
            open(Path(workdir) / "verifier.log", "w") as log_file:
        sys.stderr = log_file
        logging.config.dictConfig(logging_config(options.log_level))
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main(options, workdir))
        for handler in logging.getLogger().handlers:
            handler.flush()  # every line written before its file goes
        sys.stderr = sys.__stderr__
