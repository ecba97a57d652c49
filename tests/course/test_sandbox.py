"""The sandbox every learner's run goes into: its own processes, a read-only system, private /tmp, no network, limits.

Each test runs a small Python module in a real bubblewrap sandbox and reads what it saw. CI runs as
root; the last tests also run the sandbox as an unprivileged user (bubblewrap's user-namespace path),
the way it runs on a laptop or a JupyterHub.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from attention_lib._paths import PACKAGE, ROOT
from attention_lib.course import sandbox

LOOK = """\
import json, os, resource, socket, sys
seen = {"pid": os.getpid(), "uid": os.getuid(), "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
seen["exists"] = {p: os.path.exists(p) for p in sys.argv[1:]}
try:
    open("/usr/attention-probe", "w")
    seen["usr_writable"] = True
except OSError:
    seen["usr_writable"] = False
open("/tmp/made-inside", "w").write("x")
seen["tmp"] = sorted(os.listdir("/tmp"))
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2)
    seen["network"] = True
except OSError:
    seen["network"] = False
seen["nproc"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
seen["memory"] = resource.getrlimit(resource.RLIMIT_AS)[0]
print(json.dumps(seen))
"""

SPAWN = """\
import os, subprocess, sys, time
marker = sys.argv[1]
if os.fork() == 0:                  # a daemon: its own session, its parent gone, SIGTERM ignored
    os.setsid()
    if os.fork() == 0:
        os.execvp("python3", ["python3", "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                              "time.sleep(600)", marker])
    os._exit(0)
time.sleep(float(sys.argv[2]))
print("done")
"""

BOMB = """\
import os, time
made = 0
try:
    for _ in range(200):
        if os.fork() == 0:
            time.sleep(5)
            os._exit(0)
        made += 1
except OSError:
    pass
print(made)
"""


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    folder = tmp_path_factory.mktemp("modules")
    for name, text in (("look", LOOK), ("spawn", SPAWN), ("bomb", BOMB)):
        (folder / f"{name}.py").write_text(text)
    folder.chmod(0o755)
    return folder


def _run(module, args, modules, limits=None, box=None):
    box = box or sandbox.find()
    view = sandbox.View(readonly={"/modules": modules})
    return box.run(module, args, view, limits or sandbox.Limits(seconds=60), env={"PATH": "/usr/bin:/bin"},
                   path=["/modules"])


def test_a_command_sees_its_own_processes_a_read_only_system_a_private_tmp_and_no_network(modules, tmp_path):
    secret = tmp_path / "instructor-secret"
    secret.write_text("salt")
    hidden = [str(secret), str(ROOT / "pyproject.toml"), str(ROOT / "solutions"), str(PACKAGE / "checks")]
    done = _run("look", [*hidden, "/modules/look.py"], modules)
    seen = json.loads(done.stdout)
    assert len(seen["pids"]) <= 3, f"it sees other processes: {seen['pids']}"
    assert seen["exists"] == {**dict.fromkeys(hidden, False), "/modules/look.py": True}
    assert not seen["usr_writable"] and not seen["network"]
    # The host's /tmp is not shown: only the file made inside, and the folders that hold a bound Python or
    # course when this checkout lives under /tmp (a fresh clone in /tmp/fresh shows "fresh", holding only those).
    bound_under_tmp = {Path(p).parts[2] for p in sandbox.python_folders() if Path(p).parts[1] == "tmp"}
    assert "made-inside" in seen["tmp"] and set(seen["tmp"]) - {"made-inside"} <= bound_under_tmp, seen["tmp"]
    assert not os.path.exists("/tmp/made-inside")
    assert seen["nproc"] == sandbox.Limits(1).processes and seen["memory"] == sandbox.Limits(1).memory
    if os.geteuid() == 0:
        assert seen["uid"] >= sandbox.SANDBOX_UID, "as root, a run gets a uid of its own"


def _watch(marker: str, seen: list, stop: threading.Event) -> None:
    while not stop.is_set():
        for p in psutil.process_iter(["cmdline"]):
            if marker in (p.info["cmdline"] or []):
                seen.append(p.pid)
        time.sleep(0.05)


def _alive(marker: str) -> list[int]:
    return [p.pid for p in psutil.process_iter(["cmdline", "status"])
            if marker in (p.info["cmdline"] or []) and p.info["status"] != psutil.STATUS_ZOMBIE]


@pytest.mark.parametrize("seconds,late", [(3, False), (600, True)])
def test_every_process_a_command_starts_dies_with_it_on_time_or_not(modules, seconds, late):
    marker = f"attention-daemon-{os.getpid()}-{seconds}"
    seen, stop = [], threading.Event()
    watcher = threading.Thread(target=_watch, args=(marker, seen, stop))
    watcher.start()
    try:
        done = _run("spawn", [marker, str(seconds)], modules, sandbox.Limits(seconds=6 if late else 60))
    finally:
        stop.set()
        watcher.join()
    assert seen, "the daemon never started, so this test proves nothing"
    assert done.timed_out is late and (done.stdout == b"" if late else done.stdout == b"done\n")
    time.sleep(0.3)
    assert _alive(marker) == [], "a process the command started outlived it"


def test_a_fork_bomb_stops_at_the_process_limit(modules):
    done = _run("bomb", [], modules, sandbox.Limits(seconds=60, processes=40))
    assert done.returncode == 0 and int(done.stdout) < 40


def test_without_bubblewrap_the_report_refuses_and_says_what_to_install(monkeypatch):
    monkeypatch.setattr(sandbox, "_FOUND", {})
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(sandbox.Unavailable, match="bubblewrap.*apt-get install bubblewrap.*--no-sandbox"):
        sandbox.find()
    assert not sandbox.find(sandboxed=False).sandboxed


ONE_USER = """\
import importlib.util, json, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("sandbox", sys.argv[1])
sandbox = importlib.util.module_from_spec(spec)
sys.modules["sandbox"] = sandbox
spec.loader.exec_module(sandbox)
box = sandbox.find()
view = sandbox.View(readonly={"/modules": Path(sys.argv[2])})
done = box.run("look", ["/modules"], view, sandbox.Limits(seconds=60), env={"PATH": "/usr/bin:/bin"}, path=["/modules"])
print(json.dumps({"as_root": box.as_root, "seen": json.loads(done.stdout or b"null"), "err": done.stderr[-300:]}))
"""


@pytest.fixture
def shared(modules):
    """A folder any user may read (pytest's own are root's only): the modules, this script and sandbox.py."""
    folder = Path(tempfile.mkdtemp(prefix="attention-sandbox-test-"))
    folder.chmod(0o755)
    shutil.copytree(modules, folder / "modules")
    (folder / "one_user.py").write_text(ONE_USER)
    shutil.copy(sandbox.__file__, folder / "sandbox.py")
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield folder
    shutil.rmtree(folder)


def test_as_a_normal_user_bubblewrap_makes_the_same_sandbox_in_a_user_namespace(shared):
    system_python = "/usr/bin/python3"      # a normal user may not read this venv's interpreter (under /root in CI)
    command = [system_python, "-I", str(shared / "one_user.py"), str(shared / "sandbox.py"), str(shared / "modules")]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/")
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    seen = report["seen"]
    assert report["as_root"] is False, report
    assert seen is not None, report["err"]
    assert len(seen["pids"]) <= 3 and not seen["usr_writable"] and not seen["network"]
    assert seen["tmp"] == ["made-inside"] and seen["nproc"] == sandbox.Limits(1).processes


def test_the_sandbox_module_loads_on_its_own_with_the_standard_library_only():
    spec = importlib.util.spec_from_file_location("standalone_sandbox", sandbox.__file__)
    module = importlib.util.module_from_spec(spec)
    sys.modules["standalone_sandbox"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["standalone_sandbox"]
    imported = {n.split(".")[0] for n in module.__dict__ if isinstance(module.__dict__[n], type(sys))}
    assert imported <= set(sys.stdlib_module_names)
