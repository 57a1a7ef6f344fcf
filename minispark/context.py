"""SparkContext: the entry point that wires the engine's layers together."""
from __future__ import annotations

import atexit
import functools
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import weakref
from itertools import chain
from typing import Any, Callable, Iterable, Sequence

from minispark import broadcast as broadcast_module
from minispark.accumulators import (
    COMPLEX_ACCUMULATOR_PARAM, FLOAT_ACCUMULATOR_PARAM, INT_ACCUMULATOR_PARAM, Accumulator,
    AccumulatorParam,
)
from minispark.broadcast import Broadcast, write_broadcast
from minispark.conf import SparkConf, set_system_property, system_property
from minispark.files import SparkFiles
from minispark.fs import registry as fs_registry
from minispark.rdd.checkpoint import CheckpointManager
from minispark.rdd.nodes import EmptyRDD, FileSplitRDD, ParallelCollectionRDD, UnionRDD
from minispark.rdd.rdd import RDD
from minispark.scheduler.backend import ExecutorBackend, InlineBackend
from minispark.scheduler.dag import DAGScheduler, SchedulerSettings
from minispark.scheduler.events import JobRecorder, ListenerBus, UnpersistRDD
from minispark.scheduler.executor import ExecutorSettings
from minispark.scheduler.process_backend import ProcessBackend
from minispark.settings import Settings
from minispark.shuffle.handle import ShuffleHandle
from minispark.status import StatusTracker
from minispark.storage.block_master import BlockManagerMaster, RDDStorageInfo

__version__ = "0.1.0"
log = logging.getLogger("minispark")
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_LOG_LEVELS = {"ALL": logging.NOTSET, "TRACE": logging.DEBUG, "DEBUG": logging.DEBUG,
               "INFO": logging.INFO, "WARN": logging.WARNING, "ERROR": logging.ERROR,
               "FATAL": logging.CRITICAL, "OFF": logging.CRITICAL + 10}
_MASTER = re.compile(r"local(?:\[(\*|\d+)(?:,(\d+))?\])?$")
_DASK_MASTER = re.compile(r"dask://\S+:\d+$")


def parse_master(master: str) -> tuple[int, int | None]:
    """(executors, task max failures or None) of a ``local``, ``local[N]``, ``local[N,F]`` master;
    ``dask://HOST:PORT`` has 0: the Dask cluster's workers decide.

    >>> parse_master("local[4]"), parse_master("local[2,3]"), parse_master("local")
    ((4, None), (2, 3), (1, None))
    >>> parse_master("dask://10.0.0.5:8786")
    (0, None)
    """
    if _DASK_MASTER.match(master.strip()):
        return 0, None
    match = _MASTER.match(master.strip())
    if match is None:
        raise ValueError(f"Could not parse Master URL: '{master}' (minispark runs "
                         "local, local[N], local[*], local[N,F] and dask://HOST:PORT)")
    threads, failures = match.groups()
    count = (os.cpu_count() or 1) if threads == "*" else int(threads or 1)
    if count < 1:
        raise ValueError(f"Asked to run locally with {count} threads")
    return count, int(failures) if failures else None


