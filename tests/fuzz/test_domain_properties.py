"""Hypothesis properties of the domain rule (verifier.domains), complementing the tables of
tests/unit/test_domains.py with generated hosts.

Hosts are built from labels: letters, digits and hyphens, plus IDN labels ("bücher", "пример",
"例え"...), under real public suffixes (com, co.uk, github.io, com.au, the IDN TLD рф), under
TLDs the Public Suffix List does not know (test, internal, zzfuzz: the list's default ``*``
rule makes them public suffixes), and ``localhost``. Each host is kept both in Unicode and as
punycode. Origins are ``scheme://host[:port]``.

Properties:

* case, a trailing dot, a port (added, changed, removed), http vs https (any case), and an IDN
  written in Unicode or punycode (in the Origin itself, or in a Referer through
  ``calling_page_origin``) never change the verdict, nor do the same forms of the help center's
  domain; ``normalize_help_center_domain`` maps them all to one stored form;
* the verdict is exactly the contract's rule: same registrable domain, and the caller is that
  domain, one label below it, or the help center's own host; in particular ``a.b.<registrable>``
  is never allowed unless it is the help center's host;
* an allowed origin always has the help center's registrable domain (an IP address: the same
  address);
* arbitrary text as origin, Referer or help center domain never raises; every verdict is a
  ``Verdict`` with a non-empty ASCII-printable reason; normalisation either returns a stored
  form (idempotent, lower-case ASCII, its own host allowed) or raises InvalidHelpCenterDomain
  with such a reason; a public suffix is never a help center and never lets anyone in.

Bound: 300 examples each, derandomized, no deadline.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import idna
import pytest
from hypothesis import assume, event, example, given, settings
from hypothesis import strategies as st

from tests.fuzz.contract import FUZZ
from verifier.domains import (
    InvalidHelpCenterDomain,
    Verdict,
    caller_may_identify,
    calling_page_origin,
    normalize_help_center_domain,
    registrable_domain,
)

pytestmark = pytest.mark.fuzz

PROPERTY = settings(FUZZ, max_examples=300)

# Labels a real host has: LDH (no '--' in positions 3-4, which IDNA reserves), or an IDN label
# that IDNA 2008 accepts and whose upper case maps back to it.
LDH_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True).filter(
    lambda label: label[2:4] != "--")
IDN_LABELS = ["bücher", "пример", "münchen", "例え", "ελλάδα", "café", "日本語"]
LABEL = st.one_of(LDH_LABEL, LDH_LABEL, st.sampled_from(IDN_LABELS))
SUFFIXES = ["com", "org", "de", "co.uk", "github.io", "com.au", "рф",  # listed in the PSL
            "test", "internal", "zzfuzz"]  # unknown to it: public suffixes by its default rule


@dataclass(frozen=True)
class Host:
    """A host name as labels (Unicode), with the registrable domain it was built on."""

    labels: tuple[str, ...]
    site: tuple[str, ...]

    @property
    def unicode(self) -> str:
        return ".".join(self.labels)

    @property
    def ascii(self) -> str:
        return ".".join(_alabel(label) for label in self.labels)

    @property
    def site_ascii(self) -> str:
        return ".".join(_alabel(label) for label in self.site)

    def below(self, *labels: str) -> Host:
        return Host((*labels, *self.labels), self.site)


def _alabel(label: str) -> str:
    return label if label.isascii() else idna.alabel(label).decode("ascii")


@st.composite
def sites(draw: st.DrawFn) -> Host:
    """A registrable domain: a label under a public suffix, or ``localhost``."""
    if draw(st.integers(0, 9)) == 0:
        return Host(("localhost",), ("localhost",))
    labels = (draw(LABEL), *draw(st.sampled_from(SUFFIXES)).split("."))
    host = Host(labels, labels)
    # A few generated names are themselves listed suffixes (br.com, blogspot.com...): the oracle
    # below needs the name to really be a registrable domain.
    assume(registrable_domain(host.ascii) == host.ascii)
    return host


@st.composite
def hosts_on(draw: st.DrawFn, site: Host, max_depth: int = 3) -> Host:
    host = site.below(*draw(st.lists(LABEL, max_size=max_depth)))
    assume(len(host.ascii) <= 253 and registrable_domain(host.ascii) == site.ascii)
    return host


@st.composite
def rule_cases(draw: st.DrawFn) -> tuple[Host, Host]:
    """A help center host and a caller host: on the same site (any depth, the help center's
    own host often), or on another site."""
    site = draw(sites())
    help_center = draw(hosts_on(site, max_depth=2))
    kind = draw(st.sampled_from(["same site", "own host", "other site"]))
    if kind == "own host":
        return help_center, help_center
    if kind == "same site":
        return help_center, draw(hosts_on(site))
    other = draw(sites())
    return help_center, draw(hosts_on(other))


def _flip_case(text: str, mask: int) -> str:
    return "".join(char.upper() if mask >> (index % 64) & 1 else char
                   for index, char in enumerate(text))


def _expected(help_center: Host, caller: Host) -> bool:
    """The contract's rule, spelled from how the hosts were built."""
    if caller.site_ascii != help_center.site_ascii:
        return False
    return (caller.ascii == help_center.ascii or caller.labels == caller.site
            or len(caller.labels) == len(caller.site) + 1)


