"""The ``minispark`` command: one entry point, one sub-command per tool.

Each sub-command is imported only when asked for. The launch tools (``shell``,
``submit``) live here; the mini-HDFS tools live in the subsystem they drive.
"""
from __future__ import annotations

import importlib
import sys
from typing import Sequence

#: sub-command -> "module:function"; each function takes argv and returns an exit code.
COMMANDS: dict[str, str] = {
    "shell": "minispark.cli.shell:main",
    "submit": "minispark.cli.submit:main",
    "history-server": "minispark.cli.history:main",
    "streaming": "minispark.cli.streaming:main",
    "dfs": "minispark.hdfs.shell:dfs_main",
    "fsck": "minispark.hdfs.shell:fsck_main",
    "namenode": "minispark.hdfs.daemons:namenode_main",
    "datanode": "minispark.hdfs.daemons:datanode_main",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch ``minispark <command> [args...]`` to the module that owns the command.

    >>> main(["--help"])
    0
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args[0] not in COMMANDS:
        names = ", ".join(sorted(COMMANDS))
        if args and args[0] not in ("-h", "--help"):
            print(f"minispark: unknown command {args[0]!r}", file=sys.stderr)
        print(f"usage: minispark <command> [args...]; commands: {names}", file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    module_name, func_name = COMMANDS[args[0]].split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    return int(func(args[1:]) or 0)
