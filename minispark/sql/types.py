"""Spark SQL data types with PySpark's names, reprs, JSON forms and conversions.

Also here: the mapping between these types and Arrow types
(``to_arrow_type`` / ``from_arrow_type`` / ``to_arrow_schema`` /
``from_arrow_schema``), which every columnar operator relies on, DDL schema
strings (``_parse_datatype_string``, through sqlglot) and schema inference
from Python values (``_infer_type`` / ``_infer_schema`` / ``_merge_type``).

>>> StructType([StructField("name", StringType()), StructField("age", IntegerType(), False)])
StructType([StructField('name', StringType(), True), StructField('age', IntegerType(), False)])
>>> _parse_datatype_string("name STRING, age INT").simpleString()
'struct<name:string,age:int>'
"""
from __future__ import annotations

import array
import calendar
import datetime
import decimal
import json
import re
import time
from typing import Any, Callable, Iterable, Iterator, Optional, Union

import pyarrow as pa

from minispark.errors import PySparkIndexError, PySparkKeyError, PySparkTypeError, PySparkValueError
from minispark.sql.row import Row, _create_row

__all__ = [
    "DataType", "NullType", "StringType", "CharType", "VarcharType", "BinaryType", "BooleanType",
    "DateType", "TimestampType", "TimestampNTZType", "DecimalType", "DoubleType", "FloatType",
    "ByteType", "ShortType", "IntegerType", "LongType", "DayTimeIntervalType",
    "YearMonthIntervalType", "CalendarIntervalType", "TimeType", "VariantType", "ArrayType",
    "MapType", "StructField", "StructType", "AtomicType", "NumericType", "IntegralType",
    "FractionalType", "Row", "to_arrow_type", "from_arrow_type", "to_arrow_schema",
    "from_arrow_schema",
]

_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
_EPOCH_NAIVE = datetime.datetime(1970, 1, 1)
_MICROS = 1_000_000


class DataType:
    """Base class of every data type.

    Types compare equal when they are of the same class with the same
    parameters, so ``DecimalType(10, 2) == DecimalType(10, 2)``.
    """

    def __repr__(self) -> str:
        return type(self).__name__ + "()"

    def __hash__(self) -> int:
        return hash(repr(self))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self.__dict__ == other.__dict__

    def __ne__(self, other: object) -> bool:
        return not self == other

    @classmethod
    def typeName(cls) -> str:
        """The type's name in JSON and in ``printSchema``: ``IntegerType.typeName() == 'integer'``.

        >>> LongType.typeName(), ArrayType.typeName()
        ('long', 'array')
        """
        return cls.__name__[: -len("Type")].lower()

    def simpleString(self) -> str:
        """The SQL name of the type, as ``DataFrame.dtypes`` shows it.

        >>> IntegerType().simpleString(), ArrayType(LongType()).simpleString()
        ('int', 'array<bigint>')
        """
        return self.typeName()

    def jsonValue(self) -> Union[str, dict[str, Any]]:
        """The type as a JSON-compatible value (a name, or a dict for nested types)."""
        return self.typeName()

    def json(self) -> str:
        """The type as compact JSON with sorted keys, as Spark stores schemas.

        >>> ArrayType(IntegerType()).json()
        '{"containsNull":true,"elementType":"integer","type":"array"}'
        """
        return json.dumps(self.jsonValue(), separators=(",", ":"), sort_keys=True)

    def needConversion(self) -> bool:
        """Whether Python values of this type differ from their internal SQL form."""
        return False

    def toInternal(self, obj: Any) -> Any:
        """A Python value to its internal SQL form."""
        return obj

    def fromInternal(self, obj: Any) -> Any:
        """An internal SQL value back to its Python form."""
        return obj

    @classmethod
    def fromDDL(cls, ddl: str) -> "DataType":
        """Parse a DDL type or schema string.

        >>> DataType.fromDDL("b string, a int")
        StructType([StructField('b', StringType(), True), StructField('a', IntegerType(), True)])
        """
        return _parse_datatype_string(ddl)

    def _tree_name(self) -> str:
        """The name ``printSchema`` shows (Spark's Scala ``typeName``)."""
        value = self.jsonValue()
        return value if isinstance(value, str) else self.typeName()


class _Singleton(type):
    """Metaclass making each parameterless type a single shared instance."""

    def __call__(cls) -> Any:
        instance = cls.__dict__.get("_instance")
        if instance is None:
            instance = super().__call__()
            cls._instance = instance
        return instance


class NullType(DataType, metaclass=_Singleton):
    """The type of ``None``; shown as ``void``.

    >>> NullType().simpleString()
    'void'
    """

    @classmethod
    def typeName(cls) -> str:
        return "void"


class AtomicType(DataType):
    """Types that are not nested: numbers, strings, binary, booleans, dates, timestamps."""


class NumericType(AtomicType):
    """Numeric types."""


class IntegralType(NumericType, metaclass=_Singleton):
    """Integer types."""


class FractionalType(NumericType):
    """Floating point and decimal types."""


class StringType(AtomicType):
    """Character strings; a collation other than ``UTF8_BINARY`` is only carried, not applied.

    >>> StringType(), StringType("UTF8_LCASE").simpleString()
    (StringType(), 'string collate UTF8_LCASE')
    """

    def __init__(self, collation: str = "UTF8_BINARY") -> None:
        self.collation = collation

    def _collated(self) -> bool:
        return self.collation != "UTF8_BINARY"

    def simpleString(self) -> str:
        return f"string collate {self.collation}" if self._collated() else "string"

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return f"StringType('{self.collation}')" if self._collated() else "StringType()"

    def _tree_name(self) -> str:
        return "string"


class CharType(AtomicType):
    """Fixed-length strings, ``char(n)``; values are plain ``str``."""

    def __init__(self, length: int) -> None:
        self.length = length

    def simpleString(self) -> str:
        return f"char({self.length})"

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return f"CharType({self.length})"


