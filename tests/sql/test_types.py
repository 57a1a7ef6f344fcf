"""minispark.sql.types against PySpark 4's behaviour.

The expected reprs, names, trees, DDL results and inferred schemas below were
recorded by running the same calls on PySpark 4 (``/work/pyspark-venv``).
Properties (JSON / DDL / Arrow round trips, row conversions) run on random
types and values.
"""
from __future__ import annotations

import array
import datetime
import decimal
import pickle
from collections import namedtuple

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minispark.errors import ParseException, PySparkTypeError, PySparkValueError
from minispark.sql.conversion import arrow_to_rows, infer_schema_from_rows, rows_to_arrow
from minispark.sql.row import Row
from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, ByteType, CalendarIntervalType, CharType, DataType,
    DateType, DayTimeIntervalType, DecimalType, DoubleType, FloatType, IntegerType, LongType, MapType,
    NullType, ShortType, StringType, StructField, StructType, TimestampNTZType, TimestampType,
    VarcharType, VariantType, YearMonthIntervalType, _infer_schema, _infer_type, _merge_type,
    _parse_datatype_json_string, _parse_datatype_string, from_arrow_schema, from_arrow_type,
    to_arrow_schema, to_arrow_type,
)

# (type, repr, simpleString, typeName, json) as PySpark 4 prints them.
PYSPARK_NAMES = [
    (NullType(), "NullType()", "void", "void", '"void"'),
    (StringType(), "StringType()", "string", "string", '"string"'),
    (BinaryType(), "BinaryType()", "binary", "binary", '"binary"'),
    (BooleanType(), "BooleanType()", "boolean", "boolean", '"boolean"'),
    (DateType(), "DateType()", "date", "date", '"date"'),
    (TimestampType(), "TimestampType()", "timestamp", "timestamp", '"timestamp"'),
    (TimestampNTZType(), "TimestampNTZType()", "timestamp_ntz", "timestamp_ntz",
     '"timestamp_ntz"'),
    (DecimalType(), "DecimalType(10,0)", "decimal(10,0)", "decimal", '"decimal(10,0)"'),
    (DecimalType(10, 2), "DecimalType(10,2)", "decimal(10,2)", "decimal", '"decimal(10,2)"'),
    (DoubleType(), "DoubleType()", "double", "double", '"double"'),
    (FloatType(), "FloatType()", "float", "float", '"float"'),
    (ByteType(), "ByteType()", "tinyint", "byte", '"byte"'),
    (ShortType(), "ShortType()", "smallint", "short", '"short"'),
    (IntegerType(), "IntegerType()", "int", "integer", '"integer"'),
    (LongType(), "LongType()", "bigint", "long", '"long"'),
    (DayTimeIntervalType(), "DayTimeIntervalType(0, 3)", "interval day to second",
     "daytimeinterval", '"interval day to second"'),
    (DayTimeIntervalType(0, 1), "DayTimeIntervalType(0, 1)", "interval day to hour",
     "daytimeinterval", '"interval day to hour"'),
    (YearMonthIntervalType(), "YearMonthIntervalType(0, 1)", "interval year to month",
     "yearmonthinterval", '"interval year to month"'),
    (YearMonthIntervalType(0, 0), "YearMonthIntervalType(0, 0)", "interval year",
     "yearmonthinterval", '"interval year"'),
    (ArrayType(StringType()), "ArrayType(StringType(), True)", "array<string>", "array",
     '{"containsNull":true,"elementType":"string","type":"array"}'),
    (ArrayType(IntegerType(), False), "ArrayType(IntegerType(), False)", "array<int>", "array",
     '{"containsNull":false,"elementType":"integer","type":"array"}'),
    (MapType(StringType(), IntegerType()), "MapType(StringType(), IntegerType(), True)",
     "map<string,int>", "map",
     '{"keyType":"string","type":"map","valueContainsNull":true,"valueType":"integer"}'),
    (VariantType(), "VariantType()", "variant", "variant", '"variant"'),
    (CharType(3), "CharType(3)", "char(3)", "char", '"char(3)"'),
    (VarcharType(4), "VarcharType(4)", "varchar(4)", "varchar", '"varchar(4)"'),
    (StringType("UTF8_LCASE"), "StringType('UTF8_LCASE')", "string collate UTF8_LCASE", "string",
     '"string collate UTF8_LCASE"'),
]


