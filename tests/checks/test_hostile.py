"""Nothing a learner writes may hang the checker, crash the kernel or change how it judges.

Each answer below misbehaves on purpose. On Linux every check runs the learner's code in a forked
child with a wall-clock and a memory limit, so each must end in a verdict within the limit, with
this (the kernel's) process alive and unchanged.
"""
import fractions
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest

from attention_lib import checks
from attention_lib.checks import _compare, _engine, _sandbox

from .answers import right


def _judge(exercise_id, fn):
    threads = threading.active_count()
    start = time.perf_counter()
    result = checks.run(exercise_id, fn)
    elapsed = time.perf_counter() - start
    limit = _sandbox.TIMEOUT_SECONDS + 2.0      # the wall-clock limit, plus the fork and the bookkeeping
    assert elapsed < limit, f"the check took {elapsed:.1f} s"
    assert threading.active_count() == threads, "the check left a thread running in the kernel"
    return result


def test_linux_runs_every_check_in_a_forked_child():
    assert sys.platform.startswith("linux") and _sandbox.mode() == "fork"


def test_a_bare_except_retry_loop_times_out(short_clock):
    def softmax(x, axis=-1):
        while True:
            try:
                return np.exp(x) / np.sum(np.exp(x), axis=axis, keepdim=True)
            except:  # noqa: E722  the point: it swallows the timer's exception too
                pass

    result = _judge("softmax", softmax)
    assert result.code == "timeout" and "stopped after 1 s" in result.message


def test_a_long_lapack_call_is_stopped(short_clock):
    def softmax(x, axis=-1):
        big = np.random.default_rng(0).normal(size=(1500, 1500))
        for _ in range(100):
            np.linalg.svd(big)                 # tens of seconds inside LAPACK, out of Python's reach
        return right.softmax(x, axis)

    assert _judge("softmax", softmax).code == "timeout"


def test_signal_tampering_cannot_stop_the_clock(short_clock):
    def softmax(x, axis=-1):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL, signal.SIGSTOP})
        while True:
            pass

    assert _judge("softmax", softmax).code == "timeout"
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)


def test_a_thread_that_never_ends_is_joined_into_a_timeout(short_clock):
    def softmax(x, axis=-1):
        worker = threading.Thread(target=lambda: [None for _ in iter(int, 1)])
        worker.start()
        worker.join()
        return right.softmax(x, axis)

    assert _judge("softmax", softmax).code == "timeout"


def test_a_runaway_thread_left_behind_dies_with_the_child():
    def spin():                                   # endless, and allocating nothing: only the child's death ends it
        while True:
            pass

    def softmax(x, axis=-1):
        threading.Thread(target=spin, daemon=False).start()
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


def test_deep_recursion_that_crashes_the_interpreter_is_a_verdict(short_clock):
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


