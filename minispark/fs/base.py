"""The file-system abstraction every minispark reader and writer goes through.

A ``FileSystem`` names files by strings.  The local file system uses plain
absolute paths (``/tmp/x``) and accepts ``file:`` URIs; other file systems use
fully qualified URIs such as ``hdfs://host:port/p``.  ``qualify`` gives the
form Spark shows users (``file:/tmp/x``).
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import BinaryIO

from minispark.fs import globbing

_URI_ROOT = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://[^/]*)(/.*)?$", re.DOTALL)


@dataclass(frozen=True)
class FileStatus:
    """What a file system knows about one file or directory."""

    path: str
    length: int
    is_dir: bool
    modification_time: float
    block_size: int

    @property
    def name(self) -> str:
        """The last path component.

        >>> FileStatus("/data/part-00000", 3, False, 0.0, 1).name
        'part-00000'
        """
        return base_name(self.path)


@dataclass(frozen=True)
class BlockLocation:
    """A byte range of a file and the hosts that store it."""

    offset: int
    length: int
    hosts: tuple[str, ...]


def base_name(path: str) -> str:
    """The last component of a path or URI (``""`` for a root).

    >>> base_name("hdfs://nn:9000/a/b/"), base_name("/x")
    ('b', 'x')
    """
    return path.rstrip("/").rsplit("/", 1)[-1]


def parent_path(path: str) -> str:
    """The parent of a path or URI, keeping any scheme and authority.

    >>> parent_path("hdfs://nn:9000/a/b"), parent_path("file:/a/b"), parent_path("/a")
    ('hdfs://nn:9000/a', 'file:/a', '/')
    """
    stripped = path.rstrip("/")
    if "/" not in stripped:
        raise ValueError(f"Path has no parent: {path!r}")
    head = stripped.rsplit("/", 1)[0]
    match = _URI_ROOT.match(path)
    if match and len(head) <= len(match.group(1)):
        return match.group(1) + "/"
    if head.endswith(":") or head == "":
        return head + "/"
    return head


def join_path(parent: str, name: str) -> str:
    """Append one component to a path or URI.

    >>> join_path("/", "a"), join_path("hdfs://nn:9000/a/", "b")
    ('/a', 'hdfs://nn:9000/a/b')
    """
    return parent.rstrip("/") + "/" + name


class FileSystem(ABC):
    """Abstract file system; subclasses implement the storage operations.

    Contract details subclasses must honour:

    * ``create`` creates missing parent directories; with ``overwrite=False``
      it raises ``FileExistsError`` if the file exists.
    * ``rename`` never replaces and never "moves into" an existing
      destination: it raises ``FileExistsError`` if ``dst`` exists, which the
      output commit protocol relies on for first-commit-wins.
    * ``list_status`` of a file is ``[status(file)]``; of a directory, its
      children sorted by name.  Missing paths raise ``FileNotFoundError``.
    """

    scheme: str = ""
    #: Whether ``rename`` is one atomic step (a disk, HDFS); object stores copy, so the
    #: output committer publishes their parts one by one instead of renaming the job.
    atomic_rename: bool = True

    @abstractmethod
    def open(self, path: str) -> BinaryIO:
        """Open a file for reading; the stream is seekable."""

    @abstractmethod
    def create(self, path: str, overwrite: bool = False) -> BinaryIO:
        """Open a new file for writing, creating parent directories."""

    @abstractmethod
    def exists(self, path: str) -> bool:
        """True if a file or directory exists at ``path``."""

    @abstractmethod
    def status(self, path: str) -> FileStatus:
        """Status of ``path``; ``FileNotFoundError`` if it is missing."""

    @abstractmethod
    def list_status(self, path: str) -> list[FileStatus]:
        """Children of a directory sorted by name, or ``[status]`` of a file."""

    @abstractmethod
    def mkdirs(self, path: str) -> None:
        """Create a directory and any missing parents (no error if it exists)."""

    @abstractmethod
    def delete(self, path: str, recursive: bool = False) -> bool:
        """Delete ``path``; False if it did not exist."""

    @abstractmethod
    def rename(self, src: str, dst: str) -> None:
        """Move ``src`` to ``dst``; ``FileExistsError`` if ``dst`` exists."""

    @abstractmethod
    def block_locations(self, path: str, start: int, length: int) -> list[BlockLocation]:
        """Blocks overlapping ``[start, start + length)`` of a file."""

    @abstractmethod
    def default_block_size(self) -> int:
        """Block size given to new files."""

    def qualify(self, path: str) -> str:
        """The path as Spark displays it (a fully qualified URI)."""
        return path

    def glob(self, pattern: str) -> list[FileStatus]:
        """Statuses of the paths matching a Hadoop glob, sorted by path.

        A pattern without metacharacters yields ``[status]`` or ``[]``.
        """
        found: dict[str, FileStatus] = {}
        for alternative in globbing.expand_braces(pattern):
            root, rest = self._glob_root(alternative)
            components = [c for c in rest.split("/") if c]
            for status in self._glob_walk(root, components):
                found.setdefault(status.path, status)
        return [found[p] for p in sorted(found)]

    def _glob_root(self, pattern: str) -> tuple[str, str]:
        """Split a pattern into the root it is relative to and the rest.

        File systems with relative paths or bare paths override this.
        """
        match = _URI_ROOT.match(pattern)
        if match:
            return match.group(1) + "/", match.group(2) or ""
        if pattern.startswith("/"):
            return "/", pattern
        raise ValueError(f"Cannot glob a relative path on {type(self).__name__}: {pattern}")

    def _glob_walk(self, root: str, components: list[str]) -> list[FileStatus]:
        """Match components level by level, listing only directories that a glob needs."""
        candidates: list[tuple[str, FileStatus | None]] = [(root, None)]
        for component in components:
            if globbing.has_magic(component):
                candidates = self._glob_level(candidates, globbing.compile_component(component))
            else:
                name = globbing.unescape(component)
                candidates = [(join_path(path, name), None) for path, _ in candidates]
        return [s for s in (self._known_status(p, st) for p, st in candidates) if s is not None]

    def _glob_level(
        self, candidates: list[tuple[str, FileStatus | None]], regex: re.Pattern[str]
    ) -> list[tuple[str, FileStatus | None]]:
        matched: list[tuple[str, FileStatus | None]] = []
        for path, status in candidates:
            status = self._known_status(path, status)
            if status is None or not status.is_dir:
                continue
            for child in self.list_status(status.path):
                if regex.fullmatch(base_name(child.path)):
                    matched.append((child.path, child))
        return matched

    def _known_status(self, path: str, status: FileStatus | None) -> FileStatus | None:
        if status is not None:
            return status
        try:
            return self.status(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