@pytest.mark.parametrize("data_type, rep, simple, type_name, json_text", PYSPARK_NAMES,
                         ids=[row[1] for row in PYSPARK_NAMES])
def test_names_reprs_and_json_match_pyspark(data_type, rep, simple, type_name, json_text):
    assert repr(data_type) == rep
    assert data_type.simpleString() == simple
    assert data_type.typeName() == type_name
    assert data_type.json() == json_text
    assert _parse_datatype_json_string(json_text) == data_type


def test_nested_struct_repr_simple_string_and_json_match_pyspark():
    schema = StructType([StructField("a", IntegerType()),
                         StructField("b", ArrayType(StringType()), False, {"x": 1})])
    assert repr(schema) == ("StructType([StructField('a', IntegerType(), True), "
                            "StructField('b', ArrayType(StringType(), True), False)])")
    assert schema.simpleString() == "struct<a:int,b:array<string>>"
    assert schema.json() == (
        '{"fields":[{"metadata":{},"name":"a","nullable":true,"type":"integer"},'
        '{"metadata":{"x":1},"name":"b","nullable":false,"type":{"containsNull":true,'
        '"elementType":"string","type":"array"}}],"type":"struct"}')
    assert StructType.fromJson(schema.jsonValue()) == schema


def test_tree_string_matches_printschema_of_pyspark():
    schema = StructType([
        StructField("a", IntegerType()),
        StructField("b", ArrayType(StructType([StructField("x", MapType(StringType(), LongType()))])),
                    False),
        StructField("d", DecimalType(10, 2)), StructField("i", DayTimeIntervalType()),
        StructField("st", StringType("UTF8_LCASE")),
        StructField("m", MapType(StringType(), ArrayType(IntegerType(), False), False)),
    ])
    assert schema.treeString() == (
        "root\n"
        " |-- a: integer (nullable = true)\n"
        " |-- b: array (nullable = false)\n"
        " |    |-- element: struct (containsNull = true)\n"
        " |    |    |-- x: map (nullable = true)\n"
        " |    |    |    |-- key: string\n"
        " |    |    |    |-- value: long (valueContainsNull = true)\n"
        " |-- d: decimal(10,2) (nullable = true)\n"
        " |-- i: interval day to second (nullable = true)\n"
        " |-- st: string (nullable = true)\n"
        " |-- m: map (nullable = true)\n"
        " |    |-- key: string\n"
        " |    |-- value: array (valueContainsNull = false)\n"
        " |    |    |-- element: integer (containsNull = false)\n")
    assert schema.treeString(1).count("\n") == 1 + len(schema)


def test_struct_type_api():
    schema = StructType().add("name", "string").add(StructField("age", IntegerType(), False))
    assert schema.fieldNames() == ["name", "age"] and len(schema) == 2
    assert [f.name for f in schema] == ["name", "age"]
    assert schema["age"] == schema[1] == StructField("age", IntegerType(), False)
    assert schema[0:1] == StructType([StructField("name", StringType())])
    with pytest.raises(KeyError, match=r"\[KEY_NOT_EXISTS\] Key `zz` does not exist"):
        schema["zz"]
    with pytest.raises(IndexError, match="INDEX_OUT_OF_RANGE"):
        schema[5]
    with pytest.raises(ValueError, match="CANNOT_PARSE_DATATYPE"):
        StructType().add("a", "int")  # a JSON type name is required here, as in PySpark
    assert IntegerType() is IntegerType() and DecimalType(5, 1) == DecimalType(5, 1)
    assert hash(DecimalType(5, 1)) == hash(DecimalType(5, 1)) and DecimalType(5, 1) != DecimalType(5, 2)
    assert pickle.loads(pickle.dumps(schema)) == schema


