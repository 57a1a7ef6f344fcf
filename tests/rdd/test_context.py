"""SparkContext: creating RDDs (collections, ranges, files), files for tasks, jobs, conf."""
from __future__ import annotations

import gzip
import logging
import os
import threading
import time
import uuid
from itertools import chain

import pytest
from hypothesis import given
from hypothesis import strategies as st

import minispark
from minispark import SparkConf, SparkContext, SparkFiles
from minispark.common.errors import SparkException

from .helpers import FAST, assert_same_items, ints_and_slices, num_slices

# -- parallelize, range, emptyRDD, union --------------------------------------------------


@FAST
@given(data=ints_and_slices)
def test_parallelize_keeps_order_and_slices(sc, data):
    items, n = data
    rdd = sc.parallelize(items, n)
    parts = rdd.glom().collect()
    assert rdd.getNumPartitions() == n
    assert len(parts) == n
    assert list(chain.from_iterable(parts)) == items
    assert rdd.collect() == items


@FAST
@given(k=st.integers(0, 20), n=num_slices)
def test_glom_of_parallelized_range_gives_n_lists(sc, k, n):
    parts = sc.parallelize(range(k), n).glom().collect()
    assert len(parts) == n
    assert list(chain.from_iterable(parts)) == list(range(k))
    # slices of a range are as even as possible
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


@pytest.mark.parametrize("make", [tuple, set, frozenset, iter, lambda xs: (x for x in xs)],
                         ids=["tuple", "set", "frozenset", "iterator", "generator"])
def test_parallelize_accepts_any_iterable(sc, make):
    items = [3, 1, 4, 1, 5, 9, 2, 6]
    source = make(items)
    expected = list(make(items))
    assert_same_items(sc.parallelize(source, 3).collect(), expected)


def test_parallelize_default_slices_is_default_parallelism(sc):
    assert sc.parallelize(range(10)).getNumPartitions() == sc.defaultParallelism
    assert sc.parallelize([1, 2, 3]).getNumPartitions() == sc.defaultParallelism


def test_parallelize_large_collection(sc):
    # big enough that the slices travel through files rather than the task binary
    items = [(i, str(i)) for i in range(150_000)]
    rdd = sc.parallelize(items, 3)
    assert rdd.count() == len(items)
    assert rdd.map(lambda kv: kv[0]).sum() == sum(i for i, _ in items)
    assert rdd.take(2) == items[:2]


@pytest.mark.parametrize("bad", [0, -1])
def test_parallelize_rejects_non_positive_slices(sc, bad):
    with pytest.raises(ValueError):
        sc.parallelize([1, 2], bad)


def test_parallelize_snapshots_a_list(sc):
    items = [1, 2, 3]
    rdd = sc.parallelize(items, 2)
    items.append(4)
    assert rdd.collect() == [1, 2, 3]


@FAST
@given(start=st.integers(-20, 20), end=st.integers(-20, 20),
       step=st.integers(-4, 4).filter(bool), n=num_slices)
def test_range_matches_python_range(sc, start, end, step, n):
    rdd = sc.range(start, end, step, numSlices=n)
    assert rdd.getNumPartitions() == n
    assert rdd.collect() == list(range(start, end, step))
    assert rdd.count() == len(range(start, end, step))


@FAST
@given(end=st.integers(0, 30))
def test_range_single_argument_is_end(sc, end):
    assert sc.range(end).collect() == list(range(end))


def test_empty_rdd(sc):
    rdd = sc.emptyRDD()
    assert rdd.getNumPartitions() == 0
    assert rdd.collect() == []
    assert rdd.glom().collect() == []
    assert rdd.map(lambda x: x + 1).count() == 0


