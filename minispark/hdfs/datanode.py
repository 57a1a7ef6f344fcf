"""The DataNode: stores replicas, serves reads and pipelined writes, reports to the NameNode.

Data transfer (port ``datanode_port``), after the shared-secret handshake:

* ``write_block``: the header names the block, the *downstream* targets and a
  stage (``create``, ``append``, ``recovery`` + offset).  The node connects to
  the next target, forwards the header, relays the setup reply, then for every
  packet: forward it downstream, write it locally, and let a responder thread
  send the upstream ack (its own status followed by the downstream ones) once
  the downstream ack arrived.  A broken downstream shows as ``ERROR`` at its
  index so the writer knows whom to drop.  The last DataNode verifies CRCs.
* ``read_block``: chunk-aligned packets with their stored CRCs, each chunk
  verified before it is sent; a corrupt chunk is reported to the NameNode and
  the stream ends with an error packet instead.
"""
from __future__ import annotations

import json
import logging
import queue
import shutil
import socket
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

from .blockstore import BlockStore, ReplicaWriter
from .config import HdfsConfig
from .errors import ChecksumException, HdfsIOException
from .protocol import (PACKET, RpcClient, connect, error_reply, recv_msg, recv_packet,
                       send_msg, send_packet, server_handshake, start_server)

log = logging.getLogger("minispark.hdfs.datanode")
FLAG_ERROR = 2