# Inputs and results recorded from PySpark's _parse_datatype_string.
DDL_CASES = {
    "int": IntegerType(),
    "a int": StructType([StructField("a", IntegerType())]),
    "a: int, b: array<string>": StructType([StructField("a", IntegerType()),
                                            StructField("b", ArrayType(StringType()))]),
    "a int, b string": StructType([StructField("a", IntegerType()), StructField("b", StringType())]),
    "struct<a:int,b:string>": StructType([StructField("a", IntegerType()),
                                          StructField("b", StringType())]),
    "array<int>": ArrayType(IntegerType()),
    "map<string, int>": MapType(StringType(), IntegerType()),
    "decimal(10, 2)": DecimalType(10, 2), "decimal": DecimalType(10, 0), "dec(5)": DecimalType(5, 0),
    "numeric(4,1)": DecimalType(4, 1), "bigint": LongType(), "tinyint": ByteType(),
    "byte": ByteType(), "short": ShortType(), "long": LongType(), "integer": IntegerType(),
    "binary": BinaryType(), "boolean": BooleanType(), "date": DateType(),
    "timestamp": TimestampType(), "timestamp_ntz": TimestampNTZType(),
    "timestamp_ltz": TimestampType(), "double": DoubleType(), "float": FloatType(),
    "real": FloatType(), "char(3)": CharType(3), "varchar(4)": VarcharType(4),
    "interval day to second": DayTimeIntervalType(0, 3),
    "interval year to month": YearMonthIntervalType(0, 1), "void": NullType(),
    "variant": VariantType(),
    "a INT NOT NULL COMMENT 'x', `b c` STRING": StructType([
        StructField("a", IntegerType(), False, {"comment": "x"}), StructField("b c", StringType())]),
    "struct<a: int not null, b: string>": StructType([StructField("a", IntegerType(), False),
                                                      StructField("b", StringType())]),
    "a array<map<string,array<int>>>": StructType([
        StructField("a", ArrayType(MapType(StringType(), ArrayType(IntegerType()))))]),
    "`a.b` int": StructType([StructField("a.b", IntegerType())]),
}


@pytest.mark.parametrize("text", list(DDL_CASES))
def test_ddl_strings_parse_as_pyspark_parses_them(text):
    parsed = _parse_datatype_string(text)
    assert parsed == DDL_CASES[text]
    if isinstance(parsed, StructType):
        assert [f.metadata for f in parsed] == [f.metadata for f in DDL_CASES[text]]
        assert DataType.fromDDL(parsed.toDDL()) == parsed


@pytest.mark.parametrize("text", ["int garbage", "struct<a:int", "a foo", "", "array<>", "a: int,",
                                  "a int b string"])
def test_bad_ddl_raises_parse_exception_naming_the_text(text):
    with pytest.raises(ParseException) as err:
        _parse_datatype_string(text)
    assert repr(text) in str(err.value)


def test_unsupported_field_constraints_are_refused_not_ignored():
    with pytest.raises(NotImplementedError, match="DEFAULT 1"):
        _parse_datatype_string("a int default 1")


def test_infer_schema_matches_pyspark():
    values = (1, "a", 1.5, True, None, b"x", bytearray(b"y"), datetime.date(2020, 1, 1),
              datetime.datetime(2020, 1, 1), decimal.Decimal("1.23"), [1, 2], {"a": 1},
              datetime.timedelta(1), Row(a=1, b="x"))
    expected = [LongType(), StringType(), DoubleType(), BooleanType(), NullType(), BinaryType(),
                BinaryType(), DateType(), TimestampType(), DecimalType(38, 18),
                ArrayType(LongType()), MapType(StringType(), LongType()), DayTimeIntervalType(),
                StructType([StructField("a", LongType()), StructField("b", StringType())])]
    schema = _infer_schema(values)
    assert schema.names == [f"_{i}" for i in range(1, 15)]
    assert [f.dataType for f in schema] == expected
    assert _infer_schema((1, 2), names=["x"]).names == ["x", "_2"]
    assert _infer_schema({"b": 1, "a": "x"}).names == ["a", "b"]  # dicts: sorted, as PySpark
    assert _infer_schema(Row(b=1, a="x")).names == ["b", "a"]  # Rows keep their order
    assert _infer_schema(namedtuple("NT", "p q")(1, "z")).names == ["p", "q"]


def test_infer_type_details_match_pyspark():
    assert _infer_type([]) == ArrayType(NullType())
    assert _infer_type({}) == MapType(NullType(), NullType())
    assert _infer_type([None, 1]) == ArrayType(LongType())
    assert _infer_type({1: "x", "y": None}) == MapType(StringType(), StringType())
    assert _infer_type([1, "a"]) == ArrayType(StringType())
    assert _infer_type(array.array("d", [1.0])) == ArrayType(DoubleType(), False)
    assert _infer_type((1, 2)) == StructType([StructField("_1", LongType()),
                                              StructField("_2", LongType())])
    assert _infer_type({"a": 1}, infer_dict_as_struct=True) == StructType(
        [StructField("a", LongType())])
    assert _infer_type(datetime.datetime(2020, 1, 1), prefer_timestamp_ntz=True) == TimestampNTZType()
    with pytest.raises(PySparkTypeError, match=r"\[UNSUPPORTED_DATA_TYPE\] Unsupported DataType `object`"):
        _infer_type(object())
    with pytest.raises(PySparkTypeError, match="CANNOT_INFER_TYPE_FOR_FIELD.*`_1`"):
        _infer_schema((object(),))
    with pytest.raises(PySparkTypeError, match="CANNOT_INFER_SCHEMA_FOR_TYPE.*`int`"):
        _infer_schema(5)


