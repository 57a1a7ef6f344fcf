"""Built-in column functions (PySpark's ``pyspark.sql.functions``).

Each function builds an expression; the same names work in SQL text and in
``expr()``, because both resolve through one function registry.

>>> from minispark.sql import functions as F
>>> df = spark.createDataFrame([("Alice", 2), ("Bob", None)], ["name", "age"])
>>> df.select(F.upper("name"), F.coalesce("age", F.lit(0)).alias("age")).collect()
[Row(upper(name)='ALICE', age=2), Row(upper(name)='BOB', age=0)]

The functions live in one module per kind (``core``, ``strings``, ``maths``,
``aggregates``, ``collections``, ``datetimes``, ``misc``, ``inputs``); this package is their one
namespace, as PySpark's ``pyspark.sql.functions`` is.
"""
from minispark.sql.functions.aggregates import *  # noqa: F401,F403
from minispark.sql.functions.collections import *  # noqa: F401,F403
from minispark.sql.functions.core import *  # noqa: F401,F403
from minispark.sql.functions.datetimes import *  # noqa: F401,F403
from minispark.sql.functions.inputs import *  # noqa: F401,F403
from minispark.sql.functions.maths import *  # noqa: F401,F403
from minispark.sql.functions.misc import *  # noqa: F401,F403
from minispark.sql.functions.strings import *  # noqa: F401,F403
from minispark.sql.udf import pandas_udf, udf  # noqa: F401  (part of the functions API)
