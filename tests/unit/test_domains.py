"""The domain rule of JWT identify (verifier.domains), table by table.

Tables: the contract's own examples and their variants (case, root dot, port, scheme, IDN),
the Public Suffix List's test vectors (tests/unit/psl_tests.txt, verbatim from
publicsuffix/list tests/tests.txt), a reference PSL algorithm run over every rule of the
bundled snapshot, help center normalisation, IP / localhost / .test / private-section
cases, invariance properties, hostile headers, memoisation and "never the network".
"""

from __future__ import annotations

import dataclasses
import json
import os
import pkgutil
import random
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import idna
import pytest

from verifier import domains
from verifier.domains import (
    InvalidHelpCenterDomain,
    Verdict,
    caller_may_identify,
    calling_page_origin,
    normalize_help_center_domain,
    registrable_domain,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HC = "help.example.com"


def _allowed(help_center: str, origin: str | None) -> bool:
    return caller_may_identify(help_center, origin).allowed


# =============================================================================================
# 1. The contract's examples for help.example.com, and their variants
# =============================================================================================

CONTRACT_HOSTS: list[tuple[str, bool]] = [
    # the contract's example, verbatim
    ("app.example.com", True),
    ("example.com", True),
    ("help.example.com", True),
    ("otherdomain.com", False),
    ("a.b.example.com", False),
    ("example.com.evil.com", False),
    ("evilexample.com", False),
    # neighbours of those
    ("www.example.com", True),
    ("docs.example.com", True),
    ("a.help.example.com", False),  # two labels below example.com, and not the help center
    ("help.example.com.evil.com", False),
    ("example.co", False),
    ("example.com.au", False),
    ("example.org", False),
    ("app-example.com", False),
    ("com", False),  # a public suffix has no registrable domain
]

# Each variant rewrites (scheme, host) into an origin; none may change the verdict.
ORIGIN_VARIANTS: dict[str, Callable[[str], str]] = {
    "https": lambda h: f"https://{h}",
    "http": lambda h: f"http://{h}",
    "HTTPS-scheme": lambda h: f"HTTPS://{h}",
    "upper": lambda h: f"https://{h.upper()}",
    "title": lambda h: f"https://{h.title()}",
    "root-dot": lambda h: f"https://{h}.",
    "port-443": lambda h: f"https://{h}:443",
    "port-8443": lambda h: f"https://{h}:8443",
    "http-3000": lambda h: f"http://{h}:3000",
    "dot-port": lambda h: f"https://{h.upper()}.:65535",
}


@pytest.mark.parametrize("variant", list(ORIGIN_VARIANTS))
@pytest.mark.parametrize(("host", "allowed"), CONTRACT_HOSTS, ids=[h for h, _ in CONTRACT_HOSTS])
def test_contract_examples_for_help_example_com(host: str, allowed: bool, variant: str) -> None:
    origin = ORIGIN_VARIANTS[variant](host)
    verdict = caller_may_identify(HC, origin)
    assert verdict.allowed is allowed, verdict.reason
    assert verdict.caller_host == host
    assert verdict.reason


IDN_CASES: list[tuple[str, str, bool]] = [
    # help center typed in Unicode, stored as punycode
    ("hilfe.bücher.example", "https://shop.xn--bcher-kva.example", True),
    ("hilfe.bücher.example", "https://shop.bücher.example", True),  # a Unicode Referer origin
    ("hilfe.bücher.example", "https://SHOP.BÜCHER.example", True),  # UTS-46 case folding
    ("hilfe.bücher.example", "https://xn--bcher-kva.example", True),
    ("hilfe.bücher.example", "https://bücher.example:8443", True),
    ("hilfe.bücher.example", "https://hilfe.xn--bcher-kva.example", True),
    ("hilfe.bücher.example", "https://shop.bücher\u3002example", True),  # ideographic full stop
    ("hilfe.bücher.example", "https://bucher.example", False),
    ("hilfe.bücher.example", "https://a.b.bücher.example", False),
    ("hilfe.bücher.example", "https://xn--bcher-kva.example.evil.com", False),
    # an IDN registrable domain under an IDN public suffix
    ("help.食狮.中国", "https://www.xn--85x722f.xn--fiqs8s", True),
    ("help.食狮.中国", "https://www.食狮.中国", True),
    ("help.食狮.中国", "https://xn--85x722f.xn--fiqs8s", True),
    ("help.食狮.中国", "https://shishi.xn--fiqs8s", False),
    ("help.食狮.中国", "https://xn--fiqs8s", False),
    # ASCII help center, IDN callers
    (HC, "https://xn--bcher-kva.example.com", True),
    (HC, "https://bücher.example.com", True),
    (HC, "https://bücher.example.com.evil.com", False),
    (HC, "https://ex\u00e4mple.com", False),  # exämple.com is another registrable domain
    (HC, "https://My_App.Example.COM", True),  # a browser keeps '_' (no STD3 rules)
    ("hilfe.bücher.example", "https://my_app.BÜCHER.example", True),
]


@pytest.mark.parametrize(("raw_hc", "origin", "allowed"), IDN_CASES)
def test_idn_unicode_and_punycode_are_the_same_host(
    raw_hc: str, origin: str, allowed: bool
) -> None:
    help_center = normalize_help_center_domain(raw_hc)
    assert help_center.isascii()
    verdict = caller_may_identify(help_center, origin)
    assert verdict.allowed is allowed, verdict.reason
    assert verdict.caller_host is not None and verdict.caller_host.isascii()
    assert verdict.reason.isascii() and verdict.reason.isprintable()


def test_null_origin_never_matches() -> None:
    for origin in ("null", "NULL", "Null"):
        verdict = caller_may_identify(HC, origin)
        assert verdict == Verdict(
            False,
            'origin "null" (sandboxed iframe, file:// page or opaque origin) never matches',
            None,
        )


def test_missing_origin_and_referer_is_refused() -> None:
    assert calling_page_origin(None, None) is None
    assert caller_may_identify(HC, None) == Verdict(
        False, "no Origin or Referer header: the calling page is unknown", None
    )


CALLING_PAGE: list[tuple[str | None, str | None, str | None]] = [
    (None, None, None),
    ("", None, None),  # an empty header says nothing: absent
    (" \t", None, None),
    (None, "", None),
    (None, "https://app.example.com/page?x=1", "https://app.example.com"),
    (None, "https://app.example.com", "https://app.example.com"),
    (None, "https://app.example.com/", "https://app.example.com"),
    (None, "https://app.example.com:8443/a/b#frag", "https://app.example.com:8443"),
    (None, "http://[::1]:3000/x", "http://[::1]:3000"),
    (None, "https://user:pw@app.example.com/x", "https://app.example.com"),
    (None, "HTTPS://App.Example.com/x", "https://App.Example.com"),
    (None, "https://bücher.example.com/seite", "https://bücher.example.com"),
    (None, "  https://app.example.com/x  ", "https://app.example.com"),
    # Origin wins over Referer, whatever either says
    ("https://app.example.com", "https://evil.com/x", "https://app.example.com"),
    ("https://evil.com", "https://app.example.com/x", "https://evil.com"),
    ("null", "https://app.example.com/x", "null"),
    (" https://app.example.com ", None, "https://app.example.com"),
    ("", "https://app.example.com/x", "https://app.example.com"),
    # a Referer that has no origin is passed on as is, to be reported as invalid
    (None, "garbage", "garbage"),
    (None, "/relative/path", "/relative/path"),
    (None, "about:blank", "about:blank"),
    (None, "https://app.example.com:99999/x", "https://app.example.com:99999/x"),
    (None, "http://[::1/x", "http://[::1/x"),
]


@pytest.mark.parametrize(("origin", "referer", "expected"), CALLING_PAGE)
def test_calling_page_origin(origin: str | None, referer: str | None, expected: str | None) -> None:
    assert calling_page_origin(origin, referer) == expected


REFERER_VERDICTS: list[tuple[str | None, str | None, bool]] = [
    (None, "https://app.example.com/page?x=1", True),
    (None, "https://example.com/", True),
    (None, "https://a.b.example.com/page", False),
    (None, "https://user@evilexample.com/", False),
    (None, "https://bücher.example.com/seite", True),
    (None, "garbage", False),
    (None, "about:blank", False),
    ("https://evil.com", "https://app.example.com/", False),  # the Origin is the calling page
    ("https://app.example.com", "https://evil.com/", True),
    ("null", "https://app.example.com/", False),
]


@pytest.mark.parametrize(("origin", "referer", "allowed"), REFERER_VERDICTS)
def test_referer_fallback_end_to_end(
    origin: str | None, referer: str | None, allowed: bool
) -> None:
    verdict = caller_may_identify(HC, calling_page_origin(origin, referer))
    assert verdict.allowed is allowed, verdict.reason


EXACT_REASONS: list[tuple[str, str | None, str]] = [
    (
        HC,
        "https://a.b.example.com",
        "origin https://a.b.example.com is 2 labels below the registrable domain example.com; "
        "only example.com, one label below it, or help.example.com itself may identify",
    ),
    (
        HC,
        "https://otherdomain.com",
        "origin https://otherdomain.com has registrable domain otherdomain.com, "
        "the help center help.example.com has example.com",
    ),
    (
        HC,
        "https://example.com.evil.com",
        "origin https://example.com.evil.com has registrable domain evil.com, "
        "the help center help.example.com has example.com",
    ),
    (
        HC,
        "https://app.example.com",
        "origin https://app.example.com is one label below the registrable domain example.com "
        "of the help center help.example.com",
    ),
    (
        HC,
        "https://example.com",
        "origin https://example.com is the registrable domain example.com of the help center "
        "help.example.com",
    ),
    (
        HC,
        "https://help.example.com:8443",
        "origin https://help.example.com:8443 is the help center's own host help.example.com",
    ),
    (HC, None, "no Origin or Referer header: the calling page is unknown"),
    (
        HC,
        "null",
        'origin "null" (sandboxed iframe, file:// page or opaque origin) never matches',
    ),
    (HC, "xyz", "origin 'xyz' is not a valid origin: expected scheme://host[:port]"),
    (
        HC,
        "https://github.io",
        "origin https://github.io is the public suffix github.io, which has no registrable "
        "domain; the help center help.example.com has example.com",
    ),
    (
        HC,
        "ftp://app.example.com",
        "origin ftp://app.example.com has scheme 'ftp': only http and https pages may identify",
    ),
    (
        HC,
        "http://127.0.0.1:3000",
        "origin http://127.0.0.1:3000 is the IP address 127.0.0.1, the help center "
        "help.example.com is a host name; an IP address matches only itself",
    ),
    (
        "127.0.0.1",
        "http://127.0.0.2",
        "origin http://127.0.0.2 is address 127.0.0.2, the help center is the address "
        "127.0.0.1; an IP address matches only itself",
    ),
    (
        "::1",
        "http://[0:0::1]:3000",
        "origin http://[0:0::1]:3000 is the help center's own address ::1",
    ),
    (
        "com",
        "https://example.com",
        "the help center domain com is a public suffix with no registrable domain; "
        "no origin can match",
    ),
    (
        HC,
        "https://app.example.com/",
        "origin 'https://app.example.com/' is not a valid origin: it has a path, query or "
        "fragment; an origin is scheme://host[:port] only",
    ),
]


@pytest.mark.parametrize(("help_center", "origin", "reason"), EXACT_REASONS)
def test_reasons_name_the_hosts_and_the_registrable_domain(
    help_center: str, origin: str | None, reason: str
) -> None:
    assert caller_may_identify(help_center, origin).reason == reason


# =============================================================================================
# 2. The Public Suffix List's own test vectors
# =============================================================================================

PSL_TESTS = HERE / "psl_tests.txt"
_CHECK_PUBLIC_SUFFIX = re.compile(r"checkPublicSuffix\((null|'[^']*'),\s*(null|'[^']*')\);")


def _psl_value(token: str) -> str | None:
    if token == "null":
        return None
    return token[1:-1] if token.startswith("'") else token


def load_psl_vectors(path: Path) -> list[tuple[int, str | None, str | None]]:
    """(line number, host, expected registrable domain) for each vector of the PSL's test file.

    Both published formats are read: ``host expected`` pairs (tests/tests.txt) and
    ``checkPublicSuffix('host', 'expected');`` (tests/test_psl.txt). ``null`` is a null input
    or "no registrable domain". ``//`` lines (including commented-out vectors) are skipped.
    """
    vectors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        match = _CHECK_PUBLIC_SUFFIX.fullmatch(line)
        tokens = list(match.groups()) if match else line.split()
        assert len(tokens) == 2, f"psl_tests.txt:{number}: cannot parse {line!r}"
        vectors.append((number, _psl_value(tokens[0]), _psl_value(tokens[1])))
    return vectors


PSL_VECTORS = load_psl_vectors(PSL_TESTS)

# Vectors that would only fail because the bundled snapshot's *content* differs from the list
# the test file was written against (line number -> why). Investigated: none do today.
PSL_CONTENT_DRIFT: dict[int, str] = {}


def _as_punycode(domain: str | None) -> str | None:
    """The PSL vectors answer in the input's script; this module answers in punycode."""
    if domain is None or domain.isascii():
        return domain.lower() if domain else domain
    return idna.encode(domain, uts46=True).decode("ascii")


def test_psl_vector_file_is_complete() -> None:
    assert PSL_TESTS.read_text(encoding="utf-8").startswith(
        "// Any copyright is dedicated to the Public Domain."
    )
    assert len(PSL_VECTORS) == 78
    assert {"b.c.mm", "www.ck", "city.kobe.jp", "test.k12.ak.us"} <= {
        expected for _, _, expected in PSL_VECTORS
    }


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param(
            host,
            expected,
            id=f"L{number}:{host}",
            marks=[pytest.mark.xfail(reason=PSL_CONTENT_DRIFT[number], strict=True)]
            if number in PSL_CONTENT_DRIFT
            else [],
        )
        for number, host, expected in PSL_VECTORS
    ],
)
def test_psl_vectors(host: str | None, expected: str | None) -> None:
    assert registrable_domain(host) == _as_punycode(expected)