class VarcharType(AtomicType):
    """Strings of bounded length, ``varchar(n)``; values are plain ``str``."""

    def __init__(self, length: int) -> None:
        self.length = length

    def simpleString(self) -> str:
        return f"varchar({self.length})"

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return f"VarcharType({self.length})"


class BinaryType(AtomicType, metaclass=_Singleton):
    """Byte strings; collected as ``bytes`` (PySpark 4's default)."""


class BooleanType(AtomicType, metaclass=_Singleton):
    """``True`` / ``False``."""


class DateType(AtomicType, metaclass=_Singleton):
    """Calendar dates; internally days since 1970-01-01.

    >>> DateType().toInternal(datetime.date(1970, 1, 11))
    10
    >>> DateType().fromInternal(10)
    datetime.date(1970, 1, 11)
    """

    def needConversion(self) -> bool:
        return True

    def toInternal(self, d: Optional[datetime.date]) -> Optional[int]:
        return None if d is None else d.toordinal() - _EPOCH_ORDINAL

    def fromInternal(self, v: Optional[int]) -> Optional[datetime.date]:
        return None if v is None else datetime.date.fromordinal(v + _EPOCH_ORDINAL)


class TimestampType(AtomicType, metaclass=_Singleton):
    """Instants; internally microseconds since the epoch (UTC).

    A naive ``datetime`` means local wall-clock time, as in PySpark, and
    values come back as naive local ``datetime`` objects.

    >>> utc = datetime.timezone.utc
    >>> TimestampType().toInternal(datetime.datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=utc))
    1000005
    """

    def needConversion(self) -> bool:
        return True

    def toInternal(self, dt: Optional[datetime.datetime]) -> Optional[int]:
        if dt is None:
            return None
        if dt.tzinfo is None:
            seconds = time.mktime(dt.timetuple())
        else:
            seconds = calendar.timegm(dt.utctimetuple())
        return int(seconds) * _MICROS + dt.microsecond

    def fromInternal(self, ts: Optional[int]) -> Optional[datetime.datetime]:
        if ts is None:
            return None
        return datetime.datetime.fromtimestamp(ts // _MICROS).replace(microsecond=ts % _MICROS)


class TimestampNTZType(AtomicType, metaclass=_Singleton):
    """Wall-clock timestamps without a time zone; internally microseconds from 1970-01-01 00:00.

    >>> TimestampNTZType().fromInternal(TimestampNTZType().toInternal(datetime.datetime(2020, 5, 1, 3)))
    datetime.datetime(2020, 5, 1, 3, 0)
    """

    @classmethod
    def typeName(cls) -> str:
        return "timestamp_ntz"

    def needConversion(self) -> bool:
        return True

    def toInternal(self, dt: Optional[datetime.datetime]) -> Optional[int]:
        if dt is None:
            return None
        return calendar.timegm(dt.timetuple()) * _MICROS + dt.microsecond

    def fromInternal(self, ts: Optional[int]) -> Optional[datetime.datetime]:
        return None if ts is None else _EPOCH_NAIVE + datetime.timedelta(microseconds=ts)


class DecimalType(FractionalType):
    """Fixed-point decimals with ``precision`` digits, ``scale`` of them after the point.

    >>> DecimalType(), DecimalType(5, 2).simpleString()
    (DecimalType(10,0), 'decimal(5,2)')
    """

    def __init__(self, precision: int = 10, scale: int = 0) -> None:
        if not 0 < precision <= 38 or not 0 <= scale <= precision:
            raise PySparkValueError(
                "INVALID_DECIMAL", f"decimal({precision},{scale}) needs 1 <= precision <= 38 "
                "and 0 <= scale <= precision"
            )
        self.precision = precision
        self.scale = scale
        self.hasPrecisionInfo = True

    def simpleString(self) -> str:
        return f"decimal({self.precision},{self.scale})"

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return f"DecimalType({self.precision},{self.scale})"


class DoubleType(FractionalType, metaclass=_Singleton):
    """64-bit floating point numbers."""


class FloatType(FractionalType, metaclass=_Singleton):
    """32-bit floating point numbers."""


class ByteType(IntegralType):
    """8-bit signed integers (``tinyint``)."""

    def simpleString(self) -> str:
        return "tinyint"


class ShortType(IntegralType):
    """16-bit signed integers (``smallint``)."""

    def simpleString(self) -> str:
        return "smallint"


class IntegerType(IntegralType):
    """32-bit signed integers (``int``)."""

    def simpleString(self) -> str:
        return "int"


class LongType(IntegralType):
    """64-bit signed integers (``bigint``)."""

    def simpleString(self) -> str:
        return "bigint"


class _IntervalType(AtomicType):
    """Shared shape of the ANSI interval types: a range of fields, start to end."""

    _FIELDS: tuple[str, ...] = ()

    def __init__(self, startField: Optional[int] = None, endField: Optional[int] = None) -> None:
        if startField is None and endField is None:
            startField, endField = 0, len(self._FIELDS) - 1
        elif endField is None:
            endField = startField
        last = len(self._FIELDS) - 1
        if not (0 <= startField <= last and startField <= endField <= last):  # type: ignore[operator]
            raise PySparkValueError(
                "INVALID_INTERVAL_CASTING", f"interval fields {startField} to {endField} are invalid "
                f"for {type(self).__name__} (fields: {', '.join(self._FIELDS)})"
            )
        self.startField = startField
        self.endField = endField

    def simpleString(self) -> str:
        start, end = self._FIELDS[self.startField].lower(), self._FIELDS[self.endField].lower()
        return f"interval {start}" if start == end else f"interval {start} to {end}"

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.startField}, {self.endField})"


