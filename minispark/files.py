"""SparkFiles: paths of files added with ``sc.addFile`` (pyspark.SparkFiles)."""
from __future__ import annotations

import os


class SparkFiles:
    """Resolves files distributed by ``SparkContext.addFile``.

    Driver and executors share one machine, so both see the same root folder
    inside the application's local directory.
    """

    _root_directory: str | None = None

    def __init__(self) -> None:
        raise NotImplementedError("Do not construct SparkFiles objects")

    @classmethod
    def get(cls, filename: str) -> str:
        """The absolute path of a file added with ``addFile``."""
        return os.path.join(cls.getRootDirectory(), filename)

    @classmethod
    def getRootDirectory(cls) -> str:
        """The folder that holds every added file."""
        if cls._root_directory is None:
            raise RuntimeError("SparkFiles is used before a SparkContext was created")
        return cls._root_directory
