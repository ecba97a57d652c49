"""Presenting: in JupyterLab's Presentation Mode (what the instructor guide recommends for projecting),
a course widget still draws, at scale 1 and 2, and still answers its controls with numpy's numbers."""
import json

import pytest

from attention_lib import widgets

from .harness import driven_notebook, kernel_eval, readout, screenshot_output, slider, wait_readout_change

CELL = 1

INK = """(cell) => {
  // how many canvas pixels differ from the top-left (background) pixel: 0 means a blank figure
  const c = document.querySelectorAll('.jp-CodeCell')[cell].querySelector('canvas.chart-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let ink = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 30) ink++;
  }
  const box = c.getBoundingClientRect();
  return {ink, width: c.width, cssWidth: box.width, visible: box.width > 0 && box.height > 0};
}"""


@pytest.mark.parametrize("scale", [1, 2])
def test_a_widget_draws_and_answers_in_presentation_mode(browser, lab, scale, tmp_path_factory):
    cells = ["from attention_lib import widgets", "w = widgets.temperature_explorer(); w"]
    with driven_notebook(browser, lab, f"present_{scale}.ipynb", cells, dpr=scale, size=(1280, 800)) as page:
        page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-presentation-mode')")
        page.wait_for_selector(".jp-LabShell.jp-mod-presentationMode")
        page.locator(".jp-CodeCell").nth(CELL).locator("canvas.chart-canvas").scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        drawn = page.evaluate(INK, CELL)
        assert drawn["visible"] and drawn["cssWidth"] > 400
        assert drawn["width"] >= scale * drawn["cssWidth"] - 1       # drawn at the device's pixel ratio
        assert drawn["ink"] > 2000                                    # not blank
        before = readout(page, CELL)
        tau = slider(page, CELL, "temperature τ")
        tau.focus()
        tau.press("ArrowRight")
        shown = wait_readout_change(page, CELL, before)
        values = json.loads(kernel_eval(page, "import json; print(json.dumps({k: c.value for k, c in w.controls.items()}))"))
        twin = widgets.temperature_explorer()
        for key, value in values.items():
            twin.controls[key].value = value
        assert shown == twin.readout_text                             # numpy's numbers, in presentation mode
        screenshot_output(page, CELL, tmp_path_factory, f"presentation_x{scale}.png")