def test_merge_type_matches_pyspark():
    assert _merge_type(NullType(), LongType()) == _merge_type(LongType(), NullType()) == LongType()
    assert _merge_type(LongType(), StringType()) == StringType()
    assert _merge_type(StructType([StructField("a", LongType())]),
                       StructType([StructField("b", StringType())])) == StructType(
        [StructField("a", LongType()), StructField("b", StringType())])
    assert _merge_type(DecimalType(10, 2), DecimalType(5, 1)) == DecimalType(10, 2)
    assert _merge_type(ArrayType(NullType()), ArrayType(LongType())) == ArrayType(LongType())
    with pytest.raises(PySparkTypeError, match=r"Can not merge type `LongType` and `DoubleType`"):
        _merge_type(LongType(), DoubleType())


def test_schema_inference_over_rows_merges_and_refuses_what_pyspark_refuses():
    assert infer_schema_from_rows([(1, None), (None, "x")], ["a", "b"]) == StructType(
        [StructField("a", LongType()), StructField("b", StringType())])
    assert infer_schema_from_rows([(1,), ("x",)]) == StructType([StructField("_1", StringType())])
    with pytest.raises(PySparkTypeError, match="CANNOT_MERGE_TYPE"):
        infer_schema_from_rows([(1,), (1.5,)])
    with pytest.raises(PySparkValueError, match="CANNOT_DETERMINE_TYPE"):
        infer_schema_from_rows([(None,), (None,)])
    with pytest.raises(PySparkValueError, match="CANNOT_INFER_EMPTY_SCHEMA"):
        infer_schema_from_rows([])


def test_internal_conversions():
    utc = datetime.timezone.utc
    assert DateType().toInternal(datetime.date(1970, 1, 11)) == 10
    aware = datetime.datetime(2021, 3, 4, 5, 6, 7, 8, tzinfo=utc)
    micros = TimestampType().toInternal(aware)
    assert micros == int(aware.timestamp()) * 1_000_000 + 8
    assert TimestampType().fromInternal(micros) == datetime.datetime.fromtimestamp(
        aware.timestamp())  # naive, in the local time zone, as PySpark returns it
    naive = datetime.datetime(2021, 3, 4, 5, 6, 7, 8)
    assert TimestampNTZType().fromInternal(TimestampNTZType().toInternal(naive)) == naive
    assert DayTimeIntervalType().fromInternal(DayTimeIntervalType().toInternal(
        datetime.timedelta(days=-1, microseconds=5))) == datetime.timedelta(days=-1, microseconds=5)
    schema = StructType([StructField("d", DateType()), StructField("s", StringType())])
    assert schema.fromInternal(schema.toInternal({"s": "x", "d": datetime.date(1970, 1, 2)})) == \
        Row(d=datetime.date(1970, 1, 2), s="x")


# -- Arrow mapping ------------------------------------------------------------------------

VALUE_ATOMIC = [StringType(), BinaryType(), BooleanType(), DateType(), TimestampType(),
          TimestampNTZType(), DecimalType(10, 2), DecimalType(38, 0), DoubleType(), FloatType(),
          ByteType(), ShortType(), IntegerType(), LongType(), DayTimeIntervalType()]
_names = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)


def data_types(atomic: list[DataType]) -> st.SearchStrategy[DataType]:
    leaves = st.sampled_from(atomic)

    def nested(children: st.SearchStrategy[DataType]) -> st.SearchStrategy[DataType]:
        return st.one_of(
            st.builds(ArrayType, children, st.booleans()),
            st.builds(MapType, st.sampled_from([StringType(), LongType(), IntegerType()]), children,
                      st.booleans()),
            st.lists(st.tuples(_names, children, st.booleans()), min_size=1, max_size=4,
                     unique_by=lambda t: t[0]).map(
                lambda fs: StructType([StructField(n, t, b) for n, t, b in fs])))

    return st.recursive(leaves, nested, max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(data_types(VALUE_ATOMIC))
def test_arrow_type_round_trip_and_json_round_trip(data_type):
    assert from_arrow_type(to_arrow_type(data_type)) == data_type
    assert _parse_datatype_json_string(data_type.json()) == data_type


def test_null_type_is_always_nullable_in_arrow():
    assert from_arrow_type(to_arrow_type(ArrayType(NullType(), False))) == ArrayType(NullType())


def test_arrow_types_are_what_the_engine_expects():
    assert to_arrow_type(TimestampType()) == pa.timestamp("us", tz="UTC")
    assert to_arrow_type(TimestampNTZType()) == pa.timestamp("us")
    assert to_arrow_type(ArrayType(IntegerType(), False)) == pa.list_(
        pa.field("element", pa.int32(), nullable=False))
    assert from_arrow_type(pa.dictionary(pa.int32(), pa.string())) == StringType()
    assert from_arrow_type(pa.large_list(pa.large_string())) == ArrayType(StringType())
    assert from_arrow_type(pa.timestamp("ns", tz="Europe/Paris")) == TimestampType()
    assert from_arrow_type(pa.uint64()) == DecimalType(20, 0)
    schema = StructType([StructField("a", LongType(), False), StructField("b", StringType())])
    assert from_arrow_schema(to_arrow_schema(schema)) == schema
    # The engine holds year-month intervals as months (int32), calendar intervals natively.
    assert to_arrow_type(YearMonthIntervalType()) == pa.int32()
    assert from_arrow_type(to_arrow_type(CalendarIntervalType())) == CalendarIntervalType()
    with pytest.raises(TypeError, match="UNSUPPORTED_DATA_TYPE_FOR_ARROW_CONVERSION"):
        to_arrow_type(DataType())


# -- rows <-> Arrow -------------------------------------------------------------------------


def _values(data_type: DataType) -> st.SearchStrategy:
    """Python values of a type, as createDataFrame accepts and collect() returns them."""
    simple = {
        StringType: st.text(max_size=5), BinaryType: st.binary(max_size=5),
        BooleanType: st.booleans(),
        DateType: st.dates(min_value=datetime.date(1900, 1, 1)),
        TimestampType: st.datetimes(min_value=datetime.datetime(1971, 1, 1),
                                    max_value=datetime.datetime(2100, 1, 1)),
        TimestampNTZType: st.datetimes(),
        DoubleType: st.floats(allow_nan=False), FloatType: st.just(1.5),
        ByteType: st.integers(-128, 127), ShortType: st.integers(-2**15, 2**15 - 1),
        IntegerType: st.integers(-2**31, 2**31 - 1), LongType: st.integers(-2**63, 2**63 - 1),
        DayTimeIntervalType: st.timedeltas(min_value=datetime.timedelta(days=-10**5),
                                           max_value=datetime.timedelta(days=10**5)),
    }
    if isinstance(data_type, DecimalType):
        return st.decimals(allow_nan=False, allow_infinity=False, places=data_type.scale,
                           min_value=-10 ** (data_type.precision - data_type.scale) + 1,
                           max_value=10 ** (data_type.precision - data_type.scale) - 1)
    if isinstance(data_type, ArrayType):
        return st.lists(_nullable(data_type.elementType, data_type.containsNull), max_size=3)
    if isinstance(data_type, MapType):
        return st.dictionaries(_values(data_type.keyType),
                               _nullable(data_type.valueType, data_type.valueContainsNull), max_size=3)
    if isinstance(data_type, StructType):
        return st.tuples(*[_nullable(f.dataType, f.nullable) for f in data_type]).map(
            lambda vs: Row(*vs)).map(lambda r: _named(r, data_type))
    return simple[type(data_type)]


def _nullable(data_type: DataType, nullable: bool) -> st.SearchStrategy:
    values = _values(data_type)
    return st.one_of(st.none(), values) if nullable else values


def _named(row: Row, struct: StructType) -> Row:
    return Row(*struct.names)(*row) if len(struct) else row


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_rows_round_trip_through_arrow(data):
    schema = data.draw(data_types(VALUE_ATOMIC).filter(lambda t: isinstance(t, StructType)))
    rows = data.draw(st.lists(_values(schema), max_size=5))
    batch = rows_to_arrow(rows, schema)
    assert batch.schema == to_arrow_schema(schema)
    back = arrow_to_rows(batch, schema)
    assert back == rows
    assert all(r.__fields__ == schema.names for r in back)


def test_rows_to_arrow_verifies_like_pyspark():
    def fails(rows, ddl, error, message):
        with pytest.raises(error) as err:
            rows_to_arrow(rows, _parse_datatype_string(ddl))
        assert message in str(err.value)

    fails([("x",)], "a int", PySparkTypeError, "[FIELD_DATA_TYPE_UNACCEPTABLE_WITH_NAME] field a: "
          "IntegerType() can not accept object 'x' in type <class 'str'>.")
    fails([(None,)], "a int not null", PySparkValueError,
          "[FIELD_NOT_NULLABLE_WITH_NAME] field a: This field is not nullable, but got None.")
    fails([(1000,)], "a tinyint", PySparkValueError, "[VALUE_OUT_OF_BOUNDS] Value for `obj` must "
          "be between -128 and 127 (inclusive), got 1000")
    fails([(1,)], "a double", PySparkTypeError, "DoubleType() can not accept object 1")
    fails([(True,)], "a int", PySparkTypeError, "IntegerType() can not accept object True")
    fails([(1, 2, 3)], "a int, b int", PySparkValueError,
          "[FIELD_STRUCT_LENGTH_MISMATCH] Length of object (3) does not match with length of fields (2).")
    fails([([1, "x"],)], "a array<int>", PySparkTypeError, "element in array field a: IntegerType()")
    fails([({"p": "x"},)], "a struct<p:int>", PySparkTypeError, "field p in field a: IntegerType()")
    fails([({None: 1},)], "a map<string,int>", PySparkValueError, "key of map field a: This field "
          "is not nullable")
    fails([(datetime.date(2020, 1, 1),)], "a timestamp", PySparkTypeError, "TimestampType() can "
          "not accept object datetime.date(2020, 1, 1)")
    fails([(decimal.Decimal("123456789012"),)], "a decimal(10,2)", PySparkValueError,
          "NUMERIC_VALUE_OUT_OF_RANGE")


def test_rows_to_arrow_accepts_what_pyspark_accepts():
    schema = _parse_datatype_string("a int, b string")
    assert arrow_to_rows(rows_to_arrow([{"a": 1}, Row(b="y", a=2), [3, "z"]], schema)) == [
        Row(a=1, b=None), Row(a=2, b="y"), Row(a=3, b="z")]
    rounded = rows_to_arrow([(decimal.Decimal("1.234"),), (decimal.Decimal("1.235"),)],
                            _parse_datatype_string("a decimal(10,2)"))
    assert rounded.column(0).to_pylist() == [decimal.Decimal("1.23"), decimal.Decimal("1.24")]
    dates = rows_to_arrow([(datetime.datetime(2020, 1, 1, 3),)], _parse_datatype_string("a date"))
    assert dates.column(0).to_pylist() == [datetime.date(2020, 1, 1)]
    text = rows_to_arrow([(1,), (True,), ("x",)], _parse_datatype_string("a string"), verify=False)
    assert text.column(0).to_pylist() == ["1", "true", "x"]
    assert rows_to_arrow([(), ()], StructType([])).num_rows == 2


def test_arrow_to_rows_returns_python_values_as_pyspark_collect_does():
    utc_noon = datetime.datetime(2020, 1, 1, 12, tzinfo=datetime.timezone.utc)
    batch = pa.record_batch({
        "b": pa.array([b"x"], pa.binary()),
        "ts": pa.array([utc_noon], pa.timestamp("us", tz="UTC")),
        "m": pa.array([[("a", 1)]], pa.map_(pa.string(), pa.int32())),
        "s": pa.array([{"p": 1, "q": "z"}], pa.struct([("p", pa.int32()), ("q", pa.string())])),
        "dict": pa.array(["v"]).dictionary_encode(),
    })
    (row,) = arrow_to_rows(batch)
    assert row == Row(b=b"x", ts=datetime.datetime.fromtimestamp(utc_noon.timestamp()),
                      m={"a": 1}, s=Row(p=1, q="z"), dict="v")
    assert type(row.b) is bytes and row.ts.tzinfo is None and row.s.__fields__ == ["p", "q"]
