"""``rdd.pipe``: stream a partition through an external command, as Hadoop Streaming does."""
from __future__ import annotations

import shlex
import subprocess
import threading
from typing import Any, Iterator


def pipe_partition(command: str, env: dict[str, str] | None, check_code: bool,
                   records: Iterator[Any]) -> Iterator[str]:
    """Write each record as a line to the command's stdin; yield its stdout lines.

    A feeder thread writes stdin while this generator reads stdout, so a
    command that answers before reading all its input cannot deadlock.
    """
    proc = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env)
    feeder = threading.Thread(target=_feed, args=(proc, records), daemon=True)
    feeder.start()
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            yield line.rstrip(b"\n").decode("utf-8")
    finally:
        proc.stdout.close()  # type: ignore[union-attr]
        feeder.join()
        code = proc.wait()
    if check_code and code:
        raise RuntimeError(f"Pipe function `{command}' exited with error code {code}")
    if getattr(proc, "_feed_error", None) is not None:
        raise proc._feed_error  # type: ignore[attr-defined]


def _feed(proc: subprocess.Popen, records: Iterator[Any]) -> None:
    try:
        stdin = proc.stdin
        for record in records:
            stdin.write((str(record).rstrip("\n") + "\n").encode("utf-8"))  # type: ignore[union-attr]
    except BrokenPipeError:
        pass  # the command stopped reading; its exit code tells the story
    except BaseException as exc:  # noqa: BLE001 - re-raised in the task's thread
        proc._feed_error = exc  # type: ignore[attr-defined]
    finally:
        try:
            proc.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass
