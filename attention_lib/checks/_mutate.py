"""Error models: the ways a correct function goes wrong, written once as rewrite rules on its syntax tree.

A *teaching reference* is the most direct numpy a learner would write, with a role note on each line
that carries an idea, and a shape comment where the line makes a tensor::

    def softmax(x, axis=-1):
        z = x - x.max(axis=axis, keepdims=True)     # (..., n) role[shift]: each row's own maximum keeps exp finite
        e = np.exp(z)                               # (..., n)
        return e / e.sum(axis=axis, keepdims=True)  # (..., n) role[normalise]: each row's weights sum to 1

Each operator below rewrites one place of it (an axis, a transpose, a constant, a bound, a name...) and
says, in the learner's words, what that rewrite did: "your `sum` runs over the queries (axis −2)". The
message borrows the line's role note: "...; each row's weights sum to 1". The role's tag (``normalise``)
and the operator together choose a catalogue code (:data:`TAG_CODES`), or the operator's own.

Only the syntax is rewritten here; :mod:`._mutants` runs the results on the probes and caches them.
"""
from __future__ import annotations

import ast
import copy
import inspect
import io
import os
import re
import sys
import textwrap
import tokenize
from dataclasses import dataclass, field

import numpy as np

# --------------------------------------------------------------------------- a parsed teaching reference

_ROLE = re.compile(r"role(?:\[(\w+)\])?:\s*(.+?)\s*$")
_SHAPE = re.compile(r"^\s*\(([^()]*)\)")


@dataclass(frozen=True)
class Note:
    """What a line of the teaching reference is for: a ``tag`` (for codes), a ``role`` (for messages) and the
    symbols of its shape comment, ``axes`` (``("...", "n_q", "n_k")``)."""

    tag: str | None = None
    role: str | None = None
    axes: tuple = ()


@dataclass
class Reference:
    """A teaching reference, parsed: its function tree, the notes of its lines, and its module's globals."""

    name: str
    source: str
    tree: ast.FunctionDef
    notes: dict
    namespace: dict
    params: tuple
    locals_seen: dict = field(default_factory=dict)     # line -> {name: shape}, from traced calls
    ints: set = field(default_factory=set)               # names that held a whole number

    @property
    def defaults(self) -> dict:
        """Each parameter's default value, where it has a literal one."""
        args = self.tree.args
        positional = [*args.posonlyargs, *args.args]
        pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True))
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
        return {a.arg: _literal(d) for a, d in pairs if _literal(d) is not None}

    @property
    def made(self) -> dict:
        """The axis names of each local, from the shape comment of the line that makes it."""
        found = {}
        for stmt in ast.walk(self.tree):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                axes = self.notes.get(stmt.lineno, Note()).axes
                if axes:
                    found.setdefault(stmt.targets[0].id, axes)
        return found

    def patched(self, patches) -> Reference:
        """This reference with text patches applied (``[(old, new), ...]``): a find-the-bug handout's bugs."""
        source = self.source
        for old, new in patches:
            if old not in source:
                raise ValueError(f"{self.name}: a bug's patch does not apply: {old!r} is not in the teaching reference")
            source = source.replace(old, new, 1)
        tree = ast.parse(source).body[0]
        return Reference(self.name, source, tree, _notes(source, tree), self.namespace, self.params)


def parse(fn) -> Reference:
    """Parse a teaching reference (a plain module-level function) and the notes in its comments."""
    source = textwrap.dedent(inspect.getsource(fn))
    tree = ast.parse(source).body[0]
    params = tuple(a.arg for a in (*tree.args.posonlyargs, *tree.args.args, *tree.args.kwonlyargs))
    return Reference(fn.__name__, source, tree, _notes(source, tree), fn.__globals__, params)


def _notes(source: str, tree: ast.AST) -> dict:
    """The note of every line, spread over the lines of its statement. A role may also stand on comment lines
    of its own just above the statement (for a long one); the shape comment stays at the end of the line."""
    inline, above = {}, {}
    lines = source.splitlines()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            alone = lines[tok.start[0] - 1].strip().startswith("#")
            (above if alone else inline)[tok.start[0]] = tok.string.lstrip("#").strip()
    notes = {}
    for stmt in ast.walk(tree):
        if not isinstance(stmt, ast.stmt) or isinstance(stmt, ast.FunctionDef):
            continue
        last = stmt.lineno if isinstance(stmt, (ast.For, ast.If, ast.While)) else stmt.end_lineno
        texts = [inline[i] for i in range(stmt.lineno, last + 1) if i in inline]
        lead, i = [], stmt.lineno - 1
        while i in above:
            lead.insert(0, above[i])
            i -= 1
        note = _note(" ".join(lead), texts[0] if texts else "")
        if note != Note():
            for i in range(stmt.lineno, last + 1):
                notes[i] = note
    return notes


def _note(lead: str, text: str) -> Note:
    role = _ROLE.search(lead) or _ROLE.search(text)
    shape = _SHAPE.match(text)
    axes = tuple(a.strip() for a in shape.group(1).split(",") if a.strip()) if shape else ()
    return Note(role.group(1) if role else None, role.group(2) if role else None, axes)


def trace(ref: Reference, probes) -> None:
    """Run the reference on every probe and note, for each of its lines, the shape of every local seen
    there the first time the line ran (``ref.locals_seen``), and which names held whole numbers.

    A name may stand in for another at a line only where both exist and have alike shapes
    (:func:`_names`); sizes that are plain numbers count as shape ``()``.
    """
    code = compile(ast.Module([ref.tree], []), f"<teaching {ref.name}>", "exec")
    space = dict(ref.namespace)
    exec(code, space)
    fn = space[ref.name]
    for probe in probes:
        _trace_one(fn, probe.args, probe.kwargs, ref)


def _trace_one(fn, args, kwargs, ref) -> None:
    seen, files, done = ref.locals_seen, {fn.__code__.co_filename}, set(ref.locals_seen)

    def local(frame, event, arg):
        if event == "line" and frame.f_code.co_filename in files and frame.f_lineno not in done:
            here = seen.setdefault(frame.f_lineno, {})
            for name, value in frame.f_locals.items():
                shape = _shape_of(value)
                if shape is not None:
                    here.setdefault(name, shape)
                if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
                    ref.ints.add(name)
        return local

    def calls(frame, event, arg):
        return local if frame.f_code.co_filename in files else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        with np.errstate(all="ignore"):
            fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except Exception:
        pass
    finally:
        sys.settrace(previous)


def _shape_of(value):
    if isinstance(value, np.ndarray):
        return value.shape
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return ()
    return None


