"""The runner's parts on their own: the scrubbed environment, capped output, and a run's account read safely."""
import subprocess
import sys

import pytest

from attention_lib.course import runner, sandbox


def test_the_kernel_environment_is_a_short_list_with_a_home_of_its_own(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("ATTENTION_COURSE_EXPECT", "correct")
    env = runner.kernel_env("/tmp/home")
    assert not any(key.startswith(("AWS", "ATTENTION_COURSE")) for key in env)
    assert env["HOME"] == "/tmp/home" and env["OPENBLAS_NUM_THREADS"] == "1"


def test_a_flood_on_a_pipe_is_capped_keeping_its_start_and_end():
    code = "import sys; sys.stdout.write('A' * 100 + 'x' * 3_000_000 + 'Z' * 100)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    reader = sandbox.CappedReader(proc.stdout, cap=4096)
    proc.wait()
    text = reader.text()
    assert len(text) < 4096 + 100 and text.startswith("A" * 100) and text.endswith("Z" * 100)
    assert "bytes dropped" in text


def _done(stdout: bytes, timed_out=False, seconds=5.0, returncode=0, stderr=""):
    return sandbox.Finished(None if timed_out else returncode, stdout, False, stderr, seconds, timed_out)


@pytest.mark.parametrize("stdout", [
    b"[" * 100_000 + b"]" * 100_000,                             # deeply nested: no RecursionError
    b'{"status": "correct"}',                                    # not a status a run has
    b"\xff\xfe not utf-8",
    b"",
])
def test_an_account_that_is_not_one_is_a_failed_run_never_an_error(stdout):
    result = runner.account(_done(stdout, stderr="Traceback ...\nMemoryError"), timeout=30)
    assert result.status == "failed" and "without an account" in result.message and "MemoryError" in result.message


def test_the_fields_of_an_account_are_checked_one_by_one():
    stdout = b'{"status": "dead_kernel", "cell": "7", "errors": [[2, "NameError"], ["x", 1], [3]], "message": 5}'
    result = runner.account(_done(stdout), timeout=30)
    assert (result.status, result.cell, result.errors, result.message) == ("dead_kernel", None, ((2, "NameError"),), "5")


def test_the_clock_is_the_instructors_whatever_the_account_says():
    ok = b'{"status": "ok", "cell": null, "errors": [], "message": ""}'
    assert runner.account(_done(ok, timed_out=True), timeout=30).status == "timeout"
    late = 30 + runner.STARTUP_TIMEOUT + runner.GRACE + 1
    assert runner.account(_done(ok, seconds=late), timeout=30).status == "timeout"
    assert runner.account(_done(b"", timed_out=True), timeout=30).message == "ran longer than 30 s"
