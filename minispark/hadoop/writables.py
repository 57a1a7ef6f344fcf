"""Hadoop Writable types: their bytes on disk and their Python values.

Each supported ``org.apache.hadoop.io`` class is a :class:`WritableType` that
reads its serialized form straight into the Python value PySpark gives for it
(Spark's ``WritableToJavaConverter`` then Pyrolite's pickling) and writes a
Python value in that form:

=====================  ==========================  ============================
Writable               read as                     written from
=====================  ==========================  ============================
Text                   ``str``                     ``str``
IntWritable            ``int``                     ``int`` in 32 bits
LongWritable           ``int``                     ``int`` in 64 bits
FloatWritable          ``float``                   (a declared class only)
DoubleWritable         ``float``                   ``float``
BooleanWritable        ``bool``                    ``bool``
BytesWritable          ``bytearray``               ``bytes``, ``bytearray``
NullWritable           ``None``                    ``None``
MapWritable            ``dict``                    ``dict``
ArrayWritable          ``tuple``                   ``tuple``
VInt/VLong/Byte/Short  ``int``                     (a declared class only)
=====================  ==========================  ============================

Inference (:func:`writable_for`) follows PySpark's ``JavaToWritableConverter``:
an ``int`` is an IntWritable when it fits in 32 bits, else a LongWritable; a
``list`` is refused (Pyrolite makes it an ``ArrayList``, which Spark cannot
convert either).  A value written under a declared class is checked against
it (an ``int`` fits a LongWritable or a DoubleWritable; ``True`` fits
neither), where Hadoop would instead fail with "wrong key class".

ArrayWritable stores no element class, so Hadoop itself can only read a
subclass that fixes one.  :func:`register_array_writable` plays the part of
such a subclass on the classpath; files minispark writes also carry the
element class in their SequenceFile metadata.
"""
from __future__ import annotations

import struct
from decimal import Decimal
from typing import Any, Mapping, Optional

IO = "org.apache.hadoop.io."
TEXT = IO + "Text"
INT = IO + "IntWritable"
LONG = IO + "LongWritable"
FLOAT = IO + "FloatWritable"
DOUBLE = IO + "DoubleWritable"
BOOLEAN = IO + "BooleanWritable"
BYTES = IO + "BytesWritable"
NULL = IO + "NullWritable"
MAP = IO + "MapWritable"
ARRAY = IO + "ArrayWritable"
VINT = IO + "VIntWritable"
VLONG = IO + "VLongWritable"
BYTE = IO + "ByteWritable"
SHORT = IO + "ShortWritable"

#: AbstractMapWritable's built-in class ids; any other class gets an id from 1 up,
#: named in the map's own class table.
MAP_CLASS_IDS = {
    ARRAY: -127, BOOLEAN: -126, BYTES: -125, FLOAT: -124, INT: -123, LONG: -122, MAP: -121,
    IO + "MD5Hash": -120, NULL: -119, IO + "ObjectWritable": -118,
    IO + "SortedMapWritable": -117, TEXT: -116, IO + "TwoDArrayWritable": -115,
    VINT: -114, VLONG: -113,
}

_INT = struct.Struct(">i")
_UINT16 = struct.Struct(">H")

class WritableError(ValueError):
    """Bytes that do not hold the declared Writable, or a value that does not fit it."""


# -- Hadoop's variable-length integers (WritableUtils.writeVLong) -------------


def write_vlong(value: int, out: bytearray) -> None:
    """Append ``value`` in Hadoop's zero-compressed encoding (1 to 9 bytes).

    >>> out = bytearray()
    >>> for v in (5, -112, 500, -500):
    ...     write_vlong(v, out)
    >>> out.hex()
    '05908e01f48601f3'
    """
    if -112 <= value <= 127:
        out.append(value & 0xFF)
        return
    magnitude = ~value if value < 0 else value
    size = (magnitude.bit_length() + 7) // 8
    out.append(((-120 if value < 0 else -112) - size) & 0xFF)
    out += magnitude.to_bytes(size, "big")


def vlong_size(first: int) -> int:
    """Bytes in the vlong whose first byte (0-255) is ``first``.

    >>> vlong_size(0x05), vlong_size(0x8e)
    (1, 3)
    """
    if first < 128 or first >= 256 - 112:
        return 1
    return 1 + ((256 - 120 - first) if first < 256 - 120 else (256 - 112 - first))


