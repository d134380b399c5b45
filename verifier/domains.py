"""The domain rule of JWT identify: which pages may sign a visitor in to a help center.

Why the rule exists: the JWT proves *who* the visitor is, but a JWT can be replayed from any
page that got hold of one. The rule narrows *where* identify may be called from to pages of
the organisation that owns the help center: the same registrable domain (the part a
registrant controls, per the Public Suffix List), and only its apex, its direct children and
the help center's own host. It keeps out look-alike hosts (``evilexample.com``,
``example.com.evil.com``), other tenants of shared hosting (``bar.github.io`` is not
``foo.github.io``: the list's private section makes ``github.io`` a public suffix) and deeply
nested hosts that are often delegated to third parties (``a.b.example.com``).

Everything here is a pure function of its arguments and of the PSL snapshot bundled with
``tldextract``: no network, no disk cache, no clock. ``caller_may_identify`` is memoised
because it runs on every identify call.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias
from urllib.parse import urlsplit

import idna
import tldextract

__all__ = [
    "InvalidHelpCenterDomain",
    "Verdict",
    "caller_may_identify",
    "calling_page_origin",
    "normalize_help_center_domain",
    "registrable_domain",
    "request_host",
]

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
Host: TypeAlias = str | IPAddress
"""A parsed host: a canonical name (lower case, punycode, no trailing dot) or an address."""

# The one PSL source: the snapshot inside the tldextract package. suffix_list_urls=() means no
# HTTP fetch is ever attempted, cache_dir=None means no disk cache is read or written, and the
# private section is included so that github.io, blogspot.com... are public suffixes.
_EXTRACTOR = tldextract.TLDExtract(
    suffix_list_urls=(),
    cache_dir=None,
    fallback_to_snapshot=True,
    include_psl_private_domains=True,
)
# Parse the snapshot now (~25 ms) rather than on the first identify call: import fails loudly if
# it is missing, and threads never race to build tldextract's lazily created trie.
_EXTRACTOR.extract_str("example.com")

LOCALHOST = "localhost"
WEB_SCHEMES = frozenset({"http", "https"})
MAX_HOST_CHARS = 253  # RFC 1035, without the trailing dot
MAX_INPUT_CHARS = 1024  # longer origins / domains are refused before any parsing
MAX_SHOWN_CHARS = 200  # untrusted text quoted in a reason is cut here
CACHE_SIZE = 4096

# A label as browsers let it through after IDNA processing: ASCII letters, digits, '-' and '_'
# (underscores and '--' in 3rd/4th position occur in real hosts, e.g. r3--sn-x.googlevideo.com).
_LENIENT_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
# WHATWG URL "ends in a number": such a host is parsed as IPv4 by browsers, never as a name.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_ORIGIN = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://(.*)", re.DOTALL)
_BRACKETED = re.compile(r"\[([^\]]*)\](?::(.*))?")
_HOST_PORT = re.compile(r"[^:]*:[0-9]*")
_PORT = re.compile(r"[0-9]{1,5}")


class InvalidHelpCenterDomain(ValueError):
    """A help center domain an admin typed cannot be stored; ``reason`` says why in a sentence."""

    reason: str

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _BadHost(ValueError):
    """Internal: text that is not a usable host or origin; ``reason`` is a clause for a reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Verdict:
    """Whether a calling page may identify, and why (always filled, for the journal and the
    error's ``reason``). ``caller_host`` is the caller's normalised host (lower case, punycode,
    no trailing dot, IPv6 unbracketed) or None when the origin is absent, "null" or unparsable."""

    allowed: bool
    reason: str
    caller_host: str | None


# --------------------------------------------------------------------------- reason helpers


def _escape(text: str) -> str:
    """Untrusted text made ASCII-printable (repr-style escapes) and cut to ~200 characters."""
    out: list[str] = []
    size = 0
    for char in text:
        if char in "'\\":
            piece = "\\" + char
        elif char.isascii() and char.isprintable():
            piece = char
        else:
            piece = ascii(char)[1:-1]  # \n, \x00, \xe9, \u3002, \U0001f600, \udc80...
        if size + len(piece) > MAX_SHOWN_CHARS:
            return "".join(out) + f"... ({len(text)} characters)"
        out.append(piece)
        size += len(piece)
    return "".join(out)


def _quote(text: object) -> str:
    """Untrusted text for a reason: single-quoted, repr-style escapes, at most ~200 chars."""
    return f"'{_escape(text if isinstance(text, str) else repr(text))}'"


