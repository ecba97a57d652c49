"""The runner's safety parts on their own: the scrubbed environment, capped output, and killing what a run left."""
import os
import subprocess
import sys
import time

import psutil

from attention_lib.course import runner


def _gone(pid, wait=5.0):
    """True once ``pid`` has exited (a zombie counts: it runs nothing), polling up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_the_kernel_environment_is_a_short_list_with_a_home_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("ATTENTION_COURSE_EXPECT", "correct")
    env = runner.kernel_env(tmp_path)
    assert set(env) <= {"PATH", "HOME", "LANG", "PYTHONPATH"}
    assert env["HOME"] == str(tmp_path) and env["PATH"] == os.environ["PATH"]


def test_a_flood_on_stdout_is_capped_keeping_its_start_and_end():
    code = "import sys; sys.stdout.write('A' * 100 + 'x' * 3_000_000 + 'Z' * 100)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    reader = runner._CappedReader(proc.stdout, cap=4096)
    proc.wait()
    text = reader.text()
    assert len(text) < 4096 + 100 and text.startswith("A" * 100) and text.endswith("Z" * 100)
    assert "bytes dropped" in text


def test_a_process_that_ignores_sigterm_is_killed_with_its_session_after_the_grace_period(monkeypatch):
    monkeypatch.setattr(runner, "GRACE", 1)
    code = "import signal, subprocess, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); " \
           "subprocess.Popen(['sleep', '120']); time.sleep(120)"
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    children = []
    while not children:
        children = psutil.Process(proc.pid).children()
    assert runner._wait(proc, 1) is False
    assert proc.returncode is not None and all(_gone(child.pid) for child in children)


def test_sweep_kills_a_detached_process_by_the_token_in_its_environment():
    token = "t0k3n"
    env = {"PATH": os.environ["PATH"], runner.RUN_TOKEN: token}
    other = subprocess.Popen(["sleep", "120"], start_new_session=True, env={"PATH": os.environ["PATH"]})
    marked = subprocess.Popen(["sleep", "120"], start_new_session=True, env=env)
    try:
        assert runner.sweep(token) == 1
        marked.wait(timeout=5)
        assert _gone(marked.pid) and not _gone(other.pid, wait=0.2)
    finally:
        other.kill()
        other.wait()
