"""The pieces a diagnosis is made of: relations between a wrong and a right array, the tolerance,
and families of slips. Each is tested on arrays built by hand, not on the checks' own variants."""
import numpy as np
import pytest

from attention_lib import checks
from attention_lib.checks import _relations as rel
from attention_lib.checks._compare import arrays_match, values_match
from attention_lib.checks._engine import family

R = np.random.default_rng(7).normal(size=(3, 5))
W = np.exp(R) / np.exp(R).sum(axis=-1, keepdims=True)     # rows sum to 1


def test_a_constant_factor_is_found_and_measured():
    found = rel.factor(2.5 * R, R)
    assert found.key == "factor" and found.value == pytest.approx(2.5)
    assert rel.factor(-R, R).key == "sign"
    assert rel.factor(R + 0.1, R) is None


def test_a_constant_shift_is_found():
    assert rel.shift(R + 3.0, R).value == pytest.approx(3.0)
    assert rel.shift(2 * R, R) is None


def test_the_last_two_axes_swapped_are_found_with_or_without_a_factor():
    assert rel.transposed(R.T, R).key == "transposed"
    assert rel.transposed(3 * R.T, R).key == "transposed"
    assert rel.transposed(R.T + 1, R) is None


def test_exp_log_and_softmax_applied_are_told_apart():
    assert rel.applied(np.exp(R), R).key == "exp"
    assert rel.applied(np.log(W), W).key == "log"
    assert rel.applied(W, R).key == "softmax"


def test_log_is_found_even_where_the_right_weight_underflows_to_zero():
    right = np.array([[0.0, 0.25, 0.75]])
    mine = np.array([[-805.0, np.log(0.25), np.log(0.75)]])
    assert rel.applied(mine, right).key == "log"


def test_weights_normalised_along_another_axis_or_the_whole_array():
    columns = np.exp(R) / np.exp(R).sum(axis=0, keepdims=True)
    assert rel.normalised_elsewhere(columns, W, axis=-1).key == "other_axis"
    assert rel.normalised_elsewhere(np.exp(R) / np.exp(R).sum(), W, axis=-1).key == "whole_array"
    assert rel.normalised_elsewhere(W, W, axis=-1) is None


def test_rows_with_the_right_proportions_but_another_sum():
    scaled = W * np.array([[2.0], [0.5], [3.0]])
    assert rel.rows_proportional(scaled, W, axis=-1).key == "unnormalised"
    assert rel.rows_proportional(W + 0.01, W, axis=-1) is None


def test_rows_with_right_proportions_where_some_weights_are_exactly_zero():
    right = np.array([[0.0, 0.2, 0.8], [0.5, 0.5, 0.0]])
    assert rel.rows_proportional(right * np.array([[7.0], [3.0]]), right, axis=-1).key == "unnormalised"


def test_some_rows_right_and_the_others_wrong_are_named():
    mine = R.copy()
    mine[1] += 1
    assert rel.wrong_rows(mine, R, 1e-6, 1e-8).rows == (1,)


def test_a_monotone_function_of_the_right_answer():
    assert rel.monotone(np.cbrt(R), R).key == "monotone"
    assert rel.monotone(R + np.random.default_rng(1).normal(size=R.shape), R) is None


def test_an_elementwise_squash_is_recognised_across_inputs():
    xs = [np.random.default_rng(s).normal(size=(3, 4)) for s in (1, 2)]
    assert rel.elementwise([(x, 1 / (1 + np.exp(-x))) for x in xs]).key == "elementwise"
    assert rel.elementwise([(x, np.exp(x) / np.exp(x).sum(-1, keepdims=True)) for x in xs]) is None


def test_float32_work_is_close_enough_and_float16_is_not():
    x = np.random.default_rng(3).normal(size=(4, 6))
    assert arrays_match(x.astype(np.float32), x)
    assert arrays_match(x.astype(np.float32).astype(np.float64) / np.sqrt(6) * np.sqrt(6), x)
    assert not arrays_match(x.astype(np.float16), x)
    assert not arrays_match(x * (1 + 1e-3), x)


def test_lists_tuples_and_arrays_compare_alike():
    x = np.arange(6.0).reshape(2, 3)
    assert values_match(x.tolist(), x) and values_match(tuple(map(tuple, x)), x)
    assert values_match([x, x], (x, x)) and not values_match([x], (x, x))


def test_a_family_names_each_combination_by_its_first_slip_and_stops_at_two():
    def build(a, b, c):
        return lambda: (a, b, c)

    stages = {"a": [(0, None, ""), (1, "scaled_by_d", "")], "b": [(0, None, ""), (1, "no_sqrt_d_scaling", "")],
              "c": [(0, None, ""), (1, "missing_keepdims", "")]}
    made = family(build, stages)
    values = {m.variant(): m.code for m in made}
    assert (0, 0, 0) not in values and (1, 1, 1) not in values     # the right one, and three slips at once
    assert values[(0, 1, 1)] == "no_sqrt_d_scaling" and values[(1, 0, 1)] == "scaled_by_d"
    assert len(made) == 6


def test_failing_only_where_n_q_differs_from_n_k_is_an_axis_mix_up():
    def scaled_dot_scores(Q, K):
        n = Q.shape[-2]
        out = np.zeros(Q.shape[:-1] + (n,))               # sized by the queries, for the keys
        for j in range(min(n, K.shape[-2])):
            out[..., j] = (Q * K[..., j:j + 1, :]).sum(-1) / np.sqrt(Q.shape[-1])
        return out

    assert checks.run("scaled_dot_scores", scaled_dot_scores).code == "square_only"
