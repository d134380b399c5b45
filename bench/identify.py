"""Identify throughput against the bare Starlette+PyJWT ceiling, measured in the same run.

    python bench/identify.py [--duration 10] [--connections 32] [--rounds 2] [--soak 100000]
                             [--workers N] [--database-url URL] [--users 1000]
                             [--log-level info] [--no-logs-off]

Starts both servers as real uvicorn processes on loopback, loads each with ``wrk`` (Debian's
package) in alternating rounds so that machine noise hits both alike, and prints requests/s,
p99 latency and the ratio, and the CPU time each server spent per call (a figure another busy
process on the machine moves much less than it moves throughput). The figure is the server as
a user runs it, at its default ``--log-level info`` (one line per identify, written to a real
file). Beside it, unless ``--no-logs-off`` or another ``--log-level`` is given, a second
verifier on the same database at ``--log-level warning`` takes its turn in every round: what
the log line costs.

The load is returning users (``--users``, each in a session of its own) taken in turn;
``--users 1`` is the worst case, one row updated by every call. ``--soak N`` then sends N more
identifies to the verifier and reports its resident memory before and after, and the journal's
size. Nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
import jwt

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "bench-admin-token"
SECRET_FOR_BASELINE = "bench-secret-0123456789abcdef0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early with {process.returncode}")
        try:
            httpx2.get(url, timeout=0.5)
            return
        except httpx2.TransportError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not answer in 30 s")


def start(args: list[str], env: dict[str, str], log: Path | None = None
          ) -> subprocess.Popen[bytes]:
    """A server process; its log goes to ``log`` (a real file, as a user's would) if given."""
    verbose = bool(os.environ.get("BENCH_VERBOSE"))
    sink = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.DEVNULL,
                            stderr=None if verbose else sink)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def run_wrk(url: str, bodies: Path, duration: int, connections: int) -> tuple[float, float]:
    """Requests per second and p99 latency in ms, as wrk reports them."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
         "-s", str(ROOT / "bench" / "identify.lua"), url],
        env={**os.environ, "BENCH_BODIES": str(bodies)}, capture_output=True, text=True,
        check=True,
    ).stdout
    if os.environ.get("BENCH_VERBOSE"):
        print(out)
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, p99


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its children (``--workers``)."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(child) for child in (task / "children").read_text().split()]
    ticks = 0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def profile(pid: int, out: str, seconds: int) -> subprocess.Popen[bytes]:
    """py-spy sampling ``pid`` for ``seconds`` (all threads, idle ones left out)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(seconds),
                             "--rate", "250", "--gil", "--format", "raw", "--output", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise_profile(collapsed: Path, top: int = 25) -> None:
    """Print the functions holding most samples, inclusive (a function counts once per
    stack), as shares of all samples: where identify's time goes."""
    totals: dict[str, int] = {}
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples += int(count)
        for frame in set(stack.split(";")):
            name = re.sub(r" \(.*?/((?:verifier|starlette|uvicorn|jwt|sqlalchemy)/[^:]*)"
                          r":\d+\)$", r" (\1)", frame)
            totals[name] = totals.get(name, 0) + int(count)
    print(f"profile: {samples} samples in {collapsed}; inclusive share by function:")
    for name, count in sorted(totals.items(), key=lambda item: -item[1])[:top]:
        print(f"  {100 * count / samples:5.1f}%  {name[:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--soak", type=int, default=0)
    parser.add_argument("--database-url", default=None,
                        help="default: a fresh SQLite file; a PostgreSQL URL must name an "
                             "empty database (the benchmark creates its help center)")
    parser.add_argument("--log-level", default="info",
                        help="the verifier's log level (default: info, the server's own "
                             "default: one line per identify, as a user runs it)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--users", type=int, default=1000,
                        help="returning users the load cycles through (1: one hot row)")
    parser.add_argument("--no-logs-off", dest="logs_off", action="store_false",
                        help="skip the logs-off figure (a second verifier at --log-level "
                             "warning, measured in the same rounds)")
    parser.add_argument("--profile", metavar="FILE", default=None,
                        help="also sample the verifier with py-spy (pip install py-spy) "
                             "during its first measured round; FILE gets py-spy's "
                             "collapsed stacks, summed by function on stdout")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    workdir = tempfile.mkdtemp(prefix="fv-bench-")
    db_url = options.database_url or f"sqlite:///{workdir}/bench.db"
    ours_port, base_port = free_port(), free_port()
    # BENCH_OURS / BENCH_BASE swap in another entry point, e.g. an instrumented one.
    ours_entry = os.environ.get("BENCH_OURS", "-m verifier").split()

    def verifier(port: int, log_level: str) -> subprocess.Popen[bytes]:
        return start([sys.executable, *ours_entry, "serve", "--port", str(port),
                      "--database-url", db_url, "--admin-token", ADMIN,
                      "--log-level", log_level, "--workers", str(options.workers)], {},
                     log=Path(workdir) / f"verifier-{log_level}.log")

    ours = verifier(ours_port, options.log_level)
    # The logs-off twin shares the database (so the same users and sessions); it starts once the
    # help center exists, and the rounds take turns, so the two never load it at once.
    logs_off = options.logs_off and options.log_level == "info"
    quiet: subprocess.Popen[bytes] | None = None
    baseline = start([sys.executable, "-m", "uvicorn",
                      os.environ.get("BENCH_BASE", "bench.baseline:app"), "--port",
                      str(base_port), "--no-access-log", "--log-level", "warning"],
                     {"BENCH_SECRET": SECRET_FOR_BASELINE})
    try:
        ours_url, base_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{base_port}"
        wait_healthy(ours_url + "/healthz", ours)
        wait_healthy(base_url + "/", baseline)
        admin = {"Authorization": f"Bearer {ADMIN}"}
        httpx2.post(ours_url + "/api/emulator/reset", headers=admin).raise_for_status()
        hc = httpx2.post(ours_url + "/api/help-centers", headers=admin,
                        json={"name": "Bench", "domain": "help.example.com",
                              "widget_id": "bench"}).json()
        secret = httpx2.post(f"{ours_url}/api/help-centers/{hc['id']}/jwt-secret",
                            headers=admin).json()["secret"]
        # Returning users, each identified once already and in a session of their own; the
        # load cycles through them. --users 1 is the worst case: every call updates one row.
        ours_body, base_body = Path(workdir) / "ours.jsonl", Path(workdir) / "base.jsonl"
        target = "/widget/bench/identify"
        with httpx2.Client(headers={"Origin": "https://app.example.com"}) as client, \
                ours_body.open("w") as ours_out, base_body.open("w") as base_out:
            for number in range(options.users):
                claims = {"sub": f"bench-user-{number}", "email": f"user{number}@example.com",
                          "name": f"Bench User {number}", "exp": int(time.time()) + 86400}
                ours_token = jwt.encode(claims, secret, algorithm="HS256")
                first = client.post(ours_url + target, json={"jwt": ours_token})
                first.raise_for_status()
                session_id = first.json()["session"]["id"]
                base_token = jwt.encode(claims, SECRET_FOR_BASELINE, algorithm="HS256")
                ours_out.write(json.dumps({"jwt": ours_token, "session_id": session_id}) + "\n")
                base_out.write(json.dumps({"jwt": base_token, "session_id": session_id}) + "\n")

        targets = {"base": base_url, "ours": ours_url}
        if logs_off:
            quiet_port = free_port()
            quiet = verifier(quiet_port, "warning")
            targets["quiet"] = f"http://127.0.0.1:{quiet_port}"
            wait_healthy(targets["quiet"] + "/healthz", quiet)
        bodies = {"base": base_body, "ours": ours_body, "quiet": ours_body}

        # Warm each up, then alternate rounds so noise falls on all alike.
        for name, url in targets.items():
            run_wrk(url + target, bodies[name], 2, options.connections)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
        processes = {"base": baseline, "ours": ours, "quiet": quiet}
        cpu = {name: 0.0 for name in targets}
        for round_number in range(options.rounds):
            for name, url in targets.items():
                sampler = (profile(ours.pid, options.profile, options.duration)
                           if options.profile and name == "ours" and round_number == 0
                           else None)
                used = cpu_seconds(processes[name].pid)  # type: ignore[union-attr]
                runs[name].append(run_wrk(url + target, bodies[name], options.duration,
                                          options.connections))
                cpu[name] += cpu_seconds(processes[name].pid) - used  # type: ignore[union-attr]
                if sampler is not None:
                    sampler.wait()
                    summarise_profile(Path(options.profile))
        rps = {name: sum(r for r, _ in done) / len(done) for name, done in runs.items()}
        p99 = {name: max(p for _, p in done) for name, done in runs.items()}
        base_rps, ours_rps = rps["base"], rps["ours"]
        print(f"baseline  (Starlette + PyJWT):   {base_rps:8.0f} req/s   "
              f"p99 {p99['base']:6.2f} ms")
        print(f"verifier  (identify, {db_url.split(':')[0]}, {options.workers} worker(s), "
              f"{options.users} user(s), --log-level {options.log_level}): "
              f"{ours_rps:8.0f} req/s   p99 {p99['ours']:6.2f} ms")
        print(f"ratio: {ours_rps / base_rps:.2f} of the ceiling "
              f"({options.rounds} rounds x {options.duration} s, {options.connections} "
              "connections)")
        # CPU time per call: what a request costs the server, whoever else shares the machine
        # (throughput falls when another process takes a core; this moves much less).
        per_call = {name: 1e6 * cpu[name] / (rps[name] * options.duration * options.rounds)
                    for name in targets}
        print(f"cpu per call: baseline {per_call['base']:.0f} us, verifier "
              f"{per_call['ours']:.0f} us (ratio {per_call['base'] / per_call['ours']:.2f})")
        if logs_off:
            print(f"  beside it, logs off (--log-level warning): {rps['quiet']:8.0f} req/s   "
                  f"p99 {p99['quiet']:6.2f} ms   ratio {rps['quiet'] / base_rps:.2f}")

        if options.soak:
            before = rss_kib(ours.pid)
            seconds = max(5, int(options.soak / max(ours_rps, 1)) + 1)
            rps, _ = run_wrk(ours_url + target, ours_body, seconds, options.connections)
            after = rss_kib(ours.pid)
            attempts = httpx2.get(f"{ours_url}/api/help-centers/{hc['id']}/identify-attempts",
                                 headers=admin).json()
            print(f"soak: ~{int(rps * seconds)} identifies, RSS {before} KiB -> {after} KiB, "
                  f"journal holds {len(attempts)} (bounded)")
    finally:
        stop(ours)
        stop(baseline)
        if quiet is not None:
            stop(quiet)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
