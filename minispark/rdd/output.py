"""Saving RDDs: part files written per task, committed all at once by the job."""
from __future__ import annotations

import functools
from typing import Any, Callable, Iterator

from minispark.fs.output import OutputJob, write_pickle_part, write_text_part

_GZIP_CODECS = {"org.apache.hadoop.io.compress.GzipCodec", "gzip"}


def save_as_text_file(rdd: Any, path: str, codec: str | None) -> None:
    """One ``part-NNNNN`` text file per partition (``.gz`` with the gzip codec)."""
    if codec is not None and codec not in _GZIP_CODECS:
        raise NotImplementedError(f"compression codec {codec!r} is not supported; use "
                                  "org.apache.hadoop.io.compress.GzipCodec")
    compress = codec is not None
    writer = functools.partial(_write_text, compress)
    _save(rdd, path, ".gz" if compress else "", writer)


def save_as_pickle_file(rdd: Any, path: str, batch_size: int) -> None:
    """One pickle part file per partition, readable with ``sc.pickleFile``."""
    _save(rdd, path, "", functools.partial(_write_pickle, batch_size))


def _write_text(compress: bool, out: Any, records: Iterator[Any]) -> None:
    write_text_part(out, records, compress)


def _write_pickle(batch_size: int, out: Any, records: Iterator[Any]) -> None:
    write_pickle_part(out, records, batch_size)


def _save(rdd: Any, path: str, suffix: str, write: Callable[[Any, Iterator[Any]], None]) -> None:
    job = OutputJob(path)
    job.setup()

    def task(ctx: Any, records: Iterator[Any]) -> None:
        with job.task_writer(ctx.partitionId(), ctx.attemptNumber(), suffix) as out:
            write(out, records)

    try:
        rdd.ctx._run_job(rdd, task)
    except BaseException:
        job.abort()
        raise
    job.commit()
