import numpy as np
import pytest

from attention_lib import causal_mask, padding_mask
from attention_lib.text import code_hash, mask_grid, measured_with


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


def _module(tmp_path, monkeypatch, inner_body):
    import importlib
    import sys

    (tmp_path / "attention_lib_probe_module.py").write_text(
        f"def inner(x):\n    return {inner_body}\n\n\ndef outer(x):\n    return [inner(v) for v in x]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("attention_lib_probe_module", None)
    return importlib.import_module("attention_lib_probe_module")


def test_code_hash_changes_when_a_function_called_inside_changes(tmp_path, monkeypatch):
    before = _module(tmp_path, monkeypatch, "x + 1")
    outer_before, inner_before = code_hash(before.outer), code_hash(before.inner)
    after = _module(tmp_path, monkeypatch, "x + 2")
    assert code_hash(after.outer) != outer_before          # outer's own text is unchanged; inner's is not
    assert code_hash(after.inner) != inner_before
    assert code_hash(after.outer) == code_hash(after.outer)


def test_measured_with_names_each_function_and_its_code():
    import attention_lib as al

    line = measured_with(al.attention, al.softmax)
    assert line.startswith("measured with attention_lib.attention.attention, attention_lib.softmax.softmax (code ")
    assert len(line.rsplit("code ", 1)[1]) == len("1a2b3c4d)")
    assert code_hash(al.attention) != code_hash(al.softmax)
