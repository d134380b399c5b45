"""Keeps ``docs/reference.md`` true: its tables are generated from the code that holds them.

The reference is Markdown with hand-written prose around generated blocks. Each block sits
between ``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated: NAME -->`` and is rewritten
from its one source, so a route, an error message or a limit is written once, in the code:

    routes   the OpenAPI document the app serves (``openapi.OPERATIONS``, checked both ways
             against ``app.routes()`` by ``tests/api/test_openapi.py``)
    errors   every error class of ``errors.py`` (``openapi.error_rows()``)
    limits   the constants that bound bodies, fields, kept counts and controls
    shapes   the OpenAPI document's schemas: every field, its type, whether required, its bounds
    cli      ``ferndesk-verifier COMMAND --help`` for serve, exec, token and inspect

    python -m verifier.reference            rewrite docs/reference.md
    python -m verifier.reference --check    exit 1, naming this command, when it is stale

``tests/unit/test_reference.py`` runs the check. Prose outside the blocks is edited by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from verifier import (
    clock,
    cors,
    dashboard_auth,
    domains,
    keys,
    openapi,
    sessions,
    shapes,
    tokens,
)
from verifier.routes import admin, widget
from verifier.settings import ENV_PREFIX, Settings

COMMAND = "python -m verifier.reference"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "docs" / "reference.md"
BLOCK = re.compile(r"(<!-- BEGIN generated: (?P<name>\S+) -->\n)(?P<body>.*?)"
                   r"(<!-- END generated: (?P=name) -->)", re.DOTALL)
FAULT_EXAMPLE_STATUS = 503  # injected_fault's message names its status: shown for this one
HELP_COLUMNS = "100"  # argparse wraps help to the terminal: fixed, so the output is too
SCHEMA_PREFIX = "#/components/schemas/"
WHEN = re.compile(r'- `(\w+)`: "(.*)" \((.*)\)$')  # one line of an error answer's description
SHAPES = ("HelpCenterCreate", "HelpCenter", "Secret", "SecretInfo", "ApiKey", "ApiKeyInfo",
          "IdentifyRequest", "IdentifyResponse", "IdentifyWarning", "User", "Session", "Attempt",
          "MessageCreate", "Message", "UserCreate", "UserUpdate", "HelpCenterUser", "UserPage",
          "Clock",
          "ClockUpdate", "FaultCreate", "Fault", "State", "StateHelpCenter", "StateUser",
          "StateSession", "StateAttempt", "StateMessage", "StateFault", "Error")  # reading order

# Who may call an operation, by the security scheme it requires.
AUTH = {"bearerAuth": "admin token", "apiKeyAuth": "API key"}


def _auth(op: dict[str, Any]) -> str:
    schemes = [name for requirement in op.get("security", []) for name in requirement]
    return AUTH[schemes[0]] if schemes else "none"


def cell(text: Any) -> str:
    """A table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(cell(value) for value in row) + " |" for row in rows)]


# -- routes ----------------------------------------------------------------------------------


def _success(operation: dict[str, Any]) -> str:
    return "; ".join(f"`{status}` {answer['description']}"
                     for status, answer in operation["responses"].items()
                     if status.startswith(("1", "2", "3")))


def _errors(operation: dict[str, Any]) -> str:
    found: list[str] = []
    for status, answer in operation["responses"].items():
        for code in answer.get("x-error-codes", ()):
            if status == "default":
                found.append("any status: an injected fault")
                break
            if code != "internal_error":
                found.append(f"`{status} {code}`")
    return ", ".join(dict.fromkeys(found))


def _whens(operation: dict[str, Any]) -> list[str]:
    """When each error is answered, but those every admin call shares (said once, below)."""
    lines = []
    for status, answer in operation["responses"].items():
        if status == "default" or "x-error-codes" not in answer:
            continue
        for line in answer["description"].splitlines():
            code, _message, when = WHEN.match(line).groups()  # type: ignore[union-attr]
            if code not in ("internal_error", "unauthorized", "unavailable"):
                lines.append(f"  - `{status} {code}`: {when}")
    return lines


def _description(text: str) -> list[str]:
    """A route's description under its bullet, paragraphs and numbered steps kept."""
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        out += ["", *("  " + line for line in paragraph.splitlines())]
    return out


def _body(operation: dict[str, Any]) -> str:
    body = operation.get("requestBody")
    if body is None:
        return ""
    media = ", ".join(f"`{name}`" for name in body["content"])
    schema = next(iter(body["content"].values()))["schema"]
    name = schema["$ref"].removeprefix(SCHEMA_PREFIX) if "$ref" in schema else "any JSON object"
    shape = f"[{name}](#{name.lower()})" if "$ref" in schema else name
    return f"  - body ({'required' if body['required'] else 'optional'}, {media}): {shape}"


