"""Hashes, identifiers, session facts and assertions (``hash``, ``uuid``, ``current_user``, ``raise_error``...)."""
from __future__ import annotations

from minispark.sql.functions._support import exported

__all__ = exported(globals(), __name__)
