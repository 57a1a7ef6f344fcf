"""The ``minispark`` command: one entry point, one sub-command per tool.

Each sub-command lives in the subsystem that owns it and is imported only
when asked for, so ``minispark dfs -ls /`` never pays for the RDD engine.
"""
from __future__ import annotations

import importlib
import sys
from typing import Sequence

#: sub-command -> "module:function"; each function takes argv and returns an exit code.
COMMANDS: dict[str, str] = {
    "dfs": "minispark.hdfs.shell:dfs_main",
    "fsck": "minispark.hdfs.shell:fsck_main",
    "namenode": "minispark.hdfs.daemons:namenode_main",
    "datanode": "minispark.hdfs.daemons:datanode_main",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch ``minispark <command> [args...]`` to the owning subsystem."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args[0] not in COMMANDS:
        names = ", ".join(sorted(COMMANDS))
        print(f"usage: minispark <command> [args...]; commands: {names}", file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    module_name, func_name = COMMANDS[args[0]].split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    return int(func(args[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