class DayTimeIntervalType(_IntervalType):
    """Day-time intervals; Python ``timedelta``, internally microseconds.

    >>> DayTimeIntervalType(), DayTimeIntervalType(1).simpleString()
    (DayTimeIntervalType(0, 3), 'interval hour')
    >>> DayTimeIntervalType().toInternal(datetime.timedelta(seconds=1, microseconds=2))
    1000002
    """

    DAY, HOUR, MINUTE, SECOND = 0, 1, 2, 3
    _FIELDS = ("DAY", "HOUR", "MINUTE", "SECOND")

    @classmethod
    def typeName(cls) -> str:
        return "daytimeinterval"

    def needConversion(self) -> bool:
        return True

    def toInternal(self, dt: Optional[datetime.timedelta]) -> Optional[int]:
        if dt is None:
            return None
        return (dt.days * 86400 + dt.seconds) * _MICROS + dt.microseconds

    def fromInternal(self, micros: Optional[int]) -> Optional[datetime.timedelta]:
        return None if micros is None else datetime.timedelta(microseconds=micros)


class YearMonthIntervalType(_IntervalType):
    """Year-month intervals, internally a number of months (no Arrow mapping, as in PySpark)."""

    YEAR, MONTH = 0, 1
    _FIELDS = ("YEAR", "MONTH")

    @classmethod
    def typeName(cls) -> str:
        return "yearmonthinterval"

    def needConversion(self) -> bool:
        return True


