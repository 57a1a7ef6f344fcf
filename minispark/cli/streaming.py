"""``minispark streaming``: Hadoop Streaming's command line, run on the RDD engine.

The job is an RDD pipeline (Hadoop's semantics, minispark's machinery):

``textFile(inputs)`` -> the mapper command piped per partition -> (with
``-combiner``: each map partition sorted by key and piped through the
combiner) -> a hash shuffle into ``-numReduceTasks`` partitions, each sorted
by key (``repartitionAndSortWithinPartitions``) -> the reducer piped per
partition -> ``key<TAB>value`` lines saved as ``part-NNNNN`` files through the
atomic output committer. ``-numReduceTasks 0`` saves the mapper's output.

Every line a command writes is split at its first TAB into key and value (a
line without TAB is a key with an empty value, written back as ``key<TAB>``,
as Hadoop's text output does). Commands run in a per-task working
directory holding the ``-file`` files, with ``-cmdenv`` variables added to the
executor's environment; a command that exits non-zero fails its task, and the
error quotes its stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

from minispark.common.errors import SparkException

PROG = "minispark streaming"
APP_NAME = "minispark-streaming"

#: ``-D`` properties that set the number of reduce tasks, map tasks and the job's name.
_REDUCES = ("mapreduce.job.reduces", "mapred.reduce.tasks")
_MAPS = ("mapreduce.job.maps", "mapred.map.tasks")
_NAMES = ("mapreduce.job.name", "mapred.job.name")
_NON_ZERO_IS_FAILURE = "stream.non.zero.exit.is.failure"

#: Hadoop Streaming and generic options minispark does not implement.
_UNSUPPORTED_OPTIONS = ("-inputformat", "-outputformat", "-partitioner", "-inputreader", "-io",
                        "-mapdebug", "-reducedebug", "-archives", "-libjars", "-cacheFile",
                        "-cacheArchive", "-conf", "-fs", "-jt", "-additionalconfspec")
_UNSUPPORTED_FLAGS = ("-lazyOutput", "-background")


class StreamingError(ValueError):
    """A bad streaming option; the message names it."""


@dataclass(frozen=True)
class StreamingJob:
    """What one ``minispark streaming`` command line asks for."""

    inputs: tuple[str, ...]
    output: str
    mapper: str
    reducer: str | None
    combiner: str | None = None
    reduces: int = 1
    maps: int | None = None
    files: tuple[str, ...] = ()
    cmdenv: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    name: str = APP_NAME
    check_code: bool = True


@dataclass(frozen=True)
class StreamCommand:
    """A mapper, combiner or reducer: run per partition in a fresh working directory.

    ``shipped`` names the ``-file`` files (found under ``SparkFiles``) linked
    into that directory.
    """

    command: str
    cmdenv: dict[str, str]
    shipped: tuple[str, ...]
    check_code: bool

    def __call__(self, lines: Iterator[str]) -> Iterator[str]:
        from minispark.rdd.pipe import pipe_partition

        with _task_directory(self.shipped) as cwd:
            env = {**os.environ, **self.cmdenv}
            yield from pipe_partition(self.command, env, self.check_code, lines, cwd=cwd)


# -- lines and pairs --------------------------------------------------------------


def split_line(line: str) -> tuple[str, str]:
    """A streaming output line as (key, value): split at the first TAB.

    >>> split_line("the\\t1\\tx"), split_line("lonely")
    (('the', '1\\tx'), ('lonely', ''))
    """
    key, _, value = line.partition("\t")
    return key, value


def join_pair(pair: tuple[str, str]) -> str:
    """The ``key<TAB>value`` line of a pair, as the reducer reads it and the output holds.

    >>> join_pair(("the", "1")), join_pair(("lonely", ""))
    ('the\\t1', 'lonely\\t')
    """
    return f"{pair[0]}\t{pair[1]}"


def normalize_line(line: str) -> str:
    """``line`` as Hadoop writes the pair it parses from it: a TAB-less line gains one.

    >>> normalize_line("a\\tb"), normalize_line("a")
    ('a\\tb', 'a\\t')
    """
    return line if "\t" in line else line + "\t"


def _sorted_by_key(lines: Iterator[str]) -> list[str]:
    """A map partition's normalised lines sorted by key, as a combiner reads them."""
    return sorted(map(normalize_line, lines), key=lambda line: line.partition("\t")[0])


