"""PySpark's exception classes (``pyspark.errors``), raised by the SQL layer.

Each error carries Spark's error condition (``getCondition()``), its message
parameters and SQLSTATE, and its text starts with ``[CONDITION]`` as Spark's
does, so code that catches or matches PySpark's errors works unchanged.

>>> e = AnalysisException("UNRESOLVED_COLUMN.WITH_SUGGESTION", "A column ... cannot be resolved.",
...                       {"objectName": "`x`"}, "42703")
>>> str(e), e.getCondition(), e.getSqlState()
('[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column ... cannot be resolved. SQLSTATE: 42703', \
'UNRESOLVED_COLUMN.WITH_SUGGESTION', '42703')
"""
from __future__ import annotations


class PySparkException(Exception):
    """Base of every error the SQL layer raises on purpose."""

    def __init__(self, errorClass: str | None = None, message: str = "",
                 messageParameters: dict[str, str] | None = None,
                 sqlState: str | None = None) -> None:
        self._condition = errorClass
        self._parameters = dict(messageParameters or {})
        self._sql_state = sqlState
        self._message = message
        text = f"[{errorClass}] {message}" if errorClass else message
        if sqlState:
            text += f" SQLSTATE: {sqlState}"
        super().__init__(text)

    def getCondition(self) -> str | None:
        """Spark's error condition, e.g. ``'DIVIDE_BY_ZERO'``."""
        return self._condition

    def getErrorClass(self) -> str | None:
        """The error condition (older name of :meth:`getCondition`)."""
        return self._condition

    def getMessageParameters(self) -> dict[str, str]:
        """The values substituted into the message."""
        return dict(self._parameters)

    def getSqlState(self) -> str | None:
        """The SQLSTATE of the condition, e.g. ``'22012'``."""
        return self._sql_state

    def getMessage(self) -> str:
        """The full message, as ``str(error)``."""
        return str(self)

    def __reduce__(self):
        # Errors raised in executors travel back to the driver by pickle.
        return (_rebuild, (type(self), self._condition, self._message, self._parameters,
                           self._sql_state, str(self)))


def _rebuild(cls: type, condition: str | None, message: str, parameters: dict,
             sql_state: str | None, text: str) -> PySparkException:
    error = cls.__new__(cls)
    PySparkException.__init__(error, condition, message, parameters, sql_state)
    error.args = (text,)
    return error


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


class PySparkValueError(PySparkException, ValueError):
    """A Python-side argument has a bad value."""


class PySparkTypeError(PySparkException, TypeError):
    """A Python-side argument has a bad type."""


class PySparkIndexError(PySparkException, IndexError):
    """A Python-side index is out of range."""


class PySparkAttributeError(PySparkException, AttributeError):
    """An attribute is not available."""


class PySparkRuntimeError(PySparkException, RuntimeError):
    """A Python-side operation cannot run in the current state."""


class PySparkNotImplementedError(PySparkException, NotImplementedError):
    """A Python-side feature is not implemented."""


class PySparkKeyError(PySparkException, KeyError):
    """A Python-side key does not exist."""

    def __str__(self) -> str:
        return Exception.__str__(self)
