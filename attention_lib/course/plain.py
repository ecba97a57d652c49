"""What crosses the grading sandbox's boundary, and in what form.

**In** (from the instructor, trusted): the grading probes, as JSON (:func:`encode_input`) whose
arrays are stored beside it in an ``.npz`` file. A probe's function argument (the function whose
gradient ``numerical_gradient`` estimates) goes in as its source code and the values it names.

**Out** (from the learner's sandbox, never trusted): nothing but plain arrays, one after another,
each written with ``np.save`` (no pickles). A value (numbers, arrays, strings, tuples and lists of
them) becomes an array of tokens followed by one array per leaf (:func:`dump`); :func:`read_records`
reads them back with a limit on every size it reads, and never allocates more than the bytes it
was given.
"""
from __future__ import annotations

import importlib
import inspect
import io
import json
import textwrap
import types
from pathlib import Path

import numpy as np

from ..checks._sandbox import Foreign  # a value that is not plain data: its type's name and a short repr

# ---------------------------------------------------------------------- out: plain arrays only

NONE, TRUE, FALSE, INT, BIGINT, FLOAT, COMPLEX, STR, ARRAY, SCALAR, TUPLE, LIST, FOREIGN = range(13)
MAX_TOKENS = 1 << 20        # tokens in one record
MAX_DEPTH = 16              # nesting of tuples and lists
MAX_ELEMENTS = 8 << 20      # numbers in all the arrays of one stream
MAX_TEXT = 2000             # characters of one string that are kept
NUMERIC = "biufc"


class Unreadable(ValueError):
    """A stream that is not what :func:`dump` writes, or is larger than the limits allow."""


def _text(value: str) -> np.ndarray:
    return np.frombuffer(value[:MAX_TEXT].encode("utf-8", errors="replace"), dtype=np.uint8)


def dump(value) -> list[np.ndarray]:
    """``value`` as a token array followed by one array per leaf; anything else becomes a :class:`Foreign`."""
    tokens, leaves, stack = [], [], [(value, 0)]
    while stack:
        v, depth = stack.pop()
        kind = type(v)
        if v is None:
            tokens.append(NONE)
        elif kind is bool:
            tokens.append(TRUE if v else FALSE)
        elif kind is int:
            if -(1 << 63) <= v < (1 << 63):
                tokens.append(INT)
                leaves.append(np.array(v, dtype=np.int64))
            else:
                tokens.append(BIGINT)
                leaves.append(_text(str(v)))
        elif kind is float:
            tokens.append(FLOAT)
            leaves.append(np.array(v, dtype=np.float64))
        elif kind is complex:
            tokens.append(COMPLEX)
            leaves.append(np.array(v, dtype=np.complex128))
        elif kind is str:
            tokens.append(STR)
            leaves.append(_text(v))
        elif kind is np.ndarray and v.dtype.kind in NUMERIC and not v.dtype.hasobject and v.dtype.names is None:
            tokens.append(ARRAY)
            leaves.append(np.ascontiguousarray(v))
        elif isinstance(v, np.generic) and v.dtype.kind in NUMERIC:
            tokens.append(SCALAR)
            leaves.append(np.asarray(v))
        elif kind in (tuple, list) and depth < MAX_DEPTH:
            tokens += [TUPLE if kind is tuple else LIST, len(v)]
            stack.extend((item, depth + 1) for item in reversed(v))
        else:
            tokens.append(FOREIGN)
            foreign = v if kind is Foreign else Foreign(kind.__name__)
            leaves += [_text(foreign.type_name), _text(foreign.text)]
    return [np.array(tokens, dtype=np.int64), *leaves]


def write_record(stream, value) -> None:
    """Append ``value`` to ``stream`` as plain arrays (``np.save``, no pickles); a pipe will do."""
    record = io.BytesIO()
    for array in dump(value):
        np.lib.format.write_array(record, array, allow_pickle=False)
    stream.write(record.getvalue())


