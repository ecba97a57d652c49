"""Learners' folders are read safely, and a learner is only ever a folder the instructor named."""
import json
import os
import time
import tracemalloc

import pytest

from attention_lib.course import submissions
from attention_lib.course.submissions import Unreadable

LESSONS = {"02_softmax_temperature", "03_soft_knn"}


def _nb(path, cells=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                "cells": cells or [{"cell_type": "code", "source": "x = 1", "metadata": {}}]}))
    return path


def _find(*paths):
    found = submissions.find([str(p) for p in paths], lambda stem: stem in LESSONS)
    return {learner.name: learner for learner in found}


def test_a_fifo_is_refused_at_once_instead_of_blocking_the_report(tmp_path):
    fifo = tmp_path / "02_softmax_temperature.ipynb"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(Unreadable, match="not a regular file"):
        submissions.read_file(fifo, 1 << 20)
    assert time.monotonic() - start < 1


def test_a_symbolic_link_is_not_followed(tmp_path):
    target = _nb(tmp_path / "bo" / "02_softmax_temperature.ipynb")
    (tmp_path / "link.ipynb").symlink_to(target)
    with pytest.raises(Unreadable, match="symbolic link"):
        submissions.read_file(tmp_path / "link.ipynb", 1 << 20)


def test_a_600_mib_sparse_file_is_refused_before_a_byte_of_it_is_read(tmp_path):
    big = tmp_path / "data.bin"
    with open(big, "wb") as f:
        f.truncate(600 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(Unreadable, match="600.0 MiB, more than the 16.0 MiB allowed"):
            submissions.read_file(big, submissions.FILE_BYTES)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_a_file_too_large_costs_its_learner_that_file_only(tmp_path):
    _nb(tmp_path / "ada" / "02_softmax_temperature.ipynb")
    with open(tmp_path / "ada" / "data.bin", "wb") as f:
        f.truncate(600 << 20)
    (tmp_path / "ada" / "helper.py").write_text("X = 1\n")
    learner = _find(tmp_path)["ada"]
    staged = submissions.stage(learner, tmp_path / "copy", submissions.Budget())
    assert set(staged.notebooks) == {"02_softmax_temperature"}
    assert (tmp_path / "copy" / "helper.py").read_text() == "X = 1\n"
    assert not (tmp_path / "copy" / "data.bin").exists()
    assert any("data.bin" in note and "not copied" in note for note in learner.notes)


def test_deeply_nested_json_is_refused_without_a_recursion_error():
    deep = b'{"cells": [], "metadata": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    with pytest.raises(ValueError, match="nests 100002 levels deep"):
        submissions.load_json(deep, "the notebook")
    assert submissions.nesting(b'{"a": "[[[[[[[[[[ \\" {{{{"}') == 1, "brackets in strings do not count"


def test_a_cell_whose_source_is_not_text_is_named():
    data = json.dumps({"nbformat": 4, "cells": [{"cell_type": "markdown", "source": "hi"},
                                                {"cell_type": "code", "source": [1]}]}).encode()
    with pytest.raises(ValueError, match="cell 2's source is not text"):
        submissions.code_cells(data)


def test_a_class_folder_holds_one_folder_per_learner_whatever_is_inside_them(tmp_path):
    _nb(tmp_path / "alice" / "02_softmax_temperature.ipynb")
    _nb(tmp_path / "mallory" / "02_softmax_temperature.ipynb")
    _nb(tmp_path / "mallory" / "alice" / "02_softmax_temperature.ipynb")      # named like another learner
    _nb(tmp_path / "mallory" / "alice" / "03_soft_knn.ipynb")
    _nb(tmp_path / "bo" / "exercises" / "03_soft_knn.ipynb")                  # a whole course folder
    learners = _find(tmp_path)
    assert set(learners) == {"alice", "bo", "mallory"}
    assert [n.relative for n in learners["alice"].notebooks] == ["02_softmax_temperature.ipynb"]
    assert [n.relative for n in learners["mallory"].notebooks] == ["02_softmax_temperature.ipynb",
                                                                   "alice/03_soft_knn.ipynb"]
    assert any("alice/02_softmax_temperature.ipynb is another" in note for note in learners["mallory"].notes)
    assert [n.relative for n in learners["bo"].notebooks] == ["exercises/03_soft_knn.ipynb"]


def test_folders_named_one_by_one_are_each_one_learner(tmp_path):
    _nb(tmp_path / "class" / "alice" / "02_softmax_temperature.ipynb")
    _nb(tmp_path / "class" / "mallory" / "alice" / "02_softmax_temperature.ipynb")
    learners = _find(tmp_path / "class" / "alice", tmp_path / "class" / "mallory")
    assert set(learners) == {"alice", "mallory"}
    assert learners["alice"].notebooks[0].path == tmp_path / "class" / "alice" / "02_softmax_temperature.ipynb"
    assert learners["mallory"].notebooks[0].relative == "alice/02_softmax_temperature.ipynb"


def test_two_folders_with_the_same_name_are_told_apart_and_say_so(tmp_path):
    _nb(tmp_path / "monday" / "alice" / "02_softmax_temperature.ipynb")
    _nb(tmp_path / "tuesday" / "alice" / "02_softmax_temperature.ipynb")
    learners = _find(tmp_path / "monday" / "alice", tmp_path / "tuesday" / "alice")
    assert set(learners) == {"monday/alice", "tuesday/alice"}
    assert all("another folder named alice" in learners[name].notes[0] for name in learners)


def test_links_fifos_and_unknown_notebooks_are_noted_not_followed(tmp_path):
    _nb(tmp_path / "eve" / "02_softmax_temperature.ipynb")
    _nb(tmp_path / "zed" / "03_soft_knn.ipynb")
    (tmp_path / "eve" / "03_soft_knn.ipynb").symlink_to(tmp_path / "zed" / "03_soft_knn.ipynb")
    (tmp_path / "eve" / "zed").symlink_to(tmp_path / "zed", target_is_directory=True)
    os.mkfifo(tmp_path / "eve" / "pipe")
    _nb(tmp_path / "eve" / "scratch.ipynb")
    eve = _find(tmp_path)["eve"]
    assert [n.lesson for n in eve.notebooks] == ["02_softmax_temperature"]
    said = " ".join(eve.notes)
    for piece in ("03_soft_knn.ipynb is a symbolic link", "zed is a symbolic link", "pipe is not a regular file",
                  "scratch.ipynb is not named after a lesson"):
        assert piece in said


@pytest.mark.parametrize("make,message", [(lambda p: p / "missing", "does not exist"),
                                          (lambda p: p, "no notebooks")])
def test_a_path_that_is_missing_or_holds_no_notebooks_is_refused(tmp_path, make, message):
    (tmp_path / "notes.txt").write_text("not a notebook")
    with pytest.raises(submissions.NothingToReport, match=message):
        _find(make(tmp_path))