# -- the job -----------------------------------------------------------------------


def run_job(sc: Any, job: StreamingJob) -> None:
    """Run ``job`` on ``sc``; its output is committed whole or not at all."""
    shipped = _ship_files(sc, job.files)

    def stage(command: str) -> StreamCommand:
        return StreamCommand(_program_in_task(command, shipped), job.cmdenv, shipped,
                             job.check_code)

    lines = sc.textFile(",".join(job.inputs), job.maps)
    mapped = lines.mapPartitions(stage(job.mapper))
    if job.reduces == 0:
        mapped.map(normalize_line).saveAsTextFile(job.output)
        return
    if job.combiner is not None:
        mapped = mapped.mapPartitions(_sorted_by_key).mapPartitions(stage(job.combiner))
    grouped = mapped.map(split_line).repartitionAndSortWithinPartitions(job.reduces)
    reducer = stage(job.reducer)  # type: ignore[arg-type]  # set whenever reduces > 0
    grouped.map(join_pair).mapPartitions(reducer).map(normalize_line).saveAsTextFile(job.output)


def _ship_files(sc: Any, files: Sequence[str]) -> tuple[str, ...]:
    """Add each ``-file`` to the context (keeping its execute permission); their names."""
    from minispark.files import SparkFiles

    names = []
    for path in files:
        sc.addFile(path)
        name = os.path.basename(path)
        shutil.copymode(path, SparkFiles.get(name))
        names.append(name)
    return tuple(names)


def _program_in_task(command: str, shipped: Sequence[str]) -> str:
    """``command`` with a program named after a shipped file run from the task's directory
    (``-mapper mapper.py -file mapper.py`` runs ``./mapper.py``, as in Hadoop)."""
    argv = shlex.split(command)
    if argv and argv[0] in shipped:
        argv[0] = "./" + argv[0]
        return shlex.join(argv)
    return command