# --------------------------------------------------------------------------- slips and mutants


@dataclass(frozen=True)
class Slip:
    """One rewrite: the ``operator`` that made it, ``said`` (what the learner did, in their words), the ``line``
    of the reference it changed, its ``note``, and the code before and after (``before`` → ``after``)."""

    operator: str
    said: str
    line: int
    before: str
    after: str
    note: Note = Note()
    variety: str = ""

    @property
    def kind(self) -> tuple:
        """What the slip does, wherever it is: the same slip made at two places has the same kind (the keys and the
        values both taken from x_q; the max and the sum both over axis 1)."""
        if self.operator == "name" and "-for-" in self.variety:
            new, old = self.variety.split("-for-")
            return self.operator, rename(old, new), ""
        return self.operator, self.variety, _last_token(self.after) if self.operator == "axis" else ""
    @property
    def id(self) -> str:
        return f"{self.operator}: {self.before} → {self.after}"


OPERATORS = (   # most common first: where two mutants behave alike, the earlier operator speaks
    "axis", "keepdims", "scale", "transpose", "swap", "drop", "polarity", "fill", "extreme", "size", "name",
    "comparison", "off_by_one", "cast", "reset", "update", "order", "constant", "sign", "in_place",
)
"""Every operator, in the order a learner makes such slips (a rough frequency, most common first)."""


# --------------------------------------------------------------------------- words


AXIS_WORDS = {
    "n_q": "the queries", "n_k": "the keys", "n": "the positions", "d": "the features", "d_v": "the values' features",
    "D": "the model width", "h": "the heads", "g": "the key/value heads", "B": "the batch", "b_q": "the tile's queries",
    "b_k": "the tile's keys", "n_past": "the cached positions", "d_head": "the features of a head",
    "V": "the vocabulary", "T": "the positions",
}


def _axis_words(value, axes: tuple) -> str:
    """An axis as the learner thinks of it: ``the keys (the last axis)``, ``axis 0``, ```axis```."""
    if isinstance(value, str):
        return f"`{value}`"
    if value is None:
        return "every axis at once"
    name = None
    if axes and value < 0 and -value <= len(axes) and axes[value] != "...":
        name = AXIS_WORDS.get(axes[value], axes[value])
    if axes and value >= 0 and "..." not in axes and value < len(axes):
        name = AXIS_WORDS.get(axes[value], axes[value])
    where = "the last axis" if value == -1 else f"axis {value}".replace("-", "−")
    return f"{name} ({where})" if name else where


def _code(node: ast.AST) -> str:
    return ast.unparse(node)


def _short(node: ast.AST, most: int = 28) -> str:
    """A piece of code short enough to name a place: ``e.sum(…)`` for a long call."""
    text = _code(node)
    if len(text) <= most:
        return f"`{text}`"
    if isinstance(node, ast.Call):
        return f"`{_code(node.func)}(…)`"
    if isinstance(node, ast.Subscript):
        return f"`{_code(node.value)}[…]`"
    if isinstance(node, ast.BinOp) and type(node.op) in _OP_SYMBOLS and len(_code(node.left)) <= most // 2:
        return f"`{_code(node.left)} {_OP_SYMBOLS[type(node.op)]} …`"     # `x_hat * …` for a long product
    return "a term"


_OP_SYMBOLS = {ast.Mult: "*", ast.Div: "/", ast.Add: "+", ast.Sub: "-", ast.MatMult: "@"}


