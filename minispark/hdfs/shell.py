"""``minispark dfs`` (modelled on ``hdfs dfs``) and ``minispark fsck``.

Finding the cluster: ``-conf FILE`` or ``$MINISPARK_HDFS_CONF`` (NameNode
address, secret file, user), then ``-fs hdfs://host:port`` and ``-D key=value``
override it, like Hadoop's generic options.  Paths may be plain (``/a/b``)
or full URIs (``hdfs://host:port/a/b``).  Exit code 0 on success; otherwise 1
and one ``cmd: message`` line per failure on stderr, as Hadoop's FsShell.
"""
from __future__ import annotations

import os
import posixpath
import sys
import time
from typing import Any, Callable
from urllib.parse import urlparse

from .client import DFSClient, HdfsFileStatus
from .config import CONF_ENV, HdfsConfig
from .errors import FileAlreadyExistsException, FileNotFoundException, HdfsIOException
from .fsck import format_report
from .namespace import mode_string


class UsageError(Exception):
    """Bad command line."""


class ShellError(Exception):
    """A failure of one path; printed as ``cmd: message``."""


def _generic_options(argv: list[str]) -> tuple[HdfsConfig, str | None, list[str]]:
    """Strip ``-conf``, ``-fs`` and ``-D`` (before the command) from argv."""
    conf_path, fs_uri, overrides = os.environ.get(CONF_ENV), None, {}
    args = list(argv)
    while args and args[0] in ("-conf", "-fs", "-D"):
        opt = args.pop(0)
        if not args:
            raise UsageError(f"{opt} needs a value")
        value = args.pop(0)
        if opt == "-conf":
            conf_path = value
        elif opt == "-fs":
            fs_uri = value
        else:
            key, _, val = value.partition("=")
            overrides[key] = val
    base = HdfsConfig.load(conf_path).to_dict() if conf_path else HdfsConfig().to_dict()
    base.update(overrides)
    return HdfsConfig.from_dict(base), fs_uri, args


def _client(config: HdfsConfig, fs_uri: str | None) -> DFSClient:
    if fs_uri:
        parsed = urlparse(fs_uri)
        if parsed.scheme != "hdfs":
            raise UsageError(f"-fs expects hdfs://host:port, got {fs_uri}")
        return DFSClient(parsed.hostname, parsed.port, config=config)
    return DFSClient(config=config)


def _flags(args: list[str], allowed: str) -> tuple[set[str], list[str]]:
    """Split leading single-letter flags (``-p``, ``-f``...) from operands."""
    flags: set[str] = set()
    rest = list(args)
    while rest and rest[0].startswith("-") and len(rest[0]) > 1 and rest[0] != "-":
        name = rest.pop(0)[1:]
        if name not in allowed.split(","):
            raise UsageError(f"Illegal option -{name}")
        flags.add(name)
    return flags, rest


def _hpath(path: str) -> str:
    """The HDFS path of an operand (URI or plain), relative ones under /user/<user>."""
    parsed = urlparse(path)
    if parsed.scheme == "hdfs":
        return parsed.path or "/"
    return path


def _human(n: int) -> str:
    for unit in ("", "K", "M", "G", "T", "P"):
        if abs(n) < 1024 or unit == "P":
            return f"{n}" if not unit else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


