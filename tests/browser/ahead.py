"""For the browser tests of frames ahead: keep the kernel busy, so that what the page draws meanwhile can only
come from frames numpy sent before, and read back the numbers a figure drew."""
from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path

from .harness import kernel_eval

BUSY = """import os, time
_t0 = time.time()
while not os.path.exists({flag!r}) and time.time() - _t0 < 120:
    time.sleep(0.02)"""
BUSY_JS = """(code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const run = kernel.requestExecute({code, silent: true, store_history: false});
  window.__busy = {started: false, done: false};
  run.onIOPub = (msg) => { if (msg.header.msg_type === 'status' && msg.content.execution_state === 'busy') window.__busy.started = true; };
  window.__busyDone = run.done.then(() => { window.__busy.done = true; });
}"""
AHEAD_JS = """(i) => {
  const host = document.querySelectorAll('.jp-CodeCell')[i].querySelector('[data-test-ahead]');
  return host !== null && Object.keys(JSON.parse(host.dataset.testAhead).axes).length > 0
    && host.dataset.testResting === undefined && host.dataset.testAnswered === host.dataset.testAsked;
}"""
NEXT_FRAME_JS = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def wait_ahead(page, cell: int, timeout=20_000):
    """Wait until the figure in code cell ``cell`` holds frames sent ahead for where its controls are: the hand
    rested and the kernel answered every time the view asked."""
    page.wait_for_function(AHEAD_JS, arg=cell, timeout=timeout)


@contextlib.contextmanager
def kernel_busy(page):
    """The kernel runs a loop until the block ends: nothing the page asks is answered meanwhile. On leaving, the
    block checks the loop was still running (what it saw came from the browser alone), then ends it. (The
    kernel's status is no proof: messages on the control channel flip it to idle while the loop runs.)"""
    with tempfile.TemporaryDirectory(prefix="attention-busy-") as folder:
        flag = Path(folder) / "done"
        page.evaluate(BUSY_JS, BUSY.format(flag=str(flag)))
        page.wait_for_function("() => window.__busy.started", timeout=20_000)   # the loop runs: the kernel waits
        try:
            yield
            still = not page.evaluate("() => window.__busy.done")
        finally:
            flag.touch()
            page.evaluate("() => window.__busyDone")
    assert still, "the kernel was free before the checks ended: they prove nothing about the browser"


def next_frame(page):
    """Let the page draw: two animation frames."""
    page.evaluate(NEXT_FRAME_JS)


def drawn(page, cell: int):
    """The numbers the figure in code cell ``cell`` drew: panels -> marks -> numbers (None: blocked)."""
    host = page.locator(".jp-CodeCell").nth(cell).locator("[data-test-marks]").first
    return json.loads(host.get_attribute("data-test-marks"))


def until_kernel(page, expr: str, expected, timeout_s=10.0):
    """Wait until ``expr``, evaluated in the kernel, equals ``expected`` (the page moves first; the kernel hears
    of it afterwards); return its value."""
    value = None
    for _ in range(int(timeout_s * 10)):
        value = json.loads(kernel_eval(page, f"import json; print(json.dumps({expr}))").strip().splitlines()[-1])
        if value == expected:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"the kernel's {expr} is {value!r}, expected {expected!r}")