def _literal(node):
    """The number an AST node writes (``-1``, ``0.5``, ``-np.inf``), or None."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        text = _code(node).replace(" ", "")
        return {"np.inf": np.inf, "-np.inf": -np.inf, "math.inf": np.inf, "-math.inf": -np.inf}.get(text)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _num(value) -> ast.expr:
    if value == -np.inf:
        return ast.parse("-np.inf", mode="eval").body
    if value == np.inf:
        return ast.parse("np.inf", mode="eval").body
    node = ast.Constant(abs(value))
    return ast.UnaryOp(ast.USub(), node) if value < 0 else node


def _said_number(value) -> str:
    if value in (np.inf, -np.inf):
        return "−∞" if value < 0 else "∞"
    text = f"{value:g}".replace("-", "−")
    return text.replace("e+09", "e9").replace("e+9", "e9")


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _call_name(node: ast.Call) -> str | None:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def _kw(node: ast.Call, name: str):
    return next((k for k in node.keywords if k.arg == name), None)


def _without_kw(node: ast.Call, name: str) -> ast.Call:
    new = copy.copy(node)
    new.keywords = [k for k in node.keywords if k.arg != name]
    return new


def _with_kw(node: ast.Call, name: str, value: ast.expr) -> ast.Call:
    new = _without_kw(node, name)
    new.keywords = [*new.keywords, ast.keyword(name, value)]
    return new


def _swapaxes(node: ast.expr) -> ast.expr:
    return ast.Call(_expr("np.swapaxes"), [node, _num(-1), _num(-2)], [])


def _is_transpose(node) -> ast.expr | None:
    """The operand of ``np.swapaxes(x, -1, -2)``, ``x.swapaxes(-1, -2)``, ``x.T`` or ``np.transpose(x)``."""
    if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
        return node.value
    if isinstance(node, ast.Call) and _call_name(node) in ("swapaxes", "transpose"):
        if isinstance(node.func, ast.Attribute) and _code(node.func.value) in ("np", "numpy"):
            return node.args[0] if node.args else None
        if isinstance(node.func, ast.Attribute):
            return node.func.value
    return None


# --------------------------------------------------------------------------- the operators

REDUCTIONS = {"sum", "mean", "max", "min", "amax", "amin", "nansum", "prod", "argmax", "argmin", "any", "all",
              "logsumexp", "norm", "cumsum", "concatenate", "stack", "sort", "std", "var", "softmax"}
UNARY = {"exp", "sqrt", "log", "abs", "square", "tanh", "exp2", "log1p", "expm1"}
EXTREMES = {"max": "min", "min": "max", "amax": "amin", "amin": "amax", "maximum": "minimum", "minimum": "maximum",
            "argmax": "argmin", "argmin": "argmax", "sum": "mean", "mean": "sum", "nanmax": "nanmin", "any": "all",
            "all": "any", "repeat": "tile", "tile": "repeat"}
_EXTREME_WORDS = {"max": "maximum", "min": "minimum", "amax": "maximum", "amin": "minimum", "maximum": "larger",
                  "minimum": "smaller", "argmax": "largest", "argmin": "smallest", "sum": "sum", "mean": "mean",
                  "nanmax": "maximum", "nanmin": "minimum", "any": "`any`", "all": "`all`",
                  "repeat": "`repeat` (each in place)", "tile": "`tile` (the whole block again)"}
_COMPLEMENT = {ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Eq: ast.NotEq,
               ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_STRICT = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is",
           ast.IsNot: "is not", ast.Add: "+", ast.Sub: "−", ast.Mult: "×", ast.Div: "/", ast.MatMult: "@",
           ast.Pow: "**"}


class _Site:
    """What an operator may know about the place it rewrites."""

    def __init__(self, ref: Reference, line: int, parent: ast.AST | None):
        self.ref, self.line, self.parent = ref, line, parent
        self.note = ref.notes.get(line, Note())

    def names(self) -> dict:
        """The locals seen at this line (or the nearest line before it), with their shapes."""
        seen = self.ref.locals_seen
        lines = [n for n in seen if n <= self.line]
        return seen[max(lines)] if lines else {}


def _axis(node, site):
    """``axis=`` changed, or dropped: a reduction over the wrong axis, or over every axis; or an axis of
    ``swapaxes``/``moveaxis`` moved."""
    if isinstance(node, ast.Call) and _call_name(node) in ("swapaxes", "moveaxis"):
        return _axes_moved(node, site)
    if not isinstance(node, ast.Call) or _call_name(node) not in REDUCTIONS:
        return []
    fn = _call_name(node)
    kw = _kw(node, "axis")
    method = isinstance(node.func, ast.Attribute) and _code(node.func.value) not in ("np", "numpy", "math")
    old = kw.value if kw is not None else node.args[-1] if len(node.args) == (1 if method else 2) else None
    value = old.id if isinstance(old, ast.Name) else _literal(old) if old is not None else None
    if value is None or isinstance(value, float):
        return []
    axes = _operand_axes(node, site)
    default = site.ref.defaults.get(value) if isinstance(value, str) else None
    named = [a for a in axes if a != "..."]
    more = [-len(named) - 1, 0] if "..." in axes else []         # an axis among the "..." too
    choices = [-i for i in range(1, len(named) + 1)] + (more if named else [])
    out = []
    same = (lambda a: a % len(axes) == value % len(axes)) if named and "..." not in axes and isinstance(value, int) \
        else (lambda a: False)
    for a in choices if len(choices) > 1 else (-1, -2, 0):
        if a != value and not same(a):
            new = _with_kw(node, "axis", _num(a)) if kw is not None else _replace_arg(node, old, _num(a))
            symbol = axes[a] if axes and -len(axes) <= a < 0 and axes[a] != "..." else "other"
            variety = "param" if default is not None and a == default else symbol   # "param": the argument ignored
            out.append((f"axis:{variety}", new, f"your `{fn}` runs over {_axis_words(a, axes)} instead of "
                                     f"{_axis_words(value, axes)}"))
    if kw is not None and fn in ("sort", "argsort"):
        said = f"your `{fn}` sorts the whole array at once instead of along {_axis_words(value, axes)}"
        out.append(("axis:whole", _with_kw(node, "axis", ast.Constant(None)), said))
    elif kw is not None and fn not in ("concatenate", "stack", "cumsum", "softmax", "argmax", "argmin"):
        said = f"your `{fn}` runs over the whole array at once instead of {_axis_words(value, axes)}"
        out.append(("axis:whole", _without_kw(node, "axis"), said))
    return out


def _axes_moved(node: ast.Call, site):
    """One of the two axes of ``swapaxes`` (or ``moveaxis``) replaced by a neighbour."""
    first = 1 if isinstance(node.func, ast.Attribute) and _code(node.func.value) in ("np", "numpy") else 0
    given = node.args[first:first + 2]
    values = [_literal(a) for a in given]
    if len(given) != 2 or not all(isinstance(v, int) for v in values):
        return []
    pool = (-1, -2, -3) if values[0] < 0 else (0, 1, 2, 3)
    out = []
    for arg, value in zip(given, values, strict=True):
        for other in pool:
            if other not in values:
                new = _replace_arg(node, arg, _num(other))
                out.append(("axis:swap", new, f"your `{_call_name(node)}` moves axis {other} where axis {value} "
                                              f"belongs".replace("-", "−")))
    return out


def _operand_axes(node: ast.Call, site) -> tuple:
    """The axis names of what a reduction reduces: from the shape comment where its array was made, or from
    the line's own comment when ``keepdims=True`` keeps the axes as they were."""
    operand = node.func.value if isinstance(node.func, ast.Attribute) and node.func.value is not None \
        and _code(node.func.value) not in ("np", "numpy") else (node.args[0] if node.args else None)
    if isinstance(operand, ast.List) and operand.elts:
        operand = operand.elts[0]
    for n in ast.walk(operand) if operand is not None else ():
        if isinstance(n, ast.Name) and n.id in site.ref.made:
            return site.ref.made[n.id]
    keep = _kw(node, "keepdims")
    return site.note.axes if keep is not None and getattr(keep.value, "value", None) is True else ()


def _replace_arg(node, old, new):
    call = copy.copy(node)
    call.args = [new if a is old else a for a in node.args]
    return call


def _keepdims(node, site):
    """``keepdims=True`` dropped, or the ``None`` that restores an axis: the reduced axis is lost."""
    if isinstance(node, ast.Call):
        kw = _kw(node, "keepdims")
        if kw is not None and isinstance(kw.value, ast.Constant) and kw.value.value is True:
            return [("keepdims", _without_kw(node, "keepdims"),
                     f"your `{_call_name(node)}` drops the axis it reduces (no `keepdims=True`), so it no longer "
                     "lines up with the rows it belongs to")]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple):
        parts = node.slice.elts
        if any(isinstance(p, ast.Constant) and p.value is None for p in parts):
            kept = [p for p in parts if not (isinstance(p, ast.Constant) and p.value is None)]
            index = kept[0] if len(kept) == 1 else ast.Tuple(kept, ast.Load())
            plain = all((isinstance(p, ast.Constant) and p.value is Ellipsis) or _code(p) == ":" for p in kept)
            new = node.value if plain else ast.Subscript(node.value, index, ast.Load())
            return [("keepdims", new, f"the axis of length 1 that lines `{_code(node.value)}` up is missing")]
    return []


def _scale(node, site):
    """A square root replaced: by its argument (d for √d), by 1, by half its argument (``d ** 1/2``)."""
    inner = None
    if isinstance(node, ast.Call) and _call_name(node) == "sqrt" and len(node.args) == 1:
        inner = node.args[0]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and _literal(node.right) == 0.5:
        inner = node.left
    if inner is None:
        return []
    name = _code(inner)
    return [
        ("scale:value", inner, f"you use `{name}` where its square root belongs"),
        ("scale:half", ast.BinOp(inner, ast.Div(), ast.Constant(2)),
         f"you use `{name}`/2 where √`{name}` belongs (`** 1/2` binds as `(** 1) / 2`)"),
    ]


