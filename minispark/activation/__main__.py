"""``python -m minispark.activation app.py [args]``: run a PySpark script unchanged on minispark.

The script runs as ``__main__`` with ``sys.argv`` = ``[app.py, args...]`` and
its folder first on ``sys.path``, as ``python app.py`` would run it, after
:func:`minispark.activate`, so its ``pyspark`` imports get minispark.
"""
from __future__ import annotations

import os
import runpy
import sys

from minispark.activation import activate

USAGE = "usage: python -m minispark.activation app.py [args...]"


def main(argv: list[str]) -> None:
    """Activate, then run the script ``argv[0]`` with ``argv`` as its ``sys.argv``.

    >>> main([])
    Traceback (most recent call last):
    SystemExit: usage: python -m minispark.activation app.py [args...]
    """
    if not argv or argv[0].startswith("-"):
        raise SystemExit(USAGE)
    if not os.path.isfile(argv[0]):
        raise SystemExit(f"python -m minispark.activation: can't open file {argv[0]!r}")
    activate()
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
    runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
