import os

import pytest
from hypothesis import settings

# Property tests run at least 200 examples each (issue 2); no deadline, the CI machine is noisy.
settings.register_profile("course", max_examples=200, deadline=None)
settings.load_profile("course")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The reading copy (make html) of every ready lesson, built once per test process: the site's checks
    (tests/course/test_site.py) and the offline browser run (tests/browser/test_site_offline.py) share it."""
    from attention_lib.course.site import build_site

    out = tmp_path_factory.mktemp("html") / "site"
    build_site(out)                                 # runs npm ci first if KaTeX is not installed
    return out


@pytest.hookimpl(tryfirst=True)   # before xdist's own hook, which reads the marks into the node ids
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (make test runs with -n auto --dist loadgroup), a module whose tests share a
    module-scoped fixture (a trained model, a notebook run in the browser, a bank's verdicts) runs on one
    worker, so that fixture is built once; the site's two modules share one worker for the same reason."""
    for item in items:
        defs = item._fixtureinfo.name2fixturedefs
        if "site" in item.fixturenames:
            item.add_marker(pytest.mark.xdist_group("site"))
        elif any(defs.get(name) and defs[name][-1].scope == "module" for name in item.fixturenames):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
