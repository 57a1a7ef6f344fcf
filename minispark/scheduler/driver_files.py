"""The driver's files (broadcast values, ``addFile`` / ``addPyFile``) for executors on other machines.

On ``local[N]`` every executor reads the driver's application directory
itself. A cluster executor (the Dask backend) has only its own local
directory, maybe on another host: the driver serves the two folders
executors need, ``broadcast/`` and ``files/``, through an authenticated
:class:`~minispark.shuffle.transfer.BlockTransferService`, and each executor
fetches a file once, into the same folder of its own directory, the first
time it needs it (a broadcast: when a task first reads ``.value``; an added
file: when the driver announces it, so ``SparkFiles.get`` finds it at once).

Block ids are ``broadcast/<name>`` and ``files/<name>``, ``<name>`` a plain
file name: nothing else under the application directory is ever served.
"""
from __future__ import annotations

import mmap
import os
import threading
import uuid

from minispark.shuffle.transfer import Address, BlockTransferService, TransferClient

#: The folders of the driver's application directory that executors may fetch from.
SERVED_FOLDERS = ("broadcast", "files")


def block_id(folder: str, name: str) -> str:
    """The id under which the driver serves ``folder/name``; refuses anything else.

    >>> block_id("files", "lookup.txt")
    'files/lookup.txt'
    >>> block_id("files", "../secret")
    Traceback (most recent call last):
    ...
    ValueError: not a served driver file: files/../secret
    """
    if folder not in SERVED_FOLDERS or not name or name in (".", "..") or "/" in name \
            or os.sep in name:
        raise ValueError(f"not a served driver file: {folder}/{name}")
    return f"{folder}/{name}"


class DriverFileServer:
    """Serves the driver's ``broadcast/`` and ``files/`` folders to executors that prove the secret."""

    def __init__(self, app_dir: str, secret: bytes, bind_address: str) -> None:
        self.app_dir = app_dir
        # The driver has no map outputs: its shuffle folder is never read.
        self._service = BlockTransferService(os.path.join(app_dir, "shuffle"), self._read,
                                             secret, bind_address)

    @property
    def address(self) -> Address:
        """``(host, port)`` executors fetch from."""
        return self._service.address

    def _read(self, requested: str) -> bytes | mmap.mmap | None:
        folder, _, name = requested.partition("/")
        try:
            path = os.path.join(self.app_dir, block_id(folder, name))
        except ValueError:
            return None
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                # Mapped, not read: a large broadcast is sent chunk by chunk, never held whole.
                return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except (FileNotFoundError, IsADirectoryError):
            return None

    def stop(self) -> None:
        """Stop serving."""
        self._service.stop()


class DriverFileFetcher:
    """Executor side: copies driver files into this executor's directory, each once."""

    def __init__(self, driver: Address, client: TransferClient, local_dir: str) -> None:
        self.driver = driver
        self.client = client
        self.local_dir = local_dir
        self._lock = threading.Lock()

    def fetch(self, folder: str, name: str) -> str:
        """The local path of the driver's ``folder/name``, fetched if not here yet.

        Raises :class:`~minispark.shuffle.transfer.TransferError` if the driver
        does not have it (a destroyed broadcast, say).
        """
        wanted = block_id(folder, name)
        target = os.path.join(self.local_dir, wanted)
        with self._lock:  # tasks of one executor share the copy
            if not os.path.exists(target):
                data = self.client.block(self.driver, wanted)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                partial = f"{target}.{uuid.uuid4().hex[:8]}.part"
                with open(partial, "wb") as out:
                    out.write(data)
                os.replace(partial, target)
        return target
