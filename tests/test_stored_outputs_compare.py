"""The comparison that proves each lesson's run in the browser against its stored outputs (nbval's strict rules)."""
import copy
import json

import pytest

from attention_lib._paths import ROOT

from .stored_outputs_compare import differences

LESSON = json.loads((ROOT / "notebooks" / "02_softmax_temperature.ipynb").read_text(encoding="utf-8"))


def _cell(*outputs, tags=()):
    return {"cell_type": "code", "source": "x", "metadata": {"tags": list(tags)}, "outputs": list(outputs)}


def _stream(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text}


def _display(data, kind="display_data"):
    return {"output_type": kind, "data": data, "metadata": {}}


def test_a_stored_lesson_agrees_with_itself_and_has_outputs_to_compare():
    assert differences(LESSON["cells"], copy.deepcopy(LESSON["cells"])) == []
    assert sum(bool(c.get("outputs")) for c in LESSON["cells"] if c["cell_type"] == "code") >= 5


def test_one_changed_digit_in_a_printed_number_is_reported_with_its_cell():
    ran = copy.deepcopy(LESSON["cells"])
    code = [c for c in ran if c["cell_type"] == "code"]
    index = next(i for i, c in enumerate(code) if any(o["output_type"] == "stream" for o in c["outputs"]))
    stream = next(o for o in code[index]["outputs"] if o["output_type"] == "stream")
    text = "".join(stream["text"])
    digit = next(i for i, ch in enumerate(text) if ch.isdigit())
    stream["text"] = text[:digit] + str((int(text[digit]) + 1) % 10) + text[digit + 1:]
    found = differences(LESSON["cells"], ran)
    assert len(found) == 1 and found[0].startswith(f"code cell {index} ") and "stdout" in found[0]


@pytest.mark.parametrize("stored, ran", [
    ([_stream("a = 1\n"), _stream("b = 2\n")], [_stream(["a = 1\n", "b = 2\n"])]),            # chunks are joined
    ([_stream("100%\n")], [_stream("10%\r50%\r100%\n")]),                                     # \r rewrites a line
    ([_display({"text/plain": "<Figure size 640x480 with 1 Axes>", "image/png": "iVBOR1"})],
     [_display({"text/plain": "<Figure size 700x500 with 2 Axes>", "image/png": "iVBOR2"})]),  # sanitised, no PNG
    ([_display({"text/plain": "VBox()", "application/vnd.jupyter.widget-view+json": {"model_id": "aa"}})],
     [_display({"text/plain": "VBox()", "application/vnd.jupyter.widget-view+json": {"model_id": "bb"}})]),
    ([_display({"text/plain": "<object at 0x7f00aa>"}, "execute_result")],
     [_display({"text/plain": "<object at 0x55bb01>"}, "execute_result")]),
])
def test_what_nbval_does_not_compare_is_not_compared(stored, ran):
    assert differences([_cell(*stored)], [_cell(*ran)]) == []


@pytest.mark.parametrize("stored, ran", [
    ([_stream("done\n")], [_stream("done\n", name="stderr")]),                                # another stream
    ([_stream("done\n")], []),                                                                # output missing
    ([], [_stream("Warning: something\n", name="stderr")]),                                   # output added
    ([_display({"text/plain": "0.25"}, "execute_result")], [_display({"text/plain": "0.26"}, "execute_result")]),
    ([_display({"text/html": "<b>1</b>"})], [_display({"text/html": "<b>2</b>"})]),
])
def test_what_nbval_compares_is_reported_when_it_differs(stored, ran):
    assert len(differences([_cell(*stored)], [_cell(*ran)])) == 1


def test_a_cell_tagged_to_ignore_its_output_is_not_compared_and_a_missing_cell_is_reported():
    stored = [_cell(_stream("took 1.2 s\n"), tags=["nbval-ignore-output"]), _cell(_stream("3\n"))]
    assert differences(stored, [_cell(_stream("took 9.9 s\n")), _cell(_stream("3\n"))]) == []
    assert differences(stored, stored[:1]) == ["1 code cells ran, the file stores 2"]
