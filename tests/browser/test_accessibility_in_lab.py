"""axe-core, run on every lesson after Run All in JupyterLab: the course's own content has no violation.

The scan covers the notebook panel. A violation counts as the course's when its node sits in what the
course wrote: a rendered Markdown cell, or an output (text, figures, widgets). JupyterLab's own parts
(toolbar, prompts, editors) are listed in the report, not counted.
"""
import json
import subprocess

import pytest

from .harness import ROOT, open_notebook, run_all

AXE_DIR = ROOT / "tests" / "browser" / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))

SCAN_JS = """async () => {
  const panel = window.jupyterapp.shell.currentWidget.node;
  const result = await axe.run(panel, {resultTypes: ['violations']});
  const ours = (el) => !!el && !!el.closest('.jp-RenderedHTMLCommon, .jp-OutputArea-output');
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => {
      const el = document.querySelector(n.target[0]);
      return {target: n.target.join(' '), ours: ours(el), html: n.html.slice(0, 160)};
    }),
  }));
}"""


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():                                  # the one place axe is installed: its lockfile
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR)], check=True,
                       capture_output=True)
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", LESSONS)
def test_the_course_content_of_each_lesson_has_no_axe_violation(page, lab, axe_source, name, tmp_path_factory):
    open_notebook(page, lab, f"notebooks/{name}")
    run_all(page)
    page.add_script_tag(content=axe_source)
    violations = page.evaluate(SCAN_JS)
    ours = [(v["id"], v["impact"], v["help"], n["target"], n["html"])
            for v in violations for n in v["nodes"] if n["ours"]]
    theirs = sorted({(v["id"], v["impact"]) for v in violations for n in v["nodes"] if not n["ours"]})
    report = tmp_path_factory.getbasetemp() / "axe" / f"{name}.json"
    report.parent.mkdir(exist_ok=True)
    report.write_text(json.dumps({"course": ours, "jupyterlab": theirs}, indent=1))
    assert not ours, f"{name}: axe violations in the course's own content (JupyterLab's: {theirs}):\n" + \
        "\n".join(f"  {i} ({impact}): {help_} at {target}: {html}" for i, impact, help_, target, html in ours)
