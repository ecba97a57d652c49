"""The headless progress / class report runs learners' notebooks and names their misconceptions."""
import json
import shutil

from attention_lib._paths import ROOT
from attention_lib.course import progress


def _answer(nb_path, function, body):
    nb = json.loads(nb_path.read_text())
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code" and f"def {function}(" in src:
            cell["source"] = src.replace('raise NotImplementedError("your code here")', body)
    nb_path.write_text(json.dumps(nb))


def test_class_report_tables_each_learner_and_ranks_misconceptions(tmp_path):
    name = "02_softmax_temperature.ipynb"
    for learner in ("ada", "bo", "cy"):
        (tmp_path / learner).mkdir()
        shutil.copy(ROOT / "exercises" / name, tmp_path / learner / name)
    overflow = "return np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)"
    _answer(tmp_path / "ada" / name, "softmax", overflow)
    _answer(tmp_path / "bo" / name, "softmax", overflow)
    _answer(tmp_path / "bo" / name, "softmax_temperature", "return softmax(np.asarray(x) * temperature)")
    _answer(tmp_path / "cy" / name, "softmax", "e = np.exp(x - x.max(axis=axis, keepdims=True))\n    return e / e.sum(axis=axis, keepdims=True)")

    rows = progress.collect([tmp_path], timeout=60)
    status = {(r["learner"], r["question"]): (r["status"], r["code"]) for r in rows}
    assert status[("ada", "ex02.q1")] == ("incorrect", "no_max_subtraction")
    assert status[("ada", "ex02.q2")] == ("not_attempted", None)
    assert status[("bo", "ex02.q2")] == ("incorrect", "temperature_multiplied")
    assert status[("cy", "ex02.q1")] == ("correct", None)

    text = progress.report(rows)
    assert "most common misconceptions (3 learners)" in text
    top = text.split("most common misconceptions")[1].splitlines()[1]
    assert "2 × no_max_subtraction" in top


def test_a_notebook_that_never_finishes_is_reported_not_hung(tmp_path):
    nb = json.loads((ROOT / "exercises" / "00_welcome.ipynb").read_text())
    nb["cells"].insert(2, {"cell_type": "code", "execution_count": None, "id": "loop", "metadata": {}, "outputs": [],
                           "source": "import time\ntime.sleep(600)"})
    (tmp_path / "00_welcome.ipynb").write_text(json.dumps(nb))
    rows = progress.collect([tmp_path], timeout=5)
    assert rows and all(r["status"] == "error" for r in rows)
    assert "timed out" in rows[0]["code"] or "Timeout" in rows[0]["code"]
