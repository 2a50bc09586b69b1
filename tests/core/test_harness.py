"""The test harness itself: the list of tests allowed to be slow names real tests."""

import importlib
from pathlib import Path

import pytest

from tests import conftest
from tests.slow_tests import SLOW_FOR_A_REASON

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("nodeid", sorted(SLOW_FOR_A_REASON))
def test_each_test_allowed_to_be_slow_exists_and_says_why(nodeid):
    path, _, name = nodeid.partition("::")
    function = name.split("[", 1)[0]
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert (ROOT / path).is_file()
    assert callable(getattr(module, function, None)), f"{nodeid} names no test"
    assert len(SLOW_FOR_A_REASON[nodeid]) > 20


def test_a_slow_test_without_a_reason_is_named_and_one_with_a_reason_is_not(monkeypatch):
    monkeypatch.setattr(conftest, "_seconds_by_test", {"a::slow": 6.5, "b::explained": 30.0, "c::fast": 4.9})
    monkeypatch.setattr(conftest, "_tests_that_say_why_they_are_slow", {"b::explained"})
    assert conftest.tests_slow_without_a_reason() == [("a::slow", 6.5)]
