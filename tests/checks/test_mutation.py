"""Error models from the teaching references: every exercise has one that agrees with its library function, its
probes kill every first-order mutant (or the mutant is listed, with the sentence that shows it equivalent), the
operators make the slips they promise, and the cache lives where a learner's install can keep it."""
import numpy as np
import pytest

from attention_lib import checks
from attention_lib.checks import _mutants, _mutate
from attention_lib.checks._compare import outcome_matches
from attention_lib.checks._sandbox import call_probe

PORTED = (checks.scoring, checks.softmax, checks.kernel_regression, checks.attention, checks.masking, checks.multihead,
          checks.backward, checks.penpaper, checks.efficient, checks.positions, checks.gpt)
"""Lessons 00-10: every exercise has a teaching reference."""
IDS = [ex.id for module in PORTED for ex in module.EXERCISES]


def test_every_exercise_of_lessons_00_to_10_has_a_teaching_reference():
    assert len(IDS) == 47
    assert sorted(IDS) == sorted(checks.exercise_ids())
    assert [i for i in IDS if checks.get(i).teaching is None] == []


@pytest.mark.parametrize("exercise_id", [i for i in checks.exercise_ids() if checks.get(i).teaching is not None])
def test_every_teaching_reference_agrees_with_its_library_function(exercise_id):
    ex = checks.get(exercise_id)
    for probe, want in zip(ex.probes, ex.reference_outcomes(), strict=True):
        got = call_probe(ex.teaching, probe)
        if ex.canonical is not None and not got.raised:
            got = type(got)(value=ex.canonical(got.value), state=got.state)
        assert outcome_matches(got, want, ex.rtol, ex.atol), f"{exercise_id}: differs on {probe.label}"


@pytest.fixture(scope="module")
def models():
    return {}


def _model(models, exercise_id):
    if exercise_id not in models:
        ex = checks.get(exercise_id)
        models[exercise_id] = _mutants.run_all(ex, ex.reference_outcomes(), keep_all=True)
    return models[exercise_id]


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_first_order_mutant_fails_a_probe_or_is_justified_as_equivalent(models, exercise_id):
    ex = checks.get(exercise_id)
    model = _model(models, exercise_id)
    survivors = {m.slips[0].id for m in model.equivalent if m.first_order}
    unexplained = sorted(survivors - set(ex.equivalent))
    assert not unexplained, f"mutants no probe kills: add a probe, or a sentence in `equivalent`: {unexplained}"
    stale = sorted(set(ex.equivalent) - survivors)
    assert not stale, f"`equivalent` lists mutants that a probe now kills (or that are no longer made): {stale}"
    assert all(len(sentence) > 20 for sentence in ex.equivalent.values())
    killed = sum(m.first_order for m in model.all_mutants)
    assert killed > 0


def test_every_find_the_bug_exercise_knows_its_handout():
    hunts = [i for i in IDS if checks.get(i).bugs]
    assert set(hunts) == {"fix_masked_attention", "cross_attention", "mha_reshape_bug", "backward_mask_bug",
                          "fix_tiled_attention"}
    for exercise_id in hunts:
        ex = checks.get(exercise_id)
        ref = _mutate.parse(ex.teaching)
        handout = ref.patched([p for bug in ex.bugs.values() for p in bug["patch"]])
        assert handout.source != ref.source
        for bug in ex.bugs.values():
            assert {"code", "left", "fixed"} <= set(bug)


# --------------------------------------------------------------------------- the operators


def _taught(x, axis=-1):
    z = x - x.max(axis=axis, keepdims=True)     # (..., n_k) role[shift]: each row's own maximum keeps exp finite
    e = np.exp(z)                               # (..., n_k)
    return e / e.sum(axis=axis, keepdims=True)  # (..., n_k) role[normalise]: each row's weights sum to 1 along `axis`


def _slips(fn):
    return [o.slip for o in _mutate.offers(_mutate.parse(fn))]