@FAST
@given(parts=st.lists(ints_and_slices, min_size=1, max_size=4))
def test_context_union_concatenates_partitions(sc, parts):
    rdds = [sc.parallelize(items, n) for items, n in parts]
    union = sc.union(rdds)
    assert union.getNumPartitions() == sum(n for _, n in parts)
    assert union.collect() == [x for items, _ in parts for x in items]
    assert union.glom().collect() == [p for r in rdds for p in r.glom().collect()]


def test_context_union_with_empty_rdds(sc):
    rdd = sc.parallelize([1, 2, 3], 2)
    union = sc.union([sc.emptyRDD(), rdd, sc.emptyRDD(), sc.parallelize([], 2)])
    assert union.getNumPartitions() == 4
    assert union.collect() == [1, 2, 3]
    assert sc.union([sc.emptyRDD()]).collect() == []


# -- text files -----------------------------------------------------------------------------

# No line terminators (and none of the exotic ones str.splitlines knows) inside lines.
line_text = st.text(alphabet="ab \té€", max_size=12)
line_lists = st.lists(line_text, max_size=15)


def _write_lines(path, lines, trailing_newline):
    """Write ``lines`` and return the lines a reader must find (plain-Python rule)."""
    content = "\n".join(lines) + ("\n" if trailing_newline and lines else "")
    path.write_bytes(content.encode("utf-8"))
    found = content.split("\n")
    if found and found[-1] == "":
        found.pop()  # text after the last terminator is a line only if non-empty
    return found


@FAST
@given(lines=line_lists, trailing=st.booleans(), min_parts=num_slices)
def test_text_file_single_file(sc, tmp_path_factory, lines, trailing, min_parts):
    path = tmp_path_factory.mktemp("text") / "data.txt"
    expected = _write_lines(path, lines, trailing)
    rdd = sc.textFile(str(path), min_parts)
    assert rdd.collect() == expected
    if path.stat().st_size >= min_parts:
        assert rdd.getNumPartitions() >= min_parts


@FAST
@given(files=st.lists(line_lists, min_size=1, max_size=4), min_parts=num_slices)
def test_text_file_directory_reads_every_visible_file_in_name_order(
        sc, tmp_path_factory, files, min_parts):
    folder = tmp_path_factory.mktemp("dir")
    expected = []
    for i, lines in enumerate(files):
        expected += _write_lines(folder / f"part-{i:05d}", lines, True)
    (folder / "_SUCCESS").write_text("not input\n")
    (folder / ".part-00000.crc").write_text("not input either\n")
    assert sc.textFile(str(folder), min_parts).collect() == expected


def test_text_file_glob_and_comma_list(sc, tmp_path):
    per_file = {}
    for name in ("a1.txt", "a2.txt", "b1.txt", "notes.md"):
        per_file[name] = _write_lines(tmp_path / name, [f"{name}-{i}" for i in range(3)], True)
    glob = sc.textFile(str(tmp_path / "*.txt"), 3).collect()
    assert glob == per_file["a1.txt"] + per_file["a2.txt"] + per_file["b1.txt"]
    braces = sc.textFile(str(tmp_path / "{a1,b1}.txt")).collect()
    assert braces == per_file["a1.txt"] + per_file["b1.txt"]
    listed = sc.textFile(f"{tmp_path / 'notes.md'},{tmp_path / 'a2.txt'}").collect()
    assert listed == per_file["notes.md"] + per_file["a2.txt"]


@FAST
@given(lines=line_lists, min_parts=num_slices)
def test_text_file_gzip(sc, tmp_path_factory, lines, min_parts):
    folder = tmp_path_factory.mktemp("gz")
    plain = folder / "plain.txt"
    expected = _write_lines(plain, lines, True)
    with gzip.open(folder / "data.txt.gz", "wb") as f:
        f.write(plain.read_bytes())
    rdd = sc.textFile(str(folder / "data.txt.gz"), min_parts)
    assert rdd.getNumPartitions() == 1  # gzip cannot be split
    assert rdd.collect() == expected
    # a directory mixing compressed and plain files
    assert sc.textFile(str(folder), min_parts).collect() == expected + expected


