"""Who may bind the widget frame to a session, and who may make it set the session cookie.

The frame (``GET /widget/{widget_id}/frame``) used to take ``?session=<id>`` and set the help
center's session cookie from it. A session id is easy to come by (anyone can start one, and
an attacker knows their own), so a link to that URL, or a third-party page embedding it,
signed a victim into someone else's session: session fixation.

Two options were weighed:

* (b) the frame URL carries nothing and the integrator's page hands the session over by
  ``postMessage``, the frame checking ``event.origin`` against the domain rule. Sound, but the
  frame would need a second request and a reload per command (the domain rule needs the PSL,
  which lives on the server), and every ``init``/``identify`` would settle only after a
  handshake across two documents.
* (a), chosen: the frame is opened with a **frame token** that only the session's own answers
  carry, and the cookie is set only when the browser vouches that a page of the help center's
  site loaded the frame. Two independent locks, each pure and testable here:

  1. ``issue_frame_token`` / ``session_of_frame_token``: ``<session id>.<expires>.<mac>``,
     the MAC an HMAC-SHA256 over the widget id, the session id and the expiry, keyed by a key
     *derived from the admin token* (every worker and every server of a deployment shares the
     token, so no schema change and nothing stored). ``POST /widget/{id}/sessions`` and a
     successful identify answer it as ``session.frame_token``. It expires after
     ``FRAME_TOKEN_TTL_SECONDS``: the SDK uses it at once, and a frame URL that leaks (history,
     logs) soon stops showing whose session it was. A bare session id opens nothing.
  2. ``page_may_set_session_cookie``: the browser's ``Sec-Fetch-Site`` must be ``same-origin``
     or ``same-site``; a link from mail, a bookmark or another site (``none``, ``cross-site``)
     and a cross-site ``<iframe>`` cannot produce that. Browsers send no Fetch Metadata over
     plain HTTP to a host other than localhost (``http://help.example.test``, as in the docs),
     so without that header the page that embeds the frame, its ``Referer``, must pass the
     domain rule identify applies; no ``Referer`` at all (``rel=noreferrer``, typed URL) sets
     nothing. A third party can neither forge those headers nor suppress them into a pass.

A token someone hands to a victim still renders that session in the frame (it expires soon),
but it never reaches the cookie, so the help center's own pages never change hands.

Times are real POSIX seconds, not the emulator's clock, for the reason ``dashboard_auth`` gives:
the token is the emulator's own plumbing, and moving the emulated clock must not blank an open
widget.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from typing import Final

from verifier import domains
from verifier.keys import key_from_admin_token

FRAME_TOKEN_TTL_SECONDS: Final = 300
MAX_FRAME_TOKEN: Final = 200  # a session id (64 at most), an expiry and a MAC fit easily
SAME_SITE_FETCHES: Final = frozenset({"same-origin", "same-site"})
_KEY_LABEL: Final = b"ferndesk-verifier widget frame token v1"
_MAC_BYTES: Final = 16


def _mac(admin_token: str, widget_id: str, session_id: str, expires: int) -> str:
    mac = _keyed(admin_token).copy()  # the key's HMAC state, made once: every identify signs
    mac.update(f"{widget_id}\n{session_id}\n{expires}".encode())
    digest = mac.digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@functools.lru_cache(maxsize=4)
def _keyed(admin_token: str) -> hmac.HMAC:
    return hmac.new(key_from_admin_token(admin_token, _KEY_LABEL), digestmod=hashlib.sha256)


def issue_frame_token(admin_token: str, widget_id: str, session_id: str, now: float) -> str:
    """The value the SDK opens the frame of ``session_id`` with, good until ``now`` + TTL."""
    expires = int(now) + FRAME_TOKEN_TTL_SECONDS
    return f"{session_id}.{expires}.{_mac(admin_token, widget_id, session_id, expires)}"


def session_of_frame_token(admin_token: str, widget_id: str, token: str | None,
                           now: float) -> str | None:
    """The session id a frame token names for ``widget_id``, or None: missing, malformed,
    forged, another widget's, or expired. Constant-time on the MAC."""
    if not token or len(token) > MAX_FRAME_TOKEN or not token.isascii():
        return None
    parts = token.rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    session_id, expires_text, mac = parts
    expires = int(expires_text)
    expected = _mac(admin_token, widget_id, session_id, expires)
    if not hmac.compare_digest(expected.encode("ascii"), mac.encode("ascii")):
        return None
    if now >= expires:
        return None
    return session_id


def page_may_set_session_cookie(help_center_domain: str, sec_fetch_site: str | None,
                                referer: str | None) -> bool:
    """Whether the request that loads the frame comes from a page of the help center's site,
    as the browser (not the URL) tells it; see the module docstring."""
    if sec_fetch_site is not None:
        return sec_fetch_site.strip().lower() in SAME_SITE_FETCHES
    embedder = domains.calling_page_origin(None, referer)
    if embedder is None:
        return False
    return domains.caller_may_identify(help_center_domain, embedder).allowed
