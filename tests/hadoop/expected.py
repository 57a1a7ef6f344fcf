"""What the Hadoop-written files under tests/data/hadoop hold, computed as their generator did.

The files were written by Hadoop's own SequenceFile.Writer and by Spark's
saveAsTextFile; docs/hadoop-formats.md has the command.  Each function
returns the records in file order.
"""
from __future__ import annotations

import os
import struct

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "hadoop")


def float32(value: float) -> float:
    """``value`` rounded to a Java float, then widened back, as FloatWritable reads."""
    return struct.unpack(">f", struct.pack(">f", value))[0]


def _map(i: int) -> dict:
    return {"text": f"t{i}", i: -(i << 40), float32(i + 0.5): i / 3.0,
            i % 2 == 0: bytearray([i, 255 - i]), 100 + i: i << 50, -(1000 + i): None,
            20 + i: -i, "inner": {"depth": 2}}


SEQUENCE_FILES = {
    "text_int_syncs.seq": lambda: [("key-%03d" % i, i * i - 7) for i in range(300)],
    "long_text_record_deflate.seq": lambda: [(i << 33, ("välue %d " % i) * (i % 5))
                                             for i in range(60)],
    "int_bytes_block_deflate.seq": lambda: [(-i, bytearray((i * 7 + j) % 256 for j in range(i % 40)))
                                            for i in range(200)],
    "double_float_block_gzip.seq": lambda: [(i / 7.0, float32(i * 1.1)) for i in range(150)],
    "bool_null_record_gzip.seq": lambda: [(i % 3 == 0, None) for i in range(20)],
    "vint_vlong_block_bzip2.seq": lambda: [((-1) ** i * i ** 4, (-1) ** i * i ** 9) for i in range(100)],
    "null_map.seq": lambda: [(None, _map(i)) for i in range(4)],
    "int_array.seq": lambda: [(i, tuple(range(i))) for i in range(6)],
}

#: (key class, value class, compression, codec) each header names.
HEADERS = {
    "text_int_syncs.seq": ("Text", "IntWritable", "NONE", None),
    "long_text_record_deflate.seq": ("LongWritable", "Text", "RECORD", "DefaultCodec"),
    "int_bytes_block_deflate.seq": ("IntWritable", "BytesWritable", "BLOCK", "DefaultCodec"),
    "double_float_block_gzip.seq": ("DoubleWritable", "FloatWritable", "BLOCK", "GzipCodec"),
    "bool_null_record_gzip.seq": ("BooleanWritable", "NullWritable", "RECORD", "GzipCodec"),
    "vint_vlong_block_bzip2.seq": ("VIntWritable", "VLongWritable", "BLOCK", "BZip2Codec"),
    "null_map.seq": ("NullWritable", "MapWritable", "NONE", None),
    "int_array.seq": ("IntWritable", "ArrayWritable", "NONE", None),
}

TEXT_DIRS = ("lines_deflate", "lines_bzip2")


def text_lines() -> list[str]:
    return ["line %d %s" % (i, "é" * (i % 3)) for i in range(50)]

#: dict_order/ was written by PySpark's saveAsSequenceFile; PySpark printed its records
#: so (the dicts in the order of the java.util.HashMap Spark builds).
DICT_ORDER_AS_PYSPARK_PRINTS = (
    "[(1, {1099511627776: 9, None: 7, '': 10, 'zz': 3, 'a': 2, 'b': 1, 2.5: 5, 10: 4, "
    "'hello': 8, True: 6}), (2, {8000: -8, 0: 0, 4000: -4, 'key1': 1, 'key2': 2, 'key0': 0, "
    "'key5': 5, 'key6': 6, 'key3': 3, 'key4': 4, 5000: -5, 9000: -9, 1000: -1, 'key9': 9, "
    "'key7': 7, 'key8': 8, 'key11': 11, 'key10': 10, 10000: -10, 2000: -2, 6000: -6, 7000: -7, "
    "11000: -11, 3000: -3})]")
