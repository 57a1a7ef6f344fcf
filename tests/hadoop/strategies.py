"""Hypothesis strategies for Python values and the Writable classes that hold them."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from minispark.hadoop.writables import (
    BOOLEAN, BYTES, DOUBLE, FLOAT, INT, LONG, MAP, NULL, SHORT, TEXT, VINT, VLONG, BYTE,
)

#: Examples run real jobs or write files: few of them, no deadline, no database.
FAST = settings(
    max_examples=int(os.environ.get("HADOOP_MAX_EXAMPLES", "15")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)

text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
int32 = st.integers(-(1 << 31), (1 << 31) - 1)
int64 = st.integers(-(1 << 63), (1 << 63) - 1)
doubles = st.floats(allow_nan=False)
binary = st.binary(max_size=40).map(bytearray)
#: Values as they come back from a MapWritable: hashable keys, any supported value.
scalar_keys = st.one_of(text, int32, doubles, st.booleans())
map_values = st.dictionaries(scalar_keys, st.one_of(text, int64, doubles, st.booleans(),
                                                   st.none(), binary), max_size=6)
nested_maps = st.dictionaries(text, st.one_of(int32, map_values), max_size=4)

#: Writable class -> values that class holds, as they read back.
VALUES = {
    TEXT: text,
    INT: int32,
    LONG: int64,
    DOUBLE: doubles,
    FLOAT: st.floats(width=32, allow_nan=False),
    BOOLEAN: st.booleans(),
    BYTES: binary,
    NULL: st.none(),
    MAP: st.one_of(map_values, nested_maps),
    VINT: int32,
    VLONG: int64,
    BYTE: st.integers(-128, 127),
    SHORT: st.integers(-(1 << 15), (1 << 15) - 1),
}

#: Python values whose inferred class reads back as the same value and type.
inferable = st.one_of(text, int64, doubles, st.booleans(), st.none(), binary, map_values)