class SparkContext:
    """The entry point: builds RDDs, broadcasts and accumulators, and runs jobs.

    >>> with SparkContext.getOrCreate() as ctx:  # doctest: +SKIP
    ...     ctx.parallelize(range(4)).map(lambda x: x * 2).sum()
    12
    """

    _active_spark_context: "SparkContext | None" = None
    _lock = threading.RLock()

    def __init__(self, master: str | None = None, appName: str | None = None,
                 sparkHome: str | None = None, pyFiles: list[str] | None = None,
                 environment: dict[str, str] | None = None, batchSize: int = 0,
                 serializer: Any = None, conf: SparkConf | None = None,
                 gateway: Any = None, jsc: Any = None, profiler_cls: Any = None,
                 udf_profiler_cls: Any = None, memory_profiler_cls: Any = None) -> None:
        unsupported = {"gateway": gateway, "jsc": jsc, "serializer": serializer,
                       "profiler_cls": profiler_cls, "udf_profiler_cls": udf_profiler_cls,
                       "memory_profiler_cls": memory_profiler_cls}
        named = sorted(k for k, v in unsupported.items() if v is not None)
        if batchSize not in (0, 1):
            named.append("batchSize")
        if named:
            raise NotImplementedError(
                f"SparkContext({', '.join(named)}=...) is not supported: minispark runs without "
                "a JVM and chooses its own batched serialization")
        with SparkContext._lock:
            active = SparkContext._active_spark_context
            if active is not None:
                raise ValueError(
                    f"Cannot run multiple SparkContexts at once; existing SparkContext("
                    f"app={active.appName}, master={active.master}) created by __init__")
            self._setup(master, appName, sparkHome, pyFiles, environment, conf)
            SparkContext._active_spark_context = self

    # ---- set-up and tear-down ----------------------------------------------------

    def _setup(self, master: str | None, app_name: str | None, spark_home: str | None,
               py_files: list[str] | None, environment: dict[str, str] | None,
               conf: SparkConf | None) -> None:
        self._conf = conf.copy() if conf is not None else SparkConf()
        if master:
            self._conf.setMaster(master)
        if app_name:
            self._conf.setAppName(app_name)
        self._conf.setIfMissing("spark.master", os.environ.get("MASTER", "local[*]"))
        self._conf.setIfMissing("spark.app.name", "minispark")
        self.master = self._conf.get("spark.master")
        self.appName = self._conf.get("spark.app.name")
        self.sparkHome = spark_home
        self.environment = dict(environment or {})
        # Everything is parsed before anything is created, so a bad value leaves
        # no folder and no executor behind.
        self._settings = Settings(self._conf.getAll())
        fs_registry.configure(fs_registry.fs_settings(dict(self._conf.getAll())))
        executors, max_failures = parse_master(self.master)
        self._start_time = int(time.time() * 1000)
        self._app_id = f"local-{self._start_time}"
        self._stopped = False
        self._ids = {"rdd": 0, "shuffle": 0, "broadcast": 0, "accumulator": 0}
        self._id_lock = threading.Lock()
        self._local = threading.local()
        self._persistent_rdds: dict[int, RDD] = {}
        self._accumulators: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._checkpoints = CheckpointManager(self)
        self._executor_count = executors
        self._app_dir = _make_app_dir(self._app_id, self._settings["spark.local.dir"])
        try:
            self._start(executors, max_failures, py_files)
        except BaseException:
            self._release()
            raise

    def _start(self, executors: int, max_failures: int | None,
               py_files: list[str] | None) -> None:
        """Create what lives in the application folder and start the executors."""
        self._files_dir = os.path.join(self._app_dir, "files")
        self._added_files: list[str] = []
        self._added_archives: list[str] = []
        os.makedirs(self._files_dir)
        SparkFiles._root_directory = self._files_dir
        self._block_master = BlockManagerMaster()
        self._bus = ListenerBus()
        self._jobs = JobRecorder()
        self._bus.add_listener(self._jobs)
        from minispark.ui.live import start_live_status

        self._status = start_live_status(self._bus, self._settings, self._conf.getAll(),
                                         self.appName, self._app_id, self._start_time,
                                         __version__)
        self._backend = self._make_backend(executors)
        atexit.register(self.stop)
        self._backend.start()
        self._scheduler = DAGScheduler(self._backend, self._bus, self._block_master,
                                       self._scheduler_settings(max_failures),
                                       self._merge_accumulators)
        broadcast_module.on_remove = self._remove_broadcast
        # What `minispark submit --py-files/--files` (or the settings) ask to ship.
        for path in [*self._conf._paths("spark.submit.pyFiles"), *(py_files or ())]:
            self.addPyFile(path)
        for path in self._conf._paths("spark.files"):
            self.addFile(path)
        from minispark.ui.progress import console_progress_bar

        progress_bar = console_progress_bar(self._settings["spark.ui.showConsoleProgress"])
        if progress_bar is not None:
            self._bus.add_listener(progress_bar)

    def _executor_settings(self) -> ExecutorSettings:
        settings = self._settings
        storage = settings["spark.executor.memory"] * settings["spark.memory.storageFraction"]
        return ExecutorSettings(self._app_dir, int(storage),
                                settings["spark.shuffle.spill.numElementsForceSpillThreshold"],
                                settings["spark.python.worker.memory"],
                                fs_settings=fs_registry.fs_settings(dict(self._conf.getAll())),
                                bind_address=settings["spark.blockManager.bindAddress"],
                                force_remote_fetch=settings["minispark.shuffle.fetch.forceRemote"],
                                max_bytes_in_flight=settings["spark.reducer.maxSizeInFlight"])

    def _make_backend(self, executors: int) -> ExecutorBackend:
        if self._settings["minispark.executor.backend"] == "inline":
            return InlineBackend(self._executor_settings())
        user_env = dict(self.environment)
        user_env.update({k[len("spark.executorEnv."):]: v for k, v in self._conf.getAll()
                         if k.startswith("spark.executorEnv.")})
        if executors == 0:
            return self._make_dask_backend(user_env)
        return ProcessBackend(executors, self._executor_settings(), {**os.environ, **user_env})

    def _make_dask_backend(self, executor_env: dict[str, str]) -> ExecutorBackend:
        try:
            from minispark.scheduler.dask_backend import DaskBackend, DaskSettings
        except ImportError as exc:
            raise ImportError(f"master {self.master!r} needs Dask's 'distributed' package "
                              f"(pip install \"minispark[dask]\"): {exc}") from exc
        settings = self._settings
        # Unset, the driver listens where executors reach it, not on the UI's loopback default.
        bind = (settings["spark.driver.bindAddress"]
                if self._conf.contains("spark.driver.bindAddress") else None)
        dask = DaskSettings(settings["spark.driver.host"], bind, settings["spark.driver.port"],
                            settings["spark.scheduler.maxRegisteredResourcesWaitingTime"])
        return DaskBackend(self.master.strip(), self._executor_settings(), executor_env, dask)

    def _scheduler_settings(self, master_failures: int | None) -> SchedulerSettings:
        settings = self._settings
        return SchedulerSettings(
            max_task_failures=master_failures or settings["spark.task.maxFailures"],
            max_stage_attempts=settings["spark.stage.maxConsecutiveAttempts"],
            locality_wait=settings["spark.locality.wait"],
            max_result_size=settings["spark.driver.maxResultSize"],
            barrier_sync_timeout=settings["spark.barrier.sync.timeout"],
            scheduling_mode=settings["spark.scheduler.mode"],
            allocation_file=settings["spark.scheduler.allocation.file"])

    def stop(self) -> None:
        """Cancel running jobs, stop the executors, remove the application's files.

        Safe from any thread, any number of times: a job running in another
        thread fails with "SparkContext was shut down".

        >>> # sc.stop() ends the shared doctest context, so it is not run here
        """
        with SparkContext._lock:
            if getattr(self, "_stopped", True):
                return
            self._stopped = True
        self._release()

    def _release(self) -> None:
        """Undo whatever construction created; each step runs even if one before fails."""
        try:
            if hasattr(self, "_scheduler"):
                self._scheduler.stop()
            elif hasattr(self, "_backend"):
                self._backend.stop()
        finally:
            self._stop_status()
            shutil.rmtree(self._app_dir, ignore_errors=True)
            with SparkContext._lock:
                if SparkContext._active_spark_context is self:
                    SparkContext._active_spark_context = None
            if broadcast_module.on_remove == self._remove_broadcast:
                broadcast_module.on_remove = None
            atexit.unregister(self.stop)

    def _stop_status(self) -> None:
        """End the web UI and finish the event log (after the scheduler's last event)."""
        status = getattr(self, "_status", None)
        if status is not None:
            try:
                status.stop()
            except Exception:  # noqa: BLE001 - the rest of the clean-up must still run
                log.exception("stopping the web UI or the event log failed")

    def __enter__(self) -> "SparkContext":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @classmethod
    def getOrCreate(cls, conf: SparkConf | None = None) -> "SparkContext":
        """The active context, or a new one built from ``conf``.

        >>> SparkContext.getOrCreate() is sc
        True
        """
        with cls._lock:
            if cls._active_spark_context is None:
                cls(conf=conf or SparkConf())
            assert cls._active_spark_context is not None
            return cls._active_spark_context

    @classmethod
    def setSystemProperty(cls, key: str, value: str) -> None:
        """Set a system property; ``spark.*`` ones are defaults of every later ``SparkConf()``.

        Spark sets a Java system property; minispark, which has no JVM, keeps
        them in the driver process. Set them before creating the context.
        """
        set_system_property(key, value)

    @classmethod
    def getSystemProperty(cls, key: str) -> str | None:
        """A system property (one set by ``setSystemProperty`` or a launch setting), else None.

        >>> sc.getSystemProperty("SPARK_SUBMIT")
        'true'
        """
        return system_property(key)

    def __repr__(self) -> str:
        return f"<SparkContext master={self.master} appName={self.appName}>"

    def __reduce__(self):
        raise RuntimeError(
            "It appears that you are attempting to reference SparkContext from a broadcast "
            "variable, action, or transformation. SparkContext can only be used on the driver, "
            "not in code that it run on workers. For more information, see SPARK-5063.")

    # ---- properties ----------------------------------------------------------------

    @property
    def version(self) -> str:
        """The minispark version running this application."""
        return __version__

    @property
    def applicationId(self) -> str:
        """A unique id of this application, ``local-<start millis>`` as Spark's local mode.

        >>> sc.applicationId.startswith("local-")
        True
        """
        return self._app_id

    @property
    def defaultParallelism(self) -> int:
        """Partitions used when none are given: ``spark.default.parallelism`` or executors."""
        return (self._settings["spark.default.parallelism"] or self._executor_count
                or self._backend.parallelism)

    @property
    def defaultMinPartitions(self) -> int:
        """Minimum partitions for file input: ``min(defaultParallelism, 2)``."""
        return min(self.defaultParallelism, 2)

    @property
    def uiWebUrl(self) -> str | None:
        """The web UI's address (``spark.ui.enabled``); None when the UI is off.

        >>> sc.uiWebUrl is None or sc.uiWebUrl.startswith("http://127.0.0.1:")
        True
        """
        status = getattr(self, "_status", None)
        return None if status is None else status.url

    @property
    def startTime(self) -> int:
        """When this context started, in milliseconds since the epoch."""
        return self._start_time

    def getConf(self) -> SparkConf:
        """A copy of this context's configuration."""
        return self._conf.copy()

    def sparkUser(self) -> str:
        """The user running this application."""
        import getpass

        return getpass.getuser()

    def setLogLevel(self, logLevel: str) -> None:
        """Set minispark's log level: ALL, DEBUG, ERROR, FATAL, INFO, OFF, TRACE, WARN.

        >>> sc.setLogLevel("WARN")
        """
        level = _LOG_LEVELS.get(logLevel.upper())
        if level is None:
            raise ValueError(f"Invalid log level {logLevel!r}; use one of "
                             f"{', '.join(sorted(_LOG_LEVELS))}")
        log.setLevel(level)

    # ---- ids and internal helpers ------------------------------------------------------

    def _next_id(self, kind: str) -> int:
        with self._id_lock:
            value = self._ids[kind]
            self._ids[kind] = value + 1
            return value

    def _new_rdd_id(self) -> int:
        return self._next_id("rdd")

    def _shuffle_handle(self, partitioner: Any, aggregator: Any = None,
                        map_side_combine: bool = False, key_ordering: Any = None,
                        ascending: bool = True) -> ShuffleHandle:
        return ShuffleHandle(self._next_id("shuffle"), partitioner, aggregator,
                             map_side_combine, key_ordering, ascending)

    @staticmethod
    def _call_site() -> str:
        """``<api> at <file>:<line>``: the public call that user code made."""
        frame = sys._getframe(1)
        api = "<unknown>"
        while frame is not None:
            filename = frame.f_code.co_filename
            if not filename.startswith(_PACKAGE_DIR):
                return f"{api} at {os.path.basename(filename)}:{frame.f_lineno}"
            if not frame.f_code.co_name.startswith("_"):
                api = frame.f_code.co_name
            frame = frame.f_back
        return api

    def _check_alive(self) -> None:
        if self._stopped:
            raise RuntimeError("Cannot call methods on a stopped SparkContext.")

    # ---- running jobs ----------------------------------------------------------------

    def _run_job(self, rdd: RDD, func: Callable[[Any, Any], Any],
                 partitions: Sequence[int] | None = None) -> list:
        """Run ``func(task_context, iterator)`` on partitions of ``rdd``; one value each."""
        self._check_alive()
        parts = list(range(rdd.getNumPartitions()) if partitions is None else partitions)
        if not parts:
            return []
        results = self._scheduler.run_job(rdd, func, parts, self._call_site(),
                                          self._local_properties())
        self._checkpoints.after_job(rdd)
        return results

    def runJob(self, rdd: RDD, partitionFunc: Callable[[Any], Iterable[Any]],
               partitions: Sequence[int] | None = None, allowLocal: bool = False) -> list:
        """Run ``partitionFunc(iterator)`` on the given partitions; flatten the results.

        >>> rdd = sc.parallelize(range(6), 3)
        >>> sc.runJob(rdd, lambda part: [x * x for x in part], [0, 2])
        [0, 1, 16, 25]
        """
        values = self._run_job(rdd, lambda _ctx, it: list(partitionFunc(it)), partitions)
        return list(chain.from_iterable(values))

    def _local_properties(self) -> dict[str, str]:
        props = getattr(self._local, "props", None)
        if props is None:
            props = self._local.props = {}
        return props

    def setLocalProperty(self, key: str, value: str | None) -> None:
        """Set a property that jobs started from this thread carry to their tasks."""
        if value is None:
            self._local_properties().pop(key, None)
        else:
            self._local_properties()[key] = str(value)

    def getLocalProperty(self, key: str) -> str | None:
        """A local property of this thread, or None."""
        return self._local_properties().get(key)

    def setJobDescription(self, value: str) -> None:
        """A description for jobs started from this thread (shown in the UI)."""
        self.setLocalProperty("spark.job.description", value)

    def setJobGroup(self, groupId: str, description: str,
                    interruptOnCancel: bool = False) -> None:
        """Put jobs started from this thread into a group that can be cancelled together."""
        self.setLocalProperty("spark.jobGroup.id", groupId)
        self.setLocalProperty("spark.job.description", description)
        self.setLocalProperty("spark.job.interruptOnCancel", str(interruptOnCancel).lower())

    def setInterruptOnCancel(self, interruptOnCancel: bool) -> None:
        """Whether cancelling this thread's jobs also interrupts their running tasks."""
        self.setLocalProperty("spark.job.interruptOnCancel", str(interruptOnCancel).lower())

    def cancelJobGroup(self, groupId: str) -> None:
        """Cancel the running job of ``groupId`` (from any thread)."""
        self._scheduler.cancel_job_group(groupId)

    def addJobTag(self, tag: str) -> None:
        """Tag every job this thread starts from now on.

        >>> sc.addJobTag("nightly"); sorted(sc.getJobTags())
        ['nightly']
        >>> sc.removeJobTag("nightly"); sc.getJobTags()
        set()
        """
        self._set_job_tags(self.getJobTags() | {_checked_tag(tag)})

    def removeJobTag(self, tag: str) -> None:
        """Stop tagging this thread's jobs with ``tag``."""
        self._set_job_tags(self.getJobTags() - {_checked_tag(tag)})

    def getJobTags(self) -> set[str]:
        """The tags this thread's jobs carry."""
        value = self.getLocalProperty("spark.job.tags")
        return set(value.split(",")) if value else set()

    def clearJobTags(self) -> None:
        """Remove every tag of this thread's jobs."""
        self._set_job_tags(set())

    def _set_job_tags(self, tags: set[str]) -> None:
        self.setLocalProperty("spark.job.tags", ",".join(sorted(tags)) or None)

    def cancelJobsWithTag(self, tag: str) -> None:
        """Cancel the running job if it carries ``tag`` (from any thread)."""
        self._scheduler.cancel_jobs_with_tag(_checked_tag(tag))

    def cancelAllJobs(self) -> None:
        """Cancel the running job (from any thread)."""
        self._scheduler.cancel_all_jobs()

    def statusTracker(self) -> StatusTracker:
        """Read-only status of jobs and stages."""
        return StatusTracker(self._jobs)

    def addSparkListener(self, listener: Any) -> None:
        """Receive scheduler events (minispark's Python form of Spark's listener API)."""
        self._bus.add_listener(listener)

    def removeSparkListener(self, listener: Any) -> None:
        """Stop delivering events to ``listener``."""
        self._bus.remove_listener(listener)

    # ---- creating RDDs -----------------------------------------------------------------

    def parallelize(self, c: Iterable[Any], numSlices: int | None = None) -> RDD:
        """Distribute a local collection into ``numSlices`` partitions.

        >>> sc.parallelize([0, 2, 3, 4, 6], 5).glom().collect()
        [[0], [2], [3], [4], [6]]
        >>> sc.parallelize(range(0, 6, 2), 5).glom().collect()
        [[], [0], [], [2], [4]]
        """
        self._check_alive()
        n = self.defaultParallelism if numSlices is None else int(numSlices)
        if n < 1:
            raise ValueError(f"Number of slices must be positive, got {numSlices}")
        return ParallelCollectionRDD(self, _slice_collection(c, n))

    def range(self, start: int, end: int | None = None, step: int = 1,
              numSlices: int | None = None) -> RDD:
        """An RDD of ints like Python's ``range``; one argument means ``range(0, start)``.

        >>> sc.range(5).collect()
        [0, 1, 2, 3, 4]
        >>> sc.range(2, 10, 3).collect()
        [2, 5, 8]
        """
        if end is None:
            start, end = 0, start
        return self.parallelize(range(start, end, step), numSlices)

    def emptyRDD(self) -> RDD:
        """An RDD with no partitions and no elements.

        >>> sc.emptyRDD().collect(), sc.emptyRDD().getNumPartitions()
        ([], 0)
        """
        return EmptyRDD(self)

    def union(self, rdds: Sequence[RDD]) -> RDD:
        """All elements of several RDDs, partitions concatenated.

        >>> sc.union([sc.parallelize([1, 2]), sc.parallelize([3])]).collect()
        [1, 2, 3]
        """
        rdds = list(rdds)
        if not rdds:
            raise ValueError("union needs at least one RDD")
        union = UnionRDD(self, rdds)
        first = rdds[0].partitioner
        if first is not None and all(r.partitioner == first for r in rdds) \
                and union.getNumPartitions() == first.numPartitions:
            union.partitioner = first
        return union

    def textFile(self, name: str, minPartitions: int | None = None,
                 use_unicode: bool = True) -> RDD:
        """Lines of text files (a file, directory, glob or comma-separated list; .gz too).

        As in PySpark, the input is listed and split at the first action (or
        ``getNumPartitions``), not here, and the splits then stay fixed for
        this RDD.  Malformed UTF-8 reads as U+FFFD.

        >>> import tempfile, os
        >>> tmp = tempfile.TemporaryDirectory(); path = os.path.join(tmp.name, "t.txt")
        >>> _ = open(path, "w").write("Hello\\nworld\\n")
        >>> lines = sc.textFile(path)
        >>> _ = open(path, "a").write("again\\n")
        >>> lines.collect()
        ['Hello', 'world', 'again']
        >>> tmp.cleanup()
        """
        from minispark.fs.input import read_text_split, text_splits

        self._check_alive()
        plan = functools.partial(text_splits, name, minPartitions or self.defaultMinPartitions,
                                 ignore_empty_splits=True, balance_for=self.defaultParallelism)
        return FileSplitRDD(self, plan,
                            functools.partial(read_text_split, use_unicode=use_unicode))

    def wholeTextFiles(self, path: str, minPartitions: int | None = None,
                       use_unicode: bool = True) -> RDD:
        """(path, whole content) pairs, one per file; sub-directories are skipped.

        Files are listed at the first action, and each is read whole as it is then.

        >>> import tempfile, os
        >>> tmp = tempfile.TemporaryDirectory()
        >>> _ = open(os.path.join(tmp.name, "a.txt"), "w").write("1")
        >>> [(os.path.basename(k), v) for k, v in sc.wholeTextFiles(tmp.name).collect()]
        [('a.txt', '1')]
        >>> tmp.cleanup()
        """
        from minispark.fs.input import read_whole_file, whole_file_groups

        self._check_alive()
        plan = functools.partial(whole_file_groups, path,
                                 minPartitions or self.defaultMinPartitions)
        reader = functools.partial(read_whole_file, use_unicode=use_unicode)
        return FileSplitRDD(self, plan, functools.partial(_read_group, reader))

    def binaryFiles(self, path: str, minPartitions: int | None = None) -> RDD:
        """(path, bytes) pairs, one per file; listed at the first action, as ``wholeTextFiles``.

        >>> import tempfile, os
        >>> tmp = tempfile.TemporaryDirectory()
        >>> _ = open(os.path.join(tmp.name, "b.bin"), "wb").write(b"\\x00\\xff")
        >>> [(os.path.basename(k), v) for k, v in sc.binaryFiles(tmp.name).collect()]
        [('b.bin', b'\\x00\\xff')]
        >>> tmp.cleanup()
        """
        from minispark.fs.input import read_whole_binary, whole_file_groups

        self._check_alive()
        plan = functools.partial(whole_file_groups, path,
                                 minPartitions or self.defaultMinPartitions)
        return FileSplitRDD(self, plan, functools.partial(_read_group, read_whole_binary))

    def pickleFile(self, name: str, minPartitions: int | None = None) -> RDD:
        """Elements saved with ``saveAsPickleFile``, one partition per part file.

        >>> import tempfile, os
        >>> tmp = tempfile.TemporaryDirectory(); out = os.path.join(tmp.name, "p")
        >>> sc.parallelize([1, 2, 3], 2).saveAsPickleFile(out)
        >>> sorted(sc.pickleFile(out).collect())
        [1, 2, 3]
        >>> tmp.cleanup()
        """
        from minispark.fs.input import input_file_paths
        from minispark.fs.output import read_pickle_split

        self._check_alive()
        return FileSplitRDD(self, functools.partial(input_file_paths, name), read_pickle_split)

    def binaryRecords(self, path: str, recordLength: int) -> RDD:
        """Fixed-length binary records of ``recordLength`` bytes.

        Each file is split at its block size rounded down to whole records; the
        splits are computed at the first action and their byte ranges then kept.

        >>> import tempfile, os
        >>> tmp = tempfile.TemporaryDirectory()
        >>> _ = open(os.path.join(tmp.name, "r.bin"), "wb").write(b"abcdef")
        >>> sc.binaryRecords(tmp.name, 2).collect()
        [b'ab', b'cd', b'ef']
        >>> tmp.cleanup()
        """
        from minispark.fs.input import read_record_split, record_splits

        self._check_alive()
        if recordLength < 1:
            raise ValueError(f"recordLength must be positive, got {recordLength}")
        return FileSplitRDD(self, functools.partial(record_splits, path, recordLength),
                            functools.partial(read_record_split, record_length=recordLength))

    def sequenceFile(self, path: str, keyClass: str | None = None, valueClass: str | None = None,
                     keyConverter: str | None = None, valueConverter: str | None = None,
                     minSplits: int | None = None, batchSize: int = 0) -> RDD:
        """``(key, value)`` records of Hadoop SequenceFiles, as Python values.

        Each file's header names its Writable classes (``keyClass`` and
        ``valueClass`` are checked to be Writables, then, as in Spark, not
        used).  Text reads as ``str``, IntWritable/LongWritable as ``int``,
        BytesWritable as ``bytearray``, MapWritable as ``dict``, ... (see
        ``docs/hadoop-formats.md``).  Files split at their sync markers.

        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "seq")
        ...     sc.parallelize([(1, {3.0: "bb"}), (2, {1.0: "aa"})]).saveAsSequenceFile(path)
        ...     sorted(sc.sequenceFile(path).collect())
        [(1, {3.0: 'bb'}), (2, {1.0: 'aa'})]
        """
        return self._hadoop_input(
            "sequenceFile", path, "org.apache.hadoop.mapred.SequenceFileInputFormat",
            keyClass, valueClass, keyConverter, valueConverter, None,
            minSplits or min(self.defaultParallelism, 2), batchSize, new_api=False)

    def hadoopFile(self, path: str, inputFormatClass: str, keyClass: str, valueClass: str,
                   keyConverter: str | None = None, valueConverter: str | None = None,
                   conf: dict | None = None, batchSize: int = 0) -> RDD:
        """Records of an old-API (``org.apache.hadoop.mapred``) InputFormat.

        TextInputFormat gives ``(byte offset, line)``, KeyValueTextInputFormat
        ``(key, value)`` strings, SequenceFileInputFormat the files' records.

        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "t.txt")
        ...     _ = open(path, "w").write("a\\nbc\\n")
        ...     sc.hadoopFile(path, "org.apache.hadoop.mapred.TextInputFormat",
        ...                   "org.apache.hadoop.io.LongWritable", "org.apache.hadoop.io.Text").collect()
        [(0, 'a'), (2, 'bc')]
        """
        return self._hadoop_input("hadoopFile", path, inputFormatClass, keyClass, valueClass,
                                  keyConverter, valueConverter, conf, self.defaultMinPartitions,
                                  batchSize, new_api=False)

    def newAPIHadoopFile(self, path: str, inputFormatClass: str, keyClass: str, valueClass: str,
                         keyConverter: str | None = None, valueConverter: str | None = None,
                         conf: dict | None = None, batchSize: int = 0) -> RDD:
        """Records of a new-API (``org.apache.hadoop.mapreduce``) InputFormat.

        ``conf`` takes Hadoop keys such as ``textinputformat.record.delimiter``.

        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = os.path.join(d, "t.txt")
        ...     _ = open(path, "w").write("a;b;c")
        ...     sc.newAPIHadoopFile(path, "org.apache.hadoop.mapreduce.lib.input.TextInputFormat",
        ...                         "org.apache.hadoop.io.LongWritable", "org.apache.hadoop.io.Text",
        ...                         conf={"textinputformat.record.delimiter": ";"}).collect()
        [(0, 'a'), (2, 'b'), (4, 'c')]
        """
        return self._hadoop_input("newAPIHadoopFile", path, inputFormatClass, keyClass,
                                  valueClass, keyConverter, valueConverter, conf,
                                  self.defaultMinPartitions, batchSize, new_api=True)

    def hadoopRDD(self, inputFormatClass: str, keyClass: str, valueClass: str,
                  keyConverter: str | None = None, valueConverter: str | None = None,
                  conf: dict | None = None, batchSize: int = 0) -> RDD:
        """As ``hadoopFile``, the input named by ``conf``'s ``mapreduce.input.fileinputformat.inputdir``.

        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     _ = open(os.path.join(d, "t.txt"), "w").write("k\\tv\\n")
        ...     sc.hadoopRDD("org.apache.hadoop.mapred.KeyValueTextInputFormat",
        ...                  "org.apache.hadoop.io.Text", "org.apache.hadoop.io.Text",
        ...                  conf={"mapreduce.input.fileinputformat.inputdir": d}).collect()
        [('k', 'v')]
        """
        return self._hadoop_input("hadoopRDD", None, inputFormatClass, keyClass, valueClass,
                                  keyConverter, valueConverter, conf, self.defaultMinPartitions,
                                  batchSize, new_api=False)

    def newAPIHadoopRDD(self, inputFormatClass: str, keyClass: str, valueClass: str,
                        keyConverter: str | None = None, valueConverter: str | None = None,
                        conf: dict | None = None, batchSize: int = 0) -> RDD:
        """As ``newAPIHadoopFile``, the input named by ``conf`` (``...fileinputformat.inputdir``)."""
        return self._hadoop_input("newAPIHadoopRDD", None, inputFormatClass, keyClass,
                                  valueClass, keyConverter, valueConverter, conf,
                                  self.defaultMinPartitions, batchSize, new_api=True)

    def _hadoop_input(self, operation: str, path: str | None, input_format_class: str,
                      key_class: str | None, value_class: str | None, key_converter: str | None,
                      value_converter: str | None, conf: dict | None, min_partitions: int,
                      batch_size: int, new_api: bool) -> RDD:
        # batchSize only groups records for py4j in PySpark: results do not depend on it.
        from minispark.hadoop.formats import plan_input

        self._check_alive()
        if not isinstance(batch_size, int) or batch_size < 0:
            raise ValueError(f"{operation}: batchSize must be an int >= 0, got {batch_size!r}")
        plan = plan_input(operation, path, input_format_class, key_class, value_class,
                          key_converter, value_converter, conf, min_partitions, new_api)
        return FileSplitRDD(self, plan.splits, plan.reader)

    # ---- shared variables --------------------------------------------------------------

    def broadcast(self, value: Any) -> Broadcast:
        """Ship a read-only value to every executor once.

        >>> b = sc.broadcast({"a": 1})
        >>> sc.parallelize(["a", "a"]).map(lambda k: b.value[k]).collect()
        [1, 1]
        """
        self._check_alive()
        bid = self._next_id("broadcast")
        folder = os.path.join(self._app_dir, "broadcast")
        os.makedirs(folder, exist_ok=True)
        return write_broadcast(bid, value, os.path.join(folder, f"broadcast_{bid}"))

    def _remove_broadcast(self, bid: int, destroy: bool) -> None:
        if not self._stopped:
            self._backend.tell_all(("remove_broadcast", bid, destroy))

    def accumulator(self, value: Any, accum_param: AccumulatorParam | None = None
                    ) -> Accumulator:
        """A shared variable tasks add to; ints, floats and complex need no param.

        >>> acc = sc.accumulator(0)
        >>> sc.parallelize([1, 2, 3]).foreach(lambda x: acc.add(x))
        >>> acc.value
        6
        """
        if accum_param is None:
            accum_param = _default_param(value)
        acc = Accumulator(self._next_id("accumulator"), value, accum_param)
        self._accumulators[acc.aid] = acc
        return acc

    def _merge_accumulators(self, updates: list[tuple[int, Any]]) -> None:
        for aid, value in updates:
            acc = self._accumulators.get(aid)
            if acc is not None:
                acc._value = acc.accum_param.addInPlace(acc._value, value)

    # ---- files --------------------------------------------------------------------------

    def addFile(self, path: str, recursive: bool = False) -> None:
        """Copy a file (or, with ``recursive``, a folder) where tasks find it via SparkFiles.

        >>> import tempfile, os
        >>> src = os.path.join(tempfile.mkdtemp(), "lookup.txt")
        >>> _ = open(src, "w").write("42")
        >>> sc.addFile(src)
        >>> from minispark import SparkFiles
        >>> sc.parallelize([0]).map(lambda _: open(SparkFiles.get("lookup.txt")).read()).collect()
        ['42']
        """
        self._check_alive()
        if fs_registry.uri_scheme(path) not in ("", "file"):
            from minispark.fs.download import download

            target = download(path, self._files_dir, recursive)
            uri = fs_registry.get_filesystem(path).qualify(path)
        else:
            source = path[len("file://"):] if path.startswith("file://") else path
            target = os.path.join(self._files_dir, os.path.basename(source.rstrip(os.sep)))
            if os.path.isdir(source):
                if not recursive:
                    raise ValueError(f"{path} is a directory; pass recursive=True to add it")
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                shutil.copyfile(source, target)
            uri = "file:" + os.path.abspath(source)
        if uri not in self._added_files:
            self._added_files.append(uri)
        if os.path.isfile(target):  # executors that cannot read this folder fetch it now
            self._backend.tell_all(("add_file", os.path.basename(target)))

    def addPyFile(self, path: str) -> None:
        """Add a .py, .zip or .egg file whose modules tasks (and the driver) can import."""
        self.addFile(path)
        target = os.path.join(self._files_dir, os.path.basename(path))
        entry = target if target.endswith((".zip", ".egg", ".whl")) else self._files_dir
        if entry not in sys.path:
            sys.path.insert(1, entry)
        if isinstance(self._backend, ProcessBackend):
            self._backend.remember_py_file(target)
        self._backend.tell_all(("add_py_file", target))

    def addArchive(self, path: str) -> None:
        """Unpack a .zip, .tar, .tar.gz or .tgz where tasks find it: ``SparkFiles.get(name)``.

        >>> import tempfile, os, zipfile
        >>> archive = os.path.join(tempfile.mkdtemp(), "bundle.zip")
        >>> with zipfile.ZipFile(archive, "w") as z: z.writestr("data.txt", "hi")
        >>> sc.addArchive(archive)
        >>> from minispark import SparkFiles
        >>> open(os.path.join(SparkFiles.get("bundle.zip"), "data.txt")).read()
        'hi'
        """
        self._check_alive()
        source = path[len("file://"):] if path.startswith("file://") else path
        target = os.path.join(self._files_dir, os.path.basename(source))
        shutil.unpack_archive(source, target)
        uri = "file:" + os.path.abspath(source)
        if uri not in self._added_archives:
            self._added_archives.append(uri)

    @property
    def listArchives(self) -> list[str]:
        """The archives added with ``addArchive``, as ``file:`` URIs, in order."""
        return list(self._added_archives)

    @property
    def listFiles(self) -> list[str]:
        """The files added with ``addFile``/``addPyFile``, as ``file:`` URIs, in order."""
        return list(self._added_files)

    # ---- persistence and checkpoints -------------------------------------------------------

    def getPersistentRDDs(self) -> dict[int, RDD]:
        """The RDDs marked with persist/cache and not unpersisted, by id."""
        return dict(self._persistent_rdds)

    def _unpersist(self, rdd_id: int) -> None:
        self._persistent_rdds.pop(rdd_id, None)
        self._block_master.remove_rdd(rdd_id)
        self._bus.post(UnpersistRDD(rdd_id))
        if not self._stopped:
            self._backend.tell_all(("remove_rdd", rdd_id))

    def getRDDStorageInfo(self) -> list[RDDStorageInfo]:
        """Per persisted RDD: cached partitions, memory and disk bytes, executors."""
        return [self._block_master.rdd_info(rdd_id) for rdd_id in sorted(self._persistent_rdds)]

    def setCheckpointDir(self, dirName: str) -> None:
        """Where ``rdd.checkpoint()`` writes (a fresh sub-folder per application)."""
        self._checkpoints.set_directory(dirName)

    def getCheckpointDir(self) -> str | None:
        """The checkpoint folder of this application, once set."""
        return self._checkpoints.directory


def _make_app_dir(app_id: str, local_dir: str | None) -> str:
    """The application's folder under ``spark.local.dir`` (the system temp dir if unset)."""
    try:
        return tempfile.mkdtemp(prefix=f"minispark-{app_id}-", dir=local_dir or None)
    except OSError as exc:
        raise ValueError(f"spark.local.dir: cannot create the application folder in "
                         f"{local_dir!r}: {exc.strerror}") from exc


def _slice_collection(c: Iterable[Any], n: int) -> list[Sequence[Any]]:
    """Cut ``c`` into ``n`` slices the way PySpark does.

    A range is cut by element positions; other collections are first cut
    into batches (PySpark pickles them so) and the batches are spread over
    the slices, so ``glom()`` shows the same partitions as PySpark.
    """
    if isinstance(c, range):
        size = len(c)
        return [c[i * size // n:(i + 1) * size // n] for i in range(n)]
    data = list(c)
    batch = max(1, min(len(data) // n, 1024))
    batches = [data[i:i + batch] for i in range(0, len(data), batch)]
    m = len(batches)
    return [list(chain.from_iterable(batches[i * m // n:(i + 1) * m // n])) for i in range(n)]


def _checked_tag(tag: str) -> str:
    if not isinstance(tag, str) or not tag or "," in tag:
        raise ValueError(f"Spark job tag must be a non-empty string without ',': {tag!r}")
    return tag


def _read_group(reader: Callable[[Any], Any], group: Sequence[Any]) -> Iterable[Any]:
    return (reader(status) for status in group)


def _default_param(value: Any) -> AccumulatorParam:
    if isinstance(value, bool) or not isinstance(value, (int, float, complex)):
        raise TypeError(f"No default accumulator param for type {type(value)}")
    if isinstance(value, int):
        return INT_ACCUMULATOR_PARAM
    return FLOAT_ACCUMULATOR_PARAM if isinstance(value, float) else COMPLEX_ACCUMULATOR_PARAM
