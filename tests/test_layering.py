"""The layers stay layers: the maths imports only numpy and earlier maths; nothing light imports a UI.

Importing ``attention_lib``, ``.checks`` or ``.exercises`` must not pull in matplotlib, ipywidgets,
anywidget, nbformat or nbclient, so that grading runs anywhere (a hub, a grader, a plain script).
"""
import ast
import subprocess
import sys

import pytest

from attention_lib._paths import PACKAGE

HEAVY = ("matplotlib", "ipywidgets", "anywidget", "nbformat", "nbclient", "traitlets")
MATHS = {p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "progress")}
# What each layer may import from inside the package (besides the standard library and numpy).
ALLOWED = {
    "maths": MATHS,
    "checks": MATHS | {"checks"},
    "exercises": MATHS | {"checks", "exercises", "course.passes"},
    "widgets": MATHS | {"widgets"},
    "course": MATHS | {"course", "checks", "exercises", "widgets"},   # the top layer: tools may use anything
}


@pytest.mark.parametrize("module", ["attention_lib", "attention_lib.checks", "attention_lib.exercises",
                                    "attention_lib.course.passes", "attention_lib.course.lessons"])
def test_light_modules_import_no_ui_or_notebook_machinery(module):
    code = f"import sys, {module}; print(' '.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == [], f"importing {module} loads {loaded}"


def _layer(path):
    parts = path.relative_to(PACKAGE).parts
    return "maths" if len(parts) == 1 else parts[0]


def _internal_imports(path):
    """The package-internal modules a file imports, as dotted names relative to attention_lib."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(PACKAGE).parent.parts
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = ".".join(base + tuple(filter(None, [node.module])))
            names = [target] if node.module else [".".join(base + (a.name,)) for a in node.names]
            yield from names
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if name.startswith("attention_lib."):
                    yield name.removeprefix("attention_lib.")


def _allowed(target, layer):
    return any(target == a or target.startswith(a + ".") for a in ALLOWED[layer])


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_imports_only_from_its_own_or_lower_layers(path):
    layer = _layer(path)
    if path.name == "progress.py" and layer == "maths":
        return                                           # the shim that keeps `python -m attention_lib.progress`
    bad = [t for t in _internal_imports(path) if t and not _allowed(t, layer)]
    assert not bad, f"{path.relative_to(PACKAGE)} ({layer} layer) imports {bad}"


def test_the_maths_imports_nothing_but_numpy_and_the_standard_library():
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem == "progress":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [(node.module or "").split(".")[0]]
            else:
                continue
            third_party = [n for n in names if n not in sys.stdlib_module_names and n != "numpy"]
            assert not third_party, f"{path.name} imports {third_party}"