def _transpose(node, site):
    """A transpose dropped, applied to every axis (``.T``), or moved to the other operand of ``@``."""
    out = []
    operand = _is_transpose(node)
    if operand is not None:
        out.append(("transpose:dropped", operand, f"the transpose of `{_code(operand)}` is missing"))
        if not (isinstance(node, ast.Attribute) and node.attr == "T"):
            out.append(("transpose:all", ast.Attribute(operand, "T", ast.Load()),
                        f"`{_code(operand)}.T` reverses every axis, not just the last two"))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        left, right = _is_transpose(node.left), _is_transpose(node.right)
        if right is not None and left is None:
            out.append(("transpose:moved", ast.BinOp(_swapaxes(node.left), ast.MatMult(), right),
                        f"the transpose is on `{_code(node.left)}` instead of `{_code(right)}`"))
        if left is None and right is None:
            out.append(("transpose:left", ast.BinOp(_swapaxes(node.left), ast.MatMult(), node.right),
                        f"`{_code(node.left)}` is transposed before the product"))
            out.append(("transpose:right", ast.BinOp(node.left, ast.MatMult(), _swapaxes(node.right)),
                        f"`{_code(node.right)}` is transposed before the product"))
    return out


_OP_NAMES = {ast.Mult: "mul", ast.Div: "div", ast.Add: "add", ast.Sub: "sub", ast.Pow: "pow", ast.BitAnd: "and",
             ast.BitOr: "or", ast.MatMult: "matmul"}


def _drop(node, site):
    """A factor, a term, a divisor, a sign or a whole function left out."""
    out = []
    if isinstance(node, ast.BinOp) and type(node.op) in _OP_NAMES:
        op = _OP_NAMES[type(node.op)]
        kind = {"mul": "factor", "div": "division by", "add": "term", "sub": "subtraction of", "pow": "power",
                "and": "condition", "or": "condition", "matmul": "product with"}[op]
        out.append((f"drop:{op}", node.left, f"the {kind} {_short(node.right)} is missing"))
        if op in ("mul", "add", "and", "or"):
            out.append((f"drop:{op}-left", node.right, f"the {kind} {_short(node.left)} is missing"))
        if op == "div":
            out.append(("drop:times", ast.BinOp(node.left, ast.Mult(), node.right),
                        f"you multiply by {_short(node.right)} where you should divide"))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv) and _literal(node.right) is None:
        out.append(("drop:quotient", node.right, f"you use `{_code(node.right)}` where the quotient "
                                                 f"`{_code(node)}` belongs"))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.BinOp) \
            and isinstance(node.left.op, ast.Mult) and _literal(node.left.left) is None:
        factor, kept = node.left.left, node.left.right
        new = ast.BinOp(factor, ast.Mult(), ast.BinOp(kept, ast.Add(), node.right))
        out.append(("drop:late", new, f"the factor {_short(factor)} multiplies {_short(node.right)} too: you "
                                      f"apply it after adding the new term, where only {_short(kept)}, the value "
                                      "so far, should be multiplied"))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.BinOp) \
            and isinstance(node.left.op, ast.Mult) and _literal(node.left.right) is None \
            and _literal(node.left.left) is None:
        factor, kept = node.left.right, node.left.left            # `x * g + b` written `g * (x + b)`
        new = ast.BinOp(factor, ast.Mult(), ast.BinOp(kept, ast.Add(), node.right))
        out.append(("drop:late", new, f"the factor {_short(factor)} multiplies {_short(node.right)} too: you add "
                                      f"{_short(node.right)} before multiplying, where only {_short(kept)} should be "
                                      "multiplied"))
    if isinstance(node, ast.Call) and _call_name(node) == "moveaxis" and len(node.args) == 3 \
            and _literal(node.args[1]) is not None:
        out.append(("drop:back", node.args[0], f"the axis you moved last is never moved back: "
                                               f"`{_code(node)}` is missing, so another `axis` comes back in the "
                                               "wrong place"))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _literal(node) is None:
        out.append(("drop:sign", node.operand, f"the minus sign in front of {_short(node.operand)} is missing"))
    if isinstance(node, ast.IfExp):
        for part, kept in (("if", node.body), ("else", node.orelse)):
            out.append((f"drop:{part}", kept, f"yours always gives {_short(kept)}, whatever `{_code(node.test)}` "
                                              "says"))
    if isinstance(node, ast.Call) and _call_name(node) in ("repeat", "tile", "tril", "triu") and node.args:
        out.append(("drop:call", node.args[0], f"`{_call_name(node)}` is not applied to {_short(node.args[0])}"))
    if isinstance(node, ast.Call) and _call_name(node) in UNARY and len(node.args) == 1 and not node.keywords:
        out.append(("drop:call", node.args[0], f"`{_call_name(node)}` is not applied to {_short(node.args[0])}"))
    if isinstance(node, ast.Call) and _call_name(node) in ("maximum", "minimum") and len(node.args) == 2:
        for keep, gone in ((node.args[0], node.args[1]), (node.args[1], node.args[0])):
            out.append(("drop:argument", keep, f"the {_EXTREME_WORDS[_call_name(node)]} of {_short(keep)} and "
                                               f"{_short(gone)} is not taken: only {_short(keep)} counts"))
    return out


