"""Numbers as text, formatted the same way in every notebook, widget and numpy version."""
from __future__ import annotations

import numpy as np


def fmt(x, digits=3) -> str:
    """``[0.252, 0.236]`` for an array, ``0.252`` for a scalar; nested lists for 2-D arrays."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr):.{digits}f}"
    return "[" + ", ".join(fmt(row, digits) for row in arr) + "]"


def table(header, rows, digits=3, align="right", rule=False) -> str:
    """A plain-text table: numbers formatted with ``digits`` decimals, columns aligned.

    ``align`` is "right" (for numbers) or "left" (for words); ``rule`` adds a dashed line under the header.
    """
    cells = [[c if isinstance(c, str) else fmt(c, digits) for c in row] for row in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *cells, strict=True)]
    pad = str.rjust if align == "right" else str.ljust

    def line(r):
        return "  ".join(pad(str(c), w) for c, w in zip(r, widths, strict=True)).rstrip()

    ruler = [line(["-" * w for w in widths])] if rule else []
    return "\n".join([line(header)] + ruler + [line(r) for r in cells])


def mask_grid(mask, allowed="■", blocked="·") -> str:
    """A boolean ``(n_q, n_k)`` mask as a grid, one line per query: ``■`` may attend, ``·`` blocked.

    The header numbers the keys; each line starts with its query's number.
    """
    arr = np.asarray(mask)
    if arr.dtype != bool or arr.ndim != 2:
        raise ValueError(f"mask_grid needs a 2-D boolean mask (n_q, n_k), got dtype {arr.dtype} of shape {arr.shape}")
    width = len(str(max(arr.shape) - 1))
    label = len(f"query {arr.shape[0] - 1}")
    header = "key".ljust(label) + "  " + " ".join(str(j).rjust(width) for j in range(arr.shape[1]))
    rows = [f"query {i}".ljust(label) + "  " + " ".join((allowed if m else blocked).rjust(width) for m in row)
            for i, row in enumerate(arr)]
    return "\n".join([header] + rows)


def code_hash(*functions) -> str:
    """Eight hex digits naming the exact source of ``functions`` and of every course function they call.

    Functions of ``attention_lib`` reached by name from their bodies are followed, so a change to the
    softmax inside :func:`attention` changes the hash of ``attention`` too.
    """
    import hashlib
    import inspect

    seen, queue = {}, list(functions)
    while queue:
        fn = inspect.unwrap(queue.pop())
        name = f"{fn.__module__}.{fn.__qualname__}"
        if name in seen or not fn.__module__.startswith("attention_lib"):
            continue
        seen[name] = inspect.getsource(fn)
        codes = [fn.__code__]
        while codes:                                        # names used by nested functions and lambdas too
            code = codes.pop()
            codes += [c for c in code.co_consts if inspect.iscode(c)]
            queue += [v for n in code.co_names if inspect.isfunction(v := fn.__globals__.get(n))]
    digest = hashlib.sha256("\n".join(seen[k] for k in sorted(seen)).encode())
    return digest.hexdigest()[:8]


def measured_with(*functions) -> str:
    """The line a timing or memory output prints, so a test can tell when the code it measured has changed.

    ``measured with attention_lib.attention.attention (code 1a2b3c4d)``: the names are the functions the cell
    measures, and the code is :func:`code_hash` of them. ``tests/test_stored_outputs.py`` recomputes it.
    """
    names = ", ".join(f"{fn.__module__}.{fn.__qualname__}" for fn in functions)
    return f"measured with {names} (code {code_hash(*functions)})"