def test_text_file_min_partitions_splits_big_file(sc, tmp_path):
    path = tmp_path / "big.txt"
    lines = [f"line {i} " + "x" * (i % 17) for i in range(2000)]
    expected = _write_lines(path, lines, True)
    for min_parts in (1, 2, 5):
        rdd = sc.textFile(str(path), min_parts)
        assert rdd.getNumPartitions() >= min_parts
        assert rdd.collect() == expected
        assert rdd.count() == len(expected)


terminated_lines = st.lists(
    st.tuples(line_text, st.sampled_from(["\n", "\r\n", "\r"])), max_size=15)


@FAST
@given(lines=terminated_lines, last=line_text, min_parts=num_slices)
def test_text_file_mixed_line_terminators_across_splits(sc, tmp_path_factory, lines, last,
                                                        min_parts):
    content = "".join(text + end for text, end in lines) + last
    path = tmp_path_factory.mktemp("crlf") / "mixed.txt"
    path.write_bytes(content.encode("utf-8"))
    # \n, \r\n and \r end lines, as in Hadoop; str.splitlines applies the same rule here
    assert sc.textFile(str(path), min_parts).collect() == content.splitlines()
    assert sc.textFile(str(path), min_parts, use_unicode=False).collect() == \
        [line.encode("utf-8") for line in content.splitlines()]


def test_text_file_uri_and_unusual_names(sc, tmp_path):
    folder = tmp_path / "a dir é#%"
    folder.mkdir()
    expected = _write_lines(folder / "f g.txt", ["one", "two é"], True)
    assert sc.textFile(str(folder)).collect() == expected
    assert sc.textFile(f"file://{folder}").collect() == expected
    assert sc.textFile(str(folder / "f g.txt")).collect() == expected
    (name, text), = sc.wholeTextFiles(str(folder)).collect()
    assert name == f"file:{folder / 'f g.txt'}" and text == "one\ntwo é\n"


def test_text_file_does_not_read_sub_directories(sc, tmp_path):
    _write_lines(tmp_path / "f.txt", ["x"], True)
    (tmp_path / "sub").mkdir()
    _write_lines(tmp_path / "sub" / "g.txt", ["y"], True)
    with pytest.raises((IsADirectoryError, SparkException)):
        sc.textFile(str(tmp_path)).collect()
    # a glob over the files only is fine
    assert sc.textFile(str(tmp_path / "*.txt")).collect() == ["x"]


def test_empty_directory_input(sc, tmp_path):
    assert sc.textFile(str(tmp_path)).collect() == []
    assert sc.wholeTextFiles(str(tmp_path)).collect() == []


def test_text_file_missing_path_raises(sc, tmp_path):
    # PySpark fails at the first action; minispark may already fail when listing
    with pytest.raises((FileNotFoundError, SparkException)):
        sc.textFile(str(tmp_path / "missing.txt")).collect()
    with pytest.raises((FileNotFoundError, SparkException)):
        sc.textFile(str(tmp_path / "nothing-*.txt")).collect()


@FAST
@given(contents=st.lists(st.text(alphabet="ab\né€\r", max_size=20), min_size=1, max_size=4),
       min_parts=num_slices)
def test_whole_text_files(sc, tmp_path_factory, contents, min_parts):
    folder = tmp_path_factory.mktemp("whole")
    expected = {}
    for i, text in enumerate(contents):
        path = folder / f"f{i}.txt"
        path.write_bytes(text.encode("utf-8"))
        expected[f"file:{path}"] = text
    (folder / "_SUCCESS").write_text("")
    pairs = sc.wholeTextFiles(str(folder), min_parts).collect()
    assert dict(pairs) == expected
    assert len(pairs) == len(expected)
    assert sorted(k for k, _ in pairs) == [k for k, _ in pairs]  # files come in name order


def test_whole_text_files_glob_and_gzip(sc, tmp_path):
    (tmp_path / "a.txt").write_text("alpha\nbeta")
    with gzip.open(tmp_path / "b.txt.gz", "wt", encoding="utf-8") as f:
        f.write("gamma\n")
    (tmp_path / "c.md").write_text("not matched")
    pairs = sc.wholeTextFiles(str(tmp_path / "*.txt*")).collect()
    assert {os.path.basename(k): v for k, v in pairs} == {"a.txt": "alpha\nbeta",
                                                          "b.txt.gz": "gamma\n"}


# -- pickle files ---------------------------------------------------------------------------

_small = st.integers(-9, 9)
objects = st.lists(st.one_of(_small, st.none(), st.text(max_size=3),
                             st.tuples(_small, st.text(max_size=2)),
                             st.dictionaries(st.text(max_size=2), _small, max_size=2)),
                   max_size=20)


@FAST
@given(items=objects, n=num_slices, batch=st.integers(1, 12))
def test_pickle_file_round_trip(sc, tmp_path_factory, items, n, batch):
    out = str(tmp_path_factory.mktemp("pickle") / "out")
    sc.parallelize(items, n).saveAsPickleFile(out, batch)
    back = sc.pickleFile(out)
    assert back.getNumPartitions() == n  # one partition per part file
    assert back.collect() == items


def test_pickle_file_glob_and_list(sc, tmp_path):
    sc.parallelize(range(5), 2).saveAsPickleFile(str(tmp_path / "a"))
    sc.parallelize(range(5, 9), 3).saveAsPickleFile(str(tmp_path / "b"))
    assert sorted(sc.pickleFile(str(tmp_path / "*")).collect()) == list(range(9))
    assert sc.pickleFile(f"{tmp_path / 'b'},{tmp_path / 'a'}").collect() == \
        list(range(5, 9)) + list(range(5))


# -- files for tasks --------------------------------------------------------------------------


def test_add_file_and_spark_files_get(sc, tmp_path):
    name = f"lookup-{uuid.uuid4().hex}.txt"
    src = tmp_path / name
    src.write_text("41")
    sc.addFile(str(src))
    assert open(SparkFiles.get(name)).read() == "41"  # the driver sees it too
    values = sc.parallelize([1, 2, 3], 3).map(
        lambda x: int(open(SparkFiles.get(name)).read()) + x).collect()
    assert values == [42, 43, 44]
    root = sc.parallelize([0], 1).map(lambda _: SparkFiles.getRootDirectory()).first()
    assert os.path.exists(os.path.join(root, name))


def test_add_file_recursive_directory(sc, tmp_path):
    folder = tmp_path / f"conf-{uuid.uuid4().hex}"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "x.txt").write_text("nested")
    with pytest.raises(Exception):
        sc.addFile(str(folder))  # a directory needs recursive=True
    sc.addFile(str(folder), recursive=True)
    rel = os.path.join(folder.name, "sub", "x.txt")
    assert sc.parallelize([0], 1).map(lambda _: open(SparkFiles.get(rel)).read()).collect() \
        == ["nested"]


def test_add_py_file_is_importable_in_tasks(sc, tmp_path):
    module = f"ms_helper_{uuid.uuid4().hex}"
    (tmp_path / f"{module}.py").write_text("def triple(x):\n    return 3 * x\n")
    sc.addPyFile(str(tmp_path / f"{module}.py"))

    def use(x):
        import importlib

        return importlib.import_module(module).triple(x)

    assert sc.parallelize(range(6), 3).map(use).collect() == [3 * x for x in range(6)]


def test_add_py_file_zip(sc, tmp_path):
    import zipfile

    package = f"ms_pkg_{uuid.uuid4().hex}"
    archive = tmp_path / f"{package}.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"{package}/__init__.py", "VALUE = 7\n")
    sc.addPyFile(str(archive))

    def use(x):
        import importlib

        return importlib.import_module(package).VALUE + x

    assert sc.parallelize([1, 2], 2).map(use).collect() == [8, 9]


