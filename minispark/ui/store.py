"""The application-status store: what the web UI and REST API show, built from events.

It reads only Spark's JSON events (:mod:`minispark.ui.eventjson`), so the
live UI (fed as the scheduler posts) and the history server (fed by replaying
an event log) are the same code. Records are kept in the REST API's shape,
with Spark's field names; times are epoch milliseconds until the REST layer
formats them. Thread-safe: events are applied by one thread while the HTTP
server's threads read.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any, Callable

#: Per-task metrics summed into a stage's totals: REST name -> (event section, event name).
_STAGE_SUMS = {
    "executorRunTime": (None, "Executor Run Time"),
    "executorCpuTime": (None, "Executor CPU Time"),
    "executorDeserializeTime": (None, "Executor Deserialize Time"),
    "executorDeserializeCpuTime": (None, "Executor Deserialize CPU Time"),
    "jvmGcTime": (None, "JVM GC Time"),
    "resultSize": (None, "Result Size"),
    "memoryBytesSpilled": (None, "Memory Bytes Spilled"),
    "diskBytesSpilled": (None, "Disk Bytes Spilled"),
    "inputBytes": ("Input Metrics", "Bytes Read"),
    "inputRecords": ("Input Metrics", "Records Read"),
    "outputBytes": ("Output Metrics", "Bytes Written"),
    "outputRecords": ("Output Metrics", "Records Written"),
    "shuffleLocalBytesRead": ("Shuffle Read Metrics", "Local Bytes Read"),
    "shuffleRemoteBytesRead": ("Shuffle Read Metrics", "Remote Bytes Read"),
    "shuffleFetchWaitTime": ("Shuffle Read Metrics", "Fetch Wait Time"),
    "shuffleReadRecords": ("Shuffle Read Metrics", "Total Records Read"),
    "shuffleWriteBytes": ("Shuffle Write Metrics", "Shuffle Bytes Written"),
    "shuffleWriteTime": ("Shuffle Write Metrics", "Shuffle Write Time"),
    "shuffleWriteRecords": ("Shuffle Write Metrics", "Shuffle Records Written"),
}


def _metric(metrics: dict[str, Any], section: str | None, name: str) -> int:
    source = metrics if section is None else metrics.get(section, {})
    return int(source.get(name, 0) or 0)


def _shuffle_read_bytes(metrics: dict[str, Any]) -> int:
    """Shuffle bytes read from local disk plus those fetched from other executors."""
    return (_metric(metrics, "Shuffle Read Metrics", "Local Bytes Read")
            + _metric(metrics, "Shuffle Read Metrics", "Remote Bytes Read"))


def describe_level(level: dict[str, Any]) -> str:
    """Spark's wording of a storage level, e.g. ``Memory Deserialized 1x Replicated``.

    >>> describe_level({"Use Disk": True, "Use Memory": True, "Deserialized": False,
    ...                 "Replication": 1})
    'Disk Memory Serialized 1x Replicated'
    """
    words = [w for flag, w in (("Use Disk", "Disk"), ("Use Memory", "Memory")) if level.get(flag)]
    words.append("Deserialized" if level.get("Deserialized") else "Serialized")
    return " ".join(words) + f" {level.get('Replication', 1)}x Replicated"


def task_metrics_rest(m: dict[str, Any]) -> dict[str, Any]:
    """A task's ``Task Metrics`` event section in the REST API's ``taskMetrics`` shape."""
    read, write = m.get("Shuffle Read Metrics", {}), m.get("Shuffle Write Metrics", {})
    return {
        "executorDeserializeTime": m.get("Executor Deserialize Time", 0),
        "executorDeserializeCpuTime": m.get("Executor Deserialize CPU Time", 0),
        "executorRunTime": m.get("Executor Run Time", 0),
        "executorCpuTime": m.get("Executor CPU Time", 0),
        "resultSize": m.get("Result Size", 0), "jvmGcTime": m.get("JVM GC Time", 0),
        "resultSerializationTime": m.get("Result Serialization Time", 0),
        "memoryBytesSpilled": m.get("Memory Bytes Spilled", 0),
        "diskBytesSpilled": m.get("Disk Bytes Spilled", 0),
        "peakExecutionMemory": m.get("Peak Execution Memory", 0),
        "inputMetrics": {"bytesRead": _metric(m, "Input Metrics", "Bytes Read"),
                         "recordsRead": _metric(m, "Input Metrics", "Records Read")},
        "outputMetrics": {"bytesWritten": _metric(m, "Output Metrics", "Bytes Written"),
                          "recordsWritten": _metric(m, "Output Metrics", "Records Written")},
        "shuffleReadMetrics": {
            "remoteBlocksFetched": read.get("Remote Blocks Fetched", 0),
            "localBlocksFetched": read.get("Local Blocks Fetched", 0),
            "fetchWaitTime": read.get("Fetch Wait Time", 0),
            "remoteBytesRead": read.get("Remote Bytes Read", 0),
            "remoteBytesReadToDisk": read.get("Remote Bytes Read To Disk", 0),
            "localBytesRead": read.get("Local Bytes Read", 0),
            "recordsRead": read.get("Total Records Read", 0)},
        "shuffleWriteMetrics": {"bytesWritten": write.get("Shuffle Bytes Written", 0),
                                "writeTime": write.get("Shuffle Write Time", 0),
                                "recordsWritten": write.get("Shuffle Records Written", 0)},
    }


def _new_job(job_id: int, submitted: int | None, name: str, stage_ids: list[int],
             group: str | None) -> dict[str, Any]:
    job = {"jobId": job_id, "name": name, "description": name, "submissionTime": submitted,
           "completionTime": None, "stageIds": stage_ids, "jobTags": [], "status": "RUNNING"}
    if group is not None:
        job["jobGroup"] = group
    job.update(dict.fromkeys(
        ("numTasks", "numActiveTasks", "numCompletedTasks", "numSkippedTasks",
         "numFailedTasks", "numKilledTasks", "numCompletedIndices", "numActiveStages",
         "numCompletedStages", "numSkippedStages", "numFailedStages"), 0))
    job["killedTasksSummary"] = {}
    return job


def _new_stage(info: dict[str, Any], status: str) -> dict[str, Any]:
    stage = {"status": status, "stageId": info["Stage ID"],
             "attemptId": info.get("Stage Attempt ID", 0),
             "numTasks": info.get("Number of Tasks", 0), "numActiveTasks": 0,
             "numCompleteTasks": 0, "numFailedTasks": 0, "numKilledTasks": 0,
             "numCompletedIndices": 0, "submissionTime": info.get("Submission Time"),
             "firstTaskLaunchedTime": None, "completionTime": None,
             "name": info.get("Stage Name", ""), "details": info.get("Details", ""),
             "schedulingPool": "default",
             "rddIds": [r["RDD ID"] for r in info.get("RDD Info", [])],
             "parentIds": list(info.get("Parent IDs", [])), "accumulatorUpdates": [],
             "killedTasksSummary": {}}
    stage.update(dict.fromkeys(_STAGE_SUMS, 0), shuffleReadBytes=0)
    return stage


def _new_executor(executor_id: str, host: str, added: int | None) -> dict[str, Any]:
    return {"id": executor_id, "hostPort": host, "isActive": True, "rddBlocks": 0,
            "memoryUsed": 0, "diskUsed": 0, "totalCores": 1, "maxTasks": 1,
            "activeTasks": 0, "failedTasks": 0, "completedTasks": 0, "totalTasks": 0,
            "totalDuration": 0, "totalGCTime": 0, "totalInputBytes": 0,
            "totalShuffleRead": 0, "totalShuffleWrite": 0, "isBlacklisted": False,
            "isExcluded": False, "maxMemory": 0, "addTime": added, "executorLogs": {},
            "attributes": {}, "resources": {}, "blacklistedInStages": [],
            "excludedInStages": []}


class AppStatusStore:
    """One application's jobs, stages, tasks, executors, cached RDDs and environment.

    >>> store = AppStatusStore()
    >>> store.apply({"Event": "SparkListenerApplicationStart", "App Name": "demo",
    ...              "App ID": "local-1", "Timestamp": 1000, "User": "me"})
    >>> store.application()["name"], store.completed
    ('demo', False)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.app: dict[str, Any] = {"id": "", "name": "", "user": "", "start": None,
                                    "end": None, "version": ""}
        self.completed = False
        self._env: dict[str, dict[str, str]] = {}
        self._jobs: dict[int, dict[str, Any]] = {}
        self._job_indices: dict[int, set[tuple[int, int]]] = defaultdict(set)
        #: job id -> stage id -> its task count, for the stages the job has not run (yet)
        self._job_unrun: dict[int, dict[int, int]] = {}
        self._stage_jobs: dict[int, list[int]] = defaultdict(list)
        self._stages: dict[tuple[int, int], dict[str, Any]] = {}
        self._stage_rdds: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self._stage_indices: dict[tuple[int, int], set[int]] = defaultdict(set)
        self._tasks: dict[tuple[int, int], dict[int, dict[str, Any]]] = defaultdict(dict)
        self._executors: dict[str, dict[str, Any]] = {}
        self._rdds: dict[int, dict[str, Any]] = {}
        #: block id -> executor id -> (memory, disk) bytes
        self._blocks: dict[str, dict[str, tuple[int, int]]] = {}
        #: Events no page here reads (e.g. SQL executions), by name, for later tabs.
        self.other_events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        #: SQL execution id -> the jobs tagged with it (``spark.sql.execution.id``)
        self._sql_jobs: dict[int, list[int]] = defaultdict(list)
        self.events_applied = 0
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "SparkListenerLogStart": self._log_start,
            "SparkListenerApplicationStart": self._application_start,
            "SparkListenerApplicationEnd": self._application_end,
            "SparkListenerEnvironmentUpdate": self._environment_update,
            "SparkListenerExecutorAdded": self._executor_added,
            "SparkListenerExecutorRemoved": self._executor_removed,
            "SparkListenerJobStart": self._job_start,
            "SparkListenerJobEnd": self._job_end,
            "SparkListenerStageSubmitted": self._stage_submitted,
            "SparkListenerStageCompleted": self._stage_completed,
            "SparkListenerTaskStart": self._task_start,
            "SparkListenerTaskEnd": self._task_end,
            "SparkListenerBlockUpdated": self._block_updated,
            "SparkListenerUnpersistRDD": self._unpersist,
        }

    # ---- applying events ----------------------------------------------------------------

    def apply(self, event: dict[str, Any]) -> None:
        """Fold one Spark JSON event into the store."""
        handler = self._handlers.get(event.get("Event", ""))
        with self._lock:
            self.events_applied += 1
            if handler is None:
                self.other_events[event.get("Event", "")].append(event)
            else:
                handler(event)

    def _log_start(self, e: dict[str, Any]) -> None:
        self.app["version"] = e.get("Spark Version", "")

    def _application_start(self, e: dict[str, Any]) -> None:
        self.app.update(id=e.get("App ID", ""), name=e.get("App Name", ""),
                        user=e.get("User", ""), start=e.get("Timestamp"))
        self._executors.setdefault("driver", _new_executor("driver", "", e.get("Timestamp")))

    def _application_end(self, e: dict[str, Any]) -> None:
        self.app["end"] = e.get("Timestamp")
        self.completed = True

    def _environment_update(self, e: dict[str, Any]) -> None:
        self._env = {k: dict(v) for k, v in e.items() if isinstance(v, dict)}

    def _executor_added(self, e: dict[str, Any]) -> None:
        info = e.get("Executor Info", {})
        self._executors[e["Executor ID"]] = _new_executor(
            e["Executor ID"], info.get("Host", ""), e.get("Timestamp"))

    def _executor_removed(self, e: dict[str, Any]) -> None:
        executor = self._executors.get(e["Executor ID"])
        if executor is not None:
            executor.update(isActive=False, removeTime=e.get("Timestamp"),
                            removeReason=e.get("Removed Reason", ""))

    def _job_start(self, e: dict[str, Any]) -> None:
        props = e.get("Properties") or {}
        name = props.get("spark.job.description", "")
        job = _new_job(e["Job ID"], e.get("Submission Time"), name, list(e.get("Stage IDs", [])),
                       props.get("spark.jobGroup.id"))
        unrun = self._job_unrun[job["jobId"]] = {}
        for info in e.get("Stage Infos", []):
            job["numTasks"] += info.get("Number of Tasks", 0)
            unrun[info["Stage ID"]] = info.get("Number of Tasks", 0)
            self._stage_jobs[info["Stage ID"]].append(job["jobId"])
            key = (info["Stage ID"], info.get("Stage Attempt ID", 0))
            if key not in self._stages:
                self._stages[key] = _new_stage(info, "PENDING")
                self._stage_rdds[key] = info.get("RDD Info", [])
                self._note_rdds(info)
        self._jobs[job["jobId"]] = job
        execution = props.get("spark.sql.execution.id", "")
        if execution.isdigit():
            self._sql_jobs[int(execution)].append(job["jobId"])

    def _job_end(self, e: dict[str, Any]) -> None:
        job = self._jobs.get(e["Job ID"])
        if job is None:
            return
        result = e.get("Job Result", {})
        job["completionTime"] = e.get("Completion Time")
        job["status"] = "SUCCEEDED" if result.get("Result") == "JobSucceeded" else "FAILED"
        unrun = self._job_unrun.pop(job["jobId"], {})
        job["numSkippedStages"] = len(unrun)
        job["numSkippedTasks"] = sum(unrun.values())
        for stage in self._stages.values():
            if stage["stageId"] in unrun and stage["status"] == "PENDING":
                stage["status"] = "SKIPPED"

    def _running_jobs_of(self, stage_id: int) -> list[dict[str, Any]]:
        return [self._jobs[j] for j in self._stage_jobs.get(stage_id, ())
                if self._jobs[j]["status"] == "RUNNING"]

    def _stage_submitted(self, e: dict[str, Any]) -> None:
        info = e["Stage Info"]
        key = (info["Stage ID"], info.get("Stage Attempt ID", 0))
        pending = self._stages.get(key)
        stage = _new_stage(info, "ACTIVE")
        if pending is not None and pending["status"] == "PENDING":
            stage["numTasks"] = info.get("Number of Tasks", pending["numTasks"])
        self._stages[key] = stage
        self._stage_rdds[key] = info.get("RDD Info", [])
        self._note_rdds(info)
        for job in self._running_jobs_of(key[0]):
            job["numActiveStages"] += 1
            self._job_unrun.get(job["jobId"], {}).pop(key[0], None)

    def _stage_completed(self, e: dict[str, Any]) -> None:
        info = e["Stage Info"]
        key = (info["Stage ID"], info.get("Stage Attempt ID", 0))
        stage = self._stages.get(key)
        if stage is None:
            return
        failed = "Failure Reason" in info
        stage["status"] = "FAILED" if failed else "COMPLETE"
        stage["completionTime"] = info.get("Completion Time")
        if failed:
            stage["failureReason"] = info["Failure Reason"]
        for job in self._running_jobs_of(key[0]):
            job["numActiveStages"] = max(0, job["numActiveStages"] - 1)
            job["numFailedStages" if failed else "numCompletedStages"] += 1

    def _task_start(self, e: dict[str, Any]) -> None:
        info = e["Task Info"]
        key = (e["Stage ID"], e.get("Stage Attempt ID", 0))
        self._tasks[key][info["Task ID"]] = {
            "taskId": info["Task ID"], "index": info["Index"], "attempt": info["Attempt"],
            "partitionId": info.get("Partition ID", info["Index"]),
            "launchTime": info["Launch Time"], "executorId": info["Executor ID"],
            "host": info.get("Host", ""), "status": "RUNNING",
            "taskLocality": info.get("Locality", "PROCESS_LOCAL"), "speculative": False,
            "accumulatorUpdates": [], "executorLogs": {}, "schedulerDelay": 0,
            "gettingResultTime": 0}
        stage = self._stages.get(key)
        if stage is not None:
            stage["numActiveTasks"] += 1
            if stage["firstTaskLaunchedTime"] is None:
                stage["firstTaskLaunchedTime"] = info["Launch Time"]
        executor = self._executor(info["Executor ID"], info["Launch Time"])
        executor["activeTasks"] += 1
        for job in self._running_jobs_of(key[0]):
            job["numActiveTasks"] += 1

    def _executor(self, executor_id: str, when: int | None) -> dict[str, Any]:
        executor = self._executors.get(executor_id)
        if executor is None:  # a log written before its ExecutorAdded was
            executor = self._executors[executor_id] = _new_executor(executor_id, "", when)
        return executor

    def _task_end(self, e: dict[str, Any]) -> None:
        info, metrics = e["Task Info"], e.get("Task Metrics") or {}
        key = (e["Stage ID"], e.get("Stage Attempt ID", 0))
        reason = e.get("Task End Reason", {})
        outcome = ("SUCCESS" if reason.get("Reason") == "Success" else
                   "KILLED" if info.get("Killed") else "FAILED")
        task = self._tasks[key].get(info["Task ID"])
        if task is None:
            self._task_start({"Stage ID": key[0], "Stage Attempt ID": key[1], "Task Info": info})
            task = self._tasks[key][info["Task ID"]]
        task["status"] = outcome
        task["duration"] = max(0, (info.get("Finish Time") or 0) - (info["Launch Time"] or 0))
        task["taskMetrics"] = task_metrics_rest(metrics)
        if outcome != "SUCCESS":
            task["errorMessage"] = (reason.get("Full Stack Trace") or reason.get("Description")
                                    or reason.get("Kill Reason") or reason.get("Reason", ""))
        counter = {"SUCCESS": "Complete", "FAILED": "Failed", "KILLED": "Killed"}[outcome]
        self._count_stage_task(key, info["Index"], counter, metrics)
        self._count_job_task(key, info["Index"], counter)
        self._count_executor_task(info["Executor ID"], outcome, task["duration"], metrics)

    def _count_stage_task(self, key: tuple[int, int], index: int, counter: str,
                          metrics: dict[str, Any]) -> None:
        stage = self._stages.get(key)
        if stage is None:
            return
        stage["numActiveTasks"] = max(0, stage["numActiveTasks"] - 1)
        stage[f"num{counter}Tasks"] += 1
        if counter == "Complete":
            indices = self._stage_indices[key]
            indices.add(index)
            stage["numCompletedIndices"] = len(indices)
        for name, (section, event_name) in _STAGE_SUMS.items():
            stage[name] += _metric(metrics, section, event_name)
        stage["shuffleReadBytes"] += _shuffle_read_bytes(metrics)

    def _count_job_task(self, key: tuple[int, int], index: int, counter: str) -> None:
        name = "numCompletedTasks" if counter == "Complete" else f"num{counter}Tasks"
        for job in self._running_jobs_of(key[0]):
            job["numActiveTasks"] = max(0, job["numActiveTasks"] - 1)
            job[name] += 1
            if counter == "Complete":
                indices = self._job_indices[job["jobId"]]
                indices.add((key[0], index))
                job["numCompletedIndices"] = len(indices)

    def _count_executor_task(self, executor_id: str, outcome: str, duration: int,
                             metrics: dict[str, Any]) -> None:
        executor = self._executor(executor_id, None)
        executor["activeTasks"] = max(0, executor["activeTasks"] - 1)
        executor["completedTasks" if outcome == "SUCCESS" else "failedTasks"] += 1
        executor["totalTasks"] += 1
        executor["totalDuration"] += duration
        executor["totalInputBytes"] += _metric(metrics, "Input Metrics", "Bytes Read")
        executor["totalShuffleRead"] += _shuffle_read_bytes(metrics)
        executor["totalShuffleWrite"] += _metric(metrics, "Shuffle Write Metrics",
                                                 "Shuffle Bytes Written")

    def _note_rdds(self, info: dict[str, Any]) -> None:
        for rdd in info.get("RDD Info", []):
            level = rdd.get("Storage Level", {})
            if level.get("Use Memory") or level.get("Use Disk"):
                entry = self._rdds.setdefault(rdd["RDD ID"], {"blocks": {}})
                entry.update(id=rdd["RDD ID"], name=rdd.get("Name", ""),
                             numPartitions=rdd.get("Number of Partitions", 0),
                             storageLevel=describe_level(level))

    def _block_updated(self, e: dict[str, Any]) -> None:
        info = e["Block Updated Info"]
        block, executor = info["Block ID"], info["Block Manager ID"]["Executor ID"]
        sizes = (info.get("Memory Size", 0), info.get("Disk Size", 0))
        holders = self._blocks.setdefault(block, {})
        if sizes == (0, 0):
            holders.pop(executor, None)
        else:
            holders[executor] = sizes
        if not holders:
            del self._blocks[block]

    def _unpersist(self, e: dict[str, Any]) -> None:
        rdd_id = e["RDD ID"]
        self._rdds.pop(rdd_id, None)
        prefix = f"rdd_{rdd_id}_"
        for block in [b for b in self._blocks if b.startswith(prefix)]:
            del self._blocks[block]

    # ---- reading ------------------------------------------------------------------------

    def application(self) -> dict[str, Any]:
        """The REST ``applications/<id>`` record (times in epoch ms)."""
        with self._lock:
            app = self.app
            attempt = {"startTime": app["start"], "endTime": app["end"],
                       "lastUpdated": app["end"] or app["start"],
                       "duration": ((app["end"] or app["start"] or 0) - (app["start"] or 0)),
                       "sparkUser": app["user"], "completed": self.completed,
                       "appSparkVersion": app["version"]}
            return {"id": app["id"], "name": app["name"], "attempts": [attempt]}

    def jobs(self, status: str | None = None) -> list[dict[str, Any]]:
        """Jobs, newest first, optionally of one status (RUNNING, SUCCEEDED, FAILED)."""
        with self._lock:
            return [dict(j) for j in sorted(self._jobs.values(), key=lambda j: -j["jobId"])
                    if status is None or j["status"] == status]

    def job(self, job_id: int) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else dict(job)

    def stages(self, status: str | None = None) -> list[dict[str, Any]]:
        """Every stage attempt, newest first, optionally of one status."""
        with self._lock:
            ordered = sorted(self._stages.values(),
                             key=lambda s: (-s["stageId"], -s["attemptId"]))
            return [dict(s) for s in ordered if status is None or s["status"] == status]

    def stage_attempts(self, stage_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(s) for (sid, _), s in sorted(self._stages.items()) if sid == stage_id]

    def stage(self, stage_id: int, attempt: int) -> dict[str, Any] | None:
        with self._lock:
            stage = self._stages.get((stage_id, attempt))
            return None if stage is None else dict(stage)

    def tasks(self, stage_id: int, attempt: int) -> list[dict[str, Any]]:
        """The stage attempt's tasks, by task id."""
        with self._lock:
            tasks = self._tasks.get((stage_id, attempt), {})
            return [dict(tasks[t]) for t in sorted(tasks)]

    def stage_rdds(self, stage_id: int, attempt: int) -> list[dict[str, Any]]:
        """The RDDs the stage computes (``RDD Info`` entries), for its DAG."""
        with self._lock:
            return list(self._stage_rdds.get((stage_id, attempt), []))

    def executors(self, active_only: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            used = self._usage_by_executor()
            out = []
            for executor in self._executors.values():
                if active_only and not executor["isActive"]:
                    continue
                record = dict(executor)
                record.update(used.get(executor["id"], {}))
                out.append(record)
            return out

    def _usage_by_executor(self) -> dict[str, dict[str, int]]:
        used: dict[str, dict[str, int]] = defaultdict(
            lambda: {"rddBlocks": 0, "memoryUsed": 0, "diskUsed": 0})
        for holders in self._blocks.values():
            for executor_id, (memory, disk) in holders.items():
                entry = used[executor_id]
                entry["rddBlocks"] += 1
                entry["memoryUsed"] += memory
                entry["diskUsed"] += disk
        return used

    def rdds(self) -> list[dict[str, Any]]:
        """Cached RDDs with at least one cached partition, as ``storage/rdd`` lists them."""
        with self._lock:
            out = [self._rdd_record(r) for r in sorted(self._rdds)]
            return [r for r in out if r["numCachedPartitions"]]

    def rdd(self, rdd_id: int) -> dict[str, Any] | None:
        with self._lock:
            return self._rdd_record(rdd_id) if rdd_id in self._rdds else None

    def _rdd_record(self, rdd_id: int) -> dict[str, Any]:
        entry = self._rdds[rdd_id]
        prefix = f"rdd_{rdd_id}_"
        partitions, by_executor = [], defaultdict(lambda: [0, 0])
        for block in sorted((b for b in self._blocks if b.startswith(prefix)),
                            key=lambda b: int(b.rsplit("_", 1)[1])):
            holders = self._blocks[block]
            memory = sum(m for m, _ in holders.values())
            disk = sum(d for _, d in holders.values())
            partitions.append({"blockName": block, "storageLevel": entry["storageLevel"],
                               "memoryUsed": memory, "diskUsed": disk,
                               "executors": sorted(holders)})
            for executor_id, (m, d) in holders.items():
                by_executor[executor_id][0] += m
                by_executor[executor_id][1] += d
        return {"id": rdd_id, "name": entry["name"], "numPartitions": entry["numPartitions"],
                "numCachedPartitions": len(partitions), "storageLevel": entry["storageLevel"],
                "memoryUsed": sum(p["memoryUsed"] for p in partitions),
                "diskUsed": sum(p["diskUsed"] for p in partitions),
                "dataDistribution": [{"address": e, "memoryUsed": m, "diskUsed": d,
                                      "memoryRemaining": 0}
                                     for e, (m, d) in sorted(by_executor.items())],
                "partitions": partitions}

    def other(self, *names: str) -> list[dict[str, Any]]:
        """The kept events of these names (e.g. a tab's own), each name's in arrival order."""
        with self._lock:
            return [e for name in names for e in self.other_events.get(name, ())]

    def sql_jobs(self) -> dict[int, list[dict[str, Any]]]:
        """SQL execution id -> the (copied) records of the jobs it ran."""
        with self._lock:
            return {execution: [dict(self._jobs[j]) for j in jobs if j in self._jobs]
                    for execution, jobs in self._sql_jobs.items()}

    def environment(self) -> dict[str, Any]:
        """The REST ``environment`` record: runtime and sorted name/value pairs per section."""
        with self._lock:
            env = self._env
            runtime = env.get("Runtime Information", {})
            return {"runtime": {"pythonVersion": runtime.get("Python Version", ""),
                                "javaVersion": "", "javaHome": "", "scalaVersion": ""},
                    "sparkProperties": sorted(env.get("Spark Properties", {}).items()),
                    "hadoopProperties": sorted(env.get("Hadoop Properties", {}).items()),
                    "systemProperties": sorted(env.get("System Properties", {}).items()),
                    "metricsProperties": [], "classpathEntries": sorted(
                        env.get("Classpath Entries", {}).items()),
                    "resourceProfiles": []}
