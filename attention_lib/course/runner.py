"""The one notebook runner every tool shares (``run-notebooks``, ``progress``, tests)."""
from __future__ import annotations

import time
from pathlib import Path


def execute(path: Path, *, timeout: float = 120, allow_errors: bool = False, save: bool = False):
    """Restart & Run All the notebook at ``path`` in its own folder; return ``(notebook, seconds)``.

    ``allow_errors`` carries on past a failing cell (a learner's crash is data);
    ``save`` writes the outputs back in place, without nbclient's timing metadata.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    if save:
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        nbformat.write(nb, path)
    return nb, seconds
