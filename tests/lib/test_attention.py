import numpy as np
import pytest

from attention_lib import attention, causal_mask, diagnose_attention, rbf_scores

rng = np.random.default_rng(1)


def loop_attention(q, k, v):
    out, weights = [], []
    for qi in q:
        s = np.array([qi @ kj for kj in k]) / np.sqrt(len(qi))
        e = np.exp(s - s.max())
        w = e / e.sum()
        weights.append(w)
        out.append(sum(wj * vj for wj, vj in zip(w, v, strict=True)))
    return np.array(out), np.array(weights)


def test_attention_matches_a_loop_over_queries():
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    out, w = attention(q, k, v)
    ref_out, ref_w = loop_attention(q, k, v)
    np.testing.assert_allclose(out, ref_out)
    np.testing.assert_allclose(w, ref_w)


def test_attention_batches_over_leading_axes():
    q, k, v = rng.normal(size=(2, 3, 3, 4)), rng.normal(size=(2, 3, 5, 4)), rng.normal(size=(2, 3, 5, 6))
    out, w = attention(q, k, v)
    assert out.shape == (2, 3, 3, 6) and w.shape == (2, 3, 3, 5)
    np.testing.assert_allclose(out[1, 2], loop_attention(q[1, 2], k[1, 2], v[1, 2])[0])


def test_temperature_sharpens_the_weights():
    q, k = rng.normal(size=(1, 4)), rng.normal(size=(6, 4))
    _, w_cold = attention(q, k, k, temperature=0.1)
    _, w_hot = attention(q, k, k, temperature=10.0)
    assert w_cold.max() > w_hot.max()


def test_similarity_by_name_or_function():
    q, k = rng.normal(size=(2, 3)), rng.normal(size=(4, 3))
    _, w = attention(q, k, k, similarity="rbf")
    e = np.exp(rbf_scores(q, k))
    np.testing.assert_allclose(w, e / e.sum(-1, keepdims=True))
    with pytest.raises(ValueError, match="unknown similarity 'manhattan'"):
        attention(q, k, k, similarity="manhattan")


def textbook_attention(q, k, v, mask, tau):
    """softmax(q kᵀ / √d / τ) v with every step a separate array, as first written in lesson 02."""
    s = (q @ np.swapaxes(k, -1, -2)) / np.sqrt(q.shape[-1]) / tau
    s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@pytest.mark.parametrize("tau", [1.0, 0.7])
def test_attention_equals_the_textbook_formula_to_1e_12(tau):
    g = np.random.default_rng(5)
    q, k, v = (g.normal(size=(2, 3, 40, 8)) * 3 for _ in range(3))
    mask = causal_mask(40)
    out, w = attention(q, k, v, mask, temperature=tau)
    ref_out, ref_w = textbook_attention(q, k, v, mask, tau)
    np.testing.assert_allclose(w, ref_w, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out, ref_out, rtol=0, atol=1e-12)
    out, w = attention(q, k, v, temperature=tau)
    ref_out, ref_w = textbook_attention(q, k, v, True, tau)
    np.testing.assert_allclose(out, ref_out, rtol=0, atol=1e-12)


def test_attention_never_overwrites_scores_it_did_not_make():
    q, k = rng.normal(size=(2, 3)), rng.normal(size=(4, 3))
    stored = rng.normal(size=(2, 4))
    kept = stored.copy()
    _, w = attention(q, k, k, similarity=lambda q, k: stored)
    np.testing.assert_array_equal(stored, kept)
    e = np.exp(kept - kept.max(-1, keepdims=True))
    np.testing.assert_allclose(w, e / e.sum(-1, keepdims=True))


def test_keys_and_values_must_agree_on_n_k():
    with pytest.raises(ValueError, match=r"k has shape \(5, 4\) and v has shape \(4, 2\): axis -2 \(the number of keys n_k\)"):
        attention(np.ones((3, 4)), np.ones((5, 4)), np.ones((4, 2)))


def test_values_must_be_at_least_two_dimensional():
    with pytest.raises(ValueError, match=r"v must have shape \(\.\.\., n_k, d_v\)"):
        attention(np.ones((3, 4)), np.ones((5, 4)), np.ones(5))


def test_library_attention_passes_its_own_checklist():
    report = diagnose_attention(attention)
    assert report.ok, str(report)


