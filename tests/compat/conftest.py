"""``pyspark_style/`` is a test suite as a PySpark project writes it, with its own
session-wide SparkContext; ``test_activate.py`` runs it in a separate pytest, so
this suite's run must not collect it (its context would clash with the shared ones)."""

collect_ignore = ["pyspark_style"]