def read_vlong(buf: bytes, pos: int) -> tuple[int, int]:
    """``(value, position after it)`` of a vlong at ``pos``.

    >>> read_vlong(bytes.fromhex("8e01f4"), 0)
    (500, 3)
    """
    first = buf[pos]
    size = vlong_size(first)
    if size == 1:
        return (first - 256 if first > 127 else first), pos + 1
    end = pos + size
    if end > len(buf):
        raise IndexError("vlong runs past the end of its buffer")
    magnitude = int.from_bytes(buf[pos + 1:end], "big")
    return (~magnitude if first < 256 - 120 else magnitude), end


# -- the types ---------------------------------------------------------------


class WritableType:
    """How one Writable class reads and writes; ``name`` is its Java class name."""

    name = ""

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        """``(python value, position after it)`` of the instance serialized at ``pos``."""
        raise NotImplementedError

    def write(self, value: Any, out: bytearray) -> None:
        """Append ``value``'s serialized form; ``WritableError`` if it does not fit."""
        raise NotImplementedError

    def metadata(self, role: str) -> dict[str, str]:
        """SequenceFile metadata this type needs to be read back (``role``: key/value)."""
        return {}

    def java_hash(self, value: Any) -> int:
        """``hashCode()`` of the Java object Spark converts the value to (0: an identity hash,
        which nothing can predict)."""
        return 0

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def __reduce__(self) -> Any:
        # Structs do not pickle; the class name finds the same type in an executor.
        return _simple_type, (self.name,)

    def _refuse(self, value: Any) -> WritableError:
        return WritableError(f"{value!r} ({type(value).__name__}) cannot be written as {self.name}")


class _Integer(WritableType):
    def __init__(self, name: str, fmt: str) -> None:
        self.name = name
        self._struct = struct.Struct(fmt)
        bits = self._struct.size * 8
        self._low, self._high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def java_hash(self, value: Any) -> int:
        # Spark makes 64-bit Writables a Long, the others an Integer.
        return _fold64(value) if self._high > 1 << 31 else value

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return self._struct.unpack_from(buf, pos)[0], pos + self._struct.size

    def write(self, value: Any, out: bytearray) -> None:
        if not _is_int(value) or not self._low <= value <= self._high:
            raise self._refuse(value)
        out += self._struct.pack(value)


class _Real(WritableType):
    def __init__(self, name: str, fmt: str) -> None:
        self.name = name
        self._struct = struct.Struct(fmt)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return self._struct.unpack_from(buf, pos)[0], pos + self._struct.size

    def java_hash(self, value: Any) -> int:
        # Float.hashCode / Double.hashCode: the bits (NaN canonical), a double's halves folded
        if value != value:
            value = float("nan")
        bits = int.from_bytes(self._struct.pack(value), "big", signed=True)
        return _fold64(bits) if self._struct.size == 8 else bits

    def write(self, value: Any, out: bytearray) -> None:
        if not isinstance(value, float) and not _is_int(value):
            raise self._refuse(value)
        try:
            out += self._struct.pack(value)
        except OverflowError:
            raise self._refuse(value) from None


class _VarInt(_Integer):
    def __init__(self, name: str, bits: int) -> None:
        self.name = name
        self._low, self._high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return read_vlong(buf, pos)

    def write(self, value: Any, out: bytearray) -> None:
        if not _is_int(value) or not self._low <= value <= self._high:
            raise self._refuse(value)
        write_vlong(value, out)


class _Boolean(WritableType):
    name = BOOLEAN

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return buf[pos] != 0, pos + 1

    def java_hash(self, value: Any) -> int:
        return 1231 if value else 1237

    def write(self, value: Any, out: bytearray) -> None:
        if not isinstance(value, bool):
            raise self._refuse(value)
        out.append(1 if value else 0)


class _Text(WritableType):
    name = TEXT

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        size, pos = read_vlong(buf, pos)
        end = pos + size
        if size < 0 or end > len(buf):
            raise IndexError(f"Text of {size} bytes runs past the end of its buffer")
        # Text.toString replaces malformed UTF-8, and that is what Spark converts.
        return buf[pos:end].decode("utf-8", "replace"), end

    def java_hash(self, value: Any) -> int:
        # String.hashCode: h = 31 * h + c over the UTF-16 code units
        units = value.encode("utf-16-be", "surrogatepass")
        h = 0
        for i in range(0, len(units), 2):
            h = (31 * h + (units[i] << 8 | units[i + 1])) & 0xFFFFFFFF
        return _int32(h)

    def write(self, value: Any, out: bytearray) -> None:
        if not isinstance(value, str):
            raise self._refuse(value)
        data = value.encode("utf-8", "surrogatepass")
        write_vlong(len(data), out)
        out += data