def _show(text: str) -> str:
    """Like ``_quote`` but leaves plain, short ASCII (a well-formed origin) unquoted."""
    if (
        len(text) <= MAX_SHOWN_CHARS
        and text.isascii()
        and text.isprintable()
        and not any(ch in text for ch in " '\"\\")
    ):
        return text
    return _quote(text)


def _host_text(host: Host) -> str:
    """The stored / reported form of a parsed host (IPv6 compressed, without brackets)."""
    return host if isinstance(host, str) else host.compressed


# --------------------------------------------------------------------------- host parsing


def _parse_ipv6(text: str) -> ipaddress.IPv6Address:
    if "%" in text:
        raise _BadHost(f"{_quote(text)} has an IPv6 zone id, which a web origin never carries")
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        raise _BadHost(f"{_quote(text)} is not a valid IPv6 address") from None


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_punycode(label: str) -> bool:
    """Whether an ``xn--`` label decodes (browsers refuse hosts whose A-labels do not)."""
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return False
    return bool(decoded) and not decoded.isascii()


def _idna_encode(text: str, *, strict: bool) -> str:
    """Punycode of a host via IDNA 2008 with the UTS-46 mapping browsers apply (case folding,
    full-width dots...). ``strict`` validates every label; otherwise only non-ASCII labels go
    through IDNA, as in a browser's URL parser, so ``my_app.bücher.example`` still parses.
    Raises _BadHost on labels IDNA refuses."""
    try:
        if strict:
            return idna.encode(text, uts46=True).decode("ascii")
        mapped = idna.uts46_remap(text, std3_rules=False, transitional=False)
        return ".".join(
            label if label.isascii() else idna.alabel(label).decode("ascii")
            for label in mapped.split(".")
        )
    except UnicodeError as exc:  # idna.IDNAError and its InvalidCodepoint... are UnicodeErrors
        why = _escape(str(exc))  # idna's message repeats the offending label
        raise _BadHost(f"{_quote(text)} is not a valid host name per IDNA ({why})") from None


def _parse_host(text: str, *, strict: bool) -> Host:
    """Parse a host (no scheme, port or path) into its canonical form.

    ``strict`` (a help center domain an admin types) validates every label per IDNA 2008.
    Otherwise (a host a browser sent us) an all-ASCII host only needs LDH-or-underscore labels:
    the browser has already done IDNA processing, and real hosts break IDNA 2008's stricter
    rules (underscores, ``--`` in positions 3-4); being lenient there cannot widen the rule,
    which compares registrable domains label for label. Non-ASCII input (a Referer or pasted
    text) is mapped and punycoded either way. Raises _BadHost.
    """
    if not text:
        raise _BadHost("the host is empty")
    if text.startswith("["):
        if not text.endswith("]"):
            raise _BadHost(f"{_quote(text)} opens '[' without closing it")
        return _parse_ipv6(text[1:-1])
    if ":" in text:
        return _parse_ipv6(text)

    if text.isascii():
        name = text.lower()
        length = len(name.removesuffix("."))
        if length > MAX_HOST_CHARS:
            raise _BadHost(
                f"{_quote(text)} is {length} characters long; a host name has at most "
                f"{MAX_HOST_CHARS}"
            )
        if strict:
            name = _idna_encode(name, strict=True)
    else:
        name = _idna_encode(text, strict=strict)

    name = name.removesuffix(".")  # one root dot: 'example.com.' is 'example.com'
    if not name:
        raise _BadHost(f"{_quote(text)} has no labels")
    if len(name) > MAX_HOST_CHARS:
        raise _BadHost(f"{_quote(text)} is longer than {MAX_HOST_CHARS} characters as punycode")
    labels = name.split(".")
    for label in labels:
        if not label:
            raise _BadHost(f"{_quote(text)} has an empty label")
        if not _LENIENT_LABEL.fullmatch(label):
            raise _BadHost(
                f"label {_quote(label)} is not a host label (letters, digits, '-' or '_', "
                "1 to 63 characters)"
            )
        if label.startswith("xn--") and not _is_punycode(label):
            raise _BadHost(f"label {_quote(label)} starts with xn-- but is not valid punycode")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        try:
            return ipaddress.IPv4Address(name)
        except ValueError:
            raise _BadHost(
                f"{_quote(text)} ends in a number but is not a dotted-quad IPv4 address"
            ) from None
    return name


# --------------------------------------------------------------------------- PSL


