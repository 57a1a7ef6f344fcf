"""Scheduler events in Spark's event-log form: one JSON object per event.

The same dictionaries are written to the event log and fed to the status
store, so the live UI and the history server (which replays a log) show an
application from exactly the same data. Names and fields are Spark's
(``SparkListenerTaskEnd`` with ``Task Info`` and ``Task Metrics``, ...), so
tools that read Spark's event logs read these; times are epoch milliseconds.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any, Callable

from minispark.scheduler import events as ev

HOST = socket.gethostname()


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds * 1000)


def storage_level_json(level: Any) -> dict[str, Any]:
    """Spark's ``Storage Level`` object for a minispark StorageLevel."""
    return {"Use Disk": level.useDisk, "Use Memory": level.useMemory,
            "Use Off Heap": level.useOffHeap, "Deserialized": level.deserialized,
            "Replication": level.replication}


def _rdd_info(info: ev.RDDInfo) -> dict[str, Any]:
    return {"RDD ID": info.rdd_id, "Name": info.name, "Callsite": info.callsite,
            "Parent IDs": info.parent_ids,
            "Storage Level": storage_level_json(info.storage_level),
            "Number of Partitions": info.num_partitions, "Number of Cached Partitions": 0,
            "Memory Size": 0, "Disk Size": 0}


def _task_metrics(m: Any) -> dict[str, Any]:
    """Spark's ``Task Metrics``: times in ms, except CPU times in ns, as Spark logs them."""
    return {
        "Executor Deserialize Time": _ms(m.deserialize_time),
        "Executor Deserialize CPU Time": int(m.deserialize_cpu_time * 1e9),
        "Executor Run Time": _ms(m.run_time),
        "Executor CPU Time": int(m.cpu_time * 1e9),
        "Peak Execution Memory": 0, "Result Size": m.result_size, "JVM GC Time": _ms(m.gc_time),
        "Result Serialization Time": 0, "Memory Bytes Spilled": m.spilled_bytes,
        "Disk Bytes Spilled": m.spilled_bytes,
        "Shuffle Read Metrics": {"Remote Blocks Fetched": 0, "Local Blocks Fetched": 0,
                                 "Fetch Wait Time": _ms(m.shuffle_fetch_wait_time),
                                 "Remote Bytes Read": m.shuffle_remote_bytes_read,
                                 "Remote Bytes Read To Disk": 0,
                                 "Local Bytes Read": m.shuffle_local_bytes_read,
                                 "Total Records Read": m.shuffle_records_read},
        "Shuffle Write Metrics": {"Shuffle Bytes Written": m.shuffle_bytes_written,
                                  "Shuffle Write Time": int(m.shuffle_write_time * 1e9),
                                  "Shuffle Records Written": m.shuffle_records_written},
        "Input Metrics": {"Bytes Read": m.input_bytes_read,
                          "Records Read": m.input_records_read},
        "Output Metrics": {"Bytes Written": m.output_bytes_written,
                           "Records Written": m.output_records_written},
        "Updated Blocks": [],
    }


@dataclass
class LogStart:
    """An event log's first line: the version that wrote it."""

    version: str


