"""What the fuzz tests share: their hypothesis settings and the contract's error shape."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, settings

# What every hypothesis test here runs under, apart from its own max_examples: derandomized so
# that CI is reproducible (a failure shows the same example again on the next run), no deadline
# (a loaded CI runner is slow, not wrong), and no example database, so that nothing is written
# into the work tree.
FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def contract_problems(status: int, content_type: str, body: bytes) -> list[str]:
    """What in a response breaks CONTRACT.md section 2 (empty when nothing does): no 5xx but
    ``503 unavailable``, every error JSON ``{"error": {"code", "message", "reason"}}`` with
    three non-empty strings and nothing else, no Python traceback anywhere."""
    problems = []
    if b"Traceback (most recent call last)" in body:
        problems.append("the body carries a Python traceback")
    if status >= 500 and status != 503:
        problems.append(f"status {status}: no input may produce a 5xx")
    if status < 400:
        return problems
    if not content_type.startswith("application/json"):
        return [*problems, f"error with content type {content_type!r}, not JSON"]
    try:
        document = json.loads(body)
    except ValueError:
        return [*problems, "error body is not JSON"]
    error = document.get("error") if isinstance(document, dict) else None
    if not (isinstance(document, dict) and set(document) == {"error"}
            and isinstance(error, dict) and set(error) == {"code", "message", "reason"}
            and all(isinstance(value, str) and value for value in error.values())):
        problems.append(f"error not in the contract shape: {document!r}"[:600])
    elif status == 503 and error["code"] != "unavailable":
        problems.append(f"503 with code {error['code']!r}: only `unavailable` may answer 503")
    return problems