def test_checklist_catches_softmax_over_the_query_axis():
    def wrong(q, k, v, mask=None):
        s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
        if mask is not None:
            s = np.where(mask, s, -np.inf)
        with np.errstate(invalid="ignore"):                 # a fully masked column gives -inf - -inf
            w = np.exp(s - s.max(-2, keepdims=True))
            w = w / w.sum(-2, keepdims=True)
        return w @ v, w

    report = diagnose_attention(wrong)
    assert not report["rows sum to 1"].passed


def test_checklist_catches_a_mask_ignored():
    def no_mask(q, k, v, mask=None):
        return attention(q, k, v)

    report = diagnose_attention(no_mask)
    assert not report["masked weights are exactly 0"].passed
    assert not report["no causal leak"].passed
    assert report["rows sum to 1"].passed


def test_checklist_catches_position_dependence():
    def with_position_bias(q, k, v, mask=None):
        bias = np.arange(k.shape[-2]) * 0.5               # favours later keys by index
        s = q @ np.swapaxes(k, -1, -2) + bias
        if mask is not None:
            s = np.where(mask, s, -np.inf)
        w = np.exp(s - s.max(-1, keepdims=True))
        w = w / w.sum(-1, keepdims=True)
        return w @ v, w

    assert not diagnose_attention(with_position_bias)["permutation equivariance"].passed


def test_checklist_reports_a_crash_with_its_line_instead_of_raising():
    def broken(q, k, v, mask=None):
        return q @ k                                      # wrong shapes

    report = diagnose_attention(broken)
    assert not report.ok
    assert "raised ValueError" in report["rows sum to 1"].detail and "q @ k" in report["rows sum to 1"].detail
    assert "✗" in report._repr_markdown_()


def test_check_attention_is_a_deprecated_alias_for_one_release():
    import pytest

    from attention_lib import check_attention

    with pytest.warns(DeprecationWarning, match="diagnose_attention"):
        report = check_attention(attention)
    assert report.ok


def test_checklist_runs_six_invariants_and_the_library_passes_the_shape_one():
    report = diagnose_attention(attention)
    assert [f.name for f in report.findings][-1] == "shapes on a non-square input"
    assert len(report.findings) == 6 and report["shapes on a non-square input"].passed


def test_checklist_catches_keys_returned_in_place_of_values_only_through_the_shapes():
    def blends_keys(q, k, v, mask=None):
        w = attention(q, k, v, mask)[1]
        return w @ k, w                                   # fine when v is k, wrong otherwise

    report = diagnose_attention(blends_keys)
    failed = [f.name for f in report.findings if not f.passed]
    assert failed == ["shapes on a non-square input"]
    assert "out (2, 4, 8) (want (2, 4, 5))" in report["shapes on a non-square input"].detail


def test_checklist_catches_weights_with_queries_and_keys_swapped():
    def transposed_weights(q, k, v, mask=None):
        out, w = attention(q, k, v, mask)
        return out, np.swapaxes(w, -1, -2)

    assert not diagnose_attention(transposed_weights)["shapes on a non-square input"].passed


def test_a_failing_masked_weights_line_leads_with_the_number_that_fails():
    def zeroed_after_softmax(q, k, v, mask=None):
        w = attention(q, k, v)[1]
        if mask is not None:
            w = np.where(mask, w, 0.0)                    # blocked weights are 0, but the rows no longer sum to 1
        return w @ v, w

    detail = diagnose_attention(zeroed_after_softmax)["masked weights are exactly 0"].detail
    assert detail.startswith("largest |row sum - 1|: ") and "(fails: " in detail.split(";")[0]
    assert detail.endswith("largest weight on a padded key: exactly 0 (holds)")

    def mask_ignored(q, k, v, mask=None):
        return attention(q, k, v)

    detail = diagnose_attention(mask_ignored)["masked weights are exactly 0"].detail
    assert detail.startswith("largest weight on a padded key: ")
    assert not detail.startswith("largest weight on a padded key: exactly 0")
    assert "(holds)" in detail, "an ignored mask still leaves rows that sum to 1"


def test_a_passing_masked_weights_line_prints_both_numbers_without_verdicts():
    detail = diagnose_attention(attention)["masked weights are exactly 0"].detail
    assert detail == "largest weight on a padded key: exactly 0; largest |row sum - 1|: less than 1e-12"
