"""TaskContext: what a running task knows about itself (pyspark.TaskContext)."""
from __future__ import annotations

from typing import Any, Callable

from minispark.errors import PySparkRuntimeError


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

    def __getstate__(self) -> dict:
        # A context that leaves its task (say, as a result) keeps what it
        # describes, not the executor's services.
        state = dict(self.__dict__)
        state["_env"] = None
        return state

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


#: How a barrier task reaches its driver: ``sync(epoch, kind, message)`` blocks
#: until every task of the stage attempt made the same call, then returns every
#: task's message ordered by partition (the executor supplies it).
BarrierSync = Callable[[int, str, str], "list[str]"]


class BarrierTaskContext(TaskContext):
    """The context of a task in a barrier stage: ``BarrierTaskContext.get()`` inside it.

    Every task of a barrier stage starts at the same time, so tasks can wait
    for each other (:meth:`barrier`) and exchange messages (:meth:`allGather`).
    ``TaskContext.get()`` returns this same object in a barrier task.

    >>> def block_and_do_something(itr):
    ...     taskcontext = BarrierTaskContext.get()
    ...     taskcontext.barrier()  # wait until every task of the stage is here
    ...     return itr
    >>> sc.parallelize([1]).barrier().mapPartitions(block_and_do_something).collect()
    [1]
    """

    def __init__(self, stage_id: int, partition_id: int, attempt_number: int,
                 task_attempt_id: int, local_properties: dict[str, str] | None = None,
                 env: Any = None, sync: BarrierSync | None = None) -> None:
        super().__init__(stage_id, partition_id, attempt_number, task_attempt_id,
                         local_properties, env)
        self._sync = sync
        self._epoch = 0

    @classmethod
    def get(cls) -> "BarrierTaskContext":
        """The context of the barrier task running here; raises outside a barrier stage.

        >>> BarrierTaskContext.get()
        Traceback (most recent call last):
        ...
        minispark.errors.exceptions.base.PySparkRuntimeError: [NOT_IN_BARRIER_STAGE] It is not in a barrier stage.
        """
        current = TaskContext._current
        if not isinstance(current, BarrierTaskContext):
            raise PySparkRuntimeError("NOT_IN_BARRIER_STAGE", "It is not in a barrier stage.")
        return current

    def barrier(self) -> None:
        """Wait until every task of this stage has called ``barrier()`` as often.

        Like ``MPI_Barrier``. Every task must make the same number of
        ``barrier()`` and :meth:`allGather` calls, in the same order; a task
        that finishes or fails first makes the others fail rather than wait,
        and a wait longer than ``spark.barrier.sync.timeout`` fails the stage.

        >>> def f(it):
        ...     BarrierTaskContext.get().barrier()
        ...     return [sum(it)]
        >>> sc.parallelize([1, 2, 3, 4], 2).barrier().mapPartitions(f).collect()
        [3, 7]
        """
        self._call("barrier", "")

    def allGather(self, message: str = "") -> list[str]:
        """Wait for every task of this stage, then return every task's ``message`` by partition.

        >>> def f(index, it):
        ...     return [BarrierTaskContext.get().allGather(f"task {index}")]
        >>> sc.parallelize(range(4), 2).barrier().mapPartitionsWithIndex(f).collect()
        [['task 0', 'task 1'], ['task 0', 'task 1']]
        """
        if not isinstance(message, str):
            raise TypeError("Argument `message` must be of type `str`")
        return self._call("allGather", message)

    def getTaskInfos(self) -> list["BarrierTaskInfo"]:
        """A :class:`BarrierTaskInfo` for every task of this stage, ordered by partition.

        >>> infos = sc.parallelize([1], 1).barrier().mapPartitions(
        ...     lambda _: [BarrierTaskContext.get().getTaskInfos()]).collect()[0]
        >>> [info.address.split(":")[0] for info in infos]
        ['127.0.0.1']
        """
        if self._sync is None:
            raise _not_initialized("getTaskInfos")
        addresses = self._local_properties.get("addresses", "")
        return [BarrierTaskInfo(address.strip()) for address in addresses.split(",")]

    def _call(self, kind: str, message: str) -> list[str]:
        if self._sync is None:
            raise _not_initialized(kind)
        gathered = self._sync(self._epoch, kind, message)
        self._epoch += 1
        return gathered

    def __getstate__(self) -> dict:
        # A context sent back to the driver (as a task's result) cannot sync any more.
        state = super().__getstate__()
        state["_sync"] = None
        return state


def _not_initialized(func_name: str) -> PySparkRuntimeError:
    return PySparkRuntimeError("CALL_BEFORE_INITIALIZE",
                               f"Not supported to call `{func_name}` before initializing "
                               "BarrierTaskContext.",
                               {"func_name": func_name, "object": "BarrierTaskContext"})


class BarrierTaskInfo:
    """What a barrier task knows about one task of its stage.

    ``address`` is ``host:port`` of the executor that runs the task. Local
    executors listen on no port, so the port field holds the executor's
    process id: distinct per executor, the same for tasks sharing one.

    >>> BarrierTaskInfo("127.0.0.1:4242").address
    '127.0.0.1:4242'
    """

    def __init__(self, address: str) -> None:
        self.address = address
