"""Records whose classes only the user's script defines: the C pickler first,
cloudpickle for the batches it cannot ship, ``pickle.loads`` for both."""
from __future__ import annotations

import collections
import copyreg
import io
import json
import os
import pickle
import subprocess
import sys
import threading
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, strategies as st

from minispark.common import serialization
from minispark.scheduler.task import TaskResult
from minispark.scheduler.worker import _dump_result

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tests", "core", "scripts", "user_classes_in_main.py")
PATHS = {"parallelize", "collect namedtuple", "collect dataclass", "collect plain class",
         "shuffle groupByKey namedtuple", "shuffle reduceByKey dataclass",
         "shuffle sortBy plain class", "cache MEMORY_ONLY", "cache DISK_ONLY",
         "cache MEMORY_AND_DISK", "broadcast", "accumulator", "pickle file namedtuple",
         "pickle file auto batches"}


def _local_class():
    @dataclass(frozen=True)
    class Local:  # defined in a function: no module holds it, as in an executor's __main__
        name: str
        n: int

    return Local


def _run_script(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get(
        "PYTHONPATH")])))
    done = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("master, backend", [("local[2]", "process"), ("local[2]", "inline")])
def test_a_script_whose_records_are_its_own_classes_runs_every_path(master, backend):
    checks = _run_script(master, backend)
    assert PATHS <= set(checks), sorted(PATHS - set(checks))
    assert len([k for k in checks if k.endswith("(driver's class)")]) >= 9
    assert {name: got for name, (got, want) in checks.items() if got != want} == {}


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text() | st.binary(),
                    lambda inner: st.lists(inner) | st.tuples(inner, inner)
                    | st.dictionaries(st.text(), inner), max_leaves=20))
def test_builtin_batches_are_plain_c_pickles(records):
    plain = pickle.dumps(records, serialization.PROTOCOL)
    data = serialization.dumps(records)
    assert pickle.loads(data) == records
    if serialization._MAIN_REFERENCE not in plain:
        assert data == plain


def test_a_batch_holding_a_class_no_module_has_is_pickled_by_value_whole():
    Local = _local_class()
    batch = [("a", 1), Local("x", 1), 2.5, Local("y", 2)]
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(batch, serialization.PROTOCOL)
    loaded = pickle.loads(serialization.dumps(batch))
    assert loaded == batch
    assert all(type(loaded[i]) is Local for i in (1, 3)), "cloudpickle tracks the class"


def test_only_the_batches_that_need_it_go_through_cloudpickle():
    Local = _local_class()
    records = list(range(2000)) + [Local("z", 0)] + list(range(1999))
    out = io.BytesIO()
    serialization.write_batches(out, records, batch_size=1000)
    frames = [bytes(f) for f in serialization.iter_frames(out.getvalue())]
    batches = [records[i:i + 1000] for i in range(0, len(records), 1000)]
    assert len(frames) == 4
    for i in (0, 1, 3):
        assert frames[i] == pickle.dumps(batches[i], serialization.PROTOCOL)
    assert pickle.loads(frames[2]) == batches[2]
    assert list(serialization.iter_records(out.getvalue())) == records


def test_a_reference_to_the_drivers_main_is_pickled_by_value(monkeypatch):
    Point = collections.namedtuple("Point", "x y")
    Point.__module__ = "__main__"
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "Point", Point, raising=False)
    batch = [Point(1, 2), Point(3, 4)]
    assert serialization._MAIN_REFERENCE in pickle.dumps(batch, serialization.PROTOCOL)
    data = serialization.dumps(batch)
    monkeypatch.delattr(main, "Point")  # as in an executor, whose __main__ is not the script
    loaded = pickle.loads(data)
    assert loaded == batch and type(loaded[0]) is Point


def test_what_no_pickler_can_ship_raises_its_own_error():
    with pytest.raises(TypeError, match="lock"):
        serialization.dumps([1, threading.Lock()])


def test_out_of_band_buffers_survive_the_by_value_path():
    Local = _local_class()
    value = {"table": np.arange(1000.0), "meta": Local("m", 1)}
    buffers: list = []
    data = serialization.dumps_code(value, buffer_callback=buffers.append)
    assert buffers, "the array went out of band"
    loaded = pickle.loads(data, buffers=[b.raw() for b in buffers])
    assert loaded["meta"] == value["meta"] and (loaded["table"] == value["table"]).all()


def test_a_task_result_of_a_local_class_reaches_the_driver_and_a_bad_one_is_reported():
    Local = _local_class()
    good = TaskResult(1, "0", True, [Local("r", 1)])
    kind, back = pickle.loads(_dump_result(good))
    assert kind == "result" and back.success and back.value == [Local("r", 1)]
    bad = TaskResult(2, "0", True, [threading.Lock()])
    kind, back = pickle.loads(_dump_result(bad))
    assert not back.success and back.value is None
    assert "could not be serialized" in back.error and "lock" in back.error


def test_only_the_process_running_the_users_script_scans_for_main(sc, backend):
    def scans(_):
        from minispark.common import serialization as ser
        return ser._main_is_users

    in_tasks = set(sc.parallelize(range(4), 2).map(scans).collect())
    assert in_tasks == ({True} if backend == "inline" else {False})


def test_the_by_value_path_honours_reducers_registered_after_import(monkeypatch):
    Local = _local_class()

    def shout(name):  # a local function: only cloudpickle can ship this reduction
        return f"{name}!"

    monkeypatch.setitem(copyreg.dispatch_table, Local, lambda obj: (shout, (obj.name,)))
    assert pickle.loads(serialization.dumps([Local("late", 1)])) == ["late!"]