# -- small properties -----------------------------------------------------------------------------


def test_set_log_level(sc):
    logger = logging.getLogger("minispark")
    before = logger.level
    try:
        for level in ("ALL", "DEBUG", "ERROR", "FATAL", "INFO", "OFF", "TRACE", "WARN", "warn"):
            sc.setLogLevel(level)
        sc.setLogLevel("ERROR")
        assert logger.getEffectiveLevel() == logging.ERROR
        with pytest.raises(Exception):
            sc.setLogLevel("LOUD")
    finally:
        logger.setLevel(before)


def test_application_id_and_version(sc):
    app_id = sc.applicationId
    assert isinstance(app_id, str) and app_id.startswith("local-")
    assert sc.applicationId == app_id
    assert sc.version == minispark.__version__
    assert isinstance(sc.version, str)


def test_default_parallelism_follows_master(sc, backend):
    if backend == "inline":
        assert sc.defaultParallelism >= 1  # one driver thread runs the tasks
    else:
        assert sc.defaultParallelism == int(backend[len("local["):-1])
    assert sc.defaultMinPartitions == min(sc.defaultParallelism, 2)


@pytest.mark.parametrize("master, expected", [("local", 1), ("local[*]", os.cpu_count())])
def test_default_parallelism_of_local_masters(make_context, master, expected):
    if expected > 16:
        pytest.skip("one executor process per core is too many for a unit test here")
    ctx = make_context(master)
    assert ctx.defaultParallelism == expected
    assert ctx.parallelize(range(10)).getNumPartitions() == expected
    assert ctx.parallelize(range(10)).sum() == 45


def test_default_parallelism_setting(make_context):
    ctx = make_context("local[1]", **{"spark.default.parallelism": "5"})
    assert ctx.defaultParallelism == 5
    assert ctx.parallelize(range(20)).getNumPartitions() == 5
    # key-value operations then default to it too, as in Spark
    assert ctx.parallelize([(1, 1)], 2).reduceByKey(lambda a, b: a + b).getNumPartitions() == 5


# -- job groups and cancellation ------------------------------------------------------------------


def _run_in_thread(sc, group, job):
    """Start ``job()`` in a thread (in ``group``) and wait until it is running."""
    outcome: dict = {}

    def run():
        if group is not None:
            sc.setJobGroup(group, "a job to cancel")
        try:
            outcome["result"] = job()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not sc.statusTracker().getActiveJobsIds() and thread.is_alive():
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.01)
    time.sleep(0.2)
    return thread, outcome


def test_cancel_all_jobs_from_another_thread(sc):
    slow = sc.parallelize(range(300), 300).map(lambda x: time.sleep(0.05) or x)
    started = time.monotonic()
    thread, outcome = _run_in_thread(sc, "g-all", slow.collect)
    sc.cancelAllJobs()
    thread.join(30)
    assert not thread.is_alive()
    assert "result" not in outcome
    assert isinstance(outcome.get("error"), SparkException)
    assert time.monotonic() - started < 10  # well before the 15 s the job would take
    # the context stays usable
    assert sc.parallelize(range(10), 3).map(lambda x: x * 2).sum() == sum(range(0, 20, 2))


def test_cancel_job_group_only_cancels_that_group(sc):
    slow = sc.parallelize(range(300), 300).map(lambda x: time.sleep(0.05) or x)
    thread, outcome = _run_in_thread(sc, "group-a", slow.count)
    sc.cancelJobGroup("group-b")  # another group: nothing happens
    time.sleep(0.2)
    assert thread.is_alive()
    sc.cancelJobGroup("group-a")
    thread.join(30)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), SparkException)
    assert sc.parallelize([("a", 1), ("a", 2)], 2).reduceByKey(lambda a, b: a + b).collect() \
        == [("a", 3)]


def test_cancel_job_group_cancels_every_job_of_the_group(sc):
    slow = sc.parallelize(range(40), 40).map(lambda x: time.sleep(0.05) or x)
    first, first_outcome = _run_in_thread(sc, "shared-group", slow.count)
    submitted = threading.Event()

    def second_job():
        submitted.set()
        return slow.collect()

    second, second_outcome = _run_in_thread(sc, "shared-group", second_job)
    assert submitted.wait(10)
    time.sleep(0.2)  # the second action has been called and is waiting or running
    sc.cancelJobGroup("shared-group")
    first.join(30)
    second.join(30)
    assert isinstance(first_outcome.get("error"), SparkException)
    assert isinstance(second_outcome.get("error"), SparkException), second_outcome


def test_cancel_with_interrupt_stops_long_tasks(sc, backend):
    if backend == "inline":
        pytest.skip("inline tasks run in the driver's thread and cannot be interrupted")
    long_tasks = sc.parallelize(range(2), 2).map(lambda x: time.sleep(60) or x)

    def job():
        sc.setJobGroup("interrupt", "long tasks", interruptOnCancel=True)
        return long_tasks.collect()

    started = time.monotonic()
    thread, outcome = _run_in_thread(sc, None, job)
    sc.cancelJobGroup("interrupt")
    thread.join(30)
    assert isinstance(outcome.get("error"), SparkException)
    assert sc.parallelize(range(4), 2).collect() == [0, 1, 2, 3]
    assert time.monotonic() - started < 30


