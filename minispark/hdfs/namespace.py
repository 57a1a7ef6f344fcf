"""The NameNode's namespace: an inode tree, permission checks, and edit ops.

Every change to the tree is an *op* (a JSON-able dict) applied by
:meth:`Namespace.apply`; the live NameNode and the edit-log replay run the very
same code, so a restart rebuilds exactly the state that was acknowledged.
Ops carry resolved values (inode ids, times, owners), never decisions.
"""
from __future__ import annotations

import stat as stat_mod
from dataclasses import dataclass
from typing import Any, Iterator

from .errors import (AccessControlException, FileAlreadyExistsException, FileNotFoundException,
                     HdfsIOException, IllegalArgumentException, ParentNotDirectoryException)

ROOT_INODE_ID = 16385          # Hadoop's INodeId.ROOT_INODE_ID
FIRST_BLOCK_ID = 1 << 30       # Hadoop's first sequential block id (1073741824)
FIRST_GEN_STAMP = 1000         # Hadoop's GenerationStamp.LAST_RESERVED_STAMP
READ, WRITE, EXECUTE = 4, 2, 1


def normalize_path(path: str) -> str:
    """Absolute, slash-collapsed path; rejects ``.``, ``..``, ``:`` and NUL components."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise IllegalArgumentException(f"Invalid path name {path!r}: must be absolute")
    parts = [p for p in path.split("/") if p]
    for part in parts:
        if part in (".", "..") or ":" in part or "\x00" in part:
            raise IllegalArgumentException(f"Invalid path name {path!r}: bad component {part!r}")
    return "/" + "/".join(parts)


def split_path(path: str) -> list[str]:
    """Components of a normalised path (root is ``[]``)."""
    return [p for p in path.split("/") if p]


def join_path(parent: str, name: str) -> str:
    """``parent/name`` without doubling the root slash."""
    return (parent.rstrip("/") or "") + "/" + name


def parent_of(path: str) -> str:
    """Parent path of a normalised path ("/" for top-level entries)."""
    head = path.rsplit("/", 1)[0]
    return head or "/"


class Block:
    """A block of a file: id, generation stamp and length in bytes."""

    __slots__ = ("id", "gs", "num_bytes", "file")

    def __init__(self, block_id: int, gs: int, num_bytes: int, file: "INodeFile | None" = None):
        self.id, self.gs, self.num_bytes, self.file = block_id, gs, num_bytes, file

    def triple(self) -> list[int]:
        """``[id, gs, length]`` as sent on the wire and logged."""
        return [self.id, self.gs, self.num_bytes]

    def name(self) -> str:
        """Hadoop-style block name ``blk_<id>_<gs>``."""
        return f"blk_{self.id}_{self.gs}"


class INode:
    """Common part of files and directories."""

    __slots__ = ("id", "name", "parent", "owner", "group", "perm", "mtime", "atime")

    def __init__(self, inode_id: int, name: str, owner: str, group: str, perm: int, mtime: int):
        self.id, self.name, self.parent = inode_id, name, None
        self.owner, self.group, self.perm = owner, group, perm
        self.mtime = self.atime = mtime

    is_dir = False

    def path(self) -> str:
        """Full path, rebuilt by walking to the root."""
        names = []
        node: INode | None = self
        while node is not None and node.parent is not None:
            names.append(node.name)
            node = node.parent
        return "/" + "/".join(reversed(names))


class INodeDirectory(INode):
    """A directory: children by name."""

    __slots__ = ("children",)
    is_dir = True

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.children: dict[str, INode] = {}


class INodeFile(INode):
    """A file: replication, block size, ordered blocks, and its writer while open."""

    __slots__ = ("replication", "block_size", "blocks", "client")

    def __init__(self, *args: Any, replication: int, block_size: int, client: str | None) -> None:
        super().__init__(*args)
        self.replication, self.block_size = replication, block_size
        self.blocks: list[Block] = []
        self.client = client  # lease holder while under construction

    def length(self) -> int:
        """Bytes in the file (sum of its blocks)."""
        return sum(b.num_bytes for b in self.blocks)

    @property
    def under_construction(self) -> bool:
        """True while a writer holds the file open."""
        return self.client is not None


@dataclass
class Caller:
    """Who asks: user name and groups, and whether permission checks apply."""

    user: str
    groups: tuple[str, ...] = ()
    superuser: bool = False


def mode_string(perm: int, is_dir: bool) -> str:
    """``drwxr-xr-x`` style string (with sticky ``t``/``T``)."""
    text = stat_mod.filemode((stat_mod.S_IFDIR if is_dir else stat_mod.S_IFREG) | (perm & 0o7777))
    return text


class PermissionChecker:
    """POSIX-style checks as HDFS does them (the superuser bypasses everything)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def _allowed(self, caller: Caller, inode: INode, access: int) -> bool:
        if caller.user == inode.owner:
            bits = (inode.perm >> 6) & 7
        elif inode.group in caller.groups:
            bits = (inode.perm >> 3) & 7
        else:
            bits = inode.perm & 7
        return bits & access == access

    def check(self, caller: Caller, inode: INode, access: int, path: str) -> None:
        """Raise :class:`AccessControlException` unless ``caller`` has ``access`` on ``inode``."""
        if not self.enabled or caller.superuser or access == 0:
            return
        if not self._allowed(caller, inode, access):
            wanted = "".join(c if access & b else "-" for c, b in (("r", 4), ("w", 2), ("x", 1)))
            raise AccessControlException(
                f"Permission denied: user={caller.user}, access={wanted}, inode=\"{path}\":"
                f"{inode.owner}:{inode.group}:{mode_string(inode.perm, inode.is_dir)}")

    def check_traverse(self, caller: Caller, chain: list[INode]) -> None:
        """EXECUTE on every directory leading to the last component."""
        for node in chain[:-1]:
            if node.is_dir:
                self.check(caller, node, EXECUTE, node.path())

    def check_owner(self, caller: Caller, inode: INode) -> None:
        """Only the owner (or the superuser) may change permissions."""
        if self.enabled and not caller.superuser and caller.user != inode.owner:
            raise AccessControlException(
                f"Permission denied. user={caller.user} is not the owner of inode={inode.path()}")

    def check_sticky(self, caller: Caller, parent: INode, child: INode) -> None:
        """In a sticky directory only the owner of the entry or the directory may remove it."""
        if (self.enabled and not caller.superuser and parent.perm & 0o1000
                and caller.user not in (parent.owner, child.owner)):
            raise AccessControlException(
                f"Permission denied by sticky bit: user={caller.user}, path=\"{child.path()}\"")

    def check_subtree(self, caller: Caller, inode: INode, access: int) -> None:
        """``access`` on every directory of a subtree (recursive delete, content summary)."""
        if not self.enabled or caller.superuser:
            return
        stack = [inode]
        while stack:
            node = stack.pop()
            if isinstance(node, INodeDirectory):
                self.check(caller, node, access, node.path())
                stack.extend(node.children.values())


