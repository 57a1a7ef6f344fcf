"""MiniDFSCluster: a NameNode and N DataNodes as real processes in a temp directory.

For tests and examples::

    with MiniDFSCluster(num_datanodes=3) as cluster:
        client = cluster.client()
        client.write_bytes("/hello", b"hi")
        cluster.kill_datanode(0)          # SIGKILL
        cluster.restart_namenode()

Every process is started with ``sys.executable -m minispark.hdfs.daemons`` and
reaped by :meth:`shutdown` (also on ``__exit__`` and at interpreter exit).
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from .client import DFSClient
from .config import HdfsConfig, small_config, write_secret
from .errors import HdfsIOException

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class _Proc:
    """One daemon process and the files describing it."""

    def __init__(self, kind: str, conf: Path, port_file: Path, log: Path) -> None:
        self.kind, self.conf, self.port_file, self.log = kind, conf, port_file, log
        self.popen: subprocess.Popen | None = None
        self.ports: dict[str, Any] = {}

    def start(self, timeout: float) -> None:
        self.port_file.unlink(missing_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = _PACKAGE_ROOT + os.pathsep + env.get("PYTHONPATH", "")
        with open(self.log, "ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "minispark.hdfs.daemons", self.kind, "--conf", str(self.conf),
                 "--port-file", str(self.port_file)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self.port_file.exists():
            if self.popen.poll() is not None:
                raise HdfsIOException(f"{self.kind} exited with {self.popen.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise HdfsIOException(f"{self.kind} did not start within {timeout}s:\n{self.tail()}")
            time.sleep(0.02)
        self.ports = json.loads(self.port_file.read_text())

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL and reap."""
        if self.popen is not None:
            if self.popen.poll() is None:
                self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=30)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it lingers; always reaped."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.popen.wait(timeout=30)


