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
from minispark.errors.exceptions.base import (  # noqa: F401  (the public API)
    PySparkException,
    PySparkValueError,
    PySparkTypeError,
    PySparkIndexError,
    PySparkAttributeError,
    PySparkRuntimeError,
    PySparkNotImplementedError,
    PySparkKeyError,
)
from minispark.errors.exceptions.captured import (  # noqa: F401
    AnalysisException,
    TempTableAlreadyExistsException,
    ParseException,
    IllegalArgumentException,
    ArithmeticException,
    UnsupportedOperationException,
    ArrayIndexOutOfBoundsException,
    DateTimeException,
    NumberFormatException,
    SparkRuntimeException,
    SparkNoSuchElementException,
    QueryExecutionException,
    PythonException,
)
