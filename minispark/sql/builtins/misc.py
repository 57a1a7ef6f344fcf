"""Miscellaneous functions: hashes, seeded random values, assertions, session facts.

``hash``/``xxhash64`` give Spark's values (see :mod:`.hashing`); ``uuid(seed)`` and
``uniform(min, max, seed)`` give Spark's rows for a seed (see :mod:`.spark_random`).
"""
from __future__ import annotations

import getpass
import hashlib
import hmac as _hmac
import random
from typing import Any, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minispark.errors import SparkRuntimeException
from minispark.sql.builtins import aes  # noqa: F401  (registers aes_encrypt, aes_decrypt)
from minispark.sql.builtins.hashing import murmur3_columns, xxhash64_columns
from minispark.sql.builtins.math import _rows, constant_arg
from minispark.sql.builtins.registry import data_type_mismatch, implicit_cast, scalar
from minispark.sql.builtins.spark_random import XORShiftRandom, next_uuids, uuid_generator
from minispark.sql.builtins.support import rowwise
from minispark.sql.execution import kernels
from minispark.sql.plan import expressions as E
from minispark.sql.plan.typecoercion import common_type, is_integral, is_numeric
from minispark.sql.types import (
    ArrayType, BinaryType, BooleanType, DataType, DecimalType, DoubleType, FloatType,
    IntegerType, LongType, MapType, NullType, StringType, StructType, to_arrow_type,
)

# ---- hash, xxhash64 ------------------------------------------------------------------------


def _has_map(t: DataType) -> bool:
    if isinstance(t, MapType):
        return True
    if isinstance(t, ArrayType):
        return _has_map(t.elementType)
    if isinstance(t, StructType):
        return any(_has_map(f.dataType) for f in t.fields)
    return False


def _hash_args(name: str) -> Any:
    def coerce(args: list) -> list:
        call = f"{name}({', '.join(a.sql() for a in args)})"
        if any(_has_map(a.data_type) for a in args):
            raise data_type_mismatch(
                call, "HASH_MAP_TYPE",
                f'Input to the function `{name}` cannot contain elements of the "MAP" type. In '
                'Spark, same maps may have different hashcode, thus hash expressions are '
                'prohibited on "MAP" elements. To restore previous behavior set '
                '"spark.sql.legacy.allowHashOnMapType" to "true".')
        return args
    return coerce


def _row_hash(name: str, result: DataType, columns_hash: Any, arrow_type: pa.DataType) -> None:
    @scalar(name, ["any"], result, min_args=1, max_args=None, null_intolerant=False,
            never_null=True, coerce_args=_hash_args(name))
    def run(*values: Any) -> Any:
        n = kernels.length_of(*values)
        hashed = columns_hash([kernels.to_array(v, _rows(n)) for v in values])
        out = pa.array(hashed, arrow_type)
        return out if n is not None else out[0]


_row_hash("hash", IntegerType(), murmur3_columns, pa.int32())
_row_hash("xxhash64", LongType(), xxhash64_columns, pa.int64())


# ---- seeded per-row randomness: uuid, uniform -------------------------------------------------
# These take a hidden last argument, monotonically_increasing_id(), whose values give both the
# batch's row count and each row's partition and position, so a task's random sequence
# continues across its batches and restarts when the task is re-run.


class _TaskSequence:
    """Per partition: the draws already made, so each batch continues the partition's run."""

    def __init__(self, seed: int, make: Any) -> None:
        self.seed = seed
        self.make = make
        self.partitions: dict[int, tuple[int, Any]] = {}

    def draw(self, row_ids: Any, count: Any) -> Any:
        ids = kernels.to_array(row_ids, 1).to_numpy(zero_copy_only=False)
        if not len(ids):
            return []
        partition, first = int(ids[0]) >> 33, int(ids[0]) & ((1 << 33) - 1)
        position, state = self.partitions.get(partition, (-1, None))
        if position != first:  # a new task (or a re-run): start the partition's sequence over
            state = self.make(self.seed + partition)
            position = 0
            if first:
                count(state, first)
        values = count(state, len(ids))
        self.partitions[partition] = (first + len(ids), state)
        return values


def _seed_option(args: list, index: int, name: str) -> int:
    if len(args) > index:
        seed = constant_arg(args[index], name, "seed", '"INT" or "BIGINT"')
        return 0 if seed is None else int(seed)
    return random.randrange(-(1 << 63), 1 << 63)


