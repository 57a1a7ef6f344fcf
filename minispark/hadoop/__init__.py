"""Hadoop's on-disk formats, without a JVM: SequenceFiles, Writables, codecs, text formats.

Sits at the file-system level (imports only ``minispark.fs`` and
``minispark.common``); ``SparkContext.sequenceFile``/``hadoopFile``/... and
``RDD.saveAsSequenceFile``/``saveAsHadoopFile``/... are built on it.

- ``writables``: Writable classes, their bytes and their Python values
- ``codecs``: Hadoop compression codecs by class name
- ``sequencefile``: the SequenceFile format, written and read split by split
- ``textinput``: Hadoop's line reader with byte offsets and custom delimiters
- ``splits``: Hadoop's ``FileInputFormat.getSplits``
- ``formats``: Input/OutputFormat class names and their Hadoop configuration keys

See ``docs/hadoop-formats.md``.
"""
from minispark.hadoop.writables import register_array_writable, unregister_array_writable

__all__ = ["register_array_writable", "unregister_array_writable"]