class SparkEventEncoder:
    """Turns scheduler events into Spark's JSON events, in the order they were posted.

    Stateful: a ``TaskEnd`` carries its task's launch time and a
    ``StageCompleted`` its stage's submission details, as Spark's do.

    >>> enc = SparkEventEncoder()
    >>> enc.encode(ev.ExecutorAdded("1", time=2.5))["Executor ID"]
    '1'
    >>> enc.encode(ev.UnpersistRDD(3))
    {'Event': 'SparkListenerUnpersistRDD', 'RDD ID': 3}
    """

    def __init__(self) -> None:
        self._stages: dict[tuple[int, int], dict[str, Any]] = {}
        self._launches: dict[int, int] = {}
        self._task_types: dict[tuple[int, int], str] = {}
        self._encoders: dict[type, Callable[[Any], dict[str, Any]]] = {
            LogStart: lambda e: {"Event": "SparkListenerLogStart", "Spark Version": e.version},
            ev.ApplicationStart: self._application_start,
            ev.ApplicationEnd: lambda e: {"Event": "SparkListenerApplicationEnd",
                                          "Timestamp": _ms(e.time)},
            ev.EnvironmentUpdate: lambda e: {"Event": "SparkListenerEnvironmentUpdate",
                                             **{k: dict(v) for k, v in e.sections.items()}},
            ev.ExecutorAdded: self._executor_added,
            ev.ExecutorRemoved: lambda e: {"Event": "SparkListenerExecutorRemoved",
                                           "Timestamp": _ms(e.time),
                                           "Executor ID": e.executor_id,
                                           "Removed Reason": e.reason},
            ev.JobStart: self._job_start,
            ev.JobEnd: self._job_end,
            ev.StageSubmitted: self._stage_submitted,
            ev.StageCompleted: self._stage_completed,
            ev.TaskStart: self._task_start,
            ev.TaskEnd: self._task_end,
            ev.BlockUpdated: self._block_updated,
            ev.UnpersistRDD: lambda e: {"Event": "SparkListenerUnpersistRDD",
                                        "RDD ID": e.rdd_id},
        }

    def encode(self, event: Any) -> dict[str, Any] | None:
        """The JSON form of ``event``, or None for an event Spark does not log."""
        encoder = self._encoders.get(type(event))
        if encoder is None:  # events of higher layers (SQL executions) encode themselves
            own = getattr(event, "spark_json", None)
            return None if own is None else own()
        return encoder(event)

    @staticmethod
    def _application_start(e: ev.ApplicationStart) -> dict[str, Any]:
        return {"Event": "SparkListenerApplicationStart", "App Name": e.app_name,
                "App ID": e.app_id, "Timestamp": _ms(e.time), "User": e.user}

    @staticmethod
    def _executor_added(e: ev.ExecutorAdded) -> dict[str, Any]:
        return {"Event": "SparkListenerExecutorAdded", "Timestamp": _ms(e.time),
                "Executor ID": e.executor_id,
                "Executor Info": {"Host": HOST, "Total Cores": 1, "Log Urls": {}}}

    @staticmethod
    def _stage_info(info: ev.StageInfo) -> dict[str, Any]:
        out = {"Stage ID": info.stage_id, "Stage Attempt ID": info.attempt,
               "Stage Name": info.name, "Number of Tasks": info.num_tasks,
               "RDD Info": [_rdd_info(r) for r in info.rdds],
               "Parent IDs": info.parent_ids, "Details": "",
               "Submission Time": _ms(info.submission_time)}
        if info.submission_time is None:
            del out["Submission Time"]
        return out

    def _job_start(self, e: ev.JobStart) -> dict[str, Any]:
        properties = dict(e.properties)
        properties.setdefault("spark.job.description", e.description)
        if e.job_group is not None:
            properties["spark.jobGroup.id"] = e.job_group
        return {"Event": "SparkListenerJobStart", "Job ID": e.job_id,
                "Submission Time": _ms(e.time),
                "Stage Infos": [self._stage_info(i) for i in e.stage_infos],
                "Stage IDs": list(e.stage_ids), "Properties": properties}

    @staticmethod
    def _job_end(e: ev.JobEnd) -> dict[str, Any]:
        result: dict[str, Any] = {"Result": "JobSucceeded"}
        if not e.succeeded:
            result = {"Result": "JobFailed",
                      "Exception": {"Message": e.error or "", "Stack Trace": []}}
        return {"Event": "SparkListenerJobEnd", "Job ID": e.job_id,
                "Completion Time": _ms(e.time), "Job Result": result}

    def _stage_submitted(self, e: ev.StageSubmitted) -> dict[str, Any]:
        info = self._stage_info(e.info)
        key = (e.info.stage_id, e.info.attempt)
        self._stages[key] = info
        self._task_types[key] = "ShuffleMapTask" if e.info.is_shuffle_map else "ResultTask"
        return {"Event": "SparkListenerStageSubmitted", "Stage Info": info,
                "Properties": {"minispark.job.id": str(e.job_id)}}

    def _stage_completed(self, e: ev.StageCompleted) -> dict[str, Any]:
        submitted = self._stages.pop((e.info.stage_id, e.info.attempt), None)
        info = dict(submitted) if submitted is not None else self._stage_info(e.info)
        info["Completion Time"] = _ms(e.info.completion_time or e.info.submission_time)
        if e.info.failure_reason is not None:
            info["Failure Reason"] = e.info.failure_reason
        return {"Event": "SparkListenerStageCompleted", "Stage Info": info}

    @staticmethod
    def _task_info(task_id: int, partition: int, attempt: int, executor_id: str,
                   launch: int | None) -> dict[str, Any]:
        return {"Task ID": task_id, "Index": partition, "Attempt": attempt,
                "Partition ID": partition, "Launch Time": launch, "Executor ID": executor_id,
                "Host": HOST, "Locality": "PROCESS_LOCAL", "Speculative": False,
                "Getting Result Time": 0, "Finish Time": 0, "Failed": False, "Killed": False}

    def _task_start(self, e: ev.TaskStart) -> dict[str, Any]:
        launch = _ms(e.time)
        self._launches[e.task_id] = launch  # type: ignore[assignment]
        return {"Event": "SparkListenerTaskStart", "Stage ID": e.stage_id,
                "Stage Attempt ID": e.stage_attempt,
                "Task Info": self._task_info(e.task_id, e.partition, e.attempt,
                                             e.executor_id, launch)}

    def _task_end(self, e: ev.TaskEnd) -> dict[str, Any]:
        finish = _ms(e.time)
        info = self._task_info(e.task_id, e.partition, e.attempt, e.executor_id,
                               self._launches.pop(e.task_id, finish))
        info["Finish Time"] = finish
        reason: dict[str, Any] = {"Reason": "Success"}
        if not e.succeeded:
            killed = (e.reason or "").startswith("TaskKilled")
            info["Killed" if killed else "Failed"] = True
            reason = ({"Reason": "TaskKilled", "Kill Reason": e.reason} if killed else
                      {"Reason": "ExceptionFailure", "Description": e.reason or "",
                       "Full Stack Trace": e.reason or ""})
        return {"Event": "SparkListenerTaskEnd", "Stage ID": e.stage_id,
                "Stage Attempt ID": e.stage_attempt,
                "Task Type": self._task_types.get((e.stage_id, e.stage_attempt), "ResultTask"),
                "Task End Reason": reason, "Task Info": info,
                "Task Metrics": _task_metrics(e.metrics)}

    @staticmethod
    def _block_updated(e: ev.BlockUpdated) -> dict[str, Any]:
        s = e.status
        return {"Event": "SparkListenerBlockUpdated", "Block Updated Info": {
            "Block Manager ID": {"Executor ID": s.executor_id, "Host": HOST},
            "Block ID": s.block_id, "Storage Level": storage_level_json(s.level),
            "Memory Size": s.memory_size, "Disk Size": s.disk_size}}