class FsShell:
    """The commands of ``minispark dfs``; each returns normally or raises ShellError."""

    def __init__(self, client: DFSClient, out: Any = None, err: Any = None) -> None:
        self.client = client
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.home = f"/user/{client.user}"

    def path(self, operand: str) -> str:
        """Absolute HDFS path of an operand."""
        p = _hpath(operand)
        return p if p.startswith("/") else posixpath.join(self.home, p)

    def _status(self, operand: str) -> HdfsFileStatus:
        try:
            return self.client.status(self.path(operand))
        except FileNotFoundException:
            raise ShellError(f"`{operand}': No such file or directory") from None

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")

    # ------------------------------------------------------------ commands
    def cmd_ls(self, args: list[str]) -> None:
        """-ls [-R] [-h] [-d] [path ...]"""
        flags, paths = _flags(args, "R,h,d")
        for operand in paths or [self.home]:
            st = self._status(operand)
            if st.is_dir and "d" not in flags:
                self._ls_dir(operand, self.path(operand), flags)
            else:
                self._ls_lines([(st, operand)], flags)

    def _ls_dir(self, shown: str, path: str, flags: set[str]) -> None:
        items = self.client.list_status(path)
        if "R" not in flags:
            self._print(f"Found {len(items)} items")
        prefix = shown.rstrip("/")
        rows = [(s, f"{prefix}/{s.name}" if prefix else f"/{s.name}") for s in items]
        self._ls_lines(rows, flags)
        if "R" in flags:
            for s, name in rows:
                if s.is_dir:
                    self._ls_dir(name, s.path, flags)

    def _ls_lines(self, rows: list[tuple[HdfsFileStatus, str]], flags: set[str]) -> None:
        # Hadoop's Ls: widths start at 3 (replication) and 10 (size) and grow to fit.
        size = (lambda s: _human(s.length)) if "h" in flags else (lambda s: str(s.length))
        w_repl = max([3] + [len(str(s.replication)) for s, _ in rows])
        w_len = max([10] + [len(size(s)) for s, _ in rows])
        w_own = max([0] + [len(s.owner) for s, _ in rows])
        w_grp = max([0] + [len(s.group) for s, _ in rows])
        for s, name in rows:
            repl = "-" if s.is_dir else str(s.replication)
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.mtime / 1000))
            self._print(f"{mode_string(s.permission, s.is_dir)} {repl:>{w_repl}} {s.owner:<{w_own}} "
                        f"{s.group:<{w_grp}} {size(s):>{w_len}} {when} {name}")

    def cmd_mkdir(self, args: list[str]) -> None:
        """-mkdir [-p] path ..."""
        flags, paths = _flags(args, "p")
        if not paths:
            raise UsageError("-mkdir: Not enough arguments: expected 1 but got 0")
        for operand in paths:
            path = self.path(operand)
            st = self.client.nn.call("get_file_info", path=path)
            if st is not None:
                if "p" in flags and st["type"] == "DIRECTORY":
                    continue
                raise ShellError(f"`{operand}': File exists")
            if "p" not in flags and not self.client.exists(posixpath.dirname(path) or "/"):
                raise ShellError(f"`{operand}': No such file or directory")
            self.client.mkdirs(path)

    def cmd_put(self, args: list[str]) -> None:
        """-put [-f] localsrc ... dst"""
        flags, paths = _flags(args, "f,p,l,d")
        if len(paths) < 2:
            raise UsageError("-put: Not enough arguments: expected 2 but got " + str(len(paths)))
        *sources, dst = paths
        dst_path = self.path(dst)
        dst_st = self.client.nn.call("get_file_info", path=dst_path)
        into_dir = dst_st is not None and dst_st["type"] == "DIRECTORY"
        if len(sources) > 1 and not into_dir:
            raise ShellError(f"`{dst}': No such file or directory" if dst_st is None else f"`{dst}': Is not a directory")
        for src in sources:
            target = posixpath.join(dst_path, os.path.basename(src.rstrip("/"))) if into_dir else dst_path
            if src != "-" and not os.path.isfile(src):
                raise ShellError(f"`{src}': No such file or directory")
            try:
                if src == "-":
                    with self.client.create(target, overwrite="f" in flags) as out:
                        while chunk := sys.stdin.buffer.read(1 << 20):
                            out.write(chunk)
                else:
                    self.client.put(src, target, overwrite="f" in flags)
            except FileAlreadyExistsException:
                raise ShellError(f"`{target}': File exists") from None

    def cmd_get(self, args: list[str]) -> None:
        """-get [-f] src ... localdst"""
        flags, paths = _flags(args, "f,p,crc,ignoreCrc")
        if len(paths) < 2:
            raise UsageError("-get: Not enough arguments: expected 2 but got " + str(len(paths)))
        *sources, dst = paths
        for src in sources:
            st = self._status(src)
            target = os.path.join(dst, st.name) if os.path.isdir(dst) else dst
            if st.is_dir:
                raise ShellError(f"`{src}': Is a directory (recursive -get is not supported)")
            if os.path.exists(target) and "f" not in flags:
                raise ShellError(f"`{target}': File exists")
            self.client.get(self.path(src), target)

    def cmd_cat(self, args: list[str]) -> None:
        """-cat path ..."""
        _, paths = _flags(args, "ignoreCrc")
        out = getattr(self.out, "buffer", None)
        for operand in paths:
            st = self._status(operand)
            if st.is_dir:
                raise ShellError(f"`{operand}': Is a directory")
            with self.client.open(self.path(operand)) as f:
                while chunk := f.read(1 << 20):
                    if out is not None:
                        out.write(chunk)
                    else:
                        self.out.write(chunk.decode("utf-8", "replace"))
            if out is not None:
                out.flush()

    def cmd_rm(self, args: list[str]) -> None:
        """-rm [-f] [-r|-R] [-skipTrash] path ..."""
        flags, paths = _flags(args, "f,r,R,skipTrash")
        recursive = bool(flags & {"r", "R"})
        for operand in paths:
            path = self.path(operand)
            st = self.client.nn.call("get_file_info", path=path)
            if st is None:
                if "f" in flags:
                    continue
                raise ShellError(f"`{operand}': No such file or directory")
            if st["type"] == "DIRECTORY" and not recursive:
                raise ShellError(f"`{operand}': Is a directory")
            if not self.client.delete(path, recursive=recursive):
                raise ShellError(f"`{operand}': could not delete")
            self._print(f"Deleted {operand}")

    def cmd_mv(self, args: list[str]) -> None:
        """-mv src ... dst"""
        _, paths = _flags(args, "")
        if len(paths) < 2:
            raise UsageError("-mv: Not enough arguments: expected 2 but got " + str(len(paths)))
        *sources, dst = paths
        for src in sources:
            self._status(src)
            target = self.path(dst)
            existing = self.client.nn.call("get_file_info", path=target)
            if existing is not None and existing["type"] != "DIRECTORY":
                raise ShellError(f"`{dst}': File exists")
            if not self.client.rename(self.path(src), target):
                raise ShellError(f"`{src}': could not rename to `{dst}'")

    def cmd_du(self, args: list[str]) -> None:
        """-du [-s] [-h] path ..."""
        flags, paths = _flags(args, "s,h,v,x")
        fmt = _human if "h" in flags else str
        rows = []
        for operand in paths or [self.home]:
            st = self._status(operand)
            if st.is_dir and "s" not in flags:
                for child in self.client.list_status(self.path(operand)):
                    s = self.client.content_summary(child.path)
                    rows.append((fmt(s["length"]), fmt(s["space_consumed"]),
                                 f"{operand.rstrip('/')}/{child.name}"))
            else:
                s = self.client.content_summary(self.path(operand))
                rows.append((fmt(s["length"]), fmt(s["space_consumed"]), operand))
        w1 = max([0] + [len(r[0]) for r in rows])
        w2 = max([0] + [len(r[1]) for r in rows])
        for size, consumed, name in rows:
            self._print(f"{size:<{w1}}  {consumed:<{w2}}  {name}")

    def cmd_setrep(self, args: list[str]) -> None:
        """-setrep [-R] [-w] rep path ..."""
        flags, rest = _flags(args, "R,w")
        if len(rest) < 2 or not rest[0].isdigit():
            raise UsageError("-setrep: usage: -setrep [-R] [-w] <rep> <path> ...")
        rep = int(rest[0])
        files: list[str] = []
        for operand in rest[1:]:
            st = self._status(operand)
            files += self._files_under(self.path(operand)) if st.is_dir else [self.path(operand)]
        for path in files:
            self.client.set_replication(path, rep)
            self._print(f"Replication {rep} set: {path}")
        if "w" in flags:
            for path in files:
                self.out.write(f"Waiting for {path} ...")
                self.out.flush()
                self.client.wait_replication(path, timeout=600)
                self._print(" done")

    def _files_under(self, path: str) -> list[str]:
        found = []
        for s in self.client.list_status(path):
            found += self._files_under(s.path) if s.is_dir else [s.path]
        return found

    def cmd_stat(self, args: list[str]) -> None:
        """-stat [format] path ...  (%b %F %g %n %o %r %u %y %Y %a %A)"""
        if args and "%" in args[0]:
            fmt, paths = args[0], args[1:]
        else:
            fmt, paths = "%y", args
        for operand in paths:
            self._print(self._stat_format(fmt, self._status(operand)))

    def _stat_format(self, fmt: str, s: HdfsFileStatus) -> str:
        table: dict[str, Callable[[], str]] = {
            "b": lambda: str(s.length), "F": lambda: "directory" if s.is_dir else "regular file",
            "g": lambda: s.group, "n": lambda: s.name or "/", "o": lambda: str(s.block_size),
            "r": lambda: str(s.replication), "u": lambda: s.owner,
            "y": lambda: time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s.mtime / 1000)),
            "Y": lambda: str(s.mtime), "x": lambda: time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s.atime / 1000)),
            "X": lambda: str(s.atime), "a": lambda: format(s.permission, "o"),
            "A": lambda: mode_string(s.permission, s.is_dir)[1:],
        }
        out, i = [], 0
        while i < len(fmt):
            if fmt[i] == "%" and i + 1 < len(fmt) and fmt[i + 1] in table:
                out.append(table[fmt[i + 1]]())
                i += 2
            else:
                out.append(fmt[i])
                i += 1
        return "".join(out)

    def cmd_test(self, args: list[str]) -> int:
        """-test -[defz] path: exit 0 if true, 1 otherwise (no message)."""
        flags, paths = _flags(args, "d,e,f,z,s")
        if len(flags) != 1 or len(paths) != 1:
            raise UsageError("-test: usage: -test -[defsz] <path>")
        d = self.client.nn.call("get_file_info", path=self.path(paths[0]))
        flag = flags.pop()
        ok = d is not None and {"e": True, "d": d["type"] == "DIRECTORY", "f": d["type"] == "FILE",
                                "z": d["length"] == 0, "s": d["length"] > 0}[flag]
        return 0 if ok else 1

    def cmd_touchz(self, args: list[str]) -> None:
        """-touchz path ...: create empty files."""
        for operand in args:
            d = self.client.nn.call("get_file_info", path=self.path(operand))
            if d is not None and d["length"] > 0:
                raise ShellError(f"`{operand}': Not a zero-length file")
            if d is None:
                self.client.write_bytes(self.path(operand), b"")

    def cmd_chmod(self, args: list[str]) -> None:
        """-chmod OCTAL path ..."""
        if len(args) < 2:
            raise UsageError("-chmod: usage: -chmod <octal mode> <path> ...")
        for operand in args[1:]:
            self._status(operand)
            self.client.set_permission(self.path(operand), int(args[0], 8))

    def cmd_chown(self, args: list[str]) -> None:
        """-chown OWNER[:GROUP] path ..."""
        if len(args) < 2:
            raise UsageError("-chown: usage: -chown <owner>[:<group>] <path> ...")
        owner, _, group = args[0].partition(":")
        for operand in args[1:]:
            self._status(operand)
            self.client.set_owner(self.path(operand), owner or None, group or None)

    def cmd_appendToFile(self, args: list[str]) -> None:
        """-appendToFile localsrc ... dst"""
        if len(args) < 2:
            raise UsageError("-appendToFile: Not enough arguments")
        *sources, dst = args
        path = self.path(dst)
        if not self.client.exists(path):
            self.client.write_bytes(path, b"")
        with self.client.append(path) as out:
            for src in sources:
                with open(src, "rb") as f:
                    while chunk := f.read(1 << 20):
                        out.write(chunk)


