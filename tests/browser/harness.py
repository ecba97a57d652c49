"""A real JupyterLab server driven by Debian's Chromium through Playwright.

Shared by the browser tests (tests/browser) and the latency benchmark
(benchmarks/widget_latency.py). The server serves a *copy* of the course, so
running notebooks in the browser never touches the committed files.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from attention_lib._paths import ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none", "autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def browser_available() -> bool:
    return Path(CHROMIUM).exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``with LabServer() as lab:`` starts JupyterLab on a free port and stops it on exit, even on failure."""

    def __init__(self, folders=("notebooks", "solutions", "exercises")):
        self.folders = folders
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def __enter__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="attention-lab-"))
        self.root = self.tmp / "course"
        self.root.mkdir()
        for folder in self.folders:
            shutil.copytree(ROOT / folder, self.root / folder, ignore=shutil.ignore_patterns(".backups", ".ipynb_checkpoints"))
        settings = self.tmp / "settings"
        for name, value in SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        config = self.tmp / "jupyter_server_config.py"
        config.write_text(
            "from jupyterlab.galata import configure_jupyter_server\n"
            "configure_jupyter_server(c)\n"
            f"c.ServerApp.port = {self.port}\n"
            "c.ServerApp.ip = '127.0.0.1'\n"
            f"c.ServerApp.root_dir = {str(self.root)!r}\n"
            "c.LabApp.news_url = None\n"
            "c.ServerApp.allow_root = True\n"
        )
        env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(self.tmp / "ws"),
               "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        env.pop("ATTENTION_COURSE_EXPECT", None)
        self.log = open(self.tmp / "server.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", f"--config={config}", "--no-browser"],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.root)
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/status", timeout=2)
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        self.log.flush()
        tail = (self.tmp / "server.log").read_text()[-3000:]
        self.__exit__(None, None, None)
        raise RuntimeError(f"JupyterLab did not start within 90 s. Server log:\n{tail}")

    def shutdown_kernels(self) -> int:
        """Shut down every kernel the server runs (a closed page leaves its notebook's kernel running, and the next
        page opening that notebook would join it, state and all); return how many there were."""
        with urllib.request.urlopen(f"{self.url}/api/kernels", timeout=10) as response:
            kernels = json.loads(response.read())
        for kernel in kernels:
            request = urllib.request.Request(f"{self.url}/api/kernels/{kernel['id']}", method="DELETE")
            urllib.request.urlopen(request, timeout=30).close()
        return len(kernels)

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)


# ----------------------------------------------------------------- driving a notebook

IDLE_JS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!w || !w.content || !w.sessionContext || !w.sessionContext.session) return false;
  return w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle';
}"""

DONE_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = w.content.widgets.filter(c => c.model.type === 'code');
  const busy = w.sessionContext.session.kernel.status !== 'idle';
  const pending = cells.some(c => c.model.executionCount === null || c.promptNode?.textContent.includes('*'));
  return !busy && !pending;
}"""


# Close every document in the main area, unsaved (the server serves a copy of the course), and any dialog left open.
CLOSE_ALL_JS = """() => {
  const app = window.jupyterapp;
  for (const w of Array.from(app.shell.widgets('main'))) w.dispose();
  document.querySelectorAll('.jp-Dialog').forEach((d) => d.remove());
}"""

# Start opening ``path`` in the running app; OPENED_JS then says 'open' once its kernel is idle, 'failed' if the
# app refused to open it.
OPEN_IN_APP_JS = """(path) => {
  const app = window.jupyterapp;
  window.__opening = {path, failed: false};
  app.commands.execute('docmanager:open', {path, factory: 'Notebook'})
    .then((w) => app.shell.activateById(w.id))
    .catch(() => { window.__opening.failed = true; });
}"""

OPENED_JS = """(path) => {
  if (window.__opening.failed) return 'failed';
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || w.isDisposed || !w.context || w.context.path !== path || !w.sessionContext.session) return false;
  const kernel = w.sessionContext.session.kernel;
  return kernel && kernel.status === 'idle' ? 'open' : false;
}"""


def app_of(page, lab: LabServer) -> bool:
    """Whether ``page`` runs this server's JupyterLab, in its start-up state (not in presentation mode)."""
    if not page.url.startswith(f"{lab.url}/lab"):
        return False
    return page.evaluate("() => !!(window.jupyterapp && window.jupyterapp.shell) && "
                         "!document.querySelector('.jp-LabShell.jp-mod-presentationMode')")


def close_documents(page, lab: LabServer) -> None:
    """Close the notebooks open in ``page``'s JupyterLab, so that the next :func:`open_notebook` starts clean."""
    if app_of(page, lab):
        page.evaluate(CLOSE_ALL_JS)


