"""Sort the integers of a text file (whitespace-separated), as Spark's sort example.

    python examples/sort.py FILE [--partitions N]

Prints one number per line, ascending. Uses sortByKey: range partitioning from
a sample of the keys, then a sort within each partition.
"""
from __future__ import annotations

import argparse

from minispark import SparkContext


def sorted_numbers(sc: SparkContext, path: str, partitions: int | None = None) -> list[int]:
    """Every integer in the file(s), in ascending order."""
    numbers = sc.textFile(path).flatMap(str.split).map(lambda x: (int(x), 1))
    return numbers.sortByKey(True, partitions).keys().collect()


def main(argv: list[str] | None = None) -> list[int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--partitions", type=int, default=None)
    args = parser.parse_args(argv)
    with SparkContext(appName="PythonSort") as sc:
        result = sorted_numbers(sc, args.path, args.partitions)
    for number in result:
        print(number)
    return result


if __name__ == "__main__":
    main()
