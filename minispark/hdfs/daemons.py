"""Daemon entry points: ``minispark namenode`` and ``minispark datanode``.

Both read a configuration file (``--conf FILE`` or ``$MINISPARK_HDFS_CONF``)
with ``-D key=value`` overrides (Hadoop's generic option), run until SIGTERM
or SIGINT, and can write their bound ports to ``--port-file`` once serving
(used by :class:`~minispark.hdfs.minicluster.MiniDFSCluster`).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from .config import CONF_ENV, HdfsConfig
from .errors import HdfsIOException


def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog)
    p.add_argument("--conf", help=f"configuration file (default: ${CONF_ENV})")
    p.add_argument("-D", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one setting")
    p.add_argument("--port-file", help="write the bound ports here (JSON) once serving")
    p.add_argument("--log-level", default="INFO")
    return p


def _config(args: argparse.Namespace) -> HdfsConfig:
    path = args.conf or os.environ.get(CONF_ENV)
    base = HdfsConfig.load(path).to_dict() if path else HdfsConfig().to_dict()
    for item in args.overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"-D expects KEY=VALUE, got {item!r}")
        base[key.strip()] = value
    return HdfsConfig.from_dict({k: v for k, v in base.items()})


def _write_ports(path: str | None, ports: dict[str, Any]) -> None:
    if not path:
        return
    tmp = Path(path + ".tmp")
    tmp.write_text(json.dumps(ports))
    os.replace(tmp, path)


def _run(server: Any) -> None:
    def on_signal(signum: int, frame: Any) -> None:
        server._stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.wait()
    server.stop()


def _logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def namenode_main(argv: list[str]) -> int:
    """``minispark namenode [-format] --conf FILE``: format and/or run a NameNode."""
    parser = _parser("minispark namenode")
    parser.add_argument("-format", "--format", dest="format", action="store_true",
                        help="create an empty namespace in name_dir (erases it) and exit")
    args = parser.parse_args(argv)
    _logging(args.log_level)
    try:
        config = _config(args)
        if not config.name_dir:
            raise ValueError("name_dir is not set in the configuration")
        from .namenode import NameNode, format_name_dir

        if args.format:
            format_name_dir(config)
            print(f"Formatted NameNode storage directory {config.name_dir}")
            return 0
        nn = NameNode(config)
        nn.start()
        _write_ports(args.port_file, {"rpc": nn.rpc_port, "http": nn.http_port, "pid": os.getpid()})
        _run(nn)
        return 0
    except (HdfsIOException, ValueError, OSError) as exc:
        print(f"namenode: {exc}", file=sys.stderr)
        return 1


def datanode_main(argv: list[str]) -> int:
    """``minispark datanode --conf FILE``: run a DataNode."""
    args = _parser("minispark datanode").parse_args(argv)
    _logging(args.log_level)
    try:
        config = _config(args)
        if not config.data_dir:
            raise ValueError("data_dir is not set in the configuration")
        from .datanode import DataNode

        dn = DataNode(config)
        dn.start()
        _write_ports(args.port_file, {"xfer": dn.port, "http": dn.http_port, "id": dn.id,
                                      "pid": os.getpid()})
        _run(dn)
        return 0
    except (HdfsIOException, ValueError, OSError) as exc:
        print(f"datanode: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    """``python -m minispark.hdfs.daemons namenode|datanode ...``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("namenode", "datanode"):
        print("usage: python -m minispark.hdfs.daemons namenode|datanode [options]", file=sys.stderr)
        return 2
    fn = namenode_main if args[0] == "namenode" else datanode_main
    return fn(args[1:])


if __name__ == "__main__":
    sys.exit(main())