def _polarity(node, site):
    """A mask read backwards: the branches of ``np.where`` swapped, a ``~`` lost, a comparison turned round."""
    out = []
    if isinstance(node, ast.Call) and _call_name(node) == "where" and len(node.args) == 3:
        cond, a, b = node.args
        out.append(("polarity:where", ast.Call(node.func, [cond, b, a], node.keywords),
                    f"`{_code(cond)}` is read backwards: True keeps {_short(b)}, False keeps {_short(a)}"))
        out.append(("polarity:ignored", a, f"`{_code(cond)}` is never applied"))
    if isinstance(node, ast.Call) and _call_name(node) in ("tril", "triu"):
        other = "triu" if _call_name(node) == "tril" else "tril"
        func = copy.copy(node.func)
        if isinstance(func, ast.Attribute):
            func.attr = other
        out.append(("polarity:triangle", ast.Call(func, node.args, node.keywords),
                    f"you keep the {'upper' if other == 'triu' else 'lower'} triangle where the "
                    f"{'lower' if other == 'triu' else 'upper'} belongs"))
    if isinstance(node, ast.Call) and _call_name(node) in ("tril", "triu") or \
            isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
        out.append(("polarity:negate", ast.UnaryOp(ast.Invert(), node),
                    f"`{_short(node)}` is inverted: True where it should be False"))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
        other, word = (ast.BitOr(), "OR (`|`)") if isinstance(node.op, ast.BitAnd) else (ast.BitAnd(), "AND (`&`)")
        out.append(("polarity:combine", ast.BinOp(node.left, other, node.right),
                    f"{_short(node.left)} and {_short(node.right)} are combined with {word}"))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
        out.append(("polarity:invert", node.operand, f"the `~` in front of `{_code(node.operand)}` is missing"))
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPLEMENT:
        flipped = _COMPLEMENT[type(node.ops[0])]()
        out.append(("polarity:compare", ast.Compare(node.left, [flipped], node.comparators),
                    f"the comparison `{_SYMBOL[type(node.ops[0])]}` is turned round (`{_SYMBOL[type(flipped)]}`)"))
    return out


def _fill(node, site):
    """The value blocked scores are set to: −∞, −1e9 or 0."""
    if isinstance(site.parent, ast.UnaryOp):
        return []
    value = _literal(node)
    if value is None or not (value in (np.inf, -np.inf) or abs(value) >= 1e4):
        return []
    options = [v for v in (-np.inf, -1e9, 0.0) if v != value] if value < 0 else [v for v in (np.inf, 1e9) if v != value]
    return [(f"fill:{_said_number(v)}", _num(v), f"the value {_said_number(value)} is {_said_number(v)} in yours")
            for v in options]


def _extreme(node, site):
    """max for min, mean for sum (and back)."""
    if isinstance(node, ast.Call):
        fn = _call_name(node)
        if fn in EXTREMES:
            other = EXTREMES[fn]
            func = copy.copy(node.func)
            if isinstance(func, ast.Attribute):
                func.attr = other
            else:
                func = ast.Name(other, ast.Load())
            return [(f"extreme:{other}", ast.Call(func, node.args, node.keywords),
                     f"you take the {_EXTREME_WORDS.get(other, other)} where the {_EXTREME_WORDS.get(fn, fn)} "
                     "belongs")]
    return []


def _size(node, site):
    """A size read from the wrong axis, or from another input: ``q.shape[-1]`` as ``q.shape[-2]``, ``q.shape[0]``,
    ``k.shape[-2]``, ``v.shape[-1]``; a loop over every entry that visits the first axis only."""
    if isinstance(node, ast.Call) and _call_name(node) == "ndindex" and len(node.args) == 1 \
            and isinstance(node.args[0], ast.Attribute) and node.args[0].attr == "shape":
        owner = node.args[0].value
        new = ast.Call(ast.Name("range", ast.Load()), [ast.Call(ast.Name("len", ast.Load()), [owner], [])], [])
        return [("size:first_axis", new, f"the loop `{_code(node)}` is `{_code(new)}` in yours: it visits the first "
                                         f"axis only, so where `{_code(owner)}` has more axes each step takes a whole "
                                         "row at once")]
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape"):
        return []
    index = _literal(node.slice)
    if not isinstance(index, int):
        return []
    owner = _code(node.value.value)
    seen = site.names()
    out = []
    front = (1,) if index == -1 else ()              # `q.shape[1]`: d only while q has two axes
    for name, axes in [(owner, (-1, -2, 0, *front)), *((p, (-1, -2)) for p in site.ref.params if p != owner)]:
        shape = seen.get(name)
        if not isinstance(shape, tuple) or not shape:
            continue
        for other in axes:
            ahead = name == owner and other in front
            if not -len(shape) <= other < len(shape) or (name == owner and not ahead
                                                          and other % len(shape) == index % len(shape)):
                continue
            new = ast.Subscript(ast.Attribute(ast.Name(name, ast.Load()), "shape", ast.Load()), _num(other), ast.Load())
            said = f"the size `{_code(node)}` is read as `{_code(new)}`".replace("-", "−")
            if ahead:
                said += f", counted from the front: that is the last axis only while `{owner}` has two axes"
            out.append(("size", new, said))
    return out


def _names(node, site):
    """One name used for another of the same number of axes: k for v, W_k for W_v, the old max for the new."""
    out = []
    shape_of = isinstance(site.parent, ast.Attribute) and site.parent.attr == "shape"   # sizes: see _size
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and not shape_of:
        seen = site.names()
        mine = seen.get(node.id)
        if mine is None:
            return []
        for other, shape in seen.items():
            if other != node.id and _alike(mine, shape) and not other.startswith("_") and _kin(node.id, other, site):
                out.append((f"name:{other}-for-{node.id}", ast.Name(other, ast.Load()),
                            f"`{other}` is used where `{node.id}` belongs"))
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        key = node.slice.value
        for other in _string_keys(site.ref):
            if other != key and other[:2] == key[:2]:
                new = ast.Subscript(node.value, ast.Constant(other), ast.Load())
                out.append((f"name:{other}-for-{key}", new, f"`{other}` is used where `{key}` belongs"))
    return out


def _kin(name: str, other: str, site) -> bool:
    """Names a learner mixes up: inputs (k for v, x_q for x_kv), or names that start alike (m for m_new, dP for
    dS); not any two locals that happen to share a shape."""
    return other in site.ref.params or name[0].lower() == other[0].lower() or name.startswith(other) \
        or other.startswith(name)


def rename(old: str, new: str) -> str:
    """What a renaming changes, the same wherever it is made: k → k_cache and v → v_cache are both ``→_cache``."""
    common = len(os.path.commonprefix([old, new]))
    return f"{old[common:]}→{new[common:]}"


def _alike(a: tuple, b: tuple) -> bool:
    """Two shapes a slip can confuse: both plain numbers, or as many axes with at most one length different."""
    if a == () or b == ():
        return a == b == ()
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def _string_keys(ref: Reference) -> list[str]:
    keys = [n.slice.value for n in ast.walk(ref.tree) if isinstance(n, ast.Subscript)
            and isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, str)]
    return list(dict.fromkeys(keys))


_COMMUTES = (ast.Add, ast.Mult, ast.BitAnd, ast.BitOr)