class _Reader:
    """Arrays out of bytes, each checked before it is read: a numeric dtype, and no more data than is left."""

    def __init__(self, data: bytes, elements: int):
        self.f, self.size, self.elements = io.BytesIO(data), len(data), elements

    def more(self) -> bool:
        return self.f.tell() < self.size

    def array(self) -> np.ndarray:
        try:
            version = np.lib.format.read_magic(self.f)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(self.f, max_header_size=1000)
        except Exception as exc:             # noqa: BLE001 - any malformed header is the same problem
            raise Unreadable(f"not an array ({type(exc).__name__})") from None
        if dtype.kind not in NUMERIC or dtype.hasobject or dtype.names is not None or dtype.subdtype is not None:
            raise Unreadable(f"an array of dtype {dtype}, which is not numbers")
        count = 1
        for n in shape:
            count *= int(n)
        if count > self.elements or count * dtype.itemsize > self.size - self.f.tell():
            raise Unreadable("an array larger than what was sent, or than the limit")
        self.elements -= count
        data = self.f.read(count * dtype.itemsize)
        return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()


def read_records(data: bytes, max_records: int = 10_000) -> list:
    """Every value :func:`write_record` wrote into ``data``; :class:`Unreadable` if anything is not."""
    reader, records = _Reader(data, MAX_ELEMENTS), []
    while reader.more():
        if len(records) >= max_records:
            raise Unreadable("too many records")
        records.append(_load(reader))
    return records


def _load(reader: _Reader):
    tokens = reader.array()
    if tokens.dtype != np.int64 or tokens.ndim != 1 or len(tokens) > MAX_TOKENS:
        raise Unreadable("a record that does not start with its tokens")
    tokens = tokens.tolist()
    stack, at = [[None, 1, []]], 0          # frames: [container token, items still to come, items]
    while True:
        frame = stack[-1]
        if frame[1] == 0:
            stack.pop()
            if not stack:
                break
            stack[-1][2].append(tuple(frame[2]) if frame[0] == TUPLE else frame[2])
            stack[-1][1] -= 1
            continue
        if at >= len(tokens):
            raise Unreadable("a record whose tokens end early")
        token, at = tokens[at], at + 1
        if token in (TUPLE, LIST):
            if at >= len(tokens) or not 0 <= tokens[at] <= MAX_TOKENS or len(stack) > MAX_DEPTH:
                raise Unreadable("a malformed tuple or list")
            stack.append([token, tokens[at], []])
            at += 1
        else:
            frame[2].append(_leaf(token, reader))
            frame[1] -= 1
    if at != len(tokens):
        raise Unreadable("a record with tokens left over")
    return frame[2][0]


def _leaf(token: int, reader: _Reader):
    if token == NONE:
        return None
    if token in (TRUE, FALSE):
        return token == TRUE
    if token == FOREIGN:
        return Foreign(_string(reader.array()), _string(reader.array()))
    if token not in (INT, BIGINT, FLOAT, COMPLEX, STR, ARRAY, SCALAR):
        raise Unreadable(f"an unknown token {token}")
    leaf = reader.array()
    if token == INT and leaf.shape == () and leaf.dtype == np.int64:
        return int(leaf)
    if token == BIGINT and leaf.dtype == np.uint8 and leaf.ndim == 1:
        text = _string(leaf)
        if not text.lstrip("-").isdigit() or len(text) > 4000:
            raise Unreadable("a malformed integer")
        return int(text)
    if token == FLOAT and leaf.shape == () and leaf.dtype == np.float64:
        return float(leaf)
    if token == COMPLEX and leaf.shape == () and leaf.dtype == np.complex128:
        return complex(leaf)
    if token == STR and leaf.dtype == np.uint8 and leaf.ndim == 1:
        return _string(leaf)
    if token == ARRAY:
        return leaf
    if token == SCALAR and leaf.shape == ():
        return leaf[()]
    raise Unreadable(f"an unknown token {token}")


