"""Author and instructor tools, one command line::

    python -m attention_lib.course build-exercises [--solutions DIR] [--out DIR] [--force]
    python -m attention_lib.course run-notebooks PATH...
    python -m attention_lib.course progress PATH... [--jobs N] [--timeout S] [--json] [--csv FILE]
    python -m attention_lib.course lesson-table

The pieces: :mod:`.lessons` (the manifest), :mod:`.passes` (notebook-processing
steps), :mod:`.build`, :mod:`.runner` (the one notebook runner), and the class report:
:mod:`.submissions` (learners' files, read once and safely), :mod:`.sandbox` (bubblewrap),
:mod:`.grading` with :mod:`.evaluate` and :mod:`.plain` (answers graded on hidden probes, in a sandbox)
and :mod:`.progress` (the report itself).
"""

from .. import _no_iri_grammar  # noqa: F401 - before anything imports nbformat
