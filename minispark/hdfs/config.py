"""Settings of mini-HDFS, with Hadoop's defaults, and configuration files.

A configuration file is JSON (``{"namenode_host": ..., ...}``) or INI with a
``[hdfs]`` section; keys are the field names of :class:`HdfsConfig`.  Daemons
and the ``minispark dfs`` shell find it through ``--conf FILE`` or the
``MINISPARK_HDFS_CONF`` environment variable.
"""
from __future__ import annotations

import configparser
import dataclasses
import getpass
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONF_ENV = "MINISPARK_HDFS_CONF"
DEFAULT_RACK = "/default-rack"


@dataclass
class HdfsConfig:
    """Every setting of a mini-HDFS cluster; defaults are Hadoop's."""

    namenode_host: str = "127.0.0.1"
    namenode_port: int = 8020            # fs.defaultFS port
    namenode_http_port: int = 9870       # dfs.namenode.http-address
    name_dir: str = ""                   # dfs.namenode.name.dir
    data_dir: str = ""                   # dfs.datanode.data.dir (one per DataNode)
    datanode_host: str = "127.0.0.1"
    datanode_port: int = 9866            # dfs.datanode.address (0 = any free port)
    datanode_http_port: int = 9864       # dfs.datanode.http.address
    datanode_id: str = ""                # persisted in the data dir when empty
    secret_file: str = ""                # shared secret for every RPC (0600)
    block_size: int = 128 * 1024 * 1024  # dfs.blocksize
    replication: int = 3                 # dfs.replication
    min_replication: int = 1             # dfs.namenode.replication.min
    bytes_per_checksum: int = 512        # dfs.bytes-per-checksum
    packet_size: int = 64 * 1024         # dfs.client-write-packet-size
    umask: int = 0o022                   # fs.permissions.umask-mode
    heartbeat_interval: float = 3.0      # dfs.heartbeat.interval
    dead_node_timeout: float = 630.0     # 2 * recheck (5 min) + 10 * heartbeat
    replication_interval: float = 3.0    # dfs.namenode.redundancy.interval.seconds
    pending_replication_timeout: float = 300.0  # dfs.namenode.reconstruction.pending.timeout-sec
    block_report_interval: float = 21600.0      # dfs.blockreport.intervalMsec (6 h)
    checkpoint_txns: int = 1_000_000     # dfs.namenode.checkpoint.txns
    checkpoint_period: float = 3600.0    # dfs.namenode.checkpoint.period
    checkpoint_check_period: float = 60.0  # dfs.namenode.checkpoint.check.period
    images_retained: int = 2             # dfs.namenode.num.checkpoints.retained
    safemode_threshold: float = 0.999    # dfs.namenode.safemode.threshold-pct
    safemode_extension: float = 30.0     # dfs.namenode.safemode.extension (s)
    safemode_min_datanodes: int = 0      # dfs.namenode.safemode.min.datanodes
    lease_hard_limit: float = 1200.0     # dfs.namenode.lease-hard-limit-sec
    socket_timeout: float = 60.0         # dfs.client.socket-timeout
    connect_retries: int = 10            # ipc.client.connect.max.retries
    connect_retry_interval: float = 1.0  # ipc.client.connect.retry.interval
    superuser: str = ""                  # the NameNode's user (dfs.cluster.administrators)
    supergroup: str = "supergroup"       # dfs.permissions.superusergroup
    permissions_enabled: bool = True     # dfs.permissions.enabled
    groups: dict[str, list[str]] = field(default_factory=dict)  # user -> groups
    topology: dict[str, str] = field(default_factory=dict)      # node -> rack
    webhdfs_simple_auth: bool = True     # accept ?user.name= (Hadoop "simple")
    webhdfs_anonymous_user: str = "dr.who"  # hadoop.http.staticuser.user
    delegation_token_lifetime: float = 7 * 24 * 3600.0  # max-lifetime
    delegation_token_renew_interval: float = 24 * 3600.0
    datanode_sync_on_close: bool = False  # dfs.datanode.synconclose
    client_user: str = ""                # HADOOP_USER_NAME analogue
    client_host: str = ""                # the client's node name, for placement

    # ------------------------------------------------------------------ helpers
    def secret(self) -> bytes:
        """Read the shared secret from :attr:`secret_file`."""
        if not self.secret_file:
            raise ValueError("no secret_file configured: set secret_file in the HDFS config")
        data = Path(self.secret_file).read_bytes().strip()
        if not data:
            raise ValueError(f"secret file {self.secret_file} is empty")
        return data

    def user(self) -> str:
        """The user the client acts as: ``client_user``, $HADOOP_USER_NAME, or the OS user."""
        return self.client_user or os.environ.get("HADOOP_USER_NAME") or getpass.getuser()

    def rack_of(self, *names: str) -> str:
        """Rack of a node, looked up by any of its names (id, host:port, host)."""
        for name in names:
            if name in self.topology:
                return self.topology[name]
        return DEFAULT_RACK

    def replace(self, **changes: Any) -> "HdfsConfig":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every field (JSON-serialisable)."""
        return dataclasses.asdict(self)

    def save(self, path: str | os.PathLike) -> None:
        """Write this configuration as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "HdfsConfig":
        """Build from a dict, converting INI strings to the fields' types."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ValueError(f"unknown HDFS settings: {', '.join(unknown)}")
        values = {k: _convert(fields[k], v) for k, v in data.items()}
        return cls(**values)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "HdfsConfig":
        """Load a JSON or INI (section ``[hdfs]``) configuration file."""
        text = Path(path).read_text()
        if text.lstrip().startswith("{"):
            return cls.from_dict(json.loads(text))
        parser = configparser.ConfigParser()
        parser.read_string(text)
        if not parser.has_section("hdfs"):
            raise ValueError(f"{path}: INI configuration needs an [hdfs] section")
        return cls.from_dict(dict(parser.items("hdfs")))

    @classmethod
    def from_env(cls) -> "HdfsConfig":
        """Load the file named by ``$MINISPARK_HDFS_CONF``, or the defaults."""
        path = os.environ.get(CONF_ENV)
        return cls.load(path) if path else cls()


def _convert(f: dataclasses.Field, value: Any) -> Any:
    """Coerce a value read from INI (always str) to the field's declared type."""
    if not isinstance(value, str):
        return value
    kind = str(f.type)
    if kind == "bool":
        return value.strip().lower() in ("1", "true", "yes", "on")
    if kind == "int":
        return int(value, 0)
    if kind == "float":
        return float(value)
    if kind.startswith("dict"):
        return json.loads(value)
    return value


def write_secret(path: str | os.PathLike) -> bytes:
    """Create a new random shared secret in a file readable only by its owner."""
    secret = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, secret)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)
    return secret


def small_config(**overrides: Any) -> HdfsConfig:
    """Small blocks and short timers, for tests and examples."""
    base = dict(
        block_size=64 * 1024, packet_size=16 * 1024, heartbeat_interval=0.2,
        dead_node_timeout=2.0, replication_interval=0.2, pending_replication_timeout=3.0,
        block_report_interval=60.0, checkpoint_period=3600.0, checkpoint_check_period=0.2,
        safemode_extension=0.0, socket_timeout=10.0, connect_retries=20,
        connect_retry_interval=0.1, lease_hard_limit=60.0,
    )
    base.update(overrides)
    return HdfsConfig(**base)
