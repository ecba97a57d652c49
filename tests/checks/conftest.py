import pytest

from attention_lib.checks import _sandbox


@pytest.fixture
def short_clock(monkeypatch):
    """A 1 s limit for answers that never end. What the tests that ask for it show (the clock stops such an answer
    however it resists) does not depend on its length, and each answer keeps a core busy until it is stopped; the
    learner's 3 s is kept by tests/checks/test_checks.py::test_the_timeout_stops_runaway_code_quickly."""
    monkeypatch.setattr(_sandbox, "TIMEOUT_SECONDS", 1.0)