@contextlib.contextmanager
def _task_directory(shipped: Sequence[str]) -> Iterator[str]:
    """A fresh working directory, inside the application's local directory (so a killed
    executor's leftovers go when the context stops), with links to the shipped files."""
    from minispark.files import SparkFiles

    root = SparkFiles.getRootDirectory()
    path = tempfile.mkdtemp(prefix="streaming-task-", dir=os.path.dirname(root))
    try:
        for name in shipped:
            os.symlink(os.path.join(root, name), os.path.join(path, name))
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# -- command line ------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``minispark streaming``, with Hadoop Streaming's option names."""
    parser = argparse.ArgumentParser(
        prog=PROG, allow_abbrev=False,
        description="Run a MapReduce job whose mapper and reducer are any commands that read "
                    "lines on stdin and write key<TAB>value lines on stdout (Hadoop Streaming).")
    parser.add_argument("-input", action="append", default=[], metavar="PATH",
                        help="input file, directory or glob; repeat for more (required)")
    parser.add_argument("-output", metavar="DIR", help="output directory; must not exist")
    parser.add_argument("-mapper", metavar="CMD", help="the mapper's command line (required)")
    parser.add_argument("-reducer", metavar="CMD",
                        help="the reducer's command line (required unless -numReduceTasks 0; "
                             "NONE means a map-only job)")
    parser.add_argument("-combiner", metavar="CMD",
                        help="a command run on each map task's output, sorted by key")
    parser.add_argument("-numReduceTasks", type=int, metavar="N",
                        help="reduce tasks (default 1); 0 makes a map-only job")
    parser.add_argument("-file", "-files", dest="files", action="append", default=[],
                        metavar="FILE", help="ship a file into each task's working directory "
                                             "(-files takes a comma-separated list)")
    parser.add_argument("-cmdenv", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the commands; repeat for more")
    parser.add_argument("-D", "-jobconf", dest="properties", action="append", default=[],
                        metavar="KEY=VALUE",
                        help=f"{', '.join(_REDUCES + _MAPS + _NAMES)}, {_NON_ZERO_IS_FAILURE}, "
                             "or any spark.* / minispark.* setting (e.g. spark.master)")
    parser.add_argument("-verbose", action="store_true", help="print the job before running it")
    for option in _UNSUPPORTED_OPTIONS:
        parser.add_argument(option, dest=f"unsupported{option}", help=argparse.SUPPRESS)
    for flag in _UNSUPPORTED_FLAGS:
        parser.add_argument(flag, dest=f"unsupported{flag}", action="store_true",
                            help=argparse.SUPPRESS)
    return parser


def parse_job(args: argparse.Namespace) -> StreamingJob:
    """The job the parsed options describe, or a StreamingError naming the bad option.

    >>> job = parse_job(build_parser().parse_args(
    ...     ["-input", "in", "-output", "out", "-mapper", "cat", "-reducer", "wc -l",
    ...      "-D", "mapreduce.job.reduces=3", "-cmdenv", "LANG=C"]))
    >>> job.reduces, job.cmdenv, job.inputs
    (3, {'LANG': 'C'}, ('in',))
    """
    _reject_unsupported(args)
    for option in ("input", "output", "mapper"):
        if not getattr(args, option):
            raise StreamingError(f"-{option} is required")
    properties = dict(_pair("-D", text) for text in args.properties)
    reduces = _count(args.numReduceTasks, properties, _REDUCES, "-numReduceTasks", 1)
    reducer = args.reducer
    if reducer == "NONE":
        reduces, reducer = 0, None
    if reduces > 0 and reducer is None:
        raise StreamingError("-reducer is required (or -numReduceTasks 0 for a map-only job)")
    if reduces == 0 and (reducer or args.combiner):
        raise StreamingError("-numReduceTasks 0 makes a map-only job, which runs no "
                             "-reducer or -combiner; drop them or give reduce tasks")
    files = _files(args.files)
    shipped = {os.path.basename(path): path for path in files}
    cmdenv = dict(_pair("-cmdenv", text) for text in args.cmdenv)
    for option, command in (("-mapper", args.mapper), ("-combiner", args.combiner),
                            ("-reducer", reducer)):
        if command is not None:
            _check_program(option, command, shipped, cmdenv)
    return StreamingJob(
        inputs=tuple(args.input), output=args.output, mapper=args.mapper, reducer=reducer,
        combiner=args.combiner, reduces=reduces,
        maps=_count(None, properties, _MAPS, "-D mapreduce.job.maps", None, minimum=1),
        files=files, cmdenv=cmdenv,
        settings=_spark_settings(properties), name=_first(properties, _NAMES) or APP_NAME,
        check_code=_boolean(properties.get(_NON_ZERO_IS_FAILURE, "true")))


def _reject_unsupported(args: argparse.Namespace) -> None:
    given = [option for option in _UNSUPPORTED_OPTIONS + _UNSUPPORTED_FLAGS
             if getattr(args, f"unsupported{option}") not in (None, False)]
    if given:
        raise NotImplementedError(f"{PROG} does not support {', '.join(given)}; it reads text "
                                  "input, writes text output and partitions by key hash")


def _check_program(option: str, command: str, shipped: dict[str, str],
                   cmdenv: dict[str, str]) -> None:
    """Fail before the job when ``command``'s program cannot run in a task: tasks run in
    a working directory holding only the shipped files (``shipped``: name -> path), on
    the executors' ``PATH``."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise StreamingError(f"{option} {command!r}: {exc}") from None
    if not argv:
        raise StreamingError(f"{option}: empty command")
    program = argv[0]
    if os.path.normpath(program) in shipped:
        if not os.access(shipped[os.path.normpath(program)], os.X_OK):
            raise StreamingError(f"{option}: the shipped {program} is not executable; "
                                 f"chmod +x it, or run it with its interpreter "
                                 f"(e.g. 'python3 {program}')")
        return
    if os.path.isabs(program):
        if not os.access(program, os.X_OK) or os.path.isdir(program):
            raise StreamingError(f"{option}: {program} is not an executable file")
    elif "/" in program:
        raise StreamingError(f"{option}: {program} is not shipped with -file; commands run in "
                             "each task's working directory, which holds only the -file files")
    elif shutil.which(program, path=cmdenv.get("PATH", os.environ.get("PATH"))) is None:
        raise StreamingError(f"{option}: command not found: {program} (ship it with -file, "
                             "or give its absolute path)")


def _pair(option: str, text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise StreamingError(f"{option}: expected NAME=VALUE, got {text!r}")
    return key.strip(), value


def _first(properties: dict[str, str], keys: Sequence[str]) -> str | None:
    return next((properties[key] for key in keys if key in properties), None)


def _count(given: int | None, properties: dict[str, str], keys: Sequence[str], option: str,
           default: int | None, minimum: int = 0) -> int | None:
    text = _first(properties, keys)
    if given is None and text is not None:
        try:
            given = int(text)
        except ValueError:
            raise StreamingError(f"-D {keys[0]}: not a number: {text!r}") from None
    if given is not None and given < minimum:
        raise StreamingError(f"{option}: must be at least {minimum}, got {given}")
    return default if given is None else given


def _boolean(text: str) -> bool:
    if text.strip().lower() not in ("true", "false"):
        raise StreamingError(f"-D {_NON_ZERO_IS_FAILURE}: expected true or false, got {text!r}")
    return text.strip().lower() == "true"


def _spark_settings(properties: dict[str, str]) -> dict[str, str]:
    known = set(_REDUCES + _MAPS + _NAMES + (_NON_ZERO_IS_FAILURE,))
    unknown = [key for key in properties
               if key not in known and not key.startswith(("spark.", "minispark."))]
    if unknown:
        raise NotImplementedError(
            f"{PROG} does not support -D {', '.join(sorted(unknown))}; it reads "
            f"{', '.join(sorted(known))} and spark.* / minispark.* settings")
    return {key: value for key, value in properties.items() if key not in known}


def _files(entries: Sequence[str]) -> tuple[str, ...]:
    paths = [path.strip() for entry in entries for path in entry.split(",") if path.strip()]
    paths = [path[len("file:"):] if path.startswith("file:") else path for path in paths]
    missing = [path for path in paths if not os.path.isfile(path)]
    if missing:
        raise StreamingError(f"-file: no such file: {', '.join(missing)}")
    names = [os.path.basename(path) for path in paths]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        raise StreamingError(f"-file: two files named {', '.join(clashes)}")
    return tuple(os.path.abspath(path) for path in paths)


def describe(job: StreamingJob) -> str:
    """The ``-verbose`` report of a job."""
    lines = [f"{name}: {value}" for name, value in vars(job).items()]
    return "\n".join(["minispark streaming job:", *("  " + line for line in lines)])


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the job; 0 when its output is committed, 1 when it failed."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        job = parse_job(args)
    except (StreamingError, NotImplementedError) as exc:
        parser.error(str(exc))
    if args.verbose:
        print(describe(job), file=sys.stderr)
    try:
        _run_in_new_context(job)
    except (SparkException, OSError, ValueError) as exc:
        print(f"{PROG}: Streaming Command Failed! {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; no output was written", file=sys.stderr)
        return 130
    print(f"{PROG}: Output directory: {job.output}", file=sys.stderr)
    return 0


def _run_in_new_context(job: StreamingJob) -> None:
    from minispark import SparkConf, SparkContext

    conf = SparkConf().setAppName(job.name).setAll(list(job.settings.items()))
    conf.setIfMissing("spark.master", "local[*]")
    sc = SparkContext(conf=conf)
    try:
        run_job(sc, job)
    finally:
        sc.stop()