def _swap(node, site):
    """The two sides of a subtraction, a division, a product or a returned pair swapped."""
    if isinstance(node, ast.BinOp) and not isinstance(node.op, _COMMUTES) and not isinstance(node.op, ast.Pow):
        said = {ast.Sub: "the subtraction", ast.Div: "the division", ast.MatMult: "the matrix product"}.get(
            type(node.op), "the operation")
        return [("swap", ast.BinOp(node.right, node.op, node.left),
                 f"the two sides of {said} of {_short(node.left)} and {_short(node.right)} are the wrong way "
                 "round"), *_turned(node)]
    if isinstance(node, ast.Call) and _call_name(node) in ("concatenate", "stack") and node.args \
            and isinstance(node.args[0], ast.List) and len(node.args[0].elts) == 2:
        a, b = node.args[0].elts
        return [("swap", ast.Call(node.func, [ast.List([b, a], ast.Load()), *node.args[1:]], node.keywords),
                 f"`{_code(b)}` comes before `{_code(a)}`")]
    return []


def _turned(node) -> list:
    """``a @ bᵀ`` written ``b @ aᵀ``: the product of every pair comes out transposed, one row per b."""
    other = _is_transpose(node.right) if isinstance(node.op, ast.MatMult) else None
    if other is None or isinstance(node.left, ast.BinOp):
        return []
    new = ast.BinOp(other, ast.MatMult(), _swapaxes(node.left))
    return [("swap:turned", new, f"you compute `{_code(other)} @ {_code(node.left)}ᵀ` where `{_code(node.left)} @ "
                                 f"{_code(other)}ᵀ` belongs: one row per `{_code(other)}` instead of one per "
                                 f"`{_code(node.left)}`, the transpose of the right result")]


def _off_by_one(node, site):
    """A bound one too far or one short: a slice, a range, a comparison, the diagonal of a triangle."""
    out = []
    if isinstance(node, ast.Slice):
        for part in ("lower", "upper"):
            bound = getattr(node, part)
            if bound is None:
                continue
            for delta in (1, -1):
                new = copy.copy(node)
                setattr(new, part, _plus(bound, delta))
                out.append(("off_by_one", new, f"the {'start' if part == 'lower' else 'end'} of the slice "
                                               f"`{_code(node)}` is one {'too far' if delta > 0 else 'short'}"))
    if isinstance(node, ast.Call) and _call_name(node) == "range" and node.args:
        stop = node.args[1] if len(node.args) >= 2 else node.args[0]
        for delta in (1, -1):
            new = _replace_arg(node, stop, _plus(stop, delta))
            out.append(("off_by_one", new, f"the loop `{_code(node)}` runs one step "
                                           f"{'too far' if delta > 0 else 'short'}"))
        if len(node.args) == 3:
            start, stop, step = node.args
            whole = ast.BinOp(stop, ast.Sub(), ast.BinOp(stop, ast.Mod(), step))
            out.append(("off_by_one:partial", _replace_arg(node, stop, whole),
                        f"the loop `{_code(node)}` stops before the last block when it is shorter than the others"))
    if isinstance(node, ast.Subscript):
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for part in parts:
            inner = part.elts if isinstance(part, ast.List) else [part]
            for index in inner:
                if isinstance(index, (ast.Slice, ast.Constant)) or not any(isinstance(n, ast.Name)
                                                                           for n in ast.walk(index)):
                    continue
                for delta in (1, -1):
                    swap = {id(index): _plus(index, delta)}
                    new = copy.deepcopy(node, swap)
                    out.append(("off_by_one", new, f"the index `{_code(index)}` is one "
                                                   f"{'too high' if delta > 0 else 'too low'}"))
    if isinstance(node, ast.Call) and _call_name(node) in ("tril", "triu", "tri"):
        kw = _kw(node, "k")
        base = kw.value if kw is not None else _num(0)
        for delta, way in ((1, "up"), (-1, "down")):
            new = _with_kw(node, "k", _plus(base, delta))
            out.append((f"off_by_one:{way}", new, f"the diagonal of `{_call_name(node)}` is one "
                                                  f"{'too high' if delta > 0 else 'too low'}"))
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _STRICT and \
            _literal(node.comparators[0]) is None:
        for delta in (1, -1):
            new = ast.Compare(node.left, node.ops, [_plus(node.comparators[0], delta)])
            out.append(("off_by_one", new, f"the bound `{_code(node.comparators[0])}` of `{_code(node)}` is one "
                                           f"{'too high' if delta > 0 else 'too low'}"))
    return out


def _plus(node, delta):
    value = _literal(node)
    if isinstance(value, int):
        return _num(value + delta)
    return ast.BinOp(node, ast.Add() if delta > 0 else ast.Sub(), ast.Constant(abs(delta)))


def _comparison(node, site):
    """``<`` for ``<=`` and back: the equal case on the wrong side."""
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _STRICT:
        op = type(node.ops[0])
        new = ast.Compare(node.left, [_STRICT[op]()], node.comparators)
        return [("comparison", new, f"the comparison `{_SYMBOL[op]}` is `{_SYMBOL[_STRICT[op]]}` in yours, so the "
                                    "equal case falls on the other side")]
    return []


def _constant(node, site):
    """A number in an arithmetic step left at 1: a factor 2, a ½, a power."""
    if not isinstance(node, ast.BinOp):
        return []
    out = []
    for side in ("left", "right"):
        value = _literal(getattr(node, side))
        if value is None or value in (0, 1, -1) or abs(value) >= 1e4 or abs(value) < 1e-4:
            continue
        new = copy.copy(node)
        setattr(new, side, ast.Constant(1))
        out.append(("constant", new, f"the {_said_number(value)} in {_short(node)} is 1 in yours"))
    return out