SCHEMES = st.sampled_from(["http", "https"]).flatmap(
    lambda scheme: st.integers(0, 31).map(lambda mask: _flip_case(scheme, mask)))
PORTS = st.one_of(st.just(""), st.integers(0, 65535).map(lambda port: f":{port}"))
REFERER_TAILS = st.sampled_from(["", "/", "/account?tab=1", "/a/b#top", "?q=ü"])


def _check_verdict(verdict: Verdict) -> None:
    assert isinstance(verdict, Verdict)
    assert isinstance(verdict.allowed, bool)
    assert verdict.reason and verdict.reason.isascii() and verdict.reason.isprintable(), (
        verdict.reason)


# -- invariance --------------------------------------------------------------------------------


@PROPERTY
@given(case=rule_cases(), scheme=SCHEMES, port=PORTS, mask=st.integers(0, 2**64 - 1),
       dot=st.booleans(), in_unicode=st.booleans(), tail=REFERER_TAILS)
def test_case_dot_port_scheme_and_idn_form_never_change_the_verdict(
        case: tuple[Host, Host], scheme: str, port: str, mask: int, dot: bool,
        in_unicode: bool, tail: str) -> None:
    help_center, caller = case
    base = caller_may_identify(help_center.ascii, f"https://{caller.ascii}")
    _check_verdict(base)
    host = caller.unicode if in_unicode else caller.ascii
    host = _flip_case(host, mask) + ("." if dot else "")
    origin = f"{scheme}://{host}{port}"
    forms = {
        "origin": origin,
        "referer": calling_page_origin(None, origin + tail),
        "origin over referer": calling_page_origin(origin, "https://elsewhere.example" + tail),
    }
    stored = help_center.ascii
    help_center_forms = {stored, help_center.unicode,
                         _flip_case(help_center.unicode, ~mask) + ("." if not dot else "")}
    for raw in help_center_forms:
        assert normalize_help_center_domain(raw) == stored, raw
        for name, sent in forms.items():
            verdict = caller_may_identify(raw, sent)
            _check_verdict(verdict)
            assert (verdict.allowed, verdict.caller_host) == (base.allowed, base.caller_host), (
                name, raw, sent, verdict.reason, base.reason)


# -- the rule itself -------------------------------------------------------------------------


@PROPERTY
@given(case=rule_cases(), scheme=st.sampled_from(["http", "https"]), port=PORTS)
def test_the_verdict_is_the_contracts_rule(case: tuple[Host, Host], scheme: str,
                                           port: str) -> None:
    help_center, caller = case
    verdict = caller_may_identify(help_center.ascii, f"{scheme}://{caller.ascii}{port}")
    _check_verdict(verdict)
    assert verdict.caller_host == caller.ascii
    event("allowed" if verdict.allowed else "refused")
    assert verdict.allowed == _expected(help_center, caller), (
        help_center.ascii, caller.ascii, verdict.reason)


@PROPERTY
@given(site=sites(), data=st.data())
def test_two_labels_below_is_allowed_only_as_the_help_centers_own_host(
        site: Host, data: st.DataObject) -> None:
    help_center = data.draw(hosts_on(site, max_depth=2), label="help_center")
    deep = data.draw(hosts_on(site, max_depth=1).flatmap(
        lambda host: st.tuples(LABEL, LABEL).map(lambda pair: host.below(*pair))), label="deep")
    assume(len(deep.ascii) <= 253)
    verdict = caller_may_identify(help_center.ascii, f"https://{deep.ascii}")
    _check_verdict(verdict)
    assert verdict.allowed == (deep.ascii == help_center.ascii), (
        help_center.ascii, deep.ascii, verdict.reason)


@PROPERTY
@given(help_center=sites().flatmap(lambda site: hosts_on(site, max_depth=2)),
       origin=st.one_of(
           rule_cases().map(lambda case: f"https://{case[1].ascii}"),
           st.text(max_size=60),
           st.text(alphabet="abcxyz.-:[]/@" "0123456789", max_size=40).map(
               lambda tail: "https://" + tail)))
@example(help_center=Host(("help", "example", "com"), ("example", "com")),
         origin="https://app.example.com:8443")
def test_an_allowed_origin_has_the_help_centers_registrable_domain(
        help_center: Host, origin: str) -> None:
    verdict = caller_may_identify(help_center.ascii, origin)
    _check_verdict(verdict)
    if verdict.allowed:
        assert verdict.caller_host is not None
        assert registrable_domain(verdict.caller_host) == help_center.site_ascii


# -- IP addresses ------------------------------------------------------------------------------


def _address_origin(address: ipaddress.IPv4Address | ipaddress.IPv6Address, scheme: str,
                    port: str, exploded: bool) -> str:
    text = address.exploded if exploded else address.compressed
    return f"{scheme}://[{text}]{port}" if address.version == 6 else f"{scheme}://{text}{port}"


