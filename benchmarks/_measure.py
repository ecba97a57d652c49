"""Timing and memory measurements shared by the benchmarks."""
from __future__ import annotations

import gc
import statistics
import time
import tracemalloc


def seconds(fn):
    """Wall-clock seconds of one call of ``fn()``, after a garbage collection."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_seconds(fn, repeats):
    """Median of ``repeats`` timings of ``fn()``."""
    return statistics.median(seconds(fn) for _ in range(repeats))


def peak_bytes(fn):
    """The tracemalloc peak while ``fn()`` runs (numpy reports its array buffers to tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak
