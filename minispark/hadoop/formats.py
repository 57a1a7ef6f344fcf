"""Hadoop Input/OutputFormats by class name, and the job configuration keys they read.

Supported, in the old (``org.apache.hadoop.mapred``) and the new
(``org.apache.hadoop.mapreduce.lib.input`` / ``.output``) API:

- ``TextInputFormat``: ``(byte offset, line)``; ``textinputformat.record.delimiter``
- ``KeyValueTextInputFormat``: each line cut at the first separator byte
  (``mapreduce.input.keyvaluelinerecordreader.key.value.separator``, tab)
- ``SequenceFileInputFormat``: the records of SequenceFiles
- ``TextOutputFormat``: ``key<separator>value`` lines of the Writables' ``toString``
  (``mapreduce.output.textoutputformat.separator``, tab)
- ``SequenceFileOutputFormat``: SequenceFiles, compressed as the job says

A configuration key minispark does not know is refused by name rather than
ignored; keys Hadoop reads but that do not apply to the chosen format (a
record delimiter for SequenceFiles) are accepted, and ignored as in Hadoop.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Mapping, Optional

from minispark.fs.input import FileSplit, is_splittable
from minispark.fs.output import write_text_part
from minispark.hadoop import sequencefile
from minispark.hadoop.codecs import DEFAULT_CODEC, Codec, codec_named
from minispark.hadoop.splits import hadoop_splits
from minispark.hadoop.textinput import read_records
from minispark.hadoop.writables import (
    LONG, TEXT, TypeRegistry, WritableError, WritableType, java_string,
)

_OLD = "org.apache.hadoop.mapred."
_NEW_IN = "org.apache.hadoop.mapreduce.lib.input."
_NEW_OUT = "org.apache.hadoop.mapreduce.lib.output."
TEXT_FORMAT, KEY_VALUE_FORMAT, SEQUENCE_FORMAT = "text", "key-value", "sequence"


@dataclass(frozen=True)
class Format:
    """One Input- or OutputFormat class: which API it belongs to and what it reads or writes."""

    class_name: str
    new_api: bool
    kind: str


def _both_apis(new_package: str, simple_name: str, kind: str) -> tuple[Format, Format]:
    return Format(_OLD + simple_name, False, kind), Format(new_package + simple_name, True, kind)


INPUT_FORMATS = {f.class_name: f for f in (
    *_both_apis(_NEW_IN, "TextInputFormat", TEXT_FORMAT),
    *_both_apis(_NEW_IN, "KeyValueTextInputFormat", KEY_VALUE_FORMAT),
    *_both_apis(_NEW_IN, "SequenceFileInputFormat", SEQUENCE_FORMAT),
)}
OUTPUT_FORMATS = {f.class_name: f for f in (
    *_both_apis(_NEW_OUT, "TextOutputFormat", TEXT_FORMAT),
    *_both_apis(_NEW_OUT, "SequenceFileOutputFormat", SEQUENCE_FORMAT),
)}


def _find_format(table: Mapping[str, Format], class_name: str, new_api: bool, role: str) -> Format:
    found = table.get(class_name)
    if found is None:
        raise NotImplementedError(f"{role} {class_name} is not supported; supported: "
                                  f"{', '.join(sorted(table))}")
    if found.new_api != new_api:
        api = "new (mapreduce)" if found.new_api else "old (mapred)"
        wanted = "the newAPI* methods" if found.new_api else "the methods without newAPI"
        raise ValueError(f"{class_name} is an {api} API {role}; use it with {wanted}")
    return found


class HadoopConf:
    """A PySpark ``conf`` dict read by key (deprecated names too); leftover keys are refused.

    >>> conf = HadoopConf({"mapred.output.dir": "/out", "no.such.key": "1"})
    >>> conf.get("mapreduce.output.fileoutputformat.outputdir", "mapred.output.dir")
    '/out'
    >>> conf.check_all_read("saveAsHadoopDataset")
    Traceback (most recent call last):
    ...
    NotImplementedError: saveAsHadoopDataset: Hadoop configuration key no.such.key is not supported; supported: mapred.output.dir, mapreduce.output.fileoutputformat.outputdir
    """

    def __init__(self, conf: Optional[Mapping[str, Any]]) -> None:
        self._conf = {str(k): str(v) for k, v in (conf or {}).items()}
        self._known: set[str] = set()

    def get(self, *names: str, default: Optional[str] = None) -> Optional[str]:
        """The value of the first of ``names`` that is set (the current name first)."""
        self._known.update(names)
        return next((self._conf[n] for n in names if n in self._conf), default)

    def get_int(self, *names: str, default: int) -> int:
        value = self.get(*names)
        try:
            return default if value is None else int(value)
        except ValueError:
            raise ValueError(f"Hadoop configuration {names[0]} must be an integer, not {value!r}") from None

    def get_bool(self, *names: str) -> bool:
        value = self.get(*names, default="false")
        if value.strip().lower() not in ("true", "false"):
            raise ValueError(f"Hadoop configuration {names[0]} must be true or false, not {value!r}")
        return value.strip().lower() == "true"

    def check_all_read(self, operation: str) -> None:
        """Refuse keys no ``get`` asked about: they would otherwise be silently ignored."""
        unknown = sorted(set(self._conf) - self._known)
        if unknown:
            raise NotImplementedError(
                f"{operation}: Hadoop configuration key{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(unknown)} {'are' if len(unknown) > 1 else 'is'} not supported; "
                f"supported: {', '.join(sorted(self._known))}")


def refuse_converters(operation: str, key_converter: Optional[str], value_converter: Optional[str]) -> None:
    """Converters are Java classes; minispark has no JVM to run them."""
    for role, name in (("keyConverter", key_converter), ("valueConverter", value_converter)):
        if name is not None:
            raise NotImplementedError(f"{operation}: {role}={name!r} names a Java converter class, "
                                      "which needs a JVM; convert the records in Python with map()")


def check_writable_names(operation: str, registry: TypeRegistry, *names: Optional[str]) -> None:
    """Refuse class names that are not Writables minispark knows."""
    for name in names:
        if name is not None and name not in registry.names():
            raise NotImplementedError(f"{operation}: Writable class {name} is not supported; "
                                      f"supported: {', '.join(registry.names())}")


# -- input ---------------------------------------------------------------------


@dataclass
class InputPlan:
    """What lists the splits (called at the first action, as Spark lists input then)
    and the picklable function reading one split."""

    splits: Callable[[], list[FileSplit]]
    reader: Callable[[FileSplit], Iterator[Any]]


def plan_input(operation: str, path: Optional[str], format_class: str, key_class: Optional[str],
               value_class: Optional[str], key_converter: Optional[str],
               value_converter: Optional[str], conf: Optional[Mapping[str, Any]],
               min_partitions: int, new_api: bool) -> InputPlan:
    """What ``hadoopFile``/``newAPIHadoopFile``/``hadoopRDD``/... read.

    ``key_class``/``value_class`` must name known Writables but, as in Spark,
    the format decides what records hold (a SequenceFile's header, the
    LongWritable offsets of TextInputFormat).
    """
    fmt = _find_format(INPUT_FORMATS, format_class, new_api, "InputFormat")
    refuse_converters(operation, key_converter, value_converter)
    registry = TypeRegistry.current()
    check_writable_names(operation, registry, key_class, value_class)
    job = HadoopConf(conf)
    listed = job.get("mapreduce.input.fileinputformat.inputdir", "mapred.input.dir")
    path = path if path is not None else listed
    if not path:
        raise ValueError(f"{operation}: No input paths specified in job (set "
                         "mapreduce.input.fileinputformat.inputdir in conf)")
    is_sequence = fmt.kind == SEQUENCE_FORMAT
    min_size = job.get_int("mapreduce.input.fileinputformat.split.minsize", "mapred.min.split.size",
                           default=1)
    max_size = job.get_int("mapreduce.input.fileinputformat.split.maxsize", "mapred.max.split.size",
                           default=0)
    reader = _reader(fmt, job, registry)
    job.check_all_read(operation)
    splits = functools.partial(
        hadoop_splits, path, min_partitions=min_partitions, new_api=new_api,
        min_size=max(min_size, sequencefile.SYNC_INTERVAL if is_sequence else 1),
        max_size=max_size or None, splittable=_always if is_sequence else is_splittable)
    return InputPlan(splits, reader)


def _always(path: str) -> bool:
    return True


def _reader(fmt: Format, job: HadoopConf, registry: TypeRegistry) -> Callable[[FileSplit], Iterator[Any]]:
    delimiter = job.get("textinputformat.record.delimiter")
    separator = job.get("mapreduce.input.keyvaluelinerecordreader.key.value.separator",
                        "key.value.separator.in.input.line", default="\t")
    if fmt.kind == SEQUENCE_FORMAT:
        return functools.partial(sequencefile.read_sequence_split, registry=registry)
    record_end = None if delimiter is None else delimiter.encode("utf-8")
    if fmt.kind == TEXT_FORMAT:
        return functools.partial(read_text_pairs, record_end)
    if not separator:
        raise ValueError("the KeyValueTextInputFormat separator must not be empty")
    # Hadoop keeps the separator's first char, cast to a byte.
    return functools.partial(read_key_value_pairs, record_end, bytes([ord(separator[0]) & 0xFF]))


def read_text_pairs(delimiter: Optional[bytes], split: FileSplit) -> Iterator[tuple[int, str]]:
    """TextInputFormat's ``(offset, line)``; malformed UTF-8 is replaced, as ``Text.toString``."""
    for offset, record in read_records(split, delimiter):
        yield offset, record.decode("utf-8", "replace")


