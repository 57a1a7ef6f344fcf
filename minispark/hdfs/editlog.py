"""The NameNode's edit log: every namespace change, durable before it is acknowledged.

Segments live in the name directory as ``edits_inprogress_<first txid>`` while
being written and ``edits_<first>-<last>`` once finalized (txids zero-padded to
19 digits as Hadoop does).  Each record is one line ``<crc32 hex> <json>``; the
CRC lets a restart tell a record torn by a crash (never acknowledged, since the
acknowledgement waits for ``fsync``) from a complete one.

Writers call :meth:`EditLog.log` under the namesystem lock (so txids follow
the order changes were applied) and :meth:`EditLog.sync` after releasing it:
one ``fsync`` then covers every record logged so far (group commit).
"""
from __future__ import annotations

import json
import os
import re
import threading
import zlib
from pathlib import Path
from typing import Any, Iterator

from .errors import HdfsIOException

_FINAL = re.compile(r"^edits_(\d{19})-(\d{19})$")
_INPROGRESS = re.compile(r"^edits_inprogress_(\d{19})$")


def fsync_dir(path: Path) -> None:
    """Make a file creation or rename in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def encode_record(op: dict[str, Any]) -> bytes:
    """One log line: CRC of the JSON, a space, the JSON, a newline."""
    body = json.dumps(op, separators=(",", ":"), sort_keys=True).encode()
    return b"%08x %s\n" % (zlib.crc32(body), body)


def decode_records(data: bytes) -> tuple[list[dict[str, Any]], int]:
    """Valid records of a segment and the byte length they occupy (torn tail excluded)."""
    ops, good = [], 0
    pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        if end < 0:
            break  # torn last line
        line = data[pos:end]
        try:
            crc, body = line.split(b" ", 1)
            if int(crc, 16) != zlib.crc32(body):
                break
            ops.append(json.loads(body))
        except ValueError:
            break
        pos = good = end + 1
    return ops, good


def list_segments(name_dir: Path) -> list[tuple[int, int | None, Path]]:
    """``(first, last or None if in progress, path)`` of every segment, by first txid."""
    found = []
    for entry in name_dir.iterdir():
        if m := _FINAL.match(entry.name):
            found.append((int(m.group(1)), int(m.group(2)), entry))
        elif m := _INPROGRESS.match(entry.name):
            found.append((int(m.group(1)), None, entry))
    return sorted(found, key=lambda s: s[0])


def read_ops(name_dir: Path, after_txid: int, upto_txid: int | None = None) -> Iterator[dict[str, Any]]:
    """Ops with ``after_txid < txid <= upto_txid`` in txid order, checking continuity."""
    expected = after_txid + 1
    for first, last, path in list_segments(name_dir):
        if last is not None and last < expected:
            continue
        ops, _ = decode_records(path.read_bytes())
        for op in ops:
            txid = op["txid"]
            if txid < expected:
                continue
            if upto_txid is not None and txid > upto_txid:
                return
            if txid != expected:
                raise HdfsIOException(
                    f"edit log gap in {path.name}: expected txid {expected}, found {txid}")
            yield op
            expected += 1


def recover_inprogress(name_dir: Path) -> int:
    """Finalize in-progress segments left by a crash; returns the last valid txid (0 if none)."""
    last_txid = 0
    for first, last, path in list_segments(name_dir):
        if last is None:
            data = path.read_bytes()
            ops, good = decode_records(data)
            if not ops:
                path.unlink()
                continue
            if good < len(data):
                # Drop the torn record: it was never synced, so never acknowledged.
                with open(path, "r+b") as f:
                    f.truncate(good)
                    os.fsync(f.fileno())
            last = ops[-1]["txid"]
            path.rename(name_dir / f"edits_{first:019d}-{last:019d}")
            fsync_dir(name_dir)
        last_txid = max(last_txid, last)
    return last_txid


class EditLog:
    """Append-only, group-committed log of namespace changes."""

    def __init__(self, name_dir: str | os.PathLike, last_txid: int) -> None:
        self.dir = Path(name_dir)
        self._lock = threading.Lock()        # record order and the file object
        self._sync_lock = threading.Lock()   # one fsync at a time
        self._txid = last_txid
        self._synced = last_txid
        self._segment_start = last_txid + 1
        self._file = self._open_segment(self._segment_start)

    def _open_segment(self, first: int) -> Any:
        f = open(self.dir / f"edits_inprogress_{first:019d}", "ab")
        fsync_dir(self.dir)
        return f

    @property
    def last_txid(self) -> int:
        """Txid of the newest logged record."""
        return self._txid

    @property
    def segment_start(self) -> int:
        """First txid of the segment being written."""
        return self._segment_start

    def log(self, op: dict[str, Any]) -> int:
        """Append ``op`` (buffered) and return its txid; call :meth:`sync` before acking."""
        with self._lock:
            self._txid += 1
            op["txid"] = self._txid
            self._file.write(encode_record(op))
            return self._txid

    def sync(self, txid: int) -> None:
        """Return once every record up to ``txid`` is on disk (fsync)."""
        with self._sync_lock:
            if self._synced >= txid:
                return
            with self._lock:
                self._file.flush()
                upto = self._txid
                fd = self._file.fileno()
            os.fsync(fd)
            self._synced = upto

    def roll(self) -> int:
        """Finalize the current segment and start a new one; returns its last txid."""
        with self._sync_lock, self._lock:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._synced = self._txid
            self._file.close()
            first, last = self._segment_start, self._txid
            path = self.dir / f"edits_inprogress_{first:019d}"
            if last >= first:
                path.rename(self.dir / f"edits_{first:019d}-{last:019d}")
            else:
                path.unlink()
            self._segment_start = last + 1
            self._file = self._open_segment(self._segment_start)
            return last

    def close(self) -> None:
        """Sync and finalize (clean shutdown)."""
        self.roll()
        with self._lock:
            self._file.close()
            (self.dir / f"edits_inprogress_{self._segment_start:019d}").unlink(missing_ok=True)