# Rules the vectors lean on, checked against the snapshot directly (a later, trimmed vector
# file must not silently drop them): wildcard, exception, private section, default rule.
ALGORITHM_CASES: list[tuple[str | None, str | None]] = [
    ("city.kawasaki.jp", "city.kawasaki.jp"),  # !city.kawasaki.jp
    ("www.city.kawasaki.jp", "city.kawasaki.jp"),
    ("kawasaki.jp", "kawasaki.jp"),  # *.kawasaki.jp needs a third label
    ("x.kawasaki.jp", None),  # *.kawasaki.jp
    ("y.x.kawasaki.jp", "y.x.kawasaki.jp"),
    ("z.y.x.kawasaki.jp", "y.x.kawasaki.jp"),
    ("ck", None),
    ("foo.ck", None),  # *.ck
    ("www.ck", "www.ck"),  # !www.ck
    ("a.www.ck", "www.ck"),
    ("github.io", None),  # private section
    ("foo.github.io", "foo.github.io"),
    ("a.foo.github.io", "foo.github.io"),
    ("blogspot.com", None),
    ("me.blogspot.com", "me.blogspot.com"),
    ("github.com", "github.com"),
    ("co.uk", None),
    ("bbc.co.uk", "bbc.co.uk"),
    ("www.bbc.co.uk", "bbc.co.uk"),
    ("test", None),  # default rule: an unlisted TLD is a public suffix
    ("example.test", "example.test"),
    ("a.b.test", "b.test"),
    ("intranet", None),
    ("printer.corp.internal", "corp.internal"),
    ("Example.COM.", "example.com"),  # case and root dot
    ("bücher.example", "xn--bcher-kva.example"),
    ("BÜCHER.example", "xn--bcher-kva.example"),
    ("localhost", "localhost"),  # the contract's one exception
    ("app.localhost", "localhost"),
    ("a.b.localhost", "localhost"),
    ("localhost.example.com", "example.com"),
    ("127.0.0.1", None),
    ("::1", None),
    ("[::1]", None),
    ("127.1", None),  # browsers read it as an address, never as a name
    ("", None),
    (".", None),
    ("..com", None),
    ("example..com", None),
    ("a b.com", None),
    ("example.com:443", None),
    (None, None),
]