def read_key_value_pairs(delimiter: Optional[bytes], separator: bytes,
                         split: FileSplit) -> Iterator[tuple[str, str]]:
    """KeyValueTextInputFormat's ``(key, value)``: the line cut at its first separator."""
    for _, record in read_records(split, delimiter):
        key, _, value = record.partition(separator)
        yield key.decode("utf-8", "replace"), value.decode("utf-8", "replace")


# -- output --------------------------------------------------------------------


@dataclass
class OutputPlan:
    """Where and how a save writes; the key/value classes are None when to be inferred."""

    path: str
    kind: str
    new_api: bool
    key_class: Optional[str] = None
    value_class: Optional[str] = None
    compression: str = sequencefile.NONE
    codec: Optional[Codec] = None
    block_size: int = sequencefile.DEFAULT_BLOCK_SIZE
    separator: str = "\t"
    registry: TypeRegistry = field(default_factory=TypeRegistry.current)

    @property
    def part_prefix(self) -> str:
        """New-API output formats name parts ``part-r-NNNNN``."""
        return "part-r-" if self.new_api else "part-"

    @property
    def part_suffix(self) -> str:
        """Compressed text parts carry their codec's suffix."""
        return self.codec.extension if self.kind == TEXT_FORMAT and self.codec else ""


