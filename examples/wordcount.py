"""Word count: the "hello world" of MapReduce, on minispark.

    python examples/wordcount.py [FILE] [--top N]

With no FILE it counts the bundled text. Prints the N most frequent words
(all words when N is 0) and the number of distinct words.
"""
from __future__ import annotations

import argparse
import os
from operator import add

from minispark import SparkContext

DEFAULT_INPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                             "spark_paper.txt")


def word_counts(sc: SparkContext, path: str) -> list[tuple[str, int]]:
    """(word, count) pairs for every word of the file(s) at ``path``."""
    lines = sc.textFile(path)
    return lines.flatMap(lambda line: line.split()).map(lambda w: (w, 1)).reduceByKey(add).collect()


def main(argv: list[str] | None = None) -> list[tuple[str, int]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=DEFAULT_INPUT)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    with SparkContext(appName="PythonWordCount") as sc:
        counts = word_counts(sc, args.path)
    ranked = sorted(counts, key=lambda wc: (-wc[1], wc[0]))
    for word, count in ranked[:args.top or None]:
        print(f"{word}: {count}")
    print(f"({len(counts)} distinct words)")
    return counts


if __name__ == "__main__":
    main()
