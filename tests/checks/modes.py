"""Checking a bank's answers: in-process, or in the forked sandbox for the answers that need it.

The banks test the diagnosis, which is the same whichever way the answer is run (tests/checks/test_banks.py shows
it on answers of every exercise). In-process (the path Windows and macOS take) a check costs about a tenth of a
fork of the large test process; the forked sandbox, Linux's path, has tests of its own (test_hostile.py), and the
answers that need what only it does (a bare ``except:`` retry loop, an endless loop) run there.
"""
import contextlib
import io
import os
from unittest import mock

from attention_lib import checks


def verdict(exercise_id, fn, forked=False):
    """The check's result on ``fn``; what it prints is kept out of the test log (some answers print thousands of
    lines, on purpose)."""
    mode = {"ATTENTION_COURSE_SANDBOX": "fork" if forked else "inprocess"}
    with mock.patch.dict(os.environ, mode), contextlib.redirect_stdout(io.StringIO()):
        return checks.run(exercise_id, fn)