def _sign(node, site):
    """A term subtracted written with a plus: ``a - b`` as ``a + b``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and _literal(node.right) is None:
        return [("sign", ast.BinOp(node.left, ast.Add(), node.right),
                 f"{_short(node.right)} is added where it should be subtracted")]
    return []


def _cast(node, site):
    """A dtype lost (``dtype=float`` or ``.astype(float)`` left out) or an integer kept in 32 bits."""
    out = []
    if isinstance(node, ast.Call) and _kw(node, "dtype") is not None:
        kept = "keeps the input's dtype" if _call_name(node) in ("array", "asarray") else "makes floats"
        out.append(("cast:dtype", _without_kw(node, "dtype"), f"`{_call_name(node)}` {kept} (no `dtype=`)"))
    if isinstance(node, ast.Call) and _call_name(node) == "astype" and isinstance(node.func, ast.Attribute):
        out.append(("cast", node.func.value, f"`{_code(node.func.value)}` keeps its dtype (no `astype`)"))
    product = isinstance(site.parent, ast.BinOp) and isinstance(site.parent.op, ast.Mult)
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in site.ref.params and product \
            and node.id in site.ref.ints:
        out.append(("cast", ast.Call(_expr("np.int32"), [node], []),
                    f"`{node.id}` is a 32-bit integer in yours, which overflows past 2³¹"))
    if isinstance(node, ast.Call) and _call_name(node) == "sqrt" and not isinstance(site.parent, ast.Call):
        out.append(("cast:round", ast.Call(ast.Name("int", ast.Load()), [node], []),
                    f"`{_code(node)}` is rounded down to a whole number in yours (`int`)"))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        out.append(("cast:round", ast.BinOp(node.left, ast.FloorDiv(), node.right),
                    f"the division in {_short(node)} is a floor division `//` in yours, which rounds down to a whole "
                    "number"))
    return out


_EXPR_OPERATORS = (_axis, _keepdims, _scale, _transpose, _drop, _polarity, _fill, _extreme, _size, _names, _swap,
                   _off_by_one, _comparison, _constant, _sign, _cast)
_NAMES = {_names: ("name",), _off_by_one: ("off_by_one",)}
"""Operator functions whose name differs from the operator they make."""


# --------------------------------------------------------------------------- statements


def _body_offers(body: list, ref: Reference, loop: ast.AST | None):
    """Statement slips in one block: a running value reset in the wrong place, an update left out, two
    updates in the wrong order, an input changed in place. ``loop`` is the loop whose body this is."""
    out = []
    running = _running(body, ref) if loop is not None else set()
    bound = set(ref.params)
    for i, stmt in enumerate(body):
        if isinstance(stmt, (ast.For, ast.While)):
            out += _resets(body, i, ref, loop)
        if isinstance(stmt, (ast.Assign, ast.AugAssign)) and _assigned(stmt) & running:
            name = sorted(_assigned(stmt) & running)[0]
            out.append(("update", _without(body, i), stmt.lineno, _code(stmt), "pass",
                        f"`{name}` is never updated here, so it keeps its old value"))
        elif loop is None and isinstance(stmt, ast.Assign) and _assigned(stmt) & bound and \
                _assigned(stmt) <= _used(stmt):
            name = sorted(_assigned(stmt) & bound)[0]
            out.append(("update:step", _without(body, i), stmt.lineno, _code(stmt), "pass",
                        f"the step that remakes `{name}` here is missing"))
        if isinstance(stmt, ast.If) and not stmt.orelse and isinstance(stmt.test, ast.Compare) \
                and len(stmt.body) == 1 and _assigned(stmt.body[0]) & _used(stmt.test):   # a guard on its own subject
            out.append(("drop:test", body[:i] + stmt.body + body[i + 1:], stmt.lineno, _code(stmt.test), "pass",
                        f"you do `{_code(stmt.body[0]).splitlines()[0]}` in every case, where it belongs only "
                        f"when `{_code(stmt.test)}`"))
        if isinstance(stmt, ast.Assign):
            bound |= _assigned(stmt)
        if i + 1 < len(body) and _depends(stmt, body[i + 1]) & running:
            swapped = body[:i] + [body[i + 1], stmt] + body[i + 2:]
            out.append(("order", swapped, stmt.lineno, _code(stmt).split("\n")[0], _code(body[i + 1]).split("\n")[0],
                        f"`{_names_of(body[i + 1])}` is computed before `{_names_of(stmt)}`, from a value that is "
                        "stale or not there yet"))
        out += _in_place(body, i, ref)
    return out


def _without(body: list, i: int) -> list:
    """The block without statement ``i`` (``pass`` if nothing is left)."""
    rest = body[:i] + body[i + 1:]
    return rest or [ast.copy_location(ast.Pass(), body[i])]


def _assigned(stmt) -> set:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
    names = set()
    for t in targets:
        if t is None:
            continue
        for n in ast.walk(t):
            if isinstance(n, ast.Name):
                names.add(n.id)
    return names


def _used(stmt) -> set:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _names_of(stmt) -> str:
    names = sorted(_assigned(stmt)) if isinstance(stmt, (ast.Assign, ast.AugAssign)) else []
    return ", ".join(names) if names else _code(stmt).split("\n")[0][:30]


def _depends(a, b) -> set:
    simple = (ast.Assign, ast.AugAssign)
    return _assigned(a) & _used(b) if isinstance(a, simple) and isinstance(b, simple) else set()


def _running(body: list, ref: Reference) -> set:
    """Names a loop body updates from their own previous value (a running max, sum or output)."""
    return {name for stmt in body if isinstance(stmt, (ast.Assign, ast.AugAssign))
            for name in _assigned(stmt) if name in _used(stmt) or isinstance(stmt, ast.AugAssign)} \
        | {name for stmt in body if isinstance(stmt, ast.Assign) for name in _assigned(stmt)
           if any(name in _used(s) for s in body[: body.index(stmt)])}


def _resets(body, i, ref, outer):
    # ``outer`` is the loop whose body holds this one, if any
    """Initialisations before loop ``body[i]`` moved inside it (reset every step), or above the loop around
    it (never reset for the next block)."""
    loop = body[i]
    inside = {n for s in ast.walk(loop) if isinstance(s, (ast.Assign, ast.AugAssign)) for n in _assigned(s)}
    out = []
    for j in range(i - 1, -1, -1):
        init = body[j]
        if not isinstance(init, ast.Assign) or not (_assigned(init) & inside):
            break
        name = sorted(_assigned(init) & inside)[0]
        moved = copy.copy(loop)
        moved.body = [init, *loop.body]
        out.append(("reset", body[:j] + body[j + 1:i] + [moved] + body[i + 1:], init.lineno, _code(init),
                    "(in the loop)", f"`{name}` starts again at every step of the loop, so it only ever sees one "
                                     "step"))
        if outer is not None:
            out.append(("reset", ("lift", j, init), init.lineno, _code(init), "(before the outer loop)",
                        f"`{name}` is set once before the outer loop, so it is not reset for the next block"))
        first = j
    if out and first < i - 1:                         # every initialisation above the loop moved in at once
        together = copy.copy(loop)
        together.body = [*body[first:i], *loop.body]
        names = ", ".join(f"`{n}`" for s in body[first:i] for n in sorted(_assigned(s) & inside))
        out.append(("reset:together", body[:first] + [together] + body[i + 1:], body[first].lineno, _code(body[first]),
                    "(all in the loop)", f"{names} all start again at every step of the loop, so only its last step "
                                         "counts"))
    return out


def _in_place(body, i, ref):
    """``t = x - y`` with ``x`` an input, written ``x -= y``: the caller's array is changed."""
    stmt = body[i]
    if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.BinOp)
            and isinstance(stmt.value.left, ast.Name) and stmt.value.left.id in ref.params
            and isinstance(stmt.value.op, (ast.Add, ast.Sub, ast.Mult, ast.Div))):
        return []
    x = stmt.value.left.id
    aug = ast.AugAssign(ast.Name(x, ast.Store()), stmt.value.op, stmt.value.right)
    keep = ast.Assign(stmt.targets, ast.Name(x, ast.Load()))
    after = f"{x} {_SYMBOL[type(stmt.value.op)]}= …"
    return [("in_place", body[:i] + [aug, keep] + body[i + 1:], stmt.lineno, _code(stmt), after,
             f"the input `{x}` is changed in place")]


