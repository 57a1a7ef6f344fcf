"""The base of PySpark's errors and its Python-side errors (``pyspark.errors.exceptions.base``)."""
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
        return (rebuild_error, (type(self), self._condition, self._message, self._parameters,
                           self._sql_state, str(self)))


def rebuild_error(cls: type, condition: str | None, message: str, parameters: dict,
                  sql_state: str | None, text: str) -> PySparkException:
    """An error of class ``cls`` with these parts and exactly this text (no ``__init__``
    of the subclass runs: what unpickling, or rebuilding a task's error, needs)."""
    error = cls.__new__(cls)
    PySparkException.__init__(error, condition, message, parameters, sql_state)
    error.args = (text,)
    return error


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
