#!/usr/bin/env python3
"""Word count mapper for ``minispark streaming``: one ``word<TAB>1`` line per word read."""
import sys


def main() -> None:
    for line in sys.stdin:
        for word in line.split():
            sys.stdout.write(f"{word}\t1\n")


if __name__ == "__main__":
    main()
