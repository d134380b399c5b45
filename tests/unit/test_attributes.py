"""Which attribute values user-group rules can match (contract section 7), and their names."""

from __future__ import annotations

from typing import Any

import pytest

from verifier.attributes import split, value_problem


@pytest.mark.parametrize("value", ["pro", "", 3, -1.5, 0, True, False, [], ["a", "b"], [1, 2.5],
                                   [True, False]])
def test_matchable_values_have_no_problem(value: Any) -> None:
    assert value_problem(value) is None


@pytest.mark.parametrize(("value", "problem"), [
    (None, "null"),
    ({"plan": "pro"}, "an object"),
    (["a", 1], "an array mixing numbers and strings"),
    ([1, True], "an array mixing booleans and numbers"),
    ([None], "an array of nulls"),
    ([["a"]], "an array of arrays"),
    ([{"a": 1}, {"b": 2}], "an array of objects"),
    (float("nan"), "a non-finite number"),
    ([1.0, float("inf")], "an array mixing non-finite numbers and numbers"),
])
def test_unmatchable_values_are_named(value: Any, problem: str) -> None:
    assert value_problem(value) == problem


def test_split_keeps_the_matchable_values_and_names_the_others_in_order() -> None:
    kept, refused = split({"plan": "pro", "meta": {"a": 1}, "seats": 3, "tags": ["a", 1]})
    assert kept == {"plan": "pro", "seats": 3}
    assert list(refused.items()) == [("meta", "an object"),
                                     ("tags", "an array mixing numbers and strings")]