@lru_cache(maxsize=CACHE_SIZE)
def _site(name: str) -> str | None:
    """Registrable domain of a canonical host name, or None if the name is a public suffix.

    tldextract implements the PSL's listed, wildcard (``*.ck``) and exception (``!www.ck``)
    rules, but not the list's *default* rule ``*`` ("a TLD the list does not know is itself
    the public suffix"): for ``a.b.test`` it reports no suffix at all, which would leave
    ``.test``/``.internal`` hosts without a registrable domain and make every such host either
    match everything or nothing. So when no rule matched, the last label is the public suffix
    here, as the PSL algorithm specifies, and ``b.test`` is the registrable domain.

    ``localhost`` is the contract's exception: it and all its subdomains are one site,
    registrable domain ``localhost``, as browsers treat them.
    """
    if name == LOCALHOST or name.endswith("." + LOCALHOST):
        return LOCALHOST
    result = _EXTRACTOR.extract_str(name)
    if result.suffix:
        return result.top_domain_under_public_suffix or None
    labels = name.rsplit(".", 2)
    if len(labels) < 2:  # a lone unlisted label: a TLD under the default rule
        return None
    return ".".join(labels[-2:])


def registrable_domain(host: str | None) -> str | None:
    """The registrable domain ("eTLD+1") of ``host`` per the bundled PSL, private section and
    default ``*`` rule included, in lower-case punycode; ``localhost`` for localhost and its
    subdomains. None for a public suffix, an IP address, None, or anything that is not a host
    (e.g. a leading dot, an empty label). Hosts may be Unicode, mixed case, with a root dot."""
    if not isinstance(host, str) or len(host) > MAX_INPUT_CHARS:
        return None
    try:
        parsed = _parse_host(host, strict=False)
    except _BadHost:
        return None
    return _site(parsed) if isinstance(parsed, str) else None


# --------------------------------------------------------------------------- help centers


def _bare_host_hint(raw: str) -> str:
    """For a refusal message: the bare host hidden in a URL-ish input, if one can be seen."""
    try:
        parts = urlsplit(raw if "//" in raw else "//" + raw)
        host = parts.hostname
    except ValueError:
        host = None
    if host:
        try:
            parsed = _parse_host(host, strict=True)
        except _BadHost:
            parsed = None
        if isinstance(parsed, str) and _site(parsed) is not None:
            return parsed
    return "help.example.com"


def normalize_help_center_domain(raw: str) -> str:
    """Validate a help center's host as an admin types it; return the form to store.

    Stored form: lower case, no trailing dot, IDN as punycode (IDNA 2008 with the UTS-46
    mapping, so ``Bücher.example`` is ``xn--bcher-kva.example``), IPv6 compressed and without
    brackets (``[::1]`` and ``0:0:0:0:0:0:0:1`` are stored as ``::1``), IPv4 dotted-quad.

    Refused, with a reason naming the problem and the fix: empty input, whitespace or control
    characters, anything URL-like (scheme, userinfo, port, path, query, fragment: the domain is
    a bare host, ports never matter), labels IDNA refuses, over-long hosts, hosts ending in a
    number that are not an IPv4 address (browsers read ``127.1`` as an address), and public
    suffixes: a listed one (``com``, ``co.uk``, ``github.io``) or a single label the list does
    not know (``test``, ``intranet``), which its default ``*`` rule makes a TLD. Either would
    let every site under it identify. ``localhost`` and its subdomains are accepted.
    """
    if not isinstance(raw, str):
        raise InvalidHelpCenterDomain(f"the domain must be a string, not {type(raw).__name__}")
    if not raw.strip():
        raise InvalidHelpCenterDomain("the domain is empty; give the help center's host")
    if len(raw) > MAX_INPUT_CHARS:
        raise InvalidHelpCenterDomain(
            f"the domain is {len(raw)} characters long; a host name has at most {MAX_HOST_CHARS}"
        )
    shown = _quote(raw)
    if not raw.isprintable() or " " in raw:
        raise InvalidHelpCenterDomain(
            f"{shown} contains whitespace or control characters; give the bare host, "
            "e.g. help.example.com"
        )
    hint = f"give the bare host only, e.g. {_bare_host_hint(raw)}"
    if "://" in raw:
        raise InvalidHelpCenterDomain(f"{shown} includes a scheme; {hint}")
    if "@" in raw:
        raise InvalidHelpCenterDomain(f"{shown} includes userinfo (user@); {hint}")
    for char, part in (("/", "a path"), ("?", "a query"), ("#", "a fragment"), ("\\", "a path")):
        if char in raw:
            raise InvalidHelpCenterDomain(f"{shown} includes {part}; {hint}")

    bracketed = _BRACKETED.fullmatch(raw)
    if bracketed and bracketed.group(2) is not None:
        raise InvalidHelpCenterDomain(
            f"{shown} includes a port; ports never matter, give the bare address "
            f"{_quote(bracketed.group(1))}"
        )
    if not bracketed and ":" in raw and not raw.startswith("[") and not _is_ipv6(raw):
        if _HOST_PORT.fullmatch(raw):
            raise InvalidHelpCenterDomain(f"{shown} includes a port; ports never matter, {hint}")
        raise InvalidHelpCenterDomain(f"{shown} contains ':' but is not an IPv6 address; {hint}")
    try:
        host = _parse_host(raw, strict=True)
    except _BadHost as exc:
        raise InvalidHelpCenterDomain(exc.reason) from None
    if not isinstance(host, str):
        return host.compressed
    if _site(host) is None:
        named = host if host == raw.lower().removesuffix(".") else f"{host} ({shown})"
        if not _EXTRACTOR.extract_str(host).suffix:  # no rule matched: a bare unlisted TLD
            raise InvalidHelpCenterDomain(
                f"{named} is a single label the Public Suffix List does not list, so under its "
                "default * rule it is a top-level domain with no registrable domain; give a "
                f"host such as help.example.{host}"
            )
        raise InvalidHelpCenterDomain(
            f"{named} is a public suffix (Public Suffix List), so every site under it would "
            f"match; give a host with a registrable domain, e.g. example.{host}"
        )
    return host


