"""Built-in functions: one registry shared by the DataFrame API and SQL.

Importing this package registers every function (each module adds its own).
"""
from minispark.sql.builtins import (  # noqa: F401  (imported for their registrations)
    aggregates, collections, conditional, datetime, json, math, string, windows,
)
from minispark.sql.builtins import intervals  # noqa: F401  (after math: wraps its try_*)
from minispark.sql.builtins import times  # noqa: F401  (registrations)
from minispark.sql.builtins import number_format, text_encoding  # noqa: F401  (registrations)
from minispark.sql.builtins import inputs  # noqa: F401  (registrations)
from minispark.sql.builtins import misc  # noqa: F401  (registrations)
from minispark.sql.builtins.registry import (
    AggregateSpec, FunctionSpec, ScalarSpec, exists, function_names, lookup,
)

__all__ = ["AggregateSpec", "FunctionSpec", "ScalarSpec", "exists", "function_names", "lookup"]
