"""make html: the reading copy has every page, no error output, nothing from the network, links that resolve,
and every widget output as a static figure with its readout and the note that it is live elsewhere.

The checks below read the built pages as a browser would (their own small HTML scanner), not through
the builder's code; the last tests build a site from a deliberately broken notebook and show each
check failing on it.
"""
import copy
import functools
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from attention_lib import _paths
from attention_lib.course import lessons, links
from attention_lib.course.site import SiteError, build_site, classic_script

READY = lessons.ready()
KINDS = ("notebooks", "exercises")
VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"
EXTERNAL = re.compile(r"^(?:https?:)?//", re.I)
CSS_EXTERNAL = re.compile(r"@import\s+(?:url\()?\s*[\"']?(?:https?:)?//|url\(\s*[\"']?(?:https?:)?//", re.I)



class Scan(HTMLParser):
    """What a page loads and links to, its ids, the text of its outputs, and its static widget blocks."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.refs, self.ids, self.output_text, self.blocks = [], set(), [], []
        self.divs, self.in_style, self.styles = [], False, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "id" in a:
            self.ids.add(a["id"])
        self.refs += [(tag, name, a[name]) for name in ("href", "src") if a.get(name) is not None]
        if tag == "div":
            self.divs.append(classes)
            if "site-widget" in classes:
                self.blocks.append({"figures": [], "text": [], "links": []})
        if tag == "div" and "site-figure" in classes and self._in_block():
            self.blocks[-1]["figures"].append(a.get("data-model-id"))
        if tag == "a" and self._in_block():
            self.blocks[-1]["links"].append(a.get("href"))
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "div" and self.divs:
            self.divs.pop()
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if any("jp-OutputArea-output" in c for c in self.divs):
            self.output_text.append(data)
        if self._in_block():
            self.blocks[-1]["text"].append(data)
        if self.in_style:
            self.styles.append(data)

    def _in_block(self):
        return any("site-widget" in c for c in self.divs)


def _pages(out):
    return sorted(out.rglob("*.html"))


# ------------------------------------------------------------------ the checks, as functions that list problems


def network_loads(page: Path) -> list[str]:
    """Scripts, stylesheets, images or CSS imports the page would fetch from the network."""
    text = page.read_text(encoding="utf-8")
    scan = _scan(page)
    found = [f"<{tag} {name}={value}>" for tag, name, value in scan.refs
             if tag != "a" and EXTERNAL.match(value)]
    css = "".join(scan.styles) + " ".join(re.findall(r'style="([^"]*)"', text))
    return found + [f"CSS: {m.group(0)}" for m in CSS_EXTERNAL.finditer(css)]


def _scan(page: Path) -> Scan:
    """The page, parsed once per version of the file (every check reads every page; a lesson's page is the target
    of many links). A check reads what it is given and changes nothing."""
    stat = page.stat()
    return _scan_of(page, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=None)
def _scan_of(page: Path, _mtime_ns: int, _size: int) -> Scan:
    return Scan(page.read_text(encoding="utf-8"))


def _ids(page: Path) -> frozenset:
    return frozenset(_scan(page).ids)


def broken_links(out: Path, page: Path) -> list[str]:
    """Relative links, scripts and stylesheets whose file is missing, or whose #anchor names no id there."""
    problems = []
    for _tag, _name, value in _scan(page).refs:
        parts = urlsplit(value)
        if parts.scheme or value.startswith("//"):
            continue
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not target.is_file() or out.resolve() not in target.parents:
            problems.append(f"{value}: no file {target}")
        elif parts.fragment and target.suffix == ".html":     # a browser tries the fragment as written, then decoded
            if not {parts.fragment, unquote(parts.fragment)} & _ids(target):
                problems.append(f"{value}: no id {unquote(parts.fragment)!r} in {target.name}")
    return problems


