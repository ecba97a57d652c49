"""The static reading copy of the course: ``python -m attention_lib.course html OUT_DIR`` (``make html``).

Every ready lesson of the manifest and its exercise notebook become HTML pages with their stored
outputs (nothing is executed), navigation from the manifest, and an index page. The layout mirrors
the repository, so links between notebooks keep working once ``.ipynb`` becomes ``.html``::

    OUT_DIR/index.html
    OUT_DIR/notebooks/01_similarity.html      OUT_DIR/exercises/01_similarity.html
    OUT_DIR/static/                           site.js, site.css, chart.classic.js, chart.css, katex/

The pages load nothing from the network. The maths is typeset by a local KaTeX (npm, in
``site_assets/``); each widget output becomes a block with its readout and a note that it is live in
JupyterLab or on Binder, and each chart Figure in it is drawn by the course's own ``chart.js`` from
the state the notebook saved. ``chart.js`` is an ES module, and Chromium loads no module from a
``file://`` page, so the site ships it as a classic script (:func:`classic_script`).
"""
from __future__ import annotations

import copy
import functools
import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .. import _paths
from . import lessons, links
from .lessons import Lesson

COURSE_TITLE = "Attention, hands-on"
KIND_TITLES = {"notebooks": "Lesson", "exercises": "Exercises"}
"""The site's two page kinds, named after the course folders their notebooks come from."""
MARKER = ".attention-site"
"""A file in OUT_DIR that says this build wrote it, so a rebuild may clear it."""
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CHART_GLOBAL = "AttentionChart"
TEMPLATES = _paths.SITE_ASSETS / "templates"
KATEX_FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js", "fonts")


class SiteError(RuntimeError):
    """The site cannot be built (assets missing, an output folder that is not ours, a module it cannot ship)."""


@dataclass(frozen=True)
class Page:
    """One page of the site: a lesson's notebook or its exercise notebook."""

    lesson: Lesson
    kind: str                                   # "notebooks" or "exercises"

    @property
    def href(self) -> str:
        """The page's path inside the site, e.g. ``exercises/02_softmax_temperature.html``."""
        return f"{self.kind}/{self.lesson.slug}.html"

    @property
    def title(self) -> str:
        return f"{KIND_TITLES[self.kind]} {self.lesson.number} · {self.lesson.title}"

    def source(self, root: Path) -> Path:
        return root / self.kind / f"{self.lesson.slug}.ipynb"

    def binder(self) -> str:
        return links.binder_link(path=f"{self.kind}/{self.lesson.slug}.ipynb")


# ------------------------------------------------------------------ building


def build_site(out: Path, course: list[Lesson] | None = None, root: Path | None = None) -> list[Path]:
    """Write the site for ``course`` (default: the manifest's ready lessons) into ``out``; return the pages.

    ``root`` holds ``notebooks/`` and ``exercises/`` (default: this clone). ``out`` must be empty,
    missing, or a site this function wrote before (which is then replaced). KaTeX is installed
    with ``npm ci`` first if it is missing.
    """
    course = lessons.ready() if course is None else list(course)
    if not course:
        raise SiteError("no lesson is ready: the manifest (attention_lib/course/lessons.py) marks none")
    root = _paths.course_root() if root is None else root
    katex = install_katex()
    _prepare(out)
    _copy_static(out / "static", katex)
    in_site = {page.href for page in pages(course)}
    written = [_write(out / "index.html", index_html(course))]
    for page in pages(course):
        i = course.index(page.lesson)
        neighbours = (course[i - 1] if i else None, course[i + 1] if i + 1 < len(course) else None)
        written.append(_write(out / page.href, page_html(page, root, neighbours, in_site)))
    return written


def pages(course: list[Lesson]) -> list[Page]:
    """Every notebook page of the site, lessons first, in course order."""
    return [Page(lesson, kind) for kind in KIND_TITLES for lesson in course]


def katex_dist() -> Path:
    """KaTeX's ``dist/`` as ``npm ci`` installed it in ``site_assets/``, or :class:`SiteError` saying how."""
    dist = _paths.SITE_ASSETS / "node_modules" / "katex" / "dist"
    missing = [name for name in KATEX_FILES if not (dist / name).exists()]
    if missing:
        raise SiteError(f"KaTeX is not installed ({', '.join(missing)} missing in {dist}): "
                        f"run `npm ci` in {_paths.SITE_ASSETS} (make html does it for you)")
    return dist


