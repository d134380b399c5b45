"""A body means what ``json.loads`` says it means, whichever decoder read it first."""

from __future__ import annotations

import json

import pytest

from verifier.errors import InvalidRequest
from verifier.payloads import parse_json_object

ACCEPTED = [
    b'{"jwt": "a.b.c", "session_id": "s_1"}',
    b'{"a": 1, "a": 2}',  # the last one wins, as json says
    b'{"a": NaN, "b": Infinity}',
    b'{"a": 1e400}',
    b'{"a": 123456789012345678901234567890}',
    b'{"a": "\\ud800"}',
    b'{"a": "\xed\xa0\x80"}',  # a surrogate in UTF-8: json takes it (surrogatepass)
    b'\xef\xbb\xbf{"a": 1}',
    '{"a": "\u00e9"}'.encode("utf-16"),
    b' {"a": [1, 2.5, -0, true, null, {"b": "\\u0000"}]}\n',
]
REFUSED = [b'{"a": "\xff"}', b'{"a": "\x01"}', b'{"a": 1} x', b'{"a": 01}', b'{"a": 1,}',
           b"{'a': 1}", b'{"a": 1}\x00', b"[" * 100_000 + b"]" * 100_000, b""]


@pytest.mark.parametrize("raw", ACCEPTED)
def test_a_body_reads_as_json_reads_it(raw: bytes) -> None:
    parsed = parse_json_object(raw, "application/json")
    assert json.dumps(parsed, sort_keys=True) == json.dumps(json.loads(raw), sort_keys=True)


@pytest.mark.parametrize("raw", REFUSED)
def test_what_json_refuses_is_not_valid_json(raw: bytes) -> None:
    with pytest.raises(InvalidRequest, match="body is not valid JSON"):
        parse_json_object(raw, "application/json")
