"""The errors of query analysis and execution (``pyspark.errors.exceptions.captured``).

PySpark raises these when the JVM reports one; minispark raises them itself,
under the same module path, so tracebacks and imports read the same.
"""
from __future__ import annotations

from minispark.errors.exceptions.base import PySparkException


class AnalysisException(PySparkException):
    """A query refers to something that does not exist or has the wrong type."""


class TempTableAlreadyExistsException(AnalysisException):
    """A temporary view of that name exists already."""


class ParseException(AnalysisException):
    """SQL text (or a DDL or expression string) does not parse."""


class IllegalArgumentException(PySparkException):
    """An argument has a value the operation does not accept."""


class ArithmeticException(PySparkException):
    """Overflow or division by zero under ANSI mode."""


class UnsupportedOperationException(PySparkException):
    """The operation is not supported for this input."""


class ArrayIndexOutOfBoundsException(PySparkException):
    """An array index is outside the array (ANSI mode)."""


class DateTimeException(PySparkException):
    """A date or timestamp value or pattern is invalid."""


class NumberFormatException(IllegalArgumentException):
    """A string cannot be cast to a number (ANSI mode)."""


class SparkRuntimeException(PySparkException):
    """A query failed while it ran."""


class SparkNoSuchElementException(PySparkException):
    """A looked-up element (configuration key, ...) does not exist."""


class QueryExecutionException(PySparkException):
    """A query failed while executing."""


class PythonException(PySparkException):
    """A Python user function raised in an executor."""
