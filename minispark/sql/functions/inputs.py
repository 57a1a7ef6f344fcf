"""Where a row came from: ``input_file_name``, ``input_file_block_start`` and
``input_file_block_length`` (see :mod:`minispark.sql.sources.inputfile`)."""
from __future__ import annotations

from minispark.sql.column import Column
from minispark.sql.functions._support import _call, exported


def input_file_name() -> Column:
    """The URI of the file the row was read from (``""`` if it came from no file).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     spark.range(1).write.mode("overwrite").parquet(d)
    ...     name = spark.read.parquet(d).select(input_file_name()).first()[0]
    >>> name.startswith("file:///") and name.endswith(".parquet")
    True
    """
    return _call("input_file_name")


def input_file_block_start() -> Column:
    """The offset of the file block the row was read from (-1 if it came from no file)."""
    return _call("input_file_block_start")


def input_file_block_length() -> Column:
    """The length of the file block the row was read from (-1 if it came from no file)."""
    return _call("input_file_block_length")


__all__ = exported(globals(), __name__)
