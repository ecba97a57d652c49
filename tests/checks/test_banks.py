"""Answers written by a tester who never saw the checker: every correct one is accepted, and the
wrong ones get the diagnosis of their idea, at the rate the course promises."""
import functools

import pytest

from .answers import (
    blind_0004c,
    blind_0004d,
    blind_0004e,
    blind_0008,
    blind_0008b,
    blind_0406,
    blind_0508c,
    blind_0508d,
    blind_0508e,
    blind_0910b,
    blind_0910c,
    blind_0910d,
    blind_dev,
    blind_heldout,
    heldout_0407,
    redteam_0008,
    unusual,
)
from .modes import verdict

RIGHT = unusual.BANK + unusual.EXTRA
TARGET_RATE = 0.85
RATE_0004C, RATE_0508C = 1.0, 0.95      # named after tuning: 117/117 and 126/132 (measured once before it: 107 and 120)


def _run(entry, forked=None):
    """The verdict on one bank answer (see tests/checks/modes.py): in-process, except the answers a tester marked
    "hostile:" (a bare ``except:`` retry loop, endless recursion), which run in the forked sandbox."""
    if forked is None:
        forked = entry["idea"].startswith("hostile:")
    return verdict(entry["id"], entry["fn"], forked=forked)


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


# ---------------------------------------------------------------- the banks of later rounds, one xdist group each
SECOND_ROUND = {"blind_0406": (blind_0406, 0.80), "heldout_0407": (heldout_0407, 0.85), "blind_0008": (blind_0008, 0.95),
                "blind_0008b": (blind_0008b, 0.93), "blind_0910b": (blind_0910b, 0.91),
                "blind_0004c": (blind_0004c, RATE_0004C), "blind_0508c": (blind_0508c, RATE_0508C),
                "blind_0910c": (blind_0910c, 1.0),      # 115/115 after tuning (84.3 % measured once)
                # the fourth round, at the rates measured once before tuning (see each bank's docstring)
                "blind_0004d": (blind_0004d, 0.91), "blind_0508d": (blind_0508d, 0.93), "blind_0910d": (blind_0910d, 0.90),
                # the fifth round, likewise (116/123 and 116/128, none accepted, none of 79 right rejected)
                "blind_0004e": (blind_0004e, 0.94), "blind_0508e": (blind_0508e, 0.90)}
IN_SCOPE_ACCEPTS = {"mrb_no_bias", "mrb_mask_no_head_axis",                                  # see blind_0406's docstring
                    "softmax_float32", "kreg_underflow", "kvb_float", "mhabug_fixed_no_bias",   # and blind_0008b's
                    "tiled_mask_not_broadcast_aware",
                    "samp_topk_larger_than_V_crashes",                                         # and blind_0910b's
                    "nw_underflow"}                                       # and blind_0004d's (kvb_float: as above)
BANKS = [pytest.param(name, id=name, marks=pytest.mark.xdist_group(f"bank-{name}")) for name in SECOND_ROUND]


@functools.cache
def _verdicts(name):
    """Every answer of one bank with its verdict, computed once per process; the bank's tests share an xdist group,
    so one worker computes it and the other banks go to other workers."""
    bank, _ = SECOND_ROUND[name]
    return [(e, _run(e)) for e in bank.BANK]


@pytest.mark.parametrize("name", BANKS)
def test_right_answers_pass_and_wrong_ones_do_not(name):
    verdicts = _verdicts(name)
    assert {e["kind"] for e, _ in verdicts} <= {"wrong", "right", "correct"}    # a bank's two spellings of right
    rejected = [e["name"] for e, r in verdicts if e["kind"] != "wrong" and r.status != "correct"]
    accepted = {e["name"] for e, r in verdicts if e["kind"] == "wrong" and r.status == "correct"}
    assert rejected == []
    assert accepted <= IN_SCOPE_ACCEPTS, accepted - IN_SCOPE_ACCEPTS


@pytest.mark.parametrize("name", BANKS)
def test_answers_judged_named_keep_their_diagnosis_at_the_rate_measured(name):
    bank, rate = SECOND_ROUND[name]
    wrong = [(e, r) for e, r in _verdicts(name) if e["kind"] == "wrong"]
    lost = [(e["name"], bank.EXPECTED[e["name"]], r.code) for e, r in wrong
            if bank.EXPECTED[e["name"]] is not None and r.code != bank.EXPECTED[e["name"]]]
    assert lost == []
    named = sum(bank.EXPECTED[e["name"]] is not None for e, _ in wrong)
    assert named / len(wrong) >= rate and set(bank.EXPECTED) == {e["name"] for e, _ in wrong}


# ---------------------------------------------------------------- the red team's answers (lessons 00-08)
REDTEAM = [pytest.param(e, id=e["name"]) for e in redteam_0008.BANK]


@pytest.mark.parametrize("entry", REDTEAM)
def test_a_red_team_answer_is_accepted_exactly_when_right_and_named_when_wrong(entry):
    result = _run(entry)
    if entry["kind"] == "wrong":
        assert (result.status, result.code) == ("incorrect", redteam_0008.EXPECTED[entry["name"]]), \
            f"{entry['idea']}: {result}"
    else:
        assert (result.status, result.code) == ("correct", None), f"{entry['idea']}: {result}"


def test_every_red_team_wrong_answer_has_its_expected_code():
    assert set(redteam_0008.EXPECTED) == {e["name"] for e in redteam_0008.BANK if e["kind"] == "wrong"}


# ---------------------------------------------------------------- both ways of running an answer give one verdict
def _sample_of_every_exercise():
    """From all the banks: the first two wrong answers and the first right one of every exercise."""
    every = [(e, e["kind"] == "wrong") for bank, _ in SECOND_ROUND.values() for e in bank.BANK] + \
        [(e, True) for e in blind_dev.BANK + blind_heldout.BANK] + [(e, False) for e in RIGHT]
    taken, sample = {}, []
    for e, wrong in every:
        key = (e["id"], wrong)
        if taken.get(key, 0) < (2 if key[1] else 1):
            taken[key] = taken.get(key, 0) + 1
            sample.append(e)
    return sample


SAMPLE = _sample_of_every_exercise()


def test_the_sample_covers_every_exercise_the_banks_cover():
    assert {e["id"] for e in SAMPLE} == {e["id"] for bank, _ in SECOND_ROUND.values() for e in bank.BANK}
    assert len({e["id"] for e in SAMPLE}) >= 38


@pytest.mark.xdist_group("bank-modes")
def test_a_forked_sandbox_and_the_in_process_path_give_the_same_verdict_and_message():
    differ = []
    for entry in SAMPLE:
        forked, inprocess = _run(entry, forked=True), _run(entry, forked=False)
        if (forked.status, forked.code, forked.message) != (inprocess.status, inprocess.code, inprocess.message):
            differ.append((entry["name"], str(forked), str(inprocess)))
    assert differ == []
