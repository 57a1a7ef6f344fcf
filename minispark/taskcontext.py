"""TaskContext: what a running task knows about itself (pyspark.TaskContext)."""
from __future__ import annotations

from typing import Any


class TaskContext:
    """Information about the task that is running; ``TaskContext.get()`` inside a task.

    On the driver, outside any task, ``TaskContext.get()`` returns None.

    >>> TaskContext.get() is None
    True
    """

    _current: "TaskContext | None" = None

    def __init__(self, stage_id: int, partition_id: int, attempt_number: int,
                 task_attempt_id: int, local_properties: dict[str, str] | None = None,
                 env: Any = None) -> None:
        self._stage_id = stage_id
        self._partition_id = partition_id
        self._attempt_number = attempt_number
        self._task_attempt_id = task_attempt_id
        self._local_properties = dict(local_properties or {})
        #: the executor's services (block manager, shuffle inputs); not public API
        self._env = env

    @classmethod
    def get(cls) -> "TaskContext | None":
        """The context of the task running in this process, or None."""
        return cls._current

    def stageId(self) -> int:
        """The id of the stage this task belongs to."""
        return self._stage_id

    def partitionId(self) -> int:
        """The index of the partition this task computes."""
        return self._partition_id

    def attemptNumber(self) -> int:
        """0 for the first attempt of this task, 1 for the first retry, ..."""
        return self._attempt_number

    def taskAttemptId(self) -> int:
        """An id unique to this attempt within the application."""
        return self._task_attempt_id

    def getLocalProperty(self, key: str) -> str | None:
        """A local property set on the driver with ``sc.setLocalProperty``."""
        return self._local_properties.get(key)

    def cpus(self) -> int:
        """CPUs reserved for this task: each executor process runs one task."""
        return 1

    def resources(self) -> dict:
        """Resources assigned to this task; minispark schedules none."""
        return {}
