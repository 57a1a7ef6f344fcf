"""Saving RDDs: part files written per task, committed all at once by the job."""
from __future__ import annotations

import functools
from typing import Any, Callable, Iterator

from minispark.fs.metrics import counting, current_task_io
from minispark.fs.output import OutputJob, write_pickle_part, write_text_part
from minispark.hadoop import formats
from minispark.hadoop.codecs import codec_named
from minispark.hadoop.writables import ARRAY, WritableType, writable_for


def save_as_text_file(rdd: Any, path: str, codec: str | None) -> None:
    """One ``part-NNNNN`` text file per partition; compressed parts get the codec's suffix
    (GzipCodec ``.gz``, BZip2Codec ``.bz2``, DefaultCodec ``.deflate``)."""
    suffix = codec_named(codec).extension if codec is not None else ""
    _save(rdd, path, suffix, functools.partial(_write_text, suffix))


def save_as_pickle_file(rdd: Any, path: str, batch_size: int) -> None:
    """One pickle part file per partition, readable with ``sc.pickleFile``."""
    _save(rdd, path, "", functools.partial(_write_pickle, batch_size))


def _write_text(suffix: str, out: Any, records: Iterator[Any]) -> None:
    write_text_part(out, records, suffix or False)


def _write_pickle(batch_size: int, out: Any, records: Iterator[Any]) -> None:
    write_pickle_part(out, records, batch_size)


def _save(rdd: Any, path: str, suffix: str, write: Callable[[Any, Iterator[Any]], None],
          prefix: str = "part-") -> None:
    job = OutputJob(path)

    def task(ctx: Any, records: Iterator[Any]) -> None:
        io = current_task_io()
        with job.task_writer(ctx.partitionId(), ctx.attemptNumber(), suffix, prefix=prefix) as out:
            if io is None:
                write(out, records)
            else:
                write(out, counting(records, io.add_records_written))
                io.bytes_written += _position(out)

    run_output_job(rdd, job, task)


def _position(out: Any) -> int:
    """Bytes written so far to a part file (0 for a store that cannot tell)."""
    try:
        return out.tell()
    except (AttributeError, OSError, ValueError):
        return 0


def run_output_job(rdd: Any, job: OutputJob, task: Callable[[Any, Iterator[Any]], None]) -> None:
    """Set the job up, run ``task(task_context, records)`` on every partition, then commit;
    a failed job is aborted, so nothing it wrote stays."""
    job.setup()
    try:
        rdd.ctx._run_job(rdd, task)
    except BaseException:
        job.abort()
        raise
    job.commit()


# -- Hadoop output formats -------------------------------------------------------


def save_as_hadoop_file(rdd: Any, operation: str, path: str, output_format_class: str,
                        key_class: str | None, value_class: str | None,
                        key_converter: str | None, value_converter: str | None,
                        conf: dict | None, codec: str | None, new_api: bool) -> None:
    """``saveAsHadoopFile`` / ``saveAsNewAPIHadoopFile`` / ``saveAsSequenceFile``."""
    plan = formats.plan_file_output(operation, path, output_format_class, key_class, value_class,
                                    key_converter, value_converter, conf, codec, new_api)
    _save_planned(rdd, plan)


def save_as_hadoop_dataset(rdd: Any, operation: str, conf: dict, key_converter: str | None,
                           value_converter: str | None, new_api: bool) -> None:
    """``saveAsHadoopDataset`` / ``saveAsNewAPIHadoopDataset``: everything from ``conf``."""
    plan = formats.plan_dataset_output(operation, conf, key_converter, value_converter, new_api)
    _save_planned(rdd, plan)


def _save_planned(rdd: Any, plan: formats.OutputPlan) -> None:
    if plan.kind == formats.TEXT_FORMAT:
        write = functools.partial(formats.write_text_output, plan.separator, plan.part_suffix)
    else:
        key_type, value_type, origin = _sequence_types(rdd, plan)
        write = functools.partial(formats.write_sequence_output, key_type, value_type,
                                  plan.compression, plan.codec, plan.block_size, origin)
    _save(rdd, plan.path, plan.part_suffix, write, prefix=plan.part_prefix)


def _sequence_types(rdd: Any, plan: formats.OutputPlan) -> tuple[WritableType, WritableType, str]:
    """The SequenceFile's key and value types: declared, else inferred from the first
    record as PySpark does (a bare ArrayWritable takes its element class from it too)."""
    declared = [_declared_type(plan, name) for name in (plan.key_class, plan.value_class)]
    if all(declared):
        return declared[0], declared[1], "the declared key and value classes"
    try:
        first = formats.check_pair(rdd.first())
    except ValueError:
        raise ValueError("Cannot infer the key and value Writable classes of an empty RDD (PySpark "
                         "fails the same way); name them with saveAsNewAPIHadoopFile(path, "
                         "outputFormatClass, keyClass, valueClass)") from None
    key_type, value_type = (given or writable_for(item) for given, item in zip(declared, first))
    return key_type, value_type, ("classes inferred from the RDD's first record "
                                  f"{first!r:.60}; name them with keyClass/valueClass")


def _declared_type(plan: formats.OutputPlan, name: str | None) -> WritableType | None:
    if name is None or (name == ARRAY and name not in plan.registry.arrays):
        return None
    return plan.registry.lookup(name)