class TimeType(AtomicType):
    """Time of day with ``precision`` fractional-second digits; Python ``datetime.time``.

    >>> TimeType().simpleString(), TimeType().toInternal(datetime.time(0, 0, 1))
    ('time(6)', 1000000000)
    """

    def __init__(self, precision: int = 6) -> None:
        self.precision = precision

    def simpleString(self) -> str:
        return f"time({self.precision})"

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return f"TimeType({self.precision})"

    def needConversion(self) -> bool:
        return True

    def toInternal(self, t: Optional[datetime.time]) -> Optional[int]:
        if t is None:
            return None
        micros = ((t.hour * 60 + t.minute) * 60 + t.second) * _MICROS + t.microsecond
        return micros * 1000

    def fromInternal(self, nanos: Optional[int]) -> Optional[datetime.time]:
        if nanos is None:
            return None
        seconds, micros = divmod(nanos // 1000, _MICROS)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return datetime.time(hour, minute, second, micros)


class CalendarIntervalType(DataType, metaclass=_Singleton):
    """Spark's legacy ``interval`` type (months, days, microseconds); type only."""

    @classmethod
    def typeName(cls) -> str:
        return "interval"

    def needConversion(self) -> bool:
        return True


class VariantType(AtomicType, metaclass=_Singleton):
    """Semi-structured values; the type is known, values are not supported yet."""

    def needConversion(self) -> bool:
        return True


class ArrayType(DataType):
    """Arrays of ``elementType``; ``containsNull`` says whether elements may be null.

    >>> ArrayType(StringType())
    ArrayType(StringType(), True)
    """

    def __init__(self, elementType: DataType, containsNull: bool = True) -> None:
        _require_type(elementType, "elementType")
        self.elementType = elementType
        self.containsNull = containsNull

    def simpleString(self) -> str:
        return f"array<{self.elementType.simpleString()}>"

    def __repr__(self) -> str:
        return f"ArrayType({self.elementType!r}, {self.containsNull})"

    def jsonValue(self) -> dict[str, Any]:
        return {"type": "array", "elementType": self.elementType.jsonValue(),
                "containsNull": self.containsNull}

    def toNullable(self) -> "ArrayType":
        """The same type with nullable elements (and fields), at every depth.

        >>> ArrayType(IntegerType(), containsNull=False).toNullable()
        ArrayType(IntegerType(), True)
        """
        return _as_nullable(self)  # type: ignore[return-value]

    @classmethod
    def fromJson(cls, json: dict[str, Any]) -> "ArrayType":
        """Rebuild from ``jsonValue()``."""
        return cls(_parse_datatype_json_value(json["elementType"]), json["containsNull"])

    def needConversion(self) -> bool:
        return self.elementType.needConversion()

    def toInternal(self, obj: Any) -> Any:
        if obj is None or not self.needConversion():
            return obj
        return [self.elementType.toInternal(v) for v in obj]

    def fromInternal(self, obj: Any) -> Any:
        if obj is None or not self.needConversion():
            return obj
        return [self.elementType.fromInternal(v) for v in obj]


class MapType(DataType):
    """Maps from ``keyType`` to ``valueType``; keys are never null.

    >>> MapType(StringType(), IntegerType()).simpleString()
    'map<string,int>'
    """

    def __init__(self, keyType: DataType, valueType: DataType, valueContainsNull: bool = True) -> None:
        _require_type(keyType, "keyType")
        _require_type(valueType, "valueType")
        self.keyType = keyType
        self.valueType = valueType
        self.valueContainsNull = valueContainsNull

    def simpleString(self) -> str:
        return f"map<{self.keyType.simpleString()},{self.valueType.simpleString()}>"

    def __repr__(self) -> str:
        return f"MapType({self.keyType!r}, {self.valueType!r}, {self.valueContainsNull})"

    def jsonValue(self) -> dict[str, Any]:
        return {"type": "map", "keyType": self.keyType.jsonValue(),
                "valueType": self.valueType.jsonValue(),
                "valueContainsNull": self.valueContainsNull}

    def toNullable(self) -> "MapType":
        """The same type with nullable values (and fields), at every depth.

        >>> MapType(IntegerType(), StringType(), False).toNullable()
        MapType(IntegerType(), StringType(), True)
        """
        return _as_nullable(self)  # type: ignore[return-value]

    @classmethod
    def fromJson(cls, json: dict[str, Any]) -> "MapType":
        """Rebuild from ``jsonValue()``."""
        return cls(_parse_datatype_json_value(json["keyType"]),
                   _parse_datatype_json_value(json["valueType"]), json["valueContainsNull"])

    def needConversion(self) -> bool:
        return self.keyType.needConversion() or self.valueType.needConversion()

    def toInternal(self, obj: Any) -> Any:
        if obj is None or not self.needConversion():
            return obj
        key, value = self.keyType.toInternal, self.valueType.toInternal
        return {key(k): value(v) for k, v in obj.items()}

    def fromInternal(self, obj: Any) -> Any:
        if obj is None or not self.needConversion():
            return obj
        key, value = self.keyType.fromInternal, self.valueType.fromInternal
        return {key(k): value(v) for k, v in obj.items()}


class StructField(DataType):
    """One named field of a ``StructType``.

    >>> StructField("age", IntegerType(), False)
    StructField('age', IntegerType(), False)
    >>> StructField("age", IntegerType()).simpleString()
    'age:int'
    """

    def __init__(self, name: str, dataType: DataType, nullable: bool = True,
                 metadata: Optional[dict[str, Any]] = None) -> None:
        if not isinstance(name, str):
            raise PySparkTypeError("NOT_STR", f"Argument `name` should be a str, got {type(name).__name__}.")
        _require_type(dataType, "dataType")
        self.name = name
        self.dataType = dataType
        self.nullable = nullable
        self.metadata = metadata or {}

    def simpleString(self) -> str:
        return f"{self.name}:{self.dataType.simpleString()}"

    def __repr__(self) -> str:
        return f"StructField('{self.name}', {self.dataType!r}, {self.nullable})"

    def jsonValue(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.dataType.jsonValue(),
                "nullable": self.nullable, "metadata": self.metadata}

    @classmethod
    def fromJson(cls, json: dict[str, Any]) -> "StructField":
        """Rebuild from ``jsonValue()``."""
        return cls(json["name"], _parse_datatype_json_value(json["type"]), json.get("nullable", True),
                   json.get("metadata"))

    def needConversion(self) -> bool:
        return self.dataType.needConversion()

    def toInternal(self, obj: Any) -> Any:
        return self.dataType.toInternal(obj)

    def fromInternal(self, obj: Any) -> Any:
        return self.dataType.fromInternal(obj)

    def typeName(self) -> str:  # type: ignore[override]
        raise PySparkTypeError(
            "INVALID_TYPENAME_CALL", "StructField does not have typeName. "
            "Use typeName on its type explicitly instead."
        )


class StructType(DataType):
    """A list of ``StructField``: the schema of a DataFrame, or a nested struct.

    >>> schema = StructType().add("name", StringType()).add("age", IntegerType(), False)
    >>> schema.fieldNames(), schema["age"], schema[0].name
    (['name', 'age'], StructField('age', IntegerType(), False), 'name')
    >>> print(schema.treeString())
    root
     |-- name: string (nullable = true)
     |-- age: integer (nullable = false)
    <BLANKLINE>
    """

    def __init__(self, fields: Optional[list[StructField]] = None) -> None:
        self.fields: list[StructField] = []
        self.names: list[str] = []
        for field in fields or []:
            self._append(field)

    def _append(self, field: StructField) -> None:
        if not isinstance(field, StructField):
            raise PySparkTypeError(
                "NOT_STRUCTFIELD", f"fields should be StructField, got {type(field).__name__}."
            )
        self.fields.append(field)
        self.names.append(field.name)

    def add(self, field: Union[str, StructField], data_type: Union[str, DataType, None] = None,
            nullable: bool = True, metadata: Optional[dict[str, Any]] = None) -> "StructType":
        """Append a field (a ``StructField``, or a name and a type) and return ``self``.

        A type given as a string is a JSON type name (``"integer"``, ``"string"``).

        >>> StructType().add("f1", "string", True).add(StructField("f2", LongType()))
        StructType([StructField('f1', StringType(), True), StructField('f2', LongType(), True)])
        """
        if isinstance(field, StructField):
            self._append(field)
            return self
        if data_type is None:
            raise PySparkValueError("ARGUMENT_REQUIRED", "Argument `data_type` is required when passing name "
                             "of struct_field to create.")
        if isinstance(data_type, str):
            data_type = _parse_datatype_json_value(data_type)
        self._append(StructField(field, data_type, nullable, metadata))
        return self

    def fieldNames(self) -> list[str]:
        """The names of the fields, in order.

        >>> StructType([StructField("f1", StringType())]).fieldNames()
        ['f1']
        """
        return list(self.names)

    def __iter__(self) -> Iterator[StructField]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __getitem__(self, key: Union[str, int, slice]) -> Any:
        if isinstance(key, str):
            for field in self.fields:
                if field.name == key:
                    return field
            raise PySparkKeyError("KEY_NOT_EXISTS", f"Key `{key}` does not exist.")
        if isinstance(key, int):
            try:
                return self.fields[key]
            except IndexError:
                raise PySparkIndexError(
                    "INDEX_OUT_OF_RANGE", f"StructType index out of range, got '{key}'."
                ) from None
        if isinstance(key, slice):
            return StructType(self.fields[key])
        raise PySparkTypeError(
            "NOT_INT_OR_SLICE_OR_STR", "Argument `key` should be an int, a slice or a str, "
            f"got {type(key).__name__}."
        )

    def simpleString(self) -> str:
        return "struct<" + ",".join(f.simpleString() for f in self.fields) + ">"

    def __repr__(self) -> str:
        return "StructType([" + ", ".join(repr(f) for f in self.fields) + "])"

    def jsonValue(self) -> dict[str, Any]:
        return {"type": "struct", "fields": [f.jsonValue() for f in self.fields]}

    @classmethod
    def fromJson(cls, json: dict[str, Any]) -> "StructType":
        """Rebuild from ``jsonValue()``.

        >>> s = StructType([StructField("a", ArrayType(LongType()))])
        >>> StructType.fromJson(s.jsonValue()) == s
        True
        """
        return cls([StructField.fromJson(f) for f in json["fields"]])

    def treeString(self, level: Optional[int] = None) -> str:
        """The schema as ``printSchema()`` prints it, down to ``level`` nesting levels.

        >>> s = StructType([StructField("a", ArrayType(StructType([StructField("b", LongType())])))])
        >>> print(s.treeString(), end="")
        root
         |-- a: array (nullable = true)
         |    |-- element: struct (containsNull = true)
         |    |    |-- b: long (nullable = true)
        """
        lines = ["root"]
        _tree_lines(self, 1, level if level and level > 0 else None, lines)
        return "\n".join(lines) + "\n"

    def needConversion(self) -> bool:
        return True

    def toInternal(self, obj: Any) -> Optional[tuple]:
        """A row given as a tuple, ``Row``, dict or object to a tuple in field order."""
        if obj is None:
            return None
        values = _values_by_field(self.names, obj)
        return tuple(f.toInternal(v) if f.needConversion() else v for f, v in zip(self.fields, values))

    def fromInternal(self, obj: Any) -> Optional[Row]:
        """A tuple of internal values to a ``Row`` with this struct's field names."""
        if obj is None or isinstance(obj, Row):
            return obj
        values = [f.fromInternal(v) if f.needConversion() else v for f, v in zip(self.fields, obj)]
        return _create_row(self.names, values)

    def toNullable(self) -> "StructType":
        """The same struct with every field, at every depth, nullable."""
        return _as_nullable(self)  # type: ignore[return-value]

    def toDDL(self) -> str:
        """The schema as a DDL string (``a INT NOT NULL,b STRING``).

        >>> StructType.fromDDL("a int not null, b string comment 'hi'").toDDL()
        "a INT NOT NULL,b STRING COMMENT 'hi'"
        """
        return ",".join(_field_ddl(f) for f in self.fields)


def _field_ddl(field: StructField) -> str:
    name = field.name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", field.name) else (
        "`" + field.name.replace("`", "``") + "`")
    parts = [name, _type_ddl(field.dataType)]
    if not field.nullable:
        parts.append("NOT NULL")
    comment = field.metadata.get("comment")
    if comment is not None:
        parts.append("COMMENT '" + str(comment).replace("\\", "\\\\").replace("'", "\\'") + "'")
    return " ".join(parts)


