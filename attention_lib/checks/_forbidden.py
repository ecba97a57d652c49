"""Find the library functions a learner's function leans on, by object, never by name.

A learner who defines their own ``softmax`` in the notebook and calls it is not calling the
library's. What counts is the object a name resolves to: through globals, closures, default
arguments, ``functools.partial``, a local ``import`` or ``importlib.import_module("attention_lib")``,
and through the learner's own helper functions. In the forked sandbox the calls themselves are
watched too (see :mod:`._sandbox`), which catches whatever this reading of the code misses.
"""
from __future__ import annotations

import builtins
import dis
import functools
import importlib
import sys
import sysconfig
import types
from typing import Callable, Iterator

from .._paths import PACKAGE

_MISSING = object()
_DEPTH = 3


def _is_library(obj) -> bool:
    module = getattr(obj, "__module__", None) or getattr(obj, "__name__", "")
    return isinstance(module, str) and module.split(".")[0] == "attention_lib"


def _unwrap(obj, depth=0) -> Iterator[object]:
    """``obj`` and what it wraps: a partial's function and arguments, a bound method's function."""
    yield obj
    if depth > 4:
        return
    if isinstance(obj, functools.partial):
        for inner in (obj.func, *obj.args, *obj.keywords.values()):
            yield from _unwrap(inner, depth + 1)
    elif isinstance(obj, types.MethodType):
        yield from _unwrap(obj.__func__, depth + 1)


def _module(name: str):
    module = sys.modules.get(name)
    if module is None and name.split(".")[0] == "attention_lib":
        try:
            module = importlib.import_module(name)
        except ImportError:
            module = None
    return module


def _closure(fn) -> dict:
    cells = getattr(fn, "__closure__", None) or ()
    names = fn.__code__.co_freevars
    values = {}
    for name, cell in zip(names, cells, strict=False):
        try:
            values[name] = cell.cell_contents
        except ValueError:
            pass
    return values


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _resolved(fn) -> Iterator[object]:
    """Every object ``fn``'s code names: loaded globals, closure cells, attributes, imports, defaults."""
    env = {**vars(builtins), **getattr(fn, "__globals__", {}), **_closure(fn)}
    yield from (fn.__defaults__ or ())
    yield from (fn.__kwdefaults__ or {}).values()
    for code in _codes(fn.__code__):
        local: dict = {}
        current = _MISSING
        strings = [c for c in code.co_consts if isinstance(c, str) and c.split(".")[0] == "attention_lib"]
        for name in strings:
            module = _module(name)
            if module is not None:
                yield module
                yield from (getattr(module, n, None) for n in code.co_names)
        for ins in dis.get_instructions(code):
            op, arg = ins.opname, ins.argval
            if op in ("LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF", "LOAD_CLASSDEREF"):
                current = env.get(arg, _MISSING)
            elif op == "LOAD_FAST":
                current = local.get(arg, _MISSING)
            elif op in ("LOAD_ATTR", "LOAD_METHOD", "IMPORT_FROM") and current is not _MISSING:
                current = getattr(current, arg, _MISSING)
            elif op == "IMPORT_NAME":
                current = _module(arg) or _MISSING
                top = _module(arg.split(".")[0]) if arg else None
                if top is not None:
                    yield top
            elif op in ("STORE_FAST", "STORE_DEREF") and current is not _MISSING:
                local[arg] = current
                continue
            elif op not in ("PRECALL", "CACHE", "NOP", "EXTENDED_ARG"):
                current = _MISSING
                continue
            if current is not _MISSING:
                yield current


def _functions(fn, depth=0, seen=None) -> Iterator[Callable]:
    """``fn`` and the learner's own helper functions it reaches (not the library's, not numpy's)."""
    seen = set() if seen is None else seen
    if id(fn) in seen or depth > _DEPTH or not isinstance(fn, types.FunctionType):
        return
    seen.add(id(fn))
    yield fn
    for obj in list(_resolved(fn)):
        for inner in _unwrap(obj):
            if isinstance(inner, types.FunctionType) and _learners(inner):
                yield from _functions(inner, depth + 1, seen)


def _learners(fn: types.FunctionType) -> bool:
    """Written by the learner (a notebook cell, a test file), not by a library."""
    where = fn.__code__.co_filename
    installed = ("site-packages", "dist-packages", sysconfig.get_paths()["stdlib"])
    return not (_is_library(fn) or where.startswith(str(PACKAGE)) or any(p in where for p in installed))


def uses_forbidden(fn: Callable, forbidden: tuple) -> str | None:
    """Name the forbidden library function ``fn`` (or a helper of it) refers to, if any."""
    if not forbidden:
        return None
    targets = {id(t): t for t in forbidden}
    for obj in _unwrap(fn):
        if id(obj) in targets:
            return f"attention_lib.{obj.__name__}"
    for helper in _functions(_plain(fn)):
        for obj in _resolved(helper):
            for inner in _unwrap(obj):
                if id(inner) in targets:
                    return f"attention_lib.{inner.__name__}"
    return None


def _plain(fn):
    for obj in _unwrap(fn):
        if isinstance(obj, types.FunctionType):
            return obj
    return fn


def attribute_names(fn: Callable) -> set[str]:
    """Every global and attribute name in ``fn`` and its own helpers: evidence of *how* it was written."""
    names: set[str] = set()
    for helper in _functions(_plain(fn)):
        for code in _codes(helper.__code__):
            names |= set(code.co_names)
    return names