def install_katex() -> Path:
    """:func:`katex_dist`, after ``npm ci`` in ``site_assets/`` (the locked KaTeX) if it is not installed yet."""
    npm_ci(_paths.SITE_ASSETS, _paths.SITE_ASSETS / "node_modules" / "katex" / "dist" / KATEX_FILES[0])
    return katex_dist()


def npm_ci(folder: Path, installs: Path) -> None:
    """``npm ci`` in ``folder`` (from its package-lock.json) unless ``installs`` exists already.

    Callers running at once (parallel test workers, two builds) take turns on a lock file, so one installs
    and the others find it done.
    """
    if installs.exists():                                    # installed: touch nothing, not even the lock
        return
    with open(folder / ".npm-ci.lock", "a") as lock:
        try:
            import fcntl
            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:                                  # Windows: no lock, one caller at a time
            pass
        if installs.exists():
            return
        npm = shutil.which("npm")
        if npm is None:
            raise SiteError("the page assets are not installed and there is no npm to install them: install "
                            "Node.js and npm (Debian: apt-get install nodejs npm)")
        if subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=folder).returncode:
            raise SiteError(f"`npm ci` in {folder} failed (see above)")


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise SiteError(f"{out} is not empty and holds no site written by this command: choose another folder")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by python -m attention_lib.course html; replaced on every build\n")


def _copy_static(static: Path, katex: Path) -> None:
    static.mkdir(parents=True)
    for name in ("site.js", "site.css"):
        shutil.copy2(_paths.SITE_ASSETS / name, static / name)
    shutil.copy2(_paths.STATIC / "chart.css", static / "chart.css")
    (static / "chart.classic.js").write_text(classic_script((_paths.STATIC / "chart.js").read_text(), CHART_GLOBAL))
    for name in KATEX_FILES:
        source, target = katex / name, static / "katex" / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def classic_script(module: str, name: str) -> str:
    """An ES module without imports as a classic script that sets ``window[name]`` to its default export.

    Only top-level ``export function``, ``export const`` and ``export default`` are rewritten; anything
    else a classic script cannot run (an ``import``, ``import.meta``, another export form) is an error.
    """
    text = re.sub(r"^export default (.+);\s*$", rf"window.{name} = \1;", module, flags=re.M)
    text = re.sub(r"^export (async function|function|const|let|class) ", r"\1 ", text, flags=re.M)
    leftover = re.search(r"^\s*(import|export)\b.*$|\bimport\s*\(|\bimport\.meta\b", text, flags=re.M)
    if leftover:
        raise SiteError(f"cannot ship this ES module as a classic script: it uses {leftover.group(0).strip()!r}")
    if f"window.{name} =" not in text:
        raise SiteError("the ES module has no `export default ...;` line to expose")
    head = "// Made from an ES module by attention_lib/course/site.py, for pages opened from file://."
    return f"{head}\n(function () {{\n{text}}})();\n"


# ------------------------------------------------------------------ one notebook page


