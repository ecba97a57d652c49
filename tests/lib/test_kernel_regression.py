import functools

import numpy as np
import pytest

from attention_lib import attention, kernel_regression, kernel_weights, rbf_scores

x_train = np.array([0.0, 1.0, 2.0, 4.0])
y_train = np.array([1.0, 3.0, 2.0, -1.0])


def nadaraya_watson(x, h, kernel):
    k = np.array([kernel((x - xi) / h) for xi in x_train])
    return (k @ y_train) / k.sum()


@pytest.mark.parametrize("name,kernel", [
    ("gaussian", lambda u: np.exp(-u * u / 2)),
    ("laplace", lambda u: np.exp(-abs(u))),
    ("box", lambda u: float(abs(u) <= 1)),
    ("epanechnikov", lambda u: max(1 - u * u, 0.0)),
])
def test_kernel_regression_matches_the_textbook_formula(name, kernel):
    xq = np.array([0.3, 1.5, 3.1])
    got = kernel_regression(xq, x_train, y_train, 1.2, kernel=name)
    np.testing.assert_allclose(got, [nadaraya_watson(x, 1.2, kernel) for x in xq])


def test_gaussian_kernel_regression_is_attention_with_rbf_scores():
    xq = np.linspace(-1, 5, 7)
    out, _ = attention(xq[:, None], x_train[:, None], y_train[:, None],
                       similarity=functools.partial(rbf_scores, temperature=0.8))
    np.testing.assert_allclose(kernel_regression(xq, x_train, y_train, 0.8), out[:, 0])


def test_tiny_bandwidth_is_one_nearest_neighbour():
    np.testing.assert_allclose(kernel_regression([0.9, 3.2], x_train, y_train, 0.01), [3.0, -1.0])


def test_huge_bandwidth_tends_to_the_mean():
    assert kernel_regression([10.0], x_train, y_train, 1e4)[0] == pytest.approx(y_train.mean(), abs=1e-6)


def test_box_kernel_with_no_neighbour_is_nan():
    assert np.isnan(kernel_regression([100.0], x_train, y_train, 1.0, kernel="box")[0])


def test_kernel_weights_rows_sum_to_one():
    np.testing.assert_allclose(kernel_weights([0.5, 2.5], x_train, 0.7).sum(-1), 1)


def test_kernel_regression_errors_are_clear():
    with pytest.raises(ValueError, match=r"y_train must have shape \(4,\) or \(4, d_v\)"):
        kernel_regression([0.0], x_train, y_train[:3], 1.0)
    with pytest.raises(ValueError, match="bandwidth must be > 0"):
        kernel_regression([0.0], x_train, y_train, 0.0)
    with pytest.raises(ValueError, match="unknown kernel 'cauchy'"):
        kernel_regression([0.0], x_train, y_train, 1.0, kernel="cauchy")