def test_the_operators_change_an_axis_drop_keepdims_and_leave_out_a_term():
    said = {(s.operator, s.before, s.after) for s in _slips(_taught)}
    assert ("axis", "x.max(axis=axis, keepdims=True)", "x.max(keepdims=True, axis=-2)") in said
    assert ("keepdims", "e / e.sum(axis=axis, keepdims=True)", "e / e.sum(axis=axis)") in said
    assert ("drop", "x - x.max(axis=axis, keepdims=True)", "x") in said
    assert ("extreme", "e.sum(axis=axis, keepdims=True)", "e.mean(axis=axis, keepdims=True)") in said


def test_a_slip_borrows_its_lines_role_and_names_the_axis_in_the_learners_words():
    slip = next(s for s in _slips(_taught) if s.operator == "axis" and s.after.endswith("axis=-2)")
                and s.before.startswith("e.sum"))
    assert _mutants.sentence(slip) == ("Your `sum` runs over axis −2 instead of `axis`; each row's weights sum to 1 "
                                       "along `axis`.")
    assert _mutants.code_of(slip) == "softmax_wrong_axis"


def _masked(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])   # (..., n_q, n_k) role[scale]: divided by √d
    s = np.where(mask, s, -np.inf)              # (..., n_q, n_k) role[mask]: a blocked key's score is −∞
    return s


def test_the_operators_replace_the_square_root_read_the_mask_backwards_and_change_the_fill():
    said = {(s.operator, s.variety, s.after) for s in _slips(_masked)}
    assert ("scale", "value", "q.shape[-1]") in said
    assert ("scale", "half", "q.shape[-1] / 2") in said
    assert ("polarity", "where", "np.where(mask, -np.inf, s)") in said
    assert ("fill", "−1e9", "-1000000000.0") in said and ("fill", "0", "0.0") in said
    assert ("transpose", "all", "k.T") in said


def _loop(x):
    m = np.full(x.shape[:-1], -np.inf)          # role[start]: −∞ before any score
    total = np.zeros(x.shape[:-1])              # role[running_sum]: nothing summed yet
    for j in range(x.shape[-1]):
        m_new = np.maximum(m, x[..., j])        # role[running_max]: the max so far
        total = total * np.exp(m - m_new) + np.exp(x[..., j] - m_new)   # role[rescale]: e^(m_old − m_new)
        m = m_new
    return total


def test_the_statement_operators_reset_a_running_value_and_leave_out_an_update():
    said = {(s.operator, s.before) for s in _slips(_loop)}
    assert ("reset", "m = np.full(x.shape[:-1], -np.inf)") in said
    assert ("update", "m = m_new") in said
    assert ("swap", "m - m_new") in said


def test_a_mutant_compiles_from_the_reference_tree_and_leaves_the_tree_as_it_was():
    ref = _mutate.parse(_taught)
    before = _mutate._code(ref.tree)
    offer = next(o for o in _mutate.offers(ref) if o.slip.operator == "keepdims")
    fn = _mutate.function(ref, [offer], offer.slip.id)
    with pytest.raises(ValueError):
        fn(np.ones((3, 4)))                      # (3, 4) / (3,) does not broadcast
    assert _mutate._code(ref.tree) == before


# --------------------------------------------------------------------------- the cache


def test_the_cache_is_keyed_by_the_reference_the_probes_and_the_operators():
    ex = checks.get("softmax")
    assert _mutants.key(ex) == _mutants.key(ex)
    assert _mutants.key(ex) != _mutants.key(ex.under(7))          # other probes, another key