class _Bytes(WritableType):
    name = BYTES

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        size = _INT.unpack_from(buf, pos)[0]
        end = pos + 4 + size
        if size < 0 or end > len(buf):
            raise IndexError(f"BytesWritable of {size} bytes runs past the end of its buffer")
        return bytearray(buf[pos + 4:end]), end

    def write(self, value: Any, out: bytearray) -> None:
        if not isinstance(value, (bytes, bytearray)):
            raise self._refuse(value)
        out += _INT.pack(len(value))
        out += value


class _Null(WritableType):
    name = NULL

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return None, pos

    def write(self, value: Any, out: bytearray) -> None:
        if value is not None:
            raise self._refuse(value)


class _Array(WritableType):
    """An ArrayWritable (or a subclass) whose elements are all ``element``."""

    def __init__(self, name: str, element: WritableType) -> None:
        self.name = name
        self.element = element

    def __repr__(self) -> str:
        return f"<{self.name} of {self.element.name}>"

    def __reduce__(self) -> Any:
        return _Array, (self.name, self.element)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        count = _INT.unpack_from(buf, pos)[0]
        if count < 0:
            raise IndexError(f"ArrayWritable with a negative length ({count})")
        pos += 4
        items = []
        read = self.element.read
        for _ in range(count):
            item, pos = read(buf, pos)
            items.append(item)
        return tuple(items), pos

    def write(self, value: Any, out: bytearray) -> None:
        if not isinstance(value, tuple):
            raise self._refuse(value)
        out += _INT.pack(len(value))
        write = self.element.write
        for item in value:
            write(item, out)

    def metadata(self, role: str) -> dict[str, str]:
        return {array_metadata_key(role): self.element.name}


class _Unreadable(WritableType):
    """A class MapWritable names by a built-in id that minispark cannot read."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self._reason = reason

    def __reduce__(self) -> Any:
        return _Unreadable, (self.name, self._reason)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        raise NotImplementedError(self._reason)

    def write(self, value: Any, out: bytearray) -> None:
        raise NotImplementedError(self._reason)


class _Map(WritableType):
    """MapWritable: a class table, then (class id, key, class id, value) per entry."""

    name = MAP

    def __init__(self, registry: "TypeRegistry") -> None:
        self._registry = registry

    def __reduce__(self) -> Any:
        return _Map, (self._registry,)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        table = dict(self._registry.builtin_ids)
        new_classes = buf[pos]
        pos += 1
        for _ in range(new_classes):
            size = _UINT16.unpack_from(buf, pos + 1)[0]
            name = bytes(buf[pos + 3:pos + 3 + size]).decode("utf-8")
            table[_signed_byte(buf[pos])] = self._registry.lookup(name)
            pos += 3 + size
        count = _INT.unpack_from(buf, pos)[0]
        pos += 4
        entries = []
        for _ in range(count):
            key_type = _class_of(table, buf[pos])
            key, pos = key_type.read(buf, pos + 1)
            value, pos = _class_of(table, buf[pos]).read(buf, pos + 1)
            entries.append((key_type.java_hash(key), key, value))
        return _java_hash_map_order(entries), pos

    def write(self, value: Any, out: bytearray) -> None:
        if not isinstance(value, dict):
            raise self._refuse(value)
        new_ids: dict[str, int] = {}
        body = bytearray()
        for entry in value.items():
            for item in entry:
                kind = writable_for(item, nested=True)
                class_id = MAP_CLASS_IDS.get(kind.name) or new_ids.setdefault(kind.name, len(new_ids) + 1)
                body.append(class_id & 0xFF)
                kind.write(item, body)
        if len(new_ids) > 127:
            raise WritableError(f"MapWritable holds at most 127 classes beyond Hadoop's own, not {len(new_ids)}")
        out.append(len(new_ids))
        for name, class_id in new_ids.items():
            encoded = name.encode("utf-8")
            out.append(class_id)
            out += _UINT16.pack(len(encoded))
            out += encoded
        out += _INT.pack(len(value))
        out += body


def _java_hash_map_order(entries: list[tuple[int, Any, Any]]) -> dict:
    """The entries in the order PySpark shows them: that of the java.util.HashMap Spark
    fills from the MapWritable, whose file order the map's buckets regroup.

    A HashMap of 16 buckets doubles while it is over 3/4 full; iteration goes
    bucket by bucket, each in insertion order.
    """
    buckets = 16
    while len(entries) > buckets * 3 // 4:
        buckets *= 2

    def bucket(entry: tuple[int, Any, Any]) -> int:
        h = entry[0] & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (buckets - 1)

    return {key: value for _, key, value in sorted(entries, key=bucket)}


def _fold64(value: int) -> int:
    """Long.hashCode: the two halves of the 64 bits xor-ed."""
    bits = value & 0xFFFFFFFFFFFFFFFF
    return _int32(bits ^ (bits >> 32))


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _class_of(table: Mapping[int, WritableType], class_id: int) -> WritableType:
    try:
        return table[_signed_byte(class_id)]
    except KeyError:
        raise WritableError(f"MapWritable entry has class id {_signed_byte(class_id)}, which its "
                            "class table does not name") from None


def _signed_byte(value: int) -> int:
    return value - 256 if value > 127 else value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def array_metadata_key(role: str) -> str:
    """SequenceFile metadata naming the element class of an ArrayWritable key or value."""
    return f"minispark.{role}.array.element.class"


_SIMPLE: dict[str, WritableType] = {t.name: t for t in (
    _Text(), _Integer(INT, ">i"), _Integer(LONG, ">q"), _Real(FLOAT, ">f"), _Real(DOUBLE, ">d"),
    _Boolean(), _Bytes(), _Null(), _VarInt(VINT, 32), _VarInt(VLONG, 64),
    _Integer(BYTE, ">b"), _Integer(SHORT, ">h"),
)}


def _simple_type(name: str) -> WritableType:
    return _SIMPLE[name]


#: Element classes of ArrayWritable subclasses, set with register_array_writable.
_ARRAY_CLASSES: dict[str, str] = {}


def register_array_writable(class_name: str, element_class: str) -> None:
    """Declare an ArrayWritable subclass: its class name and its elements' class.

    Hadoop reads an ArrayWritable only through a subclass that fixes the
    element class (``class IntArrayWritable extends ArrayWritable``);
    registering the same pair lets minispark read and write it.  Registering
    ``org.apache.hadoop.io.ArrayWritable`` itself reads files whose header
    names the bare class (as PySpark writes tuples).  Takes effect for RDDs
    created afterwards.

    >>> register_array_writable("com.example.IntArrayWritable", INT)
    >>> TypeRegistry.current().lookup("com.example.IntArrayWritable")
    <com.example.IntArrayWritable of org.apache.hadoop.io.IntWritable>
    >>> unregister_array_writable("com.example.IntArrayWritable")
    """
    if element_class not in _SIMPLE:
        raise NotImplementedError(f"ArrayWritable elements of class {element_class} are not "
                                  f"supported; supported: {', '.join(sorted(_SIMPLE))}")
    _ARRAY_CLASSES[class_name] = element_class


def unregister_array_writable(class_name: str) -> None:
    """Forget a class given to :func:`register_array_writable`."""
    _ARRAY_CLASSES.pop(class_name, None)


class TypeRegistry:
    """Writable classes by name: Hadoop's plus registered ArrayWritable subclasses.

    Plain data, so it pickles to executors with the tasks that read.
    """

    def __init__(self, arrays: Optional[Mapping[str, str]] = None) -> None:
        self.arrays = dict(arrays or {})
        self._map = _Map(self)
        self.builtin_ids = {class_id: self._builtin(name) for name, class_id in MAP_CLASS_IDS.items()}

    @classmethod
    def current(cls) -> "TypeRegistry":
        """Hadoop's classes plus those registered so far."""
        return cls(_ARRAY_CLASSES)

    def __getstate__(self) -> dict[str, str]:
        return self.arrays

    def __setstate__(self, arrays: dict[str, str]) -> None:
        self.__init__(arrays)  # type: ignore[misc]

    def lookup(self, name: str, metadata: Optional[Mapping[str, str]] = None, role: str = "") -> WritableType:
        """The type named ``name``; ArrayWritable's element class from registration or metadata."""
        if name in _SIMPLE:
            return _SIMPLE[name]
        if name == MAP:
            return self._map
        element = self.arrays.get(name)
        if element is None and name == ARRAY and metadata and role:
            element = metadata.get(array_metadata_key(role))
        if element is not None and element in _SIMPLE:
            return _Array(name, _SIMPLE[element])
        if name == ARRAY:
            raise NotImplementedError(
                "ArrayWritable does not record its element class, so neither Hadoop nor "
                "minispark can read it as it is; name the element class with "
                "minispark.hadoop.register_array_writable('org.apache.hadoop.io.ArrayWritable', "
                "'org.apache.hadoop.io.IntWritable') (or the subclass Hadoop would need)")
        raise NotImplementedError(f"Writable class {name} is not supported; supported: "
                                  f"{', '.join(self.names())}")

    def _builtin(self, name: str) -> WritableType:
        try:
            return self.lookup(name)
        except NotImplementedError as err:
            return _Unreadable(name, str(err))

    def names(self) -> list[str]:
        """Every class name this registry reads and writes."""
        return sorted({*_SIMPLE, MAP, ARRAY, *self.arrays})


