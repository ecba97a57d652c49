"""Nothing a learner writes may hang the checker, crash the kernel or change how it judges.

Each answer below misbehaves on purpose. On Linux every check runs the learner's code in a forked
child with a wall-clock and a memory limit, so each must end in a verdict within the limit, with
this (the kernel's) process alive and unchanged.
"""
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

from attention_lib import checks
from attention_lib.checks import _compare, _engine, _sandbox

from .answers import right

LIMIT = _sandbox.TIMEOUT_SECONDS + 2.0       # the wall-clock limit, plus the fork and the bookkeeping


def _judge(exercise_id, fn):
    threads = threading.active_count()
    start = time.perf_counter()
    result = checks.run(exercise_id, fn)
    elapsed = time.perf_counter() - start
    assert elapsed < LIMIT, f"the check took {elapsed:.1f} s"
    assert threading.active_count() == threads, "the check left a thread running in the kernel"
    return result


def test_linux_runs_every_check_in_a_forked_child():
    assert sys.platform.startswith("linux") and _sandbox.mode() == "fork"


def test_a_bare_except_retry_loop_times_out():
    def softmax(x, axis=-1):
        while True:
            try:
                return np.exp(x) / np.sum(np.exp(x), axis=axis, keepdim=True)
            except:  # noqa: E722  the point: it swallows the timer's exception too
                pass

    result = _judge("softmax", softmax)
    assert result.code == "timeout" and "stopped after" in result.message


def test_a_long_lapack_call_is_stopped():
    def softmax(x, axis=-1):
        big = np.random.default_rng(0).normal(size=(1500, 1500))
        for _ in range(100):
            np.linalg.svd(big)                 # tens of seconds inside LAPACK, out of Python's reach
        return right.softmax(x, axis)

    assert _judge("softmax", softmax).code == "timeout"


def test_signal_tampering_cannot_stop_the_clock():
    def softmax(x, axis=-1):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL, signal.SIGSTOP})
        while True:
            pass

    assert _judge("softmax", softmax).code == "timeout"
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)


def test_a_thread_that_never_ends_is_joined_into_a_timeout():
    def softmax(x, axis=-1):
        worker = threading.Thread(target=lambda: [None for _ in iter(int, 1)])
        worker.start()
        worker.join()
        return right.softmax(x, axis)

    assert _judge("softmax", softmax).code == "timeout"


def test_a_runaway_thread_left_behind_dies_with_the_child():
    def softmax(x, axis=-1):
        threading.Thread(target=lambda: [None for _ in iter(int, 1)], daemon=False).start()
        return right.softmax(x, axis)

    assert _judge("softmax", softmax).status == "correct"


def test_os_exit_is_a_verdict_not_a_dead_kernel():
    def softmax(x, axis=-1):
        os._exit(0)

    result = _judge("softmax", softmax)
    assert result.code == "raised" and "ended the Python process" in result.message


def test_sys_exit_is_a_verdict():
    def softmax(x, axis=-1):
        sys.exit(3)

    result = _judge("softmax", softmax)
    assert result.code == "raised" and "SystemExit" in result.message


def test_a_learner_keyboard_interrupt_is_a_verdict():
    def softmax(x, axis=-1):
        raise KeyboardInterrupt

    assert _judge("softmax", softmax).code == "raised"


def test_deep_recursion_that_crashes_the_interpreter_is_a_verdict():
    def softmax(x, axis=-1):
        sys.setrecursionlimit(10**8)

        def down(n):
            return down(n + 1) + 1

        return down(0)

    result = _judge("softmax", softmax)
    assert result.code in ("raised", "infinite_recursion", "out_of_memory", "timeout")


def test_plain_endless_recursion_is_named():
    def softmax_temperature(x, tau):
        return softmax_temperature(x / tau, tau)

    assert _judge("softmax_temperature", softmax_temperature).code == "infinite_recursion"


def test_a_memory_bomb_ends_as_out_of_memory():
    def softmax(x, axis=-1):
        hoard = []
        while True:
            hoard.append(np.empty(10**7))     # 80 MB a time; untouched, so the limit, not the machine, stops it

    assert _judge("softmax", softmax).code == "out_of_memory"


