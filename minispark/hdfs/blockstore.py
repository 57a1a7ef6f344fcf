"""A DataNode's replicas on disk: block files plus checksum (``.meta``) files.

Layout under the data directory (as Hadoop's, minus the block-pool level)::

    current/finalized/subdir<N>/blk_<id>            the bytes
    current/finalized/subdir<N>/blk_<id>_<gs>.meta  header + CRC32 per 512-byte chunk
    current/rbw/blk_<id> , blk_<id>_<gs>.meta       replicas being written

File names are built from integers only, so nothing a peer sends can name a
path outside the data directory.  A ``.meta`` file starts with a 7-byte
header (version, checksum type, bytes per checksum) then one big-endian CRC32
per chunk; the last chunk may be partial.
"""
from __future__ import annotations

import os
import re
import shutil
import struct
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .errors import ChecksumException, HdfsIOException

META_HEADER = struct.Struct("!HBI")
META_VERSION = 1
CRC32 = 1
_META = re.compile(r"^blk_(\d+)_(\d+)\.meta$")


class ReplicaNotFoundException(HdfsIOException):
    """The DataNode has no usable replica of the requested block."""


def chunk_crcs(data: bytes | memoryview, bpc: int, first: int = 0) -> bytes:
    """CRC32 of each piece of ``data``; the first piece is ``first`` bytes if non-zero.

    ``first`` is used when a packet continues a partial chunk: its first
    piece only fills that chunk up to the boundary.
    """
    view = memoryview(data)
    out = []
    pos = 0
    if first:
        out.append(zlib.crc32(view[:first]))
        pos = first
    crc32 = zlib.crc32
    for i in range(pos, len(view), bpc):
        out.append(crc32(view[i:i + bpc]))
    return struct.pack(f"!{len(out)}I", *out)


@dataclass
class Replica:
    """A finalized replica known to the store."""

    id: int
    gs: int
    length: int


