"""Static lesson figures carry alt text and a caption, and are vector images sized in CSS pixels."""
import base64
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from attention_lib.widgets import _figures  # noqa: E402


def _figure():
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([0, 1, 2], [0, 1, 4])
    return fig


def test_the_html_has_the_alt_text_the_caption_and_a_css_size_from_the_figure_size():
    shown = _figures.render_figure(_figure(), alt='A line rising to 4 <fast> "here"', caption="Figure 9: growth")
    html = shown._repr_html_()
    assert 'alt="A line rising to 4 &lt;fast&gt; &quot;here&quot;"' in html
    assert "<figcaption>Figure 9: growth</figcaption>" in html
    assert 'width="576" height="288"' in html                     # 6 × 3 inches at 96 CSS pixels per inch
    data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    assert base64.b64decode(data).lstrip().startswith(b"<?xml") and b"<svg" in base64.b64decode(data)
    assert repr(shown).startswith("[figure] A line rising to 4")


def test_a_figure_without_alt_text_is_refused_and_rendering_is_repeatable():
    with pytest.raises(ValueError, match="alt text"):
        _figures.render_figure(_figure(), alt="  ")
    first = _figures.render_figure(_figure(), alt="a line").svg
    assert first == _figures.render_figure(_figure(), alt="a line").svg, "no date or random id in the SVG"


def test_rendering_closes_the_figure():
    fig = _figure()
    _figures.render_figure(fig, alt="a line")
    assert fig.number not in plt.get_fignums()