def _gone(pid, wait=3.0):
    """True once the process ``pid`` (a pid of this machine's namespace) has ended or is a zombie."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/status") as f:
                if "State:\tZ" in f.read():
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def _daemonising(pid_file):
    """A right softmax that first leaves a daemon behind: a new session, its parent gone, SIGTERM ignored."""
    def softmax(x, axis=-1):
        if not pid_file.exists():
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    signal.signal(signal.SIGTERM, signal.SIG_IGN)
                    pid_file.write_text(os.readlink("/proc/self"))     # its pid as this machine sees it
                    while True:
                        time.sleep(0.01)
                os._exit(0)
            while not pid_file.exists():
                time.sleep(0.01)
        return right.softmax(x, axis)

    return softmax


def test_a_grandchild_process_is_killed_with_the_child(tmp_path):
    pid_file = tmp_path / "pid"

    def softmax(x, axis=-1):
        if not pid_file.exists():
            pid = os.fork()
            if pid == 0:
                pid_file.write_text(os.readlink("/proc/self"))
                while True:
                    time.sleep(0.01)
            while not pid_file.exists():
                time.sleep(0.01)
        return right.softmax(x, axis)

    assert _judge("softmax", softmax).status == "correct"
    assert _gone(int(pid_file.read_text())), "a process the learner started outlived the check"


def test_a_daemon_in_a_new_session_dies_with_the_check(tmp_path):
    pid_file = tmp_path / "pid"
    assert _judge("softmax", _daemonising(pid_file)).status == "correct"
    assert _gone(int(pid_file.read_text())), "a daemon the learner started outlived the check"


def test_without_namespaces_the_watchdog_still_buries_a_daemon(tmp_path, monkeypatch):
    monkeypatch.setattr(_sandbox, "_own_namespace", lambda: False)     # as in a container that forbids them
    pid_file = tmp_path / "pid"
    assert _judge("softmax", _daemonising(pid_file)).status == "correct"
    assert _gone(int(pid_file.read_text())), "a daemon outlived the check where no namespace could be made"


def test_closing_stdout_in_the_child_leaves_ours_open():
    def softmax(x, axis=-1):
        sys.stdout.close()
        return right.softmax(x, axis)

    assert _judge("softmax", softmax).status == "correct"
    print("still printing")


def test_the_in_process_path_still_judges_and_times_out(monkeypatch, short_clock):
    monkeypatch.setenv("ATTENTION_COURSE_SANDBOX", "inprocess")
    assert _sandbox.mode() == "inprocess"
    assert checks.run("softmax", right.softmax).status == "correct"

    def softmax(x, axis=-1):
        while True:
            pass

    result = _judge("softmax", softmax)
    assert result.code == "timeout" and "stopped after 1 s" in result.message


@pytest.mark.parametrize("name", ["fork", "inprocess"])
def test_both_paths_give_the_same_verdicts(monkeypatch, name):
    from .answers.wrong import WRONG

    monkeypatch.setenv("ATTENTION_COURSE_SANDBOX", name)
    for key in ("softmax_columns", "scores_dot_T", "attn_mask_late", "kr_sum"):
        w = WRONG[key]
        assert checks.run(w.exercise, w.fn).code == w.code, (name, key)


# --------------------------------------------------------------------------- found in the second round (issue 20)


def test_a_learners_seterr_raise_breaks_no_check():
    code = """
import numpy as np
np.seterr(all="raise")                       # learners set this to debug, before or after the import
from attention_lib.exercises import ex02, ex07, ex08
from tests.checks.answers import right
print(ex02.q1.check(right.softmax).status)
print(ex02.q1.check(lambda x, axis=-1: np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)).code)
print(ex02.q3.check(right.temperature_for_target).status)
print(np.geterr()["under"])
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["correct", "no_max_subtraction", "correct", "raise"], proc.stderr[-2000:]


class _Config:
    """A learner's settings object whose property is slow (and counts how often it is read)."""

    reads = 0

    @property
    def axis(self):
        _Config.reads += 1
        time.sleep(30)
        return -1


_CONFIG = _Config()


def test_a_property_the_answer_names_is_never_read_in_the_kernel():
    def softmax(x, axis=-1):
        if axis is None:
            axis = _CONFIG.axis                  # named in the code, never reached on the probes
        return right.softmax(x, axis)

    _Config.reads = 0
    assert _judge("softmax", softmax).status == "correct"
    assert _Config.reads == 0, "the checker read a learner's property in the kernel"


def test_an_answer_object_is_described_without_being_touched_in_the_kernel():
    class Endless:
        def __array__(self, *args, **kwargs):
            while True:
                try:
                    time.sleep(1)
                except BaseException:  # noqa: BLE001 - the point: nothing stops it but a kill
                    pass

        def __len__(self):
            return self.__array__()

    result = _judge("softmax", Endless())
    assert result.code == "not_a_function"


class _Tau(float):
    pass


class _Bytes(int):
    pass


class _Scalar(np.float64):
    pass


