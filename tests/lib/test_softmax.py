import math

import numpy as np
import pytest

from attention_lib import entropy, softmax, softmax_jacobian


def naive_softmax(row):
    exps = [math.exp(x) for x in row]
    return [e / sum(exps) for e in exps]


def test_softmax_matches_the_definition_row_by_row():
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
    expected = np.array([naive_softmax(r) for r in x])
    np.testing.assert_allclose(softmax(x), expected, rtol=1e-12)


def test_softmax_normalises_the_requested_axis():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(softmax(x, axis=0).sum(axis=0), np.ones(3))
    np.testing.assert_allclose(softmax(x, axis=0)[:, 0], naive_softmax([0.0, 3.0]))


def test_softmax_survives_huge_logits():
    w = softmax(np.array([1000.0, 1000.0, -1000.0]))
    np.testing.assert_allclose(w, [0.5, 0.5, 0.0])


def test_fully_masked_row_gives_zero_weights_not_nan():
    w = softmax(np.array([[-np.inf, -np.inf], [0.0, -np.inf]]))
    assert np.array_equal(w, [[0.0, 0.0], [1.0, 0.0]])


def test_temperature_divides_the_scores():
    x = np.array([0.2, 1.3, -0.4])
    np.testing.assert_allclose(softmax(x, temperature=0.5), naive_softmax(x / 0.5))


@pytest.mark.parametrize("tau", [0, -1.0])
def test_non_positive_temperature_is_refused(tau):
    with pytest.raises(ValueError, match="temperature must be > 0"):
        softmax([1.0, 2.0], temperature=tau)


def test_softmax_casts_ints_and_keeps_float32():
    assert softmax([1, 2, 3]).dtype == np.float64
    assert softmax(np.ones(3, np.float32)).dtype == np.float32


def test_softmax_rejects_text_with_a_type_error():
    with pytest.raises(TypeError, match="x must be numeric"):
        softmax(np.array(["a", "b"]))


def test_softmax_rejects_an_axis_out_of_range():
    with pytest.raises(ValueError, match="axis 2 is out of range for x of shape \\(2, 2\\)"):
        softmax(np.ones((2, 2)), axis=2)


def test_entropy_is_zero_for_one_hot_and_ln_n_for_uniform():
    assert entropy([0.0, 1.0, 0.0]) == 0.0
    assert entropy(np.full(8, 1 / 8)) == pytest.approx(math.log(8))


def test_softmax_jacobian_matches_finite_differences():
    s = np.array([0.3, -1.2, 2.0, 0.1])
    h = 1e-6
    numeric = np.stack(
        [(softmax(s + h * e) - softmax(s - h * e)) / (2 * h) for e in np.eye(4)], axis=1
    )
    np.testing.assert_allclose(softmax_jacobian(softmax(s)), numeric, atol=1e-8)


def test_softmax_jacobian_vanishes_when_saturated():
    assert np.abs(softmax_jacobian(softmax(np.array([50.0, 0.0, 0.0])))).max() < 1e-20


@pytest.mark.parametrize("tau", [1.0, 0.5])
def test_softmax_leaves_its_input_alone_unless_told_to_overwrite_it(tau):
    x = np.array([[1.0, 2.0, 3.0], [0.5, -np.inf, 0.0]])
    kept = x.copy()
    w = softmax(x, temperature=tau)
    np.testing.assert_array_equal(x, kept)
    same = softmax(x, temperature=tau, out=x)
    assert same is x
    np.testing.assert_array_equal(x, w)
    np.testing.assert_allclose(w[0], naive_softmax(kept[0] / tau), rtol=1e-14)


def test_softmax_out_must_have_the_shape_of_x():
    with pytest.raises(ValueError, match=r"out has shape \(3,\) but x has shape \(2, 3\)"):
        softmax(np.ones((2, 3)), out=np.empty(3))