# --------------------------------------------------------------------------- callers


def calling_page_origin(origin_header: str | None, referer_header: str | None) -> str | None:
    """The calling page's origin as the contract defines it, for journaling and for
    ``caller_may_identify``: the ``Origin`` header if present (``"null"`` included, since a
    browser sends it on purpose for opaque origins), else the ``Referer``'s
    ``scheme://host[:port]`` (userinfo, path, query and fragment dropped), else None.

    Decisions: surrounding spaces/tabs are not part of a header value (RFC 9110) and are
    stripped; an empty header counts as absent. A Referer that has no scheme and host (or an
    unparsable port) is returned as it is, so the verdict reports it as an invalid origin
    instead of pretending no header came.
    """
    if origin_header is not None and origin_header.strip(" \t"):
        return origin_header.strip(" \t")
    if referer_header is None or not referer_header.strip(" \t"):
        return None
    referer = referer_header.strip(" \t")
    try:
        parts = urlsplit(referer)
        parts.port  # noqa: B018 - raises ValueError on a non-numeric or out-of-range port
    except ValueError:
        return referer
    if not parts.scheme or not parts.netloc:
        return referer
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def request_host(host_header: str | None) -> str | None:
    """The host a request was sent to (its ``Host`` header), in the stored form of a help
    center's domain, or None when it is not a valid host. Used to serve a help center's own
    pages on its domain."""
    if not host_header:
        return None
    try:
        _, host = _split_origin("http://" + host_header.strip())
        return _host_text(_parse_host(host, strict=False))
    except _BadHost:
        return None


def _split_origin(origin: str) -> tuple[str, str]:
    """``scheme://host[:port]`` into (lower-case scheme, host text); raises _BadHost."""
    if len(origin) > MAX_INPUT_CHARS:
        raise _BadHost(f"it is {len(origin)} characters long")
    if not origin.isprintable() or " " in origin:
        raise _BadHost("it contains whitespace or control characters")
    match = _ORIGIN.fullmatch(origin)
    if match is None:
        raise _BadHost("expected scheme://host[:port]")
    scheme, rest = match.group(1).lower(), match.group(2)
    if "@" in rest:
        raise _BadHost("it has userinfo (user@); an origin is scheme://host[:port] only")
    if any(char in rest for char in "/?#\\"):
        raise _BadHost("it has a path, query or fragment; an origin is scheme://host[:port] only")
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            raise _BadHost("its IPv6 host opens '[' without closing it")
        host, after = rest[: close + 1], rest[close + 1 :]
    else:
        host, colon, port = rest.partition(":")
        after = colon + port
    if after and not (
        after.startswith(":") and _PORT.fullmatch(after[1:]) and int(after[1:]) <= 65535
    ):
        raise _BadHost(f"its port {_quote(after)} is not ':' and a number up to 65535")
    if not host:
        raise _BadHost("the host is empty")
    return scheme, host


