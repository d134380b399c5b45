"""HS256 keyed the way identify keys it, and the one function that mints an identify JWT.

Identify verifies with the help center's secret *as its UTF-8 bytes*, whatever its length or
look. Whatever signs a token for the emulator (``ferndesk-verifier token``, the pytest plugin's
``HelpCenter.token``, a test) must key it the same way, or a secret that verifies could fail to
sign (PyJWT's ``jwt.encode`` refuses secrets that look like PEM or SSH keys) or sign with a
warning. So the key, the configured JWS and ``mint`` live here, once, and ``verifier.tokens``
verifies with the same ``JWS``.
"""

from __future__ import annotations

import json
from calendar import timegm
from datetime import datetime
from typing import Any, Final

from jwt.algorithms import HMACAlgorithm
from jwt.api_jws import PyJWS

__all__ = ["ALGORITHM", "JWS", "mint", "signing_key"]

ALGORITHM: Final = "HS256"
_TIME_CLAIMS: Final = ("exp", "iat", "nbf")


class _HelpCenterHS256(HMACAlgorithm):
    """HMAC-SHA256 keyed with the UTF-8 bytes of the help center's secret string.

    Two of PyJWT's HMAC behaviours are wrong for us, so this subclass drops them:

    * ``check_key_length`` makes PyJWT 2.15 emit ``InsecureKeyLengthWarning`` on *every*
      verification with a key under 32 bytes. Secrets we generate are 43 characters, but an
      imported secret may be short; it must verify, and must not warn per request (under
      ``-W error`` that warning is even raised out of ``decode``). The key is the help center's
      own configuration, not attacker input, so there is nothing to warn about here.
    * ``prepare_key`` refuses secrets that *look like* PEM/SSH/DER keys or JWK JSON (a defence
      against algorithm confusion when a public key is fed to HS256) and pays for a regex, two
      DER parse attempts and a ``json.loads`` of the key on every call. Our key is always an
      HMAC secret and only HS256 is registered, so the defence protects nothing; and Node's
      ``jwt.sign`` accepts any string, so an emulator must too.

    A secret with a lone surrogate (possible only through a JSON ``\\udXXX`` escape) is encoded
    the way Node's ``Buffer.from(secret)`` does it: the surrogate becomes U+FFFD.
    """

    def __init__(self) -> None:
        super().__init__(HMACAlgorithm.SHA256)

    def prepare_key(self, key: str | bytes) -> bytes:
        if isinstance(key, bytes):
            return key
        try:
            return key.encode("utf-8")
        except UnicodeEncodeError:
            utf16 = key.encode("utf-16-le", "surrogatepass")
            return utf16.decode("utf-16-le", "replace").encode("utf-8")

    def check_key_length(self, key: bytes) -> str | None:
        return None


_HS256: Final = _HelpCenterHS256()

# PyJWT's JWS layer (header parsing, alg allow-list, constant-time HMAC check), with HS256 alone,
# keyed as above. Not its JWT layer: see verifier.tokens for why the payload is parsed there.
JWS: Final = PyJWS(algorithms=[ALGORITHM])
JWS.unregister_algorithm(ALGORITHM)
JWS.register_algorithm(ALGORITHM, _HS256)


def signing_key(secret: str) -> bytes:
    """The HMAC key identify uses for ``secret``: its UTF-8 bytes (a lone surrogate as U+FFFD)."""
    return _HS256.prepare_key(secret)


def mint(claims: dict[str, Any], secret: str) -> str:
    """An HS256 JWT over ``claims``, signed as identify verifies (``signing_key``).

    The payload is what PyJWT's ``jwt.encode`` writes, so a token minted here is byte for byte
    the one it would mint: compact JSON, ASCII escapes, ``exp``/``iat``/``nbf`` given as a
    ``datetime`` turned into whole POSIX seconds (a naive one read as UTC). Nothing is checked:
    deliberately wrong claims (a string ``exp``, even ``NaN``) are signed as given, so that a
    test can see identify refuse them. ``claims`` is left unchanged.
    """
    payload = {key: timegm(value.utctimetuple())
               if key in _TIME_CLAIMS and isinstance(value, datetime) else value
               for key, value in claims.items()}
    return JWS.encode(json.dumps(payload, separators=(",", ":")).encode("utf-8"), secret,
                      algorithm=ALGORITHM)
