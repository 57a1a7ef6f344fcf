#!/usr/bin/env python3
"""Word count reducer for ``minispark streaming``: sums the counts of each word.

Its input is sorted by key, so all the lines of one word arrive together and
one running total is enough.
"""
import sys


def main() -> None:
    word, total = None, 0
    for line in sys.stdin:
        key, _, count = line.rstrip("\n").partition("\t")
        if key != word:
            if word is not None:
                sys.stdout.write(f"{word}\t{total}\n")
            word, total = key, 0
        total += int(count)
    if word is not None:
        sys.stdout.write(f"{word}\t{total}\n")


if __name__ == "__main__":
    main()
