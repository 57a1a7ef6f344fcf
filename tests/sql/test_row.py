"""minispark.sql.Row against PySpark 4's Row (expectations recorded from PySpark)."""
from __future__ import annotations

import pickle

import cloudpickle
import pytest

from minispark.errors import (
    PySparkAttributeError, PySparkRuntimeError, PySparkTypeError, PySparkValueError,
)
from minispark.sql.row import Row


def test_keyword_rows_keep_their_order_and_read_like_pyspark():
    row = Row(name="Alice", age=11)
    assert repr(row) == "Row(name='Alice', age=11)"
    assert (row.name, row[0], row["age"], row[-1]) == ("Alice", "Alice", 11, 11)
    assert row.__fields__ == ["name", "age"]
    assert "name" in row and "Alice" not in row  # membership tests field names
    assert row == ("Alice", 11) and hash(row) == hash(("Alice", 11))
    assert row[0:1] == ("Alice",) and len(row) == 2
    assert row.asDict() == {"name": "Alice", "age": 11}
    assert Row(b=1, a=2).__fields__ == ["b", "a"]
    assert repr(Row(a="x", b=b"y", c=1.5, d=None)) == "Row(a='x', b=b'y', c=1.5, d=None)"
    assert row.count("Alice") == 1 and row.index(11) == 1  # tuple methods still work
    assert Row(a=1) == Row(b=1) and Row(a=1) < Row(a=2)  # equality and order as tuples


def test_positional_rows_are_row_factories():
    person = Row("name", "age")
    assert repr(person) == "<Row('name', 'age')>"
    bob = person("Bob", 3)
    assert repr(bob) == "Row(name='Bob', age=3)" and type(bob) is Row
    assert bob.asDict() == {"name": "Bob", "age": 3}
    assert repr(person("x")) == "Row(name='x')"
    assert Row("a", "b")("x", 1) == Row(a="x", b=1)
    assert repr(Row()) == "<Row()>" and repr(Row(1, 2)) == "<Row(1, 2)>"
    with pytest.raises(PySparkValueError, match=r"\[TOO_MANY_VALUES\] Expected 2 values for "
                                                r"`fields`, got 3."):
        person("x", "y", "z")


def test_errors_match_pyspark():
    row = Row(name="Alice", age=11)
    with pytest.raises(PySparkAttributeError, match=r"\[ATTRIBUTE_NOT_SUPPORTED\] Attribute `zz`"):
        row.zz
    with pytest.raises(ValueError, match="zz"):
        row["zz"]
    with pytest.raises(IndexError):
        row[5]
    with pytest.raises(PySparkRuntimeError, match=r"\[READ_ONLY\] Row is read-only."):
        row.age = 3
    with pytest.raises(PySparkTypeError, match=r"\[CANNOT_CONVERT_TYPE\] Cannot convert Row into dict."):
        Row(1, 2).asDict()
    with pytest.raises(PySparkValueError, match="CANNOT_SET_TOGETHER"):
        Row(1, a=2)


def test_as_dict_recursive_converts_rows_inside_lists_and_dicts():
    nested = Row(a=Row(b=[Row(c=1)], d={"k": Row(e=2)}))
    assert nested.asDict() == {"a": Row(b=[Row(c=1)], d={"k": Row(e=2)})}
    assert nested.asDict(True) == {"a": {"b": [{"c": 1}], "d": {"k": {"e": 2}}}}


@pytest.mark.parametrize("dumps, loads", [(pickle.dumps, pickle.loads),
                                          (cloudpickle.dumps, pickle.loads)])
def test_rows_pickle_with_their_fields(dumps, loads):
    for row in (Row(name="Alice", age=11), Row("a", "b"), Row(x=Row(y=1))):
        back = loads(dumps(row))
        assert back == row and repr(back) == repr(row)
        assert getattr(back, "__fields__", None) == getattr(row, "__fields__", None)


def test_rows_travel_through_executors(sc):
    rows = sc.parallelize(range(6), 3).map(lambda i: Row(id=i, name=f"n{i}")).collect()
    assert rows == [Row(id=i, name=f"n{i}") for i in range(6)]
    assert [r.name for r in rows] == [f"n{i}" for i in range(6)]
    doubled = sc.parallelize(rows, 2).map(lambda r: Row(**{**r.asDict(), "id": r.id * 2})).collect()
    assert [r.id for r in doubled] == [2 * i for i in range(6)] and doubled[0].__fields__ == ["id", "name"]
