"""Lesson 07's stored runs of larger controls (attention_lib/results/recall_controls.json) are what their seeds give.

The file comes from ``make recall-controls``, which runs with the Makefile's pinned floating-point kernels. The test
re-trains the first steps of every stored run under the same pinning, in a fresh process (the pinning must be in
place before numpy loads), and compares the losses exactly.
"""
import dataclasses
import json
import os
import subprocess
import sys

from attention_lib import training as tr

from .test_positions_results import _pinned_environment

RESULTS = tr.load_control_runs()

RETRAIN = """
import dataclasses, json, sys
from attention_lib import training as tr
results = tr.load_control_runs()
out = []
for run in results["runs"]:
    c = dataclasses.replace(tr.stored_config(results, run), steps=tr.FIRST_LOSSES)
    out.append([float(x) for x in tr.train(c)["loss"]])
json.dump(out, sys.stdout)
"""


def test_every_larger_control_is_stored_for_three_seeds_from_the_lessons_run():
    assert RESULTS["base"] == dataclasses.asdict(tr.LESSON_CONFIG)
    for name, overrides in tr.LARGER_CONTROLS.items():
        runs = [r for r in RESULTS["runs"] if r["name"] == name]
        assert sorted(r["seed"] for r in runs) == [0, 1, 2], name
        assert all(r["overrides"] == overrides for r in runs), name
        assert all(r["weights"] == tr.parameter_count(tr.stored_config(RESULTS, r)) for r in runs), name
        assert all(0.0 <= r["accuracy"] <= 1.0 for r in runs), name
    assert len(RESULTS["runs"]) == 3 * len(tr.LARGER_CONTROLS)


def test_the_first_losses_of_every_stored_run_come_back_exactly_from_its_seed():
    env = {**os.environ, **_pinned_environment(), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", RETRAIN], env=env, capture_output=True, text=True, check=True)
    again = json.loads(done.stdout)
    assert len(again) == len(RESULTS["runs"])
    for run, losses in zip(RESULTS["runs"], again, strict=True):
        assert losses == run["first_losses"], (run["name"], run["seed"])
