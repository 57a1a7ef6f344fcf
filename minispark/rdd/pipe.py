"""``rdd.pipe``: stream a partition through an external command, as Hadoop Streaming does."""
from __future__ import annotations

import itertools
import shlex
import subprocess
import sys
import threading
from collections import deque
from typing import IO, Any, Iterator

#: Records encoded and written to the command's stdin per ``write`` call.
_FEED_BATCH = 1024
#: Lines of the command's stderr a failure quotes.
_STDERR_TAIL_LINES = 20


def pipe_partition(command: str, env: dict[str, str] | None, check_code: bool,
                   records: Iterator[Any], cwd: str | None = None) -> Iterator[str]:
    """Write each record as a line to the command's stdin; yield its stdout lines.

    A feeder thread writes stdin while this generator reads stdout, so a
    command that answers before reading all its input cannot deadlock. The
    command's stderr passes through to the task's stderr, and a failure
    (``check_code`` and a non-zero exit) quotes its last lines.
    """
    proc = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=cwd)
    feeder = threading.Thread(target=_feed, args=(proc, records), daemon=True)
    stderr_tail: deque[str] = deque(maxlen=_STDERR_TAIL_LINES)
    relay = threading.Thread(target=_relay_stderr, args=(proc.stderr, stderr_tail), daemon=True)
    feeder.start()
    relay.start()
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            yield line.rstrip(b"\n").decode("utf-8")
    finally:
        proc.stdout.close()  # type: ignore[union-attr]
        feeder.join()
        code = proc.wait()
        relay.join()
    if check_code and code:
        quoted = "".join(stderr_tail).rstrip("\n")
        raise RuntimeError(f"Pipe function `{command}' exited with error code {code}"
                           + (f"; its stderr ended with:\n{quoted}" if quoted else
                              " and wrote nothing to stderr"))
    if getattr(proc, "_feed_error", None) is not None:
        raise proc._feed_error  # type: ignore[attr-defined]


def _feed(proc: subprocess.Popen, records: Iterator[Any]) -> None:
    try:
        stdin = proc.stdin
        while batch := list(itertools.islice(records, _FEED_BATCH)):
            text = "".join(str(record).rstrip("\n") + "\n" for record in batch)
            stdin.write(text.encode("utf-8"))  # type: ignore[union-attr]
    except BrokenPipeError:
        pass  # the command stopped reading; its exit code tells the story
    except BaseException as exc:  # noqa: BLE001 - re-raised in the task's thread
        proc._feed_error = exc  # type: ignore[attr-defined]
    finally:
        try:
            proc.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass


def _relay_stderr(stream: IO[bytes], tail: deque[str]) -> None:
    """Copy the command's stderr to the task's, keeping its last lines for an error."""
    with stream:
        for raw in stream:
            line = raw.decode("utf-8", "replace")
            tail.append(line)
            sys.stderr.write(line)
            sys.stderr.flush()