ALIASES = {"copyFromLocal": "put", "copyToLocal": "get", "lsr": "ls"}


def dfs_main(argv: list[str]) -> int:
    """``minispark dfs [generic options] -<command> [args]``; returns the exit code."""
    try:
        config, fs_uri, args = _generic_options(argv)
        if not args or not args[0].startswith("-") or args[0] in ("-h", "-help", "--help"):
            names = sorted(n[4:] for n in dir(FsShell) if n.startswith("cmd_"))
            print("Usage: minispark dfs [-fs hdfs://host:port] [-conf FILE] [-D k=v] "
                  + " ".join(f"[-{n}]" for n in names), file=sys.stderr)
            return 0 if args and args[0] in ("-h", "-help", "--help") else 1
        name = ALIASES.get(args[0][1:], args[0][1:])
        handler = getattr(FsShell, "cmd_" + name, None)
        if handler is None:
            print(f"-{name}: Unknown command", file=sys.stderr)
            return 1
        extra = ["-R"] if args[0] == "-lsr" else []
        with _client(config, fs_uri) as client:
            result = handler(FsShell(client), extra + args[1:])
        return int(result or 0)
    except UsageError as exc:
        print(f"{(argv[0] if argv else 'dfs').lstrip('-')}: {exc}", file=sys.stderr)
        return 1
    except ShellError as exc:
        print(f"{args[0].lstrip('-')}: {exc}", file=sys.stderr)
        return 1
    except (HdfsIOException, OSError, ValueError) as exc:
        cmd = args[0].lstrip("-") if "args" in locals() and args else "dfs"
        print(f"{cmd}: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    """Hadoop prints the message of remote errors, the class name only for local ones."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if isinstance(exc, HdfsIOException) else f"{type(exc).__name__}: {text}"


def fsck_main(argv: list[str]) -> int:
    """``minispark fsck [generic options] PATH [-files] [-blocks] [-locations]``."""
    try:
        config, fs_uri, args = _generic_options(argv)
        flags = {a for a in args if a.startswith("-")}
        paths = [a for a in args if not a.startswith("-")]
        unknown = flags - {"-files", "-blocks", "-locations", "-racks"}
        if unknown or len(paths) > 1:
            print("Usage: minispark fsck <path> [-files [-blocks [-locations | -racks]]]", file=sys.stderr)
            return 1
        with _client(config, fs_uri) as client:
            report = client.fsck(_hpath(paths[0]) if paths else "/")
            print(format_report(report, client.user, "-files" in flags, "-blocks" in flags,
                                bool(flags & {"-locations", "-racks"})))
        return 0 if report["status"] == "HEALTHY" else 1
    except (HdfsIOException, OSError, ValueError, UsageError) as exc:
        print(f"fsck: {_one_line(exc)}", file=sys.stderr)
        return 1