def plan_file_output(operation: str, path: str, format_class: str, key_class: Optional[str],
                     value_class: Optional[str], key_converter: Optional[str],
                     value_converter: Optional[str], conf: Optional[Mapping[str, Any]],
                     codec_class: Optional[str], new_api: bool) -> OutputPlan:
    """What ``saveAsHadoopFile``/``saveAsNewAPIHadoopFile``/``saveAsSequenceFile`` write."""
    fmt = _find_format(OUTPUT_FORMATS, format_class, new_api, "OutputFormat")
    refuse_converters(operation, key_converter, value_converter)
    job = HadoopConf(conf)
    job.get("mapreduce.output.fileoutputformat.outputdir", "mapred.output.dir")  # path wins
    plan = OutputPlan(path, fmt.kind, new_api, key_class, value_class)
    _configure(plan, job, codec_class)
    job.check_all_read(operation)
    check_writable_names(operation, plan.registry, key_class, value_class)
    return plan


def plan_dataset_output(operation: str, conf: Mapping[str, Any], key_converter: Optional[str],
                        value_converter: Optional[str], new_api: bool) -> OutputPlan:
    """What ``saveAsHadoopDataset``/``saveAsNewAPIHadoopDataset`` write: all from ``conf``."""
    refuse_converters(operation, key_converter, value_converter)
    job = HadoopConf(conf)
    format_keys = ("mapreduce.job.outputformat.class",) if new_api else ("mapred.output.format.class",)
    default_format = (_NEW_OUT if new_api else _OLD) + "TextOutputFormat"
    fmt = _find_format(OUTPUT_FORMATS, job.get(*format_keys, default=default_format) or "",
                       new_api, "OutputFormat")
    path = job.get("mapreduce.output.fileoutputformat.outputdir", "mapred.output.dir")
    if not path:
        raise ValueError(f"{operation}: Output directory not set (set "
                         "mapreduce.output.fileoutputformat.outputdir in conf)")
    # JobConf's defaults when the job names no output classes.
    plan = OutputPlan(path, fmt.kind, new_api,
                      job.get("mapreduce.job.output.key.class", "mapred.output.key.class", default=LONG),
                      job.get("mapreduce.job.output.value.class", "mapred.output.value.class",
                              default=TEXT))
    _configure(plan, job, None)
    job.check_all_read(operation)
    check_writable_names(operation, plan.registry, plan.key_class, plan.value_class)
    return plan