def test_jobs_from_several_threads(sc):
    def work(i, results):
        data = [(f"k{j % 7}é", j) for j in range(50 + i)]
        expected: dict = {}
        for k, v in data:
            expected[k] = expected.get(k, 0) + v
        got = sc.parallelize(data, 3).reduceByKey(lambda a, b: a + b, 2).sortByKey().collect()
        results[i] = got == sorted(expected.items())

    results: dict = {}
    threads = [threading.Thread(target=work, args=(i, results)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {i: True for i in range(6)}


def test_job_group_is_per_thread(sc):
    sc.setJobGroup("main-thread-group", "desc")
    try:
        seen = {}
        thread = threading.Thread(
            target=lambda: seen.update(group=sc.getLocalProperty("spark.jobGroup.id")))
        thread.start()
        thread.join()
        assert seen["group"] is None
        assert sc.getLocalProperty("spark.jobGroup.id") == "main-thread-group"
        before = set(sc.statusTracker().getJobIdsForGroup("main-thread-group"))
        sc.parallelize([1, 2]).count()
        after = set(sc.statusTracker().getJobIdsForGroup("main-thread-group"))
        assert len(after - before) == 1
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)
        sc.setLocalProperty("spark.job.description", None)
        sc.setLocalProperty("spark.job.interruptOnCancel", None)


def test_failed_job_raises_spark_exception_with_cause(sc):
    def boom(x):
        if x == 3:
            raise KeyError("no-such-thing")
        return x

    with pytest.raises(SparkException) as info:
        sc.parallelize(range(6), 3).map(boom).collect()
    cause = info.value.__cause__
    assert cause is not None
    assert "KeyError" in str(cause) and "no-such-thing" in str(cause)
    assert sc.parallelize(range(6), 3).count() == 6  # still usable


# -- lifecycle ------------------------------------------------------------------------------------


@pytest.fixture
def no_context():
    """No active context (the shared one is stopped; the next test starts it again)."""
    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()
    yield
    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()


def test_get_or_create_returns_the_active_context(sc):
    assert SparkContext.getOrCreate() is sc
    assert SparkContext.getOrCreate(SparkConf().setAppName("ignored")) is sc


def test_get_or_create_builds_from_conf(no_context):
    conf = (SparkConf().setMaster("local[1]").setAppName("made-by-getOrCreate")
            .set("minispark.executor.backend", "inline"))
    ctx = SparkContext.getOrCreate(conf)
    assert SparkContext.getOrCreate() is ctx
    assert ctx.appName == "made-by-getOrCreate"
    assert ctx.master == "local[1]"
    assert ctx.parallelize([1, 2, 3]).sum() == 6
    ctx.stop()
    assert SparkContext._active_spark_context is None


def test_context_manager_stops_the_context(no_context):
    conf = SparkConf().set("minispark.executor.backend", "process")
    with SparkContext("local[2]", "with-block", conf=conf) as ctx:
        assert SparkContext._active_spark_context is ctx
        assert ctx.parallelize(range(5), 2).map(lambda x: x + 1).collect() == [1, 2, 3, 4, 5]
    assert SparkContext._active_spark_context is None
    with pytest.raises(Exception):
        ctx.parallelize([1]).collect()
    ctx.stop()  # idempotent
    # a new context may start once the old one stopped
    with SparkContext("local[1]", "second", conf=conf) as again:
        assert again.parallelize([1]).collect() == [1]


def test_context_manager_stops_on_error(no_context):
    conf = SparkConf().set("minispark.executor.backend", "inline")
    with pytest.raises(ZeroDivisionError):
        with SparkContext("local[1]", "failing-block", conf=conf):
            1 / 0
    assert SparkContext._active_spark_context is None


def test_only_one_active_context(sc):
    with pytest.raises(ValueError):
        SparkContext("local[1]", "second")
    assert SparkContext._active_spark_context is sc


# -- SparkConf ------------------------------------------------------------------------------------

conf_keys = st.text(alphabet="abc.xyz", min_size=1, max_size=8)
conf_values = st.one_of(st.text(alphabet="01ab ", max_size=5), st.integers(-5, 5), st.booleans())


@FAST
@given(pairs=st.lists(st.tuples(conf_keys, conf_values), max_size=8))
def test_spark_conf_set_get_all_contains(pairs):
    expected: dict = {}
    for key, value in pairs:
        expected[key] = str(value)  # values are kept as strings, as Spark does
    by_set, by_set_all = SparkConf(), SparkConf()
    for key, value in pairs:
        assert by_set.set(key, value) is by_set
    assert by_set_all.setAll(pairs) is by_set_all
    for conf in (by_set, by_set_all):
        assert dict(conf.getAll()) == expected
        assert len(conf.getAll()) == len(expected)
        for key, value in expected.items():
            assert conf.contains(key)
            assert conf.get(key) == value
        assert not conf.contains("not.set.key")
        assert conf.get("not.set.key") is None
        assert conf.get("not.set.key", "fallback") == "fallback"


def test_spark_conf_master_app_name_and_if_missing():
    conf = SparkConf()
    assert conf.setMaster("local[3]") is conf
    assert conf.setAppName("app") is conf
    assert conf.get("spark.master") == "local[3]"
    assert conf.get("spark.app.name") == "app"
    conf.setIfMissing("spark.app.name", "other").setIfMissing("spark.extra", "1")
    assert conf.get("spark.app.name") == "app"
    assert conf.get("spark.extra") == "1"
    assert conf.contains("spark.master")
    copy = conf.copy()
    copy.set("spark.extra", "2")
    assert conf.get("spark.extra") == "1"


def test_context_reads_conf(make_context):
    ctx = make_context("local[1]", **{"spark.custom.key": "value", "spark.app.name": "ignored"})
    assert ctx.master == "local[1]"
    assert ctx.appName == "tests-dedicated"  # the appName argument wins over the conf
    conf = ctx.getConf()
    assert conf.get("spark.custom.key") == "value"
    assert conf.get("spark.master") == "local[1]"
    conf.set("spark.custom.key", "changed")  # getConf is a copy
    assert ctx.getConf().get("spark.custom.key") == "value"
