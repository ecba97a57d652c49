"""Answers written by a tester who never saw the checker: every correct one is accepted, and the
wrong ones get the diagnosis of their idea, at the rate the course promises."""
import contextlib
import io

import pytest

from attention_lib import checks

from .answers import blind_dev, blind_heldout, unusual

RIGHT = unusual.BANK + unusual.EXTRA
TARGET_RATE = 0.85


def _run(entry):
    with contextlib.redirect_stdout(io.StringIO()):       # one answer prints thousands of lines, on purpose
        return checks.run(entry["id"], entry["fn"])


@pytest.mark.parametrize("entry", RIGHT, ids=[e["name"] for e in RIGHT])
def test_a_correct_but_unusual_answer_is_accepted(entry):
    result = _run(entry)
    assert (result.status, result.code) == ("correct", None), f"{entry['idea']}: {result}"


@pytest.fixture(scope="module")
def dev_results():
    return [(entry, _run(entry)) for entry in blind_dev.BANK]


def test_the_blind_dev_bank_is_diagnosed_at_the_target_rate_with_no_false_accept(dev_results):
    accepted = [e["name"] for e, r in dev_results if r.status == "correct"]
    right = sum(r.code == e["code"] for e, r in dev_results)
    assert not accepted, f"wrong answers accepted: {accepted}"
    assert right / len(dev_results) >= TARGET_RATE, f"{right} of {len(dev_results)} named as expected"


@pytest.mark.parametrize("index", range(len(blind_dev.BANK)), ids=[e["name"] for e in blind_dev.BANK])
def test_each_blind_dev_answer_gets_the_diagnosis_of_its_idea(dev_results, index):
    entry, result = dev_results[index]
    assert result.status == "incorrect"
    assert result.code == entry["code"], f"{entry['idea']}: got {result}"


@pytest.fixture(scope="module")
def heldout_results():
    return [(entry, _run(entry)) for entry in blind_heldout.BANK]


def test_the_held_out_bank_is_diagnosed_at_the_target_rate_with_no_false_accept(heldout_results):
    accepted = [e["name"] for e, r in heldout_results if r.status == "correct"]
    named = sum(e["code"] is not None and r.code == e["code"] for e, r in heldout_results)
    assert not accepted, f"wrong answers accepted: {accepted}"
    assert named / len(heldout_results) >= TARGET_RATE, f"{named} of {len(heldout_results)} named as expected"


@pytest.mark.parametrize("index", range(len(blind_heldout.BANK)), ids=[e["name"] for e in blind_heldout.BANK])
def test_each_held_out_answer_is_judged_wrong_and_named_where_a_diagnosis_exists(heldout_results, index):
    entry, result = heldout_results[index]
    assert result.status == "incorrect"
    if entry["code"] is not None:
        assert result.code == entry["code"], f"{entry['idea']}: got {result}"