class ReplicaWriter:
    """Appends packets to a replica being written (``rbw``), keeping CRCs in step."""

    def __init__(self, store: "BlockStore", block_id: int, gs: int, length: int) -> None:
        self.store, self.id, self.gs = store, block_id, gs
        self.bpc = store.bpc
        self.data_path, self.meta_path = store.rbw_paths(block_id, gs)
        self.data = open(self.data_path, "r+b" if length else "w+b")
        self.meta = open(self.meta_path, "r+b" if length else "w+b")
        if not length:
            self.meta.write(META_HEADER.pack(META_VERSION, CRC32, self.bpc))
        self.length = length
        self._truncate(length)

    def _truncate(self, length: int) -> None:
        """Cut the replica to ``length`` bytes (pipeline recovery), recomputing a partial last CRC."""
        nchunks = -(-length // self.bpc)
        self.data.truncate(length)
        self.meta.truncate(META_HEADER.size + 4 * nchunks)
        self.data.seek(length)
        self.meta.seek(META_HEADER.size + 4 * nchunks)
        partial = length % self.bpc
        if partial:
            self.data.seek(length - partial)
            crc = zlib.crc32(self.data.read(partial))
            self.meta.seek(META_HEADER.size + 4 * (nchunks - 1))
            self.meta.write(struct.pack("!I", crc))
        self._last_crc = self._read_last_crc() if partial else 0
        self.length = length

    def _read_last_crc(self) -> int:
        self.meta.seek(-4, os.SEEK_END)
        (crc,) = struct.unpack("!I", self.meta.read(4))
        return crc

    def write(self, offset: int, crcs: bytes, data: bytes, verify: bool) -> None:
        """Write one packet at ``offset`` (== current length), checking its CRCs if ``verify``."""
        if offset != self.length:
            raise HdfsIOException(f"packet at offset {offset} but replica {self.id} has {self.length} bytes")
        if not data:
            return
        partial = self.length % self.bpc
        first = min(len(data), self.bpc - partial) if partial else 0
        if verify and chunk_crcs(data, self.bpc, first) != crcs:
            raise ChecksumException(f"checksum error in packet at offset {offset} of block {self.id}")
        if verify is False and len(crcs) != 4 * (-(-max(0, len(data) - first) // self.bpc) + (1 if first else 0)):
            raise HdfsIOException("packet CRC count does not match its data")
        self.data.seek(self.length)
        self.data.write(data)
        if first:
            # Continue the partial last chunk: CRC32 of old+new from the old CRC.
            combined = zlib.crc32(memoryview(data)[:first], self._last_crc)
            self.meta.seek(-4, os.SEEK_END)
            self.meta.write(struct.pack("!I", combined))
            crcs = crcs[4:]
        self.meta.seek(0, os.SEEK_END)
        self.meta.write(crcs)
        self.length += len(data)
        if self.length % self.bpc:
            self.meta.flush()
            self._last_crc = self._read_last_crc()

    def finalize(self, sync: bool) -> Replica:
        """Close files and move the replica to ``finalized``."""
        for f in (self.data, self.meta):
            f.flush()
            if sync:
                os.fsync(f.fileno())
            f.close()
        return self.store.finalize(self.id, self.gs, self.length)

    def abort(self) -> None:
        """Close files, leaving the ``rbw`` replica for a recovery or cleanup."""
        for f in (self.data, self.meta):
            try:
                f.close()
            except OSError:
                pass


class BlockStore:
    """The replicas of one DataNode data directory."""

    def __init__(self, data_dir: str | os.PathLike, bpc: int = 512) -> None:
        self.root = Path(data_dir)
        self.bpc = bpc
        self.finalized = self.root / "current" / "finalized"
        self.rbw = self.root / "current" / "rbw"
        self.finalized.mkdir(parents=True, exist_ok=True)
        # Replicas being written when the node stopped are not recovered (see docs).
        shutil.rmtree(self.rbw, ignore_errors=True)
        self.rbw.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._block_locks: dict[int, threading.Lock] = {}
        self.replicas: dict[int, Replica] = {}
        self._scan()

    def _scan(self) -> None:
        for meta in self.finalized.glob("subdir*/blk_*_*.meta"):
            m = _META.match(meta.name)
            data = meta.with_name(f"blk_{m.group(1)}") if m else None
            if m and data is not None and data.exists():
                block_id = int(m.group(1))
                self.replicas[block_id] = Replica(block_id, int(m.group(2)), data.stat().st_size)

    # ------------------------------------------------------------ paths
    def _subdir(self, block_id: int) -> Path:
        return self.finalized / f"subdir{(block_id >> 8) & 31}"

    def finalized_paths(self, block_id: int, gs: int) -> tuple[Path, Path]:
        """(data, meta) paths of a finalized replica."""
        sub = self._subdir(int(block_id))
        return sub / f"blk_{int(block_id)}", sub / f"blk_{int(block_id)}_{int(gs)}.meta"

    def rbw_paths(self, block_id: int, gs: int) -> tuple[Path, Path]:
        """(data, meta) paths of a replica being written."""
        return self.rbw / f"blk_{int(block_id)}", self.rbw / f"blk_{int(block_id)}_{int(gs)}.meta"

    def block_lock(self, block_id: int) -> threading.Lock:
        """Lock serialising writers of one block (a recovery waits for the old writer)."""
        with self._lock:
            return self._block_locks.setdefault(block_id, threading.Lock())

    # ------------------------------------------------------------ writing
    def open_writer(self, block_id: int, gs: int, stage: str, offset: int = 0) -> ReplicaWriter:
        """Start (``create``), continue (``append``) or resume (``recovery``) a replica."""
        block_id, gs = int(block_id), int(gs)
        if stage == "create":
            for path in self.rbw.glob(f"blk_{block_id}_*.meta"):
                path.unlink()
            return ReplicaWriter(self, block_id, gs, 0)
        data, meta = self.rbw_paths(block_id, gs)
        old_meta = next(iter(self.rbw.glob(f"blk_{block_id}_*.meta")), None)
        if stage == "append" or old_meta is None:
            with self._lock:
                replica = self.replicas.pop(block_id, None)
            if replica is None:
                raise ReplicaNotFoundException(f"no replica of block {block_id} to {stage}")
            src_data, src_meta = self.finalized_paths(block_id, replica.gs)
            if replica.length < offset:
                raise HdfsIOException(f"replica {block_id} has {replica.length} bytes, need {offset}")
            os.replace(src_data, data)
            os.replace(src_meta, meta)
        elif old_meta != meta:
            os.replace(old_meta, meta)
        return ReplicaWriter(self, block_id, gs, offset)

    def finalize(self, block_id: int, gs: int, length: int) -> Replica:
        """Move a finished ``rbw`` replica into ``finalized`` (replacing an older copy)."""
        src_data, src_meta = self.rbw_paths(block_id, gs)
        data, meta = self.finalized_paths(block_id, gs)
        data.parent.mkdir(exist_ok=True)
        with self._lock:
            old = self.replicas.pop(block_id, None)
            if old is not None and old.gs != gs:
                self.finalized_paths(block_id, old.gs)[1].unlink(missing_ok=True)
            os.replace(src_meta, meta)
            os.replace(src_data, data)
            replica = Replica(block_id, gs, length)
            self.replicas[block_id] = replica
        return replica

    def delete(self, block_id: int, max_gs: int = -1) -> bool:
        """Remove a finalized replica (only if its gs <= ``max_gs``, when given)."""
        with self._lock:
            replica = self.replicas.get(int(block_id))
            if replica is None or (max_gs >= 0 and replica.gs > max_gs):
                return False
            del self.replicas[int(block_id)]
            for path in self.finalized_paths(block_id, replica.gs):
                path.unlink(missing_ok=True)
            return True

    # ------------------------------------------------------------ reading
    def get(self, block_id: int, gs: int | None = None) -> Replica:
        """The finalized replica of a block (with the expected generation stamp)."""
        replica = self.replicas.get(int(block_id))
        if replica is None or (gs is not None and replica.gs != int(gs)):
            have = f"gs {replica.gs}" if replica else "no replica"
            raise ReplicaNotFoundException(f"Replica not found for block {block_id} gs {gs} ({have})")
        return replica

    def read_chunks(self, block_id: int, gs: int | None, offset: int, length: int,
                    packet_size: int) -> Iterator[tuple[int, bytes, bytes]]:
        """Verified ``(offset, crcs, data)`` pieces covering ``[offset, offset+length)``.

        Pieces start on chunk boundaries; a chunk failing its CRC raises
        :class:`ChecksumException` before any of its bytes are yielded.
        """
        replica = self.get(block_id, gs)
        end = min(replica.length, offset + length)
        start = (offset // self.bpc) * self.bpc
        per_packet = max(self.bpc, packet_size // self.bpc * self.bpc)
        data_path, meta_path = self.finalized_paths(block_id, replica.gs)
        with open(data_path, "rb") as data_f, open(meta_path, "rb") as meta_f:
            if META_HEADER.unpack(meta_f.read(META_HEADER.size))[2] != self.bpc:
                raise HdfsIOException(f"block {block_id}: meta file has a different chunk size")
            pos = start
            while pos < end:
                n = min(per_packet, end - pos)
                n = min(replica.length - pos, -(-n // self.bpc) * self.bpc)
                data_f.seek(pos)
                data = data_f.read(n)
                meta_f.seek(META_HEADER.size + 4 * (pos // self.bpc))
                crcs = meta_f.read(4 * -(-n // self.bpc))
                if len(data) != n or chunk_crcs(data, self.bpc) != crcs:
                    raise ChecksumException(
                        f"Checksum error: block {block_id} at offset {pos} on {self.root}")
                yield pos, crcs, data
                pos += n

    def usage(self) -> int:
        """Bytes held in finalized replicas."""
        return sum(r.length for r in self.replicas.values())
