"""PySpark's exception modules: ``base`` and ``captured``."""
