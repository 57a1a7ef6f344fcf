"""JSON and encoding functions: from_json, to_json, get_json_object, hex/unhex, base64,
md5/sha1/sha2/crc32."""
from __future__ import annotations

import base64 as b64
import binascii
import hashlib
import json
import re
import zlib
from typing import Any, Sequence

import pyarrow as pa

from minispark.sql.builtins.registry import scalar
from minispark.sql.builtins.support import literal, rowwise
from minispark.sql.plan.expressions import Expression, Literal
from minispark.sql.types import (
    ArrayType, BinaryType, DataType, IntegerType, LongType, StringType, StructType,
)


def _constant_text(arg: Expression, name: str, call: str) -> str:
    """The value of a foldable string argument (computed now if it is an expression)."""
    if not isinstance(arg, Literal) and arg.foldable:
        from minispark.sql.execution.evaluator import evaluate_constant

        arg = evaluate_constant(arg)
    if not isinstance(arg, Literal) or not isinstance(arg.value, str):
        from minispark.sql.builtins.registry import data_type_mismatch

        raise data_type_mismatch(call, "NON_FOLDABLE_INPUT",
                                 f"the input `{name}` should be a foldable string expression.")
    return arg.value


def _reader_options(args: list[Expression], index: int) -> dict:
    """Reader options passed as a JSON-encoded literal (``{"sep": ";"}``), lower-cased."""
    if len(args) <= index:
        return {}
    text = args[index].value if isinstance(args[index], Literal) else None
    return {k.lower(): str(v) for k, v in json.loads(text or "{}").items()}


def _schema_options(args: list[Expression]) -> tuple:
    from minispark.sql.types import _parse_datatype_string

    parsed = _parse_datatype_string(_constant_text(args[1], "schema", "from_json"))
    return (parsed, _reader_options(args, 2))


def _first_arg_only(display: str, arg_sqls: list[str], options: tuple) -> str:
    return f"{display}({arg_sqls[0]})"


_UNQUOTED_NAME = re.compile(r'([{,]\s*)([A-Za-z_$][\w$]*)(\s*:)')


def _load_json(text: str, options: dict) -> Any:
    """JSON text parsed, honouring ``allowUnquotedFieldNames``; ValueError if malformed."""
    if options.get("allowunquotedfieldnames", "false").lower() == "true":
        text = _UNQUOTED_NAME.sub(r'\1"\2"\3', text)
    return json.loads(text)


def _schema_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    return options[0]


@scalar("from_json", ["string", "any", "any"], _schema_type, min_args=2,
        options_from_args=_schema_options, always_nullable=True, render_call=_first_arg_only)
def from_json(text: Any, schema_text: Any, *rest: Any) -> Any:
    schema, options = rest[-2:]
    from minispark.sql.conversion import rows_to_arrow
    from minispark.sql.types import StructField

    def parse(value: str | None) -> Any:
        if value is None:
            return None
        # A malformed record is a struct of nulls (Spark's PERMISSIVE mode).
        malformed = {} if isinstance(schema, StructType) else None
        try:
            parsed = _load_json(value, options)
        except ValueError:
            return malformed
        if isinstance(schema, StructType) and not isinstance(parsed, dict):
            return malformed
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


@scalar("to_json", ["any", "any"], StringType(), min_args=1, options_from_args=_type_options,
        render_call=_first_arg_only)
def to_json(values: Any, *rest: Any) -> Any:
    data_type = rest[-1]
    return rowwise(lambda v: json.dumps(_plain(v, data_type), separators=(",", ":"),
                                        ensure_ascii=False), pa.string(), values)


def _json_path(document: Any, path: str) -> list:
    """Every value ``path`` ($.a.b[0], $[*].f) reaches in ``document``."""
    if not path.startswith("$"):
        return []
    nodes = [document]
    for part in path[1:].replace("[", ".[").split("."):
        if not part:
            continue
        found = []
        for node in nodes:
            if part == "[*]" and isinstance(node, list):
                found.extend(node)
            elif part.startswith("[") and isinstance(node, list):
                index = int(part.strip("[]"))
                found.extend(node[index:index + 1] if 0 <= index else [])
            elif not part.startswith("[") and isinstance(node, dict) and part in node:
                found.append(node[part])
        nodes = found
    return nodes


