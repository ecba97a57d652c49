"""``python -m attention_lib.progress`` keeps working.

The class report lives in :mod:`attention_lib.course.progress`.
"""
from .course.progress import main

if __name__ == "__main__":
    raise SystemExit(main())