# --------------------------------------------------------------------------- making mutants


STATEMENT_OPERATORS = ("reset", "update", "order", "in_place")
"""Operators that rewrite whole statements: applied alone, never paired with another slip."""


@dataclass(frozen=True)
class Offer:
    """One place an operator rewrites: the ``slip``, and ``edits``, the ``(holder, field, index, new)`` that put it
    in the tree (``index`` None for a plain field); :func:`function` applies them for a moment, never for good."""

    slip: Slip
    edits: tuple
    span: tuple

    def inside(self, other: Offer) -> bool:
        """This offer's place lies within the other's (or is the same)."""
        (a, b), (c, d) = self.span, other.span
        return c <= a and b <= d


def offers(ref: Reference, only: tuple | None = None) -> list[Offer]:
    """Every place the operators (or ``only`` those named) rewrite in ``ref``, in the order of the source."""
    found: list[Offer] = []
    operators = [op for op in _EXPR_OPERATORS if only is None or op.__name__.lstrip("_") in _NAMES.get(op, ())
                 or op.__name__.lstrip("_") in only]
    _collect(ref, ref.tree, [], None, found, operators, only is None)
    return found


def _span(node) -> tuple:
    return ((node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset))


def _collect(ref, node, parents, where, found, operators, statements):
    """Offers at ``node`` (held at ``where`` = (holder, field, index)) and everywhere below it."""
    if isinstance(node, (ast.expr, ast.Slice)) and hasattr(node, "lineno") and where is not None:
        site = _Site(ref, node.lineno, parents[-1] if parents else None)
        for operator in operators:
            for kind, new, said in operator(node, site):
                ast.fix_missing_locations(ast.copy_location(new, node))
                operator_name, _, variety = kind.partition(":")
                before, after = (_in_context(node, new, where, parents) if operator_name in _SMALL
                                 else (_code(node), _code(new)))
                slip = Slip(operator_name, said, node.lineno, before, after, site.note, variety)
                found.append(Offer(slip, ((*where, new),), _span(node)))
    for name, value in ast.iter_fields(node):
        if isinstance(node, ast.FunctionDef) and name in ("args", "decorator_list", "returns"):
            continue
        if isinstance(value, list):
            if statements and name in ("body", "orelse") and value and isinstance(value[0], ast.stmt):
                _collect_body(ref, node, name, parents, found)
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    _collect(ref, item, [*parents, node], (node, name, i), found, operators, statements)
        elif isinstance(value, ast.AST):
            _collect(ref, value, [*parents, node], (node, name, None), found, operators, statements)


_SMALL = ("name", "size", "keepdims", "cast")
"""Operators that rewrite a single name or index: their slips are shown within the expression around it."""


def _last_token(text: str) -> str:
    """The part of a rewritten expression that says what changed: ``axis=1`` in a call, else the whole."""
    found = re.findall(r"axis=[^,)]+", text)
    return found[-1] if found else ""


def _in_context(node, new, where, parents) -> tuple[str, str]:
    """The code of the expression around ``node`` (up through attributes and indexing), before and after ``node``
    becomes ``new``."""
    holder, field_name, index = where
    context = None
    for up in reversed(parents):
        if not isinstance(up, ast.expr):
            break
        context = up
        if not isinstance(up, (ast.Attribute, ast.Subscript)):
            break
    if context is None:
        return _code(node), _code(new)
    before = _code(context)
    block = getattr(holder, field_name)
    if index is None:
        setattr(holder, field_name, new)
    else:
        block[index] = new
    try:
        return before, _code(context)
    finally:
        if index is None:
            setattr(holder, field_name, block)
        else:
            block[index] = node


def _collect_body(ref, owner, name, parents, found):
    body = getattr(owner, name)
    loop = owner if isinstance(owner, (ast.For, ast.While)) else None
    span = (_span(body[0])[0], _span(body[-1])[1])
    for kind, new, line, before, after, said in _body_offers(body, ref, loop):
        operator, _, variety = kind.partition(":")
        note = Note() if variety == "together" else ref.notes.get(line, Note())   # the sentence says it all
        slip = Slip(operator, said, line, before, after, note, variety)
        if isinstance(new, tuple):                    # ("lift", j, init): above the loop around this body
            _, j, init = new
            outer = parents[-1] if parents else None
            field_name = next((f for f in ("body", "orelse") if owner in (getattr(outer, f, None) or [])), None)
            if field_name is None:
                continue
            holder = getattr(outer, field_name)
            at = holder.index(owner)
            edits = ((owner, name, None, body[:j] + body[j + 1:]),
                     (outer, field_name, None, holder[:at] + [init] + holder[at:]))
            found.append(Offer(slip, edits, span))
        else:
            for stmt in new:
                ast.fix_missing_locations(ast.copy_location(stmt, body[0]) if not hasattr(stmt, "lineno") else stmt)
            found.append(Offer(slip, ((owner, name, None, new),), span))


def function(ref: Reference, chosen, label: str):
    """A callable from the reference with the chosen offers applied (their places must not overlap). The tree
    is edited in place only while it compiles, then put back."""
    undo = []
    try:
        for offer in chosen:
            for holder, field_name, index, new in offer.edits:
                block = getattr(holder, field_name)
                if index is None:
                    undo.append((holder, field_name, None, block))
                    setattr(holder, field_name, new)
                else:
                    undo.append((holder, field_name, index, block[index]))
                    block[index] = new
        return compile_tree(ref, ref.tree, label)
    finally:
        for holder, field_name, index, old in reversed(undo):
            if index is None:
                setattr(holder, field_name, old)
            else:
                getattr(holder, field_name)[index] = old


def compile_tree(ref: Reference, tree: ast.FunctionDef, label: str):
    """A callable from a (mutated) function tree, in the teaching reference's module namespace."""
    code = compile(ast.Module([tree], []), f"<mutant {ref.name}: {label}>", "exec")
    space = dict(ref.namespace)
    exec(code, space)
    return space[tree.name]