def _with_row_ids(args: list) -> list:
    return [*args, E.MonotonicallyIncreasingID()]


def _uuid_args(args: list) -> list:
    return _with_row_ids([implicit_cast(a, "long", 0, "uuid") for a in args])


@scalar("uuid", ["long"], StringType(), min_args=0, max_args=1, never_null=True,
        deterministic=False, coerce_args=_uuid_args,
        options_from_args=lambda args: (_TaskSequence(_seed_option(args[:-1], 0, "uuid"),
                                                      uuid_generator),),
        render_call=lambda display, args, options: "uuid()")
def uuid(*args: Any) -> Any:
    """A random version-4 UUID per row; with a seed, the UUIDs Spark gives for that seed."""
    sequence = args[-1]
    return pa.array(sequence.draw(args[-2], next_uuids), pa.string())


def _uniform_type(arg_types: Sequence[DataType], options: tuple) -> DataType:
    first, second = arg_types[0], arg_types[1]
    if isinstance(first, NullType) or isinstance(second, NullType):
        return NullType()
    if is_integral(first) and is_integral(second):
        return common_type([first, second]) or LongType()
    for kind in (DoubleType, FloatType):
        if isinstance(first, kind) or isinstance(second, kind):
            return kind()
    return second if isinstance(second, DecimalType) else first


def _uniform_args(args: list) -> list:
    for i, arg in enumerate(args[:2]):
        if not (is_numeric(arg.data_type) or isinstance(arg.data_type, NullType)):
            implicit_cast(arg, "numeric", i, "uniform")
        constant_arg(arg, "uniform", ("min", "max")[i], '"NUMERIC"')
    return _with_row_ids(args)


def _uniform_options(args: list) -> tuple:
    """(result type, min, max, the seeded sequence): all fixed at analysis."""
    bounds = [constant_arg(a, "uniform", "bound", '"NUMERIC"') for a in args[:2]]
    result = to_arrow_type(_uniform_type([a.data_type for a in args[:2]], ()))
    seed = _seed_option(args[:-1], 2, "uniform")
    return (result, *bounds, _TaskSequence(seed, XORShiftRandom))


def _render_uniform(display: str, args: list[str], options: tuple) -> str:
    # Spark shows the seed it drew when none was given.
    return f"uniform({args[0]}, {args[1]}, {args[2] if len(args) > 3 else options[3].seed})"


@scalar("uniform", ["any", "any", "long"], _uniform_type, min_args=2, max_args=3,
        null_intolerant=False, deterministic=False, coerce_args=_uniform_args,
        options_from_args=_uniform_options, render_call=_render_uniform)
def uniform(*args: Any) -> Any:
    """``min + (max - min) * r`` for Spark's ``rand(seed)`` r, in the bounds' type."""
    out_type, low, high, sequence, row_ids = args[-4], args[-3], args[-2], args[-1], args[-5]
    n = len(kernels.to_array(row_ids, 1))
    if low is None or high is None or pa.types.is_null(out_type):
        return pa.nulls(n, out_type)
    r = np.asarray(sequence.draw(row_ids, lambda rng, count: rng.doubles(count)), np.float64)
    values = float(low) + (float(high) - float(low)) * r
    if pa.types.is_integer(out_type):
        return pa.array(np.trunc(values).astype(np.int64)).cast(out_type)
    if pa.types.is_decimal(out_type):
        return pc.cast(pc.round(pa.array(values), out_type.scale, round_mode="half_up"), out_type,
                       safe=False)
    return pa.array(values).cast(out_type)


# ---- assertions ------------------------------------------------------------------------------


def user_raised(message: Any) -> SparkRuntimeException:
    """Spark's error for ``raise_error``/``assert_true``."""
    text = "null" if message is None else str(message)
    return SparkRuntimeException("USER_RAISED_EXCEPTION", text, {"errorMessage": text}, "P0001")


def _assert_args(args: list) -> list:
    condition = implicit_cast(args[0], "boolean", 0, "assert_true")
    if len(args) == 1:
        return [condition, E.Literal(f"'{args[0].sql()}' is not true!", StringType())]
    return [condition, implicit_cast(args[1], "string", 1, "assert_true")]


@scalar("assert_true", ["boolean", "string"], NullType(), min_args=1, max_args=2,
        null_intolerant=False, always_nullable=True, deterministic=False,
        coerce_args=_assert_args)
