"""Where a row came from: ``input_file_name``, ``input_file_block_start``, ``input_file_block_length``."""
from __future__ import annotations

from minispark.sql.functions._support import exported

__all__ = exported(globals(), __name__)
