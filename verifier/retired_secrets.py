"""A help center's previous JWT secrets: kept when deleted, and recognised when a refused token
turns out to be signed with one, or with another help center's secret (contract section 8).

Deleting a secret (the admin API, the dashboard, a seed that changes it) keeps it in
``retired_secrets`` with its fingerprint and the emulator's instant, at most
``KEPT_PER_HELP_CENTER`` per help center. The schema's cascade drops them with their help
center, so a deleted help center's secrets are never named again, and a reset or a state import
(both delete every help center first) forgets them all. Exports do not carry them: they are a
diagnostic memory, not state an integrator sets up.

Off the hot path: identify asks (``Binder.whose_secret``) only once PyJWT has said the signature
is bad, or the help center has no secret at all. The candidates are then read in one statement
and the token's HS256 signature is checked against each, in this order: this help center's
previous secrets (newest first), the other help centers' current secrets, their previous ones.
What leaves the writer's thread is the match's help center, fingerprint and deletion instant;
never a secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from verifier.clock import isoformat
from verifier.diagnoses import (
    BAD_SIGNATURE,
    UNEXPLAINED_SIGNATURE,
    segment_or_reason,
    signer_reason,
)
from verifier.models import retired_secrets
from verifier.signing import signing_key
from verifier.tokens import BadSignature, NoSecretConfigured, TokenRejected

__all__ = [
    "CANDIDATES",
    "KEPT_PER_HELP_CENTER",
    "MAX_CANDIDATES",
    "SignedWith",
    "first_signer",
    "may_name_signer",
    "reason_naming",
    "retire",
    "signed_parts",
]

KEPT_PER_HELP_CENTER: Final = 10
# At most this many secrets are tried for one refused token (about a microsecond and a half
# each): a suite that made thousands of help centers still answers a bad signature quickly.
MAX_CANDIDATES: Final = 1000
_SIGNATURE_BYTES: Final = hashlib.sha256().digest_size

# Every secret a refused token may be signed with, best explanation first (``rank``): this help
# center's previous secrets, then the others' current secrets, then their previous ones, newest
# first within each. ``deleted_at`` is NULL for a current secret. Takes ``:hc`` and ``:limit``
# (``MAX_CANDIDATES``).
CANDIDATES: Final = (
    "SELECT help_center_id, secret, fingerprint, deleted_at FROM ("
    "SELECT r.help_center_id, r.secret, r.fingerprint, r.deleted_at, r.deleted_at AS at, "
    "CASE WHEN r.help_center_id = :hc THEN 0 ELSE 2 END AS rank FROM retired_secrets r "
    "UNION ALL "
    "SELECT h.id, h.jwt_secret, h.jwt_secret_fingerprint, CAST(NULL AS DOUBLE PRECISION), "
    "h.jwt_secret_created_at, 1 FROM help_centers h "
    "WHERE h.jwt_secret IS NOT NULL AND h.id <> :hc"
    ") candidates ORDER BY rank, at DESC LIMIT :limit"
)


@dataclass(frozen=True, slots=True)
class SignedWith:
    """Whose secret a refused token is signed with: never the secret itself."""

    help_center_id: str
    fingerprint: str
    deleted_at: float | None  # None: that help center's current secret


def retire(conn: Connection, help_center_id: str, secret: str, fingerprint: str,
           now: float) -> None:
    """Keep a secret its help center no longer has (in the transaction that removes it), and
    forget that help center's older ones beyond ``KEPT_PER_HELP_CENTER``."""
    conn.execute(sa.insert(retired_secrets).values(
        help_center_id=help_center_id, secret=secret, fingerprint=fingerprint, deleted_at=now))
    kept = (sa.select(retired_secrets.c.id)
            .where(retired_secrets.c.help_center_id == help_center_id)
            .order_by(retired_secrets.c.id.desc()).limit(KEPT_PER_HELP_CENTER))
    conn.execute(sa.delete(retired_secrets).where(
        retired_secrets.c.help_center_id == help_center_id,
        retired_secrets.c.id.not_in(kept.scalar_subquery())))


def may_name_signer(rejected: TokenRejected) -> bool:
    """Whether a refusal is one whose token another secret could have signed: a bad signature
    that no mistaken key explains, or a help center without a secret."""
    if isinstance(rejected, NoSecretConfigured):
        return True
    return isinstance(rejected, BadSignature) and rejected.reason == UNEXPLAINED_SIGNATURE


def signed_parts(token: str) -> tuple[bytes, bytes] | None:
    """The signing input and the HS256-sized signature of ``token``, read without trusting it;
    None when it cannot be an HS256 JWS (then no secret signed it, and nothing is looked up)."""
    if type(token) is not str or not token.isascii() or token.count(".") != 2:
        return None
    signing_input, _, segment = token.rpartition(".")
    signature = segment_or_reason(segment, "signature")
    if isinstance(signature, str) or len(signature) != _SIGNATURE_BYTES:
        return None
    return signing_input.encode("ascii"), signature


def first_signer(rows: Iterable[Any], signing_input: bytes,
                 signature: bytes) -> SignedWith | None:
    """The first candidate row (``CANDIDATES``' columns) whose secret made ``signature``."""
    for help_center_id, secret, fingerprint, deleted_at in rows:
        digest = hmac.new(signing_key(secret), signing_input, hashlib.sha256).digest()
        if hmac.compare_digest(digest, signature):
            return SignedWith(help_center_id, fingerprint, deleted_at)
    return None


def reason_naming(rejected: TokenRejected, signer: SignedWith, help_center_id: str) -> str:
    """The refusal's reason, saying whose secret signed the token instead."""
    whose = signer_reason(signer.help_center_id == help_center_id, signer.help_center_id,
                          signer.fingerprint, isoformat(signer.deleted_at))
    if isinstance(rejected, BadSignature):
        return f"{BAD_SIGNATURE}: {whose}"
    return f"{rejected.reason}; {whose}"
