"""Schemathesis against a real ``ferndesk-verifier serve`` process, from its served /openapi.json.

Every operation the served document describes is fuzzed (one test item per operation, so a
failure names its route), with ``Authorization: Bearer <admin token>`` on every call, negative
cases included (401 is pinned by tests/api; a fuzzer stopped at 401 reaches no handler). The
server is seeded first with two help centers, a secret, users (one with a ``/`` in its ``sub``),
a session, attempts and a message. A third of each operation's examples use the real ``{id}``,
``{widget_id}``, ``{sub}``, ``{path}`` and ``{kind}``, so the fuzzer gets past the 404s;
``identify`` also gets correctly signed tokens from an allowed origin (its 200 and 409 answers
are then checked against the document too), and ``POST /api/help-centers`` realistic bodies.

Nothing is excluded from the random run. The operations that change the server under the
fuzzer (``POST /api/emulator/reset``, ``PUT /api/emulator/state``, ``POST .../faults``, ``PUT
/api/emulator/clock``, every ``DELETE``, ...) are fuzzed like the others; after every example
of a non-read operation that was not refused (2xx, 3xx, or a 5xx that may have changed
something), the seeded state is put back with ``PUT /api/emulator/state`` and the export taken
after seeding (help centers, secrets, users, sessions, attempts, messages, faults, the clock).
So no injected fault is ever pending when another example runs, and a 5xx is never one that
the fuzzer ordered.

Checks on every response:

* no 5xx, except ``503 unavailable`` (the contract's "retry later"; nothing injects a fault
  under the fuzzer, see above, so ``injected_fault`` never answers here);
* every error (status >= 400) is JSON ``{"error": {"code", "message", "reason"}}`` (three
  non-empty strings, nothing else), and no body carries a Python traceback;
* schemathesis' ``status_code_conformance``, ``content_type_conformance``,
  ``response_headers_conformance`` and ``response_schema_conformance`` against the served
  document, and ``negative_data_rejection`` (a request the document calls invalid is refused;
  on every operation);
* after each operation's run, the server's log has no new traceback and no ERROR line.

Then two targeted properties the random run is unlikely to reach: instants at the edges of the
calendar (and non-finite numbers) through the clock control and the state import must never
break the server.

Bounded: 25 examples per operation, derandomized (the same inputs every run), no deadline, no
example database. About 20 s in all on 2 cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import jwt
import pytest
import schemathesis
from hypothesis import Phase, event, example, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import ADMIN, ADMIN_TOKEN, fresh_database_url, server_arguments
from tests.fuzz.contract import FUZZ, contract_problems
from tests.process.conftest import free_port, wait_healthy
from verifier import openapi
from verifier.logs import BATCH_SECONDS

pytestmark = [pytest.mark.fuzz, pytest.mark.process]

MAX_EXAMPLES = 25
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

SECRET = "fuzz-secret-of-more-than-32-characters-0123456789"
HC_ID, WIDGET_ID, DOMAIN = "fuzz-hc", "fuzz-wid", "help.fuzz-acme.com"
OTHER_ID, OTHER_WIDGET = "other-hc", "other-wid"  # no secret, an IP address for a domain
ALLOWED_ORIGIN = "https://app.fuzz-acme.com"
SEED: dict[str, Any] = {"help_centers": [
    {"id": HC_ID, "name": "Fuzz", "domain": DOMAIN, "widget_id": WIDGET_ID,
     "jwt_secret": SECRET,
     "users": [{"sub": "u-1", "email": "ada@fuzz-acme.com", "name": "Ada"},
               {"sub": "team/u-2", "email": "bob@fuzz-acme.com"}]},
    {"id": OTHER_ID, "name": "Other", "domain": "127.0.0.1", "widget_id": OTHER_WIDGET},
]}
# The real objects behind path parameters; one value per parameter is drawn for an example.
REAL_PATH_PARAMETERS: dict[str, list[str]] = {
    "id": [HC_ID, OTHER_ID],
    "widget_id": [WIDGET_ID, OTHER_WIDGET],
    "sub": ["u-1", "team/u-2"],
    "path": ["widget.css", "frame.js"],
    "kind": ["sessions", "messages", "identify"],
    "key_id": ["key_0123456789abcdef"],
}
CONFORMANCE = [status_code_conformance, content_type_conformance, response_headers_conformance,
               response_schema_conformance, negative_data_rejection]
# Operations whose known leniency negative_data_rejection would report on every run (none now:
# the findings below were fixed and their tests pin the fixes).
LENIENT: dict[str, str] = {}


# -- the server ------------------------------------------------------------------------------


@dataclass
class Served:
    base: str
    schema: Any
    snapshot: dict[str, Any]
    log: Path

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as out:
            out.seek(offset)
            return out.read().decode("utf-8", "replace")


def _start(database_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``ferndesk-verifier serve`` with its output in a file (a pipe that nobody reads while the
    fuzzer runs could fill up and stall the server)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "verifier", "serve", "--port", str(port),
             "--database-url", database_url, "--admin-token", ADMIN_TOKEN,
             *server_arguments(())],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_healthy(base)
    except RuntimeError:
        _stop(process)
        raise
    return process, base


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _token(**claims: Any) -> str:
    payload = {"sub": "u-1", "email": "ada@fuzz-acme.com", "name": "Ada",
               "exp": int(time.time()) + 24 * 3600, **claims}
    return jwt.encode(payload, SECRET, algorithm="HS256")


def _call(method: str, path: str, base: str, **kwargs: Any) -> httpx2.Response:
    """One request on its own connection, with the admin token: after a 500 the server drops
    the connection, which must not make the next request of a test fail for that reason."""
    headers = {**ADMIN, **kwargs.pop("headers", {})}
    return httpx2.request(method, base + path, headers=headers, timeout=15, **kwargs)


def _seed(base: str) -> dict[str, Any]:
    """The seed, plus what identify and the contact form leave behind; returns the export."""
    assert _call("PUT", "/api/emulator/state", base, json=SEED).status_code == 204
    ok = _call("POST", f"/widget/{WIDGET_ID}/identify", base, json={"jwt": _token()},
               headers={"Origin": ALLOWED_ORIGIN})
    assert ok.status_code == 200, ok.text
    refused = _call("POST", f"/widget/{WIDGET_ID}/identify", base, json={"jwt": "not-a-jwt"},
                    headers={"Origin": ALLOWED_ORIGIN})
    assert refused.status_code == 401, refused.text
    sent = _call("POST", f"/widget/{WIDGET_ID}/messages", base,
                 json={"session_id": ok.json()["session"]["id"], "body": "Hello"})
    assert sent.status_code == 201, sent.text
    exported = _call("GET", "/api/emulator/state", base)
    assert exported.status_code == 200, exported.text
    return dict(exported.json())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("fuzz-server")
    log = directory / "server.log"
    process, base = _start(fresh_database_url(directory), log)
    try:
        snapshot = _seed(base)
        # The served document, loaded as a dict rather than with from_url: schemathesis leaves
        # out the operation that served the schema it loaded, and GET /openapi.json is a route.
        document = _call("GET", "/openapi.json", base)
        assert document.status_code == 200, document.text
        yield Served(base, schemathesis.openapi.from_dict(document.json()), snapshot, log)
    finally:
        _stop(process)


@pytest.fixture
def restored(served: Served) -> Iterator[Served]:
    yield served
    _restore(served)


def _restore(served: Served) -> None:
    answer = _call("PUT", "/api/emulator/state", served.base, json=served.snapshot)
    assert answer.status_code == 204, answer.text


# -- the checks ------------------------------------------------------------------------------


def _code(response: Any) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


def _problems_of(answer: httpx2.Response) -> list[str]:
    return contract_problems(answer.status_code, answer.headers.get("content-type", ""),
                             answer.content)


def _reproduce(case: Any) -> str:
    try:
        return str(case.as_curl_command(headers=ADMIN))
    except Exception as exc:  # a case curl cannot spell; its repr still shows it
        return f"{case!r} ({type(exc).__name__})"


# -- every operation -------------------------------------------------------------------------

LABELS = [f"{op.method.upper()} {op.path}" for op in openapi.OPERATIONS]


def test_every_served_operation_is_fuzzed(served: Served) -> None:
    served_labels = {operation.ok().label for operation in served.schema.get_all_operations()}
    assert served_labels == set(LABELS)


IDENTIFIERS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True)
HELP_CENTER_DOMAINS = st.sampled_from([
    "help.example.com", "Help.Example.COM.", "example.co.uk", "docs.bücher.example",
    "xn--bcher-kva.example", "foo.github.io", "localhost", "app.localhost", "127.0.0.1",
    "::1", "[::1]", "help.internal.test", "com", "co.uk", "github.io", "test",
    "https://help.example.com", "help.example.com:443", "127.1", "a..b.com",
])


def _help_center_bodies() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"name": st.text(max_size=30), "domain": HELP_CENTER_DOMAINS},
        optional={"id": st.one_of(st.just(HC_ID), IDENTIFIERS),
                  "widget_id": st.one_of(st.just(WIDGET_ID), IDENTIFIERS)})


def _strategy(operation: Any) -> st.SearchStrategy[Any]:
    names = [parameter.name for parameter in operation.path_parameters]
    strategies = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                  operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)]
    if names:
        real = st.fixed_dictionaries({name: st.sampled_from(REAL_PATH_PARAMETERS[name])
                                      for name in names})
        strategies.append(real.flatmap(
            lambda values: operation.as_strategy(path_parameters=values)))
    if operation.label == "POST /widget/{widget_id}/identify":
        tokens = st.builds(_token, sub=st.sampled_from(["u-1", "u-3"]),
                           email=st.sampled_from(["ada@fuzz-acme.com", "new@fuzz-acme.com"]))
        strategies.append(tokens.flatmap(lambda token: operation.as_strategy(
            path_parameters={"widget_id": WIDGET_ID}, headers={"Origin": ALLOWED_ORIGIN},
            body={"jwt": token}, media_type="application/json")))
    if operation.label == "POST /api/help-centers":
        strategies.append(_help_center_bodies().flatmap(lambda body: operation.as_strategy(
            body=body, media_type="application/json")))
    return st.one_of(strategies)


@pytest.mark.parametrize("label", LABELS)
def test_operation(served: Served, label: str) -> None:
    operation = served.schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the served /openapi.json"
    changes_state = operation.method.upper() not in SAFE_METHODS
    checks = [check for check in CONFORMANCE
              if not (label in LENIENT and check is negative_data_rejection)]

    @settings(FUZZ, max_examples=MAX_EXAMPLES)
    @given(case=_strategy(operation))
    def fuzz(case: Any) -> None:
        # The admin token on every call. Set on the case (not only passed to call()) so that
        # a negative case whose mutation was "drop the Authorization header" sends it too.
        case.headers = {**(case.headers or {}), **ADMIN}
        response = case.call(base_url=served.base, headers=ADMIN, timeout=15)
        event(f"{response.status_code} {_code(response)}")
        try:
            content_type = ",".join(response.headers.get("content-type", []))
            problems = contract_problems(response.status_code, content_type, response.content)
            assert not problems, "\n".join([*problems, "Reproduce with:", _reproduce(case),
                                            f"Answer: {response.status_code} "
                                            f"{response.text[:500]!r}"])
            case.validate_response(response, checks=checks, headers=ADMIN)
        finally:  # a 5xx may have half-changed it (it fails the test, but not the next ones)
            if changes_state and not 400 <= response.status_code < 500:
                _restore(served)

    logged = served.log_size()
    fuzz()
    time.sleep(10 * BATCH_SECONDS)  # the server's log thread writes a batch every BATCH_SECONDS
    output = served.log_since(logged)
    assert "Traceback" not in output and "ERROR" not in output, output[-5000:]


# -- findings of this fuzzer, fixed and pinned ------------------------------------------


def test_state_import_requires_help_centers(restored: Served) -> None:
    answer = _call("PUT", "/api/emulator/state", restored.base,
                   json={"clock": {"frozen_at": "2030-01-01T00:00:00Z"}})
    assert answer.status_code == 422, answer.text


# Instants a client can send that are valid ISO-8601 or JSON numbers, but whose UTC instant is
# outside datetime's years 1..9999, or that are not finite. The server must refuse them (422)
# or store something it can answer with afterwards: never a 5xx, now or on a later read.
EDGE_ISO = st.sampled_from([
    "0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z", "0001-01-01T00:59:59+01:00",
    "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.999999Z",
    "1969-12-31T23:59:59Z", "2000-02-29T12:00:00+14:00", "2000-02-29T12:00:00-23:59",
])
EDGE_NUMBERS = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e300", "-1e300",
                                "253402300800", "-62135596801", "1e-400", "0"])
# Every read that formats a stored instant, and the identify success path (formats now).
READS = ["/api/emulator/clock", "/api/emulator/state", "/api/help-centers",
         f"/api/help-centers/{HC_ID}", f"/api/help-centers/{HC_ID}/jwt-secret",
         f"/api/help-centers/{HC_ID}/users", f"/api/help-centers/{HC_ID}/sessions",
         f"/api/help-centers/{HC_ID}/identify-attempts", f"/api/help-centers/{HC_ID}/messages",
         f"/api/emulator/help-centers/{HC_ID}/faults"]


def _reads_problems(base: str) -> list[str]:
    problems = []
    for path in READS:
        answer = _call("GET", path, base)
        problems += [f"then GET {path}: {p}" for p in _problems_of(answer)]
    answer = _call("POST", f"/widget/{WIDGET_ID}/identify", base, json={"jwt": _token()},
                   headers={"Origin": ALLOWED_ORIGIN})
    problems += [f"then POST identify: {p}" for p in _problems_of(answer)]
    return problems


EDGE = settings(FUZZ, max_examples=30, phases=[Phase.explicit, Phase.generate])


@example(body='{"frozen_at": "0001-01-01T00:00:00+01:00"}')
@example(body='{"offset_seconds": NaN}')
@EDGE
@given(body=st.one_of(
    st.builds(lambda at: json.dumps({"frozen_at": at}), EDGE_ISO),
    st.builds(lambda number: f'{{"offset_seconds": {number}}}', EDGE_NUMBERS)))
def test_clock_at_the_edges_of_the_calendar(served: Served, body: str) -> None:
    try:
        answer = _call("PUT", "/api/emulator/clock", served.base, content=body,
                       headers={"Content-Type": "application/json"})
        problems = [f"PUT /api/emulator/clock {body}: {p}" for p in _problems_of(answer)]
        problems += _reads_problems(served.base)
        assert not problems, "\n".join(problems)
    finally:
        _restore(served)


# Where an export carries an instant, and how to put one there.
INSTANT_FIELDS = {
    "clock.frozen_at": lambda state: state.setdefault("clock", {}),
    "clock.offset_seconds": lambda state: state.setdefault("clock", {}),
    "help_centers[0].created_at": lambda state: state["help_centers"][0],
    "help_centers[0].jwt_secret_created_at": lambda state: state["help_centers"][0],
    "help_centers[0].users[0].last_seen_at": lambda state: state["help_centers"][0]["users"][0],
    "help_centers[0].sessions[0].started_at":
        lambda state: state["help_centers"][0]["sessions"][0],
    "help_centers[0].identify_attempts[0].at":
        lambda state: state["help_centers"][0]["identify_attempts"][0],
    "help_centers[0].messages[0].created_at":
        lambda state: state["help_centers"][0]["messages"][0],
}
MARK = "__fuzz_instant__"


@example(field="help_centers[0].created_at", value='"0001-01-01T00:00:00+01:00"')
@example(field="clock.offset_seconds", value="Infinity")
@EDGE
@given(field=st.sampled_from(sorted(INSTANT_FIELDS)),
       value=st.one_of(EDGE_ISO.map(json.dumps), EDGE_NUMBERS))
def test_imported_instants_at_the_edges_of_the_calendar(served: Served, field: str,
                                                       value: str) -> None:
    state = json.loads(json.dumps(served.snapshot))
    INSTANT_FIELDS[field](state)[field.rsplit(".", 1)[1]] = MARK
    body = json.dumps(state).replace(f'"{MARK}"', value)  # NaN / Infinity are not json.dumps'
    try:
        answer = _call("PUT", "/api/emulator/state", served.base, content=body,
                       headers={"Content-Type": "application/json"})
        problems = [f"PUT /api/emulator/state with {field} = {value}: {p}"
                    for p in _problems_of(answer)]
        problems += [f"({field} = {value}) {p}" for p in _reads_problems(served.base)]
        assert not problems, "\n".join(problems)
    finally:
        _restore(served)
