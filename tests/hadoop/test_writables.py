"""Writable types: bytes as Hadoop lays them out, Python values as PySpark converts them."""
from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minispark.hadoop import register_array_writable, unregister_array_writable
from minispark.hadoop.writables import (
    ARRAY, INT, MAP, TEXT, TypeRegistry, WritableError, writable_for,
)

from .strategies import VALUES, inferable

TYPES = TypeRegistry()


def _round_trip(kind, value):
    out = bytearray()
    kind.write(value, out)
    back, end = kind.read(bytes(out), 0)
    assert end == len(out)
    return back, bytes(out)


@given(st.data())
@pytest.mark.parametrize("name", sorted(VALUES))
def test_each_writable_reads_back_what_it_wrote(name, data):
    value = data.draw(VALUES[name])
    back, _ = _round_trip(TYPES.lookup(name), value)
    assert back == value and type(back) is type(value)


@given(inferable)
def test_inferred_writables_read_back_as_pyspark_gives_them(value):
    back, _ = _round_trip(writable_for(value), value)
    assert back == value


def test_map_writable_bytes_match_hadoop():
    """Hadoop wrote this MapWritable for PySpark's {"a": 1, "b": 2.0}: a class table naming
    DoubleWritable (id 1, not one of AbstractMapWritable's own), then the entries."""
    hadoop = bytes.fromhex("0101" "0023") + b"org.apache.hadoop.io.DoubleWritable" + bytes.fromhex(
        "00000002" "8c0161" "8500000001" "8c0162" "014000000000000000")
    back, written = _round_trip(TYPES.lookup(MAP), {"a": 1, "b": 2.0})
    assert written == hadoop and back == {"a": 1, "b": 2.0}


def test_text_is_vint_length_then_utf8():
    _, written = _round_trip(TYPES.lookup(TEXT), "é" * 100)
    assert written == bytes.fromhex("8fc8") + "é".encode() * 100


def test_values_that_do_not_fit_are_refused():
    for name, value in ((INT, 1 << 31), (INT, True), (INT, 1.5), (TEXT, b"x"),
                        ("org.apache.hadoop.io.BooleanWritable", 1),
                        ("org.apache.hadoop.io.NullWritable", 0),
                        ("org.apache.hadoop.io.FloatWritable", 1e300)):
        with pytest.raises(WritableError, match="cannot be written as " + name):
            TYPES.lookup(name).write(value, bytearray())


def test_inference_refuses_what_pyspark_cannot_convert():
    with pytest.raises(WritableError, match="Data of type builtins.list.*use a tuple"):
        writable_for([1])
    with pytest.raises(WritableError, match="Data of type builtins.set"):
        writable_for({1})
    with pytest.raises(WritableError, match="does not fit in a LongWritable"):
        writable_for(1 << 63)
    with pytest.raises(WritableError, match="empty tuple names no element class"):
        writable_for(())
    with pytest.raises(WritableError, match="a tuple inside a dict"):
        writable_for({"a": (1,)}).write({"a": (1,)}, bytearray())


def test_registered_array_subclasses_read_and_travel_to_executors():
    register_array_writable("com.example.IntArrayWritable", INT)
    try:
        registry = TypeRegistry.current()
    finally:
        unregister_array_writable("com.example.IntArrayWritable")
    copy = pickle.loads(pickle.dumps(registry))
    kind = copy.lookup("com.example.IntArrayWritable")
    assert _round_trip(kind, (1, 2, 3))[0] == (1, 2, 3)
    with pytest.raises(NotImplementedError, match="com.example.IntArrayWritable is not supported"):
        TypeRegistry.current().lookup("com.example.IntArrayWritable")
    with pytest.raises(NotImplementedError, match="ArrayWritable elements of class x.Y"):
        register_array_writable("a.B", "x.Y")


def test_a_bare_array_writable_without_element_class_is_explained():
    with pytest.raises(NotImplementedError, match="register_array_writable"):
        TYPES.lookup(ARRAY)


@pytest.mark.parametrize("name", sorted(VALUES))
def test_types_pickle_to_the_same_behaviour(name):
    kind = TYPES.lookup(name)
    assert pickle.loads(pickle.dumps(kind)).name == name
