"""``train-tiny-gpt`` and ``fetch-text``: the commands that make lesson 10's checkpoints and fetch its text."""
import json
import subprocess
import sys

import numpy as np

from attention_lib import _paths, corpus
from attention_lib import gpt_training as gt


def test_fetch_text_reports_the_text_and_its_split():
    done = subprocess.run([sys.executable, "-m", "attention_lib.course", "fetch-text"], capture_output=True,
                          text=True, cwd=_paths.ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "841,795 characters, 73 distinct; 757,616 train, 84,179 validation" in done.stdout


def test_train_tiny_gpt_pins_the_kernels_and_writes_a_checkpoint_that_loads(tmp_path):
    done = subprocess.run([sys.executable, "-m", "attention_lib.course", "train-tiny-gpt", "--which", "mean",
                           "--steps", "2", "--out", str(tmp_path)], capture_output=True, text=True, cwd=_paths.ROOT,
                          timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path.parent),
                                            corpus.DATA_ENV: str(corpus.data_dir())})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "re-running with NPY_DISABLE_CPU_FEATURES=" in done.stdout     # the kernels were not pinned: it pins them
    params, config, log = gt.load_checkpoint(tmp_path / "tiny_gpt_mean.npz")
    assert config.steps == 2 and config.model.mixer == "mean" and len(log["loss"]) == 2
    assert log["environment"] == {**gt.PINNED_NUMERICS, "OPENBLAS_NUM_THREADS": "1"}
    assert log["chars"] == corpus.load_corpus().chars and all(v.dtype == np.float32 for v in params.values())
    stored = gt.load_checkpoint(gt.CHECKPOINTS["mean"])[2]
    assert log["loss"] == stored["loss"][:2]                                # the course's run starts the same way
    assert json.loads(json.dumps(log)) == log


def test_binder_and_both_make_targets_fetch_the_text_before_it_is_needed():
    post_build = (_paths.ROOT / "binder" / "postBuild").read_text(encoding="utf-8")
    assert "python -m attention_lib.course fetch-text" in post_build
    assert post_build.index("pip install") < post_build.index("fetch-text")       # the course is installed first
    makefile = (_paths.ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("$(VENV)/.lab:", "$(VENV)/.test:"):
        recipe = makefile[makefile.index(target):].split("\n\n", 1)[0]
        assert "$(FETCH_TEXT)" in recipe, target
    assert "fetch-text" in makefile[makefile.index("FETCH_TEXT ="):].splitlines()[0]