def test_one_huge_allocation_ends_as_out_of_memory():
    def softmax(x, axis=-1):
        return np.ones((60_000, 60_000)) @ np.ones(60_000)

    assert _judge("softmax", softmax).code == "out_of_memory"


def test_monkeypatching_numpy_touches_only_the_child():
    original = np.allclose, np.isclose, np.array_equal

    def softmax(x, axis=-1):
        np.allclose = np.isclose = np.array_equal = lambda *a, **k: True
        return np.zeros_like(x)

    assert _judge("softmax", softmax).status == "incorrect"
    assert (np.allclose, np.isclose, np.array_equal) == original


def test_monkeypatching_the_checker_touches_only_the_child():
    original = _compare.outcomes_match, _compare.values_match, _engine.outcomes_match

    def softmax(x, axis=-1):
        import attention_lib.checks._compare as compare
        import attention_lib.checks._engine as engine
        compare.values_match = compare.outcomes_match = engine.outcomes_match = lambda *a, **k: True
        return np.zeros_like(x)

    assert _judge("softmax", softmax).status == "incorrect"
    assert (_compare.outcomes_match, _compare.values_match, _engine.outcomes_match) == original


def test_reading_the_callers_frames_touches_only_the_child():
    ex = checks.get("softmax")
    before = ex.rtol, ex.atol

    def softmax(x, axis=-1):
        frame = sys._getframe(1)
        while frame is not None:
            found = frame.f_locals.get("ex")
            if found is not None:
                found.rtol = found.atol = 1e9          # "everything is close enough"
            frame = frame.f_back
        return np.zeros_like(x)

    assert _judge("softmax", softmax).status == "incorrect"
    assert (ex.rtol, ex.atol) == before


def test_printed_output_reaches_the_notebook_but_is_cut(capsys):
    def softmax(x, axis=-1):
        for i in range(2_000):
            print(f"line {i}: still computing")
        return right.softmax(x, axis)

    result = _judge("softmax", softmax)
    shown = capsys.readouterr().out
    assert result.status == "correct"
    assert shown.startswith("line 0: still computing") and "output cut" in shown
    assert len(shown) < 2 * _sandbox.PRINT_LIMIT


def test_an_unpicklable_result_is_a_wrong_type():
    def softmax(x, axis=-1):
        return (v for v in right.softmax(x, axis))

    assert _judge("softmax", softmax).code == "wrong_type"


def test_a_grandchild_process_is_killed_with_the_child(tmp_path):
    pid_file = tmp_path / "pid"

    def softmax(x, axis=-1):
        if not pid_file.exists():
            pid = os.fork()
            if pid == 0:
                while True:
                    time.sleep(0.01)
            pid_file.write_text(str(pid))
        return right.softmax(x, axis)

    assert _judge("softmax", softmax).status == "correct"
    pid = int(pid_file.read_text())
    time.sleep(0.2)
    status = f"/proc/{pid}/status"
    alive = os.path.exists(status) and "State:\tZ" not in open(status).read()
    assert not alive, "a process the learner started outlived the check"


def test_closing_stdout_in_the_child_leaves_ours_open():
    def softmax(x, axis=-1):
        sys.stdout.close()
        return right.softmax(x, axis)

    assert _judge("softmax", softmax).status == "correct"
    print("still printing")


def test_the_in_process_path_still_judges_and_times_out(monkeypatch):
    monkeypatch.setenv("ATTENTION_COURSE_SANDBOX", "inprocess")
    assert _sandbox.mode() == "inprocess"
    assert checks.run("softmax", right.softmax).status == "correct"

    def softmax(x, axis=-1):
        while True:
            pass

    assert _judge("softmax", softmax).code == "timeout"


@pytest.mark.parametrize("name", ["fork", "inprocess"])
def test_both_paths_give_the_same_verdicts(monkeypatch, name):
    from .answers.wrong import WRONG

    monkeypatch.setenv("ATTENTION_COURSE_SANDBOX", name)
    for key in ("softmax_columns", "scores_dot_T", "attn_mask_late", "kr_sum"):
        w = WRONG[key]
        assert checks.run(w.exercise, w.fn).code == w.code, (name, key)