@pytest.mark.parametrize("kind", [_Tau, _Scalar, fractions.Fraction, np.float32])
def test_a_number_of_any_numeric_type_counts_as_a_number(kind):
    value = right.temperature_for_target()
    result = _judge("temperature_for_target", lambda: kind(value))
    assert result.status == "correct", result


def test_an_int_subclass_counts_as_an_int():
    def kv_cache_bytes(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
        return _Bytes(2 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch)   # K and V

    assert _judge("kv_cache_bytes", kv_cache_bytes).status == "correct"


def test_a_flood_into_the_checkers_pipe_is_cut_short_and_costs_the_kernel_little():
    def softmax(x, axis=-1):
        fd = sys.stdout.channel.fd                         # the child's pipe to the checker
        block = struct.pack("!I", 15 << 20) + b"\0" * (15 << 20)
        for _ in range(40):                                # 600 MB, each message too big to unpickle
            os.write(fd, block)
        return right.softmax(x, axis)

    tracemalloc.start()
    try:
        result = _judge("softmax", softmax)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.status == "incorrect" and "sent" in result.message
    assert peak < 100 << 20, f"the kernel held {peak >> 20} MB of what the child sent"


def test_a_7_mb_print_is_cut_even_when_the_answer_lifts_the_childs_own_cap(capsys):
    printed = []

    def softmax(x, axis=-1):
        if not printed:                                  # once, on the first probe
            printed.append(True)
            sys.stdout.limit = 10**12                    # the child's capped stdout, told to let everything through
            print("y" * 7_000_000)
            for _ in range(7):                           # and messages written straight into the pipe
                sys.stdout.channel.send(("print", "z" * 1_000_000))
        return right.softmax(x, axis)

    result = _judge("softmax", softmax)
    shown = capsys.readouterr().out
    assert result.status == "correct"
    assert len(shown) < _sandbox.PRINT_LIMIT + 200 and "output cut" in shown


def test_the_in_process_path_cuts_printed_output_too(monkeypatch, capsys):
    monkeypatch.setenv("ATTENTION_COURSE_SANDBOX", "inprocess")

    def softmax(x, axis=-1):
        print("w" * 7_000_000)
        return right.softmax(x, axis)

    assert _judge("softmax", softmax).status == "correct"
    shown = capsys.readouterr().out
    assert len(shown) < _sandbox.PRINT_LIMIT + 200 and "output cut" in shown


def _stacked(module: str, name: str, argument: bytes) -> bytes:
    """A protocol-4 pickle that calls ``module.name(argument)``: ``name`` may be dotted."""
    def text(s):
        data = s.encode()
        return b"\x8c" + bytes([len(data)]) + data
    return (b"\x80\x04" + text(module) + text(name) + b"\x93" + b"B" + struct.pack("<I", len(argument)) + argument
            + b"\x85R.")


def test_a_child_cannot_make_the_kernel_unpickle_code(tmp_path):
    marker = tmp_path / "ran"

    class Touch:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    inner = pickle.dumps(Touch())

    def softmax(x, axis=-1):
        payload = _stacked(_sandbox.__name__, "pickle.loads", inner)   # a dotted name of the sandbox's module
        os.write(sys.stdout.channel.fd, struct.pack("!I", len(payload)) + payload)
        return right.softmax(x, axis)

    result = _judge("softmax", softmax)
    time.sleep(0.2)
    assert not marker.exists(), "the kernel ran code a child sent it"
    assert result.status == "incorrect"


@pytest.mark.parametrize("module,name", [
    (_sandbox.__name__, "pickle"), (_sandbox.__name__, "pickle.loads"), (_sandbox.__name__, "os"),
    (_sandbox.__name__, "Outcome.__init__"), ("numpy", "load"), ("numpy", "ndarray.__reduce__"),
    ("builtins", "eval"), ("builtins", "getattr"), ("builtins", "bytes"), ("posix", "system"),
])
def test_the_unpickler_admits_exactly_its_list_of_names(module, name):
    with pytest.raises(pickle.UnpicklingError):
        _sandbox._loads(_stacked(module, name, b"x"))