@scalar("get_json_object", ["string", "string"], StringType(), always_nullable=True)
def get_json_object(text: Any, path: Any) -> Any:
    def extract(value: str, where: str) -> Any:
        try:
            found = _json_path(json.loads(value), where)
        except ValueError:
            return None
        found = [f for f in found if f is not None]
        if not found:
            return None
        # A wildcard path answers in JSON (several matches as an array); a plain path
        # gives a string unquoted.
        if "[*]" in where:
            return _dump(found[0] if len(found) == 1 else found)
        return found[0] if isinstance(found[0], str) else _dump(found[0])
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



def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _parse_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


@scalar("json_array_length", ["string"], IntegerType(), always_nullable=True)
def json_array_length(text: Any) -> Any:
    def count(value: str) -> Any:
        parsed = _parse_or_none(value)
        return len(parsed) if isinstance(parsed, list) else None
    return rowwise(count, pa.int32(), text)


@scalar("json_object_keys", ["string"], ArrayType(StringType(), True), always_nullable=True)
def json_object_keys(text: Any) -> Any:
    def keys(value: str) -> Any:
        parsed = _parse_or_none(value)
        return list(parsed) if isinstance(parsed, dict) else None
    return rowwise(keys, pa.list_(pa.string()), text)


def _infer_json(value: Any) -> DataType:
    """The type Spark infers for a parsed JSON value (object fields sorted by name)."""
    from minispark.sql.types import BooleanType, DoubleType, StructField
    from minispark.sql.plan.typecoercion import common_type

    if isinstance(value, bool):
        return BooleanType()
    if isinstance(value, int):
        return LongType()
    if isinstance(value, float):
        return DoubleType()
    if isinstance(value, dict):
        return StructType([StructField(k, _infer_json(value[k]), True) for k in sorted(value)])
    if isinstance(value, list):
        element = common_type([_infer_json(v) for v in value if v is not None])
        return ArrayType(element or StringType(), True)
    return StringType()


def type_ddl(data_type: DataType) -> str:
    """A type as Spark's ``DataType.sql`` writes it: ``STRUCT<a: BIGINT, b: ARRAY<STRING>>``.

    >>> type_ddl(StructType.fromDDL("a bigint, b array<string>"))
    'STRUCT<a: BIGINT, b: ARRAY<STRING>>'
    """
    from minispark.sql.types import MapType

    if isinstance(data_type, StructType):
        fields = ", ".join(f"{f.name}: {type_ddl(f.dataType)}" for f in data_type.fields)
        return f"STRUCT<{fields}>"
    if isinstance(data_type, ArrayType):
        return f"ARRAY<{type_ddl(data_type.elementType)}>"
    if isinstance(data_type, MapType):
        return f"MAP<{type_ddl(data_type.keyType)}, {type_ddl(data_type.valueType)}>"
    return data_type.simpleString().upper()


def _schema_of_json_options(args: list[Expression]) -> tuple:
    text = _constant_text(args[0], "json", "schema_of_json")
    try:
        parsed = _load_json(text, _reader_options(args, 1))
    except ValueError:
        parsed = None
    return (type_ddl(_infer_json(parsed)) if parsed is not None else "STRING",)


@scalar("schema_of_json", ["string", "any"], StringType(), min_args=1, never_null=True,
        options_from_args=_schema_of_json_options, render_call=_first_arg_only)
def schema_of_json(*args_and_ddl: Any) -> Any:
    return pa.scalar(args_and_ddl[-1], pa.string())


# ---- CSV ------------------------------------------------------------------------------------