class DataNode:
    """One DataNode process's services."""

    def __init__(self, config: HdfsConfig) -> None:
        self.config = config
        self.secret = config.secret()
        self.data_dir = Path(config.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.id = config.datanode_id or self._persisted_id()
        self.store = BlockStore(self.data_dir, config.bytes_per_checksum)
        self._stop = threading.Event()
        self._servers: list[Any] = []
        self._threads: list[threading.Thread] = []
        self._ibr: "queue.Queue[tuple[str, Any]]" = queue.Queue()
        self.port = self.http_port = 0
        self.registered = False

    def _persisted_id(self) -> str:
        version = self.data_dir / "VERSION"
        if version.exists():
            return json.loads(version.read_text())["datanode_uuid"]
        dn_id = "DS-" + uuid.uuid4().hex[:12]
        version.write_text(json.dumps({"datanode_uuid": dn_id}))
        return dn_id

    def _nn(self) -> RpcClient:
        c = self.config
        return RpcClient(c.namenode_host, c.namenode_port, self.secret, "datanode", c.socket_timeout,
                         retries=0, retry_interval=0.0, idempotent=("dn_heartbeat",))

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Bind ports, register with the NameNode (in the background) and serve."""
        from .webhdfs import start_datanode_http

        c = self.config
        server, self.port = start_server(c.datanode_host, c.datanode_port, self._serve_conn, "dn-xfer")
        self._servers.append(server)
        http, self.http_port = start_datanode_http(self, c.datanode_host, c.datanode_http_port)
        self._servers.append(http)
        self.nn = self._nn()
        self.nn_reports = self._nn()
        t = threading.Thread(target=self._heartbeat_loop, name="dn-heartbeat", daemon=True)
        t.start()
        self._threads.append(t)
        log.info("DataNode %s up: xfer %d http %d, %d replicas", self.id, self.port,
                 self.http_port, len(self.store.replicas))

    def stop(self) -> None:
        """Stop serving."""
        self._stop.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for t in self._threads:
            t.join(timeout=5)

    def wait(self) -> None:
        """Block until :meth:`stop` (daemon main loop)."""
        while not self._stop.wait(0.5):
            pass

    # ------------------------------------------------------------ NameNode link
    def _register(self) -> None:
        c = self.config
        self.nn.call("dn_register", dn_id=self.id, host=c.datanode_host, port=self.port,
                     http_port=self.http_port)
        self._drain_ibr()
        self.nn.call("dn_block_report", dn_id=self.id, blocks=self._report())
        self.registered = True
        self._last_report = time.monotonic()
        log.info("registered with NameNode, reported %d replicas", len(self.store.replicas))

    def _report(self) -> list[list[int]]:
        return [[r.id, r.gs, r.length] for r in list(self.store.replicas.values())]

    def _stats(self) -> dict[str, int]:
        usage = shutil.disk_usage(self.data_dir)
        return {"capacity": usage.total, "used": self.store.usage(), "remaining": usage.free}

    def _heartbeat_loop(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.registered:
                    self._register()
                reply = self.nn.call("dn_heartbeat", dn_id=self.id, stats=self._stats())
                if reply["register"]:
                    self.registered = False
                    continue
                for command in reply["commands"]:
                    self._execute(command)
                self._flush_ibr()
                if time.monotonic() - self._last_report > self.config.block_report_interval:
                    self.nn.call("dn_block_report", dn_id=self.id, blocks=self._report())
                    self._last_report = time.monotonic()
            except HdfsIOException as exc:
                self.registered = False
                log.info("NameNode not reachable (%s); retrying", exc)
            except Exception:
                log.error("heartbeat failed:\n%s", traceback.format_exc())
            self._stop.wait(self.config.heartbeat_interval)

    def report_received(self, block_id: int, gs: int, length: int) -> None:
        """Tell the NameNode a replica is finalized, now (it makes ``complete`` succeed)."""
        try:
            self.nn_reports.call("dn_block_received", dn_id=self.id, blocks=[[block_id, gs, length]])
        except HdfsIOException as exc:
            log.info("incremental report failed (%s); queued", exc)
            self._ibr.put(("dn_block_received", [block_id, gs, length]))

    def _drain_ibr(self) -> None:
        while not self._ibr.empty():
            self._ibr.get_nowait()  # superseded by the full report that follows

    def _flush_ibr(self) -> None:
        while not self._ibr.empty():
            method, item = self._ibr.get_nowait()
            self.nn.call(method, dn_id=self.id, blocks=[item])

    def report_bad(self, block_id: int) -> None:
        """Report our own replica as corrupt."""
        try:
            self.nn_reports.call("report_bad_blocks", blocks=[[block_id, self.id]])
        except HdfsIOException as exc:
            log.warning("could not report corrupt block %d: %s", block_id, exc)

    def _execute(self, command: dict[str, Any]) -> None:
        if command["cmd"] == "invalidate":
            deleted = [int(b) for b, gs in command["blocks"] if self.store.delete(int(b), int(gs))]
            if deleted:
                log.info("deleted replicas %s", deleted)
            # Everything asked about is reported: what survived (newer gs) is re-added below.
            self.nn.call("dn_block_deleted", dn_id=self.id, blocks=[int(b) for b, _ in command["blocks"]])
            kept = [[r.id, r.gs, r.length] for b, _ in command["blocks"]
                    if (r := self.store.replicas.get(int(b))) is not None]
            if kept:
                self.nn.call("dn_block_received", dn_id=self.id, blocks=kept)
        elif command["cmd"] == "transfer":
            threading.Thread(target=self._transfer, args=(command,), daemon=True,
                             name="dn-transfer").start()

    # ------------------------------------------------------------ replication
    def _transfer(self, command: dict[str, Any]) -> None:
        """Copy a local replica to the targets (re-replication), as a write pipeline."""
        block_id, gs, length = command["block"]
        targets = command["targets"]
        try:
            sock = connect(targets[0]["host"], targets[0]["port"], self.secret, self.config.socket_timeout)
        except OSError as exc:
            log.warning("transfer of %d: cannot reach %s: %s", block_id, targets[0]["id"], exc)
            return
        try:
            with sock:
                send_msg(sock, {"op": "write_block", "b": [block_id, gs, length], "targets": targets[1:],
                                "stage": "create", "offset": 0})
                reply, _ = recv_msg(sock)
                if not reply.get("ok"):
                    raise HdfsIOException(f"transfer pipeline setup failed: {reply}")
                seq = 0
                for offset, crcs, data in self.store.read_chunks(block_id, gs, 0, length,
                                                                 self.config.packet_size):
                    send_packet(sock, seq, offset, crcs, data)
                    seq += 1
                send_packet(sock, seq, length, b"", b"", last=True)
                for _ in range(seq + 1):
                    ack, _ = recv_msg(sock)
                    if any(s != "SUCCESS" for s in ack["status"]):
                        raise HdfsIOException(f"transfer ack {ack}")
            log.info("transferred block %d to %s", block_id, [t["id"] for t in targets])
        except ChecksumException as exc:
            log.warning("transfer source corrupt: %s", exc)
            self.report_bad(block_id)
        except (OSError, HdfsIOException, KeyError) as exc:
            log.warning("transfer of block %d failed: %s", block_id, exc)

    # ------------------------------------------------------------ data transfer server
    def _serve_conn(self, sock: socket.socket, addr: tuple) -> None:
        sock.settimeout(self.config.socket_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            server_handshake(sock, self.secret)
            header, _ = recv_msg(sock)
        except (OSError, HdfsIOException, ValueError) as exc:
            log.info("rejected data connection from %s: %s", addr[0], exc)
            return
        op = header.get("op")
        try:
            if op == "write_block":
                BlockReceiver(self, sock, header).run()
            elif op == "read_block":
                self._read_block(sock, header)
            else:
                send_msg(sock, error_reply(HdfsIOException(f"unknown data transfer op {op!r}")))
        except (OSError, HdfsIOException) as exc:
            log.info("%s from %s ended: %s", op, addr[0], exc)
        except Exception:
            log.error("%s failed:\n%s", op, traceback.format_exc())

    def _read_block(self, sock: socket.socket, header: dict[str, Any]) -> None:
        block_id, gs = int(header["b"][0]), int(header["b"][1])
        offset, length = int(header.get("offset", 0)), int(header.get("length", 1 << 62))
        try:
            replica = self.store.get(block_id, gs)
        except HdfsIOException as exc:
            send_msg(sock, error_reply(exc))
            return
        send_msg(sock, {"ok": True, "length": replica.length})
        seq = 0
        try:
            for pos, crcs, data in self.store.read_chunks(block_id, gs, offset, length,
                                                          self.config.packet_size):
                send_packet(sock, seq, pos, crcs, data)
                seq += 1
        except ChecksumException as exc:
            log.warning("%s", exc)
            sock.sendall(PACKET.pack(seq, 0, 0, 0, FLAG_ERROR))
            self.report_bad(block_id)
            return
        send_packet(sock, seq, min(replica.length, offset + length), b"", b"", last=True)


class BlockReceiver:
    """One DataNode's part of a write pipeline for one block."""

    def __init__(self, dn: DataNode, sock: socket.socket, header: dict[str, Any]) -> None:
        self.dn, self.up, self.header = dn, sock, header
        self.block_id, self.gs = int(header["b"][0]), int(header["b"][1])
        self.targets: list[dict[str, Any]] = list(header.get("targets") or [])
        self.down: socket.socket | None = None
        self.mirror_ok = True
        self.acks: "queue.Queue[tuple[int, bool] | None]" = queue.Queue()

    def _connect_downstream(self) -> dict[str, Any]:
        """Open the rest of the pipeline; returns the setup reply to send upstream."""
        if not self.targets:
            return {"ok": True}
        nxt = self.targets[0]
        try:
            self.down = connect(nxt["host"], int(nxt["port"]), self.dn.secret, self.dn.config.socket_timeout)
            send_msg(self.down, dict(self.header, targets=self.targets[1:]))
            reply, _ = recv_msg(self.down)
        except (OSError, HdfsIOException) as exc:
            log.info("pipeline: cannot reach %s: %s", nxt.get("id"), exc)
            return {"ok": False, "bad": 1, "msg": f"cannot connect to {nxt.get('id')}: {exc}"}
        if not reply.get("ok"):
            bad = reply.get("bad")
            return dict(reply, bad=None if bad is None else int(bad) + 1)
        return {"ok": True}

    def run(self) -> None:
        """Set up, receive every packet, and finish (or fail) the replica."""
        stage, offset = self.header.get("stage", "create"), int(self.header.get("offset", 0))
        lock = self.dn.store.block_lock(self.block_id)
        if not lock.acquire(timeout=self.dn.config.socket_timeout):
            send_msg(self.up, {"ok": False, "bad": 0, "msg": "block busy"})
            return
        try:
            try:
                writer = self.dn.store.open_writer(self.block_id, self.gs, stage, offset)
            except (OSError, HdfsIOException) as exc:
                send_msg(self.up, {"ok": False, "bad": 0, "msg": str(exc)})
                return
            setup = self._connect_downstream()
            send_msg(self.up, setup)
            if not setup["ok"]:
                writer.abort()
                return
            self._receive(writer)
        finally:
            if self.down is not None:
                self.down.close()
            lock.release()

    def _receive(self, writer: ReplicaWriter) -> None:
        responder = threading.Thread(target=self._respond, name="dn-responder", daemon=True)
        responder.start()
        finished = False
        try:
            while True:
                seq, offset, crcs, data, last = recv_packet(self.up, 16 * self.dn.config.packet_size + 4096)
                self._mirror(seq, offset, crcs, data, last)
                writer.write(offset, crcs, data, verify=not self.targets)
                if last:
                    replica = writer.finalize(self.dn.config.datanode_sync_on_close)
                    finished = True
                    self.dn.report_received(replica.id, replica.gs, replica.length)
                self.acks.put((seq, last))
                if last:
                    break
        except (OSError, HdfsIOException) as exc:
            log.info("write of block %d stopped: %s", self.block_id, exc)
        finally:
            if not finished:
                writer.abort()
            self.acks.put(None)
            responder.join(timeout=self.dn.config.socket_timeout)

    def _mirror(self, seq: int, offset: int, crcs: bytes, data: bytes, last: bool) -> None:
        if self.down is None or not self.mirror_ok:
            return
        try:
            send_packet(self.down, seq, offset, crcs, data, last)
        except OSError as exc:
            log.info("pipeline: downstream %s failed: %s", self.targets[0].get("id"), exc)
            self.mirror_ok = False

    def _respond(self) -> None:
        """Send one upstream ack per packet, after the downstream one."""
        try:
            while True:
                item = self.acks.get()
                if item is None:
                    return
                seq, last = item
                status = ["SUCCESS"]
                if self.down is not None:
                    status += self._downstream_status(seq)
                send_msg(self.up, {"seq": seq, "status": status})
                if any(s != "SUCCESS" for s in status):
                    return
                if last:
                    return
        except OSError:
            return

    def _downstream_status(self, seq: int) -> list[str]:
        if self.mirror_ok:
            try:
                ack, _ = recv_msg(self.down)  # type: ignore[arg-type]
                if int(ack.get("seq", -1)) == seq:
                    return list(ack["status"])
            except (OSError, HdfsIOException, ValueError, KeyError):
                pass
        self.mirror_ok = False
        return ["ERROR"] + ["SUCCESS"] * (len(self.targets) - 1)
