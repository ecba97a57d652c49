"""The two install routes (pip/pyproject and conda/environment.yml) list the same packages."""
import re
import tomllib

from attention_lib._paths import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _conda_packages():
    names, in_deps = set(), False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        m = re.match(r"^  - ([A-Za-z0-9_.\-]+.*)$", line)
        if in_deps and m and not m.group(1).startswith("pip:"):
            names.add(_name(m.group(1)))
    return names


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    assert _conda_packages() - {"python", "pip"} == wanted


def test_environment_yml_pins_python_and_uses_conda_forge():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^  - python=3\.\d+$", text, re.M)
    assert re.search(r"^channels:\n  - conda-forge$", text, re.M)


def test_ci_runs_make_test_and_requires_the_browser():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "REQUIRE_BROWSER=1" in ci
