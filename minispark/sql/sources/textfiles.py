"""What the text-based sources (CSV, JSON, text) share: blocks of lines and parse modes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from minispark.errors import AnalysisException, SparkRuntimeException
from minispark.fs.input import FileSplit, is_splittable, line_blocks
from minispark.fs.registry import get_filesystem
from minispark.sql.sources.files import FilePiece, FileRelation
from minispark.sql.sources.options import Options
from minispark.sql.sources.textparse import TextFormats
from minispark.sql.types import StringType, StructType

PARSE_MODES = ("PERMISSIVE", "DROPMALFORMED", "FAILFAST")


def check_corrupt_column(schema: StructType, name: str) -> None:
    """The corrupt-record column, if the schema has it, must be a nullable string."""
    if name in schema.names:
        field = schema[name]
        if not isinstance(field.dataType, StringType) or not field.nullable:
            raise AnalysisException(
                "INVALID_CORRUPT_RECORD_TYPE",
                f"The column `{name}` for corrupt records must have the nullable STRING type, "
                f"but got {field.dataType.simpleString().upper()}.")


def read_whole(path: str, file_length: int) -> bytes:
    """A whole file's bytes (decompressed, BOM dropped), through the fs layer."""
    return b"".join(line_blocks(FileSplit(path, 0, file_length)))


def piece_blocks(piece: FilePiece, whole: bool) -> Iterator[bytes]:
    """The blocks of lines a piece owns, or the whole file in one block."""
    if whole:
        if piece.start == 0:
            yield read_whole(piece.path, piece.file_length)
        return
    yield from line_blocks(FileSplit(piece.path, piece.start, piece.length))


def malformed_error(path: str, record: str) -> SparkRuntimeException:
    """FAILFAST's error, naming the file (if the text came from one) and the record."""
    shown = get_filesystem(path).qualify(path) if path else ""
    return SparkRuntimeException(
        "MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION",
        f"Malformed records are detected in record parsing: [{record}]"
        f"{' in file ' + shown if shown else ''}. Parse Mode: FAILFAST. To process malformed "
        "records as null result, try setting the option 'mode' as 'PERMISSIVE'.",
        {"badRecord": record, "file": shown}, "22023")


@dataclass(frozen=True)
class ParseSettings:
    """How text records are parsed: Spark's parse mode, corrupt-record column, ``multiLine``
    and date formats (the options CSV and JSON share)."""

    mode: str
    corrupt_column: str
    multi_line: bool
    formats: TextFormats

    @classmethod
    def from_options(cls, options: Options, time_zone: str) -> "ParseSettings":
        """Read the shared options; ``time_zone`` is the session's, unless ``timeZone`` is given."""
        options.require_utf8()
        return cls(options.get_choice("mode", "PERMISSIVE", PARSE_MODES),
                   options.get("columnNameOfCorruptRecord", "_corrupt_record"),
                   options.get_bool("multiLine", False),
                   TextFormats(options.get("dateFormat"), options.get("timestampFormat"),
                               options.get("timestampNTZFormat"),
                               options.get("timeZone", time_zone)))


class ParsedTextRelation(FileRelation):
    """Base of the sources that parse text records (CSV, JSON): parse modes, corrupt records,
    date formats, line-wise splits unless ``multiLine``."""

    PARSE_OPTIONS = frozenset({"mode", "columnNameOfCorruptRecord", "multiLine", "dateFormat",
                               "timestampFormat", "timestampNTZFormat", "timeZone", "encoding",
                               "charset"})

    def _configure(self, options: Options) -> None:
        parsing = ParseSettings.from_options(options, self.settings.time_zone)
        self.mode, self.corrupt_column = parsing.mode, parsing.corrupt_column
        self.multi_line, self.formats = parsing.multi_line, parsing.formats
        self._configure_format(options)

    def _configure_format(self, options: Options) -> None:
        """Read the format's own options."""

    def _is_splittable(self, path: str) -> bool:
        return not self.multi_line and is_splittable(path)

    def _conform_data_schema(self, schema: StructType) -> StructType:
        check_corrupt_column(schema, self.corrupt_column)
        return schema
