"""Lesson 00's widget: the sanity check that proves widgets work in this frontend."""
from __future__ import annotations

import anywidget
import traitlets

from .._paths import STATIC

FALLBACK = (
    "**Widgets are not rendering.** You are reading the fallback text instead of a green box. Try, in order:\n"
    "1. *Kernel → Restart Kernel and Run All Cells*.\n"
    "2. Reload the browser tab.\n"
    "3. Start JupyterLab from the course environment (`make lab`): `ipywidgets` and `anywidget` must be installed "
    "in the same environment as JupyterLab.\n"
    "4. In VS Code or classic Notebook, install the Jupyter widgets support, or use JupyterLab."
)


class SanityCheck(anywidget.AnyWidget):
    """A green box drawn by the browser, with a button the kernel answers: proof of both directions."""

    _esm = STATIC / "sanity.js"
    _css = STATIC / "sanity.css"
    pings = traitlets.Int(0).tag(sync=True)
    reply = traitlets.Unicode("").tag(sync=True)

    @traitlets.observe("pings")
    def _answer(self, change):
        n = change["new"]
        self.reply = f"kernel answered ping {n}: {n}² = {n * n}"

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/markdown"] = FALLBACK
        data["text/plain"] = FALLBACK.replace("**", "")
        return bundle


def sanity_check():
    """A widget that proves widgets work here, and says what to do if they don't."""
    return SanityCheck()


__all__ = ["sanity_check"]
