import os

import pytest

from .harness import CHROMIUM, LabServer, browser_available, close_documents, launch_browser

REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"


def pytest_report_header(config):
    if not browser_available():
        verb = "FAIL (REQUIRE_BROWSER=1)" if REQUIRED else "skipped"
        return f"browser tests: {verb}: no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if not browser_available() and not REQUIRED:
                item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}"))


@pytest.fixture(scope="session")
def lab():
    if not browser_available():
        pytest.fail(f"REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
    with LabServer() as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_browser(p)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def lab_context(browser):
    """One browser context per test process for the pages on the Lab server: its HTTP and code caches keep
    JupyterLab's scripts loaded and compiled between tests."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context
    context.close()


@pytest.fixture(scope="session")
def _lab_pages(lab_context):
    """The page the ``page`` fixture lends, kept from test to test: ``open_notebook`` opens each test's notebook in
    the JupyterLab it already runs, after closing the last test's documents (a new page loads JupyterLab again)."""
    held = []
    yield held
    for pg in held:
        pg.close()


@pytest.fixture
def page(lab_context, _lab_pages, tmp_path_factory, request):
    if not _lab_pages or _lab_pages[0].is_closed():
        _lab_pages[:] = [lab_context.new_page()]
    pg = _lab_pages[0]
    yield pg
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in request.node.name)
    pg.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    for other in lab_context.pages:
        if other is not pg:
            other.close()                                # pages a test opened beside it
    if "lab" in request.fixturenames:
        lab = request.getfixturevalue("lab")
        close_documents(pg, lab)
        lab.shutdown_kernels()                           # each test starts from fresh kernels