def error_outputs(nb, page: Path) -> list[str]:
    """Error outputs stored in the notebook, and tracebacks in the page's rendered outputs."""
    stored = [f"cell {i}: {o.get('ename')}" for i, cell in enumerate(nb.cells)
              for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    shown = "".join(_scan(page).output_text)
    return stored + (["a Traceback in the page's outputs"] if "Traceback" in shown else [])


def widget_problems(nb, page: Path, binder: str) -> list[str]:
    """Each widget output is one static block with a readout the notebook saved and the live-note with its
    Binder link, and every chart Figure the notebook saved is drawn on the page from its stored state."""
    views = [o for cell in nb.cells for o in cell.get("outputs", []) if VIEW in o.get("data", {})]
    state = nb.metadata.get("widgets", {}).get(STATE, {}).get("state", {})
    charts = {mid for mid, m in state.items() if m.get("model_name") == "AnyModel" and "panels" in m["state"]}
    saved = {"".join(o["data"].get("text/plain", "")) for o in views} | {m["state"].get("readout", "") for m in state.values()}
    scan = _scan(page)
    problems = [] if len(scan.blocks) == len(views) else [f"{len(views)} widget outputs, {len(scan.blocks)} blocks"]
    for i, block in enumerate(scan.blocks):
        text = "".join(block["text"])
        if not any(readout.strip() and readout.strip() in text for readout in saved):
            problems.append(f"block {i} shows no readout the notebook saved")
        if "live in JupyterLab or on Binder" not in text or binder not in block["links"]:
            problems.append(f"block {i} has no live-note with the Binder link")
    drawn = {mid for block in scan.blocks for mid in block["figures"]}
    if drawn != charts:
        problems.append(f"chart Figures saved {sorted(charts)}, drawn {sorted(drawn)}")
    stored = re.search(r'<script id="site-figures" type="application/json">(.*?)</script>', page.read_text(), re.S)
    if drawn and (stored is None or any(f'"{mid}":{{"state":' not in stored.group(1) for mid in drawn)):
        problems.append("a drawn figure has no stored state on the page")
    if stored and ('"_esm"' in stored.group(1) or '"_css"' in stored.group(1)):
        problems.append("the page embeds the widgets' ES module source")
    return problems


# ------------------------------------------------------------------ the built site


def test_every_ready_lesson_and_exercise_page_and_the_index_exist(site):
    expected = {site / "index.html"} | {site / kind / f"{lesson.slug}.html" for kind in KINDS for lesson in READY}
    assert set(_pages(site)) == expected


def test_no_page_holds_an_error_output(site):
    for kind in KINDS:
        for lesson in READY:
            nb = nbformat.read(_paths.ROOT / kind / f"{lesson.slug}.ipynb", as_version=4)
            assert error_outputs(nb, site / kind / f"{lesson.slug}.html") == [], f"{kind}/{lesson.slug}"


def test_no_page_loads_a_script_stylesheet_or_font_from_the_network(site):
    for page in _pages(site):
        assert network_loads(page) == [], page.name
    for css in (site / "static").rglob("*.css"):
        assert not CSS_EXTERNAL.search(css.read_text(encoding="utf-8")), css


def test_every_relative_link_resolves_to_a_file_and_every_anchor_to_an_id(site):
    for page in _pages(site):
        assert broken_links(site, page) == [], page.relative_to(site)


def test_every_widget_output_is_a_static_figure_with_its_readout_and_the_live_note(site):
    for kind in KINDS:
        for lesson in READY:
            nb = nbformat.read(_paths.ROOT / kind / f"{lesson.slug}.ipynb", as_version=4)
            binder = links.binder_link(path=f"{kind}/{lesson.slug}.ipynb")
            assert widget_problems(nb, site / kind / f"{lesson.slug}.html", binder) == [], f"{kind}/{lesson.slug}"


def test_the_lessons_with_live_figures_have_figures_to_draw(site):
    with_figures = [lesson for lesson in READY if lesson.widgets and lesson.widgets != ("sanity_check",)]
    assert with_figures, "no ready lesson shows a chart widget"
    for lesson in with_figures:
        assert 'class="site-figure" data-model-id="' in (site / "notebooks" / f"{lesson.slug}.html").read_text()


def test_navigation_follows_the_manifest(site):
    for kind in KINDS:
        for i, lesson in enumerate(READY):
            refs = {(a.get("rel"), a["href"]) for a in _anchors(site / kind / f"{lesson.slug}.html")}
            other = "exercises" if kind == "notebooks" else "notebooks"
            assert (None, "../index.html") in refs and (None, f"../{other}/{lesson.slug}.html") in refs
            expected = ({("prev", f"{READY[i - 1].slug}.html")} if i > 0 else set()) | \
                       ({("next", f"{READY[i + 1].slug}.html")} if i + 1 < len(READY) else set())
            assert {(rel, href) for rel, href in refs if rel in ("prev", "next")} == expected, f"{kind}/{lesson.slug}"


def _anchors(page):
    class Anchors(HTMLParser):
        found = []

        def handle_starttag(self, tag, attrs):
            if tag == "a":
                self.found.append(dict(attrs))

    parser = Anchors()
    parser.found = []
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def test_the_index_lists_every_lesson_with_what_it_teaches_and_says_how_to_run_it_live(site):
    text = (site / "index.html").read_text(encoding="utf-8")
    hrefs = {a["href"] for a in _anchors(site / "index.html")}
    for lesson in READY:
        assert f"notebooks/{lesson.slug}.html" in hrefs and f"exercises/{lesson.slug}.html" in hrefs
        assert lesson.learn.replace("&", "&amp;") in text
    assert links.binder_link() in hrefs and "make lab" in text


def test_katex_is_local_and_every_page_uses_it(site):
    katex = site / "static" / "katex"
    css = (katex / "katex.min.css").read_text(encoding="utf-8")
    fonts = re.findall(r"url\(([^)]+)\)", css)
    assert fonts and all((katex / font.strip("'\"")).is_file() for font in fonts)
    for page in _pages(site):
        if page.name == "index.html":
            continue
        sources = {value for tag, _, value in _scan(page).refs if tag in ("script", "link")}
        assert {"../static/katex/katex.min.js", "../static/katex/contrib/auto-render.min.js",
                "../static/katex/katex.min.css", "../static/chart.classic.js", "../static/site.js"} <= sources, page.name


def test_chart_js_ships_as_a_classic_script_without_module_syntax(site):
    shipped = (site / "static" / "chart.classic.js").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|export)\b", shipped, re.M)
    assert "window.AttentionChart = { render };" in shipped
    with pytest.raises(SiteError, match="import"):
        classic_script('import { x } from "./other.js";\nexport default { x };\n', "X")