@PROPERTY
@given(address=st.ip_addresses(), other=st.ip_addresses(), scheme=SCHEMES, port=PORTS,
       exploded=st.booleans(), host=sites().flatmap(hosts_on))
def test_an_ip_address_matches_only_itself(
        address: ipaddress.IPv4Address | ipaddress.IPv6Address,
        other: ipaddress.IPv4Address | ipaddress.IPv6Address, scheme: str, port: str,
        exploded: bool, host: Host) -> None:
    stored = normalize_help_center_domain(str(address))
    assert stored == address.compressed
    assert normalize_help_center_domain(stored) == stored
    same = caller_may_identify(stored, _address_origin(address, scheme, port, exploded))
    _check_verdict(same)
    assert same.allowed, same.reason
    different = caller_may_identify(stored, _address_origin(other, scheme, port, exploded))
    _check_verdict(different)
    assert different.allowed == (other == address), different.reason
    by_name = caller_may_identify(stored, f"https://{host.ascii}")
    assert not by_name.allowed, by_name.reason
    assert not caller_may_identify(host.ascii, _address_origin(address, scheme, port,
                                                               exploded)).allowed


# -- help center domains -----------------------------------------------------------------------


@PROPERTY
@given(host=sites().flatmap(lambda site: hosts_on(site, max_depth=2)),
       mask=st.integers(0, 2**64 - 1), dot=st.booleans(), in_unicode=st.booleans())
def test_normalisation_is_one_stored_form_that_admits_its_own_host(
        host: Host, mask: int, dot: bool, in_unicode: bool) -> None:
    raw = _flip_case(host.unicode if in_unicode else host.ascii, mask) + ("." if dot else "")
    stored = normalize_help_center_domain(raw)
    assert stored == host.ascii
    assert stored.isascii() and stored == stored.lower() and not stored.endswith(".")
    assert normalize_help_center_domain(stored) == stored
    own = caller_may_identify(stored, f"https://{raw}")
    assert own.allowed, own.reason


@PROPERTY
@given(suffix=st.sampled_from([*SUFFIXES, "xn--p1ai", "blogspot.com", "appspot.com"]),
       mask=st.integers(0, 2**64 - 1), dot=st.booleans(), caller=sites().flatmap(hosts_on))
def test_a_public_suffix_is_never_a_help_center(suffix: str, mask: int, dot: bool,
                                                caller: Host) -> None:
    raw = _flip_case(suffix, mask) + ("." if dot else "")
    with pytest.raises(InvalidHelpCenterDomain) as refused:
        normalize_help_center_domain(raw)
    reason = refused.value.reason
    assert reason and reason.isascii() and reason.isprintable(), reason
    for origin in (f"https://{caller.ascii}", f"https://{raw}", f"https://x.{suffix}"):
        verdict = caller_may_identify(raw, origin)  # a legacy row: fails closed
        _check_verdict(verdict)
        assert not verdict.allowed, (raw, origin, verdict.reason)


# -- arbitrary text ----------------------------------------------------------------------------


@PROPERTY
@given(origin=st.one_of(st.none(), st.text()), referer=st.one_of(st.none(), st.text()),
       help_center=st.one_of(st.sampled_from(["help.example.com", "localhost", "::1",
                                              "127.0.0.1", "com"]), st.text()))
@example(origin="\udc80", referer=None, help_center="help.example.com")
@example(origin=None, referer="https://\udc80.example.com/", help_center="\x00")
def test_arbitrary_text_never_raises(origin: str | None, referer: str | None,
                                     help_center: str) -> None:
    calling = calling_page_origin(origin, referer)
    assert calling is None or isinstance(calling, str)
    for sent in {origin, calling}:
        verdict = caller_may_identify(help_center, sent)
        _check_verdict(verdict)
        if verdict.allowed:
            assert verdict.caller_host is not None
            site = registrable_domain(verdict.caller_host)
            if site is not None:
                assert site == registrable_domain(help_center)
            else:  # an address: the help center's own
                caller_address = ipaddress.ip_address(verdict.caller_host)
                bare = help_center.removesuffix(".").removeprefix("[").removesuffix("]")
                assert caller_address == ipaddress.ip_address(bare)


@PROPERTY
@given(raw=st.one_of(st.text(), st.text(alphabet="abcXYZ019.-_:[]/@ü例", max_size=30)))
@example(raw="Bücher.Example.")
@example(raw="[::1]")
def test_normalisation_of_arbitrary_text_returns_a_stored_form_or_a_reason(raw: str) -> None:
    try:
        stored = normalize_help_center_domain(raw)
    except InvalidHelpCenterDomain as refused:
        assert refused.reason and refused.reason.isascii() and refused.reason.isprintable(), (
            refused.reason)
        return
    assert stored.isascii() and stored == stored.lower() and stored.isprintable()
    assert normalize_help_center_domain(stored) == stored
    origin = f"https://[{stored}]" if ":" in stored else f"https://{stored}"
    own = caller_may_identify(stored, origin)
    assert own.allowed, (raw, stored, own.reason)
