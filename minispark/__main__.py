"""``python -m minispark``: the interactive shell, as ``minispark shell``."""
import sys

from minispark.cli.shell import main

if __name__ == "__main__":  # pytest's doctest collection imports this module too
    sys.exit(main())