@functools.cache
def _exporter():
    """One exporter for every page: it compiles the site's templates once, not once per page."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="attention_site", extra_template_basedirs=[str(TEMPLATES)],
                        exclude_input_prompt=True, exclude_output_prompt=True)


def page_html(page: Page, root: Path, neighbours: tuple, in_site: set[str]) -> str:
    """The HTML of one notebook page: stored outputs, static figures, navigation, rewritten links."""
    import nbformat

    nb = nbformat.read(page.source(root), as_version=4)
    nb, figures = static_widgets(nb, launch_link(page))
    nb.metadata["title"] = page.title
    site = {"static": "../static", "nav": nav_html(page, neighbours), "figures": script_json(figures)}
    body, _ = _exporter().from_notebook_node(nb, resources={"site": site})
    return rewrite_links(body, page, in_site, root)


def static_widgets(nb, launch: str):
    """A copy of ``nb`` whose widget outputs are static figure blocks, and the stored chart states they draw.

    ``launch`` is the HTML link that opens the notebook live. A figure is drawn, and its readout
    printed, as the notebook was saved: after every cell ran, so after any cell that moved it.

    Returns
    -------
    nb : the notebook without its widget metadata; each widget output holds only ``text/html``.
    figures : dict model_id -> {"state": chart traits (no ``_esm``/``_css``), "buffers": [...]}.
    """
    nb = copy.deepcopy(nb)
    models = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    figures = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                continue
            charts = chart_models(models, view.get("model_id", ""))
            figures.update({mid: stored_chart(models[mid]) for mid in charts})
            readout = "\n".join(models[mid]["state"].get("readout", "") for mid in charts).strip()
            text = readout or _text(output["data"].get("text/plain", ""))
            output["data"] = {"text/html": figure_block(charts, text, launch)}
            output["metadata"] = {}
    return nb, figures


def chart_models(models: dict, model_id: str) -> list[str]:
    """The chart Figures a widget view shows: the model itself or any it references (children), in order."""
    found, seen, todo = [], set(), [model_id]
    while todo:
        mid = todo.pop(0)
        if mid in seen or mid not in models:
            continue
        seen.add(mid)
        if is_chart(models[mid]):
            found.append(mid)
        todo.extend(_references(models[mid].get("state", {})))
    return found


def is_chart(model: dict) -> bool:
    """A model drawn by ``chart.js``: an anywidget with the Figure's ``panels`` and ``palettes`` traits."""
    state = model.get("state", {})
    return model.get("model_name") == "AnyModel" and "panels" in state and "palettes" in state


def _references(value) -> list[str]:
    if isinstance(value, str):
        return [value.removeprefix("IPY_MODEL_")] if value.startswith("IPY_MODEL_") else []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [ref for item in items for ref in _references(item)]


def stored_chart(model: dict) -> dict:
    """A Figure's saved traits for the page, without the widget's bookkeeping or its ES module source."""
    state = {k: v for k, v in model.get("state", {}).items() if not k.startswith("_")}
    return {"state": state, "buffers": model.get("buffers", [])}


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def launch_link(page: Page) -> str:
    label = f"Launch {KIND_TITLES[page.kind].lower()} {page.lesson.number} on Binder"
    return f'<a href="{html.escape(page.binder())}">{label}</a>'


def figure_block(charts: list[str], readout: str, launch: str) -> str:
    """A widget output on the page: its chart Figures (drawn by site.js), its readout, and the live-note."""
    text = html.escape(readout)
    live = f"live in JupyterLab or on Binder: {launch}, or run <code>make lab</code> in a clone of the course."
    if charts:
        figures = "".join(f'<div class="site-figure" data-model-id="{html.escape(mid)}"></div>' for mid in charts)
        body = f'{figures}<pre class="site-readout">{text}</pre>'
        note = f"This figure is {live} Here it is drawn as the notebook was saved, and its controls do not move."
    else:                                       # not a chart: its text stands in, folded (it speaks to a kernel)
        body = (f'<details class="site-fallback"><summary>Its text version</summary>'
                f'<pre class="site-readout">{text}</pre></details>')
        note = f"This widget is {live} This reading copy does not run it."
    return f'<div class="site-widget">{body}<p class="site-live-note">{note}</p></div>'


def script_json(value) -> str:
    """JSON that is safe inside a ``<script>`` element."""
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


# ------------------------------------------------------------------ navigation and links


def nav_html(page: Page, neighbours: tuple) -> str:
    """Previous / contents / next (from the manifest), the page's partner notebook, and its Binder link."""
    prev, nxt = neighbours
    other = "exercises" if page.kind == "notebooks" else "notebooks"
    partner = Page(page.lesson, other)

    def link(target: Lesson | None, rel: str, arrow: str) -> str:
        if target is None:
            return f'<span class="site-nav-off">{arrow}</span>'
        label = f"{target.number} · {html.escape(target.title)}"
        text = f"← {label}" if rel == "prev" else f"{label} →"
        return f'<a rel="{rel}" href="{target.slug}.html">{text}</a>'

    items = [link(prev, "prev", "← start of the course"), '<a href="../index.html">Contents</a>',
             f'<a class="site-nav-partner" href="../{partner.href}">{KIND_TITLES[other]} {page.lesson.number}</a>',
             link(nxt, "next", "end of the course →"),
             f'<a class="site-nav-live" href="{html.escape(page.binder())}">Run this notebook live on Binder</a>']
    return f'<nav class="site-nav" aria-label="Course navigation">{"".join(items)}</nav>'


