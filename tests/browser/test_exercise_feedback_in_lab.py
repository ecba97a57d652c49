"""An exercise notebook in JupyterLab shows the diagnosis for a wrong answer and "Correct" for a right one."""
from .harness import cell_sources, open_notebook, run_all, set_cell_source

WRONG = '''def softmax(x, axis=-1):
    """Softmax of x along axis; same shape as x."""
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)'''

RIGHT = '''def softmax(x, axis=-1):
    """Softmax of x along axis; same shape as x."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)'''


def _check_output(page, index):
    return page.locator(".jp-Cell").nth(index).locator(".jp-OutputArea").inner_text()


def test_wrong_then_right_answer_in_the_browser(page, lab):
    open_notebook(page, lab, "exercises/02_softmax_temperature.ipynb")
    sources = cell_sources(page)
    i = next(n for n, s in enumerate(sources) if s.startswith("def softmax("))
    assert sources[i + 1] == "ex02.q1.check(softmax)"
    set_cell_source(page, i, WRONG)
    run_all(page)
    shown = _check_output(page, i + 1)
    assert "Not yet" in shown and "no_max_subtraction" in shown and "maximum" in shown
    set_cell_source(page, i, RIGHT)
    run_all(page)
    shown = _check_output(page, i + 1)
    assert "Correct" in shown and "Not yet" not in shown
    assert "Not attempted" in _check_output(page, i + 4)     # q2 is still untouched