class MiniDFSCluster:
    """A whole mini-HDFS on loopback, for tests and examples."""

    def __init__(self, num_datanodes: int = 3, base_dir: str | os.PathLike | None = None,
                 racks: Sequence[str] | None = None, config: HdfsConfig | None = None,
                 start: bool = True, start_timeout: float = 30.0) -> None:
        self._own_dir = base_dir is None
        self.base = Path(base_dir or tempfile.mkdtemp(prefix="minidfs-"))
        self.base.mkdir(parents=True, exist_ok=True)
        self.start_timeout = start_timeout
        secret_file = self.base / "secret"
        if not secret_file.exists():
            write_secret(secret_file)
        racks = list(racks or [])
        topology = {f"dn{i}": racks[i] for i in range(min(len(racks), num_datanodes))}
        base_cfg = config or small_config()
        self.config = base_cfg.replace(
            name_dir=str(self.base / "name"), secret_file=str(secret_file), namenode_port=0,
            namenode_http_port=0, topology={**base_cfg.topology, **topology})
        self.namenode = _Proc("namenode", self.base / "namenode.json", self.base / "namenode.ports",
                              self.base / "namenode.log")
        self.datanodes: list[_Proc] = []
        self._dn_configs: list[HdfsConfig] = []
        for _ in range(num_datanodes):
            self._add_datanode_proc()
        atexit.register(self.shutdown)
        if start:
            try:
                self.start()
            except BaseException:
                self.shutdown()
                raise

    # ------------------------------------------------------------ addresses
    @property
    def nn_port(self) -> int:
        """NameNode RPC port."""
        return int(self.config.namenode_port)

    @property
    def http_port(self) -> int:
        """NameNode HTTP (WebHDFS) port."""
        return int(self.config.namenode_http_port)

    @property
    def uri(self) -> str:
        """``hdfs://127.0.0.1:<port>``."""
        return f"hdfs://{self.config.namenode_host}:{self.nn_port}"

    @property
    def webhdfs_url(self) -> str:
        """``http://127.0.0.1:<http port>``."""
        return f"http://{self.config.namenode_host}:{self.http_port}"

    def client_config(self, **overrides: Any) -> HdfsConfig:
        """Configuration a client (or the shell) uses to reach this cluster."""
        return self.config.replace(**overrides)

    def write_client_conf(self, path: str | os.PathLike | None = None) -> Path:
        """Write a config file for ``MINISPARK_HDFS_CONF``; returns its path."""
        target = Path(path or self.base / "client.json")
        self.config.save(target)
        return target

    def client(self, user: str | None = None, **overrides: Any) -> DFSClient:
        """A new :class:`DFSClient` for this cluster."""
        return DFSClient(config=self.client_config(**overrides), user=user)

    # ------------------------------------------------------------ processes
    def _add_datanode_proc(self) -> int:
        i = len(self.datanodes)
        self._dn_configs.append(self.config.replace(
            data_dir=str(self.base / f"data{i}"), datanode_id=f"dn{i}", datanode_port=0,
            datanode_http_port=0))
        self.datanodes.append(_Proc("datanode", self.base / f"datanode{i}.json",
                                    self.base / f"datanode{i}.ports", self.base / f"datanode{i}.log"))
        return i

    def start(self) -> None:
        """Format (first time), start the NameNode and every DataNode, wait until active."""
        if not (Path(self.config.name_dir) / "VERSION").exists():
            from .namenode import format_name_dir
            format_name_dir(self.config)
        self.start_namenode(wait=False)
        for i in range(len(self.datanodes)):
            self.start_datanode(i, wait=False)
        self.wait_active()

    def start_namenode(self, wait: bool = True) -> None:
        """Start the NameNode (on the same ports as before after the first start)."""
        self.config.save(self.namenode.conf)
        self.namenode.start(self.start_timeout)
        if not self.config.namenode_port:
            self.config = self.config.replace(namenode_port=self.namenode.ports["rpc"],
                                              namenode_http_port=self.namenode.ports["http"])
            self.config.save(self.namenode.conf)
        if wait:
            self.wait_active()

    def start_datanode(self, i: int, wait: bool = True) -> None:
        """Start DataNode ``i`` (same ports and data directory as before)."""
        cfg = self._dn_configs[i].replace(namenode_port=self.nn_port,
                                          namenode_http_port=self.http_port)
        cfg.save(self.datanodes[i].conf)
        self.datanodes[i].start(self.start_timeout)
        ports = self.datanodes[i].ports
        self._dn_configs[i] = cfg.replace(datanode_port=ports["xfer"], datanode_http_port=ports["http"])
        if wait:
            self.wait_active()

    def add_datanode(self, rack: str | None = None) -> int:
        """Start one more DataNode; returns its index."""
        i = self._add_datanode_proc()
        if rack:
            raise HdfsIOException("racks of added DataNodes must be in the initial topology")
        self.start_datanode(i)
        return i

    def kill_datanode(self, i: int) -> None:
        """SIGKILL DataNode ``i`` (its replicas stay on disk)."""
        self.datanodes[i].kill()

    def stop_datanode(self, i: int) -> None:
        """Stop DataNode ``i`` cleanly (SIGTERM)."""
        self.datanodes[i].stop()

    def restart_datanode(self, i: int, wait: bool = True) -> None:
        """Stop (if running) and start DataNode ``i`` again."""
        self.datanodes[i].stop()
        self.start_datanode(i, wait=wait)

    def kill_namenode(self) -> None:
        """SIGKILL the NameNode."""
        self.namenode.kill()

    def stop_namenode(self) -> None:
        """Stop the NameNode cleanly (SIGTERM)."""
        self.namenode.stop()

    def restart_namenode(self, wait: bool = True) -> None:
        """Stop (if running) and start the NameNode on the same ports and name directory."""
        self.namenode.stop()
        self.start_namenode(wait=wait)

    def datanode_index(self, dn_id: str) -> int:
        """Index of the DataNode with id ``dn_id``."""
        return int(dn_id[2:]) if dn_id.startswith("dn") else -1

    def wait_active(self, timeout: float | None = None) -> None:
        """Until every running DataNode is registered and safe mode is off."""
        deadline = time.monotonic() + (timeout or self.start_timeout)
        running = {f"dn{i}" for i, p in enumerate(self.datanodes) if p.running}
        with self.client() as client:
            while True:
                try:
                    alive = {d["id"] for d in client.datanode_report() if d["alive"]}
                    if running <= alive and not client.safe_mode("get"):
                        return
                except HdfsIOException:
                    pass
                if not self.namenode.running:
                    raise HdfsIOException(f"NameNode died:\n{self.namenode.tail()}")
                if time.monotonic() > deadline:
                    raise HdfsIOException(f"cluster not active after {timeout or self.start_timeout}s; "
                                          f"running {sorted(running)}")
                time.sleep(0.05)

    def wait_datanode_dead(self, i: int, timeout: float = 30.0) -> None:
        """Until the NameNode has declared DataNode ``i`` dead."""
        self._wait(lambda c: not any(d["id"] == f"dn{i}" and d["alive"] for d in c.datanode_report()),
                   timeout, f"dn{i} to be declared dead")

    def wait_replication(self, path: str, timeout: float = 30.0) -> None:
        """Until every block of ``path`` has exactly its replication factor."""
        with self.client() as c:
            c.wait_replication(path, timeout=timeout)

    def _wait(self, predicate: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self.client() as c:
            while not predicate(c):
                if time.monotonic() > deadline:
                    raise HdfsIOException(f"timed out waiting for {what}")
                time.sleep(0.05)

    # ------------------------------------------------------------ disks
    def block_files(self, block_id: int) -> dict[int, Path]:
        """DataNode index -> finalized block file of ``block_id``."""
        found = {}
        for i in range(len(self.datanodes)):
            for path in (self.base / f"data{i}" / "current" / "finalized").glob(f"subdir*/blk_{block_id}"):
                found[i] = path
        return found

    def corrupt_block(self, block_id: int, datanode: int, offset: int = 0, nbytes: int = 1) -> Path:
        """Flip bytes of a replica on disk (its ``.meta`` CRCs no longer match)."""
        path = self.block_files(block_id)[datanode]
        with open(path, "r+b") as f:
            f.seek(offset)
            data = f.read(nbytes)
            f.seek(offset)
            f.write(bytes(b ^ 0xFF for b in data))
        return path

    # ------------------------------------------------------------ shutdown
    def shutdown(self) -> None:
        """Stop every process (SIGKILL if needed), reap them, remove our temp directory."""
        for proc in self.datanodes + [self.namenode]:
            try:
                proc.stop(timeout=5.0)
            except Exception:
                proc.kill()
        if self._own_dir:
            shutil.rmtree(self.base, ignore_errors=True)
            self._own_dir = False

    def __enter__(self) -> "MiniDFSCluster":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