def test_a_folder_the_site_did_not_write_is_refused_and_left_alone(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(SiteError, match="not empty"):
        build_site(foreign, READY[:1])
    assert (foreign / "notes.txt").read_text() == "keep me"


# ------------------------------------------------------------------ the checks fail on a broken notebook


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """A site built from lessons 00-01 where lesson 01 loads a CDN script, imports a web font, links to a
    notebook and an anchor that do not exist, stores an error output, and lost a widget view's model."""
    root = tmp_path_factory.mktemp("broken")
    course = READY[:2]
    for kind in KINDS:
        (root / kind).mkdir()
        for lesson in course:
            shutil.copy(_paths.ROOT / kind / f"{lesson.slug}.ipynb", root / kind)
    path = root / "notebooks" / f"{course[1].slug}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(
        '<script src="https://cdn.example.org/mathjax/tex-chtml.js"></script>\n\n'
        '<style>@import url("https://fonts.example.org/css?family=Roboto");</style>\n\n'
        "Go on to [lesson 09](09_nowhere.ipynb), or back to [the start](#No-such-heading)."))
    code = next(cell for cell in nb.cells if cell.cell_type == "code" and cell.outputs)
    code.outputs.append(nbformat.v4.new_output("error", ename="ValueError", evalue="boom",
                                               traceback=["Traceback (most recent call last)", "ValueError: boom"]))
    view = next(o for cell in nb.cells for o in cell.get("outputs", []) if VIEW in o.get("data", {}))
    view["data"][VIEW] = dict(view["data"][VIEW], model_id="0" * 32)
    nbformat.write(nb, path)
    out = root / "site"
    build_site(out, course, root)
    return {"out": out, "nb": copy.deepcopy(nb), "page": out / "notebooks" / f"{course[1].slug}.html",
            "binder": links.binder_link(path=f"notebooks/{course[1].slug}.ipynb")}


def test_the_network_check_fails_on_a_cdn_script_and_a_web_font(broken):
    problems = network_loads(broken["page"])
    assert any("cdn.example.org" in p for p in problems) and any(p.startswith("CSS: @import") for p in problems)


def test_the_link_check_fails_on_a_missing_notebook_and_a_missing_anchor(broken):
    problems = broken_links(broken["out"], broken["page"])
    assert any(p.startswith("09_nowhere.ipynb: no file") for p in problems)
    assert any("no id 'No-such-heading'" in p for p in problems)


def test_the_error_check_fails_on_a_stored_error_output(broken):
    problems = error_outputs(broken["nb"], broken["page"])
    assert any(p.endswith(": ValueError") for p in problems) and "a Traceback in the page's outputs" in problems


def test_the_widget_check_fails_when_a_saved_figure_is_not_drawn(broken):
    problems = widget_problems(broken["nb"], broken["page"], broken["binder"])
    assert any(p.startswith("chart Figures saved") for p in problems)