def test_the_cache_falls_back_to_the_users_cache_when_the_package_cannot_be_written(tmp_path, monkeypatch):
    blocker = tmp_path / "site-packages"
    blocker.write_text("a file where a folder would be: nothing can be written under it, even by root")
    package, user = blocker / "attention_lib" / "checks" / "_cache", tmp_path / "user"
    monkeypatch.setattr(_mutants, "cache_dirs", lambda: [package, user])
    ex = checks.get("softmax")
    path = _mutants.save(ex, _mutants.run_all(ex, ex.reference_outcomes()))
    assert path is not None and path.parent == user
    assert _mutants.load(ex).key == _mutants.key(ex)


def test_the_user_cache_follows_the_platforms_convention(monkeypatch):
    monkeypatch.delenv(_mutants.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    monkeypatch.setattr(_mutants.sys, "platform", "linux")
    package, user = _mutants.cache_dirs()
    assert package.name == "_cache" and package.parent.name == "checks"
    assert str(user) == "/somewhere/cache/attention-hands-on/checks"


def test_the_cache_goes_where_the_environment_says_and_nowhere_with_off(tmp_path, monkeypatch):
    monkeypatch.setenv(_mutants.CACHE_ENV, str(tmp_path))
    assert _mutants.cache_dirs() == [tmp_path]
    ex = checks.get("causal_mask")
    path = _mutants.save(ex, _mutants.run_all(ex, ex.reference_outcomes()))
    assert path.parent == tmp_path and _mutants.load(ex) is not None
    monkeypatch.setenv(_mutants.CACHE_ENV, "off")
    assert _mutants.cache_dirs() == [] and _mutants.load(ex) is None


def test_a_saved_model_replaces_the_older_file_of_its_exercise_under_the_same_numerics(tmp_path, monkeypatch):
    monkeypatch.setenv(_mutants.CACHE_ENV, str(tmp_path))
    ex = checks.get("causal_mask")
    (tmp_path / f"causal_mask-{_mutants._tag()}-0000.pkl.z").write_bytes(b"stale")
    (tmp_path / "causal_mask-abcdef-0000.pkl.z").write_bytes(b"another machine's numerics")
    path = _mutants.save(ex, _mutants.run_all(ex, ex.reference_outcomes()))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "causal_mask-abcdef-0000.pkl.z"])


def test_the_cache_key_follows_the_numerics_a_mutants_last_bits_depend_on(monkeypatch):
    ex = checks.get("numerical_gradient")
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    here = _mutants.key(ex)
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    assert _mutants.key(ex) != here and np.__version__ in _mutants.numerics()


def test_probes_drawn_again_under_a_salt_keep_their_purposes_and_shapes_but_not_their_numbers():
    ex = checks.get("attention")
    salted = ex.under(2024)
    assert [p.purpose for p in salted.probes] == [p.purpose for p in ex.probes]
    assert [np.shape(a) for p in salted.probes for a in p.args] == [np.shape(a) for p in ex.probes for a in p.args]
    assert not np.allclose(salted.probes[0].args[0], ex.probes[0].args[0])
    assert checks.check(salted, checks.get("attention").teaching).status == "correct"


def test_the_whole_cache_stays_under_five_megabytes_and_a_wheel_ships_it():
    import pickle
    import tomllib
    import zlib

    from attention_lib._paths import ROOT

    total = 0
    for exercise_id in IDS:
        ex = checks.get(exercise_id)
        model = _mutants.error_model(ex, ex.reference_outcomes())
        total += len(zlib.compress(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), 6))
    assert total < 5e6, f"{total / 1e6:.1f} MB"
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "_cache/*.pkl.z" in data["attention_lib.checks"]


def test_the_cache_command_builds_every_exercise_into_the_cache(tmp_path, monkeypatch, capsys):
    from attention_lib.checks.__main__ import main

    monkeypatch.setenv(_mutants.CACHE_ENV, str(tmp_path))
    assert main(["cache", "softmax", "causal_mask"]) == 0
    assert sorted(p.name.split("-")[0] for p in tmp_path.iterdir()) == ["causal_mask", "softmax"]
    assert "KiB in all" in capsys.readouterr().out
