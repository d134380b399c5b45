"""``ferndesk-verifier token`` and ``inspect``: the two tools an integrator reaches for while
wiring identify up.

``token`` mints an identify JWT the way an integrator's backend should, so that a test or a shell
script (``TOKEN=$(ferndesk-verifier token ...)``) needs no JWT library; ``--help-center`` reads
the secret from a running verifier (``GET /api/emulator/state``, ``fetch_secret``) so it is never
copied by hand. Its ``--claim``/``--omit`` mint deliberately wrong tokens too. It signs exactly as
identify verifies (the secret's UTF-8 bytes, any length, no warning).

``inspect`` explains a token without a server: every check of the contract, every problem, the
secret mistake that explains a bad signature (see ``verifier.inspection``, which holds the logic).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from verifier.exit_codes import EXIT_FAILED, EXIT_OK
from verifier.settings import ENV_PREFIX

__all__ = ["CommandError", "fetch_secret", "inspect", "token", "token_claims"]


class CommandError(Exception):
    """A failure to report as one line on stderr, exit code 1."""


def token(args: argparse.Namespace) -> int:
    try:
        secret = args.secret or args.secret_env or fetch_secret(
            args.server, args.admin_token, args.help_center)
    except CommandError as exc:
        print(f"ferndesk-verifier: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if secret != secret.strip():
        print("ferndesk-verifier: warning: the secret has leading or trailing whitespace; the "
              "token is signed with it as is", file=sys.stderr)
    now = time.time() if args.now is None else args.now
    claims = token_claims(sub=args.sub, email=args.email, name=args.name,
                          attributes=args.attr, exp=None if args.no_exp else now + args.expires_in,
                          overrides=args.claim, omit=args.omit)
    # The one minting function (verifier.signing): keyed exactly as identify verifies.
    from verifier.tokens import mint

    print(mint(claims, secret))
    return EXIT_OK


def token_claims(*, sub: str, email: str, name: str | None, attributes: Sequence[tuple[str, Any]],
                 exp: float | None, overrides: Sequence[tuple[str, Any]],
                 omit: Sequence[str]) -> dict[str, Any]:
    """The claim set ``token`` signs: the flags, then ``--claim`` overrides, then ``--omit``."""
    claims: dict[str, Any] = {"sub": sub, "email": email}
    if name is not None:
        claims["name"] = name
    if attributes:
        claims["customAttributes"] = dict(attributes)
    if exp is not None:
        claims["exp"] = int(exp)
    claims.update(overrides)
    for key in omit:
        claims.pop(key, None)
    return claims


def fetch_secret(server: str, admin_token: str | None, help_center: str) -> str:
    """The help center's secret, from a running verifier's ``GET /api/emulator/state``."""
    from verifier.client import Unreachable, VerifierClient

    try:
        client = VerifierClient(server, admin_token, timeout=10)
    except ValueError:
        raise CommandError(f"--server must be an http:// or https:// URL, got {server!r}"
                           ) from None
    url = client.url + "/api/emulator/state"
    try:
        answer = client.request("GET", "/api/emulator/state")
    except Unreachable as exc:
        raise CommandError(f"cannot reach the verifier at {server}: {exc.reason} (is "
                           f"`ferndesk-verifier serve` running there? set --server or "
                           f"{ENV_PREFIX}URL)") from None
    if answer.status != 200:
        raise CommandError(_http_failure(answer.status, url, admin_token))
    return _secret_in_state(answer.json, url, help_center)


def _http_failure(status: int, url: str, admin_token: str | None) -> str:
    if status == 401:
        if not admin_token:
            return (f"{url} needs the admin token: pass --admin-token or set "
                    f"{ENV_PREFIX}ADMIN_TOKEN")
        return (f"{url} refused the admin token (401): check --admin-token or "
                f"{ENV_PREFIX}ADMIN_TOKEN")
    if status == 404:
        return (f"{url} does not exist (404): this verifier is too old for --help-center; use "
                "--secret-env instead")
    return f"{url} answered HTTP {status}"


def _secret_in_state(state: Any, url: str, help_center: str) -> str:
    from verifier.tokens import NOT_CONFIGURED_REASON

    if state is None or isinstance(state, str):  # an empty body, or text that is not JSON
        raise CommandError(f"{url} did not answer JSON")
    centers = state.get("help_centers") if isinstance(state, dict) else None
    if not isinstance(centers, list):
        raise CommandError(f"{url} answered without a help_centers list")
    entries = [entry for entry in centers if isinstance(entry, dict)]
    found = next((entry for entry in entries if entry.get("id") == help_center), None)
    if found is None:
        known = ", ".join(str(entry.get("id")) for entry in entries) or "none"
        raise CommandError(f"no help center {help_center!r} on this verifier (known: {known})")
    secret = found.get("jwt_secret")
    if not secret or not isinstance(secret, str):
        reason = NOT_CONFIGURED_REASON.replace("{id}", help_center)
        raise CommandError(f"help center {help_center!r}: {reason}")
    return secret


def inspect(args: argparse.Namespace) -> int:
    from verifier.inspection import as_json, inspect_token, render

    jwt = sys.stdin.read().rstrip("\r\n") if args.jwt == "-" else args.jwt
    now = time.time() if args.now is None else args.now
    result = inspect_token(jwt, args.secret or args.secret_env, now)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    print(json.dumps(as_json(result), indent=2) if args.json else render(result))
    return EXIT_OK if result.valid else EXIT_FAILED
