"""StatusTracker: read-only views of jobs and stages (pyspark.status)."""
from __future__ import annotations

from typing import NamedTuple

from minispark.scheduler.events import JobRecorder


class SparkJobInfo(NamedTuple):
    """A job: its id, the ids of all its stages (run or skipped), and its status."""

    jobId: int
    stageIds: list
    status: str


class SparkStageInfo(NamedTuple):
    """A stage's latest attempt and its task counts."""

    stageId: int
    currentAttemptId: int
    name: str
    numTasks: int
    numActiveTasks: int
    numCompletedTasks: int
    numFailedTasks: int


class StatusTracker:
    """Low-level status of jobs and stages; obtained with ``sc.statusTracker()``.

    >>> tracker = sc.statusTracker()
    >>> sc.parallelize([1, 2]).count()
    2
    >>> tracker.getJobInfo(max(tracker.getJobIdsForGroup())).status
    'SUCCEEDED'
    """

    def __init__(self, recorder: JobRecorder) -> None:
        self._recorder = recorder

    def getJobIdsForGroup(self, jobGroup: str | None = None) -> list[int]:
        """Ids of the jobs in ``jobGroup`` (None: jobs without a group)."""
        return [j.job_id for j in self._recorder.jobs.values() if j.job_group == jobGroup]

    def getActiveJobsIds(self) -> list[int]:
        return [j.job_id for j in self._recorder.jobs.values() if j.status == "RUNNING"]

    def getActiveStageIds(self) -> list[int]:
        return [s for s, r in self._recorder.stages.items()
                if r.info.completion_time is None and r.info.failure_reason is None]

    def getJobInfo(self, jobId: int) -> SparkJobInfo | None:
        job = self._recorder.jobs.get(jobId)
        return None if job is None else SparkJobInfo(job.job_id, list(job.stage_ids), job.status)

    def getStageInfo(self, stageId: int) -> SparkStageInfo | None:
        record = self._recorder.stages.get(stageId)
        if record is None:
            return None
        info = record.info
        return SparkStageInfo(info.stage_id, info.attempt, info.name, info.num_tasks,
                              record.active_tasks, record.completed_tasks, record.failed_tasks)

    def getSkippedStageIds(self, jobId: int) -> list[int]:
        """Stages of a job that did not run because their shuffle output existed (minispark)."""
        return self._recorder.skipped_stage_ids(jobId)