def routes_block() -> list[str]:
    document = openapi.document()
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            by_tag.setdefault(operation["tags"][0], []).append((method.upper(), path, operation))
    out: list[str] = []
    for tag in document["tags"]:
        operations = by_tag.get(tag["name"], [])
        out += [f"### {tag['name'].capitalize()}", "", tag["description"], ""]
        out += table(("method", "path", "auth", "answers", "errors"), [
            (f"`{method}`", f"`{path}`", _auth(op),
             _success(op), _errors(op)) for method, path, op in operations])
        out.append("")
        for method, path, op in operations:
            out += [f"- **`{method} {path}`**: {op['summary']}.", *_description(op["description"])]
            details = ([body] if (body := _body(op)) else []) + _whens(op)
            out += ["", *details] if details else []
            out.append("")
    out.append("Every admin and emulator call also answers `401 unauthorized` without this "
               "server's admin token, and any call that reads the database `503 unavailable` "
               "(with `Retry-After: 1`) when the database does not answer. Every route can "
               "answer `500 internal_error` (a bug of ours: logged with its traceback, never "
               "sent). An unknown route answers `404 not_found`, a known route with another "
               "method `405 invalid_request`.")
    return out


# -- errors ----------------------------------------------------------------------------------


def errors_block() -> list[str]:
    status = FAULT_EXAMPLE_STATUS
    rows = [(f"`{row.code}`", row.status,
             f"`{openapi.message_of(row.code, status)}` (for status {status})"
             if row.code == "injected_fault" else f"`{row.message}`",
             "yes" if row.contract else "no: never asked for, only answered")
            for row in openapi.error_rows()]
    return table(("code", "status", "message (exact)", "an injected fault may name it"), rows)


# -- limits ----------------------------------------------------------------------------------


def limits_block() -> list[str]:
    defaults = Settings()
    low, high = shapes.MIN_FAULT_STATUS, shapes.MAX_FAULT_STATUS
    kib = defaults.max_body_bytes // 1024
    rows = [
        ("request body (every JSON call)", f"{defaults.max_body_bytes} bytes ({kib} KiB)",
         "`413 invalid_request`"),
        ("identify attempts kept per help center", f"{defaults.attempts_kept} (newest)",
         "`--attempts-kept N`; older ones are pruned"),
        ("sessions kept per help center", f"{defaults.sessions_kept} (newest)",
         "`--sessions-kept N`; older ones are pruned"),
        ("`GET .../identify-attempts?limit=`", f"1 to {admin.MAX_ATTEMPTS_LISTED} "
         f"(default {admin.MAX_ATTEMPTS_LISTED})", "`422 invalid_request`"),
        ("token `sub`", f"{tokens.MAX_SUB_CHARS} characters", "`401 invalid_jwt`"),
        ("token `email`", f"{tokens.MAX_EMAIL_CHARS} characters", "`401 invalid_jwt`"),
        ("token `name`", f"{tokens.MAX_NAME_CHARS} characters", "`401 invalid_jwt`"),
        ("token `customAttributes` nesting", f"{tokens.MAX_ATTRIBUTES_DEPTH} levels",
         "`401 invalid_jwt`"),
        ("`nbf` / `iat` clock-skew leeway", f"{tokens.LEEWAY_SECONDS} s",
         "`exp` has none: a token is expired when `exp <= now`"),
        ("identify `session_id`", f"{sessions.MAX_SESSION_ID} ASCII characters",
         "a longer or unknown one starts a new session"),
        ("`Origin` / `Referer` / `domain` as sent", f"{domains.MAX_INPUT_CHARS} characters",
         "refused before parsing (`domain_mismatch` / `422 invalid_request`)"),
        ("a host name, as punycode", f"{domains.MAX_HOST_CHARS} characters",
         "`domain_mismatch` / `422 invalid_request`"),
        ("help center `id` and `widget_id`", f"`{admin.IDENTIFIER.pattern}`",
         "`422 invalid_request`"),
        ("generated JWT secret", f"{keys.SECRET_BYTES * 8} bits of randomness",
         "shown once, by `POST .../jwt-secret`"),
        ("fault `times`", f"1 to {shapes.MAX_FAULT_TIMES}", "`422 invalid_request`"),
        ("fault `delay_ms`", f"0 to {shapes.MAX_FAULT_DELAY_MS}", "`422 invalid_request`"),
        ("fault `status`", f"{low} to {high}", "`422 invalid_request`"),
        ("clock `offset_seconds`", f"±{clock.MAX_OFFSET_SECONDS} s (100 years)",
         "`422 invalid_request`"),
        ("widget session cookie (`fd_session_<widget_id>`)",
         f"{widget.SESSION_COOKIE_MAX_AGE} s", "HttpOnly, SameSite=Lax, on the help center's "
         "host"),
        ("dashboard sign-in cookie", f"{dashboard_auth.MAX_AGE_SECONDS} s",
         "HttpOnly, SameSite=Strict"),
        ("CORS preflight cache (`Access-Control-Max-Age`)", f"{cors.PREFLIGHT_MAX_AGE} s", ""),
    ]
    return [*table(("what", "limit", "beyond it / notes"), rows), "",
            "Field lengths of request bodies are in [Shapes](#shapes) (`max` column)."]


