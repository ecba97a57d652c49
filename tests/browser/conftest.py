import os

import pytest

from .harness import CHROMIUM, LabServer, browser_available, close_documents, kept_page, launch_browser

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


@pytest.fixture
def page(browser, tmp_path_factory, request):
    """The page of this test process at device scale 1 (harness.kept_page), shared with the driven notebooks at
    that scale: ``open_notebook`` opens each test's notebook in the JupyterLab it already runs, after closing the
    last test's documents, where a new page would load JupyterLab again."""
    pg = kept_page(browser, 1, (1400, 1000))
    yield pg
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in request.node.name)
    pg.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    for other in pg.context.pages:
        if other is not pg:
            other.close()                                # pages a test opened beside it
    if "lab" in request.fixturenames:
        lab = request.getfixturevalue("lab")
        close_documents(pg, lab)
        lab.shutdown_kernels()                           # each test starts from fresh kernels
