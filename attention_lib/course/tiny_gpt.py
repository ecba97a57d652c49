"""``python -m attention_lib.course train-tiny-gpt``: make lesson 10's checkpoints, reproducibly.

The command trains the runs of :data:`attention_lib.gpt_training.COURSE_RUNS` (the GPT, and the same
network with its attention replaced by a causal mean), each from its seed, and writes each one's
checkpoint (float32 parameters, the config and the log: every step's loss, the periodic validation
losses, the full validation loss, the wall-clock and CPU seconds of the training loop) into
``attention_lib/checkpoints/``.

A run is exactly reproducible on the same floating-point kernels: the command re-executes itself with
the Makefile's pinned kernels (:data:`attention_lib.gpt_training.PINNED_NUMERICS`) and one OpenBLAS
thread, unless they are already set, so it computes what ``make test`` checks.
"""
from __future__ import annotations

import os
import sys
import time


def _pinned_environment():
    from ..gpt_training import PINNED_NUMERICS

    wanted = dict(PINNED_NUMERICS, OPENBLAS_NUM_THREADS="1")
    missing = {k: v for k, v in wanted.items() if os.environ.get(k) != v}
    return missing


def fetch_text_main(argv=None) -> int:
    from ..corpus import TextUnavailable, fetch_text, load_corpus

    try:
        path = fetch_text()
    except TextUnavailable as exc:
        print(f"error: fetch-text: {exc}", file=sys.stderr)
        return 1
    corpus = load_corpus()
    print(f"{path}: {len(corpus.text):,} characters, {corpus.vocab_size} distinct; "
          f"{len(corpus.train):,} train, {len(corpus.val):,} validation")
    return 0


def train_main(which=("gpt", "mean"), steps=None, out_dir=None) -> int:
    """Train the named course runs (optionally shortened to ``steps``) and write their checkpoints."""
    missing = _pinned_environment()
    if missing:                                          # numpy is loaded already: start again with the kernels pinned
        env = dict(os.environ, **missing)
        args = [sys.executable, "-m", "attention_lib.course", "train-tiny-gpt", "--which", *which]
        if steps is not None:
            args += ["--steps", str(steps)]
        if out_dir is not None:
            args += ["--out", str(out_dir)]
        print("re-running with " + " ".join(f"{k}={v!r}" for k, v in missing.items()), flush=True)
        os.execve(sys.executable, args, env)

    import dataclasses
    from pathlib import Path

    import numpy as np

    from .. import corpus as corpus_lib
    from .. import gpt_training as tr

    corpus = corpus_lib.load_corpus()
    for name in which:
        config = tr.COURSE_RUNS[name]
        if steps is not None:
            config = dataclasses.replace(config, steps=steps)
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        print(f"{name}: {config.steps} steps of {config.batch_size} windows of {config.model.context} characters; "
              f"{config.model}", flush=True)

        def report(step, loss, record, name=name):
            if record is not None:
                print(f"  {name} step {step:5d}: training loss {loss:.4f}, validation (fixed windows) "
                      f"{record['val_loss']:.4f}", flush=True)

        history = tr.train(config, corpus, callback=report)
        val = tr.evaluate(history["params"], config.model, corpus_lib.with_context(corpus, config.model.context),
                          config.model.context)
        log = tr.run_log(history, corpus, val, started)
        path = Path(out_dir or tr.CHECKPOINT_DIR) / tr.CHECKPOINTS[name].name
        tr.save_checkpoint(path, history["params"], config, log)
        print(f"{name}: validation loss {val:.4f} nats/char on all {len(corpus.val):,} validation characters; "
              f"training loop {history['seconds']:.0f} s wall, {history['cpu_seconds']:.0f} s CPU; "
              f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB); numpy {np.__version__}", flush=True)
    return 0