_HREF = re.compile(r'(\shref=")([^"#?]*)(#[^"]*)?(")')
_CODE_PATH = re.compile(r"<code>((notebooks|exercises)/(\d\d_[a-z0-9_]+)\.ipynb)</code>")


def rewrite_links(body: str, page: Page, in_site: set[str], root: Path) -> str:
    """Point the notebook's relative links at the site.

    An ``.ipynb`` link to a page of the site becomes ``.html`` (its anchor kept); a link to another
    file of the repository (``../NOTATION.md``, a solutions notebook) goes to it on GitHub;
    a code span naming a site notebook (``exercises/02_….ipynb``) becomes a link to its page.
    Links of the site's own (navigation, ``static/``) name no file of the repository and stay.
    """
    here = Path(page.kind)

    def href(m: re.Match) -> str:
        target, anchor = m.group(2), m.group(3) or ""
        if not target or re.match(r"^[a-z][a-z0-9+.\-]*:", target) or target.startswith("/"):
            return m.group(0)
        resolved = _normalise(here / target)
        html_path = resolved.removesuffix(".ipynb") + ".html"
        if target.endswith(".ipynb") and html_path in in_site:
            return f"{m.group(1)}{_relative(html_path, here)}{anchor}{m.group(4)}"
        if (root / resolved).is_file():
            return f"{m.group(1)}{_github(resolved)}{anchor}{m.group(4)}"
        return m.group(0)                       # the site's own link, or a broken one (tests/course/test_site.py)

    def code(m: re.Match) -> str:
        html_path = f"{m.group(2)}/{m.group(3)}.html"
        if html_path not in in_site:
            return m.group(0)
        return f'<a href="{_relative(html_path, here)}">{m.group(0)}</a>'

    return _CODE_PATH.sub(code, _HREF.sub(href, body))


def _normalise(path: Path) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _relative(site_path: str, here: Path) -> str:
    folder, name = site_path.rsplit("/", 1)
    return name if Path(folder) == here else f"../{site_path}"


def _github(repo_path: str) -> str:
    return f"https://github.com/{links.REPOSITORY}/blob/{links.BRANCH}/{repo_path}"


# ------------------------------------------------------------------ the index


def index_html(course: list[Lesson]) -> str:
    """The contents page: the course's title, a table of the lessons, and how to run them live."""
    rows = "".join(
        f'<tr><td>{lesson.number}</td><td><a href="{Page(lesson, "notebooks").href}">'
        f"{html.escape(lesson.title)}</a></td><td>{html.escape(lesson.learn)}</td>"
        f'<td><a href="{Page(lesson, "exercises").href}">exercises {lesson.number}</a></td></tr>'
        for lesson in course)
    first = Page(course[0], "notebooks")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{COURSE_TITLE}: contents</title>
<link rel="stylesheet" href="static/site.css">
</head>
<body class="site-index">
<main>
<h1 id="top">{COURSE_TITLE}</h1>
<p>An interactive textbook on the attention mechanism, in numpy. This is its reading copy: every lesson
with the outputs and figures it was saved with. <a href="{first.href}">Start with lesson {first.lesson.number}</a>.</p>
<table>
<thead><tr><th>#</th><th>lesson</th><th>you learn</th><th>practise</th></tr></thead>
<tbody>{rows}</tbody>
</table>
<h2 id="Run-it-live">Run it live</h2>
<p>Here the figures show their saved state and nothing runs. To move the sliders, drag the points and
have your exercises checked, run the course live:</p>
<ul>
<li><a href="{html.escape(links.binder_link())}">Launch the course on Binder</a> (in the browser, nothing to install;
download your exercise notebooks before you leave, a Binder session keeps nothing);</li>
<li>or, in a clone of the course, <code>make lab</code> (it creates <code>.venv</code> and opens JupyterLab
at lesson 00).</li>
</ul>
</main>
</body>
</html>
"""