def _type_ddl(data_type: DataType) -> str:
    if isinstance(data_type, StructType):
        return "STRUCT<" + ", ".join(_field_ddl(f).replace(" ", ": ", 1) for f in data_type) + ">"
    if isinstance(data_type, ArrayType):
        return f"ARRAY<{_type_ddl(data_type.elementType)}>"
    if isinstance(data_type, MapType):
        return f"MAP<{_type_ddl(data_type.keyType)}, {_type_ddl(data_type.valueType)}>"
    return data_type.simpleString().upper()


def _as_nullable(data_type: DataType) -> DataType:
    if isinstance(data_type, StructType):
        return StructType([StructField(f.name, _as_nullable(f.dataType), True, f.metadata)
                           for f in data_type])
    if isinstance(data_type, ArrayType):
        return ArrayType(_as_nullable(data_type.elementType), True)
    if isinstance(data_type, MapType):
        return MapType(_as_nullable(data_type.keyType), _as_nullable(data_type.valueType), True)
    return data_type


def _require_type(value: Any, name: str) -> None:
    if not isinstance(value, DataType):
        raise PySparkTypeError(
            "NOT_DATATYPE", f"Argument `{name}` should be a DataType, got {type(value).__name__}."
        )


def _values_by_field(names: list[str], obj: Any) -> list[Any]:
    """The values of a row-like object in field order (by name for dicts and keyword Rows)."""
    if isinstance(obj, dict):
        return [obj.get(n) for n in names]
    if isinstance(obj, Row) and getattr(obj, "__from_dict__", False):
        return [obj[n] if n in obj.__fields__ else None for n in names]
    if isinstance(obj, (tuple, list)):
        return list(obj)
    if hasattr(obj, "__dict__"):
        return [obj.__dict__.get(n) for n in names]
    raise PySparkTypeError("UNEXPECTED_TYPE", f"Unexpected type {type(obj).__name__} for a struct value: "
                    f"{obj!r}")


# -- printSchema ---------------------------------------------------------------


def _tree_lines(data_type: DataType, depth: int, max_depth: Optional[int], out: list[str]) -> None:
    """Append the tree lines of the children of a nested type at ``depth``."""
    if max_depth is not None and depth > max_depth:
        return
    prefix = " |   " * (depth - 1) + " |-- "
    children: list[tuple[str, DataType, str]] = []
    if isinstance(data_type, StructType):
        children = [(f.name, f.dataType, f" (nullable = {_bool(f.nullable)})") for f in data_type]
    elif isinstance(data_type, ArrayType):
        children = [("element", data_type.elementType,
                     f" (containsNull = {_bool(data_type.containsNull)})")]
    elif isinstance(data_type, MapType):
        children = [("key", data_type.keyType, ""),
                     ("value", data_type.valueType,
                      f" (valueContainsNull = {_bool(data_type.valueContainsNull)})")]
    for name, child, suffix in children:
        out.append(f"{prefix}{name}: {child._tree_name()}{suffix}")
        _tree_lines(child, depth + 1, max_depth, out)


def _bool(value: bool) -> str:
    return "true" if value else "false"


# -- JSON type names -----------------------------------------------------------

_SIMPLE_BY_NAME: dict[str, DataType] = {
    t.jsonValue(): t  # type: ignore[misc]
    for t in (NullType(), StringType(), BinaryType(), BooleanType(), DateType(), TimestampType(),
              TimestampNTZType(), DoubleType(), FloatType(), ByteType(), ShortType(),
              IntegerType(), LongType(), CalendarIntervalType(), VariantType())
}
_SIMPLE_BY_NAME["null"] = NullType()
_SIMPLE_BY_NAME["decimal"] = DecimalType()

_PARAMETRIC_JSON: list[tuple[re.Pattern[str], Callable[..., DataType]]] = [
    (re.compile(r"decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\)"), lambda p, s: DecimalType(int(p), int(s))),
    (re.compile(r"char\(\s*(\d+)\s*\)"), lambda n: CharType(int(n))),
    (re.compile(r"varchar\(\s*(\d+)\s*\)"), lambda n: VarcharType(int(n))),
    (re.compile(r"time\(\s*(\d+)\s*\)"), lambda n: TimeType(int(n))),
    (re.compile(r"string collate (\w+)"), StringType),
    (re.compile(r"interval (day|hour|minute|second)(?: to (day|hour|minute|second))?"),
     lambda a, b=None: _interval(DayTimeIntervalType, a, b)),
    (re.compile(r"interval (year|month)(?: to (year|month))?"),
     lambda a, b=None: _interval(YearMonthIntervalType, a, b)),
]