class Namespace:
    """The inode tree plus the counters that the edit log must reproduce."""

    def __init__(self, root_owner: str = "hdfs", root_group: str = "supergroup") -> None:
        self.root = INodeDirectory(ROOT_INODE_ID, "", root_owner, root_group, 0o755, 0)
        self.last_inode_id = ROOT_INODE_ID
        self.last_block_id = FIRST_BLOCK_ID
        self.gen_stamp = FIRST_GEN_STAMP
        self.blocks: dict[int, Block] = {}

    # ------------------------------------------------------------- lookups
    def chain(self, path: str) -> list[INode | None]:
        """Inodes along ``path`` from the root; ``None`` from the first missing one."""
        nodes: list[INode | None] = [self.root]
        node: INode | None = self.root
        for name in split_path(path):
            if isinstance(node, INodeDirectory):
                node = node.children.get(name)
            elif node is not None:
                raise ParentNotDirectoryException(f"Parent path is not a directory: {node.path()}")
            nodes.append(node)
        return nodes

    def get(self, path: str) -> INode | None:
        """The inode at ``path`` or ``None``."""
        return self.chain(path)[-1]

    def get_existing(self, path: str) -> INode:
        """The inode at ``path``; raise :class:`FileNotFoundException` if missing."""
        node = self.get(path)
        if node is None:
            raise FileNotFoundException(f"File does not exist: {path}")
        return node

    def get_file(self, path: str) -> INodeFile:
        """The file at ``path``; errors for missing paths and directories."""
        node = self.get_existing(path)
        if not isinstance(node, INodeFile):
            raise FileNotFoundException(f"Path is not a file: {path}")
        return node

    def iter_files(self, node: INode | None = None) -> Iterator[INodeFile]:
        """Every file under ``node`` (default: the whole tree)."""
        stack = [node or self.root]
        while stack:
            item = stack.pop()
            if isinstance(item, INodeDirectory):
                stack.extend(item.children.values())
            elif isinstance(item, INodeFile):
                yield item

    # ------------------------------------------------------------- apply ops
    def apply(self, op: dict[str, Any]) -> list[Block]:
        """Apply one edit op; returns blocks that left the namespace."""
        handler = getattr(self, "_op_" + op["op"].lower(), None)
        if handler is None:
            raise HdfsIOException(f"unknown edit log op {op['op']!r}")
        return handler(op) or []

    def _parent_dir(self, path: str) -> INodeDirectory:
        parent = self.get(parent_of(path))
        if not isinstance(parent, INodeDirectory):
            raise FileNotFoundException(f"Parent directory does not exist: {parent_of(path)}")
        return parent

    def _attach(self, parent: INodeDirectory, node: INode, mtime: int) -> None:
        if node.name in parent.children:
            raise FileAlreadyExistsException(f"{join_path(parent.path(), node.name)} already exists")
        parent.children[node.name] = node
        node.parent = parent
        parent.mtime = max(parent.mtime, mtime)

    def _op_mkdir(self, op: dict[str, Any]) -> None:
        path = op["path"]
        node = INodeDirectory(op["id"], split_path(path)[-1], op["owner"], op["group"],
                              op["perm"], op["mtime"])
        self._attach(self._parent_dir(path), node, op["mtime"])
        self.last_inode_id = max(self.last_inode_id, op["id"])

    def _op_add(self, op: dict[str, Any]) -> None:
        path = op["path"]
        node = INodeFile(op["id"], split_path(path)[-1], op["owner"], op["group"], op["perm"],
                         op["mtime"], replication=op["replication"], block_size=op["block_size"],
                         client=op["client"])
        self._attach(self._parent_dir(path), node, op["mtime"])
        self.last_inode_id = max(self.last_inode_id, op["id"])

    def _set_blocks(self, node: INodeFile, triples: list[list[int]]) -> list[Block]:
        old = {b.id: b for b in node.blocks}
        new: list[Block] = []
        for block_id, gs, length in triples:
            block = old.pop(block_id, None) or Block(block_id, gs, length, node)
            block.gs, block.num_bytes, block.file = gs, length, node
            self.blocks[block_id] = block
            self.last_block_id = max(self.last_block_id, block_id)
            self.gen_stamp = max(self.gen_stamp, gs)
            new.append(block)
        node.blocks = new
        for gone in old.values():
            self.blocks.pop(gone.id, None)
        return list(old.values())

    def _op_update_blocks(self, op: dict[str, Any]) -> list[Block]:
        return self._set_blocks(self.get_file(op["path"]), op["blocks"])

    def _op_close(self, op: dict[str, Any]) -> list[Block]:
        node = self.get_file(op["path"])
        dropped = self._set_blocks(node, op["blocks"])
        node.client = None
        node.mtime, node.atime = op["mtime"], op["mtime"]
        return dropped

    def _op_reopen(self, op: dict[str, Any]) -> None:
        self.get_file(op["path"]).client = op["client"]

    def _op_genstamp(self, op: dict[str, Any]) -> None:
        self.gen_stamp = max(self.gen_stamp, op["gs"])

    def _op_delete(self, op: dict[str, Any]) -> list[Block]:
        node = self.get_existing(op["path"])
        parent = node.parent
        assert isinstance(parent, INodeDirectory)
        del parent.children[node.name]
        node.parent = None
        parent.mtime = max(parent.mtime, op["mtime"])
        gone = [b for f in self.iter_files(node) for b in f.blocks]
        for block in gone:
            self.blocks.pop(block.id, None)
        return gone

    def _op_rename(self, op: dict[str, Any]) -> None:
        node = self.get_existing(op["src"])
        old_parent = node.parent
        assert isinstance(old_parent, INodeDirectory)
        new_parent = self._parent_dir(op["dst"])
        new_name = split_path(op["dst"])[-1]
        if new_name in new_parent.children:
            raise FileAlreadyExistsException(f"rename destination {op['dst']} already exists")
        del old_parent.children[node.name]
        old_parent.mtime = max(old_parent.mtime, op["mtime"])
        node.name = new_name
        self._attach(new_parent, node, op["mtime"])

    def _op_set_replication(self, op: dict[str, Any]) -> None:
        self.get_file(op["path"]).replication = op["replication"]

    def _op_set_permission(self, op: dict[str, Any]) -> None:
        self.get_existing(op["path"]).perm = op["perm"]

    def _op_set_owner(self, op: dict[str, Any]) -> None:
        node = self.get_existing(op["path"])
        node.owner = op.get("owner") or node.owner
        node.group = op.get("group") or node.group

    def _op_set_times(self, op: dict[str, Any]) -> None:
        node = self.get_existing(op["path"])
        if op.get("mtime", -1) >= 0:
            node.mtime = op["mtime"]
        if op.get("atime", -1) >= 0:
            node.atime = op["atime"]

    # ------------------------------------------------------------- fsimage
    def to_image(self) -> dict[str, Any]:
        """Whole namespace as a JSON-able dict (parents listed before children)."""
        inodes = []
        stack: list[INode] = [self.root]
        while stack:
            node = stack.pop()
            entry: dict[str, Any] = {
                "id": node.id, "parent": node.parent.id if node.parent else 0, "name": node.name,
                "owner": node.owner, "group": node.group, "perm": node.perm,
                "mtime": node.mtime, "atime": node.atime, "dir": node.is_dir}
            if isinstance(node, INodeFile):
                entry.update(replication=node.replication, block_size=node.block_size,
                             client=node.client, blocks=[b.triple() for b in node.blocks])
            inodes.append(entry)
            if isinstance(node, INodeDirectory):
                stack.extend(sorted(node.children.values(), key=lambda n: n.name, reverse=True))
        return {"last_inode_id": self.last_inode_id, "last_block_id": self.last_block_id,
                "gen_stamp": self.gen_stamp, "inodes": inodes}

    @classmethod
    def from_image(cls, image: dict[str, Any]) -> "Namespace":
        """Rebuild a namespace saved by :meth:`to_image`."""
        ns = cls()
        by_id: dict[int, INode] = {}
        for entry in image["inodes"]:
            args = (entry["id"], entry["name"], entry["owner"], entry["group"], entry["perm"],
                    entry["mtime"])
            if entry["parent"] == 0:
                ns.root = INodeDirectory(*args)
                node: INode = ns.root
            elif entry["dir"]:
                node = INodeDirectory(*args)
            else:
                node = INodeFile(*args, replication=entry["replication"],
                                 block_size=entry["block_size"], client=entry["client"])
                ns._set_blocks(node, entry["blocks"])
            node.atime = entry["atime"]
            if entry["parent"]:
                parent = by_id[entry["parent"]]
                assert isinstance(parent, INodeDirectory)
                parent.children[node.name] = node
                node.parent = parent
            by_id[node.id] = node
        ns.last_inode_id = image["last_inode_id"]
        ns.last_block_id = image["last_block_id"]
        ns.gen_stamp = image["gen_stamp"]
        return ns


def file_status(node: INode, name: str | None = None) -> dict[str, Any]:
    """Wire form of a file status (HdfsFileStatus)."""
    is_file = isinstance(node, INodeFile)
    return {
        "name": node.name if name is None else name,
        "type": "FILE" if is_file else "DIRECTORY",
        "length": node.length() if is_file else 0,
        "owner": node.owner, "group": node.group, "permission": node.perm,
        "mtime": node.mtime, "atime": node.atime if is_file else 0,
        "replication": node.replication if is_file else 0,
        "block_size": node.block_size if is_file else 0,
        "file_id": node.id,
        "children_num": len(node.children) if isinstance(node, INodeDirectory) else 0,
    }


def content_summary(node: INode) -> dict[str, int]:
    """Length, file and directory counts, and space consumed under ``node``."""
    length = files = dirs = consumed = 0
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, INodeDirectory):
            dirs += 1
            stack.extend(item.children.values())
        elif isinstance(item, INodeFile):
            size = item.length()
            files, length, consumed = files + 1, length + size, consumed + size * item.replication
    return {"length": length, "file_count": files, "directory_count": dirs,
            "space_consumed": consumed, "quota": -1, "space_quota": -1}