def _csv_dialect(options: dict) -> dict:
    return {"delimiter": options.get("sep", options.get("delimiter", ",")),
            "quotechar": options.get("quote", '"'),
            "skipinitialspace": options.get("ignoreleadingwhitespace", "false").lower() == "true"}


def _csv_fields(text: str, options: dict) -> list[str]:
    import csv

    return next(csv.reader([text], **_csv_dialect(options)), [])


def _from_csv_options(args: list[Expression]) -> tuple:
    from minispark.sql.types import _parse_datatype_string

    schema = _parse_datatype_string(_constant_text(args[1], "schema", "from_csv"))
    if not isinstance(schema, StructType):
        from minispark.sql.builtins.registry import data_type_mismatch

        raise data_type_mismatch("from_csv", "INVALID_SCHEMA",
                                 "The input schema must be a struct.")
    return (schema, _reader_options(args, 2))


@scalar("from_csv", ["string", "any", "any"], _schema_type, min_args=2,
        options_from_args=_from_csv_options, always_nullable=True, render_call=_first_arg_only)
def from_csv(text: Any, *rest: Any) -> Any:
    from minispark.sql.execution.cast import cast
    from minispark.sql.execution.kernels import length_of, to_array

    schema, options = rest[-2:]
    n = length_of(text)
    texts = to_array(text, 1 if n is None else n)
    rows = [None if t is None else _csv_fields(t, options) for t in texts.to_pylist()]
    columns = []
    for i, field in enumerate(schema.fields):
        raw = pa.array([r[i] if r is not None and i < len(r) and r[i] != "" else None
                        for r in rows], pa.string())
        columns.append(cast(raw, StringType(), field.dataType, try_=True))
    nulls = [r is None for r in rows]
    mask = pa.array(nulls, pa.bool_()) if any(nulls) else None
    out = pa.StructArray.from_arrays(columns, names=schema.names, mask=mask)
    return out if n is not None else out[0]


def _struct_type_option(args: list[Expression]) -> tuple:
    return (args[0].data_type, _reader_options(args, 1))


@scalar("to_csv", ["struct", "any"], StringType(), min_args=1,
        options_from_args=_struct_type_option, render_call=_first_arg_only)
def to_csv(values: Any, *rest: Any) -> Any:
    import csv
    import io

    from minispark.sql.execution.cast import cast
    from minispark.sql.execution.kernels import length_of, to_array

    schema, options = rest[-2:]
    n = length_of(values)
    rows = to_array(values, 1 if n is None else n)
    texts = [cast(rows.field(i), f.dataType, StringType()).to_pylist()
             for i, f in enumerate(schema.fields)]
    dialect = _csv_dialect(options)
    out = []
    for valid, fields in zip(rows.is_valid().to_pylist(), zip(*texts) if texts else
                             [()] * len(rows)):
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=dialect["delimiter"], quotechar=dialect["quotechar"],
                   lineterminator="").writerow(["" if f is None else f for f in fields])
        out.append(buffer.getvalue() if valid else None)
    result = pa.array(out, pa.string())
    return result if n is not None else result[0]


def _infer_csv(field: str) -> str:
    text = field.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return "INT" if -(1 << 31) <= int(text) < (1 << 31) else "BIGINT"
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", text):
        return "DOUBLE"
    if text.lower() in ("true", "false"):
        return "BOOLEAN"
    return "STRING"


def _schema_of_csv_options(args: list[Expression]) -> tuple:
    fields = _csv_fields(_constant_text(args[0], "csv", "schema_of_csv"),
                         _reader_options(args, 1))
    parts = [f"_c{i}: {_infer_csv(f)}" for i, f in enumerate(fields)]
    return (f"STRUCT<{', '.join(parts)}>",)


@scalar("schema_of_csv", ["string", "any"], StringType(), min_args=1, never_null=True,
        options_from_args=_schema_of_csv_options, render_call=_first_arg_only)
def schema_of_csv(*args_and_ddl: Any) -> Any:
    return pa.scalar(args_and_ddl[-1], pa.string())