def _interval(cls: type, start: str, end: Optional[str]) -> DataType:
    fields = cls._FIELDS  # type: ignore[attr-defined]
    first = fields.index(start.upper())
    return cls(first, fields.index(end.upper()) if end else first)


def _parse_datatype_json_value(value: Union[str, dict[str, Any]]) -> DataType:
    """A type from its ``jsonValue()`` form.

    >>> _parse_datatype_json_value("decimal(5,2)"), _parse_datatype_json_value("integer")
    (DecimalType(5,2), IntegerType())
    """
    if isinstance(value, dict):
        kind = value.get("type")
        builders = {"struct": StructType.fromJson, "array": ArrayType.fromJson,
                    "map": MapType.fromJson}
        if kind in builders:
            return builders[kind](value)  # type: ignore[operator]
        raise PySparkValueError("UNSUPPORTED_DATA_TYPE", f"Unsupported JSON data type: {value!r}")
    if value in _SIMPLE_BY_NAME:
        return _SIMPLE_BY_NAME[value]
    for pattern, build in _PARAMETRIC_JSON:
        match = pattern.fullmatch(value)
        if match:
            return build(*(g for g in match.groups() if g is not None))
    raise PySparkValueError("CANNOT_PARSE_DATATYPE", f"Unable to parse datatype. {value}.")


def _parse_datatype_json_string(text: str) -> DataType:
    """A type from its ``json()`` string.

    >>> _parse_datatype_json_string(MapType(StringType(), LongType()).json())
    MapType(StringType(), LongType(), True)
    """
    return _parse_datatype_json_value(json.loads(text))


def _parse_datatype_string(text: str) -> DataType:
    """A DDL type or schema string, parsed with sqlglot's Spark dialect.

    Accepts a schema (``"a INT, b STRING"``, ``"a: int, b: array<string>"``,
    with ``NOT NULL`` and ``COMMENT``) or one type (``"map<string,int>"``).

    >>> _parse_datatype_string("a: int, b: array<string>")
    StructType([StructField('a', IntegerType(), True), StructField('b', ArrayType(StringType(), True), True)])
    >>> _parse_datatype_string("decimal(10, 2)")
    DecimalType(10,2)
    """
    from minispark.sql.ddl import parse_datatype_string  # ddl builds types: import when used

    return parse_datatype_string(text)


# -- inference from Python values -----------------------------------------------

_ARRAY_TYPECODES: dict[str, DataType] = {
    "b": ByteType(), "h": ShortType(), "i": IntegerType(), "l": LongType(), "q": LongType(),
    "B": ShortType(), "H": IntegerType(), "I": LongType(), "f": FloatType(), "d": DoubleType(),
    "u": StringType(),
}


def _infer_type(obj: Any, infer_dict_as_struct: bool = False,
                infer_array_from_first_element: bool = False,
                infer_map_from_first_pair: bool = False,
                prefer_timestamp_ntz: bool = False) -> DataType:
    """The SQL type of one Python value, as ``createDataFrame`` infers it.

    >>> _infer_type(1), _infer_type([1.5, None]), _infer_type({"a": "x"})
    (LongType(), ArrayType(DoubleType(), True), MapType(StringType(), StringType(), True))
    """
    options = (infer_dict_as_struct, infer_array_from_first_element, infer_map_from_first_pair,
               prefer_timestamp_ntz)
    atomic = _infer_atomic(obj, prefer_timestamp_ntz)
    if atomic is not None:
        return atomic
    if isinstance(obj, dict):
        if infer_dict_as_struct:
            return _infer_schema(obj, None, *options)
        return _infer_map(obj, options)
    if isinstance(obj, list):
        return ArrayType(_infer_elements(obj, options), True)
    if isinstance(obj, array.array):
        if obj.typecode not in _ARRAY_TYPECODES:
            raise PySparkTypeError("UNSUPPORTED_DATA_TYPE", f"Unsupported DataType `array({obj.typecode})`.")
        return ArrayType(_ARRAY_TYPECODES[obj.typecode], False)
    if isinstance(obj, tuple) or hasattr(obj, "__dict__"):
        return _infer_schema(obj, None, *options)
    raise PySparkTypeError("UNSUPPORTED_DATA_TYPE", f"Unsupported DataType `{type(obj).__name__}`.")


def _infer_atomic(obj: Any, prefer_timestamp_ntz: bool) -> Optional[DataType]:
    """The type of a non-nested value, or None if ``obj`` is not one."""
    if obj is None:
        return NullType()
    if isinstance(obj, bool):
        return BooleanType()
    if isinstance(obj, int):
        return LongType()
    if isinstance(obj, float):
        return DoubleType()
    if isinstance(obj, str):
        return StringType()
    if isinstance(obj, (bytes, bytearray)):
        return BinaryType()
    if isinstance(obj, decimal.Decimal):
        return DecimalType(38, 18)
    if isinstance(obj, datetime.datetime):
        naive = obj.tzinfo is None
        return TimestampNTZType() if naive and prefer_timestamp_ntz else TimestampType()
    if isinstance(obj, datetime.date):
        return DateType()
    if isinstance(obj, datetime.time):
        return TimeType()
    if isinstance(obj, datetime.timedelta):
        return DayTimeIntervalType()
    return None


def _infer_elements(values: list[Any], options: tuple) -> DataType:
    present = [v for v in values if v is not None]
    if options[1] and present:
        return _infer_type(present[0], *options)
    merged: DataType = NullType()
    for value in present:
        merged = _merge_type(merged, _infer_type(value, *options))
    return merged


def _infer_map(obj: dict[Any, Any], options: tuple) -> MapType:
    pairs = [(k, v) for k, v in obj.items() if k is not None]
    if options[2]:
        pairs = [(k, v) for k, v in pairs if v is not None][:1]
    key: DataType = NullType()
    value: DataType = NullType()
    for k, v in pairs:
        key = _merge_type(key, _infer_type(k, *options))
        value = _merge_type(value, _infer_type(v, *options))
    return MapType(key, value, True)