@pytest.mark.parametrize(("host", "expected"), ALGORITHM_CASES)
def test_registrable_domain_rules(host: str | None, expected: str | None) -> None:
    assert registrable_domain(host) == expected


def _reference_rules() -> set[str]:
    """The bundled snapshot's rules, read without tldextract's parser, labels in punycode."""
    snapshot = pkgutil.get_data("tldextract", ".tld_set_snapshot")
    assert snapshot is not None
    rules = set()
    for line in snapshot.decode("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        rule = line.split()[0].lower()
        bang = "!" if rule.startswith("!") else ""
        labels = [
            label if label == "*" or label.isascii() else idna.alabel(label).decode("ascii")
            for label in rule.removeprefix("!").split(".")
        ]
        rules.add(bang + ".".join(labels))
    return rules


def _reference_registrable(host: str, rules: set[str]) -> str | None:
    """The PSL algorithm as publicsuffix.org states it: the prevailing rule is an exception if
    one matches, else the matching rule with the most labels, else the default rule ``*``."""
    labels = host.split(".")
    suffix_len = 1  # the default rule
    for start in range(len(labels)):
        candidate = labels[start:]
        joined = ".".join(candidate)
        if "!" + joined in rules:
            suffix_len = len(candidate) - 1
            break
        wildcard = "*." + ".".join(candidate[1:]) if len(candidate) > 1 else None
        if joined in rules or (wildcard and wildcard in rules):
            suffix_len = max(suffix_len, len(candidate))
    if len(labels) <= suffix_len:
        return None
    return ".".join(labels[-suffix_len - 1 :])


def test_every_snapshot_rule_agrees_with_the_reference_algorithm() -> None:
    """tldextract walks a trie; this replays the list's own algorithm on each rule of the
    bundled snapshot (as the suffix itself, one and two labels below it) and demands the
    same answer, so a tldextract upgrade that changed wildcard/exception handling shows."""
    rules = _reference_rules()
    assert len(rules) > 9000
    hosts = set()
    for rule in rules:
        base = rule.removeprefix("!").replace("*", "wild")
        hosts.update({base, "x." + base, "y.x." + base})
    disagreements = [
        (host, registrable_domain(host), _reference_registrable(host, rules))
        for host in sorted(hosts)
        if not host.endswith("localhost")
        and registrable_domain(host) != _reference_registrable(host, rules)
    ]
    assert disagreements == []


# =============================================================================================
# 3. normalize_help_center_domain
# =============================================================================================

ACCEPTED: list[tuple[str, str]] = [
    ("help.example.com", "help.example.com"),
    ("Help.Example.COM.", "help.example.com"),
    ("HELP.EXAMPLE.COM", "help.example.com"),
    ("example.com", "example.com"),
    ("a.b.c.example.com", "a.b.c.example.com"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("BÜCHER.example", "xn--bcher-kva.example"),
    ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("help.食狮.中国", "help.xn--85x722f.xn--fiqs8s"),
    ("faß.de", "xn--fa-hia.de"),  # IDNA 2008, non-transitional: ß stays ß
    ("example\u3002com", "example.com"),
    ("example.co.uk", "example.co.uk"),
    ("foo.github.io", "foo.github.io"),
    ("city.kawasaki.jp", "city.kawasaki.jp"),
    ("kawasaki.jp", "kawasaki.jp"),
    ("www.ck", "www.ck"),
    ("b.test.ck", "b.test.ck"),
    ("localhost", "localhost"),
    ("LOCALHOST.", "localhost"),
    ("help.localhost", "help.localhost"),
    ("127.0.0.1", "127.0.0.1"),
    ("10.1.2.3", "10.1.2.3"),
    ("::1", "::1"),
    ("[::1]", "::1"),
    ("0:0:0:0:0:0:0:1", "::1"),
    ("[2001:DB8:0:0:0:0:0:1]", "2001:db8::1"),
    ("app.test", "app.test"),
    ("help.example.test", "help.example.test"),
    ("corp.internal", "corp.internal"),
    ("a1-b2.example.com", "a1-b2.example.com"),
    ("x.example", "x.example"),
    (f"{'a' * 63}.example.com", f"{'a' * 63}.example.com"),
    (".".join(["a" * 61] * 4) + ".abcde", ".".join(["a" * 61] * 4) + ".abcde"),  # 253 chars
]


@pytest.mark.parametrize(("raw", "stored"), ACCEPTED)
def test_normalize_accepts(raw: str, stored: str) -> None:
    assert normalize_help_center_domain(raw) == stored
    assert normalize_help_center_domain(stored) == stored  # the stored form is a fixed point


REFUSED: list[tuple[object, str]] = [
    ("com", "com is a public suffix"),
    ("COM.", "com is a public suffix"),
    ("co.uk", "co.uk is a public suffix"),
    ("github.io", "github.io is a public suffix"),
    ("blogspot.com", "public suffix"),
    ("x.kawasaki.jp", "public suffix"),  # *.kawasaki.jp
    ("test.ck", "public suffix"),  # *.ck
    ("c.mm", "public suffix"),
    ("中国", "xn--fiqs8s ('\\u4e2d\\u56fd') is a public suffix"),
    ("test", "test is a single label the Public Suffix List does not list"),
    ("intranet", "under its default * rule it is a top-level domain"),
    ("", "the domain is empty"),
    (" ", "the domain is empty"),
    ("\t\n", "the domain is empty"),
    (
        "https://help.example.com",
        "includes a scheme; give the bare host only, e.g. help.example.com",
    ),
    ("http://Help.Example.com/x", "includes a scheme"),
    ("//help.example.com", "includes a path"),
    ("help.example.com:443", "includes a port; ports never matter"),
    ("help.example.com:", "includes a port"),
    ("[::1]:443", "includes a port"),
    ("127.0.0.1:8080", "includes a port"),
    ("help.example.com/path", "includes a path"),
    ("help.example.com/", "includes a path"),
    ("help.example.com?x=1", "includes a query"),
    ("help.example.com#top", "includes a fragment"),
    ("help\\example.com", "includes a path"),
    ("user@help.example.com", "includes userinfo"),
    ("https:help.example.com", "contains ':' but is not an IPv6 address"),
    ("a..b.com", "not a valid host name per IDNA (Empty Label)"),
    (".example.com", "not a valid host name per IDNA"),
    ("help.example.com..", "not a valid host name per IDNA"),
    (".", "not a valid host name per IDNA"),
    ("-bad-.com", "not a valid host name per IDNA"),
    ("bad-.example.com", "not a valid host name per IDNA"),
    ("ab--cd.example.com", "not a valid host name per IDNA"),
    ("xn--zz.example.com", "not a valid host name per IDNA"),
    ("a_b.example.com", "not a valid host name per IDNA"),
    ("*.example.com", "not a valid host name per IDNA"),
    ("exa mple.com", "contains whitespace or control characters"),
    (" help.example.com", "contains whitespace or control characters"),
    ("help.example.com\n", "contains whitespace or control characters"),
    ("help.example.com\x00", "contains whitespace or control characters"),
    ("help.example.com\u00a0", "contains whitespace or control characters"),
    (f"{'a' * 64}.example.com", "not a valid host name per IDNA (Label too long)"),
    ("a" * 296 + ".com", "is 300 characters long; a host name has at most 253"),
    (".".join(["a" * 61] * 4) + ".abcdef", "is 254 characters long"),
    ("x" * 5000, "the domain is 5000 characters long"),
    ("127.1", "ends in a number but is not a dotted-quad IPv4 address"),
    ("1.2.3.256", "ends in a number"),
    ("127.000.0.1", "ends in a number"),
    ("0x7f.0.0.1", "ends in a number"),
    ("2130706433", "ends in a number"),
    ("example.123", "ends in a number"),
    ("::g", "contains ':' but is not an IPv6 address"),
    ("[::1", "opens '[' without closing it"),
    ("[not-an-ip]", "is not a valid IPv6 address"),
    ("fe80::1%eth0", "zone id"),
    (None, "the domain must be a string, not NoneType"),
    (42, "the domain must be a string, not int"),
]


@pytest.mark.parametrize(("raw", "why"), REFUSED, ids=[repr(r)[:40] for r, _ in REFUSED])
def test_normalize_refuses(raw: str, why: str) -> None:
    with pytest.raises(InvalidHelpCenterDomain) as caught:
        normalize_help_center_domain(raw)
    reason = caught.value.reason
    assert why in reason
    assert str(caught.value) == reason
    assert isinstance(caught.value, ValueError)
    assert reason.isascii() and reason.isprintable()
    assert len(reason) < 400


# =============================================================================================
# 4. IP addresses, localhost, unlisted TLDs, the private section, wildcards
# =============================================================================================

RULE_CASES: list[tuple[str, str, bool]] = [
    # IPv4: only the same address
    ("127.0.0.1", "http://127.0.0.1", True),
    ("127.0.0.1", "http://127.0.0.1:3000", True),
    ("127.0.0.1", "https://127.0.0.1:8443", True),
    ("127.0.0.1", "http://127.0.0.2", False),
    ("127.0.0.1", "http://localhost:3000", False),
    ("127.0.0.1", "http://[::1]:3000", False),
    ("127.0.0.1", "http://[::ffff:127.0.0.1]", False),
    ("127.0.0.1", "http://127.0.0.1.nip.io", False),
    ("10.0.0.5", "https://10.0.0.5:8443", True),
    ("10.0.0.5", "https://10.0.0.50", False),
    # IPv6: help centers without brackets, origins with
    ("::1", "http://[::1]:3000", True),
    ("::1", "http://[::1]", True),
    ("::1", "http://[0:0:0:0:0:0:0:1]:3000", True),
    ("::1", "http://[::2]", False),
    ("::1", "http://127.0.0.1", False),
    ("::1", "http://localhost", False),
    ("[::1]", "http://[::1]:3000", True),  # a bracketed row still works
    ("0:0:0:0:0:0:0:1", "http://[::1]", True),
    ("2001:db8::1", "https://[2001:DB8:0:0::1]", True),
    ("2001:db8::1", "https://[2001:db8::2]", False),
    # a host name never matches an address and vice versa
    (HC, "http://93.184.215.14", False),
    (HC, "http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]", False),
    # localhost and its subdomains are one site
    ("localhost", "http://localhost", True),
    ("localhost", "http://localhost:3000", True),
    ("localhost", "http://LOCALHOST.:3000", True),
    ("localhost", "https://app.localhost", True),
    ("localhost", "http://app.localhost:5173", True),
    ("localhost", "http://a.b.localhost", False),
    ("localhost", "http://localhost.evil.com", False),
    ("localhost", "http://evillocalhost", False),
    ("localhost", "http://127.0.0.1:3000", False),
    ("localhost", "http://[::1]:3000", False),
    ("help.localhost", "http://localhost:3000", True),
    ("help.localhost", "http://app.localhost", True),
    ("help.localhost", "http://help.localhost:8000", True),
    ("help.localhost", "http://a.b.localhost", False),
    ("help.localhost", "http://a.help.localhost", False),
    ("a.b.localhost", "http://a.b.localhost", True),  # the help center's own host
    ("a.b.localhost", "http://x.localhost", True),
    ("a.b.localhost", "http://x.b.localhost", False),
    # an unlisted TLD is itself the public suffix (the PSL default rule)
    ("help.example.test", "https://app.example.test", True),
    ("help.example.test", "https://example.test", True),
    ("help.example.test", "https://help.example.test:8443", True),
    ("help.example.test", "https://otherdomain.test", False),
    ("help.example.test", "https://a.b.example.test", False),
    ("help.example.test", "https://test", False),
    ("help.example.test", "https://example.test.evil.com", False),
    ("help.example.test", "https://app.example.com", False),
    ("app.test", "https://app.test", True),
    ("app.test", "https://www.app.test", True),
    ("app.test", "https://other.test", False),
    ("docs.corp.internal", "https://wiki.corp.internal", True),
    ("docs.corp.internal", "https://wiki.other.internal", False),
    # the private section: github.io is a public suffix
    ("foo.github.io", "https://foo.github.io", True),
    ("foo.github.io", "https://app.foo.github.io", True),
    ("foo.github.io", "https://bar.github.io", False),
    ("foo.github.io", "https://github.io", False),
    ("foo.github.io", "https://a.b.foo.github.io", False),
    ("foo.github.io", "https://github.com", False),
    ("docs.foo.github.io", "https://foo.github.io", True),
    ("docs.foo.github.io", "https://blog.foo.github.io", True),
    ("me.blogspot.com", "https://you.blogspot.com", False),
    # ICANN multi-label suffixes
    ("help.example.co.uk", "https://app.example.co.uk", True),
    ("help.example.co.uk", "https://example.co.uk", True),
    ("help.example.co.uk", "https://co.uk", False),
    ("help.example.co.uk", "https://other.co.uk", False),
    ("help.example.co.uk", "https://a.b.example.co.uk", False),
    # wildcard and exception rules
    ("b.test.ck", "https://a.b.test.ck", True),
    ("b.test.ck", "https://c.test.ck", False),
    ("b.test.ck", "https://test.ck", False),
    ("www.ck", "https://x.www.ck", True),
    ("www.ck", "https://other.ck", False),
    ("city.kawasaki.jp", "https://www.city.kawasaki.jp", True),
    ("city.kawasaki.jp", "https://kawasaki.jp", False),
    ("shop.x.kawasaki.jp", "https://a.shop.x.kawasaki.jp", True),
    ("shop.x.kawasaki.jp", "https://y.x.kawasaki.jp", False),
    ("shop.x.kawasaki.jp", "https://x.kawasaki.jp", False),
    # a deep help center: its own host passes even though it is far below
    ("a.b.c.example.com", "https://a.b.c.example.com", True),
    ("a.b.c.example.com", "https://x.example.com", True),
    ("a.b.c.example.com", "https://b.c.example.com", False),
    # hosts browsers allow but IDNA 2008 does not: compared, not rejected
    (HC, "https://my_app.example.com", True),
    (HC, "https://r3--sn-abc.example.com", True),
    (HC, "https://my_app.evil.com", False),
]


@pytest.mark.parametrize(("help_center", "origin", "allowed"), RULE_CASES)
def test_rule(help_center: str, origin: str, allowed: bool) -> None:
    verdict = caller_may_identify(help_center, origin)
    assert verdict.allowed is allowed, verdict.reason
    assert verdict.caller_host is not None


INVALID_ORIGINS: list[tuple[str, str]] = [
    ("xyz", "expected scheme://host[:port]"),
    ("", "expected scheme://host[:port]"),
    ("app.example.com", "expected scheme://host[:port]"),
    ("//app.example.com", "expected scheme://host[:port]"),
    ("https:app.example.com", "expected scheme://host[:port]"),
    ("https://", "the host is empty"),
    ("https://:443", "the host is empty"),
    ("https://app.example.com/", "has a path, query or fragment"),
    ("https://app.example.com/page", "has a path, query or fragment"),
    ("https://app.example.com?x=1", "has a path, query or fragment"),
    ("https://app.example.com#x", "has a path, query or fragment"),
    ("https://app.example.com\\x", "has a path, query or fragment"),
    ("https://user@app.example.com", "userinfo"),
    ("https://app.example.com@evil.com", "userinfo"),
    ("https://app.example.com:", "its port ':'"),
    ("https://app.example.com:99999", "its port ':99999'"),
    ("https://app.example.com:-1", "its port"),
    ("https://app.example.com:80:80", "its port"),
    ("https://app.example.com:8o", "its port"),
    ("https://[::1]x", "its port"),
    (" https://app.example.com", "whitespace or control characters"),
    ("https://app.example.com\r\n", "whitespace or control characters"),
    ("https://app\texample.com", "whitespace or control characters"),
    ("https://app example.com", "whitespace or control characters"),
    ("https://app.example.com\x00", "whitespace or control characters"),
    ("https://app.example.com\u2028", "whitespace or control characters"),
    ("https://app..example.com", "has an empty label"),
    ("https://.example.com", "has an empty label"),
    ("https://app.example.com..", "has an empty label"),
    ("https://.", "has no labels"),
    ("https://a%2eexample.com", "is not a host label"),
    ("https://*.example.com", "is not a host label"),
    ("https://exa$mple.com", "is not a host label"),
    (f"https://{'a' * 64}.example.com", "is not a host label"),
    (f"https://{'a.' * 130}com", "a host name has at most 253"),
    ("https://[::1", "opens '[' without closing it"),
    ("https://[zz]", "is not a valid IPv6 address"),
    ("https://[127.0.0.1]", "is not a valid IPv6 address"),
    ("https://[fe80::1%25eth0]", "zone id"),
    ("https://127.1", "ends in a number but is not a dotted-quad IPv4 address"),
    ("https://2130706433", "ends in a number"),
    ("https://0x7f.0.0.1", "ends in a number"),
    ("https://1.2.3.256", "ends in a number"),
    ("https://example.123", "ends in a number"),
    ("https://xn--zz.bücher.example", "starts with xn-- but is not valid punycode"),
    ("https://xn--zz.example.com", "starts with xn-- but is not valid punycode"),
    ("https://xn--abc-.example.com", "starts with xn-- but is not valid punycode"),
    ("https://\u0300x.example.com", "not a valid host name per IDNA"),  # leading combining mark
    ("https://app.\U0001f600.com", "not a valid host name per IDNA (Codepoint U+1F600"),
    ("https://" + "a" * 2000, "characters long"),
]


@pytest.mark.parametrize(
    ("origin", "why"), INVALID_ORIGINS, ids=[repr(o)[:40] for o, _ in INVALID_ORIGINS]
)
def test_invalid_origins_are_refused_with_a_reason(origin: str, why: str) -> None:
    verdict = caller_may_identify(HC, origin)
    assert verdict.allowed is False
    assert verdict.caller_host is None
    assert verdict.reason.startswith("origin '")
    assert " is not a valid origin: " in verdict.reason
    assert why in verdict.reason
    assert verdict.reason.isascii() and verdict.reason.isprintable()


NON_WEB_SCHEMES = [
    ("ftp://app.example.com", "app.example.com"),
    ("ws://app.example.com", "app.example.com"),
    ("wss://app.example.com:443", "app.example.com"),
    ("file://app.example.com", "app.example.com"),
    ("chrome-extension://abcdefghijklmnop", "abcdefghijklmnop"),
    ("moz-extension://app.example.com", "app.example.com"),
    ("capacitor://localhost", "localhost"),
]


@pytest.mark.parametrize(("origin", "host"), NON_WEB_SCHEMES)
def test_only_http_and_https_pages_may_identify(origin: str, host: str) -> None:
    verdict = caller_may_identify("localhost" if host == "localhost" else HC, origin)
    assert verdict.allowed is False
    assert verdict.caller_host == host
    assert "only http and https pages may identify" in verdict.reason


@pytest.mark.parametrize("help_center", ["com", "github.io", "test", "", "a b", "x" * 5000])
def test_a_help_center_that_is_no_site_matches_nothing(help_center: str) -> None:
    for origin in ("https://example.com", "https://foo.github.io", "https://x.test"):
        verdict = caller_may_identify(help_center, origin)
        assert verdict.allowed is False
        assert "no origin can match" in verdict.reason
        assert len(verdict.reason) < 600


# =============================================================================================
# 5. Properties: case, root dot, port and scheme never change a verdict
# =============================================================================================

PROPERTY_ROWS: list[tuple[str, str]] = [
    *[(HC, host) for host, _ in CONTRACT_HOSTS],
    *[(hc, origin.split("://", 1)[1]) for hc, origin, _ in RULE_CASES if "[" not in origin],
]


def _origin_variants(host: str) -> list[str]:
    bare = (host.split(":")[0] if host.count(":") == 1 else host).removesuffix(".")
    forms = {bare, bare.upper(), bare.title(), bare.swapcase(), bare + ".", bare.upper() + "."}
    ports = ["", ":80", ":443", ":3000", ":65535", ":0"]
    return [
        f"{scheme}://{form}{port}"
        for scheme in ("http", "https", "HTTPS")
        for form in sorted(forms)
        for port in ports
    ]


@pytest.mark.parametrize(("help_center", "host"), PROPERTY_ROWS)
def test_case_root_dot_port_and_scheme_never_change_a_verdict(help_center: str, host: str) -> None:
    base = caller_may_identify(help_center, "https://" + host)
    help_center_forms = {help_center, help_center.upper(), help_center + "."}
    if ":" in help_center:  # IPv6: a trailing dot is not a form of an address
        help_center_forms = {help_center, help_center.upper()}
    for hc_form in help_center_forms:
        for origin in _origin_variants(host):
            verdict = caller_may_identify(hc_form, origin)
            assert (verdict.allowed, verdict.caller_host) == (base.allowed, base.caller_host), (
                hc_form,
                origin,
                verdict.reason,
            )


def test_the_rule_is_not_symmetric_but_is_consistent_for_siblings() -> None:
    """Any two hosts one label below the same registrable domain accept each other; a help
    center two labels down accepts its siblings' parent only through the apex rule."""
    siblings = ["a.example.com", "b.example.com", "www.example.com", "example.com"]
    for help_center in siblings:
        for caller in siblings:
            assert _allowed(help_center, f"https://{caller}")
    assert _allowed("a.b.example.com", "https://x.example.com")
    assert not _allowed("x.example.com", "https://a.b.example.com")


# =============================================================================================
# 6. Hostile headers: never raise, reasons stay short and printable
# =============================================================================================


def _hostile_origins() -> list[str]:
    rng = random.Random(20240601)
    alphabet = "abcXYZ019.-_:/[]@?#%\\ \t\r\n\x00\x7f'\"\u00e9\u3002\uff0e\u200b\ud7ff\U0001f600"
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(400)]
    base = "https://app.example.com:8443"
    for _ in range(400):  # single-character mutations of a good origin
        i = rng.randrange(len(base))
        samples.append(base[:i] + rng.choice(alphabet) + base[i + 1 :])
        samples.append(base[:i] + base[i + 1 :])
    samples += [
        "https://" + "a." * 2000 + "com",
        "'" * 10_000,
        "\udc80",
        "https://\udc80.com",
        "https://" + "\U0001f600" * 300 + ".com",  # escapes are 10x longer than the text
        "https://" + "\u00e9" * 900 + ".com",
        "https://" + "\x00" * 1000,
    ]
    return samples


def test_hostile_origins_never_raise_and_reasons_stay_bounded() -> None:
    for origin in _hostile_origins():
        verdict = caller_may_identify(HC, origin)
        assert isinstance(verdict, Verdict)
        assert verdict.reason.isascii() and verdict.reason.isprintable(), repr(origin)
        assert len(verdict.reason) <= 800, repr(origin)
        if verdict.allowed:
            assert verdict.caller_host is not None
            assert registrable_domain(verdict.caller_host) == "example.com"
        calling_page_origin(None, origin)  # the Referer path must not raise either
        calling_page_origin(origin, None)


def test_verdict_is_immutable() -> None:
    verdict = caller_may_identify(HC, "https://app.example.com")
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.allowed = False  # type: ignore[misc]


# =============================================================================================
# 7. Memoisation and speed
# =============================================================================================


def test_caller_may_identify_is_memoised_and_bounded() -> None:
    info = caller_may_identify.cache_info()  # type: ignore[attr-defined]
    assert info.maxsize == 4096
    origin = "https://memo.example.com"
    first = caller_may_identify(HC, origin)
    hits = caller_may_identify.cache_info().hits  # type: ignore[attr-defined]
    assert caller_may_identify(HC, origin) is first
    assert caller_may_identify.cache_info().hits == hits + 1  # type: ignore[attr-defined]


def test_oversized_origins_do_not_enter_the_cache() -> None:
    size = caller_may_identify.cache_info().currsize  # type: ignore[attr-defined]
    for n in range(3):
        caller_may_identify(HC, "https://" + "a" * (5000 + n))
    assert caller_may_identify.cache_info().currsize == size  # type: ignore[attr-defined]


# =============================================================================================
# 8. The Public Suffix List never comes from the network or a disk cache
# =============================================================================================

_NO_NETWORK_PROBE = textwrap.dedent(
    """
    import json, socket

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args)[:80])
        raise OSError("network disabled by test_domains")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    from verifier import domains  # a fresh import: the extractor is built and loaded here

    results = [
        domains.registrable_domain("a.b.example.co.uk"),
        domains.registrable_domain("bar.foo.github.io"),
        domains.caller_may_identify("help.example.com", "https://app.example.com").allowed,
        domains.normalize_help_center_domain("Help.Example.COM."),
    ]
    ours = len(attempts)

    # Control: a default tldextract *does* try the network, so the probe above can see it.
    import tldextract

    tldextract.TLDExtract(cache_dir=None)("example.com")
    print(json.dumps({"ours": ours, "control": len(attempts) - ours, "results": results}))
    """
)


def test_the_psl_never_comes_from_the_network_or_a_disk_cache(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
        "TLDEXTRACT_CACHE": str(tmp_path / "tldextract-cache"),
        # even a configured list URL must be ignored: the module passes suffix_list_urls=()
        "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "https://publicsuffix.org/list/public_suffix_list.dat",
    }
    done = subprocess.run(
        [sys.executable, "-c", _NO_NETWORK_PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["ours"] == 0
    assert report["control"] > 0, "the probe failed to notice a network attempt"
    assert report["results"] == ["example.co.uk", "foo.github.io", True, "help.example.com"]
    assert list(tmp_path.rglob("*")) == [], "something was written to a cache directory"


def test_the_extractor_is_configured_offline() -> None:
    extractor = domains._EXTRACTOR
    assert extractor.suffix_list_urls == ()
    assert extractor.include_psl_private_domains is True
    assert extractor._cache.enabled is False
