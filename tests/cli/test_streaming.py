"""``minispark streaming``: Hadoop Streaming jobs run as a user runs them, in a subprocess."""
from __future__ import annotations

import collections
import os
import random
import subprocess
import sys
import textwrap
from operator import add
from pathlib import Path

import pytest

from minispark.cli import streaming
from minispark.shuffle.partitioner import portable_hash
from tests.cli.helpers import clean_env, run_minispark
from tests.hadoop.test_hdfs import cluster  # noqa: F401 - the module's mini-HDFS fixture

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "streaming"
PAPER = ROOT / "examples" / "data" / "spark_paper.txt"
PYTHON = sys.executable

#: A reducer that fails unless its input is sorted by key and each key's lines are
#: contiguous; it writes each key with its number of lines.
CHECKING_REDUCER = """\
    import sys
    seen, last, count = set(), None, 0
    for line in sys.stdin:
        key = line.rstrip("\\n").split("\\t", 1)[0]
        if key != last:
            if last is not None:
                if key < last or key in seen:
                    sys.exit(f"unsorted or ungrouped input: {key!r} after {last!r}")
                print(f"{last}\\t{count}")
                seen.add(last)
            last, count = key, 0
        count += 1
    if last is not None:
        print(f"{last}\\t{count}")
    """