def assert_true(condition: Any, message: Any) -> Any:
    """Null when ``condition`` is true; else USER_RAISED_EXCEPTION with ``message``."""
    n = kernels.length_of(condition, message)
    failed = pc.invert(pc.fill_null(kernels.to_array(condition, _rows(n)), False))
    if pc.any(failed).as_py():
        first = int(np.flatnonzero(failed.to_numpy(zero_copy_only=False))[0])
        raise user_raised(kernels.to_array(message, _rows(n))[first].as_py())
    return pa.nulls(n) if n is not None else pa.scalar(None)


@scalar("raise_error", ["string"], NullType(), null_intolerant=False, always_nullable=True,
        deterministic=False)
def raise_error(message: Any) -> Any:
    """Raises USER_RAISED_EXCEPTION with the (first row's) message."""
    n = kernels.length_of(message)
    if n == 0:
        return pa.nulls(0)
    raise user_raised(kernels.to_array(message, 1)[0].as_py())


# ---- equal_null ------------------------------------------------------------------------------


@scalar("equal_null", ["same", "same"], BooleanType(), null_intolerant=False, never_null=True)
def equal_null(a: Any, b: Any) -> Any:
    """``a <=> b``: true when both are null, false when one is."""
    if pa.types.is_null(a.type) or pa.types.is_null(b.type):
        return pc.and_(pc.is_null(a), pc.is_null(b))
    return kernels.equal_null_safe(a, b)


# ---- session facts ---------------------------------------------------------------------------


def _session_fact(name: str, value: Any, shown: str | None = None) -> None:
    """A function of no arguments whose value is fixed when the query is analyzed."""
    scalar(name, [], StringType(), never_null=True,
           options_from_args=lambda args: (value(),),
           render_call=lambda display, args, options: f"{shown or name}()")(
        lambda fact: pa.scalar(fact, pa.string()))


def _current_database() -> str:
    from minispark.sql.plan.analyzer import _current_catalog

    return getattr(_current_catalog.get(), "current_database", None) or "default"


def _version() -> str:
    """``'<release> <revision>'`` as Spark prints it; minispark has no git revision to give."""
    from minispark import __version__

    return f"{__version__} {hashlib.sha1(f'minispark {__version__}'.encode()).hexdigest()}"


_session_fact("current_catalog", lambda: "spark_catalog")
_session_fact("current_database", _current_database, "current_schema")
_session_fact("current_schema", _current_database)
_session_fact("current_path",
              lambda: f"system.builtin,system.session,spark_catalog.{_current_database()}")
for _name in ("current_user", "user", "session_user"):
    _session_fact(_name, getpass.getuser)
_session_fact("version", _version)


# ---- hmac ------------------------------------------------------------------------------------

_HMAC_ALGORITHMS = {"SHA-224": "sha224", "SHA-256": "sha256", "SHA-384": "sha384",
                    "SHA-512": "sha512", "SHA-1": "sha1", "MD5": "md5"}


def _hmac_args(args: list) -> list:
    key = implicit_cast(args[0], "binary", 0, "hmac")
    message = implicit_cast(args[1], "binary", 1, "hmac")
    algorithm = args[2] if len(args) > 2 else E.Literal("SHA-256", StringType())
    return [key, message, implicit_cast(algorithm, "string", 2, "hmac")]


def _mac(key: bytes, message: bytes, algorithm: str) -> bytes:
    digest = _HMAC_ALGORITHMS.get(algorithm.upper())
    if digest is None:
        raise SparkRuntimeException(
            "INVALID_PARAMETER_VALUE.HMAC_ALGORITHM",
            "The value of parameter(s) `algorithm` in `hmac` is invalid: expects one of the "
            "algorithms 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512', 'SHA-1', 'MD5', but got "
            f"'{algorithm}'.", {"parameter": "`algorithm`", "functionName": "`hmac`"}, "22023")
    return _hmac.new(key, message, digest).digest()


@scalar("hmac", ["binary", "binary", "string"], BinaryType(), min_args=2,
        coerce_args=_hmac_args)
def hmac(key: Any, message: Any, algorithm: Any) -> Any:
    """The HMAC of ``message`` under ``key`` (SHA-256 unless another algorithm is named)."""
    return rowwise(_mac, pa.binary(), key, message, algorithm)
