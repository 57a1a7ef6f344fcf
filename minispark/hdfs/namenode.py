"""The NameNode: namespace operations, durability, safe mode and the RPC server.

One big lock (Hadoop's FSNamesystem lock) orders every change; each change
is applied to the in-memory :class:`~.namespace.Namespace`, appended to the
edit log under the lock, and ``fsync``-ed after the lock is released but
before the RPC reply is sent (group commit).
"""
from __future__ import annotations

import getpass
import json
import logging
import random
import secrets
import socket
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from . import fsimage
from .blockmanager import BlockManager, DatanodeDescriptor
from .config import HdfsConfig
from .editlog import EditLog, recover_inprogress
from .errors import (AccessControlException, AlreadyBeingCreatedException, AuthenticationException,
                     FileAlreadyExistsException, FileNotFoundException, HdfsIOException,
                     IllegalArgumentException, LeaseExpiredException, ParentNotDirectoryException,
                     PathIsNotEmptyDirectoryException, SafeModeException,
                     UnsupportedOperationException)
from .namespace import (EXECUTE, READ, WRITE, Caller, INodeDirectory, INodeFile, Namespace,
                        PermissionChecker, content_summary, file_status, join_path,
                        normalize_path, parent_of, split_path)
from .placement import PlacementPolicy, sort_by_distance
from .protocol import error_reply, recv_msg, send_msg, server_handshake, start_server

log = logging.getLogger("minispark.hdfs.namenode")

#: Client methods that are safe to resend after a lost reply.
IDEMPOTENT = frozenset({
    "get_file_info", "get_listing", "get_block_locations", "get_content_summary", "fsck",
    "get_server_defaults", "datanode_report", "safe_mode_get", "mkdirs", "set_replication",
    "set_permission", "set_owner", "set_times", "renew_lease", "complete", "dn_heartbeat",
    "dn_block_report", "dn_block_received", "dn_block_deleted", "report_bad_blocks", "dn_register",
})


def now_ms() -> int:
    """Wall-clock milliseconds, Hadoop's time unit for mtime/atime."""
    return int(time.time() * 1000)


def format_name_dir(config: HdfsConfig) -> None:
    """``hdfs namenode -format``: a fresh namespace (image of txid 0) and VERSION file."""
    name_dir = Path(config.name_dir)
    name_dir.mkdir(parents=True, exist_ok=True)
    for entry in name_dir.iterdir():
        if entry.name.startswith(("fsimage_", "edits_", "VERSION")):
            entry.unlink()
    ns = Namespace(root_owner=config.superuser or getpass.getuser(), root_group=config.supergroup)
    fsimage.save_image(name_dir, ns, 0)
    version = {"cluster_id": "CID-" + secrets.token_hex(8), "namespace_id": random.randrange(1, 2**31),
               "layout_version": 1, "created": now_ms()}
    (name_dir / "VERSION").write_text(json.dumps(version))


