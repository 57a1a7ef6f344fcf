"""Hashes, ids, session facts, assertions and AES (``hash``, ``uuid``, ``raise_error``...)."""
from __future__ import annotations

from typing import Any

from minispark.errors import PySparkTypeError
from minispark.sql.column import Column, _column_arg, _expr
from minispark.sql.functions._support import _call, _columns, _simple, exported
from minispark.sql.plan import expressions as E


def hash(*cols: Any) -> Column:
    """Spark's Murmur3 hash (seed 42) of the columns, as an int.

    >>> spark.createDataFrame([("ABC",)], ["c1"]).select(hash("c1")).collect()
    [Row(hash(c1)=-757602832)]
    """
    return _call("hash", *_columns(cols))


def xxhash64(*cols: Any) -> Column:
    """Spark's XXH64 hash (seed 42) of the columns, as a bigint.

    >>> spark.createDataFrame([("ABC",)], ["c1"]).select(xxhash64("c1")).collect()
    [Row(xxhash64(c1)=4105715581806190027)]
    """
    return _call("xxhash64", *_columns(cols))


def uuid(seed: Any = None) -> Column:
    """A random UUID string per row; with ``seed``, the UUIDs Spark gives for that seed.

    >>> spark.range(0, 1, 1, 1).select(uuid(seed=123)).collect()
    [Row(uuid()='4c99192d-23d6-4d88-b814-a634398120f0')]
    """
    args = [] if seed is None else [_expr(seed)]
    return Column(E.UnresolvedFunction("uuid", args))


def uniform(min: Any, max: Any, seed: Any = None) -> Column:
    """A random number in [min, max) per row, in the bounds' type (ints give ints).

    >>> spark.range(0, 3, 1, 1).select(uniform(5, 105, 3)).collect()
    [Row(uniform(5, 105, 3)=30), Row(uniform(5, 105, 3)=71), Row(uniform(5, 105, 3)=99)]
    """
    args = [_expr(min), _expr(max)]
    if seed is not None:
        args.append(_expr(seed))
    return Column(E.UnresolvedFunction("uniform", args))


def _message(errMsg: Any) -> E.Expression:
    if not isinstance(errMsg, (str, Column)):
        raise PySparkTypeError(
            "NOT_EXPECTED_TYPE",
            f"Argument `errMsg` should be a Column or str, got {type(errMsg).__name__}.",
            {"expected_type": "Column or str", "arg_name": "errMsg",
             "arg_type": type(errMsg).__name__})
    return _expr(errMsg)


def assert_true(col: Any, errMsg: Any = None) -> Column:
    """Null if ``col`` is true, else an error (USER_RAISED_EXCEPTION) with ``errMsg``.

    >>> df = spark.range(1)
    >>> df.select(assert_true(df.id >= 0)).collect()
    [Row(assert_true((id >= 0), '(id >= 0)' is not true!)=None)]
    """
    args = [_column_arg(col)]
    if errMsg is not None:
        args.append(_message(errMsg))
    return Column(E.UnresolvedFunction("assert_true", args))


def raise_error(errMsg: Any) -> Column:
    """Fails the query with USER_RAISED_EXCEPTION and ``errMsg``."""
    return Column(E.UnresolvedFunction("raise_error", [_message(errMsg)]))


equal_null = _simple("equal_null", 2, "``a <=> b``: true if both are null, false if one is.")


def hmac(key: Any, message: Any, algorithm: Any = None) -> Column:
    """The HMAC of ``message`` with ``key`` (SHA-256, or ``algorithm``), as binary."""
    if algorithm is None:
        return _call("hmac", key, message)
    return _call("hmac", key, message, algorithm)


def _aes(name: str, optional: tuple[str, ...], doc: str) -> Any:
    """aes_encrypt/aes_decrypt/try_aes_decrypt: omitted options are GCM, DEFAULT and ''."""
    defaults = {"mode": "GCM", "padding": "DEFAULT", "iv": "", "aad": ""}

    def function(input: Any, key: Any, *args: Any, **kwargs: Any) -> Column:
        given = dict(zip(optional, args), **kwargs)
        options = [_expr(defaults[o]) if given.get(o) is None else _column_arg(given[o], o)
                   for o in optional]
        return Column(E.UnresolvedFunction(name, [_column_arg(input), _column_arg(key),
                                                  *options]))
    function.__name__ = name
    function.__doc__ = doc
    return function


aes_encrypt = _aes("aes_encrypt", ("mode", "padding", "iv", "aad"),
                   "AES encryption of ``input`` with ``key`` (GCM unless ``mode`` says ECB or "
                   "CBC), as Spark lays it out: IV, ciphertext, tag.")
aes_decrypt = _aes("aes_decrypt", ("mode", "padding", "aad"),
                   "The inverse of :func:`aes_encrypt`.")
try_aes_decrypt = _aes("try_aes_decrypt", ("mode", "padding", "aad"),
                       ":func:`aes_decrypt`, null instead of an error when decryption fails.")


current_catalog = _simple("current_catalog", 0, "The current catalog (``spark_catalog``).")
current_database = _simple("current_database", 0, "The current database.")
current_schema = _simple("current_schema", 0, "The current database.")
current_path = _simple("current_path", 0, "The SQL path: the schemas function names resolve in.")
current_user = _simple("current_user", 0, "The user running the session.")
user = _simple("user", 0, "The user running the session.")
session_user = _simple("session_user", 0, "The user running the session.")
version = _simple("version", 0, "The engine's version and revision.")

__all__ = exported(globals(), __name__)
