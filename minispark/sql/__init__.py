"""Spark SQL and DataFrames (PySpark's ``pyspark.sql``) on Arrow batches over the RDD engine.

>>> from minispark.sql import SparkSession
"""
from minispark.sql.catalog import Catalog
from minispark.sql.column import Column
from minispark.sql.context import HiveContext, SQLContext
from minispark.sql.dataframe import DataFrame
from minispark.sql.group import GroupedData
from minispark.sql.na import DataFrameNaFunctions
from minispark.sql.stat import DataFrameStatFunctions
from minispark.sql.udf import UDFRegistration
from minispark.sql.readwriter import DataFrameReader, DataFrameWriter
from minispark.sql.session import SparkSession
from minispark.sql.window import Window, WindowSpec
from minispark.sql.row import Row
from minispark.sql import types