def _row_items(row: Any, names: Optional[list[str]]) -> Iterable[tuple[str, Any]]:
    """``(name, value)`` pairs of a row-like object, in the order inference uses."""
    if isinstance(row, dict):
        return sorted(row.items())
    if isinstance(row, (tuple, list)):
        if hasattr(row, "__fields__"):
            return zip(row.__fields__, row)
        if hasattr(row, "_fields"):
            return zip(row._fields, row)
        given = list(names or [])
        given += [f"_{i}" for i in range(len(given) + 1, len(row) + 1)]
        return zip(given, row)
    if hasattr(row, "__dict__"):
        return sorted(row.__dict__.items())
    raise PySparkTypeError(
        "CANNOT_INFER_SCHEMA_FOR_TYPE", f"Can not infer schema for type: `{type(row).__name__}`."
    )


def _infer_schema(row: Any, names: Optional[list[str]] = None, infer_dict_as_struct: bool = False,
                  infer_array_from_first_element: bool = False,
                  infer_map_from_first_pair: bool = False,
                  prefer_timestamp_ntz: bool = False) -> StructType:
    """The schema of one row: a tuple, ``Row``, namedtuple, dict or object.

    Dicts and objects give their fields sorted by name; tuples are named
    ``_1, _2, ...`` after any ``names`` given.

    >>> _infer_schema(Row(name="a", age=1))
    StructType([StructField('name', StringType(), True), StructField('age', LongType(), True)])
    >>> _infer_schema((1, "x"), names=["id"]).fieldNames()
    ['id', '_2']
    """
    options = (infer_dict_as_struct, infer_array_from_first_element, infer_map_from_first_pair,
               prefer_timestamp_ntz)
    fields = []
    for name, value in _row_items(row, names):
        try:
            data_type = _infer_type(value, *options)
        except TypeError:
            raise PySparkTypeError(
                "CANNOT_INFER_TYPE_FOR_FIELD", f"Unable to infer the type of the field `{name}`."
            ) from None
        fields.append(StructField(name, data_type, True))
    return StructType(fields)


def _merge_type(a: DataType, b: DataType, name: Optional[str] = None) -> DataType:
    """The type covering two inferred types; ``None`` values (NullType) merge with anything.

    Any atomic type merges with a string into a string; other different types
    raise ``CANNOT_MERGE_TYPE``; structs merge field by field.

    >>> _merge_type(NullType(), LongType()), _merge_type(LongType(), StringType())
    (LongType(), StringType())
    >>> _merge_type(LongType(), DoubleType())
    Traceback (most recent call last):
    ...
    minispark.errors.exceptions.base.PySparkTypeError: [CANNOT_MERGE_TYPE] Can not merge type `LongType` and `DoubleType`.
    """
    if isinstance(a, NullType):
        return b
    if isinstance(b, NullType):
        return a
    if {type(a), type(b)} == {TimestampType, TimestampNTZType}:
        return TimestampType()
    if isinstance(b, StringType) and isinstance(a, AtomicType):
        return b
    if isinstance(a, StringType) and isinstance(b, AtomicType):
        return a
    if type(a) is not type(b):
        where = f" (in {name})" if name else ""
        raise PySparkTypeError("CANNOT_MERGE_TYPE", f"Can not merge type `{type(a).__name__}` and "
                        f"`{type(b).__name__}`.{where}")
    if isinstance(a, StructType):
        return _merge_structs(a, b, name)  # type: ignore[arg-type]
    if isinstance(a, ArrayType):
        return ArrayType(_merge_type(a.elementType, b.elementType,  # type: ignore[attr-defined]
                                     f"element in array {name or ''}".rstrip()), True)
    if isinstance(a, MapType):
        key = _merge_type(a.keyType, b.keyType, f"key of map {name or ''}".rstrip())  # type: ignore[attr-defined]
        value = _merge_type(a.valueType, b.valueType,  # type: ignore[attr-defined]
                            f"value of map {name or ''}".rstrip())
        return MapType(key, value, True)
    return a


def _merge_structs(a: StructType, b: StructType, name: Optional[str]) -> StructType:
    others = {f.name: f.dataType for f in b}
    where = (lambda n: f"field {n} in {name}") if name else (lambda n: f"field {n}")
    fields = [StructField(f.name, _merge_type(f.dataType, others.get(f.name, NullType()), where(f.name)))
              for f in a]
    known = set(a.names)
    fields += [StructField(n, t) for n, t in others.items() if n not in known]
    return StructType(fields)


# -- Arrow ----------------------------------------------------------------------

_TO_ARROW: dict[type, Callable[[], pa.DataType]] = {
    NullType: pa.null, BooleanType: pa.bool_, ByteType: pa.int8, ShortType: pa.int16,
    IntegerType: pa.int32, LongType: pa.int64, FloatType: pa.float32, DoubleType: pa.float64,
    StringType: pa.string, CharType: pa.string, VarcharType: pa.string, BinaryType: pa.binary,
    DateType: pa.date32, TimestampNTZType: lambda: pa.timestamp("us"),
    TimestampType: lambda: pa.timestamp("us", tz="UTC"),
    DayTimeIntervalType: lambda: pa.duration("us"), TimeType: lambda: pa.time64("us"),
    # The engine holds year-month intervals as a number of months (Spark's internal form).
    YearMonthIntervalType: pa.int32, CalendarIntervalType: pa.month_day_nano_interval,
    VariantType: lambda: pa.struct([pa.field("value", pa.binary(), False),
                                    pa.field("metadata", pa.binary(), False)]),
}