class NameNode:
    """A NameNode serving RPC (and WebHDFS over HTTP) until :meth:`stop`."""

    def __init__(self, config: HdfsConfig) -> None:
        self.config = config
        self.name_dir = Path(config.name_dir)
        self.secret = config.secret()
        self.superuser = config.superuser or getpass.getuser()
        self.lock = threading.RLock()
        self._ckpt_lock = threading.Lock()
        self._stop = threading.Event()
        self.rng = random.Random()
        self.checker = PermissionChecker(config.permissions_enabled)
        self.leases: dict[int, tuple[str, float]] = {}  # file inode id -> (client, renewed)
        self._group_cache: dict[str, tuple[str, ...]] = {}
        self._load()
        self.bm = BlockManager(config, self.ns, PlacementPolicy(self.rng))
        self.safemode_manual = False
        self.safemode_on = True
        self._safe_since: float | None = None
        self._started = time.monotonic()
        self.rpc_port = 0
        self.http_port = 0
        self._servers: list[Any] = []
        self._threads: list[threading.Thread] = []
        self._rpc: dict[str, Callable[..., Any]] = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("rpc_")}

    # ------------------------------------------------------------ lifecycle
    def _load(self) -> None:
        version = self.name_dir / "VERSION"
        if not version.exists():
            raise HdfsIOException(f"NameNode is not formatted: {version} missing "
                                  "(run `minispark namenode -format`)")
        self.cluster_id = json.loads(version.read_text())["cluster_id"]
        last = recover_inprogress(self.name_dir)
        txid, self.ns = fsimage.load_namespace(self.name_dir)
        if last and txid < last:
            raise HdfsIOException(f"edit log ends at txid {last} but replay stopped at {txid}")
        self.editlog = EditLog(self.name_dir, txid)
        self._ckpt_txid = fsimage.list_images(self.name_dir)[0][0]
        self._ckpt_time = time.monotonic()
        log.info("loaded namespace at txid %d (%d blocks)", txid, len(self.ns.blocks))

    def start(self) -> None:
        """Bind the RPC and HTTP ports and start the background monitors."""
        from .webhdfs import start_namenode_http

        cfg = self.config
        rpc, self.rpc_port = start_server(cfg.namenode_host, cfg.namenode_port, self._serve_conn, "nn-rpc")
        self._servers.append(rpc)
        http, self.http_port = start_namenode_http(self, cfg.namenode_host, cfg.namenode_http_port)
        self._servers.append(http)
        for target, name in ((self._monitor_loop, "nn-monitor"), (self._checkpoint_loop, "nn-checkpointer")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        log.info("NameNode up: rpc %s:%d http %d", cfg.namenode_host, self.rpc_port, self.http_port)

    def stop(self) -> None:
        """Stop serving and close the edit log cleanly."""
        self._stop.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for t in self._threads:
            t.join(timeout=5)
        with self.lock:
            self.editlog.close()

    def wait(self) -> None:
        """Block until :meth:`stop` is called (daemon main loop)."""
        while not self._stop.wait(0.5):
            pass

    # ------------------------------------------------------------ RPC server
    def _serve_conn(self, sock: socket.socket, addr: tuple) -> None:
        sock.settimeout(min(self.config.socket_timeout, 20.0))
        try:
            server_handshake(sock, self.secret)
        except (AuthenticationException, OSError) as exc:
            log.warning("rejected connection from %s: %s", addr[0], exc)
            return
        sock.settimeout(max(self.config.socket_timeout, 120.0))  # idle clients
        while not self._stop.is_set():
            try:
                header, payload = recv_msg(sock)
            except (OSError, ValueError, HdfsIOException):
                return
            reply = self.dispatch(header, addr[0])
            try:
                send_msg(sock, reply)
            except OSError:
                return

    def dispatch(self, header: dict[str, Any], peer: str) -> dict[str, Any]:
        """Run one RPC request; returns the reply header."""
        method = header.get("m")
        fn = self._rpc.get(method) if isinstance(method, str) else None
        try:
            if fn is None:
                raise UnsupportedOperationException(f"unknown RPC method {method!r}")
            args = header.get("a") or {}
            if not isinstance(args, dict):
                raise IllegalArgumentException("RPC arguments must be an object")
            caller = self.caller(str(header.get("u") or "dr.who"))
            return {"ok": True, "r": fn(caller, peer, **args)}
        except TypeError as exc:
            return error_reply(IllegalArgumentException(f"bad arguments for {method}: {exc}"))
        except HdfsIOException as exc:
            return error_reply(exc)
        except Exception as exc:  # a bug: report it, keep serving
            log.error("RPC %s failed:\n%s", method, traceback.format_exc())
            return error_reply(HdfsIOException(f"{type(exc).__name__}: {exc}"))

    def caller(self, user: str) -> Caller:
        """Resolve a user name to groups and superuser status."""
        groups = self._groups(user)
        return Caller(user, groups, user == self.superuser or self.config.supergroup in groups)

    def _groups(self, user: str) -> tuple[str, ...]:
        if user in self.config.groups:
            return tuple(self.config.groups[user])
        if user not in self._group_cache:
            self._group_cache[user] = _os_groups(user)
        return self._group_cache[user]

    # ------------------------------------------------------------ helpers
    def _commit(self, ops: list[dict[str, Any]]) -> int:
        """Apply and log ops (lock held); returns the txid to sync before replying."""
        txid = self.editlog.last_txid
        for op in ops:
            removed = self.ns.apply(op)
            txid = self.editlog.log(op)
            if removed:
                self.bm.blocks_removed(removed)
        return txid

    def _check_writable(self, what: str) -> None:
        if self.safemode_on:
            safe, total = self.bm.safe_block_counts()
            raise SafeModeException(
                f"Cannot {what}. Name node is in safe mode.\nThe reported blocks {safe} needs "
                f"additional {max(0, _needed(total, self.config.safemode_threshold) - safe)} blocks "
                f"to reach the threshold {self.config.safemode_threshold:.4f} of total blocks {total}.")

    def _resolve(self, caller: Caller, path: str) -> tuple[str, list[Any]]:
        path = normalize_path(path)
        chain = self.ns.chain(path)
        existing = [n for n in chain if n is not None]
        self.checker.check_traverse(caller, existing if chain[-1] is None else chain)
        return path, chain

    def _writer_node(self, client_node: str | None, peer: str) -> DatanodeDescriptor | None:
        alive = self.bm.alive_nodes()
        if client_node:
            matches = [d for d in alive if client_node in (d.id, d.name, d.host)]
        else:
            matches = [d for d in alive if d.host == peer]
        return self.rng.choice(matches) if matches else None

    def _located(self, block: Any, offset: int, client: DatanodeDescriptor | None,
                 client_rack: str) -> dict[str, Any]:
        live = self.bm.live_locations(block.id)
        order = sort_by_distance([d.info() for d in live], client.info() if client else None,
                                 client_rack, self.rng)
        return {"b": block.triple(), "offset": offset,
                "locs": [self.bm.datanodes[n.id].wire() for n in order]}

    def _lease_check(self, node: Any, path: str, client: str) -> INodeFile:
        if not isinstance(node, INodeFile):
            raise FileNotFoundException(f"File does not exist: {path}")
        if node.client != client:
            holder = node.client or "nobody (file is closed)"
            raise LeaseExpiredException(f"No lease on {path}: held by {holder}, not {client}")
        self.leases[node.id] = (client, time.monotonic())
        return node

    # ------------------------------------------------------------ namespace RPCs
    def rpc_get_server_defaults(self, caller: Caller, peer: str) -> dict[str, Any]:
        """Block size, replication, checksum chunk and packet sizes, umask."""
        c = self.config
        return {"block_size": c.block_size, "replication": c.replication,
                "bytes_per_checksum": c.bytes_per_checksum, "packet_size": c.packet_size,
                "umask": c.umask, "cluster_id": self.cluster_id}

    def rpc_get_file_info(self, caller: Caller, peer: str, path: str) -> dict[str, Any] | None:
        """Status of a path, or ``None`` when it does not exist."""
        with self.lock:
            path, chain = self._resolve(caller, path)
            node = chain[-1]
            return None if node is None else file_status(node)

    def rpc_get_listing(self, caller: Caller, peer: str, path: str) -> list[dict[str, Any]]:
        """Statuses of a directory's children (sorted), or of a file itself."""
        with self.lock:
            path, chain = self._resolve(caller, path)
            node = chain[-1]
            if node is None:
                raise FileNotFoundException(f"File {path} does not exist.")
            if isinstance(node, INodeFile):
                return [file_status(node, "")]
            self.checker.check(caller, node, READ | EXECUTE, path)
            return [file_status(node.children[k]) for k in sorted(node.children)]

    def rpc_mkdirs(self, caller: Caller, peer: str, path: str, permission: int | None = None) -> bool:
        """Create a directory and any missing parents."""
        with self.lock:
            path, chain = self._resolve(caller, path)
            if chain[-1] is not None:
                if chain[-1].is_dir:
                    return True
                raise FileAlreadyExistsException(f"Path is not a directory: {path}")
            self._check_writable(f"create directory {path}")
            ops = self._mkdir_ops(caller, path, chain, permission)
            txid = self._commit(ops)
        self.editlog.sync(txid)
        return True

    def _mkdir_ops(self, caller: Caller, path: str, chain: list[Any],
                   permission: int | None) -> list[dict[str, Any]]:
        first_missing = chain.index(None)
        parent = chain[first_missing - 1]
        if not isinstance(parent, INodeDirectory):
            raise ParentNotDirectoryException(f"Parent path is not a directory: {parent.path()}")
        self.checker.check(caller, parent, WRITE | EXECUTE, parent.path())
        perm = (0o777 & ~self.config.umask) if permission is None else int(permission) & 0o7777
        names = split_path(path)
        ops, mtime, next_id = [], now_ms(), self.ns.last_inode_id
        for depth in range(first_missing, len(names) + 1):
            next_id += 1
            last = depth == len(names)
            ops.append({"op": "MKDIR", "path": "/" + "/".join(names[:depth]), "id": next_id,
                        "owner": caller.user, "group": parent.group,
                        # implicitly created parents keep u+wx so the rest can be created
                        "perm": perm if last else perm | 0o300, "mtime": mtime})
        return ops

    def rpc_create(self, caller: Caller, peer: str, path: str, client: str, overwrite: bool = False,
                   replication: int | None = None, block_size: int | None = None,
                   permission: int | None = None, create_parent: bool = True) -> dict[str, Any]:
        """Create a file (under construction, leased to ``client``)."""
        replication = int(replication or self.config.replication)
        block_size = int(block_size or self.config.block_size)
        if not 1 <= replication <= 512:
            raise IllegalArgumentException(f"Requested replication {replication} is out of range [1, 512]")
        if block_size <= 0 or block_size % self.config.bytes_per_checksum:
            raise IllegalArgumentException(
                f"Block size {block_size} must be a positive multiple of {self.config.bytes_per_checksum}")
        with self.lock:
            path, chain = self._resolve(caller, path)
            self._check_writable(f"create file {path}")
            ops = self._create_ops(caller, path, chain, client, overwrite, create_parent)
            perm = (0o666 & ~self.config.umask) if permission is None else int(permission) & 0o7777
            parent = self.ns.get(parent_of(path))
            group = parent.group if parent is not None else self._parent_group_after(ops)
            inode_id = max([self.ns.last_inode_id] + [o["id"] for o in ops if "id" in o]) + 1
            ops.append({"op": "ADD", "path": path, "id": inode_id, "owner": caller.user,
                        "group": group, "perm": perm, "mtime": now_ms(),
                        "replication": replication, "block_size": block_size, "client": client})
            txid = self._commit(ops)
            node = self.ns.get(path)
            self.leases[node.id] = (client, time.monotonic())
            status = file_status(node)
        self.editlog.sync(txid)
        return status

    def _parent_group_after(self, ops: list[dict[str, Any]]) -> str:
        return ops[-1]["group"] if ops else self.config.supergroup

    def _create_ops(self, caller: Caller, path: str, chain: list[Any], client: str,
                    overwrite: bool, create_parent: bool) -> list[dict[str, Any]]:
        node = chain[-1]
        if node is not None:
            if node.is_dir:
                raise FileAlreadyExistsException(f"{path} already exists as a directory")
            if node.client is not None and node.client != client and not self._lease_expired(node):
                raise AlreadyBeingCreatedException(
                    f"Failed to create file {path} for {client}: already being created by {node.client}")
            if not overwrite:
                raise FileAlreadyExistsException(f"{path} for client {client} already exists")
            self.checker.check(caller, chain[-2], WRITE | EXECUTE, parent_of(path))
            self.checker.check_sticky(caller, chain[-2], node)
            self.leases.pop(node.id, None)
            return [{"op": "DELETE", "path": path, "mtime": now_ms()}]
        parent_chain = chain[:-1]
        if parent_chain[-1] is None:
            if not create_parent:
                raise FileNotFoundException(f"Parent directory doesn't exist: {parent_of(path)}")
            return self._mkdir_ops(caller, parent_of(path), parent_chain, None)
        parent = parent_chain[-1]
        if not parent.is_dir:
            raise ParentNotDirectoryException(f"Parent path is not a directory: {parent_of(path)}")
        self.checker.check(caller, parent, WRITE | EXECUTE, parent_of(path))
        return []

    def _lease_expired(self, node: INodeFile) -> bool:
        held = self.leases.get(node.id)
        return held is None or time.monotonic() - held[1] > self.config.lease_hard_limit

    def rpc_add_block(self, caller: Caller, peer: str, path: str, client: str,
                      previous: list[int] | None = None, exclude: list[str] | None = None,
                      client_node: str | None = None) -> dict[str, Any]:
        """Allocate the next block of a file being written and choose its pipeline."""
        with self.lock:
            path = normalize_path(path)
            self._check_writable(f"add block to {path}")
            node = self._lease_check(self.ns.get(path), path, client)
            blocks = [b.triple() for b in node.blocks]
            if previous is not None:
                if not blocks or blocks[-1][0] != previous[0]:
                    raise IllegalArgumentException(f"previous block {previous[0]} is not the last of {path}")
                blocks[-1] = [int(x) for x in previous]
            writer = self._writer_node(client_node, peer)
            candidates = [d.info() for d in self.bm.alive_nodes()]
            targets = self.bm.policy.choose(node.replication, candidates,
                                            writer=writer.info() if writer else None,
                                            block_size=node.block_size, excluded=set(exclude or ()))
            if len(targets) < self.config.min_replication:
                raise HdfsIOException(
                    f"File {path} could only be written to {len(targets)} of the "
                    f"{self.config.min_replication} minReplication nodes. There are "
                    f"{len(candidates)} datanode(s) running and {len(exclude or ())} node(s) "
                    "are excluded in this operation.")
            block_id, gs = self.ns.last_block_id + 1, self.ns.gen_stamp + 1
            blocks.append([block_id, gs, 0])
            txid = self._commit([{"op": "UPDATE_BLOCKS", "path": path, "blocks": blocks}])
            offset = sum(b[2] for b in blocks[:-1])
            located = {"b": [block_id, gs, 0], "offset": offset,
                       "locs": [self.bm.datanodes[t.id].wire() for t in targets]}
        self.editlog.sync(txid)
        return located

    def rpc_abandon_block(self, caller: Caller, peer: str, path: str, client: str, block_id: int) -> bool:
        """Drop the last block of a file being written (its pipeline could not be set up)."""
        with self.lock:
            path = normalize_path(path)
            node = self._lease_check(self.ns.get(path), path, client)
            if not node.blocks or node.blocks[-1].id != block_id:
                return False
            blocks = [b.triple() for b in node.blocks[:-1]]
            txid = self._commit([{"op": "UPDATE_BLOCKS", "path": path, "blocks": blocks}])
        self.editlog.sync(txid)
        return True

    def rpc_update_pipeline(self, caller: Caller, peer: str, path: str, client: str,
                            block_id: int) -> int:
        """New generation stamp for a block whose pipeline lost a DataNode."""
        with self.lock:
            path = normalize_path(path)
            node = self._lease_check(self.ns.get(path), path, client)
            if not node.blocks or node.blocks[-1].id != block_id:
                raise IllegalArgumentException(f"block {block_id} is not being written in {path}")
            gs = self.ns.gen_stamp + 1
            blocks = [b.triple() for b in node.blocks]
            blocks[-1][1] = gs
            txid = self._commit([{"op": "UPDATE_BLOCKS", "path": path, "blocks": blocks}])
            self.bm.reset_locations(block_id)
        self.editlog.sync(txid)
        return gs

    def rpc_complete(self, caller: Caller, peer: str, path: str, client: str,
                     last: list[int] | None = None) -> bool:
        """Close a file; ``False`` while its last block lacks minimal replication."""
        with self.lock:
            path = normalize_path(path)
            node = self.ns.get(path)
            if isinstance(node, INodeFile) and node.client is None and (
                    last is None or (node.blocks and node.blocks[-1].triple() == list(last))):
                return True  # retried after a lost reply
            self._check_writable(f"complete file {path}")
            node = self._lease_check(node, path, client)
            blocks = [b.triple() for b in node.blocks]
            if last is not None:
                if not blocks or blocks[-1][0] != last[0]:
                    raise IllegalArgumentException(f"block {last[0]} is not the last of {path}")
                blocks[-1] = [int(x) for x in last]
                if len(self.bm.live_locations(last[0])) < self.config.min_replication:
                    return False
            txid = self._commit([{"op": "CLOSE", "path": path, "mtime": now_ms(), "blocks": blocks}])
            self.leases.pop(node.id, None)
        self.editlog.sync(txid)
        return True

    def rpc_append(self, caller: Caller, peer: str, path: str, client: str) -> dict[str, Any]:
        """Reopen a file for append; returns its partial last block (if any) to continue."""
        with self.lock:
            path, chain = self._resolve(caller, path)
            self._check_writable(f"append to {path}")
            node = chain[-1]
            if not isinstance(node, INodeFile):
                raise FileNotFoundException(f"File {path} not found.")
            if node.client is not None and not self._lease_expired(node):
                raise AlreadyBeingCreatedException(f"Failed to append to {path}: already being written by {node.client}")
            self.checker.check(caller, node, WRITE, path)
            ops: list[dict[str, Any]] = [{"op": "REOPEN", "path": path, "client": client}]
            last = node.blocks[-1] if node.blocks else None
            located = None
            if last is not None and last.num_bytes < node.block_size:
                live = self.bm.live_locations(last.id)
                if not live:
                    raise HdfsIOException(f"cannot append to {path}: no live replica of {last.name()}")
                writer = self._writer_node(None, peer)
                located = self._located(last, node.length() - last.num_bytes, writer,
                                        writer.rack if writer else "")
                blocks = [b.triple() for b in node.blocks]
                blocks[-1][1] = self.ns.gen_stamp + 1
                ops.append({"op": "UPDATE_BLOCKS", "path": path, "blocks": blocks})
            txid = self._commit(ops)
            if located is not None:
                located["new_gs"] = node.blocks[-1].gs
                self.bm.reset_locations(last.id)
            self.leases[node.id] = (client, time.monotonic())
            status = file_status(node)
        self.editlog.sync(txid)
        return {"block": located, "status": status}

    def rpc_get_block_locations(self, caller: Caller, peer: str, path: str, offset: int = 0,
                                length: int | None = None, client_node: str | None = None) -> dict[str, Any]:
        """Blocks of a file overlapping ``[offset, offset+length)``, closest replicas first."""
        with self.lock:
            path, chain = self._resolve(caller, path)
            node = chain[-1]
            if not isinstance(node, INodeFile):
                raise FileNotFoundException(f"File does not exist: {path}")
            self.checker.check(caller, node, READ, path)
            client = self._writer_node(client_node, peer)
            rack = client.rack if client else self.config.rack_of(client_node or "", peer)
            end = node.length() if length is None else offset + int(length)
            blocks, pos = [], 0
            for block in node.blocks:
                if pos + block.num_bytes > offset and pos < end:
                    blocks.append(self._located(block, pos, client, rack))
                pos += block.num_bytes
            return {"length": node.length(), "blocks": blocks, "uc": node.under_construction}

    def rpc_delete(self, caller: Caller, peer: str, path: str, recursive: bool = False) -> bool:
        """Delete a file or directory; ``False`` if it does not exist."""
        with self.lock:
            path, chain = self._resolve(caller, path)
            node = chain[-1]
            if node is None or path == "/":
                return False
            self._check_writable(f"delete {path}")
            if isinstance(node, INodeDirectory) and node.children and not recursive:
                raise PathIsNotEmptyDirectoryException(f"`{path} is non empty': Directory is not empty")
            self.checker.check(caller, chain[-2], WRITE | EXECUTE, parent_of(path))
            self.checker.check_sticky(caller, chain[-2], node)
            if isinstance(node, INodeDirectory) and node.children:
                self.checker.check_subtree(caller, node, READ | WRITE | EXECUTE)
            for f in self.ns.iter_files(node):
                self.leases.pop(f.id, None)
            txid = self._commit([{"op": "DELETE", "path": path, "mtime": now_ms()}])
        self.editlog.sync(txid)
        return True

    def rpc_rename(self, caller: Caller, peer: str, src: str, dst: str) -> bool:
        """Hadoop's rename: ``False`` when src is missing or dst exists / has no parent."""
        with self.lock:
            src, src_chain = self._resolve(caller, src)
            dst, dst_chain = self._resolve(caller, dst)
            node = src_chain[-1]
            if node is None or src == "/":
                return False
            target = dst_chain[-1]
            if target is not None and target.is_dir:
                dst = join_path(dst, node.name)
                dst_chain = dst_chain + [target.children.get(node.name)]  # type: ignore[union-attr]
                target = dst_chain[-1]
            if dst == src:
                return True
            if target is not None or dst_chain[-2] is None or not dst_chain[-2].is_dir:
                return False
            if dst.startswith(src + "/"):
                return False
            self._check_writable(f"rename {src} to {dst}")
            self.checker.check(caller, src_chain[-2], WRITE | EXECUTE, parent_of(src))
            self.checker.check_sticky(caller, src_chain[-2], node)
            self.checker.check(caller, dst_chain[-2], WRITE | EXECUTE, parent_of(dst))
            txid = self._commit([{"op": "RENAME", "src": src, "dst": dst, "mtime": now_ms()}])
        self.editlog.sync(txid)
        return True

    def rpc_set_replication(self, caller: Caller, peer: str, path: str, replication: int) -> bool:
        """Change a file's replication factor; the monitor adds or trims replicas."""
        replication = int(replication)
        if not 1 <= replication <= 512:
            raise IllegalArgumentException(f"Requested replication {replication} is out of range [1, 512]")
        with self.lock:
            path, chain = self._resolve(caller, path)
            node = chain[-1]
            if node is None:
                raise FileNotFoundException(f"File does not exist: {path}")
            if not isinstance(node, INodeFile):
                return False
            self._check_writable(f"set replication for {path}")
            self.checker.check(caller, node, WRITE, path)
            txid = self._commit([{"op": "SET_REPLICATION", "path": path, "replication": replication}])
        self.editlog.sync(txid)
        return True

    def rpc_set_permission(self, caller: Caller, peer: str, path: str, permission: int) -> None:
        """chmod."""
        with self.lock:
            path, chain = self._resolve(caller, path)
            node = self._existing(chain, path)
            self._check_writable(f"set permission for {path}")
            self.checker.check_owner(caller, node)
            txid = self._commit([{"op": "SET_PERMISSION", "path": path, "perm": int(permission) & 0o7777}])
        self.editlog.sync(txid)

    def rpc_set_owner(self, caller: Caller, peer: str, path: str, owner: str | None = None,
                      group: str | None = None) -> None:
        """chown: only the superuser changes owners; owners may change to their own groups."""
        with self.lock:
            path, chain = self._resolve(caller, path)
            node = self._existing(chain, path)
            self._check_writable(f"set owner for {path}")
            if not caller.superuser and self.config.permissions_enabled:
                if owner and owner != node.owner:
                    raise AccessControlException(f"Non-super user cannot change owner of {path}")
                self.checker.check_owner(caller, node)
                if group and group not in caller.groups:
                    raise AccessControlException(f"User {caller.user} does not belong to {group}")
            txid = self._commit([{"op": "SET_OWNER", "path": path, "owner": owner, "group": group}])
        self.editlog.sync(txid)

    def rpc_set_times(self, caller: Caller, peer: str, path: str, mtime: int = -1, atime: int = -1) -> None:
        """Set modification and/or access time (ms; -1 leaves unchanged)."""
        with self.lock:
            path, chain = self._resolve(caller, path)
            node = self._existing(chain, path)
            self._check_writable(f"set times for {path}")
            self.checker.check(caller, node, WRITE, path)
            txid = self._commit([{"op": "SET_TIMES", "path": path, "mtime": int(mtime), "atime": int(atime)}])
        self.editlog.sync(txid)

    def _existing(self, chain: list[Any], path: str) -> Any:
        if chain[-1] is None:
            raise FileNotFoundException(f"File does not exist: {path}")
        return chain[-1]

    def rpc_get_content_summary(self, caller: Caller, peer: str, path: str) -> dict[str, int]:
        """du -s: length, counts and space consumed under a path."""
        with self.lock:
            path, chain = self._resolve(caller, path)
            node = self._existing(chain, path)
            self.checker.check_subtree(caller, node, READ | EXECUTE)
            return content_summary(node)

    def rpc_renew_lease(self, caller: Caller, peer: str, client: str) -> None:
        """Keep a writer's leases alive."""
        with self.lock:
            now = time.monotonic()
            for inode_id, (holder, _) in list(self.leases.items()):
                if holder == client:
                    self.leases[inode_id] = (holder, now)

    def rpc_report_bad_blocks(self, caller: Caller, peer: str, blocks: list[list[Any]]) -> None:
        """A reader found replicas failing their checksum: ``[[block_id, datanode_id], ...]``."""
        with self.lock:
            for block_id, dn_id in blocks:
                self.bm.mark_corrupt(int(block_id), str(dn_id), "checksum error reported")

    def rpc_fsck(self, caller: Caller, peer: str, path: str = "/") -> dict[str, Any]:
        """Health of every block under ``path`` (Hadoop's fsck report, as data)."""
        from .fsck import build_report

        with self.lock:
            path, chain = self._resolve(caller, path)
            node = self._existing(chain, path)
            return build_report(self, node, path)

    # ------------------------------------------------------------ admin RPCs
    def _require_superuser(self, caller: Caller, what: str) -> None:
        if not caller.superuser:
            raise AccessControlException(f"Access denied for user {caller.user}. Superuser privilege is required to {what}")

    def rpc_datanode_report(self, caller: Caller, peer: str) -> list[dict[str, Any]]:
        """Every known DataNode with liveness and usage."""
        with self.lock:
            now = time.monotonic()
            return [d.report(now) for d in sorted(self.bm.datanodes.values(), key=lambda d: d.id)]

    def rpc_safe_mode(self, caller: Caller, peer: str, action: str = "get") -> bool:
        """``get`` / ``enter`` / ``leave`` safe mode; returns whether it is on."""
        with self.lock:
            if action != "get":
                self._require_superuser(caller, "change safe mode")
            if action == "enter":
                self.safemode_on = self.safemode_manual = True
            elif action == "leave":
                self.safemode_on = self.safemode_manual = False
            elif action != "get":
                raise IllegalArgumentException(f"unknown safe mode action {action!r}")
            return self.safemode_on

    def rpc_checkpoint(self, caller: Caller, peer: str) -> int:
        """Force a checkpoint now (as ``dfsadmin -saveNamespace`` would); returns its txid."""
        self._require_superuser(caller, "checkpoint")
        return self.checkpoint()

    def rpc_edit_log_txid(self, caller: Caller, peer: str) -> dict[str, int]:
        """Last logged txid and the newest image's txid (for tests and tools)."""
        return {"last_txid": self.editlog.last_txid, "image_txid": self._ckpt_txid}

    # ------------------------------------------------------------ DataNode RPCs
    def _dn(self, dn_id: str) -> DatanodeDescriptor:
        dn = self.bm.datanodes.get(dn_id)
        if dn is None or not dn.alive:
            raise UnsupportedOperationException(f"DataNode {dn_id} is not registered")
        return dn

    def rpc_dn_register(self, caller: Caller, peer: str, dn_id: str, host: str, port: int,
                        http_port: int) -> dict[str, Any]:
        """A DataNode joins (or rejoins after a restart of either side)."""
        with self.lock:
            self.bm.register(str(dn_id), str(host), int(port), int(http_port))
            return {"cluster_id": self.cluster_id, "heartbeat_interval": self.config.heartbeat_interval}

    def rpc_dn_heartbeat(self, caller: Caller, peer: str, dn_id: str, stats: dict[str, int]) -> dict[str, Any]:
        """Liveness + usage; the reply carries commands (transfer, invalidate) or ``register``."""
        with self.lock:
            commands = self.bm.heartbeat(str(dn_id), stats)
            if commands is None:
                return {"register": True, "commands": []}
            if self.safemode_on:
                # Hadoop deletes nothing in safe mode; keep the commands for later.
                keep = [c for c in commands if c["cmd"] == "invalidate"]
                self.bm.datanodes[dn_id].commands.extend(keep)
                commands = [c for c in commands if c["cmd"] != "invalidate"]
            return {"register": False, "commands": commands}

    def rpc_dn_block_report(self, caller: Caller, peer: str, dn_id: str, blocks: list[list[int]]) -> None:
        """Full block report."""
        with self.lock:
            self.bm.full_report(self._dn(dn_id), blocks)
            self._check_safe_mode()

    def rpc_dn_block_received(self, caller: Caller, peer: str, dn_id: str, blocks: list[list[int]]) -> None:
        """Incremental report: replicas finalized on a DataNode."""
        with self.lock:
            dn = self._dn(dn_id)
            for block_id, gs, length in blocks:
                self.bm.replica_reported(dn, int(block_id), int(gs), int(length))

    def rpc_dn_block_deleted(self, caller: Caller, peer: str, dn_id: str, blocks: list[int]) -> None:
        """Incremental report: replicas removed from a DataNode."""
        with self.lock:
            dn = self._dn(dn_id)
            for block_id in blocks:
                self.bm.replica_deleted(dn, int(block_id))

    # ------------------------------------------------------------ monitors
    def _check_safe_mode(self) -> None:
        if not self.safemode_on or self.safemode_manual:
            return
        safe, total = self.bm.safe_block_counts()
        enough_nodes = len(self.bm.alive_nodes()) >= self.config.safemode_min_datanodes
        if safe >= _needed(total, self.config.safemode_threshold) and enough_nodes:
            if self._safe_since is None:
                self._safe_since = time.monotonic()
            if time.monotonic() - self._safe_since >= self.config.safemode_extension:
                self.safemode_on = False
                log.info("leaving safe mode: %d of %d blocks reported", safe, total)
        else:
            self._safe_since = None

    def _monitor_loop(self) -> None:
        tick = max(0.05, min(self.config.heartbeat_interval, self.config.replication_interval) / 2)
        last_repl = 0.0
        while not self._stop.wait(tick):
            try:
                with self.lock:
                    now = time.monotonic()
                    self.bm.check_dead(now)
                    self._check_safe_mode()
                    if not self.safemode_on and now - last_repl >= self.config.replication_interval:
                        last_repl = now
                        self.bm.compute_work(now)
                    expired = self._expired_leases(now)
                for path in expired:
                    self._recover_lease(path)
            except Exception:
                log.error("monitor failed:\n%s", traceback.format_exc())

    def _expired_leases(self, now: float) -> list[str]:
        if self.safemode_on:
            return []
        paths = []
        for inode_id, (client, renewed) in list(self.leases.items()):
            if now - renewed > self.config.lease_hard_limit:
                node = next((f for f in self.ns.iter_files() if f.id == inode_id), None)
                if node is None or node.client is None:
                    self.leases.pop(inode_id, None)
                else:
                    paths.append(node.path())
        return paths

    def _recover_lease(self, path: str) -> None:
        """Close a file whose writer vanished: keep blocks that some DataNode finalized."""
        with self.lock:
            node = self.ns.get(path)
            if not isinstance(node, INodeFile) or node.client is None:
                return
            blocks = [b.triple() for b in node.blocks]
            if blocks and not self.bm.live_locations(blocks[-1][0]):
                blocks.pop()  # the last block never reached any DataNode's disk
            log.warning("lease of %s expired: closing with %d blocks", path, len(blocks))
            txid = self._commit([{"op": "CLOSE", "path": path, "mtime": now_ms(), "blocks": blocks}])
            self.leases.pop(node.id, None)
        self.editlog.sync(txid)

    def _checkpoint_loop(self) -> None:
        while not self._stop.wait(self.config.checkpoint_check_period):
            due_txns = self.editlog.last_txid - self._ckpt_txid >= self.config.checkpoint_txns
            due_time = time.monotonic() - self._ckpt_time >= self.config.checkpoint_period
            if (due_txns or due_time) and self.editlog.last_txid > self._ckpt_txid:
                try:
                    self.checkpoint()
                except Exception:
                    log.error("checkpoint failed:\n%s", traceback.format_exc())

    def checkpoint(self) -> int:
        """Roll the edit log and merge it into a new fsimage, off the namesystem lock."""
        with self._ckpt_lock:
            with self.lock:
                end = self.editlog.roll()
            if end > self._ckpt_txid:
                fsimage.checkpoint(self.name_dir, end, self.config.images_retained)
                self._ckpt_txid = end
            self._ckpt_time = time.monotonic()
            log.info("checkpoint at txid %d", end)
            return end


def _needed(total: int, threshold: float) -> int:
    """Blocks that must be reported to leave safe mode."""
    import math

    return math.ceil(total * threshold) if total else 0


def _os_groups(user: str) -> tuple[str, ...]:
    """Groups of an OS user on the NameNode host (Hadoop's shell group mapping)."""
    try:
        import grp
        import pwd

        entry = pwd.getpwnam(user)
        names = [grp.getgrgid(entry.pw_gid).gr_name]
        names += [g.gr_name for g in grp.getgrall() if user in g.gr_mem and g.gr_name not in names]
        return tuple(names)
    except (KeyError, ImportError, OSError):
        return ()
