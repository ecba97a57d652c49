"""What the code cells of a notebook measure and draw, read from their syntax (no cell is run).

A cell **measures** time or memory when, outside the functions it defines, it calls a clock or a memory
tracer: ``time.perf_counter``, ``time.process_time``, ``time.monotonic``, ``timeit``, ``tracemalloc``, an
IPython ``%timeit``, or a function that an earlier cell (or the same one) defined with such a call in its
body (the lessons' ``median_seconds`` and ``peak_mib``). A cell that only defines such a helper measures
nothing until the helper is called.

A name is **measured data** when it was assigned (or appended to) by a statement that measures or that reads
measured data; a figure **plots measured data** when its cell reads such a name or measures itself.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

CLOCKS = {"perf_counter", "perf_counter_ns", "process_time", "process_time_ns", "monotonic", "monotonic_ns",
          "timeit", "repeat", "get_traced_memory", "take_snapshot"}
"""Attributes of ``time``, ``timeit`` and ``tracemalloc`` that read a clock or the memory tracer."""
MODULES = {"time", "timeit", "tracemalloc"}
FIGURE_CALLS = {"show_figure", "render_figure"}
MUTATORS = {"append", "extend", "insert", "update", "add", "setdefault"}
_MAGIC = re.compile(r"^\s*(%%?|!)(\w*)", re.M)


@dataclass
class Cell:
    index: int                   # position among all cells of the notebook, 0-based
    source: str
    outputs: list
    tags: list
    tree: ast.Module

    @property
    def text(self) -> str:
        """Everything the cell printed or displayed as text."""
        parts = []
        for out in self.outputs:
            if out.get("output_type") == "stream":
                parts.append("".join(out.get("text", "")))
            else:
                parts.append("".join(out.get("data", {}).get("text/plain", "")))
        return "".join(parts)


def _parse(source: str):
    """The cell's syntax tree with IPython magics blanked out, and whether a magic times something."""
    times = any(m.group(2) in ("timeit", "time") for m in _MAGIC.finditer(source) if m.group(1) != "!")
    # a magic line becomes "pass" at its own indentation, so the tree's line numbers match the cell's
    lines = [re.sub(r"\S.*", "pass", line) if _MAGIC.match(line) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines)), times


def code_cells(path) -> list[Cell]:
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            tree, _ = _parse(source)
            cells.append(Cell(i, source, cell.get("outputs", []), cell.get("metadata", {}).get("tags", []), tree))
    return cells


def _called_name(call: ast.Call):
    """(module or None, name) of what a call calls: ``time.perf_counter()`` -> ("time", "perf_counter")."""
    func = call.func
    if isinstance(func, ast.Name):
        return None, func.id
    if isinstance(func, ast.Attribute):
        base = func.value.id if isinstance(func.value, ast.Name) else None
        return base, func.attr
    return None, None


def _outside_definitions(node):
    """The nodes under ``node``, skipping the bodies of functions and classes it defines."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                stack.append(child)


def _calls_a_clock(node, helpers: set[str], skip_definitions: bool) -> bool:
    nodes = _outside_definitions(node) if skip_definitions else ast.walk(node)
    for sub in nodes:
        if isinstance(sub, ast.Call):
            module, name = _called_name(sub)
            if (module in MODULES and name in CLOCKS) or (module is None and name in CLOCKS - {"repeat"}):
                return True
            if module in ("tracemalloc",) or (module is None and name in helpers):
                return True
    return False


def _base_name(node):
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _stored(node) -> set[str]:
    """Names a statement assigns, and containers it fills: ``d[k] = t``, ``runs[n].append(t)``."""
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, ast.Subscript | ast.Attribute) and isinstance(sub.ctx, ast.Store):
            names.add(_base_name(sub))
        elif (isinstance(sub, ast.Expr) and isinstance(sub.value, ast.Call)
              and isinstance(sub.value.func, ast.Attribute) and sub.value.func.attr in MUTATORS):
            names.add(_base_name(sub.value.func.value))
    return names - {None} - _loop_variables(node)             # what a loop fills is measured, not its counter


def _loop_variables(node) -> set[str]:
    return {name.id for sub in ast.walk(node) if isinstance(sub, ast.For | ast.comprehension)
            for name in ast.walk(sub.target) if isinstance(name, ast.Name)}


def _loaded(node) -> set[str]:
    """Names a statement reads, except loop variables it binds itself (``for n in sizes`` reads no old ``n``)."""
    names = {sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load)}
    return names - _loop_variables(node)


@dataclass
class Analysis:
    """Which cells of one notebook measure, which names hold measured data, and which figures plot it."""
    cells: list[Cell]
    measuring: list[Cell] = field(default_factory=list)
    measured_names: set[str] = field(default_factory=set)
    figures: list[tuple[Cell, ast.Call, bool]] = field(default_factory=list)   # (cell, call, plots measured data)


def analyse(path) -> Analysis:
    cells = code_cells(path)
    result, helpers = Analysis(cells), set()
    for cell in cells:
        _, magic_times = _parse(cell.source)
        for stmt in cell.tree.body:                                  # helpers first: a cell may define and call one
            if isinstance(stmt, ast.FunctionDef) and _calls_a_clock(stmt, helpers, skip_definitions=False):
                helpers.add(stmt.name)
        if magic_times or _calls_a_clock(cell.tree, helpers, skip_definitions=True):
            result.measuring.append(cell)
        for stmt in cell.tree.body:
            if isinstance(stmt, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            stored = _stored(stmt)
            if _calls_a_clock(stmt, helpers, skip_definitions=True) or _loaded(stmt) & result.measured_names:
                result.measured_names |= stored
            else:
                result.measured_names -= stored                   # assigned afresh from unmeasured data
        reads_measured = bool(_loaded(cell.tree) & result.measured_names) or cell in result.measuring
        for sub in ast.walk(cell.tree):
            if isinstance(sub, ast.Call) and _called_name(sub)[1] in FIGURE_CALLS:
                result.figures.append((cell, sub, reads_measured))
    return result


def alt_argument(call: ast.Call):
    """The expression passed as ``alt`` (keyword, or the second positional argument), or None."""
    for keyword in call.keywords:
        if keyword.arg == "alt":
            return keyword.value
    return call.args[1] if len(call.args) > 1 else None


def is_literal_text(node) -> bool:
    """True for text fixed when the code was written: a string, an f-string with nothing formatted in it,
    or literals joined with ``+`` or put in parentheses; False for anything computed."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return not any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return is_literal_text(node.left) and is_literal_text(node.right)
    return False
