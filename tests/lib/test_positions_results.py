"""Lesson 09's stored runs (attention_lib/results/extrapolation.json) are what their seeds give.

The file comes from ``make extrapolation``, which runs with the Makefile's pinned floating-point kernels.
The test re-trains the first steps of every stored run under the same pinning, in a fresh process (the
pinning must be in place before numpy loads), and compares the losses exactly.
"""
import json
import os
import shlex
import subprocess
import sys

from attention_lib import _paths
from attention_lib import positions as pos

RESULTS = pos.load_results()


def _pinned_environment():
    """The environment variables of the Makefile's PINNED_NUMERICS line, read from the Makefile itself."""
    line = next(row for row in (_paths.ROOT / "Makefile").read_text().splitlines()
                if row.startswith("PINNED_NUMERICS :="))
    return dict(item.split("=", 1) for item in shlex.split(line.split(":=", 1)[1]))


RETRAIN = """
import dataclasses, json, sys
from attention_lib import positions as pos
results = pos.load_results()
out = []
for run in results["runs"]:
    c = dataclasses.replace(pos.config_of(results, run["scheme"], run["seed"]), steps=pos.FIRST_LOSSES)
    out.append([float(x) for x in pos.train(c)["loss"]])
json.dump(out, sys.stdout)
"""


def test_the_pinned_environment_is_read_from_the_makefile():
    env = _pinned_environment()
    assert set(env) == {"NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE"} and "AVX512" in env["NPY_DISABLE_CPU_FEATURES"]


def test_every_scheme_has_five_seeds_and_every_test_length():
    lengths = [str(L) for L in RESULTS["config"]["test_lengths"]]
    for scheme in pos.SCHEMES:
        runs = [r for r in RESULTS["runs"] if r["scheme"] == scheme]
        assert sorted(r["seed"] for r in runs) == [0, 1, 2, 3, 4], scheme
        assert all(list(r["accuracy"]) == lengths for r in runs)
    assert lengths[0] == str(RESULTS["config"]["train_len"])


def test_the_first_losses_of_every_stored_run_come_back_exactly_from_its_seed():
    env = {**os.environ, **_pinned_environment(), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", RETRAIN], env=env, capture_output=True, text=True, check=True)
    again = json.loads(done.stdout)
    assert len(again) == len(RESULTS["runs"]) == 25
    for run, losses in zip(RESULTS["runs"], again, strict=True):
        assert losses == run["first_losses"], (run["scheme"], run["seed"])