# -- Python values to Writables ----------------------------------------------

_INT32 = (-(1 << 31), (1 << 31) - 1)
_INT64 = (-(1 << 63), (1 << 63) - 1)


def writable_for(value: Any, nested: bool = False) -> WritableType:
    """The Writable PySpark converts ``value`` to (its ``JavaToWritableConverter``).

    ``nested``: the value sits inside a MapWritable or ArrayWritable, where a
    tuple cannot go (its element class would be lost).

    >>> [writable_for(v).name.rsplit(".", 1)[1] for v in ("a", 1, 1 << 40, 1.5, True, None, b"")]
    ['Text', 'IntWritable', 'LongWritable', 'DoubleWritable', 'BooleanWritable', 'NullWritable', 'BytesWritable']
    >>> writable_for((1, 2))
    <org.apache.hadoop.io.ArrayWritable of org.apache.hadoop.io.IntWritable>
    """
    if value is None:
        return _SIMPLE[NULL]
    if isinstance(value, bool):
        return _SIMPLE[BOOLEAN]
    if isinstance(value, int):
        if _INT32[0] <= value <= _INT32[1]:
            return _SIMPLE[INT]
        if _INT64[0] <= value <= _INT64[1]:
            return _SIMPLE[LONG]
        raise WritableError(f"{value} does not fit in a LongWritable (64 bits)")
    simple = _BY_PYTHON_TYPE.get(type(value))
    if simple is not None:
        return _SIMPLE[simple]
    if isinstance(value, dict):
        return _HADOOP_TYPES.lookup(MAP)
    if isinstance(value, tuple):
        return _array_for(value, nested)
    raise WritableError(_unconvertible(value))


_BY_PYTHON_TYPE = {str: TEXT, float: DOUBLE, bytes: BYTES, bytearray: BYTES}
#: Hadoop's own classes, without registered ArrayWritable subclasses.
_HADOOP_TYPES = TypeRegistry()


def _array_for(value: tuple, nested: bool) -> WritableType:
    if nested:
        raise WritableError(
            f"{value!r}: a tuple inside a dict or tuple cannot be written, because "
            "MapWritable and ArrayWritable do not record an ArrayWritable's element class "
            "(neither Hadoop nor minispark could read it back)")
    if not value:
        raise WritableError("an empty tuple names no element class for its ArrayWritable; "
                            "declare the class (a registered ArrayWritable subclass)")
    return _Array(ARRAY, writable_for(value[0], nested=True))


def _unconvertible(value: Any) -> str:
    hint = "; use a tuple for an ArrayWritable" if isinstance(value, list) else ""
    return (f"Data of type {type(value).__module__}.{type(value).__qualname__} cannot be used "
            "as a Hadoop Writable (supported: str, int, float, bool, None, bytes, bytearray, "
            f"dict, tuple){hint}")


# -- Java's toString, for TextOutputFormat -----------------------------------


def java_string(value: Any) -> str:
    """``toString()`` of the Writable PySpark converts ``value`` to.

    >>> [java_string(v) for v in (1e20, 0.5, True, b"\\x01\\xab", {"a": None}, (1, "x"))]
    ['1.0E20', '0.5', 'true', '01 ab', '{a=(null)}', 'ArrayWritable [valueClass=interface org.apache.hadoop.io.Writable, values=[1, x]]']
    """
    if isinstance(value, str):
        return value
    if value is None:
        return "(null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        writable_for(value)  # refuses what no LongWritable holds, as PySpark does
        return str(value)
    if isinstance(value, float):
        return java_double_string(value)
    if isinstance(value, (bytes, bytearray)):
        return " ".join(f"{b:02x}" for b in value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_string(k)}={java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return (f"ArrayWritable [valueClass=interface {IO}Writable, values=["
                + ", ".join(java_string(v) for v in value) + "]]")
    raise WritableError(_unconvertible(value))


def java_double_string(value: float) -> str:
    """Java's ``Double.toString``: shortest digits, ``E`` notation outside [1e-3, 1e7).

    >>> [java_double_string(v) for v in (1.0, 1e7, 123456789.0, 0.001, 1e-5, -0.0, float("nan"))]
    ['1.0', '1.0E7', '1.23456789E8', '0.001', '1.0E-5', '-0.0', 'NaN']
    """
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    shown = "".join(map(str, digits)).rstrip("0") or "0"
    power = len(digits) - 1 + int(exponent)
    return f"{'-' if sign else ''}{shown[0]}.{shown[1:] or '0'}E{power}"