def script(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def run_streaming(*args: str, env: dict[str, str] | None = None,
                  cwd: Path | None = None) -> subprocess.CompletedProcess:
    return run_minispark("streaming", "-D", "spark.master=local[2]", *args,
                         env=env or clean_env(), cwd=str(cwd) if cwd else None)


def parts(output: Path) -> list[list[str]]:
    """The lines of each part file, in part order; checks the committed layout."""
    names = sorted(os.listdir(output))
    assert names[0] == "_SUCCESS" and all(n.startswith("part-") for n in names[1:]), names
    assert names[1:] == [f"part-{i:05d}" for i in range(len(names) - 1)]
    return [(output / name).read_text(encoding="utf-8").splitlines() for name in names[1:]]


def pairs(lines: list[str]) -> dict[str, str]:
    found = [tuple(line.split("\t", 1)) for line in lines]
    assert len({key for key, _ in found}) == len(found), "a key came out twice"
    return dict(found)


def test_example_word_count_matches_the_rdd_word_count(tmp_path, make_context):
    out = tmp_path / "counts"
    done = run_streaming("-input", str(PAPER), "-output", str(out),
                         "-mapper", "mapper.py", "-reducer", "reducer.py",
                         "-file", str(EXAMPLES / "mapper.py"), "-file", str(EXAMPLES / "reducer.py"),
                         "-numReduceTasks", "3")
    assert done.returncode == 0, done.stderr
    assert f"Output directory: {out}" in done.stderr
    reduce_parts = parts(out)
    assert len(reduce_parts) == 3
    for index, lines in enumerate(reduce_parts):
        keys = [line.split("\t")[0] for line in lines]
        assert keys == sorted(keys)
        assert all(portable_hash(key) % 3 == index for key in keys)  # partitioned by key hash
    counts = {key: int(value) for key, value in pairs(sum(reduce_parts, [])).items()}
    text = PAPER.read_text(encoding="utf-8")
    assert counts == collections.Counter(text.split())
    sc = make_context("local[2]", backend="inline")
    rdd_counts = sc.textFile(str(PAPER)).flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(add)
    assert counts == dict(rdd_counts.collect())


def test_reducer_input_is_sorted_and_grouped_within_each_partition(tmp_path):
    rng = random.Random(7)
    words = [f"k{rng.randrange(300)}" for _ in range(200)] + ["é", "Z", "a b", "ß", "0"]
    lines = [" ".join(rng.choice(words) for _ in range(rng.randrange(12))) for _ in range(3000)]
    data = tmp_path / "in.txt"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checker = script(tmp_path, "check.py", CHECKING_REDUCER)
    unsorted = subprocess.run([PYTHON, str(checker)], input="b\t1\na\t1\n", text=True,
                              capture_output=True)
    assert unsorted.returncode != 0  # the checker does reject what it must
    regrouped = subprocess.run([PYTHON, str(checker)], input="a\t1\nb\t1\na\t1\n", text=True,
                               capture_output=True)
    assert regrouped.returncode != 0
    out = tmp_path / "out"
    done = run_streaming("-input", str(data), "-output", str(out), "-D", "mapreduce.job.maps=4",
                         "-mapper", str(EXAMPLES / "mapper.py"),
                         "-reducer", f"{PYTHON} check.py", "-file", str(checker),
                         "-D", "mapreduce.job.reduces=4")
    assert done.returncode == 0, done.stderr
    reduce_parts = parts(out)
    assert len(reduce_parts) == 4
    counts = {key: int(value) for key, value in pairs(sum(reduce_parts, [])).items()}
    assert counts == collections.Counter(" ".join(lines).split())


def test_map_only_job_writes_the_mappers_lines_as_key_tab_value(tmp_path):
    lines = [f"line {i}" if i % 3 else f"key{i}\tvalue {i}" for i in range(500)]
    data = tmp_path / "in.txt"
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    done = run_streaming("-input", str(data), "-output", str(out), "-mapper", "tr a-z A-Z",
                         "-numReduceTasks", "0", "-D", "mapreduce.job.maps=3")
    assert done.returncode == 0, done.stderr
    map_parts = parts(out)
    assert len(map_parts) >= 2  # one part per map task, in input order
    # A line without TAB is a key with an empty value, written back as "key<TAB>".
    expected = [line.upper() if "\t" in line else line.upper() + "\t" for line in lines]
    assert sum(map_parts, []) == expected


def test_combiner_runs_on_each_map_tasks_sorted_output(tmp_path):
    data = tmp_path / "in.txt"
    words = ["alpha", "beta", "gamma"] * 400
    random.Random(3).shuffle(words)
    data.write_text("\n".join(" ".join(words[i:i + 10]) for i in range(0, len(words), 10)) + "\n")
    # The reducer writes each word's total and how many lines it received for it.
    counting = script(tmp_path, "counting.py", """\
        import sys
        totals, lines = {}, {}
        for line in sys.stdin:
            key, value = line.rstrip("\\n").split("\\t")
            totals[key] = totals.get(key, 0) + int(value)
            lines[key] = lines.get(key, 0) + 1
        for key in totals:
            print(f"{key}\\t{totals[key]}\\t{lines[key]}")
        """)
    out = tmp_path / "out"
    done = run_streaming("-input", str(data), "-output", str(out), "-D", "mapreduce.job.maps=3",
                         "-mapper", str(EXAMPLES / "mapper.py"),
                         "-combiner", str(EXAMPLES / "reducer.py"),
                         "-reducer", f"{PYTHON} counting.py", "-file", str(counting))
    assert done.returncode == 0, done.stderr
    result = {key: value.split("\t") for key, value in pairs(sum(parts(out), [])).items()}
    assert {key: int(total) for key, (total, _) in result.items()} == collections.Counter(words)
    # Combined: at most one line per word and map task reaches the reducer, not 400.
    assert all(1 <= int(received) <= 3 for _, received in result.values())


def test_shipped_files_are_in_the_task_working_directory_and_cmdenv_is_set(tmp_path):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    script(shipped, "helper.py", "def shout(word):\n    return word.upper()\n")
    (shipped / "stopwords.txt").write_text("the\na\nof\n")
    mapper = script(shipped, "tagger.py", """\
        #!/usr/bin/env python3
        import os, sys
        from helper import shout
        stop = set(open("stopwords.txt").read().split())
        tag = os.environ["TAG"]
        for line in sys.stdin:
            for word in line.split():
                if word.lower() not in stop:
                    print(f"{shout(word)}\\t{tag}")
        """)
    mapper.chmod(0o755)
    data = tmp_path / "in.txt"
    text = "the cat of a hat\nA dog and the cat\n"
    data.write_text(text)
    out = tmp_path / "out"
    done = run_streaming("-input", str(data), "-output", str(out), "-numReduceTasks", "0",
                         "-mapper", "tagger.py", "-file", str(mapper),
                         "-files", f"{shipped / 'helper.py'},{shipped / 'stopwords.txt'}",
                         "-cmdenv", "TAG=x=1 y", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = [f"{w.upper()}\tx=1 y" for w in text.split() if w.lower() not in {"the", "a", "of"}]
    assert sum(parts(out), []) == expected


def test_failing_mapper_names_its_command_shows_its_stderr_and_leaves_no_output(tmp_path):
    failing = script(tmp_path, "failing.py", """\
        import sys
        sys.stdin.read()
        print("mapper gave up: bad record 42", file=sys.stderr)
        sys.exit(3)
        """)
    out = tmp_path / "out"
    before = sorted(os.listdir(tmp_path))
    done = run_streaming("-input", str(PAPER), "-output", str(out),
                         "-mapper", f"{PYTHON} failing.py", "-file", str(failing),
                         "-reducer", "cat", "-D", "spark.task.maxFailures=2")
    assert done.returncode == 1
    message = done.stderr.split("Streaming Command Failed!", 1)[1]
    assert f"`{PYTHON} failing.py' exited with error code 3" in message
    assert "mapper gave up: bad record 42" in message
    assert sorted(os.listdir(tmp_path)) == before  # no output, no temporary job directory


def test_existing_output_and_missing_input_fail_clearly(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    done = run_streaming("-input", str(PAPER), "-output", str(out), "-mapper", "cat",
                         "-reducer", "cat")
    assert done.returncode == 1 and "already exists" in done.stderr
    assert os.listdir(out) == []
    done = run_streaming("-input", str(tmp_path / "nope"), "-output", str(tmp_path / "o2"),
                         "-mapper", "cat", "-reducer", "cat")
    assert done.returncode == 1 and "Input path does not exist" in done.stderr
    assert not (tmp_path / "o2").exists()


@pytest.mark.parametrize("args, message", [
    (["-mapper", "cat"], "-reducer is required"),
    (["-mapper", "cat", "-reducer", "cat", "-numReduceTasks", "0"], "map-only job"),
    (["-mapper", "no-such-program-here", "-reducer", "cat"], "command not found"),
    (["-mapper", "sub/mapper.py", "-reducer", "cat"], "not shipped with -file"),
    (["-mapper", "cat", "-reducer", "cat", "-D", "mapreduce.map.memory.mb=512"],
     "does not support -D mapreduce.map.memory.mb"),
    (["-mapper", "cat", "-reducer", "cat", "-partitioner", "org.example.P"],
     "does not support -partitioner"),
    (["-mapper", "cat", "-reducer", "cat", "-numReduceTasks", "-1"], "at least 0"),
    (["-mapper", "cat", "-reducer", "cat", "-cmdenv", "NOVALUE"], "expected NAME=VALUE"),
    (["-mapper", "cat", "-reducer", "cat", "-file", "/no/such/file"], "no such file"),
])
def test_bad_options_are_rejected_before_any_job(args, message, capsys):
    with pytest.raises(SystemExit) as exited:
        streaming.main(["-input", "in", "-output", "out", *args])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_reducer_none_means_map_only():
    args = streaming.build_parser().parse_args(
        ["-input", "a", "-input", "b", "-output", "o", "-mapper", "cat", "-reducer", "NONE"])
    job = streaming.parse_job(args)
    assert (job.reduces, job.reducer, job.inputs) == (0, None, ("a", "b"))


def test_hdfs_input_and_output(cluster):
    text = PAPER.read_text(encoding="utf-8")
    with cluster.client() as client:
        client.write_bytes("/streaming/in/a.txt", text.encode("utf-8"))
        client.write_bytes("/streaming/in/b.txt", text.encode("utf-8"))
    env = clean_env(MINISPARK_HDFS_CONF=str(cluster.write_client_conf()))
    out = f"{cluster.uri}/streaming/out"
    done = run_streaming("-input", f"{cluster.uri}/streaming/in/a.txt",
                         "-input", f"{cluster.uri}/streaming/in/b.txt", "-output", out,
                         "-mapper", str(EXAMPLES / "mapper.py"),
                         "-reducer", str(EXAMPLES / "reducer.py"), "-numReduceTasks", "2",
                         env=env)
    assert done.returncode == 0, done.stderr
    with cluster.client() as client:
        names = sorted(s.path.rsplit("/", 1)[-1] for s in client.list_status("/streaming/out"))
        assert names == ["_SUCCESS", "part-00000", "part-00001"]
        lines = sum((client.read_bytes(f"/streaming/out/{n}").decode("utf-8").splitlines()
                     for n in names[1:]), [])
    counts = {key: int(value) for key, value in pairs(lines).items()}
    assert counts == {w: 2 * n for w, n in collections.Counter(text.split()).items()}
