"""PySpark 4's ``pyspark.core`` module paths, as aliases of minispark's own modules."""
