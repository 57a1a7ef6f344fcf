"""Python user-defined functions: ``udf`` (row at a time), ``pandas_udf`` (vectorized over
pandas Series of one Arrow batch) and ``spark.udf.register`` for use in SQL.

>>> from minispark.sql.functions import udf
>>> from minispark.sql.types import IntegerType
>>> plus_one = udf(lambda x: x + 1, IntegerType())
>>> spark.range(2).select(plus_one("id").alias("n")).collect()
[Row(n=1), Row(n=2)]
"""
from __future__ import annotations

import functools
import traceback
from typing import Any, Callable

import pyarrow as pa

from minispark.errors import PySparkTypeError, PythonException
from minispark.sql.column import Column, _column_arg
from minispark.sql.plan.expressions import PythonUDF
from minispark.sql.types import DataType, StringType, _parse_datatype_string, to_arrow_type


def _return_type(value: DataType | str | None) -> DataType:
    if value is None:
        return StringType()
    if isinstance(value, str):
        return _parse_datatype_string(value)
    if isinstance(value, DataType):
        return value
    raise PySparkTypeError("NOT_DATATYPE_OR_STR", "Argument `returnType` should be a DataType "
                           f"or str, got {type(value).__name__}.", {})


class UserDefinedFunction:
    """A wrapped Python function; calling it with columns gives a Column."""

    def __init__(self, func: Callable, returnType: DataType | str | None = None,
                 name: str | None = None, vectorized: bool = False,
                 deterministic: bool = True) -> None:
        if not callable(func):
            raise PySparkTypeError("NOT_CALLABLE", "Argument `func` should be a callable, got "
                                   f"{type(func).__name__}.", {})
        self.func = func
        self.returnType = _return_type(returnType)
        self._name = name or getattr(func, "__name__", type(func).__name__)
        self.vectorized = vectorized
        self.deterministic = deterministic
        functools.update_wrapper(self, func)  # type: ignore[arg-type]

    def __call__(self, *cols: Any) -> Column:
        args = [_column_arg(c) for c in cols]
        return Column(PythonUDF(self._name, self.func, self.returnType, args, self.vectorized,
                                self.deterministic))

    def asNondeterministic(self) -> "UserDefinedFunction":
        """The same function, marked as giving different results for the same input."""
        return UserDefinedFunction(self.func, self.returnType, self._name, self.vectorized,
                                   False)


def udf(f: Any = None, returnType: DataType | str = StringType()) -> Any:
    """A row-at-a-time UDF: ``udf(f, IntegerType())`` or ``@udf(returnType="int")``."""
    if f is None or isinstance(f, (str, DataType)):
        return_type = returnType if f is None else f
        return lambda func: UserDefinedFunction(func, return_type)
    return UserDefinedFunction(f, returnType)


def pandas_udf(f: Any = None, returnType: Any = None, functionType: Any = None) -> Any:
    """A vectorized UDF over pandas Series (``@pandas_udf("double")``)."""
    if functionType is not None:
        raise NotImplementedError("pandas_udf functionType (grouped map / aggregate UDFs) "
                                  "is not supported yet")
    if f is None or isinstance(f, (str, DataType)):
        return_type = returnType if f is None else f
        return lambda func: UserDefinedFunction(func, return_type, vectorized=True)
    return UserDefinedFunction(f, returnType, vectorized=True)


class UDFRegistration:
    """``spark.udf``: register Python functions under names SQL can call."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def register(self, name: str, f: Any, returnType: DataType | str | None = None) -> Any:
        """Register ``f`` (a function or a ``udf``) as ``name``; returns the UDF.

        >>> _ = spark.udf.register("twice", lambda x: x * 2, "long")
        >>> spark.sql("SELECT twice(21) AS n").collect()
        [Row(n=42)]
        """
        if isinstance(f, UserDefinedFunction):
            if returnType is not None:
                raise PySparkTypeError("CANNOT_SPECIFY_RETURN_TYPE_FOR_UDF",
                                       f"returnType can not be specified when `f` is a "
                                       f"user-defined function, but got {returnType}.", {})
            function = UserDefinedFunction(f.func, f.returnType, name, f.vectorized,
                                           f.deterministic)
        else:
            function = UserDefinedFunction(f, returnType, name)
        self._session._catalog.functions[name.lower()] = function
        return function


def evaluate_udf(expr: PythonUDF, args: list[Any], rows: int) -> pa.Array:
    """The UDF's values for one batch (``args`` are Arrow arrays of its arguments)."""
    from minispark.sql.conversion import column_values, rows_to_arrow
    from minispark.sql.types import StructField, StructType

    arrow_type = to_arrow_type(expr.return_type)
    try:
        if expr.vectorized:
            series = [a.to_pandas() for a in args]
            result = expr.func(*series)
            return pa.Array.from_pandas(result, type=arrow_type)
        columns = [column_values(a, c.data_type) for a, c in zip(args, expr.children)]
        values = [expr.func(*row) for row in zip(*columns)] if columns else [
            expr.func() for _ in range(rows)]
    except Exception as exc:  # noqa: BLE001 - the user's error, reported as PySpark does
        raise PythonException(
            None, "An exception was thrown from the Python worker. Please see the stack trace "
            "below.\n" + "".join(traceback.format_exception(exc))) from exc
    schema = StructType([StructField("v", expr.return_type)])
    return rows_to_arrow([(v,) for v in values], schema, verify=False).column(0)