# -- shapes ----------------------------------------------------------------------------------


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(SCHEMA_PREFIX)
        return f"[{name}](#{name.lower()})"
    if "const" in schema:
        return f"`{schema['const']!r}`".replace("'", '"')
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    if "array" in kinds and "items" in schema:
        return "list of " + _type(schema["items"])
    text = " or ".join("null" if k == "null" else k for k in kinds)
    if schema.get("format") == "date-time":
        text = text.replace("string", "ISO-8601 instant")
    if "enum" in schema:
        values = ", ".join("`null`" if v is None else f"`{v}`" for v in schema["enum"])
        text += f": one of {values}"
    return text


def _bounds(schema: dict[str, Any]) -> str:
    parts = []
    if "maxLength" in schema:
        parts.append(f"{schema['maxLength']} chars")
    if "minimum" in schema or "maximum" in schema:
        parts.append(f"{schema.get('minimum', '')}..{schema.get('maximum', '')}")
    if "pattern" in schema:
        parts.append(f"`{schema['pattern']}`")
    if "default" in schema:
        parts.append(f"default `{schema['default']}`")
    return ", ".join(parts)


def _fields(schema: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, ...]]:
    required = set(schema.get("required", ()))
    for name, field in schema.get("properties", {}).items():
        yield (f"`{prefix}{name}`", _type(field), "yes" if name in required else "",
               _bounds(field), field.get("description", ""))
        if "object" in field.get("type", ()) and field.get("properties"):
            yield from _fields(field, f"{prefix}{name}.")


def shapes_block() -> list[str]:
    schemas = openapi.document()["components"]["schemas"]
    out: list[str] = []
    for name in SHAPES:
        schema = schemas[name]
        out += [f"#### {name}", ""]
        if schema.get("description"):
            out += [schema["description"], ""]
        out += [*table(("field", "type", "required", "max", "notes"), list(_fields(schema))), ""]
    return out[:-1]


# -- the command line ------------------------------------------------------------------------


@contextlib.contextmanager
def _neutral_environment() -> Iterator[None]:
    """Help output as a fresh shell shows it: no ``FERNDESK_VERIFIER_*`` defaults, fixed width."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith(ENV_PREFIX)]:
        del os.environ[name]
    os.environ["COLUMNS"] = HELP_COLUMNS
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def command_help(command: str) -> str:
    from verifier.cli import build_parser  # the CLI imports the app; keep it off import time

    out = io.StringIO()
    with _neutral_environment(), contextlib.redirect_stdout(out), \
            contextlib.suppress(SystemExit):
        build_parser().parse_args([command, "--help"])
    return out.getvalue().rstrip()


def cli_block() -> list[str]:
    out: list[str] = []
    for command in ("serve", "exec", "token", "inspect"):
        out += [f"### `ferndesk-verifier {command}`", "", "```", command_help(command), "```", ""]
    return out[:-1]


# -- the file --------------------------------------------------------------------------------


BLOCKS: dict[str, Callable[[], list[str]]] = {
    "cli": cli_block,
    "routes": routes_block,
    "errors": errors_block,
    "limits": limits_block,
    "shapes": shapes_block,
}


def render(text: str) -> str:
    """``text`` with every generated block rewritten from the code; prose is kept as is."""
    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in BLOCKS:
            raise ValueError(f"unknown generated block {name!r}; known: {', '.join(BLOCKS)}")
        return match[1] + "\n".join(BLOCKS[name]()) + "\n" + match[4]
    return BLOCK.sub(fill, text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when the file is not what it would write")
    args = parser.parse_args(argv)
    current = args.path.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print(f"{args.path} is out of date with the code: run `{COMMAND}`",
                  file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        args.path.write_text(wanted, encoding="utf-8")
        print(f"rewrote {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
