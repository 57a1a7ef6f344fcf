"""Summarise a py-spy raw profile of a benchmark job: where the executors spend their time.

    PYTHONPATH=. py-spy record -r 200 -f raw --subprocesses -o /tmp/wc.txt -- \\
        python benchmarks/bench_job.py minispark wordcount DATA_DIR 'local[2]'
    python benchmarks/spy_summary.py /tmp/wc.txt [--top 15]

Prints the share of samples (driver and executors together; idle threads are
not sampled) by leaf frame (function, file:line) and by engine area.
"""
from __future__ import annotations

import argparse
import collections

AREAS = [
    ("user code (bench_job.py)", ["bench_job.py"]),
    ("merge / group / sort (shuffle/aggregator.py)", ["minispark/shuffle/aggregator.py"]),
    ("narrow pipeline (rdd/pipeline.py)", ["minispark/rdd/pipeline.py"]),
    ("text input (fs/input.py)", ["minispark/fs/input.py"]),
    ("shuffle write (writer.py, partitioner.py, serialization.dumps)",
     ["minispark/shuffle/writer.py", "minispark/shuffle/partitioner.py", "serialization.py:21)"]),
    ("shuffle read (reader.py, serialization.iter_*)",
     ["minispark/shuffle/reader.py", "minispark/common/serialization.py"]),
    ("cogroup / join / count (rdd/nodes.py, rdd/rdd.py)",
     ["minispark/rdd/nodes.py", "minispark/rdd/rdd.py"]),
    ("range-bound sampling (rdd/sampling.py, random.py)", ["minispark/rdd/sampling.py", "random.py"]),
    ("imports / start-up", ["importlib", "<frozen", "dataclasses.py"]),
]


def summarise(path: str, top: int) -> str:
    leaves: collections.Counter = collections.Counter()
    areas: collections.Counter = collections.Counter()
    total = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(" ")
            n = int(count)
            total += n
            frames = [fr for fr in stack.split(";") if not fr.startswith("process ")]
            leaf = frames[-1] if frames else "(no Python frame)"
            leaves[leaf] += n
            for name, patterns in AREAS:
                if any(p in leaf for p in patterns):
                    areas[name] += n
                    break
            else:
                areas["other"] += n
    if not total:
        return f"{path}: no samples"
    out = [f"{path}: {total} samples", "by area:"]
    out += [f"  {n / total:6.1%}  {name}" for name, n in areas.most_common()]
    out.append("by leaf frame:")
    out += [f"  {n / total:6.1%}  {leaf}" for leaf, n in leaves.most_common(top)]
    return "\n".join(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="+")
    p.add_argument("--top", type=int, default=15)
    args = p.parse_args()
    for path in args.paths:
        print(summarise(path, args.top))


if __name__ == "__main__":
    main()
