"""Static figures for the lessons: a matplotlib figure shown as a crisp image with alt text and a caption.

JupyterLab shows a plain ``image/png`` output as an ``<img>`` with no alternative text, drawn at its
pixel size and stretched on a wide or high-density screen. :func:`show_figure` renders the figure as
SVG (vector: sharp at any device scale, and about half the size of a 2× PNG) and shows it as
``<figure><img alt=…><figcaption>…</figcaption></figure>``, so a screen reader hears what it shows::

    fig, ax = plt.subplots(figsize=(6, 3))
    ...
    show_figure(fig, alt="Bar chart of the six weights; key 1 is highest at 0.47.", caption="Figure 2: ...")
"""
from __future__ import annotations

import base64
import html
import io

CSS_DPI = 96                     # CSS pixels per inch: a (6, 3) figure is 576 × 288 CSS pixels


class StaticFigure:
    """A rendered figure: HTML (image, alt text, caption), or its alt text where HTML is not shown."""

    def __init__(self, svg: bytes, width: int, height: int, alt: str, caption: str = ""):
        if not alt.strip():
            raise ValueError("a figure needs alt text that says what it shows")
        self.svg, self.width, self.height, self.alt, self.caption = svg, width, height, alt, caption

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.svg).decode("ascii")
        caption = f"<figcaption>{html.escape(self.caption)}</figcaption>" if self.caption else ""
        return (f'<figure class="attention-figure" style="margin:0.5em 0">'
                f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(self.alt, quote=True)}" '
                f'width="{self.width}" height="{self.height}" style="max-width:100%;height:auto">{caption}</figure>')

    def __repr__(self) -> str:
        return f"[figure] {self.alt}" + (f" ({self.caption})" if self.caption else "")


def render_figure(fig, alt: str, caption: str = "") -> StaticFigure:
    """Render a matplotlib figure once, as SVG with no date in it (a re-run gives the same bytes); close it."""
    import matplotlib
    import matplotlib.pyplot as plt

    width, height = (round(v * CSS_DPI) for v in fig.get_size_inches())
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "attention-hands-on"}):      # element ids fixed, not random
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return StaticFigure(buffer.getvalue(), width, height, alt, caption)


def show_figure(fig, alt: str, caption: str = "") -> None:
    """Display a matplotlib figure with alt text (what it shows) and an optional caption; closes the figure."""
    from IPython.display import display

    display(render_figure(fig, alt, caption))