def _string(leaf: np.ndarray) -> str:
    if leaf.dtype != np.uint8 or leaf.ndim != 1:
        raise Unreadable("a string that is not bytes")
    return leaf[:MAX_TEXT * 4].tobytes().decode("utf-8", errors="replace")[:MAX_TEXT]


# ---------------------------------------------------------------------- in: the probes, from the instructor


class Unshippable(TypeError):
    """A probe value the grading sandbox cannot be given (a course bug: a test builds every exercise's job)."""


def encode_input(value, arrays: list[np.ndarray]):
    """``value`` as JSON-ready data, its arrays appended to ``arrays`` (see the module docstring)."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return {"float": repr(value)}
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"array": len(arrays) - 1}
    if isinstance(value, np.generic):
        arrays.append(np.asarray(value))
        return {"scalar": len(arrays) - 1}
    if kind in (tuple, list):
        return {"tuple" if kind is tuple else "list": [encode_input(v, arrays) for v in value]}
    if kind is dict:
        return {"dict": [[encode_input(k, arrays), encode_input(v, arrays)] for k, v in value.items()]}
    if kind is np.random.Generator:
        return {"generator": [type(value.bit_generator).__name__, value.bit_generator.state]}
    if kind is types.ModuleType and (value.__name__.split(".")[0] in ("numpy", "math") or _library(value.__name__)):
        return {"module": value.__name__}
    if kind is types.FunctionType and _library(value.__module__):
        return {"library": [value.__module__, value.__qualname__]}
    if kind is types.FunctionType and value.__module__.startswith("attention_lib.checks."):
        return {"function": _ship(value, arrays)}
    raise Unshippable(f"a probe value of type {kind.__name__} cannot be sent to the grading sandbox")


def _library(module: str) -> bool:
    """The course's maths (what the grading sandbox has), not its checks, exercises or tools."""
    parts = module.split(".")
    return parts[0] == "attention_lib" and (len(parts) == 1 or parts[1] not in ("checks", "exercises", "course"))


def _ship(fn: types.FunctionType, arrays: list) -> dict:
    """A function of a check module, as its source and the values of the global names it uses."""
    if fn.__closure__ or fn.__name__ == "<lambda>":
        raise Unshippable(f"{fn.__qualname__} is a closure or a lambda: make it a plain function to use it in a probe")
    names = set()
    stack = [fn.__code__]
    while stack:
        code = stack.pop()
        names |= set(code.co_names)
        stack += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    used = {n: encode_input(fn.__globals__[n], arrays) for n in sorted(names) if n in fn.__globals__}
    return {"name": fn.__name__, "source": textwrap.dedent(inspect.getsource(fn)), "globals": used}


def decode_input(data, arrays):
    """What :func:`encode_input` made, rebuilt (in the grading sandbox)."""
    if not isinstance(data, dict):
        return data
    ((kind, body),) = data.items()
    if kind == "float":
        return float(body)
    if kind == "array":
        return arrays[body]
    if kind == "scalar":
        return arrays[body][()]
    if kind in ("tuple", "list"):
        items = [decode_input(v, arrays) for v in body]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {decode_input(k, arrays): decode_input(v, arrays) for k, v in body}
    if kind == "module":
        return importlib.import_module(body)
    if kind == "generator":
        bits = getattr(np.random, body[0])()
        bits.state = body[1]
        return np.random.Generator(bits)
    if kind == "library":
        found = importlib.import_module(body[0])
        for part in body[1].split("."):
            found = getattr(found, part)
        return found
    if kind == "function":
        namespace = {n: decode_input(v, arrays) for n, v in body["globals"].items()}
        exec(compile(body["source"], f"<probe {body['name']}>", "exec"), namespace)
        return namespace[body["name"]]
    raise ValueError(f"unknown input kind {kind}")


def save_arrays(path: Path, arrays: list[np.ndarray]) -> None:
    np.savez(path, *arrays)


def load_arrays(path: Path) -> list[np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


def save_json(path: Path, data) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")
