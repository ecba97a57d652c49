"""Find the library functions a learner's function leans on, by object, never by name.

A learner who defines their own ``softmax`` in the notebook and calls it is not calling the
library's. What counts is the object a name resolves to: through globals, closures, default
arguments, ``functools.partial``, a local ``import`` or ``importlib.import_module("attention_lib")``,
and through the learner's own helper functions. In the forked sandbox the calls themselves are
watched too (see :mod:`._sandbox`), which catches whatever this reading of the code misses.

The reading is static: it looks names up in dictionaries and never evaluates a learner's property,
``__getattr__`` or ``__class__``, and it runs in the sandbox's child, under its timer, never in the
notebook's process. The checker's own process gets only what the child found: the names, as a
:class:`Seen` that stands in for the answer wherever diagnosis asks how it was written.
"""
from __future__ import annotations

import builtins
import dis
import functools
import importlib
import inspect
import sys
import sysconfig
import types
from typing import Callable, Iterator

from attention_lib._paths import PACKAGE  # absolute: the class report's grading sandbox loads this module alone

_MISSING = object()
_DEPTH = 3


class Seen:
    """What the sandbox's child read from an answer's code: its names. Stands in for the answer in the parent."""

    def __init__(self, names=()):
        self.names = frozenset(names)


_PLAIN = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType, functools.partial,
          types.CodeType)


def _attr(obj, name: str):
    """``obj.name`` read without running any code of the learner's (no property, ``__getattr__`` or descriptor)."""
    kind = type(obj)
    if kind is types.ModuleType:
        return obj.__dict__.get(name, _MISSING)
    if kind in _PLAIN:
        try:
            return getattr(obj, name, _MISSING)     # functions and partials keep data, not code, in attributes
        except Exception:                           # noqa: BLE001
            return _MISSING
    try:
        found = inspect.getattr_static(obj, name, _MISSING)
    except Exception:                               # noqa: BLE001
        return _MISSING
    if type(found) in (staticmethod, classmethod):
        found = found.__func__
    return found if type(found) in _PLAIN or type(found) in (int, float, str, tuple) else _MISSING


def _is_library(obj) -> bool:
    module = obj.__name__ if type(obj) is types.ModuleType else _attr(obj, "__module__")
    return type(module) is str and module.split(".")[0] == "attention_lib"


def _unwrap(obj, depth=0) -> Iterator[object]:
    """``obj`` and what it wraps: a partial's function and arguments, a bound method's function."""
    yield obj
    if depth > 4:
        return
    if type(obj) is functools.partial:
        for inner in (obj.func, *obj.args, *obj.keywords.values()):
            yield from _unwrap(inner, depth + 1)
    elif type(obj) is types.MethodType:
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
    cells = fn.__closure__ or ()
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
    env = {**vars(builtins), **fn.__globals__, **_closure(fn)}
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
                yield from (_attr(module, n) for n in code.co_names)
        for ins in dis.get_instructions(code):
            op, arg = ins.opname, ins.argval
            if op in ("LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF", "LOAD_CLASSDEREF"):
                current = env.get(arg, _MISSING)
            elif op == "LOAD_FAST":
                current = local.get(arg, _MISSING)
            elif op in ("LOAD_ATTR", "LOAD_METHOD", "IMPORT_FROM") and current is not _MISSING:
                current = _attr(current, arg)
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


def _functions(fn, depth=0, seen=None) -> Iterator[tuple[types.FunctionType, list]]:
    """``fn`` and the learner's own helper functions it reaches (not the library's, not numpy's), each with the
    objects its code names (:func:`_resolved`, read once)."""
    seen = set() if seen is None else seen
    if id(fn) in seen or depth > _DEPTH or type(fn) is not types.FunctionType:
        return
    seen.add(id(fn))
    named = list(_resolved(fn))
    yield fn, named
    for obj in named:
        for inner in _unwrap(obj):
            if type(inner) is types.FunctionType and _learners(inner):
                yield from _functions(inner, depth + 1, seen)


@functools.cache
def _installed() -> tuple[str, ...]:
    """Parts of a path that mark code as installed, not written by a learner (sysconfig is slow to ask)."""
    return ("site-packages", "dist-packages", sysconfig.get_paths()["stdlib"])


def _learners(fn: types.FunctionType) -> bool:
    """Written by the learner (a notebook cell, a test file), not by a library."""
    where = fn.__code__.co_filename
    return not (_is_library(fn) or where.startswith(str(PACKAGE)) or any(p in where for p in _installed()))


def read(fn: Callable, forbidden: tuple) -> tuple[str | None, frozenset]:
    """The forbidden library function ``fn``'s code names (if any), and every name in it: :func:`uses_forbidden` and
    :func:`attribute_names` from one reading of ``fn``'s code and its helpers' (the sandbox's child asks both)."""
    reached = list(_functions(_plain(fn)))
    return uses_forbidden(fn, forbidden, reached), frozenset(attribute_names(fn, reached))


def uses_forbidden(fn: Callable, forbidden: tuple, reached: list | None = None) -> str | None:
    """Name the forbidden library function ``fn`` (or a helper of it) refers to, if any.

    ``reached``: what :func:`_functions` found from ``fn``, if it was read already.
    """
    if not forbidden:
        return None
    targets = {id(t): t for t in forbidden}
    for obj in _unwrap(fn):
        if id(obj) in targets:
            return f"attention_lib.{targets[id(obj)].__name__}"
    for _, named in _functions(_plain(fn)) if reached is None else reached:
        for obj in named:
            for inner in _unwrap(obj):
                if id(inner) in targets:
                    return f"attention_lib.{targets[id(inner)].__name__}"
    return None


def _plain(fn):
    for obj in _unwrap(fn):
        if type(obj) is types.FunctionType:
            return obj
    return fn


def attribute_names(fn: Callable, reached: list | None = None) -> set[str]:
    """Every global and attribute name in ``fn`` and its own helpers: evidence of *how* it was written.

    For a :class:`Seen` (the answer, in the checker's process), the names the sandbox's child read.
    ``reached``: what :func:`_functions` found from ``fn``, if it was read already.
    """
    if type(fn) is Seen:
        return set(fn.names)
    names: set[str] = set()
    for helper, _ in _functions(_plain(fn)) if reached is None else reached:
        for code in _codes(helper.__code__):
            names |= set(code.co_names)
    return names
