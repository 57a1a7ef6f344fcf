"""``input_file_name()``, ``input_file_block_start()``, ``input_file_block_length()``:
the file block the current rows were read from (see :mod:`minispark.sql.sources.inputfile`).

Their kernels take the batch being computed (``takes_batch``) and read its
tag. They are not deterministic (their value depends on where a row is
computed), so the optimizer neither folds them nor moves them across a shuffle.
"""
from __future__ import annotations

from typing import Any

import pyarrow as pa

from minispark.sql.builtins.registry import scalar
from minispark.sql.sources import inputfile
from minispark.sql.types import LongType, StringType


@scalar("input_file_name", [], StringType(), never_null=True, deterministic=False,
        takes_batch=True)
def input_file_name(batch: pa.RecordBatch) -> Any:
    """The URI of the batch's file (see :mod:`minispark.sql.sources.inputfile`)."""
    return pa.scalar(inputfile.block_of(batch)[0], pa.string())


@scalar("input_file_block_start", [], LongType(), never_null=True, deterministic=False,
        takes_batch=True)
def input_file_block_start(batch: pa.RecordBatch) -> Any:
    """The start of the batch's file block (see :mod:`minispark.sql.sources.inputfile`)."""
    return pa.scalar(inputfile.block_of(batch)[1], pa.int64())


@scalar("input_file_block_length", [], LongType(), never_null=True, deterministic=False,
        takes_batch=True)
def input_file_block_length(batch: pa.RecordBatch) -> Any:
    """The length of the batch's file block (see :mod:`minispark.sql.sources.inputfile`)."""
    return pa.scalar(inputfile.block_of(batch)[2], pa.int64())
