"""Binder builds quickly and opens lesson 00: read the Dockerfile repo2docker would build (no Docker needed)."""
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from attention_lib._paths import ROOT

TEST_ONLY = {"pytest", "hypothesis", "nbval", "playwright", "pillow", "ruff", "jupyter-repo2docker"}
CONDA_NAME = {"matplotlib": "matplotlib-base"}        # conda-forge's matplotlib pulls in Qt


def _binder_packages():
    text = (ROOT / "binder" / "environment.yml").read_text()
    deps = text[text.index("dependencies:"):]
    return {m.group(1).lower(): m.group(2) for m in re.finditer(r"^  - ([A-Za-z0-9_.\-]+)(.*)$", deps, re.M)}


@pytest.fixture(scope="module")
def dockerfile(tmp_path_factory):
    beside_python = Path(sys.executable).parent / "jupyter-repo2docker"     # the venv's, even if not on PATH
    repo2docker = str(beside_python) if beside_python.exists() else shutil.which("jupyter-repo2docker")
    assert repo2docker, "jupyter-repo2docker (a test extra) is not installed"
    copy = tmp_path_factory.mktemp("binder") / "course"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in tracked + ["binder/environment.yml", "binder/postBuild", "binder/jupyter_server_config.json"]:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    proc = subprocess.run([repo2docker, "--no-build", "--debug", str(copy)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


def test_repo2docker_picks_the_conda_buildpack_with_python_pinned(dockerfile):
    out, log = dockerfile
    assert "Building conda environment for python=3.11" in log
    assert _binder_packages()["python"] == "=3.11"
    assert 'env update -p ${NB_PYTHON_PREFIX} --file "binder/environment.yml"' in out


def test_the_conda_layer_is_built_before_the_repository_is_copied(dockerfile):
    out, _ = dockerfile
    env_step = out.index('--file "binder/environment.yml"')
    copy_all = out.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    assert env_step < copy_all, "the environment must not depend on the whole repository (cache)"


def test_post_build_installs_the_course_and_stops_on_the_first_error(dockerfile):
    out, _ = dockerfile
    assert "RUN ./binder/postBuild" in out
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "set -euo pipefail" in post_build
    assert re.search(r"pip install .*--editable \.", post_build)


def test_binder_installs_the_runtime_and_no_test_only_package():
    binder = set(_binder_packages()) - {"python", "pip"}
    runtime = {CONDA_NAME.get(n, n) for n in (re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].lower()
                                           for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])}
    assert binder == runtime
    assert not binder & TEST_ONLY
    assert "matplotlib" not in binder, "use matplotlib-base: conda-forge's matplotlib pulls in Qt"


def test_the_default_url_opens_lesson_00():
    config = json.loads((ROOT / "binder" / "jupyter_server_config.json").read_text())
    url = config["ServerApp"]["default_url"]
    assert url == "/lab/tree/notebooks/00_welcome.ipynb" and (ROOT / url.removeprefix("/lab/tree/")).is_file()
    assert "binder/jupyter_server_config.json" in (ROOT / "binder" / "postBuild").read_text()


def test_repo2docker_is_a_declared_test_tool():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    assert any(r.startswith("jupyter-repo2docker") for r in extras), sys.executable