def _configure(plan: OutputPlan, job: HadoopConf, codec_class: Optional[str]) -> None:
    """Compression, block size and separator from the job (and a codec argument)."""
    compress = job.get_bool("mapreduce.output.fileoutputformat.compress", "mapred.output.compress")
    codec_name = job.get("mapreduce.output.fileoutputformat.compress.codec",
                         "mapred.output.compression.codec", default=DEFAULT_CODEC) or DEFAULT_CODEC
    kind = (job.get("mapreduce.output.fileoutputformat.compress.type",
                    "mapred.output.compression.type", default=sequencefile.RECORD) or "").upper()
    plan.block_size = job.get_int("io.seqfile.compress.blocksize",
                                  default=sequencefile.DEFAULT_BLOCK_SIZE)
    plan.separator = job.get("mapreduce.output.textoutputformat.separator",
                             "mapred.textoutputformat.separator", default="\t") or ""
    if codec_class is not None:  # as Spark's saveAsHadoopFile(..., codec) sets the job
        compress, codec_name, kind = True, codec_class, sequencefile.BLOCK
    if kind not in (sequencefile.NONE, sequencefile.RECORD, sequencefile.BLOCK):
        raise ValueError(f"SequenceFile compression type must be NONE, RECORD or BLOCK, not {kind!r}")
    if not compress:
        return
    codec = codec_named(codec_name)
    if plan.kind == TEXT_FORMAT:
        plan.codec = codec
    elif kind != sequencefile.NONE:
        plan.codec, plan.compression = codec, kind


def check_pair(record: Any) -> tuple[Any, Any]:
    """A record as ``(key, value)``; Hadoop output formats take nothing else."""
    if type(record) is not tuple or len(record) != 2:
        raise TypeError(f"RDD element of type {type(record).__name__} cannot be used: Hadoop "
                        f"output formats save (key, value) tuples, got {record!r:.80}")
    return record


def text_output_lines(separator: str, records: Iterable[Any]) -> Iterator[str]:
    """TextOutputFormat's lines: a None key or value is left out with its separator."""
    for record in records:
        key, value = check_pair(record)
        if key is None:
            if value is not None:
                yield java_string(value)
        elif value is None:
            yield java_string(key)
        else:
            yield java_string(key) + separator + java_string(value)


def write_text_output(separator: str, suffix: str, out: BinaryIO, records: Iterable[Any]) -> None:
    """One TextOutputFormat part (compressed by ``suffix``, e.g. ``.gz``, when given)."""
    write_text_part(out, text_output_lines(separator, records), compress=suffix or False)


def write_sequence_output(key_type: WritableType, value_type: WritableType, compression: str,
                          codec: Optional[Codec], block_size: int, origin: str,
                          out: BinaryIO, records: Iterable[Any]) -> None:
    """One SequenceFileOutputFormat part; ``origin`` says where the classes came from."""
    writer = sequencefile.SequenceFileWriter(out, key_type, value_type, compression, codec,
                                             block_size=block_size)
    try:
        writer.write_all(map(check_pair, records))
    except WritableError as err:
        raise WritableError(f"{err} ({origin})") from None
    writer.close()