def to_arrow_type(data_type: DataType) -> pa.DataType:
    """The Arrow type that holds values of ``data_type``.

    Timestamps are UTC instants (``timestamp[us, tz=UTC]``);
    ``TimestampNTZType`` is ``timestamp[us]``; nested types keep their
    nullability in the child fields (``element``, ``key`` / ``value``).

    >>> to_arrow_type(ArrayType(IntegerType(), False))
    ListType(list<element: int32 not null>)
    >>> to_arrow_type(DecimalType(10, 2)), to_arrow_type(TimestampType())
    (Decimal128Type(decimal128(10, 2)), TimestampType(timestamp[us, tz=UTC]))
    """
    if isinstance(data_type, DecimalType):
        return pa.decimal128(data_type.precision, data_type.scale)
    if isinstance(data_type, ArrayType):
        return pa.list_(_arrow_field("element", data_type.elementType, data_type.containsNull))
    if isinstance(data_type, MapType):
        # Arrow map keys cannot be of the null type: ``map()``'s MAP<VOID, VOID> (always
        # empty) stores its keys as int8.
        key = pa.int8() if isinstance(data_type.keyType, NullType) else \
            to_arrow_type(data_type.keyType)
        return pa.map_(pa.field("key", key, False),
                       _arrow_field("value", data_type.valueType, data_type.valueContainsNull))
    if isinstance(data_type, StructType):
        return pa.struct([_to_arrow_field(f) for f in data_type])
    build = _TO_ARROW.get(type(data_type))
    if build is None:
        raise PySparkTypeError("UNSUPPORTED_DATA_TYPE_FOR_ARROW_CONVERSION", f"{data_type!r} is not "
                        "supported in conversion to Arrow.")
    return build()


def _arrow_field(name: str, data_type: DataType, nullable: bool) -> pa.Field:
    # Arrow's null type is always nullable.
    return pa.field(name, to_arrow_type(data_type), nullable or isinstance(data_type, NullType))


def _to_arrow_field(field: StructField) -> pa.Field:
    return _arrow_field(field.name, field.dataType, field.nullable)


def to_arrow_schema(schema: StructType) -> pa.Schema:
    """The Arrow schema of a DataFrame schema (field names, types and nullability).

    >>> to_arrow_schema(StructType([StructField("a", LongType(), False)]))
    a: int64 not null
    """
    return pa.schema([_to_arrow_field(f) for f in schema])


_FROM_ARROW: list[tuple[Callable[[pa.DataType], bool], Callable[[pa.DataType], DataType]]] = [
    (pa.types.is_null, lambda t: NullType()),
    (pa.types.is_boolean, lambda t: BooleanType()),
    (pa.types.is_int8, lambda t: ByteType()),
    (pa.types.is_int16, lambda t: ShortType()),
    (pa.types.is_int32, lambda t: IntegerType()),
    (pa.types.is_int64, lambda t: LongType()),
    # Unsigned integers widen to the next signed type that holds them, as Spark's Parquet reader.
    (pa.types.is_uint8, lambda t: ShortType()),
    (pa.types.is_uint16, lambda t: IntegerType()),
    (pa.types.is_uint32, lambda t: LongType()),
    (pa.types.is_uint64, lambda t: DecimalType(20, 0)),
    (pa.types.is_float16, lambda t: FloatType()),
    (pa.types.is_float32, lambda t: FloatType()),
    (pa.types.is_float64, lambda t: DoubleType()),
    (pa.types.is_decimal, lambda t: DecimalType(t.precision, t.scale)),
    (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t) or _is_view(t, "string_view"),
     lambda t: StringType()),
    (lambda t: (pa.types.is_binary(t) or pa.types.is_large_binary(t)
                or pa.types.is_fixed_size_binary(t) or _is_view(t, "binary_view")),
     lambda t: BinaryType()),
    (pa.types.is_date, lambda t: DateType()),
    (pa.types.is_timestamp, lambda t: TimestampType() if t.tz else TimestampNTZType()),
    (pa.types.is_duration, lambda t: DayTimeIntervalType()),
    (lambda t: t == pa.month_day_nano_interval(), lambda t: CalendarIntervalType()),
    (pa.types.is_time, lambda t: TimeType()),
    (pa.types.is_map, lambda t: MapType(from_arrow_type(t.key_type), from_arrow_type(t.item_type),
                                        t.item_field.nullable)),
    (lambda t: (pa.types.is_list(t) or pa.types.is_large_list(t)
                or pa.types.is_fixed_size_list(t) or _is_view(t, "list_view")
                or _is_view(t, "large_list_view")),
     lambda t: ArrayType(from_arrow_type(t.value_type), t.value_field.nullable)),
    (pa.types.is_struct, lambda t: StructType([_from_arrow_field(t.field(i))
                                               for i in range(t.num_fields)])),
    (pa.types.is_dictionary, lambda t: from_arrow_type(t.value_type)),
]


def _is_view(arrow_type: pa.DataType, kind: str) -> bool:
    """View layouts exist only in newer pyarrow releases."""
    check = getattr(pa.types, f"is_{kind}", None)
    return bool(check and check(arrow_type))


def from_arrow_type(arrow_type: pa.DataType) -> DataType:
    """The SQL type of an Arrow type.

    Dictionary-encoded columns have their value type; a timestamp with a time
    zone is a ``TimestampType``, one without is a ``TimestampNTZType``;
    unsigned integers widen (``uint64`` becomes ``decimal(20,0)``).

    >>> from_arrow_type(pa.dictionary(pa.int32(), pa.string()))
    StringType()
    >>> from_arrow_type(pa.list_(pa.timestamp("ns", tz="Europe/Paris")))
    ArrayType(TimestampType(), True)
    """
    for matches, build in _FROM_ARROW:
        if matches(arrow_type):
            return build(arrow_type)
    raise PySparkTypeError("UNSUPPORTED_DATA_TYPE_FOR_ARROW_CONVERSION", f"Arrow type {arrow_type} is not "
                    "supported in conversion from Arrow.")


def _from_arrow_field(field: pa.Field) -> StructField:
    return StructField(field.name, from_arrow_type(field.type), field.nullable)


def from_arrow_schema(schema: pa.Schema) -> StructType:
    """The DataFrame schema of an Arrow schema.

    >>> from_arrow_schema(pa.schema([pa.field("a", pa.int64(), False), ("b", pa.string())]))
    StructType([StructField('a', LongType(), False), StructField('b', StringType(), True)])
    """
    return StructType([_from_arrow_field(f) for f in schema])