def caller_may_identify(help_center_domain: str, origin: str | None) -> Verdict:
    """May a page at ``origin`` identify on the help center at ``help_center_domain``?

    ``help_center_domain`` is the stored form (``normalize_help_center_domain``); it is parsed
    leniently again so that a legacy row ('Help.Example.com.', '[::1]') still works, and a
    public suffix there fails closed. ``origin`` is what ``calling_page_origin`` returned:
    e.g. ``'https://App.Example.com:8443'``, ``'http://[::1]:3000'``, ``'null'`` or None.

    The rule: both hosts have the same registrable domain (PSL, private section, default
    ``*`` rule; ``localhost`` for localhost and its subdomains) and the caller is that domain,
    exactly one label below it, or the help center's own host. Scheme must be http(s); port,
    case, a root dot and Unicode-vs-punycode never matter. An IP address matches only the same
    address. Never raises for any header value: a bad one is a refusal with a reason.

    Pure and memoised (LRU, 4096 entries): it runs on every identify call. Origins over 1024
    characters bypass the cache so that hostile headers cannot pin memory.
    """
    if isinstance(origin, str) and len(origin) > MAX_INPUT_CHARS:
        return Verdict(
            False,
            f"origin {_quote(origin)} is not a valid origin: it is {len(origin)} characters long",
            None,
        )
    return _decide(help_center_domain, origin)


@lru_cache(maxsize=CACHE_SIZE)
def _decide(help_center_domain: str, origin: str | None) -> Verdict:
    if origin is None:
        return Verdict(False, "no Origin or Referer header: the calling page is unknown", None)
    if not isinstance(origin, str):
        return Verdict(False, f"origin {_quote(origin)} is not a valid origin", None)
    if origin.lower() == "null":
        return Verdict(
            False,
            'origin "null" (sandboxed iframe, file:// page or opaque origin) never matches',
            None,
        )
    try:
        scheme, host_text = _split_origin(origin)
        caller = _parse_host(host_text, strict=False)
    except _BadHost as exc:
        return Verdict(False, f"origin {_quote(origin)} is not a valid origin: {exc.reason}", None)
    caller_host = _host_text(caller)
    shown = _show(origin)

    def refuse(reason: str) -> Verdict:
        return Verdict(False, reason, caller_host)

    def allow(reason: str) -> Verdict:
        return Verdict(True, reason, caller_host)

    if scheme not in WEB_SCHEMES:
        return refuse(
            f"origin {shown} has scheme {_quote(scheme)}: only http and https pages may identify"
        )
    try:
        if not isinstance(help_center_domain, str) or len(help_center_domain) > MAX_INPUT_CHARS:
            raise _BadHost("it is not a host name")
        help_center = _parse_host(help_center_domain, strict=False)
    except _BadHost as exc:
        return refuse(
            f"the help center domain {_quote(help_center_domain)} is not a valid host "
            f"({exc.reason}); no origin can match"
        )
    hc = _host_text(help_center)

    if not isinstance(help_center, str):
        if caller == help_center:
            return allow(f"origin {shown} is the help center's own address {hc}")
        kind = "address " + caller_host if not isinstance(caller, str) else "a host name"
        return refuse(
            f"origin {shown} is {kind}, the help center is the address {hc}; "
            "an IP address matches only itself"
        )
    if not isinstance(caller, str):
        return refuse(
            f"origin {shown} is the IP address {caller_host}, the help center {hc} is a host "
            "name; an IP address matches only itself"
        )

    hc_site = _site(help_center)
    if hc_site is None:
        return refuse(
            f"the help center domain {hc} is a public suffix with no registrable domain; "
            "no origin can match"
        )
    caller_site = _site(caller)
    if caller_site is None:
        return refuse(
            f"origin {shown} is the public suffix {caller}, which has no registrable domain; "
            f"the help center {hc} has {hc_site}"
        )
    if caller_site != hc_site:
        return refuse(
            f"origin {shown} has registrable domain {caller_site}, "
            f"the help center {hc} has {hc_site}"
        )
    if caller == help_center:
        return allow(f"origin {shown} is the help center's own host {hc}")
    if caller == hc_site:
        return allow(f"origin {shown} is the registrable domain {hc_site} of the help center {hc}")
    depth = caller.count(".") - hc_site.count(".")
    if depth == 1:
        return allow(
            f"origin {shown} is one label below the registrable domain {hc_site} "
            f"of the help center {hc}"
        )
    return refuse(
        f"origin {shown} is {depth} labels below the registrable domain {hc_site}; "
        f"only {hc_site}, one label below it, or {hc} itself may identify"
    )


# The memo's controls, under the public name (it is _decide's cache).
caller_may_identify.cache_info = _decide.cache_info  # type: ignore[attr-defined]
caller_may_identify.cache_clear = _decide.cache_clear  # type: ignore[attr-defined]
