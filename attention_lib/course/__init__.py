"""Author and instructor tools, one command line::

    python -m attention_lib.course build-exercises [--solutions DIR] [--out DIR] [--force]
    python -m attention_lib.course run-notebooks PATH...
    python -m attention_lib.course progress PATH... [--jobs N] [--timeout S] [--json] [--csv FILE]
    python -m attention_lib.course lesson-table

The pieces: :mod:`.lessons` (the manifest), :mod:`.passes` (notebook-processing
steps), :mod:`.build`, :mod:`.runner` (the one notebook runner), :mod:`.submissions` (learners'
files, read once and put back) and :mod:`.progress` (the class report).
"""
