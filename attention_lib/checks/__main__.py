"""Build the checks' cache of error models: ``python -m attention_lib.checks cache [EXERCISE_ID ...]``.

Each exercise's mutants are run on its probes once, in this trusted process, and the outcomes are written to
the first writable cache directory (:func:`._mutants.cache_dirs`): the package's ``checks/_cache`` in a
checkout, an editable install or a wheel being built, else the user's cache directory. Without this step the
first check of each exercise builds its own entry.
"""
from __future__ import annotations

import sys
import time

from . import _mutants, exercise_ids, get


def main(argv: list[str]) -> int:
    if argv[:1] != ["cache"]:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    total = 0
    for exercise_id in argv[1:] or [i for i in exercise_ids() if get(i).teaching is not None]:
        ex, start = get(exercise_id), time.perf_counter()
        model = _mutants.error_model(ex, ex.reference_outcomes())
        path = next(filter(None, (_mutants.cached_file(ex, model, d) for d in _mutants.cache_dirs())), None)
        path = path or _mutants.save(ex, model)          # a model from memory, built before the cache moved
        size = path.stat().st_size if path else 0
        total += size
        print(f"{exercise_id:28} {len(model.mutants):4} groups  {size / 1024:6.1f} KiB  "
              f"{(time.perf_counter() - start) * 1000:6.0f} ms  {path or '(not written: no writable cache)'}")
    print(f"{total / 1024:.0f} KiB in all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