def open_notebook(page, lab: LabServer, path: str, timeout=90_000):
    """Open ``path`` in ``page`` and wait for its kernel. A page already running this server's JupyterLab opens it
    in the running app, after closing what is open there (loading the app again costs about 5 s of CPU: most of
    what opening a small lesson costs); any other page loads the app with ``?reset``."""
    if app_of(page, lab):
        page.evaluate(CLOSE_ALL_JS)
        page.evaluate(OPEN_IN_APP_JS, path)
        try:
            if page.wait_for_function(OPENED_JS, arg=path, timeout=timeout / 2, polling=100).json_value() == "open":
                return
        except PlaywrightError:
            pass                                         # not open in time: load the app instead
    page.goto(f"{lab.url}/lab/tree/{path}?reset")
    page.wait_for_function(IDLE_JS, timeout=timeout)


def run_all(page, timeout=180_000):
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(300)
    page.wait_for_function(DONE_JS, timeout=timeout, polling=200)
    page.wait_for_timeout(500)   # let widget views finish rendering


def set_cell_source(page, index: int, source: str):
    page.evaluate("([i, s]) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.setSource(s)",
                  [index, source])


def cell_sources(page) -> list[str]:
    return page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => c.model.sharedModel.getSource())")


def error_outputs(page) -> list[str]:
    return page.eval_on_selector_all(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], "
                                     ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']",
                                     "els => els.map(e => e.innerText.slice(0, 400))")


KERNEL_EVAL_JS = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, silent: false, store_history: false});
  let out = '';
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === 'stream') out += msg.content.text;
    if (msg.header.msg_type === 'error') out += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
  };
  await future.done;
  return out;
}"""


def kernel_eval(page, code: str) -> str:
    """Run ``code`` in the notebook's kernel (not as a cell) and return what it printed."""
    return page.evaluate(KERNEL_EVAL_JS, code)


def write_notebook(path: Path, sources: list[str]) -> None:
    """A scratch notebook of code cells (for tests and the benchmark)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)


_KEPT_PAGES: dict = {}   # (browser, device scale) -> the page this process drives JupyterLab in at that scale


def kept_page(browser, dpr: int, size=(1400, 1000)):
    """This process's page at device scale ``dpr``, made on first use in a context of its own (whose HTTP and
    code caches keep JupyterLab's scripts compiled), set to viewport ``size`` and to no reduced-motion preference.
    Each user closes its documents when done (:func:`close_documents`); a page that was closed is made again."""
    key = (id(browser), dpr)
    page = _KEPT_PAGES.get(key)
    if page is None or page.is_closed():
        context = browser.new_context(viewport={"width": size[0], "height": size[1]}, device_scale_factor=dpr)
        page = _KEPT_PAGES[key] = context.new_page()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.emulate_media(reduced_motion="no-preference")
    return page


@contextlib.contextmanager
def driven_notebook(browser, lab, name: str, cells: list[str], dpr: int = 2, size=(1400, 1000)):
    """Write a notebook of ``cells`` into the lab, open it in this process's page at device scale ``dpr``
    (:func:`kept_page`) with viewport ``size``, run it all, and yield the page. Afterwards its documents are closed
    and the server's kernels shut down. Give each test module its own ``name``."""
    write_notebook(lab.root / name, cells)
    page = kept_page(browser, dpr, size)
    try:
        open_notebook(page, lab, name)
        run_all(page)
        yield page
    finally:
        close_documents(page, lab)
        lab.shutdown_kernels()


def screenshot_output(page, cell: int, tmp_path_factory, filename: str) -> None:
    """Save the output area of code cell ``cell`` under the session's screenshots/ folder, to look at."""
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    output = page.locator(".jp-CodeCell").nth(cell).locator(".jp-OutputArea")
    output.scroll_into_view_if_needed()
    output.screenshot(path=str(shots / filename))


def readout(page, cell: int) -> str:
    """The text readout of the widget in code cell ``cell`` (the figure's stable aria-live node)."""
    return page.locator(".jp-CodeCell").nth(cell).locator("pre.attention-readout").inner_text()


def wait_readout_change(page, cell: int, before: str, timeout=10_000):
    page.wait_for_function(
        """([i, before]) => {
            const el = document.querySelectorAll('.jp-CodeCell')[i].querySelector('pre.attention-readout');
            return el && el.innerText !== before;
        }""", arg=[cell, before], timeout=timeout)
    return readout(page, cell)


def wait_readout(page, cell: int, expected: str, timeout=10_000) -> str:
    """Wait until the readout of code cell ``cell`` shows ``expected``; return what it shows (on a timeout too,
    so the caller's assertion prints the difference)."""
    try:
        page.wait_for_function(
            """([i, expected]) => {
                const el = document.querySelectorAll('.jp-CodeCell')[i].querySelector('pre.attention-readout');
                return el && el.innerText === expected;
            }""", arg=[cell, expected], timeout=timeout)
    except Exception:  # noqa: BLE001 (playwright's TimeoutError; the caller's assert reports it)
        pass
    return readout(page, cell)


def slider(page, cell: int, name: str):
    """The range input labelled ``name`` in code cell ``cell``."""
    return page.locator(".jp-CodeCell").nth(cell).get_by_role("slider", name=name)
