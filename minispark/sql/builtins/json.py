"""JSON and encoding functions: from_json, to_json, get_json_object, hex/unhex, base64,
md5/sha1/sha2/crc32."""
from __future__ import annotations

import base64 as b64
import binascii
import hashlib
import json
import zlib
from typing import Any, Sequence

import pyarrow as pa

from minispark.sql.builtins.registry import scalar
from minispark.sql.builtins.support import literal, rowwise
from minispark.sql.plan.expressions import Expression, Literal
from minispark.sql.types import BinaryType, DataType, LongType, StringType, StructType


def _schema_options(args: list[Expression]) -> tuple:
    from minispark.sql.types import _parse_datatype_string

    schema = args[1]
    if not isinstance(schema, Literal) or not isinstance(schema.value, str):
        from minispark.sql.builtins.registry import data_type_mismatch

        raise data_type_mismatch("from_json", "NON_FOLDABLE_INPUT",
                                 "the input `schema` should be a foldable string expression.")
    parsed = _parse_datatype_string(schema.value)
    return (parsed,)


def _schema_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return options[0]


@scalar("from_json", ["string", "string", "any"], _schema_type, min_args=2,
        options_from_args=_schema_options, always_nullable=True)
def from_json(text: Any, schema_text: Any, *rest: Any) -> Any:
    *_, schema = rest if rest else (None, schema_text)
    from minispark.sql.conversion import rows_to_arrow
    from minispark.sql.types import StructField

    def parse(value: str | None) -> Any:
        if value is None:
            return None
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        if isinstance(schema, StructType) and not isinstance(parsed, dict):
            return None
        return parsed
    values = [parse(v) for v in _texts(text)]
    holder = StructType([StructField("v", schema)])
    column = rows_to_arrow([(v,) for v in values], holder, verify=False).column(0)
    return column if not isinstance(text, pa.Scalar) else column[0]


def _texts(values: Any) -> list:
    return [values.as_py()] if isinstance(values, pa.Scalar) else values.to_pylist()


def _plain(value: Any, data_type: DataType) -> Any:
    from minispark.sql.types import ArrayType, MapType

    if value is None:
        return None
    if isinstance(data_type, StructType):
        items = value.values() if isinstance(value, dict) else value
        return {f.name: _plain(v, f.dataType) for v, f in zip(items, data_type.fields)}
    if isinstance(data_type, MapType):
        pairs = value.items() if isinstance(value, dict) else value
        return {str(k): _plain(v, data_type.valueType) for k, v in pairs}
    if isinstance(data_type, ArrayType):
        return [_plain(v, data_type.elementType) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "as_tuple"):
        return float(value)
    return value


def _type_options(args: list[Expression]) -> tuple:
    return (args[0].data_type,)


@scalar("to_json", ["any", "any"], StringType(), min_args=1, options_from_args=_type_options)
def to_json(values: Any, *rest: Any) -> Any:
    data_type = rest[-1]
    return rowwise(lambda v: json.dumps(_plain(v, data_type), separators=(",", ":"),
                                        ensure_ascii=False), pa.string(), values)


def _json_path(document: Any, path: str) -> Any:
    if not path.startswith("$"):
        return None
    node = document
    for part in path[1:].replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("["):
            index = int(part.strip("[]"))
            if not isinstance(node, list) or index >= len(node):
                return None
            node = node[index]
        else:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
    return node


@scalar("get_json_object", ["string", "string"], StringType(), always_nullable=True)
def get_json_object(text: Any, path: Any) -> Any:
    def extract(value: str, where: str) -> Any:
        try:
            found = _json_path(json.loads(value), where)
        except ValueError:
            return None
        if found is None:
            return None
        return found if isinstance(found, str) else json.dumps(found, separators=(",", ":"))
    return rowwise(extract, pa.string(), text, path)


@scalar("hex", ["any"], StringType())
def hex_(values: Any) -> Any:
    def encode(v: Any) -> str:
        if isinstance(v, (bytes, bytearray)):
            return bytes(v).hex().upper()
        if isinstance(v, str):
            return v.encode("utf-8").hex().upper()
        return format(v & 0xFFFFFFFFFFFFFFFF if v < 0 else v, "X")
    return rowwise(encode, pa.string(), values)


@scalar("unhex", ["string"], BinaryType(), always_nullable=True)
def unhex(values: Any) -> Any:
    def decode(text: str) -> Any:
        try:
            return binascii.unhexlify(text if len(text) % 2 == 0 else "0" + text)
        except (binascii.Error, ValueError):
            return None
    return rowwise(decode, pa.binary(), values)


@scalar("base64", ["binary"], StringType())
def base64(values: Any) -> Any:
    return rowwise(lambda v: b64.b64encode(bytes(v)).decode("ascii"), pa.string(), values)


@scalar("unbase64", ["string"], BinaryType())
def unbase64(values: Any) -> Any:
    return rowwise(lambda v: b64.b64decode(v), pa.binary(), values)


def _digest(name: str) -> Any:
    return lambda v: hashlib.new(name, bytes(v)).hexdigest()


@scalar("md5", ["binary"], StringType())
def md5(values: Any) -> Any:
    return rowwise(_digest("md5"), pa.string(), values)


@scalar("sha1", ["binary"], StringType(), aliases=("sha",))
def sha1(values: Any) -> Any:
    return rowwise(_digest("sha1"), pa.string(), values)


@scalar("sha2", ["binary", "int"], StringType(), always_nullable=True)
def sha2(values: Any, bits: Any) -> Any:
    size = literal(bits)
    names = {0: "sha256", 224: "sha224", 256: "sha256", 384: "sha384", 512: "sha512"}
    if size not in names:
        return pa.nulls(len(values), pa.string()) if not isinstance(values, pa.Scalar) else \
            pa.scalar(None, pa.string())
    return rowwise(_digest(names[size]), pa.string(), values)


@scalar("crc32", ["binary"], LongType())
def crc32(values: Any) -> Any:
    return rowwise(lambda v: zlib.crc32(bytes(v)), pa.int64(), values)

