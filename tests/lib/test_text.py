import numpy as np
import pytest

from attention_lib import causal_mask, padding_mask
from attention_lib.text import mask_grid


def test_mask_grid_marks_allowed_keys_for_each_query():
    assert mask_grid(causal_mask(3)) == "\n".join([
        "key      0 1 2",
        "query 0  ■ · ·",
        "query 1  ■ ■ ·",
        "query 2  ■ ■ ■",
    ])


def test_mask_grid_widens_columns_for_two_digit_keys():
    lines = mask_grid(padding_mask([2], 11)[0]).splitlines()
    assert lines[0].endswith(" 9 10")
    assert lines[1] == "query 0   ■  ■  ·  ·  ·  ·  ·  ·  ·  ·  ·"


def test_mask_grid_refuses_a_float_or_batched_mask():
    with pytest.raises(ValueError, match=r"2-D boolean mask.*float64 of shape \(2, 2\)"):
        mask_grid(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"shape \(2, 1, 3\)"):
        mask_grid(padding_mask([1, 2], 3))
